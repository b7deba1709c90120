use super::Args;
use crate::domains::determinism::Stream;
use crate::vm::value::Value;
#[derive(Debug)]
pub struct NameGen;
pub(super) fn construct(_a: &Args, _c: &super::GenConfig) -> Result<NameGen, String> { Err("todo".into()) }
impl NameGen { pub(super) fn next(&self, _r: &mut Stream) -> Value { Value::Null } }
