//! Cross-model tests: simulate-and-recover, edge cases, golden values.

mod golden;
pub(super) mod sim;

use super::*;
use sim::{Process, SpendProcess};

/// Spend parameters used when only purchases matter.
const SPEND: SpendProcess = SpendProcess {
    p: 6.25,
    q: 3.74,
    gamma: 15.44,
};

/// How many standard errors an estimate may be from the truth in
/// simulate-and-recover tests (a 4σ miss has probability ~6e-5 per parameter).
const RECOVERY_SIGMAS: f64 = 4.0;

fn rfm_rows(customers: &[sim::Customer]) -> Vec<Rfm> {
    customers
        .iter()
        .map(|c| Rfm::new(c.frequency, c.recency, c.t).unwrap())
        .collect()
}

/// Asserts that each fitted parameter is within [`RECOVERY_SIGMAS`] standard
/// errors of the truth and that the fit converged.
fn assert_recovers<M>(fit: &Fit<M>, truth: &[(&str, f64)]) {
    assert!(
        fit.converged(),
        "{} did not converge: {:?}",
        fit.name(),
        fit.diagnostics()
    );
    let se = fit
        .standard_errors()
        .unwrap_or_else(|| panic!("no standard errors: {:?}", fit.standard_errors_note()));
    for &(name, want) in truth {
        let got = fit.params().get(name).unwrap();
        let sigma = se.get(name).unwrap();
        assert!(
            (got - want).abs() <= RECOVERY_SIGMAS * sigma,
            "{} {name}: fitted {got} ± {sigma}, truth {want}",
            fit.name()
        );
    }
}

#[test]
fn bgnbd_recovers_simulated_parameters() {
    let truth = [("r", 0.243), ("alpha", 4.414), ("a", 0.793), ("b", 2.426)];
    let process = Process::BgNbd {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };
    let customers = sim::purchases(process, SPEND, 10_000, 27.0, 39.0, 1);
    let data = RfmData::new(&rfm_rows(&customers)).unwrap();
    let fit = BgNbd::fit(&data, &FitOptions::default()).unwrap();
    eprintln!("{}", serde_json::to_string(&fit).unwrap());
    assert_recovers(&fit, &truth);
    let m = fit.model();
    // The fitted log-likelihood is the model's own.
    assert!((m.log_likelihood(&data) - fit.log_likelihood()).abs() < 1e-6);
    assert!((fit.aic() - (8.0 - 2.0 * fit.log_likelihood())).abs() < 1e-9);
}

#[test]
fn mbgnbd_recovers_simulated_parameters() {
    let truth = [("r", 0.525), ("alpha", 6.183), ("a", 0.891), ("b", 1.614)];
    let process = Process::MbgNbd {
        r: 0.525,
        alpha: 6.183,
        a: 0.891,
        b: 1.614,
    };
    let customers = sim::purchases(process, SPEND, 10_000, 27.0, 39.0, 2);
    let data = RfmData::new(&rfm_rows(&customers)).unwrap();
    let fit = MbgNbd::fit(&data, &FitOptions::default()).unwrap();
    assert_recovers(&fit, &truth);
}

#[test]
fn pareto_nbd_recovers_simulated_parameters() {
    let truth = [
        ("r", 0.553),
        ("alpha", 10.578),
        ("s", 0.606),
        ("beta", 11.669),
    ];
    let process = Process::ParetoNbd {
        r: 0.553,
        alpha: 10.578,
        s: 0.606,
        beta: 11.669,
    };
    let customers = sim::purchases(process, SPEND, 5_000, 27.0, 39.0, 4);
    let data = RfmData::new(&rfm_rows(&customers)).unwrap();
    let fit = ParetoNbd::fit(&data, &FitOptions::default()).unwrap();
    eprintln!("{}", serde_json::to_string(&fit).unwrap());
    assert_recovers(&fit, &truth);
}

