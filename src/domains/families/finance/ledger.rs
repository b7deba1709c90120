//! Account statements.
//!
//! A statement covers the last [`WINDOW_DAYS`] days (or the account's life when younger). Its
//! bookings come from independent streams per concept (salary, rent, bills, card purchases,
//! cash, transfers, refunds, fees, interest), are ordered by time and then applied to the
//! opening balance in integer minor units: a debit that would take the balance below the
//! arranged overdraft is declined and does not appear. Each booking is one consistent draw:
//! category -> merchant -> amount range -> type -> direction -> statement text.

use std::sync::Arc;

use jiff::civil::{Date, DateTime, Weekday};

use super::bank::{opening_balance, Account};
use super::data::{Category, Pack};
use super::txn::{settle, Kind, Txn};
use super::{add_days, add_secs, alnum, employer, lognormal, minor_of, person_name, price_step, word};
use crate::domains::determinism::{mix, Stream};
use crate::domains::entities::{stream, Gen};
use crate::vm::value::Value;

/// Days covered by an account statement.
pub const WINDOW_DAYS: i64 = 60;

#[derive(Clone, Copy)]
enum Amount {
    Fixed(i64),
    /// Monthly interest at this annual percentage on the running balance.
    Interest(f64),
    /// This share of the running balance.
    Share(f64),
}

struct Event {
    at: DateTime,
    seq: u64,
    kind: Kind,
    amount: Amount,
    category: Option<usize>,
    merchant: Arc<str>,
    channel: &'static str,
    location: Arc<str>,
    international: bool,
}

/// Collects the candidate bookings of one account.
struct Builder<'a> {
    g: &'a Gen<'a>,
    p: &'static Pack,
    a: &'a Account,
    key: u64,
    from: DateTime,
    events: Vec<Event>,
    seq: u64,
}

