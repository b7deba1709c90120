//! `Patient` (domains.md §4.10): a person with conditions drawn by age and sex prevalence,
//! medications for those conditions only, allergies that rule out the matching drug classes,
//! body measures by sex and age, an emergency contact whose relationship fits the patient's
//! age, and national identifiers of the patient's own country.

use std::collections::HashSet;

use jiff::civil::Time;

use super::data::{clinical, country, weighted_index, Clinical, Medication, Sex, Share};
use super::ids;
use super::{display_name, family_name, given_name, normal, param_str, round, s, str_list, with_params};
use crate::domains::determinism::Stream;
use crate::domains::entities::{concept, map, mobile_number, stream, stream_at, Gen, Person};
use crate::vm::value::{Map, Value};

/// Conditions selected by `conditionsInclude` / ruled out by `conditionsExclude`.
pub struct Demographics {
    /// One group of candidate conditions per included name (exclusions already removed).
    pub include: Vec<(String, Vec<usize>)>,
    pub excluded: Vec<bool>,
    /// At least this many conditions (`min_conditions`, default 0).
    pub min_conditions: usize,
}

fn names(text: Option<String>) -> Vec<String> {
    text.map(|t| t.split([',', ';']).map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect())
        .unwrap_or_default()
}

fn unknown(d: &Clinical, name: &str) -> String {
    let some: Vec<&str> = d.conditions.iter().take(8).map(|c| &*c.name[0]).collect();
    format!(
        "unknown condition '{name}' (use an ICD-10 code or a name such as {}, …)",
        some.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
    )
}

/// Reads `conditionsInclude` / `conditionsExclude`; unknown names are errors, exclusion wins.
pub fn demographics(g: &Gen<'_>, d: &Clinical) -> Result<Demographics, String> {
    let mut excluded = vec![false; d.conditions.len()];
    for name in names(param_str(g, "conditionsExclude")) {
        let found = d.find_conditions(&name);
        if found.is_empty() {
            return Err(unknown(d, &name));
        }
        for i in found {
            excluded[i] = true;
        }
    }
    let mut include = Vec::new();
    for name in names(param_str(g, "conditionsInclude")) {
        let found = d.find_conditions(&name);
        if found.is_empty() {
            return Err(unknown(d, &name));
        }
        let left: Vec<usize> = found.into_iter().filter(|i| !excluded[*i]).collect();
        if !left.is_empty() {
            include.push((name, left));
        }
    }
    let min_conditions = g.param_i64("min_conditions").unwrap_or(0).clamp(0, 5) as usize;
    Ok(Demographics { include, excluded, min_conditions })
}

pub fn sex_of(gender: &str) -> Option<Sex> {
    match gender {
        "female" => Some(Sex::Female),
        "male" => Some(Sex::Male),
        _ => None,
    }
}

/// The patient population: ages narrowed to where every included condition can occur, and the
/// sex fixed when an included condition is sex-specific.
pub fn population(g: &Gen<'_>, d: &Clinical, dem: &Demographics) -> Result<Vec<(String, Value)>, String> {
    let (lo0, hi0) = (g.param_i64("min_age").unwrap_or(18), g.param_i64("max_age").unwrap_or(65));
    let (mut lo, mut hi) = (lo0, hi0);
    let mut sex: Option<Sex> = None;
    for (name, grp) in &dem.include {
        let conds: Vec<_> = grp.iter().map(|i| &d.conditions[*i]).collect();
        lo = lo.max(conds.iter().map(|c| c.min_age).min().unwrap_or(0));
        hi = hi.min(conds.iter().map(|c| c.max_age).max().unwrap_or(130));
        if lo > hi {
            return Err(format!("conditionsInclude '{name}' cannot occur at ages {lo0}-{hi0}"));
        }
        for want in [Sex::Female, Sex::Male] {
            if conds.iter().all(|c| c.sex == Some(want)) {
                if sex.is_some_and(|s| s != want) {
                    return Err(format!("conditionsInclude '{name}' contradicts another included condition's sex"));
                }
                sex = Some(want);
            }
        }
    }
    let mut set = vec![("min_age", Value::Int(lo)), ("max_age", Value::Int(hi))];
    if let Some(sx) = sex {
        set.push(("female_quota", Value::Float(if sx == Sex::Female { 1.0 } else { 0.0 })));
        set.push(("other_gender_quota", Value::Float(0.0)));
    }
    Ok(with_params(g.params, &set))
}

