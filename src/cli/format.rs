//! Small text helpers shared by the subcommands' plain-text and CSV output.

/// Formats a number without trailing noise: integers without decimals,
/// others with up to 6 decimals.
pub(crate) fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// The message with its first letter in lower case (errors are lower-case
/// lines; the OS and clap start theirs with a capital).
pub(crate) fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}
