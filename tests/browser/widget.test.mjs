// <ltv-calculator> as bloggers and their readers live it, in headless
// Chromium: it renders inside a hostile theme, shows the core's numbers, takes
// the host's custom properties and ::part rules, keeps two instances apart,
// round-trips attributes, loads from another origin,
// requests nothing but its own files, the snippet generators' output works
// pasted into a blank page, `mode` shows the textbook or the horizon LTV with
// both in the event, and a .wasm served with the wrong type still loads.
//
// Expected numbers come from the core itself: `ltvlab simulate --formula
// --json` and `ltvlab analyze --json`, run through cargo (built once, then
// cached). Screenshots go to tests/browser/artifacts/ (gitignored).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium, startServer } from '../../scripts/browser.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WWW = path.join(ROOT, 'www');
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
const BASE = '/ltvlab/';
const RESULT_TIMEOUT_MS = 20_000;
// wasm and native builds of the same formula may differ in the last bits of
// `powf` (different libm), and the widget rounds 1 - retention to 12 decimals
// where the CLI does not; nothing else separates them.
const FORMULA_REL_TOLERANCE = 1e-9;
// The widget shows the data's AOV and purchases rounded to 2 decimals and
// retention in percent with 1 decimal.
const UPLOAD_TOLERANCE = { aov: 0.005, frequency: 0.005, retentionPercent: 0.05 };
// The calculator path: everything a page with <ltv-calculator> may load.
const CALCULATOR_FILES = ['widget/ltv-calculator.js', 'widget/pkg/ltvlab.js', 'widget/pkg/ltvlab_bg.wasm'];
// And, after a CSV drop with allow-upload, the app's full wasm.
const UPLOAD_FILES = ['widget/upload-worker.js', 'pkg/ltvlab.js', 'pkg/ltvlab_bg.wasm'];

let server;
let siteUrl;
let browser;
let context;
let requests = [];
const pageErrors = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ child: server, url: siteUrl } = await startServer(BASE));
  browser = await launchChromium(['--disable-quic']);
  context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  context.on('request', (request) => requests.push(request.url()));
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (csvPath) rmSync(path.dirname(csvPath), { recursive: true, force: true });
  assert.deepEqual(pageErrors, [], 'no page errors');
});

test('it renders inside a hostile blog theme and leaves the theme alone', async () => {
  requests = [];
  const page = await openPage(`${siteUrl}widget/demo/blog.html`);
  const calculators = page.locator('ltv-calculator');
  assert.equal(await calculators.count(), 2);
  for (let i = 0; i < 2; i++) {
    await calculators.nth(i).scrollIntoViewIfNeeded();
    await waitForResult(calculators.nth(i));
  }
  const first = calculators.nth(0);
  // The widget's own sizes and colours, not the theme's 3em red magenta-bordered inputs.
  const look = await first.evaluate((el) => {
    const root = el.shadowRoot;
    const style = (selector) => getComputedStyle(root.querySelector(selector));
    return {
      hostDisplay: getComputedStyle(el).display,
      hostFontSize: getComputedStyle(el).fontSize,
      inputFontSize: style('input[name="aov"]').fontSize,
      inputColor: style('input[name="aov"]').color,
      inputBorder: style('input[name="aov"]').borderTopWidth,
      valueFontSize: style('[data-value="ltv"]').fontSize,
      sectionBackground: style('section').backgroundColor,
      chartLines: root.querySelectorAll('svg polyline').length,
      chartDisplay: style('svg').display,
      hidden: root.querySelector('[part~="upload"]').getBoundingClientRect().height,
      width: el.getBoundingClientRect().width,
    };
  });
  assert.deepEqual(look, {
    hostDisplay: 'block',
    hostFontSize: '16px',
    inputFontSize: '14.96px', // 1.1em of the label's .85em of 16px
    inputColor: 'rgb(29, 35, 43)',
    inputBorder: '1px',
    valueFontSize: '25.6px', // 1.6em
    sectionBackground: 'rgb(255, 255, 255)',
    chartLines: 2,
    chartDisplay: 'block',
    hidden: 0, // [hidden] { display: block !important } in the theme does not reach the upload box
    width: look.width,
  });
  assert.ok(look.width > 300, `the calculator is ${look.width}px wide`);
  for (const name of ['ltv', 'ratio', 'payback']) {
    const box = await first.locator(`[data-value="${name}"]`).boundingBox();
    assert.ok(box && box.width > 10 && box.height > 10, `${name} is visible`);
  }
  // The theme still rules its own elements: the widget added no global styles.
  const theme = await page.evaluate(() => ({
    sheets: document.styleSheets.length,
    adopted: document.adoptedStyleSheets.length,
    paragraph: getComputedStyle(document.querySelector('article p')).fontSize,
  }));
  assert.deepEqual(theme, { sheets: 1, adopted: 0, paragraph: '44.2px' }); // 1.3rem of 34px
  await page.screenshot({ path: `${ARTIFACTS}widget-blog.png`, fullPage: true });
  assertOnly(requests, siteUrl, ['widget/demo/blog.html', 'widget/demo/hostile.css', ...CALCULATOR_FILES]);
  await page.close();
});

