// @ts-check
// <ltv-calculator>: the embeddable LTV calculator. One module script include:
//
//   <script type="module" src="https://example.com/ltvlab/widget/ltv-calculator.js"></script>
//   <ltv-calculator currency="JPY" aov="5000" frequency="3" retention="0.6" margin="0.3" cac="3000"></ltv-calculator>
//
// Vanilla custom element, no framework: attributes in, an `ltv-change` event
// out. It renders into a Shadow DOM, so a blog theme cannot restyle it and its
// styles cannot leak out; hosts style it through CSS custom properties
// (--ltv-*) and ::part(). The numbers come from ltvlab's core (the formula
// mode of the simulator, `simulateFormula`) compiled to a small wasm that is
// fetched only when the first calculator scrolls into view. Every URL is
// resolved against this module's own URL, so the widget works from another
// origin and under any subpath, and it requests nothing but its own files.
//
// Attributes (all optional):
//   mode           horizon | simple (default horizon). horizon: the margin per
//                  customer over `horizon` months, discounted month by month;
//                  simple: the textbook whole-lifetime AOV × frequency × margin
//                  ÷ (1 − retention), undiscounted (平均購買単価 × 購買頻度 ×
//                  粗利率 × 継続期間). The one not chosen is named in one line.
//   lang           ja | en | auto (default auto: the page's lang, then the browser's)
//   currency       ISO 4217 code (default JPY for ja, USD for en)
//   aov            average order value
//   frequency      purchases per customer per year
//   retention      annual retention, 0.6 or 60%   (or `churn`, 0.4 or 40%)
//   margin         gross margin, 0.3 or 30%
//   discount-rate  monthly discount rate, 0.01 or 1%
//   cac            acquisition cost per customer
//   horizon        months (default 60)
//   fields         the inputs shown, e.g. "aov frequency retention" (also: churn,
//                  margin, discount-rate, cac); the others keep their values
//   theme          light | dark | auto (default auto)
//   compact        one column, no explanations
//   allow-upload   an orders CSV drop that fills the inputs from the data,
//                  analysed in a worker by the full app wasm (../pkg/), loaded
//                  only when a file is dropped; the file stays in the page
//
// Event: `ltv-change` (bubbles, composed) with detail
//   {mode, simple_ltv, horizon_ltv, inputs, levers, baseline, scenario, currency};
//   see `#emit`.

/** @typedef {import('./pkg/ltvlab.js').FormulaInputs} FormulaInputs */
/** @typedef {import('./pkg/ltvlab.js').FormulaOutputs} FormulaOutputs */
/** @typedef {import('./pkg/ltvlab.js').FormulaComparison} FormulaComparison */
/** The inputs as the form gives them to the core: every field. @typedef {Required<FormulaInputs>} Inputs */
/** The what-if sliders, as the core's Scenario. @typedef {{retention_points: number, aov_change: number}} Levers */
/** What drawing the chart needs, kept to redraw it at a new width. @typedef {[Inputs, FormulaOutputs, FormulaOutputs, Intl.NumberFormat]} ChartArgs */
/** Which LTV the calculator leads with. @typedef {'horizon' | 'simple'} Mode */
/**
 * The detail of `ltv-change`.
 * @typedef {{mode: Mode, simple_ltv: number | null, horizon_ltv: number, inputs: Inputs, levers: Levers,
 *   baseline: object, scenario: object, currency: string}} Result
 */
/** What the CSV drop's analysis found. @typedef {import('./upload-worker.js').Facts} Facts */
/**
 * One language's texts: strings, and functions of their numbers.
 * @typedef {{[key: string]: any, months: (n: number) => string, never: (h: number) => string,
 *   ltvLabel: (mode: Mode, h: number) => string, simpleHow: (i: Record<string, string | number>) => string,
 *   otherSimple: (v: string) => string, otherHorizon: (v: string, h: number) => string,
 *   ltvHow: (i: Record<string, string | number>) => string, ratioHow: (r: string | null, c: string) => string,
 *   paybackHow: (p: number | null) => string, retentionLever: (x: number) => string, aovLever: (x: number) => string,
 *   chartLabel: (h: number, b: string, s: string) => string, loadFailed: (m: string) => string,
 *   invalid: (label: string, raw: string) => string, rejected: (m: string) => string, analysing: (name: string) => string,
 *   fromData: (f: Record<string, string | number | null>) => string, uploadFailed: (m: string) => string}} Strings
 */

/** The values of `mode`; the first is the default. */
export const MODES = ['horizon', 'simple'];
const FIELDS = ['aov', 'frequency', 'retention', 'churn', 'margin', 'discount-rate', 'cac'];
const DEFAULT_FIELDS = ['aov', 'frequency', 'retention', 'margin', 'discount-rate', 'cac'];
// Share-valued inputs: attributes take 0.6 or 60%, the form shows percent.
const PERCENT_FIELDS = new Set(['retention', 'churn', 'margin', 'discount-rate']);
/** @type {{USD: Record<string, number>, JPY: Record<string, number>, common: Record<string, number>} & Record<string, Record<string, number>>} */
const DEFAULTS = {
  USD: { aov: 50, cac: 30 },
  JPY: { aov: 5000, cac: 3000 },
  common: { frequency: 3, churn: 0.4, margin: 0.3, 'discount-rate': 0.01, horizon: 60 },
};
const SLIDERS = {
  retention: { min: -10, max: 20, step: 1 }, // percentage points
  aov: { min: -20, max: 50, step: 1 }, // percent
};

