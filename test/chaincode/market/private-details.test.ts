/**
 * withPrivateDetails on the embedded runtime: a peer or creator outside the collection sees the public record
 * without details; any other failed private read (an undefined collection, a corrupt value) is an error, never a
 * silently missing `details`.
 */
import '../../../gateway/src/quiet-chaincode-logs';
import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { EmbeddedFabric, type CollectionConfig, type Identity } from '@obe/fabric-embedded';
import { withPrivateDetails } from '../../../chaincode/src/common/private-details';
import type { ActingParticipant } from '../../../chaincode/src/participants/participant';

const A = 'OrgAMSP';
const B = 'OrgBMSP';
const OWNER = 'owner-1';

@Info({ title: 'PrivateView', description: 'fixture: withPrivateDetails over raw private values' })
class PrivateViewContract extends Contract {
  constructor() {
    super('PrivateView');
  }

  @Param('collection', 'string')
  @Param('key', 'string')
  @Param('value', 'string')
  @Transaction()
  async Put(ctx: Context, collection: string, key: string, value: string): Promise<void> {
    await ctx.stub.putPrivateData(collection, key, Buffer.from(value));
  }

  @Param('collection', 'string')
  @Param('key', 'string')
  @Transaction(false)
  @Returns('string')
  async View(ctx: Context, collection: string, key: string): Promise<string> {
    const caller = { pseudonym: OWNER, effectiveRoles: [] } as unknown as ActingParticipant;
    return JSON.stringify(await withPrivateDetails(ctx, caller, 'record', { owner: OWNER, collection }, key));
  }
}

const collection = (name: string, memberOnlyRead: boolean): CollectionConfig => ({
  name,
  policy: `OR('${A}.member')`,
  requiredPeerCount: 0,
  maxPeerCount: 1,
  blockToLive: 0,
  memberOnlyRead,
  memberOnlyWrite: false,
});

let fabric: EmbeddedFabric;
const users: Record<string, Identity> = {};

beforeAll(async () => {
  fabric = await EmbeddedFabric.start({
    orgs: [{ mspId: A }, { mspId: B }],
    channels: [
      {
        name: 'ch',
        orgs: [A, B],
        chaincodes: [{ name: 'pv', contracts: [PrivateViewContract], endorsementPolicy: `OR('${A}.member')`, collections: [collection('aOpen', false), collection('aOnly', true)] }],
      },
    ],
    batchTimeoutMs: 2,
  });
  for (const org of [A, B]) users[org] = await fabric.identity(org, `user-${org}`);
  for (const [coll, key, value] of [
    ['aOpen', 'good', '{"price":30}'],
    ['aOnly', 'good', '{"price":31}'],
    ['aOpen', 'corrupt', '{not json'],
  ]) {
    await fabric.submit({ channel: 'ch', chaincode: 'pv', identity: users[A], fn: 'PrivateView:Put', args: [coll, key, value], endorsingOrgs: [A] });
  }
}, 60_000);
afterAll(async () => {
  await fabric?.close();
});

async function view(creator: string, peer: string, coll: string, key: string): Promise<Record<string, unknown>> {
  const payload = await fabric.evaluate({ channel: 'ch', chaincode: 'pv', identity: users[creator], fn: 'PrivateView:View', args: [coll, key], org: peer });
  return JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
}

describe('withPrivateDetails', () => {
  it('shows the details on a member peer to a member creator', async () => {
    expect(await view(A, A, 'aOpen', 'good')).toEqual({ record: { owner: OWNER, collection: 'aOpen' }, details: { price: 30 } });
    expect(await view(A, A, 'aOnly', 'good')).toHaveProperty('details', { price: 31 });
  });

  it('shows no details when the answering peer’s org is not a member (it holds only the hash)', async () => {
    expect(await view(A, B, 'aOpen', 'good')).toEqual({ record: { owner: OWNER, collection: 'aOpen' } });
  });

  it('shows no details when the creator’s org may not read a memberOnlyRead collection', async () => {
    expect(await view(B, A, 'aOnly', 'good')).toEqual({ record: { owner: OWNER, collection: 'aOnly' } });
  });

  it('shows no details for a key that was never written', async () => {
    expect(await view(A, A, 'aOpen', 'absent')).not.toHaveProperty('details');
  });

  it('propagates any other failure: an undefined collection, a corrupt private value', async () => {
    await expect(view(A, A, 'noSuchCollection', 'good')).rejects.toThrow(/collection \[noSuchCollection\] not defined/);
    await expect(view(A, A, 'aOpen', 'corrupt')).rejects.toThrow(/JSON/);
  });
});
