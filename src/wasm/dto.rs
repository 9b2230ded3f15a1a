//! The result shapes that differ from the core's: the per-customer summary
//! and predictions as columns of `Float64Array`s (a worker posts 100k
//! customers to the page in one cheap structured clone), and the result of
//! `Analysis.finish()` around the core's sections. As declared in
//! `typescript.rs`.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::column;
use crate::cohorts::CohortReport;
use crate::deciles::DecileReport;
use crate::funnel::FunnelReport;
use crate::groups::GroupReport;
use crate::ingest::IngestReport;
use crate::predict::{BaseTotals, FormulaLtv, Predictions, SpendModel};
use crate::report::{
    AllowableCpo, ChosenModel, LargeOrders, Note, OrderGap, RecommendationsReport,
};
use crate::rfm_ranks::RfmRankReport;
use crate::segments::{Segment, SegmentReport};
use crate::subscription::SubscriptionReport;
use crate::summary::{Period, Summary};
use crate::validate::Validation;

/// What `Analysis.finish()` and `finishDashboard()` return (`whatif` is set
/// on the JavaScript object afterwards).
#[derive(Serialize)]
pub(super) struct AnalysisResult<'a> {
    pub(super) report: &'a IngestReport,
    pub(super) summary: Option<SummaryDto<'a>>,
    pub(super) predictions: Option<PredictionsDto<'a>>,
    pub(super) model_choice: Option<&'a ChosenModel>,
    pub(super) recommendations: Option<&'a RecommendationsReport>,
    pub(super) recommendations_pending: bool,
    /// True in `finishInPhases`' first figures: the model sections follow.
    pub(super) models_pending: bool,
    pub(super) cohorts: Option<&'a CohortReport>,
    pub(super) segments: Option<SegmentsDto<'a>>,
    pub(super) allowable_cpo: Option<&'a AllowableCpo>,
    pub(super) repeat_funnel: Option<&'a FunnelReport>,
    pub(super) deciles: Option<&'a DecileReport>,
    pub(super) rfm_ranks: Option<&'a RfmRankReport>,
    pub(super) groups: Option<&'a GroupReport>,
    pub(super) subscription: Option<&'a SubscriptionReport>,
    pub(super) validation: Option<&'a Validation>,
    pub(super) order_gap: Option<&'a OrderGap>,
    pub(super) large_orders: Option<&'a LargeOrders>,
    pub(super) notes: &'a [Note],
}

/// What `finishInPhases` returns after its first figures: the sections
/// the models phase adds, and its notes (`ModelsResult` in TypeScript).
#[derive(Serialize)]
pub(super) struct ModelsResult<'a> {
    pub(super) predictions: Option<PredictionsDto<'a>>,
    pub(super) model_choice: Option<&'a ChosenModel>,
    pub(super) recommendations_pending: bool,
    pub(super) segments: Option<SegmentsDto<'a>>,
    pub(super) allowable_cpo: Option<&'a AllowableCpo>,
    pub(super) groups: Option<&'a GroupReport>,
    pub(super) validation: Option<&'a Validation>,
    /// The first figures' `order_gap` with `explains_holdout` decided.
    pub(super) order_gap: Option<&'a OrderGap>,
    /// The first figures' `large_orders` with the forecast's share.
    pub(super) large_orders: Option<&'a LargeOrders>,
    pub(super) notes: &'a [Note],
}

#[derive(Serialize)]
pub(super) struct SummaryDto<'a> {
    period: Period,
    observation_end: Option<&'a str>,
    orders_after_end: u64,
    outlying_purchases: u64,
    guest_orders: u64,
    guest_revenue: f64,
    reversed_orders: u64,
    reversed_revenue: f64,
    customers: SummaryColumns,
}

#[derive(Serialize)]
struct SummaryColumns {
    /// `string[]`, as [`strings`] builds it.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    customer_id: JsValue,
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
    /// `string[] | null`.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    first_purchase: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    last_purchase: JsValue,
    /// Each customer's e-mail (`""`: none); left out (`undefined`) when no
    /// customer has one.
    #[serde(
        with = "serde_wasm_bindgen::preserve",
        skip_serializing_if = "JsValue::is_undefined"
    )]
    email: JsValue,
}

