//! The models' validated inputs: per-customer recency/frequency summaries,
//! collapsed into unique patterns with counts.

use rustc_hash::FxHashMap;

use crate::{Error, ErrorCode, Result};

/// The largest frequency accepted; beyond this the counts are not purchases.
const MAX_FREQUENCY: f64 = 1e7;

/// One customer's purchase summary, in the period unit of the data set
/// (days, weeks, ...), as in lifetimes' `summary_data_from_transaction_data`.
///
/// Always valid: `frequency` is a whole number `>= 0`, `0 <= recency <= t`,
/// all finite, and `frequency == 0` implies `recency == 0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rfm {
    frequency: f64,
    recency: f64,
    t: f64,
}

impl Rfm {
    /// A customer with `frequency` repeat purchases (`x`), the last at
    /// `recency` (`t_x`) periods after the first purchase, observed for `t`
    /// (`T`) periods since the first purchase.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Input`] error naming the field if a value is not
    /// finite, negative, if `frequency` is not a whole number or above `1e7`,
    /// if `recency > t`, or if `frequency == 0` with `recency > 0`.
    pub fn new(frequency: f64, recency: f64, t: f64) -> Result<Rfm> {
        for (name, value) in [("frequency", frequency), ("recency", recency), ("T", t)] {
            if !value.is_finite() || value < 0.0 {
                return Err(Error::input(
                    None,
                    Some(name),
                    format!("{name} must be a finite number >= 0, got {value}"),
                ));
            }
        }
        if frequency.fract() != 0.0 || frequency > MAX_FREQUENCY {
            return Err(Error::input(
                None,
                Some("frequency"),
                format!("frequency must be a whole number of repeat purchases up to 1e7, got {frequency}"),
            ));
        }
        if recency > t {
            return Err(Error::input(
                None,
                Some("recency"),
                format!("recency {recency} is greater than the customer's age T {t}"),
            ));
        }
        if frequency == 0.0 && recency != 0.0 {
            return Err(Error::input(
                None,
                Some("recency"),
                format!("recency must be 0 for a customer without repeat purchases, got {recency}"),
            ));
        }
        Ok(Rfm {
            frequency,
            recency,
            t,
        })
    }

    /// Repeat purchases `x`.
    pub fn frequency(&self) -> f64 {
        self.frequency
    }

    /// Time of the last repeat purchase since the first purchase, `t_x`.
    pub fn recency(&self) -> f64 {
        self.recency
    }

    /// Time since the first purchase, `T`.
    pub fn t(&self) -> f64 {
        self.t
    }
}

/// An [`crate::ErrorKind::Input`] error naming the first row (0-based) whose
/// weight is not a finite number `> 0`: the rule of the fits' weighted data.
pub(crate) fn check_weights<T>(rows: &[(T, f64)]) -> Result<()> {
    match rows
        .iter()
        .enumerate()
        .find(|(_, (_, w))| !w.is_finite() || *w <= 0.0)
    {
        Some((row, (_, w))) => Err(Error::input(
            None,
            Some("weight"),
            format!("row {row}: weight must be a finite number > 0, got {w}"),
        )),
        None => Ok(()),
    }
}

/// A set of customers as unique `(x, t_x, T)` patterns with counts: what the
/// purchase models fit on and predict for.
///
/// Predictions over a data set are computed once per pattern (once per
/// `(x, T)` where `t_x` does not matter) and returned in the order of the rows
/// given to [`RfmData::new`].
#[derive(Debug, Clone)]
pub struct RfmData {
    /// Sorted by (x, T, t_x).
    patterns: Vec<Rfm>,
    counts: Vec<f64>,
    /// `Σ counts`: the customers (the rows, unless weighted).
    customers: f64,
    /// Runs of patterns with equal `x`: (x, start, end).
    groups: Vec<(f64, usize, usize)>,
    /// For each input row, the index of its pattern.
    row_pattern: Vec<u32>,
    /// The distinct values of `T` and `t_x`, sorted, so that a likelihood can
    /// compute `ln(α + time)` once per value rather than once per pattern.
    times: Vec<f64>,
    /// Per pattern, the indices of its `T` and `t_x` in `times`.
    time_index: Vec<(u32, u32)>,
}

