//! CreditCard and DigitalWallet.

use jiff::civil::{Date, DateTime};

use super::data::{pick_weighted, Bank, Pack};
use super::{
    add_days, add_secs, add_years, arc, bank_bin, between, codes, f, lognormal, major, minor_of, price_step, st, Keys,
};
use crate::domains::determinism::{mix, Stream};
use crate::domains::entities::{stream, Gen, Person};
use crate::vm::value::{Map, Value};

/// The holder of a card or wallet: a person of its own (not the record's other people).
fn holder(g: &Gen<'_>, salt: u64) -> Result<Person, String> {
    Gen { key: mix(g.key, salt), now: g.now, loc: g.loc, params: g.params }.person()
}

/// The 18th birthday of a person (the earliest date a contract can start).
fn adult_from(p: &Person) -> Date {
    add_years(p.birthdate, 18)
}

/// Last second of the month of `d` (cards expire at the end of the embossed month).
fn end_of_month(d: Date) -> DateTime {
    let last = Date::new(d.year(), d.month(), d.days_in_month()).unwrap_or(d);
    last.at(23, 59, 59, 0)
}

/// The CreditCard entity.
pub(crate) fn credit_card(g: &Gen<'_>, p: &'static Pack) -> Result<Map, String> {
    let person = holder(g, 0xCA4D)?;
    let key = g.key;
    let now = g.now;
    let brand = p.brands.pick(&mut stream(key, "card_brand")).unwrap_or(&p.brands.items[0]);
    let issuers: Vec<&Bank> = p.issuers(&brand.name);
    let bank = if issuers.is_empty() {
        p.banks.items.first().ok_or("no banks in the dataset")?
    } else {
        let w: Vec<f64> = issuers.iter().map(|b| b.weight).collect();
        issuers[pick_weighted(&mut stream(key, "card_issuer"), &w)]
    };
    let tier = stream(key, "card_programme").below(3);
    let bin = bank_bin(p, bank, &brand.name, tier);
    let mut ns = stream(key, "card_number");
    let lw: Vec<f64> = brand.lengths.iter().map(|l| l.1).collect();
    let len = brand.lengths.get(pick_weighted(&mut ns, &lw)).map(|l| l.0).unwrap_or(16);
    let number = codes::card_number(&mut ns, &bin, len);
    // One security code per card (CVV, CVC and CID name the same printed code).
    let cvv = codes::digits(&mut stream(key, "card_security_code"), brand.cvv_length, 0);

    // Validity 3-5 years; issued up to half a year longer ago than that, so most cards are
    // current and some have expired; never before the holder came of age.
    let mut vs = stream(key, "card_validity");
    let years = [3i64, 4, 5][pick_weighted(&mut vs, &[30.0, 40.0, 30.0])];
    let back_days = vs.range_i64(0, years * 365 + 182);
    let mut issue = add_secs(add_days(now, -back_days).date().at(0, 0, 0, 0), vs.range_i64(8 * 3600, 18 * 3600));
    let adult = adult_from(&person).at(9, 0, 0, 0);
    if issue < adult && adult <= now {
        issue = between(&mut vs, adult, now);
    }
    if issue > now {
        issue = now;
    }
    let expiry = end_of_month(add_years(issue.date(), years));
    let active = issue <= now && now <= expiry;

    let cur = p.local();
    let mut ls = stream(key, "credit_limit");
    let premium = if brand.name == "AMEX" { 1.5 } else { 1.0 };
    let usd = (lognormal(&mut ls, 5000.0 * premium, 0.7)).clamp(500.0, 40_000.0);
    // Limits are round: 100 units (VND: 1,000,000).
    let step = 100 * 10i64.pow(cur.minor_units) * if cur.per_usd > 1000.0 { 10_000 } else { 1 };
    let limit = minor_of(p, cur, usd, step);
    let mut bs = stream(key, "current_balance");
    let balance = if !active || bs.chance(0.25) {
        0
    } else {
        let util = bs.f64().powf(1.8) * 0.95;
        let unit = price_step(cur);
        (((limit as f64 * util) / unit as f64).round() as i64 * unit).min(limit)
    };
    let iban = if p.code == "DE" {
        let acct = codes::digits(&mut stream(key, "card_settlement_account"), 10, 0);
        codes::iban_de(&bank.blz, &acct)
    } else {
        String::new()
    };
    Ok({
        static KEYS: Keys = Keys::new();
        KEYS.map(
            &[
                "card_type",
                "card_number",
                "card_provider",
                "card_holder",
                "expiration_date",
                "cvv",
                "cvc_number",
                "is_active",
                "credit_limit",
                "current_balance",
                "issue_date",
                "bank_name",
                "bank_code",
                "bic",
                "bin",
                "iban",
            ],
            [
                st(&brand.name),
                st(&number),
                arc(&bank.name),
                st(&person.full_name),
                Value::DateTime(expiry),
                st(&cvv),
                st(&cvv),
                Value::Bool(active),
                f(major(limit, cur)),
                f(major(balance, cur)),
                Value::DateTime(issue),
                arc(&bank.name),
                st(&bank.national_code),
                st(&bank.bic),
                st(&number[..6.min(number.len())]),
                st(&iban),
            ],
        )
    })
}

