//! `datamimic sample`: a sampled record is the full run's record of that row, for every
//! product of every example model; a far row of a huge seekable product is reached at once;
//! `--explain` names each field's mode, inputs and stream; bad requests are diagnostics.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use datamimic::builtins::targets::TargetKind;
use datamimic::ir::lower::{lower_file, LowerOptions};
use datamimic::ir::model::{Generate, Stmt, Target};

const BIN: &str = env!("CARGO_BIN_EXE_datamimic");

fn datamimic(args: &[&str], model: &Path) -> Output {
    let mut c = Command::new(BIN);
    c.arg(args[0]).arg(model).args(&args[1..]);
    c.output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `sample MODEL --product NAME --row K [extra]`, which must succeed.
fn sample(model: &Path, product: &str, row: u64, extra: &[&str]) -> String {
    let row = row.to_string();
    let mut args = vec!["sample", "--product", product, "--row", &row];
    args.extend_from_slice(extra);
    let o = datamimic(&args, model);
    assert!(o.status.success(), "sample {product} row {row} of {}: {}", model.display(), stderr(&o));
    stdout(&o)
}

/// Every example model that needs no database, and a copy of the quickstart model.
fn models() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() && !p.ends_with("output") {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "xml") {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                if !text.contains("<database") {
                    out.push(p);
                }
            }
        }
    }
    let mut v = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models"), &mut v);
    v
}

/// Products of a model with a CSV or JSON file: (name, output name, kind, top-level).
fn products(model: &Path) -> Vec<(String, String, TargetKind, bool)> {
    fn walk(body: &[Stmt], top: bool, out: &mut Vec<(String, String, TargetKind, bool)>) {
        for s in body {
            if let Stmt::Generate(g) = s {
                let g: &Generate = g;
                // JSON first: its lines compare without a header.
                let kinds: Vec<TargetKind> = g
                    .targets
                    .iter()
                    .filter_map(|t| match t {
                        Target::File(spec) if matches!(spec.kind, TargetKind::Csv | TargetKind::Json) => {
                            Some(spec.kind)
                        }
                        _ => None,
                    })
                    .collect();
                for k in kinds {
                    out.push((g.name.clone(), g.out_name.clone(), k, top));
                }
                walk(&g.body, false, out);
            }
        }
    }
    let (_, m, diags) = lower_file(model, &LowerOptions { seed: None, for_run: true });
    let m = m.unwrap_or_else(|| panic!("{} does not lower: {diags:?}", model.display()));
    let mut out = Vec::new();
    walk(&m.body, true, &mut out);
    out
}

/// The records of a CSV file (header first) or of a JSON file, as lines.
fn records(text: &str, kind: TargetKind) -> Vec<String> {
    match kind {
        TargetKind::Csv => text.split("\r\n").filter(|l| !l.is_empty()).map(str::to_string).collect(),
        _ => text
            .lines()
            .filter(|l| *l != "[" && *l != "]")
            .map(|l| l.strip_suffix(',').unwrap_or(l).to_string())
            .collect(),
    }
}

/// The seed of both the full runs and the samples (conformance cases have none of their own).
const SEED: [&str; 2] = ["--seed", "20240101"];

/// Runs `model` whole, then samples rows 0, 1 and N-1 of each of its CSV and JSON products:
/// `Err` names the first row that differs. `Ok(None)` when the model does not run at all;
/// `Ok(Some((rows checked, top-level product files)))` otherwise.
fn check_model(model: &Path, out: &Path) -> Result<Option<(usize, usize)>, String> {
    let o = Command::new(BIN).arg("run").arg(model).arg("--out").arg(out).args(SEED).output().expect("run");
    if !o.status.success() {
        return Ok(None);
    }
    let (mut checked, mut top_level) = (0, 0);
    for (name, out_name, kind, top) in products(model) {
        let ext = if kind == TargetKind::Csv { "csv" } else { "json" };
        let Ok(text) = std::fs::read_to_string(out.join(format!("{out_name}.{ext}"))) else {
            continue; // no records, or not UTF-8
        };
        let lines = records(&text, kind);
        let header = usize::from(kind == TargetKind::Csv);
        let n = lines.len().saturating_sub(header) as u64;
        let mut rows = vec![0, 1, n.saturating_sub(1)];
        rows.dedup();
        for row in rows.into_iter().filter(|r| *r < n) {
            let what = format!("{} product {name} row {row} ({ext})", model.display());
            let r = row.to_string();
            let o = datamimic(&["sample", "--product", &name, "--row", &r, "--format", ext, SEED[0], SEED[1]], model);
            if !o.status.success() {
                return Err(format!("{what}: {}", stderr(&o)));
            }
            let got = records(&stdout(&o), kind);
            let want = &lines[header + row as usize];
            let ok = match kind {
                TargetKind::Csv => got.len() == 2 && got[0] == lines[0] && &got[1] == want,
                _ => got.len() == 1 && &got[0] == want,
            };
            if !ok {
                return Err(format!("{what}: sampled {got:?}, the file has {want:?}"));
            }
            checked += 1;
        }
        top_level += usize::from(top);
    }
    Ok(Some((checked, top_level)))
}

