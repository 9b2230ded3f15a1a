//! The next basket: one ranked list per customer that blends the items they
//! buy again with items new to them, after TIFU-KNN.
//!
//! Hu, He, Gao & Zhang, "Modeling Personalized Item Frequency Information for
//! Next-basket Recommendation", SIGIR 2020 (reference implementation
//! github.com/HaojiHu/TIFUKNN; the method as re-implemented in Cornac,
//! `cornac/models/tifuknn`).
//!
//! # Formula
//!
//! A customer's baskets, oldest first, are split into `G = min(groups, n)`
//! contiguous groups of near-equal size (group `g` holds baskets
//! `⌊g·n/G⌋ .. ⌊(g+1)·n/G⌋`). With `b` a basket's 0/1 item vector, `r_b` the
//! within-group decay and `r_g` the group decay:
//!
//! - group vector `v_g = (1/m_g) Σ_{i<m_g} r_b^(m_g−1−i) · b_i` over the
//!   group's `m_g` baskets;
//! - user vector (the personal item frequency, PIF)
//!   `u = (1/G) Σ_{g<G} r_g^(G−1−g) · v_g`;
//! - neighbours: the `neighbours` customers `d` with the largest cosine
//!   `u·u_d / (|u| |u_d|)`; their mean vector `n = (1/|N|) Σ_d u_d`;
//! - score `p = α · u + (1 − α) · n`: `α` is the balance between repeat
//!   (the customer's own vector) and explore (what similar customers buy).
//!
//! The list is the items with the largest `p > 0`, filled with best-sellers.
//!
//! Where this differs from the paper: neighbours by cosine, not Euclidean
//! distance (cosine needs only the customers who share an item, found through
//! an inverted index, so the search stays sparse); the search reads each
//! customer's [`NextBasketOptions::query_items`] heaviest items and each
//! item's [`NextBasketOptions::max_postings`] heaviest customers, so a
//! similarity is exact only under those bounds; `α` is tuned on the training
//! data (each customer's last training order held out), not on a separate
//! validation set of customers.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use serde::Serialize;

use super::baskets::Baskets;
use super::{ExportRow, Recommender};
use crate::transactions::NONE;
use crate::{Error, Result};

/// The decays tried by the tuning: the paper's (`r_b = 0.9`, `r_g = 0.7`),
/// a steeper one for tastes that drift fast, and none (plain frequency,
/// which wins when tastes do not drift).
pub const DECAY_GRID: [Decay; 3] = [
    Decay {
        within: 0.9,
        group: 0.7,
    },
    Decay {
        within: 0.7,
        group: 0.4,
    },
    Decay {
        within: 1.0,
        group: 1.0,
    },
];

/// The time decays of the user vector.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Decay {
    /// Within-group decay `r_b` in (0, 1].
    pub within: f64,
    /// Group decay `r_g` in (0, 1].
    pub group: f64,
}

/// The values of `α` tried by the tuning, from all-explore to all-repeat.
pub const ALPHA_GRID: [f64; 11] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

/// The list length the tuning scores (Recall@10).
pub const TUNING_K: usize = 10;

/// At most this many customers score each `α` in the tuning (spread evenly
/// over the customer index), which bounds its work.
pub const MAX_TUNING_CUSTOMERS: usize = 2_000;

/// Options for [`NextBasket::new`]. `Default` gives the documented defaults
/// (the paper's settings for its grocery data sets, except `neighbours`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NextBasketOptions {
    /// Number of groups `G` a history is split into (default 7).
    pub groups: usize,
    /// The decays; `None` (default) tunes them over [`DECAY_GRID`] together
    /// with `α`.
    pub decay: Option<Decay>,
    /// Neighbours per customer (default 100; the paper uses 300 on data sets
    /// with tens of thousands of customers).
    pub neighbours: usize,
    /// The balance `α` in [0, 1]; `None` (default) tunes it on the data over
    /// [`ALPHA_GRID`] by Recall@10 on each customer's last order.
    pub alpha: Option<f64>,
    /// Customers kept per item in the neighbour search, heaviest first
    /// (default 250).
    pub max_postings: usize,
    /// A customer's heaviest items read by the neighbour search (default 25).
    /// With `max_postings`, it bounds the search to 6,250 products a customer.
    pub query_items: usize,
    /// The most customers the holdout of
    /// [`evaluate_next_basket`](super::evaluate_next_basket) scores (default
    /// [`MAX_EVALUATED_CUSTOMERS`](super::MAX_EVALUATED_CUSTOMERS)); beyond
    /// it, an evenly spread sample (0 counts as 1).
    pub max_evaluated_customers: usize,
}

impl Default for NextBasketOptions {
    fn default() -> NextBasketOptions {
        NextBasketOptions {
            groups: 7,
            decay: None,
            neighbours: 100,
            alpha: None,
            max_postings: 250,
            query_items: 25,
            max_evaluated_customers: super::MAX_EVALUATED_CUSTOMERS,
        }
    }
}

