//! The TypeScript declarations of every option and result the wasm takes
//! and returns; wasm-bindgen copies them into `ltvlab.d.ts`.
//! `tests/browser/types.test.mjs` checks them against the results of real
//! files (a literal of each result must type-check against its interface,
//! with no field missing or extra).

use wasm_bindgen::prelude::*;

/// The errors' codes and parameters (`crate::ErrorCode`): in both builds.
#[wasm_bindgen(typescript_custom_section)]
const ERROR_TYPES: &'static str = r##"
/** A library error's stable code; see `ltvlab::ErrorCode`. The page says it through `error.<code>`. */
export type ErrorCode = "empty" | "binary" | "no_usable_column" | "input" | "options" | "model"
    | "blank_lines_before_header" | "json_file" | "first_line_too_long" | "row_too_large"
    | "header_repeated_other_columns" | "header_only" | "no_date_column" | "no_id_column" | "summary_column_missing"
    | "no_usable_rows" | "summary_negative" | "summary_not_finite" | "summary_row_inconsistent" | "unknown_column"
    | "unknown_role" | "unknown_encoding" | "bad_delimiter" | "not_a_date" | "unknown_date_format" | "unknown_period"
    | "summary_period_needed" | "observation_end_before_first" | "no_dated_rows" | "baskets_only" | "no_items"
    | "summary_has_no_items" | "summary_has_no_dates" | "no_customer_ids" | "no_customer_purchases"
    | "no_training_orders" | "no_customers" | "too_few_customers" | "nobody_repeats" | "non_positive_spend"
    | "heavy_tailed_spend" | "model_not_finite" | "no_group_column" | "bootstrap_failed"
    | "shift_unknown_channel" | "shift_small_channel" | "shift_same_channel" | "shift_no_spend"
    | "shift_share_out_of_range";

/** The named values of an error (line, column, value, count, model, ...). */
export type ErrorParams = Record<string, string | number>;

/** What the wasm functions throw: an `Error` whose message is the English text, with the code and parameters. */
export interface CoreError extends Error {
    code: ErrorCode;
    params: ErrorParams;
}
"##;

/// The calculator's types (`simulateFormula`): in both builds.
#[wasm_bindgen(typescript_custom_section)]
const CALCULATOR_TYPES: &'static str = r##"
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
    /** The textbook whole-lifetime LTV, aov × purchases a year × margin ÷ churn, undiscounted; null at 0 churn. */
    lifetime_ltv: number | null;
    /** 1 ÷ churn, the lifetime in years behind `lifetime_ltv`; null at 0 churn. */
    lifetime_years: number | null;
    /** lifetime_ltv ÷ cac; null when either is missing or the CAC is 0. */
    lifetime_ltv_to_cac: number | null;
}

/** What `simulateFormula` returns. */
export interface FormulaComparison {
    baseline_inputs: Required<FormulaInputs>;
    scenario_inputs: Required<FormulaInputs>;
    baseline: FormulaOutputs;
    scenario: FormulaOutputs;
    sensitivity: { lever: string; ltv: number; change: number; relative_change: number }[];
}
"##;

/// The app's types: only in the app build (the calculator has no `WhatIf`).
#[cfg(feature = "app")]
#[wasm_bindgen(typescript_custom_section)]
const APP_TYPES: &'static str = r##"
/** Options for `new Analysis(options)` and `preview`; every field is optional. */
export interface AnalysisOptions {
    ingest?: IngestOptions;
    summary?: SummaryOptions;
    predict?: PredictOptions;
    recommend?: RecommendListOptions;
    /** Which sections to compute beyond the ingest report; default: all. */
    sections?: Array<"summary" | "predictions" | "recommendations" | "cohorts" | "segments" | "repeat_funnel" | "deciles" | "rfm_ranks" | "subscription" | "validation" | "whatif" | "groups">;
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
    /** Orders of 20 times the median order or more (see the note `large_orders`): "exclude" leaves them out, each line skipped as `large_order`. */
    large_orders?: "keep" | "exclude";
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
    /** Best pairs listed; default 100. */
    rules?: number;
    /** Rows of the due-soon list, earliest due first; default 10000. */
    due_soon?: number;
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
        /** The large orders left out by `ingest.large_orders: "exclude"`, as they were with them (absent when none were); see `ltvlab::ingest::LeftOutOrders`. */
        large_orders_left_out?: { orders: number; rows: number; median_order: number; multiple: number; revenue: number; revenue_share: number };
    };
}

