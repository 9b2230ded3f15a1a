//! The facts of each customer of an order file that the segment, NPS and
//! comparison tables tabulate, and their sums over a set of customers.

use serde::Serialize;

use super::{churn_window, formula_ltv, CustomerTiming, CustomerValue};
use crate::cohorts::{Histories, Order};
use crate::summary::Summary;
use crate::transactions::Transactions;
use crate::{Error, Result};

/// Counts, rates and values over a set of customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentStats {
    /// Customers.
    pub customers: u64,
    /// Share of the shop's revenue.
    pub revenue_share: f64,
    /// Net revenue.
    pub revenue: f64,
    /// Revenue over purchases; `None` without purchases.
    pub aov: Option<f64>,
    /// Purchases per customer.
    pub orders_per_customer: f64,
    /// Customers with two or more purchases, over customers.
    pub repeat_rate: f64,
    /// Formula LTV (see [`crate::segments`]).
    pub formula_ltv: Option<f64>,
    /// Mean model LTV, when the model could be fitted.
    pub model_ltv: Option<f64>,
    /// Mean P(alive), when the model could be fitted.
    pub mean_p_alive: Option<f64>,
}

/// What the segment, NPS and comparison tables know about each customer.
///
/// The model's next-order timing is not copied into the rows: it is read
/// where it is, by the row's summary row ([`CustomerFacts::timing`]); at
/// 600,000 customers a copy in each row was the larger part of the
/// segments' memory.
#[derive(Clone)]
pub(crate) struct CustomerFacts<'t> {
    pub rows: Vec<CustomerRow>,
    pub context: FormulaContext,
    t: &'t Transactions,
    timing: Option<&'t TimingOf<'t>>,
}

/// The model's value of the summary's `i`-th customer, if any.
pub(crate) type ValueOf<'a> = dyn Fn(usize) -> Option<RowValue> + 'a;

/// The model's next-order timing of the summary's `i`-th customer, if any.
pub(crate) type TimingOf<'a> = dyn Fn(usize) -> Option<CustomerTiming> + 'a;

/// What a row keeps of the model's value of its customer: the two numbers
/// the tables sum and the lists sort by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RowValue {
    /// Probability that the customer is still alive.
    pub p_alive: f64,
    /// Model LTV ([`CustomerValue::clv`]).
    pub clv: f64,
}

impl From<&CustomerValue> for RowValue {
    fn from(v: &CustomerValue) -> RowValue {
        RowValue {
            p_alive: v.p_alive,
            clv: v.clv,
        }
    }
}

/// One customer with a purchase.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CustomerRow {
    /// Customer index in the transactions.
    pub customer: u32,
    pub orders: u32,
    pub revenue: f64,
    /// Sum of squared order values.
    pub revenue_sq: f64,
    pub last_day: i32,
    pub days_since_last: i32,
    /// Summary repeat periods `x` (0 without a summary row).
    pub frequency: f64,
    /// Summary age `T` in periods (0 without a summary row).
    pub age: f64,
    /// Summary orders and net spend, for the formula's AOV.
    pub summary_orders: f64,
    pub summary_spend: f64,
    /// At least the churn window `W` old (`T >= W`).
    pub eligible: bool,
    /// Not seen in the last `W` (`T - recency >= W`).
    pub lapsed: bool,
    /// The latest NPS score (`u8::MAX` if none).
    pub nps: u8,
    /// The group value of the first purchase ([`crate::transactions::NONE`] if none).
    pub group: u32,
    pub value: Option<RowValue>,
    /// The customer's row in the summary (`u32::MAX`: none).
    pub summary_row: u32,
}

/// The shop-level inputs of the formula LTV.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FormulaContext {
    pub end_day: i32,
    /// The churn window `W` in summary periods (module doc).
    pub window: f64,
    /// Summary periods per month.
    pub per_month: f64,
    /// The shop's net revenue.
    pub shop_revenue: f64,
}

