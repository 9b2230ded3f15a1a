// The security headers of issue #13 (item 9), in headless Chromium: every
// page of the site carries a Content-Security-Policy with form-action 'none',
// in its <meta> tag (for static hosts that send no headers) and in the
// server's header, which adds frame-ancestors 'none' (a <meta> policy cannot
// say it); each page does its job under its policy without one violation; no
// other site can frame the app; and the service worker caches the app's own
// files and nothing else, which is enough to work offline.
//
// The site is served under a subpath (/ltvlab/) by scripts/serve.mjs.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium, startServer } from '../../scripts/browser.mjs';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../../www/sample/sample-orders.csv', import.meta.url));
const BASE = '/ltvlab/';
const SETTLE_TIMEOUT_MS = 60_000;
const HEADER_ONLY = "frame-ancestors 'none'";

let server;
let siteUrl;
let browser;

before(async () => {
  ({ child: server, url: siteUrl } = await startServer(BASE));
  browser = await launchChromium(['--disable-quic']);
});

after(async () => {
  await browser?.close();
  server?.kill();
});

// Each page, and what a visitor does there: under the page's policy it must
// all work.
const PAGES = [
  {
    path: '',
    name: 'the app',
    async use(page) {
      await page.getByTestId('sample').click();
      await settle(page, 'done');
      await page.waitForSelector('[data-testid="recommendations"][data-recommendations="done"]', { state: 'attached' });
      await page.waitForSelector('[data-testid="customers-interval"][data-state="done"]', { timeout: SETTLE_TIMEOUT_MS });
      // Chart PNGs go through a canvas and a blob: URL.
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('button[data-chart="alive"]').click()]);
      assert.equal(download.suggestedFilename(), 'ltvlab-alive.png');
    },
  },
  {
    path: 'widget/embed.html',
    name: 'the snippet generator',
    async use(page) {
      const preview = page.getByTestId('preview').locator('ltv-calculator');
      await waitForResult(preview);
      await page.getByLabel('allow a CSV drop').check();
      await preview.locator('input[type="file"]').waitFor({ state: 'attached' });
      assert.match(await page.getByTestId('snippet').inputValue(), / allow-upload>/);
    },
  },
  {
    path: 'widget/snippet.html',
    name: 'the Japanese snippet generator, with a colour',
    async use(page) {
      const preview = page.getByTestId('preview').locator('ltv-calculator');
      await waitForResult(preview);
      // The preview takes the colour through the CSSOM, which style-src 'self' allows.
      await page.getByTestId('options').locator('[name="--ltv-accent"]').fill('#8c1d18');
      assert.match(await page.getByTestId('snippet').inputValue(), / style="--ltv-accent: #8c1d18">/);
      assert.equal(await preview.evaluate((el) => getComputedStyle(el.shadowRoot.querySelector('[data-value="ltv"]')).color), 'rgb(140, 29, 24)');
    },
  },
  {
    path: 'widget/demo/blog.html',
    name: 'the blog demo',
    async use(page) {
      const calculators = page.locator('ltv-calculator');
      for (let i = 0; i < 2; i++) {
        await calculators.nth(i).scrollIntoViewIfNeeded();
        await waitForResult(calculators.nth(i));
      }
    },
  },
  {
    path: 'widget/demo/ja.html',
    name: 'the Japanese demo, with a CSV drop',
    async use(page) {
      const calc = page.locator('ltv-calculator').nth(1);
      await calc.scrollIntoViewIfNeeded();
      await waitForResult(calc);
      // The drop loads the app's wasm in a worker: worker-src, connect-src and wasm under the widget's policy.
      await calc.locator('input[type="file"]').setInputFiles(SAMPLE);
      await page.waitForFunction(
        () => /顧客[\d,]+人/.test(document.querySelectorAll('ltv-calculator')[1].shadowRoot.querySelector('[part~="upload-status"]').textContent),
        null,
        { timeout: SETTLE_TIMEOUT_MS },
      );
    },
  },
];

for (const { path, name, use } of PAGES) {
  test(`${name} (/${path}) carries its policy, and works under it without a violation`, async () => {
    const { context, page, violations } = await openWatched();
    const response = await page.goto(`${siteUrl}${path}`);
    const header = response.headers()['content-security-policy'];
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.ok(meta, 'a <meta> policy, for hosts that send no header');
    assert.match(meta, /(^|; )form-action 'none'(;|$)/);
    assert.doesNotMatch(meta, /frame-ancestors/, 'ignored in <meta>: it belongs in the header');
    assert.equal(header, `${meta}; ${HEADER_ONLY}`, 'the header is the <meta> policy plus frame-ancestors');
    assert.equal(response.headers()['x-frame-options'], 'DENY');
    assert.doesNotMatch(meta, /'unsafe-inline'|'unsafe-eval'|\*/, 'no inline scripts or styles, no eval, no wildcards');

    await use(page);
    assert.deepEqual(await page.evaluate(() => window.violations), [], 'securitypolicyviolation events');
    assert.deepEqual(violations, [], 'CSP errors in the console of the page or its workers');

    // The watch itself sees a violation when there is one.
    await page.evaluate(() => {
      const img = document.createElement('img');
      img.src = 'http://localhost:9/not-allowed.png';
      document.body.append(img);
    });
    await page.waitForFunction(() => window.violations.length > 0);
    assert.match((await page.evaluate(() => window.violations))[0], /^img-src /);
    await context.close();
  });
}

