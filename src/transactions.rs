//! The columnar transaction store that ingest produces and every analysis reads.
//!
//! One row per order line. Customer, order and item ids are interned into
//! dense `u32` indices; dates are day numbers (days since 1970-01-01, in the
//! shop's local calendar as written in the file). A [`Transactions`] value is
//! always consistent: all columns have the same length and every index points
//! into its interner.

use std::collections::TryReserveError;
use std::hash::BuildHasher;
use std::sync::OnceLock;

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap};
use serde::{Deserialize, Serialize};

/// Marks a missing customer (a guest order) or a missing item in the index columns.
pub const NONE: u32 = u32::MAX;

/// Maps strings to dense indices and back.
///
/// Strings live back to back in one arena, and the hash table stores their
/// indices with 32 bits of their hash and a key: the string itself when it
/// has at most 7 bytes, else its place and length in the arena. No
/// allocation per string (interning is the hot path of ingest); a probe
/// compares a short string without leaving the table and a long one with
/// one read of the arena, and the table grows without reading the arena.
/// About 26 bytes per distinct string beyond its text. The string interned
/// last is compared first, without hashing: ids repeat on adjacent lines
/// (an order's lines, a customer's orders).
///
/// It serializes as its arena and string ends, and deserializes by
/// interning each string again (a repeated string or an end off a
/// character boundary is an error), so a deserialized interner is as
/// consistent as a built one: the byte-range reader posts a range's store
/// from one Web Worker to another ([`crate::ingest::split`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(try_from = "InternerWire")]
pub struct Interner {
    /// One [`Slot`] per string; the table's hash is [`table_hash`] of its
    /// hash bits.
    table: HashTable<Slot>,
    arena: String,
    /// End offset of each string in `arena`; string `i` starts at `ends[i - 1]`.
    ends: Vec<usize>,
    /// The slot of the string interned last.
    recent: Option<Slot>,
}

/// An [`Interner`] as serialized: its strings back to back and their ends.
#[derive(Serialize)]
struct InternerRef<'a> {
    arena: &'a str,
    ends: &'a [usize],
}

/// An [`Interner`] as deserialized, before its strings are interned again.
#[derive(Deserialize)]
struct InternerWire {
    arena: String,
    ends: Vec<usize>,
}

impl Serialize for Interner {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        InternerRef {
            arena: &self.arena,
            ends: &self.ends,
        }
        .serialize(serializer)
    }
}

impl TryFrom<InternerWire> for Interner {
    type Error = String;

    /// Interns each string again, as ingest did, so the table is built by
    /// the same code as a built interner's: a repeated string or an end off
    /// a character boundary is an error.
    fn try_from(wire: InternerWire) -> Result<Interner, String> {
        let InternerWire { arena, ends } = wire;
        let mut interner = Interner::new();
        interner.reserve(ends.len(), arena.len());
        let mut start = 0;
        for (i, &end) in ends.iter().enumerate() {
            let s = arena.get(start..end).ok_or_else(|| {
                format!(
                    "interner: string {i} ends at {end}, not a character boundary after {start}"
                )
            })?;
            if !interner.intern_new(s).1 {
                return Err(format!("interner: string {i} repeats an earlier one"));
            }
            start = end;
        }
        if start != arena.len() {
            return Err("interner: bytes after the last string".to_owned());
        }
        Ok(interner)
    }
}

/// A string's entry in the interner's table.
#[derive(Debug, Clone, Copy)]
struct Slot {
    index: u32,
    /// 32 bits of the string's Fx hash ([`hash_str`]).
    hash: u32,
    /// [`slot_key`]: the bytes of a short string, or where a long one is.
    key: u64,
}

/// Strings of at most this many bytes are kept in their slot's key.
const SHORT: usize = 7;
/// The tag bit of a long string's key (short keys hold their length, at
/// most 7, in the top byte, so their top bit is clear).
const LONG: u64 = 1 << 63;
/// A long string's key holds its length in 22 bits above a 40-bit offset.
const LONG_LEN_BITS: u32 = 22;
const LONG_OFFSET_BITS: u32 = 40;
/// The key of a string too long (or too far into the arena) for that:
/// compared through `ends` (bit 62 is set, which no long key's length
/// reaches).
const ELSEWHERE: u64 = u64::MAX;

/// The key of a string starting at `start` in the arena: its bytes and
/// length when short; else tag, length and offset; else [`ELSEWHERE`].
fn slot_key(s: &[u8], start: usize) -> u64 {
    if s.len() <= SHORT {
        short_key(s)
    } else if (s.len() as u64) < 1 << LONG_LEN_BITS && (start as u64) < 1 << LONG_OFFSET_BITS {
        LONG | (s.len() as u64) << LONG_OFFSET_BITS | start as u64
    } else {
        ELSEWHERE
    }
}

/// A short string's key: its bytes, then its length in the top byte.
/// Shifted in rather than copied into a byte array: the copy was a call
/// to `memcpy` and a store-to-load stall on every probe.
fn short_key(s: &[u8]) -> u64 {
    s.iter()
        .take(SHORT)
        .enumerate()
        .fold((s.len() as u64) << 56, |key, (i, &b)| {
            key | u64::from(b) << (8 * i)
        })
}

/// 32 bits of the string's hash: Fx, but for an id of 1 to 9 digits, a
/// mix of its number without the last 4 bits, above those bits. Ids that
/// count up (order numbers, customer numbers) then fill the table 16 to a
/// group of slots, one cache miss per 16 ids rather than one each; the
/// bucket comes from the low bits and the tag from the top ones, both
/// mixed but for the low 4 bits. The low 4 bits are also folded into the
/// top 4 (the table's 7-bit tag is bits 25–31, on 32- and 64-bit targets
/// alike), so that the 16 ids of a group have 16 different tags: with one
/// tag each lookup compared the string with every neighbour already in
/// the group, a slot read each (9% of `summary` on 1M lines).
fn hash_str(s: &str) -> u32 {
    let b = s.as_bytes();
    if (1..=9).contains(&b.len()) && b.iter().all(u8::is_ascii_digit) {
        let n = b.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
        let low = n & 15;
        return ((mix32(n >> 4) << 4) | low) ^ (low << 28);
    }
    let h = FxBuildHasher.hash_one(s);
    (h ^ (h >> 32)) as u32
}

