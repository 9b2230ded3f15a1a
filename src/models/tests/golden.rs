//! Golden values from Python's lifetimes 0.11.3 (scripts/golden_models.py) on
//! the simulated fixtures in tests/fixtures/models.
//!
//! Three kinds of comparison, each with its own tolerance:
//! - the log-likelihood at lifetimes' parameters (same function, same data);
//! - predictions at lifetimes' parameters (same formulas);
//! - our fitted parameters against lifetimes' (two optimisers stopping at
//!   their own tolerances), plus our maximum being at least as high.

use serde_json::Value;

use super::super::*;

/// Log-likelihoods at the same parameters: both are sums of the same terms.
const SAME_LIKELIHOOD: f64 = 1e-10;
/// Predictions at the same parameters; lifetimes evaluates the same closed
/// forms with scipy's special functions.
const SAME_PREDICTION: f64 = 1e-8;
/// Fitted parameters: lifetimes stops at its own tolerance on the mean
/// negative log-likelihood, ours on its gradient.
const FITTED_PARAMETER: f64 = 1e-4;
/// How far below lifetimes' maximised log-likelihood ours may fall.
const MAXIMUM_SLACK: f64 = 1e-6;

const GOLDEN: &str = include_str!("../../../tests/fixtures/models/golden_lifetimes.json");
const WEEKLY: &str = include_str!("../../../tests/fixtures/models/sim_weekly.csv");
const DISCRETE: &str = include_str!("../../../tests/fixtures/models/sim_bgbb.csv");

fn golden(model: &str) -> Value {
    let all: Value = serde_json::from_str(GOLDEN).unwrap();
    all["models"][model].clone()
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn csv_rows(text: &str) -> Vec<Vec<f64>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(|f| f.parse().unwrap()).collect())
        .collect()
}

fn weekly() -> (Vec<Rfm>, Vec<Spend>) {
    let rows = csv_rows(WEEKLY);
    let rfm = rows
        .iter()
        .map(|r| Rfm::new(r[0], r[1], r[2]).unwrap())
        .collect();
    let spend = rows
        .iter()
        .map(|r| Spend::new(r[0], r[3]).unwrap())
        .collect();
    (rfm, spend)
}

/// Largest relative difference seen, with a floor on the denominator.
#[derive(Default)]
struct MaxDiff(f64);

impl MaxDiff {
    fn check(&mut self, got: f64, want: f64, tolerance: f64, what: &str) {
        let diff = (got - want).abs() / want.abs().max(1e-300);
        assert!(
            diff <= tolerance,
            "{what}: got {got}, lifetimes {want} (relative difference {diff:e})"
        );
        self.0 = self.0.max(diff);
    }
}

fn param(g: &Value, name: &str) -> f64 {
    g["params"][name].as_f64().unwrap()
}

fn check_purchase_model<M: PurchaseModel>(name: &str, at_golden: M, fit: &Fit<M>, data: &RfmData) {
    let g = golden(name);
    let (mut ll, mut predictions, mut fitted) =
        (MaxDiff::default(), MaxDiff::default(), MaxDiff::default());
    let golden_ll = g["log_likelihood"].as_f64().unwrap();
    ll.check(
        at_golden.log_likelihood(data),
        golden_ll,
        SAME_LIKELIHOOD,
        "log-likelihood",
    );

    let sample = &g["sample"];
    let (xs, txs, ts) = (
        numbers(&sample["frequency"]),
        numbers(&sample["recency"]),
        numbers(&sample["T"]),
    );
    let customers: Vec<Rfm> = (0..xs.len())
        .map(|i| Rfm::new(xs[i], txs[i], ts[i]).unwrap())
        .collect();
    for (c, want) in customers.iter().zip(numbers(&sample["p_alive"])) {
        predictions.check(at_golden.p_alive(c), want, SAME_PREDICTION, "p_alive");
    }
    for (horizon, values) in g["expected_purchases"].as_object().unwrap() {
        let t: f64 = horizon.parse().unwrap();
        for (c, want) in customers.iter().zip(numbers(values)) {
            predictions.check(
                at_golden.expected_purchases(c, t),
                want,
                SAME_PREDICTION,
                "expected_purchases",
            );
        }
        let want = g["expected_purchases_new"][horizon].as_f64().unwrap();
        predictions.check(
            at_golden.expected_purchases_new(t),
            want,
            SAME_PREDICTION,
            "expected_purchases_new",
        );
    }
    if let Some(p) = g.get("p_purchases_t39") {
        for (n, want) in numbers(p).into_iter().enumerate() {
            predictions.check(
                at_golden.p_purchases(n as u32, 39.0),
                want,
                SAME_PREDICTION,
                "p_purchases",
            );
        }
    }
    for (name, value) in fit.params().iter() {
        fitted.check(value, param(&g, name), FITTED_PARAMETER, name);
    }
    assert!(
        fit.log_likelihood() >= golden_ll - MAXIMUM_SLACK,
        "{} < {golden_ll}",
        fit.log_likelihood()
    );
    eprintln!(
        "golden {name}: log-likelihood {:.1e}, predictions {:.1e}, fitted parameters {:.1e}, our LL - lifetimes' {:.2e}",
        ll.0,
        predictions.0,
        fitted.0,
        fit.log_likelihood() - golden_ll
    );
}

