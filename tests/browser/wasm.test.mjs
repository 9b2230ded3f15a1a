// The wasm boundary, without a browser: the built www/pkg imported in Node and
// called the way the worker and the calculator widget call it, with good and
// bad inputs. Bad inputs must come back as `Error`s with the core's lower-case
// message, never as a trap (`WebAssembly.RuntimeError`), and the module must
// keep working after them.
//
// Needs `build_wasm` (www/pkg) and `ensure_sample` (www/sample), as scripts/test
// runs them before `node --test tests/browser/`.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SAMPLE = `${ROOT}www/sample/sample-orders.csv`;
// wasm and native fits stop at slightly different points of the same optimum
// (the same tolerance as app.test.mjs uses for the KPIs).
const MODEL_TOLERANCE = 1e-3;
// Sums of the same terms in the same order: only rounding differs.
const ROUNDING = 1e-9;

let wasm;
let sample;

before(async () => {
  wasm = await import(`${ROOT}www/pkg/ltvlab.js`);
  await wasm.default({ module_or_path: readFileSync(`${ROOT}www/pkg/ltvlab_bg.wasm`) });
  sample = readFileSync(SAMPLE);
});

/** Runs `f` and returns the Error it throws; fails if it throws nothing or traps. */
function thrown(f) {
  try {
    f();
  } catch (error) {
    assert.ok(!(error instanceof WebAssembly.RuntimeError), `a trap, not an error: ${error.message}`);
    assert.ok(error instanceof Error, `not an Error: ${error}`);
    return error;
  }
  assert.fail('no error');
}

function analyze(bytes, options) {
  const analysis = new wasm.Analysis(options);
  for (let at = 0; at < bytes.length; at += 64 * 1024) analysis.push(bytes.subarray(at, at + 64 * 1024));
  return analysis.finish();
}

// One analysis of the sample serves the what-if tests (a fit takes a second).
let sampleResult;
function sampleAnalysis() {
  sampleResult ??= analyze(sample, undefined);
  return sampleResult;
}

function cli(...args) {
  const out = execFileSync('cargo', ['run', '--release', '--quiet', '--', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out);
}

function assertClose(actual, expected, relative, what) {
  const scale = Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= relative * scale, `${what}: wasm ${actual}, expected ${expected}`);
}

test('preview reads the head and names the columns', () => {
  const head = sample.subarray(0, sample.indexOf(0x0a, 4096) + 1);
  const { report, rows, roles } = wasm.preview(head, { ingest: {} });
  assert.deepEqual(report.columns.slice(0, 3), ['order_id', 'customer_id', 'order_date']);
  assert.equal(report.mapping.find((m) => m.role === 'customer').name, 'customer_id');
  assert.ok(rows.length > 0 && rows.length <= 20);
  assert.ok(roles.includes('customer') && roles.includes('amount'));
});

test('bad files and bad options are errors with a message, and the module keeps working', () => {
  const cases = [
    // [what, call, the message must match]
    ['binary bytes', () => wasm.preview(new Uint8Array([0, 1, 2, 0, 0, 255, 0, 10]), undefined), /binary|cannot|not/],
    ['an empty file', () => analyze(new Uint8Array(), undefined), /empty/],
    ['an unknown top-level option', () => new wasm.Analysis({ colour: 'red' }), /unknown field `colour`/],
    ['an unknown nested option', () => new wasm.Analysis({ ingest: { delimeter: ';' } }), /unknown field `delimeter`/],
    ['an unknown section', () => new wasm.Analysis({ sections: ['summary', 'horoscope'] }), /unknown variant `horoscope`/],
    ['a wrong type', () => new wasm.Analysis({ predict: { horizon_months: 'twelve' } }), /invalid type/],
    ['an unknown model', () => new wasm.Analysis({ predict: { model: 'magic' } }), /unknown variant `magic`/],
    ['a formula input out of range', () => wasm.simulateFormula({ churn: 2 }, undefined), /churn/],
  ];
  for (const [what, call, pattern] of cases) {
    const error = thrown(call);
    assert.match(error.message, pattern, what);
    assert.equal(error.message[0], error.message[0].toLowerCase(), `${what}: "${error.message}" starts lower-case`);
  }
  // Still usable after all of that.
  assert.ok(wasm.simulateFormula(undefined, undefined).baseline.ltv > 0);
});

