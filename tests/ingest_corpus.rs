//! The ingest fixture corpus: one small file per export preset and per bad
//! input, each checked against its whole expected report.
//!
//! For `tests/fixtures/ingest/NAME.EXT` the test ingests the bytes (with the
//! options in `NAME.options.json`, when there is one) and compares
//!
//! - the report, serialized as pretty JSON, with `NAME.expected.json`, or
//! - the error message with `NAME.expected-error.txt`.
//!
//! Every fixture is also fed through [`Ingester`] in chunks of 1, 7 and 4096
//! bytes, which must give the same outcome, and must keep the report's
//! invariants. `tests/fixtures/ingest/README.md` says what each file covers.
//!
//! `UPDATE_EXPECTED=1 cargo test --test ingest_corpus` rewrites the expected
//! files. Review every rewritten file by hand against its fixture before
//! committing it: counts, mapping, preset, skip reasons and lines, warnings.

use std::path::{Path, PathBuf};

use ltvlab::ingest::{
    ingest, DataKind, Dataset, IngestOptions, Ingested, Ingester, Preset, Role, SkipReason,
    WarningCode,
};
use ltvlab::summary::{summarize, CustomerSummary, Period, SummaryOptions};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ingest");

/// Chunk sizes every fixture is fed in, besides the whole buffer.
const CHUNK_SIZES: [usize; 3] = [1, 7, 4096];

/// Amounts in hand-computed summaries are sums of a few cents.
const MONEY_TOLERANCE: f64 = 1e-9;

macro_rules! corpus {
    ($($test:ident: $file:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check_fixture($file);
            }
        )*
        /// Every fixture file with a test, to catch files added without one.
        const FIXTURES: &[&str] = &[$($file),*];
    };
}

corpus! {
    // Export presets.
    shopify_orders: "shopify_orders.csv",
    woocommerce_analytics: "woocommerce_analytics.csv",
    stripe_payments: "stripe_payments.csv",
    square_item_sales: "square_item_sales.csv",
    etsy_sold_order_items: "etsy_sold_order_items.csv",
    rakuten_rms_sjis: "rakuten_rms_sjis.csv",
    rakuten_rms_utf8: "rakuten_rms_utf8.csv",
    rakuten_rms_legacy_sjis: "rakuten_rms_legacy_sjis.csv",
    base_orders_utf8: "base_orders_utf8.csv",
    base_orders_sjis: "base_orders_sjis.csv",
    yahoo_shopping_orders_utf8: "yahoo_shopping_orders_utf8.csv",
    yahoo_shopping_orders_sjis: "yahoo_shopping_orders_sjis.csv",
    makeshop_orders_utf8: "makeshop_orders_utf8.csv",
    makeshop_orders_sjis: "makeshop_orders_sjis.csv",
    makeshop_guest_member_utf8: "makeshop_guest_member_utf8.csv",
    makeshop_guest_member_sjis: "makeshop_guest_member_sjis.csv",
    shopify_japanese_orders_utf8: "shopify_japanese_orders_utf8.csv",
    shopify_japanese_orders_sjis: "shopify_japanese_orders_sjis.csv",
    ec_cube_orders_utf8: "ec_cube_orders_utf8.csv",
    ec_cube_orders_sjis: "ec_cube_orders_sjis.csv",
    futureshop_orders_utf8: "futureshop_orders_utf8.csv",
    futureshop_orders_sjis: "futureshop_orders_sjis.csv",
    amazon_order_report_utf8: "amazon_order_report_utf8.txt",
    amazon_order_report_sjis: "amazon_order_report_sjis.txt",
    stores_orders_utf8: "stores_orders_utf8.csv",
    stores_orders_sjis: "stores_orders_sjis.csv",
    square_jp_item_sales_utf8: "square_jp_item_sales_utf8.csv",
    square_jp_item_sales_sjis: "square_jp_item_sales_sjis.csv",
    sales_id_email_customers_sjis: "sales_id_email_customers_sjis.csv",
    order_totals_without_order_ids_sjis: "order_totals_without_order_ids_sjis.csv",
    phone_order_ledger_sjis: "phone_order_ledger_sjis.csv",
    customer_names_only: "customer_names_only.csv",
    hand_ledger_counters: "hand_ledger_counters.csv",
    excel_text_ids_weekday_dates: "excel_text_ids_weekday_dates.csv",
    uci_online_retail: "uci_online_retail.csv",
    lifetimes_summary: "lifetimes_summary.csv",
    long_baskets: "long_baskets.csv",
    basket_lines: "basket_lines.csv",
    generic_english: "generic_english.csv",
    generic_japanese_utf8: "generic_japanese_utf8.csv",
    // Delimiters and encodings.
    semicolon_decimal_comma: "semicolon_decimal_comma.csv",
    tab_delimited: "tab_delimited.tsv",
    pipe_delimited: "pipe_delimited.txt",
    utf8_bom: "utf8_bom.csv",
    utf16le_bom: "utf16le_bom.txt",
    windows1252_legacy: "windows1252_legacy.csv",
    utf16be_bom: "utf16be_bom.txt",
    utf16le_no_bom: "utf16le_no_bom.txt",
    sjis_forced_utf8: "sjis_forced_utf8.csv",
    sjis_behind_utf8_bom: "sjis_behind_utf8_bom.csv",
    sjis_ascii_header: "sjis_ascii_header.csv",
    // Dates.
    day_first_dates: "day_first_dates.csv",
    month_first_dates: "month_first_dates.csv",
    ambiguous_dates: "ambiguous_dates.csv",
    mixed_date_order: "mixed_date_order.csv",
    excel_serial_dates: "excel_serial_dates.csv",
    unix_seconds: "unix_seconds.csv",
    yyyymmdd_dates: "yyyymmdd_dates.csv",
    future_dates: "future_dates.csv",
    three_date_formats: "three_date_formats.csv",
    far_dates: "far_dates.csv",
    // Amounts and rows.
    parenthesized_amounts: "parenthesized_amounts.csv",
    full_width_digits: "full_width_digits.csv",
    mixed_currencies: "mixed_currencies.csv",
    zero_amounts: "zero_amounts.csv",
    duplicate_rows: "duplicate_rows.csv",
    mixed_currency_symbols: "mixed_currency_symbols.csv",
    negative_totals: "negative_totals.csv",
    all_zero_amounts: "all_zero_amounts.csv",
    extreme_amounts: "extreme_amounts.csv",
    one_customer: "one_customer.csv",
    nobody_repeats: "nobody_repeats.csv",
    only_guests: "only_guests.csv",
    // Bad input.
    empty: "empty.csv",
    header_only: "header_only.csv",
    bom_only: "bom_only.csv",
    whitespace_only: "whitespace_only.csv",
    binary_png: "binary_png.csv",
    unequal_field_counts: "unequal_field_counts.csv",
    unterminated_quote: "unterminated_quote.csv",
    quotes_inside_fields: "quotes_inside_fields.csv",
    mixed_line_endings: "mixed_line_endings.csv",
    no_date_column: "no_date_column.csv",
    no_usable_column: "no_usable_column.csv",
    unparseable_dates: "unparseable_dates.csv",
    injection_strings: "injection_strings.csv",
    html_product_names: "html_product_names.csv",
    nul_bytes: "nul_bytes.csv",
    repeated_header: "repeated_header.csv",
    // Silent loss (issue #13): each case is read correctly or reported.
    stray_quote_note: "stray_quote_note.csv",
    encoding_switch_sjis: "encoding_switch_sjis.csv",
    repeated_header_reordered: "repeated_header_reordered.csv",
    repeated_header_other_columns: "repeated_header_other_columns.csv",
    dot_thousands: "dot_thousands.csv",
    dot_thousands_yen: "dot_thousands_yen.csv",
    ambiguous_decimal: "ambiguous_decimal.csv",
    duplicate_header_names: "duplicate_header_names.csv",
    summary_recency_over_t: "summary_recency_over_t.csv",
    summary_not_finite: "summary_not_finite.csv",
    json_array: "json_array.csv",
    one_long_line: "one_long_line.csv",
    blank_lines_before_header: "blank_lines_before_header.csv",
    invisible_ids: "invisible_ids.csv",
    // A hand-made order sheet: tax notes, ▲/△ for minus, ¥1,200-.
    hand_made_yen_notes: "hand_made_yen_notes.csv",
    // Ids a spreadsheet rounded to 1.23457E+11.
    excel_rounded_order_ids: "excel_rounded_order_ids.csv",
    excel_rounded_customer_ids: "excel_rounded_customer_ids.csv",
}

