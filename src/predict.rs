//! Per-customer predictions from a [`Summary`]: churn, future purchases,
//! order value and discounted lifetime value, with base totals and the
//! merchant's "formula LTV" beside the model's.
//!
//! [`predict`] fits the given purchase model ([`ModelKind::BgNbd`] in
//! [`PredictOptions::default`]; both doors choose it with
//! [`crate::validate::choose_model`], MBG/NBD when the holdout cannot
//! decide) on every customer's `(frequency, recency, T)` and the Gamma-Gamma
//! spend model on the repeat customers' `(frequency, monetary_value)`, then
//! values each customer with [`customer_lifetime_value`]. When Gamma-Gamma
//! cannot be fitted (too few repeat customers, no monetary values, or a
//! fitted `q <= 1`), every customer's expected order value falls back to the
//! base's observed mean order value and a diagnostic says why: no output is
//! ever NaN. Each customer also gets their next-order timing
//! ([`crate::customers::CustomerTiming`]: the chance of an order in the next
//! 30 and 90 days and the median and 80% range of the next order).
//!
//! # The formula LTV
//!
//! Merchants often compute `LTV = average order value × purchases per month ×
//! expected lifetime × margin`, with the expected lifetime `1 / churn rate`.
//! [`FormulaLtv`] computes it from the summary alone, with these definitions
//! (`W` is a window of 12 months in the summary's period, rounded: 365 days,
//! 52 weeks or 12 months):
//!
//! - **average order value**: `Σ total_spend / Σ orders` when the summary
//!   comes from transactions; for a summary file, which has no first-order
//!   values, the repeat-weighted mean `Σ frequency·monetary_value / Σ frequency`;
//! - **purchases per month**: repeat purchases per period of customer age,
//!   `Σ frequency / Σ T`, times the periods per month;
//! - **churn rate**: among the customers who have been customers for at
//!   least `W` (`T >= W`), the share not seen in the last `W`
//!   (`T - recency >= W`). If no customer is that old, `W` becomes half the
//!   oldest customer's age, rounded down (and at least one period);
//! - **expected lifetime** in months: `W / churn rate`, with `W` in months.
//!
//! It is undefined (`None`, with the reason in the explanation) when nobody
//! churned, nobody is old enough, or the base has no age.

use serde::Serialize;

use crate::customers::{
    churn_window, customer_timing, days_per_period, CustomerTiming, CustomerValue, LomaxWait,
};
use crate::models::{
    check_clv_inputs, customer_lifetime_value, lifetime_values, ClvOptions, Fit, FitOptions,
    GammaGamma, ModelKind, PurchaseModel, Rfm, RfmData, Spend,
};
use crate::summary::{CustomerSummary, Period, Summary};
use crate::{Diagnostic, DiagnosticCode, Error, Result};

/// How to predict. See the field docs for the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictOptions {
    /// The purchase model: BG/NBD, MBG/NBD or Pareto/NBD. Default
    /// [`ModelKind::BgNbd`].
    pub model: ModelKind,
    /// Horizon of expected purchases and lifetime value, in months, 1 to
    /// 1,200. Default 12.
    pub horizon_months: u32,
    /// Discount rate per month, `>= 0`. Default 0.01.
    pub monthly_discount_rate: f64,
    /// Share of each sale that is profit, in `[0, 1]`. Default 1 (value is
    /// revenue).
    pub margin: f64,
    /// How to fit both models. Default [`FitOptions::default`].
    pub fit: FitOptions,
}

impl Default for PredictOptions {
    fn default() -> PredictOptions {
        PredictOptions {
            model: ModelKind::BgNbd,
            horizon_months: 12,
            monthly_discount_rate: 0.01,
            margin: 1.0,
            fit: FitOptions::default(),
        }
    }
}

/// A fitted purchase model behind a trait object.
pub type PurchaseFit = Fit<Box<dyn PurchaseModel + Send + Sync>>;

/// Everything [`predict`] computes.
#[derive(Serialize)]
pub struct Predictions {
    /// The purchase model's fit.
    pub purchase_model: PurchaseFit,
    /// How expected order values were obtained.
    pub spend_model: SpendModel,
    /// One row per customer, in the summary's order.
    pub customers: Vec<CustomerPrediction>,
    /// Totals over the whole base.
    pub base: BaseTotals,
    /// The merchant's formula LTV beside the model's.
    pub formula: FormulaLtv,
    /// Warnings about the data or the fits, each with its code.
    pub diagnostics: Vec<Diagnostic>,
    /// Whether each row's [`CustomerPrediction::timing`] was computed
    /// ([`predict_with_timing`]); when not, the rows hold
    /// [`CustomerTiming::NOT_COMPUTED`] and [`Predictions::customer_timing`]
    /// computes it on demand.
    #[serde(skip)]
    timing_computed: bool,
}

/// How expected order values were obtained.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum SpendModel {
    /// Gamma-Gamma's conditional expected spend per customer.
    GammaGamma {
        /// The fit on the repeat customers with a positive monetary value.
        fit: Fit<GammaGamma>,
    },
    /// The base's observed mean order value for every customer.
    ObservedMean {
        /// The value used (see [`FormulaLtv::average_order_value`]).
        mean_order_value: f64,
        /// Why Gamma-Gamma was not used.
        reason: Diagnostic,
    },
}

