//! Purchase and spend models with a fixed categorical covariate: which
//! channel, campaign or first product brings customers who buy more often,
//! stay longer or spend more.
//!
//! Each customer belongs to one group (the value of a column on their first
//! purchase). With `z_i` the one-hot vector of customer `i`'s group, the
//! largest named group as the baseline (dummy coding, `z = 0` for the
//! baseline; the pooled "other" and the customers without a value are
//! never the baseline unless no group has a value, so the multipliers
//! compare with the same group as the descriptive tables of
//! [`crate::groups`]),
//! the models' parameters vary by group as in PyMC-Marketing 0.19
//! (`BetaGeoModel`, `ModifiedBetaGeoModel`, `ParetoNBDModel` with `purchase_covariate_cols` and
//! `dropout_covariate_cols`; Fader & Hardie, "Incorporating time-invariant
//! covariates into the Pareto/NBD and BG/NBD models", 2007):
//!
//! | model | purchase | dropout |
//! |---|---|---|
//! | BG/NBD, MBG/NBD | `α_i = α·exp(−γ_purchase·z_i)` | `a_i = a·exp(γ_dropout_a·z_i)`, `b_i = b·exp(γ_dropout_b·z_i)` |
//! | Pareto/NBD | `α_i = α·exp(−γ_purchase·z_i)` | `β_i = β·exp(−γ_dropout·z_i)` |
//! | Gamma-Gamma | `γ_i = γ·exp(γ_spend·z_i)` (the scale of the spend rate `ν`) | |
//!
//! `r` (and `s`, `p`, `q`) are shared. So a group's mean purchase rate
//! `r/α_i` is the baseline's times `exp(γ_purchase)`; a Pareto/NBD group's
//! mean dropout rate `s/β_i` the baseline's times `exp(γ_dropout)`; a
//! BG/NBD (MBG/NBD) group's mean dropout probability per repeat purchase
//! (per purchase) is
//! `a_i/(a_i+b_i)` (PyMC-Marketing gives `a` and `b` a coefficient each: a
//! shared one would move the spread of `p`, never its mean). The
//! Gamma-Gamma effect is ours (neither PyMC-Marketing nor CLVTools has a
//! spend model with covariates): the per-customer spend rate `ν_i ~
//! Gamma(q, γ_i)`, so each transaction's value is scaled by `exp(γ_spend)`
//! and the group's mean spend `pγ_i/(q−1)` is the baseline's times
//! `exp(γ_spend)`.
//!
//! # Likelihood
//!
//! The covariate is categorical, so the log-likelihood is the sum over
//! groups of the plain model's log-likelihood of the group's customers at
//! the group's parameters; the plain models' likelihoods and gradients are
//! reused as they are.
//!
//! # Fitting
//!
//! Maximum a posteriori by BFGS over `(ln base parameters, γ's)`: the plain
//! model's weak prior on the base parameters (as [`super::Prior`], centred
//! on the whole shop) and an independent normal prior with sd
//! [`COVARIATE_PRIOR_SD`] on each `γ`; [`super::Prior::None`] fits by plain
//! maximum likelihood. The starting points are the plain model's fit with
//! every `γ = 0` and the plain model's screened starts.
//!
//! # Uncertainty
//!
//! The covariance is the inverse of the numerical Hessian of the negative
//! log-posterior at the estimate (a Laplace approximation: with the prior's
//! curvature included, a small group's interval stays finite and honest
//! about resting on the prior). Each `γ` gets a Wald interval `γ ± z·se` at
//! [`CovariateOptions::level`]; multipliers are `exp` of those ends. The
//! intervals of a group's derived quantities (its dropout multiplier,
//! expected purchases, mean spend and value of a new customer) are by the
//! delta method on their logarithms, with the gradient by central
//! differences.
//! The difference between two groups' values of a new customer
//! ([`CovariateReport::value_difference`], for the what-if's channel shift)
//! is by the delta method over both fits' full covariances: the groups'
//! errors share the base parameters, so their own intervals do not give it.
//!
//! # Likelihood-ratio test
//!
//! `2 (LL_with − LL_without)`, the plain log-likelihoods of this fit and of
//! the plain model's, against χ² with as many degrees of freedom as the
//! purchase model has `γ`'s (BG/NBD and MBG/NBD `3·(groups−1)`, Pareto/NBD
//! `2·(groups−1)`); the p-value is the regularized upper incomplete gamma
//! `Q(df/2, stat/2)`. Under the weak priors both log-likelihoods are at
//! their MAP estimates, which on shops of some hundred customers differ
//! from the maxima by far less than the χ² quantiles (tested: the p-value
//! is uniform under no effect).

use serde::Serialize;
use statrs::function::erf::erf_inv;
use statrs::function::gamma::checked_gamma_ur;

use super::bgnbd::BgNbd;
use super::data::{Rfm, RfmData, Spend};
use super::fit::{self, value_and_gradient, Estimable, FitOptions, Params, Prior, WEAK_PRIOR_SD};
use super::gamma_gamma::{GammaGamma, SpendData};
use super::mbgnbd::MbgNbd;
use super::optim::{self, Settings};
use super::pareto_nbd::ParetoNbd;
use super::PurchaseModel;
use crate::summary::Summary;
use crate::{Diagnostic, DiagnosticCode, Error, Result};

/// Standard deviation of the normal prior on each covariate coefficient
/// `γ`, centred on 0 (no effect).
///
/// Why 2: a quarter of the curvature of PyMC-Marketing's default
/// `Normal(0, 1)` (`1/σ² = 0.25`), so that the data, not the prior, set any
/// effect a group of 30 customers can show; yet a group whose customers
/// never repeat cannot drive its purchase multiplier to the parameter bound
/// (`exp(−18)`): the prior costs 0.5 nats at a multiplier of `e² = 7.4`,
/// 4.5 nats at `e⁶ = 400`.
pub const COVARIATE_PRIOR_SD: f64 = 2.0;

/// A group with fewer customers is too small to read an effect from
/// ([`GroupEffect::small`]): with fewer than 30 customers the Wald interval's
/// normal approximation is poor (the same threshold as
/// [`crate::groups::GroupOptions::min_customers`]).
pub const MIN_GROUP_CUSTOMERS: usize = 30;

/// A group with fewer repeat customers is too small to read an effect from:
/// the purchase rate and dropout of a group are learnt from its repeat
/// customers, and fewer than 10 leave the estimate to a handful of people
/// and the prior.
pub const MIN_GROUP_REPEATERS: usize = 10;

// The log-parameters' bound: the plain fits' own.
use super::fit::LOG_BOUND;

