// The page as a user lives it, in headless Chromium: try the sample, upload a
// file and read the numbers, survive hostile and broken files, and never talk
// to anything but the page's own server.
//
// The site is served under a subpath (/ltvlab/) to prove every URL is relative.
// Screenshots go to tests/browser/artifacts/ (gitignored).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium, startServer } from '../../scripts/browser.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
const BASE = '/ltvlab/';
const SETTLE_TIMEOUT_MS = 60_000;
const PAGE_ROWS = 50;
// The public real data sets committed in tests/data (see its README).
const REAL_DATA = fileURLToPath(new URL('../data/', import.meta.url));
const SAMPLE_FILE = `${ROOT}www/sample/sample-orders.csv`;
// wasm and native fits stop at slightly different points of the same optimum.
const MODEL_TOLERANCE = 1e-3;

let server;
let siteUrl;
let browser;
let context;
const requests = [];
const dialogs = [];
const consoleErrors = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ child: server, url: siteUrl } = await startServer(BASE));
  browser = await launchChromium(['--disable-quic']);
  context = await browser.newContext();
  // Context-wide, so requests from the page's worker are seen too.
  context.on('request', (request) => requests.push(request.url()));
});

after(async () => {
  await browser?.close();
  server?.kill();
});

test('the sample data gives customers, and the keyboard reaches it', async () => {
  const page = await openPage();
  const sample = page.getByRole('button', { name: 'Try sample data' });
  await sample.focus();
  await page.keyboard.press('Enter');
  await settle(page, 'done');

  const customers = Number(await kpi(page, 'kpi-customers'));
  assert.ok(customers > 0, `expected customers > 0, got ${customers}`);
  await page.waitForSelector('[data-testid="customers-table"] tbody tr');
  const rows = await page.locator('[data-testid="customers-table"] tbody tr').count();
  assert.equal(rows, Math.min(customers, PAGE_ROWS));
  assert.ok((await page.getByTestId('ingest-report').textContent()).includes('Rows read'));
  for (const id of ['kpi-ltv-model', 'kpi-ltv-formula', 'kpi-churn', 'kpi-revenue-12m']) {
    assert.ok(Number(await kpi(page, id)) > 0, `${id} > 0`);
    assert.ok((await page.getByTestId(id).locator('.how').textContent()).length > 20, `${id} explains itself`);
  }
  assert.equal(await page.locator('.chart canvas').count() >= 2, true, 'both charts are drawn');
  await recommendationsDone(page);
  assert.ok(await page.getByTestId('recommendations').isVisible());
  assert.equal(await page.getByTestId('recs-computing').isVisible(), false);
  assert.ok((await page.getByTestId('recs-verdict').textContent()).includes('best-seller'));
  assert.ok((await page.locator('[data-testid="recs-items"] li').count()) > 0);
  assert.ok((await page.locator('[data-testid="recs-customers"] li').count()) > 0);
  // The pickers hold their chosen option until first used, then all of them.
  const picker = page.locator('#recs-customer');
  assert.equal(await picker.locator('option').count(), 1);
  await picker.focus();
  const listed = await picker.locator('option').count();
  const expected = Number((await page.locator('[data-testid="recs-customers"] [data-role="how"]').textContent()).match(/[\d,]+/)[0].replaceAll(',', ''));
  assert.equal(listed, expected, 'every listed customer is in the picker');
  await picker.selectOption(String(listed - 1));
  assert.equal(await picker.inputValue(), String(listed - 1));
  assert.ok((await page.locator('[data-testid="recs-customers"] li').count()) > 0);
  // Segments and cohorts, from the core's segments and cohorts modules.
  assert.ok(await page.getByTestId('segments').isVisible());
  assert.ok((await page.locator('[data-testid="segments-table"] tbody tr').count()) >= 3);
  assert.ok(await page.locator('[data-testid="segments-table"] tr[data-segment="champions"]').isVisible());
  assert.ok(await page.getByTestId('cohorts').isVisible());
  assert.equal(await page.locator('[data-testid="chart-cohorts"] canvas').count() >= 1, true);

  // Sorting by CLV ascending puts the smallest value first.
  const clvHeader = page.locator('[data-testid="customers-table"] button[data-sort="clv"]');
  await clvHeader.click(); // it was sorted descending: now ascending
  await page.waitForFunction(() => document.querySelector('[data-testid="customers-table"] th[aria-sort="ascending"]'));
  await page.waitForTimeout(100);
  await assertSorted(page, 'clv', 'ascending');

  // Search narrows the table to matching ids.
  const firstId = await page.locator('[data-testid="customers-table"] tbody th').first().textContent();
  await page.getByTestId('customer-search').fill(firstId);
  await page.waitForFunction(
    (id) => [...document.querySelectorAll('[data-testid="customers-table"] tbody th')].every((th) => th.textContent.includes(id)),
    firstId,
  );
  await page.getByTestId('customer-search').fill('');

  await page.screenshot({ path: `${ARTIFACTS}sample-light.png`, fullPage: true });
  await page.getByTestId('theme').selectOption('dark');
  await page.screenshot({ path: `${ARTIFACTS}sample-dark.png`, fullPage: true });
  await page.getByTestId('theme').selectOption('auto');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(200);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at phone width`);
  await page.screenshot({ path: `${ARTIFACTS}sample-phone.png`, fullPage: true });
  await page.close();
});

test('an uploaded CSV gives exact KPIs', async () => {
  const page = await openPage();
  assert.equal(await page.getByLabel('Choose a file…').count(), 1, 'the file input has a label');
  await upload(page, `${FIXTURES}orders.csv`);
  await settle(page, 'done');
  await assertOrdersKpis(page);
  await page.screenshot({ path: `${ARTIFACTS}orders.png`, fullPage: true });
  await page.close();
});

test('guest orders: the orders and revenue cards and the one-page summary say what they leave out', async () => {
  // fixtures/shopify-guests.csv: 31 orders without an e-mail (guests) among
  // 60 customers' orders; the CLI's summary counts them and their revenue.
  const file = `${FIXTURES}shopify-guests.csv`;
  const { summary } = cliAnalyze(file);
  assert.equal(summary.guest_orders, 31);
  assert.ok(summary.guest_revenue > 0, `guest revenue ${summary.guest_revenue}`);
  const page = await openPage();
  await upload(page, file);
  await settle(page, 'done');
  assert.equal(Number(await kpi(page, 'kpi-orders')), summary.orders, 'the card counts the customers\' orders only');
  const money = (lang) => new Intl.NumberFormat(lang, { style: 'currency', currency: 'JPY' }).format(summary.guest_revenue);
  const how = async (id) => (await page.getByTestId(id).locator('.how').textContent()).trim();
  const en = `Guest orders without a customer id (31 orders, ${money('en-US')}) are not included.`;
  for (const id of ['kpi-orders', 'kpi-revenue']) assert.ok((await how(id)).endsWith(en), `${id}: ${await how(id)}`);
  assert.ok(!(await how('kpi-aov')).includes('Guest'), 'the average order value is of like with like');
  await page.getByTestId('lang').selectOption('ja');
  const ja = `顧客IDのないゲスト注文（31件・${money('ja-JP')}）は含みません。`;
  for (const id of ['kpi-orders', 'kpi-revenue']) assert.ok((await how(id)).endsWith(ja), `${id}: ${await how(id)}`);
  // The print dialog cannot open headless: the button fills the sheet all the same.
  await page.evaluate(() => { globalThis.print = () => {}; });
  await page.getByTestId('print-summary').click();
  assert.equal(await page.getByTestId('sheet-guests').textContent(), ja);
  await page.getByTestId('lang').selectOption('en'); // the choice is remembered for the next pages
  await page.close();

  // Without guests, no such sentence.
  const plain = await openPage();
  await upload(plain, `${FIXTURES}orders.csv`);
  await settle(plain, 'done');
  assert.equal(await plain.getByTestId('kpi-orders').locator('.how').textContent(), 'Distinct orders; an order on several lines counts once, fully returned orders not at all.');
  await plain.close();
});

test('the revenue card names the column it sums and says when shipping is left out', async () => {
  // Exports differ: Shopify's Subtotal and BASE's 価格 × 数量 leave the
  // shipping out (their Shipping / 送料 column is not used), as does
  // Yahoo!ショッピング's UnitPrice × Quantity (its ShipCharge), Rakuten's
  // 合計金額 has it. The card names its source, so its figure can be checked
  // against the shop's own screens; it claims "no shipping" only where the
  // source is known to hold the goods alone.
  const INGEST = `${ROOT}tests/fixtures/ingest/`;
  /** @type {[string, string, string][]} file, English, Japanese */
  const cases = [
    [`${FIXTURES}shopify-guests.csv`,
      'The “Subtotal” column, summed, returns subtracted. Shipping (the “Shipping” column) is not included.',
      '「Subtotal」列の合計から返品を差し引いた額。送料（「Shipping」列）は含みません。'],
    [`${INGEST}base_orders_sjis.csv`,
      '“価格” × “数量”, summed, returns subtracted. Shipping (the “送料” column) is not included.',
      '「価格」×「数量」の合計から返品を差し引いた額。送料（「送料」列）は含みません。'],
    [`${FIXTURES}yahoo-shipcharge.csv`,
      '“UnitPrice” × “Quantity”, summed, returns subtracted. Shipping (the “ShipCharge” column) is not included.',
      '「UnitPrice」×「Quantity」の合計から返品を差し引いた額。送料（「ShipCharge」列）は含みません。'],
    [`${INGEST}rakuten_rms_legacy_sjis.csv`,
      'The “合計金額” column, summed, returns subtracted.',
      '「合計金額」列の合計から返品を差し引いた額。'],
  ];
  for (const [file, en, ja] of cases) {
    const page = await openPage();
    await upload(page, file);
    await settle(page, 'done');
    const how = async () => (await page.getByTestId('kpi-revenue').locator('.how').textContent()).trim();
    assert.ok((await how()).startsWith(en), `${file}: ${await how()}`);
    await page.getByTestId('lang').selectOption('ja');
    assert.ok((await how()).startsWith(ja), `${file}: ${await how()}`);
    await page.evaluate(() => { globalThis.print = () => {}; });
    await page.getByTestId('print-summary').click();
    assert.ok((await page.getByTestId('sheet-revenue-source').textContent()).startsWith(`売上：${ja}`), file);
    await page.getByTestId('lang').selectOption('en'); // the choice is remembered for the next pages
    await page.close();
  }
});

test('guest checkouts with an e-mail address are customers, joined to the member with that address', async () => {
  // tests/fixtures/ingest/makeshop_guest_member_utf8.csv (by hand in
  // tests/ingest_corpus.rs): four rows without a 会員ID but with an address;
  // nakamura@example.com is member nakamura22's, yamaguchi@example.com no
  // one's. 3 customers, 6 orders, no guest order; the report says so.
  const file = `${ROOT}tests/fixtures/ingest/makeshop_guest_member_utf8.csv`;
  const { summary } = cliAnalyze(file);
  assert.equal(summary.customers, 3);
  assert.equal(summary.guest_orders, 0);
  const page = await openPage();
  await upload(page, file);
  await settle(page, 'done');
  assert.equal(Number(await kpi(page, 'kpi-customers')), 3);
  assert.equal(Number(await kpi(page, 'kpi-orders')), 6);
  const customersHow = async () => (await page.getByTestId('kpi-customers').locator('.how').textContent()).trim();
  assert.ok((await customersHow()).endsWith('Rows without a customer id but with an e-mail address count as that address’s customer.'), await customersHow());
  const warning = page.locator('[data-testid="warnings"] li[data-code="email_ids"]');
  assert.match(await warning.textContent(), /^4 rows have no customer id in "会員ID" but an e-mail address in "メールアドレス" .*1 of those addresses belongs to a member/);
  await page.getByTestId('lang').selectOption('ja');
  assert.ok((await customersHow()).endsWith('顧客IDが空欄でもメールアドレスがある行は、そのアドレスのお客様として数えています。'), await customersHow());
  assert.ok((await warning.textContent()).startsWith('会員IDが空欄の注文（ゲスト購入）は、メールアドレスでお客様を識別しました。会員と同じメールアドレスの注文は、その会員の購入履歴に含めています。'), await warning.textContent());
  await page.getByTestId('lang').selectOption('en'); // the choice is remembered for the next pages
  await page.close();
});

test('a ledger without customer ids tells customers apart by phone number, or by name when that column is chosen', async () => {
  // tests/fixtures/ingest/phone_order_ledger_sjis.csv (by hand in
  // tests/ingest_corpus.rs): 電話番号 written five ways for four customers,
  // a walk-in at 000-0000-0000 and a row without a number (2 guest orders,
  // ￥2,160). お客様名 chosen instead gives the same four (店頭 is no one's name).
  const file = `${ROOT}tests/fixtures/ingest/phone_order_ledger_sjis.csv`;
  const { summary } = cliAnalyze(file);
  assert.deepEqual([summary.customers, summary.guest_orders], [4, 2]);
  const page = await openPage();
  await page.getByTestId('lang').selectOption('ja');
  await upload(page, file);
  await settle(page, 'done');
  const customerRole = page.locator('[data-testid="mapping"] select[data-role="customer"]');
  assert.equal(await customerRole.inputValue(), '#4'); // 電話番号
  assert.equal(Number(await kpi(page, 'kpi-customers')), 4);
  assert.equal(Number(await kpi(page, 'kpi-orders')), 8);
  const customersHow = async () => (await page.getByTestId('kpi-customers').locator('.how').textContent()).trim();
  assert.equal(await customersHow(), '1回以上注文した人の数。顧客IDではなく電話番号でお客様を見分けています（番号のない行はゲストとして数えません）。');
  const ordersHow = (await page.getByTestId('kpi-orders').locator('.how').textContent()).trim();
  assert.ok(ordersHow.endsWith('電話番号のないゲスト注文（2件・￥2,160）は含みません。'), ordersHow);
  const byPhone = page.locator('[data-testid="warnings"] li[data-code="customers_by_phone"]');
  assert.ok((await byPhone.textContent()).startsWith('顧客の列が顧客IDではなく電話番号のため、電話番号でお客様を見分けています。'), await byPhone.textContent());
  const ids = async () => (await page.locator('[data-testid="customers-table"] tbody th').allTextContents()).map((t) => t.trim()).sort();
  assert.deepEqual(await ids(), ['0312345678', '07055556666', '08033334444', '09011112222']);
  await customerRole.selectOption({ label: 'お客様名' });
  await page.getByTestId('rerun').click();
  await settle(page, 'done');
  assert.equal(Number(await kpi(page, 'kpi-customers')), 4);
  assert.deepEqual(await ids(), ['佐藤花子', '山田太郎', '鈴木一郎', '高橋美咲']);
  assert.equal(await page.locator('[data-testid="warnings"] li[data-code="customers_by_phone"]').count(), 0);
  const byName = page.locator('[data-testid="warnings"] li[data-code="customers_by_name"]');
  assert.ok((await byName.textContent()).startsWith('顧客の列が顧客IDではなく氏名のため、氏名でお客様を見分けています（空白や「様」は無視）。'), await byName.textContent());
  assert.match(await byName.getAttribute('title'), /^the customer column "お客様名" holds names, not customer ids/);
  await page.getByTestId('lang').selectOption('en'); // the choice is remembered for the next pages
  await page.close();
});

test('an order whose returns exceed it is left out of the revenue, and the revenue card says so with its value', async () => {
  // tests/fixtures/ingest/hand_ledger_counters.csv (by hand in
  // src/summary.rs): M2 bought 800 and returned 1,200 (△1200). The file's
  // amounts sum to 3,200; the customers' revenue is 3,600 and the −400 order
  // is left out, which the card now says.
  const file = `${ROOT}tests/fixtures/ingest/hand_ledger_counters.csv`;
  const { ingest, summary } = cliAnalyze(file);
  assert.deepEqual([summary.customers, summary.reversed_orders, summary.reversed_revenue, ingest.stats.total_amount], [2, 1, -400, 3200]);
  const page = await openPage();
  await page.getByTestId('lang').selectOption('ja');
  await upload(page, file);
  await settle(page, 'done');
  assert.equal(Number(await kpi(page, 'kpi-revenue')), 3600); // kpi() reads the raw value
  const how = (await page.getByTestId('kpi-revenue').locator('.how').textContent()).trim();
  assert.ok(how.endsWith('返品を差し引いて0円以下になった注文（1件・合計-￥400）は含みません。'), how);
  await page.getByTestId('lang').selectOption('en');
  const en = (await page.getByTestId('kpi-revenue').locator('.how').textContent()).trim();
  assert.ok(en.endsWith('Orders worth zero or less after returns (1 order, -¥400 in all) are not included.'), en);
  await page.close();
});

test('a spreadsheet-saved export: its title block, totals row and empty rows are named, the orders read as the original', async () => {
  // tests/browser/fixtures/base-spreadsheet.csv (see fixtures/README.md):
  // BASE's export under a title block (lines 1-3), with three rows of
  // commas (lines 10, 19, 20) and a totals row (line 21). The orders are the
  // original's, by the CLI on both files.
  const file = `${FIXTURES}base-spreadsheet.csv`;
  const original = cliAnalyze(`${ROOT}tests/fixtures/ingest/base_orders_utf8.csv`).summary;
  assert.deepEqual(cliAnalyze(file).summary, original);
  const page = await openPage();
  await upload(page, file);
  await settle(page, 'done');
  assert.equal(Number(await kpi(page, 'kpi-orders')), original.orders);
  // The preview shows the header's columns and the first order, not the title.
  const preview = page.getByTestId('preview-table');
  assert.equal((await preview.locator('thead th').allTextContents())[0], '注文ID');
  assert.equal((await preview.locator('tbody tr').first().locator('td').allTextContents())[0], 'A3F1C2D4E5B6A701');
  const reasons = async () => (await page.getByTestId('skipped-by-reason').locator('li').allTextContents()).map((t) => t.trim());
  assert.deepEqual(await reasons(), ['order status is not a sale: 2', 'totals row (not an order): 1']);
  const totals = page.locator('[data-testid="skipped-rows"] tbody tr', { hasText: '¥52,400' });
  assert.deepEqual((await totals.locator('td').allTextContents()).slice(0, 3), ['21', 'totals row (not an order)', '合計,,,,,,,,,,,"¥52,400",,,,,']);
  const title = page.locator('[data-testid="warnings"] li[data-code="title_rows"]');
  assert.equal((await title.textContent()).trim(), 'lines 1-2 above the header (line 4) are a title, not rows ("BASE 注文データ（2024年1月〜3月）"); they were passed over (lines 1, 2)');
  const empty = page.locator('[data-testid="warnings"] li[data-code="empty_rows"]');
  assert.equal((await empty.textContent()).trim(), '3 rows hold only empty fields; they hold no order and were passed over (lines 10, 19, 20)');
  await page.getByTestId('lang').selectOption('ja');
  assert.deepEqual(await reasons(), ['売上ではない注文ステータス: 2', '合計行（注文ではない）: 1']);
  assert.equal((await title.textContent()).trim(), '見出し行より上の行（タイトルや出力日など）は表の一部ではないため、読み飛ばしています。（1, 2 行目）');
  assert.equal((await empty.textContent()).trim(), '区切り文字だけの空の行（「,,,」のような行。Excelなどで書式の残った空行を保存すると出ます）がありました。注文が入っていないため読み飛ばしています。（10, 19, 20 行目）');
  await page.getByTestId('lang').selectOption('en'); // the choice is remembered for the next pages
  await page.close();
});

test('a span of orders under three months is said beside the models', async () => {
  // tests/fixtures/ingest/generic_english.csv runs 37 days (see
  // tests/analyze_cli.rs): the churn card's window is days, and the model's
  // 12 months stretch them; the page says so in the notes, as the CLI does.
  const file = `${ROOT}tests/fixtures/ingest/generic_english.csv`;
  assert.ok(cliAnalyze(file).notes.some((n) => n.code === 'short_history'));
  const page = await openPage();
  await upload(page, file);
  await settle(page, 'done');
  const note = page.locator('[data-testid="notes"] li[data-code="short_history"]');
  // English adds the core's details: the number of days.
  assert.equal((await note.textContent()).trim(), 'Your orders cover less than three months: the churn rate, the formula LTV and the 12-month predictions stretch that short span into the future, so take them as rough guides. A year or more of orders gives figures to rely on. (the orders span only 37 days (fewer than 90): churn, the formula LTV and the 12-month predictions extrapolate from them)');
  await page.getByTestId('lang').selectOption('ja');
  assert.equal((await note.textContent()).trim(), '注文データの期間が3か月に満たないため、離脱率・LTV（簡易式）・今後12か月の予測は、短い期間の傾向を先まで延ばした目安です。1年以上の注文データがあれば、より確かな数字になります。');
  await page.getByTestId('lang').selectOption('en'); // the choice is remembered for the next pages
  await page.close();
  // A year and more of orders: no such note.
  const long = await openPage();
  await upload(long, `${FIXTURES}small-shop-9.csv`);
  await settle(long, 'done');
  assert.equal(await long.locator('[data-testid="notes"] li[data-code="short_history"]').count(), 0);
  await long.close();
});

test('HTML in the CSV is shown as text and never runs', async () => {
  const page = await openPage();
  await upload(page, `${FIXTURES}xss.csv`);
  await settle(page, 'done');

  const payload = '<img src=x onerror=alert(1)>';
  const customerCells = await page.locator('[data-testid="customers-table"] tbody th').allTextContents();
  assert.ok(customerCells.includes(payload), `customer ${payload} not shown literally: ${customerCells}`);
  // The row with HTML for an amount is skipped, and the report names its line and raw text.
  const skipped = await page
    .locator('[data-testid="skipped-rows"] tbody tr')
    .evaluateAll((rows) => rows.map((row) => [...row.cells].map((cell) => cell.textContent)));
  assert.deepEqual(skipped, [['5', 'unreadable amount', 'C3,A4,2024-03-01,<img src=x onerror=alert(2)>,plain']]);
  assert.equal(await page.locator('body img, body script').count(), 0, 'no element was injected');
  await page.waitForTimeout(200); // an injected onerror would have fired by now
  assert.deepEqual(dialogs, []);
  await page.screenshot({ path: `${ARTIFACTS}xss.png`, fullPage: true });
  await page.close();
});

test('broken files show an error, and the page keeps working', async () => {
  const page = await openPage();
  const broken = [
    {
      name: 'binary.csv',
      // A PNG header and NUL bytes: clearly not text.
      buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 0]),
      message: /not look like a text CSV/,
    },
    { name: 'empty.csv', buffer: Buffer.alloc(0), message: /empty/ },
  ];
  for (const file of broken) {
    await page.getByTestId('file-input').setInputFiles({ name: file.name, mimeType: 'text/csv', buffer: file.buffer });
    await settle(page, 'error');
    const message = await page.getByTestId('error').textContent();
    assert.match(message, file.message, `${file.name}: ${message}`);
    assert.ok(await page.getByTestId('error').isVisible());
    await page.screenshot({ path: `${ARTIFACTS}error-${file.name}.png`, fullPage: true });
  }

  await upload(page, `${FIXTURES}orders.csv`);
  await settle(page, 'done');
  assert.ok(await page.getByTestId('error').isHidden(), 'the old error is cleared');
  await assertOrdersKpis(page);
  await page.close();
});

// Appended to the worker's copy of pkg/ltvlab.js by the cancel test: the
// analysis reports its models stage, as the core does, then never returns,
// as a fit that never converges did (issue #13). Nothing but terminate() can
// stop a worker inside it.
const HOLD_IN_FINISH_DASHBOARD = `
Analysis.prototype.finishInPhases = function (progress) {
  progress?.('models', 3, 8);
  for (;;) {}
};
`;

test('cancel ends an analysis stuck in the wasm at once, and a fresh worker analyses the next file', async () => {
  // A context of its own: no service worker between the page and the route below.
  const held = await browser.newContext({ serviceWorkers: 'block' });
  held.on('request', (request) => requests.push(request.url()));
  let served = 0;
  await held.route('**/pkg/ltvlab.js', async (route) => {
    const response = await route.fetch();
    // Only the first worker's copy holds (the analysis worker's: its range
    // workers, worker/range-worker.js, start after it has loaded the glue);
    // the fresh one gets the real glue.
    const body = (await response.text()) + (served++ === 0 ? HOLD_IN_FINISH_DASHBOARD : '');
    await route.fulfill({ response, body });
  });
  const page = await held.newPage();
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  const closed = [];
  const started = [];
  // The analysis workers (their range workers close with them).
  page.on('worker', (worker) => {
    if (!worker.url().endsWith('/worker.js')) return;
    started.push(worker.url());
    worker.on('close', () => closed.push(worker.url()));
  });
  await page.goto(siteUrl);

  await upload(page, `${FIXTURES}orders.csv`);
  // The worker posts the stage from inside the call that never returns.
  await page.waitForSelector('[data-testid="progress"][data-stage="models"]');
  assert.equal(await page.getByTestId('progress-stage').textContent(), 'Step 4 of 8: Fitting the purchase and spend models');
  assert.equal(await page.getByTestId('progress-percent').textContent(), '37%');
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'working');
  await page.screenshot({ path: `${ARTIFACTS}cancel-busy.png`, fullPage: true });
  // The stage follows a language switch.
  await page.getByTestId('lang').selectOption('ja');
  assert.equal(await page.getByTestId('progress-stage').textContent(), '4/8 購入回数と購入単価のモデルを推定しています');
  await page.screenshot({ path: `${ARTIFACTS}cancel-busy-ja.png`, fullPage: true });
  await page.getByTestId('lang').selectOption('en');

  await page.getByTestId('cancel').click();
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'idle');
  assert.ok(await page.getByTestId('progress').isHidden());
  assert.ok(await page.getByTestId('error').isHidden());
  assert.match(await page.getByTestId('status').textContent(), /^Cancelled\. Drop a file/);
  assert.ok(await page.getByTestId('drop-zone').isVisible());
  assert.ok(await page.getByTestId('sample').isEnabled());
  assert.ok(await page.locator('.results:not([hidden])').count() === 0, 'no dashboard of the cancelled file');
  // The held worker is gone (it would never have read a message again) ...
  await waitUntil(() => closed.length === 1, 'the held worker closes');
  await page.screenshot({ path: `${ARTIFACTS}cancelled.png`, fullPage: true });
  await page.getByTestId('lang').selectOption('ja');
  assert.match(await page.getByTestId('status').textContent(), /^キャンセルしました。/);
  await page.screenshot({ path: `${ARTIFACTS}cancelled-ja.png`, fullPage: true });
  await page.getByTestId('lang').selectOption('en');

  // ... and the fresh one analyses the next file.
  await upload(page, `${FIXTURES}orders.csv`);
  await settle(page, 'done');
  await assertOrdersKpis(page);
  assert.equal(started.length, 2, 'one worker held, one fresh');
  assert.ok(served >= 2, 'the fresh worker loaded the real glue');
  await held.close();
});

test('every stage of an analysis shows its progress as a percentage', async () => {
  const page = await openPage();
  // Every change of the progress bar, as the page showed it.
  await page.evaluate(() => {
    window.progressLog = [];
    window.recsLog = [];
    const section = document.querySelector('[data-testid="progress"]');
    new MutationObserver(() => {
      const entry = {
        stage: section.dataset.stage,
        label: section.querySelector('[data-testid="progress-stage"]').textContent,
        percent: section.querySelector('[data-testid="progress-percent"]').textContent,
      };
      const last = window.progressLog.at(-1);
      if (!last || last.label !== entry.label || last.percent !== entry.percent) window.progressLog.push(entry);
    }).observe(section, { subtree: true, childList: true, characterData: true, attributes: true });
    // The recommendations, after the dashboard, in their section's "computing" line.
    const line = document.querySelector('[data-testid="recs-computing"]');
    new MutationObserver(() => {
      if (line.dataset.stage && window.recsLog.at(-1)?.text !== line.textContent) {
        window.recsLog.push({ stage: line.dataset.stage, text: line.textContent });
      }
    }).observe(line, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await page.getByTestId('sample').click();
  await settle(page, 'done');
  await recommendationsDone(page);
  const log = await page.evaluate(() => window.progressLog);
  const reading = log.filter((e) => e.stage === 'reading' && e.percent !== '');
  assert.ok(reading.length >= 2, `reading shows percentages: ${JSON.stringify(log)}`);
  assert.equal(reading.at(-1).percent, '100%');
  const stages = ['ingest', 'summary', 'sections', 'models', 'simulator', 'segments', 'validation', 'result'];
  const analysis = log.filter((e) => stages.includes(e.stage));
  assert.deepEqual(analysis.map((e) => e.stage), stages, 'each stage of the analysis, once, in order');
  analysis.forEach((entry, done) => {
    assert.match(entry.label, new RegExp(`^Step ${done + 1} of 8: `));
    // Intl's percent of the whole part done, as the worker computes it.
    assert.equal(entry.percent, `${Math.floor((done / 8) * 100)}%`);
  });
  const recs = await page.evaluate(() => window.recsLog);
  assert.deepEqual(recs.map((e) => e.stage), ['evaluation', 'recommender', 'lists'], JSON.stringify(recs));
  recs.forEach((entry, done) => {
    assert.match(entry.text, new RegExp(`^Computing recommendations, step ${done + 1} of 3 \\(${Math.floor((done / 3) * 100)}%\\): `));
  });
  await page.close();
});

// The heatmap's colour words, per language: the caption says which colour
// means "likely still buying", the legend's ends name their colours.
const HEAT_WORDS = {
  en: { low: 'dark purple', high: 'yellow', likely: /yellow[^.]*more likely/, gone: /dark purple[^.]*left/ },
  ja: { low: '濃い紫', high: '黄色', likely: /黄色[^。]*可能性が高く/, gone: /濃い紫[^。]*離れた/ },
};

test('the P(alive) heatmap\'s caption and legend agree on which colour means still active', async () => {
  const page = await openPage();
  await page.getByTestId('sample').click();
  await settle(page, 'done');
  const figure = page.getByTestId('chart-alive');
  await figure.scrollIntoViewIfNeeded();
  for (const [lang, words] of Object.entries(HEAT_WORDS)) {
    await page.getByTestId('lang').selectOption(lang);
    const caption = await figure.locator('figcaption .how').textContent();
    const low = await figure.locator('[data-end="low"]').textContent();
    const high = await figure.locator('[data-end="high"]').textContent();
    assert.match(low, /^0\s?%/, `${lang}: the left end is 0%`);
    assert.match(high, /^100\s?%/, `${lang}: the right end is 100%`);
    assert.ok(low.includes(words.low), `${lang}: the 0% end is ${words.low}: ${low}`);
    assert.ok(high.includes(words.high), `${lang}: the 100% end is ${words.high}: ${high}`);
    assert.match(caption, words.likely, `${lang}: the caption calls the 100% colour likely`);
    assert.match(caption, words.gone, `${lang}: and the 0% colour gone`);
    // Left to right: 0%, the scale, 100%.
    const [lowBox, scaleBox, highBox] = await Promise.all(
      ['[data-end="low"]', '.heat-scale', '[data-end="high"]'].map((s) => figure.locator(s).boundingBox()),
    );
    assert.ok(lowBox.x < scaleBox.x && scaleBox.x < highBox.x, `${lang}: legend order`);
    await figure.screenshot({ path: `${ARTIFACTS}heatmap-${lang}.png` });
  }
  await page.getByTestId('lang').selectOption('en');
  // The words describe the colours drawn: the legend's ends are the heatmap's
  // colours for 0 and 1, dark purple and yellow.
  const gradient = await figure.locator('.heat-scale').evaluate((el) => getComputedStyle(el).backgroundImage);
  const stops = gradient.match(/rgb\([^)]*\)/g);
  const [zero, one] = await page.evaluate(async () => {
    const { viridis } = await import(new URL('charts.js', document.baseURI).href);
    return [viridis(0), viridis(1)];
  });
  assert.equal(stops[0], zero, 'the legend starts at the heatmap\'s colour for 0%');
  assert.equal(stops.at(-1), one, 'and ends at its colour for 100%');
  const rgb = (text) => text.match(/\d+/g).map(Number);
  const [r0, g0, b0] = rgb(zero);
  const [r1, g1, b1] = rgb(one);
  assert.ok(r0 + g0 + b0 < 200 && b0 > g0 && r0 > g0, `0% is dark purple: ${zero}`);
  assert.ok(r1 > 200 && g1 > 200 && b1 < 100, `100% is yellow: ${one}`);
  await page.close();
});

test('the real orders sample gives the CLI\'s numbers', async () => {
  const file = `${REAL_DATA}online_retail_II_sample.csv`;
  const cli = cliAnalyze(file);
  const page = await openPage();
  await upload(page, file);
  await settle(page, 'done');
  const f = cli.predictions.formula;
  const base = cli.predictions.base;
  assert.equal(Number(await kpi(page, 'kpi-customers')), cli.summary.customers);
  assert.equal(Number(await kpi(page, 'kpi-orders')), cli.summary.orders);
  assertClose(Number(await kpi(page, 'kpi-aov')), f.average_order_value, 1e-9, 'aov');
  assertClose(Number(await kpi(page, 'kpi-revenue')), f.average_order_value * cli.summary.orders, 1e-9, 'revenue');
  // The page's repeat rate counts customers with 2+ orders; the CLI's
  // repeat_customers those who bought on 2+ days (frequency > 0): at least that many.
  assert.ok(Number(await kpi(page, 'kpi-repeat-rate')) >= cli.summary.repeat_customers / cli.summary.customers);
  assertClose(Number(await kpi(page, 'kpi-churn')), f.churn_rate, 1e-12, 'churn');
  assertClose(Number(await kpi(page, 'kpi-ltv-formula')), f.formula_ltv, 1e-9, 'formula LTV');
  assertClose(Number(await kpi(page, 'kpi-ltv-model')), f.model_ltv, MODEL_TOLERANCE, 'model LTV');
  assertClose(Number(await kpi(page, 'kpi-revenue-12m')), base.expected_revenue, MODEL_TOLERANCE, 'predicted revenue');
  // One story: the model the CLI chose, and, since this shop's data do not
  // show how fast customers leave (the weak prior sets it), no P(alive)
  // anywhere: words instead.
  assert.equal(cli.model_choice.model, 'mbgnbd');
  assert.equal(base.dropout_identified, false);
  assert.equal(base.dropout_from_prior, true);
  assert.equal(await page.getByTestId('model-choice').getAttribute('data-reason'), cli.model_choice.reason);
  assert.match(await page.getByTestId('model-choice').textContent(), /^Model: MBG\/NBD\./);
  assert.equal(await page.getByTestId('kpi-alive').getAttribute('data-identified'), 'false');
  assert.equal(await page.locator('[data-testid="kpi-alive"] dd').textContent(), '—');
  assert.match(await page.locator('[data-testid="kpi-alive"] .how').textContent(), /do not show customers leaving/);
  assert.match(await page.locator('[data-testid="kpi-churn"] dt').textContent(), /^Lapsed: no order in 12 months$/);
  const aliveCells = await page.locator('[data-testid="segments-table"] td[data-column="mean_p_alive"]').allTextContents();
  assert.ok(aliveCells.length > 0 && aliveCells.every((c) => c === '—'), `segment P(alive): ${aliveCells}`);
  // Nor does the customer table show a P(alive) column beside them.
  await page.waitForSelector('[data-testid="customers-table"] tbody tr');
  assert.equal(await page.locator('[data-testid="customers-table"] button[data-sort="p_alive"]').count(), 0);
  assert.equal(await page.locator('[data-testid="customers-table"] button[data-sort="clv"]').count(), 1);
  // No all-100% heatmap: a sentence instead.
  assert.equal(await page.getByTestId('chart-alive').getAttribute('data-identified'), 'false');
  assert.match(await page.locator('[data-testid="chart-alive"] [data-role="unidentified"]').textContent(), /^Not drawn: your data do not show yet how fast customers leave .*default assumption/);
  assert.match(await page.locator('[data-testid="kpi-ltv-model"] .how').textContent(), /MBG\/NBD and Gamma-Gamma.*that pace comes from the model’s default assumption/);
  // The what-if panel says its retention lever rests on assumptions here.
  assert.equal(await page.getByTestId('whatif-dropout').isVisible(), true);
  // The recommendations' verdict is the core's, in words.
  await recommendationsDone(page);
  assert.match(await page.getByTestId('recs-verdict').textContent(), /best-seller/);
  await page.screenshot({ path: `${ARTIFACTS}online-retail.png`, fullPage: true });
  await page.getByTestId('lang').selectOption('ja');
  assert.match(await page.locator('[data-testid="kpi-alive"] .how').textContent(), /離脱の傾向が読み取れません/);
  assert.match(await page.getByTestId('model-choice').textContent(), /^使用モデル：MBG\/NBD。/);
  await page.screenshot({ path: `${ARTIFACTS}online-retail-ja.png`, fullPage: true });
  await page.getByTestId('lang').selectOption('en');
  await page.close();
});

test('on the sample, churn, still buying and the segments tell one story', async () => {
  const cli = cliAnalyze(SAMPLE_FILE);
  const page = await openPage();
  await page.getByTestId('sample').click();
  await settle(page, 'done');
  const base = cli.predictions.base;
  assert.equal(base.dropout_identified, true);
  assert.equal(await page.getByTestId('model-choice').getAttribute('data-reason'), cli.model_choice.reason);
  assert.equal(await page.getByTestId('kpi-alive').getAttribute('data-identified'), 'true');
  assert.equal(await page.getByTestId('whatif-dropout').isVisible(), false);
  const alive = Number(await kpi(page, 'kpi-alive'));
  assertClose(alive, base.mean_p_alive, MODEL_TOLERANCE, 'mean P(alive)');
  // The card names the model and the complement: "the other N% have probably stopped".
  const how = await page.locator('[data-testid="kpi-alive"] .how').textContent();
  assert.ok(how.includes(cli.model_choice.model === 'pareto' ? 'Pareto/NBD' : cli.model_choice.model === 'mbgnbd' ? 'MBG/NBD' : 'BG/NBD'), how);
  assert.match(how, /The other [\d.]+% have probably stopped/);
  // The segments' P(alive) comes from the same model as the KPI: their
  // customer-weighted mean is the KPI (ltvlab::segments uses the predictions).
  const rows = cli.segments.segments.filter((s) => s.customers > 0 && s.mean_p_alive !== null);
  const weighted = rows.reduce((a, s) => a + s.customers * s.mean_p_alive, 0) / rows.reduce((a, s) => a + s.customers, 0);
  assertClose(weighted, base.mean_p_alive, 1e-9, 'segments vs KPI');
  await page.screenshot({ path: `${ARTIFACTS}sample-one-story.png`, fullPage: true });
  await page.getByTestId('lang').selectOption('ja');
  assert.match(await page.locator('[data-testid="kpi-churn"] dt').textContent(), /^離脱率（直近/);
  await page.screenshot({ path: `${ARTIFACTS}sample-one-story-ja.png`, fullPage: true });
  await page.getByTestId('lang').selectOption('en');
  await page.close();
});

test('a real basket file gives "bought together" lists and says why there is no LTV', async () => {
  const page = await openPage();
  await upload(page, `${REAL_DATA}groceries_baskets.csv`);
  await settle(page, 'done');
  assert.equal(await kpi(page, 'kpi-customers'), '');
  assert.ok(Number(await kpi(page, 'kpi-orders')) > 9000);
  await recommendationsDone(page);
  assert.ok(await page.getByTestId('recommendations').isVisible());
  assert.ok((await page.locator('[data-testid="recs-items"] .rec-list li').count()) > 0);
  assert.ok(await page.locator('[data-testid="notes"] li[data-code="no_customers"]').isVisible());
  assert.equal(await page.getByTestId('customers-table').isVisible(), false);
  const json = await downloadText(page, 'export-recs-json');
  assert.ok(JSON.parse(json).items.length > 0);
  await page.screenshot({ path: `${ARTIFACTS}groceries.png`, fullPage: true });
  await page.close();
});

test('changing the mapping through a dropdown re-runs the analysis with it', async () => {
  const page = await openPage();
  await upload(page, `${FIXTURES}orders.csv`);
  await settle(page, 'done');
  assert.equal(await kpi(page, 'kpi-customers'), '4');
  await page.screenshot({ path: `${ARTIFACTS}mapping-before.png`, fullPage: true });
  // Treat each order id as a customer: 8 orders, so 8 "customers".
  const customerRole = page.locator('[data-testid="mapping"] select[data-role="customer"]');
  assert.match(await page.locator('label:has(select[data-role="customer"])').textContent(), /^Customer/);
  await customerRole.selectOption({ label: 'order_id' });
  await page.getByTestId('rerun').click();
  await settle(page, 'done');
  assert.equal(await kpi(page, 'kpi-customers'), '8');
  const mapping = await page.getByTestId('mapping-table').textContent();
  assert.match(mapping, /Customer\s*order_id\s*2\s*you/);
  // The choice survives a second run, and the dropdown shows it.
  assert.equal(await customerRole.inputValue(), '#2');
  await page.close();
});

test('the language switch turns the page into Japanese and back', async () => {
  const page = await openPage();
  await upload(page, `${FIXTURES}orders.csv`);
  await settle(page, 'done');
  await page.getByTestId('lang').selectOption('ja');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ja');
  assert.equal((await page.getByTestId('kpi-customers').locator('dt').textContent()).trim(), '顧客数');
  assert.equal(await kpi(page, 'kpi-revenue'), '8450', 'the raw numbers do not change');
  assert.equal(await page.getByRole('button', { name: 'サンプルデータで試す' }).count(), 1);
  assert.match(await page.getByTestId('ingest-report').textContent(), /読んだ行/);
  await page.screenshot({ path: `${ARTIFACTS}orders-ja.png`, fullPage: true });
  await page.getByTestId('lang').selectOption('en');
  assert.equal((await page.getByTestId('kpi-customers').locator('dt').textContent()).trim(), 'Customers');
  await page.close();

  // A Japanese browser gets Japanese from the start.
  const ja = await browser.newContext({ locale: 'ja-JP' });
  ja.on('request', (request) => requests.push(request.url()));
  const jaPage = await ja.newPage();
  await jaPage.goto(siteUrl);
  assert.equal(await jaPage.getByTestId('sample').textContent(), 'サンプルデータで試す');
  await jaPage.getByTestId('sample').click();
  await settle(jaPage, 'done');
  await jaPage.screenshot({ path: `${ARTIFACTS}sample-ja.png`, fullPage: true });
  await ja.close();
});

test('the customer CSV has every customer, and formulas are neutralised', async () => {
  const page = await openPage();
  await upload(page, `${FIXTURES}formulas.csv`);
  await settle(page, 'done');
  const text = await downloadText(page, 'export-customers');
  assert.ok(text.startsWith('\ufeff'), 'a BOM, so spreadsheets read UTF-8');
  const lines = text.slice(1).trimEnd().split('\r\n');
  assert.equal(lines[0].split(',').slice(0, 3).join(','), 'customer_id,orders,total_spend');
  assert.equal(lines.length, 1 + 4);
  const ids = lines.slice(1).map((line) => line.match(/^("(?:[^"]|"")*"|[^,]*)/)[1]);
  assert.deepEqual(ids.sort(), [`"'=HYPERLINK(""http://example.invalid"")"`, "'+cmd", "'@SUM(A1)", '-12'].sort());
  const hyperlink = lines.find((line) => line.includes('HYPERLINK'));
  assert.match(hyperlink, /,2,150,2024-01-05,2024-02-05,/);
  await page.close();
});

test('the uPlot file in www/vendor is the one npm installed', () => {
  const vendored = readFileSync(new URL('../../www/vendor/uplot/uPlot.esm.js', import.meta.url));
  const installed = readFileSync(new URL('../../node_modules/uplot/dist/uPlot.esm.js', import.meta.url));
  assert.ok(vendored.equals(installed), 'run `npm run vendor` after changing the uplot version');
});

test('a what-if slider updates the numbers, which match ltvlab simulate', async () => {
  const page = await openPage();
  await page.getByTestId('sample').click();
  await settle(page, 'done');
  const panel = page.getByTestId('whatif');
  await page.waitForSelector('[data-testid="whatif"][data-state="done"]', { timeout: SETTLE_TIMEOUT_MS });
  const cell = (row, side) => page.locator(`[data-testid="whatif-table"] tr[data-row="${row}"] td[data-side="${side}"]`);
  const before = Number(await cell('ltv', 'scenario').getAttribute('data-value'));
  assert.equal(before, Number(await cell('ltv', 'baseline').getAttribute('data-value')), 'no lever moved: scenario = baseline');

  // Runs with draws go to a second worker with its own copy of the model.
  await page.waitForSelector('[data-testid="whatif"][data-helper="ready"]', { timeout: SETTLE_TIMEOUT_MS });
  // Five steps of the retention slider with the keyboard: +5 points.
  const slider = page.getByTestId('lever-retention_points');
  await slider.focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await slider.inputValue(), '5');
  await page.waitForFunction(
    (old) => {
      const panel = document.querySelector('[data-testid="whatif"]');
      const value = panel.querySelector('tr[data-row="ltv"] td[data-side="scenario"]')?.dataset.value;
      return panel.dataset.state === 'done' && Number(value) !== old;
    },
    before,
    { timeout: SETTLE_TIMEOUT_MS },
  );
  const after = Number(await cell('ltv', 'scenario').getAttribute('data-value'));
  assert.ok(after > before, `retention +5 pt raises LTV: ${before} → ${after}`);
  const updateMs = Number(await panel.getAttribute('data-update-ms'));
  assert.ok(Number.isFinite(updateMs), 'the panel records its update time');
  // The intervals come after the drag settles.
  assert.match(await cell('ltv', 'scenario').textContent(), /–/);
  // Each range on its own line under its figure: at 1,200 px the table's
  // four columns, the change with its range included, fit without scrolling.
  await page.setViewportSize({ width: 1200, height: 900 });
  const { scroll, client } = await page.locator('[data-testid="whatif-table"]').evaluate((t) => ({ scroll: t.parentElement.scrollWidth, client: t.parentElement.clientWidth }));
  assert.ok(scroll <= client, `the what-if table fits at 1,200 px: ${scroll} > ${client}`);

  // Source of the expected values: the CLI on the same file with the same lever.
  const out = execFileSync(
    'cargo',
    ['run', '--release', '--quiet', '--', 'simulate', `${ROOT}www/sample/sample-orders.csv`, '--retention', '+5pt', '--draws', '0', '--json'],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  const cli = JSON.parse(out);
  assertClose(after, cli.scenario.ltv_per_customer.value, MODEL_TOLERANCE, 'scenario LTV');
  assertClose(before, cli.baseline.ltv_per_customer.value, MODEL_TOLERANCE, 'baseline LTV');
  const revenue = Number(await cell('revenue_existing', 'scenario').getAttribute('data-value'));
  assertClose(revenue, cli.scenario.revenue_existing.value, MODEL_TOLERANCE, 'scenario revenue from existing customers');

  // The curve and the lever ranking are drawn; the ranking is sorted by size.
  assert.equal(await page.locator('[data-testid="chart-whatif"] canvas').count(), 1);
  const levers = JSON.parse(await page.locator('[data-testid="chart-levers"] .plot').getAttribute('data-levers'));
  assert.deepEqual(levers.map(([name]) => name), cli.sensitivity.map((s) => s.lever));
  // The holdout charts, from the core's validate module.
  assert.equal(await page.locator('[data-testid="chart-holdout"] canvas').count(), 1);
  assert.equal(await page.locator('[data-testid="chart-tracking"] canvas').count(), 1);
  await panel.screenshot({ path: `${ARTIFACTS}whatif.png` });

  // A CAC gives LTV:CAC and a payback month.
  await page.getByTestId('lever-cac').fill('50');
  await page.waitForFunction(() => {
    const panel = document.querySelector('[data-testid="whatif"]');
    return panel.dataset.state === 'done' && panel.querySelector('tr[data-row="ltv_to_cac"] td[data-side="baseline"]').dataset.value !== '';
  });
  // The slider snaps to its step, so read back the CAC it took.
  const cac = Number(await page.getByTestId('lever-cac').inputValue());
  assert.ok(cac > 0);
  const ratio = Number(await cell('ltv_to_cac', 'baseline').getAttribute('data-value'));
  assertClose(ratio, before / cac, 1e-9, 'LTV:CAC is LTV / CAC');

  // In Japanese too.
  await page.getByTestId('lang').selectOption('ja');
  assert.match(await page.locator('#whatif-heading').textContent(), /もしも/);
  await page.getByTestId('lang').selectOption('en');
  await page.close();
});

test('the customer table and CSV show each customer\'s CLV interval', async () => {
  const page = await openPage();
  await page.getByTestId('sample').click();
  await settle(page, 'done');
  await page.waitForSelector('[data-testid="customers-interval"][data-state="done"]', { timeout: SETTLE_TIMEOUT_MS });
  await page.waitForSelector('[data-testid="customers-table"] td[data-column="clv_interval"]');
  assert.match(await page.locator('[data-testid="customers-table"] td[data-column="clv_interval"]').first().textContent(), /–/);
  // The note says what the range is, and what a low end of 0 means
  // (ltvlab::bootstrap: [0, q] when more than 5% of the draws are 0).
  assert.match(await page.getByTestId('customers-interval').textContent(),
    /^The 90% range is where each customer’s actual value over the next 12 months falls 9 times in 10\. .*\(refitted on 50 resamples of your customers\)\. A range starting at \S*0(\.00)? means a chance above 5% that they buy nothing more\.$/);
  const text = await downloadText(page, 'export-customers');
  const lines = text.slice(1).trimEnd().split('\r\n');
  const header = lines[0].split(',');
  const [clv, low, high] = ['clv', 'expected_clv_low', 'expected_clv_high'].map((name) => header.indexOf(name));
  assert.ok(clv > 0 && low > 0 && high > 0, `columns: ${header}`);
  assert.equal(lines.length - 1, Number(await kpi(page, 'kpi-customers')));
  for (const line of lines.slice(1)) {
    // The sample's ids and numbers have no commas or quotes.
    const cells = line.split(',').map(Number);
    // bootstrap widens each interval to contain its estimate (ltvlab::bootstrap docs).
    assert.ok(cells[low] <= cells[clv] * (1 + 1e-6) && cells[clv] <= cells[high] * (1 + 1e-6), line);
  }
  // The page's ranges are `ltvlab predict --intervals --samples 50`'s: the
  // same resamples (seed 0 is the CLI's default too). Each resample is a
  // refit that stops at the optimiser's tolerance, so wasm's and native
  // libm's last-bit differences move the ranges by up to about 2e-7
  // relative (the point CLV by 1e-10); 1e-5 allows for that. The count is read from
  // the page's module, which imports the DOM helpers and so cannot be loaded here.
  const samples = readFileSync(`${ROOT}www/sections/customers.js`, 'utf8').match(/INTERVAL_SAMPLES = (\d+);/)[1];
  const cli = execFileSync('cargo', ['run', '--release', '--quiet', '--', 'predict', SAMPLE_FILE, '--intervals', '--samples', samples], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  }).trimEnd().split('\n');
  const cliHeader = cli[0].split(',');
  const byId = new Map(cli.slice(1).map((line) => { const cells = line.split(','); return [cells[0], cells]; }));
  const id = header.indexOf('customer_id');
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    const theirs = byId.get(cells[id]);
    assert.ok(theirs, `customer ${cells[id]} is in the CLI's predictions`);
    assertClose(Number(cells[clv]), Number(theirs[cliHeader.indexOf('clv')]), 1e-8, `clv of ${cells[id]}`);
    for (const name of ['expected_clv_low', 'expected_clv_high']) {
      assertClose(Number(cells[header.indexOf(name)]), Number(theirs[cliHeader.indexOf(name)]), RESAMPLE_TOLERANCE, `${name} of ${cells[id]}`);
    }
  }
  await page.close();
});

