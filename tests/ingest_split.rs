//! Reading an input in byte ranges (`ltvlab::ingest::split`) gives exactly
//! what reading it in one go gives: the whole `Ingested` (report, ids in
//! their order, every column) and the per-customer summary, or the merge
//! declines and the input is read in one go.

use ltvlab::ingest::split::{Split, BOUNDARY_WINDOW};
use ltvlab::ingest::{ingest, Dataset, IngestOptions, Ingested, WarningCode, SNIFF_BYTES};
use ltvlab::summary::{summarize, SummaryOptions};
use ltvlab::transactions::Transactions;
use ltvlab::Result;
use proptest::prelude::*;

/// How the cut points become range starts.
#[derive(Debug, Clone, Copy)]
enum Cuts {
    /// Through `Split::boundary`, as the CLI does.
    Boundary,
    /// Right after the next line break, wherever it is (inside a quoted
    /// field too): the merge must notice what went wrong.
    AnyLineBreak,
}

/// How the ranges' parts reach the merge.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Posted {
    /// As they are, as threads hand them over.
    InMemory,
    /// Encoded and decoded (`Part::into_bytes`, `Split::part_from_bytes`),
    /// as a Web Worker posts its part to another.
    AsBytes,
}

/// Reads `bytes` in ranges starting near `cuts`, each range pushed in
/// chunks of `chunk` bytes; `None` when the input cannot be split or the
/// merge declines.
fn read_in_ranges(
    bytes: &[u8],
    options: &IngestOptions,
    cuts: &[usize],
    how: Cuts,
    chunk: usize,
) -> Option<Result<Ingested>> {
    read_posted(bytes, options, cuts, how, chunk, Posted::InMemory)
}

/// [`read_in_ranges`], the parts `posted` to the merge.
fn read_posted(
    bytes: &[u8],
    options: &IngestOptions,
    cuts: &[usize],
    how: Cuts,
    chunk: usize,
    posted: Posted,
) -> Option<Result<Ingested>> {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let split = Split::new(head, bytes.len() as u64, options)?;
    let mut starts = vec![0];
    for &cut in cuts.iter().filter(|&&c| c < bytes.len()) {
        let start = match how {
            Cuts::Boundary => {
                let window = &bytes[cut..bytes.len().min(cut + BOUNDARY_WINDOW)];
                split.boundary(window).map(|b| cut + b)
            }
            Cuts::AnyLineBreak => bytes[cut..]
                .iter()
                .position(|&b| b == b'\n')
                .map(|i| cut + i + 1)
                .filter(|&s| s < bytes.len()),
        };
        starts.extend(start);
    }
    starts.sort_unstable();
    starts.dedup();
    let parts = starts
        .iter()
        .enumerate()
        .map(|(k, &start)| {
            let end = starts.get(k + 1).copied().unwrap_or(bytes.len());
            let mut range = split.range(start as u64, (end - start) as u64);
            for piece in bytes[start..end].chunks(chunk.max(1)) {
                range.push(piece)?;
            }
            let part = range.finish()?;
            match posted {
                Posted::InMemory => Ok(part),
                Posted::AsBytes => split.part_from_bytes(&part.into_bytes()),
            }
        })
        .collect();
    split.merge(parts)
}

/// Everything a `Transactions` holds, through its public accessors.
#[derive(Debug, PartialEq)]
struct Store {
    customers: Vec<String>,
    orders: usize,
    items: Vec<String>,
    item_names: Vec<String>,
    groups: Vec<String>,
    emails: Vec<Option<String>>,
    customer: Vec<u32>,
    order: Vec<u32>,
    day: Vec<i32>,
    amount: Vec<u64>,
    item: Vec<u32>,
    reversal: Vec<bool>,
    nps: Option<Vec<u8>>,
    group: Option<Vec<u32>>,
    subscription: Option<Vec<bool>>,
}

