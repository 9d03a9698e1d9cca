/**
 * The simulator's public entry points. `startLiveSimulation` (run.ts) is what `npm start` uses; `createRun` and
 * `startEmbeddedGateway` are what `npm run simulate` and the UI tests use.
 */
export { SimulationRun, type SimulationEvent } from './driver';
export { formatSummary, type SimulationSummary } from './summary';
export { startEmbeddedGateway, readApiKeys, type EmbeddedGateway } from './embedded-gateway';
export { neighbourhoodKeysFrom, type NeighbourhoodKeys } from './keys';
export { createRun, runSimulation, startLiveSimulation, type LiveSimulation, type RunOptions } from './run';