// Each row: the element's attributes, the same inputs as CLI arguments, the
// what-if levers (slider positions) and why the row is there. Expected values:
// `ltvlab simulate --formula ... --json`.
const FORMULA_CASES = [
  {
    why: 'a typical shop, with both levers',
    attrs: { lang: 'en', currency: 'USD', aov: '50', frequency: '3', retention: '0.6', margin: '0.3', cac: '30' },
    cli: ['--aov', '50', '--frequency', '3', '--retention', '0.6', '--margin', '0.3', '--cac', '30'],
    levers: { retention: 5, aov: 10 },
  },
  {
    why: 'yen, Japanese, churn instead of retention',
    attrs: { lang: 'ja', currency: 'JPY', aov: '5000', frequency: '3', churn: '0.4', margin: '0.3', 'discount-rate': '0.01', cac: '3000', fields: 'aov frequency churn margin cac' },
    cli: ['--aov', '5000', '--frequency', '3', '--churn', '0.4', '--margin', '0.3', '--discount-rate', '0.01', '--cac', '3000'],
    levers: { retention: 3, aov: -5 },
  },
  {
    why: 'retention 0: nobody reaches a second month, since 12-month survival is 1 - churn (LTV 60, payback 1)',
    attrs: { lang: 'en', currency: 'USD', aov: '120', frequency: '12', retention: '0', margin: '0.5', 'discount-rate': '0', cac: '30', horizon: '12' },
    cli: ['--aov', '120', '--frequency', '12', '--retention', '0', '--margin', '0.5', '--discount-rate', '0', '--cac', '30', '--horizon', '12'],
    levers: { retention: 0, aov: 0 },
  },
  {
    why: 'no CAC: no ratio, payback 0',
    attrs: { lang: 'en', currency: 'EUR', aov: '24', frequency: '10', retention: '70%', margin: '25%', cac: '0' },
    cli: ['--aov', '24', '--frequency', '10', '--retention', '70%', '--margin', '25%', '--cac', '0'],
    levers: { retention: 10, aov: 20 },
  },
  {
    why: 'a CAC never paid back within 24 months',
    attrs: { lang: 'en', currency: 'GBP', aov: '80', frequency: '1', retention: '0.35', margin: '0.2', 'discount-rate': '2%', cac: '400', horizon: '24' },
    cli: ['--aov', '80', '--frequency', '1', '--retention', '0.35', '--margin', '0.2', '--discount-rate', '0.02', '--cac', '400', '--horizon', '24'],
    levers: { retention: 20, aov: 50 },
  },
];

test("its numbers equal the core's formula mode (ltvlab simulate --formula)", async () => {
  for (const row of FORMULA_CASES) {
    const expected = cliFormula([
      ...row.cli,
      '--retention-lift', `+${row.levers.retention}pt`,
      '--aov-lift', `${row.levers.aov >= 0 ? '+' : ''}${row.levers.aov}%`,
    ]);
    const page = await openHostPage(`${siteUrl}host.html`, `<ltv-calculator${attributes(row.attrs)}></ltv-calculator>`);
    const calc = page.locator('ltv-calculator');
    await waitForResult(calc);
    const changes = await countEvents(calc);
    await calc.locator('input[name="retention-lift"]').fill(String(row.levers.retention));
    await calc.locator('input[name="aov-lift"]').fill(String(row.levers.aov));
    if (row.levers.retention !== 0 || row.levers.aov !== 0) {
      await page.waitForFunction((n) => window.__changes >= n, 1);
    }
    const detail = await calc.evaluate((el) => el.result);
    // Both modes' values, today's, at the top of the detail (the default mode is horizon).
    assert.equal(detail.mode, 'horizon', row.why);
    assertClose(detail.horizon_ltv, expected.baseline.ltv, `${row.why}: horizon_ltv`);
    if (expected.baseline.lifetime_ltv === null) assert.equal(detail.simple_ltv, null, `${row.why}: simple_ltv`);
    else assertClose(detail.simple_ltv, expected.baseline.lifetime_ltv, `${row.why}: simple_ltv`);
    for (const which of ['baseline', 'scenario']) {
      const got = detail[which];
      const want = expected[which];
      const label = `${row.why}: ${which}`;
      assertClose(got.ltv, want.ltv, `${label} ltv`);
      // The textbook whole-lifetime value rides along (null at 0 % churn).
      if (want.lifetime_ltv === null) assert.equal(got.lifetime_ltv, null, `${label} lifetime_ltv`);
      else assertClose(got.lifetime_ltv, want.lifetime_ltv, `${label} lifetime_ltv`);
      if (want.ltv_to_cac === null) assert.equal(got.ltv_to_cac, null, `${label} ltv_to_cac`);
      else assertClose(got.ltv_to_cac, want.ltv_to_cac, `${label} ltv_to_cac`);
      assert.equal(got.payback_months, want.payback_months, `${label} payback`);
      assert.equal(got.cumulative_value_by_month.length, want.cumulative_value_by_month.length, `${label} months`);
      got.cumulative_value_by_month.forEach((v, i) => assertClose(v, want.cumulative_value_by_month[i], `${label} month ${i + 1}`));
    }
    // What the reader sees: the CLI's numbers through the browser's Intl.
    const shown = await calc.evaluate((el) => ({
      ltv: el.shadowRoot.querySelector('[data-value="ltv"]').textContent,
      ratio: el.shadowRoot.querySelector('[data-value="ratio"]').textContent,
      payback: el.shadowRoot.querySelector('[data-value="payback"]').textContent,
    }));
    const lang = row.attrs.lang;
    const money = await page.evaluate(([l, c, v]) => new Intl.NumberFormat(l, { style: 'currency', currency: c }).format(v), [lang, row.attrs.currency, expected.baseline.ltv]);
    assert.equal(shown.ltv, money, `${row.why}: LTV shown`);
    if (row.attrs.currency === 'JPY') assert.doesNotMatch(shown.ltv, /\./, 'yen has no decimals');
    if (expected.baseline.ltv_to_cac === null) {
      assert.equal(shown.ratio, 'no CAC');
    } else {
      const ratio = await page.evaluate(([l, v]) => new Intl.NumberFormat(l, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v), [lang, expected.baseline.ltv_to_cac]);
      assert.equal(shown.ratio, `${ratio}×`, `${row.why}: ratio shown`);
    }
    const months = expected.baseline.payback_months;
    const horizon = expected.baseline_inputs.horizon_months;
    const payback = lang === 'ja'
      ? (months === null ? `${horizon}か月以内に回収できません` : `${months}か月`)
      : (months === null ? `not within ${horizon} months` : `${months} ${months === 1 ? 'month' : 'months'}`);
    assert.equal(shown.payback, payback, `${row.why}: payback shown`);
    assert.ok(changes !== null);
    await page.close();
  }
});

