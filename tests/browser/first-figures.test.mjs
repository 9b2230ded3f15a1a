// The dashboard's first figures (issue #17 item 5): the worker posts what
// needs no model (KPIs of the orders, cohorts, the repeat funnel, deciles,
// ranks) as soon as the summary is done, the page draws it, and the sections
// that need the fitted models say "fitting the model…" until the models
// arrive. body[data-first-figures] marks the first figures drawn;
// body[data-state=done] still means the whole dashboard, models included.
//
// The models are held back in the page (an init script delays the worker's
// `result` message until the test releases it), so the tests look at the
// page between the two messages without timing anything.
//
// Needs `build_wasm` (www/pkg), `ensure_sample` (www/sample) and the release
// binary, as scripts/test runs them before `node --test tests/browser/`.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium, startServer } from '../../scripts/browser.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SAMPLE_FILE = `${ROOT}www/sample/sample-orders.csv`;
const BASE = '/ltvlab/';
const SETTLE_TIMEOUT_MS = 60_000;
// The same tolerance app.test.mjs uses for model numbers: wasm and native fits
// stop at slightly different points of the same optimum. Within wasm, one
// call and two phases run the same code: their numbers are equal.
const MODEL_TOLERANCE = 1e-3;
// The sections that need a fitted model, and those that do not (index.html's data-section).
const MODEL_SECTIONS = ['customers', 'charts', 'whatif', 'segments', 'allowable_cpo'];
const DESCRIPTIVE_SECTIONS = ['cohorts', 'repeat_funnel', 'deciles', 'rfm_ranks'];
const DESCRIPTIVE_KPIS = ['kpi-customers', 'kpi-orders', 'kpi-revenue', 'kpi-aov', 'kpi-repeat-rate'];
const MODEL_KPIS = ['kpi-churn', 'kpi-alive', 'kpi-ltv-formula', 'kpi-ltv-model', 'kpi-revenue-12m'];
const PENDING = { en: 'Fitting the model… this part follows in a moment.', ja: 'モデルを推定しています…この欄はまもなく表示されます。' };

let server;
let siteUrl;
let browser;
let wasm;
const consoleErrors = [];

