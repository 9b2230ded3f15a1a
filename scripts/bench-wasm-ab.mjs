// Compares builds of the app wasm in one Node process, alternated: each
// round runs CSV → summary (as `bench-wasm.mjs --sections summary`) once with
// every build, in forward then reverse order, so a machine that drifts
// (shared, noisy) weighs on every build alike; round 0 is a warm-up.
//
//   node scripts/bench-wasm-ab.mjs --pkg DIR_A --pkg DIR_B [...] FILE
//        [--rounds N] [--page] [--native PATH_TO_LTVLAB]
//
// Per build: wall time min and median, the main thread's CPU time
// (/proc/self/task, 10 ms ticks), and the median of the per-round ratios to
// the first build. --page times the page's worker path instead
// (`finishInPhases`: first figures, models; then `recommend()`).
// --native also runs `ltvlab summary --threads 1 FILE` (whole process, under
// /usr/bin/time) once a round, for the wasm / native ratio round by round.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
const args = process.argv.slice(2);
let rounds = 10; const dirs = []; let file; let page = false; let native = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--rounds') rounds = Number(args[++i]);
  else if (args[i] === '--page') page = true;
  else if (args[i] === '--native') native = args[++i];
  else if (args[i] === '--pkg') dirs.push(path.resolve(args[++i]));
  else file = args[i];
}
const pkgs = [];
for (const [k, dir] of dirs.entries()) {
  const pkg = await import(`${pathToFileURL(path.join(dir, 'ltvlab.js')).href}?${k}`);
  pkg.initSync({ module: readFileSync(path.join(dir, 'ltvlab_bg.wasm')) });
  pkgs.push(pkg);
}
const bytes = readFileSync(file);
const CHUNK = 1 << 20;
const TICK = 100; // USER_HZ
function cpu() { const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / TICK; }
function once(pkg) {
  const c0 = cpu();
  const t0 = performance.now();
  const a = new pkg.Analysis(page ? undefined : { sections: ['summary'] });
  a.expectBytes(bytes.length);
  for (let off = 0; off < bytes.length; off += CHUNK) a.push(bytes.subarray(off, Math.min(off + CHUNK, bytes.length)));
  if (page) {
    let first = null; let tFirst = 0;
    const models = a.finishInPhases(undefined, (f) => { first = f; tFirst = performance.now(); });
    const tModels = performance.now();
    models.whatif?.free(); first?.whatif?.free();
    if (models.recommendations_pending) a.recommend(); else a.free();
    const t1 = performance.now();
    return [(tFirst - t0) / 1000, (tModels - t0) / 1000, (t1 - t0) / 1000, cpu() - c0];
  }
  a.finish();
  const t1 = performance.now();
  return [(t1 - t0) / 1000, cpu() - c0];
}
const times = dirs.map(() => []);
const nat = [];
function runNative() {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', native, 'summary', '--threads', '1', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  const [e, u, s] = r.stderr.toString().trim().split('\n').pop().split(' ').map(Number);
  return [e, u + s];
}
for (let r = 0; r < rounds + 1; r++) {
  const order = r % 2 ? [...pkgs.keys()].reverse() : [...pkgs.keys()];
  if (native && r % 2 === 0) { const t = runNative(); if (r > 0) nat.push(t); }
  for (const k of order) {
    const t = once(pkgs[k]);
    if (r > 0) times[k].push(t); // round 0 warms up
  }
  if (native && r % 2 === 1) nat.push(runNative());
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const nfig = times[0][0].length;
if (native) {
  const w = nat.map((t) => t[0]); const c = nat.map((t) => t[1]);
  console.log(`native CLI\tmin ${Math.min(...w).toFixed(3)} med ${med(w).toFixed(3)} | cpu min ${Math.min(...c).toFixed(3)} med ${med(c).toFixed(3)}`);
  for (const [k, dir] of dirs.entries()) {
    const rw = med(times[k].map((t, r) => t[0] / nat[r][0])); const rc = med(times[k].map((t, r) => t[t.length - 1] / nat[r][1]));
    console.log(`${path.basename(dir)} / native CLI: median pairwise wall ${rw.toFixed(3)} cpu ${rc.toFixed(3)}; min/min wall ${(Math.min(...times[k].map((t) => t[0])) / Math.min(...w)).toFixed(3)}`);
  }
}
for (const [k, dir] of dirs.entries()) {
  const cols = [];
  for (let j = 0; j < nfig; j++) { const v = times[k].map((t) => t[j]); cols.push(`min ${Math.min(...v).toFixed(3)} med ${med(v).toFixed(3)}`); }
  const ratios = [];
  for (let j = 0; j < nfig; j++) ratios.push(med(times[k].map((t, r) => t[j] / times[0][r][j])).toFixed(3));
  console.log(`${path.basename(dir)}\t${cols.join(' | ')}\tmedian pairwise ratio vs first: ${ratios.join(' ')}`);
}
