//! The what-if simulator: formula mode by hand, each lever's mapping onto the
//! model parameters, properties, and generated shops whose true retention was
//! raised.

use std::sync::OnceLock;

mod common;

use common::bgnbd_shop;

use ltvlab::customers::Purchases;
use ltvlab::generate::{generate, GeneratorConfig};
use ltvlab::ingest::{ingest, Dataset, IngestOptions};
use ltvlab::models::{BgNbd, GammaGamma, ModelKind};
use ltvlab::predict::{predict, PredictOptions, SpendModel};
use ltvlab::simulate::{
    formula, simulate, simulate_formula, DrawMethod, FormulaInputs, Loyalty, Scenario, ShopModel,
    SimulationOptions,
};
use ltvlab::summary::{summarize, Period, Summary, SummaryOptions};
use proptest::prelude::*;

const TOL: f64 = 1e-9;
/// Model mode: how close the reached 12-month survival is to its target (the
/// bisection stops at a relative width of 1e-13 in `b`).
const SURVIVAL_TOL: f64 = 1e-10;

#[test]
fn formula_matches_hand_computation() {
    // (inputs, ltv, payback, source)
    let cases = [
        // Annual churn 0.75: each month keeps s = 0.25^(1/12), so a quarter
        // are left after 12 months; 60 a month while there: the geometric sum
        // 60 · (1 - s^12) / (1 - s), paid back in month 1.
        (
            FormulaInputs {
                aov: 120.0,
                purchases_per_year: 12.0,
                churn: 0.75,
                margin: 0.5,
                monthly_discount_rate: 0.0,
                cac: 30.0,
                horizon_months: 12,
            },
            {
                let s = 0.25f64.powf(1.0 / 12.0);
                60.0 * (1.0 - s.powi(12)) / (1.0 - s)
            },
            Some(1),
        ),
        // Annual churn 1: nobody reaches month 2; 60 in month 1.
        (
            FormulaInputs {
                aov: 120.0,
                purchases_per_year: 12.0,
                churn: 1.0,
                margin: 0.5,
                monthly_discount_rate: 0.0,
                cac: 30.0,
                horizon_months: 12,
            },
            60.0,
            Some(1),
        ),
        // Nobody leaves, no discounting: 10 a month for 12 months; 35 is reached in month 4.
        (
            FormulaInputs {
                aov: 10.0,
                purchases_per_year: 12.0,
                churn: 0.0,
                margin: 1.0,
                monthly_discount_rate: 0.0,
                cac: 35.0,
                horizon_months: 12,
            },
            120.0,
            Some(4),
        ),
        // Nobody leaves, 1 % a month: 10 · Σ 1.01^-m over 3 months = 29.40985.
        (
            FormulaInputs {
                aov: 10.0,
                purchases_per_year: 12.0,
                churn: 0.0,
                margin: 1.0,
                monthly_discount_rate: 0.01,
                cac: 100.0,
                horizon_months: 3,
            },
            10.0 / 1.01 + 10.0 / 1.01f64.powi(2) + 10.0 / 1.01f64.powi(3),
            None,
        ),
    ];
    for (inputs, ltv, payback) in cases {
        let out = formula(&inputs).unwrap();
        assert!((out.ltv - ltv).abs() < TOL, "{inputs:?}: {}", out.ltv);
        assert_eq!(out.payback_months, payback, "{inputs:?}");
        assert_eq!(
            out.cumulative_value_by_month.len(),
            inputs.horizon_months as usize
        );
        assert_eq!(*out.cumulative_value_by_month.last().unwrap(), out.ltv);
    }
    // The geometric limit v / (1 - s) with s = 0.6^(1/12), no discounting,
    // beside the textbook AOV × purchases a year × margin / churn, which
    // counts whole years (5000 · 3 · 0.3 / 0.4 = 11,250).
    let inputs = FormulaInputs {
        aov: 5000.0,
        purchases_per_year: 3.0,
        churn: 0.4,
        margin: 0.3,
        monthly_discount_rate: 0.0,
        cac: 3000.0,
        horizon_months: 1200,
    };
    let out = formula(&inputs).unwrap();
    let s = 0.6f64.powf(1.0 / 12.0);
    let want = 5000.0 * 3.0 / 12.0 * 0.3 / (1.0 - s);
    assert!((out.ltv - want).abs() < 1e-6, "{} vs {want}", out.ltv);
    assert!((out.monthly_retention - s).abs() < TOL);
    // 40 % churn leaves 60 % after a year (the old `1 - churn/12` kept 66.7 %).
    assert!((out.survival_12_months - 0.6).abs() < TOL);
    assert!((out.monthly_retention.powi(12) - 0.6).abs() < TOL);
    assert!((out.lifetime_ltv.unwrap() - 11_250.0).abs() < 1e-9);
    assert!((out.ltv_to_cac.unwrap() - out.ltv / 3000.0).abs() < TOL);
}

