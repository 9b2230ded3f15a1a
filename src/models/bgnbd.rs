//! The BG/NBD purchase model (Fader, Hardie & Lee 2005, "Counting your
//! customers the easy way: an alternative to the Pareto/NBD model",
//! Marketing Science 24(2), 275–284).
//!
//! While alive, a customer buys at Poisson rate `λ ~ Gamma(r, α)`; after each
//! repeat purchase they drop out with probability `p ~ Beta(a, b)`.
//!
//! # Formula
//!
//! The likelihood of `x` repeat purchases, the last at `t_x`, in `(0, T]`
//! (paper, eq. 6):
//!
//! ```text
//! L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
//!   + δ(x>0) B(a+1, b+x-1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))
//! ```
//!
//! evaluated in log space, once per unique `(x, t_x, T)` pattern, with the
//! gamma-function terms computed once per distinct `x`. The gradient is
//! analytic (digamma terms plus the mixture weights of the two summands).

use super::data::{Rfm, RfmData};
use super::fit::{self, Estimable, Fit, FitOptions};
use super::special::{beta_reg, digamma, integrate, ln_beta, ln_gamma, ln_hyp2f1, logistic};
use super::PurchaseModel;
use crate::{Error, ErrorCode, Result};

mod expected;
pub(crate) use expected::{
    expected_while_alive, expected_while_alive_grid, expected_while_alive_pairs,
};

/// A BG/NBD model with parameters `r, alpha, a, b`, all finite and positive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbd {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

impl BgNbd {
    /// A model with the given parameters.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Model`] error if a parameter is not a finite
    /// positive number.
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<BgNbd> {
        check_positive("bgnbd", &[("r", r), ("alpha", alpha), ("a", a), ("b", b)])?;
        Ok(BgNbd { r, alpha, a, b })
    }

    /// Fits the model by maximum likelihood on the unique patterns of `data`.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Model`] error if nobody made a repeat purchase,
    /// if there are no more customers than parameters, or if the likelihood is
    /// not finite at any starting point; an [`crate::ErrorKind::Options`]
    /// error for invalid options.
    pub fn fit(data: &RfmData, options: &FitOptions) -> Result<Fit<BgNbd>> {
        fit::fit::<BgNbd>(data, options)
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

    /// [`PurchaseModel::expected_purchases_if_alive`] of customers with
    /// `frequency` repeat purchases at every `(t_observed, t)` of `points`,
    /// into `out` (as long as `points`); with `frequency` and `t_observed` 0
    /// it is [`PurchaseModel::expected_purchases_new`] at `t`. Bit-identical
    /// to one point at a time, and faster: see [`expected_while_alive_pairs`].
    pub(crate) fn expected_purchases_if_alive_pairs(
        &self,
        frequency: f64,
        points: &[(f64, f64)],
        out: &mut [f64],
    ) {
        let scaled: Vec<(f64, f64)> = points
            .iter()
            .map(|&(t_observed, t)| (self.alpha + t_observed, t))
            .collect();
        expected_while_alive_pairs(self.r + frequency, self.a, self.b + frequency, &scaled, out);
    }
}

impl BgNbd {
    /// The BG/NBD of a customer alive at `T` after `frequency` purchases
    /// over `t_observed` periods, who survived `chances` dropout chances:
    /// `(r+x, α+T, a, b+chances)`, the posterior given alive (a new customer
    /// of these parameters has the customer's future).
    /// `[r, α, a, b]` are a valid model's parameters.
    pub(crate) fn alive_after(
        [r, alpha, a, b]: [f64; 4],
        frequency: f64,
        chances: f64,
        t_observed: f64,
    ) -> BgNbd {
        BgNbd {
            r: r + frequency.max(0.0),
            alpha: alpha + t_observed.max(0.0),
            a,
            b: b + chances.max(0.0),
        }
    }
}

impl PurchaseModel for BgNbd {
    fn name(&self) -> &'static str {
        "bgnbd"
    }

    /// # Formula
    ///
    /// Paper eq. 6 summed over customers.
    fn log_likelihood(&self, data: &RfmData) -> f64 {
        <BgNbd as Estimable>::log_likelihood(&[self.r, self.alpha, self.a, self.b], data)
    }

    /// # Formula
    ///
    /// `1` if `x = 0`, else `1 / (1 + a/(b+x-1) · ((α+T)/(α+t_x))^(r+x))`
    /// (Fader, Hardie & Lee, "Computing P(alive) using the BG/NBD model",
    /// note, 2008).
    fn p_alive(&self, customer: &Rfm) -> f64 {
        let x = customer.frequency();
        if x == 0.0 {
            return 1.0;
        }
        let log_odds_dead = self.a.ln() - (self.b + x - 1.0).ln()
            + (self.r + x)
                * ((customer.t() - customer.recency()) / (self.alpha + customer.recency())).ln_1p();
        logistic(-log_odds_dead)
    }