/// What a group holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// The customers of one value.
    Value,
    /// The values beyond [`CovariateOptions::max_groups`], pooled.
    Other,
    /// The customers without a value.
    Missing,
}

impl GroupKind {
    /// The kind as the JSON and a diagnostic's `kind` parameter name it.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Value => "value",
            GroupKind::Other => "other",
            GroupKind::Missing => "missing",
        }
    }
}

/// The purchase model that carries the covariate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CovariateModel {
    /// BG/NBD with purchase and dropout (`a`, `b`) effects. The default.
    #[default]
    BgNbd,
    /// MBG/NBD with purchase and dropout (`a`, `b`) effects, as BG/NBD.
    MbgNbd,
    /// Pareto/NBD with purchase and dropout effects, `"pareto"`.
    #[serde(rename = "pareto")]
    ParetoNbd,
}

impl CovariateModel {
    /// `"bgnbd"`, `"mbgnbd"` or `"pareto"`.
    pub fn name(self) -> &'static str {
        match self {
            CovariateModel::BgNbd => "bgnbd",
            CovariateModel::MbgNbd => "mbgnbd",
            CovariateModel::ParetoNbd => "pareto",
        }
    }
}

/// Options of [`covariate_effects`].
#[derive(Debug, Clone, PartialEq)]
pub struct CovariateOptions {
    /// The purchase model (default BG/NBD).
    pub model: CovariateModel,
    /// Fit settings and prior (default [`FitOptions::default`]: weak priors).
    pub fit: FitOptions,
    /// Coverage of every interval (default 0.9).
    pub level: f64,
    /// Horizon of a new customer's expected purchases and value, in months
    /// (default 12).
    pub horizon_months: f64,
    /// The largest groups kept apart; the rest are pooled as "other"
    /// (default 20, at least 1).
    pub max_groups: usize,
}

impl Default for CovariateOptions {
    fn default() -> CovariateOptions {
        CovariateOptions {
            model: CovariateModel::BgNbd,
            fit: FitOptions::default(),
            level: 0.9,
            horizon_months: 12.0,
            max_groups: 20,
        }
    }
}

/// What [`covariate_effects`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CovariateReport {
    /// `"bgnbd"`, `"mbgnbd"` or `"pareto"`.
    pub model: &'static str,
    /// The prior the estimates maximise the posterior under.
    pub prior: Prior,
    /// The intervals' coverage.
    pub level: f64,
    /// Horizon of [`GroupEffect::expected_purchases`], in months and in the
    /// summary's periods.
    pub horizon_months: f64,
    /// [`CovariateReport::horizon_months`] in the summary's periods.
    pub horizon_periods: f64,
    /// The baseline group's name (the largest named group; `None` only when
    /// no customer's group has a value).
    pub baseline: Option<String>,
    /// The purchase model's baseline parameters (`r, alpha, a, b` or
    /// `r, alpha, s, beta`).
    pub params: Params,
    /// The coefficients, one per effect and non-baseline group, with their
    /// standard errors and intervals.
    pub coefficients: Vec<Coefficient>,
    /// The purchase model's log-likelihood with the covariate.
    pub log_likelihood: f64,
    /// The plain purchase model's log-likelihood (no covariate).
    pub log_likelihood_without: f64,
    /// The likelihood-ratio test of the covariate's purchase and dropout
    /// effects.
    pub lr_test: LrTest,
    /// Customers fitted.
    pub customers: usize,
    /// Whether both purchase fits met the gradient tolerance.
    pub converged: bool,
    /// Every group, the baseline first, then by customers.
    pub groups: Vec<GroupEffect>,
    /// The Gamma-Gamma fit with the spend effect; `None` when no spend
    /// model could be fitted (see the diagnostics).
    pub spend: Option<SpendFit>,
    /// Warnings, e.g. a group too small to say anything.
    pub diagnostics: Vec<Diagnostic>,
    /// Both fits' estimates and full covariances, for contrasts between
    /// groups ([`CovariateReport::value_difference`]); not serialized.
    #[serde(skip)]
    fits: Fits,
}

/// The spend model's baseline parameters and log-likelihoods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpendFit {
    /// `p, q, gamma` of the baseline group.
    pub params: Params,
    /// Log-likelihood with the spend effects.
    pub log_likelihood: f64,
    /// Repeat customers with a positive spend, fitted.
    pub customers: usize,
}

/// One coefficient `γ` of the linear predictor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    /// `"purchase"`, `"dropout"` (Pareto/NBD), `"dropout_a"`,
    /// `"dropout_b"` (BG/NBD) or `"spend"`.
    pub effect: &'static str,
    /// Index of the group in [`CovariateReport::groups`].
    pub group: usize,
    /// The estimate.
    pub estimate: f64,
    /// Its standard error; `None` without a covariance.
    pub standard_error: Option<f64>,
    /// The Wald interval's ends at [`CovariateReport::level`].
    pub low: Option<f64>,
    /// See [`Coefficient::low`].
    pub high: Option<f64>,
}

/// The likelihood-ratio test against the model without the covariate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LrTest {
    /// `2 (LL_with − LL_without)`, at least 0.
    pub statistic: f64,
    /// Degrees of freedom: the number of purchase and dropout coefficients.
    pub df: usize,
    /// `P(χ²_df >= statistic)`; 1 with no degrees of freedom.
    pub p_value: f64,
}

/// An estimate with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The point estimate.
    pub value: f64,
    /// Lower end of the interval; `None` without a covariance.
    pub low: Option<f64>,
    /// Upper end of the interval.
    pub high: Option<f64>,
}

/// One group's effects, in plain numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupEffect {
    /// A value, the values pooled beyond [`CovariateOptions::max_groups`],
    /// or the customers without a value.
    pub kind: GroupKind,
    /// The value (for [`GroupKind::Value`]).
    pub name: Option<String>,
    /// How many values the group holds (1 for a value, 0 for missing).
    pub values: usize,
    /// Whether this is the baseline the multipliers compare with.
    pub baseline: bool,
    /// Customers.
    pub customers: usize,
    /// Customers with at least one repeat purchase.
    pub repeaters: usize,
    /// Fewer than [`MIN_GROUP_CUSTOMERS`] customers or
    /// [`MIN_GROUP_REPEATERS`] repeat customers.
    pub small: bool,
    /// The purchase model's parameters for this group.
    pub params: Params,
    /// Mean purchase rate over the baseline's, `exp(γ_purchase)` (1 for the
    /// baseline, without interval).
    pub purchase_multiplier: Estimate,
    /// Mean dropout over the baseline's: the dropout rate `s/β_i`
    /// (Pareto/NBD, `exp(γ_dropout)`) or the dropout probability per repeat
    /// purchase `a_i/(a_i+b_i)` (BG/NBD). Above 1: customers leave sooner.
    pub dropout_multiplier: Estimate,
    /// Mean spend per transaction over the baseline's, `exp(γ_spend)`;
    /// `None` without a spend fit or repeat spend in the group.
    pub spend_multiplier: Option<Estimate>,
    /// Expected repeat purchases of a new customer of this group over the
    /// horizon.
    pub expected_purchases: Estimate,
    /// Expected spend per repeat transaction of a new customer, `pγ_i/(q−1)`.
    pub mean_spend: Option<Estimate>,
    /// Expected repeat purchases times mean spend: the repeat revenue of a
    /// new customer over the horizon (undiscounted, before margin).
    pub expected_value: Option<Estimate>,
}