impl NextBasketOptions {
    fn validate(&self) -> Result<()> {
        let unit = |name: &str, x: f64| {
            if x > 0.0 && x <= 1.0 {
                Ok(())
            } else {
                Err(Error::options(format!("{name} must be in (0, 1], got {x}")))
            }
        };
        if let Some(d) = self.decay {
            unit("within-group decay", d.within)?;
            unit("group decay", d.group)?;
        }
        if let Some(a) = self.alpha {
            if !(0.0..=1.0).contains(&a) {
                return Err(Error::options(format!("alpha must be in [0, 1], got {a}")));
            }
        }
        for (name, n) in [
            ("groups", self.groups),
            ("neighbours", self.neighbours),
            ("postings per item", self.max_postings),
            ("query items", self.query_items),
        ] {
            if n == 0 {
                return Err(Error::options(format!("{name} must be at least 1")));
            }
        }
        Ok(())
    }
}

/// How the decay and `α` were chosen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tuning {
    /// Customers whose last training order scored the grid (0: too few
    /// repeat customers, and the paper's settings are used).
    pub customers: u64,
    /// Mean Recall@[`TUNING_K`] of each setting tried.
    pub grid: Vec<TuningPoint>,
}

/// One setting the tuning tried.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TuningPoint {
    /// The decays.
    pub decay: Decay,
    /// The balance.
    pub alpha: f64,
    /// Mean Recall@[`TUNING_K`] on the tuning customers.
    pub recall: f64,
}

/// One item of a next-basket list.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NextItem {
    /// Item index.
    pub item: u32,
    /// The score `p` (for a best-seller filling the list, its support).
    pub score: f64,
    /// Why it is in the list.
    pub reason: NextReason,
}

/// Why an item is in a next-basket list.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NextReason {
    /// The customer bought it before.
    Repeat {
        /// The customer's orders holding it.
        orders: u32,
        /// Day of the last of them.
        last_day: i32,
    },
    /// New to the customer; similar customers buy it.
    Neighbours {
        /// Neighbours who bought it.
        customers: u32,
    },
    /// A best-seller filling a short list.
    Popular {
        /// Baskets holding it.
        baskets: u64,
    },
}

/// TIFU-KNN user vectors of one data set with a chosen `α`.
#[derive(Debug, Clone)]
pub struct NextBasket<'r> {
    rec: &'r Recommender<'r>,
    options: NextBasketOptions,
    vectors: Vectors,
    decay: Decay,
    alpha: f64,
    tuning: Option<Tuning>,
}

impl<'r> NextBasket<'r> {
    /// Builds the user vectors over the recommender's baskets (after its
    /// basket cap), tuning the decay and `α` unless the options fix them.
    ///
    /// # Errors
    /// An options error for invalid options.
    pub fn new(rec: &'r Recommender<'r>, options: &NextBasketOptions) -> Result<NextBasket<'r>> {
        options.validate()?;
        let n_customers = rec.t.customers().len();
        let (decay, alpha, tuning) = match (options.decay, options.alpha) {
            (Some(d), Some(a)) => (d, a, None),
            _ => {
                let (d, a, t) = tune(&rec.baskets, n_customers, options);
                (d, a, Some(t))
            }
        };
        Ok(NextBasket {
            rec,
            options: *options,
            vectors: Vectors::build(
                &rec.baskets,
                None,
                n_customers,
                options.groups,
                decay,
                options.max_postings,
            ),
            decay,
            alpha,
            tuning,
        })
    }

    /// The balance `α` in force.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The decays in force.
    pub fn decay(&self) -> Decay {
        self.decay
    }

    /// The tuning that chose the decay and `α` (`None` when the options
    /// fixed both).
    pub fn tuning(&self) -> Option<&Tuning> {
        self.tuning.as_ref()
    }

    /// The next basket of the customer with index `customer` (an index into
    /// `transactions().customers()`): `k` items, best first. A customer
    /// without a history gets best-sellers.
    pub fn for_customer_index(&self, customer: u32, k: usize) -> Vec<NextItem> {
        self.for_customer_with(customer, k, &mut Scratch::default())
    }

    /// [`NextBasket::for_customer_index`] with the search's buffers reused
    /// across customers (the holdout scores thousands of them).
    pub(crate) fn for_customer_with(
        &self,
        customer: u32,
        k: usize,
        scratch: &mut Scratch,
    ) -> Vec<NextItem> {
        let entries = self.vectors.entries(customer, &self.options, scratch);
        let ranked = rank(entries, self.alpha, k);
        let history = self.rec.history_of(customer);
        let mut list: Vec<NextItem> = ranked
            .iter()
            .map(|&(e, score)| {
                let reason = match history.binary_search_by_key(&e.item, |p| p.item) {
                    Ok(h) => NextReason::Repeat {
                        orders: history[h].orders,
                        last_day: history[h].last_day,
                    },
                    Err(_) => NextReason::Neighbours {
                        customers: e.holders,
                    },
                };
                NextItem {
                    item: e.item,
                    score,
                    reason,
                }
            })
            .collect();
        if list.len() < k {
            let listed: Vec<u32> = list.iter().map(|x| x.item).collect();
            let fill = self
                .rec
                .popular_except_where(k - list.len(), |i| listed.contains(&i));
            list.extend(fill.into_iter().map(|r| NextItem {
                item: r.item,
                score: r.score,
                reason: NextReason::Popular {
                    baskets: self.rec.item_count(r.item),
                },
            }));
        }
        list
    }

    /// The next basket of the customer with this id (as written in the
    /// file); an unknown id gets best-sellers.
    pub fn for_customer(&self, customer_id: &str, k: usize) -> Vec<NextItem> {
        match self.rec.t.customers().get(customer_id) {
            Some(c) => self.for_customer_index(c, k),
            None => self.for_customer_index(NONE, k),
        }
    }

    /// The per-customer export rows (list `next_basket`) of the customer with
    /// index `customer`; `item_id` is the recommended item for a repeat,
    /// empty otherwise.
    pub fn customer_rows(&self, customer: u32, k: usize) -> Vec<ExportRow> {
        let t = self.rec.t;
        let customer_id = t.customers().name(customer);
        self.for_customer_index(customer, k)
            .iter()
            .enumerate()
            .map(|(r, x)| {
                let anchor = matches!(x.reason, NextReason::Repeat { .. }).then_some(x.item);
                ExportRow {
                    customer_id: Some(customer_id.to_owned()),
                    list: Some("next_basket"),
                    item_id: anchor.map_or(String::new(), |i| t.items().name(i).to_owned()),
                    item_name: anchor.map_or(String::new(), |i| t.item_name(i).to_owned()),
                    rank: r + 1,
                    recommended_item_id: t.items().name(x.item).to_owned(),
                    recommended_item_name: t.item_name(x.item).to_owned(),
                    score: x.score,
                    reason: self.reason_text(&x.reason),
                }
            })
            .collect()
    }

    /// The reason in words.
    pub fn reason_text(&self, reason: &NextReason) -> String {
        match *reason {
            NextReason::Repeat { orders, last_day } => self
                .rec
                .reason_text(&super::Reason::BuyAgain { orders, last_day }),
            NextReason::Neighbours { customers } => format!(
                "new to them; bought by {customers} similar customer{}",
                super::plural(u64::from(customers))
            ),
            NextReason::Popular { baskets } => {
                self.rec.reason_text(&super::Reason::Popular { baskets })
            }
        }
    }
}