impl RfmData {
    /// Collapses `rows` into unique patterns.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Input`] error if `rows` is empty or has more
    /// than `u32::MAX` rows.
    pub fn new(rows: &[Rfm]) -> Result<RfmData> {
        RfmData::build(rows, None)
    }

    /// Collapses weighted rows into unique patterns: each row stands for
    /// `weight` customers with the same `(x, t_x, T)`, as a warehouse-side
    /// `GROUP BY frequency, recency, T` gives them. The fit and the base
    /// totals are then those of the expanded customers; per-row predictions
    /// ([`RfmData::len`] rows) are one per weighted row.
    ///
    /// A weight is any finite number `> 0` (whole numbers of customers in
    /// practice; fractions act as sampling weights).
    ///
    /// # Errors
    ///
    /// As [`RfmData::new`], and an [`crate::ErrorKind::Input`] error naming
    /// the row (0-based) and value if a weight is not finite or not `> 0`.
    pub fn with_weights(rows: &[(Rfm, f64)]) -> Result<RfmData> {
        check_weights(rows)?;
        let (customers, weights): (Vec<Rfm>, Vec<f64>) = rows.iter().copied().unzip();
        RfmData::build(&customers, Some(&weights))
    }

    /// [`RfmData::new`] with an optional weight per row (1 without).
    fn build(rows: &[Rfm], weights: Option<&[f64]>) -> Result<RfmData> {
        let weight = |i: usize| weights.map_or(1.0, |w| w[i]);
        if rows.is_empty() {
            return Err(
                Error::input(None, None, "no customers to model").with_code(ErrorCode::NoCustomers)
            );
        }
        if rows.len() > u32::MAX as usize {
            return Err(Error::input(
                None,
                None,
                "too many customers (more than 4,294,967,295)",
            ));
        }
        // Each value becomes its rank among the distinct values (one ranking
        // for T and t_x together, which is also the time table the
        // likelihoods index); the rows are then ordered by (x, T, t_x) rank
        // with three stable counting-sort passes, and equal runs collapse.
        let mut frequencies = Ranker::default();
        let mut time_values = Ranker::default();
        let x_slot: Vec<u32> = rows.iter().map(|c| frequencies.slot(c.frequency)).collect();
        let t_slot: Vec<u32> = rows.iter().map(|c| time_values.slot(c.t)).collect();
        let tx_slot: Vec<u32> = rows.iter().map(|c| time_values.slot(c.recency)).collect();
        let (_, x_rank) = frequencies.finish();
        let (times, time_rank) = time_values.finish();
        let x_key: Vec<u32> = x_slot.iter().map(|&s| x_rank[s as usize]).collect();
        let t_key: Vec<u32> = t_slot.iter().map(|&s| time_rank[s as usize]).collect();
        let tx_key: Vec<u32> = tx_slot.iter().map(|&s| time_rank[s as usize]).collect();
        let order: Vec<u32> = (0..rows.len() as u32).collect();
        let order = counting_sort(&order, &tx_key, times.len());
        let order = counting_sort(&order, &t_key, times.len());
        let order = counting_sort(&order, &x_key, x_rank.len());
        let mut patterns: Vec<Rfm> = Vec::new();
        let mut counts: Vec<f64> = Vec::new();
        let mut time_index: Vec<(u32, u32)> = Vec::new();
        let mut row_pattern = vec![0u32; rows.len()];
        let mut last = None;
        for &i in &order {
            let i = i as usize;
            let keys = (x_key[i], t_key[i], tx_key[i]);
            match counts.last_mut() {
                Some(count) if last == Some(keys) => *count += weight(i),
                _ => {
                    patterns.push(rows[i]);
                    counts.push(weight(i));
                    time_index.push((keys.1, keys.2));
                    last = Some(keys);
                }
            }
            row_pattern[i] = (patterns.len() - 1) as u32;
        }
        let mut groups = Vec::new();
        let mut start = 0;
        for i in 1..=patterns.len() {
            if i == patterns.len() || patterns[i].frequency != patterns[start].frequency {
                groups.push((patterns[start].frequency, start, i));
                start = i;
            }
        }
        let customers = counts.iter().sum();
        Ok(RfmData {
            patterns,
            counts,
            customers,
            groups,
            row_pattern,
            times,
            time_index,
        })
    }

