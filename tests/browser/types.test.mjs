// The TypeScript declarations of the wasm (src/wasm/typescript.rs, copied
// into www/pkg/ltvlab.d.ts) checked against what the wasm really returns:
// each result of real files is written out as a TypeScript literal typed with
// its interface, and tsc must accept it. A literal with a field the interface
// lacks, without a field it requires, or with a value of another type fails
// (TypeScript checks excess properties of object literals), so the
// declarations cannot drift from the Rust result types unnoticed.
//
// Needs `build_wasm` (www/pkg), `ensure_sample` and the npm packages
// (typescript), as scripts/test runs them before `node --test tests/browser/`.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Array elements written per array: each is checked against the element type.
const ELEMENTS = 3;

let wasm;

before(async () => {
  wasm = await import(`${ROOT}www/pkg/ltvlab.js`);
  await wasm.default({ module_or_path: readFileSync(`${ROOT}www/pkg/ltvlab_bg.wasm`) });
});

/** `value` as a TypeScript expression (arrays cut to their first elements). */
function literal(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'NaN';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (value instanceof Float64Array) return `new Float64Array([${[...value.slice(0, ELEMENTS)].join(', ')}])`;
  if (value instanceof Uint8Array) return `new Uint8Array([${[...value.slice(0, ELEMENTS)].join(', ')}])`;
  if (value instanceof wasm.WhatIf) return 'whatif';
  if (Array.isArray(value)) return `[${value.slice(0, ELEMENTS).map(literal).join(', ')}]`;
  if (typeof value === 'object') {
    return `{ ${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${literal(v)}`).join(', ')} }`;
  }
  throw new Error(`cannot write ${typeof value}`);
}

function analyze(bytes, options) {
  const analysis = new wasm.Analysis(options);
  analysis.push(bytes);
  return analysis.finish();
}

/** tsc's complaints about `results` ([type, what, value]), or ''. */
function typeErrors(results) {
  const dir = mkdtempSync(join(tmpdir(), 'ltvlab-types-'));
  const names = [...new Set(results.map(([type]) => type)), 'WhatIf'];
  const lines = [
    `import type { ${names.join(', ')} } from ${JSON.stringify(`${ROOT}www/pkg/ltvlab.js`)};`,
    'declare const whatif: WhatIf;',
    ...results.map(([type, what, value], i) => `// ${what}\nexport const r${i}: ${type} = ${literal(value)};`),
  ];
  const file = join(dir, 'results.ts');
  writeFileSync(file, lines.join('\n'));
  const config = {
    compilerOptions: {
      noEmit: true, strict: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler',
      lib: ['esnext', 'dom'], types: [], skipLibCheck: false,
    },
    files: [file],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config));
  try {
    execFileSync(`${ROOT}node_modules/.bin/tsc`, ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
    return '';
  } catch (error) {
    return `${error.stdout}${error.stderr}`;
  }
}

test('every result of real files type-checks against its declaration', () => {
  const read = (path) => readFileSync(`${ROOT}${path}`);
  const sample = read('www/sample/sample-orders.csv');
  const whole = analyze(sample, undefined);
  const run = whole.whatif.run({ retention_points: 5 }, { draws: 50 });
  const intervals = wasm.clvIntervals(whole.summary, undefined, 20, 1);
  const dashboard = new wasm.Analysis(undefined);
  dashboard.push(read('tests/browser/fixtures/orders.csv'));
  const first = dashboard.finishDashboard();
  const deferred = dashboard.recommend();
  const phases = new wasm.Analysis(undefined);
  phases.push(read('tests/browser/fixtures/channel-shop.csv'));
  let firstFigures = null;
  const models = phases.finishInPhases(undefined, (figures) => (firstFigures = figures));
  phases.free();
  const channels = analyze(read('tests/browser/fixtures/channel-shop.csv'), { ingest: { mapping: { group: 'channel' } } });
  const shift = channels.whatif.channelShift({ from: 'LINE', to: 'Instagram', share: 0.25 }, 0.4);
  const results = [
    ['AnalysisResult', 'the bundled sample', whole],
    ['AnalysisResult', 'the UCI sample', analyze(read('tests/data/online_retail_II_sample.csv'), undefined)],
    ['AnalysisResult', 'a basket file', analyze(read('tests/browser/fixtures/baskets.csv'), undefined)],
    ['AnalysisResult', 'a weekly summary file', analyze(read('tests/browser/fixtures/summary_weekly.csv'), { summary: { period: 'week' } })],
    ['AnalysisResult', 'a summary file without its period', analyze(read('tests/browser/fixtures/summary_weekly.csv'), undefined)],
    ['AnalysisResult', 'finishDashboard', first],
    ['AnalysisResult', 'finishInPhases: the first figures', firstFigures],
    ['ModelsResult', 'finishInPhases', models],
    ['DeferredRecommendationsResult', 'recommend', deferred],
    ['Preview', 'preview', wasm.preview(sample.subarray(0, 4096), undefined)],
    ['WhatIfResult', 'WhatIf.run', run],
    ['AnalysisResult', 'a shop with a channel column', channels],
    ['ShiftOutcome', 'WhatIf.channelShift', shift],
    ['ClvIntervals', 'clvIntervals', intervals],
    ['FormulaComparison', 'simulateFormula', wasm.simulateFormula({ churn: 0.4 }, { retention_points: 5 })],
  ];
  assert.equal(typeErrors(results), '');
  whole.whatif.free();
  channels.whatif.free();
  models.whatif?.free();
});

test('the check fails on a result that does not match its declaration', () => {
  // A field the declaration lacks, and one it requires left out: the check
  // above would fail on either.
  const result = wasm.simulateFormula(undefined, undefined);
  const extra = { ...result, surprise: 1 };
  const { sensitivity, ...missing } = result;
  assert.ok(sensitivity.length > 0);
  assert.match(typeErrors([['FormulaComparison', 'an extra field', extra]]), /surprise/);
  assert.match(typeErrors([['FormulaComparison', 'a missing field', missing]]), /sensitivity/);
});
