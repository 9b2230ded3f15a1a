//! The what-if simulator: a baseline against a scenario with levers moved.
//!
//! Two modes, and the channel shift:
//!
//! - **Model mode** ([`simulate`]) applies the scenario to the shop's fitted
//!   purchase model (the one the analysis chose) and Gamma-Gamma spend model
//!   ([`ShopModel`], from [`crate::customers`]), and
//!   gives each output an interval from seeded Monte Carlo draws of the
//!   parameters.
//! - **Formula mode** ([`formula`], [`simulate_formula`]) needs no data: AOV,
//!   purchases per year, annual churn, margin, discount rate and CAC in,
//!   [`FormulaOutputs`] out. It is small and serde-(de)serializable, for an
//!   embeddable calculator.
//! - **Channel shift** ([`channel_shift`]) moves a share of one channel's
//!   new customers to another, on the channel effects of the covariate
//!   models ([`crate::models::covariate_effects`]), with a delta-method
//!   interval over both fits' full covariances.
//!
//! # Levers in model mode
//!
//! The shop model is the analysis's own ([`ShopModel`]: the purchase model
//! the holdout chose, BG/NBD, MBG/NBD or Pareto/NBD, with Gamma-Gamma
//! spend), so the what-if and the customer table value a customer with the
//! same parameters. In all three a live customer buys at rate
//! `λ ~ Gamma(r, α)`; Gamma-Gamma (Fader, Hardie & Lee 2005b): order values
//! `z ~ Gamma(p, ν)`, `ν ~ Gamma(q, γ)`. Each lever means the same in each
//! model:
//!
//! | lever | parameters | why |
//! |---|---|---|
//! | retention `+x` points | the 12-month survival of a new customer `S₁₂` rises by exactly `x/100`: through `b` (with `a` fixed) in BG/NBD and MBG/NBD, `β` (with `s` fixed) in Pareto/NBD ([`Purchases`] derives `S` for each model) | "retention +x pt" means x points of 12-month survival in both modes (formula mode: `1 - churn`) and in every model; one dropout parameter moves, the shape of the heterogeneity stays |
//! | churn (dropout) down `y` % | the 12-month churn of a new customer `1 - S₁₂` is multiplied by `1-y`, through the same parameter | as above, stated relatively |
//! | frequency `+w` % | every rate `λ` is multiplied by `1+w`: `α → α/(1+w)`; for existing customers the time change `t → t(1+w)` of their posterior in BG/NBD and MBG/NBD (dropout comes with purchases), their expected purchases times `1+w` in Pareto/NBD (it does not) | `λ ~ Gamma(r, α)` scales by scaling its rate parameter |
//! | AOV `+z` % | every order value is multiplied by `1+z`: `γ → γ(1+z)` for new customers, the posterior mean spend times `1+z` for existing ones | `ν` is a rate: `γ(1+z)` scales `1/ν` and so `E[z]` |
//! | margin `+m` points | the gross margin `margin + m/100` | value is margin × revenue |
//! | discount `δ` | order values × `(1-δ)`; the margin on the discounted price becomes `(margin-δ)/(1-δ)` | a discount is paid out of the margin |
//! | loyalty programme | a rebate `ρ` of revenue is a cost (margin − ρ) and its assumed retention lift is added to the retention lever | points cost money; they pay only through retention |
//! | CAC | replaces the acquisition cost | |
//!
//! The retention levers move `S₁₂` under the frequency lever's `α`. A target
//! out of the model's reach is met as closely as the bracket `·10^{±12}` of
//! the parameter allows: BG/NBD cannot fall to its floor `(α/(α+t))^r`
//! (everybody leaves at the first repeat purchase), which is an error in
//! [`simulate`]; 100 % and above, as in formula mode, is met as closely as
//! possible; [`Parameters::survival_12_months`] reports what was reached.
//!
//! The levers apply from now on: who is alive today ([`crate::models::PurchaseModel::p_alive`])
//! is what it is; existing customers' future purchases use the posterior
//! under the moved parameters (BG/NBD: `Gamma(r+x, α+T)` and `Beta(a, b'+x)`).
//!
//! # Outputs and intervals
//!
//! - **LTV per new customer**: `margin · E[z] · (1 + Σ_{m=1..H} (E[X(m)] - E[X(m-1)]) / (1+d)^m)`,
//!   the first order (month 0, undiscounted) plus the discounted expected
//!   repeat orders of each month up to the horizon `H`.
//! - **LTV:CAC** and the **payback month**: the first month whose cumulative
//!   discounted value reaches the CAC.
//! - **Revenue over the horizon from the existing base**: `Σ P(alive) ·
//!   E[X(H) | alive] · E[z | history]` over customers (undiscounted revenue).
//! - **Revenue from `N` new customers a month**: each month's new customers
//!   arrive mid-month and buy their first order and then `E[X]` repeat orders
//!   until the horizon.
//!
//! Each draw samples the parameters from the normal approximation of their
//! estimates on the log scale, `ln θ ~ N(ln θ̂, Σ)` with `Σ` the fits' own
//! covariance ([`crate::models::Fit::covariance`]: the inverse of the one
//! numerical Hessian of the log-likelihood in `models`, so the strong
//! correlation of `r` and `α` is kept; no draws when it is not positive
//! definite or the model was built with [`ShopModel::new`]), evaluates baseline
//! and scenario on the same draw, and the interval is the percentile interval
//! of the draws, widened to contain the point estimate (computed at the
//! fitted parameters). The existing base's revenue is computed exactly at the
//! fitted parameters; per draw it is scaled by the draw's relative change in
//! a new customer's expected value over the horizon (a first-order
//! approximation that keeps a draw's cost independent of the number of
//! customers). The intervals show parameter uncertainty, not the noise of
//! one realized future.
//!
//! A draw needs the purchase model's `E[X(t)]` for a new customer on a month grid (the
//! end of each month of the horizon, and each monthly cohort's remaining
//! time): about `2H` Gaussian hypergeometric series per side (BG/NBD,
//! MBG/NBD; closed forms for Pareto/NBD). By default
//! ([`DrawMethod::Linearized`]) that grid is evaluated exactly at the fitted
//! parameters together with its first and second derivatives in the four
//! log-parameters (finite differences with step `1e-3`, 14 grids per side), and
//! each draw's grid is the second-order Taylor expansion around the fit (the
//! delta method carried to second order, so that the convexity of `E[X(t)]`
//! in the log-parameters is kept); spend, margin, discounting and payback are
//! then exact per draw, so a draw costs about a thousand multiplications.
//! `tests/simulate.rs` checks it against [`DrawMethod::Exact`] (every draw
//! evaluates the series) on a 3,000-customer shop under each purchase
//! model: interval ends agree within 1 % of the interval's width (observed
//! at most 0.24 %). A first-order
//! expansion was tried first and rejected: its intervals sat below the exact
//! ones by up to 4.5 % of the width there and 7.5 % on a 400-customer shop
//! (0.85 % with the second order).

