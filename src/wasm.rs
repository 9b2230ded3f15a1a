//! The browser boundary, and the only module that knows about JavaScript.
//!
//! Modelled on ruff's `ruff_wasm`: one [`start`] that installs the panic hook,
//! one JS-facing class ([`Analysis`]) built from serde options, one stateless
//! [`preview`], result shapes that exist only here with their TypeScript
//! declarations beside them, and one place where library errors become
//! `JsError`s ([`js_error`]).
//!
//! The page's Web Worker drives it like this:
//!
//! ```js
//! const head = preview(firstBytes, { ingest: {} }); // columns, mapping, first rows
//! const analysis = new Analysis({ ingest: { mapping: { customer: "Email" } } });
//! for await (const chunk of file.stream()) analysis.push(chunk);
//! const { report, summary, predictions, recommendations, notes } = analysis.finish(); // frees `analysis`
//! // or, to show the dashboard before the recommender has run:
//! const dashboard = analysis.finishDashboard(); // recommendations_pending: true
//! const { recommendations, notes } = analysis.recommend(); // frees `analysis`
//! ```
//!
//! Per-customer results are columns of `Float64Array`s rather than arrays of
//! objects: a worker posts 100k customers to the page in one cheap structured
//! clone, and the page reads only the rows it shows.

// The calculator build (no `app` feature) keeps only `simulateFormula`; the
// app's result types and helpers are then unused.
#![cfg_attr(not(feature = "app"), allow(dead_code, unused_imports))]

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::bootstrap::{bootstrap, BootstrapOptions};
use crate::cohorts::{cohorts_with, CohortOptions, CohortReport, Histories};
use crate::ingest::{ingest, Dataset, IngestOptions, IngestReport, Ingester, Role};
use crate::models::{BgNbd, FitOptions, ModelKind, PurchaseModel};
use crate::predict::{predict, BaseTotals, FormulaLtv, PredictOptions, Predictions, SpendModel};
use crate::recommend::{
    evaluate, EvaluateOptions, Evaluation, Reason, RecommendOptions, Recommendation, Recommender,
};
use crate::segments::{segments_with, segments_with_values, SegmentOptions, SegmentReport};
use crate::simulate::{
    CustomerValue, FormulaInputs, Loyalty, Parameters, Scenario, ShopModel, SimulationOptions,
};
use crate::summary::{summarize, Period, Summary, SummaryOptions};
use crate::validate::{choose_model, ChoiceReason, ModelChoice, ValidateOptions, Validation};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r##"
/** Options for `new Analysis(options)` and `preview`; every field is optional. */
export interface AnalysisOptions {
    ingest?: IngestOptions;
    summary?: SummaryOptions;
    predict?: PredictOptions;
    recommend?: RecommendListOptions;
    /** Which sections to compute beyond the ingest report; default: all. */
    sections?: Array<"summary" | "predictions" | "recommendations" | "cohorts" | "segments" | "validation" | "whatif">;
}

/** Overrides of what ingest detects; see `ltvlab::ingest::IngestOptions`. */
export interface IngestOptions {
    /** Role ("customer", "order", "date", "amount", ...) to column name or "#3"; "" removes the role. */
    mapping?: Record<string, string>;
    date_format?: string;
    date_order?: "day_first" | "month_first";
    returns?: "net" | "exclude";
    /** A WHATWG label: "utf-8", "shift_jis", "utf-16le", ... */
    encoding?: string;
    delimiter?: string;
    has_header?: boolean;
    decimal?: "dot" | "comma";
    /** Today's ISO date: the core has no clock. Later dates are reported as future dates. */
    today?: string;
}

export interface SummaryOptions {
    /** Default day for transactions; a summary file must say it (else the note `summary_period_needed`). */
    period?: "day" | "week" | "month";
    /** ISO date, e.g. "2024-12-31"; default: the last date in the data. */
    observation_end?: string;
}

/** See `ltvlab::predict::PredictOptions`. */
export interface PredictOptions {
    /** Default "bgnbd". */
    model?: "bgnbd" | "mbgnbd" | "pareto";
    /** Default 12. */
    horizon_months?: number;
    /** Default 0.01. */
    monthly_discount_rate?: number;
    /** Share of each sale that is profit, 0 to 1; default 1. */
    margin?: number;
}

export interface RecommendListOptions {
    /** Length of every list; default 5. */
    k?: number;
    /** Items that get a "frequently bought together" list, best-sellers first; default 500. */
    items?: number;
    /** Customers that get "buy again" and "you might also like", most valuable first; default 1000. */
    customers?: number;
}

/** How the file was read; see `ltvlab::ingest::IngestReport`. */
export interface IngestReport {
    rows_read: number;
    rows_used: number;
    /** The sum of `skipped[].count`. */
    rows_skipped: number;
    skipped: { reason: string; count: number; examples: { line: number; text: string }[] }[];
    /** e.g. "UTF-8", "Shift_JIS", "UTF-16LE". */
    encoding: string;
    bom: boolean;
    delimiter: string;
    quote: string;
    has_header: boolean;
    /** e.g. "shopify", "rakuten_rms", "generic". */
    preset: string;
    kind: "transactions" | "summary" | "baskets";
    columns: string[];
    mapping: { role: string; index: number; name: string; source: DecisionSource }[];
    date_order: "day_first" | "month_first" | null;
    date_order_source: DecisionSource | null;
    decimal: "dot" | "comma";
    warnings: { code: string; message: string; lines: number[] }[];
    stats: {
        customers: number;
        orders: number;
        items: number;
        guest_rows: number;
        reversal_rows: number;
        duplicate_rows: number;
        first_date: string | null;
        last_date: string | null;
        /** [currency, rows], most common first. */
        currencies: [string, number][];
        total_amount: number;
    };
}

/** Inputs of the data-free LTV formula; see `ltvlab::simulate::FormulaInputs`. Missing fields take defaults. */
export interface FormulaInputs {
    aov?: number;
    purchases_per_year?: number;
    /** Annual churn, 0 to 1. */
    churn?: number;
    margin?: number;
    monthly_discount_rate?: number;
    cac?: number;
    horizon_months?: number;
}

/** Levers; see `ltvlab::simulate::Scenario`. Missing fields move nothing. */
export interface Scenario {
    retention_points?: number;
    churn_reduction?: number;
    aov_change?: number;
    frequency_change?: number;
    margin_points?: number;
    discount?: number;
    loyalty?: { rebate?: number; retention_points?: number };
    cac?: number | null;
}

export interface FormulaOutputs {
    ltv: number;
    ltv_to_cac: number | null;
    payback_months: number | null;
    cumulative_value_by_month: number[];
    monthly_retention: number;
    survival_12_months: number;
    revenue_per_customer: number;
    lifetime_ltv: number | null;
}

/** What `simulateFormula` returns. */
export interface FormulaComparison {
    baseline_inputs: Required<FormulaInputs>;
    scenario_inputs: Required<FormulaInputs>;
    baseline: FormulaOutputs;
    scenario: FormulaOutputs;
    sensitivity: { lever: string; ltv: number; change: number; relative_change: number }[];
}

export type DecisionSource = "preset" | "header" | "content" | "override" | "default";

/** What `preview` returns: enough to show the file's head and edit the mapping. */
export interface Preview {
    /** The report of ingesting only the bytes given (counts are of those bytes). */
    report: IngestReport;
    /** Up to 20 data rows after the header, as the tokenizer split them. */
    rows: string[][];
    /** Every role the mapping may name, in display order. */
    roles: string[];
}

/** The per-customer summary, one column per field, rows in the file's order of first appearance. */
export interface SummaryResult {
    period: "day" | "week" | "month";
    observation_end: string | null;
    orders_after_end: number;
    guest_orders: number;
    reversed_orders: number;
    customers: {
        customer_id: string[];
        frequency: Float64Array;
        recency: Float64Array;
        T: Float64Array;
        monetary_value: Float64Array;
        /** The following are null for summary-file input. */
        orders: Float64Array | null;
        total_spend: Float64Array | null;
        first_purchase: string[] | null;
        last_purchase: string[] | null;
    };
}

/** See `ltvlab::predict::Predictions`; `customers` rows match the summary's. */
export interface PredictionsResult {
    /** The purchase model's fit: `{ model, params, log_likelihood, converged, diagnostics, ... }`. */
    purchase_model: Record<string, unknown>;
    spend_model: { method: "gamma_gamma"; fit: Record<string, unknown> } | { method: "observed_mean"; mean_order_value: number; reason: string };
    base: {
        customers: number; horizon_months: number; horizon_periods: number; period: string;
        expected_purchases: number; expected_revenue: number; total_clv: number; mean_clv: number;
        expected_purchases_new_customer: number; mean_p_alive: number;
        /** False when the model sees no customer leaving: P(alive) then means "no evidence of leaving". */
        dropout_identified: boolean;
    };
    formula: {
        average_order_value: number; purchases_per_month: number; churn_window_months: number;
        eligible_customers: number; churn_rate: number | null; expected_lifetime_months: number | null;
        formula_ltv: number | null; model_ltv: number; horizon_months: number; explanation: string;
    };
    diagnostics: string[];
    customers: {
        p_alive: Float64Array;
        expected_purchases: Float64Array;
        expected_order_value: Float64Array;
        clv: Float64Array;
    };
}

