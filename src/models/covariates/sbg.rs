//! The shifted-beta-geometric retention model with a fixed categorical
//! covariate: which channel or first product brings subscribers who stay.
//!
//! # Parameterisation
//!
//! With `z_i` the one-hot vector of subscriber `i`'s group (dummy coding,
//! the largest named group the baseline, grouped as in
//! [`super::covariate_effects`]),
//!
//! ```text
//! α_i = α·exp(γ_α·z_i),   β_i = β·exp(γ_β·z_i)
//! ```
//!
//! the family of PyMC-Marketing 0.19.2's `ShiftedBetaGeoModel` with
//! `dropout_covariate_cols`, which writes `alpha = alpha_scale·exp(−X·c_α)`
//! and the same for `beta`: `γ = −c` (its log-density at fixed parameters
//! is checked by `scripts/golden_sbg_covariates.py` and the test
//! `log_likelihood_matches_pymc_marketing`). Each subscriber's churn
//! probability per period is `θ_i ~ Beta(α_i, β_i)`: a group's churn at the first renewal is
//! `α_g/(α_g+β_g)` (its logit moves by `γ_α − γ_β`), and a shared
//! coefficient on both would move the spread of `θ`, never its mean.
//!
//! # Fitting, intervals, test
//!
//! The log-likelihood is the sum over groups of the plain sBG's
//! ([`crate::models::ShiftedBetaGeometric`]) at the group's parameters.
//! Maximum a posteriori by BFGS over `(ln α, ln β, γ's)` with the plain
//! sBG's prior (none: the plain fit is by maximum likelihood) and the
//! normal prior with sd [`super::COVARIATE_PRIOR_SD`] on each `γ`
//! ([`super::Prior::None`] drops it); the covariance is the inverse
//! Hessian of the negative log-posterior; Wald intervals on the `γ`'s and
//! delta-method intervals on a group's derived values (the logit of its
//! first churn, the log of its churn multiplier and of its expected
//! periods). The likelihood-ratio test against the plain sBG has
//! `2·(groups − 1)` degrees of freedom. With one group there is no `γ`
//! and the fit is the plain sBG's.

use serde::Serialize;

use super::{
    chi_squared_p_value, coefficients_of, delta_variance, fit_grouped, group_params, log_estimate,
    z_for, Coefficient, Estimate, GroupKind, Grouping, Link, LrTest, MIN_GROUP_CUSTOMERS,
};
use crate::models::fit::{Estimable, FitOptions, Params, Prior};
use crate::models::{ShiftedBetaGeometric, SurvivalData};
use crate::{Diagnostic, DiagnosticCode, Error, Result};

/// A group with fewer churned subscribers is too small to read an effect
/// from: churn is learnt from those who left, and fewer than 10 leave the
/// estimate to a handful of people and the prior (as
/// [`super::MIN_GROUP_REPEATERS`] for the purchase models).
pub const MIN_GROUP_CHURNED: usize = 10;

/// How the coefficients enter `(α, β)`: `α·exp(γ_α)`, `β·exp(γ_β)`.
const SBG: Link = Link {
    effects: &[("alpha", &[(0, 1.0)]), ("beta", &[(1, 1.0)])],
};

/// One subscriber's lifetime in periods (renewals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Lifetime {
    /// Churned: the periods before churning (at least 1). Censored: the
    /// periods seen active (0: not yet due to renew).
    pub periods: u32,
    /// Whether the subscriber churned after `periods` (else censored).
    pub churned: bool,
}

/// Options of [`sbg_covariate_effects`].
#[derive(Debug, Clone, PartialEq)]
pub struct SbgCovariateOptions {
    /// Fit settings and prior (default [`FitOptions::default`]).
    pub fit: FitOptions,
    /// Coverage of every interval (default 0.9).
    pub level: f64,
    /// The periods a group's expected periods count (default 36, as
    /// [`crate::subscription::LIFETIME_DELIVERIES`]).
    pub horizon: u32,
    /// The largest groups kept apart; the rest are pooled as "other"
    /// (default 20, at least 1).
    pub max_groups: usize,
}

