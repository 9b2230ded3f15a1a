//! The purchase model of a shop, whichever of the three the analysis chose,
//! with the survival of a new customer that the retention lever moves.
//!
//! # Survival of a new customer
//!
//! `S(t)` is the probability that a customer is still alive `t` periods after
//! their first purchase. The purchases of a live customer are Poisson with
//! rate `λ ~ Gamma(r, α)` in all three models; they differ in how customers
//! leave.
//!
//! - **BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy
//!   way", Marketing Science 24(2), §3 assumptions (iii)–(iv)): after each
//!   *repeat* purchase the customer leaves with probability `p ~ Beta(a, b)`.
//!   Given `(λ, p)` they are alive at `t` unless one of the `k` purchases of
//!   the underlying Poisson process was followed by a dropout:
//!   `Σ_k e^{-λt} (λt)^k/k! (1-p)^k = e^{-λpt}`. Averaging over `λ` gives
//!   `(α/(α+pt))^r`, and over `p` Euler's integral (DLMF 15.6.1) with
//!   Pfaff's transformation (DLMF 15.8.1):
//!
//!   ```text
//!   S_BG(t) = ₂F₁(r, a; a+b; -t/α)
//!           = (α/(α+t))^r ₂F₁(r, b; a+b; t/(α+t))
//!           = (α/(α+t))^a ₂F₁(a, a+b-r; a+b; t/(α+t))
//!   ```
//!
//!   As `b → 0` every customer leaves at the first repeat purchase and
//!   `S_BG` falls to its floor `(α/(α+t))^r`; as `b → ∞`, to 1.
//! - **MBG/NBD** (Batislam, Denizel & Filiztekin 2007, "Empirical validation
//!   and comparison of models for customer base analysis", IJRM 24(3), §2:
//!   the BG/NBD's dropout "at time zero" as well, i.e. right after the first
//!   purchase; the likelihood in `src/models/mbgnbd.rs`): given `(λ, p)` the
//!   customer survives the first purchase with probability `1 - p` and then
//!   as in the BG/NBD, `(1-p) e^{-λpt}`. Since `(1-p)` times the `Beta(a, b)`
//!   density is `b/(a+b)` times the `Beta(a, b+1)` density,
//!
//!   ```text
//!   S_MBG(t; a, b) = b/(a+b) · S_BG(t; a, b+1) = b/(a+b) · ₂F₁(r, a; a+b+1; -t/α)
//!   ```
//!
//!   It starts at `S(0+) = b/(a+b)` and falls to 0 as `b → 0`.
//! - **Pareto/NBD** (Schmittlein, Morrison & Colombo 1987, "Counting your
//!   customers", Management Science 33(1); Fader & Hardie 2005, "A note on
//!   deriving the Pareto/NBD model", eq. 3): the lifetime is exponential with
//!   rate `μ ~ Gamma(s, β)`, so `S_P(t) = E[e^{-μt}] = (β/(β+t))^s`, from 1
//!   at `β → ∞` to 0 at `β → 0`.
//!
//! Each is checked against a Monte Carlo simulation of its model in the
//! tests below.
//!
//! # The retention lever
//!
//! "Retention +x pt" moves `S` at 12 months by `x/100` through one dropout
//! parameter, keeping the other: `b` (with `a` fixed) in the BG/NBD and
//! MBG/NBD, found by bisection in `ln b` within `b·10^{±12}` (`S` rises with
//! `b`); `β` (with `s` fixed) in the Pareto/NBD, in closed form
//! `β' = t·u/(1-u)`, `u = S'^{1/s}` (scaling every customer's expected
//! lifetime alike). A target outside the model's range is met as closely as
//! that bracket allows.

use crate::models::{BgNbd, MbgNbd, ModelKind, ParetoNbd, PurchaseModel, Rfm, RfmData};
use crate::{Error, Result};

/// A shop's purchase model: one of the three the analysis chooses from
/// ([`crate::validate::choose_model`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Purchases {
    /// BG/NBD, parameters `(r, α, a, b)`.
    BgNbd(BgNbd),
    /// MBG/NBD, parameters `(r, α, a, b)`.
    MbgNbd(MbgNbd),
    /// Pareto/NBD, parameters `(r, α, s, β)`.
    ParetoNbd(ParetoNbd),
}