/** An item: its id and display name. */
export interface Item { id: string; name: string }

export type RecommendationReason =
    | { kind: "buy_again"; orders: number; last_date: string }
    | { kind: "bought_with"; item: Item; count: number }
    | { kind: "popular"; baskets: number };

export interface RecommendedItem { item: Item; score: number; reason: RecommendationReason }

export interface RecommendationsResult {
    stats: { baskets: number; items: number; mean_basket: number; largest_basket: number;
             max_basket: number | null; capped_baskets: number; rules: number };
    /** Best-sellers, most baskets first (at most `items`). */
    popular: { item: Item; baskets: number }[];
    /** "Frequently bought together", for the best-selling items. */
    items: { item: Item; baskets: number; together: { item: Item; count: number; confidence: number; lift: number; score: number }[] }[];
    /** The best pair rules overall (at most 100). */
    rules: { antecedent: Item; consequent: Item; count: number; support: number; confidence: number; lift: number }[];
    /** Per customer, the most valuable first (at most `customers`). */
    customers: { customer_id: string; buy_again: RecommendedItem[]; also_like: RecommendedItem[] }[];
    /** The holdout test against best-sellers; null when it cannot run (see `notes`). */
    evaluation: {
        k: number; holdout: string; customers: number; relevant: number; no_new_items: number;
        recommender: RankingMetrics; popular: RankingMetrics; ratio: number | null; verdict: string;
    } | null;
}

export interface RankingMetrics { hit_rate: number; precision: number; recall: number; map: number; ndcg: number; hits: number }

/** Why a section is missing or limited, for the page to explain. */
export interface Note {
    /** "cohorts_failed" | "evaluate_failed" | "no_customers" | "no_items" | "outlying_dates_left_out" | "predict_failed" | "segments_failed" | "summary_period_needed" | "validation_failed" | "whatif_failed" */
    code: string;
    /** The library's message, in English. */
    message: string;
}

/** What `Analysis.finish()` returns. */
export interface AnalysisResult {
    report: IngestReport;
    /** Null for basket files, which have no customers or dates. */
    summary: SummaryResult | null;
    /** Null without customers and dates, or when the model cannot be fitted. */
    predictions: PredictionsResult | null;
    /** Which purchase model the predictions and segments use, and why; null without predictions. */
    model_choice: ModelChoice | null;
    /** Null without items, or until `recommend()` after `finishDashboard()`. */
    recommendations: RecommendationsResult | null;
    /** True from `finishDashboard()` when `recommend()` will compute the recommendations. */
    recommendations_pending: boolean;
    /** Monthly acquisition cohorts; see `ltvlab::cohorts::CohortReport`. Null without dated customers. */
    cohorts: CohortReport | null;
    /** RFM segments and follow-up lists; see `ltvlab::segments::SegmentReport`. Null without dated customers. */
    segments: SegmentReport | null;
    /** The holdout test: the model fitted on the first 75% of the dates, compared with the rest. Null for summary files. */
    validation: Validation | null;
    /** The fitted shop model for what-if scenarios, or null when it cannot be fitted (see `notes`). Not cloneable: keep it in the worker and `free()` it. */
    whatif: WhatIf | null;
    notes: Note[];
}

/** The stages of `Analysis.finishDashboard()`, in the order they run. */
export type AnalysisStage = "ingest" | "summary" | "models" | "simulator" | "segments" | "validation" | "result";

/** The stages of `Analysis.recommend()`, in the order they run. */
export type RecommendStage = "evaluation" | "recommender" | "lists";

/** A progress callback: `stage` starts now, `done` of `total` stages are behind it. */
export type Progress<Stage> = (stage: Stage, done: number, total: number) => void;

/** What `Analysis.recommend()` returns after `finishDashboard()`. */
export interface DeferredRecommendationsResult {
    recommendations: RecommendationsResult | null;
    /** Why there are none (appended to the result's notes by the page). */
    notes: Note[];
}

/** See `ltvlab::validate::ModelChoice`. */
export interface ModelChoice {
    model: "bgnbd" | "mbgnbd" | "pareto";
    reason: "caller" | "lowest_holdout_error" | "holdout_undecided" | "no_holdout";
    explanation: string;
}

/** See `ltvlab::validate::Validation`. */
export interface Validation {
    model: "bgnbd" | "mbgnbd" | "pareto";
    period: "day" | "week" | "month";
    calibration_end: string;
    observation_end: string;
    holdout_periods: number;
    customers: number;
    predicted_total: number;
    actual_total: number;
    mae: number;
    rmse: number;
    /** Calibration frequency "0" to "6" and "7+". */
    by_frequency: { frequency: string; customers: number; predicted_mean: number; actual_mean: number }[];
    tracking: { week: number; end: string; holdout: boolean; actual: number; predicted: number; predicted_conditional: number | null }[];
    candidates: Record<string, unknown>[];
    choice_reason: ModelChoice["reason"];
    choice: string;
}

/** Options of `WhatIf.run`; see `ltvlab::simulate::SimulationOptions`. Missing fields take defaults. */
export interface SimulationOptions {
    /** Default 1. */
    margin?: number;
    /** Default 0. */
    cac?: number;
    /** Default 24. */
    horizon_months?: number;
    /** Default 0.01. */
    monthly_discount_rate?: number;
    /** Default: the average of the last 12 months. */
    new_customers_per_month?: number | null;
    /** Monte Carlo draws for the intervals; 0 gives point estimates only. Default 1000. */
    draws?: number;
    seed?: number;
    /** Interval coverage; default 0.9. */
    confidence?: number;
}

export interface Estimate { value: number; low: number; high: number }

export interface Outcome {
    ltv_per_customer: Estimate;
    ltv_to_cac: Estimate | null;
    payback_months: number | null;
    payback_probability: number;
    revenue_existing: Estimate;
    revenue_new: Estimate;
    parameters: { model: "bgnbd" | "mbgnbd" | "pareto"; r: number; alpha: number; a: number; b: number;
                  p: number; q: number; gamma: number; dropout_per_purchase: number | null;
                  survival_12_months: number; margin: number };
    cac: number;
}

/** What `WhatIf.run` returns; see `ltvlab::simulate::Simulation`. */
export interface WhatIfResult {
    period: "day" | "week" | "month";
    horizon_months: number;
    new_customers_per_month: number;
    draws: number;
    seed: number;
    confidence: number;
    baseline: Outcome;
    scenario: Outcome;
    change: { ltv_per_customer: Estimate; revenue_existing: Estimate; revenue_new: Estimate };
    sensitivity: { lever: string; ltv: number; change: number; relative_change: number }[];
    /** A new customer's cumulative discounted value at months 0 (the first order) to the horizon, at the fitted parameters. */
    cumulative_value: { baseline: number[]; scenario: number[] };
}

/** What `clvIntervals` returns; see `ltvlab::bootstrap::Bootstrap`. */
export interface ClvIntervals {
    samples: number;
    /** Resamples with both models refitted; the others are left out and counted below. */
    fitted: number;
    purchase_failures: number;
    spend_failures: number;
    level: number;
    /** Per customer, in the summary's order: the interval of the expected CLV (parameter uncertainty only). */
    clv_low: Float64Array;
    clv_high: Float64Array;
    /** Per customer: the range of the actual value over the horizon (parameters and the purchase process). */
    value_low: Float64Array;
    value_high: Float64Array;
    total_clv: { estimate: number; low: number; high: number } | null;
    diagnostics: string[];
}

export interface CohortStats {
    customers: number; orders: number; revenue: number; repeat_rate: number;
    median_days_between_orders: number | null; median_days_to_second_order: number | null;
}

export interface CohortReport {
    period: "month" | "week";
    by: "none" | "first_item" | "group";
    observation_end: string;
    overall: CohortStats;
    groups: {
        name: string | null;
        stats: CohortStats;
        cohorts: {
            label: string; start: string; stats: CohortStats;
            periods: { period: number; active_customers: number; active_share: number; retained_share: number;
                       churn_rate: number; revenue: number; cumulative_revenue_per_customer: number }[];
        }[];
    }[];
}

export interface SegmentStats {
    customers: number; revenue_share: number; revenue: number; aov: number | null;
    orders_per_customer: number; repeat_rate: number; formula_ltv: number | null;
    model_ltv: number | null; mean_p_alive: number | null;
}

