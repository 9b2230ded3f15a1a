// A large shop's CLV intervals are computed in the analysis worker on the
// summary its what-if model keeps (www/app/intervals.js,
// HELPER_MAX_CUSTOMERS), not in a helper worker on the posted summary: the
// two give the same numbers, and the analysis worker keeps them for sorting
// and the exports. It runs there in slices (www/worker/intervals.js): a
// query posted after it is answered before it ends. The worker is driven
// through its messages (protocol.js) on the page's sample, far below the
// page's own threshold.
//
// Needs `build_wasm` (www/pkg) and the sample (`ensure_sample`).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchChromium, startServer } from '../../scripts/browser.mjs';

const TIMEOUT_MS = 120_000;
/** The page's bootstrap samples (www/sections/customers.js INTERVAL_SAMPLES). */
const SAMPLES = 50;

let server;
let browser;
let page;

before(async () => {
  let url;
  ({ child: server, url } = await startServer());
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(url);
});

after(async () => {
  await browser?.close();
  server?.kill();
});

test('the analysis worker\'s intervals equal a helper\'s on the posted summary, and it sorts by them', async () => {
  const out = await page.evaluate(
    async ({ samples, timeout }) => {
      /** Posts `message` and resolves with the first answer of one of `types` (or an error) for its id. */
      const ask = (worker, message, types) =>
        new Promise((resolve, reject) => {
          setTimeout(() => reject(new Error(`timed out: ${message.type}`)), timeout);
          worker.addEventListener('message', function listen({ data }) {
            if (data.id !== message.id || !(types.includes(data.type) || data.type === 'error')) return;
            worker.removeEventListener('message', listen);
            resolve(data);
          });
          worker.postMessage({ ...message, lang: 'en' });
        });
      const plain = (v) => JSON.parse(JSON.stringify(v, (_, x) => (ArrayBuffer.isView(x) ? Array.from(x) : x)));
      const analysis = new Worker(new URL('worker.js', document.baseURI), { type: 'module', name: 'analysis' });
      const helper = new Worker(new URL('worker.js', document.baseURI), { type: 'module', name: 'helper' });
      try {
        const first = ask(analysis, { type: 'analyze', id: 1, options: {}, url: 'sample/sample-orders.csv' }, ['first-figures']);
        const done = await new Promise((resolve) => {
          analysis.addEventListener('message', function listen({ data }) {
            if (data.id !== 1 || !['result', 'error'].includes(data.type)) return;
            analysis.removeEventListener('message', listen);
            resolve(data);
          });
        });
        if (done.type === 'error') return { error: done.message };
        const { summary } = (await first).result;
        const predict = { model: done.result.model_choice.model };
        const posted = { ...summary, customers: { ...summary.customers, last_purchase: null, email: undefined } };
        // In the order they are answered: the query posted after the bootstrap comes back first.
        const order = [];
        const inWorker = ask(analysis, { type: 'intervals', id: 2, predict, samples }, ['intervals']).then((m) => (order.push('intervals'), m));
        const searched = ask(analysis, { type: 'query', id: 5, sort: 'customer', descending: false, search: '1' }, ['rows']).then((m) => (order.push('rows'), m));
        await Promise.all([inWorker, searched]);
        const inHelper = await ask(helper, { type: 'intervals', id: 3, summary: posted, predict, samples }, ['intervals']);
        const rows = await ask(analysis, { type: 'query', id: 4, sort: 'clv_low', descending: false, search: '' }, ['rows']);
        return { inWorker: plain(await inWorker), inHelper: plain(inHelper), rows: Array.from(rows.rows), order, searched: (await searched).type };
      } finally {
        analysis.terminate();
        helper.terminate();
      }
    },
    { samples: SAMPLES, timeout: TIMEOUT_MS },
  );
  assert.equal(out.error, undefined, out.error);
  assert.equal(out.inWorker.type, 'intervals', JSON.stringify(out.inWorker).slice(0, 300));
  assert.equal(out.inHelper.type, 'intervals', JSON.stringify(out.inHelper).slice(0, 300));
  // The bootstrap let the search through: it runs in slices, not one call.
  assert.equal(out.searched, 'rows');
  assert.deepEqual(out.order, ['rows', 'intervals']);
  const a = out.inWorker.intervals;
  assert.equal(a.samples, SAMPLES);
  assert.ok(a.clv_low.length > 1000, `one interval per customer: ${a.clv_low.length}`);
  // The same data and seed: the same numbers, bit for bit.
  assert.deepEqual(a, out.inHelper.intervals);
  // The worker kept them: sorting by the low end follows it.
  assert.equal(out.rows.length, a.clv_low.length);
  for (let k = 1; k < out.rows.length; k++) {
    assert.ok(a.clv_low[out.rows[k - 1]] <= a.clv_low[out.rows[k]], `rows sorted by clv_low at ${k}`);
  }
});