#[test]
fn bgnbd_matches_lifetimes() {
    let g = golden("bgnbd");
    let data = RfmData::new(&weekly().0).unwrap();
    let at_golden = BgNbd::new(
        param(&g, "r"),
        param(&g, "alpha"),
        param(&g, "a"),
        param(&g, "b"),
    )
    .unwrap();
    let fit = BgNbd::fit(&data, &FitOptions::mle()).unwrap();
    check_purchase_model("bgnbd", at_golden, &fit, &data);
}

#[test]
fn mbgnbd_matches_lifetimes() {
    let g = golden("mbgnbd");
    let data = RfmData::new(&weekly().0).unwrap();
    let at_golden = MbgNbd::new(
        param(&g, "r"),
        param(&g, "alpha"),
        param(&g, "a"),
        param(&g, "b"),
    )
    .unwrap();
    let fit = MbgNbd::fit(&data, &FitOptions::mle()).unwrap();
    check_purchase_model("mbgnbd", at_golden, &fit, &data);
}

#[test]
fn pareto_nbd_matches_lifetimes() {
    let g = golden("pareto");
    let data = RfmData::new(&weekly().0).unwrap();
    let at_golden = ParetoNbd::new(
        param(&g, "r"),
        param(&g, "alpha"),
        param(&g, "s"),
        param(&g, "beta"),
    )
    .unwrap();
    let fit = ParetoNbd::fit(&data, &FitOptions::mle()).unwrap();
    check_purchase_model("pareto", at_golden, &fit, &data);
}

#[test]
fn gamma_gamma_and_clv_match_lifetimes() {
    let g = golden("gammagamma");
    let (rfm, spend) = weekly();
    let at_golden = GammaGamma::new(param(&g, "p"), param(&g, "q"), param(&g, "gamma")).unwrap();
    let (mut ll, mut predictions, mut fitted) =
        (MaxDiff::default(), MaxDiff::default(), MaxDiff::default());
    let golden_ll = g["log_likelihood"].as_f64().unwrap();
    ll.check(
        at_golden.log_likelihood(&spend).unwrap(),
        golden_ll,
        SAME_LIKELIHOOD,
        "log-likelihood",
    );
    let rows: Vec<usize> = numbers(&g["sample_rows"])
        .iter()
        .map(|&r| r as usize)
        .collect();
    let value = at_golden.conditional_expected_spend_all(&spend);
    for (&row, want) in rows.iter().zip(numbers(&g["conditional_expected_spend"])) {
        predictions.check(
            value[row],
            want,
            SAME_PREDICTION,
            "conditional_expected_spend",
        );
    }
    // lifetimes' CLV: BG/NBD at its fitted parameters, 12 months, 1%, weeks.
    let b = golden("bgnbd");
    let bgnbd = BgNbd::new(
        param(&b, "r"),
        param(&b, "alpha"),
        param(&b, "a"),
        param(&b, "b"),
    )
    .unwrap();
    let options = ClvOptions {
        months: 12,
        monthly_discount_rate: 0.01,
        margin: 1.0,
        periods_per_month: 4.345,
    };
    let data = RfmData::new(&rfm).unwrap();
    let clv = customer_lifetime_value(&bgnbd, &data, &value, &options).unwrap();
    for (&row, want) in rows.iter().zip(numbers(&g["clv_bgnbd_12_months"])) {
        predictions.check(clv[row], want, SAME_PREDICTION, "clv");
    }
    let fit = GammaGamma::fit(&spend, &FitOptions::mle()).unwrap();
    assert_eq!(fit.n(), g["n"].as_f64().unwrap());
    for (name, value) in fit.params().iter() {
        fitted.check(value, param(&g, name), FITTED_PARAMETER, name);
    }
    assert!(fit.log_likelihood() >= golden_ll - MAXIMUM_SLACK);
    eprintln!(
        "golden gammagamma+clv: log-likelihood {:.1e}, predictions {:.1e}, fitted parameters {:.1e}, our LL - lifetimes' {:.2e}",
        ll.0,
        predictions.0,
        fitted.0,
        fit.log_likelihood() - golden_ll
    );
}

