//! The `ltvlab` binary as a user runs it: output on stdout, and on failure
//! exit code 2 with one lower-case `error: ` line on stderr.

use std::path::{Path, PathBuf};

mod common;
use common::{ltvlab, ok_stdout};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ingest");

fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

/// Runs a failing command and returns its stderr after checking the error
/// conventions: exit code 2, nothing on stdout, `error: ` then a lower-case
/// message on the first line, no panic or backtrace.
fn error_line(args: &[&str]) -> String {
    let out = ltvlab(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(out.stdout.is_empty(), "{args:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let first = stderr.lines().next().unwrap_or_default();
    let message = first
        .strip_prefix("error: ")
        .unwrap_or_else(|| panic!("{args:?}: {stderr:?}"));
    assert!(
        message.starts_with(|c: char| !c.is_uppercase()),
        "{stderr:?}"
    );
    assert!(!message.ends_with('.'), "{stderr:?}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr:?}"
    );
    stderr
}

/// As [`error_line`], and the error is exactly one line.
fn one_error_line(args: &[&str]) -> String {
    let stderr = error_line(args);
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr:?}");
    stderr.trim_end().to_owned()
}

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

#[test]
fn inspect_json_prints_the_whole_report() {
    let file = path("uci_online_retail.csv");
    let stdout = ok_stdout(&["inspect", "--json", &file]);
    let expected = std::fs::read_to_string(fixture("uci_online_retail.expected.json")).unwrap();
    assert_eq!(stdout, expected);
}

#[test]
fn inspect_prints_a_readable_report() {
    let stdout = ok_stdout(&["inspect", &path("shopify_orders.csv")]);
    for want in [
        "preset      Shopify",
        "rows        8 read, 6 used, 2 skipped",
        "skipped     2 x StatusExcluded",
        "              line 5: #1003,alice@example.com,refunded",
        "dates       2024-01-05 to 2024-03-01",
    ] {
        assert!(stdout.contains(want), "{want:?} not in\n{stdout}");
    }
}

#[test]
fn summary_by_day() {
    let file = path("shopify_orders.csv");
    let out = ltvlab(&["summary", &file]);
    assert!(out.status.success());
    // The CSV has no room for the two refunded/voided rows left out, so
    // stderr says it: no row is lost without a word.
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "note: {file}: 2 of 8 rows skipped (2 status_excluded); `ltvlab inspect {file}` lists them\n"
        )
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        "customer_id,frequency,recency,T,monetary_value,first_purchase,last_purchase,orders,total_spend\n\
         alice@example.com,1,46,56,3600,2024-01-05,2024-02-20,2,7200\n\
         bob@example.com,0,0,52,0,2024-01-09,2024-01-09,1,1500\n\
         carol@example.com,0,0,0,0,2024-03-01,2024-03-01,1,2400\n"
    );
}

#[test]
fn summary_by_week() {
    // Weeks start on Monday; see generic_english_summary_by_hand_by_week.
    let stdout = ok_stdout(&["summary", "--period", "week", &path("generic_english.csv")]);
    assert_eq!(
        stdout,
        "customer_id,frequency,recency,T,monetary_value,first_purchase,last_purchase,orders,total_spend\n\
         C001,2,5,5,14.495,2024-01-05,2024-02-11,3,41.59\n\
         C002,1,4,5,12,2024-01-07,2024-02-02,2,16.5\n\
         C003,0,0,4,0,2024-01-10,2024-01-10,1,24.99\n"
    );
}

#[test]
fn summary_with_a_calibration_end() {
    // C001 buys on 01-05 and 01-19 (calibration) and 02-11 (holdout);
    // C002 on 01-07 and 02-02; C003 on 01-10. The holdout runs from
    // 2024-01-20 to 2024-02-11: 22 days.
    let stdout = ok_stdout(&[
        "summary",
        "--calibration-end",
        "2024-01-20",
        &path("generic_english.csv"),
    ]);
    assert_eq!(
        stdout,
        "customer_id,frequency_cal,recency_cal,T_cal,monetary_value_cal,frequency_holdout,monetary_value_holdout,duration_holdout\n\
         C001,1,14,15,4,1,24.99,22\n\
         C002,0,0,13,0,1,12,22\n\
         C003,0,0,10,0,0,0,22\n"
    );
}