/// MurmurHash3's 32-bit finalizer: every output bit depends on every input
/// bit.
fn mix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// The table's 64-bit hash from the stored 32 bits: the table takes the
/// bucket from the low bits and its 7-bit tag from the top ones, so the 32
/// bits fill both halves.
fn table_hash(h: u32) -> u64 {
    u64::from(h) | (u64::from(h) << 32)
}

/// The string at index `i` of an arena and its ends.
fn arena_str<'a>(arena: &'a str, ends: &[usize], i: u32) -> &'a str {
    let i = i as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &arena[start..ends[i]]
}

/// Whether the slot holds `s` (whose hash bits are `h`).
fn slot_holds(slot: &Slot, h: u32, s: &str, arena: &str, ends: &[usize]) -> bool {
    slot.hash == h && slot_is(slot, s, arena, ends)
}

/// Whether the slot holds `s`.
fn slot_is(slot: &Slot, s: &str, arena: &str, ends: &[usize]) -> bool {
    let b = s.as_bytes();
    if b.len() <= SHORT {
        return slot.key == short_key(b);
    }
    if slot.key == ELSEWHERE {
        return arena_str(arena, ends, slot.index) == s;
    }
    if slot.key & LONG == 0 {
        return false;
    }
    // In u64: a 32-bit target's usize is narrower than the offset field
    // (its arena, under 4 GiB, never fills it).
    let len = ((slot.key >> LONG_OFFSET_BITS) & ((1 << LONG_LEN_BITS) - 1)) as usize;
    let start = (slot.key & ((1 << LONG_OFFSET_BITS) - 1)) as usize;
    len == b.len()
        && arena
            .as_bytes()
            .get(start..start + len)
            .is_some_and(|a| same(a, b))
}

/// `a == b`; up to 7 bytes byte by byte, for 8 to 32 bytes with two or
/// four overlapping 8-byte reads each, not a `memcmp` call (CDNOW's order ids, customer and date, are 16
/// bytes; a date with its time 19).
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    let word = |s: &[u8], at: usize| -> u64 {
        s.get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map_or(0, u64::from_le_bytes)
    };
    match a.len() {
        0..=7 if b.len() == a.len() => a.iter().zip(b).all(|(x, y)| x == y),
        8..=16 if b.len() == a.len() => {
            let tail = a.len() - 8;
            word(a, 0) == word(b, 0) && word(a, tail) == word(b, tail)
        }
        17..=32 if b.len() == a.len() => {
            let tail = a.len() - 8;
            word(a, 0) == word(b, 0)
                && word(a, 8) == word(b, 8)
                && word(a, tail - 8) == word(b, tail - 8)
                && word(a, tail) == word(b, tail)
        }
        _ => a == b,
    }
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Interner {
        Interner::default()
    }

    /// The index of `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> u32 {
        self.intern_new(s).0
    }

    /// The index of `s` and whether it was added by this call.
    pub fn intern_new(&mut self, s: &str) -> (u32, bool) {
        let Interner {
            table,
            arena,
            ends,
            recent,
        } = self;
        // A short string is compared with the last one by its key; a long
        // one by its hash bits first, so that a run of new long ids (orders
        // made of customer and date) costs no byte comparison each.
        let h = if s.len() <= SHORT {
            if let Some(slot) = recent.filter(|slot| slot.key == short_key(s.as_bytes())) {
                return (slot.index, false);
            }
            hash_str(s)
        } else {
            let h = hash_str(s);
            if let Some(slot) = recent.filter(|slot| slot_holds(slot, h, s, arena, ends)) {
                return (slot.index, false);
            }
            h
        };
        let hash = table_hash(h);
        if let Some(&slot) = table.find(hash, |slot| slot_holds(slot, h, s, arena, ends)) {
            *recent = Some(slot);
            return (slot.index, false);
        }
        let slot = Slot {
            index: ends.len() as u32,
            hash: h,
            key: slot_key(s.as_bytes(), arena.len()),
        };
        arena.push_str(s);
        ends.push(arena.len());
        table.insert_unique(hash, slot, |slot| table_hash(slot.hash));
        *recent = Some(slot);
        (slot.index, true)
    }

    /// Makes room for `additional` more strings of `bytes` bytes in all,
    /// so that interning them does not regrow the table or the arena
    /// (merging one store into another knows both counts up front).
    pub fn reserve(&mut self, additional: usize, bytes: usize) {
        let Interner {
            table, arena, ends, ..
        } = self;
        arena.reserve(bytes);
        ends.reserve(additional);
        table.reserve(additional, |slot| table_hash(slot.hash));
    }

    /// As [`Interner::reserve`], for an estimate: when the memory is not
    /// there the room is left as it is (the table grows as it fills) and
    /// the result is `false`.
    pub fn try_reserve(&mut self, additional: usize, bytes: usize) -> bool {
        let Interner {
            table, arena, ends, ..
        } = self;
        arena.try_reserve(bytes).is_ok()
            && ends.try_reserve(additional).is_ok()
            && table
                .try_reserve(additional, |slot| table_hash(slot.hash))
                .is_ok()
    }

    /// The bytes of all its strings together.
    pub fn bytes(&self) -> usize {
        self.arena.len()
    }

    /// The index of `s`, if it was interned.
    pub fn get(&self, s: &str) -> Option<u32> {
        let h = hash_str(s);
        self.table
            .find(table_hash(h), |slot| {
                slot_holds(slot, h, s, &self.arena, &self.ends)
            })
            .map(|slot| slot.index)
    }

    /// The string at index `i`.
    ///
    /// # Panics
    /// If `i` was not returned by this interner (an internal invariant).
    pub fn name(&self, i: u32) -> &str {
        arena_str(&self.arena, &self.ends, i)
    }

    /// How many distinct strings were interned.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether nothing was interned.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// All strings in index order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        (0..self.len() as u32).map(|i| self.name(i))
    }
}

