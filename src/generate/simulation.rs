//! The buy-till-you-die process: customers, their purchase times and
//! dropout, guests and returns, drawn from one seeded generator; and the
//! checks on a configuration before it runs.

use std::io;

use chrono::Datelike;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Exp1, Gamma, Poisson};

use super::catalogue::Catalogue;
use super::money::Money;
use super::output::{civil_date, write_events};
use super::{Dropout, GeneratorConfig, GroundTruth, Process, TrueCustomer};
use crate::{Error, Result};

/// Customer index of a guest order.
pub(super) const GUEST: u32 = u32::MAX;
/// The id written for the customer with index 0 (the first id in the UCI data).
pub(super) const CUSTOMER_ID_BASE: u64 = 12346;
pub(super) const SECONDS_PER_DAY: f64 = 86_400.0;
/// Days since 0001-01-01 (chrono's "days from CE" minus one) of 1970-01-01.
pub(super) const UNIX_EPOCH_FROM_CE: i32 = 719_163;
/// Output is handed to the writer in chunks of about this many bytes.
pub(super) const CHUNK: usize = 1 << 16;

pub(super) enum Stop {
    Customers(usize),
    Lines(usize),
}

/// A validated configuration with its distributions built.
pub(super) struct Plan<'a> {
    pub(super) config: &'a GeneratorConfig,
    pub(super) observation_end: f64,
    /// `Gamma(r, 1)`; divide by `alpha` for `lambda`.
    pub(super) lambda_shape: Gamma<f64>,
    pub(super) dropout: DropoutDistribution,
    /// `Gamma(q, 1)`; divide by `gamma` for `nu`.
    pub(super) nu_shape: Gamma<f64>,
    /// `Gamma(p, 1)`; divide by `nu` for an order value.
    pub(super) value_shape: Gamma<f64>,
    pub(super) extra_lines: Option<Poisson<f64>>,
    pub(super) money: Money,
}

pub(super) enum DropoutDistribution {
    Beta(Beta<f64>),
    /// `Gamma(s, 1)`, divided by `beta`.
    Gamma {
        shape: Gamma<f64>,
        beta: f64,
    },
}

/// Something that happens at one moment: an order or the return of part of one.
pub(super) struct Event {
    /// Seconds since `start_day` 00:00.
    pub(super) at: i64,
    pub(super) kind: EventKind,
}

pub(super) enum EventKind {
    Order {
        /// Creation index among orders, the key of a later return.
        order: u32,
        customer: u32,
        lines: u32,
        returned: bool,
    },
    Return {
        order: u32,
        customer: u32,
    },
}

pub(super) struct Simulation {
    pub(super) events: Vec<Event>,
    pub(super) truth: Vec<TrueCustomer>,
    pub(super) orders: usize,
    pub(super) customer_orders: usize,
    pub(super) guest_orders: usize,
    pub(super) return_orders: usize,
    pub(super) planned_lines: usize,
}

pub(super) fn run<W: io::Write + ?Sized>(
    config: &GeneratorConfig,
    stop: Stop,
    out: &mut W,
) -> Result<GroundTruth> {
    let plan = Plan::new(config)?;
    let mut rng = StdRng::seed_from_u64(config.seed);
    let catalogue = Catalogue::new(config, &mut rng)?;
    let mut sim = Simulation {
        events: Vec::new(),
        truth: Vec::new(),
        orders: 0,
        customer_orders: 0,
        guest_orders: 0,
        return_orders: 0,
        planned_lines: 0,
    };
    loop {
        let done = match stop {
            Stop::Customers(n) => sim.truth.len() >= n,
            Stop::Lines(n) => sim.planned_lines >= n,
        };
        if done {
            break;
        }
        if sim.truth.len() >= GUEST as usize - 1 {
            return Err(Error::options(
                "too many lines requested: customer ids ran out",
            ));
        }
        plan.simulate_customer(&mut rng, &mut sim);
        plan.add_guests(&mut rng, &mut sim);
    }
    // Stable: events at the same second keep their creation order, and a
    // return is always at least one second after its order.
    sim.events.sort_by_key(|e| e.at);
    let lines = write_events(&plan, &catalogue, &sim, &mut rng, out)?;
    Ok(GroundTruth {
        per_customer: sim.truth,
        orders: sim.orders,
        guest_orders: sim.guest_orders,
        return_orders: sim.return_orders,
        lines,
    })
}

