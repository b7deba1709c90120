// TEMPORARY STUB (not committed)
use crate::vm::value::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
pub struct Record<'a> {
    pub fields: &'a [(Arc<str>, Value)],
}
#[derive(Debug, Clone)]
pub struct TargetSpec;
pub enum TargetItem {
    File(TargetSpec),
    Other(String),
}
pub struct FileOptions {
    pub separator: String,
    pub line_separator: String,
    pub name: String,
}
pub struct Pending {
    pub tmp: PathBuf,
    pub path: PathBuf,
    pub rows: u64,
    pub sha256: String,
}
impl Pending {
    pub fn commit(&self) -> std::io::Result<()> {
        Ok(())
    }
    pub fn discard(&self) {}
}
pub trait Sink {
    fn write(&mut self, rec: &Record) -> Result<(), String>;
    fn finish(self: Box<Self>) -> Result<Option<Pending>, String>;
}
pub fn parse_targets(_t: &str) -> Result<Vec<TargetItem>, String> {
    Ok(vec![])
}
pub fn open(_s: &TargetSpec, _d: &Path, _b: &str, _o: &FileOptions) -> Result<Box<dyn Sink>, String> {
    Err("stub".into())
}