#[test]
fn every_fixture_file_has_a_test_and_an_expectation() {
    let mut untested = Vec::new();
    for entry in std::fs::read_dir(DIR).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let auxiliary = name.ends_with(".expected.json")
            || name.ends_with(".expected-error.txt")
            || name.ends_with(".options.json")
            || name == "README.md";
        if !auxiliary && !FIXTURES.contains(&name.as_str()) {
            untested.push(name);
        }
    }
    assert!(untested.is_empty(), "fixtures without a test: {untested:?}");
    assert!(FIXTURES.len() >= 50, "{} fixtures", FIXTURES.len());
    if std::env::var_os("UPDATE_EXPECTED").is_none() {
        for file in FIXTURES {
            let (json, error) = (expected_path(file, "json"), expected_path(file, "error"));
            assert!(
                json.exists() != error.exists(),
                "{file}: needs exactly one of {} and {}",
                json.display(),
                error.display()
            );
        }
    }
}

/// Ingests one fixture whole and in chunks, checks the invariants and
/// compares the outcome with the expected file.
fn check_fixture(file: &str) -> Option<Ingested> {
    let bytes = std::fs::read(Path::new(DIR).join(file)).unwrap();
    let options = fixture_options(file);
    let whole = ingest(&bytes, &options);
    let rendered = render(&whole);
    for size in CHUNK_SIZES {
        let chunked = ingest_in_chunks(&bytes, &options, size);
        assert_eq!(
            render(&chunked),
            rendered,
            "{file}: chunks of {size} bytes differ from the whole buffer"
        );
    }
    if let Ok(ingested) = &whole {
        check_invariants(file, &bytes, ingested);
    }
    compare_with_expected(file, &whole);
    whole.ok()
}

/// The options in `NAME.options.json`, or the defaults.
fn fixture_options(file: &str) -> IngestOptions {
    let path = Path::new(DIR).join(format!("{}.options.json", stem(file)));
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).unwrap(),
        Err(_) => IngestOptions::default(),
    }
}

fn ingest_in_chunks(
    bytes: &[u8],
    options: &IngestOptions,
    size: usize,
) -> ltvlab::Result<Ingested> {
    let mut ingester = Ingester::new(options.clone())?;
    for chunk in bytes.chunks(size) {
        ingester.push(chunk)?;
    }
    ingester.finish()
}

/// The outcome as text: the pretty JSON report, or `error: MESSAGE`.
fn render(result: &ltvlab::Result<Ingested>) -> String {
    match result {
        Ok(ingested) => serde_json::to_string_pretty(&ingested.report).unwrap() + "\n",
        Err(e) => format!("error: {e}\n"),
    }
}

fn stem(file: &str) -> &str {
    file.rsplit_once('.').map_or(file, |(s, _)| s)
}

fn expected_path(file: &str, kind: &str) -> PathBuf {
    let name = match kind {
        "json" => format!("{}.expected.json", stem(file)),
        _ => format!("{}.expected-error.txt", stem(file)),
    };
    Path::new(DIR).join(name)
}

fn compare_with_expected(file: &str, result: &ltvlab::Result<Ingested>) {
    let (path, other, actual) = match result {
        Ok(ingested) => (
            expected_path(file, "json"),
            expected_path(file, "error"),
            serde_json::to_string_pretty(&ingested.report).unwrap() + "\n",
        ),
        Err(e) => (
            expected_path(file, "error"),
            expected_path(file, "json"),
            format!("{e}\n"),
        ),
    };
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(&path, &actual).unwrap();
        let _ = std::fs::remove_file(&other);
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{file}: no {} (outcome was:\n{actual})\nrun UPDATE_EXPECTED=1 cargo test --test ingest_corpus and review it",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "{file}: outcome differs from {}",
        path.display()
    );
}

/// What must hold for every successful ingest, whatever the file.
fn check_invariants(file: &str, bytes: &[u8], ingested: &Ingested) {
    let r = &ingested.report;
    assert_eq!(
        r.rows_read,
        r.rows_used + r.rows_skipped,
        "{file}: read = used + skipped"
    );
    let grouped: u64 = r.skipped.iter().map(|g| g.count).sum();
    assert_eq!(grouped, r.rows_skipped, "{file}: skip groups add up");
    // A physical line count that also counts lone CRs, so every reported
    // line number must fall inside it.
    let lines = bytes.split(|&b| b == b'\n' || b == b'\r').count() as u64;
    for g in &r.skipped {
        assert!(g.count > 0 && !g.examples.is_empty(), "{file}: {g:?}");
        for e in &g.examples {
            assert!(
                e.line >= 1 && e.line <= lines,
                "{file}: line {} of {lines}",
                e.line
            );
        }
    }
    for w in &r.warnings {
        assert!(
            !w.message.is_empty() && !w.message.ends_with('.'),
            "{file}: {w:?}"
        );
        assert!(
            w.message.starts_with(|c: char| !c.is_uppercase()),
            "{file}: {w:?}"
        );
    }
    for m in &r.mapping {
        assert_eq!(r.columns.get(m.index), Some(&m.name), "{file}: {m:?}");
    }
    let summary = summarize(&ingested.data, &SummaryOptions::default());
    match (&ingested.data, r.kind) {
        (Dataset::Transactions(_), DataKind::Transactions) => {
            let s = summary.unwrap_or_else(|e| panic!("{file}: summary failed: {e}"));
            // Customers whose every order was reversed have no purchase.
            assert!(
                s.customers.len() as u64 <= r.stats.customers,
                "{file}: customers"
            );
            for c in &s.customers {
                assert!(c.frequency >= 0.0 && c.recency <= c.t, "{file}: {c:?}");
            }
        }
        (Dataset::Summary(rows), DataKind::Summary) => {
            assert_eq!(rows.len() as u64, r.rows_used, "{file}");
            assert_eq!(summary.unwrap().customers.len(), rows.len(), "{file}");
        }
        (Dataset::Baskets(t), DataKind::Baskets) => {
            assert_eq!(t.order_count() as u64, r.stats.orders, "{file}");
            assert!(summary.is_err(), "{file}: baskets have no customers");
        }
        (_, kind) => panic!("{file}: data does not match the report's kind {kind:?}"),
    }
}

// ---------------------------------------------------------------------------
// Hand-computed summaries of key fixtures (period: day; observation end: the
// last date in the data).
// ---------------------------------------------------------------------------

/// `(customer, frequency, recency, T, monetary_value, orders, total_spend)`.
type Expected<'a> = (&'a str, f64, f64, f64, f64, u32, f64);

