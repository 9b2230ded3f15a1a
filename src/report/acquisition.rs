//! 許容CPO (allowable cost per acquisition): the most a shop can pay to win a
//! customer and still break even on the gross profit that customer brings,
//! next to the LTV:CAC rule of thumb.
//!
//! # Formula
//!
//! A CPO buys a **new** customer, so both LTVs here are a new customer's,
//! first order included, at the report's margin:
//!
//! - **model**: the what-if model's discounted margin per new customer over
//!   the horizon (12 months by default),
//!   [`crate::simulate::new_customer_value`] (the `ltv_per_customer` of
//!   [`crate::simulate::simulate`]'s baseline) at the report's margin,
//!   horizon and discount rate: the most to pay for the cost to be earned
//!   back within the horizon. The what-if panel's "hold your CPA against"
//!   figure is the same number at the panel's margin and horizon. (The mean
//!   CLV of the existing customers, `FormulaLtv::model_ltv`, is not a basis
//!   for a CPO: it leaves out the first order and mixes in customers who have
//!   already left.)
//! - **formula**: `AOV × (1 + repeat purchases per month × expected
//!   lifetime) × margin`, undiscounted over the whole expected lifetime (the
//!   textbook 平均購買単価 × 購買頻度 × 継続期間 × 粗利率, with the first order
//!   counted: [`FormulaLtv::new_customer_ltv`]); `None` when it is
//!   undefined. Without the first order a shop where few customers come
//!   back would be told it can pay a fraction of one order's value for a
//!   customer whose first order alone brings a whole one.
//!
//! At a CPO equal to the allowable CPO, LTV:CAC is 1; the **target CPO** for
//! the common rule of thumb LTV:CAC = 3 is a third of it. With the default
//! margin of 1 the values are revenue, not profit: pass the shop's margin.

use serde::Serialize;

use crate::predict::FormulaLtv;

/// The LTV:CAC the target CPO aims at (a common rule of thumb).
pub const TARGET_LTV_TO_CAC: f64 = 3.0;

/// The allowable and target CPO from a new customer's two LTVs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllowableCpo {
    /// The margin the LTVs are taken at.
    pub margin: f64,
    /// The model's horizon, in months.
    pub horizon_months: u32,
    /// A new customer's discounted margin over the horizon, first order
    /// included, by the what-if model: the allowable CPO.
    pub model: f64,
    /// A new customer's formula LTV at the margin, first order included:
    /// the allowable CPO over the whole expected lifetime; `None` when the
    /// formula LTV is undefined.
    pub formula: Option<f64>,
    /// The LTV:CAC of the target CPO ([`TARGET_LTV_TO_CAC`]).
    pub target_ltv_to_cac: f64,
    /// `model / target_ltv_to_cac`.
    pub target_model: f64,
    /// `formula / target_ltv_to_cac`.
    pub target_formula: Option<f64>,
}

impl AllowableCpo {
    /// The allowable CPO of a new customer worth `new_customer` over
    /// `horizon_months` (at `margin`), beside `formula`'s LTV (already at
    /// `margin`), when there is one.
    pub fn new(
        new_customer: f64,
        horizon_months: u32,
        formula: Option<&FormulaLtv>,
        margin: f64,
    ) -> AllowableCpo {
        let formula = formula.and_then(|f| f.new_customer_ltv);
        AllowableCpo {
            margin,
            horizon_months,
            model: new_customer,
            formula,
            target_ltv_to_cac: TARGET_LTV_TO_CAC,
            target_model: new_customer / TARGET_LTV_TO_CAC,
            target_formula: formula.map(|v| v / TARGET_LTV_TO_CAC),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Absolute tolerance for products of round numbers.
    const TOL: f64 = 1e-9;

    /// The example shop: AOV 8,000, 2 repeat orders a year, churn
    /// 50% a year, margin 40%: formula LTV 8,000 × 2/12 × 24 months × 0.4 =
    /// 12,800 (the 8,000 × 2 × 0.4 ÷ 0.5), and with the first order
    /// 12,800 + 8,000 × 0.4 = 16,000; a new customer worth 5,000 at that
    /// margin by the model; all given by hand.
    #[test]
    fn allowable_cpo_is_the_ltv_at_the_margin() {
        let formula = FormulaLtv {
            average_order_value: 8_000.0,
            purchases_per_month: 2.0 / 12.0,
            churn_window_months: 12.0,
            eligible_customers: 10,
            churn_rate: Some(0.5),
            expected_lifetime_months: Some(24.0),
            formula_ltv: Some(8_000.0 * 2.0 / 12.0 * 24.0 * 0.4),
            new_customer_ltv: Some(8_000.0 * (1.0 + 2.0 / 12.0 * 24.0) * 0.4),
            model_ltv: 5_000.0,
            horizon_months: 12,
            explanation: String::new(),
        };
        let cpo = AllowableCpo::new(5_000.0, 12, Some(&formula), 0.4);
        let table: [(&str, f64, f64); 4] = [
            ("model", cpo.model, 5_000.0),
            ("formula", cpo.formula.unwrap_or(f64::NAN), 16_000.0),
            ("target model", cpo.target_model, 5_000.0 / 3.0),
            (
                "target formula",
                cpo.target_formula.unwrap_or(f64::NAN),
                16_000.0 / 3.0,
            ),
        ];
        for (what, got, expected) in table {
            assert!((got - expected).abs() < TOL, "{what}: {got} vs {expected}");
        }
        let undefined = FormulaLtv {
            formula_ltv: None,
            new_customer_ltv: None,
            ..formula
        };
        let cpo = AllowableCpo::new(5_000.0, 12, Some(&undefined), 0.4);
        assert_eq!((cpo.formula, cpo.target_formula), (None, None));
    }
}
