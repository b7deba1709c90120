//! The healthcare demo (`models/healthcare/encounters.xml`) at about 100,000 encounters,
//! single-threaded.
//!
//! `cargo bench --bench healthcare [-- PATIENTS]` runs the demo with its patient count set to
//! PATIENTS (default 40,000, which gives 99,750 encounters: one to four per patient) and prints
//! the median of 5 runs after one warm-up, as wall time and as the process CPU time (the second
//! is the fair figure on a busy machine), in encounters per second of the whole run (patients,
//! their doctors and the encounters, written to CSV files).

use std::path::Path;

use datamimic::domains::determinism::Seed;
use datamimic::engine::{self, RunOptions};
use datamimic::ir::lower::{lower_file, LowerOptions};

mod common;
use common::{median, timed};

fn run_model(model: &Path, out: &Path) {
    let (_sm, m, diags) = lower_file(model, &LowerOptions { for_run: true, ..LowerOptions::default() });
    let m = m.unwrap_or_else(|| panic!("model does not compile: {:?}", diags.0.first().map(|d| &d.message)));
    let clock = jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0);
    let opts = RunOptions::new(out.to_path_buf(), Seed::Int(7), clock);
    engine::run(&m, &opts).unwrap_or_else(|e| panic!("run failed: {}", e.message));
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let patients: u64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(40_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = root.join("target/bench-work-healthcare");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");
    let text = std::fs::read_to_string(root.join("models/healthcare/encounters.xml")).expect("demo model");
    assert!(text.contains("count=\"500\""), "the demo's patient count is count=\"500\"");
    let model = work.join("encounters.xml");
    std::fs::write(&model, text.replace("count=\"500\"", &format!("count=\"{patients}\""))).expect("model copy");
    let out = work.join("out");

    run_model(&model, &out);
    let encounters = std::fs::read_to_string(out.join("encounters.csv")).expect("encounters.csv").lines().count() - 1;
    let runs: Vec<(f64, f64)> = (0..5).map(|_| timed(|| run_model(&model, &out))).collect();
    let wall = median(runs.iter().map(|r| r.0).collect());
    let cpu = median(runs.iter().map(|r| r.1).collect());
    println!(
        "healthcare demo (1 thread, CSV files): {patients} patients, {encounters} encounters in {wall:.3} s wall \
         ({cpu:.3} s CPU) = {:.0} encounters/s wall, {:.0} encounters/s CPU",
        encounters as f64 / wall,
        encounters as f64 / cpu.max(1e-9)
    );
}
