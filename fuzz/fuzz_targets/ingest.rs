//! Arbitrary bytes through ingest, whole and in chunks, with and without a
//! mapping and with the large orders kept or left out, and through
//! `detect_head`. Ingest must never panic; when it succeeds the report accounts for
//! every row, and chunking must not change the outcome. Read in byte ranges
//! (`ingest::split`) and merged, it gives the same outcome, or the merge
//! declines.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ltvlab::ingest::split::Split;
use ltvlab::ingest::{
    detect_head, ingest, IngestOptions, Ingested, Ingester, LargeOrderPolicy, SNIFF_BYTES,
};

/// Reads `bytes` in ranges starting after the first line break at or after
/// each of `cuts` (wherever it is, inside quotes too), or where
/// `Split::boundary` puts them; `None` when the input cannot be split or
/// the merge declines.
fn read_in_ranges(
    bytes: &[u8],
    options: &IngestOptions,
    cuts: &[usize],
    boundary: bool,
) -> Option<ltvlab::Result<Ingested>> {
    let split = Split::new(
        &bytes[..bytes.len().min(SNIFF_BYTES)],
        bytes.len() as u64,
        options,
    )?;
    let mut starts = vec![0];
    for &cut in cuts.iter().filter(|&&c| c < bytes.len()) {
        let start = if boundary {
            split.boundary(&bytes[cut..]).map(|b| cut + b)
        } else {
            bytes[cut..]
                .iter()
                .position(|&b| b == b'\n')
                .map(|i| cut + i + 1)
                .filter(|&s| s < bytes.len())
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
            range.push(&bytes[start..end])?;
            range.finish()
        })
        .collect();
    split.merge(parts)
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, bytes)) = data.split_first() else {
        return;
    };
    let mut options = IngestOptions::default();
    if control & 1 == 1 {
        // A mapping that may or may not name real columns.
        options.mapping.insert("customer".into(), "#1".into());
        options.mapping.insert("date".into(), "#2".into());
    }
    if control & 2 == 2 {
        options.today = Some("2024-06-30".into());
    }
    if control & 128 == 128 {
        // The large orders left out: the same accounting, in one go and in
        // ranges alike (the rule needs the whole file's median).
        options.large_orders = LargeOrderPolicy::Exclude;
    }
    let whole = ingest(bytes, &options);
    // The head report of a file ingest reads says what its report says.
    let head = detect_head(bytes, &options);
    if let Ok(ingested) = &whole {
        let r = &ingested.report;
        assert_eq!(r.rows_read, r.rows_used + r.rows_skipped);
        if let Ok(h) = &head {
            assert_eq!(h.columns, r.columns);
            assert_eq!(h.mapping, r.mapping);
        }
        let _ = ltvlab::summary::summarize(&ingested.data, &Default::default());
    }
    // One to three cuts at quarters of the input.
    let cuts: Vec<usize> = (1..=3)
        .filter(|k| control & (8 << k) != 0 || *k == 2)
        .map(|k| bytes.len() * k / 4)
        .collect();
    if let Some(ranges) = read_in_ranges(bytes, &options, &cuts, control & 4 == 4) {
        match (&whole, &ranges) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.report, b.report);
                let options = Default::default();
                assert_eq!(
                    ltvlab::summary::summarize(&a.data, &options),
                    ltvlab::summary::summarize(&b.data, &options)
                );
            }
            (Err(a), Err(b)) => assert_eq!(a, b),
            _ => panic!(
                "one go and ranges disagree: {:?} vs {:?}",
                whole.as_ref().map(|i| &i.report).map_err(|e| e.to_string()),
                ranges
                    .as_ref()
                    .map(|i| &i.report)
                    .map_err(|e| e.to_string())
            ),
        }
    }
    let chunk = usize::from(control >> 2).max(1);
    let Ok(mut ingester) = Ingester::new(options) else {
        return;
    };
    let mut pushed = Ok(());
    for piece in bytes.chunks(chunk) {
        pushed = ingester.push(piece);
        if pushed.is_err() {
            break;
        }
    }
    let chunked = pushed.and_then(|()| ingester.finish());
    match (&whole, &chunked) {
        (Ok(a), Ok(b)) => assert_eq!(a.report, b.report),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!(
            "whole and chunked ingest disagree: {:?} vs {:?}",
            whole.as_ref().map(|i| &i.report).map_err(|e| e.to_string()),
            chunked
                .as_ref()
                .map(|i| &i.report)
                .map_err(|e| e.to_string())
        ),
    }
});
