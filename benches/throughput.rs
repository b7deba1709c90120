//! Throughput benchmarks against the reference workloads (../shared/bench/WORKLOADS.md).
//!
//! `cargo bench --bench throughput [-- N]` runs the W1 model (`benches/models/w1_flat.xml`,
//! the workload as datamimic writes it) single-threaded into a CSV file and, when the
//! hand-written limit program is available (../shared/bench/limit), runs it on the same disk in
//! the same invocation, then prints rows/s for both and their ratio.
//!
//! `cargo bench --bench throughput -- threads [N]` runs W1 (CSV) and W3 (nested orders, JSON)
//! with 1 and with 2 worker threads and prints rows/s and the speedup, by wall time and by a
//! CPU-time estimate for two idle cores (see `threads`).
//!
//! Timing is whole-run wall time, median of 5 runs after one warm-up.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use datamimic::domains::determinism::Seed;
use datamimic::engine::{self, RunOptions};
use datamimic::ir::lower::{lower_file, LowerOptions};

/// The allocator of the `datamimic` binary, so that the engine runs here as it does there.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn run_model(model: &Path, out: &Path) -> f64 {
    run_model_threads(model, out, 1)
}

/// (user + system) CPU seconds of the process (all threads, finished ones included) and of
/// the calling thread, from /proc (`None` elsewhere).
fn cpu_times() -> Option<(f64, f64)> {
    fn ticks(path: &str) -> Option<f64> {
        let s = std::fs::read_to_string(path).ok()?;
        // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
        let rest = &s[s.rfind(')')? + 2..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        let t: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
        Some(t / 100.0)
    }
    Some((ticks("/proc/self/stat")?, ticks("/proc/thread-self/stat")?))
}

/// One timed run: wall seconds, process CPU seconds, main-thread CPU seconds.
fn run_model_cpu(model: &Path, out: &Path, threads: usize) -> (f64, f64, f64) {
    let before = cpu_times();
    let wall = run_model_threads(model, out, threads);
    match (before, cpu_times()) {
        (Some((p0, m0)), Some((p1, m1))) => (wall, p1 - p0, m1 - m0),
        _ => (wall, f64::NAN, f64::NAN),
    }
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
///
/// On a machine shared with other work the wall time says little about scaling, so each run
/// also records its CPU time (all threads) and the CPU time of the main thread. The "2-core
/// estimate" is the wall time the run would need on two otherwise idle cores if its work
/// spread perfectly: max(main thread CPU, process CPU / 2) (never below the critical path of
/// the main thread, never below half the total work).
fn threads(root: &Path, work: &Path, n: u64) {
    for (name, file) in [("W1", "w1_flat.xml"), ("W3", "w3_orders.xml")] {
        let model = stage(root, work, file, n);
        let out = work.join("out");
        let mut rates = Vec::new();
        let mut estimates = Vec::new();
        for t in [1usize, 2] {
            run_model_threads(&model, &out, t);
            let runs: Vec<(f64, f64, f64)> = (0..5).map(|_| run_model_cpu(&model, &out, t)).collect();
            let secs = median(runs.iter().map(|r| r.0).collect());
            let cpu = median(runs.iter().map(|r| r.1).collect());
            let main = median(runs.iter().map(|r| r.2).collect());
            let est = median(runs.iter().map(|r| r.2.max(r.1 / 2.0)).collect());
            let rate = n as f64 / secs;
            println!(
                "{name} datamimic --threads {t}: {n} rows in {secs:.3} s = {rate:.0} rows/s; CPU {cpu:.2} s \
                 (main thread {main:.2} s); 2-core estimate {est:.3} s = {:.0} rows/s",
                n as f64 / est
            );
            rates.push(rate);
            estimates.push(est);
        }
        println!(
            "{name} speedup 2 threads / 1 thread: {:.2} wall, {:.2} by the 2-core estimate",
            rates[1] / rates[0],
            estimates[0] / estimates[1]
        );
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
