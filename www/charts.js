// @ts-check
// The dashboard's charts, drawn by uPlot (www/vendor/uplot, see its README):
// a small, dependency-free, well-kept library that draws to a canvas, so a
// chart of 100k customers stays cheap and a PNG export is one toBlob away.
// The worker bins the data (charts() in worker.js); this module only draws.
//
// Colours: Okabe-Ito blue for bars and viridis for the heatmap, both readable
// with every common colour-vision deficiency and in light and dark themes.

import uPlot from './vendor/uplot/uPlot.esm.js';

/** A drawn chart. @typedef {uPlot} Chart */
/** A chart's data, for `setData`: the x values, then each series. @typedef {uPlot.AlignedData} PlotData */
/** @typedef {import('./i18n.js').L10n} L10n */
/** @typedef {{text: string, grid: string, surface: string}} Colors */
/** @typedef {(value: number) => string} Format */

const BAR = '#0072B2';
/** uPlot's bar paths (optional in its types, always in its build). */
const bars = /** @type {NonNullable<typeof uPlot.paths.bars>} */ (uPlot.paths.bars);
// Okabe-Ito: blue, orange, vermillion, grey; told apart by every common colour-vision deficiency.
export const SERIES = ['#0072B2', '#E69F00', '#D55E00', '#999999'];
// Viridis at 0, 0.25, 0.5, 0.75, 1; the same stops as .heat-legend in style.css.
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

/**
 * A colour for a share in [0, 1].
 * @param {number} share
 */
export function viridis(share) {
  const x = Math.min(1, Math.max(0, share)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const [r, g, b] = VIRIDIS[i].map((v, k) => Math.round(v + f * (VIRIDIS[i + 1][k] - v)));
  return `rgb(${r}, ${g}, ${b})`;
}

/** @returns {Colors} */
function theme() {
  const style = getComputedStyle(document.documentElement);
  return {
    text: style.getPropertyValue('--text').trim() || '#1d1d1f',
    grid: style.getPropertyValue('--border').trim() || '#d9d9de',
    surface: style.getPropertyValue('--surface').trim() || '#ffffff',
  };
}

/**
 * @param {Colors} colors
 * @param {uPlot.Axis} extra
 * @returns {uPlot.Axis}
 */
function axis(colors, extra) {
  return {
    stroke: colors.text,
    grid: { stroke: colors.grid, width: 1 },
    ticks: { stroke: colors.grid, width: 1 },
    font: '12px system-ui, sans-serif',
    labelFont: '12px system-ui, sans-serif',
    ...extra,
  };
}

/** @param {HTMLElement} container */
function size(container) {
  const width = Math.max(280, Math.min(container.clientWidth || 600, 900));
  return { width, height: Math.round(Math.min(320, Math.max(220, width * 0.5))) };
}

/**
 * The LTV histogram. `data` is charts().ltv from the worker; `l10n` from i18n.js.
 * Returns the uPlot instance.
 * @param {HTMLElement} container
 * @param {import('./protocol.js').LtvBins} data
 * @param {L10n} l10n
 */
export function ltvHistogram(container, data, l10n) {
  const colors = theme();
  const xs = data.starts.map((start) => start + data.width / 2);
  /** @type {uPlot.Options} */
  const options = {
    ...size(container),
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    scales: { x: { time: false, range: [0, data.cap || 1] }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.05)] } },
    axes: [
      axis(colors, { label: l10n.t('chart.ltv.x'), values: (u, splits) => splits.map((v) => l10n.moneyShort(v)) }),
      axis(colors, { label: l10n.t('chart.ltv.y'), values: (u, splits) => splits.map((v) => l10n.integer(v)) }),
    ],
    series: [
      {},
      {
        stroke: BAR,
        fill: `${BAR}cc`,
        width: 1,
        points: { show: false },
        paths: bars({ size: [0.92, Infinity], align: 0 }),
      },
    ],
  };
  return new uPlot(options, [xs, data.counts], container);
}

/**
 * A heatmap on uPlot's scales: `values[r][c]` in [0, 1] (or null for no
 * data), rows bottom-up from `yLabels`, columns from `xLabels`. Cells are
 * filled in uPlot's draw hook. `describe(r, c)` gives the text for the cell
 * under the cursor, passed to `onHover`.
 * @param {HTMLElement} container
 * @param {{values: (number | null)[][], xLabels: string[], yLabels: string[], xTitle: string, yTitle: string, reverseY?: boolean}} heat
 * @param {(r: number, c: number) => string} describe
 * @param {(text: string) => void} onHover
 */
