//! W2 persons (../shared/bench/WORKLOADS.md): N en_US persons with a US address to CSV,
//! single-threaded.
//!
//! `cargo bench --bench persons [-- N]` prints two figures, median of 5 runs after one warm-up:
//! * **W2 model**: `benches/models/w2_persons.xml` run by the engine into a CSV file (whole-run
//!   wall time, as the reference workloads are timed);
//! * **entity path**: the Person and Address entities of each row generated directly and their
//!   ten W2 columns written into a CSV buffer, without the engine (what the domain layer costs).

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use datamimic::domains::determinism::{mix, PathKey, Seed};
use datamimic::domains::entities::generate;
use datamimic::engine::{self, RunOptions};
use datamimic::ir::lower::{lower_file, LowerOptions};
use datamimic::ir::model::EntitySpec;
use datamimic::Value;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn clock() -> jiff::civil::DateTime {
    jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0)
}

fn run_model(model: &Path, out: &Path) -> f64 {
    let t = Instant::now();
    let (_sm, m, diags) = lower_file(model, &LowerOptions { for_run: true, ..LowerOptions::default() });
    let m = m.unwrap_or_else(|| panic!("model does not compile: {:?}", diags.0.first().map(|d| &d.message)));
    let opts = RunOptions {
        out_dir: out.to_path_buf(),
        seed: Seed::Int(20240101),
        clock: clock(),
        verbose: false,
        rows: None,
    };
    engine::run(&m, &opts).unwrap_or_else(|e| panic!("run failed: {}", e.message));
    t.elapsed().as_secs_f64()
}

fn field<'a>(v: &'a Value, k: &str) -> &'a Value {
    match v {
        Value::Map(m) => m.get(k).unwrap_or(&Value::Null),
        _ => &Value::Null,
    }
}

fn put(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Str(s) => out.extend_from_slice(s.as_bytes()),
        Value::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Value::DateTime(d) => {
            let _ = write!(out, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
        }
        _ => {}
    }
}

/// Generates `n` W2 rows from the entities directly; returns the seconds taken.
fn entity_path(n: u64, sink: &mut Vec<u8>) -> f64 {
    let person =
        EntitySpec { kind: "Person", dataset: "US".into(), locale: "en_US".into(), params: vec![], key: PathKey(1) };
    let address =
        EntitySpec { kind: "Address", dataset: "US".into(), locale: "en_US".into(), params: vec![], key: PathKey(2) };
    let now = clock();
    let t = Instant::now();
    for i in 0..n {
        let row = mix(20240101, i);
        let p = generate(&person, mix(person.key.0, row), now).expect("person");
        let a = generate(&address, mix(address.key.0, row), now).expect("address");
        for (j, k) in ["given_name", "family_name", "gender", "birthdate", "age", "email", "phone"].iter().enumerate() {
            if j > 0 {
                sink.push(b',');
            }
            put(sink, field(&p, k));
        }
        sink.push(b',');
        put(sink, field(&a, "house_number"));
        sink.push(b' ');
        put(sink, field(&a, "street"));
        for k in ["city", "postal_code"] {
            sink.push(b',');
            put(sink, field(&a, k));
        }
        sink.push(b'\n');
        if sink.len() > 1 << 20 {
            sink.clear();
        }
    }
    t.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let n: u64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(1_000_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = root.join("target/bench-work-w2");
    let _ = std::fs::remove_dir_all(&work);
    let model_dir = work.join("w2");
    std::fs::create_dir_all(&model_dir).expect("work dir");
    std::fs::copy(root.join("benches/models/w2_persons.xml"), model_dir.join("datamimic.xml")).expect("copy model");
    std::fs::write(model_dir.join("n.properties"), format!("N={n}\n")).expect("n.properties");
    let model = model_dir.join("datamimic.xml");
    let out = work.join("out");

    run_model(&model, &out);
    let model_s = median((0..5).map(|_| run_model(&model, &out)).collect());
    println!("W2 model (1 thread, CSV file): {n} persons in {model_s:.3} s = {:.0} persons/s", n as f64 / model_s);

    let mut sink = Vec::with_capacity(2 << 20);
    entity_path(n.min(100_000), &mut sink);
    let path_s = median((0..5).map(|_| entity_path(n, &mut sink)).collect());
    println!("W2 entity path (1 thread, no engine): {n} persons in {path_s:.3} s = {:.0} persons/s", n as f64 / path_s);
}
