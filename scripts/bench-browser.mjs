#!/usr/bin/env node
// The web app's benchmark: drop each file on the page in headless Chromium and
// time it from the file input's change event to body[data-state=done].
//
//   node scripts/bench-browser.mjs [--json] [--no-whatif] [--trace] [--attribute] [--lang LANG] FILE...
//
// Needs www/pkg (scripts/lib.sh build_wasm), playwright-core (npm ci) and
// Chromium (CHROMIUM, default /usr/bin/chromium). Files come from e.g.
// `ltvlab generate --lines 1000000 --seed 1 -o orders-1m.csv`.
//
// Per file it measures, in the page:
// - drop_to_done_ms: from the input's `change` event to data-state "done" (the
//   dashboard drawn, the model sections included);
// - drop_to_first_figures_ms: to body[data-first-figures] (the figures that need
//   no model drawn, the model sections saying they are being fitted; the page
//   draws them before the models are fitted); null for a page without it;
// - drop_to_recommendations_ms: to the recommendations section's
//   data-recommendations "done" (computed after the dashboard, then drawn);
// - longest_task_ms: the longest main-thread task from the drop until both
//   (PerformanceObserver 'longtask', which reports tasks over 50 ms; 0 means none);
//   long_tasks lists each as [start after the drop, duration] in ms, and
//   render_steps_ms the page's own `ltvlab:render-N` steps, for attribution;
// - with --trace, traced_tasks: from a Chromium trace of the same run, each
//   main-thread task over 50 ms as [start after the drop (approximately), wall ms,
//   thread CPU ms]: a task whose CPU time is far below its wall time was mostly waiting
//   for a core (other processes), not working. Tracing adds some overhead;
// - peak_memory_bytes: the peak resident memory of Chromium's renderer
//   processes (the page and its workers run there), sampled every 50 ms from
//   /proc until the recommendations are drawn and the helper workers (CLV
//   intervals, what-if draws) have settled, helpers_settled_ms after the drop
//   (null if they had not within 10 minutes); null where /proc is not
//   available; peak_memory_at_done_bytes the same up to the dashboard
//   (before the recommendations and the helper workers);
// - baseline_pss_bytes, peak_pss_bytes, peak_pss_at_done_bytes: the same
//   renderers' proportional set size (/proc/PID/smaps_rollup: each shared
//   page divided among the processes sharing it, so three renderers do not
//   count Chromium's code three times, as the RSS sum does): before the drop
//   (the empty page), its peak, and its peak up to the dashboard. The
//   analysis itself costs peak minus baseline;
// - sort_during_intervals_ms: while the CLV-interval bootstrap runs (after
//   the recommendations), the time from a click on a customer table's sort
//   button to the table drawn in the new order, for SORT_PROBES clicks one
//   second apart: the sort itself plus any wait behind the bootstrap (in the
//   analysis worker for a large shop, in slices); [] when the bootstrap had
//   ended before; intervals_pending_after_sorts says whether it was still
//   running after the last;
// - slider_to_update_ms: the what-if panel's median time from a slider's
//   input event to the new numbers on the page (5 moves), null without a model;
//   slider_wasm_ms is the median of that spent in WhatIf.run in the worker.
//
// With --json it prints one JSON object per file per line:
//   {"file", "bytes", "drop_to_done_ms", "drop_to_first_figures_ms", "drop_to_recommendations_ms", "longest_task_ms",
//    "long_tasks", "render_steps_ms", "peak_memory_bytes", "peak_memory_at_done_bytes",
//    "baseline_pss_bytes", "peak_pss_bytes", "peak_pss_at_done_bytes", "helpers_settled_ms",
//    "sort_during_intervals_ms", "intervals_pending_after_sorts",
//    "slider_to_update_ms", "slider_to_update_max_ms", "slider_wasm_ms", "state"}
// otherwise a line of text per file. State "error" (with "error") when the page
// failed; the numbers are then those of the failure.

import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium, startServer } from './browser.mjs';

