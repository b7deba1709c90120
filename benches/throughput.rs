//! Throughput benchmarks against the reference workloads (../shared/bench/WORKLOADS.md).
//!
//! `cargo bench --bench throughput [-- N]` runs the W1 model (`benches/models/w1_flat.xml`,
//! the workload as datamimic writes it) single-threaded into a CSV file and, when the
//! hand-written limit program is available (../shared/bench/limit), runs it on the same disk in
//! the same invocation, then prints rows/s for both and their ratio.
//!
//! `cargo bench --bench throughput -- threads [N]` runs W1 (CSV) and W3 (nested orders, JSON)
//! with 1 and with 2 worker threads and prints rows/s and the speedup.
//!
//! Timing is whole-run wall time, median of 5 runs after one warm-up.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use datamimic::domains::determinism::Seed;
use datamimic::engine::{self, RunOptions};
use datamimic::ir::lower::{lower_file, LowerOptions};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn run_model(model: &Path, out: &Path) -> f64 {
    run_model_threads(model, out, 1)
}

fn run_model_threads(model: &Path, out: &Path, threads: usize) -> f64 {
    let t = Instant::now();
    let (_sm, m, diags) = lower_file(model, &LowerOptions { for_run: true, ..LowerOptions::default() });
    let m = m.unwrap_or_else(|| panic!("model does not compile: {:?}", diags.0.first().map(|d| &d.message)));
    let opts = RunOptions {
        threads,
        ..RunOptions::new(out.to_path_buf(), Seed::Int(20240101), jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0))
    };
    engine::run(&m, &opts).unwrap_or_else(|e| panic!("run failed: {}", e.message));
    t.elapsed().as_secs_f64()
}

fn limit_binary(root: &Path) -> Option<PathBuf> {
    let manifest = root.join("../shared/bench/limit/Cargo.toml");
    if !manifest.is_file() {
        return None;
    }
    let target = root.join("target/bench-limit");
    let ok = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target)
        .status()
        .ok()?
        .success();
    ok.then(|| target.join("release/w1-limit"))
}

/// Copies `benches/models/<file>` with `n.properties` (N=n) into the work folder.
fn stage(root: &Path, work: &Path, file: &str, n: u64) -> PathBuf {
    let model_dir = work.join(file.trim_end_matches(".xml"));
    std::fs::create_dir_all(&model_dir).expect("model dir");
    std::fs::copy(root.join("benches/models").join(file), model_dir.join("datamimic.xml")).expect("copy model");
    std::fs::write(model_dir.join("n.properties"), format!("N={n}\n")).expect("n.properties");
    model_dir.join("datamimic.xml")
}

/// W1 and W3 with 1 and 2 worker threads.
fn threads(root: &Path, work: &Path, n: u64) {
    for (name, file) in [("W1", "w1_flat.xml"), ("W3", "w3_orders.xml")] {
        let model = stage(root, work, file, n);
        let out = work.join("out");
        let mut rates = Vec::new();
        for t in [1usize, 2] {
            run_model_threads(&model, &out, t);
            let secs = median((0..5).map(|_| run_model_threads(&model, &out, t)).collect());
            let rate = n as f64 / secs;
            println!("{name} datamimic --threads {t}: {n} rows in {secs:.3} s = {rate:.0} rows/s");
            rates.push(rate);
        }
        println!("{name} speedup 2 threads / 1 thread: {:.2}", rates[1] / rates[0]);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let n: u64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(1_000_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = root.join("target/bench-work");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");
    if args.iter().any(|a| a == "threads") {
        threads(root, &work, n);
        return;
    }
    let out = work.join("out");
    let model = stage(root, &work, "w1_flat.xml", n);
    run_model(&model, &out); // warm-up
    let ours: Vec<f64> = (0..5).map(|_| run_model(&model, &out)).collect();
    let ours = median(ours);
    let ours_rate = n as f64 / ours;
    println!("W1 datamimic (1 thread, CSV file): {n} rows in {ours:.3} s = {:.0} rows/s", ours_rate);

    match limit_binary(root) {
        Some(bin) => {
            let file = work.join("limit.csv");
            let time = || {
                let t = Instant::now();
                let st = Command::new(&bin).arg(n.to_string()).arg(&file).arg("20240101").status().expect("limit runs");
                assert!(st.success());
                t.elapsed().as_secs_f64()
            };
            time();
            let lim = median((0..5).map(|_| time()).collect());
            let lim_rate = n as f64 / lim;
            println!("W1 limit program (CSV file):       {n} rows in {lim:.3} s = {:.0} rows/s", lim_rate);
            println!("ratio datamimic / limit: {:.2}", ours_rate / lim_rate);
        }
        None => println!("limit program not available (../shared/bench/limit); skipped"),
    }
}
