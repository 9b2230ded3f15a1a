//! Every CSV the CLI exports neutralises spreadsheet formula injection: a
//! text cell that starts with `=`, `+`, `-` or `@` (OWASP "CSV injection")
//! gets a leading `'`, while plain numbers such as `-12.5` stay as they are.
//!
//! One orders file holds formula-looking customer ids and product names;
//! each exporting command (summary, summary with a holdout, predict, predict
//! with intervals, recommend per item and per customer) must write them
//! escaped, and no cell of any export may start with a formula character
//! unless it is a number. `ltvlab::export::safe_cell` itself is checked as a
//! property over arbitrary strings.

use std::path::PathBuf;
use std::process::Command;

use ltvlab::export::{safe_cell, FORMULA_LEADS};
use proptest::prelude::*;

/// Formula-looking values, one per risky leading character.
const RISKY_IDS: [&str; 4] = [
    "=HYPERLINK(\"http://x\",\"click\")",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
];
/// Ids that Rust parses as (non-finite) numbers but a spreadsheet reads as
/// text or a formula: the web export neutralized them, the CLI did not
/// (issue #13).
const NON_FINITE_IDS: [&str; 2] = ["-inf", "+nan"];
const RISKY_PRODUCTS: [&str; 4] = ["=HYPERLINK(\"http://evil\")", "+1+1", "-cmd", "@import"];

/// Quotes a CSV field by hand (the input file is written without the csv
/// crate, so its quoting is independent of the writer under test).
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Fourteen customers (four with formula ids, one `-12.5`, seven plain, then
/// `-inf` and `+nan`) who
/// buy two products per order, from formula-named and plain products, on
/// several days, so that the models fit and the pair counter has rules.
///
/// Written once: the tests run in parallel threads, and rewriting the file
/// for each let one test read it while another had just truncated it.
fn orders_file() -> PathBuf {
    static FILE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(write_orders_file).clone()
}

fn write_orders_file() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("export_injection");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("orders.csv");
    let mut ids: Vec<String> = RISKY_IDS.iter().map(|s| (*s).to_owned()).collect();
    ids.push("-12.5".to_owned());
    ids.extend((1..=7).map(|i| format!("C{i:02}")));
    ids.extend(NON_FINITE_IDS.iter().map(|s| (*s).to_owned()));
    let mut products: Vec<(String, String)> = RISKY_PRODUCTS
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("R{i}"), (*p).to_owned()))
        .collect();
    products.extend((0..4).map(|i| (format!("P{i}"), format!("Plain {i}"))));
    // The risky SKUs are formula-looking too.
    products[0].0 = "=1+1".to_owned();
    let mut text = String::from("customer_id,order_id,order_date,sku,product,amount\n");
    let mut order = 0;
    for (c, id) in ids.iter().enumerate() {
        // Customer c orders 1 + c % 4 times, days apart.
        for k in 0..=(c % 4) {
            order += 1;
            let day = 1 + c + 6 * k;
            for j in 0..2 {
                let (sku, name) = &products[(c + k + j) % products.len()];
                text.push_str(&format!(
                    "{},o{order},2024-01-{day:02},{},{},{}.50\n",
                    quoted(id),
                    quoted(sku),
                    quoted(name),
                    10 + j
                ));
            }
        }
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `ltvlab ARGS FILE` and parses its CSV output.
fn export(args: &[&str]) -> Vec<Vec<String>> {
    let file = orders_file();
    let out = Command::new(env!("CARGO_BIN_EXE_ltvlab"))
        .args(args)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(out.stdout.as_slice());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert!(rows.len() > 1, "{args:?}: no rows");
    rows
}

/// A finite number a spreadsheet reads as one: digits, sign, point, exponent.
fn plain_number(cell: &str) -> bool {
    cell.chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'))
        && cell.parse::<f64>().is_ok_and(f64::is_finite)
}

/// No cell may start with a formula character unless it is a plain number.
fn assert_no_live_formula(args: &[&str], rows: &[Vec<String>]) {
    for row in rows {
        for cell in row {
            let live = cell.starts_with(FORMULA_LEADS);
            assert!(
                !live || plain_number(cell),
                "{args:?}: live formula cell {cell:?} in {row:?}"
            );
        }
    }
}

/// The cells of column `name`.
fn column<'a>(rows: &'a [Vec<String>], name: &str) -> Vec<&'a str> {
    let i = rows[0].iter().position(|h| h == name).unwrap();
    rows[1..].iter().map(|r| r[i].as_str()).collect()
}

/// Every risky customer id appears escaped with a leading `'`, and `-12.5`
/// as the number it is.
fn assert_ids_escaped(args: &[&str], rows: &[Vec<String>]) {
    let ids = column(rows, "customer_id");
    for risky in RISKY_IDS {
        let escaped = format!("'{risky}");
        assert!(ids.contains(&escaped.as_str()), "{args:?}: {ids:?}");
    }
    assert!(ids.contains(&"-12.5"), "{args:?}: {ids:?}");
    for id in NON_FINITE_IDS {
        assert!(
            ids.contains(&format!("'{id}").as_str()),
            "{args:?}: {ids:?}"
        );
    }
}

