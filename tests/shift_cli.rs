//! `ltvlab simulate --group COL --shift-from A --shift-to B` as a user runs
//! it: the shift's numbers are the core's on the report's channel effects,
//! and what cannot be read is refused with a message naming why.

use std::path::PathBuf;

mod common;
use common::{ltvlab, ok_stdout};

fn error_line(args: &[&str]) -> String {
    let out = ltvlab(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    String::from_utf8(out.stderr).unwrap().trim_end().to_owned()
}

/// The generator's default channel shop (3,000 customers, seed 3).
fn channel_shop() -> PathBuf {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("shift_channel_shop.csv");
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

/// Relative agreement of the printed shift with the analysis's own channel
/// effects: the same fits, and the formula `margin · share · n · (v_B − v_A)`
/// written out (a few roundings apart).
const ARITHMETIC: f64 = 1e-12;

#[test]
fn the_shift_is_the_channel_effects_values_times_the_customers_moved() {
    let shop = channel_shop();
    let path = shop.to_str().unwrap();
    let json: serde_json::Value = serde_json::from_str(&ok_stdout(&[
        "simulate",
        path,
        "--group",
        "channel",
        "--shift-from",
        "coupon",
        "--shift-to",
        "instagram",
        "--shift-share",
        "20%",
        "--margin",
        "0.3",
        "--draws",
        "0",
        "--json",
    ]))
    .unwrap();
    let effects: serde_json::Value = serde_json::from_str(&ok_stdout(&[
        "analyze", path, "--group", "channel", "--json",
    ]))
    .unwrap();
    let groups = effects["groups"]["by_channel"]["effects"]["groups"]
        .as_array()
        .unwrap();
    let group = |name: &str| groups.iter().find(|g| g["name"] == name).unwrap();
    let value = |name: &str| group(name)["expected_value"]["value"].as_f64().unwrap();
    let customers = group("coupon")["customers"].as_f64().unwrap();
    let shift = &json["shift"];
    let number = |v: &serde_json::Value| v.as_f64().unwrap();
    let close = |got: f64, want: f64| (got - want).abs() <= ARITHMETIC * want.abs();
    assert_eq!(number(&shift["new_customers"]), customers);
    assert_eq!(shift["new_customers_from_data"], true);
    assert!(close(number(&shift["moved"]), 0.2 * customers));
    assert!(close(number(&shift["from_value"]), 0.3 * value("coupon")));
    assert!(close(number(&shift["to_value"]), 0.3 * value("instagram")));
    let change = 0.3 * 0.2 * customers * (value("instagram") - value("coupon"));
    assert!(close(number(&shift["change"]["value"]), change));
    // Instagram's customers buy more often and leave less than coupon's
    // (the generator's truth): moving customers there gains, clearly.
    let (low, high) = (
        number(&shift["change"]["low"]),
        number(&shift["change"]["high"]),
    );
    assert!(0.0 < low && low < change && change < high, "{shift}");
    // The simulation is there too, as without the shift.
    assert!(json["baseline"]["ltv_per_customer"]["value"].is_number());

    let text = ok_stdout(&[
        "simulate",
        path,
        "--group",
        "channel",
        "--shift-from",
        "coupon",
        "--shift-to",
        "instagram",
        "--draws",
        "0",
    ]);
    assert!(
        text.contains("channel shift: 10.0% of coupon's ")
            && text.contains("come through instagram"),
        "{text}"
    );
}

#[test]
fn bad_shifts_are_refused_with_a_reason() {
    let shop = channel_shop();
    let path = shop.to_str().unwrap();
    let shift = |from: &str, to: &str, extra: &[&str]| {
        let mut args = vec![
            "simulate",
            path,
            "--group",
            "channel",
            "--shift-from",
            from,
            "--shift-to",
            to,
            "--draws",
            "0",
        ];
        args.extend_from_slice(extra);
        error_line(&args.iter().map(|s| &**s).collect::<Vec<_>>())
    };
    let cases = [
        (
            shift("web", "tv", &[]),
            "no channel \"tv\" in the channel effects (channels: web, instagram, coupon)",
        ),
        (
            shift("web", "web", &[]),
            "cannot shift new customers from channel \"web\" to itself",
        ),
        (
            shift("web", "coupon", &["--shift-share", "150%"]),
            "the share of new customers moved must be above 0 and at most 1, got 1.5",
        ),
    ];
    for (line, want) in cases {
        assert!(line.contains(want), "{line}");
    }
    let no_group = error_line(&[
        "simulate",
        path,
        "--shift-from",
        "web",
        "--shift-to",
        "coupon",
    ]);
    assert!(
        no_group.contains("--shift-from needs --group COL"),
        "{no_group}"
    );
    let no_to = error_line(&[
        "simulate",
        path,
        "--group",
        "channel",
        "--shift-from",
        "web",
    ]);
    assert!(no_to.contains("--shift-from needs --shift-to"), "{no_to}");
    let formula = error_line(&[
        "simulate",
        "--formula",
        "--shift-from",
        "web",
        "--shift-to",
        "coupon",
    ]);
    assert!(formula.contains("needs an orders file"), "{formula}");
}
