//! The shifted-beta-geometric model of contractual retention (Fader & Hardie
//! 2007, "How to project customer retention", Journal of Interactive
//! Marketing 21(1), 76–90).
//!
//! Each customer churns at the end of each period with probability
//! `θ ~ Beta(α, β)`.
//!
//! # Formula
//!
//! With `n_t` customers still active after period `t` (`n_0` the cohort):
//!
//! ```text
//! P(T = t) = B(α+1, β+t-1) / B(α, β),   S(t) = B(α, β+t) / B(α, β)
//! LL = Σ_{t=1}^{m} (n_{t-1} - n_t) ln P(T = t) + n_m ln S(m)
//! ```
//!
//! (paper, eqs. 5–7). Customers who started at different times are censored
//! at different periods: with `l_t` churned after exactly `t` periods and
//! `c_t` last seen active after `t` periods,
//!
//! ```text
//! LL = Σ_{t=1}^{m} l_t ln P(T = t) + Σ_{t=0}^{m} c_t ln S(t)
//! ```
//!
//! (the same sum; the paper's single cohort has `c_t = 0` for `t < m`). The
//! gradient is by central differences in log-parameters.

use super::bgnbd::{check_positive, finite_probability};
use super::fit::{self, Estimable, Fit, FitOptions};
use super::special::ln_beta;
use crate::{Error, Result};

/// What the model is fitted on: how many customers were seen to churn after
/// exactly `t` periods, and how many were last seen still active after `t`
/// periods (right-censored: their observation ended before they could churn
/// or renew again).
///
/// A single cohort followed to the same end ([`SurvivalData::new`]) has its
/// survivors censored at the last period only; customers who started at
/// different times ([`SurvivalData::from_lifetimes`]) are censored at
/// different periods. The likelihood is the same sum either way (module
/// formula).
///
/// Always valid: finite non-negative counts, at least one period, at least
/// one customer.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalData {
    /// `lost[t - 1]`: customers who churned after exactly `t` periods.
    lost: Vec<f64>,
    /// `censored[t]`: customers last seen active after `t` periods
    /// (`t = 0..=lost.len()`).
    censored: Vec<f64>,
}

impl SurvivalData {
    /// A cohort's survival series: how many customers are active at the start
    /// (`active[0]`) and after each period, e.g. `[1000, 869, 743, 653]`.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Input`] error naming the period if a value is
    /// not finite or negative, or greater than the one before; or if there are
    /// fewer than two values or the cohort is empty.
    pub fn new(active: &[f64]) -> Result<SurvivalData> {
        if active.len() < 2 {
            return Err(Error::input(
                None,
                Some("active"),
                format!(
                    "need the cohort size and at least one later count, got {} values",
                    active.len()
                ),
            ));
        }
        for (t, &v) in active.iter().enumerate() {
            if !v.is_finite() || v < 0.0 {
                return Err(Error::input(
                    None,
                    Some("active"),
                    format!("period {t}: active count must be a finite number >= 0, got {v}"),
                ));
            }
            if t > 0 && v > active[t - 1] {
                return Err(Error::input(
                    None,
                    Some("active"),
                    format!(
                        "period {t}: {v} active is more than the {} before",
                        active[t - 1]
                    ),
                ));
            }
        }
        if active[0] == 0.0 {
            return Err(Error::input(None, Some("active"), "the cohort is empty"));
        }
        let m = active.len() - 1;
        let mut censored = vec![0.0; m + 1];
        censored[m] = active[m];
        Ok(SurvivalData {
            lost: active.windows(2).map(|w| w[0] - w[1]).collect(),
            censored,
        })
    }

