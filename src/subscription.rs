//! 定期 (subscription) retention: of the customers who started a
//! subscription, how many still receive their `k`-th delivery, with the
//! shifted-beta-geometric model fitted to it and projected forward
//! ([`crate::models::ShiftedBetaGeometric`], Fader & Hardie 2007).
//!
//! # Definitions
//!
//! A **purchase** is an order as in [`crate::cohorts`], read from the same
//! [`Histories`]; purchases of one customer on one day are one **delivery**.
//!
//! - **Which orders are 定期** ([`Evidence`]). When the file has a
//!   subscription column (the ingest role `subscription`: a flag such as
//!   定期/通常, 1/0, true/false, or a 定期受注番号), the deliveries are the
//!   customer's purchases with a flagged line and the **subscribers** the
//!   customers with at least one. Otherwise the subscribers are **inferred
//!   from regular intervals**: customers with at least
//!   [`MIN_DETECTED_DELIVERIES`] deliveries whose gaps have a mean between
//!   [`CYCLE_DAYS`] (two to eight weeks, with two days' slack either side)
//!   and a coefficient of variation (standard deviation over mean) of at most
//!   [`MAX_INTERVAL_CV`]; all their purchases count as deliveries. An
//!   inference needs at least [`MIN_DETECTED_SUBSCRIBERS`] such customers,
//!   and at least [`MIN_DETECTED_SHARE`] (a fifth) of the customers with that
//!   many purchase days, so that the few buyers of an ordinary shop whose
//!   three purchases happen to fall evenly do not make a section (on the
//!   page's generated sample, 15 customers of several hundred do).
//!   Inferred subscribers reached their third delivery by construction, so
//!   their table and fit start at delivery 3 ([`SubscriptionReport::first_delivery`]):
//!   the retention is among those who reached it.
//! - **Cycle**: a subscriber's cycle is the median of their gaps between
//!   deliveries; the shop's cycle ([`SubscriptionReport::cycle_days`]) is the
//!   median of those; a subscriber with one delivery has the shop's cycle
//!   (30 days when nobody has two).
//! - **Right-censoring**: delivery `k` of a subscriber whose first delivery
//!   was on day `d` is **due** once `d + (k − 1) × cycle + cycle / 2` is on or
//!   before the observation end (half a cycle of grace for late
//!   deliveries). A subscriber with `n` deliveries **churned after `n`** when
//!   delivery `n + 1` is due, and is **censored after `n`** (still active,
//!   for all we know) when it is not.
//! - **At risk** for delivery `k`: subscribers who received delivery `k − 1`
//!   and for whom delivery `k` is due or received. **Conditional retention**
//!   `r_k` = received `k` / at risk; **離脱率** (churn at `k`) = `1 − r_k`;
//!   **継続率** (retention) = `r_2 × … × r_k` (Kaplan–Meier), the share of
//!   subscribers still receiving delivery `k`. **Share** is the plain
//!   ratio of those who received `k` among all subscribers for whom `k` is
//!   due or received.
//! - **sBG fit**: period `t` is the renewal after delivery `t`; churned
//!   subscribers add `ln P(T = n)` and censored ones `ln S(n − 1)` to the
//!   likelihood ([`SurvivalData::from_lifetimes`]), fitted by maximum
//!   likelihood. The fitted 継続率 of delivery `k` is `S(k − 1)`, shown to
//!   [`PROJECTED_DELIVERIES`] deliveries past the last observed one.
//!   Intervals: 95%, by the delta method on the fit's covariance (logit of
//!   the retention, log of the expected deliveries).
//! - **Expected deliveries**: `Σ_{k=1}^{36} S(k − 1)`, the expected number
//!   among the first [`LIFETIME_DELIVERIES`] (36: three years of a monthly
//!   cycle), finite for every `α`; the unbounded mean `(α + β − 1)/(α − 1)`
//!   exists only for `α > 1` and is given beside it. From delivery 3 (an
//!   inference): 2 + the expected deliveries from the 3rd on.
//! - **定期LTV** = expected deliveries × mean delivery value (net, over every
//!   delivery counted) × margin.
//! - **By start month**: the 継続率 of the subscribers whose counted first
//!   delivery is in that month, to [`MONTH_DELIVERIES`] deliveries.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cohorts::{Histories, Order};
use crate::days::format_day;
use crate::models::{Fit, FitOptions, Lifetime, ShiftedBetaGeometric, SurvivalData};
use crate::stats::median;