/// One candidate item of a customer: own weight `u`, neighbours' mean `n`
/// and the number of neighbours who bought it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Entry {
    pub item: u32,
    pub own: f64,
    pub neighbours: f64,
    pub holders: u32,
}

/// The `k` entries with the largest `α·own + (1 − α)·neighbours > 0`, best
/// first (ties: lower item).
///
/// One pass keeps the best `k` so far in order: the order is total (items
/// are distinct), so they are the `k` a full sort would put first, without
/// scoring every candidate into a new array (the tuning ranks each
/// customer's candidates once per `α`).
pub(crate) fn rank(entries: &[Entry], alpha: f64, k: usize) -> Vec<(Entry, f64)> {
    let better =
        |x: &(Entry, f64), y: &(Entry, f64)| y.1.total_cmp(&x.1).then(x.0.item.cmp(&y.0.item));
    let mut top: Vec<(Entry, f64)> = Vec::with_capacity(k.min(entries.len()));
    if k == 0 {
        return top;
    }
    for &e in entries {
        let x = (e, alpha * e.own + (1.0 - alpha) * e.neighbours);
        if x.1 <= 0.0 || x.1.is_nan() {
            continue;
        }
        if top.len() == k {
            match top.last() {
                Some(worst) if better(&x, worst) == Ordering::Less => {
                    top.pop();
                }
                _ => continue,
            }
        }
        let at = top.partition_point(|y| better(y, &x) == Ordering::Less);
        top.insert(at, x);
    }
    top
}

/// Sparse user vectors in compressed rows, with an inverted index from items
/// to their heaviest customers for the neighbour search.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Vectors {
    /// Customer `c`'s vector is `items/weights[offsets[c]..offsets[c + 1]]`,
    /// ascending by item.
    offsets: Vec<usize>,
    items: Vec<u32>,
    weights: Vec<f32>,
    norms: Vec<f32>,
    /// Item `i`'s customers are `post_*[post_offsets[i]..post_offsets[i + 1]]`,
    /// heaviest first.
    post_offsets: Vec<usize>,
    post_customers: Vec<u32>,
    post_weights: Vec<f32>,
}

