use super::Args;
use crate::domains::determinism::Stream;
use crate::vm::value::Value;
#[derive(Debug)]
pub struct TextGen;
pub(super) fn construct(_a: &Args) -> Result<TextGen, String> { Err("todo".into()) }
impl TextGen { pub(super) fn next(&self, _r: &mut Stream) -> Value { Value::Null } }
