//! `ltvlab generate --group-effects` and `ltvlab fit --covariate COL` as a
//! user runs them: the channel effects the generator put in come back out,
//! for the purchase models and (`generate --subscription --group-effects`,
//! `fit --model sbg --covariate channel`) the sBG.

use std::path::PathBuf;

mod common;
use common::{ltvlab, ok_stdout};

fn error_line(args: &[&str]) -> String {
    let out = ltvlab(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    stderr.trim_end().to_owned()
}

/// The generator's default channel shop (3,000 customers, seed 3).
fn channel_shop() -> PathBuf {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("channel_shop.csv");
        ok_stdout(&[
            "generate",
            "--group-effects",
            "--seed",
            "3",
            "-o",
            path.to_str().unwrap(),
        ]);
        path
    })
    .clone()
}

/// The true coefficients of `ltvlab::generate::ChannelShop::default`
/// (its module doc and `generate --help`), by effect and channel.
const TRUTH: [(&str, &str, f64); 7] = [
    ("purchase", "instagram", 0.4),
    ("purchase", "coupon", -0.3),
    ("dropout_a", "instagram", -0.5),
    ("dropout_a", "coupon", 0.5),
    ("dropout_b", "instagram", 0.3),
    ("dropout_b", "coupon", -0.2),
    ("spend", "coupon", -0.25),
];

/// How many standard errors a recovered coefficient may be from the truth
/// (each miss has probability 1e-4 at 3.9 sd; seven coefficients).
const SIGMAS: f64 = 3.9;

#[test]
fn fit_covariate_recovers_the_generated_channel_effects() {
    let path = channel_shop();
    let json: serde_json::Value = serde_json::from_str(&ok_stdout(&[
        "fit",
        "--covariate",
        "channel",
        "--json",
        path.to_str().unwrap(),
    ]))
    .unwrap();
    assert_eq!(json["model"], "bgnbd");
    assert_eq!(json["baseline"], "web");
    let groups = json["groups"].as_array().unwrap();
    let names: Vec<&str> = groups.iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["web", "instagram", "coupon"]);
    let customers: u64 = groups
        .iter()
        .map(|g| g["customers"].as_u64().unwrap())
        .sum();
    assert_eq!(customers, 3000);
    for (effect, channel, truth) in TRUTH {
        let c = json["coefficients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| {
                c["effect"] == effect
                    && groups[c["group"].as_u64().unwrap() as usize]["name"] == channel
            })
            .unwrap_or_else(|| panic!("no {effect} coefficient for {channel}"));
        let (estimate, se) = (
            c["estimate"].as_f64().unwrap(),
            c["standard_error"].as_f64().unwrap(),
        );
        assert!(
            (estimate - truth).abs() <= SIGMAS * se,
            "{effect} {channel}: {estimate} ± {se} vs {truth}"
        );
    }
    let lr = &json["lr_test"];
    assert_eq!(lr["df"], 6);
    assert!(lr["p_value"].as_f64().unwrap() < 1e-6, "{lr}");
    // Instagram customers buy more and are worth more than web customers.
    let value = |g: &serde_json::Value| g["expected_value"]["value"].as_f64().unwrap();
    assert!(value(&groups[1]) > value(&groups[0]) && value(&groups[0]) > value(&groups[2]));
}

#[test]
fn fit_covariate_prints_the_group_table() {
    let path = channel_shop();
    let text = ok_stdout(&[
        "fit",
        "--covariate",
        "channel",
        "--model",
        "pareto",
        path.to_str().unwrap(),
    ]);
    assert!(
        text.starts_with("model           pareto with covariate \"channel\""),
        "{text}"
    );
    for needle in [
        "baseline        web",
        "instagram",
        "coupon",
        "LR test         chi2 = ",
        "on 4 df",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
}

#[test]
fn fit_covariate_refuses_what_it_cannot_do() {
    let path = channel_shop();
    let file = path.to_str().unwrap();
    let line = error_line(&[
        "fit",
        "--covariate",
        "channel",
        "--model",
        "gammagamma",
        file,
    ]);
    assert!(
        line.contains("--covariate works with --model bgnbd, mbgnbd, pareto or sbg"),
        "{line}"
    );
    // The channel shop has no subscription column and too few regular buyers.
    let line = error_line(&["fit", "--covariate", "channel", "--model", "sbg", file]);
    assert!(line.contains("no subscribers to fit"), "{line}");
    let line = error_line(&["fit", "--covariate", "channel", "--group", "amount", file]);
    assert!(line.contains("name different columns"), "{line}");
    let line = error_line(&["fit", "--covariate", "no_such_column", file]);
    assert!(line.contains("no_such_column"), "{line}");
}

/// The generator's subscription shop with channels (2,000 subscribers,
/// seed 3).
fn subscription_channel_shop() -> PathBuf {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("subscription_channel_shop.csv");
        ok_stdout(&[
            "generate",
            "--subscription",
            "--group-effects",
            "--seed",
            "3",
            "-o",
            path.to_str().unwrap(),
        ]);
        path
    })
    .clone()
}

