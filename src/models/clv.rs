//! Discounted customer lifetime value from a purchase model and a spend
//! prediction, as lifetimes' `customer_lifetime_value`.

use super::data::{Rfm, RfmData};
use super::PurchaseModel;
use crate::{Error, Result};

/// How to value customers. Defaults: 12 months, 1% monthly discount rate,
/// margin 1 (value is revenue), 30 periods per month (daily data).
#[derive(Debug, Clone, PartialEq)]
pub struct ClvOptions {
    /// Horizon in months, 1 to 1,200. Default 12.
    pub months: u32,
    /// Discount rate per month, `>= 0`. Default 0.01.
    pub monthly_discount_rate: f64,
    /// Share of each sale that is profit, in `[0, 1]`. Default 1.
    pub margin: f64,
    /// The model's period unit per month: 30 for days, 4.345 for weeks, 1 for
    /// months. Default 30.
    pub periods_per_month: f64,
}

impl Default for ClvOptions {
    fn default() -> ClvOptions {
        ClvOptions {
            months: 12,
            monthly_discount_rate: 0.01,
            margin: 1.0,
            periods_per_month: 30.0,
        }
    }
}

/// The discounted value of each customer of `data` over the horizon, in row
/// order.
///
/// `spend[i]` is the expected value of customer `i`'s future transactions,
/// typically [`super::GammaGamma::conditional_expected_spend`].
///
/// # Formula
///
/// With `k` = `periods_per_month` and `d` the monthly discount rate,
///
/// ```text
/// CLV = margin · spend · Σ_{i=1..months} (E[Y(i k)] - E[Y((i-1) k)]) / (1+d)^i
/// ```
///
/// where `E[Y(t)]` is [`PurchaseModel::expected_purchases`]: lifetimes'
/// `customer_lifetime_value`, with the margin applied. It is computed once per
/// unique `(x, T)`.
///
/// # Errors
///
/// An [`crate::ErrorKind::Options`] error if an option is out of range or
/// `spend` does not have one finite value per customer.
pub fn customer_lifetime_value(
    model: &dyn PurchaseModel,
    data: &RfmData,
    spend: &[f64],
    options: &ClvOptions,
) -> Result<Vec<f64>> {
    check_inputs(data, spend, options)?;
    Ok(lifetime_values(model, data, spend, options).clv)
}

/// The checks of [`customer_lifetime_value`].
pub(crate) fn check_inputs(data: &RfmData, spend: &[f64], options: &ClvOptions) -> Result<()> {
    if options.months == 0 || options.months > 1200 {
        return Err(Error::options(format!(
            "months must be between 1 and 1200, got {}",
            options.months
        )));
    }
    if !(options.monthly_discount_rate.is_finite() && options.monthly_discount_rate >= 0.0) {
        return Err(Error::options(format!(
            "monthly discount rate must be a finite number >= 0, got {}",
            options.monthly_discount_rate
        )));
    }
    if !(options.margin.is_finite() && (0.0..=1.0).contains(&options.margin)) {
        return Err(Error::options(format!(
            "margin must be between 0 and 1, got {}",
            options.margin
        )));
    }
    if !(options.periods_per_month.is_finite() && options.periods_per_month > 0.0) {
        return Err(Error::options(format!(
            "periods per month must be a finite positive number, got {}",
            options.periods_per_month
        )));
    }
    if spend.len() != data.len() {
        return Err(Error::options(format!(
            "need one spend value per customer: {} customers, {} spend values",
            data.len(),
            spend.len()
        )));
    }
    if let Some(row) = spend.iter().position(|s| !s.is_finite()) {
        return Err(Error::options(format!(
            "spend of customer row {row} is not finite: {}",
            spend[row]
        )));
    }
    Ok(())
}

/// What [`lifetime_values`] computes, per row.
pub(crate) struct LifetimeValues {
    /// [`customer_lifetime_value`].
    pub clv: Vec<f64>,
    /// Expected purchases over the whole horizon (`months ·
    /// periods_per_month`).
    pub expected_purchases: Vec<f64>,
    /// [`PurchaseModel::p_alive`].
    pub p_alive: Vec<f64>,
}

/// Calls `f` with each pattern of `data`, in order, and its
/// `E[Y(t) | alive]` at each of `horizons`: one
/// [`PurchaseModel::expected_purchases_if_alive_grid`] call per distinct
/// `(x, T)` (patterns are sorted by `(x, T, t_x)`, so the distinct `T` of a
/// group are runs). The CLV's month grid and the holdout's weekly totals
/// (`validate`) both read the curves this way.
pub(crate) fn each_pattern_curve(
    model: &dyn PurchaseModel,
    data: &RfmData,
    horizons: &[f64],
    mut f: impl FnMut(&Rfm, &[f64]),
) {
    let h = horizons.len();
    let mut observed: Vec<f64> = Vec::new();
    let mut curves: Vec<f64> = Vec::new();
    for (x, group, _, _) in data.groups() {
        observed.clear();
        for c in group {
            if observed.last() != Some(&c.t()) {
                observed.push(c.t());
            }
        }
        curves.clear();
        curves.resize(observed.len() * h, 0.0);
        model.expected_purchases_if_alive_grid(x, &observed, horizons, &mut curves);
        let mut row = 0;
        for c in group {
            while observed[row] != c.t() {
                row += 1;
            }
            f(c, &curves[row * h..(row + 1) * h]);
        }
    }
}

