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

//! The analysis itself is [`crate::report`]: this folder only converts
//! options in and the report out. Its rooms:
//! - `typescript`: the TypeScript declarations of every option and result,
//!   checked against real results by `tests/browser/types.test.mjs`;
//! - `analysis`: the `Analysis` class (streaming ingest, then the report);
//! - `whatif`: the `WhatIf` class and `clvIntervals`, which read a summary
//!   back from the page;
//! - `preview`: the head of a file and its detected mapping;
//! - `split`: a file read in byte ranges across Web Workers (`FileSplit`,
//!   `RangeReader`, then `Analysis.fromRanges`);
//! - `options` and `plain`: strict options (an unknown field is an error);
//! - `dto`: the result shapes that differ from the core's (per-customer
//!   columns as `Float64Array`s).
//!
//! The calculator build (no `app` feature) has only `simulateFormula`,
//! `version` and `start`: every app room is behind the feature.

#[cfg(feature = "app")]
use serde::Deserialize;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::simulate::{FormulaInputs, Scenario};

#[cfg(feature = "app")]
mod analysis;
#[cfg(feature = "app")]
mod dto;
#[cfg(feature = "app")]
mod options;
#[cfg(feature = "app")]
mod plain;
#[cfg(feature = "app")]
mod preview;
#[cfg(feature = "app")]
mod split;
mod typescript;
#[cfg(feature = "app")]
mod whatif;

