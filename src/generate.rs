//! A seeded generator of synthetic order-line CSVs with known ground truth.
//!
//! Tests and benchmarks use it to produce shop exports of any size whose
//! customers follow a known buy-till-you-die process, so that fitted models can
//! be checked against the parameters that made the data.
//!
//! # The process
//!
//! Each customer is acquired at a time drawn uniformly over the first
//! [`GeneratorConfig::acquisition_days`] days and makes a first purchase then.
//! Repeat purchases follow the configured [`Process`] until the end of the
//! observation period:
//!
//! * BG/NBD (Fader, Hardie and Lee 2005, "Counting your customers the easy
//!   way", *Marketing Science* 24(2)): `lambda ~ Gamma(r, rate alpha)`,
//!   `p ~ Beta(a, b)`; inter-purchase times are `Exp(lambda)` days and after
//!   each *repeat* purchase the customer drops out with probability `p` (no
//!   dropout at the first purchase, as in the paper's likelihood).
//! * Pareto/NBD (Schmittlein, Morrison and Colombo 1987): `lambda ~ Gamma(r,
//!   rate alpha)`, `mu ~ Gamma(s, rate beta)`, lifetime `~ Exp(mu)` days from
//!   acquisition.
//!
//! Order values follow the Gamma-Gamma spend model (Fader, Hardie and Lee 2005,
//! "RFM and CLV: using iso-value curves for customer base analysis", *JMR*
//! 42(4)): `nu ~ Gamma(q, rate gamma)` per customer and each order's value
//! `z ~ Gamma(p, rate nu)`, so the mean order value is `p * gamma / (q - 1)`
//! (30 with the defaults) times [`GeneratorConfig::currency_scale`].
//!
//! # The catalogue
//!
//! Item `i` (0-based; written as `SKU-{i+1:05}`) has Zipf popularity rank
//! `i + 1` and belongs to co-purchase group `i % groups`. The first line of an
//! order is drawn from the whole catalogue; every further line comes from the
//! first line's group with probability `group_affinity` (Zipf within the
//! group), else from the whole catalogue. Items within an order are distinct.
//! Quantities are mostly 1. The order's value is split over its lines in
//! proportion to each item's log-normal price weight, so an item's unit price
//! varies between orders (as with discounts); line totals add up to the order
//! value up to rounding of the unit prices.
//!
//! # Determinism
//!
//! All randomness comes from one [`StdRng`] seeded with
//! [`GeneratorConfig::seed`]: the same configuration gives the same bytes with
//! the same build of the crate and its dependencies. The format and encoding
//! change how the data is written, not the data.
//!
//! ```
//! use ltvlab::generate::{generate, GeneratorConfig};
//!
//! let config = GeneratorConfig { customers: 50, seed: 7, ..GeneratorConfig::default() };
//! let mut csv = Vec::new();
//! let truth = generate(&config, &mut csv)?;
//! assert_eq!(truth.per_customer.len(), 50);
//! assert!(csv.starts_with(b"order_id,customer_id,order_date,item_id,"));
//! # Ok::<(), ltvlab::Error>(())
//! ```

use std::collections::HashMap;
use std::io;

use chrono::{Datelike, NaiveDate};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Exp1, Gamma, LogNormal, Poisson, Zipf};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Parameters of the buy-till-you-die process, the spend model, the catalogue
/// and the output.
///
/// Deserializing fills missing fields from [`GeneratorConfig::default`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GeneratorConfig {
    /// Number of customers (default 1000). [`generate_lines`] ignores it.
    pub customers: usize,
    /// Day of the first possible acquisition, in days since 1970-01-01
    /// (default 19358, 2023-01-01). The observation period starts then too.
    pub start_day: i32,
    /// Customers are acquired uniformly over this many days from `start_day`
    /// (default 365).
    pub acquisition_days: u32,
    /// Length of the observation period from `start_day`, in days (default
    /// 730); nothing happens after it. At least `acquisition_days`.
    pub observation_days: u32,
    /// The purchase and dropout process (default BG/NBD with `r = 0.25`,
    /// `alpha = 4.0`, `a = 0.8`, `b = 2.4`, rates per day).
    pub process: Process,
    /// The Gamma-Gamma spend model (default `p = 6`, `q = 4`, `gamma = 15`).
    pub spend: Spend,
    /// Multiplies every order value (default 1.0; 150 gives yen-like numbers).
    /// At 100 or more amounts are whole units (yen, currency `JPY`), below it
    /// they are cents (currency `USD`).
    pub currency_scale: f64,
    /// Catalogue size (default 500).
    pub items: usize,
    /// Zipf exponent of item popularity (default 1.1; 0 is uniform).
    pub zipf_exponent: f64,
    /// Number of co-purchase groups, at most `items` (default 20).
    pub groups: usize,
    /// Probability that a further line of an order comes from the first line's
    /// group (default 0.6).
    pub group_affinity: f64,
    /// Mean number of lines per order; lines are `1 + Poisson(mean - 1)`,
    /// capped at `items` (default 2.5, at most 1000).
    pub mean_lines_per_order: f64,
    /// Share of all orders placed by guests without a customer id (default
    /// 0.0, below 1). Guest orders come on top of the customers' orders and are
    /// not part of the ground truth.
    pub guest_share: f64,
    /// Share of orders partly returned within 30 days (default 0.0). A return
    /// is its own order with negative quantities, dated before the end of the
    /// observation period.
    pub return_share: f64,
    /// The CSV dialect (default [`OutputFormat::Plain`]).
    pub format: OutputFormat,
    /// The byte encoding (default [`OutputEncoding::Utf8`]).
    pub encoding: OutputEncoding,
    /// Product and billing names mix Japanese and English (default true);
    /// false gives English only.
    pub japanese_names: bool,
    /// Seed of the one random number generator.
    pub seed: u64,
}

/// The purchase and dropout process of each customer.
///
/// Rates are per day: `alpha` and `beta` are in days.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum Process {
    /// BG/NBD (Fader, Hardie and Lee 2005): `lambda ~ Gamma(r, rate alpha)`,
    /// dropout after each repeat purchase with `p ~ Beta(a, b)`.
    BgNbd {
        /// Shape of the purchase-rate distribution.
        r: f64,
        /// Rate (inverse scale, in days) of the purchase-rate distribution.
        alpha: f64,
        /// First shape of the dropout-probability distribution.
        a: f64,
        /// Second shape of the dropout-probability distribution.
        b: f64,
    },
    /// Pareto/NBD (Schmittlein, Morrison and Colombo 1987): `lambda ~ Gamma(r,
    /// rate alpha)`, lifetime `~ Exp(mu)` with `mu ~ Gamma(s, rate beta)`.
    ParetoNbd {
        /// Shape of the purchase-rate distribution.
        r: f64,
        /// Rate (inverse scale, in days) of the purchase-rate distribution.
        alpha: f64,
        /// Shape of the dropout-rate distribution.
        s: f64,
        /// Rate (inverse scale, in days) of the dropout-rate distribution.
        beta: f64,
    },
}