impl Vectors {
    /// The vectors over the baskets whose `keep` flag is set (all without
    /// one), equal to those over `baskets.retain(keep)` without the copy.
    pub(crate) fn build(
        baskets: &Baskets,
        keep: Option<&[bool]>,
        n_customers: usize,
        groups: usize,
        decay: Decay,
        max_postings: usize,
    ) -> Vectors {
        let (by_customer, order) = chronological_where(baskets, n_customers, keep);
        let mut v = Vectors {
            offsets: Vec::with_capacity(n_customers + 1),
            ..Vectors::default()
        };
        v.offsets.push(0);
        let mut scratch: Vec<(u32, f64)> = Vec::new();
        for c in 0..n_customers {
            let bs = &order[by_customer[c]..by_customer[c + 1]];
            scratch.clear();
            let n = bs.len();
            let groups = groups.min(n);
            for g in 0..groups {
                let (lo, hi) = (g * n / groups, (g + 1) * n / groups);
                let m = hi - lo;
                let group_w = decay.group.powi((groups - 1 - g) as i32) / groups as f64;
                for (i, &b) in bs[lo..hi].iter().enumerate() {
                    let w = group_w * decay.within.powi((m - 1 - i) as i32) / m as f64;
                    scratch.extend(baskets.basket(b as usize).iter().map(|&item| (item, w)));
                }
            }
            scratch.sort_unstable_by_key(|x| x.0);
            let mut norm = 0.0f64;
            let mut k = 0;
            while k < scratch.len() {
                let item = scratch[k].0;
                let mut w = 0.0;
                while k < scratch.len() && scratch[k].0 == item {
                    w += scratch[k].1;
                    k += 1;
                }
                v.items.push(item);
                v.weights.push(w as f32);
                norm += w * w;
            }
            v.offsets.push(v.items.len());
            v.norms.push(norm.sqrt() as f32);
        }
        v.index(baskets.n_items, max_postings);
        v
    }

    /// The inverted index: each item's `max_postings` heaviest customers
    /// (ties: lower index), heaviest first. Each item keeps a heap of its
    /// best so far, so no array of every (customer, item) is built beside
    /// the vectors (at 10M order lines it was 60 MB).
    fn index(&mut self, n_items: usize, max_postings: usize) {
        let mut heaps: Vec<BinaryHeap<Reverse<Posting>>> = vec![BinaryHeap::new(); n_items];
        for c in 0..self.norms.len() {
            for k in self.offsets[c]..self.offsets[c + 1] {
                let heap = &mut heaps[self.items[k] as usize];
                let posting = Posting {
                    weight: self.weights[k],
                    customer: c as u32,
                };
                if heap.len() < max_postings {
                    heap.push(Reverse(posting));
                } else if heap.peek().is_some_and(|worst| posting > worst.0) {
                    heap.pop();
                    heap.push(Reverse(posting));
                }
            }
        }
        self.post_offsets = Vec::with_capacity(n_items + 1);
        self.post_offsets.push(0);
        for heap in heaps {
            let mut list: Vec<Posting> = heap.into_iter().map(|p| p.0).collect();
            list.sort_unstable_by(|x, y| y.cmp(x));
            for p in list {
                self.post_customers.push(p.customer);
                self.post_weights.push(p.weight);
            }
            self.post_offsets.push(self.post_customers.len());
        }
    }

    fn row(&self, c: u32) -> (&[u32], &[f32]) {
        let c = c as usize;
        match (self.offsets.get(c), self.offsets.get(c + 1)) {
            (Some(&s), Some(&e)) => (&self.items[s..e], &self.weights[s..e]),
            _ => (&[], &[]),
        }
    }

    /// The customer's `neighbours` most similar customers by cosine, best
    /// first (ties: lower index), into `scratch.neighbours`.
    fn neighbours(&self, c: u32, o: &NextBasketOptions, scratch: &mut Scratch) {
        let Scratch {
            query,
            slot,
            dots,
            neighbours,
            ..
        } = scratch;
        neighbours.clear();
        let (items, weights) = self.row(c);
        if items.is_empty() {
            return;
        }
        query.clear();
        query.extend(0..items.len());
        let better_weight =
            |x: &usize, y: &usize| weights[*y].total_cmp(&weights[*x]).then(x.cmp(y));
        if query.len() > o.query_items {
            query.select_nth_unstable_by(o.query_items - 1, better_weight);
            query.truncate(o.query_items);
        }
        query.sort_unstable();
        // Each customer's dot product is summed in the order of the query
        // items and of their postings, as a map keyed by customer would.
        if slot.len() < self.norms.len() {
            slot.resize(self.norms.len(), 0);
        }
        dots.clear();
        for &q in query.iter() {
            let i = items[q] as usize;
            let wq = f64::from(weights[q]);
            let (s, e) = (self.post_offsets[i], self.post_offsets[i + 1]);
            for (&d, &w) in self.post_customers[s..e]
                .iter()
                .zip(&self.post_weights[s..e])
            {
                if d != c {
                    let at = &mut slot[d as usize];
                    if *at == 0 {
                        dots.push((d, 0.0));
                        *at = dots.len() as u32;
                    }
                    dots[*at as usize - 1].1 += wq * f64::from(w);
                }
            }
        }
        let norm = f64::from(self.norms[c as usize]);
        for x in dots.iter_mut() {
            slot[x.0 as usize] = 0;
            x.1 /= norm * f64::from(self.norms[x.0 as usize]);
        }
        let better = |x: &(u32, f64), y: &(u32, f64)| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0));
        if dots.len() > o.neighbours {
            dots.select_nth_unstable_by(o.neighbours - 1, better);
            dots.truncate(o.neighbours);
        }
        dots.sort_unstable_by(better);
        neighbours.extend(dots.iter().map(|&(d, _)| d));
    }

    /// The customer's candidate items, their own and their neighbours',
    /// ascending by item (in `scratch`, reused across customers).
    pub(crate) fn entries<'s>(
        &self,
        c: u32,
        o: &NextBasketOptions,
        scratch: &'s mut Scratch,
    ) -> &'s [Entry] {
        self.neighbours(c, o, scratch);
        let Scratch {
            item_slot,
            entries,
            neighbours,
            ..
        } = scratch;
        let n_items = self.post_offsets.len().saturating_sub(1);
        if item_slot.len() < n_items {
            item_slot.resize(n_items, 0);
        }
        entries.clear();
        let (items, weights) = self.row(c);
        for (&item, &w) in items.iter().zip(weights) {
            entries.push(Entry {
                item,
                own: f64::from(w),
                neighbours: 0.0,
                holders: 0,
            });
            item_slot[item as usize] = entries.len() as u32;
        }
        // Each item's share is added in the neighbours' order, as a map
        // keyed by item would.
        let share = 1.0 / neighbours.len().max(1) as f64;
        for &d in neighbours.iter() {
            let (items, weights) = self.row(d);
            for (&item, &w) in items.iter().zip(weights) {
                let at = &mut item_slot[item as usize];
                if *at == 0 {
                    entries.push(Entry {
                        item,
                        own: 0.0,
                        neighbours: 0.0,
                        holders: 0,
                    });
                    *at = entries.len() as u32;
                }
                let e = &mut entries[*at as usize - 1];
                e.neighbours += share * f64::from(w);
                e.holders += 1;
            }
        }
        for e in entries.iter() {
            item_slot[e.item as usize] = 0;
        }
        entries.sort_unstable_by_key(|e| e.item);
        entries
    }
}