test('hosts style it through custom properties and ::part', async () => {
  const css = `ltv-calculator { --ltv-accent: rgb(1, 2, 3); --ltv-font-size: 20px; }
    ltv-calculator::part(container) { border-width: 4px; }
    ltv-calculator::part(explanation) { display: none; }
    #plain { --ltv-accent: initial; }`;
  const page = await openHostPage(`${siteUrl}styled.html`, `<style>${css}</style>
    <ltv-calculator id="styled" lang="en"></ltv-calculator><ltv-calculator id="plain" lang="en"></ltv-calculator>`);
  for (const id of ['styled', 'plain']) await waitForResult(page.locator(`#${id}`));
  const look = (id) => page.locator(`#${id}`).evaluate((el) => {
    const style = (selector) => getComputedStyle(el.shadowRoot.querySelector(selector));
    return {
      value: style('[data-value="ltv"]').color,
      font: getComputedStyle(el).fontSize,
      border: style('section').borderTopWidth,
      explanation: style('[data-how="ltv"]').display,
    };
  });
  assert.deepEqual(await look('styled'), { value: 'rgb(1, 2, 3)', font: '20px', border: '4px', explanation: 'none' });
  // `initial` makes the custom property fall back to the widget's default.
  assert.deepEqual(await look('plain'), { value: 'rgb(11, 107, 203)', font: '20px', border: '4px', explanation: 'none' });
  await page.close();
});

test('two calculators on one page stay independent', async () => {
  const page = await openPage(`${siteUrl}widget/demo/blog.html`);
  const [first, second] = [page.locator('#first'), page.locator('#second')];
  for (const calc of [first, second]) {
    await calc.scrollIntoViewIfNeeded();
    await waitForResult(calc);
  }
  const before = await second.evaluate((el) => el.result);
  await page.evaluate(() => {
    window.__events = { first: 0, second: 0 };
    for (const id of ['first', 'second']) document.getElementById(id).addEventListener('ltv-change', () => window.__events[id]++);
  });
  await first.scrollIntoViewIfNeeded();
  await first.locator('input[name="aov"]').fill('96');
  await first.locator('input[name="retention-lift"]').fill('7');
  await page.waitForFunction(() => document.getElementById('first').result.levers.retention_points === 7);
  const firstResult = await first.evaluate((el) => el.result);
  assert.equal(firstResult.inputs.aov, 96);
  assert.equal(await second.evaluate((el) => el.shadowRoot.querySelector('input[name="aov"]').value), '24');
  assert.equal(await second.evaluate((el) => el.shadowRoot.querySelector('input[name="retention-lift"]').value), '0');
  assert.deepEqual(await second.evaluate((el) => el.result), before);
  // A bad input in one shows an error in that one only.
  await second.scrollIntoViewIfNeeded();
  await second.locator('input[name="frequency"]').fill('ten');
  await expectError(second, 'Purchases per year: “ten” is not a number');
  assert.equal(await first.evaluate((el) => el.shadowRoot.querySelector('.error').hidden), true);
  const events = await page.evaluate(() => window.__events);
  assert.equal(events.second, 0, 'the second calculator did not fire');
  assert.ok(events.first >= 1, 'the first calculator fired');
  // Label ids are per shadow root, so each label names its own input.
  assert.equal(await first.getByLabel('Average order value (USD)').inputValue(), '96');
  assert.equal(await second.getByLabel('Average order value (EUR)').inputValue(), '24');
  await page.close();
});

