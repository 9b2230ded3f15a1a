// Times CSV → summary in WebAssembly under Node, as the browser worker runs it:
// the file is fed to `Analysis.push` in 1 MiB chunks, then `finish()`.
//
//   node scripts/bench-wasm.mjs FILE... [--runs N] [--sections summary,recommendations,...]
//
// --sections picks what `finish()` computes beyond the ingest report (the
// summary is always computed, as the other sections need it); default: all.
//
// Needs www/pkg (scripts/dev or `source scripts/lib.sh; build_wasm`). Prints one
// JSON line per file: bytes, best and median seconds, MB/s and the wasm linear
// memory size after the run (the wasm heap's peak: linear memory never shrinks).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = await import(path.join(root, 'www/pkg/ltvlab.js'));

const args = process.argv.slice(2);
let runs = 5;
let sections;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--sections') sections = args[++i].split(',');
  else files.push(args[i]);
}
if (files.length === 0) {
  console.error('usage: node scripts/bench-wasm.mjs FILE... [--runs N]');
  process.exit(2);
}

const CHUNK = 1 << 20;
for (const file of files) {
  // A fresh instance per file, so the memory figure is this file's peak.
  const wasm = pkg.initSync({ module: readFileSync(path.join(root, 'www/pkg/ltvlab_bg.wasm')) });
  const bytes = readFileSync(file);
  const times = [];
  let customers = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const analysis = new pkg.Analysis(sections ? { sections } : undefined);
    for (let off = 0; off < bytes.length; off += CHUNK) {
      analysis.push(bytes.subarray(off, Math.min(off + CHUNK, bytes.length)));
    }
    const result = analysis.finish();
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
    best_s: +best.toFixed(4),
    median_s: +median.toFixed(4),
    mb_per_s: +(bytes.length / 1e6 / best).toFixed(1),
    wasm_memory_mb: +(wasm.memory.buffer.byteLength / 1e6).toFixed(1),
    customers,
  }));
}