#[test]
fn formula_rejects_out_of_range_inputs() {
    let cases = [
        (
            FormulaInputs {
                churn: 1.5,
                ..FormulaInputs::default()
            },
            "invalid option: churn must be between 0 and 1, got 1.5",
        ),
        (
            FormulaInputs {
                aov: -1.0,
                ..FormulaInputs::default()
            },
            "invalid option: aov must be a number between 0 and 1e12, got -1",
        ),
        // Inputs whose products overflow: an error, not `ltv: null`.
        (
            FormulaInputs {
                aov: 1e308,
                purchases_per_year: 1e308,
                ..FormulaInputs::default()
            },
            "invalid option: aov must be a number between 0 and 1e12, got 1e308",
        ),
        (
            FormulaInputs {
                purchases_per_year: 1e6,
                ..FormulaInputs::default()
            },
            "invalid option: purchases per year must be a number between 0 and 1e5, got 1000000",
        ),
        (
            FormulaInputs {
                cac: 1e300,
                ..FormulaInputs::default()
            },
            "invalid option: cac must be a number between 0 and 1e15, got 1e300",
        ),
        (
            FormulaInputs {
                horizon_months: 0,
                ..FormulaInputs::default()
            },
            "invalid option: horizon must be between 1 and 1200 months, got 0",
        ),
        (
            FormulaInputs {
                margin: 2.0,
                ..FormulaInputs::default()
            },
            "invalid option: margin must be between 0 and 1, got 2",
        ),
    ];
    for (inputs, want) in cases {
        assert_eq!(formula(&inputs).unwrap_err().to_string(), want);
    }
}