/// Conditions drawn by prevalence, then the included ones added where they were not drawn.
pub fn conditions(
    k: u64,
    d: &Clinical,
    dem: &Demographics,
    age: i64,
    sex: Option<Sex>,
    c: usize,
) -> Result<Vec<usize>, String> {
    let mut st = stream_at(k, concept!("patient.conditions"));
    let mut present = vec![false; d.conditions.len()];
    for (i, cond) in d.conditions.iter().enumerate() {
        let u = st.f64();
        if !dem.excluded[i] && u < cond.prevalence(age, sex, c) {
            present[i] = true;
        }
    }
    let mut fs = stream(k, "patient.conditions_include");
    // `min_conditions`: a patient under treatment has at least that many diagnoses; missing
    // ones are drawn among the conditions possible at this age and sex, by prevalence.
    while present.iter().filter(|p| **p).count() < dem.min_conditions {
        let w: Vec<f64> = d
            .conditions
            .iter()
            .enumerate()
            .map(|(i, cond)| if present[i] || dem.excluded[i] { 0.0 } else { cond.prevalence(age, sex, c) })
            .collect();
        match weighted_index(&mut fs, &w) {
            Some(j) => present[j] = true,
            None => break,
        }
    }
    for (name, grp) in &dem.include {
        if grp.iter().any(|i| present[*i]) {
            continue;
        }
        let eligible: Vec<usize> = grp.iter().copied().filter(|i| d.conditions[*i].possible(age, sex)).collect();
        let w: Vec<f64> = eligible.iter().map(|i| d.conditions[*i].prevalence(age, sex, c).max(1e-6)).collect();
        match weighted_index(&mut fs, &w) {
            Some(j) => present[eligible[j]] = true,
            None => return Err(format!("conditionsInclude '{name}' cannot occur for this patient (age {age})")),
        }
    }
    Ok((0..present.len()).filter(|i| present[*i]).collect())
}

/// Two medicines of one chemical subgroup (ATC level 4) or one pharmacological class are never
/// prescribed together (two proton-pump inhibitors, two NSAIDs, an ACE inhibitor with a sartan).
pub fn same_class(a: &Medication, b: &Medication) -> bool {
    a.atc.get(..5) == b.atc.get(..5) || (a.class.is_some() && a.class == b.class)
}

/// Medications for the present conditions only, never of a class the patient is allergic to.
fn medications(k: u64, d: &Clinical, conds: &[usize], age: i64, allergy_classes: &HashSet<&str>) -> Vec<usize> {
    let mut st = stream(k, "patient.medications");
    let mut out: Vec<usize> = Vec::new();
    for &ci in conds {
        let cond = &d.conditions[ci];
        if st.f64() >= cond.treated {
            continue;
        }
        let mut cands: Vec<usize> = (0..d.medications.len())
            .filter(|m| {
                let med = &d.medications[*m];
                med.treats.contains(&ci)
                    && med.min_age <= age
                    && !med.class.as_deref().is_some_and(|cl| allergy_classes.contains(cl))
                    && !out.iter().any(|o| same_class(&d.medications[*o], med))
            })
            .collect();
        // Combination therapy is the rule for tuberculosis and basal-bolus insulin.
        let n = if matches!(&*cond.code, "A15" | "E10") || st.chance(0.25) { 2 } else { 1 };
        for _ in 0..n {
            let w: Vec<f64> = cands.iter().map(|m| d.medications[*m].weight).collect();
            let Some(j) = weighted_index(&mut st, &w) else { break };
            let m = cands.remove(j);
            cands.retain(|x| !same_class(&d.medications[*x], &d.medications[m]));
            out.push(m);
        }
    }
    out
}