mod formula;
mod scenario;
mod shift;

use rand::rngs::StdRng;
use rand::SeedableRng;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::customers::Purchases;
use crate::days::parse_iso_day;
use crate::models::{ModelKind, PurchaseModel, Rfm};
use crate::summary::{Period, Summary};
use crate::{Error, Result};

pub use crate::customers::{formula_ltv, CustomerValue, ShopModel, ValueOptions};
pub use formula::{
    formula, simulate_formula, FormulaComparison, FormulaInputs, FormulaOutputs, MAX_AOV,
    MAX_PURCHASES_PER_YEAR,
};
pub use scenario::{Loyalty, Scenario, Sensitivity, MAX_CAC};
pub use shift::{channel_shift, ChannelShift, ShiftOutcome};

use scenario::{check_cac, check_discount_rate, check_horizon, check_margin, payback, rank};

/// Most Monte Carlo draws [`simulate`] accepts (each keeps two evaluations).
pub const MAX_DRAWS: u32 = 100_000;

// ---------------------------------------------------------------------------
// Model mode

/// How [`simulate`] values customers and draws.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimulationOptions {
    /// Gross margin in `[0, 1]` (default 1: value is revenue).
    pub margin: f64,
    /// Acquisition cost per new customer (default 0).
    pub cac: f64,
    /// Horizon in months (default 24).
    pub horizon_months: u32,
    /// Monthly discount rate for LTV (default 0.01).
    pub monthly_discount_rate: f64,
    /// New customers a month; default: the average of the last 12 months of
    /// the summary (0 without dates).
    pub new_customers_per_month: Option<f64>,
    /// Monte Carlo draws (default 1,000, at most [`MAX_DRAWS`]; 0 gives point
    /// estimates only).
    pub draws: u32,
    /// Seed of the draws (default 1).
    pub seed: u64,
    /// Interval coverage (default 0.9).
    pub confidence: f64,
    /// How each draw evaluates a new customer's expected purchases (default
    /// [`DrawMethod::Linearized`]).
    pub draw_method: DrawMethod,
}

/// How a Monte Carlo draw evaluates the purchase model's `E[X(t)]` on the month grid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrawMethod {
    /// The delta method to second order: the grid's first and second
    /// derivatives in the log-parameters are computed once at the fitted
    /// point (finite differences), and a draw's grid is the second-order
    /// Taylor expansion at the draw's log-parameter offsets. Everything else
    /// (spend, margin, discounting, payback) is exact per draw. Checked
    /// against [`DrawMethod::Exact`] in `tests/simulate.rs`.
    #[default]
    Linearized,
    /// Every draw evaluates `E[X(t)]` at every point of the grid (about
    /// 100 hypergeometric series a draw; slow, the reference).
    Exact,
}

impl Default for SimulationOptions {
    fn default() -> SimulationOptions {
        SimulationOptions {
            margin: 1.0,
            cac: 0.0,
            horizon_months: 24,
            monthly_discount_rate: 0.01,
            new_customers_per_month: None,
            draws: 1000,
            seed: 1,
            confidence: 0.9,
            draw_method: DrawMethod::Linearized,
        }
    }
}

/// A point estimate with an interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// At the fitted parameters.
    pub value: f64,
    /// Lower end of the interval (`<= value`).
    pub low: f64,
    /// Upper end of the interval (`>= value`).
    pub high: f64,
}

/// The outputs of one side (baseline or scenario) in model mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// Discounted margin per new customer over the horizon, first order included.
    pub ltv_per_customer: Estimate,
    /// `ltv_per_customer / cac`; `None` when the CAC is 0.
    pub ltv_to_cac: Option<Estimate>,
    /// Month in which a new customer's cumulative value reaches the CAC, at
    /// the fitted parameters; `None` if not within the horizon.
    pub payback_months: Option<u32>,
    /// Share of the draws that pay back within the horizon.
    pub payback_probability: f64,
    /// Revenue from the existing customers over the horizon.
    pub revenue_existing: Estimate,
    /// Revenue from the new customers of the horizon.
    pub revenue_new: Estimate,
    /// The model parameters with the levers applied.
    pub parameters: Parameters,
    /// The CAC used.
    pub cac: f64,
}