/// One customer's predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerPrediction {
    /// The customer id.
    pub customer_id: String,
    /// Repeat purchase periods, as in the summary.
    pub frequency: f64,
    /// Periods from the first to the last purchase.
    pub recency: f64,
    /// Periods from the first purchase to the end of observation.
    #[serde(rename = "T")]
    pub t: f64,
    /// Mean value of the repeat purchase periods.
    pub monetary_value: f64,
    /// Probability that the customer is still active.
    pub p_alive: f64,
    /// `1 - p_alive`.
    pub p_churned: f64,
    /// Expected repeat purchases over the horizon.
    pub expected_purchases: f64,
    /// Expected value of each future purchase.
    pub expected_order_value: f64,
    /// Discounted lifetime value over the horizon, margin applied.
    pub clv: f64,
    /// When the next order is likely ([`crate::customers::CustomerTiming`]):
    /// `p_purchase_30d`, `p_purchase_90d`, `next_order_days` (10th, 50th and
    /// 90th percentile, days from the observation end) and `pace_days`.
    /// [`CustomerTiming::NOT_COMPUTED`] when [`predict_with_timing`] was told
    /// not to compute it ([`Predictions::customer_timing`] has it always).
    #[serde(flatten)]
    pub timing: CustomerTiming,
}

/// Totals over the whole base.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaseTotals {
    /// Customers valued.
    pub customers: usize,
    /// The horizon, in months.
    pub horizon_months: u32,
    /// The horizon in the summary's periods.
    pub horizon_periods: f64,
    /// The summary's period unit.
    pub period: Period,
    /// Expected purchases of the whole base over the horizon.
    pub expected_purchases: f64,
    /// Expected revenue of the whole base over the horizon: `Σ expected
    /// purchases × expected order value`, undiscounted, before margin.
    pub expected_revenue: f64,
    /// `Σ clv`: discounted, margin applied.
    pub total_clv: f64,
    /// Mean CLV per customer.
    pub mean_clv: f64,
    /// Expected repeat purchases of a newly acquired customer over the horizon.
    pub expected_purchases_new_customer: f64,
    /// Mean of `p_alive` over the base.
    pub mean_p_alive: f64,
    /// Whether the data show customers leaving at all: `false` when the
    /// weak prior rather than the data sets a dropout parameter (`a` or `b`,
    /// `s` or `β`; [`Fit::prior_dominated`]), or when the fitted model still
    /// calls a customer who bought twice in their first period and then not
    /// again for the longest time in the data more than
    /// [`DROPOUT_PROBE_P_ALIVE`] likely to be active ([`dropout_identified`]).
    /// Then `mean_p_alive` and the segments' P(alive) mean "no evidence of
    /// leaving", not "still active", and the page says so in words.
    pub dropout_identified: bool,
    /// Whether the weak prior sets the dropout and, so set, the model does
    /// see customers leaving (the probe of [`dropout_identified`] is at most
    /// [`DROPOUT_PROBE_P_ALIVE`]): the data (a short history, few repeat
    /// customers) do not say how fast customers leave, so the values follow
    /// the prior's churn. `dropout_identified` is then `false` too, but the values do not
    /// assume that everyone is still buying, and the page must not say they do.
    /// Small shops are mostly here.
    pub dropout_from_prior: bool,
}

/// How far the data show customers leaving ([`BaseTotals::dropout_identified`]
/// and [`BaseTotals::dropout_from_prior`]), with the diagnostic that says
/// it when they do not.
pub(crate) fn dropout_reading(
    fit: &PurchaseFit,
    longest_t: f64,
) -> (bool, bool, Option<Diagnostic>) {
    let from_prior_set = prior_sets_dropout(fit);
    let model_sees_dropout = dropout_identified(fit.model().as_ref(), longest_t);
    let identified = !from_prior_set && model_sees_dropout;
    let from_prior = from_prior_set && model_sees_dropout;
    let diagnostic = if from_prior {
        Some(Diagnostic::new(
            DiagnosticCode::DropoutFromPrior,
            "the data do not show how fast customers leave (short history or few repeat \
             customers): the weak prior sets the dropout, so P(alive) and the values follow \
             that assumption, not this shop's churn",
        ))
    } else if !identified {
        Some(Diagnostic::new(
            DiagnosticCode::DropoutNotIdentified,
            "the data show no customers leaving (a customer silent for the whole span is \
             still called active), so P(alive) cannot say who has churned",
        ))
    } else {
        None
    };
    (
        identified,
        from_prior,
        diagnostic.map(|d| d.model(fit.name())),
    )
}

/// Whether the weak prior rather than the data sets one of the fit's dropout
/// parameters (`a`, `b` of BG/NBD and MBG/NBD; `s`, `β` of Pareto/NBD).
pub(crate) fn prior_sets_dropout(fit: &PurchaseFit) -> bool {
    let dropout: &[&str] = match fit.name() {
        "pareto" => &["s", "beta"],
        _ => &["a", "b"],
    };
    fit.prior_dominated().iter().any(|p| dropout.contains(p))
}

/// The P(alive) above which the dropout probe of [`dropout_identified`]
/// counts as "the model sees no dropout".
pub const DROPOUT_PROBE_P_ALIVE: f64 = 0.95;

/// Whether `model` sees customers leaving in data whose oldest customer is
/// `longest_t` periods old: the P(alive) of a probe customer with one repeat
/// purchase one period (or a tenth of the span, if shorter) after the first
/// and nothing since, observed for `longest_t`, is at most
/// [`DROPOUT_PROBE_P_ALIVE`]. Such a customer has been silent for nearly the
/// whole span: a model that still thinks them almost surely active has no
/// dropout to speak of (BG/NBD with `a/(a+b) → 0`, Pareto/NBD with `s → 0`).
pub fn dropout_identified(model: &dyn PurchaseModel, longest_t: f64) -> bool {
    if !(longest_t > 0.0 && longest_t.is_finite()) {
        return false;
    }
    let recency = (longest_t / 10.0).min(1.0);
    match Rfm::new(1.0, recency, longest_t) {
        Ok(probe) => model.p_alive(&probe) <= DROPOUT_PROBE_P_ALIVE,
        Err(_) => false,
    }
}