    /// Number of input rows: the customers, unless the rows are weighted
    /// ([`RfmData::with_weights`]; then see [`RfmData::customers`]).
    pub fn len(&self) -> usize {
        self.row_pattern.len()
    }

    /// Number of customers: the sum of the weights, or the rows without
    /// weights. What the fits count as observations.
    pub fn customers(&self) -> f64 {
        self.customers
    }

    /// Always false: an `RfmData` has at least one customer.
    pub fn is_empty(&self) -> bool {
        self.row_pattern.is_empty()
    }

    /// The unique patterns, sorted by `(x, T, t_x)`, with how many customers
    /// share each.
    pub fn patterns(&self) -> impl Iterator<Item = (&Rfm, f64)> {
        self.patterns.iter().zip(self.counts.iter().copied())
    }

    /// The customer in input row `row`, if there is one.
    pub fn customer(&self, row: usize) -> Option<&Rfm> {
        self.row_pattern
            .get(row)
            .map(|&p| &self.patterns[p as usize])
    }

    /// Number of customers with at least one repeat purchase.
    pub fn repeaters(&self) -> f64 {
        self.patterns()
            .filter(|(c, _)| c.frequency > 0.0)
            .map(|(_, n)| n)
            .sum()
    }

    /// Runs of patterns sharing `x`, as `(x, patterns, counts, time indices)`.
    pub(crate) fn groups(&self) -> impl Iterator<Item = Group<'_>> {
        self.groups.iter().map(|&(x, s, e)| {
            (
                x,
                &self.patterns[s..e],
                &self.counts[s..e],
                &self.time_index[s..e],
            )
        })
    }

    /// The distinct values of `T` and `t_x`, indexed by [`RfmData::groups`].
    pub(crate) fn times(&self) -> &[f64] {
        &self.times
    }

    /// Evaluates `f` once per pattern and spreads the results over the rows.
    pub(crate) fn per_row(&self, f: impl Fn(&Rfm) -> f64) -> Vec<f64> {
        let per_pattern: Vec<f64> = self.patterns.iter().map(f).collect();
        self.spread(&per_pattern)
    }

    /// `p_alive(pattern) · if_alive(x, T)` per row, with `if_alive` evaluated
    /// once per distinct `(x, T)`.
    pub(crate) fn per_row_factored(
        &self,
        p_alive: impl Fn(&Rfm) -> f64,
        if_alive: impl Fn(f64, f64) -> f64,
    ) -> Vec<f64> {
        let mut per_pattern = Vec::with_capacity(self.patterns.len());
        let mut cached: Option<(f64, f64, f64)> = None;
        for c in &self.patterns {
            let value = match cached {
                Some((x, t, v)) if x == c.frequency && t == c.t => v,
                _ => {
                    let v = if_alive(c.frequency, c.t);
                    cached = Some((c.frequency, c.t, v));
                    v
                }
            };
            per_pattern.push(p_alive(c) * value);
        }
        self.spread(&per_pattern)
    }

    /// Each input row's pattern index (patterns in [`RfmData::patterns`]'
    /// order).
    pub(crate) fn row_patterns(&self) -> &[u32] {
        &self.row_pattern
    }

    /// Per-pattern values (in pattern order) spread over the rows.
    pub(crate) fn spread(&self, per_pattern: &[f64]) -> Vec<f64> {
        self.row_pattern
            .iter()
            .map(|&p| per_pattern[p as usize])
            .collect()
    }

    /// `Σ count · f(pattern)` over the patterns.
    pub(crate) fn weighted_sum(&self, f: impl Fn(&Rfm) -> f64) -> f64 {
        self.patterns().map(|(c, n)| n * f(c)).sum()
    }
}

