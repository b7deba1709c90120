//! End-to-end tests of the `datamimic` binary: determinism, diagnostics, atomic output.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_datamimic"))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli").join(name)
}

fn model(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models").join(name)
}

fn run(model: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    bin().arg("run").arg(model).arg("--out").arg(out).args(extra).output().expect("binary runs")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().to_string()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn quickstart_is_byte_identical_across_runs() {
    let a = tempfile::tempdir().expect("tmp");
    let b = tempfile::tempdir().expect("tmp");
    let ra = run(&model("quickstart.xml"), a.path(), &[]);
    assert!(ra.status.success(), "{}", String::from_utf8_lossy(&ra.stderr));
    let rb = run(&model("quickstart.xml"), b.path(), &[]);
    assert!(rb.status.success());
    assert_eq!(files(a.path()), vec!["customers.csv", "customers.json", "manifest.json", "orders.csv"]);
    for f in files(a.path()) {
        assert_eq!(read(&a.path().join(&f)), read(&b.path().join(&f)), "{f} differs between runs");
    }
    insta::assert_snapshot!("quickstart_customers_csv", read(&a.path().join("customers.csv")));
    insta::assert_snapshot!("quickstart_orders_csv", read(&a.path().join("orders.csv")));
    insta::assert_snapshot!("quickstart_customers_json", read(&a.path().join("customers.json")));
    let manifest = read(&a.path().join("manifest.json"));
    let manifest = manifest.replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::assert_snapshot!("quickstart_manifest", manifest);
}

#[test]
fn another_seed_gives_other_values() {
    let a = tempfile::tempdir().expect("tmp");
    let b = tempfile::tempdir().expect("tmp");
    assert!(run(&model("quickstart.xml"), a.path(), &["--seed", "1"]).status.success());
    assert!(run(&model("quickstart.xml"), b.path(), &["--seed", "2"]).status.success());
    let (x, y) = (read(&a.path().join("customers.csv")), read(&b.path().join("customers.csv")));
    assert_ne!(x, y);
    // Increments do not depend on the seed.
    let ids = |s: &str| s.lines().skip(1).map(|l| l.split(',').next().unwrap_or("").to_string()).collect::<Vec<_>>();
    assert_eq!(ids(&x), ids(&y));
}

#[test]
fn malformed_xml_is_reported_with_its_position_and_writes_nothing() {
    let out = tempfile::tempdir().expect("tmp");
    let r = run(&fixture("malformed.xml"), out.path(), &[]);
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr).replace(env!("CARGO_MANIFEST_DIR"), "[root]");
    insta::assert_snapshot!("malformed_xml", err);
    assert!(files(out.path()).is_empty());
}

#[test]
fn bad_expression_is_reported_inside_the_attribute() {
    let out = tempfile::tempdir().expect("tmp");
    let r = run(&fixture("bad_expr.xml"), out.path(), &[]);
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr).replace(env!("CARGO_MANIFEST_DIR"), "[root]");
    // `nmae` starts at line 4, column 31 (after `script="`, 1-based).
    assert!(err.contains("bad_expr.xml:4:31: error[DM502]: unknown name 'nmae'"), "{err}");
    insta::assert_snapshot!("bad_expression", err);
    assert!(files(out.path()).is_empty());
    let chk = bin().arg("check").arg(fixture("bad_expr.xml")).arg("--format").arg("json").output().expect("runs");
    assert_eq!(chk.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&chk.stdout).expect("json");
    assert_eq!(json["diagnostics"][0]["code"], "DM502");
    assert_eq!(json["diagnostics"][0]["line"], 4);
    assert_eq!(json["diagnostics"][0]["column"], 31);
    assert_eq!(json["diagnostics"][0]["help"], "did you mean 'name'?");
}

#[test]
fn a_run_time_error_leaves_no_output_at_all() {
    let out = tempfile::tempdir().expect("tmp");
    let r = run(&fixture("runtime_error.xml"), out.path(), &[]);
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("integer division or modulo by zero"), "{err}");
    assert!(err.contains("row 2 of 'second'"), "{err}");
    // Not even the first, complete product: the run is all or nothing.
    assert!(files(out.path()).is_empty(), "{:?}", files(out.path()));
}

#[test]
fn check_accepts_the_example_models() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let mut n = 0;
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("models").filter_map(|e| e.ok()) {
        let p = entry.path();
        match std::fs::read_dir(&p) {
            Ok(sub) => paths.extend(sub.filter_map(|e| e.ok()).map(|e| e.path())),
            Err(_) => paths.push(p),
        }
    }
    for p in paths {
        if p.extension().is_some_and(|e| e == "xml") {
            let r = bin().arg("check").arg(&p).output().expect("runs");
            assert!(r.status.success(), "{}: {}", p.display(), String::from_utf8_lossy(&r.stderr));
            n += 1;
        }
    }
    assert!(n >= 6, "{n} models");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(bin().arg("run").arg("/nonexistent/model.xml").output().expect("runs").status.code(), Some(2));
    assert_eq!(bin().arg("frobnicate").output().expect("runs").status.code(), Some(2));
    assert_eq!(bin().arg("check").arg("/nonexistent.xml").output().expect("runs").status.code(), Some(2));
}