    /// # Formula
    ///
    /// Paper eq. 10 without its `P(alive)` factor: `(a+b+x-1)/(a-1) ·
    /// [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))]`, with
    /// the 2F1 Euler-transformed into a short series and the removable
    /// singularity at `a = 1` bridged.
    fn expected_purchases_if_alive(&self, frequency: f64, t_observed: f64, t: f64) -> f64 {
        expected_while_alive(
            self.r + frequency,
            self.alpha + t_observed,
            self.a,
            self.b + frequency,
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
            self.b + frequency,
            horizons,
            out,
        );
    }

    /// # Formula
    ///
    /// Paper eq. 9: `(a+b-1)/(a-1) · [1 - (α/(α+t))^r 2F1(r, b; a+b-1; t/(α+t))]`.
    fn expected_purchases_new(&self, t: f64) -> f64 {
        expected_while_alive(self.r, self.alpha, self.a, self.b, t)
    }

    /// # Formula
    ///
    /// Paper eq. 8: `B(a, b+n)/B(a, b) · NB(n; r, α/(α+t))
    /// + δ(n>0) B(a+1, b+n-1)/B(a, b) · P(NB >= n)` with
    /// `P(NB >= n) = I_{t/(α+t)}(n, r)`.
    fn p_purchases_if_alive(&self, n: u32, frequency: f64, t_observed: f64, t: f64) -> f64 {
        let params = [self.r, self.alpha, self.a, self.b];
        BgNbd::alive_after(params, frequency, frequency, t_observed).p_purchases(n, t)
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
    /// The survival of a new BG/NBD customer of parameters `(r+x, α+T, a,
    /// b+x)`, `₂F₁(r+x, a; a+b+x; -t/(α+T))` (trait doc).
    fn survival_if_alive(&self, frequency: f64, t_observed: f64, t: f64) -> f64 {
        let params = [self.r, self.alpha, self.a, self.b];
        let m = BgNbd::alive_after(params, frequency, frequency, t_observed);
        survival(m.r, m.alpha, m.a, m.b, t)
    }

    fn p_purchases(&self, n: u32, t: f64) -> f64 {
        let t = horizon(t);
        let n = f64::from(n);
        if t == 0.0 {
            return if n == 0.0 { 1.0 } else { 0.0 };
        }
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        // B(a, b+n)/B(a, b) and B(a+1, b+n-1)/B(a, b) as ratios of rising
        // factorials: differences of ln B lose digits when a, b are huge.
        let alive = (ln_rising(b, n) - ln_rising(a + b, n) + ln_nbd(n, r, alpha, t)).exp();
        let dropped = if n > 0.0 {
            (a.ln() + ln_rising(b, n - 1.0) - ln_rising(a + b, n)).exp()
                * beta_reg(n, r, t / (alpha + t))
        } else {
            0.0
        };
        finite_probability(alive + dropped)
    }
}

impl Estimable for BgNbd {
    const NAME: &'static str = "bgnbd";
    const PARAM_NAMES: &'static [&'static str] = &["r", "alpha", "a", "b"];
    type Data = RfmData;

    fn observations(data: &RfmData) -> f64 {
        data.customers()
    }

    fn check_data(data: &RfmData) -> Result<()> {
        check_repeaters(Self::NAME, data)
    }

    fn prior_centers(data: &RfmData) -> Option<Vec<f64>> {
        Some(nbd_prior_centers(data))
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
        nbd_log_likelihood::<false>(params, data, Dropout::AfterRepeat, &mut gradient)
    }

    fn log_likelihood_gradient(
        params: &[f64],
        data: &RfmData,
        gradient: &mut [f64],
    ) -> Option<f64> {
        Some(nbd_log_likelihood::<true>(
            params,
            data,
            Dropout::AfterRepeat,
            gradient,
        ))
    }

    fn from_params(params: &[f64]) -> Result<BgNbd> {
        BgNbd::new(params[0], params[1], params[2], params[3])
    }
}

/// Centres of the BG/NBD's and MBG/NBD's weak priors on `ln r, ln α, ln a,
/// ln b` (see `fit.rs`): `r = 1`, `α = 1/rate`, `a = b = 1`.
pub(crate) fn nbd_prior_centers(data: &RfmData) -> Vec<f64> {
    vec![0.0, -purchase_rate(data).ln(), 0.0, 0.0]
}

/// Which of the two NBD-with-geometric-dropout likelihoods to evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dropout {
    /// BG/NBD: dropout possible after each repeat purchase.
    AfterRepeat,
    /// MBG/NBD: dropout possible after every purchase, the first included.
    AfterEvery,
}