/// Inference from intervals: the fewest deliveries.
pub const MIN_DETECTED_DELIVERIES: usize = 3;
/// Inference from intervals: the largest coefficient of variation of the gaps.
pub const MAX_INTERVAL_CV: f64 = 0.25;
/// Inference from intervals: the range of the mean gap, in days.
pub const CYCLE_DAYS: std::ops::RangeInclusive<f64> = 12.0..=58.0;
/// Inference from intervals: the fewest subscribers for a section.
pub const MIN_DETECTED_SUBSCRIBERS: usize = 10;
/// Inference from intervals: the smallest share of the customers with
/// [`MIN_DETECTED_DELIVERIES`] purchase days or more who must be regular.
pub const MIN_DETECTED_SHARE: f64 = 0.2;
/// The deliveries the expected deliveries and the 定期LTV count.
pub const LIFETIME_DELIVERIES: u32 = 36;
/// The fitted curve goes this many deliveries past the last observed one.
pub const PROJECTED_DELIVERIES: u32 = 12;
/// The longest observed table.
pub const MAX_DELIVERIES: u32 = 60;
/// Deliveries per start-month row.
pub const MONTH_DELIVERIES: u32 = 12;
/// The shop's cycle when no subscriber has two deliveries.
const DEFAULT_CYCLE_DAYS: f64 = 30.0;
/// The normal quantile of a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// How the 定期 orders were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// The file's subscription column.
    Flag,
    /// Inferred from regular intervals (no subscription column).
    Intervals,
}

/// The subscription retention of a shop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubscriptionReport {
    /// How the 定期 orders were found.
    pub evidence: Evidence,
    /// The observation end (ISO date).
    pub observation_end: String,
    /// Subscribers counted.
    pub subscribers: u64,
    /// Deliveries counted (from `first_delivery` on).
    pub deliveries: u64,
    /// The shop's cycle, in days (module doc).
    pub cycle_days: f64,
    /// The first delivery of the table: 1, or 3 for an inference.
    pub first_delivery: u32,
    /// Mean net value of a delivery.
    pub average_delivery_value: f64,
    /// The margin the 定期LTV is multiplied by.
    pub margin: f64,
    /// The observed table, one row per delivery from `first_delivery`.
    pub observed: Vec<DeliveryStep>,
    /// The sBG fit and its projection; `None` when it cannot be fitted
    /// (nobody churned, or too few subscribers: `fit_error` says why).
    pub fit: Option<SubscriptionFit>,
    /// Why there is no fit (the report turns it into a note).
    #[serde(skip)]
    pub fit_error: Option<String>,
    /// The first delivery whose 継続率 (fitted, else observed) is below one
    /// half: "by the k-th delivery half have cancelled"; `None` if none.
    pub half_gone_by: Option<u32>,
    /// The 継続率 by start month, oldest first.
    pub by_month: Vec<MonthRetention>,
}

/// One row of the observed table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryStep {
    /// Delivery number `k`.
    pub delivery: u32,
    /// Subscribers who received `k − 1` and for whom `k` is due or received.
    pub at_risk: u64,
    /// Of those, who received `k`.
    pub received: u64,
    /// 継続率: the Kaplan–Meier share still receiving `k`.
    pub retention: f64,
    /// 離脱率 at `k`: `1 − received / at_risk`; `None` for the first row.
    pub churn: Option<f64>,
    /// Received `k` among every subscriber for whom `k` is due or received.
    pub share: f64,
}

/// The sBG fit on the censored lifetimes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubscriptionFit {
    /// Churn-probability shape `alpha`.
    pub alpha: f64,
    /// Churn-probability shape `beta`.
    pub beta: f64,
    /// Standard error of `alpha`, when the Hessian allows.
    pub alpha_se: Option<f64>,
    /// Standard error of `beta`, when the Hessian allows.
    pub beta_se: Option<f64>,
    /// Log-likelihood at the estimates.
    pub log_likelihood: f64,
    /// The fitted curve from `first_delivery` to the last observed delivery
    /// plus [`PROJECTED_DELIVERIES`].
    pub curve: Vec<FittedStep>,
    /// The first projected delivery (past the observed table).
    pub projected_from: u32,
    /// Expected deliveries among the first [`LIFETIME_DELIVERIES`].
    pub expected_deliveries: f64,
    /// Its 95% interval, when there are standard errors.
    pub expected_deliveries_interval: Option<[f64; 2]>,
    /// The unbounded mean lifetime in deliveries; `None` when infinite
    /// (`alpha <= 1`).
    pub mean_deliveries: Option<f64>,
    /// 定期LTV: expected deliveries × mean delivery value × margin.
    pub ltv: f64,
    /// Its 95% interval, when there are standard errors.
    pub ltv_interval: Option<[f64; 2]>,
}