/// The buffers of one customer's neighbour search and candidate merge,
/// reused across customers: dense by customer and by item, each reset
/// through the entries it touched, so a customer costs what it touches.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scratch {
    /// The query items (indices into the customer's row).
    query: Vec<usize>,
    /// By customer: 1 + their index in `dots`, 0 when not reached.
    slot: Vec<u32>,
    /// The customers reached and their dot products, then cosines.
    dots: Vec<(u32, f64)>,
    /// The neighbours found, best first.
    neighbours: Vec<u32>,
    /// By item: 1 + its index in `entries`, 0 when not a candidate.
    item_slot: Vec<u32>,
    entries: Vec<Entry>,
}

/// A customer's weight for an item in the inverted index, ordered from
/// worse to better: lighter first, then the higher customer index.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Posting {
    weight: f32,
    customer: u32,
}

impl Eq for Posting {}

impl PartialOrd for Posting {
    fn partial_cmp(&self, other: &Posting) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Posting {
    fn cmp(&self, other: &Posting) -> Ordering {
        self.weight
            .total_cmp(&other.weight)
            .then(other.customer.cmp(&self.customer))
    }
}

/// Per customer, their baskets oldest first (ties: file order), in
/// compressed rows.
pub(crate) fn chronological(baskets: &Baskets, n_customers: usize) -> (Vec<usize>, Vec<u32>) {
    chronological_where(baskets, n_customers, None)
}

/// [`chronological`] over the baskets whose `keep` flag is set (all without
/// one), with the indices of `baskets`.
pub(crate) fn chronological_where(
    baskets: &Baskets,
    n_customers: usize,
    keep: Option<&[bool]>,
) -> (Vec<usize>, Vec<u32>) {
    let (by_customer, mut order) = super::group_by_customer_where(baskets, n_customers, keep);
    for c in 0..n_customers {
        order[by_customer[c]..by_customer[c + 1]].sort_by_key(|&b| (baskets.day[b as usize], b));
    }
    (by_customer, order)
}

/// Each customer's last basket (latest day, then last in the file) among
/// customers with at least two baskets.
pub(crate) fn last_baskets(baskets: &Baskets, n_customers: usize) -> Vec<bool> {
    let mut last: Vec<Option<usize>> = vec![None; n_customers];
    let mut orders = vec![0u32; n_customers];
    for b in 0..baskets.len() {
        let c = baskets.customer[b];
        if c == NONE {
            continue;
        }
        orders[c as usize] += 1;
        let slot = &mut last[c as usize];
        if slot.is_none_or(|l| baskets.day[b] >= baskets.day[l]) {
            *slot = Some(b);
        }
    }
    let mut held = vec![false; baskets.len()];
    for (c, l) in last.iter().enumerate() {
        if let (Some(b), true) = (l, orders[c] >= 2) {
            held[*b] = true;
        }
    }
    held
}

/// Items by baskets holding them, descending (ties: lower index), from
/// the baskets holding each item.
pub(crate) fn popular_of(counts: Vec<u64>) -> (Vec<u32>, Vec<u64>) {
    let mut popular: Vec<u32> = (0..counts.len() as u32)
        .filter(|&i| counts[i as usize] > 0)
        .collect();
    popular.sort_by(|&x, &y| counts[y as usize].cmp(&counts[x as usize]).then(x.cmp(&y)));
    (popular, counts)
}

/// `list` filled up to `k` with best-sellers not in it.
pub(crate) fn fill_popular(list: &mut Vec<u32>, popular: &[u32], k: usize) {
    for &i in popular {
        if list.len() >= k {
            break;
        }
        if !list.contains(&i) {
            list.push(i);
        }
    }
}

/// Chooses the decay and `α` by Recall@[`TUNING_K`] on each customer's
/// last order of `baskets`, trained on the orders before it: over
/// [`DECAY_GRID`] × [`ALPHA_GRID`], or over the one the options fix. Ties
/// go to the earlier decay of the grid and the larger `α`.
fn tune(baskets: &Baskets, n_customers: usize, o: &NextBasketOptions) -> (Decay, f64, Tuning) {
    const PAPER_ALPHA: f64 = 0.7;
    let decays: Vec<Decay> = o.decay.map_or(DECAY_GRID.to_vec(), |d| vec![d]);
    let alphas: Vec<f64> = o.alpha.map_or(ALPHA_GRID.to_vec(), |a| vec![a]);
    let held = last_baskets(baskets, n_customers);
    // Trained on the baskets kept, read in place (a copy of them was the
    // tuning's largest allocation at 10M order lines).
    let keep: Vec<bool> = held.iter().map(|&h| !h).collect();
    let mut target: Vec<Option<usize>> = vec![None; n_customers];
    for (b, &h) in held.iter().enumerate() {
        if h {
            target[baskets.customer[b] as usize] = Some(b);
        }
    }
    let validation: Vec<u32> = (0..n_customers as u32)
        .filter(|&c| target[c as usize].is_some())
        .collect();
    if validation.is_empty() {
        let tuning = Tuning {
            customers: 0,
            grid: Vec::new(),
        };
        return (decays[0], o.alpha.unwrap_or(PAPER_ALPHA), tuning);
    }
    let step = validation.len().div_ceil(MAX_TUNING_CUSTOMERS);
    let (popular, _) = popular_of(baskets.item_counts_where(&keep));
    let mut grid = Vec::new();
    let mut scratch = Scratch::default();
    let mut scored = 0u64;
    for &decay in &decays {
        let vectors = Vectors::build(
            baskets,
            Some(&keep),
            n_customers,
            o.groups,
            decay,
            o.max_postings,
        );
        let mut sums = vec![0.0f64; alphas.len()];
        scored = 0;
        for &c in validation.iter().step_by(step) {
            let Some(b) = target[c as usize] else {
                continue;
            };
            let relevant = baskets.basket(b);
            let entries = vectors.entries(c, o, &mut scratch);
            for (a, &alpha) in alphas.iter().enumerate() {
                let mut list: Vec<u32> = rank(entries, alpha, TUNING_K)
                    .iter()
                    .map(|x| x.0.item)
                    .collect();
                fill_popular(&mut list, &popular, TUNING_K);
                let hits = list
                    .iter()
                    .filter(|i| relevant.binary_search(i).is_ok())
                    .count();
                sums[a] += hits as f64 / relevant.len() as f64;
            }
            scored += 1;
        }
        for (a, &alpha) in alphas.iter().enumerate() {
            grid.push(TuningPoint {
                decay,
                alpha,
                recall: sums[a] / scored as f64,
            });
        }
    }
    let mut best: Option<TuningPoint> = None;
    for d in 0..decays.len() {
        for a in (0..alphas.len()).rev() {
            let p = grid[d * alphas.len() + a];
            if best.is_none_or(|b| p.recall > b.recall) {
                best = Some(p);
            }
        }
    }
    let best = best.unwrap_or(grid[0]);
    let tuning = Tuning {
        customers: scored,
        grid,
    };
    (best.decay, best.alpha, tuning)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::test_shop::shop;
    use rustc_hash::FxHashMap;

    /// Rounding of sums of a few products, stored as `f32`.
    const F32_ROUND: f64 = 1e-7;

    /// The inverted index as first written: every (customer, weight) of
    /// each item, sorted heaviest first (ties: lower index), cut.
    fn sorted_index(v: &Vectors, n_items: usize, max_postings: usize) -> Vec<Vec<(u32, f32)>> {
        let mut lists: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n_items];
        for c in 0..v.norms.len() {
            let (items, weights) = v.row(c as u32);
            for (&i, &w) in items.iter().zip(weights) {
                lists[i as usize].push((c as u32, w));
            }
        }
        for list in &mut lists {
            list.sort_unstable_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            list.truncate(max_postings);
        }
        lists
    }