impl Default for SbgCovariateOptions {
    fn default() -> SbgCovariateOptions {
        SbgCovariateOptions {
            fit: FitOptions::default(),
            level: 0.9,
            horizon: crate::subscription::LIFETIME_DELIVERIES,
            max_groups: 20,
        }
    }
}

/// What [`sbg_covariate_effects`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SbgCovariateReport {
    /// `"sbg"`.
    pub model: &'static str,
    /// The prior the estimates maximise the posterior under.
    pub prior: Prior,
    /// The intervals' coverage.
    pub level: f64,
    /// The periods [`SbgGroupEffect::expected_periods`] counts.
    pub horizon: u32,
    /// The baseline group's name (`None` only when no subscriber's group
    /// has a value).
    pub baseline: Option<String>,
    /// The baseline's `alpha, beta`.
    pub params: Params,
    /// The coefficients (`"alpha"`, `"beta"`), one per effect and
    /// non-baseline group.
    pub coefficients: Vec<Coefficient>,
    /// The log-likelihood with the covariate.
    pub log_likelihood: f64,
    /// The plain sBG's log-likelihood.
    pub log_likelihood_without: f64,
    /// The likelihood-ratio test of the covariate, `2·(groups − 1)` df.
    pub lr_test: LrTest,
    /// Subscribers fitted.
    pub customers: usize,
    /// Whether both fits met the gradient tolerance.
    pub converged: bool,
    /// Every group, the baseline first, then by subscribers.
    pub groups: Vec<SbgGroupEffect>,
    /// Warnings, e.g. a group too small to say anything.
    pub diagnostics: Vec<Diagnostic>,
}

/// One group's retention, in plain numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SbgGroupEffect {
    /// A value, the pooled values or the subscribers without a value.
    pub kind: GroupKind,
    /// The value (for [`GroupKind::Value`]).
    pub name: Option<String>,
    /// How many values the group holds (1 for a value, 0 for missing).
    pub values: usize,
    /// Whether this is the baseline.
    pub baseline: bool,
    /// Subscribers.
    pub customers: usize,
    /// Subscribers seen to churn.
    pub churned: usize,
    /// Subscribers who renewed at least once.
    pub renewed: usize,
    /// Fewer than [`MIN_GROUP_CUSTOMERS`] subscribers or
    /// [`MIN_GROUP_CHURNED`] churned.
    pub small: bool,
    /// The group's `alpha, beta`.
    pub params: Params,
    /// Churn at the first renewal, `α_g/(α_g+β_g)` (interval on its logit).
    pub first_churn: Estimate,
    /// First churn over the baseline's (1 for the baseline, without
    /// interval). Above 1: subscribers leave sooner.
    pub churn_multiplier: Estimate,
    /// Expected periods among the first [`SbgCovariateReport::horizon`],
    /// the first included ([`ShiftedBetaGeometric::expected_periods_within`]).
    pub expected_periods: Estimate,
    /// The unbounded mean lifetime `(α_g+β_g−1)/(α_g−1)`; `None` (infinite)
    /// for `α_g <= 1`.
    pub mean_lifetime: Option<f64>,
}

/// The per-group survival data with every group over the same periods.
fn survival_data(lifetimes: &[Lifetime], of: &[usize], groups: usize) -> Result<Vec<SurvivalData>> {
    let m = lifetimes
        .iter()
        .map(|l| l.periods as usize)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut lost = vec![vec![0.0; m]; groups];
    let mut censored = vec![vec![0.0; m + 1]; groups];
    for (l, &g) in lifetimes.iter().zip(of) {
        if l.churned {
            lost[g][l.periods as usize - 1] += 1.0;
        } else {
            censored[g][l.periods as usize] += 1.0;
        }
    }
    lost.iter()
        .zip(&censored)
        .map(|(l, c)| SurvivalData::from_lifetimes(l, c))
        .collect()
}