test('when the value ranges cannot be computed, the page says why in its own language', async () => {
  const file = `${FIXTURES}few-repeaters.csv`;
  const page = await openPage();
  await page.getByTestId('lang').selectOption('ja');
  await upload(page, file);
  await settle(page, 'done');
  const note = page.getByTestId('customers-interval');
  await page.waitForSelector('[data-testid="customers-interval"]:is([data-state="failed"], [data-state="done"])', { timeout: SETTLE_TIMEOUT_MS });
  assert.equal(await note.getAttribute('data-state'), 'failed', await note.textContent());
  // The core's bootstrap_failed with its counts (`ltvlab predict --intervals --samples 50 --seed 0`, the
  // page's samples and seed, says 22 of 50), in Japanese, with no English.
  // The data do not show how fast customers leave (the weak prior sets the
  // dropout, and the model with it does see customers leaving: mean P(alive)
  // 0.77), and the rule of thumb is below the model: the reading says the
  // model's pace of leaving is its default assumption, not that nobody has
  // left (the CLI's numbers: formula 1,952 < model 3,537).
  const { formula, base } = cliAnalyze(file).predictions;
  assert.equal(base.dropout_from_prior, true);
  assert.ok(base.mean_p_alive < 0.95, `${base.mean_p_alive}`);
  const ratio = (Math.round((formula.formula_ltv / formula.model_ltv) * 10) / 10).toString();
  assert.equal(await page.getByTestId('ltv-compare').getAttribute('data-reading'), 'prior-lower');
  assert.equal(
    await page.getByTestId('ltv-compare').textContent(),
    `簡易式はモデルの${ratio}倍です。まだデータから離脱のペースが読み取れないため（期間が短い、またはリピーターが少ないため）、モデルはそのペースを既定の仮定で置いています。簡易式は実際の離脱率（実績）を使っています。どちらも目安としてご覧ください。`,
  );
  const ja = await note.textContent();
  assert.match(ja, /^幅を計算できませんでした：顧客をリサンプリングした50回のうち、モデルを推定できたのは22回だけでした。/, ja);
  assert.deepEqual(await englishRuns(page, readFileSync(file, 'utf8')), [], 'English in the Japanese page');
  await page.getByTestId('lang').selectOption('en');
  const en = await note.textContent();
  assert.match(en, /^Ranges could not be computed: Only 22 of 50 resamples of your customers could be fitted/, en);
  await page.close();
});