test('attributes round-trip, ltv-change fires, bad inputs show inside the widget', async () => {
  const page = await openHostPage(`${siteUrl}host.html`, '<ltv-calculator lang="en" currency="USD" aov="50" cac="30"></ltv-calculator>');
  const calc = page.locator('ltv-calculator');
  await waitForResult(calc);
  await countEvents(calc);

  // Attribute in: the field, the property and the event's inputs agree.
  await calc.evaluate((el) => el.setAttribute('aov', '75'));
  await page.waitForFunction(() => window.__last?.inputs.aov === 75);
  assert.equal(await calc.locator('input[name="aov"]').inputValue(), '75');
  assert.equal(await calc.evaluate((el) => el.aov), 75);
  // Property in: the attribute reflects it.
  await calc.evaluate((el) => { el.margin = 0.45; });
  await page.waitForFunction(() => window.__last?.inputs.margin === 0.45);
  assert.equal(await calc.getAttribute('margin'), '0.45');
  assert.equal(await calc.locator('input[name="margin"]').inputValue(), '45');
  await calc.evaluate((el) => el.setAttribute('retention', '72%'));
  await page.waitForFunction(() => Math.abs(window.__last?.inputs.churn - 0.28) < 1e-12);
  assert.equal(await calc.locator('input[name="retention"]').inputValue(), '72');
  await calc.evaluate((el) => el.setAttribute('discount-rate', '0.5%'));
  await page.waitForFunction(() => window.__last?.inputs.monthly_discount_rate === 0.005);
  // The event carries inputs and outputs, and crosses the shadow boundary.
  const detail = await page.evaluate(() => window.__last);
  assert.deepEqual(Object.keys(detail).sort(), ['baseline', 'currency', 'horizon_ltv', 'inputs', 'levers', 'mode', 'scenario', 'simple_ltv']);
  assert.equal(detail.currency, 'USD');
  assert.ok(detail.baseline.ltv > 0 && detail.baseline.ltv_to_cac > 0);
  const typed = await page.evaluate(() => window.__changes);
  await calc.locator('input[name="cac"]').fill('45');
  await page.waitForFunction((n) => window.__changes > n, typed);
  assert.equal(await page.evaluate(() => window.__last.inputs.cac), 45);
  assert.equal(await calc.getAttribute('cac'), '30', 'typing does not rewrite the page’s attributes');

  // fields, lang, currency, theme, compact.
  await calc.evaluate((el) => el.setAttribute('fields', 'aov cac'));
  const visible = await calc.evaluate((el) => [...el.shadowRoot.querySelectorAll('[data-field]')].filter((l) => !l.hidden).map((l) => l.dataset.field));
  assert.deepEqual(visible, ['aov', 'cac']);
  assert.deepEqual(await calc.evaluate((el) => el.fields), ['aov', 'cac']);
  await calc.evaluate((el) => el.setAttribute('lang', 'ja'));
  await calc.evaluate((el) => el.setAttribute('currency', 'JPY'));
  await page.waitForFunction(() => window.__last?.currency === 'JPY');
  assert.equal(await calc.locator('[data-field="aov"] span').textContent(), '平均購買単価 (JPY)');
  assert.match(await calc.locator('[data-value="ltv"]').textContent(), /^￥[\d,]+$/);
  const background = () => calc.evaluate((el) => getComputedStyle(el.shadowRoot.querySelector('section')).backgroundColor);
  assert.equal(await background(), 'rgb(255, 255, 255)');
  await calc.evaluate((el) => el.setAttribute('theme', 'dark'));
  assert.equal(await background(), 'rgb(27, 31, 36)');
  await calc.evaluate((el) => el.setAttribute('compact', ''));
  assert.equal(await calc.locator('[data-how="ltv"]').isVisible(), false, 'compact hides the explanations');
  await calc.evaluate((el) => el.removeAttribute('compact'));
  assert.ok((await calc.locator('[data-how="ltv"]').textContent()).length > 20, 'LTV explains itself');

  // Errors are messages inside the widget: unreadable text, then the core's own check.
  const shown = await page.evaluate(() => window.__changes);
  await calc.evaluate((el) => el.setAttribute('fields', 'aov margin cac'));
  await page.waitForFunction((n) => window.__changes > n, shown);
  const fired = await page.evaluate(() => window.__changes);
  await calc.locator('input[name="margin"]').fill('150');
  await expectError(calc, /粗利率|margin/);
  assert.match(await calc.locator('.error').textContent(), /^入力を確認してください：.*margin/);
  assert.equal(await calc.locator('input[name="margin"]').getAttribute('aria-invalid'), 'false');
  await calc.locator('input[name="margin"]').fill('3O');
  await expectError(calc, '粗利率：「3O」は数値ではありません');
  assert.equal(await calc.locator('input[name="margin"]').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => window.__changes), fired, 'no ltv-change while the inputs are wrong');
  await calc.locator('input[name="margin"]').fill('30');
  await page.waitForFunction(() => window.__last.inputs.margin === 0.3);
  assert.equal(await calc.locator('.error').isVisible(), false);
  // An unreadable attribute is an error too, not a silent default.
  await calc.evaluate((el) => el.setAttribute('aov', 'lots'));
  await expectError(calc, '平均購買単価：「lots」は数値ではありません');
  await calc.evaluate((el) => el.setAttribute('aov', '¥6,000'));
  await page.waitForFunction(() => window.__last.inputs.aov === 6000);
  assert.equal(await calc.locator('.error').isVisible(), false);
  // Retention typed, then the churn field shown instead: the same customers.
  await calc.evaluate((el) => el.setAttribute('fields', 'aov retention cac'));
  await calc.locator('input[name="retention"]').fill('75');
  await page.waitForFunction(() => Math.abs(window.__last.inputs.churn - 0.25) < 1e-12);
  await calc.evaluate((el) => el.setAttribute('fields', 'aov churn cac'));
  assert.equal(await calc.locator('input[name="churn"]').inputValue(), '25');
  assert.ok(await calc.locator('input[name="churn"]').isVisible());
  await page.close();
});

// The host policies of the README's "headers for another origin": the widget
// must work under the documented CSP, and fall back to the main thread for the
// CSV drop when workers are forbidden. `default-src 'none'` also proves that
// the widget's styles need no `style-src`.
const HOST_POLICIES = [
  { why: 'the README’s CSP', workers: 1, csp: (cdn) => `default-src 'none'; script-src 'self' ${cdn} 'wasm-unsafe-eval'; connect-src 'self' ${cdn}; worker-src 'self' blob:` },
  { why: 'a CSP without workers', workers: 0, csp: (cdn) => `default-src 'none'; script-src 'self' ${cdn} 'wasm-unsafe-eval'; connect-src 'self' ${cdn}; worker-src 'none'` },
];

