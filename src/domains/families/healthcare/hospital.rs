//! `Hospital` (domains.md §4.12): a hospital of a type of the country, named after its own city
//! or province (never a state code), with the type's departments, service catalogue, bed
//! capacity, staff, accreditations and a website/e-mail domain derived from its name.

use std::sync::Arc;

use super::catalog::{catalog, HospitalType, NamePattern};
use super::data::{country, weighted_index};
use super::{ascii_slug, ids, s, sample, str_list};
use crate::domains::entities::Address;
use crate::domains::entities::{concept, landline, map, mobile_number, stream, stream_at, Gen};
use crate::domains::locale::{ascii_fold, City};
use crate::vm::value::{Map, Value};

/// A generated hospital and the facts other entities build on.
pub struct Hospital {
    pub map: Map,
    pub name: String,
    pub type_id: Arc<str>,
    pub city: City,
    /// The web/e-mail domain (`springfieldgeneral.org`).
    pub domain: String,
    pub teaching: bool,
}

/// Departments every kind of hospital may have for a visiting specialist.
const SUPPORT: &[&str] =
    &["radiology", "anesthesiology", "laboratory", "pharmacy", "administration", "icu", "emergency"];

fn domain_of(code: &str, name: &str, type_id: &str) -> String {
    match code {
        "DE" => {
            let mut slug = String::new();
            for ch in ascii_fold(name).to_ascii_lowercase().chars() {
                if ch.is_ascii_alphanumeric() {
                    slug.push(ch);
                } else if !slug.ends_with('-') && !slug.is_empty() {
                    slug.push('-');
                }
            }
            format!("{}.de", slug.trim_end_matches('-'))
        }
        "VN" => {
            let folded = ascii_fold(name).to_ascii_lowercase();
            let rest = folded.strip_prefix("benh vien").unwrap_or(&folded);
            format!("bv{}.vn", ascii_slug(rest))
        }
        _ => {
            const GENERIC: &[&str] = &["hospital", "medical", "center", "the", "of", "and"];
            let slug: String = name
                .split_whitespace()
                .filter(|w| !GENERIC.contains(&w.to_ascii_lowercase().as_str()))
                .flat_map(|w| {
                    ascii_fold(w).to_ascii_lowercase().chars().filter(char::is_ascii_alphabetic).collect::<Vec<_>>()
                })
                .collect();
            let slug = if slug.is_empty() { "hospital".to_string() } else { slug };
            let tld = match type_id {
                "veterans" => "gov",
                "specialty" => "com",
                _ => "org",
            };
            format!("{slug}.{tld}")
        }
    }
}

/// Moves an address to `city`, redrawing its numbers from the same streams in that city's area code.
pub fn relocate(g: &Gen<'_>, ak: u64, addr: &mut Address, city: &City) {
    addr.city = city.clone();
    addr.phone = landline(g.loc, &mut stream(ak, "phone"), city);
    addr.fax = landline(g.loc, &mut stream(ak, "fax"), city);
    addr.mobile = mobile_number(g.loc, &mut stream(ak, "mobile_phone"), city);
    addr.office_phone = landline(g.loc, &mut stream(ak, "office_phone"), city);
    addr.private_phone = landline(g.loc, &mut stream(ak, "private_phone"), city);
}

/// A city of at least `min_pop` inhabitants, in `state` when one is given and has such a city.
fn city_of_size(g: &Gen<'_>, k: u64, min_pop: i64, state: Option<&str>) -> Option<City> {
    let mut st = stream(k, "hospital.city");
    for want_state in [state, None] {
        for _ in 0..400 {
            let c = g.loc.cities.pick(&mut st)?;
            if c.population >= min_pop && want_state.is_none_or(|s| *c.state == *s) {
                return Some(c.clone());
            }
        }
    }
    g.loc.cities.items.iter().filter(|c| c.population >= min_pop).max_by_key(|c| c.population).cloned()
}