export interface SegmentReport {
    observation_end: string;
    /** Whether model LTV, P(alive) and next-order dates are present. */
    modeled: boolean;
    overall: SegmentStats;
    /** "champions", "loyal", "potential_loyalist", "new", "promising", "need_attention",
     * "about_to_sleep", "at_risk", "cant_lose_them", "hibernating", "lost". */
    segments: ({ segment: string; label: string } & SegmentStats)[];
    follow_up: { min_days: number; max_days: number | null; note: string; count: number;
                 customers: { customer_id: string; days_since_last_order: number; last_order: string; orders: number; revenue: number }[] }[];
    overdue: { count: number; customers: { customer_id: string; last_order: string; expected_next_order: string;
               days_overdue: number; p_alive: number; value_at_risk: number }[] };
    nps: { nps: number; promoters: SegmentStats; passives: SegmentStats; detractors: SegmentStats; unscored: number } | null;
}
"##;

/// Installs the panic hook, so a panic reaches the console with its message.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// The crate version, e.g. `"0.1.0"`.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// The crate's one rule against spreadsheet formula injection
/// ([`crate::export::safe_cell`]): `value` with a leading `'` if a
/// spreadsheet would run it as a formula, else `value` unchanged. The web
/// app's CSV exports call it for every text cell.
#[cfg(feature = "app")]
#[wasm_bindgen(js_name = safeCell)]
pub fn safe_cell(value: &str) -> String {
    crate::export::safe_cell(value).into_owned()
}

/// The customers CSV ([`crate::export::customers_csv`], the layout of
/// `ltvlab predict`): the page's summary, its predictions' columns
/// (`p_alive`, `expected_purchases`, `expected_order_value`, `clv`) or
/// `null`, and `clvIntervals`' result (`clv_low`, `clv_high`, `value_low`,
/// `value_high`; written as `expected_clv_low`, `expected_clv_high`,
/// `value_low`, `value_high`) or `null`. Lines end in CRLF; no BOM.
///
/// # Errors
///
/// A summary not shaped like `SummaryResult`, or columns whose lengths are
/// not the number of customers.
#[cfg(feature = "app")]
#[wasm_bindgen(js_name = customersCsv)]
pub fn customers_csv(
    #[wasm_bindgen(unchecked_param_type = "SummaryResult")] summary: JsValue,
    #[wasm_bindgen(
        unchecked_param_type = "{ p_alive: ArrayLike<number>; expected_purchases: ArrayLike<number>; expected_order_value: ArrayLike<number>; clv: ArrayLike<number> } | null | undefined"
    )]
    predictions: JsValue,
    #[wasm_bindgen(
        unchecked_param_type = "{ clv_low: ArrayLike<number>; clv_high: ArrayLike<number>; value_low: ArrayLike<number>; value_high: ArrayLike<number> } | null | undefined"
    )]
    intervals: JsValue,
) -> Result<String, JsError> {
    #[derive(Deserialize)]
    struct ModelIn {
        p_alive: Vec<f64>,
        expected_purchases: Vec<f64>,
        expected_order_value: Vec<f64>,
        clv: Vec<f64>,
    }
    #[derive(Deserialize)]
    struct IntervalsIn {
        clv_low: Vec<f64>,
        clv_high: Vec<f64>,
        value_low: Vec<f64>,
        value_high: Vec<f64>,
    }
    fn optional<T: serde::de::DeserializeOwned>(
        value: JsValue,
        what: &str,
    ) -> Result<Option<T>, JsError> {
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        serde_wasm_bindgen::from_value(value)
            .map(Some)
            .map_err(|err| js_error(crate::Error::options(format!("{what}: {err}"))))
    }
    let summary = summary_from_js(summary)?;
    let model: Option<ModelIn> = optional(predictions, "predictions")?;
    let intervals: Option<IntervalsIn> = optional(intervals, "intervals")?;
    crate::export::customers_csv(
        &summary,
        model.as_ref().map(|m| crate::export::ModelColumns {
            p_alive: &m.p_alive,
            expected_purchases: &m.expected_purchases,
            expected_order_value: &m.expected_order_value,
            clv: &m.clv,
        }),
        intervals.as_ref().map(|i| crate::export::IntervalColumns {
            expected_clv_low: &i.clv_low,
            expected_clv_high: &i.clv_high,
            value_low: &i.value_low,
            value_high: &i.value_high,
        }),
    )
    .map_err(js_error)
}

/// Reads the head of a file: what ingest detects (columns, mapping, preset,
/// encoding) and the first rows, so the page can show them and let the user
/// change the mapping before the analysis. `bytes` should be the first few
/// hundred KiB, cut at a line break; only `options.ingest` is used.
///
/// # Errors
///
/// As `Analysis.finish()` for ingest: invalid options, an empty or binary
/// file, no usable column.
#[cfg(feature = "app")]
#[wasm_bindgen(unchecked_return_type = "Preview")]
pub fn preview(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "AnalysisOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let options = analysis_options(options)?;
    let ingested = ingest(bytes, &options.ingest).map_err(js_error)?;
    let rows = head_rows(bytes, &ingested.report, PREVIEW_ROWS);
    let result = PreviewResult {
        report: &ingested.report,
        rows,
        roles: Role::ALL.map(Role::name).to_vec(),
    };
    to_js(&result)
}

/// The data-free LTV formula with a scenario: baseline, scenario and the
/// lever ranking. Both arguments may be `undefined` for the defaults; this is
/// what `ltvlab simulate --formula` prints and what `<ltv-calculator>` shows.
///
/// # Errors
///
/// An input or lever out of range, named in the message.
#[wasm_bindgen(js_name = simulateFormula, unchecked_return_type = "FormulaComparison")]
pub fn simulate_formula(
    #[wasm_bindgen(unchecked_param_type = "FormulaInputs | undefined")] inputs: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Scenario | undefined")] scenario: JsValue,
) -> Result<JsValue, JsError> {
    let inputs: FormulaInputs = or_default(inputs, "formula inputs", lenient_from_js)?;
    let scenario: Scenario = or_default(scenario, "scenario", lenient_from_js)?;
    let result = crate::simulate::simulate_formula(&inputs, &scenario).map_err(js_error)?;
    to_js(&result)
}

/// The default for `undefined` or `null`, else `parse(value)`, its error
/// named after `what`.
fn or_default<T: Default>(
    value: JsValue,
    what: &str,
    parse: impl FnOnce(JsValue) -> Result<T, String>,
) -> Result<T, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    parse(value).map_err(|err| js_error(crate::Error::options(format!("{what}: {err}"))))
}

/// serde-wasm-bindgen as is: unknown fields are ignored (`simulateFormula`
/// keeps the calculator's lenient parsing and small size).
fn lenient_from_js<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(value).map_err(|err| err.to_string())
}

/// Deserializes `value` so that `deny_unknown_fields` holds: serde-wasm-bindgen
/// reads only a struct's own fields from an object and never sees the others,
/// so the value goes through [`Plain`], which keeps every key.
fn strict_from_js<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, String> {
    let plain: Plain = serde_wasm_bindgen::from_value(value)
        .map_err(|err| err.to_string().trim_start_matches("Error: ").to_owned())?;
    T::deserialize(plain).map_err(|err| err.0)
}

/// One analysis of one file: construct it with options, `push` the file's
/// bytes in chunks, then `finish`.
#[cfg(feature = "app")]
#[wasm_bindgen]
pub struct Analysis {
    /// `None` once `finishDashboard` has ended the input.
    ingester: Option<Ingester>,
    options: AnalysisOptions,
    /// What `recommend` needs after `finishDashboard`.
    deferred: Option<DeferredRecommendations>,
}

/// The recommendations' inputs kept between `finishDashboard` and
/// `recommend`: the ingested data itself (not a copy) and the ids of the
/// customers to list, chosen while the summary and predictions existed.
#[cfg(feature = "app")]
struct DeferredRecommendations {
    data: Dataset,
    customers: Vec<String>,
    has_summary: bool,
}

