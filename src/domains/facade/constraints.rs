//! Request constraints per domain (domains.md §3.3): validated, merged with a component, and
//! reduced to what the item builders need. Unknown constraints are `invalid_constraints`.

use serde_json::{json, Map as JsonMap, Value as Json};

use super::profiles::{segments, Profile};
use super::{pointer_escape, ErrorCode, Fail};
use crate::domains::families::healthcare::catalog::catalog;
use crate::domains::families::healthcare::data::clinical;
use crate::domains::locale::locale;

/// Default age range of persons and patients (the reference facade's 18-85).
pub const DEFAULT_AGE: (i64, i64) = (18, 85);
/// Bounds of `age.min` / `age.max`.
pub const AGE_LIMITS: (i64, i64) = (0, 120);

/// The constraints of one request, validated.
#[derive(Debug, Clone)]
pub struct Constraints {
    /// Age range (persons, patients).
    pub age: (i64, i64),
    /// Allowed sexes among `F`, `M`, `X` (default `F`, `M`), drawn uniformly.
    pub sexes: Vec<&'static str>,
    /// Age structure to draw ages from (`profile_id`).
    pub profile: Option<&'static Profile>,
    /// Conditions every patient has (codes or names, as given or from the component).
    pub conditions: Vec<String>,
    /// Prefix of a patient's `human_id`.
    pub id_namespace: String,
    /// Specialties a doctor may have (ids), empty = any.
    pub specialties: Vec<String>,
    pub license_prefix: Option<String>,
    /// Postal code prefix of addresses.
    pub postal_prefix: Option<String>,
}

fn allowed(domain: &str) -> &'static [&'static str] {
    match domain {
        "person" => &["sex", "age", "nationality", "profile_id", "component_id"],
        "patient" => &["age", "conditions", "id_namespace", "profile_id", "component_id"],
        "doctor" => &["specialty", "license_prefix"],
        _ => &["country", "postal_code_prefix"],
    }
}

fn bad(path: &str, message: impl Into<String>) -> Fail {
    Fail::new(ErrorCode::InvalidConstraints, path, message)
}