/// Whether a line is a sale or a reversal (return, refund, cancellation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A normal purchase line.
    Sale,
    /// A return, refund or cancellation: its amount is netted against an earlier order.
    Reversal,
}

/// One order line, as handed to [`TransactionsBuilder::push`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line<'a> {
    /// The customer id, or `None` for a guest.
    pub customer: Option<&'a str>,
    /// The order id; when absent the caller passes a synthetic one.
    pub order: &'a str,
    /// Day number: days since 1970-01-01.
    pub day: i32,
    /// Line amount in the shop's currency (negative for reversals).
    pub amount: f64,
    /// Item id or SKU.
    pub item: Option<&'a str>,
    /// Item name, when the file has one.
    pub item_name: Option<&'a str>,
    /// Sale or reversal.
    pub kind: LineKind,
    /// NPS score 0..=10, when the file has one.
    pub nps: Option<u8>,
    /// A categorical value for grouping (channel, coupon, campaign), when chosen.
    pub group: Option<&'a str>,
    /// Whether the line belongs to a 定期 (subscription) order, when the file
    /// has a subscription column.
    pub subscription: Option<bool>,
}

/// Builds a [`Transactions`] one line at a time.
///
/// It serializes as its store, and deserializes only into a consistent one
/// (its columns of one length, every index inside its interner, every day
/// and amount readable): the byte-range reader posts a range's
/// builder from one Web Worker to another ([`crate::ingest::split`]).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(try_from = "Transactions")]
pub struct TransactionsBuilder {
    t: Transactions,
}

impl TryFrom<Transactions> for TransactionsBuilder {
    type Error = String;

    fn try_from(t: Transactions) -> Result<TransactionsBuilder, String> {
        t.check()?;
        Ok(TransactionsBuilder { t })
    }
}

impl TransactionsBuilder {
    /// An empty builder.
    pub fn new() -> TransactionsBuilder {
        TransactionsBuilder::default()
    }

    /// Reserves room for `additional` more lines, so that large inputs do
    /// not pay for doubling growth (which can leave half the columns unused
    /// and briefly holds the old and the new copy). If the memory is not
    /// there, the columns are left to grow as they fill, and the error says so.
    ///
    /// # Errors
    /// The first column whose reservation failed.
    pub fn try_reserve(&mut self, additional: usize) -> std::result::Result<(), TryReserveError> {
        let t = &mut self.t;
        t.customer.try_reserve(additional)?;
        t.order.try_reserve(additional)?;
        t.day.try_reserve(additional)?;
        t.amount.try_reserve(additional)?;
        t.item.try_reserve(additional)?;
        t.reversal.try_reserve(additional)
    }

    /// Reserves room for `additional` more order ids of `bytes` bytes in
    /// all ([`Interner::try_reserve`]): the order table then need not be
    /// rebuilt at each doubling (on CDNOW's 67k orders, rebuilding touched
    /// twice the table's memory). `false` when the memory is not there.
    pub fn try_reserve_orders(&mut self, additional: usize, bytes: usize) -> bool {
        self.t.orders.try_reserve(additional, bytes)
    }

    /// The order ids interned so far: how many, and their bytes together.
    pub fn order_ids(&self) -> (usize, usize) {
        (self.t.orders.len(), self.t.orders.bytes())
    }

    /// Appends one line.
    pub fn push(&mut self, line: &Line<'_>) {
        let t = &mut self.t;
        // Lines of one order, and orders of one customer, tend to be
        // adjacent: the interner compares with the id it saw last before
        // hashing.
        let customer = line.customer.map_or(NONE, |c| t.customers.intern(c));
        t.customer.push(customer);
        let order = t.orders.intern(line.order);
        t.order.push(order);
        t.day.push(line.day);
        t.amount.push(line.amount);
        let item = match line.item.or(line.item_name) {
            Some(id) => {
                let i = t.items.intern(id);
                if i as usize == t.item_names.len() {
                    t.item_names.push(line.item_name.map(Box::from));
                } else if t.item_names[i as usize].is_none() {
                    t.item_names[i as usize] = line.item_name.map(Box::from);
                }
                i
            }
            None => NONE,
        };
        t.item.push(item);
        t.reversal.push(line.kind == LineKind::Reversal);
        // Optional columns stay empty until a row has a value.
        let n = t.reversal.len();
        if line.nps.is_some() || !t.nps.is_empty() {
            t.nps.resize(n - 1, u8::MAX);
            t.nps.push(line.nps.unwrap_or(u8::MAX));
        }
        if line.group.is_some() || !t.group.is_empty() {
            t.group.resize(n - 1, NONE);
            let g = line.group.map_or(NONE, |g| t.groups.intern(g));
            t.group.push(g);
        }
        if line.subscription.is_some() || !t.subscription.is_empty() {
            t.subscription.resize(n - 1, false);
            t.subscription.push(line.subscription.unwrap_or(false));
        }
    }

    /// The number of lines pushed so far.
    pub fn len(&self) -> usize {
        self.t.day.len()
    }

    /// Whether a line of this order id was pushed already.
    pub fn has_order(&self, order: &str) -> bool {
        self.t.orders.get(order).is_some()
    }

    /// Whether no line was pushed.
    pub fn is_empty(&self) -> bool {
        self.t.day.is_empty()
    }