before(async () => {
  ({ child: server, url: siteUrl } = await startServer(BASE));
  browser = await launchChromium(['--disable-quic']);
  wasm = await import(`${ROOT}www/pkg/ltvlab.js`);
  await wasm.default({ module_or_path: readFileSync(`${ROOT}www/pkg/ltvlab_bg.wasm`) });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

// ---- the wasm door -----------------------------------------------------------

/** `finishInPhases` on `bytes`: the first figures, the models, or the error thrown after the first figures. */
function inPhases(bytes, options) {
  const analysis = new wasm.Analysis(options);
  analysis.push(bytes);
  let first = null;
  try {
    const models = analysis.finishInPhases(undefined, (result) => {
      first = result;
    });
    analysis.free();
    return { first, models, error: null };
  } catch (error) {
    return { first, models: null, error };
  }
}

/** `finishDashboard` on `bytes`, in one call. */
function inOne(bytes, options) {
  const analysis = new wasm.Analysis(options);
  analysis.push(bytes);
  const result = analysis.finishDashboard();
  analysis.free();
  return result;
}

/** A copy without the what-if (a wasm object, compared by its presence). */
function plain({ whatif, ...rest }) {
  return { ...rest, whatif: Boolean(whatif) };
}

function smallShop5() {
  // `ltvlab generate --small-shop --seed 5`: 51 customers, nobody bought twice
  // (report.test.mjs: the note predict_failed).
  return execFileSync('cargo', ['run', '--release', '--quiet', '--', 'generate', '--small-shop', '--seed', '5'], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
}

test('the first figures and the models together are finishDashboard\'s result: nothing differs, nothing crosses twice', () => {
  const cases = [
    ['the sample', readFileSync(SAMPLE_FILE), undefined],
    ['a shop with channels', readFileSync(`${FIXTURES}channel-shop.csv`), { ingest: { mapping: { group: 'channel' } } }],
    ['a shop where nobody bought twice', smallShop5(), undefined],
    ['baskets', readFileSync(`${FIXTURES}baskets.csv`), undefined],
    ['a weekly summary file', readFileSync(`${FIXTURES}summary_weekly.csv`), { summary: { period: 'week' } }],
  ];
  for (const [what, bytes, options] of cases) {
    const { first, models, error } = inPhases(bytes, options);
    assert.equal(error, null, `${what}: ${error?.message}`);
    const whole = inOne(bytes, options);
    assert.equal(first.models_pending, true, what);
    assert.equal(whole.models_pending, false, what);
    for (const key of ['predictions', 'model_choice', 'segments', 'allowable_cpo', 'groups', 'validation', 'whatif']) {
      assert.equal(first[key], null, `${what}: ${key} waits for the models`);
    }
    // The models carry no descriptive section: those cross once, in the
    // first figures. The exceptions are two small ones: order_gap, which
    // comes again with explains_holdout decided against the models' holdout,
    // and large_orders, with the share of the forecast its customers hold.
    assert.deepEqual(
      Object.keys(models).sort(),
      ['allowable_cpo', 'groups', 'large_orders', 'model_choice', 'notes', 'order_gap', 'predictions', 'recommendations_pending', 'segments', 'validation', 'whatif'],
      what,
    );
    const merged = { ...first, ...models, notes: [...first.notes, ...models.notes], models_pending: false };
    assert.deepEqual(plain(merged), plain(whole), what);
    models.whatif?.free();
    whole.whatif?.free();
  }
});

test('an error of the models phase comes after the first figures, which stand', () => {
  // A margin above 1 is refused by the predictions (the models phase), not by the summary.
  const { first, models, error } = inPhases(readFileSync(SAMPLE_FILE), { predict: { margin: 1.5 } });
  assert.equal(models, null);
  assert.ok(error instanceof Error && !(error instanceof WebAssembly.RuntimeError), String(error));
  assert.equal(error.code, 'options');
  assert.match(error.message, /margin must be between 0 and 1, got 1.5/);
  assert.ok(first?.summary && first.cohorts && first.repeat_funnel && first.deciles && first.rfm_ranks, 'the first figures came');
});

// ---- the page ------------------------------------------------------------------

/**
 * A page whose analysis worker's `result` message (the models) waits until
 * `window.releaseModels()`; `window.heldModels` counts the messages held.
 * `patch`, when given, rewrites app/analysis.js as served (a context of its
 * own, without the service worker).
 */
async function openHeldPage({ patch } = {}) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  if (patch) {
    await context.route('**/app/analysis.js', async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, body: patch(await response.text()) });
    });
  }
  await context.addInitScript(() => {
    const held = [];
    let holding = true;
    Object.assign(window, {
      heldModels: 0,
      releaseModels: () => {
        holding = false;
        for (const deliver of held.splice(0)) deliver();
      },
    });
    const Real = window.Worker;
    window.Worker = class extends Real {
      addEventListener(type, listener, options) {
        if (type !== 'message') return super.addEventListener(type, listener, options);
        return super.addEventListener(type, (event) => {
          if (holding && event.data?.type === 'result') {
            window.heldModels++;
            held.push(() => listener(event));
          } else {
            listener(event);
          }
        }, options);
      }
    };
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  await page.goto(siteUrl);
  return { page, context };
}

async function firstFiguresDrawn(page) {
  await page.waitForSelector('body[data-first-figures]', { timeout: SETTLE_TIMEOUT_MS });
}

async function settle(page, want) {
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: SETTLE_TIMEOUT_MS });
  const state = await page.evaluate(() => document.body.dataset.state);
  assert.equal(state, want, `page state (error shown: ${JSON.stringify(await page.getByTestId('error').textContent())})`);
}

const section = (page, name) => page.locator(`section[data-section="${name}"]`);

/** The KPI cards' values and the descriptive sections' text: what must not change when the models arrive. */
async function descriptiveFigures(page) {
  const figures = {};
  for (const id of DESCRIPTIVE_KPIS) figures[id] = await page.getByTestId(id).getAttribute('data-value');
  // textContent: innerText is empty for a section off screen (content-visibility: auto).
  for (const name of DESCRIPTIVE_SECTIONS) figures[name] = await section(page, name).textContent();
  return figures;
}

/** The model sections' status lines: {section: [data-state, text]}. */
async function statusLines(page) {
  return page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('[data-testid="models-status"]')].map((line) => [
      line.closest('section').dataset.section ?? 'kpis',
      [line.dataset.state, line.textContent],
    ]),
  ));
}