test('errors carry their code and the values their message names, beside the English message', () => {
  const encoder = new TextEncoder();
  const cases = [
    // [what, call, code, params (a subset)]
    ['an empty file', () => analyze(new Uint8Array(), undefined), 'empty', {}],
    ['NUL bytes', () => analyze(new Uint8Array([0x61, 0x62, 0, 0, 0x0a, 0x63]), undefined), 'binary', { count: 2, bytes: 6 }],
    ['no date column', () => analyze(encoder.encode('customer_id,amount\nA,1\n'), undefined), 'no_date_column', { columns: '"customer_id", "amount"' }],
    ['a summary value that is not finite', () => analyze(encoder.encode('customer_id,frequency,recency,T\nA,1,inf,10\n'), undefined),
      'summary_not_finite', { line: 2, column: 'recency', value: 'inf' }],
    ['a mapping to a missing column', () => analyze(encoder.encode('customer_id,order_date,amount\nA,2024-01-01,1\n'), { ingest: { mapping: { customer: 'email' } } }),
      'unknown_column', { column: 'email' }],
    ['an unknown option', () => new wasm.Analysis({ colour: 'red' }), 'options', {}],
  ];
  for (const [what, call, code, params] of cases) {
    const error = thrown(call);
    assert.equal(error.code, code, `${what}: ${error.message}`);
    assert.equal(typeof error.params, 'object', what);
    for (const [name, value] of Object.entries(params)) assert.equal(error.params[name], value, `${what}: ${name} in ${JSON.stringify(error.params)}`);
  }
});

test('options as documented are accepted', () => {
  const result = analyze(sample, {
    ingest: { mapping: { customer: 'customer_id' }, today: '2025-01-31' },
    summary: { period: 'week' },
    predict: { model: 'bgnbd', horizon_months: 6, monthly_discount_rate: 0.01, margin: 0.5 },
    recommend: { k: 3, items: 10, customers: 10 },
    sections: ['summary', 'predictions'],
  });
  assert.equal(result.summary.period, 'week');
  assert.equal(result.predictions.base.horizon_months, 6);
  assert.equal(result.recommendations, null);
  assert.equal(result.validation, null);
  assert.equal(result.whatif, null);
});

test('finishDashboard then recommend gives what finish gives, recommendations last', () => {
  const baskets = readFileSync(`${ROOT}/tests/browser/fixtures/baskets.csv`);
  const summaryFile = new TextEncoder().encode('customer_id,frequency,recency,T,monetary_value\na,2,30,60,10\nb,0,0,40,0\n');
  const cases = [
    // [what, bytes, sections (all when undefined)]
    ['the sample', sample, ['summary', 'predictions', 'recommendations']],
    ['baskets (no summary)', baskets, undefined],
    ['a summary file (no items: a note)', summaryFile, ['summary', 'recommendations']],
  ];
  for (const [what, bytes, sections] of cases) {
    const options = { sections };
    const whole = analyze(bytes, options);
    const analysis = new wasm.Analysis(options);
    analysis.push(bytes);
    const dashboard = analysis.finishDashboard();
    assert.equal(dashboard.recommendations, null, what);
    assert.equal(dashboard.recommendations_pending, true, what);
    assert.equal(whole.recommendations_pending, false, what);
    assert.match(thrown(() => analysis.push(bytes)).message, /after the input has ended/, what);
    const { recommendations, notes } = analysis.recommend();
    assert.deepEqual(recommendations, whole.recommendations, what);
    // finish's notes are the dashboard's plus the recommender's, in some order.
    const codes = (list) => list.map((n) => `${n.code}: ${n.message}`).sort();
    assert.deepEqual(codes([...dashboard.notes, ...notes]), codes(whole.notes), what);
    whole.whatif?.free();
    dashboard.whatif?.free();
  }
  assert.ok(analyze(summaryFile, { sections: ['summary', 'recommendations'] }).notes.some((n) => n.code === 'no_items'));
  // Without finishDashboard there is nothing to recommend from: an error, not a trap.
  const fresh = new wasm.Analysis(undefined);
  fresh.push(sample);
  assert.match(thrown(() => fresh.recommend()).message, /no pending recommendations/);
  // A result without the recommendations section leaves nothing pending.
  const without = new wasm.Analysis({ sections: ['summary'] });
  without.push(sample);
  assert.equal(without.finishDashboard().recommendations_pending, false);
  without.free();
});

