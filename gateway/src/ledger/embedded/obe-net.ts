/**
 * OBE's network on the embedded runtime, driven directly (no gateway): identities per org and role, and one-line
 * submit/evaluate/endorse calls that speak JSON. The chaincode test kit (test/chaincode/support re-exports it, with
 * its jest assertions) and the clearing benchmark (scripts/bench) both stand on it, so a script never imports tests.
 */
import { randomBytes } from 'node:crypto';
import { TX, type TxEntry } from '@obe/chaincode';
import { EmbeddedFabric, type Identity, type TxRequest } from '@obe/fabric-embedded';
import { initialGovernanceConfig, obeNetwork, OBE_CHAINCODE, OBE_ORGS } from './obe-network';

export type Channel = 'energy' | 'audit';
export type EndorsedTx = Awaited<ReturnType<EmbeddedFabric['endorse']>>;

export const GRID = OBE_ORGS.gridOperator;
export const UTILITY = OBE_ORGS.utility;
export const REGULATOR = OBE_ORGS.regulator;

export interface TxOptions {
  channel?: Channel;
  transient?: Record<string, string | Uint8Array>;
  endorsingOrgs?: string[];
}

export interface EvaluateOptions extends TxOptions {
  /** Whose peer answers (its private-data view); default the caller's org. */
  org?: string;
}

/** A registered participant acting through its own identity. */
export interface Actor {
  readonly name: string;
  readonly identity: Identity;
  readonly mspId: string;
  readonly pseudonym: string;
  readonly roles: readonly string[];
}

/** One participant per role, each org's admin, and an identity that never registered. */
export interface Cast {
  readonly marketOperator: Actor;
  readonly dso: Actor;
  readonly generator: Actor;
  readonly retailer: Actor;
  readonly aggregator: Actor;
  readonly prosumer: Actor;
  readonly consumer: Actor;
  readonly regulator: Actor;
  readonly admins: { readonly [GRID]: Identity; readonly [UTILITY]: Identity; readonly [REGULATOR]: Identity };
  readonly unregistered: Identity;
}

/**
 * A transaction as these helpers take it: a catalogue entry (`TX.Registry.GetAsset`). Arguments stay untyped here on
 * purpose: the chaincode's tests send malformed ones to see them refused (the gateway's typed client is ledger/call.ts).
 */
export type Tx = TxEntry | string;
const nameOf = (tx: Tx): string => (typeof tx === 'string' ? tx : tx.name);

function encodeArg(arg: unknown): string {
  return typeof arg === 'string' ? arg : JSON.stringify(arg);
}

