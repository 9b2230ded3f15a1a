//! Cohort tables: a hand-computed shop, splits, errors, and properties on
//! generated data.

use ltvlab::cohorts::{cohorts, CohortKey, CohortOptions, CohortPeriod};
use ltvlab::ingest::{ingest, Dataset, IngestOptions};
use ltvlab::transactions::Transactions;
use proptest::prelude::*;

const TOL: f64 = 1e-12;

fn transactions(csv: &str, group: Option<&str>) -> Transactions {
    let mut options = IngestOptions::default();
    if let Some(g) = group {
        options.mapping.insert("group".into(), g.into());
    }
    match ingest(csv.as_bytes(), &options).unwrap().data {
        Dataset::Transactions(t) => t,
        other => panic!("not transactions: {other:?}"),
    }
}

/// Customers a (Jan 5: 10, Jan 20: 20, Mar 2: 30), b (Jan 31: 5), c (Feb 10:
/// 40, Mar 15: 10); the observation end is Mar 15, 2024.
const SHOP: &str = "customer_id,order_id,date,amount,channel\n\
    a,1,2024-01-05,10,ads\n\
    a,2,2024-01-20,20,ads\n\
    a,3,2024-03-02,30,mail\n\
    b,4,2024-01-31,5,mail\n\
    c,5,2024-02-10,40,ads\n\
    c,6,2024-03-15,10,ads\n";

#[test]
fn monthly_cohorts_match_hand_computation() {
    let report = cohorts(&transactions(SHOP, None), &CohortOptions::default()).unwrap();
    assert_eq!(report.observation_end, "2024-03-15");
    assert_eq!(report.groups.len(), 1);
    let g = &report.groups[0];
    let labels: Vec<&str> = g.cohorts.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["2024-01", "2024-02"]);
    // (cohort, period, active customers, active share, retained share, churn,
    //  revenue, cumulative revenue per customer); by hand from SHOP:
    // January = {a, b}: a buys in periods 0 and 2, b in period 0 only.
    // February = {c}: periods 0 and 1.
    let cases = [
        (0, 0, 2, 1.0, 1.0, 0.0, 35.0, 17.5),
        (0, 1, 0, 0.0, 0.5, 0.5, 0.0, 17.5),
        (0, 2, 1, 0.5, 0.5, 0.0, 30.0, 32.5),
        (1, 0, 1, 1.0, 1.0, 0.0, 40.0, 40.0),
        (1, 1, 1, 1.0, 1.0, 0.0, 10.0, 50.0),
    ];
    for (c, k, active, share, retained, churn, revenue, cumulative) in cases {
        let cell = &g.cohorts[c].periods[k];
        assert_eq!(cell.period, k as u32);
        assert_eq!(cell.active_customers, active, "cohort {c} period {k}");
        for (got, want, what) in [
            (cell.active_share, share, "active share"),
            (cell.retained_share, retained, "retained share"),
            (cell.churn_rate, churn, "churn"),
            (cell.revenue, revenue, "revenue"),
            (
                cell.cumulative_revenue_per_customer,
                cumulative,
                "cumulative",
            ),
        ] {
            assert!(
                (got - want).abs() < TOL,
                "cohort {c} period {k} {what}: {got} vs {want}"
            );
        }
    }
    assert_eq!(g.cohorts[0].periods.len(), 3);
    assert_eq!(g.cohorts[1].periods.len(), 2);
    // January: a's gaps are 15 (Jan 5 → 20) and 42 days (Jan 20 → Mar 2, 2024 is a leap year).
    let jan = &g.cohorts[0].stats;
    assert_eq!((jan.customers, jan.orders), (2, 4));
    assert_eq!(jan.repeat_rate, 0.5);
    assert_eq!(jan.median_days_between_orders, Some(28.5));
    assert_eq!(jan.median_days_to_second_order, Some(15.0));
    // All: gaps 15, 42 and 34 (c: Feb 10 → Mar 15); second orders after 15 and 34 days.
    let all = &report.overall;
    assert_eq!((all.customers, all.orders, all.revenue), (3, 6, 115.0));
    assert!((all.repeat_rate - 2.0 / 3.0).abs() < TOL);
    assert_eq!(all.median_days_between_orders, Some(34.0));
    assert_eq!(all.median_days_to_second_order, Some(24.5));
}

#[test]
fn weekly_cohorts_start_on_monday() {
    let options = CohortOptions {
        period: CohortPeriod::Week,
        ..CohortOptions::default()
    };
    let report = cohorts(&transactions(SHOP, None), &options).unwrap();
    let g = &report.groups[0];
    // Jan 5, 2024 is a Friday: its week starts on Monday Jan 1.
    assert_eq!(g.cohorts[0].label, "2024-01-01");
    // a: Jan 5 and Jan 20 are weeks 0 and 2 of the cohort; Mar 2 is week 8.
    let a = &g.cohorts[0].periods;
    assert_eq!(a[0].active_customers, 1);
    assert_eq!(a[2].active_customers, 1);
    assert_eq!(a[8].active_customers, 1);
    assert_eq!(
        a.len(),
        11,
        "Jan 1 to the week of Mar 15 (Mar 11) is 10 weeks"
    );
}