test('from another origin under a subpath it works and asks only for its own files, CSV drop included', async () => {
  const cdn = await startCorsServer('/cdn/ltvlab/');
  const cdnOrigin = new URL(cdn.url).origin;
  for (const policy of HOST_POLICIES) {
    const host = await startCorsServer('/', { page: hostPage(cdn.url), csp: policy.csp(cdnOrigin) });
    requests = [];
    const page = await openPage(`${host.url}article.html`);
    const workers = [];
    page.on('worker', (worker) => workers.push(worker.url()));
    const violations = [];
    page.on('console', (message) => {
      if (/Content Security Policy/.test(message.text())) violations.push(message.text());
    });
    const calc = page.locator('ltv-calculator');
    await waitForResult(calc);
    assert.ok((await calc.evaluate((el) => el.result.baseline.ltv)) > 0, policy.why);
    assert.equal(await calc.evaluate((el) => getComputedStyle(el.shadowRoot.querySelector('section')).backgroundColor), 'rgb(255, 255, 255)', `${policy.why}: styled`);
    await calc.locator('input[type="file"]').setInputFiles(generateCsv());
    await page.waitForFunction(() => /customers|could not/.test(document.querySelector('ltv-calculator').shadowRoot.querySelector('[part~="upload-status"]').textContent), null, { timeout: 60_000 });
    assert.match(await calc.locator('[part~="upload-status"]').textContent(), /^orders\.csv: [\d,]+ customers/, policy.why);
    assert.equal(workers.length, policy.workers, `${policy.why}: workers ${workers}`);
    if (policy.workers) assert.match(workers[0], /^blob:/, 'a same-origin blob worker');
    const calculatorPaths = [...CALCULATOR_FILES, ...UPLOAD_FILES];
    const allowed = new Set([`${host.url}article.html`, ...calculatorPaths.map((p) => `${cdn.url}${p}`)]);
    const other = requests.filter((url) => !allowed.has(url) && !url.startsWith('blob:'));
    assert.deepEqual(other, [], `${policy.why}: only the page and the widget’s files were requested`);
    for (const p of calculatorPaths) assert.ok(requests.includes(`${cdn.url}${p}`), `${policy.why}: ${p} was loaded from the other origin`);
    if (policy.workers) assert.deepEqual(violations, [], `${policy.why}: no CSP violation`);
    await page.close();
    host.close();
  }
  cdn.close();
});

test('a CSV drop runs the full analysis in the page and fills the inputs from the data', async () => {
  requests = [];
  const page = await openPage(`${siteUrl}widget/demo/ja.html`);
  const other = page.locator('ltv-calculator').nth(0);
  await waitForResult(other);
  const calc = page.locator('ltv-calculator').nth(1);
  await calc.scrollIntoViewIfNeeded();
  await waitForResult(calc);
  const before = await calc.evaluate((el) => el.result.baseline.ltv);
  // Only the calculator's small wasm so far; the app's wasm waits for a file.
  assertOnly(requests, siteUrl, ['widget/demo/ja.html', 'widget/demo/article.css', ...CALCULATOR_FILES]);

  const csv = generateCsv();
  const expected = JSON.parse(execFileSync('cargo', ['run', '--release', '--quiet', '--', 'analyze', csv, '--json', '--margin', '0.4'], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28,
  })).predictions.formula;
  await calc.locator('input[type="file"]').setInputFiles(csv);
  await page.waitForFunction(() => /顧客[\d,]+人/.test(document.querySelectorAll('ltv-calculator')[1].shadowRoot.querySelector('[part~="upload-status"]').textContent), null, { timeout: 60_000 });
  await page.waitForFunction((b) => document.querySelectorAll('ltv-calculator')[1].result.baseline.ltv !== b, before);
  const inputs = await calc.evaluate((el) => el.result.inputs);
  assert.ok(Math.abs(inputs.aov - expected.average_order_value) <= UPLOAD_TOLERANCE.aov, `aov ${inputs.aov} vs ${expected.average_order_value}`);
  assert.ok(Math.abs(inputs.purchases_per_year - expected.purchases_per_month * 12) <= UPLOAD_TOLERANCE.frequency, `frequency ${inputs.purchases_per_year}`);
  assert.ok(Math.abs((1 - inputs.churn) * 100 - (1 - expected.churn_rate) * 100) <= UPLOAD_TOLERANCE.retentionPercent, `retention ${1 - inputs.churn} vs ${1 - expected.churn_rate}`);
  const status = await calc.locator('[part~="upload-status"]').textContent();
  const modelLtv = await page.evaluate((v) => new Intl.NumberFormat('ja', { style: 'currency', currency: 'JPY' }).format(v), expected.model_ltv);
  assert.ok(status.includes(modelLtv), `the status names the model's LTV ${modelLtv}: ${status}`);
  // The first calculator on the page did not move.
  assert.equal(await other.evaluate((el) => el.result.inputs.aov), 5000);
  assert.equal(await other.locator('input[name="aov"]').inputValue(), '5000');
  assertOnly(requests, siteUrl, ['widget/demo/ja.html', 'widget/demo/article.css', ...CALCULATOR_FILES, ...UPLOAD_FILES]);
  await page.screenshot({ path: `${ARTIFACTS}widget-ja-upload.png`, fullPage: true });
  await page.close();
});