/// The purchase model's and Gamma-Gamma's parameters, as the levers left
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Parameters {
    /// The purchase model: BG/NBD, MBG/NBD or Pareto/NBD.
    pub model: ModelKind,
    /// Purchase-rate shape.
    pub r: f64,
    /// Purchase-rate scale (periods); `α/(1+w)` with the frequency lever.
    pub alpha: f64,
    /// Dropout shape: `a` of BG/NBD and MBG/NBD, `s` of Pareto/NBD.
    pub a: f64,
    /// The dropout parameter the retention levers move: `b` of BG/NBD and
    /// MBG/NBD, `β` of Pareto/NBD.
    pub b: f64,
    /// Spend shape.
    pub p: f64,
    /// Spend shape across customers.
    pub q: f64,
    /// Spend scale; `γ(1+z)(1-δ)` with the AOV and discount levers.
    pub gamma: f64,
    /// Mean dropout per purchase `a/(a+b)` (BG/NBD: per repeat purchase);
    /// `None` for Pareto/NBD, whose customers leave in continuous time.
    pub dropout_per_purchase: Option<f64>,
    /// Share of new customers still alive 12 months after their first
    /// purchase (the module doc's `S₁₂`): what the retention levers move.
    pub survival_12_months: f64,
    /// Margin on collected revenue.
    pub margin: f64,
}

/// Baseline and scenario in model mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Simulation {
    /// The period unit of the model.
    pub period: Period,
    /// Horizon in months.
    pub horizon_months: u32,
    /// New customers a month used for `revenue_new`.
    pub new_customers_per_month: f64,
    /// Draws behind the intervals.
    pub draws: u32,
    /// Their seed.
    pub seed: u64,
    /// Interval coverage.
    pub confidence: f64,
    /// Without levers.
    pub baseline: Outcome,
    /// With the levers.
    pub scenario: Outcome,
    /// Scenario minus baseline, on paired draws.
    pub change: Change,
    /// The levers ranked by how much a realistic step moves LTV per customer.
    pub sensitivity: Vec<Sensitivity>,
}

/// Scenario minus baseline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    /// In LTV per new customer.
    pub ltv_per_customer: Estimate,
    /// In revenue from existing customers.
    pub revenue_existing: Estimate,
    /// In revenue from new customers.
    pub revenue_new: Estimate,
}