/// Total log-likelihood and its gradient in `(r, α, a, b)` of the BG/NBD
/// (paper eq. 6) or the MBG/NBD (Batislam et al. 2007, eq. 4).
///
/// With `k = 0` for the BG/NBD and `k = 1` for the MBG/NBD:
/// `ln L = lnΓ(r+x) - lnΓ(r) + r ln α + ln B(a, b+x+k) - ln B(a, b)
///       + ln[(α+T)^-(r+x) + [x>0 or k=1] a/(b+x+k-1) (α+t_x)^-(r+x)]`.
///
/// Without `GRADIENT` the gradient is neither computed nor written; the
/// log-likelihood is the same to the bit either way.
pub(crate) fn nbd_log_likelihood<const GRADIENT: bool>(
    params: &[f64],
    data: &RfmData,
    dropout: Dropout,
    gradient: &mut [f64],
) -> f64 {
    let (r, alpha, a, b) = (params[0], params[1], params[2], params[3]);
    let k = match dropout {
        Dropout::AfterRepeat => 0.0,
        Dropout::AfterEvery => 1.0,
    };
    let (ln_alpha, ln_a) = (alpha.ln(), a.ln());
    let (lg_r, lg_b, lg_ab) = (ln_gamma(r), ln_gamma(b), ln_gamma(a + b));
    let (dg_r, dg_b, dg_ab) = if GRADIENT {
        (digamma(r), digamma(b), digamma(a + b))
    } else {
        (0.0, 0.0, 0.0)
    };
    // ln(α + time) and 1/(α + time), once per distinct time.
    let ln_times: Vec<f64> = data.times().iter().map(|v| (alpha + v).ln()).collect();
    let inv_times: Vec<f64> = if GRADIENT {
        data.times().iter().map(|v| 1.0 / (alpha + v)).collect()
    } else {
        Vec::new()
    };
    let (mut powers_down, mut powers_up) = (Vec::new(), Vec::new());
    let mut ll = 0.0;
    let (mut d_r, mut d_alpha, mut d_a, mut d_b) = (0.0, 0.0, 0.0, 0.0);
    for (x, _, counts, times) in data.groups() {
        let weight: f64 = counts.iter().sum();
        let rx = r + x;
        let bx = b + x + k;
        ll += weight
            * (ln_gamma(rx) - lg_r + r * ln_alpha + ln_gamma(bx) - lg_b + lg_ab - ln_gamma(a + bx));
        if GRADIENT {
            let dg_abx = digamma(a + bx);
            d_r += weight * (digamma(rx) - dg_r + ln_alpha);
            d_alpha += weight * r / alpha;
            d_a += weight * (dg_ab - dg_abx);
            d_b += weight * (digamma(bx) - dg_b + dg_ab - dg_abx);
        }
        if x == 0.0 && dropout == Dropout::AfterRepeat {
            for (&(t, _), &n) in times.iter().zip(counts) {
                ll -= n * r * ln_times[t as usize];
                if GRADIENT {
                    d_r -= n * ln_times[t as usize];
                    d_alpha -= n * r * inv_times[t as usize];
                }
            }
            continue;
        }
        let ln_dropout = ln_a - (bx - 1.0).ln();
        // e = exp(log_ratio) below is (a/(b+x-1)) (α+t_x)^-(r+x) (α+T)^(r+x):
        // in a large group, the powers come from two tables with one entry
        // per distinct time, computed relative to the middle of the time
        // range so that neither overflows, and each pattern needs no `exp`.
        // The product carries a relative error of a few 1e-14 at worst,
        // far below what the fit can see.
        let powers = if times.len() > ln_times.len()
            && rx * (ln_times[ln_times.len() - 1] - ln_times[0]) <= 1000.0
        {
            let ln_middle = 0.5 * (ln_times[0] + ln_times[ln_times.len() - 1]);
            powers_down.clear();
            powers_up.clear();
            for &ln in &ln_times {
                let v = rx * (ln - ln_middle);
                powers_down.push((ln_dropout - v).exp());
                powers_up.push(v.exp());
            }
            true
        } else {
            false
        };
        let (mut sum_ll, mut sum_r, mut sum_alpha, mut sum_dropped) = (0.0, 0.0, 0.0, 0.0);
        for (&(t, tx), &n) in times.iter().zip(counts) {
            let (ln_t, ln_tx) = (ln_times[t as usize], ln_times[tx as usize]);
            // ln L = alive + ln(1 + e), e = exp(dropped - alive), with the
            // weights of the two summands e/(1+e) and 1/(1+e). ln(1 + e)
            // rather than ln_1p(e): the absolute error (<= 1.2e-16) is what
            // matters in a sum, and ln is a third faster.
            let alive = -rx * ln_t;
            let log_ratio = ln_dropout - rx * (ln_tx - ln_t);
            let (log1p, w_dropped) = if log_ratio > 30.0 {
                (log_ratio + (-log_ratio).exp(), 1.0 - (-log_ratio).exp())
            } else {
                let e = if powers {
                    powers_down[tx as usize] * powers_up[t as usize]
                } else {
                    log_ratio.exp()
                };
                let one_plus = 1.0 + e;
                (one_plus.ln(), if GRADIENT { e / one_plus } else { 0.0 })
            };
            sum_ll += n * (alive + log1p);
            if !GRADIENT {
                continue;
            }
            let w_alive = 1.0 - w_dropped;
            sum_r += n * (w_alive * ln_t + w_dropped * ln_tx);
            sum_alpha += n * (w_alive * inv_times[t as usize] + w_dropped * inv_times[tx as usize]);
            sum_dropped += n * w_dropped;
        }
        ll += sum_ll;
        d_r -= sum_r;
        d_alpha -= rx * sum_alpha;
        d_a += sum_dropped / a;
        d_b -= sum_dropped / (bx - 1.0);
    }
    if GRADIENT {
        gradient[..4].copy_from_slice(&[d_r, d_alpha, d_a, d_b]);
    }
    ll
}

