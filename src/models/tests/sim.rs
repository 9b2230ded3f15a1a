//! A small seeded simulator of the models' generative stories, for
//! simulate-and-recover tests and the golden fixtures.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Exp, Gamma};

/// One simulated customer: `(x, t_x, T)` and the mean repeat spend.
#[derive(Debug, Clone, Copy)]
pub struct Customer {
    pub frequency: f64,
    pub recency: f64,
    pub t: f64,
    pub monetary_value: f64,
}

/// Which dropout process to simulate.
#[derive(Debug, Clone, Copy)]
#[allow(clippy::enum_variant_names)] // the models' names
pub enum Process {
    /// BG/NBD: dropout with probability `p ~ Beta(a, b)` after each repeat purchase.
    BgNbd { r: f64, alpha: f64, a: f64, b: f64 },
    /// MBG/NBD: as BG/NBD, and also right after the first purchase.
    MbgNbd { r: f64, alpha: f64, a: f64, b: f64 },
    /// Pareto/NBD: exponential lifetime with rate `μ ~ Gamma(s, β)`.
    ParetoNbd {
        r: f64,
        alpha: f64,
        s: f64,
        beta: f64,
    },
}

/// Gamma-Gamma spend: `ν ~ Gamma(q, γ)`, each order `~ Gamma(p, ν)` (rates).
#[derive(Debug, Clone, Copy)]
pub struct SpendProcess {
    pub p: f64,
    pub q: f64,
    pub gamma: f64,
}

/// Simulates `n` customers whose ages `T` are uniform on `[t_min, t_max]`,
/// rounded to 6 decimals (times are continuous; rounding keeps the CSV
/// fixtures exact).
pub fn purchases(
    process: Process,
    spend: SpendProcess,
    n: usize,
    t_min: f64,
    t_max: f64,
    seed: u64,
) -> Vec<Customer> {
    let mut rng = StdRng::seed_from_u64(seed);
    let spend_rate = Gamma::new(spend.q, 1.0 / spend.gamma).unwrap();
    let round = |v: f64| (v * 1e6).round() / 1e6;
    (0..n)
        .map(|_| {
            let t = round(t_min + (t_max - t_min) * rng.random::<f64>());
            let (r, alpha) = match process {
                Process::BgNbd { r, alpha, .. }
                | Process::MbgNbd { r, alpha, .. }
                | Process::ParetoNbd { r, alpha, .. } => (r, alpha),
            };
            let lambda: f64 = Gamma::new(r, 1.0 / alpha).unwrap().sample(&mut rng);
            let mut x = 0.0;
            let mut tx = 0.0;
            match process {
                Process::BgNbd { a, b, .. } | Process::MbgNbd { a, b, .. } => {
                    let p: f64 = Beta::new(a, b).unwrap().sample(&mut rng);
                    let dies_at_start =
                        matches!(process, Process::MbgNbd { .. }) && rng.random::<f64>() < p;
                    if !dies_at_start && lambda > 0.0 {
                        let wait = Exp::new(lambda).unwrap();
                        let mut now = 0.0;
                        loop {
                            now += wait.sample(&mut rng);
                            if now > t {
                                break;
                            }
                            x += 1.0;
                            tx = now;
                            if rng.random::<f64>() < p {
                                break;
                            }
                        }
                    }
                }
                Process::ParetoNbd { s, beta, .. } => {
                    let mu: f64 = Gamma::new(s, 1.0 / beta).unwrap().sample(&mut rng);
                    let death = Exp::new(mu).unwrap().sample(&mut rng);
                    let end = death.min(t);
                    if lambda > 0.0 {
                        let wait = Exp::new(lambda).unwrap();
                        let mut now = 0.0;
                        loop {
                            now += wait.sample(&mut rng);
                            if now > end {
                                break;
                            }
                            x += 1.0;
                            tx = now;
                        }
                    }
                }
            }
            let nu: f64 = spend_rate.sample(&mut rng);
            let order = Gamma::new(spend.p, 1.0 / nu).unwrap();
            let monetary_value = if x > 0.0 {
                let total: f64 = (0..x as usize).map(|_| order.sample(&mut rng)).sum();
                round(total / x)
            } else {
                0.0
            };
            let tx = round(tx).min(t);
            Customer {
                frequency: x,
                recency: if x > 0.0 { tx } else { 0.0 },
                t,
                monetary_value,
            }
        })
        .collect()
}

/// Simulates `n` BG/BB customers over `opportunities` transaction opportunities:
/// at each opportunity an alive customer first dies with probability
/// `θ ~ Beta(gamma, delta)`, then buys with probability `p ~ Beta(alpha, beta)`.
/// Returns `(x, t_x, n)`.
pub fn bgbb(
    alpha: f64,
    beta: f64,
    gamma: f64,
    delta: f64,
    opportunities: u32,
    n: usize,
    seed: u64,
) -> Vec<(u32, u32, u32)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let p_dist = Beta::new(alpha, beta).unwrap();
    let theta_dist = Beta::new(gamma, delta).unwrap();
    (0..n)
        .map(|_| {
            let p: f64 = p_dist.sample(&mut rng);
            let theta: f64 = theta_dist.sample(&mut rng);
            let (mut x, mut tx) = (0, 0);
            for j in 1..=opportunities {
                if rng.random::<f64>() < theta {
                    break;
                }
                if rng.random::<f64>() < p {
                    x += 1;
                    tx = j;
                }
            }
            (x, tx, opportunities)
        })
        .collect()
}

/// Simulates a cohort of `n` under the shifted-beta-geometric model and
/// returns how many are still active at the start (`[0]` = `n`) and after each
/// of `periods` periods.
pub fn sbg(alpha: f64, beta: f64, n: usize, periods: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let theta_dist = Beta::new(alpha, beta).unwrap();
    let mut active = vec![0.0; periods + 1];
    for _ in 0..n {
        let theta: f64 = theta_dist.sample(&mut rng);
        active[0] += 1.0;
        for slot in active.iter_mut().skip(1) {
            if rng.random::<f64>() < theta {
                break;
            }
            *slot += 1.0;
        }
    }
    active
}
