//! Parse, compile (type check + verifier) and run arbitrary expressions: never panics, and the
//! verifier never rejects what the compiler emits.
#![no_main]

use datamimic::domains::determinism::Stream;
use datamimic::ir::types::Ty;
use datamimic::source::Span;
use datamimic::vm::compile::{compile, Scope};
use datamimic::vm::exec::{run, Env, Scratch};
use datamimic::vm::op::Slot;
use datamimic::vm::value::Value;
use libfuzzer_sys::fuzz_target;

struct Names;

impl Scope for Names {
    fn resolve(&self, name: &str) -> Option<(Slot, Ty)> {
        ["x", "s", "l"].iter().position(|n| *n == name).map(|i| (Slot::Global(i as u16), Ty::Any))
    }
    fn dynamic(&self) -> bool {
        false
    }
    fn names(&self) -> Vec<String> {
        vec!["x".into(), "s".into(), "l".into()]
    }
}

impl Env for Names {
    fn load(&self, slot: Slot) -> Result<Value, String> {
        Ok(match slot {
            Slot::Global(0) => Value::Int(7),
            Slot::Global(1) => Value::str("text"),
            _ => Value::list(vec![Value::Int(1), Value::Float(2.5)]),
        })
    }
    fn load_dyn(&self, name: &str) -> Result<Value, String> {
        Err(format!("unknown {name}"))
    }
    fn this(&self) -> Value {
        Value::Null
    }
    fn parent(&self) -> Result<Value, String> {
        Err("no parent".into())
    }
    fn root(&self) -> Value {
        Value::Null
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(expr) = datamimic::parser::expr::parse_expr(text) else { return };
    match compile(&expr, text, &Names, &|_| Span::DETACHED) {
        Ok((chunk, _)) => {
            let _ = run(&chunk, &Names, &mut Stream::new(1), jiff::civil::date(2025, 1, 1).at(0, 0, 0, 0), &mut Scratch::default());
        }
        Err(errs) => assert!(errs.iter().all(|e| e.code != "DM000"), "verifier rejected compiler output: {errs:?}"),
    }
});
