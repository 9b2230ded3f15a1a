//! RFM segments, follow-up lists, NPS segments and campaign comparison on
//! hand-computed shops.

use ltvlab::compare::{compare, CompareOptions};
use ltvlab::customers::customer_timing;
use ltvlab::ingest::{ingest, Dataset, IngestOptions};
use ltvlab::models::{BgNbd, GammaGamma};
use ltvlab::predict::{average_order_value, formula_ltv, PredictOptions};
use ltvlab::segments::{
    segments, Segment, SegmentOptions, TimingReason, DUE_SOON_DAYS, OVERDUE_MIN_P_ALIVE,
};
use ltvlab::simulate::ShopModel;
use ltvlab::summary::{summarize, Summary, SummaryOptions};
use ltvlab::transactions::Transactions;

const TOL: f64 = 1e-9;

fn load(csv: &str, group: Option<&str>) -> (Transactions, Summary) {
    let mut options = IngestOptions::default();
    if let Some(g) = group {
        options.mapping.insert("group".into(), g.into());
    }
    let data = ingest(csv.as_bytes(), &options).unwrap().data;
    let summary = summarize(&data, &SummaryOptions::default()).unwrap();
    match data {
        Dataset::Transactions(t) => (t, summary),
        _ => panic!("not transactions"),
    }
}

/// Observation end Jun 30, 2024. Days since the last order: v 10, w 5,
/// x 150, y 0, z 90. Orders: v 3, w 1, x 1, y 1, z 2. Revenue: v 300, w 10,
/// x 10, y 50, z 40 (410 in all).
const SHOP: &str = "customer_id,order_id,date,amount,nps\n\
    v,1,2024-01-01,100,10\n\
    v,2,2024-03-01,100,\n\
    v,3,2024-06-20,100,9\n\
    w,4,2024-06-25,10,3\n\
    x,5,2024-02-01,10,8\n\
    y,6,2024-06-30,50,\n\
    z,7,2024-01-15,20,\n\
    z,8,2024-04-01,20,\n";

#[test]
fn rfm_scores_and_segments_match_hand_computation() {
    let (t, summary) = load(SHOP, None);
    let report = segments(&t, &summary, None, &SegmentOptions::default()).unwrap();
    assert!(!report.modeled);
    // Scores are 1 + ⌊5k/n⌋ with k the customers strictly worse (n = 5):
    // R by -days: x, z, v, w, y → 1, 2, 3, 4, 5; v bought 10 days ago, at
    // most RECENT_DAYS (30), so its 3 is raised to 4.
    // F: w, x, y tie at 1 order (k = 0) → 1; z → 4; v → 5.
    // M: w, x tie at 10 → 1; z 40 → 3; y 50 → 4; v 300 → 5.
    // FM = ⌈(F+M)/2⌉: v 5, w 1, x 1, y 3, z 4; segments from the R/FM grid.
    let want = [
        ("v", 4, 5, 5, Segment::Loyal),
        ("w", 4, 1, 1, Segment::Promising),
        ("x", 1, 1, 1, Segment::Lost),
        ("y", 5, 1, 4, Segment::PotentialLoyalist),
        ("z", 2, 4, 3, Segment::AtRisk),
    ];
    let got: Vec<(&str, u8, u8, u8, Segment)> = report
        .customers
        .iter()
        .map(|c| (c.customer_id.as_str(), c.r, c.f, c.m, c.segment))
        .collect();
    assert_eq!(got, want);
    let days: Vec<i32> = report
        .customers
        .iter()
        .map(|c| c.days_since_last_order)
        .collect();
    assert_eq!(days, [10, 5, 150, 0, 90]);

    let loyal = report
        .segments
        .iter()
        .find(|s| s.segment == Segment::Loyal)
        .unwrap();
    assert_eq!(loyal.label, "Loyal");
    assert_eq!(loyal.stats.customers, 1);
    assert!((loyal.stats.revenue_share - 300.0 / 410.0).abs() < TOL);
    assert_eq!(loyal.stats.aov, Some(100.0));
    assert_eq!(loyal.stats.orders_per_customer, 3.0);
    assert_eq!(report.segments.len(), 11);

    // Formula LTV of all customers, predict's definition (daily periods):
    // T (days to Jun 30) v 181, w 5, x 150, y 0, z 167; recency v 171, z 76;
    // repeat periods v 2, z 1. The oldest is 181 days < 365, so the window is
    // W = ⌊181/2⌋ = 90 days; v, x, z are at least 90 days old and x (150) and
    // z (167 - 76 = 91) were not seen in the last 90: churn rate 2/3.
    // AOV 410/8; purchases per day 3/503; lifetime (90 days)/(2/3).
    let want = 51.25 * (3.0 / 503.0) * 90.0 * 1.5;
    let got = report.overall.formula_ltv.unwrap();
    assert!((got - want).abs() < TOL, "{got} vs {want}");
    assert_eq!(report.overall.repeat_rate, 0.4);
}

