import fs from 'node:fs';
import path from 'node:path';
import * as echarts from 'echarts';

/**
 * Benchmark plots: SVG files rendered server-side by Apache ECharts (no browser, no canvas), written next to the
 * benchmark JSON. Sections describe what to draw as PlotSpecs; this module only renders them.
 */

export interface BarPlot {
  readonly kind: 'bar';
  /** File name without extension, e.g. `ingestion-throughput`. */
  readonly name: string;
  readonly title: string;
  readonly unit: string;
  readonly labels: readonly string[];
  /** One series per entry (e.g. embedded and fabric), each with a value per label. */
  readonly series: readonly { readonly name: string; readonly values: readonly (number | null)[] }[];
}

export interface LinePlot {
  readonly kind: 'line';
  readonly name: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly { readonly name: string; readonly points: readonly (readonly [number, number])[] }[];
  readonly logX?: boolean;
}

export type PlotSpec = BarPlot | LinePlot;

const WIDTH = 720;
const HEIGHT = 420;

export function renderSvg(plot: PlotSpec): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption(plot.kind === 'bar' ? barOption(plot) : lineOption(plot));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

function common(title: string) {
  return {
    animation: false,
    backgroundColor: '#ffffff',
    title: { text: title, left: 'center', textStyle: { fontSize: 15 } },
    legend: { bottom: 0 },
    grid: { left: 80, right: 30, top: 50, bottom: 70 },
  };
}

function barOption(plot: BarPlot) {
  return {
    ...common(plot.title),
    xAxis: { type: 'category', data: [...plot.labels] },
    yAxis: { type: 'value', name: plot.unit, nameLocation: 'middle', nameGap: 60 },
    series: plot.series.map((s) => ({
      name: s.name,
      type: 'bar',
      data: [...s.values],
      label: { show: true, position: 'top', formatter: (p: { value: number }) => formatNumber(p.value) },
    })),
  };
}

function lineOption(plot: LinePlot) {
  return {
    ...common(plot.title),
    xAxis: { type: plot.logX ? 'log' : 'value', name: plot.xLabel, nameLocation: 'middle', nameGap: 30 },
    yAxis: { type: 'value', name: plot.yLabel, nameLocation: 'middle', nameGap: 60 },
    series: plot.series.map((s) => ({ name: s.name, type: 'line', symbolSize: 7, data: s.points.map((p) => [...p]) })),
  };
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 1) return value.toFixed(1);
  return value.toFixed(3);
}

/** Render every plot into `dir` as `<name>.svg`; returns the files written. */
export function writePlots(plots: readonly PlotSpec[], dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const plot of plots) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(plot.name)) throw new RangeError(`plot name must be kebab-case, got '${plot.name}'`);
    const file = path.join(dir, `${plot.name}.svg`);
    fs.writeFileSync(file, renderSvg(plot));
    written.push(file);
  }
  return written;
}

/* ---- From benchmark results to plots --------------------------------------------------------------------------- */

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Finds a section's result in the harness output, whether at the top level or under `sections`. */
function section(results: Json, name: string): Json | undefined {
  const nested = isObj(results.sections) ? results.sections[name] : undefined;
  const value = nested ?? results[name];
  if (!isObj(value)) return undefined;
  // A harness may wrap a section's figures as { result: {...} } next to timing metadata.
  return isObj(value.result) ? value.result : value;
}