/// The merchant's rule-of-thumb LTV (module docs give the definitions) and
/// the model's, side by side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormulaLtv {
    /// Average order value.
    pub average_order_value: f64,
    /// Repeat purchases per customer per month of customer age.
    pub purchases_per_month: f64,
    /// The churn window `W`, in months.
    pub churn_window_months: f64,
    /// Customers old enough to judge churn (`T >= W`).
    pub eligible_customers: usize,
    /// Share of the eligible customers not seen in the last `W`; `None`
    /// without eligible customers.
    pub churn_rate: Option<f64>,
    /// `W / churn_rate`, in months.
    pub expected_lifetime_months: Option<f64>,
    /// `average_order_value × purchases_per_month × expected_lifetime_months ×
    /// margin`: undiscounted, over the whole expected lifetime. Repeat
    /// purchases only, like `model_ltv` (the existing customers' future).
    pub formula_ltv: Option<f64>,
    /// A new customer's formula LTV, first order included:
    /// `average_order_value × (1 + purchases_per_month ×
    /// expected_lifetime_months) × margin`, what a CPO buys (the 許容CPO's
    /// formula row); `None` when `formula_ltv` is.
    pub new_customer_ltv: Option<f64>,
    /// The model's mean CLV per customer over the horizon.
    pub model_ltv: f64,
    /// The model's horizon, in months.
    pub horizon_months: u32,
    /// The difference in plain language, with the numbers.
    pub explanation: String,
}

/// Fits the purchase and spend models on `summary` and predicts every
/// customer.
///
/// # Formula
///
/// With horizon `H` months and `k` periods per month (from the summary's
/// [`Period`]): `p_alive` and `expected_purchases = E[Y(H k) | x, t_x, T]`
/// from the purchase model; `expected_order_value = E[Z | x, m]` from
/// Gamma-Gamma; `clv = margin · E[Z] · Σ_{i=1..H} (E[Y(i k)] - E[Y((i-1) k)])
/// / (1+d)^i` ([`customer_lifetime_value`]).
///
/// # Errors
///
/// - an [`crate::ErrorKind::Options`] error for options out of range or a
///   model that is not a purchase model;
/// - an [`crate::ErrorKind::Input`] error naming the customer if a summary
///   row is not a valid `(frequency, recency, T)` (e.g. recency above T);
/// - the purchase model's fit errors (e.g. too few customers).
pub fn predict(summary: &Summary, options: &PredictOptions) -> Result<Predictions> {
    predict_with_timing(summary, options, true)
}

/// [`predict`], with each customer's next-order timing computed only when
/// `timing` is true: it costs about as much as both fits on a large base,
/// and a caller that writes only the values (`ltvlab predict` without
/// `--timing`) does not need it. Without it, every row's
/// [`CustomerPrediction::timing`] is [`CustomerTiming::NOT_COMPUTED`] and
/// [`Predictions::customer_timing`] computes the timing when asked, the
/// same numbers [`predict`] gives.
///
/// # Errors
///
/// As [`predict`].
pub fn predict_with_timing(
    summary: &Summary,
    options: &PredictOptions,
    timing: bool,
) -> Result<Predictions> {
    check_options(options)?;
    let rows = rfm_rows(&summary.customers)?;
    let data = RfmData::new(&rows)?;
    let purchase_model = options.model.fit_purchase_model(&data, &options.fit)?;
    let average_order_value = average_order_value(&summary.customers);
    let spend_model = fit_spend(&summary.customers, average_order_value, &options.fit);
    let model_name = purchase_model.name();
    let mut diagnostics: Vec<Diagnostic> = purchase_model
        .diagnostics()
        .iter()
        .map(|d| d.clone().model(model_name))
        .collect();
    if let Some(note) = purchase_model.standard_errors_note() {
        // A parameter at a bound (typically dropout that the data cannot
        // show): say what that means for P(alive) in plain words.
        diagnostics.push(
            Diagnostic::new(
                DiagnosticCode::NoStandardErrors,
                format!(
                    "{note}; the data does not pin down how often customers stop buying, so \
                     P(alive) near 100% means no evidence of customers leaving, not certainty"
                ),
            )
            .model(model_name),
        );
    }
    match &spend_model {
        SpendModel::GammaGamma { fit } => diagnostics.extend(
            fit.diagnostics()
                .iter()
                .map(|d| d.clone().model(fit.name())),
        ),
        SpendModel::ObservedMean { reason, .. } => diagnostics.push(reason.clone()),
    }
    let negative = summary
        .customers
        .iter()
        .filter(|c| c.frequency > 0.0 && c.monetary_value < 0.0)
        .count();
    if negative > 0 && matches!(spend_model, SpendModel::ObservedMean { .. }) {
        diagnostics.push(
            Diagnostic::new(
                DiagnosticCode::NegativeSpendLeftOut,
                format!(
                    "{negative} repeat customers have a negative monetary value, which is not \
                     spend: they were left out of the observed mean order value"
                ),
            )
            .param("count", negative),
        );
    }
    let skipped = summary
        .customers
        .iter()
        .filter(|c| c.frequency > 0.0 && c.monetary_value <= 0.0)
        .count();
    if skipped > 0 && matches!(spend_model, SpendModel::GammaGamma { .. }) {
        diagnostics.push(
            Diagnostic::new(
                DiagnosticCode::NonPositiveSpendLeftOut,
                format!(
                    "{skipped} repeat customers with a monetary value of 0 or less were left out \
                     of the gamma-gamma fit; their expected order value is the model's mean"
                ),
            )
            .param("count", skipped),
        );
    }
    let values = value_customers(
        purchase_model.model().as_ref(),
        &data,
        &summary.customers,
        &spend_model,
        options,
        summary.period,
    )?;
    // Each customer's next-order timing, once per distinct (x, t_x, T),
    // when asked for.
    let timing_computed = timing;
    let timing = if timing_computed {
        customer_timing(
            purchase_model.model().as_ref(),
            lomax_wait(&purchase_model),
            &rows,
            summary.period,
        )
    } else {
        vec![CustomerTiming::NOT_COMPUTED; rows.len()]
    };
    let customers: Vec<CustomerPrediction> = summary
        .customers
        .iter()
        .zip(timing)
        .enumerate()
        .map(|(i, (c, timing))| CustomerPrediction {
            customer_id: c.customer_id.clone(),
            frequency: c.frequency,
            recency: c.recency,
            t: c.t,
            monetary_value: c.monetary_value,
            p_alive: values.p_alive[i],
            p_churned: 1.0 - values.p_alive[i],
            expected_purchases: values.expected_purchases[i],
            expected_order_value: values.expected_order_value[i],
            clv: values.clv[i],
            timing,
        })
        .collect();
    let n = customers.len();
    let horizon_periods = horizon_periods(options.horizon_months, summary.period);
    let total_clv: f64 = values.clv.iter().sum();
    let (dropout_identified, dropout_from_prior, dropout_diagnostic) =
        dropout_reading(&purchase_model, summary.oldest_t());
    let base = BaseTotals {
        customers: n,
        horizon_months: options.horizon_months,
        horizon_periods,
        period: summary.period,
        expected_purchases: values.expected_purchases.iter().sum(),
        expected_revenue: values
            .expected_purchases
            .iter()
            .zip(&values.expected_order_value)
            .map(|(p, v)| p * v)
            .sum(),
        total_clv,
        mean_clv: total_clv / n as f64,
        expected_purchases_new_customer: purchase_model
            .model()
            .expected_purchases_new(horizon_periods),
        mean_p_alive: values.p_alive.iter().sum::<f64>() / n as f64,
        dropout_identified,
        dropout_from_prior,
    };
    diagnostics.extend(dropout_diagnostic);
    let formula = formula_ltv(summary, average_order_value, options, base.mean_clv);
    Ok(Predictions {
        purchase_model,
        spend_model,
        customers,
        base,
        formula,
        diagnostics,
        timing_computed,
    })
}

