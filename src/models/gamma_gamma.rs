//! The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005,
//! "RFM and CLV: using iso-value curves for customer base analysis",
//! Journal of Marketing Research 42(4), 415–430; the model as in Fader &
//! Hardie's note "The Gamma-Gamma model of monetary value", 2013).
//!
//! Each transaction value is `Gamma(p, ν)`; across customers `ν ~ Gamma(q, γ)`.
//!
//! # Formula
//!
//! The density of the mean `m` of a customer's `x` repeat transactions:
//!
//! ```text
//! f(m | p, q, γ, x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q m^(px-1) x^(px) / (γ + m x)^(px+q)
//! ```
//!
//! summed in log space over customers with `x > 0`, with an analytic gradient
//! and the gamma-function terms computed once per distinct `x`.

use super::bgnbd::check_positive;
use super::data::Spend;
use super::fit::{self, Estimable, Fit, FitOptions};
use super::special::{digamma, ln_gamma};
use crate::{Error, ErrorCode, Result};

/// A Gamma-Gamma spend model with parameters `p, q, gamma`, all finite and
/// positive, and `q > 1` so that the mean spend `pγ/(q-1)` exists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGamma {
    p: f64,
    q: f64,
    gamma: f64,
}

impl GammaGamma {
    /// A model with the given parameters.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Model`] error if a parameter is not a finite
    /// positive number or `q <= 1`.
    pub fn new(p: f64, q: f64, gamma: f64) -> Result<GammaGamma> {
        check_positive("gammagamma", &[("p", p), ("q", q), ("gamma", gamma)])?;
        if q <= 1.0 {
            return Err(Error::model(
                "gammagamma",
                format!(
                    "q = {q} <= 1: the mean spend is undefined (spend is too heavy-tailed for the gamma-gamma model)"
                ),
            )
            .with_code(ErrorCode::HeavyTailedSpend)
            .param("q", q));
        }
        Ok(GammaGamma { p, q, gamma })
    }

    /// Fits the model on the customers with at least one repeat purchase;
    /// the others carry no spend information and are skipped.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Model`] error if no customer has a repeat
    /// purchase, if any customer with repeat purchases has a non-positive
    /// monetary value (the message says how many), if there are no more
    /// such customers than parameters, or if the fitted `q <= 1`.
    pub fn fit(customers: &[Spend], options: &FitOptions) -> Result<Fit<GammaGamma>> {
        GammaGamma::fit_data(&SpendData::new(customers)?, options)
    }

    /// [`GammaGamma::fit`] on weighted rows: each `(spend, weight)` stands
    /// for `weight` customers with that `(x, m)`, so the fit is the one of
    /// the expanded customers.
    ///
    /// # Errors
    ///
    /// As [`GammaGamma::fit`], and an [`crate::ErrorKind::Input`] error if a
    /// weight is not a finite number `> 0`.
    pub fn fit_weighted(
        customers: &[(Spend, f64)],
        options: &FitOptions,
    ) -> Result<Fit<GammaGamma>> {
        GammaGamma::fit_data(&SpendData::with_weights(customers)?, options)
    }

    /// [`GammaGamma::fit`] on customers already checked and grouped.
    pub(crate) fn fit_data(data: &SpendData, options: &FitOptions) -> Result<Fit<GammaGamma>> {
        fit::fit::<GammaGamma>(data, options)
    }

    /// Shape `p` of each transaction's value.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// Shape `q` of the spend rate across customers.
    pub fn q(&self) -> f64 {
        self.q
    }

    /// Scale `gamma` of the spend rate across customers (in money units).
    pub fn gamma(&self) -> f64 {
        self.gamma
    }

    /// Mean transaction value of a new customer.
    ///
    /// # Formula
    ///
    /// `E[Z] = pγ / (q-1)`.
    pub fn mean_spend(&self) -> f64 {
        self.p * self.gamma / (self.q - 1.0)
    }

    /// Expected value of a customer's future transactions given their past.
    ///
    /// # Formula
    ///
    /// `E[Z | x, m] = p(γ + x m) / (px + q - 1)` (FHL 2005, eq. 5), a weighted
    /// mean of [`GammaGamma::mean_spend`] and `m`; for `x = 0` it is
    /// [`GammaGamma::mean_spend`]. A negative `m` counts as 0.
    pub fn conditional_expected_spend(&self, customer: &Spend) -> f64 {
        let x = customer.frequency();
        if x == 0.0 {
            return self.mean_spend();
        }
        let m = customer.monetary_value().max(0.0);
        self.p * (self.gamma + x * m) / (self.p * x + self.q - 1.0)
    }

