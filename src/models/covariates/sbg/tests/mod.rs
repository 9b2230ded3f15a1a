//! The sBG with a covariate: equal to the plain sBG with one group,
//! simulate-and-recover coverage of its 90% intervals, a uniform
//! likelihood-ratio p-value under no effect, small groups flagged.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution};

use super::*;

/// Relative agreement of a one-group fit with the plain fit: both run BFGS
/// to the gradient tolerance 1e-7 on the same objective (as the purchase
/// models' `SAME_FIT`).
const SAME_FIT: f64 = 1e-4;

/// Absolute agreement of the two fits' log-likelihoods (nats).
const SAME_LL: f64 = 1e-6;

/// Agreement of the fitted log-likelihood with the sum of 1,612 closed-form
/// terms (nats): the recursion and the beta functions differ by rounding.
const SUM_OF_LOGS: f64 = 1e-8;

/// Periods a simulated subscriber can be observed: each one's observation
/// window is uniform on `1..=WINDOW` renewals (staggered starts).
const WINDOW: u32 = 12;

/// `n` subscribers of one group whose churn probability per period is
/// `θ ~ Beta(alpha, beta)`: each renews with probability `1 − θ` until it
/// churns (geometric lifetime, at least one period) or its window ends
/// (censored).
fn simulate(alpha: f64, beta: f64, n: usize, rng: &mut StdRng) -> Vec<Lifetime> {
    let theta = Beta::new(alpha, beta).unwrap();
    (0..n)
        .map(|_| {
            let th: f64 = theta.sample(rng);
            let window = rng.random_range(1..=WINDOW);
            for t in 1..=window {
                if rng.random::<f64>() < th {
                    return Lifetime {
                        periods: t,
                        churned: true,
                    };
                }
            }
            Lifetime {
                periods: window,
                churned: false,
            }
        })
        .collect()
}

/// A shop of groups `(alpha, beta, subscribers)` named `g0, g1, …`.
fn shop(groups: &[(f64, f64, usize)], seed: u64) -> (Vec<Lifetime>, Vec<String>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut lifetimes = Vec::new();
    let mut labels = Vec::new();
    for (g, &(alpha, beta, n)) in groups.iter().enumerate() {
        lifetimes.extend(simulate(alpha, beta, n, &mut rng));
        labels.extend(std::iter::repeat_n(format!("g{g}"), n));
    }
    (lifetimes, labels)
}

fn labels_of(labels: &[String]) -> Vec<Option<&str>> {
    labels.iter().map(|l| Some(l.as_str())).collect()
}

/// With one group there is no coefficient: the fit is the plain sBG's
/// (source of the expected values: [`ShiftedBetaGeometric::fit`] on the same
/// lifetimes).
#[test]
fn one_group_is_the_plain_fit() {
    let (lifetimes, labels) = shop(&[(0.8, 2.5, 600)], 7);
    let report = sbg_covariate_effects(
        &lifetimes,
        &labels_of(&labels),
        &SbgCovariateOptions::default(),
    )
    .unwrap();
    let whole = survival_data(&lifetimes, &vec![0; lifetimes.len()], 1)
        .unwrap()
        .pop()
        .unwrap();
    let plain = ShiftedBetaGeometric::fit(&whole, &FitOptions::default()).unwrap();
    let m = plain.model();
    let p: Vec<f64> = report.params.iter().map(|(_, v)| v).collect();
    for (got, want, name) in [(p[0], m.alpha(), "alpha"), (p[1], m.beta(), "beta")] {
        assert!(
            (got / want - 1.0).abs() < SAME_FIT,
            "{name}: {got} vs {want}"
        );
    }
    assert!((report.log_likelihood - plain.log_likelihood()).abs() < SAME_LL);
    assert!(report.coefficients.is_empty());
    assert_eq!(report.lr_test.df, 0);
    assert_eq!(report.lr_test.p_value, 1.0);
    let g = &report.groups[0];
    assert!(g.baseline && g.churn_multiplier.value == 1.0);
    // The group's numbers are the plain model's.
    let first = m.churn_probability(1);
    assert!((g.first_churn.value / first - 1.0).abs() < SAME_FIT);
    let expected = m.expected_periods_within(36);
    assert!((g.expected_periods.value / expected - 1.0).abs() < SAME_FIT);
    let (low, high) = (g.first_churn.low.unwrap(), g.first_churn.high.unwrap());
    assert!(low < first && first < high);
}

