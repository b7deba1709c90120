//! Domains: the determinism kit, entities and locale data.

pub mod determinism;
pub mod entities;
pub mod families;
pub mod locale;
