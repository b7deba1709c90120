//! The healthcare family: `Patient`, `Doctor`, `Hospital`, `MedicalProcedure` and
//! `MedicalDevice` (domains.md §4.10-4.14), built on the datasets under
//! `src/domains/data/healthcare/`.
//!
//! Every concept draws from its own stream (`stream(key, "patient.blood_type")`); nested people
//! (emergency contacts, staff) and institutions (a doctor's hospital) use keys derived from the
//! record key, so no two variables or entity kinds share a person. Dependent values are derived,
//! not drawn again: medications from the drawn conditions, BMI from height and weight, a doctor's
//! graduation year from the birthdate, a device's last maintenance date from its history.

pub mod catalog;
pub mod data;
pub mod device;
pub mod doctor;
pub mod hospital;
pub mod ids;
pub mod patient;
pub mod procedure;

use std::sync::Arc;

use jiff::civil::Date;

use crate::domains::determinism::{mix, Stream};
use crate::domains::entities::Gen;
use crate::domains::locale::{ascii_fold, Locale};
use crate::vm::value::Value;

/// Entity kinds of this family.
pub const KINDS: &[&str] = &["Patient", "Doctor", "Hospital", "MedicalDevice", "MedicalProcedure"];

/// Generates one record of a healthcare entity.
pub fn generate(kind: &str, g: &Gen<'_>) -> Result<Value, String> {
    let m = match kind {
        "Patient" => patient::patient(g)?,
        "Doctor" => doctor::doctor(g)?,
        "Hospital" => hospital::hospital(g, g.key, None, None).map,
        "MedicalDevice" => device::device(g),
        "MedicalProcedure" => procedure::procedure(g),
        other => return Err(format!("entity {other} is not a healthcare entity")),
    };
    Ok(Value::map(m))
}

/// The key of a nested object of a record (`sub(key, "doctor.hospital")`).
pub fn sub(key: u64, concept: &str) -> u64 {
    mix(key, crate::domains::entities::concept_key(concept))
}

/// A string parameter (`conditionsInclude="Asthma,Obesity"`).
pub fn param_str(g: &Gen<'_>, name: &str) -> Option<String> {
    g.params.iter().find(|(k, _)| k == name).map(|(_, v)| match v {
        Value::Str(s) => s.to_string(),
        other => other.py_str(),
    })
}

/// The parameters with some entries replaced (or added).
pub fn with_params(params: &[(String, Value)], set: &[(&str, Value)]) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> =
        params.iter().filter(|(k, _)| !set.iter().any(|(n, _)| n == k)).cloned().collect();
    out.extend(set.iter().map(|(k, v)| (k.to_string(), v.clone())));
    out
}

pub fn s(v: &str) -> Value {
    Value::Str(Arc::from(v))
}

/// A list of strings.
pub fn str_list<S: AsRef<str>>(items: &[S]) -> Value {
    Value::list(items.iter().map(|x| s(x.as_ref())).collect())
}

/// A date as `YYYY-MM-DD`.
pub fn ymd(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// `d` plus `days` (saturating at the calendar bounds).
pub fn add_days(d: Date, days: i64) -> Date {
    d.checked_add(jiff::Span::new().days(days)).unwrap_or(d)
}

/// Days from `a` to `b`.
pub fn days_between(a: Date, b: Date) -> i64 {
    a.until(b).map(|sp| sp.get_days() as i64).unwrap_or(0)
}

/// Rounds to `places` decimals.
pub fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// A standard normal draw (Box–Muller).
pub fn normal(st: &mut Stream) -> f64 {
    let u1 = st.f64().max(1e-12);
    let u2 = st.f64();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// A person's display name as the country writes it: `Given Family`, Vietnamese
/// `Family Middle Given`.
pub fn display_name(loc: &Locale, given: &str, middle: Option<&str>, family: &str) -> String {
    match (loc.code, middle) {
        ("VN", Some(m)) => format!("{family} {m} {given}"),
        ("VN", None) => format!("{family} {given}"),
        _ => format!("{given} {family}"),
    }
}

/// A given name (and, in Viet Nam, a middle name) of the requested gender.
pub fn given_name(loc: &Locale, st: &mut Stream, female: bool) -> (String, Option<String>) {
    let given = if female { loc.given_female.pick(st) } else { loc.given_male.pick(st) }
        .map(|x| x.to_string())
        .unwrap_or_else(|| "Alex".into());
    let middle = if loc.code == "VN" {
        if female { loc.middle_female.pick(st) } else { loc.middle_male.pick(st) }.map(|x| x.to_string())
    } else {
        None
    };
    (given, middle)
}

/// A family name from the pack.
pub fn family_name(loc: &Locale, st: &mut Stream) -> String {
    loc.family.pick(st).map(|x| x.to_string()).unwrap_or_else(|| "Smith".into())
}

/// A staff member's display name (device users, technicians). Names are written in their
/// two-part form `Given Family`, so family names with spaces or apostrophes are passed over.
pub fn staff_name(loc: &Locale, key: u64) -> String {
    let mut st = Stream::new(key);
    let female = st.chance(0.5);
    let (given, middle) = given_name(loc, &mut st, female);
    let mut family = family_name(loc, &mut st);
    for _ in 0..8 {
        if loc.code == "VN" || family.chars().all(char::is_alphabetic) {
            break;
        }
        family = family_name(loc, &mut st);
    }
    display_name(loc, &given, middle.as_deref(), &family)
}

/// Lower-case ASCII letters and digits of a text (for e-mail local parts and domains).
pub fn ascii_slug(text: &str) -> String {
    ascii_fold(text).to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// Picks `n` distinct items of `pool` in random order.
pub fn sample<T: Clone>(st: &mut Stream, pool: &[T], n: usize) -> Vec<T> {
    let mut idx: Vec<usize> = (0..pool.len()).collect();
    st.shuffle(&mut idx);
    idx.into_iter().take(n).map(|i| pool[i].clone()).collect()
}
