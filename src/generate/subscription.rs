//! A seeded 定期 (subscription) shop: subscribers who churn as the
//! shifted-beta-geometric model says, beside one-off buyers, written with a
//! subscription flag column, so that [`crate::subscription`] can be checked
//! against the parameters that made the data.
//!
//! # The process
//!
//! Each subscriber starts on a day drawn uniformly over the first
//! `acquisition_days` and draws a churn probability `θ ~ Beta(alpha, beta)`
//! (Fader & Hardie 2007). Delivery `k` comes `(k − 1) × cycle_days` after the
//! first, moved by a whole number of days drawn uniformly from `−2..=2` (none
//! for the first); after each delivery the subscriber cancels with
//! probability `θ`. Deliveries after the observation end are not written.
//! One-off buyers make one or two 通常 orders on uniform days. A delivery is
//! `delivery_value`, plus an add-on of a quarter of it with probability 0.2
//! (so that order values vary within a customer, as the spend model needs);
//! a one-off order is `one_off_value` times a uniform factor from 0.5 to 1.5,
//! rounded to 10.
//!
//! The CSV is `order_id,customer_id,order_date,amount,定期購入` with
//! `定期` or `通常` in the last column, rows in day order.
//!
//! # Channels
//!
//! With [`SubscriptionShop::channels`] (none by default), every customer
//! first draws a channel by the channels' shares, written in a last
//! `channel` column on each of their orders, and a subscriber's churn
//! probability is `θ ~ Beta(alpha·exp(γ_α), beta·exp(γ_β))` at the
//! channel's coefficients: the parameterisation
//! [`crate::models::sbg_covariate_effects`] fits (the first channel is the
//! baseline, `γ = 0`). [`SubscriptionChannel::defaults`]:
//!
//! | channel | share | γ_α | γ_β | churn at the first renewal |
//! |---|---|---|---|---|
//! | web (baseline) | 0.5 | 0 | 0 | 0.24 |
//! | instagram | 0.3 | −0.4 | 0.3 | 0.14 |
//! | coupon | 0.2 | 0.5 | −0.3 | 0.42 |
//!
//! (the churn at the first renewal `α_c/(α_c+β_c)` at the default
//! `alpha = 0.8, beta = 2.5`). Without channels the random stream, and so
//! the file, is the same as before channels existed.

use std::io;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution};

use crate::{Error, Result};

/// A subscription shop; [`SubscriptionShop::default`] gives a realistic one.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionShop {
    /// Subscribers (default 2,000).
    pub subscribers: usize,
    /// One-off buyers (default 500).
    pub one_off_customers: usize,
    /// First shape of the churn-probability distribution (default 0.8).
    pub alpha: f64,
    /// Second shape of the churn-probability distribution (default 2.5).
    pub beta: f64,
    /// Days between deliveries (default 30).
    pub cycle_days: u32,
    /// The first day, in days since 1970-01-01 (default 19358, 2023-01-01).
    pub start_day: i32,
    /// Subscribers start over this many days (default 365).
    pub acquisition_days: u32,
    /// The observation period from `start_day`, in days (default 730), at
    /// least `acquisition_days`.
    pub observation_days: u32,
    /// The amount of a delivery (default 3,980, yen).
    pub delivery_value: f64,
    /// The amount of a one-off order (default 4,980).
    pub one_off_value: f64,
    /// Seed of the one random number generator.
    pub seed: u64,
    /// The channels customers come through (module doc); empty (the
    /// default): no channel column.
    pub channels: Vec<SubscriptionChannel>,
}

/// One channel of a subscription shop and its churn coefficients.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionChannel {
    /// The value written in the `channel` column.
    pub name: String,
    /// Relative share of new customers.
    pub share: f64,
    /// `γ_α`: the churn shape `alpha` is the shop's times `exp(γ_α)`.
    pub alpha: f64,
    /// `γ_β`: the churn shape `beta` is the shop's times `exp(γ_β)`.
    pub beta: f64,
}

impl SubscriptionChannel {
    /// web, instagram and coupon (module doc table).
    pub fn defaults() -> Vec<SubscriptionChannel> {
        let channel = |name: &str, share, alpha, beta| SubscriptionChannel {
            name: name.to_owned(),
            share,
            alpha,
            beta,
        };
        vec![
            channel("web", 0.5, 0.0, 0.0),
            channel("instagram", 0.3, -0.4, 0.3),
            channel("coupon", 0.2, 0.5, -0.3),
        ]
    }
}

impl Default for SubscriptionShop {
    fn default() -> SubscriptionShop {
        SubscriptionShop {
            subscribers: 2000,
            one_off_customers: 500,
            alpha: 0.8,
            beta: 2.5,
            cycle_days: 30,
            start_day: 19358,
            acquisition_days: 365,
            observation_days: 730,
            delivery_value: 3980.0,
            one_off_value: 4980.0,
            seed: 0,
            channels: Vec::new(),
        }
    }
}

/// What the generated subscribers did, for recovery tests.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionTruth {
    /// Per subscriber (ids `s1`, `s2`, …): the churn probability `θ`.
    pub theta: Vec<f64>,
    /// Per subscriber: deliveries written (within the observation period).
    pub deliveries: Vec<u32>,
    /// Data rows written, the header excluded.
    pub lines: usize,
}

