//! Campaign comparison (A/B): customers split by the `group` value of their
//! first purchase (channel, coupon, campaign), each group compared with a
//! baseline group.
//!
//! | metric | unit | interval and test |
//! |---|---|---|
//! | repeat rate | customers | Wald interval of the difference; two-proportion z-test (pooled) |
//! | AOV | orders | Welch's t interval and test on order values |
//! | orders per customer | customers | Welch's t interval and test |
//! | formula LTV | customers | seeded bootstrap over customers within each group |
//! | model LTV | customers | seeded bootstrap over customers (the model is not refitted) |
//!
//! Bootstrap intervals are percentile intervals of the difference; the
//! bootstrap p-value is twice the smaller share of draws on either side of 0
//! (at most 1). AOV treats orders as independent, which understates its
//! uncertainty when a few customers place many orders.
//!
//! Each metric has a plain-language verdict such as "B's repeat rate is 4.1
//! points higher than A's (95% CI 1.2 to 7.0; z-test p = 0.004)".
//!
//! # Two files
//!
//! [`merge_files`] turns separate order files (one per campaign or test arm)
//! into one whose group column names the file, so that [`compare`] treats
//! them exactly as one file with a group column: the same customer id in
//! two files is one customer, in the group of the file of their first
//! purchase; order ids are kept apart per file; the model is fitted on all
//! customers together.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::cohorts::Histories;
use crate::customers::{
    CustomerFacts, CustomerRow, FormulaContext, SegmentStats, ShopModel, Tally, ValueOptions,
};
use crate::summary::Summary;
use crate::transactions::{Line, LineKind, Transactions, TransactionsBuilder, NONE};
use crate::{Error, Result};

/// Options for [`compare`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompareOptions {
    /// The group the others are compared with (default: the largest).
    pub baseline: Option<String>,
    /// Bootstrap draws (default 1,000).
    pub draws: u32,
    /// Bootstrap seed (default 1).
    pub seed: u64,
    /// Interval coverage (default 0.95).
    pub confidence: f64,
    /// Model LTV horizon and discount rate.
    pub value: ValueOptions,
}

impl Default for CompareOptions {
    fn default() -> CompareOptions {
        CompareOptions {
            baseline: None,
            draws: 1000,
            seed: 1,
            confidence: 0.95,
            value: ValueOptions::default(),
        }
    }
}

/// Groups and their contrasts with the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Each group's statistics, the largest first.
    pub groups: Vec<GroupStats>,
    /// Each non-baseline group against the baseline.
    pub contrasts: Vec<Contrast>,
    /// Customers whose first purchase has no group value, left out.
    pub ungrouped_customers: u64,
}

/// One group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupStats {
    /// The group value.
    pub name: String,
    /// Its statistics.
    #[serde(flatten)]
    pub stats: SegmentStats,
}

/// One group against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contrast {
    /// The group.
    pub group: String,
    /// The baseline group.
    pub baseline: String,
    /// One row per metric.
    pub metrics: Vec<MetricContrast>,
}

/// One metric, group minus baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricContrast {
    /// `repeat_rate`, `aov`, `orders_per_customer`, `formula_ltv` or `model_ltv`.
    pub metric: &'static str,
    /// The baseline's value.
    pub baseline_value: f64,
    /// The group's value.
    pub group_value: f64,
    /// `group_value - baseline_value`.
    pub difference: f64,
    /// Lower end of the interval of the difference.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Two-sided p-value of "no difference".
    pub p_value: f64,
    /// The test: `two-proportion z`, `welch t` or `bootstrap`.
    pub test: &'static str,
    /// A sentence for people.
    pub verdict: String,
}