test('no other site can frame the app', async () => {
  // A page of another origin on this machine (a real server: Chromium treats
  // a routed page as public and would block a local frame for that alone).
  const framer = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>framer</title><iframe src="${siteUrl}"></iframe>`);
  });
  await new Promise((resolve) => framer.listen(0, 'localhost', resolve));
  try {
    const { context, page, violations } = await openWatched();
    const framed = page.waitForEvent('response', (response) => response.url() === siteUrl);
    await page.goto(`http://localhost:${framer.address().port}/`);
    const response = await framed;
    assert.match(response.headers()['content-security-policy'], /frame-ancestors 'none'/);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    // Blocked: Chromium shows its error page instead of the app, and says why.
    await waitFor(() => violations.some((text) => /frame-ancestors 'none'/.test(text)), 'the refusal is reported');
    assert.equal(await frame.locator('[data-testid="sample"]').count(), 0, 'the app is not in the frame');
    await context.close();
  } finally {
    framer.close();
  }
});

// The app's files, as www/sw.js lists them (sample data once used).
const APP_FILES = [
  '',
  'index.html',
  'app.js',
  'worker.js',
  'worker/charts-data.js',
  'worker/exports.js',
  'worker/recs-lists.js',
  'worker/intervals.js',
  'worker/ranges.js',
  'worker/range-worker.js',
  'protocol.js',
  'app/analysis.js',
  'app/chart-registry.js',
  'app/dashboard.js',
  'app/dom.js',
  'app/intervals.js',
  'app/state.js',
  'app/whatif.js',
  'app/worker-client.js',
  'sections/acquisition.js',
  'sections/cohorts.js',
  'sections/customers.js',
  'sections/deciles.js',
  'sections/distribution.js',
  'sections/funnel.js',
  'sections/group-effects.js',
  'sections/groups.js',
  'sections/groups-table.js',
  'sections/kpis.js',
  'sections/next-basket.js',
  'sections/notes.js',
  'sections/preview.js',
  'sections/progress.js',
  'sections/ranks.js',
  'sections/recommendations.js',
  'sections/report.js',
  'sections/segments.js',
  'sections/sheet.js',
  'sections/subscription.js',
  'sections/validation.js',
  'sections/whatif.js',
  'i18n.js',
  'charts.js',
  'style.css',
  'vendor/uplot/uPlot.esm.js',
  'vendor/uplot/uPlot.min.css',
  'pkg/ltvlab.js',
  'pkg/ltvlab_bg.wasm',
];

test('the service worker caches the app\'s own files, nothing else, and they are enough offline', async () => {
  const context = await browser.newContext();
  const loaded = new Set();
  context.on('request', (request) => loaded.add(request.url()));
  const page = await context.newPage();
  await page.goto(siteUrl);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: SETTLE_TIMEOUT_MS });
  // Controlled from the start this time, workers included.
  await page.reload();
  assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null));
  await page.getByTestId('sample').click();
  await settle(page, 'done');
  const appRequests = [...loaded].filter((url) => url.startsWith(siteUrl) && url !== `${siteUrl}sw.js`);

  // Same-origin files that are not the app's pass by.
  const other = ['widget/embed.html', 'widget/ltv-calculator.js', 'pkg/ltvlab.d.ts'];
  const statuses = await page.evaluate((paths) => Promise.all(paths.map((p) => fetch(p).then((r) => r.status))), other);
  assert.deepEqual(statuses, other.map(() => 200));

  const cached = await page.evaluate(async () => {
    const urls = [];
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
    }
    return urls;
  });
  assert.deepEqual(
    cached.map((url) => url.slice(siteUrl.length)).sort(),
    [...APP_FILES, 'sample/sample-orders.csv'].sort(),
    'the cache holds the app\'s files and the sample it read, nothing else',
  );
  const missing = appRequests.filter((url) => !cached.includes(url));
  assert.deepEqual(missing, [], 'every file the page and its workers loaded is cached');

  // Offline, the page and the sample still work from the cache.
  await context.setOffline(true);
  await page.reload();
  await page.getByTestId('sample').click();
  await settle(page, 'done');
  assert.ok(Number(await page.getByTestId('kpi-customers').getAttribute('data-value')) > 0);
  await context.setOffline(false);
  await context.close();
});

// ---- helpers -----------------------------------------------------------------

// A fresh context whose pages record securitypolicyviolation events in
// window.violations, and whose console messages about the policy (from pages
// and their workers) are collected in `violations`.
async function openWatched() {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    window.violations = [];
    document.addEventListener('securitypolicyviolation', (event) =>
      window.violations.push(`${event.effectiveDirective} ${event.blockedURI}`),
    );
  });
  const violations = [];
  context.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => violations.push(error.message));
  return { context, page, violations };
}

// Polls a condition on the test's side (events Playwright reports).
async function waitFor(condition, what) {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function settle(page, want) {
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, {
    timeout: SETTLE_TIMEOUT_MS,
  });
  const state = await page.evaluate(() => document.body.dataset.state);
  assert.equal(state, want, `page state (error shown: ${JSON.stringify(await page.getByTestId('error').textContent())})`);
}

async function waitForResult(calc) {
  await calc.evaluate((el, timeout) => new Promise((resolve, reject) => {
    if (el.result) return resolve();
    const timer = setTimeout(() => reject(new Error(`no result: ${el.shadowRoot.querySelector('.error')?.textContent}`)), timeout);
    el.addEventListener('ltv-change', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  }), SETTLE_TIMEOUT_MS);
}