/** @type {Record<string, Strings>} */
const STRINGS = {
  en: {
    title: 'Customer lifetime value',
    aov: 'Average order value',
    frequency: 'Purchases per year',
    retention: 'Annual retention (%)',
    churn: 'Annual churn (%)',
    margin: 'Gross margin (%)',
    'discount-rate': 'Discount rate per month (%)',
    cac: 'Acquisition cost (CAC)',
    ltv: 'LTV',
    ltvLabel: (mode, h) => (mode === 'simple' ? 'LTV (whole lifetime, textbook formula)' : `LTV (${h} months, discounted)`),
    ratio: 'LTV : CAC',
    payback: 'Payback',
    months: (n) => `${n} ${n === 1 ? 'month' : 'months'}`,
    never: (h) => `not within ${h} months`,
    noCac: 'no CAC',
    ltvHow: (i) => `Margin per customer over ${i.horizon} months: ${i.aov} × ${i.frequency} orders a year × ${i.margin} margin, while ${i.retention} stay each year, discounted ${i.discount} a month.`,
    simpleHow: (i) => `${i.aov} × ${i.frequency} orders a year × ${i.margin} margin × a ${i.years}-year lifetime (1 ÷ (1 − ${i.retention} retention)). Undiscounted, with no horizon; it assumes customers leave only at the end of a year.`,
    otherSimple: (v) => `The textbook whole-lifetime formula (order value × orders a year × margin ÷ churn, undiscounted) gives ${v}.`,
    otherHorizon: (v, h) => `Cut off at ${h} months and discounted month by month, the same customer is worth ${v}.`,
    unbounded: 'no limit',
    noLifetime: 'At 100% retention nobody ever leaves, so the whole-lifetime value has no limit.',
    ratioHow: (r, c) => (r === null ? 'Enter an acquisition cost to compare it with the LTV.' : `Each ${c} spent to win a customer comes back ${r} times in margin; below 1 the customer never pays for itself.`),
    paybackHow: (p) => (p === null ? 'The cumulative margin never reaches the CAC within the horizon.' : 'Months until a customer’s cumulative margin covers what it cost to acquire them.'),
    whatIf: 'What if…',
    retentionLever: (x) => `Retention ${x >= 0 ? '+' : '−'}${Math.abs(x)} pt`,
    aovLever: (x) => `Order value ${x >= 0 ? '+' : '−'}${Math.abs(x)}%`,
    withLevers: 'With the what-if',
    chart: 'Cumulative value per customer',
    baseline: 'Today',
    scenario: 'What-if',
    cacLine: 'CAC',
    simpleLine: 'Whole-lifetime LTV',
    month: 'month',
    chartLabel: (h, b, s) => `Cumulative value per customer over ${h} months: ${b} today, ${s} with the what-if.`,
    loading: 'Loading…',
    loadFailed: (m) => `The calculator could not load: ${m}`,
    invalid: (label, raw) => `${label}: “${raw}” is not a number`,
    rejected: (m) => `Check the inputs: ${m}`,
    drop: 'Drop an orders CSV here, or',
    choose: 'choose a file',
    dropNote: 'It is analysed in this page; nothing is uploaded.',
    analysing: (name) => `Analysing ${name}…`,
    fromData: (f) => `${f.name}: ${f.customers} customers, ${f.orders} orders. The inputs now come from your data${f.model ? `; the model’s ${f.horizon}-month LTV is ${f.model}` : ''}.`,
    noChurn: 'Nobody has been a customer long enough to measure churn: retention was kept.',
    uploadFailed: (m) => `The file could not be analysed: ${m}`,
  },
  ja: {
    title: '顧客生涯価値（LTV）',
    aov: '平均購買単価',
    frequency: '購買頻度（年間の購入回数）',
    retention: '年間継続率（%）',
    churn: '年間解約率（%）',
    margin: '粗利率（%）',
    'discount-rate': '月次割引率（%）',
    cac: '顧客獲得単価（CAC）',
    ltv: 'LTV',
    ltvLabel: (mode, h) => (mode === 'simple' ? 'LTV（生涯・基本式）' : `LTV（${h}か月・割引後）`),
    ratio: 'LTV : CAC',
    payback: '回収期間',
    months: (n) => `${n}か月`,
    never: (h) => `${h}か月以内に回収できません`,
    noCac: 'CAC なし',
    ltvHow: (i) => `${i.horizon}か月間の1顧客あたり粗利：${i.aov} × 年${i.frequency}回 × 粗利率${i.margin}、毎年${i.retention}が継続、月${i.discount}で割引。`,
    simpleHow: (i) => `平均購買単価${i.aov} × 購買頻度 年${i.frequency}回 × 粗利率${i.margin} × 継続期間${i.years}年（1 ÷（1 − 継続率${i.retention}））。割引はせず期間の上限もなく、顧客は年の終わりにだけ離脱するとみなした計算です。`,
    otherSimple: (v) => `基本式（平均購買単価 × 購買頻度 × 粗利率 × 継続期間、割引なし）で計算すると${v}です。`,
    otherHorizon: (v, h) => `${h}か月で打ち切り、月ごとに割り引いて計算すると${v}です。`,
    unbounded: '上限なし',
    noLifetime: '継続率100%では離脱が起きないため、生涯の LTV に上限がありません。',
    ratioHow: (r, c) => (r === null ? '顧客獲得単価を入れると LTV と比べられます。' : `顧客獲得に使った${c}が粗利で${r}倍になって戻ります。1倍未満なら元が取れません。`),
    paybackHow: (p) => (p === null ? '期間内に累計粗利が CAC に届きません。' : '1顧客の累計粗利が獲得コストを上回るまでの月数です。'),
    whatIf: 'もしも…',
    retentionLever: (x) => `継続率 ${x >= 0 ? '+' : '−'}${Math.abs(x)}ポイント`,
    aovLever: (x) => `注文単価 ${x >= 0 ? '+' : '−'}${Math.abs(x)}%`,
    withLevers: '施策後',
    chart: '1顧客あたり累計価値',
    baseline: '現状',
    scenario: '施策後',
    cacLine: 'CAC',
    simpleLine: '生涯 LTV（基本式）',
    month: '月',
    chartLabel: (h, b, s) => `${h}か月間の1顧客あたり累計価値：現状 ${b}、施策後 ${s}。`,
    loading: '読み込み中…',
    loadFailed: (m) => `計算機を読み込めませんでした：${m}`,
    invalid: (label, raw) => `${label}：「${raw}」は数値ではありません`,
    rejected: (m) => `入力を確認してください：${m}`,
    drop: '注文CSVをここにドロップ、または',
    choose: 'ファイルを選択',
    dropNote: 'このページ内で分析され、どこにも送信されません。',
    analysing: (name) => `${name} を分析中…`,
    fromData: (f) => `${f.name}：顧客${f.customers}人、注文${f.orders}件。入力値をデータから設定しました${f.model ? `（モデルによる${f.horizon}か月 LTV は ${f.model}）` : ''}。`,
    noChurn: '解約率を測れるほど古い顧客がいないため、継続率はそのままです。',
    uploadFailed: (m) => `ファイルを分析できませんでした：${m}`,
  },
};

