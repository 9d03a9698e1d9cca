export {
  createFabricLedger,
  FabricLedger,
  DEFAULT_DEADLINES,
  DEFAULT_EVENT_RECONNECT,
  tlsGrpcClientFactory,
  type ConflictInfo,
  type CreateFabricLedgerOptions,
  type EventReconnectOptions,
  type FabricDeadlines,
  type FabricEventStreamOptions,
  type FabricLedgerHooks,
  type FabricLedgerOptions,
  type GrpcClientFactory,
  type RetryInfo,
} from './adapter';
export {
  ConnectionConfigError,
  connectionConfigPath,
  connectionConfigSchema,
  loadConnectionConfig,
  parseConnectionConfig,
  DEFAULT_CONNECTION_CONFIG,
  type ConnectionConfig,
  type ConnectionConfigInput,
} from './connection-config';
export { MspIdentityError } from './msp-identity';
export { DEFAULT_RETRY_POLICY, RETRY_TABLE, retryDecision, type RetryPolicy } from './retry-policy';
export type { ReconnectInfo } from './event-stream';
export type { EventPosition } from './checkpoint-store';