export function heatmap(container, { values, xLabels, yLabels, xTitle, yTitle, reverseY = false }, describe, onHover) {
  const colors = theme();
  const nx = xLabels.length;
  const ny = yLabels.length;
  const rowAt = (/** @type {number} */ y) => (reverseY ? ny - 1 - y : y);
  const cellAt = (/** @type {uPlot} */ u) => {
    const { left, top } = u.cursor;
    if (left === undefined || left < 0) return null;
    const c = Math.round(u.posToVal(left, 'x'));
    const y = Math.round(u.posToVal(/** @type {number} */ (top), 'y'));
    return c >= 0 && c < nx && y >= 0 && y < ny ? { r: rowAt(y), c } : null;
  };
  const every = (/** @type {number} */ n, /** @type {number} */ max) => Math.max(1, Math.ceil(n / max));
  const xEvery = every(nx, Math.max(4, Math.floor((container.clientWidth || 600) / 60)));
  const yEvery = every(ny, 14);
  /** @type {uPlot.Options} */
  const options = {
    ...size(container),
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: false }, x: false, y: false },
    scales: { x: { time: false, range: [-0.5, nx - 0.5] }, y: { range: [-0.5, ny - 0.5] } },
    axes: [
      axis(colors, {
        label: xTitle,
        grid: { show: false },
        splits: () => xLabels.map((_, c) => c).filter((c) => c % xEvery === 0),
        values: (u, splits) => splits.map((c) => xLabels[c] ?? ''),
      }),
      axis(colors, {
        label: yTitle,
        grid: { show: false },
        size: 70,
        splits: () => yLabels.map((_, y) => y).filter((y) => rowAt(y) % yEvery === 0),
        values: (u, splits) => splits.map((y) => yLabels[rowAt(y)] ?? ''),
      }),
    ],
    series: [{}, { show: false }],
    hooks: {
      draw: [
        (u) => {
          const { ctx } = u;
          ctx.save();
          for (let y = 0; y < ny; y++) {
            const row = values[rowAt(y)];
            for (let c = 0; c < nx; c++) {
              const share = row[c];
              if (share === null || share === undefined) continue;
              const x0 = u.valToPos(c - 0.5, 'x', true);
              const x1 = u.valToPos(c + 0.5, 'x', true);
              const y0 = u.valToPos(y + 0.5, 'y', true);
              const y1 = u.valToPos(y - 0.5, 'y', true);
              const gap = Math.min(1, (x1 - x0) / 8);
              ctx.fillStyle = viridis(share);
              ctx.fillRect(x0 + gap, y0 + gap, x1 - x0 - 2 * gap, y1 - y0 - 2 * gap);
            }
          }
          ctx.restore();
        },
      ],
      setCursor: [
        (u) => {
          const cell = cellAt(u);
          onHover(cell ? describe(cell.r, cell.c) : '');
        },
      ],
    },
  };
  const xs = xLabels.map((_, c) => c);
  return new uPlot(options, [xs, xs.map(() => null)], container);
}

/**
 * The P(alive) heatmap: rows are repeat purchases, columns days since the last purchase.
 * @param {HTMLElement} container
 * @param {import('./protocol.js').AliveHeat} heat
 * @param {L10n} l10n
 * @param {(text: string) => void} onHover
 */
export function aliveHeatmap(container, heat, l10n, onHover) {
  return heatmap(
    container,
    {
      values: heat.alive,
      xLabels: heat.columns.map((day) => l10n.integer(day)),
      yLabels: heat.rows,
      xTitle: l10n.t('chart.alive.x'),
      yTitle: l10n.t('chart.alive.y'),
    },
    (r, c) =>
      heat.customers[r][c]
        ? l10n.t('chart.alive.cell', {
            frequency: heat.rows[r],
            recency: `${l10n.integer(heat.columns[c])}–${l10n.integer(heat.columns[c] + heat.step - 1)}`,
            customers: l10n.integer(heat.customers[r][c]),
            alive: l10n.percent(heat.alive[r][c] ?? 0), // a cell with customers has a mean
          })
        : '',
    onHover,
  );
}

/**
 * Horizontal-axis bars, one per label: `values` are counts or amounts.
 * @param {HTMLElement} container
 * @param {{labels: string[], values: number[], yTitle: string, format: Format}} bars
 */
export function barChart(container, { labels, values, yTitle, format }) {
  const colors = theme();
  const xs = labels.map((_, i) => i);
  /** @type {uPlot.Options} */
  const options = {
    ...size(container),
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    scales: {
      x: { time: false, range: [-0.5, labels.length - 0.5] },
      y: { range: (u, min, max) => [Math.min(0, min * 1.08), Math.max(max > 0 ? max * 1.08 : 0, min < 0 ? 0 : 1)] },
    },
    axes: [
      axis(colors, {
        grid: { show: false },
        size: 90,
        rotate: -40,
        splits: () => xs,
        values: (u, splits) => splits.map((i) => labels[i] ?? ''),
      }),
      axis(colors, { label: yTitle, values: (u, splits) => splits.map((v) => format(v)) }),
    ],
    series: [
      {},
      {
        stroke: BAR,
        fill: `${BAR}cc`,
        width: 1,
        points: { show: false },
        paths: bars({ size: [0.7, Infinity], align: 0 }),
      },
    ],
  };
  return new uPlot(options, [xs, values], container);
}