impl<'a> Plan<'a> {
    fn new(config: &'a GeneratorConfig) -> Result<Plan<'a>> {
        validate(config)?;
        let dist_error = |e: &dyn std::fmt::Display| Error::options(e.to_string());
        let (r, dropout) = match config.process {
            Process::BgNbd { r, a, b, .. } => (
                r,
                DropoutDistribution::Beta(Beta::new(a, b).map_err(|e| dist_error(&e))?),
            ),
            Process::ParetoNbd { r, s, beta, .. } => (
                r,
                DropoutDistribution::Gamma {
                    shape: Gamma::new(s, 1.0).map_err(|e| dist_error(&e))?,
                    beta,
                },
            ),
        };
        let extra = config.mean_lines_per_order - 1.0;
        Ok(Plan {
            config,
            observation_end: f64::from(config.observation_days),
            lambda_shape: Gamma::new(r, 1.0).map_err(|e| dist_error(&e))?,
            dropout,
            nu_shape: Gamma::new(config.spend.q, 1.0).map_err(|e| dist_error(&e))?,
            value_shape: Gamma::new(config.spend.p, 1.0).map_err(|e| dist_error(&e))?,
            extra_lines: if extra > 0.0 {
                Some(Poisson::new(extra).map_err(|e| dist_error(&e))?)
            } else {
                None
            },
            money: Money::new(config.currency_scale),
        })
    }

    fn alpha(&self) -> f64 {
        match self.config.process {
            Process::BgNbd { alpha, .. } | Process::ParetoNbd { alpha, .. } => alpha,
        }
    }

    /// Draws one customer's parameters and purchases and queues their orders.
    fn simulate_customer(&self, rng: &mut StdRng, sim: &mut Simulation) {
        let index = sim.truth.len() as u32;
        let acquired = rng.random::<f64>() * f64::from(self.config.acquisition_days);
        let lambda = self.lambda_shape.sample(rng) / self.alpha();
        let nu = self.nu_shape.sample(rng) / self.config.spend.gamma;
        let mut times = vec![acquired];
        let (dropout, death) = match &self.dropout {
            DropoutDistribution::Beta(beta) => {
                let p = beta.sample(rng);
                let mut t = acquired;
                let mut death = None;
                loop {
                    t += rng.sample::<f64, _>(Exp1) / lambda;
                    if t >= self.observation_end {
                        break;
                    }
                    times.push(t);
                    if rng.random::<f64>() < p {
                        death = Some(t);
                        break;
                    }
                }
                (Dropout::BgNbd { p }, death)
            }
            DropoutDistribution::Gamma { shape, beta } => {
                let mu = shape.sample(rng) / beta;
                let dies_at = acquired + rng.sample::<f64, _>(Exp1) / mu;
                let end = dies_at.min(self.observation_end);
                let mut t = acquired;
                loop {
                    t += rng.sample::<f64, _>(Exp1) / lambda;
                    if t >= end {
                        break;
                    }
                    times.push(t);
                }
                let death = (dies_at < self.observation_end).then_some(dies_at);
                (Dropout::ParetoNbd { mu }, death)
            }
        };
        let mut purchase_days = Vec::with_capacity(times.len());
        for &t in &times {
            let at = seconds(t);
            purchase_days.push(self.day_of(at));
            self.push_order(rng, sim, at, index);
        }
        sim.customer_orders += times.len();
        sim.truth.push(TrueCustomer {
            id: CUSTOMER_ID_BASE + u64::from(index),
            lambda,
            dropout,
            alive_at_end: death.is_none(),
            death_day: death.map(|t| self.day_of(seconds(t))),
            nu,
            purchase_days,
        });
    }

    /// Adds guest orders until they are `guest_share` of all orders.
    fn add_guests(&self, rng: &mut StdRng, sim: &mut Simulation) {
        let share = self.config.guest_share;
        if share <= 0.0 {
            return;
        }
        let wanted = (sim.customer_orders as f64 * share / (1.0 - share)).round() as usize;
        while sim.guest_orders < wanted {
            let at = seconds(rng.random::<f64>() * self.observation_end);
            self.push_order(rng, sim, at, GUEST);
            sim.guest_orders += 1;
        }
    }

    fn push_order(&self, rng: &mut StdRng, sim: &mut Simulation, at: i64, customer: u32) {
        let extra = self.extra_lines.as_ref().map_or(0.0, |d| d.sample(rng));
        let lines = (1.0 + extra).min(self.config.items as f64) as u32;
        let order = sim.orders as u32;
        let returned =
            self.config.return_share > 0.0 && rng.random::<f64>() < self.config.return_share;
        sim.events.push(Event {
            at,
            kind: EventKind::Order {
                order,
                customer,
                lines,
                returned,
            },
        });
        sim.orders += 1;
        sim.planned_lines += lines as usize;
        if returned {
            let end = seconds(self.observation_end) - 1;
            let delay = seconds(rng.random_range(1.0..30.0));
            let return_at = if at + delay <= end {
                at + delay
            } else if at + 1 < end {
                rng.random_range(at + 1..=end)
            } else {
                at + 1
            };
            sim.events.push(Event {
                at: return_at,
                kind: EventKind::Return { order, customer },
            });
            sim.return_orders += 1;
        }
    }

    fn day_of(&self, at: i64) -> i32 {
        self.config.start_day + at.div_euclid(86_400) as i32
    }
}

pub(super) fn seconds(days: f64) -> i64 {
    (days * SECONDS_PER_DAY).floor() as i64
}

pub(super) fn validate(config: &GeneratorConfig) -> Result<()> {
    fn positive(name: &str, value: f64) -> Result<()> {
        if value.is_finite() && value > 0.0 {
            Ok(())
        } else {
            Err(Error::options(format!(
                "{name} must be a positive finite number, got {value}"
            )))
        }
    }
    fn share(name: &str, value: f64, max_inclusive: bool) -> Result<()> {
        let ok = value >= 0.0 && (value < 1.0 || (max_inclusive && value == 1.0));
        if ok {
            Ok(())
        } else {
            let range = if max_inclusive { "[0, 1]" } else { "[0, 1)" };
            Err(Error::options(format!(
                "{name} must be in {range}, got {value}"
            )))
        }
    }
    match config.process {
        Process::BgNbd { r, alpha, a, b } => {
            positive("process.r", r)?;
            positive("process.alpha", alpha)?;
            positive("process.a", a)?;
            positive("process.b", b)?;
        }
        Process::ParetoNbd { r, alpha, s, beta } => {
            positive("process.r", r)?;
            positive("process.alpha", alpha)?;
            positive("process.s", s)?;
            positive("process.beta", beta)?;
        }
    }
    positive("spend.p", config.spend.p)?;
    positive("spend.q", config.spend.q)?;
    positive("spend.gamma", config.spend.gamma)?;
    positive("currency_scale", config.currency_scale)?;
    if config.acquisition_days == 0 {
        return Err(Error::options("acquisition_days must be at least 1, got 0"));
    }
    if config.observation_days < config.acquisition_days {
        return Err(Error::options(format!(
            "observation_days ({}) must be at least acquisition_days ({})",
            config.observation_days, config.acquisition_days
        )));
    }
    let last_day = i64::from(config.start_day) + i64::from(config.observation_days);
    for day in [i64::from(config.start_day), last_day] {
        let in_range = i32::try_from(day)
            .ok()
            .and_then(civil_date)
            .is_some_and(|d| (1..=9999).contains(&d.year()));
        if !in_range {
            return Err(Error::options(format!(
                "start_day {} with observation_days {} leaves the years 1 to 9999",
                config.start_day, config.observation_days
            )));
        }
    }
    if config.items == 0 || config.items >= u32::MAX as usize {
        return Err(Error::options(format!(
            "items must be between 1 and {}, got {}",
            u32::MAX - 1,
            config.items
        )));
    }
    if config.groups == 0 || config.groups > config.items {
        return Err(Error::options(format!(
            "groups must be between 1 and items ({}), got {}",
            config.items, config.groups
        )));
    }
    if !(config.zipf_exponent.is_finite() && config.zipf_exponent >= 0.0) {
        return Err(Error::options(format!(
            "zipf_exponent must be a finite number >= 0, got {}",
            config.zipf_exponent
        )));
    }
    if !(config.mean_lines_per_order >= 1.0 && config.mean_lines_per_order <= 1000.0) {
        return Err(Error::options(format!(
            "mean_lines_per_order must be in [1, 1000], got {}",
            config.mean_lines_per_order
        )));
    }
    share("group_affinity", config.group_affinity, true)?;
    share("guest_share", config.guest_share, false)?;
    share("return_share", config.return_share, true)?;
    share("repeat_share", config.repeat_share, true)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    use crate::generate::tests::{parse_csv, run_to_string};
    use crate::generate::{generate, generate_lines, Spend};
    use crate::ErrorKind;

    #[test]
    fn invalid_configs_are_option_errors() {
        let base = GeneratorConfig::default();
        let cases: Vec<(GeneratorConfig, &str)> = vec![
            (
                GeneratorConfig {
                    customers: 0,
                    ..base.clone()
                },
                "customers must be at least 1, got 0",
            ),
            (
                GeneratorConfig {
                    process: Process::BgNbd {
                        r: 0.25,
                        alpha: -4.0,
                        a: 0.8,
                        b: 2.4,
                    },
                    ..base.clone()
                },
                "process.alpha must be a positive finite number, got -4",
            ),
            (
                GeneratorConfig {
                    process: Process::ParetoNbd {
                        r: 0.5,
                        alpha: 10.0,
                        s: f64::NAN,
                        beta: 10.0,
                    },
                    ..base.clone()
                },
                "process.s must be a positive finite number, got NaN",
            ),
            (
                GeneratorConfig {
                    spend: Spend {
                        p: 6.0,
                        q: 0.0,
                        gamma: 15.0,
                    },
                    ..base.clone()
                },
                "spend.q must be a positive finite number, got 0",
            ),
            (
                GeneratorConfig {
                    groups: 501,
                    ..base.clone()
                },
                "groups must be between 1 and items (500), got 501",
            ),
            (
                GeneratorConfig {
                    guest_share: 1.0,
                    ..base.clone()
                },
                "guest_share must be in [0, 1), got 1",
            ),
            (
                GeneratorConfig {
                    return_share: -0.1,
                    ..base.clone()
                },
                "return_share must be in [0, 1], got -0.1",
            ),
            (
                GeneratorConfig {
                    repeat_share: 1.5,
                    ..base.clone()
                },
                "repeat_share must be in [0, 1], got 1.5",
            ),
            (
                GeneratorConfig {
                    observation_days: 100,
                    ..base.clone()
                },
                "observation_days (100) must be at least acquisition_days (365)",
            ),
            (
                GeneratorConfig {
                    mean_lines_per_order: 0.5,
                    ..base.clone()
                },
                "mean_lines_per_order must be in [1, 1000], got 0.5",
            ),
            (
                GeneratorConfig {
                    start_day: i32::MAX - 10,
                    ..base.clone()
                },
                "start_day 2147483637 with observation_days 730 leaves the years 1 to 9999",
            ),
        ];
        for (config, message) in cases {
            let err = generate(&config, &mut Vec::new()).unwrap_err();
            assert_eq!(
                err.kind(),
                &ErrorKind::Options {
                    message: message.to_owned()
                }
            );
        }
        // generate_lines does not need customers.
        let config = GeneratorConfig {
            customers: 0,
            ..base
        };
        assert!(generate_lines(&config, 10, &mut Vec::new()).is_ok());
    }

    /// Gaussian hypergeometric function by its power series; converges for
    /// `|z| < 1` (slowly near 1: a few thousand terms at z = 0.995).
    fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
        let mut term = 1.0;
        let mut sum = 1.0;
        for n in 0..1_000_000 {
            let n = f64::from(n);
            term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
            sum += term;
            if term.abs() < 1e-16 * sum.abs() {
                break;
            }
        }
        sum
    }

