// @ts-check
// A large shop's CLV-interval bootstrap in the analysis worker, in slices:
// the worker does the bootstrap's pieces (WhatIf.stepIntervals: one
// resample's refit or valuation, or a few hundred customers' intervals) for
// about SLICE_MS, then lets the messages that have arrived meanwhile (a sort,
// a search, a slider move, an export, a new file) go first, then goes on. The
// same numbers as one call (ltvlab::bootstrap::BootstrapRun), without the
// minutes of a frozen table that one call cost at 630,948 customers.

/** @typedef {import('../pkg/ltvlab.js').WhatIf} WhatIf */
/** @typedef {import('../pkg/ltvlab.js').ClvIntervals} ClvIntervals */
/** @typedef {import('../protocol.js').IntervalsRequest} IntervalsRequest */

/**
 * Milliseconds of bootstrap work between two looks at the worker's messages;
 * a piece started before the time is up is finished, so a message waits for
 * at most this plus one piece (a refit: a few hundred ms at 630,948 customers).
 */
const SLICE_MS = 30;
/** Customers whose intervals one step computes, once the resamples are done (~100 µs each at 630,948 customers). */
const CUSTOMERS_PER_STEP = 200;

/** The id of the bootstrap under way, or 0: starting another ends it. */
let running = 0;

/**
 * Starts the bootstrap of the customers of the summary `whatif` keeps, and
 * goes on with it in slices between the worker's other messages.
 * @param {WhatIf} whatif
 * @param {Pick<IntervalsRequest, 'id' | 'predict' | 'samples'>} request
 * @param {() => boolean} live whether `whatif` is still the worker's (a new analysis frees it: the bootstrap then ends)
 * @param {(intervals: ClvIntervals) => void} done
 * @param {(error: unknown) => void} failed
 */
export function bootstrapInSlices(whatif, { id, predict, samples }, live, done, failed) {
  // The predictions the intervals are around: the one piece not cut. Its errors are the request's.
  whatif.startIntervals(predict, samples, 0);
  running = id;
  // A MessageChannel, not setTimeout: nested timeouts are clamped to 4 ms.
  const channel = new MessageChannel();
  const end = () => {
    channel.port1.close();
    if (running === id) running = 0;
  };
  channel.port1.onmessage = () => {
    if (running !== id || !live()) return end();
    try {
      const until = performance.now() + SLICE_MS;
      let finished = false;
      do finished = whatif.stepIntervals(CUSTOMERS_PER_STEP);
      while (!finished && performance.now() < until);
      if (finished) {
        end();
        done(whatif.finishIntervals());
        return;
      }
    } catch (error) {
      end();
      failed(error);
      return;
    }
    channel.port2.postMessage(null);
  };
  channel.port2.postMessage(null);
}
