/**
 * `npm run simulate -- [--prosumers N] [--intervals K] [--ledger embedded|fabric] [--clock simulated|wall] [--seed S]`
 *
 * A day of a neighbourhood (PV, household load, batteries, electric vehicles) traded, metered with device-signed
 * readings, cleared and settled through the gateway's REST API (see gateway/src/neighbourhood-sim/day.ts).
 * Embedded (default): a gateway in this process on a fresh data dir in simulated time, 96 intervals of 15 minutes in
 * well under a minute for a small neighbourhood. Fabric: a gateway in this process on the native network's
 * connection config (or a running gateway with --url/--keys), in real time on the network's intervals.
 * Prints a per-interval table and the summary, writes the summary as JSON; exits 1 if any transaction failed or
 * tokens were not conserved, 2 on bad arguments.
 */
import '../gateway/src/neighbourhood-sim/quiet-logs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSimulateArgs, USAGE, UsageError, type SimulateArgs } from '../gateway/src/neighbourhood-sim/cli-args';
import { runDay } from '../gateway/src/neighbourhood-sim/day';
import { neighbourhoodKeysFrom, type SimulationEvent } from '../gateway/src/neighbourhood-sim';
import { ProgressBar } from '../gateway/src/neighbourhood-sim/progress';
import { SUMMER_DAY } from '../gateway/src/neighbourhood-sim/scenario';
import { gridScenario } from '../gateway/src/neighbourhood-sim/grid-scenario';
import { formatIntervalTable, formatSummary, summaryJson } from '../gateway/src/neighbourhood-sim/summary';

function reporter() {
  let bar: ProgressBar | undefined;
  let registration: ProgressBar | undefined;
  let tx = 0;
  let failed = 0;
  let phase = 'registering';
  const firstErrors: string[] = [];
  const status = () => `${tx} tx, ${failed} failed | ${phase}`;
  return {
    firstErrors,
    onEvent(event: SimulationEvent) {
      if ('outcome' in event) {
        tx += event.outcome.submitted;
        failed += event.outcome.failed;
        for (const e of event.outcome.errors) if (firstErrors.length < 5) firstErrors.push(e);
      }
      switch (event.type) {
        case 'registering':
          registration ??= new ProgressBar(process.stdout, event.total, 'register ');
          registration.update(event.done, status());
          return;
        case 'registered':
          registration?.finish(status());
          phase = 'waiting for the first tradable interval';
          return;
        case 'scheduled':
          bar = new ProgressBar(process.stdout, event.intervals.length, 'intervals');
          phase = `first interval ${event.intervals[0]}`;
          break;
        case 'orders':
          phase = `orders for ${event.interval.slice(11, 16)}`;
          break;
        case 'cleared':
          phase = `cleared ${event.zone} ${event.interval.slice(11, 16)}${event.price === undefined ? ' (no trade)' : ` @ ${event.price.toFixed(3)}`}`;
          break;
        case 'readings':
          phase = `readings ${event.interval.slice(11, 16)}`;
          break;
        case 'settled':
          phase = `settled ${event.interval.slice(11, 16)}`;
          break;
        case 'interval-done':
          bar?.update(event.done, status());
          return;
      }
      bar?.status(status());
    },
    finish() {
      bar?.finish(status());
    },
  };
}

async function main(args: SimulateArgs): Promise<number> {
  const progress = reporter();
  const abort = new AbortController();
  const stop = () => {
    process.stdout.write('\nstopping after the current step…\n');
    abort.abort();
  };
  process.once('SIGINT', stop);
  const keys = args.url
    ? neighbourhoodKeysFrom(JSON.parse(fs.readFileSync(path.resolve(args.keysFile as string), 'utf8')) as Record<string, { key: string; mspId: string }>)
    : undefined;
  const where =
    args.url ?? (args.ledger === 'fabric' ? `a gateway here on the Fabric network of ${args.fabricConfig ?? 'network/native/generated/connection.json'}` : 'a gateway here on the embedded ledger');
  const span = args.intervals === undefined ? 'a day' : `${args.intervals} interval(s)`;
  process.stdout.write(`Simulating ${span} through ${where}, ${args.clock === 'simulated' ? 'in simulated time' : 'in real time'}…\n`);
  const summer = args.startHour === undefined ? SUMMER_DAY : { ...SUMMER_DAY, neighbourhood: { ...SUMMER_DAY.neighbourhood, startHour: args.startHour } };
  // The grid day's demand response needs baseline days before the day on the ledger: simulated time only.
  const scenario = args.scenario === 'grid' ? gridScenario(summer, args.clock === 'simulated' ? {} : { demandResponse: false }) : summer;
  const result = await runDay({
    ledger: args.ledger,
    clock: args.clock,
    ...(args.url ? { url: args.url, keys } : {}),
    ...(args.fabricConfig ? { fabricConfig: args.fabricConfig } : {}),
    ...(args.dataDir ? { dataDir: args.dataDir, keepDataDir: true } : {}),
    seed: args.seed,
    prosumers: args.prosumers,
    ...(args.consumers === undefined ? {} : { consumers: args.consumers }),
    ...(args.intervals === undefined ? {} : { intervals: args.intervals }),
    ...(args.intervalMinutes === undefined ? {} : { intervalMinutes: args.intervalMinutes }),
    ...(args.stepMinutes === undefined ? {} : { stepMinutes: args.stepMinutes }),
    operator: args.operator,
    scenario,
    signal: abort.signal,
    onEvent: (e) => progress.onEvent(e),
    onGateway: ({ url, dataDir }) => {
      if (!args.url) process.stdout.write(`Gateway at ${url}${dataDir ? ` (data dir ${dataDir})` : ''}\n`);
    },
  });
  process.removeListener('SIGINT', stop);
  progress.finish();
  const summary = result.summary;
  // Never into the working tree by default: the data dir the caller keeps, else the OS temp dir.
  const jsonFile = path.resolve(args.jsonFile ?? path.join(args.dataDir ?? os.tmpdir(), args.dataDir ? 'simulation-summary.json' : 'obe-simulation-summary.json'));
  fs.writeFileSync(
    jsonFile,
    `${summaryJson({ ...summary, ...{ seed: args.seed, scenario: args.scenario, ledger: args.ledger, clock: args.clock, intervalMinutes: result.intervalMinutes, stepMinutes: result.stepMinutes, firstInterval: result.firstInterval } })}\n`,
  );
  process.stdout.write(
    `\nLedger intervals of ${result.intervalMinutes} min, each ${result.stepMinutes} simulated min, from ${result.firstInterval ?? '—'}\n` +
      `${formatIntervalTable(summary)}\n\n${formatSummary(summary)}\n  JSON                  ${jsonFile}\n`,
  );
  if (progress.firstErrors.length) process.stdout.write(`\nFirst errors:\n  ${progress.firstErrors.join('\n  ')}\n`);
  return summary.failedTransactions > 0 || summary.tokens?.conserved === false ? 1 : 0;
}

let args: SimulateArgs;
try {
  args = parseSimulateArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
main(args).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof UsageError ? '' : 'simulation failed: '}${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
