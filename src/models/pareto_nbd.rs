//! The Pareto/NBD purchase model (Schmittlein, Morrison & Colombo 1987,
//! "Counting your customers: who are they and what will they do next?",
//! Management Science 33(1), 1–24), with the likelihood as derived in Fader &
//! Hardie, "A note on deriving the Pareto/NBD model and related expressions"
//! (2005).
//!
//! While alive, a customer buys at Poisson rate `λ ~ Gamma(r, α)`; their
//! lifetime is exponential with rate `μ ~ Gamma(s, β)`.
//!
//! # Formula
//!
//! ```text
//! L = Γ(r+x) α^r β^s / Γ(r) · [ 1 / ((α+T)^(r+x) (β+T)^s) + s/(r+s+x) · A0 ]
//! A0 = F(t_x) / (m+t_x)^(r+s+x) - F(T) / (m+T)^(r+s+x),  m = max(α, β)
//! F(y) = 2F1(r+s+x, s+1; r+s+x+1; (α-β)/(α+y))    if α >= β
//! F(y) = 2F1(r+s+x, r+x; r+s+x+1; (β-α)/(β+y))    if α < β
//! ```
//!
//! The branch keeps `z` in `[0, 1)` (the two forms are related by Pfaff's
//! transformation); Euler's transformation then writes
//! `F = (1-z)^(1-b) 2F1(1, r+s+x+1-b; r+s+x+1; z)`, a series of positive,
//! decreasing terms. Near `z = 1` (`β` far above `α`, as when a fit runs to
//! `s -> 0, β -> ∞`) that series is long, and the connection formula to
//! `1 - z` answers at a bounded cost instead ([`ln_hyp2f1_a_a1`]).
//! Everything is summed in log space, and `A0` is formed as
//! `e^u (1 - e^(v-u))` so that it stays accurate when `t_x` is close to `T`.
//!
//! The gradient is analytic where the series answers (its parameter
//! derivatives are summed with it), central differences elsewhere.

use super::bgnbd::{
    check_positive, check_repeaters, finite_probability, horizon, ln_nbd, lomax_density,
    purchase_rate,
};
use super::data::{Rfm, RfmData};
use super::fit::{self, Estimable, Fit, FitOptions};
use super::special::{
    digamma, integrate, ln_gamma, ln_hyp2f1_a_a1, ln_hyp2f1_a_a1_far, log1m_exp, log_add_exp,
    logistic, series_is_short, Hyp2f1Series,
};
use super::PurchaseModel;
use crate::Result;

/// A Pareto/NBD model with parameters `r, alpha, s, beta`, all finite and
/// positive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParetoNbd {
    r: f64,
    alpha: f64,
    s: f64,
    beta: f64,
}

impl ParetoNbd {
    /// A model with the given parameters.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Model`] error if a parameter is not a finite
    /// positive number.
    pub fn new(r: f64, alpha: f64, s: f64, beta: f64) -> Result<ParetoNbd> {
        check_positive(
            "pareto",
            &[("r", r), ("alpha", alpha), ("s", s), ("beta", beta)],
        )?;
        Ok(ParetoNbd { r, alpha, s, beta })
    }

    /// Fits the model by maximum likelihood on the unique patterns of `data`.
    ///
    /// # Errors
    ///
    /// As [`super::BgNbd::fit`].
    pub fn fit(data: &RfmData, options: &FitOptions) -> Result<Fit<ParetoNbd>> {
        fit::fit::<ParetoNbd>(data, options)
    }

    /// Purchase-rate shape `r`.
    pub fn r(&self) -> f64 {
        self.r
    }

    /// Purchase-rate scale `alpha`, in periods.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Dropout-rate shape `s`.
    pub fn s(&self) -> f64 {
        self.s
    }

    /// Dropout-rate scale `beta`, in periods.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// `ln A0` (module formula), `-inf` when `t_x = T`.
    fn ln_a0(&self, x: f64, recency: f64, t: f64) -> f64 {
        ln_a0(&[self.r, self.alpha, self.s, self.beta], x, recency, t)
    }
}

/// `ln[F(y) / (m+y)^(r+s+x)]` of the module formula.
fn ln_tail(params: &[f64], x: f64, y: f64) -> f64 {
    let (r, alpha, s, beta) = (params[0], params[1], params[2], params[3]);
    let a = r + s + x;
    let (m, b, z, w) = if alpha >= beta {
        (
            alpha,
            s + 1.0,
            (alpha - beta) / (alpha + y),
            (beta + y) / (alpha + y),
        )
    } else {
        (
            beta,
            r + x,
            (beta - alpha) / (beta + y),
            (alpha + y) / (beta + y),
        )
    };
    ln_hyp2f1_a_a1(a, b, z, w) - a * (m + y).ln()
}

/// [`ln_tail`] at every `ys[i]`, into `out[i]`, bit-identical: the series'
/// coefficients, which depend on `x` only, are computed once
/// ([`Hyp2f1Series`]) and summed four times at once.
fn ln_tails(params: &[f64], x: f64, ys: &[f64], out: &mut [f64]) {
    let (r, alpha, s, beta) = (params[0], params[1], params[2], params[3]);
    let a = r + s + x;
    let (m, b, numerator, other) = if alpha >= beta {
        (alpha, s + 1.0, alpha - beta, beta)
    } else {
        (beta, r + x, beta - alpha, alpha)
    };
    let mut series = Hyp2f1Series::new(1.0, a + 1.0 - b, a + 1.0);
    for (ys, out) in ys.chunks(4).zip(out.chunks_mut(4)) {
        let mut z = [0.0; 4];
        for (lane, &y) in ys.iter().enumerate() {
            z[lane] = numerator / (m + y);
        }
        // Lanes whose series is long are given z = 0 (an immediate answer).
        let by_series = z.map(|z| series_is_short(a, b, z));
        let sums = series.ln_eval4(std::array::from_fn(|lane| {
            if by_series[lane] {
                z[lane]
            } else {
                0.0
            }
        }));
        for (lane, (value, &y)) in out.iter_mut().zip(ys).enumerate() {
            let w = (other + y) / (m + y);
            let ln_f = match sums[lane] {
                Some((ln_h, _)) if by_series[lane] => (1.0 - b) * w.ln() + ln_h,
                _ => ln_hyp2f1_a_a1_far(a, b, z[lane], w),
            };
            *value = ln_f - a * (m + y).ln();
        }
    }
}