#[cfg(feature = "app")]
#[wasm_bindgen]
impl Analysis {
    /// Starts an analysis. `options` may be `undefined` for all defaults.
    ///
    /// # Errors
    ///
    /// If the options do not have the `AnalysisOptions` shape or the ingest
    /// options are invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "AnalysisOptions | undefined")] options: JsValue,
    ) -> Result<Analysis, JsError> {
        let options = analysis_options(options)?;
        Ok(Analysis {
            ingester: Some(Ingester::new(options.ingest.clone()).map_err(js_error)?),
            options,
            deferred: None,
        })
    }

    /// Tells the analysis the file's size in bytes before the first `push`,
    /// so the ingested columns are sized once instead of grown by doubling
    /// (less peak memory on large files; results do not depend on it).
    #[wasm_bindgen(js_name = expectBytes)]
    pub fn expect_bytes(&mut self, total: f64) {
        if let Some(ingester) = &mut self.ingester {
            if total.is_finite() && total > 0.0 {
                ingester.expect_bytes(total as u64);
            }
        }
    }

    /// Feeds the next chunk of the file's bytes; chunks may split anywhere.
    ///
    /// # Errors
    ///
    /// If the bytes so far cannot be a CSV file (binary, undecodable, ...).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        match &mut self.ingester {
            Some(ingester) => ingester.push(chunk).map_err(js_error),
            None => Err(JsError::new("cannot push after the input has ended")),
        }
    }

    /// Ends the input and returns `{ report, summary, predictions,
    /// recommendations, notes }`. Frees this object.
    ///
    /// A section that cannot be computed for this data is `null`, with a note
    /// saying why; only ingest and summary errors are errors.
    ///
    /// # Errors
    ///
    /// If the file is empty, has no usable columns or rows, or the summary
    /// options do not fit the data.
    #[wasm_bindgen(unchecked_return_type = "AnalysisResult")]
    pub fn finish(mut self) -> Result<JsValue, JsError> {
        self.analyze(false, None)
    }

    /// Ends the input and returns the result without its recommendations
    /// (`recommendations: null` and `recommendations_pending: true` when they
    /// were asked for), keeping the ingested data in this object for
    /// `recommend()`. The page draws the dashboard while the recommender runs.
    ///
    /// `progress`, when given, is called as `progress(stage, done, total)`
    /// as each stage starts (see `AnalysisStage`; `done` stages of `total`
    /// are behind it), so a worker can tell its page how far this one
    /// synchronous call has come. What it returns or throws is ignored.
    ///
    /// # Errors
    ///
    /// As `finish`; also if the input has already ended.
    #[wasm_bindgen(js_name = finishDashboard, unchecked_return_type = "AnalysisResult")]
    pub fn finish_dashboard(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Progress<AnalysisStage> | undefined")]
        progress: Option<js_sys::Function>,
    ) -> Result<JsValue, JsError> {
        self.analyze(true, progress.as_ref())
    }

    /// After `finishDashboard`: `{ recommendations, notes }`, the section
    /// and its notes exactly as `finish` would have included them. Frees this
    /// object (and with it the ingested data). `progress`, when given, is
    /// called as `progress(stage, done, total)` as each `RecommendStage`
    /// starts, as in `finishDashboard`.
    ///
    /// # Errors
    ///
    /// If `finishDashboard` has not returned a result with
    /// `recommendations_pending`.
    #[wasm_bindgen(unchecked_return_type = "DeferredRecommendationsResult")]
    pub fn recommend(
        self,
        #[wasm_bindgen(unchecked_param_type = "Progress<RecommendStage> | undefined")]
        progress: Option<js_sys::Function>,
    ) -> Result<JsValue, JsError> {
        let Some(deferred) = self.deferred else {
            return Err(JsError::new(
                "no pending recommendations: call finishDashboard first",
            ));
        };
        let mut notes = Vec::new();
        let customers: Vec<&str> = deferred.customers.iter().map(String::as_str).collect();
        let recommendations = recommendations(
            &deferred.data,
            deferred.has_summary,
            &customers,
            &self.options.recommend,
            &mut notes,
            progress.as_ref(),
        );
        to_js(&DeferredResult {
            recommendations,
            notes,
        })
    }
}

#[cfg(feature = "app")]
impl Analysis {
    /// `finish` and `finishDashboard`: with `defer`, the recommendations are
    /// left for `recommend` and the ingested data moves into `self.deferred`.
    fn analyze(
        &mut self,
        defer: bool,
        progress: Option<&js_sys::Function>,
    ) -> Result<JsValue, JsError> {
        let options = &self.options;
        let ingester = self
            .ingester
            .take()
            .ok_or_else(|| JsError::new("the input has already ended"))?;
        AnalysisStage::Ingest.report(progress);
        let ingested = ingester.finish().map_err(js_error)?;
        let mut notes = Vec::new();
        AnalysisStage::Summary.report(progress);
        // Baskets have no customers or dates: their report is still worth
        // showing, with what the file can be used for.
        let summary = match &ingested.data {
            Dataset::Baskets(_) => {
                notes.push(Note::new(
                    "no_customers",
                    "this file has baskets only, without customers or dates",
                ));
                None
            }
            // A summary file does not say its unit: the page must give it
            // (`summary::period_for`), else only the ingest report is shown.
            data => match crate::summary::period_for(data, options.summary.period) {
                Ok(period) => {
                    let o = SummaryOptions {
                        period,
                        observation_end: options.summary.observation_end.clone(),
                        calibration_end: None,
                    };
                    Some(summarize(data, &o).map_err(js_error)?)
                }
                Err(err) => {
                    notes.push(Note::new("summary_period_needed", err.to_string()));
                    None
                }
            },
        };
        AnalysisStage::Models.report(progress);
        // The model: the caller's, or chosen on the holdout (`validate`'s
        // rule, as `ltvlab analyze` does); the validation comes with it.
        let choice = match &summary {
            Some(s)
                if !s.customers.is_empty()
                    && (options.wants(Section::Predictions)
                        || options.wants(Section::Validation)) =>
            {
                let v = ValidateOptions {
                    period: s.period,
                    observation_end: options.summary.observation_end.clone(),
                    calibration_end: None,
                    model: options.predict.model,
                    fit: FitOptions::default(),
                };
                // A named model needs the holdout only when the validation
                // is asked for (section benchmarks ask for one at a time).
                Some(match options.predict.model {
                    Some(model) if !options.wants(Section::Validation) => ModelChoice::named(model),
                    _ => choose_model(&ingested.data, &v),
                })
            }
            _ => None,
        };
        let predictions = match (&summary, &choice) {
            (Some(s), _) if s.customers.is_empty() => {
                notes.push(Note::new("no_customers", "no row has a customer id"));
                None
            }
            (Some(_), _) if !options.wants(Section::Predictions) => None,
            (Some(s), Some(choice)) => {
                let mut predict_options = options.predict.to_core()?;
                predict_options.model = choice.model;
                match predict(s, &predict_options) {
                    Ok(p) => Some(p),
                    Err(err) => {
                        notes.push(Note::new("predict_failed", err.to_string()));
                        None
                    }
                }
            }
            _ => None,
        };
        // The segments value customers with the predictions' model and
        // margin, as the customer table does.
        let values = predictions.as_ref().map(Predictions::customer_values);
        let wants_recommendations = options.wants(Section::Recommendations);
        let has_summary_flag = summary.is_some();
        let valuable: Vec<&str> = if wants_recommendations {
            most_valuable(
                summary.as_ref(),
                predictions.as_ref(),
                options.recommend.customers,
            )
        } else {
            Vec::new()
        };
        let recommendations = if wants_recommendations && !defer {
            recommendations(
                &ingested.data,
                summary.is_some(),
                &valuable,
                &options.recommend,
                &mut notes,
                None,
            )
        } else {
            None
        };
        let deferred_customers: Vec<String> = valuable.iter().map(|&id| id.to_owned()).collect();
        // One shop model (BG/NBD and Gamma-Gamma) serves the segments' model
        // columns and the what-if simulator.
        AnalysisStage::Simulator.report(progress);
        let shop = match &summary {
            Some(s)
                if !s.customers.is_empty()
                    && (options.wants(Section::Segments) || options.wants(Section::Whatif)) =>
            {
                ShopModel::fit(s)
                    .map_err(|err| {
                        if options.wants(Section::Whatif) {
                            notes.push(Note::new("whatif_failed", err.to_string()));
                        }
                    })
                    .ok()
            }
            _ => None,
        };
        AnalysisStage::Segments.report(progress);
        let (want_cohorts, want_segments) = (
            options.wants(Section::Cohorts),
            options.wants(Section::Segments),
        );
        let (cohorts, segments) = match (&ingested.data, &summary) {
            (Dataset::Transactions(t), Some(s))
                if !s.customers.is_empty() && (want_cohorts || want_segments) =>
            {
                // One grouping of the purchases by customer serves both (it
                // is the larger part of their time and memory); it is freed
                // before the validation and the recommendations run.
                match Histories::new(t) {
                    Ok(h) => {
                        if let Some(note) = h.outlying_note() {
                            notes.push(Note::new("outlying_dates_left_out", note));
                        }
                        (
                            want_cohorts
                                .then(|| cohort_report(&h, &mut notes))
                                .flatten(),
                            want_segments
                                .then(|| {
                                    segment_report(
                                        &h,
                                        s,
                                        values.as_deref(),
                                        shop.as_ref(),
                                        &mut notes,
                                    )
                                })
                                .flatten(),
                        )
                    }
                    Err(err) => {
                        for (wanted, code) in [
                            (want_cohorts, "cohorts_failed"),
                            (want_segments, "segments_failed"),
                        ] {
                            if wanted {
                                notes.push(Note::new(code, err.to_string()));
                            }
                        }
                        (None, None)
                    }
                }
            }
            _ => (None, None),
        };
        AnalysisStage::Validation.report(progress);
        let (validation, model_choice) = match choice {
            Some(c) => {
                let validation = match (&ingested.data, c.validation) {
                    _ if !options.wants(Section::Validation) => None,
                    (Dataset::Transactions(_), None) => {
                        let message = c.validation_error.clone().unwrap_or_default();
                        notes.push(Note::new("validation_failed", message));
                        None
                    }
                    (_, v) => v,
                };
                let choice = predictions.as_ref().map(|_| ModelChoiceDto {
                    model: c.model,
                    reason: c.reason,
                    explanation: c.explanation,
                });
                (validation, choice)
            }
            None => (None, None),
        };
        AnalysisStage::Result.report(progress);
        let value = {
            let result = AnalysisResult {
                report: &ingested.report,
                cohorts,
                segments,
                validation,
                summary: summary
                    .as_ref()
                    .filter(|_| options.wants(Section::Summary))
                    .map(SummaryDto::new),
                predictions: predictions.as_ref().map(PredictionsDto::new),
                model_choice,
                recommendations,
                recommendations_pending: wants_recommendations && defer,
                notes,
            };
            to_js(&result)?
        };
        // The simulator keeps the model and the summary; it is a wasm object,
        // so it joins the serialized result as a property.
        let whatif = match (shop, summary) {
            (Some(model), Some(summary)) if options.wants(Section::Whatif) => {
                JsValue::from(WhatIf { model, summary })
            }
            _ => JsValue::NULL,
        };
        js_sys::Reflect::set(&value, &JsValue::from_str("whatif"), &whatif)
            .map_err(|_| JsError::new("cannot pass the result to JavaScript: whatif"))?;
        if wants_recommendations && defer {
            self.deferred = Some(DeferredRecommendations {
                has_summary: has_summary_flag,
                data: ingested.data,
                customers: deferred_customers,
            });
        }
        Ok(value)
    }
}

