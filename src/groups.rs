//! Repeat rate and LTV by channel and by first product (チャネル別・初回購入商品別):
//! which door new customers came in through, and which product they bought
//! first, and how those customers went on.
//!
//! # Definitions
//!
//! A **purchase** and a customer's **revenue** are as in [`crate::cohorts`],
//! read from the same [`Histories`] as the funnel and the deciles. Each
//! customer is counted once, in the group of their **first purchase** (the
//! earliest; same-day purchases in file order):
//!
//! - **by channel**: the `group` column's value on the first purchase (its
//!   first line that has one), when the file has a group column with a
//!   value (the mapping's `group` role; `--group COL` on the command line);
//! - **by first product**: the item of the first purchase's **first sale
//!   line** in the file, its name when the file names items, else its id
//!   (the same rule as the cohorts' first-item split,
//!   [`crate::cohorts::CohortKey::FirstItem`]). A first order with several
//!   lines counts once, for the line listed first: it is the customer's
//!   first choice as the shop's export orders it, and a line's value would
//!   favour expensive add-ons over the product that brought the customer.
//!   Present when some first purchase has an item.
//!
//! The [`GroupOptions::max_groups`] largest values (by customers, ties by
//! name) get a row each; the rest are pooled in one **other** row, which
//! says how many values it holds. Customers whose first purchase has no
//! value get a **missing** row. So every customer is in exactly one row and
//! the rows' customers, repeat customers, purchases, revenue and model
//! values add up to the shop's ([`GroupReport::total`]).
//!
//! Per row:
//!
//! - **customers** (new customers of the group) and **share** of the shop's;
//! - **repeat rate**: customers with two or more purchases over customers
//!   (the F2転換率 of the whole observation, as [`crate::funnel`]);
//! - **F2 within 90 days**: as [`crate::funnel`]'s window: among the
//!   customers whose first purchase is at least 90 days before the
//!   observation end, the share with a second purchase at most 90 days
//!   after the first; `None` when no customer of the group is that old;
//! - **orders per customer**, **AOV** (revenue over purchases), **revenue
//!   per customer** (revenue to date, 累計購入額) and the **revenue share**;
//! - **formula LTV**: [`crate::predict`]'s formula (AOV × purchases per
//!   month × expected lifetime × margin) on the group's customers alone,
//!   with the shop's churn window; `None` when nobody in the group is old
//!   enough or nobody lapsed;
//! - **model LTV**: the mean of the group's customers' expected value in
//!   the report's predictions (the prediction table's `clv`: the chosen
//!   model, horizon, discount rate and margin), so that the groups'
//!   values sum to the predictions' total; `None` without predictions;
//! - **small**: fewer than [`GroupOptions::min_customers`] customers: too
//!   few to read a difference from.
//!
//! # Differences
//!
//! The **baseline** is the largest named group. Each other row with at
//! least `min_customers` customers (when the baseline has as many) gets
//! its repeat rate minus the baseline's with the Wald interval and the
//! pooled two-proportion z-test of [`crate::compare`]. As a table of 20
//! groups would show one chance difference in 20 at the 5% level, the
//! p-values are adjusted with Holm's step-down method over the rows tested
//! in the breakdown (Holm 1979, "A simple sequentially rejective multiple
//! test procedure", Scand. J. Statist. 6(2)); a difference is
//! **significant** when its adjusted p-value is below `1 - confidence` and
//! its interval leaves out 0. The breakdown names the named rows with the
//! highest and the lowest significant difference, for a one-line reading.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::cohorts::Histories;
use crate::compare::repeat_rate_difference;
use crate::customers::{
    facts_ratio as ratio, CustomerFacts, CustomerRow, CustomerValue, FormulaContext, Tally,
};
use crate::funnel::purchases_within;
use crate::summary::Summary;
use crate::transactions::NONE;
use crate::{Error, Result};

/// The window of the F2 conversion rate of each group, in days after the
/// first purchase (one of [`crate::funnel::WINDOW_DAYS`]).
pub const F2_WINDOW_DAYS: u32 = 90;

/// Options of [`groups`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupOptions {
    /// The largest values kept apart in each breakdown; the rest are pooled
    /// as "other" (default 20, at least 1).
    pub max_groups: usize,
    /// Groups with fewer customers are marked small and get no difference
    /// (default 30).
    pub min_customers: u64,
    /// The intervals' coverage, and `1 -` the tests' level (default 0.95).
    pub confidence: f64,
}

impl Default for GroupOptions {
    fn default() -> GroupOptions {
        GroupOptions {
            max_groups: 20,
            min_customers: 30,
            confidence: 0.95,
        }
    }
}