#[test]
fn sampled_rows_equal_the_full_run() {
    let all = models();
    assert!(all.len() >= 5, "only {} models found", all.len());
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut checked, mut top_level) = (0, 0);
    for (i, model) in all.iter().enumerate() {
        match check_model(model, &tmp.path().join(format!("m{i}"))) {
            Ok(Some((c, t))) => {
                checked += c;
                top_level += t;
            }
            Ok(None) => panic!("{} does not run", model.display()),
            Err(e) => panic!("{e}"),
        }
    }
    assert!(top_level >= 6, "only {top_level} top-level product files");
    assert!(checked >= 20, "only {checked} rows checked");
    eprintln!("{checked} sampled rows equal the full run's");
}

/// The conformance cases (sources, memstores, unique values, conditions, converters, …):
/// every sampled row of every case that runs equals the full run's.
#[test]
fn conformance_cases_agree() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/cases");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        eprintln!("no conformance corpus at {}", dir.display());
        return;
    };
    let mut cases: Vec<PathBuf> = rd.flatten().map(|e| e.path().join("model.xml")).filter(|m| m.is_file()).collect();
    cases.sort();
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut ran, mut checked, mut failures) = (0, 0, Vec::new());
    for (i, model) in cases.iter().enumerate() {
        let text = std::fs::read_to_string(model).unwrap_or_default();
        if text.contains("<database") {
            continue;
        }
        match check_model(model, &tmp.path().join(format!("c{i}"))) {
            Ok(Some((c, _))) => {
                ran += 1;
                checked += c;
            }
            Ok(None) => {}
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{} cases differ:\n{}", failures.len(), failures.join("\n"));
    assert!(ran >= 100, "only {ran} cases ran");
    eprintln!("{ran} conformance cases, {checked} sampled rows equal the full run's");
}

#[test]
fn a_sample_writes_no_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let model = tmp.path().join("quickstart.xml");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("models/quickstart.xml"), &model).expect("copy");
    let csv = sample(&model, "customers", 7, &["--format", "csv"]);
    assert!(csv.starts_with("id,tier,age,active,code,discount_pct,label,order_count\r\n8,"), "{csv}");
    let nested = sample(&model, "orders", 3, &["--explain"]);
    assert!(nested.contains("\"line\""), "{nested}");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).expect("dir").flatten().map(|e| e.file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("quickstart.xml")], "files left beside the model");
}

#[test]
fn seeking_row_2_pow_40_of_2_pow_41() {
    let tmp = tempfile::tempdir().expect("tmp");
    let model = tmp.path().join("big.xml");
    std::fs::write(
        &model,
        r#"<setup rngSeed="3" defaultSeparator=",">
  <generate name="big" count="2199023255552" target="CSV">
    <key name="id" generator="IncrementGenerator"/>
    <key name="code" pattern="[A-Z]{4}"/>
    <key name="n" type="int" min="1" max="100"/>
    <key name="score" type="float" min="0" max="1"/>
  </generate>
</setup>"#,
    )
    .expect("model");
    let at = 1u64 << 40;
    let t = Instant::now();
    let csv = sample(&model, "big", at, &["--format", "csv"]);
    let took = t.elapsed();
    let limit = if cfg!(debug_assertions) { Duration::from_secs(10) } else { Duration::from_secs(1) };
    eprintln!("row 2^40 of 2^41 sampled in {took:?}");
    assert!(took < limit, "sampling row 2^40 took {took:?}");
    let out = tmp.path().join("out");
    let o = Command::new(BIN)
        .arg("run")
        .arg(&model)
        .arg("--out")
        .arg(&out)
        .args(["--rows", &format!("{at}..{}", at + 1)])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    let file = std::fs::read_to_string(out.join("big.csv")).expect("csv");
    assert_eq!(csv, file, "sample and run --rows disagree");
    assert!(csv.lines().nth(1).is_some_and(|l| l.starts_with(&format!("{},", at + 1))), "{csv}");
    // The JSON form has the same values.
    let json: serde_json::Value = serde_json::from_str(&sample(&model, "big", at, &[])).expect("json");
    assert_eq!(json["id"], serde_json::json!(at + 1));
    let last = sample(&model, "big", (1u64 << 41) - 1, &[]);
    assert!(last.starts_with("{\"id\": 2199023255552,"), "{last}");
}