test('finishDashboard and recommend report each stage to their progress callbacks, which cannot break them', () => {
  const stages = ['ingest', 'summary', 'sections', 'models', 'simulator', 'segments', 'validation', 'result'];
  const calls = [];
  const analysis = new wasm.Analysis(undefined);
  analysis.push(sample);
  const reported = analysis.finishDashboard((stage, done, total) => calls.push([stage, done, total]));
  assert.deepEqual(calls, stages.map((stage, done) => [stage, done, stages.length]));
  // A callback that throws is only a reporter: the result is the same.
  const again = new wasm.Analysis(undefined);
  again.push(sample);
  let thrownCount = 0;
  const despite = again.finishDashboard(() => {
    thrownCount++;
    throw new Error('a broken progress bar');
  });
  assert.equal(thrownCount, stages.length);
  assert.deepEqual(despite.predictions.base, reported.predictions.base);
  assert.deepEqual(despite.notes, reported.notes);
  for (const result of [reported, despite]) result.whatif?.free();
  again.free();

  // recommend() reports its own stages the same way.
  calls.length = 0;
  const { recommendations } = analysis.recommend((stage, done, total) => calls.push([stage, done, total]));
  assert.ok(recommendations.items.length > 0);
  assert.deepEqual(calls, [['evaluation', 0, 3], ['recommender', 1, 3], ['lists', 2, 3]]);
});

test('expectBytes sizes the columns without changing any result', () => {
  // The sample is longer than the 256 KiB head, so the reservation runs.
  assert.ok(sample.length > 256 * 1024);
  const sections = ['summary', 'predictions', 'recommendations', 'cohorts', 'segments'];
  const without = analyze(sample, { sections });
  // The true size, a size too small, and one far too large for memory (the
  // reservation fails and the columns grow as they fill).
  for (const size of [sample.length, 1000, 1e11]) {
    const analysis = new wasm.Analysis({ sections });
    analysis.expectBytes(size);
    for (let at = 0; at < sample.length; at += 64 * 1024) analysis.push(sample.subarray(at, at + 64 * 1024));
    assert.deepEqual(analysis.finish(), without, `expectBytes(${size})`);
  }
});

