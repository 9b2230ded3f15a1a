//! Probability models of customer lifetime value, fitted by maximum a
//! posteriori under weak priors (the default) or by maximum likelihood.
//!
//! | model | type | fitted on | paper |
//! |---|---|---|---|
//! | BG/NBD | [`BgNbd`] | [`RfmData`] | Fader, Hardie & Lee 2005a |
//! | MBG/NBD | [`MbgNbd`] | [`RfmData`] | Batislam, Denizel & Filiztekin 2007 |
//! | Pareto/NBD | [`ParetoNbd`] | [`RfmData`] | Schmittlein, Morrison & Colombo 1987 |
//! | Gamma-Gamma | [`GammaGamma`] | [`Spend`] rows | Fader, Hardie & Lee 2005b |
//! | BG/BB | [`BgBb`] | [`DiscreteRfmData`] | Fader, Hardie & Shang 2010 |
//! | shifted beta-geometric | [`ShiftedBetaGeometric`] | [`SurvivalData`] | Fader & Hardie 2007 |
//!
//! Each model is a small validated value (`BgNbd::new(r, alpha, a, b)`) whose
//! methods return plain `f64`; `Model::fit(&data, &FitOptions)` returns a
//! [`Fit`] with the parameters, log-likelihood, AIC, BIC, standard errors and
//! convergence diagnostics. The purchase models share [`PurchaseModel`];
//! [`customer_lifetime_value`] combines one with a spend prediction.
//!
//! Fits run on unique `(x, t_x, T)` patterns with counts, maximise the
//! likelihood over log-parameters with BFGS from several screened starting
//! points, and never rescale time: likelihoods and `alpha`/`beta` are in the
//! data's own period unit. Every output is finite; data a model cannot be
//! fitted on is refused with an [`crate::ErrorKind::Model`] error.
//!
//! By default ([`Prior::Weak`]) the purchase models' fits add weak normal
//! priors (sd [`WEAK_PRIOR_SD`] = 3) on their log-parameters, so that small
//! shops with little evidence of dropout do not drive a fit to the
//! parameter bounds; their influence vanishes like `1/n` on large data (see
//! [`Prior`] for the centres and the reasons).
//! [`FitOptions::mle`] fits by plain maximum likelihood, as lifetimes and the
//! papers do; the golden tests use it. Where a fit still reaches a limit
//! (BG/NBD `a + b -> ∞`), predictions take the limit's closed form at a
//! fixed cost, and [`work`] counts what every routine of variable cost
//! does, with the per-stage budget of `analyze` it is tested against.

mod bgbb;
mod bgnbd;
mod clv;
mod covariates;
mod data;
mod fit;
mod gamma_gamma;
mod mbgnbd;
mod optim;
mod pareto_nbd;
mod sbg;
mod special;
#[cfg(test)]
mod tests;
mod timing;
pub mod work;

pub use bgbb::BgBb;
pub(crate) use bgnbd::survival as bgnbd_survival;
pub use bgnbd::BgNbd;
pub(crate) use clv::{
    check_inputs as check_clv_inputs, each_pattern_curve, lifetime_values, LifetimeValues,
};
pub use clv::{customer_lifetime_value, ClvOptions};
pub(crate) use covariates::counted;
pub use covariates::{
    chi_squared_p_value, covariate_effects, Coefficient, CovariateModel, CovariateOptions,
    CovariateReport, Estimate, GroupEffect, GroupKind, LrTest, SpendFit, ValueDifference,
    COVARIATE_PRIOR_SD, MIN_GROUP_CUSTOMERS, MIN_GROUP_REPEATERS,
};
pub use covariates::{
    sbg_covariate_effects, Lifetime, SbgCovariateOptions, SbgCovariateReport, SbgGroupEffect,
    MIN_GROUP_CHURNED,
};
pub use data::{DiscreteRfm, DiscreteRfmData, Rfm, RfmData, Spend};
pub use fit::{Fit, FitOptions, Params, Prior, WEAK_PRIOR_SD};
pub use gamma_gamma::GammaGamma;
pub use mbgnbd::MbgNbd;
pub use pareto_nbd::ParetoNbd;
pub use sbg::{ShiftedBetaGeometric, SurvivalData};
pub use timing::{next_purchase, NextPurchase, NEXT_PURCHASE_LEVELS};
pub(crate) use timing::{quantile, scale_of, Precision};

use crate::{Error, Result};

