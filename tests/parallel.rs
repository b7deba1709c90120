//! Parallel, sharded and seekable runs write the bytes of the plain run: every example model
//! and every conformance case that runs is generated with `--threads 1`, `2` and `7`, and as
//! `--shard K/3` and `K/5` merged by `datamimic merge`; all outputs (and the manifest) must be
//! identical.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_datamimic");

/// Every file under `dir` (relative path → bytes).
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().to_string();
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn run(model: &Path, out: &Path, extra: &[&str]) -> bool {
    Command::new(BIN)
        .arg("run")
        .arg(model)
        .arg("--out")
        .arg(out)
        .args(["--seed", "20240101"])
        .args(extra)
        .current_dir(model.parent().unwrap_or(Path::new(".")))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Runs `model` every way; `Err` names the first way whose output differs. `Ok(false)` when
/// the model does not run at all (not this test's concern).
fn check_model(model: &Path, work: &Path) -> Result<bool, String> {
    let base = work.join("t1");
    if !run(model, &base, &["--threads", "1"]) {
        return Ok(false);
    }
    let want = files(&base);
    let differs = |got: &BTreeMap<String, Vec<u8>>, how: &str| -> Result<(), String> {
        if got.keys().ne(want.keys()) {
            return Err(format!("{how}: files {:?} instead of {:?}", got.keys(), want.keys()));
        }
        for (k, v) in &want {
            if got.get(k) != Some(v) {
                return Err(format!("{how}: {k} differs"));
            }
        }
        Ok(())
    };
    for t in ["2", "7"] {
        let out = work.join(format!("t{t}"));
        if !run(model, &out, &["--threads", t]) {
            return Err(format!("--threads {t} failed"));
        }
        differs(&files(&out), &format!("--threads {t}"))?;
    }
    for n in [3u32, 5] {
        let mut dirs: Vec<PathBuf> = Vec::new();
        for k in 0..n {
            let out = work.join(format!("s{k}of{n}"));
            let threads = if k % 2 == 0 { "1" } else { "2" };
            if !run(model, &out, &["--shard", &format!("{k}/{n}"), "--threads", threads]) {
                return Err(format!("--shard {k}/{n} failed"));
            }
            dirs.push(out);
        }
        let merged = work.join(format!("merged{n}"));
        let ok = Command::new(BIN)
            .arg("merge")
            .arg("--out")
            .arg(&merged)
            .args(&dirs)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            return Err(format!("merge of {n} shards failed"));
        }
        differs(&files(&merged), &format!("{n} shards merged"))?;
    }
    Ok(true)
}

/// Models whose files concatenate: XML and XLSX products are whole documents per shard.
fn shardable(model: &Path) -> bool {
    let dir = model.parent().unwrap_or(Path::new("."));
    let Ok(rd) = std::fs::read_dir(dir) else { return false };
    rd.flatten().filter(|e| e.path().extension().is_some_and(|x| x == "xml")).all(|e| {
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        !(text.contains("\"XML\"") || text.contains("XLSX") || text.contains("\"Excel\""))
    })
}

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut v = Vec::new();
    let mut push_dir = |dir: PathBuf, nested: bool| {
        let Ok(rd) = std::fs::read_dir(&dir) else { return };
        let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if nested {
                let m = p.join("model.xml");
                if m.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("check_")) {
                    v.push(m);
                }
            } else if p.extension().is_some_and(|e| e == "xml") {
                v.push(p);
            } else if p.is_dir() {
                // models/<domain>/*.xml (not the database demos: no files to compare)
                let Ok(sub) = std::fs::read_dir(&p) else { continue };
                let mut sub: Vec<PathBuf> = sub.flatten().map(|e| e.path()).collect();
                sub.sort();
                for m in sub {
                    let text = std::fs::read_to_string(&m).unwrap_or_default();
                    if m.extension().is_some_and(|e| e == "xml") && !text.contains("<database") {
                        v.push(m);
                    }
                }
            }
        }
    };
    push_dir(root.join("models"), false);
    push_dir(root.join("../shared/conformance/cases"), true);
    v
}