export type DecisionSource = "preset" | "header" | "content" | "override" | "default";

/** What `preview` returns: enough to show the file's head and edit the mapping. */
export interface Preview {
    /** The report of ingesting only the bytes given (counts are of those bytes), or, when
     * a column the analysis needs is missing (`error`), what detection found. */
    report: IngestReport | HeadReport;
    /** Why ingest stopped, where the mapping can fix it (`no_date_column`, `no_id_column`,
     * `summary_column_missing`); null when the head was read. */
    error: { code: ErrorCode; params: ErrorParams; message: string } | null;
    /** Up to 20 data rows after the header, as the tokenizer split them. */
    rows: string[][];
    /** Every role the mapping may name, in display order. */
    roles: string[];
}

/** See `ltvlab::ingest::HeadReport`: the format and the columns found, without counts. */
export interface HeadReport {
    encoding: string; delimiter: string; quote: string; has_header: boolean;
    preset: IngestReport["preset"]; kind: IngestReport["kind"];
    columns: string[]; mapping: IngestReport["mapping"];
}

/** The per-customer summary, one column per field, rows in the file's order of first appearance. */
export interface SummaryResult {
    period: "day" | "week" | "month";
    observation_end: string | null;
    orders_after_end: number;
    /** Purchases dated decades before the bulk of the data (a typo in the year?), left out. */
    outlying_purchases: number;
    /** Guest orders (no customer id) and their net revenue, left out of every figure. */
    guest_orders: number;
    guest_revenue: number;
    /** Orders fully reversed by returns and their net value (zero or below), left out of every figure. */
    reversed_orders: number;
    reversed_revenue: number;
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
        /** Each customer's e-mail ("" for none); absent when the file has no e-mail for anyone. */
        email?: string[];
    };
}

/** See `ltvlab::predict::Predictions`; `customers` rows match the summary's. */
export interface PredictionsResult {
    /** The purchase model's fit: `{ model, params, log_likelihood, converged, diagnostics, ... }`. */
    purchase_model: Record<string, unknown>;
    spend_model: { method: "gamma_gamma"; fit: Record<string, unknown> } | { method: "observed_mean"; mean_order_value: number; reason: Diagnostic };
    base: {
        customers: number; horizon_months: number; horizon_periods: number; period: string;
        expected_purchases: number; expected_revenue: number; total_clv: number; mean_clv: number;
        expected_purchases_new_customer: number; mean_p_alive: number;
        /** False when the model sees no customer leaving: P(alive) then means "no evidence of leaving". */
        dropout_identified: boolean;
        /** True when the weak prior, not the data, sets how fast customers leave (too few came back): the values follow the prior's churn, not "everyone still buying". */
        dropout_from_prior: boolean;
    };
    formula: {
        average_order_value: number; purchases_per_month: number; churn_window_months: number;
        eligible_customers: number; churn_rate: number | null; expected_lifetime_months: number | null;
        formula_ltv: number | null; new_customer_ltv: number | null; model_ltv: number; horizon_months: number; explanation: string;
    };
    diagnostics: Diagnostic[];
    customers: {
        p_alive: Float64Array;
        expected_purchases: Float64Array;
        expected_order_value: Float64Array;
        clv: Float64Array;
        /** P(at least one purchase in the next 30 / 90 days). */
        p_purchase_30d: Float64Array;
        p_purchase_90d: Float64Array;
        /** Days from the observation end to the 10th, 50th and 90th percentile of the next
         * purchase; NaN where the customer is more likely gone (no date). */
        next_order_p10_days: Float64Array;
        next_order_median_days: Float64Array;
        next_order_p90_days: Float64Array;
        /** P(still a customer 30 / 90 days after the observation end), whatever they buy meanwhile. */
        p_alive_30d: Float64Array;
        p_alive_90d: Float64Array;
        /** P(exactly one / two or more purchases in the next 90 days); with 1 - p_purchase_90d, the whole distribution. */
        p_one_purchase_90d: Float64Array;
        p_two_or_more_purchases_90d: Float64Array;
    };
}

/** An item: its id and display name. */
export interface Item { id: string; name: string }

export type RecommendationReason =
    | { kind: "buy_again"; orders: number; last_date: string }
    | { kind: "bought_with"; item: Item; count: number }
    | { kind: "popular"; baskets: number }
    | { kind: "neighbours"; customers: number };