impl From<BgNbd> for Purchases {
    fn from(m: BgNbd) -> Purchases {
        Purchases::BgNbd(m)
    }
}

impl From<MbgNbd> for Purchases {
    fn from(m: MbgNbd) -> Purchases {
        Purchases::MbgNbd(m)
    }
}

impl From<ParetoNbd> for Purchases {
    fn from(m: ParetoNbd) -> Purchases {
        Purchases::ParetoNbd(m)
    }
}

impl Purchases {
    /// The model of `kind` with `params` in the paper's order (`r, α, a, b`
    /// or `r, α, s, β`).
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Options`] error for a `kind` that is not a
    /// purchase model; the model's own error for a parameter that is not
    /// positive and finite.
    pub fn new(kind: ModelKind, params: [f64; 4]) -> Result<Purchases> {
        let [r, alpha, c, d] = params;
        match kind {
            ModelKind::BgNbd => Ok(BgNbd::new(r, alpha, c, d)?.into()),
            ModelKind::MbgNbd => Ok(MbgNbd::new(r, alpha, c, d)?.into()),
            ModelKind::ParetoNbd => Ok(ParetoNbd::new(r, alpha, c, d)?.into()),
            other => Err(Error::options(format!(
                "\"{}\" is not a purchase model; choose bgnbd, mbgnbd or pareto",
                other.name()
            ))),
        }
    }

    /// Which model this is.
    pub fn kind(&self) -> ModelKind {
        match self {
            Purchases::BgNbd(_) => ModelKind::BgNbd,
            Purchases::MbgNbd(_) => ModelKind::MbgNbd,
            Purchases::ParetoNbd(_) => ModelKind::ParetoNbd,
        }
    }

    /// The parameters in the paper's order: `(r, α, a, b)` or `(r, α, s, β)`.
    pub fn params(&self) -> [f64; 4] {
        match self {
            Purchases::BgNbd(m) => [m.r(), m.alpha(), m.a(), m.b()],
            Purchases::MbgNbd(m) => [m.r(), m.alpha(), m.a(), m.b()],
            Purchases::ParetoNbd(m) => [m.r(), m.alpha(), m.s(), m.beta()],
        }
    }

    /// The model as a trait object.
    pub fn model(&self) -> &(dyn PurchaseModel + Send + Sync) {
        match self {
            Purchases::BgNbd(m) => m,
            Purchases::MbgNbd(m) => m,
            Purchases::ParetoNbd(m) => m,
        }
    }

    /// Mean dropout probability per purchase, `a/(a+b)` (BG/NBD: after each
    /// repeat purchase; MBG/NBD: after every purchase); `None` for the
    /// Pareto/NBD, whose customers leave in continuous time.
    pub fn dropout_per_purchase(&self) -> Option<f64> {
        match self {
            Purchases::BgNbd(m) => Some(m.a() / (m.a() + m.b())),
            Purchases::MbgNbd(m) => Some(m.a() / (m.a() + m.b())),
            Purchases::ParetoNbd(_) => None,
        }
    }

    /// The probability that a new customer is still alive `t` periods after
    /// the first purchase (module doc).
    ///
    /// # Formula
    ///
    /// BG/NBD `₂F₁(r, a; a+b; -t/α)`; MBG/NBD `b/(a+b) ₂F₁(r, a; a+b+1;
    /// -t/α)`; Pareto/NBD `(β/(β+t))^s`.
    pub fn survival_new(&self, t: f64) -> f64 {
        let [r, alpha, c, d] = self.params();
        match self.kind() {
            ModelKind::MbgNbd => d / (c + d) * survival_bgnbd(r, alpha, c, d + 1.0, t),
            ModelKind::ParetoNbd => survival_pareto(c, d, t),
            _ => survival_bgnbd(r, alpha, c, d, t),
        }
    }

    /// The survival at `t` as the retention parameter (`b` or `β`) goes to
    /// 0: BG/NBD `(α/(α+t))^r` (everybody leaves at the first repeat
    /// purchase), 0 for the other two.
    pub(crate) fn survival_floor(&self, t: f64) -> f64 {
        let [r, alpha, ..] = self.params();
        match self.kind() {
            ModelKind::BgNbd if t > 0.0 => (alpha / (alpha + t)).powf(r),
            ModelKind::BgNbd => 1.0,
            _ => 0.0,
        }
    }

    /// The same model with every purchase rate `λ` multiplied by `factor`:
    /// `α → α/factor`.
    pub(crate) fn with_purchase_rate(&self, factor: f64) -> Option<Purchases> {
        let mut p = self.params();
        p[1] /= factor;
        Purchases::new(self.kind(), p).ok()
    }

    /// The same model with the retention parameter (`b` or `β`, module doc)
    /// moved so that [`Purchases::survival_new`]`(t)` is `target`, or the
    /// nearer end of the bracket `·10^{±12}` when out of reach.
    pub(crate) fn with_survival(&self, t: f64, target: f64) -> Option<Purchases> {
        let mut p = self.params();
        let kind = self.kind();
        let (lo, hi) = ((p[3] * 1e-12).max(f64::MIN_POSITIVE), p[3] * 1e12);
        p[3] = if kind == ModelKind::ParetoNbd {
            let u = target.clamp(0.0, 1.0).powf(1.0 / p[2]);
            (t * u / (1.0 - u)).clamp(lo, hi)
        } else {
            let at = |d: f64| {
                Purchases::new(kind, [p[0], p[1], p[2], d]).map_or(f64::NAN, |m| m.survival_new(t))
            };
            solve_increasing(at, lo, hi, target)
        };
        Purchases::new(kind, p).ok()
    }

    /// `E[X(t)]` of a new customer at every `t` of `times`, into `out`:
    /// [`Purchases::expected_if_alive_at`] with no history, times the
    /// survival of the first purchase `b/(a+b)` in the MBG/NBD.
    pub(crate) fn expected_new_at(&self, times: &[f64], out: &mut [f64]) {
        let points: Vec<(f64, f64)> = times.iter().map(|&t| (0.0, t)).collect();
        self.expected_if_alive_at(0.0, &points, out);
        if let Purchases::MbgNbd(m) = self {
            let first = m.b() / (m.a() + m.b());
            out.iter_mut().for_each(|v| *v *= first);
        }
    }

    /// `E[X(t) | alive at T]` of customers with `frequency` repeat purchases
    /// at every `(T, t)` of `points`, into `out`.
    ///
    /// The BG/NBD is batched ([`BgNbd`]'s pairs, bit-identical to one point at
    /// a time). The MBG/NBD's expectations are the BG/NBD's with `b + 1`
    /// (its `expected_purchases_if_alive` is `expected_while_alive(r+x, α+T,
    /// a, b+x+1, t)`); the Pareto/NBD's are closed forms, one at a time.
    pub(crate) fn expected_if_alive_at(
        &self,
        frequency: f64,
        points: &[(f64, f64)],
        out: &mut [f64],
    ) {
        match self {
            Purchases::BgNbd(m) => m.expected_purchases_if_alive_pairs(frequency, points, out),
            Purchases::MbgNbd(m) => match BgNbd::new(m.r(), m.alpha(), m.a(), m.b() + 1.0) {
                Ok(shifted) => shifted.expected_purchases_if_alive_pairs(frequency, points, out),
                Err(_) => out.fill(0.0),
            },
            Purchases::ParetoNbd(m) => {
                for (v, &(observed, t)) in out.iter_mut().zip(points) {
                    *v = m.expected_purchases_if_alive(frequency, observed, t);
                }
            }
        }
    }

    /// `E[X(t) | alive at T]` over the next `t` of a live customer whose
    /// every future purchase rate is multiplied by `rate_factor` (the
    /// frequency lever), at every `T` of `t_observed`, into `out`.
    ///
    /// BG/NBD and MBG/NBD: dropout comes with purchases, so the whole process
    /// runs `rate_factor` times faster, the time change `t → t · rate_factor`.
    /// Pareto/NBD: the lifetime does not depend on purchases, so the count
    /// scales, `rate_factor · E[X(t)]`.
    pub(crate) fn future_if_alive(
        &self,
        frequency: f64,
        t_observed: &[f64],
        t: f64,
        rate_factor: f64,
        out: &mut [f64],
    ) {
        let pareto = self.kind() == ModelKind::ParetoNbd;
        let horizon = if pareto { t } else { t * rate_factor };
        let points: Vec<(f64, f64)> = t_observed.iter().map(|&o| (o, horizon)).collect();
        self.expected_if_alive_at(frequency, &points, out);
        if pareto {
            out.iter_mut().for_each(|v| *v *= rate_factor);
        }
    }
}

impl PurchaseModel for Purchases {
    fn name(&self) -> &'static str {
        self.model().name()
    }

