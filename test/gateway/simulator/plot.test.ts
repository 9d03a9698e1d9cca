import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderSvg, writePlots } from '../../../scripts/bench/plot';

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
});
