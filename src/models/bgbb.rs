//! The BG/BB model of discrete-time repeat transactions (Fader, Hardie &
//! Shang 2010, "Customer-base analysis in a discrete-time noncontractual
//! setting", Marketing Science 29(6), 1086–1108).
//!
//! At each of `n` transaction opportunities, an alive customer first drops
//! out with probability `θ ~ Beta(γ, δ)`, then, if still alive, transacts with
//! probability `p ~ Beta(α, β)`.
//!
//! # Formula
//!
//! The likelihood of `x` transactions, the last at opportunity `t_x`, in `n`
//! opportunities (paper, eq. 5):
//!
//! ```text
//! L = B(α+x, β+n-x)/B(α, β) · B(γ, δ+n)/B(γ, δ)
//!   + Σ_{i=0}^{n-t_x-1} B(α+x, β+t_x-x+i)/B(α, β) · B(γ+1, δ+t_x+i)/B(γ, δ)
//! ```
//!
//! summed in log space with the beta-function ratios advanced by recursion.
//! The gradient is by central differences in log-parameters.

use super::bgnbd::{check_positive, finite_probability};
use super::data::{DiscreteRfm, DiscreteRfmData};
use super::fit::{self, Estimable, Fit, FitOptions};
use super::special::{ln_beta, ln_gamma, log_add_exp};
use crate::{Error, Result};

/// A BG/BB model with parameters `alpha, beta, gamma, delta`, all finite and
/// positive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgBb {
    alpha: f64,
    beta: f64,
    gamma: f64,
    delta: f64,
}

impl BgBb {
    /// A model with the given parameters.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Model`] error if a parameter is not a finite
    /// positive number.
    pub fn new(alpha: f64, beta: f64, gamma: f64, delta: f64) -> Result<BgBb> {
        check_positive(
            "bgbb",
            &[
                ("alpha", alpha),
                ("beta", beta),
                ("gamma", gamma),
                ("delta", delta),
            ],
        )?;
        Ok(BgBb {
            alpha,
            beta,
            gamma,
            delta,
        })
    }

    /// Fits the model by maximum likelihood on the patterns of `data`.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Model`] error if nobody transacted, or there
    /// are no more customers than parameters; an
    /// [`crate::ErrorKind::Options`] error for invalid options.
    pub fn fit(data: &DiscreteRfmData, options: &FitOptions) -> Result<Fit<BgBb>> {
        fit::fit::<BgBb>(data, options)
    }

    /// Transaction-probability shape `alpha`.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Transaction-probability shape `beta`.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// Dropout-probability shape `gamma`.
    pub fn gamma(&self) -> f64 {
        self.gamma
    }

    /// Dropout-probability shape `delta`.
    pub fn delta(&self) -> f64 {
        self.delta
    }

    fn params(&self) -> [f64; 4] {
        [self.alpha, self.beta, self.gamma, self.delta]
    }

    /// Total log-likelihood of `data` (module formula).
    pub fn log_likelihood(&self, data: &DiscreteRfmData) -> f64 {
        <BgBb as Estimable>::log_likelihood(&self.params(), data)
    }

    /// Probability that `customer` is alive after opportunity `n`.
    ///
    /// # Formula
    ///
    /// `B(α+x, β+n-x)/B(α, β) · B(γ, δ+n)/B(γ, δ) / L` (paper, eq. 11).
    pub fn p_alive(&self, customer: &DiscreteRfm) -> f64 {
        let (alive, total) = ln_likelihood_parts(&self.params(), customer);
        finite_probability((alive - total).exp())
    }

    /// Expected transactions of `customer` in the next `future` opportunities.
    ///
    /// # Formula
    ///
    /// `P(alive) · (α+x)/(α+β+n) · Σ_{k=1}^{future} B(γ, δ+n+k)/B(γ, δ+n)`:
    /// the posterior mean of `p` given alive times the expected number of
    /// future opportunities survived. Equal to the paper's eq. 13, and finite
    /// at `γ = 1` where eq. 13's `δ/(γ-1)` form is singular.
    pub fn expected_purchases(&self, customer: &DiscreteRfm, future: u32) -> f64 {
        let (x, n) = (f64::from(customer.frequency()), f64::from(customer.n()));
        self.p_alive(customer) * (self.alpha + x) / (self.alpha + self.beta + n)
            * expected_survived(self.gamma, self.delta + n, future)
    }

    /// Expected transactions of a new customer in the first `n` opportunities.
    ///
    /// # Formula
    ///
    /// `α/(α+β) · Σ_{k=1}^{n} B(γ, δ+k)/B(γ, δ)` (paper, eq. 9).
    pub fn expected_purchases_new(&self, n: u32) -> f64 {
        self.alpha / (self.alpha + self.beta) * expected_survived(self.gamma, self.delta, n)
    }

