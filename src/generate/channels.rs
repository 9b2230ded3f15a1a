//! A shop whose customers come through channels with known effects on
//! purchase rate, dropout and spend: the ground truth of the covariate
//! models ([`crate::models::covariate_effects`]).
//!
//! Each customer belongs to one channel (drawn by the channels' shares) and
//! follows the BG/NBD story of [`super::Process::BgNbd`] and the Gamma-Gamma
//! spend of [`super::Spend`] at their channel's parameters, in the
//! parameterisation the covariate models fit (the first channel is the
//! baseline, `γ = 0`):
//!
//! ```text
//! alpha_c = alpha · exp(−γ_purchase)   a_c = a · exp(γ_dropout_a)
//! b_c = b · exp(γ_dropout_b)           gamma_c = gamma · exp(γ_spend)
//! ```
//!
//! The default channels ([`ChannelShop::default`]), rates per day:
//!
//! | channel | share | γ_purchase | γ_dropout_a | γ_dropout_b | γ_spend |
//! |---|---|---|---|---|---|
//! | web (baseline) | 0.5 | 0 | 0 | 0 | 0 |
//! | instagram | 0.3 | 0.4 | −0.5 | 0.3 | 0 |
//! | coupon | 0.2 | −0.3 | 0.5 | −0.2 | −0.25 |
//!
//! with `r = 0.5, alpha = 40, a = 0.8, b = 2.4` and `p = 6, q = 4,
//! gamma = 15`: Instagram customers buy 1.5 times as often and leave less
//! (mean dropout probability `a/(a+b)` 0.13 against 0.25), coupon customers
//! buy less often, leave sooner (0.41) and spend 22% less per order.
//!
//! The CSV has one row per order: `order_id,customer_id,order_date,amount,
//! channel`, the channel on every order of the customer. Customers are
//! acquired uniformly over the first year and observed for two.

use std::fmt::Write as _;
use std::io;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Exp1, Gamma};

use crate::{Error, Result};

/// One channel and its effects (the coefficients of the covariate models).
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// The value written in the `channel` column.
    pub name: String,
    /// Relative share of new customers.
    pub share: f64,
    /// `γ_purchase`: the mean purchase rate is the baseline's times
    /// `exp(γ_purchase)`.
    pub purchase: f64,
    /// `γ_dropout_a`: `a` is the baseline's times `exp(γ_dropout_a)`.
    pub dropout_a: f64,
    /// `γ_dropout_b`: `b` is the baseline's times `exp(γ_dropout_b)`.
    pub dropout_b: f64,
    /// `γ_spend`: the mean order value is the baseline's times
    /// `exp(γ_spend)`.
    pub spend: f64,
}

/// A shop of customers from several channels (module doc).
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelShop {
    /// Customers (default 3,000).
    pub customers: usize,
    /// The baseline BG/NBD `(r, alpha, a, b)`, rates per day.
    pub process: (f64, f64, f64, f64),
    /// The baseline Gamma-Gamma `(p, q, gamma)`.
    pub spend: (f64, f64, f64),
    /// The channels, the baseline (all effects 0) first.
    pub channels: Vec<Channel>,
    /// Seed of the one random number generator.
    pub seed: u64,
}

impl Default for ChannelShop {
    fn default() -> ChannelShop {
        let channel = |name: &str, share, purchase, dropout_a, dropout_b, spend| Channel {
            name: name.to_owned(),
            share,
            purchase,
            dropout_a,
            dropout_b,
            spend,
        };
        ChannelShop {
            customers: 3000,
            process: (0.5, 40.0, 0.8, 2.4),
            spend: (6.0, 4.0, 15.0),
            channels: vec![
                channel("web", 0.5, 0.0, 0.0, 0.0, 0.0),
                channel("instagram", 0.3, 0.4, -0.5, 0.3, 0.0),
                channel("coupon", 0.2, -0.3, 0.5, -0.2, -0.25),
            ],
            seed: 1,
        }
    }
}

/// First day of the shop, 2023-01-01 (days since 1970-01-01).
const START_DAY: i32 = 19358;
/// Customers are acquired over this many days.
const ACQUISITION_DAYS: f64 = 365.0;
/// Nothing happens after this many days.
const OBSERVATION_DAYS: f64 = 730.0;

