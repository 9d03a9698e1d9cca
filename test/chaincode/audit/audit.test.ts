import { GRID, ObeNet, REGULATOR, UTILITY, expectRefused, outcome } from '../support';
import type { Identity } from '../../../gateway/src/ledger/embedded/runtime';

/**
 * The audit channel's attestation contract on its own: who may anchor and read, idempotency per source channel,
 * market, zone and interval, and input validation. Market-to-audit end to end is in market/retail.test.ts.
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
  const attest = (who: Identity, body: unknown) => net.submit<{ created: boolean; attestation: Record<string, unknown> }>(who, 'Audit:Attest', [body], { channel: 'audit' });

  beforeAll(async () => {
    net = await ObeNet.start();
    gridOperator = await net.identity(GRID, 'audit-relay');
    regulator = await net.identity(REGULATOR, 'audit-reader');
  });
  afterAll(() => net?.close());

  it('anchors once per interval; the same attestation again is a no-op, another root a conflict', async () => {
    const first = await attest(gridOperator, base);
    expect(first.created).toBe(true);
    expect(first.attestation).toMatchObject({ ...base, attestedByMspId: GRID });
    expect(first.attestation.attestedBy).toMatch(/^[0-9a-f]{64}$/);
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
    await expectRefused(net, () => net.submit(gridOperator, 'Audit:Attest', ['{nope'], { channel: 'audit' }), 'INVALID_ARGUMENT');
  });

  it('lets only the grid operator anchor, and only the grid operator and the regulator read', async () => {
    await expectRefused(net, () => attest(regulator, { ...base, zone: 'feeder-9' }), 'FORBIDDEN', /attesting/);
    const key = { sourceChannel: 'energy', market: 'RETAIL', zone: 'feeder-1', interval: base.interval };
    expect(await net.evaluate(regulator, 'Audit:GetAttestation', [key], { channel: 'audit' })).toMatchObject({ merkleRoot: base.merkleRoot });
    expect(await net.evaluate(gridOperator, 'Audit:GetAttestation', [key], { channel: 'audit' })).toMatchObject({ recordCount: 3 });
    expect(await net.evaluate<unknown[]>(regulator, 'Audit:ListAttestations', [{ sourceChannel: 'energy', market: 'RETAIL' }], { channel: 'audit' })).toHaveLength(2);
    expect(await net.evaluate<unknown[]>(regulator, 'Audit:ListAttestations', [{}], { channel: 'audit' })).toHaveLength(3);
    expect(await outcome(net.evaluate(regulator, 'Audit:GetAttestation', [{ ...key, zone: 'feeder-7' }], { channel: 'audit' }))).toBe('NOT_FOUND');
    // A utility identity is not on the audit channel at all.
    const utility = await net.identity(UTILITY, 'curious');
    expect(await outcome(net.evaluate(utility, 'Audit:ListAttestations', [{}], { channel: 'audit' }))).not.toBe('OK');
    expect(await outcome(net.submit(utility, 'Audit:Attest', [{ ...base, zone: 'x' }], { channel: 'audit' }))).not.toBe('OK');
  });

  it('decides by the channel governance: on energy, an org mapped to UTILITY only may neither anchor nor read', async () => {
    const utility = await net.identity(UTILITY, 'energy-utility');
    expect(await outcome(net.submit(utility, 'Audit:Attest', [base], { channel: 'energy' }))).toBe('FORBIDDEN');
    expect(await outcome(net.evaluate(utility, 'Audit:ListAttestations', [{}], { channel: 'energy' }))).toBe('FORBIDDEN');
  });
});
