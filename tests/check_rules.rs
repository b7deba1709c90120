//! One invalid model per rule code under `fixtures/check/`: `check` must report the code the
//! file is named after; text and JSON reports are pinned as snapshots.

use std::path::Path;

use datamimic::check::check_file;
use datamimic::diag::{codes, render};

/// Codes that need something a static fixture cannot provide.
const EXEMPT: &[(&str, &str)] = &[
    ("DM000", "engine rejection after a clean check; reserved"),
    ("DM002", "run-time errors: covered by tests/cli.rs"),
    ("DM604", "run-time database errors: covered by tests/database.rs"),
    ("DM605", "run-time database errors: covered by tests/database.rs"),
    ("DM606", "run-time database errors: covered by tests/database.rs"),
];

fn fixture_dir() -> &'static Path {
    Path::new("tests/fixtures/check")
}

#[test]
fn every_rule_fixture_reports_its_code() {
    insta::glob!("fixtures/check/*.xml", |abs| {
        let name = abs.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
        let rel = fixture_dir().join(abs.file_name().unwrap_or_default());
        let (sources, _model, diags) = check_file(&rel);
        let want = name.split('_').next().unwrap_or("").to_ascii_uppercase();
        assert!(diags.iter().any(|d| d.code == want), "{name}: expected {want}, got {:?}", diags.0);
        let text = render::plain(&diags, &sources);
        let json = render::json(&diags, &sources);
        insta::assert_snapshot!(format!("{text}\n--- json ---\n{json}"));
    });
}

#[test]
fn every_rule_code_has_a_fixture() {
    let present: Vec<String> = std::fs::read_dir(fixture_dir())
        .expect("fixtures")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_ascii_uppercase())
        .collect();
    for (code, _, title) in codes::TABLE {
        if EXEMPT.iter().any(|(c, _)| c == code) {
            continue;
        }
        assert!(
            present.iter().any(|f| f.starts_with(&code.to_string()) && f.ends_with(".XML")),
            "rule {code} ({title}) has no fixture in tests/fixtures/check/"
        );
    }
}
