import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../config';
import { TX, type TxArgs } from '@obe/chaincode';
import { txRequest } from '../ledger/call';
import { ChaincodeError } from '../ledger/errors';
import type { EventStream, Ledger, LedgerEvent } from '../ledger/port';

export const SETTLEMENT_EVENT = 'SettlementCompleted';
/** A sealed certificate interval (chaincode/src/certificates/seal.ts): same payload shape, anchored alike. */
export const CERTIFICATES_SEALED_EVENT = 'CertificatesSealed';

interface Checkpoint {
  blockNumber: number;
  txIndex: number;
}

/** The payload `SettlementCompleted` carries (chaincode/src/settlement/settle.ts). */
interface SettlementCompleted {
  channel?: string;
  market: TxArgs<typeof TX.Audit.Attest>[0]['market'];
  zone: string;
  interval: string;
  merkleRoot: string;
  recordCount: number;
  txId?: string;
}

export interface AuditRelayOptions {
  ledger: Ledger;
  /** Label of the grid operator identity that signs the attestations. */
  identity: string;
  dataDir: string;
  logger: Logger;
  sourceChannel?: string;
  auditChannel?: string;
  /** Pause before reconnecting after an error. */
  retryMs?: number;
}

/**
 * The grid operator's audit relay: follows `SettlementCompleted` on the energy channel from a persisted checkpoint and
 * anchors each settled interval's Merkle root on the audit channel. The checkpoint advances only after the attestation
 * committed (or was already there: `Audit:Attest` is idempotent), so a crash or restart re-sends at most the one
 * attestation in flight and never skips one.
 */
export class AuditRelay {
  readonly #options: Required<AuditRelayOptions>;
  readonly #file: string;
  #stream: EventStream | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  #anchored = 0;

  constructor(options: AuditRelayOptions) {
    this.#options = { sourceChannel: 'energy', auditChannel: 'audit', retryMs: 1000, ...options };
    this.#file = path.join(options.dataDir, 'audit-relay.json');
  }

  /** Attestations anchored (or confirmed present) since start. */
  get anchored(): number {
    return this.#anchored;
  }

  checkpoint(): Checkpoint | undefined {
    if (!fs.existsSync(this.#file)) return undefined;
    return JSON.parse(fs.readFileSync(this.#file, 'utf8')) as Checkpoint;
  }

  start(): void {
    if (this.#running) return;
    this.#running = this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stream?.close();
    this.#wake?.();
    await this.#running;
  }

  async #loop(): Promise<void> {
    const log = this.#options.logger;
    while (!this.#stopped) {
      try {
        const from = this.checkpoint();
        this.#stream = this.#options.ledger.events(this.#options.sourceChannel, {
          startBlock: from ? from.blockNumber : 0,
          after: from,
          identity: this.#options.identity,
        });
        let skipped = 0;
        for await (const event of this.#stream) {
          if (this.#stopped) break;
          // Other events need no checkpoint (replaying them is harmless); saving now and then only shortens a replay.
          if (event.name === SETTLEMENT_EVENT || event.name === CERTIFICATES_SEALED_EVENT) await this.#anchor(event);
          else if (++skipped % 500 !== 0) continue;
          this.#save({ blockNumber: event.blockNumber, txIndex: event.txIndex });
        }
      } catch (err) {
        if (this.#stopped) break;
        log.warn({ err }, 'audit relay interrupted; resuming from its checkpoint');
      }
      if (!this.#stopped) await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, this.#options.retryMs).unref();
      });
    }
  }

  async #anchor(event: LedgerEvent): Promise<void> {
    const settled = JSON.parse(Buffer.from(event.payload).toString('utf8')) as SettlementCompleted;
    const attestation = {
      sourceChannel: settled.channel ?? event.channel,
      market: settled.market,
      zone: settled.zone,
      interval: settled.interval,
      merkleRoot: settled.merkleRoot,
      recordCount: settled.recordCount,
      sourceTxId: settled.txId ?? event.txId,
    };
    try {
      const result = await this.#options.ledger.submit(txRequest(TX.Audit.Attest, { identity: this.#options.identity, channel: this.#options.auditChannel }, [attestation]));
      this.#anchored++;
      this.#options.logger.info({ ...attestation, txId: result.txId, blockNumber: result.blockNumber }, 'settlement attested on the audit channel');
    } catch (err) {
      // A refused attestation (bad payload, another root already anchored) will never succeed: log it and move on
      // rather than block every later settlement behind it. Anything else (ledger down) is retried from the checkpoint.
      if (err instanceof ChaincodeError && err.code && err.code !== 'NOT_FOUND') {
        this.#options.logger.error({ err: err.message, attestation }, 'attestation refused by the audit chaincode');
        return;
      }
      throw err;
    }
  }

  #save(checkpoint: Checkpoint): void {
    writeFileAtomic(this.#file, JSON.stringify(checkpoint));
  }
}
