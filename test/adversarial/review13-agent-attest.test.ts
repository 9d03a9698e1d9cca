import pino from 'pino';
import { Registry } from 'prom-client';
import { TX } from '@obe/chaincode';
import { ChaincodeError } from '../../gateway/src/ledger/errors';
import type { Ledger, SubmitResult, TransactionRequest } from '../../gateway/src/ledger/port';
import { OperatorAgent } from '../../gateway/src/operator-agent/agent';

/**
 * Review of issue 13: after settling, the agent watches for the relay's attestation by evaluating GetAttestation every
 * 5 s, with no backoff and no end. When no relay anchors (OBE_AUDIT_RELAY=off, the relay's gateway down, no relay
 * identity), every settled slot adds a job that is never done: the job list and the ledger calls per tick grow with
 * every interval, for ever (1-minute intervals: ~3,000 jobs a day, each evaluated every 5 s, 200 per tick then
 * ticking again after 10 ms).
 */
class NoRelayLedger {
  calls: Record<string, number> = {};
  channels() {
    return ['energy', 'audit'];
  }
  identities() {
    return [{ label: 'mo', mspId: 'GridOperatorMSP' }];
  }
  async evaluate(request: TransactionRequest): Promise<Uint8Array> {
    this.calls[request.fn] = (this.calls[request.fn] ?? 0) + 1;
    const answer = (value: unknown) => Buffer.from(JSON.stringify(value));
    switch (request.fn) {
      case TX.Participants.WhoAmI.name:
        return answer({ effectiveRoles: ['MARKET_OPERATOR'] });
      case TX.Governance.GetConfig.name:
        return answer({ config: { intervalMinutes: 1, gateClosureMinutes: 0, settlementDeadlineMinutes: 600 } });
      case TX.Governance.GetConfigHistory.name:
        return answer([]);
      case TX.Registry.ListAssets.name:
        return answer([{ zone: 'z1', status: 'ACTIVE' }]);
      case TX.RetailMarket.GetResult.name:
      case TX.WholesaleMarket.GetResult.name:
        return answer({}); // cleared already
      case TX.Settlement.SettleInterval.name:
        return answer({ recordCount: 0 });
      case TX.Metering.GetZoneTotal.name:
        return answer({ published: true });
      default:
        throw new ChaincodeError(`[NOT_FOUND] nothing for ${request.fn}`);
    }
  }
  async submit(request: TransactionRequest): Promise<SubmitResult> {
    this.calls[`submit:${request.fn}`] = (this.calls[`submit:${request.fn}`] ?? 0) + 1;
    return { txId: 'tx', blockNumber: 1, payload: Buffer.from(JSON.stringify({ recordCount: 0, readingsComplete: true })) };
  }
}

describe('review 13: operator agent without a relay', () => {
  it('keeps the attestation watch bounded (jobs and ledger calls do not grow with every interval)', async () => {
    const ledger = new NoRelayLedger();
    let now = Math.floor(Date.now() / 60_000) * 60_000 + 5_000;
    const agent = new OperatorAgent({ ledger: ledger as unknown as Ledger, identity: 'mo', logger: pino({ level: 'silent' }), registry: new Registry(), wholesaleHorizonMs: 0, now: () => now });
    // 12 simulated hours, one tick every 10 s.
    for (let i = 0; i < 12 * 360; i++) {
      now += 10_000;
      await agent.tick();
    }
    const before = ledger.calls[TX.Audit.GetAttestation.name] ?? 0;
    for (let i = 0; i < 360; i++) {
      now += 10_000;
      await agent.tick();
    }
    const lastHour = (ledger.calls[TX.Audit.GetAttestation.name] ?? 0) - before;
    expect(ledger.calls[`submit:${TX.Settlement.SettleInterval.name}`]).toBeGreaterThan(600);
    expect(agent.status().pending.attest).toBeLessThan(200);
    expect(lastHour).toBeLessThan(5_000);
  }, 60_000);
});
