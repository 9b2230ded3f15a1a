//! What several integration tests share.

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