/// The truth of the coverage runs: baseline `α = 1.2, β = 3` and a second
/// group with `γ_α = 0.5, γ_β = −0.4` (first churn 0.29 against 0.57).
const BASE: (f64, f64) = (1.2, 3.0);
const GAMMA_ALPHA: f64 = 0.5;
const GAMMA_BETA: f64 = -0.4;

/// Over `replications` simulated two-group shops, the share of 90%
/// intervals that hold the truth: of the coefficients, and of each group's
/// first churn. Returns `(coefficient share, first-churn share, intervals
/// of each kind)`.
fn coverage(replications: u64, per_group: usize) -> (f64, f64, usize) {
    let (alpha, beta) = BASE;
    let second = (alpha * GAMMA_ALPHA.exp(), beta * GAMMA_BETA.exp());
    let truth = [("alpha", GAMMA_ALPHA), ("beta", GAMMA_BETA)];
    let churn = [alpha / (alpha + beta), second.0 / (second.0 + second.1)];
    let (mut covered, mut churn_covered, mut total) = (0, 0, 0);
    for seed in 0..replications {
        let (lifetimes, labels) = shop(
            &[(alpha, beta, per_group), (second.0, second.1, per_group)],
            2000 + seed,
        );
        let report = sbg_covariate_effects(
            &lifetimes,
            &labels_of(&labels),
            &SbgCovariateOptions::default(),
        )
        .unwrap();
        for (effect, value) in truth {
            let c = report
                .coefficients
                .iter()
                .find(|c| c.effect == effect)
                .unwrap();
            // Equal groups: the baseline is g0 (ties go to the name).
            assert_eq!(report.groups[c.group].name.as_deref(), Some("g1"));
            covered += usize::from(c.low.unwrap() <= value && value <= c.high.unwrap());
            total += 1;
        }
        for (g, value) in report.groups.iter().zip(churn) {
            let e = g.first_churn;
            churn_covered += usize::from(e.low.unwrap() <= value && value <= e.high.unwrap());
        }
    }
    (
        covered as f64 / total as f64,
        churn_covered as f64 / total as f64,
        total,
    )
}

/// The 90% intervals cover the truth at close to 90%: over 300 shops of
/// 2 × 400 subscribers (600 coefficient intervals, 600 first-churn
/// intervals) each share lies within 3.5 binomial sd of 0.9 (sd
/// `sqrt(0.09/600) = 0.012`; one shop's intervals are correlated, hence
/// 3.5 rather than 3, as the purchase models' coverage test).
#[test]
fn intervals_cover_the_truth() {
    let (share, churn, n) = coverage(300, 400);
    eprintln!("coverage: coefficients {share}, first churn {churn}, over {n} intervals each");
    let sd = (0.9 * 0.1 / n as f64).sqrt();
    for (what, s) in [("coefficients", share), ("first churn", churn)] {
        assert!((s - 0.9).abs() <= 3.5 * sd, "{what}: {s} over {n}");
    }
}