fn ln_a0(params: &[f64], x: f64, recency: f64, t: f64) -> f64 {
    if recency >= t {
        return f64::NEG_INFINITY;
    }
    a0_from_tails(ln_tail(params, x, recency), ln_tail(params, x, t))
}

/// `ln A0` from `ln_tail` at `t_x` (`upper`) and at `T` (`lower`).
fn a0_from_tails(upper: f64, lower: f64) -> f64 {
    let difference = lower - upper;
    if difference >= 0.0 {
        // Equal to rounding: A0 is zero to working precision.
        return f64::NEG_INFINITY;
    }
    upper + log1m_exp(difference)
}

/// `ln[(β+T)/(s-1) · (1 - ((β+T)/(β+T+t))^(s-1))]`, continuous at `s = 1`
/// where it is `ln[(β+T) ln(1 + t/(β+T))]`.
fn ln_lifetime_integral(s: f64, scale: f64, t: f64) -> f64 {
    let log_ratio = (t / scale).ln_1p();
    let k = (s - 1.0) * log_ratio;
    let factor = if k.abs() < 1e-10 {
        log_ratio * (1.0 - 0.5 * k)
    } else {
        -(-k).exp_m1() / (s - 1.0)
    };
    scale.ln() + factor.ln()
}

impl PurchaseModel for ParetoNbd {
    fn name(&self) -> &'static str {
        "pareto"
    }

    fn log_likelihood(&self, data: &RfmData) -> f64 {
        <ParetoNbd as Estimable>::log_likelihood(&[self.r, self.alpha, self.s, self.beta], data)
    }

    /// # Formula
    ///
    /// `1 / (1 + s/(r+s+x) · (α+T)^(r+x) (β+T)^s · A0)` (Fader & Hardie 2005,
    /// eq. 18), in log space.
    fn p_alive(&self, customer: &Rfm) -> f64 {
        let (x, t) = (customer.frequency(), customer.t());
        let ln_a0 = self.ln_a0(x, customer.recency(), t);
        if ln_a0 == f64::NEG_INFINITY {
            return 1.0;
        }
        let log_odds_dead = self.s.ln() - (self.r + self.s + x).ln()
            + (self.r + x) * (self.alpha + t).ln()
            + self.s * (self.beta + t).ln()
            + ln_a0;
        finite_probability(logistic(-log_odds_dead))
    }

    /// # Formula
    ///
    /// `(r+x)/(α+T) · (β+T)/(s-1) · [1 - ((β+T)/(β+T+t))^(s-1)]` (Fader &
    /// Hardie 2005, eq. 21 without `P(alive)`), continuous at `s = 1`.
    fn expected_purchases_if_alive(&self, frequency: f64, t_observed: f64, t: f64) -> f64 {
        let t = horizon(t);
        if t == 0.0 {
            return 0.0;
        }
        let ln = (self.r + frequency).ln() - (self.alpha + t_observed).ln()
            + ln_lifetime_integral(self.s, self.beta + t_observed, t);
        finite_or_zero(ln.exp())
    }

    /// # Formula
    ///
    /// `rβ/(α(s-1)) · [1 - (β/(β+t))^(s-1)]` (Fader & Hardie 2005, eq. 17).
    fn expected_purchases_new(&self, t: f64) -> f64 {
        let t = horizon(t);
        if t == 0.0 {
            return 0.0;
        }
        finite_or_zero(
            (self.r.ln() - self.alpha.ln() + ln_lifetime_integral(self.s, self.beta, t)).exp(),
        )
    }

    /// # Formula
    ///
    /// Mixing the NBD count over the Pareto lifetime `τ`:
    /// `P(X(t)=n) = NB(n; t) (β/(β+t))^s + ∫_0^t s β^s (β+τ)^-(s+1) NB(n; τ) dτ`
    /// with `NB(n; τ) = Γ(r+n)/(Γ(r) n!) (α/(α+τ))^r (τ/(α+τ))^n`. This equals
    /// Fader & Hardie's 2006 closed form ("Deriving an expression for
    /// P(X(t) = x) under the Pareto/NBD model"), whose alternating sum of 2F1s
    /// cancels badly; the integral is evaluated by adaptive Gauss–Kronrod
    /// quadrature to `1e-10` relative.
    fn p_purchases_if_alive(&self, n: u32, frequency: f64, t_observed: f64, t: f64) -> f64 {
        let (x, observed) = (frequency.max(0.0), t_observed.max(0.0));
        ParetoNbd {
            r: self.r + x,
            alpha: self.alpha + observed,
            s: self.s,
            beta: self.beta + observed,
        }
        .p_purchases(n, t)
    }

    /// # Formula
    ///
    /// `E[λ/(λ+μ)] = ∫_0^∞ E[λ e^(-λu)] E[e^(-μu)] du` with `λ ~ Gamma(r+x,
    /// A = α+T)` and `μ ~ Gamma(s, B = β+T)` independent given alive:
    /// `∫_0^∞ (r+x)/A (A/(A+u))^(r+x+1) (B/(B+u))^s du`, integrated over
    /// `w = u/(A+u)` in `[0, 1)`: `∫_0^1 (r+x) (1-w)^(r+x-1) (B(1-w)/(B(1-w)
    /// + A w))^s dw`.
    fn p_purchase_again_if_alive(&self, frequency: f64, t_observed: f64) -> f64 {
        let k = self.r + frequency.max(0.0);
        let (a, b) = (
            self.alpha + t_observed.max(0.0),
            self.beta + t_observed.max(0.0),
        );
        let s = self.s;
        let p = integrate(
            |w| {
                let rest = 1.0 - w;
                if rest <= 0.0 {
                    return 0.0;
                }
                let dying = (b * rest / (b * rest + a * w)).ln() * s;
                (k.ln() + (k - 1.0) * rest.ln() + dying).exp()
            },
            0.0,
            1.0,
            1e-10,
        );
        finite_probability(p)
    }

    /// # Formula
    ///
    /// `((β+T)/(β+T+t))^s`: the lifetime's rate is `Gamma(s, β+T)` given
    /// alive at `T` (trait doc).
    fn survival_if_alive(&self, _frequency: f64, t_observed: f64, t: f64) -> f64 {
        let b = self.beta + t_observed.max(0.0);
        finite_probability((-self.s * (horizon(t) / b).ln_1p()).exp())
    }

    fn next_purchase_density_if_alive(&self, frequency: f64, t_observed: f64, t: f64) -> f64 {
        let observed = t_observed.max(0.0);
        let (a, b) = (self.alpha + observed, self.beta + observed);
        lomax_density(self.r + frequency.max(0.0), a, t)
            * (-self.s * (horizon(t) / b).ln_1p()).exp()
    }

    fn p_purchases(&self, n: u32, t: f64) -> f64 {
        let t = horizon(t);
        let n = f64::from(n);
        if t == 0.0 {
            return if n == 0.0 { 1.0 } else { 0.0 };
        }
        let (r, alpha, s, beta) = (self.r, self.alpha, self.s, self.beta);
        let survived = (ln_nbd(n, r, alpha, t) + s * (beta.ln() - (beta + t).ln())).exp();
        let ln_s_beta = s.ln() + s * beta.ln();
        let died = integrate(
            |tau| {
                if tau <= 0.0 {
                    return if n == 0.0 {
                        (ln_s_beta - (s + 1.0) * beta.ln()).exp()
                    } else {
                        0.0
                    };
                }
                (ln_s_beta - (s + 1.0) * (beta + tau).ln() + ln_nbd(n, r, alpha, tau)).exp()
            },
            0.0,
            t,
            1e-10,
        );
        finite_probability(survived + died)
    }
}