    /// The neighbour search and candidate merge as first written, with
    /// hash maps keyed by customer and by item: the definition the dense
    /// buffers of [`Scratch`] are tested against.
    fn reference_entries(v: &Vectors, c: u32, o: &NextBasketOptions) -> Vec<Entry> {
        let (items, weights) = v.row(c);
        let neighbours: Vec<u32> = if items.is_empty() {
            Vec::new()
        } else {
            let mut query: Vec<usize> = (0..items.len()).collect();
            query.sort_unstable_by(|&x, &y| weights[y].total_cmp(&weights[x]).then(x.cmp(&y)));
            query.truncate(o.query_items);
            query.sort_unstable();
            let mut acc: FxHashMap<u32, f64> = FxHashMap::default();
            for &q in &query {
                let i = items[q] as usize;
                let wq = f64::from(weights[q]);
                let (s, e) = (v.post_offsets[i], v.post_offsets[i + 1]);
                for (&d, &w) in v.post_customers[s..e].iter().zip(&v.post_weights[s..e]) {
                    if d != c {
                        *acc.entry(d).or_insert(0.0) += wq * f64::from(w);
                    }
                }
            }
            let norm = f64::from(v.norms[c as usize]);
            let mut sims: Vec<(u32, f64)> = acc
                .iter()
                .map(|(&d, &dot)| (d, dot / (norm * f64::from(v.norms[d as usize]))))
                .collect();
            sims.sort_unstable_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            sims.truncate(o.neighbours);
            sims.into_iter().map(|(d, _)| d).collect()
        };
        let mut all: FxHashMap<u32, Entry> = FxHashMap::default();
        for (&item, &w) in items.iter().zip(weights) {
            all.insert(
                item,
                Entry {
                    item,
                    own: f64::from(w),
                    neighbours: 0.0,
                    holders: 0,
                },
            );
        }
        let share = 1.0 / neighbours.len().max(1) as f64;
        for &d in &neighbours {
            let (items, weights) = v.row(d);
            for (&item, &w) in items.iter().zip(weights) {
                let e = all.entry(item).or_insert(Entry {
                    item,
                    own: 0.0,
                    neighbours: 0.0,
                    holders: 0,
                });
                e.neighbours += share * f64::from(w);
                e.holders += 1;
            }
        }
        let mut entries: Vec<Entry> = all.into_values().collect();
        entries.sort_unstable_by_key(|e| e.item);
        entries
    }

