//! Nanoseconds per evaluation of typical expressions (`cargo bench --bench expr`).

use std::sync::Arc;
use std::time::Instant;

use datamimic::domains::determinism::Stream;
use datamimic::ir::types::Ty;
use datamimic::parser::expr::parse_expr;
use datamimic::source::Span;
use datamimic::vm::compile::{compile, Scope};
use datamimic::vm::exec::{run, Env, Scratch};
use datamimic::vm::op::Slot;
use datamimic::vm::value::{Map, Value};

struct Vars {
    p: Value,
}
const NAMES: &[&str] = &["p", "a", "b", "c", "d", "x", "y"];
impl Scope for Vars {
    fn resolve(&self, name: &str) -> Option<(Slot, Ty)> {
        let ty = if name == "p" { Ty::Entity("Person") } else { Ty::Any };
        NAMES.iter().position(|n| *n == name).map(|i| (Slot::Global(i as u16), ty))
    }
    fn dynamic(&self) -> bool {
        false
    }
    fn names(&self) -> Vec<String> {
        vec![]
    }
}
impl Env for Vars {
    fn load(&self, slot: Slot) -> Result<Value, String> {
        Ok(match slot {
            Slot::Global(0) => self.p.clone(),
            Slot::Global(1) => Value::Int(21),
            Slot::Global(2) => Value::Int(4),
            Slot::Global(3) => Value::Bool(true),
            Slot::Global(4) => Value::Float(1.5),
            Slot::Global(5) => Value::Int(42),
            _ => Value::str("abc"),
        })
    }
    fn load_dyn(&self, _: &str) -> Result<Value, String> {
        Err(String::new())
    }
    fn this(&self) -> Value {
        Value::Null
    }
    fn parent(&self) -> Result<Value, String> {
        Ok(Value::Null)
    }
    fn root(&self) -> Value {
        Value::Null
    }
}

fn main() {
    let mut p = Map::new();
    p.insert(Arc::from("given_name"), Value::str("Kelly"));
    p.insert(Arc::from("family_name"), Value::str("Miller"));
    let env = Vars { p: Value::map(p) };
    let now = jiff::civil::date(2025, 1, 1).at(0, 0, 0, 0);
    for text in ["p.given_name + ' ' + p.family_name", "a * 2 + b if c else d", "f\"{x:05d}-{y}\""] {
        let e = parse_expr(text).expect("parses");
        let (chunk, _) = compile(&e, text, &env, &|_| Span::DETACHED).expect("compiles");
        let mut scratch = Scratch::default();
        let mut rng = Stream::new(1);
        let n = 2_000_000u32;
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(run(&chunk, &env, &mut rng, now, &mut scratch).expect("runs"));
        }
        let ns = t.elapsed().as_nanos() as f64 / n as f64;
        println!("{text:40} {ns:7.1} ns/eval");
    }
}