/// Refuses data in which nobody made a repeat purchase.
pub(crate) fn check_repeaters(model: &str, data: &RfmData) -> Result<()> {
    if data.repeaters() == 0.0 {
        return Err(Error::model(
            model,
            format!(
                "none of the {} customers made a repeat purchase, so purchase rates and dropout cannot be estimated",
                data.len()
            ),
        )
        .with_code(ErrorCode::NobodyRepeats)
        .param("customers", data.len()));
    }
    Ok(())
}

/// Repeat purchases per period over the whole base, for starting points.
pub(crate) fn purchase_rate(data: &RfmData) -> f64 {
    let purchases = data.weighted_sum(|c| c.frequency());
    let exposure = data.weighted_sum(|c| c.t());
    if purchases > 0.0 && exposure > 0.0 {
        purchases / exposure
    } else {
        1.0
    }
}

/// Checks that every named parameter is finite and positive.
pub(crate) fn check_positive(model: &str, params: &[(&str, f64)]) -> Result<()> {
    for &(name, value) in params {
        if !(value.is_finite() && value > 0.0) {
            return Err(Error::model(
                model,
                format!("parameter {name} must be a finite positive number, got {value}"),
            ));
        }
    }
    Ok(())
}

/// The probability that a BG/NBD customer of parameters `(r, α, a, b)` is
/// still alive `t` periods after their first purchase, `S(t) = E[e^(-λpt)]`
/// ([`PurchaseModel::survival_if_alive`]; with a customer's posterior
/// parameters, their survival after `T`).
///
/// # Formula
///
/// `S(t) = ₂F₁(r, a; a+b; -t/α) = (α/(α+t))^r ₂F₁(r, b; a+b; z)
/// = (α/(α+t))^a ₂F₁(a, a+b-r; a+b; z)` with `z = t/(α+t)` (Pfaff's
/// transformation, DLMF 15.8.1, in either parameter), summed by
/// [`ln_hyp2f1`] in log space (a customer with thousands of purchases has
/// terms beyond `f64`); the form whose terms fall faster (`n^(r-a-1)`
/// against `n^(a-r-1)`) while they stay positive is used. As `a + b → ∞`
/// with `a/(a+b) = p` it tends to `(α/(α+pt))^r`, a fixed dropout
/// probability. Should the series not converge in its million terms (`t/α`
/// beyond `1e16`, never seen), the Beta integral `∫ (1+pt/α)^(-r) dBeta(p;
/// a, b)` is integrated numerically instead (at most 1,000 Gauss–Kronrod
/// panels, relative tolerance `1e-10`).
pub(crate) fn survival(r: f64, alpha: f64, a: f64, b: f64, t: f64) -> f64 {
    let t = horizon(t);
    if t == 0.0 {
        return 1.0;
    }
    let ln_lead = -(t / alpha).ln_1p();
    let z = t / (alpha + t);
    let (first, second, lead) = if r > a && a + b - r > 0.0 {
        (a, a + b - r, a)
    } else {
        (r, b, r)
    };
    if let Some((ln_f, _)) = ln_hyp2f1(first, second, a + b, z) {
        return finite_probability((lead * ln_lead + ln_f).exp());
    }
    let ln_norm = ln_beta(a, b);
    let p = integrate(
        |p| {
            if p <= 0.0 || p >= 1.0 {
                return 0.0;
            }
            ((a - 1.0) * p.ln() + (b - 1.0) * (-p).ln_1p() - ln_norm - r * (p * t / alpha).ln_1p())
                .exp()
        },
        0.0,
        1.0,
        1e-10,
    );
    finite_probability(p)
}

/// A prediction horizon: negative and non-finite values count as 0.
/// The density at `t >= 0` of an exponential wait whose rate is
/// `Gamma(k, scale)`: `k/scale · (scale/(scale+t))^(k+1)` (Lomax).
pub(crate) fn lomax_density(k: f64, scale: f64, t: f64) -> f64 {
    let t = horizon(t);
    (k.ln() - scale.ln() - (k + 1.0) * (t / scale).ln_1p()).exp()
}

