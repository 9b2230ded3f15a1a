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

/// `1 customer`, `2 customers`: a count of customers as a sentence says it.
pub(crate) fn customers(n: u64) -> String {
    if n == 1 {
        "1 customer".to_owned()
    } else {
        format!("{n} customers")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_is_singular_for_one_only() {
        assert_eq!(customers(0), "0 customers");
        assert_eq!(customers(1), "1 customer");
        assert_eq!(customers(2), "2 customers");
    }
}
