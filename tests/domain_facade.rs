//! The domain facade (`datamimic domain`, `datamimic::domains::generate`): schema conformance of
//! requests, responses and errors, determinism (byte-identical responses, prefix-stable items,
//! canonical hashes), the links between patients, persons and addresses, every constraint, every
//! error code, the command line, and golden responses.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use datamimic::domains::determinism::sha256_hex;
use datamimic::domains::entities::completed_years;
use datamimic::domains::facade::{canonical, ErrorCode, FacadeError, Request, Response};
use datamimic::domains::generate;
use jiff::civil::Date;
use serde_json::{json, Value as Json};

const LOCALES: [&str; 3] = ["en_US", "de_DE", "vi_VN"];
const DOMAINS: [&str; 4] = ["person", "address", "patient", "doctor"];
const CLOCK: &str = "2025-01-01T12:00:00Z";

fn body(domain: &str, locale: &str, count: i64, seed: Json) -> Json {
    json!({"domain": domain, "version": "v1", "count": count, "seed": seed, "locale": locale, "clock": CLOCK})
}

fn with(mut v: Json, constraints: Json) -> Json {
    v["constraints"] = constraints;
    v
}

fn parse(v: &Json) -> Request {
    Request::from_json(&v.to_string()).unwrap_or_else(|e| panic!("{v}: {e}"))
}

fn run(v: &Json) -> Response {
    generate(&parse(v)).unwrap_or_else(|e| panic!("{v}: {e}"))
}

fn fail(v: &Json) -> FacadeError {
    match Request::from_json(&v.to_string()).and_then(|r| generate(&r)) {
        Ok(_) => panic!("accepted: {v}"),
        Err(e) => e,
    }
}

fn s<'a>(item: &'a Json, k: &str) -> &'a str {
    item[k].as_str().unwrap_or_else(|| panic!("{k} is not a string in {item}"))
}

fn int(item: &Json, k: &str) -> i64 {
    item[k].as_i64().unwrap_or_else(|| panic!("{k} is not an integer in {item}"))
}

