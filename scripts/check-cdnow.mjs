// Drives the page on one orders file (scripts/check-cdnow gives CDNOW) and
// checks that its churn, "still buying" and segment numbers tell one story,
// and the CLI's: the model the CLI chose, mean P(alive) as the CLI computes
// it, the segments' customer-weighted P(alive) equal to the KPI, the lapsed
// share labelled as observed. Prints the numbers; screenshots go to
// tests/browser/artifacts/cdnow*.png.
//
// Usage: node scripts/check-cdnow.mjs ORDERS.csv
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium, startServer } from './browser.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ARTIFACTS = `${ROOT}tests/browser/artifacts/`;
// wasm and native fits stop at slightly different points of the same optimum.
const MODEL_TOLERANCE = 1e-3;

const file = process.argv[2];
if (!file) throw new Error('usage: node scripts/check-cdnow.mjs ORDERS.csv');
const cli = JSON.parse(execFileSync(`${ROOT}target/release/ltvlab`, ['analyze', '--json', file], {
  encoding: 'utf8',
  maxBuffer: 512 * 1024 * 1024,
}));
const base = cli.predictions.base;

const { child, url } = await startServer();
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  await page.getByTestId('file-input').setInputFiles(file);
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: 300_000 });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'done', await page.getByTestId('error').textContent());
  const kpi = async (id) => page.getByTestId(id).getAttribute('data-value');
  const close = (a, b, what) => assert.ok(Math.abs(a - b) <= MODEL_TOLERANCE * Math.max(1, Math.abs(b)), `${what}: page ${a}, cli ${b}`);

  const identified = await page.getByTestId('kpi-alive').getAttribute('data-identified');
  const churn = Number(await kpi('kpi-churn'));
  const churnLabel = await page.locator('[data-testid="kpi-churn"] dt').textContent();
  const reason = await page.getByTestId('model-choice').getAttribute('data-reason');
  const choice = await page.getByTestId('model-choice').textContent();
  const report = {
    customers: Number(await kpi('kpi-customers')),
    model: cli.model_choice.model,
    reason,
    dropout_identified: base.dropout_identified,
    churn_label: churnLabel,
    lapsed_share: churn,
    mean_p_alive_page: identified === 'true' ? Number(await kpi('kpi-alive')) : null,
    mean_p_alive_cli: base.mean_p_alive,
  };
  assert.equal(report.customers, cli.summary.customers);
  assert.equal(reason, cli.model_choice.reason);
  assert.match(churnLabel, /^Lapsed/);
  close(churn, cli.predictions.formula.churn_rate, 'lapsed share');
  assert.equal(identified, String(base.dropout_identified));
  if (base.dropout_identified) {
    close(report.mean_p_alive_page, base.mean_p_alive, 'mean P(alive)');
    // The segments' P(alive) is the KPI's model: the customer-weighted mean is the KPI.
    const rows = cli.segments.segments.filter((s) => s.customers > 0 && s.mean_p_alive !== null);
    const weighted = rows.reduce((a, s) => a + s.customers * s.mean_p_alive, 0) / rows.reduce((a, s) => a + s.customers, 0);
    close(weighted, base.mean_p_alive, 'segments vs KPI');
    report.segments_weighted_p_alive = weighted;
    report.segments = Object.fromEntries(rows.map((s) => [s.segment, { customers: s.customers, mean_p_alive: s.mean_p_alive }]));
  } else {
    assert.equal(await page.locator('[data-testid="kpi-alive"] dd').textContent(), '—');
  }
  report.model_choice_text = choice;
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}cdnow.png`, fullPage: true });
  await page.getByTestId('lang').selectOption('ja');
  await page.screenshot({ path: `${ARTIFACTS}cdnow-ja.png`, fullPage: true });
  console.log(JSON.stringify(report, null, 2));
  console.log('cdnow: one story on the page and in the CLI');
} finally {
  await browser.close();
  child.kill();
}
