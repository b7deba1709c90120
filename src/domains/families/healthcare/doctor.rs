//! `Doctor` (domains.md §4.11): a physician whose graduation (at 24-35) and years of practice
//! follow from the birthdate, whose certifications are those of the specialty (held once the
//! specialty training is complete), who works in a hospital of the home town that has the
//! specialty's department, with identifiers of the country (US NPI, German LANR and chamber
//! membership, Vietnamese practising certificate).

use std::sync::Arc;

use jiff::civil::Time;

use super::catalog::{catalog, Specialty};
use super::data::{clinical, country, weighted_index};
use super::hospital::{hospital, Hospital};
use super::{ascii_slug, ids, s, str_list, with_params};
use crate::domains::determinism::mix;
use crate::domains::entities::{concept, landline, map, stream, stream_at, Gen, Person};
use crate::vm::value::{Map, Value};

/// Relative frequency of graduating from medical school at ages 24..=35, per country (US: four
/// years of college then four of medical school; DE: six-year course after the Abitur; VN:
/// six-year course straight after school).
const GRADUATION_AGE: [[f64; 12]; 3] = [
    [2.0, 8.0, 25.0, 22.0, 14.0, 9.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0],
    [6.0, 18.0, 24.0, 18.0, 12.0, 8.0, 5.0, 3.0, 2.0, 2.0, 1.0, 1.0],
    [40.0, 25.0, 12.0, 8.0, 5.0, 3.0, 2.0, 2.0, 1.0, 1.0, 1.0, 0.5],
];

/// The youngest age at which anyone has graduated from medical school.
pub const MIN_GRADUATION_AGE: i64 = 24;
pub const MAX_GRADUATION_AGE: i64 = 35;

const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const CLOSED: [&str; 3] = ["Closed", "Geschlossen", "Nghỉ"];

fn hhmm(minutes: i64) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Office hours per weekday; hospital-based specialties keep no office hours.
fn office_hours(k: u64, sp: &Specialty, c: usize) -> Map {
    let mut st = stream(k, "doctor.office_hours");
    let saturday = [0.15, 0.05, 0.5][c];
    let sunday = [0.02, 0.0, 0.15][c];
    let pairs: Vec<(&str, Value)> = DAYS
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let open = sp.outpatient
                && match i {
                    0..=4 => st.chance(0.92),
                    5 => st.chance(saturday),
                    _ => st.chance(sunday),
                };
            let start = 7 * 60 + 30 * st.range_i64(0, 4);
            let mut end = start + 30 * st.range_i64(16, 20);
            // German practices traditionally close on Wednesday and Friday afternoons.
            if (i >= 5 || (c == 1 && (i == 2 || i == 4) && st.chance(0.7))) && end > 12 * 60 {
                end = (12 * 60).max(start + 180);
            }
            let v = if open { format!("{} - {}", hhmm(start), hhmm(end)) } else { CLOSED[c].to_string() };
            (*day, s(&v))
        })
        .collect();
    map(pairs)
}

/// The qualifications held by a physician of `sp` with `years` since graduation.
pub fn certifications(k: u64, sp: &Specialty, years: i64, female: bool, c: usize) -> (Vec<String>, bool) {
    let cat = catalog();
    let mut st = stream(k, "doctor.certifications");
    let mut out: Vec<String> = Vec::new();
    let certified = years >= sp.residency[c];
    let mut senior = false;
    if certified {
        for t in &sp.certs[c] {
            out.push(t.replace("{Facharzt}", if female { "Fachärztin" } else { "Facharzt" }));
        }
        // Vietnamese specialists may go on to the level-II specialist degree.
        if c == 2 && years >= sp.residency[c] + 6 && st.chance(0.35) {
            senior = true;
            out.extend(sp.certs[c].iter().map(|t| t.replace("cấp I ", "cấp II ")));
        }
    }
    for e in &cat.extra_certs[c] {
        let p = st.f64();
        if e.applies(&sp.id) && years >= e.min_years && p < e.p && !out.iter().any(|x| *x == *e.name) {
            out.push(e.name.to_string());
        }
    }
    (out, senior)
}

fn license(g: &Gen<'_>, k: u64, h: &Hospital) -> String {
    let mut st = stream(k, "doctor.license");
    match g.loc.code {
        "DE" => {
            let chambers: Vec<_> = clinical().de_chambers.iter().filter(|x| *x.0 == *h.city.state).collect();
            let w: Vec<f64> = chambers.iter().map(|x| x.2).collect();
            let chamber =
                weighted_index(&mut st, &w).map(|i| chambers[i].1.to_string()).unwrap_or_else(|| "BÄK".into());
            format!("{chamber}-{}", ids::digits(&mut st, 6))
        }
        "VN" => {
            let issuer = if &*h.type_id == "trunguong" { "BYT".to_string() } else { h.city.state.to_string() };
            format!("{}/{issuer}-CCHN", ids::digits(&mut st, 6))
        }
        _ => format!("{}-{}{}", h.city.state, 1 + st.below(9), ids::digits(&mut st, 5)),
    }
}

fn work_email(p: &Person, loc_code: &str, domain: &str) -> String {
    let given = ascii_slug(&p.given);
    let family = ascii_slug(&p.family);
    let local = match loc_code {
        // Vietnamese work addresses: given name plus the initials of family and middle names.
        "VN" => {
            let mut l = given.clone();
            l.extend(family.chars().next());
            if let Some(m) = &p.middle {
                l.extend(ascii_slug(m).chars().next());
            }
            l
        }
        _ => format!("{given}.{family}"),
    };
    format!("{local}@{domain}")
}

