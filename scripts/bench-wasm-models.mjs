// Times the models in WebAssembly under Node: BG/NBD (or --model) +
// Gamma-Gamma + every customer's CLV, i.e. `ltvlab::predict::predict` with its
// defaults, on the summaries that `cargo bench --bench models` times natively.
//
//   node scripts/bench-wasm-models.mjs [N ...] [--runs R] [--model bgnbd|mbgnbd|pareto]
//
// For each N (default 10000 100000 1000000) it reads bench-data/models-N.csv
// (written by `LTVLAB_BENCH_WRITE=bench-data cargo bench --bench models`) and
// times two runs of `Analysis` on the same bytes, each fed in 1 MiB chunks:
//
//   - ingest: `sections: []`, which reads the CSV and builds the summary only;
//   - full: `sections: ["predictions"]`, the same plus predict and the
//     conversion of its result (four Float64Array columns and the fits) to JS.
//
// The models' time is best(full) - best(ingest), both best of R runs (default
// 5; 3 at 1M); models_cpu_ms is the same difference in process CPU time
// (user + system, which on a loaded machine is steadier than wall time). Builds nothing: needs www/pkg
// (`source scripts/lib.sh; build_wasm`). Prints one JSON line per N, with the
// total CLV so that it can be checked against the native run.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = await import(path.join(root, 'www/pkg/ltvlab.js'));
pkg.initSync({ module: readFileSync(path.join(root, 'www/pkg/ltvlab_bg.wasm')) });

const args = process.argv.slice(2);
let runs;
let model = 'bgnbd';
const sizes = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--model') model = args[++i];
  else sizes.push(Number(args[i]));
}
if (sizes.length === 0) sizes.push(10000, 100000, 1000000);

const CHUNK = 1 << 20;

function analyze(bytes, sections) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const analysis = new pkg.Analysis({
    sections,
    summary: { period: 'day' },
    predict: { model },
  });
  for (let off = 0; off < bytes.length; off += CHUNK) {
    analysis.push(bytes.subarray(off, Math.min(off + CHUNK, bytes.length)));
  }
  const result = analysis.finish();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, result };
}

function best(bytes, sections, n) {
  let fastest = Infinity;
  let leastCpu = Infinity;
  let result;
  for (let r = 0; r < n; r++) {
    const run = analyze(bytes, sections);
    fastest = Math.min(fastest, run.seconds);
    leastCpu = Math.min(leastCpu, run.cpuSeconds);
    result = run.result;
  }
  return { seconds: fastest, cpuSeconds: leastCpu, result };
}

for (const n of sizes) {
  const file = path.join(root, 'bench-data', `models-${n}.csv`);
  if (!existsSync(file)) {
    console.error(`error: ${file} is missing; run LTVLAB_BENCH_WRITE=bench-data cargo bench --bench models`);
    process.exit(2);
  }
  const bytes = readFileSync(file);
  const repeat = runs ?? (n >= 1000000 ? 3 : 5);
  const ingest = best(bytes, [], repeat);
  const full = best(bytes, ['predictions'], repeat);
  const predictions = full.result.predictions;
  if (!predictions) {
    console.error(`error: no predictions for ${file}: ${JSON.stringify(full.result.notes)}`);
    process.exit(1);
  }
  console.log(JSON.stringify({
    customers: n,
    model,
    runs: repeat,
    ingest_ms: +(ingest.seconds * 1000).toFixed(1),
    ingest_and_models_ms: +(full.seconds * 1000).toFixed(1),
    models_ms: +((full.seconds - ingest.seconds) * 1000).toFixed(1),
    models_cpu_ms: +((full.cpuSeconds - ingest.cpuSeconds) * 1000).toFixed(1),
    total_clv: predictions.base.total_clv,
    params: predictions.purchase_model.params,
  }));
}
