//! Seeded nonparametric bootstrap of the predictions: percentile intervals
//! for the model parameters, each customer's CLV and the base's total CLV.
//!
//! Each resample draws `n` customers with replacement from the summary's
//! `n`, refits the purchase model and the spend model exactly as
//! [`predict`](crate::predict::predict) does, and values the *original*
//! customers with the refitted models. The interval of a quantity is the
//! `(1-level)/2` and `(1+level)/2` quantiles (linear interpolation between
//! order statistics) of its resampled values (Efron & Tibshirani 1993,
//! "An Introduction to the Bootstrap", ch. 13).
//!
//! Every interval contains its point estimate: a percentile interval that
//! misses it (possible when the bootstrap distribution is skewed away from
//! the estimate) is widened to reach it, and the [`Bootstrap::widened`]
//! count says how often that happened.
//!
//! These CLV intervals are **parameter-only**: they say how much the
//! *expected* CLV could move if the models had been fitted on another sample
//! of the same shop ([`Bootstrap::clv`]), not where the customer's actual
//! spending will fall. The **value range** ([`Bootstrap::value_range`]) is
//! that second, wider interval: the predictive distribution of the
//! customer's discounted value over the horizon, parameter uncertainty and
//! the purchase process together. For each fitted resample, each customer's
//! future is drawn [`VALUE_DRAWS_PER_CUSTOMER`]`/fitted` times (at least
//! once) from the refitted models' posterior given their history:
//!
//! - alive at `T` with probability `P(alive)`; if alive, purchase rate
//!   `λ ~ Gamma(r + x, α + T)` and, for BG/NBD, dropout probability
//!   `p ~ Beta(a, b + x)` (MBG/NBD: `Beta(a, b + x + 1)`), for Pareto/NBD
//!   dropout rate `μ ~ Gamma(s, β + T)` (Fader, Hardie & Lee 2005a, §5;
//!   Batislam et al. 2007; Schmittlein et al. 1987: the alive likelihood is
//!   `λ^x e^{-λT} (1-p)^x`, `(1-p)^{x+1}`, `e^{-μT}`);
//! - then purchases as a Poisson process at `λ` until the horizon, with
//!   BG/NBD's and MBG/NBD's coin of `p` after each purchase, or Pareto/NBD's
//!   exponential remaining lifetime;
//! - each purchase worth `z ~ Gamma(p, ν)` with `ν ~ Gamma(q + p x, γ + x m)`
//!   (Gamma-Gamma's posterior, Fader, Hardie & Lee 2005b), or the observed
//!   mean order value when Gamma-Gamma is not used;
//! - discounted by month as the CLV is (`(1 + d)^-i` in month `i`) and
//!   multiplied by the margin.
//!
//! The value range at level `ℓ` is the equal-tailed quantile interval of the
//! draws, except that a customer with a share `π₀ > (1-ℓ)/2` of zero draws
//! gets `[0, q(ℓ)]` (`[0, 0]` when `π₀ ≥ ℓ`): most customers have an atom at
//! zero, and an equal-tailed interval would then cover more than `ℓ`. It
//! need not contain the expected CLV: a customer who is 95% likely gone has
//! an expected CLV above 0 and a 90% value range of `[0, 0]`.
//! `tests/clv_bootstrap.rs` checks the coverage by simulation.
//!
//! A resample whose purchase or spend refit fails is left out of every
//! interval, and counted: never replaced by the full-data fit.
//!
//! Memory: CLV values are kept as `f32`, once per distinct customer
//! `(frequency, recency, T, monetary_value)`: `samples × distinct × 4` bytes;
//! the value draws of one customer at a time.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Exp1, Gamma};
use serde::Serialize;

use crate::models::{GammaGamma, ModelKind, PurchaseModel, Rfm, RfmData, Spend};
use crate::predict::{
    average_order_value, fit_spend, predict_with_timing, rfm_rows, value_customers, PredictOptions,
    Predictions, SpendModel,
};
use crate::summary::{CustomerSummary, Summary};
use crate::{Diagnostic, DiagnosticCode, Error, ErrorCode, Result};

