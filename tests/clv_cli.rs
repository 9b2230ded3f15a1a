//! `ltvlab fit`, `predict` and `analyze` as a user runs them.

use std::path::PathBuf;

mod common;
use common::{ltvlab, ok_stdout};

const MODELS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/models");

fn error_line(args: &[&str]) -> String {
    let out = ltvlab(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(out.stdout.is_empty(), "{args:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    stderr
        .strip_prefix("error: ")
        .unwrap_or_else(|| panic!("{stderr:?}"))
        .trim_end()
        .to_owned()
}

/// A generated shop of 600 customers, written once per test binary run.
fn orders() -> PathBuf {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("clv_cli_orders.csv");
        ok_stdout(&[
            "generate",
            "--customers",
            "600",
            "--seed",
            "7",
            "--english",
            "-o",
            path.to_str().unwrap(),
        ]);
        path
    })
    .clone()
}

fn write(name: &str, text: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn fit_prints_the_documented_json_for_every_model() {
    let orders = orders();
    let o = orders.to_str().unwrap();
    let sbg = write(
        "clv_cli_sbg.csv",
        "period,active\n0,1000\n1,631\n2,468\n3,382\n4,326\n",
    );
    let bgbb = format!("{MODELS}/donations_fhs2010.csv");
    let cases: [(&str, &str, &[&str]); 6] = [
        ("bgnbd", o, &["r", "alpha", "a", "b"]),
        ("mbgnbd", o, &["r", "alpha", "a", "b"]),
        ("pareto", o, &["r", "alpha", "s", "beta"]),
        ("gammagamma", o, &["p", "q", "gamma"]),
        ("bgbb", &bgbb, &["alpha", "beta", "gamma", "delta"]),
        ("sbg", sbg.to_str().unwrap(), &["alpha", "beta"]),
    ];
    for (model, file, params) in cases {
        let text = ok_stdout(&["fit", file, "--model", model, "--json"]);
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["model"], model);
        for key in [
            "log_likelihood",
            "aic",
            "bic",
            "n",
            "converged",
            "iterations",
        ] {
            assert!(!json[key].is_null(), "{model}: {key}");
        }
        for p in params {
            assert!(json["params"][p].as_f64().unwrap() > 0.0, "{model}: {p}");
            assert!(
                json["std_errors"][p].as_f64().unwrap() > 0.0,
                "{model}: {p}"
            );
        }
    }
}

#[test]
fn predict_writes_one_row_per_customer() {
    let orders = orders();
    let text = ok_stdout(&["predict", orders.to_str().unwrap(), "--horizon", "6"]);
    let mut lines = text.lines();
    // The one customers layout (ltvlab::export::customers_csv), shared with
    // the app's customer export.
    assert_eq!(
        lines.next().unwrap(),
        "customer_id,orders,total_spend,first_purchase,last_purchase,frequency,recency,T,monetary_value,p_alive,expected_purchases,expected_order_value,clv,expected_clv_low,expected_clv_high,value_low,value_high"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 600);
    for row in &rows {
        let p_alive: f64 = row[9].parse().unwrap();
        let clv: f64 = row[12].parse().unwrap();
        assert!((0.0..=1.0).contains(&p_alive) && clv >= 0.0, "{row:?}");
    }
}

