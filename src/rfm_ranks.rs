//! RFM as the A–E ranks Japanese EC tools use, beside the named segments of
//! [`crate::segments`]: each customer gets a rank from A (best) to E on each
//! of R, F and M, and the R × F table (the RFM表 those tools show) counts the
//! customers in each pair of ranks.
//!
//! The convention (five ranks A–E per axis, with thresholds the shop sets)
//! is that of Japanese EC CRM tools, for example うちでのこづち's RFM analysis
//! (<https://support.uchideno-kozuchi.com/knowledge-base/274>: "RFMの各項目を
//! 5段階でセグメント… A~Eのランク"). The thresholds here are fixed defaults
//! for R and F and quintiles for M, because amounts differ from shop to shop:
//!
//! | rank | R: days since the last purchase | F: purchases | M: revenue |
//! |---|---|---|---|
//! | A | 0–30 | 5 or more | the top fifth |
//! | B | 31–90 | 4 | the second fifth |
//! | C | 91–180 | 3 | the third fifth |
//! | D | 181–365 | 2 | the fourth fifth |
//! | E | more than 365 | 1 | the last fifth |
//!
//! F's ranks are the steps of the repeat funnel ([`crate::funnel`]: rank A is
//! F5). For M, customers are ranked by revenue, highest first (ties in the
//! order they first appear in the file), and the customer at rank `i` of `n`
//! gets rank `⌊5 i / n⌋` (A = 0), as [`crate::deciles`] cuts tenths; the
//! report gives the lowest revenue in each M rank as its threshold.
//! Purchases, revenue and days are those of [`Histories`] (as cohorts and
//! segments read them), counted to the observation end.
//!
//! # Migration
//!
//! Who moved between ranks: R and F ranks as they stood [`MIGRATION_DAYS`]
//! before the observation end (counting only the purchases up to that day)
//! against the ranks at the end, for the customers who had bought by then
//! (an A on that day now a C has not bought for a while).

use serde::Serialize;

use crate::cohorts::Histories;
use crate::days::{format_day, parse_iso_day};
use crate::summary::Summary;

/// The days since the last purchase that still earn ranks A to D.
pub const RECENCY_DAYS: [i64; 4] = [30, 90, 180, 365];

/// The purchases that earn ranks A to D (at least).
pub const FREQUENCY_ORDERS: [u64; 4] = [5, 4, 3, 2];

/// How long before the observation end the migration's earlier ranks are
/// taken, in days.
pub const MIGRATION_DAYS: i32 = 90;

/// A rank from A (best) to E.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Rank {
    /// The best.
    A,
    /// The second.
    B,
    /// The middle.
    C,
    /// The fourth.
    D,
    /// The lowest.
    E,
}

impl Rank {
    /// The five ranks, best first.
    pub const ALL: [Rank; 5] = [Rank::A, Rank::B, Rank::C, Rank::D, Rank::E];

    /// The rank's letter, `"A"` to `"E"`.
    pub fn letter(self) -> &'static str {
        match self {
            Rank::A => "A",
            Rank::B => "B",
            Rank::C => "C",
            Rank::D => "D",
            Rank::E => "E",
        }
    }

    fn from_index(i: usize) -> Rank {
        Rank::ALL[i.min(4)]
    }
}

/// The ranks of a shop's customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RfmRankReport {
    /// The observation end (ISO date) the days are counted to.
    pub observation_end: String,
    /// Customers with a purchase.
    pub customers: u64,
    /// The lowest revenue of a customer in M ranks A to E (`None` for an
    /// empty rank).
    pub monetary_thresholds: Vec<Option<f64>>,
    /// Customers and revenue per R rank, A to E.
    pub recency: Vec<RankCount>,
    /// Customers and revenue per F rank, A to E.
    pub frequency: Vec<RankCount>,
    /// Customers and revenue per M rank, A to E.
    pub monetary: Vec<RankCount>,
    /// Customers by R rank (rows A to E) and F rank (columns A to E).
    pub r_by_f: Vec<Vec<u64>>,
    /// The moves between ranks since [`MIGRATION_DAYS`] before the end;
    /// `None` when nobody had bought by then.
    pub migration: Option<RankMigration>,
}

/// The R and F ranks of the customers who had bought by `from`, then and at
/// the observation end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankMigration {
    /// The earlier day (ISO date).
    pub from: String,
    /// Customers with a purchase by `from`.
    pub customers: u64,
    /// Customers by R rank on `from` (rows A to E) and at the end (columns).
    pub recency: Vec<Vec<u64>>,
    /// Customers by F rank on `from` (rows A to E) and at the end (columns).
    pub frequency: Vec<Vec<u64>>,
}