#[test]
fn the_segment_grid() {
    // (R, FM, segment) from the grid in the segments module doc.
    let cases = [
        (5, 5, Segment::Champions),
        (5, 4, Segment::Champions),
        (5, 1, Segment::New),
        (5, 2, Segment::PotentialLoyalist),
        (4, 3, Segment::PotentialLoyalist),
        (4, 1, Segment::Promising),
        (4, 5, Segment::Loyal),
        (3, 4, Segment::Loyal),
        (3, 3, Segment::NeedAttention),
        (3, 2, Segment::AboutToSleep),
        (3, 1, Segment::AboutToSleep),
        (2, 5, Segment::CantLoseThem),
        (1, 5, Segment::CantLoseThem),
        (2, 3, Segment::AtRisk),
        (1, 4, Segment::AtRisk),
        (2, 2, Segment::Hibernating),
        (2, 1, Segment::Hibernating),
        (1, 2, Segment::Hibernating),
        (1, 1, Segment::Lost),
    ];
    for (r, fm, want) in cases {
        assert_eq!(Segment::from_scores(r, fm), want, "R {r} FM {fm}");
    }
}

#[test]
fn follow_up_lists_and_nps_segments() {
    let (t, summary) = load(SHOP, None);
    let report = segments(&t, &summary, None, &SegmentOptions::default()).unwrap();
    // Repeat buyers: v (10 days) and z (90 days).
    let lists: Vec<(u32, Option<u32>, u64)> = report
        .follow_up
        .iter()
        .map(|l| (l.min_days, l.max_days, l.count))
        .collect();
    assert_eq!(lists, [(30, Some(60), 0), (60, None, 1)]);
    assert_eq!(report.follow_up[1].customers[0].customer_id, "z");
    assert_eq!(report.follow_up[1].note, "responses drop sharply");
    // The latest score of each customer: v 9 (promoter), w 3, x 8; y and z none.
    let nps = report.nps.unwrap();
    assert_eq!(
        (
            nps.promoters.customers,
            nps.passives.customers,
            nps.detractors.customers,
            nps.unscored
        ),
        (1, 1, 1, 2)
    );
    assert_eq!(nps.nps, 0.0);
    assert_eq!(nps.promoters.aov, Some(100.0));
    assert_eq!(nps.promoters.repeat_rate, 1.0);
    assert_eq!(report.customers[0].nps, Some(9));
}

