// @ts-check
// The page's elements and the helpers that build and find them. Every string
// that comes from the CSV is rendered through text nodes (textContent, append
// of strings), never as HTML: `el` is the one way this page makes elements.

/**
 * The element with this data-testid (the tests find the page's parts the same way).
 * @param {string} id
 * @returns {any} an element the page's markup (index.html) is known to have
 */
export const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);

/** The page's fixed parts. */
export const ui = {
  lang: /** @type {HTMLSelectElement} */ (byTestId('lang')),
  theme: /** @type {HTMLSelectElement} */ (byTestId('theme')),
  fileInput: /** @type {HTMLInputElement} */ (byTestId('file-input')),
  dropZone: /** @type {HTMLElement} */ (byTestId('drop-zone')),
  sample: /** @type {HTMLButtonElement} */ (byTestId('sample')),
  progress: /** @type {HTMLElement} */ (byTestId('progress')),
  progressLabel: /** @type {HTMLElement} */ (byTestId('progress-stage')),
  progressBar: /** @type {HTMLProgressElement} */ (document.getElementById('progress-bar')),
  progressPercent: /** @type {HTMLElement} */ (byTestId('progress-percent')),
  cancel: /** @type {HTMLButtonElement} */ (byTestId('cancel')),
  error: /** @type {HTMLElement} */ (byTestId('error')),
  status: /** @type {HTMLElement} */ (byTestId('status')),
  preview: /** @type {HTMLElement} */ (byTestId('preview')),
  mapping: /** @type {HTMLFormElement} */ (byTestId('mapping')),
  results: /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('.results')),
  /** @param {string} name */
  section: (name) => /** @type {HTMLElement} */ (document.querySelector(`[data-section="${name}"]`)),
  report: /** @type {HTMLElement} */ (byTestId('ingest-report')),
  customers: /** @type {HTMLTableElement} */ (byTestId('customers-table')),
  search: /** @type {HTMLInputElement} */ (byTestId('customer-search')),
  prev: /** @type {HTMLButtonElement} */ (byTestId('page-prev')),
  next: /** @type {HTMLButtonElement} */ (byTestId('page-next')),
  pageLabel: /** @type {HTMLElement} */ (byTestId('page-label')),
  recs: /** @type {HTMLElement} */ (byTestId('recommendations')),
  recsItem: /** @type {HTMLSelectElement} */ (document.getElementById('recs-item')),
  recsCustomer: /** @type {HTMLSelectElement} */ (document.getElementById('recs-customer')),
  version: /** @type {HTMLElement} */ (byTestId('version')),
  offline: /** @type {HTMLElement} */ (byTestId('offline')),
  whatif: /** @type {HTMLElement} */ (byTestId('whatif')),
};

/**
 * Builds an element. Children that are strings become text nodes, never HTML.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number>} attributes
 * @param {...(Node | string)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

/**
 * A table of text cells.
 * @param {string[]} headings
 * @param {unknown[][]} rows
 * @param {Record<string, string>} attributes
 */
export function table(headings, rows, attributes) {
  return el(
    'table',
    attributes,
    el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((cell) => el('td', {}, String(cell)))))),
  );
}

/**
 * Saves `blob` as a file named `name`.
 * @param {Blob} blob
 * @param {string} name
 */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Resolves in a task of its own, after what the event loop has queued. */
export const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Resolves in a task after the next frame (its layout and paint), or after
 * `FRAME_WAIT_MS` where no frame comes (a hidden tab draws none).
 */
export const afterFrame = () =>
  new Promise((resolve) => {
    const fallback = setTimeout(resolve, FRAME_WAIT_MS);
    requestAnimationFrame(() => {
      clearTimeout(fallback);
      setTimeout(resolve, 0);
    });
  });
const FRAME_WAIT_MS = 100;

/**
 * document.body.dataset.state is the page's state, for people and tests alike:
 * idle → working → done | error | idle (after cancel, which ends the busy
 * worker and starts a fresh one). "done" means the dashboard is drawn; the
 * recommendations come after it (the slowest section), and their section's
 * data-recommendations goes computing → done.
 * @param {'idle' | 'working' | 'done' | 'error'} state
 */
export function setState(state) {
  document.body.dataset.state = state;
}