#[test]
fn summary_escapes_formula_ids() {
    let args = ["summary"];
    let rows = export(&args);
    assert_no_live_formula(&args, &rows);
    assert_ids_escaped(&args, &rows);
    assert_eq!(rows.len(), 1 + 14, "{rows:?}");
}

#[test]
fn summary_with_holdout_escapes_formula_ids() {
    let args = ["summary", "--calibration-end", "2024-01-10"];
    let rows = export(&args);
    assert_no_live_formula(&args, &rows);
    // Customers first seen after the calibration end are not in it; the
    // risky ids are customers 0..4, first seen on January 1 to 4.
    let ids = column(&rows, "customer_id");
    for risky in RISKY_IDS {
        assert!(ids.contains(&format!("'{risky}").as_str()), "{ids:?}");
    }
}

#[test]
fn predict_escapes_formula_ids() {
    let args = ["predict"];
    let rows = export(&args);
    assert_no_live_formula(&args, &rows);
    assert_ids_escaped(&args, &rows);
}

#[test]
fn predict_with_intervals_escapes_formula_ids() {
    let args = ["predict", "--intervals", "--samples", "20"];
    let rows = export(&args);
    assert_no_live_formula(&args, &rows);
    assert_ids_escaped(&args, &rows);
}

#[test]
fn recommend_per_item_escapes_formula_items() {
    let args = ["recommend", "--csv", "per-item"];
    let rows = export(&args);
    assert_no_live_formula(&args, &rows);
    let names = column(&rows, "item_name");
    let recommended = column(&rows, "recommended_item_name");
    for risky in RISKY_PRODUCTS {
        let escaped = format!("'{risky}");
        assert!(
            names.contains(&escaped.as_str()) || recommended.contains(&escaped.as_str()),
            "{risky}: {names:?} {recommended:?}"
        );
    }
    let ids: Vec<&str> = column(&rows, "item_id")
        .into_iter()
        .chain(column(&rows, "recommended_item_id"))
        .collect();
    assert!(ids.contains(&"'=1+1"), "{ids:?}");
}

#[test]
fn recommend_per_customer_escapes_formula_ids_and_items() {
    let args = ["recommend", "--csv", "per-customer"];
    let rows = export(&args);
    assert_no_live_formula(&args, &rows);
    let ids = column(&rows, "customer_id");
    for risky in RISKY_IDS {
        assert!(ids.contains(&format!("'{risky}").as_str()), "{ids:?}");
    }
}

#[test]
fn segments_text_escapes_formula_ids() {
    // Segments print text, not CSV, but their customer lists are copied
    // into spreadsheets too: a listed id never starts a live formula.
    let file = orders_file();
    let out = Command::new(env!("CARGO_BIN_EXE_ltvlab"))
        .args(["segments", "--follow-up", "1,5"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for risky in RISKY_IDS {
        for line in text.lines() {
            let cell = line.trim_start();
            assert!(!cell.starts_with(risky), "live formula line {line:?}");
        }
    }
}

/// The web export's rule before it called the core (www/worker.js
/// `safeCell`), with JavaScript's `Number` approximated by Rust's parse of
/// the trimmed text: a leading formula character and not a finite number.
fn old_web_rule_neutralizes(value: &str) -> bool {
    let text = value.trim();
    let numeric = !text.is_empty() && text.parse::<f64>().is_ok_and(f64::is_finite);
    value.starts_with(FORMULA_LEADS) && !numeric
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// What `safe_cell` writes never starts a live formula, loses nothing
    /// (it is the value, or the value behind one `'`), leaves values that
    /// cannot be formulas alone, and neutralizes everything the web export's
    /// own copy of the rule did (the one rule is at least as strict).
    #[test]
    fn safe_cell_output_is_never_a_live_formula(
        lead in prop::sample::select(vec!['=', '+', '-', '@', '\t', '\r', 'a', '1', ' ', '\'']),
        rest in prop_oneof![
            ".{0,20}",
            prop::sample::select(vec![
                "inf", "nan", "Infinity", "NaN", "1e400", "12.5", "1e5", ".5", "5.", "0x10", " 5", "1+1",
            ])
            .prop_map(str::to_owned),
        ],
    ) {
        let value = format!("{lead}{rest}");
        let out = safe_cell(&value);
        let live = out.starts_with(FORMULA_LEADS);
        prop_assert!(!live || plain_number(&out), "{:?} -> {:?}", value, out);
        prop_assert!(out == value || out.strip_prefix('\'') == Some(value.as_str()));
        if !value.starts_with(FORMULA_LEADS) {
            prop_assert_eq!(out.as_ref(), value.as_str());
        }
        if old_web_rule_neutralizes(&value) {
            prop_assert_eq!(out.as_ref(), format!("'{value}"), "the web rule neutralized {:?}", value);
        }
    }
}
