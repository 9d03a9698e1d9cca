export * from './config';
export * from './store';
export { initConfig, updateConfig, GOVERNANCE_EVENT, PSEUDONYM_KEY_TRANSIENT, PSEUDONYM_KEY_SECRET } from './configure';
export { GovernanceContract } from './contract';
