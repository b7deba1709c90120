//! Entity variables read field by field compute exactly the values of the whole object: every
//! path of every kind with parts, alone and together, over many records and all datasets.

use datamimic::builtins::functions::get_attr;
use datamimic::domains::determinism::{mix, PathKey};
use datamimic::domains::entities::generate;
use datamimic::domains::projection::{plan, project};
use datamimic::ir::model::EntitySpec;
use datamimic::ir::types::{entity, FieldTy};
use datamimic::Value;

fn now() -> jiff::civil::DateTime {
    jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0)
}

/// Every field path of `kind`, one level into nested entities.
fn paths(kind: &str) -> Vec<Vec<&'static str>> {
    let Some(s) = entity(kind) else { return vec![] };
    let mut out = Vec::new();
    for (f, t) in s.fields {
        out.push(vec![*f]);
        if let (FieldTy::M(Some(k)), true) = (t, kind != "Patient") {
            for (g, _) in entity(k).map(|e| e.fields).unwrap_or(&[]) {
                out.push(vec![*f, *g]);
            }
        }
    }
    out
}

fn read(v: &Value, path: &[&str]) -> String {
    let mut v = v.clone();
    for f in path {
        match get_attr(&v, f) {
            Ok(x) => v = x,
            Err(e) => return format!("error: {e}"),
        }
    }
    v.py_repr()
}

fn check(kind: &'static str, ds: &str, params: Vec<(String, Value)>, n: u64) {
    let spec = EntitySpec { kind, dataset: ds.into(), locale: "en".into(), params, key: PathKey(3), proj: None };
    let all = paths(kind);
    let together = plan(kind, false, all.clone());
    for i in 0..n {
        let key = mix(41, i);
        let whole = generate(&spec, key, now()).expect("entity");
        let (list, none) = project(&spec, &together, key, now()).expect("projection");
        assert!(none.is_none());
        let Value::List(items) = list else { panic!("list") };
        for (p, got) in all.iter().zip(items.iter()) {
            assert_eq!(got.py_repr(), read(&whole, p), "{kind} {ds} #{i} {p:?}");
        }
        // Alone (no other part computed first) and with the whole object.
        let p = &all[i as usize % all.len()];
        let (list, w) = project(&spec, &plan(kind, true, vec![p.clone()]), key, now()).expect("projection");
        let Value::List(items) = list else { panic!("list") };
        assert_eq!(items[0].py_repr(), read(&whole, p), "{kind} {ds} #{i} {p:?} alone");
        assert_eq!(w.map(|w| w.py_repr()), Some(whole.py_repr()));
    }
}

#[test]
fn person_and_address_fields_equal_the_whole_object() {
    for ds in ["US", "DE", "VN"] {
        check("Person", ds, vec![], 400);
        check(
            "Person",
            ds,
            vec![("min_age".into(), Value::Int(30)), ("other_gender_quota".into(), Value::Float(0.2))],
            200,
        );
        check("Address", ds, vec![], 400);
    }
}

#[test]
fn healthcare_fields_equal_the_whole_object() {
    for ds in ["US", "DE", "VN"] {
        check("Patient", ds, vec![], 200);
        check("Patient", ds, vec![("conditionsInclude".into(), Value::from("Asthma"))], 100);
        check("Doctor", ds, vec![], 200);
        check("MedicalProcedure", ds, vec![], 400);
        check("MedicalDevice", ds, vec![], 200);
    }
}