/// Runs the scenario against the baseline on the fitted model.
///
/// `summary` is the one the model was fitted on (its customers are the
/// existing base).
///
/// # Errors
///
/// An [`crate::ErrorKind::Options`] error for an option or lever out of
/// range; a summary row that is not a valid `(x, t_x, T)`.
pub fn simulate(
    model: &ShopModel,
    summary: &Summary,
    scenario: &Scenario,
    options: &SimulationOptions,
) -> Result<Simulation> {
    scenario.validate()?;
    check_margin(options.margin)?;
    check_cac(options.cac)?;
    check_discount_rate(options.monthly_discount_rate)?;
    check_horizon(options.horizon_months)?;
    if options.draws > MAX_DRAWS {
        return Err(Error::options(format!(
            "draws must be at most {MAX_DRAWS}, got {}",
            options.draws
        )));
    }
    if !(options.confidence > 0.0 && options.confidence < 1.0) {
        return Err(Error::options(format!(
            "confidence must be between 0 and 1, got {}",
            options.confidence
        )));
    }
    let new_per_month = match options.new_customers_per_month {
        Some(n) if n.is_finite() && n >= 0.0 => n,
        Some(n) => {
            return Err(Error::options(format!(
                "new customers per month must be a finite number >= 0, got {n}"
            )))
        }
        None => recent_acquisitions_per_month(summary),
    };
    let base = Base::new(model, summary)?;
    let revenue_baseline = base.revenue(model, &Scenario::default(), options.horizon_months);
    let scenario_base = if moves_purchases(scenario) {
        base.revenue(model, scenario, options.horizon_months)
    } else {
        // Only order values move: every customer's revenue scales alike.
        revenue_baseline * scenario.spend_factor()
    };
    let point = model_params(model);
    let year = 12.0 * model.period().per_month();
    check_reachable(&point, scenario, year)?;
    let ctx = Context {
        options,
        new_per_month,
        period_per_month: model.period().per_month(),
    };
    let none = Scenario::default();
    let baseline_grid = ctx.grid(&point, &none);
    // A scenario that leaves (r, α, a, b) alone shares the baseline's grid.
    let scenario_grid = if moves_purchases(scenario) {
        ctx.grid(&point, scenario)
    } else {
        baseline_grid.clone()
    };
    let baseline_point = ctx.evaluate(&point, &none, &baseline_grid, revenue_baseline);
    let scenario_point = ctx.evaluate(&point, scenario, &scenario_grid, scenario_base);
    let point_new_value = mean_spend(&point) * (1.0 + baseline_grid.at_horizon());
    let linear = match options.draw_method {
        DrawMethod::Linearized if options.draws > 0 => {
            let baseline_jacobian = ctx.jacobian(&point, &none, &baseline_grid);
            let scenario_jacobian = if moves_purchases(scenario) {
                ctx.jacobian(&point, scenario, &scenario_grid)
            } else {
                baseline_jacobian.clone()
            };
            baseline_jacobian.zip(scenario_jacobian)
        }
        _ => None,
    };
    let mut rng = StdRng::seed_from_u64(options.seed);
    let mut draws_b = Vec::with_capacity(options.draws as usize);
    let mut draws_s = Vec::with_capacity(options.draws as usize);
    for _ in 0..options.draws {
        let theta = draw_params(&point, model, &mut rng);
        let (grid_b, grid_s) = match &linear {
            Some((jb, js)) => {
                let offsets = log_offsets(&point, &theta);
                (
                    baseline_grid.shifted(jb, &offsets),
                    scenario_grid.shifted(js, &offsets),
                )
            }
            None => (ctx.grid(&theta, &none), ctx.grid(&theta, scenario)),
        };
        let ratio = if point_new_value > 0.0 {
            mean_spend(&theta) * (1.0 + grid_b.at_horizon()) / point_new_value
        } else {
            1.0
        };
        draws_b.push(ctx.evaluate(&theta, &none, &grid_b, revenue_baseline * ratio));
        draws_s.push(ctx.evaluate(&theta, scenario, &grid_s, scenario_base * ratio));
    }
    let level = options.confidence;
    let side = |at: &Evaluation, draws: &[Evaluation], s: &Scenario, cac: f64| Outcome {
        ltv_per_customer: estimate(at.ltv, draws.iter().map(|d| d.ltv), level),
        ltv_to_cac: (cac > 0.0)
            .then(|| estimate(at.ltv / cac, draws.iter().map(|d| d.ltv / cac), level)),
        payback_months: at.payback,
        payback_probability: if draws.is_empty() {
            f64::from(u8::from(at.payback.is_some()))
        } else {
            draws.iter().filter(|d| d.payback.is_some()).count() as f64 / draws.len() as f64
        },
        revenue_existing: estimate(
            at.revenue_existing,
            draws.iter().map(|d| d.revenue_existing),
            level,
        ),
        revenue_new: estimate(at.revenue_new, draws.iter().map(|d| d.revenue_new), level),
        parameters: applied_parameters(&point, s, options.margin, year),
        cac,
    };
    let cac_s = scenario.cac.unwrap_or(options.cac);
    let diff = |f: fn(&Evaluation) -> f64| {
        estimate(
            f(&scenario_point) - f(&baseline_point),
            draws_s.iter().zip(&draws_b).map(|(s, b)| f(s) - f(b)),
            level,
        )
    };
    let change = Change {
        ltv_per_customer: diff(|e| e.ltv),
        revenue_existing: diff(|e| e.revenue_existing),
        revenue_new: diff(|e| e.revenue_new),
    };
    // A step whose purchase parameters are the scenario's shares its grid.
    let scenario_purchases = purchase_params(&apply(&point, scenario, year));
    let sensitivity = rank(baseline_point.ltv, |s| {
        let grid = if !moves_purchases(s) {
            &baseline_grid
        } else if purchase_params(&apply(&point, s, year)) == scenario_purchases {
            &scenario_grid
        } else {
            &ctx.grid(&point, s)
        };
        ctx.evaluate(&point, s, grid, revenue_baseline).ltv
    });
    Ok(Simulation {
        period: model.period(),
        horizon_months: options.horizon_months,
        new_customers_per_month: new_per_month,
        draws: options.draws,
        seed: options.seed,
        confidence: level,
        baseline: side(&baseline_point, &draws_b, &Scenario::default(), options.cac),
        scenario: side(&scenario_point, &draws_s, scenario, cac_s),
        change,
        sensitivity,
    })
}

/// A new customer's discounted margin over the horizon, first order
/// included, at the fitted parameters: the `ltv_per_customer.value` of
/// [`simulate`]'s baseline, without the existing base's revenue, the draws
/// or the lever ranking that `simulate` also computes (許容CPO needs only
/// this). Only `margin`, `horizon_months` and `monthly_discount_rate` of
/// `options` are used.
///
/// # Errors
///
/// An [`crate::ErrorKind::Options`] error for those options out of range.
pub fn new_customer_value(model: &ShopModel, options: &SimulationOptions) -> Result<f64> {
    check_margin(options.margin)?;
    check_discount_rate(options.monthly_discount_rate)?;
    check_horizon(options.horizon_months)?;
    let ctx = Context {
        options,
        new_per_month: 0.0,
        period_per_month: model.period().per_month(),
    };
    let (point, none) = (model_params(model), Scenario::default());
    let grid = ctx.grid(&point, &none);
    Ok(ctx.evaluate(&point, &none, &grid, 0.0).ltv)
}

/// The levers' effect on the model parameters (see the module doc).
fn applied_parameters(point: &Theta, s: &Scenario, margin: f64, year: f64) -> Parameters {
    let t = apply(point, s, year);
    let m = purchases(&t);
    let [r, alpha, a, b] = t.purchases;
    Parameters {
        model: t.kind,
        r,
        alpha,
        a,
        b,
        p: t.p,
        q: t.q,
        gamma: t.gamma,
        dropout_per_purchase: m.and_then(|m| m.dropout_per_purchase()),
        survival_12_months: m.map_or(0.0, |m| m.survival_new(year)),
        margin: s.effective_margin(margin),
    }
}

/// The parameters of one draw (or the fitted point).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Theta {
    kind: ModelKind,
    /// The purchase model's `(r, α, a, b)` or `(r, α, s, β)`.
    purchases: [f64; 4],
    p: f64,
    q: f64,
    gamma: f64,
}