impl SubscriptionShop {
    /// Writes the shop's orders into `out` and returns what the subscribers did.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Options`] error for no subscribers, a shape that
    /// is not a finite positive number, a cycle of 0 days or an observation
    /// shorter than the acquisition; an [`crate::ErrorKind::Input`] error if
    /// `out` fails.
    pub fn generate<W: io::Write + ?Sized>(&self, out: &mut W) -> Result<SubscriptionTruth> {
        if self.subscribers == 0 {
            return Err(Error::options("subscribers must be at least 1, got 0"));
        }
        if self.cycle_days == 0 || self.observation_days < self.acquisition_days {
            return Err(Error::options(format!(
                "the cycle must be at least 1 day and the observation ({} days) at least the acquisition ({} days)",
                self.observation_days, self.acquisition_days
            )));
        }
        let churn_of = |gamma_alpha: f64, gamma_beta: f64| {
            let (alpha, beta) = (self.alpha * gamma_alpha.exp(), self.beta * gamma_beta.exp());
            Beta::new(alpha, beta).map_err(|e| {
                Error::options(format!(
                    "subscription churn Beta(alpha = {alpha}, beta = {beta}): {e}"
                ))
            })
        };
        let churn = churn_of(0.0, 0.0)?;
        let channel_churn = self
            .channels
            .iter()
            .map(|c| churn_of(c.alpha, c.beta))
            .collect::<Result<Vec<_>>>()?;
        let total_share: f64 = self.channels.iter().map(|c| c.share).sum();
        let shares_valid = self
            .channels
            .iter()
            .all(|c| c.share >= 0.0 && c.share.is_finite())
            && total_share > 0.0;
        if !self.channels.is_empty() && !shares_valid {
            return Err(Error::options(
                "channel shares must be numbers >= 0 with a positive sum",
            ));
        }
        let mut rng = StdRng::seed_from_u64(self.seed);
        // A channel by share; `None` without channels (no draw).
        let draw_channel = |rng: &mut StdRng| -> Option<usize> {
            if self.channels.is_empty() {
                return None;
            }
            let mut u = rng.random::<f64>() * total_share;
            for (i, c) in self.channels.iter().enumerate() {
                if u < c.share {
                    return Some(i);
                }
                u -= c.share;
            }
            Some(self.channels.len() - 1)
        };
        let end = i64::from(self.observation_days);
        // (day offset, customer, subscription, amount, channel) per order.
        let mut orders: Vec<(i64, String, bool, f64, Option<usize>)> = Vec::new();
        let mut theta = Vec::with_capacity(self.subscribers);
        let mut deliveries = Vec::with_capacity(self.subscribers);
        for s in 0..self.subscribers {
            let id = format!("s{}", s + 1);
            let channel = draw_channel(&mut rng);
            let start = rng.random_range(0..i64::from(self.acquisition_days.max(1)));
            let p: f64 = match channel {
                Some(c) => channel_churn[c].sample(&mut rng),
                None => churn.sample(&mut rng),
            };
            let mut k = 0u32;
            loop {
                let jitter = if k == 0 { 0 } else { rng.random_range(-2..=2) };
                let day = start + i64::from(k) * i64::from(self.cycle_days) + jitter;
                if day >= end {
                    break;
                }
                let add_on = if rng.random::<f64>() < 0.2 { 0.25 } else { 0.0 };
                orders.push((
                    day,
                    id.clone(),
                    true,
                    self.delivery_value * (1.0 + add_on),
                    channel,
                ));
                k += 1;
                if rng.random::<f64>() < p {
                    break;
                }
            }
            theta.push(p);
            deliveries.push(k);
        }
        for c in 0..self.one_off_customers {
            let id = format!("o{}", c + 1);
            let channel = draw_channel(&mut rng);
            for _ in 0..rng.random_range(1..=2) {
                let factor = 0.5 + rng.random::<f64>();
                let amount = (self.one_off_value * factor / 10.0).round() * 10.0;
                orders.push((rng.random_range(0..end), id.clone(), false, amount, channel));
            }
        }
        orders.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let mut text = String::from("order_id,customer_id,order_date,amount,定期購入");
        text.push_str(if self.channels.is_empty() {
            "\n"
        } else {
            ",channel\n"
        });
        for (i, (day, customer, subscription, amount, channel)) in orders.iter().enumerate() {
            let date = crate::days::format_day(self.start_day + *day as i32);
            let flag = if *subscription { "定期" } else { "通常" };
            text.push_str(&format!(
                "{},{customer},{date},{amount},{flag}",
                100_001 + i
            ));
            match channel {
                Some(c) => text.push_str(&format!(",{}\n", self.channels[*c].name)),
                None => text.push('\n'),
            }
        }
        out.write_all(text.as_bytes())
            .map_err(|e| Error::input(None, None, format!("cannot write the orders: {e}")))?;
        Ok(SubscriptionTruth {
            theta,
            deliveries,
            lines: orders.len(),
        })
    }
}
