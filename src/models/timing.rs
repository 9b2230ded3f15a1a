//! When a customer with history will buy next: the distribution of the time
//! from the end of observation `T` to their next purchase, from a fitted
//! purchase model.
//!
//! # Formula
//!
//! With `F(t) = P(a purchase in (T, T + t])
//! = P(alive) · (1 - p_purchases_if_alive(0, x, T, t))`, a defective
//! distribution: its limit `P(alive) · p_purchase_again_if_alive` is the
//! probability of ever buying again, below 1. The time by which a share `q`
//! of such customers have bought is `F⁻¹(q)`, defined only where the limit
//! exceeds `q`: a customer more likely gone than not has no median, which
//! is the honest answer ("probably not coming back"), not a date.
//!
//! `F` is increasing and continuous from 0, so `F⁻¹` is found by doubling a
//! bracket from an alive customer's expected wait for one purchase, then
//! Newton steps with the density `F'` kept inside the bracket, to a relative
//! step of [`NEXT_PURCHASE_PRECISION`].

use super::data::Rfm;
use super::PurchaseModel;

/// The shares of the next-purchase distribution reported: the 10th
/// percentile, the median and the 90th percentile (an 80% range).
pub const NEXT_PURCHASE_LEVELS: [f64; 3] = [0.1, 0.5, 0.9];

/// How finely and how long a [`quantile`] search runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Precision {
    /// The search stops when its step or bracket is this small, relative to
    /// it.
    pub relative_width: f64,
    /// At most this many Newton or bisection steps.
    pub max_steps: u32,
}

/// The next-purchase percentiles' search: a relative width of `1e-6`, and
/// at most 400 steps (bisection alone needs about 40 to reach that width
/// from a bracket one doubling wide).
const NEXT_PURCHASE_PRECISION: Precision = Precision {
    relative_width: 1e-6,
    max_steps: 400,
};

/// How many times the bracket may double past `α + T` (2^200: beyond any
/// calendar).
const MAX_DOUBLINGS: u32 = 200;

/// One customer's next purchase, in the data's periods from `T`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct NextPurchase {
    /// `P(alive)` at `T`.
    pub p_alive: f64,
    /// The probability of ever buying again.
    pub p_again: f64,
    /// The times by which [`NEXT_PURCHASE_LEVELS`] of the probability
    /// has been reached: `None` where the chance of ever buying again is
    /// below the level.
    pub quantiles: [Option<f64>; 3],
}

impl NextPurchase {
    /// The median time to the next purchase, if there is one.
    pub fn median(&self) -> Option<f64> {
        self.quantiles[1]
    }
}

/// The next-purchase distribution of `customer` under `model`.
pub fn next_purchase<M: PurchaseModel + ?Sized>(model: &M, customer: &Rfm) -> NextPurchase {
    let p_alive = model.p_alive(customer);
    let (x, observed) = (customer.frequency(), customer.t());
    let p_again = (p_alive * model.p_purchase_again_if_alive(x, observed)).clamp(0.0, 1.0);
    let cdf = |t: f64| p_alive * (1.0 - model.p_purchases_if_alive(0, x, observed, t));
    let density = |t: f64| p_alive * model.next_purchase_density_if_alive(x, observed, t);
    let scale = scale_of(model, x, observed);
    let quantiles = NEXT_PURCHASE_LEVELS
        .map(|q| quantile(&cdf, &density, q, p_again, scale, NEXT_PURCHASE_PRECISION));
    NextPurchase {
        p_alive,
        p_again,
        quantiles,
    }
}

/// A time scale to start the bracket from: the expected wait for one
/// purchase of an alive customer `frequency` purchases observed over `t_observed`, or one period.
pub(crate) fn scale_of<M: PurchaseModel + ?Sized>(
    model: &M,
    frequency: f64,
    t_observed: f64,
) -> f64 {
    let per_period = model.expected_purchases_if_alive(frequency, t_observed, 1.0);
    if per_period.is_finite() && per_period > 0.0 {
        (1.0 / per_period).clamp(1e-6, 1e9)
    } else {
        1.0
    }
}