/// "Retention +x pt" means x points of 12-month survival of a new customer
/// in both modes (issue #13, item 5).
#[test]
fn retention_points_are_points_of_12_month_survival_in_both_modes() {
    // (retention points, loyalty retention points): the two add up.
    let levers = [
        (-10.0, 0.0),
        (-1.0, 0.0),
        (1.0, 0.0),
        (5.0, 0.0),
        (2.0, 3.0),
        (15.0, 0.0),
    ];
    let scenario = |points: f64, loyalty: f64| Scenario {
        retention_points: points,
        loyalty: Loyalty {
            rebate: 0.0,
            retention_points: loyalty,
        },
        ..Scenario::default()
    };
    for churn in [0.2, 0.4, 0.7] {
        let inputs = FormulaInputs {
            churn,
            ..FormulaInputs::default()
        };
        for (points, loyalty) in levers {
            let out = simulate_formula(&inputs, &scenario(points, loyalty)).unwrap();
            let x = (points + loyalty) / 100.0;
            let (b, s) = (&out.baseline, &out.scenario);
            assert!((b.survival_12_months - (1.0 - churn)).abs() < TOL);
            assert!((s.survival_12_months - b.survival_12_months - x).abs() < TOL);
            // The curve itself: the share left after month 12.
            let moved = s.monthly_retention.powi(12) - b.monthly_retention.powi(12);
            assert!(
                (moved - x).abs() < TOL,
                "churn {churn}, {points} pt: {moved}"
            );
        }
    }
    let given = ShopModel::new(
        BgNbd::new(0.25, 4.0, 0.8, 2.4).unwrap(),
        GammaGamma::new(6.0, 4.0, 15.0).unwrap(),
        Period::Day,
    );
    let weekly = ShopModel::new(
        BgNbd::new(0.5, 2.0, 1.5, 6.0).unwrap(),
        GammaGamma::new(6.0, 4.0, 15.0).unwrap(),
        Period::Week,
    );
    let (fit, summary) = fitted();
    let options = SimulationOptions {
        draws: 0,
        ..SimulationOptions::default()
    };
    for model in [&given, &weekly, fit] {
        for (points, loyalty) in levers {
            let out = simulate(model, summary, &scenario(points, loyalty), &options).unwrap();
            let (b, s) = (out.baseline.parameters, out.scenario.parameters);
            let x = (points + loyalty) / 100.0;
            assert!(
                (s.survival_12_months - b.survival_12_months - x).abs() < SURVIVAL_TOL,
                "{:?}, {points} + {loyalty} pt: {} -> {}",
                model.purchases(),
                b.survival_12_months,
                s.survival_12_months
            );
        }
    }
    // At or above 100 %: as close as the model allows, as formula mode stops at 100 %.
    let out = simulate(&given, summary, &scenario(60.0, 0.0), &options).unwrap();
    assert!(out.scenario.parameters.survival_12_months > 1.0 - 1e-6);
    // Below the floor of BG/NBD (everyone leaves at the first repeat
    // purchase: (4/369.25)^0.25 = 32.3 %) is out of reach.
    let err = simulate(&given, summary, &scenario(-30.0, 0.0), &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid option: retention -30 pt with churn reduction 0 is out of reach: the model's 12-month survival of a new customer is 52.4%, and it cannot fall to 32.3% or below (every customer leaves at the first repeat purchase), not to 22.4%"
    );
}

#[test]
fn formula_levers_move_the_inputs() {
    let inputs = FormulaInputs {
        aov: 100.0,
        purchases_per_year: 4.0,
        churn: 0.5,
        margin: 0.4,
        ..FormulaInputs::default()
    };
    // (scenario, aov, purchases, churn, margin) by the rules of simulate_formula.
    let cases = [
        (
            Scenario {
                retention_points: 10.0,
                ..Scenario::default()
            },
            100.0,
            4.0,
            0.4,
            0.4,
        ),
        (
            Scenario {
                churn_reduction: 0.2,
                ..Scenario::default()
            },
            100.0,
            4.0,
            0.4,
            0.4,
        ),
        (
            Scenario {
                aov_change: 0.1,
                ..Scenario::default()
            },
            110.0,
            4.0,
            0.5,
            0.4,
        ),
        (
            Scenario {
                frequency_change: 0.25,
                ..Scenario::default()
            },
            100.0,
            5.0,
            0.5,
            0.4,
        ),
        (
            Scenario {
                margin_points: 5.0,
                ..Scenario::default()
            },
            100.0,
            4.0,
            0.5,
            0.45,
        ),
        // 10 % off: orders of 90, margin (0.4 - 0.1)/0.9 on what is collected.
        (
            Scenario {
                discount: 0.1,
                ..Scenario::default()
            },
            90.0,
            4.0,
            0.5,
            0.3 / 0.9,
        ),
        // 2 % points cost 2 pt of margin and buy 5 pt of retention.
        (
            Scenario {
                loyalty: Loyalty {
                    rebate: 0.02,
                    retention_points: 5.0,
                },
                ..Scenario::default()
            },
            100.0,
            4.0,
            0.45,
            0.38,
        ),
    ];
    for (s, aov, ppy, churn, margin) in cases {
        let out = simulate_formula(&inputs, &s).unwrap();
        let i = out.scenario_inputs;
        for (got, want, what) in [
            (i.aov, aov, "aov"),
            (i.purchases_per_year, ppy, "purchases"),
            (i.churn, churn, "churn"),
            (i.margin, margin, "margin"),
        ] {
            assert!((got - want).abs() < 1e-12, "{s:?} {what}: {got} vs {want}");
        }
    }
    let same = simulate_formula(&inputs, &Scenario::default()).unwrap();
    assert_eq!(same.scenario, same.baseline);
    let ranked: Vec<&str> = same.sensitivity.iter().map(|s| s.lever.as_str()).collect();
    assert_eq!(ranked.len(), 4);
    assert!(same
        .sensitivity
        .windows(2)
        .all(|w| w[0].change.abs() >= w[1].change.abs()));
}

