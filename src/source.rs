//! Source files, byte spans and line/column lookup.
//!
//! Every diagnostic points at a [`Span`]: a byte range in one file of the [`SourceMap`]
//! (the model, an included model, a data file). Spans are 12 bytes; `Span::DETACHED` marks
//! values the compiler made up.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct SourceId(pub u32);

/// A byte range `[start, end)` in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    pub source: SourceId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// A span that points nowhere (compiler-made values).
    pub const DETACHED: Span = Span { source: SourceId(u32::MAX), start: 0, end: 0 };

    pub fn new(source: SourceId, start: usize, end: usize) -> Span {
        Span { source, start: start as u32, end: end.max(start) as u32 }
    }

    pub fn is_detached(&self) -> bool {
        self.source.0 == u32::MAX
    }

    /// The sub-span `[start, end)` relative to this span's start.
    pub fn sub(&self, start: usize, end: usize) -> Span {
        Span {
            source: self.source,
            start: self.start + start as u32,
            end: (self.start + end as u32).max(self.start + start as u32),
        }
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// One loaded file.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: Arc<str>,
    line_starts: Vec<u32>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: Arc<str>) -> SourceFile {
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        SourceFile { path, text, line_starts }
    }

    /// 1-based line and column (columns count characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts[line] as usize;
        let end = (offset as usize).min(self.text.len());
        let col = self.text.get(start..end).map(|s| s.chars().count()).unwrap_or(end - start);
        (line + 1, col + 1)
    }
}

/// All files of one compilation.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    /// Id of the first file: files loaded during a run continue the numbering of the model's map.
    base: u32,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// An empty map whose first file gets id `base` (it will be appended to a map of `base`
    /// files with [`SourceMap::append`]).
    pub fn starting_at(base: u32) -> SourceMap {
        SourceMap { files: Vec::new(), base }
    }

    pub fn add(&mut self, path: PathBuf, text: Arc<str>) -> SourceId {
        self.files.push(SourceFile::new(path, text));
        SourceId(self.base + self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: SourceId) -> Option<&SourceFile> {
        self.files.get(id.0.checked_sub(self.base)? as usize)
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The id the next added file gets.
    pub fn next_id(&self) -> u32 {
        self.base + self.files.len() as u32
    }

    /// Moves the files of `other` (which must start at [`SourceMap::next_id`]) to the end.
    pub fn append(&mut self, other: SourceMap) {
        debug_assert_eq!(other.base, self.next_id());
        self.files.extend(other.files);
    }

    pub fn find(&self, path: &Path) -> Option<SourceId> {
        self.files.iter().position(|f| f.path == path).map(|i| SourceId(self.base + i as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let f = SourceFile::new("m.xml".into(), Arc::from("ab\ncdé\nx"));
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(7), (2, 4));
        assert_eq!(f.line_col(8), (3, 1));
    }
}
