export * from './asset';
export * from './lifecycle';
export * from './store';
export { devicePublicKeySchema } from './device-key';
export {
  ASSET_EVENT,
  registerAsset,
  commissionAsset,
  activateAsset,
  suspendAsset,
  resumeAsset,
  decommissionAsset,
  offerTransfer,
  acceptTransfer,
  cancelTransfer,
  rotateDeviceKey,
  queryAssets,
} from './operations';
export { RegistryContract } from './contract';
