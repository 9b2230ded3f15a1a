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
//! All randomness comes from one [`StdRng`](rand::rngs::StdRng) seeded with
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

mod catalogue;
mod channels;
mod money;
mod output;
mod simulation;
mod small_shop;
mod subscription;

use std::io;

use serde::{Deserialize, Serialize};

pub use channels::{Channel, ChannelShop};
pub use small_shop::{small_shop, SmallShop};
pub use subscription::{SubscriptionChannel, SubscriptionShop, SubscriptionTruth};

use crate::{Error, Result};
use simulation::{run, Stop, GUEST};

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
    /// Lasting tastes: each customer gets a favourite co-purchase group, and
    /// each line of their orders is, with this probability, drawn from the
    /// item lines of their latest orders (the last 12 lines, each one
    /// ticket: current favourites come back, old ones fade), else with this probability from
    /// their favourite group, else from the catalogue as without tastes
    /// (default 0.0, which draws nothing extra: outputs of a seed stay as
    /// they were).
    pub repeat_share: f64,
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
            repeat_share: 0.0,
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

/// The generated shop of `config`, about `lines` order lines, as ingest
/// reads it: the setup of tests that need a realistic store.
#[cfg(test)]
pub(crate) fn ingested(config: &GeneratorConfig, lines: usize) -> crate::ingest::Dataset {
    let mut bytes = Vec::new();
    generate_lines(config, lines, &mut bytes).unwrap();
    crate::ingest::ingest(&bytes, &crate::ingest::IngestOptions::default())
        .unwrap()
        .data
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses RFC 4180 CSV text into records, independently of the writer.
    pub(super) fn parse_csv(text: &str) -> Vec<Vec<String>> {
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

    pub(super) fn run_to_string(config: &GeneratorConfig) -> (String, GroundTruth) {
        let mut bytes = Vec::new();
        let truth = generate(config, &mut bytes).unwrap();
        (String::from_utf8(bytes).unwrap(), truth)
    }

    pub(super) fn small(format: OutputFormat) -> GeneratorConfig {
        GeneratorConfig {
            customers: 300,
            guest_share: 0.1,
            return_share: 0.1,
            format,
            seed: 42,
            ..GeneratorConfig::default()
        }
    }

    pub(super) fn column(header: &[String], name: &str) -> usize {
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