#[test]
fn model_columns_and_overdue_customers_on_generated_data() {
    let config = ltvlab::generate::GeneratorConfig {
        customers: 800,
        seed: 5,
        japanese_names: false,
        ..Default::default()
    };
    let mut bytes = Vec::new();
    ltvlab::generate::generate(&config, &mut bytes).unwrap();
    let (t, summary) = load(std::str::from_utf8(&bytes).unwrap(), None);
    let model = ShopModel::fit(&summary).unwrap();
    let report = segments(&t, &summary, Some(&model), &SegmentOptions::default()).unwrap();
    assert!(report.modeled);
    let p = report.overall.mean_p_alive.unwrap();
    assert!(p > 0.0 && p < 1.0);
    assert!(report.overall.model_ltv.unwrap() > 0.0);
    // Overdue: repeat customers silent past their pace, still P(alive) >=
    // 0.2, by value at risk; recounted here from the model's timing.
    let list = &report.overdue.customers;
    assert!(!list.is_empty());
    assert!(list
        .windows(2)
        .all(|w| w[0].value_at_risk >= w[1].value_at_risk));
    for c in list {
        assert!(c.orders >= 2 && c.p_alive >= OVERDUE_MIN_P_ALIVE, "{c:?}");
        match c.reason {
            TimingReason::SilentPastPace {
                silent_days,
                pace_days,
            } => assert!(silent_days == c.days_since_last_order && silent_days >= pace_days),
            other => panic!("{other:?}"),
        }
    }
    let rows = ltvlab::predict::rfm_rows(&summary.customers).unwrap();
    let [r, alpha, ..] = model.purchases().params();
    let lomax = Some(ltvlab::customers::LomaxWait { r, alpha });
    let timing = customer_timing(model.purchases().model(), lomax, &rows, summary.period);
    let values = model
        .customer_values(&summary, &Default::default())
        .unwrap();
    let by_id: std::collections::HashMap<&str, i32> = report
        .customers
        .iter()
        .map(|c| (c.customer_id.as_str(), c.days_since_last_order))
        .collect();
    let (mut overdue, mut gone) = (0, 0);
    for ((c, t), v) in summary.customers.iter().zip(&timing).zip(&values) {
        let silent = f64::from(by_id[c.customer_id.as_str()]);
        if c.frequency > 0.0 && t.pace_days.is_some_and(|pace| silent > pace) {
            if v.p_alive >= OVERDUE_MIN_P_ALIVE {
                overdue += 1;
            } else {
                gone += 1;
            }
        }
    }
    assert_eq!(
        (report.overdue.count, report.overdue.probably_gone),
        (overdue, gone)
    );
    // Due soon: the median next order within 30 days of the end, none
    // overdue, the likeliest to buy first.
    let end = &report.observation_end;
    let due = &report.due_soon.customers;
    assert!(!due.is_empty());
    assert!(due
        .windows(2)
        .all(|w| w[0].p_purchase_30d >= w[1].p_purchase_30d));
    for c in due {
        let next = c.next_order.as_deref().unwrap();
        assert!(next >= end.as_str() && c.p_purchase_30d >= 0.5, "{c:?}");
        assert!(list.iter().all(|o| o.customer_id != c.customer_id));
        match c.reason {
            TimingReason::DueSoon { in_days, .. } => {
                assert!(f64::from(in_days) <= DUE_SOON_DAYS)
            }
            other => panic!("{other:?}"),
        }
    }
    let shares: f64 = report.segments.iter().map(|s| s.stats.revenue_share).sum();
    assert!((shares - 1.0).abs() < 1e-9);
    // One formula LTV: over all customers it is predict's, margin 1.
    let predicted = formula_ltv(
        &summary,
        average_order_value(&summary.customers),
        &PredictOptions::default(),
        0.0,
    );
    assert_eq!(PredictOptions::default().margin, 1.0);
    let (got, want) = (
        report.overall.formula_ltv.unwrap(),
        predicted.formula_ltv.unwrap(),
    );
    assert!(
        (got - want).abs() <= TOL * want,
        "segments {got} vs predict {want}"
    );
}

/// Group A: 100 customers, 30 with a second order; group B: 100, 45. Orders
/// are 10 in A and 12 in B.
fn ab_shop() -> String {
    let mut csv = String::from("customer_id,order_id,date,amount,campaign\n");
    let mut order = 0;
    for (group, repeaters, amount) in [("A", 30, 10), ("B", 45, 12)] {
        for i in 0..100 {
            let orders = if i < repeaters { 2 } else { 1 };
            for k in 0..orders {
                order += 1;
                csv.push_str(&format!(
                    "{group}{i},{order},2024-0{}-0{},{amount},{group}\n",
                    1 + k * 3,
                    1 + i % 9
                ));
            }
        }
    }
    csv
}

