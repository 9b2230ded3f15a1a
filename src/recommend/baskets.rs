//! Baskets: the distinct items of each order, in compressed rows.

use crate::transactions::{Transactions, NONE};

/// The distinct items of each non-empty order, with the order's customer and
/// day. Items within a basket are sorted by index.
#[derive(Debug, Clone, Default)]
pub(crate) struct Baskets {
    /// Customer per basket ([`NONE`] for guests and basket files).
    pub customer: Vec<u32>,
    /// Day per basket: the order's earliest sale line.
    pub day: Vec<i32>,
    /// Basket `b` holds `items[offsets[b]..offsets[b + 1]]`.
    pub offsets: Vec<usize>,
    pub items: Vec<u32>,
    /// Size of the item index space (`Transactions::items().len()`).
    pub n_items: usize,
    /// Baskets cut down to the cap.
    pub capped: u64,
}

impl Baskets {
    /// One basket per order with at least one sale line that has an item;
    /// reversal lines and lines without an item are left out.
    pub fn from_transactions(t: &Transactions) -> Baskets {
        let n_orders = t.order_count();
        let (order, item, reversal) = (t.order_col(), t.item_col(), t.reversal_col());
        let (customer, day) = (t.customer_col(), t.day_col());
        let mut start = vec![0usize; n_orders + 1];
        let mut order_customer = vec![NONE; n_orders];
        let mut order_day = vec![i32::MAX; n_orders];
        for i in 0..t.len() {
            if reversal[i] || item[i] == NONE {
                continue;
            }
            let o = order[i] as usize;
            start[o + 1] += 1;
            if order_customer[o] == NONE {
                order_customer[o] = customer[i];
            }
            order_day[o] = order_day[o].min(day[i]);
        }
        for o in 0..n_orders {
            start[o + 1] += start[o];
        }
        let mut fill = start.clone();
        let mut raw = vec![0u32; start[n_orders]];
        for i in 0..t.len() {
            if reversal[i] || item[i] == NONE {
                continue;
            }
            let o = order[i] as usize;
            raw[fill[o]] = item[i];
            fill[o] += 1;
        }
        drop(fill);
        // Each basket is sorted and deduplicated in place, moving down over
        // the gaps the duplicates leave, so the items are one array (no
        // second copy at 10M lines) and the other columns are sized once.
        let n_baskets = (0..n_orders).filter(|&o| start[o + 1] > start[o]).count();
        let mut b = Baskets {
            n_items: t.items().len(),
            offsets: Vec::with_capacity(n_baskets + 1),
            customer: Vec::with_capacity(n_baskets),
            day: Vec::with_capacity(n_baskets),
            ..Baskets::default()
        };
        b.offsets.push(0);
        let mut end = 0;
        for o in 0..n_orders {
            let (from, to) = (start[o], start[o + 1]);
            if from == to {
                continue;
            }
            raw[from..to].sort_unstable();
            let mut last = NONE;
            for k in from..to {
                let x = raw[k];
                if x != last {
                    raw[end] = x;
                    end += 1;
                    last = x;
                }
            }
            b.offsets.push(end);
            b.customer.push(order_customer[o]);
            b.day.push(order_day[o]);
        }
        raw.truncate(end);
        raw.shrink_to_fit();
        b.items = raw;
        b
    }

    /// The number of baskets.
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// The items of basket `b`.
    pub fn basket(&self, b: usize) -> &[u32] {
        &self.items[self.offsets[b]..self.offsets[b + 1]]
    }

    /// In how many baskets each item appears.
    pub fn item_counts(&self) -> Vec<u64> {
        let mut counts = vec![0u64; self.n_items];
        for &i in &self.items {
            counts[i as usize] += 1;
        }
        counts
    }

    /// In how many of the baskets whose `keep` flag is set each item appears
    /// (the item counts of `self.retain(keep)`, without the copy).
    pub fn item_counts_where(&self, keep: &[bool]) -> Vec<u64> {
        let mut counts = vec![0u64; self.n_items];
        for b in (0..self.len()).filter(|&b| keep.get(b).copied().unwrap_or(false)) {
            for &i in self.basket(b) {
                counts[i as usize] += 1;
            }
        }
        counts
    }