pub(crate) fn horizon(t: f64) -> f64 {
    if t.is_finite() && t > 0.0 {
        t
    } else {
        0.0
    }
}

/// A probability clamped to `[0, 1]`, with a non-finite value (never
/// expected) mapped to 0.
pub(crate) fn finite_probability(p: f64) -> f64 {
    if p.is_finite() {
        p.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// `ln NB(n; r, α, t) = ln[Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n]`,
/// with `Γ(r+n)/Γ(r)` by [`ln_rising`] and `ln(α/(α+t))` by `ln_1p`, so
/// that a huge `r` (a fit run off to `r, α -> ∞`) keeps its digits.
pub(crate) fn ln_nbd(n: f64, r: f64, alpha: f64, t: f64) -> f64 {
    let ln_total = (alpha + t).ln();
    ln_rising(r, n) - ln_gamma(n + 1.0) - r * (t / alpha).ln_1p()
        + if n > 0.0 {
            n * (t.ln() - ln_total)
        } else {
            0.0
        }
}

/// `ln[Γ(x+n)/Γ(x)]` for `x > 0`, `n >= 0`, accurate when `x` is huge.
///
/// # Formula
///
/// For `x >= 10`, the difference of Stirling's series for `ln Γ` written
/// without cancellation: `(x - 1/2) ln(1 + n/x) + n ln(x+n) - n + S(x+n) - S(x)`,
/// `S(y) = 1/(12y) - 1/(360y³) + 1/(1260y⁵) - 1/(1680y⁷)` (truncation error
/// below `1e-12` at `y = 10`; Abramowitz & Stegun 6.1.41). Below, the two
/// `ln Γ` are small and subtracted directly.
pub(crate) fn ln_rising(x: f64, n: f64) -> f64 {
    if n == 0.0 {
        return 0.0;
    }
    if x < 10.0 {
        return ln_gamma(x + n) - ln_gamma(x);
    }
    let series = |y: f64| {
        let y2 = y * y;
        (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0 - 1.0 / (1680.0 * y2)) / y2) / y2) / y
    };
    let y = x + n;
    (x - 0.5) * (n / x).ln_1p() + n * y.ln() - n + (series(y) - series(x))
}

#[cfg(test)]
mod tests {
    use super::expected::{expected_by_adaptive_quadrature, expected_concentrated};
    use super::*;
    use crate::models::special::{integrate, ln_beta};

