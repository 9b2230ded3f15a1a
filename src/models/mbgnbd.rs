//! The MBG/NBD purchase model (Batislam, Denizel & Filiztekin 2007,
//! "Empirical validation and comparison of models for customer base
//! analysis", International Journal of Research in Marketing 24(3), 201–209).
//!
//! As the BG/NBD, except that a customer may also drop out right after the
//! first purchase, so that customers without repeat purchases can be dead.
//!
//! # Formula
//!
//! ```text
//! L = B(a, b+x+1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
//!   + B(a+1, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))
//! ```
//!
//! evaluated in log space per unique pattern with an analytic gradient (the
//! BG/NBD's code with the dropout index shifted by one).

use super::bgnbd::{
    check_positive, check_repeaters, expected_while_alive, expected_while_alive_grid,
    finite_probability, horizon, ln_nbd, lomax_density, nbd_log_likelihood, purchase_rate, BgNbd,
    Dropout,
};
use super::data::{Rfm, RfmData};
use super::fit::{self, Estimable, Fit, FitOptions};
use super::special::{beta_reg, ln_beta, logistic};
use super::PurchaseModel;
use crate::Result;

/// An MBG/NBD model with parameters `r, alpha, a, b`, all finite and positive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MbgNbd {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

impl MbgNbd {
    /// A model with the given parameters.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Model`] error if a parameter is not a finite
    /// positive number.
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<MbgNbd> {
        check_positive("mbgnbd", &[("r", r), ("alpha", alpha), ("a", a), ("b", b)])?;
        Ok(MbgNbd { r, alpha, a, b })
    }

    /// Fits the model by maximum likelihood on the unique patterns of `data`.
    ///
    /// # Errors
    ///
    /// As [`super::BgNbd::fit`].
    pub fn fit(data: &RfmData, options: &FitOptions) -> Result<Fit<MbgNbd>> {
        fit::fit::<MbgNbd>(data, options)
    }

    /// Purchase-rate shape `r`.
    pub fn r(&self) -> f64 {
        self.r
    }

    /// Purchase-rate scale `alpha`, in periods.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Dropout shape `a`.
    pub fn a(&self) -> f64 {
        self.a
    }

    /// Dropout shape `b`.
    pub fn b(&self) -> f64 {
        self.b
    }
}

