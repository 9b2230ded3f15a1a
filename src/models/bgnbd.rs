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
use super::special::{
    beta_reg, digamma, integrate, ln_beta, ln_gamma, ln_hyp2f1, logistic, Hyp2f1Series,
};
use super::PurchaseModel;
use crate::{Error, Result};

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
    fn p_purchases(&self, n: u32, t: f64) -> f64 {
        let t = horizon(t);
        let n = f64::from(n);
        if t == 0.0 {
            return if n == 0.0 { 1.0 } else { 0.0 };
        }
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let ln_b = ln_beta(a, b);
        let alive = (ln_beta(a, b + n) - ln_b + ln_nbd(n, r, alpha, t)).exp();
        let dropped = if n > 0.0 {
            (ln_beta(a + 1.0, b + n - 1.0) - ln_b).exp() * beta_reg(n, r, t / (alpha + t))
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
        data.len() as f64
    }

    fn check_data(data: &RfmData) -> Result<()> {
        check_repeaters(Self::NAME, data)
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
        nbd_log_likelihood(params, data, Dropout::AfterRepeat, &mut gradient)
    }

    fn log_likelihood_gradient(
        params: &[f64],
        data: &RfmData,
        gradient: &mut [f64],
    ) -> Option<f64> {
        Some(nbd_log_likelihood(
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
pub(crate) fn nbd_log_likelihood(
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
    let (dg_r, dg_b, dg_ab) = (digamma(r), digamma(b), digamma(a + b));
    // ln(α + time) and 1/(α + time), once per distinct time.
    let ln_times: Vec<f64> = data.times().iter().map(|v| (alpha + v).ln()).collect();
    let inv_times: Vec<f64> = data.times().iter().map(|v| 1.0 / (alpha + v)).collect();
    let (mut powers_down, mut powers_up) = (Vec::new(), Vec::new());
    let mut ll = 0.0;
    let (mut d_r, mut d_alpha, mut d_a, mut d_b) = (0.0, 0.0, 0.0, 0.0);
    for (x, _, counts, times) in data.groups() {
        let weight: f64 = counts.iter().sum();
        let rx = r + x;
        let bx = b + x + k;
        ll += weight
            * (ln_gamma(rx) - lg_r + r * ln_alpha + ln_gamma(bx) - lg_b + lg_ab - ln_gamma(a + bx));
        let dg_abx = digamma(a + bx);
        d_r += weight * (digamma(rx) - dg_r + ln_alpha);
        d_alpha += weight * r / alpha;
        d_a += weight * (dg_ab - dg_abx);
        d_b += weight * (digamma(bx) - dg_b + dg_ab - dg_abx);
        if x == 0.0 && dropout == Dropout::AfterRepeat {
            for (&(t, _), &n) in times.iter().zip(counts) {
                ll -= n * r * ln_times[t as usize];
                d_r -= n * ln_times[t as usize];
                d_alpha -= n * r * inv_times[t as usize];
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
                (one_plus.ln(), e / one_plus)
            };
            let w_alive = 1.0 - w_dropped;
            sum_ll += n * (alive + log1p);
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
    gradient[..4].copy_from_slice(&[d_r, d_alpha, d_a, d_b]);
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
        ));
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

/// A prediction horizon: negative and non-finite values count as 0.
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

/// `ln NB(n; r, α, t) = ln[Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n]`.
pub(crate) fn ln_nbd(n: f64, r: f64, alpha: f64, t: f64) -> f64 {
    let ln_total = (alpha + t).ln();
    ln_gamma(r + n) - ln_gamma(r) - ln_gamma(n + 1.0)
        + r * (alpha.ln() - ln_total)
        + if n > 0.0 {
            n * (t.ln() - ln_total)
        } else {
            0.0
        }
}

/// Expected purchases in the next `t` periods of a customer who is alive now,
/// with purchase rate `λ ~ Gamma(shape, scale)` and dropout probability
/// `p ~ Beta(a, b)` after each purchase.
///
/// # Formula
///
/// `E = E_p[(1 - (1 + p t/scale)^(-shape)) / p]
///    = (a+b-1)/(a-1) · [1 - (1-z)^(a-1) 2F1(a+b-1-shape, a-1; a+b-1; z)]`,
/// `z = t/(scale+t)`: FHL 2005 eq. 10's bracket after Euler's transformation,
/// whose series ratio tends to `z` and whose parameters do not grow with `x`.
/// The removable singularities at `a = 1` and `a+b-1 = 0` are bridged by linear
/// interpolation from points `2e-5` away (error `~1e-9` relative); if the
/// series fails, the defining expectation is integrated numerically.
pub(crate) fn expected_while_alive(shape: f64, scale: f64, a: f64, b: f64, t: f64) -> f64 {
    let t = horizon(t);
    if t == 0.0 {
        return 0.0;
    }
    if (a - 1.0).abs() < BRIDGE {
        let below = bridged_in_b(shape, scale, 1.0 - 2.0 * BRIDGE, b, t);
        let above = bridged_in_b(shape, scale, 1.0 + 2.0 * BRIDGE, b, t);
        return below + (a - 1.0 + 2.0 * BRIDGE) / (4.0 * BRIDGE) * (above - below);
    }
    bridged_in_b(shape, scale, a, b, t)
}

/// Distance from a removable singularity within which [`expected_while_alive`]
/// interpolates instead of evaluating.
const BRIDGE: f64 = 1e-5;

/// [`expected_while_alive_raw`], linearly extrapolated from `a+b-1 = 2·BRIDGE`
/// and `4·BRIDGE` when `a+b-1` is within `BRIDGE` of 0.
fn bridged_in_b(shape: f64, scale: f64, a: f64, b: f64, t: f64) -> f64 {
    let c = a + b - 1.0;
    if c.abs() >= BRIDGE {
        return expected_while_alive_raw(shape, scale, a, b, t);
    }
    let near = expected_while_alive_raw(shape, scale, a, b - c + 2.0 * BRIDGE, t);
    let far = expected_while_alive_raw(shape, scale, a, b - c + 4.0 * BRIDGE, t);
    (near + (c - 2.0 * BRIDGE) * (far - near) / (2.0 * BRIDGE)).max(0.0)
}

/// [`expected_while_alive`] away from its removable singularities.
fn expected_while_alive_raw(shape: f64, scale: f64, a: f64, b: f64, t: f64) -> f64 {
    let c = a + b - 1.0;
    let z = t / (scale + t);
    from_hyp2f1(ln_hyp2f1(c - shape, a - 1.0, c, z), shape, scale, a, b, t)
}

/// [`expected_while_alive`] at every `horizons[j]` for every
/// `scales[i]`, into `out[i * horizons.len() + j]`, for one `shape` and `b`
/// (one frequency): the Euler-transformed 2F1's parameters do not depend on
/// the scale or the horizon, so its coefficients are computed once
/// ([`Hyp2f1Series`]). Bit-identical to calling [`expected_while_alive`].
pub(crate) fn expected_while_alive_grid(
    shape: f64,
    scales: &[f64],
    a: f64,
    b: f64,
    horizons: &[f64],
    out: &mut [f64],
) {
    let c = a + b - 1.0;
    let bridged = (a - 1.0).abs() < BRIDGE || c.abs() < BRIDGE;
    let mut series = Hyp2f1Series::new(c - shape, a - 1.0, c);
    let rows = out.chunks_exact_mut(horizons.len().max(1));
    for (&scale, row) in scales.iter().zip(rows) {
        if bridged {
            for (&t, value) in horizons.iter().zip(row.iter_mut()) {
                *value = expected_while_alive(shape, scale, a, b, t);
            }
            continue;
        }
        // Four horizons at a time; a horizon of 0 pads the last four.
        for (times, values) in horizons.chunks(4).zip(row.chunks_mut(4)) {
            let mut t = [0.0; 4];
            for (lane, &time) in times.iter().enumerate() {
                t[lane] = horizon(time);
            }
            let hyp2f1 = series.ln_eval4(t.map(|t| t / (scale + t)));
            for (lane, value) in values.iter_mut().enumerate() {
                *value = if t[lane] == 0.0 {
                    0.0
                } else {
                    from_hyp2f1(hyp2f1[lane], shape, scale, a, b, t[lane])
                };
            }
        }
    }
}

/// [`expected_while_alive_raw`] given `ln_hyp2f1(c - shape, a - 1, c, z)`.
fn from_hyp2f1(hyp2f1: Option<(f64, f64)>, shape: f64, scale: f64, a: f64, b: f64, t: f64) -> f64 {
    let c = a + b - 1.0;
    let z = t / (scale + t);
    let value = match hyp2f1 {
        Some((ln_f, sign)) => {
            let ln_term = (a - 1.0) * (-z).ln_1p() + ln_f;
            let bracket = if sign > 0.0 {
                -ln_term.exp_m1()
            } else {
                1.0 + ln_term.exp()
            };
            c / (a - 1.0) * bracket
        }
        None => f64::NAN,
    };
    if value.is_finite() && value >= 0.0 {
        return value;
    }
    // Fallback: the defining expectation over p ~ Beta(a, b).
    let ln_norm = ln_beta(a, b);
    let u = t / scale;
    let integrand = |p: f64| {
        let per_p = if p * u < 1e-8 {
            shape * u * (1.0 - 0.5 * (shape + 1.0) * p * u)
        } else {
            -(-shape * (p * u).ln_1p()).exp_m1() / p
        };
        per_p * ((a - 1.0) * p.ln() + (b - 1.0) * (-p).ln_1p() - ln_norm).exp()
    };
    let value = integrate(integrand, 0.0, 1.0, 1e-10);
    if value.is_finite() {
        value.max(0.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::special::integrate;

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
            nbd_log_likelihood(&p, &data, Dropout::AfterRepeat, &mut g);
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
}