    /// Customers who started at different times: `lost[t - 1]` churned after
    /// exactly `t` periods, `censored[t]` were last seen active after `t`
    /// periods (`censored[0]`: started, not yet due to renew; they add
    /// nothing to the likelihood but count as customers).
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Input`] error naming the period if a count is
    /// not finite or negative, if `censored` has more than one value more
    /// than `lost`, or if there is no period or no customer.
    pub fn from_lifetimes(lost: &[f64], censored: &[f64]) -> Result<SurvivalData> {
        let m = lost.len().max(censored.len().saturating_sub(1));
        if m == 0 {
            return Err(Error::input(
                None,
                Some("lifetimes"),
                "need at least one period of renewals",
            ));
        }
        for (what, values) in [("churned", lost), ("censored", censored)] {
            for (i, &v) in values.iter().enumerate() {
                if !v.is_finite() || v < 0.0 {
                    let t = if what == "churned" { i + 1 } else { i };
                    return Err(Error::input(
                        None,
                        Some("lifetimes"),
                        format!("period {t}: {what} count must be a finite number >= 0, got {v}"),
                    ));
                }
            }
        }
        let mut data = SurvivalData {
            lost: lost.to_vec(),
            censored: censored.to_vec(),
        };
        data.lost.resize(m, 0.0);
        data.censored.resize(m + 1, 0.0);
        if data.customers() <= 0.0 {
            return Err(Error::input(
                None,
                Some("lifetimes"),
                "there are no customers",
            ));
        }
        Ok(data)
    }

    /// `lost[t - 1]`: customers who churned after exactly `t` periods.
    pub fn lost(&self) -> &[f64] {
        &self.lost
    }

    /// `censored[t]`: customers last seen active after `t` periods.
    pub fn censored(&self) -> &[f64] {
        &self.censored
    }

    /// Every customer, churned or censored.
    pub fn customers(&self) -> f64 {
        self.lost.iter().sum::<f64>() + self.censored.iter().sum::<f64>()
    }
}

/// A shifted-beta-geometric model with parameters `alpha, beta`, finite and
/// positive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShiftedBetaGeometric {
    alpha: f64,
    beta: f64,
}

impl ShiftedBetaGeometric {
    /// A model with the given parameters.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Model`] error if a parameter is not a finite
    /// positive number.
    pub fn new(alpha: f64, beta: f64) -> Result<ShiftedBetaGeometric> {
        check_positive("sbg", &[("alpha", alpha), ("beta", beta)])?;
        Ok(ShiftedBetaGeometric { alpha, beta })
    }

    /// Fits the model by maximum likelihood.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Model`] error if nobody churned or the cohort
    /// has no more members than parameters; an
    /// [`crate::ErrorKind::Options`] error for invalid options.
    pub fn fit(data: &SurvivalData, options: &FitOptions) -> Result<Fit<ShiftedBetaGeometric>> {
        fit::fit::<ShiftedBetaGeometric>(data, options)
    }

    /// Churn-probability shape `alpha`.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Churn-probability shape `beta`.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// Probability of churning in period `t` (`t >= 1`; 0 for `t = 0`).
    ///
    /// # Formula
    ///
    /// `P(T = t) = B(α+1, β+t-1) / B(α, β)`.
    pub fn churn_probability(&self, t: u32) -> f64 {
        if t == 0 {
            return 0.0;
        }
        let t = f64::from(t);
        finite_probability(
            (ln_beta(self.alpha + 1.0, self.beta + t - 1.0) - ln_beta(self.alpha, self.beta)).exp(),
        )
    }

    /// Probability of still being active after period `t`.
    ///
    /// # Formula
    ///
    /// `S(t) = B(α, β+t) / B(α, β)`.
    pub fn survival(&self, t: u32) -> f64 {
        let t = f64::from(t);
        finite_probability(
            (ln_beta(self.alpha, self.beta + t) - ln_beta(self.alpha, self.beta)).exp(),
        )
    }

    /// Share of those active after period `t-1` who renew in period `t`
    /// (`t >= 1`).
    ///
    /// # Formula
    ///
    /// `r_t = S(t)/S(t-1) = (β+t-1)/(α+β+t-1)`, increasing in `t` (paper, eq. 8).
    pub fn retention_rate(&self, t: u32) -> f64 {
        let t = f64::from(t.max(1));
        (self.beta + t - 1.0) / (self.alpha + self.beta + t - 1.0)
    }

    /// Expected lifetime in periods, the first included: `E[T] = Σ_{t≥0}
    /// S(t)`; `None` (infinite) when `alpha <= 1`.
    ///
    /// # Formula
    ///
    /// `E[T] = (α+β-1)/(α-1)` for `α > 1` (`E[1/θ]` of `θ ~ Beta(α, β)`).
    pub fn mean_lifetime(&self) -> Option<f64> {
        (self.alpha > 1.0).then(|| (self.alpha + self.beta - 1.0) / (self.alpha - 1.0))
    }

    /// Expected periods among the first `n`, the first included: `Σ_{t=0}^{n-1}
    /// S(t)`, finite for every `alpha`.
    pub fn expected_periods_within(&self, n: u32) -> f64 {
        let mut survival = 1.0;
        let mut sum = 0.0;
        for t in 0..n {
            if t > 0 {
                survival *= self.retention_rate(t);
            }
            sum += survival;
        }
        sum
    }

    /// Total log-likelihood of `data` (module formula).
    pub fn log_likelihood(&self, data: &SurvivalData) -> f64 {
        <ShiftedBetaGeometric as Estimable>::log_likelihood(&[self.alpha, self.beta], data)
    }
}

