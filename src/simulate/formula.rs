//! Formula mode: the data-free LTV formula and its scenarios (see the
//! module doc of [`crate::simulate`]).

use serde::{Deserialize, Serialize};

use super::scenario::{
    check_cac, check_discount_rate, check_horizon, check_margin, payback, rank, shown, Sensitivity,
};
use super::Scenario;
use crate::customers::formula_ltv;
use crate::{Error, Result};

/// The inputs of the data-free LTV formula. Deserializing fills missing
/// fields from the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FormulaInputs {
    /// Average order value (default 50).
    pub aov: f64,
    /// Purchases per customer per year (default 2).
    pub purchases_per_year: f64,
    /// Annual churn: the share of customers lost per year, in `[0, 1]`
    /// (default 0.4; retention is `1 - churn`).
    pub churn: f64,
    /// Gross margin in `[0, 1]` (default 1: value is revenue).
    pub margin: f64,
    /// Monthly discount rate (default 0.01).
    pub monthly_discount_rate: f64,
    /// Acquisition cost per new customer (default 0).
    pub cac: f64,
    /// Horizon in months, 1 to 1,200 (default 60).
    pub horizon_months: u32,
}

impl Default for FormulaInputs {
    fn default() -> FormulaInputs {
        FormulaInputs {
            aov: 50.0,
            purchases_per_year: 2.0,
            churn: 0.4,
            margin: 1.0,
            monthly_discount_rate: 0.01,
            cac: 0.0,
            horizon_months: 60,
        }
    }
}

/// The outputs of [`formula`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormulaOutputs {
    /// Discounted margin per customer over the horizon.
    pub ltv: f64,
    /// `ltv / cac`; `None` when the CAC is 0.
    pub ltv_to_cac: Option<f64>,
    /// The first month whose cumulative value reaches the CAC (0 when the
    /// CAC is 0); `None` if not within the horizon.
    pub payback_months: Option<u32>,
    /// Cumulative discounted margin at the end of months 1, 2, ….
    pub cumulative_value_by_month: Vec<f64>,
    /// Monthly survival `(1 - churn)^(1/12)`.
    pub monthly_retention: f64,
    /// Share of new customers still there after 12 months: `1 - churn`.
    #[serde(default)]
    pub survival_12_months: f64,
    /// Undiscounted revenue per customer over the horizon.
    pub revenue_per_customer: f64,
    /// The textbook whole-lifetime LTV, undiscounted: `aov × purchases per
    /// year × margin / churn` ([`formula_ltv`] with a lifetime of `12 /
    /// churn` months); `None` when churn is 0. It counts whole years (a
    /// customer leaves only at a year's end), so it is above the undiscounted
    /// value of the monthly curve behind `ltv`.
    #[serde(default)]
    pub lifetime_ltv: Option<f64>,
}

/// Largest average order value [`formula`] accepts.
pub const MAX_AOV: f64 = 1e12;
/// Largest number of purchases per year [`formula`] accepts (one every five
/// minutes).
pub const MAX_PURCHASES_PER_YEAR: f64 = 1e5;

/// The LTV formula.
///
/// # Formula
///
/// With monthly survival `s = (1 - churn)^(1/12)` (so that exactly `1 -
/// churn` of the customers are still there after 12 months, as the annual
/// churn says), monthly value `v = margin · aov · purchases_per_year / 12`
/// and discount rate `d`:
///
/// ```text
/// value(m) = v · s^(m-1) / (1+d)^m,   m = 1..=horizon
/// ltv      = Σ value(m)
/// ```
///
/// A customer is there for the whole first month and survives into month `m`
/// with probability `s^(m-1)`. Beside it, `lifetime_ltv` is the textbook
/// `aov × purchases_per_year × margin / churn` ([`formula_ltv`] with a
/// lifetime of `1 / churn` years), the formula LTV that [`crate::predict`]
/// and [`crate::segments`] measure on data: the same churn with customers
/// leaving only at the end of a year.
///
/// # Errors
///
/// An [`crate::ErrorKind::Options`] error naming the input that is out of
/// range: AOV outside 0 to [`MAX_AOV`], purchases outside 0 to
/// [`MAX_PURCHASES_PER_YEAR`], CAC outside 0 to [`MAX_CAC`] (so every output
/// is a finite number), churn or margin outside `[0, 1]`, a negative
/// discount rate, a horizon outside 1 to 1,200.
///
/// ```
/// use ltvlab::simulate::{formula, FormulaInputs};
/// let out = formula(&FormulaInputs {
///     aov: 120.0, purchases_per_year: 12.0, churn: 0.75, margin: 0.5,
///     monthly_discount_rate: 0.0, cac: 30.0, horizon_months: 12,
/// })?;
/// // A quarter stay a year: each month keeps 0.25^(1/12); 60 a month while there.
/// let s = 0.25f64.powf(1.0 / 12.0);
/// let want = 60.0 * (1.0 - s.powi(12)) / (1.0 - s);
/// assert!((out.ltv - want).abs() < 1e-9);
/// assert!((out.survival_12_months - 0.25).abs() < 1e-12);
/// assert_eq!(out.payback_months, Some(1));
/// // The textbook lifetime value: 120 × 12 × 0.5 / 0.75.
/// assert_eq!(out.lifetime_ltv, Some(960.0));
/// # Ok::<(), ltvlab::Error>(())
/// ```
pub fn formula(inputs: &FormulaInputs) -> Result<FormulaOutputs> {
    for (name, v, max) in [
        ("aov", inputs.aov, MAX_AOV),
        (
            "purchases per year",
            inputs.purchases_per_year,
            MAX_PURCHASES_PER_YEAR,
        ),
    ] {
        if !(v.is_finite() && (0.0..=max).contains(&v)) {
            return Err(Error::options(format!(
                "{name} must be a number between 0 and {max:e}, got {}",
                shown(v)
            )));
        }
    }
    if !(inputs.churn.is_finite() && (0.0..=1.0).contains(&inputs.churn)) {
        return Err(Error::options(format!(
            "churn must be between 0 and 1, got {}",
            inputs.churn
        )));
    }
    check_margin(inputs.margin)?;
    check_discount_rate(inputs.monthly_discount_rate)?;
    check_cac(inputs.cac)?;
    check_horizon(inputs.horizon_months)?;
    Ok(formula_unchecked(inputs, inputs.margin))
}