fn schema(name: &str) -> jsonschema::Validator {
    let path = format!("{}/schema/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&v)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn assert_valid(v: &jsonschema::Validator, instance: &Json, what: &str) {
    let errors: Vec<String> = v.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{what} violates the schema: {errors:?}\n{instance}");
}

/// Requests with every kind of constraint, per domain.
fn sample_requests() -> Vec<Json> {
    let mut out = Vec::new();
    for l in LOCALES {
        for d in DOMAINS {
            out.push(body(d, l, 25, json!(42)));
            out.push(body(d, l, 3, json!("alpha")));
            out.push(body(d, l, 0, json!(7)));
        }
        let cc = &l[3..];
        let profile = match cc {
            "US" => "us_census_2020",
            "DE" => "de_zensus_2022",
            _ => "vn_census_2019",
        };
        out.push(with(body("person", l, 20, json!(1)), json!({"age": {"min": 30, "max": 40}, "sex": "F"})));
        out.push(with(body("person", l, 20, json!(1)), json!({"sex": ["M", "X"], "nationality": "anything"})));
        out.push(with(body("person", l, 20, json!(1)), json!({"profile_id": profile, "age": {"max": 30}})));
        out.push(with(body("person", l, 20, json!(1)), json!({"component_id": "urban_adult"})));
        out.push(with(body("patient", l, 20, json!(2)), json!({"conditions": ["E11"], "id_namespace": "CLINIC-7"})));
        out.push(with(body("patient", l, 20, json!(2)), json!({"component_id": "chronic_diabetes"})));
        out.push(with(body("patient", l, 20, json!(2)), json!({"profile_id": profile})));
        out.push(with(body("doctor", l, 20, json!(3)), json!({"specialty": ["cardiology"], "license_prefix": "LIC"})));
        out.push(with(body("address", l, 20, json!(4)), json!({"country": cc, "postal_code_prefix": "1"})));
    }
    out
}

#[test]
fn requests_responses_and_errors_follow_the_schemas() {
    let req_schema = schema("domain-request.schema.json");
    let resp_schema = schema("domain-response.schema.json");
    for r in sample_requests() {
        assert_valid(&req_schema, &r, "request");
        let resp = run(&r);
        let v: Json = serde_json::from_str(&resp.to_canonical()).expect("canonical response is JSON");
        assert_valid(&resp_schema, &v, "response");
        assert_eq!(v["items"].as_array().map(Vec::len), r["count"].as_u64().map(|c| c as usize));
    }
    // Requests the schema rejects are rejected by the facade too.
    let bad = [
        json!({"domain": "person", "version": "v1", "count": 1, "seed": 1, "locale": "en_US"}),
        json!({"domain": "person", "version": "v2", "count": 1, "seed": 1, "locale": "en_US", "clock": CLOCK}),
        json!({"domain": "person", "version": "v1", "count": 1001, "seed": 1, "locale": "en_US", "clock": CLOCK}),
        json!({"domain": "person", "version": "v1", "count": 1, "seed": 1.5, "locale": "en_US", "clock": CLOCK}),
        json!({"domain": "person", "version": "v1", "count": 1, "seed": 1, "locale": "en-US", "clock": CLOCK}),
        json!({"domain": "person", "version": "v1", "count": 1, "seed": 1, "locale": "en_US", "clock": "2025-01-01"}),
        json!({"domain": "person", "version": "v1", "count": 1, "seed": 1, "locale": "en_US", "clock": CLOCK, "x": 1}),
        json!({"domain": "robot", "version": "v1", "count": 1, "seed": 1, "locale": "en_US", "clock": CLOCK}),
        with(body("person", "en_US", 1, json!(1)), json!({"sex": "female"})),
        with(body("person", "en_US", 1, json!(1)), json!({"age": {"min": 10, "max": 130}})),
        with(body("person", "en_US", 1, json!(1)), json!({"conditions": ["E11"]})),
        with(body("person", "en_US", 1, json!(1)), json!({"profile_id": "a", "component_id": "b"})),
        with(body("patient", "en_US", 1, json!(1)), json!({"conditions": []})),
        with(body("patient", "en_US", 1, json!(1)), json!({"id_namespace": "pat"})),
        with(body("doctor", "en_US", 1, json!(1)), json!({"license_prefix": "A B"})),
        with(body("address", "en_US", 1, json!(1)), json!({"postal_code_prefix": "1a"})),
    ];
    for r in bad {
        assert!(!req_schema.is_valid(&r), "the schema accepts {r}");
        let e = fail(&r);
        assert_valid(&resp_schema, &e.to_json(), "error");
    }
    // Errors of requests the schema accepts (semantic checks) follow the response schema too.
    for r in [
        body("person", "fr_FR", 1, json!(1)),
        with(body("patient", "en_US", 1, json!(1)), json!({"conditions": ["no such illness"]})),
        with(body("person", "en_US", 1, json!(1)), json!({"component_id": "no_such_segment"})),
    ] {
        assert!(req_schema.is_valid(&r), "{r}");
        assert_valid(&resp_schema, &fail(&r).to_json(), "error");
    }
}

#[test]
fn the_same_request_gives_the_same_bytes() {
    for r in sample_requests() {
        let a = run(&r).to_canonical();
        let b = run(&r).to_canonical();
        assert_eq!(a, b);
    }
    // Key order and whitespace of the request do not matter; the values do.
    let a = Request::from_json(
        r#"{"seed":5,"domain":"person","count":2,"version":"v1","clock":"2025-01-01T12:00:00Z","locale":"de_DE"}"#,
    )
    .expect("valid");
    let b = Request::from_json(
        r#"{ "domain" : "person", "version":"v1", "count":2, "seed":5, "locale":"de_DE", "clock":"2025-01-01T12:00:00Z" }"#,
    )
    .expect("valid");
    assert_eq!(a.hash(), b.hash());
    assert_eq!(generate(&a).expect("ok").to_canonical(), generate(&b).expect("ok").to_canonical());
}

#[test]
fn hashes_are_sha256_of_the_canonical_forms() {
    let r = body("person", "en_US", 4, json!(42));
    let resp = run(&r);
    assert_eq!(resp.request_hash, sha256_hex(canonical::to_string(&r).as_bytes()));
    assert_eq!(resp.determinism_proof.content_hash, canonical::hash(&Json::Array(resp.items.clone())));
    assert_eq!(resp.determinism_proof.seed_canonical, "42");
    let text = resp.to_canonical();
    assert!(!text.contains(": ") && !text.contains(", ") && !text.contains('\n'));
    let reparsed: Json = serde_json::from_str(&text).expect("json");
    assert_eq!(canonical::to_string(&reparsed), text, "the response is in canonical form");
}

#[test]
fn items_do_not_depend_on_count() {
    for l in LOCALES {
        for d in DOMAINS {
            let big = run(&body(d, l, 50, json!(42)));
            let small = run(&body(d, l, 3, json!(42)));
            assert_eq!(&big.items[..3], &small.items[..], "{d} {l}");
        }
    }
}

#[test]
fn integer_and_digit_string_seeds_give_the_same_items() {
    let a = run(&body("person", "en_US", 10, json!(42)));
    let b = run(&body("person", "en_US", 10, json!("42")));
    assert_eq!(a.items, b.items);
    assert_eq!(a.determinism_proof.content_hash, b.determinism_proof.content_hash);
    assert_ne!(a.request_hash, b.request_hash);
    let c = run(&body("person", "en_US", 10, json!("forty-two")));
    assert_ne!(a.items, c.items);
    let d = run(&body("person", "en_US", 10, json!(43)));
    assert_ne!(a.items, d.items);
}

#[test]
fn locales_and_domains_do_not_share_streams() {
    let us = run(&body("person", "en_US", 200, json!(9)));
    let de = run(&body("person", "de_DE", 200, json!(9)));
    let ids_us: Vec<&str> = us.items.iter().map(|i| s(i, "id")).collect();
    assert!(de.items.iter().all(|i| !ids_us.contains(&s(i, "id"))), "ids differ between locales");
    // Doctors are never the persons of the same index (a name can recur by chance).
    for l in LOCALES {
        let p = run(&body("person", l, 1000, json!(7)));
        let d = run(&body("doctor", l, 1000, json!(7)));
        let same = p.items.iter().zip(&d.items).filter(|(a, b)| s(a, "full_name") == s(b, "full_name")).count();
        assert!(same <= 10, "{l}: {same} doctors share the name of the person of their index");
    }
}

#[test]
fn patients_are_the_persons_and_addresses_of_their_index() {
    for l in LOCALES {
        for seed in [json!(1), json!("x")] {
            let persons = run(&body("person", l, 300, seed.clone()));
            let addresses = run(&body("address", l, 300, seed.clone()));
            let patients = run(&body("patient", l, 300, seed.clone()));
            for ((p, a), pat) in persons.items.iter().zip(&addresses.items).zip(&patients.items) {
                assert_eq!(s(pat, "person_id"), s(p, "id"));
                assert_eq!(s(pat, "address_id"), s(a, "id"));
                assert_eq!(int(pat, "age"), int(p, "age"), "{l}: patient age is the person's age");
                let conds: Vec<&str> =
                    pat["conditions"].as_array().expect("list").iter().filter_map(Json::as_str).collect();
                assert!(!conds.is_empty());
                assert!(conds.contains(&s(pat, "primary_condition")));
                let mut uniq = conds.clone();
                uniq.sort_unstable();
                uniq.dedup();
                assert_eq!(uniq.len(), conds.len(), "conditions are a set");
            }
            let hids: std::collections::BTreeSet<&str> = patients.items.iter().map(|p| s(p, "human_id")).collect();
            assert_eq!(hids.len(), 300, "{l}: human ids are distinct");
        }
    }
}

fn utc_date(clock: &str) -> Date {
    let ts: jiff::Timestamp = clock.parse().expect("clock");
    ts.to_zoned(jiff::tz::TimeZone::UTC).date()
}

#[test]
fn persons_follow_the_clock_and_their_constraints() {
    for l in LOCALES {
        for clock in [CLOCK, "2024-02-29T23:30:00-01:00", "2030-06-15T00:00:00+14:00"] {
            let mut r = with(body("person", l, 500, json!(11)), json!({"age": {"min": 0, "max": 120}}));
            r["clock"] = json!(clock);
            let today = utc_date(clock);
            for p in run(&r).items {
                let dob: Date = s(&p, "date_of_birth").parse().expect("date");
                assert_eq!(int(&p, "age"), completed_years(dob, today), "{l} {clock}: {p}");
                assert!((0..=120).contains(&int(&p, "age")));
                assert_eq!(s(&p, "human_id"), format!("PER-{}", s(&p, "id")[..8].to_ascii_uppercase()));
            }
        }
        let r = with(body("person", l, 400, json!(12)), json!({"age": {"min": 30, "max": 40}, "sex": "F"}));
        for p in run(&r).items {
            assert!((30..=40).contains(&int(&p, "age")), "{p}");
            assert_eq!(s(&p, "sex"), "F");
        }
        let r = with(body("person", l, 400, json!(12)), json!({"sex": ["M", "X"]}));
        let sexes: BTreeMap<String, usize> = run(&r).items.iter().fold(BTreeMap::new(), |mut m, p| {
            *m.entry(s(p, "sex").to_string()).or_default() += 1;
            m
        });
        assert_eq!(sexes.keys().cloned().collect::<Vec<_>>(), ["M", "X"], "{sexes:?}");
        assert!(sexes.values().all(|n| *n > 150), "{sexes:?}");
        // Default: F and M in about equal shares, ages 18-85.
        let items = run(&body("person", l, 1000, json!(13))).items;
        let f = items.iter().filter(|p| s(p, "sex") == "F").count();
        assert!((430..=570).contains(&f), "{l}: {f} of 1000 are F");
        assert!(items.iter().all(|p| (18..=85).contains(&int(p, "age")) && s(p, "sex") != "X"));
        // A missing bound defaults sensibly.
        for (c, lo, hi) in [(json!({"min": 90}), 90, 120), (json!({"max": 10}), 0, 10), (json!({"min": 40}), 40, 85)] {
            let r = with(body("person", l, 100, json!(14)), json!({ "age": c }));
            assert!(run(&r).items.iter().all(|p| (lo..=hi).contains(&int(p, "age"))), "{c}");
        }
    }
}

#[test]
fn profiles_and_components_shape_the_population() {
    for (l, profile, minors) in
        [("en_US", "us_census_2020", 0.221), ("de_DE", "de_zensus_2022", 0.166), ("vi_VN", "vn_census_2019", 0.275)]
    {
        let r = with(body("person", l, 1000, json!(21)), json!({"profile_id": profile, "age": {"min": 0, "max": 100}}));
        let items = run(&r).items;
        let share = items.iter().filter(|p| int(p, "age") < 18).count() as f64 / 1000.0;
        assert!((share - minors).abs() < 0.05, "{l}: {share} under 18, census {minors}");
        // The profile follows the seed (the reference replaced the seed by the profile).
        let other = run(&with(body("person", l, 5, json!(22)), json!({"profile_id": profile})));
        assert_ne!(items[..5], other.items[..]);
        let r = with(body("person", l, 300, json!(21)), json!({"component_id": "urban_adult"}));
        assert!(run(&r).items.iter().all(|p| (25..=45).contains(&int(p, "age"))));
        let r =
            with(body("person", l, 300, json!(21)), json!({"component_id": "women", "age": {"min": 50, "max": 60}}));
        assert!(run(&r).items.iter().all(|p| s(p, "sex") == "F" && (50..=60).contains(&int(p, "age"))));
        // The reference always rejected chronic_diabetes; here every such patient has the diagnosis.
        let r = with(body("patient", l, 200, json!(23)), json!({"component_id": "chronic_diabetes"}));
        let diabetes = datamimic::domains::families::healthcare::data::clinical()
            .conditions
            .iter()
            .find(|c| &*c.code == "E11")
            .map(|c| c.name.clone())
            .expect("E11");
        for p in run(&r).items {
            assert!((45..=70).contains(&int(&p, "age")), "{p}");
            assert!(p["conditions"].as_array().expect("list").iter().any(|c| diabetes.iter().any(|n| c == &**n)));
        }
    }
}

#[test]
fn patient_doctor_and_address_constraints_hold() {
    let d = datamimic::domains::families::healthcare::data::clinical();
    let name_of = |code: &str, c: usize| d.conditions.iter().find(|x| &*x.code == code).map(|x| x.name[c].to_string());
    for (c, l) in LOCALES.iter().enumerate() {
        let r = with(
            body("patient", l, 200, json!(31)),
            json!({"conditions": ["e11", "Asthma"], "id_namespace": "CLINIC-7"}),
        );
        for p in run(&r).items {
            let conds: Vec<&str> = p["conditions"].as_array().expect("list").iter().filter_map(Json::as_str).collect();
            let e11 = name_of("E11", c).expect("E11");
            let j45 = name_of("J45", c).expect("J45");
            assert!(conds.contains(&e11.as_str()) && conds.contains(&j45.as_str()), "{p}");
            assert_eq!(s(&p, "primary_condition"), e11, "the first requested condition is the primary one");
            let hid = s(&p, "human_id");
            assert!(hid.starts_with(&format!("CLINIC-7-{}-", &l[3..])), "{hid}");
            let (body_part, check) = hid.rsplit_once('-').expect("check digits");
            let mut rem = 0u32;
            for ch in format!("{body_part}{check}").chars().filter_map(|ch| ch.to_digit(36)) {
                rem = if ch >= 10 { (rem * 100 + ch) % 97 } else { (rem * 10 + ch) % 97 };
            }
            assert_eq!(rem, 1, "{hid}: ISO 7064 MOD 97-10");
        }
        let r = with(body("doctor", l, 100, json!(32)), json!({"specialty": "CARDIOLOGY", "license_prefix": "LIC"}));
        let items = run(&r).items;
        let specialty = s(&items[0], "specialty").to_string();
        for doc in &items {
            assert_eq!(s(doc, "specialty"), specialty);
            assert!(s(doc, "license_number").starts_with("LIC-"));
        }
        let r = with(body("doctor", l, 200, json!(32)), json!({"specialty": ["cardiology", "pediatrics"]}));
        let kinds: std::collections::BTreeSet<String> =
            run(&r).items.iter().map(|x| s(x, "specialty").to_string()).collect();
        assert_eq!(kinds.len(), 2, "{kinds:?}");
        assert!(kinds.contains(&specialty));
        let cc = &l[3..];
        let prefix = match cc {
            "DE" => "01",
            "US" => "9",
            _ => "10",
        };
        let r = with(
            body("address", l, 200, json!(33)),
            json!({"country": cc.to_lowercase(), "postal_code_prefix": prefix}),
        );
        for a in run(&r).items {
            assert!(s(&a, "postal_code").starts_with(prefix), "{a}");
            assert_eq!(s(&a, "country"), cc);
        }
        let r = with(body("address", "en_US", 50, json!(33)), json!({"postal_code_prefix": 9}));
        assert!(run(&r).items.iter().all(|a| s(a, "postal_code").starts_with('9')));
    }
}

#[test]
fn addresses_are_written_as_their_country_writes_them() {
    for l in LOCALES {
        for a in run(&body("address", l, 300, json!(41))).items {
            let (line1, city, state, zip, f) =
                (s(&a, "line1"), s(&a, "city"), s(&a, "state"), s(&a, "postal_code"), s(&a, "formatted"));
            assert_eq!(zip.len(), 5);
            // City, state and postal code are one row of the pack (the reference drew them apart).
            let pack = datamimic::domains::locale::locale(&l[3..]);
            assert!(
                pack.cities.items.iter().any(|c| &*c.name == city && &*c.state == state && &*c.postal_code == zip),
                "{l}: {city} / {state} / {zip}"
            );
            match l {
                "en_US" => {
                    assert!(line1.starts_with(|c: char| c.is_ascii_digit()), "{line1}");
                    assert_eq!(f, format!("{line1}, {city}, {state} {zip}"));
                }
                "de_DE" => {
                    assert!(
                        line1.ends_with(|c: char| c.is_ascii_alphanumeric()) && !line1.starts_with(char::is_numeric)
                    );
                    assert_eq!(f, format!("{line1}, {zip} {city}"));
                }
                _ => {
                    assert!(line1.contains(" Đường "), "{line1}");
                    assert!(f.starts_with(&format!("{line1}, {city}, ")), "{f}");
                }
            }
        }
    }
}

fn code_and_path(v: &Json) -> (&'static str, String) {
    let e = fail(v);
    (e.code.as_str(), e.path)
}

#[test]
fn every_error_code_the_facade_emits() {
    let p = |c: Json| with(body("person", "en_US", 1, json!(1)), c);
    let cases: Vec<(Json, &str, &str)> = vec![
        (json!([1, 2]), "invalid_request", ""),
        (body("robot", "en_US", 1, json!(1)), "unsupported_domain", "/domain"),
        (json!({"domain": "person"}), "schema_validation_failed", "/version"),
        (
            json!({"domain": "person", "version": "v1", "count": 1, "seed": 1, "locale": "en_US", "clock": CLOCK, "extra": true}),
            "schema_validation_failed",
            "/extra",
        ),
        (body("person", "en_US", 1, json!(1.5)), "schema_validation_failed", "/seed"),
        (body("person", "en_US", 1, json!(null)), "schema_validation_failed", "/seed"),
        (body("person", "EN_us", 1, json!(1)), "schema_validation_failed", "/locale"),
        (with(body("person", "en_US", 1, json!(1)), json!("old")), "schema_validation_failed", "/constraints"),
        (body("person", "en_US", -1, json!(1)), "invalid_count", "/count"),
        (body("person", "en_US", 1001, json!(1)), "invalid_count", "/count"),
        (
            json!({"domain": "person", "version": "v1", "count": 2.5, "seed": 1, "locale": "en_US", "clock": CLOCK}),
            "invalid_count",
            "/count",
        ),
        (
            json!({"domain": "person", "version": "v1", "count": "3", "seed": 1, "locale": "en_US", "clock": CLOCK}),
            "invalid_count",
            "/count",
        ),
        (body("person", "fr_FR", 1, json!(1)), "unsupported_locale", "/locale"),
        (p(json!({"height": 3})), "invalid_constraints", "/constraints/height"),
        (p(json!({"age": {"min": 50, "max": 40}})), "invalid_constraints", "/constraints/age"),
        (p(json!({"age": {"min": -1}})), "invalid_constraints", "/constraints/age/min"),
        (p(json!({"age": {"avg": 3}})), "invalid_constraints", "/constraints/age/avg"),
        (p(json!({"sex": []})), "invalid_constraints", "/constraints/sex"),
        (p(json!({"sex": "f"})), "invalid_constraints", "/constraints/sex"),
        (p(json!({"nationality": 1})), "invalid_constraints", "/constraints/nationality"),
        (
            with(body("patient", "en_US", 1, json!(1)), json!({"conditions": ["Asthma", "Dragon pox"]})),
            "invalid_constraints",
            "/constraints/conditions",
        ),
        (
            with(body("patient", "en_US", 1, json!(1)), json!({"conditions": [""]})),
            "invalid_constraints",
            "/constraints/conditions/0",
        ),
        (
            with(body("doctor", "en_US", 1, json!(1)), json!({"specialty": ["cardiology", "astrology"]})),
            "invalid_constraints",
            "/constraints/specialty/1",
        ),
        (
            with(body("address", "de_DE", 1, json!(1)), json!({"country": "US"})),
            "invalid_constraints",
            "/constraints/country",
        ),
        (
            with(body("address", "de_DE", 1, json!(1)), json!({"postal_code_prefix": "00"})),
            "invalid_constraints",
            "/constraints/postal_code_prefix",
        ),
        (with(body("address", "de_DE", 1, json!(1)), json!({"sex": "F"})), "invalid_constraints", "/constraints/sex"),
        (
            p(json!({"profile_id": "us_census_2020", "component_id": "urban_adult"})),
            "invalid_profile_selector",
            "/constraints",
        ),
        (p(json!({"profile_id": "US Census"})), "invalid_profile_id", "/constraints/profile_id"),
        (p(json!({"profile_id": 7})), "invalid_profile_id", "/constraints/profile_id"),
        (p(json!({"profile_id": "de_zensus_2022"})), "unknown_profile", "/constraints/profile_id"),
        (p(json!({"component_id": "Urban-Adult"})), "invalid_component_id", "/constraints/component_id"),
        (p(json!({"component_id": "astronauts"})), "unknown_component", "/constraints/component_id"),
        (p(json!({"component_id": "chronic_diabetes"})), "invalid_component_constraints", "/constraints/component_id"),
        (
            p(json!({"component_id": "children", "age": {"min": 30, "max": 40}})),
            "invalid_component_constraints",
            "/constraints/component_id",
        ),
        (p(json!({"component_id": "men", "sex": "F"})), "invalid_component_constraints", "/constraints/component_id"),
        (
            p(json!({"profile_id": "us_census_2020", "age": {"min": 110, "max": 120}})),
            "invalid_constraints",
            "/constraints/age",
        ),
    ];
    for (req, code, path) in cases {
        let (c, pth) = code_and_path(&req);
        assert_eq!((c, pth.as_str()), (code, path), "{req}");
    }
    // Text that is not JSON: invalid_request, hashed as raw bytes.
    let e = Request::from_json("{not json").expect_err("rejected");
    assert_eq!(e.code, ErrorCode::InvalidRequest);
    assert_eq!(e.request_hash, sha256_hex(b"{not json"));
    let e = Request::from_bytes(b"\xff\xfe").expect_err("rejected");
    assert_eq!(e.code, ErrorCode::InvalidRequest);
    // Every error carries the hash of the canonical request and a message.
    let r = body("person", "fr_FR", 1, json!(1));
    let e = fail(&r);
    assert_eq!(e.request_hash, canonical::hash(&r));
    assert!(e.hint.as_deref().is_some_and(|h| h.contains("de_DE")));
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_datamimic"))
}

fn run_cli(args: &[&str], stdin: &str) -> (i32, String) {
    let mut child =
        bin().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    if let Some(mut i) = child.stdin.take() {
        i.write_all(stdin.as_bytes()).expect("stdin");
    }
    let out = child.wait_with_output().expect("wait");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn the_command_line_reads_a_file_or_stdin() {
    let r = body("doctor", "de_DE", 3, json!(5)).to_string();
    let want = run(&body("doctor", "de_DE", 3, json!(5))).to_canonical() + "\n";
    let (code, out) = run_cli(&["domain"], &r);
    assert_eq!((code, out.as_str()), (0, want.as_str()));
    let (code, out) = run_cli(&["domain", "-"], &r);
    assert_eq!((code, out.as_str()), (0, want.as_str()));
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("req.json");
    std::fs::write(&file, &r).expect("write");
    let (code, out) = run_cli(&["domain", file.to_str().expect("utf-8 path")], "");
    assert_eq!((code, out.as_str()), (0, want.as_str()));
    let (code, pretty) = run_cli(&["domain", "--pretty", file.to_str().expect("utf-8 path")], "");
    assert_eq!(code, 0);
    assert!(pretty.contains("\n  \"determinism_proof\""));
    let v: Json = serde_json::from_str(&pretty).expect("json");
    assert_eq!(canonical::to_string(&v) + "\n", want);
    // Errors: JSON on stdout, exit status 1; an unreadable file is a usage error (2).
    let (code, out) = run_cli(&["domain"], r#"{"domain":"robot"}"#);
    assert_eq!(code, 1);
    let e: Json = serde_json::from_str(&out).expect("error json");
    assert_eq!(e["code"], "schema_validation_failed");
    let (code, out) = run_cli(&["domain"], "nonsense");
    assert_eq!(code, 1);
    assert!(out.contains("\"code\":\"invalid_request\""));
    let (code, _) = run_cli(&["domain", dir.path().join("missing.json").to_str().expect("path")], "");
    assert_eq!(code, 2);
}

#[test]
fn golden_responses() {
    for d in DOMAINS {
        let mut all = Vec::new();
        for l in LOCALES {
            let resp = run(&body(d, l, 5, json!(42)));
            all.push(canonical::sorted(&resp.to_json()));
        }
        let text = serde_json::to_string_pretty(&all).expect("json");
        insta::assert_snapshot!(format!("facade_{d}"), text.replace(datamimic::VERSION, "[version]"));
    }
}