/// One delivery of the fitted curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FittedStep {
    /// Delivery number `k`.
    pub delivery: u32,
    /// Fitted 継続率 `S(k − first_delivery)`.
    pub retention: f64,
    /// Fitted 離脱率 at `k` (`None` for the first row).
    pub churn: Option<f64>,
    /// 95% interval of the retention, when there are standard errors.
    pub interval: Option<[f64; 2]>,
}

/// The 継続率 of the subscribers who started in one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthRetention {
    /// The month of the first counted delivery, `YYYY-MM`.
    pub month: String,
    /// Subscribers who started then.
    pub subscribers: u64,
    /// 継続率 from `first_delivery` on, while anyone is at risk.
    pub retention: Vec<f64>,
}

/// Why there is no subscription section.
#[derive(Debug, Clone, PartialEq)]
pub struct NoSubscriptions(pub String);

/// The subscription retention of `histories` (module doc); `margin` as in
/// the report options (0 to 1, checked there).
///
/// # Errors
///
/// [`NoSubscriptions`] with the reason when there is no 定期 evidence. A fit
/// that fails leaves `fit` empty and says why in `fit_error`.
pub fn subscription_retention(
    histories: &Histories<'_>,
    margin: f64,
) -> Result<SubscriptionReport, NoSubscriptions> {
    let Found {
        evidence,
        first_delivery,
        subscribers,
        cycle_days,
        lives,
    } = find_subscribers(histories)?;
    let skip = first_delivery as usize - 1;
    let end = histories.end_day();
    let (deliveries, value): (u64, f64) = subscribers.iter().fold((0, 0.0), |(n, v), (_, s)| {
        (
            n + s.days.len().saturating_sub(skip) as u64,
            v + s.value_from(skip),
        )
    });
    let average_delivery_value = if deliveries > 0 {
        value / deliveries as f64
    } else {
        0.0
    };
    let observed = observed_table(&lives, first_delivery, MAX_DELIVERIES);
    let (fit, fit_error) = match fit_lives(&lives) {
        Ok(fit) => (
            Some(fitted(
                &fit,
                &observed,
                first_delivery,
                average_delivery_value,
                margin,
            )),
            None,
        ),
        Err(err) => (None, Some(err)),
    };
    let half_gone_by = match &fit {
        Some(f) => f
            .curve
            .iter()
            .find(|s| s.retention < 0.5)
            .map(|s| s.delivery),
        None => observed
            .iter()
            .find(|s| s.retention < 0.5)
            .map(|s| s.delivery),
    };
    let mut months: BTreeMap<String, Vec<Life>> = BTreeMap::new();
    for life in &lives {
        let mut month = format_day(life.start);
        month.truncate(7);
        months.entry(month).or_default().push(*life);
    }
    Ok(SubscriptionReport {
        evidence,
        observation_end: format_day(end),
        subscribers: lives.len() as u64,
        deliveries,
        cycle_days,
        first_delivery,
        average_delivery_value,
        margin,
        observed,
        fit,
        fit_error,
        half_gone_by,
        by_month: months
            .into_iter()
            .map(|(month, lives)| MonthRetention {
                month,
                subscribers: lives.len() as u64,
                retention: observed_table(&lives, first_delivery, MONTH_DELIVERIES)
                    .into_iter()
                    .map(|s| s.retention)
                    .collect(),
            })
            .collect(),
    })
}

/// The subscribers of a shop and their lifetimes (module doc).
struct Found {
    evidence: Evidence,
    first_delivery: u32,
    /// `(customer index, deliveries)`, in customer order.
    subscribers: Vec<(usize, Subscriber)>,
    cycle_days: f64,
    /// The lifetime of each of `subscribers`.
    lives: Vec<Life>,
}

