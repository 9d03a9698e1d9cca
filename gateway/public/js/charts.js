/**
 * Chart.js helpers: one chart per canvas, updated in place when data changes so live updates do not flicker.
 * Chart.js is loaded as a classic script (window.Chart) from the gateway's own copy, never from a CDN.
 */
const PALETTE = ['#0b7a5a', '#e08a00', '#2f6fb0', '#b3261e', '#7a4bb3', '#4a8c2a', '#c2185b', '#5d6d7e'];
const charts = new Map();

export function color(i, alpha = 1) {
  const hex = PALETTE[i % PALETTE.length];
  if (alpha === 1) return hex;
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Creates the chart on first use, otherwise replaces its data and options and redraws. */
export function renderChart(canvasId, config) {
  const ChartJs = window.Chart;
  if (!ChartJs) throw new Error('Chart.js did not load (vendor/chart.umd.min.js)');
  const canvas = document.getElementById(canvasId);
  const existing = charts.get(canvasId);
  const full = {
    ...config,
    options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
  };
  if (existing && existing.config.type === config.type) {
    existing.data = full.data;
    existing.options = full.options;
    existing.update('none');
    canvas.dataset.points = String(countPoints(full.data));
    return existing;
  }
  if (existing) existing.destroy();
  const chart = new ChartJs(canvas, full);
  charts.set(canvasId, chart);
  canvas.dataset.points = String(countPoints(full.data));
  return chart;
}

/** Exposed on the canvas for tests and for screen readers' summary: how many data points are drawn. */
function countPoints(data) {
  return (data.datasets || []).reduce((n, ds) => n + (ds.data || []).filter((v) => v !== null && v !== undefined).length, 0);
}

export function clearChart(canvasId) {
  const chart = charts.get(canvasId);
  if (chart) chart.destroy();
  charts.delete(canvasId);
  const canvas = document.getElementById(canvasId);
  if (canvas) canvas.dataset.points = '0';
}
