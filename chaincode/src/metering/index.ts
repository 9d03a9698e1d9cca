export * from './reading';
export * from './store';
export { verifyReadingSignature } from './signature';
export { submitReadings, READINGS_EVENT, HEAD_END_ROLES, type SubmitReadingsResult } from './submit';
export { mayReadValues, readReading, readingHash, type ReadingView } from './access';
export { MeteringContract } from './contract';
