export {
  CommitStateError,
  createFabricLedger,
  FabricLedger,
  DEFAULT_EVENT_RECONNECT,
  tlsGrpcClientFactory,
  type ConflictInfo,
  type CreateFabricLedgerOptions,
  type EventReconnectOptions,
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
export { DEFAULT_RETRY_POLICY, RETRY_TABLE, retryDecision, type RetryPolicy } from '../retry-policy';
export type { ReconnectInfo } from './event-stream';
export type { EventPosition } from './checkpoint-store';
export { DEFAULT_DEADLINES, fabricSettingsFromEnv, type FabricDeadlines, type FabricSettings } from './settings';