/// What `Analysis.recommend()` returns.
#[cfg(feature = "app")]
#[derive(Serialize)]
struct DeferredResult {
    recommendations: Option<RecommendationsDto>,
    notes: Vec<Note>,
}

/// The stages of `Analysis.finishDashboard()`, in the order they run, as its
/// `progress` callback names them (`AnalysisStage` in TypeScript).
#[cfg(feature = "app")]
#[derive(Clone, Copy)]
enum AnalysisStage {
    Ingest,
    Summary,
    Models,
    Simulator,
    Segments,
    Validation,
    Result,
}

#[cfg(feature = "app")]
impl AnalysisStage {
    const COUNT: u32 = 7;

    fn name(self) -> &'static str {
        match self {
            AnalysisStage::Ingest => "ingest",
            AnalysisStage::Summary => "summary",
            AnalysisStage::Models => "models",
            AnalysisStage::Simulator => "simulator",
            AnalysisStage::Segments => "segments",
            AnalysisStage::Validation => "validation",
            AnalysisStage::Result => "result",
        }
    }

    fn report(self, progress: Option<&js_sys::Function>) {
        report_progress(progress, self.name(), self as u32, Self::COUNT);
    }
}

/// The stages of `Analysis.recommend()`, in the order they run
/// (`RecommendStage` in TypeScript).
#[derive(Clone, Copy)]
enum RecommendStage {
    Evaluation,
    Recommender,
    Lists,
}

impl RecommendStage {
    const COUNT: u32 = 3;

    fn name(self) -> &'static str {
        match self {
            RecommendStage::Evaluation => "evaluation",
            RecommendStage::Recommender => "recommender",
            RecommendStage::Lists => "lists",
        }
    }

    fn report(self, progress: Option<&js_sys::Function>) {
        report_progress(progress, self.name(), self as u32, Self::COUNT);
    }
}

/// Calls `progress(stage, done, total)`; the callback only reports, so an
/// exception in it does not stop the work.
fn report_progress(progress: Option<&js_sys::Function>, stage: &str, done: u32, total: u32) {
    if let Some(callback) = progress {
        let _ = callback.call3(
            &JsValue::NULL,
            &JsValue::from_str(stage),
            &JsValue::from(done),
            &JsValue::from(total),
        );
    }
}

/// The fitted shop model of one analysis, for what-if scenarios and CLV
/// intervals after `Analysis.finish()`. The worker keeps it; the page posts
/// slider positions and gets numbers back.
#[cfg(feature = "app")]
#[wasm_bindgen]
pub struct WhatIf {
    model: ShopModel,
    summary: Summary,
}

#[cfg(feature = "app")]
#[wasm_bindgen]
impl WhatIf {
    /// Fits the shop model to a summary as `Analysis.finish()` returned it:
    /// the same model as the `whatif` of that result, for a second worker
    /// that computes the intervals while the first answers slider moves.
    ///
    /// # Errors
    ///
    /// A summary not shaped like `SummaryResult`; the model's fit errors.
    #[wasm_bindgen(js_name = fromSummary)]
    pub fn from_summary(
        #[wasm_bindgen(unchecked_param_type = "SummaryResult")] summary: JsValue,
    ) -> Result<WhatIf, JsError> {
        let summary = summary_from_js(summary)?;
        let model = ShopModel::fit(&summary).map_err(js_error)?;
        Ok(WhatIf { model, summary })
    }

    /// Baseline against `scenario` on the fitted model (`ltvlab::simulate::simulate`),
    /// with each side's cumulative value curve. Both arguments may be
    /// `undefined` for the defaults; `options.draws: 0` skips the intervals
    /// and is what a slider drag should use.
    ///
    /// # Errors
    ///
    /// An unknown field, or a lever or option out of range, named in the message.
    #[wasm_bindgen(unchecked_return_type = "WhatIfResult")]
    pub fn run(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Scenario | undefined")] scenario: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SimulationOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let scenario: ScenarioDto = or_default(scenario, "scenario", strict_from_js)?;
        let scenario = Scenario::from(scenario);
        let options: SimulationOptionsDto =
            or_default(options, "simulation options", strict_from_js)?;
        let options = options.to_core();
        let simulation = crate::simulate::simulate(&self.model, &self.summary, &scenario, &options)
            .map_err(js_error)?;
        let per_month = self.model.period().per_month();
        let result = WhatIfResult {
            cumulative_value: Curves {
                baseline: cumulative_value(&simulation.baseline.parameters, per_month, &options),
                scenario: cumulative_value(&simulation.scenario.parameters, per_month, &options),
            },
            simulation: &simulation,
        };
        to_js(&result)
    }
}

// ---------------------------------------------------------------------------
// Options, as declared in `AnalysisOptions` above.

const PREVIEW_ROWS: usize = 20;

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct AnalysisOptions {
    #[serde(deserialize_with = "strict_ingest_options")]
    ingest: IngestOptions,
    summary: SummaryOptionsDto,
    predict: PredictOptionsDto,
    recommend: RecommendListOptions,
    /// `None` computes every section; benchmarks time one at a time.
    sections: Option<Vec<Section>>,
}

/// A section of the analysis that can be asked for on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Section {
    Summary,
    Predictions,
    Recommendations,
    Cohorts,
    Segments,
    Validation,
    Whatif,
}

