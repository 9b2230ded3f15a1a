//! The columnar transaction store that ingest produces and every analysis reads.
//!
//! One row per order line. Customer, order and item ids are interned into
//! dense `u32` indices; dates are day numbers (days since 1970-01-01, in the
//! shop's local calendar as written in the file). A [`Transactions`] value is
//! always consistent: all columns have the same length and every index points
//! into its interner.

use std::collections::HashMap;

/// Marks a missing customer (a guest order) or a missing item in the index columns.
pub const NONE: u32 = u32::MAX;

/// Maps strings to dense indices and back.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    map: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Interner {
        Interner::default()
    }

    /// The index of `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.map.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        let boxed: Box<str> = s.into();
        self.names.push(boxed.clone());
        self.map.insert(boxed, i);
        i
    }

    /// The index of `s`, if it was interned.
    pub fn get(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }

    /// The string at index `i`.
    ///
    /// # Panics
    /// If `i` was not returned by this interner (an internal invariant).
    pub fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }

    /// How many distinct strings were interned.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether nothing was interned.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// All strings in index order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|b| &**b)
    }
}

/// Whether a line is a sale or a reversal (return, refund, cancellation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A normal purchase line.
    Sale,
    /// A return, refund or cancellation: its amount is netted against an earlier order.
    Reversal,
}

/// One order line, as handed to [`TransactionsBuilder::push`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line<'a> {
    /// The customer id, or `None` for a guest.
    pub customer: Option<&'a str>,
    /// The order id; when absent the caller passes a synthetic one.
    pub order: &'a str,
    /// Day number: days since 1970-01-01.
    pub day: i32,
    /// Seconds since midnight, when the file has a time of day.
    pub seconds: Option<u32>,
    /// Line amount in the shop's currency (negative for reversals).
    pub amount: f64,
    /// Quantity (1 when unknown; negative for returns).
    pub quantity: f64,
    /// Item id or SKU.
    pub item: Option<&'a str>,
    /// Item name, when the file has one.
    pub item_name: Option<&'a str>,
    /// Sale or reversal.
    pub kind: LineKind,
    /// NPS score 0..=10, when the file has one.
    pub nps: Option<u8>,
    /// A categorical value for grouping (channel, coupon, campaign), when chosen.
    pub group: Option<&'a str>,
}

/// Builds a [`Transactions`] one line at a time.
#[derive(Debug, Default)]
pub struct TransactionsBuilder {
    t: Transactions,
}

impl TransactionsBuilder {
    /// An empty builder.
    pub fn new() -> TransactionsBuilder {
        TransactionsBuilder::default()
    }

    /// Appends one line.
    pub fn push(&mut self, line: &Line<'_>) {
        let t = &mut self.t;
        t.customer
            .push(line.customer.map_or(NONE, |c| t.customers.intern(c)));
        t.order.push(t.orders.intern(line.order));
        t.day.push(line.day);
        t.seconds.push(line.seconds.unwrap_or(u32::MAX));
        t.amount.push(line.amount);
        t.quantity.push(line.quantity);
        let item = match line.item.or(line.item_name) {
            Some(id) => {
                let i = t.items.intern(id);
                if i as usize == t.item_names.len() {
                    t.item_names.push(line.item_name.map(Box::from));
                } else if t.item_names[i as usize].is_none() {
                    t.item_names[i as usize] = line.item_name.map(Box::from);
                }
                i
            }
            None => NONE,
        };
        t.item.push(item);
        t.reversal.push(line.kind == LineKind::Reversal);
        t.nps.push(line.nps.unwrap_or(u8::MAX));
        t.group
            .push(line.group.map_or(NONE, |g| t.groups.intern(g)));
    }

    /// The number of lines pushed so far.
    pub fn len(&self) -> usize {
        self.t.day.len()
    }

    /// Whether no line was pushed.
    pub fn is_empty(&self) -> bool {
        self.t.day.is_empty()
    }

    /// Finishes the store.
    pub fn finish(self) -> Transactions {
        self.t
    }
}