    /// The ranking as first written: every candidate scored, filtered,
    /// selected and sorted.
    fn reference_rank(entries: &[Entry], alpha: f64, k: usize) -> Vec<(Entry, f64)> {
        let mut scored: Vec<(Entry, f64)> = entries
            .iter()
            .map(|&e| (e, alpha * e.own + (1.0 - alpha) * e.neighbours))
            .filter(|&(_, s)| s > 0.0)
            .collect();
        scored.sort_unstable_by(|x, y| y.1.total_cmp(&x.1).then(x.0.item.cmp(&y.0.item)));
        scored.truncate(k);
        scored
    }

    /// The dense, reused buffers give every customer the same candidates,
    /// to the bit, as the hash maps did, and the one-pass ranking the same
    /// lists as the full sort: generated shops of several seeds
    /// and sizes (one-order customers and guests among them), the search's
    /// bounds from 1 (ties everywhere) to the defaults, one scratch reused
    /// across all customers and option sets.
    #[test]
    fn entries_from_dense_buffers_equal_the_hash_map_definition() {
        let mut scratch = Scratch::default();
        for (seed, lines) in [(1, 6_000), (5, 2_000), (9, 300)] {
            let config = crate::generate::GeneratorConfig {
                seed,
                ..crate::generate::GeneratorConfig::default()
            };
            let data = crate::generate::ingested(&config, lines);
            let crate::ingest::Dataset::Transactions(t) = &data else {
                panic!("generated data is transactions");
            };
            let baskets = Baskets::from_transactions(t);
            let n = t.customers().len();
            for (neighbours, query_items, max_postings, decay) in [
                (100, 25, 250, DECAY_GRID[0]),
                (3, 2, 5, DECAY_GRID[1]),
                (1, 1, 1, DECAY_GRID[2]),
                (7, 40, 2, DECAY_GRID[2]),
            ] {
                let o = NextBasketOptions {
                    neighbours,
                    query_items,
                    max_postings,
                    ..NextBasketOptions::default()
                };
                let v = Vectors::build(&baskets, None, n, o.groups, decay, max_postings);
                // Past the last customer and NONE: no row, no candidates.
                for c in (0..n as u32).chain([n as u32, NONE]) {
                    let want = reference_entries(&v, c, &o);
                    let got = v.entries(c, &o, &mut scratch);
                    let case = format!("seed {seed}, {lines} lines, customer {c}, {o:?}");
                    assert_eq!(got, want.as_slice(), "{case}");
                    for alpha in [0.0, 0.3, 1.0] {
                        for k in [0, 1, 10, 20] {
                            let ranked = rank(got, alpha, k);
                            assert_eq!(
                                ranked,
                                reference_rank(&want, alpha, k),
                                "{case} {alpha} {k}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn vectors_of_kept_baskets_equal_those_of_their_copy_with_the_sorted_index() {
        let config = crate::generate::GeneratorConfig {
            seed: 3,
            ..crate::generate::GeneratorConfig::default()
        };
        let data = crate::generate::ingested(&config, 20_000);
        let crate::ingest::Dataset::Transactions(t) = &data else {
            panic!("generated data is transactions");
        };
        let baskets = Baskets::from_transactions(t);
        let n = t.customers().len();
        let keep: Vec<bool> = last_baskets(&baskets, n).iter().map(|&h| !h).collect();
        assert!(keep.iter().any(|&k| !k));
        let train = baskets.retain(&keep);
        assert_eq!(
            popular_of(baskets.item_counts_where(&keep)),
            popular_of(train.item_counts())
        );
        for decay in DECAY_GRID {
            for max_postings in [1, 3, 250] {
                let copy = Vectors::build(&train, None, n, 7, decay, max_postings);
                let read = Vectors::build(&baskets, Some(&keep), n, 7, decay, max_postings);
                assert_eq!(read, copy);
                let want = sorted_index(&copy, baskets.n_items, max_postings);
                let got: Vec<Vec<(u32, f32)>> = (0..baskets.n_items)
                    .map(|i| {
                        let (s, e) = (read.post_offsets[i], read.post_offsets[i + 1]);
                        read.post_customers[s..e]
                            .iter()
                            .copied()
                            .zip(read.post_weights[s..e].iter().copied())
                            .collect()
                    })
                    .collect();
                assert_eq!(got, want, "{decay:?}, {max_postings}");
            }
        }
    }

    #[test]
    fn user_vectors_follow_the_group_and_basket_decays() {
        // Written out of order: the vectors sort baskets by day.
        let t = shop(&[
            ("a", "o3", 30, "z"),
            ("a", "o1", 10, "x"),
            ("a", "o2", 20, "x"),
            ("a", "o2", 20, "y"),
        ]);
        let baskets = Baskets::from_transactions(&t);
        let decay = Decay {
            within: 0.5,
            group: 0.5,
        };
        let v = Vectors::build(&baskets, None, t.customers().len(), 2, decay, 100);
        // By hand: n = 3 baskets in G = 2 groups, {o1} and {o2, o3}.
        // v_0 = o1; v_1 = (0.5·o2 + o3) / 2; u = (0.5·v_0 + v_1) / 2
        // = 0.25·o1 + 0.125·o2 + 0.25·o3: x 0.375, y 0.125, z 0.25.
        let (items, weights) = v.row(0);
        let by_name: Vec<(&str, f64)> = items
            .iter()
            .zip(weights)
            .map(|(&i, &w)| (t.items().name(i), f64::from(w)))
            .collect();
        let want = [("x", 0.375), ("y", 0.125), ("z", 0.25)];
        let mut got = by_name.clone();
        got.sort_by(|x, y| x.0.cmp(y.0));
        for ((name, w), (want_name, want_w)) in got.iter().zip(want) {
            assert_eq!(*name, want_name);
            assert!((w - want_w).abs() < F32_ROUND, "{name}: {w}");
        }
        let norm = (0.375f64.powi(2) + 0.125f64.powi(2) + 0.25f64.powi(2)).sqrt();
        assert!((f64::from(v.norms[0]) - norm).abs() < F32_ROUND);
    }

    #[test]
    fn neighbours_are_the_most_similar_customers_first() {
        // a and b share x and y; c shares only y with them; d shares nothing.
        let t = shop(&[
            ("a", "o1", 0, "x"),
            ("a", "o1", 0, "y"),
            ("b", "o2", 0, "x"),
            ("b", "o2", 0, "y"),
            ("b", "o2", 0, "w"),
            ("c", "o3", 0, "y"),
            ("c", "o3", 0, "v"),
            ("d", "o4", 0, "u"),
        ]);
        let baskets = Baskets::from_transactions(&t);
        let o = NextBasketOptions {
            neighbours: 3,
            ..NextBasketOptions::default()
        };
        let v = Vectors::build(&baskets, None, 4, o.groups, DECAY_GRID[0], o.max_postings);
        let mut scratch = Scratch::default();
        let a = t.customers().get("a").unwrap();
        v.neighbours(a, &o, &mut scratch);
        let names: Vec<&str> = scratch
            .neighbours
            .iter()
            .map(|&d| t.customers().name(d))
            .collect();
        // cos(a, b) = 2/√6 ≈ 0.82 > cos(a, c) = 1/2; d shares no item.
        assert_eq!(names, ["b", "c"]);
        // a's candidates: its own x, y and the neighbours' w, v.
        let entries = v.entries(a, &o, &mut scratch);
        let own: Vec<&str> = entries
            .iter()
            .filter(|e| e.own > 0.0)
            .map(|e| t.items().name(e.item))
            .collect();
        assert_eq!(own, ["x", "y"]);
        let w = entries
            .iter()
            .find(|e| t.items().name(e.item) == "w")
            .unwrap();
        assert_eq!((w.own, w.holders), (0.0, 1));
        // w's neighbour score: b's weight (1) over two neighbours.
        assert!((w.neighbours - 0.5).abs() < F32_ROUND);
    }
}