/// Draws of each customer's future value behind [`Bootstrap::value_range`],
/// spread over the fitted resamples (at least one per resample).
pub const VALUE_DRAWS_PER_CUSTOMER: usize = 400;

/// A fitted purchase model behind a trait object.
type BoxedModel = Box<dyn PurchaseModel + Send + Sync>;

/// How to bootstrap.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapOptions {
    /// Resamples, 10 to 100,000. Default 200.
    pub samples: usize,
    /// Nominal coverage of the intervals, in `(0, 1)`. Default 0.9.
    pub level: f64,
    /// Seed of the resampling: the same seed gives the same intervals.
    /// Default 0.
    pub seed: u64,
    /// The predictions to bootstrap. Default [`PredictOptions::default`].
    pub predict: PredictOptions,
    /// Also bootstrap each customer's CLV and the total (default true);
    /// false bootstraps the parameters only, which skips every valuation.
    pub values: bool,
}

impl Default for BootstrapOptions {
    fn default() -> BootstrapOptions {
        BootstrapOptions {
            samples: 200,
            level: 0.9,
            seed: 0,
            predict: PredictOptions::default(),
            values: true,
        }
    }
}

/// A point estimate and its interval; always `low <= estimate <= high`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// The estimate on the full data.
    pub estimate: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// A parameter's interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamInterval {
    /// The parameter's name, as in the paper.
    pub name: &'static str,
    /// The interval.
    #[serde(flatten)]
    pub interval: Interval,
}

/// The bootstrap's intervals.
#[derive(Debug, Clone, Serialize)]
pub struct Bootstrap {
    /// Resamples drawn.
    pub samples: usize,
    /// Resamples whose purchase and spend models could both be fitted; the
    /// others are left out of every interval.
    pub fitted: usize,
    /// Resamples left out because the purchase model could not be refitted.
    pub purchase_failures: usize,
    /// Resamples left out because Gamma-Gamma could not be refitted.
    pub spend_failures: usize,
    /// Nominal coverage.
    pub level: f64,
    /// The seed.
    pub seed: u64,
    /// The purchase model's parameters.
    pub params: Vec<ParamInterval>,
    /// Gamma-Gamma's parameters (empty when it was not used).
    pub spend_params: Vec<ParamInterval>,
    /// Each customer's expected CLV with its parameter-only interval, in the
    /// summary's order (empty without [`BootstrapOptions::values`]): where
    /// the *expected* value could lie, not the customer's actual value.
    #[serde(skip)]
    pub clv: Vec<Interval>,
    /// Each customer's value range: the interval in which their actual
    /// discounted value over the horizon lies with probability `level`
    /// (module doc), in the summary's order; `estimate` is the expected CLV,
    /// which the range need not contain. Empty without
    /// [`BootstrapOptions::values`].
    #[serde(skip)]
    pub value_range: Vec<Interval>,
    /// The base's total CLV (`None` without [`BootstrapOptions::values`]).
    pub total_clv: Option<Interval>,
    /// Intervals widened to contain their estimate.
    pub widened: usize,
    /// Warnings, e.g. resamples where a fit failed.
    pub diagnostics: Vec<Diagnostic>,
}

/// Bootstraps [`predict`](crate::predict::predict) on `summary`.
///
/// # Errors
///
/// - an [`crate::ErrorKind::Options`] error for `samples` outside
///   `10..=100_000` or `level` outside `(0, 1)`;
/// - the errors of [`predict`](crate::predict::predict) on the full data;
/// - a [`crate::ErrorKind::Model`] error if fewer than half the resamples
///   could be fitted.
pub fn bootstrap(summary: &Summary, options: &BootstrapOptions) -> Result<Bootstrap> {
    let mut run = BootstrapRun::new(summary, options)?;
    while !run.step(summary, usize::MAX)? {}
    run.finish(summary)
}