    /// Records `email` as the e-mail address of the customer of the line
    /// pushed last (nothing for a guest line or an empty `email`). The last
    /// non-empty address seen wins; it is kept once per customer, not per
    /// line.
    pub fn set_last_email(&mut self, email: &str) {
        let t = &mut self.t;
        let email = email.trim();
        let Some(&c) = t.customer.last() else {
            return;
        };
        if c == NONE || email.is_empty() {
            return;
        }
        let c = c as usize;
        if t.emails.len() <= c {
            t.emails.resize(c + 1, None);
        }
        if t.emails[c].as_deref() != Some(email) {
            t.emails[c] = Some(Box::from(email));
        }
    }

    /// Marks the customer ids as e-mail addresses (the file's customer
    /// column is its e-mail column), so each customer's e-mail is the id.
    pub fn set_emails_are_ids(&mut self) {
        self.t.emails_are_ids = true;
    }

    /// Finishes the store. The order ids' text is dropped here (only their
    /// dense indices are kept: nothing after ingest reads an order's id), and
    /// the columns give back what was reserved beyond their length, so the
    /// store holds per line only its columns.
    pub fn finish(self) -> Transactions {
        let mut t = self.t;
        t.order_count = t.orders.len();
        t.orders = Interner::new();
        t.customer.shrink_to_fit();
        t.order.shrink_to_fit();
        t.day.shrink_to_fit();
        t.amount.shrink_to_fit();
        t.item.shrink_to_fit();
        t.reversal.shrink_to_fit();
        t.nps.shrink_to_fit();
        t.group.shrink_to_fit();
        t.subscription.shrink_to_fit();
        // A store turned back into a builder may have been asked before.
        t.bulk_days = OnceLock::new();
        t
    }

    /// Appends the lines of `later`, built from the lines that follow this
    /// builder's, as if they had been pushed here one by one: its ids are
    /// interned after this builder's in the order they first appear there,
    /// so the indices, the optional columns, the item names (the first one
    /// seen) and the e-mails (the last one seen) are those of pushing every
    /// line into one builder. This is how the ranges of an input read in
    /// parallel become one store.
    pub fn append(&mut self, later: TransactionsBuilder) {
        let t = &mut self.t;
        let o = later.t;
        let before = t.len();
        let n = before + o.len();
        let remap = |into: &mut Interner, from: &Interner| -> Vec<u32> {
            into.reserve(from.len(), from.names().map(str::len).sum());
            from.names().map(|name| into.intern(name)).collect()
        };
        let customers = remap(&mut t.customers, &o.customers);
        let orders = remap(&mut t.orders, &o.orders);
        let items = remap(&mut t.items, &o.items);
        let groups = remap(&mut t.groups, &o.groups);
        let index = |map: &[u32], i: u32| if i == NONE { NONE } else { map[i as usize] };
        t.item_names.resize(t.items.len(), None);
        for (j, name) in o.item_names.into_iter().enumerate() {
            let slot = &mut t.item_names[items[j] as usize];
            if slot.is_none() {
                *slot = name;
            }
        }
        for (c, email) in o.emails.into_iter().enumerate() {
            if let Some(email) = email {
                let c = customers[c] as usize;
                if t.emails.len() <= c {
                    t.emails.resize(c + 1, None);
                }
                t.emails[c] = Some(email);
            }
        }
        t.customer
            .extend(o.customer.iter().map(|&c| index(&customers, c)));
        t.order.extend(o.order.iter().map(|&x| orders[x as usize]));
        t.day.extend_from_slice(&o.day);
        t.amount.extend_from_slice(&o.amount);
        t.item.extend(o.item.iter().map(|&i| index(&items, i)));
        t.reversal.extend_from_slice(&o.reversal);
        // An optional column exists from the first line with a value on,
        // filled before it; once it exists every later line has a cell.
        fn optional<T: Copy>(mine: &mut Vec<T>, later: Vec<T>, before: usize, n: usize, fill: T) {
            if mine.is_empty() && later.is_empty() {
                return;
            }
            mine.resize(before, fill);
            mine.extend(later);
            mine.resize(n, fill);
        }
        optional(&mut t.nps, o.nps, before, n, u8::MAX);
        let group: Vec<u32> = o.group.iter().map(|&g| index(&groups, g)).collect();
        optional(&mut t.group, group, before, n, NONE);
        optional(&mut t.subscription, o.subscription, before, n, false);
        t.emails_are_ids |= o.emails_are_ids;
    }
}

/// Counts over a [`Transactions`], from [`Transactions::counts`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    /// Distinct customers.
    pub customers: u64,
    /// Distinct orders.
    pub orders: u64,
    /// Distinct items.
    pub items: u64,
    /// Rows without a customer.
    pub guest_rows: u64,
    /// Reversal rows.
    pub reversal_rows: u64,
    /// Sum of amounts.
    pub total_amount: f64,
    /// Orders with a reversal whose net value is zero or less.
    pub non_positive_orders: u64,
}

/// Order lines in columns. Read-only once built.
///
/// Its serde derives are for [`TransactionsBuilder`]'s, which checks a
/// deserialized store before it is used.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Transactions {
    customers: Interner,
    /// The order ids while building; emptied by
    /// [`TransactionsBuilder::finish`], which keeps their count.
    orders: Interner,
    /// The number of distinct orders (set by [`TransactionsBuilder::finish`]).
    order_count: usize,
    items: Interner,
    item_names: Vec<Option<Box<str>>>,
    groups: Interner,
    customer: Vec<u32>,
    order: Vec<u32>,
    day: Vec<i32>,
    amount: Vec<f64>,
    item: Vec<u32>,
    reversal: Vec<bool>,
    nps: Vec<u8>,
    group: Vec<u32>,
    subscription: Vec<bool>,
    /// Each customer's e-mail address, by customer index (shorter than the
    /// customers when the last ones have none; empty without an e-mail column).
    emails: Vec<Option<Box<str>>>,
    /// Whether the customer ids are the e-mail addresses.
    emails_are_ids: bool,
    /// Whether ingest left the large orders out
    /// ([`crate::ingest::LargeOrderPolicy::Exclude`]): the rule then ran
    /// once, on the whole file, and [`crate::large_orders::find`] names none.
    #[serde(default)]
    large_orders_left_out: bool,
    /// [`Transactions::bulk_day_range`], worked out once: summaries, cohorts,
    /// the order gap and validation each ask for it. Emptied by every change
    /// to the days or the rows.
    #[serde(skip)]
    bulk_days: OnceLock<Option<(i32, i32)>>,
}

