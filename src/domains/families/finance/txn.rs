//! Bookings and the Transaction entity.
//!
//! A booking kind fixes its transaction type, direction and statement text; a standalone
//! Transaction is one booking of an account derived from the record key.

use std::sync::Arc;

use jiff::civil::DateTime;

use super::bank::{account, account_with, Account};
use super::data::{Currency, Pack};
use super::{arc, f, major, secs_between, word, Keys};
use crate::domains::determinism::{mix, Stream};
use crate::domains::entities::{stream, Gen};
use crate::vm::value::{Map, Value};

/// Booking kinds; each has one transaction type, one direction and one statement text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    PurchaseStore,
    PurchaseOnline,
    PurchaseMobile,
    Bill,
    Atm,
    TransferOut,
    Rent,
    Salary,
    TransferIn,
    Opening,
    Refund,
    Interest,
    Fee,
    SavingsIn,
    SavingsOut,
}

impl Kind {
    pub fn text_key(self) -> &'static str {
        match self {
            Kind::PurchaseStore => "purchase_store",
            Kind::PurchaseOnline => "purchase_online",
            Kind::PurchaseMobile => "purchase_mobile",
            Kind::Bill => "bill",
            Kind::Atm => "atm",
            Kind::TransferOut => "transfer_out",
            Kind::Rent => "rent",
            Kind::Salary => "salary",
            Kind::TransferIn => "transfer_in",
            Kind::Opening => "opening",
            Kind::Refund => "refund",
            Kind::Interest => "interest",
            Kind::Fee => "fee",
            Kind::SavingsIn => "savings_in",
            Kind::SavingsOut => "savings_out",
        }
    }

    /// The transaction type.
    pub fn ttype(self) -> &'static str {
        match self {
            Kind::PurchaseStore | Kind::PurchaseOnline | Kind::PurchaseMobile => "Purchase",
            Kind::Bill => "Payment",
            Kind::Atm => "Withdrawal",
            Kind::TransferOut | Kind::Rent | Kind::SavingsOut => "Transfer",
            Kind::Salary | Kind::TransferIn | Kind::Opening | Kind::SavingsIn => "Deposit",
            Kind::Refund => "Refund",
            Kind::Interest => "Interest",
            Kind::Fee => "Fee",
        }
    }

    pub fn credit(self) -> bool {
        matches!(self.ttype(), "Deposit" | "Refund" | "Interest")
    }

    /// The category label of bookings without a merchant category.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Atm => "Cash Withdrawal",
            Kind::Rent => "Housing",
            Kind::Salary => "Income",
            Kind::Opening => "Deposit",
            Kind::Interest => "Interest",
            Kind::Fee => "Bank Fees",
            _ => "Transfer",
        }
    }

    pub fn is_purchase(self) -> bool {
        matches!(self, Kind::PurchaseStore | Kind::PurchaseOnline | Kind::PurchaseMobile)
    }
}

/// Labels of the categories of bookings that are not merchant payments.
pub const SPECIAL_LABELS: &[&str] =
    &["Cash Withdrawal", "Housing", "Income", "Deposit", "Interest", "Bank Fees", "Transfer"];

/// One booking of a statement.
#[derive(Clone, Debug)]
pub(crate) struct Txn {
    pub id: Arc<str>,
    pub reference: Arc<str>,
    pub at: DateTime,
    pub kind: Kind,
    pub amount: i64,
    pub category: Arc<str>,
    pub merchant: Arc<str>,
    pub description: Arc<str>,
    pub channel: &'static str,
    pub status: &'static str,
    pub location: Arc<str>,
    pub international: bool,
}

impl Txn {
    /// The Transaction entity fields (without `account`).
    pub fn to_map(&self, _p: &Pack, cur: &Currency) -> Map {
        static KEYS: Keys = Keys::new();
        KEYS.map(
            &[
                "transaction_id",
                "transaction_date",
                "amount",
                "transaction_type",
                "description",
                "reference_number",
                "status",
                "currency",
                "currency_symbol",
                "merchant_name",
                "merchant_category",
                "location",
                "is_international",
                "channel",
                "direction",
            ],
            [
                arc(&self.id),
                Value::DateTime(self.at),
                f(major(self.amount, cur)),
                word(self.kind.ttype()),
                arc(&self.description),
                arc(&self.reference),
                word(self.status),
                arc(&cur.code),
                arc(&cur.symbol),
                arc(&self.merchant),
                arc(&self.category),
                arc(&self.location),
                Value::Bool(self.international),
                word(self.channel),
                word(if self.kind.credit() { "credit" } else { "debit" }),
            ],
        )
    }
}

/// Marks card payments of the last two days as pending (not yet settled by the merchant).
pub(crate) fn settle(txns: &mut [Txn], now: DateTime) {
    for t in txns {
        if t.kind.is_purchase() && secs_between(t.at, now) < 2 * 86_400 {
            t.status = "Pending";
        }
    }
}

/// The Transaction entity: one booking of an account derived from the record key, with that
/// account in `account`. Accounts are accepted in proportion to their number of bookings (up
/// to [`BUSY`]), so transactions are distributed like the bookings of all accounts: mostly
/// current-account activity, rarely savings interest.
pub(crate) fn transaction(g: &Gen<'_>, p: &'static Pack) -> Map {
    const BUSY: f64 = 60.0;
    let mut pick = stream(g.key, "transaction");
    let mut fallback = None;
    for attempt in 0..64u64 {
        let acct = account(g, p, mix(mix(g.key, 0xACC7), attempt));
        let n = acct.txns.len() as f64;
        if n > 0.0 && pick.f64() < n / BUSY {
            return with_account(p, g, acct, &mut pick);
        }
        if n > 0.0 && fallback.is_none() {
            fallback = Some(acct);
        }
    }
    let acct = fallback.unwrap_or_else(|| account_with(g, p, mix(g.key, 0xACC8), Some("CHECKING")));
    with_account(p, g, acct, &mut pick)
}

fn with_account(p: &Pack, g: &Gen<'_>, acct: Account, pick: &mut Stream) -> Map {
    let mut m = match acct.txns.len() {
        0 => Map::new(),
        n => acct.txns[pick.below(n as u64) as usize].to_map(p, acct.currency),
    };
    m.insert("account".into(), Value::map(acct.to_map(p, g.loc)));
    m
}
