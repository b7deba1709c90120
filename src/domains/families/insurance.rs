//! Insurance family: `InsuranceCompany`, `InsuranceProduct`, `InsuranceCoverage` and
//! `InsurancePolicy` from the pack tables under `data/insurance/{us,de,vn}/`.
//!
//! A policy is built line-first: the line (product) is drawn, then a company that writes it,
//! then 1-3 distinct coverages that the line offers (alternatives such as the German Teilkasko
//! and Vollkasko exclude each other). The premium is the sum of the coverages' annual premiums
//! times the line's age curve at the holder's age on the start date, with ±15 % individual
//! rating, paid in the most common installment plan whose installment stays under the pack's
//! cap. Dates satisfy `created <= start < end`, and the status is `active` exactly when the
//! run clock lies in `[start, end]`.

use std::sync::{Arc, OnceLock};

use jiff::civil::Date;
use jiff::Span;

use crate::domains::entities::{completed_years, map, s, stream, Gen};
use crate::domains::families::commerce::table::{record_uuid, round_to, sample_distinct, Choice, Table};
use crate::vm::value::{Map, Value};

/// How long one policy runs.
#[derive(Debug, Clone)]
pub enum Term {
    Months(Vec<i64>),
    Days(i64, i64),
    Years(Vec<i64>),
    /// Until the holder's birthday at this age (lifetime cover).
    ToAge(i64),
}

fn parse_term(t: &str) -> Option<Term> {
    let (kind, v) = t.split_once(':')?;
    let list = || v.split('|').filter_map(|x| x.trim().parse().ok()).collect::<Vec<i64>>();
    match kind.trim() {
        "months" => Some(Term::Months(list())),
        "years" => Some(Term::Years(list())),
        "days" => {
            let (a, b) = v.split_once('-')?;
            Some(Term::Days(a.trim().parse().ok()?, b.trim().parse().ok()?))
        }
        "to_age" => Some(Term::ToAge(v.trim().parse().ok()?)),
        _ => None,
    }
}

#[derive(Debug)]
pub struct Company {
    pub name: String,
    pub code: String,
    pub founded_year: String,
    pub headquarters: String,
    pub website: String,
    pub lines: Vec<String>,
}

#[derive(Debug)]
pub struct Coverage {
    pub class: String,
    pub code: String,
    pub name: String,
    pub description: String,
    pub min: String,
    pub max: String,
}

/// A coverage as offered by one line.
#[derive(Debug)]
pub struct LineCoverage {
    pub coverage: usize,
    pub annual: f64,
    pub group: String,
    pub term: Option<Term>,
    /// Carried by every policy of the line (compulsory liability, the dwelling of a home policy).
    pub required: bool,
}

#[derive(Debug)]
pub struct Line {
    pub code: String,
    pub kind: String,
    pub description: String,
    pub curve: String,
    pub term: Term,
    pub max_coverages: usize,
    pub coverages: Vec<LineCoverage>,
}

/// One pack's insurance tables.
#[derive(Debug)]
pub struct Pack {
    pub companies: Vec<Company>,
    company_w: Vec<f64>,
    pub lines: Vec<Line>,
    line_choice: Choice<usize>,
    pub coverages: Vec<Coverage>,
    pub currency: String,
    pub decimals: i32,
    pub installment_cap: f64,
    pub cancel_rate: f64,
    /// `(name, installments per year, weight)`.
    pub frequencies: Vec<(String, f64, f64)>,
}

