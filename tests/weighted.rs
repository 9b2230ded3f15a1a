//! Weighted summaries (`ltvlab::weighted`): a summary whose rows stand for
//! many customers each fits and predicts as the same summary expanded to one
//! row per customer.
//!
//! Expected values come from the expanded summary itself, fitted and
//! predicted by the unweighted path (`RfmData::new`, `GammaGamma::fit`,
//! `predict::predict`): the weights must change nothing but the cost.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ltvlab::generate::{generate, GeneratorConfig};
use ltvlab::ingest::{ingest, IngestOptions};
use ltvlab::models::{FitOptions, GammaGamma, ModelKind, Rfm, RfmData, Spend};
use ltvlab::predict::{predict, PredictOptions};
use ltvlab::summary::{summarize, CustomerSummary, Summary, SummaryOptions};
use ltvlab::weighted::{predict_weighted, WeightedSummary};
use proptest::prelude::*;

mod common;
use common::ltvlab;

/// Relative tolerance between the weighted and the expanded results: the
/// same likelihood summed in another order (`w · ℓ` against `ℓ + … + ℓ`).
const SAME_FIT: f64 = 1e-9;

/// Relative tolerance between one likelihood summed two ways at the same
/// parameters (a few roundings per term).
const SAME_LIKELIHOOD: f64 = 1e-12;

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

/// A generated shop's daily summary (one row per customer).
fn shop_summary(customers: usize, seed: u64) -> Summary {
    let config = GeneratorConfig {
        customers,
        seed,
        ..GeneratorConfig::default()
    };
    let mut lines = Vec::new();
    generate(&config, &mut lines).unwrap();
    let data = ingest(&lines, &IngestOptions::default()).unwrap().data;
    summarize(&data, &SummaryOptions::default()).unwrap()
}

/// The summary's customers grouped by `(frequency, recency, T,
/// monetary_value)`, as docs/patterns.sql groups them, with their counts;
/// in order of first appearance.
fn patterns(summary: &Summary) -> WeightedSummary {
    let mut index: BTreeMap<[u64; 4], usize> = BTreeMap::new();
    let mut rows: Vec<CustomerSummary> = Vec::new();
    let mut weights: Vec<f64> = Vec::new();
    for c in &summary.customers {
        let key = [c.frequency, c.recency, c.t, c.monetary_value].map(f64::to_bits);
        match index.get(&key) {
            Some(&i) => weights[i] += 1.0,
            None => {
                index.insert(key, rows.len());
                rows.push(CustomerSummary {
                    customer_id: format!("pattern {}", rows.len() + 1),
                    first_purchase: None,
                    last_purchase: None,
                    orders: None,
                    total_spend: None,
                    email: None,
                    ..c.clone()
                });
                weights.push(1.0);
            }
        }
    }
    let grouped = Summary {
        customers: rows,
        ..summary.clone()
    };
    WeightedSummary::new(grouped, weights).unwrap()
}

/// The summary as a summary file gives it: without orders and spend, so
/// that both paths take the observed mean order value the same way.
fn as_summary_file(summary: &Summary) -> Summary {
    Summary {
        customers: summary
            .customers
            .iter()
            .map(|c| CustomerSummary {
                first_purchase: None,
                last_purchase: None,
                orders: None,
                total_spend: None,
                email: None,
                ..c.clone()
            })
            .collect(),
        ..summary.clone()
    }
}

fn rfm(c: &CustomerSummary) -> Rfm {
    Rfm::new(c.frequency, c.recency, c.t).unwrap()
}

#[test]
fn a_weighted_summary_fits_as_its_expanded_customers() {
    let summary = shop_summary(3000, 7);
    let weighted = patterns(&summary);
    assert!(
        weighted.summary().customers.len() < summary.customers.len(),
        "the shop has shared patterns"
    );
    assert_eq!(weighted.customers(), summary.customers.len() as f64);
    let expanded: Vec<Rfm> = summary.customers.iter().map(rfm).collect();
    let expanded = RfmData::new(&expanded).unwrap();
    let data = weighted.rfm_data().unwrap();
    assert_eq!(data.customers(), expanded.customers());
    for kind in [ModelKind::BgNbd, ModelKind::MbgNbd, ModelKind::ParetoNbd] {
        let want = kind
            .fit_purchase_model(&expanded, &FitOptions::default())
            .unwrap();
        let got = kind
            .fit_purchase_model(&data, &FitOptions::default())
            .unwrap();
        assert!(
            close(got.log_likelihood(), want.log_likelihood(), SAME_FIT),
            "{kind:?} log-likelihood: {} vs {}",
            got.log_likelihood(),
            want.log_likelihood()
        );
        assert_eq!(got.n(), want.n(), "{kind:?}");
        for ((name, g), (_, w)) in got.params().iter().zip(want.params().iter()) {
            assert!(close(g, w, SAME_FIT), "{kind:?} {name}: {g} vs {w}");
        }
    }
    let spend: Vec<Spend> = summary
        .customers
        .iter()
        .filter(|c| c.frequency > 0.0)
        .map(|c| Spend::new(c.frequency, c.monetary_value).unwrap())
        .collect();
    let want = GammaGamma::fit(&spend, &FitOptions::default()).unwrap();
    let got =
        GammaGamma::fit_weighted(&weighted.spend_rows().unwrap(), &FitOptions::default()).unwrap();
    assert!(close(got.log_likelihood(), want.log_likelihood(), SAME_FIT));
    assert_eq!(got.n(), want.n());
    for ((name, g), (_, w)) in got.params().iter().zip(want.params().iter()) {
        assert!(close(g, w, SAME_FIT), "gammagamma {name}: {g} vs {w}");
    }
}

