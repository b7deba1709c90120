//! `manifest.json`: what a run used and what it wrote, so every run can be replayed and
//! verified.

use std::path::Path;

use serde::Serialize;

use crate::domains::determinism::sha256_hex;
use crate::engine::OutputFile;

#[derive(Serialize)]
pub struct InputFile {
    pub path: String,
    pub sha256: String,
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
    pub outputs: &'a [OutputFile],
}

#[derive(Serialize)]
pub struct Pack {
    pub code: &'static str,
    pub version: String,
}

/// The manifest entries of the packs with these codes.
pub fn packs(codes: &[&'static str]) -> Vec<Pack> {
    codes.iter().map(|c| Pack { code: c, version: crate::domains::locale::locale(c).version.clone() }).collect()
}

/// Describes an input file by its name relative to `base` and its hash.
pub fn input_file(path: &Path, base: &Path) -> InputFile {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let sha256 = std::fs::read(path).map(|b| sha256_hex(&b)).unwrap_or_else(|_| "<missing>".into());
    InputFile { path: rel.to_string_lossy().replace('\\', "/"), sha256 }
}

/// Writes `dir/manifest.json` atomically (temp file, then rename).
pub fn write(dir: &Path, m: &Manifest<'_>) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(m).map_err(std::io::Error::other)? + "\n";
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".manifest.json.tmp-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, dir.join("manifest.json"))
}
