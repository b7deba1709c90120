//! The healthcare entities: schema conformance, realism rules over 10,000 seeded records per
//! entity and dataset, `conditionsInclude`/`conditionsExclude`, determinism, and golden samples.

use std::collections::HashSet;

use datamimic::domains::determinism::{mix, PathKey};
use datamimic::domains::entities::{completed_years, generate};
use datamimic::domains::families::healthcare::catalog::catalog;
use datamimic::domains::families::healthcare::data::clinical;
use datamimic::domains::families::healthcare::ids;
use datamimic::domains::families::healthcare::patient::same_class;
use datamimic::domains::locale::locale;
use datamimic::ir::model::EntitySpec;
use datamimic::ir::types::{entity, FieldTy};
use datamimic::Value;
use jiff::civil::{Date, DateTime};

const DATASETS: [&str; 3] = ["US", "DE", "VN"];
const N: u64 = 10_000;
const FAMILY: [&str; 5] = ["Patient", "Doctor", "Hospital", "MedicalDevice", "MedicalProcedure"];

fn spec(kind: &'static str, ds: &str, params: Vec<(String, Value)>) -> EntitySpec {
    EntitySpec { kind, dataset: ds.into(), locale: "en".into(), params, key: PathKey(11), proj: None }
}

fn now() -> DateTime {
    jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0)
}

fn gen(sp: &EntitySpec, i: u64) -> Value {
    generate(sp, mix(0x4EA1, i), now()).unwrap_or_else(|e| panic!("{} {}: {e}", sp.kind, sp.dataset))
}

fn get<'a>(m: &'a Value, k: &str) -> &'a Value {
    match m {
        Value::Map(mm) => mm.get(k).unwrap_or_else(|| panic!("field {k} missing")),
        _ => panic!("not a map"),
    }
}

fn st<'a>(m: &'a Value, k: &str) -> &'a str {
    get(m, k).as_str().unwrap_or_else(|| panic!("{k} is not a string"))
}

fn list<'a>(m: &'a Value, k: &str) -> Vec<&'a Value> {
    match get(m, k) {
        Value::List(l) => l.iter().collect(),
        other => panic!("{k} is not a list: {other:?}"),
    }
}

fn strs<'a>(m: &'a Value, k: &str) -> Vec<&'a str> {
    list(m, k).into_iter().map(|v| v.as_str().expect("string item")).collect()
}

fn int(m: &Value, k: &str) -> i64 {
    get(m, k).as_i64().unwrap_or_else(|| panic!("{k} is not an int"))
}

fn float(m: &Value, k: &str) -> f64 {
    match get(m, k) {
        Value::Float(f) => *f,
        other => panic!("{k} is not a float: {other:?}"),
    }
}

fn boolean(m: &Value, k: &str) -> bool {
    match get(m, k) {
        Value::Bool(b) => *b,
        other => panic!("{k} is not a bool: {other:?}"),
    }
}

fn date(s: &str) -> Date {
    s.parse().unwrap_or_else(|_| panic!("not a date: {s}"))
}

fn no_duplicates(items: &[&str], what: &str) {
    let set: HashSet<&&str> = items.iter().collect();
    assert_eq!(set.len(), items.len(), "duplicate {what}: {items:?}");
}

fn int_param(k: &str, v: i64) -> (String, Value) {
    (k.to_string(), Value::Int(v))
}

fn str_param(k: &str, v: &str) -> (String, Value) {
    (k.to_string(), Value::from(v))
}

