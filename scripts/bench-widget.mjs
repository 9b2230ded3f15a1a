#!/usr/bin/env node
// The embeddable calculator's budget (issue #7): the gzipped size of what a
// page with <ltv-calculator> downloads, and the time from the widget becoming
// visible to its first numbers, in headless Chromium.
//
//   node scripts/bench-widget.mjs [--runs 15]
//
// Needs www/widget/pkg (build_widget in scripts/lib.sh) and, for the upload
// path's size, www/pkg (build_wasm). Each run is a fresh browser context (an
// empty cache, so the wasm is fetched and compiled every time) on a page whose
// calculator sits below the fold; the clock starts just before it is scrolled
// into view and stops at its first `ltv-change` event, which is dispatched
// after the numbers and the chart are in the DOM.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { launchChromium, startServer } from './browser.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BUDGET_GZIP_BYTES = 250 * 1024;
const BUDGET_FIRST_RENDER_MS = 300;
const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(args.runs);

const CALCULATOR = ['www/widget/ltv-calculator.js', 'www/widget/pkg/ltvlab.js', 'www/widget/pkg/ltvlab_bg.wasm'];
const UPLOAD = ['www/widget/upload-worker.js', 'www/pkg/ltvlab.js', 'www/pkg/ltvlab_bg.wasm'];

function sizes(files) {
  let raw = 0;
  let gzip = 0;
  const rows = files.map((file) => {
    const bytes = readFileSync(new URL(file, `file://${ROOT}`));
    const zipped = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gzip += zipped;
    return { file, raw: bytes.length, gzip: zipped };
  });
  return { rows, raw, gzip };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
function printSizes(title, { rows, raw, gzip }) {
  console.log(title);
  for (const row of rows) console.log(`  ${row.file.padEnd(34)} ${kb(row.raw).padStart(10)} raw ${kb(row.gzip).padStart(10)} gzip -9`);
  console.log(`  ${'total'.padEnd(34)} ${kb(raw).padStart(10)} raw ${kb(gzip).padStart(10)} gzip -9`);
}

const calculator = sizes(CALCULATOR);
printSizes('calculator path (what every page with <ltv-calculator> loads):', calculator);
console.log(`  budget ${kb(BUDGET_GZIP_BYTES)} gzipped: ${calculator.gzip <= BUDGET_GZIP_BYTES ? 'met' : 'MISSED'}`);
try {
  printSizes('allow-upload path (loaded only when a CSV is dropped):', sizes(UPLOAD));
} catch {
  console.log('allow-upload path: www/pkg missing (run build_wasm)');
}

const { child: server, url: site } = await startServer('/bench/');
const browser = await launchChromium();
const times = [];
try {
  const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<script type="module" src="widget/ltv-calculator.js"></script></head>
<body><div style="height:3000px">scroll</div>
<ltv-calculator currency="USD" aov="50" frequency="3" retention="0.6" margin="0.3" cac="30"></ltv-calculator></body></html>`;
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    const page = await context.newPage();
    await page.route(`${site}bench.html`, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: PAGE }));
    await page.goto(`${site}bench.html`);
    await page.waitForFunction(() => customElements.get('ltv-calculator'));
    await page.waitForTimeout(100); // let the page settle; the widget is not visible yet
    const ms = await page.evaluate(() => new Promise((resolve, reject) => {
      const el = document.querySelector('ltv-calculator');
      if (el.result) reject(new Error('the widget computed before it was visible'));
      let start;
      el.addEventListener('ltv-change', () => {
        // The event fires once the DOM holds the numbers; wait for the frame
        // that paints them.
        requestAnimationFrame(() => resolve(performance.now() - start));
      }, { once: true });
      start = performance.now();
      el.scrollIntoView();
    }));
    times.push(ms);
    await context.close();
  }
} finally {
  await browser.close();
  server.kill();
}

times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const p90 = times[Math.min(times.length - 1, Math.ceil(times.length * 0.9) - 1)];
console.log(`first render after becoming visible, ${runs} cold runs (ms): median ${median.toFixed(1)}, p90 ${p90.toFixed(1)}, min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)}`);
console.log(`  budget ${BUDGET_FIRST_RENDER_MS} ms: ${median <= BUDGET_FIRST_RENDER_MS ? 'met' : 'MISSED'} (median)`);