impl Pack {
    fn load(companies: &str, lines: &str, coverages: &str, line_cov: &str, premium: &str) -> Pack {
        let ct = Table::parse(companies);
        let companies_v: Vec<Company> = (0..ct.len())
            .map(|i| Company {
                name: ct.get(i, "name").into(),
                code: ct.get(i, "code").into(),
                founded_year: ct.get(i, "founded_year").into(),
                headquarters: ct.get(i, "headquarters").into(),
                website: ct.get(i, "website").into(),
                lines: ct.get(i, "lines").split_whitespace().map(str::to_string).collect(),
            })
            .collect();
        let company_w = (0..ct.len()).map(|i| ct.weight(i)).collect();
        let cv = Table::parse(coverages);
        let coverages_v: Vec<Coverage> = (0..cv.len())
            .map(|i| Coverage {
                class: cv.get(i, "product_code").into(),
                code: cv.get(i, "code").into(),
                name: cv.get(i, "name").into(),
                description: cv.get(i, "description").into(),
                min: cv.get(i, "min_coverage").into(),
                max: cv.get(i, "max_coverage").into(),
            })
            .collect();
        let lc = Table::parse(line_cov);
        let lt = Table::parse(lines);
        let lines_v: Vec<Line> = (0..lt.len())
            .map(|i| {
                let code = lt.get(i, "code").to_string();
                let covs = lc
                    .where_eq("line", &code)
                    .into_iter()
                    .filter_map(|r| {
                        let cov = coverages_v
                            .iter()
                            .position(|c| c.class == lc.get(r, "class") && c.code == lc.get(r, "code"))?;
                        Some(LineCoverage {
                            coverage: cov,
                            annual: lc.num(r, "annual_premium", 0.0),
                            group: lc.get(r, "group").into(),
                            term: parse_term(lc.get(r, "term")),
                            required: lc.get(r, "required") == "1",
                        })
                    })
                    .collect();
                Line {
                    code,
                    kind: lt.get(i, "type").into(),
                    description: lt.get(i, "description").into(),
                    curve: lt.get(i, "age_curve").into(),
                    term: parse_term(lt.get(i, "term")).unwrap_or(Term::Months(vec![12])),
                    max_coverages: lt.int(i, "max_coverages", 3).max(1) as usize,
                    coverages: covs,
                }
            })
            .collect();
        let line_choice = Choice::of_table(&lt, |i| i);
        let pt = Table::parse(premium);
        let val = |k: &str| pt.where_eq("key", k).first().map(|r| pt.get(*r, "value").to_string()).unwrap_or_default();
        let frequencies = (0..pt.len())
            .filter_map(|r| {
                let name = pt.get(r, "key").strip_prefix("frequency:")?;
                Some((name.to_string(), pt.num(r, "value", 1.0), pt.weight(r)))
            })
            .collect();
        Pack {
            companies: companies_v,
            company_w,
            lines: lines_v,
            line_choice,
            coverages: coverages_v,
            currency: val("currency"),
            decimals: val("decimals").parse().unwrap_or(2),
            installment_cap: val("installment_cap").parse().unwrap_or(f64::INFINITY),
            cancel_rate: val("cancel_rate").parse().unwrap_or(0.0),
            frequencies,
        }
    }

    pub fn line(&self, code: &str) -> Option<&Line> {
        self.lines.iter().find(|l| l.code == code)
    }
}

macro_rules! insurance_pack {
    ($dir:literal) => {
        Pack::load(
            include_str!(concat!("../data/insurance/", $dir, "/companies.csv")),
            include_str!(concat!("../data/insurance/", $dir, "/lines.csv")),
            include_str!(concat!("../data/insurance/", $dir, "/coverages.csv")),
            include_str!(concat!("../data/insurance/", $dir, "/line_coverages.csv")),
            include_str!(concat!("../data/insurance/", $dir, "/premium.csv")),
        )
    };
}

/// The insurance tables of a pack code (`US`, `DE`, `VN`).
pub fn pack(code: &str) -> &'static Pack {
    static US: OnceLock<Pack> = OnceLock::new();
    static DE: OnceLock<Pack> = OnceLock::new();
    static VN: OnceLock<Pack> = OnceLock::new();
    match code {
        "DE" => DE.get_or_init(|| insurance_pack!("de")),
        "VN" => VN.get_or_init(|| insurance_pack!("vn")),
        _ => US.get_or_init(|| insurance_pack!("us")),
    }
}