impl PurchaseModel for MbgNbd {
    fn name(&self) -> &'static str {
        "mbgnbd"
    }

    fn log_likelihood(&self, data: &RfmData) -> f64 {
        <MbgNbd as Estimable>::log_likelihood(&[self.r, self.alpha, self.a, self.b], data)
    }

    /// # Formula
    ///
    /// `1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x))`, for `x = 0` too.
    fn p_purchases_if_alive(&self, n: u32, frequency: f64, t_observed: f64, t: f64) -> f64 {
        let params = [self.r, self.alpha, self.a, self.b];
        BgNbd::alive_after(params, frequency, frequency + 1.0, t_observed).p_purchases(n, t)
    }

    fn p_purchase_again_if_alive(&self, _frequency: f64, _t_observed: f64) -> f64 {
        1.0
    }

    fn next_purchase_density_if_alive(&self, frequency: f64, t_observed: f64, t: f64) -> f64 {
        lomax_density(
            self.r + frequency.max(0.0),
            self.alpha + t_observed.max(0.0),
            t,
        )
    }

    /// # Formula
    ///
    /// The BG/NBD's survival with `b+x+1` for `b+x` (trait doc):
    /// `₂F₁(r+x, a; a+b+x+1; -t/(α+T))`.
    fn survival_if_alive(&self, frequency: f64, t_observed: f64, t: f64) -> f64 {
        let params = [self.r, self.alpha, self.a, self.b];
        BgNbd::alive_after(params, frequency, frequency + 1.0, t_observed)
            .survival_if_alive(0.0, 0.0, t)
    }

    fn p_alive(&self, customer: &Rfm) -> f64 {
        let x = customer.frequency();
        let log_odds_dead = self.a.ln() - (self.b + x).ln()
            + (self.r + x)
                * ((customer.t() - customer.recency()) / (self.alpha + customer.recency())).ln_1p();
        logistic(-log_odds_dead)
    }

    /// # Formula
    ///
    /// `(a+b+x)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x;
    /// t/(α+T+t))]`, evaluated as for the BG/NBD.
    fn expected_purchases_if_alive(&self, frequency: f64, t_observed: f64, t: f64) -> f64 {
        expected_while_alive(
            self.r + frequency,
            self.alpha + t_observed,
            self.a,
            self.b + frequency + 1.0,
            t,
        )
    }

    fn expected_purchases_if_alive_grid(
        &self,
        frequency: f64,
        t_observed: &[f64],
        horizons: &[f64],
        out: &mut [f64],
    ) {
        let scales: Vec<f64> = t_observed.iter().map(|t| self.alpha + t).collect();
        expected_while_alive_grid(
            self.r + frequency,
            &scales,
            self.a,
            self.b + frequency + 1.0,
            horizons,
            out,
        );
    }

    /// # Formula
    ///
    /// `b/(a-1) · [1 - (α/(α+t))^r 2F1(r, b+1; a+b; t/(α+t))]`.
    fn expected_purchases_new(&self, t: f64) -> f64 {
        self.b / (self.a + self.b)
            * expected_while_alive(self.r, self.alpha, self.a, self.b + 1.0, t)
    }

    /// # Formula
    ///
    /// `B(a, b+n+1)/B(a, b) · NB(n; r, α/(α+t)) + B(a+1, b+n)/B(a, b) ·
    /// P(NB >= n)`: alive throughout, or dropped out right after the `n`-th
    /// purchase (the `0`-th being the first purchase).
    fn p_purchases(&self, n: u32, t: f64) -> f64 {
        let t = horizon(t);
        let n = f64::from(n);
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let ln_b = ln_beta(a, b);
        let dropped = (ln_beta(a + 1.0, b + n) - ln_b).exp();
        if t == 0.0 {
            return if n == 0.0 { 1.0 } else { 0.0 };
        }
        let alive = (ln_beta(a, b + n + 1.0) - ln_b + ln_nbd(n, r, alpha, t)).exp();
        let reached = if n > 0.0 {
            beta_reg(n, r, t / (alpha + t))
        } else {
            1.0
        };
        finite_probability(alive + dropped * reached)
    }
}