fn assert_summary(file: &str, period: Period, want: &[Expected<'_>]) {
    let ingested = check_fixture(file).unwrap();
    let options = SummaryOptions {
        period,
        ..SummaryOptions::default()
    };
    let got = summarize(&ingested.data, &options).unwrap().customers;
    let got: Vec<&CustomerSummary> = got.iter().collect();
    assert_eq!(got.len(), want.len(), "{file}: {got:#?}");
    for (c, &(id, frequency, recency, t, monetary, orders, spend)) in got.iter().zip(want) {
        assert_eq!(c.customer_id, id, "{file}");
        assert_eq!(
            (c.frequency, c.recency, c.t),
            (frequency, recency, t),
            "{file}: {id}"
        );
        assert!(
            (c.monetary_value - monetary).abs() < MONEY_TOLERANCE,
            "{file}: {id} monetary_value {} != {monetary}",
            c.monetary_value
        );
        assert_eq!(c.orders, Some(orders), "{file}: {id}");
        let total = c.total_spend.unwrap();
        assert!(
            (total - spend).abs() < MONEY_TOLERANCE,
            "{file}: {id} total_spend {total} != {spend}"
        );
    }
}

#[test]
fn shopify_summary_by_hand() {
    // #1001 (alice, 01-05): Subtotal 3600, once for its two line rows.
    // #1003 refunded and #1006 voided are skipped by status.
    // #1004 (alice, 02-20): Subtotal 4800 - Refunded Amount 1200 = 3600.
    // Observation end: #1005 on 2024-03-01.
    assert_summary(
        "shopify_orders.csv",
        Period::Day,
        &[
            ("alice@example.com", 1.0, 46.0, 56.0, 3600.0, 2, 7200.0),
            ("bob@example.com", 0.0, 0.0, 52.0, 0.0, 1, 1500.0),
            ("carol@example.com", 0.0, 0.0, 0.0, 0.0, 1, 2400.0),
        ],
    );
}

#[test]
fn uci_summary_by_hand() {
    // 13085: 489434 = 12 × 6.95 + 12 × 6.75 = 164.40, less C489459
    // (2 × 6.95 = 13.90) netted into it = 150.50; 489435 = 12 × 2.55 =
    // 30.60 on the same day, so one period of 181.10.
    // 13078: 489436 = 59.50 on 12-01; 489520 = 30.00 and the zero-priced
    // 489521 on 12-03: one repeat period worth 30.00.
    assert_summary(
        "uci_online_retail.csv",
        Period::Day,
        &[
            ("13085", 0.0, 0.0, 2.0, 0.0, 2, 181.1),
            ("13078", 1.0, 2.0, 2.0, 30.0, 3, 89.5),
        ],
    );
}

#[test]
fn stripe_summary_by_hand() {
    // The failed and the fully refunded payments are skipped; the partial
    // refund leaves 49.00 - 20.00 = 29.00; the guest checkout is left out.
    // Observation end 2024-02-16.
    assert_summary(
        "stripe_payments.csv",
        Period::Day,
        &[
            ("cus_PQ1aaaaaaa", 2.0, 41.0, 42.0, 39.0, 3, 127.0),
            ("cus_PQ2bbbbbbb", 0.0, 0.0, 13.0, 0.0, 1, 19.0),
        ],
    );
}

#[test]
fn square_summary_by_hand() {
    // CUST7Q: T1aaaa = 4.50 + 1.90 on 01-05; the cookie refund (-0.95) on
    // 01-07 nets into T1aaaa, which holds a cookie: 5.45; T5eeee = 4.50 on
    // 01-12. CUST9Z: 7.20 net of the discount. The drip coffee is a guest's.
    assert_summary(
        "square_item_sales.csv",
        Period::Day,
        &[
            ("CUST7Q", 1.0, 7.0, 7.0, 4.5, 2, 9.95),
            ("CUST9Z", 0.0, 0.0, 6.0, 0.0, 1, 7.2),
        ],
    );
}

#[test]
fn generic_english_summary_by_hand_by_week() {
    // Weeks start on Monday: 2024-01-01, 01-08, 01-15, 01-29, 02-05.
    // C001: O-1001 (wk 01-01) 2 × 4.50 + 3 × 1.20 = 12.60; O-1004 (wk 01-15)
    // 4.00; O-1006 (wk 02-05) 24.99. End 2024-02-11 is in week 02-05.
    assert_summary(
        "generic_english.csv",
        Period::Week,
        &[
            ("C001", 2.0, 5.0, 5.0, (4.0 + 24.99) / 2.0, 3, 41.59),
            ("C002", 1.0, 4.0, 5.0, 12.0, 2, 16.5),
            ("C003", 0.0, 0.0, 4.0, 0.0, 1, 24.99),
        ],
    );
}

#[test]
fn japanese_summary_by_hand_by_month() {
    assert_summary(
        "generic_japanese_utf8.csv",
        Period::Month,
        &[
            ("M0001", 1.0, 1.0, 1.0, 4000.0, 3, 7600.0),
            ("M0002", 1.0, 1.0, 1.0, 1200.0, 2, 3200.0),
            ("M0003", 0.0, 0.0, 0.0, 0.0, 1, 1800.0),
        ],
    );
}

#[test]
fn day_first_summary_by_hand() {
    // 13/01/2024 proves the column day-first; 02/01 is 2 January.
    assert_summary(
        "day_first_dates.csv",
        Period::Day,
        &[
            ("GB-001", 2.0, 40.0, 40.0, 26.75, 3, 78.5),
            ("GB-002", 1.0, 29.0, 37.0, 22.0, 2, 62.0),
            ("GB-003", 0.0, 0.0, 14.0, 0.0, 1, 60.0),
        ],
    );
}

#[test]
fn rakuten_decodes_japanese_and_repeats_no_order_total() {
    let ingested = check_fixture("rakuten_rms_sjis.csv").unwrap();
    let r = &ingested.report;
    assert_eq!(
        (r.encoding.as_str(), r.preset),
        ("Shift_JIS", Preset::RakutenRms)
    );
    assert_eq!(r.stats.total_amount, 4000.0 + 2000.0 + 3000.0);
    let Dataset::Transactions(t) = &ingested.data else {
        panic!("not transactions")
    };
    let names: Vec<&str> = (0..t.items().len() as u32)
        .map(|i| t.item_name(i))
        .collect();
    assert!(names.contains(&"静岡煎茶 100g"), "{names:?}");
    // 注文時間 is recognised as the separate time-of-day column (mapped and
    // reported; the analyses work on days).
    assert!(r
        .mapping
        .iter()
        .any(|m| m.role == ltvlab::ingest::Role::Time && m.name == "注文時間"));
}

/// A Japanese platform's export, by hand: `(customer, orders, total
/// spend)` per named customer in the summary's order, and the report's
/// customers, orders (guests' included), guest rows and revenue (all kept
/// rows, guests' included).
struct Shop<'a> {
    preset: Preset,
    customers: &'a [(&'a str, u32, f64)],
    orders: u64,
    guest_rows: u64,
    revenue: f64,
}

/// Checks both copies of a preset's fixture (`NAME_utf8.EXT`,
/// `NAME_sjis.EXT`, the same rows in UTF-8 and CP932) against `want`.
fn assert_shop(name: &str, ext: &str, want: &Shop<'_>) {
    for (file, encoding) in [
        (format!("{name}_utf8.{ext}"), "UTF-8"),
        (format!("{name}_sjis.{ext}"), "Shift_JIS"),
    ] {
        let ingested = check_fixture(&file).unwrap();
        let r = &ingested.report;
        assert_eq!(
            (r.encoding.as_str(), r.preset),
            (encoding, want.preset),
            "{file}"
        );
        assert_eq!(r.kind, DataKind::Transactions, "{file}");
        assert_eq!(r.stats.customers, want.customers.len() as u64, "{file}");
        assert_eq!(r.stats.orders, want.orders, "{file}");
        assert_eq!(r.stats.guest_rows, want.guest_rows, "{file}");
        assert!(
            (r.stats.total_amount - want.revenue).abs() < MONEY_TOLERANCE,
            "{file}: revenue {} != {}",
            r.stats.total_amount,
            want.revenue
        );
        let got = summarize(&ingested.data, &SummaryOptions::default())
            .unwrap()
            .customers;
        let got: Vec<(&str, u32, f64)> = got
            .iter()
            .map(|c| {
                (
                    c.customer_id.as_str(),
                    c.orders.unwrap(),
                    c.total_spend.unwrap(),
                )
            })
            .collect();
        assert_eq!(got.len(), want.customers.len(), "{file}: {got:?}");
        for (g, w) in got.iter().zip(want.customers) {
            assert_eq!((g.0, g.1), (w.0, w.1), "{file}");
            assert!(
                (g.2 - w.2).abs() < MONEY_TOLERANCE,
                "{file}: {g:?} != {w:?}"
            );
        }
    }
}

#[test]
fn base_orders_by_hand() {
    // 価格 × 数量 per row; 合計金額 (items + 送料 600, on every row of the
    // order) is not used. 発送状況 キャンセル drops ...705 and ...709.
    // yamada: ...701 1200×2 + 1600 = 4000; ...704 800×2 + 3500 = 5100;
    // ...708 1000 (未発送 is a sale): 10100 over 3 orders.
    // sato: ...702 2000; ...706 2000×2 + 1800 = 5800: 7800.
    // suzuki: ...703 1000×3 = 3000. tanaka: ...710 800×3 = 2400.
    // ...707 (no e-mail) is a guest's 1200.
    // Revenue 10100 + 7800 + 3000 + 2400 + 1200 = 24500 in 8 orders.
    assert_shop(
        "base_orders",
        "csv",
        &Shop {
            preset: Preset::Base,
            customers: &[
                ("yamada.taro@example.jp", 3, 10100.0),
                ("sato.hanako@example.jp", 2, 7800.0),
                ("suzuki.ichiro@example.jp", 1, 3000.0),
                ("tanaka.yuki@example.jp", 1, 2400.0),
            ],
            orders: 8,
            guest_rows: 1,
            revenue: 24500.0,
        },
    );
}