#[test]
fn weighted_predictions_and_totals_equal_the_expanded_ones() {
    let summary = as_summary_file(&shop_summary(2000, 11));
    let weighted = patterns(&summary);
    for model in [ModelKind::BgNbd, ModelKind::MbgNbd] {
        let options = PredictOptions {
            model,
            ..PredictOptions::default()
        };
        let want = predict(&summary, &options).unwrap();
        let got = predict_weighted(&weighted, &options).unwrap();
        let (w, g) = (&want.base, &got.base);
        assert_eq!(g.customers, w.customers, "{model:?}");
        assert_eq!(g.dropout_identified, w.dropout_identified, "{model:?}");
        for (what, a, b) in [
            (
                "expected purchases",
                g.expected_purchases,
                w.expected_purchases,
            ),
            ("expected revenue", g.expected_revenue, w.expected_revenue),
            ("total clv", g.total_clv, w.total_clv),
            ("mean clv", g.mean_clv, w.mean_clv),
            ("mean p_alive", g.mean_p_alive, w.mean_p_alive),
            (
                "new customer",
                g.expected_purchases_new_customer,
                w.expected_purchases_new_customer,
            ),
        ] {
            assert!(close(a, b, SAME_FIT), "{model:?} {what}: {a} vs {b}");
        }
        // Each customer's values are those of their pattern.
        let by_pattern: BTreeMap<[u64; 4], &ltvlab::weighted::PatternPrediction> = got
            .patterns
            .iter()
            .map(|p| {
                (
                    [p.frequency, p.recency, p.t, p.monetary_value].map(f64::to_bits),
                    p,
                )
            })
            .collect();
        for c in &want.customers {
            let p = by_pattern[&[c.frequency, c.recency, c.t, c.monetary_value].map(f64::to_bits)];
            for (what, a, b) in [
                ("p_alive", p.p_alive, c.p_alive),
                (
                    "expected purchases",
                    p.expected_purchases,
                    c.expected_purchases,
                ),
                (
                    "order value",
                    p.expected_order_value,
                    c.expected_order_value,
                ),
                ("clv", p.clv, c.clv),
            ] {
                assert!(
                    close(a, b, SAME_FIT),
                    "{model:?} {}: {what} {a} vs {b}",
                    c.customer_id
                );
            }
        }
    }
}