impl Transactions {
    /// Whether the columns are consistent: of one length (the optional
    /// ones empty or of that length), every index inside its interner or
    /// [`NONE`] where a line may lack one, every day a date from year 1 to
    /// 9999 or `i32::MIN` (a date the day/month order decides later), every
    /// amount finite. A deserialized store is checked before use.
    ///
    /// # Errors
    /// The first inconsistency, named.
    pub(crate) fn check(&self) -> Result<(), String> {
        /// 0001-01-01 and 9999-12-31 as day numbers.
        const DAYS: std::ops::RangeInclusive<i32> = -719_162..=2_932_896;
        let n = self.len();
        let inside = |col: &[u32], names: &Interner, none_ok: bool| {
            col.iter()
                .all(|&i| (i as usize) < names.len() || (none_ok && i == NONE))
        };
        let fits = |len: usize, optional: bool| len == n || (optional && len == 0);
        let checks = [
            (fits(self.customer.len(), false), "customer column length"),
            (fits(self.order.len(), false), "order column length"),
            (fits(self.amount.len(), false), "amount column length"),
            (fits(self.item.len(), false), "item column length"),
            (fits(self.reversal.len(), false), "reversal column length"),
            (fits(self.nps.len(), true), "nps column length"),
            (fits(self.group.len(), true), "group column length"),
            (
                fits(self.subscription.len(), true),
                "subscription column length",
            ),
            (
                inside(&self.customer, &self.customers, true),
                "customer index",
            ),
            (inside(&self.order, &self.orders, false), "order index"),
            // A builder's store (the only one deserialized) keeps its order
            // ids; their count is set by `finish`.
            (self.order_count == 0, "order count before finish"),
            (inside(&self.item, &self.items, true), "item index"),
            (inside(&self.group, &self.groups, true), "group index"),
            (self.item_names.len() <= self.items.len(), "item names"),
            (self.emails.len() <= self.customers.len(), "e-mails"),
            (
                self.day.iter().all(|d| *d == i32::MIN || DAYS.contains(d)),
                "day",
            ),
            (self.amount.iter().all(|a| a.is_finite()), "amount"),
            (self.nps.iter().all(|&s| s <= 10 || s == u8::MAX), "nps"),
        ];
        match checks.iter().find(|(ok, _)| !ok) {
            Some((_, what)) => Err(format!("inconsistent store: {what}")),
            None => Ok(()),
        }
    }

    /// The number of lines.
    pub fn len(&self) -> usize {
        self.day.len()
    }

    /// Whether there are no lines.
    pub fn is_empty(&self) -> bool {
        self.day.is_empty()
    }

    /// Customer ids.
    pub fn customers(&self) -> &Interner {
        &self.customers
    }

    /// The number of distinct orders: order indices run from 0 to this
    /// (their ids' text is not kept).
    pub fn order_count(&self) -> usize {
        self.order_count
    }

    /// Item ids (or names, when the file has names only).
    pub fn items(&self) -> &Interner {
        &self.items
    }

    /// The display name of item `i`: its name when known, else its id.
    pub fn item_name(&self, i: u32) -> &str {
        match self.item_names.get(i as usize) {
            Some(Some(name)) => name,
            _ => self.items.name(i),
        }
    }

    /// The e-mail address of customer `c`, when the file has one for them:
    /// the id itself when the customer column is the e-mail column, else the
    /// last non-empty address of an e-mail column on their rows.
    pub fn customer_email(&self, c: u32) -> Option<&str> {
        if self.emails_are_ids {
            return (c != NONE && (c as usize) < self.customers.len())
                .then(|| self.customers.name(c));
        }
        self.emails.get(c as usize).and_then(|e| e.as_deref())
    }

    /// Whether any customer has an e-mail address (the file has an e-mail
    /// column, or its customer ids are addresses).
    pub fn has_emails(&self) -> bool {
        (self.emails_are_ids && !self.customers.is_empty())
            || self.emails.iter().any(Option::is_some)
    }

    /// Group values (channel, coupon, ...), when a group column was chosen.
    pub fn groups(&self) -> &Interner {
        &self.groups
    }

    /// Customer index per line ([`NONE`] for guests).
    pub fn customer_col(&self) -> &[u32] {
        &self.customer
    }

    /// Order index per line.
    pub fn order_col(&self) -> &[u32] {
        &self.order
    }

    /// Day number per line.
    pub fn day_col(&self) -> &[i32] {
        &self.day
    }

    /// Amount per line.
    pub fn amount_col(&self) -> &[f64] {
        &self.amount
    }

    /// Item index per line ([`NONE`] when the line has no item).
    pub fn item_col(&self) -> &[u32] {
        &self.item
    }

    /// Whether each line is a reversal (return, refund, cancellation).
    pub fn reversal_col(&self) -> &[bool] {
        &self.reversal
    }

    /// NPS score per line (`u8::MAX` where absent); `None` when no line has one.
    pub fn nps_col(&self) -> Option<&[u8]> {
        (!self.nps.is_empty()).then(|| {
            debug_assert_eq!(self.nps.len(), self.len());
            &self.nps[..]
        })
    }

    /// Group index per line ([`NONE`] where absent); `None` when no line has one.
    pub fn group_col(&self) -> Option<&[u32]> {
        (!self.group.is_empty()).then_some(&self.group[..])
    }