/** @typedef {typeof import('./pkg/ltvlab.js')} Glue */

// One wasm module for every calculator on the page: simulateFormula is a pure
// function, so instances share the module and keep their state to themselves.
/** @type {Promise<Glue> | null} */
let calculator = null;
function loadCalculator() {
  calculator ??= import('./pkg/ltvlab.js').then(async (glue) => {
    await glue.default({ module_or_path: new URL('./pkg/ltvlab_bg.wasm', import.meta.url) });
    return glue;
  });
  return calculator;
}

const STYLE = `
:host {
  /* The host page may reset everything (* { all: unset }) or set huge fonts:
     these win over its normal rules, and custom properties stay the way in. */
  display: block !important;
  box-sizing: border-box !important;
  contain: content;
  max-width: var(--ltv-max-width, 44em);
  margin: var(--ltv-margin, 1.5em 0);
  font: normal 400 var(--ltv-font-size, 16px)/1.45 var(--ltv-font, system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Noto Sans JP", sans-serif) !important;
  color: var(--ltv-fg, #1d232b) !important;
  text-align: start !important;
  letter-spacing: normal !important;
  text-transform: none !important;
  white-space: normal !important;
  --_bg: var(--ltv-bg, #ffffff);
  --_fg: var(--ltv-fg, #1d232b);
  --_muted: var(--ltv-muted, #5b6573);
  --_border: var(--ltv-border, #d5dae1);
  --_accent: var(--ltv-accent, #0b6bcb);
  --_scenario: var(--ltv-scenario, #d9480f);
  --_error: var(--ltv-error, #b3261e);
  --_field: var(--ltv-field-bg, #f6f8fa);
}
:host([theme="dark"]) {
  color: var(--ltv-fg, #e6e9ee) !important;
  --_bg: var(--ltv-bg, #1b1f24);
  --_fg: var(--ltv-fg, #e6e9ee);
  --_muted: var(--ltv-muted, #a3adba);
  --_border: var(--ltv-border, #39414b);
  --_accent: var(--ltv-accent, #5aa9f5);
  --_scenario: var(--ltv-scenario, #ff8c5a);
  --_error: var(--ltv-error, #ff8a80);
  --_field: var(--ltv-field-bg, #242a31);
}
@media (prefers-color-scheme: dark) {
  :host(:not([theme="light"]):not([theme="dark"])) {
    color: var(--ltv-fg, #e6e9ee) !important;
    --_bg: var(--ltv-bg, #1b1f24);
    --_fg: var(--ltv-fg, #e6e9ee);
    --_muted: var(--ltv-muted, #a3adba);
    --_border: var(--ltv-border, #39414b);
    --_accent: var(--ltv-accent, #5aa9f5);
    --_scenario: var(--ltv-scenario, #ff8c5a);
    --_error: var(--ltv-error, #ff8a80);
    --_field: var(--ltv-field-bg, #242a31);
  }
}
:host([hidden]) { display: none !important; }
*, *::before, *::after { box-sizing: border-box; }
.calc {
  background: var(--_bg); color: var(--_fg);
  border: 1px solid var(--_border); border-radius: var(--ltv-radius, 10px);
  padding: 1em; display: grid; gap: 1em;
  grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
}
h2 { grid-column: 1 / -1; margin: 0; font-size: 1.1em; font-weight: 650; }
form { display: grid; gap: .6em; align-content: start; margin: 0; }
label.field { display: grid; gap: .15em; font-size: .85em; color: var(--_muted); }
input[type="text"] {
  font: inherit; font-size: 1.1em; color: var(--_fg); background: var(--_field);
  border: 1px solid var(--_border); border-radius: 6px; padding: .3em .5em; width: 100%; min-width: 0;
}
input[type="text"]:focus-visible, input[type="range"]:focus-visible, button:focus-visible, .choose:focus-within {
  outline: 2px solid var(--_accent); outline-offset: 1px;
}
input[aria-invalid="true"] { border-color: var(--_error); }
.outputs { display: grid; gap: .7em; align-content: start; margin: 0; }
.kpi { margin: 0; }
.kpi dt { font-size: .85em; color: var(--_muted); }
.kpi dd { margin: 0; }
.value { font-size: 1.6em; font-weight: 700; font-variant-numeric: tabular-nums; color: var(--_accent); }
.then { font-size: .9em; color: var(--_scenario); font-variant-numeric: tabular-nums; }
.how { margin: .1em 0 0; font-size: .8em; color: var(--_muted); }
.other { margin: .3em 0 0; font-size: .8em; color: var(--_fg); border-left: 3px solid var(--_border); padding-left: .5em; }
.error { grid-column: 1 / -1; margin: 0; color: var(--_error); font-weight: 600; }
.whatif { grid-column: 1 / -1; border: 1px solid var(--_border); border-radius: 8px; margin: 0; padding: .5em .8em .7em;
  display: grid; gap: .4em 1.2em; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
.whatif legend { padding: 0 .3em; font-weight: 600; }
.whatif label { display: grid; gap: .2em; font-size: .9em; }
input[type="range"] { width: 100%; accent-color: var(--_scenario); margin: 0; }
figure { grid-column: 1 / -1; margin: 0; }
figcaption { font-size: .85em; color: var(--_muted); display: flex; flex-wrap: wrap; gap: .3em 1em; }
.key::before { content: ""; display: inline-block; width: 1.2em; height: 3px; vertical-align: middle; margin-right: .3em; background: currentColor; }
.key.base { color: var(--_accent); } .key.scen { color: var(--_scenario); } .key.cac { color: var(--_muted); }
.key.simple { color: var(--_fg); }
svg { display: block; width: 100%; height: 150px; overflow: visible; }
svg text { font-size: 11px; fill: var(--_muted); font-family: inherit; }
.upload { grid-column: 1 / -1; border: 2px dashed var(--_border); border-radius: 8px; padding: .8em; text-align: center; font-size: .9em; }
.upload.over { border-color: var(--_accent); }
.upload p { margin: .3em 0 0; color: var(--_muted); font-size: .9em; }
.choose { color: var(--_accent); text-decoration: underline; cursor: pointer; }
.choose input { position: absolute; width: 1px; height: 1px; opacity: 0; overflow: hidden; }
.status { margin: .4em 0 0; }
[hidden] { display: none !important; }
:host([compact]) .calc { grid-template-columns: minmax(0, 1fr); padding: .7em; gap: .7em; }
:host([compact]) .how, :host([compact]) h2 { display: none; }
:host([compact]) .whatif { grid-template-columns: minmax(0, 1fr); }
@media (max-width: 34em) { .calc, .whatif { grid-template-columns: minmax(0, 1fr); } }
`;