    /// Probability that a new customer makes exactly `x` transactions in the
    /// first `n` opportunities.
    ///
    /// # Formula
    ///
    /// Paper, eq. 8:
    ///
    /// ```text
    /// C(n, x) B(α+x, β+n-x)/B(α, β) · B(γ, δ+n)/B(γ, δ)
    ///   + Σ_{i=x}^{n-1} C(i, x) B(α+x, β+i-x)/B(α, β) · B(γ+1, δ+i)/B(γ, δ)
    /// ```
    pub fn p_purchases(&self, x: u32, n: u32) -> f64 {
        if x > n {
            return 0.0;
        }
        let (a, b, g, d) = (self.alpha, self.beta, self.gamma, self.delta);
        let xf = f64::from(x);
        let ln_choose = |i: f64| ln_gamma(i + 1.0) - ln_gamma(xf + 1.0) - ln_gamma(i - xf + 1.0);
        let (ln_ab, ln_gd) = (ln_beta(a, b), ln_beta(g, d));
        let nf = f64::from(n);
        let mut total =
            ln_choose(nf) + ln_beta(a + xf, b + nf - xf) - ln_ab + ln_beta(g, d + nf) - ln_gd;
        for i in x..n {
            let i = f64::from(i);
            total = log_add_exp(
                total,
                ln_choose(i) + ln_beta(a + xf, b + i - xf) - ln_ab + ln_beta(g + 1.0, d + i)
                    - ln_gd,
            );
        }
        finite_probability(total.exp())
    }
}

/// `Σ_{k=1}^{m} B(γ, δ+k)/B(γ, δ)`, the expected number of the next `m`
/// opportunities survived, by the recursion `B(γ, δ+k+1)/B(γ, δ+k) = (δ+k)/(γ+δ+k)`.
fn expected_survived(gamma: f64, delta: f64, m: u32) -> f64 {
    let mut ratio = 1.0;
    let mut total = 0.0;
    for k in 0..m {
        let k = f64::from(k);
        ratio *= (delta + k) / (gamma + delta + k);
        total += ratio;
        if ratio < 1e-18 * total {
            break;
        }
    }
    total
}

/// The most opportunities `n` a BG/BB fit accepts: each likelihood
/// evaluation sums up to `n - t_x` terms per pattern, so 10,000 keeps a fit
/// within a few seconds on any data (BG/BB's opportunities are years,
/// campaigns or events, rarely more than a few hundred).
pub const MAX_OPPORTUNITIES: u32 = 10_000;

/// `(ln alive term, ln L)` for one customer (module formula).
fn ln_likelihood_parts(params: &[f64], c: &DiscreteRfm) -> (f64, f64) {
    let (a, b, g, d) = (params[0], params[1], params[2], params[3]);
    let (x, tx, n) = (
        f64::from(c.frequency()),
        f64::from(c.recency()),
        f64::from(c.n()),
    );
    let (ln_ab, ln_gd) = (ln_beta(a, b), ln_beta(g, d));
    let alive = ln_beta(a + x, b + n - x) - ln_ab + ln_beta(g, d + n) - ln_gd;
    let mut total = alive;
    // i = 0 term, then the recursion in i.
    let mut term = ln_beta(a + x, b + tx - x) - ln_ab + ln_beta(g + 1.0, d + tx) - ln_gd;
    for i in 0..(c.n() - c.recency()) {
        let i = f64::from(i);
        total = log_add_exp(total, term);
        term += ((b + tx - x + i) / (a + b + tx + i)).ln()
            + ((d + tx + i) / (g + 1.0 + d + tx + i)).ln();
    }
    (alive, total)
}