/// [`bootstrap`] in steps, for a caller that must answer other requests
/// meanwhile (the page's analysis worker): [`BootstrapRun::step`] does one
/// bounded piece of the work at a time, and [`BootstrapRun::finish`] gives
/// what [`bootstrap`] gives, the same to the bit, however the work was cut
/// (the resamples draw from one seeded generator in the same order, and each
/// customer's value draws from a generator of their own).
///
/// The run does not keep the summary: every call takes the one it was
/// started on, unchanged.
pub struct BootstrapRun {
    options: BootstrapOptions,
    point: Predictions,
    rows: Vec<Rfm>,
    data: RfmData,
    /// The first row of each distinct customer, and each row's distinct index.
    distinct: Vec<usize>,
    row_distinct: Vec<usize>,
    uses_gamma_gamma: bool,
    repeaters: Vec<Option<Spend>>,
    rng: StdRng,
    /// Resamples drawn so far.
    drawn: usize,
    /// The last resample's work left: its spend refit, or its valuation.
    pending: Option<Pending>,
    /// Whether the fitted resamples have been counted, once all are drawn.
    checked: bool,
    indices: Vec<usize>,
    resampled: Vec<Rfm>,
    params: Vec<Vec<f64>>,
    spend_params: Vec<Vec<f64>>,
    /// Each fitted resample's CLV of each distinct customer, resample by resample.
    clv: Vec<f32>,
    totals: Vec<f64>,
    /// Each fitted resample's models, for the value draws.
    draws_models: Vec<(BoxedModel, [f64; 4], SpendDraw)>,
    purchase_failures: usize,
    spend_failures: usize,
    first_failure: Option<String>,
    first_purchase_failure: Option<Error>,
    widened: usize,
    total_clv: Option<Interval>,
    /// Each distinct customer's CLV interval, then value range, as far as computed.
    clv_intervals: Vec<Interval>,
    value_ranges: Vec<Interval>,
    column: Vec<f64>,
    draws: Vec<f64>,
}

/// A fitted purchase model with its fit's parameters.
type PurchaseFitBoxed = crate::models::Fit<BoxedModel>;

/// What is left of the resample just drawn.
enum Pending {
    /// Its spend refit.
    Spend(PurchaseFitBoxed),
    /// Its valuation of every customer.
    Value(Box<PurchaseFitBoxed>, SpendModel),
}

impl BootstrapRun {
    /// Checks the options and makes the predictions on the full data: the
    /// estimates the intervals are around. This is the one step that is not
    /// cut: it costs what [`predict`](crate::predict::predict) without the timing costs.
    ///
    /// # Errors
    ///
    /// As [`bootstrap`], but for the count of fitted resamples, which
    /// [`BootstrapRun::step`] checks once they are drawn.
    pub fn new(summary: &Summary, options: &BootstrapOptions) -> Result<BootstrapRun> {
        if !(10..=100_000).contains(&options.samples) {
            return Err(Error::options(format!(
                "bootstrap samples must be between 10 and 100000, got {}",
                options.samples
            )));
        }
        if !(options.level > 0.0 && options.level < 1.0) {
            return Err(Error::options(format!(
                "interval level must be between 0 and 1, got {}",
                options.level
            )));
        }
        // The intervals use the values, not the next-order timing.
        let point = predict_with_timing(summary, &options.predict, false)?;
        let customers = &summary.customers;
        let rows = rfm_rows(customers)?;
        let data = RfmData::new(&rows)?;
        let (distinct, row_distinct) = distinct_customers(customers);
        let uses_gamma_gamma = matches!(point.spend_model, SpendModel::GammaGamma { .. });
        let repeaters: Vec<Option<Spend>> = customers
            .iter()
            .map(|c| {
                (c.frequency > 0.0 && c.monetary_value > 0.0 && c.monetary_value.is_finite())
                    .then(|| Spend::new(c.frequency, c.monetary_value).ok())
                    .flatten()
            })
            .collect();
        let n = customers.len();
        let clv_capacity = if options.values {
            options.samples * distinct.len()
        } else {
            0
        };
        Ok(BootstrapRun {
            options: options.clone(),
            point,
            rows,
            data,
            distinct,
            row_distinct,
            uses_gamma_gamma,
            repeaters,
            rng: StdRng::seed_from_u64(options.seed),
            drawn: 0,
            pending: None,
            checked: false,
            indices: vec![0usize; n],
            resampled: Vec::with_capacity(n),
            params: Vec::new(),
            spend_params: Vec::new(),
            clv: Vec::with_capacity(clv_capacity),
            totals: Vec::new(),
            draws_models: Vec::new(),
            purchase_failures: 0,
            spend_failures: 0,
            first_failure: None,
            first_purchase_failure: None,
            widened: 0,
            total_clv: None,
            clv_intervals: Vec::new(),
            value_ranges: Vec::new(),
            column: Vec::new(),
            draws: Vec::new(),
        })
    }

