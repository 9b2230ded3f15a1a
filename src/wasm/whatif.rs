//! The `WhatIf` class (the what-if model of one analysis, kept in the
//! worker) and `clvIntervals`; both read a summary back from the page.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::options::PredictOptionsDto;
use super::{column, js_error, or_default, strict_from_js, to_js};
use crate::bootstrap::{bootstrap, Bootstrap, BootstrapOptions, BootstrapRun};
use crate::customers::Purchases;
use crate::models::CovariateReport;
use crate::models::{FitOptions, ModelKind, PurchaseModel};
use crate::simulate::{ChannelShift, Loyalty, Parameters, Scenario, ShopModel, SimulationOptions};
use crate::summary::{Period, Summary};

/// The fitted shop model of one analysis, for what-if scenarios and CLV
/// intervals after `Analysis.finish()`. The worker keeps it; the page posts
/// slider positions and gets numbers back.
#[wasm_bindgen]
pub struct WhatIf {
    model: ShopModel,
    summary: Summary,
    /// The analysis's channel effects, for the channel shift; `None` without
    /// a channel column (and in a helper built by `fromSummary`).
    effects: Option<CovariateReport>,
    /// The CLV-interval bootstrap under way on `summary`, if any
    /// (`startIntervals`).
    intervals: Option<BootstrapRun>,
}

impl WhatIf {
    /// The what-if of an analysis: its model, the summary it was fitted on
    /// and its channel effects.
    pub(super) fn new(
        model: ShopModel,
        summary: Summary,
        effects: Option<CovariateReport>,
    ) -> WhatIf {
        WhatIf {
            model,
            summary,
            effects,
            intervals: None,
        }
    }
}

#[wasm_bindgen]
impl WhatIf {
    /// Fits the shop model to a summary as `Analysis.finish()` returned it,
    /// with `model` (the result's `model_choice.model`; BG/NBD when
    /// `undefined`): the same model as the `whatif` of that result, for a
    /// second worker that computes the intervals while the first answers
    /// slider moves.
    ///
    /// # Errors
    ///
    /// A summary not shaped like `SummaryResult`, an unknown model; the
    /// model's fit errors.
    #[wasm_bindgen(js_name = fromSummary)]
    pub fn from_summary(
        #[wasm_bindgen(unchecked_param_type = "SummaryResult")] summary: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ModelChoice[\"model\"] | undefined")] model: JsValue,
    ) -> Result<WhatIf, JsError> {
        let summary = summary_from_js(summary)?;
        let kind: Option<ModelKind> = or_default(model, "model", strict_from_js)?;
        let kind = kind.unwrap_or(ModelKind::BgNbd);
        let model =
            ShopModel::fit_with(&summary, kind, &FitOptions::default()).map_err(js_error)?;
        Ok(WhatIf {
            model,
            summary,
            effects: None,
            intervals: None,
        })
    }

    /// What moving `shift.share` of channel `shift.from`'s new customers to
    /// `shift.to` changes in the gross profit of their repeat orders over
    /// the channel effects' horizon, at gross `margin`
    /// (`ltvlab::simulate::channel_shift`).
    ///
    /// # Errors
    ///
    /// No channel effects in this analysis (`no_group_column`), an unknown
    /// field, or the core's refusals (an unknown, small or equal channel, a
    /// share outside `(0, 1]`, a margin outside `[0, 1]`), with their codes.
    #[wasm_bindgen(js_name = channelShift, unchecked_return_type = "ShiftOutcome")]
    pub fn channel_shift(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ChannelShift")] shift: JsValue,
        margin: f64,
    ) -> Result<JsValue, JsError> {
        let Some(effects) = &self.effects else {
            return Err(js_error(
                crate::Error::options(
                    "no channel effects in this analysis: map a channel column to the group role",
                )
                .with_code(crate::ErrorCode::NoGroupColumn),
            ));
        };
        let shift: ChannelShiftDto = strict_from_js(shift)
            .map_err(|err| js_error(crate::Error::options(format!("channel shift: {err}"))))?;
        let shift = ChannelShift {
            from: shift.from,
            to: shift.to,
            share: shift.share,
            new_customers: shift.new_customers,
        };
        let outcome = crate::simulate::channel_shift(effects, &shift, margin).map_err(js_error)?;
        to_js(&outcome)
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

    /// Starts the bootstrap of each customer's CLV interval from `samples`
    /// resamples of the summary this model keeps, as [`clv_intervals`]
    /// computes it on that summary posted back, without a second copy of
    /// the summary or a second wasm instance (a large shop's, where a helper
    /// worker's copy would cost hundreds of MB). `stepIntervals` then does
    /// the work a piece at a time, so that the worker answers the page
    /// between pieces; `finishIntervals` gives the result. A bootstrap
    /// already under way is dropped. This call itself makes the predictions
    /// the intervals are around: one piece of about a fit's time.
    ///
    /// # Errors
    ///
    /// As [`clv_intervals`], but for the count of fitted resamples, which
    /// `stepIntervals` reports.
    #[wasm_bindgen(js_name = startIntervals)]
    pub fn start_intervals(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "PredictOptions | undefined")] options: JsValue,
        samples: u32,
        seed: u32,
    ) -> Result<(), JsError> {
        self.intervals = None;
        let options = bootstrap_options(options, samples, seed)?;
        self.intervals = Some(BootstrapRun::new(&self.summary, &options).map_err(js_error)?);
        Ok(())
    }

    /// Does the next piece of the bootstrap `startIntervals` started (one
    /// resample's refit or valuation, or the intervals of up to `customers`
    /// customers) and says whether it is all done.
    ///
    /// # Errors
    ///
    /// No bootstrap under way, or the bootstrap's errors (fewer than half
    /// the resamples fitted); the bootstrap is then dropped.
    #[wasm_bindgen(js_name = stepIntervals)]
    pub fn step_intervals(&mut self, customers: u32) -> Result<bool, JsError> {
        let Some(run) = self.intervals.as_mut() else {
            return Err(no_intervals());
        };
        let step = run.step(&self.summary, customers as usize);
        if step.is_err() {
            self.intervals = None;
        }
        step.map_err(js_error)
    }

    /// The intervals of the bootstrap `startIntervals` started, the same
    /// numbers as [`clv_intervals`] on this model's summary; any work left is
    /// done now. The bootstrap is then over.
    ///
    /// # Errors
    ///
    /// As `stepIntervals`.
    #[wasm_bindgen(js_name = finishIntervals, unchecked_return_type = "ClvIntervals")]
    pub fn finish_intervals(&mut self) -> Result<JsValue, JsError> {
        let Some(run) = self.intervals.take() else {
            return Err(no_intervals());
        };
        intervals_to_js(&run.finish(&self.summary).map_err(js_error)?)
    }
}