/// Where a hospital stands and what it is: its type, name pattern and city (drawn from the
/// hospital's own address, moved to a city big enough for the type when needed).
pub struct Site<'c> {
    pub ty: &'static HospitalType,
    pub pattern: Option<&'static NamePattern>,
    /// The city its address drew.
    pub drawn: &'static City,
    /// The city it stands in when that is another one.
    pub moved: Option<City>,
    _home: std::marker::PhantomData<&'c City>,
}

impl Site<'_> {
    pub fn city(&self) -> &City {
        self.moved.as_ref().unwrap_or(self.drawn)
    }
}

/// The type, name pattern and city of the hospital under key `k` (see [`hospital`]).
pub fn site<'c>(g: &Gen<'_>, k: u64, need: Option<&str>, home: Option<&'c City>) -> Site<'c> {
    let cat = catalog();
    let c = country(g.loc);
    let pack = &cat.hospitals[c];
    let fits = |t: &HospitalType| {
        need.is_none_or(|n| {
            t.departments.iter().any(|d| d == n)
                || pack.names.iter().any(|p| p.type_id == t.id && p.focus.iter().any(|f| f == n))
        })
    };
    let in_home = |t: &HospitalType| home.is_none_or(|h| h.population >= t.min_city_pop);
    let mut weights: Vec<f64> = pack
        .types
        .iter()
        .map(|t| {
            if !fits(t) {
                0.0
            } else if in_home(t) {
                t.weight
            } else {
                t.weight * 0.1
            }
        })
        .collect();
    if weights.iter().all(|w| *w <= 0.0) {
        weights = pack.types.iter().map(|t| t.weight).collect();
    }
    let ty = &pack.types[weighted_index(&mut stream_at(k, concept!("hospital.type")), &weights).unwrap_or(0)];
    let patterns: Vec<&NamePattern> = pack.names.iter().filter(|p| p.type_id == ty.id).collect();
    let allowed = |p: &NamePattern| {
        need.is_none_or(|n| p.focus.is_empty() || p.focus.iter().any(|f| f == n) || SUPPORT.contains(&n))
    };
    let mut pw: Vec<f64> = patterns.iter().map(|p| if allowed(p) { p.weight } else { 0.0 }).collect();
    if pw.iter().all(|w| *w <= 0.0) {
        pw = patterns.iter().map(|p| p.weight).collect();
    }
    let pattern = patterns.get(weighted_index(&mut stream_at(k, concept!("hospital.name")), &pw).unwrap_or(0)).copied();
    let drawn = g.address_city(hospital_address_key(k));
    let here = home.unwrap_or(drawn);
    let city = if here.population >= ty.min_city_pop {
        Some(here.clone())
    } else {
        city_of_size(g, k, ty.min_city_pop, home.map(|h| &*h.state))
    };
    let moved = city.filter(|ci| ci.name != drawn.name || ci.state != drawn.state);
    Site { ty, pattern, drawn, moved, _home: std::marker::PhantomData }
}

/// The key of a hospital's address.
fn hospital_address_key(k: u64) -> u64 {
    crate::domains::determinism::mix(k, concept!("hospital.address"))
}

/// The hospital's name: its pattern filled with its city and state.
pub fn site_name(g: &Gen<'_>, site: &Site<'_>) -> String {
    let city = site.city();
    let state_name = g.loc.state_name(&city.state).unwrap_or(&city.state);
    site.pattern
        .map(|p| p.pattern.replace("{city}", &city.name).replace("{state}", state_name))
        .unwrap_or_else(|| format!("{} Hospital", city.name))
}