#[test]
fn yahoo_shopping_orders_by_hand() {
    // Read as orders (OrderTime is the date), UnitPrice × Quantity per row.
    // OrderStatus 4 drops ...004. ito: ...001 1200×2 + 1600 = 4000, ...003
    // 1000×2 = 2000, ...008 1200×3 = 3600 (status 2, 処理中, a sale): 9600.
    // kato: ...002 2000, ...005 2000 + 1800 = 3800: 5800. watanabe: ...007
    // 800×2 = 1600. ...006 (no BillMailAddress) is a guest's 1200.
    // Revenue 9600 + 5800 + 1600 + 1200 = 18200 in 7 orders.
    assert_shop(
        "yahoo_shopping_orders",
        "csv",
        &Shop {
            preset: Preset::YahooShopping,
            customers: &[
                ("ito.kenji@example.ne.jp", 3, 9600.0),
                ("kato.misaki@example.ne.jp", 2, 5800.0),
                ("watanabe.sho@example.ne.jp", 1, 1600.0),
            ],
            orders: 7,
            guest_rows: 1,
            revenue: 18200.0,
        },
    );
}

#[test]
fn makeshop_orders_by_hand() {
    // 販売価格 `1,980円` × 数量; 処理状況 注文キャンセル (...704) and 返送
    // (...705) are dropped. kobayashi01: ...701 1980×2 + 1650 = 5610, ...703
    // 1080×2 = 2160, ...708 1980 + 770 = 2750 (未処理, a sale): 10520.
    // nakamura22: ...702 2480. yoshida7: ...707 980×3 = 2940. ...706 has no
    // 会員ID (a guest checkout) but the address yamaguchi@example.com, which
    // identifies its customer: 1980.
    // Revenue 10520 + 2480 + 2940 + 1980 = 17920 in 6 orders.
    assert_shop(
        "makeshop_orders",
        "csv",
        &Shop {
            preset: Preset::MakeShop,
            customers: &[
                ("kobayashi01", 3, 10520.0),
                ("nakamura22", 1, 2480.0),
                ("yamaguchi@example.com", 1, 1980.0),
                ("yoshida7", 1, 2940.0),
            ],
            orders: 6,
            guest_rows: 0,
            revenue: 17920.0,
        },
    );
}

#[test]
fn makeshop_guest_checkouts_join_the_member_with_their_address() {
    // 会員ID empty on P1, P4, P5 and P6 (guest checkouts), each with an
    // address. nakamura@example.com is also member nakamura22's address (P3),
    // so P1 (2480) and P5 (770) join P3 (2480×2): 3 orders, 8210, the first
    // on 2024-01-05. yamaguchi@example.com is no member's: its own customer,
    // P4 1980 + P6 770 = 2750. kobayashi01: P2 1980×2 = 3960.
    // Revenue 8210 + 3960 + 2750 = 14920 in 6 orders, no guest row.
    assert_shop(
        "makeshop_guest_member",
        "csv",
        &Shop {
            preset: Preset::MakeShop,
            customers: &[
                ("nakamura22", 3, 8210.0),
                ("kobayashi01", 1, 3960.0),
                ("yamaguchi@example.com", 2, 2750.0),
            ],
            orders: 6,
            guest_rows: 0,
            revenue: 14920.0,
        },
    );
    let r = check_fixture("makeshop_guest_member_utf8.csv")
        .unwrap()
        .report;
    let w: Vec<_> = r
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::EmailIds)
        .collect();
    assert_eq!(w.len(), 1, "{:?}", r.warnings);
    assert_eq!(w[0].lines, vec![2, 5, 6, 7]);
    assert!(
        w[0].message
            .starts_with("4 rows have no customer id in \"会員ID\""),
        "{}",
        w[0].message
    );
    assert!(
        w[0].message
            .contains("1 of those addresses belongs to a member"),
        "{}",
        w[0].message
    );
}

#[test]
fn rakuten_rms_orders_by_hand() {
    // 単価 × 個数 per item row (合計金額 repeats the order's total on each):
    // ...101 1200×2 + 1600 = 4000 and ...104 1000×3 = 3000 (発送待ち, a
    // sale) for r-taro01; ...102 2000 for r-hanako; ...103 キャンセル確定 is
    // dropped. Revenue 9000 in 3 orders.
    assert_shop(
        "rakuten_rms",
        "csv",
        &Shop {
            preset: Preset::RakutenRms,
            customers: &[("r-taro01", 2, 7000.0), ("r-hanako", 1, 2000.0)],
            orders: 3,
            guest_rows: 0,
            revenue: 9000.0,
        },
    );
}

#[test]
fn shopify_japanese_orders_by_hand() {
    // 小計 once per order (on its first row), less 返金額. 返金済み (#1003)
    // and 無効 (#1007) are dropped. aoki: #1001 3600, #1004 4800 - 1200 =
    // 3600: 7200. mori: #1002 1500, #1008 4500: 6000. ishii: #1006 2400.
    // #1005 has no メール: a guest's 2000.
    // Revenue 7200 + 6000 + 2400 + 2000 = 17600 in 6 orders.
    assert_shop(
        "shopify_japanese_orders",
        "csv",
        &Shop {
            preset: Preset::Shopify,
            customers: &[
                ("aoki.mai@example.jp", 2, 7200.0),
                ("mori.ken@example.jp", 2, 6000.0),
                ("ishii.yui@example.jp", 1, 2400.0),
            ],
            orders: 6,
            guest_rows: 1,
            revenue: 17600.0,
        },
    );
}

#[test]
fn ec_cube_orders_by_hand() {
    // The customer is the e-mail: 会員ID is 0 for every guest, which would
    // make kinoshita and shimizu one customer. 価格 × 個数 per row (小計,
    // 合計 and 支払合計 repeat the order's figures). 対応状況(名称) キャンセル
    // (104) and 返品 (107) are dropped; 新規受付 and 入金済み are sales.
    // inoue: 101 1000×2 + 1500 = 3500, 103 2000: 5500. kinoshita: 102
    // 1200×2 = 2400, 105 800: 3200. matsumoto: 106 1500×2 = 3000.
    // shimizu: 108 2200.
    // Revenue 5500 + 3200 + 3000 + 2200 = 13900 in 6 orders.
    assert_shop(
        "ec_cube_orders",
        "csv",
        &Shop {
            preset: Preset::EcCube,
            customers: &[
                ("inoue.ryo@example.com", 2, 5500.0),
                ("kinoshita.ai@example.com", 2, 3200.0),
                ("matsumoto.y@example.com", 1, 3000.0),
                ("shimizu.ren@example.com", 1, 2200.0),
            ],
            orders: 6,
            guest_rows: 0,
            revenue: 13900.0,
        },
    );
}

#[test]
fn futureshop_orders_by_hand() {
    // 販売単価 × 購入数量 per row (請求合計金額, with 送料, repeats on each
    // row of the order). okada: 00012001 1980×2 + 1100 = 5060, 00012003
    // 1980: 7040. maeda: 00012002 3300, 00012005 3300 + 1980 = 5280: 8580.
    // ishikawa: 00012006 880×3 = 2640. 00012004 has no e-mail: a guest's
    // 1100×2 = 2200.
    // Revenue 7040 + 8580 + 2640 + 2200 = 20460 in 6 orders.
    assert_shop(
        "futureshop_orders",
        "csv",
        &Shop {
            preset: Preset::Futureshop,
            customers: &[
                ("okada.naoki@example.jp", 2, 7040.0),
                ("maeda.aya@example.jp", 2, 8580.0),
                ("ishikawa.haruka@example.jp", 1, 2640.0),
            ],
            orders: 6,
            guest_rows: 1,
            revenue: 20460.0,
        },
    );
}

#[test]
fn amazon_order_report_by_hand() {
    // Tab-separated; item-price is the line's total (quantity already in
    // it). x7k2…: 1000001 2400 + 1600 = 4000, 1000003 3000: 7000. b3n6…:
    // 1000002 2000, 1000006 4000 + 1800 = 5800: 7800. z5w8…: 1000005 3500.
    // 1000004 has no buyer-email: a guest's 800.
    // Revenue 7000 + 7800 + 3500 + 800 = 19100 in 6 orders.
    assert_shop(
        "amazon_order_report",
        "txt",
        &Shop {
            preset: Preset::AmazonSellerCentral,
            customers: &[
                ("x7k2m9p4q1r8s5t@marketplace.amazon.co.jp", 2, 7000.0),
                ("b3n6c8d1f4g7h2j@marketplace.amazon.co.jp", 2, 7800.0),
                ("z5w8v1u4t7s2r9q@marketplace.amazon.co.jp", 1, 3500.0),
            ],
            orders: 6,
            guest_rows: 1,
            revenue: 19100.0,
        },
    );
}