impl Predictions {
    /// Each customer's next-order timing, in the summary's order (for
    /// [`crate::segments::segments_with_timing`]): the rows' own, or, when
    /// [`predict_with_timing`] left it out, computed now from the fit and
    /// the rows' `(frequency, recency, T)` as [`predict`] computes it.
    pub fn customer_timing(&self) -> Vec<CustomerTiming> {
        if self.timing_computed {
            return self.customers.iter().map(|c| c.timing).collect();
        }
        // The rows were checked by `predict`: each is a valid pattern.
        let rows: Vec<Rfm> = self
            .customers
            .iter()
            .filter_map(|c| Rfm::new(c.frequency, c.recency, c.t).ok())
            .collect();
        if rows.len() != self.customers.len() {
            return vec![CustomerTiming::NOT_COMPUTED; self.customers.len()];
        }
        customer_timing(
            self.purchase_model.model().as_ref(),
            lomax_wait(&self.purchase_model),
            &rows,
            self.base.period,
        )
    }

    /// Each customer's model values in the shape the segments use, from this
    /// one fit, horizon and margin (`clv` has the margin applied): so that
    /// the segments and the customer table tell one story.
    /// `days_between_orders` is `(α+T)/(r+x)` periods in days, the posterior
    /// mean rate's inverse of the NBD purchase process all three models
    /// share.
    pub fn customer_values(&self) -> Vec<CustomerValue> {
        let params = self.purchase_model.params();
        let r = params.get("r").unwrap_or(f64::NAN);
        let alpha = params.get("alpha").unwrap_or(f64::NAN);
        let days = days_per_period(self.base.period);
        self.customers
            .iter()
            .map(|c| CustomerValue {
                p_alive: c.p_alive,
                expected_spend: c.expected_order_value,
                expected_purchases: c.expected_purchases,
                clv: c.clv,
                value_if_alive: if c.p_alive > 0.0 {
                    c.clv / c.p_alive
                } else {
                    0.0
                },
                days_between_orders: (alpha + c.t) / (r + c.frequency) * days,
            })
            .collect()
    }
}

/// The merchant's formula LTV of `summary` (module docs), beside `model_ltv`,
/// the model's mean CLV per customer over `options.horizon_months`.
pub fn formula_ltv(
    summary: &Summary,
    average_order_value: f64,
    options: &PredictOptions,
    model_ltv: f64,
) -> FormulaLtv {
    let per_month = summary.period.per_month();
    let customers = &summary.customers;
    let total_frequency: f64 = customers.iter().map(|c| c.frequency).sum();
    let total_age: f64 = customers.iter().map(|c| c.t).sum();
    let purchases_per_month = if total_age > 0.0 {
        total_frequency / total_age * per_month
    } else {
        0.0
    };
    let window = churn_window(summary);
    let (eligible, churned) = customers.iter().filter(|c| c.t >= window).fold(
        (0usize, 0usize),
        |(eligible, churned), c| {
            (
                eligible + 1,
                churned + usize::from(c.t - c.recency >= window),
            )
        },
    );
    let churn_rate = (eligible > 0).then(|| churned as f64 / eligible as f64);
    let churn_window_months = window / per_month;
    let expected_lifetime_months = churn_rate
        .filter(|c| *c > 0.0)
        .map(|c| churn_window_months / c);
    let formula_ltv = expected_lifetime_months
        .filter(|_| total_age > 0.0)
        .map(|life| {
            crate::customers::formula_ltv(
                average_order_value,
                purchases_per_month,
                life,
                options.margin,
            )
        });
    let explanation = explain(
        average_order_value,
        purchases_per_month,
        churn_window_months,
        churn_rate,
        expected_lifetime_months,
        formula_ltv,
        model_ltv,
        options,
    );
    FormulaLtv {
        average_order_value,
        purchases_per_month,
        churn_window_months,
        eligible_customers: eligible,
        churn_rate,
        expected_lifetime_months,
        formula_ltv,
        new_customer_ltv: formula_ltv.map(|v| v + average_order_value * options.margin),
        model_ltv,
        horizon_months: options.horizon_months,
        explanation,
    }
}

