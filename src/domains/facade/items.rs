//! The items of each facade domain, built on the entity generators: a person is a
//! [`Person`](crate::domains::entities::Person), an address an
//! [`Address`](crate::domains::entities::Address), a patient the `Patient` entity of the person
//! with the same index, a doctor the `Doctor` entity under the doctor keys.

use std::sync::Arc;

use serde_json::{json, Value as Json};

use super::{Ctx, ErrorCode, Fail};
use crate::domains::determinism::AliasTable;
use crate::domains::entities::{format_address, stream, Gen};
use crate::domains::families::healthcare::data::{clinical, country, weighted_index};
use crate::domains::families::healthcare::patient::sex_of;
use crate::domains::families::healthcare::{doctor, patient, ymd};
use crate::domains::locale::{locale, Locale};
use crate::vm::value::Value;

/// Item `i` of the request's domain.
pub(crate) fn item(ctx: &Ctx<'_>, i: u64) -> Result<Json, Fail> {
    match ctx.domain {
        "person" => person(ctx, i),
        "address" => address(ctx, i),
        "patient" => patient_item(ctx, i),
        _ => doctor_item(ctx, i),
    }
}

fn generator_fail(e: String) -> Fail {
    Fail::new(ErrorCode::InvalidConstraints, "/constraints", e)
}

fn upper_hex8(id: &uuid::Uuid) -> String {
    id.simple().to_string()[..8].to_ascii_uppercase()
}

fn sex_code(gender: &str) -> &'static str {
    match gender {
        "female" => "F",
        "male" => "M",
        _ => "X",
    }
}

/// Person parameters of the constraints: the age range (one band of the profile, drawn by its
/// weight, when a profile is given) and the sex quotas (uniform over the allowed sexes).
fn person_params(ctx: &Ctx<'_>, key: u64) -> Vec<(String, Value)> {
    let (mut lo, mut hi) = ctx.c.age;
    if let Some(p) = ctx.c.profile {
        let bands = p.clipped(lo, hi);
        let w: Vec<f64> = bands.iter().map(|b| b.weight).collect();
        if let Some(j) = weighted_index(&mut stream(key, "facade.age_band"), &w) {
            (lo, hi) = (bands[j].min, bands[j].max);
        }
    }
    let n = ctx.c.sexes.len().max(1) as f64;
    let share = |s: &str| ctx.c.sexes.iter().filter(|x| **x == s).count() as f64 / n;
    vec![
        ("min_age".into(), Value::Int(lo)),
        ("max_age".into(), Value::Int(hi)),
        ("female_quota".into(), Value::Float(share("F"))),
        ("other_gender_quota".into(), Value::Float(share("X"))),
    ]
}

fn gen<'a>(ctx: &Ctx<'_>, key: u64, params: &'a [(String, Value)]) -> Gen<'a> {
    Gen { key, now: ctx.now, loc: locale(ctx.pack), params }
}

fn person(ctx: &Ctx<'_>, i: u64) -> Result<Json, Fail> {
    let key = ctx.key("person", i);
    let params = person_params(ctx, key);
    let g = gen(ctx, key, &params);
    let p = g.person().map_err(generator_fail)?;
    let id = ctx.id("person", i);
    Ok(json!({
        "id": id.to_string(),
        "human_id": format!("PER-{}", upper_hex8(&id)),
        "first_name": &*p.given,
        "last_name": &*p.family,
        "full_name": &*p.full_name,
        "sex": sex_code(p.gender),
        "age": p.age,
        "date_of_birth": ymd(p.birthdate),
        "nationality": &*g.loc.country.name,
        "locale": ctx.locale,
    }))
}

/// City rows whose postal code starts with a prefix, weighted as the pack weighs them.
pub(crate) struct CityPool {
    rows: Vec<usize>,
    table: Option<AliasTable>,
}

impl CityPool {
    pub fn new(loc: &Locale, prefix: &str) -> CityPool {
        let rows: Vec<usize> =
            (0..loc.cities.items.len()).filter(|i| loc.cities.items[*i].postal_code.starts_with(prefix)).collect();
        let w: Vec<f64> = rows.iter().map(|i| (loc.cities.items[*i].population.max(1) as f64).sqrt()).collect();
        CityPool { table: AliasTable::new(&w), rows }
    }
}

fn address(ctx: &Ctx<'_>, i: u64) -> Result<Json, Fail> {
    let key = ctx.key("address", i);
    let g = gen(ctx, key, &[]);
    let loc = g.loc;
    let a = match &ctx.cities {
        None => g.address(key),
        Some(pool) => {
            let mut cs = stream(key, "city");
            let row = pool.table.as_ref().map(|t| pool.rows[t.sample(&mut cs)]).or(pool.rows.first().copied());
            let Some(city) = row.and_then(|r| loc.cities.items.get(r)).cloned() else {
                return Err(Fail::new(
                    ErrorCode::InvalidConstraints,
                    "/constraints/postal_code_prefix",
                    "no city matches",
                ));
            };
            g.address_in(key, city)
        }
    };
    let line1 = match loc.code {
        "DE" => format!("{} {}", a.street, a.house_number),
        _ => format!("{} {}", a.house_number, a.street),
    };
    let id = ctx.id("address", i);
    Ok(json!({
        "id": id.to_string(),
        "human_id": format!("ADR-{}", upper_hex8(&id)),
        "line1": line1,
        "city": &*a.city.name,
        "state": &*a.city.state,
        "postal_code": &*a.city.postal_code,
        "country": &*loc.country.iso_code,
        "locale": ctx.locale,
        "formatted": format_address(loc, &a.street, &a.house_number, &a.city),
    }))
}