fn finite_or_zero(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

impl Estimable for ParetoNbd {
    const NAME: &'static str = "pareto";
    const PARAM_NAMES: &'static [&'static str] = &["r", "alpha", "s", "beta"];
    type Data = RfmData;

    fn observations(data: &RfmData) -> f64 {
        data.customers()
    }

    fn check_data(data: &RfmData) -> Result<()> {
        check_repeaters(Self::NAME, data)
    }

    /// `r = 1`, `α = 1/rate`, `s = 1`, `β = mean T` (see `fit.rs`).
    fn prior_centers(data: &RfmData) -> Option<Vec<f64>> {
        let horizon = data.weighted_sum(|c| c.t()) / data.customers();
        let horizon = if horizon > 0.0 { horizon } else { 1.0 };
        Some(vec![0.0, -purchase_rate(data).ln(), 0.0, horizon.ln()])
    }

    fn starts(data: &RfmData) -> Vec<Vec<f64>> {
        let rate = purchase_rate(data);
        let horizon = data.weighted_sum(|c| c.t()) / data.customers();
        let horizon = if horizon > 0.0 { horizon } else { 1.0 };
        let mut starts = Vec::new();
        for r in [1.0, 0.25] {
            for (s, beta_scale) in [(1.0, 1.0), (0.5, 0.25), (2.0, 4.0)] {
                starts.push(vec![r, r / rate, s, s * horizon * beta_scale]);
            }
        }
        starts
    }

    /// # Formula
    ///
    /// The module formula, per pattern:
    /// `ln L = lnΓ(r+x) - lnΓ(r) + r ln α + s ln β
    ///       + ln[(α+T)^-(r+x) (β+T)^-s + s/(r+s+x) A0]`.
    ///
    /// `ln[F(y) / (m+y)^(r+s+x)]` depends on `x` and one time only, so
    /// within a run of equal `x` it is computed once per distinct time
    /// (`T` or `t_x`) rather than twice per pattern.
    fn log_likelihood(params: &[f64], data: &RfmData) -> f64 {
        let (r, alpha, s, beta) = (params[0], params[1], params[2], params[3]);
        let head = -ln_gamma(r) + r * alpha.ln() + s * beta.ln();
        let times = data.times();
        // ln(α+T) and ln(β+T) once per distinct time.
        let ln_times: Vec<(f64, f64)> = times
            .iter()
            .map(|&t| ((alpha + t).ln(), (beta + t).ln()))
            .collect();
        let mut tails = vec![f64::NAN; times.len()];
        let mut needed: Vec<u32> = Vec::new();
        let mut values: Vec<f64> = Vec::new();
        let mut ll = 0.0;
        for (x, patterns, counts, indices) in data.groups() {
            let weight: f64 = counts.iter().sum();
            ll += weight * (ln_gamma(r + x) + head);
            let ln_mix = s.ln() - (r + s + x).ln();
            for &index in &needed {
                tails[index as usize] = f64::NAN;
            }
            needed.clear();
            for (c, &(t_index, tx_index)) in patterns.iter().zip(indices) {
                if c.recency() < c.t() {
                    for index in [tx_index, t_index] {
                        if tails[index as usize].is_nan() {
                            tails[index as usize] = 0.0;
                            needed.push(index);
                        }
                    }
                }
            }
            let ys: Vec<f64> = needed.iter().map(|&i| times[i as usize]).collect();
            values.clear();
            values.resize(ys.len(), 0.0);
            ln_tails(params, x, &ys, &mut values);
            for (&index, &value) in needed.iter().zip(&values) {
                tails[index as usize] = value;
            }
            for ((c, &n), &(t_index, tx_index)) in patterns.iter().zip(counts).zip(indices) {
                let (ln_alpha_t, ln_beta_t) = ln_times[t_index as usize];
                let alive = -(r + x) * ln_alpha_t - s * ln_beta_t;
                let ln_a0 = if c.recency() >= c.t() {
                    f64::NEG_INFINITY
                } else {
                    a0_from_tails(tails[tx_index as usize], tails[t_index as usize])
                };
                ll += n * log_add_exp(alive, ln_mix + ln_a0);
            }
        }
        ll
    }

    fn log_likelihood_gradient(
        params: &[f64],
        data: &RfmData,
        gradient: &mut [f64],
    ) -> Option<f64> {
        Some(log_likelihood_and_gradient(params, data, gradient))
    }

    fn from_params(params: &[f64]) -> Result<ParetoNbd> {
        ParetoNbd::new(params[0], params[1], params[2], params[3])
    }
}