/// The base's observed mean order value: `Σ total_spend / Σ orders` when
/// every row has them (transactions), else the repeat-weighted mean
/// `Σ frequency·monetary_value / Σ frequency`, else 0.
///
/// A negative monetary value (a refund, or a summary file's error) is not
/// spend: such rows are left out of the repeat-weighted mean, and the result
/// is never below 0.
pub fn average_order_value(customers: &[CustomerSummary]) -> f64 {
    let mut orders = 0.0;
    let mut spend = 0.0;
    let mut complete = !customers.is_empty();
    for c in customers {
        match (c.orders, c.total_spend) {
            (Some(o), Some(s)) => {
                orders += f64::from(o);
                spend += s;
            }
            _ => complete = false,
        }
    }
    if complete && orders > 0.0 {
        return (spend / orders).max(0.0);
    }
    let (weighted, repeats) = customers
        .iter()
        .filter(|c| c.frequency > 0.0 && c.monetary_value.is_finite() && c.monetary_value >= 0.0)
        .fold((0.0, 0.0), |(w, n), c| {
            (w + c.frequency * c.monetary_value, n + c.frequency)
        });
    if repeats > 0.0 {
        weighted / repeats
    } else {
        0.0
    }
}

// ---------------------------------------------------------------------------
// Shared with validation and the bootstrap.

/// Per-customer values, in row order.
pub(crate) struct Values {
    pub p_alive: Vec<f64>,
    pub expected_purchases: Vec<f64>,
    pub expected_order_value: Vec<f64>,
    pub clv: Vec<f64>,
}

pub(crate) fn check_options(options: &PredictOptions) -> Result<()> {
    if !options.model.is_purchase_model() {
        return Err(Error::options(format!(
            "\"{}\" is not a purchase model; choose bgnbd, mbgnbd or pareto",
            options.model.name()
        )));
    }
    // The remaining ranges are checked by customer_lifetime_value; checking
    // them here too keeps the error before any fit.
    let clv = clv_options(options, Period::Day);
    customer_lifetime_value(
        &crate::models::BgNbd::new(1.0, 1.0, 1.0, 1.0)?,
        &RfmData::new(&[Rfm::new(0.0, 0.0, 1.0)?])?,
        &[0.0],
        &clv,
    )
    .map(|_| ())
}

/// The summary's rows as validated purchase-model input, in order.
///
/// # Errors
///
/// An [`crate::ErrorKind::Input`] error naming the first customer whose
/// `(frequency, recency, T)` is not valid (see [`Rfm::new`]).
pub fn rfm_rows(customers: &[CustomerSummary]) -> Result<Vec<Rfm>> {
    customers
        .iter()
        .map(|c| {
            Rfm::new(c.frequency, c.recency, c.t).map_err(|e| {
                Error::input(None, None, format!("customer \"{}\": {e}", c.customer_id))
            })
        })
        .collect()
}

/// Fits Gamma-Gamma on the repeat customers with a positive monetary value,
/// or falls back to the observed mean order value.
pub(crate) fn fit_spend(
    customers: &[CustomerSummary],
    average_order_value: f64,
    options: &FitOptions,
) -> SpendModel {
    let rows: Vec<(Spend, f64)> = customers
        .iter()
        .filter(|c| c.frequency > 0.0 && c.monetary_value > 0.0 && c.monetary_value.is_finite())
        .filter_map(|c| Spend::new(c.frequency, c.monetary_value).ok())
        .map(|s| (s, 1.0))
        .collect();
    fit_spend_weighted(&rows, average_order_value, options)
}

/// [`fit_spend`] on the spend rows already chosen, each with the customers
/// it stands for (see [`crate::weighted`]).
pub(crate) fn fit_spend_weighted(
    rows: &[(Spend, f64)],
    average_order_value: f64,
    options: &FitOptions,
) -> SpendModel {
    let observed_mean = |code: DiagnosticCode, why: &str| SpendModel::ObservedMean {
        mean_order_value: average_order_value,
        reason: Diagnostic::new(
            code,
            format!(
                "gamma-gamma not used ({why}): every customer's expected order value is the \
                 observed mean order value {average_order_value:.2}"
            ),
        )
        .param("mean_order_value", average_order_value),
    };
    if rows.is_empty() {
        return observed_mean(
            DiagnosticCode::SpendNoPositiveRepeat,
            "no repeat customer has a positive monetary value",
        );
    }
    match GammaGamma::fit_weighted(rows, options) {
        Ok(fit) => SpendModel::GammaGamma { fit },
        Err(e) => match observed_mean(DiagnosticCode::SpendFitFailed, &e.to_string()) {
            SpendModel::ObservedMean {
                mean_order_value,
                reason,
            } => SpendModel::ObservedMean {
                mean_order_value,
                reason: reason.error(&e),
            },
            fitted => fitted,
        },
    }
}

