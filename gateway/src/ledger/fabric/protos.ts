/**
 * The protobuf classes of exactly the @hyperledger/fabric-protos release fabric-gateway itself uses (npm may hoist a
 * different release for fabric-shim), loaded through fabric-gateway's own resolution.
 */
import { createRequire } from 'node:module';
import type * as FabricProtos from '@hyperledger/fabric-protos';

const requireFromGateway = createRequire(require.resolve('@hyperledger/fabric-gateway'));

export const protos = requireFromGateway('@hyperledger/fabric-protos') as typeof FabricProtos;

/** `TxValidationCode` number → name (11 → MVCC_READ_CONFLICT); unknown numbers stay readable. */
export function validationCodeName(code: number): string {
  const names = protos.peer.TxValidationCode as unknown as Record<string, number>;
  for (const [name, value] of Object.entries(names)) if (value === code) return name;
  return `VALIDATION_CODE_${code}`;
}

/** Height (number of blocks) from a qscc GetChainInfo result. */
export function decodeChainHeight(bytes: Uint8Array): number {
  return Number(protos.common.BlockchainInfo.deserializeBinary(bytes).getHeight());
}

/** The validation code name of a qscc GetTransactionByID result (a ProcessedTransaction). */
export function decodeProcessedTransactionCode(bytes: Uint8Array): string {
  return validationCodeName(protos.peer.ProcessedTransaction.deserializeBinary(bytes).getValidationcode());
}

/** The number of a block from a qscc GetBlockByTxID result. */
export function decodeBlockNumber(bytes: Uint8Array): number {
  return Number(protos.common.Block.deserializeBinary(bytes).getHeader()?.getNumber() ?? 0);
}