fn explain_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sample/explain.xml")
}

#[test]
fn explain_table() {
    let out = sample(&explain_model(), "people", 3, &["--explain"]);
    insta::assert_snapshot!("explain_people_row_3", out);
}

#[test]
fn explain_json() {
    let text = sample(&explain_model(), "people", 2, &["--explain", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["product"], "people");
    assert_eq!(v["row"], 2);
    assert_eq!(v["record"]["id"], 3);
    let explain = v["explain"].as_array().expect("explain");
    let by_name = |n: &str| explain.iter().find(|e| e["name"] == n).unwrap_or_else(|| panic!("no {n}: {v}"));
    let modes: Vec<(&str, &str)> =
        explain.iter().map(|e| (e["name"].as_str().unwrap_or(""), e["mode"].as_str().unwrap_or(""))).collect();
    assert_eq!(
        modes,
        [
            ("p", "entity"),
            ("id", "generator"),
            ("name", "script"),
            ("tier", "values"),
            ("code", "pattern"),
            ("score", "type"),
            ("zone", "constant"),
            ("dice", "type"),
            ("bonus", "script"),
            ("joined", "generator"),
            ("label", "script"),
            ("address", "nestedKey dict"),
        ]
    );
    // Row 2 has id 3: the condition `id % 2 == 0` leaves dice out of the record.
    assert_eq!(by_name("dice")["produced"], false);
    assert!(v["record"].get("dice").is_none(), "{v}");
    assert_eq!(by_name("id")["stream"]["none"], "follows the record index");
    assert_eq!(by_name("zone")["inputs"]["constant"], "EU");
    assert_eq!(by_name("label")["inputs"]["converter"], "Append('!')");
    let code = &by_name("code")["stream"];
    assert_eq!(code["path"], "/setup/generate[people]/key[code]");
    assert_eq!(code["row"], 2);
    // Two letters and three digits (the dash draws nothing), more only on a rejected draw.
    assert!(code["draws"].as_u64().is_some_and(|d| d >= 5), "{code}");
    let seed = code["seed"].as_str().expect("seed");
    assert!(seed.starts_with("0x") && seed.len() == 18, "{seed}");
    // Every value in the explanation is the record's value.
    for e in explain {
        let name = e["name"].as_str().unwrap_or("");
        if let Some(rv) = v["record"].get(name) {
            assert_eq!(&e["value"], rv, "{name}");
        }
    }
    // The same record as without --explain.
    let plain: serde_json::Value =
        serde_json::from_str(&sample(&explain_model(), "people", 2, &[])).expect("plain json");
    assert_eq!(plain, v["record"]);
}

#[test]
fn unknown_product_and_row_out_of_range_are_diagnostics() {
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/quickstart.xml");
    let o = datamimic(&["sample", "--product", "clients", "--row", "0"], &quickstart);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("error[DM002]: the model has no product named 'clients'"), "{err}");
    assert!(err.contains("the model's products: customers, orders"), "{err}");
    assert!(stdout(&o).is_empty());

    let o = datamimic(&["sample", "--product", "customers", "--row", "25"], &quickstart);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("quickstart.xml:5:"), "placed at the product: {err}");
    assert!(err.contains("row 25 is out of range: product 'customers' has 25 records"), "{err}");

    // A nested product's count is known once the run went through it.
    let o = datamimic(&["sample", "--product", "orders", "--row", "100000"], &quickstart);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("row 100000 is out of range: product 'orders' has "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Products whose records are formatted straight into their lines (entity fields, joined
/// fields, keys read by later keys, `this`) write what the record path writes: sampled rows
/// (the record path) equal the full run's, quoting included.
#[test]
fn flat_products_with_scripts_agree() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sample/flat_reads.xml");
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("o");
    match check_model(&model, &out) {
        Ok(Some((checked, top))) => assert!(checked == 9 && top == 3, "{checked} rows, {top} products"),
        Ok(None) => panic!("the model does not run"),
        Err(e) => panic!("{e}"),
    }
    let text = std::fs::read_to_string(out.join("plain_picks.csv")).expect("csv");
    assert!(text.lines().skip(1).all(|l| l.ends_with('"')), "joined city and postcode are quoted:\n{text}");
}