/// RFC 4122 text of a v4 UUID from a stream.
fn uuid_text(s: &mut Stream) -> String {
    uuid::Uuid::from_u128(s.uuid_v4()).to_string()
}

/// The DigitalWallet entity.
pub(crate) fn wallet(g: &Gen<'_>, p: &'static Pack) -> Result<Map, String> {
    let person = holder(g, 0x3A11)?;
    let key = g.key;
    let now = g.now;
    let prov = p.providers.pick(&mut stream(key, "wallet_provider")).ok_or("no wallet providers in the dataset")?;
    let id = uuid_text(&mut stream(key, "wallet_id"));
    // Opened after the service launched locally, after the owner came of age, within 10 years.
    let launch = Date::new(prov.since, 1, 1).unwrap_or(now.date()).at(0, 0, 0, 0);
    let adult = adult_from(&person).at(0, 0, 0, 0);
    let earliest = launch.max(adult).max(add_days(now, -3653)).min(add_days(now, -1));
    let mut cs = stream(key, "wallet_created");
    let created = between(&mut cs, earliest, add_days(now, -1).max(earliest));
    let mut ss = stream(key, "wallet_status");
    let status = ["Active", "Inactive", "Suspended", "Closed"][pick_weighted(&mut ss, &[80.0, 12.0, 3.0, 5.0])];
    // Activity follows the status: recent when active, over half a year ago when inactive.
    let recent = add_days(now, -60).max(created);
    let dormant = add_days(now, -180).max(created);
    let last = match status {
        "Active" => between(&mut ss, recent, now),
        "Inactive" => between(&mut ss, created, dormant),
        _ => between(&mut ss, created, now),
    };
    let cur = p.local();
    let mut bs = stream(key, "wallet_balance");
    let balance = if !prov.holds_balance || status == "Closed" || bs.chance(0.15) {
        0
    } else {
        let usd = lognormal(&mut bs, 40.0, 1.1).clamp(0.5, 5000.0);
        minor_of(p, cur, usd, price_step(cur))
    };
    Ok({
        static KEYS: Keys = Keys::new();
        KEYS.map(
            &[
                "wallet_id",
                "wallet_type",
                "provider",
                "owner_name",
                "balance",
                "currency",
                "created_date",
                "last_transaction_date",
                "status",
                "email",
            ],
            [
                st(&id),
                st(&prov.wallet_type),
                st(&prov.name),
                st(&person.full_name),
                f(major(balance, cur)),
                arc(&cur.code),
                Value::DateTime(created),
                Value::DateTime(last),
                st(status),
                st(&person.email),
            ],
        )
    })
}