fn summary_of(config: &GeneratorConfig) -> (Summary, ltvlab::transactions::Transactions) {
    let mut bytes = Vec::new();
    generate(config, &mut bytes).unwrap();
    let data = ingest(&bytes, &IngestOptions::default()).unwrap().data;
    let summary = summarize(&data, &SummaryOptions::default()).unwrap();
    match data {
        Dataset::Transactions(t) => (summary, t),
        _ => unreachable!(),
    }
}

/// A fitted shop shared by the tests below.
fn fitted() -> &'static (ShopModel, Summary) {
    static FITTED: OnceLock<(ShopModel, Summary)> = OnceLock::new();
    FITTED.get_or_init(|| {
        let (summary, _) = summary_of(&bgnbd_shop(3000, 11, 2.4));
        (ShopModel::fit(&summary).unwrap(), summary)
    })
}

#[test]
fn each_lever_maps_onto_the_parameters() {
    let model = ShopModel::new(
        BgNbd::new(0.25, 4.0, 0.8, 2.4).unwrap(),
        GammaGamma::new(6.0, 4.0, 15.0).unwrap(),
        Period::Day,
    );
    let (_, summary) = fitted();
    let options = SimulationOptions {
        draws: 0,
        ..SimulationOptions::default()
    };
    // (scenario, alpha, gamma, 12-month survival of a new customer) by the
    // module doc: S₁₂ = ₂F₁(0.25, 0.8; 3.2; -365.25/4) = 0.524017457637767
    // (mpmath 1.3, 40 digits); +5 pt → S₁₂ + 0.05; a 20 % cut of the
    // 12-month churn → 1 - 0.8 (1 - S₁₂); α/(1+0.25) = 3.2 moves S₁₂ on its
    // own to ₂F₁(0.25, 0.8; 3.2; -365.25/3.2) = 0.500093499122973; γ · 1.1 = 16.5.
    const BASE: f64 = 0.524_017_457_637_767_3;
    let cases = [
        (
            Scenario {
                retention_points: 5.0,
                ..Scenario::default()
            },
            4.0,
            15.0,
            BASE + 0.05,
        ),
        (
            Scenario {
                churn_reduction: 0.2,
                ..Scenario::default()
            },
            4.0,
            15.0,
            0.619_213_966_110_214,
        ),
        (
            Scenario {
                frequency_change: 0.25,
                ..Scenario::default()
            },
            3.2,
            15.0,
            0.500_093_499_122_973_3,
        ),
        (
            Scenario {
                aov_change: 0.1,
                ..Scenario::default()
            },
            4.0,
            16.5,
            BASE,
        ),
        (
            Scenario {
                discount: 0.1,
                ..Scenario::default()
            },
            4.0,
            13.5,
            BASE,
        ),
    ];
    for (s, alpha, gamma, survival) in cases {
        let out = simulate(&model, summary, &s, &options).unwrap();
        let p = out.scenario.parameters;
        assert!((out.baseline.parameters.survival_12_months - BASE).abs() < SURVIVAL_TOL);
        for (got, want, what) in [
            (p.alpha, alpha, "alpha"),
            (p.gamma, gamma, "gamma"),
            (p.survival_12_months, survival, "12-month survival"),
            (
                p.dropout_per_purchase.unwrap(),
                p.a / (p.a + p.b),
                "dropout",
            ),
        ] {
            assert!((got - want).abs() < 1e-9, "{s:?} {what}: {got} vs {want}");
        }
        // Only the retention levers move b.
        let moves_b = s.retention_points != 0.0 || s.churn_reduction != 0.0;
        assert_eq!(p.b != 2.4, moves_b, "{s:?}: b {}", p.b);
        assert_eq!((p.r, p.a, p.p, p.q), (0.25, 0.8, 6.0, 4.0));
    }
    // AOV +10 % raises every value by exactly 10 %.
    let s = Scenario {
        aov_change: 0.1,
        ..Scenario::default()
    };
    let out = simulate(&model, summary, &s, &options).unwrap();
    let ratio = out.scenario.ltv_per_customer.value / out.baseline.ltv_per_customer.value;
    assert!((ratio - 1.1).abs() < 1e-12);
    let ratio = out.scenario.revenue_existing.value / out.baseline.revenue_existing.value;
    assert!((ratio - 1.1).abs() < 1e-12);
    // Margin: LTV is margin × revenue value, and a CAC gives LTV:CAC.
    let half = SimulationOptions {
        margin: 0.5,
        cac: 10.0,
        ..options
    };
    let out_half = simulate(&model, summary, &Scenario::default(), &half).unwrap();
    let full = simulate(&model, summary, &Scenario::default(), &options).unwrap();
    assert!(
        (out_half.baseline.ltv_per_customer.value - 0.5 * full.baseline.ltv_per_customer.value)
            .abs()
            < 1e-9
    );
    let ltv_to_cac = out_half.baseline.ltv_to_cac.unwrap().value;
    assert!((ltv_to_cac - out_half.baseline.ltv_per_customer.value / 10.0).abs() < 1e-12);
}