/// The shop's customers by channel and by first product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupReport {
    /// The observation end (ISO): the last date of the bulk of the data.
    pub observation_end: String,
    /// The F2 window, in days ([`F2_WINDOW_DAYS`]).
    pub f2_window_days: u32,
    /// Groups with fewer customers are small ([`GroupOptions::min_customers`]).
    pub min_customers: u64,
    /// The intervals' coverage ([`GroupOptions::confidence`]).
    pub confidence: f64,
    /// Every customer: what the rows of each breakdown add up to.
    pub total: GroupRow,
    /// By the `group` column of the first purchase; `None` without a group
    /// column.
    pub by_channel: Option<Breakdown>,
    /// By the first purchase's first item; `None` when no first purchase
    /// has an item.
    pub by_first_product: Option<Breakdown>,
}

/// One breakdown of the customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    /// The named group the differences are taken from (the largest); `None`
    /// when it is small or there is no named group.
    pub baseline: Option<String>,
    /// The named groups with the most customers first, then "other", then
    /// "missing".
    pub groups: Vec<GroupRow>,
    /// Index in `groups` of the named group whose repeat rate is the most
    /// significantly above the baseline's.
    pub highest: Option<usize>,
    /// Index in `groups` of the named group whose repeat rate is the most
    /// significantly below the baseline's.
    pub lowest: Option<usize>,
    /// The purchase and spend models fitted with the group as a covariate
    /// ([`crate::models::covariate_effects`]): each group's effect on purchase rate
    /// and dropout, and a new customer's value. Filled in by the report when
    /// it has predictions and the table compares some group with the
    /// baseline ([`Breakdown::comparable`]): for the channel breakdown
    /// always, for the first product up to
    /// [`crate::report::ReportOptions::product_effects_max_customers`];
    /// `None` otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effects: Option<crate::models::CovariateReport>,
}

impl Breakdown {
    /// Whether the table compares any group with its baseline: there is a
    /// baseline (the largest named group is not small) and another group
    /// with a value, or the pooled other values, is not small either. When
    /// it does not, the model with the group as a covariate is not fitted:
    /// its effects would be read against a group too small to be read.
    pub fn comparable(&self) -> bool {
        self.baseline.is_some()
            && self
                .groups
                .iter()
                .skip(1)
                .any(|row| row.kind != GroupKind::Missing && !row.small)
    }
}

/// What a row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// Every customer ([`GroupReport::total`]).
    All,
    /// The customers of one value.
    Value,
    /// The values beyond [`GroupOptions::max_groups`], pooled.
    Other,
    /// Customers whose first purchase has no value.
    Missing,
}

/// One group of customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRow {
    /// What the row holds.
    pub kind: GroupKind,
    /// The channel, or the product's name (its id when the file has no
    /// names); `None` for the total, other and missing rows.
    pub name: Option<String>,
    /// The product's id, when the file names the product apart from it.
    pub id: Option<String>,
    /// How many values the row holds (1 for a value, the pooled values for
    /// other, 0 for the total and missing rows).
    pub values: u64,
    /// New customers of the group.
    pub customers: u64,
    /// Share of the shop's customers.
    pub share: f64,
    /// Customers with two or more purchases.
    pub repeat_customers: u64,
    /// `repeat_customers / customers`.
    pub repeat_rate: f64,
    /// Customers observed at least the F2 window after their first purchase.
    pub f2_customers: u64,
    /// Of those, the customers with a second purchase within the window.
    pub f2_converted: u64,
    /// `f2_converted / f2_customers`; `None` when `f2_customers` is 0.
    pub f2_rate: Option<f64>,
    /// Purchases.
    pub orders: u64,
    /// Purchases per customer.
    pub orders_per_customer: f64,
    /// Net revenue to date.
    pub revenue: f64,
    /// Share of the shop's revenue.
    pub revenue_share: f64,
    /// Revenue over purchases; `None` without purchases.
    pub aov: Option<f64>,
    /// Revenue to date per customer.
    pub revenue_per_customer: f64,
    /// The formula LTV of the group's customers, margin applied.
    pub formula_ltv: Option<f64>,
    /// The mean expected value of the group's customers in the predictions.
    pub model_ltv: Option<f64>,
    /// Fewer than [`GroupOptions::min_customers`] customers.
    pub small: bool,
    /// The repeat rate against the baseline's; `None` for the baseline, the
    /// total and small groups.
    pub repeat_rate_difference: Option<RepeatRateDifference>,
}

/// A group's repeat rate minus the baseline's (module doc).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepeatRateDifference {
    /// Group minus baseline, as a share (0.12 is 12 points).
    pub difference: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
    /// Two-sided p-value of the z-test.
    pub p_value: f64,
    /// The p-value adjusted for the breakdown's tests (Holm).
    pub adjusted_p_value: f64,
    /// The adjusted p-value is below `1 - confidence` and the interval
    /// leaves out 0.
    pub significant: bool,
}