/// Values every customer of `data` (rows in the order of `customers`).
pub(crate) fn value_customers(
    model: &dyn PurchaseModel,
    data: &RfmData,
    customers: &[CustomerSummary],
    spend_model: &SpendModel,
    options: &PredictOptions,
    period: Period,
) -> Result<Values> {
    let expected_order_value: Vec<f64> = match spend_model {
        SpendModel::GammaGamma { fit } => customers
            .iter()
            .map(|c| {
                let m = if c.monetary_value.is_finite() {
                    c.monetary_value
                } else {
                    0.0
                };
                Spend::new(c.frequency, m)
                    .map(|s| fit.model().conditional_expected_spend(&s))
                    .unwrap_or_else(|_| fit.model().mean_spend())
            })
            .collect(),
        SpendModel::ObservedMean {
            mean_order_value, ..
        } => vec![*mean_order_value; customers.len()],
    };
    let clv_options = clv_options(options, period);
    check_clv_inputs(data, &expected_order_value, &clv_options)?;
    // The last CLV month ends at the horizon, `horizon_periods(months,
    // period)`: the expected purchases over the horizon come with the values.
    let valued = lifetime_values(model, data, &expected_order_value, &clv_options);
    Ok(Values {
        p_alive: valued.p_alive,
        expected_purchases: valued.expected_purchases,
        expected_order_value,
        clv: valued.clv,
    })
}

/// BG/NBD's and MBG/NBD's `r` and `α`, for the timing's closed forms.
fn lomax_wait(fit: &PurchaseFit) -> Option<LomaxWait> {
    let params = fit.params();
    match (fit.name(), params.get("r"), params.get("alpha")) {
        ("bgnbd" | "mbgnbd", Some(r), Some(alpha)) => Some(LomaxWait { r, alpha }),
        _ => None,
    }
}

pub(crate) fn clv_options(options: &PredictOptions, period: Period) -> ClvOptions {
    ClvOptions {
        months: options.horizon_months,
        monthly_discount_rate: options.monthly_discount_rate,
        margin: options.margin,
        periods_per_month: period.per_month(),
    }
}

pub(crate) fn horizon_periods(months: u32, period: Period) -> f64 {
    f64::from(months) * period.per_month()
}