// ---- helpers -----------------------------------------------------------------

async function openPage() {
  const page = await context.newPage();
  page.on('dialog', async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  await page.goto(siteUrl);
  return page;
}

test('a basket file shows its report and says what it can be used for', async () => {
  const page = await openPage();
  await upload(page, `${FIXTURES}baskets.csv`);
  await settle(page, 'done');
  assert.equal(await kpi(page, 'kpi-orders'), '20');
  assert.equal(await kpi(page, 'kpi-customers'), '');
  assert.ok((await page.getByTestId('ingest-report').textContent()).includes('one basket per line'));
  assert.match(await page.getByTestId('status').textContent(), /20 baskets .* not customer lifetime value/);
  assert.equal(await page.getByTestId('customers-table').isVisible(), false);
  await page.close();
});

test('a summary file is not read as days until its unit is chosen', async () => {
  const file = `${FIXTURES}summary_weekly.csv`;
  const page = await openPage();
  await upload(page, file);
  await settle(page, 'done');
  // No silent unit: the page asks, and shows no model numbers meanwhile.
  assert.equal(await page.locator('[data-testid="notes"] li[data-code="summary_period_needed"]').count(), 1);
  assert.equal(await page.getByTestId('kpi-ltv-model').isVisible(), false);
  assert.equal(await page.getByTestId('summary-period-field').isVisible(), true);
  await page.getByTestId('summary-period').selectOption('week');
  await page.getByTestId('rerun').click();
  await settle(page, 'done');
  assert.equal(await page.locator('[data-testid="notes"] li[data-code="summary_period_needed"]').count(), 0);
  // The CLI's numbers for the same unit: no holdout in a summary file, so MBG/NBD.
  const cli = cliAnalyze(file, '--period', 'week');
  assert.equal(cli.model_choice.reason, 'no_holdout');
  assert.equal(await page.getByTestId('model-choice').getAttribute('data-reason'), 'no_holdout');
  // The reason is not always missing dates (too few customers, too short a span): the sentence names none.
  assert.match(await page.getByTestId('model-choice').textContent(), /^Model: MBG\/NBD\. The models could not be compared on a holdout of your data, so MBG\/NBD is used/);
  assert.equal(Number(await kpi(page, 'kpi-customers')), 300);
  assertClose(Number(await kpi(page, 'kpi-ltv-model')), cli.predictions.base.mean_clv, MODEL_TOLERANCE, 'model LTV');
  await page.close();
});

// `ltvlab analyze --json` on the same file, through cargo (built once, then cached).
function cliAnalyze(file, ...extra) {
  const out = execFileSync('cargo', ['run', '--release', '--quiet', '--', 'analyze', file, '--json', ...extra], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out);
}

/** Bootstrap ranges, page against CLI: refits stop at the optimiser's tolerance (see the CLV interval test). */
const RESAMPLE_TOLERANCE = 1e-5;

function assertClose(actual, expected, relative, what) {
  const scale = Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= relative * scale, `${what}: page ${actual}, CLI ${expected}`);
}