    /// Whether each line belongs to a 定期 (subscription) order; `None` when
    /// the file has no subscription column.
    pub fn subscription_col(&self) -> Option<&[bool]> {
        (!self.subscription.is_empty()).then_some(&self.subscription[..])
    }

    /// Replaces the day of the given rows (used to apply the day/month order).
    pub(crate) fn set_days(&mut self, days: impl IntoIterator<Item = (usize, i32)>) {
        self.bulk_days = OnceLock::new();
        for (row, day) in days {
            if let Some(d) = self.day.get_mut(row) {
                *d = day;
            }
        }
    }

    /// Multiplies the amount of the given rows by `factor` (used when the
    /// whole column shows that `12.990` means 12,990).
    pub(crate) fn scale_amounts(&mut self, rows: impl IntoIterator<Item = usize>, factor: f64) {
        for row in rows {
            if let Some(a) = self.amount.get_mut(row) {
                *a *= factor;
            }
        }
    }

    /// Marks the large orders as left out ([`Transactions::large_orders_left_out`]).
    pub(crate) fn mark_large_orders_left_out(&mut self) {
        self.large_orders_left_out = true;
    }

    /// Whether ingest left the large orders out
    /// ([`crate::ingest::LargeOrderPolicy::Exclude`]). Those were the orders
    /// of at least 20 times the median order with them in; without them the
    /// median is a little lower, and the rule run again could name orders
    /// the merchant was never told of, beside a page that says the large
    /// orders are out. [`crate::large_orders::find`] then names none.
    pub fn large_orders_left_out(&self) -> bool {
        self.large_orders_left_out
    }

    /// Keeps only the rows whose `keep` flag is set.
    pub(crate) fn retain_rows(&mut self, keep: &[bool]) {
        fn retain<T: Copy>(v: &mut Vec<T>, keep: &[bool]) {
            let mut i = 0;
            v.retain(|_| {
                let k = keep.get(i).copied().unwrap_or(true);
                i += 1;
                k
            });
        }
        self.bulk_days = OnceLock::new();
        retain(&mut self.customer, keep);
        retain(&mut self.order, keep);
        retain(&mut self.day, keep);
        retain(&mut self.amount, keep);
        retain(&mut self.item, keep);
        retain(&mut self.reversal, keep);
        retain(&mut self.nps, keep);
        retain(&mut self.group, keep);
        retain(&mut self.subscription, keep);
    }

    /// Moves each kept reversal line (return, refund, cancellation) into the
    /// order it reverses, so that order values are net of returns.
    ///
    /// A reversal whose own order id also has sale lines (a partial refund
    /// written into the order) stays where it is. Otherwise it joins the
    /// customer's most recent sale order on or before its day that contains
    /// the same item (looking back at most 64 orders), or failing that the
    /// most recent sale order on or before its day. Returns the rows that
    /// match no order (guests, or reversals before any purchase).
    pub(crate) fn net_reversals(&mut self, keep: &[bool]) -> Vec<usize> {
        let n = self.len();
        if !self.reversal.iter().zip(keep).any(|(&r, &k)| r && k) {
            return Vec::new();
        }
        let mut order_is_sale = vec![false; self.order_count];
        let mut order_day = vec![i32::MAX; self.order_count];
        let mut order_customer = vec![NONE; self.order_count];
        let mut sale_items: rustc_hash::FxHashSet<(u32, u32)> = Default::default();
        for (i, &kept) in keep.iter().enumerate().take(n) {
            if !kept || self.reversal[i] {
                continue;
            }
            let o = self.order[i] as usize;
            order_is_sale[o] = true;
            order_day[o] = order_day[o].min(self.day[i]);
            order_customer[o] = self.customer[i];
            if self.item[i] != NONE {
                sale_items.insert((self.order[i], self.item[i]));
            }
        }
        let mut by_customer: FxHashMap<u32, Vec<(i32, u32)>> = FxHashMap::default();
        for (o, &sale) in order_is_sale.iter().enumerate() {
            if sale && order_customer[o] != NONE {
                by_customer
                    .entry(order_customer[o])
                    .or_default()
                    .push((order_day[o], o as u32));
            }
        }
        for list in by_customer.values_mut() {
            list.sort_unstable();
        }
        let mut unmatched = Vec::new();
        for i in 0..n {
            if !keep[i] || !self.reversal[i] || order_is_sale[self.order[i] as usize] {
                continue;
            }
            let Some(list) = by_customer.get(&self.customer[i]) else {
                unmatched.push(i);
                continue;
            };
            let upto = list.partition_point(|&(d, _)| d <= self.day[i]);
            if upto == 0 {
                unmatched.push(i);
                continue;
            }
            let candidates = &list[upto.saturating_sub(64)..upto];
            let with_item = candidates
                .iter()
                .rev()
                .find(|&&(_, o)| self.item[i] != NONE && sale_items.contains(&(o, self.item[i])));
            let (_, target) = with_item.copied().unwrap_or(list[upto - 1]);
            self.order[i] = target;
        }
        unmatched
    }

