import pino from 'pino';
import { Registry } from 'prom-client';
import { TX } from '@obe/chaincode';
import { ChaincodeError } from '../../gateway/src/ledger/errors';
import type { Ledger, SubmitResult, TransactionRequest } from '../../gateway/src/ledger/port';
import { OperatorAgent } from '../../gateway/src/operator-agent/agent';

/**
 * Review of issue 13: the agent checks once that its identity holds MARKET_OPERATOR and then never again. When the
 * role is revoked (or the participant suspended) while it runs, it kept submitting clear/settle/publish transactions
 * as a non-operator, every job failing FORBIDDEN and retried for ever, and its status said "running".
 */
class FakeLedger {
  operator = true;
  submits: string[] = [];
  whoAmIs = 0;
  channels() {
    return ['energy'];
  }
  identities() {
    return [{ label: 'mo', mspId: 'GridOperatorMSP' }];
  }
  async evaluate(request: TransactionRequest): Promise<Uint8Array> {
    const answer = (value: unknown) => Buffer.from(JSON.stringify(value));
    switch (request.fn) {
      case TX.Participants.WhoAmI.name:
        this.whoAmIs++;
        return answer({ pseudonym: 'p-mo', mspId: 'GridOperatorMSP', registered: true, participant: null, effectiveRoles: this.operator ? ['MARKET_OPERATOR'] : [] });
      case TX.Governance.GetConfig.name:
        return answer({ config: { intervalMinutes: 1, gateClosureMinutes: 0, settlementDeadlineMinutes: 600 } });
      case TX.Governance.GetConfigHistory.name:
        return answer([]);
      case TX.Registry.ListAssets.name:
        return answer([{ zone: 'z1', status: 'ACTIVE' }]);
      case TX.RetailMarket.ListOpenOrderBodies.name:
        return answer([{ order: 1 }]);
      case TX.WholesaleMarket.ListOpenOrderBodies.name:
        return answer([]);
      case TX.Metering.GetZoneTotal.name:
        return answer({ published: false, batches: 0, readings: 0 });
      default:
        throw new ChaincodeError(`[NOT_FOUND] nothing for ${request.fn}`);
    }
  }
  async submit(request: TransactionRequest): Promise<SubmitResult> {
    this.submits.push(request.fn);
    if (!this.operator) throw new ChaincodeError('[FORBIDDEN] the caller does not hold MARKET_OPERATOR');
    return { txId: `tx-${this.submits.length}`, blockNumber: 1, payload: Buffer.from(JSON.stringify({ price: 1 })) };
  }
}

describe('review 13: operator agent whose role is revoked while it runs', () => {
  it('stops acting (idle, no more submits) once the ledger says it is no longer the market operator', async () => {
    const ledger = new FakeLedger();
    let now = Math.floor(Date.now() / 60_000) * 60_000 + 5_000;
    const agent = new OperatorAgent({ ledger: ledger as unknown as Ledger, identity: 'mo', logger: pino({ level: 'silent' }), registry: new Registry(), retryMs: 1000, maxRetryMs: 2000, now: () => now });
    for (let i = 0; i < 5; i++) await agent.tick();
    expect(agent.status().state).toBe('running');
    expect(ledger.submits.length).toBeGreaterThan(0);

    ledger.operator = false; // an org admin revoked MARKET_OPERATOR (or suspended the participant)
    for (let i = 0; i < 30; i++) {
      now += 20_000;
      await agent.tick().catch(() => undefined);
    }
    const afterRevocation = ledger.submits.length;
    for (let i = 0; i < 30; i++) {
      now += 20_000;
      await agent.tick().catch(() => undefined);
    }
    expect(agent.status().state).toBe('idle');
    expect(ledger.submits.length).toBe(afterRevocation); // no transaction as a non-operator any more
  });
});