impl<'t> CustomerFacts<'t> {
    /// The facts of every customer of `h`; `values[i]` (if any) is the
    /// model's value of the summary's `i`-th customer.
    pub(crate) fn build(
        h: &Histories<'t>,
        summary: &Summary,
        values: Option<Vec<CustomerValue>>,
    ) -> Result<CustomerFacts<'t>> {
        let value_of = |i: usize| values.as_ref().and_then(|v| v.get(i)).map(RowValue::from);
        let value_of: &ValueOf<'_> = &value_of;
        CustomerFacts::build_with_model(h, summary, values.is_some().then_some(value_of), None)
    }

    /// [`CustomerFacts::build`] with the model's numbers read where they
    /// are: `value(i)` and `timing(i)` are the summary's `i`-th customer's.
    /// The values are read once, here; the timing when a list asks for it.
    pub(crate) fn build_with_model(
        h: &Histories<'t>,
        summary: &Summary,
        value: Option<&ValueOf<'_>>,
        timing: Option<&'t TimingOf<'t>>,
    ) -> Result<CustomerFacts<'t>> {
        let t = h.transactions();
        let end = h.end_day();
        let per_month = summary.period.per_month();
        let window = churn_window(summary);
        // Summary row of each customer index.
        let mut row_of = vec![u32::MAX; h.customer_slots()];
        // Summary rows and customer indices both follow the first
        // appearance in the file, so the next index is nearly always the
        // row's: check it before hashing the id.
        let mut next = 0u32;
        for (i, c) in summary.customers.iter().enumerate() {
            let guess = ((next as usize) < t.customers().len()
                && t.customers().name(next) == c.customer_id)
                .then_some(next);
            match guess.or_else(|| t.customers().get(&c.customer_id)) {
                Some(k) if (k as usize) < row_of.len() => {
                    row_of[k as usize] = i as u32;
                    next = k + 1;
                }
                _ => {
                    return Err(Error::options(format!(
                        "the summary's customer \"{}\" is not in the transactions",
                        c.customer_id
                    )))
                }
            }
        }
        let mut rows = Vec::with_capacity(summary.customers.len());
        for (c, orders) in h.iter() {
            let last = orders[orders.len() - 1].day;
            let value = match (value, row_of[c]) {
                (Some(v), i) if i != u32::MAX => v(i as usize),
                _ => None,
            };
            let row = summary.customers.get(row_of[c] as usize);
            let (frequency, recency, age) =
                row.map_or((0.0, 0.0, 0.0), |r| (r.frequency, r.recency, r.t));
            let eligible = row.is_some() && age >= window;
            rows.push(CustomerRow {
                customer: c as u32,
                orders: orders.len() as u32,
                revenue: orders.iter().map(|o| o.amount).sum(),
                revenue_sq: orders.iter().map(|o| o.amount * o.amount).sum(),
                last_day: last,
                days_since_last: end - last,
                frequency,
                age,
                summary_orders: row.and_then(|r| r.orders).map_or(0.0, f64::from),
                summary_spend: row.and_then(|r| r.total_spend).unwrap_or(0.0),
                eligible,
                lapsed: eligible && age - recency >= window,
                nps: latest_nps(orders),
                group: orders[0].group,
                value,
                summary_row: row_of[c],
            });
        }
        let shop_revenue = rows.iter().map(|r| r.revenue).sum();
        Ok(CustomerFacts {
            rows,
            context: FormulaContext {
                end_day: end,
                window,
                per_month,
                shop_revenue,
            },
            t,
            timing,
        })
    }

    /// The model's next-order timing of the customer in `row`, when the
    /// facts were built with one.
    pub(crate) fn timing(&self, row: &CustomerRow) -> Option<CustomerTiming> {
        match (self.timing, row.summary_row) {
            (Some(of), i) if i != u32::MAX => of(i as usize),
            _ => None,
        }
    }

    /// The transactions the facts were built from.
    pub(crate) fn transactions(&self) -> &'t Transactions {
        self.t
    }

    pub(crate) fn id(&self, row: &CustomerRow) -> &str {
        self.t.customers().name(row.customer)
    }
}

