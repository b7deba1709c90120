//! `datamimic check`: every finding about a model, without running it.

use std::path::Path;

use crate::diag::Diagnostics;
use crate::ir::lower::{lower_file, LowerOptions};
use crate::ir::model::Model;
use crate::source::SourceMap;

/// Checks a model file: structure, semantic rules and expressions.
pub fn check_file(path: &Path) -> (SourceMap, Option<Model>, Diagnostics) {
    lower_file(path, &LowerOptions::default())
}

/// Checks model text (relative paths resolve against `path`'s folder).
pub fn check_text(path: &Path, text: &str) -> (SourceMap, Option<Model>, Diagnostics) {
    crate::ir::lower::lower_text(path, text, &LowerOptions::default())
}