/// A continuous-time model of repeat purchases and dropout: BG/NBD, MBG/NBD
/// and Pareto/NBD.
///
/// Times are in the data's period unit. A horizon `t` that is negative or not
/// finite counts as 0. All methods return finite values.
pub trait PurchaseModel {
    /// The model's short name, e.g. `"bgnbd"`.
    fn name(&self) -> &'static str;

    /// Total log-likelihood of `data` under this model.
    fn log_likelihood(&self, data: &RfmData) -> f64;

    /// Probability that `customer` is still alive at `T`.
    fn p_alive(&self, customer: &Rfm) -> f64;

    /// Expected repeat purchases in `(T, T + t]` of a customer with
    /// `frequency` repeat purchases observed for `t_observed` periods, given
    /// that they are alive at `T` (it does not depend on `t_x`).
    fn expected_purchases_if_alive(&self, frequency: f64, t_observed: f64, t: f64) -> f64;

    /// [`PurchaseModel::expected_purchases_if_alive`] for one `frequency`,
    /// at every `horizons[j]` for every `t_observed[i]`, into
    /// `out[i * horizons.len() + j]` (`out` has exactly that many values).
    /// Models override it to share work across the grid.
    fn expected_purchases_if_alive_grid(
        &self,
        frequency: f64,
        t_observed: &[f64],
        horizons: &[f64],
        out: &mut [f64],
    ) {
        let rows = out.chunks_exact_mut(horizons.len().max(1));
        for (&observed, row) in t_observed.iter().zip(rows) {
            for (&t, value) in horizons.iter().zip(row.iter_mut()) {
                *value = self.expected_purchases_if_alive(frequency, observed, t);
            }
        }
    }

    /// Expected repeat purchases of `customer` in `(T, T + t]`:
    /// `p_alive · expected_purchases_if_alive`.
    fn expected_purchases(&self, customer: &Rfm, t: f64) -> f64 {
        self.p_alive(customer)
            * self.expected_purchases_if_alive(customer.frequency(), customer.t(), t)
    }

    /// Expected repeat purchases in `(0, t]` of a new customer, `E[X(t)]`.
    fn expected_purchases_new(&self, t: f64) -> f64;

    /// Probability that a new customer makes exactly `n` repeat purchases in
    /// `(0, t]`, `P(X(t) = n)`.
    fn p_purchases(&self, n: u32, t: f64) -> f64;

    /// Probability that a customer with `frequency` repeat purchases,
    /// observed for `t_observed` periods and alive at `T`, makes exactly `n`
    /// purchases in `(T, T + t]`.
    ///
    /// # Formula
    ///
    /// Given alive at `T`, the process starts afresh with the rates'
    /// posterior: the purchase rate is `Gamma(r+x, α+T)` in every model;
    /// BG/NBD's dropout probability `Beta(a, b+x)` (it survived `x` chances),
    /// MBG/NBD's `Beta(a, b+x+1)` (and `x+1`), Pareto/NBD's dropout rate
    /// `Gamma(s, β+T)`. An alive BG/NBD or MBG/NBD customer, like a new
    /// BG/NBD customer, cannot leave before their next purchase, so the
    /// answer is [`PurchaseModel::p_purchases`] of a BG/NBD with those
    /// parameters (of a Pareto/NBD with `(r+x, α+T, s, β+T)`).
    fn p_purchases_if_alive(&self, n: u32, frequency: f64, t_observed: f64, t: f64) -> f64;

    /// Probability that a customer alive at `T` (with `frequency` repeat
    /// purchases over `t_observed` periods) ever buys again: 1 for BG/NBD and
    /// MBG/NBD (they can leave only after a purchase), `E[λ/(λ+μ)]` under
    /// the posterior for Pareto/NBD.
    fn p_purchase_again_if_alive(&self, frequency: f64, t_observed: f64) -> f64;

    /// The density at `t` of an alive customer's wait from `T` to their next
    /// purchase (`-d/dt p_purchases_if_alive(0, ..)`): `(r+x)/A ·
    /// (A/(A+t))^(r+x+1)` with `A = α+T` for BG/NBD and MBG/NBD, times
    /// `(B/(B+t))^s` with `B = β+T` for Pareto/NBD (who may leave first).
    fn next_purchase_density_if_alive(&self, frequency: f64, t_observed: f64, t: f64) -> f64;