#[allow(clippy::too_many_arguments)]
fn explain(
    aov: f64,
    purchases_per_month: f64,
    window_months: f64,
    churn_rate: Option<f64>,
    lifetime_months: Option<f64>,
    formula: Option<f64>,
    model: f64,
    options: &PredictOptions,
) -> String {
    let model_text = format!(
        "the model values each customer from their own history (how often and how recently \
         they bought), over the next {} months, discounted {}% a month: {model:.2} per customer \
         on average",
        options.horizon_months,
        trim(options.monthly_discount_rate * 100.0)
    );
    match (churn_rate, lifetime_months, formula) {
        (Some(churn), Some(life), Some(ltv)) => {
            let ratio = if model > 0.0 {
                format!("; the formula gives {:.1}× the model", ltv / model)
            } else {
                String::new()
            };
            format!(
                "The formula LTV ({aov:.2} per order × {purchases_per_month:.3} purchases a month \
                 × {life:.1} months of expected lifetime{} = {ltv:.2}) assumes every customer buys \
                 at the average rate until they churn at the average rate ({:.0}% not seen in \
                 {window_months:.0} months), undiscounted, however long that is; {model_text}: \
                 recent frequent buyers are worth more, customers who are probably gone are worth \
                 little{ratio}",
                if options.margin < 1.0 {
                    format!(" × margin {}", trim(options.margin))
                } else {
                    String::new()
                },
                churn * 100.0
            )
        }
        (Some(_), _, _) => format!(
            "The formula LTV is undefined: no customer old enough to judge was unseen for \
             {window_months:.0} months, so the churn rate is 0 and the expected lifetime \
             unbounded; {model_text}"
        ),
        _ => format!(
            "The formula LTV is undefined: no customer has been a customer for \
             {window_months:.0} months, so churn cannot be measured; {model_text}"
        ),
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{BgNbd, ParetoNbd};

    /// (case, model, longest T, want). Sources: the CDNOW BG/NBD estimates of
    /// Fader, Hardie & Lee (2005a), weeks, 78-week span: the probe's
    /// P(alive) is about 0.10 by their equation (13); the UCI sample's BG/NBD
    /// maximum-likelihood fit (days) runs `a` to its bound 1.25e-8 and gives
    /// the probe P(alive) ≈ 1.
    #[test]
    fn dropout_is_identified_only_when_a_silent_customer_can_be_gone() {
        let cdnow = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let uci = BgNbd::new(0.512, 333.2, 1.25e-8, 1.1e7).unwrap();
        let no_dropout = ParetoNbd::new(0.5, 10.0, 1e-8, 1e8).unwrap();
        let cases: [(&str, &dyn PurchaseModel, f64, bool); 5] = [
            ("cdnow bg/nbd", &cdnow, 78.0, true),
            ("uci bg/nbd at the bound", &uci, 372.0, false),
            ("pareto/nbd without dropout", &no_dropout, 372.0, false),
            ("no span", &cdnow, 0.0, false),
            ("not finite", &cdnow, f64::INFINITY, false),
        ];
        for (case, model, longest_t, want) in cases {
            assert_eq!(dropout_identified(model, longest_t), want, "{case}");
        }
    }

    fn customer(id: &str, frequency: f64, recency: f64, t: f64, m: f64) -> CustomerSummary {
        CustomerSummary {
            customer_id: id.into(),
            frequency,
            recency,
            t,
            monetary_value: m,
            first_purchase: None,
            last_purchase: None,
            orders: None,
            total_spend: None,
            email: None,
        }
    }

    fn summary(period: Period, customers: Vec<CustomerSummary>) -> Summary {
        Summary {
            period,
            observation_end: None,
            customers,
            orders_after_end: 0,
            outlying_purchases: 0,
            guest_orders: 0,
            guest_revenue: 0.0,
            reversed_orders: 0,
            reversed_revenue: 0.0,
        }
    }

    /// Tolerance for values computed by hand in closed form.
    const EXACT: f64 = 1e-12;

    /// Every expected value is worked out by hand in the comment beside it.
    #[test]
    fn formula_ltv_by_hand() {
        // Months, W = 12. A: T-r = 10 < 12, kept. B: 15 >= 12, churned.
        // C: 12 >= 12, churned. D: T = 6 < 12, not eligible.
        let s = summary(
            Period::Month,
            vec![
                customer("a", 2.0, 10.0, 20.0, 50.0),
                customer("b", 0.0, 0.0, 15.0, 0.0),
                customer("c", 1.0, 2.0, 14.0, 30.0),
                customer("d", 3.0, 5.0, 6.0, 40.0),
            ],
        );
        // AOV = (2·50 + 1·30 + 3·40) / (2+1+3) = 250/6 (summary file: repeat-weighted).
        let aov = average_order_value(&s.customers);
        assert!((aov - 250.0 / 6.0).abs() < EXACT);
        let options = PredictOptions {
            margin: 0.5,
            ..PredictOptions::default()
        };
        let f = formula_ltv(&s, aov, &options, 10.0);
        let cases = [
            (
                "purchases_per_month = 6/55",
                f.purchases_per_month,
                6.0 / 55.0,
            ),
            ("churn_window_months", f.churn_window_months, 12.0),
            ("churn_rate = 2/3", f.churn_rate.unwrap(), 2.0 / 3.0),
            (
                "lifetime = 12/(2/3)",
                f.expected_lifetime_months.unwrap(),
                18.0,
            ),
            // 250/6 × 6/55 × 18 × 0.5 = 40.90909...
            ("formula_ltv", f.formula_ltv.unwrap(), 250.0 / 55.0 * 9.0),
        ];
        for (name, got, want) in cases {
            assert!(
                (got - want).abs() < EXACT * want.abs().max(1.0),
                "{name}: {got} vs {want}"
            );
        }
        assert_eq!(f.eligible_customers, 3);
        assert!(f.explanation.contains("40.91"), "{}", f.explanation);
        assert!(f.explanation.contains("× margin 0.5"), "{}", f.explanation);
    }

    #[test]
    fn formula_ltv_short_history_and_no_churn() {
        // Days; oldest T = 40 < 365, so W = 20. a: 40-30 = 10 < 20 kept;
        // b: T = 30 >= 20, 30-25 = 5 < 20 kept. Nobody churned.
        let s = summary(
            Period::Day,
            vec![
                customer("a", 3.0, 30.0, 40.0, 10.0),
                customer("b", 1.0, 25.0, 30.0, 10.0),
                customer("c", 0.0, 0.0, 10.0, 0.0),
            ],
        );
        let f = formula_ltv(&s, 10.0, &PredictOptions::default(), 5.0);
        assert!((f.churn_window_months - 20.0 / Period::Day.per_month()).abs() < EXACT);
        assert_eq!(f.eligible_customers, 2);
        assert_eq!(f.churn_rate, Some(0.0));
        assert_eq!(f.expected_lifetime_months, None);
        assert_eq!(f.formula_ltv, None);
        assert!(f.explanation.starts_with("The formula LTV is undefined"));
    }

    #[test]
    fn average_order_value_prefers_orders_and_total_spend() {
        let mut a = customer("a", 1.0, 5.0, 9.0, 20.0);
        a.orders = Some(2);
        a.total_spend = Some(30.0);
        let mut b = customer("b", 0.0, 0.0, 9.0, 0.0);
        b.orders = Some(1);
        b.total_spend = Some(15.0);
        // (30 + 15) / (2 + 1) = 15.
        assert!((average_order_value(&[a, b]) - 15.0).abs() < EXACT);
        assert_eq!(average_order_value(&[]), 0.0);
    }

    /// Predictions made without the timing have the same values, and their
    /// `customer_timing` is bit for bit what `predict` puts in the rows,
    /// for a model with closed forms (BG/NBD) and one without (Pareto/NBD).
    #[test]
    fn timing_left_out_is_computed_on_demand_with_the_same_numbers() {
        let customers: Vec<CustomerSummary> = (0..60)
            .map(|i| {
                let f = (i % 5) as f64;
                customer(&i.to_string(), f, f * 4.0, 30.0 + i as f64, 10.0 + f)
            })
            .collect();
        let s = summary(Period::Day, customers);
        for model in [ModelKind::BgNbd, ModelKind::ParetoNbd] {
            let options = PredictOptions {
                model,
                ..PredictOptions::default()
            };
            let full = predict(&s, &options).unwrap();
            let lean = predict_with_timing(&s, &options, false).unwrap();
            assert!(lean
                .customers
                .iter()
                .all(|c| c.timing.p_purchase_30d.is_nan() && c.timing.pace_days.is_none()));
            let bits = |t: &[CustomerTiming]| -> Vec<u64> {
                t.iter()
                    .flat_map(|t| {
                        [t.p_purchase_30d, t.p_purchase_90d, t.p_alive_90d]
                            .into_iter()
                            .chain(t.next_order_days.iter().flatten().copied())
                            .chain(t.pace_days)
                    })
                    .map(f64::to_bits)
                    .collect()
            };
            let (want, got) = (full.customer_timing(), lean.customer_timing());
            assert_eq!(got.len(), s.customers.len());
            assert_eq!(bits(&got), bits(&want), "{model:?}");
            assert!(want.iter().any(|t| t.p_purchase_30d > 0.0));
            let clv = |p: &Predictions| -> Vec<u64> {
                p.customers.iter().map(|c| c.clv.to_bits()).collect()
            };
            assert_eq!(clv(&lean), clv(&full));
        }
    }

    /// Gamma-Gamma cannot be fitted without repeat spend: the observed mean is
    /// used and nothing is NaN.
    #[test]
    fn spend_falls_back_to_the_observed_mean() {
        let customers: Vec<CustomerSummary> = (0..40)
            .map(|i| {
                let f = (i % 4) as f64;
                customer(&i.to_string(), f, f * 3.0, 30.0 + i as f64, 0.0)
            })
            .collect();
        let s = summary(Period::Day, customers);
        let p = predict(&s, &PredictOptions::default()).unwrap();
        match &p.spend_model {
            SpendModel::ObservedMean { reason, .. } => {
                assert_eq!(reason.code, DiagnosticCode::SpendNoPositiveRepeat);
                assert!(reason
                    .message
                    .contains("no repeat customer has a positive monetary value"))
            }
            other => panic!("{other:?}"),
        }
        assert!(p
            .customers
            .iter()
            .all(|c| c.clv.is_finite() && c.p_alive.is_finite() && c.clv == 0.0));
        assert!(p
            .diagnostics
            .iter()
            .any(|d| d.message.contains("gamma-gamma not used")));
    }

    /// A Gamma-Gamma fit that fails (one repeat customer with spend: too few
    /// for three parameters) falls back to the observed mean, and the
    /// diagnostic carries the fit's error code and parameters for the page.
    #[test]
    fn a_failed_spend_fit_says_its_error() {
        let mut customers: Vec<CustomerSummary> = (0..40)
            .map(|i| {
                let f = (i % 4) as f64;
                customer(&i.to_string(), f, f * 3.0, 30.0 + i as f64, 0.0)
            })
            .collect();
        customers[1].monetary_value = 25.0;
        let p = predict(&summary(Period::Day, customers), &PredictOptions::default()).unwrap();
        let reason = match &p.spend_model {
            SpendModel::ObservedMean { reason, .. } => reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(reason.code, DiagnosticCode::SpendFitFailed);
        let error = reason.error.as_ref().map(|e| e.code);
        assert_eq!(error, Some(crate::ErrorCode::TooFewCustomers), "{reason:?}");
        assert!(reason.params.contains_key("mean_order_value"));
        assert!(p.diagnostics.contains(reason));
    }

    /// Negative monetary values are not spend: they are left out of the
    /// observed mean, whose value is never negative, and a diagnostic says
    /// so (the stress test `predict_with_negative_spends_gives_negative_clv`
    /// found a CLV of -0.06 here).
    #[test]
    fn negative_spends_are_left_out_of_the_observed_mean() {
        // (frequency, monetary): by hand, (1·30 + 1·0) / (1 + 1) = 15; the
        // row at -12 is left out, and without it all the mean is 0.
        let mixed = [
            customer("a", 2.0, 20.0, 40.0, -12.0),
            customer("b", 1.0, 10.0, 40.0, 30.0),
            customer("c", 1.0, 10.0, 40.0, 0.0),
            customer("d", 0.0, 0.0, 40.0, 0.0),
        ];
        assert_eq!(average_order_value(&mixed), 15.0);
        assert_eq!(average_order_value(&mixed[..1]), 0.0);
        let customers: Vec<CustomerSummary> = (0..30)
            .map(|i| customer(&i.to_string(), f64::from(1 + i % 3), 10.0, 40.0, -12.0))
            .collect();
        let p = predict(&summary(Period::Day, customers), &PredictOptions::default()).unwrap();
        assert!(p
            .customers
            .iter()
            .all(|c| c.expected_order_value == 0.0 && c.clv == 0.0));
        assert!(
            p.diagnostics
                .iter()
                .any(|d| d.code == DiagnosticCode::NegativeSpendLeftOut
                    && d.params.get("count") == Some(&crate::Param::Number(30.0))
                    && d.message
                        .starts_with("30 repeat customers have a negative monetary value")),
            "{:?}",
            p.diagnostics
        );
    }

    #[test]
    fn rejects_bad_options_and_rows() {
        let s = summary(Period::Day, vec![customer("x9", 2.0, 50.0, 10.0, 1.0)]);
        let err = predict(&s, &PredictOptions::default()).err().unwrap();
        assert_eq!(
            err.to_string(),
            "customer \"x9\": column \"recency\": recency 50 is greater than the customer's age T 10"
        );
        let cases = [
            (
                PredictOptions {
                    model: ModelKind::GammaGamma,
                    ..PredictOptions::default()
                },
                "invalid option: \"gammagamma\" is not a purchase model; choose bgnbd, mbgnbd or pareto",
            ),
            (
                PredictOptions {
                    margin: 2.0,
                    ..PredictOptions::default()
                },
                "invalid option: margin must be between 0 and 1, got 2",
            ),
            (
                PredictOptions {
                    horizon_months: 0,
                    ..PredictOptions::default()
                },
                "invalid option: months must be between 1 and 1200, got 0",
            ),
        ];
        for (options, want) in cases {
            assert_eq!(predict(&s, &options).err().unwrap().to_string(), want);
        }
    }
}