// Median height (cm) by completed year of age 0-18 (growth-chart medians, rounded).
const BOYS_CM: [f64; 19] = [
    50.0, 76.0, 87.0, 96.0, 103.0, 110.0, 116.0, 122.0, 128.0, 133.0, 139.0, 144.0, 150.0, 156.0, 164.0, 170.0, 173.5,
    175.5, 176.0,
];
const GIRLS_CM: [f64; 19] = [
    49.0, 74.0, 86.0, 95.0, 102.0, 109.0, 115.0, 121.0, 127.0, 133.0, 138.0, 144.0, 151.0, 157.0, 160.0, 161.5, 162.0,
    162.5, 162.5,
];
// Median BMI by age 0-18.
const CHILD_BMI: [f64; 19] =
    [13.5, 17.0, 16.4, 16.0, 15.6, 15.4, 15.4, 15.6, 16.0, 16.5, 17.0, 17.6, 18.2, 18.8, 19.4, 20.0, 20.5, 21.0, 21.4];
// Adult mean height (cm) men/women: US (CDC), DE (Mikrozensus), VN (national nutrition survey).
const ADULT_CM: [[f64; 2]; 3] = [[175.4, 161.7], [178.9, 165.8], [168.1, 156.2]];
// Mean BMI of adults without obesity, and the mean excess over 30 of adults with obesity.
const ADULT_BMI: [f64; 3] = [25.6, 24.9, 21.6];
const OBESE_EXCESS: [f64; 3] = [4.5, 3.5, 1.8];

fn interp(table: &[f64; 19], years: f64) -> f64 {
    let i = (years.floor() as usize).min(17);
    let f = (years - i as f64).clamp(0.0, 1.0);
    table[i] + (table[i + 1] - table[i]) * f
}

/// `(height_cm, weight_kg, bmi)`: height by sex and age, BMI from the obesity diagnosis, weight
/// derived; all rounded to one decimal with `bmi == round(weight / height², 1)`.
pub fn body(
    k: u64,
    birthdate: jiff::civil::Date,
    gender: &str,
    now: jiff::civil::Date,
    obese: bool,
    c: usize,
) -> (f64, f64, f64) {
    let years = (super::days_between(birthdate, now) as f64 / 365.25).max(0.0);
    let sex = sex_of(gender);
    let mut hs = stream(k, "patient.height");
    let z = normal(&mut hs).clamp(-2.5, 2.5);
    let adult_mean = match sex {
        Some(Sex::Male) => ADULT_CM[c][0],
        Some(Sex::Female) => ADULT_CM[c][1],
        None => (ADULT_CM[c][0] + ADULT_CM[c][1]) / 2.0,
    };
    let height = if years < 18.0 {
        let curve = match sex {
            Some(Sex::Male) => interp(&BOYS_CM, years),
            Some(Sex::Female) => interp(&GIRLS_CM, years),
            None => (interp(&BOYS_CM, years) + interp(&GIRLS_CM, years)) / 2.0,
        };
        let us_mean = match sex {
            Some(Sex::Male) => ADULT_CM[0][0],
            Some(Sex::Female) => ADULT_CM[0][1],
            None => (ADULT_CM[0][0] + ADULT_CM[0][1]) / 2.0,
        };
        let median = curve * adult_mean / us_mean;
        median * (1.0 + 0.04 * z)
    } else {
        let sd = if sex == Some(Sex::Female) { 6.8 } else { 7.3 };
        adult_mean + sd * z - 0.12 * (years - 60.0).max(0.0)
    };
    let height = round(height, 1);
    let mut bs = stream(k, "patient.bmi");
    let target = if years < 18.0 {
        let median = interp(&CHILD_BMI, years);
        if obese {
            median * bs.uniform(1.3, 1.55)
        } else {
            median * (1.0 + 0.09 * normal(&mut bs)).clamp(0.8, 1.22)
        }
    } else if obese {
        (30.0 - OBESE_EXCESS[c] * (1.0 - bs.f64()).max(1e-9).ln()).min(60.0)
    } else {
        (ADULT_BMI[c] + 3.2 * normal(&mut bs)).clamp(17.0, 29.8)
    };
    let m2 = (height / 100.0).powi(2);
    let mut weight = round(target * m2, 1);
    let bmi_of = |w: f64| round(w / m2, 1);
    if years >= 18.0 {
        // Keep the rounded BMI on the side of 30 the diagnosis says.
        while obese && bmi_of(weight) < 30.0 {
            weight = round(weight + 0.1, 1);
        }
        while !obese && bmi_of(weight) >= 30.0 {
            weight = round(weight - 0.1, 1);
        }
    }
    (height, weight, bmi_of(weight))
}