fn store(t: &Transactions) -> Store {
    let names = |i: &ltvlab::transactions::Interner| i.names().map(str::to_owned).collect();
    Store {
        customers: names(t.customers()),
        orders: t.order_count(),
        items: names(t.items()),
        item_names: (0..t.items().len() as u32)
            .map(|i| t.item_name(i).to_owned())
            .collect(),
        groups: names(t.groups()),
        emails: (0..t.customers().len() as u32)
            .map(|c| t.customer_email(c).map(str::to_owned))
            .collect(),
        customer: t.customer_col().to_vec(),
        order: t.order_col().to_vec(),
        day: t.day_col().to_vec(),
        // Bit for bit: the same additions in the same order.
        amount: t.amount_col().iter().map(|a| a.to_bits()).collect(),
        item: t.item_col().to_vec(),
        reversal: t.reversal_col().to_vec(),
        nps: t.nps_col().map(<[u8]>::to_vec),
        group: t.group_col().map(<[u32]>::to_vec),
        subscription: t.subscription_col().map(<[bool]>::to_vec),
    }
}

/// Whether two reads are the same: the same error, or the same report,
/// data and summary.
fn check_same(
    one_go: &Result<Ingested>,
    ranges: &Result<Ingested>,
) -> std::result::Result<(), String> {
    let (a, b) = match (one_go, ranges) {
        (Err(a), Err(b)) if a == b => return Ok(()),
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            return Err(format!(
                "in one go {:?}\nin ranges {:?}",
                a.as_ref().map(|i| &i.report),
                b.as_ref().map(|i| &i.report)
            ))
        }
    };
    if a.report != b.report {
        return Err(format!("reports differ:\n{:#?}\n{:#?}", a.report, b.report));
    }
    match (&a.data, &b.data) {
        (Dataset::Transactions(x), Dataset::Transactions(y))
        | (Dataset::Baskets(x), Dataset::Baskets(y)) => {
            let (x, y) = (store(x), store(y));
            if x != y {
                return Err(format!("stores differ:\n{x:?}\n{y:?}"));
            }
        }
        _ => return Err("the kinds of data differ".into()),
    }
    let options = SummaryOptions::default();
    let (x, y) = (summarize(&a.data, &options), summarize(&b.data, &options));
    match (&x, &y) {
        (Ok(x), Ok(y)) if x == y => Ok(()),
        (Err(x), Err(y)) if x == y => Ok(()),
        _ => Err(format!("summaries differ: {x:?} vs {y:?}")),
    }
}

/// One order of a generated file: selectors for each cell, its number of
/// lines and something odd about it.
#[derive(Debug, Clone)]
struct OrderSpec {
    reuse_order: u8,
    customer: u8,
    date: u8,
    amount: u8,
    item: u8,
    note: u8,
    lines: usize,
    odd: u8,
}

fn order_spec() -> impl Strategy<Value = OrderSpec> {
    (
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        1usize..4,
        any::<u8>(),
    )
        .prop_map(
            |(reuse_order, customer, date, amount, item, note, lines, odd)| OrderSpec {
                reuse_order,
                customer,
                date,
                amount,
                item,
                note,
                lines,
                odd,
            },
        )
}

/// The encoding a generated file is written in.
#[derive(Debug, Clone, Copy)]
enum Bytes {
    Utf8,
    Utf8Bom,
    Cp932,
}