/** The plots for every section found in a results document; unknown or skipped sections are left out. */
export function plotsFor(results: Json): PlotSpec[] {
  const plots: PlotSpec[] = [];
  const ingestion = section(results, 'ingestion');
  if (ingestion && Array.isArray(ingestion.runs)) {
    // Runs carry a path (rest/port) and a shape (interval/day) since the batched storage; older documents have neither.
    const runs = ingestion.runs.filter(isObj);
    const rest = runs.filter((r) => r.path === undefined || r.path === 'rest');
    const label = (r: Json) => `${r.shape === 'day' ? 'day-shaped ' : ''}batch ${r.batchSize}`;
    const fabric = section(results, 'fabric');
    const fabricRuns = fabric && Array.isArray(fabric.ingestion) ? fabric.ingestion.filter(isObj) : [];
    const port = rest.map((r) => num(runs.find((p) => p.path === 'port' && p.shape === r.shape && p.batchSize === r.batchSize)?.readingsPerSecond));
    plots.push({
      kind: 'bar',
      name: 'ingestion-readings-per-second',
      title: 'Signed-reading ingestion',
      unit: 'readings/s',
      labels: rest.map(label),
      series: [
        { name: 'embedded, REST', values: rest.map((r) => num(r.readingsPerSecond)) },
        ...(port.some((v) => v !== null) ? [{ name: 'embedded, Ledger port', values: port }] : []),
        ...(fabricRuns.length
          ? [{ name: 'fabric, REST', values: rest.map((r) => num(fabricRuns.find((f) => f.batchSize === r.batchSize && (f.shape ?? 'interval') === (r.shape ?? 'interval'))?.readingsPerSecond)) }]
          : []),
      ],
    });
  }
  const profile = section(results, 'profile');
  if (profile && Array.isArray(profile.profiles)) {
    const rows = profile.profiles.filter(isObj);
    const stage = (field: string) => rows.map((r) => (isObj(r.shares) ? num(r.shares[field]) : null));
    plots.push({
      kind: 'bar',
      name: 'reading-path-profile',
      title: 'Where a batch of readings spends its time (share of REST latency)',
      unit: 'share',
      labels: rows.map((r) => `${r.shape === 'day' ? 'day-shaped ' : ''}batch ${r.batchSize}`),
      series: [
        { name: 'gateway (HTTP, validation, records)', values: stage('gateway') },
        { name: 'endorsement without signature checks', values: stage('endorsementOther') },
        { name: 'signature checks (all endorsers)', values: stage('signatureChecks') },
        { name: 'ordering, validation, commit', values: stage('commit') },
      ],
    });
  }
  // Client-count sweeps: tx/s per path at each client count (the fabric section on the network, the adapter section
  // over the in-process peer stand-in).
  for (const [name, key, title] of [
    ['fabric-sweep-throughput', 'fabric', 'Native Fabric: tx/s by path and concurrent clients'],
    ['adapter-overhead-throughput', 'adapter', 'Client-side cost: tx/s by path (peer answers at once)'],
  ] as const) {
    const result = section(results, key);
    const sweep = result && isObj(result.sweep) ? result.sweep : undefined;
    if (!sweep) continue;
    const counts = Object.keys(sweep);
    const paths = [...new Set(counts.flatMap((c) => (isObj(sweep[c]) ? Object.keys(sweep[c]) : [])))];
    plots.push({
      kind: 'bar',
      name,
      title,
      unit: 'tx/s',
      labels: counts.map((c) => `${c} clients`),
      series: paths.map((p) => ({
        name: p,
        values: counts.map((c) => {
          const row = isObj(sweep[c]) ? sweep[c][p] : undefined;
          return isObj(row) ? num(row.tps) : null;
        }),
      })),
    });
  }
  // The native network on its own: p99 latency by path and client count, REST ingestion by batch size.
  const fabric = section(results, 'fabric');
  if (fabric && isObj(fabric.sweep)) {
    const sweep = fabric.sweep;
    const counts = Object.keys(sweep);
    const paths = [...new Set(counts.flatMap((c) => (isObj(sweep[c]) ? Object.keys(sweep[c]) : [])))];
    plots.push({
      kind: 'bar',
      name: 'fabric-sweep-p99',
      title: 'Native Fabric: p99 latency by path and concurrent clients',
      unit: 'ms',
      labels: counts.map((c) => `${c} clients`),
      series: paths.map((p) => ({
        name: p,
        values: counts.map((c) => {
          const row = isObj(sweep[c]) ? sweep[c][p] : undefined;
          return isObj(row) && isObj(row.latencyMs) ? num(row.latencyMs.p99) : null;
        }),
      })),
    });
  }
  const fabricIngestion = fabric && Array.isArray(fabric.ingestion) ? fabric.ingestion.filter(isObj) : [];
  if (fabricIngestion.length) {
    plots.push({
      kind: 'bar',
      name: 'fabric-ingestion-readings-per-second',
      title: 'Native Fabric: signed readings/s through REST by batch size',
      unit: 'readings/s',
      labels: fabricIngestion.map((r) => `batch ${String(r.batchSize)}`),
      series: [{ name: `REST, ${String(fabricIngestion[0].clients ?? '')} clients`, values: fabricIngestion.map((r) => num(r.readingsPerSecond)) }],
    });
  }
  // scripts/bench/fabric-settings.ts: each setting's tx/s as a ratio to the same run's baseline.
  if (Array.isArray(results.variants)) {
    const variants = results.variants.filter(isObj);
    const keys = [...new Set(variants.flatMap((v) => (isObj(v.results) ? Object.keys(v.results) : [])))].filter((k) => k.startsWith('rawClientOpenSsl@'));
    if (variants.length && keys.length) {
      plots.push({
        kind: 'bar',
        name: 'fabric-settings-ratios',
        title: 'Network settings: tx/s relative to the same run\'s baseline (raw client)',
        unit: 'ratio',
        labels: variants.map((v) => String(v.name)),
        series: keys.map((k) => ({
          name: `${k.split('@')[1]} clients`,
          values: variants.map((v) => {
            const row = isObj(v.results) ? v.results[k] : undefined;
            return isObj(row) ? num(row.ratio) : null;
          }),
        })),
      });
    }
  }
  const runtime = section(results, 'runtime');
  if (runtime && isObj(runtime.trivialWrite) && isObj(runtime.rangeRead1000)) {
    const rows = [
      ['trivial write', runtime.trivialWrite],
      ['1,000-key range read', runtime.rangeRead1000],
    ] as const;
    plots.push({
      kind: 'bar',
      name: 'runtime-submit-throughput',
      title: 'Embedded runtime: submitted transactions per second',
      unit: 'tx/s',
      labels: rows.map(([label]) => label),
      series: [{ name: 'embedded runtime', values: rows.map(([, r]) => num((r as Json).txPerSecond)) }],
    });
  }
  const gateway = section(results, 'gateway-overhead') ?? section(results, 'gateway');
  if (gateway && num(gateway.restTps) !== null) {
    plots.push({
      kind: 'bar',
      name: 'gateway-overhead-throughput',
      title: `REST vs direct Ledger port (overhead ratio ${gateway.overheadRatio})`,
      unit: 'tx/s',
      labels: ['REST gateway', ...(num(gateway.restIdempotentTps) !== null ? ['REST + Idempotency-Key'] : []), 'Ledger port'],
      series: [
        {
          name: String(gateway.transaction ?? 'same transaction'),
          values: [num(gateway.restTps), ...(num(gateway.restIdempotentTps) !== null ? [num(gateway.restIdempotentTps)] : []), num(gateway.directTps)],
        },
      ],
    });
    const latency = isObj(gateway.latencyMs) ? gateway.latencyMs : {};
    const rest = isObj(latency.rest) ? latency.rest : {};
    const direct = isObj(latency.direct) ? latency.direct : {};
    plots.push({
      kind: 'bar',
      name: 'gateway-latency-percentiles',
      title: 'Submit latency percentiles',
      unit: 'ms',
      labels: ['p50', 'p95', 'p99'],
      series: [
        { name: 'REST gateway', values: ['p50', 'p95', 'p99'].map((p) => num(rest[p])) },
        { name: 'Ledger port', values: ['p50', 'p95', 'p99'].map((p) => num(direct[p])) },
      ],
    });
  }
  const clearing = section(results, 'clearing');
  if (clearing) {
    const series: LinePlot['series'][number][] = [];
    for (const [key, label, field] of [
      ['inProcess', 'clearing function', 'ms'],
      ['embeddedRuntime', 'chaincode time (one endorsement, bodies supplied)', 'chaincodeMs'],
      ['embeddedRuntime', 'chaincode reading every body itself', 'chaincodeReadingBodiesItselfMs'],
      ['embeddedRuntime', 'whole transaction (2 endorsements + commit)', 'totalMs'],
    ] as const) {
      const rows = Array.isArray(clearing[key]) ? clearing[key].filter(isObj) : [];
      const points = rows.flatMap((r) => (num(r.orders) !== null && num(r[field]) !== null ? [[r.orders as number, r[field] as number] as const] : []));
      if (points.length) series.push({ name: label, points });
    }
    if (series.length) {
      plots.push({ kind: 'line', name: 'clearing-time-vs-orders', title: 'Clearing time vs order count', xLabel: 'orders', yLabel: 'ms', series });
    }
  }
  return plots;
}

/** Reads a results JSON file and writes its plots as SVG next to it. */
export function writeBenchPlots(jsonFile: string): string[] {
  const results = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as Json;
  return writePlots(plotsFor(results), path.dirname(jsonFile));
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: tsx scripts/bench/plot.ts <bench results .json>\n');
    process.exit(2);
  }
  for (const written of writeBenchPlots(path.resolve(file))) process.stdout.write(`${written}\n`);
}