/// [`customer_lifetime_value`] with the expected purchases over the horizon
/// and `P(alive)` that it computes on the way, for options already checked.
///
/// `E[Y(t)] = P(alive) · E[Y(t) | alive]`, and the second factor depends on
/// `(x, T)` only: it is evaluated once per distinct `(x, T)` and month, all
/// months of one `x` in one call of
/// [`PurchaseModel::expected_purchases_if_alive_grid`].
pub(crate) fn lifetime_values(
    model: &dyn PurchaseModel,
    data: &RfmData,
    spend: &[f64],
    options: &ClvOptions,
) -> LifetimeValues {
    let months = options.months as usize;
    let discount: Vec<f64> = (1..=options.months)
        .map(|i| (1.0 + options.monthly_discount_rate).powi(-(i as i32)))
        .collect();
    let horizons: Vec<f64> = (1..=months)
        .map(|i| i as f64 * options.periods_per_month)
        .collect();
    let patterns = data.patterns().count();
    let mut value_per_pattern = Vec::with_capacity(patterns);
    let mut expected_per_pattern = Vec::with_capacity(patterns);
    let mut p_alive_per_pattern = Vec::with_capacity(patterns);
    each_pattern_curve(model, data, &horizons, |c, curve| {
        let mut previous = 0.0;
        let mut total = 0.0;
        for (cumulative, d) in curve.iter().zip(&discount) {
            total += (cumulative - previous) * d;
            previous = *cumulative;
        }
        let p_alive = model.p_alive(c);
        value_per_pattern.push(p_alive * total);
        expected_per_pattern.push(p_alive * previous);
        p_alive_per_pattern.push(p_alive);
    });
    let purchases_value = data.spread(&value_per_pattern);
    LifetimeValues {
        clv: purchases_value
            .iter()
            .zip(spend)
            .map(|(v, s)| options.margin * s * v)
            .collect(),
        expected_purchases: data.spread(&expected_per_pattern),
        p_alive: data.spread(&p_alive_per_pattern),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{BgNbd, Rfm};

    #[test]
    fn clv_is_discounted_expected_purchases_times_spend() {
        let model = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let customers = [
            Rfm::new(2.0, 30.43, 38.86).unwrap(),
            Rfm::new(0.0, 0.0, 38.86).unwrap(),
        ];
        let data = RfmData::new(&customers).unwrap();
        let options = ClvOptions {
            months: 3,
            monthly_discount_rate: 0.02,
            margin: 0.3,
            periods_per_month: 4.345,
        };
        let clv = customer_lifetime_value(&model, &data, &[40.0, 25.0], &options).unwrap();
        for (i, c) in customers.iter().enumerate() {
            // Written out for three months.
            let e = |t: f64| model.expected_purchases(c, t);
            let k = 4.345;
            let want = 0.3
                * [40.0, 25.0][i]
                * (e(k) / 1.02
                    + (e(2.0 * k) - e(k)) / 1.02f64.powi(2)
                    + (e(3.0 * k) - e(2.0 * k)) / 1.02f64.powi(3));
            assert!((clv[i] - want).abs() < 1e-12 * want, "{} vs {want}", clv[i]);
        }
        // Undiscounted, the months telescope to E[Y(3k)].
        let flat = ClvOptions {
            monthly_discount_rate: 0.0,
            margin: 1.0,
            ..options
        };
        let clv = customer_lifetime_value(&model, &data, &[1.0, 1.0], &flat).unwrap();
        assert!((clv[0] - model.expected_purchases(&customers[0], 3.0 * 4.345)).abs() < 1e-12);
    }

    #[test]
    fn clv_rejects_bad_options() {
        let model = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let data = RfmData::new(&[Rfm::new(0.0, 0.0, 1.0).unwrap()]).unwrap();
        let cases = [
            (
                ClvOptions {
                    months: 0,
                    ..ClvOptions::default()
                },
                vec![1.0],
                "months must be between 1 and 1200, got 0",
            ),
            (
                ClvOptions {
                    margin: 1.5,
                    ..ClvOptions::default()
                },
                vec![1.0],
                "margin must be between 0 and 1, got 1.5",
            ),
            (
                ClvOptions::default(),
                vec![1.0, 2.0],
                "need one spend value per customer: 1 customers, 2 spend values",
            ),
            (
                ClvOptions::default(),
                vec![f64::NAN],
                "spend of customer row 0 is not finite: NaN",
            ),
        ];
        for (options, spend, want) in cases {
            let err = customer_lifetime_value(&model, &data, &spend, &options)
                .unwrap_err()
                .to_string();
            assert_eq!(err, format!("invalid option: {want}"));
        }
    }
}
