//! Insert throughput into databases: the W1 workload (`benches/models/w1_flat.xml`, N rows × 8
//! columns, see ../shared/bench/WORKLOADS.md) written to a SQLite file and, when
//! `DATAMIMIC_PG_URL` names a server, to a PostgreSQL table instead of a CSV file.
//!
//! `cargo bench --bench database [-- N]` (default N = 200,000). Each figure is whole-run wall
//! time (generation, batched insert, commit) of `engine::run`, median of 3 runs after one
//! warm-up, as rows/s; the same model into CSV is printed as the baseline. The table is
//! dropped and created by an `<execute>` at the start of every run.

use std::path::Path;
use std::str::FromStr;
use std::time::Instant;

use datamimic::domains::determinism::Seed;
use datamimic::engine::{self, RunOptions};
use datamimic::ir::lower::{lower_file, LowerOptions};

const TABLE: &str = "DROP TABLE IF EXISTS w1_flat;
CREATE TABLE w1_flat (id BIGINT PRIMARY KEY, uuid TEXT, age INTEGER, amount DOUBLE PRECISION, active BOOLEAN,
  birth_date DATE, tier TEXT, code TEXT);";

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn run_model(model: &Path, out: &Path) -> f64 {
    let t = Instant::now();
    let (_sm, m, diags) = lower_file(model, &LowerOptions { for_run: true, ..LowerOptions::default() });
    let m = m.unwrap_or_else(|| panic!("model does not compile: {:?}", diags.0.first().map(|d| &d.message)));
    let opts = RunOptions::new(out.to_path_buf(), Seed::Int(20240101), jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0));
    engine::run(&m, &opts).unwrap_or_else(|e| panic!("run failed: {}", e.message));
    t.elapsed().as_secs_f64()
}

/// The W1 model with `target` and, for databases, the declaration and the table script.
fn write_model(dir: &Path, w1: &str, decl: Option<&str>, target: &str) -> std::path::PathBuf {
    let mut text = w1.replace("target=\"CSV\"", &format!("target=\"{target}\""));
    if let Some(d) = decl {
        text = text.replace(
            "<include uri=\"n.properties\"/>",
            &format!("<include uri=\"n.properties\"/>\n  {d}\n  <execute uri=\"w1.sql\" target=\"db\"/>"),
        );
    }
    let path = dir.join(format!("w1_{}.xml", target.to_lowercase()));
    std::fs::write(&path, text).expect("model");
    path
}

fn measure(label: &str, model: &Path, out: &Path, n: u64) -> f64 {
    run_model(model, out); // warm-up
    let t = median((0..3).map(|_| run_model(model, out)).collect());
    let rate = n as f64 / t;
    println!("W1 into {label}: {n} rows in {t:.3} s = {rate:.0} rows/s");
    rate
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let n: u64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(200_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = root.join("target/bench-work/database");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");
    std::fs::write(work.join("n.properties"), format!("N={n}\n")).expect("n.properties");
    std::fs::write(work.join("w1.sql"), TABLE).expect("w1.sql");
    let w1 = std::fs::read_to_string(root.join("benches/models/w1_flat.xml")).expect("W1 model");
    let out = work.join("out");

    let csv = write_model(&work, &w1, None, "CSV");
    measure("CSV (baseline)", &csv, &out, n);

    let sqlite = write_model(&work, &w1, Some(r#"<database id="db" dbms="sqlite" database="w1.sqlite"/>"#), "db");
    measure("SQLite (file, multi-row INSERT)", &sqlite, &out, n);

    match std::env::var("DATAMIMIC_PG_URL").ok().filter(|u| !u.trim().is_empty()) {
        None => println!(
            "W1 into PostgreSQL: skipped: set DATAMIMIC_PG_URL=postgresql://USER:PASSWORD@HOST:PORT/DB \
             (`bash .ci/postgres start` starts a local server and prints its URL)"
        ),
        Some(url) => {
            let cfg = postgres::Config::from_str(&url).expect("DATAMIMIC_PG_URL is a postgresql:// URL");
            let host = match cfg.get_hosts().first() {
                Some(postgres::config::Host::Tcp(h)) => h.clone(),
                _ => "127.0.0.1".into(),
            };
            let port = cfg.get_ports().first().copied().unwrap_or(5432);
            let user = cfg.get_user().unwrap_or("postgres");
            let password = cfg.get_password().map(|p| String::from_utf8_lossy(p).to_string()).unwrap_or_default();
            let dbname = cfg.get_dbname().unwrap_or("postgres");
            std::fs::create_dir_all(work.join("conf")).expect("conf");
            std::fs::write(
                work.join("conf/environment.env.properties"),
                format!(
                    "db.db.dbms=postgresql\ndb.db.host={host}\ndb.db.port={port}\ndb.db.user={user}\n\
                     db.db.password={password}\ndb.db.database={dbname}\ndb.db.schema=dm_bench\n"
                ),
            )
            .expect("properties");
            let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect to DATAMIMIC_PG_URL");
            c.batch_execute("CREATE SCHEMA IF NOT EXISTS dm_bench").expect("schema");
            let pg = write_model(&work, &w1, Some(r#"<database id="db"/>"#), "db");
            measure("PostgreSQL (COPY)", &pg, &out, n);
            let _ = std::fs::remove_file(work.join("conf/environment.env.properties"));
        }
    }
}
