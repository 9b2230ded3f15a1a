// A dropped file read in byte ranges across Web Workers (www/worker/ranges.js)
// gives the page exactly what reading it in one go gives, and the same report
// as `ltvlab analyze --json`; a file that cannot be split, or whose ranges
// meet an error, is read in one go, with its error and line as always.
//
// The analysis worker is driven through its messages (protocol.js), with the
// test-only `splitMinBytes` so that small files are read in ranges too; one
// test drops a file above the page's own threshold on the page itself.
//
// Needs `build_wasm` (www/pkg) and the release binary (`cargo build --release`).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium, startServer } from '../../scripts/browser.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BASE = '/ltvlab/';
const TIMEOUT_MS = 120_000;

let server;
let siteUrl;
let browser;
let page;

before(async () => {
  ({ child: server, url: siteUrl } = await startServer(BASE));
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(siteUrl);
});

after(async () => {
  await browser?.close();
  server?.kill();
});

function cli(args, input) {
  return execFileSync('cargo', ['run', '--release', '--quiet', '--', ...args], {
    cwd: ROOT,
    input,
    maxBuffer: 512 * 1024 * 1024,
  });
}

/** A generated shop of `lines` order lines (`ltvlab generate`). */
const generated = (lines, ...flags) => cli(['generate', '--lines', String(lines), '--seed', '3', ...flags]);

/**
 * Analyses `bytes` in a fresh analysis worker of the page, as a dropped file:
 * `{ranges, result, progress}` (the posted result, the reading progress seen),
 * or `{error}` with the error message the page would show.
 */
async function analyzeInWorker(bytes, splitMinBytes) {
  return page.evaluate(
    async ({ data, splitMinBytes, timeout }) => {
      const worker = new Worker(new URL('worker.js', document.baseURI), { type: 'module', name: 'analysis' });
      try {
        return await new Promise((resolve, reject) => {
          const progress = [];
          let first = null;
          setTimeout(() => reject(new Error('timed out')), timeout);
          worker.onmessage = ({ data: message }) => {
            if (message.type === 'progress' && message.stage === 'reading') progress.push(message.percent);
            // The first figures, then what the models add: together the result.
            if (message.type === 'first-figures') first = message.result;
            if (message.type === 'result') {
              const whole = { ...first, ...message.result, notes: [...first.notes, ...message.result.notes] };
              // Typed arrays as plain arrays, for deepEqual in node.
              const plain = JSON.parse(JSON.stringify(whole, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v) : v)));
              resolve({ ranges: message.ranges, result: plain, progress });
            }
            if (message.type === 'error') resolve({ error: message.error });
          };
          const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
          const file = new File([bytes], 'orders.csv', { type: 'text/csv' });
          const options = { ingest: { today: '2030-01-01' } };
          worker.postMessage({ type: 'analyze', id: 1, options, file, splitMinBytes, lang: 'en' });
        });
      } finally {
        worker.terminate();
      }
    },
    { data: Buffer.from(bytes).toString('base64'), splitMinBytes, timeout: TIMEOUT_MS },
  );
}

/** The page's ingest report against the CLI's, and the split result against the one-go one. */
function assertSameAsOneGo(split, oneGo, bytes, what) {
  assert.equal(oneGo.ranges, 1, `${what}: read in one go`);
  assert.deepEqual(split.result, oneGo.result, `${what}: the same result in ranges and in one go`);
  const c = JSON.parse(cli(['analyze', '--json', '--today', '2030-01-01', '-'], bytes).toString());
  assert.deepEqual(split.result.report, c.ingest, `${what}: the CLI's ingest report`);
  assert.equal(split.result.summary.customers.orders.reduce((a, b) => a + b, 0), c.summary.orders, `${what}: the CLI's orders`);
  assert.equal(split.result.summary.customers.customer_id.ends.length, c.summary.customers, `${what}: the CLI's customers`);
}

test('a generated shop read in two ranges gives the one-go result and the CLI report', async () => {
  const bytes = generated(30_000);
  const split = await analyzeInWorker(bytes, 0);
  assert.equal(split.error, undefined, JSON.stringify(split.error));
  assert.equal(split.ranges, 2, 'read in two ranges');
  assert.equal(split.progress.at(-1), 100, `reading progress reaches 100%: ${split.progress}`);
  assert.ok(split.progress.some((p) => p > 0 && p < 100), `reading progress in between: ${split.progress}`);
  const oneGo = await analyzeInWorker(bytes, Infinity);
  assertSameAsOneGo(split, oneGo, bytes, 'generated shop');
});

test('a Shift_JIS (CP932) shop with Japanese names is read in ranges too', async () => {
  const bytes = generated(20_000, '--japanese', '--shift-jis');
  const split = await analyzeInWorker(bytes, 0);
  assert.equal(split.ranges, 2, 'read in two ranges');
  const oneGo = await analyzeInWorker(bytes, Infinity);
  assertSameAsOneGo(split, oneGo, bytes, 'cp932 shop');
});

test('an order-level amount (Shopify) cannot be split: read in one go, the same result', async () => {
  const bytes = generated(20_000, '--format', 'shopify');
  const split = await analyzeInWorker(bytes, 0);
  assert.equal(split.ranges, 1, 'read in one go');
  const oneGo = await analyzeInWorker(bytes, Infinity);
  assert.deepEqual(split.result, oneGo.result);
});

test('an error in a later range is reported as in one go, with its line', async () => {
  const good = generated(20_000).toString();
  const lines = good.split('\n');
  const at = Math.floor(lines.length * 0.8);
  // The header again with its last column renamed: an error that names its line.
  lines.splice(at, 0, [...lines[0].split(',').slice(0, -1), 'note'].join(','));
  const bytes = Buffer.from(lines.join('\n'));
  const split = await analyzeInWorker(bytes, 0);
  const oneGo = await analyzeInWorker(bytes, Infinity);
  assert.ok(oneGo.error, 'in one go, an error');
  assert.deepEqual(split.error, oneGo.error, 'the same error');
  assert.equal(oneGo.error.params.line, at + 1, `the error names the line: ${JSON.stringify(oneGo.error)}`);
});

test('a file above the threshold dropped on the page shows the CLI numbers', async () => {
  // About 9 MB: above SPLIT_MIN_BYTES (8 MiB), so the page reads it in
  // ranges where it has 4 cores or more (SPLIT_MIN_CORES) and in one go,
  // with no range worker started at all, on fewer.
  const bytes = generated(115_000);
  assert.ok(bytes.length > 8 << 20, `${bytes.length} bytes`);
  const fresh = await browser.newPage();
  const ranges = [];
  fresh.on('worker', (worker) => ranges.push(worker.url()));
  await fresh.goto(siteUrl);
  await fresh.getByTestId('file-input').setInputFiles({ name: 'orders.csv', mimeType: 'text/csv', buffer: bytes });
  await fresh.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), null, { timeout: TIMEOUT_MS });
  assert.equal(await fresh.evaluate(() => document.body.dataset.state), 'done');
  const c = JSON.parse(cli(['analyze', '--json', '-'], bytes).toString());
  assert.equal(Number(await fresh.getByTestId('kpi-customers').getAttribute('data-value')), c.summary.customers);
  const cores = await fresh.evaluate(() => navigator.hardwareConcurrency || 2);
  const ranged = ranges.some((url) => url.endsWith('worker/range-worker.js'));
  assert.equal(ranged, cores >= 4, `${cores} cores; workers: ${ranges}`);
  await fresh.close();
});
