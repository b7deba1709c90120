use super::{Args, GenState};
use crate::domains::determinism::Stream;
use crate::vm::value::Value;
#[derive(Debug)]
pub enum StateGen { Machine(()) }
pub(super) fn construct(_a: &Args) -> Result<StateGen, String> { Err("todo".into()) }
impl StateGen { pub(super) fn next(&self, _s: &mut GenState, _r: &mut Stream) -> Option<Value> { None } }
