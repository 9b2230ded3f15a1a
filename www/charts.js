// The dashboard's charts, drawn by uPlot (www/vendor/uplot, see its README):
// a small, dependency-free, well-kept library that draws to a canvas, so a
// chart of 100k customers stays cheap and a PNG export is one toBlob away.
// The worker bins the data (charts() in worker.js); this module only draws.
//
// Colours: Okabe-Ito blue for bars and viridis for the heatmap, both readable
// with every common colour-vision deficiency and in light and dark themes.

import uPlot from './vendor/uplot/uPlot.esm.js';

const BAR = '#0072B2';
// Viridis at 0, 0.25, 0.5, 0.75, 1; the same stops as .heat-legend in style.css.
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

/** A colour for a share in [0, 1]. */
export function viridis(share) {
  const x = Math.min(1, Math.max(0, share)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const [r, g, b] = VIRIDIS[i].map((v, k) => Math.round(v + f * (VIRIDIS[i + 1][k] - v)));
  return `rgb(${r}, ${g}, ${b})`;
}

function theme() {
  const style = getComputedStyle(document.documentElement);
  return {
    text: style.getPropertyValue('--text').trim() || '#1d1d1f',
    grid: style.getPropertyValue('--border').trim() || '#d9d9de',
    surface: style.getPropertyValue('--surface').trim() || '#ffffff',
  };
}

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

function size(container) {
  const width = Math.max(280, Math.min(container.clientWidth || 600, 900));
  return { width, height: Math.round(Math.min(320, Math.max(220, width * 0.5))) };
}

/**
 * The LTV histogram. `data` is charts().ltv from the worker; `l10n` from i18n.js.
 * Returns the uPlot instance.
 */
export function ltvHistogram(container, data, l10n) {
  const colors = theme();
  const xs = data.starts.map((start) => start + data.width / 2);
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
        paths: uPlot.paths.bars({ size: [0.92, Infinity], align: 0 }),
      },
    ],
  };
  return new uPlot(options, [xs, data.counts], container);
}

/**
 * The P(alive) heatmap: rows are repeat purchases, columns days since the
 * last purchase. Cells are filled in uPlot's draw hook on its own scales.
 * `onHover(text)` receives a description of the cell under the cursor.
 */
export function aliveHeatmap(container, heat, l10n, onHover) {
  const colors = theme();
  const nx = heat.columns.length;
  const ny = heat.rows.length;
  const cellAt = (u) => {
    const { left, top } = u.cursor;
    if (left === undefined || left < 0) return null;
    const c = Math.round(u.posToVal(left, 'x'));
    const r = Math.round(u.posToVal(top, 'y'));
    return c >= 0 && c < nx && r >= 0 && r < ny ? { r, c } : null;
  };
  const options = {
    ...size(container),
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: false }, x: false, y: false },
    scales: { x: { time: false, range: [-0.5, nx - 0.5] }, y: { range: [-0.5, ny - 0.5] } },
    axes: [
      axis(colors, {
        label: l10n.t('chart.alive.x'),
        grid: { show: false },
        splits: () => heat.columns.map((_, c) => c),
        values: (u, splits) => splits.map((c) => l10n.integer(heat.columns[c] ?? 0)),
      }),
      axis(colors, {
        label: l10n.t('chart.alive.y'),
        grid: { show: false },
        splits: () => heat.rows.map((_, r) => r),
        values: (u, splits) => splits.map((r) => heat.rows[r] ?? ''),
      }),
    ],
    series: [{}, { show: false }],
    hooks: {
      draw: [
        (u) => {
          const { ctx } = u;
          ctx.save();
          for (let r = 0; r < ny; r++) {
            for (let c = 0; c < nx; c++) {
              const share = heat.alive[r][c];
              if (share === null) continue;
              const x0 = u.valToPos(c - 0.5, 'x', true);
              const x1 = u.valToPos(c + 0.5, 'x', true);
              const y0 = u.valToPos(r + 0.5, 'y', true);
              const y1 = u.valToPos(r - 0.5, 'y', true);
              ctx.fillStyle = viridis(share);
              ctx.fillRect(x0 + 1, y0 + 1, x1 - x0 - 2, y1 - y0 - 2);
            }
          }
          ctx.restore();
        },
      ],
      setCursor: [
        (u) => {
          const cell = cellAt(u);
          if (!cell) return onHover('');
          const { r, c } = cell;
          const customers = heat.customers[r][c];
          onHover(
            customers
              ? l10n.t('chart.alive.cell', {
                  frequency: heat.rows[r],
                  recency: `${l10n.integer(heat.columns[c])}–${l10n.integer(heat.columns[c] + heat.step - 1)}`,
                  customers: l10n.integer(customers),
                  alive: l10n.percent(heat.alive[r][c]),
                })
              : '',
          );
        },
      ],
    },
  };
  const xs = heat.columns.map((_, c) => c);
  return new uPlot(options, [xs, xs.map(() => null)], container);
}

/** Keeps a chart as wide as its container. */
export function fitWidth(chart, container) {
  const observer = new ResizeObserver(() => {
    const next = size(container);
    if (next.width !== chart.width) chart.setSize(next);
  });
  observer.observe(container);
  return () => observer.disconnect();
}

/** The chart as a PNG blob, on the page's background, with a title. */
export function chartPng(chart, title) {
  const colors = theme();
  const source = chart.ctx.canvas;
  const titleHeight = Math.round(32 * devicePixelRatio);
  const canvas = document.createElement('canvas');
  canvas.width = source.width;
  canvas.height = source.height + titleHeight;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = colors.surface;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = colors.text;
  ctx.font = `600 ${Math.round(15 * devicePixelRatio)}px system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  ctx.fillText(title, 8 * devicePixelRatio, titleHeight / 2);
  ctx.drawImage(source, 0, titleHeight);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
}
