import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The gateway's Prometheus metrics, on a registry of its own so several apps (tests) never share counters. */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly latency: Histogram<'method' | 'route' | 'status'>;
  readonly submits: Counter<'fn' | 'outcome'>;
  readonly retries: Counter<'fn'>;
  readonly mvccConflicts: Counter<'fn'>;
  readonly submitResends: Counter<'fn'>;
  readonly submitsResolvedAfterResend: Counter<'fn' | 'outcome'>;
  readonly submitsExpired: Counter<'fn'>;
  readonly events: Counter<'channel'>;
  readonly rateLimited: Counter<'scope'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'obe_http_requests_total',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'obe_http_request_duration_seconds',
      help: 'HTTP request latency by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.submits = new Counter({
      name: 'obe_submits_total',
      help: 'Ledger submits by transaction function and outcome (committed, pending, rejected, conflict, invalid, unavailable, replayed)',
      labelNames: ['fn', 'outcome'],
      registers: [this.registry],
    });
    this.retries = new Counter({
      name: 'obe_submit_retries_total',
      help: 'Submits retried from a new proposal after an MVCC or phantom read conflict',
      labelNames: ['fn'],
      registers: [this.registry],
    });
    this.mvccConflicts = new Counter({
      name: 'obe_mvcc_conflicts_total',
      help: 'Transactions invalidated with MVCC_READ_CONFLICT or PHANTOM_READ_CONFLICT',
      labelNames: ['fn'],
      registers: [this.registry],
    });
    this.submitResends = new Counter({
      name: 'obe_submit_resends_total',
      help: 'Pending transactions handed to the orderer again (the same signed transaction, same txId) while their commit was unknown',
      labelNames: ['fn'],
      registers: [this.registry],
    });
    this.submitsResolvedAfterResend = new Counter({
      name: 'obe_submits_resolved_after_resend_total',
      help: 'Pending submits that reached an outcome after at least one re-send, by outcome (committed, invalid)',
      labelNames: ['fn', 'outcome'],
      registers: [this.registry],
    });
    this.submitsExpired = new Counter({
      name: 'obe_submits_expired_total',
      help: 'Pending submits reported failed at their deadline: not on the ledger, no longer sent, safe to resubmit',
      labelNames: ['fn'],
      registers: [this.registry],
    });
    this.events = new Counter({
      name: 'obe_sse_events_total',
      help: 'Chaincode events delivered to Server-Sent Events clients',
      labelNames: ['channel'],
      registers: [this.registry],
    });
    this.rateLimited = new Counter({
      name: 'obe_rate_limited_total',
      help: 'Requests refused with 429 by scope (address, key, auth-failures, event-streams)',
      labelNames: ['scope'],
      registers: [this.registry],
    });
  }
}
