import { arr, bool, int, obj, str, type OperationSpec, type Schema } from './builder';

const perStage = (): Schema => obj({ clear: int({ minimum: 0 }), settle: int({ minimum: 0 }), publish: int({ minimum: 0 }), attest: int({ minimum: 0 }) });

/** The market operator agent (gateway/src/operator-agent): what it is doing, for the operator and the regulator. */
export const operatorOperations: OperationSpec[] = [
  {
    operationId: 'getOperatorStatus',
    method: 'get',
    path: '/api/v1/operator/status',
    tag: 'operator',
    summary: "The market operator agent's status: pending jobs, lag per stage, totals, recent actions",
    description:
      'For participants holding MARKET_OPERATOR or REGULATOR. `enabled: false` when this gateway runs no agent (OBE_OPERATOR_AGENT=off, or no market ' +
      'operator identity). Lag is the age in seconds of the oldest due job per stage (clear: since gate closure; settle and publish: since the ' +
      "interval ended; attest: since settlement, until the audit relay's attestation is on the audit channel). The same numbers are on /metrics " +
      '(obe_operator_*).',
    response: obj(
      {
        enabled: bool(),
        state: str({ enum: ['starting', 'running', 'idle', 'stopped', 'off'] }),
        identity: str(),
        reason: str(),
        lastTickAt: str(),
        lastError: str(),
        governance: obj({ intervalMinutes: int({ minimum: 1 }), gateClosureMinutes: int({ minimum: 0 }), settlementDeadlineMinutes: int({ minimum: 1 }) }),
        zones: arr(str()),
        checkpoint: str(),
        pending: perStage(),
        lagSeconds: perStage(),
        totals: obj({ cleared: int({ minimum: 0 }), settled: int({ minimum: 0 }), published: int({ minimum: 0 }), already: int({ minimum: 0 }), failures: int({ minimum: 0 }) }),
        recent: arr(
          obj(
            { at: str(), action: str({ enum: ['clear', 'settle', 'publish', 'attest'] }), market: str({ enum: ['RETAIL', 'WHOLESALE'] }), zone: str(), interval: str(), outcome: str(), txId: str(), message: str() },
            ['txId', 'message'],
          ),
        ),
      },
      ['identity', 'reason', 'lastTickAt', 'lastError', 'governance', 'checkpoint', 'pending', 'lagSeconds', 'totals', 'recent', 'zones'],
    ),
    errors: [403],
  },
];
