// The tables by channel and by first product (チャネル別・初回購入商品別) on the
// page, in headless Chromium: a shop whose channel column is mapped to the
// group role in the page's mapping, read in English and in Japanese, with
// each table downloaded as CSV.
//
// tests/browser/fixtures/channel-shop.csv is made by the rule in
// fixtures/README.md; the expected values below are counted from that rule.
// Screenshots go to tests/browser/artifacts/ (gitignored).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium, startServer } from '../../scripts/browser.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
const SETTLE_TIMEOUT_MS = 60_000;
/** The data's own names, which stay as the file writes them in either language. */
const DATA_NAMES = ['Instagram', 'Google', 'LINE'];
/** Terms a Japanese EC page writes in Latin letters. */
const JAPANESE_TERMS = ['LTV', 'CSV', 'F2', 'Pareto/NBD', 'MBG/NBD', 'BG/NBD'];

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

/** @param {import('playwright-core').Page} page */
async function settle(page) {
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: SETTLE_TIMEOUT_MS });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'done', await page.getByTestId('error').textContent());
}

/** The text of a download started by clicking `testId`. */
async function downloadText(page, testId) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return readFileSync(await download.path(), 'utf8');
}

test('repeat rate and LTV by channel and by first product, in English and Japanese, with CSV downloads', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(siteUrl);
  await page.getByTestId('file-input').setInputFiles(`${FIXTURES}channel-shop.csv`);
  await settle(page);
  const section = page.getByTestId('groups');
  assert.ok(await section.isVisible());
  // No column is a channel until it is mapped: the page says how.
  assert.ok(await page.getByTestId('groups-channel-none').isVisible());
  assert.match(await page.getByTestId('groups-channel-none').textContent(), /“Group”/);
  assert.ok(await page.getByTestId('groups-product-table').isVisible());

  await page.locator('[data-testid="mapping"] select[data-role="group"]').selectOption({ label: 'channel' });
  await page.getByTestId('rerun').click();
  await settle(page);
  assert.equal(await page.getByTestId('groups-channel-none').isVisible(), false);

  const cells = (/** @type {string} */ selector) => page.locator(selector).allTextContents();
  const channel = '[data-testid="groups-channel-table"] tbody';
  // Google 60 (the largest), Instagram 40, LINE 30, no channel 2, then all 132.
  assert.deepEqual(await cells(`${channel} th`), ['Google', 'Instagram', 'LINE', '(no channel)', 'All customers']);
  assert.deepEqual(await cells(`${channel} td[data-column="customers"]`), ['60', '40', '30', '2', '132']);
  // Repeat: Google 18 / 60, Instagram 28 / 40, LINE 10 / 30, none 0 / 2, all 56 / 132.
  assert.deepEqual(await cells(`${channel} td[data-column="repeat_rate"]`), ['30%', '70%', '33.3%', '0%', '42.4%']);
  // Instagram against Google: +40 points, far beyond chance; LINE's 3.3
  // points are within chance (z-test p ≈ 0.75); the customers without a
  // channel are too few to compare.
  const small = 'Too few customers to judge a difference';
  assert.deepEqual(await cells(`${channel} td[data-column="difference"]`), ['baseline', '+40 pt', 'within chance', small, '—']);
  // F2 within 90 days: every first order is over 90 days old; the repeat
  // customers with an even number came back after 30 days: Google 9 of 60,
  // Instagram 14 of 40, LINE 5 of 30.
  assert.deepEqual((await cells(`${channel} td[data-column="f2_rate"]`)).slice(0, 3), ['15%', '35%', '16.7%']);
  assert.equal(
    await page.getByTestId('groups-channel-reading').textContent(),
    'Customers who came from Instagram have a repeat rate 40 points higher than those from Google, your largest channel.',
  );
  assert.match(await page.getByTestId('groups-channel-small').textContent(), /fewer than 30 customers/);

  const product = '[data-testid="groups-product-table"] tbody';
  // The first line of each first order: タオル 60 (Google's タオル orders
  // list a larger ハンドクリーム line second), 石けん 52, ハンドクリーム 20.
  assert.deepEqual(await cells(`${product} th`), ['タオル', '石けん', 'ハンドクリーム', 'All customers']);
  assert.deepEqual(await cells(`${product} td[data-column="customers"]`), ['60', '52', '20', '132']);
  // 10 / 60 = 16.7%, 38 / 52 = 73.1%: 56.4 points higher.
  assert.deepEqual(await cells(`${product} td[data-column="difference"]`), ['baseline', '+56.4 pt', small, '—']);
  assert.equal(
    await page.getByTestId('groups-product-reading').textContent(),
    'Customers whose first order was 石けん have a repeat rate 56.4 points higher than those who started with タオル, your most common first product.',
  );

  // The model with the channel as a covariate: the CLI's numbers
  // (`ltvlab analyze --group channel --json`), each multiplier with its 90% range.
  const cliGroups = JSON.parse(
    execFileSync('cargo', ['run', '--release', '--quiet', '--', 'analyze', `${FIXTURES}channel-shop.csv`, '--group', 'channel', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    }),
  ).groups;
  const cli = cliGroups.by_channel.effects;
  assert.ok(cli, 'the CLI fits the channel model');
  const effects = '[data-testid="groups-effects-table"] tbody';
  assert.ok(await page.getByTestId('groups-effects').isVisible());
  assert.deepEqual(await cells(`${effects} th`), ['Google', 'Instagram', 'LINE', '(no channel)']);
  assert.deepEqual(await cells(`${effects} td[data-column="customers"]`), cli.groups.map((g) => String(g.customers)));
  assert.deepEqual(await cells(`${effects} td[data-column="repeaters"]`), cli.groups.map((g) => String(g.repeaters)));
  // The page's multipliers: two decimals, two significant digits below 0.1 (group-effects.js).
  const x = (n) => (n > 0 && n < 0.1 ? n.toLocaleString('en', { maximumSignificantDigits: 2 }) : String(Math.round(n * 100) / 100));
  const times = (e) => `${x(e.value)}× (${x(e.low)}–${x(e.high)}×)`;
  const [google, instagram, line] = cli.groups;
  assert.equal(google.name, 'Google');
  assert.deepEqual(await cells(`${effects} td[data-column="purchase"]`), ['baseline', times(instagram.purchase_multiplier), times(line.purchase_multiplier)]);
  assert.deepEqual(await cells(`${effects} td[data-column="dropout"]`), ['baseline', times(instagram.dropout_multiplier), times(line.dropout_multiplier)]);
  assert.equal(await page.locator(`${effects} tr[data-kind="missing"] td[data-column="small"]`).textContent(), small);
  // Instagram's customers buy clearly more often (its range lies above 1);
  // no other difference is clear, so only that sentence.
  assert.ok(instagram.purchase_multiplier.low > 1 && instagram.dropout_multiplier.low < 1 && instagram.dropout_multiplier.high > 1);
  assert.ok(line.purchase_multiplier.low < 1 && line.purchase_multiplier.high > 1);
  assert.deepEqual(await cells('[data-testid="groups-effects-reading"] li'), [
    `Customers from Instagram, against Google: buying frequency ${x(instagram.purchase_multiplier.value)}×. The difference in leaving is unclear.`,
  ]);
  const p = String(Math.round(cli.lr_test.p_value * 100) / 100);
  assert.ok(cli.lr_test.p_value >= 0.1, `p = ${p}`);
  assert.match(await page.getByTestId('groups-effects-test').textContent(), new RegExp(`^All ${cli.lr_test.df} effects tested together: not clearly beyond chance \\(p = ${p}\\)`));

  // The effects as CSV: raw numbers, each estimate with its range's ends.
  const effectsCsv = (await downloadText(page, 'download-groups-effects')).replace(/^\ufeff/, '').trimEnd().split('\r\n');
  assert.ok(effectsCsv[0].startsWith('Channel,New customers,Repeat customers,Buying frequency vs the largest (×),"Buying frequency vs the largest (×), low end (90%)",'), effectsCsv[0]);
  assert.equal(effectsCsv.length, 1 + cli.groups.length);
  const instagramCells = effectsCsv[2].split(',');
  assert.equal(instagramCells[0], 'Instagram');
  // wasm's and the native build's libm differ in the last digits: 1e-8 relative.
  const expected = [instagram.purchase_multiplier.value, instagram.purchase_multiplier.low, instagram.purchase_multiplier.high];
  instagramCells.slice(3, 6).map(Number).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= 1e-8 * expected[i], `${v} vs ${expected[i]}`));

  // The model with the first product as a covariate, under its table: the
  // CLI's groups and multipliers, compared with the same most common first
  // product as the table (タオル), and its CSV.
  const productCli = cliGroups.by_first_product.effects;
  assert.ok(productCli, 'the CLI fits the first-product model');
  assert.equal(productCli.baseline, cliGroups.by_first_product.baseline);
  const productEffects = '[data-testid="groups-product-effects-table"] tbody';
  assert.ok(await page.getByTestId('groups-product-effects').isVisible());
  assert.equal(await page.locator('#groups-product-effects-heading').textContent(), 'What each first product does to buying and leaving (model)');
  assert.deepEqual(await cells(`${productEffects} td[data-column="customers"]`), productCli.groups.map((g) => String(g.customers)));
  const productRows = productCli.groups.filter((g) => !g.small);
  assert.ok(productRows.length >= 2, 'at least two products large enough to compare');
  assert.deepEqual(
    await cells(`${productEffects} td[data-column="purchase"]`),
    productRows.map((g) => (g.baseline ? 'baseline' : times(g.purchase_multiplier))),
  );
  assert.match(await page.getByTestId('groups-product-effects-how').textContent(), new RegExp(`against ${productCli.baseline} \\(the most common first product\\)`));
  const productCsv = (await downloadText(page, 'download-groups-product-effects')).replace(/^\ufeff/, '').trimEnd().split('\r\n');
  assert.ok(productCsv[0].startsWith('First product,New customers,Repeat customers,Buying frequency vs the most common (×),'), productCsv[0]);
  assert.equal(productCsv.length, 1 + productCli.groups.length);
  const second = productCli.groups[1];
  const secondCells = productCsv[2].split(',');
  const secondExpected = [second.purchase_multiplier.value, second.dropout_multiplier.value];
  [secondCells[3], secondCells[6]].map(Number).forEach((v, i) => assert.ok(Math.abs(v - secondExpected[i]) <= 1e-8 * secondExpected[i], `${v} vs ${secondExpected[i]}`));

  // Each table as CSV: the rows, then the total, raw numbers.
  const csv = (await downloadText(page, 'download-groups-channel')).replace(/^\ufeff/, '').trimEnd().split('\r\n');
  assert.match(csv[0], /^Channel,Product ID,New customers,Share,Repeat customers,Repeat rate,/);
  assert.equal(csv.length, 6);
  // 0.7 - 0.3 is 0.39999999999999997 in binary floating point.
  assert.match(csv[2], /^Instagram,,40,[\d.]+,28,0\.7,0\.(4|39{5,}\d*),/);
  const products = (await downloadText(page, 'download-groups-product')).replace(/^\ufeff/, '').trimEnd().split('\r\n');
  assert.match(products[0], /^First product,/);
  assert.match(products[2], /^石けん,,52,[\d.]+,38,0\.73\d*,/);
  await section.screenshot({ path: `${ARTIFACTS}groups-en.png` });

  await page.getByTestId('lang').selectOption('ja');
  assert.equal(await page.locator('#groups-heading').textContent(), 'チャネル別・初回購入商品別');
  assert.equal(
    await page.getByTestId('groups-channel-reading').textContent(),
    'Instagram から来たお客様は、最も多い Google から来たお客様よりリピート率が 40 ポイント高くなっています。',
  );
  assert.equal(
    await page.getByTestId('groups-product-reading').textContent(),
    '初回に「石けん」を買ったお客様は、最も多い「タオル」から始めたお客様よりリピート率が 56.4 ポイント高くなっています。',
  );
  assert.deepEqual(await cells('[data-testid="groups-effects-reading"] li'), [
    `Instagram から来たお客様は、Google と比べて購入頻度が${x(instagram.purchase_multiplier.value)}倍です。離脱しやすさの差ははっきりしません。`,
  ]);
  assert.equal((await cells(`${effects} td[data-column="purchase"]`))[1], `${x(instagram.purchase_multiplier.value)}倍（${x(instagram.purchase_multiplier.low)}〜${x(instagram.purchase_multiplier.high)}倍）`);
  assert.equal(await page.locator('#groups-product-effects-heading').textContent(), '初回購入商品別の購入頻度・離脱しやすさ（モデル推定）');
  assert.match(await page.getByTestId('groups-product-effects-how').textContent(), new RegExp(`最も多い初回商品（${productCli.baseline}）と比べて`));
  const smallJa = '人数が少なく差は判断できません';
  assert.deepEqual(await cells(`${channel} td[data-column="difference"]`), ['基準', '+40ポイント', '偶然の範囲', smallJa, '—']);
  assert.equal(await page.locator(`${channel} tr[data-kind="missing"] td[data-column="difference"]`).textContent(), smallJa);
  assert.equal(await page.locator(`${channel} tr[data-kind="missing"] th`).textContent(), '（チャネルなし）');
  // No English in the Japanese section but the data's own names and the
  // Latin terms Japanese EC pages use.
  let text = await section.innerText();
  for (const word of [...DATA_NAMES, ...JAPANESE_TERMS]) text = text.replaceAll(word, '');
  assert.doesNotMatch(text, /[A-Za-z]{2,}/, text);
  const jaCsv = (await downloadText(page, 'download-groups-channel')).replace(/^\ufeff/, '').split('\r\n');
  assert.match(jaCsv[0], /^チャネル,商品ID,新規顧客数,構成比,リピート顧客数,リピート率,/);
  assert.match(jaCsv[4], /^（チャネルなし）,/);
  await section.screenshot({ path: `${ARTIFACTS}groups-ja.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a shop without predictions or channels: the product table without a predicted LTV, and too few customers to compare', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(siteUrl);
  // Five customers who each ordered once: no model can be fitted.
  const rows = ['order_id,customer_id,order_date,amount,item_name'];
  for (let i = 1; i <= 5; i++) rows.push(`o${i},c${i},2024-0${i}-01,1000,${i <= 3 ? 'Soap' : 'Towel'}`);
  await page.getByTestId('file-input').setInputFiles({ name: 'once.csv', mimeType: 'text/csv', buffer: Buffer.from(`${rows.join('\n')}\n`) });
  await settle(page);
  assert.ok(await page.getByTestId('groups').isVisible());
  assert.ok(await page.getByTestId('groups-channel-none').isVisible());
  const product = '[data-testid="groups-product-table"]';
  assert.deepEqual(await page.locator(`${product} tbody th`).allTextContents(), ['Soap', 'Towel', 'All customers']);
  assert.equal(await page.locator(`${product} td[data-column="model_ltv"]`).count(), 0);
  assert.ok(!(await page.locator(`${product} thead`).textContent()).includes('Predicted'));
  assert.equal(
    await page.getByTestId('groups-product-reading').textContent(),
    'Even the largest group has fewer than 30 customers: too few to judge a difference.',
  );
  assert.deepEqual(errors, []);
  await page.close();
});
