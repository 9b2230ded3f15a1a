//! `preview`: what ingest detects in the head of a file, and its first rows.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::options::analysis_options;
use super::{js_error, to_js};
use crate::ingest::{ingest, IngestReport, Role};

/// Data rows the preview shows.
const PREVIEW_ROWS: usize = 20;

#[derive(Serialize)]
struct PreviewResult<'a> {
    report: &'a IngestReport,
    rows: Vec<Vec<String>>,
    roles: Vec<&'static str>,
}

/// Reads the head of a file: what ingest detects (columns, mapping, preset,
/// encoding) and the first rows, so the page can show them and let the user
/// change the mapping before the analysis. `bytes` should be the first few
/// hundred KiB, cut at a line break; only `options.ingest` is used.
///
/// # Errors
///
/// As `Analysis.finish()` for ingest: invalid options, an empty or binary
/// file, no usable column.
#[wasm_bindgen(unchecked_return_type = "Preview")]
pub fn preview(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "AnalysisOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let options = analysis_options(options)?;
    let ingested = ingest(bytes, &options.ingest).map_err(js_error)?;
    let rows = head_rows(bytes, &ingested.report, PREVIEW_ROWS);
    let result = PreviewResult {
        report: &ingested.report,
        rows,
        roles: Role::ALL.map(Role::name).to_vec(),
    };
    to_js(&result)
}

/// The first `n` data rows of `bytes`, split as the report says (encoding,
/// delimiter, quote, header). Ingest does not keep raw rows, so the preview
/// tokenizes the head again with the same `csv-core` and `encoding_rs`.
fn head_rows(bytes: &[u8], report: &IngestReport, n: usize) -> Vec<Vec<String>> {
    let encoding =
        encoding_rs::Encoding::for_label(report.encoding.as_bytes()).unwrap_or(encoding_rs::UTF_8);
    let (mut text, _, _) = encoding.decode(bytes);
    if !text.ends_with('\n') {
        text.to_mut().push('\n');
    }
    let (Ok(delimiter), Ok(quote)) = (u8::try_from(report.delimiter), u8::try_from(report.quote))
    else {
        return Vec::new();
    };
    let mut reader = csv_core::ReaderBuilder::new()
        .delimiter(delimiter)
        .quote(quote)
        .build();
    let mut input = text.as_bytes();
    let mut rows = Vec::new();
    let mut output = vec![0; input.len().max(1)];
    let mut ends = vec![0; 1024];
    let skip = usize::from(report.has_header);
    while rows.len() < n + skip {
        let (result, read, _, fields) = reader.read_record(input, &mut output, &mut ends);
        input = &input[read..];
        match result {
            csv_core::ReadRecordResult::Record => {
                let mut start = 0;
                let row = ends[..fields]
                    .iter()
                    .map(|&end| {
                        let field = String::from_utf8_lossy(&output[start..end]).into_owned();
                        start = end;
                        field
                    })
                    .collect();
                rows.push(row);
            }
            csv_core::ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
            // The input ends with a line break and `output` is as large as the
            // input, so these only happen inside an unclosed quote.
            csv_core::ReadRecordResult::End
            | csv_core::ReadRecordResult::InputEmpty
            | csv_core::ReadRecordResult::OutputFull => break,
        }
    }
    rows.into_iter().skip(skip).collect()
}
