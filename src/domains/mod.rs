//! Domains: the determinism kit, entities and locale data.

pub mod determinism;
pub mod entities;
pub mod facade;
pub mod families;
pub mod locale;
pub mod projection;

pub use facade::{generate, FacadeError, Request, Response};