/// The domain demos run from a fresh checkout; their manifests (the BLAKE3 of every output)
/// pin their bytes, and the invariants they advertise hold.
#[test]
fn domain_demos_run_and_keep_their_bytes() {
    for demo in ["finance/accounts.xml", "healthcare/encounters.xml", "insurance/policies.xml", "ecommerce/orders.xml"]
    {
        let out = tempfile::tempdir().expect("tmp");
        let r = run(&model(demo), out.path(), &[]);
        assert!(r.status.success(), "{demo}: {}", String::from_utf8_lossy(&r.stderr));
        let manifest = read(&out.path().join("manifest.json")).replace(env!("CARGO_PKG_VERSION"), "[version]");
        insta::assert_snapshot!(format!("demo_{}", demo.replace(['/', '.'], "_")), manifest);
        if demo.starts_with("finance") {
            let v: serde_json::Value = serde_json::from_str(&read(&out.path().join("accounts.json"))).expect("json");
            for a in v.as_array().expect("array") {
                let opening = a["opening_balance"].as_f64().expect("opening");
                let signed: f64 = a["transactions"]
                    .as_array()
                    .expect("transactions")
                    .iter()
                    .map(|t| {
                        let amount = t["amount"].as_f64().expect("amount");
                        if t["direction"] == "credit" {
                            amount
                        } else {
                            -amount
                        }
                    })
                    .sum();
                let balance = a["balance"].as_f64().expect("balance");
                assert!((opening + signed - balance).abs() < 0.005, "{a}");
            }
        }
        if demo.starts_with("healthcare") {
            check_healthcare_demo(out.path());
        }
        if demo.starts_with("ecommerce") {
            let v: serde_json::Value = serde_json::from_str(&read(&out.path().join("orders.json"))).expect("json");
            for o in v.as_array().expect("array") {
                let items: f64 =
                    o["items"].as_array().expect("items").iter().map(|i| i["price"].as_f64().unwrap_or(0.0)).sum();
                let total = items + o["tax"].as_f64().unwrap_or(0.0) + o["shipping"].as_f64().unwrap_or(0.0)
                    - o["discount"].as_f64().unwrap_or(0.0);
                assert!((total - o["total"].as_f64().unwrap_or(0.0)).abs() < 0.011, "{o}");
            }
        }
    }
}

/// The healthcare demo's promises, record by record: age is the whole years from birthdate to
/// the run's clock, BMI follows height and weight, every encounter belongs to a patient, the
/// encounters of a patient are numbered 1..=k with k in 1..=4, and dates fall in 2024.
fn check_healthcare_demo(dir: &Path) {
    let manifest: serde_json::Value = serde_json::from_str(&read(&dir.join("manifest.json"))).expect("manifest");
    let clock = manifest["clock"].as_str().expect("clock");
    let (cy, cm, cd): (i32, u32, u32) =
        (clock[..4].parse().expect("y"), clock[5..7].parse().expect("m"), clock[8..10].parse().expect("d"));
    let rows = |file: &str| -> Vec<std::collections::HashMap<String, String>> {
        let mut r = csv::Reader::from_path(dir.join(file)).expect("csv");
        let headers = r.headers().expect("headers").clone();
        r.records()
            .map(|rec| {
                let rec = rec.expect("record");
                headers.iter().zip(rec.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
            })
            .collect()
    };
    let patients = rows("patients.csv");
    assert_eq!(patients.len(), 500);
    let mut ids = std::collections::HashSet::new();
    for p in &patients {
        assert!(ids.insert(p["patient_id"].clone()), "duplicate patient id {}", p["patient_id"]);
        let b = &p["birthdate"];
        let (y, m, d): (i32, u32, u32) =
            (b[..4].parse().expect("y"), b[5..7].parse().expect("m"), b[8..10].parse().expect("d"));
        let age = cy - y - i32::from((cm, cd) < (m, d));
        assert_eq!(p["age"].parse::<i32>().expect("age"), age, "{p:?}");
        let (h, w): (f64, f64) = (p["height_cm"].parse().expect("height"), p["weight_kg"].parse().expect("weight"));
        let bmi: f64 = p["bmi"].parse().expect("bmi");
        assert!((w / (h / 100.0).powi(2) - bmi).abs() < 0.2, "{p:?}");
        assert!(!p["doctor"].is_empty() && !p["hospital"].is_empty(), "{p:?}");
    }
    let encounters = rows("encounters.csv");
    let mut per_patient: std::collections::BTreeMap<String, Vec<u32>> = std::collections::BTreeMap::new();
    for e in &encounters {
        assert!(ids.contains(&e["patient_id"]), "encounter of an unknown patient: {e:?}");
        assert!(e["date"].starts_with("2024-"), "{e:?}");
        assert!(!e["cpt_code"].is_empty() && !e["device_id"].is_empty(), "{e:?}");
        per_patient.entry(e["patient_id"].clone()).or_default().push(e["encounter_no"].parse().expect("no"));
    }
    assert_eq!(per_patient.len(), patients.len(), "every patient has encounters");
    for (id, nos) in per_patient {
        assert!((1..=4).contains(&nos.len()), "{id}: {nos:?}");
        assert_eq!(nos, (1..=nos.len() as u32).collect::<Vec<_>>(), "{id}");
    }
}
