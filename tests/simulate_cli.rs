//! `ltvlab simulate --formula` and the lever parsing, as a user runs them.

mod common;
use common::ltvlab;

#[test]
fn formula_mode_prints_json_without_a_file() {
    let out = ltvlab(&[
        "simulate",
        "--formula",
        "--aov",
        "5000",
        "--frequency",
        "3",
        "--churn",
        "0.4",
        "--margin",
        "0.3",
        "--cac",
        "3000",
        "--retention-lift",
        "+5pt",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["baseline_inputs"]["aov"], 5000.0);
    assert!((v["scenario_inputs"]["churn"].as_f64().unwrap() - 0.35).abs() < 1e-12);
    assert!(v["scenario"]["ltv"].as_f64().unwrap() > v["baseline"]["ltv"].as_f64().unwrap());
    assert_eq!(v["sensitivity"].as_array().unwrap().len(), 4);
    // +5 pt of retention is 5 points of 12-month survival: 60 % → 65 %,
    // beside the textbook whole-lifetime 5000 · 3 · 0.3 / 0.4 = 11,250.
    let survival = |side: &str| v[side]["survival_12_months"].as_f64().unwrap();
    assert!((survival("baseline") - 0.6).abs() < 1e-12);
    assert!((survival("scenario") - survival("baseline") - 0.05).abs() < 1e-12);
    assert!((v["baseline"]["lifetime_ltv"].as_f64().unwrap() - 11_250.0).abs() < 1e-9);
}

#[test]
fn bad_levers_are_one_error_line() {
    let cases = [
        (
            vec!["simulate", "--formula", "--churn", "abc"],
            "error: invalid option: churn \"abc\" must be a share like +10% or 0.1\n",
        ),
        (
            vec!["simulate"],
            "error: invalid option: simulate needs a file, or --formula\n",
        ),
        (
            vec!["simulate", "--formula", "--churn", "1.5"],
            "error: invalid option: churn must be between 0 and 1, got 1.5\n",
        ),
        // Issue #13: this exited 0 with `ltv: null`.
        (
            vec![
                "simulate",
                "--formula",
                "--aov",
                "1e308",
                "--frequency",
                "1e308",
            ],
            "error: invalid option: aov must be a number between 0 and 1e12, got 1e308\n",
        ),
        (
            vec!["simulate", "--formula", "--frequency", "1e308"],
            "error: invalid option: purchases per year must be a number between 0 and 1e5, got 1e308\n",
        ),
        (
            vec!["simulate", "--formula", "--aov-lift", "+1e5"],
            "error: invalid option: aov change must be above -1 (-100 %) and at most 1000 (+100,000 %), got 100000\n",
        ),
    ];
    for (args, want) in cases {
        let out = ltvlab(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), want, "{args:?}");
    }
}
