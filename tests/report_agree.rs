//! The dashboard's sections never contradict each other on small, odd
//! shops: the customers, orders, revenue and repeat customers each section
//! counts are the same shop's, whatever the file holds (returns, a fully
//! refunded order, free orders, guests, two orders on one day, a typo'd
//! year).
//!
//! The page shows these numbers side by side (the cards, the cohorts' total,
//! the deciles, the A–E ranks, the segments, the repeat funnel, the groups'
//! total, the predictions), so a merchant reads any difference as an error.

use ltvlab::ingest::{ingest, IngestOptions, LargeOrderPolicy};
use ltvlab::predict::Predictions;
use ltvlab::report::{dashboard, Dashboard, ReportOptions};
use ltvlab::segments::Segment;
use proptest::prelude::*;

/// Relative tolerance for sums of amounts added in another order.
const SUM_TOL: f64 = 1e-9;

/// The segments of the R/FM grid's rows R = 4 and 5 (`src/segments.rs`):
/// none names a silence.
const RECENT: [Segment; 5] = [
    Segment::Champions,
    Segment::Loyal,
    Segment::PotentialLoyalist,
    Segment::New,
    Segment::Promising,
];

/// One order line: (item 0–5, amount; a negative amount is a return line).
type Line = (u8, i32);
/// One order: (day offset from 2024-01-01, lines, whether it is refunded
/// in full by a later line of the same order id).
type Order = (u32, Vec<Line>, bool);
/// One customer's orders; `true` marks a guest (no customer id).
type Customer = (bool, Vec<Order>);

fn line() -> impl Strategy<Value = Line> {
    (
        0u8..6,
        prop_oneof![
            8 => 100i32..20_000,
            1 => Just(0),
            1 => -3_000i32..-1,
        ],
    )
}

fn order() -> impl Strategy<Value = Order> {
    (
        // Days 0 and 1 often, so that some customers order twice a day.
        prop_oneof![3 => 0u32..400, 1 => 0u32..2],
        prop::collection::vec(line(), 1..4),
        prop::bool::weighted(0.08),
    )
}

fn shop() -> impl Strategy<Value = Vec<Customer>> {
    prop::collection::vec(
        (
            prop::bool::weighted(0.1),
            prop::collection::vec(order(), 1..5),
        ),
        2..40,
    )
}

/// The date `days` after 2024-01-01.
fn date(days: u32) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    (start + chrono::Days::new(u64::from(days))).to_string()
}

/// The shop as an order-lines CSV; `typo` puts one order in 1924 (a typo'd
/// year, left out of every customer analysis).
fn csv(shop: &[Customer], typo: bool) -> String {
    let mut csv = String::from("order_id,customer_id,order_date,amount,item_id\n");
    for (c, (guest, orders)) in shop.iter().enumerate() {
        let customer = if *guest {
            String::new()
        } else {
            format!("c{c}")
        };
        for (k, (day, lines, refunded)) in orders.iter().enumerate() {
            let mut when = date(*day);
            if typo && c == 0 && k == 0 {
                when.replace_range(0..4, "1924");
            }
            for (item, amount) in lines {
                csv.push_str(&format!("o{c}-{k},{customer},{when},{amount},p{item}\n"));
            }
            if *refunded {
                let total: i32 = lines.iter().map(|l| l.1).sum();
                if total > 0 {
                    csv.push_str(&format!("o{c}-{k},{customer},{when},-{total},p0\n"));
                }
            }
        }
    }
    csv
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= SUM_TOL * a.abs().max(b.abs()).max(1.0)
}

/// The report, with the what-if over the cards' 12 months (its default is
/// 24, and the page names each figure's months).
fn report(bytes: &[u8]) -> Dashboard {
    let data = ingest(bytes, &IngestOptions::default()).unwrap().data;
    let mut options = ReportOptions::default();
    options.simulation.horizon_months = options.horizon_months;
    dashboard(&data, &options, &mut |_| {}).unwrap()
}

/// [`report`] with the large orders left out (the page's button, the CLI's
/// `--exclude-large-orders`), and whether any were.
fn report_without_large(bytes: &[u8]) -> (Dashboard, bool) {
    let options = IngestOptions {
        large_orders: LargeOrderPolicy::Exclude,
        ..IngestOptions::default()
    };
    let ingested = ingest(bytes, &options).unwrap();
    let left_out = ingested.report.stats.large_orders_left_out.is_some();
    let mut options = ReportOptions::default();
    options.simulation.horizon_months = options.horizon_months;
    let d = dashboard(&ingested.data, &options, &mut |_| {}).unwrap();
    (d, left_out)
}