/// `--timing`'s P(alive) 30 and 90 days on and its purchase counts in 90
/// days are the core's for the fitted model: each row's values equal
/// `ltvlab`'s `p_alive_after` and `p_purchases_next` for that customer under
/// the parameters `analyze --json` reports for the same model, to rounding
/// (the CSV and the JSON write numbers that read back exactly; the doors
/// compute BG/NBD's and MBG/NBD's P(no purchase) by the Lomax closed form,
/// the check by the general one). For every purchase model.
#[test]
fn predict_timing_p_alive_ahead_is_the_cores() {
    use ltvlab::customers::Purchases;
    use ltvlab::models::{ModelKind, Rfm};
    const ROUNDING: f64 = 1e-9;
    let orders = orders();
    let path = orders.to_str().unwrap();
    for (name, kind) in [
        ("bgnbd", ModelKind::BgNbd),
        ("mbgnbd", ModelKind::MbgNbd),
        ("pareto", ModelKind::ParetoNbd),
    ] {
        let json: serde_json::Value =
            serde_json::from_str(&ok_stdout(&["analyze", path, "--json", "--model", name]))
                .unwrap();
        assert_eq!(json["model"]["model"], name);
        // The generated shop's periods are days: 30 and 90 days are 30 and 90 periods.
        assert_eq!(json["summary"]["period"], "day");
        let params = &json["model"]["params"];
        let keys = kind.param_names();
        let values = [0, 1, 2, 3].map(|i| params[keys[i]].as_f64().unwrap());
        let model = Purchases::new(kind, values).unwrap();
        let text = ok_stdout(&["predict", path, "--timing", "--model", name]);
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let at = |column: &str| header.iter().position(|&h| h == column).unwrap();
        let (x, t_x, big_t) = (at("frequency"), at("recency"), at("T"));
        let mut rows = 0;
        for line in lines {
            let row: Vec<&str> = line.split(',').collect();
            let value = |column: &str| -> f64 { row[at(column)].parse().unwrap() };
            let c = Rfm::new(
                row[x].parse().unwrap(),
                row[t_x].parse().unwrap(),
                row[big_t].parse().unwrap(),
            )
            .unwrap();
            let m = model.model();
            for (column, want) in [
                ("p_alive", m.p_alive(&c)),
                ("p_alive_30d", m.p_alive_after(&c, 30.0)),
                ("p_alive_90d", m.p_alive_after(&c, 90.0)),
                ("p_purchase_90d", 1.0 - m.p_purchases_next(&c, 0, 90.0)),
                ("p_one_purchase_90d", m.p_purchases_next(&c, 1, 90.0)),
                (
                    "p_two_or_more_purchases_90d",
                    1.0 - m.p_purchases_next(&c, 0, 90.0) - m.p_purchases_next(&c, 1, 90.0),
                ),
            ] {
                let got = value(column);
                assert!(
                    (got - want).abs() < ROUNDING,
                    "{name} {}: {column} {got} vs {want}",
                    row[0]
                );
            }
            assert!(value("p_alive_90d") <= value("p_alive_30d"));
            assert!(value("p_alive_30d") <= value("p_alive"));
            rows += 1;
        }
        assert_eq!(rows, 600);
    }
}

/// `--timing` adds the next-order columns: the two probabilities (the 90
/// days' at least the 30 days'), and the percentiles as ISO dates on or
/// after the observation end, in order, empty only from the top down (a
/// customer without a median has no 90th percentile either).
#[test]
fn predict_timing_adds_the_next_order_columns() {
    let orders = orders();
    let text = ok_stdout(&["predict", orders.to_str().unwrap(), "--timing"]);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header[17..],
        [
            "p_purchase_30d",
            "p_purchase_90d",
            "next_order_median",
            "next_order_p10",
            "next_order_p90",
            "p_alive_30d",
            "p_alive_90d",
            "p_one_purchase_90d",
            "p_two_or_more_purchases_90d"
        ]
    );
    let last = header.iter().position(|&h| h == "last_purchase").unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 600);
    let end = rows.iter().map(|r| r[last]).max().unwrap();
    let (mut dated, mut undated) = (0, 0);
    for row in &rows {
        let p30: f64 = row[17].parse().unwrap();
        let p90: f64 = row[18].parse().unwrap();
        assert!(
            (0.0..=1.0).contains(&p30) && p30 <= p90 && p90 <= 1.0,
            "{row:?}"
        );
        let (median, low, high) = (row[19], row[20], row[21]);
        for date in [median, low, high].into_iter().filter(|d| !d.is_empty()) {
            assert!(date.len() == 10 && date >= end, "{row:?}");
        }
        if median.is_empty() {
            assert!(high.is_empty() && p90 < 0.9, "{row:?}");
            undated += 1;
        } else {
            assert!(!low.is_empty() && low <= median, "{row:?}");
            assert!(high.is_empty() || median <= high, "{row:?}");
            dated += 1;
        }
    }
    // Both kinds of customer are in a generated shop.
    assert!(dated > 0 && undated > 0, "{dated} {undated}");
    // Without the flag, the layout is unchanged.
    let plain = ok_stdout(&["predict", orders.to_str().unwrap()]);
    assert!(plain
        .lines()
        .next()
        .unwrap()
        .ends_with(",value_low,value_high"));
}

#[test]
fn predict_reads_a_summary_file() {
    let text = ok_stdout(&[
        "predict",
        &format!("{MODELS}/sim_weekly.csv"),
        "--period",
        "week",
        "--model",
        "pareto",
    ]);
    assert!(text.lines().count() > 1000);
}