/// The rating factor of an age curve at `age`.
pub fn age_factor(curve: &str, age: i64) -> f64 {
    match curve {
        "driver" => match age {
            ..=20 => 1.9,
            21..=24 => 1.5,
            25..=29 => 1.15,
            30..=64 => 1.0,
            65..=74 => 1.1,
            _ => 1.3,
        },
        "health" => {
            if age < 21 {
                0.65
            } else {
                let x = (age.min(64) - 21) as f64 / 43.0;
                1.0 + 2.0 * x.powf(1.6)
            }
        }
        "life" => (0.05 * (age.clamp(18, 75) - 30) as f64).exp(),
        "travel" => match age {
            ..=59 => 1.0,
            60..=69 => 1.6,
            _ => 2.5,
        },
        _ => 1.0,
    }
}

/// The annual premium of a policy before individual rating (±15 %): the coverages' annual
/// premiums for the line times the line's age factor at `age`.
pub fn base_annual_premium(p: &Pack, line: &str, coverage_codes: &[&str], age: i64) -> Option<f64> {
    let l = p.line(line)?;
    let mut sum = 0.0;
    for code in coverage_codes {
        let lc = l.coverages.iter().find(|lc| p.coverages[lc.coverage].code == *code)?;
        sum += lc.annual;
    }
    Some(sum * age_factor(&l.curve, age))
}

/// Individual rating spread around the base premium.
pub const RATING_SPREAD: (f64, f64) = (0.85, 1.15);

pub fn generate(kind: &str, g: &Gen<'_>) -> Result<Value, String> {
    let p = pack(g.loc.code);
    Ok(Value::map(match kind {
        "InsuranceCompany" => {
            let mut cs = stream(g.key, "company");
            let i = crate::domains::families::commerce::table::weighted_index(&mut cs, &p.company_w).unwrap_or(0);
            company_map(p, i, g.key)
        }
        "InsuranceCoverage" => {
            let mut ls = stream(g.key, "line");
            let l = &p.lines[*p.line_choice.pick(&mut ls).unwrap_or(&0)];
            let mut cs = stream(g.key, "coverage");
            match cs.pick(&l.coverages) {
                Some(lc) => coverage_map(&p.coverages[lc.coverage]),
                None => Map::new(),
            }
        }
        "InsuranceProduct" => {
            let mut ls = stream(g.key, "line");
            let li = *p.line_choice.pick(&mut ls).unwrap_or(&0);
            product_map(p, li, g.key)
        }
        "InsurancePolicy" => policy(p, g)?,
        other => return Err(format!("entity {other} is not an insurance entity")),
    }))
}

fn company_map(p: &Pack, i: usize, key: u64) -> Map {
    let c = &p.companies[i];
    map(vec![
        ("id", s(&record_uuid("InsuranceCompany", key))),
        ("name", s(&c.name)),
        ("code", s(&c.code)),
        ("founded_year", s(&c.founded_year)),
        ("headquarters", s(&c.headquarters)),
        ("website", s(&c.website)),
    ])
}

fn coverage_map(c: &Coverage) -> Map {
    map(vec![
        ("name", s(&c.name)),
        ("code", s(&c.code)),
        ("product_code", s(&c.class)),
        ("description", s(&c.description)),
        ("min_coverage", s(&c.min)),
        ("max_coverage", s(&c.max)),
    ])
}

/// A product of line `li`: the line and every coverage it offers.
fn product_map(p: &Pack, li: usize, key: u64) -> Map {
    let l = &p.lines[li];
    let covs = l.coverages.iter().map(|lc| Value::map(coverage_map(&p.coverages[lc.coverage]))).collect();
    map(vec![
        ("id", s(&record_uuid("InsuranceProduct", key))),
        ("type", s(&l.kind)),
        ("code", s(&l.code)),
        ("description", s(&l.description)),
        ("coverages", Value::List(Arc::new(covs))),
    ])
}