/// Compares the groups of `t`'s `group` column.
///
/// # Errors
///
/// [`crate::ErrorKind::Options`] without a group column, with fewer than two
/// groups, an unknown baseline, or a confidence outside (0, 1); the errors of
/// [`crate::segments::segments`] for the data and model.
pub fn compare(
    t: &Transactions,
    summary: &Summary,
    model: Option<&ShopModel>,
    options: &CompareOptions,
) -> Result<Comparison> {
    if t.group_col().is_none() {
        return Err(Error::options(
            "no group column to compare: choose one with the group mapping (--group COL)",
        ));
    }
    if !(options.confidence > 0.0 && options.confidence < 1.0) {
        return Err(Error::options(format!(
            "confidence must be between 0 and 1, got {}",
            options.confidence
        )));
    }
    let values = model
        .map(|m| m.customer_values(summary, &options.value))
        .transpose()?;
    let facts = CustomerFacts::build(&Histories::new(t)?, summary, values)?;
    let n_groups = t.groups().len();
    let mut members: Vec<Vec<&CustomerRow>> = vec![Vec::new(); n_groups];
    let mut ungrouped = 0;
    for row in &facts.rows {
        if row.group == NONE {
            ungrouped += 1;
        } else {
            members[row.group as usize].push(row);
        }
    }
    let mut order: Vec<usize> = (0..n_groups).filter(|&g| !members[g].is_empty()).collect();
    order.sort_by(|&a, &b| {
        members[b]
            .len()
            .cmp(&members[a].len())
            .then_with(|| t.groups().name(a as u32).cmp(t.groups().name(b as u32)))
    });
    if order.len() < 2 {
        return Err(Error::options(format!(
            "comparing needs two groups of customers, found {}",
            order.len()
        )));
    }
    let name = |g: usize| t.groups().name(g as u32);
    let baseline = match &options.baseline {
        None => order[0],
        Some(b) => *order
            .iter()
            .find(|&&g| name(g) == b)
            .ok_or_else(|| Error::options(format!("baseline group \"{b}\" has no customers")))?,
    };
    let ctx = &facts.context;
    let groups = order
        .iter()
        .map(|&g| GroupStats {
            name: name(g).to_owned(),
            stats: tally(&members[g]).stats(ctx),
        })
        .collect();
    let mut rng = StdRng::seed_from_u64(options.seed);
    let contrasts = order
        .iter()
        .filter(|&&g| g != baseline)
        .map(|&g| Contrast {
            group: name(g).to_owned(),
            baseline: name(baseline).to_owned(),
            metrics: contrast(
                &members[baseline],
                &members[g],
                (name(baseline), name(g)),
                ctx,
                options,
                &mut rng,
            ),
        })
        .collect();
    Ok(Comparison {
        groups,
        contrasts,
        ungrouped_customers: ungrouped,
    })
}

/// Order files as one, each line's group set to the name of its file (the
/// files' own group columns are dropped).
///
/// # Errors
///
/// [`crate::ErrorKind::Options`] with fewer than two files, or with an empty
/// or repeated name.
pub fn merge_files(files: &[(&str, &Transactions)]) -> Result<Transactions> {
    if files.len() < 2 {
        return Err(Error::options(format!(
            "comparing files needs two or more, got {}",
            files.len()
        )));
    }
    for (i, (name, _)) in files.iter().enumerate() {
        if name.trim().is_empty() {
            return Err(Error::options(format!(
                "file {} has an empty group name",
                i + 1
            )));
        }
        if files[..i].iter().any(|(other, _)| other == name) {
            return Err(Error::options(format!(
                "two files have the same group name \"{name}\": name them with --names"
            )));
        }
    }
    let mut b = TransactionsBuilder::new();
    // Sized once; without the memory the columns grow as they fill.
    let _ = b.try_reserve(files.iter().map(|(_, t)| t.len()).sum());
    let mut order = String::new();
    for (i, (name, t)) in files.iter().enumerate() {
        let (customer, orders, day, amount) =
            (t.customer_col(), t.order_col(), t.day_col(), t.amount_col());
        let (item, reversal, nps) = (t.item_col(), t.reversal_col(), t.nps_col());
        for row in 0..t.len() {
            // Order ids of different files never merge. A store keeps its
            // orders as dense indices (not their ids' text); one index is
            // one id, so the index stands for it.
            order.clear();
            order.push_str(&i.to_string());
            order.push('\u{1f}');
            order.push_str(itoa::Buffer::new().format(orders[row]));
            let item_id = (item[row] != NONE).then(|| t.items().name(item[row]));
            let item_name = (item[row] != NONE)
                .then(|| t.item_name(item[row]))
                .filter(|n| Some(*n) != item_id);
            b.push(&Line {
                customer: (customer[row] != NONE).then(|| t.customers().name(customer[row])),
                order: &order,
                day: day[row],
                amount: amount[row],
                item: item_id,
                item_name,
                kind: if reversal[row] {
                    LineKind::Reversal
                } else {
                    LineKind::Sale
                },
                nps: nps.and_then(|v| (v[row] <= 10).then_some(v[row])),
                group: Some(name),
                subscription: t.subscription_col().map(|s| s[row]),
            });
        }
    }
    Ok(b.finish())
}

fn tally(rows: &[&CustomerRow]) -> Tally {
    let mut t = Tally::default();
    for r in rows {
        t.add(r);
    }
    t
}