impl ChannelShop {
    /// Writes the shop's orders into `out` and returns the number of
    /// customers of each channel.
    ///
    /// # Errors
    ///
    /// [`crate::ErrorKind::Options`] for no customers or channels, a share
    /// that is not a positive number, or parameters that are not positive;
    /// an I/O error of `out`.
    pub fn generate<W: io::Write + ?Sized>(&self, out: &mut W) -> Result<Vec<usize>> {
        if self.customers == 0 || self.channels.is_empty() {
            return Err(Error::options(
                "a channel shop needs at least one customer and one channel",
            ));
        }
        let total_share: f64 = self.channels.iter().map(|c| c.share).sum();
        if self
            .channels
            .iter()
            .any(|c| !(c.share > 0.0 && c.share.is_finite()))
        {
            return Err(Error::options(
                "every channel's share must be a positive number",
            ));
        }
        let (r, alpha, a, b) = self.process;
        let (p, q, gamma) = self.spend;
        let dist = |e: rand_distr::GammaError| Error::options(format!("channel shop: {e}"));
        let mut plans = Vec::with_capacity(self.channels.len());
        for c in &self.channels {
            let rate = Gamma::new(r, 1.0 / (alpha * (-c.purchase).exp())).map_err(dist)?;
            let dropout = Beta::new(a * c.dropout_a.exp(), b * c.dropout_b.exp())
                .map_err(|e| Error::options(format!("channel shop: {e}")))?;
            let spend_rate = Gamma::new(q, 1.0 / (gamma * c.spend.exp())).map_err(dist)?;
            plans.push((rate, dropout, spend_rate));
        }
        let order_value = |nu: f64| Gamma::new(p, 1.0 / nu).map_err(dist);
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut counts = vec![0usize; self.channels.len()];
        let mut text = String::from("order_id,customer_id,order_date,amount,channel\n");
        let mut order_id = 1000u64;
        for customer in 0..self.customers {
            let mut pick = rng.random::<f64>() * total_share;
            let mut channel = self.channels.len() - 1;
            for (i, c) in self.channels.iter().enumerate() {
                if pick < c.share {
                    channel = i;
                    break;
                }
                pick -= c.share;
            }
            counts[channel] += 1;
            let (rate, dropout, spend_rate) = &plans[channel];
            let lambda: f64 = rate.sample(&mut rng);
            let p_drop: f64 = dropout.sample(&mut rng);
            let nu: f64 = spend_rate.sample(&mut rng);
            let value = order_value(nu)?;
            let mut now = rng.random::<f64>() * ACQUISITION_DAYS;
            let name = &self.channels[channel].name;
            let mut repeat = false;
            loop {
                order_id += 1;
                let amount: f64 = value.sample(&mut rng);
                let day = START_DAY + now.floor() as i32;
                let _ = writeln!(
                    text,
                    "{order_id},C{customer:06},{},{amount:.2},{name}",
                    crate::days::format_day(day),
                );
                // The first purchase, then each repeat purchase: the next
                // comes after an exponential wait; after a repeat purchase
                // the customer leaves with probability `p` (BG/NBD: no
                // dropout at the first purchase).
                if repeat && rng.random::<f64>() < p_drop {
                    break;
                }
                repeat = true;
                now += rng.sample::<f64, _>(Exp1) / lambda;
                if now >= OBSERVATION_DAYS || now.is_nan() {
                    break;
                }
            }
            if text.len() > 1 << 16 {
                write(out, &text)?;
                text.clear();
            }
        }
        write(out, &text)?;
        Ok(counts)
    }
}

fn write<W: io::Write + ?Sized>(out: &mut W, text: &str) -> Result<()> {
    out.write_all(text.as_bytes())
        .map_err(|e| Error::options(format!("cannot write the generated shop: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_shop_and_channels_follow_their_shares() {
        let shop = ChannelShop {
            customers: 2000,
            seed: 9,
            ..ChannelShop::default()
        };
        let (mut one, mut two) = (Vec::new(), Vec::new());
        let counts = shop.generate(&mut one).unwrap();
        assert_eq!(shop.generate(&mut two).unwrap(), counts);
        assert_eq!(one, two);
        assert_eq!(counts.iter().sum::<usize>(), 2000);
        // Shares 0.5, 0.3, 0.2: each count within 4 binomial sd.
        for (count, share) in counts.iter().zip([0.5f64, 0.3, 0.2]) {
            let sd: f64 = (2000.0 * share * (1.0 - share)).sqrt();
            assert!(
                (*count as f64 - 2000.0 * share).abs() <= 4.0 * sd,
                "{counts:?}"
            );
        }
        let text = String::from_utf8(one).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("order_id,customer_id,order_date,amount,channel")
        );
        for line in lines {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), 5, "{line}");
            assert!(
                ["web", "instagram", "coupon"].contains(&fields[4]),
                "{line}"
            );
            assert!(("2023-01-01".."2025-01-01").contains(&fields[2]), "{line}");
            assert!(fields[3].parse::<f64>().unwrap() > 0.0, "{line}");
        }
    }

    #[test]
    fn bad_shops_are_refused() {
        let mut out = Vec::new();
        for shop in [
            ChannelShop {
                customers: 0,
                ..ChannelShop::default()
            },
            ChannelShop {
                channels: Vec::new(),
                ..ChannelShop::default()
            },
            ChannelShop {
                process: (0.5, -1.0, 0.8, 2.4),
                ..ChannelShop::default()
            },
        ] {
            assert!(shop.generate(&mut out).is_err());
        }
    }
}
