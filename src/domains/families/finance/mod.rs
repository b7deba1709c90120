//! The finance family: Bank, BankAccount, CreditCard, Transaction and DigitalWallet.
//!
//! Identifiers follow their standards (IBAN mod-97 with the country's length, BIC of the
//! account's own bank, ABA checksum, card IIN ranges + Luhn); US and VN accounts carry no IBAN.
//! Money is kept in integer minor units of the account currency and converted to floats only at
//! output, so a balance is exactly its opening balance plus its transactions. A BankAccount's
//! statement (`transactions`) is derived from the account key; a standalone Transaction is one
//! booking of such an account, which it carries in `account`.

pub mod codes;
pub mod data;

mod bank;
mod card;
mod ledger;
mod txn;

use std::sync::{Arc, OnceLock};

use jiff::civil::{Date, DateTime};
use jiff::{SignedDuration, Span};

use crate::domains::determinism::{mix, path_key, Stream};
use crate::domains::entities::{company_name, s, Gen};
use crate::domains::locale::Locale;
use crate::vm::value::{Map, Value};

pub use data::{pack, Pack};
pub use ledger::WINDOW_DAYS;
pub use txn::SPECIAL_LABELS;

/// Entity kinds of this family.
pub const KINDS: &[&str] = &["Bank", "BankAccount", "CreditCard", "Transaction", "DigitalWallet"];

/// Generates an entity of this family; `None` for other kinds.
pub fn generate(kind: &str, g: &Gen<'_>) -> Option<Result<Value, String>> {
    let p = pack(g.loc.code);
    Some(Ok(Value::map(match kind {
        "Bank" => bank::bank_map(p, g.key),
        "BankAccount" => bank::account(g, p, g.key).to_map(p, g.loc),
        "CreditCard" => match card::credit_card(g, p) {
            Ok(m) => m,
            Err(e) => return Some(Err(e)),
        },
        "Transaction" => txn::transaction(g, p),
        "DigitalWallet" => match card::wallet(g, p) {
            Ok(m) => m,
            Err(e) => return Some(Err(e)),
        },
        _ => return None,
    })))
}

/// Adds seconds to a datetime (saturating at the input on overflow).
pub(crate) fn add_secs(dt: DateTime, secs: i64) -> DateTime {
    dt.checked_add(SignedDuration::from_secs(secs)).unwrap_or(dt)
}

/// Adds whole days.
pub(crate) fn add_days(dt: DateTime, days: i64) -> DateTime {
    dt.checked_add(Span::new().days(days)).unwrap_or(dt)
}

/// Adds calendar years (Feb 29 becomes Feb 28).
pub(crate) fn add_years(d: Date, years: i64) -> Date {
    let y = (d.year() as i64 + years).clamp(-9999, 9999) as i16;
    Date::new(y, d.month(), d.day()).or_else(|_| Date::new(y, d.month(), 28)).unwrap_or(d)
}

/// Seconds from `a` to `b` (negative when `b` is earlier).
pub(crate) fn secs_between(a: DateTime, b: DateTime) -> i64 {
    a.duration_until(b).as_secs()
}

/// A uniform datetime in `[a, b]` to the second.
pub(crate) fn between(st: &mut Stream, a: DateTime, b: DateTime) -> DateTime {
    let span = secs_between(a, b).max(0);
    add_secs(a, st.range_i64(0, span))
}

/// `n` characters of `[A-Z0-9]`.
pub(crate) fn alnum(st: &mut Stream, n: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..n).map(|_| A[st.below(A.len() as u64) as usize] as char).collect()
}

/// A log-normal draw with the given median and shape.
pub(crate) fn lognormal(st: &mut Stream, median: f64, sigma: f64) -> f64 {
    // Box–Muller.
    let u1 = st.f64().max(1e-12);
    let u2 = st.f64();
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    median * (sigma * z).exp()
}

/// Minor units of `usd` (US dollars at US prices) in currency `cur` at the dataset's price
/// level, rounded to `step` minor units (at least 1).
pub(crate) fn minor_of(p: &Pack, cur: &data::Currency, usd: f64, step: i64) -> i64 {
    let scale = 10f64.powi(cur.minor_units as i32);
    let v = usd * p.economy.price_level * cur.per_usd * scale;
    let step = step.max(1);
    ((v / step as f64).round() as i64 * step).max(step)
}

/// The usual rounding step of prices in a currency, in minor units (VND prices are whole
/// thousands; others to the cent).
pub(crate) fn price_step(cur: &data::Currency) -> i64 {
    if cur.minor_units == 0 && cur.per_usd > 1000.0 {
        1000
    } else {
        1
    }
}

/// Minor units as a float amount.
pub(crate) fn major(minor: i64, cur: &data::Currency) -> f64 {
    let scale = 10f64.powi(cur.minor_units as i32);
    let v = minor as f64 / scale;
    // Normalise `-0.0`.
    if v == 0.0 {
        0.0
    } else {
        v
    }
}

