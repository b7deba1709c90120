//! Stage 2: the typed model. `lower` turns the XML tree into statements with compiled
//! expressions and resolved generators; `types` holds static types and the entity registry.
//! Invariant: only `ir` resolves names and types.

pub mod lower;
pub mod model;
pub mod types;