test("the snippet generator's output works pasted into a blank page", async () => {
  const page = await openPage(`${siteUrl}widget/embed.html`);
  const preview = page.getByTestId('preview').locator('ltv-calculator');
  await waitForResult(preview);
  await page.getByLabel('Language').selectOption('ja');
  await page.getByLabel('Currency').fill('JPY');
  await page.getByLabel('Average order value').fill('4000');
  await page.getByLabel('Annual retention').fill('0.55');
  await page.getByLabel('Acquisition cost').fill('2500');
  await page.getByLabel('discount rate', { exact: false }).last().uncheck();
  await page.getByLabel('compact').check();
  await page.getByLabel('Theme').selectOption('dark');
  await page.waitForFunction(() => document.querySelector('#preview ltv-calculator').result?.inputs.aov === 4000);
  const snippet = await page.getByTestId('snippet').inputValue();
  assert.match(snippet, /^<script type="module" src="http:\/\/127\.0\.0\.1:\d+\/ltvlab\/widget\/ltv-calculator\.js"><\/script>\n<ltv-calculator /);
  assert.match(snippet, / lang="ja" currency="JPY" aov="4000" /);
  assert.match(snippet, / fields="aov frequency retention margin cac" theme="dark" compact>/);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(siteUrl).origin });
  await page.getByTestId('copy').click();
  await page.locator('#copied', { hasText: 'Copied.' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), snippet, 'the button copies the snippet');
  const previewResult = await preview.evaluate((el) => el.result);
  await page.close();

  // Pasted into a blank page of the same site: the same calculator.
  const blank = await openHostPage(`${siteUrl}blank.html`, snippet, { bare: true });
  const calc = blank.locator('ltv-calculator');
  await waitForResult(calc);
  assert.deepEqual(await calc.evaluate((el) => el.result), previewResult);
  assert.equal(await calc.locator('[data-field="discount-rate"]').isVisible(), false);
  assert.equal(await calc.locator('[data-text="ltv"]').textContent(), 'LTV（60か月・割引後）');
  assert.equal(await calc.locator('[data-field="aov"] span').textContent(), '平均購買単価 (JPY)');
  await blank.close();
});

// Issue #15: the article teaches 平均購買単価 × 購買頻度 × 粗利率 × 継続期間,
// 8,000 × 2 × 0.4 ÷ 0.5 = ¥12,800, where the horizon mode shows a 60-month
// discounted value. `mode="simple"` shows the former, names the latter in a
// line, and the event carries both. Expected horizon values: `ltvlab simulate
// --formula --json`; the textbook value: the issue's worked example.
const ISSUE_EXAMPLE = {
  attrs: { lang: 'ja', currency: 'JPY', aov: '8000', frequency: '2', retention: '50%', margin: '40%', cac: '3200' },
  cli: ['--aov', '8000', '--frequency', '2', '--retention', '0.5', '--margin', '0.4', '--cac', '3200'],
  simpleLtv: 12_800, // issue #15: 8,000 × 2 × 0.4 ÷ 0.5
  simpleRatio: '4.0×', // 12,800 ÷ 3,200
};

test('mode="simple" shows the textbook ¥12,800, the event carries both values, and the mode switches', async () => {
  const expected = cliFormula(ISSUE_EXAMPLE.cli);
  assertClose(expected.baseline.lifetime_ltv, ISSUE_EXAMPLE.simpleLtv, 'the core’s textbook value');
  const page = await openHostPage(`${siteUrl}host.html`, `<ltv-calculator mode="simple"${attributes(ISSUE_EXAMPLE.attrs)}></ltv-calculator>`);
  const calc = page.locator('ltv-calculator');
  await waitForResult(calc);
  await countEvents(calc);
  const yen = (v) => page.evaluate((x) => new Intl.NumberFormat('ja', { style: 'currency', currency: 'JPY' }).format(x), v);
  const horizon = await yen(expected.baseline.ltv);
  const shown = () => calc.evaluate((el) => Object.fromEntries(['[data-text="ltv"]', '[data-value="ltv"]', '[data-value="ratio"]', '[data-how="ltv"]', '[data-other="ltv"]']
    .map((selector) => [selector, el.shadowRoot.querySelector(selector).textContent])));

  let detail = await calc.evaluate((el) => el.result);
  assert.equal(detail.mode, 'simple');
  assert.equal(await calc.evaluate((el) => el.mode), 'simple');
  assertClose(detail.simple_ltv, ISSUE_EXAMPLE.simpleLtv, 'simple_ltv');
  assertClose(detail.horizon_ltv, expected.baseline.ltv, 'horizon_ltv');
  assert.ok(detail.horizon_ltv < detail.simple_ltv, 'the horizon value is the lower one');
  assertClose(detail.baseline.lifetime_years, 2, 'lifetime_years: 1 ÷ (1 − 0.5)');
  assertClose(detail.baseline.lifetime_ltv_to_cac, 4, 'lifetime_ltv_to_cac');
  let text = await shown();
  assert.equal(text['[data-text="ltv"]'], 'LTV（生涯・基本式）');
  assert.equal(text['[data-value="ltv"]'], '￥12,800');
  assert.equal(text['[data-value="ratio"]'], ISSUE_EXAMPLE.simpleRatio);
  assert.match(text['[data-how="ltv"]'], /^平均購買単価￥8,000 × 購買頻度 年2回 × 粗利率40% × 継続期間2年（1 ÷（1 − 継続率50%））。割引はせず/);
  assert.equal(text['[data-other="ltv"]'], `60か月で打ち切り、月ごとに割り引いて計算すると${horizon}です。`);
  // The chart marks the textbook level in simple mode.
  assert.equal(await calc.evaluate((el) => el.shadowRoot.querySelectorAll('[data-series="simple"]').length), 1);

  // The property switches the mode: the horizon value leads, the textbook one is named.
  await calc.evaluate((el) => { el.mode = 'horizon'; });
  await page.waitForFunction(() => window.__last?.mode === 'horizon');
  assert.equal(await calc.getAttribute('mode'), 'horizon');
  detail = await page.evaluate(() => window.__last);
  assertClose(detail.simple_ltv, ISSUE_EXAMPLE.simpleLtv, 'simple_ltv in horizon mode');
  assertClose(detail.horizon_ltv, expected.baseline.ltv, 'horizon_ltv in horizon mode');
  text = await shown();
  assert.equal(text['[data-text="ltv"]'], 'LTV（60か月・割引後）');
  assert.equal(text['[data-value="ltv"]'], horizon);
  assert.equal(text['[data-other="ltv"]'], '基本式（平均購買単価 × 購買頻度 × 粗利率 × 継続期間、割引なし）で計算すると￥12,800です。');
  assert.equal(await calc.evaluate((el) => el.shadowRoot.querySelectorAll('[data-series="simple"]').length), 0);

  // English, simple, and 100 % retention: no finite lifetime, said in words.
  await calc.evaluate((el) => { el.setAttribute('lang', 'en'); el.setAttribute('mode', 'simple'); el.setAttribute('retention', '100%'); });
  await page.waitForFunction(() => window.__last?.mode === 'simple' && window.__last.inputs.churn === 0);
  detail = await page.evaluate(() => window.__last);
  assert.equal(detail.simple_ltv, null);
  assert.ok(detail.horizon_ltv > 0);
  text = await shown();
  assert.equal(text['[data-text="ltv"]'], 'LTV (whole lifetime, textbook formula)');
  assert.equal(text['[data-value="ltv"]'], 'no limit');
  assert.equal(text['[data-how="ltv"]'], 'At 100% retention nobody ever leaves, so the whole-lifetime value has no limit.');
  // An unknown mode is the default.
  await calc.evaluate((el) => el.setAttribute('mode', 'lifetime'));
  await page.waitForFunction(() => window.__last?.mode === 'horizon');
  await page.close();
});

