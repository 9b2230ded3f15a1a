//! The browser boundary, and the only module that knows about JavaScript.
//!
//! Modelled on ruff's `ruff_wasm`: one [`start`] that installs the panic hook,
//! one JS-facing class ([`Analysis`]) built from serde options, result shapes
//! that exist only here with their TypeScript declarations beside them, and one
//! place where library errors become `JsError`s ([`js_error`]).
//!
//! The page's Web Worker drives it like this:
//!
//! ```js
//! const analysis = new Analysis({ ingest: { returns: "net" }, summary: { period: "day" } });
//! for await (const chunk of file.stream()) analysis.push(chunk);
//! const { report, summary } = analysis.finish(); // frees `analysis`
//! ```

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::ingest::{Dataset, IngestOptions, IngestReport, Ingester};
use crate::summary::{summarize, Summary, SummaryOptions};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r##"
/** Options for `new Analysis(options)`; every field is optional. */
export interface AnalysisOptions {
    ingest?: IngestOptions;
    summary?: SummaryOptions;
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
    period?: "day" | "week" | "month";
    /** ISO date, e.g. "2024-12-31"; default: the last date in the data. */
    observation_end?: string;
    calibration_end?: string;
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

export type DecisionSource = "preset" | "header" | "content" | "override" | "default";

/** One customer's row of the summary; see `ltvlab::summary::CustomerSummary`. */
export interface CustomerSummary {
    customer_id: string;
    frequency: number;
    recency: number;
    T: number;
    monetary_value: number;
    /** The following are null for summary-file input. */
    first_purchase: string | null;
    last_purchase: string | null;
    orders: number | null;
    total_spend: number | null;
}

export interface Summary {
    period: "day" | "week" | "month";
    observation_end: string | null;
    customers: CustomerSummary[];
    orders_after_end: number;
    guest_orders: number;
    reversed_orders: number;
}

/** What `Analysis.finish()` returns. */
export interface AnalysisResult {
    report: IngestReport;
    /** Null for basket files, which have no customers or dates. */
    summary: Summary | null;
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

/// One analysis of one file: construct it with options, `push` the file's
/// bytes in chunks, then `finish`.
#[wasm_bindgen]
pub struct Analysis {
    ingester: Ingester,
    summary: SummaryOptions,
}

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
        let options: AnalysisOptions = if options.is_undefined() || options.is_null() {
            AnalysisOptions::default()
        } else {
            serde_wasm_bindgen::from_value(options)
                .map_err(|err| js_error(crate::Error::options(err.to_string())))?
        };
        Ok(Analysis {
            ingester: Ingester::new(options.ingest).map_err(js_error)?,
            summary: options.summary,
        })
    }

    /// Feeds the next chunk of the file's bytes; chunks may split anywhere.
    ///
    /// # Errors
    ///
    /// If the bytes so far cannot be a CSV file (binary, undecodable, ...).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        self.ingester.push(chunk).map_err(js_error)
    }

    /// Ends the input and returns `{ report, summary }`. Frees this object.
    ///
    /// # Errors
    ///
    /// If the file is empty, has no usable columns or rows, or the summary
    /// options do not fit the data.
    #[wasm_bindgen(unchecked_return_type = "AnalysisResult")]
    pub fn finish(self) -> Result<JsValue, JsError> {
        let ingested = self.ingester.finish().map_err(js_error)?;
        // Baskets have no customers or dates: their report is still worth
        // showing, and the page says what the file can be used for.
        let summary = match &ingested.data {
            Dataset::Baskets(_) => None,
            data => Some(summarize(data, &self.summary).map_err(js_error)?),
        };
        let result = AnalysisResult {
            report: &ingested.report,
            summary: summary.as_ref(),
        };
        // Plain objects instead of `Map`s, so the page can read fields directly.
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        result
            .serialize(&serializer)
            .map_err(|err| JsError::new(&format!("cannot pass the result to JavaScript: {err}")))
    }
}

/// `new Analysis(options)`'s argument, as declared in `AnalysisOptions` above.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct AnalysisOptions {
    ingest: IngestOptions,
    summary: SummaryOptions,
}

/// `Analysis.finish()`'s result, as declared in `AnalysisResult` above.
#[derive(Serialize)]
struct AnalysisResult<'a> {
    report: &'a IngestReport,
    summary: Option<&'a Summary>,
}

/// The one conversion of library errors: the page shows the message as is.
fn js_error(err: crate::Error) -> JsError {
    JsError::new(&err.to_string())
}
