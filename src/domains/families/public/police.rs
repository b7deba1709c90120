//! `PoliceOfficer`: a person aged 21-65 serving in one department of the dataset's country,
//! living in the department's state. The hire date lies on or after the 21st birthday; the
//! rank is one the officer can hold with their years of service and age; the unit belongs to
//! the department; the e-mail is built from the officer's own name at the department's domain.

use jiff::civil::Date;
use jiff::Span;

use crate::domains::determinism::mix;
use crate::domains::entities::{completed_years, map, s, stream, Gen};
use crate::domains::families::commerce::table::{hex_upper, weighted_index};
use crate::domains::families::public::{address_in, pack, pick_value, pick_values, rows_of, str_list};
use crate::domains::locale::ascii_fold;
use crate::vm::value::{Map, Value};

/// Minimum hiring age.
pub const HIRE_AGE: i64 = 21;

/// The rank rows an officer with `years` of service at `age` can hold.
pub fn eligible_ranks(code: &str, years: i64, age: i64) -> Vec<usize> {
    let t = &pack(code).ranks;
    (0..t.len())
        .filter(|r| {
            let max = t.get(*r, "max_years").parse::<i64>().unwrap_or(i64::MAX);
            t.int(*r, "min_years", 0) <= years && years <= max && t.int(*r, "min_age", HIRE_AGE) <= age
        })
        .collect()
}

fn clean(x: &str) -> String {
    ascii_fold(x).to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// The mailbox of an officer: `given.family` (US, DE) or given name plus the initials of the
/// family and middle names (VN, `annv`).
pub fn mailbox(code: &str, given: &str, middle: Option<&str>, family: &str) -> String {
    match code {
        "VN" => {
            let initials: String = family
                .split_whitespace()
                .chain(middle.unwrap_or("").split_whitespace())
                .filter_map(|w| clean(w).chars().next())
                .collect();
            format!("{}{initials}", clean(given))
        }
        _ => format!("{}.{}", clean(given), clean(family)),
    }
}

pub fn generate(g: &Gen<'_>) -> Result<Map, String> {
    let k = g.key;
    let p = pack(g.loc.code);
    // Officers are at least 21; the person draws from the officer's own key.
    let min_age = g.param_i64("min_age").unwrap_or(HIRE_AGE).max(HIRE_AGE);
    let max_age = g.param_i64("max_age").unwrap_or(65);
    let mut params: Vec<(String, crate::vm::value::Value)> =
        g.params.iter().filter(|(n, _)| n != "min_age" && n != "max_age").cloned().collect();
    params.push(("min_age".into(), Value::Int(min_age)));
    params.push(("max_age".into(), Value::Int(max_age)));
    params.push(("other_gender_quota".into(), Value::Float(0.0)));
    if g.param_f64("female_quota").is_none() {
        let pl = &p.police;
        if let Some(r) = rows_of(pl, "female_share", "list", |_| true).first() {
            params.push(("female_quota".into(), Value::Float(pl.num(*r, "value", 0.5))));
        }
    }
    let pg = Gen { key: k, now: g.now, loc: g.loc, params: &params };
    let person = pg.person()?;
    let today = g.now.date();
    // Department, and a home in its state.
    let dt = &p.departments;
    let mut ds = stream(k, "department");
    let di = weighted_index(&mut ds, &(0..dt.len()).map(|r| dt.weight(r)).collect::<Vec<_>>()).unwrap_or(0);
    let dept = dt.get(di, "code");
    let state = dt.get(di, "state");
    let address = address_in(g, mix(k, 0xADD), (state != "*").then_some(state));
    let mut us = stream(k, "unit");
    let unit = format!("{dept}-{:02}", us.range_i64(1, dt.int(di, "units", 10).max(1)));
    // Hire date: uniform between the 21st birthday (or 45 years ago) and the clock.
    let adult = person.birthdate.checked_add(Span::new().years(HIRE_AGE)).unwrap_or(person.birthdate);
    let floor = today.checked_sub(Span::new().years(45)).unwrap_or(today);
    let earliest: Date = adult.max(floor).min(today);
    let span = earliest.until(today).map(|sp| sp.get_days() as i64).unwrap_or(0).max(0);
    let mut hs = stream(k, "hire_date");
    let hire = earliest.checked_add(Span::new().days(hs.range_i64(0, span))).unwrap_or(earliest);
    let years = completed_years(hire, today).max(0);
    // Rank among those open at this service length and age.
    let rt = &p.ranks;
    let open = eligible_ranks(g.loc.code, years, person.age);
    let mut rs = stream(k, "rank");
    let rank = match weighted_index(&mut rs, &open.iter().map(|r| rt.weight(*r)).collect::<Vec<_>>()) {
        Some(i) => rt.get(open[i], "rank"),
        None => rt.get(0, "rank"),
    };
    let pl = &p.police;
    let mut cs = stream(k, "certifications");
    let ncert = 1 + cs.below(4) as usize;
    let certifications = pick_values(pl, &rows_of(pl, "certification", "list", |_| true), &mut cs, ncert);
    let mut ls = stream(k, "languages");
    let mut languages: Vec<String> =
        rows_of(pl, "native", "list", |_| true).iter().map(|r| pl.get(*r, "value").to_string()).collect();
    let extra = match ls.f64() {
        u if u < 0.55 => 0,
        u if u < 0.9 => 1,
        _ => 2,
    };
    languages.extend(pick_values(pl, &rows_of(pl, "language", "list", |_| true), &mut ls, extra));
    let mut ss = stream(k, "shift");
    let shift = pick_value(pl, &rows_of(pl, "shift", "list", |_| true), &mut ss).unwrap_or("").to_string();
    let email = format!(
        "{}@{}",
        mailbox(g.loc.code, &person.given, person.middle.as_deref(), &person.family),
        dt.get(di, "domain")
    );
    let mut bs = stream(k, "badge_number");
    let badge = match g.loc.code {
        "DE" => bs.range_i64(100_000, 999_999).to_string(),
        "VN" => format!("{:03}-{:03}", bs.range_i64(1, 999), bs.range_i64(0, 999)),
        _ => bs.range_i64(1000, 9999).to_string(),
    };
    let mut is = stream(k, "officer_id");
    Ok(map(vec![
        ("officer_id", s(&format!("OFF-{}", hex_upper(&mut is, 8)))),
        ("badge_number", s(&badge)),
        ("given_name", s(&person.given)),
        ("family_name", s(&person.family)),
        ("full_name", s(&person.full_name)),
        ("gender", s(person.gender)),
        ("birthdate", Value::DateTime(person.birthdate.to_datetime(jiff::civil::Time::midnight()))),
        ("age", Value::Int(person.age)),
        ("rank", s(rank)),
        ("department", s(dept)),
        ("unit", s(&unit)),
        ("hire_date", s(&hire.to_string())),
        ("years_of_service", Value::Int(years)),
        ("certifications", str_list(&certifications)),
        ("languages", str_list(&languages)),
        ("shift", s(&shift)),
        ("email", s(&email)),
        ("phone", s(&address.phone)),
        ("address", Value::map(address.to_map(g.loc))),
    ]))
}