export interface RecommendedItem { item: Item; score: number; reason: RecommendationReason }

export interface RecommendationsResult {
    stats: { baskets: number; items: number; mean_basket: number; largest_basket: number;
             max_basket: number | null; capped_baskets: number; rules: number };
    /** Best-sellers, most baskets first (at most `items`). */
    popular: { item: Item; baskets: number }[];
    /** "Frequently bought together", for the best-selling items. */
    items: { item: Item; baskets: number; together: { item: Item; count: number; confidence: number; lift: number; score: number }[] }[];
    /** The best pair rules overall (at most `rules`, default 100), with every metric. */
    rules: { antecedent: Item; consequent: Item; count: number; support: number; confidence: number; lift: number;
             leverage: number; conviction: number | null; jaccard: number; cosine: number }[];
    /** Per customer, the most valuable first (at most `customers`). */
    customers: { customer_id: string; buy_again: RecommendedItem[]; also_like: RecommendedItem[]; next_basket: RecommendedItem[] }[];
    /** The holdout test against best-sellers; null when it cannot run (see `notes`). */
    evaluation: {
        k: number; holdout: string; customers: number; relevant: number; no_new_items: number;
        /** Distinct items in the training orders (at most `k`: outcome `all_items`). */
        items: number;
        recommender: RankingMetrics; popular: RankingMetrics; ratio: number | null; verdict: string;
        /** Items only one list found, and whether their split is beyond chance (exact sign test, p < 0.05). */
        only_recommender: number; only_popular: number; beyond_chance: boolean;
        /** Which list did better (`ltvlab::recommend::Outcome`), decided once in the core. */
        outcome: "untested" | "neither" | "only_recommender" | "better" | "worse" | "same" | "chance" | "all_items";
    } | null;
    /** The next-basket holdout: the blended list against P-TopFreq and G-TopFreq; null when it cannot run (see `notes`). */
    next_basket_evaluation: NextBasketEvaluation | null;
    /** The list each customer's `next_basket` is: the best of the holdout (the blended list without one). */
    next_basket_method: NextBasketMethod;
    /** The items due again soon; null for basket files. */
    due_soon: DueSoonList | null;
}

/** `g_top_freq`: best-sellers; `p_top_freq`: the customer's own most bought items; `next_basket`: the blended list. */
export type NextBasketMethod = "g_top_freq" | "p_top_freq" | "next_basket";

/** See `ltvlab::recommend::NextBasketEvaluation`. */
export interface NextBasketEvaluation {
    /** `last_order` or `cutoff YYYY-MM-DD`. */
    holdout: string;
    /** Customers with a history and a held-out order; `customers` of them are scored (at most 5,000, evenly spread). */
    held_out_customers: number;
    customers: number; customers_with_repeat: number; customers_with_new: number;
    relevant: number; relevant_repeat: number;
    /** Distinct items in the training orders (at most 10: outcome `all_items`). */
    items: number;
    decay: { within: number; group: number };
    alpha: number;
    /** G-TopFreq, P-TopFreq and the blended list, in that order. */
    methods: { method: NextBasketMethod; at: NextBasketScores[] }[];
    /** The simplest list unless a later one beats it at Recall@10 beyond chance (sign test on `only_found`). */
    best: NextBasketMethod;
    /** The other list with the highest Recall@10 (ties to the simpler). */
    runner_up: NextBasketMethod;
    /** `only_found[a][b]`: held-out items in list a's top 10 and not in list b's (lists in `methods`' order). */
    only_found: number[][];
    /** How `best` compares with `runner_up`, decided in the core. */
    outcome: NextOutcome;
    /** In English; the page writes its own. */
    verdict: string;
}

/** See `ltvlab::recommend::NextOutcome`. */
export type NextOutcome = "untested" | "none" | "only" | "better" | "same" | "chance" | "all_items";

/** One list's scores at k = 5, 10 or 20: every held-out item, the ones bought before, the new ones. */
export interface NextBasketScores { k: number; all: RankingMetrics; repeat: RankingMetrics; new: RankingMetrics }

/** See `ltvlab::report::DueSoonList`. */
export interface DueSoonList {
    /** ISO date counted from: the last order day. */
    as_of: string;
    within_days: number;
    /** Rows due soon in all; `rows` holds the first `due_soon` of them. */
    total: number;
    rows: {
        customer_id: string; item: Item; purchase_days: number; last_date: string;
        interval_days: number; interval_from: "own" | "item";
        /** The customers whose own intervals give it: 1 for "own"; for "item", those who bought it on two days or more. */
        interval_customers: number; due_date: string;
    }[];
}

