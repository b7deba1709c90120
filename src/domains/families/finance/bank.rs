//! Bank and BankAccount.

use jiff::civil::DateTime;

use super::data::{pick_weighted, AccountType, Bank, Currency, Pack};
use super::ledger;
use super::txn::Txn;
use super::{add_days, add_secs, arc, codes, debit_bin, f, hotline, lognormal, major, minor_of, st, Keys};
use crate::domains::entities::{stream, Gen};
use crate::domains::locale::{City, Locale};
use crate::vm::value::{Map, Value};

/// A bank row drawn by weight.
pub(crate) fn pick_bank(p: &'static Pack, key: u64) -> &'static Bank {
    p.banks.pick(&mut stream(key, "bank")).unwrap_or(&p.banks.items[0])
}

/// The Bank entity.
pub(crate) fn bank_map(p: &'static Pack, key: u64) -> Map {
    let b = pick_bank(p, key);
    {
        static KEYS: Keys = Keys::new();
        KEYS.map(
            &["name", "swift_code", "routing_number", "bank_code", "bic", "bin", "customer_service_phone"],
            [
                arc(&b.name),
                st(&b.bic),
                st(&b.routing_number),
                st(&b.national_code),
                st(&b.bic),
                st(&debit_bin(p, b)),
                st(&hotline(p, b)),
            ],
        )
    }
}

/// A deposit account with its statement.
pub(crate) struct Account {
    pub bank: &'static Bank,
    pub account_number: String,
    pub iban: String,
    pub kind: &'static AccountType,
    pub currency: &'static Currency,
    pub created: DateTime,
    pub home: City,
    pub opening: i64,
    pub limit: i64,
    pub balance: i64,
    pub txns: Vec<Txn>,
}

/// Domestic account number digits: US 9-14 (of the 4-17 allowed), DE 7-10 significant digits
/// (zero-padded to 10 in the IBAN), VN 9-14.
fn account_number(code: &str, key: u64) -> String {
    let mut s = stream(key, "account_number");
    let lens: &[(usize, f64)] = match code {
        "DE" => &[(7, 10.0), (8, 20.0), (9, 30.0), (10, 40.0)],
        "VN" => &[(9, 10.0), (10, 20.0), (11, 10.0), (12, 20.0), (13, 25.0), (14, 15.0)],
        _ => &[(9, 15.0), (10, 30.0), (11, 15.0), (12, 30.0), (13, 5.0), (14, 5.0)],
    };
    let w: Vec<f64> = lens.iter().map(|x| x.1).collect();
    let n = lens[pick_weighted(&mut s, &w)].0;
    codes::digits(&mut s, n, 1)
}

/// The account with key `key`; `force` fixes the account type.
pub(crate) fn account_with(g: &Gen<'_>, p: &'static Pack, key: u64, force: Option<&str>) -> Account {
    let bank = pick_bank(p, key);
    let kind = match force.and_then(|id| p.account_types.items.iter().find(|t| t.id == id)) {
        Some(t) => t,
        None => p.account_types.pick(&mut stream(key, "account_type")).unwrap_or(&p.account_types.items[0]),
    };
    // Foreign-currency accounts are checking or savings accounts only.
    let currency = if matches!(kind.id.as_str(), "CHECKING" | "SAVINGS") {
        p.currencies.pick(&mut stream(key, "currency")).unwrap_or_else(|| p.local())
    } else {
        p.local()
    };
    let account_number = account_number(p.code, key);
    let iban = if p.code == "DE" { codes::iban_de(&bank.blz, &account_number) } else { String::new() };
    // Account age: 5 days to ~25 years, most accounts several years old.
    let mut cs = stream(key, "created_date");
    let u = cs.f64();
    let age_days = 5 + (u * u * 9000.0) as i64;
    let day = add_days(g.now, -age_days).date();
    let created = add_secs(day.at(7, 0, 0, 0), cs.range_i64(0, 15 * 3600 - 1));
    let created = if created > g.now { add_secs(g.now, -3600) } else { created };
    let home = g.loc.cities.pick(&mut stream(key, "home_city")).cloned().unwrap_or_else(|| City {
        name: "Springfield".into(),
        state: "IL".into(),
        postal_code: "62701".into(),
        area_code: "217".into(),
        population: 1,
    });
    let limit = overdraft_limit(p, key, kind, currency);
    let mut a = Account {
        bank,
        account_number,
        iban,
        kind,
        currency,
        created,
        home,
        opening: 0,
        limit,
        balance: 0,
        txns: Vec::new(),
    };
    let (opening, txns, balance) = ledger::statement(g, p, key, &a);
    a.opening = opening;
    a.txns = txns;
    a.balance = balance;
    a
}

/// The account with key `key`.
pub(crate) fn account(g: &Gen<'_>, p: &'static Pack, key: u64) -> Account {
    account_with(g, p, key, None)
}

/// Arranged overdraft in minor units: common on German current accounts (Dispositionskredit),
/// occasional US overdraft lines, none in VN; only in the local currency.
fn overdraft_limit(p: &Pack, key: u64, kind: &AccountType, cur: &Currency) -> i64 {
    if kind.id != "CHECKING" || &*cur.code != p.economy.currency {
        return 0;
    }
    let mut s = stream(key, "overdraft_limit");
    let scale = 10i64.pow(cur.minor_units);
    match p.code {
        "DE" if s.chance(0.7) => [500, 1000, 1500, 2000, 2500, 3000, 5000][s.below(7) as usize] * scale,
        "US" if s.chance(0.1) => [250, 500, 1000][s.below(3) as usize] * scale,
        _ => 0,
    }
}

/// Opening balance of a statement window for an account older than the window.
pub(crate) fn opening_balance(p: &Pack, key: u64, a: &Account) -> i64 {
    let mut s = stream(key, "opening_balance");
    let kind = a.kind;
    if kind.id == "CHECKING" {
        if a.limit > 0 && s.chance(0.12) {
            return -((s.f64() * 0.6 * a.limit as f64) as i64);
        }
        if s.chance(0.03) {
            return 0;
        }
    }
    let usd = lognormal(&mut s, kind.median_balance, 1.0).clamp(1.0, kind.median_balance * 40.0);
    // Term deposits are round sums.
    let step = if kind.id == "CERTIFICATE_OF_DEPOSIT" {
        500 * 10i64.pow(a.currency.minor_units) * if a.currency.per_usd > 1000.0 { 1000 } else { 1 }
    } else {
        super::price_step(a.currency)
    };
    minor_of(p, a.currency, usd, step)
}

impl Account {
    /// Date of the newest booking (the opening date when there is none).
    pub fn last_transaction_date(&self) -> DateTime {
        self.txns.last().map(|t| t.at).unwrap_or(self.created)
    }

    /// The BankAccount entity fields (the statement included).
    pub fn to_map(&self, p: &Pack, loc: &Locale) -> Map {
        let _ = loc;
        let cur = self.currency;
        let txns: Vec<Value> = self.txns.iter().map(|t| Value::map(t.to_map(p, cur))).collect();
        {
            static KEYS: Keys = Keys::new();
            KEYS.map(
                &[
                    "account_number",
                    "iban",
                    "account_type",
                    "balance",
                    "currency",
                    "created_date",
                    "last_transaction_date",
                    "bank_name",
                    "bank_code",
                    "bic",
                    "bin",
                    "routing_number",
                    "opening_balance",
                    "overdraft_limit",
                    "transactions",
                ],
                [
                    st(&self.account_number),
                    st(&self.iban),
                    st(&self.kind.id),
                    f(major(self.balance, cur)),
                    arc(&cur.code),
                    Value::DateTime(self.created),
                    Value::DateTime(self.last_transaction_date()),
                    arc(&self.bank.name),
                    st(&self.bank.national_code),
                    st(&self.bank.bic),
                    st(&debit_bin(p, self.bank)),
                    st(&self.bank.routing_number),
                    f(major(self.opening, cur)),
                    f(major(self.limit, cur)),
                    Value::list(txns),
                ],
            )
        }
    }
}