#[test]
fn bgbb_matches_lifetimes() {
    let g = golden("bgbb");
    let rows: Vec<DiscreteRfm> = csv_rows(DISCRETE)
        .iter()
        .map(|r| DiscreteRfm::new(r[0] as u32, r[1] as u32, r[2] as u32).unwrap())
        .collect();
    let data = DiscreteRfmData::new(&rows).unwrap();
    let at_golden = BgBb::new(
        param(&g, "alpha"),
        param(&g, "beta"),
        param(&g, "gamma"),
        param(&g, "delta"),
    )
    .unwrap();
    let (mut ll, mut predictions, mut fitted) =
        (MaxDiff::default(), MaxDiff::default(), MaxDiff::default());
    let golden_ll = g["log_likelihood"].as_f64().unwrap();
    ll.check(
        at_golden.log_likelihood(&data),
        golden_ll,
        SAME_LIKELIHOOD,
        "log-likelihood",
    );
    let p = &g["patterns"];
    let (xs, txs, ns) = (
        numbers(&p["frequency"]),
        numbers(&p["recency"]),
        numbers(&p["n"]),
    );
    let p_alive = numbers(&g["p_alive"]);
    let expected = numbers(&g["expected_purchases_5"]);
    for i in 0..xs.len() {
        let c = DiscreteRfm::new(xs[i] as u32, txs[i] as u32, ns[i] as u32).unwrap();
        predictions.check(
            at_golden.p_alive(&c),
            p_alive[i],
            SAME_PREDICTION,
            "p_alive",
        );
        predictions.check(
            at_golden.expected_purchases(&c, 5),
            expected[i],
            SAME_PREDICTION,
            "expected_purchases",
        );
    }
    let fit = BgBb::fit(&data, &FitOptions::mle()).unwrap();
    for (name, value) in fit.params().iter() {
        fitted.check(value, param(&g, name), FITTED_PARAMETER, name);
    }
    assert!(fit.log_likelihood() >= golden_ll - MAXIMUM_SLACK);
    eprintln!(
        "golden bgbb: log-likelihood {:.1e}, predictions {:.1e}, fitted parameters {:.1e}, our LL - lifetimes' {:.2e}",
        ll.0,
        predictions.0,
        fitted.0,
        fit.log_likelihood() - golden_ll
    );
}

/// The 1995 cohort of 11,104 donors, 6 annual opportunities, as the 22
/// recency/frequency patterns of Fader, Hardie & Shang 2010, table 1.
const DONATIONS: &str = include_str!("../../../tests/fixtures/models/donations_fhs2010.csv");

/// Published estimates are given to three decimals and the log-likelihood to one.
const PUBLISHED_DECIMALS: f64 = 5e-4;
const PUBLISHED_LL: f64 = 0.05;

#[test]
fn bgbb_reproduces_the_donation_estimates() {
    let rows: Vec<(DiscreteRfm, f64)> = csv_rows(DONATIONS)
        .iter()
        .map(|r| {
            (
                DiscreteRfm::new(r[0] as u32, r[1] as u32, r[2] as u32).unwrap(),
                r[3],
            )
        })
        .collect();
    let data = DiscreteRfmData::from_counts(&rows).unwrap();
    assert_eq!(data.len(), 11_104.0);
    let fit = BgBb::fit(&data, &FitOptions::mle()).unwrap();
    // (parameter, published value): FHS 2010, section 4.1.
    for (name, want) in [
        ("alpha", 1.204),
        ("beta", 0.750),
        ("gamma", 0.657),
        ("delta", 2.783),
    ] {
        let got = fit.params().get(name).unwrap();
        assert!(
            (got - want).abs() < PUBLISHED_DECIMALS,
            "{name}: {got} vs {want}"
        );
    }
    assert!(
        (fit.log_likelihood() - -33_225.6).abs() < PUBLISHED_LL,
        "{}",
        fit.log_likelihood()
    );
}

/// (fitted parameters, fitted LL, published parameters, published LL, source).
type PublishedCase<'a> = (&'a Params, f64, &'a [(&'a str, f64)], Option<f64>, &'a str);