export interface RankingMetrics { hit_rate: number; precision: number; recall: number; map: number; ndcg: number; hits: number }

/** Why a section is missing or limited, for the page to explain. */
export interface Note {
    code: "cohorts_failed" | "evaluate_failed" | "no_customers" | "no_items" | "no_order_history" | "outlying_dates_left_out"
        | "predict_failed" | "segments_failed" | "summary_period_needed" | "validation_failed" | "whatif_failed"
        | "groups_failed" | "group_effects_failed"
        | "product_effects_failed" | "product_effects_skipped" | "no_subscriptions" | "subscription_fit_failed" | "short_history" | "order_gap" | "large_orders";
    /** The library's message, in English. */
    message: string;
    /** The error behind the note, if it stands for one: the page says it in its own language. */
    error: { code: ErrorCode; params: ErrorParams } | null;
}

/** What a model fit or a prediction noticed (see `ltvlab::Diagnostic`): the page says it from `code` and `params`. */
export interface Diagnostic {
    code: "param_at_bound" | "not_converged" | "prior_sets_direction" | "prior_dominated" | "no_standard_errors"
        | "dropout_not_identified" | "dropout_from_prior" | "spend_no_positive_repeat" | "spend_fit_failed" | "negative_spend_left_out"
        | "non_positive_spend_left_out" | "resamples_failed" | "spend_resamples_failed"
        | "covariate_group_small" | "covariate_spend_failed" | "covariate_no_intervals";
    /** The model that noticed it, e.g. "bgnbd" or "gammagamma". */
    model?: string;
    params: ErrorParams;
    /** The error behind it, when it stands for one. */
    error?: { code: ErrorCode; params: ErrorParams };
    /** The library's message, in English, without the model's name. */
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
    /** True in the first figures of `finishInPhases()`: the model sections (predictions, model_choice, segments, allowable_cpo, groups, validation, whatif) are null until its `ModelsResult`. */
    models_pending: boolean;
    /** Monthly acquisition cohorts; see `ltvlab::cohorts::CohortReport`. Null without dated customers. */
    cohorts: CohortReport | null;
    /** RFM segments and follow-up lists; see `ltvlab::segments::SegmentReport`. Null without dated customers. */
    segments: SegmentReport | null;
    /** 許容CPO from a new customer's two LTVs at the margin; see `ltvlab::report::AllowableCpo`. Null without a what-if model. */
    allowable_cpo: AllowableCpo | null;
    /** The repeat funnel F1→F5 and the F2 conversion rate; see `ltvlab::funnel`. Null without dated customers. */
    repeat_funnel: FunnelReport | null;
    /** Customers in ten spend groups (deciles); see `ltvlab::deciles`. Null without dated customers. */
    deciles: DecileReport | null;
    /** RFM as A–E ranks and the R × F table; see `ltvlab::rfm_ranks`. Null without dated customers. */
    rfm_ranks: RfmRankReport | null;
    /** Repeat rate and LTV by channel and by first product; see `ltvlab::groups`. Null without dated customers. */
    groups: GroupReport | null;
    /** 定期 retention by delivery number with the sBG fit; see `ltvlab::subscription`. Null without subscription evidence (note `no_subscriptions`). */
    subscription: SubscriptionReport | null;
    /** The holdout test: the model fitted on the first 75% of the dates, compared with the rest. Null for summary files. */
    validation: Validation | null;
    /** The longest stretch without an order, when it is long enough to matter (note `order_gap`); see `ltvlab::report::OrderGap`. */
    order_gap: OrderGap | null;
    /** Orders of 20 times the median order or more, when they make 5% of the revenue or more (note `large_orders`); see `ltvlab::report::LargeOrders`. */
    large_orders: LargeOrders | null;
    /** The fitted shop model for what-if scenarios, or null when it cannot be fitted (see `notes`). Not cloneable: keep it in the worker and `free()` it. */
    whatif: WhatIf | null;
    notes: Note[];
}

/** See `ltvlab::report::OrderGap`: days as ISO dates. */
export interface OrderGap {
    /** The first and last day without an order. */
    from: string;
    to: string;
    days: number;
    order_days: number;
    span_days: number;
    /** Whether the stretch explains the holdout's miss (before it for `under`, inside it for `over`); false in the first figures. */
    explains_holdout: boolean;
}

