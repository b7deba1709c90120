// TEMPORARY STUB (not committed)
use crate::domains::determinism::Stream;
use crate::vm::value::Value;
#[derive(Debug)]
pub struct Generator;
#[derive(Default, Debug)]
pub struct GenState {
    pub n: u64,
}
pub struct GenConfig {
    pub dataset: String,
    pub locale: String,
}
pub const GENERATOR_NAMES: &[(&str, &[&str])] = &[("IncrementGenerator", &["start"])];
pub fn construct(_n: &str, _a: &[Value], _k: &[(String, Value)], _c: &GenConfig) -> Result<Generator, String> {
    Ok(Generator)
}
impl Generator {
    pub fn next(
        &self,
        s: &mut GenState,
        _r: &mut Stream,
        _now: jiff::civil::DateTime,
    ) -> Result<Option<Value>, String> {
        s.n += 1;
        Ok(Some(Value::Int(s.n as i64)))
    }
    pub fn per_execution(&self) -> bool {
        true
    }
}