fn find_subscribers(histories: &Histories<'_>) -> Result<Found, NoSubscriptions> {
    let flagged = histories.transactions().subscription_col().is_some();
    let (evidence, first_delivery) = if flagged {
        (Evidence::Flag, 1)
    } else {
        (Evidence::Intervals, MIN_DETECTED_DELIVERIES as u32)
    };
    let mut subscribers: Vec<(usize, Subscriber)> = Vec::new();
    let mut days: Vec<(i32, f64)> = Vec::new();
    let mut frequent = 0usize;
    for (customer, orders) in histories.iter() {
        delivery_days(orders, flagged, &mut days);
        if days.len() >= MIN_DETECTED_DELIVERIES {
            frequent += 1;
        }
        let keep = if flagged {
            !days.is_empty()
        } else {
            regular(&days)
        };
        if keep {
            subscribers.push((customer, Subscriber::new(&days)));
        }
    }
    let too_few = subscribers.len() < MIN_DETECTED_SUBSCRIBERS
        || (subscribers.len() as f64) < MIN_DETECTED_SHARE * frequent as f64;
    if subscribers.is_empty() || (!flagged && too_few) {
        return Err(NoSubscriptions(if flagged {
            "the subscription column marks no purchase as a subscription order".to_owned()
        } else {
            let noun = if frequent == 1 {
                "customer"
            } else {
                "customers"
            };
            // "none of the 15 customers … buys", not "only 0 of the 15".
            let regulars = match subscribers.len() {
                0 if frequent == 1 => "the 1 customer with".to_owned(),
                0 => format!("none of the {frequent} customers with"),
                n => format!("only {n} of the {frequent} {noun} with"),
            };
            let verb = if subscribers.is_empty() && frequent == 1 {
                "does not buy"
            } else if subscribers.is_empty() {
                "buys"
            } else {
                "buy"
            };
            format!(
                "no subscription column, and {regulars} \
                 {MIN_DETECTED_DELIVERIES} or more purchase days {verb} at regular intervals of 2 to 8 weeks \
                 (at least {MIN_DETECTED_SUBSCRIBERS} and a fifth are needed)"
            )
        }));
    }
    // Inferred subscribers are counted from their third delivery.
    let skip = first_delivery as usize - 1;
    let mut own_cycles: Vec<f64> = subscribers.iter().filter_map(|(_, s)| s.cycle).collect();
    let cycle_days = median(&mut own_cycles).unwrap_or(DEFAULT_CYCLE_DAYS);
    let end = histories.end_day();
    let lives: Vec<Life> = subscribers
        .iter()
        .map(|(_, s)| s.life(skip, cycle_days, end))
        .collect();
    Ok(Found {
        evidence,
        first_delivery,
        subscribers,
        cycle_days,
        lives,
    })
}

/// One subscriber's lifetime with the group of their first purchase, for
/// the sBG with a covariate ([`crate::models::sbg_covariate_effects`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriberLifetime {
    /// The customer id.
    pub customer_id: String,
    /// The group column's value on the customer's first purchase (the rule
    /// of [`crate::groups::first_purchase_groups`]); `None` without one or
    /// without a group column.
    pub group: Option<String>,
    /// Renewals counted from the counted first delivery (module doc): a
    /// subscriber who churned after `n` deliveries churned after `n`
    /// periods; one censored after `n` was seen active for `n − 1`.
    pub lifetime: Lifetime,
}

/// Every subscriber's lifetime as the sBG fit of
/// [`subscription_retention`] counts it, with the group of their first
/// purchase, in customer order.
///
/// # Errors
///
/// [`NoSubscriptions`] with the reason when there is no 定期 evidence.
pub fn subscriber_lifetimes(
    histories: &Histories<'_>,
) -> Result<Vec<SubscriberLifetime>, NoSubscriptions> {
    let found = find_subscribers(histories)?;
    let t = histories.transactions();
    Ok(found
        .subscribers
        .iter()
        .zip(&found.lives)
        .map(|((customer, _), life)| {
            let first = histories.of(*customer).first();
            let group = first
                .map(|o| o.group)
                .filter(|&g| g != crate::transactions::NONE && t.group_col().is_some())
                .map(|g| t.groups().name(g).to_owned());
            SubscriberLifetime {
                customer_id: t.customers().name(*customer as u32).to_owned(),
                group,
                lifetime: life.lifetime(),
            }
        })
        .collect())
}

/// A subscriber's deliveries: `(day, value)` in day order, one per day.
struct Subscriber {
    days: Vec<(i32, f64)>,
    /// The median gap, with two deliveries or more.
    cycle: Option<f64>,
}

impl Subscriber {
    fn new(days: &[(i32, f64)]) -> Subscriber {
        let mut gaps: Vec<f64> = days
            .windows(2)
            .map(|w| f64::from(w[1].0 - w[0].0))
            .collect();
        Subscriber {
            days: days.to_vec(),
            cycle: median(&mut gaps),
        }
    }