/// The long version: 1,000 shops (`cargo test --lib covariates::sbg --
/// --ignored`), within 3 binomial sd (it gave 0.902 for the coefficients
/// and 0.889 for the first churn over 2,000 intervals each).
#[test]
#[ignore]
fn intervals_cover_the_truth_long() {
    let (share, churn, n) = coverage(1000, 400);
    eprintln!("coverage: coefficients {share}, first churn {churn}, over {n} intervals each");
    let sd = (0.9 * 0.1 / n as f64).sqrt();
    for (what, s) in [("coefficients", share), ("first churn", churn)] {
        assert!((s - 0.9).abs() <= 3.0 * sd, "{what}: {s} over {n}");
    }
}

/// Under no effect the likelihood-ratio p-value is uniform: over 100
/// three-group shops the share below 0.1 is within 3 binomial sd of 0.1
/// (sd 0.03) and the share below 0.5 within 3 sd of 0.5 (sd 0.05).
#[test]
fn lr_test_is_uniform_under_no_effect() {
    let replications = 100;
    let (alpha, beta) = BASE;
    let mut p_values = Vec::new();
    for seed in 0..replications {
        let (lifetimes, labels) = shop(
            &[(alpha, beta, 300), (alpha, beta, 200), (alpha, beta, 150)],
            6000 + seed,
        );
        let report = sbg_covariate_effects(
            &lifetimes,
            &labels_of(&labels),
            &SbgCovariateOptions::default(),
        )
        .unwrap();
        assert_eq!(report.lr_test.df, 4);
        p_values.push(report.lr_test.p_value);
    }
    let n = replications as f64;
    for level in [0.1, 0.5] {
        let share = p_values.iter().filter(|p| **p < level).count() as f64 / n;
        let sd = (level * (1.0 - level) / n).sqrt();
        eprintln!("share of p-values below {level}: {share}");
        assert!(
            (share - level).abs() <= 3.0 * sd,
            "share below {level}: {share} ({p_values:?})"
        );
    }
}

/// A group that churns sooner has a churn multiplier above 1, fewer
/// expected periods and a small LR p-value; a tiny group is flagged.
#[test]
fn effects_point_the_right_way_and_small_groups_are_flagged() {
    let (alpha, beta) = BASE;
    let second = (alpha * GAMMA_ALPHA.exp(), beta * GAMMA_BETA.exp());
    let (lifetimes, labels) = shop(
        &[
            (alpha, beta, 800),
            (second.0, second.1, 800),
            (alpha, beta, 12),
        ],
        99,
    );
    let report = sbg_covariate_effects(
        &lifetimes,
        &labels_of(&labels),
        &SbgCovariateOptions::default(),
    )
    .unwrap();
    assert_eq!(report.baseline.as_deref(), Some("g0"));
    let g1 = report
        .groups
        .iter()
        .find(|g| g.name.as_deref() == Some("g1"))
        .unwrap();
    assert!(g1.churn_multiplier.low.unwrap() > 1.0, "{g1:?}");
    assert!(g1.expected_periods.value < report.groups[0].expected_periods.value);
    assert!(report.lr_test.p_value < 1e-6, "{:?}", report.lr_test);
    // The log-likelihood is the sum over groups of each group's churned
    // `ln P(T = t)` and censored `ln S(t)` at its own parameters (Fader &
    // Hardie 2007, eqs. 5–7, by `churn_probability` and `survival`).
    let mut by_hand = 0.0;
    for (l, label) in lifetimes.iter().zip(&labels) {
        let g = report
            .groups
            .iter()
            .find(|g| g.name.as_ref() == Some(label))
            .unwrap();
        let p: Vec<f64> = g.params.iter().map(|(_, v)| v).collect();
        let m = ShiftedBetaGeometric::new(p[0], p[1]).unwrap();
        by_hand += if l.churned {
            m.churn_probability(l.periods).ln()
        } else {
            m.survival(l.periods).ln()
        };
    }
    assert!(
        (report.log_likelihood - by_hand).abs() < SUM_OF_LOGS,
        "{} vs {by_hand}",
        report.log_likelihood
    );
    let g2 = report
        .groups
        .iter()
        .find(|g| g.name.as_deref() == Some("g2"))
        .unwrap();
    assert!(g2.small && !g1.small);
    assert!(report
        .diagnostics
        .iter()
        .any(|d| d.code == DiagnosticCode::CovariateGroupSmall));
}