/// A hospital under key `k`. `need`: a department the hospital must have (a doctor's specialty);
/// `home`: the town it should preferably stand in (a doctor's home town). Large and specialised
/// hospitals stand in cities big enough for them, in the home town's state when possible.
pub fn hospital(g: &Gen<'_>, k: u64, need: Option<&str>, home: Option<&City>) -> Hospital {
    let cat = catalog();
    let c = country(g.loc);
    let pack = &cat.hospitals[c];
    let st = site(g, k, need, home);
    let (ty, pattern) = (st.ty, st.pattern);
    let ak = hospital_address_key(k);
    let mut addr = g.address_in(ak, st.drawn.clone());
    if let Some(ci) = &st.moved {
        relocate(g, ak, &mut addr, ci);
    }
    let name = site_name(g, &st);
    let emergency = need == Some("emergency") || stream(k, "hospital.emergency").chance(ty.emergency);
    let teaching = stream(k, "hospital.teaching").chance(ty.teaching);
    // Departments: the name's focus, the needed one and the emergency department when there is
    // one, then a sample of the type's others.
    let mut ds = stream(k, "hospital.departments");
    let mut chosen: Vec<String> = Vec::new();
    let focus = pattern.map(|p| p.focus.clone()).unwrap_or_default();
    for d in focus.iter().map(String::as_str).chain(need).chain(emergency.then_some("emergency")) {
        if !chosen.iter().any(|x| x == d)
            && (d != "emergency" || ty.departments.iter().any(|x| x == d) || need == Some(d))
        {
            chosen.push(d.to_string());
        }
    }
    let pool: Vec<String> = ty
        .departments
        .iter()
        .filter(|d| !chosen.contains(d) && (emergency || d.as_str() != "emergency"))
        .cloned()
        .collect();
    let n = (ds.range_i64(ty.dept_count.0, ty.dept_count.1) as usize).min(chosen.len() + pool.len());
    let more = n.saturating_sub(chosen.len());
    chosen.extend(sample(&mut ds, &pool, more));
    let mut departments: Vec<Arc<str>> = chosen.iter().map(|d| cat.department(d, c)).collect();
    departments.sort();
    departments.dedup();
    let mut services: Vec<Arc<str>> = pack.services(&ty.id).to_vec();
    services.sort();
    let mut bs = stream(k, "hospital.beds");
    let cap = ((addr.city.population as f64 * 0.02) as i64).clamp(ty.beds.0, ty.beds.1);
    let beds = bs.range_i64(ty.beds.0, cap);
    let staff = (beds as f64 * bs.uniform(ty.staff_per_bed.0, ty.staff_per_bed.1)).round() as i64;
    let founded = g.now.year() as i64 - stream(k, "hospital.founded").range_i64(8, 160);
    let mut acs = stream(k, "hospital.accreditation");
    let primaries: Vec<_> = pack.accreditations.iter().filter(|a| a.primary && a.applies(&ty.id)).collect();
    let mut accreditation: Vec<Arc<str>> = Vec::new();
    if let Some(i) = weighted_index(&mut acs, &primaries.iter().map(|a| a.weight).collect::<Vec<_>>()) {
        accreditation.push(primaries[i].name.clone());
    }
    for a in pack.accreditations.iter().filter(|a| !a.primary && a.applies(&ty.id)) {
        if acs.chance(0.35) && accreditation.len() < 4 {
            accreditation.push(a.name.clone());
        }
    }
    accreditation.sort();
    let domain = domain_of(g.loc.code, &name, &ty.id);
    let mailbox = match g.loc.code {
        "VN" => "lienhe",
        _ => "info",
    };
    let id = format!("HOSP-{}", ids::hex_upper(&mut stream(k, "hospital.id"), 8));
    let map = map(vec![
        ("hospital_id", s(&id)),
        ("name", s(&name)),
        ("type", s(&ty.name)),
        ("departments", str_list(&departments)),
        ("services", str_list(&services)),
        ("bed_count", Value::Int(beds)),
        ("staff_count", Value::Int(staff)),
        ("founding_year", Value::Int(founded)),
        ("accreditation", str_list(&accreditation)),
        ("emergency_services", Value::Bool(emergency)),
        ("teaching_status", Value::Bool(teaching)),
        ("website", s(&format!("https://www.{domain}"))),
        ("phone", s(&addr.phone)),
        ("email", s(&format!("{mailbox}@{domain}"))),
        ("address", Value::map(addr.to_map(g.loc))),
    ]);
    Hospital { map, name, type_id: ty.id.clone(), city: addr.city, domain, teaching }
}
