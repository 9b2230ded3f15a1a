use super::*;
use crate::ingest::{ingest, Dataset, IngestOptions};
use crate::transactions::Transactions;

fn transactions(csv: &str) -> Transactions {
    match ingest(csv.as_bytes(), &IngestOptions::default()) {
        Ok(i) => match i.data {
            Dataset::Transactions(t) => t,
            _ => panic!("not an order file"),
        },
        Err(err) => panic!("{err}"),
    }
}

fn report(csv: &str) -> Result<SubscriptionReport, NoSubscriptions> {
    let t = transactions(csv);
    let h = Histories::new(&t).unwrap();
    subscription_retention(&h, 0.5)
}

/// Exact counts and ratios of small integers.
const EXACT: f64 = 1e-12;

/// Five subscribers on a 30-day cycle, observed to 2024-05-01 (day 121 of
/// 2024, set by F's one-off order), as in the module doc:
///
/// | subscriber | deliveries (day of 2024) | cycle | next due + ½ cycle | status |
/// |---|---|---|---|---|
/// | A | 0, 30, 60, 90 | 30 | 120 + 15 = 135 > 121 | censored after 4 |
/// | B | 0, 30 | 30 | 60 + 15 = 75 ≤ 121 | churned after 2 |
/// | C | 31 | shop's 30 | 61 + 15 = 76 ≤ 121 | churned after 1 |
/// | D | 60, 90 | 30 | 120 + 15 = 135 > 121 | censored after 2 |
/// | E | 105 | shop's 30 | 135 + 15 = 150 > 121 | censored after 1 |
///
/// Delivery `k` is due for a subscriber starting on day `d` when
/// `d + 30 (k − 1) + 15 ≤ 121`: A and B to k = 4, C to 3, D to 2, E to 1.
/// At risk for `k` = received `k − 1` and `k` due: k = 2: A, B, C, D (4);
/// k = 3: A, B (2); k = 4: A (1). Received: 5, 3, 1, 1. Hence 継続率
/// 1, 3/4, 3/4 × 1/2, 3/8 × 1/1; 離脱率 1/4, 1/2, 0; share (received among
/// those due) 5/5, 3/4, 1/3, 1/2.
const HAND: &str = "customer_id,order_date,amount,定期\n\
    A,2024-01-01,1000,定期\nA,2024-01-31,1000,定期\nA,2024-03-01,1000,定期\nA,2024-03-31,2000,定期\n\
    B,2024-01-01,1000,1\nB,2024-01-31,1000,1\nB,2024-02-15,5000,0\n\
    C,2024-02-01,1000,定期\n\
    D,2024-03-01,1000,true\nD,2024-03-31,1000,TRUE\n\
    E,2024-04-15,1000,定期受注\n\
    F,2024-05-01,3000,通常\n";

#[test]
fn the_hand_table_is_censored_as_computed() {
    let r = report(HAND).unwrap();
    assert_eq!(r.evidence, Evidence::Flag);
    assert_eq!((r.subscribers, r.deliveries, r.first_delivery), (5, 10, 1));
    assert_eq!(r.observation_end, "2024-05-01");
    assert_eq!(r.cycle_days, 30.0);
    // (1000 × 9 + 2000) / 10 deliveries; B's and F's 通常 orders left out.
    assert!((r.average_delivery_value - 1100.0).abs() < EXACT);
    // (delivery, at risk, received, 継続率, 離脱率, share), from the doc table.
    let expected = [
        (1, 5, 5, 1.0, None, 1.0),
        (2, 4, 3, 0.75, Some(0.25), 0.75),
        (3, 2, 1, 0.375, Some(0.5), 1.0 / 3.0),
        (4, 1, 1, 0.375, Some(0.0), 0.5),
    ];
    assert_eq!(r.observed.len(), expected.len());
    for (row, (k, at_risk, received, retention, churn, share)) in r.observed.iter().zip(expected) {
        assert_eq!(
            (row.delivery, row.at_risk, row.received),
            (k, at_risk, received)
        );
        assert!((row.retention - retention).abs() < EXACT, "{row:?}");
        assert!((row.share - share).abs() < EXACT, "{row:?}");
        match (row.churn, churn) {
            (Some(a), Some(b)) => assert!((a - b).abs() < EXACT, "{row:?}"),
            (a, b) => assert_eq!(a, b),
        }
    }
    // By start month: January (A, B), February (C), March (D), April (E).
    let months: Vec<(&str, u64)> = r
        .by_month
        .iter()
        .map(|m| (m.month.as_str(), m.subscribers))
        .collect();
    assert_eq!(
        months,
        [
            ("2024-01", 2),
            ("2024-02", 1),
            ("2024-03", 1),
            ("2024-04", 1)
        ]
    );
    // January: both at risk for 2 and received it; for 3 both, only A.
    assert_eq!(r.by_month[0].retention, [1.0, 1.0, 0.5, 0.5]);
}

