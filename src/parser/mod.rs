//! Stage 1: text → syntax. `xml` reads models keeping byte spans; `expr` lexes and parses
//! expressions. Invariant: the parser knows nothing of `ir`, `vm` or the engine.

pub mod expr;
pub mod schema;
pub mod xml;