    /// Probability that a customer with `frequency` repeat purchases,
    /// observed for `t_observed` periods and alive at `T`, is still alive at
    /// `T + t`, whatever they buy in between.
    ///
    /// # Formula
    ///
    /// With the rates' posterior given alive of
    /// [`PurchaseModel::p_purchases_if_alive`] (`A = α+T`, `B = β+T`):
    ///
    /// - BG/NBD: a customer leaves only right after a purchase, with
    ///   probability `p`. Given `(λ, p)`, of the Poisson(`λt`) purchases the
    ///   process would make in `t`, each is followed by a dropout with
    ///   probability `p`, so none is with probability `e^(-λpt)`. Averaged
    ///   over `λ ~ Gamma(r+x, A)` this is `(1 + pt/A)^(-(r+x))`, and over
    ///   `p ~ Beta(a, b+x)` Euler's integral (DLMF 15.6.1):
    ///   `₂F₁(r+x, a; a+b+x; -t/A)`, the survival of a new customer of the
    ///   posterior's parameters ([`crate::customers`]' purchases module doc).
    /// - MBG/NBD (Batislam, Denizel & Filiztekin 2007): the same with
    ///   `p ~ Beta(a, b+x+1)`, as the customer also survived the chance to
    ///   leave at the first purchase (which lies before `T`, so it enters
    ///   `P(alive)` only): `₂F₁(r+x, a; a+b+x+1; -t/A)`.
    /// - Pareto/NBD: the lifetime is exponential with rate `μ ~ Gamma(s, B)`,
    ///   independent of the purchases, so `E[e^(-μt)] = (B/(B+t))^s`.
    ///
    /// 1 at `t = 0`, non-increasing in `t`.
    fn survival_if_alive(&self, frequency: f64, t_observed: f64, t: f64) -> f64;

    /// Probability that `customer` is still alive `t` periods after the end
    /// of observation `T`, not knowing what they buy meanwhile:
    /// `P(alive at T) · survival_if_alive(x, T, t)` (a customer dead at `T`
    /// stays dead). At `t = 0` it is [`PurchaseModel::p_alive`].
    fn p_alive_after(&self, customer: &Rfm, t: f64) -> f64 {
        let alive = self.p_alive(customer);
        let survival = self.survival_if_alive(customer.frequency(), customer.t(), t);
        (alive * survival).clamp(0.0, 1.0)
    }

    /// Probability that `customer` makes exactly `n` repeat purchases in
    /// `(T, T + t]`: `(1 - P(alive)) · [n = 0] + P(alive) ·
    /// p_purchases_if_alive`.
    fn p_purchases_next(&self, customer: &Rfm, n: u32, t: f64) -> f64 {
        let alive = self.p_alive(customer);
        let if_alive = self.p_purchases_if_alive(n, customer.frequency(), customer.t(), t);
        let dead = if n == 0 { 1.0 - alive } else { 0.0 };
        (dead + alive * if_alive).clamp(0.0, 1.0)
    }

    /// [`PurchaseModel::p_alive`] for every customer of `data`, in row order.
    fn p_alive_all(&self, data: &RfmData) -> Vec<f64> {
        data.per_row(|c| self.p_alive(c))
    }

    /// [`PurchaseModel::expected_purchases`] for every customer of `data`, in
    /// row order.
    fn expected_purchases_all(&self, data: &RfmData, t: f64) -> Vec<f64> {
        data.per_row_factored(
            |c| self.p_alive(c),
            |x, observed| self.expected_purchases_if_alive(x, observed, t),
        )
    }

    /// Expected repeat purchases of the whole base in the next `t` periods:
    /// the sum of [`PurchaseModel::expected_purchases`] over customers.
    fn expected_purchases_base(&self, data: &RfmData, t: f64) -> f64 {
        self.expected_purchases_all(data, t).iter().sum()
    }
}

/// The models by name, for callers that pick one at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// [`BgNbd`], `"bgnbd"`.
    BgNbd,
    /// [`MbgNbd`], `"mbgnbd"`.
    MbgNbd,
    /// [`ParetoNbd`], `"pareto"`.
    #[serde(rename = "pareto")]
    ParetoNbd,
    /// [`GammaGamma`], `"gammagamma"`.
    GammaGamma,
    /// [`BgBb`], `"bgbb"`.
    BgBb,
    /// [`ShiftedBetaGeometric`], `"sbg"`.
    Sbg,
}

impl ModelKind {
    /// All models, in the order of the table above.
    pub const ALL: [ModelKind; 6] = [
        ModelKind::BgNbd,
        ModelKind::MbgNbd,
        ModelKind::ParetoNbd,
        ModelKind::GammaGamma,
        ModelKind::BgBb,
        ModelKind::Sbg,
    ];

