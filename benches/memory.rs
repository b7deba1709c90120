//! Constant-memory benchmark: peak resident memory of a streaming run does not grow with the
//! row count.
//!
//! `cargo bench --bench memory [-- SMALL LARGE]` runs the release binary on
//! `benches/models/memory.xml` (an entity, generators and a CSV target) with N = SMALL
//! (default 100,000) and N = LARGE (default 10,000,000) rows, each as its own child process,
//! reads each child's peak RSS from `wait4`, and prints both peaks and their ratio. The
//! requirement is LARGE's peak within 1.5× SMALL's; the exit code is 1 when it is not.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Runs the model with `n` rows; returns (peak RSS in KiB, seconds, output bytes).
#[cfg(unix)]
fn run(bin: &Path, work: &Path, n: u64) -> (i64, f64, u64) {
    let model_dir = work.join(format!("n{n}"));
    let _ = std::fs::remove_dir_all(&model_dir);
    std::fs::create_dir_all(&model_dir).expect("model dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("benches/models/memory.xml"), model_dir.join("memory.xml")).expect("copy model");
    std::fs::write(model_dir.join("n.properties"), format!("N={n}\n")).expect("n.properties");
    let out = model_dir.join("out");
    let t = Instant::now();
    // Reaped by `wait4` below, which also reports the child's own peak RSS.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(bin)
        .arg("run")
        .arg(model_dir.join("memory.xml"))
        .arg("--out")
        .arg(&out)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("binary starts");
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain data that wait4 fills in; `pid` is our own unwaited child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed");
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "the run failed (status {status})");
    let secs = t.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(out.join("customers.csv")).map(|m| m.len()).unwrap_or(0);
    let _ = std::fs::remove_dir_all(&model_dir);
    // Linux reports ru_maxrss in KiB (macOS in bytes).
    let kib = if cfg!(target_os = "macos") { usage.ru_maxrss / 1024 } else { usage.ru_maxrss };
    (kib, secs, bytes)
}

#[cfg(unix)]
fn main() {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.replace('_', "").parse().ok()).collect();
    let small = args.first().copied().unwrap_or(100_000);
    let large = args.get(1).copied().unwrap_or(10_000_000);
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_datamimic"));
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-memory");
    std::fs::create_dir_all(&work).expect("work dir");
    let mut peaks = Vec::new();
    for n in [small, large] {
        let (kib, secs, bytes) = run(&bin, &work, n);
        println!(
            "memory: {n:>11} rows: peak RSS {:>8.1} MiB ({kib} KiB), {secs:.1} s, {:.1} MiB of CSV",
            kib as f64 / 1024.0,
            bytes as f64 / (1024.0 * 1024.0)
        );
        peaks.push(kib);
    }
    let ratio = peaks[1] as f64 / peaks[0].max(1) as f64;
    let ok = ratio <= 1.5;
    println!(
        "memory: peak RSS ratio {large} / {small} rows = {ratio:.3} (limit 1.5): {}",
        if ok { "ok" } else { "FAILED" }
    );
    if !ok {
        std::process::exit(1);
    }
}

#[cfg(not(unix))]
fn main() {
    println!("memory: peak RSS is measured with wait4, available on Unix only; skipped");
}