/// The log-likelihood ([`Estimable::log_likelihood`]'s formula) and its
/// gradient in `(r, α, s, β)`.
///
/// # Formula
///
/// Per pattern, `ln L = c + ln(e^alive + e^died)` with
/// `c = lnΓ(r+x) - lnΓ(r) + r ln α + s ln β`,
/// `alive = -(r+x) ln(α+T) - s ln(β+T)`, `died = ln s - ln(r+s+x) + ln A0`;
/// the derivative of `ln(e^u + e^v)` weights `u'` and `v'` by the two
/// summands' shares. `ln A0 = U + ln(1 - e^(L-U))` with `U`, `L` the tails
/// at `t_x` and `T` gives `(U' - e^(L-U) L') / (1 - e^(L-U))`, and each tail's
/// derivatives come from [`ln_tails_with_gradient`].
fn log_likelihood_and_gradient(params: &[f64], data: &RfmData, gradient: &mut [f64]) -> f64 {
    let (r, alpha, s, beta) = (params[0], params[1], params[2], params[3]);
    let (ln_alpha, ln_beta) = (alpha.ln(), beta.ln());
    let head = -ln_gamma(r) + r * ln_alpha + s * ln_beta;
    let digamma_r = digamma(r);
    let times = data.times();
    // ln(α+T), ln(β+T), 1/(α+T), 1/(β+T) once per distinct time rather
    // than once per pattern.
    let per_time: Vec<[f64; 4]> = times
        .iter()
        .map(|&t| {
            [
                (alpha + t).ln(),
                (beta + t).ln(),
                1.0 / (alpha + t),
                1.0 / (beta + t),
            ]
        })
        .collect();
    let mut tails = vec![[f64::NAN; 5]; times.len()];
    let mut needed: Vec<u32> = Vec::new();
    let mut values: Vec<[f64; 5]> = Vec::new();
    let mut ll = 0.0;
    let mut total = [0.0; 4];
    for (x, patterns, counts, indices) in data.groups() {
        let weight: f64 = counts.iter().sum();
        ll += weight * (ln_gamma(r + x) + head);
        total[0] += weight * (digamma(r + x) - digamma_r + ln_alpha);
        total[1] += weight * r / alpha;
        total[2] += weight * ln_beta;
        total[3] += weight * s / beta;
        let ln_mix = s.ln() - (r + s + x).ln();
        let d_mix = [-1.0 / (r + s + x), 0.0, 1.0 / s - 1.0 / (r + s + x), 0.0];
        for &index in &needed {
            tails[index as usize][0] = f64::NAN;
        }
        needed.clear();
        for (c, &(t_index, tx_index)) in patterns.iter().zip(indices) {
            if c.recency() < c.t() {
                for index in [tx_index, t_index] {
                    if tails[index as usize][0].is_nan() {
                        tails[index as usize][0] = 0.0;
                        needed.push(index);
                    }
                }
            }
        }
        let ys: Vec<f64> = needed.iter().map(|&i| times[i as usize]).collect();
        values.clear();
        values.resize(ys.len(), [0.0; 5]);
        ln_tails_with_gradient(params, x, &ys, &mut values);
        for (&index, value) in needed.iter().zip(&values) {
            tails[index as usize] = *value;
        }
        for ((c, &n), &(t_index, tx_index)) in patterns.iter().zip(counts).zip(indices) {
            let [ln_alpha_t, ln_beta_t, inverse_alpha_t, inverse_beta_t] =
                per_time[t_index as usize];
            let alive = -(r + x) * ln_alpha_t - s * ln_beta_t;
            let d_alive = [
                -ln_alpha_t,
                -(r + x) * inverse_alpha_t,
                -ln_beta_t,
                -s * inverse_beta_t,
            ];
            let upper = tails[tx_index as usize];
            let lower = tails[t_index as usize];
            let difference = lower[0] - upper[0];
            if c.recency() >= c.t() || difference >= 0.0 {
                ll += n * alive;
                for k in 0..4 {
                    total[k] += n * d_alive[k];
                }
                continue;
            }
            // ln(1 - e^d) as `log1m_exp` computes it, sharing its `e^d`
            // with the gradient's ratio on the `ln_1p` branch.
            let ratio = difference.exp();
            let log1m = if difference > -std::f64::consts::LN_2 {
                (-difference.exp_m1()).ln()
            } else {
                (-ratio).ln_1p()
            };
            let died = ln_mix + upper[0] + log1m;
            let mut d_died = [0.0; 4];
            for k in 0..4 {
                d_died[k] = d_mix[k] + (upper[k + 1] - ratio * lower[k + 1]) / (1.0 - ratio);
            }
            // ln(e^alive + e^died) as `log_add_exp` computes it, and the two
            // summands' shares from the same `e^(lo - hi)`.
            let (high, low) = if alive >= died {
                (alive, died)
            } else {
                (died, alive)
            };
            let e = (low - high).exp();
            let ln_sum = high + e.ln_1p();
            let (w_high, w_low) = (1.0 / (1.0 + e), e / (1.0 + e));
            let (w_alive, w_died) = if alive >= died {
                (w_high, w_low)
            } else {
                (w_low, w_high)
            };
            ll += n * ln_sum;
            for k in 0..4 {
                total[k] += n * (w_alive * d_alive[k] + w_died * d_died[k]);
            }
        }
    }
    gradient[..4].copy_from_slice(&total);
    ll
}