/// A small orders file: multi-line orders, quoted notes with newlines,
/// commas and doubled quotes, stray quotes, guests, repeated order ids,
/// exact duplicate lines, bad amounts and dates, short rows, blank lines,
/// repeated headers (some in another column order), lines that start with a
/// byte-order mark, order-level fields left empty on an order's later
/// lines, Japanese item names, guests identified by an e-mail address
/// (joined to the member with that address); LF or CRLF; UTF-8 (with or without a BOM) or
/// CP932.
fn render(orders: &[OrderSpec], crlf: bool, day_first: bool, encoding: Bytes) -> Vec<u8> {
    let nl = if crlf { "\r\n" } else { "\n" };
    let header = "order_id,customer_id,order_date,amount,item,note,email";
    let mut text = format!("{header}{nl}");
    let mut ids: Vec<String> = Vec::new();
    for (n, o) in orders.iter().enumerate() {
        let id = if o.reuse_order % 9 == 0 && !ids.is_empty() {
            ids[usize::from(o.reuse_order) % ids.len()].clone()
        } else {
            format!("O{n}")
        };
        ids.push(id.clone());
        let customer = if o.customer % 7 == 0 {
            String::new()
        } else {
            format!("C{}", o.customer % 23)
        };
        // Members' addresses, some shared by two members; guests' often
        // one of them (joined in finish) or their own, or none.
        let email = match (customer.is_empty(), o.customer % 3) {
            (false, _) => format!("m{}@example.jp", o.customer % 19),
            (true, 0) => String::new(),
            (true, 1) => format!("m{}@example.jp", o.item % 19),
            (true, _) => format!("g{}@example.jp", o.item % 5),
        };
        let (m, d) = (u32::from(o.date % 12) + 1, u32::from(o.date / 12 % 28) + 1);
        let date = match o.date % 31 {
            0 => "not a date".to_owned(),
            _ if day_first => format!("{d:02}/{m:02}/2024"),
            _ => format!("2024-{m:02}-{d:02}"),
        };
        for line in 0..o.lines {
            let amount = match (o.amount.wrapping_add(line as u8 * 3)) % 17 {
                0 => "abc".to_owned(),
                1 => "0".to_owned(),
                2 => "-500".to_owned(),
                3 => "12.990".to_owned(),
                4 => "1200".to_owned(),
                k => format!("{}.{:02}", u32::from(k) * 7, u32::from(o.amount) % 100),
            };
            let item = match (o.item.wrapping_add(line as u8)) % 5 {
                0 => String::new(),
                1 | 2 => format!("緑茶{}", o.item % 11),
                _ => format!("SKU{}", o.item % 13),
            };
            let note = match o.note % 16 {
                0 => "\"two\nlines\"".to_owned(),
                1 => "\"a, b\"".to_owned(),
                2 => "\"say \"\"hi\"\"\"".to_owned(),
                3 => "5\" screen".to_owned(),
                4 if o.odd % 4 == 0 => "\"never closed".to_owned(),
                5 => "ギフト".to_owned(),
                6 => format!("\"three{nl}short{nl}lines\""),
                _ => String::new(),
            };
            let later = line > 0 && o.odd % 5 == 1;
            let (c, dt, e) = if later {
                ("", "", "")
            } else {
                (customer.as_str(), date.as_str(), email.as_str())
            };
            if o.odd % 11 == 2 && line == 0 {
                text.push_str(nl);
            }
            if o.odd % 13 == 3 && line == 0 {
                text.push_str(&format!("{header}{nl}"));
            }
            if o.odd % 19 == 6 && line == 0 {
                // The header again with two columns swapped: the rows
                // after it are read by that order.
                text.push_str(&format!(
                    "order_id,customer_id,order_date,item,amount,note,email{nl}"
                ));
            }
            // A line that starts with a byte-order mark, with a quote so
            // that the tokenizer reads it.
            let (mark, note) = if o.odd % 23 == 7 {
                ("\u{feff}", "\"marked\"".to_owned())
            } else {
                ("", note)
            };
            let row = format!("{mark}{id},{c},{dt},{amount},{item},{note},{e}{nl}");
            text.push_str(&row);
            if o.odd % 7 == 4 {
                text.push_str(&row);
            }
            if o.odd % 17 == 5 && line == 0 {
                text.push_str(&format!("{id},{c}{nl}"));
            }
            if o.odd % 29 == 8 && line == 0 {
                // A spreadsheet's empty formatted row, and its totals row.
                text.push_str(&format!(",,,,,,{nl}"));
            }
            if o.odd % 37 == 9 && line == 0 {
                text.push_str(&format!("合計,,,\"¥4,800\",,,{nl}"));
            }
        }
    }
    match encoding {
        Bytes::Utf8 => text.into_bytes(),
        Bytes::Utf8Bom => [&b"\xef\xbb\xbf"[..], text.as_bytes()].concat(),
        Bytes::Cp932 => encoding_rs::SHIFT_JIS.encode(&text).0.into_owned(),
    }
}

fn encoding() -> impl Strategy<Value = Bytes> {
    prop_oneof![Just(Bytes::Utf8), Just(Bytes::Utf8Bom), Just(Bytes::Cp932)]
}

