/**
 * The chaincode's entry point for fabric-chaincode-node: the contract classes it serves. Each domain folder exports
 * its own contracts; this list is the only place they are assembled.
 */
// First: fabric-shim's loggers skip disabled levels before formatting (see the module).
import './shim-logging';
import type { Contract } from 'fabric-contract-api';
import { GovernanceContract } from './governance';
import { ParticipantsContract } from './participants';
import { eraseParticipant } from './erasure/erase';
import { MeteringContract } from './metering';
import { RegistryContract } from './registry';
import { TokensContract } from './tokens/contract';
import { RetailMarketContract } from './market/retail/contract';
import { WholesaleMarketContract } from './market/wholesale/contract';
import { SettlementContract } from './settlement/contract';
import { AuditContract } from './audit/contract';
import { CertificatesContract } from './certificates/contract';
import { DemandResponseContract } from './grid/dr/contract';
import { GridContract } from './grid/contract';
import { MarketCouplingContract } from './market/coupling/contract';

export * from './common';
export * from './catalogue';
export { readingSigningPayload, READINGS_TRANSIENT, type Reading, type SignedReading, type ReadingBatch } from './metering/reading';
export {
  profileSigningPayload,
  profileOfStored,
  PROFILE_DOMAIN,
  PROFILES_TRANSIENT,
  MAX_PROFILE_INTERVALS,
  MAX_PROFILE_BATCH_READINGS,
  MAX_PROFILES,
  MAX_BATCH_TEXT_BYTES,
  type LoadProfile,
  type SignedProfile,
  type ProfileBatch,
  type ProfileRef,
} from './metering/reading';
export { verifyMerkleProof, merkleLeafHash, merkleRoot, type MerkleProofStep } from './settlement/merkle';
export { MAX_ORDER_WH, MAX_PRICE, MIN_BID_PRICE } from './market/rules';
export { MAX_TOKEN_SUPPLY } from './tokens/ledger';
export { gcDocument, signGcDocument, verifyGcDocument, GC_FORMAT, GC_STANDARD, type GcAttestation, type GcDocument, type GcVerification, type LotExportSource } from './certificates/export';
export { COLLECTION_BLOCK_TO_LIVE, READINGS_BLOCK_TO_LIVE, requiredBlockToLive } from './governance/collections';

/** The Participants contract with erasure wired in (erasure reaches every domain, which all import participants). */
export class ParticipantsWithErasure extends ParticipantsContract {
  constructor() {
    super(eraseParticipant);
  }
}

export const contracts: (typeof Contract)[] = [
  GovernanceContract,
  ParticipantsWithErasure,
  RegistryContract,
  MeteringContract,
  TokensContract,
  RetailMarketContract,
  WholesaleMarketContract,
  SettlementContract,
  AuditContract,
  CertificatesContract,
  DemandResponseContract,
  MarketCouplingContract,
  GridContract,
];