impl Estimable for BgBb {
    const NAME: &'static str = "bgbb";
    const PARAM_NAMES: &'static [&'static str] = &["alpha", "beta", "gamma", "delta"];
    type Data = DiscreteRfmData;

    fn observations(data: &DiscreteRfmData) -> f64 {
        data.len()
    }

    /// Also refuses more than [`MAX_OPPORTUNITIES`] opportunities: the
    /// likelihood sums one term per opportunity after the last transaction.
    fn check_data(data: &DiscreteRfmData) -> Result<()> {
        if let Some(n) = data
            .patterns()
            .iter()
            .map(|(c, _)| c.n())
            .max()
            .filter(|&n| n > MAX_OPPORTUNITIES)
        {
            return Err(Error::model(
                "bgbb",
                format!(
                    "a customer has {n} opportunities, more than the {MAX_OPPORTUNITIES} the model \
                     sums over; count opportunities in a coarser unit (weeks or years, not seconds)"
                ),
            ));
        }
        if data.patterns().iter().all(|(c, _)| c.frequency() == 0) {
            return Err(Error::model(
                "bgbb",
                format!(
                    "none of the {} customers made a transaction, so transaction and dropout rates cannot be estimated",
                    data.len()
                ),
            ));
        }
        Ok(())
    }

    fn starts(_data: &DiscreteRfmData) -> Vec<Vec<f64>> {
        let mut starts = Vec::new();
        for (a, b) in [(1.0, 1.0), (0.5, 2.0)] {
            for (g, d) in [(1.0, 1.0), (0.5, 3.0), (2.0, 0.5)] {
                starts.push(vec![a, b, g, d]);
            }
        }
        starts
    }

    fn log_likelihood(params: &[f64], data: &DiscreteRfmData) -> f64 {
        data.patterns()
            .iter()
            .map(|(c, n)| n * ln_likelihood_parts(params, c).1)
            .sum()
    }

    fn from_params(params: &[f64]) -> Result<BgBb> {
        BgBb::new(params[0], params[1], params[2], params[3])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative tolerance for closed forms against independent evaluation.
    const CLOSED_FORM: f64 = 1e-10;

    fn obs(x: u32, tx: u32, n: u32) -> DiscreteRfm {
        DiscreteRfm::new(x, tx, n).unwrap()
    }

    /// The donation-data estimates (paper, table 2).
    fn donations() -> BgBb {
        BgBb::new(1.204, 0.750, 0.657, 2.783).unwrap()
    }

    #[test]
    fn likelihood_matches_direct_sum() {
        let m = donations();
        let (a, b, g, d) = (1.204, 0.750, 0.657, 2.783);
        let beta = |p: f64, q: f64| ln_beta(p, q).exp();
        for (x, tx, n) in [(0, 0, 6), (3, 4, 6), (6, 6, 6), (1, 1, 6)] {
            let (xf, txf, nf) = (f64::from(x), f64::from(tx), f64::from(n));
            let mut want = beta(a + xf, b + nf - xf) / beta(a, b) * beta(g, d + nf) / beta(g, d);
            for i in 0..(n - tx) {
                let i = f64::from(i);
                want += beta(a + xf, b + txf - xf + i) / beta(a, b) * beta(g + 1.0, d + txf + i)
                    / beta(g, d);
            }
            let data = DiscreteRfmData::new(&[obs(x, tx, n)]).unwrap();
            let got = m.log_likelihood(&data);
            assert!(
                (got - want.ln()).abs() < CLOSED_FORM * want.ln().abs(),
                "({x},{tx},{n}): {got} vs {}",
                want.ln()
            );
        }
    }

    #[test]
    fn identities() {
        let m = donations();
        // P(X(n)=x) sums to 1 over x and its mean is E[X(n)].
        let total: f64 = (0..=6).map(|x| m.p_purchases(x, 6)).sum();
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        let mean: f64 = (0..=6).map(|x| f64::from(x) * m.p_purchases(x, 6)).sum();
        assert!((mean - m.expected_purchases_new(6)).abs() < 1e-12);
        // E[X(n)] against the paper's closed form eq. 9.
        let (a, b, g, d) = (1.204f64, 0.750f64, 0.657f64, 2.783f64);
        let closed = a / (a + b) * d / (g - 1.0)
            * (1.0
                - (ln_gamma(g + d) - ln_gamma(g + d + 6.0) + ln_gamma(1.0 + d + 6.0)
                    - ln_gamma(1.0 + d))
                .exp());
        assert!((m.expected_purchases_new(6) - closed).abs() < CLOSED_FORM * closed);
        // Transacted at the last opportunity: alive for sure.
        assert_eq!(m.p_alive(&obs(3, 6, 6)), 1.0);
        assert!(m.p_alive(&obs(2, 2, 6)) < m.p_alive(&obs(2, 5, 6)));
        let c = obs(3, 5, 6);
        assert!(m.expected_purchases(&c, 5) > m.expected_purchases(&c, 1));
    }

    #[test]
    fn refuses_billions_of_opportunities_and_fits_the_cap() {
        // `fit --model bgbb` on n = 4e9 ran for minutes: now an error that
        // names the value.
        let huge = DiscreteRfmData::new(&[
            obs(1, 3, 4_000_000_000),
            obs(2, 5, 4_000_000_000),
            obs(0, 0, 4_000_000_000),
            obs(3, 5, 6),
        ])
        .unwrap();
        let err = BgBb::fit(&huge, &FitOptions::default()).unwrap_err();
        assert!(
            err.to_string().contains("4000000000 opportunities"),
            "{err}"
        );
        // At the cap the fit runs, within a stated number of likelihood
        // evaluations (each at most MAX_OPPORTUNITIES terms per pattern).
        let at_cap = DiscreteRfmData::new(&[
            obs(1, 3, MAX_OPPORTUNITIES),
            obs(2, 5, MAX_OPPORTUNITIES),
            obs(0, 0, MAX_OPPORTUNITIES),
            obs(3, 5, 6),
            obs(1, 1, 6),
            obs(0, 0, 6),
        ])
        .unwrap();
        crate::models::work::reset();
        let fit = BgBb::fit(&at_cap, &FitOptions::default()).unwrap();
        let work = crate::models::work::snapshot();
        assert!(fit.params().iter().all(|(_, v)| v.is_finite() && v > 0.0));
        assert!(
            work.likelihood_evaluations
                <= crate::models::work::Work::STAGE_BUDGET.likelihood_evaluations,
            "{work:?}"
        );
    }
}