#[test]
fn stores_orders_by_hand() {
    // 価格 × 数量 per row (小計 and 合計金額, with 送料, repeat on each row of
    // the order). ステータス キャンセル (6032145003) and 返金済み (6032145005)
    // are dropped; 入金待ち, 未発送 and 発送済み are sales.
    // nishimura: 001 1080×2 + 1620 = 3780, 004 4400, 008 864×2 = 1728: 9908.
    // fujita: 002 1296, 010 1080: 2376. ogawa: 006 864×3 = 2592.
    // hasegawa: 007 1080 + 864 = 1944. 009 has no e-mail: a guest's 1620.
    // Revenue 9908 + 2376 + 2592 + 1944 + 1620 = 18440 in 8 orders.
    assert_shop(
        "stores_orders",
        "csv",
        &Shop {
            preset: Preset::Stores,
            customers: &[
                ("nishimura.mio@example.jp", 3, 9908.0),
                ("fujita.sho@example.jp", 2, 2376.0),
                ("ogawa.rie@example.jp", 1, 2592.0),
                ("hasegawa.k@example.jp", 1, 1944.0),
            ],
            orders: 8,
            guest_rows: 1,
            revenue: 18440.0,
        },
    );
}

#[test]
fn square_jp_item_sales_by_hand() {
    // 純売上高 per item row (after the -￥70 discount), `￥1,260`; the 返金
    // row (its own 取引ID) is a reversal netted against the customer's
    // spend, not an order. 7QZK…: Xa1 550 + 640 = 1190, Xe9 550, refund
    // -320: 2 orders, 1420. N4R8…: Xb3 630, Xf1 1260 + 550 = 1810: 2 orders,
    // 2440. K9L2…: Xg3 2400. Walk-in guests (no 顧客ID): Xc5 450, Xh5 1100.
    // Revenue 1420 + 2440 + 2400 + 450 + 1100 = 7810 in 7 orders.
    assert_shop(
        "square_jp_item_sales",
        "csv",
        &Shop {
            preset: Preset::Square,
            customers: &[
                ("7QZK3M1XH5B2C9D4", 2, 1420.0),
                ("N4R8T2W6Y1P3S5V7", 2, 2440.0),
                ("K9L2M5N8Q1R4T7W3", 1, 2400.0),
            ],
            orders: 7,
            guest_rows: 2,
            revenue: 7810.0,
        },
    );
}

/// The customers of `data` in order of first appearance are `want`'s (id,
/// orders, total spend within [`MONEY_TOLERANCE`]), worked out by hand.
fn assert_customers(file: &str, data: &Dataset, want: &[(&str, u32, f64)]) {
    let got = summarize(data, &SummaryOptions::default())
        .unwrap()
        .customers;
    assert_eq!(got.len(), want.len(), "{file}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(
            (g.customer_id.as_str(), g.orders),
            (w.0, Some(w.1)),
            "{file}"
        );
        assert!(
            (g.total_spend.unwrap() - w.2).abs() < MONEY_TOLERANCE,
            "{file}: {g:?}"
        );
    }
}

/// A shop's own files with no customer id or e-mail column: a phone-order
/// ledger (受付日, 注文番号, お客様名 with 様, 電話番号 written five ways,
/// `000-0000-0000` for a walk-in, a row without a number) is keyed by the
/// number's digits, not by the name beside it; a list with names only
/// (お名前 spaced three ways, with and without 様, one empty) by the name.
/// Each says so in a warning.
#[test]
fn phone_numbers_and_names_tell_customers_apart_by_hand() {
    // Ledger: 090-1111-2222 = 09011112222 = +81 90-1111-2222: T-001 2160 +
    // 3300, T-004 2160, T-008 2160 = 9780. 080-3333-4444 = 080 3333 4444:
    // T-002 864, T-006 1728, T-010 1080 = 3672. ０７０－５５５５－６６６６:
    // T-005 2160. 03-1234-5678: T-007 1080 + 864 = 1944. Guests: T-003
    // (000-0000-0000) and T-009 (no number). Names: 山田 太郎, 山田　太郎 様,
    // 山田太郎: 1500 + 900 + 1500; 佐藤花子, 佐藤 花子: 1500 + 900; 鈴木 一郎
    // 1500; one row without a name.
    type Want = [(&'static str, u32, f64)];
    let cases: [(&str, &str, WarningCode, &Want, u64, u64); 2] = [
        (
            "phone_order_ledger_sjis.csv",
            "電話番号",
            WarningCode::CustomersByPhone,
            &[
                ("09011112222", 3, 9780.0),
                ("08033334444", 3, 3672.0),
                ("07055556666", 1, 2160.0),
                ("0312345678", 1, 1944.0),
            ],
            10,
            2,
        ),
        (
            "customer_names_only.csv",
            "お名前",
            WarningCode::CustomersByName,
            &[
                ("山田太郎", 3, 3900.0),
                ("佐藤花子", 2, 2400.0),
                ("鈴木一郎", 1, 1500.0),
            ],
            7,
            1,
        ),
    ];
    for (file, column, code, want, orders, guest_rows) in cases {
        let ingested = check_fixture(file).unwrap();
        let r = &ingested.report;
        let customer = r.mapping.iter().find(|m| m.role == Role::Customer);
        assert_eq!(customer.map(|m| m.name.as_str()), Some(column), "{file}");
        assert_eq!(
            (r.stats.customers, r.stats.orders, r.stats.guest_rows),
            (want.len() as u64, orders, guest_rows),
            "{file}"
        );
        let said: Vec<_> = r.warnings.iter().map(|w| w.code).collect();
        assert_eq!(said, [code], "{file}");
        assert!(
            r.warnings[0].message.contains(&format!("\"{column}\"")),
            "{file}"
        );
        assert_customers(file, &ingested.data, want);
    }
}

/// Without an order column, an order is a customer's rows of one date:
/// the customer's key, not the text, so one number written two ways (or
/// one name spaced two ways) on one day is one order of one customer. A
/// placeholder number is a guest's, as an empty one is.
#[test]
fn an_order_without_an_order_column_is_one_per_phone_number_or_name_and_day() {
    // (file, customers, orders with the guest's, the customers' purchases),
    // by hand: 山田's two rows of 04-01 are one order.
    let cases: [(&str, u64, u64, u32); 2] = [
        (
            "注文日,電話番号,商品名,金額\n2024/04/01,090-1111-2222,茶,1000\n2024/04/01,09011112222,急須,3000\n2024/04/08,090 1111 2222,茶,1000\n2024/04/08,000-0000-0000,茶,500\n",
            1,
            3,
            2,
        ),
        (
            "注文日,お名前,商品名,金額\n2024/04/01,山田 太郎,茶,1000\n2024/04/01,山田太郎 様,急須,3000\n2024/04/08,佐藤 花子,茶,1000\n",
            2,
            2,
            2,
        ),
    ];
    for (text, customers, orders, purchases) in cases {
        let ingested = ingest(text.as_bytes(), &IngestOptions::default()).unwrap();
        let r = &ingested.report;
        assert_eq!(
            (r.stats.customers, r.stats.orders),
            (customers, orders),
            "{text}"
        );
        let bought: u32 = summarize(&ingested.data, &SummaryOptions::default())
            .unwrap()
            .customers
            .iter()
            .filter_map(|c| c.orders)
            .sum();
        assert_eq!(bought, purchases, "{text}");
    }
}

/// An export with an order id named 売上ID (カラーミーショップ calls an
/// order a 売上), 販売個数 for the quantity, the buyer's name and e-mail
/// address and no member id, and 合計金額 (with 送料) repeated on each row
/// of an order: the address is the customer (the name is not: 佐藤 優 with
/// a second address is a second customer, as in the exports keyed by
/// address), and each order's total counts once. The same rows without the
/// order column give the same shop: an order is a customer's rows of one
/// 受注日時, and a repeated total is not a zero amount.
#[test]
fn sales_ids_and_email_customers_by_hand() {
    // hanako: 30101 2710, 30104 1630, 30106 3790 (two rows): 8130.
    // yu.sato: 30102 7560 (two rows). yu.sato.work: 30103 1414.
    // ichiro: 30105 3142. Revenue 8130 + 7560 + 1414 + 3142 = 20246.
    let want = [
        ("hanako@example.jp", 3, 8130.0),
        ("yu.sato@example.jp", 1, 7560.0),
        ("yu.sato.work@example.jp", 1, 1414.0),
        ("ichiro@example.jp", 1, 3142.0),
    ];
    for (file, order) in [
        ("sales_id_email_customers_sjis.csv", Some("売上ID")),
        ("order_totals_without_order_ids_sjis.csv", None),
    ] {
        let ingested = check_fixture(file).unwrap();
        let r = &ingested.report;
        let column = |role: Role| {
            r.mapping
                .iter()
                .find(|m| m.role == role)
                .map(|m| m.name.as_str())
        };
        assert_eq!(
            column(Role::Customer),
            Some("購入者 メールアドレス"),
            "{file}"
        );
        assert_eq!(column(Role::Email), None, "{file}");
        assert_eq!(column(Role::Order), order, "{file}");
        assert_eq!(column(Role::Quantity), Some("販売個数"), "{file}");
        assert_eq!((r.stats.customers, r.stats.orders), (4, 6), "{file}");
        assert!(
            (r.stats.total_amount - 20246.0).abs() < MONEY_TOLERANCE,
            "{file}: {}",
            r.stats.total_amount
        );
        assert!(
            r.warnings
                .iter()
                .all(|w| w.code != WarningCode::ZeroAmounts),
            "{file}: {:?}",
            r.warnings
        );
        assert_customers(file, &ingested.data, &want);
    }
}

#[test]
fn injection_strings_are_kept_verbatim() {
    let ingested = check_fixture("injection_strings.csv").unwrap();
    let Dataset::Transactions(t) = &ingested.data else {
        panic!("not transactions")
    };
    let customers: Vec<&str> = t.customers().names().collect();
    assert_eq!(customers, ["H-1", "=1+1", "=HYPERLINK(\"http://x\")"]);
    let items: Vec<&str> = (0..t.items().len() as u32)
        .map(|i| t.item_name(i))
        .collect();
    assert!(
        items.contains(&"=HYPERLINK(\"http://x\",\"click\")"),
        "{items:?}"
    );
}

// ---------------------------------------------------------------------------
// Streaming: inputs larger than the sniff buffer, so that chunks really are
// decoded and tokenized one by one.
// ---------------------------------------------------------------------------

/// Repeats the data lines of a fixture until the input passes `min_bytes`.
/// Lines end with `eol`, in the fixture's own encoding.
fn grow(file: &str, eol: &[u8], min_bytes: usize) -> Vec<u8> {
    let bytes = std::fs::read(Path::new(DIR).join(file)).unwrap();
    let mut lines: Vec<&[u8]> = split_keep(&bytes, eol);
    let header = lines.remove(0);
    let mut out = header.to_vec();
    while out.len() < min_bytes {
        for l in &lines {
            out.extend_from_slice(l);
        }
    }
    out
}

/// Splits after each `eol`, looking only at offsets that are multiples of
/// the code unit (two bytes for UTF-16 line ends, one otherwise).
fn split_keep<'a>(bytes: &'a [u8], eol: &[u8]) -> Vec<&'a [u8]> {
    let unit = if eol.len() == 4 { 2 } else { 1 };
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i + eol.len() <= bytes.len() {
        if &bytes[i..i + eol.len()] == eol {
            out.push(&bytes[start..i + eol.len()]);
            i += eol.len();
            start = i;
        } else {
            i += unit;
        }
    }
    if start < bytes.len() {
        out.push(&bytes[start..]);
    }
    out
}

