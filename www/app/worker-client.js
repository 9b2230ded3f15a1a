// @ts-check
// The page's side of the analysis worker (worker.js): starts it, posts the
// messages of protocol.js to it and replaces it after an error, since a wasm
// panic leaves its memory unusable. The same script runs as helper workers
// (the CLV intervals, the what-if runs with draws): `spawn` starts one.

import { state } from './state.js';

/** @typedef {import('../protocol.js').FromWorkerMessage} FromWorkerMessage */
/** @typedef {import('../protocol.js').ToWorkerDraft} ToWorkerDraft */
/** @typedef {import('../protocol.js').ToWorkerMessage} ToWorkerMessage */
/**
 * What the page does with the analysis worker's messages and with a failure
 * outside any job (the module did not load, or it threw).
 * @typedef {{message: (message: FromWorkerMessage) => void, failed: (message: string) => void}} Handlers
 */

/** The analysis worker, once started, and who handles what it says. */
const client = {
  /** @type {Worker | null} */
  worker: null,
  /** @type {Handlers} */
  handlers: { message: () => {}, failed: () => {} },
};

/**
 * Says who handles the analysis worker's messages (once, at start-up).
 * @param {Handlers} handlers
 */
export function connect(handlers) {
  client.handlers = handlers;
}

/**
 * A new instance of worker.js: the analysis worker is named `analysis` (it
 * starts range workers for large files), helpers `helper`.
 * @param {(message: FromWorkerMessage) => void} onMessage
 * @param {(event: ErrorEvent) => void} onError a failure outside any message's handling
 * @param {'analysis' | 'helper'} [name]
 */
export function spawn(onMessage, onError, name = 'helper') {
  const worker = new Worker(new URL('../worker.js', import.meta.url), { type: 'module', name });
  worker.addEventListener('message', ({ data }) => onMessage(data));
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    onError(event);
  });
  return worker;
}

/**
 * Posts `message` to a worker with the page's language, for its error messages.
 * @param {Worker} worker
 * @param {ToWorkerDraft} message
 */
export function postTo(worker, message) {
  worker.postMessage(/** @type {ToWorkerMessage} */ ({ ...message, lang: state.l10n.lang }));
}

/** The analysis worker, started if there is none. */
export function ensureWorker() {
  if (client.worker) return client.worker;
  const created = spawn(
    (message) => client.handlers.message(message),
    (event) => {
      // The browser's own words ("Uncaught SyntaxError…") are English: only the English page shows them.
      if (created === client.worker) client.handlers.failed((state.l10n.lang === 'en' && event.message) || state.l10n.t('error.worker'));
    },
    'analysis',
  );
  client.worker = created;
  return created;
}

/**
 * Ends the analysis worker (after an error, or to cancel). The new one is
 * created lazily, by the next message.
 */
export function dropWorker() {
  client.worker?.terminate();
  client.worker = null;
}

/**
 * Posts `message` to the analysis worker.
 * @param {ToWorkerDraft} message
 */
export function post(message) {
  postTo(ensureWorker(), message);
}