/// ISO 7064 MOD 97-10 check digits of an alphanumeric text (letters count 10-35).
pub fn mod97_check(text: &str) -> u32 {
    let mut r: u32 = 0;
    for c in text.chars() {
        match c.to_digit(36) {
            Some(d) if d >= 10 => r = (r * 100 + d) % 97,
            Some(d) => r = (r * 10 + d) % 97,
            None => {}
        }
    }
    98 - (r * 100) % 97
}

fn strings(v: Option<&Value>) -> Vec<Arc<str>> {
    match v {
        Some(Value::List(l)) => l.iter().filter_map(|x| x.as_str().map(Arc::from)).collect(),
        _ => Vec::new(),
    }
}

fn patient_item(ctx: &Ctx<'_>, i: u64) -> Result<Json, Fail> {
    // A patient is the person of the same index: same key, same person parameters.
    let key = ctx.key("person", i);
    let mut params = person_params(ctx, key);
    params.push(("min_conditions".into(), Value::Int(1)));
    if !ctx.c.conditions.is_empty() {
        params.push(("conditionsInclude".into(), Value::from(ctx.c.conditions.join(",").as_str())));
    }
    let g = gen(ctx, key, &params);
    let m = patient::patient(&g).map_err(generator_fail)?;
    let d = clinical();
    let c = country(g.loc);
    let conditions = strings(m.get("conditions"));
    let index_of = |name: &str| d.conditions.iter().position(|x| &*x.name[c] == name);
    let age = m.get("age").and_then(Value::as_i64).unwrap_or(0);
    let primary = match ctx.c.conditions.first() {
        // The condition the request asks for is the reason for care.
        Some(want) => {
            let wanted = d.find_conditions(want);
            conditions.iter().find(|n| index_of(n).is_some_and(|x| wanted.contains(&x))).cloned()
        }
        None => {
            let sex = m.get("gender").and_then(Value::as_str).and_then(sex_of);
            let w: Vec<f64> = conditions
                .iter()
                .map(|n| index_of(n).map(|x| d.conditions[x].prevalence(age, sex, c).max(1e-6)).unwrap_or(1e-6))
                .collect();
            weighted_index(&mut stream(key, "facade.primary_condition"), &w).map(|j| conditions[j].clone())
        }
    };
    let Some(primary) = primary.or_else(|| conditions.first().cloned()) else {
        return Err(Fail::new(
            ErrorCode::InvalidConstraints,
            "/constraints",
            "no condition is possible for this patient",
        ));
    };
    let id = ctx.id("patient", i);
    let body = format!("{}-{}-{}", ctx.c.id_namespace, g.loc.code, upper_hex8(&id));
    let check = mod97_check(&body);
    Ok(json!({
        "id": id.to_string(),
        "human_id": format!("{body}-{check:02}"),
        "person_id": ctx.id("person", i).to_string(),
        "address_id": ctx.id("address", i).to_string(),
        "age": age,
        "primary_condition": &*primary,
        "conditions": conditions.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
        "insurance_provider": m.get("insurance_provider").and_then(Value::as_str).unwrap_or_default(),
        "locale": ctx.locale,
    }))
}

fn field<'a>(m: &'a crate::vm::value::Map, path: &[&str]) -> Option<&'a str> {
    let (last, init) = path.split_last()?;
    let mut cur = m;
    for k in init {
        match cur.get(*k) {
            Some(Value::Map(inner)) => cur = inner,
            _ => return None,
        }
    }
    cur.get(*last).and_then(Value::as_str)
}

fn doctor_item(ctx: &Ctx<'_>, i: u64) -> Result<Json, Fail> {
    let key = ctx.key("doctor", i);
    let mut params = Vec::new();
    if !ctx.c.specialties.is_empty() {
        params.push(("specialty".to_string(), Value::from(ctx.c.specialties.join(",").as_str())));
    }
    let g = gen(ctx, key, &params);
    let m = doctor::doctor(&g).map_err(generator_fail)?;
    let license = field(&m, &["license_number"]).unwrap_or_default();
    let license = match &ctx.c.license_prefix {
        Some(p) => format!("{p}-{license}"),
        None => license.to_string(),
    };
    let id = ctx.id("doctor", i);
    Ok(json!({
        "id": id.to_string(),
        "human_id": format!("DOC-{}", upper_hex8(&id)),
        "first_name": field(&m, &["given_name"]).unwrap_or_default(),
        "last_name": field(&m, &["family_name"]).unwrap_or_default(),
        "full_name": field(&m, &["full_name"]).unwrap_or_default(),
        "title": field(&m, &["person_data", "academic_title"]).unwrap_or_default(),
        "specialty": field(&m, &["specialty"]).unwrap_or_default(),
        "license_number": license,
        "hospital": field(&m, &["hospital", "name"]).unwrap_or_default(),
        "locale": ctx.locale,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mod97_check_digits_verify() {
        for body in ["PAT-US-E299DC26", "PAT-DE-00000000", "CLINIC-VN-ABCDEF01"] {
            let check = mod97_check(body);
            assert!((2..=98).contains(&check));
            // Appending the check digits makes the whole number ≡ 1 (mod 97).
            let full = format!("{body}{check:02}");
            let mut r = 0u32;
            for c in full.chars().filter_map(|c| c.to_digit(36)) {
                r = if c >= 10 { (r * 100 + c) % 97 } else { (r * 10 + c) % 97 };
            }
            assert_eq!(r, 1, "{full}");
        }
    }
}