/// The true churn coefficients of
/// `ltvlab::generate::SubscriptionChannel::defaults` (its module doc and
/// `generate --help`), by effect and channel.
const SBG_TRUTH: [(&str, &str, f64); 4] = [
    ("alpha", "instagram", -0.4),
    ("beta", "instagram", 0.3),
    ("alpha", "coupon", 0.5),
    ("beta", "coupon", -0.3),
];

/// The true churn at the first renewal, `α_c/(α_c+β_c)` at the generator's
/// `alpha = 0.8, beta = 2.5` and the channel's coefficients.
fn true_first_churn(channel: &str) -> f64 {
    let (ga, gb) = match channel {
        "instagram" => (-0.4_f64, 0.3_f64),
        "coupon" => (0.5, -0.3),
        _ => (0.0, 0.0),
    };
    let (a, b) = (0.8 * ga.exp(), 2.5 * gb.exp());
    a / (a + b)
}

#[test]
fn fit_sbg_covariate_recovers_the_generated_churn_effects() {
    let path = subscription_channel_shop();
    let json: serde_json::Value = serde_json::from_str(&ok_stdout(&[
        "fit",
        "--model",
        "sbg",
        "--covariate",
        "channel",
        "--json",
        path.to_str().unwrap(),
    ]))
    .unwrap();
    assert_eq!(json["model"], "sbg");
    assert_eq!(json["baseline"], "web");
    assert_eq!(json["customers"], 2000);
    let groups = json["groups"].as_array().unwrap();
    let names: Vec<&str> = groups.iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["web", "instagram", "coupon"]);
    for (effect, channel, truth) in SBG_TRUTH {
        let c = json["coefficients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| {
                c["effect"] == effect
                    && groups[c["group"].as_u64().unwrap() as usize]["name"] == channel
            })
            .unwrap_or_else(|| panic!("no {effect} coefficient for {channel}"));
        let (estimate, se) = (
            c["estimate"].as_f64().unwrap(),
            c["standard_error"].as_f64().unwrap(),
        );
        assert!(
            (estimate - truth).abs() <= SIGMAS * se,
            "{effect} {channel}: {estimate} ± {se} vs {truth}"
        );
    }
    // Each group's first churn within SIGMAS of its 90% half-width (1.645 sd).
    for g in groups {
        let name = g["name"].as_str().unwrap();
        let e = &g["first_churn"];
        let (value, low, high) = (
            e["value"].as_f64().unwrap(),
            e["low"].as_f64().unwrap(),
            e["high"].as_f64().unwrap(),
        );
        let sd = (high - low) / (2.0 * 1.645);
        let truth = true_first_churn(name);
        assert!(
            (value - truth).abs() <= SIGMAS * sd,
            "{name}: first churn {value} [{low}, {high}] vs {truth}"
        );
    }
    let lr = &json["lr_test"];
    assert_eq!(lr["df"], 4);
    assert!(lr["p_value"].as_f64().unwrap() < 1e-6, "{lr}");
    // Instagram subscribers stay longest, coupon ones leave soonest.
    let stay = |g: &serde_json::Value| g["expected_periods"]["value"].as_f64().unwrap();
    assert!(stay(&groups[1]) > stay(&groups[0]) && stay(&groups[0]) > stay(&groups[2]));
}

#[test]
fn fit_sbg_covariate_prints_the_group_table() {
    let path = subscription_channel_shop();
    let text = ok_stdout(&[
        "fit",
        "--model",
        "sbg",
        "--covariate",
        "channel",
        path.to_str().unwrap(),
    ]);
    assert!(
        text.starts_with("model           sbg with covariate \"channel\" (2000 subscribers, 3 groups; from the subscription column"),
        "{text}"
    );
    for needle in [
        "baseline        web",
        "first churn, 90%",
        "deliveries in 36",
        "instagram",
        "coupon",
        "LR test         chi2 = ",
        "on 4 df",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
}