fn assert_streaming_matches_whole(name: &str, bytes: &[u8]) -> Ingested {
    let options = IngestOptions::default();
    let whole = ingest(bytes, &options);
    let rendered = render(&whole);
    for size in [1, 7, 4096, 65_537] {
        assert_eq!(
            render(&ingest_in_chunks(bytes, &options, size)),
            rendered,
            "{name}: chunks of {size} bytes"
        );
    }
    let ingested = whole.unwrap();
    let r = &ingested.report;
    assert_eq!(r.rows_read, r.rows_used + r.rows_skipped, "{name}");
    ingested
}

const PAST_SNIFF: usize = ltvlab::ingest::SNIFF_BYTES + 50_000;

#[test]
fn streaming_shift_jis_splits_characters_across_chunks() {
    let bytes = grow("rakuten_rms_sjis.csv", b"\r\n", PAST_SNIFF);
    let ingested = assert_streaming_matches_whole("rakuten", &bytes);
    let r = &ingested.report;
    assert_eq!(r.encoding, "Shift_JIS");
    assert!(r
        .warnings
        .iter()
        .all(|w| w.code != WarningCode::InvalidBytes));
    assert_eq!(r.stats.customers, 2);
}

#[test]
fn streaming_utf16_splits_code_units_across_chunks() {
    let bytes = grow("utf16le_bom.txt", b"\r\0\n\0", PAST_SNIFF);
    let ingested = assert_streaming_matches_whole("utf16", &bytes);
    assert_eq!(ingested.report.encoding, "UTF-16LE");
    assert!(ingested.report.bom);
    assert_eq!(ingested.report.stats.customers, 3);
}

#[test]
fn streaming_shopify_carries_order_fields_across_chunks() {
    // Order names repeat, so orders merge; what matters is that the chunked
    // runs agree with the whole one.
    let bytes = grow("shopify_orders.csv", b"\n", PAST_SNIFF);
    let ingested = assert_streaming_matches_whole("shopify", &bytes);
    assert_eq!(ingested.report.preset, Preset::Shopify);
    assert_eq!(ingested.report.stats.customers, 3);
}

#[test]
fn streaming_unterminated_quote_at_the_end_of_a_large_file() {
    // The line after the open quote is a row of its own: both lines are
    // read, with a warning. Text that is no row stays one skipped row.
    let grown = grow("generic_english.csv", b"\n", PAST_SNIFF);
    let rows = ingest(&grown, &IngestOptions::default())
        .unwrap()
        .report
        .rows_read;
    let cases: [(&[u8], u64, Option<WarningCode>, u64); 2] = [
        (
            b"C009,O-9999,2024-02-12,\"Open quote,1,1.00\nC010,O-10000,2024-02-13,Pen,1,1.00\n",
            rows + 2,
            Some(WarningCode::RunawayQuote),
            0,
        ),
        (
            b"C009,O-9999,2024-02-12,\"Open quote,1,1.00\nno row here\n",
            rows + 1,
            None,
            1,
        ),
    ];
    for (tail, read, warning, open) in cases {
        let mut bytes = grown.clone();
        bytes.extend_from_slice(tail);
        let ingested = assert_streaming_matches_whole("open quote", &bytes);
        let r = &ingested.report;
        assert_eq!(r.rows_read, read);
        let runaway = r
            .warnings
            .iter()
            .find(|w| w.code == WarningCode::RunawayQuote);
        assert_eq!(runaway.map(|w| w.code), warning);
        let skipped: u64 = r
            .skipped
            .iter()
            .filter(|g| g.reason == SkipReason::UnterminatedQuote)
            .map(|g| g.count)
            .sum();
        assert_eq!(skipped, open);
    }
}

/// A 10 MB cell, generated here rather than committed.
#[test]
fn a_ten_megabyte_field_is_read_and_reported() {
    let mut bytes = b"customer_id,order_date,amount,note\nA,2024-01-02,1.00,\"".to_vec();
    bytes.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    bytes.extend_from_slice(b"\"\nB,2024-01-03,2.00,ok\nA,2024-01-09,3.00,ok\n");
    let ingested = assert_streaming_matches_whole("10 MB field", &bytes);
    let r = &ingested.report;
    assert_eq!((r.rows_read, r.rows_used, r.rows_skipped), (3, 3, 0));
    let large: Vec<_> = r
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::LargeField)
        .collect();
    assert_eq!(large.len(), 1, "{:?}", r.warnings);
    assert_eq!(large[0].lines, [2]);
    assert_eq!(r.stats.total_amount, 6.0);
}

/// A single line of 10 MB is not a basket file: an error says what it is.
#[test]
fn a_ten_megabyte_single_line_is_an_error() {
    let mut bytes = Vec::with_capacity(10 * 1024 * 1024 + 16);
    let mut i = 0;
    while bytes.len() < 10 * 1024 * 1024 {
        bytes.extend_from_slice(format!("sku-{i},").as_bytes());
        i += 1;
    }
    for result in [
        ingest(&bytes, &IngestOptions::default()),
        ingest_in_chunks(&bytes, &IngestOptions::default(), 1 << 20),
    ] {
        assert_eq!(
            result.unwrap_err().to_string(),
            "line 1: the first line is longer than 256 KiB (no line break in it); this is not a table of orders, whose rows end with line breaks"
        );
    }
}