/// [`ln_tail`] and its derivatives in `(r, α, s, β)` at every `ys[i]`,
/// into `out[i] = [value, d/dr, d/dα, d/ds, d/dβ]`.
///
/// # Formula
///
/// `tail = (1-b) ln(1-z) + ln H(A, C, z) - a ln(m+y)` with
/// `H = 2F1(1, A; C; z) = Σ_k t_k`, `A = a+1-b`, `C = a+1`,
/// `t_(k+1) = t_k z (A+k)/(C+k)`, so that `∂ ln H/∂A = Σ t_k Σ_(j<k) 1/(A+j) / H`,
/// `∂ ln H/∂C = -Σ t_k Σ_(j<k) 1/(C+j) / H` and `∂ ln H/∂z = Σ k t_k / (z H)`,
/// summed with the series. Where the series is long ([`ln_hyp2f1_a_a1`]
/// answers by the connection formula or the integral), the derivatives of `ln 2F1(a, b; a+1; z)` are
/// central differences (step `1e-6` relative).
fn ln_tails_with_gradient(params: &[f64], x: f64, ys: &[f64], out: &mut [[f64; 5]]) {
    let (r, alpha, s, beta) = (params[0], params[1], params[2], params[3]);
    let a = r + s + x;
    let alpha_branch = alpha >= beta;
    let (m, b, numerator, other) = if alpha_branch {
        (alpha, s + 1.0, alpha - beta, beta)
    } else {
        (beta, r + x, beta - alpha, alpha)
    };
    let (upper_a, upper_c) = (a + 1.0 - b, a + 1.0);
    let mut coefficients = Vec::new();
    for (ys, out) in ys.chunks(4).zip(out.chunks_mut(4)) {
        // Lanes past the end are given z = 1, which the series refuses.
        let z: [f64; 4] =
            std::array::from_fn(|lane| ys.get(lane).map_or(1.0, |&y| numerator / (m + y)));
        let w: [f64; 4] =
            std::array::from_fn(|lane| ys.get(lane).map_or(0.0, |&y| (other + y) / (m + y)));
        let sums = series_with_gradient(&mut coefficients, upper_a, upper_c, a, b, (z, w));
        for (lane, (&y, out)) in ys.iter().zip(out.iter_mut()).enumerate() {
            *out = tail_with_gradient(params, a, b, m, (z[lane], w[lane]), y, sums[lane]);
        }
    }
}

/// One tail of [`ln_tails_with_gradient`] at `(z, 1 - z)` from its series
/// (`None`: the series is long, and the derivatives are central
/// differences of [`ln_hyp2f1_a_a1`]).
fn tail_with_gradient(
    params: &[f64],
    a: f64,
    b: f64,
    m: f64,
    (z, w): (f64, f64),
    y: f64,
    series: Option<(f64, f64, f64, f64)>,
) -> [f64; 5] {
    let (alpha, beta) = (params[1], params[3]);
    let alpha_branch = alpha >= beta;
    // ln 2F1(a, b; a+1; z) and its partial derivatives in a, b, z.
    let (ln_f, d_a, d_b, d_z) = match series {
        Some(v) => v,
        None => {
            let f = |a: f64, b: f64, dz: f64| ln_hyp2f1_a_a1(a, b, z + dz, w - dz);
            let (ha, hb) = (1e-6 * a, 1e-6 * b);
            let hz = 1e-6 * z.min(w).max(f64::MIN_POSITIVE);
            (
                f(a, b, 0.0),
                (f(a + ha, b, 0.0) - f(a - ha, b, 0.0)) / (2.0 * ha),
                (f(a, b + hb, 0.0) - f(a, b - hb, 0.0)) / (2.0 * hb),
                if z > 0.0 {
                    (f(a, b, hz) - f(a, b, -hz)) / (2.0 * hz)
                } else {
                    b * a / (a + 1.0)
                },
            )
        }
    };
    let ln_my = (m + y).ln();
    let tail_a = d_a - ln_my;
    let tail_m = -a / (m + y);
    let (d_r, d_alpha, d_s, d_beta) = if alpha_branch {
        (
            tail_a,
            tail_m + d_z * (y + beta) / ((alpha + y) * (alpha + y)),
            tail_a + d_b,
            -d_z / (alpha + y),
        )
    } else {
        (
            tail_a + d_b,
            -d_z / (beta + y),
            tail_a,
            tail_m + d_z * (y + alpha) / ((beta + y) * (beta + y)),
        )
    };
    [ln_f - a * ln_my, d_r, d_alpha, d_s, d_beta]
}

