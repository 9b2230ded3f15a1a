// @ts-check
// Reading a dropped file in byte ranges across Web Workers (the core's
// ingest::split): the analysis worker (worker.js) plans the split from the
// file's head, reads the first range itself while range workers
// (range-worker.js) each read one of the others from `File.slice` and post
// what they read as bytes, then merges the parts and goes on exactly as after
// reading in one go. When the file cannot be split (its encoding, an
// order-level amount, a summary file), a range meets an error or the merge
// declines, `readInRanges` says null and the caller reads the file in one go:
// the same result, and errors with their line numbers as always.
//
// The range workers are started when the analysis worker starts
// (`startRangeWorkers`), so their wasm is compiled before a file is dropped.
// Also here: `chunkReader`, the one way both read a stream.

import { Analysis, FileSplit } from '../pkg/ltvlab.js';

/** @typedef {import('../pkg/ltvlab.js').AnalysisOptions} AnalysisOptions */
/**
 * What the analysis worker asks a range worker: read bytes `start` to `end`
 * of `file`, whose first bytes are `head`, for analysis job `job`.
 * @typedef {{job: number, file: Blob, head: Uint8Array, start: number, end: number, options: AnalysisOptions}} RangeRequest
 */
/**
 * What a range worker answers: `read` bytes so far (every few MiB), then its
 * part as bytes, or that it failed (the file is then read in one go).
 * @typedef {{type: 'progress', job: number, read: number}
 *   | {type: 'part', job: number, bytes: Uint8Array}
 *   | {type: 'failed', job: number, message: string}} RangeReply
 */

/**
 * Files from this size on are read in ranges: two ranges of at least the
 * core's smallest range (4 MiB). Below it the fixed costs (the slices, posting
 * the part, the merge) eat what the second core saves; see BENCHMARKS.md,
 * "Session 9: byte ranges in the browser".
 */
export const SPLIT_MIN_BYTES = 8 << 20;

/**
 * Files above this size are read in one go. Each later range costs the
 * renderer transient memory while it is merged, about twice its rows' columns
 * (the range worker's store and the posted bytes, then the decoded part
 * beside the merged store): about 70 MB at 1M lines, 0.7 GB at 10M, where
 * the memory goal of a large file (issue #17) matters more than its seconds.
 */
export const SPLIT_MAX_BYTES = 200 << 20;

/** Range workers at most, besides the analysis worker (each holds a wasm instance). */
const MAX_RANGE_WORKERS = 3;

/**
 * Ranges only from this many cores on: the page's main thread and the
 * analysis worker each want one, and on two cores a range worker finds none
 * free. Measured on two cores, near idle, interleaved: 1M lines reached the
 * dashboard in 2,617–2,670 ms in ranges against 2,312–2,509 ms in one go,
 * and 100k lines read in ranges from 1 MiB gained nothing (BENCHMARKS.md,
 * "Session 10: the byte-range split on two cores"). Below it no range
 * worker is started, which also saves its wasm instance's memory; a test
 * asking for ranges (`minBytes`) still gets one.
 */
const SPLIT_MIN_CORES = 4;

/** The machine's logical cores, as the browser tells (2 when it does not). */
function cores() {
  return navigator.hardwareConcurrency || 2;
}

/**
 * The first range's share against another's: the analysis worker's range is
 * longer, because a range worker still encodes its part and posts it after
 * reading (about a fifth of its reading time at 1M lines).
 */
const OWN_WEIGHT = 1.2;

/** Bytes a range worker reads between two progress reports. */
const PROGRESS_BYTES = 4 << 20;

/**
 * The idle range workers. Each reads one range and is then ended, which
 * frees its memory (a wasm instance's memory never shrinks); the analysis
 * worker starts new ones once its result is posted.
 * @type {Worker[]}
 */
const pool = [];
let nextJob = 1;

/**
 * Starts the range workers that are missing: one per core beyond the main
 * thread's and the analysis worker's, at most MAX_RANGE_WORKERS, and none
 * below SPLIT_MIN_CORES unless `atLeast` asks for some (a test's ranges).
 * Called when the analysis worker starts and after each result.
 * @param {number} [atLeast]
 */
export function startRangeWorkers(atLeast = 0) {
  const spare = cores() >= SPLIT_MIN_CORES ? Math.min(MAX_RANGE_WORKERS, cores() - 2) : 0;
  const count = Math.max(atLeast, spare);
  while (pool.length < count) pool.push(startRangeWorker());
}

function startRangeWorker() {
  return new Worker(new URL('./range-worker.js', import.meta.url), { type: 'module', name: 'range' });
}

/**
 * Reads `file` in ranges into an Analysis ready for `finishDashboard`, or
 * null when it is to be read in one go (too small or too large, not
 * splittable, no free range worker, or a range failed).
 * @param {Blob} file
 * @param {AnalysisOptions} options
 * @param {{minBytes?: number, onHead: (head: Uint8Array) => void, onRead: (read: number) => void}} how
 *   `minBytes` replaces SPLIT_MIN_BYTES (tests read small files in ranges);
 *   `onHead` gets the file's first bytes once the split is planned (the
 *   preview), `onRead` the bytes read so far across all ranges.
 * @returns {Promise<{analysis: Analysis, ranges: number} | null>}
 */