/// Ranks of `f64` values among the distinct values seen: whole numbers below
/// 2^16 (days, weeks, counts) go through a dense table, others through a
/// hash map of their bits. Values are `>= 0`; `-0` counts as `0`.
#[derive(Default)]
struct Ranker {
    dense: Vec<u32>,
    sparse: FxHashMap<u64, u32>,
    distinct: Vec<f64>,
}

impl Ranker {
    const DENSE_LIMIT: f64 = 65536.0;

    /// A slot for `value`, the same for equal values.
    fn slot(&mut self, value: f64) -> u32 {
        let value = value + 0.0;
        let next = self.distinct.len() as u32;
        if value < Ranker::DENSE_LIMIT && value == value.trunc() {
            let index = value as usize;
            if index >= self.dense.len() {
                self.dense.resize(index + 1, u32::MAX);
            }
            if self.dense[index] == u32::MAX {
                self.dense[index] = next;
                self.distinct.push(value);
            }
            return self.dense[index];
        }
        let distinct = &mut self.distinct;
        *self.sparse.entry(value.to_bits()).or_insert_with(|| {
            distinct.push(value);
            next
        })
    }

    /// The distinct values, sorted, and each slot's rank among them.
    fn finish(self) -> (Vec<f64>, Vec<u32>) {
        let mut order: Vec<u32> = (0..self.distinct.len() as u32).collect();
        // Values >= 0: their bits sort as the numbers do.
        order.sort_unstable_by_key(|&slot| self.distinct[slot as usize].to_bits());
        let mut rank = vec![0u32; order.len()];
        for (position, &slot) in order.iter().enumerate() {
            rank[slot as usize] = position as u32;
        }
        let sorted = order.iter().map(|&s| self.distinct[s as usize]).collect();
        (sorted, rank)
    }
}

/// `order` stably sorted by `key[i]`, keys in `0..buckets`.
fn counting_sort(order: &[u32], key: &[u32], buckets: usize) -> Vec<u32> {
    let mut start = vec![0usize; buckets + 1];
    for &i in order {
        start[key[i as usize] as usize + 1] += 1;
    }
    for b in 0..buckets {
        start[b + 1] += start[b];
    }
    let mut sorted = vec![0u32; order.len()];
    for &i in order {
        let bucket = &mut start[key[i as usize] as usize];
        sorted[*bucket] = i;
        *bucket += 1;
    }
    sorted
}

/// A run of patterns sharing `x`: `(x, patterns, counts, (T, t_x) time indices)`.
pub(crate) type Group<'a> = (f64, &'a [Rfm], &'a [f64], &'a [(u32, u32)]);

/// A customer's repeat-purchase count and mean repeat spend, the input of the
/// Gamma-Gamma spend model.
///
/// Always valid: `frequency` is a whole number `>= 0`, `monetary_value` is finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spend {
    frequency: f64,
    monetary_value: f64,
}

impl Spend {
    /// A customer with `frequency` repeat purchases whose mean value is
    /// `monetary_value` (ignored when `frequency == 0`).
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Input`] error if `frequency` is not a whole
    /// number in `[0, 1e7]` or `monetary_value` is not finite.
    pub fn new(frequency: f64, monetary_value: f64) -> Result<Spend> {
        if !frequency.is_finite()
            || frequency < 0.0
            || frequency.fract() != 0.0
            || frequency > MAX_FREQUENCY
        {
            return Err(Error::input(
                None,
                Some("frequency"),
                format!("frequency must be a whole number of repeat purchases up to 1e7, got {frequency}"),
            ));
        }
        if !monetary_value.is_finite() {
            return Err(Error::input(
                None,
                Some("monetary_value"),
                format!("monetary value must be a finite number, got {monetary_value}"),
            ));
        }
        Ok(Spend {
            frequency,
            monetary_value,
        })
    }

    /// Repeat purchases `x`.
    pub fn frequency(&self) -> f64 {
        self.frequency
    }

    /// Mean value of the repeat purchases `m`.
    pub fn monetary_value(&self) -> f64 {
        self.monetary_value
    }
}

/// One customer's record under the discrete-time BG/BB model: `frequency`
/// transactions (`x`) in `n` transaction opportunities, the last at
/// opportunity `recency` (`t_x`).
///
/// Always valid: `x <= t_x <= n`, and `x == 0` exactly when `t_x == 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DiscreteRfm {
    frequency: u32,
    recency: u32,
    n: u32,
}

impl DiscreteRfm {
    /// A customer with `frequency` transactions in `n` opportunities, the last
    /// at opportunity `recency`.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Input`] error unless `frequency <= recency <= n`
    /// and `frequency == 0` exactly when `recency == 0`.
    pub fn new(frequency: u32, recency: u32, n: u32) -> Result<DiscreteRfm> {
        if frequency > recency || recency > n {
            return Err(Error::input(
                None,
                Some("recency"),
                format!("need frequency <= recency <= n, got frequency {frequency}, recency {recency}, n {n}"),
            ));
        }
        if (frequency == 0) != (recency == 0) {
            return Err(Error::input(
                None,
                Some("recency"),
                format!("recency must be 0 exactly when frequency is 0, got frequency {frequency}, recency {recency}"),
            ));
        }
        Ok(DiscreteRfm {
            frequency,
            recency,
            n,
        })
    }

