/**
 * `npm run bench [-- --quick] [-- --fabric]`: runs every registered section in order and writes one JSON document
 * { generatedAt, machine, sections: { name: result } } to $OBE_BENCH_OUT or bench-results/bench.json, then its plots.
 * A section is a module whose default export is `async (opts) => Record<string, unknown>`; add yours to SECTIONS.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface BenchOptions {
  quick: boolean;
  fabric: boolean;
}

type Section = (opts: BenchOptions) => Promise<Record<string, unknown>>;

/** name -> module; loaded lazily so one section's imports cannot stop the others. */
const SECTIONS: readonly [string, () => Promise<{ default: Section }>][] = [
  ['runtime', () => import('./runtime')],
  ['ingestion', () => import('./ingestion')],
  ['profile', () => import('./profile')],
  ['gateway', () => import('./gateway-overhead')],
  ['adapter', () => import('./adapter-overhead')],
  ['clearing', () => import('./clearing')],
  ['clearing-limits', () => import('./clearing-limits')],
  ['settlement', () => import('./settlement')],
  ['fabric', () => import('./fabric')],
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opts: BenchOptions = { quick: args.includes('--quick'), fabric: args.includes('--fabric') };
  const only = args.filter((a) => !a.startsWith('--'));
  const out = path.resolve(process.env.OBE_BENCH_OUT ?? path.join('bench-results', 'bench.json'));
  const cpus = os.cpus();
  const document = {
    generatedAt: new Date().toISOString(),
    options: opts,
    machine: { cpus: cpus.length, model: cpus[0]?.model ?? 'unknown', node: process.version, platform: `${os.platform()} ${os.release()}` },
    sections: {} as Record<string, unknown>,
  };
  let failed = false;
  for (const [name, load] of SECTIONS) {
    if (only.length && !only.includes(name)) continue;
    const t0 = Date.now();
    process.stderr.write(`bench: ${name}...\n`);
    try {
      const section = (await load()).default;
      document.sections[name] = await section(opts);
    } catch (err) {
      failed = true;
      document.sections[name] = { error: err instanceof Error ? err.message : String(err) };
      process.stderr.write(`bench: ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.stderr.write(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(`${out}\n`);
  try {
    const { writeBenchPlots } = await import('./plot');
    for (const written of writeBenchPlots(out)) process.stdout.write(`${written}\n`);
  } catch (err) {
    process.stderr.write(`bench: plots not written: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  // Sections may leave servers or timers behind; the run is over.
  process.exit(failed ? 1 : 0);
}

void main();