/// Fits the purchase model and the Gamma-Gamma spend model with the group
/// of each customer as a categorical covariate, and says per group what a
/// new customer is worth and how the group differs from the largest.
///
/// `labels[i]` is the group of `summary.customers[i]` (`None`: no value,
/// pooled as [`GroupKind::Missing`]).
///
/// # Errors
///
/// [`crate::ErrorKind::Options`] when `labels` and the customers differ in
/// number or an option is out of range; the plain model's errors (nobody
/// repeats, too few customers) when the purchase model cannot be fitted.
/// A spend model that cannot be fitted is a diagnostic, not an error.
pub fn covariate_effects(
    summary: &Summary,
    labels: &[Option<&str>],
    options: &CovariateOptions,
) -> Result<CovariateReport> {
    if labels.len() != summary.customers.len() {
        return Err(Error::options(format!(
            "{} group labels for {} customers",
            labels.len(),
            summary.customers.len()
        )));
    }
    if !(options.level > 0.0 && options.level < 1.0) {
        return Err(Error::options(format!(
            "level must be between 0 and 1, got {}",
            options.level
        )));
    }
    if !(options.horizon_months > 0.0 && options.horizon_months.is_finite()) {
        return Err(Error::options(format!(
            "horizon must be a positive number of months, got {}",
            options.horizon_months
        )));
    }
    if options.max_groups == 0 {
        return Err(Error::options("max groups must be at least 1"));
    }
    let rows: Vec<Rfm> = summary
        .customers
        .iter()
        .map(|c| {
            Rfm::new(c.frequency, c.recency, c.t).map_err(|e| {
                Error::input(None, None, format!("customer \"{}\": {e}", c.customer_id))
            })
        })
        .collect::<Result<_>>()?;
    let mut grouping = Grouping::new(labels, options.max_groups);
    grouping.count_repeaters(&rows);
    let z = z_for(options.level);
    let horizon = options.horizon_months * summary.period.per_month();
    let purchase = match options.model {
        CovariateModel::BgNbd => fit_purchase::<BgNbd>(&rows, &grouping, &BGNBD, options, horizon)?,
        CovariateModel::MbgNbd => {
            fit_purchase::<MbgNbd>(&rows, &grouping, &BGNBD, options, horizon)?
        }
        CovariateModel::ParetoNbd => {
            fit_purchase::<ParetoNbd>(&rows, &grouping, &PARETO, options, horizon)?
        }
    };
    let mut diagnostics = purchase.diagnostics;
    let spend = fit_spend(summary, &grouping, options, &mut diagnostics);
    let fits = Fits {
        model: options.model,
        groups: grouping.groups.len(),
        horizon,
        purchase: Estimates {
            theta: purchase.theta,
            covariance: purchase.covariance,
        },
        spend: spend.as_ref().map(|s| Estimates {
            theta: s.theta.clone(),
            covariance: s.covariance.clone(),
        }),
        has_spend: spend
            .as_ref()
            .map_or_else(Vec::new, |s| s.groups.iter().map(Option::is_some).collect()),
    };
    let mut coefficients = purchase.coefficients;
    let mut groups = Vec::with_capacity(grouping.groups.len());
    for (g, info) in grouping.groups.iter().enumerate() {
        let small = info.customers < MIN_GROUP_CUSTOMERS || info.repeaters < MIN_GROUP_REPEATERS;
        let name = info.label.clone();
        if small {
            diagnostics.push(
                Diagnostic::new(
                    DiagnosticCode::CovariateGroupSmall,
                    format!(
                        "group {} has {} and {}: too few to read its effects (at least \
                         {MIN_GROUP_CUSTOMERS} customers and {MIN_GROUP_REPEATERS} repeat customers)",
                        info.described(),
                        counted(info.customers, "customer"),
                        counted(info.repeaters, "repeat customer"),
                    ),
                )
                .param("group", name.clone().unwrap_or_default())
                .param("kind", info.kind.as_str())
                .param("values", info.values)
                .param("customers", info.customers)
                .param("repeaters", info.repeaters)
                .model(options.model.name()),
            );
        }
        let spend_group = spend.as_ref().and_then(|s| s.groups[g]);
        let (spend_multiplier, mean_spend) = match spend_group {
            Some((multiplier, mean)) => (Some(multiplier), Some(mean)),
            None => (None, None),
        };
        let derived = &purchase.groups[g];
        let expected_value = mean_spend.map(|m| {
            let value = derived.expected_purchases.0 * m.value;
            let spend_var = spend
                .as_ref()
                .and_then(|s| s.log_variances[g])
                .unwrap_or(f64::NAN);
            log_estimate(value, derived.expected_purchases.1 + spend_var, z)
        });
        groups.push(GroupEffect {
            kind: info.kind,
            name,
            values: info.values,
            baseline: g == 0,
            customers: info.customers,
            repeaters: info.repeaters,
            small,
            params: derived.params.clone(),
            purchase_multiplier: derived.purchase_multiplier,
            dropout_multiplier: derived.dropout_multiplier,
            spend_multiplier,
            expected_purchases: log_estimate(
                derived.expected_purchases.0,
                derived.expected_purchases.1,
                z,
            ),
            mean_spend,
            expected_value,
        });
    }
    let spend_fit = spend.map(|s| {
        coefficients.extend(s.coefficients);
        s.fit
    });
    Ok(CovariateReport {
        model: options.model.name(),
        prior: options.fit.prior,
        level: options.level,
        horizon_months: options.horizon_months,
        horizon_periods: horizon,
        baseline: grouping.groups[0].label.clone(),
        params: purchase.params,
        coefficients,
        log_likelihood: purchase.log_likelihood,
        log_likelihood_without: purchase.log_likelihood_without,
        lr_test: purchase.lr_test,
        customers: rows.len(),
        converged: purchase.converged,
        groups,
        spend: spend_fit,
        diagnostics,
        fits,
    })
}