/// `t` with `cdf(t) = q`, or `None` when `q` is not below `limit`: a
/// doubling bracket, then Newton steps on `cdf - q` with `density` as its
/// derivative, each kept inside the bracket (a bisection, in log time away
/// from 0, where a step would leave it).
/// `scale` starts the bracket ([`scale_of`]); `precision` sets when the
/// search stops.
pub(crate) fn quantile(
    cdf: &impl Fn(f64) -> f64,
    density: &impl Fn(f64) -> f64,
    q: f64,
    limit: f64,
    scale: f64,
    precision: Precision,
) -> Option<f64> {
    if q >= limit || q <= 0.0 {
        return None;
    }
    let (mut lo, mut hi) = (0.0_f64, scale);
    let mut doublings = 0;
    while cdf(hi) < q {
        lo = hi;
        hi *= 2.0;
        doublings += 1;
        if doublings > MAX_DOUBLINGS || !hi.is_finite() {
            return None;
        }
    }
    let mut t = if lo > 0.0 { (lo * hi).sqrt() } else { 0.5 * hi };
    let width = precision.relative_width;
    for _ in 0..precision.max_steps {
        let gap = cdf(t) - q;
        if gap < 0.0 {
            lo = t;
        } else {
            hi = t;
        }
        let slope = density(t);
        let newton = t - gap / slope;
        let next = if slope > 0.0 && newton.is_finite() && newton > lo && newton < hi {
            newton
        } else if lo > 0.0 {
            (lo * hi).sqrt()
        } else {
            0.5 * hi
        };
        if (next - t).abs() <= width * t || hi - lo <= width * hi {
            return Some(next);
        }
        t = next;
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use rand_distr::{Beta, Distribution, Gamma};

    use super::*;
    use crate::models::{BgNbd, MbgNbd, ParetoNbd};

    /// Closed forms against the code: rounding only.
    const CLOSED_FORM: f64 = 1e-9;
    /// Importance-sampling estimates from 100,000 prior draws (seed 7): the
    /// largest difference from the formulas at these customers was 0.003, so
    /// twice that.
    const MONTE_CARLO: f64 = 0.006;
    /// The quantiles' bisection width.
    const BISECTION: f64 = 1e-5;
    /// Prior draws of the importance sampler.
    const DRAWS: usize = 100_000;

    fn rfm(x: f64, t_x: f64, t: f64) -> Rfm {
        match Rfm::new(x, t_x, t) {
            Ok(c) => c,
            Err(err) => panic!("{err}"),
        }
    }

    /// The CDNOW BG/NBD fit of Fader, Hardie & Lee (2005a), in weeks.
    fn cdnow_bg() -> BgNbd {
        match BgNbd::new(0.243, 4.414, 0.793, 2.426) {
            Ok(m) => m,
            Err(err) => panic!("{err}"),
        }
    }

    /// The CDNOW Pareto/NBD fit of Fader, Hardie & Lee (2005c), in weeks.
    fn cdnow_pareto() -> ParetoNbd {
        match ParetoNbd::new(0.553, 10.578, 0.606, 11.669) {
            Ok(m) => m,
            Err(err) => panic!("{err}"),
        }
    }

    fn mbg() -> MbgNbd {
        match MbgNbd::new(0.525, 6.183, 0.891, 1.614) {
            Ok(m) => m,
            Err(err) => panic!("{err}"),
        }
    }

    /// The customers the tables use: (x, t_x, T) in weeks.
    const CUSTOMERS: [(f64, f64, f64); 4] = [
        (0.0, 0.0, 30.0),
        (2.0, 30.0, 38.0),
        (6.0, 20.0, 38.0),
        (1.0, 2.0, 39.0),
    ];

    /// Over n, the next-period distribution sums to 1, and its n = 0 term is
    /// the probability of no purchase (every model).
    #[test]
    fn the_next_purchases_distribution_sums_to_one() {
        let models: [(&str, &dyn PurchaseModel); 3] = [
            ("bgnbd", &cdnow_bg()),
            ("mbgnbd", &mbg()),
            ("pareto", &cdnow_pareto()),
        ];
        for (name, m) in models {
            for (x, t_x, t) in CUSTOMERS {
                let c = rfm(x, t_x, t);
                let total: f64 = (0..400).map(|n| m.p_purchases_next(&c, n, 26.0)).sum();
                assert!((total - 1.0).abs() < 1e-6, "{name} {x} {t_x} {t}: {total}");
            }
        }
    }

    /// BG/NBD in closed form: an alive customer's wait for the next purchase
    /// is the Gamma(r+x, α+T) mixture of exponentials (Lomax), so
    /// `P(none in t) = 1 - P(alive) + P(alive) ((α+T)/(α+T+t))^(r+x)`, and
    /// the quantile `q` is `(α+T)((1 - q/P(alive))^(-1/(r+x)) - 1)`.
    #[test]
    fn bg_nbd_matches_its_closed_form() {
        let m = cdnow_bg();
        let (r, alpha) = (0.243, 4.414);
        for (x, t_x, t) in CUSTOMERS {
            let c = rfm(x, t_x, t);
            let alive = m.p_alive(&c);
            let (k, scale) = (r + x, alpha + t);
            for horizon in [1.0, 13.0, 52.0] {
                let expected = 1.0 - alive + alive * (scale / (scale + horizon)).powf(k);
                let got = m.p_purchases_next(&c, 0, horizon);
                assert!(
                    (got - expected).abs() < CLOSED_FORM,
                    "{x} {t_x} {t} {horizon}: {got} vs {expected}"
                );
            }
            let next = next_purchase(&m, &c);
            assert_eq!(next.p_again, alive);
            for (level, got) in NEXT_PURCHASE_LEVELS.iter().zip(next.quantiles) {
                let expected =
                    (*level < alive).then(|| scale * ((1.0 - level / alive).powf(-1.0 / k) - 1.0));
                match (got, expected) {
                    (Some(g), Some(e)) => {
                        assert!((g - e).abs() <= BISECTION * e, "{x} {level}: {g} vs {e}")
                    }
                    (None, None) => {}
                    other => panic!("{x} {t_x} {t} level {level}: {other:?}"),
                }
            }
        }
    }

    /// The customer's future by an independent route: draw the rates from
    /// the prior, weight each draw by the likelihood of the customer's
    /// history, and average each draw's exact conditional answer. Returns
    /// (P(no purchase in `t`), P(one purchase in `t`), P(ever again)).
    fn importance_sampled(model: &str, params: [f64; 4], c: (f64, f64, f64), t: f64) -> [f64; 3] {
        let (x, t_x, big_t) = c;
        let mut rng = StdRng::seed_from_u64(7);
        let rate = match Gamma::new(params[0], 1.0 / params[1]) {
            Ok(g) => g,
            Err(err) => panic!("{err}"),
        };
        let mut sums = [0.0; 4];
        for _ in 0..DRAWS {
            let lambda: f64 = rate.sample(&mut rng);
            let (alive_part, dead_part, none, one, again) = match model {
                "pareto" => {
                    let mu: f64 = match Gamma::new(params[2], 1.0 / params[3]) {
                        Ok(g) => g.sample(&mut rng),
                        Err(err) => panic!("{err}"),
                    };
                    let total = lambda + mu;
                    let alive = lambda.powf(x) * (-total * big_t).exp();
                    let dead = lambda.powf(x) * mu / total
                        * ((-total * t_x).exp() - (-total * big_t).exp());
                    let none = mu / total + lambda / total * (-total * t).exp();
                    // One purchase at τ, then death first or none in t - τ:
                    // ∫_0^t λ e^(-(λ+μ)τ) [μ/(λ+μ) + λ/(λ+μ) e^(-(λ+μ)(t-τ))] dτ.
                    let decay = (-total * t).exp();
                    let one = lambda * mu / (total * total) * (1.0 - decay)
                        + lambda * lambda / total * t * decay;
                    (alive, dead, none, one, lambda / total)
                }
                _ => {
                    let p: f64 = match Beta::new(params[2], params[3]) {
                        Ok(b) => b.sample(&mut rng),
                        Err(err) => panic!("{err}"),
                    };
                    // MBG/NBD can also drop at the first purchase: one more chance.
                    let chances = if model == "mbgnbd" { x + 1.0 } else { x };
                    let alive = (1.0 - p).powf(chances) * lambda.powf(x) * (-lambda * big_t).exp();
                    let dead = if chances > 0.0 {
                        p * (1.0 - p).powf(chances - 1.0) * lambda.powf(x) * (-lambda * t_x).exp()
                    } else {
                        0.0
                    };
                    let none = (-lambda * t).exp();
                    let one = p * (1.0 - none) + (1.0 - p) * lambda * t * none;
                    (alive, dead, none, one, 1.0)
                }
            };
            let weight = alive_part + dead_part;
            sums[0] += dead_part + alive_part * none;
            sums[1] += alive_part * one;
            sums[2] += alive_part * again;
            sums[3] += weight;
        }
        [sums[0] / sums[3], sums[1] / sums[3], sums[2] / sums[3]]
    }

    #[test]
    fn every_model_matches_importance_sampling_from_its_prior() {
        let bg = cdnow_bg();
        let mb = mbg();
        let pareto = cdnow_pareto();
        let models: [(&str, &dyn PurchaseModel, [f64; 4]); 3] = [
            ("bgnbd", &bg, [0.243, 4.414, 0.793, 2.426]),
            ("mbgnbd", &mb, [0.525, 6.183, 0.891, 1.614]),
            ("pareto", &pareto, [0.553, 10.578, 0.606, 11.669]),
        ];
        let t = 26.0;
        for (name, m, params) in models {
            for customer in [CUSTOMERS[1], CUSTOMERS[2], CUSTOMERS[3]] {
                let (x, t_x, big_t) = customer;
                let c = rfm(x, t_x, big_t);
                let [none, one, again] = importance_sampled(name, params, customer, t);
                let got = [
                    m.p_purchases_next(&c, 0, t),
                    m.p_purchases_next(&c, 1, t),
                    next_purchase(m, &c).p_again,
                ];
                for (what, g, e) in [
                    ("none", got[0], none),
                    ("one", got[1], one),
                    ("again", got[2], again),
                ] {
                    assert!(
                        (g - e).abs() < MONTE_CARLO,
                        "{name} {customer:?} {what}: {g} vs sampled {e}"
                    );
                }
            }
        }
    }

    /// The density the Newton steps use is the derivative of the
    /// distribution: central differences of `p_purchases_if_alive(0, ..)`.
    #[test]
    fn the_density_is_the_distributions_derivative() {
        let models: [(&str, &dyn PurchaseModel); 3] = [
            ("bgnbd", &cdnow_bg()),
            ("mbgnbd", &mbg()),
            ("pareto", &cdnow_pareto()),
        ];
        // Central differences of step 1e-3 on quadrature values: 1e-6 relative.
        const DIFFERENCE: f64 = 1e-6;
        for (name, m) in models {
            for (x, _, t) in CUSTOMERS {
                for at in [0.5, 5.0, 40.0] {
                    let h = 1e-3;
                    let numeric = (m.p_purchases_if_alive(0, x, t, at - h)
                        - m.p_purchases_if_alive(0, x, t, at + h))
                        / (2.0 * h);
                    let got = m.next_purchase_density_if_alive(x, t, at);
                    assert!(
                        (got - numeric).abs() <= DIFFERENCE * numeric.abs().max(1e-3),
                        "{name} x {x} T {t} at {at}: {got} vs {numeric}"
                    );
                }
            }
        }
    }

    /// The quantiles are where the distribution reaches its levels, in
    /// order, and absent where the chance of ever buying is lower.
    #[test]
    fn quantiles_invert_the_distribution() {
        let pareto = cdnow_pareto();
        for (x, t_x, t) in CUSTOMERS {
            let c = rfm(x, t_x, t);
            let next = next_purchase(&pareto, &c);
            let mut last = 0.0;
            for (level, q) in NEXT_PURCHASE_LEVELS.iter().zip(next.quantiles) {
                match q {
                    Some(q) => {
                        let reached = 1.0 - pareto.p_purchases_next(&c, 0, q);
                        assert!((reached - level).abs() < 1e-4, "{x} {level}: {reached}");
                        assert!(q > last);
                        last = q;
                    }
                    None => assert!(*level >= next.p_again, "{x} {level} vs {}", next.p_again),
                }
            }
        }
    }
}