fn latest_nps(orders: &[Order]) -> u8 {
    orders
        .iter()
        .rev()
        .find(|o| o.nps <= 10)
        .map_or(u8::MAX, |o| o.nps)
}

/// Sums over a set of customers.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Tally {
    pub customers: u64,
    pub repeaters: u64,
    pub orders: u64,
    pub revenue: f64,
    pub eligible: u64,
    pub lapsed: u64,
    pub frequency: f64,
    pub age: f64,
    pub summary_orders: f64,
    pub summary_spend: f64,
    pub modeled: u64,
    pub model_ltv: f64,
    pub p_alive: f64,
}

impl Tally {
    pub(crate) fn add(&mut self, c: &CustomerRow) {
        self.customers += 1;
        self.repeaters += u64::from(c.orders >= 2);
        self.orders += u64::from(c.orders);
        self.revenue += c.revenue;
        self.eligible += u64::from(c.eligible);
        self.lapsed += u64::from(c.lapsed);
        self.frequency += c.frequency;
        self.age += c.age;
        self.summary_orders += c.summary_orders;
        self.summary_spend += c.summary_spend;
        if let Some(v) = c.value {
            self.modeled += 1;
            self.model_ltv += v.clv;
            self.p_alive += v.p_alive;
        }
    }

    /// Adds the customers of `other`.
    pub(crate) fn merge(&mut self, other: &Tally) {
        self.customers += other.customers;
        self.repeaters += other.repeaters;
        self.orders += other.orders;
        self.revenue += other.revenue;
        self.eligible += other.eligible;
        self.lapsed += other.lapsed;
        self.frequency += other.frequency;
        self.age += other.age;
        self.summary_orders += other.summary_orders;
        self.summary_spend += other.summary_spend;
        self.modeled += other.modeled;
        self.model_ltv += other.model_ltv;
        self.p_alive += other.p_alive;
    }

    /// The formula LTV of these customers (module doc): predict's
    /// `AOV × purchases per month × W / churn rate × margin` with margin 1.
    pub(crate) fn formula_ltv(&self, ctx: &FormulaContext) -> Option<f64> {
        if self.eligible == 0 || self.lapsed == 0 || self.age <= 0.0 {
            return None;
        }
        let aov = if self.summary_orders > 0.0 {
            self.summary_spend / self.summary_orders
        } else {
            0.0
        };
        let purchases_per_month = self.frequency / self.age * ctx.per_month;
        let churn_rate = self.lapsed as f64 / self.eligible as f64;
        let lifetime_months = ctx.window / ctx.per_month / churn_rate;
        Some(formula_ltv(aov, purchases_per_month, lifetime_months, 1.0))
    }

    pub(crate) fn repeat_rate(&self) -> f64 {
        ratio(self.repeaters as f64, self.customers as f64)
    }

    pub(crate) fn mean_model_ltv(&self) -> Option<f64> {
        (self.modeled > 0).then(|| self.model_ltv / self.modeled as f64)
    }

    /// The statistics of these customers.
    pub(crate) fn stats(&self, ctx: &FormulaContext) -> SegmentStats {
        SegmentStats {
            customers: self.customers,
            revenue_share: ratio(self.revenue, ctx.shop_revenue),
            revenue: self.revenue,
            aov: (self.orders > 0).then(|| self.revenue / self.orders as f64),
            orders_per_customer: ratio(self.orders as f64, self.customers as f64),
            repeat_rate: self.repeat_rate(),
            formula_ltv: self.formula_ltv(ctx),
            model_ltv: self.mean_model_ltv(),
            mean_p_alive: (self.modeled > 0).then(|| self.p_alive / self.modeled as f64),
        }
    }
}

pub(crate) fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}
