//! The unit tests' shops: order lines of one unit each, from
//! `(customer, order, day, item)` rows.

use crate::transactions::{Line, LineKind, Transactions, TransactionsBuilder};

/// One sale line of amount 1 per row.
pub(super) fn shop(rows: &[(&str, &str, i32, &str)]) -> Transactions {
    let mut b = TransactionsBuilder::new();
    for &(customer, order, day, item) in rows {
        b.push(&Line {
            customer: Some(customer),
            order,
            day,
            amount: 1.0,
            item: Some(item),
            item_name: None,
            kind: LineKind::Sale,
            nps: None,
            group: None,
            subscription: None,
        });
    }
    b.finish()
}