test('finish returns a what-if object whose baseline and scenario match the CLI', () => {
  const { whatif, predictions, validation } = sampleAnalysis();
  assert.ok(whatif instanceof wasm.WhatIf);
  assert.ok(predictions && validation);

  // No levers: the scenario is the baseline (simulate's documented contract).
  const still = whatif.run(undefined, { draws: 0 });
  assert.equal(still.scenario.ltv_per_customer.value, still.baseline.ltv_per_customer.value);

  const scenario = { retention_points: 5, aov_change: 0.1 };
  const run = whatif.run(scenario, { draws: 0 });
  // Source of the expected values: `ltvlab simulate` on the same file with the same levers.
  const expected = cli('simulate', SAMPLE, '--retention', '+5pt', '--aov', '+10%', '--draws', '0', '--json');
  for (const side of ['baseline', 'scenario']) {
    for (const key of ['ltv_per_customer', 'revenue_existing', 'revenue_new']) {
      assertClose(run[side][key].value, expected[side][key].value, MODEL_TOLERANCE, `${side} ${key}`);
    }
  }
  assert.deepEqual(run.sensitivity.map((s) => s.lever), expected.sensitivity.map((s) => s.lever));
  assert.ok(run.scenario.ltv_per_customer.value > run.baseline.ltv_per_customer.value);

  // The curve ends at the LTV per customer: both are the same sum (simulate's module doc).
  for (const side of ['baseline', 'scenario']) {
    const curve = run.cumulative_value[side];
    assert.equal(curve.length, run.horizon_months + 1);
    assertClose(curve.at(-1), run[side].ltv_per_customer.value, ROUNDING, `${side} curve end`);
    for (let m = 1; m < curve.length; m++) assert.ok(curve[m] >= curve[m - 1], `${side} curve rises at ${m}`);
  }

  // A second worker's copy, fitted from the posted summary with the model the
  // dashboard chose, gives the same numbers: the same data and the same
  // deterministic fit as the predictions' own.
  const copy = wasm.WhatIf.fromSummary(sampleAnalysis().summary, sampleAnalysis().model_choice.model);
  assert.equal(run.baseline.parameters.model, sampleAnalysis().model_choice.model);
  assert.deepEqual(copy.run(scenario, { draws: 20 }), whatif.run(scenario, { draws: 20 }));
  copy.free();
  assert.match(thrown(() => wasm.WhatIf.fromSummary({ period: 'day' })).message, /summary: missing field/);

  // With draws, an interval around the same point.
  const full = whatif.run(scenario, { draws: 50, seed: 3 });
  const ltv = full.scenario.ltv_per_customer;
  assert.equal(ltv.value, run.scenario.ltv_per_customer.value);
  assert.ok(ltv.low < ltv.value && ltv.value < ltv.high);
});

test('what-if rejects unknown levers and out-of-range values with a message', () => {
  const { whatif } = sampleAnalysis();
  const cases = [
    [() => whatif.run({ retention: 5 }, undefined), /unknown field `retention`/],
    [() => whatif.run({ loyalty: { rebate: 0.02, lift: 3 } }, undefined), /unknown field `lift`/],
    [() => whatif.run(undefined, { draw: 10 }), /unknown field `draw`/],
    [() => whatif.run({ discount: 1 }, { draws: 0 }), /discount must be in \[0, 1\)/],
    [() => whatif.run({ aov_change: -1 }, { draws: 0 }), /aov change must be above -1/],
    [() => whatif.run(undefined, { draws: -1 }), /invalid/],
    [() => whatif.run(undefined, { horizon_months: 0, draws: 0 }), /horizon/],
    [() => whatif.run(undefined, { confidence: 1, draws: 0 }), /confidence must be between 0 and 1/],
  ];
  for (const [call, pattern] of cases) assert.match(thrown(call).message, pattern);
  // The object is still usable.
  assert.ok(whatif.run(undefined, { draws: 0 }).baseline.ltv_per_customer.value > 0);
});