fn add_days(d: Date, n: i64) -> Date {
    d.checked_add(Span::new().days(n)).unwrap_or(d)
}

fn days_between(a: Date, b: Date) -> i64 {
    b.since(a).map(|sp| sp.get_days() as i64).unwrap_or(0)
}

/// The end of a term starting at `start` for a holder born on `birth`.
fn term_end(t: &Term, start: Date, birth: Date, st: &mut crate::domains::determinism::Stream) -> Date {
    let pick = |v: &[i64], st: &mut crate::domains::determinism::Stream| st.pick(v).copied().unwrap_or(1).max(1);
    let end = match t {
        Term::Months(v) => start.checked_add(Span::new().months(pick(v, st))).ok(),
        Term::Years(v) => start.checked_add(Span::new().years(pick(v, st))).ok(),
        Term::Days(a, b) => start.checked_add(Span::new().days(st.range_i64(*a, *b).max(1))).ok(),
        Term::ToAge(a) => birth.checked_add(Span::new().years(*a)).ok(),
    };
    match end {
        Some(e) if e > start => e,
        _ => start.checked_add(Span::new().years(10)).unwrap_or(add_days(start, 3650)),
    }
}

fn policy(p: &Pack, g: &Gen<'_>) -> Result<Map, String> {
    let k = g.key;
    let holder = g.person()?;
    let today = g.now.date();
    // Line, then a company that writes it.
    let mut ls = stream(k, "line");
    let li = *p.line_choice.pick(&mut ls).unwrap_or(&0);
    let line = &p.lines[li];
    let writers: Vec<f64> = p
        .companies
        .iter()
        .zip(&p.company_w)
        .map(|(c, w)| if c.lines.contains(&line.code) { *w } else { 0.0 })
        .collect();
    let mut cs = stream(k, "company");
    let ci = crate::domains::families::commerce::table::weighted_index(&mut cs, &writers).unwrap_or(0);
    // Coverages: the line's required ones, then optional ones up to 1 (weight 2), 2 or 3
    // (weight 1 each), distinct, one per alternative group.
    let mut vs = stream(k, "coverages");
    let avail = line.coverages.len();
    let mut chosen: Vec<usize> = (0..avail).filter(|i| line.coverages[*i].required).collect();
    let want = match vs.below(4) {
        0 | 1 => 1,
        2 => 2,
        _ => 3,
    }
    .min(line.max_coverages)
    .max(chosen.len())
    .min(avail);
    let mut w = vec![1.0; avail];
    let block = |w: &mut Vec<f64>, i: usize| {
        let grp = &line.coverages[i].group;
        for (j, lc) in line.coverages.iter().enumerate() {
            if j == i || (!grp.is_empty() && lc.group == *grp) {
                w[j] = 0.0;
            }
        }
    };
    for i in chosen.clone() {
        block(&mut w, i);
    }
    while chosen.len() < want {
        let Some(i) = sample_distinct(&mut vs, &w, 1).first().copied() else { break };
        if w[i] <= 0.0 {
            break;
        }
        chosen.push(i);
        block(&mut w, i);
    }
    chosen.sort_unstable();
    let term = chosen.iter().find_map(|i| line.coverages[*i].term.clone()).unwrap_or_else(|| line.term.clone());
    // Dates: 75 % in force at the clock, 15 % ended, 10 % starting within 60 days.
    let mut ds = stream(k, "dates");
    let probe_end = term_end(&term, today, holder.birthdate, &mut ds.clone());
    let term_days = days_between(today, probe_end).clamp(1, 365 * 15);
    let u = ds.f64();
    let mut start = if u < 0.75 {
        add_days(today, -ds.range_i64(0, term_days - 1))
    } else if u < 0.90 {
        add_days(today, -(term_days + ds.range_i64(1, 3 * 365)))
    } else {
        add_days(today, ds.range_i64(1, 60))
    };
    if start < holder.birthdate {
        start = holder.birthdate;
    }
    let mut end = term_end(&term, start, holder.birthdate, &mut ds);
    let mut cancelled = false;
    let mut xs = stream(k, "status");
    let elapsed = days_between(start, today);
    if elapsed >= 2 && xs.chance(p.cancel_rate) {
        // Cancelled: the cover ended on a day strictly between start and the clock.
        let last = days_between(start, end).min(elapsed).max(2);
        let cut = add_days(start, xs.range_i64(1, last - 1));
        if cut < end && cut < today {
            end = cut;
            cancelled = true;
        }
    }
    let status = if cancelled {
        "cancelled"
    } else if start <= today && today <= end {
        "active"
    } else {
        "inactive"
    };
    let created = add_days(start.min(today), -stream(k, "created_date").range_i64(0, 45));
    // Premium at the holder's age on the start date.
    let age = completed_years(holder.birthdate, start).max(0);
    let codes: Vec<&str> = chosen.iter().map(|i| p.coverages[line.coverages[*i].coverage].code.as_str()).collect();
    let base = base_annual_premium(p, &line.code, &codes, age).unwrap_or(0.0);
    let annual = base * stream(k, "premium").uniform(RATING_SPREAD.0, RATING_SPREAD.1);
    let fit: Vec<f64> =
        p.frequencies.iter().map(|(_, n, w)| if annual / n <= p.installment_cap { *w } else { 0.0 }).collect();
    let mut fs = stream(k, "premium_frequency");
    let fi = if fit.iter().any(|w| *w > 0.0) {
        crate::domains::families::commerce::table::weighted_index(&mut fs, &fit).unwrap_or(0)
    } else {
        // Even the smallest installment exceeds the cap: pay as often as the pack allows.
        p.frequencies.iter().enumerate().max_by(|a, b| a.1 .1.total_cmp(&b.1 .1)).map(|x| x.0).unwrap_or(0)
    };
    let (freq, periods) = p.frequencies.get(fi).map(|(n, x, _)| (n.as_str(), *x)).unwrap_or(("yearly", 1.0));
    let unit = 10f64.powi(-p.decimals);
    let premium = round_to(annual / periods, p.decimals).max(unit);
    let covs = chosen.iter().map(|i| Value::map(coverage_map(&p.coverages[line.coverages[*i].coverage]))).collect();
    Ok(map(vec![
        ("id", s(&record_uuid("InsurancePolicy", k))),
        ("company", Value::map(company_map(p, ci, crate::domains::determinism::mix(k, 0xC0)))),
        ("product", Value::map(product_map(p, li, crate::domains::determinism::mix(k, 0xB0)))),
        ("policy_holder", Value::map(holder.to_map(g.loc))),
        ("coverages", Value::List(Arc::new(covs))),
        ("premium", Value::Float(premium)),
        ("premium_frequency", s(freq)),
        ("start_date", Value::Date(start)),
        ("end_date", Value::Date(end)),
        ("status", s(status)),
        ("created_date", Value::Date(created)),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_have_lines_with_their_coverages() {
        for code in ["US", "DE", "VN"] {
            let p = pack(code);
            assert!(p.lines.len() >= 8, "{code}: {} lines", p.lines.len());
            assert!(p.companies.len() >= 8, "{code}");
            for l in &p.lines {
                assert!(l.coverages.len() >= 2, "{code} {}: coverages", l.code);
                assert!(l.coverages.iter().filter(|c| c.required).count() <= l.max_coverages, "{code} {}", l.code);
                assert!(p.companies.iter().any(|c| c.lines.contains(&l.code)), "{code} {}: no company", l.code);
                assert!(l.coverages.iter().all(|c| c.annual > 0.0), "{code} {}", l.code);
            }
            assert!(!p.frequencies.is_empty() && !p.currency.is_empty());
        }
    }
}