impl Estimable for ShiftedBetaGeometric {
    const NAME: &'static str = "sbg";
    const PARAM_NAMES: &'static [&'static str] = &["alpha", "beta"];
    type Data = SurvivalData;

    fn observations(data: &SurvivalData) -> f64 {
        data.customers()
    }

    fn check_data(data: &SurvivalData) -> Result<()> {
        if data.lost.iter().sum::<f64>() == 0.0 {
            return Err(Error::model(
                "sbg",
                format!(
                    "nobody churned in {} periods, so churn cannot be estimated",
                    data.lost.len()
                ),
            ));
        }
        Ok(())
    }

    fn starts(_data: &SurvivalData) -> Vec<Vec<f64>> {
        vec![
            vec![1.0, 1.0],
            vec![0.5, 3.0],
            vec![3.0, 0.5],
            vec![1.0, 10.0],
        ]
    }

    fn log_likelihood(params: &[f64], data: &SurvivalData) -> f64 {
        let (alpha, beta) = (params[0], params[1]);
        // ln P(T=1) = ln(α/(α+β)); P(T=t+1)/P(T=t) = (β+t-1)/(α+β+t);
        // S(0) = 1, S(t)/S(t-1) = (β+t-1)/(α+β+t-1).
        let mut ln_churn = alpha.ln() - (alpha + beta).ln();
        let mut ln_survival = 0.0;
        let mut ll = 0.0;
        if data.censored[0] > 0.0 {
            ll += data.censored[0] * ln_survival;
        }
        for t in 1..=data.lost.len() {
            let tf = t as f64;
            let lost = data.lost[t - 1];
            if lost > 0.0 {
                ll += lost * ln_churn;
            }
            ln_survival += ((beta + tf - 1.0) / (alpha + beta + tf - 1.0)).ln();
            let censored = data.censored[t];
            if censored > 0.0 {
                ll += censored * ln_survival;
            }
            ln_churn += ((beta + tf - 1.0) / (alpha + beta + tf)).ln();
        }
        ll
    }

    fn from_params(params: &[f64]) -> Result<ShiftedBetaGeometric> {
        ShiftedBetaGeometric::new(params[0], params[1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fader & Hardie 2007 report estimates to three decimals.
    const PAPER_DECIMALS: f64 = 5e-4;

    /// Survivors per 1,000 after years 0–7 (paper, table 1).
    const HIGH_END: [f64; 8] = [1000.0, 869.0, 743.0, 653.0, 593.0, 551.0, 517.0, 491.0];
    const REGULAR: [f64; 8] = [1000.0, 631.0, 468.0, 382.0, 326.0, 289.0, 262.0, 241.0];

    #[test]
    fn reproduces_the_papers_estimates() {
        // (data, alpha, beta, source): estimates from years 1–7, paper section 4.
        let cases = [
            (&HIGH_END, 0.668, 3.806, "high end"),
            (&REGULAR, 0.704, 1.182, "regular"),
        ];
        for (active, alpha, beta, source) in cases {
            let data = SurvivalData::new(active).unwrap();
            let fit = ShiftedBetaGeometric::fit(&data, &FitOptions::default()).unwrap();
            let m = fit.model();
            assert!(
                (m.alpha - alpha).abs() < PAPER_DECIMALS && (m.beta - beta).abs() < PAPER_DECIMALS,
                "{source}: {m:?}"
            );
            assert!(fit.converged());
        }
    }

    #[test]
    fn probabilities_are_consistent() {
        let m = ShiftedBetaGeometric::new(0.668, 3.806).unwrap();
        let churned: f64 = (1..=20).map(|t| m.churn_probability(t)).sum();
        assert!((churned + m.survival(20) - 1.0).abs() < 1e-12);
        for t in 1..10 {
            assert!((m.survival(t) / m.survival(t - 1) - m.retention_rate(t)).abs() < 1e-12);
        }
    }

    /// A censored customer adds `ln S(t)` and a churned one `ln P(T = t)`:
    /// checked against the closed forms at `α = 0.7, β = 1.2`.
    #[test]
    fn censored_lifetimes_add_their_survival() {
        const EXACT: f64 = 1e-12;
        let m = ShiftedBetaGeometric::new(0.7, 1.2).unwrap();
        // 3 churned after 1 period, 1 after 2; 2 censored after 1, 5 after 3.
        let data = SurvivalData::from_lifetimes(&[3.0, 1.0], &[4.0, 2.0, 0.0, 5.0]).unwrap();
        let expected = 3.0 * m.churn_probability(1).ln()
            + m.churn_probability(2).ln()
            + 2.0 * m.survival(1).ln()
            + 5.0 * m.survival(3).ln();
        assert!((m.log_likelihood(&data) - expected).abs() < EXACT);
        assert_eq!(data.customers(), 15.0);
        // One cohort is the special case with survivors censored at the end.
        let cohort = SurvivalData::new(&HIGH_END).unwrap();
        let lost: Vec<f64> = HIGH_END.windows(2).map(|w| w[0] - w[1]).collect();
        let mut censored = vec![0.0; 8];
        censored[7] = HIGH_END[7];
        let same = SurvivalData::from_lifetimes(&lost, &censored).unwrap();
        assert_eq!(cohort, same);
    }

    /// The mean lifetime is the sum of the survival curve (`α > 1`) and is
    /// infinite otherwise; the sum over the first `n` periods is finite.
    #[test]
    fn mean_lifetime_is_the_sum_of_survival() {
        const SUM: f64 = 1e-6;
        let m = ShiftedBetaGeometric::new(2.0, 1.0).unwrap();
        // θ ~ Beta(2, 1): E[1/θ] = ∫ 2θ/θ dθ = 2.
        assert_eq!(m.mean_lifetime(), Some(2.0));
        let sum: f64 = (0..200_000).map(|t| m.survival(t)).sum();
        assert!((sum - 2.0).abs() < 1e-4, "{sum}");
        let heavy = ShiftedBetaGeometric::new(0.7, 1.2).unwrap();
        assert_eq!(heavy.mean_lifetime(), None);
        let within: f64 = (0..12).map(|t| heavy.survival(t)).sum();
        assert!((heavy.expected_periods_within(12) - within).abs() < SUM);
    }

    #[test]
    fn refuses_bad_series() {
        assert!(SurvivalData::new(&[100.0]).is_err());
        let err = SurvivalData::new(&[100.0, 90.0, 95.0])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "column \"active\": period 2: 95 active is more than the 90 before"
        );
        let data = SurvivalData::new(&[100.0, 100.0, 100.0]).unwrap();
        let err = ShiftedBetaGeometric::fit(&data, &FitOptions::default())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "sbg: nobody churned in 2 periods, so churn cannot be estimated"
        );
    }
}