/// Every field of the schema, in schema order, with its declared type.
fn check_schema(kind: &str, v: &Value) {
    let schema = entity(kind).expect("schema");
    let Value::Map(m) = v else { panic!("{kind} is not a map") };
    let keys: Vec<&str> = m.keys().map(|k| &**k).collect();
    let want: Vec<&str> = schema.fields.iter().map(|f| f.0).collect();
    assert_eq!(keys, want, "{kind} fields");
    for (name, ty) in schema.fields {
        let val = &m[*name];
        let ok = match ty {
            FieldTy::S => matches!(val, Value::Str(_)),
            FieldTy::I => matches!(val, Value::Int(_)),
            FieldTy::F => matches!(val, Value::Float(_)),
            FieldTy::B => matches!(val, Value::Bool(_)),
            FieldTy::Dt => matches!(val, Value::DateTime(_)),
            FieldTy::D => matches!(val, Value::Date(_)),
            FieldTy::L => matches!(val, Value::List(_)),
            // Nested entities of this family are checked field by field; people and
            // addresses belong to the demographic entities.
            FieldTy::M(Some(k)) => match val {
                Value::Map(_) if FAMILY.contains(k) => {
                    check_schema(k, val);
                    true
                }
                Value::Map(_) => true,
                _ => matches!(val, Value::Null),
            },
            FieldTy::M(None) => matches!(val, Value::Map(_)),
        };
        assert!(ok, "{kind}.{name}: {val:?} is not {ty:?}");
    }
}

#[test]
fn patients_follow_the_clinical_rules() {
    let d = clinical();
    let adult_only = ["G30", "G20", "I25", "J44", "I50", "I48", "M81", "M10", "H25", "H35.3", "E11"];
    for (ci, ds) in DATASETS.iter().enumerate() {
        let sp = spec("Patient", ds, vec![int_param("min_age", 0), int_param("max_age", 95)]);
        let mut old = (0usize, 0usize);
        let mut rh_neg = 0;
        for i in 0..N {
            let p = gen(&sp, i);
            check_schema("Patient", &p);
            let Value::DateTime(b) = get(&p, "birthdate") else { panic!() };
            let age = int(&p, "age");
            assert_eq!(age, completed_years(b.date(), now().date()));
            assert!((0..=95).contains(&age));
            let sex = st(&p, "gender");
            let conds = strs(&p, "conditions");
            no_duplicates(&conds, "conditions");
            let mut present = Vec::new();
            for name in &conds {
                let idx = d.conditions.iter().position(|c| &*c.name[ci] == *name).expect("known condition");
                let c = &d.conditions[idx];
                assert!(age >= c.min_age && age <= c.max_age, "{name} at age {age}");
                if age < 18 {
                    assert!(!adult_only.contains(&&*c.code), "adult-only {name} at {age}");
                }
                if let Some(want) = c.sex {
                    assert_eq!(
                        sex,
                        if want == datamimic::domains::families::healthcare::data::Sex::Female {
                            "female"
                        } else {
                            "male"
                        }
                    );
                }
                present.push(idx);
            }
            let allergies = strs(&p, "allergies");
            no_duplicates(&allergies, "allergies");
            let classes: HashSet<&str> = allergies
                .iter()
                .filter_map(|a| {
                    d.allergies.iter().find(|x| &*x.name[ci] == *a).expect("known allergy").class.as_deref()
                })
                .collect();
            let meds = strs(&p, "medications");
            no_duplicates(&meds, "medications");
            let med_rows: Vec<_> = meds
                .iter()
                .map(|m| d.medications.iter().find(|x| &*x.name[ci] == *m).expect("known medication"))
                .collect();
            for (a, m) in med_rows.iter().enumerate() {
                assert!(m.treats.iter().any(|t| present.contains(t)), "{} without its condition in {conds:?}", meds[a]);
                assert!(m.min_age <= age, "{} at {age}", meds[a]);
                assert!(!m.class.as_deref().is_some_and(|c| classes.contains(c)), "{} despite allergy", meds[a]);
                for b in med_rows.iter().skip(a + 1) {
                    assert!(!same_class(m, b), "two of a class: {meds:?}");
                }
            }
            let (h, w, bmi) = (float(&p, "height_cm"), float(&p, "weight_kg"), float(&p, "bmi"));
            assert!((w / (h / 100.0).powi(2) - bmi).abs() <= 0.05 + 1e-9, "bmi {bmi} vs {w}/{h}");
            assert_eq!((bmi * 10.0).round() / 10.0, bmi);
            if age >= 18 {
                assert!((130.0..=215.0).contains(&h), "height {h}");
                let obese = conds.contains(&&*d.conditions[d.condition_index("E66").expect("E66")].name[ci]);
                assert_eq!(obese, bmi >= 30.0, "obesity vs bmi {bmi}");
            } else {
                assert!((40.0..=200.0).contains(&h), "height {h} at {age}");
            }
            let ec = get(&p, "emergency_contact");
            let rel = st(ec, "relationship");
            let row = d.relationships.iter().find(|r| age >= r.min_age && age <= r.max_age && &*r.name[ci] == rel);
            assert!(row.is_some(), "{rel} at age {age}");
            if age < 18 {
                assert!(["mother", "father", "guardian_f", "guardian_m"].contains(&&*row.expect("row").id), "{rel}");
            }
            assert!(!st(ec, "name").is_empty() && st(ec, "phone").starts_with('+'));
            let ssn = st(&p, "ssn");
            match *ds {
                "US" => assert!(ids::ssn_valid(ssn), "{ssn}"),
                "DE" => assert!(ids::kvnr_valid(ssn), "{ssn}"),
                _ => {
                    assert!(ssn.len() == 12 && ssn.bytes().all(|x| x.is_ascii_digit()), "{ssn}");
                    let century = if b.year() >= 2000 { 2 } else { 0 };
                    let want = century + u32::from(sex == "female");
                    assert_eq!(ssn[3..4].parse::<u32>().ok(), Some(want), "{ssn}");
                    assert_eq!(&ssn[4..6], &format!("{:02}", b.year() % 100));
                }
            }
            let insurer = st(&p, "insurance_provider");
            let ins = d.insurers[ci].iter().find(|x| &*x.name == insurer).expect("insurer of the country");
            let policy = st(&p, "insurance_policy_number");
            match &*ins.kind {
                "gkv" => assert_eq!(policy, ssn),
                "us_member" => assert!(regex_like_letters_digits(policy), "{policy}"),
                "vn_bhyt" => assert_eq!(policy.len(), 15, "{policy}"),
                _ => assert!(!policy.is_empty()),
            }
            if age < 65 && *ds == "US" {
                assert_ne!(insurer, "Medicare");
            }
            let bt = st(&p, "blood_type");
            rh_neg += usize::from(bt.ends_with('-'));
            if age >= 65 && *ds == "US" {
                old.0 += 1;
                old.1 += usize::from(conds.contains(&"Hypertension"));
            }
        }
        if *ds == "VN" {
            assert!(rh_neg < (N as usize) / 200, "VN Rh- {rh_neg}");
        }
        if *ds == "US" {
            let share = old.1 as f64 / old.0 as f64;
            assert!((0.5..0.7).contains(&share), "hypertension share 65+: {share}");
        }
    }
}