#[test]
fn cohorts_split_by_group_and_first_product() {
    // The split is the channel of each customer's first purchase: a and c came
    // through ads, b through mail (a's later mail order does not move a).
    let options = CohortOptions {
        by: CohortKey::Group,
        ..CohortOptions::default()
    };
    let report = cohorts(&transactions(SHOP, Some("channel")), &options).unwrap();
    let names: Vec<(Option<&str>, u64)> = report
        .groups
        .iter()
        .map(|g| (g.name.as_deref(), g.stats.customers))
        .collect();
    assert_eq!(names, [(Some("ads"), 2), (Some("mail"), 1)]);
    assert_eq!(report.groups[0].stats.repeat_rate, 1.0);

    let with_items = "customer_id,order_id,date,item_id,amount\n\
        a,1,2024-01-05,tea,10\n\
        a,1,2024-01-05,cup,5\n\
        b,2,2024-01-06,cup,5\n\
        c,3,2024-01-07,tea,7\n";
    let options = CohortOptions {
        by: CohortKey::FirstItem,
        max_groups: 1,
        ..CohortOptions::default()
    };
    let report = cohorts(&transactions(with_items, None), &options).unwrap();
    let names: Vec<(Option<&str>, u64)> = report
        .groups
        .iter()
        .map(|g| (g.name.as_deref(), g.stats.customers))
        .collect();
    assert_eq!(names, [(Some("tea"), 2), (Some("(other)"), 1)]);
}

#[test]
fn cohort_errors_name_the_problem() {
    let options = CohortOptions {
        by: CohortKey::Group,
        ..CohortOptions::default()
    };
    let err = cohorts(&transactions(SHOP, None), &options).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid option: no group column"),
        "{err}"
    );
    let guests = transactions("order_id,date,amount\n1,2024-01-01,5\n", None);
    let err = cohorts(&guests, &CohortOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no usable column: there are no purchases with a customer id"
    );
}

fn generated(customers: usize, seed: u64, return_share: f64) -> Transactions {
    let config = ltvlab::generate::GeneratorConfig {
        customers,
        seed,
        return_share,
        japanese_names: false,
        ..Default::default()
    };
    let mut bytes = Vec::new();
    ltvlab::generate::generate(&config, &mut bytes).unwrap();
    match ingest(&bytes, &IngestOptions::default()).unwrap().data {
        Dataset::Transactions(t) => t,
        _ => unreachable!(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn shares_are_probabilities_and_revenue_to_date_never_falls(
        customers in 5usize..120,
        seed in 0u64..1000,
        returns in 0.0f64..0.3,
        weekly in any::<bool>(),
    ) {
        let t = generated(customers, seed, returns);
        let options = CohortOptions {
            period: if weekly { CohortPeriod::Week } else { CohortPeriod::Month },
            ..CohortOptions::default()
        };
        let report = cohorts(&t, &options).unwrap();
        let mut total = 0;
        for g in &report.groups {
            for c in &g.cohorts {
                total += c.stats.customers;
                let mut previous = 0.0;
                for (k, cell) in c.periods.iter().enumerate() {
                    for v in [cell.active_share, cell.retained_share, cell.churn_rate] {
                        prop_assert!((0.0..=1.0).contains(&v), "{v}");
                    }
                    prop_assert!(cell.active_share <= cell.retained_share + 1e-12);
                    prop_assert!(cell.cumulative_revenue_per_customer >= previous);
                    previous = cell.cumulative_revenue_per_customer;
                    if k == 0 {
                        prop_assert_eq!(cell.active_share, 1.0);
                    }
                }
            }
        }
        prop_assert_eq!(total, report.overall.customers);
    }
}

/// A 40-line shop of 2024 with one purchase dated 0001-01-01 and one
/// 9999-12-31 (issue #13: weekly cohorts ran over 521,000 weeks and printed
/// a gigabyte): the tables span the bulk of the data, 2024-01-01 to
/// 2024-12-12, and the two purchases are counted as left out.
#[test]
fn outlying_dates_do_not_set_the_span() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hostile/outlying_dates.csv"
    );
    let csv = std::fs::read_to_string(path).unwrap();
    let t = transactions(&csv, None);
    let iso = |range: Option<(i32, i32)>| {
        let (a, b) = range.unwrap();
        (ltvlab::ingest::format_day(a), ltvlab::ingest::format_day(b))
    };
    assert_eq!(
        iso(t.day_range()),
        ("0001-01-01".into(), "9999-12-31".into())
    );
    assert_eq!(
        iso(t.bulk_day_range()),
        ("2024-01-01".into(), "2024-12-12".into())
    );
    for (period, most) in [(CohortPeriod::Month, 12), (CohortPeriod::Week, 51)] {
        let options = CohortOptions {
            period,
            ..CohortOptions::default()
        };
        let report = cohorts(&t, &options).unwrap();
        assert_eq!(report.observation_end, "2024-12-12");
        assert_eq!(report.outlying_purchases, 2);
        let g = &report.groups[0];
        // 12 customers, 40 orders less the two left out.
        assert_eq!((g.stats.customers, g.stats.orders), (12, 38));
        for c in &g.cohorts {
            assert!(c.start.starts_with("2024-"), "{period:?}: {}", c.start);
            assert!(
                c.periods.len() <= most,
                "{period:?}: {} periods",
                c.periods.len()
            );
        }
    }
    // Without outliers nothing is left out and the bulk is the whole range.
    let plain = transactions(SHOP, None);
    assert_eq!(plain.bulk_day_range(), plain.day_range());
    assert_eq!(
        cohorts(&plain, &CohortOptions::default())
            .unwrap()
            .outlying_purchases,
        0
    );
}