impl Builder<'_> {
    fn stream(&self, concept: &str) -> Stream {
        stream(self.key, concept)
    }

    fn push(
        &mut self,
        at: DateTime,
        kind: Kind,
        amount: Amount,
        merchant: impl Into<Arc<str>>,
        channel: &'static str,
    ) -> Option<&mut Event> {
        if at < self.from || at > self.g.now {
            return None;
        }
        self.seq += 1;
        self.events.push(Event {
            at,
            seq: self.seq,
            kind,
            amount,
            category: None,
            merchant: merchant.into(),
            channel,
            location: self.a.home.name.clone(),
            international: false,
        });
        self.events.last_mut()
    }

    /// Minor units of a US-dollar amount in the account currency, rounded to `step` major
    /// units of the local price grid (`0` = the price step).
    fn money(&self, usd: f64, major_step: i64) -> i64 {
        let cur = self.a.currency;
        let step = if major_step == 0 {
            price_step(cur)
        } else {
            let vnd = if cur.per_usd > 1000.0 { 1000 } else { 1 };
            major_step * 10i64.pow(cur.minor_units) * vnd
        };
        minor_of(self.p, cur, usd, step)
    }

    /// Each month's day `day` (clamped to the month) at `time` seconds after midnight.
    fn monthly(&self, day: i8, time: i64) -> Vec<DateTime> {
        let mut out = Vec::new();
        let mut m = Date::new(self.from.year(), self.from.month(), 1).unwrap_or(self.from.date());
        while m <= self.g.now.date() {
            let d = Date::new(m.year(), m.month(), day.min(m.days_in_month())).unwrap_or(m);
            out.push(add_secs(d.at(0, 0, 0, 0), time));
            m = m.checked_add(jiff::Span::new().months(1)).unwrap_or(self.g.now.date().tomorrow().unwrap_or(m));
        }
        out
    }

    /// Times of a Poisson process with `per_day` events per day over the window.
    fn poisson(&self, st: &mut Stream, per_day: f64) -> Vec<DateTime> {
        let mut out = Vec::new();
        if per_day <= 0.0 {
            return out;
        }
        let mut t = self.from;
        loop {
            let gap = -(1.0 - st.f64()).ln() / per_day * 86_400.0;
            t = add_secs(t, gap.max(1.0) as i64);
            if t > self.g.now {
                return out;
            }
            out.push(t);
        }
    }

    fn batch_time(st: &mut Stream) -> i64 {
        st.range_i64(2 * 3600, 7 * 3600 - 1)
    }

    fn checking(&mut self) {
        let g = self.g;
        let code = self.p.code;
        let income = {
            let mut s = self.stream("income");
            lognormal(&mut s, self.p.economy.income_median, 0.45)
                .clamp(self.p.economy.income_median * 0.3, self.p.economy.income_median * 5.0)
        };
        let mut ss = self.stream("salary");
        let salaried = ss.chance(0.85);
        if salaried {
            let boss = employer(g.loc, &mut ss);
            match code {
                "US" => {
                    // Bi-weekly Friday payroll.
                    let pay = self.money(income * 12.0 / 26.0, 0);
                    let mut d = self.from.date();
                    while d.weekday() != Weekday::Friday {
                        d = d.tomorrow().unwrap_or(d);
                    }
                    if ss.chance(0.5) {
                        d = d.checked_add(jiff::Span::new().days(7)).unwrap_or(d);
                    }
                    let time = Self::batch_time(&mut ss);
                    while d <= g.now.date() {
                        self.push(
                            add_secs(d.at(0, 0, 0, 0), time),
                            Kind::Salary,
                            Amount::Fixed(pay),
                            boss.clone(),
                            "Bank transfer",
                        );
                        d = d.checked_add(jiff::Span::new().days(14)).unwrap_or(g.now.date().tomorrow().unwrap_or(d));
                    }
                }
                _ => {
                    // DE: last banking day of the month; VN: early in the month.
                    let pay = self.money(income, 0);
                    let day = if code == "DE" { 31 } else { ss.range_i64(1, 10) as i8 };
                    let time = Self::batch_time(&mut ss);
                    for t in self.monthly(day, time) {
                        let mut d = t.date();
                        if code == "DE" {
                            while matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
                                d = d.yesterday().unwrap_or(d);
                            }
                        }
                        self.push(
                            add_secs(d.at(0, 0, 0, 0), time),
                            Kind::Salary,
                            Amount::Fixed(pay),
                            boss.clone(),
                            "Bank transfer",
                        );
                    }
                }
            }
        }
        // Rent by standing order at the start of the month.
        let mut rs = self.stream("rent");
        if salaried && rs.chance(0.55) {
            let step = if code == "VN" { 100 } else { 10 };
            let rent = self.money(income * rs.uniform(0.22, 0.38), step);
            // Landlords: a property manager (DE Hausverwaltung) or a private person (VN).
            let family = g.loc.family.pick(&mut rs).map(|x| x.to_string()).unwrap_or_default();
            let landlord = match code {
                "DE" => format!("Hausverwaltung {family}"),
                "VN" => person_name(g.loc, &mut rs),
                _ => format!("{family} Property Management"),
            };
            let day = rs.range_i64(1, 3) as i8;
            let time = Self::batch_time(&mut rs);
            for t in self.monthly(day, time) {
                self.push(t, Kind::Rent, Amount::Fixed(rent), landlord.clone(), "Standing order");
            }
        }
        self.bills();
        self.fees();
        self.purchases();
        self.cash();
        self.transfers(salaried, income);
    }

    /// Recurring direct debits: 2-4 providers per account, each on its own day.
    fn bills(&mut self) {
        let mut bs = self.stream("bills");
        let bills: Vec<usize> = self.p.bills.clone();
        for c in bills {
            let cat: &Category = &self.p.categories[c];
            let share = match cat.id.as_str() {
                "utilities" | "telecom" => 0.85,
                "insurance" => 0.6,
                "streaming" => 0.55,
                _ => 0.3,
            };
            if !bs.chance(share) || cat.merchants.is_empty() {
                continue;
            }
            let merchant = cat.merchants[bs.below(cat.merchants.len() as u64) as usize].clone();
            let base = bs.uniform(cat.min, cat.max);
            let day = bs.range_i64(1, 28) as i8;
            let time = Self::batch_time(&mut bs);
            let varies = cat.id == "utilities";
            for t in self.monthly(day, time) {
                let usd = if varies { base * bs.uniform(0.85, 1.15) } else { base };
                let amount = self.money(usd, 0);
                if let Some(e) = self.push(t, Kind::Bill, Amount::Fixed(amount), merchant.clone(), "Direct debit") {
                    e.category = Some(c);
                }
            }
        }
    }

    /// Account fees in the local currency: US maintenance fees, DE Kontoführungsentgelt, VN
    /// SMS banking fees.
    fn fees(&mut self) {
        if &*self.a.currency.code != self.p.economy.currency {
            return;
        }
        let mut fs = self.stream("fee");
        let (share, options): (f64, &[i64]) = match self.p.code {
            "DE" => (0.55, &[390, 495, 690, 990]),
            "VN" => (0.7, &[8_800, 11_000, 16_500]),
            _ => (0.3, &[500, 1000, 1200, 1500]),
        };
        if !fs.chance(share) {
            return;
        }
        let fee = options[fs.below(options.len() as u64) as usize];
        let bank = self.a.bank.name.clone();
        for t in self.monthly(31, 23 * 3600) {
            self.push(t, Kind::Fee, Amount::Fixed(fee), bank.clone(), "Internal");
        }
    }

    /// A card purchase or refund of a weighted merchant category at time `t`.
    fn card_event(&mut self, s: &mut Stream, t: DateTime, refund: bool) {
        let p = self.p;
        let Some(&c) = p.purchase.pick(s) else { return };
        let cat = &p.categories[c];
        if cat.merchants.is_empty() {
            return;
        }
        let merchant = cat.merchants[s.below(cat.merchants.len() as u64) as usize].clone();
        // Amounts skew to the low end of the category range.
        let usd = cat.min + (cat.max - cat.min) * s.f64().powf(2.2);
        let amount = self.money(usd, 0);
        let u = s.f64();
        let (kind, channel) = if u < cat.online {
            (Kind::PurchaseOnline, "Online")
        } else if u < cat.online + cat.mobile {
            (Kind::PurchaseMobile, "Mobile")
        } else {
            (Kind::PurchaseStore, "In-store")
        };
        let (open, close) =
            if kind == Kind::PurchaseOnline { (7, 24) } else { (cat.open, cat.close.max(cat.open + 1)) };
        let secs = s.range_i64(open * 3600, close * 3600 - 1);
        let at = add_secs(t.date().at(0, 0, 0, 0), secs);
        let location = if kind == Kind::PurchaseOnline || s.chance(0.8) {
            self.a.home.name.clone()
        } else {
            self.g.loc.cities.pick(s).map(|c| c.name.clone()).unwrap_or_else(|| self.a.home.name.clone())
        };
        let international = kind == Kind::PurchaseOnline
            && matches!(cat.id.as_str(), "travel" | "lodging" | "electronics" | "clothing")
            && s.chance(0.12);
        let kind = if refund { Kind::Refund } else { kind };
        if let Some(e) = self.push(at, kind, Amount::Fixed(amount), merchant, channel) {
            e.category = Some(c);
            e.location = location;
            e.international = international;
        }
    }

    fn purchases(&mut self) {
        let mut ps = self.stream("card_purchases");
        let rate = ps.uniform(0.2, 0.8);
        for t in self.poisson(&mut ps, rate) {
            self.card_event(&mut ps, t, false);
        }
        let mut rf = self.stream("refunds");
        for t in self.poisson(&mut rf, 0.25 / 30.0) {
            self.card_event(&mut rf, t, true);
        }
    }

    /// ATM withdrawals in whole notes of the account currency.
    fn cash(&mut self) {
        let mut cs = self.stream("cash");
        let per_month = match self.p.code {
            "DE" => 3.0,
            "VN" => 2.0,
            _ => 1.5,
        };
        let step = self.a.currency.cash_step;
        for t in self.poisson(&mut cs, per_month / 30.0) {
            let usd = lognormal(&mut cs, 120.0, 0.6).clamp(20.0, 800.0);
            let minor = self.money(usd, 0);
            let unit = step * 10i64.pow(self.a.currency.minor_units);
            let amount = ((minor as f64 / unit as f64).round() as i64).max(1) * unit;
            let atm_bank = self.p.banks.pick(&mut cs).map(|b| b.name.clone()).unwrap_or_default();
            let at = add_secs(t.date().at(0, 0, 0, 0), cs.range_i64(7 * 3600, 23 * 3600 - 1));
            // Most cash is drawn at home; some while away.
            let away = if cs.chance(0.15) { self.g.loc.cities.pick(&mut cs).map(|c| c.name.clone()) } else { None };
            if let Some(e) = self.push(at, Kind::Atm, Amount::Fixed(amount), atm_bank, "ATM") {
                if let Some(city) = away {
                    e.location = city;
                }
            }
        }
    }

    /// Transfers between private persons (frequent in VN, where they replace many card
    /// payments); accounts without payroll live on incoming transfers.
    fn transfers(&mut self, salaried: bool, income: f64) {
        let loc = self.g.loc;
        let vn = self.p.code == "VN";
        let mut os = self.stream("transfers_out");
        for t in self.poisson(&mut os, if vn { 5.0 } else { 1.2 } / 30.0) {
            let usd = lognormal(&mut os, 80.0, 0.9).clamp(5.0, 3000.0);
            let amount = self.money(usd, if vn { 0 } else { 1 });
            let who = person_name(loc, &mut os);
            let at = add_secs(t.date().at(0, 0, 0, 0), os.range_i64(7 * 3600, 23 * 3600 - 1));
            let channel = if os.chance(0.7) {
                "Mobile"
            } else if os.chance(0.9) {
                "Online"
            } else {
                "Branch"
            };
            self.push(at, Kind::TransferOut, Amount::Fixed(amount), who, channel);
        }
        let mut is = self.stream("transfers_in");
        let (rate, median) = if salaried { (if vn { 3.0 } else { 0.8 }, 70.0) } else { (3.0, income * 0.3) };
        for t in self.poisson(&mut is, rate / 30.0) {
            let usd = lognormal(&mut is, median, 0.8).clamp(5.0, 5000.0);
            let amount = self.money(usd, if vn { 0 } else { 1 });
            let who = person_name(loc, &mut is);
            let at = add_secs(t.date().at(0, 0, 0, 0), is.range_i64(7 * 3600, 23 * 3600 - 1));
            self.push(at, Kind::TransferIn, Amount::Fixed(amount), who, "Bank transfer");
        }
    }

    /// Savings-type accounts: standing orders in, occasional withdrawals, monthly interest.
    fn savings(&mut self) {
        let id = self.a.kind.id.as_str();
        let bank = self.a.bank.name.clone();
        let mut ss = self.stream("savings_plan");
        let regular = match id {
            "SAVINGS" => 0.6,
            "RETIREMENT" => 0.5,
            _ => 0.0,
        };
        if ss.chance(regular) {
            let step = if self.p.code == "VN" { 100 } else { 5 };
            let amount = self.money(lognormal(&mut ss, 200.0, 0.8).clamp(25.0, 3000.0), step);
            let day = ss.range_i64(1, 28) as i8;
            let time = Self::batch_time(&mut ss);
            for t in self.monthly(day, time) {
                self.push(t, Kind::SavingsIn, Amount::Fixed(amount), bank.clone(), "Standing order");
            }
        }
        let (ins, outs) = match id {
            "SAVINGS" => (0.2, 0.25),
            "MONEY_MARKET" => (0.4, 0.2),
            "INVESTMENT" => (0.5, 0.4),
            _ => (0.0, 0.0),
        };
        let mut xs = self.stream("savings_moves");
        for t in self.poisson(&mut xs, ins / 30.0) {
            let amount = self.money(lognormal(&mut xs, 400.0, 0.9).clamp(20.0, 20_000.0), 1);
            let at = add_secs(t.date().at(0, 0, 0, 0), xs.range_i64(7 * 3600, 22 * 3600));
            self.push(at, Kind::SavingsIn, Amount::Fixed(amount), bank.clone(), "Online");
        }
        for t in self.poisson(&mut xs, outs / 30.0) {
            let share = xs.uniform(0.05, 0.4);
            let at = add_secs(t.date().at(0, 0, 0, 0), xs.range_i64(7 * 3600, 22 * 3600));
            self.push(at, Kind::SavingsOut, Amount::Share(share), bank.clone(), "Online");
        }
        let mut ir = self.stream("interest_rate");
        let apy = ir.uniform(self.a.kind.apy_min, self.a.kind.apy_max);
        if apy > 0.0 {
            for t in self.monthly(31, 23 * 3600 + 30 * 60) {
                self.push(t, Kind::Interest, Amount::Interest(apy), bank.clone(), "Internal");
            }
        }
    }
}