/// The Gamma-Gamma spend model (Fader, Hardie and Lee 2005, RFM and CLV).
///
/// # Formula
///
/// `nu ~ Gamma(q, rate gamma)` per customer, order value `z ~ Gamma(p, rate
/// nu)`; `E[z] = p * gamma / (q - 1)` for `q > 1`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spend {
    /// Shape of the order-value distribution.
    pub p: f64,
    /// Shape of the spend-scale distribution.
    pub q: f64,
    /// Rate of the spend-scale distribution.
    pub gamma: f64,
}

/// The CSV dialect written; see [`OutputFormat::header`] for the columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    /// One row per line with `YYYY-MM-DD HH:MM:SS` dates; returns have
    /// negative quantities and line totals.
    #[default]
    Plain,
    /// A subset of Shopify's orders export: one row per line item, order-level
    /// fields only on an order's first row, `Name` like `#1001`, `Created at`
    /// like `2024-01-05 13:45:00 +0900`, `Email` like `c12346@example.com`
    /// (empty for guests). Returns are orders with financial status `refunded`
    /// and negative quantities.
    ///
    /// `Email` and `Created at` are blank on follow-up rows too, although real
    /// exports repeat them: a reader that fills order fields down from the
    /// first row handles both.
    Shopify,
    /// The UCI "Online Retail II" layout: 6-digit invoices, returns as invoices
    /// starting with `C` with negative quantities, customer ids like `12346.0`,
    /// a blank customer id for guests, minute-precision dates.
    UciOnlineRetail,
}

/// The byte encoding of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputEncoding {
    /// UTF-8 without a byte-order mark.
    #[default]
    Utf8,
    /// Shift_JIS as encoded by `encoding_rs`.
    ShiftJis,
}

/// The parameters behind the generated data, kept so tests can check recovery.
#[derive(Debug, Clone, PartialEq)]
pub struct GroundTruth {
    /// One entry per customer, in id order.
    pub per_customer: Vec<TrueCustomer>,
    /// Orders written, customers' and guests', not counting returns.
    pub orders: usize,
    /// Of those, orders without a customer id.
    pub guest_orders: usize,
    /// Return orders written (negative quantities).
    pub return_orders: usize,
    /// Data rows written, the header excluded.
    pub lines: usize,
}

/// The latent parameters and purchase history of one customer.
#[derive(Debug, Clone, PartialEq)]
pub struct TrueCustomer {
    /// The customer id as a number: `12346` is written `12346` (plain),
    /// `c12346@example.com` (Shopify) or `12346.0` (UCI).
    pub id: u64,
    /// Purchase rate per day.
    pub lambda: f64,
    /// The dropout parameter.
    pub dropout: Dropout,
    /// Whether the customer is still active at the end of the observation period.
    pub alive_at_end: bool,
    /// The day (days since 1970-01-01) the customer dropped out, if before the end.
    pub death_day: Option<i32>,
    /// The Gamma-Gamma spend scale: orders average `p / nu` before `currency_scale`.
    pub nu: f64,
    /// Days (since 1970-01-01) of every purchase, the first one included, in order.
    pub purchase_days: Vec<i32>,
}

/// A customer's true dropout parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dropout {
    /// BG/NBD: probability of dropping out after each repeat purchase.
    BgNbd {
        /// The dropout probability.
        p: f64,
    },
    /// Pareto/NBD: dropout rate per day.
    ParetoNbd {
        /// The dropout rate.
        mu: f64,
    },
}

impl Default for GeneratorConfig {
    fn default() -> GeneratorConfig {
        GeneratorConfig {
            customers: 1000,
            start_day: 19358,
            acquisition_days: 365,
            observation_days: 730,
            process: Process::BgNbd {
                r: 0.25,
                alpha: 4.0,
                a: 0.8,
                b: 2.4,
            },
            spend: Spend {
                p: 6.0,
                q: 4.0,
                gamma: 15.0,
            },
            currency_scale: 1.0,
            items: 500,
            zipf_exponent: 1.1,
            groups: 20,
            group_affinity: 0.6,
            mean_lines_per_order: 2.5,
            guest_share: 0.0,
            return_share: 0.0,
            format: OutputFormat::Plain,
            encoding: OutputEncoding::Utf8,
            japanese_names: true,
            seed: 0,
        }
    }
}

impl OutputFormat {
    /// The header row of this format, without the line break.
    pub fn header(self) -> &'static str {
        match self {
            OutputFormat::Plain => {
                "order_id,customer_id,order_date,item_id,item_name,quantity,unit_price,line_total"
            }
            OutputFormat::Shopify => {
                "Name,Email,Financial Status,Paid at,Fulfillment Status,Currency,Subtotal,\
                 Shipping,Taxes,Total,Discount Code,Discount Amount,Created at,\
                 Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,\
                 Billing Name,Billing Country"
            }
            OutputFormat::UciOnlineRetail => {
                "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country"
            }
        }
    }
}

/// Writes an order-line CSV for `config.customers` customers into `out` and
/// returns the ground truth.
///
/// Rows are in chronological order, the header first, lines ending in `\n`.
///
/// # Errors
///
/// An [`ErrorKind::Options`](crate::ErrorKind::Options) error if the
/// configuration is invalid (no customers, a non-positive or non-finite model
/// parameter, a share outside its range, more groups than items, ...), and an
/// [`ErrorKind::Input`](crate::ErrorKind::Input) error if `out` fails.
pub fn generate<W: io::Write + ?Sized>(
    config: &GeneratorConfig,
    out: &mut W,
) -> Result<GroundTruth> {
    if config.customers == 0 {
        return Err(Error::options("customers must be at least 1, got 0"));
    }
    if config.customers >= GUEST as usize {
        return Err(Error::options(format!(
            "customers must be below {GUEST}, got {}",
            config.customers
        )));
    }
    let customers = config.customers;
    run(config, Stop::Customers(customers), out)
}

/// Writes order lines into `out` until at least `lines` data rows are written,
/// adding customers as needed, and returns the ground truth.
///
/// Meant for benchmarks of 10k to 10M lines; `config.customers` is ignored.
/// The customers are those [`generate`] would make with the same seed, one
/// after the other, until their orders reach `lines` rows; the last customer
/// may overshoot, and returns add rows on top.
///
/// # Errors
///
/// As [`generate`], except that `customers` is not checked.
pub fn generate_lines<W: io::Write + ?Sized>(
    config: &GeneratorConfig,
    lines: usize,
    out: &mut W,
) -> Result<GroundTruth> {
    run(config, Stop::Lines(lines), out)
}

/// A random small shop, as small merchants' exports look: [`small_shop`].
#[derive(Debug, Clone, PartialEq)]
pub struct SmallShop {
    /// The generator configuration (its `customers` is ignored: see `lines`).
    pub config: GeneratorConfig,
    /// Data rows to write with [`generate_lines`], 20 to 2,000.
    pub lines: usize,
}