fn regex_like_letters_digits(s: &str) -> bool {
    match s.split_once('-') {
        Some((a, b)) => {
            !a.is_empty()
                && a.chars().all(char::is_alphabetic)
                && !b.is_empty()
                && b.chars().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

#[test]
fn conditions_include_and_exclude() {
    let d = clinical();
    let sp = spec(
        "Patient",
        "US",
        vec![
            int_param("min_age", 70),
            int_param("max_age", 80),
            str_param("conditionsInclude", "Diabetes"),
            str_param("conditionsExclude", "Hypertension"),
        ],
    );
    let diabetes: Vec<&str> = d.find_conditions("diabetes").iter().map(|i| &*d.conditions[*i].name[0]).collect();
    for i in 0..2000 {
        let p = gen(&sp, i);
        let conds = strs(&p, "conditions");
        assert!(conds.iter().any(|c| diabetes.contains(c)), "{conds:?}");
        assert!(!conds.contains(&"Hypertension"));
        assert!((70..=80).contains(&int(&p, "age")));
    }
    // An include narrows the ages to where the condition occurs, a sex-specific one fixes the sex.
    let sp = spec("Patient", "DE", vec![str_param("conditionsInclude", "Alzheimer's disease,C61")]);
    for i in 0..500 {
        let p = gen(&sp, i);
        assert!(int(&p, "age") >= 45);
        assert_eq!(st(&p, "gender"), "male");
        let conds = strs(&p, "conditions");
        assert!(conds.contains(&"Alzheimer-Krankheit") && conds.contains(&"Prostatakrebs"), "{conds:?}");
    }
    // Exclusion wins over inclusion.
    let sp =
        spec("Patient", "US", vec![str_param("conditionsInclude", "Asthma"), str_param("conditionsExclude", "asthma")]);
    for i in 0..500 {
        assert!(!strs(&gen(&sp, i), "conditions").contains(&"Asthma"));
    }
    let bad = spec("Patient", "US", vec![str_param("conditionsInclude", "Dragon pox")]);
    assert!(generate(&bad, 1, now()).unwrap_err().contains("unknown condition 'Dragon pox'"));
    let minors = spec("Patient", "US", vec![int_param("max_age", 17), str_param("conditionsInclude", "Parkinson")]);
    assert!(generate(&minors, 1, now()).unwrap_err().contains("cannot occur at ages"));
}

#[test]
fn doctors_are_consistent_with_their_training_and_hospital() {
    let cat = catalog();
    for (ci, ds) in DATASETS.iter().enumerate() {
        let sp = spec("Doctor", ds, vec![]);
        let loc = locale(ds);
        for i in 0..N {
            let d = gen(&sp, i);
            check_schema("Doctor", &d);
            let Value::DateTime(b) = get(&d, "birthdate") else { panic!() };
            let age = int(&d, "age");
            assert!((28..=67).contains(&age), "{age}");
            let grad = int(&d, "graduation_year");
            let years = int(&d, "years_of_experience");
            assert!((24..=35).contains(&(grad - b.year() as i64)), "graduated at {}", grad - b.year() as i64);
            assert!(grad <= 2025);
            assert_eq!(years, 2025 - grad);
            let npi = st(&d, "npi_number");
            match *ds {
                "US" => assert!(ids::npi_valid(npi), "{npi}"),
                "DE" => assert!(ids::lanr_valid(npi), "{npi}"),
                _ => assert!(npi.is_empty()),
            }
            let name = st(&d, "specialty");
            let sp_row = cat.specialty_list.iter().find(|s| &*s.name[ci] == name).expect("known specialty");
            let female = st(&d, "gender") == "female";
            let primary: Vec<String> = sp_row.certs[ci]
                .iter()
                .map(|t| t.replace("{Facharzt}", if female { "Fachärztin" } else { "Facharzt" }))
                .collect();
            let certs = strs(&d, "certifications");
            no_duplicates(&certs, "certifications");
            if years >= sp_row.residency[ci] {
                for p in &primary {
                    assert!(certs.contains(&p.as_str()), "{name}: {p} missing in {certs:?}");
                }
            }
            for c in &certs {
                let ok = primary.iter().any(|p| p == c || p.replace("cấp I ", "cấp II ") == *c)
                    || cat.extra_certs[ci].iter().any(|e| &*e.name == *c && e.applies(&sp_row.id));
                assert!(ok, "{name}: certification {c} does not belong to the specialty");
            }
            let h = get(&d, "hospital");
            let dept = cat.department(&sp_row.department, ci);
            assert!(strs(h, "departments").contains(&&*dept), "{name}: {dept} not in hospital");
            // Doctors work in their home town, or commute to a city large enough for the hospital.
            let (hc, home) = (get(h, "address"), get(&d, "address"));
            if st(hc, "city") != st(home, "city") {
                let pop = |a: &Value| {
                    loc.cities
                        .items
                        .iter()
                        .find(|c| *c.name == *st(a, "city") && *c.state == *st(a, "state"))
                        .expect("city")
                        .population
                };
                assert!(pop(hc) > pop(home), "{} -> {}", st(home, "city"), st(hc, "city"));
            }
            let email = st(&d, "email");
            assert!(email.is_ascii() && email.ends_with(st(h, "email").split('@').nth(1).expect("domain")), "{email}");
            let lic = st(&d, "license_number");
            match *ds {
                "VN" => assert!(lic.ends_with("-CCHN"), "{lic}"),
                _ => assert!(regex_like_letters_digits(lic), "{lic}"),
            }
            if !sp_row.outpatient {
                assert!(!boolean(&d, "accepting_new_patients"));
            }
        }
    }
}

#[test]
fn hospitals_are_named_and_sized_by_their_type() {
    let cat = catalog();
    for (ci, ds) in DATASETS.iter().enumerate() {
        let loc = locale(ds);
        let codes: HashSet<&str> = loc.states.iter().map(|s| &*s.code).collect();
        let sp = spec("Hospital", ds, vec![]);
        for i in 0..N {
            let h = gen(&sp, i);
            check_schema("Hospital", &h);
            let name = st(&h, "name");
            for word in name.split([' ', '-']) {
                assert!(!codes.contains(word), "{name} is built from a state code");
            }
            let ty = cat.hospitals[ci].types.iter().find(|t| &*t.name == st(&h, "type")).expect("type");
            let beds = int(&h, "bed_count");
            assert!((ty.beds.0..=ty.beds.1).contains(&beds));
            let ratio = int(&h, "staff_count") as f64 / beds as f64;
            assert!(ratio >= ty.staff_per_bed.0 - 0.01 && ratio <= ty.staff_per_bed.1 + 0.01, "{ratio}");
            for f in ["departments", "services", "accreditation"] {
                let l = strs(&h, f);
                no_duplicates(&l, f);
                let mut sorted = l.clone();
                sorted.sort();
                assert_eq!(sorted, l, "{f} sorted");
                assert!(!l.is_empty(), "{f}");
            }
            if boolean(&h, "emergency_services") && ty.departments.iter().any(|d| d == "emergency") {
                assert!(strs(&h, "departments").contains(&&*cat.department("emergency", ci)));
            }
            let web = st(&h, "website");
            let domain = st(&h, "email").split('@').nth(1).expect("domain");
            assert_eq!(web, format!("https://www.{domain}"));
            if *ds == "US" {
                let host = web.trim_start_matches("https://");
                assert_eq!(host.split('.').count(), 3, "{web}");
                assert!(host.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphabetic())), "{web}");
            }
            assert!(int(&h, "founding_year") <= 2025);
        }
    }
}

#[test]
fn devices_live_on_one_ordered_timeline() {
    let cat = catalog();
    for (ci, ds) in DATASETS.iter().enumerate() {
        let sp = spec("MedicalDevice", ds, vec![]);
        let today = now().date();
        for i in 0..N {
            let d = gen(&sp, i);
            check_schema("MedicalDevice", &d);
            let made = date(st(&d, "manufacture_date"));
            let expires = date(st(&d, "expiration_date"));
            assert!(made < today && expires > today);
            let model = st(&d, "model_number");
            assert!(model.len() == 6 && model.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), "{model}");
            let serial = st(&d, "serial_number");
            assert_eq!(&serial[2..6], &format!("{:02}{:02}", made.year() % 100, made.month()), "{serial}");
            let history = list(&d, "maintenance_history");
            assert!(!history.is_empty() && history.len() <= 8);
            let dates: Vec<Date> = history.iter().map(|e| date(st(e, "date"))).collect();
            assert!(dates.windows(2).all(|w| w[0] < w[1]), "history order {dates:?}");
            assert!(dates[0] > made && *dates.last().expect("last") <= today);
            assert_eq!(date(st(&d, "last_maintenance_date")), *dates.last().expect("last"));
            assert!(date(st(&d, "next_maintenance_date")) > today);
            let dev = cat.devices.iter().find(|x| &*x.name[ci] == st(&d, "device_type")).expect("device type");
            let parts: Vec<&str> = dev.parts.iter().map(|p| &*cat.term("part", p).expect("part").name[ci]).collect();
            for e in &history {
                for p in strs(e, "parts_replaced") {
                    assert!(parts.contains(&p), "{p} is not a part of {}", dev.id);
                }
                assert!(float(e, "cost") > 0.0 && float(e, "duration_hours") > 0.0);
            }
            let logs = list(&d, "usage_logs");
            assert!((1..=10).contains(&logs.len()));
            let used: Vec<Date> = logs.iter().map(|e| date(st(e, "date"))).collect();
            assert!(used.windows(2).all(|w| w[0] < w[1]));
            assert!(used[0] > made && *used.last().expect("last") <= today, "use before manufacture");
            for e in &logs {
                let m: i64 = st(e, "duration_minutes").parse().expect("minutes");
                assert!((1..=300).contains(&m));
            }
            assert!(!st(&d, "assigned_to").is_empty());
        }
    }
}