/// The customers of `histories` by channel and by first product, valued
/// with `values` (the predictions' [`CustomerValue`]s in the summary's
/// order) and `margin` (the predictions'), as in the module doc.
///
/// # Errors
///
/// [`crate::ErrorKind::Options`] for `max_groups` 0, a confidence outside
/// (0, 1), a margin outside 0 to 1, or a summary that is not the
/// histories' (the customer facts).
pub fn groups(
    histories: &Histories<'_>,
    summary: &Summary,
    values: Option<Vec<CustomerValue>>,
    margin: f64,
    options: &GroupOptions,
) -> Result<GroupReport> {
    if options.max_groups == 0 {
        return Err(Error::options("max groups must be at least 1"));
    }
    if !(options.confidence > 0.0 && options.confidence < 1.0) {
        return Err(Error::options(format!(
            "confidence must be between 0 and 1, got {}",
            options.confidence
        )));
    }
    if !(0.0..=1.0).contains(&margin) {
        return Err(Error::options(format!(
            "margin must be between 0 and 1, got {margin}"
        )));
    }
    let facts = CustomerFacts::build(histories, summary, values)?;
    let t = histories.transactions();
    let end = histories.end_day();
    let mut total = Acc::default();
    let mut channels: FxHashMap<u32, Acc> = FxHashMap::default();
    let mut products: FxHashMap<u32, Acc> = FxHashMap::default();
    let mut any_item = false;
    for row in &facts.rows {
        let orders = histories.of(row.customer as usize);
        let f2 = purchases_within(orders, end, F2_WINDOW_DAYS).map(|n| n >= 2);
        let item = orders.first().map_or(NONE, |o| o.first_item);
        any_item |= item != NONE;
        total.add(row, f2);
        channels.entry(row.group).or_default().add(row, f2);
        products.entry(item).or_default().add(row, f2);
    }
    let shop = Shop {
        ctx: &facts.context,
        customers: total.tally.customers,
        revenue: total.tally.revenue,
        margin,
        options,
    };
    let by_channel = t
        .group_col()
        .map(|_| breakdown(channels, &shop, |k| (t.groups().name(k).to_owned(), None)));
    let by_first_product = any_item.then(|| {
        breakdown(products, &shop, |k| {
            let (id, name) = (t.items().name(k), t.item_name(k));
            (name.to_owned(), (id != name).then(|| id.to_owned()))
        })
    });
    Ok(GroupReport {
        observation_end: crate::days::format_day(end),
        f2_window_days: F2_WINDOW_DAYS,
        min_customers: options.min_customers,
        confidence: options.confidence,
        total: shop.row(&total, GroupKind::All, (None, None), 0),
        by_channel,
        by_first_product,
    })
}

/// The channel of each summary customer, for a model with the channel as a
/// covariate ([`crate::models::covariate_effects`]): the `group` column's
/// value on the customer's first purchase, as the "by channel" breakdown
/// reads it, in the summary's order; `None` where the first purchase has no
/// value or the file has no group column.
///
/// # Errors
///
/// [`crate::ErrorKind::Options`] when a summary customer is not in the
/// histories' transactions.
pub fn first_purchase_groups(
    histories: &Histories<'_>,
    summary: &Summary,
) -> Result<Vec<Option<String>>> {
    let t = histories.transactions();
    let groups = first_purchase_values(histories, summary, |o| o.group)?;
    Ok(groups
        .into_iter()
        .map(|g| (g != NONE && t.group_col().is_some()).then(|| t.groups().name(g).to_owned()))
        .collect())
}

/// The first product of each summary customer, for a model with it as a
/// covariate: the first item of the first purchase, as the "by first
/// product" breakdown reads it, in the summary's order; `None` without an
/// item. A product is named by its item name, as in the breakdown; where
/// two first items share a name, each is "name (id)", so no two products
/// are fitted as one.
///
/// # Errors
///
/// [`crate::ErrorKind::Options`] when a summary customer is not in the
/// histories' transactions.
pub fn first_product_groups(
    histories: &Histories<'_>,
    summary: &Summary,
) -> Result<Vec<Option<String>>> {
    let t = histories.transactions();
    let items = first_purchase_values(histories, summary, |o| o.first_item)?;
    let mut by_name: FxHashMap<&str, (u32, bool)> = FxHashMap::default();
    for &i in items.iter().filter(|&&i| i != NONE) {
        let entry = by_name.entry(t.item_name(i)).or_insert((i, false));
        entry.1 |= entry.0 != i;
    }
    Ok(items
        .into_iter()
        .map(|i| {
            (i != NONE).then(|| {
                let name = t.item_name(i);
                if by_name.get(name).is_some_and(|&(_, shared)| shared) {
                    format!("{name} ({})", t.items().name(i))
                } else {
                    name.to_owned()
                }
            })
        })
        .collect())
}