    fn log_likelihood(&self, data: &RfmData) -> f64 {
        self.model().log_likelihood(data)
    }

    fn p_alive(&self, customer: &Rfm) -> f64 {
        self.model().p_alive(customer)
    }

    fn expected_purchases_if_alive(&self, frequency: f64, t_observed: f64, t: f64) -> f64 {
        self.model()
            .expected_purchases_if_alive(frequency, t_observed, t)
    }

    fn expected_purchases_if_alive_grid(
        &self,
        frequency: f64,
        t_observed: &[f64],
        horizons: &[f64],
        out: &mut [f64],
    ) {
        self.model()
            .expected_purchases_if_alive_grid(frequency, t_observed, horizons, out)
    }

    fn expected_purchases_new(&self, t: f64) -> f64 {
        self.model().expected_purchases_new(t)
    }

    fn p_purchases_if_alive(&self, n: u32, frequency: f64, t_observed: f64, t: f64) -> f64 {
        self.model()
            .p_purchases_if_alive(n, frequency, t_observed, t)
    }

    fn p_purchase_again_if_alive(&self, frequency: f64, t_observed: f64) -> f64 {
        self.model()
            .p_purchase_again_if_alive(frequency, t_observed)
    }

    fn next_purchase_density_if_alive(&self, frequency: f64, t_observed: f64, t: f64) -> f64 {
        self.model()
            .next_purchase_density_if_alive(frequency, t_observed, t)
    }