impl SmallShop {
    /// Writes the shop's order lines into `out` ([`generate_lines`] with
    /// [`SmallShop::lines`]) and returns the ground truth.
    ///
    /// # Errors
    ///
    /// As [`generate_lines`].
    pub fn generate<W: io::Write + ?Sized>(&self, out: &mut W) -> Result<GroundTruth> {
        generate_lines(&self.config, self.lines, out)
    }
}

/// A seeded random small shop: 20 to 2,000 order lines (log-uniform), most
/// customers buying once, few repeaters, a span of 2 months to 2 years, and
/// often almost no evidence of dropout, the data on which maximum-likelihood
/// fits run to their parameter bounds.
///
/// # The profile
///
/// Drawn from `StdRng::seed_from_u64(seed)`:
///
/// * observation (and acquisition) span: 60 to 730 days, uniform;
/// * purchase rate: `r` 0.05 to 0.6 (log-uniform) and a mean rate `r/alpha`
///   of one repeat purchase per 150 to 3,000 days (log-uniform), so that 60
///   to 95% of customers buy once;
/// * dropout: half the shops BG/NBD with `a` 0.05 to 1.5 and `b` 0.5 to 60
///   (log-uniform; `a` small and `b` large means almost no dropout), the
///   other half Pareto/NBD with `s` 0.05 to 2 and a mean lifetime
///   `beta/s` of 30 to 100,000 days (log-uniform);
/// * 1 to 2.5 lines per order, 30 to 300 items, a third of the shops in
///   yen, a fifth of them Shopify exports.
///
/// ```
/// use ltvlab::generate::small_shop;
///
/// let shop = small_shop(3);
/// let mut csv = Vec::new();
/// let truth = shop.generate(&mut csv)?;
/// assert!((20..=2_000).contains(&shop.lines));
/// assert!(truth.lines >= shop.lines);
/// # Ok::<(), ltvlab::Error>(())
/// ```
pub fn small_shop(seed: u64) -> SmallShop {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut log_uniform =
        |lo: f64, hi: f64| -> f64 { (lo.ln() + rng.random::<f64>() * (hi.ln() - lo.ln())).exp() };
    let lines = log_uniform(20.0, 2000.0).round() as usize;
    let r = log_uniform(0.05, 0.6);
    let alpha = r * log_uniform(150.0, 3000.0);
    // A draw log-uniform on [1, 2^k] is below 2 with probability 1/k.
    let process = if log_uniform(1.0, 4.0) < 2.0 {
        Process::BgNbd {
            r,
            alpha,
            a: log_uniform(0.05, 1.5),
            b: log_uniform(0.5, 60.0),
        }
    } else {
        let s = log_uniform(0.05, 2.0);
        Process::ParetoNbd {
            r,
            alpha,
            s,
            beta: s * log_uniform(30.0, 100_000.0),
        }
    };
    let days = log_uniform(60.0, 730.0).round() as u32;
    let mean_lines_per_order = log_uniform(1.0, 2.5);
    let items = log_uniform(30.0, 300.0).round() as usize;
    let yen = log_uniform(1.0, 8.0) < 2.0;
    let shopify = log_uniform(1.0, 32.0) < 2.0;
    SmallShop {
        config: GeneratorConfig {
            customers: 1,
            acquisition_days: days,
            observation_days: days,
            process,
            currency_scale: if yen { 150.0 } else { 1.0 },
            items,
            groups: (items / 10).max(1),
            mean_lines_per_order,
            format: if shopify {
                OutputFormat::Shopify
            } else {
                OutputFormat::Plain
            },
            seed,
            ..GeneratorConfig::default()
        },
        lines,
    }
}

// ---------------------------------------------------------------------------
// Simulation

/// Customer index of a guest order.
const GUEST: u32 = u32::MAX;
/// The id written for the customer with index 0 (the first id in the UCI data).
const CUSTOMER_ID_BASE: u64 = 12346;
const SECONDS_PER_DAY: f64 = 86_400.0;
/// Days since 0001-01-01 (chrono's "days from CE" minus one) of 1970-01-01.
const UNIX_EPOCH_FROM_CE: i32 = 719_163;
/// Output is handed to the writer in chunks of about this many bytes.
const CHUNK: usize = 1 << 16;

enum Stop {
    Customers(usize),
    Lines(usize),
}

/// A validated configuration with its distributions built.
struct Plan<'a> {
    config: &'a GeneratorConfig,
    observation_end: f64,
    /// `Gamma(r, 1)`; divide by `alpha` for `lambda`.
    lambda_shape: Gamma<f64>,
    dropout: DropoutDistribution,
    /// `Gamma(q, 1)`; divide by `gamma` for `nu`.
    nu_shape: Gamma<f64>,
    /// `Gamma(p, 1)`; divide by `nu` for an order value.
    value_shape: Gamma<f64>,
    extra_lines: Option<Poisson<f64>>,
    money: Money,
}

enum DropoutDistribution {
    Beta(Beta<f64>),
    /// `Gamma(s, 1)`, divided by `beta`.
    Gamma {
        shape: Gamma<f64>,
        beta: f64,
    },
}

/// Something that happens at one moment: an order or the return of part of one.
struct Event {
    /// Seconds since `start_day` 00:00.
    at: i64,
    kind: EventKind,
}