/// Two groups' new-customer values and their difference
/// ([`CovariateReport::value_difference`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ValueDifference {
    /// A new customer's expected repeat revenue over the horizon in the
    /// group moved from: expected repeat purchases times mean spend, as
    /// [`GroupEffect::expected_value`].
    pub from_value: f64,
    /// The same in the group moved to.
    pub to_value: f64,
    /// `to_value − from_value`.
    pub difference: f64,
    /// The variance of `difference` by the delta method; `None` when either
    /// fit has no covariance.
    pub variance: Option<f64>,
}

impl CovariateReport {
    /// A new customer's value in group `to` minus that in group `from`
    /// (indices in [`CovariateReport::groups`]), with the variance of the
    /// difference from both fits' full covariances.
    ///
    /// # Formula
    ///
    /// With `E_g(θ)` a new customer's expected repeat purchases over the
    /// horizon at group `g`'s purchase parameters and `m_g(φ) = p·γ_g/(q−1)`
    /// the group's mean spend, `D = E_to·m_to − E_from·m_from` and, by the
    /// delta method,
    ///
    /// ```text
    /// Var D ≈ ∇_θD' Σ_θ ∇_θD + ∇_φD' Σ_φ ∇_φD
    /// ```
    ///
    /// with the full covariances `Σ_θ` of the purchase fit (shared base
    /// parameters and both groups' coefficients, and their cross terms) and
    /// `Σ_φ` of the spend fit. The two fits are taken as independent, as
    /// Gamma-Gamma takes spend to be independent of the purchase process
    /// (Fader, Hardie & Lee 2005b): the purchase fit does not see spend and
    /// the spend fit conditions on the number of purchases. `∇_θ` is by
    /// central differences (step `1e-5`, as the groups' own intervals);
    /// `∇_φ` is exact: `∂m/∂ln p = ∂m/∂ln γ = ∂m/∂γ_spend = m`,
    /// `∂m/∂ln q = −m·q/(q−1)`.
    ///
    /// `None` when either index is out of range, there is no spend fit, or
    /// either group had no repeat spend (no spend estimate of its own).
    pub fn value_difference(&self, from: usize, to: usize) -> Option<ValueDifference> {
        let f = &self.fits;
        let spend = f.spend.as_ref()?;
        let (spend_theta, spend_cov) = (&spend.theta, &spend.covariance);
        if from >= f.groups || to >= f.groups || !f.has_spend[from] || !f.has_spend[to] {
            return None;
        }
        let (theta, cov) = (&f.purchase.theta, &f.purchase.covariance);
        let (m_from, m_to) = (
            f.mean_spend(spend_theta, from),
            f.mean_spend(spend_theta, to),
        );
        let (e_from, e_to) = (f.expected(theta, from), f.expected(theta, to));
        let h = 1e-5;
        let mut point = theta.clone();
        let mut purchase_gradient = vec![0.0; theta.len()];
        for i in 0..theta.len() {
            point[i] = theta[i] + h;
            let up = m_to * f.expected(&point, to) - m_from * f.expected(&point, from);
            point[i] = theta[i] - h;
            let down = m_to * f.expected(&point, to) - m_from * f.expected(&point, from);
            point[i] = theta[i];
            purchase_gradient[i] = (up - down) / (2.0 * h);
        }
        let q = spend_theta[1].exp();
        let mut spend_gradient = vec![0.0; spend_theta.len()];
        for (g, weight) in [(to, e_to), (from, -e_from)] {
            let d = weight * f.mean_spend(spend_theta, g);
            spend_gradient[0] += d;
            spend_gradient[1] -= d * q / (q - 1.0);
            spend_gradient[2] += d;
            if g > 0 {
                spend_gradient[3 + g - 1] += d;
            }
        }
        let variance = match (cov, spend_cov) {
            (Some(purchase), Some(spend)) => {
                let v = quadratic(purchase, &purchase_gradient) + quadratic(spend, &spend_gradient);
                let finite = purchase_gradient
                    .iter()
                    .chain(&spend_gradient)
                    .all(|g| g.is_finite());
                (v.is_finite() && finite).then_some(v.max(0.0))
            }
            _ => None,
        };
        let (from_value, to_value) = (e_from * m_from, e_to * m_to);
        Some(ValueDifference {
            from_value,
            to_value,
            difference: to_value - from_value,
            variance,
        })
    }
}

/// The χ² upper tail `P(χ²_df >= statistic) = Q(df/2, statistic/2)`.
///
/// # Errors
///
/// An [`crate::ErrorKind::Options`] error for a statistic that is negative
/// or not finite.
pub fn chi_squared_p_value(statistic: f64, df: usize) -> Result<f64> {
    if !(statistic >= 0.0 && statistic.is_finite()) {
        return Err(Error::options(format!(
            "a chi-squared statistic must be a finite number >= 0, got {statistic}"
        )));
    }
    if df == 0 {
        return Ok(1.0);
    }
    if statistic == 0.0 {
        return Ok(1.0);
    }
    checked_gamma_ur(df as f64 / 2.0, statistic / 2.0)
        .map_err(|e| Error::options(format!("chi-squared tail of {statistic} on {df} df: {e}")))
}

/// The two-sided standard normal quantile of coverage `level`.
fn z_for(level: f64) -> f64 {
    std::f64::consts::SQRT_2 * erf_inv(level)
}

/// `value` with the interval `exp(ln value ± z·sd)` for a log-variance.
fn log_estimate(value: f64, log_variance: f64, z: f64) -> Estimate {
    if log_variance.is_finite() && log_variance >= 0.0 && value > 0.0 && value.is_finite() {
        let half = z * log_variance.sqrt();
        Estimate {
            value,
            low: Some(value * (-half).exp()),
            high: Some(value * half.exp()),
        }
    } else {
        Estimate {
            value,
            low: None,
            high: None,
        }
    }
}

/// One group before the fit.
#[derive(Debug, Clone)]
struct GroupInfo {
    kind: GroupKind,
    label: Option<String>,
    values: usize,
    customers: usize,
    repeaters: usize,
}

/// `1 customer`, `2 customers`: a count as a sentence says it.
pub(crate) fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

impl GroupInfo {
    /// The group as the CLI's tables name it: its value, `other (N values)`
    /// for the pooled rest, `(no value)` for the customers without one.
    fn described(&self) -> String {
        match (self.kind, &self.label) {
            (GroupKind::Value, Some(label)) => format!("\"{label}\""),
            (GroupKind::Other, _) => format!("other ({} values)", self.values),
            _ => "(no value)".to_owned(),
        }
    }
}

/// Customers split into groups, the baseline (largest) first.
#[derive(Debug, Clone)]
struct Grouping {
    groups: Vec<GroupInfo>,
    /// Group index of each customer.
    of: Vec<usize>,
}

