// Compares what two builds of the app wasm compute, byte for byte: for each
// CSV file, the JSON of `Analysis.finish()` (every section), of the page's
// path (`finishInPhases` then `recommend()`), of a what-if run and of a small
// CLV-interval bootstrap. For checking that a build change (wasm-opt, target
// features) leaves every result as it was.
//
//   node scripts/wasm-identity.mjs --pkg DIR_A --pkg DIR_B FILE_OR_DIR...
//
// A directory stands for every .csv file under it. Prints one line per file
// (same / DIFFERENT, and the JSON's length) and exits 1 if any differ. Errors
// count as results: both builds must throw the same message.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const pkgDirs = [];
const inputs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--pkg') pkgDirs.push(path.resolve(args[++i]));
  else inputs.push(args[i]);
}
if (pkgDirs.length !== 2 || inputs.length === 0) {
  console.error('usage: node scripts/wasm-identity.mjs --pkg DIR_A --pkg DIR_B FILE_OR_DIR...');
  process.exit(2);
}

function csvFiles(p) {
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p).sort().flatMap((name) => {
    const full = path.join(p, name);
    if (statSync(full).isDirectory()) return csvFiles(full);
    return name.endsWith('.csv') ? [full] : [];
  });
}
const files = inputs.flatMap(csvFiles);

// Typed arrays as plain arrays, wasm objects (`whatif`) by their class name:
// their heap addresses are not results.
function replacer(_key, value) {
  if (ArrayBuffer.isView(value)) return Array.from(value);
  if (value && typeof value === 'object' && '__wbg_ptr' in value) return `<${value.constructor.name}>`;
  if (value instanceof Map) return Object.fromEntries(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

function attempt(f) {
  try {
    return f();
  } catch (err) {
    return { error: String(err?.message ?? err), code: err?.code ?? null };
  }
}

const CHUNK = 1 << 20;
function run(pkg, bytes) {
  const feed = () => {
    const analysis = new pkg.Analysis(undefined);
    analysis.expectBytes(bytes.length);
    for (let off = 0; off < bytes.length; off += CHUNK) {
      analysis.push(bytes.subarray(off, Math.min(off + CHUNK, bytes.length)));
    }
    return analysis;
  };
  const out = {};
  out.finish = attempt(() => {
    const result = feed().finish();
    const whatif = result.whatif;
    if (whatif) {
      out.whatif = attempt(() => whatif.run(undefined, undefined));
      whatif.free();
    }
    return result;
  });
  out.page = attempt(() => {
    const analysis = feed();
    let first = null;
    const models = analysis.finishInPhases(undefined, (f) => { first = f; });
    const whatif = models.whatif ?? first?.whatif;
    whatif?.free();
    const recommended = models.recommendations_pending ? analysis.recommend() : (analysis.free(), null);
    return { first, models, recommended };
  });
  const summary = out.finish?.summary;
  if (summary && !out.finish.error) {
    out.intervals = attempt(() => pkg.clvIntervals(summary, undefined, 20, 7));
  }
  return JSON.stringify(out, replacer);
}

const pkgs = [];
for (const dir of pkgDirs) {
  const pkg = await import(`${pathToFileURL(path.join(dir, 'ltvlab.js')).href}?${pkgs.length}`);
  pkg.initSync({ module: readFileSync(path.join(dir, 'ltvlab_bg.wasm')) });
  pkgs.push(pkg);
}

let different = 0;
for (const file of files) {
  const bytes = readFileSync(file);
  const [a, b] = pkgs.map((pkg) => run(pkg, bytes));
  const same = a === b;
  if (!same) different++;
  console.log(`${same ? 'same' : 'DIFFERENT'}\t${a.length}\t${b.length}\t${file}`);
}
console.log(`${files.length - different} same, ${different} different`);
process.exit(different ? 1 : 0);