/// Order lines in columns. Read-only once built.
#[derive(Debug, Clone, Default)]
pub struct Transactions {
    customers: Interner,
    orders: Interner,
    items: Interner,
    item_names: Vec<Option<Box<str>>>,
    groups: Interner,
    customer: Vec<u32>,
    order: Vec<u32>,
    day: Vec<i32>,
    seconds: Vec<u32>,
    amount: Vec<f64>,
    quantity: Vec<f64>,
    item: Vec<u32>,
    reversal: Vec<bool>,
    nps: Vec<u8>,
    group: Vec<u32>,
}

impl Transactions {
    /// The number of lines.
    pub fn len(&self) -> usize {
        self.day.len()
    }

    /// Whether there are no lines.
    pub fn is_empty(&self) -> bool {
        self.day.is_empty()
    }

    /// Customer ids.
    pub fn customers(&self) -> &Interner {
        &self.customers
    }

    /// Order ids.
    pub fn orders(&self) -> &Interner {
        &self.orders
    }

    /// Item ids (or names, when the file has names only).
    pub fn items(&self) -> &Interner {
        &self.items
    }

    /// The display name of item `i`: its name when known, else its id.
    pub fn item_name(&self, i: u32) -> &str {
        match self.item_names.get(i as usize) {
            Some(Some(name)) => name,
            _ => self.items.name(i),
        }
    }

    /// Group values (channel, coupon, ...), when a group column was chosen.
    pub fn groups(&self) -> &Interner {
        &self.groups
    }

    /// Customer index per line ([`NONE`] for guests).
    pub fn customer_col(&self) -> &[u32] {
        &self.customer
    }

    /// Order index per line.
    pub fn order_col(&self) -> &[u32] {
        &self.order
    }

    /// Day number per line.
    pub fn day_col(&self) -> &[i32] {
        &self.day
    }

    /// Seconds since midnight per line (`u32::MAX` when unknown).
    pub fn seconds_col(&self) -> &[u32] {
        &self.seconds
    }

    /// Amount per line.
    pub fn amount_col(&self) -> &[f64] {
        &self.amount
    }

    /// Quantity per line.
    pub fn quantity_col(&self) -> &[f64] {
        &self.quantity
    }

    /// Item index per line ([`NONE`] when the line has no item).
    pub fn item_col(&self) -> &[u32] {
        &self.item
    }

    /// Whether each line is a reversal (return, refund, cancellation).
    pub fn reversal_col(&self) -> &[bool] {
        &self.reversal
    }

    /// NPS score per line (`u8::MAX` when absent).
    pub fn nps_col(&self) -> &[u8] {
        &self.nps
    }

    /// Group index per line ([`NONE`] when absent).
    pub fn group_col(&self) -> &[u32] {
        &self.group
    }

    /// The first and last day in the data, if any line exists.
    pub fn day_range(&self) -> Option<(i32, i32)> {
        let min = self.day.iter().copied().min()?;
        let max = self.day.iter().copied().max()?;
        Some((min, max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(customer: Option<&'a str>, order: &'a str, day: i32, amount: f64) -> Line<'a> {
        Line {
            customer,
            order,
            day,
            seconds: None,
            amount,
            quantity: 1.0,
            item: Some("sku-1"),
            item_name: None,
            kind: LineKind::Sale,
            nps: None,
            group: None,
        }
    }

    #[test]
    fn builder_interns_and_keeps_columns_aligned() {
        let mut b = TransactionsBuilder::new();
        b.push(&line(Some("c1"), "o1", 10, 5.0));
        b.push(&line(None, "o2", 12, 7.0));
        b.push(&line(Some("c1"), "o3", 11, 1.0));
        let t = b.finish();
        assert_eq!(t.len(), 3);
        assert_eq!(t.customers().len(), 1);
        assert_eq!(t.customer_col(), &[0, NONE, 0]);
        assert_eq!(t.orders().len(), 3);
        assert_eq!(t.items().len(), 1);
        assert_eq!(t.item_name(0), "sku-1");
        assert_eq!(t.day_range(), Some((10, 12)));
    }
}