    /// Does the next piece of the work and says whether it is all done (then
    /// [`BootstrapRun::finish`]). A piece is one resample's draw and purchase
    /// refit, or its spend refit, or its valuation of every customer, or,
    /// once the resamples are done, the intervals of up to `customers`
    /// distinct customers (at least one). `summary` must be the one the run
    /// was started on.
    ///
    /// # Errors
    ///
    /// A valuation's error, or, once every resample is drawn, fewer than
    /// half of them fitted ([`bootstrap`]'s errors). The run is then over.
    pub fn step(&mut self, summary: &Summary, customers: usize) -> Result<bool> {
        match self.pending.take() {
            Some(Pending::Spend(fit)) => self.refit_spend(summary, fit),
            Some(Pending::Value(fit, spend)) => self.value(summary, *fit, spend)?,
            None if self.drawn < self.options.samples => self.draw(),
            None if !self.options.values => {}
            None if self.clv_intervals.len() < self.distinct.len() => {
                self.clv_intervals_of(customers.max(1));
            }
            None => self.value_ranges_of(summary, customers.max(1)),
        }
        if !self.checked && self.drawn == self.options.samples && self.pending.is_none() {
            self.checked = true;
            self.check_fitted()?;
        }
        Ok(
            self.checked
                && (!self.options.values || self.value_ranges.len() == self.distinct.len()),
        )
    }

    /// The resamples drawn so far, of [`BootstrapOptions::samples`].
    pub fn resamples_drawn(&self) -> usize {
        self.drawn
    }

    /// Draws the next resample and refits the purchase model; a failed fit
    /// is counted and the resample left out.
    fn draw(&mut self) {
        let n = self.rows.len();
        self.drawn += 1;
        for i in self.indices.iter_mut() {
            *i = self.rng.random_range(0..n);
        }
        self.resampled.clear();
        self.resampled
            .extend(self.indices.iter().map(|&i| self.rows[i]));
        let options = &self.options;
        let fit = RfmData::new(&self.resampled).and_then(|d| {
            options
                .predict
                .model
                .fit_purchase_model(&d, &options.predict.fit)
        });
        match fit {
            Ok(fit) => self.pending = Some(Pending::Spend(fit)),
            Err(e) => {
                self.purchase_failures += 1;
                self.first_failure.get_or_insert_with(|| e.to_string());
                self.first_purchase_failure.get_or_insert(e);
            }
        }
    }

    /// Refits the spend model on the resample just drawn; a failed fit is
    /// counted and the resample left out.
    fn refit_spend(&mut self, summary: &Summary, fit: PurchaseFitBoxed) {
        let options = &self.options;
        let spend = if self.uses_gamma_gamma {
            let spend_rows: Vec<Spend> = self
                .indices
                .iter()
                .filter_map(|&i| self.repeaters[i])
                .collect();
            match GammaGamma::fit(&spend_rows, &options.predict.fit) {
                Ok(fit) => {
                    self.spend_params
                        .push(fit.params().iter().map(|(_, v)| v).collect());
                    SpendModel::GammaGamma { fit }
                }
                Err(e) => {
                    // Left out, and counted: reusing the full-data spend
                    // model would understate the uncertainty.
                    self.spend_failures += 1;
                    self.first_failure.get_or_insert_with(|| e.to_string());
                    return;
                }
            }
        } else {
            let picked: Vec<CustomerSummary> = self
                .indices
                .iter()
                .map(|&i| summary.customers[i].clone())
                .collect();
            fit_spend(&picked, average_order_value(&picked), &options.predict.fit)
        };
        self.params
            .push(fit.params().iter().map(|(_, v)| v).collect());
        if options.values {
            self.pending = Some(Pending::Value(Box::new(fit), spend));
        }
    }