/// Past the detection window, one `1.249.000` shows that the dot groups
/// thousands: the `12.990`-shaped amounts before it are scaled, whatever
/// the chunking.
#[test]
fn dot_groups_after_the_detection_window_decide_the_amounts() {
    let mut bytes = b"customer_id,order_date,amount\n".to_vec();
    let mut rows = 0u64;
    while bytes.len() < PAST_SNIFF {
        bytes.extend_from_slice(
            format!("c{},2024-01-{:02},1.490\n", rows % 50, rows % 28 + 1).as_bytes(),
        );
        rows += 1;
    }
    bytes.extend_from_slice(b"c1,2024-02-01,1.249.000\n");
    let ingested = assert_streaming_matches_whole("dot groups", &bytes);
    let r = &ingested.report;
    assert_eq!((r.rows_read, r.rows_used), (rows + 1, rows + 1));
    assert_eq!(r.decimal, ltvlab::ingest::DecimalSep::Comma);
    assert_eq!(r.stats.total_amount, rows as f64 * 1490.0 + 1_249_000.0);
    let w: Vec<_> = r
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::DotThousands)
        .collect();
    assert_eq!(w.len(), 1, "{:?}", r.warnings);
    assert_eq!(w[0].lines, [2, 3, 4, 5, 6]);
}

/// A stray quote far into a large file: the swallowed rows are read in any
/// chunking.
#[test]
fn a_stray_quote_past_the_detection_window_loses_no_row() {
    let mut bytes = grow("generic_english.csv", b"\n", PAST_SNIFF);
    let before = ingest(&bytes, &IngestOptions::default()).unwrap().report;
    let line = bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    bytes.extend_from_slice(b"C009,O-9999,2024-02-12,\"Open quote,1,1.00\n");
    for i in 0..20 {
        bytes
            .extend_from_slice(format!("C010,O-{},2024-02-13,Pen,1,1.00\n", 10_000 + i).as_bytes());
    }
    let ingested = assert_streaming_matches_whole("stray quote", &bytes);
    let r = &ingested.report;
    assert_eq!(r.rows_read, before.rows_read + 21);
    assert_eq!(r.rows_used, before.rows_used + 21);
    let w: Vec<_> = r
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::RunawayQuote)
        .collect();
    assert_eq!(w.len(), 1, "{:?}", r.warnings);
    assert_eq!(w[0].lines, [line, line + 20]);
}

/// A quote left open at the top of a file swallows everything after it;
/// past [`ltvlab::ingest::MAX_FIELD_BYTES`] that is an error naming the line.
#[test]
fn an_open_quote_over_the_field_limit_is_an_error_naming_the_line() {
    let mut bytes = b"customer_id,order_date,amount\nA,2024-01-02,\"1.00\n".to_vec();
    let row = b"B,2024-01-03,2.00\n";
    while bytes.len() <= ltvlab::ingest::MAX_FIELD_BYTES + (1 << 20) {
        bytes.extend_from_slice(row);
    }
    let err = ingest_in_chunks(&bytes, &IngestOptions::default(), 1 << 20).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 2: a row is larger than 64 MiB; is a quote left open?"
    );
}

#[test]
fn invalid_utf8_after_detection_is_replaced_and_reported() {
    // 300 KiB of valid UTF-8 decide the encoding; a later row has a stray
    // 0xFF byte, which becomes U+FFFD in that field only.
    let mut bytes = b"customer_id,date,amount\n".to_vec();
    let mut n = 0;
    while bytes.len() < 300 * 1024 {
        n += 1;
        bytes.extend_from_slice(format!("c{},2024-01-01,5\n", n % 97).as_bytes());
    }
    bytes.extend_from_slice(b"bad\xffid,2024-01-02,7\n");
    let ingested = assert_streaming_matches_whole("invalid utf-8 tail", &bytes);
    let r = &ingested.report;
    assert_eq!(r.encoding, "UTF-8");
    assert_eq!((r.rows_read, r.rows_used), (n + 1, n + 1));
    assert!(r
        .warnings
        .iter()
        .any(|w| w.code == ltvlab::ingest::WarningCode::InvalidBytes));
    let Dataset::Transactions(t) = &ingested.data else {
        panic!("not transactions")
    };
    assert!(t.customers().names().any(|c| c == "bad\u{fffd}id"));
}

#[test]
fn a_byte_order_mark_starting_a_later_line_is_accounted_for_in_any_chunking() {
    // Found by tests/ingest_props.rs: a line holding only U+FEFF after the
    // sniff buffer was dropped unseen when chunks put it in the tokenizer's
    // hands right after the quote-free fast path had reset it.
    let mut bytes = b"customer_id,order_date,amount\n".to_vec();
    let mut n = 0;
    while bytes.len() < 300 * 1024 {
        n += 1;
        bytes.extend_from_slice(format!("c{},2024-01-01,5\r\n", n % 97).as_bytes());
    }
    bytes.extend_from_slice("\u{feff}\n".as_bytes());
    let ingested = assert_streaming_matches_whole("bom line", &bytes);
    let r = &ingested.report;
    assert_eq!((r.rows_read, r.rows_skipped), (n + 1, 1));
    assert_eq!(
        r.skipped[0].reason,
        ltvlab::ingest::SkipReason::WrongFieldCount
    );
}

// ---------------------------------------------------------------------------
// Large bad inputs generated here from a fixed pattern rather than committed.
// ---------------------------------------------------------------------------