    /// Transactions `x`.
    pub fn frequency(&self) -> u32 {
        self.frequency
    }

    /// Opportunity of the last transaction `t_x` (0 if none).
    pub fn recency(&self) -> u32 {
        self.recency
    }

    /// Transaction opportunities observed `n`.
    pub fn n(&self) -> u32 {
        self.n
    }
}

/// Unique BG/BB patterns with counts.
#[derive(Debug, Clone)]
pub struct DiscreteRfmData {
    patterns: Vec<(DiscreteRfm, f64)>,
}

impl DiscreteRfmData {
    /// Collapses `rows` into unique patterns.
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Input`] error if `rows` is empty.
    pub fn new(rows: &[DiscreteRfm]) -> Result<DiscreteRfmData> {
        let counted: Vec<(DiscreteRfm, f64)> = rows.iter().map(|&r| (r, 1.0)).collect();
        DiscreteRfmData::from_counts(&counted)
    }

    /// Builds the data from patterns with counts, as published in
    /// aggregate tables (Fader, Hardie & Shang 2010, table 1).
    ///
    /// # Errors
    ///
    /// An [`crate::ErrorKind::Input`] error if there are no patterns or a
    /// count is not a finite number `>= 0`, or all counts are 0.
    pub fn from_counts(rows: &[(DiscreteRfm, f64)]) -> Result<DiscreteRfmData> {
        if let Some((r, c)) = rows.iter().find(|(_, c)| !c.is_finite() || *c < 0.0) {
            return Err(Error::input(
                None,
                Some("count"),
                format!("count must be a finite number >= 0, got {c} for {r:?}"),
            ));
        }
        let mut sorted: Vec<(DiscreteRfm, f64)> =
            rows.iter().copied().filter(|(_, c)| *c > 0.0).collect();
        if sorted.is_empty() {
            return Err(
                Error::input(None, None, "no customers to model").with_code(ErrorCode::NoCustomers)
            );
        }
        sorted.sort_by_key(|p| p.0);
        let mut patterns: Vec<(DiscreteRfm, f64)> = Vec::new();
        for (r, c) in sorted {
            match patterns.last_mut() {
                Some(last) if last.0 == r => last.1 += c,
                _ => patterns.push((r, c)),
            }
        }
        Ok(DiscreteRfmData { patterns })
    }

    /// Number of customers (sum of counts).
    pub fn len(&self) -> f64 {
        self.patterns.iter().map(|p| p.1).sum()
    }

    /// Always false: a `DiscreteRfmData` has at least one customer.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The unique patterns with counts, sorted.
    pub fn patterns(&self) -> &[(DiscreteRfm, f64)] {
        &self.patterns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfm_rejects_inconsistent_summaries() {
        // (frequency, recency, T, message fragment)
        let cases = [
            (
                1.0,
                5.0,
                3.0,
                "recency 5 is greater than the customer's age T 3",
            ),
            (0.0, 2.0, 3.0, "recency must be 0"),
            (1.5, 2.0, 3.0, "whole number"),
            (-1.0, 0.0, 3.0, "frequency must be a finite number >= 0"),
            (1.0, f64::NAN, 3.0, "recency must be a finite number >= 0"),
            (1.0, 1.0, f64::INFINITY, "T must be a finite number >= 0"),
        ];
        for (x, tx, t, want) in cases {
            let err = Rfm::new(x, tx, t).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
        assert!(Rfm::new(0.0, 0.0, 0.0).is_ok());
    }

    #[test]
    fn rfm_data_collapses_duplicates_and_keeps_row_order() {
        let rows = [
            Rfm::new(2.0, 5.0, 9.0).unwrap(),
            Rfm::new(0.0, 0.0, 9.0).unwrap(),
            Rfm::new(2.0, 5.0, 9.0).unwrap(),
            Rfm::new(1.0, 1.0, 9.0).unwrap(),
        ];
        let data = RfmData::new(&rows).unwrap();
        assert_eq!(data.len(), 4);
        assert_eq!(data.patterns().count(), 3);
        assert_eq!(data.groups().count(), 3);
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(data.customer(i), Some(row));
        }
        let got = data.per_row(|c| c.frequency());
        assert_eq!(got, vec![2.0, 0.0, 2.0, 1.0]);
        assert_eq!(data.repeaters(), 3.0);
        assert!(RfmData::new(&[]).is_err());
    }

    #[test]
    fn rfm_data_sorts_patterns_and_times_whatever_the_values() {
        // Whole and fractional periods, -0, and values past the dense
        // table's range, in no order. Source: the definition (patterns
        // sorted by (x, T, t_x), times the sorted distinct T and t_x).
        let rows = [
            Rfm::new(3.0, 70_000.5, 100_000.0).unwrap(),
            Rfm::new(1.0, 2.5, 9.25).unwrap(),
            Rfm::new(0.0, -0.0, 9.25).unwrap(),
            Rfm::new(1.0, 2.0, 9.25).unwrap(),
            Rfm::new(0.0, 0.0, 9.25).unwrap(),
            Rfm::new(1.0, 2.5, 9.25).unwrap(),
            Rfm::new(1.0, 2.5, 4.0).unwrap(),
            Rfm::new(70_000.0, 5.0, 6.0).unwrap(),
        ];
        let data = RfmData::new(&rows).unwrap();
        let patterns: Vec<(f64, f64, f64, f64)> = data
            .patterns()
            .map(|(c, n)| (c.frequency(), c.t(), c.recency(), n))
            .collect();
        assert_eq!(
            patterns,
            vec![
                (0.0, 9.25, 0.0, 2.0),
                (1.0, 4.0, 2.5, 1.0),
                (1.0, 9.25, 2.0, 1.0),
                (1.0, 9.25, 2.5, 2.0),
                (3.0, 100_000.0, 70_000.5, 1.0),
                (70_000.0, 6.0, 5.0, 1.0),
            ]
        );
        assert_eq!(
            data.times(),
            &[0.0, 2.0, 2.5, 4.0, 5.0, 6.0, 9.25, 70_000.5, 100_000.0]
        );
        for (_, group, _, indices) in data.groups() {
            for (c, &(t, tx)) in group.iter().zip(indices) {
                assert_eq!(data.times()[t as usize], c.t());
                assert_eq!(data.times()[tx as usize], c.recency());
            }
        }
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(data.customer(i), Some(row));
        }
    }

    #[test]
    fn discrete_rfm_validates() {
        assert!(DiscreteRfm::new(2, 1, 6).is_err());
        assert!(DiscreteRfm::new(1, 7, 6).is_err());
        assert!(DiscreteRfm::new(0, 3, 6).is_err());
        assert!(DiscreteRfm::new(3, 5, 6).is_ok());
        let r = DiscreteRfm::new(3, 5, 6).unwrap();
        let d = DiscreteRfmData::from_counts(&[(r, 2.0), (r, 3.0)]).unwrap();
        assert_eq!(d.patterns(), &[(r, 5.0)]);
    }
}