impl<'a> SummaryDto<'a> {
    pub(super) fn new(s: &'a Summary) -> SummaryDto<'a> {
        let c = &s.customers;
        // Summary files have none of these; transactions have all of them.
        let all = |f: fn(&crate::summary::CustomerSummary) -> Option<f64>| {
            c.iter().map(f).collect::<Option<Vec<f64>>>()
        };
        let dates = |f: fn(&'a crate::summary::CustomerSummary) -> Option<&'a str>| match c
            .iter()
            .map(f)
            .collect::<Option<Vec<&str>>>()
        {
            Some(dates) => strings(dates.into_iter()),
            None => JsValue::NULL,
        };
        SummaryDto {
            period: s.period,
            observation_end: s.observation_end.as_deref(),
            orders_after_end: s.orders_after_end,
            outlying_purchases: s.outlying_purchases,
            guest_orders: s.guest_orders,
            guest_revenue: s.guest_revenue,
            reversed_orders: s.reversed_orders,
            reversed_revenue: s.reversed_revenue,
            customers: SummaryColumns {
                customer_id: strings(c.iter().map(|c| c.customer_id.as_str())),
                frequency: column(c.iter().map(|c| c.frequency)),
                recency: column(c.iter().map(|c| c.recency)),
                t: column(c.iter().map(|c| c.t)),
                monetary_value: column(c.iter().map(|c| c.monetary_value)),
                orders: optional_column(all(|c| c.orders.map(f64::from))),
                total_spend: optional_column(all(|c| c.total_spend)),
                first_purchase: dates(|c| c.first_purchase.as_deref()),
                last_purchase: dates(|c| c.last_purchase.as_deref()),
                email: if c.iter().any(|c| c.email.is_some()) {
                    strings(c.iter().map(|c| c.email.as_deref().unwrap_or("")))
                } else {
                    JsValue::UNDEFINED
                },
            },
        }
    }
}

#[derive(Serialize)]
pub(super) struct PredictionsDto<'a> {
    purchase_model: &'a crate::predict::PurchaseFit,
    spend_model: &'a SpendModel,
    base: &'a BaseTotals,
    formula: &'a FormulaLtv,
    diagnostics: &'a [crate::Diagnostic],
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
    #[serde(with = "serde_wasm_bindgen::preserve")]
    p_purchase_30d: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    p_purchase_90d: JsValue,
    /// Days from the observation end to the 10th, 50th and 90th percentile
    /// of the next purchase (NaN: the customer is more likely gone).
    #[serde(with = "serde_wasm_bindgen::preserve")]
    next_order_p10_days: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    next_order_median_days: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    next_order_p90_days: JsValue,
    /// P(still a customer 30 / 90 days after the observation end).
    #[serde(with = "serde_wasm_bindgen::preserve")]
    p_alive_30d: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    p_alive_90d: JsValue,
    /// P(exactly one / two or more purchases in the next 90 days).
    #[serde(with = "serde_wasm_bindgen::preserve")]
    p_one_purchase_90d: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    p_two_or_more_purchases_90d: JsValue,
}

impl<'a> PredictionsDto<'a> {
    pub(super) fn new(p: &'a Predictions) -> PredictionsDto<'a> {
        let c = &p.customers;
        let days = |k: usize| {
            column(
                c.iter()
                    .map(|c| c.timing.next_order_days[k].unwrap_or(f64::NAN)),
            )
        };
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
                p_purchase_30d: column(c.iter().map(|c| c.timing.p_purchase_30d)),
                p_purchase_90d: column(c.iter().map(|c| c.timing.p_purchase_90d)),
                next_order_p10_days: days(0),
                next_order_median_days: days(1),
                next_order_p90_days: days(2),
                p_alive_30d: column(c.iter().map(|c| c.timing.p_alive_30d)),
                p_alive_90d: column(c.iter().map(|c| c.timing.p_alive_90d)),
                p_one_purchase_90d: column(c.iter().map(|c| c.timing.p_one_purchase_90d)),
                p_two_or_more_purchases_90d: column(
                    c.iter().map(|c| c.timing.p_two_or_more_purchases_90d),
                ),
            },
        }
    }
}

