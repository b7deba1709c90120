//! Stage 3: bytecode. `compile` turns an expression tree into a verified [`op::Chunk`];
//! `exec` runs it. Invariant: the VM never sees XML.

pub mod compile;
pub mod exec;
pub mod op;
pub mod value;