fn contrast(
    a: &[&CustomerRow],
    b: &[&CustomerRow],
    (name_a, name_b): (&str, &str),
    ctx: &FormulaContext,
    options: &CompareOptions,
    rng: &mut StdRng,
) -> Vec<MetricContrast> {
    let level = options.confidence;
    let mut out = Vec::new();
    let (ta, tb) = (tally(a), tally(b));
    // Repeat rate: two-proportion z.
    {
        let r = repeat_rate_difference(&ta, &tb, level);
        out.push(finish(
            "repeat_rate",
            (ta.repeat_rate(), tb.repeat_rate()),
            (r.low, r.high),
            r.p_value,
            "two-proportion z",
            (name_a, name_b),
            level,
        ));
    }
    // AOV on order values, orders per customer on customers: Welch.
    let order_moments = |rows: &[&CustomerRow]| {
        let n: f64 = rows.iter().map(|r| f64::from(r.orders)).sum();
        let sum: f64 = rows.iter().map(|r| r.revenue).sum();
        let sq: f64 = rows.iter().map(|r| r.revenue_sq).sum();
        moments(n, sum, sq)
    };
    let customer_moments = |rows: &[&CustomerRow]| {
        let n = rows.len() as f64;
        let sum: f64 = rows.iter().map(|r| f64::from(r.orders)).sum();
        let sq: f64 = rows.iter().map(|r| f64::from(r.orders).powi(2)).sum();
        moments(n, sum, sq)
    };
    for (metric, m) in [
        ("aov", order_moments as fn(&[&CustomerRow]) -> Moments),
        ("orders_per_customer", customer_moments),
    ] {
        let (ma, mb) = (m(a), m(b));
        let (low, high, p_value) = welch(&ma, &mb, level);
        out.push(finish(
            metric,
            (ma.mean, mb.mean),
            (low, high),
            p_value,
            "welch t",
            (name_a, name_b),
            level,
        ));
    }
    // LTVs: seeded bootstrap over customers.
    let formula = |t: &Tally| t.formula_ltv(ctx);
    let model = |t: &Tally| t.mean_model_ltv();
    for (metric, f) in [
        ("formula_ltv", &formula as &dyn Fn(&Tally) -> Option<f64>),
        ("model_ltv", &model),
    ] {
        let (Some(va), Some(vb)) = (f(&ta), f(&tb)) else {
            continue;
        };
        let mut diffs = Vec::with_capacity(options.draws as usize);
        for _ in 0..options.draws {
            let (ra, rb) = (resample(a, rng), resample(b, rng));
            if let (Some(x), Some(y)) = (f(&ra), f(&rb)) {
                diffs.push(y - x);
            }
        }
        let d = vb - va;
        let (low, high, p_value) = bootstrap_interval(&mut diffs, d, level);
        out.push(finish(
            metric,
            (va, vb),
            (low, high),
            p_value,
            "bootstrap",
            (name_a, name_b),
            level,
        ));
    }
    out
}

/// The repeat rate of `b` minus that of `a`: its Wald interval at `level`
/// and the two-sided p-value of the pooled two-proportion z-test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RateDifference {
    /// `p_b - p_a`.
    pub difference: f64,
    /// `d - z·√(p_a(1-p_a)/n_a + p_b(1-p_b)/n_b)`.
    pub low: f64,
    /// `d + z·√(…)`.
    pub high: f64,
    /// `2(1 - Φ(|d| / √(p̄(1-p̄)(1/n_a + 1/n_b))))`, `p̄` pooled; 1 when
    /// the pooled rate is 0 or 1.
    pub p_value: f64,
}

/// The repeat-rate contrast of [`compare`] (module doc), also used by
/// [`crate::groups`]. Both tallies must have customers.
pub(crate) fn repeat_rate_difference(a: &Tally, b: &Tally, level: f64) -> RateDifference {
    let z = normal_quantile(0.5 + level / 2.0);
    let (n1, n2) = (a.customers as f64, b.customers as f64);
    let (p1, p2) = (a.repeat_rate(), b.repeat_rate());
    let se = (p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2).sqrt();
    let pooled = (a.repeaters + b.repeaters) as f64 / (n1 + n2);
    let se0 = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    let d = p2 - p1;
    let p_value = if se0 > 0.0 {
        2.0 * (1.0 - normal_cdf((d / se0).abs()))
    } else {
        1.0
    };
    RateDifference {
        difference: d,
        low: d - z * se,
        high: d + z * se,
        p_value,
    }
}

fn resample(rows: &[&CustomerRow], rng: &mut StdRng) -> Tally {
    let mut t = Tally::default();
    for _ in 0..rows.len() {
        t.add(rows[rng.random_range(0..rows.len())]);
    }
    t
}

