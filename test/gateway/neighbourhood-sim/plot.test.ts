import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { plotsFor, renderSvg, writeBenchPlots, writePlots } from '../../../scripts/bench/plot';

describe('benchmark plots', () => {
  it('renders a bar chart as SVG with its title, labels and values', () => {
    const svg = renderSvg({
      kind: 'bar',
      name: 'ingestion',
      title: 'Signed-reading ingestion',
      unit: 'readings/s',
      labels: ['batch 1', 'batch 100'],
      series: [{ name: 'embedded', values: [120.5, 4321] }],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Signed-reading ingestion');
    expect(svg).toContain('batch 100');
    expect(svg).toContain('4,321');
  });

  it('writes one SVG per plot next to the results and refuses unsafe names', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-plot-'));
    try {
      const files = writePlots(
        [{ kind: 'line', name: 'latency', title: 'Latency', xLabel: 'percentile', yLabel: 'ms', series: [{ name: 'rest', points: [[50, 3], [99, 9]] }] }],
        dir,
      );
      expect(files).toEqual([path.join(dir, 'latency.svg')]);
      expect(fs.readFileSync(files[0], 'utf8')).toContain('<path');
      expect(() => writePlots([{ kind: 'bar', name: '../evil', title: '', unit: '', labels: [], series: [] }], dir)).toThrow(RangeError);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('derives plots from a results document and skips sections that did not run', () => {
    const results = {
      sections: {
        ingestion: { runs: [{ batchSize: 1, readingsPerSecond: 90 }, { batchSize: 500, readingsPerSecond: 4000 }] },
        runtime: { trivialWrite: { txPerSecond: 500 }, rangeRead1000: { txPerSecond: 50 } },
        'gateway-overhead': { restTps: 80, directTps: 100, overheadRatio: 0.8, latencyMs: { rest: { p50: 10, p95: 20, p99: 30 }, direct: { p50: 8, p95: 15, p99: 25 } } },
        clearing: { inProcess: [{ orders: 1000, ms: 2 }, { orders: 5000, ms: 9 }], embeddedRuntime: [{ orders: 1000, totalMs: 300 }] },
        fabric: { skipped: 'network not up' },
      },
    };
    const plots = plotsFor(results);
    expect(plots.map((p) => p.name)).toEqual(['ingestion-readings-per-second', 'runtime-submit-throughput', 'gateway-overhead-throughput', 'gateway-latency-percentiles', 'clearing-time-vs-orders']);
    const ingestion = plots[0];
    expect(ingestion.kind === 'bar' && ingestion.series).toEqual([{ name: 'embedded, REST', values: [90, 4000] }]);
    expect(plotsFor({ sections: { ingestion: { skipped: 'x' } } })).toEqual([]);
    // Since the batched storage: runs per path and shape, and the reading path's profile.
    const [byPath, profile] = plotsFor({
      sections: {
        ingestion: {
          runs: [
            { path: 'rest', shape: 'interval', batchSize: 500, readingsPerSecond: 3000 },
            { path: 'port', shape: 'interval', batchSize: 500, readingsPerSecond: 3500 },
            { path: 'rest', shape: 'day', batchSize: 480, readingsPerSecond: 5000 },
          ],
        },
        profile: { profiles: [{ batchSize: 500, shares: { gateway: 0.1, endorsementOther: 0.3, signatureChecks: 0.4, commit: 0.2 } }] },
      },
    });
    expect(byPath.kind === 'bar' && byPath.labels).toEqual(['batch 500', 'day-shaped batch 480']);
    expect(byPath.kind === 'bar' && byPath.series).toEqual([
      { name: 'embedded, REST', values: [3000, 5000] },
      { name: 'embedded, Ledger port', values: [3500, null] },
    ]);
    expect(profile.name).toBe('reading-path-profile');
    expect(profile.kind === 'bar' && profile.series.map((s) => s.values[0])).toEqual([0.1, 0.3, 0.4, 0.2]);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-plot-'));
    try {
      const file = path.join(dir, 'bench.json');
      fs.writeFileSync(file, JSON.stringify(results));
      expect(writeBenchPlots(file).map((f) => path.basename(f))).toHaveLength(5);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