#[test]
fn a_new_customers_ltv_is_the_first_order_plus_discounted_repeats() {
    use ltvlab::models::PurchaseModel;
    let bg = BgNbd::new(0.25, 4.0, 0.8, 2.4).unwrap();
    let gg = GammaGamma::new(6.0, 4.0, 15.0).unwrap();
    let model = ShopModel::new(bg, gg, Period::Day);
    let (_, summary) = fitted();
    let options = SimulationOptions {
        draws: 0,
        horizon_months: 2,
        monthly_discount_rate: 0.02,
        margin: 0.3,
        ..SimulationOptions::default()
    };
    let out = simulate(&model, summary, &Scenario::default(), &options).unwrap();
    let k = Period::Day.per_month();
    let e = |t: f64| bg.expected_purchases_new(t);
    let want = 0.3 * 30.0 * (1.0 + e(k) / 1.02 + (e(2.0 * k) - e(k)) / 1.02f64.powi(2));
    assert!((out.baseline.ltv_per_customer.value - want).abs() < 1e-9);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn a_zero_lever_scenario_equals_the_baseline_exactly(seed in any::<u64>(), horizon in 1u32..36, margin in 0.0f64..=1.0) {
        let (model, summary) = fitted();
        let options = SimulationOptions { seed, horizon_months: horizon, margin, draws: 50, ..SimulationOptions::default() };
        let out = simulate(model, summary, &Scenario::default(), &options).unwrap();
        prop_assert_eq!(&out.scenario.ltv_per_customer, &out.baseline.ltv_per_customer);
        prop_assert_eq!(&out.scenario.revenue_existing, &out.baseline.revenue_existing);
        prop_assert_eq!(&out.scenario.revenue_new, &out.baseline.revenue_new);
        prop_assert_eq!(out.change.ltv_per_customer.value, 0.0);
    }

    #[test]
    fn intervals_contain_the_point_estimate(
        seed in any::<u64>(),
        retention in -15.0f64..15.0,
        aov in -0.5f64..1.0,
        frequency in -0.5f64..1.0,
        discount in 0.0f64..0.3,
    ) {
        let (model, summary) = fitted();
        let s = Scenario { retention_points: retention, aov_change: aov, frequency_change: frequency, discount, ..Scenario::default() };
        let options = SimulationOptions { seed, draws: 50, cac: 20.0, new_customers_per_month: Some(100.0), ..SimulationOptions::default() };
        let out = simulate(model, summary, &s, &options).unwrap();
        for side in [&out.baseline, &out.scenario] {
            for e in [side.ltv_per_customer, side.revenue_existing, side.revenue_new, side.ltv_to_cac.unwrap()] {
                prop_assert!(e.low <= e.value && e.value <= e.high, "{e:?}");
            }
        }
        for e in [out.change.ltv_per_customer, out.change.revenue_existing, out.change.revenue_new] {
            prop_assert!(e.low <= e.value && e.value <= e.high, "{e:?}");
        }
    }
}

