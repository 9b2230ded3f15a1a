// @ts-check
// The snippet generator of embed.html (English) and snippet.html (Japanese):
// the options form drives a live <ltv-calculator> preview and the HTML to
// copy. It makes no request of its own; the preview loads only the widget's
// files. The pages differ only in their words and defaults: what this module
// says itself (the copy confirmation) comes from the page's data attributes.
//
// Form fields it reads, by name (a page may leave any out):
//   mode, lang, currency, aov, frequency, retention, margin, discount-rate,
//   cac, fields (checkboxes), theme, compact, allow-upload: the attributes;
//   --ltv-* (colour inputs): custom properties, written to the snippet as a
//     style attribute when they differ from the input's default;
//   base: the URL of the folder the widget's files were uploaded to (default:
//     this page's folder, which is right when the page is opened from there).

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const form = /** @type {HTMLFormElement} */ (byId('options'));
const preview = byId('preview');
const snippet = /** @type {HTMLTextAreaElement} */ (byId('snippet'));
const copied = byId('copied');
const baseWarning = document.getElementById('base-warning');
const ALL_FIELDS = ['aov', 'frequency', 'retention', 'margin', 'discount-rate', 'cac'];
const VALUES = ['aov', 'frequency', 'retention', 'margin', 'discount-rate', 'cac'];

const baseField = /** @type {HTMLInputElement | null} */ (form.elements.namedItem('base'));
if (baseField && baseField.value === '') baseField.value = new URL('./', document.baseURI).href;

const calculator = document.createElement('ltv-calculator');
preview.append(calculator);

/**
 * The attributes the options ask for, in a stable order; defaults left out,
 * except `mode`, which is always written so that a pasted snippet keeps its
 * meaning if the widget's default ever changes.
 * @returns {[string, string][]}
 */
function attributes() {
  const data = new FormData(form);
  /** @type {[string, string][]} */
  const out = [];
  const mode = data.get('mode');
  if (mode !== null) out.push(['mode', String(mode)]);
  const lang = data.get('lang');
  if (lang !== null && lang !== 'auto') out.push(['lang', String(lang)]);
  const currency = String(data.get('currency') ?? '').trim().toUpperCase();
  if (/^[A-Z]{3}$/.test(currency)) out.push(['currency', currency]);
  for (const name of VALUES) {
    const value = String(data.get(name) ?? '').trim();
    if (value !== '') out.push([name, value]);
  }
  let fields = data.getAll('fields');
  if (fields.includes('churn')) fields = fields.filter((f) => f !== 'retention');
  if (fields.length && fields.join(' ') !== ALL_FIELDS.join(' ')) out.push(['fields', fields.join(' ')]);
  const theme = data.get('theme');
  if (theme !== null && theme !== 'auto') out.push(['theme', String(theme)]);
  if (data.get('compact')) out.push(['compact', '']);
  if (data.get('allow-upload')) out.push(['allow-upload', '']);
  return out;
}

/**
 * The custom properties the colour inputs set, where they differ from the
 * input's own default (the widget's).
 * @returns {[string, string][]}
 */
function colours() {
  /** @type {[string, string][]} */
  const out = [];
  for (const input of form.querySelectorAll('input[name^="--ltv-"]')) {
    const field = /** @type {HTMLInputElement} */ (input);
    if (field.value.toLowerCase() !== field.defaultValue.toLowerCase()) out.push([field.name, field.value]);
  }
  return out;
}

// Where the snippet loads the widget from: the `base` field if the page has
// one and it is an http(s) URL, else this page's folder.
function scriptUrl() {
  const raw = baseField?.value.trim() ?? '';
  let base;
  try {
    base = new URL(raw.endsWith('/') || raw === '' ? raw : `${raw}/`, document.baseURI);
  } catch {
    base = new URL('./', document.baseURI);
  }
  const usable = base.protocol === 'https:' || base.protocol === 'http:';
  // Module scripts never load from file:// pages or URLs: say so instead of
  // handing out a snippet that cannot work.
  if (baseWarning) baseWarning.hidden = usable;
  return new URL('ltv-calculator.js', usable ? base : new URL('./', document.baseURI)).href;
}

/** @param {string} value */
function escapeAttribute(value) {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function update() {
  const wanted = attributes();
  const names = new Set(wanted.map(([name]) => name));
  // `style` carries the colours, set through CSSOM below (which a page's CSP
  // style-src allows, unlike a style attribute).
  for (const { name } of [...calculator.attributes]) if (name !== 'style' && !names.has(name)) calculator.removeAttribute(name);
  for (const [name, value] of wanted) if (calculator.getAttribute(name) !== value) calculator.setAttribute(name, value);
  const custom = colours();
  for (const input of form.querySelectorAll('input[name^="--ltv-"]')) calculator.style.removeProperty(/** @type {HTMLInputElement} */ (input).name);
  for (const [name, value] of custom) calculator.style.setProperty(name, value);
  const attrs = wanted.map(([name, value]) => (value === '' ? ` ${name}` : ` ${name}="${escapeAttribute(value)}"`)).join('');
  const style = custom.length ? ` style="${escapeAttribute(custom.map(([name, value]) => `${name}: ${value}`).join('; '))}"` : '';
  snippet.value = `<script type="module" src="${escapeAttribute(scriptUrl())}"></script>\n<ltv-calculator${attrs}${style}></ltv-calculator>\n`;
  copied.textContent = '';
}

form.addEventListener('input', update);
form.addEventListener('change', update);
form.addEventListener('submit', (event) => event.preventDefault());

byId('copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(snippet.value);
  } catch {
    // Without clipboard permission (an insecure origin, an old browser):
    // select the text so Ctrl+C copies it.
    snippet.focus();
    snippet.select();
    document.execCommand?.('copy');
  }
  copied.textContent = copied.dataset.done ?? 'Copied.';
});

update();