    /// Joins each customer identified by an e-mail address (a guest
    /// checkout: no member id, so ingest keyed the rows by the address) to
    /// the member whose recorded e-mail address it is, so that a shopper's
    /// orders before and after they became a member are one history. Such a
    /// customer's id is the address and so is its recorded e-mail; an
    /// address recorded for two or more members stays its own customer.
    /// The customers keep their order of first appearance, less the joined
    /// ones. Returns how many customers were joined.
    pub(crate) fn join_email_customers(&mut self) -> usize {
        let n = self.customers.len();
        // Each recorded address, compared without case (a guest's id made
        // from an address is lower-cased; see ingest's `case_folded_emails`):
        // its member, or None when several share it.
        let lower = |e: &str| e.to_ascii_lowercase();
        let mut owner: FxHashMap<String, Option<u32>> = FxHashMap::default();
        for (c, email) in self.emails.iter().enumerate() {
            let Some(email) = email.as_deref() else {
                continue;
            };
            let key = lower(email);
            if self.customers.name(c as u32) == key {
                continue; // identified by its own address
            }
            owner
                .entry(key)
                .and_modify(|o| *o = None)
                .or_insert(Some(c as u32));
        }
        let mut into: Vec<Option<u32>> = vec![None; n];
        let mut joined = 0;
        for (email, member) in owner {
            let (Some(member), Some(guest)) = (member, self.customers.get(&email)) else {
                continue;
            };
            let own = self.emails.get(guest as usize).and_then(|e| e.as_deref());
            if guest != member && own.map(lower).as_deref() == Some(email.as_str()) {
                into[guest as usize] = Some(member);
                joined += 1;
            }
        }
        if joined == 0 {
            return 0;
        }
        let old = std::mem::take(&mut self.customers);
        let mut index = vec![NONE; n];
        let mut emails = Vec::with_capacity(self.emails.len());
        for c in 0..n {
            if into[c].is_none() {
                index[c] = self.customers.intern(old.name(c as u32));
                if c < self.emails.len() {
                    emails.push(self.emails[c].take());
                }
            }
        }
        for c in 0..n {
            if let Some(member) = into[c] {
                index[c] = index[member as usize];
            }
        }
        while emails.last().is_some_and(Option::is_none) {
            emails.pop();
        }
        self.emails = emails;
        for c in &mut self.customer {
            if *c != NONE {
                *c = index[*c as usize];
            }
        }
        joined
    }

    /// Each order's net value, by order index: the sum of its lines'
    /// amounts, returns included (ingest moves each return into the order it
    /// reverses). The one definition of an order's value for
    /// [`Transactions::counts`] and [`crate::report::large_orders`].
    pub fn order_net(&self) -> Vec<f64> {
        let mut net = vec![0.0f64; self.order_count];
        for (&o, &amount) in self.order.iter().zip(&self.amount) {
            net[o as usize] += amount;
        }
        net
    }

    /// Counts over the rows.
    pub fn counts(&self) -> Counts {
        let mut seen_c = vec![false; self.customers.len()];
        let mut seen_i = vec![false; self.items.len()];
        let order_net = self.order_net();
        let mut order_seen = vec![0u8; self.order_count];
        let mut c = Counts::default();
        for i in 0..self.len() {
            if self.customer[i] == NONE {
                c.guest_rows += 1;
            } else if !seen_c[self.customer[i] as usize] {
                seen_c[self.customer[i] as usize] = true;
                c.customers += 1;
            }
            if self.item[i] != NONE && !seen_i[self.item[i] as usize] {
                seen_i[self.item[i] as usize] = true;
                c.items += 1;
            }
            let o = self.order[i] as usize;
            order_seen[o] |= 1;
            if self.reversal[i] {
                c.reversal_rows += 1;
                order_seen[o] |= 2;
            }
            c.total_amount += self.amount[i];
        }
        for (o, &seen) in order_seen.iter().enumerate() {
            if seen & 1 != 0 {
                c.orders += 1;
                if seen & 2 != 0 && order_net[o] <= 0.0 {
                    c.non_positive_orders += 1;
                }
            }
        }
        c
    }

    /// The first and last day in the data, if any line exists.
    pub fn day_range(&self) -> Option<(i32, i32)> {
        let (min, max) = self
            .day
            .iter()
            .fold((i32::MAX, i32::MIN), |(lo, hi), &d| (lo.min(d), hi.max(d)));
        (!self.day.is_empty()).then_some((min, max))
    }

    /// The first and last day of the bulk of the data: the days within
    /// [`crate::days::OUTLYING_DATE_YEARS`] years of the median day, the
    /// rule of ingest's outlying-dates warning (the median to a 1,024-day
    /// bucket, as there), so that a `0001` or `9999` typo does not set the
    /// span of cohorts or the tracking curve. Equal to
    /// [`Transactions::day_range`] when no day is that far out; `None`
    /// without rows. Worked out on the first call and kept.
    pub fn bulk_day_range(&self) -> Option<(i32, i32)> {
        *self.bulk_days.get_or_init(|| self.count_bulk_day_range())
    }

