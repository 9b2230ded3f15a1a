//! Every error a page user can cause with a file has its own code and the
//! parameters its message names (line, column, value, counts), so the page can
//! say it in Japanese; and every code has a sentence in both of the page's
//! dictionaries.
//!
//! The expected codes and parameters are read off the fixtures'
//! `NAME.expected-error.txt` (the English message names the same values).

use std::collections::BTreeMap;
use std::path::Path;

use ltvlab::ingest::{ingest, IngestOptions};
use ltvlab::report::{NoteCode, PRODUCT_EFFECTS_MAX_CUSTOMERS};
use ltvlab::{DiagnosticCode, ErrorCode, Param};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ingest");

/// The kinds' generic codes: for CLI-only and internal errors, never for a
/// file a user can drop.
const GENERIC: [&str; 4] = ["input", "options", "model", "no_usable_column"];

/// (fixture, code, parameters the message names), one row per
/// `*.expected-error.txt`.
#[allow(clippy::type_complexity)]
const ERRORS: &[(&str, &str, &[(&str, Expected)])] = &[
    (
        "binary_png.csv",
        "binary",
        &[
            ("count", Expected::Number(20.0)),
            ("bytes", Expected::Number(82.0)),
        ],
    ),
    (
        "nul_bytes.csv",
        "binary",
        &[
            ("count", Expected::Number(5.0)),
            ("bytes", Expected::Number(119.0)),
        ],
    ),
    (
        "blank_lines_before_header.csv",
        "blank_lines_before_header",
        &[("kib", Expected::Number(256.0))],
    ),
    ("bom_only.csv", "empty", &[]),
    ("empty.csv", "empty", &[]),
    ("whitespace_only.csv", "empty", &[]),
    ("header_only.csv", "header_only", &[]),
    (
        "json_array.csv",
        "json_file",
        &[("start", Expected::Text("["))],
    ),
    (
        "no_date_column.csv",
        "no_date_column",
        &[(
            "columns",
            Expected::Text("\"customer_id\", \"product\", \"amount\""),
        )],
    ),
    (
        "no_usable_column.csv",
        "no_date_column",
        &[(
            "columns",
            Expected::Text("\"colour\", \"size\", \"weight\""),
        )],
    ),
    (
        "one_long_line.csv",
        "first_line_too_long",
        &[
            ("line", Expected::Number(1.0)),
            ("kib", Expected::Number(256.0)),
        ],
    ),
    (
        "repeated_header_other_columns.csv",
        "header_repeated_other_columns",
        &[
            ("line", Expected::Number(4.0)),
            ("first_line", Expected::Number(1.0)),
            (
                "columns",
                Expected::Text("\"customer_id\", \"order_date\", \"amount\", \"coupon\""),
            ),
        ],
    ),
    (
        "summary_not_finite.csv",
        "summary_not_finite",
        &[
            ("line", Expected::Number(3.0)),
            ("column", Expected::Text("recency")),
            ("value", Expected::Text("inf")),
        ],
    ),
    (
        "summary_recency_over_t.csv",
        "summary_row_inconsistent",
        &[
            ("line", Expected::Number(4.0)),
            ("recency", Expected::Number(45.0)),
            ("t", Expected::Number(38.86)),
        ],
    ),
];

#[derive(Debug, Clone, Copy)]
enum Expected {
    Text(&'static str),
    Number(f64),
}

impl PartialEq<Param> for Expected {
    fn eq(&self, other: &Param) -> bool {
        match (self, other) {
            (Expected::Text(a), Param::Text(b)) => a == b,
            (Expected::Number(a), Param::Number(b)) => a == b,
            _ => false,
        }
    }
}

fn options_for(file: &str) -> IngestOptions {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    match std::fs::read_to_string(Path::new(DIR).join(format!("{stem}.options.json"))) {
        Ok(text) => serde_json::from_str(&text).unwrap(),
        Err(_) => IngestOptions::default(),
    }
}

#[test]
fn every_error_fixture_has_its_own_code_and_the_values_its_message_names() {
    let mut listed: Vec<String> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter_map(|name| name.strip_suffix(".expected-error.txt").map(str::to_owned))
        .collect();
    listed.sort();
    let mut tabled: Vec<String> = ERRORS
        .iter()
        .map(|(file, _, _)| file.rsplit_once('.').unwrap().0.to_owned())
        .collect();
    tabled.sort();
    assert_eq!(tabled, listed, "every error fixture has a row in ERRORS");
    for (file, code, want) in ERRORS {
        let bytes = std::fs::read(Path::new(DIR).join(file)).unwrap();
        let err = match ingest(&bytes, &options_for(file)) {
            Ok(_) => panic!("{file}: ingested without an error"),
            Err(err) => err,
        };
        assert_eq!(err.code().as_str(), *code, "{file}: {err}");
        assert!(!GENERIC.contains(code), "{file}: a generic code");
        let params: BTreeMap<&str, Param> = err.params().into_iter().collect();
        for (name, value) in *want {
            let got = params.get(name);
            assert!(
                got.is_some_and(|got| value == got),
                "{file}: {name} is {got:?}, want {value:?} (message: {err})"
            );
            // The English message names the same value.
            let shown = match value {
                Expected::Text(t) => t.to_string(),
                Expected::Number(n) => n.to_string(),
            };
            assert!(
                err.to_string().contains(&shown),
                "{file}: {err} lacks {shown}"
            );
        }
    }
}

/// The page's dictionaries (www/i18n.js): the English one, then the Japanese.
fn dictionaries() -> (String, String) {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/i18n.js")).unwrap();
    let (en, ja) = text
        .split_once("\nconst ja = {")
        .expect("the ja dictionary");
    (en.to_owned(), ja.to_owned())
}

/// Every code in `codes` has a `'<prefix>.<code>':` sentence in both
/// dictionaries, and the TypeScript union that follows `union_start` in
/// src/wasm/typescript.rs (up to its `;`) names exactly these codes.
fn check_sentences_and_typescript_names(prefix: &str, union_start: &str, codes: &[&str]) {
    let (en, ja) = dictionaries();
    let typescript = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/wasm/typescript.rs"
    ))
    .unwrap();
    let declared = typescript
        .split_once(union_start)
        .and_then(|(_, rest)| rest.split_once(';'))
        .map(|(union, _)| union.to_owned())
        .unwrap_or_else(|| panic!("no {union_start} in typescript.rs"));
    let mut missing = Vec::new();
    for code in codes {
        let key = format!("'{prefix}.{code}':");
        if !en.contains(&key) {
            missing.push(format!("en {key}"));
        }
        if !ja.contains(&key) {
            missing.push(format!("ja {key}"));
        }
        if !declared.contains(&format!("\"{code}\"")) {
            missing.push(format!("typescript {code}"));
        }
    }
    assert!(missing.is_empty(), "missing: {missing:?}");
    assert_eq!(
        declared.matches('"').count(),
        2 * codes.len(),
        "the TypeScript union names exactly the codes"
    );
}