function decode(payload: Uint8Array): unknown {
  const text = Buffer.from(payload).toString('utf8');
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Every answer of a catalogued transaction is checked against the entry's result schema, so each chaincode test is
 * also a test that the catalogue (and the OpenAPI document generated from it) describes what the chaincode returns.
 */
function conforming(tx: Tx, value: unknown): unknown {
  if (typeof tx === 'string') return value;
  const parsed = tx.result.safeParse(value);
  if (!parsed.success) throw new Error(`${tx.name} answered outside its catalogue result schema: ${parsed.error.message}`);
  return value;
}

export class ObeNet {
  readonly fabric: EmbeddedFabric;

  private constructor(fabric: EmbeddedFabric) {
    this.fabric = fabric;
  }

  /** A fresh network in a temporary directory; with `governance: true` (default) both channels are configured. */
  static async start(options: { governance?: boolean; dataDir?: string } = {}): Promise<ObeNet> {
    const net = new ObeNet(await EmbeddedFabric.start(obeNetwork({ dataDir: options.dataDir })));
    if (options.governance !== false) {
      await net.configureGovernance('energy');
      await net.configureGovernance('audit');
    }
    return net;
  }

  close(): Promise<void> {
    return this.fabric.close();
  }

  identity(mspId: string, name: string, options?: { admin?: boolean; attrs?: Record<string, string> }): Promise<Identity> {
    return this.fabric.identity(mspId, name, options);
  }

  admin(mspId: string): Promise<Identity> {
    return this.fabric.identity(mspId, 'admin', { admin: true });
  }

  request(identity: Identity, tx: Tx, args: readonly unknown[] = [], options: TxOptions = {}): TxRequest {
    return {
      channel: options.channel ?? 'energy',
      chaincode: OBE_CHAINCODE,
      identity,
      fn: nameOf(tx),
      args: args.map(encodeArg),
      transient: options.transient,
      endorsingOrgs: options.endorsingOrgs,
    };
  }

  /** Submits and waits for the commit; resolves to the transaction's JSON result. */
  async submit<T = unknown>(identity: Identity, tx: Tx, args: readonly unknown[] = [], options: TxOptions = {}): Promise<T> {
    const result = await this.fabric.submit(this.request(identity, tx, args, options));
    return conforming(tx, decode(result.payload)) as T;
  }

  async evaluate<T = unknown>(identity: Identity, tx: Tx, args: readonly unknown[] = [], options: EvaluateOptions = {}): Promise<T> {
    const payload = await this.fabric.evaluate({ ...this.request(identity, tx, args, options), org: options.org });
    return conforming(tx, decode(payload)) as T;
  }

  endorse(identity: Identity, tx: Tx, args: readonly unknown[] = [], options: TxOptions = {}): Promise<EndorsedTx> {
    return this.fabric.endorse(this.request(identity, tx, args, options));
  }

  /** Sets a channel's first governance configuration as the grid operator's admin, with a fresh pseudonym key. */
  async configureGovernance(channel: Channel, overrides: Record<string, unknown> = {}): Promise<unknown> {
    return this.submit(await this.admin(GRID), TX.Governance.InitConfig, [{ ...initialGovernanceConfig(channel), ...overrides }], {
      channel,
      transient: { pseudonymKey: randomBytes(32).toString('base64url') },
    });
  }

  /** A new identity of `mspId` registered as a participant and granted `roles` by its org's admin. */
  async participant(mspId: string, name: string, roles: readonly string[], channel: Channel = 'energy'): Promise<Actor> {
    const identity = await this.identity(mspId, name);
    const registered = await this.submit<{ pseudonym: string }>(identity, TX.Participants.Register, [], { channel });
    const admin = await this.admin(mspId);
    for (const role of roles) {
      await this.submit(admin, TX.Participants.GrantRole, [{ pseudonym: registered.pseudonym, role }], { channel });
    }
    return { name, identity, mspId, pseudonym: registered.pseudonym, roles: [...roles] };
  }

  /** Everyone a test usually needs, each role held by its own participant (names are unique per call's prefix). */
  async cast(prefix = 'cast', channel: Channel = 'energy'): Promise<Cast> {
    const p = (mspId: string, role: string) => this.participant(mspId, `${prefix}-${role.toLowerCase()}`, [role], channel);
    return {
      marketOperator: await p(GRID, 'MARKET_OPERATOR'),
      dso: await p(GRID, 'DSO'),
      generator: await p(GRID, 'GENERATOR'),
      retailer: await p(UTILITY, 'RETAILER'),
      aggregator: await p(UTILITY, 'AGGREGATOR'),
      prosumer: await p(UTILITY, 'PROSUMER'),
      consumer: await p(UTILITY, 'CONSUMER'),
      regulator: await p(REGULATOR, 'REGULATOR'),
      admins: { [GRID]: await this.admin(GRID), [UTILITY]: await this.admin(UTILITY), [REGULATOR]: await this.admin(REGULATOR) },
      unregistered: await this.identity(UTILITY, `${prefix}-unregistered`),
    };
  }

  /** Heights of both channels: unchanged heights prove that a refused transaction committed nothing. */
  heights(): Record<Channel, number> {
    return { energy: this.fabric.height('energy'), audit: this.fabric.height('audit') };
  }
}