    /// Values every customer with the resample's refitted models.
    fn value(&mut self, summary: &Summary, fit: PurchaseFitBoxed, spend: SpendModel) -> Result<()> {
        let values = value_customers(
            fit.model().as_ref() as &dyn PurchaseModel,
            &self.data,
            &summary.customers,
            &spend,
            &self.options.predict,
            summary.period,
        )?;
        self.totals.push(values.clv.iter().sum::<f64>());
        let mut per_distinct = vec![0f32; self.distinct.len()];
        for (row, &d) in self.row_distinct.iter().enumerate() {
            per_distinct[d] = values.clv[row] as f32;
        }
        self.clv.extend_from_slice(&per_distinct);
        // The parameters pushed when the resample was drawn.
        if let Some(&[r, alpha, c, d]) = self.params.last().map(Vec::as_slice) {
            self.draws_models
                .push((fit.into_model(), [r, alpha, c, d], SpendDraw::new(&spend)));
        }
        Ok(())
    }

    /// Fails when fewer than half the resamples could be fitted; otherwise
    /// the total's interval.
    fn check_fitted(&mut self) -> Result<()> {
        let fitted = self.params.len();
        if fitted * 2 < self.options.samples {
            return Err(Error::model(
                self.options.predict.model.name(),
                format!(
                    "only {fitted} of {} bootstrap resamples could be fitted (first failure: {})",
                    self.options.samples,
                    self.first_failure.clone().unwrap_or_default()
                ),
            )
            .with_code(ErrorCode::BootstrapFailed)
            .param("fitted", fitted)
            .param("samples", self.options.samples));
        }
        if self.options.values {
            let (total, widened) = percentile_interval(
                self.point.base.total_clv,
                &mut self.totals,
                self.options.level,
            );
            self.widened += usize::from(widened);
            self.total_clv = Some(total);
        }
        Ok(())
    }

    /// The CLV intervals of the next `count` distinct customers.
    fn clv_intervals_of(&mut self, count: usize) {
        let fitted = self.params.len();
        let distinct = self.distinct.len();
        let start = self.clv_intervals.len();
        for d in start..distinct.min(start.saturating_add(count)) {
            let row = self.distinct[d];
            self.column.clear();
            self.column
                .extend((0..fitted).map(|s| f64::from(self.clv[s * distinct + d])));
            let (interval, widened) = percentile_interval(
                self.point.customers[row].clv,
                &mut self.column,
                self.options.level,
            );
            self.widened += usize::from(widened);
            self.clv_intervals.push(interval);
        }
        if self.clv_intervals.len() == distinct {
            // Read no more: the memory of samples × distinct values goes.
            self.clv = Vec::new();
        }
    }

