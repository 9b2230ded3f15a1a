//! Money: order values split over their lines and written in minor units.

use rand::rngs::StdRng;
use rand::RngExt;

use super::catalogue::Catalogue;
use super::output::{push_int, push_padded, push_uint};

/// Amounts in minor units: whole yen at `currency_scale >= 100`, else cents.
#[derive(Clone, Copy)]
pub(super) struct Money {
    pub(super) cents: bool,
    pub(super) minor_per_value: f64,
}

impl Money {
    pub(super) fn new(currency_scale: f64) -> Money {
        let cents = currency_scale < 100.0;
        Money {
            cents,
            minor_per_value: currency_scale * if cents { 100.0 } else { 1.0 },
        }
    }

    pub(super) fn currency(self) -> &'static str {
        if self.cents {
            "USD"
        } else {
            "JPY"
        }
    }

    /// Writes `minor` as `1280`/`12.80`, or always with two decimals.
    pub(super) fn push(self, buf: &mut String, minor: i64, two_decimals: bool) {
        if self.cents {
            if minor < 0 {
                buf.push('-');
            }
            let abs = minor.unsigned_abs();
            push_uint(buf, abs / 100);
            buf.push('.');
            push_padded(buf, (abs % 100) as u32, 2);
        } else {
            push_int(buf, minor);
            if two_decimals {
                buf.push_str(".00");
            }
        }
    }
}

#[derive(Clone, Copy)]
pub(super) struct SoldLine {
    pub(super) item: u32,
    pub(super) quantity: i64,
    pub(super) unit_price: i64,
}

/// Splits an order value over the chosen items: quantities mostly 1, unit
/// prices proportional to each item's price weight, the rounding remainder
/// absorbed by a quantity-1 line where one can take it.
pub(super) fn price_lines(
    rng: &mut StdRng,
    catalogue: &Catalogue,
    chosen: &[u32],
    value: i64,
    lines: &mut Vec<SoldLine>,
) {
    lines.clear();
    let mut weight = 0.0;
    for &item in chosen {
        let u = rng.random::<f64>();
        let quantity = if u < 0.75 {
            1
        } else if u < 0.9 {
            2
        } else if u < 0.96 {
            3
        } else {
            rng.random_range(4..=6)
        };
        weight += catalogue.items[item as usize].price_weight * quantity as f64;
        lines.push(SoldLine {
            item,
            quantity,
            unit_price: 0,
        });
    }
    let mut total = 0;
    for line in lines.iter_mut() {
        let share = catalogue.items[line.item as usize].price_weight / weight;
        line.unit_price = ((value as f64 * share).round() as i64).max(1);
        total += line.unit_price * line.quantity;
    }
    let remainder = value - total;
    if remainder != 0 {
        if let Some(line) = lines
            .iter_mut()
            .find(|l| l.quantity == 1 && l.unit_price + remainder >= 1)
        {
            line.unit_price += remainder;
        }
    }
}