/// `ln 2F1(a, b; a+1; z)` by Euler's transformation and the series (as
/// [`ln_hyp2f1_a_a1`]), with its derivatives in `a`, `b` and `z`, at four
/// points `z` (with `w = 1 - z` formed by the caller) at once (independent
/// chains the processor overlaps); `None` where the series is long.
/// `coefficients` caches, per
/// term `k`, `(A+k)/(C+k)`, `1/(A+k)` and `1/(C+k)` for the `A`, `C` of one
/// frequency, so that the terms need no division.
fn series_with_gradient(
    coefficients: &mut Vec<[f64; 3]>,
    upper_a: f64,
    upper_c: f64,
    a: f64,
    b: f64,
    (z, w): ([f64; 4], [f64; 4]),
) -> [Option<(f64, f64, f64, f64)>; 4] {
    let usable = z.map(|z| (0.0..1.0).contains(&z) && series_is_short(a, b, z));
    // H = 2F1(1, A; C; z): positive terms with ratio z (A+k)/(C+k) < 1.
    let mut active = std::array::from_fn::<bool, 4, _>(|lane| usable[lane] && z[lane] > 0.0);
    let (mut h, mut term) = ([1.0_f64; 4], [1.0_f64; 4]);
    let (mut sum_a, mut sum_c, mut sum_k) = ([0.0_f64; 4], [0.0_f64; 4], [0.0_f64; 4]);
    let (mut harmonic_a, mut harmonic_c) = (0.0_f64, 0.0_f64);
    let mut converged = usable;
    let mut k = 0;
    while active.iter().any(|&a| a) {
        if k == HYP2F1_SERIES_TERMS {
            for lane in 0..4 {
                if active[lane] {
                    converged[lane] = false;
                }
            }
            break;
        }
        if coefficients.len() <= k {
            let kf = k as f64;
            coefficients.push([
                (upper_a + kf) / (upper_c + kf),
                1.0 / (upper_a + kf),
                1.0 / (upper_c + kf),
            ]);
        }
        let [coefficient, inverse_a, inverse_c] = coefficients[k];
        harmonic_a += inverse_a;
        harmonic_c += inverse_c;
        let next = (k + 1) as f64;
        for lane in 0..4 {
            if !active[lane] {
                continue;
            }
            let ratio = coefficient * z[lane];
            term[lane] *= ratio;
            h[lane] += term[lane];
            sum_a[lane] += term[lane] * harmonic_a;
            sum_c[lane] += term[lane] * harmonic_c;
            sum_k[lane] += next * term[lane];
            // The tail of Σ k t_k, the slowest of the sums, is below
            // t_k (k+1) ρ / (1-ρ) for ratios up to ρ < 1.
            if term[lane] == 0.0
                || (ratio < 1.0
                    && term[lane] * (next + 1.0) * ratio <= 1e-17 * h[lane] * (1.0 - ratio))
            {
                active[lane] = false;
            }
        }
        k += 1;
    }
    super::work::add_series_terms(k as u64);
    std::array::from_fn(|lane| {
        let (h, z, w) = (h[lane], z[lane], w[lane]);
        if !(converged[lane] && h.is_finite() && h > 0.0) {
            return None;
        }
        let d_upper_a = sum_a[lane] / h;
        let d_upper_c = -sum_c[lane] / h;
        let d_z_h = if z > 0.0 {
            sum_k[lane] / (z * h)
        } else {
            upper_a / upper_c
        };
        let ln_one_minus_z = w.ln();
        let ln_f = (1.0 - b) * ln_one_minus_z + h.ln();
        // A = a+1-b and C = a+1: d/da = d/dA + d/dC, d/db = -d/dA.
        Some((
            ln_f,
            d_upper_a + d_upper_c,
            -ln_one_minus_z - d_upper_a,
            -(1.0 - b) / w + d_z_h,
        ))
    })
}

