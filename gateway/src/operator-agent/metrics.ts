import { Counter, Gauge, Registry } from 'prom-client';

/** The market operator agent's Prometheus metrics, registered on the gateway's /metrics registry. */
export class OperatorAgentMetrics {
  readonly actions: Counter<'action' | 'market' | 'outcome'>;
  readonly failures: Counter<'action' | 'market'>;
  readonly lag: Gauge<'stage'>;
  readonly pending: Gauge<'stage'>;
  readonly ticks: Counter<'outcome'>;
  readonly mayIssue: Gauge;

  constructor(registry: Registry = new Registry()) {
    this.actions = new Counter({
      name: 'obe_operator_actions_total',
      help: 'Market operator agent actions by action (clear, settle, publish, attest, issue, seal), market and outcome (done: by this agent — for issue, certificates issued; already: found done on the ledger, e.g. by another instance; empty: no open orders; not_issuer: a slot whose certificates this org may not issue)',
      labelNames: ['action', 'market', 'outcome'],
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'obe_operator_failures_total',
      help: 'Market operator agent actions that failed (retried on a later tick)',
      labelNames: ['action', 'market'],
      registers: [registry],
    });
    this.lag = new Gauge({
      name: 'obe_operator_lag_seconds',
      help: 'Age of the oldest due-but-undone job per stage (clear: since gate closure; settle: since interval end; publish: since interval end; attest: since settlement)',
      labelNames: ['stage'],
      registers: [registry],
    });
    this.pending = new Gauge({
      name: 'obe_operator_pending_jobs',
      help: 'Jobs the market operator agent follows, per stage',
      labelNames: ['stage'],
      registers: [registry],
    });
    this.ticks = new Counter({
      name: 'obe_operator_ticks_total',
      help: 'Market operator agent ticks by outcome (ok, error, idle: not the market operator)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.mayIssue = new Gauge({
      name: 'obe_operator_may_issue_certificates',
      help: "1 when the agent's identity may issue green certificates (a DSO, of governance certificateIssuerMspId when set) and the certificate duties are on; 0 otherwise",
      registers: [registry],
    });
  }
}