enum EventKind {
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

struct Simulation {
    events: Vec<Event>,
    truth: Vec<TrueCustomer>,
    orders: usize,
    customer_orders: usize,
    guest_orders: usize,
    return_orders: usize,
    planned_lines: usize,
}

fn run<W: io::Write + ?Sized>(
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

fn seconds(days: f64) -> i64 {
    (days * SECONDS_PER_DAY).floor() as i64
}

fn validate(config: &GeneratorConfig) -> Result<()> {
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
    Ok(())
}

// ---------------------------------------------------------------------------
// Catalogue

struct Item {
    /// The name as a CSV field (quoted when needed).
    name: String,
    /// The UCI description (upper-case English) as a CSV field.
    description: String,
    /// The item id of the format: `SKU-00001` or a UCI stock code like `20001A`.
    code: String,
    /// Relative unit price.
    price_weight: f64,
}

struct Catalogue {
    items: Vec<Item>,
    groups: usize,
    everything: Zipf<f64>,
    /// Zipf over the members of groups `0..items % groups` (one more member).
    large_group: Zipf<f64>,
    /// Zipf over the members of the other groups.
    small_group: Zipf<f64>,
    affinity: f64,
}

impl Catalogue {
    fn new(config: &GeneratorConfig, rng: &mut StdRng) -> Result<Catalogue> {
        let zipf = |n: usize| {
            Zipf::new(n.max(1) as f64, config.zipf_exponent)
                .map_err(|e| Error::options(e.to_string()))
        };
        let prices = LogNormal::new(0.0, 0.7).map_err(|e| Error::options(e.to_string()))?;
        let mut seen = std::collections::HashSet::new();
        let mut items = Vec::with_capacity(config.items);
        for i in 0..config.items {
            let mut name = String::new();
            for attempt in 0.. {
                name = item_name(rng, config.japanese_names);
                if attempt >= 20 {
                    name.push_str(&format!(" #{}", i + 1));
                }
                if seen.insert(name.clone()) {
                    break;
                }
            }
            let code = match config.format {
                OutputFormat::UciOnlineRetail => {
                    let suffix = match i % 9 {
                        4 => "A",
                        7 => "B",
                        _ => "",
                    };
                    format!("{}{suffix}", 20001 + i)
                }
                OutputFormat::Plain | OutputFormat::Shopify => format!("SKU-{:05}", i + 1),
            };
            items.push(Item {
                description: csv_field(&name.to_uppercase()),
                name: csv_field(&name),
                code,
                price_weight: prices.sample(rng),
            });
        }
        let per_group = config.items / config.groups;
        Ok(Catalogue {
            items,
            groups: config.groups,
            everything: zipf(config.items)?,
            large_group: zipf(per_group + 1)?,
            small_group: zipf(per_group)?,
            affinity: config.group_affinity,
        })
    }

    /// Fills `chosen` with `lines` distinct items: the first from the whole
    /// catalogue, the others from its group with probability `affinity`.
    fn pick(&self, rng: &mut StdRng, lines: usize, chosen: &mut Vec<u32>) {
        chosen.clear();
        let n = self.items.len();
        let first = self.everything.sample(rng) as usize - 1;
        chosen.push(first as u32);
        let group = first % self.groups;
        let zipf = if group < n % self.groups {
            &self.large_group
        } else {
            &self.small_group
        };
        while chosen.len() < lines {
            let mut tries = 0;
            let item = loop {
                let candidate = if rng.random::<f64>() < self.affinity {
                    group + (zipf.sample(rng) as usize - 1) * self.groups
                } else {
                    self.everything.sample(rng) as usize - 1
                };
                if !chosen.contains(&(candidate as u32)) {
                    break candidate;
                }
                tries += 1;
                if tries >= 8 {
                    // Small groups run out: take a free member of the group,
                    // else the next free item.
                    let in_group = (group..n).step_by(self.groups);
                    let mut free = in_group.chain((candidate..n).chain(0..candidate));
                    if let Some(item) = free.find(|&i| !chosen.contains(&(i as u32))) {
                        break item;
                    }
                }
            };
            chosen.push(item as u32);
        }
    }
}

/// Word lists of one kind of product, so that sizes fit their nouns.
struct Words {
    ja_prefixes: &'static [&'static str],
    ja_nouns: &'static [&'static str],
    ja_sizes: &'static [&'static str],
    en_prefixes: &'static [&'static str],
    en_nouns: &'static [&'static str],
    /// A few sizes carry a comma or a quote so that the CSV needs quoting.
    en_sizes: &'static [&'static str],
}

/// Food and goods; every word is common enough for Shift_JIS.
const CATEGORIES: [Words; 2] = [
    Words {
        ja_prefixes: &[
            "北海道",
            "京都",
            "宇治",
            "静岡",
            "有機",
            "国産",
            "特選",
            "手作り",
            "季節の",
            "熟成",
            "無添加",
            "九州",
            "沖縄",
            "信州",
        ],
        ja_nouns: &[
            "緑茶",
            "抹茶",
            "ほうじ茶",
            "バター クッキー",
            "煎餅",
            "醤油",
            "味噌",
            "梅干し",
            "昆布",
            "羊羹",
            "はちみつ",
            "お米",
            "お餅",
            "カレー",
            "ラーメン",
            "ジャム",
        ],
        ja_sizes: &[
            "100g",
            "200g",
            "500g",
            "1kg",
            "3個入り",
            "10袋入り",
            "詰め合わせ",
            "",
        ],
        en_prefixes: &[
            "Organic", "Premium", "Handmade", "Classic", "Seasonal", "Japanese", "Roasted", "Wild",
            "Deluxe", "Mini",
        ],
        en_nouns: &[
            "Green Tea",
            "Cookie Box",
            "Honey",
            "Coffee Beans",
            "Jam",
            "Rice Crackers",
            "Miso Soup",
            "Matcha Latte",
            "Granola",
            "Chocolate",
        ],
        en_sizes: &[
            "100g",
            "250g",
            "500ml",
            "Gift Box",
            "Pack of 3, Assorted",
            "",
        ],
    },
    Words {
        ja_prefixes: &[
            "京都",
            "有田焼の",
            "信楽焼の",
            "手作り",
            "国産",
            "限定",
            "老舗の",
            "職人の",
            "定番の",
        ],
        ja_nouns: &[
            "湯呑み",
            "急須",
            "手ぬぐい",
            "箸",
            "茶碗",
            "風呂敷",
            "石けん",
            "タオル",
            "ノート",
            "扇子",
            "風鈴",
            "花瓶",
        ],
        ja_sizes: &["大", "小", "2個セット", "5本セット", "2枚組", ""],
        en_prefixes: &[
            "Ceramic", "Vintage", "Bamboo", "Linen", "Cotton", "Wooden", "Glass", "Everyday",
            "Classic", "Handmade",
        ],
        en_nouns: &[
            "Mug",
            "Tote Bag",
            "Candle",
            "Notebook",
            "Tea Towel",
            "Chopsticks",
            "Rice Bowl",
            "Soap",
            "Teapot",
            "Plate",
            "Apron",
            "Vase",
            "Coaster",
            "Umbrella",
        ],
        en_sizes: &["Set of 2", "Large", "Small", "Blue, Large", "12\" Wide", ""],
    },
];
const JA_FAMILY: &[&str] = &[
    "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田",
];
const JA_GIVEN: &[&str] = &[
    "花子",
    "太郎",
    "陽子",
    "健",
    "美咲",
    "翔",
    "直樹",
    "由美",
    "大輔",
    "愛",
    "さくら",
    "ケン",
];
const EN_FAMILY: &[&str] = &[
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Walker", "Clark", "Young",
];
const EN_GIVEN: &[&str] = &[
    "Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Mia", "Lucas", "Amelia", "Jack",
];
const UCI_COUNTRIES: &[&str] = &["Germany", "France", "EIRE", "Spain", "Netherlands", "Japan"];