/// The 6-digit card BIN a bank uses for `brand` (a fixed function of the bank and brand; tier
/// selects one of the bank's card programmes). NAPAS cards start with the bank's NAPAS BIN.
pub(crate) fn bank_bin(p: &Pack, bank: &data::Bank, brand: &str, tier: u64) -> String {
    if brand == "NAPAS" && bank.napas_bin.len() == 6 {
        return bank.napas_bin.clone();
    }
    let mut st = Stream::new(mix(path_key(&format!("bin/{}/{}/{brand}", bank.bic, bank.national_code)).0, tier));
    let Some(b) = p.brand(brand) else { return codes::digits(&mut st, 6, 1) };
    let weights: Vec<f64> = b.ranges.iter().map(|r| r.2).collect();
    let (lo, hi, _) = &b.ranges[data::pick_weighted(&mut st, &weights)];
    let (l, h) = (lo.parse::<i64>().unwrap_or(4), hi.parse::<i64>().unwrap_or(4));
    let mut prefix = st.range_i64(l, h).to_string();
    let rest = 6usize.saturating_sub(prefix.len());
    prefix.push_str(&codes::digits(&mut st, rest, 0));
    prefix
}

/// The debit-card BIN of a bank: NAPAS in VN, else its first issued brand.
pub(crate) fn debit_bin(p: &Pack, bank: &data::Bank) -> String {
    if !bank.napas_bin.is_empty() {
        return bank.napas_bin.clone();
    }
    let brand = bank.brands.first().map(|b| b.as_str()).unwrap_or("VISA");
    bank_bin(p, bank, brand, 0)
}

/// The customer-service hotline of a bank (a fixed function of the bank): US toll-free
/// `+1-8XX-NXX-XXXX`, DE `+49-800-…` (0800 freephone), VN `+84-1800-…`.
pub(crate) fn hotline(p: &Pack, bank: &data::Bank) -> String {
    let mut st = Stream::new(path_key(&format!("hotline/{}/{}", bank.bic, bank.name)).0);
    match p.code {
        "DE" => format!("+49-800-{}", codes::digits(&mut st, 7, 1)),
        "VN" => format!("+84-1800-{}", codes::digits(&mut st, 4, 0)),
        _ => {
            let npa = ["800", "888", "877", "866", "855", "844", "833"][st.below(7) as usize];
            let exchange = loop {
                let e = codes::digits(&mut st, 3, 2);
                if &e[1..] != "11" && e != "555" {
                    break e;
                }
            };
            format!("+1-{npa}-{exchange}{}", codes::digits(&mut st, 4, 0))
        }
    }
}

/// A private person's name for transfer counterparties, in the dataset's name order.
pub(crate) fn person_name(loc: &Locale, st: &mut Stream) -> String {
    let female = st.chance(0.5);
    let given = if female { loc.given_female.pick(st) } else { loc.given_male.pick(st) }
        .cloned()
        .unwrap_or_else(|| Arc::from("Alex"));
    let family = loc.family.pick(st).cloned().unwrap_or_else(|| Arc::from("Smith"));
    if loc.code == "VN" {
        let middle = if female { loc.middle_female.pick(st) } else { loc.middle_male.pick(st) }.cloned();
        match middle {
            Some(m) => format!("{family} {m} {given}"),
            None => format!("{family} {given}"),
        }
    } else {
        format!("{given} {family}")
    }
}

/// A fictional employer with its legal form, as it appears on a payroll booking.
pub(crate) fn employer(loc: &Locale, st: &mut Stream) -> String {
    let short = company_name(loc, st);
    let legal = loc.legal_forms.pick(st).map(|x| x.to_string()).unwrap_or_default();
    match (loc.code, legal.is_empty()) {
        (_, true) => short,
        ("VN", _) => format!("{legal} {short}"),
        _ => format!("{short} {legal}"),
    }
}

/// Field names of an entity, allocated once and shared by every record.
pub(crate) struct Keys(OnceLock<Vec<Arc<str>>>);

impl Keys {
    pub const fn new() -> Keys {
        Keys(OnceLock::new())
    }

    /// A map of `names` to `values` in order.
    pub fn map<const N: usize>(&self, names: &[&str; N], values: [Value; N]) -> Map {
        let keys = self.0.get_or_init(|| names.iter().map(|n| Arc::from(*n)).collect());
        let mut m = Map::with_capacity(N);
        for (k, v) in keys.iter().zip(values) {
            m.insert(k.clone(), v);
        }
        m
    }
}

/// A word of a fixed vocabulary (types, directions, channels, …) as a shared string.
pub(crate) fn word(w: &'static str) -> Value {
    static WORDS: OnceLock<Vec<Arc<str>>> = OnceLock::new();
    const VOCABULARY: &[&str] = &[
        "Purchase",
        "Payment",
        "Withdrawal",
        "Transfer",
        "Deposit",
        "Refund",
        "Interest",
        "Fee",
        "credit",
        "debit",
        "Completed",
        "Pending",
        "In-store",
        "Online",
        "Mobile",
        "ATM",
        "Branch",
        "Direct debit",
        "Bank transfer",
        "Standing order",
        "Internal",
        "Cash Withdrawal",
        "Housing",
        "Income",
        "Bank Fees",
        "",
    ];
    let words = WORDS.get_or_init(|| VOCABULARY.iter().map(|x| Arc::from(*x)).collect());
    match VOCABULARY.iter().position(|x| *x == w) {
        Some(i) => Value::Str(words[i].clone()),
        None => s(w),
    }
}

/// A shared string value.
pub(crate) fn arc(v: &Arc<str>) -> Value {
    Value::Str(v.clone())
}

/// A float value.
pub(crate) fn f(v: f64) -> Value {
    Value::Float(v)
}

/// A string value (re-exported helper).
pub(crate) fn st(v: &str) -> Value {
    s(v)
}
