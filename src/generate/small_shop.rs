//! Random small shops, as small merchants' exports look.

use std::io;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::{generate_lines, GeneratorConfig, GroundTruth, OutputFormat, Process};
use crate::Result;

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
