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