let instances = 0;
/** @type {CSSStyleSheet | null} the constructed stylesheet every instance shares */
let sheet = null;

export class LtvCalculator extends HTMLElement {
  static observedAttributes = [
    'mode', 'lang', 'currency', 'aov', 'frequency', 'retention', 'churn', 'margin', 'discount-rate', 'cac',
    'horizon', 'fields', 'theme', 'compact', 'allow-upload',
  ];

  /** @type {ShadowRoot} */
  #root;
  #id = ++instances;
  #visible = false;
  /** @type {IntersectionObserver | null} */
  #observer = null;
  /** @type {Glue | null} the wasm's JS glue, once loaded */
  #glue = null;
  #pending = false;
  /** @type {Result | null} what `ltv-change` said last */
  #result = null;
  /** @type {Worker | null} */
  #uploadWorker = null;
  /** @type {ChartArgs | null} the last chart's arguments, to redraw it at a new size */
  #lastChart = null;
  /** @type {ResizeObserver | null} */
  #resize = null;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    // A constructed stylesheet, shared by every instance: it is not an inline
    // <style>, so a host page's CSP style-src does not block it.
    if (typeof CSSStyleSheet === 'function' && 'adoptedStyleSheets' in Document.prototype) {
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(STYLE);
      }
      this.#root.adoptedStyleSheets = [sheet];
      this.#root.innerHTML = this.#skeleton();
    } else {
      this.#root.innerHTML = `<style>${STYLE}</style>${this.#skeleton()}`;
    }
    this.#wire();
  }

  connectedCallback() {
    this.#applyAll();
    if (typeof ResizeObserver !== 'undefined') {
      this.#resize ??= new ResizeObserver(() => {
        if (this.#lastChart) this.#drawChart(...this.#lastChart);
      });
      this.#resize.observe(this.#part('chart'));
    }
    if (this.#visible) return;
    if (typeof IntersectionObserver === 'undefined') {
      this.#becameVisible();
      return;
    }
    this.#observer ??= new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) this.#becameVisible();
    }, { rootMargin: '200px' });
    this.#observer.observe(this);
  }

  disconnectedCallback() {
    this.#resize?.disconnect();
    this.#observer?.disconnect();
    this.#observer = null;
    this.#uploadWorker?.terminate();
    this.#uploadWorker = null;
  }

  /**
   * @param {string} name
   * @param {string | null} old
   * @param {string | null} value
   */
  attributeChangedCallback(name, old, value) {
    if (old === value) return;
    if (name === 'lang' || name === 'currency' || name === 'mode') {
      this.#applyText();
    } else if (name === 'fields') {
      this.#applyFields();
    } else if (name === 'allow-upload') {
      this.#part('upload').hidden = !this.hasAttribute('allow-upload');
    } else if (FIELDS.includes(name) || name === 'horizon') {
      this.#applyValue(name);
      this.#applyLtvLabel();
    } else {
      return; // theme and compact are pure CSS
    }
    this.#schedule();
  }

  // Properties mirror the attributes, so `calc.aov = 6000` and
  // `calc.setAttribute('aov', '6000')` are the same thing.
  get aov() { return this.#attrNumber('aov'); }
  set aov(v) { this.setAttribute('aov', String(v)); }
  get frequency() { return this.#attrNumber('frequency'); }
  set frequency(v) { this.setAttribute('frequency', String(v)); }
  get retention() { return this.#attrNumber('retention'); }
  set retention(v) { this.setAttribute('retention', String(v)); }
  get churn() { return this.#attrNumber('churn'); }
  set churn(v) { this.setAttribute('churn', String(v)); }
  get margin() { return this.#attrNumber('margin'); }
  set margin(v) { this.setAttribute('margin', String(v)); }
  get discountRate() { return this.#attrNumber('discount-rate'); }
  set discountRate(v) { this.setAttribute('discount-rate', String(v)); }
  get cac() { return this.#attrNumber('cac'); }
  set cac(v) { this.setAttribute('cac', String(v)); }
  /** @returns {Mode} */
  get mode() { return this.#mode(); }
  set mode(v) { this.setAttribute('mode', v); }
  get currency() { return this.#currency(); }
  set currency(v) { this.setAttribute('currency', v); }
  get fields() { return this.#fields(); }
  set fields(v) { this.setAttribute('fields', Array.isArray(v) ? v.join(' ') : String(v)); }
  /** The detail of the last `ltv-change`, or null before the first result. */
  get result() { return this.#result; }

  // ---- rendering ------------------------------------------------------------

  #skeleton() {
    const id = (/** @type {string} */ name) => `ltv${this.#id}-${name}`;
    const field = (/** @type {string} */ name) => `
      <label class="field" part="field" data-field="${name}">
        <span part="label" data-text="${name}"></span>
        <input type="text" inputmode="decimal" autocomplete="off" spellcheck="false" part="input" name="${name}" id="${id(name)}">
      </label>`;
    const kpi = (/** @type {string} */ name) => `
      <div class="kpi" data-output="${name}" part="output ${name}">
        <dt part="label" data-text="${name === 'ltv' ? 'ltv' : name === 'ratio' ? 'ratio' : 'payback'}"></dt>
        <dd><span class="value" part="value" data-value="${name}"></span>
          <span class="then" part="scenario-value" data-then="${name}"></span>
          <p class="how" part="explanation" data-how="${name}"></p>${name === 'ltv' ? `
          <p class="other" part="other-ltv" data-other="ltv"></p>` : ''}</dd>
      </div>`;
    return `
      <section class="calc" part="container">
        <h2 part="title" data-text="title"></h2>
        <form part="form" novalidate>${FIELDS.map(field).join('')}</form>
        <dl class="outputs" part="outputs" aria-live="polite">${['ltv', 'ratio', 'payback'].map(kpi).join('')}</dl>
        <p class="error" part="error" role="alert" hidden></p>
        <fieldset class="whatif" part="what-if">
          <legend data-text="whatIf"></legend>
          <label><span data-lever="retention"></span>
            <input type="range" part="slider" name="retention-lift" min="${SLIDERS.retention.min}" max="${SLIDERS.retention.max}" step="${SLIDERS.retention.step}" value="0"></label>
          <label><span data-lever="aov"></span>
            <input type="range" part="slider" name="aov-lift" min="${SLIDERS.aov.min}" max="${SLIDERS.aov.max}" step="${SLIDERS.aov.step}" value="0"></label>
        </fieldset>
        <figure part="chart">
          <svg viewBox="0 0 320 150" height="150" role="img"></svg>
          <figcaption><span data-text="chart"></span><span class="key base" data-text="baseline"></span><span class="key scen" data-text="scenario"></span><span class="key cac" data-text="cacLine"></span><span class="key simple" data-text="simpleLine" hidden></span></figcaption>
        </figure>
        <div class="upload" part="upload" hidden>
          <span data-text="drop"></span> <label class="choose"><span data-text="choose"></span><input type="file" accept=".csv,.tsv,.txt,text/csv" name="file"></label>
          <p data-text="dropNote"></p>
          <p class="status" part="upload-status" role="status"></p>
        </div>
      </section>`;
  }

  #wire() {
    const form = this.#part('form');
    form.addEventListener('input', (/** @type {Event & {target: HTMLInputElement}} */ event) => {
      // Retention and churn are one input in two forms: keep the hidden one in step.
      const other = /** @type {Record<string, string | undefined>} */ ({ retention: 'churn', churn: 'retention' })[event.target.name];
      const number = other ? parseNumber(event.target.value) : null;
      if (other && number !== null) this.#input(other).value = trim(100 - number);
      this.#schedule();
    });
    form.addEventListener('submit', (/** @type {Event} */ event) => event.preventDefault());
    for (const slider of this.#all('input[type="range"]')) {
      slider.addEventListener('input', () => {
        this.#applyLevers();
        this.#schedule();
      });
    }
    const upload = this.#part('upload');
    upload.querySelector('input[type="file"]').addEventListener('change', (/** @type {Event & {target: HTMLInputElement}} */ event) => {
      const file = event.target.files?.[0];
      if (file) this.#analyze(file);
      event.target.value = '';
    });
    upload.addEventListener('dragover', (/** @type {DragEvent} */ event) => {
      event.preventDefault();
      upload.classList.add('over');
    });
    upload.addEventListener('dragleave', () => upload.classList.remove('over'));
    upload.addEventListener('drop', (/** @type {DragEvent} */ event) => {
      event.preventDefault();
      upload.classList.remove('over');
      const file = event.dataTransfer?.files?.[0];
      if (file) this.#analyze(file);
    });
  }

  /**
   * The element of the shadow tree with this part (the skeleton has them all).
   * @param {string} name
   * @returns {any}
   */
  #part(name) {
    return this.#q(`[part~="${name}"]`);
  }

  /**
   * The element of the shadow tree that `selector` finds (the skeleton has it).
   * @param {string} selector
   * @returns {any}
   */
  #q(selector) {
    return this.#root.querySelector(selector);
  }

  /**
   * Every element of the shadow tree that `selector` finds.
   * @param {string} selector
   * @returns {NodeListOf<HTMLElement>}
   */
  #all(selector) {
    return this.#root.querySelectorAll(selector);
  }

  /**
   * @param {string} name
   * @returns {HTMLInputElement}
   */
  #input(name) {
    return this.#q(`input[name="${name}"]`);
  }

  #applyAll() {
    this.#applyText();
    this.#applyFields();
    for (const name of FIELDS) this.#applyValue(name);
    this.#part('upload').hidden = !this.hasAttribute('allow-upload');
  }

  #applyText() {
    const t = this.#strings();
    this.#part('container').lang = this.#lang();
    for (const node of this.#all('[data-text]')) {
      const text = t[node.dataset.text ?? ''];
      node.textContent = typeof text === 'string' ? text : '';
    }
    const cac = this.#q('[data-field="cac"] [data-text]');
    cac.textContent = `${t.cac} (${this.#currency()})`;
    const aov = this.#q('[data-field="aov"] [data-text]');
    aov.textContent = `${t.aov} (${this.#currency()})`;
    this.#applyLevers();
    this.#applyLtvLabel();
    if (!this.#glue) {
      for (const node of this.#all('[data-value]')) node.textContent = t.loading;
    }
  }

  #applyLtvLabel() {
    this.#q('[data-text="ltv"]').textContent = this.#strings().ltvLabel(this.#mode(), this.#horizon());
  }

  #applyLevers() {
    const t = this.#strings();
    this.#q('[data-lever="retention"]').textContent = t.retentionLever(Number(this.#input('retention-lift').value));
    this.#q('[data-lever="aov"]').textContent = t.aovLever(Number(this.#input('aov-lift').value));
  }

  #applyFields() {
    const shown = new Set(this.#fields());
    for (const label of this.#all('[data-field]')) label.hidden = !shown.has(label.dataset.field ?? '');
  }

  // Writes the attribute's value (or the default) into its form field; the
  // form always holds every input, shown or not.
  /** @param {string} name */
  #applyValue(name) {
    if (name === 'horizon') return;
    const input = this.#input(name);
    const raw = this.getAttribute(name);
    if (raw !== null && this.#attrNumber(name) === null) {
      // An unreadable attribute is shown as written, so the reader sees the
      // error message instead of a silent default.
      input.value = raw;
      return;
    }
    let value = this.#attrNumber(name);
    if (name === 'retention' && value === null) {
      const churn = this.#attrNumber('churn');
      value = churn === null ? null : 1 - churn;
    } else if (name === 'churn' && value === null) {
      const retention = this.#attrNumber('retention');
      value = retention === null ? null : 1 - retention;
    }
    if (value === null) value = this.#default(name);
    input.value = PERCENT_FIELDS.has(name) ? trim(value * 100) : trim(value);
    input.removeAttribute('aria-invalid');
    // Retention and churn are one input in two forms: keep the other in step.
    if (name === 'retention' && !this.hasAttribute('churn')) this.#input('churn').value = trim((1 - value) * 100);
    if (name === 'churn' && !this.hasAttribute('retention')) this.#input('retention').value = trim((1 - value) * 100);
  }

  /** @param {string} name */
  #default(name) {
    if (name === 'retention') return 1 - DEFAULTS.common.churn;
    return DEFAULTS.common[name] ?? (DEFAULTS[this.#currency()] ?? DEFAULTS.USD)[name];
  }

  // ---- computing ------------------------------------------------------------

  #becameVisible() {
    if (this.#visible) return;
    this.#visible = true;
    this.#observer?.disconnect();
    this.#observer = null;
    loadCalculator().then(
      (glue) => {
        this.#glue = glue;
        this.#compute();
      },
      (/** @type {Error | undefined} */ error) => {
        calculator = null; // a later instance may retry
        this.#showError(this.#strings().loadFailed(error?.message ?? String(error)));
      },
    );
  }

  // Coalesces bursts of attribute changes and keystrokes into one computation.
  #schedule() {
    if (!this.#glue || this.#pending) return;
    this.#pending = true;
    queueMicrotask(() => {
      this.#pending = false;
      this.#compute();
    });
  }

  #compute() {
    const t = this.#strings();
    const read = this.#readForm();
    if (read.error) {
      this.#showError(read.error);
      return;
    }
    const { inputs, levers } = /** @type {{inputs: Inputs, levers: Levers}} */ (read);
    let comparison;
    try {
      comparison = /** @type {Glue} */ (this.#glue).simulateFormula(inputs, levers);
    } catch (error) {
      this.#showError(t.rejected(/** @type {Error | undefined} */ (error)?.message ?? String(error)));
      return;
    }
    this.#showError(null);
    this.#render(inputs, levers, comparison);
    this.#emit(inputs, levers, comparison);
  }

  // The form's values as the core's FormulaInputs and Scenario, or the first
  // unreadable field.
  /** @returns {{inputs: Inputs, levers: Levers, error?: undefined} | {error: string}} */
  #readForm() {
    const t = this.#strings();
    const useChurn = this.#fields().includes('churn') && !this.#fields().includes('retention');
    /** @type {Record<string, number>} */
    const values = {};
    for (const name of ['aov', 'frequency', useChurn ? 'churn' : 'retention', 'margin', 'discount-rate', 'cac']) {
      const input = this.#input(name);
      const number = parseNumber(input.value);
      input.setAttribute('aria-invalid', String(number === null));
      if (number === null) {
        return { error: t.invalid(t[name].replace(/\s*[(（].*$/, ''), input.value.trim()) };
      }
      values[name] = PERCENT_FIELDS.has(name) ? number / 100 : number;
    }
    const churn = useChurn ? values.churn : 1 - values.retention;
    const horizon = this.#horizon();
    return {
      inputs: {
        aov: values.aov,
        purchases_per_year: values.frequency,
        // 1 - 0.6 is 0.4000000000000001 in binary; round off that noise so the
        // core sees the churn a person typed.
        churn: Math.round(churn * 1e12) / 1e12,
        margin: values.margin,
        monthly_discount_rate: values['discount-rate'],
        cac: values.cac,
        horizon_months: horizon,
      },
      levers: {
        retention_points: Number(this.#input('retention-lift').value),
        aov_change: Number(this.#input('aov-lift').value) / 100,
      },
    };
  }

  /**
   * @param {Inputs} inputs
   * @param {Levers} levers
   * @param {FormulaComparison} comparison
   */
  #render(inputs, levers, { baseline, scenario }) {
    const t = this.#strings();
    const lang = this.#lang();
    const money = this.#money();
    const ratio = new Intl.NumberFormat(lang, { maximumFractionDigits: 1, minimumFractionDigits: 1 });
    const percent = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 });
    const moved = levers.retention_points !== 0 || levers.aov_change !== 0;
    const set = (/** @type {string} */ attr, /** @type {string} */ name, /** @type {string} */ text) => {
      this.#q(`[data-${attr}="${name}"]`).textContent = text;
    };
    const simple = this.#mode() === 'simple';
    // The mode's LTV and its ratio to the CAC, both from the core: `ltv` over
    // the horizon, discounted, or the textbook `lifetime_ltv` (null at 100 %
    // retention, where it has no limit).
    const ltvOf = (/** @type {FormulaOutputs} */ out) => (simple ? out.lifetime_ltv : out.ltv);
    const ratioOf = (/** @type {FormulaOutputs} */ out) => (simple ? out.lifetime_ltv_to_cac : out.ltv_to_cac);
    const moneyText = (/** @type {number | null} */ value) => (value === null ? t.unbounded : money.format(value));
    const ratioText = (/** @type {FormulaOutputs} */ out) => {
      if (inputs.cac <= 0) return t.noCac;
      const r = ratioOf(out);
      return r === null ? t.unbounded : `${ratio.format(r)}×`;
    };
    const paybackText = (/** @type {FormulaOutputs} */ out) => (out.payback_months === null ? t.never(inputs.horizon_months) : t.months(out.payback_months));
    const base = ltvOf(baseline);
    const then = ltvOf(scenario);
    const change = base && then !== null ? ` (${signed(percent, then / base - 1)})` : '';

    set('value', 'ltv', moneyText(base));
    set('value', 'ratio', ratioText(baseline));
    set('value', 'payback', paybackText(baseline));
    set('then', 'ltv', moved ? `${t.withLevers}: ${moneyText(then)}${change}` : '');
    set('then', 'ratio', moved && inputs.cac > 0 ? `${t.withLevers}: ${ratioText(scenario)}` : '');
    set('then', 'payback', moved && inputs.cac > 0 ? `${t.withLevers}: ${paybackText(scenario)}` : '');
    const terms = {
      horizon: inputs.horizon_months,
      aov: money.format(inputs.aov),
      frequency: new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(inputs.purchases_per_year),
      margin: percent.format(inputs.margin),
      retention: percent.format(1 - inputs.churn),
      discount: new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 2 }).format(inputs.monthly_discount_rate),
      years: baseline.lifetime_years === null ? '' : new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(baseline.lifetime_years),
    };
    if (simple) {
      set('how', 'ltv', baseline.lifetime_ltv === null ? t.noLifetime : t.simpleHow(terms));
      set('other', 'ltv', t.otherHorizon(money.format(baseline.ltv), inputs.horizon_months));
    } else {
      set('how', 'ltv', t.ltvHow(terms));
      set('other', 'ltv', baseline.lifetime_ltv === null ? t.noLifetime : t.otherSimple(money.format(baseline.lifetime_ltv)));
    }
    const r = ratioOf(baseline);
    set('how', 'ratio', t.ratioHow(r === null ? null : ratio.format(r), money.format(inputs.cac)));
    set('how', 'payback', t.paybackHow(baseline.payback_months));
    this.#drawChart(inputs, baseline, scenario, money);
    this.#q('.key.cac').hidden = !(inputs.cac > 0);
  }

  // A small inline SVG: two polylines from the core's cumulative values and
  // the CAC as a dashed line. No chart library: these few lines against
  // uPlot's 50 KB. Drawn in CSS pixels at the figure's width (and redrawn when
  // it changes), so its text stays the size of the widget's text.
  /**
   * @param {Inputs} inputs
   * @param {FormulaOutputs} baseline
   * @param {FormulaOutputs} scenario
   * @param {Intl.NumberFormat} money
   */
  #drawChart(inputs, baseline, scenario, money) {
    this.#lastChart = [inputs, baseline, scenario, money];
    // In simple mode the textbook whole-lifetime value is a level the
    // discounted curve approaches from below.
    const simpleLevel = this.#mode() === 'simple' ? baseline.lifetime_ltv : null;
    this.#q('.key.simple').hidden = simpleLevel === null;
    const t = this.#strings();
    const svg = this.#part('chart').querySelector('svg');
    const W = Math.max(200, Math.round(svg.getBoundingClientRect().width) || 320);
    const H = 150;
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('height', H);
    const left = 56;
    const right = 8;
    const top = 8;
    const bottom = 20;
    const a = baseline.cumulative_value_by_month;
    const b = scenario.cumulative_value_by_month;
    const n = a.length;
    const values = [...a, ...b, inputs.cac, simpleLevel ?? 0].filter(Number.isFinite);
    const max = Math.max(...values, 0);
    const min = Math.min(...values, 0);
    const span = max - min || 1;
    const x = (/** @type {number} */ m) => left + ((W - left - right) * m) / Math.max(1, n);
    const y = (/** @type {number} */ v) => top + (H - top - bottom) * (1 - (v - min) / span);
    const line = (/** @type {number[]} */ series) => [`${x(0).toFixed(1)},${y(0).toFixed(1)}`, ...series.map((v, i) => `${x(i + 1).toFixed(1)},${y(v).toFixed(1)}`)].join(' ');
    const ns = 'http://www.w3.org/2000/svg';
    const el = (/** @type {string} */ name, /** @type {Record<string, string | number>} */ attrs, /** @type {string | undefined} */ text = undefined) => {
      const node = document.createElementNS(ns, name);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
      if (text !== undefined) node.textContent = text;
      return node;
    };
    const nodes = [
      el('line', { x1: left, x2: W - right, y1: y(0), y2: y(0), stroke: 'var(--_border)' }),
      el('line', { x1: left, x2: left, y1: top, y2: H - bottom, stroke: 'var(--_border)' }),
      el('text', { x: left - 4, y: y(max) + 4, 'text-anchor': 'end' }, compact(money, max)),
      el('text', { x: left - 4, y: y(0) + 4, 'text-anchor': 'end' }, compact(money, 0)),
      el('text', { x: left, y: H - 5, 'text-anchor': 'start' }, '0'),
      el('text', { x: W - right, y: H - 5, 'text-anchor': 'end' }, `${n} ${t.month}`),
    ];
    if (inputs.cac > 0) {
      nodes.push(el('line', { x1: left, x2: W - right, y1: y(inputs.cac), y2: y(inputs.cac), stroke: 'var(--_muted)', 'stroke-dasharray': '4 3' }));
    }
    if (simpleLevel !== null) {
      nodes.push(el('line', { x1: left, x2: W - right, y1: y(simpleLevel), y2: y(simpleLevel), stroke: 'var(--_fg)', 'stroke-dasharray': '1 3', 'data-series': 'simple' }));
    }
    nodes.push(
      el('polyline', { points: line(a), fill: 'none', stroke: 'var(--_accent)', 'stroke-width': 2, 'data-series': 'baseline' }),
      el('polyline', { points: line(b), fill: 'none', stroke: 'var(--_scenario)', 'stroke-width': 2, 'stroke-dasharray': '6 3', 'data-series': 'scenario' }),
    );
    svg.replaceChildren(...nodes);
    svg.setAttribute('aria-label', t.chartLabel(n, money.format(a[n - 1] ?? 0), money.format(b[n - 1] ?? 0)));
  }

  /**
   * @param {Inputs} inputs
   * @param {Levers} levers
   * @param {FormulaComparison} comparison
   */
  #emit(inputs, levers, comparison) {
    // `ltv` is over the horizon, discounted; `lifetime_ltv` the textbook
    // whole-lifetime aov × frequency × margin / churn (null at 0 % churn).
    // Both modes' values ride along whichever one is shown: `simple_ltv` and
    // `horizon_ltv` are today's (the baseline's), without the what-if.
    const pick = (/** @type {FormulaOutputs} */ out) => ({
      ltv: out.ltv,
      lifetime_ltv: out.lifetime_ltv,
      lifetime_years: out.lifetime_years,
      ltv_to_cac: out.ltv_to_cac,
      lifetime_ltv_to_cac: out.lifetime_ltv_to_cac,
      payback_months: out.payback_months,
      cumulative_value_by_month: out.cumulative_value_by_month,
    });
    this.#result = {
      mode: this.#mode(),
      simple_ltv: comparison.baseline.lifetime_ltv,
      horizon_ltv: comparison.baseline.ltv,
      inputs,
      levers,
      baseline: pick(comparison.baseline),
      scenario: pick(comparison.scenario),
      currency: this.#currency(),
    };
    this.dispatchEvent(new CustomEvent('ltv-change', { detail: this.#result, bubbles: true, composed: true }));
  }

  /** @param {string | null} message */
  #showError(message) {
    const box = this.#part('error');
    box.textContent = message ?? '';
    box.hidden = !message;
    this.#part('outputs').style.opacity = message ? '0.35' : '';
  }

  // ---- the CSV drop ---------------------------------------------------------

  /** @param {File} file */
  async #analyze(file) {
    const t = this.#strings();
    const status = this.#part('upload-status');
    status.textContent = t.analysing(file.name);
    const margin = parseNumber(this.#input('margin').value);
    try {
      const facts = await this.#runAnalysis(file, margin === null ? 1 : margin / 100);
      const parts = [];
      if (facts.aov !== null) this.#input('aov').value = trim(round(facts.aov, 2));
      if (facts.purchases_per_year !== null) this.#input('frequency').value = trim(round(facts.purchases_per_year, 2));
      if (facts.churn !== null) {
        this.#input('retention').value = trim(round((1 - facts.churn) * 100, 1));
        this.#input('churn').value = trim(round(facts.churn * 100, 1));
      } else {
        parts.push(t.noChurn);
      }
      const count = new Intl.NumberFormat(this.#lang());
      status.textContent = [
        t.fromData({
          name: file.name,
          customers: count.format(facts.customers),
          orders: count.format(facts.orders),
          model: facts.model_ltv === null ? null : this.#money().format(facts.model_ltv),
          horizon: facts.horizon_months,
        }),
        ...parts,
      ].join(' ');
      this.#schedule();
    } catch (error) {
      status.textContent = t.uploadFailed(/** @type {Error | undefined} */ (error)?.message ?? String(error));
    }
  }

  // In a module worker when the page allows one; a cross-origin script cannot
  // start a worker from its own URL, so it starts a same-origin blob worker
  // that imports it. If the page forbids workers (CSP worker-src), the
  // analysis runs on the main thread instead.
  /**
   * @param {File} file
   * @param {number} margin
   * @returns {Promise<Facts>}
   */
  #runAnalysis(file, margin) {
    const url = new URL('./upload-worker.js', import.meta.url);
    let worker;
    try {
      if (url.origin === location.origin) {
        worker = new Worker(url, { type: 'module' });
      } else {
        const boot = new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' });
        worker = new Worker(URL.createObjectURL(boot), { type: 'module' });
      }
    } catch {
      return import('./upload-worker.js').then((module) => module.analyzeFile(file, margin));
    }
    this.#uploadWorker?.terminate();
    this.#uploadWorker = worker;
    return new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => {
        worker.terminate();
        if (this.#uploadWorker === worker) this.#uploadWorker = null;
        if (data.type === 'result') resolve(data.facts);
        else reject(new Error(data.message));
      };
      worker.onerror = (event) => {
        event.preventDefault?.();
        worker.terminate();
        // The worker script did not load (e.g. a policy): fall back to this thread.
        import('./upload-worker.js').then((module) => module.analyzeFile(file, margin)).then(resolve, reject);
      };
      worker.postMessage({ file, margin });
    });
  }

  // ---- attributes -------------------------------------------------------------

  /** @param {string} name */
  #attrNumber(name) {
    const raw = this.getAttribute(name);
    if (raw === null) return null;
    const percent = /%\s*$/.test(raw);
    const number = parseNumber(raw);
    if (number === null) return null;
    return percent ? number / 100 : number;
  }

  /** @returns {Mode} */
  #mode() {
    // Anything else, or no attribute, is today's default: the horizon value.
    const raw = (this.getAttribute('mode') ?? '').trim().toLowerCase();
    return /** @type {Mode} */ (MODES.includes(raw) ? raw : 'horizon');
  }

  #horizon() {
    return Math.round(this.#attrNumber('horizon') ?? DEFAULTS.common.horizon);
  }

  #lang() {
    const own = (this.getAttribute('lang') ?? 'auto').toLowerCase();
    const pick = (/** @type {string} */ tag) => (tag.toLowerCase().startsWith('ja') ? 'ja' : 'en');
    if (own !== 'auto' && own !== '') return pick(own);
    const page = this.parentElement?.closest('[lang]')?.getAttribute('lang');
    return pick(page || navigator.language || 'en');
  }

  #strings() {
    return STRINGS[this.#lang()];
  }

  #currency() {
    const code = (this.getAttribute('currency') ?? '').trim().toUpperCase();
    if (/^[A-Z]{3}$/.test(code)) return code;
    return this.#lang() === 'ja' ? 'JPY' : 'USD';
  }

  #money() {
    try {
      return new Intl.NumberFormat(this.#lang(), { style: 'currency', currency: this.#currency() });
    } catch {
      return new Intl.NumberFormat(this.#lang(), { maximumFractionDigits: 2 });
    }
  }

  #fields() {
    const raw = this.getAttribute('fields');
    if (raw === null || raw.trim() === '') return DEFAULT_FIELDS;
    const list = raw.split(/[\s,]+/).map((s) => s.toLowerCase()).filter((s) => FIELDS.includes(s));
    return list.length ? list : DEFAULT_FIELDS;
  }
}