impl Estimable for MbgNbd {
    const NAME: &'static str = "mbgnbd";
    const PARAM_NAMES: &'static [&'static str] = &["r", "alpha", "a", "b"];
    type Data = RfmData;

    fn observations(data: &RfmData) -> f64 {
        data.customers()
    }

    fn check_data(data: &RfmData) -> Result<()> {
        check_repeaters(Self::NAME, data)
    }

    fn prior_centers(data: &RfmData) -> Option<Vec<f64>> {
        Some(super::bgnbd::nbd_prior_centers(data))
    }

    fn starts(data: &RfmData) -> Vec<Vec<f64>> {
        let rate = purchase_rate(data);
        let mut starts = Vec::new();
        for r in [1.0, 0.25, 4.0] {
            for (a, b) in [(1.0, 3.0), (0.5, 1.5)] {
                starts.push(vec![r, r / rate, a, b]);
            }
        }
        starts
    }

    fn log_likelihood(params: &[f64], data: &RfmData) -> f64 {
        let mut gradient = [0.0; 4];
        nbd_log_likelihood::<false>(params, data, Dropout::AfterEvery, &mut gradient)
    }

    fn log_likelihood_gradient(
        params: &[f64],
        data: &RfmData,
        gradient: &mut [f64],
    ) -> Option<f64> {
        Some(nbd_log_likelihood::<true>(
            params,
            data,
            Dropout::AfterEvery,
            gradient,
        ))
    }

    fn from_params(params: &[f64]) -> Result<MbgNbd> {
        MbgNbd::new(params[0], params[1], params[2], params[3])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::special::ln_gamma;

    /// Relative tolerance for closed forms against independent evaluation.
    const CLOSED_FORM: f64 = 1e-9;
    /// Relative tolerance for analytic vs central-difference gradients.
    const GRADIENT: f64 = 1e-6;

    fn rfm(x: f64, tx: f64, t: f64) -> Rfm {
        Rfm::new(x, tx, t).unwrap()
    }

    /// lifetimes' documented CDNOW estimates for the MBG/NBD, in weeks.
    fn model() -> MbgNbd {
        MbgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap()
    }

    #[test]
    fn likelihood_matches_direct_evaluation() {
        let m = model();
        let g = |v: f64| ln_gamma(v).exp();
        let beta = |p: f64, q: f64| g(p) * g(q) / g(p + q);
        // (x, t_x, T): source is the module formula written out term by term.
        for (x, tx, t) in [(0.0, 0.0, 38.86), (2.0, 30.43, 38.86), (5.0, 12.0, 20.0)] {
            let (r, al, a, b) = (m.r, m.alpha, m.a, m.b);
            let common = g(r + x) * al.powf(r) / g(r);
            let want = (beta(a, b + x + 1.0) / beta(a, b) * common / (al + t).powf(r + x)
                + beta(a + 1.0, b + x) / beta(a, b) * common / (al + tx).powf(r + x))
            .ln();
            let got = m.log_likelihood(&RfmData::new(&[rfm(x, tx, t)]).unwrap());
            assert!(
                (got - want).abs() < CLOSED_FORM * want.abs(),
                "({x},{tx},{t}): {got} vs {want}"
            );
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let data = RfmData::new(&[
            rfm(0.0, 0.0, 38.0),
            rfm(2.0, 30.0, 38.0),
            rfm(1.0, 1.5, 20.0),
            rfm(12.0, 35.5, 38.0),
        ])
        .unwrap();
        for p in [[0.525, 6.183, 0.891, 1.614], [2.0, 0.5, 3.0, 0.7]] {
            let mut g = [0.0; 4];
            nbd_log_likelihood::<true>(&p, &data, Dropout::AfterEvery, &mut g);
            for i in 0..4 {
                let h = 1e-4 * p[i];
                let (mut up, mut down) = (p, p);
                up[i] += h;
                down[i] -= h;
                let fd = (<MbgNbd as Estimable>::log_likelihood(&up, &data)
                    - <MbgNbd as Estimable>::log_likelihood(&down, &data))
                    / (2.0 * h);
                assert!(
                    (g[i] - fd).abs() < GRADIENT * fd.abs().max(1.0),
                    "param {i}: {} vs {fd}",
                    g[i]
                );
            }
        }
    }

    #[test]
    fn identities() {
        let m = model();
        // x = 0 customers can be dead: P(alive) = 1/(1 + a/b ((α+T)/α)^r) < 1.
        let p0 = m.p_alive(&rfm(0.0, 0.0, 30.0));
        let want = 1.0 / (1.0 + 0.891 / 1.614 * ((6.183f64 + 30.0) / 6.183).powf(0.525));
        assert!((p0 - want).abs() < CLOSED_FORM);
        let total: f64 = (0..500).map(|n| m.p_purchases(n, 39.0)).sum();
        assert!((total - 1.0).abs() < 1e-6, "{total}");
        let mean: f64 = (0..500)
            .map(|n| f64::from(n) * m.p_purchases(n, 39.0))
            .sum();
        assert!(
            (mean - m.expected_purchases_new(39.0)).abs() < 1e-3 * mean,
            "{mean}"
        );
        let c = rfm(2.0, 30.43, 38.86);
        let mut previous = 0.0;
        for t in [0.0, 1.0, 10.0, 39.0, 1000.0] {
            let e = m.expected_purchases(&c, t);
            assert!(e >= previous);
            previous = e;
        }
    }
}