fn model_params(model: &ShopModel) -> Theta {
    let s = model.spend();
    Theta {
        kind: model.kind(),
        purchases: model.purchases().params(),
        p: s.p(),
        q: s.q(),
        gamma: s.gamma(),
    }
}

/// The purchase model of `t`; `None` if its parameters are not valid.
fn purchases(t: &Theta) -> Option<Purchases> {
    Purchases::new(t.kind, t.purchases).ok()
}

/// Whether the 12-month survival the retention levers ask for lies above
/// the model's floor at the fitted parameters (BG/NBD: `(α'/(α'+t))^r`,
/// every customer leaves at the first repeat purchase; 0 for MBG/NBD and
/// Pareto/NBD). A target at or above 100 % is met as closely as the model
/// allows (formula mode stops at 100 % too).
///
/// # Errors
///
/// An [`crate::ErrorKind::Options`] error naming the levers, the model's
/// survival and its floor.
fn check_reachable(point: &Theta, s: &Scenario, year: f64) -> Result<()> {
    if s.total_retention_points() == 0.0 && s.churn_reduction == 0.0 {
        return Ok(());
    }
    let Some(m) = purchases(point).and_then(|m| m.with_purchase_rate(1.0 + s.frequency_change))
    else {
        return Ok(());
    };
    let before = m.survival_new(year);
    let floor = m.survival_floor(year);
    let moved = before + s.total_retention_points() / 100.0;
    let target = 1.0 - (1.0 - moved) * (1.0 - s.churn_reduction);
    if target > floor {
        return Ok(());
    }
    Err(Error::options(format!(
        "retention {:+} pt with churn reduction {} is out of reach: the model's 12-month survival of a new customer is {:.1}%, and it cannot fall to {:.1}% or below (every customer leaves at the first repeat purchase), not to {:.1}%",
        s.total_retention_points(),
        s.churn_reduction,
        100.0 * before,
        100.0 * floor,
        100.0 * target
    )))
}

/// `α/(1+w)`, the retention parameter (`b` or `β`) for the retention
/// levers, `γ(1+z)(1-δ)`; `year` is 12 months in the model's periods.
///
/// The retention levers move the 12-month survival of a new customer under
/// the frequency lever's `α`, so that "+x pt" adds x points to whatever the
/// other levers leave.
fn apply(t: &Theta, s: &Scenario, year: f64) -> Theta {
    let Some(faster) = purchases(t).and_then(|m| m.with_purchase_rate(1.0 + s.frequency_change))
    else {
        return *t;
    };
    let moved = if s.total_retention_points() == 0.0 && s.churn_reduction == 0.0 {
        Some(faster)
    } else {
        faster.with_survival(year, s.survival(faster.survival_new(year)))
    };
    Theta {
        purchases: moved.unwrap_or(faster).params(),
        gamma: t.gamma * s.spend_factor(),
        ..*t
    }
}

/// One draw of the parameters from the fits' covariance
/// ([`ShopModel::draw_params`]).
fn draw_params(point: &Theta, model: &ShopModel, rng: &mut StdRng) -> Theta {
    let (purchases, [p, q, gamma]) = model.draw_params(rng);
    Theta {
        kind: point.kind,
        purchases,
        p,
        q: q.max(1.0 + 1e-3),
        gamma,
    }
}

/// The purchase parameters, all that a [`Grid`] depends on besides the options.
fn purchase_params(t: &Theta) -> [u64; 4] {
    t.purchases.map(f64::to_bits)
}

fn mean_spend(t: &Theta) -> f64 {
    t.p * t.gamma / (t.q - 1.0)
}

/// The existing customers, for the revenue over the horizon, grouped by
/// their distinct `(x, T)`: the expected purchases of a customer who is alive
/// depend on nothing else.
struct Base {
    /// `(x, T, Σ P(alive) · E[z | history])` per distinct `(x, T)`, in order
    /// of first appearance.
    groups: Vec<(f64, f64, f64)>,
    /// The indices into `groups` of each distinct `x`, with their `T`, so
    /// that the expected purchases of one `x` are computed in one batch.
    by_frequency: Vec<(f64, Vec<usize>, Vec<f64>)>,
}

impl Base {
    /// # Errors
    ///
    /// A summary row that is not a valid `(x, t_x, T)`.
    fn new(model: &ShopModel, summary: &Summary) -> Result<Base> {
        let mut index: FxHashMap<(u64, u64), usize> = FxHashMap::default();
        let mut groups: Vec<(f64, f64, f64)> = Vec::new();
        for c in &summary.customers {
            let rfm = Rfm::new(c.frequency, c.recency, c.t)?;
            let spend = model.expected_spend(c.frequency, c.monetary_value);
            let weight = model.purchases().p_alive(&rfm) * spend;
            let key = (c.frequency.to_bits(), c.t.to_bits());
            let i = *index.entry(key).or_insert_with(|| {
                groups.push((c.frequency, c.t, 0.0));
                groups.len() - 1
            });
            groups[i].2 += weight;
        }
        let mut by_frequency: Vec<(f64, Vec<usize>, Vec<f64>)> = Vec::new();
        let mut slot: FxHashMap<u64, usize> = FxHashMap::default();
        for (i, &(x, t, _)) in groups.iter().enumerate() {
            let k = *slot.entry(x.to_bits()).or_insert_with(|| {
                by_frequency.push((x, Vec::new(), Vec::new()));
                by_frequency.len() - 1
            });
            by_frequency[k].1.push(i);
            by_frequency[k].2.push(t);
        }
        Ok(Base {
            groups,
            by_frequency,
        })
    }