/// The error of `stepIntervals` and `finishIntervals` without `startIntervals`.
fn no_intervals() -> JsError {
    js_error(crate::Error::options(
        "no CLV-interval bootstrap under way: call startIntervals first",
    ))
}

/// The bootstrap's options for the page's CLV intervals.
fn bootstrap_options(
    options: JsValue,
    samples: u32,
    seed: u32,
) -> Result<BootstrapOptions, JsError> {
    let predict: PredictOptionsDto = or_default(options, "predict options", strict_from_js)?;
    Ok(BootstrapOptions {
        samples: samples as usize,
        seed: u64::from(seed),
        predict: predict.to_core()?,
        values: true,
        ..BootstrapOptions::default()
    })
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
    let options = bootstrap_options(options, samples, seed)?;
    intervals_to_js(&bootstrap(&summary, &options).map_err(js_error)?)
}

/// The result of [`clv_intervals`] and `WhatIf.finishIntervals` for the page.
fn intervals_to_js(b: &Bootstrap) -> Result<JsValue, JsError> {
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
pub(super) fn summary_from_js(summary: JsValue) -> Result<Summary, JsError> {
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
    #[serde(default)]
    outlying_purchases: u64,
    guest_orders: u64,
    #[serde(default)]
    guest_revenue: f64,
    reversed_orders: u64,
    #[serde(default)]
    reversed_revenue: f64,
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
    /// Each customer's e-mail (`""`: none), when the file has an e-mail column.
    #[serde(default)]
    email: Option<Vec<String>>,
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
            c.email.as_ref().map(Vec::len),
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
                email: c
                    .email
                    .as_ref()
                    .map(|v| v[i].clone())
                    .filter(|e| !e.is_empty()),
            })
            .collect();
        Ok(Summary {
            period: self.period,
            observation_end: self.observation_end,
            customers,
            orders_after_end: self.orders_after_end,
            outlying_purchases: self.outlying_purchases,
            guest_orders: self.guest_orders,
            guest_revenue: self.guest_revenue,
            reversed_orders: self.reversed_orders,
            reversed_revenue: self.reversed_revenue,
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
    diagnostics: &'a [crate::Diagnostic],
}

/// A new customer's cumulative discounted value at months `0..=horizon`
/// under `p` (the levers applied): the first order, then each month's
/// expected repeat orders, as `ltvlab::simulate` computes LTV per customer,
/// so the last point is `ltv_per_customer.value`.
fn cumulative_value(p: &Parameters, periods_per_month: f64, o: &SimulationOptions) -> Vec<f64> {
    let Ok(model) = Purchases::new(p.model, [p.r, p.alpha, p.a, p.b]) else {
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

/// `ltvlab::simulate::ChannelShift`, strict.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelShiftDto {
    from: String,
    to: String,
    share: f64,
    #[serde(default)]
    new_customers: Option<f64>,
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