fn cuts_how() -> impl Strategy<Value = Cuts> {
    prop_oneof![Just(Cuts::Boundary), Just(Cuts::AnyLineBreak)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    /// Any split gives the same read, or the merge declines; with cuts
    /// chosen by `Split::boundary` in a file without quotes or odd lines,
    /// the merge never declines.
    #[test]
    fn any_split_gives_the_same_read(
        orders in prop::collection::vec(order_spec(), 1..60),
        crlf in any::<bool>(),
        day_first in any::<bool>(),
        encoding in encoding(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 1..5),
        how in cuts_how(),
        chunk in 1usize..300,
    ) {
        let bytes = render(&orders, crlf, day_first, encoding);
        let options = IngestOptions::default();
        let one_go = ingest(&bytes, &options);
        let cuts: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len())).collect();
        if let Some(ranges) = read_in_ranges(&bytes, &options, &cuts, how, chunk) {
            if let Err(why) = check_same(&one_go, &ranges) {
                prop_assert!(false, "cuts {:?} ({:?}): {}", cuts, how, why);
            }
        }
    }

    /// A part encoded as bytes and decoded (as a Web Worker posts it) merges
    /// into exactly what the part in memory merges into, or both decline.
    #[test]
    fn parts_posted_as_bytes_merge_the_same(
        orders in prop::collection::vec(order_spec(), 1..60),
        crlf in any::<bool>(),
        day_first in any::<bool>(),
        encoding in encoding(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 1..5),
        how in cuts_how(),
        chunk in 1usize..300,
    ) {
        let bytes = render(&orders, crlf, day_first, encoding);
        let options = IngestOptions::default();
        let cuts: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len())).collect();
        let in_memory = read_posted(&bytes, &options, &cuts, how, chunk, Posted::InMemory);
        let as_bytes = read_posted(&bytes, &options, &cuts, how, chunk, Posted::AsBytes);
        match (&in_memory, &as_bytes) {
            (None, None) => {}
            (Some(a), Some(b)) => {
                if let Err(why) = check_same(a, b) {
                    prop_assert!(false, "cuts {:?} ({:?}): {}", cuts, how, why);
                }
            }
            _ => prop_assert!(false, "cuts {:?} ({:?}): one merge declined: in memory {}, as bytes {}", cuts, how, in_memory.is_some(), as_bytes.is_some()),
        }
    }

    /// A part's bytes (the first range's or the second's) cut short, with a
    /// byte changed, or replaced by noise, are refused or merged without a
    /// panic: decoding checks what it reads.
    #[test]
    fn garbled_parts_never_panic(
        orders in prop::collection::vec(order_spec(), 2..40),
        at in any::<prop::sample::Index>(),
        value in any::<u8>(),
        how in 0u8..3,
        noise in prop::collection::vec(any::<u8>(), 0..400),
        garble_first in any::<bool>(),
    ) {
        let bytes = render(&orders, false, false, Bytes::Utf8);
        let options = IngestOptions::default();
        let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
        let Some(split) = Split::new(head, bytes.len() as u64, &options) else {
            return Ok(());
        };
        let cut = bytes.len() / 2;
        let window = &bytes[cut..bytes.len().min(cut + BOUNDARY_WINDOW)];
        let Some(start) = split.boundary(window).map(|b| cut + b) else {
            return Ok(());
        };
        let read = |from: usize, to: usize| -> Result<ltvlab::ingest::split::Part> {
            let mut range = split.range(from as u64, (to - from) as u64);
            range.push(&bytes[from..to])?;
            range.finish()
        };
        let (Ok(first), Ok(second)) = (read(0, start), read(start, bytes.len())) else {
            return Ok(());
        };
        let (kept, garbled) = if garble_first { (second, first) } else { (first, second) };
        let mut encoded = garbled.into_bytes();
        let i = at.index(encoded.len());
        match how {
            0 => encoded.truncate(i),
            1 => encoded[i] = value,
            _ => encoded = noise,
        }
        if let Ok(part) = split.part_from_bytes(&encoded) {
            let parts = if garble_first { vec![Ok(part), Ok(kept)] } else { vec![Ok(kept), Ok(part)] };
            let _ = split.merge(parts);
        }
        let whole = read(start, bytes.len()).map(|p| p.into_bytes());
        if let Ok(whole) = whole {
            prop_assert!(split.part_from_bytes(&whole[..whole.len() - 1]).is_err(), "a part cut short was read");
        }
    }

    /// Files whose cells hold no quotes, no line breaks and no odd rows,
    /// one line per order: every boundary the splitter picks is merged.
    #[test]
    fn plain_files_always_merge(
        orders in prop::collection::vec(order_spec(), 2..60),
        crlf in any::<bool>(),
        encoding in encoding(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 1..5),
    ) {
        let plain: Vec<OrderSpec> = orders
            .into_iter()
            .map(|o| OrderSpec { note: 7, odd: 0, lines: 1, reuse_order: 1, ..o })
            .collect();
        let bytes = render(&plain, crlf, false, encoding);
        let options = IngestOptions::default();
        let cuts: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len())).collect();
        let ranges = read_in_ranges(&bytes, &options, &cuts, Cuts::Boundary, 4096);
        prop_assert!(ranges.is_some(), "the merge declined a plain file cut at {:?}: {}", cuts, String::from_utf8_lossy(&bytes));
        if let Some(ranges) = ranges {
            if let Err(why) = check_same(&ingest(&bytes, &options), &ranges) {
                prop_assert!(false, "cuts {:?}: {}", cuts, why);
            }
        }
    }
}