    /// [`GammaGamma::conditional_expected_spend`] for each customer.
    pub fn conditional_expected_spend_all(&self, customers: &[Spend]) -> Vec<f64> {
        customers
            .iter()
            .map(|c| self.conditional_expected_spend(c))
            .collect()
    }

    /// Total log-likelihood of the customers with repeat purchases.
    ///
    /// # Errors
    ///
    /// As [`GammaGamma::fit`] for the data checks.
    pub fn log_likelihood(&self, customers: &[Spend]) -> Result<f64> {
        Ok(self.log_likelihood_data(&SpendData::new(customers)?))
    }

    /// [`GammaGamma::log_likelihood`] of weighted rows, each standing for
    /// `weight` customers (see [`GammaGamma::fit_weighted`]).
    ///
    /// # Errors
    ///
    /// As [`GammaGamma::fit_weighted`] for the data checks.
    pub fn log_likelihood_weighted(&self, customers: &[(Spend, f64)]) -> Result<f64> {
        Ok(self.log_likelihood_data(&SpendData::with_weights(customers)?))
    }

    /// [`GammaGamma::log_likelihood`] of customers already checked and grouped.
    pub(crate) fn log_likelihood_data(&self, data: &SpendData) -> f64 {
        <GammaGamma as Estimable>::log_likelihood(&[self.p, self.q, self.gamma], data)
    }
}

/// Customers with repeat purchases, grouped by `x`.
#[derive(Debug, Clone)]
pub(crate) struct SpendData {
    groups: Vec<SpendGroup>,
    customers: f64,
    mean: f64,
}

/// The repeat customers with one `x`.
#[derive(Debug, Clone)]
struct SpendGroup {
    x: f64,
    ln_x: f64,
    /// `Σ w ln m` over the group.
    sum_ln_m: f64,
    /// `Σ w`: the group's customers.
    customers: f64,
    /// `m·x` per row.
    mx: Vec<f64>,
    /// The weight `w` per row (1 for a customer).
    weight: Vec<f64>,
}

impl SpendData {
    /// The customers with repeat purchases, grouped by `x`.
    ///
    /// # Errors
    ///
    /// As [`GammaGamma::fit`] for the data checks.
    pub(crate) fn new(customers: &[Spend]) -> Result<SpendData> {
        let weighted: Vec<(Spend, f64)> = customers.iter().map(|&c| (c, 1.0)).collect();
        SpendData::build(&weighted)
    }

    /// [`SpendData::new`] with a weight per row.
    ///
    /// # Errors
    ///
    /// As [`GammaGamma::fit_weighted`].
    pub(crate) fn with_weights(customers: &[(Spend, f64)]) -> Result<SpendData> {
        super::data::check_weights(customers)?;
        SpendData::build(customers)
    }

    fn build(weighted: &[(Spend, f64)]) -> Result<SpendData> {
        let customers: Vec<Spend> = weighted.iter().map(|(c, _)| *c).collect();
        let customers = customers.as_slice();
        let non_positive = customers
            .iter()
            .filter(|c| c.frequency() > 0.0 && c.monetary_value() <= 0.0)
            .count();
        if non_positive > 0 {
            return Err(Error::model(
                "gammagamma",
                format!(
                    "{non_positive} customer{} with repeat purchases {} a non-positive monetary value; \
                     gamma-gamma needs positive spend (drop or fix refunds and zero-value orders)",
                    if non_positive == 1 { "" } else { "s" },
                    if non_positive == 1 { "has" } else { "have" },
                ),
            )
            .with_code(ErrorCode::NonPositiveSpend)
            .param("count", non_positive));
        }
        // (x, m, weight) of the repeat customers.
        let mut repeaters: Vec<(f64, f64, f64)> = weighted
            .iter()
            .filter(|(c, _)| c.frequency() > 0.0)
            .map(|(c, w)| (c.frequency(), c.monetary_value(), *w))
            .collect();
        if repeaters.is_empty() {
            return Err(Error::model(
                "gammagamma",
                format!(
                    "none of the {} customers made a repeat purchase, so spend per transaction cannot be modelled",
                    customers.len()
                ),
            )
            .with_code(ErrorCode::NobodyRepeats)
            .param("customers", customers.len()));
        }
        repeaters.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut groups: Vec<SpendGroup> = Vec::new();
        for &(x, m, w) in &repeaters {
            match groups.last_mut() {
                Some(g) if g.x == x => {
                    g.sum_ln_m += w * m.ln();
                    g.customers += w;
                    g.mx.push(m * x);
                    g.weight.push(w);
                }
                _ => groups.push(SpendGroup {
                    x,
                    ln_x: x.ln(),
                    sum_ln_m: w * m.ln(),
                    customers: w,
                    mx: vec![m * x],
                    weight: vec![w],
                }),
            }
        }
        // With unit weights every product below is exact, so the sums are
        // those of the unweighted customers to the bit.
        let n: f64 = repeaters.iter().map(|r| r.2).sum();
        let mean = repeaters.iter().map(|r| r.2 * r.1).sum::<f64>() / n;
        Ok(SpendData {
            groups,
            customers: n,
            mean,
        })
    }
}