/// The customers of one rank.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankCount {
    /// The rank.
    pub rank: Rank,
    /// Customers with it.
    pub customers: u64,
    /// Their share of the customers.
    pub customer_share: f64,
    /// Their revenue.
    pub revenue: f64,
    /// Their share of the revenue (0 when the shop's revenue is 0).
    pub revenue_share: f64,
}

/// The A–E ranks of `histories`, as in the module doc.
pub fn rfm_ranks(histories: &Histories<'_>) -> RfmRankReport {
    let end = histories.end_day();
    let from = end.saturating_sub(MIGRATION_DAYS);
    let mut migration = RankMigration {
        from: format_day(from),
        customers: 0,
        recency: vec![vec![0u64; 5]; 5],
        frequency: vec![vec![0u64; 5]; 5],
    };
    // (revenue, R rank, F rank) per customer, in the order of first appearance.
    let customers: Vec<(f64, Rank, Rank)> = histories
        .iter()
        .map(|(_, orders)| {
            let revenue: f64 = orders.iter().map(|o| o.amount).sum();
            let (r, f) = recency_frequency(orders, end);
            let before = orders.partition_point(|o| o.day <= from);
            if before > 0 {
                let (r0, f0) = recency_frequency(&orders[..before], from);
                migration.customers += 1;
                migration.recency[r0 as usize][r as usize] += 1;
                migration.frequency[f0 as usize][f as usize] += 1;
            }
            (revenue, r, f)
        })
        .collect();
    let n = customers.len();
    let revenues: Vec<f64> = customers.iter().map(|c| c.0).collect();
    let m_rank = monetary_ranks(&revenues);
    // The lowest revenue in each rank.
    let mut thresholds: Vec<Option<f64>> = vec![None; 5];
    for (&rank, &revenue) in m_rank.iter().zip(&revenues) {
        let t = &mut thresholds[rank as usize];
        *t = Some(t.map_or(revenue, |t: f64| t.min(revenue)));
    }
    let total: f64 = customers.iter().map(|c| c.0).sum();
    let tally = |rank_of: &dyn Fn(usize) -> Rank| -> Vec<RankCount> {
        let mut counts = [(0u64, 0.0f64); 5];
        for (i, c) in customers.iter().enumerate() {
            let slot = &mut counts[rank_of(i) as usize];
            slot.0 += 1;
            slot.1 += c.0;
        }
        Rank::ALL
            .iter()
            .zip(counts)
            .map(|(&rank, (k, revenue))| RankCount {
                rank,
                customers: k,
                customer_share: if n > 0 { k as f64 / n as f64 } else { 0.0 },
                revenue,
                revenue_share: if total > 0.0 { revenue / total } else { 0.0 },
            })
            .collect()
    };
    let mut r_by_f = vec![vec![0u64; 5]; 5];
    for c in &customers {
        r_by_f[c.1 as usize][c.2 as usize] += 1;
    }
    RfmRankReport {
        observation_end: format_day(histories.end_day()),
        customers: n as u64,
        monetary_thresholds: thresholds,
        recency: tally(&|i| customers[i].1),
        frequency: tally(&|i| customers[i].2),
        monetary: tally(&|i| m_rank[i]),
        r_by_f,
        migration: (migration.customers > 0).then_some(migration),
    }
}

/// Each summary customer's R, F and M ranks (in that order), by the rules
/// of [`rfm_ranks`], from the summary's own columns: the days from the last
/// purchase to the observation end, the purchase orders and the total
/// spend. `None` for a summary without them (a summary file). The customers
/// CSV writes them beside the named segment.
pub fn summary_ranks(summary: &Summary) -> Option<Vec<[Rank; 3]>> {
    let end = parse_iso_day(summary.observation_end.as_deref()?)?;
    let revenues = summary
        .customers
        .iter()
        .map(|c| c.total_spend)
        .collect::<Option<Vec<f64>>>()?;
    let m = monetary_ranks(&revenues);
    summary
        .customers
        .iter()
        .zip(m)
        .map(|(c, m)| {
            let last = parse_iso_day(c.last_purchase.as_deref()?)?;
            let orders = u64::from(c.orders?);
            Some([
                recency_rank(i64::from(end) - i64::from(last)),
                frequency_rank(orders),
                m,
            ])
        })
        .collect()
}

/// The R and F ranks of a customer with `orders` (in day order, at least
/// one) on day `on`.
fn recency_frequency(orders: &[crate::cohorts::Order], on: i32) -> (Rank, Rank) {
    let last = orders.last().map_or(on, |o| o.day);
    let days = i64::from(on) - i64::from(last);
    (recency_rank(days), frequency_rank(orders.len() as u64))
}

/// The R rank of a customer whose last purchase was `days` ago.
fn recency_rank(days: i64) -> Rank {
    Rank::from_index(RECENCY_DAYS.iter().take_while(|&&d| days > d).count())
}