async function assertSorted(page, key, direction) {
  const values = await page.evaluate(
    ([key]) => {
      const header = document.querySelector(`[data-testid="customers-table"] button[data-sort="${key}"]`).closest('th');
      const column = header.cellIndex;
      return [...document.querySelectorAll('[data-testid="customers-table"] tbody tr')].map((row) => row.cells[column].textContent);
    },
    [key],
  );
  const numbers = values.map((v) => Number(v.replace(/[^0-9.-]/g, '')));
  const sorted = [...numbers].sort((a, b) => (direction === 'ascending' ? a - b : b - a));
  assert.deepEqual(numbers, sorted, `${key} ${direction}`);
}

async function downloadText(page, testId) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const path = await download.path();
  return readFileSync(path, 'utf8');
}

async function upload(page, path) {
  await page.getByTestId('file-input').setInputFiles(path);
}

// Waits until the page is done or failed, then checks it is `want`, showing
// the page's error message when it is not.
async function settle(page, want) {
  await page.waitForFunction(
    () => ['done', 'error'].includes(document.body.dataset.state),
    null,
    { timeout: SETTLE_TIMEOUT_MS },
  );
  const state = await page.evaluate(() => document.body.dataset.state);
  const error = await page.getByTestId('error').textContent();
  assert.equal(state, want, `page state (error shown: ${JSON.stringify(error)})`);
}

