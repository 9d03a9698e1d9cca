/**
 * Signed load-profile ingestion alone on a running native network, without the rest of the `fabric` section (which
 * sweeps client counts first): `npx tsx scripts/bench/fabric-profiles-cli.ts [--quick] [<meters>x<intervals>[@<clients>] ...]`,
 * e.g. `100x96` or `100x96@2` (default 4 transactions in flight). Writes { generatedAt, load, rows } to $OBE_BENCH_OUT or bench-results/fabric-profiles.json; each row
 * carries the nodes' own timings over its run (`network`: per node, the mean and count of each Fabric histogram,
 * e.g. `chaincode_shim_request_duration` counts the shim round trips of each endorsing peer).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fabricNetworkStatus, startFabricBench } from './fabric';
import { FABRIC_PROFILE_PLAN, daysNeeded, fabricProfileIngestion, type ProfileShape } from './fabric-profiles';

/** `<meters>x<intervals>[@<clients>]` as a shape of the full plan's size (8 transactions, by default 4 in flight). */
export function shapeOf(text: string): ProfileShape {
  const m = /^([1-9]\d*)x([1-9]\d*)(?:@([1-8]))?$/.exec(text);
  if (!m) throw new Error(`'${text}' is not <meters>x<intervals>[@<clients 1-8>] (e.g. 100x96 or 100x96@2)`);
  return { meters: Number(m[1]), intervals: Number(m[2]), transactions: 8, clients: m[3] ? Number(m[3]) : 4 };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const shapes = args.filter((a) => !a.startsWith('--')).map(shapeOf);
  const plan = shapes.length > 0 ? shapes : args.includes('--quick') ? FABRIC_PROFILE_PLAN.quick : FABRIC_PROFILE_PLAN.full;
  const status = await fabricNetworkStatus();
  if (!status.up) throw new Error(status.reason);
  process.stderr.write(`[bench profiles] ${daysNeeded(plan)} days of profiles; registering ${Math.max(...plan.map((s) => s.meters))} meters\n`);
  const bench = await startFabricBench(status.file, Math.max(...plan.map((s) => s.meters)));
  try {
    const loadBefore = os.loadavg();
    const rows = await fabricProfileIngestion(bench.profileInputs, plan);
    const out = path.resolve(process.env.OBE_BENCH_OUT ?? path.join('bench-results', 'fabric-profiles.json'));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify({ generatedAt: new Date().toISOString(), load: { before: loadBefore, after: os.loadavg() }, rows }, null, 2)}\n`);
    process.stdout.write(`${out}\n`);
  } finally {
    await bench.close();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