/// Mean revenue per customer in the first 365 days after acquisition,
/// first order included (every generated customer is acquired in the first
/// year of two).
fn first_year_revenue_per_customer(t: &ltvlab::transactions::Transactions) -> f64 {
    let mut first: std::collections::HashMap<u32, i32> = Default::default();
    let (cust, day, amount) = (t.customer_col(), t.day_col(), t.amount_col());
    for i in 0..t.len() {
        let e = first.entry(cust[i]).or_insert(day[i]);
        *e = (*e).min(day[i]);
    }
    let mut total = 0.0;
    for i in 0..t.len() {
        if day[i] - first[&cust[i]] < 365 {
            total += amount[i];
        }
    }
    total / first.len() as f64
}

#[test]
fn the_interval_brackets_a_shop_whose_true_retention_was_raised() {
    let (model, summary) = fitted();
    // The fitted shop has b = 2.4 (12-month survival of a new customer
    // ₂F₁(0.25, 0.8; 3.2; -365.25/4) = 0.5240). Its twin with 5 more points
    // has b = 3.937052517786996 (mpmath 1.3 `findroot` on the same ₂F₁).
    // 99%, not 95%: both checks below rest on one fitted shop, so a 95%
    // interval misses by construction one time in twenty. This shop's fit
    // puts both truths near the upper end of its 95% intervals (the +5 pt
    // twin's 201.39 against 201.43 under plain maximum likelihood and
    // 201.39 under the weak priors); at 99% the test fails on a real bias,
    // not on that draw.
    let options = SimulationOptions {
        horizon_months: 12,
        monthly_discount_rate: 0.0,
        draws: 1000,
        seed: 3,
        confidence: 0.99,
        ..SimulationOptions::default()
    };
    let s = Scenario {
        retention_points: 5.0,
        ..Scenario::default()
    };
    let out = simulate(model, summary, &s, &options).unwrap();
    for (b, estimate, seed) in [
        (2.4, out.baseline.ltv_per_customer, 21),
        (3.937_052_517_786_996, out.scenario.ltv_per_customer, 22),
    ] {
        let (_, t) = summary_of(&bgnbd_shop(20_000, seed, b));
        let truth = first_year_revenue_per_customer(&t);
        eprintln!("b = {b}: truth {truth:.3}, predicted {estimate:?}");
        assert!(
            estimate.low <= truth && truth <= estimate.high,
            "b = {b}: the realized first-year revenue per customer {truth} is outside {estimate:?}"
        );
    }
    assert!(out.change.ltv_per_customer.low > 0.0);
}

/// The delta-method draws against the exact ones: the same seed gives the
/// same parameter draws, so the two methods' interval ends differ only by
/// the second-order expansion of `E[X(t)]` in the log-parameters.
#[test]
fn linearized_draws_match_exact_draws() {
    let (model, summary) = fitted();
    let cases = [
        ("no levers", Scenario::default(), 24),
        (
            "retention +5 pt, aov +10 %",
            Scenario {
                retention_points: 5.0,
                aov_change: 0.1,
                ..Scenario::default()
            },
            24,
        ),
        (
            "retention -10 pt",
            Scenario {
                retention_points: -10.0,
                ..Scenario::default()
            },
            12,
        ),
        (
            "frequency +50 %, churn -30 %",
            Scenario {
                frequency_change: 0.5,
                churn_reduction: 0.3,
                ..Scenario::default()
            },
            36,
        ),
        (
            "discount 10 %, loyalty 2 % for 5 pt",
            Scenario {
                discount: 0.1,
                loyalty: Loyalty {
                    rebate: 0.02,
                    retention_points: 5.0,
                },
                ..Scenario::default()
            },
            60,
        ),
    ];
    for (name, s, horizon) in cases {
        compare_draw_methods(model, summary, name, &s, horizon, 400);
    }
}