const TIMEOUT_MS = 30 * 60 * 1000;
const HELPERS_TIMEOUT_MS = 10 * 60 * 1000;
const SLIDER_MOVES = [3, 6, 9, 12, 15];
/** The table's sort keys clicked while the bootstrap runs (sort_during_intervals_ms). */
const SORT_PROBES = ['orders', 'clv', 'frequency', 'total_spend', 'p_alive', 'orders'];

const { values: flags, positionals: files } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    'no-whatif': { type: 'boolean', default: false },
    trace: { type: 'boolean', default: false },
    attribute: { type: 'boolean', default: false },
    lang: { type: 'string' },
  },
  allowPositionals: true,
});
if (files.length === 0) {
  console.error('usage: node scripts/bench-browser.mjs [--json] [--no-whatif] [--trace] [--attribute] [--lang LANG] FILE...');
  process.exit(2);
}

// Runs in the page before its own scripts: the long-task observer and the two timestamps.
function instrument({ attribute }) {
  window.__bench = {
    longest: 0, tasks: [], frames: [], dropAt: null, firstAt: null, doneAt: null, recsAt: null, state: null, measuring: false,
  };
  new PerformanceObserver((list) => {
    if (!window.__bench.measuring) return;
    for (const entry of list.getEntries()) {
      window.__bench.longest = Math.max(window.__bench.longest, entry.duration);
      window.__bench.tasks.push([Math.round(entry.startTime - window.__bench.dropAt), Math.round(entry.duration)]);
    }
  }).observe({ type: 'longtask', buffered: false });
  // --attribute: Chromium's long animation frames (over 50 ms), each with the
  // scripts that ran in it (their entry point and time, and the layout they
  // forced) and its own rendering (style and layout after the scripts).
  if (attribute && PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) {
    new PerformanceObserver((list) => {
      const bench = window.__bench;
      if (!bench.measuring) return;
      const at = (t) => Math.round(t - bench.dropAt);
      for (const frame of list.getEntries()) {
        bench.frames.push({
          start: at(frame.startTime),
          ms: Math.round(frame.duration),
          blocking_ms: Math.round(frame.blockingDuration),
          render_ms: frame.renderStart ? Math.round(frame.startTime + frame.duration - frame.renderStart) : 0,
          layout_ms: frame.styleAndLayoutStart ? Math.round(frame.startTime + frame.duration - frame.styleAndLayoutStart) : 0,
          scripts: frame.scripts.map((s) => ({
            start: at(s.startTime),
            ms: Math.round(s.duration),
            forced_layout_ms: Math.round(s.forcedStyleAndLayoutDuration),
            invoker: s.invoker,
            fn: s.sourceFunctionName,
            src: `${s.sourceURL.split('/').slice(-2).join('/')}:${s.sourceCharPosition}`,
          })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: false });
  }
  document.addEventListener(
    'change',
    (event) => {
      if (event.target.matches?.('[data-testid="file-input"]')) {
        window.__bench.dropAt = performance.now();
        window.__bench.measuring = true;
      }
    },
    true,
  );
  new MutationObserver(() => {
    const bench = window.__bench;
    if (bench.dropAt === null) return;
    const state = document.body?.dataset.state;
    if (bench.firstAt === null && document.body?.dataset.firstFigures !== undefined) bench.firstAt = performance.now();
    if (bench.doneAt === null && (state === 'done' || state === 'error')) {
      bench.doneAt = performance.now();
      bench.state = state;
    }
    const recs = document.querySelector('[data-testid="recommendations"]')?.dataset.recommendations;
    if (bench.recsAt === null && bench.doneAt !== null && recs === 'done') bench.recsAt = performance.now();
    // Tasks are counted until the recommendations are drawn too (or the page failed).
    if (bench.doneAt !== null && (bench.recsAt !== null || state === 'error')) bench.measuring = false;
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-state', 'data-first-figures', 'data-recommendations'] });
}

/** Every descendant process of `pid` (Linux /proc). */
function descendants(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {}
  }
  const out = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.pop()) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/**
 * Memory of Chromium's renderer processes, or null without /proc: `rss`, the
 * sum of their resident bytes (pages shared between them, such as the
 * Chromium binary's code, counted once per process), and `pss`, the sum of
 * their proportional set sizes (a shared page split among its sharers: the
 * memory they really take together; null without smaps_rollup).
 * @returns {{rss: number, pss: number | null} | null}
 */
function rendererBytes(browserPid) {
  if (!browserPid) return null;
  try {
    let rss = 0;
    let pss = 0;
    let pssKnown = true;
    for (const pid of descendants(browserPid)) {
      let cmdline;
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (!cmdline.includes('--type=renderer')) continue;
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const resident = status.match(/^VmRSS:\s+(\d+) kB/m);
        if (resident) rss += Number(resident[1]) * 1024;
        const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
        const proportional = rollup.match(/^Pss:\s+(\d+) kB/m);
        if (proportional) pss += Number(proportional[1]) * 1024;
        else pssKnown = false;
      } catch {
        // The process ended between the listing and the read.
      }
    }
    return { rss, pss: pssKnown ? pss : null };
  } catch {
    return null;
  }
}

/** Whether the CLV-interval bootstrap is still running. */
const intervalsPending = (page) =>
  page.evaluate(() => document.querySelector('[data-testid="customers-interval"]')?.dataset.state === 'pending');

/**
 * Clicks each of SORT_PROBES' sort buttons while the bootstrap runs, one
 * second apart, and times each until the table's body is redrawn.
 * @returns {Promise<number[]>}
 */
async function sortTimes(page) {
  const times = [];
  for (const key of SORT_PROBES) {
    if (!(await intervalsPending(page))) break;
    const ms = await page.evaluate(
      (key) =>
        new Promise((resolve) => {
          const table = document.querySelector('[data-testid="customers-table"]');
          const button = table.querySelector(`button[data-sort="${key}"]`);
          if (!button) return resolve(null);
          const started = performance.now();
          new MutationObserver((_, observer) => {
            observer.disconnect();
            resolve(performance.now() - started);
          }).observe(table.tBodies[0], { childList: true });
          button.click();
        }),
      key,
    );
    if (ms !== null) times.push(Math.round(ms));
    await page.waitForTimeout(1000);
  }
  return times;
}

async function sliderTimes(page) {
  const panel = page.getByTestId('whatif');
  if (!(await panel.isVisible())) return null;
  await page.waitForSelector('[data-testid="whatif"][data-state="done"]', { timeout: TIMEOUT_MS });
  const times = [];
  const wasm = [];
  for (const value of SLIDER_MOVES) {
    await page.evaluate((v) => {
      const panel = document.querySelector('[data-testid="whatif"]');
      delete panel.dataset.updateMs;
      const slider = document.querySelector('[data-testid="lever-retention_points"]');
      slider.value = String(v);
      slider.dispatchEvent(new Event('input', { bubbles: true }));
    }, value);
    await page.waitForFunction(() => document.querySelector('[data-testid="whatif"]').dataset.updateMs !== undefined, null, {
      timeout: TIMEOUT_MS,
    });
    times.push(Number(await panel.getAttribute('data-update-ms')));
    wasm.push(Number(await panel.getAttribute('data-wasm-ms')));
    // Let the intervals run finish, so each move starts from a quiet worker.
    await page.waitForSelector('[data-testid="whatif"][data-state="done"]', { timeout: TIMEOUT_MS });
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { median: median(times), max: Math.max(...times), wasm: median(wasm) };
}

/**
 * Main-thread tasks over 50 ms in a trace: [start, wall ms, thread CPU ms]. Tracing starts just
 * before the file is set, so start is in ms after the first traced event (≈ the drop).
 */
function tracedTasks(tracePath) {
  const { traceEvents } = JSON.parse(readFileSync(tracePath, 'utf8'));
  const main = new Set(
    traceEvents
      .filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const tasks = traceEvents.filter(
    (e) => e.name === 'RunTask' && e.ph === 'X' && e.dur > 50_000 && main.has(`${e.pid}:${e.tid}`),
  );
  const first = Math.min(...traceEvents.filter((e) => e.ts > 0 && e.ph === 'X').map((e) => e.ts));
  return tasks.map((e) => [
    Math.round((e.ts - first) / 1000),
    Math.round(e.dur / 1000),
    e.tdur === undefined ? null : Math.round(e.tdur / 1000),
  ]);
}

async function measure(browser, browserPid, url, file) {
  const context = await browser.newContext(flags.lang ? { locale: flags.lang } : {});
  const page = await context.newPage();
  await page.addInitScript(instrument, { attribute: flags.attribute });
  await page.goto(url);
  // The wasm is loaded and the worker ready: the version shows in the footer.
  await page.waitForFunction(() => document.querySelector('[data-testid="version"]').textContent !== '');

  // The renderers' memory with the page loaded and no file yet: what the
  // analysis adds is measured from here.
  const baseline = rendererBytes(browserPid);
  let peak = baseline?.rss ?? null;
  let peakPss = baseline?.pss ?? null;
  // [epoch ms, bytes] of every sample, for the peak up to the dashboard
  // (declared before the sampler: with --trace, starting the trace takes
  // longer than its first tick).
  const samples = [];
  const sampler = setInterval(() => {
    const now = rendererBytes(browserPid);
    if (now !== null) {
      peak = Math.max(peak ?? 0, now.rss);
      if (now.pss !== null) peakPss = Math.max(peakPss ?? 0, now.pss);
      samples.push([Date.now(), now.rss, now.pss]);
    }
  }, 50);
  const tracePath = path.join(os.tmpdir(), `ltvlab-bench-trace-${process.pid}.json`);
  if (flags.trace) {
    await browser.startTracing(page, {
      path: tracePath,
      categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel'],
    });
  }
  let helpersSettledAt = null;
  let sorts = [];
  let pendingAfterSorts = null;
  try {
    await page.getByTestId('file-input').setInputFiles(file);
    await page.waitForFunction(() => !window.__bench.measuring && window.__bench.doneAt !== null, null, {
      timeout: TIMEOUT_MS,
      polling: 100,
    });
    if (!flags['no-whatif']) {
      sorts = await sortTimes(page);
      pendingAfterSorts = await intervalsPending(page);
    }
    // The helper workers (the CLV-interval bootstrap and the what-if's runs
    // with draws) start after the recommendations, each with its own wasm
    // heap: the memory peak covers them until they have settled (at most
    // HELPERS_TIMEOUT_MS more).
    const settled = await page
      .waitForFunction(
        () => {
          const note = document.querySelector('[data-testid="customers-interval"]');
          const panel = document.querySelector('[data-testid="whatif"]');
          const intervalsSettled = !note || note.dataset.state !== 'pending';
          const helperSettled =
            !panel || panel.hidden || ['ready', 'analysis'].includes(panel.dataset.helper ?? '') || panel.dataset.state === 'error';
          return intervalsSettled && helperSettled;
        },
        null,
        { timeout: HELPERS_TIMEOUT_MS, polling: 100 },
      )
      .then(() => true, () => false);
    helpersSettledAt = settled ? Date.now() : null;
  } finally {
    clearInterval(sampler);
  }
  // Let a long task that ended just now reach the observer.
  await page.waitForTimeout(200);
  let traced;
  if (flags.trace) {
    await browser.stopTracing();
    traced = tracedTasks(tracePath);
    rmSync(tracePath, { force: true });
  }
  const bench = await page.evaluate(() => ({
    ...window.__bench,
    lang: document.documentElement.lang,
    doneEpoch: window.__bench.doneAt === null ? null : performance.timeOrigin + window.__bench.doneAt,
    dropEpoch: window.__bench.dropAt === null ? null : performance.timeOrigin + window.__bench.dropAt,
    steps: performance
      .getEntriesByType('measure')
      .filter((m) => m.name.startsWith('ltvlab:render-'))
      .map((m) => Math.round(m.duration)),
    // --attribute: every render step as [name, start after the drop, ms].
    stepTimes: performance
      .getEntriesByType('measure')
      .filter((m) => m.name.startsWith('ltvlab:'))
      .map((m) => [m.name.slice('ltvlab:'.length), Math.round(m.startTime - window.__bench.dropAt), Math.round(m.duration)]),
  }));
  const error = bench.state === 'error' ? await page.getByTestId('error').textContent() : undefined;
  const slider = bench.state === 'done' && !flags['no-whatif'] ? await sliderTimes(page) : null;
  await context.close();
  return {
    file,
    bytes: statSync(file).size,
    drop_to_done_ms: Math.round(bench.doneAt - bench.dropAt),
    drop_to_first_figures_ms: bench.firstAt === null ? null : Math.round(bench.firstAt - bench.dropAt),
    drop_to_recommendations_ms: bench.recsAt === null ? null : Math.round(bench.recsAt - bench.dropAt),
    longest_task_ms: Math.round(bench.longest),
    long_tasks: bench.tasks,
    render_steps_ms: bench.steps,
    lang: bench.lang,
    ...(flags.attribute ? { long_frames: bench.frames, render_step_times: bench.stepTimes } : {}),
    ...(traced === undefined ? {} : { traced_tasks: traced }),
    peak_memory_bytes: peak,
    helpers_settled_ms: helpersSettledAt === null || bench.dropEpoch === null ? null : Math.round(helpersSettledAt - bench.dropEpoch),
    // The peak up to the dashboard, before the recommendations and the
    // interval and what-if workers (each with its own wasm heap) start.
    peak_memory_at_done_bytes:
      bench.doneEpoch === null
        ? null
        : samples.filter(([t]) => t <= bench.doneEpoch).reduce((m, [, b]) => Math.max(m, b), 0) || null,
    baseline_pss_bytes: baseline?.pss ?? null,
    peak_pss_bytes: peakPss,
    peak_pss_at_done_bytes:
      bench.doneEpoch === null
        ? null
        : samples.filter(([t]) => t <= bench.doneEpoch).reduce((m, [, , p]) => Math.max(m, p ?? 0), 0) || null,
    sort_during_intervals_ms: sorts,
    intervals_pending_after_sorts: pendingAfterSorts,
    slider_to_update_ms: slider?.median ?? null,
    slider_to_update_max_ms: slider?.max ?? null,
    slider_wasm_ms: slider?.wasm ?? null,
    state: bench.state,
    ...(error === undefined ? {} : { error }),
  };
}

const { child: server, url } = await startServer();
const browser = await launchChromium();
// playwright-core does not expose the browser's pid; Chromium is our child's child.
const browserPid = descendants(process.pid).find((pid) => {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return !cmdline.includes('--type=') && cmdline.includes('chrom');
  } catch {
    return false;
  }
});
try {
  for (const file of files) {
    const result = await measure(browser, browserPid, url, path.resolve(file));
    result.file = file;
    if (flags.json) {
      console.log(JSON.stringify(result));
    } else {
      const mb = (bytes) => (bytes === null ? 'n/a' : `${Math.round(bytes / 2 ** 20)} MiB`);
      console.log(
        `${file} (${mb(result.bytes)}): first figures at ${result.drop_to_first_figures_ms ?? 'n/a'} ms, ` +
          `${result.state} in ${result.drop_to_done_ms} ms, recommendations at ` +
          `${result.drop_to_recommendations_ms ?? 'n/a'} ms, longest task ` +
          `${result.longest_task_ms} ms, renderer peak ${mb(result.peak_memory_bytes)} RSS / ` +
          `${mb(result.peak_pss_bytes)} PSS (${mb(result.baseline_pss_bytes)} PSS before the drop), slider → update ` +
          `${result.slider_to_update_ms ?? 'n/a'} ms (max ${result.slider_to_update_max_ms ?? 'n/a'} ms, ` +
          `${result.slider_wasm_ms ?? 'n/a'} ms in wasm), sorts during the intervals ` +
          `[${result.sort_during_intervals_ms.join(', ')}] ms` +
          (result.error ? `: ${result.error}` : ''),
      );
    }
  }
} finally {
  await browser.close();
  server.kill();
}