    fn count_bulk_day_range(&self) -> Option<(i32, i32)> {
        let range = crate::days::bulk_range(self.day.iter().copied())?;
        let Some((low, high)) = range.outside else {
            return Some((range.first, range.last));
        };
        let inside = self
            .day
            .iter()
            .copied()
            .filter(|d| (low..=high).contains(d));
        let (min, max) = inside.fold((i32::MAX, i32::MIN), |(lo, hi), d| (lo.min(d), hi.max(d)));
        (min <= max).then_some((min, max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(customer: Option<&'a str>, order: &'a str, day: i32, amount: f64) -> Line<'a> {
        Line {
            customer,
            order,
            day,
            amount,
            item: Some("sku-1"),
            item_name: None,
            kind: LineKind::Sale,
            nps: None,
            group: None,
            subscription: None,
        }
    }

    /// One address per customer, the last non-empty one; guests and empty
    /// cells leave it as it is; ids that are addresses are their own.
    #[test]
    fn keeps_each_customers_last_email() {
        let mut b = TransactionsBuilder::new();
        for (customer, email) in [
            (Some("c1"), "old@example.jp"),
            (Some("c2"), ""),
            (Some("c1"), "new@example.jp"),
            (None, "guest@example.jp"),
            (Some("c1"), ""),
            (Some("c3"), " c3@example.jp "),
        ] {
            b.push(&line(customer, "o", 1, 1.0));
            b.set_last_email(email);
        }
        let t = b.finish();
        let emails: Vec<Option<&str>> = (0..3).map(|c| t.customer_email(c)).collect();
        assert_eq!(
            emails,
            [Some("new@example.jp"), None, Some("c3@example.jp")]
        );
        assert!(t.has_emails());
        assert_eq!(t.emails.len(), 3, "one slot per customer, not per line");

        let mut b = TransactionsBuilder::new();
        b.push(&line(Some("a@example.jp"), "o", 1, 1.0));
        assert!(!b.t.has_emails());
        b.set_emails_are_ids();
        let t = b.finish();
        assert_eq!(t.customer_email(0), Some("a@example.jp"));
        assert_eq!(t.customer_email(NONE), None);
        assert!(t.has_emails());
    }

    #[test]
    fn guest_addresses_join_their_one_member() {
        // (customer key, e-mail) per line, as ingest keys a guest checkout
        // by its address: g@ is member m1's address; s@ is the address of
        // two members (m2, m3), so its guest stays apart; lone@ is no one's.
        let mut b = TransactionsBuilder::new();
        for (customer, email) in [
            ("g@example.jp", "g@example.jp"),
            ("m1", "g@example.jp"),
            ("s@example.jp", "s@example.jp"),
            ("m2", "s@example.jp"),
            ("m3", "s@example.jp"),
            ("lone@example.jp", "lone@example.jp"),
            ("g@example.jp", "g@example.jp"),
        ] {
            b.push(&line(Some(customer), "o", 1, 1.0));
            b.set_last_email(email);
        }
        b.push(&line(None, "o", 1, 1.0));
        let mut t = b.finish();
        assert_eq!(t.join_email_customers(), 1);
        let names: Vec<&str> = t.customers().names().collect();
        assert_eq!(names, ["m1", "s@example.jp", "m2", "m3", "lone@example.jp"]);
        assert_eq!(t.customer_col(), &[0, 0, 1, 2, 3, 4, 0, NONE]);
        let emails: Vec<Option<&str>> = (0..5).map(|c| t.customer_email(c)).collect();
        assert_eq!(
            emails,
            [
                Some("g@example.jp"),
                Some("s@example.jp"),
                Some("s@example.jp"),
                Some("s@example.jp"),
                Some("lone@example.jp")
            ]
        );
        assert_eq!(t.join_email_customers(), 0, "nothing left to join");
    }

    #[test]
    fn builder_interns_and_keeps_columns_aligned() {
        let mut b = TransactionsBuilder::new();
        b.push(&line(Some("c1"), "o1", 10, 5.0));
        b.push(&line(None, "o2", 12, 7.0));
        b.push(&line(Some("c1"), "o3", 11, 1.0));
        let t = b.finish();
        assert_eq!(t.len(), 3);
        assert_eq!(t.customers().len(), 1);
        assert_eq!(t.customer_col(), &[0, NONE, 0]);
        assert_eq!(t.order_count(), 3);
        assert_eq!(t.items().len(), 1);
        assert_eq!(t.item_name(0), "sku-1");
        assert_eq!(t.day_range(), Some((10, 12)));
    }
}

#[cfg(test)]
mod interner_tests {
    use super::*;
    use proptest::prelude::*;

    /// Interns `names` and checks each index, `get` and `name` against a
    /// map that numbers strings in order of first appearance.
    fn check(names: &[String]) {
        let mut interner = Interner::new();
        let mut reference: FxHashMap<&str, u32> = FxHashMap::default();
        for name in names {
            let next = reference.len() as u32;
            let want = *reference.entry(name).or_insert(next);
            let added = want == next && interner.get(name).is_none();
            assert_eq!(interner.intern_new(name), (want, added), "{name:?}");
        }
        assert_eq!(interner.len(), reference.len());
        for (name, &i) in &reference {
            assert_eq!(interner.get(name), Some(i), "{name:?}");
            assert_eq!(interner.name(i), *name);
        }
    }

    #[test]
    fn short_long_and_elsewhere_strings_are_told_apart() {
        // Lengths around the 7-byte key, NUL bytes (a short key pads with
        // zeros), prefixes of longer strings, and one string too long for
        // a long key (4 MiB), compared through the arena's ends.
        let huge = "x".repeat(1 << LONG_LEN_BITS);
        let names: Vec<String> = [
            "",
            "\0",
            "a",
            "a\0",
            "a\0\0\0\0\0\0",
            "abcdefg",
            "abcdefgh",
            "abcdefg\0",
            "abcdefghijklmnop",
            "abcdefghijklmno",
            "注文",
            "注文1",
            "00001\u{1f}1997-01-01",
            "00001\u{1f}1997-01-02",
            &huge,
            &huge[1..],
            "abcdefgh",
            "a",
            &huge,
            "",
            // Digit ids, hashed by their number: the same number written
            // with leading zeros is another id.
            "1",
            "01",
            "001",
            "17",
            "0017",
            "999999999",
            "1000000000",
            "16",
            "1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        check(&names);
        let mut interner = Interner::new();
        assert_eq!(interner.get("a"), None);
        interner.intern(&huge);
        assert_eq!(interner.get(&huge[1..]), None);
        assert_eq!(interner.get(&huge), Some(0));
    }

    proptest! {
        /// Any sequence of strings, short and long, with repeats: the same
        /// indices as numbering them in order of first appearance.
        #[test]
        fn interning_numbers_strings_by_first_appearance(
            names in proptest::collection::vec("[ab\0é]{0,12}|[0-9]{1,10}", 0..200),
        ) {
            check(&names);
        }

        /// `same` is `==` on slices of one length, around its 8, 16 and 32
        /// byte edges (a small alphabet, so equal slices are common).
        #[test]
        fn same_is_slice_equality(
            a in proptest::collection::vec(0u8..3, 0..40),
            flip in proptest::option::of(0usize..40),
        ) {
            let mut b = a.clone();
            if let Some(i) = flip.filter(|&i| i < b.len()) {
                b[i] = b[i].wrapping_add(1);
            }
            prop_assert_eq!(same(&a, &b), a == b);
            prop_assert!(same(&a, &a));
        }
    }
}