#[test]
fn weights_that_are_not_customer_counts_are_refused() {
    let summary = patterns(&shop_summary(200, 3));
    let n = summary.summary().customers.len();
    for (bad, shown) in [
        (0.0, "got 0"),
        (-2.0, "got -2"),
        (2.5, "got 2.5"),
        (f64::NAN, "got NaN"),
        (f64::INFINITY, "got inf"),
    ] {
        let mut weights = vec![1.0; n];
        weights[n - 1] = bad;
        let err = WeightedSummary::new(summary.summary().clone(), weights)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("row \"pattern {n}\"")) && err.contains(shown),
            "{bad}: {err}"
        );
    }
    let err = WeightedSummary::new(summary.summary().clone(), vec![1.0; n + 1])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("{} weights for {n} summary rows", n + 1)),
        "{err}"
    );
    let err = RfmData::with_weights(&[(Rfm::new(1.0, 1.0, 2.0).unwrap(), 0.0)])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("row 0: weight must be a finite number > 0, got 0"),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any small weighted summary is, to the models, its expansion: the
    /// purchase models see the same patterns, counts and customers, and
    /// Gamma-Gamma the same log-likelihood at any parameters. (Fits are
    /// compared on a real shop above: on a handful of customers the maximum
    /// is often a ridge, p → ∞, where two optimizer runs stop at different
    /// points of equal likelihood.)
    #[test]
    fn any_weighted_summary_is_its_expansion_to_the_models(
        rows in prop::collection::vec(
            (0u32..6, 0u32..40, 0u32..30, 1u32..60, 1u32..5),
            1..12,
        ),
        (p, q, gamma) in (0.1f64..20.0, 1.1f64..20.0, 0.1f64..100.0),
    ) {
        // (x, t_x, T − t_x, m, weight) into valid rows.
        let rows: Vec<(Rfm, f64, f64)> = rows
            .iter()
            .map(|&(x, tx, gap, m, w)| {
                let tx = if x == 0 { 0 } else { tx.max(1) };
                let t = f64::from(tx + gap + 1);
                (
                    Rfm::new(f64::from(x), f64::from(tx), t).unwrap(),
                    f64::from(m) * 1.25,
                    f64::from(w),
                )
            })
            .collect();
        let weighted: Vec<(Rfm, f64)> = rows.iter().map(|r| (r.0, r.2)).collect();
        let expanded: Vec<Rfm> = rows
            .iter()
            .flat_map(|r| std::iter::repeat_n(r.0, r.2 as usize))
            .collect();
        let got = RfmData::with_weights(&weighted).unwrap();
        let want = RfmData::new(&expanded).unwrap();
        prop_assert_eq!(got.customers(), want.customers());
        prop_assert_eq!(got.len(), rows.len());
        let got: Vec<(Rfm, f64)> = got.patterns().map(|(c, n)| (*c, n)).collect();
        let want: Vec<(Rfm, f64)> = want.patterns().map(|(c, n)| (*c, n)).collect();
        prop_assert_eq!(got, want);

        let spend_weighted: Vec<(Spend, f64)> = rows
            .iter()
            .filter(|r| r.0.frequency() > 0.0)
            .map(|r| (Spend::new(r.0.frequency(), r.1).unwrap(), r.2))
            .collect();
        prop_assume!(!spend_weighted.is_empty());
        let spend_expanded: Vec<Spend> = spend_weighted
            .iter()
            .flat_map(|(s, w)| std::iter::repeat_n(*s, *w as usize))
            .collect();
        let model = GammaGamma::new(p, q, gamma).unwrap();
        let got = model.log_likelihood_weighted(&spend_weighted).unwrap();
        let want = model.log_likelihood(&spend_expanded).unwrap();
        prop_assert!(close(got, want, SAME_LIKELIHOOD), "{} vs {}", got, want);
    }
}

// ---------------------------------------------------------------------------
// The CLI: `ltvlab fit` and `ltvlab predict` on a summary with a weight column.