fn ident(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn age(v: &Json) -> Result<(i64, i64), Fail> {
    let Json::Object(m) = v else {
        return Err(bad("/constraints/age", "'age' must be an object {\"min\": …, \"max\": …}"));
    };
    if let Some(k) = m.keys().find(|k| *k != "min" && *k != "max") {
        return Err(bad(&format!("/constraints/age/{}", pointer_escape(k)), format!("unknown age bound '{k}'"))
            .hint("age takes min and max"));
    }
    let bound = |k: &str| -> Result<Option<i64>, Fail> {
        match m.get(k) {
            None => Ok(None),
            Some(Json::Number(n)) => match n.as_i64() {
                Some(a) if (AGE_LIMITS.0..=AGE_LIMITS.1).contains(&a) => Ok(Some(a)),
                _ => Err(bad(
                    &format!("/constraints/age/{k}"),
                    format!("age.{k} must be an integer from 0 to 120, got {n}"),
                )),
            },
            Some(other) => {
                Err(bad(&format!("/constraints/age/{k}"), format!("age.{k} must be an integer, got {other}")))
            }
        }
    };
    let (lo, hi) = (bound("min")?, bound("max")?);
    let lo2 = lo.unwrap_or(if hi.is_some_and(|h| h < DEFAULT_AGE.0) { AGE_LIMITS.0 } else { DEFAULT_AGE.0 });
    let hi2 = hi.unwrap_or(if lo2 > DEFAULT_AGE.1 { AGE_LIMITS.1 } else { DEFAULT_AGE.1 });
    if lo2 > hi2 {
        return Err(bad("/constraints/age", format!("age.min ({lo2}) is greater than age.max ({hi2})")));
    }
    Ok((lo2, hi2))
}

fn sexes(v: &Json, path: &str) -> Result<Vec<&'static str>, Fail> {
    let items: Vec<&Json> = match v {
        Json::Array(a) if !a.is_empty() => a.iter().collect(),
        Json::Array(_) => return Err(bad(path, "'sex' must not be an empty list")),
        other => vec![other],
    };
    let mut out = Vec::new();
    for x in items {
        let s = match x.as_str() {
            Some("F") => "F",
            Some("M") => "M",
            Some("X") => "X",
            _ => return Err(bad(path, format!("sex must be \"F\", \"M\" or \"X\" (or a list of them), got {x}"))),
        };
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out.sort_by_key(|s| ["F", "M", "X"].iter().position(|x| x == s));
    Ok(out)
}

fn strings(v: &Json, path: &str, what: &str) -> Result<Vec<String>, Fail> {
    let items: Vec<&Json> = match v {
        Json::Array(a) if !a.is_empty() => a.iter().collect(),
        Json::Array(_) => return Err(bad(path, format!("'{what}' must not be an empty list"))),
        Json::String(_) if what == "specialty" => vec![v],
        _ => return Err(bad(path, format!("'{what}' must be a list of strings"))),
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, x)| match x.as_str() {
            Some(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            _ => Err(bad(&format!("{path}/{i}"), format!("'{what}' entries must be non-empty strings, got {x}"))),
        })
        .collect()
}

/// A specialty given by id or by name in any pack language, case-insensitively.
fn specialty_id(name: &str) -> Option<String> {
    let n = name.to_lowercase();
    catalog()
        .specialty_list
        .iter()
        .find(|s| s.id.to_lowercase() == n || s.name.iter().any(|x| x.to_lowercase() == n))
        .map(|s| s.id.to_string())
}

/// Validates the constraints of a request for `domain` in `pack`.
pub fn parse(domain: &str, pack: &str, given: Option<&JsonMap<String, Json>>) -> Result<Constraints, Fail> {
    let mut c = Constraints {
        age: DEFAULT_AGE,
        sexes: vec!["F", "M"],
        profile: None,
        conditions: Vec::new(),
        id_namespace: "PAT".to_string(),
        specialties: Vec::new(),
        license_prefix: None,
        postal_prefix: None,
    };
    let empty = JsonMap::new();
    let m = given.unwrap_or(&empty);
    let ok = allowed(domain);
    if let Some(k) = m.keys().find(|k| !ok.contains(&k.as_str())) {
        return Err(bad(
            &format!("/constraints/{}", pointer_escape(k)),
            format!("unknown constraint '{k}' for {domain}"),
        )
        .hint(format!("{domain} takes {}", ok.join(", "))));
    }
    if let Some(v) = m.get("age") {
        c.age = age(v)?;
    }
    if let Some(v) = m.get("sex") {
        c.sexes = sexes(v, "/constraints/sex")?;
    }
    if let Some(v) = m.get("nationality") {
        // Accepted and ignored, as in the reference: nationality follows the locale.
        if !v.is_string() {
            return Err(bad("/constraints/nationality", "'nationality' must be a string"));
        }
    }
    if let Some(v) = m.get("conditions") {
        let names = strings(v, "/constraints/conditions", "conditions")?;
        let d = clinical();
        let unknown: Vec<&String> = names.iter().filter(|n| d.find_conditions(n).is_empty()).collect();
        if !unknown.is_empty() {
            return Err(bad("/constraints/conditions", format!("unknown condition '{}'", unknown[0]))
                .hint("use an ICD-10 category (E11, I10, J45, …) or a condition name")
                .details(json!({ "unknown": unknown })));
        }
        c.conditions = names;
    }
    if let Some(v) = m.get("id_namespace") {
        match v.as_str() {
            Some(s)
                if (1..=32).contains(&s.len())
                    && s.split('-')
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())) =>
            {
                c.id_namespace = s.to_string()
            }
            _ => {
                return Err(bad(
                    "/constraints/id_namespace",
                    format!("id_namespace must be upper-case letters and digits (groups joined by '-'), got {v}"),
                ))
            }
        }
    }
    if let Some(v) = m.get("specialty") {
        let names = strings(v, "/constraints/specialty", "specialty")?;
        for (i, n) in names.iter().enumerate() {
            match specialty_id(n) {
                Some(id) if !c.specialties.contains(&id) => c.specialties.push(id),
                Some(_) => {}
                None => {
                    let path = if v.is_array() {
                        format!("/constraints/specialty/{i}")
                    } else {
                        "/constraints/specialty".into()
                    };
                    let some: Vec<&str> = catalog().specialty_list.iter().take(6).map(|s| &*s.name[0]).collect();
                    return Err(
                        bad(&path, format!("unknown specialty '{n}'")).hint(format!("e.g. {}", some.join(", ")))
                    );
                }
            }
        }
    }
    if let Some(v) = m.get("license_prefix") {
        match v.as_str() {
            Some(s)
                if (1..=16).contains(&s.len())
                    && s.split('-').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric())) =>
            {
                c.license_prefix = Some(s.to_string())
            }
            _ => {
                return Err(bad(
                    "/constraints/license_prefix",
                    format!("license_prefix must be 1-16 letters and digits, got {v}"),
                ))
            }
        }
    }
    if let Some(v) = m.get("country") {
        let cc = v.as_str().map(|s| s.trim().to_ascii_uppercase());
        if cc.as_deref() != Some(pack) {
            return Err(bad("/constraints/country", format!("country {v} does not match the locale's country {pack}"))
                .hint("the locale decides the country; leave country out or give the locale's own"));
        }
    }
    if let Some(v) = m.get("postal_code_prefix") {
        let p = match v {
            Json::String(s) if !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit()) => s.clone(),
            Json::Number(n) if n.as_u64().is_some_and(|u| u < 100_000) => n.to_string(),
            _ => {
                return Err(bad(
                    "/constraints/postal_code_prefix",
                    format!("postal_code_prefix must be 1-5 digits, got {v}"),
                )
                .hint("give leading zeros as a string: \"01\""))
            }
        };
        if !locale(pack).cities.items.iter().any(|c| c.postal_code.starts_with(p.as_str())) {
            return Err(bad("/constraints/postal_code_prefix", format!("no {pack} postal code starts with '{p}'")));
        }
        c.postal_prefix = Some(p);
    }
    selector(&mut c, domain, pack, m)?;
    Ok(c)
}

