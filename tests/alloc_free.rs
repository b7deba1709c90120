//! Numeric and boolean expressions run without allocating (once the interpreter's scratch
//! buffers exist), shown with a counting global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use datamimic::domains::determinism::Stream;
use datamimic::ir::types::Ty;
use datamimic::parser::expr::parse_expr;
use datamimic::source::Span;
use datamimic::vm::compile::{compile, Scope};
use datamimic::vm::exec::{run, Env, Scratch};
use datamimic::vm::op::Slot;
use datamimic::vm::value::Value;

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

struct Vars;
impl Scope for Vars {
    fn resolve(&self, name: &str) -> Option<(Slot, Ty)> {
        ["a", "b", "c", "d", "x"].iter().position(|n| *n == name).map(|i| (Slot::Global(i as u16), Ty::Any))
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
            Slot::Global(0) => Value::Int(21),
            Slot::Global(1) => Value::Int(4),
            Slot::Global(2) => Value::Bool(true),
            Slot::Global(3) => Value::Float(1.5),
            _ => Value::Float(0.25),
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

#[test]
fn numeric_expressions_do_not_allocate() {
    let now = jiff::civil::date(2025, 1, 1).at(0, 0, 0, 0);
    for text in ["a * 2 + b if c else d", "(a // b) % 3 - -a", "x * 3.5 + d / 2 > a and not c", "1 < a < 100 or b == 4"]
    {
        let e = parse_expr(text).expect("parses");
        let (chunk, _) = compile(&e, text, &Vars, &|_| Span::DETACHED).expect("compiles");
        let mut scratch = Scratch::default();
        let mut rng = Stream::new(1);
        run(&chunk, &Vars, &mut rng, now, &mut scratch).expect("warm-up");
        let before = ALLOCS.load(Ordering::Relaxed);
        for _ in 0..10_000 {
            let v = run(&chunk, &Vars, &mut rng, now, &mut scratch).expect("runs");
            std::hint::black_box(v);
        }
        let n = ALLOCS.load(Ordering::Relaxed) - before;
        assert_eq!(n, 0, "`{text}` allocated {n} times in 10,000 evaluations");
    }
}
