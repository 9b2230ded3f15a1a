//! The `ltvlab` command-line interface.
fn main() {}
