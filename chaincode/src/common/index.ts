export * from './errors';
export * from './canonical-json';
export * from './validate';
export * from './tx-time';
