//! Fitting shared by all models: multi-start BFGS on log-parameters, by
//! maximum a posteriori under weak priors ([`Prior::Weak`], the default) or
//! by plain maximum likelihood ([`Prior::None`]), then standard errors from
//! the numerical Hessian.
//!
//! The weak priors are documented on [`Prior`].

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::optim::{self, Settings};
use crate::{Diagnostic, DiagnosticCode, Error, ErrorCode, Result};

/// Log-parameters are kept in `[-LOG_BOUND, LOG_BOUND]`, i.e. parameters in
/// `[1.2e-8, 8.1e7]`: wide enough for any time unit from hours to years, narrow
/// enough that log-gamma differences keep ~8 significant digits.
pub(crate) const LOG_BOUND: f64 = 18.2;

/// Model parameters by name, in the paper's order. Serializes as a map.
#[derive(Debug, Clone, PartialEq)]
pub struct Params(Vec<(&'static str, f64)>);

impl Params {
    pub(crate) fn new(names: &[&'static str], values: &[f64]) -> Params {
        Params(names.iter().copied().zip(values.iter().copied()).collect())
    }

    /// The value of the parameter `name`, if the model has one.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    /// `(name, value)` pairs in the paper's order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        self.0.iter().copied()
    }
}

impl Serialize for Params {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// Standard deviation of the weak normal priors on log-parameters (see
/// [`Prior`]).
pub const WEAK_PRIOR_SD: f64 = 3.0;

/// The prior a fit maximises the posterior under.
///
/// # The weak priors
///
/// The purchase models (BG/NBD, MBG/NBD, Pareto/NBD) put an independent
/// normal prior with standard deviation [`WEAK_PRIOR_SD`] (= 3) on each
/// log-parameter, centred where a shop with no information would sit:
///
/// | model | `ln r` | `ln alpha` | `ln a` / `ln s` | `ln b` / `ln beta` |
/// |---|---|---|---|---|
/// | BG/NBD, MBG/NBD | 0 (`r = 1`) | `ln(1/rate)` | 0 (`a = 1`) | 0 (`b = 1`) |
/// | Pareto/NBD | 0 (`r = 1`) | `ln(1/rate)` | 0 (`s = 1`) | `ln(mean T)` |
///
/// with `rate` the base's repeat purchases per period and `mean T` its mean
/// observation length, so that the centres follow the data's time unit. Each
/// prior costs `(θ - centre)² / 18` nats: 0.5 at a factor `e^3 = 20` from its
/// centre, 18 at the parameter bound `e^18`. Small shops with little evidence
/// of dropout no longer drive the fit to the bound (BG/NBD `a, b -> ∞`,
/// Pareto/NBD `s -> 0`, `beta -> ∞`), where predictions are limits; the
/// prior's pull is fixed while the log-likelihood grows with the number of
/// customers `n`, so its influence on the estimates vanishes like `1/n`
/// (on the 2,357 simulated customers of the lifetimes golden data, CDNOW's
/// size, MAP and MLE estimates agree within 2%, predictions within 0.4%:
/// `src/models/tests/golden.rs`). [`Fit::log_likelihood`], AIC and BIC are
/// always the plain log-likelihood at the estimates, and a diagnostic says
/// which parameters the prior rather than the data determines. The other
/// models (Gamma-Gamma, BG/BB, sBG) have no prior: `Prior::Weak` fits them
/// by maximum likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Prior {
    /// Weak normal priors on the purchase models' log-parameters (above):
    /// maximum a posteriori. The default.
    #[default]
    Weak,
    /// No prior: plain maximum likelihood, as lifetimes and the papers fit.
    None,
}

/// How to fit. The defaults suit all models.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// Most BFGS iterations per start. Default 500.
    pub max_iterations: usize,
    /// Convergence when the largest gradient component of the mean negative
    /// log-likelihood with respect to the log-parameters is below this.
    /// Default `1e-7`.
    pub gradient_tolerance: f64,
    /// How many of the model's starting points are refined by BFGS; all
    /// candidates are screened by their likelihood first and the best
    /// `starts` are run. Default 2.
    pub starts: usize,
    /// Weak priors (maximum a posteriori, the default) or none (maximum
    /// likelihood).
    pub prior: Prior,
}

impl Default for FitOptions {
    fn default() -> FitOptions {
        FitOptions {
            max_iterations: 500,
            gradient_tolerance: 1e-7,
            starts: 2,
            prior: Prior::Weak,
        }
    }
}

impl FitOptions {
    /// The defaults with plain maximum likelihood ([`Prior::None`]).
    pub fn mle() -> FitOptions {
        FitOptions {
            prior: Prior::None,
            ..FitOptions::default()
        }
    }
}

/// A fitted model with its maximum-likelihood diagnostics.
///
/// Every number in it is finite. Serializes as
/// `{"model": "bgnbd", "params": {"r": …, …}, "log_likelihood": …, …}`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Fit<M> {
    #[serde(skip)]
    model: M,
    #[serde(rename = "model")]
    name: &'static str,
    params: Params,
    log_likelihood: f64,
    aic: f64,
    bic: f64,
    n: f64,
    prior: Prior,
    standard_errors: Option<Params>,
    /// `H⁻¹` row-major in the paper's parameter order (see [`Fit::covariance`]).
    #[serde(skip)]
    covariance: Option<Vec<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    standard_errors_note: Option<String>,
    iterations: usize,
    converged: bool,
    diagnostics: Vec<Diagnostic>,
    /// Parameters the weak prior sets more than the data (see
    /// [`Fit::prior_dominated`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    prior_dominated: Vec<&'static str>,
}

