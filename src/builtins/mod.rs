//! Builtin functions, generators, converters and output targets.

pub mod datetime;
pub mod functions;
pub mod targets;
