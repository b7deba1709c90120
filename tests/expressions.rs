//! The expression language against CPython: every line of `fixtures/expr/corpus.tsv` holds an
//! expression and the `repr()` CPython 3.11 gives for it (or `!Error` when Python raises), in
//! the environment below (`gen_corpus.py` regenerates the file). Also: every expression of the
//! conformance corpus either compiles or gets a clear "not supported" diagnostic.

use std::path::Path;
use std::sync::Arc;

use datamimic::domains::determinism::Stream;
use datamimic::ir::types::Ty;
use datamimic::parser::expr::parse_expr;
use datamimic::source::Span;
use datamimic::vm::compile::{compile, Scope};
use datamimic::vm::exec::{run, Env, Scratch};
use datamimic::vm::op::Slot;
use datamimic::vm::value::{Map, Value};

struct TestEnv {
    names: Vec<&'static str>,
    values: Vec<Value>,
}

impl TestEnv {
    fn new() -> TestEnv {
        let dt = jiff::civil::date(2024, 3, 5).at(14, 7, 9, 0);
        let mut d = Map::new();
        d.insert(Arc::from("a"), Value::Int(1));
        d.insert(Arc::from("b"), Value::list(vec![Value::Int(1), Value::Int(2)]));
        let pairs: Vec<(&'static str, Value)> = vec![
            ("x", Value::Int(7)),
            ("y", Value::Int(-3)),
            ("f", Value::Float(2.5)),
            ("s", Value::str("Hello World")),
            ("e", Value::str("")),
            ("l", Value::list(vec![Value::Int(3), Value::Int(1), Value::Int(2)])),
            ("t", Value::Tuple(Arc::new(vec![Value::Int(1), Value::str("a")]))),
            ("d", Value::map(d)),
            ("n", Value::Null),
            ("yes", Value::Bool(true)),
            ("no", Value::Bool(false)),
            ("name", Value::str("Ann")),
            ("big", Value::Int(9007199254740993)),
            ("neg", Value::Int(-7)),
            ("w", Value::str("  padded  ")),
            ("csv", Value::str("a,b,,c")),
            ("dt", Value::DateTime(dt)),
            ("day", Value::Date(jiff::civil::date(2024, 2, 29))),
        ];
        TestEnv { names: pairs.iter().map(|p| p.0).collect(), values: pairs.into_iter().map(|p| p.1).collect() }
    }
}

impl Scope for TestEnv {
    fn resolve(&self, name: &str) -> Option<(Slot, Ty)> {
        self.names.iter().position(|n| *n == name).map(|i| (Slot::Global(i as u16), Ty::Any))
    }
    fn dynamic(&self) -> bool {
        false
    }
    fn names(&self) -> Vec<String> {
        self.names.iter().map(|s| s.to_string()).collect()
    }
}

impl Env for TestEnv {
    fn load(&self, slot: Slot) -> Result<Value, String> {
        match slot {
            Slot::Global(i) => Ok(self.values[i as usize].clone()),
            _ => Err("no such slot".into()),
        }
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

fn eval(env: &TestEnv, text: &str) -> Result<Value, String> {
    let e = parse_expr(text).map_err(|e| e.message)?;
    let (chunk, _) = compile(&e, text, env, &|_| Span::DETACHED).map_err(|errs| errs[0].message.clone())?;
    let mut rng = Stream::new(1);
    run(&chunk, env, &mut rng, jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0), &mut Scratch::default())
        .map_err(|e| e.message)
}

#[test]
fn expressions_match_cpython() {
    let env = TestEnv::new();
    let corpus = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/expr/corpus.tsv"))
        .expect("corpus");
    let mut failures = Vec::new();
    let mut n = 0;
    for line in corpus.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (expr, want) = line.split_once('\t').expect("tab");
        n += 1;
        match (eval(&env, expr), want.starts_with('!')) {
            (Ok(v), false) if v.py_repr() == want => {}
            (Err(_), true) => {}
            (got, _) => failures.push(format!("{expr}\n    want {want}\n    got  {:?}", got.map(|v| v.py_repr()))),
        }
    }
    assert!(n >= 300, "corpus has {n} expressions");
    assert!(failures.is_empty(), "{} of {n} differ from CPython:\n{}", failures.len(), failures.join("\n"));
}

/// Every script/condition/defaultValue/count/source expression of the conformance models.
fn corpus_expressions() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/cases");
    let mut out = Vec::new();
    let Ok(cases) = std::fs::read_dir(&root) else { return out };
    let mut stack: Vec<std::path::PathBuf> = cases.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            if let Ok(rd) = std::fs::read_dir(&p) {
                stack.extend(rd.filter_map(|e| e.ok()).map(|e| e.path()));
            }
            continue;
        }
        if p.extension().and_then(|e| e.to_str()) != Some("xml") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else { continue };
        let Ok(root) = datamimic::parser::xml::parse(&text, datamimic::source::SourceId(0)) else { continue };
        let mut st = vec![&root];
        while let Some(el) = st.pop() {
            for a in &el.attrs {
                let v = a.value.trim();
                let expr = match a.name.as_str() {
                    "script" | "condition" => Some(v.to_string()),
                    "defaultValue" if v != "None" => Some(v.to_string()),
                    "count" if v.starts_with('{') && v.ends_with('}') => Some(v[1..v.len() - 1].to_string()),
                    _ => None,
                };
                if let Some(e) = expr.filter(|e| !e.is_empty()) {
                    out.push(e);
                }
            }
            st.extend(el.children.iter());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Every name is a dynamic value here: this measures what the language accepts.
struct Open;
impl Scope for Open {
    fn resolve(&self, _name: &str) -> Option<(Slot, Ty)> {
        None
    }
    fn dynamic(&self) -> bool {
        true
    }
    fn names(&self) -> Vec<String> {
        vec![]
    }
}

#[test]
fn real_model_expressions_compile_or_are_declared_unsupported() {
    let exprs = corpus_expressions();
    if exprs.is_empty() {
        eprintln!("conformance corpus not found next to the project; nothing to measure");
        return;
    }
    let mut ok = 0;
    let mut unsupported = Vec::new();
    for e in &exprs {
        match parse_expr(e) {
            Ok(p) => match compile(&p, e, &Open, &|_| Span::DETACHED) {
                Ok(_) => ok += 1,
                Err(errs) => {
                    let m = &errs[0];
                    assert!(
                        m.code == "DM506" || m.code == "DM503" || m.code == "DM502",
                        "`{e}` fails with {} {}",
                        m.code,
                        m.message
                    );
                    unsupported.push(format!("{e}: {}", m.message));
                }
            },
            Err(pe) => {
                assert!(pe.unsupported || e.contains("\\:"), "`{e}` is a syntax error: {}", pe.message);
                unsupported.push(format!("{e}: {}", pe.message));
            }
        }
    }
    let share = ok as f64 / exprs.len() as f64;
    eprintln!("{ok} of {} distinct expressions compile ({:.1}%)", exprs.len(), share * 100.0);
    for u in &unsupported {
        eprintln!("  not supported: {u}");
    }
    assert!(share >= 0.95, "only {:.1}% compile", share * 100.0);
}

#[test]
fn fuzzer_found_inputs_are_errors_not_crashes() {
    // Each input the fuzzer once crashed on stays here as a regression case.
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/expr/deep_nesting.txt"))
            .expect("fixture");
    assert!(parse_expr(&text).is_err());
}