fn age_group(age: i64) -> usize {
    match age {
        ..=17 => 0,
        18..=64 => 1,
        _ => 2,
    }
}

/// The emergency contact: a relationship allowed at the patient's age, a name of the contact's
/// gender that carries the patient's family name where the relationship implies it, a mobile number.
fn emergency_contact(g: &Gen<'_>, d: &Clinical, p: &Person, c: usize) -> Map {
    let k = g.key;
    let sex = sex_of(p.gender);
    let weights: Vec<f64> = d
        .relationships
        .iter()
        .map(|r| {
            if p.age < r.min_age || p.age > r.max_age {
                return 0.0;
            }
            let w = r.weights[age_group(p.age)];
            if !r.spouse {
                return w;
            }
            match sex {
                Some(sx) if (sx == Sex::Female) != r.female => w * 0.97,
                Some(_) => w * 0.03,
                None => w * 0.5,
            }
        })
        .collect();
    let mut st = stream(k, "patient.emergency_contact");
    let rel = &d.relationships[weighted_index(&mut st, &weights).unwrap_or(0)];
    let share = if c == 2 {
        match rel.share_vn {
            Share::P(x) => x,
            Share::Paternal => f64::from(u8::from(sex == Some(Sex::Male))),
        }
    } else {
        rel.share_west
    };
    let family = if st.chance(share) { p.family.to_string() } else { family_name(g.loc, &mut st) };
    let (mut given, mut middle) = given_name(g.loc, &mut st, rel.female);
    for _ in 0..4 {
        if given != *p.given {
            break;
        }
        (given, middle) = given_name(g.loc, &mut st, rel.female);
    }
    let name = display_name(g.loc, &given, middle.as_deref(), &family);
    let phone = mobile_number(g.loc, &mut stream(k, "patient.emergency_contact.phone"), &p.address.city);
    map(vec![("name", s(&name)), ("relationship", s(&rel.name[c])), ("phone", s(&phone))])
}

/// A Vietnamese health insurance card number: beneficiary group (2 letters), benefit level,
/// province (2 digits) and the 10-digit social insurance number.
fn bhyt(st: &mut Stream, age: i64, province: &str) -> String {
    let groups: &[(&str, char, f64)] = match age {
        ..=5 => &[("TE", '1', 1.0)],
        6..=17 => &[("HS", '4', 1.0)],
        18..=22 => &[("SV", '4', 0.6), ("GD", '4', 0.4)],
        23..=59 => &[("DN", '4', 0.5), ("HC", '4', 0.1), ("GD", '4', 0.35), ("HN", '2', 0.05)],
        _ => &[("HT", '3', 0.65), ("GD", '4', 0.35)],
    };
    let w: Vec<f64> = groups.iter().map(|x| x.2).collect();
    let (code, level, _) = groups[weighted_index(st, &w).unwrap_or(0)];
    let prov = &province[province.len().saturating_sub(2)..];
    format!("{code}{level}{prov}{prov}{}", ids::digits(st, 8))
}

/// `PAT-` and eight upper-case hex digits.
pub fn patient_id(k: u64) -> String {
    format!("PAT-{}", ids::hex_upper(&mut stream_at(k, concept!("patient.id")), 8))
}

/// `MRN-` and eight digits.
pub fn mrn(k: u64) -> String {
    format!("MRN-{}", ids::digits(&mut stream_at(k, concept!("patient.mrn")), 8))
}