test('the Japanese snippet page makes a snippet that renders the chosen mode in a blank page', async () => {
  requests = [];
  const page = await openPage(`${siteUrl}widget/snippet.html`);
  const preview = page.getByTestId('preview').locator('ltv-calculator');
  // The form's own fields (the preview's shadow root has fields of the same names).
  const option = (selector) => page.getByTestId('options').locator(selector);
  await waitForResult(preview);
  // Its defaults are the issue's example in simple mode.
  assert.equal(await preview.evaluate((el) => el.shadowRoot.querySelector('[data-value="ltv"]').textContent), '￥12,800');
  assert.equal(await page.getByTestId('base').inputValue(), `${siteUrl}widget/`);
  await option('[name="cac"]').fill('3200');
  await option('[name="--ltv-accent"]').fill('#8c1d18');
  await option('[name="fields"][value="discount-rate"]').uncheck();
  await page.waitForFunction(() => document.querySelector('#preview ltv-calculator').result?.inputs.cac === 3200);
  const snippet = await page.getByTestId('snippet').inputValue();
  assert.equal(snippet, `<script type="module" src="${siteUrl}widget/ltv-calculator.js"></script>\n`
    + '<ltv-calculator mode="simple" lang="ja" currency="JPY" aov="8000" frequency="2" retention="50%" margin="40%" discount-rate="1%" cac="3200"'
    + ' fields="aov frequency retention margin cac" style="--ltv-accent: #8c1d18"></ltv-calculator>\n');
  const previewResult = await preview.evaluate((el) => el.result);
  await page.getByTestId('copy').click();
  await page.locator('#copied', { hasText: 'コピーしました。' }).waitFor();

  // Another folder: the snippet loads the widget from there; file:// is refused with a warning.
  await page.getByTestId('base').fill('https://cdn.example.jp/ltv');
  assert.match(await page.getByTestId('snippet').inputValue(), /^<script type="module" src="https:\/\/cdn\.example\.jp\/ltv\/ltv-calculator\.js">/);
  assert.equal(await page.locator('#base-warning').isVisible(), false);
  await page.getByTestId('base').fill('file:///C:/blog/widget/');
  assert.equal(await page.locator('#base-warning').isVisible(), true);
  assert.match(await page.getByTestId('snippet').inputValue(), new RegExp(`^<script type="module" src="${siteUrl}widget/ltv-calculator\\.js">`));
  await page.getByTestId('base').fill(`${siteUrl}widget/`);

  // The horizon mode, for the second snippet.
  await option('[name="mode"]').selectOption('horizon');
  const horizonSnippet = await page.getByTestId('snippet').inputValue();
  assert.match(horizonSnippet, /<ltv-calculator mode="horizon" lang="ja" /);
  await page.close();

  for (const [code, mode] of [[snippet, 'simple'], [horizonSnippet, 'horizon']]) {
    const blank = await openHostPage(`${siteUrl}blank-${mode}.html`, code, { bare: true });
    const calc = blank.locator('ltv-calculator');
    await waitForResult(calc);
    const result = await calc.evaluate((el) => el.result);
    assert.equal(result.mode, mode);
    assertClose(result.simple_ltv, ISSUE_EXAMPLE.simpleLtv, `${mode}: simple_ltv`);
    if (mode === 'simple') {
      assert.deepEqual(result, previewResult, 'the pasted snippet is the preview');
      assert.equal(await calc.locator('[data-value="ltv"]').textContent(), '￥12,800');
    } else {
      const horizon = await blank.evaluate((v) => new Intl.NumberFormat('ja', { style: 'currency', currency: 'JPY' }).format(v), result.horizon_ltv);
      assert.equal(await calc.locator('[data-value="ltv"]').textContent(), horizon);
      assert.notEqual(horizon, '￥12,800');
    }
    assert.equal(await calc.evaluate((el) => getComputedStyle(el.shadowRoot.querySelector('[data-value="ltv"]')).color), 'rgb(140, 29, 24)', `${mode}: the accent colour`);
    assert.equal(await calc.locator('[data-field="discount-rate"]').isVisible(), false);
    await blank.screenshot({ path: `${ARTIFACTS}widget-snippet-${mode}.png`, fullPage: true });
    await blank.close();
  }
  // No request beyond the site's own files (the blank pages are served by the test).
  assertOnly(requests, siteUrl, ['widget/snippet.html', 'widget/embed.css', 'widget/embed.js', ...CALCULATOR_FILES,
    'blank-simple.html', 'blank-horizon.html']);
});

