//! Reading a file in byte ranges across Web Workers ([`crate::ingest::split`]):
//! the analysis worker plans the split ([`FileSplit`]) and reads the first
//! range, range workers read the others ([`RangeReader`]) and post their
//! parts as bytes, and [`Analysis::from_ranges`](super::Analysis::from_ranges) merges them and goes on as
//! an analysis read in one go.

use wasm_bindgen::prelude::*;

use super::js_error;
use super::options::analysis_options;
use crate::ingest::split::{RangeIngester, Split, BOUNDARY_WINDOW, MIN_RANGE_BYTES};
use crate::ingest::SNIFF_BYTES;

/// The detection made once on a file's head, shared by its ranges
/// (`Split` in the core). Workers that read one file each make their own
/// from the same head, size and options.
#[wasm_bindgen]
pub struct FileSplit {
    split: Split,
}

#[wasm_bindgen]
impl FileSplit {
    /// The split of a file of `total` bytes whose first bytes are `head`
    /// (at least `FileSplit.headBytes()` of them, or the whole file), or
    /// `undefined` when the file is to be read in one go (its encoding,
    /// kind or amounts do not allow ranges, or the head is not readable:
    /// reading in one go then reports why).
    ///
    /// # Errors
    ///
    /// If the options do not have the `AnalysisOptions` shape.
    pub fn plan(
        head: &[u8],
        total: f64,
        #[wasm_bindgen(unchecked_param_type = "AnalysisOptions | undefined")] options: JsValue,
    ) -> Result<Option<FileSplit>, JsError> {
        let options = analysis_options(options)?;
        if !(total.is_finite() && total >= 0.0) {
            return Ok(None);
        }
        Ok(Split::new(head, total as u64, &options.ingest).map(|split| FileSplit { split }))
    }

    /// Bytes of the head `plan` reads.
    #[wasm_bindgen(js_name = headBytes)]
    pub fn head_bytes() -> u32 {
        SNIFF_BYTES as u32
    }

    /// Bytes after a target offset to read for `boundary`.
    #[wasm_bindgen(js_name = boundaryWindow)]
    pub fn boundary_window() -> u32 {
        BOUNDARY_WINDOW as u32
    }

    /// The smallest range worth a worker of its own.
    #[wasm_bindgen(js_name = minRangeBytes)]
    pub fn min_range_bytes() -> f64 {
        MIN_RANGE_BYTES as f64
    }

    /// Where in `window` (the file's bytes from a target offset on) a range
    /// may start, or `undefined`.
    pub fn boundary(&self, window: &[u8]) -> Option<u32> {
        self.split
            .boundary(window)
            .and_then(|at| u32::try_from(at).ok())
    }

    /// The reader of the range of `len` bytes from byte `start` (0, or a
    /// start from `boundary`).
    pub fn range(&self, start: f64, len: f64) -> RangeReader {
        RangeReader {
            ingester: self.split.range(start.max(0.0) as u64, len.max(0.0) as u64),
        }
    }
}

impl FileSplit {
    pub(super) fn split(&self) -> &Split {
        &self.split
    }
}

/// Reads one range of a file: `push` its bytes in chunks, then
/// `finishBytes` (in a range worker) or hand it to `Analysis.fromRanges`
/// (in the analysis worker, for the first range).
#[wasm_bindgen]
pub struct RangeReader {
    ingester: RangeIngester,
}

#[wasm_bindgen]
impl RangeReader {
    /// Feeds the range's next chunk.
    ///
    /// # Errors
    ///
    /// If the bytes cannot be read: the file is then read in one go, which
    /// reports the error with its line.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        self.ingester.push(chunk).map_err(js_error)
    }

    /// Ends the range and returns what it read as bytes, to post (as a
    /// transferable) to the analysis worker. Frees this object.
    ///
    /// # Errors
    ///
    /// As `push`, for the file's last record.
    #[wasm_bindgen(js_name = finishBytes)]
    pub fn finish_bytes(self) -> Result<Vec<u8>, JsError> {
        let part = self.ingester.finish().map_err(js_error)?;
        Ok(part.into_bytes())
    }
}

impl RangeReader {
    pub(super) fn into_ingester(self) -> RangeIngester {
        self.ingester
    }
}