impl Estimable for GammaGamma {
    const NAME: &'static str = "gammagamma";
    const PARAM_NAMES: &'static [&'static str] = &["p", "q", "gamma"];
    type Data = SpendData;

    fn observations(data: &SpendData) -> f64 {
        data.customers
    }

    fn check_data(_data: &SpendData) -> Result<()> {
        Ok(())
    }

    fn starts(data: &SpendData) -> Vec<Vec<f64>> {
        let mut starts = Vec::new();
        for p in [1.0, 4.0] {
            for q in [2.0, 5.0] {
                // Mean spend pγ/(q-1) equal to the sample mean.
                starts.push(vec![p, q, (q - 1.0) * data.mean / p]);
            }
        }
        starts
    }

    fn log_likelihood(params: &[f64], data: &SpendData) -> f64 {
        let mut gradient = [0.0; 3];
        log_likelihood_and_gradient::<false>(params, data, &mut gradient)
    }

    fn log_likelihood_gradient(
        params: &[f64],
        data: &SpendData,
        gradient: &mut [f64],
    ) -> Option<f64> {
        Some(log_likelihood_and_gradient::<true>(params, data, gradient))
    }

    fn from_params(params: &[f64]) -> Result<GammaGamma> {
        GammaGamma::new(params[0], params[1], params[2]).map_err(|_| {
            Error::model(
                "gammagamma",
                format!(
                    "the fitted q = {:.4} <= 1 makes the mean spend undefined: spend is too heavy-tailed \
                     for the gamma-gamma model",
                    params[1]
                ),
            )
            .with_code(ErrorCode::HeavyTailedSpend)
            .param("q", params[1])
        })
    }
}