test('CLV intervals contain each customer\'s CLV', () => {
  const { predictions, summary, model_choice: choice } = sampleAnalysis();
  assert.match(thrown(() => wasm.clvIntervals(summary, undefined, 5, 0)).message, /bootstrap samples must be between 10 and 100000, got 5/);
  assert.match(thrown(() => wasm.clvIntervals({ period: 'day' }, undefined, 10, 0)).message, /summary: missing field/);
  assert.match(thrown(() => wasm.clvIntervals(summary, { modle: 'bgnbd' }, 10, 0)).message, /unknown field `modle`/);
  // The bootstrap refits the model the analysis chose.
  const intervals = wasm.clvIntervals(summary, { model: choice.model }, 10, 0);
  const { clv } = predictions.customers;
  assert.equal(intervals.clv_low.length, summary.customers.customer_id.length);
  assert.equal(intervals.samples, 10);
  assert.equal(intervals.level, 0.9);
  // bootstrap widens each interval to contain its estimate (ltvlab::bootstrap docs).
  for (let i = 0; i < clv.length; i++) {
    assert.ok(intervals.clv_low[i] <= clv[i] * (1 + 1e-6) + 1e-9, `low ≤ clv for row ${i}`);
    assert.ok(intervals.clv_high[i] >= clv[i] * (1 - 1e-6) - 1e-9, `high ≥ clv for row ${i}`);
    // The value range is a range of values, 0 or more; it need not contain the mean.
    assert.ok(intervals.value_low[i] >= 0 && intervals.value_low[i] <= intervals.value_high[i], `value range of row ${i}`);
  }
});

test('the what-if model\'s CLV intervals, in steps, equal those of its summary posted back', () => {
  const { summary, whatif, model_choice: choice } = sampleAnalysis();
  // A large shop's bootstrap runs on the summary the analysis worker's model
  // keeps (www/worker/intervals.js), a piece at a time between the page's
  // requests, instead of in a helper's copy: the same data and seed, so the
  // same numbers, bit for bit, whatever the size of the steps.
  const posted = wasm.clvIntervals(summary, { model: choice.model }, 10, 0);
  /** The intervals from startIntervals, stepping `customers` at a time; and the steps taken. */
  const stepped = (customers, seed = 0) => {
    whatif.startIntervals({ model: choice.model }, 10, seed);
    let steps = 0;
    while (!whatif.stepIntervals(customers)) steps++;
    return { intervals: whatif.finishIntervals(), steps };
  };
  for (const customers of [1, 50, 1_000_000]) {
    const { intervals, steps } = stepped(customers);
    assert.equal(intervals.clv_low.length, summary.customers.customer_id.length);
    assert.deepEqual(intervals, posted, `${customers} customers a step`);
    // At least a draw, a spend refit and a valuation for each resample.
    assert.ok(steps >= 3 * 10 - 1, `${steps} steps`);
  }
  // finishIntervals does what is left.
  whatif.startIntervals({ model: choice.model }, 10, 0);
  whatif.stepIntervals(5);
  assert.deepEqual(whatif.finishIntervals(), posted);
  // Another seed gives other resamples: the comparison above can fail.
  assert.notDeepEqual(stepped(100, 1).intervals.clv_low, posted.clv_low);
  assert.match(thrown(() => whatif.startIntervals(undefined, 5, 0)).message, /bootstrap samples must be between 10 and 100000, got 5/);
  assert.match(thrown(() => whatif.stepIntervals(10)).message, /no CLV-interval bootstrap under way/);
});

test('the holdout validation matches ltvlab analyze', () => {
  const { validation, model_choice: choice } = sampleAnalysis();
  // Source: `ltvlab analyze` on the same file: both choose the model the same way.
  const report = cli('analyze', SAMPLE, '--json');
  const expected = report.validation;
  // (The explanations quote MAEs to 4 places, where wasm and native fits may differ.)
  assert.equal(choice.model, report.model_choice.model);
  assert.equal(choice.reason, report.model_choice.reason);
  assert.equal(validation.model, expected.model);
  assert.equal(validation.calibration_end, expected.calibration_end);
  assert.equal(validation.customers, expected.customers);
  assert.equal(validation.actual_total, expected.actual_total);
  assertClose(validation.predicted_total, expected.predicted_total, MODEL_TOLERANCE, 'predicted total');
  assert.deepEqual(validation.by_frequency.map((b) => b.frequency), ['0', '1', '2', '3', '4', '5', '6', '7+']);
  assert.equal(validation.tracking.length, expected.tracking.length);
});
