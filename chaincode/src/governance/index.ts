export * from './config';
export * from './store';
export { initConfig, updateConfig, IMMUTABLE_FIELDS, GOVERNANCE_EVENT, PSEUDONYM_KEY_TRANSIENT, PSEUDONYM_KEY_SECRET } from './configure';
export { GovernanceContract } from './contract';
export { orgCollectionMembers, orgOutsideCollection, describeOutsider, ORG_COLLECTION_OVERSIGHT_ROLES, type CollectionOutsider } from './collections';