/**
 * Lines over a numeric x: `series` are `{label, values, color, dash}`; a legend
 * names them (and, with the cursor, shows the values). Update with
 * `chart.setData([xs, ...values])`.
 * @param {HTMLElement} container
 * @param {{xs: number[], series: {label: string, values: (number | null)[], color: string, dash?: number[]}[],
 *   xTitle: string, yTitle: string, formatX: Format, formatY: Format, markX?: number}} lines
 */
export function lineChart(container, { xs, series, xTitle, yTitle, formatX, formatY, markX }) {
  const colors = theme();
  /** @type {uPlot.Options} */
  const options = {
    ...size(container),
    legend: { show: true, live: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false }, y: { range: (u, min, max) => [Math.min(0, min), max > 0 ? max * 1.05 : 1] } },
    axes: [
      axis(colors, { label: xTitle, values: (u, splits) => splits.map((v) => formatX(v)) }),
      axis(colors, { label: yTitle, size: 70, values: (u, splits) => splits.map((v) => formatY(v)) }),
    ],
    series: [
      { label: xTitle, value: (/** @type {uPlot} */ u, /** @type {number | null} */ v) => (v === null ? '' : formatX(v)) },
      ...series.map(({ label, color, dash }) => ({
        label,
        stroke: color,
        width: 2,
        dash,
        points: { show: false },
        value: (/** @type {uPlot} */ u, /** @type {number | null | undefined} */ v) => (v === null || v === undefined ? '—' : formatY(v)),
      })),
    ],
    hooks: markX === undefined ? {} : {
      // A dashed vertical line at x = markX (e.g. where the holdout starts).
      draw: [
        (u) => {
          const x = u.valToPos(markX, 'x', true);
          const { ctx } = u;
          ctx.save();
          ctx.strokeStyle = colors.text;
          ctx.setLineDash([4, 4]);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.restore();
        },
      ],
    },
  };
  return new uPlot(options, [xs, ...series.map((s) => s.values)], container);
}

/**
 * Bars in pairs (or more) per label: `series` are `{label, values, color}`.
 * @param {HTMLElement} container
 * @param {{labels: string[], series: {label: string, values: number[], color: string}[], xTitle: string, yTitle: string, format: Format}} bars
 */
export function groupedBars(container, { labels, series, xTitle, yTitle, format }) {
  const colors = theme();
  const xs = labels.map((_, i) => i);
  const n = series.length;
  /** @type {uPlot.Options} */
  const options = {
    ...size(container),
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    scales: { x: { time: false, range: [-0.5, labels.length - 0.5] }, y: { range: (u, min, max) => [0, Math.max(max * 1.08, 1e-9)] } },
    axes: [
      axis(colors, { label: xTitle, grid: { show: false }, splits: () => xs, values: (u, splits) => splits.map((i) => labels[i] ?? '') }),
      axis(colors, { label: yTitle, size: 60, values: (u, splits) => splits.map((v) => format(v)) }),
    ],
    series: [
      {},
      ...series.map(({ label, color }, k) => ({
        label,
        stroke: color,
        fill: `${color}cc`,
        width: 1,
        points: { show: false },
        // Side by side: each series takes 1/n of the slot, shifted from the centre.
        paths: bars({
          disp: {
            x0: { unit: 1, values: () => xs.map((x) => x - 0.4 + (k * 0.8) / n) },
            size: { unit: 1, values: () => xs.map(() => 0.8 / n) },
          },
        }),
      })),
    ],
  };
  return new uPlot(options, [xs, ...series.map((s) => s.values)], container);
}

/**
 * Keeps a chart as wide as its container; returns what stops it.
 * @param {uPlot} chart
 * @param {HTMLElement} container
 */
export function fitWidth(chart, container) {
  const observer = new ResizeObserver(() => {
    const next = size(container);
    if (next.width !== chart.width) chart.setSize(next);
  });
  observer.observe(container);
  return () => observer.disconnect();
}

/**
 * The chart as a PNG blob, on the page's background, with a title.
 * @param {uPlot} chart
 * @param {string} title
 * @returns {Promise<Blob>}
 */
export function chartPng(chart, title) {
  const colors = theme();
  const source = chart.ctx.canvas;
  const titleHeight = Math.round(32 * devicePixelRatio);
  const canvas = document.createElement('canvas');
  canvas.width = source.width;
  canvas.height = source.height + titleHeight;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  ctx.fillStyle = colors.surface;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = colors.text;
  ctx.font = `600 ${Math.round(15 * devicePixelRatio)}px system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  ctx.fillText(title, 8 * devicePixelRatio, titleHeight / 2);
  ctx.drawImage(source, 0, titleHeight);
  return new Promise((resolve) => canvas.toBlob((blob) => resolve(/** @type {Blob} */ (blob)), 'image/png'));
}
