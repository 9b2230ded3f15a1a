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
//! (paper, eqs. 5–7). The gradient is by central differences in
//! log-parameters.

use super::bgnbd::{check_positive, finite_probability};
use super::fit::{self, Estimable, Fit, FitOptions};
use super::special::ln_beta;
use crate::{Error, Result};

/// A cohort's survival series: how many customers are active at the start
/// (`active[0]`) and after each period.
///
/// Always valid: at least two values, finite, non-increasing, `active[0] > 0`.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalData {
    active: Vec<f64>,
}

impl SurvivalData {
    /// A survival series, e.g. `[1000, 869, 743, 653]`.
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
        Ok(SurvivalData {
            active: active.to_vec(),
        })
    }

    /// The counts, starting with the cohort size.
    pub fn active(&self) -> &[f64] {
        &self.active
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
        data.active[0]
    }

    fn check_data(data: &SurvivalData) -> Result<()> {
        let last = data.active[data.active.len() - 1];
        if last == data.active[0] {
            return Err(Error::model(
                "sbg",
                format!(
                    "nobody churned in {} periods, so churn cannot be estimated",
                    data.active.len() - 1
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
        let ln_b = ln_beta(alpha, beta);
        // ln P(T=1) = ln(α/(α+β)); P(T=t+1)/P(T=t) = (β+t-1)/(α+β+t).
        let mut ln_churn = alpha.ln() - (alpha + beta).ln();
        let mut ll = 0.0;
        for t in 1..data.active.len() {
            let lost = data.active[t - 1] - data.active[t];
            if lost > 0.0 {
                ll += lost * ln_churn;
            }
            let tf = t as f64;
            ln_churn += ((beta + tf - 1.0) / (alpha + beta + tf)).ln();
        }
        let m = (data.active.len() - 1) as f64;
        let remaining = data.active[data.active.len() - 1];
        if remaining > 0.0 {
            ll += remaining * (ln_beta(alpha, beta + m) - ln_b);
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
