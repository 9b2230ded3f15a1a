//! `ltvlab analyze --json` carries every section the data allows: cohorts,
//! segments and recommendations for order files, recommendations only for
//! basket files, each missing section explained in `notes`.

use std::path::Path;
use std::process::Command;

fn analyze(file: &str) -> serde_json::Value {
    cli_json("analyze", file)
}

/// `ltvlab COMMAND --json FILE` (`file` relative to the crate), parsed.
fn cli_json(command: &str, file: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let out = Command::new(env!("CARGO_BIN_EXE_ltvlab"))
        .args([command, "--json"])
        .arg(&path)
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the command prints JSON")
}

#[test]
fn an_order_file_has_every_section() {
    let r = analyze("tests/data/online_retail_II_sample.csv");
    for section in [
        "ingest",
        "summary",
        "model",
        "predictions",
        "cohorts",
        "segments",
        "simulation",
        "recommendations",
    ] {
        assert!(!r[section].is_null(), "section {section} is missing");
    }
    let rec = &r["recommendations"];
    assert_eq!(rec["stats"]["baskets"], 1000);
    assert_eq!(rec["top_pairs"].as_array().map(Vec::len), Some(20));
    let pair = &rec["top_pairs"][0];
    for field in [
        "antecedent",
        "consequent",
        "count",
        "support",
        "confidence",
        "lift",
        "leverage",
        "jaccard",
        "cosine",
    ] {
        assert!(!pair[field].is_null(), "pair field {field}");
    }
    assert!(rec["evaluation"]["verdict"]
        .as_str()
        .is_some_and(|v| v.contains("best-sellers")));
    assert_eq!(r["summary"]["customers"], 775);
    // On this sample BG/NBD's dropout is not identified (lifetimes 0.11.3
    // reaches the same boundary: a -> 0, mean P(alive) 0.999999999); the
    // report must say what that means instead of showing certainty.
    let diagnostics = r["predictions"]["diagnostics"].to_string();
    assert!(
        diagnostics.contains("no evidence of customers leaving"),
        "{diagnostics}"
    );
}

#[test]
fn a_basket_file_has_recommendations_only() {
    let r = analyze("tests/data/groceries_baskets.csv");
    assert_eq!(r["ingest"]["preset"], "basket_lines");
    assert_eq!(r["recommendations"]["stats"]["baskets"], 9835);
    assert!(r["recommendations"]["evaluation"].is_null());
    assert!(r.get("model").is_none());
    let notes = r["notes"].as_array().expect("notes");
    assert!(notes
        .iter()
        .any(|n| n.as_str().is_some_and(|n| n.contains("baskets"))));
}

/// The analyze report's simulation is `ltvlab simulate FILE --json` with no
/// lever moved: same baseline, equal scenario, same lever ranking.
#[test]
fn the_simulation_section_is_the_simulate_command_without_levers() {
    let file = "tests/data/online_retail_II_sample.csv";
    let r = analyze(file);
    let direct = cli_json("simulate", file);
    let sim = &r["simulation"];
    assert_eq!(sim["baseline"], direct["baseline"]);
    assert_eq!(sim["sensitivity"], direct["sensitivity"]);
    assert_eq!(
        sim["baseline"]["ltv_per_customer"],
        sim["scenario"]["ltv_per_customer"]
    );
}
