//! The engine: runs a lowered model.