    /// `Σ P(alive) · E[X(H) | alive; w, b' or β'] · E[z | history] · (1+z)(1-δ)`,
    /// with the frequency lever `w` as [`Purchases::future_if_alive`] applies it.
    fn revenue(&self, model: &ShopModel, s: &Scenario, months: u32) -> f64 {
        let point = model_params(model);
        let moved = apply(&point, s, 12.0 * model.period().per_month());
        // The fitted α: the frequency lever enters through `future_if_alive`.
        let mut params = moved.purchases;
        params[1] = point.purchases[1];
        let Ok(future) = Purchases::new(point.kind, params) else {
            return 0.0;
        };
        let horizon = f64::from(months) * model.period().per_month();
        // E[X(H) | alive] per group, one batch per x (BG/NBD: bit-identical
        // to `expected_purchases_if_alive` group by group).
        let mut expected = vec![0.0; self.groups.len()];
        let mut values = Vec::new();
        for (x, members, observed) in &self.by_frequency {
            values.clear();
            values.resize(observed.len(), 0.0);
            let rate = 1.0 + s.frequency_change;
            future.future_if_alive(*x, observed, horizon, rate, &mut values);
            for (&i, &v) in members.iter().zip(&values) {
                expected[i] = v;
            }
        }
        let total: f64 = self
            .groups
            .iter()
            .zip(&expected)
            .map(|(&(_, _, weight), e)| weight * e)
            .sum();
        total * s.spend_factor()
    }
}

/// Whether the levers of `s` move the purchase parameters `(r, α, a, b)`
/// (retention, churn, frequency); AOV, discount, margin, loyalty rebate and
/// CAC do not.
fn moves_purchases(s: &Scenario) -> bool {
    s.total_retention_points() != 0.0 || s.churn_reduction != 0.0 || s.frequency_change != 0.0
}

/// The offsets `ln θ - ln θ̂` of the purchase parameters `(r, α, a, b)`.
fn log_offsets(point: &Theta, theta: &Theta) -> [f64; 4] {
    [0, 1, 2, 3].map(|i| (theta.purchases[i] / point.purchases[i]).ln())
}

/// A new customer's expected repeat purchases on the month grid of the
/// horizon `H`: `E[X(m)]` at the end of months `m = 1..=H`, then
/// `Σ_{m=1..H} E[X(H - m + 1/2)]`, the repeat purchases of one customer from
/// each monthly cohort of the horizon (acquired mid-month). `None` when the
/// parameters are not a valid model.
#[derive(Debug, Clone, PartialEq)]
struct Grid(Option<Vec<f64>>);

/// The second-order expansion of a [`Grid`] in `ln θ`, `θ = (r, α, a, b)`:
/// the gradient `∂g/∂ln θ_j` (one column per parameter) and the second
/// derivatives `∂²g/∂ln θ_i ∂ln θ_j` for `i <= j` (ten columns, in the order
/// of [`PAIRS`]).
#[derive(Debug, Clone)]
struct Jacobian {
    gradient: [Vec<f64>; 4],
    second: Vec<Vec<f64>>,
}

/// The `(i, j)`, `i <= j`, of [`Jacobian::second`].
const PAIRS: [(usize, usize); 10] = [
    (0, 0),
    (1, 1),
    (2, 2),
    (3, 3),
    (0, 1),
    (0, 2),
    (0, 3),
    (1, 2),
    (1, 3),
    (2, 3),
];

impl Grid {
    /// `E[X(H)]`, 0 for an invalid model.
    fn at_horizon(&self) -> f64 {
        match &self.0 {
            Some(v) if v.len() >= 2 => v[v.len() - 2],
            _ => 0.0,
        }
    }

    /// The second-order (delta-method) grid at log-parameter `offsets`.
    fn shifted(&self, jacobian: &Jacobian, offsets: &[f64; 4]) -> Grid {
        let weights: Vec<f64> = PAIRS
            .iter()
            .map(|&(i, j)| {
                let w = offsets[i] * offsets[j];
                if i == j {
                    w / 2.0
                } else {
                    w
                }
            })
            .collect();
        Grid(self.0.as_ref().map(|v| {
            v.iter()
                .enumerate()
                .map(|(k, g)| {
                    let first: f64 = (0..4).map(|j| jacobian.gradient[j][k] * offsets[j]).sum();
                    let second: f64 = jacobian
                        .second
                        .iter()
                        .zip(&weights)
                        .map(|(column, w)| column[k] * w)
                        .sum();
                    (g + first + second).max(0.0)
                })
                .collect()
        }))
    }
}

struct Context<'a> {
    options: &'a SimulationOptions,
    new_per_month: f64,
    period_per_month: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Evaluation {
    ltv: f64,
    payback: Option<u32>,
    revenue_existing: f64,
    revenue_new: f64,
}

/// Step in the log-parameters of the finite differences behind [`Jacobian`].
const LOG_STEP: f64 = 1e-3;