/// The generated shops of the benchmarks, in their dialects and
/// encodings, in 2 to 8 ranges on threads as the CLI reads them: merged,
/// and the same as one read.
#[test]
fn generated_shops_split_on_threads() {
    use ltvlab::generate::{generate_lines, GeneratorConfig, OutputEncoding, OutputFormat};
    let cases = [
        (OutputFormat::Plain, OutputEncoding::Utf8, false, true),
        (OutputFormat::Plain, OutputEncoding::ShiftJis, true, true),
        (
            OutputFormat::UciOnlineRetail,
            OutputEncoding::Utf8,
            false,
            true,
        ),
        // Shopify's total is per order: read in one go.
        (OutputFormat::Shopify, OutputEncoding::Utf8, true, false),
    ];
    for (format, encoding, japanese_names, splits) in cases {
        let config = GeneratorConfig {
            format,
            encoding,
            japanese_names,
            seed: 7,
            ..GeneratorConfig::default()
        };
        let mut bytes = Vec::new();
        generate_lines(&config, 20_000, &mut bytes).unwrap();
        let options = IngestOptions::default();
        let one_go = ingest(&bytes, &options);
        let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
        let Some(split) = Split::new(head, bytes.len() as u64, &options) else {
            assert!(!splits, "{format:?} {encoding:?}: not splittable");
            continue;
        };
        assert!(splits, "{format:?} {encoding:?}: splittable");
        for parts in 2..=8usize {
            let mut starts = vec![0];
            for k in 1..parts {
                let target = bytes.len() * k / parts;
                let window = &bytes[target..bytes.len().min(target + BOUNDARY_WINDOW)];
                starts.extend(split.boundary(window).map(|b| target + b));
            }
            let results: Vec<Result<_>> = std::thread::scope(|s| {
                let handles: Vec<_> = starts
                    .iter()
                    .enumerate()
                    .map(|(k, &start)| {
                        let end = starts.get(k + 1).copied().unwrap_or(bytes.len());
                        let split = &split;
                        let bytes = &bytes;
                        s.spawn(move || {
                            let mut range = split.range(start as u64, (end - start) as u64);
                            for piece in bytes[start..end].chunks(1 << 16) {
                                range.push(piece)?;
                            }
                            range.finish()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let merged = split
                .merge(results)
                .unwrap_or_else(|| panic!("{format:?} {encoding:?} in {parts}: declined"));
            if let Err(why) = check_same(&one_go, &merged) {
                panic!("{format:?} {encoding:?} in {parts} ranges: {why}");
            }
        }
        // The later ranges posted as bytes, as range workers post them.
        let cut = bytes.len() / 2;
        let window = &bytes[cut..bytes.len().min(cut + BOUNDARY_WINDOW)];
        let start = cut + split.boundary(window).unwrap();
        let mut first = split.range(0, start as u64);
        first.push(&bytes[..start]).unwrap();
        let mut second = split.range(start as u64, (bytes.len() - start) as u64);
        second.push(&bytes[start..]).unwrap();
        let posted = split.part_from_bytes(&second.finish().unwrap().into_bytes());
        let merged = split
            .merge(vec![first.finish(), posted])
            .unwrap_or_else(|| panic!("{format:?} {encoding:?} posted: declined"));
        if let Err(why) = check_same(&one_go, &merged) {
            panic!("{format:?} {encoding:?} posted as bytes: {why}");
        }
    }
}

/// A range that starts inside a quoted field (a note over three lines) is
/// noticed, and the splitter's own boundary avoids it: it picks the first
/// line start outside the quotes between two lines without quotes, before
/// `O2` (the line before `O1` ends the note).
#[test]
fn a_start_inside_a_quoted_field_is_declined_and_avoided() {
    let mut text = String::from("order_id,customer_id,order_date,amount,note\n");
    for i in 0..40 {
        let note = if i % 4 == 0 {
            "\"first\nsecond\nthird\""
        } else {
            ""
        };
        text.push_str(&format!(
            "O{i},C{},2024-01-{:02},{}.50,{note}\n",
            i % 5,
            i % 28 + 1,
            i
        ));
    }
    let bytes = text.as_bytes();
    let options = IngestOptions::default();
    let inside = text.find("second").unwrap();
    assert!(
        read_in_ranges(bytes, &options, &[inside - 2], Cuts::AnyLineBreak, 64).is_none(),
        "a start inside a quoted field is declined"
    );
    let split = Split::new(bytes, bytes.len() as u64, &options).unwrap();
    let start = inside - 2 + split.boundary(&bytes[inside - 2..]).unwrap();
    assert!(
        text[start..].starts_with("O2,"),
        "{}",
        &text[start..start + 20]
    );
    let merged = read_in_ranges(bytes, &options, &[inside - 2], Cuts::Boundary, 64).unwrap();
    check_same(&ingest(bytes, &options), &merged).unwrap();
}

/// A range that starts inside an order whose later lines leave the
/// customer and date to its first line is declined; at the next order it
/// merges.
#[test]
fn a_start_inside_an_order_is_declined() {
    let text = "order_id,customer_id,order_date,amount\n\
                O1,C1,2024-01-02,10\n\
                O2,C2,2024-01-03,20\n\
                O2,,,5\n\
                O3,C3,2024-01-04,30\n";
    let bytes = text.as_bytes();
    let options = IngestOptions::default();
    let before_later_line = text.find("O2,,").unwrap() - 1;
    assert!(read_in_ranges(bytes, &options, &[before_later_line], Cuts::AnyLineBreak, 8).is_none());
    let at_o3 = text.find("O3").unwrap() - 1;
    let merged = read_in_ranges(bytes, &options, &[at_o3], Cuts::AnyLineBreak, 8).unwrap();
    check_same(&ingest(bytes, &options), &merged).unwrap();
}

/// What cannot be split is said up front: UTF-16, a summary file, one
/// basket per line.
#[test]
fn unsplittable_inputs_are_read_in_one_go() {
    let options = IngestOptions::default();
    let utf16: Vec<u8> = "\u{feff}customer_id,order_date,amount\nA,2024-01-02,1\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let summary = b"customer_id,frequency,recency,T\na,1,2,3\nb,0,0,4\n";
    let baskets = b"milk,bread\nbeer\nmilk,eggs,bread\n";
    for (name, bytes) in [
        ("utf-16", &utf16[..]),
        ("summary", &summary[..]),
        ("basket lines", &baskets[..]),
    ] {
        assert!(
            Split::new(bytes, bytes.len() as u64, &options).is_none(),
            "{name}"
        );
    }
}

/// A title block above the header (a spreadsheet-made file) is read by the
/// first range; any later cut gives the same read, its warning included.
#[test]
fn a_title_block_splits_like_any_file() {
    let mut text = String::from(
        "注文一覧（2024年1月〜3月）,,,\n出力日,2024/04/01,,\n\n注文番号,顧客ID,注文日,金額\n",
    );
    for n in 0..200 {
        text.push_str(&format!(
            "A{n},c{},2024/{}/{},{}\n",
            n % 37,
            n % 12 + 1,
            n % 28 + 1,
            500 + n * 7
        ));
    }
    let bytes = text.as_bytes();
    let options = IngestOptions::default();
    let one_go = ingest(bytes, &options);
    let title = one_go
        .as_ref()
        .map(|i| {
            i.report
                .warnings
                .iter()
                .any(|w| w.code == WarningCode::TitleRows && w.lines == [1, 2])
        })
        .unwrap_or(false);
    assert!(title, "{:?}", one_go.as_ref().map(|i| &i.report.warnings));
    for cut in [100, 150, bytes.len() / 3, bytes.len() / 2, bytes.len() - 20] {
        let ranges = read_in_ranges(bytes, &options, &[cut], Cuts::Boundary, 64)
            .unwrap_or_else(|| panic!("the merge declined a cut at {cut}"));
        if let Err(why) = check_same(&one_go, &ranges) {
            panic!("cut at {cut}: {why}");
        }
    }
}