/** Visible runs of three or more Latin words (as app.test.mjs's englishRuns, for this page's files). */
async function englishRuns(page, fileText) {
  const allowed = [/BG\/NBD/g, /Pareto\/NBD/g, /Gamma-Gamma/g, /UTF-8/g, /Shift_JIS/g, /LTV\s*:\s*CAC/g, /ltvlab/g];
  let text = await page.evaluate(() => document.body.innerText);
  for (const pattern of allowed) text = text.replace(pattern, ' ');
  const runs = text.match(/[A-Za-z][A-Za-z'’]*(?:[ ,]+[A-Za-z][A-Za-z'’]*){2,}/g) ?? [];
  return runs.filter((run) => !fileText.includes(run));
}

test('the first figures are drawn before the models, whose sections say they are being fitted, in either language', async () => {
  const { page, context } = await openHeldPage();
  await page.getByTestId('sample').click();
  await firstFiguresDrawn(page);
  await page.waitForFunction(() => window.heldModels === 1, null, { timeout: SETTLE_TIMEOUT_MS });
  // Still working: the whole dashboard is not drawn yet, and the progress goes on.
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'working');
  assert.ok(await page.getByTestId('progress').isVisible(), 'the progress stays until the models are in');
  for (const id of DESCRIPTIVE_KPIS) assert.ok(Number(await page.getByTestId(id).getAttribute('data-value')) > 0, id);
  for (const id of MODEL_KPIS) assert.ok(await page.getByTestId(id).isHidden(), `${id} waits for the models`);
  for (const name of DESCRIPTIVE_SECTIONS) assert.ok(await section(page, name).isVisible(), `${name} is drawn at once`);
  assert.ok((await page.locator('[data-testid="chart-cohorts"] canvas').count()) >= 1, 'the cohort chart is drawn');
  // Each model section: visible, its content hidden, and one status line.
  const lines = await statusLines(page);
  for (const name of [...MODEL_SECTIONS, 'kpis']) {
    assert.deepEqual(lines[name], ['pending', PENDING.en], `${name}: ${JSON.stringify(lines)}`);
  }
  for (const name of MODEL_SECTIONS) {
    assert.equal(await section(page, name).getAttribute('data-models'), 'pending', name);
    assert.ok(await section(page, name).locator('[data-testid="models-status"]').isVisible(), name);
  }
  assert.ok(await page.getByTestId('customers-table').isHidden(), 'no table without its model columns');
  assert.equal(await page.getByTestId('recommendations').getAttribute('data-recommendations'), 'computing');
  const before = await descriptiveFigures(page);

  // In Japanese the status is the Japanese sentence, and no English shows.
  await page.getByTestId('lang').selectOption('ja');
  const ja = await statusLines(page);
  for (const name of [...MODEL_SECTIONS, 'kpis']) assert.deepEqual(ja[name], ['pending', PENDING.ja], name);
  assert.deepEqual(await englishRuns(page, readFileSync(SAMPLE_FILE, 'utf8')), [], 'English in the Japanese page');
  await page.getByTestId('lang').selectOption('en');

  await page.evaluate(() => window.releaseModels());
  await settle(page, 'done');
  assert.deepEqual(await statusLines(page), {}, 'no status line once the models are in');
  for (const name of MODEL_SECTIONS) assert.equal(await section(page, name).getAttribute('data-models'), null, name);
  for (const id of MODEL_KPIS) assert.ok(Number(await page.getByTestId(id).getAttribute('data-value')) > 0, id);
  await page.waitForSelector('[data-testid="customers-table"] tbody tr');
  assert.ok((await page.locator('[data-testid="chart-ltv"] canvas').count()) >= 1, 'the LTV chart is drawn');
  assert.ok((await page.locator('[data-testid="chart-cohorts"] canvas').count()) >= 1, 'the cohort chart stays');
  assert.deepEqual(await descriptiveFigures(page), before, 'the first figures are the final ones');
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('the finished page shows the one-call analysis\'s numbers, in English and Japanese', async () => {
  // The reference: finishDashboard in one call (the page's numbers before the
  // two phases; report.test.mjs checks it against `ltvlab analyze --json`).
  const whole = inOne(readFileSync(SAMPLE_FILE), undefined);
  whole.whatif?.free();
  const { base, formula } = whole.predictions;
  const expected = {
    'kpi-customers': whole.summary.customers.customer_id.length,
    'kpi-ltv-model': base.mean_clv,
    'kpi-revenue-12m': base.expected_revenue,
    'kpi-alive': base.mean_p_alive,
    'kpi-churn': formula.churn_rate,
    'kpi-ltv-formula': formula.formula_ltv,
  };
  for (const lang of ['en', 'ja']) {
    const { page, context } = await openHeldPage();
    await page.getByTestId('lang').selectOption(lang);
    await page.getByTestId('sample').click();
    await firstFiguresDrawn(page);
    const first = await descriptiveFigures(page);
    await page.evaluate(() => window.releaseModels());
    await settle(page, 'done');
    for (const [id, value] of Object.entries(expected)) {
      const shown = Number(await page.getByTestId(id).getAttribute('data-value'));
      assert.ok(Math.abs(shown - value) <= MODEL_TOLERANCE * Math.max(1, Math.abs(value)), `${lang} ${id}: page ${shown}, one call ${value}`);
    }
    assert.deepEqual(await descriptiveFigures(page), first, `${lang}: the first figures are the final ones`);
    assert.equal(await page.getByTestId('model-choice').getAttribute('data-reason'), whole.model_choice.reason, lang);
    if (lang === 'ja') assert.deepEqual(await englishRuns(page, readFileSync(SAMPLE_FILE, 'utf8')), [], 'English in the Japanese page');
    await context.close();
  }
});

test('an error in the models phase leaves the first figures and says so in the model sections', async () => {
  // A margin above 1 is refused by the predictions: the page never sends one,
  // so the test rewrites the page's options as served.
  const patch = (text) => {
    const from = 'const options = { ingest };';
    assert.ok(text.includes(from), 'app/analysis.js builds its options as expected');
    return text.replace(from, 'const options = { ingest, predict: { margin: 1.5 } };');
  };
  const { page, context } = await openHeldPage({ patch });
  await page.evaluate(() => window.releaseModels()); // nothing held: the error comes at once
  await page.getByTestId('sample').click();
  await settle(page, 'done');
  assert.ok(await page.getByTestId('error').isHidden(), 'not a dead page: no page-wide error');
  for (const id of DESCRIPTIVE_KPIS) assert.ok(Number(await page.getByTestId(id).getAttribute('data-value')) > 0, id);
  for (const name of DESCRIPTIVE_SECTIONS) assert.ok(await section(page, name).isVisible(), `${name} stays`);
  const lines = await statusLines(page);
  for (const name of [...MODEL_SECTIONS, 'kpis']) {
    assert.equal(lines[name]?.[0], 'failed', `${name}: ${JSON.stringify(lines)}`);
    assert.match(lines[name][1], /^The model could not be fitted, so this part is left out: .*margin.*1\.5/, name);
  }
  assert.ok(await page.getByTestId('recommendations').isHidden(), 'no recommendations without the models');
  await page.getByTestId('lang').selectOption('ja');
  const ja = await statusLines(page);
  for (const name of [...MODEL_SECTIONS, 'kpis']) assert.match(ja[name][1], /^モデルを推定できなかったため、この欄は表示できません：/, name);
  assert.deepEqual(await englishRuns(page, readFileSync(SAMPLE_FILE, 'utf8')), [], 'English in the Japanese page');
  // The next file analyses normally.
  await page.getByTestId('lang').selectOption('en');
  await page.getByTestId('file-input').setInputFiles(`${FIXTURES}orders.csv`);
  await settle(page, 'done');
  assert.equal(await page.getByTestId('kpi-customers').getAttribute('data-value'), '4');
  await context.close();
});

test('a shop whose model cannot be fitted keeps today\'s page: the note, no status line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltvlab-first-'));
  const file = join(dir, 'small_shop_5.csv');
  writeFileSync(file, smallShop5());
  const { page, context } = await openHeldPage();
  await page.getByTestId('file-input').setInputFiles(file);
  await firstFiguresDrawn(page);
  await page.evaluate(() => window.releaseModels());
  await settle(page, 'done');
  assert.deepEqual(await statusLines(page), {});
  assert.ok((await page.locator('li[data-code="predict_failed"]').count()) >= 1, 'the note predict_failed');
  for (const id of MODEL_KPIS) assert.ok(await page.getByTestId(id).isHidden(), `${id}: no model, no card`);
  assert.equal(await page.getByTestId('kpi-customers').getAttribute('data-value'), '51');
  await context.close();
});
