//! Fits and predictions on a weighted summary: each row is a pattern
//! `(frequency, recency, T, monetary_value)` with the number of customers who
//! share it, as a warehouse-side `GROUP BY frequency, recency, T,
//! monetary_value` gives it (`docs/patterns.sql`). A base of 100M customers
//! then costs its distinct patterns, not its customers.
//!
//! The purchase models fit on [`RfmData::with_weights`] and Gamma-Gamma on
//! [`GammaGamma::fit_weighted`](crate::models::GammaGamma::fit_weighted): the same likelihoods as the expanded
//! customers (one row per customer), so the same parameters. Predictions are
//! one per pattern (every customer of a pattern gets the same), and the base
//! totals weigh each pattern by its customers.

use serde::Serialize;

use crate::models::{RfmData, Spend};
use crate::predict::{
    check_options, dropout_reading, fit_spend_weighted, horizon_periods, rfm_rows, value_customers,
    BaseTotals, PredictOptions, PurchaseFit, SpendModel,
};
use crate::summary::{CustomerSummary, Period, Summary};
use crate::{Diagnostic, Error, Result};

/// The largest weight: integers above 2^53 are not exact in `f64`.
const MAX_WEIGHT: f64 = 9_007_199_254_740_992.0;

/// A summary whose rows stand for `weights` customers each.
///
/// Always valid: one weight per row, each a whole number from 1 to 2^53.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedSummary {
    summary: Summary,
    weights: Vec<f64>,
}

impl WeightedSummary {
    /// The rows of `summary`, row `i` standing for `weights[i]` customers.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Input`] error if the lengths differ, or naming
    /// the row's id and value if a weight is not a whole number from 1 to
    /// 2^53.
    pub fn new(summary: Summary, weights: Vec<f64>) -> Result<WeightedSummary> {
        if weights.len() != summary.customers.len() {
            return Err(Error::input(
                None,
                Some("weight"),
                format!(
                    "{} weights for {} summary rows",
                    weights.len(),
                    summary.customers.len()
                ),
            ));
        }
        for (c, &w) in summary.customers.iter().zip(&weights) {
            check_weight(w).map_err(|why| {
                Error::input(
                    None,
                    Some("weight"),
                    format!("row \"{}\": {why}", c.customer_id),
                )
            })?;
        }
        Ok(WeightedSummary { summary, weights })
    }

    /// The rows (patterns).
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The customers each row stands for.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The customers of all rows, `Σ weights`.
    pub fn customers(&self) -> f64 {
        self.weights.iter().sum()
    }

    /// The purchase models' input.
    ///
    /// # Errors
    ///
    /// As [`rfm_rows`] and [`RfmData::with_weights`].
    pub fn rfm_data(&self) -> Result<RfmData> {
        let rows = rfm_rows(&self.summary.customers)?;
        RfmData::with_weights(
            &rows
                .into_iter()
                .zip(self.weights.iter().copied())
                .collect::<Vec<_>>(),
        )
    }

    /// The repeat rows as Gamma-Gamma's input, with their weights.
    ///
    /// # Errors
    ///
    /// As [`Spend::new`] for a row whose values are not finite.
    pub fn spend_rows(&self) -> Result<Vec<(Spend, f64)>> {
        self.rows()
            .filter(|(c, _)| c.frequency > 0.0)
            .map(|(c, w)| Ok((Spend::new(c.frequency, c.monetary_value)?, w)))
            .collect()
    }

    fn rows(&self) -> impl Iterator<Item = (&CustomerSummary, f64)> {
        self.summary
            .customers
            .iter()
            .zip(self.weights.iter().copied())
    }
}

/// Why `weight` is not a number of customers, if it is not.
///
/// # Errors
///
/// The reason, for the caller to place (a row, a line).
pub fn check_weight(weight: f64) -> std::result::Result<(), String> {
    if weight.is_finite() && weight >= 1.0 && weight.fract() == 0.0 && weight <= MAX_WEIGHT {
        Ok(())
    } else {
        Err(format!(
            "a weight is a whole number of customers from 1 to 2^53, got {weight}"
        ))
    }
}

/// What [`predict_weighted`] computes.
#[derive(Serialize)]
pub struct WeightedPredictions {
    /// The purchase model's fit.
    pub purchase_model: PurchaseFit,
    /// How expected order values were obtained.
    pub spend_model: SpendModel,
    /// One row per pattern, in the summary's order.
    pub patterns: Vec<PatternPrediction>,
    /// Totals over every customer of every pattern.
    pub base: BaseTotals,
    /// Warnings about the fits, each with its code.
    pub diagnostics: Vec<Diagnostic>,
}

/// The predictions of each customer of one pattern.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatternPrediction {
    /// The row's id (a label: the pattern stands for many customers).
    pub customer_id: String,
    /// Repeat purchase periods.
    pub frequency: f64,
    /// Periods from the first to the last purchase.
    pub recency: f64,
    /// Periods from the first purchase to the end of observation.
    #[serde(rename = "T")]
    pub t: f64,
    /// Mean value of the repeat purchase periods.
    pub monetary_value: f64,
    /// Customers with this pattern.
    pub customers: f64,
    /// Probability that such a customer is still active.
    pub p_alive: f64,
    /// Expected repeat purchases of one such customer over the horizon.
    pub expected_purchases: f64,
    /// Expected value of each future purchase.
    pub expected_order_value: f64,
    /// One such customer's discounted lifetime value, margin applied.
    pub clv: f64,
}