impl Context<'_> {
    /// The [`Grid`] of `theta` with the levers of `s` applied (exact).
    fn grid(&self, theta: &Theta, s: &Scenario) -> Grid {
        let Some(m) = purchases(&apply(theta, s, 12.0 * self.period_per_month)) else {
            return Grid(None);
        };
        let horizon = self.options.horizon_months;
        let k = self.period_per_month;
        // The month ends, then each monthly cohort's remaining time, in one
        // batch (BG/NBD: bit-identical to `expected_purchases_new` point by
        // point).
        let times: Vec<f64> = (1..=horizon)
            .map(|month| f64::from(month) * k)
            .chain((1..=horizon).map(|month| (f64::from(horizon - month) + 0.5) * k))
            .collect();
        let mut values = vec![0.0; times.len()];
        m.expected_new_at(&times, &mut values);
        let cohorts = values.split_off(horizon as usize).into_iter().sum();
        values.push(cohorts);
        Grid(Some(values))
    }

    /// The [`Jacobian`] of [`Context::grid`] in the log-parameters at
    /// `theta`, by finite differences with step `h` = [`LOG_STEP`]: central
    /// for the gradient and the pure second derivatives, and
    /// `(g(+h e_i + h e_j) − g(+h e_i) − g(+h e_j) + g) / h²` for the mixed
    /// ones (14 grids); `None` if a neighbour is invalid. `center` is
    /// `self.grid(theta, s)`, already computed.
    fn jacobian(&self, theta: &Theta, s: &Scenario, center: &Grid) -> Option<Jacobian> {
        let h = LOG_STEP;
        let at = |steps: &[(usize, f64)]| -> Option<Vec<f64>> {
            let mut t = *theta;
            for &(j, step) in steps {
                t.purchases[j] *= step.exp();
            }
            self.grid(&t, s).0
        };
        let center = center.0.as_ref()?;
        let mut up = Vec::with_capacity(4);
        let mut down = Vec::with_capacity(4);
        for j in 0..4 {
            up.push(at(&[(j, h)])?);
            down.push(at(&[(j, -h)])?);
        }
        let gradient = [0, 1, 2, 3].map(|j| {
            up[j]
                .iter()
                .zip(&down[j])
                .map(|(u, d)| (u - d) / (2.0 * h))
                .collect::<Vec<f64>>()
        });
        let mut second = Vec::with_capacity(PAIRS.len());
        for &(i, j) in &PAIRS {
            let column: Vec<f64> = if i == j {
                (0..center.len())
                    .map(|k| (up[i][k] - 2.0 * center[k] + down[i][k]) / (h * h))
                    .collect()
            } else {
                let both = at(&[(i, h), (j, h)])?;
                (0..center.len())
                    .map(|k| (both[k] - up[i][k] - up[j][k] + center[k]) / (h * h))
                    .collect()
            };
            second.push(column);
        }
        Some(Jacobian { gradient, second })
    }

    /// LTV per new customer, payback and revenue from new customers under
    /// `theta` with the levers of `s`, from the purchases `grid` of
    /// `apply(theta, s)`; `revenue_existing` as given.
    fn evaluate(
        &self,
        theta: &Theta,
        s: &Scenario,
        grid: &Grid,
        revenue_existing: f64,
    ) -> Evaluation {
        let o = self.options;
        let Some(values) = &grid.0 else {
            return Evaluation {
                ltv: 0.0,
                payback: None,
                revenue_existing: 0.0,
                revenue_new: 0.0,
            };
        };
        let margin = s.effective_margin(o.margin);
        let cac = s.cac.unwrap_or(o.cac);
        let spend = mean_spend(theta) * s.spend_factor();
        let horizon = o.horizon_months as usize;
        let first = margin * spend;
        let mut cumulative = Vec::with_capacity(horizon);
        let (mut total, mut previous, mut discount) = (first, 0.0, 1.0);
        for &e in &values[..horizon] {
            discount /= 1.0 + o.monthly_discount_rate;
            total += margin * spend * (e - previous) * discount;
            previous = e;
            cumulative.push(total);
        }
        // Each monthly cohort buys its first order, then its repeat orders.
        let revenue_new = spend * (o.horizon_months as f64 + values[horizon]);
        Evaluation {
            ltv: total,
            payback: payback(first, &cumulative, cac),
            revenue_existing,
            revenue_new: revenue_new * self.new_per_month,
        }
    }
}

/// The point estimate with the percentile interval of `draws`, widened to contain it.
fn estimate(value: f64, draws: impl Iterator<Item = f64>, level: f64) -> Estimate {
    let mut v: Vec<f64> = draws.filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return Estimate {
            value,
            low: value,
            high: value,
        };
    }
    v.sort_by(f64::total_cmp);
    let tail = (1.0 - level) / 2.0;
    let q = |p: f64| {
        let pos = p * (v.len() - 1) as f64;
        let (i, frac) = (pos.floor() as usize, pos.fract());
        let hi = v[(i + 1).min(v.len() - 1)];
        v[i] + (hi - v[i]) * frac
    };
    Estimate {
        value,
        low: q(tail).min(value),
        high: q(1.0 - tail).max(value),
    }
}

/// New customers a month over the last 12 months of the summary (up to its
/// observation end); 0 without dates.
fn recent_acquisitions_per_month(summary: &Summary) -> f64 {
    let Some(end) = summary.observation_end.as_deref().and_then(parse_iso_day) else {
        return 0.0;
    };
    let from = end - 365;
    let n = summary
        .customers
        .iter()
        .filter_map(|c| c.first_purchase.as_deref().and_then(parse_iso_day))
        .filter(|&d| d > from && d <= end)
        .count();
    n as f64 / 12.0
}