fn optional_column(values: Option<Vec<f64>>) -> JsValue {
    match values {
        Some(v) => column(v.into_iter()),
        None => JsValue::NULL,
    }
}

/// The segment report with its per-customer rows as columns in the
/// summary's row order (100k customers as four `Uint8Array`s rather than
/// 100k objects): `segment` is the index in `segments` (the core's
/// [`Segment::ALL`] order), `r`, `f` and `m` the scores 1 to 5; 255 and 0
/// for a summary customer without a segment.
#[derive(Serialize)]
pub(super) struct SegmentsDto<'a> {
    observation_end: &'a str,
    modeled: bool,
    overall: &'a crate::segments::SegmentStats,
    segments: &'a [crate::segments::NamedSegmentStats],
    follow_up: &'a [crate::segments::FollowUpList],
    overdue: &'a crate::segments::TimingList,
    due_soon: &'a crate::segments::TimingList,
    nps: &'a Option<crate::segments::NpsReport>,
    customers: SegmentColumns,
}

#[derive(Serialize)]
struct SegmentColumns {
    #[serde(with = "serde_wasm_bindgen::preserve")]
    segment: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    r: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    f: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    m: JsValue,
}

impl<'a> SegmentsDto<'a> {
    pub(super) fn new(report: &'a SegmentReport, summary: Option<&Summary>) -> SegmentsDto<'a> {
        let ids = summary.map_or(&[][..], |s| &s.customers[..]);
        // The segments list the summary's customers in its order: the map
        // is built only when they do not.
        let mut row: Option<rustc_hash::FxHashMap<&str, usize>> = None;
        let mut segment = vec![u8::MAX; ids.len()];
        let mut scores = [
            vec![0u8; ids.len()],
            vec![0u8; ids.len()],
            vec![0u8; ids.len()],
        ];
        for (k, c) in report.customers.iter().enumerate() {
            let same_row = ids.get(k).is_some_and(|s| s.customer_id == c.customer_id);
            let i = if same_row {
                Some(k)
            } else {
                row.get_or_insert_with(|| {
                    ids.iter()
                        .enumerate()
                        .map(|(i, c)| (c.customer_id.as_str(), i))
                        .collect()
                })
                .get(c.customer_id.as_str())
                .copied()
            };
            if let Some(i) = i {
                segment[i] = Segment::ALL
                    .iter()
                    .position(|&s| s == c.segment)
                    .map_or(u8::MAX, |k| k as u8);
                scores[0][i] = c.r;
                scores[1][i] = c.f;
                scores[2][i] = c.m;
            }
        }
        let bytes = |v: &[u8]| -> JsValue { js_sys::Uint8Array::from(v).into() };
        SegmentsDto {
            observation_end: &report.observation_end,
            modeled: report.modeled,
            overall: &report.overall,
            segments: &report.segments,
            follow_up: &report.follow_up,
            overdue: &report.overdue,
            due_soon: &report.due_soon,
            nps: &report.nps,
            customers: SegmentColumns {
                segment: bytes(&segment),
                r: bytes(&scores[0]),
                f: bytes(&scores[1]),
                m: bytes(&scores[2]),
            },
        }
    }
}

/// A column of strings as a JavaScript `string[]`, built from one string
/// split at a separator (one crossing of the boundary and one `split`),
/// instead of one crossing per string: at 63k customers, three columns
/// cost a fifth of the result's conversion that way. A column whose strings
/// hold the separator crosses one string at a time.
fn strings<'a>(values: impl Iterator<Item = &'a str> + Clone) -> JsValue {
    const SEPARATOR: char = '\u{1f}';
    let (mut text, mut count) = (String::new(), 0usize);
    for value in values.clone() {
        if value.contains(SEPARATOR) {
            return values
                .map(JsValue::from_str)
                .collect::<js_sys::Array>()
                .into();
        }
        if count > 0 {
            text.push(SEPARATOR);
        }
        text.push_str(value);
        count += 1;
    }
    if count == 0 {
        return js_sys::Array::new().into();
    }
    js_sys::JsString::from(text)
        .split(&SEPARATOR.to_string())
        .into()
}