/// Fits the purchase and spend models on the weighted rows and predicts each
/// pattern, as [`crate::predict::predict`] does for one row per customer.
///
/// # Formula
///
/// Per pattern as in [`crate::predict::predict`]. With `w_i` customers in
/// pattern `i`: customers `Σ w_i`, expected purchases `Σ w_i E[Y]_i`,
/// expected revenue `Σ w_i E[Y]_i E[Z]_i`, total CLV `Σ w_i clv_i`, mean CLV
/// total / customers and mean P(alive) `Σ w_i p_i / Σ w_i`. The observed mean
/// order value (Gamma-Gamma's fallback) is `Σ w f m / Σ w f` over the repeat
/// patterns with a monetary value `>= 0`.
///
/// # Errors
///
/// As [`crate::predict::predict`].
pub fn predict_weighted(
    summary: &WeightedSummary,
    options: &PredictOptions,
) -> Result<WeightedPredictions> {
    check_options(options)?;
    let data = summary.rfm_data()?;
    let purchase_model = options.model.fit_purchase_model(&data, &options.fit)?;
    let average_order_value = weighted_average_order_value(summary);
    let spend_rows: Vec<(Spend, f64)> = summary
        .rows()
        .filter(|(c, _)| {
            c.frequency > 0.0 && c.monetary_value > 0.0 && c.monetary_value.is_finite()
        })
        .filter_map(|(c, w)| {
            Spend::new(c.frequency, c.monetary_value)
                .ok()
                .map(|s| (s, w))
        })
        .collect();
    let spend_model = fit_spend_weighted(&spend_rows, average_order_value, &options.fit);
    let model_name = purchase_model.name();
    let mut diagnostics: Vec<Diagnostic> = purchase_model
        .diagnostics()
        .iter()
        .map(|d| d.clone().model(model_name))
        .collect();
    match &spend_model {
        SpendModel::GammaGamma { fit } => diagnostics.extend(
            fit.diagnostics()
                .iter()
                .map(|d| d.clone().model(fit.name())),
        ),
        SpendModel::ObservedMean { reason, .. } => diagnostics.push(reason.clone()),
    }
    let period: Period = summary.summary.period;
    let values = value_customers(
        purchase_model.model().as_ref(),
        &data,
        &summary.summary.customers,
        &spend_model,
        options,
        period,
    )?;
    let patterns: Vec<PatternPrediction> = summary
        .rows()
        .enumerate()
        .map(|(i, (c, w))| PatternPrediction {
            customer_id: c.customer_id.clone(),
            frequency: c.frequency,
            recency: c.recency,
            t: c.t,
            monetary_value: c.monetary_value,
            customers: w,
            p_alive: values.p_alive[i],
            expected_purchases: values.expected_purchases[i],
            expected_order_value: values.expected_order_value[i],
            clv: values.clv[i],
        })
        .collect();
    let customers = summary.customers();
    let weighted = |f: fn(&PatternPrediction) -> f64| -> f64 {
        patterns.iter().map(|p| p.customers * f(p)).sum()
    };
    let horizon_periods = horizon_periods(options.horizon_months, period);
    let total_clv = weighted(|p| p.clv);
    let (dropout_identified, dropout_from_prior, dropout_diagnostic) = dropout_reading(
        &purchase_model,
        patterns.iter().map(|p| p.t).fold(0.0, f64::max),
    );
    let base = BaseTotals {
        customers: customers as usize,
        horizon_months: options.horizon_months,
        horizon_periods,
        period,
        expected_purchases: weighted(|p| p.expected_purchases),
        expected_revenue: weighted(|p| p.expected_purchases * p.expected_order_value),
        total_clv,
        mean_clv: total_clv / customers,
        expected_purchases_new_customer: purchase_model
            .model()
            .expected_purchases_new(horizon_periods),
        mean_p_alive: weighted(|p| p.p_alive) / customers,
        dropout_identified,
        dropout_from_prior,
    };
    diagnostics.extend(dropout_diagnostic);
    Ok(WeightedPredictions {
        purchase_model,
        spend_model,
        patterns,
        base,
        diagnostics,
    })
}

/// `Σ w f m / Σ w f` over the repeat rows with a finite monetary value
/// `>= 0`, else 0: [`crate::predict::average_order_value`] for a summary
/// file, each row weighted by its customers.
fn weighted_average_order_value(summary: &WeightedSummary) -> f64 {
    let (spend, repeats) = summary
        .rows()
        .filter(|(c, _)| {
            c.frequency > 0.0 && c.monetary_value.is_finite() && c.monetary_value >= 0.0
        })
        .fold((0.0, 0.0), |(s, n), (c, w)| {
            (s + w * c.frequency * c.monetary_value, n + w * c.frequency)
        });
    if repeats > 0.0 {
        spend / repeats
    } else {
        0.0
    }
}