/// Checks the fits against the CDNOW estimates published in the papers, on
/// the CDNOW summary that lifetimes ships (not committed here):
/// `LTVLAB_CDNOW=.../lifetimes/datasets/cdnow_customers_summary_with_transactions.csv
///  cargo test --lib models::tests::golden::cdnow -- --ignored --nocapture`.
#[test]
#[ignore = "needs the CDNOW summary file in LTVLAB_CDNOW"]
fn cdnow_published_estimates() {
    let path = std::env::var("LTVLAB_CDNOW").expect("set LTVLAB_CDNOW");
    let text = std::fs::read_to_string(path).unwrap();
    // ID,x,t_x,T,zbar
    let rows = csv_rows(&text);
    let rfm: Vec<Rfm> = rows
        .iter()
        .map(|r| Rfm::new(r[1], r[2], r[3]).unwrap())
        .collect();
    let spend: Vec<Spend> = rows
        .iter()
        .map(|r| Spend::new(r[1], r[4]).unwrap())
        .collect();
    let data = RfmData::new(&rfm).unwrap();
    let options = FitOptions::mle();
    // (fit, published parameters, published LL, source)
    let bgnbd = BgNbd::fit(&data, &options).unwrap();
    let pareto = ParetoNbd::fit(&data, &options).unwrap();
    let gg = GammaGamma::fit(&spend, &options).unwrap();
    let cases: [PublishedCase; 3] = [
        (
            bgnbd.params(),
            bgnbd.log_likelihood(),
            &[("r", 0.243), ("alpha", 4.414), ("a", 0.793), ("b", 2.426)],
            Some(-9582.4),
            "FHL 2005a, BG/NBD",
        ),
        (
            pareto.params(),
            pareto.log_likelihood(),
            &[
                ("r", 0.553),
                ("alpha", 10.578),
                ("s", 0.606),
                ("beta", 11.669),
            ],
            Some(-9595.0),
            "FHL 2005a, Pareto/NBD",
        ),
        (
            gg.params(),
            gg.log_likelihood(),
            &[("p", 6.25), ("q", 3.74), ("gamma", 15.44)],
            None,
            "FHL 2005b, Gamma-Gamma",
        ),
    ];
    for (params, ll, published, published_ll, source) in cases {
        eprintln!(
            "{source}: {:?}, LL {ll:.2}",
            params.iter().collect::<Vec<_>>()
        );
        for &(name, want) in published {
            let got = params.get(name).unwrap();
            // Gamma-Gamma is published to two decimals (gamma truncated: 15.44,
            // where lifetimes at tol 1e-10 also gives 15.4477). The Pareto/NBD's beta is
            // weakly identified (standard error ~5): the paper's 11.669 is
            // 1e-3 off the maximum, where lifetimes (tol 1e-10) also lands at 11.6679.
            let decimals = match (source, name) {
                (s, _) if s.contains("Gamma") => 1e-2,
                (s, "beta") if s.contains("Pareto") => 2e-3,
                _ => PUBLISHED_DECIMALS,
            };
            assert!(
                (got - want).abs() < decimals,
                "{source} {name}: {got} vs {want}"
            );
        }
        if let Some(want) = published_ll {
            assert!(
                (ll - want).abs() < PUBLISHED_LL,
                "{source}: LL {ll} vs {want}"
            );
        }
    }
}

/// Largest relative difference between the MAP (weak priors, the default)
/// and MLE parameters on the 2,357-customer golden data: the prior's pull is
/// fixed while the likelihood grows with n (src/models/fit.rs).
const MAP_MLE_PARAMETER: f64 = 0.025;
/// The same for predictions (expected purchases of a new customer in 52
/// weeks, mean P(alive)).
const MAP_MLE_PREDICTION: f64 = 0.005;

#[test]
fn map_and_mle_agree_on_the_large_golden_data() {
    let rows = weekly().0;
    let data = RfmData::new(&rows).unwrap();
    for kind in [ModelKind::BgNbd, ModelKind::MbgNbd, ModelKind::ParetoNbd] {
        let map = kind
            .fit_purchase_model(&data, &FitOptions::default())
            .unwrap();
        let mle = kind.fit_purchase_model(&data, &FitOptions::mle()).unwrap();
        assert_eq!(map.prior(), Prior::Weak);
        assert_eq!(mle.prior(), Prior::None);
        let mut diff = MaxDiff::default();
        for ((name, got), (_, want)) in map.params().iter().zip(mle.params().iter()) {
            diff.check(got, want, MAP_MLE_PARAMETER, name);
        }
        let mut predictions = MaxDiff::default();
        predictions.check(
            map.model().expected_purchases_new(52.0),
            mle.model().expected_purchases_new(52.0),
            MAP_MLE_PREDICTION,
            "expected_purchases_new(52)",
        );
        let mean =
            |m: &dyn PurchaseModel| m.p_alive_all(&data).iter().sum::<f64>() / rows.len() as f64;
        predictions.check(
            mean(map.model().as_ref()),
            mean(mle.model().as_ref()),
            MAP_MLE_PREDICTION,
            "mean p_alive",
        );
        assert!(map.log_likelihood() <= mle.log_likelihood() + MAXIMUM_SLACK);
        eprintln!(
            "{}: MAP vs MLE parameters {:.1e}, predictions {:.1e}, LL {:.3}",
            kind.name(),
            diff.0,
            predictions.0,
            map.log_likelihood() - mle.log_likelihood()
        );
    }
}