#[test]
fn ab_comparison_matches_the_textbook_tests() {
    let (t, summary) = load(&ab_shop(), Some("campaign"));
    let report = compare(
        &t,
        &summary,
        None,
        &CompareOptions {
            baseline: Some("A".into()),
            ..CompareOptions::default()
        },
    )
    .unwrap();
    assert_eq!(report.groups.len(), 2);
    let c = &report.contrasts[0];
    assert_eq!((c.group.as_str(), c.baseline.as_str()), ("B", "A"));
    let rr = &c.metrics[0];
    assert_eq!(rr.metric, "repeat_rate");
    // Two-proportion z: d = 0.15, Wald SE √(.3·.7/100 + .45·.55/100), pooled
    // SE √(.375·.625·(2/100)), z = 0.15/0.068465 = 2.1909, p = 0.02846.
    let se = (0.3f64 * 0.7 / 100.0 + 0.45 * 0.55 / 100.0).sqrt();
    let z95 = 1.959963984540054;
    assert!((rr.difference - 0.15).abs() < TOL);
    assert!((rr.low - (0.15 - z95 * se)).abs() < 1e-9);
    assert!((rr.high - (0.15 + z95 * se)).abs() < 1e-9);
    assert!((rr.p_value - 0.02846).abs() < 1e-4, "{}", rr.p_value);
    assert_eq!(
        rr.verdict,
        "B's repeat rate is 15.0 points higher than A's (95% CI 1.7 to 28.3; two-proportion z p = 0.028)"
    );
    let aov = &c.metrics[1];
    assert_eq!(
        (aov.metric, aov.baseline_value, aov.group_value),
        ("aov", 10.0, 12.0)
    );
    let orders = &c.metrics[2];
    assert!((orders.difference - 0.15).abs() < TOL);
    assert!(orders.low < orders.difference && orders.difference < orders.high);
    let ltv = c
        .metrics
        .iter()
        .find(|m| m.metric == "formula_ltv")
        .unwrap();
    assert_eq!(ltv.test, "bootstrap");
    assert!(ltv.low <= ltv.difference && ltv.difference <= ltv.high);
    // Seeded: the same seed gives the same bootstrap.
    let again = compare(
        &t,
        &summary,
        None,
        &CompareOptions {
            baseline: Some("A".into()),
            ..CompareOptions::default()
        },
    )
    .unwrap();
    assert_eq!(again, report);
}

#[test]
fn comparison_needs_a_group_column() {
    let (t, summary) = load(SHOP, None);
    let err = compare(&t, &summary, None, &CompareOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid option: no group column"),
        "{err}"
    );
}

/// The overdue rule by hand. BG/NBD with r = 1, α = 9 (days), a = 0.1,
/// b = 10: an alive customer's wait after their last purchase is Lomax,
/// `P(wait > s) = ((α+t_x)/(α+t_x+s))^(r+x)` (the Gamma(r+x, α+t_x)
/// posterior rate of Fader, Hardie & Lee 2005a mixed over an exponential
/// wait), so with one repeat purchase at t_x = 10 days 9 in 10 have bought
/// again by `M = 19 (10^(1/2) - 1) = 41.08` days. Customer a is silent 42
/// days (overdue), b 41 (not yet), c bought on the last day, d bought once.
/// P(alive) of a = 1/(1 + a/b ((α+T)/(α+t_x))^2) = 1/(1 + 0.01 (61/19)^2)
/// = 0.906, above the list's floor.
#[test]
fn overdue_by_hand_on_a_bg_nbd() {
    const SHOP: &str = "customer_id,order_id,date,amount\n\
        a,1,2024-01-01,10\n\
        a,2,2024-01-11,10\n\
        b,3,2024-01-02,10\n\
        b,4,2024-01-12,10\n\
        c,5,2024-02-12,10\n\
        c,6,2024-02-22,10\n\
        d,7,2024-02-01,10\n";
    let (t, summary) = load(SHOP, None);
    let model = ShopModel::new(
        BgNbd::new(1.0, 9.0, 0.1, 10.0).unwrap(),
        GammaGamma::new(6.0, 4.0, 15.0).unwrap(),
        summary.period,
    );
    let report = segments(&t, &summary, Some(&model), &SegmentOptions::default()).unwrap();
    assert_eq!(report.observation_end, "2024-02-22");
    let ids: Vec<&str> = report
        .overdue
        .customers
        .iter()
        .map(|c| c.customer_id.as_str())
        .collect();
    assert_eq!(ids, ["a"]);
    assert_eq!((report.overdue.count, report.overdue.probably_gone), (1, 0));
    let a = &report.overdue.customers[0];
    assert_eq!(
        a.reason,
        TimingReason::SilentPastPace {
            silent_days: 42,
            pace_days: 42
        }
    );
    // P(alive), by hand above.
    assert!((a.p_alive - 1.0 / (1.0 + 0.01 * (61.0f64 / 19.0).powi(2))).abs() < 1e-9);
    assert!(a.reason.message().contains("silent 42 days"));
}