#[test]
fn summary_writes_formula_cells_safely() {
    // Ids that a spreadsheet would run as formulas get a leading quote.
    let stdout = ok_stdout(&["summary", &path("injection_strings.csv")]);
    assert_eq!(
        stdout,
        "customer_id,frequency,recency,T,monetary_value,first_purchase,last_purchase,orders,total_spend\n\
         H-1,1,3,4,30,2024-01-02,2024-01-05,2,40\n\
         '=1+1,0,0,3,0,2024-01-03,2024-01-03,1,20\n\
         \"'=HYPERLINK(\"\"http://x\"\")\",0,0,0,0,2024-01-06,2024-01-06,1,40\n"
    );
}

#[test]
fn mapping_overrides_choose_the_columns() {
    // Without overrides the customer is customer_id; with them the name
    // column, which holds two people, and the amount still sums to 100.
    let file = path("injection_strings.csv");
    let stdout = ok_stdout(&[
        "inspect",
        "--json",
        "--customer",
        "customer_name",
        "--date",
        "order_date",
        "--amount",
        "#5",
        &file,
    ]);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let mapping = report["mapping"].as_array().unwrap();
    let role = |r: &str| {
        mapping
            .iter()
            .find(|m| m["role"] == r)
            .map(|m| (m["name"].as_str().unwrap(), m["source"].as_str().unwrap()))
    };
    assert_eq!(role("customer"), Some(("customer_name", "override")));
    assert_eq!(role("date"), Some(("order_date", "override")));
    assert_eq!(role("amount"), Some(("amount", "override")));
    assert_eq!(report["stats"]["customers"], 4);
    assert_eq!(report["stats"]["total_amount"], 100.0);
}

#[test]
fn a_date_override_rescues_a_file_without_a_date_header() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("when.csv");
    std::fs::write(
        &file,
        "member,when,paid\nm1,1704412800,10\nm2,1704499200,20\nm1,1705622400,30\n",
    )
    .unwrap();
    let file = file.display().to_string();
    let err = one_error_line(&["summary", &file]);
    assert!(err.contains("no column holds order dates"), "{err}");
    let stdout = ok_stdout(&[
        "summary",
        "--customer",
        "member",
        "--date",
        "when",
        "--amount",
        "paid",
        &file,
    ]);
    assert_eq!(
        stdout,
        "customer_id,frequency,recency,T,monetary_value,first_purchase,last_purchase,orders,total_spend\n\
         m1,1,14,14,30,2024-01-05,2024-01-19,2,40\n\
         m2,0,0,13,0,2024-01-06,2024-01-06,1,20\n"
    );
}

#[test]
fn a_missing_file_is_one_error_line() {
    let err = one_error_line(&["summary", "/no/such/dir/orders.csv"]);
    assert!(
        err.starts_with("error: cannot open /no/such/dir/orders.csv: "),
        "{err}"
    );
}

#[test]
fn an_empty_file_is_one_error_line() {
    let file = path("empty.csv");
    let err = one_error_line(&["inspect", &file]);
    assert_eq!(
        err,
        format!("error: {file}: the file is empty: no rows to read")
    );
}

#[test]
fn an_unusable_file_names_the_line() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad_dates.csv");
    std::fs::write(
        &file,
        "customer_id,order_date,amount\nA,soon,1.00\nB,later,2.00\n",
    )
    .unwrap();
    let file = file.display().to_string();
    let err = one_error_line(&["summary", &file]);
    assert_eq!(
        err,
        format!(
            "error: {file}: no usable column: all 2 rows were skipped; most as bad_date, first at line 2: A,soon,1.00"
        )
    );
}

