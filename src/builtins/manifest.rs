//! `manifest.json`: what a run used and what it wrote, so every run can be replayed and
//! verified.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::builtins::targets::{digest_text, FileHasher};
use crate::engine::OutputFile;

#[derive(Serialize, Deserialize)]
pub struct InputFile {
    pub path: String,
    /// BLAKE3 of the file's bytes, lower-case hex.
    pub blake3: String,
}

#[derive(Serialize)]
pub struct Manifest<'a> {
    pub tool: &'static str,
    pub version: &'static str,
    pub format_version: u32,
    pub model: InputFile,
    pub includes: Vec<InputFile>,
    pub seed: String,
    pub clock: String,
    /// The locale packs the model uses, in code order, with their versions.
    pub packs: Vec<Pack>,
    /// `K/N` for the output of `run --shard K/N`; absent for a whole run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    pub outputs: &'a [OutputFile],
}

#[derive(Serialize, Deserialize, Clone)]
pub struct Pack {
    pub code: String,
    pub version: String,
}

/// The manifest entries of the packs with these codes.
pub fn packs(codes: &[&'static str]) -> Vec<Pack> {
    codes
        .iter()
        .map(|c| Pack { code: c.to_string(), version: crate::domains::locale::locale(c).version.clone() })
        .collect()
}

/// The parts of a shard's manifest that `merge_shards` reads.
#[derive(Deserialize)]
struct ShardManifest {
    version: String,
    format_version: u32,
    model: InputFile,
    includes: Vec<InputFile>,
    seed: String,
    clock: String,
    #[serde(default)]
    packs: Vec<Pack>,
    outputs: Vec<OutputFile>,
}

/// Describes an input file by its name relative to `base` and its hash.
pub fn input_file(path: &Path, base: &Path) -> InputFile {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let blake3 = std::fs::read(path)
        .map(|b| {
            let mut h = FileHasher::new();
            h.update(&b);
            digest_text(&h)
        })
        .unwrap_or_else(|_| "<missing>".into());
    InputFile { path: rel.to_string_lossy().replace('\\', "/"), blake3 }
}

/// Writes `dir/manifest.json` atomically (temp file, then rename).
pub fn write(dir: &Path, m: &Manifest<'_>) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(m).map_err(std::io::Error::other)? + "\n";
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".manifest.json.tmp-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, dir.join("manifest.json"))
}

/// `datamimic merge`: concatenates the files of the shard folders (in the order given) into
/// `out` and writes the manifest the whole run would have written. Returns each merged file
/// (path relative to `out`) with its record count.
pub fn merge_shards(shards: &[std::path::PathBuf], out: &Path) -> Result<Vec<(String, u64)>, String> {
    use std::io::Write as _;
    let mut manifests = Vec::new();
    for d in shards {
        let p = d.join("manifest.json");
        let text = std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        let m: ShardManifest =
            serde_json::from_str(&text).map_err(|e| format!("{} is not a datamimic manifest: {e}", p.display()))?;
        manifests.push(m);
    }
    let Some(first) = manifests.first() else { return Err("no shard folders given".into()) };
    for (d, m) in shards.iter().zip(&manifests) {
        if m.version != crate::VERSION
            || m.format_version != first.format_version
            || m.seed != first.seed
            || m.clock != first.clock
            || m.model.blake3 != first.model.blake3
        {
            return Err(format!(
                "{} comes from another run (model, seed, clock or version differ from the first shard's)",
                d.display()
            ));
        }
    }
    // Every file of every shard, by path relative to its shard folder, in sorted order.
    let mut names = std::collections::BTreeSet::new();
    for d in shards {
        collect_files(d, d, &mut names)?;
    }
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut outputs = Vec::new();
    let mut merged = Vec::new();
    for rel in &names {
        let target = out.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let tmp = target.with_file_name(format!(
            ".{}.tmp-{}",
            target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
            std::process::id()
        ));
        let mut hasher = FileHasher::new();
        let file = std::fs::File::create(&tmp).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        let mut w = std::io::BufWriter::new(file);
        for d in shards {
            let Ok(bytes) = std::fs::read(d.join(rel)) else { continue };
            hasher.update(&bytes);
            w.write_all(&bytes).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        }
        w.flush().map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        drop(w);
        std::fs::rename(&tmp, &target).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        let file_name = Path::new(rel).file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let rows: u64 = manifests.iter().flat_map(|m| &m.outputs).filter(|o| o.name == file_name).map(|o| o.rows).sum();
        let product = Path::new(rel).file_stem().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        outputs.push(OutputFile { name: file_name, product, rows, blake3: digest_text(&hasher) });
        merged.push((rel.clone(), rows));
    }
    outputs.sort_by(|a, b| a.name.cmp(&b.name));
    let m = Manifest {
        tool: "datamimic",
        version: crate::VERSION,
        format_version: first.format_version,
        model: InputFile { path: first.model.path.clone(), blake3: first.model.blake3.clone() },
        includes: first.includes.iter().map(|f| InputFile { path: f.path.clone(), blake3: f.blake3.clone() }).collect(),
        seed: first.seed.clone(),
        clock: first.clock.clone(),
        packs: first.packs.clone(),
        shard: None,
        outputs: &outputs,
    };
    write(out, &m).map_err(|e| format!("cannot write {}: {e}", out.join("manifest.json").display()))?;
    Ok(merged)
}

/// Output files under `dir` (not the manifest, not temporary files), relative to `root`.
fn collect_files(root: &Path, dir: &Path, out: &mut std::collections::BTreeSet<String>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        if p.is_dir() {
            collect_files(root, &p, out)?;
        } else if !(name.starts_with('.') || (dir == root && name == "manifest.json")) {
            let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
            out.insert(rel);
        }
    }
    Ok(())
}