// The recommendations come after the dashboard (data-state="done"), computed
// by the worker once the page has drawn the rest.
async function recommendationsDone(page) {
  await page.waitForSelector('[data-testid="recommendations"][data-recommendations="done"]', {
    state: 'attached',
    timeout: SETTLE_TIMEOUT_MS,
  });
}

// Polls a condition on the test's side (events Playwright reports), with
// the same bound as settle().
async function waitUntil(condition, what) {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function kpi(page, id) {
  return page.getByTestId(id).getAttribute('data-value');
}

// fixtures/orders.csv: 4 customers, 8 orders (one of them on two lines),
// revenue 8450, so 1056.25 per order, and 3 of 4 customers ordered again.
async function assertOrdersKpis(page) {
  assert.deepEqual(
    {
      customers: Number(await kpi(page, 'kpi-customers')),
      orders: Number(await kpi(page, 'kpi-orders')),
      revenue: Number(await kpi(page, 'kpi-revenue')),
      aov: Number(await kpi(page, 'kpi-aov')),
      repeatRate: Number(await kpi(page, 'kpi-repeat-rate')),
    },
    { customers: 4, orders: 8, revenue: 8450, aov: 1056.25, repeatRate: 0.75 },
  );
  const shown = await page.getByTestId('kpi-customers').locator('dd').textContent();
  assert.equal(shown.trim(), '4');
}

// A Japanese shop's export with large yen amounts and no currency column:
// 300 members, 3 orders each of ￥4,500,000 to ￥4,500,002, so revenue
// ￥4,050,000,900 (the generator below is the source of the figures).
function largeYenFile() {
  const lines = ['会員ID,注文日,金額'];
  for (let c = 0; c < 300; c++) {
    for (let o = 0; o < 3; o++) {
      const day = String(1 + ((c + o * 9) % 28)).padStart(2, '0');
      lines.push(`M${String(c).padStart(4, '0')},2024-0${1 + o * 3}-${day},${4_500_000 + o}`);
    }
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

// Every shown KPI figure fits its card: nothing clipped.
async function assertKpisFit(page, what) {
  const overflowing = await page.evaluate(() =>
    [...document.querySelectorAll('.kpi:not([hidden]) dd')]
      .filter((dd) => dd.scrollWidth > dd.clientWidth)
      .map((dd) => `${dd.closest('.kpi').dataset.testid}: ${dd.textContent} (${dd.scrollWidth} > ${dd.clientWidth})`),
  );
  assert.deepEqual(overflowing, [], `${what}: KPI figures wider than their cards`);
}

test('amounts fit their cards, and yen shows with ￥ and no decimals', async () => {
  const page = await openPage();
  await page.getByTestId('file-input').setInputFiles({ name: 'large-yen.csv', mimeType: 'text/csv', buffer: largeYenFile() });
  await settle(page, 'done');
  assert.equal(Number(await kpi(page, 'kpi-revenue')), 4_050_000_900);
  for (const lang of ['en', 'ja']) {
    await page.getByTestId('lang').selectOption(lang);
    for (const width of [1280, 800, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      await assertKpisFit(page, `large yen file, ${lang}, ${width}px`);
      const revenue = (await page.getByTestId('kpi-revenue').locator('dd').textContent()).trim();
      // In full (￥4,050,000,900) where it fits, else compact (41億円, ¥4.1B).
      const yen = lang === 'ja' ? /^(￥[\d,]+|[\d,.]+[万億]円)$/ : /^(¥[\d,]+|¥[\d.]+[KMB])$/;
      assert.match(revenue, yen, `${lang} ${width}px revenue`);
      assert.doesNotMatch(revenue, /\.\d\d$/, 'no decimals on yen');
      const aov = (await page.getByTestId('kpi-aov').locator('dd').textContent()).trim();
      assert.match(aov, lang === 'ja' ? /^(￥4,500,001|450万円)$/ : /^(¥4,500,001|¥4.5M)$/, `${lang} ${width}px AOV`);
      await page.locator('.kpis').screenshot({ path: `${ARTIFACTS}kpis-large-yen-${lang}-${width}.png` });
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByTestId('lang').selectOption('en');

  await page.getByTestId('sample').click();
  await settle(page, 'done');
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    await assertKpisFit(page, `sample, ${width}px`);
  }
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.close();
});

// fixtures/tiny-english-headers.csv: a 3-customer shop's own sheet, English
// column names, Japanese product names (煎茶, 抹茶, 急須), whole amounts, no
// currency column. Its amounts are yen; seven of its ten deciles are empty.
test('a tiny sheet with English headers and Japanese rows shows yen, and empty deciles show 0 without a minus', async () => {
  const page = await openPage();
  await page.getByTestId('lang').selectOption('ja');
  await upload(page, `${FIXTURES}tiny-english-headers.csv`);
  await settle(page, 'done');
  assert.equal(Number(await kpi(page, 'kpi-revenue')), 16_500);
  assert.equal((await page.getByTestId('kpi-revenue').locator('dd').textContent()).trim(), '￥16,500');
  assert.equal((await page.getByTestId('kpi-aov').locator('dd').textContent()).trim(), '￥2,750');
  // Cells by their text (the section below the fold has no layout yet).
  const rows = await page.getByTestId('deciles').locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));
  assert.equal(rows.length, 10);
  for (const row of rows) assert.ok(row.every((cell) => !/^-/.test(cell)), row.join(' | '));
  assert.deepEqual(rows[1].slice(0, 4), ['デシル2', '0', '￥0', '0%']);
  await page.getByTestId('lang').selectOption('en');
  assert.equal((await page.getByTestId('kpi-revenue').locator('dd').textContent()).trim(), '¥16,500');
  // The sample has Japanese product names too, but prices with cents (19.51):
  // not yen, so not rounded to yen.
  await page.getByTestId('sample').click();
  await settle(page, 'done');
  assert.match((await page.getByTestId('kpi-revenue').locator('dd').textContent()).trim(), /^[\d,]+\.\d\d$/);
  await page.close();
});

// Text a Japanese page may show in Latin letters: model and format names,
// units and ids. Anything else of three or more Latin words is English left
// untranslated.
const LATIN_ALLOWED = [/BG\/NBD/g, /Pareto\/NBD/g, /Gamma-Gamma/g, /UTF-8/g, /Shift_JIS/g, /Rakuten RMS/g, /Amazon Seller Central/g, /LTV\s*:\s*CAC/g, /ltvlab/g];

/**
 * The visible text's runs of three or more Latin words, leaving out what the
 * file itself holds (names, ids, column names) and LATIN_ALLOWED.
 */
async function englishRuns(page, fileText) {
  let text = await page.evaluate(() => document.body.innerText);
  for (const allowed of LATIN_ALLOWED) text = text.replace(allowed, ' ');
  const runs = text.match(/[A-Za-z][A-Za-z'’]*(?:[ ,]+[A-Za-z][A-Za-z'’]*){2,}/g) ?? [];
  return runs.filter((run) => !fileText.includes(run));
}

test('every message has its Japanese text: the dictionaries, every warning, note, error and diagnostic code of the core', async () => {
  const { DICTIONARIES } = await import(`${ROOT}www/i18n.js`);
  const en = Object.keys(DICTIONARIES.en);
  const ja = Object.keys(DICTIONARIES.ja);
  assert.deepEqual(en.filter((key) => !ja.includes(key)), [], 'keys without Japanese (the page would fall back to English)');
  // The codes as the core spells them: WarningCode's variants in snake_case
  // (serde rename_all), NoteCode::as_str's strings.
  const warnings = readFileSync(`${ROOT}src/ingest/report.rs`, 'utf8').match(/pub enum WarningCode \{([^}]*)\}/)[1]
    .split('\n').map((line) => line.trim()).filter((line) => /^[A-Z]\w*,$/.test(line))
    .map((variant) => variant.slice(0, -1).replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase());
  const notes = [...readFileSync(`${ROOT}src/report/note.rs`, 'utf8').matchAll(/NoteCode::\w+ => "(\w+)"/g)].map((m) => m[1]);
  // SkipReason::name's strings (the reasons the ingest report's table shows).
  const skips = [...readFileSync(`${ROOT}src/ingest/report.rs`, 'utf8').matchAll(/SkipReason::\w+ => "(\w+)"/g)].map((m) => m[1]);
  // DiagnosticCode::as_str's strings.
  const diagnostics = [...readFileSync(`${ROOT}src/diagnostic.rs`, 'utf8').matchAll(/DiagnosticCode::\w+ => "(\w+)"/g)].map((m) => m[1]);
  // ErrorCode's strings, as the error_codes! macro in src/error.rs lists them.
  const errors = [...readFileSync(`${ROOT}src/error.rs`, 'utf8').match(/error_codes! \{([^}]*)\}/)[1].matchAll(/^\s+[A-Z]\w* => "(\w+)",$/gm)]
    .map((m) => m[1]);
  assert.ok(warnings.length >= 19 && notes.length >= 11 && errors.length >= 40 && diagnostics.length >= 12 && skips.length >= 13,
    `read ${warnings.length} warning, ${notes.length} note, ${errors.length} error, ${diagnostics.length} diagnostic and ${skips.length} skip codes`);
  const missing = [...warnings.map((code) => `warning.${code}`), ...notes.map((code) => `note.${code}`), ...errors.map((code) => `error.${code}`),
    ...skips.map((code) => `skip.${code}`),
    ...diagnostics.map((code) => `diagnostic.${code}`)]
    .filter((key) => !(key in DICTIONARIES.ja) || !(key in DICTIONARIES.en));
  assert.deepEqual(missing, [], 'core codes without Japanese or English text');
});