impl Grouping {
    fn new(labels: &[Option<&str>], max_groups: usize) -> Grouping {
        let mut by_value: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
        let mut values: Vec<(&str, usize)> = Vec::new();
        let mut missing = 0;
        for label in labels {
            match label {
                Some(v) => {
                    let next = values.len();
                    let i = *by_value.entry(v).or_insert(next);
                    if i == next {
                        values.push((v, 0));
                    }
                    values[i].1 += 1;
                }
                None => missing += 1,
            }
        }
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&i, &j| {
            values[j]
                .1
                .cmp(&values[i].1)
                .then(values[i].0.cmp(values[j].0))
        });
        let kept = order.len().min(max_groups);
        let mut slot = vec![0usize; values.len()];
        let mut groups: Vec<GroupInfo> = Vec::new();
        for (rank, &i) in order.iter().enumerate() {
            if rank < kept {
                slot[i] = groups.len();
                groups.push(GroupInfo {
                    kind: GroupKind::Value,
                    label: Some(values[i].0.to_owned()),
                    values: 1,
                    customers: 0,
                    repeaters: 0,
                });
            } else {
                if rank == kept {
                    groups.push(GroupInfo {
                        kind: GroupKind::Other,
                        label: None,
                        values: 0,
                        customers: 0,
                        repeaters: 0,
                    });
                }
                slot[i] = kept;
                groups[kept].values += 1;
            }
        }
        let missing_slot = groups.len();
        if missing > 0 {
            groups.push(GroupInfo {
                kind: GroupKind::Missing,
                label: None,
                values: 0,
                customers: 0,
                repeaters: 0,
            });
        }
        // The baseline is the largest named group (the first, as the values
        // come sorted), else the largest; then the rest by customers, as the
        // pooled and missing groups may outnumber the values.
        let of_raw: Vec<usize> = labels
            .iter()
            .map(|l| match l {
                Some(v) => slot[by_value[v]],
                None => missing_slot,
            })
            .collect();
        for &g in &of_raw {
            groups[g].customers += 1;
        }
        let named = |i: usize| groups[i].kind == GroupKind::Value;
        let mut rank: Vec<usize> = (0..groups.len()).collect();
        rank.sort_by(|&i, &j| {
            groups[j]
                .customers
                .cmp(&groups[i].customers)
                .then(i.cmp(&j))
        });
        if let Some(at) = rank.iter().position(|&i| named(i)) {
            let baseline = rank.remove(at);
            rank.insert(0, baseline);
        }
        let mut new_index = vec![0; groups.len()];
        for (new, &old) in rank.iter().enumerate() {
            new_index[old] = new;
        }
        let groups: Vec<GroupInfo> = rank.iter().map(|&i| groups[i].clone()).collect();
        Grouping {
            groups,
            of: of_raw.iter().map(|&g| new_index[g]).collect(),
        }
    }

    fn count_repeaters(&mut self, rows: &[Rfm]) {
        for g in &mut self.groups {
            g.repeaters = 0;
        }
        for (row, &g) in rows.iter().zip(&self.of) {
            if row.frequency() > 0.0 {
                self.groups[g].repeaters += 1;
            }
        }
    }
}

/// How the coefficients enter a model's parameters: per effect, its name
/// and the `(parameter index, sign)` pairs it multiplies by `exp(sign·γ)`.
struct Link {
    effects: &'static [(&'static str, &'static [(usize, f64)])],
}

const BGNBD: Link = Link {
    effects: &[
        ("purchase", &[(1, -1.0)]),
        ("dropout_a", &[(2, 1.0)]),
        ("dropout_b", &[(3, 1.0)]),
    ],
};

const PARETO: Link = Link {
    effects: &[("purchase", &[(1, -1.0)]), ("dropout", &[(3, -1.0)])],
};

const GAMMA_GAMMA: Link = Link {
    effects: &[("spend", &[(2, 1.0)])],
};

/// The model's parameters for group `g` (0: the baseline) at `theta =
/// (ln base, γ's effect by effect, groups 1.. within)`.
fn group_params(theta: &[f64], k: usize, groups: usize, link: &Link, g: usize) -> Vec<f64> {
    let mut ln: Vec<f64> = theta[..k].to_vec();
    if g > 0 {
        for (e, (_, targets)) in link.effects.iter().enumerate() {
            let gamma = theta[k + e * (groups - 1) + g - 1];
            for &(j, sign) in *targets {
                ln[j] += sign * gamma;
            }
        }
    }
    ln.iter().map(|v| v.exp()).collect()
}

/// The estimates behind a [`CovariateReport`], kept for contrasts between
/// groups: `(theta, covariance)` of the purchase fit, and of the spend fit
/// with which groups had repeat spend.
#[derive(Debug, Clone, PartialEq, Default)]
struct Fits {
    model: CovariateModel,
    groups: usize,
    /// The horizon in the summary's periods.
    horizon: f64,
    purchase: Estimates,
    spend: Option<Estimates>,
    /// Which groups have a spend estimate of their own (repeat spend).
    has_spend: Vec<bool>,
}

/// A fit's estimate of theta and its covariance (row-major; `None` when
/// the Hessian is not positive definite).
#[derive(Debug, Clone, PartialEq, Default)]
struct Estimates {
    theta: Vec<f64>,
    covariance: Option<Vec<f64>>,
}

impl Fits {
    /// Group `g`'s expected repeat purchases of a new customer over the
    /// horizon at the purchase fit's `theta` (NaN where the parameters are
    /// not a model).
    fn expected(&self, theta: &[f64], g: usize) -> f64 {
        fn at<M: CovariatePurchase>(params: &[f64], horizon: f64) -> f64 {
            M::from_params(params)
                .map(|m| m.expected_purchases_new(horizon))
                .unwrap_or(f64::NAN)
        }
        let link = match self.model {
            CovariateModel::ParetoNbd => &PARETO,
            CovariateModel::BgNbd | CovariateModel::MbgNbd => &BGNBD,
        };
        let params = group_params(theta, 4, self.groups, link, g);
        match self.model {
            CovariateModel::BgNbd => at::<BgNbd>(&params, self.horizon),
            CovariateModel::MbgNbd => at::<MbgNbd>(&params, self.horizon),
            CovariateModel::ParetoNbd => at::<ParetoNbd>(&params, self.horizon),
        }
    }

    /// Group `g`'s mean spend `pγ_g/(q−1)` at the spend fit's `theta`, as
    /// [`GroupEffect::mean_spend`] computes it.
    fn mean_spend(&self, theta: &[f64], g: usize) -> f64 {
        let p = group_params(theta, 3, self.groups, &GAMMA_GAMMA, g);
        (p[0].ln() + p[2].ln() - (p[1] - 1.0).ln()).exp()
    }
}

