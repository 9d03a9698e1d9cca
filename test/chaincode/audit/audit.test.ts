import { GRID, ObeNet, REGULATOR, UTILITY, expectRefused, outcome } from '../support';
import type { Identity } from '@obe/fabric-embedded';

import { TX } from '@obe/chaincode';
/**
 * The audit channel's attestation contract on its own: who may anchor (an admin of the market operator's org, as the
 * gateway's audit relay is) and read, idempotency per source channel, market, zone and interval, and input validation.
 * Market-to-audit end to end is in market/retail.test.ts.
 */
describe('Audit attestations on the audit channel', () => {
  let net: ObeNet;
  let gridOperator: Identity;
  let regulator: Identity;
  const base = {
    sourceChannel: 'energy',
    market: 'RETAIL',
    zone: 'feeder-1',
    interval: '2026-11-24T10:00:00.000Z',
    merkleRoot: 'ab'.repeat(32),
    recordCount: 3,
    sourceTxId: 'cd'.repeat(32),
  };
  const attest = (who: Identity, body: unknown) => net.submit<{ created: boolean; attestation: Record<string, unknown> }>(who, TX.Audit.Attest, [body], { channel: 'audit' });

  beforeAll(async () => {
    net = await ObeNet.start();
    gridOperator = await net.admin(GRID);
    regulator = await net.identity(REGULATOR, 'audit-reader');
  });
  afterAll(() => net?.close());

  it('anchors once per interval; the same attestation again is a no-op, another root a conflict', async () => {
    const first = await attest(gridOperator, base);
    expect(first.created).toBe(true);
    expect(first.attestation).toMatchObject({ ...base, attestedByMspId: GRID });
    // The admin is no participant on the audit channel: the org alone is named, never a hash of its identity.
    expect(first.attestation).not.toHaveProperty('attestedBy');
    // The same interval written differently is the same attestation.
    const again = await attest(gridOperator, { ...base, interval: '2026-11-24T10:00:00Z' });
    expect(again).toEqual({ created: false, attestation: first.attestation });
    await expectRefused(net, () => attest(gridOperator, { ...base, merkleRoot: 'ef'.repeat(32) }), 'CONFLICT', /another root/);
    await expectRefused(net, () => attest(gridOperator, { ...base, recordCount: 4 }), 'CONFLICT');
    // Another zone or market is another attestation.
    expect((await attest(gridOperator, { ...base, zone: 'feeder-2' })).created).toBe(true);
    expect((await attest(gridOperator, { ...base, market: 'WHOLESALE', zone: 'SYSTEM' })).created).toBe(true);
  });

  it('refuses malformed attestations', async () => {
    await expectRefused(net, () => attest(gridOperator, { ...base, merkleRoot: 'not-hex' }), 'INVALID_ARGUMENT', /merkleRoot/);
    await expectRefused(net, () => attest(gridOperator, { ...base, recordCount: -1 }), 'INVALID_ARGUMENT', /recordCount/);
    await expectRefused(net, () => attest(gridOperator, { ...base, interval: 'yesterday' }), 'INVALID_ARGUMENT', /interval/);
    await expectRefused(net, () => attest(gridOperator, { ...base, customer: 'Jane Doe' }), 'INVALID_ARGUMENT');
    await expectRefused(net, () => net.submit(gridOperator, TX.Audit.Attest, ['{nope'], { channel: 'audit' }), 'INVALID_ARGUMENT');
  });

  it("refuses any identity of the market operator's org that is not its admin, so none can anchor a root first", async () => {
    const generator = await net.participant(GRID, 'audit-generator', ['GENERATOR'], 'audit');
    const operator = await net.participant(GRID, 'audit-operator', ['MARKET_OPERATOR'], 'audit');
    const plain = await net.identity(GRID, 'audit-plain');
    const early = { ...base, zone: 'feeder-3', merkleRoot: '11'.repeat(32) };
    for (const who of [generator.identity, operator.identity, plain]) {
      await expectRefused(net, () => attest(who, early), 'FORBIDDEN', new RegExp(`attesting requires an admin of ${GRID}`));
    }
    // The real root still goes in afterwards.
    expect((await attest(gridOperator, { ...early, merkleRoot: '22'.repeat(32) })).created).toBe(true);
    // An admin of another org on the channel is no admin of the market operator's org.
    const regulatorAdmin = await net.admin(REGULATOR);
    await expectRefused(net, () => attest(regulatorAdmin, { ...early, zone: 'feeder-5' }), 'FORBIDDEN', /attesting requires an admin/);
  });

  it('names an attesting admin that is a registered participant by its channel pseudonym', async () => {
    const registered = await net.submit<{ pseudonym: string }>(gridOperator, TX.Participants.Register, [], { channel: 'audit' });
    const result = await attest(gridOperator, { ...base, zone: 'feeder-4' });
    expect(result.attestation).toMatchObject({ attestedByMspId: GRID, attestedBy: registered.pseudonym });
    expect(result.attestation.attestedBy).toMatch(/^p-[0-9a-f]{40}$/);
  });

  it("lets only the market operator org's admin anchor, and only the grid operator and the regulator read", async () => {
    await expectRefused(net, () => attest(regulator, { ...base, zone: 'feeder-9' }), 'FORBIDDEN', /attesting/);
    const key = { sourceChannel: 'energy', market: 'RETAIL', zone: 'feeder-1', interval: base.interval };
    expect(await net.evaluate(regulator, TX.Audit.GetAttestation, [key], { channel: 'audit' })).toMatchObject({ merkleRoot: base.merkleRoot });
    expect(await net.evaluate(gridOperator, TX.Audit.GetAttestation, [key], { channel: 'audit' })).toMatchObject({ recordCount: 3 });
    expect(await net.evaluate<unknown[]>(regulator, TX.Audit.ListAttestations, [{ sourceChannel: 'energy', market: 'RETAIL' }], { channel: 'audit' })).toHaveLength(4);
    expect(await net.evaluate<unknown[]>(regulator, TX.Audit.ListAttestations, [{}], { channel: 'audit' })).toHaveLength(5);
    expect(await outcome(net.evaluate(regulator, TX.Audit.GetAttestation, [{ ...key, zone: 'feeder-7' }], { channel: 'audit' }))).toBe('NOT_FOUND');
    // A utility identity is not on the audit channel at all: the peer refuses its proposal before the chaincode runs.
    const utility = await net.identity(UTILITY, 'curious');
    const notMember = new RegExp(`access denied: channel \\[audit\\] creator org \\[${UTILITY}\\]`);
    const heights = net.heights();
    await expect(net.evaluate(utility, TX.Audit.ListAttestations, [{}], { channel: 'audit' })).rejects.toThrow(notMember);
    await expect(net.submit(utility, TX.Audit.Attest, [{ ...base, zone: 'x' }], { channel: 'audit' })).rejects.toThrow(notMember);
    expect(net.heights()).toEqual(heights);
  });

  it('decides by the channel governance: on energy, an org mapped to UTILITY only may neither anchor nor read', async () => {
    const utility = await net.identity(UTILITY, 'energy-utility');
    expect(await outcome(net.submit(utility, TX.Audit.Attest, [base], { channel: 'energy' }))).toBe('FORBIDDEN');
    expect(await outcome(net.evaluate(utility, TX.Audit.ListAttestations, [{}], { channel: 'energy' }))).toBe('FORBIDDEN');
  });
});
