export * from './obe-net';
export * from './devices';
export * from './assets';
export * from './clock';