/** See `ltvlab::report::LargeOrders`: values in the file's currency. */
export interface LargeOrders {
    orders: number;
    customers: number;
    median_order: number;
    /** An order of this many times the median or more is large (20). */
    multiple: number;
    revenue: number;
    revenue_share: number;
    /** The share of the predictions' summed CLV held by the customers with a large order; null in the first figures and without predictions. */
    clv_share: number | null;
    /** The customers with the most value in large orders, the largest first (at most 5). */
    named: LargeCustomer[];
    /** The acquisition cohorts' labels (as in `cohorts`) that hold a customer with a large order. */
    cohorts: string[];
}

/** See `ltvlab::report::LargeCustomer`. */
export interface LargeCustomer {
    customer_id: string;
    orders: number;
    value: number;
    /** Their 12-month CLV; null in the first figures and without predictions. */
    clv: number | null;
}

/** The stages of `Analysis.finishDashboard()`, in the order they run. */
export type AnalysisStage = "ingest" | "summary" | "sections" | "models" | "simulator" | "segments" | "validation" | "result";

/** What `Analysis.finishInPhases()` returns after its first figures: the model sections, as in `AnalysisResult`, and the models phase's notes (to append to the first figures' notes). */
export interface ModelsResult {
    predictions: PredictionsResult | null;
    model_choice: ModelChoice | null;
    /** True when `recommend()` will compute the recommendations. */
    recommendations_pending: boolean;
    segments: SegmentReport | null;
    allowable_cpo: AllowableCpo | null;
    groups: GroupReport | null;
    validation: Validation | null;
    /** The first figures' `order_gap`, with `explains_holdout` now decided. */
    order_gap: OrderGap | null;
    /** The first figures' `large_orders`, with the forecast's share and each named customer's CLV. */
    large_orders: LargeOrders | null;
    whatif: WhatIf | null;
    notes: Note[];
}

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
    /** Whether the prediction missed the actual total (`ltvlab::validate::holdout_total`). */
    total: "close" | "under" | "over";
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
    /** For Pareto/NBD, `a` and `b` carry s and β. */
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
    diagnostics: Diagnostic[];
}

export interface CohortStats {
    customers: number; orders: number; revenue: number; repeat_rate: number;
    median_days_between_orders: number | null; median_days_to_second_order: number | null;
}

export interface CohortReport {
    period: "month" | "week";
    by: "none" | "first_item" | "group";
    observation_end: string;
    /** Purchases dated decades away from the bulk, left out (see the note `outlying_dates_left_out`). */
    outlying_purchases: number;
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
    /** Repeat customers silent past their pace, still P(alive) ≥ 0.2, by value at risk. */
    overdue: TimingList;
    /** Customers whose median next order is within 30 days, by P(order within 30 days). */
    due_soon: TimingList;
    nps: { nps: number; promoters: SegmentStats; passives: SegmentStats; detractors: SegmentStats; unscored: number } | null;
    /** Each summary customer's segment (its index in `segments`; 255: none) and R, F and M scores
     * (1 to 5; 0: none), as columns in the summary's row order. */
    customers: { segment: Uint8Array; r: Uint8Array; f: Uint8Array; m: Uint8Array };
}

/** See `ltvlab::segments::TimingList`: `probably_gone` counts the overdue left off as probably gone. */
export interface TimingList {
    count: number;
    probably_gone: number;
    customers: TimedCustomer[];
}

/** See `ltvlab::segments::TimedCustomer`; the next-order dates are ISO, null when more likely gone. */
export interface TimedCustomer {
    customer_id: string; last_order: string; days_since_last_order: number; orders: number;
    p_alive: number; value_at_risk: number; p_purchase_30d: number;
    /** P(still a customer 90 days after the observation end); null without the model's timing. */
    p_alive_90d: number | null;
    next_order: string | null; next_order_low: string | null; next_order_high: string | null;
    reason: TimingReason;
}

/** Why a customer is on a timing list: a code with its numbers (the page words it). */
export type TimingReason =
    | { code: "silent_past_pace"; silent_days: number; pace_days: number }
    | { code: "due_soon"; in_days: number; p_purchase_30d: number };

/** F1 to F5: `steps[k - 1].customers` have at least k purchases; `f2_rate` is F2 / F1 (F2転換率). */
export interface Funnel {
    customers: number;
    f2_rate: number | null;
    steps: { orders: number; customers: number; share: number | null; conversion: number | null }[];
}

