// One analysis, two doors: `ltvlab analyze --json FILE` and the wasm
// `Analysis` (as the page's worker runs it) call the same core report
// (`ltvlab::report`), so on the same file they must give the same report,
// section by section. The doors only convert: the CLI prints counts of the
// summary and totals of the predictions, the page gets per-customer columns;
// both come from the same values.
//
// Needs `build_wasm` (www/pkg) and the release binary (`cargo run --release`
// builds it), as scripts/test runs them before `node --test tests/browser/`.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// wasm and native fits stop at slightly different points of the same optimum
// (the tolerance app.test.mjs and wasm.test.mjs use for model numbers).
const MODEL_TOLERANCE = 1e-3;

let wasm;

before(async () => {
  wasm = await import(`${ROOT}www/pkg/ltvlab.js`);
  await wasm.default({ module_or_path: readFileSync(`${ROOT}www/pkg/ltvlab_bg.wasm`) });
});

function cli(...args) {
  const out = execFileSync('cargo', ['run', '--release', '--quiet', '--', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out);
}

function page(bytes, options) {
  const analysis = new wasm.Analysis(options);
  for (let at = 0; at < bytes.length; at += 64 * 1024) analysis.push(bytes.subarray(at, at + 64 * 1024));
  const dashboard = analysis.finishDashboard();
  if (dashboard.recommendations_pending) {
    const { recommendations, notes } = analysis.recommend();
    dashboard.recommendations = recommendations;
    dashboard.notes = [...dashboard.notes, ...notes];
  } else {
    analysis.free();
  }
  dashboard.whatif?.free();
  return dashboard;
}

/** Counts of the optimiser's work: wasm's and native's floating-point
 * functions round differently in the last place, so a fit may take one step
 * more on one side to reach the same optimum (within MODEL_TOLERANCE). */
const WORK_COUNTS = new Set(['iterations', 'evaluations']);

/** Text with its numbers blanked: explanations quote fitted values, where
 * wasm and native may differ in the last places. */
const words = (s) => s.replace(/-?\d[\d.,]*(e[+-]?\d+)?/g, '#');

/** `actual` equals `expected` field by field; numbers within `tolerance`
 * (relative, at least absolute), strings with their numbers blanked. */
function same(actual, expected, path, tolerance = MODEL_TOLERANCE) {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const scale = Math.max(1, Math.abs(expected));
    assert.ok(Math.abs(actual - expected) <= tolerance * scale, `${path}: page ${actual}, cli ${expected}`);
  } else if (typeof expected === 'string' && typeof actual === 'string') {
    assert.equal(words(actual), words(expected), path);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: page ${JSON.stringify(actual)?.slice(0, 80)}`);
    assert.equal(actual.length, expected.length, `${path}.length`);
    expected.forEach((e, i) => same(actual[i], e, `${path}[${i}]`, tolerance));
  } else if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: page ${actual}`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${path} keys`);
    for (const key of Object.keys(expected)) {
      if (!WORK_COUNTS.has(key)) same(actual[key], expected[key], `${path}.${key}`, tolerance);
    }
  } else {
    assert.equal(actual, expected, path);
  }
}

/**
 * The page's segments in the CLI's shape: the page gets each customer's
 * segment and RFM scores as columns in the summary's row order (the door's
 * conversion, dto::SegmentsDto), the CLI as one row per customer. Checks the
 * columns against the CLI's rows, then compares the rest as it is.
 */
function pageSegmentsAsCli(p, c, summary, what) {
  if (p === null || c === null) return p;
  const row = new Map(summary.customers.customer_id.map((id, i) => [id, i]));
  const names = p.segments.map((s) => s.segment);
  assert.equal(p.customers.segment.length, summary.customers.customer_id.length, `${what}: one segment per customer`);
  for (const customer of c.customers) {
    const i = row.get(customer.customer_id);
    assert.ok(i !== undefined, `${what}: ${customer.customer_id} in the summary`);
    const page = { segment: names[p.customers.segment[i]], r: p.customers.r[i], f: p.customers.f[i], m: p.customers.m[i] };
    const cli = { segment: customer.segment, r: customer.r, f: customer.f, m: customer.m };
    assert.deepEqual(page, cli, `${what}: segment of ${customer.customer_id}`);
  }
  return { ...p, customers: c.customers };
}

/** The two reports of one file agree, section by section. */
function assertSameReport(p, c, what) {
  same(p.report, c.ingest, `${what}: ingest`, 0);
  if (c.summary === null) {
    assert.equal(p.summary, null, `${what}: summary`);
  } else {
    const s = p.summary;
    const counts = {
      period: s.period,
      observation_end: s.observation_end,
      customers: s.customers.customer_id.length,
      repeat_customers: s.customers.frequency.filter((f) => f > 0).length,
      orders: s.customers.orders === null ? null : s.customers.orders.reduce((a, b) => a + b, 0),
      guest_orders: s.guest_orders,
      guest_revenue: s.guest_revenue,
      reversed_orders: s.reversed_orders,
      reversed_revenue: s.reversed_revenue,
      orders_after_end: s.orders_after_end,
      outlying_purchases: s.outlying_purchases,
    };
    same(counts, c.summary, `${what}: summary`, 0);
  }
  same(p.model_choice, c.model_choice, `${what}: model_choice`);
  if (c.predictions === null) {
    assert.equal(p.predictions, null, `${what}: predictions`);
  } else {
    same(p.predictions.purchase_model, c.model, `${what}: model`);
    same(p.predictions.spend_model, c.spend_model, `${what}: spend_model`);
    const { base, formula, diagnostics } = p.predictions;
    same({ base, formula, diagnostics }, c.predictions, `${what}: predictions`);
  }
  same(p.validation, c.validation, `${what}: validation`);
  same(p.cohorts, c.cohorts, `${what}: cohorts`, 1e-12);
  same(pageSegmentsAsCli(p.segments, c.segments, p.summary, what), c.segments, `${what}: segments`);
  same(p.allowable_cpo, c.allowable_cpo, `${what}: allowable_cpo`);
  same(p.repeat_funnel, c.repeat_funnel, `${what}: repeat_funnel`, 0);
  same(p.deciles, c.deciles, `${what}: deciles`, 1e-12);
  same(p.rfm_ranks, c.rfm_ranks, `${what}: rfm_ranks`, 1e-12);
  // Counts and rates exactly; the model values within the fits' tolerance.
  same(p.groups, c.groups, `${what}: groups`);
  // The observed table is counts and their ratios; the sBG fit is a model
  // number (wasm and native optimisers stop a last place apart).
  same(p.subscription, c.subscription, `${what}: subscription`);
  if (c.recommendations === null) {
    assert.equal(p.recommendations, null, `${what}: recommendations`);
  } else {
    // Lists go to the most valuable customers first: customers whose CLVs
    // tie to the last places may swap, so the lists are compared by id.
    const byId = (r) => ({ ...r, customers: [...r.customers].sort((a, b) => (a.customer_id < b.customer_id ? -1 : 1)) });
    same(byId(p.recommendations), byId(c.recommendations), `${what}: recommendations`, 1e-12);
  }
  const notes = (list) => list.map((n) => `${n.code}: ${words(n.message)}`).sort();
  assert.deepEqual(notes(p.notes), notes(c.notes), `${what}: notes`);
}

test('ltvlab analyze and the page give the same report on the same file', () => {
  const files = [
    // [what, path, CLI arguments, page options]
    ['the bundled sample', 'www/sample/sample-orders.csv', [], undefined],
    ['the UCI Online Retail II sample (no dropout identified)', 'tests/data/online_retail_II_sample.csv', ['--margin', '0.3'], { predict: { margin: 0.3 } }],
    ['a basket file', 'tests/browser/fixtures/baskets.csv', [], undefined],
    ['a weekly summary file', 'tests/browser/fixtures/summary_weekly.csv', ['--period', 'week'], { summary: { period: 'week' } }],
    ['a named model and a horizon', 'tests/browser/fixtures/orders.csv', ['--model', 'pareto', '--horizon', '6'], { predict: { model: 'pareto', horizon_months: 6 } }],
    ['a group column and items', 'tests/browser/fixtures/channel-shop.csv', ['--group', 'channel', '--margin', '0.4'], { ingest: { mapping: { group: 'channel' } }, predict: { margin: 0.4 } }],
  ];
  // A 0001 and a 9999 typo: both doors leave the 0001 purchase out of the
  // summary (outlying_purchases 1) and count the funnel's customers alike.
  // Only these sections: its 12 customers put Gamma-Gamma on a flat ridge
  // where the doors' optimisers stop apart (as the subscription shop below).
  {
    const file = 'tests/fixtures/hostile/outlying_dates.csv';
    const c = cli('analyze', '--json', `${ROOT}${file}`);
    const p = page(readFileSync(`${ROOT}${file}`), undefined);
    assert.equal(c.summary.outlying_purchases, 1);
    assert.equal(p.summary.outlying_purchases, 1);
    assert.equal(p.summary.customers.customer_id.length, c.summary.customers);
    assert.equal(p.repeat_funnel.overall.customers, c.summary.customers);
    same(p.repeat_funnel, c.repeat_funnel, 'dates decades away: repeat_funnel', 0);
  }
  // A subscription shop: its deliveries have nearly one value per
  // subscriber, so its Gamma-Gamma spend fit runs to a bound where the two
  // doors' optimisers stop at different points of a flat ridge; the
  // subscription section itself (counts, ratios and a well-identified sBG
  // fit) and the notes' codes must agree.
  const file = 'tests/browser/fixtures/subscription.csv';
  const c = cli('analyze', '--json', '--margin', '0.4', `${ROOT}${file}`);
  const p = page(readFileSync(`${ROOT}${file}`), { predict: { margin: 0.4 } });
  assert.ok(c.subscription?.fit && c.subscription.evidence === 'flag' && c.subscription.margin === 0.4, JSON.stringify(c.subscription)?.slice(0, 200));
  same(p.subscription, c.subscription, 'a subscription shop: subscription');
  assert.deepEqual(p.notes.map((n) => n.code).sort(), c.notes.map((n) => n.code).sort(), 'a subscription shop: note codes');
  for (const [what, file, args, options] of files) {
    const c = cli('analyze', '--json', ...args, `${ROOT}${file}`);
    const p = page(readFileSync(`${ROOT}${file}`), options);
    assertSameReport(p, c, what);
  }
});

test('a shop where nobody bought twice gets the same report and the same notes', () => {
  // `ltvlab generate --small-shop --seed 5`: 51 customers, no repeat purchase.
  const dir = mkdtempSync(join(tmpdir(), 'ltvlab-report-'));
  const file = join(dir, 'small_shop_5.csv');
  const csv = execFileSync('cargo', ['run', '--release', '--quiet', '--', 'generate', '--small-shop', '--seed', '5'], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  writeFileSync(file, csv);
  const c = cli('analyze', '--json', file);
  const p = page(readFileSync(file), undefined);
  assert.ok(c.notes.some((n) => n.code === 'predict_failed'), JSON.stringify(c.notes));
  assertSameReport(p, c, 'small shop 5');
});