/// Specialty indices named by a comma-separated list of ids or names, case-insensitively.
pub fn specialties(text: &str) -> Result<Vec<usize>, String> {
    let list = &catalog().specialty_list;
    let mut out = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let n = name.to_lowercase();
        match list.iter().position(|s| s.id.to_lowercase() == n || s.name.iter().any(|x| x.to_lowercase() == n)) {
            Some(i) => out.push(i),
            None => return Err(format!("unknown specialty '{name}'")),
        }
    }
    if out.is_empty() {
        return Err("specialty names no specialty".into());
    }
    Ok(out)
}

/// The doctor's person parameters: ages from `min_age` (at least the youngest graduation age)
/// to `max_age` (default 28..67).
pub fn doctor_params(g: &Gen<'_>) -> Result<Vec<(String, Value)>, String> {
    let hi = g.param_i64("max_age").unwrap_or(67);
    if hi < MIN_GRADUATION_AGE {
        return Err(format!("a doctor is at least {MIN_GRADUATION_AGE} years old, but ageMax is {hi}"));
    }
    let lo = g.param_i64("min_age").unwrap_or(28).max(MIN_GRADUATION_AGE);
    Ok(with_params(g.params, &[("min_age", Value::Int(lo)), ("max_age", Value::Int(hi))]))
}

/// The specialty (index into the catalogue's list): drawn by the country's weights, among the
/// `specialty` parameter's ids or names (any pack language, case-insensitive) when given.
pub fn doctor_specialty(g: &Gen<'_>, c: usize) -> Result<usize, String> {
    let cat = catalog();
    let mut sps = stream_at(g.key, concept!("doctor.specialty"));
    Ok(match super::param_str(g, "specialty") {
        Some(text) => {
            let allowed = specialties(&text)?;
            let w: Vec<f64> = cat
                .specialty_list
                .iter()
                .enumerate()
                .map(|(i, sp)| if allowed.contains(&i) { sp.weights[c].max(1e-6) } else { 0.0 })
                .collect();
            weighted_index(&mut sps, &w).unwrap_or(0)
        }
        None => cat.specialty_pick[c].pick(&mut sps).copied().unwrap_or(0),
    })
}

/// The key of a doctor's hospital.
pub fn hospital_key(k: u64) -> u64 {
    mix(k, concept!("doctor.hospital"))
}

pub fn doctor(g: &Gen<'_>) -> Result<Map, String> {
    let cat = catalog();
    let c = country(g.loc);
    let k = g.key;
    let params = doctor_params(g)?;
    let p = Gen { key: k, now: g.now, loc: g.loc, params: &params }.person()?;
    let sp_idx = doctor_specialty(g, c)?;
    let sp = &cat.specialty_list[sp_idx];
    let top = p.age.min(MAX_GRADUATION_AGE);
    let w: Vec<f64> = (MIN_GRADUATION_AGE..=MAX_GRADUATION_AGE)
        .map(|a| if a <= top { GRADUATION_AGE[c][(a - MIN_GRADUATION_AGE) as usize] } else { 0.0 })
        .collect();
    let grad_age = MIN_GRADUATION_AGE + weighted_index(&mut stream(k, "doctor.graduation"), &w).unwrap_or(0) as i64;
    let graduation_year = p.birthdate.year() as i64 + grad_age;
    let years = (g.now.year() as i64 - graduation_year).max(0);
    let female = p.gender == "female";
    let (certs, senior) = certifications(k, sp, years, female, c);
    let certified = years >= sp.residency[c];
    let h = hospital(g, hospital_key(k), Some(&sp.department), Some(&p.address.city));
    let school = cat.schools[c].pick(&mut stream(k, "doctor.medical_school")).cloned().unwrap_or_else(|| Arc::from(""));
    let mut ids_st = stream(k, "doctor.npi");
    let npi = match c {
        0 => ids::npi(&mut ids_st),
        1 => ids::lanr(&mut ids_st, &sp.lanr_group),
        _ => String::new(),
    };
    let mut ts = stream(k, "doctor.title");
    let title = match c {
        0 => "Dr.",
        1 if p.age >= 45 && h.teaching && ts.chance(0.08) => "Prof. Dr. med.",
        1 if ts.chance(0.6) => "Dr. med.",
        1 => "",
        _ if senior => "BSCKII.",
        _ if certified => "BSCKI.",
        _ => "BS.",
    };
    let mut person_map = p.to_map(g.loc);
    person_map.insert(Arc::from("academic_title"), s(title));
    let accepting = sp.outpatient && stream(k, "doctor.accepting").chance(0.75);
    let phone = landline(g.loc, &mut stream(k, "doctor.phone"), &h.city);
    let id = format!("DOC-{}", ids::hex_upper(&mut stream(k, "doctor.id"), 8));
    let lic = license(g, k, &h);
    let email = work_email(&p, g.loc.code, &h.domain);
    Ok(map(vec![
        ("doctor_id", s(&id)),
        ("npi_number", s(&npi)),
        ("license_number", s(&lic)),
        ("person_data", Value::map(person_map)),
        ("given_name", s(&p.given)),
        ("family_name", s(&p.family)),
        ("full_name", s(&p.full_name)),
        ("gender", s(p.gender)),
        ("birthdate", Value::DateTime(p.birthdate.to_datetime(Time::midnight()))),
        ("age", Value::Int(p.age)),
        ("specialty", s(&sp.name[c])),
        ("hospital", Value::map(h.map)),
        ("medical_school", s(&school)),
        ("graduation_year", Value::Int(graduation_year)),
        ("years_of_experience", Value::Int(years)),
        ("certifications", str_list(&certs)),
        ("accepting_new_patients", Value::Bool(accepting)),
        ("office_hours", Value::map(office_hours(k, sp, c))),
        ("email", s(&email)),
        ("phone", s(&phone)),
        ("address", Value::map(p.address.to_map(g.loc))),
    ]))
}