/// Checks every section against the per-customer summary (the cards').
fn check(d: &Dashboard) -> Result<(), TestCaseError> {
    let Some(summary) = &d.summary else {
        return Ok(());
    };
    let customers = summary.customers.len() as u64;
    let orders: u64 = summary
        .customers
        .iter()
        .map(|c| u64::from(c.orders.unwrap_or(0)))
        .sum();
    let revenue: f64 = summary
        .customers
        .iter()
        .map(|c| c.total_spend.unwrap_or(0.0))
        .sum();
    let repeaters = summary
        .customers
        .iter()
        .filter(|c| c.orders.unwrap_or(0) >= 2)
        .count() as u64;

    if let Some(c) = &d.cohorts {
        prop_assert_eq!(c.overall.customers, customers, "cohorts' customers");
        prop_assert_eq!(c.overall.orders, orders, "cohorts' orders");
        prop_assert!(
            close(c.overall.revenue, revenue),
            "cohorts' revenue {} against the summary's {revenue}",
            c.overall.revenue
        );
        if customers > 0 {
            let rate = repeaters as f64 / customers as f64;
            prop_assert!(
                close(c.overall.repeat_rate, rate),
                "cohorts' repeat rate {} against the cards' {rate}",
                c.overall.repeat_rate
            );
        }
        let in_cohorts: u64 = c
            .groups
            .iter()
            .flat_map(|g| &g.cohorts)
            .map(|k| k.stats.customers)
            .sum();
        prop_assert_eq!(in_cohorts, customers, "customers over the cohorts");
    }
    if let Some(f) = &d.repeat_funnel {
        prop_assert_eq!(f.overall.customers, customers, "funnel's customers");
        let second = f.overall.steps.iter().find(|s| s.orders == 2);
        prop_assert_eq!(
            second.map_or(0, |s| s.customers),
            repeaters,
            "funnel's F2 against the repeat customers"
        );
        let spread: u64 = f.distribution.iter().map(|b| b.customers).sum();
        prop_assert_eq!(spread, customers, "funnel's order-count distribution");
    }
    if let Some(dec) = &d.deciles {
        prop_assert_eq!(dec.customers, customers, "deciles' customers");
        prop_assert_eq!(dec.orders, orders, "deciles' orders");
        prop_assert!(close(dec.revenue, revenue), "deciles' revenue");
        let spread: u64 = dec.deciles.iter().map(|x| x.customers).sum();
        prop_assert_eq!(spread, customers, "customers over the deciles");
        let spread: f64 = dec.deciles.iter().map(|x| x.revenue).sum();
        prop_assert!(close(spread, revenue), "revenue over the deciles");
    }
    if let Some(r) = &d.rfm_ranks {
        prop_assert_eq!(r.customers, customers, "A–E ranks' customers");
        let grid: u64 = r.r_by_f.iter().flatten().sum();
        prop_assert_eq!(grid, customers, "R × F table");
        for (name, ranks) in [
            ("recency", &r.recency),
            ("frequency", &r.frequency),
            ("monetary", &r.monetary),
        ] {
            let n: u64 = ranks.iter().map(|x| x.customers).sum();
            prop_assert_eq!(n, customers, "customers over the {} ranks", name);
            let v: f64 = ranks.iter().map(|x| x.revenue).sum();
            prop_assert!(close(v, revenue), "revenue over the {} ranks", name);
        }
    }
    if let Some(s) = &d.segments {
        prop_assert_eq!(s.overall.customers, customers, "segments' customers");
        prop_assert!(close(s.overall.revenue, revenue), "segments' revenue");
        let n: u64 = s.segments.iter().map(|x| x.stats.customers).sum();
        prop_assert_eq!(n, customers, "customers over the segments");
        let v: f64 = s.segments.iter().map(|x| x.stats.revenue).sum();
        prop_assert!(close(v, revenue), "revenue over the segments");
        // A buyer of the last 30 days, R = A in the A–E ranks and before
        // the follow-up lists, is in no segment that names a silence.
        for c in &s.customers {
            if c.days_since_last_order <= 30 {
                prop_assert!(
                    c.r >= 4 && RECENT.contains(&c.segment),
                    "{} bought {} days ago but is in {:?} (R {})",
                    c.customer_id,
                    c.days_since_last_order,
                    c.segment,
                    c.r
                );
            }
        }
        if customers > 0 {
            let rate = repeaters as f64 / customers as f64;
            prop_assert!(close(s.overall.repeat_rate, rate), "segments' repeat rate");
        }
    }
    if let Some(g) = &d.groups {
        prop_assert_eq!(g.total.customers, customers, "groups' customers");
        prop_assert_eq!(g.total.orders, orders, "groups' orders");
        prop_assert_eq!(g.total.repeat_customers, repeaters, "groups' repeaters");
        prop_assert!(close(g.total.revenue, revenue), "groups' revenue");
    }
    if let Some(p) = &d.predictions {
        prop_assert_eq!(
            p.customers.len() as u64,
            customers,
            "customers with a prediction"
        );
        prop_assert_eq!(p.base.customers as u64, customers, "customers valued");
        // The formula card's order value is the order-value card's.
        if orders > 0 && revenue > 0.0 {
            let aov = revenue / orders as f64;
            prop_assert!(
                close(p.formula.average_order_value, aov),
                "formula's order value {} against the cards' {aov}",
                p.formula.average_order_value
            );
        }
        // The model-LTV, P(alive) and formula-LTV cards against the
        // segments' and the groups' totals.
        if let Some(s) = &d.segments {
            prop_assert!(s.modeled, "segments valued with the predictions");
            same_values("segments'", s.overall.model_ltv, s.overall.formula_ltv, p)?;
            let alive = s.overall.mean_p_alive.unwrap_or(f64::NAN);
            prop_assert!(
                close(alive, p.base.mean_p_alive),
                "segments' P(alive) {alive} against the card's {}",
                p.base.mean_p_alive
            );
        }
        // The what-if baseline's revenue from today's customers is the
        // card's revenue over the next months.
        if let Some(sim) = &d.simulation {
            prop_assert_eq!(sim.horizon_months, p.base.horizon_months);
            let v = sim.baseline.revenue_existing.value;
            prop_assert!(
                close(v, p.base.expected_revenue),
                "what-if's revenue from today's customers {v} against the card's {}",
                p.base.expected_revenue
            );
        }
        if let Some(g) = &d.groups {
            same_values("groups'", g.total.model_ltv, g.total.formula_ltv, p)?;
        }
    }
    Ok(())
}