#[test]
fn threads_and_shards_write_the_same_bytes() {
    let all: Vec<PathBuf> = cases().into_iter().filter(|m| shardable(m)).collect();
    assert!(!all.is_empty(), "no models found");
    let tmp = tempfile::tempdir().expect("tmp");
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<(PathBuf, Result<bool, String>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|w| {
                let (all, next, tmp) = (&all, &next, tmp.path());
                s.spawn(move || {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let Some(m) = all.get(i) else { break };
                        let work = tmp.join(format!("w{w}-{i}"));
                        out.push((m.clone(), check_model(m, &work)));
                        let _ = std::fs::remove_dir_all(&work);
                    }
                    out
                })
            })
            .collect();
        workers.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    let ran = results.iter().filter(|(_, r)| matches!(r, Ok(true))).count();
    let failures: Vec<String> =
        results.iter().filter_map(|(m, r)| r.as_ref().err().map(|e| format!("{}: {e}", m.display()))).collect();
    assert!(failures.is_empty(), "{} of {ran} models differ:\n{}", failures.len(), failures.join("\n"));
    assert!(ran >= 100, "only {ran} models ran");
    eprintln!("{ran} models: identical output for --threads 1/2/7 and 3 and 5 merged shards");
}

#[test]
fn seeking_a_far_row_skips_the_rows_before() {
    let tmp = tempfile::tempdir().expect("tmp");
    let model = tmp.path().join("m.xml");
    std::fs::write(
        &model,
        r#"<setup rngSeed="3" defaultSeparator=",">
  <generate name="big" count="2199023255552" target="CSV">
    <key name="id" generator="IncrementGenerator"/>
    <key name="code" pattern="[A-Z]{4}"/>
    <key name="n" type="int" min="1" max="100"/>
  </generate>
</setup>"#,
    )
    .expect("model");
    let at = 1u64 << 40;
    let t = std::time::Instant::now();
    let out = tmp.path().join("out");
    assert!(run(&model, &out, &["--rows", &format!("{at}..{}", at + 3)]));
    // Completing at all shows the rows before were not generated (that would take days).
    eprintln!("rows 2^40..2^40+3 of 2^41 in {:?}", t.elapsed());
    let csv = std::fs::read_to_string(out.join("big.csv")).expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[1].starts_with(&format!("{},", at + 1)), "{}", lines[1]);
}

/// Nested products with variable counts, counters across parents (GlobalIncrementGenerator in
/// the parent and in nested products at two levels) and per-parent counters: the same bytes
/// for every thread count and shard split, and the parallel path is taken.
#[test]
fn nested_products_with_counters_write_the_same_bytes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let model = tmp.path().join("m.xml");
    std::fs::write(
        &model,
        r#"<setup rngSeed="3" defaultSeparator=",">
  <generate name="orders" count="20000" target="CSV">
    <key name="id" generator="GlobalIncrementGenerator"/>
    <key name="code" pattern="[A-Z]{2}[0-9]{4}" unique="true"/>
    <key name="n" type="int" min="0" max="4"/>
    <generate name="items" minCount="0" maxCount="5" target="CSV,JSON">
      <key name="item_id" generator="GlobalIncrementGenerator"/>
      <key name="line" generator="IncrementGenerator"/>
      <key name="order_id" script="id"/>
      <key name="qty" type="int" min="1" max="10"/>
      <generate name="parts" minCount="1" maxCount="3" target="CSV">
        <key name="part_id" generator="GlobalIncrementGenerator"/>
        <key name="item" script="item_id"/>
      </generate>
    </generate>
    <generate name="notes" count="{n}" target="CSV">
      <key name="order" script="id"/>
      <key name="text" pattern="[a-z]{6}"/>
    </generate>
  </generate>
</setup>"#,
    )
    .expect("model");
    let work = tmp.path().join("work");
    assert_eq!(check_model(&model, &work), Ok(true));
    let t1 = std::fs::read_to_string(work.join("t1/parts.csv")).expect("parts");
    let ids: Vec<u64> = t1.lines().skip(1).filter_map(|l| l.split(',').next()?.parse().ok()).collect();
    assert!(ids.len() > 20_000);
    assert!(ids.iter().enumerate().all(|(k, id)| *id == k as u64 + 1), "part ids count 1, 2, 3, ...");
    let o = Command::new(BIN)
        .arg("run")
        .arg(&model)
        .arg("--out")
        .arg(tmp.path().join("verbose"))
        .args(["--threads", "2", "--verbose"])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("'orders' records") && err.contains("were generated in parallel chunks"), "{err}");
}
