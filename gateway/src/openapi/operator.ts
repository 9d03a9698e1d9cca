import { arr, bool, int, obj, str, type OperationSpec, type Schema } from './builder';

const perStage = (): Schema =>
  obj({ clear: int({ minimum: 0 }), settle: int({ minimum: 0 }), publish: int({ minimum: 0 }), attest: int({ minimum: 0 }), issue: int({ minimum: 0 }), seal: int({ minimum: 0 }) });

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
      "interval ended; attest: since settlement, until the audit relay's attestation is on the audit channel; issue: since the interval ended, while " +
      "a green meter's reading is missing; seal: intervals whose claim window has passed and that the seal duty has not looked at yet). " +
      '`certificates`: the certificate duties (OBE_OPERATOR_CERTIFICATES) — whether this org may issue, the seal cursor, totals. The same numbers are on ' +
      '/metrics (obe_operator_*).',
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
            { at: str(), action: str({ enum: ['clear', 'settle', 'publish', 'attest', 'issue', 'seal'] }), market: str({ enum: ['RETAIL', 'WHOLESALE'] }), zone: str(), interval: str(), outcome: str(), txId: str(), message: str() },
            ['txId', 'message'],
          ),
        ),
        certificates: obj(
          {
            enabled: bool(),
            mayIssue: bool(),
            reason: str(),
            claimWindowMinutes: int({ minimum: 1 }),
            sealCursor: str(),
            totals: obj({ issued: int({ minimum: 0 }), sealed: int({ minimum: 0 }), already: int({ minimum: 0 }), notIssuer: int({ minimum: 0 }) }),
          },
          ['mayIssue', 'reason', 'claimWindowMinutes', 'sealCursor', 'totals'],
        ),
      },
      ['identity', 'reason', 'lastTickAt', 'lastError', 'governance', 'checkpoint', 'pending', 'lagSeconds', 'totals', 'recent', 'zones', 'certificates'],
    ),
    errors: [403],
  },
];
