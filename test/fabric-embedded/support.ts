/**
 * A three-org network for the runtime's conformance tests: one channel `ch` with the KV fixture contract and
 * collections exercising membership, memberOnlyRead/Write, blockToLive and collection endorsement policies.
 */
import { EmbeddedFabric, type CollectionConfig, type Identity, type RuntimeOptions, type TxRequest } from '@obe/fabric-embedded';
import { KvContract } from './fixtures/kv-contract';

export const A = 'OrgAMSP';
export const B = 'OrgBMSP';
export const C = 'OrgCMSP';

export const collections: CollectionConfig[] = [
  {
    name: 'abOnly',
    policy: "OR('OrgAMSP.member','OrgBMSP.member')",
    requiredPeerCount: 0,
    maxPeerCount: 2,
    blockToLive: 0,
    memberOnlyRead: true,
    memberOnlyWrite: true,
    endorsementPolicy: { signaturePolicy: "OR('OrgAMSP.member','OrgBMSP.member')" },
  },
  {
    name: 'aOpen',
    policy: "OR('OrgAMSP.member')",
    requiredPeerCount: 0,
    maxPeerCount: 1,
    blockToLive: 0,
    memberOnlyRead: false,
    memberOnlyWrite: false,
  },
  {
    name: 'shortLived',
    policy: "OR('OrgAMSP.member','OrgBMSP.member')",
    requiredPeerCount: 0,
    maxPeerCount: 2,
    blockToLive: 2,
    memberOnlyRead: true,
    memberOnlyWrite: true,
    endorsementPolicy: { signaturePolicy: "OR('OrgAMSP.member','OrgBMSP.member')" },
  },
  {
    name: 'bothMustSign',
    policy: "OR('OrgAMSP.member','OrgBMSP.member')",
    requiredPeerCount: 0,
    maxPeerCount: 2,
    blockToLive: 0,
    memberOnlyRead: true,
    memberOnlyWrite: true,
    endorsementPolicy: { signaturePolicy: "AND('OrgAMSP.member','OrgBMSP.member')" },
  },
];

export function networkOptions(overrides: Partial<RuntimeOptions> = {}): RuntimeOptions {
  return {
    orgs: [{ mspId: A }, { mspId: B }, { mspId: C }],
    channels: [{ name: 'ch', orgs: [A, B, C], chaincodes: [{ name: 'kv', contracts: [KvContract], collections }] }],
    batchTimeoutMs: 2,
    onWarning: () => undefined,
    ...overrides,
  };
}

/** The error `p` rejects with; throws if it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

export class Net {
  constructor(readonly fabric: EmbeddedFabric, readonly users: Record<string, Identity>) {}

  static async start(overrides: Partial<RuntimeOptions> = {}): Promise<Net> {
    const fabric = await EmbeddedFabric.start(networkOptions(overrides));
    const users: Record<string, Identity> = {};
    for (const org of [A, B, C]) users[org] = await fabric.identity(org, `user-${org}`, { attrs: { role: 'tester' } });
    return new Net(fabric, users);
  }

  req(org: string, fn: string, args: string[] = [], extra: Partial<TxRequest> = {}): TxRequest {
    return { channel: 'ch', chaincode: 'kv', identity: this.users[org], fn: `KV:${fn}`, args, ...extra };
  }

  submit(org: string, fn: string, args: string[] = [], extra: Partial<TxRequest> = {}) {
    return this.fabric.submit(this.req(org, fn, args, extra));
  }

  async evaluate(org: string, fn: string, args: string[] = [], extra: Partial<TxRequest> & { org?: string } = {}): Promise<string> {
    return (await this.fabric.evaluate({ ...this.req(org, fn, args, extra), org: extra.org })).toString('utf8');
  }

  close(): Promise<void> {
    return this.fabric.close();
  }
}