/// Total log-likelihood (module formula) and, with `GRADIENT`, its gradient
/// in `(p, q, γ)` (left alone without: the log-likelihood is the same to the
/// bit either way).
fn log_likelihood_and_gradient<const GRADIENT: bool>(
    params: &[f64],
    data: &SpendData,
    gradient: &mut [f64],
) -> f64 {
    let (p, q, gamma) = (params[0], params[1], params[2]);
    let (ln_gamma_param, lg_q, dg_q) = (gamma.ln(), ln_gamma(q), digamma(q));
    let mut ll = 0.0;
    let (mut d_p, mut d_q, mut d_gamma) = (0.0, 0.0, 0.0);
    for group in &data.groups {
        let (x, ln_x, sum_ln_m, n) = (&group.x, &group.ln_x, &group.sum_ln_m, group.customers);
        let px = p * x;
        let (mut sum_ln, mut sum_inv) = (0.0, 0.0);
        for (v, w) in group.mx.iter().zip(&group.weight) {
            let total = gamma + v;
            sum_ln += w * total.ln();
            if GRADIENT {
                sum_inv += w / total;
            }
        }
        ll += n * (ln_gamma(px + q) - ln_gamma(px) - lg_q + q * ln_gamma_param + px * ln_x)
            + (px - 1.0) * sum_ln_m
            - (px + q) * sum_ln;
        if !GRADIENT {
            continue;
        }
        let dg_pxq = digamma(px + q);
        d_p += x * (n * (dg_pxq - digamma(px) + ln_x) + sum_ln_m - sum_ln);
        d_q += n * (dg_pxq - dg_q + ln_gamma_param) - sum_ln;
        d_gamma += n * q / gamma - (px + q) * sum_inv;
    }
    if GRADIENT {
        gradient[..3].copy_from_slice(&[d_p, d_q, d_gamma]);
    }
    ll
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative tolerance for closed forms against independent evaluation.
    const CLOSED_FORM: f64 = 1e-10;

    fn spend(x: f64, m: f64) -> Spend {
        Spend::new(x, m).unwrap()
    }

    /// The CDNOW estimates of FHL 2005 (RFM and CLV), section "Spend".
    fn cdnow() -> GammaGamma {
        GammaGamma::new(6.25, 3.74, 15.44).unwrap()
    }

    #[test]
    fn likelihood_matches_direct_evaluation() {
        let m = cdnow();
        for (x, mean) in [(1.0, 20.0), (3.0, 35.5), (40.0, 12.25)] {
            let (p, q, g) = (6.25f64, 3.74f64, 15.44f64);
            let lg = ln_gamma;
            let want = lg(p * x + q) - lg(p * x) - lg(q)
                + q * g.ln()
                + (p * x - 1.0) * f64::ln(mean)
                + p * x * f64::ln(x)
                - (p * x + q) * (g + mean * x).ln();
            let got = m.log_likelihood(&[spend(x, mean)]).unwrap();
            assert!(
                (got - want).abs() < CLOSED_FORM * want.abs(),
                "{got} vs {want}"
            );
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let customers = [
            spend(1.0, 20.0),
            spend(3.0, 35.5),
            spend(3.0, 8.0),
            spend(40.0, 12.25),
            spend(0.0, 0.0),
        ];
        let data = SpendData::new(&customers).unwrap();
        for params in [[6.25, 3.74, 15.44], [0.5, 1.5, 300.0]] {
            let mut g = [0.0; 3];
            let ll = log_likelihood_and_gradient::<true>(&params, &data, &mut g);
            let value_only = log_likelihood_and_gradient::<false>(&params, &data, &mut [0.0; 3]);
            assert_eq!(ll.to_bits(), value_only.to_bits());
            for i in 0..3 {
                let h = 1e-4 * params[i];
                let (mut up, mut down) = (params, params);
                up[i] += h;
                down[i] -= h;
                let fd = (<GammaGamma as Estimable>::log_likelihood(&up, &data)
                    - <GammaGamma as Estimable>::log_likelihood(&down, &data))
                    / (2.0 * h);
                assert!(
                    (g[i] - fd).abs() < 1e-6 * fd.abs().max(1.0),
                    "param {i}: {} vs {fd}",
                    g[i]
                );
            }
        }
    }

    #[test]
    fn conditional_spend_is_a_weighted_mean() {
        let m = cdnow();
        // (customer, expected, source)
        let population = 6.25 * 15.44 / 2.74;
        let cases = [
            (
                spend(0.0, 0.0),
                population,
                "x = 0: population mean pγ/(q-1)",
            ),
            (
                spend(2.0, 50.0),
                2.74 / (12.5 + 2.74) * population + 12.5 / (12.5 + 2.74) * 50.0,
                "FHL 2005 eq. 5 as a weighted mean",
            ),
        ];
        for (c, want, source) in cases {
            let got = m.conditional_expected_spend(&c);
            assert!(
                (got - want).abs() < CLOSED_FORM * want,
                "{source}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn refuses_bad_spend_and_heavy_tails() {
        let customers = [
            spend(1.0, 20.0),
            spend(2.0, 0.0),
            spend(3.0, -5.0),
            spend(0.0, 0.0),
        ];
        let err = GammaGamma::fit(&customers, &FitOptions::default())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "gammagamma: 2 customers with repeat purchases have a non-positive monetary value; gamma-gamma \
             needs positive spend (drop or fix refunds and zero-value orders)"
        );
        let err = GammaGamma::fit(&[spend(0.0, 0.0)], &FitOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("none of the 1 customers made a repeat purchase"),
            "{err}"
        );
        let err = GammaGamma::new(1.0, 0.9, 1.0).unwrap_err().to_string();
        assert!(
            err.contains("q = 0.9 <= 1: the mean spend is undefined"),
            "{err}"
        );
    }
}