fn choose(rng: &mut StdRng, words: &[&'static str]) -> &'static str {
    words[rng.random_range(0..words.len())]
}

/// A product name like "有機 緑茶 100g", "Ceramic Mug Large" or, mixed,
/// "北海道 Honey Gift Box": two in five Japanese, one in five mixed, the rest
/// English; all English without `japanese`.
fn item_name(rng: &mut StdRng, japanese: bool) -> String {
    let words = &CATEGORIES[rng.random_range(0..CATEGORIES.len())];
    let style = if japanese {
        rng.random_range(0..5u32)
    } else {
        4
    };
    let parts = match style {
        0 | 1 => [
            choose(rng, words.ja_prefixes),
            choose(rng, words.ja_nouns),
            choose(rng, words.ja_sizes),
        ],
        2 => [
            choose(rng, words.ja_prefixes),
            choose(rng, words.en_nouns),
            choose(rng, words.en_sizes),
        ],
        _ => [
            choose(rng, words.en_prefixes),
            choose(rng, words.en_nouns),
            choose(rng, words.en_sizes),
        ],
    };
    let mut name = String::new();
    for part in parts.iter().filter(|p| !p.is_empty()) {
        if !name.is_empty() {
            name.push(' ');
        }
        name.push_str(part);
    }
    name
}

/// A deterministic hash for per-customer details that must not consume the
/// random stream (SplitMix64's finalizer).
fn mix(seed: u64, value: u64) -> u64 {
    let mut z = seed ^ value.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

// ---------------------------------------------------------------------------
// Money

/// Amounts in minor units: whole yen at `currency_scale >= 100`, else cents.
#[derive(Clone, Copy)]
struct Money {
    cents: bool,
    minor_per_value: f64,
}

impl Money {
    fn new(currency_scale: f64) -> Money {
        let cents = currency_scale < 100.0;
        Money {
            cents,
            minor_per_value: currency_scale * if cents { 100.0 } else { 1.0 },
        }
    }

    fn currency(self) -> &'static str {
        if self.cents {
            "USD"
        } else {
            "JPY"
        }
    }

    /// Writes `minor` as `1280`/`12.80`, or always with two decimals.
    fn push(self, buf: &mut String, minor: i64, two_decimals: bool) {
        if self.cents {
            if minor < 0 {
                buf.push('-');
            }
            let abs = minor.unsigned_abs();
            push_uint(buf, abs / 100);
            buf.push('.');
            push_padded(buf, (abs % 100) as u32, 2);
        } else {
            push_int(buf, minor);
            if two_decimals {
                buf.push_str(".00");
            }
        }
    }
}

#[derive(Clone, Copy)]
struct SoldLine {
    item: u32,
    quantity: i64,
    unit_price: i64,
}

/// Splits an order value over the chosen items: quantities mostly 1, unit
/// prices proportional to each item's price weight, the rounding remainder
/// absorbed by a quantity-1 line where one can take it.
fn price_lines(
    rng: &mut StdRng,
    catalogue: &Catalogue,
    chosen: &[u32],
    value: i64,
    lines: &mut Vec<SoldLine>,
) {
    lines.clear();
    let mut weight = 0.0;
    for &item in chosen {
        let u = rng.random::<f64>();
        let quantity = if u < 0.75 {
            1
        } else if u < 0.9 {
            2
        } else if u < 0.96 {
            3
        } else {
            rng.random_range(4..=6)
        };
        weight += catalogue.items[item as usize].price_weight * quantity as f64;
        lines.push(SoldLine {
            item,
            quantity,
            unit_price: 0,
        });
    }
    let mut total = 0;
    for line in lines.iter_mut() {
        let share = catalogue.items[line.item as usize].price_weight / weight;
        line.unit_price = ((value as f64 * share).round() as i64).max(1);
        total += line.unit_price * line.quantity;
    }
    let remainder = value - total;
    if remainder != 0 {
        if let Some(line) = lines
            .iter_mut()
            .find(|l| l.quantity == 1 && l.unit_price + remainder >= 1)
        {
            line.unit_price += remainder;
        }
    }
}

// ---------------------------------------------------------------------------
// Output

/// Buffers rows and hands them to the writer in chunks, encoded.
struct Output<'w, W: io::Write + ?Sized> {
    buf: String,
    out: &'w mut W,
    encoding: OutputEncoding,
}

impl<W: io::Write + ?Sized> Output<'_, W> {
    fn flush_if_full(&mut self) -> Result<()> {
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let written = match self.encoding {
            OutputEncoding::Utf8 => self.out.write_all(self.buf.as_bytes()),
            OutputEncoding::ShiftJis => {
                let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&self.buf);
                if unmappable {
                    return Err(Error::options(
                        "a generated name has characters shift_jis cannot encode",
                    ));
                }
                self.out.write_all(&bytes)
            }
        };
        written.map_err(|e| Error::input(None, None, format!("cannot write the csv: {e}")))?;
        self.buf.clear();
        Ok(())
    }
}

/// What the row writers need to know about one order.
struct OrderHead {
    number: usize,
    at: i64,
    customer: u32,
    is_return: bool,
}

fn write_events<W: io::Write + ?Sized>(
    plan: &Plan<'_>,
    catalogue: &Catalogue,
    sim: &Simulation,
    rng: &mut StdRng,
    out: &mut W,
) -> Result<usize> {
    let config = plan.config;
    let mut output = Output {
        buf: String::with_capacity(CHUNK + 4096),
        out,
        encoding: config.encoding,
    };
    output.buf.push_str(config.format.header());
    output.buf.push('\n');
    let mut rows = 0;
    let mut chosen = Vec::new();
    let mut sold = Vec::new();
    let mut returned_lines = Vec::new();
    let mut pending: HashMap<u32, Vec<SoldLine>> = HashMap::new();
    for (number, event) in sim.events.iter().enumerate() {
        let (head, lines) = match event.kind {
            EventKind::Order {
                order,
                customer,
                lines,
                returned,
            } => {
                let nu = match sim.truth.get(customer as usize) {
                    Some(truth) => truth.nu,
                    None => plan.nu_shape.sample(rng) / config.spend.gamma,
                };
                let value = plan.value_shape.sample(rng) / nu * plan.money.minor_per_value;
                let value = (value.round() as i64).clamp(1, 1_000_000_000_000_000);
                catalogue.pick(rng, lines as usize, &mut chosen);
                price_lines(rng, catalogue, &chosen, value, &mut sold);
                if returned {
                    pending.insert(order, sold.clone());
                }
                (
                    OrderHead {
                        number,
                        at: event.at,
                        customer,
                        is_return: false,
                    },
                    &sold,
                )
            }
            EventKind::Return { order, customer } => {
                let original = pending.remove(&order).unwrap_or_default();
                returned_lines.clear();
                for line in &original {
                    if rng.random_bool(0.5) {
                        returned_lines.push(*line);
                    }
                }
                if returned_lines.is_empty() && !original.is_empty() {
                    returned_lines.push(original[rng.random_range(0..original.len())]);
                }
                for line in &mut returned_lines {
                    line.quantity = -rng.random_range(1..=line.quantity);
                }
                (
                    OrderHead {
                        number,
                        at: event.at,
                        customer,
                        is_return: true,
                    },
                    &returned_lines,
                )
            }
        };
        match config.format {
            OutputFormat::Plain => write_plain(&mut output.buf, plan, catalogue, &head, lines),
            OutputFormat::Shopify => write_shopify(&mut output.buf, plan, catalogue, &head, lines),
            OutputFormat::UciOnlineRetail => {
                write_uci(&mut output.buf, plan, catalogue, &head, lines)
            }
        }
        rows += lines.len();
        output.flush_if_full()?;
    }
    output.flush()?;
    Ok(rows)
}

