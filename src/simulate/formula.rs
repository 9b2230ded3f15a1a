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
    /// The expected lifetime in years behind `lifetime_ltv`, `1 / churn`
    /// (継続期間 = 1 ÷ (1 − 年間継続率)); `None` when churn is 0.
    #[serde(default)]
    pub lifetime_years: Option<f64>,
    /// `lifetime_ltv / cac`; `None` when the CAC or the churn is 0.
    #[serde(default)]
    pub lifetime_ltv_to_cac: Option<f64>,
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
/// leaving only at the end of a year. Japanese EC practice writes it as
/// 平均購買単価 × 購買頻度 × 粗利率 × 継続期間 with 継続期間 = 1 ÷ (1 − 年間継続率)
/// years (`lifetime_years`); `lifetime_ltv_to_cac` holds it against the CAC.
/// It is the `simple` mode of `<ltv-calculator>`, `ltv` its `horizon` mode.
///
/// # Errors
///
/// An [`crate::ErrorKind::Options`] error naming the input that is out of
/// range: AOV outside 0 to [`MAX_AOV`], purchases outside 0 to
/// [`MAX_PURCHASES_PER_YEAR`], CAC outside 0 to [`MAX_CAC`](super::MAX_CAC) (so every output
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
    let lifetime_ltv = (inputs.churn > 0.0).then(|| {
        formula_ltv(
            inputs.aov,
            inputs.purchases_per_year / 12.0,
            12.0 / inputs.churn,
            margin,
        )
    });
    FormulaOutputs {
        ltv: total,
        ltv_to_cac: (inputs.cac > 0.0).then(|| total / inputs.cac),
        payback_months: payback(0.0, &cumulative, inputs.cac),
        cumulative_value_by_month: cumulative,
        monthly_retention: s,
        survival_12_months,
        revenue_per_customer: revenue,
        lifetime_ltv,
        lifetime_years: (inputs.churn > 0.0).then(|| 1.0 / inputs.churn),
        lifetime_ltv_to_cac: lifetime_ltv
            .filter(|_| inputs.cac > 0.0)
            .map(|ltv| ltv / inputs.cac),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative tolerance of the textbook products: a few multiplications and
    /// one division, so only rounding separates them from the exact values.
    const TEXTBOOK_REL_TOL: f64 = 1e-12;

    fn close(got: f64, want: f64) -> bool {
        (got - want).abs() <= TEXTBOOK_REL_TOL * want.abs().max(1.0)
    }

    /// The textbook whole-lifetime LTV (the widget's `simple` mode), its
    /// lifetime and its ratio to the CAC, against values worked by hand.
    #[test]
    fn textbook_lifetime_ltv_matches_worked_examples() {
        // (aov, purchases a year, annual retention, margin, cac,
        //  lifetime_ltv, lifetime_years, lifetime_ltv_to_cac, source)
        let cases = [
            (
                8000.0,
                2.0,
                0.5,
                0.4,
                3200.0,
                Some(12_800.0),
                Some(2.0),
                Some(4.0),
                "issue #15: 8,000 × 2 × 0.4 ÷ 0.5 = ¥12,800 (継続期間 1 ÷ (1 − 0.5) = 2 years)",
            ),
            (
                5000.0,
                3.0,
                0.6,
                0.3,
                3000.0,
                Some(11_250.0),
                Some(2.5),
                Some(3.75),
                "www/widget/demo/ja.html: 5,000 × 3 × 0.3 ÷ 0.4 = 11,250 (2.5 years)",
            ),
            (
                120.0,
                12.0,
                0.25,
                0.5,
                30.0,
                Some(960.0),
                Some(4.0 / 3.0),
                Some(32.0),
                "the doc example of `formula`: 120 × 12 × 0.5 ÷ 0.75 = 960",
            ),
            (
                4000.0,
                1.0,
                0.0,
                0.5,
                0.0,
                Some(2000.0),
                Some(1.0),
                None,
                "retention 0: one year of 4,000 × 0.5; no CAC, no ratio",
            ),
            (
                4000.0,
                1.0,
                1.0,
                0.5,
                1000.0,
                None,
                None,
                None,
                "retention 100 %: no end to the lifetime, so no finite value",
            ),
        ];
        for (aov, purchases_per_year, retention, margin, cac, ltv, years, ratio, source) in cases {
            let out = formula(&FormulaInputs {
                aov,
                purchases_per_year,
                churn: 1.0 - retention,
                margin,
                monthly_discount_rate: 0.01,
                cac,
                horizon_months: 60,
            })
            .unwrap();
            for (name, got, want) in [
                ("lifetime_ltv", out.lifetime_ltv, ltv),
                ("lifetime_years", out.lifetime_years, years),
                ("lifetime_ltv_to_cac", out.lifetime_ltv_to_cac, ratio),
            ] {
                match (got, want) {
                    (Some(g), Some(w)) => assert!(close(g, w), "{source}: {name} {g} vs {w}"),
                    (None, None) => {}
                    _ => panic!("{source}: {name} {got:?} vs {want:?}"),
                }
            }
        }
    }

    /// The issue's complaint, explained: for the same inputs the horizon value
    /// (60 months, 1 % a month) is below the undiscounted monthly curve's
    /// whole sum `v / (1 - s)`, which is below the textbook value because the
    /// textbook keeps every customer to the end of a year.
    #[test]
    fn the_horizon_value_is_below_the_textbook_value() {
        let out = formula(&FormulaInputs {
            aov: 8000.0,
            purchases_per_year: 2.0,
            churn: 0.5,
            margin: 0.4,
            monthly_discount_rate: 0.01,
            cac: 0.0,
            horizon_months: 60,
        })
        .unwrap();
        let textbook = out.lifetime_ltv.unwrap();
        let s = 0.5f64.powf(1.0 / 12.0);
        let whole_curve = 8000.0 * 2.0 / 12.0 * 0.4 / (1.0 - s);
        assert!(out.ltv < whole_curve, "{} vs {whole_curve}", out.ltv);
        assert!(whole_curve < textbook, "{whole_curve} vs {textbook}");
    }
}
