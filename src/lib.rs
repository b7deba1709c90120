//! datamimic: deterministic synthetic test data from DATAMIMIC XML models.
//!
//! Pipeline: `model.xml → parser (XML with spans, expression lexer/parser) → ir::lower
//! (structure rules, name resolution, types) → vm::compile (bytecode, verified) → engine (runs
//! the model with builtins and domains) → builtins::targets and db (the only I/O)`. See
//! ARCHITECTURE.md.

pub mod builtins;
pub mod capabilities;
pub mod check;
pub mod db;
pub mod diag;
pub mod domains;
pub mod engine;
pub mod ir;
pub mod parser;
pub mod source;
pub mod vm;

pub use diag::{Diagnostic, Diagnostics, Severity};
pub use vm::value::Value;

/// The tool version recorded in manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