/// `value` of each summary customer's first purchase ([`NONE`] without a
/// purchase), in the summary's order.
fn first_purchase_values(
    histories: &Histories<'_>,
    summary: &Summary,
    value: impl Fn(&crate::cohorts::Order) -> u32,
) -> Result<Vec<u32>> {
    let t = histories.transactions();
    summary
        .customers
        .iter()
        .map(|c| {
            let k = t.customers().get(&c.customer_id).ok_or_else(|| {
                Error::options(format!(
                    "the summary's customer \"{}\" is not in the transactions",
                    c.customer_id
                ))
            })?;
            Ok(histories.of(k as usize).first().map_or(NONE, &value))
        })
        .collect()
}

/// The sums of one group.
#[derive(Debug, Clone, Copy, Default)]
struct Acc {
    tally: Tally,
    f2_customers: u64,
    f2_converted: u64,
}

impl Acc {
    fn add(&mut self, row: &CustomerRow, f2: Option<bool>) {
        self.tally.add(row);
        if let Some(converted) = f2 {
            self.f2_customers += 1;
            self.f2_converted += u64::from(converted);
        }
    }

    fn merge(&mut self, other: &Acc) {
        self.tally.merge(&other.tally);
        self.f2_customers += other.f2_customers;
        self.f2_converted += other.f2_converted;
    }
}

/// What every row is measured against.
struct Shop<'a> {
    ctx: &'a FormulaContext,
    customers: u64,
    revenue: f64,
    margin: f64,
    options: &'a GroupOptions,
}

impl Shop<'_> {
    fn row(
        &self,
        acc: &Acc,
        kind: GroupKind,
        (name, id): (Option<String>, Option<String>),
        values: u64,
    ) -> GroupRow {
        let t = &acc.tally;
        let customers = t.customers as f64;
        GroupRow {
            kind,
            name,
            id,
            values,
            customers: t.customers,
            share: ratio(customers, self.customers as f64),
            repeat_customers: t.repeaters,
            repeat_rate: t.repeat_rate(),
            f2_customers: acc.f2_customers,
            f2_converted: acc.f2_converted,
            f2_rate: (acc.f2_customers > 0)
                .then(|| acc.f2_converted as f64 / acc.f2_customers as f64),
            orders: t.orders,
            orders_per_customer: ratio(t.orders as f64, customers),
            revenue: t.revenue,
            revenue_share: ratio(t.revenue, self.revenue),
            aov: (t.orders > 0).then(|| t.revenue / t.orders as f64),
            revenue_per_customer: ratio(t.revenue, customers),
            formula_ltv: t.formula_ltv(self.ctx).map(|v| v * self.margin),
            model_ltv: t.mean_model_ltv(),
            small: t.customers < self.options.min_customers,
            repeat_rate_difference: None,
        }
    }
}