/// A shop of two customers: `a` bought on day 0 and day `gap`, then was
/// silent `silence` days; `z` bought on the last day. The days are from
/// 2024-01-01.
fn silent_shop(gap: u32, silence: u32) -> String {
    let day = |d: u32| ltvlab::days::format_day(19_723 + d as i32);
    format!(
        "customer_id,order_id,date,amount\na,1,{},10\na,2,{},10\nz,3,{},10\n",
        day(0),
        day(gap),
        day(gap + silence)
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Whatever the model: a customer who just bought is never overdue, and
    /// a longer silence never takes a customer off the overdue rule (on the
    /// list or counted as probably gone).
    #[test]
    fn silence_only_makes_a_customer_more_overdue(
        r in 0.1f64..5.0,
        alpha in 1.0f64..100.0,
        a in 0.05f64..3.0,
        b in 0.5f64..20.0,
        gap in 1u32..200,
        silences in proptest::collection::vec(0u32..400, 2),
    ) {
        let model = ShopModel::new(
            BgNbd::new(r, alpha, a, b).unwrap(),
            GammaGamma::new(6.0, 4.0, 15.0).unwrap(),
            ltvlab::summary::Period::Day,
        );
        let on_rule = |silence: u32| {
            let (t, summary) = load(&silent_shop(gap, silence), None);
            let report = segments(&t, &summary, Some(&model), &SegmentOptions::default()).unwrap();
            report.overdue.count + report.overdue.probably_gone
        };
        proptest::prop_assert_eq!(on_rule(0), 0);
        let (short, long) = (silences[0].min(silences[1]), silences[0].max(silences[1]));
        proptest::prop_assert!(on_rule(short) <= on_rule(long));
    }
}

/// The report's path, which reads each customer's value and timing in the
/// predictions, gives the same segments as the copies of them: on a
/// generated shop with overdue and due-soon customers, and with one
/// prediction too few (an options error on both paths).
#[test]
fn segments_read_from_the_predictions_equal_their_copies() {
    let config = ltvlab::generate::GeneratorConfig {
        customers: 800,
        seed: 9,
        japanese_names: false,
        ..Default::default()
    };
    let mut bytes = Vec::new();
    ltvlab::generate::generate(&config, &mut bytes).unwrap();
    let (t, summary) = load(std::str::from_utf8(&bytes).unwrap(), None);
    let predictions = ltvlab::predict::predict(&summary, &PredictOptions::default()).unwrap();
    let histories = ltvlab::cohorts::Histories::new(&t).unwrap();
    let options = SegmentOptions::default();
    let copied = ltvlab::segments::segments_with_timing(
        &histories,
        &summary,
        Some(&predictions.customer_values()),
        Some(&predictions.customer_timing()),
        &options,
    )
    .unwrap();
    let read =
        ltvlab::segments::segments_with_predictions(&histories, &summary, &predictions, &options)
            .unwrap();
    assert!(copied.overdue.count > 0 && copied.due_soon.count > 0);
    assert_eq!(read, copied);
    let mut fewer = summary.clone();
    fewer.customers.pop();
    let short = ltvlab::predict::predict(&fewer, &PredictOptions::default()).unwrap();
    let err = ltvlab::segments::segments_with_predictions(&histories, &summary, &short, &options)
        .unwrap_err();
    assert!(err.to_string().contains("customer values for"), "{err}");
}
