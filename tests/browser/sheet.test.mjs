// The one-page summary (1枚サマリー, www/sections/sheet.js) in headless
// Chromium: its figures are the page's own (the KPI cards, the F2 line, the
// 許容CPO card), it names the next actions by segment, it reads as Japanese
// in the Japanese page, and printed it is the only thing on one A4 page.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium, startServer } from '../../scripts/browser.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
// The generated Japanese sample (scripts/lib.sh ensure_sample): 20,000 lines.
const SAMPLE_FILE = `${ROOT}www/sample/sample-orders.csv`;
const SETTLE_TIMEOUT_MS = 120_000;

let server;
let siteUrl;
let browser;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ child: server, url: siteUrl } = await startServer('/ltvlab/'));
  browser = await launchChromium([]);
});

after(async () => {
  await browser?.close();
  server?.kill();
});

// Latin text a Japanese sheet may hold: metric and file names.
const LATIN_ALLOWED = [/LTV\s*:\s*CAC/g, /ltvlab/g, /sample-orders\.csv/g];

test('the one-page summary shows the page\'s own figures and actions, in Japanese, on one printed page', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(siteUrl);
  await page.getByTestId('lang').selectOption('ja');
  await page.getByTestId('file-input').setInputFiles(SAMPLE_FILE);
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: SETTLE_TIMEOUT_MS });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'done', await page.getByTestId('error').textContent());
  await page.waitForSelector('[data-testid="whatif"][data-state="done"]', { timeout: SETTLE_TIMEOUT_MS });
  await page.getByTestId('lever-margin-number').fill('40');
  await page.waitForFunction(() => document.querySelector('[data-testid="allowable-cpo"]')?.getAttribute('data-margin') === '0.4', null, { timeout: SETTLE_TIMEOUT_MS });
  await page.waitForSelector('[data-testid="whatif"][data-state="done"]', { timeout: SETTLE_TIMEOUT_MS });

  // The print dialog cannot open headless: count the call instead.
  await page.evaluate(() => {
    globalThis.printed = 0;
    globalThis.print = () => { globalThis.printed++; };
  });
  assert.ok(await page.getByTestId('print-summary').isVisible());
  assert.equal(await page.getByTestId('print-summary').textContent(), '1ページ要約を印刷・PDF保存');
  await page.getByTestId('print-summary').click();
  assert.equal(await page.evaluate(() => globalThis.printed), 1);
  assert.equal(await page.evaluate(() => document.body.dataset.print), 'sheet');

  const figure = (/** @type {string} */ key) => page.locator(`[data-testid="sheet-figures"] [data-figure="${key}"] dd`).textContent();
  const card = (/** @type {string} */ id) => page.locator(`[data-testid="${id}"] dd`).getAttribute('data-full');
  for (const [key, id] of [['customers', 'kpi-customers'], ['orders', 'kpi-orders'], ['revenue', 'kpi-revenue'], ['aov', 'kpi-aov'], ['repeat_rate', 'kpi-repeat-rate']]) {
    assert.equal(await figure(key), await card(id), `${key}: the sheet and the card`);
  }
  // F2: the funnel section's rate; LTV and 許容CPO: the card's model row at the typed margin.
  assert.match(await page.getByTestId('funnel-f2').textContent(), new RegExp(`^F2転換率 ${(await figure('f2')).replace('.', '\\.')}（`));
  const cpoCell = (/** @type {string} */ column) => page.locator(`[data-testid="cpo-table"] tr[data-ltv="model"] td[data-column="${column}"]`).textContent();
  assert.equal(await figure('ltv'), await cpoCell('allowable'));
  assert.equal(await figure('cpo'), `${await cpoCell('allowable')} / ${await cpoCell('target')}`);
  assert.match(await page.locator('[data-testid="sheet-figures"] [data-figure="ltv"] dt').textContent(), /粗利率 40%/);

  // The actions: the three segments with the most revenue (lost and
  // hibernating customers are not worth a paid action), each with its action.
  const actions = await page.locator('[data-testid="sheet-actions"] li').evaluateAll((items) => items.map((li) => [li.getAttribute('data-segment'), li.textContent]));
  const named = actions.filter(([segment]) => segment !== 'overdue');
  assert.equal(named.length, 3, JSON.stringify(actions));
  for (const [segment, text] of named) {
    assert.ok(!['lost', 'hibernating'].includes(segment), `${segment} has no paid action`);
    assert.match(text, /人・売上構成比 [\d.]+%）：/);
  }
  const shares = named.map(([, text]) => Number(text.match(/売上構成比 ([\d.]+)%/)[1]));
  assert.deepEqual(shares, [...shares].sort((a, b) => b - a), 'largest revenue first');

  // Japanese throughout: no run of three Latin words.
  let text = await page.getByTestId('summary-sheet').innerText();
  for (const allowed of LATIN_ALLOWED) text = text.replace(allowed, ' ');
  assert.deepEqual(text.match(/[A-Za-z][A-Za-z'’]*(?:[ ,]+[A-Za-z][A-Za-z'’]*){2,}/g) ?? [], [], 'English in the Japanese sheet');

  // Printed: the sheet alone, on one A4 page.
  await page.emulateMedia({ media: 'print' });
  assert.ok(await page.getByTestId('summary-sheet').isVisible());
  assert.ok(await page.getByTestId('kpi-customers').isHidden(), 'the dashboard is not printed with the sheet');
  await page.getByTestId('summary-sheet').screenshot({ path: `${ARTIFACTS}summary-sheet-ja.png` });
  const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  writeFileSync(`${ARTIFACTS}summary-sheet-ja.pdf`, pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  assert.equal(pages, 1, 'the summary fits one page');

  // After printing, the page is the dashboard again.
  await page.emulateMedia({ media: 'screen' });
  await page.evaluate(() => globalThis.dispatchEvent(new Event('afterprint')));
  assert.equal(await page.evaluate(() => document.body.dataset.print), undefined);
  assert.ok(await page.getByTestId('summary-sheet').isHidden());
  assert.deepEqual(errors, []);
  await page.close();
});