test('the large orders\' note reads right for one order, for guests only and before the models', async () => {
  // notes.js's parameters (largeParams) for ltvlab::report::LargeOrders
  // without customers (every large order a guest's), or with one customer
  // and no forecast yet (the first figures): no "(0 customers)" and no empty
  // parentheses in either language.
  const { DICTIONARIES } = await import(`${ROOT}www/i18n.js`);
  const base = { multiple: '20', median: '￥2,810', share: '12%', months: '12' };
  const guests = { ...base, orders: '2', count: 2, customers: '0', customerCount: 0, clvShare: '0%', named: '' };
  assert.match(DICTIONARIES.ja['note.large_orders'](guests), /^注文金額の中央値（￥2,810）の20倍以上の大口注文が 2 件（すべてゲスト購入）あり、売上の 12% を占めます。法人・卸の注文であれば/);
  assert.match(DICTIONARIES.en['note.large_orders'](guests), /^2 orders by guests are 20 times your median order \(￥2,810\) or more, and make 12% of revenue\. If they are company/);
  const first = { ...base, orders: '1', count: 1, customers: '1', customerCount: 1, clvShare: '', named: '' };
  assert.match(DICTIONARIES.ja['note.large_orders'](first), /^注文金額の中央値（￥2,810）の20倍以上の大口注文が 1 件（1 人）あり、売上の 12% を占めます。法人・卸の注文であれば/);
  assert.match(DICTIONARIES.en['note.large_orders'](first), /^1 order from 1 customer is 20 times your median order \(￥2,810\) or more, and makes 12% of revenue\. If they are/);
  const one = { ...first, clvShare: '30%', named: '' };
  assert.match(DICTIONARIES.ja['note.large_orders'](one), /今後12か月の予測LTVのうち 30% がこの 1 人の分です。法人/);
  assert.match(DICTIONARIES.en['note.large_orders'](one), / This customer holds 30% of your customers’ predicted 12-month value\. If/);
});

// The Japanese platforms' exports in the ingest corpus (each in UTF-8 and Shift_JIS).
const JAPANESE_PRESET_FILE = /^(base_orders|yahoo_shopping_orders|makeshop_orders|futureshop_orders|ec_cube_orders|amazon_order_report|shopify_japanese_orders|rakuten_rms|stores_orders|square_jp)_/;

test('the Japanese page shows no English sentence, on the sample and on Japanese exports', async () => {
  const presets = readdirSync(`${ROOT}tests/fixtures/ingest`).filter((name) => JAPANESE_PRESET_FILE.test(name) && !/\.(expected|options)/.test(name));
  assert.ok(presets.length >= 15, `preset files: ${presets}`);
  const files = [
    SAMPLE_FILE,
    // nobody_repeats and one_customer: notes that stand for an error (no model can be fitted);
    // lifetimes_summary and basket_lines: the notes of a summary file and of baskets only.
    ...['generic_japanese_utf8.csv', 'encoding_switch_sjis.csv', 'dot_thousands_yen.csv', 'nobody_repeats.csv', 'one_customer.csv',
      'lifetimes_summary.csv', 'basket_lines.csv', ...presets].map(
      (name) => `${ROOT}tests/fixtures/ingest/${name}`,
    ),
    // A small shop whose fit has diagnostics: they are said in Japanese too.
    `${FIXTURES}small-shop-13.csv`,
    // A small shop with one first product of 30 customers and the rest smaller.
    `${FIXTURES}small-shop-25.csv`,
    // A small shop of slow buyers: most customers lapsed, most still "alive".
    `${FIXTURES}small-shop-9.csv`,
    // A Shopify export with guest orders: the cards say what they leave out.
    `${FIXTURES}shopify-guests.csv`,
  ];
  let diagnosticsSeen = 0;
  const page = await openPage();
  await page.getByTestId('lang').selectOption('ja');
  for (const file of files) {
    const bytes = readFileSync(file);
    const utf8 = new TextDecoder('utf-8').decode(bytes);
    const fileText = `${utf8}\n${new TextDecoder('shift_jis').decode(bytes)}`;
    await upload(page, file);
    await settle(page, 'done');
    await page.waitForFunction(() => document.querySelector('[data-testid="recommendations"]')?.dataset.recommendations !== 'computing', null, {
      timeout: SETTLE_TIMEOUT_MS,
    });
    // Open every collapsed list and report, so their text is scanned too.
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
    const runs = await englishRuns(page, fileText);
    const name = file.split('/').pop();
    // A note that stands for an error says that error in Japanese too.
    const errorNotes = await page.locator('[data-testid="notes"] li[data-error]:not([data-error=""])').allTextContents();
    if (/nobody_repeats|one_customer/.test(name)) assert.ok(errorNotes.length > 0, `${name}: no note with its error`);
    // The model fits' diagnostics: the core's, one item each, in Japanese words.
    const diagnostics = await page.locator('[data-testid="diagnostics"] li').evaluateAll((items) => items.map((li) => [li.dataset.code, li.textContent]));
    for (const [code, text] of diagnostics) assert.match(text, /[\u3040-\u30ff\u4e00-\u9fff]{4}/, `${name}: diagnostic ${code}: ${text}`);
    diagnosticsSeen += diagnostics.length;
    if (/^(small-shop-(9|13|25)|shopify-guests|sample-orders)\.csv$/.test(name)) {
      // An active segment's name (安定顧客, 優良予備軍…) beside a low chance
      // still buying gets a note naming it: the scores rank customers against
      // each other, so in a shop where most have stopped these may be gone
      // too (seed 25: 優良予備軍 at 7%; the sample and the Shopify shop: 安定顧客).
      const { segments: s, predictions: pr } = cliAnalyze(file);
      const active = ['champions', 'loyal', 'potential_loyalist', 'new', 'promising'];
      const gone = pr.base.dropout_identified
        ? s.segments.filter((sg) => active.includes(sg.segment) && sg.customers > 0 && sg.mean_p_alive !== null && sg.mean_p_alive < 0.2)
        : [];
      assert.equal(gone.length > 0, !/small-shop-(9|13)/.test(name), `${name}: ${gone.map((g) => `${g.segment} ${g.mean_p_alive}`)}`);
      const note = page.getByTestId('segments-gone');
      assert.equal(await note.isVisible(), gone.length > 0, name);
      if (gone.length > 0) {
        const names = [];
        for (const g of gone) names.push(`「${await page.locator(`[data-testid="segments-table"] tr[data-segment="${g.segment}"] th`).textContent()}」`);
        const text = await note.textContent();
        assert.ok(text.startsWith(`${names.join('')}の名前は、ほかのお客様と比べた最終購入の新しさと購入回数・金額で付けています。`), `${name}: ${text}`);
      }
    }
    if (/small-shop-(9|13|25)\.csv/.test(name)) {
      // The two LTVs' reading follows the CLI's numbers: on seed 13 the data
      // do not show how fast customers leave (the weak prior sets it), and
      // both the model card and the histogram say the values follow that
      // assumption, not that they may be too high (the model does see
      // customers leaving).
      const { predictions } = cliAnalyze(file);
      const { formula_ltv: formula, model_ltv: model } = predictions.formula;
      const identified = predictions.base.dropout_identified;
      const fromPrior = predictions.base.dropout_from_prior;
      const reading = `${identified ? '' : fromPrior ? 'prior-' : 'unidentified-'}${formula < model ? 'lower' : 'higher'}`;
      assert.equal(reading, name === 'small-shop-13.csv' ? 'prior-higher' : 'higher', `${name}: ${formula} ${model}`);
      // The alive card explains a share still buying far above the share
      // not lapsed (seed 9: 95% against 12%), and only then.
      const alive = predictions.base.mean_p_alive;
      const slow = identified && alive - (1 - predictions.formula.churn_rate) >= 0.2;
      assert.equal(slow, name === 'small-shop-9.csv', `${name}: alive ${alive}, lapsed ${predictions.formula.churn_rate}`);
      const aliveHow = await page.locator('[data-testid="kpi-alive"] .how').textContent();
      const per = (Math.round((predictions.base.expected_purchases / predictions.base.customers) * 100) / 100).toLocaleString('ja-JP');
      assert.equal(aliveHow.includes(`モデルは離脱ではなく購入の間隔が長いだけと見ています。今後12か月の予想購入回数は1人あたり${per}回です。`), slow, `${name}: ${aliveHow}`);
      assert.equal(await page.getByTestId('ltv-compare').getAttribute('data-reading'), reading, name);
      const caveat = /高めに出ている可能性があります/;
      const modelHow = await page.locator('[data-testid="kpi-ltv-model"] .how').textContent();
      const chartHow = await page.locator('[data-testid="chart-ltv"] [data-role="how"]').textContent();
      const assumed = /モデルの既定の仮定/;
      for (const text of [modelHow, chartHow]) {
        assert.equal(caveat.test(text), !identified && !fromPrior, `${name}: ${text}`);
        assert.equal(assumed.test(text), fromPrior, `${name}: ${text}`);
      }
      // The holdout's totals are said beside its error per customer (the CLI's validation).
      const v = cliAnalyze(file).validation;
      const tracking = await page.locator('[data-testid="chart-tracking"] [data-role="how"]').textContent();
      const predicted = (Math.round(v.predicted_total * 10) / 10).toLocaleString('ja-JP');
      assert.ok(tracking.includes(`予測 ${predicted} 回に対して実績 ${v.actual_total.toLocaleString('ja-JP')} 回`), `${name}: ${tracking}`);
      const compare = await page.getByTestId('ltv-compare').textContent();
      // A lapsed segment the model sees as mostly still around gets the note on
      // its name (seed 9: 離脱顧客 with 95.6% still buying).
      const lapsed = ['about_to_sleep', 'at_risk', 'cant_lose_them', 'hibernating', 'lost'];
      const { segments } = cliAnalyze(file);
      const slowSegments = identified && segments.segments.some((sg) => lapsed.includes(sg.segment) && sg.customers > 0 && sg.mean_p_alive >= 0.8);
      assert.equal(slowSegments, name === 'small-shop-9.csv', `${name}: lapsed segments' P(alive)`);
      assert.equal(await page.getByTestId('segments-slow').isVisible(), slowSegments, name);
      if (slowSegments) assert.match(await page.getByTestId('segments-slow').textContent(), /^「休眠顧客」「離脱顧客」などの名前は、最終購入からの日数で付けています。/);
      // No pair bought together twice (seed 9's orders hold one item each): the
      // pairs table says so instead of showing only its headings.
      const noRules = cliAnalyze(file).recommendations.rules.length === 0;
      assert.equal(noRules, name === 'small-shop-9.csv', `${name}: rules`);
      const noneCell = page.locator('[data-testid="recs-rules"] td[data-role="none"]');
      assert.equal(await noneCell.count(), noRules ? 1 : 0, name);
      if (noRules) assert.equal(await noneCell.textContent(), '2件以上の注文で一緒に買われた商品の組み合わせがまだないため、表示できる組み合わせはありません。');
      // A shown pair from 3 orders or fewer gets the note that it may be chance
      // (the table shows the first 20 pairs, each once in either direction).
      const shownPairs = new Map();
      for (const rule of cliAnalyze(file).recommendations.rules) {
        const key = [rule.antecedent.id, rule.consequent.id].sort().join('\u0000');
        if (!shownPairs.has(key) && shownPairs.size < 20) shownPairs.set(key, rule.count);
      }
      const fewPairs = [...shownPairs.values()].some((count) => count <= 3);
      assert.equal(fewPairs, name !== 'small-shop-9.csv', `${name}: pairs from few orders`);
      assert.equal(await page.getByTestId('recs-rules-few').isVisible(), fewPairs, name);
      if (fewPairs) assert.match(await page.getByTestId('recs-rules-few').textContent(), /^両方を含む注文が3件以下の組み合わせは、偶然/);
      // "Customers probably gone count for little" only where the model sees many gone (seed 25: 6% alive; seed 9: 95%).
      const expectedCompare = fromPrior ? /モデルはそのペースを既定の仮定で置いています。簡易式は実際の離脱率（実績）を使っています。どちらも目安としてご覧ください。$/ : !identified ? /モデルは誰も離脱しない前提のため、どちらも目安として/ : alive < 0.8 ? /見込み、すでに離れていそうな顧客はほとんど数えません。$/ : /今後12か月分を見込みます。$/;
      assert.match(compare, expectedCompare, compare);
    }
    if (name === 'small-shop-13.csv') {
      const expected = cliAnalyze(file).predictions.diagnostics.map((d) => d.code);
      assert.ok(expected.length >= 3, `${name}: the CLI's diagnostics ${expected}`);
      assert.deepEqual(diagnostics.map(([code]) => code), expected, `${name}: the page's diagnostics are the CLI's`);
      // Every first product is too small to compare, the largest (17
      // customers) included: the table says so, and no model is fitted to
      // read effects against a baseline too small to be read.
      const table = cliAnalyze(file).groups.by_first_product;
      assert.equal(table.baseline, null, `${name}: ${table.groups[0].customers} customers in the largest`);
      assert.equal(table.effects, undefined, `${name}: no model by first product`);
      assert.equal(
        await page.getByTestId('groups-product-reading').textContent(),
        '最も多いグループでも顧客が30人未満のため、差は判断できません。',
      );
      assert.ok(await page.getByTestId('groups-product-effects').isHidden(), `${name}: the model's box is hidden`);
    }
    if (name === 'small-shop-25.csv') {
      // The largest first product has 30 customers or more, every other
      // fewer: the table's reading says they are too small to compare, and
      // there is no model to compare them either.
      const table = cliAnalyze(file).groups.by_first_product;
      assert.ok(table.baseline && table.groups.slice(1).every((row) => row.small || row.kind === 'missing'), `${name}: ${table.baseline}`);
      assert.equal(
        await page.getByTestId('groups-product-reading').textContent(),
        `ほかのグループはどれも顧客が30人未満のため、最も多い「${table.baseline}」との差は判断できません。`,
      );
      assert.equal(table.effects, undefined, `${name}: no model by first product`);
      assert.ok(await page.getByTestId('groups-product-effects').isHidden(), `${name}: the model's box is hidden`);
    }
    await page.screenshot({ path: `${ARTIFACTS}japanese-${name}.png`, fullPage: true });
    assert.deepEqual(runs, [], `${name}: English in the Japanese page`);
  }
  assert.ok(diagnosticsSeen >= 3, `${diagnosticsSeen} diagnostics scanned`);
  await page.getByTestId('lang').selectOption('en');
  await page.close();
});

