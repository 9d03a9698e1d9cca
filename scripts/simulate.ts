/**
 * `npm run simulate -- --prosumers N --intervals K [--ledger embedded|fabric] [--seed S]`
 *
 * Embedded (default): starts a gateway in this process on a fresh data dir with one Fabric identity per household,
 * sets 1-minute delivery intervals with gate closure at the interval start in that data dir's governance (the
 * shortest the chaincode allows, so a run of K intervals takes about K + 1 minutes), then trades and settles K
 * intervals over the REST API. With --url/--keys it drives a running gateway instead, e.g. one on Fabric.
 * Exits 1 if any transaction failed.
 */
import '../gateway/src/neighbourhood-sim/quiet-logs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfiguredIdentity } from '../gateway/src/config';
import { parseSimulateArgs, USAGE, UsageError, type SimulateArgs } from '../gateway/src/neighbourhood-sim/cli-args';
import { createRun, formatSummary, neighbourhoodKeysFrom, startEmbeddedGateway, type SimulationEvent } from '../gateway/src/neighbourhood-sim';
import { ProgressBar } from '../gateway/src/neighbourhood-sim/progress';

const ADMINS: ConfiguredIdentity[] = [
  { label: 'gridoperator-admin', mspId: 'GridOperatorMSP', admin: true },
  { label: 'utility-admin', mspId: 'UtilityMSP', admin: true },
  { label: 'regulator-admin', mspId: 'RegulatorMSP', admin: true },
];

function householdIdentities(count: number): ConfiguredIdentity[] {
  return Array.from({ length: count }, (_, i) => ({ label: `household-${String(i + 1).padStart(4, '0')}`, mspId: 'UtilityMSP' }));
}

function reporter(intervals: number) {
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
          bar = new ProgressBar(process.stdout, intervals, 'intervals');
          bar.update(0, status());
          return;
        case 'scheduled':
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
  const progress = reporter(args.intervals);
  let keysFile: string;
  let url: string;
  let close: (() => Promise<void>) | undefined;
  let dataDir = args.dataDir;

  if (args.url) {
    url = args.url;
    keysFile = path.resolve(args.keysFile as string);
  } else if (args.ledger === 'fabric') {
    throw new UsageError(
      '--ledger fabric drives a gateway already running on the Fabric network: start it with `OBE_LEDGER=fabric npm start` ' +
        '(after `npm run network:up`) and pass --url http://127.0.0.1:3000 --keys <its demo-api-keys.json>',
    );
  } else {
    dataDir = path.resolve(dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'obe-simulate-')));
    const households = args.prosumers + (args.consumers ?? Math.ceil(args.prosumers / 2));
    process.stdout.write(`Starting an embedded gateway in ${dataDir} (${households} household identities)…\n`);
    const gateway = await startEmbeddedGateway({
      dataDir,
      identities: () => [...ADMINS, ...householdIdentities(households)],
      governance: { intervalMinutes: 1, gateClosureMinutes: 0 },
    });
    url = gateway.url;
    keysFile = path.join(dataDir, 'demo-api-keys.json');
    close = () => gateway.close();
    process.stdout.write(`Gateway at ${url} — dashboard ${url}/ while the run lasts\n`);
  }

  try {
    const keys = neighbourhoodKeysFrom(JSON.parse(fs.readFileSync(keysFile, 'utf8')) as Record<string, { key: string; mspId: string }>);
    const run = createRun({
      url,
      keys,
      seed: args.seed,
      prosumers: args.prosumers,
      ...(args.consumers === undefined ? {} : { consumers: args.consumers }),
      intervals: args.intervals,
      dataDir,
      onEvent: (e) => progress.onEvent(e),
    });
    const stop = () => {
      process.stdout.write('\nstopping after the current step…\n');
      run.stop();
    };
    process.once('SIGINT', stop);
    const summary = await run.run();
    process.removeListener('SIGINT', stop);
    progress.finish();
    process.stdout.write(`\n${formatSummary(summary)}\n`);
    if (progress.firstErrors.length) process.stdout.write(`\nFirst errors:\n  ${progress.firstErrors.join('\n  ')}\n`);
    return summary.failedTransactions > 0 ? 1 : 0;
  } finally {
    await close?.();
  }
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