/// A grouped fit of one model.
struct GroupedFit {
    theta: Vec<f64>,
    /// Covariance of `theta` (row-major); `None` if the Hessian is not
    /// positive definite.
    covariance: Option<Vec<f64>>,
    log_likelihood: f64,
    converged: bool,
    iterations: usize,
    gradient_norm: f64,
}

/// Maximises the grouped posterior of `M` over `theta`.
///
/// `data[g]` is group `g`'s data (`None`: nothing to fit, e.g. no repeat
/// spend); `start` are natural base parameters tried with every `γ = 0`.
fn fit_grouped<M: Estimable>(
    data: &[Option<M::Data>],
    link: &Link,
    centers: Option<&[f64]>,
    gamma_prior: bool,
    starts: &[Vec<f64>],
    options: &FitOptions,
    n: f64,
) -> Result<GroupedFit> {
    let k = M::PARAM_NAMES.len();
    let groups = data.len();
    let dim = k + link.effects.len() * (groups - 1);
    let base_variance = WEAK_PRIOR_SD * WEAK_PRIOR_SD;
    let gamma_variance = COVARIATE_PRIOR_SD * COVARIATE_PRIOR_SD;
    // Total negative log-posterior (up to a constant) and its gradient in
    // theta.
    let objective = |theta: &[f64], grad: &mut [f64]| -> f64 {
        grad.iter_mut().for_each(|v| *v = 0.0);
        let mut value = 0.0;
        let mut natural = vec![0.0; k];
        for (g, d) in data.iter().enumerate() {
            let Some(d) = d else { continue };
            let params = group_params(theta, k, groups, link, g);
            let ll = value_and_gradient::<M>(&params, d, &mut natural);
            value -= ll;
            for j in 0..k {
                // d(-ll)/d ln p_j
                let dj = -natural[j] * params[j];
                grad[j] += dj;
                if g > 0 {
                    for (e, (_, targets)) in link.effects.iter().enumerate() {
                        for &(t, sign) in *targets {
                            if t == j {
                                grad[k + e * (groups - 1) + g - 1] += sign * dj;
                            }
                        }
                    }
                }
            }
        }
        if let Some(centers) = centers {
            for j in 0..k {
                let d = theta[j] - centers[j];
                value += d * d / (2.0 * base_variance);
                grad[j] += d / base_variance;
            }
        }
        if gamma_prior {
            for i in k..dim {
                value += theta[i] * theta[i] / (2.0 * gamma_variance);
                grad[i] += theta[i] / gamma_variance;
            }
        }
        value
    };
    let mut mean_objective = |theta: &[f64], grad: &mut [f64]| -> f64 {
        let v = objective(theta, grad);
        grad.iter_mut().for_each(|g| *g /= n);
        v / n
    };
    let mut scratch = vec![0.0; dim];
    let mut candidates: Vec<(f64, Vec<f64>)> = starts
        .iter()
        .map(|p| {
            let mut theta: Vec<f64> = p
                .iter()
                .map(|v| v.ln().clamp(-LOG_BOUND, LOG_BOUND))
                .collect();
            theta.resize(dim, 0.0);
            (mean_objective(&theta, &mut scratch), theta)
        })
        .filter(|(v, _)| v.is_finite())
        .collect();
    // The first start (the plain fit's estimate) always runs; the rest by
    // their screened value.
    let first = if candidates.is_empty() {
        None
    } else {
        Some(candidates.remove(0))
    };
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
    let settings = Settings {
        max_iterations: options.max_iterations,
        gradient_tolerance: options.gradient_tolerance,
        lower: -LOG_BOUND,
        upper: LOG_BOUND,
    };
    let best = first
        .into_iter()
        .chain(
            candidates
                .into_iter()
                .take(options.starts.saturating_sub(1)),
        )
        .map(|(_, theta)| optim::minimize(&mut mean_objective, &theta, settings))
        .filter(|m| m.value.is_finite())
        .min_by(|a, b| a.value.total_cmp(&b.value))
        .ok_or_else(|| {
            Error::model(
                M::NAME,
                "the likelihood is not finite at any starting point",
            )
            .with_code(crate::ErrorCode::ModelNotFinite)
        })?;
    let theta = best.x;
    let log_likelihood: f64 = data
        .iter()
        .enumerate()
        .filter_map(|(g, d)| {
            d.as_ref()
                .map(|d| M::log_likelihood(&group_params(&theta, k, groups, link, g), d))
        })
        .sum();
    if !log_likelihood.is_finite() {
        return Err(
            Error::model(M::NAME, "the likelihood is not finite at the estimates")
                .with_code(crate::ErrorCode::ModelNotFinite),
        );
    }
    // Hessian of the negative log-posterior by central differences of the
    // gradient, step 1e-4 in theta.
    let h = 1e-4;
    let mut hessian = vec![0.0; dim * dim];
    let (mut up, mut down) = (vec![0.0; dim], vec![0.0; dim]);
    let mut point = theta.clone();
    for j in 0..dim {
        point[j] = theta[j] + h;
        objective(&point, &mut up);
        point[j] = theta[j] - h;
        objective(&point, &mut down);
        point[j] = theta[j];
        for i in 0..dim {
            hessian[i * dim + j] = (up[i] - down[i]) / (2.0 * h);
        }
    }
    for i in 0..dim {
        for j in 0..i {
            let mean = 0.5 * (hessian[i * dim + j] + hessian[j * dim + i]);
            hessian[i * dim + j] = mean;
            hessian[j * dim + i] = mean;
        }
    }
    let covariance = if hessian.iter().all(|v| v.is_finite()) {
        optim::inverse_spd(&hessian, dim)
            .filter(|c| (0..dim).all(|i| c[i * dim + i].is_finite() && c[i * dim + i] > 0.0))
    } else {
        None
    };
    Ok(GroupedFit {
        theta,
        covariance,
        log_likelihood,
        converged: best.converged,
        iterations: best.iterations,
        gradient_norm: best.gradient_norm,
    })
}

/// `gᵀ Σ g` for a gradient `g` of a function of theta.
fn quadratic(covariance: &[f64], gradient: &[f64]) -> f64 {
    let d = gradient.len();
    let mut total = 0.0;
    for i in 0..d {
        for j in 0..d {
            total += gradient[i] * covariance[i * d + j] * gradient[j];
        }
    }
    total
}