/// Writes `text` to a fresh file under the target directory.
fn write(name: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("weighted");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A shop's summary file and the same as patterns with a `customers` column.
fn summary_files(tag: &str) -> (PathBuf, PathBuf) {
    let summary = shop_summary(1500, 13);
    let mut plain = String::from("customer_id,frequency,recency,T,monetary_value\n");
    for c in &summary.customers {
        plain.push_str(&format!(
            "{},{},{},{},{}\n",
            c.customer_id, c.frequency, c.recency, c.t, c.monetary_value
        ));
    }
    let weighted = patterns(&summary);
    let mut grouped = String::from("frequency,recency,T,monetary_value,customers\n");
    for (c, w) in weighted.summary().customers.iter().zip(weighted.weights()) {
        grouped.push_str(&format!(
            "{},{},{},{},{w}\n",
            c.frequency, c.recency, c.t, c.monetary_value
        ));
    }
    (
        write(&format!("{tag}-plain.csv"), &plain),
        write(&format!("{tag}-patterns.csv"), &grouped),
    )
}

fn json_of(args: &[&str]) -> serde_json::Value {
    let out = ltvlab(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn cli_fit_reads_a_customers_column() {
    let (plain, grouped) = summary_files("fit");
    for model in ["bgnbd", "pareto", "gammagamma"] {
        let args = |p: &PathBuf| {
            vec![
                "fit".to_owned(),
                p.display().to_string(),
                "--period".into(),
                "day".into(),
                "--model".into(),
                model.into(),
                "--json".into(),
            ]
        };
        let run = |p: &PathBuf| {
            let a = args(p);
            json_of(&a.iter().map(String::as_str).collect::<Vec<_>>())
        };
        let (want, got) = (run(&plain), run(&grouped));
        assert_eq!(got["n"], want["n"], "{model}");
        let ll = |v: &serde_json::Value| v["log_likelihood"].as_f64().unwrap();
        assert!(close(ll(&got), ll(&want), SAME_FIT), "{model}");
        for (name, w) in want["params"].as_object().unwrap() {
            let g = got["params"][name].as_f64().unwrap();
            assert!(close(g, w.as_f64().unwrap(), SAME_FIT), "{model} {name}");
        }
    }
}

#[test]
fn cli_predict_writes_one_row_per_pattern_and_the_weighted_totals() {
    let (plain, grouped) = summary_files("predict");
    let out = ltvlab(&[
        "predict",
        &grouped.display().to_string(),
        "--period",
        "day",
        "--model",
        "bgnbd",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("customer_id,frequency,recency,T,monetary_value,customers,p_alive,expected_purchases,expected_order_value,clv")
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').skip(1).map(|v| v.parse().unwrap()).collect())
        .collect();
    let grouped_rows = std::fs::read_to_string(&grouped).unwrap().lines().count() - 1;
    assert_eq!(rows.len(), grouped_rows);
    // The totals on stderr against the unweighted predict's per-customer rows.
    let stderr = String::from_utf8(out.stderr).unwrap();
    let total = |name: &str| -> f64 {
        let after = stderr.split(&format!("{name} ")).nth(1).unwrap();
        after.split([';', '\n']).next().unwrap().parse().unwrap()
    };
    let plain_out = ltvlab(&[
        "predict",
        &plain.display().to_string(),
        "--period",
        "day",
        "--model",
        "bgnbd",
    ]);
    assert!(plain_out.status.success());
    let plain_text = String::from_utf8(plain_out.stdout).unwrap();
    let mut plain_lines = plain_text.lines();
    let header: Vec<&str> = plain_lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (clv, purchases) = (col("clv"), col("expected_purchases"));
    let (mut total_clv, mut total_purchases, mut n) = (0.0, 0.0, 0.0);
    for l in plain_lines {
        let v: Vec<&str> = l.split(',').collect();
        total_clv += v[clv].parse::<f64>().unwrap();
        total_purchases += v[purchases].parse::<f64>().unwrap();
        n += 1.0;
    }
    assert!(
        stderr.contains(&format!("{n} customers in {grouped_rows} patterns")),
        "{stderr}"
    );
    assert!(close(total("total clv"), total_clv, SAME_FIT), "{stderr}");
    assert!(
        close(total("expected purchases"), total_purchases, SAME_FIT),
        "{stderr}"
    );
    // Σ customers × clv of the rows is the total too.
    let weighted_clv: f64 = rows.iter().map(|r| r[4] * r[8]).sum();
    assert!(close(weighted_clv, total_clv, SAME_FIT));
    // Per-customer options are refused with why, not dropped in silence.
    for option in ["--intervals", "--timing"] {
        let out = ltvlab(&[
            "predict",
            &grouped.display().to_string(),
            "--period",
            "day",
            option,
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && out.stdout.is_empty(),
            "{option}: {stderr}"
        );
        assert!(
            stderr.contains(&format!(
                "{option} needs one row per customer, not a weighted summary"
            )),
            "{stderr}"
        );
    }
}

#[test]
fn cli_refuses_bad_weights_with_their_line_and_value() {
    let header = "frequency,recency,T,monetary_value,customers\n";
    let cases = [
        ("2,10,30,5.5,0\n", "line 3, column \"customers\": a weight is a whole number of customers from 1 to 2^53, got 0"),
        ("2,10,30,5.5,-4\n", "line 3, column \"customers\": a weight is a whole number of customers from 1 to 2^53, got -4"),
        ("2,10,30,5.5,1.5\n", "line 3, column \"customers\": a weight is a whole number of customers from 1 to 2^53, got 1.5"),
        ("2,10,30,5.5,many\n", "line 3, column \"customers\": cannot read \"many\" as a number"),
        ("2,40,30,5.5,3\n", "line 3: "),
    ];
    for (i, (row, message)) in cases.iter().enumerate() {
        let path = write(
            &format!("bad{i}.csv"),
            &format!("{header}1,5,30,10,7\n{row}"),
        );
        for command in ["fit", "predict"] {
            let out = ltvlab(&[command, &path.display().to_string(), "--period", "day"]);
            assert_eq!(out.status.code(), Some(2), "{command} {row}");
            let stderr = String::from_utf8(out.stderr).unwrap();
            assert!(
                stderr.starts_with("error: ") && stderr.contains(message),
                "{command} {row}: {stderr}"
            );
        }
    }
    let path = write("noperiod.csv", &format!("{header}1,5,30,10,7\n"));
    let out = ltvlab(&["fit", &path.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("give --period day, week or month"),
        "{stderr}"
    );
}