/// The sBG fit is the one on the censored lifetimes of the hand table:
/// churned after 1 (C) and 2 (B), censored after 0 (E), 1 (D) and 3 (A)
/// periods; its curve starts at 1 and runs 12 deliveries past the 4th.
#[test]
fn the_fit_uses_the_censored_lifetimes() {
    let r = report(HAND).unwrap();
    let data =
        SurvivalData::from_lifetimes(&[1.0, 1.0, 0.0, 0.0], &[1.0, 1.0, 0.0, 1.0, 0.0]).unwrap();
    let direct = ShiftedBetaGeometric::fit(&data, &FitOptions::default()).unwrap();
    let Some(f) = &r.fit else {
        panic!("no fit: {:?}", r.fit_error)
    };
    // The same optimum (same data, same driver).
    assert!((f.alpha - direct.model().alpha()).abs() < EXACT);
    assert!((f.beta - direct.model().beta()).abs() < EXACT);
    assert_eq!(f.curve.first().map(|s| s.delivery), Some(1));
    assert_eq!(f.curve.last().map(|s| s.delivery), Some(16));
    assert_eq!(f.projected_from, 5);
    assert!((f.curve[0].retention - 1.0).abs() < EXACT);
    let m = direct.model();
    let expected: f64 = (0..36).map(|t| m.survival(t)).sum();
    assert!((f.expected_deliveries - expected).abs() < 1e-9);
    // 定期LTV = expected deliveries × 1,100 × margin 0.5.
    assert!((f.ltv - expected * 1100.0 * 0.5).abs() < 1e-6);
}

#[test]
fn a_flag_column_without_subscriptions_is_no_evidence() {
    let csv =
        "customer_id,order_date,amount,subscription\nA,2024-01-01,10,no\nB,2024-01-02,10,false\n";
    let err = report(csv).unwrap_err();
    assert!(err.0.contains("marks no purchase"), "{}", err.0);
}

