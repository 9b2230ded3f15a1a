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

    /// The tables' customers for P(alive) at a future date, (x, t_x, T) in
    /// weeks: [`CUSTOMERS`] and a heavy buyer.
    const ALIVE_CUSTOMERS: [(f64, f64, f64); 5] = [
        (0.0, 0.0, 30.0),
        (2.0, 30.0, 38.0),
        (6.0, 20.0, 38.0),
        (1.0, 2.0, 39.0),
        (20.0, 70.0, 71.0),
    ];

    /// The horizons of the P(alive) tables, in weeks.
    const ALIVE_HORIZONS: [f64; 4] = [0.0, 4.5, 13.0, 52.0];

    /// Series and closed forms against 40-digit quadrature: rounding and the
    /// series' truncation (below `1e-15` of the sum) only.
    const GOLDEN: f64 = 1e-11;

    /// P(alive at T + t) against Bayes' rule evaluated directly: for each
    /// model, customer ([`ALIVE_CUSTOMERS`]) and horizon ([`ALIVE_HORIZONS`]),
    /// the probability that the customer is alive at `T` and again at
    /// `T + t` over the likelihood of their history, integrated over the
    /// prior by mpmath at 40 digits (`scripts/golden_p_alive_after.py`, which
    /// uses neither the hypergeometric function nor the posterior given
    /// alive). At `t = 0` the values are P(alive).
    #[test]
    fn p_alive_after_matches_bayes_by_quadrature() {
        let table: [(&str, [[f64; 4]; 5]); 3] = [
            (
                "bgnbd",
                [
                    [
                        1.0,
                        0.9924293265759518,
                        0.9793544549981801,
                        0.9328158971980782,
                    ],
                    [
                        0.7299767714662408,
                        0.7048191793703953,
                        0.6631010104884509,
                        0.531485940379938,
                    ],
                    [
                        0.2294843159507825,
                        0.21723139926204962,
                        0.19780285075996906,
                        0.1431311478287853,
                    ],
                    [
                        0.2211785320820907,
                        0.21602601917339648,
                        0.2072673177904539,
                        0.177722905695346,
                    ],
                    [
                        0.9537489655477606,
                        0.9161631153321201,
                        0.8535852121689531,
                        0.6570383231196237,
                    ],
                ],
            ),
            (
                "mbgnbd",
                [
                    [
                        0.41740479638161493,
                        0.41073823683117644,
                        0.39938358670479723,
                        0.36054790568058226,
                    ],
                    [
                        0.710097065628406,
                        0.6819969007283946,
                        0.6357245076578418,
                        0.4927525277237136,
                    ],
                    [
                        0.21948421650488878,
                        0.20669051824961615,
                        0.18649660742582017,
                        0.13050599313486264,
                    ],
                    [
                        0.1780789719780029,
                        0.17294929308038162,
                        0.16430517364079458,
                        0.1358868215223013,
                    ],
                    [
                        0.9488790983221638,
                        0.9078218694542631,
                        0.8397497058945104,
                        0.6287578848659544,
                    ],
                ],
            ),
            (
                "pareto",
                [
                    [
                        0.3572527481096935,
                        0.33572672961014294,
                        0.3030478301923199,
                        0.21867301754851326,
                    ],
                    [
                        0.8748166223670489,
                        0.8300261840683916,
                        0.7598551534909511,
                        0.5667460817535204,
                    ],
                    [
                        0.31630188857222685,
                        0.30010729434342753,
                        0.2747360006034334,
                        0.20491478032791016,
                    ],
                    [
                        0.17433313307531534,
                        0.1655718690503064,
                        0.15180057049563095,
                        0.11363746943979484,
                    ],
                    [
                        0.9916439058601132,
                        0.9602979533335397,
                        0.9076492348090289,
                        0.7377839903797009,
                    ],
                ],
            ),
        ];
        let (bg, mb, pareto) = (cdnow_bg(), mbg(), cdnow_pareto());
        for (name, rows) in table {
            let m: &dyn PurchaseModel = match name {
                "bgnbd" => &bg,
                "mbgnbd" => &mb,
                _ => &pareto,
            };
            for ((x, t_x, big_t), row) in ALIVE_CUSTOMERS.into_iter().zip(rows) {
                let c = rfm(x, t_x, big_t);
                for (t, want) in ALIVE_HORIZONS.into_iter().zip(row) {
                    let got = m.p_alive_after(&c, t);
                    assert!(
                        ((got - want) / want).abs() < GOLDEN,
                        "{name} ({x}, {t_x}, {big_t}) at {t}: {got} vs {want}"
                    );
                }
            }
        }
    }

    /// Pareto/NBD by hand: the lifetime's rate given alive is Gamma(s, β+T),
    /// so the customer (2, 30, 38) is alive at T + 13 weeks with probability
    /// P(alive) · (49.669/62.669)^0.606 (by a calculator: ln(49.669/62.669)
    /// = -0.232486, × 0.606 = -0.140886, e^ = 0.868588).
    #[test]
    fn pareto_survival_by_hand() {
        let m = cdnow_pareto();
        let c = rfm(2.0, 30.0, 38.0);
        let ratio = m.p_alive_after(&c, 13.0) / m.p_alive(&c);
        assert!((ratio - 0.868588).abs() < 1e-6, "{ratio}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// For every model and customer: P(alive) at `T + 0` is today's
        /// P(alive), and it never rises with the horizon (a customer who has
        /// left does not come back), staying within [0, 1].
        #[test]
        fn p_alive_after_starts_at_p_alive_and_never_rises(
            kind in 0usize..3,
            r in 0.05f64..5.0,
            alpha in 0.5f64..200.0,
            c in 0.05f64..5.0,
            d in 0.05f64..50.0,
            x in 0u32..60,
            share in 0.0f64..1.0,
            big_t in 0.5f64..500.0,
        ) {
            let model: Box<dyn PurchaseModel> = match kind {
                0 => Box::new(BgNbd::new(r, alpha, c, d).unwrap()),
                1 => Box::new(MbgNbd::new(r, alpha, c, d).unwrap()),
                _ => Box::new(ParetoNbd::new(r, alpha, c, d).unwrap()),
            };
            let x = f64::from(x);
            let t_x = if x > 0.0 { share * big_t } else { 0.0 };
            let customer = rfm(x, t_x, big_t);
            let today = model.p_alive(&customer);
            proptest::prop_assert_eq!(model.p_alive_after(&customer, 0.0), today);
            let mut last = today;
            for k in 1..=40 {
                let t = big_t * f64::from(k) * f64::from(k) / 100.0;
                let now = model.p_alive_after(&customer, t);
                proptest::prop_assert!((0.0..=1.0).contains(&now), "{k}: {now}");
                proptest::prop_assert!(now <= last * (1.0 + 1e-12), "{k}: {now} > {last}");
                last = now;
            }
        }
    }

    /// P(alive at T + t) by simulation: draw `λ` and `p` (or `μ`) from the
    /// prior, weight each draw by the likelihood of the customer's history
    /// split into "alive at T" and "left before T", then for the alive part
    /// simulate the next `t` as the model says (BG/NBD and MBG/NBD:
    /// exponential gaps, each purchase followed by a dropout with
    /// probability `p`; Pareto/NBD: an exponential lifetime past `T`) and
    /// count the customer if still alive. Returns the self-normalised
    /// estimate and its standard error.
    fn simulated_p_alive_after(
        model: &str,
        params: [f64; 4],
        c: (f64, f64, f64),
        t: f64,
        seed: u64,
    ) -> (f64, f64) {
        let (x, t_x, big_t) = c;
        let mut rng = StdRng::seed_from_u64(seed);
        let uniform = rand_distr::Uniform::new(0.0, 1.0).unwrap();
        let rate = Gamma::new(params[0], 1.0 / params[1]).unwrap();
        let (mut weights, mut alive_later) = (Vec::new(), Vec::new());
        for _ in 0..DRAWS {
            let lambda: f64 = rate.sample(&mut rng);
            let (alive_part, dead_part, survives) = if model == "pareto" {
                let mu: f64 = Gamma::new(params[2], 1.0 / params[3])
                    .unwrap()
                    .sample(&mut rng);
                let total = lambda + mu;
                let alive = lambda.powf(x) * (-total * big_t).exp();
                let dead =
                    lambda.powf(x) * mu / total * ((-total * t_x).exp() - (-total * big_t).exp());
                let lifetime: f64 = rand_distr::Exp::new(mu).unwrap().sample(&mut rng);
                (alive, dead, lifetime > t)
            } else {
                let p: f64 = Beta::new(params[2], params[3]).unwrap().sample(&mut rng);
                let chances = if model == "mbgnbd" { x + 1.0 } else { x };
                let alive = (1.0 - p).powf(chances) * lambda.powf(x) * (-lambda * big_t).exp();
                let dead = if chances > 0.0 {
                    p * (1.0 - p).powf(chances - 1.0) * lambda.powf(x) * (-lambda * t_x).exp()
                } else {
                    0.0
                };
                let gap = rand_distr::Exp::new(lambda).unwrap();
                let mut clock = gap.sample(&mut rng);
                let mut survives = true;
                while clock <= t && survives {
                    survives = uniform.sample(&mut rng) >= p;
                    clock += gap.sample(&mut rng);
                }
                (alive, dead, survives)
            };
            weights.push(alive_part + dead_part);
            alive_later.push(if survives { alive_part } else { 0.0 });
        }
        let total: f64 = weights.iter().sum();
        let estimate = alive_later.iter().sum::<f64>() / total;
        let spread: f64 = weights
            .iter()
            .zip(&alive_later)
            .map(|(w, f)| (f - estimate * w).powi(2))
            .sum();
        (estimate, spread.sqrt() / total)
    }

    /// The formulas against [`simulated_p_alive_after`] (100,000 draws,
    /// seed 11 + case): within four standard errors of the self-normalised
    /// estimate (a miss by chance about once in 16,000 comparisons), each
    /// standard error below `MAX_STANDARD_ERROR` so that the comparison
    /// can tell a wrong formula: the MBG/NBD with `b + x` for `b + x + 1`
    /// (forgetting the chance to leave at the first purchase) fails it, at
    /// the new customer and 13 weeks, by 0.0055 (4.7 standard errors).
    #[test]
    fn p_alive_after_matches_a_simulation_of_each_model() {
        const MAX_STANDARD_ERROR: f64 = 0.004;
        const STANDARD_ERRORS: f64 = 4.0;
        let bg = cdnow_bg();
        let mb = mbg();
        let pareto = cdnow_pareto();
        let models: [(&str, &dyn PurchaseModel, [f64; 4]); 3] = [
            ("bgnbd", &bg, [0.243, 4.414, 0.793, 2.426]),
            ("mbgnbd", &mb, [0.525, 6.183, 0.891, 1.614]),
            ("pareto", &pareto, [0.553, 10.578, 0.606, 11.669]),
        ];
        let mut case = 0;
        for (name, m, params) in models {
            for customer in [CUSTOMERS[0], CUSTOMERS[1], CUSTOMERS[3]] {
                let (x, t_x, big_t) = customer;
                let c = rfm(x, t_x, big_t);
                for t in [13.0, 52.0] {
                    case += 1;
                    let (sampled, se) =
                        simulated_p_alive_after(name, params, customer, t, 11 + case);
                    let got = m.p_alive_after(&c, t);
                    assert!(se < MAX_STANDARD_ERROR, "{name} {customer:?} {t}: se {se}");
                    assert!(
                        (got - sampled).abs() < STANDARD_ERRORS * se,
                        "{name} {customer:?} at {t}: {got} vs sampled {sampled} ± {se}"
                    );
                }
            }
        }
    }
}