#[test]
fn models_are_chosen_by_name() {
    for kind in ModelKind::ALL {
        let parsed: ModelKind = kind.name().parse().unwrap();
        assert_eq!(parsed, kind);
        assert_eq!(
            serde_json::to_string(&kind).unwrap(),
            format!("\"{}\"", kind.name())
        );
    }
    assert_eq!(
        "Pareto/NBD".parse::<ModelKind>().unwrap(),
        ModelKind::ParetoNbd
    );
    let err = "weibull".parse::<ModelKind>().unwrap_err().to_string();
    assert_eq!(
        err,
        "invalid option: unknown model \"weibull\"; choose bgnbd, mbgnbd, pareto, gammagamma, bgbb or sbg"
    );
    let process = Process::BgNbd {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };
    let data = RfmData::new(&rfm_rows(&sim::purchases(
        process, SPEND, 500, 27.0, 39.0, 5,
    )))
    .unwrap();
    for kind in [ModelKind::BgNbd, ModelKind::MbgNbd, ModelKind::ParetoNbd] {
        let fit = kind
            .fit_purchase_model(&data, &FitOptions::default())
            .unwrap();
        assert_eq!(fit.name(), kind.name());
        assert_eq!(fit.model().name(), kind.name());
        let names: Vec<&str> = fit.params().iter().map(|p| p.0).collect();
        assert_eq!(names, kind.param_names());
    }
    assert!(ModelKind::GammaGamma
        .fit_purchase_model(&data, &FitOptions::default())
        .is_err());
}

#[test]
fn gamma_gamma_recovers_simulated_parameters() {
    let truth = [("p", SPEND.p), ("q", SPEND.q), ("gamma", SPEND.gamma)];
    let process = Process::BgNbd {
        r: 2.0,
        alpha: 4.0,
        a: 0.8,
        b: 2.4,
    };
    let customers = sim::purchases(process, SPEND, 10_000, 27.0, 39.0, 3);
    let spend: Vec<Spend> = customers
        .iter()
        .map(|c| Spend::new(c.frequency, c.monetary_value).unwrap())
        .collect();
    let fit = GammaGamma::fit(&spend, &FitOptions::default()).unwrap();
    assert_recovers(&fit, &truth);
    assert_eq!(
        fit.n(),
        customers.iter().filter(|c| c.frequency > 0.0).count() as f64
    );
}

#[test]
fn bgbb_recovers_simulated_parameters() {
    let truth = [
        ("alpha", 1.204),
        ("beta", 0.750),
        ("gamma", 0.657),
        ("delta", 2.783),
    ];
    let rows: Vec<DiscreteRfm> = sim::bgbb(1.204, 0.750, 0.657, 2.783, 6, 11_104, 6)
        .into_iter()
        .map(|(x, tx, n)| DiscreteRfm::new(x, tx, n).unwrap())
        .collect();
    let data = DiscreteRfmData::new(&rows).unwrap();
    let fit = BgBb::fit(&data, &FitOptions::default()).unwrap();
    assert_recovers(&fit, &truth);
}

#[test]
fn sbg_recovers_simulated_parameters() {
    let truth = [("alpha", 0.668), ("beta", 3.806)];
    let active = sim::sbg(0.668, 3.806, 20_000, 10, 7);
    let fit =
        ShiftedBetaGeometric::fit(&SurvivalData::new(&active).unwrap(), &FitOptions::default())
            .unwrap();
    assert_recovers(&fit, &truth);
}

#[test]
fn gamma_gamma_refuses_heavy_tailed_spend() {
    // Spend rates ν ~ Gamma(q = 0.7): the mean spend pγ/(q-1) does not exist.
    let heavy = SpendProcess {
        p: 2.0,
        q: 0.7,
        gamma: 10.0,
    };
    let process = Process::BgNbd {
        r: 2.0,
        alpha: 4.0,
        a: 0.8,
        b: 2.4,
    };
    let spend: Vec<Spend> = sim::purchases(process, heavy, 5_000, 27.0, 39.0, 8)
        .iter()
        .map(|c| Spend::new(c.frequency, c.monetary_value).unwrap())
        .collect();
    let err = GammaGamma::fit(&spend, &FitOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("gammagamma: the fitted q = 0.")
            && err.ends_with("<= 1 makes the mean spend undefined: spend is too heavy-tailed for the gamma-gamma model"),
        "{err}"
    );
}

#[test]
fn purchase_models_refuse_data_without_repeaters() {
    let rows: Vec<Rfm> = (0..50)
        .map(|i| Rfm::new(0.0, 0.0, 10.0 + i as f64).unwrap())
        .collect();
    let data = RfmData::new(&rows).unwrap();
    let err = BgNbd::fit(&data, &FitOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "bgnbd: none of the 50 customers made a repeat purchase, so purchase rates and dropout cannot be estimated"
    );
}

#[test]
fn purchase_models_refuse_a_single_customer() {
    let data = RfmData::new(&[Rfm::new(3.0, 20.0, 30.0).unwrap()]).unwrap();
    let err = BgNbd::fit(&data, &FitOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "bgnbd: cannot fit 4 parameters on 1 customer; need more than 4"
    );
}