    /// The model's short name: `"bgnbd"`, `"mbgnbd"`, `"pareto"`,
    /// `"gammagamma"`, `"bgbb"` or `"sbg"`.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::BgNbd => "bgnbd",
            ModelKind::MbgNbd => "mbgnbd",
            ModelKind::ParetoNbd => "pareto",
            ModelKind::GammaGamma => "gammagamma",
            ModelKind::BgBb => "bgbb",
            ModelKind::Sbg => "sbg",
        }
    }

    /// The parameter names, in the paper's order.
    pub fn param_names(self) -> &'static [&'static str] {
        match self {
            ModelKind::BgNbd | ModelKind::MbgNbd => &["r", "alpha", "a", "b"],
            ModelKind::ParetoNbd => &["r", "alpha", "s", "beta"],
            ModelKind::GammaGamma => &["p", "q", "gamma"],
            ModelKind::BgBb => &["alpha", "beta", "gamma", "delta"],
            ModelKind::Sbg => &["alpha", "beta"],
        }
    }

    /// Whether the model predicts purchases from [`RfmData`] (BG/NBD,
    /// MBG/NBD, Pareto/NBD).
    pub fn is_purchase_model(self) -> bool {
        matches!(
            self,
            ModelKind::BgNbd | ModelKind::MbgNbd | ModelKind::ParetoNbd
        )
    }

    /// Fits a purchase model chosen at run time.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Options`] error if `self` is not a purchase
    /// model; otherwise the errors of the model's own `fit`.
    pub fn fit_purchase_model(
        self,
        data: &RfmData,
        options: &FitOptions,
    ) -> Result<Fit<Box<dyn PurchaseModel + Send + Sync>>> {
        match self {
            ModelKind::BgNbd => Ok(BgNbd::fit(data, options)?.boxed()),
            ModelKind::MbgNbd => Ok(MbgNbd::fit(data, options)?.boxed()),
            ModelKind::ParetoNbd => Ok(ParetoNbd::fit(data, options)?.boxed()),
            other => Err(Error::options(format!(
                "\"{}\" is not a purchase model; choose bgnbd, mbgnbd or pareto",
                other.name()
            ))),
        }
    }

    /// [`ModelKind::fit_purchase_model`]'s fitted model and log-likelihood,
    /// the same to the bit, without the standard errors and diagnostics
    /// (see `fit::point_estimate`): what the holdout validation's
    /// candidates need.
    ///
    /// # Errors
    ///
    /// As [`ModelKind::fit_purchase_model`].
    pub(crate) fn estimate_purchase_model(
        self,
        data: &RfmData,
        options: &FitOptions,
    ) -> Result<(Box<dyn PurchaseModel + Send + Sync>, f64)> {
        fn boxed<M: PurchaseModel + Send + Sync + 'static>(
            (model, log_likelihood): (M, f64),
        ) -> (Box<dyn PurchaseModel + Send + Sync>, f64) {
            (Box::new(model), log_likelihood)
        }
        match self {
            ModelKind::BgNbd => Ok(boxed(fit::point_estimate::<BgNbd>(data, options)?)),
            ModelKind::MbgNbd => Ok(boxed(fit::point_estimate::<MbgNbd>(data, options)?)),
            ModelKind::ParetoNbd => Ok(boxed(fit::point_estimate::<ParetoNbd>(data, options)?)),
            other => Err(Error::options(format!(
                "\"{}\" is not a purchase model; choose bgnbd, mbgnbd or pareto",
                other.name()
            ))),
        }
    }
}

impl std::str::FromStr for ModelKind {
    type Err = Error;

    /// Parses a model name, case-insensitively; `"pareto/nbd"`, `"paretonbd"`,
    /// `"bg/nbd"`, `"mbg/nbd"`, `"gamma-gamma"`, `"bg/bb"` are accepted too.
    fn from_str(s: &str) -> Result<ModelKind> {
        let key: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match key.as_str() {
            "bgnbd" => Ok(ModelKind::BgNbd),
            "mbgnbd" => Ok(ModelKind::MbgNbd),
            "pareto" | "paretonbd" => Ok(ModelKind::ParetoNbd),
            "gammagamma" | "gg" => Ok(ModelKind::GammaGamma),
            "bgbb" => Ok(ModelKind::BgBb),
            "sbg" | "shiftedbetageometric" => Ok(ModelKind::Sbg),
            _ => Err(Error::options(format!(
                "unknown model \"{s}\"; choose bgnbd, mbgnbd, pareto, gammagamma, bgbb or sbg"
            ))),
        }
    }
}
