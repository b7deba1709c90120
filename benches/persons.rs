//! W2 persons (../shared/bench/WORKLOADS.md): N en_US persons with a US address to CSV,
//! single-threaded.
//!
//! `cargo bench --bench persons [-- N]` prints two figures, median of 5 runs after one warm-up,
//! as wall time and as the process CPU time (the second is the fair figure on a busy machine):
//! * **W2 model**: `benches/models/w2_persons.xml` run by the engine into a CSV file (whole-run
//!   wall time, as the reference workloads are timed);
//! * **entity path**: the Person and Address entities of each row generated directly and their
//!   ten W2 columns written into a CSV buffer, without the engine (what the domain layer costs).

use std::io::Write;
use std::path::Path;

use datamimic::domains::determinism::{mix, PathKey, Seed};
use datamimic::domains::entities::generate;
use datamimic::engine::{self, RunOptions};
use datamimic::ir::lower::{lower_file, LowerOptions};
use datamimic::ir::model::EntitySpec;
use datamimic::Value;

mod common;
use common::{median, timed};

fn clock() -> jiff::civil::DateTime {
    jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0)
}

fn run_model(model: &Path, out: &Path) {
    let (_sm, m, diags) = lower_file(model, &LowerOptions { for_run: true, ..LowerOptions::default() });
    let m = m.unwrap_or_else(|| panic!("model does not compile: {:?}", diags.0.first().map(|d| &d.message)));
    let opts = RunOptions::new(out.to_path_buf(), Seed::Int(20240101), clock());
    engine::run(&m, &opts).unwrap_or_else(|e| panic!("run failed: {}", e.message));
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

/// Generates `n` W2 rows from the entities directly.
fn entity_path(n: u64, sink: &mut Vec<u8>) {
    let person = EntitySpec {
        kind: "Person",
        dataset: "US".into(),
        locale: "en_US".into(),
        params: vec![],
        key: PathKey(1),
        proj: None,
    };
    let address = EntitySpec {
        kind: "Address",
        dataset: "US".into(),
        locale: "en_US".into(),
        params: vec![],
        key: PathKey(2),
        proj: None,
    };
    let now = clock();
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
}

fn report(what: &str, n: u64, runs: Vec<(f64, f64)>) {
    let wall = median(runs.iter().map(|r| r.0).collect());
    let cpu = median(runs.iter().map(|r| r.1).collect());
    println!(
        "{what}: {n} persons in {wall:.3} s wall ({cpu:.3} s CPU) = {:.0} persons/s wall, {:.0} persons/s CPU",
        n as f64 / wall,
        n as f64 / cpu.max(1e-9)
    );
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
    report("W2 model (1 thread, CSV file)", n, (0..5).map(|_| timed(|| run_model(&model, &out))).collect());

    let mut sink = Vec::with_capacity(2 << 20);
    entity_path(n.min(100_000), &mut sink);
    report("W2 entity path (1 thread, no engine)", n, (0..5).map(|_| timed(|| entity_path(n, &mut sink))).collect());
}