/// The F rank of a customer with `orders` purchases.
fn frequency_rank(orders: u64) -> Rank {
    Rank::from_index(FREQUENCY_ORDERS.iter().take_while(|&&k| orders < k).count())
}

/// The M rank of each customer of `revenues` (in the order of first
/// appearance): ranked by revenue, highest first, ties in their order, the
/// customer at position `i` of `n` gets rank `⌊5 i / n⌋`.
fn monetary_ranks(revenues: &[f64]) -> Vec<Rank> {
    let n = revenues.len();
    let mut by_revenue: Vec<usize> = (0..n).collect();
    // A stable sort keeps ties in the order of first appearance.
    by_revenue.sort_by(|&a, &b| revenues[b].total_cmp(&revenues[a]));
    let mut ranks = vec![Rank::E; n];
    for (position, &c) in by_revenue.iter().enumerate() {
        ranks[c] = Rank::from_index(position * 5 / n.max(1));
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ingest, Dataset, IngestOptions};

    /// Absolute tolerance for sums and shares of small round amounts.
    const TOL: f64 = 1e-9;

    /// Ten customers, observation end 2024-12-31 (z's purchase):
    ///
    /// | customer | purchases (day, amount) | days since last | orders | revenue |
    /// |---|---|---|---|---|
    /// | a | 12-01 ×5 orders of 100 | 30 | 5 | 500 |
    /// | b | 10-01, 10-01 (two orders) of 300 | 91 | 2 | 600 |
    /// | c | 2023-12-31 of 50 | 366 | 1 | 50 |
    /// | d | 07-04 ×4 of 10 | 180 | 4 | 40 |
    /// | e | 07-03 ×3 of 20 | 181 | 3 | 60 |
    /// | f | 2024-01-01 of 1,000 | 365 | 1 | 1,000 |
    /// | g | 12-30 of 70 | 1 | 1 | 70 |
    /// | h | 10-02 of 80 | 90 | 1 | 80 |
    /// | y | 06-01 ×6 of 100 | 213 | 6 | 600 |
    /// | z | 12-31 of 5 | 0 | 1 | 5 |
    fn report() -> RfmRankReport {
        let Dataset::Transactions(t) = shop() else {
            panic!("not an order file")
        };
        match Histories::new(&t) {
            Ok(h) => rfm_ranks(&h),
            Err(err) => panic!("{err}"),
        }
    }

    /// The shop of [`report`].
    fn shop() -> Dataset {
        let rows: [(&str, &str, usize, f64); 10] = [
            ("a", "2024-12-01", 5, 100.0),
            ("b", "2024-10-01", 1, 300.0),
            ("c", "2023-12-31", 1, 50.0),
            ("d", "2024-07-04", 4, 10.0),
            ("e", "2024-07-03", 3, 20.0),
            ("f", "2024-01-01", 1, 1_000.0),
            ("g", "2024-12-30", 1, 70.0),
            ("h", "2024-10-02", 1, 80.0),
            ("y", "2024-06-01", 6, 100.0),
            ("z", "2024-12-31", 1, 5.0),
        ];
        let mut csv = String::from("order_id,customer_id,order_date,amount\n");
        for (c, day, orders, amount) in rows {
            for k in 0..orders {
                csv.push_str(&format!("{c}{k},{c},{day},{amount}\n"));
            }
        }
        csv.push_str("b9,b,2024-10-01,300\n");
        let Ok(ingested) = ingest(csv.as_bytes(), &IngestOptions::default()) else {
            panic!("the shop does not read")
        };
        ingested.data
    }

    /// Each customer's ranks from the summary, by hand from the table of
    /// [`report`] (R: 30 A, 91 C, 366 E, 180 C, 181 D, 365 D, 1 A, 90 B,
    /// 213 D, 0 A; F: 5 A, 2 D, 1 E, 4 B, 3 C, 1 E, 1 E, 1 E, 6 A, 1 E; M by
    /// revenue f 1000, b 600, y 600, a 500, h 80, g 70, e 60, c 50, d 40,
    /// z 5, two per rank), and they add up to the report's counts.
    #[test]
    fn summary_ranks_follow_the_report() {
        let summary = crate::summary::summarize(&shop(), &Default::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let Some(ranks) = summary_ranks(&summary) else {
            panic!("no ranks")
        };
        let got: Vec<(&str, String)> = summary
            .customers
            .iter()
            .zip(&ranks)
            .map(|(c, r)| {
                (
                    c.customer_id.as_str(),
                    r.iter().map(|r| r.letter()).collect(),
                )
            })
            .collect();
        let want = [
            ("a", "AAB"),
            ("b", "CDA"),
            ("c", "EED"),
            ("d", "CBE"),
            ("e", "DCD"),
            ("f", "DEA"),
            ("g", "AEC"),
            ("h", "BEC"),
            ("y", "DAB"),
            ("z", "AEE"),
        ];
        assert_eq!(got, want.map(|(c, r)| (c, r.to_owned())));
        let r = report();
        for (axis, counts) in [r.recency, r.frequency, r.monetary].iter().enumerate() {
            for count in counts {
                let k = ranks.iter().filter(|x| x[axis] == count.rank).count() as u64;
                assert_eq!(k, count.customers, "axis {axis} rank {:?}", count.rank);
            }
        }
        // A summary file has no dates or spend to rank by.
        let mut file = summary.clone();
        file.customers[0].total_spend = None;
        assert_eq!(summary_ranks(&file), None);
    }

    /// Ranks on 2024-10-02 (90 days before the end) of those who had
    /// bought by then, and now: b 1 day (A) → 91 (C), F D both; c 276 (D) →
    /// 366 (E), F E; d 90 (B) → 180 (C), F B; e 91 (C) → 181 (D), F C; f
    /// 275 (D) → 365 (D), F E; h 0 (A) → 90 (B), F E; y 123 (C) → 213 (D),
    /// F A. a, g and z first bought later. Nobody bought again, so F stays.
    #[test]
    fn migration_counts_moves_between_ranks() {
        let r = report();
        let Some(m) = &r.migration else {
            panic!("no migration")
        };
        assert_eq!((m.from.as_str(), m.customers), ("2024-10-02", 7));
        assert_eq!(
            m.recency,
            [
                [0, 1, 1, 0, 0],
                [0, 0, 1, 0, 0],
                [0, 0, 0, 2, 0],
                [0, 0, 0, 1, 1],
                [0, 0, 0, 0, 0],
            ]
        );
        assert_eq!(
            m.frequency,
            [
                [1, 0, 0, 0, 0],
                [0, 1, 0, 0, 0],
                [0, 0, 1, 0, 0],
                [0, 0, 0, 1, 0],
                [0, 0, 0, 0, 3],
            ]
        );
    }

    fn counts(ranks: &[RankCount]) -> Vec<u64> {
        ranks.iter().map(|r| r.customers).collect()
    }

    /// R and F from the thresholds of the module doc at their edges; M by
    /// position in the revenue ranking (n = 10: two customers a rank).
    #[test]
    fn ranks_follow_the_thresholds_and_the_quintiles() {
        let r = report();
        assert_eq!(
            (r.customers, r.observation_end.as_str()),
            (10, "2024-12-31")
        );
        // Days since last: a 30 (A), b 91 (C), c 366 (E), d 180 (C), e 181
        // (D), f 365 (D), g 1 (A), h 90 (B), y 213 (D), z 0 (A).
        assert_eq!(counts(&r.recency), [3, 1, 2, 3, 1]);
        // Orders: a 5 (A), b 2 (D), c 1, d 4 (B), e 3 (C), f 1, g 1, h 1,
        // y 6 (A), z 1: A 2, B 1, C 1, D 1, E 5.
        assert_eq!(counts(&r.frequency), [2, 1, 1, 1, 5]);
        // Revenue ranked: f 1,000, b 600, y 600 (b first: it appears
        // first), a 500, h 80, g 70, e 60, c 50, d 40, z 5; positions 0…9
        // get ⌊5 i / 10⌋: A f b, B y a, C h g, D e c, E d z.
        assert_eq!(counts(&r.monetary), [2, 2, 2, 2, 2]);
        assert_eq!(
            r.monetary_thresholds,
            [Some(600.0), Some(500.0), Some(70.0), Some(50.0), Some(5.0)]
        );
        // Total 3,005; M rank A holds 1,600, R rank A a 500 + g 70 + z 5.
        let table: [(&str, &RankCount, f64); 2] = [
            ("M A", &r.monetary[0], 1_600.0),
            ("R A", &r.recency[0], 575.0),
        ];
        for (what, rank, revenue) in table {
            assert!(
                (rank.revenue - revenue).abs() < TOL,
                "{what}: {}",
                rank.revenue
            );
            assert!(
                (rank.revenue_share - revenue / 3_005.0).abs() < TOL,
                "{what}"
            );
        }
        assert!((r.recency[0].customer_share - 0.3).abs() < TOL);
        // R × F: a (A, A), g (A, E), z (A, E); h (B, E); b (C, D), d (C,
        // B); e (D, C), f (D, E), y (D, A); c (E, E).
        assert_eq!(
            r.r_by_f,
            [
                [1, 0, 0, 0, 2],
                [0, 0, 0, 0, 1],
                [0, 1, 0, 1, 0],
                [1, 0, 1, 0, 1],
                [0, 0, 0, 0, 1],
            ]
        );
    }
}