#[test]
fn hard_data_gives_finite_output() {
    // All T equal, T = 0 customers, and one customer with 10,000 purchases.
    let mut rows = vec![Rfm::new(0.0, 0.0, 0.0).unwrap(); 5];
    for i in 0..40 {
        let x = (i % 4) as f64;
        let recency = if x == 0.0 { 0.0 } else { 10.0 + i as f64 * 0.3 };
        rows.push(Rfm::new(x, recency, 30.0).unwrap());
    }
    rows.push(Rfm::new(10_000.0, 29.9, 30.0).unwrap());
    let data = RfmData::new(&rows).unwrap();
    for kind in [ModelKind::BgNbd, ModelKind::MbgNbd, ModelKind::ParetoNbd] {
        let fit = kind
            .fit_purchase_model(&data, &FitOptions::default())
            .unwrap();
        let json = serde_json::to_string(&fit).unwrap();
        assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
        assert!(
            fit.standard_errors().is_some() || fit.standard_errors_note().is_some(),
            "{json}"
        );
        for (_, value) in fit.params().iter() {
            assert!(value.is_finite() && value > 0.0, "{json}");
        }
        for v in [fit.log_likelihood(), fit.aic(), fit.bic()] {
            assert!(v.is_finite(), "{json}");
        }
        let m = fit.model();
        for c in &rows {
            for t in [0.0, 1.0, 30.0, 365.0, f64::INFINITY, -1.0, f64::NAN] {
                let e = m.expected_purchases(c, t);
                assert!(e.is_finite() && e >= 0.0, "{kind:?} {c:?} {t}: {e}");
            }
            let p = m.p_alive(c);
            assert!((0.0..=1.0).contains(&p), "{kind:?} {c:?}: {p}");
        }
        for n in [0, 1, 50, 10_000] {
            let p = m.p_purchases(n, 30.0);
            assert!((0.0..=1.0).contains(&p), "{kind:?} {n}: {p}");
        }
        assert!(m.expected_purchases_base(&data, 52.0).is_finite());
    }
}

#[test]
fn fit_serializes_params_as_a_map() {
    let rows: Vec<Rfm> = (0..30)
        .map(|i| {
            let x = (i % 3) as f64;
            Rfm::new(x, if x == 0.0 { 0.0 } else { 5.0 + i as f64 }, 40.0).unwrap()
        })
        .collect();
    let fit = BgNbd::fit(&RfmData::new(&rows).unwrap(), &FitOptions::default()).unwrap();
    let json: serde_json::Value = serde_json::to_value(&fit).unwrap();
    assert_eq!(json["model"], "bgnbd");
    let params = json["params"].as_object().unwrap();
    let names: Vec<&str> = params.keys().map(String::as_str).collect();
    assert_eq!(names.len(), 4);
    for name in ["r", "alpha", "a", "b"] {
        assert_eq!(params[name].as_f64(), fit.params().get(name));
    }
    for key in [
        "log_likelihood",
        "aic",
        "bic",
        "n",
        "iterations",
        "converged",
        "diagnostics",
        "standard_errors",
    ] {
        assert!(json.get(key).is_some(), "{key} missing: {json}");
    }
}

/// Writes the simulated inputs that `scripts/golden_models.py` fits with
/// lifetimes: `cargo test --lib models::tests::write_golden_inputs -- --ignored`.
#[test]
#[ignore = "regenerates committed fixtures"]
fn write_golden_inputs() {
    use std::fmt::Write;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models");
    std::fs::create_dir_all(&dir).unwrap();
    // CDNOW-sized, BG/NBD with the paper's CDNOW estimates, in weeks.
    let process = Process::BgNbd {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };
    let mut csv = String::from("frequency,recency,T,monetary_value\n");
    for c in sim::purchases(process, SPEND, 2357, 27.0, 39.0, 2005) {
        writeln!(
            csv,
            "{},{},{},{}",
            c.frequency, c.recency, c.t, c.monetary_value
        )
        .unwrap();
    }
    std::fs::write(dir.join("sim_weekly.csv"), csv).unwrap();
    let mut csv = String::from("frequency,recency,n\n");
    for (x, tx, n) in sim::bgbb(1.204, 0.750, 0.657, 2.783, 6, 3000, 2010) {
        writeln!(csv, "{x},{tx},{n}").unwrap();
    }
    std::fs::write(dir.join("sim_bgbb.csv"), csv).unwrap();
}
