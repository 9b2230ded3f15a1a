// @ts-check
// A range worker: reads one byte range of a dropped file for the analysis
// worker (see ranges.js) and posts what it read as bytes, transferred, not
// copied. Started with the analysis worker, so its wasm is ready before a file
// is dropped. It makes its own FileSplit from the same head, size and options
// as the analysis worker's, so both read the file with the same plan.

import init, { FileSplit } from '../pkg/ltvlab.js';
import { chunkReader } from './ranges.js';

/** @typedef {import('./ranges.js').RangeRequest} RangeRequest */
/** @typedef {import('./ranges.js').RangeReply} RangeReply */

/** Bytes read between two progress reports. */
const PROGRESS_BYTES = 4 << 20;

const ready = init();

/**
 * @param {RangeReply} reply
 * @param {Transferable[]} [transfer]
 */
const reply = (reply, transfer = []) => postMessage(reply, transfer);

/** @param {MessageEvent<RangeRequest>} event */
onmessage = async ({ data: { job, file, head, start, end, options } }) => {
  try {
    await ready;
    const split = FileSplit.plan(head, file.size, options);
    if (!split) throw new Error('the file cannot be split');
    const reader = split.range(start, end - start);
    split.free();
    const chunks = chunkReader(file.slice(start, end).stream());
    let read = 0;
    let reported = 0;
    try {
      for (;;) {
        const { done, value } = await chunks.read();
        if (done || !value) break;
        reader.push(value);
        read += value.byteLength;
        if (read - reported >= PROGRESS_BYTES) {
          reported = read;
          reply({ type: 'progress', job, read });
        }
      }
    } catch (error) {
      reader.free();
      throw error;
    }
    const bytes = reader.finishBytes(); // frees `reader`
    reply({ type: 'part', job, bytes }, [bytes.buffer]);
  } catch (error) {
    // The analysis worker reads the file in one go, which reports the error
    // with its line; after a wasm panic it replaces this worker.
    reply({ type: 'failed', job, message: error instanceof Error ? error.message : String(error) });
    if (error instanceof WebAssembly.RuntimeError) close();
  }
};