/// The rows of one breakdown from the sums per value (`NONE`: no value),
/// `label` naming a value `(name, id)`.
fn breakdown(
    mut by_value: FxHashMap<u32, Acc>,
    shop: &Shop<'_>,
    label: impl Fn(u32) -> (String, Option<String>),
) -> Breakdown {
    let missing = by_value.remove(&NONE);
    let mut named: Vec<(u32, (String, Option<String>), Acc)> = by_value
        .into_iter()
        .map(|(k, acc)| (k, label(k), acc))
        .collect();
    named.sort_by(|a, b| {
        b.2.tally
            .customers
            .cmp(&a.2.tally.customers)
            .then_with(|| a.1.cmp(&b.1))
            .then_with(|| a.0.cmp(&b.0))
    });
    let pooled = named.split_off(named.len().min(shop.options.max_groups));
    let mut rows: Vec<(GroupRow, Acc)> = named
        .into_iter()
        .map(|(_, (name, id), acc)| {
            let row = shop.row(&acc, GroupKind::Value, (Some(name), id), 1);
            (row, acc)
        })
        .collect();
    if !pooled.is_empty() {
        let mut other = Acc::default();
        for (_, _, acc) in &pooled {
            other.merge(acc);
        }
        let row = shop.row(&other, GroupKind::Other, (None, None), pooled.len() as u64);
        rows.push((row, other));
    }
    if let Some(acc) = missing {
        rows.push((shop.row(&acc, GroupKind::Missing, (None, None), 0), acc));
    }
    let baseline = rows
        .first()
        .filter(|(r, _)| r.kind == GroupKind::Value && !r.small)
        .map(|(r, acc)| (r.name.clone(), acc.tally));
    let mut tested = Vec::new();
    if let Some((_, base)) = &baseline {
        for (i, (row, acc)) in rows.iter_mut().enumerate().skip(1) {
            if row.small {
                continue;
            }
            let d = repeat_rate_difference(base, &acc.tally, shop.options.confidence);
            row.repeat_rate_difference = Some(RepeatRateDifference {
                difference: d.difference,
                low: d.low,
                high: d.high,
                p_value: d.p_value,
                adjusted_p_value: d.p_value,
                significant: false,
            });
            tested.push(i);
        }
    }
    let mut rows: Vec<GroupRow> = rows.into_iter().map(|(r, _)| r).collect();
    holm(&mut rows, &tested, 1.0 - shop.options.confidence);
    let standout = |sign: f64| {
        tested
            .iter()
            .copied()
            .filter(|&i| rows[i].kind == GroupKind::Value)
            .filter_map(|i| {
                let d = rows[i].repeat_rate_difference.as_ref()?;
                (d.significant && sign * d.difference > 0.0).then_some((i, sign * d.difference))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .map(|(i, _)| i)
    };
    let (highest, lowest) = (standout(1.0), standout(-1.0));
    Breakdown {
        baseline: baseline.and_then(|(name, _)| name),
        groups: rows,
        highest,
        lowest,
        effects: None,
    }
}

/// Holm's step-down adjustment of the p-values of `rows[tested]`, and their
/// verdicts at `alpha` (module doc): the `j`-th smallest of `m` p-values is
/// multiplied by `m - j` (0-based `j`), kept at least the previous adjusted
/// value and at most 1.
fn holm(rows: &mut [GroupRow], tested: &[usize], alpha: f64) {
    let p = |rows: &[GroupRow], i: usize| {
        rows[i]
            .repeat_rate_difference
            .as_ref()
            .map_or(1.0, |d| d.p_value)
    };
    let mut order = tested.to_vec();
    order.sort_by(|&a, &b| p(rows, a).total_cmp(&p(rows, b)).then(a.cmp(&b)));
    let m = order.len();
    let mut running = 0.0f64;
    for (j, &i) in order.iter().enumerate() {
        running = running.max(((m - j) as f64 * p(rows, i)).min(1.0));
        if let Some(d) = rows[i].repeat_rate_difference.as_mut() {
            d.adjusted_p_value = running;
            d.significant = running < alpha && (d.low > 0.0 || d.high < 0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ingest, Dataset, IngestOptions};
    use crate::summary::{summarize, Period, SummaryOptions};
    use crate::transactions::Transactions;

    /// Absolute tolerance for rates and sums of small round amounts.
    const TOL: f64 = 1e-9;
    /// Relative tolerance for the z-tests against the reference values
    /// (statrs' normal distribution against Python's `math.erfc`).
    const P_REL_TOL: f64 = 1e-9;

    /// The handmade shop (observation end 2024-12-31, g's second order):
    ///
    /// | customer | channel | purchases (2024, amount) | first line of the first |
    /// |---|---|---|---|
    /// | a | ig | 01-02 (Soap 100 + Towel 150), 02-01 (Soap 100) | Soap |
    /// | b | ig | 01-10 (Towel 200), 09-01 (Soap 100) | Towel |
    /// | c | ig | 03-01 (Soap 80) | Soap |
    /// | d | web | 01-05 (Soap 120) | Soap |
    /// | e | web | 02-01 (Candle 60), 02-15 (Candle 60) | Candle |
    /// | f | (none) | 04-01 (Towel 90) | Towel |
    /// | g | line | 11-01 (Candle 40), 12-31 (Candle 40) | Candle |
    ///
    /// a's first order lists Soap first: it is a's first product although
    /// Towel is the larger line.
    const SHOP: &str = "order_id,customer_id,order_date,amount,item_name,channel
o1,a,2024-01-02,100,Soap,ig
o1,a,2024-01-02,150,Towel,ig
o2,a,2024-02-01,100,Soap,ig
o3,b,2024-01-10,200,Towel,ig
o4,b,2024-09-01,100,Soap,ig
o5,c,2024-03-01,80,Soap,ig
o6,d,2024-01-05,120,Soap,web
o7,e,2024-02-01,60,Candle,web
o8,e,2024-02-15,60,Candle,web
o9,f,2024-04-01,90,Towel,
o10,g,2024-11-01,40,Candle,line
o11,g,2024-12-31,40,Candle,line
";

    fn transactions(csv: &str, group: Option<&str>) -> Transactions {
        let mut options = IngestOptions::default();
        if let Some(g) = group {
            options.mapping.insert("group".into(), g.into());
        }
        match ingest(csv.as_bytes(), &options).map(|i| i.data) {
            Ok(Dataset::Transactions(t)) => t,
            Ok(_) => panic!("not an order file"),
            Err(err) => panic!("{err}"),
        }
    }

    /// Fabricated model values: the summary's `i`-th customer is worth
    /// `10 (i + 1)` (a 10, b 20, …, g 70, in order of first appearance).
    fn values(n: usize) -> Vec<CustomerValue> {
        (0..n)
            .map(|i| CustomerValue {
                p_alive: 1.0,
                expected_spend: 0.0,
                expected_purchases: 0.0,
                clv: 10.0 * (i + 1) as f64,
                value_if_alive: 0.0,
                days_between_orders: 0.0,
            })
            .collect()
    }

    fn report(t: &Transactions, options: &GroupOptions, margin: f64) -> GroupReport {
        let summary = match summarize(
            &Dataset::Transactions(t.clone()),
            &SummaryOptions {
                period: Period::Day,
                observation_end: None,
                calibration_end: None,
            },
        ) {
            Ok(s) => s,
            Err(err) => panic!("{err}"),
        };
        let n = summary.customers.len();
        match Histories::new(t).and_then(|h| groups(&h, &summary, Some(values(n)), margin, options))
        {
            Ok(r) => r,
            Err(err) => panic!("{err}"),
        }
    }

    fn small_options() -> GroupOptions {
        GroupOptions {
            max_groups: 2,
            min_customers: 3,
            confidence: 0.95,
        }
    }

    fn close(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() <= TOL,
            (None, None) => true,
            _ => false,
        }
    }

    /// One row of the expected tables: name, customers, repeat customers,
    /// F2 observed and converted, orders, revenue, formula LTV at margin
    /// 0.5, model LTV, small.
    type Expected<'a> = (
        Option<&'a str>,
        GroupKind,
        u64,
        u64,
        (u64, u64),
        u64,
        f64,
        Option<f64>,
        f64,
        bool,
    );

    fn check(rows: &[GroupRow], expected: &[Expected<'_>]) {
        assert_eq!(rows.len(), expected.len(), "{rows:#?}");
        for (row, e) in rows.iter().zip(expected) {
            let (
                name,
                kind,
                customers,
                repeaters,
                (f2_n, f2_x),
                orders,
                revenue,
                formula,
                model,
                small,
            ) = *e;
            let what = format!("{name:?} {kind:?}");
            assert_eq!((row.name.as_deref(), row.kind), (name, kind), "{what}");
            assert_eq!(
                (
                    row.customers,
                    row.repeat_customers,
                    row.f2_customers,
                    row.f2_converted,
                    row.orders
                ),
                (customers, repeaters, f2_n, f2_x, orders),
                "{what}"
            );
            assert!(
                (row.revenue - revenue).abs() <= TOL,
                "{what}: {}",
                row.revenue
            );
            assert!((row.share - customers as f64 / 7.0).abs() <= TOL, "{what}");
            assert!(
                (row.revenue_share - revenue / 1140.0).abs() <= TOL,
                "{what}"
            );
            assert!(
                (row.repeat_rate - repeaters as f64 / customers as f64).abs() <= TOL,
                "{what}"
            );
            let f2 = (f2_n > 0).then(|| f2_x as f64 / f2_n as f64);
            assert!(close(row.f2_rate, f2), "{what}: {:?}", row.f2_rate);
            assert!(close(row.aov, Some(revenue / orders as f64)), "{what}");
            assert!(
                (row.revenue_per_customer - revenue / customers as f64).abs() <= TOL,
                "{what}"
            );
            assert!(
                close(row.formula_ltv, formula),
                "{what}: {:?}",
                row.formula_ltv
            );
            assert!(
                close(row.model_ltv, Some(model)),
                "{what}: {:?}",
                row.model_ltv
            );
            assert_eq!(row.small, small, "{what}");
        }
    }

    /// Counted by hand from [`SHOP`]'s table, with `max_groups` 2 and
    /// `min_customers` 3.
    ///
    /// F2 within 90 days: customers whose first purchase is on or before
    /// 2024-10-02 (a…f) count; a (day 30) and e (day 14) bought again
    /// within 90 days, b (day 235) did not.
    ///
    /// Formula LTV (`crate::predict`'s definitions, day periods): the oldest
    /// customer, a, is 364 days old, under the 365-day window, so the window
    /// is ⌊364 / 2⌋ = 182 days; ages T are a 364, b 356, c 305, d 361,
    /// e 334, f 274, g 60; a…f are old enough and all but b (last purchase
    /// 09-01, 121 days before the end) lapsed. The formula is
    /// `AOV × Σx / ΣT × 182 / churn × margin` (per-month factors cancel):
    ///
    /// - ig (a, b, c): 730 / 5 × 2 / 1025 × 182 / (2/3) × 0.5 = 38.8858536…;
    /// - web (d, e): 240 / 3 × 1 / 695 × 182 / 1 × 0.5 = 10.4748201…;
    /// - g: nobody old enough, none; f: no repeat purchase, 0;
    /// - everybody: 1140 / 11 × 4 / 2054 × 182 / (5/6) × 0.5 = 22.0391254….
    #[test]
    fn channels_count_each_customer_once_by_the_first_purchase() {
        let r = report(&transactions(SHOP, Some("channel")), &small_options(), 0.5);
        assert_eq!(r.observation_end, "2024-12-31");
        let ig = 730.0 / 5.0 * 2.0 / 1025.0 * 182.0 / (2.0 / 3.0) * 0.5;
        let web = 240.0 / 3.0 / 695.0 * 182.0 * 0.5;
        let all = 1140.0 / 11.0 * 4.0 / 2054.0 * 182.0 / (5.0 / 6.0) * 0.5;
        check(
            std::slice::from_ref(&r.total),
            &[(
                None,
                GroupKind::All,
                7,
                4,
                (6, 2),
                11,
                1140.0,
                Some(all),
                40.0,
                false,
            )],
        );
        let Some(b) = &r.by_channel else {
            panic!("no channels")
        };
        // Model values a 10 … g 70: ig (10 + 20 + 30) / 3, web (40 + 50) / 2.
        check(
            &b.groups,
            &[
                (
                    Some("ig"),
                    GroupKind::Value,
                    3,
                    2,
                    (3, 1),
                    5,
                    730.0,
                    Some(ig),
                    20.0,
                    false,
                ),
                (
                    Some("web"),
                    GroupKind::Value,
                    2,
                    1,
                    (2, 1),
                    3,
                    240.0,
                    Some(web),
                    45.0,
                    true,
                ),
                (
                    None,
                    GroupKind::Other,
                    1,
                    1,
                    (0, 0),
                    2,
                    80.0,
                    None,
                    70.0,
                    true,
                ),
                (
                    None,
                    GroupKind::Missing,
                    1,
                    0,
                    (1, 0),
                    1,
                    90.0,
                    Some(0.0),
                    60.0,
                    true,
                ),
            ],
        );
        assert_eq!(b.groups[2].values, 1, "line is pooled");
        assert_eq!(b.baseline.as_deref(), Some("ig"));
        // Every other group is small: nothing is compared.
        assert!(b.groups.iter().all(|g| g.repeat_rate_difference.is_none()));
        assert_eq!((b.highest, b.lowest), (None, None));
    }

    /// First products: a Soap (the first line, not the larger Towel line), b
    /// Towel, c Soap, d Soap, e Candle, f Towel, g Candle. Soap has 3
    /// customers; Candle and Towel tie at 2 and Candle comes first by name,
    /// so Towel (b, f) is pooled as other.
    #[test]
    fn first_products_take_the_first_line_and_pool_the_rest() {
        let r = report(&transactions(SHOP, None), &small_options(), 1.0);
        assert!(r.by_channel.is_none(), "no group column");
        let Some(b) = &r.by_first_product else {
            panic!("no products")
        };
        // Soap (a, c, d): eligible 3, lapsed 3, Σx 1, ΣT 1030: 550 / 4 × 1 /
        // 1030 × 182. Candle (e, g): only e is old enough and lapsed: 200 /
        // 4 × 2 / 394 × 182. Towel (b, f): b did not lapse, f did: 390 / 3 ×
        // 1 / 630 × 182 / (1/2).
        let soap = 550.0 / 4.0 / 1030.0 * 182.0;
        let candle = 200.0 / 4.0 * 2.0 / 394.0 * 182.0;
        let towel = 390.0 / 3.0 / 630.0 * 182.0 * 2.0;
        check(
            &b.groups,
            &[
                (
                    Some("Soap"),
                    GroupKind::Value,
                    3,
                    1,
                    (3, 1),
                    4,
                    550.0,
                    Some(soap),
                    (10.0 + 30.0 + 40.0) / 3.0,
                    false,
                ),
                (
                    Some("Candle"),
                    GroupKind::Value,
                    2,
                    2,
                    (1, 1),
                    4,
                    200.0,
                    Some(candle),
                    (50.0 + 70.0) / 2.0,
                    true,
                ),
                (
                    None,
                    GroupKind::Other,
                    2,
                    1,
                    (2, 0),
                    3,
                    390.0,
                    Some(towel),
                    (20.0 + 60.0) / 2.0,
                    true,
                ),
            ],
        );
        assert_eq!(b.groups[2].values, 1);
    }

    /// Channels of sizes and repeat customers A 40/10, B 40/30, C 30/8,
    /// D 5/5, E 40/1, F 40/3 (each customer one order on 2024-01-01, the
    /// repeat customers another on 2024-03-01).
    fn contrast_shop() -> String {
        let mut csv = String::from("order_id,customer_id,order_date,amount,channel\n");
        for (g, n, x) in [
            ("A", 40, 10),
            ("B", 40, 30),
            ("C", 30, 8),
            ("D", 5, 5),
            ("E", 40, 1),
            ("F", 40, 3),
        ] {
            for i in 0..n {
                csv.push_str(&format!("{g}{i}-1,{g}{i},2024-01-01,100,{g}\n"));
                if i < x {
                    csv.push_str(&format!("{g}{i}-2,{g}{i},2024-03-01,100,{g}\n"));
                }
            }
        }
        csv
    }

    /// The repeat rates against the largest channel, A (first by name of
    /// the four with 40). Reference values: the Wald interval and pooled
    /// z-test of `crate::compare` computed in Python with `math.erfc` and
    /// z = 1.959963984540054; Holm over the four tested rows (D is small):
    ///
    /// | row | difference | interval | p | Holm |
    /// |---|---|---|---|---|
    /// | B | +0.5 | 0.3102273032 to 0.6897726968 | 7.744216431e-6 | 4 p = 3.0976865724e-5 |
    /// | E | -0.225 | -0.3676454598 to -0.0823545402 | 0.0034789370418 | 3 p = 0.0104368111253 |
    /// | F | -0.175 | -0.3320648540 to -0.0179351460 | 0.0338834768091 | 2 p = 0.0677669536183 |
    /// | C | +0.0166667 | -0.1908121484 to 0.2241454817 | 0.8745446688118 | 0.8745446688118 |
    ///
    /// F's interval leaves out 0 and its own p is under 0.05, but not after
    /// Holm's adjustment: only B and E are significant.
    #[test]
    fn differences_are_tested_against_the_largest_group() {
        let r = report(
            &transactions(&contrast_shop(), Some("channel")),
            &GroupOptions::default(),
            1.0,
        );
        let Some(b) = &r.by_channel else {
            panic!("no channels")
        };
        let names: Vec<Option<&str>> = b.groups.iter().map(|g| g.name.as_deref()).collect();
        assert_eq!(
            names,
            [
                Some("A"),
                Some("B"),
                Some("E"),
                Some("F"),
                Some("C"),
                Some("D")
            ]
        );
        assert_eq!(b.baseline.as_deref(), Some("A"));
        let table: [(usize, f64, f64, f64, f64, f64, bool); 4] = [
            (
                1,
                0.5,
                0.310227303217751,
                0.6897726967822491,
                7.744216431044096e-06,
                3.0976865724176384e-05,
                true,
            ),
            (
                2,
                -0.225,
                -0.36764545976253216,
                -0.08235454023746783,
                0.0034789370417675583,
                0.010436811125302675,
                true,
            ),
            (
                3,
                -0.175,
                -0.33206485400669716,
                -0.017935145993302842,
                0.03388347680914649,
                0.06776695361829298,
                false,
            ),
            (
                4,
                0.016666666666666663,
                -0.19081214835507157,
                0.2241454816884049,
                0.8745446688117742,
                0.8745446688117742,
                false,
            ),
        ];
        let near = |a: f64, b: f64| (a - b).abs() <= P_REL_TOL * b.abs().max(1e-3);
        for (i, d, low, high, p, adjusted, significant) in table {
            let Some(got) = &b.groups[i].repeat_rate_difference else {
                panic!("row {i} has no difference")
            };
            let what = format!("{:?}: {got:?}", b.groups[i].name);
            assert!(
                near(got.difference, d) && near(got.low, low) && near(got.high, high),
                "{what}"
            );
            assert!(
                near(got.p_value, p) && near(got.adjusted_p_value, adjusted),
                "{what}"
            );
            assert_eq!(got.significant, significant, "{what}");
        }
        // The baseline and the small D have none.
        assert!(b.groups[0].repeat_rate_difference.is_none());
        assert!(b.groups[5].small && b.groups[5].repeat_rate_difference.is_none());
        assert_eq!((b.highest, b.lowest), (Some(1), Some(2)));
    }

    /// A largest group under `min_customers` leaves nothing to compare.
    #[test]
    fn a_small_largest_group_is_no_baseline() {
        let options = GroupOptions {
            min_customers: 41,
            ..GroupOptions::default()
        };
        let r = report(
            &transactions(&contrast_shop(), Some("channel")),
            &options,
            1.0,
        );
        let Some(b) = &r.by_channel else {
            panic!("no channels")
        };
        assert_eq!(b.baseline, None);
        assert!(b
            .groups
            .iter()
            .all(|g| g.small && g.repeat_rate_difference.is_none()));
    }

    /// Options out of range are errors.
    #[test]
    fn bad_options_are_errors() {
        let t = transactions(SHOP, Some("channel"));
        let summary = match summarize(
            &Dataset::Transactions(t.clone()),
            &SummaryOptions {
                period: Period::Day,
                observation_end: None,
                calibration_end: None,
            },
        ) {
            Ok(s) => s,
            Err(err) => panic!("{err}"),
        };
        let Ok(h) = Histories::new(&t) else {
            panic!("no histories")
        };
        for (options, margin) in [
            (
                GroupOptions {
                    max_groups: 0,
                    ..GroupOptions::default()
                },
                1.0,
            ),
            (
                GroupOptions {
                    confidence: 1.0,
                    ..GroupOptions::default()
                },
                1.0,
            ),
            (GroupOptions::default(), 1.5),
        ] {
            assert!(
                groups(&h, &summary, None, margin, &options).is_err(),
                "{options:?} {margin}"
            );
        }
    }
}