/// Without a flag column: twelve customers every 28 ± 2 days are inferred
/// (CV ≤ 0.25, mean gap 12–58 days), an irregular buyer and a weekly one
/// with a gap of three months are not; the table starts at delivery 3.
#[test]
fn regular_intervals_are_inferred_without_a_flag() {
    let mut csv = String::from("customer_id,order_date,amount\n");
    for c in 0..12 {
        // c churns after 3 + c % 4 deliveries.
        let n = 3 + c % 4;
        for k in 0..n {
            let day = c * 3 + k * 28 + (k % 2) * 2;
            csv.push_str(&format!("s{c},{},1000\n", format_day(19_723 + day)));
        }
    }
    for (c, days) in [("x", [0, 5, 90, 100]), ("y", [0, 7, 14, 120])] {
        for d in days {
            csv.push_str(&format!("{c},{},500\n", format_day(19_723 + d)));
        }
    }
    csv.push_str(&format!("z,{},500\n", format_day(19_723 + 400)));
    let r = report(&csv).unwrap();
    assert_eq!(r.evidence, Evidence::Intervals);
    assert_eq!((r.subscribers, r.first_delivery), (12, 3));
    assert_eq!(r.observed[0].delivery, 3);
    assert_eq!(r.observed[0].retention, 1.0);
    // Everyone is observed long past their last delivery: all churned.
    // Of 12 at the 3rd, 9 got a 4th (n = 4, 5, 6), 6 a 5th, 3 a 6th and
    // none of those 3 a 7th.
    let received: Vec<u64> = r.observed.iter().map(|s| s.received).collect();
    assert_eq!(received, [12, 9, 6, 3, 0]);
    // Fewer than ten regular customers are no evidence.
    let few: String = csv
        .lines()
        .filter(|l| !l.starts_with("s1") && !l.starts_with("s2") && !l.starts_with("s3"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(report(&few).is_err());
    // Twelve regular customers among 62 with three purchase days or more
    // (fewer than a fifth) are no evidence either.
    let mut diluted = csv.clone();
    for c in 0..48 {
        for d in [0, 3 + c % 5, 100 + c] {
            diluted.push_str(&format!("w{c},{},500\n", format_day(19_723 + d)));
        }
    }
    let err = report(&diluted).unwrap_err();
    assert!(err.0.contains("only 12 of the 62 customers"), "{}", err.0);
    // One customer with three purchase days, at irregular gaps: "the 1 customer".
    let one =
        "customer_id,order_date,amount\nx,2024-01-01,500\nx,2024-01-06,500\nx,2024-04-01,500\n";
    let err = report(one).unwrap_err();
    assert!(
        err.0
            .contains("the 1 customer with 3 or more purchase days does not buy at regular"),
        "{}",
        err.0
    );
    // None regular among several: "none of the 2 customers … buys".
    let two = format!("{one}y,2024-01-01,500\ny,2024-01-09,500\ny,2024-05-01,500\n");
    let err = report(&two).unwrap_err();
    assert!(
        err.0
            .contains("none of the 2 customers with 3 or more purchase days buys at regular"),
        "{}",
        err.0
    );
}

/// The flag words of real exports (futureshop's 受注種別, ids, yes/no).
#[test]
fn flag_values_are_read_as_documented() {
    use crate::ingest::schema::subscription_flag as flag;
    for v in [
        "定期",
        "定期受注",
        "頒布会受注",
        "1",
        "true",
        "Yes",
        "○",
        "S000123",
        "Subscription Recurring Order",
    ] {
        assert!(flag(v), "{v}");
    }
    for v in [
        "",
        "0",
        "通常",
        "通常受注",
        "予約受注",
        "false",
        "No",
        "-",
        "なし",
        "非定期",
        "単品購入",
    ] {
        assert!(!flag(v), "{v}");
    }
}

/// Simulate and recover: subscribers generated with a known sBG churn
/// (`SubscriptionShop`, 30-day cycle, two years observed, starts over the
/// first year, so lifetimes are censored at 12 to 24 deliveries) give back
/// `alpha` and `beta` through the whole pipeline (CSV, ingest with the
/// 定期購入 column, censoring, fit).
///
/// Tolerances: the estimate is within `SE_MULTIPLE` of its own standard
/// errors of the truth (a 3-sigma band: a seed fails it by chance about
/// 0.3% of the time per parameter) and within `RELATIVE` of it.
#[test]
fn the_sbg_fit_recovers_the_generated_churn() {
    use crate::generate::SubscriptionShop;
    const SE_MULTIPLE: f64 = 3.0;
    const RELATIVE: f64 = 0.35;
    // (alpha, beta, subscribers, seed): the generator's default, a churnier
    // base and a loyal one.
    let cases = [
        (0.8, 2.5, 3000, 1),
        (1.5, 2.0, 3000, 2),
        (0.5, 4.0, 3000, 3),
    ];
    for (alpha, beta, subscribers, seed) in cases {
        let shop = SubscriptionShop {
            subscribers,
            alpha,
            beta,
            seed,
            ..SubscriptionShop::default()
        };
        let mut csv = Vec::new();
        shop.generate(&mut csv).unwrap();
        let r = report(std::str::from_utf8(&csv).unwrap()).unwrap();
        assert_eq!(r.evidence, Evidence::Flag);
        assert_eq!(r.subscribers, subscribers as u64);
        assert!((r.cycle_days - 30.0).abs() <= 1.0, "{}", r.cycle_days);
        let f = r.fit.as_ref().unwrap();
        let (se_a, se_b) = (f.alpha_se.unwrap(), f.beta_se.unwrap());
        for (name, estimate, truth, se) in [
            ("alpha", f.alpha, alpha, se_a),
            ("beta", f.beta, beta, se_b),
        ] {
            assert!(
                (estimate - truth).abs() < SE_MULTIPLE * se
                    && (estimate / truth - 1.0).abs() < RELATIVE,
                "{name}: {estimate} (se {se}) against {truth}, seed {seed}"
            );
        }
        // The observed table agrees with the model that made the data: at
        // delivery 6 (at risk: everyone who started 5 cycles before the end)
        // within 0.03 of S(5).
        let truth = ShiftedBetaGeometric::new(alpha, beta).unwrap();
        let sixth = &r.observed[5];
        assert!(
            (sixth.retention - truth.survival(5)).abs() < 0.03,
            "{sixth:?}"
        );
    }
}

/// futureshop's 受注種別 (通常受注, 定期受注, 頒布会受注, 予約受注) is read as
/// the subscription column beside its preset's columns: two subscribers (a
/// 定期受注 and a 頒布会受注 customer), the 通常受注 and 予約受注 customers not.
#[test]
fn futureshops_order_type_marks_the_subscribers() {
    let csv = "受注コード,注文日時,メールアドレス,販売単価,購入数量,受注種別\n\
        F1,2024/01/05 10:00,a@example.jp,3000,1,定期受注\n\
        F2,2024/02/05 10:00,a@example.jp,3000,1,定期受注\n\
        F3,2024/01/10 11:00,b@example.jp,2000,1,頒布会受注\n\
        F4,2024/01/12 12:00,c@example.jp,5000,1,通常受注\n\
        F5,2024/03/01 12:00,d@example.jp,5000,2,予約受注\n";
    let ingested = ingest(csv.as_bytes(), &IngestOptions::default()).unwrap();
    let mapped: Vec<&str> = ingested
        .report
        .mapping
        .iter()
        .map(|m| m.role.name())
        .collect();
    assert!(mapped.contains(&"subscription"), "{mapped:?}");
    let r = report(csv).unwrap();
    assert_eq!(
        (r.evidence, r.subscribers, r.deliveries),
        (Evidence::Flag, 2, 3)
    );
}

/// The lifetimes the covariate fit reads are the hand table's (source: the
/// doc table of [`HAND`]): churned after 1 (C) and 2 (B), censored after 3
/// (A), 1 (D) and 0 (E) periods, each with the channel of the first
/// purchase (B's first order is a 定期 one on 2024-01-01, E's has none).
#[test]
fn subscriber_lifetimes_carry_the_first_purchase_group() {
    let csv = HAND
        .replace(
            "customer_id,order_date,amount,定期\n",
            "customer_id,order_date,amount,定期,channel\n",
        )
        .lines()
        .enumerate()
        .map(|(i, line)| match (i, line.split(',').next()) {
            (0, _) => line.to_owned(),
            (_, Some("A" | "C")) => format!("{line},web"),
            (_, Some("B" | "D")) => format!("{line},store"),
            _ => format!("{line},"),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut options = IngestOptions::default();
    options
        .mapping
        .insert("group".to_owned(), "channel".to_owned());
    let t = match ingest(csv.as_bytes(), &options).unwrap().data {
        Dataset::Transactions(t) => t,
        _ => panic!("not an order file"),
    };
    assert!(
        t.group_col().is_some(),
        "the channel column is read as the group"
    );
    let h = Histories::new(&t).unwrap();
    let mut got: Vec<(String, Option<String>, u32, bool)> = subscriber_lifetimes(&h)
        .unwrap()
        .into_iter()
        .map(|s| {
            (
                s.customer_id,
                s.group,
                s.lifetime.periods,
                s.lifetime.churned,
            )
        })
        .collect();
    got.sort();
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        got,
        [
            ("A".to_owned(), s("web"), 3, false),
            ("B".to_owned(), s("store"), 2, true),
            ("C".to_owned(), s("web"), 1, true),
            ("D".to_owned(), s("store"), 1, false),
            ("E".to_owned(), None, 0, false),
        ]
    );
}