/// [`linearized_draws_match_exact_draws`] on the same shop fitted with the
/// two other purchase models, whose grids the expansion also approximates.
#[test]
fn linearized_draws_match_exact_draws_in_mbgnbd_and_pareto_nbd() {
    let (_, summary) = fitted();
    let s = Scenario {
        retention_points: 5.0,
        frequency_change: 0.2,
        ..Scenario::default()
    };
    for kind in [ModelKind::MbgNbd, ModelKind::ParetoNbd] {
        let model = ShopModel::fit_with(summary, kind, &Default::default()).unwrap();
        compare_draw_methods(&model, summary, kind.name(), &s, 24, 200);
    }
}

/// Asserts that [`DrawMethod::Linearized`] and [`DrawMethod::Exact`] give
/// the same point estimates and intervals whose ends differ by at most
/// `WIDTH_TOLERANCE` of the exact interval's width.
fn compare_draw_methods(
    model: &ShopModel,
    summary: &Summary,
    name: &str,
    s: &Scenario,
    horizon: u32,
    draws: u32,
) {
    // Interval ends may differ by this share of the exact interval's width
    // (observed at most 0.24 %: BG/NBD 0.24 %, MBG/NBD 0.24 %, Pareto/NBD
    // 0.14 %; a first-order expansion gave 4.5 % on BG/NBD).
    const WIDTH_TOLERANCE: f64 = 0.01;
    // Payback probabilities may differ by this much (a draw near the CAC
    // may pay back one month earlier or later under either method).
    const PAYBACK_TOLERANCE: f64 = 0.02;
    let options = |draw_method| SimulationOptions {
        horizon_months: horizon,
        draws,
        seed: 5,
        cac: 25.0,
        new_customers_per_month: Some(100.0),
        draw_method,
        ..SimulationOptions::default()
    };
    let lin = simulate(model, summary, s, &options(DrawMethod::Linearized)).unwrap();
    let exact = simulate(model, summary, s, &options(DrawMethod::Exact)).unwrap();
    let pairs = [
        (
            "baseline ltv",
            lin.baseline.ltv_per_customer,
            exact.baseline.ltv_per_customer,
        ),
        (
            "scenario ltv",
            lin.scenario.ltv_per_customer,
            exact.scenario.ltv_per_customer,
        ),
        (
            "change ltv",
            lin.change.ltv_per_customer,
            exact.change.ltv_per_customer,
        ),
        (
            "scenario existing",
            lin.scenario.revenue_existing,
            exact.scenario.revenue_existing,
        ),
        (
            "scenario new",
            lin.scenario.revenue_new,
            exact.scenario.revenue_new,
        ),
        (
            "change new",
            lin.change.revenue_new,
            exact.change.revenue_new,
        ),
    ];
    let mut worst = 0.0f64;
    for (what, l, e) in pairs {
        let width = e.high - e.low;
        eprintln!("{name}, {what}: linearized {l:?}, exact {e:?}");
        assert_eq!(l.value, e.value, "{name}, {what}: point estimates differ");
        for (got, want) in [(l.low, e.low), (l.high, e.high)] {
            worst = worst.max((got - want).abs() / width);
            assert!(
                (got - want).abs() <= WIDTH_TOLERANCE * width,
                "{name}, {what}: {got} vs exact {want} (interval width {width})"
            );
        }
    }
    for (l, e) in [
        (&lin.baseline, &exact.baseline),
        (&lin.scenario, &exact.scenario),
    ] {
        assert!(
            (l.payback_probability - e.payback_probability).abs() <= PAYBACK_TOLERANCE,
            "{name}: payback probability {} vs exact {}",
            l.payback_probability,
            e.payback_probability
        );
    }
    eprintln!(
        "{name}: interval ends differ by at most {:.3}% of the width",
        100.0 * worst
    );
}