/// The blood type, by the country's shares.
pub fn blood_type(k: u64, c: usize) -> std::sync::Arc<str> {
    clinical().blood_types[c]
        .pick(&mut stream_at(k, concept!("patient.blood_type")))
        .cloned()
        .unwrap_or_else(|| "O+".into())
}

pub fn patient(g: &Gen<'_>) -> Result<Map, String> {
    let d = clinical();
    let c = country(g.loc);
    let k = g.key;
    let dem = demographics(g, d)?;
    let params = population(g, d, &dem)?;
    let p = Gen { key: k, now: g.now, loc: g.loc, params: &params }.person()?;
    let sex = sex_of(p.gender);
    let conds = conditions(k, d, &dem, p.age, sex, c)?;
    let mut als = stream(k, "patient.allergies");
    let allergies: Vec<usize> = (0..d.allergies.len())
        .filter(|i| {
            let a = &d.allergies[*i];
            let base = if p.age < 18 { a.p_child } else { a.p_adult };
            als.f64() < base / 100.0 * a.country[c]
        })
        .collect();
    let classes: HashSet<&str> = allergies.iter().filter_map(|i| d.allergies[*i].class.as_deref()).collect();
    let meds = medications(k, d, &conds, p.age, &classes);
    let obese = d.condition_index("E66").is_some_and(|e| conds.contains(&e));
    let (height, weight, bmi) = body(k, p.birthdate, p.gender, g.now.date(), obese, c);
    let blood = blood_type(k, c);
    let mut is = stream(k, "patient.insurance");
    let w: Vec<f64> = d.insurers[c].iter().map(|x| x.weights[age_group(p.age)]).collect();
    let insurer = &d.insurers[c][weighted_index(&mut is, &w).unwrap_or(0)];
    let mut ss = stream(k, "patient.ssn");
    let female = sex == Some(Sex::Female);
    let province = d.vn_provinces.pick(&mut stream(k, "patient.ssn_province")).cloned().unwrap_or_else(|| "001".into());
    let national_id = match c {
        1 => ids::kvnr(&mut ss),
        2 => ids::cccd(&mut ss, &province, female, p.birthdate),
        _ => ids::ssn(&mut ss),
    };
    let mut ps = stream(k, "patient.policy_number");
    let policy = match &*insurer.kind {
        "gkv" => national_id.clone(),
        "pkv" => format!("{}{}", 1 + ps.below(9), ids::digits(&mut ps, 9)),
        "vn_bhyt" => bhyt(&mut ps, p.age, &province),
        "vn_private" => format!("{}-{}", ids::letters(&mut ps, 2), ids::digits(&mut ps, 9)),
        _ => format!("{}-{}", ids::letters(&mut ps, 3), ids::digits(&mut ps, 9)),
    };
    let names = |idx: &[usize], f: &dyn Fn(usize) -> std::sync::Arc<str>| -> Value {
        str_list(&idx.iter().map(|i| f(*i)).collect::<Vec<_>>())
    };
    Ok(map(vec![
        ("patient_id", s(&patient_id(k))),
        ("medical_record_number", s(&mrn(k))),
        ("ssn", s(&national_id)),
        ("given_name", s(&p.given)),
        ("family_name", s(&p.family)),
        ("full_name", s(&p.full_name)),
        ("gender", s(p.gender)),
        ("birthdate", Value::DateTime(p.birthdate.to_datetime(Time::midnight()))),
        ("age", Value::Int(p.age)),
        ("blood_type", s(&blood)),
        ("height_cm", Value::Float(height)),
        ("weight_kg", Value::Float(weight)),
        ("bmi", Value::Float(bmi)),
        ("allergies", names(&allergies, &|i| d.allergies[i].name[c].clone())),
        ("medications", names(&meds, &|i| d.medications[i].name[c].clone())),
        ("conditions", names(&conds, &|i| d.conditions[i].name[c].clone())),
        ("emergency_contact", Value::map(emergency_contact(g, d, &p, c))),
        ("insurance_provider", s(&insurer.name)),
        ("insurance_policy_number", s(&policy)),
        ("primary_doctor", Value::Null),
        ("address", Value::map(p.address.to_map(g.loc))),
    ]))
}
