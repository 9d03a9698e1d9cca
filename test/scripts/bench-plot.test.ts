/**
 * Bench plots for the native network (scripts/bench/plot.ts): a fabric section gives its tx/s, p99 and ingestion
 * plots, a settings document (scripts/bench/fabric-settings.ts) its ratio plot, and every one renders as SVG.
 */
import { plotsFor, renderSvg, type BarPlot } from '../../scripts/bench/plot';

const point = (tps: number, p99: number) => ({ tps, latencyMs: { p50: p99 / 2, p95: p99 * 0.9, p99, max: p99, samples: 10 } });

it('draws the fabric section: tx/s and p99 by path and client count, ingestion by batch size', () => {
  const results = {
    sections: {
      fabric: {
        sweep: { '4': { rawClient: point(10, 400), rest: point(9, 450) }, '32': { rawClient: point(50, 900), rest: point(40, 1200) } },
        ingestion: [
          { batchSize: 1, clients: 32, readingsPerSecond: 30 },
          { batchSize: 500, clients: 32, readingsPerSecond: 600 },
        ],
      },
    },
  };
  const plots = plotsFor(results);
  const byName = Object.fromEntries(plots.map((p) => [p.name, p])) as Record<string, BarPlot>;
  expect(byName['fabric-sweep-throughput'].series.find((s) => s.name === 'rest')?.values).toEqual([9, 40]);
  expect(byName['fabric-sweep-p99'].series.find((s) => s.name === 'rawClient')?.values).toEqual([400, 900]);
  expect(byName['fabric-ingestion-readings-per-second'].labels).toEqual(['batch 1', 'batch 500']);
  expect(byName['fabric-ingestion-readings-per-second'].series[0].values).toEqual([30, 600]);
  for (const plot of plots) expect(renderSvg(plot)).toMatch(/^<svg/);
});

it('draws a settings document as ratios to the same run’s baseline, one series per client count', () => {
  const row = (ratio: number) => ({ tps: 1, baselineTps: [1, 1], ratio, baselineSpread: 0, p50Ratio: 1, p99Ratio: 1 });
  const plots = plotsFor({
    variants: [
      { name: 'batch-timeout-100ms', results: { 'rawClientOpenSsl@4': row(1.8), 'rawClientOpenSsl@32': row(1.1), 'rest@4': row(1.7) } },
      { name: 'validator-pool-1', results: { 'rawClientOpenSsl@4': row(0.98), 'rawClientOpenSsl@32': row(0.9) } },
    ],
  });
  expect(plots).toHaveLength(1);
  const plot = plots[0] as BarPlot;
  expect(plot.name).toBe('fabric-settings-ratios');
  expect(plot.labels).toEqual(['batch-timeout-100ms', 'validator-pool-1']);
  expect(plot.series.map((s) => [s.name, s.values])).toEqual([
    ['4 clients', [1.8, 0.98]],
    ['32 clients', [1.1, 0.9]],
  ]);
  expect(renderSvg(plot)).toMatch(/^<svg/);
});
