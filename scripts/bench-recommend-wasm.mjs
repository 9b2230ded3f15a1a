// Times the report's recommendations in WebAssembly under Node, stage by
// stage, as the page's worker runs them: the file is pushed in 1 MiB chunks,
// `finishDashboard()` computes the summary (and the sections asked for), then
// `recommend(progress)` the recommendations; the progress callback marks when
// each RecommendStage starts (evaluation: the pair holdout and the
// next-basket holdout; recommender; lists: the per-customer lists, the
// next-basket recommender and the due-soon list).
//
//   node scripts/bench-recommend-wasm.mjs FILE [--runs N]
//
// Needs www/pkg (`source scripts/lib.sh; build_wasm`). Prints one JSON line
// per run: seconds per stage, the recommendations' total, and the wasm
// linear memory after the run (its peak: linear memory never shrinks).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = await import(path.join(root, 'www/pkg/ltvlab.js'));

const args = process.argv.slice(2);
let runs = 1;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else files.push(args[i]);
}
if (files.length !== 1) {
  console.error('usage: node scripts/bench-recommend-wasm.mjs FILE [--runs N]');
  process.exit(2);
}

const CHUNK = 1 << 20;
const bytes = readFileSync(files[0]);
for (let r = 0; r < runs; r++) {
  const wasm = pkg.initSync({ module: readFileSync(path.join(root, 'www/pkg/ltvlab_bg.wasm')) });
  const t0 = performance.now();
  const analysis = new pkg.Analysis({ sections: ['recommendations'] });
  for (let off = 0; off < bytes.length; off += CHUNK) analysis.push(bytes.subarray(off, Math.min(off + CHUNK, bytes.length)));
  analysis.finishDashboard();
  const t1 = performance.now();
  const marks = [];
  const { recommendations } = analysis.recommend((stage) => marks.push([stage, performance.now()]));
  const t2 = performance.now();
  const stages = {};
  marks.forEach(([stage, at], i) => {
    stages[stage] = +(((marks[i + 1]?.[1] ?? t2) - at) / 1000).toFixed(3);
  });
  console.log(JSON.stringify({
    file: path.basename(files[0]),
    bytes: bytes.length,
    ingest_and_summary_s: +((t1 - t0) / 1000).toFixed(3),
    recommendations_s: +((t2 - t1) / 1000).toFixed(3),
    stages,
    next_basket_method: recommendations?.next_basket_method,
    evaluated_customers: recommendations?.next_basket_evaluation?.customers ?? null,
    due_soon: recommendations?.due_soon?.total ?? null,
    wasm_memory_mb: +(wasm.memory.buffer.byteLength / 1e6).toFixed(1),
  }));
}
