/**
 * The chaincode's entry point for fabric-chaincode-node: the contract classes it serves. Each domain folder exports
 * its own contracts; this list is the only place they are assembled.
 */
import type { Contract } from 'fabric-contract-api';
import { GovernanceContract } from './governance';
import { ParticipantsContract } from './participants';
import { MeteringContract } from './metering';
import { RegistryContract } from './registry';

export * from './common';

export const contracts: (typeof Contract)[] = [
  GovernanceContract,
  ParticipantsContract,
  RegistryContract,
  MeteringContract,
];