/// The variance of `f(theta)` by the delta method, the gradient by central
/// differences (step `1e-5`); `None` without a covariance or where `f` is
/// not finite.
fn delta_variance(
    theta: &[f64],
    covariance: Option<&[f64]>,
    f: impl Fn(&[f64]) -> f64,
) -> Option<f64> {
    let covariance = covariance?;
    let h = 1e-5;
    let mut point = theta.to_vec();
    let mut gradient = vec![0.0; theta.len()];
    for i in 0..theta.len() {
        point[i] = theta[i] + h;
        let up = f(&point);
        point[i] = theta[i] - h;
        let down = f(&point);
        point[i] = theta[i];
        gradient[i] = (up - down) / (2.0 * h);
    }
    let v = quadratic(covariance, &gradient);
    (v.is_finite() && gradient.iter().all(|g| g.is_finite())).then_some(v.max(0.0))
}

/// What the purchase fit gives each group.
struct PurchaseGroup {
    params: Params,
    purchase_multiplier: Estimate,
    dropout_multiplier: Estimate,
    /// Expected repeat purchases of a new customer and the variance of its
    /// logarithm (NaN without a covariance).
    expected_purchases: (f64, f64),
}

struct PurchaseFit {
    params: Params,
    coefficients: Vec<Coefficient>,
    log_likelihood: f64,
    log_likelihood_without: f64,
    lr_test: LrTest,
    converged: bool,
    groups: Vec<PurchaseGroup>,
    diagnostics: Vec<Diagnostic>,
    /// The estimate of theta and its covariance.
    theta: Vec<f64>,
    covariance: Option<Vec<f64>>,
}

/// A purchase model the covariate fit can carry.
trait CovariatePurchase: Estimable<Data = RfmData> + PurchaseModel {
    /// The logarithm of the mean dropout (rate or probability) at natural
    /// parameters.
    fn ln_mean_dropout(params: &[f64]) -> f64;
}

impl CovariatePurchase for BgNbd {
    /// `ln(a/(a+b))`.
    fn ln_mean_dropout(params: &[f64]) -> f64 {
        params[2].ln() - (params[2] + params[3]).ln()
    }
}

impl CovariatePurchase for MbgNbd {
    /// `ln(a/(a+b))`: the mean dropout probability at each purchase.
    fn ln_mean_dropout(params: &[f64]) -> f64 {
        params[2].ln() - (params[2] + params[3]).ln()
    }
}

impl CovariatePurchase for ParetoNbd {
    /// `ln(s/β)`.
    fn ln_mean_dropout(params: &[f64]) -> f64 {
        params[2].ln() - params[3].ln()
    }
}

fn fit_purchase<M: CovariatePurchase>(
    rows: &[Rfm],
    grouping: &Grouping,
    link: &Link,
    options: &CovariateOptions,
    horizon: f64,
) -> Result<PurchaseFit> {
    let whole = RfmData::new(rows)?;
    let plain = fit::fit::<M>(&whole, &options.fit)?;
    let k = M::PARAM_NAMES.len();
    let groups = grouping.groups.len();
    let mut per_group: Vec<Vec<Rfm>> = vec![Vec::new(); groups];
    for (row, &g) in rows.iter().zip(&grouping.of) {
        per_group[g].push(*row);
    }
    let data: Vec<Option<RfmData>> = per_group
        .iter()
        .map(|r| RfmData::new(r).map(Some))
        .collect::<Result<_>>()?;
    let weak = options.fit.prior == Prior::Weak;
    let centers = if weak { M::prior_centers(&whole) } else { None };
    let plain_params: Vec<f64> = plain.params().iter().map(|(_, v)| v).collect();
    let mut starts = vec![plain_params];
    starts.extend(M::starts(&whole));
    let n = rows.len() as f64;
    let fitted = fit_grouped::<M>(
        &data,
        link,
        centers.as_deref(),
        weak,
        &starts,
        &options.fit,
        n,
    )?;
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    if !fitted.converged {
        diagnostics.push(
            Diagnostic::new(
                DiagnosticCode::NotConverged,
                format!(
                    "did not converge in {} iterations (largest gradient {:.2e})",
                    fitted.iterations, fitted.gradient_norm
                ),
            )
            .param("iterations", fitted.iterations)
            .param("gradient", fitted.gradient_norm)
            .model(M::NAME),
        );
    }
    if fitted.covariance.is_none() {
        diagnostics.push(
            Diagnostic::new(
                DiagnosticCode::CovariateNoIntervals,
                "the hessian of the negative log-posterior is not positive definite: \
                 no intervals for the group effects",
            )
            .model(M::NAME),
        );
    }
    let z = z_for(options.level);
    let theta = &fitted.theta;
    let cov = fitted.covariance.as_deref();
    let dim = theta.len();
    let coefficients = coefficients_of(link, k, groups, theta, cov, z, dim);
    let mut out_groups = Vec::with_capacity(groups);
    for g in 0..groups {
        let params = group_params(theta, k, groups, link, g);
        let purchase_multiplier = if g == 0 {
            Estimate {
                value: 1.0,
                low: None,
                high: None,
            }
        } else {
            let c = &coefficients[g - 1];
            Estimate {
                value: c.estimate.exp(),
                low: c.low.map(f64::exp),
                high: c.high.map(f64::exp),
            }
        };
        let ln_dropout_ratio = |t: &[f64]| {
            M::ln_mean_dropout(&group_params(t, k, groups, link, g))
                - M::ln_mean_dropout(&group_params(t, k, groups, link, 0))
        };
        let dropout_multiplier = if g == 0 {
            Estimate {
                value: 1.0,
                low: None,
                high: None,
            }
        } else {
            let variance = delta_variance(theta, cov, ln_dropout_ratio).unwrap_or(f64::NAN);
            log_estimate(ln_dropout_ratio(theta).exp(), variance, z)
        };
        let expected = |t: &[f64]| -> f64 {
            let p = group_params(t, k, groups, link, g);
            M::from_params(&p)
                .map(|m| m.expected_purchases_new(horizon))
                .unwrap_or(f64::NAN)
        };
        let value = expected(theta);
        let variance = delta_variance(theta, cov, |t| expected(t).ln()).unwrap_or(f64::NAN);
        out_groups.push(PurchaseGroup {
            params: Params::new(M::PARAM_NAMES, &params),
            purchase_multiplier,
            dropout_multiplier,
            expected_purchases: (value, variance),
        });
    }
    let df = link.effects.len() * (groups - 1);
    let statistic = (2.0 * (fitted.log_likelihood - plain.log_likelihood())).max(0.0);
    let lr_test = LrTest {
        statistic,
        df,
        p_value: chi_squared_p_value(statistic, df)?,
    };
    Ok(PurchaseFit {
        params: Params::new(M::PARAM_NAMES, &group_params(theta, k, groups, link, 0)),
        coefficients,
        log_likelihood: fitted.log_likelihood,
        log_likelihood_without: plain.log_likelihood(),
        lr_test,
        converged: fitted.converged && plain.converged(),
        groups: out_groups,
        diagnostics,
        theta: fitted.theta.clone(),
        covariance: fitted.covariance.clone(),
    })
}