    /// The baskets whose `keep` flag is set, copied (the definition
    /// [`Baskets::keep_only`] and the `_where` readers are tested against).
    #[cfg(test)]
    pub fn retain(&self, keep: &[bool]) -> Baskets {
        let kept = |k: usize| keep.get(k).copied().unwrap_or(false);
        let (n, n_items) = (0..self.len())
            .filter(|&k| kept(k))
            .fold((0, 0), |(n, items), k| {
                (n + 1, items + self.basket(k).len())
            });
        let mut b = Baskets {
            n_items: self.n_items,
            offsets: Vec::with_capacity(n + 1),
            customer: Vec::with_capacity(n),
            day: Vec::with_capacity(n),
            items: Vec::with_capacity(n_items),
            ..Baskets::default()
        };
        b.offsets.push(0);
        for k in 0..self.len() {
            if kept(k) {
                b.items.extend_from_slice(self.basket(k));
                b.offsets.push(b.items.len());
                b.customer.push(self.customer[k]);
                b.day.push(self.day[k]);
            }
        }
        b.capped = 0;
        b
    }

    /// Keeps the baskets whose `keep` flag is set, in place: the baskets of
    /// `self.retain(keep)`, without holding both copies at once.
    pub fn keep_only(&mut self, keep: &[bool]) {
        let (mut n, mut end, mut from) = (0, 0, 0);
        for k in 0..self.len() {
            let to = self.offsets[k + 1];
            if keep.get(k).copied().unwrap_or(false) {
                self.items.copy_within(from..to, end);
                end += to - from;
                self.customer[n] = self.customer[k];
                self.day[n] = self.day[k];
                n += 1;
                self.offsets[n] = end;
            }
            from = to;
        }
        // Shrunk in place: the space of the baskets left out is given back
        // before the caller builds on the rest.
        self.items.truncate(end);
        self.items.shrink_to_fit();
        self.customer.truncate(n);
        self.customer.shrink_to_fit();
        self.day.truncate(n);
        self.day.shrink_to_fit();
        self.offsets.truncate(n + 1);
        self.offsets.shrink_to_fit();
        self.capped = 0;
    }

    /// Cuts every basket with more than `max` items down to its `max` most
    /// popular items (by the number of baskets holding them, before the cut;
    /// ties go to the item seen first in the file) and counts the baskets cut.
    pub fn cap(&mut self, max: usize) {
        if !(0..self.len()).any(|b| self.basket(b).len() > max) {
            return;
        }
        let popularity = self.item_counts();
        let mut items = Vec::with_capacity(self.items.len());
        let mut offsets = Vec::with_capacity(self.offsets.len());
        offsets.push(0);
        let mut scratch = Vec::new();
        for b in 0..self.len() {
            let basket = self.basket(b);
            if basket.len() > max {
                scratch.clear();
                scratch.extend_from_slice(basket);
                scratch.sort_unstable_by(|&x, &y| {
                    popularity[y as usize]
                        .cmp(&popularity[x as usize])
                        .then(x.cmp(&y))
                });
                scratch.truncate(max);
                scratch.sort_unstable();
                items.extend_from_slice(&scratch);
                self.capped += 1;
            } else {
                items.extend_from_slice(basket);
            }
            offsets.push(items.len());
        }
        self.items = items;
        self.offsets = offsets;
    }

    /// For each item, the baskets that hold it, in compressed rows: item `i`
    /// is in baskets `baskets[offsets[i]..offsets[i + 1]]`, ascending.
    pub fn inverted(&self) -> (Vec<usize>, Vec<u32>) {
        let mut offsets = vec![0usize; self.n_items + 1];
        for &i in &self.items {
            offsets[i as usize + 1] += 1;
        }
        for i in 0..self.n_items {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut baskets = vec![0u32; self.items.len()];
        for b in 0..self.len() {
            for &i in self.basket(b) {
                baskets[fill[i as usize]] = b as u32;
                fill[i as usize] += 1;
            }
        }
        (offsets, baskets)
    }
}