impl<M> Fit<M> {
    /// The same fit with the model behind a trait object.
    pub(crate) fn boxed(self) -> Fit<Box<dyn super::PurchaseModel + Send + Sync>>
    where
        M: super::PurchaseModel + Send + Sync + 'static,
    {
        Fit {
            model: Box::new(self.model),
            name: self.name,
            params: self.params,
            log_likelihood: self.log_likelihood,
            aic: self.aic,
            bic: self.bic,
            n: self.n,
            prior: self.prior,
            standard_errors: self.standard_errors,
            covariance: self.covariance,
            standard_errors_note: self.standard_errors_note,
            iterations: self.iterations,
            converged: self.converged,
            diagnostics: self.diagnostics,
            prior_dominated: self.prior_dominated,
        }
    }

    /// The fitted model, ready for predictions.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The fitted model, consuming the fit.
    pub fn into_model(self) -> M {
        self.model
    }

    /// The model's short name, e.g. `"bgnbd"`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The maximum-likelihood parameters by name.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The prior the estimates maximise the posterior under
    /// ([`Prior::None`]: maximum likelihood).
    pub fn prior(&self) -> Prior {
        self.prior
    }

    /// The log-likelihood at the estimates (the maximum under
    /// [`Prior::None`]), in the data's own time scale, without the prior.
    pub fn log_likelihood(&self) -> f64 {
        self.log_likelihood
    }

    /// Akaike's information criterion, `2k - 2 LL`.
    pub fn aic(&self) -> f64 {
        self.aic
    }

    /// Schwarz's Bayesian information criterion, `k ln n - 2 LL`.
    pub fn bic(&self) -> f64 {
        self.bic
    }

    /// Number of observations (customers, or cohort members for sBG) fitted.
    pub fn n(&self) -> f64 {
        self.n
    }

    /// Asymptotic standard errors, `sqrt(diag(H⁻¹))` with `H` the numerical
    /// Hessian of the negative log-likelihood at the optimum in natural
    /// parameters; `None` if `H` is not positive definite (see
    /// [`Fit::standard_errors_note`]).
    pub fn standard_errors(&self) -> Option<&Params> {
        self.standard_errors.as_ref()
    }

    /// The asymptotic covariance of the estimates, `H⁻¹` (the matrix whose
    /// diagonal gives [`Fit::standard_errors`]), row-major in the paper's
    /// parameter order; `None` exactly when there are no standard errors.
    pub fn covariance(&self) -> Option<&[f64]> {
        self.covariance.as_deref()
    }