fn write_plain(
    buf: &mut String,
    plan: &Plan<'_>,
    catalogue: &Catalogue,
    head: &OrderHead,
    lines: &[SoldLine],
) {
    for line in lines {
        let item = &catalogue.items[line.item as usize];
        push_uint(buf, head.number as u64 + 1);
        buf.push(',');
        if head.customer != GUEST {
            push_uint(buf, CUSTOMER_ID_BASE + u64::from(head.customer));
        }
        buf.push(',');
        push_timestamp(buf, plan.config.start_day, head.at, true);
        buf.push(',');
        buf.push_str(&item.code);
        buf.push(',');
        buf.push_str(&item.name);
        buf.push(',');
        push_int(buf, line.quantity);
        buf.push(',');
        plan.money.push(buf, line.unit_price, false);
        buf.push(',');
        plan.money.push(buf, line.unit_price * line.quantity, false);
        buf.push('\n');
    }
}

fn write_shopify(
    buf: &mut String,
    plan: &Plan<'_>,
    catalogue: &Catalogue,
    head: &OrderHead,
    lines: &[SoldLine],
) {
    let money = plan.money;
    let japan = !money.cents;
    let subtotal: i64 = lines.iter().map(|l| l.unit_price * l.quantity).sum();
    let (financial, fulfillment) = if head.is_return {
        ("refunded", "restocked")
    } else {
        ("paid", "fulfilled")
    };
    for (i, line) in lines.iter().enumerate() {
        let item = &catalogue.items[line.item as usize];
        buf.push('#');
        push_uint(buf, head.number as u64 + 1001);
        buf.push(',');
        if i == 0 {
            if head.customer != GUEST {
                buf.push('c');
                push_uint(buf, CUSTOMER_ID_BASE + u64::from(head.customer));
                buf.push_str("@example.com");
            }
            buf.push(',');
            buf.push_str(financial);
            buf.push(',');
            push_shopify_time(buf, plan.config.start_day, head.at, japan);
            buf.push(',');
            buf.push_str(fulfillment);
            buf.push(',');
            buf.push_str(money.currency());
            buf.push(',');
            money.push(buf, subtotal, true);
            buf.push(',');
            money.push(buf, 0, true);
            buf.push(',');
            money.push(buf, 0, true);
            buf.push(',');
            money.push(buf, subtotal, true);
            buf.push_str(",,");
            money.push(buf, 0, true);
            buf.push(',');
            push_shopify_time(buf, plan.config.start_day, head.at, japan);
            buf.push(',');
        } else {
            buf.push_str(",,,,,,,,,,,,");
        }
        push_int(buf, line.quantity);
        buf.push(',');
        buf.push_str(&item.name);
        buf.push(',');
        money.push(buf, line.unit_price, true);
        buf.push(',');
        buf.push_str(&item.code);
        buf.push(',');
        if i == 0 {
            push_billing_name(buf, plan.config, head);
            buf.push(',');
            buf.push_str(if japan { "JP" } else { "US" });
        } else {
            buf.push(',');
        }
        buf.push('\n');
    }
}

fn write_uci(
    buf: &mut String,
    plan: &Plan<'_>,
    catalogue: &Catalogue,
    head: &OrderHead,
    lines: &[SoldLine],
) {
    let country = if head.customer == GUEST {
        "United Kingdom"
    } else {
        let h = mix(plan.config.seed, u64::from(head.customer));
        if h % 10 == 0 {
            UCI_COUNTRIES[(h / 10 % UCI_COUNTRIES.len() as u64) as usize]
        } else {
            "United Kingdom"
        }
    };
    for line in lines {
        let item = &catalogue.items[line.item as usize];
        if head.is_return {
            buf.push('C');
        }
        push_uint(buf, head.number as u64 + 489_434);
        buf.push(',');
        buf.push_str(&item.code);
        buf.push(',');
        buf.push_str(&item.description);
        buf.push(',');
        push_int(buf, line.quantity);
        buf.push(',');
        push_timestamp(buf, plan.config.start_day, head.at, false);
        buf.push(',');
        plan.money.push(buf, line.unit_price, false);
        buf.push(',');
        if head.customer != GUEST {
            push_uint(buf, CUSTOMER_ID_BASE + u64::from(head.customer));
            buf.push_str(".0");
        }
        buf.push(',');
        buf.push_str(country);
        buf.push('\n');
    }
}

fn push_billing_name(buf: &mut String, config: &GeneratorConfig, head: &OrderHead) {
    let key = if head.customer == GUEST {
        u64::MAX - head.number as u64
    } else {
        u64::from(head.customer)
    };
    let h = mix(config.seed, key);
    let (family, given) = if config.japanese_names {
        (JA_FAMILY, JA_GIVEN)
    } else {
        (EN_FAMILY, EN_GIVEN)
    };
    let f = family[(h % family.len() as u64) as usize];
    let g = given[(h / 1000 % given.len() as u64) as usize];
    if config.japanese_names {
        buf.push_str(f);
        buf.push(' ');
        buf.push_str(g);
    } else {
        buf.push_str(g);
        buf.push(' ');
        buf.push_str(f);
    }
}

/// Writes a CSV field, quoted as RFC 4180 asks when it holds a comma, quote
/// or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn civil_date(day: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(day.checked_add(UNIX_EPOCH_FROM_CE)?)
}

/// `YYYY-MM-DD HH:MM:SS`, with the seconds zeroed unless `with_seconds`.
fn push_timestamp(buf: &mut String, start_day: i32, at: i64, with_seconds: bool) {
    let day = start_day + at.div_euclid(86_400) as i32;
    // The configuration was validated to keep every date in years 1 to 9999.
    let date = civil_date(day).unwrap_or_default();
    let second = at.rem_euclid(86_400) as u32;
    push_padded(buf, date.year() as u32, 4);
    buf.push('-');
    push_padded(buf, date.month(), 2);
    buf.push('-');
    push_padded(buf, date.day(), 2);
    buf.push(' ');
    push_padded(buf, second / 3600, 2);
    buf.push(':');
    push_padded(buf, second / 60 % 60, 2);
    buf.push(':');
    push_padded(buf, if with_seconds { second % 60 } else { 0 }, 2);
}

fn push_shopify_time(buf: &mut String, start_day: i32, at: i64, japan: bool) {
    push_timestamp(buf, start_day, at, true);
    buf.push_str(if japan { " +0900" } else { " +0000" });
}

fn push_uint(buf: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        buf.push(char::from(d));
    }
}

fn push_int(buf: &mut String, n: i64) {
    if n < 0 {
        buf.push('-');
    }
    push_uint(buf, n.unsigned_abs());
}