#[test]
fn procedures_come_from_the_catalogue() {
    let cat = catalog();
    for (ci, ds) in DATASETS.iter().enumerate() {
        let sp = spec("MedicalProcedure", ds, vec![]);
        let mut seen = HashSet::new();
        for i in 0..N {
            let p = gen(&sp, i);
            check_schema("MedicalProcedure", &p);
            let row = cat.procedures.iter().find(|x| &*x.name[ci] == st(&p, "name")).expect("catalogue procedure");
            seen.insert(row.id.clone());
            assert_eq!(st(&p, "procedure_code"), &row.pcs[..6]);
            assert_eq!(boolean(&p, "is_surgical"), row.surgical);
            assert_eq!(boolean(&p, "requires_anesthesia"), &*row.anesthesia != "none");
            let dur = int(&p, "duration_minutes");
            assert!((row.duration.0..=row.duration.1).contains(&dur));
            assert!(float(&p, "cost") > 0.0);
            let cpt = st(&p, "cpt_code");
            assert!(cpt.len() == 5 && cpt.bytes().all(|b| b.is_ascii_digit()));
            if *ds == "US" {
                assert_eq!(st(&p, "name").split(' ').count(), 3);
                assert!(float(&p, "cost") < 72_000.0);
            }
        }
        assert_eq!(seen.len(), cat.procedures.len(), "every procedure occurs");
    }
}