/// The coefficients of `theta` with their Wald intervals, effect by effect.
fn coefficients_of(
    link: &Link,
    k: usize,
    groups: usize,
    theta: &[f64],
    cov: Option<&[f64]>,
    z: f64,
    dim: usize,
) -> Vec<Coefficient> {
    let mut out = Vec::new();
    for (e, (name, _)) in link.effects.iter().enumerate() {
        for g in 1..groups {
            let i = k + e * (groups - 1) + g - 1;
            let estimate = theta[i];
            let se = cov.map(|c| c[i * dim + i].sqrt());
            out.push(Coefficient {
                effect: name,
                group: g,
                estimate,
                standard_error: se,
                low: se.map(|s| estimate - z * s),
                high: se.map(|s| estimate + z * s),
            });
        }
    }
    out
}

/// The spend fit: per group `(multiplier, mean spend)` and the variance of
/// the mean spend's logarithm.
struct SpendResult {
    fit: SpendFit,
    coefficients: Vec<Coefficient>,
    groups: Vec<Option<(Estimate, Estimate)>>,
    log_variances: Vec<Option<f64>>,
    /// The estimate of theta and its covariance.
    theta: Vec<f64>,
    covariance: Option<Vec<f64>>,
}

fn fit_spend(
    summary: &Summary,
    grouping: &Grouping,
    options: &CovariateOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<SpendResult> {
    let groups = grouping.groups.len();
    let mut per_group: Vec<Vec<Spend>> = vec![Vec::new(); groups];
    let mut all = Vec::new();
    let mut left_out = 0usize;
    for (c, &g) in summary.customers.iter().zip(&grouping.of) {
        if c.frequency <= 0.0 {
            continue;
        }
        if !(c.monetary_value > 0.0 && c.monetary_value.is_finite()) {
            left_out += 1;
            continue;
        }
        let Ok(row) = Spend::new(c.frequency, c.monetary_value) else {
            left_out += 1;
            continue;
        };
        per_group[g].push(row);
        all.push(row);
    }
    if left_out > 0 {
        diagnostics.push(
            Diagnostic::new(
                DiagnosticCode::NonPositiveSpendLeftOut,
                format!(
                    "{left_out} repeat customers with a monetary value of 0 or less were left out"
                ),
            )
            .param("count", left_out)
            .model("gammagamma"),
        );
    }
    let fail = |diagnostics: &mut Vec<Diagnostic>, e: &Error| {
        diagnostics.push(
            Diagnostic::new(
                DiagnosticCode::CovariateSpendFailed,
                format!("the spend model with group effects could not be fitted: {e}"),
            )
            .error(e)
            .model("gammagamma"),
        );
    };
    let whole = match SpendData::new(&all) {
        Ok(d) => d,
        Err(e) => {
            fail(diagnostics, &e);
            return None;
        }
    };
    let plain = match GammaGamma::fit_data(&whole, &options.fit) {
        Ok(f) => f,
        Err(e) => {
            fail(diagnostics, &e);
            return None;
        }
    };
    let data: Vec<Option<SpendData>> = per_group
        .iter()
        .map(|rows| {
            if rows.is_empty() {
                None
            } else {
                SpendData::new(rows).ok()
            }
        })
        .collect();
    let weak = options.fit.prior == Prior::Weak;
    let plain_params: Vec<f64> = plain.params().iter().map(|(_, v)| v).collect();
    let mut starts = vec![plain_params];
    starts.extend(GammaGamma::starts(&whole));
    let fitted = match fit_grouped::<GammaGamma>(
        &data,
        &GAMMA_GAMMA,
        None,
        weak,
        &starts,
        &options.fit,
        all.len() as f64,
    ) {
        Ok(f) => f,
        Err(e) => {
            fail(diagnostics, &e);
            return None;
        }
    };
    let k = 3;
    let theta = &fitted.theta;
    let base = group_params(theta, k, groups, &GAMMA_GAMMA, 0);
    if let Err(e) = GammaGamma::new(base[0], base[1], base[2]) {
        fail(diagnostics, &e);
        return None;
    }
    let z = z_for(options.level);
    let cov = fitted.covariance.as_deref();
    let dim = theta.len();
    // A group without repeat spend has a coefficient set by its prior
    // alone: it is left out rather than shown as an estimate.
    let coefficients: Vec<Coefficient> =
        coefficients_of(&GAMMA_GAMMA, k, groups, theta, cov, z, dim);
    let multipliers: Vec<Option<&Coefficient>> = (0..groups)
        .map(|g| (g > 0 && data[g].is_some()).then(|| &coefficients[g - 1]))
        .collect();
    let mut out_groups = Vec::with_capacity(groups);
    let mut log_variances = Vec::with_capacity(groups);
    for (g, d) in data.iter().enumerate() {
        if d.is_none() && g > 0 {
            out_groups.push(None);
            log_variances.push(None);
            continue;
        }
        let multiplier = match multipliers[g] {
            None => Estimate {
                value: 1.0,
                low: None,
                high: None,
            },
            Some(c) => Estimate {
                value: c.estimate.exp(),
                low: c.low.map(f64::exp),
                high: c.high.map(f64::exp),
            },
        };
        let ln_mean = |t: &[f64]| {
            let p = group_params(t, k, groups, &GAMMA_GAMMA, g);
            p[0].ln() + p[2].ln() - (p[1] - 1.0).ln()
        };
        let variance = delta_variance(theta, cov, ln_mean);
        let mean = log_estimate(ln_mean(theta).exp(), variance.unwrap_or(f64::NAN), z);
        out_groups.push(Some((multiplier, mean)));
        log_variances.push(variance);
    }
    let coefficients = coefficients
        .iter()
        .filter(|c| data[c.group].is_some())
        .cloned()
        .collect();
    Some(SpendResult {
        fit: SpendFit {
            params: Params::new(GammaGamma::PARAM_NAMES, &base),
            log_likelihood: fitted.log_likelihood,
            customers: all.len(),
        },
        coefficients,
        groups: out_groups,
        log_variances,
        theta: fitted.theta.clone(),
        covariance: fitted.covariance.clone(),
    })
}

mod sbg;
pub use sbg::{
    sbg_covariate_effects, Lifetime, SbgCovariateOptions, SbgCovariateReport, SbgGroupEffect,
    MIN_GROUP_CHURNED,
};

#[cfg(test)]
mod tests;