/** See `ltvlab::funnel::FunnelReport`. `within` counts purchases within `days` of the first, among customers observed at least `days`. */
export interface FunnelReport {
    observation_end: string;
    overall: Funnel;
    within: { days: number; funnel: Funnel }[];
    by_month: { month: string; overall: Funnel; within: { days: number; funnel: Funnel }[] }[];
    /** Customers with exactly `orders` purchases (購入回数分布); the last bucket is `orders` or more. */
    distribution: { orders: number; or_more: boolean; customers: number; share: number | null }[];
}

/** See `ltvlab::report::AllowableCpo`: `model` (a new customer's value over the horizon, first order included) and `formula` are the two LTVs at the margin; `target_*` the CPO for LTV:CAC = `target_ltv_to_cac`. */
export interface AllowableCpo {
    margin: number; horizon_months: number; model: number; formula: number | null;
    target_ltv_to_cac: number; target_model: number; target_formula: number | null;
}

export interface RankCount { rank: "A" | "B" | "C" | "D" | "E"; customers: number; customer_share: number; revenue: number; revenue_share: number }

/** See `ltvlab::rfm_ranks::RfmRankReport`: ranks A (best) to E on R, F and M; `r_by_f[r][f]` counts customers by R rank (rows) and F rank (columns). */
export interface RfmRankReport {
    observation_end: string;
    customers: number;
    /** The lowest revenue in M ranks A to E (null for an empty rank). */
    monetary_thresholds: (number | null)[];
    recency: RankCount[];
    frequency: RankCount[];
    monetary: RankCount[];
    r_by_f: number[][];
    /** R and F ranks 90 days before the end (rows A to E) against now (columns), for those who had bought by then. */
    migration: { from: string; customers: number; recency: number[][]; frequency: number[][] } | null;
}

/** One group of `ltvlab::groups::GroupReport`: new customers counted once, by their first purchase. */
export interface GroupRow {
    kind: "all" | "value" | "other" | "missing";
    /** The channel or product; null for the total, other and missing rows. */
    name: string | null;
    /** The product's id when the file names it apart from its id. */
    id: string | null;
    /** Values in the row: 1, or the values pooled in "other". */
    values: number;
    customers: number; share: number;
    repeat_customers: number; repeat_rate: number;
    /** Customers observed `f2_window_days`, and those of them with a second purchase within it. */
    f2_customers: number; f2_converted: number; f2_rate: number | null;
    orders: number; orders_per_customer: number;
    revenue: number; revenue_share: number; aov: number | null; revenue_per_customer: number;
    /** Margin applied, as the predictions' formula LTV. */
    formula_ltv: number | null;
    /** Mean of the prediction table's `clv` over the group; null without predictions. */
    model_ltv: number | null;
    /** Fewer than `min_customers` customers. */
    small: boolean;
    /** Repeat rate minus the baseline's (two-proportion z, Holm-adjusted); null for the baseline and small groups. */
    repeat_rate_difference: {
        difference: number; low: number; high: number; p_value: number; adjusted_p_value: number; significant: boolean;
    } | null;
}

/** A breakdown of `GroupReport`: named groups largest first, then other, then missing; `highest`/`lowest` index the named groups most significantly above/below `baseline`. */
export interface GroupBreakdown {
    baseline: string | null;
    groups: GroupRow[];
    highest: number | null;
    lowest: number | null;
    /** With predictions: the models with the group as a covariate (the channel always; the first product up to `product_effects_max_customers`, else the note `product_effects_skipped`). */
    effects?: CovariateReport;
}

/** An estimate and its interval (null ends without a covariance). */
export interface CovariateEstimate { value: number; low: number | null; high: number | null }