test('a .wasm served without application/wasm still loads, through the ArrayBuffer fallback', async () => {
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const warnings = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  let served = null;
  await page.route('**/widget/pkg/ltvlab_bg.wasm', async (route) => {
    const response = await route.fetch();
    served = 'application/octet-stream';
    await route.fulfill({ response, headers: { ...response.headers(), 'content-type': served } });
  });
  await page.route(`${siteUrl}octet.html`, (route) => route.fulfill({
    contentType: 'text/html; charset=utf-8',
    body: `<!doctype html><html><head><meta charset="utf-8"><script type="module" src="widget/ltv-calculator.js"></script></head>
      <body><ltv-calculator mode="simple"${attributes(ISSUE_EXAMPLE.attrs)}></ltv-calculator></body></html>`,
  }));
  await page.goto(`${siteUrl}octet.html`);
  const calc = page.locator('ltv-calculator');
  await waitForResult(calc);
  assert.equal(served, 'application/octet-stream', 'the route served the wasm');
  assertClose(await calc.evaluate((el) => el.result.simple_ltv), ISSUE_EXAMPLE.simpleLtv, 'simple_ltv');
  assert.ok(warnings.some((w) => /application\/wasm/.test(w)), `the glue warned about the type: ${warnings}`);
  await page.close();
});

// ---- helpers -------------------------------------------------------------------

// A second origin: www/ under `base` with the CORS headers a CDN sends, or
// (with `page`) a host page on yet another origin, with the policy `csp`.
async function startCorsServer(base, { page, csp } = {}) {
  const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html; charset=utf-8' };
  const srv = createServer(async (req, res) => {
    const { pathname } = new URL(req.url, 'http://localhost');
    if (page) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': csp });
      return res.end(page);
    }
    const file = path.join(WWW, decodeURIComponent(pathname.slice(base.length)));
    if (!pathname.startsWith(base) || !file.startsWith(WWW)) {
      res.writeHead(404);
      return res.end();
    }
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
    } catch {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' });
      return res.end();
    }
    res.writeHead(200, {
      'Content-Type': types[path.extname(file)] ?? 'application/octet-stream',
      'Access-Control-Allow-Origin': '*',
    });
    createReadStream(file).pipe(res);
  });
  // The host page on `localhost`, the files on `127.0.0.1`: two origins.
  const host = page ? 'localhost' : '127.0.0.1';
  await new Promise((resolve) => srv.listen(0, host, resolve));
  return { url: `http://${host}:${srv.address().port}${base}`, close: () => srv.close() };
}

function hostPage(cdnUrl) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A shop on another origin</title>
<script type="module" src="${cdnUrl}widget/ltv-calculator.js"></script></head>
<body><h1>Our numbers</h1><ltv-calculator currency="USD" aov="40" allow-upload></ltv-calculator></body></html>`;
}

async function openPage(url) {
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(url);
  return page;
}

// A page of the test server's origin holding `body` (which loads the widget by
// a URL relative to the site's root unless `bare`).
async function openHostPage(url, body, { bare = false } = {}) {
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const script = bare ? '' : '<script type="module" src="widget/ltv-calculator.js"></script>';
  await page.route(url, (route) => route.fulfill({
    contentType: 'text/html; charset=utf-8',
    body: `<!doctype html><html><head><meta charset="utf-8">${script}</head><body>${body}</body></html>`,
  }));
  await page.goto(url);
  return page;
}

async function waitForResult(calc) {
  await calc.evaluate((el, timeout) => new Promise((resolve, reject) => {
    if (el.result) return resolve();
    const timer = setTimeout(() => reject(new Error(`no result: ${el.shadowRoot.querySelector('.error')?.textContent}`)), timeout);
    el.addEventListener('ltv-change', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  }), RESULT_TIMEOUT_MS);
}

// Counts the calculator's ltv-change events in window.__changes and keeps the
// last detail in window.__last.
async function countEvents(calc) {
  return calc.evaluate((el) => {
    window.__changes = 0;
    window.__last = el.result;
    document.addEventListener('ltv-change', (event) => {
      window.__changes++;
      window.__last = event.detail;
    });
    return 0;
  });
}

async function expectError(calc, message) {
  await calc.locator('.error').waitFor({ state: 'visible' });
  const text = await calc.locator('.error').textContent();
  if (message instanceof RegExp) assert.match(text, message);
  else assert.equal(text, message);
  assert.equal(await calc.locator('.error').getAttribute('role'), 'alert');
}

function attributes(attrs) {
  return Object.entries(attrs).map(([k, v]) => ` ${k}="${v}"`).join('');
}

function cliFormula(args) {
  const out = execFileSync('cargo', ['run', '--release', '--quiet', '--', 'simulate', '--formula', ...args, '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

let csvPath = null;
// A small synthetic Japanese shop (yen) from `ltvlab generate`, seeded.
function generateCsv() {
  if (csvPath) return csvPath;
  const csv = execFileSync('cargo', ['run', '--release', '--quiet', '--', 'generate', '--lines', '3000', '--seed', '11', '--currency-scale', '150'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  csvPath = path.join(mkdtempSync(path.join(tmpdir(), 'ltv-widget-')), 'orders.csv');
  writeFileSync(csvPath, csv);
  return csvPath;
}

function assertClose(got, want, label) {
  const scale = Math.max(1, Math.abs(want));
  assert.ok(Math.abs(got - want) <= FORMULA_REL_TOLERANCE * scale, `${label}: ${got} vs ${want}`);
}

// Every request went to the site and was one of `paths` (relative to it).
function assertOnly(seen, site, paths) {
  const allowed = new Set(paths.map((p) => `${site}${p}`));
  const other = seen.filter((url) => !allowed.has(url));
  assert.deepEqual(other, [], 'requests beyond the page and the widget’s own files');
}
