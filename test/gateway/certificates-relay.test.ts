import '../../gateway/src/quiet-chaincode-logs';
import pino from 'pino';
import { AuditRelay } from '../../gateway/src/audit-relay/relay';
import { expectNoServerErrors, http } from './support/http';
import { intervalAt } from './support/fixtures';
import { startHarness, type Harness } from './support/harness';
import { restoreClock, setClock } from '../chaincode/support/clock';

expectNoServerErrors();

/** The grid operator's audit relay anchors a sealed certificate interval (CertificatesSealed) as market CERTIFICATES. */
let h: Harness;
let relay: AuditRelay;

beforeAll(async () => {
  h = await startHarness();
  relay = new AuditRelay({ ledger: h.ledger, identity: 'gridoperator-admin', dataDir: h.dataDir, logger: pino({ level: 'silent' }), retryMs: 100 });
  relay.start();
}, 60_000);
afterAll(async () => {
  restoreClock();
  await relay?.stop();
  await h?.close();
});

it('anchors the root of a sealed certificate interval on the audit channel', async () => {
  const interval = intervalAt(-2);
  // After the default 7-day claim window.
  setClock(Date.parse(interval) + 8 * 24 * 3_600_000);
  const sealed = await http(h.app).post(`/api/v1/certificates/zones/relay-zone/intervals/${interval}/seal`).set(h.auth('gridoperator-admin'));
  expect(sealed.status).toBe(200);
  const until = Date.now() + 10_000;
  let res;
  do {
    res = await http(h.app).get(`/api/v1/audit/attestations/CERTIFICATES/relay-zone/${interval}`).set(h.auth('regulator-admin'));
    if (res.status !== 200) await new Promise((r) => setTimeout(r, 100));
  } while (res.status !== 200 && Date.now() < until);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ sourceChannel: 'energy', market: 'CERTIFICATES', zone: 'relay-zone', interval, merkleRoot: sealed.body.result.merkleRoot, recordCount: 0, sourceTxId: sealed.body.result.txId });
});
