//! `preview`: what ingest detects in the head of a file, and its first rows.

use std::collections::BTreeMap;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::options::analysis_options;
use super::{js_error, to_js};
use crate::ingest::{detect_head, ingest, is_blank, HeadReport, IngestReport, Role, WarningCode};
use crate::{ErrorCode, Param};

/// Data rows the preview shows.
const PREVIEW_ROWS: usize = 20;

/// The ingest report, or what detection found when a column the analysis
/// needs is missing.
#[derive(Serialize)]
#[serde(untagged)]
enum PreviewReport<'a> {
    Read(&'a IngestReport),
    Head(HeadReport),
}

/// The error that stopped ingest where the mapping can fix it.
#[derive(Serialize)]
struct MissingColumn {
    code: ErrorCode,
    params: BTreeMap<&'static str, Param>,
    message: String,
}

#[derive(Serialize)]
struct PreviewResult<'a> {
    report: PreviewReport<'a>,
    rows: Vec<Vec<String>>,
    roles: Vec<&'static str>,
    error: Option<MissingColumn>,
}

/// Reads the head of a file: what ingest detects (columns, mapping, preset,
/// encoding) and the first rows, so the page can show them and let the user
/// change the mapping before the analysis. `bytes` should be the first few
/// hundred KiB, cut at a line break; only `options.ingest` is used.
///
/// Where ingest stops because a column the analysis needs is not found
/// (`no_date_column`, `no_id_column`, `summary_column_missing`), the preview
/// is still made, from what detection found, with that `error`: the mapping
/// is how the user fixes it.
///
/// # Errors
///
/// As `Analysis.finish()` for ingest: invalid options, an empty or binary
/// file, and the other ways of having no usable column.
#[wasm_bindgen(unchecked_return_type = "Preview")]
pub fn preview(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "AnalysisOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let options = analysis_options(options)?;
    let roles = Role::ALL.map(Role::name).to_vec();
    match ingest(bytes, &options.ingest) {
        Ok(ingested) => {
            let r = &ingested.report;
            // A title block above the header is named by its warning's lines.
            let title = r
                .warnings
                .iter()
                .find(|w| w.code == WarningCode::TitleRows)
                .map_or(0, |w| w.lines.len());
            let rows = head_rows(
                bytes,
                &r.encoding,
                r.delimiter,
                r.quote,
                title + usize::from(r.has_header),
            );
            to_js(&PreviewResult {
                report: PreviewReport::Read(r),
                rows,
                roles,
                error: None,
            })
        }
        Err(err)
            if matches!(
                err.code(),
                ErrorCode::NoDateColumn | ErrorCode::NoIdColumn | ErrorCode::SummaryColumnMissing
            ) =>
        {
            let head = detect_head(bytes, &options.ingest).map_err(js_error)?;
            let rows = head_rows(
                bytes,
                &head.encoding,
                head.delimiter,
                head.quote,
                usize::from(head.has_header),
            );
            to_js(&PreviewResult {
                report: PreviewReport::Head(head),
                rows,
                roles,
                error: Some(MissingColumn {
                    code: err.code(),
                    params: err.params().into_iter().collect(),
                    message: err.to_string(),
                }),
            })
        }
        Err(err) => Err(js_error(err)),
    }
}

/// The first [`PREVIEW_ROWS`] data rows of `bytes`, split as the report says (encoding,
/// delimiter, quote), after `skip` records (a title block and the header). Ingest does not keep raw rows, so the preview
/// tokenizes the head again with the same `csv-core` and `encoding_rs`.
fn head_rows(
    bytes: &[u8],
    encoding: &str,
    delimiter: char,
    quote: char,
    skip: usize,
) -> Vec<Vec<String>> {
    let n = PREVIEW_ROWS;
    let encoding =
        encoding_rs::Encoding::for_label(encoding.as_bytes()).unwrap_or(encoding_rs::UTF_8);
    let (mut text, _, _) = encoding.decode(bytes);
    if !text.ends_with('\n') {
        text.to_mut().push('\n');
    }
    let (Ok(delimiter), Ok(quote)) = (u8::try_from(delimiter), u8::try_from(quote)) else {
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
    while rows.len() < n + skip {
        let (result, read, _, fields) = reader.read_record(input, &mut output, &mut ends);
        input = &input[read..];
        match result {
            csv_core::ReadRecordResult::Record => {
                let mut start = 0;
                let row: Vec<String> = ends[..fields]
                    .iter()
                    .map(|&end| {
                        let field = String::from_utf8_lossy(&output[start..end]).into_owned();
                        start = end;
                        field
                    })
                    .collect();
                // Delimiters only (`,,,`) are not rows, as ingest reads them.
                if !is_blank(&row) {
                    rows.push(row);
                }
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
