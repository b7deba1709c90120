//! The bytecode must mean exactly what the syntax means: a tree-walking evaluator written
//! here, straight from the syntax tree, and the VM (compiler + interpreter) agree on value or
//! error for thousands of generated expressions.

use std::sync::Arc;

use datamimic::builtins::functions::{self as bf, Builtin, CallCtx, Method};
use datamimic::domains::determinism::Stream;
use datamimic::ir::types::Ty;
use datamimic::parser::expr::ast::{CmpOp, Expr, ExprKind, FPart, UnOp};
use datamimic::parser::expr::parse_expr;
use datamimic::source::Span;
use datamimic::vm::compile::{compile, Scope};
use datamimic::vm::exec::{self, Env, Scratch};
use datamimic::vm::op::Slot;
use datamimic::vm::value::Value;

const NAMES: &[&str] = &["a", "b", "f", "s", "t", "l", "n"];

fn env_value(name: &str) -> Option<Value> {
    Some(match name {
        "a" => Value::Int(7),
        "b" => Value::Int(-3),
        "f" => Value::Float(2.5),
        "s" => Value::str("abc"),
        "t" => Value::Bool(true),
        "l" => Value::list(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
        "n" => Value::Null,
        _ => return None,
    })
}

struct Names;
impl Scope for Names {
    fn resolve(&self, name: &str) -> Option<(Slot, Ty)> {
        NAMES.iter().position(|n| *n == name).map(|i| (Slot::Global(i as u16), Ty::Any))
    }
    fn dynamic(&self) -> bool {
        false
    }
    fn names(&self) -> Vec<String> {
        NAMES.iter().map(|s| s.to_string()).collect()
    }
}
impl Env for Names {
    fn load(&self, slot: Slot) -> Result<Value, String> {
        match slot {
            Slot::Global(i) => env_value(NAMES[i as usize]).ok_or_else(|| "no".into()),
            _ => Err("no".into()),
        }
    }
    fn load_dyn(&self, n: &str) -> Result<Value, String> {
        Err(format!("unknown {n}"))
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

/// The reference evaluator: recursion over the syntax tree, Python semantics.
fn walk(e: &Expr, locals: &mut Vec<(String, Value)>) -> Result<Value, String> {
    Ok(match &e.kind {
        ExprKind::None => Value::Null,
        ExprKind::Bool(b) => Value::Bool(*b),
        ExprKind::Int(i) => Value::Int(*i),
        ExprKind::Float(f) => Value::Float(*f),
        ExprKind::Str(s) => Value::str(s),
        ExprKind::Bytes(b) => Value::Bytes(Arc::from(b.as_slice())),
        ExprKind::Name(n) => match locals.iter().rev().find(|(k, _)| k == n) {
            Some((_, v)) => v.clone(),
            None => env_value(n).ok_or_else(|| format!("unknown {n}"))?,
        },
        ExprKind::FString(parts) => {
            let mut out = String::new();
            for p in parts {
                match p {
                    FPart::Lit(l) => out.push_str(l),
                    FPart::Expr { expr, conv, spec } => {
                        let v = walk(expr, locals)?;
                        let v = match conv {
                            Some('r') | Some('a') => Value::from(v.py_repr()),
                            Some('s') => Value::from(v.py_str()),
                            _ => v,
                        };
                        out.push_str(&bf::format_value(&v, spec)?);
                    }
                }
            }
            Value::from(out)
        }
        ExprKind::Unary(op, x) => {
            let v = walk(x, locals)?;
            match op {
                UnOp::Neg => exec::unary_neg(&v)?,
                UnOp::Pos => exec::unary_pos(&v)?,
                UnOp::Not => Value::Bool(!v.truthy()),
                UnOp::Invert => Value::Int(!v.as_i64().ok_or("bad ~")?),
            }
        }
        ExprKind::Binary(op, l, r) => {
            let a = walk(l, locals)?;
            let b = walk(r, locals)?;
            exec::binary(*op, &a, &b)?
        }
        ExprKind::Compare(first, rest) => {
            let mut left = walk(first, locals)?;
            for (op, rhs) in rest {
                let right = walk(rhs, locals)?;
                let r = exec::compare(*op, &left, &right)?;
                if !r.truthy() {
                    return Ok(r);
                }
                left = right;
            }
            Value::Bool(true)
        }
        ExprKind::And(l, r) => {
            let a = walk(l, locals)?;
            if !a.truthy() {
                a
            } else {
                walk(r, locals)?
            }
        }
        ExprKind::Or(l, r) => {
            let a = walk(l, locals)?;
            if a.truthy() {
                a
            } else {
                walk(r, locals)?
            }
        }
        ExprKind::IfElse(c, t, o) => {
            if walk(c, locals)?.truthy() {
                walk(t, locals)?
            } else {
                walk(o, locals)?
            }
        }
        ExprKind::List(items) => Value::list(items.iter().map(|i| walk(i, locals)).collect::<Result<_, _>>()?),
        ExprKind::Tuple(items) => {
            Value::Tuple(Arc::new(items.iter().map(|i| walk(i, locals)).collect::<Result<_, _>>()?))
        }
        ExprKind::Index(o, i) => {
            let o = walk(o, locals)?;
            let i = walk(i, locals)?;
            match (&o, i.as_i64()) {
                (Value::List(l), Some(k)) => {
                    let k = if k < 0 { k + l.len() as i64 } else { k };
                    l.get(usize::try_from(k).map_err(|_| "index")?).cloned().ok_or("index")?
                }
                (Value::Str(s), Some(k)) => {
                    let c: Vec<char> = s.chars().collect();
                    let k = if k < 0 { k + c.len() as i64 } else { k };
                    Value::from(c.get(usize::try_from(k).map_err(|_| "index")?).ok_or("index")?.to_string())
                }
                _ => return Err("subscript".into()),
            }
        }
        ExprKind::Call(f, args, _) => {
            let vals: Vec<Value> = args.iter().map(|a| walk(a, locals)).collect::<Result<_, _>>()?;
            match &f.kind {
                ExprKind::Name(n) => {
                    let b = Builtin::lookup(n).ok_or("unknown function")?;
                    let mut rng = Stream::new(1);
                    let mut ctx = CallCtx { rng: &mut rng, now: jiff::civil::date(2025, 1, 1).at(0, 0, 0, 0) };
                    bf::call_builtin(&mut ctx, b, &vals, &[])?
                }
                ExprKind::Attr(o, m, _) => {
                    let recv = walk(o, locals)?;
                    bf::call_method(Method::lookup(m).ok_or("unknown method")?, &recv, &vals, &[])?
                }
                _ => return Err("call".into()),
            }
        }
        ExprKind::ListComp { elt, vars, iter, cond } => {
            let items = bf::iterate(&walk(iter, locals)?)?;
            let mut out = Vec::new();
            for it in items {
                locals.push((vars[0].clone(), it));
                let keep = match cond {
                    Some(c) => walk(c, locals).map(|v| v.truthy()),
                    None => Ok(true),
                };
                let r = match keep {
                    Ok(true) => walk(elt, locals).map(Some),
                    Ok(false) => Ok(None),
                    Err(e) => Err(e),
                };
                locals.pop();
                if let Some(v) = r? {
                    out.push(v);
                }
            }
            Value::list(out)
        }
        _ => return Err("outside the generated subset".into()),
    })
}

/// Random expression text over the generated subset.
fn gen(s: &mut Stream, depth: u32) -> String {
    let leaf = depth == 0 || s.below(4) == 0;
    if leaf {
        return match s.below(9) {
            0 => s.range_i64(-9, 9).to_string(),
            1 => format!("{}.{}", s.range_i64(0, 9), s.range_i64(0, 99)),
            2 => ["'x'", "''", "'ab'"][s.below(3) as usize].to_string(),
            3 => ["True", "False", "None"][s.below(3) as usize].to_string(),
            _ => NAMES[s.below(NAMES.len() as u64) as usize].to_string(),
        };
    }
    let a = gen(s, depth - 1);
    let b = gen(s, depth - 1);
    match s.below(14) {
        0 => format!("({a} + {b})"),
        1 => format!("({a} - {b})"),
        2 => format!("({a} * {b})"),
        3 => format!("({a} // {b})"),
        4 => format!("({a} % {b})"),
        5 => format!("({a} / {b})"),
        6 => format!("({a} < {b} <= {})", gen(s, depth - 1)),
        7 => format!("({a} == {b})"),
        8 => format!("({a} and {b})"),
        9 => format!("({a} or {b})"),
        10 => format!("({a} if {b} else {})", gen(s, depth - 1)),
        11 => format!("(not {a})"),
        12 => format!("[x + {a} for x in l if x != {b}]"),
        _ => {
            ["len(s)", "str(a)", "abs(b)", "max(l)", "f'{a}-{s}'", "s.upper()", "l[b]"][s.below(7) as usize].to_string()
        }
    }
}

#[test]
fn vm_and_tree_walker_agree() {
    let mut s = Stream::new(20240101);
    let mut compared = 0;
    let mut rejected = 0;
    for _ in 0..5000 {
        let text = gen(&mut s, 4);
        let Ok(e) = parse_expr(&text) else { panic!("generated text does not parse: {text}") };
        let reference = walk(&e, &mut Vec::new());
        let vm = match compile(&e, &text, &Names, &|_| Span::DETACHED) {
            Ok((chunk, _)) => exec::run(
                &chunk,
                &Names,
                &mut Stream::new(1),
                jiff::civil::date(2025, 1, 1).at(0, 0, 0, 0),
                &mut Scratch::default(),
            )
            .map_err(|e| e.message),
            // Certain type errors are rejected before the run even in branches Python would
            // not evaluate (deliberately stricter); only a type error may be static.
            Err(errs) => {
                assert!(errs.iter().all(|x| x.code == "DM504"), "{text}: {errs:?}");
                rejected += 1;
                continue;
            }
        };
        match (&reference, &vm) {
            (Ok(a), Ok(b)) => assert_eq!(a.py_repr(), b.py_repr(), "{text}"),
            (Err(_), Err(_)) => {}
            _ => panic!("{text}: tree-walker {reference:?} vs VM {vm:?}"),
        }
        compared += 1;
    }
    assert_eq!(compared + rejected, 5000);
    assert!(compared > 3000, "only {compared} expressions compared");
    let _ = CmpOp::Eq;
}
