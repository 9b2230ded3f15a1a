// Times CSV → summary in WebAssembly under Node, as the browser worker runs it:
// the file is fed to `Analysis.push` in 1 MiB chunks, then `finish()`.
//
//   node scripts/bench-wasm.mjs FILE... [--runs N] [--sections summary,recommendations,...]
//
// --sections picks what `finish()` computes beyond the ingest report (the
// summary is always computed, as the other sections need it); default: all.
// --page runs as the page's worker does: `finishInPhases()` (the first
// figures, then the models), then `recommend()` once the dashboard's result
// is out of the wasm heap (plain `finish()` computes the recommendations
// while the dashboard is still held).
// --no-expect leaves out `expectBytes(size)`, which the worker calls first.
// --pkg DIR reads the wasm from DIR instead of www/pkg (to compare builds).
//
// Needs www/pkg (scripts/dev or `source scripts/lib.sh; build_wasm`). Prints one
// JSON line per file: bytes, best and median seconds, MB/s and the wasm linear
// memory size after the run (the wasm heap's peak: linear memory never shrinks).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const args = process.argv.slice(2);
let runs = 5;
let sections;
let page = false;
let expect = true;
let pkgDir = path.join(root, 'www/pkg');
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--sections') sections = args[++i].split(',');
  else if (args[i] === '--page') page = true;
  else if (args[i] === '--no-expect') expect = false;
  else if (args[i] === '--pkg') pkgDir = path.resolve(args[++i]);
  else files.push(args[i]);
}
const pkg = await import(path.join(pkgDir, 'ltvlab.js'));
if (files.length === 0) {
  console.error('usage: node scripts/bench-wasm.mjs FILE... [--runs N]');
  process.exit(2);
}

const CHUNK = 1 << 20;
for (const file of files) {
  // A fresh instance per file, so the memory figure is this file's peak.
  const wasm = pkg.initSync({ module: readFileSync(path.join(pkgDir, 'ltvlab_bg.wasm')) });
  const bytes = readFileSync(file);
  const times = [];
  let customers = 0;
  let dashboardMemory = null;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const analysis = new pkg.Analysis(sections ? { sections } : undefined);
    if (expect) analysis.expectBytes(bytes.length);
    for (let off = 0; off < bytes.length; off += CHUNK) {
      analysis.push(bytes.subarray(off, Math.min(off + CHUNK, bytes.length)));
    }
    let result;
    if (page) {
      let first = null;
      const models = analysis.finishInPhases(undefined, (f) => { first = f; });
      result = { ...first, ...models };
      dashboardMemory = wasm.memory.buffer.byteLength;
      models.whatif?.free();
      if (models.recommendations_pending) analysis.recommend();
      else analysis.free();
    } else {
      result = analysis.finish();
    }
    times.push((performance.now() - t0) / 1000);
    customers = result.summary?.customers?.customer_id?.length ?? null;
  }
  times.sort((a, b) => a - b);
  const best = times[0];
  const median = times[Math.floor(times.length / 2)];
  console.log(JSON.stringify({
    file: path.basename(file),
    bytes: bytes.length,
    runs,
    sections: sections ?? 'all',
    page,
    expect_bytes: expect,
    best_s: +best.toFixed(4),
    median_s: +median.toFixed(4),
    mb_per_s: +(bytes.length / 1e6 / best).toFixed(1),
    wasm_memory_mb: +(wasm.memory.buffer.byteLength / 1e6).toFixed(1),
    wasm_memory_mib: +(wasm.memory.buffer.byteLength / 2 ** 20).toFixed(1),
    ...(page ? { wasm_memory_at_dashboard_mib: +(dashboardMemory / 2 ** 20).toFixed(1) } : {}),
    customers,
  }));
}
