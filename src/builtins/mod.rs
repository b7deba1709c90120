//! Builtin functions, generators, converters, data sources and output targets.

pub mod converters;
pub mod datetime;
pub mod functions;
pub mod generators;
pub mod manifest;
pub mod pattern;
pub mod sources;
pub mod targets;