    /// The value ranges of the next `count` distinct customers (module doc).
    fn value_ranges_of(&mut self, summary: &Summary, count: usize) {
        let options = &self.options;
        let process = Process {
            kind: options.predict.model,
            horizon: f64::from(options.predict.horizon_months) * summary.period.per_month(),
            periods_per_month: summary.period.per_month(),
            monthly_discount_rate: options.predict.monthly_discount_rate,
            margin: options.predict.margin,
        };
        let per_resample = VALUE_DRAWS_PER_CUSTOMER.div_ceil(self.draws_models.len().max(1));
        let start = self.value_ranges.len();
        for d in start..self.distinct.len().min(start.saturating_add(count)) {
            let row = self.distinct[d];
            let mut rng = StdRng::seed_from_u64(
                options.seed ^ (d as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            self.draws.clear();
            let c = &summary.customers[row];
            for (model, params, spend) in &self.draws_models {
                process.draw_into(
                    model.as_ref(),
                    *params,
                    spend,
                    &self.rows[row],
                    c,
                    per_resample,
                    &mut rng,
                    &mut self.draws,
                );
            }
            self.value_ranges.push(value_range_of(
                self.point.customers[row].clv,
                &mut self.draws,
                options.level,
            ));
        }
    }

    /// The intervals, once [`BootstrapRun::step`] has said the work is done
    /// (otherwise the work left is done now). `summary` must be the one the
    /// run was started on.
    ///
    /// # Errors
    ///
    /// As [`BootstrapRun::step`].
    pub fn finish(mut self, summary: &Summary) -> Result<Bootstrap> {
        while !self.step(summary, usize::MAX)? {}
        let level = self.options.level;
        let mut widened = self.widened;
        let mut param_intervals = |estimates: Vec<(&'static str, f64)>, samples: &[Vec<f64>]| {
            estimates
                .into_iter()
                .enumerate()
                .map(|(k, (name, estimate))| {
                    let mut values: Vec<f64> = samples.iter().map(|s| s[k]).collect();
                    let (interval, w) = percentile_interval(estimate, &mut values, level);
                    widened += usize::from(w);
                    ParamInterval { name, interval }
                })
                .collect::<Vec<_>>()
        };
        let params_out = param_intervals(
            self.point.purchase_model.params().iter().collect(),
            &self.params,
        );
        let spend_out = match &self.point.spend_model {
            SpendModel::GammaGamma { fit } if !self.spend_params.is_empty() => {
                param_intervals(fit.params().iter().collect(), &self.spend_params)
            }
            _ => Vec::new(),
        };
        let (clv_out, value_range) = if self.options.values {
            let clv = &self.clv_intervals;
            let ranges = &self.value_ranges;
            (
                self.row_distinct.iter().map(|&d| clv[d]).collect(),
                self.row_distinct.iter().map(|&d| ranges[d]).collect(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let (purchase_failures, spend_failures) = (self.purchase_failures, self.spend_failures);
        let samples = self.options.samples;
        let mut diagnostics = Vec::new();
        if let (true, Some(e)) = (purchase_failures > 0, &self.first_purchase_failure) {
            diagnostics.push(
                Diagnostic::new(
                    DiagnosticCode::ResamplesFailed,
                    format!(
                        "{purchase_failures} of {samples} resamples could not be fitted and were \
                         left out (first: {e})",
                    ),
                )
                .param("failed", purchase_failures)
                .param("samples", samples)
                .error(e),
            );
        }
        if spend_failures > 0 {
            diagnostics.push(
                Diagnostic::new(
                    DiagnosticCode::SpendResamplesFailed,
                    format!(
                        "gamma-gamma could not be fitted on {spend_failures} of {samples} \
                         resamples; they were left out",
                    ),
                )
                .param("failed", spend_failures)
                .param("samples", samples),
            );
        }
        Ok(Bootstrap {
            samples,
            fitted: self.params.len(),
            purchase_failures,
            spend_failures,
            level,
            seed: self.options.seed,
            params: params_out,
            spend_params: spend_out,
            clv: clv_out,
            value_range,
            total_clv: self.total_clv,
            widened,
            diagnostics,
        })
    }
}

/// One resample's spend model for the value draws.
enum SpendDraw {
    /// Gamma-Gamma's `p`, `q`, `γ`.
    GammaGamma { p: f64, q: f64, gamma: f64 },
    /// The observed mean order value, for every order.
    Fixed(f64),
}

impl SpendDraw {
    fn new(spend: &SpendModel) -> SpendDraw {
        match spend {
            SpendModel::GammaGamma { fit } => {
                let get = |name| fit.params().get(name).unwrap_or(f64::NAN);
                SpendDraw::GammaGamma {
                    p: get("p"),
                    q: get("q"),
                    gamma: get("gamma"),
                }
            }
            SpendModel::ObservedMean {
                mean_order_value, ..
            } => SpendDraw::Fixed(*mean_order_value),
        }
    }
}

/// The future of one customer, as the value range draws it (module doc).
struct Process {
    kind: ModelKind,
    /// The horizon, in periods.
    horizon: f64,
    periods_per_month: f64,
    monthly_discount_rate: f64,
    margin: f64,
}

impl Process {
    /// Appends `n` draws of the customer's discounted value over the
    /// horizon, margin applied, to `out`, under `model` with parameters
    /// `[r, α, a, b]` (BG/NBD, MBG/NBD) or `[r, α, s, β]` (Pareto/NBD) and
    /// `spend`. P(alive) and the posterior distributions depend only on the
    /// customer and the resample, so they are built once for the `n` draws;
    /// a distribution that cannot be built (parameters out of range, which
    /// fitted models never have) gives draws of 0.
    #[allow(clippy::too_many_arguments)]
    fn draw_into(
        &self,
        model: &dyn PurchaseModel,
        [r, alpha, c, d]: [f64; 4],
        spend: &SpendDraw,
        history: &Rfm,
        customer: &CustomerSummary,
        n: usize,
        rng: &mut StdRng,
        out: &mut Vec<f64>,
    ) {
        let (x, t) = (history.frequency(), history.t());
        let p_alive = model.p_alive(history);
        // BG/NBD and MBG/NBD: the dropout probability after each purchase;
        // Pareto/NBD: the dropout rate, whose exponential ends the lifetime.
        let extra = if self.kind == ModelKind::MbgNbd {
            1.0
        } else {
            0.0
        };
        let dropout = match self.kind {
            ModelKind::ParetoNbd => Gamma::new(c, 1.0 / (d + t)).map(Dropout::Rate).ok(),
            _ => Beta::new(c, d + x + extra).map(Dropout::Coin).ok(),
        };
        let scale = match *spend {
            SpendDraw::GammaGamma { p, q, gamma } => {
                let m = customer.monetary_value;
                let (shape, rate) = if x > 0.0 && m > 0.0 && m.is_finite() {
                    (q + p * x, gamma + x * m)
                } else {
                    (q, gamma)
                };
                Gamma::new(shape, 1.0 / rate)
                    .ok()
                    .map(|nu| Spending::Drawn(p, nu))
            }
            SpendDraw::Fixed(mean) => Some(Spending::Fixed(mean)),
        };
        let (Ok(rate), Some(dropout), Some(scale)) =
            (Gamma::new(r + x, 1.0 / (alpha + t)), dropout, scale)
        else {
            out.extend(std::iter::repeat_n(0.0, n));
            return;
        };
        for _ in 0..n {
            let value = if rng.random::<f64>() >= p_alive {
                0.0
            } else {
                self.future(&rate, &dropout, &scale, rng)
            };
            out.push(value);
        }
    }

    /// One alive customer's discounted value over the horizon, margin
    /// applied: `λ`, then the dropout, then the spend scale, then the
    /// purchases, in that order from `rng`.
    fn future(
        &self,
        rate: &Gamma<f64>,
        dropout: &Dropout,
        scale: &Spending,
        rng: &mut StdRng,
    ) -> f64 {
        let lambda = rate.sample(rng);
        let (coin, lifetime) = match dropout {
            Dropout::Rate(mu) => {
                let mu: f64 = mu.sample(rng);
                let e: f64 = Exp1.sample(rng);
                (0.0, e / mu)
            }
            Dropout::Coin(p) => (p.sample(rng), f64::INFINITY),
        };
        let order_value = match scale {
            Spending::Drawn(p, nu) => match Gamma::new(*p, 1.0 / nu.sample(rng)) {
                Ok(z) => Some(z),
                Err(_) => return 0.0,
            },
            Spending::Fixed(_) => None,
        };
        let end = self.horizon.min(lifetime);
        let mut value = 0.0;
        let mut time = 0.0;
        loop {
            let gap: f64 = Exp1.sample(rng);
            time += gap / lambda;
            if time > end || time.is_nan() {
                break;
            }
            let order = match (&order_value, scale) {
                (Some(z), _) => z.sample(rng),
                (None, Spending::Fixed(mean)) => *mean,
                (None, Spending::Drawn(..)) => 0.0,
            };
            let month = (time / self.periods_per_month).ceil().max(1.0);
            value += order / (1.0 + self.monthly_discount_rate).powf(month);
            if coin > 0.0 && rng.random::<f64>() < coin {
                break;
            }
        }
        value * self.margin
    }
}

/// A customer's posterior dropout for the value draws.
enum Dropout {
    /// Pareto/NBD: `μ ~ Gamma(s, β + T)`.
    Rate(Gamma<f64>),
    /// BG/NBD and MBG/NBD: `p ~ Beta(a, b + x)` (MBG/NBD: `b + x + 1`).
    Coin(Beta<f64>),
}

/// A customer's order values for the value draws.
enum Spending {
    /// Gamma-Gamma: `z ~ Gamma(p, ν)`, `ν` from its posterior.
    Drawn(f64, Gamma<f64>),
    /// The observed mean order value.
    Fixed(f64),
}

/// The value range at `level` of a customer's `draws` (module doc), with
/// `estimate` the expected CLV.
fn value_range_of(estimate: f64, draws: &mut [f64], level: f64) -> Interval {
    if draws.is_empty() {
        return Interval {
            estimate,
            low: estimate,
            high: estimate,
        };
    }
    draws.sort_unstable_by(f64::total_cmp);
    let zeros = draws.iter().take_while(|v| **v <= 0.0).count() as f64 / draws.len() as f64;
    let (low, high) = if zeros >= level {
        (0.0, 0.0)
    } else if zeros > (1.0 - level) / 2.0 {
        (0.0, quantile(draws, level))
    } else {
        (
            quantile(draws, (1.0 - level) / 2.0),
            quantile(draws, (1.0 + level) / 2.0),
        )
    };
    Interval {
        estimate,
        low,
        high,
    }
}

/// The percentile interval of `values` at `level`, widened to contain
/// `estimate`; the flag says whether it was widened.
fn percentile_interval(estimate: f64, values: &mut [f64], level: f64) -> (Interval, bool) {
    values.sort_unstable_by(f64::total_cmp);
    let mut low = quantile(values, (1.0 - level) / 2.0);
    let mut high = quantile(values, (1.0 + level) / 2.0);
    let widened = !(low <= estimate && estimate <= high);
    low = low.min(estimate);
    high = high.max(estimate);
    (
        Interval {
            estimate,
            low,
            high,
        },
        widened,
    )
}

/// The `p` quantile of sorted `values`, interpolating linearly between order
/// statistics (Hyndman & Fan 1996, type 7); `values` must not be empty.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The first row of each distinct `(frequency, recency, T, monetary_value)`,
/// and each row's distinct index.
fn distinct_customers(customers: &[CustomerSummary]) -> (Vec<usize>, Vec<usize>) {
    let mut seen: rustc_hash::FxHashMap<[u64; 4], usize> = Default::default();
    let mut first = Vec::new();
    let rows = customers
        .iter()
        .enumerate()
        .map(|(row, c)| {
            let key = [c.frequency, c.recency, c.t, c.monetary_value].map(f64::to_bits);
            *seen.entry(key).or_insert_with(|| {
                first.push(row);
                first.len() - 1
            })
        })
        .collect();
    (first, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Type-7 quantiles checked against R's `quantile(1:5, c(.05, .5, .95))`
    /// = 1.2, 3.0, 4.8.
    #[test]
    fn quantiles_match_r_type_7() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        for (p, want) in [(0.05, 1.2), (0.5, 3.0), (0.95, 4.8)] {
            assert!((quantile(&v, p) - want).abs() < 1e-12, "{p}");
        }
    }

    proptest::proptest! {
        /// Every interval contains its estimate, whatever the resampled values.
        #[test]
        fn intervals_contain_their_estimate(
            mut values in proptest::collection::vec(-1e6f64..1e6, 1..50),
            estimate in -2e6f64..2e6,
            level in 0.01f64..0.99,
        ) {
            let (i, _) = percentile_interval(estimate, &mut values, level);
            proptest::prop_assert!(i.low <= estimate && estimate <= i.high && i.estimate == estimate);
        }
    }

    #[test]
    fn intervals_are_widened_to_the_estimate() {
        let mut v = vec![2.0, 3.0, 4.0];
        let (i, widened) = percentile_interval(10.0, &mut v, 0.9);
        assert!(widened);
        assert_eq!((i.low, i.high), (2.1, 10.0));
    }
}