    fn value_from(&self, skip: usize) -> f64 {
        self.days.iter().skip(skip).map(|d| d.1).sum()
    }

    /// The lifetime counted from delivery `skip + 1`.
    fn life(&self, skip: usize, shop_cycle: f64, end: i32) -> Life {
        let cycle = self.cycle.unwrap_or(shop_cycle);
        let counted = &self.days[skip.min(self.days.len() - 1)..];
        let start = counted[0].0;
        let received = counted.len() as u32;
        // Deliveries counted from `start` due by the end: k is due when
        // start + (k - 1) cycle + cycle / 2 <= end.
        let span = f64::from(end - start) - cycle / 2.0;
        let due = if span < 0.0 {
            0
        } else {
            1 + (span / cycle).floor().min(f64::from(u32::MAX - 1)) as u32
        };
        Life {
            start,
            received,
            due: due.max(received),
        }
    }
}

/// A subscriber's lifetime in deliveries from the counted first one.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Life {
    /// Day of the counted first delivery.
    start: i32,
    /// Deliveries received (at least 1).
    received: u32,
    /// Deliveries due or received by the observation end (`>= received`).
    due: u32,
}

impl Life {
    /// Whether the next delivery was due and did not come.
    fn churned(&self) -> bool {
        self.due > self.received
    }

    /// The lifetime in periods as [`fit_lives`] counts it.
    fn lifetime(&self) -> Lifetime {
        let churned = self.churned();
        Lifetime {
            periods: if churned {
                self.received
            } else {
                self.received - 1
            },
            churned,
        }
    }
}

/// The customer's deliveries into `out`: the flagged purchases (all of them
/// without a flag column), one per day with the day's net value.
fn delivery_days(orders: &[Order], flagged: bool, out: &mut Vec<(i32, f64)>) {
    out.clear();
    for o in orders.iter().filter(|o| !flagged || o.subscription) {
        match out.last_mut() {
            Some(last) if last.0 == o.day => last.1 += o.amount,
            _ => out.push((o.day, o.amount)),
        }
    }
}

/// Whether deliveries come at regular intervals (module doc).
fn regular(days: &[(i32, f64)]) -> bool {
    if days.len() < MIN_DETECTED_DELIVERIES {
        return false;
    }
    let gaps: Vec<f64> = days
        .windows(2)
        .map(|w| f64::from(w[1].0 - w[0].0))
        .collect();
    let n = gaps.len() as f64;
    let mean = gaps.iter().sum::<f64>() / n;
    let variance = gaps.iter().map(|g| (g - mean) * (g - mean)).sum::<f64>() / n;
    CYCLE_DAYS.contains(&mean) && variance.sqrt() / mean <= MAX_INTERVAL_CV
}

/// The observed table of `lives`, from delivery `first` while anyone is at
/// risk, at most `rows` rows.
fn observed_table(lives: &[Life], first: u32, rows: u32) -> Vec<DeliveryStep> {
    let mut table: Vec<DeliveryStep> = Vec::new();
    let mut retention = 1.0;
    for j in 1..=rows {
        // `j`: the delivery counted from `first` (1 = the first one).
        let at_risk = lives
            .iter()
            .filter(|l| l.received + 1 >= j && l.due >= j)
            .count() as u64;
        if at_risk == 0 {
            break;
        }
        let received = lives.iter().filter(|l| l.received >= j).count() as u64;
        let due = lives.iter().filter(|l| l.due >= j).count() as u64;
        let conditional = received as f64 / at_risk as f64;
        if j > 1 {
            retention *= conditional;
        }
        table.push(DeliveryStep {
            delivery: first + j - 1,
            at_risk,
            received,
            retention,
            churn: (j > 1).then_some(1.0 - conditional),
            share: received as f64 / due as f64,
        });
    }
    table
}

/// The sBG fit on the lifetimes; the error message when it cannot be fitted.
fn fit_lives(lives: &[Life]) -> Result<Fit<ShiftedBetaGeometric>, String> {
    let periods = lives.iter().map(|l| l.received as usize).max().unwrap_or(1);
    let mut lost = vec![0.0; periods];
    let mut censored = vec![0.0; periods + 1];
    for l in lives {
        if l.churned() {
            lost[l.received as usize - 1] += 1.0;
        } else {
            censored[l.received as usize - 1] += 1.0;
        }
    }
    SurvivalData::from_lifetimes(&lost, &censored)
        .and_then(|data| ShiftedBetaGeometric::fit(&data, &FitOptions::default()))
        .map_err(|err| err.to_string())
}