fn push_padded(buf: &mut String, n: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut i = digits.len();
    let mut v = n;
    while v > 0 || digits.len() - i < width {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    for &d in &digits[i..] {
        buf.push(char::from(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    /// Parses RFC 4180 CSV text into records, independently of the writer.
    fn parse_csv(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut field = String::new();
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => record.push(std::mem::take(&mut field)),
                (false, '\n') => {
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                (false, c) => field.push(c),
            }
        }
        assert!(field.is_empty() && record.is_empty(), "no trailing newline");
        records
    }

    fn run_to_string(config: &GeneratorConfig) -> (String, GroundTruth) {
        let mut bytes = Vec::new();
        let truth = generate(config, &mut bytes).unwrap();
        (String::from_utf8(bytes).unwrap(), truth)
    }

    fn small(format: OutputFormat) -> GeneratorConfig {
        GeneratorConfig {
            customers: 300,
            guest_share: 0.1,
            return_share: 0.1,
            format,
            seed: 42,
            ..GeneratorConfig::default()
        }
    }

    fn column(header: &[String], name: &str) -> usize {
        header.iter().position(|h| h == name).unwrap()
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        for format in [
            OutputFormat::Plain,
            OutputFormat::Shopify,
            OutputFormat::UciOnlineRetail,
        ] {
            let config = small(format);
            let (first, first_truth) = run_to_string(&config);
            let (again, again_truth) = run_to_string(&config);
            assert_eq!(first, again);
            assert_eq!(first_truth, again_truth);
            let other = GeneratorConfig { seed: 43, ..config };
            let (different, different_truth) = run_to_string(&other);
            assert_ne!(first, different);
            assert_ne!(first_truth, different_truth);
        }
        let plain = generate(&small(OutputFormat::Plain), &mut io::sink()).unwrap();
        let uci = generate(&small(OutputFormat::UciOnlineRetail), &mut io::sink()).unwrap();
        assert_eq!(plain, uci);
    }

    #[test]
    fn every_format_has_its_header_and_the_counted_rows() {
        let cases = [
            (
                OutputFormat::Plain,
                "order_id,customer_id,order_date,item_id,item_name,quantity,unit_price,line_total",
            ),
            (
                OutputFormat::Shopify,
                "Name,Email,Financial Status,Paid at,Fulfillment Status,Currency,Subtotal,\
                 Shipping,Taxes,Total,Discount Code,Discount Amount,Created at,Lineitem quantity,\
                 Lineitem name,Lineitem price,Lineitem sku,Billing Name,Billing Country",
            ),
            (
                OutputFormat::UciOnlineRetail,
                "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country",
            ),
        ];
        for (format, header) in cases {
            let (text, truth) = run_to_string(&small(format));
            let records = parse_csv(&text);
            assert_eq!(records[0].join(","), header);
            assert_eq!(records.len() - 1, truth.lines, "{format:?}");
            let width = records[0].len();
            assert!(records.iter().all(|r| r.len() == width), "{format:?}");
            let sales = truth.orders;
            assert!(truth.guest_orders > 0 && truth.return_orders > 0);
            assert!(truth.lines >= sales + truth.return_orders);
        }
    }

    #[test]
    fn generate_lines_reaches_the_target() {
        let config = GeneratorConfig {
            return_share: 0.05,
            guest_share: 0.2,
            ..GeneratorConfig::default()
        };
        for target in [0, 1, 10, 1_000, 10_000] {
            let mut bytes = Vec::new();
            let truth = generate_lines(&config, target, &mut bytes).unwrap();
            let rows = bytes.iter().filter(|&&b| b == b'\n').count() - 1;
            assert_eq!(rows, truth.lines);
            assert!(rows >= target, "{rows} rows for a target of {target}");
            if target == 0 {
                assert!(truth.per_customer.is_empty());
            }
        }
        // The customers are a prefix of those generate() makes.
        let mut bytes = Vec::new();
        let by_lines = generate_lines(&config, 1_000, &mut bytes).unwrap();
        let by_count = generate(
            &GeneratorConfig {
                customers: by_lines.per_customer.len(),
                ..config.clone()
            },
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(by_lines.per_customer, by_count.per_customer);
    }

    #[test]
    fn shopify_order_fields_only_on_the_first_row() {
        let (text, truth) = run_to_string(&small(OutputFormat::Shopify));
        let records = parse_csv(&text);
        let header = &records[0];
        let order_level = [
            "Email",
            "Financial Status",
            "Paid at",
            "Fulfillment Status",
            "Currency",
            "Subtotal",
            "Shipping",
            "Taxes",
            "Total",
            "Discount Amount",
            "Created at",
            "Billing Name",
            "Billing Country",
        ];
        let line_level = [
            "Name",
            "Lineitem quantity",
            "Lineitem name",
            "Lineitem price",
            "Lineitem sku",
        ];
        let name = column(header, "Name");
        let mut orders = 0;
        let mut multi_line = 0;
        let mut previous = String::new();
        let mut subtotal: f64 = 0.0;
        let mut line_sum = 0.0;
        for row in &records[1..] {
            let first = row[name] != previous;
            if first {
                assert!((subtotal - line_sum).abs() < 1e-6, "order {previous}");
                orders += 1;
                previous = row[name].clone();
                subtotal = row[column(header, "Subtotal")].parse().unwrap();
                line_sum = 0.0;
                assert!(row[name].starts_with('#'));
                let created = &row[column(header, "Created at")];
                assert_eq!(
                    created.len(),
                    "2024-01-05 13:45:00 +0000".len(),
                    "{created}"
                );
                assert!(created.ends_with(" +0000"));
            } else {
                multi_line += 1;
            }
            for field in order_level {
                let value = &row[column(header, field)];
                // Guests have no email; everything else is there on first rows.
                let guest_email = field == "Email" && first && value.is_empty();
                assert_eq!(
                    first,
                    !value.is_empty() || guest_email,
                    "{field} in {row:?}"
                );
            }
            for field in line_level {
                assert!(!row[column(header, field)].is_empty(), "{field} in {row:?}");
            }
            let quantity: f64 = row[column(header, "Lineitem quantity")].parse().unwrap();
            let price: f64 = row[column(header, "Lineitem price")].parse().unwrap();
            line_sum += quantity * price;
        }
        assert_eq!(orders, truth.orders + truth.return_orders);
        assert!(multi_line > 0);
        let emails = records[1..]
            .iter()
            .filter(|r| r[column(header, "Email")].starts_with("c1"))
            .count();
        assert!(emails > 0);
    }

    #[test]
    fn uci_quirks_are_present() {
        let config = GeneratorConfig {
            japanese_names: false,
            currency_scale: 1.0,
            ..small(OutputFormat::UciOnlineRetail)
        };
        let (text, truth) = run_to_string(&config);
        let records = parse_csv(&text);
        let header = &records[0];
        let (invoice, quantity, date, customer) = (
            column(header, "Invoice"),
            column(header, "Quantity"),
            column(header, "InvoiceDate"),
            column(header, "Customer ID"),
        );
        let mut cancelled = 0;
        let mut guests = 0;
        for row in &records[1..] {
            let q: i64 = row[quantity].parse().unwrap();
            let is_cancel = row[invoice].starts_with('C');
            assert_eq!(is_cancel, q < 0, "{row:?}");
            assert_eq!(row[invoice].trim_start_matches('C').len(), 6);
            cancelled += usize::from(is_cancel);
            if row[customer].is_empty() {
                guests += 1;
            } else {
                assert!(row[customer].ends_with(".0"), "{row:?}");
            }
            assert!(
                row[date].ends_with(":00") && row[date].len() == 19,
                "{row:?}"
            );
            let description = &row[column(header, "Description")];
            assert_eq!(description, &description.to_uppercase());
        }
        assert!(cancelled > 0 && guests > 0);
        assert!(truth.return_orders > 0);
        assert!(records[1..].iter().any(|r| r[1].ends_with('A')));
    }

    #[test]
    fn plain_lines_add_up_and_names_are_quoted() {
        let config = GeneratorConfig {
            customers: 500,
            seed: 3,
            ..GeneratorConfig::default()
        };
        let (text, _) = run_to_string(&config);
        let records = parse_csv(&text);
        let mut quoted_names = 0;
        let mut japanese = 0;
        for row in &records[1..] {
            let quantity: i64 = row[5].parse().unwrap();
            let cents = |s: &str| (s.parse::<f64>().unwrap() * 100.0).round() as i64;
            assert!(quantity >= 1);
            assert_eq!(cents(&row[6]) * quantity, cents(&row[7]), "{row:?}");
            assert!(row[6].split_once('.').unwrap().1.len() == 2);
            assert!(row[3].starts_with("SKU-"));
            assert_eq!(row[2].len(), 19);
            quoted_names += usize::from(row[4].contains([',', '"']));
            japanese += usize::from(!row[4].is_ascii());
        }
        assert!(quoted_names > 0 && japanese > 0);
    }

    #[test]
    fn yen_amounts_are_whole() {
        let config = GeneratorConfig {
            customers: 200,
            currency_scale: 150.0,
            format: OutputFormat::Shopify,
            ..GeneratorConfig::default()
        };
        let (text, _) = run_to_string(&config);
        let records = parse_csv(&text);
        assert_eq!(records[1][5], "JPY");
        assert!(records[1][12].ends_with(" +0900"));
        for row in &records[1..] {
            assert!(row[15].ends_with(".00"), "{row:?}");
        }
        let plain = GeneratorConfig {
            format: OutputFormat::Plain,
            ..config
        };
        let (text, _) = run_to_string(&plain);
        for row in &parse_csv(&text)[1..] {
            assert!(!row[6].contains('.') && !row[7].contains('.'), "{row:?}");
        }
    }

    #[test]
    fn shift_jis_round_trips() {
        for format in [
            OutputFormat::Plain,
            OutputFormat::Shopify,
            OutputFormat::UciOnlineRetail,
        ] {
            let config = GeneratorConfig {
                customers: 2000,
                items: 2000,
                format,
                ..GeneratorConfig::default()
            };
            let (utf8, _) = run_to_string(&config);
            let mut sjis = Vec::new();
            generate(
                &GeneratorConfig {
                    encoding: OutputEncoding::ShiftJis,
                    ..config
                },
                &mut sjis,
            )
            .unwrap();
            assert_ne!(sjis, utf8.as_bytes());
            let (decoded, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(&sjis);
            assert!(!had_errors);
            assert_eq!(decoded, utf8);
            assert!(!utf8.is_ascii());
        }
    }

    #[test]
    fn every_word_is_representable_in_shift_jis() {
        let mut lists = vec![JA_FAMILY, JA_GIVEN, EN_FAMILY, EN_GIVEN, UCI_COUNTRIES];
        for words in &CATEGORIES {
            lists.extend([
                words.ja_prefixes,
                words.ja_nouns,
                words.ja_sizes,
                words.en_prefixes,
                words.en_nouns,
                words.en_sizes,
            ]);
        }
        for word in lists.iter().flat_map(|l| l.iter()) {
            let (_, _, unmappable) = encoding_rs::SHIFT_JIS.encode(word);
            assert!(!unmappable, "{word}");
        }
    }

    #[test]
    fn co_purchases_stay_in_their_group_at_full_affinity() {
        let config = GeneratorConfig {
            customers: 300,
            group_affinity: 1.0,
            groups: 7,
            items: 50,
            ..GeneratorConfig::default()
        };
        let (text, _) = run_to_string(&config);
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        for row in &parse_csv(&text)[1..] {
            let item: usize = row[3].trim_start_matches("SKU-").parse().unwrap();
            groups
                .entry(row[0].clone())
                .or_default()
                .push((item - 1) % 7);
        }
        let multi = groups.values().filter(|g| g.len() > 1).count();
        assert!(multi > 100);
        // Groups have 7 or 8 members; longer orders must spill over.
        for members in groups.values().filter(|g| g.len() <= 7) {
            assert!(members.iter().all(|&g| g == members[0]), "{members:?}");
        }
    }

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

    #[test]
    fn write_failures_are_reported() {
        struct Broken;
        impl io::Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let err = generate(&GeneratorConfig::default(), &mut Broken).unwrap_err();
        assert_eq!(err.to_string(), "cannot write the csv: disk full");
    }

    // --- Statistical sanity -------------------------------------------------

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

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn config_deserializes_with_defaults() {
        let json = r#"{"customers": 5, "format": "uci_online_retail",
            "process": {"model": "pareto_nbd", "r": 0.5, "alpha": 20, "s": 0.8, "beta": 60}}"#;
        let config: GeneratorConfig = serde_json::from_str(json).unwrap();
        assert_eq!(config.customers, 5);
        assert_eq!(config.format, OutputFormat::UciOnlineRetail);
        assert_eq!(config.items, 500);
        let back: GeneratorConfig =
            serde_json::from_str(&serde_json::to_string(&config).unwrap()).unwrap();
        assert_eq!(back, config);
    }

    /// `cargo test --release --lib generate::tests::speed -- --ignored --nocapture`
    #[test]
    #[ignore = "timing, run in release mode"]
    fn speed_of_a_million_lines() {
        for format in [
            OutputFormat::Plain,
            OutputFormat::Shopify,
            OutputFormat::UciOnlineRetail,
        ] {
            let config = GeneratorConfig {
                format,
                ..GeneratorConfig::default()
            };
            let started = std::time::Instant::now();
            let mut bytes = Vec::new();
            let truth = generate_lines(&config, 1_000_000, &mut bytes).unwrap();
            println!(
                "{format:?}: {} lines, {} MB in {:?}",
                truth.lines,
                bytes.len() / 1_000_000,
                started.elapsed()
            );
        }
    }
}