    /// Why there are no standard errors, if there are none.
    pub fn standard_errors_note(&self) -> Option<&str> {
        self.standard_errors_note.as_deref()
    }

    /// BFGS iterations of the winning start.
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// Whether the winning start met the gradient tolerance.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// Warnings about the fit, e.g. a parameter stuck at its bound.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The parameters that the weak prior, not the data, determines: their
    /// log-likelihood curvature is below the prior's, or (every parameter)
    /// the likelihood's Hessian is not positive definite at the estimate.
    /// Empty under [`Prior::None`].
    pub fn prior_dominated(&self) -> &[&'static str] {
        &self.prior_dominated
    }
}

/// What the shared fitting driver needs from a model. Parameters are natural
/// (positive) values in the paper's order.
pub(crate) trait Estimable: Sized {
    /// Short name used in errors and output.
    const NAME: &'static str;
    /// Parameter names in the paper's order.
    const PARAM_NAMES: &'static [&'static str];
    /// What the model is fitted on.
    type Data;

    /// Number of observations, for BIC and the mean likelihood.
    fn observations(data: &Self::Data) -> f64;

    /// Refuses data the model cannot be fitted on.
    fn check_data(data: &Self::Data) -> Result<()>;

    /// Centres of the weak normal priors on the log-parameters, in the
    /// paper's order (see [`Prior`]); `None`: the model has no prior.
    fn prior_centers(_data: &Self::Data) -> Option<Vec<f64>> {
        None
    }

    /// Candidate starting points (natural parameters).
    fn starts(data: &Self::Data) -> Vec<Vec<f64>>;

    /// Total log-likelihood; may be non-finite where undefined.
    fn log_likelihood(params: &[f64], data: &Self::Data) -> f64;

    /// Total log-likelihood and its gradient in natural parameters, if the
    /// model has an analytic gradient.
    fn log_likelihood_gradient(
        _params: &[f64],
        _data: &Self::Data,
        _gradient: &mut [f64],
    ) -> Option<f64> {
        None
    }

    /// The validated model.
    fn from_params(params: &[f64]) -> Result<Self>;

    /// Refuses fitted parameters the model cannot use (Gamma-Gamma's `q <= 1`).
    fn check_fitted(&self) -> Result<()> {
        Ok(())
    }
}

/// Total log-likelihood and gradient, analytic if the model has one, else by
/// central differences in log-parameters (step `1e-5`, error `~1e-10`
/// relative, enough for BFGS and the tolerance `1e-7`).
pub(crate) fn value_and_gradient<M: Estimable>(
    params: &[f64],
    data: &M::Data,
    gradient: &mut [f64],
) -> f64 {
    super::work::add_likelihood(1);
    if let Some(ll) = M::log_likelihood_gradient(params, data, gradient) {
        return ll;
    }
    let ll = M::log_likelihood(params, data);
    super::work::add_likelihood(2 * params.len() as u64);
    let mut p = params.to_vec();
    for i in 0..params.len() {
        let h: f64 = 1e-5;
        p[i] = params[i] * h.exp();
        let up = M::log_likelihood(&p, data);
        p[i] = params[i] * (-h).exp();
        let down = M::log_likelihood(&p, data);
        p[i] = params[i];
        // d/dθ with θ = ln p, converted back to d/dp.
        gradient[i] = (up - down) / (2.0 * h) / params[i];
    }
    ll
}

/// Fits `M` to `data` by maximum likelihood.
pub(crate) fn fit<M: Estimable>(data: &M::Data, options: &FitOptions) -> Result<Fit<M>> {
    let estimate = estimate::<M>(data, options)?;
    Ok(with_uncertainty(data, estimate))
}

/// The point estimate of [`fit`], without its diagnostics and standard
/// errors: for callers that only predict with the model and compare
/// log-likelihoods (the holdout validation's candidates), sparing the
/// Hessian's `1 + 2k` gradient evaluations. The same model, to the bit, as
/// [`fit`]'s, and the same errors.
pub(crate) fn point_estimate<M: Estimable>(
    data: &M::Data,
    options: &FitOptions,
) -> Result<(M, f64)> {
    let e = estimate::<M>(data, options)?;
    Ok((e.model, e.log_likelihood))
}