#[test]
fn every_code_has_a_sentence_in_both_dictionaries_and_a_typescript_name() {
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    check_sentences_and_typescript_names("error", "export type ErrorCode =", &codes);
}

/// The model fits' diagnostics, like the errors.
#[test]
fn every_diagnostic_code_has_a_sentence_in_both_dictionaries_and_a_typescript_name() {
    let codes: Vec<&str> = DiagnosticCode::ALL.iter().map(|c| c.as_str()).collect();
    check_sentences_and_typescript_names("diagnostic", "export interface Diagnostic {", &codes);
}

/// The report's notes, like the errors.
#[test]
fn every_note_code_has_a_sentence_in_both_dictionaries_and_a_typescript_name() {
    let codes: Vec<&str> = NoteCode::ALL.iter().map(|c| c.as_str()).collect();
    check_sentences_and_typescript_names("note", "export interface Note {", &codes);
}

/// The note on the skipped model by first product names the core's limit,
/// in each language's way of writing it (20,000 and 2万).
#[test]
fn the_skipped_product_model_note_names_the_cores_limit() {
    let (en, ja) = dictionaries();
    let limit = PRODUCT_EFFECTS_MAX_CUSTOMERS;
    let sentence = |dictionary: &str| {
        let start = dictionary
            .find("'note.product_effects_skipped':")
            .expect("the note's sentence");
        dictionary[start..]
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let english = format!("{},{:03}", limit / 1000, limit % 1000);
    assert!(sentence(&en).contains(&english), "{}", sentence(&en));
    assert_eq!(
        limit % 10_000,
        0,
        "the Japanese sentence writes the limit in 万"
    );
    let japanese = format!("{}万人", limit / 10_000);
    assert!(sentence(&ja).contains(&japanese), "{}", sentence(&ja));
}

#[test]
fn codes_are_distinct_snake_case_and_serialize_as_their_names() {
    let mut seen = std::collections::BTreeSet::new();
    for code in ErrorCode::ALL {
        let name = code.as_str();
        assert!(seen.insert(name), "{name} twice");
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !name.starts_with('_'),
            "{name} is not snake_case"
        );
        assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(name));
    }
    assert!(ErrorCode::ALL.len() >= 40, "{} codes", ErrorCode::ALL.len());
}

/// A file whose every row is skipped names the rows read, the main reason
/// (a skip code the page words) and its first line.
#[test]
fn a_file_with_no_usable_row_names_the_reason_and_its_first_line() {
    let csv =
        "customer_id,order_date,amount\nA,2024-01-05,abc\nB,2024-01-06,def\nC,2024-01-07,ghi\n";
    let err = match ingest(csv.as_bytes(), &IngestOptions::default()) {
        Ok(_) => panic!("ingested without an error"),
        Err(err) => err,
    };
    assert_eq!(err.code(), ErrorCode::NoUsableRows, "{err}");
    let params: BTreeMap<&str, Param> = err.params().into_iter().collect();
    assert_eq!(params.get("rows"), Some(&Param::Number(3.0)), "{err}");
    assert_eq!(
        params.get("reason"),
        Some(&Param::from("bad_amount")),
        "{err}"
    );
    assert_eq!(params.get("line"), Some(&Param::Number(2.0)), "{err}");
}