test('every broken file of the corpus gets a Japanese error, with its code and no English', async () => {
  const dir = `${ROOT}tests/fixtures/ingest/`;
  const names = readdirSync(dir);
  const broken = names.filter((name) => name.endsWith('.expected-error.txt')).map((name) => {
    const stem = name.slice(0, -'.expected-error.txt'.length);
    const file = names.find((other) => other.startsWith(`${stem}.`) && !/\.(expected|options)/.test(other));
    assert.ok(file, `${name}: no input file`);
    return file;
  });
  assert.ok(broken.length >= 14, `broken files: ${broken}`);
  const page = await openPage();
  await page.getByTestId('lang').selectOption('ja');
  for (const name of broken) {
    const bytes = readFileSync(`${dir}${name}`);
    const fileText = `${new TextDecoder('utf-8').decode(bytes)}\n${new TextDecoder('shift_jis').decode(bytes)}`;
    await upload(page, `${dir}${name}`);
    await settle(page, 'error');
    const error = page.getByTestId('error');
    const [text, code] = [await error.textContent(), await error.getAttribute('data-code')];
    // Its own code (not a generic one, not the page's fallback), in Japanese words.
    assert.ok(code && !['input', 'options', 'model', 'no_usable_column', 'unexpected', 'internal'].includes(code), `${name}: code ${code}`);
    assert.match(text, /[\u3040-\u30ff\u4e00-\u9fff]{4}/, `${name}: ${text}`);
    assert.deepEqual(await englishRuns(page, fileText), [], `${name}: English in the Japanese page (error: ${text})`);
  }
  // The English page says the same in English.
  await page.getByTestId('lang').selectOption('en');
  await upload(page, `${dir}binary_png.csv`);
  await settle(page, 'error');
  const english = await page.getByTestId('error').textContent();
  assert.match(english, /^This does not look like a text CSV file \(20 NUL or control bytes in the first 82 bytes\)/, english);
  // And follows a language switch.
  await page.getByTestId('lang').selectOption('ja');
  const switched = await page.getByTestId('error').textContent();
  assert.match(switched, /^CSV（テキスト）ファイルではないようです（先頭82バイトに制御文字が20個）/, switched);
  await page.getByTestId('lang').selectOption('en');
  await page.close();
});

test('a subscription shop shows 定期購入の継続率 in Japanese and English, with its table as CSV', async () => {
  const file = `${FIXTURES}subscription.csv`;
  const cli = cliAnalyze(file).subscription;
  assert.ok(cli?.fit && cli.half_gone_by !== null, 'the fixture has a fitted subscription section');
  const page = await openPage();
  await page.getByTestId('lang').selectOption('ja');
  await upload(page, file);
  await settle(page, 'done');
  const section = page.getByTestId('subscription');
  assert.ok(await section.isVisible());
  assert.equal(await section.locator('h2').textContent(), '定期購入の継続率');
  assert.equal(await page.getByTestId('subscription-reading').textContent(), `${cli.half_gone_by}回目までに半数が解約しています。`);
  assert.match(await page.getByTestId('subscription-ltv').textContent(), /^1人あたりの平均お届け回数（36回目まで）：[\d.]+回。定期LTV：/);
  // Observed rows, then the sBG's projection to 12 deliveries past them.
  const rows = section.locator('[data-testid="subscription-table"] tbody tr');
  assert.equal(await rows.count(), cli.observed.length + 12);
  assert.equal(await section.locator('[data-testid="subscription-table"] tbody tr[data-projected]').count(), 12);
  assert.equal(await rows.first().locator('th').textContent(), '1回目');
  assert.ok(await page.getByTestId('chart-subscription').locator('canvas').count() > 0, 'the survival chart is drawn');
  const fileText = readFileSync(file, 'utf8');
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  assert.deepEqual(await englishRuns(page, fileText), [], 'English in the Japanese page');
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: `${ARTIFACTS}subscription-ja.png` });
  // The table as CSV, with the page's column names.
  const text = await downloadText(page, 'export-subscription');
  const lines = text.slice(1).trimEnd().split('\r\n');
  assert.deepEqual(lines[0].split(',').slice(0, 5), ['お届け回数', '対象人数', '受取人数', '継続率', '離脱率']);
  assert.equal(lines.length - 1, cli.observed.length + 12);
  assert.equal(lines[2].split(',')[1], String(cli.observed[1].at_risk));
  await page.getByTestId('lang').selectOption('en');
  assert.equal(await section.locator('h2').textContent(), 'Subscription retention');
  assert.equal(await page.getByTestId('subscription-reading').textContent(), `Half of the subscribers have cancelled by delivery ${cli.half_gone_by}.`);
  assert.equal(await rows.first().locator('th').textContent(), 'Delivery 1');
  await page.close();
});

test('a shop without subscriptions says so in Japanese and has no subscription section', async () => {
  const page = await openPage();
  await page.getByTestId('lang').selectOption('ja');
  await upload(page, `${FIXTURES}orders.csv`);
  await settle(page, 'done');
  assert.equal(await page.getByTestId('subscription').isVisible(), false);
  const note = page.locator('[data-testid="notes"] li[data-code="no_subscriptions"]');
  assert.match(await note.textContent(), /^定期購入のデータが見つかりませんでした/);
  await page.getByTestId('lang').selectOption('en');
  await page.close();
});

test('each follow-up list is shown whole, downloads as CSV, and each segment has an action', async () => {
  const page = await openPage();
  await page.getByTestId('sample').click();
  await settle(page, 'done');
  const actions = await page.locator('[data-testid="segments-table"] td[data-column="action"]').allTextContents();
  assert.ok(actions.length > 0 && actions.every((a) => a.length > 10), `actions: ${actions}`);
  const lists = page.locator('[data-testid="follow-up"] details');
  assert.ok((await lists.count()) > 0);
  const first = lists.first();
  const held = Number(await first.getAttribute('data-held'));
  const count = Number((await first.locator('summary').textContent()).match(/^([\d,]+)/)[1].replaceAll(',', ''));
  assert.equal(held, count, 'the page holds the whole list');
  // The list is drawn on its toggle event, which comes after the click.
  await first.locator('summary').click();
  await first.locator('li').nth(held - 1).waitFor({ state: 'attached' });
  assert.equal(await first.locator('li').count(), held);
  const text = await downloadText(page, 'download-follow_up-0');
  const lines = text.slice(1).trimEnd().split('\r\n');
  const header = ['customer_id', 'segment', 'last_order', 'days_since_last_order', 'orders', 'revenue', 'p_alive', 'p_alive_90d', 'expected_value', 'suggested_action'];
  assert.deepEqual(lines[0].split(','), header);
  assert.equal(lines.length - 1, held);
  // The sample's ids, names and numbers have no commas or quotes.
  const cells = (line) => Object.fromEntries(line.split(',').map((cell, i) => [header[i], cell]));
  const segmentNames = new Set((await page.locator('[data-testid="segments-table"] tbody th').allTextContents()));
  for (const line of lines.slice(1)) {
    const row = cells(line);
    assert.ok(segmentNames.has(row.segment), line);
    assert.ok(Number(row.orders) >= 2, `a follow-up list holds repeat customers: ${line}`);
    assert.ok(Number(row.p_alive) >= 0 && Number(row.p_alive) <= 1, line);
    // Still a customer 90 days on: never more likely than today (ltvlab::models::timing).
    assert.ok(Number(row.p_alive_90d) >= 0 && Number(row.p_alive_90d) <= Number(row.p_alive) + 1e-12, line);
    assert.ok(Number(row.expected_value) >= 0, line);
    assert.ok(row.suggested_action.length > 0, line);
  }

  // Every customer of each segment: the lists add up to the customers, and
  // one segment's CSV holds its customers with its action.
  const segmentLists = page.locator('[data-testid="segment-lists"] details');
  const sizes = (await page.locator('[data-testid="segments-table"] td[data-column="customers"]').allTextContents()).map((n) => Number(n.replaceAll(',', '')));
  assert.equal(await segmentLists.count(), sizes.length);
  const heldBySegment = await segmentLists.evaluateAll((all) => all.map((d) => Number(d.dataset.held)));
  assert.deepEqual(heldBySegment, sizes);
  assert.equal(sizes.reduce((a, b) => a + b, 0), Number(await kpi(page, 'kpi-customers')));
  const firstSegment = segmentLists.first();
  await firstSegment.locator('summary').click();
  await firstSegment.locator('li').nth(sizes[0] - 1).waitFor({ state: 'attached' });
  assert.equal(await firstSegment.locator('li').count(), sizes[0]);
  const code = (await firstSegment.getAttribute('data-list')).replace(':', '-');
  const segmentCsv = (await downloadText(page, `download-${code}`)).slice(1).trimEnd().split('\r\n');
  assert.equal(segmentCsv.length - 1, sizes[0]);
  const firstName = await page.locator('[data-testid="segments-table"] tbody th').first().textContent();
  assert.ok(segmentCsv.slice(1).every((line) => cells(line).segment === firstName));
  // Highest revenue first.
  const revenues = segmentCsv.slice(1).map((line) => Number(cells(line).revenue));
  assert.deepEqual(revenues, [...revenues].sort((a, b) => b - a));

  // The customers CSV carries each customer's segment, R, F, M scores and
  // A–E ranks (ltvlab::rfm_ranks), and no e-mail column: the sample has none.
  const customersCsv = (await downloadText(page, 'export-customers')).slice(1).trimEnd().split('\r\n');
  const columns = customersCsv[0].split(',');
  assert.deepEqual(columns.slice(-7), ['segment', 'r', 'f', 'm', 'r_rank', 'f_rank', 'm_rank']);
  assert.ok(!columns.includes('email'), columns.join());
  const bySegment = new Map();
  for (const line of customersCsv.slice(1)) {
    const cells = line.split(',');
    const segment = cells[columns.length - 7];
    bySegment.set(segment, (bySegment.get(segment) ?? 0) + 1);
    for (const score of cells.slice(-6, -3)) assert.ok(['1', '2', '3', '4', '5'].includes(score), line);
    for (const rank of cells.slice(-3)) assert.ok(['A', 'B', 'C', 'D', 'E'].includes(rank), line);
  }
  assert.deepEqual([...bySegment.values()].sort((a, b) => a - b), [...sizes].sort((a, b) => a - b));
  // In Japanese, the action reads in Japanese.
  await page.getByTestId('lang').selectOption('ja');
  assert.match(await page.locator('[data-testid="segments-table"] td[data-column="action"]').first().textContent(), /[ぁ-んァ-ン一-龥]/);
  const ja = await downloadText(page, 'download-follow_up-0');
  assert.match(ja.split('\r\n')[1], /[ぁ-んァ-ン一-龥]/);
  await page.getByTestId('lang').selectOption('en');
  await page.close();
});

