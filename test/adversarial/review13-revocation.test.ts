import { TX } from '@obe/chaincode';
import { LedgerUnavailableError } from '../../gateway/src/ledger/errors';
import type { TransactionRequest } from '../../gateway/src/ledger/port';
import { expectNoServerErrors, http } from '../gateway/support/http';
import { startHarness, type Harness } from '../gateway/support/harness';

/**
 * Review of issue 13: revoking a participant finds its labels on this gateway by asking WhoAmI as each identity of
 * the org, and skipped any identity whose WhoAmI failed (a peer hiccup). The answer was 200 "SUSPENDED" with the
 * participant's key left valid: a revocation that silently did not end the key.
 */
expectNoServerErrors();

const ONBOARD = '/api/v1/admin/participants';
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(() => h?.close());

describe('review 13: revocation while the ledger hiccups', () => {
  it('never answers 200 while a key of the revoked participant still works', async () => {
    const res = await http(h.app).post(ONBOARD).set(h.auth('utility-admin')).send({ roles: ['PROSUMER'] });
    expect(res.status).toBe(200);
    const key = { Authorization: `Bearer ${res.body.key as string}` };
    const evaluate = h.ledger.evaluate.bind(h.ledger);
    let failed = 0;
    const spy = jest.spyOn(h.ledger, 'evaluate').mockImplementation(async (request: TransactionRequest) => {
      if (request.fn === TX.Participants.WhoAmI.name && request.identity === res.body.label && failed++ === 0) {
        throw new LedgerUnavailableError('peer unavailable (injected)');
      }
      return evaluate(request);
    });
    try {
      const revoked = await http(h.app).delete(`${ONBOARD}/${res.body.pseudonym as string}`).set(h.auth('utility-admin'));
      const keyStillWorks = (await http(h.app).get('/api/v1/me').set(key)).status === 200;
      expect({ revocation: revoked.status, keyStillWorks }).not.toEqual({ revocation: 200, keyStillWorks: true });
    } finally {
      spy.mockRestore();
    }
  });
});