/// `profile_id` xor `component_id`.
fn selector(c: &mut Constraints, domain: &str, pack: &str, m: &JsonMap<String, Json>) -> Result<(), Fail> {
    let seg = segments(pack);
    match (m.get("profile_id"), m.get("component_id")) {
        (Some(_), Some(_)) => Err(Fail::new(
            ErrorCode::InvalidProfileSelector,
            "/constraints",
            "give either profile_id or component_id, not both",
        )),
        (Some(v), None) => {
            let id = match v.as_str() {
                Some(s) if ident(s) => s,
                _ => {
                    return Err(Fail::new(
                        ErrorCode::InvalidProfileId,
                        "/constraints/profile_id",
                        format!("invalid profile id {v}"),
                    )
                    .hint("profile ids are lower-case letters, digits and '_'"))
                }
            };
            let Some(p) = seg.profile(id) else {
                let known: Vec<&str> = seg.profiles.iter().map(|p| p.id.as_str()).collect();
                return Err(Fail::new(
                    ErrorCode::UnknownProfile,
                    "/constraints/profile_id",
                    format!("unknown profile '{id}' for {pack}"),
                )
                .hint(format!("profiles: {}", known.join(", "))));
            };
            if p.clipped(c.age.0, c.age.1).is_empty() {
                return Err(bad("/constraints/age", format!("profile '{id}' has nobody aged {}-{}", c.age.0, c.age.1)));
            }
            c.profile = Some(p);
            Ok(())
        }
        (None, Some(v)) => {
            let id = match v.as_str() {
                Some(s) if ident(s) => s,
                _ => {
                    return Err(Fail::new(
                        ErrorCode::InvalidComponentId,
                        "/constraints/component_id",
                        format!("invalid component id {v}"),
                    )
                    .hint("component ids are lower-case letters, digits and '_'"))
                }
            };
            let Some(comp) = seg.component(id) else {
                let known: Vec<&str> = seg
                    .components
                    .iter()
                    .filter(|x| x.domains.iter().any(|d| d == domain))
                    .map(|x| x.id.as_str())
                    .collect();
                return Err(Fail::new(
                    ErrorCode::UnknownComponent,
                    "/constraints/component_id",
                    format!("unknown component '{id}' for {pack}"),
                )
                .hint(format!("components for {domain}: {}", known.join(", "))));
            };
            let conflict =
                |msg: String| Fail::new(ErrorCode::InvalidComponentConstraints, "/constraints/component_id", msg);
            if !comp.domains.iter().any(|d| d == domain) {
                return Err(conflict(format!(
                    "component '{id}' applies to {}, not to {domain}",
                    comp.domains.join(", ")
                )));
            }
            let (lo, hi) =
                if m.contains_key("age") { (c.age.0.max(comp.age.0), c.age.1.min(comp.age.1)) } else { comp.age };
            if lo > hi {
                return Err(conflict(format!(
                    "component '{id}' (ages {}-{}) and age {}-{} do not overlap",
                    comp.age.0, comp.age.1, c.age.0, c.age.1
                )));
            }
            c.age = (lo, hi);
            if !comp.sexes.is_empty() {
                let s: Vec<&'static str> =
                    c.sexes.iter().copied().filter(|s| comp.sexes.iter().any(|x| x == s)).collect();
                if s.is_empty() {
                    return Err(conflict(format!(
                        "component '{id}' (sex {}) excludes the requested sex",
                        comp.sexes.join(", ")
                    )));
                }
                c.sexes = s;
            }
            for cond in &comp.conditions {
                if clinical().find_conditions(cond).is_empty() {
                    return Err(conflict(format!("component '{id}' names an unknown condition '{cond}'")));
                }
                if !c.conditions.iter().any(|x| x.eq_ignore_ascii_case(cond)) {
                    c.conditions.push(cond.clone());
                }
            }
            Ok(())
        }
        (None, None) => Ok(()),
    }
}