/// A table's total model LTV and formula LTV against the cards'.
fn same_values(
    table: &str,
    model_ltv: Option<f64>,
    formula_ltv: Option<f64>,
    p: &Predictions,
) -> Result<(), TestCaseError> {
    let ltv = model_ltv.unwrap_or(f64::NAN);
    prop_assert!(
        close(ltv, p.base.mean_clv),
        "{table} model LTV {ltv} against the card's {}",
        p.base.mean_clv
    );
    prop_assert_eq!(
        formula_ltv.map(|x| (x * 1e6).round()),
        p.formula.formula_ltv.map(|x| (x * 1e6).round()),
        "{} formula LTV against the card's",
        table
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn every_section_counts_the_same_shop(shop in shop(), typo in any::<bool>()) {
        let d = report(csv(&shop, typo).as_bytes());
        check(&d)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
    /// With company orders of 40 to 250 times a usual line among the shop's,
    /// left out: the sections still count one shop, and no large-orders note
    /// names a second tier beside the page's "every figure is without them"
    /// (the median without them is lower; `Transactions::large_orders_left_out`).
    #[test]
    fn leaving_the_large_orders_out_keeps_the_sections_agreed(
        shop in shop(),
        companies in prop::collection::vec((0u32..400, 400_000i32..2_500_000), 1..4),
        typo in any::<bool>(),
    ) {
        let mut shop = shop;
        for (day, amount) in companies {
            shop.push((false, vec![(day, vec![(0, amount)], false)]));
        }
        let (d, left_out) = report_without_large(csv(&shop, typo).as_bytes());
        check(&d)?;
        prop_assert!(
            !left_out || d.large_orders.is_none(),
            "a large-orders note after leaving them out: {:?}",
            d.large_orders
        );
    }
}

#[test]
fn the_bundled_small_shops_agree() {
    for name in [
        "small-shop-9",
        "small-shop-13",
        "small-shop-25",
        "few-repeaters",
    ] {
        let path = format!(
            "{}/tests/browser/fixtures/{name}.csv",
            env!("CARGO_MANIFEST_DIR")
        );
        let d = report(&std::fs::read(&path).unwrap());
        assert!(d.summary.is_some(), "{name}");
        if let Err(e) = check(&d) {
            panic!("{name}: {e}");
        }
    }
}
