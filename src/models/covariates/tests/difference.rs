//! [`CovariateReport::value_difference`]: its delta-method variance against
//! an independent numerical one, and its values against the groups' own.

use super::*;

/// Relative agreement of the variance with the check below. Both take the
/// purchase gradient by central differences, at steps `1e-5` and `1e-4`
/// (truncation error `O(h²)` of the third derivatives, about `1e-8`
/// relative; rounding `ε/h`, about `1e-11`); the spend gradient is exact in
/// one and numerical in the other. Observed at most 3.7e-9 (seed 7, the
/// three models, four pairs each).
const NUMERIC_VARIANCE: f64 = 1e-6;

/// Relative agreement of the two values with [`GroupEffect::expected_value`]:
/// the same products of the same numbers.
const SAME_VALUE: f64 = 1e-14;

/// Var(f) for `f(purchase theta ++ spend theta)` with the block-diagonal
/// covariance of the two independent fits, the whole gradient by central
/// differences with step `1e-4`: none of the code of `value_difference`.
fn numeric_variance(report: &CovariateReport, from: usize, to: usize) -> f64 {
    let fits = &report.fits;
    let spend = fits.spend.as_ref().unwrap();
    let (theta, spend_theta) = (&fits.purchase.theta, &spend.theta);
    let cov = fits.purchase.covariance.as_ref().unwrap();
    let spend_cov = spend.covariance.as_ref().unwrap();
    let (dp, ds) = (theta.len(), spend_theta.len());
    let link = match fits.model {
        CovariateModel::ParetoNbd => &PARETO,
        _ => &BGNBD,
    };
    let value = |x: &[f64], g: usize| -> f64 {
        let p = group_params(&x[..dp], 4, fits.groups, link, g);
        let e = match fits.model {
            CovariateModel::BgNbd => BgNbd::new(p[0], p[1], p[2], p[3])
                .unwrap()
                .expected_purchases_new(fits.horizon),
            CovariateModel::MbgNbd => MbgNbd::new(p[0], p[1], p[2], p[3])
                .unwrap()
                .expected_purchases_new(fits.horizon),
            CovariateModel::ParetoNbd => ParetoNbd::new(p[0], p[1], p[2], p[3])
                .unwrap()
                .expected_purchases_new(fits.horizon),
        };
        let s = group_params(&x[dp..], 3, fits.groups, &GAMMA_GAMMA, g);
        e * s[0] * s[2] / (s[1] - 1.0)
    };
    let f = |x: &[f64]| value(x, to) - value(x, from);
    let x: Vec<f64> = theta.iter().chain(spend_theta).copied().collect();
    let h = 1e-4;
    let gradient: Vec<f64> = (0..x.len())
        .map(|i| {
            let (mut up, mut down) = (x.clone(), x.clone());
            up[i] += h;
            down[i] -= h;
            (f(&up) - f(&down)) / (2.0 * h)
        })
        .collect();
    let mut total = 0.0;
    for i in 0..x.len() {
        for j in 0..x.len() {
            let c = match (i < dp, j < dp) {
                (true, true) => cov[i * dp + j],
                (false, false) => spend_cov[(i - dp) * ds + (j - dp)],
                _ => 0.0,
            };
            total += gradient[i] * c * gradient[j];
        }
    }
    total
}

fn pareto(purchase: f64, dropout: f64) -> Process {
    Process::ParetoNbd {
        r: 0.8,
        alpha: 6.0 * (-purchase).exp(),
        s: 0.6,
        beta: 30.0 * (-dropout).exp(),
    }
}

/// Three groups per model, every ordered pair of them.
#[test]
fn the_variance_matches_a_numerical_delta_method() {
    let spend = |factor: f64| SpendProcess {
        gamma: SPEND.gamma * factor,
        ..SPEND
    };
    let mbg = |purchase: f64, a: f64| Process::MbgNbd {
        r: BG.0,
        alpha: BG.1 * (-purchase).exp(),
        a: BG.2 * a.exp(),
        b: BG.3,
    };
    let cases: [(CovariateModel, [Process; 3]); 3] = [
        (
            CovariateModel::BgNbd,
            [
                bgnbd(0.0, 0.0, 0.0),
                bgnbd(0.4, -0.3, 0.2),
                bgnbd(-0.3, 0.4, 0.0),
            ],
        ),
        (
            CovariateModel::MbgNbd,
            [mbg(0.0, 0.0), mbg(0.4, -0.3), mbg(-0.3, 0.4)],
        ),
        (
            CovariateModel::ParetoNbd,
            [pareto(0.0, 0.0), pareto(0.4, -0.4), pareto(-0.3, 0.5)],
        ),
    ];
    for (model, processes) in cases {
        let (summary, labels) = shop(
            &[
                (processes[0], spend(1.0), 300),
                (processes[1], spend(1.3), 250),
                (processes[2], spend(0.8), 200),
            ],
            7,
        );
        let options = CovariateOptions {
            model,
            ..CovariateOptions::default()
        };
        let report = covariate_effects(&summary, &labels_of(&labels), &options).unwrap();
        for (from, to) in [(0, 1), (1, 0), (1, 2), (2, 0)] {
            let d = report.value_difference(from, to).unwrap();
            let variance = d.variance.unwrap();
            let check = numeric_variance(&report, from, to);
            assert!(
                (variance - check).abs() <= NUMERIC_VARIANCE * check,
                "{model:?} {from}->{to}: {variance} vs numerical {check}"
            );
            for (value, g) in [(d.from_value, from), (d.to_value, to)] {
                let own = report.groups[g].expected_value.unwrap().value;
                assert!(
                    (value - own).abs() <= SAME_VALUE * own,
                    "{model:?} group {g}: {value} vs {own}"
                );
            }
            assert_eq!(d.difference, d.to_value - d.from_value);
        }
        assert!(report.value_difference(0, 3).is_none());
    }
}

/// The difference's variance uses the cross terms: for the baseline and a
/// group sharing its base parameters, `Var(v_B − v_A)` is less than
/// `Var(v_A) + Var(v_B)` from the groups' own intervals (their errors in the
/// base parameters are positively correlated and cancel).
#[test]
fn shared_base_parameters_cancel_in_the_difference() {
    let (summary, labels) = shop(
        &[
            (bgnbd(0.0, 0.0, 0.0), SPEND, 400),
            (bgnbd(0.3, 0.0, 0.0), SPEND, 400),
        ],
        5,
    );
    let report =
        covariate_effects(&summary, &labels_of(&labels), &CovariateOptions::default()).unwrap();
    let d = report.value_difference(0, 1).unwrap();
    let z = z_for(report.level);
    // Var(v) from the group's own log-scale interval: (v · ln(high/v)/z)².
    let own = |g: usize| {
        let e = report.groups[g].expected_value.unwrap();
        (e.value * (e.high.unwrap() / e.value).ln() / z).powi(2)
    };
    assert!(
        d.variance.unwrap() < own(0) + own(1),
        "{:?} vs {} + {}",
        d.variance,
        own(0),
        own(1)
    );
}