/// The statement of an account: opening balance, bookings in time order, closing balance
/// (all in minor units of the account currency).
pub(crate) fn statement(g: &Gen<'_>, p: &'static Pack, key: u64, a: &Account) -> (i64, Vec<Txn>, i64) {
    let window_start = add_days(g.now, -WINDOW_DAYS);
    let fresh = a.created >= window_start;
    let from = if fresh { a.created } else { window_start };
    let mut b = Builder { g, p, a, key, from, events: Vec::new(), seq: 0 };
    let opening = if fresh {
        let mut os = stream(key, "opening_deposit");
        let usd = lognormal(&mut os, a.kind.median_balance * 0.25, 0.8).clamp(10.0, a.kind.median_balance * 20.0);
        let step = if p.code == "VN" { 100 } else { 10 };
        let amount = b.money(usd, step);
        let channel = if os.chance(0.6) { "Online" } else { "Branch" };
        b.push(add_secs(a.created, 60), Kind::Opening, Amount::Fixed(amount), a.bank.name.clone(), channel);
        0
    } else {
        opening_balance(p, key, a)
    };
    match a.kind.id.as_str() {
        "CHECKING" => b.checking(),
        _ => b.savings(),
    }
    let mut events = b.events;
    events.sort_by(|x, y| x.at.cmp(&y.at).then(x.seq.cmp(&y.seq)));
    let mut balance = opening;
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let amount = match e.amount {
            Amount::Fixed(v) => v,
            Amount::Interest(apy) => {
                let v = balance as f64 * apy / 100.0 / 12.0;
                if balance <= 0 {
                    0
                } else {
                    v.round() as i64
                }
            }
            Amount::Share(x) => {
                let unit = price_step(a.currency) * 100;
                ((balance.max(0) as f64 * x / unit as f64).round() as i64) * unit
            }
        };
        if amount <= 0 {
            continue;
        }
        let signed = if e.kind.credit() { amount } else { -amount };
        if balance + signed < -a.limit {
            continue;
        }
        balance += signed;
        out.push(booking(p, key, e, amount));
    }
    settle(&mut out, g.now);
    (opening, out, balance)
}

fn booking(p: &Pack, key: u64, e: Event, amount: i64) -> Txn {
    let mut ids = Stream::new(mix(mix(key, 0x7A_1D), e.seq));
    let id = Arc::from(alnum(&mut ids, 16));
    let reference = Arc::from(alnum(&mut ids, 12));
    let category = match e.category {
        Some(c) => p.categories[c].label.clone(),
        None => match word(e.kind.label()) {
            Value::Str(x) => x,
            _ => Arc::from(e.kind.label()),
        },
    };
    let description = Arc::from(p.text(e.kind.text_key(), &e.merchant));
    Txn {
        id,
        reference,
        at: e.at,
        kind: e.kind,
        amount,
        category,
        merchant: e.merchant,
        description,
        channel: e.channel,
        status: "Completed",
        location: e.location,
        international: e.international,
    }
}