/// The what-if values customers with the analysis's own model: on a shop
/// whose predictions use MBG/NBD (forced here; `choose_model` picks it when
/// the holdout cannot decide), the simulator built from the predictions'
/// fits has their parameters, and its baseline's 12-month survival, LTV per
/// new customer and revenue from the existing base are the predictions'
/// model's.
#[test]
fn the_what_if_baseline_is_the_predictions_model() {
    // Sums of the same terms in another order (the base's revenue by group,
    // the MBG/NBD's expectations as the BG/NBD's with b + 1).
    const SAME_MODEL_TOL: f64 = 1e-10;
    let (_, summary) = fitted();
    let options = PredictOptions {
        model: ModelKind::MbgNbd,
        ..PredictOptions::default()
    };
    let predictions = predict(summary, &options).unwrap();
    let SpendModel::GammaGamma { fit: spend_fit } = &predictions.spend_model else {
        panic!("gamma-gamma was not fitted: {:?}", predictions.spend_model);
    };
    let shop =
        ShopModel::from_fits(&predictions.purchase_model, spend_fit, summary.period).unwrap();
    assert_eq!(shop.kind(), ModelKind::MbgNbd);
    // The same parameters, bit for bit, as the predictions and as a refit.
    let fitted_params: Vec<f64> = predictions
        .purchase_model
        .params()
        .iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(shop.purchases().params().to_vec(), fitted_params);
    let refit = ShopModel::fit_with(summary, ModelKind::MbgNbd, &options.fit).unwrap();
    assert_eq!(refit.purchases(), shop.purchases());
    assert_eq!(refit.spend(), shop.spend());
    // The customer table's values, bit for bit (margin 1, 12 months, 1 %).
    let values = shop.customer_values(summary, &Default::default()).unwrap();
    assert_eq!(values, predictions.customer_values());

    let sim_options = SimulationOptions {
        horizon_months: 12,
        draws: 200,
        ..SimulationOptions::default()
    };
    let out = simulate(&shop, summary, &Scenario::default(), &sim_options).unwrap();
    let b = &out.baseline;
    let year = 12.0 * summary.period.per_month();
    let model = Purchases::new(ModelKind::MbgNbd, shop.purchases().params()).unwrap();
    assert_eq!(b.parameters.model, ModelKind::MbgNbd);
    assert_eq!(b.parameters.survival_12_months, model.survival_new(year));
    // P(alive) of a customer just acquired is the survival of the first
    // purchase, b/(a+b): the predictions' model and the what-if's S(0+) agree.
    let [_, _, a, bb] = shop.purchases().params();
    let just_acquired = ltvlab::models::Rfm::new(0.0, 0.0, 0.0).unwrap();
    let p0 = predictions.purchase_model.model().p_alive(&just_acquired);
    assert!((p0 - bb / (a + bb)).abs() < SAME_MODEL_TOL);
    // LTV per new customer from the predictions' model's E[X(t)] by hand.
    let e = |m: u32| {
        predictions
            .purchase_model
            .model()
            .expected_purchases_new(f64::from(m) * summary.period.per_month())
    };
    let spend = spend_fit.model().mean_spend();
    let repeat: f64 = (1..=12)
        .map(|m| (e(m) - e(m - 1)) / 1.01f64.powi(m as i32))
        .sum();
    let want = spend * (1.0 + repeat);
    let got = b.ltv_per_customer.value;
    assert!(
        (got - want).abs() < SAME_MODEL_TOL * want,
        "{got} vs {want}"
    );
    // The existing base's revenue over 12 months: the predictions' total.
    let want = predictions.base.expected_revenue;
    let got = b.revenue_existing.value;
    assert!(
        (got - want).abs() < SAME_MODEL_TOL * want,
        "{got} vs {want}"
    );
    // The fits' covariance came along: the draws give an interval.
    let ltv = b.ltv_per_customer;
    assert!(ltv.low < ltv.value && ltv.value < ltv.high, "{ltv:?}");
}