/// What [`estimate`] finds.
struct Estimate<M> {
    model: M,
    /// Natural parameters, in the paper's order.
    params: Vec<f64>,
    log_likelihood: f64,
    /// The winning start's minimum (log-parameters).
    best: optim::Minimum,
    /// The weak prior's centres, if the fit has a prior.
    centers: Option<Vec<f64>>,
    /// Observations.
    n: f64,
}

/// The multi-start BFGS of [`fit`] and the log-likelihood at its optimum.
fn estimate<M: Estimable>(data: &M::Data, options: &FitOptions) -> Result<Estimate<M>> {
    if options.starts == 0 || options.max_iterations == 0 {
        return Err(Error::options(
            "fit needs at least one start and one iteration",
        ));
    }
    if !(options.gradient_tolerance > 0.0 && options.gradient_tolerance.is_finite()) {
        return Err(Error::options(format!(
            "gradient tolerance must be a positive number, got {}",
            options.gradient_tolerance
        )));
    }
    M::check_data(data)?;
    let k = M::PARAM_NAMES.len();
    let n = M::observations(data);
    if n <= k as f64 {
        return Err(Error::model(
            M::NAME,
            format!(
                "cannot fit {k} parameters on {n} customer{}; need more than {k}",
                if n == 1.0 { "" } else { "s" }
            ),
        )
        .with_code(ErrorCode::TooFewCustomers)
        .param("parameters", k)
        .param("customers", n));
    }
    let centers = match options.prior {
        Prior::Weak => M::prior_centers(data).filter(|c| c.len() == k),
        Prior::None => None,
    };
    // Negative log-prior (up to a constant) and its gradient in θ.
    let penalty = |theta: &[f64], grad: Option<&mut [f64]>| -> f64 {
        let Some(centers) = &centers else {
            return 0.0;
        };
        let variance = WEAK_PRIOR_SD * WEAK_PRIOR_SD;
        if let Some(grad) = grad {
            for i in 0..k {
                grad[i] = (theta[i] - centers[i]) / variance;
            }
        }
        theta
            .iter()
            .zip(centers)
            .map(|(t, c)| (t - c) * (t - c) / (2.0 * variance))
            .sum()
    };
    // Objective: mean negative log-posterior (log-likelihood without a
    // prior) in log-parameters.
    let mut prior_gradient = vec![0.0; k];
    let mut objective = |theta: &[f64], grad: &mut [f64]| -> f64 {
        let params: Vec<f64> = theta.iter().map(|t| t.exp()).collect();
        let ll = value_and_gradient::<M>(&params, data, grad);
        let prior = penalty(theta, Some(&mut prior_gradient));
        for i in 0..k {
            grad[i] = (-grad[i] * params[i] + prior_gradient[i]) / n;
        }
        (-ll + prior) / n
    };
    let mut candidates: Vec<(f64, Vec<f64>)> = M::starts(data)
        .into_iter()
        .map(|p| {
            let theta: Vec<f64> = p
                .iter()
                .map(|v| v.ln().clamp(-LOG_BOUND, LOG_BOUND))
                .collect();
            super::work::add_likelihood(1);
            let value = (-M::log_likelihood(&p, data) + penalty(&theta, None)) / n;
            (value, theta)
        })
        .filter(|(v, _)| v.is_finite())
        .collect();
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
    let settings = Settings {
        max_iterations: options.max_iterations,
        gradient_tolerance: options.gradient_tolerance,
        lower: -LOG_BOUND,
        upper: LOG_BOUND,
    };
    let best = candidates
        .iter()
        .take(options.starts)
        .map(|(_, theta)| optim::minimize(&mut objective, theta, settings))
        .filter(|m| m.value.is_finite())
        .min_by(|a, b| a.value.total_cmp(&b.value))
        .ok_or_else(|| {
            Error::model(
                M::NAME,
                "the likelihood is not finite at any starting point",
            )
            .with_code(ErrorCode::ModelNotFinite)
        })?;

    let params: Vec<f64> = best.x.iter().map(|t| t.exp()).collect();
    let model = M::from_params(&params)?;
    model.check_fitted()?;
    super::work::add_likelihood(1);
    let log_likelihood = M::log_likelihood(&params, data);
    if !log_likelihood.is_finite() {
        return Err(
            Error::model(M::NAME, "the likelihood is not finite at the estimates")
                .with_code(ErrorCode::ModelNotFinite),
        );
    }
    Ok(Estimate {
        model,
        params,
        log_likelihood,
        best,
        centers,
        n,
    })
}