/// The fitted curve, its projection, the expected deliveries and the LTV.
fn fitted(
    fit: &Fit<ShiftedBetaGeometric>,
    observed: &[DeliveryStep],
    first: u32,
    value: f64,
    margin: f64,
) -> SubscriptionFit {
    let m = fit.model();
    let (alpha, beta) = (m.alpha(), m.beta());
    // A fit at a parameter bound or short of convergence has no meaningful
    // curvature: no standard errors or intervals then.
    let trusted = fit.diagnostics().is_empty();
    let covariance = fit
        .covariance()
        .filter(|_| trusted)
        .map(|c| [c[0], c[1], c[2], c[3]]);
    let se = fit.standard_errors().filter(|_| trusted);
    let last = observed.last().map_or(first, |s| s.delivery);
    let curve = (first..=last + PROJECTED_DELIVERIES)
        .map(|k| {
            let t = k - first;
            let survival = |a: f64, b: f64| {
                ShiftedBetaGeometric::new(a, b).map_or(f64::NAN, |m| m.survival(t))
            };
            FittedStep {
                delivery: k,
                retention: m.survival(t),
                churn: (t > 0).then(|| 1.0 - m.retention_rate(t)),
                interval: covariance
                    .and_then(|c| delta_interval(alpha, beta, &c, survival, Scale::Logit)),
            }
        })
        .collect();
    let before = f64::from(first - 1);
    let counted = LIFETIME_DELIVERIES - (first - 1);
    let expected = |a: f64, b: f64| {
        ShiftedBetaGeometric::new(a, b)
            .map_or(f64::NAN, |m| before + m.expected_periods_within(counted))
    };
    let expected_deliveries = expected(alpha, beta);
    let expected_deliveries_interval =
        covariance.and_then(|c| delta_interval(alpha, beta, &c, expected, Scale::Log));
    let per_delivery = value * margin;
    SubscriptionFit {
        alpha,
        beta,
        alpha_se: se.and_then(|s| s.get("alpha")),
        beta_se: se.and_then(|s| s.get("beta")),
        log_likelihood: fit.log_likelihood(),
        curve,
        projected_from: last + 1,
        expected_deliveries,
        expected_deliveries_interval,
        mean_deliveries: m.mean_lifetime().map(|mean| before + mean),
        ltv: expected_deliveries * per_delivery,
        ltv_interval: expected_deliveries_interval
            .map(|[lo, hi]| [lo * per_delivery, hi * per_delivery]),
    }
}

/// The scale a delta-method interval is symmetric on.
#[derive(Clone, Copy)]
enum Scale {
    /// `ln(p / (1 - p))`, for a probability.
    Logit,
    /// `ln x`, for a positive amount.
    Log,
}

/// The 95% delta-method interval of `g(alpha, beta)` on `scale`, with the
/// covariance `c` (row-major 2 × 2) and the gradient by central differences
/// (relative step `1e-5`); `None` where `g` is not finite or its value is at
/// the edge of the scale.
fn delta_interval(
    alpha: f64,
    beta: f64,
    c: &[f64; 4],
    g: impl Fn(f64, f64) -> f64,
    scale: Scale,
) -> Option<[f64; 2]> {
    let to = |v: f64| match scale {
        Scale::Logit => (v / (1.0 - v)).ln(),
        Scale::Log => v.ln(),
    };
    let from = |h: f64| match scale {
        Scale::Logit => 1.0 / (1.0 + (-h).exp()),
        Scale::Log => h.exp(),
    };
    let h = to(g(alpha, beta));
    if !h.is_finite() {
        return None;
    }
    let step = 1e-5;
    let da = (to(g(alpha * (1.0 + step), beta)) - to(g(alpha * (1.0 - step), beta)))
        / (2.0 * alpha * step);
    let db = (to(g(alpha, beta * (1.0 + step))) - to(g(alpha, beta * (1.0 - step))))
        / (2.0 * beta * step);
    let variance = da * da * c[0] + 2.0 * da * db * c[1] + db * db * c[3];
    if !(variance.is_finite() && variance >= 0.0 && da.is_finite() && db.is_finite()) {
        return None;
    }
    let half = Z95 * variance.sqrt();
    Some([from(h - half), from(h + half)])
}

#[cfg(test)]
mod tests;