#[test]
fn analyze_prints_one_report_with_its_sections() {
    let orders = orders();
    let text = ok_stdout(&["analyze", orders.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    for section in ["ingest", "summary", "model", "predictions"] {
        assert!(json[section].is_object(), "{section}");
    }
    assert_eq!(json["summary"]["customers"], 600);
    // The default model is `auto`: the one fitted is the one chosen.
    assert_eq!(json["model"]["model"], json["model_choice"]["model"]);
    assert!(json["predictions"]["base"]["total_clv"].as_f64().unwrap() > 0.0);
    assert!(json["predictions"]["formula"]["explanation"]
        .as_str()
        .unwrap()
        .starts_with("The formula LTV"));
}

/// `--model` is a clap value enum; the names the model parser accepted
/// before (`pareto/nbd`, upper case) still name the same model.
#[test]
fn model_aliases_name_the_same_model() {
    let orders = orders();
    let o = orders.to_str().unwrap();
    for (canonical, alias) in [
        ("pareto", "Pareto/NBD"),
        ("bgnbd", "BG/NBD"),
        ("mbgnbd", "mbg-nbd"),
    ] {
        assert_eq!(
            ok_stdout(&["fit", o, "--model", canonical, "--json"]),
            ok_stdout(&["fit", o, "--model", alias, "--json"]),
            "{alias}"
        );
    }
}

#[test]
fn errors_are_one_line() {
    let orders = orders();
    let o = orders.to_str().unwrap();
    let bad_sbg = write("clv_cli_bad_sbg.csv", "period,n\n0,10\n");
    let cases = [
        (
            vec!["fit", o, "--model", "nope"],
            "invalid value 'nope' for '--model <MODEL>': must be bgnbd, mbgnbd, pareto, gammagamma, bgbb or sbg",
        ),
        (
            vec!["predict", o, "--model", "sbg"],
            "invalid value 'sbg' for '--model <MODEL>': must be bgnbd, mbgnbd, pareto or auto",
        ),
        (
            vec!["predict", o, "--margin", "3"],
            "invalid option: margin must be between 0 and 1, got 3",
        ),
    ];
    for (args, want) in cases {
        assert_eq!(error_line(&args), want);
    }
    let message = error_line(&["fit", bad_sbg.to_str().unwrap(), "--model", "sbg"]);
    assert!(message.ends_with("sbg needs a column \"active\" with the customers still active at each period, the cohort size first"), "{message}");
}

#[test]
fn predict_intervals_contain_the_clv_and_follow_the_seed() {
    let orders = orders();
    let args = [
        "predict",
        orders.to_str().unwrap(),
        "--intervals",
        "--samples",
        "20",
        "--seed",
        "3",
    ];
    let text = ok_stdout(&args);
    assert_eq!(text, ok_stdout(&args));
    for line in text.lines().skip(1) {
        let f: Vec<f64> = line
            .split(',')
            .skip(12)
            .map(|v| v.parse().unwrap())
            .collect();
        // clv, expected_clv_low, expected_clv_high, value_low, value_high:
        // the expected CLV's interval contains it; the value range is an
        // interval of non-negative values (it need not contain the mean).
        assert!(f[1] <= f[0] && f[0] <= f[2], "{line}");
        assert!(0.0 <= f[3] && f[3] <= f[4], "{line}");
    }
}

#[test]
fn analyze_auto_chooses_by_holdout_error() {
    let orders = orders();
    let text = ok_stdout(&[
        "analyze",
        orders.to_str().unwrap(),
        "--model",
        "auto",
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let v = &json["validation"];
    assert_eq!(v["candidates"].as_array().unwrap().len(), 3);
    assert_eq!(json["model"]["model"], v["model"]);
    assert_eq!(json["model_choice"]["model"], v["model"]);
    assert_eq!(json["model_choice"]["reason"], v["choice_reason"]);
    // On this shop Pareto/NBD has the lowest holdout MAE, but by less than
    // 5% of MBG/NBD's: the holdout cannot decide, and MBG/NBD is kept.
    let mae = |model: &str| {
        v["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["model"] == model)
            .and_then(|c| c["mae"].as_f64())
            .unwrap()
    };
    assert!(mae("pareto") < mae("mbgnbd") && mae("pareto") > 0.95 * mae("mbgnbd"));
    assert_eq!(v["model"], "mbgnbd");
    assert_eq!(v["choice_reason"], "holdout_undecided");
    assert!(v["choice"]
        .as_str()
        .unwrap()
        .starts_with("the holdout cannot tell the models apart"));
    assert_eq!(v["by_frequency"].as_array().unwrap().len(), 8);
    assert!(!v["tracking"].as_array().unwrap().is_empty());
}
