//! The model runtime, one small model per element, field-pipeline feature and source format
//! (`tests/fixtures/runtime/*.xml`), each run with a fixed seed and clock; the files it writes
//! (and its `<echo>` lines) are snapshots. `tests/fixtures/runtime/fail/*.xml` are models that
//! fail while running: the binary exits 1, renders the diagnostic with its place, and leaves
//! no file behind.
//!
//! The fixture folder is copied to a temporary folder first, and the binary data files
//! (`data/people.xlsx`) are written there by [`xlsx_fixture`], so nothing binary is committed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use datamimic::domains::determinism::Seed;
use datamimic::engine::{self, RunOptions};
use datamimic::ir::lower::{lower_file, LowerOptions};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runtime")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for e in std::fs::read_dir(from).expect("read dir").filter_map(|e| e.ok()) {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

/// `data/people.xlsx`: a header with a blank column, typed cells, a date, a short row; the
/// second sheet is the active one (the first must be ignored).
fn xlsx_fixture(path: &Path) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let other = wb.add_worksheet();
    other.set_name("ignored").expect("name");
    other.write_string(0, 0, "not this sheet").expect("write");
    let ws = wb.add_worksheet();
    ws.set_name("people").expect("name");
    for (c, h) in ["id", "name", "", "score", "member", "joined"].iter().enumerate() {
        if !h.is_empty() {
            ws.write_string(0, c as u16, *h).expect("write");
        }
    }
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    type Row = (f64, &'static str, f64, bool, (u16, u8, u8));
    let rows: [Row; 3] = [
        (1.0, "Ann", 9.5, true, (2021, 3, 4)),
        (2.0, "Bob", 7.0, false, (2022, 11, 30)),
        (3.0, "Cy", 8.25, true, (2023, 1, 1)),
    ];
    for (i, (id, name, score, member, (y, m, d))) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, *id).expect("write");
        ws.write_string(r, 1, *name).expect("write");
        ws.write_string(r, 2, "under a blank header").expect("write");
        ws.write_number(r, 3, *score).expect("write");
        ws.write_boolean(r, 4, *member).expect("write");
        let dt = ExcelDateTime::from_ymd(*y, *m, *d).expect("date").and_hms(8, 30, 0).expect("time");
        ws.write_datetime_with_format(r, 5, &dt, &date).expect("write");
    }
    ws.write_number(4, 0, 4.0).expect("write");
    ws.write_string(4, 1, "Dee").expect("write");
    ws.set_active(true);
    wb.save(path).expect("save xlsx");
}

/// The fixture folder, copied once per test process.
fn work() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().expect("tmp");
        copy_dir(&fixtures(), d.path());
        xlsx_fixture(&d.path().join("data/people.xlsx"));
        d
    })
    .path()
}

/// The copy of a fixture file.
fn copy_of(fixture: &Path) -> PathBuf {
    work().join(fixture.strip_prefix(fixtures()).expect("under the fixture folder"))
}

/// Files below `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().filter_map(|e| e.ok()) {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if let Ok(rel) = p.strip_prefix(base) {
                out.push(rel.to_path_buf());
            }
        }
    }
    let mut v = Vec::new();
    walk(dir, dir, &mut v);
    v.sort();
    v
}

/// Runs a model with seed 42 and the fixed clock; returns every written file and the echoes.
fn run_model(model: &Path) -> String {
    let (_sm, m, diags) = lower_file(model, &LowerOptions { for_run: true, ..LowerOptions::default() });
    let m = m.unwrap_or_else(|| panic!("{} does not lower: {:#?}", model.display(), diags.0));
    let out = tempfile::tempdir().expect("tmp");
    let opts = RunOptions::new(out.path().to_path_buf(), Seed::Int(42), jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0));
    let rep = engine::run(&m, &opts).unwrap_or_else(|e| panic!("{}: {}", model.display(), e.message));
    let mut s = String::new();
    for f in files(out.path()) {
        let text = std::fs::read_to_string(out.path().join(&f)).unwrap_or_else(|e| format!("<{e}>"));
        s.push_str(&format!("--- {}\n{}", f.display(), text));
        if !text.ends_with('\n') {
            s.push_str("\n[no final newline]\n");
        }
    }
    if !rep.echoes.is_empty() {
        s.push_str("--- echo\n");
        for e in &rep.echoes {
            s.push_str(e);
            s.push('\n');
        }
    }
    s
}

#[test]
fn every_model_writes_its_snapshot() {
    insta::glob!("fixtures/runtime/*.xml", |path| {
        let out = run_model(&copy_of(path));
        // The same seed gives the same bytes.
        assert_eq!(out, run_model(&copy_of(path)), "{} is not deterministic", path.display());
        insta::assert_snapshot!(out);
    });
}

#[test]
fn environment_properties_beside_the_model_are_read() {
    insta::assert_snapshot!(run_model(&work().join("env/model.xml")));
}

#[test]
fn every_failing_model_exits_1_with_a_placed_message_and_no_output() {
    insta::glob!("fixtures/runtime/fail/*.xml", |path| {
        let model = copy_of(path);
        let out = tempfile::tempdir().expect("tmp");
        let r = Command::new(env!("CARGO_BIN_EXE_datamimic"))
            .arg("run")
            .arg(&model)
            .arg("--out")
            .arg(out.path())
            .args(["--clock", "2025-01-01T12:00:00Z"])
            .output()
            .expect("binary runs");
        let err = String::from_utf8_lossy(&r.stderr)
            .replace(&work().display().to_string(), "[fixtures]")
            .replace(env!("CARGO_PKG_VERSION"), "[version]");
        assert_eq!(r.status.code(), Some(1), "{}: {err}", path.display());
        let left = files(out.path());
        assert!(left.is_empty(), "{}: files left behind: {left:?}", path.display());
        let placed = err.lines().any(|l| l.split(": error[").next().is_some_and(|p| p.contains(".xml:")));
        assert!(placed, "{}: the message names no place: {err}", path.display());
        insta::assert_snapshot!(err);
    });
}