/// The closed sets are clap value enums now; the spellings the hand-written
/// parsers accepted before (plural and one-letter units, `dmy`,
/// `month_first`) still give the same output as the canonical names, and
/// case does not matter.
#[test]
fn old_spellings_of_closed_sets_are_still_accepted() {
    let file = path("generic_english.csv");
    let same = |canonical: &[&str], old: &[&str]| {
        let (mut a, mut b) = (canonical.to_vec(), old.to_vec());
        a.push(&file);
        b.push(&file);
        assert_eq!(ok_stdout(&a), ok_stdout(&b), "{old:?}");
    };
    same(
        &["summary", "--period", "week"],
        &["summary", "--period", "Weeks"],
    );
    same(
        &["summary", "--period", "month"],
        &["summary", "--period", "m"],
    );
    same(
        &["summary", "--returns", "exclude"],
        &["summary", "--returns", "EXCLUDE"],
    );
    same(
        &["inspect", "--date-order", "day-first"],
        &["inspect", "--date-order", "dmy"],
    );
    same(
        &["inspect", "--date-order", "month-first"],
        &["inspect", "--date-order", "month_first"],
    );
    same(
        &["cohorts", "--period", "week"],
        &["cohorts", "--period", "weeks"],
    );
}

#[test]
fn bad_option_values_are_one_error_line() {
    let file = path("generic_english.csv");
    let cases: &[(&[&str], &str)] = &[
        (
            &["summary", "--period", "fortnight"],
            "error: invalid value 'fortnight' for '--period <PERIOD>': must be day, week or month",
        ),
        (
            &["summary", "--returns", "keep"],
            "error: invalid value 'keep' for '--returns <RETURNS>': must be net or exclude",
        ),
        (
            &["summary", "--calibration-end", "2030-01-01"],
            "error: invalid option: calibration end 2030-01-01 must lie between the first date 2024-01-05 and the observation end 2024-02-11",
        ),
        (
            &["inspect", "--date-order", "sideways"],
            "error: invalid value 'sideways' for '--date-order <ORDER>': must be day-first or month-first",
        ),
    ];
    for (args, want) in cases {
        let mut args = args.to_vec();
        args.push(&file);
        assert_eq!(one_error_line(&args), *want);
    }
    let err = one_error_line(&["inspect", "--customer", "nope", &file]);
    assert!(
        err.starts_with(&format!(
            "error: {file}: invalid option: no column named \"nope\""
        )),
        "{err}"
    );
}

#[test]
fn baskets_have_no_summary() {
    let err = one_error_line(&["summary", &path("basket_lines.csv")]);
    assert!(err.contains("baskets without customers or dates"), "{err}");
}

#[test]
fn an_unknown_flag_exits_2_with_an_error() {
    let stderr = error_line(&["inspect", "--bogus", &path("generic_english.csv")]);
    assert!(stderr.contains("--bogus"), "{stderr}");
}

/// clap prints a usage block and a hint after its error line; the CLI
/// convention is one line. Needs `Cli::try_parse` in `src/main.rs`.
#[test]
fn an_unknown_flag_is_one_error_line() {
    let err = one_error_line(&["inspect", "--bogus", &path("generic_english.csv")]);
    assert!(err.contains("--bogus"), "{err}");
}

const HOSTILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hostile");

fn hostile(name: &str) -> String {
    Path::new(HOSTILE).join(name).display().to_string()
}