export async function readInRanges(file, options, { minBytes = SPLIT_MIN_BYTES, onHead, onRead }) {
  const size = file.size;
  if (size < minBytes || size > SPLIT_MAX_BYTES) return null;
  const asked = minBytes < SPLIT_MIN_BYTES; // a test's ranges, whatever the cores
  if (!asked && cores() < SPLIT_MIN_CORES) return null;
  startRangeWorkers(asked ? 1 : 0); // after an error, the pool may not be full yet
  const wanted = Math.min(pool.length + 1, Math.floor(size / FileSplit.minRangeBytes()));
  if (wanted < 2 && !asked) return null;
  // A test may ask for ranges below the core's smallest: two, then.
  const count = Math.max(2, wanted);
  const head = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
  const split = FileSplit.plan(head, size, options);
  if (!split) return null;
  /** @type {RangeReader | null} */
  let own = null;
  try {
    /** @type {number[]} */
    const starts = [0];
    const windowBytes = FileSplit.boundaryWindow();
    const weights = count - 1 + OWN_WEIGHT;
    for (let k = 1; k < count; k++) {
      const target = Math.floor((size * (k - 1 + OWN_WEIGHT)) / weights);
      const bytes = new Uint8Array(await file.slice(target, target + windowBytes).arrayBuffer());
      const at = split.boundary(bytes);
      if (at !== undefined && target + at > starts[starts.length - 1]) starts.push(target + at);
    }
    if (starts.length < 2) return null;
    onHead(head);
    const job = nextJob++;
    const workers = pool.splice(0, starts.length - 1);
    /** @type {number[]} bytes read per range */
    const read = starts.map(() => 0);
    const report = () => onRead(read.reduce((a, b) => a + b, 0));
    const parts = workers.map((w, i) => {
      const start = starts[i + 1];
      const end = starts[i + 2] ?? size;
      return readRange(w, { job, file, head: head.slice(0, FileSplit.headBytes()), start, end, options }, (n) => {
        read[i + 1] = n;
        report();
      });
    });
    own = split.range(0, starts[1]);
    const ownRead = await readOwn(own, file.slice(0, starts[1]), (n) => {
      read[0] = n;
      report();
    });
    const others = await Promise.all(parts);
    if (!ownRead || others.some((p) => p === null)) return null;
    const reader = own;
    own = null; // fromRanges frees it
    const analysis = Analysis.fromRanges(options, split, reader, /** @type {Uint8Array[]} */ (others));
    return analysis ? { analysis, ranges: starts.length } : null;
  } finally {
    try {
      own?.free();
      split.free();
    } catch {} // after a panic the instance is lost anyway; the worker is replaced
  }
}

/** @typedef {import('../pkg/ltvlab.js').RangeReader} RangeReader */

/** Bytes of the head read first: the core's detection and the preview's 256 KiB, plus its last line. */
const HEAD_BYTES = 512 * 1024;

/**
 * Reads the first range into `reader`; false when its bytes cannot be read
 * (the file is then read in one go, which reports why).
 * @param {RangeReader} reader
 * @param {Blob} slice
 * @param {(read: number) => void} onRead
 */
async function readOwn(reader, slice, onRead) {
  const chunks = chunkReader(slice.stream());
  let read = 0;
  let reported = 0;
  try {
    for (;;) {
      const { done, value } = await chunks.read();
      if (done || !value) return true;
      reader.push(value);
      read += value.byteLength;
      if (read - reported >= PROGRESS_BYTES) {
        reported = read;
        onRead(read);
      }
    }
  } catch {
    return false;
  } finally {
    onRead(read);
  }
}

/**
 * Has `worker` read one range, then ends it; its part as bytes, or null
 * when it failed.
 * @param {Worker} worker
 * @param {RangeRequest} request
 * @param {(read: number) => void} onRead
 * @returns {Promise<Uint8Array | null>}
 */
function readRange(worker, request, onRead) {
  return new Promise((resolve) => {
    /** @param {MessageEvent<RangeReply>} event */
    const onMessage = ({ data }) => {
      if (data.job !== request.job) return;
      if (data.type === 'progress') {
        onRead(data.read);
        return;
      }
      done(data.type === 'part' ? data.bytes : null);
    };
    /** @param {Event} event */
    const onError = (event) => {
      event.preventDefault();
      done(null);
    };
    /** @param {Uint8Array | null} bytes */
    const done = (bytes) => {
      worker.terminate();
      if (bytes) onRead(request.end - request.start);
      resolve(bytes);
    };
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    worker.postMessage(request);
  });
}

// Reads a stream into one reused 1 MiB buffer (a BYOB reader) where the
// stream is a byte stream, as File.stream() is: a 700 MB file then leaves no
// 700 MB of spent chunks for the garbage collector while it is read. Other
// streams fall back to the default reader. `reused` says a chunk is only
// valid until the next read.
const READ_BYTES = 1 << 20;
/**
 * @param {ReadableStream<Uint8Array>} stream
 * @returns {{reused: boolean, read: () => Promise<ReadableStreamReadResult<Uint8Array>>, cancel: () => Promise<void>}}
 */
export function chunkReader(stream) {
  /** @type {ReadableStreamBYOBReader} */
  let byob;
  try {
    byob = stream.getReader({ mode: 'byob' });
  } catch {
    const reader = stream.getReader();
    return { reused: false, read: () => reader.read(), cancel: () => reader.cancel() };
  }
  let buffer = new ArrayBuffer(READ_BYTES);
  return {
    reused: true,
    async read() {
      const result = await byob.read(new Uint8Array(buffer, 0, READ_BYTES));
      if (result.value) buffer = result.value.buffer;
      return result;
    },
    cancel: () => byob.cancel(),
  };
}