/** See `ltvlab::models::CovariateReport`: the purchase and spend models with a group covariate. */
export interface CovariateReport {
    model: "bgnbd" | "mbgnbd" | "pareto";
    prior: string;
    level: number;
    horizon_months: number;
    horizon_periods: number;
    /** The largest group's name, which the multipliers compare with. */
    baseline: string | null;
    params: Record<string, number>;
    coefficients: {
        effect: "purchase" | "dropout" | "dropout_a" | "dropout_b" | "spend";
        group: number; estimate: number; standard_error: number | null; low: number | null; high: number | null;
    }[];
    log_likelihood: number;
    log_likelihood_without: number;
    lr_test: { statistic: number; df: number; p_value: number };
    customers: number;
    converged: boolean;
    groups: {
        kind: "value" | "other" | "missing";
        name: string | null;
        values: number;
        baseline: boolean;
        customers: number;
        repeaters: number;
        small: boolean;
        params: Record<string, number>;
        purchase_multiplier: CovariateEstimate;
        dropout_multiplier: CovariateEstimate;
        spend_multiplier: CovariateEstimate | null;
        expected_purchases: CovariateEstimate;
        mean_spend: CovariateEstimate | null;
        /** A new customer's repeat revenue over the horizon (undiscounted, before margin). */
        expected_value: CovariateEstimate | null;
    }[];
    spend: { params: Record<string, number>; log_likelihood: number; customers: number } | null;
    diagnostics: Diagnostic[];
}

/** See `ltvlab::groups::GroupReport`: `by_channel` needs a group column, `by_first_product` items. */
export interface GroupReport {
    observation_end: string;
    f2_window_days: number;
    min_customers: number;
    confidence: number;
    total: GroupRow;
    by_channel: GroupBreakdown | null;
    by_first_product: GroupBreakdown | null;
}

/** See `ltvlab::subscription::SubscriptionReport`: 継続率 (retention) and 離脱率 (churn) by delivery number, from `first_delivery` (3 when inferred from intervals). */
export interface SubscriptionReport {
    evidence: "flag" | "intervals";
    observation_end: string;
    subscribers: number;
    deliveries: number;
    cycle_days: number;
    first_delivery: number;
    average_delivery_value: number;
    margin: number;
    observed: { delivery: number; at_risk: number; received: number; retention: number; churn: number | null; share: number }[];
    /** The sBG fit (Fader & Hardie 2007) on the censored lifetimes; null when it cannot be fitted (note `subscription_fit_failed`). */
    fit: {
        alpha: number; beta: number; alpha_se: number | null; beta_se: number | null; log_likelihood: number;
        curve: { delivery: number; retention: number; churn: number | null; interval: [number, number] | null }[];
        projected_from: number;
        expected_deliveries: number; expected_deliveries_interval: [number, number] | null;
        mean_deliveries: number | null;
        ltv: number; ltv_interval: [number, number] | null;
    } | null;
    half_gone_by: number | null;
    by_month: { month: string; subscribers: number; retention: number[] }[];
}

/** See `ltvlab::deciles::DecileReport`: decile 1 holds the highest spenders. */
export interface DecileReport {
    customers: number;
    revenue: number;
    orders: number;
    deciles: {
        decile: number; customers: number; revenue: number; orders: number;
        mean_revenue: number | null; min_revenue: number | null; max_revenue: number | null;
        customer_share: number; revenue_share: number; order_share: number;
        cumulative_customer_share: number; cumulative_revenue_share: number; cumulative_order_share: number;
    }[];
}
"##;

/// The channel shift's types (`WhatIf.channelShift`): only in the app build.
#[cfg(feature = "app")]
#[wasm_bindgen(typescript_custom_section)]
const SHIFT_TYPES: &'static str = r##"
/** A shift of new customers between channels; see `ltvlab::simulate::ChannelShift`. */
export interface ChannelShift {
    /** The channel new customers move from (A), as the channel effects name it. */
    from: string;
    /** The channel they move to (B). */
    to: string;
    /** Share of A's new customers moved, above 0 and at most 1. */
    share: number;
    /** A's new customers the share is of; missing or null: A's customers in the data. */
    new_customers?: number | null;
}

/** What `WhatIf.channelShift` returns; see `ltvlab::simulate::ShiftOutcome`. Money is the gross profit of repeat orders over the horizon. */
export interface ShiftOutcome {
    from: string;
    to: string;
    share: number;
    new_customers: number;
    /** Whether `new_customers` is A's customers in the data (none given). */
    new_customers_from_data: boolean;
    /** B's new customers beside A's at the data's mix. */
    to_customers: number;
    /** `share × new_customers`. */
    moved: number;
    margin: number;
    horizon_months: number;
    level: number;
    /** A new customer of A: margin × expected repeat revenue over the horizon. */
    from_value: number;
    to_value: number;
    /** Both channels' new customers as they are. */
    baseline: number;
    /** The baseline plus the change. */
    scenario: number;
    /** The change with its interval (null ends without a covariance). */
    change: CovariateEstimate;
}
"##;