#[test]
fn records_are_deterministic_and_keys_do_not_share_people() {
    for kind in ["Patient", "Doctor", "Hospital", "MedicalDevice", "MedicalProcedure"] {
        let sp = spec(kind, "US", vec![]);
        for i in 0..50 {
            assert_eq!(to_json(&gen(&sp, i)), to_json(&gen(&sp, i)), "{kind} is a function of its key");
        }
    }
    let (a, b) = (spec("Patient", "US", vec![]), spec("Doctor", "US", vec![]));
    let same = (0..1000)
        .filter(|i| {
            let (p, d) = (gen(&a, *i), gen(&b, *i));
            st(&p, "full_name") == st(&d, "full_name") && to_json(get(&p, "birthdate")) == to_json(get(&d, "birthdate"))
        })
        .count();
    assert_eq!(same, 0);
}

fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Int(i) => (*i).into(),
        Value::Float(f) => serde_json::Number::from_f64(*f).map(serde_json::Value::Number).unwrap_or_default(),
        Value::Str(s) => s.to_string().into(),
        Value::DateTime(d) => d.to_string().into(),
        Value::Date(d) => d.to_string().into(),
        Value::List(l) => l.iter().map(to_json).collect::<Vec<_>>().into(),
        Value::Map(m) => serde_json::Value::Object(m.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect()),
        other => other.py_str().into(),
    }
}

#[test]
fn golden_samples() {
    for kind in ["Patient", "Doctor", "Hospital", "MedicalDevice", "MedicalProcedure"] {
        let sp = spec(kind, "US", vec![]);
        let samples: Vec<serde_json::Value> = (0..20).map(|i| to_json(&gen(&sp, i))).collect();
        insta::assert_json_snapshot!(format!("healthcare_{kind}"), samples);
    }
}
