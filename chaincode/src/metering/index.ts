export * from './reading';
export * from './store';
export { verifyReadingSignature } from './signature';
export { submitReadings, submitProfiles, readingSalt, READINGS_EVENT, HEAD_END_ROLES, type SubmitReadingsResult } from './submit';
export { zoneTotal, publishZoneTotal, minGroupSize, ZONE_TOTAL_EVENT } from './zone';
export { mayReadValues, readReading, readingHash, type ReadingView } from './access';
export { MeteringContract } from './contract';
