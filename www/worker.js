// The analysis worker: owns the wasm module, so the page stays responsive
// while a large file is read. A module worker (new Worker(url, {type: 'module'})).
//
// Messages in:
//   {type: 'analyze', id, file: Blob, options}   analyse a dropped or chosen file
//   {type: 'analyze', id, url: string, options}  fetch and analyse a file of this site
//   {type: 'cancel', id}                          stop reading; the page ignores `id` afterwards
// Messages out:
//   {type: 'ready', version}
//   {type: 'progress', id, stage, percent}        percent is null when unknown
//   {type: 'result', id, report, summary}
//   {type: 'cancelled', id}
//   {type: 'error', id, message}
//
// After a wasm panic the module's memory cannot be trusted, so the page
// replaces this worker after any error rather than reusing it.

import init, { Analysis, version } from './pkg/ltvlab.js';

// console_error_panic_hook reports a panic's message through console.error just
// before the trap; remember it so the page can show more than "unreachable".
let lastConsoleError = '';
const consoleError = console.error.bind(console);
console.error = (...args) => {
  lastConsoleError = args.map(String).join(' ');
  consoleError(...args);
};

const ready = init().then(() => postMessage({ type: 'ready', version: version() }));

let current = null; // {id, cancelled}

onmessage = async ({ data }) => {
  if (data.type === 'cancel') {
    if (current && current.id === data.id) current.cancelled = true;
    return;
  }
  if (data.type !== 'analyze') return;

  const job = { id: data.id, cancelled: false };
  current = job;
  try {
    const outcome = await analyze(job, data);
    postMessage(outcome ? { type: 'result', id: job.id, ...outcome } : { type: 'cancelled', id: job.id });
  } catch (error) {
    postMessage({ type: 'error', id: job.id, message: describe(error) });
  } finally {
    if (current === job) current = null;
  }
};

// Returns {report, summary}, or null when cancelled.
async function analyze(job, { file, url, options }) {
  const progress = (stage, percent) => postMessage({ type: 'progress', id: job.id, stage, percent });

  progress('loading', null);
  await ready;

  let stream;
  let total;
  if (url !== undefined) {
    progress('downloading', null);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
    total = Number(response.headers.get('Content-Length')) || null;
    stream = response.body;
  } else {
    total = file.size;
    stream = file.stream();
  }

  const analysis = new Analysis(options);
  let finished = false;
  try {
    const reader = stream.getReader();
    let read = 0;
    let shown = -1;
    progress('reading', total ? 0 : null);
    for (;;) {
      const { done, value } = await reader.read();
      if (job.cancelled) {
        await reader.cancel();
        return null;
      }
      if (done) break;
      analysis.push(value);
      read += value.byteLength;
      const percent = total ? Math.min(100, Math.floor((read / total) * 100)) : null;
      if (percent !== shown) {
        shown = percent;
        progress('reading', percent);
      }
    }
    progress('summarizing', null);
    finished = true;
    return analysis.finish(); // consumes and frees `analysis`
  } finally {
    // On cancel or a push error. After a panic even free() may trap; the
    // original error is the one worth reporting, and the worker is replaced.
    if (!finished) {
      try {
        analysis.free();
      } catch {}
    }
  }
}

function describe(error) {
  if (error instanceof WebAssembly.RuntimeError) {
    const panic = lastConsoleError.match(/panicked at [^\n]*\n([^\n]*)/);
    return `internal error in the analysis engine: ${panic ? panic[1] : error.message}. Please report this file's shape (not its data).`;
  }
  return error instanceof Error ? error.message : String(error);
}
