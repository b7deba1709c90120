//! Expressions of `script`, `condition`, `count="{…}"`, `defaultValue`, f-strings.

pub mod ast;
pub mod lexer;
pub mod parser;

pub use parser::{parse_expr, ParseError};
