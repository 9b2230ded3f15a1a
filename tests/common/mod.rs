//! What several integration tests share: a generated shop, and running the
//! built `ltvlab` as a user does.

// Each test binary uses its own subset.
#![allow(dead_code)]

use std::process::{Command, Output};

use ltvlab::generate::{GeneratorConfig, Process};

/// A generated shop of `customers` BG/NBD customers (`r 0.25, alpha 4,
/// a 0.8`) whose customers survive each repeat purchase with probability
/// `b/(a+b)`; English names.
pub fn bgnbd_shop(customers: usize, seed: u64, b: f64) -> GeneratorConfig {
    GeneratorConfig {
        customers,
        seed,
        japanese_names: false,
        process: Process::BgNbd {
            r: 0.25,
            alpha: 4.0,
            a: 0.8,
            b,
        },
        ..GeneratorConfig::default()
    }
}

/// Runs `ltvlab` with `args`, without the caller's backtrace settings, so a
/// panic shows as it would to a user (the error tests reject one).
pub fn ltvlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ltvlab"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .unwrap()
}

/// The stdout of a command that must succeed with nothing on stderr.
pub fn ok_stdout(args: &[&str]) -> String {
    let out = ltvlab(args);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