/// The ISO date `days` days after 2000-01-01 (proleptic Gregorian, from
/// Howard Hinnant's `civil_from_days`).
fn iso_day(days: i64) -> String {
    let z = days + 10_957 + 719_468; // 1970-01-01 → 2000-01-01, then the algorithm's shift
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[test]
fn iso_day_matches_known_dates() {
    // Known calendar facts: 2000 is a leap year; 10,000 days after
    // 2000-01-01 is 2027-05-19 (e.g. `date -d "2000-01-01 + 10000 days"`).
    for (days, want) in [
        (0, "2000-01-01"),
        (59, "2000-02-29"),
        (366, "2001-01-01"),
        (9_999, "2027-05-18"),
        (10_000, "2027-05-19"),
    ] {
        assert_eq!(iso_day(days), want, "{days}");
    }
}

/// One customer with 10,000 orders on 10,000 consecutive days, and one
/// customer with a single order on the last day.
#[test]
fn a_customer_with_ten_thousand_orders() {
    const ORDERS: i64 = 10_000;
    let mut bytes = b"customer_id,order_id,order_date,amount\n".to_vec();
    for i in 0..ORDERS {
        bytes.extend_from_slice(format!("heavy,o{i},{},2.50\n", iso_day(i)).as_bytes());
    }
    bytes.extend_from_slice(format!("light,o-last,{},9.00\n", iso_day(ORDERS - 1)).as_bytes());
    let ingested = assert_streaming_matches_whole("10,000 orders", &bytes);
    let r = &ingested.report;
    assert_eq!(
        (r.rows_read, r.rows_used, r.rows_skipped),
        (10_001, 10_001, 0)
    );
    assert_eq!((r.stats.customers, r.stats.orders), (2, 10_001));
    let summary = summarize(&ingested.data, &SummaryOptions::default()).unwrap();
    let heavy = &summary.customers[0];
    assert_eq!(heavy.customer_id, "heavy");
    // Every day is a purchase period: 9,999 repeats over 9,999 days.
    assert_eq!(
        (heavy.frequency, heavy.recency, heavy.t),
        (9_999.0, 9_999.0, 9_999.0)
    );
    assert_eq!(heavy.orders, Some(10_000));
    assert!((heavy.monetary_value - 2.5).abs() < MONEY_TOLERANCE);
    assert!((heavy.total_spend.unwrap() - 25_000.0).abs() < MONEY_TOLERANCE);
    let light = &summary.customers[1];
    assert_eq!((light.frequency, light.recency, light.t), (0.0, 0.0, 0.0));
}

/// One million order lines, each with its own item: the item table holds
/// a million distinct entries and every row is accounted for.
#[test]
fn one_million_distinct_items() {
    const ROWS: u32 = 1_000_000;
    let mut bytes = b"customer_id,order_id,order_date,sku,amount\n".to_vec();
    bytes.reserve(ROWS as usize * 40);
    for i in 0..ROWS {
        // 1,000 customers, 10 lines per order, 28 days.
        let line = format!(
            "c{},o{},2024-02-{:02},sku-{i},1.00\n",
            i % 1000,
            i / 10,
            1 + (i / 10) % 28
        );
        bytes.extend_from_slice(line.as_bytes());
    }
    let ingested = ingest(&bytes, &IngestOptions::default()).unwrap();
    let r = &ingested.report;
    assert_eq!(
        (r.rows_read, r.rows_used, r.rows_skipped),
        (u64::from(ROWS), u64::from(ROWS), 0)
    );
    assert_eq!(r.stats.items, u64::from(ROWS));
    assert_eq!(r.stats.orders, u64::from(ROWS / 10));
    assert_eq!(r.stats.customers, 1000);
    let Dataset::Transactions(t) = &ingested.data else {
        panic!("not transactions")
    };
    assert_eq!(t.items().len(), ROWS as usize);
    assert_eq!(t.item_name(ROWS - 1), format!("sku-{}", ROWS - 1));
}

/// E-mail addresses that differ only in letter case reach one mailbox, so
/// they are one customer, lower-cased, with a `case_folded_emails` warning
/// naming the rows that had capitals. By hand: the customer column is the
/// address (Shopify's Email); lines 2 (`Taro@Example.com`) and 4
/// (full-width `ＴＡＲＯ`, made ASCII first) have capitals, line 3 does not:
/// one customer, 3 orders, ¥6,000. In a MakeShop-style file a guest's
/// `Nakamura@Example.com` joins member nakamura22, whose recorded address is
/// `nakamura@example.com`: 2 customers.
#[test]
fn email_addresses_differing_in_case_are_one_customer() {
    let shopify = "Name,Email,Created at,Total\n\
                   #1,Taro@Example.com,2024-01-05,1000\n\
                   #2,taro@example.com,2024-02-05,2000\n\
                   #3,ＴＡＲＯ@example.com,2024-03-05,3000\n";
    let ingested = assert_streaming_matches_whole("email case", shopify.as_bytes());
    let summary = summarize(&ingested.data, &SummaryOptions::default()).unwrap();
    let ids: Vec<&str> = summary
        .customers
        .iter()
        .map(|c| c.customer_id.as_str())
        .collect();
    assert_eq!(ids, ["taro@example.com"]);
    assert_eq!(summary.customers[0].orders, Some(3));
    assert!((summary.customers[0].total_spend.unwrap() - 6000.0).abs() < 1e-9);
    let folded: Vec<_> = ingested
        .report
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::CaseFoldedEmails)
        .collect();
    assert_eq!(folded.len(), 1, "{:?}", ingested.report.warnings);
    assert_eq!(folded[0].lines, vec![2, 4]);
    assert!(folded[0]
        .message
        .starts_with("2 rows have a customer e-mail address with capital letters"));

    let makeshop = "注文番号,日付,会員ID,メールアドレス,販売価格,数量\n\
                    P1,2024/1/5,nakamura22,nakamura@example.com,1000,1\n\
                    P2,2024/2/5,,Nakamura@Example.com,2000,1\n\
                    P3,2024/3/5,kobayashi01,k@example.com,3000,1\n";
    let ingested = assert_streaming_matches_whole("guest email case", makeshop.as_bytes());
    let summary = summarize(&ingested.data, &SummaryOptions::default()).unwrap();
    let mut got: Vec<(&str, Option<u32>)> = summary
        .customers
        .iter()
        .map(|c| (c.customer_id.as_str(), c.orders))
        .collect();
    got.sort_unstable();
    assert_eq!(got, [("kobayashi01", Some(1)), ("nakamura22", Some(2))]);
}

/// A spreadsheet-saved export: formatted empty rows (`,,,`) and a totals
/// row at the end (`合計,,,"¥4,400"`). By hand: 4 orders, 3 customers,
/// ¥4,400; the totals row is skipped as `totals_row` (its amount field
/// quoted again in the example, so the comma inside it reads as one field),
/// the two empty rows (lines 4 and 7) are named in an `empty_rows` warning,
/// the blank line (6) is nothing. A cell that is not a date, beside a label
/// that is not a totals label, stays `bad_date`.
#[test]
fn spreadsheet_empty_and_totals_rows_are_named() {
    let csv = "order_id,customer_id,date,amount\n\
               A1,c1,2024-01-05,1200\n\
               A2,c2,2024-01-09,800\n\
               ,,,\n\
               A3,c1,2024-03-01,1500\n\
               \n\
               ,,,\n\
               A4,c3,2024-03-04,900\n\
               【合計】,,,\"¥4,400\"\n\
               A5,c4,soon,700\n";
    let ingested = assert_streaming_matches_whole("spreadsheet rows", csv.as_bytes());
    let report = &ingested.report;
    assert_eq!((report.rows_read, report.rows_used), (6, 4));
    type Group<'a> = (&'a str, u64, Vec<(u64, &'a str)>);
    let skipped: Vec<Group> = report
        .skipped
        .iter()
        .map(|g| {
            let examples = g
                .examples
                .iter()
                .map(|e| (e.line, e.text.as_str()))
                .collect();
            (g.reason.name(), g.count, examples)
        })
        .collect();
    assert_eq!(
        skipped,
        [
            ("totals_row", 1, vec![(9, "【合計】,,,\"¥4,400\"")]),
            ("bad_date", 1, vec![(10, "A5,c4,soon,700")]),
        ]
    );
    let empty: Vec<_> = report
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::EmptyRows)
        .collect();
    assert_eq!(empty.len(), 1, "{:?}", report.warnings);
    assert_eq!(empty[0].lines, vec![4, 7]);
    assert!(empty[0]
        .message
        .starts_with("2 rows hold only empty fields"));
}

/// A spreadsheet-made export with a title block above the header: its
/// lines (1 and 2, the second an export date; line 3 blank) are passed
/// over with a `title_rows` warning naming them and the title, and the 4
/// orders read as without it (by hand: 3 customers, ¥4,400).
#[test]
fn a_title_block_above_the_header_is_passed_over() {
    let table = "注文番号,顧客ID,注文日,金額\n\
                 A1,c1,2024/1/5,1200\n\
                 A2,c2,2024/1/9,800\n\
                 A3,c1,2024/3/1,1500\n\
                 A4,c3,2024/3/4,900\n";
    let titled = format!("注文一覧（2024年1月〜3月）,,,\n出力日,2024/04/01,,\n\n{table}");
    let ingested = assert_streaming_matches_whole("title block", titled.as_bytes());
    let plain = assert_streaming_matches_whole("no title block", table.as_bytes());
    let r = &ingested.report;
    assert_eq!((r.rows_read, r.rows_used, r.rows_skipped), (4, 4, 0));
    assert_eq!((r.stats.customers, r.stats.orders), (3, 4));
    assert_eq!(r.stats.total_amount, 4400.0);
    assert_eq!(r.mapping, plain.report.mapping);
    let title: Vec<_> = r
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::TitleRows)
        .collect();
    assert_eq!(title.len(), 1, "{:?}", r.warnings);
    assert_eq!(title[0].lines, vec![1, 2]);
    assert_eq!(
        title[0].message,
        "lines 1-2 above the header (line 4) are a title, not rows (\"注文一覧（2024年1月〜3月）\"); they were passed over"
    );

    // One title line, four fields wide (store and export date, each with
    // its label), above a table of ten columns.
    let wide = "店舗名,お茶の山田,出力日,2024/04/01\n\n\
                注文番号,顧客ID,注文日,金額,商品名,数量,単価,送料,ステータス,備考\n\
                A1,c1,2024/1/5,1200,煎茶,1,1200,0,発送済,\n\
                A2,c2,2024/1/9,800,玄米茶,1,800,0,発送済,\n\
                A3,c1,2024/3/1,1500,抹茶,1,1500,0,発送済,\n";
    let ingested = assert_streaming_matches_whole("wide title", wide.as_bytes());
    let r = &ingested.report;
    assert_eq!((r.rows_read, r.rows_used, r.rows_skipped), (3, 3, 0));
    assert_eq!((r.stats.customers, r.stats.orders), (2, 3));
    let title = r
        .warnings
        .iter()
        .find(|w| w.code == WarningCode::TitleRows)
        .expect("the title warning");
    assert_eq!(title.lines, vec![1]);
    assert_eq!(
        title.message,
        "line 1 above the header (line 3) is a title, not a row (\"店舗名 お茶の山田 出力日 2024/04/01\"); it was passed over"
    );
}