/// Fits the sBG with the group of each subscriber as a categorical
/// covariate and says per group how long its subscribers stay.
///
/// `labels[i]` is the group of `lifetimes[i]` (`None`: no value).
///
/// # Errors
///
/// [`crate::ErrorKind::Options`] when `labels` and `lifetimes` differ in
/// number, an option is out of range or a churned lifetime has 0 periods;
/// the plain sBG's errors (nobody churned) when it cannot be fitted.
pub fn sbg_covariate_effects(
    lifetimes: &[Lifetime],
    labels: &[Option<&str>],
    options: &SbgCovariateOptions,
) -> Result<SbgCovariateReport> {
    if labels.len() != lifetimes.len() {
        return Err(Error::options(format!(
            "{} group labels for {} subscribers",
            labels.len(),
            lifetimes.len()
        )));
    }
    if !(options.level > 0.0 && options.level < 1.0) {
        return Err(Error::options(format!(
            "level must be between 0 and 1, got {}",
            options.level
        )));
    }
    if options.horizon == 0 {
        return Err(Error::options("the horizon must be at least 1 period"));
    }
    if options.max_groups == 0 {
        return Err(Error::options("max groups must be at least 1"));
    }
    if let Some(i) = lifetimes.iter().position(|l| l.churned && l.periods == 0) {
        return Err(Error::options(format!(
            "subscriber {i} churned after 0 periods: a churned lifetime has at least 1"
        )));
    }
    if lifetimes.is_empty() {
        return Err(Error::options("there are no subscribers"));
    }
    let mut grouping = Grouping::new(labels, options.max_groups);
    let groups = grouping.groups.len();
    let mut churned = vec![0usize; groups];
    let mut renewed = vec![0usize; groups];
    for (l, &g) in lifetimes.iter().zip(&grouping.of) {
        churned[g] += usize::from(l.churned);
        // Churned after 2 periods or more, or seen active after 1 or more.
        renewed[g] += usize::from(l.periods > u32::from(l.churned));
    }
    for (info, &r) in grouping.groups.iter_mut().zip(&renewed) {
        info.repeaters = r;
    }
    let whole = survival_data(lifetimes, &vec![0; lifetimes.len()], 1)?
        .pop()
        .ok_or_else(|| Error::options("there are no subscribers"))?;
    let plain = ShiftedBetaGeometric::fit(&whole, &options.fit)?;
    let data: Vec<Option<SurvivalData>> = survival_data(lifetimes, &grouping.of, groups)?
        .into_iter()
        .map(Some)
        .collect();
    let gamma_prior = options.fit.prior == Prior::Weak;
    let plain_params = vec![plain.model().alpha(), plain.model().beta()];
    let mut starts = vec![plain_params];
    starts.extend(<ShiftedBetaGeometric as Estimable>::starts(&whole));
    let fitted = fit_grouped::<ShiftedBetaGeometric>(
        &data,
        &SBG,
        None,
        gamma_prior,
        &starts,
        &options.fit,
        lifetimes.len() as f64,
    )?;
    let mut diagnostics = Vec::new();
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
            .model("sbg"),
        );
    }
    if fitted.covariance.is_none() {
        diagnostics.push(
            Diagnostic::new(
                DiagnosticCode::CovariateNoIntervals,
                "the hessian of the negative log-posterior is not positive definite: \
                 no intervals for the group effects",
            )
            .model("sbg"),
        );
    }
    let k = 2;
    let z = z_for(options.level);
    let theta = &fitted.theta;
    let cov = fitted.covariance.as_deref();
    let coefficients = coefficients_of(&SBG, k, groups, theta, cov, z, theta.len());
    let params_of = |t: &[f64], g: usize| group_params(t, k, groups, &SBG, g);
    // ln α_g − ln β_g: the logit of the first churn.
    let logit = |t: &[f64], g: usize| {
        let p = params_of(t, g);
        p[0].ln() - p[1].ln()
    };
    let ln_first_churn = |t: &[f64], g: usize| {
        let p = params_of(t, g);
        p[0].ln() - (p[0] + p[1]).ln()
    };
    let horizon = options.horizon;
    let expected = |t: &[f64], g: usize| {
        let p = params_of(t, g);
        ShiftedBetaGeometric::new(p[0], p[1])
            .map(|m| m.expected_periods_within(horizon))
            .unwrap_or(f64::NAN)
    };
    let mut out = Vec::with_capacity(groups);
    for (g, info) in grouping.groups.iter().enumerate() {
        let params = params_of(theta, g);
        let small = info.customers < MIN_GROUP_CUSTOMERS || churned[g] < MIN_GROUP_CHURNED;
        let name = info.label.clone();
        if small {
            diagnostics.push(
                Diagnostic::new(
                    DiagnosticCode::CovariateGroupSmall,
                    format!(
                        "group {} has {} subscribers, {} of them renewed and {} churned: too few \
                         to read its effects (at least {MIN_GROUP_CUSTOMERS} and \
                         {MIN_GROUP_CHURNED} churned)",
                        info.described(),
                        info.customers,
                        renewed[g],
                        churned[g]
                    ),
                )
                .param("group", name.clone().unwrap_or_default())
                .param("kind", info.kind.as_str())
                .param("values", info.values)
                .param("customers", info.customers)
                .param("repeaters", renewed[g])
                .param("churned", churned[g])
                .model("sbg"),
            );
        }
        let first_churn = {
            let l = logit(theta, g);
            let sd = delta_variance(theta, cov, |t| logit(t, g)).map(f64::sqrt);
            let expit = |x: f64| 1.0 / (1.0 + (-x).exp());
            Estimate {
                value: expit(l),
                low: sd.map(|s| expit(l - z * s)),
                high: sd.map(|s| expit(l + z * s)),
            }
        };
        let churn_multiplier = if g == 0 {
            Estimate {
                value: 1.0,
                low: None,
                high: None,
            }
        } else {
            let ratio = |t: &[f64]| ln_first_churn(t, g) - ln_first_churn(t, 0);
            let variance = delta_variance(theta, cov, ratio).unwrap_or(f64::NAN);
            log_estimate(ratio(theta).exp(), variance, z)
        };
        let variance = delta_variance(theta, cov, |t| expected(t, g).ln()).unwrap_or(f64::NAN);
        let model = ShiftedBetaGeometric::new(params[0], params[1])?;
        out.push(SbgGroupEffect {
            kind: info.kind,
            name,
            values: info.values,
            baseline: g == 0,
            customers: info.customers,
            churned: churned[g],
            renewed: renewed[g],
            small,
            params: Params::new(ShiftedBetaGeometric::PARAM_NAMES, &params),
            first_churn,
            churn_multiplier,
            expected_periods: log_estimate(expected(theta, g), variance, z),
            mean_lifetime: model.mean_lifetime(),
        });
    }
    let df = SBG.effects.len() * (groups - 1);
    let statistic = (2.0 * (fitted.log_likelihood - plain.log_likelihood())).max(0.0);
    Ok(SbgCovariateReport {
        model: "sbg",
        prior: options.fit.prior,
        level: options.level,
        horizon,
        baseline: grouping.groups[0].label.clone(),
        params: Params::new(ShiftedBetaGeometric::PARAM_NAMES, &params_of(theta, 0)),
        coefficients,
        log_likelihood: fitted.log_likelihood,
        log_likelihood_without: plain.log_likelihood(),
        lr_test: LrTest {
            statistic,
            df,
            p_value: chi_squared_p_value(statistic, df)?,
        },
        customers: lifetimes.len(),
        converged: fitted.converged && plain.converged(),
        groups: out,
        diagnostics,
    })
}

#[cfg(test)]
mod tests;