    /// BG/NBD expected repeat purchases in `(0, t]` of a new customer,
    /// Fader, Hardie and Lee (2005), equation 9.
    fn bgnbd_expected_repeats(r: f64, alpha: f64, a: f64, b: f64, t: f64) -> f64 {
        let z = t / (alpha + t);
        (a + b - 1.0) / (a - 1.0)
            * (1.0 - (alpha / (alpha + t)).powf(r) * hyp2f1(r, b, a + b - 1.0, z))
    }

    /// The same expectation by a route of its own: given `lambda` and `p`,
    /// `E[X(t)] = (1 - exp(-lambda p t)) / p` (FHL 2005, eq. 7); averaging over
    /// `lambda ~ Gamma(r, alpha)` gives `(1 - (alpha / (alpha + p t))^r) / p`,
    /// then over `p ~ Beta(a, b)` numerically, with `p = u^(1/a)` to remove the
    /// density's singularity at 0 (Simpson's rule).
    fn bgnbd_expected_repeats_by_integral(r: f64, alpha: f64, a: f64, b: f64, t: f64) -> f64 {
        let steps = 200_000;
        let h = 1.0 / f64::from(steps);
        let (mut numerator, mut denominator) = (0.0, 0.0);
        for i in 0..=steps {
            let weight = if i == 0 || i == steps {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            let p = (f64::from(i) * h).powf(1.0 / a);
            let density = (1.0 - p).powf(b - 1.0);
            let given_p = if p == 0.0 {
                r * t / alpha
            } else {
                (1.0 - (alpha / (alpha + p * t)).powf(r)) / p
            };
            numerator += weight * given_p * density;
            denominator += weight * density;
        }
        numerator / denominator
    }

    #[test]
    fn bgnbd_expectation_formulas_agree() {
        // (r, alpha, a, b): the defaults; FHL 2005's CDNOW estimates (weeks);
        // and a case with a > 1.
        const RELATIVE: f64 = 1e-6;
        let cases = [
            (0.25, 4.0, 0.8, 2.4, [1.0, 30.0, 365.0, 730.0]),
            (0.243, 4.414, 0.793, 2.426, [1.0, 39.0, 78.0, 200.0]),
            (1.5, 10.0, 1.5, 3.0, [0.5, 10.0, 100.0, 1000.0]),
        ];
        for (r, alpha, a, b, times) in cases {
            for t in times {
                let series = bgnbd_expected_repeats(r, alpha, a, b, t);
                let integral = bgnbd_expected_repeats_by_integral(r, alpha, a, b, t);
                let error = (series - integral).abs() / integral;
                assert!(error < RELATIVE, "t={t}: {series} vs {integral}");
            }
        }
    }

    /// Repeat purchases and the customer's time of observation `T`, in days.
    ///
    /// `T` runs from the first purchase to the end of observation; the day of
    /// the first purchase is known, its time of day is not, so half a day is
    /// taken off: the error, under half a day, moves `E[X(T)]` by about 0.002
    /// here, far inside the tolerances below.
    fn repeats_and_ages(config: &GeneratorConfig, truth: &GroundTruth) -> Vec<(f64, f64)> {
        let end = f64::from(config.start_day) + f64::from(config.observation_days);
        truth
            .per_customer
            .iter()
            .map(|c| {
                let repeats = (c.purchase_days.len() - 1) as f64;
                (repeats, end - f64::from(c.purchase_days[0]) - 0.5)
            })
            .collect()
    }

    /// Number of standard errors allowed between a sample mean and its
    /// expectation: with a fixed seed the test is deterministic, and 4 standard
    /// errors would fail by chance with probability 6e-5 for a new seed.
    const STANDARD_ERRORS: f64 = 4.0;

    /// Asserts that `observed` has mean `expected` within STANDARD_ERRORS
    /// standard errors of the differences.
    fn assert_mean_close(what: &str, observed: &[f64], expected: &[f64]) {
        let n = observed.len() as f64;
        let differences: Vec<f64> = observed.iter().zip(expected).map(|(o, e)| o - e).collect();
        let bias = differences.iter().sum::<f64>() / n;
        let variance = differences.iter().map(|d| (d - bias).powi(2)).sum::<f64>() / (n - 1.0);
        let standard_error = (variance / n).sqrt();
        let mean_expected = expected.iter().sum::<f64>() / n;
        assert!(
            bias.abs() < STANDARD_ERRORS * standard_error,
            "{what}: observed mean {} vs expected {mean_expected} (standard error {standard_error})",
            mean_expected + bias,
        );
    }

    #[test]
    fn bgnbd_repeat_purchases_match_the_theory() {
        let config = GeneratorConfig {
            customers: 20_000,
            seed: 2005,
            ..GeneratorConfig::default()
        };
        let Process::BgNbd { r, alpha, a, b } = config.process else {
            unreachable!()
        };
        let truth = generate(&config, &mut io::sink()).unwrap();
        let customers = repeats_and_ages(&config, &truth);
        // T takes one value per acquisition day: evaluate the series once each.
        let mut memo: HashMap<u64, f64> = HashMap::new();
        let mut expected = |t: f64| {
            *memo
                .entry(t.to_bits())
                .or_insert_with(|| bgnbd_expected_repeats(r, alpha, a, b, t))
        };
        let observed: Vec<f64> = customers.iter().map(|c| c.0).collect();
        let theory: Vec<f64> = customers.iter().map(|c| expected(c.1)).collect();
        assert_mean_close("mean repeat purchases", &observed, &theory);
        // P(X(t) = 0) = (alpha / (alpha + t))^r: no dropout before a repeat.
        let zero: Vec<f64> = customers.iter().map(|c| f64::from(c.0 == 0.0)).collect();
        let zero_theory: Vec<f64> = customers
            .iter()
            .map(|c| (alpha / (alpha + c.1)).powf(r))
            .collect();
        assert_mean_close("share with no repeat purchase", &zero, &zero_theory);
        // Dead customers die at their last purchase.
        for c in &truth.per_customer {
            if let Some(day) = c.death_day {
                assert!(!c.alive_at_end && c.purchase_days.len() > 1);
                assert_eq!(c.purchase_days.last(), Some(&day));
            }
        }
    }

    #[test]
    fn pareto_nbd_repeat_purchases_match_the_theory() {
        let (r, alpha, s, beta) = (0.5, 20.0, 0.8, 60.0);
        let config = GeneratorConfig {
            customers: 20_000,
            process: Process::ParetoNbd { r, alpha, s, beta },
            seed: 1987,
            ..GeneratorConfig::default()
        };
        let truth = generate(&config, &mut io::sink()).unwrap();
        let customers = repeats_and_ages(&config, &truth);
        // Schmittlein, Morrison and Colombo (1987), E[X(t)]:
        // r beta / (alpha (s - 1)) * (1 - (beta / (beta + t))^(s - 1)).
        let observed: Vec<f64> = customers.iter().map(|c| c.0).collect();
        let theory: Vec<f64> = customers
            .iter()
            .map(|&(_, t)| {
                r * beta / (alpha * (s - 1.0)) * (1.0 - (beta / (beta + t)).powf(s - 1.0))
            })
            .collect();
        assert_mean_close("mean repeat purchases", &observed, &theory);
    }

    #[test]
    fn order_values_and_sizes_match_the_spend_model() {
        let config = GeneratorConfig {
            customers: 5_000,
            seed: 11,
            ..GeneratorConfig::default()
        };
        let (text, _) = run_to_string(&config);
        // order id -> (customer, value in cents, lines)
        let mut orders: HashMap<String, (String, i64, usize)> = HashMap::new();
        for row in &parse_csv(&text)[1..] {
            let cents = (row[7].parse::<f64>().unwrap() * 100.0).round() as i64;
            let entry = orders
                .entry(row[0].clone())
                .or_insert((row[1].clone(), 0, 0));
            entry.1 += cents;
            entry.2 += 1;
        }
        // Customers are independent, their orders share nu: compare each
        // customer's mean order value with E[z] = p gamma / (q - 1) = 30.
        let mut per_customer: HashMap<&str, (f64, f64)> = HashMap::new();
        for (customer, cents, _) in orders.values() {
            let entry = per_customer.entry(customer).or_default();
            entry.0 += *cents as f64 / 100.0;
            entry.1 += 1.0;
        }
        let means: Vec<f64> = per_customer.values().map(|(sum, n)| sum / n).collect();
        let Spend { p, q, gamma } = config.spend;
        assert_mean_close(
            "mean order value",
            &means,
            &vec![p * gamma / (q - 1.0); means.len()],
        );
        // Lines per order are 1 + Poisson(1.5).
        let lines: Vec<f64> = orders.values().map(|o| o.2 as f64).collect();
        assert_mean_close(
            "lines per order",
            &lines,
            &vec![config.mean_lines_per_order; lines.len()],
        );
    }

    #[test]
    fn guest_and_return_shares_are_as_configured() {
        let config = GeneratorConfig {
            customers: 3_000,
            guest_share: 0.25,
            return_share: 0.1,
            ..GeneratorConfig::default()
        };
        let truth = generate(&config, &mut io::sink()).unwrap();
        let guests = truth.guest_orders as f64 / truth.orders as f64;
        assert!((guests - 0.25).abs() < 0.001, "{guests}");
        let returns = truth.return_orders as f64 / truth.orders as f64;
        let standard_error = (0.1 * 0.9 / truth.orders as f64).sqrt();
        assert!((returns - 0.1).abs() < STANDARD_ERRORS * standard_error);
    }
}