#[cfg(feature = "app")]
pub use analysis::Analysis;
#[cfg(feature = "app")]
use plain::Plain;
#[cfg(feature = "app")]
pub use preview::preview;
#[cfg(feature = "app")]
pub use split::{FileSplit, RangeReader};
#[cfg(feature = "app")]
use whatif::summary_from_js;
#[cfg(feature = "app")]
pub use whatif::{clv_intervals, WhatIf};

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
/// (`p_alive`, `expected_purchases`, `expected_order_value`, `clv`, and the
/// timing's `p_purchase_30d`, `p_purchase_90d`, `next_order_*_days`,
/// `p_alive_30d`, `p_alive_90d`, `p_one_purchase_90d`,
/// `p_two_or_more_purchases_90d`, written as in `ltvlab predict --timing`) or `null`, and `clvIntervals`' result (`clv_low`, `clv_high`, `value_low`,
/// `value_high`; written as `expected_clv_low`, `expected_clv_high`,
/// `value_low`, `value_high`) or `null`, and the segments' per-customer
/// columns (`SegmentReport.customers`: written as `segment`, `r`, `f`, `m`,
/// see [`crate::export::customers_csv_with_segments`]) or `null`. Lines end
/// in CRLF; no BOM.
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
        unchecked_param_type = "{ p_alive: ArrayLike<number>; expected_purchases: ArrayLike<number>; expected_order_value: ArrayLike<number>; clv: ArrayLike<number>; p_purchase_30d?: ArrayLike<number>; p_purchase_90d?: ArrayLike<number>; next_order_p10_days?: ArrayLike<number>; next_order_median_days?: ArrayLike<number>; next_order_p90_days?: ArrayLike<number>; p_alive_30d?: ArrayLike<number>; p_alive_90d?: ArrayLike<number>; p_one_purchase_90d?: ArrayLike<number>; p_two_or_more_purchases_90d?: ArrayLike<number> } | null | undefined"
    )]
    predictions: JsValue,
    #[wasm_bindgen(
        unchecked_param_type = "{ clv_low: ArrayLike<number>; clv_high: ArrayLike<number>; value_low: ArrayLike<number>; value_high: ArrayLike<number> } | null | undefined"
    )]
    intervals: JsValue,
    #[wasm_bindgen(
        unchecked_param_type = "{ segment: ArrayLike<number>; r: ArrayLike<number>; f: ArrayLike<number>; m: ArrayLike<number> } | null | undefined"
    )]
    segments: JsValue,
) -> Result<String, JsError> {
    #[derive(Deserialize)]
    struct SegmentsIn {
        segment: Vec<u8>,
        r: Vec<u8>,
        f: Vec<u8>,
        m: Vec<u8>,
    }
    #[derive(Deserialize)]
    struct ModelIn {
        p_alive: Vec<f64>,
        expected_purchases: Vec<f64>,
        expected_order_value: Vec<f64>,
        clv: Vec<f64>,
        // The timing columns (NaN: no percentile), written when all are given.
        #[serde(default)]
        p_purchase_30d: Option<Vec<f64>>,
        #[serde(default)]
        p_purchase_90d: Option<Vec<f64>>,
        #[serde(default)]
        next_order_p10_days: Option<Vec<f64>>,
        #[serde(default)]
        next_order_median_days: Option<Vec<f64>>,
        #[serde(default)]
        next_order_p90_days: Option<Vec<f64>>,
        #[serde(default)]
        p_alive_30d: Option<Vec<f64>>,
        #[serde(default)]
        p_alive_90d: Option<Vec<f64>>,
        #[serde(default)]
        p_one_purchase_90d: Option<Vec<f64>>,
        #[serde(default)]
        p_two_or_more_purchases_90d: Option<Vec<f64>>,
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
    let segments: Option<SegmentsIn> = optional(segments, "segments")?;
    // The page's segment index (its position in Segment::ALL; 255: none).
    let segment: Option<Vec<Option<crate::segments::Segment>>> = segments.as_ref().map(|s| {
        s.segment
            .iter()
            .map(|&k| crate::segments::Segment::ALL.get(usize::from(k)).copied())
            .collect()
    });
    crate::export::customers_csv_with_segments(
        &summary,
        model.as_ref().map(|m| crate::export::ModelColumns {
            p_alive: &m.p_alive,
            expected_purchases: &m.expected_purchases,
            expected_order_value: &m.expected_order_value,
            clv: &m.clv,
            timing: match (
                (&m.p_purchase_30d, &m.p_purchase_90d),
                (
                    &m.next_order_p10_days,
                    &m.next_order_median_days,
                    &m.next_order_p90_days,
                ),
                (&m.p_alive_30d, &m.p_alive_90d),
                (&m.p_one_purchase_90d, &m.p_two_or_more_purchases_90d),
            ) {
                (
                    (Some(p30), Some(p90)),
                    (Some(low), Some(median), Some(high)),
                    (Some(alive30), Some(alive90)),
                    (Some(one), Some(more)),
                ) => Some(crate::export::TimingColumns {
                    p_purchase_30d: p30,
                    p_purchase_90d: p90,
                    next_order_median_days: median,
                    next_order_p10_days: low,
                    next_order_p90_days: high,
                    p_alive_30d: alive30,
                    p_alive_90d: alive90,
                    p_one_purchase_90d: one,
                    p_two_or_more_purchases_90d: more,
                }),
                _ => None,
            },
        }),
        intervals.as_ref().map(|i| crate::export::IntervalColumns {
            expected_clv_low: &i.clv_low,
            expected_clv_high: &i.clv_high,
            value_low: &i.value_low,
            value_high: &i.value_high,
        }),
        segments
            .as_ref()
            .zip(segment.as_deref())
            .map(|(s, segment)| crate::export::SegmentColumns {
                segment,
                r: &s.r,
                f: &s.f,
                m: &s.m,
            }),
    )
    .map_err(js_error)
}

/// A CSV table in the crate's one layout ([`crate::export::table_csv`]):
/// `header`, then `rows` of text, numbers or `null` (an empty cell); text
/// through the one rule against formula injection, quoted when needed; CRLF
/// line ends, no BOM. The page's recommendation export writes through it.
///
/// # Errors
///
/// Cells that are not text, numbers or `null`.
#[cfg(feature = "app")]
#[wasm_bindgen(js_name = csvTable)]
pub fn csv_table(
    #[wasm_bindgen(unchecked_param_type = "string[]")] header: JsValue,
    #[wasm_bindgen(unchecked_param_type = "(string | number | null)[][]")] rows: JsValue,
) -> Result<String, JsError> {
    let header: Vec<String> = serde_wasm_bindgen::from_value(header)
        .map_err(|err| js_error(crate::Error::options(format!("header: {err}"))))?;
    let rows: Vec<Vec<crate::export::Cell>> = serde_wasm_bindgen::from_value(rows)
        .map_err(|err| js_error(crate::Error::options(format!("rows: {err}"))))?;
    Ok(crate::export::table_csv(&header, &rows))
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

#[cfg(feature = "app")]
/// Deserializes `value` so that `deny_unknown_fields` holds: serde-wasm-bindgen
/// reads only a struct's own fields from an object and never sees the others,
/// so the value goes through [`Plain`], which keeps every key.
fn strict_from_js<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, String> {
    let plain: Plain = serde_wasm_bindgen::from_value(value)
        .map_err(|err| err.to_string().trim_start_matches("Error: ").to_owned())?;
    T::deserialize(plain).map_err(|err| err.0)
}

/// A column of numbers as a `Float64Array`.
#[cfg(feature = "app")]
fn column(values: impl Iterator<Item = f64>) -> JsValue {
    let values: Vec<f64> = values.collect();
    js_sys::Float64Array::from(values.as_slice()).into()
}

/// Plain objects instead of `Map`s, so the page can read fields directly.
fn to_js(value: &impl Serialize) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value
        .serialize(&serializer)
        .map_err(|err| JsError::new(&format!("cannot pass the result to JavaScript: {err}")))
}

/// The one conversion of library errors: a JavaScript `Error` whose message
/// is the English text (what the CLI prints), with the error's stable `code`
/// and its `params` (an object of strings and numbers) as properties, so the
/// page can say it in its own language (`CoreError` in the declarations).
fn js_error(err: crate::Error) -> JsError {
    let error = JsError::new(&err.to_string());
    // A clone is a second handle on the same JavaScript object.
    let object: JsValue = error.clone().into();
    let params = js_sys::Object::new();
    for (name, value) in err.params() {
        let value = match value {
            crate::Param::Text(text) => JsValue::from_str(&text),
            crate::Param::Number(n) => JsValue::from_f64(n),
        };
        // Setting a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&params, &JsValue::from_str(name), &value);
    }
    let _ = js_sys::Reflect::set(
        &object,
        &JsValue::from_str("code"),
        &JsValue::from_str(err.code().as_str()),
    );
    let _ = js_sys::Reflect::set(&object, &JsValue::from_str("params"), &params);
    error
}