test('the overdue and due-soon lists are the CLI\'s, each customer with a reason, in Japanese without English', async () => {
  const page = await openPage();
  await page.getByTestId('sample').click();
  await settle(page, 'done');
  const cli = cliAnalyze(SAMPLE_FILE).segments;
  const lists = [['overdue', cli.overdue], ['next_order_soon', cli.due_soon]];
  for (const [name, list] of lists) {
    assert.ok(list.count > 0 && list.count < 200, `${name}: a list a merchant can act on (${list.count})`);
    const details = page.locator(`[data-testid="follow-up"] details[data-list="${name}"]`);
    assert.equal(Number(await details.getAttribute('data-held')), list.customers.length, name);
    await details.locator('summary').click();
    await details.locator('li').nth(list.customers.length - 1).waitFor({ state: 'attached' });
    const ids = await details.locator('li').evaluateAll((all) => all.map((li) => li.dataset.customer));
    assert.deepEqual(ids, list.customers.map((c) => c.customer_id), `${name}: the CLI's customers in the CLI's order`);
    // The whole list as CSV: the CLI's dates and chances, a reason and an action on each line.
    const csv = (await downloadText(page, `download-${name}`)).slice(1).trimEnd().split('\r\n');
    const header = ['customer_id', 'last_order', 'next_order_median', 'next_order_p10', 'next_order_p90', 'p_purchase_30d', 'p_alive', 'p_alive_90d', 'value_at_risk', 'reason', 'suggested_action'];
    assert.deepEqual(csv[0].split(','), header);
    assert.equal(csv.length - 1, list.customers.length);
    csv.slice(1).forEach((line, i) => {
      const cells = line.split(',');
      const c = list.customers[i];
      assert.deepEqual(cells.slice(0, 5), [c.customer_id, c.last_order, c.next_order ?? '', c.next_order_low ?? '', c.next_order_high ?? ''], line);
      assertClose(Number(cells[5]), c.p_purchase_30d, 1e-12, `${name} ${c.customer_id} p_purchase_30d`);
      assertClose(Number(cells[7]), c.p_alive_90d, 1e-12, `${name} ${c.customer_id} p_alive_90d`);
      assert.ok(cells[9].length > 10 && cells[10].length > 10, line);
    });
  }
  // The overdue reason says the silence and the pace, from the core's numbers.
  const first = cli.overdue.customers[0];
  const firstItem = page.locator(`[data-list="overdue"] li[data-customer="${first.customer_id}"]`);
  assert.match(await firstItem.textContent(), new RegExp(`Silent ${first.reason.silent_days} days.*by day ${first.reason.pace_days}`));
  // In Japanese: the summaries, items and CSV reasons read in Japanese, with no English word.
  await page.getByTestId('lang').selectOption('ja');
  for (const [name, list] of lists) {
    // The page draws the lists anew in the new language, closed.
    const details = page.locator(`[data-testid="follow-up"] details[data-list="${name}"]`);
    await details.locator('summary').click();
    await details.locator('li').nth(list.customers.length - 1).waitFor({ state: 'attached' });
    const texts = [await details.locator('summary').textContent(), ...(await details.locator('li').allTextContents())];
    for (const text of texts) {
      assert.match(text, /[ぁ-んァ-ン一-龥]/, text);
      assert.doesNotMatch(text, /[A-Za-z]{2,}/, `${name}: English in the Japanese page: ${text}`);
    }
    const csv = (await downloadText(page, `download-${name}`)).slice(1).trimEnd().split('\r\n');
    for (const line of csv.slice(1)) assert.doesNotMatch(line.split(',').slice(8).join(','), /[A-Za-z]{2,}/, line);
  }
  assert.match(await page.locator(`[data-list="overdue"] li[data-customer="${first.customer_id}"]`).textContent(),
    new RegExp(`前回購入から${first.reason.silent_days}日。同じペースのお客様の9割は${first.reason.pace_days}日目までに再購入しています`));
  // The customers CSV carries the timing columns as predict --timing writes them.
  const columns = (await downloadText(page, 'export-customers')).slice(1).split('\r\n')[0].split(',');
  const at = columns.indexOf('p_purchase_30d');
  assert.deepEqual(columns.slice(at, at + 5), ['p_purchase_30d', 'p_purchase_90d', 'next_order_median', 'next_order_p10', 'next_order_p90']);
  await page.getByTestId('lang').selectOption('en');
  await page.close();
});

test('with e-mail addresses in the file, the list and customer CSVs carry them', async () => {
  // The sample with a メールアドレス column beside the customer id (one
  // address that a spreadsheet would run as a formula, one customer without).
  const lines = readFileSync(SAMPLE_FILE, 'utf8').trimEnd().split('\n');
  const header = lines[0].split(',');
  const id = header.indexOf('customer_id');
  const emailOf = (customer) => (customer === '12432' ? '' : customer === '13573' ? `=HYPERLINK("x")${customer}@example.jp` : `c${customer}@example.jp`);
  const withEmail = [`${lines[0]},メールアドレス`, ...lines.slice(1).map((line) => `${line},"${emailOf(line.split(',')[id]).replaceAll('"', '""')}"`)];
  const file = `${ARTIFACTS}sample-with-email.csv`;
  writeFileSync(file, `${withEmail.join('\n')}\n`);
  const page = await openPage();
  await upload(page, file);
  await settle(page, 'done');
  /** @param {string} text */
  const rows = (text) => text.slice(1).trimEnd().split('\r\n');
  const list = rows(await downloadText(page, 'download-follow_up-0'));
  assert.deepEqual(list[0].split(',').slice(0, 3), ['customer_id', 'email', 'segment']);
  assert.ok(list.length > 1);
  // As the CSV writes it: through the formula rule, quoted when needed.
  const cell = (email) => (email.startsWith('=') ? `"'${email.replaceAll('"', '""')}"` : email);
  for (const line of list.slice(1)) {
    const [customer, email] = line.split(',');
    assert.equal(email, cell(emailOf(customer)), line);
  }
  // A segment's whole list too.
  const code = (await page.locator('[data-testid="segment-lists"] details').first().getAttribute('data-list')).replace(':', '-');
  const segment = rows(await downloadText(page, `download-${code}`));
  assert.deepEqual(segment[0].split(',').slice(0, 2), ['customer_id', 'email']);
  // The customers CSV: the address after the id, through the formula rule.
  const customers = rows(await downloadText(page, 'export-customers'));
  assert.deepEqual(customers[0].split(',').slice(0, 2), ['customer_id', 'email']);
  const byId = new Map(customers.slice(1).map((line) => [line.split(',')[0], line]));
  assert.ok(byId.get('12432')?.startsWith('12432,,'), byId.get('12432'));
  assert.ok(byId.get('13573')?.startsWith('13573,"\'=HYPERLINK(""x"")13573@example.jp",'), byId.get('13573'));
  await page.close();
});

test('the shop\'s margin and CAC are typed, remembered, and the CPA note names the LTV to use', async () => {
  const page = await openPage();
  await page.evaluate(() => localStorage.removeItem('ltvlab.whatif.shop'));
  await page.getByTestId('sample').click();
  await settle(page, 'done');
  await page.waitForSelector('[data-testid="whatif"][data-state="done"]', { timeout: SETTLE_TIMEOUT_MS });
  const cell = (row, side) => page.locator(`[data-testid="whatif-table"] tr[data-row="${row}"] td[data-side="${side}"]`);
  const waitFor = (key) =>
    page.waitForFunction(
      (key) => {
        const panel = document.querySelector('[data-testid="whatif"]');
        return panel.dataset.state === 'done' && panel.querySelector('[data-testid="whatif-cpa"]').dataset.key === key;
      },
      key,
      { timeout: SETTLE_TIMEOUT_MS },
    );
  await page.getByTestId('lever-margin-number').fill('40');
  await page.getByTestId('lever-cac-number').fill('1234.5');
  await waitFor('40|1234.5');
  const ltv = Number(await cell('ltv', 'baseline').getAttribute('data-value'));
  // Source of the expected value: the CLI with the same margin and CAC.
  const out = execFileSync(
    'cargo',
    ['run', '--release', '--quiet', '--', 'simulate', SAMPLE_FILE, '--margin', '0.4', '--cac', '1234.5', '--draws', '0', '--json'],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  const cli = JSON.parse(out);
  assertClose(ltv, cli.baseline.ltv_per_customer.value, MODEL_TOLERANCE, 'LTV at a typed 40% margin');
  assertClose(Number(await cell('ltv_to_cac', 'baseline').getAttribute('data-value')), ltv / 1234.5, 1e-9, 'LTV:CAC at a typed CAC, not a slider step');
  // The CPA note: the model's value, and the textbook formula for a new
  // customer × margin beside it: the first order and the repeat orders,
  // AOV × (1 + repeat orders a month × lifetime), from `analyze --json`.
  const note = page.getByTestId('whatif-cpa');
  assert.equal(Number(await note.getAttribute('data-model')), ltv);
  const formula = cliAnalyze(SAMPLE_FILE).predictions.formula;
  const newCustomer = formula.average_order_value * (1 + formula.purchases_per_month * formula.expected_lifetime_months);
  assertClose(formula.new_customer_ltv, newCustomer, 1e-12, 'new customer formula LTV = AOV × (1 + frequency × lifetime)');
  assertClose(Number(await note.getAttribute('data-textbook')), formula.new_customer_ltv * 0.4, 1e-12, 'textbook LTV × margin');
  // The formula KPI is the existing customers' repeat value: less by one order.
  assertClose(Number(await kpi(page, 'kpi-ltv-formula')) + formula.average_order_value, formula.new_customer_ltv, 1e-9, 'formula KPI + AOV');
  assert.match(await note.textContent(), /CPA/);
  await page.getByTestId('lang').selectOption('ja');
  assert.match(await note.textContent(), /平均購買単価 ×（1 \+ 月間リピート回数 × 継続期間）× 粗利率/);
  await page.getByTestId('lang').selectOption('en');

  // Remembered in this browser: a new page starts from them.
  await page.reload();
  await page.getByTestId('sample').click();
  await settle(page, 'done');
  await page.waitForSelector('[data-testid="whatif"][data-state="done"]', { timeout: SETTLE_TIMEOUT_MS });
  assert.equal(await page.getByTestId('lever-margin-number').inputValue(), '40');
  assert.equal(await page.getByTestId('lever-cac-number').inputValue(), '1234.5');
  await page.evaluate(() => localStorage.removeItem('ltvlab.whatif.shop'));
  await page.close();
});

// Last, so it sees every request of every test above.
test('the page requested only its own files', () => {
  assert.ok(requests.length > 0);
  const foreign = requests.filter((url) => {
    const { protocol, hostname } = new URL(url);
    return protocol !== 'data:' && protocol !== 'blob:' && hostname !== '127.0.0.1';
  });
  assert.deepEqual(foreign, [], 'requests that left 127.0.0.1');
  const outsideSite = requests.filter((url) => url.startsWith('http') && !url.startsWith(siteUrl));
  assert.deepEqual(outsideSite, [], `requests outside ${siteUrl} (absolute URLs?)`);
  assert.deepEqual(
    consoleErrors.filter((text) => /Content Security Policy/i.test(text)),
    [],
    'CSP violations',
  );
});

test('a file whose date column has an unknown name keeps its mapping: the date is mapped and the file read', async () => {
  const page = await openPage();
  await page.getByTestId('lang').selectOption('ja');
  await upload(page, `${FIXTURES}renamed-date.csv`);
  await settle(page, 'error');
  const error = page.getByTestId('error');
  assert.equal(await error.getAttribute('data-code'), 'no_date_column');
  assert.match(await error.textContent(), /^注文日の列が見つかりません（列：.*会員.*受付.*金額.*）/);
  // The preview and the mapping stay, with what was found.
  assert.ok(await page.getByTestId('mapping').isVisible(), 'the mapping controls stay');
  const date = page.locator('[data-testid="mapping"] select[data-role="date"]');
  assert.equal(await date.inputValue(), '');
  assert.equal(await page.locator('[data-testid="mapping"] select[data-role="amount"]').inputValue(), '#3');
  assert.deepEqual(await page.locator('[data-testid="preview-table"] thead th').allTextContents(), ['会員', '受付', '金額']);
  assert.equal(await page.locator('[data-testid="preview-table"] tbody tr').count(), 7);
  // Mapped by the user, the file is read.
  await date.selectOption('#2');
  await page.getByTestId('rerun').click();
  await settle(page, 'done');
  assert.equal(await page.getByTestId('kpi-customers').getAttribute('data-value'), '4');
  assert.equal(await page.getByTestId('kpi-orders').getAttribute('data-value'), '7');
  await page.close();
});