    /// Relative tolerance for closed forms against independent evaluation.
    const CLOSED_FORM: f64 = 1e-9;
    /// Relative tolerance for analytic vs central-difference gradients.
    const GRADIENT: f64 = 1e-6;

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs().max(1e-12)
    }

    fn rfm(x: f64, tx: f64, t: f64) -> Rfm {
        Rfm::new(x, tx, t).unwrap()
    }

    /// The CDNOW estimates (FHL 2005, section 5), in weeks.
    fn cdnow() -> BgNbd {
        BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap()
    }

    /// Eq. 6 written out directly with `exp` of gamma functions, for small x.
    fn likelihood_direct(m: &BgNbd, x: f64, tx: f64, t: f64) -> f64 {
        let g = |v: f64| ln_gamma(v).exp();
        let beta = |p: f64, q: f64| g(p) * g(q) / g(p + q);
        let (r, al, a, b) = (m.r, m.alpha, m.a, m.b);
        let common = g(r + x) * al.powf(r) / g(r);
        let mut l = beta(a, b + x) / beta(a, b) * common / (al + t).powf(r + x);
        if x > 0.0 {
            l += beta(a + 1.0, b + x - 1.0) / beta(a, b) * common / (al + tx).powf(r + x);
        }
        l
    }

    #[test]
    fn likelihood_matches_direct_evaluation() {
        let m = cdnow();
        // (x, t_x, T): source is eq. 6 evaluated term by term above.
        let cases = [
            (0.0, 0.0, 38.86),
            (2.0, 30.43, 38.86),
            (1.0, 1.71, 38.86),
            (7.0, 29.43, 35.0),
        ];
        for (x, tx, t) in cases {
            let data = RfmData::new(&[rfm(x, tx, t)]).unwrap();
            let got = m.log_likelihood(&data);
            let want = likelihood_direct(&m, x, tx, t).ln();
            assert!(
                rel(got, want) < CLOSED_FORM,
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
            rfm(2.0, 30.0, 38.0),
        ])
        .unwrap();
        for p in [
            [0.243, 4.414, 0.793, 2.426],
            [2.0, 0.5, 3.0, 0.7],
            [0.05, 40.0, 0.2, 15.0],
        ] {
            let mut g = [0.0; 4];
            nbd_log_likelihood::<true>(&p, &data, Dropout::AfterRepeat, &mut g);
            for i in 0..4 {
                let h = 1e-4 * p[i];
                let (mut up, mut down) = (p, p);
                up[i] += h;
                down[i] -= h;
                let fd = (<BgNbd as Estimable>::log_likelihood(&up, &data)
                    - <BgNbd as Estimable>::log_likelihood(&down, &data))
                    / (2.0 * h);
                assert!(
                    (g[i] - fd).abs() < GRADIENT * fd.abs().max(1.0),
                    "param {i} at {p:?}: {} vs {fd}",
                    g[i]
                );
            }
        }
    }

    #[test]
    fn likelihood_without_gradient_is_bit_identical() {
        // Groups larger than the time table, so that the power tables are used.
        let mut rows = vec![rfm(0.0, 0.0, 38.0), rfm(0.0, 0.0, 5.0)];
        for x in 1..6 {
            for t in 1..60 {
                for tx in (0..t).step_by(7) {
                    rows.push(rfm(f64::from(x), f64::from(tx.max(1)), f64::from(t)));
                }
            }
        }
        let data = RfmData::new(&rows).unwrap();
        for p in [
            [0.243, 4.414, 0.793, 2.426],
            [2.0, 0.5, 3.0, 0.7],
            [0.05, 40.0, 0.2, 15.0],
        ] {
            for dropout in [Dropout::AfterRepeat, Dropout::AfterEvery] {
                let mut g = [0.0; 4];
                let with = nbd_log_likelihood::<true>(&p, &data, dropout, &mut g);
                let without = nbd_log_likelihood::<false>(&p, &data, dropout, &mut g);
                assert_eq!(with.to_bits(), without.to_bits(), "{p:?} {dropout:?}");
            }
        }
    }

    #[test]
    fn p_alive_identities() {
        let m = cdnow();
        assert_eq!(m.p_alive(&rfm(0.0, 0.0, 30.0)), 1.0);
        // Bought just now: 1 / (1 + a/(b+x-1)) (t_x = T).
        let got = m.p_alive(&rfm(3.0, 30.0, 30.0));
        assert!(rel(got, 1.0 / (1.0 + 0.793 / (2.426 + 2.0))) < CLOSED_FORM);
        // Longer silence, lower P(alive).
        assert!(m.p_alive(&rfm(3.0, 10.0, 30.0)) < m.p_alive(&rfm(3.0, 20.0, 30.0)));
        // x = 10,000 stays finite.
        let p = m.p_alive(&rfm(10_000.0, 50.0, 60.0));
        assert!(p.is_finite() && (0.0..=1.0).contains(&p));
    }

    #[test]
    fn expected_purchases_match_quadrature_and_grow_with_t() {
        // (shape, scale, a, b, t): E_p[(1 - (1 + p t/scale)^-shape)/p] by quadrature.
        let cases = [
            (0.243, 4.414, 0.793, 2.426, 39.0),
            (2.243, 42.0, 0.793, 4.426, 52.0),
            (0.5, 3.0, 1.0, 2.0, 10.0),
            (0.5, 3.0, 1.000001, 2.0, 10.0),
            (1.2, 8.0, 3.5, 0.5, 100.0),
            (5000.24, 60.0, 0.79, 5002.4, 52.0),
        ];
        for (shape, scale, a, b, t) in cases {
            let got = expected_while_alive(shape, scale, a, b, t);
            let ln_norm = ln_beta(a, b);
            // p = (1 - cos πs)/2 tames the Beta density's endpoint singularities.
            let want = integrate(
                |s| {
                    let p = 0.5 * (1.0 - (std::f64::consts::PI * s).cos());
                    if p <= 0.0 || p >= 1.0 {
                        return 0.0;
                    }
                    let jacobian = 0.5 * std::f64::consts::PI * (std::f64::consts::PI * s).sin();
                    -(-shape * (p * t / scale).ln_1p()).exp_m1() / p
                        * ((a - 1.0) * p.ln() + (b - 1.0) * (-p).ln_1p() - ln_norm).exp()
                        * jacobian
                },
                0.0,
                1.0,
                1e-12,
            );
            assert!(
                rel(got, want) < 1e-7,
                "{shape} {scale} {a} {b} {t}: {got} vs {want}"
            );
        }
        let m = cdnow();
        let c = rfm(2.0, 30.43, 38.86);
        let mut previous = 0.0;
        for t in [0.0, 1.0, 10.0, 39.0, 78.0, 1000.0] {
            let e = m.expected_purchases(&c, t);
            assert!(e >= previous, "not increasing at {t}");
            previous = e;
            let u = m.expected_purchases_new(t);
            assert!(u.is_finite() && u >= 0.0);
        }
    }

    #[test]
    fn expected_purchases_grid_is_bit_identical_to_one_at_a_time() {
        // (r, alpha, a, b): CDNOW, a = 1 and a + b = 1 (both bridged),
        // x = 5,000. Source: expected_purchases_if_alive per point.
        let models = [
            (0.243, 4.414, 0.793, 2.426),
            (0.243, 4.414, 1.0, 2.426),
            (0.243, 4.414, 0.4, 0.6),
            (0.5, 2.0, 3.5, 0.5),
        ];
        let observed = [0.0, 1.0, 27.5, 38.86];
        let horizons = [0.0, 4.345, 8.69, 13.035, 26.07, 52.14, 1e4, -1.0, f64::NAN];
        for (r, alpha, a, b) in models {
            let m = BgNbd::new(r, alpha, a, b).unwrap();
            for x in [0.0, 1.0, 7.0, 5000.0] {
                let mut grid = vec![0.0; observed.len() * horizons.len()];
                m.expected_purchases_if_alive_grid(x, &observed, &horizons, &mut grid);
                for (i, &t_observed) in observed.iter().enumerate() {
                    for (j, &t) in horizons.iter().enumerate() {
                        let want = m.expected_purchases_if_alive(x, t_observed, t);
                        let got = grid[i * horizons.len() + j];
                        assert_eq!(
                            got.to_bits(),
                            want.to_bits(),
                            "{m:?} x {x} T {t_observed} t {t}"
                        );
                    }
                }
            }
        }
    }

    /// The concentrated-dropout limit against the adaptive quadrature at
    /// large but finite `a + b`, skewed and symmetric, short and long
    /// horizons, small and large shapes. Source: `expected_by_adaptive_quadrature`
    /// (1e-12 relative).
    #[test]
    fn concentrated_limit_matches_quadrature() {
        /// Relative tolerance of the moment expansion (its stated accuracy
        /// ~1e-10, the quadrature's 1e-12, with margin).
        const LIMIT: f64 = 1e-9;
        let cases = [
            // (shape, u, a, b)
            (0.25, 18.0, 3e7, 4.9e7),
            (1.24, 0.05, 3e7, 4.9e7),
            (3.24, 3.1, 3e7, 4.9e7),
            (0.25, 18.0, 3e5, 3e5),
            (2.0, 100.0, 3e5, 3e5),
            (0.5, 10.0, 8e7, 2.4),
            (0.5, 1000.0, 8e7, 1.0),
            (0.5, 10.0, 2e4, 1e8),
            (40.0, 0.5, 1e7, 1e7),
            (0.05, 1e4, 1e6, 5e6),
            // a -> 0 with b large: almost all mass at p = 0 (small shop,
            // plain likelihood).
            (0.09, 8.0, 4.5e-6, 18160.0),
            (0.09, 0.5, 4.5e-6, 18160.0),
            // a + b = 1.1e5 at rho near CONCENTRATED_RHO (small shop, plain
            // likelihood, where the series needed ~20,000 terms a point).
            (0.0059, 4.4, 22509.5, 88389.5),
            (2.0059, 4.4, 22509.5, 88389.5),
            (0.0059, 0.01, 22509.5, 88389.5),
        ];
        let (mut used, mut worst) = (0, 0.0_f64);
        for (shape, u, a, b) in cases {
            let want = expected_by_adaptive_quadrature(shape, u, a, b);
            if let Some(got) = expected_concentrated(shape, u, a, b) {
                used += 1;
                worst = worst.max(rel(got, want));
                assert!(
                    rel(got, want) < LIMIT,
                    "shape {shape} u {u} a {a} b {b}: {got} vs {want} ({:e})",
                    rel(got, want)
                );
            }
        }
        assert!(used >= 12, "the limit applied to only {used} cases");
        eprintln!("concentrated limit: {used} cases, worst relative error {worst:.1e}");
        // Not concentrated: refused, left to the series or the quadrature.
        assert!(expected_concentrated(0.25, 18.0, 0.8, 2.4).is_none());
        assert!(expected_concentrated(1.0, 3652.0, 35.5, 0.0093).is_none());
    }

    /// Each concentrated-limit prediction costs five evaluations: no
    /// quadrature node and no series term is counted.
    #[test]
    fn predictions_at_the_bound_do_no_quadrature() {
        let m = BgNbd::new(1.24, 17.97, 3.03e7, 4.88e7).unwrap();
        crate::models::work::reset();
        let c = rfm(3.0, 20.0, 40.0);
        for day in 0..365 {
            let t = f64::from(day);
            assert!(m.expected_purchases_new(t).is_finite());
            assert!(m.expected_purchases(&c, t).is_finite());
        }
        let work = crate::models::work::snapshot();
        assert_eq!(work.quadrature_nodes, 0, "{work:?}");
    }

    #[test]
    fn expected_purchases_for_huge_dropout_parameters() {
        /// Relative tolerance against the delta method's first term.
        const CONCENTRATED: f64 = 1e-6;
        // (a, b): Beta(a, b) so concentrated (sd <= 3e-5) that E[g(p)] =
        // g(mean) + g''(mean) sd²/2 + ..., the correction below 1e-8
        // relative: the reference is g(mean), g(p) = (1 - (1 + p t/scale)^-shape)/p.
        let (shape, scale, t) = (0.25, 20.0, 365.0);
        let g = |p: f64| -(-shape * (p * t / scale).ln_1p()).exp_m1() / p;
        for (a, b) in [(8e7, 2.4), (8e7, 8e7), (3e5, 3e5), (2.4, 8e7)] {
            let got = expected_while_alive(shape, scale, a, b, t);
            let want = g(a / (a + b));
            assert!(
                rel(got, want) < CONCENTRATED,
                "a {a} b {b}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn purchase_distribution_sums_to_one_and_matches_mean() {
        let m = cdnow();
        let t = 39.0;
        let probabilities: Vec<f64> = (0..400).map(|n| m.p_purchases(n, t)).collect();
        let total: f64 = probabilities.iter().sum();
        assert!((total - 1.0).abs() < 1e-6, "{total}");
        let mean: f64 = probabilities
            .iter()
            .enumerate()
            .map(|(n, p)| n as f64 * p)
            .sum();
        assert!(rel(mean, m.expected_purchases_new(t)) < 1e-3, "{mean}");
        assert_eq!(m.p_purchases(0, 0.0), 1.0);
        assert_eq!(m.p_purchases(3, -1.0), 0.0);
    }

    /// Relative tolerance at extreme parameters against mpmath: the
    /// quadrature's and the series' accuracy, with margin.
    const EXTREME: f64 = 1e-8;

    /// The parameter sets the stress tests found (tests/model_stress.rs):
    /// b = 0.0093, and the fits on heavy buyers (a -> 0, r and alpha huge)
    /// and on all-T-equal data (a and b huge). Source: mpmath at 60 digits,
    /// scripts/golden_bgnbd_extreme.py (its output, pasted).
    #[test]
    fn extreme_parameters_match_mpmath() {
        let expected = [
            (
                1.0,
                1.0,
                35.49789014751859,
                0.009309186447062521,
                3652.0,
                0.9999959504443482,
            ),
            (
                1.0,
                1.0,
                35.49789014751859,
                0.009309186447062521,
                36520.0,
                1.0002424514871777,
            ),
            (
                80197190.75254881,
                29315864.130691595,
                1.2532493635437373e-08,
                25.27451812227536,
                30.0,
                82.06872854779377,
            ),
            (
                80197190.75254881,
                29315864.130691595,
                1.2532493635437373e-08,
                25.27451812227536,
                365.0,
                998.5028400548738,
            ),
            (
                1.2412112021350257,
                17.968968574516847,
                30289416.155621666,
                48819141.02768504,
                1.0,
                0.06746301734464324,
            ),
            (
                1.2412112021350257,
                17.968968574516847,
                30289416.155621666,
                48819141.02768504,
                30.0,
                1.1975420091810713,
            ),
            (
                1.2412112021350257,
                17.968968574516847,
                30289416.155621666,
                48819141.02768504,
                365.0,
                2.4355528190365874,
            ),
            (
                3.241211202135026,
                117.96896857451685,
                30289416.155621666,
                48819143.02768504,
                30.0,
                0.6791604568825086,
            ),
            (
                3.241211202135026,
                117.96896857451685,
                30289416.155621666,
                48819143.02768504,
                365.0,
                2.4043027518054574,
            ),
        ];
        for (shape, scale, a, b, t, want) in expected {
            let got = expected_while_alive(shape, scale, a, b, t);
            assert!(
                rel(got, want) < EXTREME,
                "E({shape}, {scale}, {a}, {b}, {t}) = {got} vs {want}"
            );
        }
        let heavy = BgNbd::new(
            80197190.75254881,
            29315864.130691595,
            1.2532493635437373e-08,
            25.27451812227536,
        )
        .unwrap();
        let equal_t = BgNbd::new(
            1.2412112021350257,
            17.968968574516847,
            30289416.155621666,
            48819141.02768504,
        )
        .unwrap();
        let probabilities = [
            (&heavy, 0, 1.0, 0.06485350842462911),
            (&heavy, 1, 1.0, 0.1774148289306861),
            (&heavy, 2, 1.0, 0.24267015435647493),
            (&heavy, 0, 30.0, 2.280457014502301e-36),
            (&heavy, 3, 30.0, 4.5949459349939054e-10),
            (&equal_t, 0, 1.0, 0.9349879368202346),
            (&equal_t, 1, 1.0, 0.06264710640914599),
            (&equal_t, 2, 1.0, 0.0022819227105241396),
            (&equal_t, 0, 30.0, 0.2955978912759758),
            (&equal_t, 3, 30.0, 0.07134141438750306),
        ];
        for (m, n, t, want) in probabilities {
            let got = m.p_purchases(n, t);
            assert!(
                rel(got, want) < EXTREME,
                "{m:?}: P(X({t}) = {n}) = {got} vs {want}"
            );
        }
    }
}
