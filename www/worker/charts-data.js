// @ts-check
// The data of the dashboard's charts, binned in the worker (worker.js) so
// that the page only draws them (charts.js) and never walks 100k customers.

/** @typedef {import('../pkg/ltvlab.js').AnalysisResult} AnalysisResult */
/** @typedef {import('../protocol.js').ChartData} ChartData */

const LTV_BINS = 30;
/** Days in each period of the summary. */
const DAYS_PER_PERIOD = { day: 1, week: 7, month: 30.4375 };
const FREQUENCY_BINS = [[0, 0], [1, 1], [2, 2], [3, 4], [5, 9], [10, 19], [20, Infinity]];

/**
 * The data of every chart, binned here so the page only draws.
 * @param {Pick<AnalysisResult, 'summary' | 'predictions'>} result
 * @returns {ChartData | null}
 */
export function charts({ summary, predictions }) {
  if (!summary || !predictions) return null;
  const { clv, p_alive: alive } = predictions.customers;
  const { frequency, recency, T } = summary.customers;
  const n = clv.length;

  // LTV histogram up to the 99th percentile: a few huge customers would
  // otherwise squeeze everyone else into the first bar.
  const sorted = Float64Array.from(clv).sort();
  const cap = sorted[Math.min(n - 1, Math.floor(n * 0.99))] || sorted[n - 1] || 1;
  const width = cap / LTV_BINS || 1;
  const counts = new Array(LTV_BINS).fill(0);
  let above = 0;
  for (const value of clv) {
    if (value > cap) above++;
    else counts[Math.min(LTV_BINS - 1, Math.max(0, Math.floor(value / width)))]++;
  }
  const ltv = { starts: counts.map((_, i) => i * width), width, counts, above, cap };

  // P(alive) by repeat purchases × time since the last purchase, in days.
  const perDay = DAYS_PER_PERIOD[summary.period] ?? 1;
  let oldest = 0;
  for (let i = 0; i < n; i++) oldest = Math.max(oldest, (T[i] - recency[i]) * perDay);
  const step = niceStep(oldest / 8);
  const columns = Math.max(1, Math.ceil((oldest + 1) / step));
  const sums = FREQUENCY_BINS.map(() => new Float64Array(columns));
  const cells = FREQUENCY_BINS.map(() => new Uint32Array(columns));
  for (let i = 0; i < n; i++) {
    const row = FREQUENCY_BINS.findIndex(([lo, hi]) => frequency[i] >= lo && frequency[i] <= hi);
    const column = Math.min(columns - 1, Math.floor(((T[i] - recency[i]) * perDay) / step));
    sums[row][column] += alive[i];
    cells[row][column]++;
  }
  const heat = {
    rows: FREQUENCY_BINS.map(([lo, hi]) => (lo === hi ? String(lo) : hi === Infinity ? `${lo}+` : `${lo}–${hi}`)),
    columns: Array.from({ length: columns }, (_, c) => c * step),
    step,
    customers: cells.map((row) => Array.from(row)),
    alive: sums.map((row, r) => Array.from(row, (sum, c) => (cells[r][c] ? sum / cells[r][c] : null))),
  };
  return { ltv, heat };
}

/** @param {number} raw */
function niceStep(raw) {
  const candidates = [1, 7, 14, 30, 60, 90, 180, 365, 730];
  return candidates.find((c) => c >= raw) ?? Math.ceil(raw / 365) * 365;
}
