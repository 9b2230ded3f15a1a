// @ts-check
// The snippet generator: the options form drives a live <ltv-calculator>
// preview and the HTML to copy. The snippet points at this site's copy of the
// widget by absolute URL, so it works pasted into any page.

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const form = /** @type {HTMLFormElement} */ (byId('options'));
const preview = byId('preview');
const snippet = /** @type {HTMLTextAreaElement} */ (byId('snippet'));
const copied = byId('copied');
const SCRIPT_URL = new URL('ltv-calculator.js', document.baseURI).href;
const ALL_FIELDS = ['aov', 'frequency', 'retention', 'margin', 'discount-rate', 'cac'];
const VALUES = ['aov', 'frequency', 'retention', 'margin', 'discount-rate', 'cac'];

const calculator = document.createElement('ltv-calculator');
preview.append(calculator);

/**
 * The attributes the options ask for, in a stable order; defaults left out.
 * @returns {[string, string][]}
 */
function attributes() {
  const data = new FormData(form);
  /** @type {[string, string][]} */
  const out = [];
  const lang = data.get('lang');
  if (lang !== 'auto') out.push(['lang', String(lang)]);
  const currency = String(data.get('currency')).trim().toUpperCase();
  if (/^[A-Z]{3}$/.test(currency)) out.push(['currency', currency]);
  for (const name of VALUES) {
    const value = String(data.get(name)).trim();
    if (value !== '') out.push([name, value]);
  }
  let fields = data.getAll('fields');
  if (fields.includes('churn')) fields = fields.filter((f) => f !== 'retention');
  if (fields.length && fields.join(' ') !== ALL_FIELDS.join(' ')) out.push(['fields', fields.join(' ')]);
  if (data.get('theme') !== 'auto') out.push(['theme', String(data.get('theme'))]);
  if (data.get('compact')) out.push(['compact', '']);
  if (data.get('allow-upload')) out.push(['allow-upload', '']);
  return out;
}

/** @param {string} value */
function escapeAttribute(value) {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function update() {
  const wanted = attributes();
  const names = new Set(wanted.map(([name]) => name));
  for (const { name } of [...calculator.attributes]) if (!names.has(name)) calculator.removeAttribute(name);
  for (const [name, value] of wanted) if (calculator.getAttribute(name) !== value) calculator.setAttribute(name, value);
  const attrs = wanted.map(([name, value]) => (value === '' ? ` ${name}` : ` ${name}="${escapeAttribute(value)}"`)).join('');
  snippet.value = `<script type="module" src="${escapeAttribute(SCRIPT_URL)}"></script>\n<ltv-calculator${attrs}></ltv-calculator>\n`;
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
  copied.textContent = 'Copied.';
});

update();
