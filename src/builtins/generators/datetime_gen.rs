use super::{Args, GenState};
use crate::domains::determinism::Stream;
use crate::vm::value::Value;
use jiff::civil::DateTime;
pub const DATETIME_PARAMS: &[&str] = &["min"];
#[derive(Debug)]
pub struct DateTimeGen;
#[derive(Debug)]
pub struct BirthdateGen;
pub(super) fn construct(_a: &Args) -> Result<DateTimeGen, String> { Err("todo".into()) }
pub(super) fn construct_birthdate(_a: &Args) -> Result<BirthdateGen, String> { Err("todo".into()) }
impl DateTimeGen { pub(super) fn next(&self, _s: &mut GenState, _r: &mut Stream, _n: DateTime) -> Result<Option<Value>, String> { Ok(None) } }
impl BirthdateGen { pub(super) fn next(&self, _r: &mut Stream, _n: DateTime) -> Result<Value, String> { Ok(Value::Null) } }