/// Every option that sizes memory or work has a cap (issue #13, item 7): a
/// value above it is one error line naming the option, the value and the
/// cap, never an allocation failure (`simulate --draws 4000000000` aborted
/// asking for 128 GB).
#[test]
fn options_that_size_memory_are_capped() {
    let shop = hostile("small_shop.csv");
    let shop = shop.as_str();
    let over = |option: &str, value: &str, cap: &str| {
        format!("error: invalid value '{value}' for '{option}': must be at most {cap} (the cap of this option)")
    };
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["simulate", shop, "--draws", "4000000000"],
            over("--draws <DRAWS>", "4000000000", "100000"),
        ),
        (
            vec!["simulate", "--formula", "--draws", "100001"],
            over("--draws <DRAWS>", "100001", "100000"),
        ),
        (
            vec!["compare", shop, shop, "--draws", "100001"],
            over("--draws <DRAWS>", "100001", "100000"),
        ),
        (
            vec!["recommend", shop, "--top", "1001"],
            over("--top <K>", "1001", "1000"),
        ),
        (
            vec!["recommend", shop, "--max-basket", "1001"],
            over("--max-basket <N>", "1001", "1000"),
        ),
        (
            vec!["recommend", shop, "--max-basket", "99999999999999999999999"],
            "error: invalid value '99999999999999999999999' for '--max-basket <N>': must be a whole number from 0 to 1000".to_owned(),
        ),
        (
            vec!["recommend", shop, "--max-rules", "1000001"],
            over("--max-rules <N>", "1000001", "1000000"),
        ),
        (
            vec!["recommend", shop, "--itemsets", "--max-len", "101"],
            over("--max-len <L>", "101", "100"),
        ),
        (
            vec!["segments", shop, "--limit", "18446744073709551615"],
            over("--limit <LIMIT>", "18446744073709551615", "100000"),
        ),
        (
            vec!["generate", "--lines", "100000001"],
            over("--lines <LINES>", "100000001", "100000000"),
        ),
        (
            vec!["generate", "--customers", "10000001"],
            over("--customers <CUSTOMERS>", "10000001", "10000000"),
        ),
        (
            vec!["generate", "--items", "1000001"],
            over("--items <ITEMS>", "1000001", "1000000"),
        ),
        // Caps the core enforces, named in its own words.
        (
            vec!["predict", shop, "--intervals", "--samples", "100001"],
            "error: invalid option: bootstrap samples must be between 10 and 100000, got 100001"
                .to_owned(),
        ),
        (
            vec!["predict", shop, "--horizon", "1201"],
            "error: invalid option: months must be between 1 and 1200, got 1201".to_owned(),
        ),
        (
            vec!["analyze", shop, "--horizon", "4000000000"],
            "error: invalid option: months must be between 1 and 1200, got 4000000000".to_owned(),
        ),
        (
            vec!["simulate", shop, "--horizon", "1201", "--draws", "0"],
            "error: invalid option: horizon must be between 1 and 1200 months, got 1201".to_owned(),
        ),
        (
            vec!["simulate", "--formula", "--horizon", "1201"],
            "error: invalid option: horizon must be between 1 and 1200 months, got 1201".to_owned(),
        ),
    ];
    for (args, want) in cases {
        assert_eq!(one_error_line(&args), want, "{args:?}");
    }
    // The caps themselves are accepted.
    ok_stdout(&[
        "recommend",
        shop,
        "--top",
        "1000",
        "--max-basket",
        "1000",
        "--max-rules",
        "5",
    ]);
}

