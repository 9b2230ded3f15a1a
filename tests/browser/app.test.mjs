// The page as a user lives it, in headless Chromium: try the sample, upload a
// file and read the numbers, survive hostile and broken files, and never talk
// to anything but the page's own server.
//
// The site is served under a subpath (/ltvlab/) to prove every URL is relative.
// Screenshots go to tests/browser/artifacts/ (gitignored).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
const BASE = '/ltvlab/';
// Debian's chromium; `npx playwright install` cannot download browsers here.
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const SETTLE_TIMEOUT_MS = 60_000;

let server;
let siteUrl;
let browser;
let context;
const requests = [];
const dialogs = [];
const consoleErrors = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ server, url: siteUrl } = await startServer());
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
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
  const rows = await page.locator('[data-testid="customers-table"] tbody tr').count();
  assert.equal(rows, Math.min(customers, 200));
  assert.ok((await page.getByTestId('ingest-report').textContent()).includes('Rows read'));
  await page.screenshot({ path: `${ARTIFACTS}sample-light.png`, fullPage: true });

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `${ARTIFACTS}sample-dark.png`, fullPage: true });
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

test('the page carries the same Content-Security-Policy as the server sends', async () => {
  const page = await openPage();
  const response = await page.goto(siteUrl);
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.equal(meta, response.headers()['content-security-policy']);
  await page.close();
});

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

// ---- helpers -----------------------------------------------------------------

async function startServer() {
  const child = spawn(process.execPath, ['scripts/serve.mjs', '--root', 'www', '--port', '0', '--base', BASE], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/ at (http:\/\/127\.0\.0\.1:\d+\/\S*)/);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}: ${output}`)));
  });
  return { server: child, url };
}

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
