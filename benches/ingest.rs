//! Ingest benchmarks (filled in with the ingest engine).
fn main() {}