/// The rest of [`fit`] after [`estimate`]: the bound and convergence
/// diagnostics, the standard errors and the prior's dominance.
fn with_uncertainty<M: Estimable>(data: &M::Data, estimate: Estimate<M>) -> Fit<M> {
    let Estimate {
        model,
        params,
        log_likelihood,
        best,
        centers,
        n,
    } = estimate;
    let k = M::PARAM_NAMES.len();
    let mut diagnostics = Vec::new();
    for (name, theta) in M::PARAM_NAMES.iter().zip(&best.x) {
        if theta.abs() >= LOG_BOUND - 1e-6 {
            let bound = theta.exp();
            diagnostics.push(
                Diagnostic::new(
                    DiagnosticCode::ParamAtBound,
                    format!("{name} reached the bound {bound:e}: the data do not identify it"),
                )
                .param("param", *name)
                .param("bound", bound),
            );
        }
    }
    if !best.converged {
        diagnostics.push(
            Diagnostic::new(
                DiagnosticCode::NotConverged,
                format!(
                    "did not converge in {} iterations (largest gradient {:.2e})",
                    best.iterations, best.gradient_norm
                ),
            )
            .param("iterations", best.iterations)
            .param("gradient", best.gradient_norm),
        );
    }
    let mut prior_dominated = Vec::new();
    let (standard_errors, covariance, standard_errors_note) =
        match standard_errors::<M>(&params, data) {
            Ok((se, curvature, inverse)) => {
                if centers.is_some() {
                    prior_dominated = prior_dominance_diagnostics(
                        M::PARAM_NAMES,
                        &params,
                        &curvature,
                        &mut diagnostics,
                    );
                }
                (Some(Params::new(M::PARAM_NAMES, &se)), Some(inverse), None)
            }
            Err(note) => {
                if centers.is_some() {
                    prior_dominated = M::PARAM_NAMES.to_vec();
                    diagnostics.push(Diagnostic::new(
                        DiagnosticCode::PriorSetsDirection,
                        "the weak prior, not the data, determines the estimates along a direction \
                         the likelihood does not identify",
                    ));
                }
                (None, None, Some(note))
            }
        };
    Fit {
        model,
        name: M::NAME,
        params: Params::new(M::PARAM_NAMES, &params),
        log_likelihood,
        aic: 2.0 * k as f64 - 2.0 * log_likelihood,
        bic: k as f64 * n.ln() - 2.0 * log_likelihood,
        n,
        prior: if centers.is_some() {
            Prior::Weak
        } else {
            Prior::None
        },
        standard_errors,
        covariance,
        standard_errors_note,
        iterations: best.iterations,
        converged: best.converged,
        diagnostics,
        prior_dominated,
    }
}

/// Standard errors, log-parameter curvatures and the covariance `H⁻¹`
/// (row-major), from [`standard_errors`].
type Uncertainty = (Vec<f64>, Vec<f64>, Vec<f64>);