impl AnalysisOptions {
    fn wants(&self, section: Section) -> bool {
        self.sections.as_ref().is_none_or(|s| s.contains(&section))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SummaryOptionsDto {
    /// Day for transactions when absent; a summary file needs it.
    period: Option<Period>,
    observation_end: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct PredictOptionsDto {
    model: Option<ModelKind>,
    horizon_months: Option<u32>,
    monthly_discount_rate: Option<f64>,
    margin: Option<f64>,
}

impl PredictOptionsDto {
    fn to_core(&self) -> Result<PredictOptions, JsError> {
        let d = PredictOptions::default();
        Ok(PredictOptions {
            model: self.model.unwrap_or(d.model),
            horizon_months: self.horizon_months.unwrap_or(d.horizon_months),
            monthly_discount_rate: self
                .monthly_discount_rate
                .unwrap_or(d.monthly_discount_rate),
            margin: self.margin.unwrap_or(d.margin),
            fit: FitOptions::default(),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RecommendListOptions {
    k: usize,
    items: usize,
    customers: usize,
}

impl Default for RecommendListOptions {
    fn default() -> RecommendListOptions {
        RecommendListOptions {
            k: 5,
            items: 500,
            customers: 1000,
        }
    }
}

/// The fields of `ltvlab::ingest::IngestOptions`, which accepts unknown ones:
/// here a misspelt option is an error rather than silently ignored.
const INGEST_FIELDS: [&str; 9] = [
    "mapping",
    "date_format",
    "date_order",
    "returns",
    "encoding",
    "delimiter",
    "has_header",
    "decimal",
    "today",
];

fn strict_ingest_options<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<IngestOptions, D::Error> {
    let plain = Plain::deserialize(deserializer)?;
    if let Plain::Object(entries) = &plain {
        if let Some((key, _)) = entries
            .iter()
            .find(|(key, _)| !INGEST_FIELDS.contains(&key.as_str()))
        {
            return Err(serde::de::Error::custom(format!(
                "unknown field `{key}` in ingest, expected one of {}",
                INGEST_FIELDS.map(|f| format!("`{f}`")).join(", ")
            )));
        }
    }
    IngestOptions::deserialize(plain).map_err(serde::de::Error::custom)
}

fn analysis_options(options: JsValue) -> Result<AnalysisOptions, JsError> {
    if options.is_undefined() || options.is_null() {
        return Ok(AnalysisOptions::default());
    }
    // No "what: " prefix: these are the top-level options.
    strict_from_js(options).map_err(|err| js_error(crate::Error::options(err)))
}

// ---------------------------------------------------------------------------
// A plain JSON-like value, so that options are checked for unknown fields.

/// A JavaScript value as data: what `JSON.stringify` would keep.
#[derive(Debug, Clone)]
enum Plain {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Plain>),
    Object(Vec<(String, Plain)>),
}

impl<'de> Deserialize<'de> for Plain {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Plain, D::Error> {
        deserializer.deserialize_any(PlainVisitor)
    }
}

struct PlainVisitor;

impl<'de> serde::de::Visitor<'de> for PlainVisitor {
    type Value = Plain;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON-like value")
    }
    fn visit_unit<E>(self) -> Result<Plain, E> {
        Ok(Plain::Null)
    }
    fn visit_none<E>(self) -> Result<Plain, E> {
        Ok(Plain::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Plain, D::Error> {
        Plain::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Plain, E> {
        Ok(Plain::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Plain, E> {
        Ok(Plain::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Plain, E> {
        Ok(Plain::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Plain, E> {
        Ok(Plain::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Plain, E> {
        Ok(Plain::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Plain, E> {
        Ok(Plain::String(v))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Plain, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(Plain::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Plain, A::Error> {
        let mut out = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Plain>()? {
            out.push((k, v));
        }
        Ok(Plain::Object(out))
    }
}

/// A deserialization error message.
#[derive(Debug)]
struct PlainError(String);

impl std::fmt::Display for PlainError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlainError {}

impl serde::de::Error for PlainError {
    fn custom<T: std::fmt::Display>(msg: T) -> PlainError {
        PlainError(msg.to_string())
    }
}

impl<'de> serde::Deserializer<'de> for Plain {
    type Error = PlainError;

    fn deserialize_any<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, PlainError> {
        use serde::de::value::{MapDeserializer, SeqDeserializer};
        match self {
            Plain::Null => visitor.visit_unit(),
            Plain::Bool(b) => visitor.visit_bool(b),
            // Whole numbers as integers, so that integer fields accept them.
            Plain::Number(n) if n.fract() == 0.0 && (0.0..9.0e15).contains(&n) => {
                visitor.visit_u64(n as u64)
            }
            Plain::Number(n) if n.fract() == 0.0 && n < 0.0 && n > -9.0e15 => {
                visitor.visit_i64(n as i64)
            }
            Plain::Number(n) => visitor.visit_f64(n),
            Plain::String(s) => visitor.visit_string(s),
            Plain::Array(v) => visitor.visit_seq(SeqDeserializer::new(v.into_iter())),
            Plain::Object(v) => visitor.visit_map(MapDeserializer::new(v.into_iter())),
        }
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, PlainError> {
        match self {
            Plain::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PlainError> {
        use serde::de::IntoDeserializer;
        match self {
            Plain::String(s) => visitor.visit_enum(s.into_deserializer()),
            other => Err(serde::de::Error::custom(format!(
                "expected a string naming a variant, got {}",
                other.kind()
            ))),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

impl<'de> serde::de::IntoDeserializer<'de, PlainError> for Plain {
    type Deserializer = Plain;

    fn into_deserializer(self) -> Plain {
        self
    }
}

impl Plain {
    fn kind(&self) -> &'static str {
        match self {
            Plain::Null => "null",
            Plain::Bool(_) => "a boolean",
            Plain::Number(_) => "a number",
            Plain::String(_) => "a string",
            Plain::Array(_) => "an array",
            Plain::Object(_) => "an object",
        }
    }
}

// ---------------------------------------------------------------------------
// Results, as declared in the TypeScript above.

#[derive(Serialize)]
struct PreviewResult<'a> {
    report: &'a IngestReport,
    rows: Vec<Vec<String>>,
    roles: Vec<&'static str>,
}

#[derive(Serialize)]
struct AnalysisResult<'a> {
    report: &'a IngestReport,
    summary: Option<SummaryDto<'a>>,
    predictions: Option<PredictionsDto<'a>>,
    model_choice: Option<ModelChoiceDto>,
    recommendations: Option<RecommendationsDto>,
    recommendations_pending: bool,
    cohorts: Option<CohortReport>,
    segments: Option<SegmentReport>,
    validation: Option<Validation>,
    notes: Vec<Note>,
}

/// `ModelChoice` in the TypeScript above: `ltvlab::validate::ModelChoice`
/// without the validation, which has its own field.
#[derive(Serialize)]
struct ModelChoiceDto {
    model: ModelKind,
    reason: ChoiceReason,
    explanation: String,
}

#[derive(Serialize)]
struct Note {
    code: &'static str,
    message: String,
}

impl Note {
    fn new(code: &'static str, message: impl Into<String>) -> Note {
        Note {
            code,
            message: message.into(),
        }
    }
}

#[derive(Serialize)]
struct SummaryDto<'a> {
    period: Period,
    observation_end: Option<&'a str>,
    orders_after_end: u64,
    guest_orders: u64,
    reversed_orders: u64,
    customers: SummaryColumns<'a>,
}

#[derive(Serialize)]
struct SummaryColumns<'a> {
    customer_id: Vec<&'a str>,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    frequency: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    recency: JsValue,
    #[serde(rename = "T", with = "serde_wasm_bindgen::preserve")]
    t: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    monetary_value: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    orders: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    total_spend: JsValue,
    first_purchase: Option<Vec<&'a str>>,
    last_purchase: Option<Vec<&'a str>>,
}

impl<'a> SummaryDto<'a> {
    fn new(s: &'a Summary) -> SummaryDto<'a> {
        let c = &s.customers;
        // Summary files have none of these; transactions have all of them.
        let all = |f: fn(&crate::summary::CustomerSummary) -> Option<f64>| {
            c.iter().map(f).collect::<Option<Vec<f64>>>()
        };
        let dates = |f: fn(&'a crate::summary::CustomerSummary) -> Option<&'a str>| {
            c.iter().map(f).collect::<Option<Vec<&str>>>()
        };
        SummaryDto {
            period: s.period,
            observation_end: s.observation_end.as_deref(),
            orders_after_end: s.orders_after_end,
            guest_orders: s.guest_orders,
            reversed_orders: s.reversed_orders,
            customers: SummaryColumns {
                customer_id: c.iter().map(|c| c.customer_id.as_str()).collect(),
                frequency: column(c.iter().map(|c| c.frequency)),
                recency: column(c.iter().map(|c| c.recency)),
                t: column(c.iter().map(|c| c.t)),
                monetary_value: column(c.iter().map(|c| c.monetary_value)),
                orders: optional_column(all(|c| c.orders.map(f64::from))),
                total_spend: optional_column(all(|c| c.total_spend)),
                first_purchase: dates(|c| c.first_purchase.as_deref()),
                last_purchase: dates(|c| c.last_purchase.as_deref()),
            },
        }
    }
}

#[derive(Serialize)]
struct PredictionsDto<'a> {
    purchase_model: &'a crate::predict::PurchaseFit,
    spend_model: &'a SpendModel,
    base: &'a BaseTotals,
    formula: &'a FormulaLtv,
    diagnostics: &'a [String],
    customers: PredictionColumns,
}

#[derive(Serialize)]
struct PredictionColumns {
    #[serde(with = "serde_wasm_bindgen::preserve")]
    p_alive: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    expected_purchases: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    expected_order_value: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    clv: JsValue,
}

impl<'a> PredictionsDto<'a> {
    fn new(p: &'a Predictions) -> PredictionsDto<'a> {
        let c = &p.customers;
        PredictionsDto {
            purchase_model: &p.purchase_model,
            spend_model: &p.spend_model,
            base: &p.base,
            formula: &p.formula,
            diagnostics: &p.diagnostics,
            customers: PredictionColumns {
                p_alive: column(c.iter().map(|c| c.p_alive)),
                expected_purchases: column(c.iter().map(|c| c.expected_purchases)),
                expected_order_value: column(c.iter().map(|c| c.expected_order_value)),
                clv: column(c.iter().map(|c| c.clv)),
            },
        }
    }
}

#[derive(Serialize)]
struct ItemDto {
    id: String,
    name: String,
}

#[derive(Serialize)]
struct RecommendationsDto {
    stats: crate::recommend::BasketStats,
    popular: Vec<PopularDto>,
    items: Vec<ItemListDto>,
    rules: Vec<RuleDto>,
    customers: Vec<CustomerListDto>,
    evaluation: Option<Evaluation>,
}

#[derive(Serialize)]
struct PopularDto {
    item: ItemDto,
    baskets: u64,
}

#[derive(Serialize)]
struct ItemListDto {
    item: ItemDto,
    baskets: u64,
    together: Vec<TogetherDto>,
}

#[derive(Serialize)]
struct TogetherDto {
    item: ItemDto,
    count: u64,
    confidence: f64,
    lift: f64,
    score: f64,
}

#[derive(Serialize)]
struct RuleDto {
    antecedent: ItemDto,
    consequent: ItemDto,
    count: u64,
    support: f64,
    confidence: f64,
    lift: f64,
}

#[derive(Serialize)]
struct CustomerListDto {
    customer_id: String,
    buy_again: Vec<RecommendedDto>,
    also_like: Vec<RecommendedDto>,
}

#[derive(Serialize)]
struct RecommendedDto {
    item: ItemDto,
    score: f64,
    reason: ReasonDto,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum ReasonDto {
    BuyAgain { orders: u32, last_date: String },
    BoughtWith { item: ItemDto, count: u64 },
    Popular { baskets: u64 },
}

/// Customers listed in each follow-up list.
const FOLLOW_UP_LIST: usize = 50;

/// Monthly acquisition cohorts, or `None` with a note.
fn cohort_report(histories: &Histories<'_>, notes: &mut Vec<Note>) -> Option<CohortReport> {
    cohorts_with(histories, &CohortOptions::default())
        .map_err(|err| notes.push(Note::new("cohorts_failed", err.to_string())))
        .ok()
}

/// RFM segments with the model's columns when the shop model fits, or
/// `None` with a note.
fn segment_report(
    histories: &Histories<'_>,
    summary: &Summary,
    values: Option<&[CustomerValue]>,
    model: Option<&ShopModel>,
    notes: &mut Vec<Note>,
) -> Option<SegmentReport> {
    // Without a model the segments still stand; only their model columns go.
    let options = SegmentOptions {
        list_limit: FOLLOW_UP_LIST,
        per_customer: false,
        ..SegmentOptions::default()
    };
    // The predictions' values when there are predictions; the shop model's
    // only when the predictions were not asked for (section benchmarks).
    match values {
        Some(v) => segments_with_values(histories, summary, Some(v), &options),
        None => segments_with(histories, summary, model, &options),
    }
    .map_err(|err| notes.push(Note::new("segments_failed", err.to_string())))
    .ok()
}

/// Each customer's CLV interval from `samples` bootstrap resamples
/// (`ltvlab::bootstrap`, nominal 90%) of a summary as `Analysis.finish()`
/// returned it, with the same predict options. Stateless, so that a second
/// worker can run it while the first keeps answering the page.
///
/// # Errors
///
/// A summary not shaped like `SummaryResult`, `samples` outside 10 to
/// 100,000, or fewer than half the resamples fitted.
#[cfg(feature = "app")]
#[wasm_bindgen(js_name = clvIntervals, unchecked_return_type = "ClvIntervals")]
pub fn clv_intervals(
    #[wasm_bindgen(unchecked_param_type = "SummaryResult")] summary: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PredictOptions | undefined")] options: JsValue,
    samples: u32,
    seed: u32,
) -> Result<JsValue, JsError> {
    let summary: SummaryIn = serde_wasm_bindgen::from_value(summary).map_err(|err| {
        let message = err.to_string();
        let message = message.trim_start_matches("Error: ");
        js_error(crate::Error::options(format!("summary: {message}")))
    })?;
    let summary = summary.into_core()?;
    let predict: PredictOptionsDto = or_default(options, "predict options", strict_from_js)?;
    let options = BootstrapOptions {
        samples: samples as usize,
        seed: u64::from(seed),
        predict: predict.to_core()?,
        values: true,
        ..BootstrapOptions::default()
    };
    let b = bootstrap(&summary, &options).map_err(js_error)?;
    let result = ClvIntervalsDto {
        samples: b.samples,
        fitted: b.fitted,
        level: b.level,
        clv_low: column(b.clv.iter().map(|i| i.low)),
        clv_high: column(b.clv.iter().map(|i| i.high)),
        value_low: column(b.value_range.iter().map(|i| i.low)),
        value_high: column(b.value_range.iter().map(|i| i.high)),
        purchase_failures: b.purchase_failures,
        spend_failures: b.spend_failures,
        total_clv: b.total_clv,
        diagnostics: &b.diagnostics,
    };
    to_js(&result)
}

/// A `SummaryResult` (as `Analysis.finish()` returned it) read back.
fn summary_from_js(summary: JsValue) -> Result<Summary, JsError> {
    let summary: SummaryIn = serde_wasm_bindgen::from_value(summary).map_err(|err| {
        let message = err.to_string();
        let message = message.trim_start_matches("Error: ");
        js_error(crate::Error::options(format!("summary: {message}")))
    })?;
    summary.into_core()
}

/// `SummaryResult` read back.
#[derive(Deserialize)]
struct SummaryIn {
    period: Period,
    observation_end: Option<String>,
    orders_after_end: u64,
    guest_orders: u64,
    reversed_orders: u64,
    customers: CustomersIn,
}

#[derive(Deserialize)]
struct CustomersIn {
    customer_id: Vec<String>,
    frequency: Vec<f64>,
    recency: Vec<f64>,
    #[serde(rename = "T")]
    t: Vec<f64>,
    monetary_value: Vec<f64>,
    orders: Option<Vec<f64>>,
    total_spend: Option<Vec<f64>>,
    first_purchase: Option<Vec<String>>,
    last_purchase: Option<Vec<String>>,
}

impl SummaryIn {
    fn into_core(self) -> Result<Summary, JsError> {
        let c = self.customers;
        let n = c.customer_id.len();
        let lengths = [
            Some(c.frequency.len()),
            Some(c.recency.len()),
            Some(c.t.len()),
            Some(c.monetary_value.len()),
            c.orders.as_ref().map(Vec::len),
            c.total_spend.as_ref().map(Vec::len),
            c.first_purchase.as_ref().map(Vec::len),
            c.last_purchase.as_ref().map(Vec::len),
        ];
        if lengths.iter().flatten().any(|&len| len != n) {
            return Err(js_error(crate::Error::options(format!(
                "summary: every column must have {n} rows, one per customer id"
            ))));
        }
        let customers = c
            .customer_id
            .into_iter()
            .enumerate()
            .map(|(i, customer_id)| crate::summary::CustomerSummary {
                customer_id,
                frequency: c.frequency[i],
                recency: c.recency[i],
                t: c.t[i],
                monetary_value: c.monetary_value[i],
                first_purchase: c.first_purchase.as_ref().map(|v| v[i].clone()),
                last_purchase: c.last_purchase.as_ref().map(|v| v[i].clone()),
                orders: c.orders.as_ref().map(|v| v[i] as u32),
                total_spend: c.total_spend.as_ref().map(|v| v[i]),
            })
            .collect();
        Ok(Summary {
            period: self.period,
            observation_end: self.observation_end,
            customers,
            orders_after_end: self.orders_after_end,
            guest_orders: self.guest_orders,
            reversed_orders: self.reversed_orders,
        })
    }
}

#[derive(Serialize)]
struct WhatIfResult<'a> {
    #[serde(flatten)]
    simulation: &'a crate::simulate::Simulation,
    cumulative_value: Curves,
}

#[derive(Serialize)]
struct Curves {
    baseline: Vec<f64>,
    scenario: Vec<f64>,
}

#[derive(Serialize)]
struct ClvIntervalsDto<'a> {
    samples: usize,
    fitted: usize,
    level: f64,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    clv_low: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    clv_high: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    value_low: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    value_high: JsValue,
    purchase_failures: usize,
    spend_failures: usize,
    total_clv: Option<crate::bootstrap::Interval>,
    diagnostics: &'a [String],
}

/// A new customer's cumulative discounted value at months `0..=horizon`
/// under `p` (the levers applied): the first order, then each month's
/// expected repeat orders, as `ltvlab::simulate` computes LTV per customer,
/// so the last point is `ltv_per_customer.value`.
fn cumulative_value(p: &Parameters, periods_per_month: f64, o: &SimulationOptions) -> Vec<f64> {
    let Ok(model) = BgNbd::new(p.r, p.alpha, p.a, p.b) else {
        return Vec::new();
    };
    let value_per_order = p.margin * p.p * p.gamma / (p.q - 1.0);
    let mut total = value_per_order;
    let mut out = Vec::with_capacity(o.horizon_months as usize + 1);
    out.push(total);
    let (mut previous, mut discount) = (0.0, 1.0);
    for month in 1..=o.horizon_months {
        let e = model.expected_purchases_new(f64::from(month) * periods_per_month);
        discount /= 1.0 + o.monthly_discount_rate;
        total += value_per_order * (e - previous) * discount;
        previous = e;
        out.push(total);
    }
    out
}

/// `ltvlab::simulate::Scenario`, strict: an unknown lever is an error rather
/// than a silent no-op.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ScenarioDto {
    retention_points: f64,
    churn_reduction: f64,
    aov_change: f64,
    frequency_change: f64,
    margin_points: f64,
    discount: f64,
    loyalty: LoyaltyDto,
    cac: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct LoyaltyDto {
    rebate: f64,
    retention_points: f64,
}

impl From<ScenarioDto> for Scenario {
    fn from(s: ScenarioDto) -> Scenario {
        Scenario {
            retention_points: s.retention_points,
            churn_reduction: s.churn_reduction,
            aov_change: s.aov_change,
            frequency_change: s.frequency_change,
            margin_points: s.margin_points,
            discount: s.discount,
            loyalty: Loyalty {
                rebate: s.loyalty.rebate,
                retention_points: s.loyalty.retention_points,
            },
            cac: s.cac,
        }
    }
}

/// `ltvlab::simulate::SimulationOptions`, strict.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SimulationOptionsDto {
    margin: Option<f64>,
    cac: Option<f64>,
    horizon_months: Option<u32>,
    monthly_discount_rate: Option<f64>,
    new_customers_per_month: Option<f64>,
    draws: Option<u32>,
    seed: Option<u64>,
    confidence: Option<f64>,
}

impl SimulationOptionsDto {
    fn to_core(&self) -> SimulationOptions {
        let d = SimulationOptions::default();
        SimulationOptions {
            margin: self.margin.unwrap_or(d.margin),
            cac: self.cac.unwrap_or(d.cac),
            horizon_months: self.horizon_months.unwrap_or(d.horizon_months),
            monthly_discount_rate: self
                .monthly_discount_rate
                .unwrap_or(d.monthly_discount_rate),
            new_customers_per_month: self.new_customers_per_month.or(d.new_customers_per_month),
            draws: self.draws.unwrap_or(d.draws),
            seed: self.seed.unwrap_or(d.seed),
            confidence: self.confidence.unwrap_or(d.confidence),
            // The default linearised draws: the panel's intervals come from
            // the same method as `ltvlab simulate`.
            draw_method: d.draw_method,
        }
    }
}

/// Rules shown in the page's "best pairs" table.
const TOP_RULES: usize = 100;

/// The recommendations section, or `None` with a note.
fn recommendations(
    data: &Dataset,
    has_summary: bool,
    customers: &[&str],
    options: &RecommendListOptions,
    notes: &mut Vec<Note>,
    progress: Option<&js_sys::Function>,
) -> Option<RecommendationsDto> {
    if matches!(data, Dataset::Summary(_)) {
        notes.push(Note::new(
            "no_items",
            "a per-customer summary file has no items to recommend",
        ));
        return None;
    }
    let core = RecommendOptions::default();
    // The holdout test builds its own recommender on the training orders;
    // it runs (and frees its baskets and pairs) before the full one is
    // built, so the two never share the wasm heap's peak.
    RecommendStage::Evaluation.report(progress);
    let evaluation = has_summary.then(|| evaluate(data, &core, &EvaluateOptions::default()));
    RecommendStage::Recommender.report(progress);
    let rec = match Recommender::new(data, &core) {
        Ok(rec) => rec,
        Err(err) => {
            notes.push(Note::new("no_items", err.to_string()));
            return None;
        }
    };
    let evaluation = match evaluation {
        Some(Ok(e)) => Some(e),
        Some(Err(err)) => {
            notes.push(Note::new("evaluate_failed", err.to_string()));
            None
        }
        None => None,
    };
    RecommendStage::Lists.report(progress);
    let t = rec.transactions();
    let item = |i: u32| ItemDto {
        id: t.items().name(i).to_owned(),
        name: t.item_name(i).to_owned(),
    };
    let k = options.k.max(1);
    let popular: Vec<u32> = rec.popular().iter().copied().take(options.items).collect();
    let items = popular
        .iter()
        .map(|&i| ItemListDto {
            item: item(i),
            baskets: rec.item_count(i),
            together: rec
                .bought_together(i)
                .iter()
                .take(k)
                .map(|r| TogetherDto {
                    item: item(r.consequent),
                    count: r.metrics.count,
                    confidence: r.metrics.confidence,
                    lift: r.metrics.lift,
                    score: core.ranking.score(&r.metrics),
                })
                .collect(),
        })
        .collect();
    let rules = rec
        .rules()
        .iter()
        .take(TOP_RULES)
        .map(|r| RuleDto {
            antecedent: item(r.antecedent),
            consequent: item(r.consequent),
            count: r.metrics.count,
            support: r.metrics.support,
            confidence: r.metrics.confidence,
            lift: r.metrics.lift,
        })
        .collect();
    let recommended = |list: &[Recommendation]| -> Vec<RecommendedDto> {
        list.iter()
            .map(|r| RecommendedDto {
                item: item(r.item),
                score: r.score,
                reason: match r.reason {
                    Reason::BuyAgain { orders, last_day } => ReasonDto::BuyAgain {
                        orders,
                        last_date: crate::ingest::format_day(last_day),
                    },
                    Reason::BoughtWith { item: with, count } => ReasonDto::BoughtWith {
                        item: item(with),
                        count,
                    },
                    Reason::Popular { baskets } => ReasonDto::Popular { baskets },
                },
            })
            .collect()
    };
    let customers = customers
        .iter()
        .map(|&id| {
            let lists = rec.for_customer(id, k);
            CustomerListDto {
                customer_id: id.to_owned(),
                buy_again: recommended(&lists.buy_again),
                also_like: recommended(&lists.also_like),
            }
        })
        .collect();
    Some(RecommendationsDto {
        stats: rec.stats(),
        popular: popular
            .iter()
            .map(|&i| PopularDto {
                item: item(i),
                baskets: rec.item_count(i),
            })
            .collect(),
        items,
        rules,
        customers,
        evaluation,
    })
}

/// Up to `n` customer ids, by predicted CLV when there are predictions, else
/// by total spend, else in the file's order.
fn most_valuable<'a>(
    summary: Option<&'a Summary>,
    predictions: Option<&Predictions>,
    n: usize,
) -> Vec<&'a str> {
    let Some(summary) = summary else {
        return Vec::new();
    };
    let c = &summary.customers;
    let value: Vec<f64> = match predictions {
        Some(p) => p.customers.iter().map(|p| p.clv).collect(),
        None => c.iter().map(|c| c.total_spend.unwrap_or(0.0)).collect(),
    };
    let mut order: Vec<usize> = (0..c.len()).collect();
    order.sort_by(|&x, &y| value[y].total_cmp(&value[x]).then(x.cmp(&y)));
    order
        .into_iter()
        .take(n)
        .map(|i| c[i].customer_id.as_str())
        .collect()
}

/// The first `n` data rows of `bytes`, split as the report says (encoding,
/// delimiter, quote, header). Ingest does not keep raw rows, so the preview
/// tokenizes the head again with the same `csv-core` and `encoding_rs`.
fn head_rows(bytes: &[u8], report: &IngestReport, n: usize) -> Vec<Vec<String>> {
    let encoding =
        encoding_rs::Encoding::for_label(report.encoding.as_bytes()).unwrap_or(encoding_rs::UTF_8);
    let (mut text, _, _) = encoding.decode(bytes);
    if !text.ends_with('\n') {
        text.to_mut().push('\n');
    }
    let (Ok(delimiter), Ok(quote)) = (u8::try_from(report.delimiter), u8::try_from(report.quote))
    else {
        return Vec::new();
    };
    let mut reader = csv_core::ReaderBuilder::new()
        .delimiter(delimiter)
        .quote(quote)
        .build();
    let mut input = text.as_bytes();
    let mut rows = Vec::new();
    let mut output = vec![0; input.len().max(1)];
    let mut ends = vec![0; 1024];
    let skip = usize::from(report.has_header);
    while rows.len() < n + skip {
        let (result, read, _, fields) = reader.read_record(input, &mut output, &mut ends);
        input = &input[read..];
        match result {
            csv_core::ReadRecordResult::Record => {
                let mut start = 0;
                let row = ends[..fields]
                    .iter()
                    .map(|&end| {
                        let field = String::from_utf8_lossy(&output[start..end]).into_owned();
                        start = end;
                        field
                    })
                    .collect();
                rows.push(row);
            }
            csv_core::ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
            // The input ends with a line break and `output` is as large as the
            // input, so these only happen inside an unclosed quote.
            csv_core::ReadRecordResult::End
            | csv_core::ReadRecordResult::InputEmpty
            | csv_core::ReadRecordResult::OutputFull => break,
        }
    }
    rows.into_iter().skip(skip).collect()
}

/// A column of numbers as a `Float64Array`.
fn column(values: impl Iterator<Item = f64>) -> JsValue {
    let values: Vec<f64> = values.collect();
    js_sys::Float64Array::from(values.as_slice()).into()
}

fn optional_column(values: Option<Vec<f64>>) -> JsValue {
    match values {
        Some(v) => column(v.into_iter()),
        None => JsValue::NULL,
    }
}

/// Plain objects instead of `Map`s, so the page can read fields directly.
fn to_js(value: &impl Serialize) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value
        .serialize(&serializer)
        .map_err(|err| JsError::new(&format!("cannot pass the result to JavaScript: {err}")))
}

/// The one conversion of library errors: the page shows the message as is.
fn js_error(err: crate::Error) -> JsError {
    JsError::new(&err.to_string())
}