test('the printed report keeps the customer table\'s prediction columns and the what-if table', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(siteUrl);
  await page.getByTestId('file-input').setInputFiles(SAMPLE_FILE);
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: SETTLE_TIMEOUT_MS });
  await page.waitForSelector('[data-testid="whatif"][data-state="done"]', { timeout: SETTLE_TIMEOUT_MS });
  await page.emulateMedia({ media: 'print' });
  // Printed at A4 width, not the screen's.
  await page.setViewportSize({ width: 794, height: 1123 });
  const row = page.locator('[data-testid="customers-table"] tbody tr').first();
  for (const column of ['p_alive', 'expected_purchases', 'clv']) {
    const cell = row.locator(`td[data-column="${column}"]`);
    assert.equal(await cell.count(), 1, `${column} is a column of the table`);
    assert.ok(await cell.isVisible(), `${column} is printed`);
    assert.notEqual((await cell.textContent()).trim(), '', `${column} has a value`);
  }
  assert.ok(await page.getByTestId('whatif-table').isVisible(), 'the what-if table is printed');
  assert.ok(await page.locator('[data-testid="whatif-table"] tr[data-row]').first().isVisible());
  // The controls are not.
  assert.ok(await page.getByTestId('file-input').isHidden());
  assert.ok(await page.getByTestId('lever-margin').isHidden());
  assert.ok(await page.getByTestId('summary-sheet').isHidden(), 'the one-page summary prints only on its own button');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the one-page summary of a small shop carries the model LTV card\'s caveat, and still fits one page', async () => {
  // small-shop-13.csv: the weak prior sets the pace of leaving (the CLI's
  // predictions.base.dropout_from_prior, tests/analyze_cli.rs), so the model
  // LTV card says its values rest on the model's default assumption; the
  // printed sheet, which may be handed on, says it too. The sample, whose
  // data show customers leaving, has no such line (the test above).
  const page = await browser.newPage();
  await page.goto(siteUrl);
  await page.getByTestId('lang').selectOption('ja');
  await page.getByTestId('file-input').setInputFiles(`${ROOT}tests/browser/fixtures/small-shop-13.csv`);
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: SETTLE_TIMEOUT_MS });
  await page.waitForSelector('[data-testid="whatif"][data-state="done"]', { timeout: SETTLE_TIMEOUT_MS });
  await page.evaluate(() => { globalThis.print = () => {}; });
  await page.getByTestId('print-summary').click();
  const caveat = await page.locator('[data-testid="summary-sheet"] li[data-finding="ltv-caveat"]').textContent();
  assert.equal(caveat, 'まだデータから離脱のペースが読み取れないため（期間が短い、またはリピーターが少ないため）、そのペースはモデルの既定の仮定によるものです。目安としてご覧ください。');
  assert.ok((await page.locator('[data-testid="kpi-ltv-model"] .how').textContent()).endsWith(caveat));
  await page.emulateMedia({ media: 'print' });
  const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  assert.equal((pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length, 1, 'the summary fits one page');
  await page.emulateMedia({ media: 'screen' });
  await page.getByTestId('lang').selectOption('en');
  await page.close();
});