    fn survival_if_alive(&self, frequency: f64, t_observed: f64, t: f64) -> f64 {
        self.model().survival_if_alive(frequency, t_observed, t)
    }

    fn p_purchases(&self, n: u32, t: f64) -> f64 {
        self.model().p_purchases(n, t)
    }

    fn p_alive_all(&self, data: &RfmData) -> Vec<f64> {
        self.model().p_alive_all(data)
    }

    fn expected_purchases_all(&self, data: &RfmData, t: f64) -> Vec<f64> {
        self.model().expected_purchases_all(data, t)
    }
}

/// The BG/NBD's `S(t)` (module doc): the models' one evaluation of it,
/// which a customer's survival after `T` shares
/// ([`PurchaseModel::survival_if_alive`]).
pub(crate) use crate::models::bgnbd_survival as survival_bgnbd;

/// The Pareto/NBD's `S(t) = (β/(β+t))^s`.
fn survival_pareto(s: f64, beta: f64, t: f64) -> f64 {
    if t <= 0.0 {
        return 1.0;
    }
    (-s * (t / beta).ln_1p()).exp()
}

/// The `x` in `[lo, hi]` where the increasing `f` reaches `target`:
/// bisection in `ln x` to a relative width of `1e-13`; the nearer end when
/// the target is out of reach.
fn solve_increasing(f: impl Fn(f64) -> f64, lo: f64, hi: f64, target: f64) -> f64 {
    let (mut lo, mut hi) = (lo, hi);
    if f(lo) >= target {
        return lo;
    }
    if f(hi) <= target {
        return hi;
    }
    while hi / lo > 1.0 + 1e-13 {
        let mid = (lo * hi).sqrt();
        if f(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo * hi).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};
    use rand_distr::{Beta, Distribution, Exp, Gamma};

    /// Relative tolerance of [`survival_bgnbd`] against 40-digit references.
    const SURVIVAL_TOL: f64 = 1e-12;

    #[test]
    fn bgnbd_survival_matches_the_hypergeometric_reference() {
        // (r, α, a, b, t, S(t)); S = ₂F₁(r, a; a+b; -t/α), mpmath 1.3 at 40
        // digits (`hyp2f1`, checked against `quad` of the Beta integral for
        // the first four; the last three through the Pfaff form with
        // maxterms 1e7).
        let cases = [
            (0.25, 4.0, 0.8, 2.4, 365.25, 0.524_017_457_637_767_3),
            // a = b = 1 has the closed form α/((1-r)t)·((1+t/α)^(1-r) - 1).
            (0.5, 10.0, 1.0, 1.0, 12.0, 0.805_399_495_698_554_3),
            // r > a with a + b - r > 0: the second form.
            (2.0, 10.0, 1.0, 3.0, 365.25, 0.069_883_198_695_552_78),
            (1.5, 0.5, 0.3, 0.2, 30.0, 0.119_401_896_023_357_75),
            // A fit at the boundary (a + b → ∞): nearly a fixed dropout p.
            (0.3, 100.0, 7e7, 3e7, 365.25, 0.683_414_199_674_202_7),
            (3.0, 50.0, 0.5, 20.0, 1000.0, 0.533_989_342_821_694_1),
            // t/α = 1200: about 40,000 terms.
            (0.5, 0.01, 0.6, 1.2, 12.0, 0.104_517_678_096_648_64),
        ];
        for (r, alpha, a, b, t, want) in cases {
            let got = survival_bgnbd(r, alpha, a, b, t);
            assert!(
                ((got - want) / want).abs() < SURVIVAL_TOL,
                "{r} {alpha} {a} {b} {t}: {got} vs {want}"
            );
        }
        let closed = 10.0 / (0.5 * 12.0) * ((1.0f64 + 12.0 / 10.0).sqrt() - 1.0);
        assert!((survival_bgnbd(0.5, 10.0, 1.0, 1.0, 12.0) - closed).abs() < 1e-14);
        assert_eq!(survival_bgnbd(0.5, 10.0, 1.0, 1.0, 0.0), 1.0);
    }

    /// The share of `n` simulated new customers of `model` alive at `t`:
    /// each draws its `λ` and its dropout (`p` or `μ`), then lives through
    /// its purchases as the model's assumptions say.
    fn simulated_survival(model: &Purchases, t: f64, n: usize, seed: u64) -> f64 {
        let [r, alpha, c, d] = model.params();
        let mut rng = StdRng::seed_from_u64(seed);
        let rate = Gamma::new(r, 1.0 / alpha).unwrap();
        let mut alive = 0usize;
        for _ in 0..n {
            let lambda = rate.sample(&mut rng);
            let survives = match model.kind() {
                ModelKind::ParetoNbd => {
                    let mu = Gamma::new(c, 1.0 / d).unwrap().sample(&mut rng);
                    Exp::new(mu).unwrap().sample(&mut rng) > t
                }
                kind => {
                    let p = Beta::new(c, d).unwrap().sample(&mut rng);
                    // MBG/NBD: the first purchase may be the last.
                    let mut ok = kind != ModelKind::MbgNbd || rng.random::<f64>() >= p;
                    let mut clock = 0.0;
                    let gap = Exp::new(lambda).unwrap();
                    while ok {
                        clock += gap.sample(&mut rng);
                        if clock > t {
                            break;
                        }
                        ok = rng.random::<f64>() >= p;
                    }
                    ok
                }
            };
            alive += usize::from(survives);
        }
        alive as f64 / n as f64
    }

    #[test]
    fn survival_of_a_new_customer_matches_a_simulation_of_each_model() {
        // 100,000 customers: the standard error of a share is at most
        // 0.5/316.2 = 0.0016; five of them is a miss by chance about once
        // in 1.7 million. Forgetting the MBG/NBD's dropout at the first
        // purchase, or using `b` for `b + 1`, is off by 0.02 to 0.2.
        const CUSTOMERS: usize = 100_000;
        const MONTE_CARLO_TOL: f64 = 5.0 * 0.5 / 316.2;
        let cases: [(Purchases, f64); 6] = [
            (BgNbd::new(0.25, 4.0, 0.8, 2.4).unwrap().into(), 365.25),
            (BgNbd::new(2.0, 10.0, 1.0, 3.0).unwrap().into(), 52.0),
            (MbgNbd::new(0.25, 4.0, 0.8, 2.4).unwrap().into(), 365.25),
            (MbgNbd::new(1.5, 20.0, 0.4, 3.0).unwrap().into(), 52.0),
            (ParetoNbd::new(0.5, 10.0, 0.6, 40.0).unwrap().into(), 365.25),
            (ParetoNbd::new(1.0, 5.0, 2.5, 12.0).unwrap().into(), 12.0),
        ];
        for (i, (model, t)) in cases.iter().enumerate() {
            let want = simulated_survival(model, *t, CUSTOMERS, 40 + i as u64);
            let got = model.survival_new(*t);
            assert!(
                (got - want).abs() < MONTE_CARLO_TOL,
                "{model:?} at {t}: formula {got}, simulation {want}"
            );
        }
    }

    #[test]
    fn survival_forms_by_hand() {
        // MBG/NBD with a = b = 1 at b+1 = 2: ₂F₁(r, 1; 3; -x) has the closed
        // form 2/(x²(1-r)(2-r)) · ((1+x)^(2-r) - 1 - (2-r)x) (DLMF 15.4,
        // integrating (1+xs)^-r against 2(1-s) on [0, 1]).
        let (r, alpha, t) = (0.5f64, 10.0, 12.0);
        let x = t / alpha;
        let f =
            2.0 / (x * x * (1.0 - r) * (2.0 - r)) * ((1.0 + x).powf(2.0 - r) - 1.0 - (2.0 - r) * x);
        let m: Purchases = MbgNbd::new(r, alpha, 1.0, 1.0).unwrap().into();
        assert!((m.survival_new(t) - 0.5 * f).abs() < 1e-14);
        let p: Purchases = ParetoNbd::new(0.5, 10.0, 2.0, 30.0).unwrap().into();
        assert!((p.survival_new(10.0) - 0.5625).abs() < 1e-15);
        // Right after the first purchase: MBG/NBD has already lost b/(a+b).
        assert_eq!(m.survival_new(0.0), 0.5);
        assert_eq!(p.survival_new(0.0), 1.0);
        for m in [m, p] {
            assert_eq!(m.survival_floor(t), 0.0);
        }
    }

    #[test]
    fn with_survival_reaches_the_target_in_each_model() {
        const REACHED_TOL: f64 = 1e-10;
        let year = 365.25;
        let models: [Purchases; 3] = [
            BgNbd::new(0.25, 4.0, 0.8, 2.4).unwrap().into(),
            MbgNbd::new(0.25, 4.0, 0.8, 2.4).unwrap().into(),
            ParetoNbd::new(0.5, 10.0, 0.6, 40.0).unwrap().into(),
        ];
        for m in models {
            let before = m.survival_new(year);
            for points in [-20.0, -5.0, 1.0, 5.0, 20.0] {
                let moved = m.with_survival(year, before + points / 100.0).unwrap();
                let after = moved.survival_new(year);
                assert!(
                    (after - before - points / 100.0).abs() < REACHED_TOL,
                    "{m:?} {points}: {before} -> {after}"
                );
                // Only the retention parameter moves.
                assert_eq!(moved.params()[..3], m.params()[..3]);
            }
        }
    }

    #[test]
    fn mbgnbd_expectations_are_the_bgnbd_ones_with_b_plus_one() {
        const EXPECTED_TOL: f64 = 1e-12;
        let m = MbgNbd::new(0.7, 6.0, 1.4, 3.0).unwrap();
        let shop: Purchases = m.into();
        let points = [(0.0, 30.0), (0.0, 365.0), (100.0, 30.0), (250.0, 365.0)];
        for x in [0.0, 2.0] {
            let mut out = [0.0; 4];
            shop.expected_if_alive_at(x, &points, &mut out);
            for (&(observed, t), got) in points.iter().zip(out) {
                let want = m.expected_purchases_if_alive(x, observed, t);
                assert!(
                    (got - want).abs() < EXPECTED_TOL * want.max(1.0),
                    "{x} {observed} {t}: {got} vs {want}"
                );
            }
        }
        let mut out = [0.0; 2];
        shop.expected_new_at(&[30.0, 365.0], &mut out);
        for (t, got) in [30.0, 365.0].into_iter().zip(out) {
            let want = m.expected_purchases_new(t);
            assert!(
                (got - want).abs() < EXPECTED_TOL * want.max(1.0),
                "{t}: {got} vs {want}"
            );
        }
    }
}