/// Standard errors from the inverse of the numerical Hessian of the negative
/// log-likelihood in natural parameters.
///
/// The Hessian is the central difference of the analytic gradient (step
/// `1e-4` relative) where the model has one, else the second central
/// difference of the log-likelihood (step `1e-4` relative); it is symmetrised
/// before inversion.
///
/// Also returns the diagonal of that Hessian in log-parameters, `H_ii p_i²`:
/// the data's curvature along each log-parameter, to compare with the
/// prior's `1/WEAK_PRIOR_SD²`, and the inverse `H⁻¹` itself (row-major).
fn standard_errors<M: Estimable>(
    params: &[f64],
    data: &M::Data,
) -> std::result::Result<Uncertainty, String> {
    let k = params.len();
    let h: Vec<f64> = params.iter().map(|p| 1e-4 * p).collect();
    let mut hessian = vec![0.0; k * k];
    let mut g_up = vec![0.0; k];
    let mut g_down = vec![0.0; k];
    let mut p = params.to_vec();
    let analytic = M::log_likelihood_gradient(params, data, &mut g_up).is_some();
    let k64 = k as u64;
    super::work::add_likelihood(if analytic {
        1 + 2 * k64
    } else {
        2 + 2 * k64 + 2 * k64 * k64.saturating_sub(1)
    });
    if analytic {
        for j in 0..k {
            p[j] = params[j] + h[j];
            M::log_likelihood_gradient(&p, data, &mut g_up);
            p[j] = params[j] - h[j];
            M::log_likelihood_gradient(&p, data, &mut g_down);
            p[j] = params[j];
            for i in 0..k {
                hessian[i * k + j] = -(g_up[i] - g_down[i]) / (2.0 * h[j]);
            }
        }
    } else {
        let f = |p: &[f64]| -M::log_likelihood(p, data);
        let center = f(params);
        for i in 0..k {
            for j in i..k {
                let value = if i == j {
                    p[i] = params[i] + h[i];
                    let up = f(&p);
                    p[i] = params[i] - h[i];
                    let down = f(&p);
                    p[i] = params[i];
                    (up - 2.0 * center + down) / (h[i] * h[i])
                } else {
                    let mut corner = |si: f64, sj: f64| {
                        p[i] = params[i] + si * h[i];
                        p[j] = params[j] + sj * h[j];
                        let v = f(&p);
                        p[i] = params[i];
                        p[j] = params[j];
                        v
                    };
                    (corner(1.0, 1.0) - corner(1.0, -1.0) - corner(-1.0, 1.0) + corner(-1.0, -1.0))
                        / (4.0 * h[i] * h[j])
                };
                hessian[i * k + j] = value;
                hessian[j * k + i] = value;
            }
        }
    }
    for i in 0..k {
        for j in 0..i {
            let mean = 0.5 * (hessian[i * k + j] + hessian[j * k + i]);
            hessian[i * k + j] = mean;
            hessian[j * k + i] = mean;
        }
    }
    if hessian.iter().any(|v| !v.is_finite()) {
        return Err(
            "the hessian of the negative log-likelihood is not finite at the optimum".into(),
        );
    }
    let inverse = optim::inverse_spd(&hessian, k).ok_or_else(|| {
        "the hessian of the negative log-likelihood is not positive definite at the optimum \
         (a parameter is at a bound or not identified)"
            .to_string()
    })?;
    let se: Vec<f64> = (0..k).map(|i| inverse[i * k + i].sqrt()).collect();
    let curvature: Vec<f64> = (0..k)
        .map(|i| hessian[i * k + i] * params[i] * params[i])
        .collect();
    if se.iter().all(|v| v.is_finite() && *v > 0.0) {
        Ok((se, curvature, inverse))
    } else {
        Err("the inverse hessian has a non-positive diagonal".into())
    }
}

/// Notes each parameter whose log-likelihood curvature (in its logarithm) is
/// below the weak prior's `1/WEAK_PRIOR_SD²`: there the prior, not the data,
/// sets the estimate.
fn prior_dominance_diagnostics(
    names: &[&'static str],
    params: &[f64],
    curvature: &[f64],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<&'static str> {
    let prior_curvature = 1.0 / (WEAK_PRIOR_SD * WEAK_PRIOR_SD);
    let mut dominated = Vec::new();
    for ((name, value), c) in names.iter().zip(params).zip(curvature) {
        if *c < prior_curvature {
            diagnostics.push(
                Diagnostic::new(
                    DiagnosticCode::PriorDominated,
                    format!(
                        "{name} = {value:.4e} is set by the weak prior more than by the data \
                         (the data barely identify it)"
                    ),
                )
                .param("param", *name)
                .param("value", *value),
            );
            dominated.push(*name);
        }
    }
    dominated
}