#[test]
fn bad_input_is_refused() {
    let churned_at_zero = [Lifetime {
        periods: 0,
        churned: true,
    }];
    let options = SbgCovariateOptions::default();
    assert!(sbg_covariate_effects(&churned_at_zero, &[None], &options).is_err());
    let one = [Lifetime {
        periods: 2,
        churned: true,
    }];
    assert!(sbg_covariate_effects(&one, &[], &options).is_err());
    let bad_level = SbgCovariateOptions {
        level: 1.0,
        ..SbgCovariateOptions::default()
    };
    assert!(sbg_covariate_effects(&one, &[None], &bad_level).is_err());
    // Nobody churned: the plain sBG's error.
    let censored = [Lifetime {
        periods: 3,
        churned: false,
    }];
    let err = sbg_covariate_effects(&censored, &[Some("a")], &options)
        .unwrap_err()
        .to_string();
    assert!(err.contains("nobody churned"), "{err}");
}

/// Relative agreement with PyMC-Marketing's log-density: the same closed
/// forms summed in another order.
const SAME_AS_PYMC: f64 = 1e-10;

/// The log-likelihood at fixed parameters equals PyMC-Marketing 0.19.2's
/// `ShiftedBetaGeoModel` with dropout covariates
/// (`scripts/golden_sbg_covariates.py`), whose coefficients enter as
/// `exp(−x·c)`: ltvlab's `γ` is `−c`. The groups are grouped as the fit
/// groups them (the largest, "web", the baseline), and each lifetime is
/// valued at its group's parameters by this module's own link.
#[test]
fn log_likelihood_matches_pymc_marketing() {
    let golden: serde_json::Value = serde_json::from_str(include_str!(
        "../../../../../tests/fixtures/models/golden_sbg_covariates.json"
    ))
    .unwrap();
    let lifetimes: Vec<(Lifetime, String)> = golden["lifetimes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let lifetime = Lifetime {
                periods: l[0].as_u64().unwrap() as u32,
                churned: l[1].as_bool().unwrap(),
            };
            (lifetime, l[2].as_str().unwrap().to_owned())
        })
        .collect();
    let labels: Vec<Option<&str>> = lifetimes.iter().map(|(_, g)| Some(g.as_str())).collect();
    let grouping = Grouping::new(&labels, 20);
    let names: Vec<Option<&str>> = grouping.groups.iter().map(|g| g.label.as_deref()).collect();
    assert_eq!(names, [Some("web"), Some("instagram"), Some("coupon")]);
    let number = |v: &serde_json::Value| v.as_f64().unwrap();
    let points = golden["points"].as_array().unwrap();
    assert_eq!(points.len(), 3);
    for point in points {
        // theta: ln α, ln β, then γ_α and γ_β of instagram and coupon.
        let mut theta = vec![number(&point["alpha"]).ln(), number(&point["beta"]).ln()];
        for effect in ["coefficient_alpha", "coefficient_beta"] {
            theta.extend(point[effect].as_array().unwrap().iter().map(|c| -number(c)));
        }
        let mut ll = 0.0;
        for ((lifetime, _), &g) in lifetimes.iter().zip(&grouping.of) {
            let p = group_params(&theta, 2, 3, &SBG, g);
            let model = ShiftedBetaGeometric::new(p[0], p[1]).unwrap();
            ll += if lifetime.churned {
                model.churn_probability(lifetime.periods).ln()
            } else {
                model.survival(lifetime.periods).ln()
            };
        }
        let want = number(&point["log_likelihood"]);
        assert!(
            (ll - want).abs() <= SAME_AS_PYMC * want.abs(),
            "{point}: {ll} vs {want}"
        );
    }
}