/**
 * Reads "5,000", "5000円", "¥5,000", "６０%" or "0.3"; null when it is not a number.
 * @param {string} raw
 */
export function parseNumber(raw) {
  const text = String(raw).normalize('NFKC').replace(/[\s,_'’]|[¥$€£円]|%$/g, '').replace(/^[A-Z]{3}/i, '');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return null;
  const number = Number(text);
  return Number.isFinite(number) ? number : null;
}

// Shortest decimal text of a value, without binary noise (60.00000000000001 → "60").
/** @param {number} value */
function trim(value) {
  return String(Number(value.toPrecision(12)));
}

/**
 * @param {number} value
 * @param {number} digits
 */
function round(value, digits) {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * @param {Intl.NumberFormat} format
 * @param {number} value
 */
function signed(format, value) {
  return `${value >= 0 ? '+' : ''}${format.format(value)}`;
}

/**
 * @param {Intl.NumberFormat} money
 * @param {number} value
 */
function compact(money, value) {
  try {
    const { locale, currency, maximumFractionDigits } = money.resolvedOptions();
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      notation: 'compact',
      // Never more decimals than the currency has: yen stay whole.
      maximumFractionDigits: Math.min(1, /** @type {number} */ (maximumFractionDigits)),
    }).format(value);
  } catch {
    return money.format(value);
  }
}

if (!customElements.get('ltv-calculator')) customElements.define('ltv-calculator', LtvCalculator);