/// The most terms [`series_with_gradient`] sums; [`series_is_short`] keeps
/// the series well below it.
const HYP2F1_SERIES_TERMS: usize = 100_000;

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative tolerance for values checked against numerical integration.
    const QUADRATURE: f64 = 1e-8;

    fn rfm(x: f64, tx: f64, t: f64) -> Rfm {
        Rfm::new(x, tx, t).unwrap()
    }

    /// The CDNOW estimates (Fader, Hardie & Lee 2005a, table 1), in weeks.
    fn cdnow() -> ParetoNbd {
        ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap()
    }

    /// The likelihood from its definition: purchases while alive, integrated
    /// over the death time τ (Fader & Hardie 2005, eqs. 2–5):
    /// `L = E_λ,μ[λ^x e^(-(λ+μ)T)] + ∫_{t_x}^T E[λ^x e^(-λτ) μ e^(-μτ)] dτ`.
    fn likelihood_by_quadrature(m: &ParetoNbd, x: f64, tx: f64, t: f64) -> f64 {
        let (r, al, s, be) = (m.r, m.alpha, m.s, m.beta);
        let ln_rate = ln_gamma(r + x) - ln_gamma(r) + r * al.ln();
        let alive = (ln_rate - (r + x) * (al + t).ln() + s * be.ln() - s * (be + t).ln()).exp();
        let died = integrate(
            |tau| {
                (ln_rate - (r + x) * (al + tau).ln() + s.ln() + s * be.ln()
                    - (s + 1.0) * (be + tau).ln())
                .exp()
            },
            tx,
            t,
            1e-13,
        );
        alive + died
    }

    #[test]
    fn likelihood_matches_quadrature_on_both_branches() {
        // (model, x, t_x, T): α >= β, α < β, large x, t_x close to T.
        let cases = [
            (cdnow(), 0.0, 0.0, 38.86),
            (cdnow(), 2.0, 30.43, 38.86),
            (
                ParetoNbd::new(0.553, 10.578, 0.606, 2.0).unwrap(),
                3.0,
                5.0,
                38.86,
            ),
            (
                ParetoNbd::new(0.553, 0.5, 0.606, 40.0).unwrap(),
                7.0,
                20.0,
                38.86,
            ),
            (
                ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap(),
                40.0,
                38.0,
                38.86,
            ),
            (
                ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap(),
                4.0,
                38.859,
                38.86,
            ),
            // Plain likelihood's degenerate fits: s -> 0 with β -> ∞, and
            // β far above α with s = 1 (b = r+x and s+1 integers): z within
            // 1e-7 of 1, by the connection formula.
            (
                ParetoNbd::new(0.553, 10.578, 1e-7, 3e8).unwrap(),
                2.0,
                30.43,
                38.86,
            ),
            (
                ParetoNbd::new(1.0, 10.0, 1.0, 1e8).unwrap(),
                3.0,
                12.0,
                38.86,
            ),
            (
                ParetoNbd::new(0.8, 40.0, 2.5, 1e9).unwrap(),
                0.0,
                0.0,
                38.86,
            ),
        ];
        for (m, x, tx, t) in cases {
            let got = m.log_likelihood(&RfmData::new(&[rfm(x, tx, t)]).unwrap());
            let want = likelihood_by_quadrature(&m, x, tx, t).ln();
            assert!(
                (got - want).abs() < QUADRATURE * want.abs().max(1.0),
                "{m:?} ({x},{tx},{t}): {got} vs {want}"
            );
        }
    }

    #[test]
    fn hyp2f1_series_and_euler_integral_agree() {
        // (a, b, z): the first and last by series, the middle by the scaled
        // integral; the reference is the unscaled Euler integral.
        for (a, b, z) in [(50.0, 1.6, 0.99), (10_000.6, 1.6, 0.9999), (0.8, 0.3, 0.5)] {
            let got = ln_hyp2f1_a_a1(a, b, z, 1.0 - z);
            let want = (a * integrate(
                |u| u.powf(a - 1.0) * (1.0 - z * u).powf(-b),
                0.0,
                1.0,
                1e-13,
            ))
            .ln();
            assert!(
                (got - want).abs() < 1e-10 * want.abs().max(1.0),
                "({a}, {b}, {z}): {got} vs {want}"
            );
        }
    }

    #[test]
    fn tails_at_many_times_are_bit_identical_to_one_at_a_time() {
        // Both branches (α >= β and α < β), and x = 10,000 with α far above
        // β, where times near 0 take the integral. Source: ln_tail per time.
        let ys = [0.0, 0.5, 3.0, 27.5, 38.86, 100.0, 1e4];
        for params in [
            [0.553, 10.58, 0.606, 11.67],
            [0.553, 10.58, 0.606, 2.0],
            [0.05, 1e6, 0.3, 0.01],
        ] {
            for x in [0.0, 1.0, 12.0, 10_000.0] {
                let mut got = [0.0; 7];
                ln_tails(&params, x, &ys, &mut got);
                for (&y, got) in ys.iter().zip(got) {
                    let want = ln_tail(&params, x, y);
                    assert_eq!(got.to_bits(), want.to_bits(), "{params:?} x {x} y {y}");
                }
            }
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        /// Relative tolerance for analytic vs central-difference gradients.
        const GRADIENT: f64 = 1e-6;
        /// The same where tails are integrated to 1e-11: both sides then
        /// difference quadratures.
        const GRADIENT_INTEGRAL: f64 = 1e-4;
        let data = RfmData::new(&[
            rfm(0.0, 0.0, 38.0),
            rfm(2.0, 30.0, 38.0),
            rfm(1.0, 1.5, 20.0),
            rfm(12.0, 35.5, 38.0),
            rfm(3.0, 38.0, 38.0),
            rfm(2.0, 30.0, 38.0),
            rfm(400.0, 37.0, 39.0),
        ])
        .unwrap();
        // α >= β, α < β, α close to β, and α far above β with x = 400,
        // where some tails take the integral.
        for (p, tolerance) in [
            ([0.553, 10.58, 0.606, 11.67], GRADIENT),
            ([0.553, 10.58, 0.606, 2.0], GRADIENT),
            ([2.0, 5.0, 1.5, 5.000001], GRADIENT),
            ([0.05, 1e4, 0.3, 0.01], GRADIENT_INTEGRAL),
        ] {
            let mut g = [0.0; 4];
            let ll = log_likelihood_and_gradient(&p, &data, &mut g);
            let value = <ParetoNbd as Estimable>::log_likelihood(&p, &data);
            assert!((ll - value).abs() < 1e-12 * value.abs(), "{ll} vs {value}");
            for i in 0..4 {
                let h = 1e-5 * p[i];
                let (mut up, mut down) = (p, p);
                up[i] += h;
                down[i] -= h;
                let fd = (<ParetoNbd as Estimable>::log_likelihood(&up, &data)
                    - <ParetoNbd as Estimable>::log_likelihood(&down, &data))
                    / (2.0 * h);
                assert!(
                    (g[i] - fd).abs() < tolerance * fd.abs().max(1.0),
                    "param {i} at {p:?}: {} vs {fd}",
                    g[i]
                );
            }
        }
    }

    #[test]
    fn finite_for_5000_purchases() {
        let m = cdnow();
        for c in [
            rfm(5000.0, 30.0, 38.86),
            rfm(5000.0, 1.0, 38.86),
            rfm(10_000.0, 38.0, 38.86),
        ] {
            let ll = m.log_likelihood(&RfmData::new(&[c]).unwrap());
            assert!(ll.is_finite(), "{c:?}: {ll}");
            let p = m.p_alive(&c);
            assert!((0.0..=1.0).contains(&p), "{c:?}: {p}");
            assert!(m.expected_purchases(&c, 52.0).is_finite());
        }
        // Bought a long time ago with a high rate: surely dead.
        assert!(m.p_alive(&rfm(5000.0, 1.0, 38.86)) < 1e-6);
    }

    #[test]
    fn identities() {
        let m = cdnow();
        assert_eq!(m.p_alive(&rfm(3.0, 38.86, 38.86)), 1.0);
        let total: f64 = (0..300).map(|n| m.p_purchases(n, 39.0)).sum();
        assert!((total - 1.0).abs() < 1e-6, "{total}");
        let mean: f64 = (0..300)
            .map(|n| f64::from(n) * m.p_purchases(n, 39.0))
            .sum();
        assert!(
            (mean - m.expected_purchases_new(39.0)).abs() < 1e-3 * mean,
            "{mean}"
        );
        // s = 1 is continuous.
        let at = ParetoNbd::new(0.5, 10.0, 1.0, 10.0)
            .unwrap()
            .expected_purchases_new(20.0);
        let near = ParetoNbd::new(0.5, 10.0, 1.0 + 1e-7, 10.0)
            .unwrap()
            .expected_purchases_new(20.0);
        assert!((at - near).abs() < 1e-6 * at);
        let c = rfm(2.0, 30.43, 38.86);
        let mut previous = 0.0;
        for t in [0.0, 1.0, 10.0, 39.0, 1000.0] {
            let e = m.expected_purchases(&c, t);
            assert!(e >= previous);
            previous = e;
        }
    }

    /// `fit --model pareto` with T = 1e12 periods ran for minutes: every
    /// tail series ran to its 100,000-term cap before integrating. Now the
    /// fit (MLE and MAP) stays within the stage budget of `models::work`.
    #[test]
    fn fits_on_a_trillion_periods_within_the_work_budget() {
        use crate::models::work::{self, Work};
        use crate::models::Prior;
        let data = RfmData::new(&[
            rfm(2.0, 30.0, 1e12),
            rfm(0.0, 0.0, 1e12),
            rfm(5.0, 5e11, 1e12),
            rfm(1.0, 10.0, 50.0),
            rfm(0.0, 0.0, 40.0),
            rfm(3.0, 20.0, 45.0),
        ])
        .unwrap();
        for prior in [Prior::Weak, Prior::None] {
            work::reset();
            let options = FitOptions {
                prior,
                ..FitOptions::default()
            };
            let fit = ParetoNbd::fit(&data, &options).unwrap();
            let used = work::snapshot();
            assert!(fit.log_likelihood().is_finite());
            assert!(used.within(&Work::STAGE_BUDGET), "{prior:?}: {used:?}");
        }
    }

    /// As `s -> 0` with `beta` finite or `beta -> ∞` with `s` finite the
    /// customers never drop out: the Pareto/NBD becomes the NBD, whose
    /// expected purchases are `(r+x) t/(α+T)` and P(alive) is 1. Source:
    /// the NBD's closed form; the Pareto/NBD's own formulas at large but
    /// finite parameters, and the work each prediction takes.
    #[test]
    fn no_dropout_limit_is_the_nbd() {
        use crate::models::work;
        /// Relative distance to the limit at these parameters: about
        /// `s ln(1 + t/β)` or `t/β`, below 1e-6 here.
        const LIMIT: f64 = 1e-6;
        /// Series terms one P(alive) may take: two tails, each a 2F1 of at
        /// most about 2,100 terms (special.rs's bounded-cost test); near
        /// z = 1 (beta -> ∞) by the connection formula, where the
        /// quadrature took 60,240 nodes at beta = 8e9 before it.
        const PER_PREDICTION: u64 = 2 * 2_500;
        let (r, alpha) = (0.2, 120.0);
        for (s, beta) in [
            (1e-8, 10.0),
            (1e-7, 1e3),
            (0.5, 8e9),
            (2.0, 8e9),
            (1e-8, 8e7),
        ] {
            let m = ParetoNbd::new(r, alpha, s, beta).unwrap();
            for (x, tx, t) in [(0.0, 0.0, 300.0), (2.0, 100.0, 300.0), (7.0, 650.0, 700.0)] {
                for horizon in [30.0, 365.0] {
                    let nbd = (r + x) * horizon / (alpha + t);
                    let got = m.expected_purchases_if_alive(x, t, horizon);
                    assert!(
                        (got - nbd).abs() <= LIMIT * nbd,
                        "s {s} beta {beta} ({x}, {tx}, {t}) t {horizon}: {got} vs {nbd}"
                    );
                }
                work::reset();
                let p = m.p_alive(&rfm(x, tx, t));
                let used = work::snapshot();
                assert!(
                    (1.0 - p).abs() <= 1e-5,
                    "s {s} beta {beta} ({x}, {tx}, {t}): p_alive {p}"
                );
                assert!(
                    used.series_terms <= PER_PREDICTION && used.quadrature_nodes == 0,
                    "s {s} beta {beta}: {used:?}"
                );
            }
        }
    }
}