/// Count, mean and sample variance.
#[derive(Debug, Clone, Copy)]
struct Moments {
    n: f64,
    mean: f64,
    variance: f64,
}

fn moments(n: f64, sum: f64, sq: f64) -> Moments {
    let mean = if n > 0.0 { sum / n } else { 0.0 };
    let variance = if n > 1.0 {
        ((sq - n * mean * mean) / (n - 1.0)).max(0.0)
    } else {
        0.0
    };
    Moments { n, mean, variance }
}

/// Welch's interval of `b - a` and two-sided p-value.
fn welch(a: &Moments, b: &Moments, level: f64) -> (f64, f64, f64) {
    let d = b.mean - a.mean;
    let (va, vb) = (a.variance / a.n.max(1.0), b.variance / b.n.max(1.0));
    let se = (va + vb).sqrt();
    if se == 0.0 || a.n < 2.0 || b.n < 2.0 {
        return (d, d, if d == 0.0 { 1.0 } else { 0.0 });
    }
    let df = (va + vb).powi(2) / (va * va / (a.n - 1.0) + vb * vb / (b.n - 1.0));
    let (q, p) = match StudentsT::new(0.0, 1.0, df) {
        Ok(t) => (
            t.inverse_cdf(0.5 + level / 2.0),
            2.0 * (1.0 - t.cdf((d / se).abs())),
        ),
        Err(_) => (
            normal_quantile(0.5 + level / 2.0),
            2.0 * (1.0 - normal_cdf((d / se).abs())),
        ),
    };
    (d - q * se, d + q * se, p.clamp(0.0, 1.0))
}

/// Percentile interval of the bootstrap differences (widened to contain the
/// estimate) and the two-sided bootstrap p-value.
fn bootstrap_interval(diffs: &mut [f64], estimate: f64, level: f64) -> (f64, f64, f64) {
    if diffs.is_empty() {
        return (estimate, estimate, 1.0);
    }
    diffs.sort_by(f64::total_cmp);
    let n = diffs.len();
    let q = |p: f64| diffs[((p * (n - 1) as f64).round() as usize).min(n - 1)];
    let tail = (1.0 - level) / 2.0;
    let below = diffs.iter().filter(|&&d| d <= 0.0).count() as f64 / n as f64;
    let above = diffs.iter().filter(|&&d| d >= 0.0).count() as f64 / n as f64;
    (
        q(tail).min(estimate),
        q(1.0 - tail).max(estimate),
        (2.0 * below.min(above)).min(1.0),
    )
}

fn normal_cdf(x: f64) -> f64 {
    Normal::standard().cdf(x)
}

fn normal_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

fn finish(
    metric: &'static str,
    (baseline_value, group_value): (f64, f64),
    (low, high): (f64, f64),
    p_value: f64,
    test: &'static str,
    (name_a, name_b): (&str, &str),
    level: f64,
) -> MetricContrast {
    let difference = group_value - baseline_value;
    MetricContrast {
        metric,
        baseline_value,
        group_value,
        difference,
        low,
        high,
        p_value,
        test,
        verdict: verdict(
            metric,
            difference,
            (low, high),
            p_value,
            test,
            (name_a, name_b),
            level,
        ),
    }
}

/// "B's repeat rate is 4.1 points higher than A's (95% CI 1.2 to 7.0; z-test p = 0.004)".
fn verdict(
    metric: &str,
    d: f64,
    (low, high): (f64, f64),
    p: f64,
    test: &str,
    (a, b): (&str, &str),
    level: f64,
) -> String {
    let (label, scale, unit, decimals) = match metric {
        "repeat_rate" => ("repeat rate", 100.0, " points", 1),
        "aov" => ("AOV", 1.0, "", 2),
        "orders_per_customer" => ("orders per customer", 1.0, "", 2),
        "formula_ltv" => ("formula LTV", 1.0, "", 2),
        _ => ("model LTV", 1.0, "", 2),
    };
    let ci = format!(
        "{:.0}% CI {:.decimals$} to {:.decimals$}",
        100.0 * level,
        scale * low,
        scale * high
    );
    let tail = format!("{ci}; {test} p = {p:.3}");
    let direction = if d > 0.0 { "higher" } else { "lower" };
    let body = if d == 0.0 {
        format!("{b}'s {label} equals {a}'s ({tail})")
    } else {
        format!(
            "{b}'s {label} is {:.decimals$}{unit} {direction} than {a}'s ({tail})",
            (scale * d).abs()
        )
    };
    if low <= 0.0 && high >= 0.0 {
        format!("{body}: not a clear difference")
    } else {
        body
    }
}
