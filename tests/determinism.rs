//! The determinism contract: output is a pure function of (model, seed, clock, version);
//! row k is computable alone; adding a field does not change the others.

use std::path::Path;

use datamimic::domains::determinism::Seed;
use datamimic::engine::{self, RunOptions};
use datamimic::ir::lower::{lower_file, LowerOptions};

const MODEL: &str = r#"<setup rngSeed="7" defaultSeparator=",">
  <generate name="rows" count="1200" target="CSV">
    <key name="id" generator="IncrementGenerator"/>
    <key name="uuid" generator="UUIDGenerator"/>
    <key name="age" type="int" min="18" max="90"/>
    <key name="amount" type="float" min="0" max="10000" granularity="0.01"/>
    <key name="tier" values="'bronze','silver','gold'" weights="5,3,2"/>
    <key name="code" pattern="[A-Z]{3}[0-9]{3}"/>
    <key name="score" script="age * 2 + random.randint(0, 9)"/>
    EXTRA
  </generate>
</setup>"#;

fn run(model_text: &str, seed: i128, rows: Option<(u64, u64)>) -> String {
    run_product(model_text, "rows", seed, 1, rows).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs a model and returns the CSV text of `product`, or the run's error message.
fn run_product(
    model_text: &str,
    product: &str,
    seed: i128,
    threads: usize,
    rows: Option<(u64, u64)>,
) -> Result<String, String> {
    let dir = tempfile::tempdir().expect("tmp");
    let model = dir.path().join("m.xml");
    std::fs::write(&model, model_text).expect("write model");
    let (_sm, m, diags) = lower_file(&model, &LowerOptions { for_run: true, ..LowerOptions::default() });
    let m = m.unwrap_or_else(|| panic!("{:?}", diags.0));
    let out = dir.path().join("out");
    let opts = RunOptions {
        threads,
        rows,
        ..RunOptions::new(out.clone(), Seed::Int(seed), jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0))
    };
    engine::run(&m, &opts).map_err(|e| e.message.clone())?;
    Ok(std::fs::read_to_string(Path::new(&out).join(format!("{product}.csv"))).expect("product file"))
}

fn column(csv: &str, name: &str) -> Vec<String> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let i = header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name}"));
    lines.map(|l| l.split(',').nth(i).unwrap_or("").to_string()).collect()
}

#[test]
fn same_seed_same_bytes_other_seed_other_values() {
    let base = MODEL.replace("EXTRA", "");
    assert_eq!(run(&base, 7, None), run(&base, 7, None));
    assert_ne!(column(&run(&base, 7, None), "uuid"), column(&run(&base, 8, None), "uuid"));
}

#[test]
fn rows_generated_alone_equal_the_full_run() {
    let base = MODEL.replace("EXTRA", "");
    let full = run(&base, 7, None);
    let part = run(&base, 7, Some((1000, 1010)));
    let full_rows: Vec<&str> = full.lines().skip(1 + 1000).take(10).collect();
    let part_rows: Vec<&str> = part.lines().skip(1).collect();
    assert_eq!(part_rows.len(), 10);
    assert_eq!(full_rows, part_rows);
}

#[test]
fn adding_a_key_leaves_the_other_columns_unchanged() {
    let base = run(&MODEL.replace("EXTRA", ""), 7, None);
    let more = run(&MODEL.replace("EXTRA", r#"<key name="extra" type="int" min="0" max="5"/>"#), 7, None);
    for col in ["id", "uuid", "age", "amount", "tier", "code", "score"] {
        assert_eq!(column(&base, col), column(&more, col), "column {col} changed");
    }
}

#[test]
fn unique_integers_are_a_permutation_computable_by_index() {
    let model = MODEL.replace("EXTRA", r#"<key name="ticket" type="int" min="5000" max="6199" unique="true"/>"#);
    let full = run(&model, 7, None);
    let mut tickets: Vec<i64> = column(&full, "ticket").iter().map(|t| t.parse().expect("int")).collect();
    let part = run(&model, 7, Some((600, 610)));
    assert_eq!(column(&part, "ticket"), column(&full, "ticket")[600..610].to_vec(), "row seek");
    tickets.sort_unstable();
    assert_eq!(tickets, (5000..6200).collect::<Vec<i64>>(), "1200 records take each of the 1200 values once");
    // One value fewer than records: a clear error, not a repeat.
    let short = MODEL.replace("EXTRA", r#"<key name="ticket" type="int" min="1" max="1199" unique="true"/>"#);
    let (_sm, m, _) = lower_file(
        &{
            let dir = tempfile::tempdir().expect("tmp").keep();
            let p = dir.join("m.xml");
            std::fs::write(&p, &short).expect("write");
            p
        },
        &LowerOptions { for_run: true, ..LowerOptions::default() },
    );
    let m = m.expect("lowers");
    let out = tempfile::tempdir().expect("tmp");
    let opts = RunOptions {
        threads: 2,
        ..RunOptions::new(out.path().to_path_buf(), Seed::Int(7), jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0))
    };
    let err = engine::run(&m, &opts).expect_err("an error");
    assert!(err.message.contains("used up"), "{}", err.message);
}

/// Runs a one-product model with `threads`; the CSV text or the error message.
fn run_threads(model_text: &str, threads: usize, rows: Option<(u64, u64)>) -> Result<String, String> {
    run_product(model_text, "ids", 7, threads, rows)
}

#[test]
fn unique_patterns_and_ids_are_permutations_computable_by_index() {
    // 12 * 10^3 strings, and an id generator's space far larger than the run.
    let model = |n: u64| {
        format!(
            r#"<setup rngSeed="7" defaultSeparator=",">
  <generate name="ids" count="{n}" target="CSV">
    <key name="code" pattern="[A-L][0-9]{{3}}" unique="true"/>
    <key name="ean" generator="EANGenerator" unique="true"/>
    <key name="ref" generator="PrefixedIdGenerator(prefix='R', body_pattern='[0-9]{{5}}')" unique="true"/>
  </generate>
</setup>"#
        )
    };
    let full = run_threads(&model(12_000), 1, None).expect("runs");
    let mut codes = column(&full, "code");
    codes.sort_unstable();
    let want: Vec<String> = ('A'..='L').flat_map(|c| (0..1000).map(move |d| format!("{c}{d:03}"))).collect::<Vec<_>>();
    assert_eq!(codes, want, "12000 records take each of the 12000 strings once");
    for col in ["ean", "ref"] {
        let mut v = column(&full, col);
        v.sort_unstable();
        v.dedup();
        assert_eq!(v.len(), 12_000, "{col} repeats a value");
    }
    for t in [2, 7] {
        assert_eq!(run_threads(&model(12_000), t, None).expect("runs"), full, "--threads {t}");
    }
    let part = run_threads(&model(12_000), 1, Some((9000, 9010))).expect("runs");
    assert_eq!(column(&part, "code"), column(&full, "code")[9000..9010].to_vec(), "row seek");
    // One record more than strings: a clear error, not a repeat.
    for t in [1, 2] {
        let err = run_threads(&model(12_001), t, None).expect_err("an error");
        assert!(err.contains("'code' is unique, but its 12000 values are used up"), "{err}");
    }
}