/// [`formula`] with the margin given separately (a scenario's margin may
/// leave `[0, 1]`, e.g. after a rebate).
fn formula_unchecked(inputs: &FormulaInputs, margin: f64) -> FormulaOutputs {
    let survival_12_months = 1.0 - inputs.churn;
    let s = survival_12_months.powf(1.0 / 12.0);
    let monthly_revenue = inputs.aov * inputs.purchases_per_year / 12.0;
    let v = margin * monthly_revenue;
    let mut cumulative = Vec::with_capacity(inputs.horizon_months as usize);
    let (mut total, mut revenue, mut alive, mut discount) = (0.0, 0.0, 1.0, 1.0);
    for _ in 0..inputs.horizon_months {
        discount /= 1.0 + inputs.monthly_discount_rate;
        total += v * alive * discount;
        revenue += monthly_revenue * alive;
        alive *= s;
        cumulative.push(total);
    }
    FormulaOutputs {
        ltv: total,
        ltv_to_cac: (inputs.cac > 0.0).then(|| total / inputs.cac),
        payback_months: payback(0.0, &cumulative, inputs.cac),
        cumulative_value_by_month: cumulative,
        monthly_retention: s,
        survival_12_months,
        revenue_per_customer: revenue,
        lifetime_ltv: (inputs.churn > 0.0).then(|| {
            formula_ltv(
                inputs.aov,
                inputs.purchases_per_year / 12.0,
                12.0 / inputs.churn,
                margin,
            )
        }),
    }
}

/// Baseline and scenario in formula mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormulaComparison {
    /// The inputs as given.
    pub baseline_inputs: FormulaInputs,
    /// The inputs with the levers applied (margin as collected on revenue).
    pub scenario_inputs: FormulaInputs,
    /// [`formula`] of the baseline.
    pub baseline: FormulaOutputs,
    /// [`formula`] of the scenario.
    pub scenario: FormulaOutputs,
    /// The levers ranked by how much a realistic step moves the LTV.
    pub sensitivity: Vec<Sensitivity>,
}

/// Applies `scenario` to formula inputs and evaluates both.
///
/// The retention lever moves annual retention `1 - churn` by points, then
/// churn is multiplied by `1 - churn_reduction`; AOV is multiplied by
/// `(1+z)(1-δ)`, purchases per year by `1+w`, and the margin becomes
/// `(margin + m/100 - δ)/(1-δ) - rebate` on the revenue collected.
///
/// # Errors
///
/// As [`formula`] for the inputs; a lever out of range.
pub fn simulate_formula(inputs: &FormulaInputs, scenario: &Scenario) -> Result<FormulaComparison> {
    let baseline = formula(inputs)?;
    scenario.validate()?;
    let (scenario_inputs, margin) = apply_formula(inputs, scenario);
    let scenario_out = formula_unchecked(&scenario_inputs, margin);
    let sensitivity = rank(baseline.ltv, |s| {
        let (i, m) = apply_formula(inputs, s);
        formula_unchecked(&i, m).ltv
    });
    Ok(FormulaComparison {
        baseline_inputs: *inputs,
        scenario_inputs: FormulaInputs {
            margin,
            ..scenario_inputs
        },
        baseline,
        scenario: scenario_out,
        sensitivity,
    })
}

fn apply_formula(inputs: &FormulaInputs, s: &Scenario) -> (FormulaInputs, f64) {
    let retention = s.survival(1.0 - inputs.churn);
    let churn = if inputs.churn == 0.0 && s.total_retention_points() >= 0.0 {
        0.0
    } else {
        1.0 - retention
    };
    let out = FormulaInputs {
        aov: inputs.aov * s.spend_factor(),
        purchases_per_year: inputs.purchases_per_year * (1.0 + s.frequency_change),
        churn,
        cac: s.cac.unwrap_or(inputs.cac),
        ..*inputs
    };
    (out, s.effective_margin(inputs.margin))
}