#[cfg(test)]
mod tests {
    use super::scenario::steps;
    use super::*;
    use crate::generate::{generate_lines, GeneratorConfig};
    use crate::ingest::{ingest, IngestOptions};
    use crate::models::{BgNbd, FitOptions, GammaGamma, MbgNbd, ParetoNbd};
    use crate::summary::{summarize, SummaryOptions};

    fn summary() -> Summary {
        let config = GeneratorConfig {
            seed: 3,
            ..GeneratorConfig::default()
        };
        let mut bytes = Vec::new();
        generate_lines(&config, 30_000, &mut bytes).unwrap();
        let data = ingest(&bytes, &IngestOptions::default()).unwrap().data;
        summarize(&data, &SummaryOptions::default()).unwrap()
    }

    /// Relative tolerance of the batched grids and base revenue of MBG/NBD
    /// and Pareto/NBD against their models' own methods point by point
    /// (MBG/NBD: `b + 1 + x` against `b + x + 1` may differ in the last bit).
    const POINTWISE_TOL: f64 = 1e-12;

    #[test]
    fn batched_grids_and_base_revenue_match_the_models_point_by_point() {
        let summary = summary();
        for kind in [ModelKind::BgNbd, ModelKind::MbgNbd, ModelKind::ParetoNbd] {
            let model = ShopModel::fit_with(&summary, kind, &FitOptions::default()).unwrap();
            // BG/NBD is bit-identical; the others within POINTWISE_TOL.
            let same = |got: f64, want: f64| {
                if kind == ModelKind::BgNbd {
                    got.to_bits() == want.to_bits()
                } else {
                    (got - want).abs() <= POINTWISE_TOL * want.abs().max(1e-300)
                }
            };
            let base = Base::new(&model, &summary).unwrap();
            let point = model_params(&model);
            for options in [
                SimulationOptions::default(),
                SimulationOptions {
                    horizon_months: 7,
                    ..SimulationOptions::default()
                },
            ] {
                let ctx = Context {
                    options: &options,
                    new_per_month: 1.0,
                    period_per_month: model.period().per_month(),
                };
                for s in steps().map(|(_, s)| s).iter().chain([&Scenario {
                    retention_points: -20.0,
                    frequency_change: 0.5,
                    ..Scenario::default()
                }]) {
                    let year = 12.0 * model.period().per_month();
                    let moved = apply(&point, s, year);
                    let m = purchases(&moved).unwrap();
                    let horizon = options.horizon_months;
                    let k = ctx.period_per_month;
                    let mut want: Vec<f64> = (1..=horizon)
                        .map(|month| m.expected_purchases_new(f64::from(month) * k))
                        .collect();
                    want.push(
                        (1..=horizon)
                            .map(|month| {
                                m.expected_purchases_new((f64::from(horizon - month) + 0.5) * k)
                            })
                            .sum(),
                    );
                    let got = ctx.grid(&point, s).0.unwrap();
                    for (g, w) in got.iter().zip(&want) {
                        assert!(same(*g, *w), "{kind:?} {s:?}: grid {g} vs {w}");
                    }
                    // The base's revenue group by group, the frequency lever
                    // as a time change (BG/NBD, MBG/NBD) or a factor.
                    let mut params = moved.purchases;
                    params[1] = point.purchases[1];
                    let future = Purchases::new(kind, params).unwrap();
                    let months = options.horizon_months;
                    let rate = 1.0 + s.frequency_change;
                    let h = f64::from(months) * model.period().per_month();
                    let total: f64 = base
                        .groups
                        .iter()
                        .map(|&(x, t, w)| {
                            w * if kind == ModelKind::ParetoNbd {
                                future.expected_purchases_if_alive(x, t, h) * rate
                            } else {
                                future.expected_purchases_if_alive(x, t, h * rate)
                            }
                        })
                        .sum();
                    let want = total * s.spend_factor();
                    let got = base.revenue(&model, s, months);
                    assert!(same(got, want), "{kind:?} {s:?}: revenue {got} vs {want}");
                }
            }
        }
    }

    #[test]
    fn the_retention_lever_moves_12_month_survival_by_its_points_in_each_model() {
        let spend = GammaGamma::new(6.0, 4.0, 15.0).unwrap();
        let models = [
            ShopModel::new(BgNbd::new(0.25, 4.0, 0.8, 2.4).unwrap(), spend, Period::Day),
            ShopModel::new(
                MbgNbd::new(0.25, 4.0, 0.8, 2.4).unwrap(),
                spend,
                Period::Day,
            ),
            ShopModel::new(
                ParetoNbd::new(0.5, 10.0, 0.6, 40.0).unwrap(),
                spend,
                Period::Day,
            ),
        ];
        let year = 365.25;
        for model in &models {
            let point = model_params(model);
            let before = model.purchases().survival_new(year);
            for points in [-20.0, -5.0, 1.0, 5.0, 20.0] {
                let s = Scenario {
                    retention_points: points,
                    ..Scenario::default()
                };
                let t = apply(&point, &s, year);
                let after = purchases(&t).unwrap().survival_new(year);
                assert!(
                    (after - before - points / 100.0).abs() < 1e-10,
                    "{:?} {points}: {before} -> {after}",
                    model.kind()
                );
                assert_eq!(t.purchases[..3], point.purchases[..3]);
            }
        }
        // Out of reach in BG/NBD: the bracket's end, with survival as close
        // as it gets.
        let point = model_params(&models[0]);
        let s = Scenario {
            retention_points: -90.0,
            ..Scenario::default()
        };
        assert_eq!(apply(&point, &s, year).purchases[3], 2.4 * 1e-12);
    }
}