/// A 40-line file with one purchase dated 0001 and one 9999 (issue #13:
/// `analyze --json` took 30 s and printed 141 MB, 521,723 tracking weeks):
/// cohorts and the tracking curve span the bulk of the data (2024), and a
/// note says so.
#[test]
fn outlying_dates_do_not_set_the_span_of_cohorts_and_tracking() {
    let file = hostile("outlying_dates.csv");
    let note = "2 purchases dated more than 20 years away from the bulk of the data (2024-01-01 to 2024-12-12) are left out of the customers, models, cohorts and segments; the observation end and the tracking curve follow the bulk";
    let out = ltvlab(&["analyze", "--json", &file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 46 KB when this test was written; a gigabyte before.
    assert!(out.stdout.len() < 200_000, "{} bytes", out.stdout.len());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tracking = v["validation"]["tracking"].as_array().unwrap();
    // 2024-01-01 to 2024-12-12 is 347 days: 50 weeks.
    assert_eq!(tracking.len(), 50);
    assert_eq!(v["validation"]["observation_end"], "2024-12-12");
    assert_eq!(v["summary"]["observation_end"], "2024-12-12");
    assert_eq!(v["summary"]["orders_after_end"], 1);
    // The 0001 purchase is left out of the summary as of the cohorts (the
    // 9999 one is after the end): every section counts the same customers.
    assert_eq!(v["summary"]["outlying_purchases"], 1);
    assert_eq!(v["cohorts"]["outlying_purchases"], 2);
    assert_eq!(
        v["summary"]["customers"], v["repeat_funnel"]["overall"]["customers"],
        "the summary's customers are the funnel's F1"
    );
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    assert!(notes.contains(&note), "{notes:?}");
    let codes = v["notes"].to_string();
    assert!(codes.contains("\"outlying_dates_left_out\""), "{codes}");
    // The cohorts command says it on stderr.
    let out = ltvlab(&["cohorts", "--period", "week", &file]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("note: {note}\n")
    );
    assert!(out.stdout.len() < 20_000, "{} bytes", out.stdout.len());
}

/// `generate --small-shop --seed N` writes `ltvlab::generate::small_shop(N)`,
/// the shops tests/small_shops.rs bounds and scripts/bench-small-shops times.
#[test]
fn generate_small_shop_is_the_library_shop() {
    for seed in [1u64, 7] {
        let text = ok_stdout(&["generate", "--small-shop", "--seed", &seed.to_string()]);
        let mut want = Vec::new();
        ltvlab::generate::small_shop(seed)
            .generate(&mut want)
            .unwrap();
        assert_eq!(text.as_bytes(), want.as_slice(), "seed {seed}");
    }
    let out = ltvlab(&["generate", "--small-shop", "--lines", "10"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `generate --repeat-share`: a consumables shop whose customers buy again
/// what they bought. Its next orders repeat far more items than the same
/// seed's shop without tastes, as `recommend --evaluate --json` counts them
/// (held-out items the customer had bought before, over all held-out items).
#[test]
fn generate_repeat_share_makes_customers_buy_again() {
    let dir = std::env::temp_dir().join(format!("ltvlab-repeat-share-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let repeat_of = |extra: &[&str]| -> f64 {
        let file = dir.join(format!("shop{}.csv", extra.len()));
        let file = file.to_str().unwrap();
        let mut args = vec![
            "generate",
            "--customers",
            "400",
            "--items",
            "300",
            "--seed",
            "3",
            "-o",
            file,
        ];
        args.extend_from_slice(extra);
        ok_stdout(&args);
        let json = ok_stdout(&["recommend", file, "--evaluate", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let e = &v["next_basket"];
        e["relevant_repeat"].as_f64().unwrap() / e["relevant"].as_f64().unwrap()
    };
    let plain = repeat_of(&[]);
    let consumables = repeat_of(&["--repeat-share", "0.5"]);
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        consumables > 2.0 * plain && consumables > 0.3,
        "repeat share of held-out items: {plain} without, {consumables} with"
    );
    assert!(error_line(&["generate", "--repeat-share", "1.5"])
        .contains("repeat_share must be in [0, 1], got 1.5"));
}

/// `segments --csv`: the customers CSV with the e-mail column exactly when
/// the file has addresses (MakeShop's メールアドレス beside 会員ID), and each
/// customer's segment, scores and A–E ranks. Expected ranks by hand from
/// the fixture (corpus README): kobayashi01 3 orders ¥10,520, last order
/// 2024-03-02, the observation end (R A, F C, M A of 3 customers).
#[test]
fn segments_csv_has_email_when_the_file_has_one_and_the_ranks() {
    let run = |file: &str| -> Vec<String> {
        let out = ltvlab(&["segments", &path(file), "--csv"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .split("\r\n")
            .map(str::to_owned)
            .collect()
    };
    let lines = run("makeshop_orders_utf8.csv");
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(&header[..2], ["customer_id", "email"]);
    assert_eq!(
        &header[header.len() - 7..],
        ["segment", "r", "f", "m", "r_rank", "f_rank", "m_rank"]
    );
    let kobayashi = lines
        .iter()
        .find(|l| l.starts_with("kobayashi01,"))
        .unwrap();
    assert!(
        kobayashi.starts_with("kobayashi01,kobayashi@example.com,3,10520,"),
        "{kobayashi}"
    );
    assert!(kobayashi.ends_with(",A,C,A"), "{kobayashi}");
    let plain = run("generic_english.csv");
    assert!(plain[0].starts_with("customer_id,orders,"), "{}", plain[0]);
    assert!(!plain[0].contains("email"), "{}", plain[0]);
    assert!(plain[0].ends_with(",r_rank,f_rank,m_rank"), "{}", plain[0]);
}
