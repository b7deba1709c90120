//! The interpreter: runs a [`Chunk`] against an [`Env`] (the record frames of the running
//! model) with the field's random [`Stream`] and the run clock.
//!
//! Errors never panic: they come back as [`ExecError`] with the instruction's span. Operators
//! follow Python: floor division and modulo round toward negative infinity, `int` overflow is
//! an error (Python would grow; we stop loudly), `True == 1`, `str * int`, chained comparisons.

use std::cmp::Ordering;
use std::sync::Arc;

use jiff::civil::DateTime;

use crate::builtins::functions::{self as bf, CallCtx};
use crate::domains::determinism::Stream;
use crate::parser::expr::ast::{BinOp, CmpOp};
use crate::source::Span;
use crate::vm::op::{Chunk, Op, Slot};
use crate::vm::value::{Map, Value};

/// Where loads read from.
pub trait Env {
    fn load(&self, slot: Slot) -> Result<Value, String>;
    fn load_dyn(&self, name: &str) -> Result<Value, String>;
    fn this(&self) -> Value;
    fn parent(&self) -> Result<Value, String>;
    fn root(&self) -> Value;
}

/// A run-time error inside an expression.
#[derive(Clone, Debug)]
pub struct ExecError {
    pub message: String,
    pub span: Span,
}

/// Reusable interpreter buffers (one per worker), so evaluation does not allocate per call.
#[derive(Default)]
pub struct Scratch {
    stack: Vec<Value>,
    locals: Vec<Value>,
    iters: Vec<(Vec<Value>, usize)>,
}

/// Evaluates a chunk.
pub fn run(
    chunk: &Chunk,
    env: &dyn Env,
    rng: &mut Stream,
    now: DateTime,
    scratch: &mut Scratch,
) -> Result<Value, ExecError> {
    // Fast path: a single constant.
    if let [Op::Const(i)] = chunk.code.as_slice() {
        return Ok(chunk.consts[*i as usize].clone());
    }
    let base = scratch.stack.len();
    let lbase = scratch.locals.len();
    scratch.locals.resize(lbase + chunk.locals as usize, Value::Null);
    let ibase = scratch.iters.len();
    let r = exec(chunk, env, rng, now, scratch, lbase);
    scratch.stack.truncate(base);
    scratch.locals.truncate(lbase);
    scratch.iters.truncate(ibase);
    r
}

fn exec(
    chunk: &Chunk,
    env: &dyn Env,
    rng: &mut Stream,
    now: DateTime,
    s: &mut Scratch,
    lbase: usize,
) -> Result<Value, ExecError> {
    let code = &chunk.code;
    let mut pc = 0usize;
    let base = s.stack.len();
    let fail = |pc: usize, m: String| ExecError { message: m, span: chunk.span_at(pc) };
    macro_rules! pop {
        () => {
            match s.stack.pop() {
                Some(v) => v,
                None => return Err(fail(pc, "internal error: stack underflow".into())),
            }
        };
    }
    // A budget on backward jumps guards against runaway comprehensions.
    let mut budget: u64 = 50_000_000;
    while pc < code.len() {
        match &code[pc] {
            Op::Const(i) => {
                let c = &chunk.consts[*i as usize];
                // `x['key']`: a constant key is looked up in place. Cloning it would touch the
                // shared constant's reference count, which parallel workers contend for.
                if let (Some(Op::Index), Value::Str(_)) = (code.get(pc + 1), c) {
                    let obj = pop!();
                    s.stack.push(index(&obj, c).map_err(|m| fail(pc + 1, m))?);
                    pc += 2;
                    continue;
                }
                s.stack.push(c.clone())
            }
            Op::Load(Slot::Local(i)) => s.stack.push(s.locals[lbase + *i as usize].clone()),
            Op::Load(slot) => s.stack.push(env.load(*slot).map_err(|m| fail(pc, m))?),
            Op::LoadDyn(n) => s.stack.push(env.load_dyn(&chunk.names[*n as usize]).map_err(|m| fail(pc, m))?),
            Op::LoadThis => s.stack.push(env.this()),
            Op::LoadParent => s.stack.push(env.parent().map_err(|m| fail(pc, m))?),
            Op::LoadRoot => s.stack.push(env.root()),
            Op::StoreLocal(i) => {
                let v = pop!();
                s.locals[lbase + *i as usize] = v;
            }
            Op::GetAttr(n) => {
                let obj = pop!();
                s.stack.push(bf::get_attr(&obj, &chunk.names[*n as usize]).map_err(|m| fail(pc, m))?);
            }
            Op::Index => {
                let idx = pop!();
                let obj = pop!();
                s.stack.push(index(&obj, &idx).map_err(|m| fail(pc, m))?);
            }
            Op::Slice => {
                let step = pop!();
                let hi = pop!();
                let lo = pop!();
                let obj = pop!();
                s.stack.push(slice(&obj, &lo, &hi, &step).map_err(|m| fail(pc, m))?);
            }
            Op::Bin(op) => {
                let b = pop!();
                let a = pop!();
                s.stack.push(binary(*op, &a, &b).map_err(|m| fail(pc, m))?);
            }
            Op::AddN(n) => {
                let at = s.stack.len().saturating_sub(*n as usize);
                let v = add_all(&s.stack[at..]).map_err(|m| fail(pc, m))?;
                s.stack.truncate(at);
                s.stack.push(v);
            }
            Op::Cmp(op) => {
                let b = pop!();
                let a = pop!();
                s.stack.push(compare(*op, &a, &b).map_err(|m| fail(pc, m))?);
            }
            Op::Neg => {
                let a = pop!();
                s.stack.push(unary_neg(&a).map_err(|m| fail(pc, m))?);
            }
            Op::Pos => {
                let a = pop!();
                s.stack.push(unary_pos(&a).map_err(|m| fail(pc, m))?);
            }
            Op::Not => {
                let a = pop!();
                s.stack.push(Value::Bool(!a.truthy()));
            }
            Op::Invert => {
                let a = pop!();
                match a.as_i64() {
                    Some(i) => s.stack.push(Value::Int(!i)),
                    None => return Err(fail(pc, format!("bad operand type for unary ~: '{}'", a.type_name()))),
                }
            }
            Op::Jump(t) => {
                if (*t as usize) <= pc {
                    budget = budget.checked_sub(1).ok_or_else(|| fail(pc, "expression ran too long".into()))?;
                }
                pc = *t as usize;
                continue;
            }
            Op::JumpIfFalse(t) => {
                let c = pop!();
                if !c.truthy() {
                    if (*t as usize) <= pc {
                        budget = budget.checked_sub(1).ok_or_else(|| fail(pc, "expression ran too long".into()))?;
                    }
                    pc = *t as usize;
                    continue;
                }
            }
            Op::JumpIfFalseKeep(t) => {
                let truthy = s.stack.last().is_some_and(|c| c.truthy());
                if !truthy {
                    pc = *t as usize;
                    continue;
                }
                s.stack.pop();
            }
            Op::JumpIfTrueKeep(t) => {
                let truthy = s.stack.last().is_some_and(|c| c.truthy());
                if truthy {
                    pc = *t as usize;
                    continue;
                }
                s.stack.pop();
            }
            Op::Pop => {
                pop!();
            }
            Op::Dup => {
                let v = s.stack.last().cloned().ok_or_else(|| fail(pc, "internal error: stack underflow".into()))?;
                s.stack.push(v);
            }
            Op::Swap => {
                let n = s.stack.len();
                if n < 2 {
                    return Err(fail(pc, "internal error: stack underflow".into()));
                }
                s.stack.swap(n - 1, n - 2);
            }
            Op::Rot3 => {
                let c = pop!();
                let b = pop!();
                let a = pop!();
                s.stack.push(c);
                s.stack.push(a);
                s.stack.push(b);
            }
            Op::MakeList(n) | Op::MakeTuple(n) => {
                let at = s.stack.len() - *n as usize;
                let items: Vec<Value> = s.stack.drain(at..).collect();
                s.stack.push(if matches!(code[pc], Op::MakeList(_)) {
                    Value::List(Arc::new(items))
                } else {
                    Value::Tuple(Arc::new(items))
                });
            }
            Op::MakeDict(n) => {
                let at = s.stack.len() - 2 * *n as usize;
                let mut m = Map::with_capacity(*n as usize);
                let items: Vec<Value> = s.stack.drain(at..).collect();
                for kv in items.chunks(2) {
                    let k: Arc<str> = match &kv[0] {
                        Value::Str(k) => k.clone(),
                        other => Arc::from(other.py_str()),
                    };
                    m.insert(k, kv[1].clone());
                }
                s.stack.push(Value::Map(Arc::new(m)));
            }
            Op::Concat(n) => {
                let at = s.stack.len() - *n as usize;
                let mut out = String::new();
                for v in &s.stack[at..] {
                    v.write_py_str(&mut out);
                }
                s.stack.truncate(at);
                s.stack.push(Value::from(out));
            }
            Op::Format { conv, spec } => {
                let v = pop!();
                let v = match conv {
                    1 => Value::from(v.py_repr()),
                    2 => Value::from(v.py_str()),
                    _ => v,
                };
                let spec = chunk.consts[*spec as usize].as_str().unwrap_or("");
                s.stack.push(Value::from(bf::format_value(&v, spec).map_err(|m| fail(pc, m))?));
            }
            Op::CallBuiltin { f, argc, kw } => {
                let at = s.stack.len() - *argc as usize;
                let (pos, kws) = split_kwargs(chunk, &s.stack[at..], *kw);
                let mut ctx = CallCtx { rng, now };
                let r = bf::call_builtin(&mut ctx, *f, pos, &kws).map_err(|m| fail(pc, m))?;
                s.stack.truncate(at);
                s.stack.push(r);
            }
            Op::CallMethod { m, argc, kw } => {
                let at = s.stack.len() - *argc as usize;
                let recv_at = at - 1;
                let (pos, kws) = split_kwargs(chunk, &s.stack[at..], *kw);
                let r = bf::call_method(*m, &s.stack[recv_at], pos, &kws).map_err(|e| fail(pc, e))?;
                s.stack.truncate(recv_at);
                s.stack.push(r);
            }
            Op::IterStart => {
                let it = pop!();
                let items = bf::iterate(&it).map_err(|m| fail(pc, m))?;
                s.iters.push((items, 0));
                s.stack.push(Value::Int(s.iters.len() as i64 - 1));
            }
            Op::IterNext(t) => {
                let id = match s.stack.last() {
                    Some(Value::Int(i)) => *i as usize,
                    _ => return Err(fail(pc, "internal error: bad iterator".into())),
                };
                let (items, pos) = &mut s.iters[id];
                if *pos < items.len() {
                    let v = items[*pos].clone();
                    *pos += 1;
                    s.stack.push(v);
                } else {
                    s.stack.pop();
                    pc = *t as usize;
                    continue;
                }
            }
            Op::ListAppend => {
                let item = pop!();
                let list = pop!();
                let mut l = match list {
                    Value::List(l) => l,
                    _ => return Err(fail(pc, "internal error: append to a non-list".into())),
                };
                Arc::make_mut(&mut l).push(item);
                s.stack.push(Value::List(l));
            }
            Op::AssertBool => {
                if !matches!(s.stack.last(), Some(Value::Bool(_))) {
                    let t = s.stack.last().map(|v| v.type_name()).unwrap_or("nothing");
                    return Err(fail(pc, format!("condition must be a bool, got '{t}'")));
                }
            }
        }
        pc += 1;
    }
    let r = s.stack.pop().ok_or_else(|| fail(pc, "internal error: empty stack".into()))?;
    s.stack.truncate(base);
    Ok(r)
}

fn split_kwargs<'v>(chunk: &Chunk, vals: &'v [Value], kw: u32) -> (&'v [Value], Vec<(Arc<str>, Value)>) {
    if kw == u32::MAX {
        return (vals, Vec::new());
    }
    let names = match chunk.consts.get(kw as usize) {
        Some(Value::Tuple(t)) => t.clone(),
        _ => return (vals, Vec::new()),
    };
    let npos = vals.len().saturating_sub(names.len());
    let kws = names
        .iter()
        .zip(&vals[npos..])
        .map(|(n, v)| (n.as_str().map(Arc::from).unwrap_or_else(|| Arc::from("")), v.clone()))
        .collect();
    (&vals[..npos], kws)
}

pub fn unary_neg(a: &Value) -> Result<Value, String> {
    Ok(match a {
        Value::Int(i) => Value::Int(i.checked_neg().ok_or("integer overflow")?),
        Value::Bool(b) => Value::Int(-(*b as i64)),
        Value::Float(f) => Value::Float(-f),
        Value::Decimal(d) => Value::Decimal(-*d),
        Value::Duration(d) => Value::Duration(-d),
        other => return Err(format!("bad operand type for unary -: '{}'", other.type_name())),
    })
}

pub fn unary_pos(a: &Value) -> Result<Value, String> {
    Ok(match a {
        Value::Int(_) | Value::Float(_) | Value::Decimal(_) | Value::Duration(_) => a.clone(),
        Value::Bool(b) => Value::Int(*b as i64),
        other => return Err(format!("bad operand type for unary +: '{}'", other.type_name())),
    })
}

fn norm_index(i: i64, len: usize) -> Option<usize> {
    let j = if i < 0 { i + len as i64 } else { i };
    (0..len as i64).contains(&j).then_some(j as usize)
}

fn index(obj: &Value, idx: &Value) -> Result<Value, String> {
    match (obj, idx) {
        (Value::List(l) | Value::Tuple(l), i) if i.as_i64().is_some() => {
            let i = i.as_i64().unwrap_or(0);
            norm_index(i, l.len()).map(|j| l[j].clone()).ok_or_else(|| "list index out of range".into())
        }
        (Value::Str(s), i) if i.as_i64().is_some() => {
            let i = i.as_i64().unwrap_or(0);
            let n = s.chars().count();
            norm_index(i, n)
                .and_then(|j| s.chars().nth(j))
                .map(|c| Value::from(c.to_string()))
                .ok_or_else(|| "string index out of range".into())
        }
        (Value::Bytes(b), i) if i.as_i64().is_some() => {
            let i = i.as_i64().unwrap_or(0);
            norm_index(i, b.len()).map(|j| Value::Int(b[j] as i64)).ok_or_else(|| "index out of range".into())
        }
        (Value::Map(m), k) => {
            let key = match k {
                Value::Str(s) => s.to_string(),
                other => other.py_str(),
            };
            m.get(key.as_str()).cloned().ok_or_else(|| format!("KeyError: {}", k.py_repr()))
        }
        (o, i) => Err(format!("'{}' object is not subscriptable with '{}'", o.type_name(), i.type_name())),
    }
}

fn slice_indices(len: usize, lo: &Value, hi: &Value, step: &Value) -> Result<Vec<usize>, String> {
    let step = match step {
        Value::Null => 1,
        v => v.as_i64().ok_or("slice indices must be integers or None")?,
    };
    if step == 0 {
        return Err("slice step cannot be zero".into());
    }
    let n = len as i64;
    let clamp = |v: &Value, default: i64, lo_b: i64, hi_b: i64| -> Result<i64, String> {
        Ok(match v {
            Value::Null => default,
            v => {
                let i = v.as_i64().ok_or("slice indices must be integers or None")?;
                let i = if i < 0 { i + n } else { i };
                i.clamp(lo_b, hi_b)
            }
        })
    };
    let mut out = Vec::new();
    if step > 0 {
        let a = clamp(lo, 0, 0, n)?;
        let b = clamp(hi, n, 0, n)?;
        let mut i = a;
        while i < b {
            out.push(i as usize);
            i += step;
        }
    } else {
        let a = clamp(lo, n - 1, -1, n - 1)?;
        let b = clamp(hi, -1, -1, n - 1)?;
        let mut i = a;
        while i > b {
            out.push(i as usize);
            i += step;
        }
    }
    Ok(out)
}

fn slice(obj: &Value, lo: &Value, hi: &Value, step: &Value) -> Result<Value, String> {
    match obj {
        Value::List(l) | Value::Tuple(l) => {
            let idx = slice_indices(l.len(), lo, hi, step)?;
            let items = idx.into_iter().map(|i| l[i].clone()).collect();
            Ok(if matches!(obj, Value::List(_)) { Value::list(items) } else { Value::Tuple(Arc::new(items)) })
        }
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            let idx = slice_indices(chars.len(), lo, hi, step)?;
            Ok(Value::from(idx.into_iter().map(|i| chars[i]).collect::<String>()))
        }
        Value::Bytes(b) => {
            let idx = slice_indices(b.len(), lo, hi, step)?;
            Ok(Value::Bytes(Arc::from(idx.into_iter().map(|i| b[i]).collect::<Vec<u8>>())))
        }
        o => Err(format!("'{}' object is not subscriptable", o.type_name())),
    }
}

fn type_err(op: BinOp, a: &Value, b: &Value) -> String {
    format!("unsupported operand type(s) for {}: '{}' and '{}'", op.symbol(), a.type_name(), b.type_name())
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

fn decimal_of(v: &Value) -> Option<rust_decimal::Decimal> {
    match v {
        Value::Decimal(d) => Some(*d),
        Value::Int(i) => Some((*i).into()),
        Value::Bool(b) => Some((*b as i64).into()),
        _ => None,
    }
}

/// Python binary operators.
/// `parts[0] + parts[1] + …` added left to right; strings are joined with one allocation.
pub fn add_all(parts: &[Value]) -> Result<Value, String> {
    let mut len = 0;
    for p in parts {
        match p {
            Value::Str(s) => len += s.len(),
            _ => {
                let mut it = parts.iter();
                let mut acc = it.next().cloned().unwrap_or_default();
                for b in it {
                    acc = binary(BinOp::Add, &acc, b)?;
                }
                return Ok(acc);
            }
        }
    }
    Ok(join(
        parts.iter().filter_map(|p| match p {
            Value::Str(s) => Some(&**s),
            _ => None,
        }),
        len,
    ))
}

/// The strings `strs` (of `len` bytes in all) joined into one string value, allocated once.
fn join<'a>(strs: impl Iterator<Item = &'a str>, len: usize) -> Value {
    let mut buf = [0u8; 256];
    if len <= buf.len() {
        let mut at = 0;
        for s in strs {
            buf[at..at + s.len()].copy_from_slice(s.as_bytes());
            at += s.len();
        }
        // Whole strings joined: still UTF-8.
        return Value::Str(Arc::from(std::str::from_utf8(&buf[..at]).unwrap_or_default()));
    }
    let mut out = String::with_capacity(len);
    strs.for_each(|s| out.push_str(s));
    Value::from(out)
}

pub fn binary(op: BinOp, a: &Value, b: &Value) -> Result<Value, String> {
    use Value::*;
    // Integer (and bool) arithmetic.
    if let (Some(x), Some(y)) = (int_of(a), int_of(b)) {
        let of = || "integer overflow".to_string();
        return Ok(match op {
            BinOp::Add => Int(x.checked_add(y).ok_or_else(of)?),
            BinOp::Sub => Int(x.checked_sub(y).ok_or_else(of)?),
            BinOp::Mul => Int(x.checked_mul(y).ok_or_else(of)?),
            BinOp::Div => {
                if y == 0 {
                    return Err("division by zero".into());
                }
                Float(x as f64 / y as f64)
            }
            BinOp::FloorDiv => {
                if y == 0 {
                    return Err("integer division or modulo by zero".into());
                }
                let q = x.checked_div(y).ok_or_else(of)?;
                let r = x % y;
                Int(if r != 0 && ((r < 0) != (y < 0)) { q - 1 } else { q })
            }
            BinOp::Mod => {
                if y == 0 {
                    return Err("integer division or modulo by zero".into());
                }
                let r = x.checked_rem(y).ok_or_else(of)?;
                Int(if r != 0 && ((r < 0) != (y < 0)) { r + y } else { r })
            }
            BinOp::Pow => {
                if y < 0 {
                    if x == 0 {
                        return Err("0.0 cannot be raised to a negative power".into());
                    }
                    Float((x as f64).powf(y as f64))
                } else {
                    Int(x.checked_pow(u32::try_from(y).map_err(|_| of())?).ok_or_else(of)?)
                }
            }
            BinOp::BitAnd => {
                if let (Bool(p), Bool(q)) = (a, b) {
                    Bool(*p && *q)
                } else {
                    Int(x & y)
                }
            }
            BinOp::BitOr => {
                if let (Bool(p), Bool(q)) = (a, b) {
                    Bool(*p || *q)
                } else {
                    Int(x | y)
                }
            }
            BinOp::BitXor => {
                if let (Bool(p), Bool(q)) = (a, b) {
                    Bool(*p != *q)
                } else {
                    Int(x ^ y)
                }
            }
            BinOp::Shl => Int(x.checked_shl(u32::try_from(y).map_err(|_| "negative shift count")?).ok_or_else(of)?),
            BinOp::Shr => Int(x >> u32::try_from(y).map_err(|_| "negative shift count")?.min(63)),
        });
    }
    match (a, b) {
        (Decimal(_), _) | (_, Decimal(_)) if decimal_of(a).is_some() && decimal_of(b).is_some() => {
            let (x, y) = (decimal_of(a).unwrap_or_default(), decimal_of(b).unwrap_or_default());
            let r = match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                BinOp::Div => {
                    if y.is_zero() {
                        return Err("division by zero".into());
                    }
                    x.checked_div(y)
                }
                BinOp::Mod => {
                    if y.is_zero() {
                        return Err("division by zero".into());
                    }
                    x.checked_rem(y)
                }
                BinOp::FloorDiv => {
                    if y.is_zero() {
                        return Err("division by zero".into());
                    }
                    x.checked_div(y).map(|q| q.trunc())
                }
                _ => return Err(type_err(op, a, b)),
            };
            return r.map(Decimal).ok_or_else(|| "decimal overflow".into());
        }
        _ => {}
    }
    if a.is_numeric() && b.is_numeric() {
        let x = a.as_f64().unwrap_or(0.0);
        let y = b.as_f64().unwrap_or(0.0);
        return Ok(Float(match op {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::Div => {
                if y == 0.0 {
                    return Err("float division by zero".into());
                }
                x / y
            }
            BinOp::FloorDiv => {
                if y == 0.0 {
                    return Err("float floor division by zero".into());
                }
                (x / y).floor()
            }
            BinOp::Mod => {
                if y == 0.0 {
                    return Err("float modulo".into());
                }
                let r = x % y;
                if r != 0.0 && ((r < 0.0) != (y < 0.0)) {
                    r + y
                } else {
                    r
                }
            }
            BinOp::Pow => {
                if x < 0.0 && y.fract() != 0.0 {
                    return Err("negative number cannot be raised to a fractional power".into());
                }
                x.powf(y)
            }
            _ => return Err(type_err(op, a, b)),
        }));
    }
    Ok(match (op, a, b) {
        (BinOp::Add, Str(x), Str(y)) => join([&**x, &**y].into_iter(), x.len() + y.len()),
        (BinOp::Add, List(x), List(y)) => Value::list(x.iter().chain(y.iter()).cloned().collect()),
        (BinOp::Add, Tuple(x), Tuple(y)) => Tuple(Arc::new(x.iter().chain(y.iter()).cloned().collect())),
        (BinOp::Add, Bytes(x), Bytes(y)) => Bytes(Arc::from([&x[..], &y[..]].concat())),
        (BinOp::Mul, Str(s), n) | (BinOp::Mul, n, Str(s)) if int_of(n).is_some() => {
            let k = int_of(n).unwrap_or(0).max(0) as usize;
            if s.len().saturating_mul(k) > 100_000_000 {
                return Err("string repetition is larger than the limit of 100 MB".into());
            }
            Value::from(s.repeat(k))
        }
        (BinOp::Mul, List(l), n) | (BinOp::Mul, n, List(l)) if int_of(n).is_some() => {
            let k = int_of(n).unwrap_or(0).max(0) as usize;
            if l.len().saturating_mul(k) > 10_000_000 {
                return Err("list repetition is larger than the limit".into());
            }
            let mut out = Vec::with_capacity(l.len() * k);
            for _ in 0..k {
                out.extend(l.iter().cloned());
            }
            Value::list(out)
        }
        (BinOp::Add, DateTime(d), Duration(us)) | (BinOp::Add, Duration(us), DateTime(d)) => {
            DateTime(crate::builtins::datetime::add_micros(*d, *us).ok_or("date value out of range")?)
        }
        (BinOp::Sub, DateTime(d), Duration(us)) => {
            DateTime(crate::builtins::datetime::add_micros(*d, -*us).ok_or("date value out of range")?)
        }
        (BinOp::Add, Date(d), Duration(us)) | (BinOp::Add, Duration(us), Date(d)) => Date(
            d.checked_add(jiff::Span::new().days(us.div_euclid(86_400_000_000)))
                .map_err(|_| "date value out of range")?,
        ),
        (BinOp::Sub, Date(d), Duration(us)) => Date(
            d.checked_sub(jiff::Span::new().days(us.div_euclid(86_400_000_000)))
                .map_err(|_| "date value out of range")?,
        ),
        (BinOp::Sub, DateTime(x), DateTime(y)) => {
            Duration(crate::builtins::datetime::to_epoch_micros(*x) - crate::builtins::datetime::to_epoch_micros(*y))
        }
        (BinOp::Sub, Date(x), Date(y)) => {
            let days = x.since(*y).map(|s| s.get_days() as i64).map_err(|e| e.to_string())?;
            Duration(days * 86_400_000_000)
        }
        (BinOp::Add, Duration(x), Duration(y)) => Duration(x.checked_add(*y).ok_or("timedelta overflow")?),
        (BinOp::Sub, Duration(x), Duration(y)) => Duration(x.checked_sub(*y).ok_or("timedelta overflow")?),
        (BinOp::Mul, Duration(d), n) | (BinOp::Mul, n, Duration(d)) if n.is_numeric() => {
            Duration((*d as f64 * n.as_f64().unwrap_or(0.0)).round() as i64)
        }
        (BinOp::Div, Duration(d), Duration(e)) => {
            if *e == 0 {
                return Err("division by zero".into());
            }
            Float(*d as f64 / *e as f64)
        }
        (BinOp::Div, Duration(d), n) if n.is_numeric() => {
            let f = n.as_f64().unwrap_or(0.0);
            if f == 0.0 {
                return Err("division by zero".into());
            }
            Duration((*d as f64 / f).round() as i64)
        }
        (BinOp::Mod, Str(fmt), args) => Value::from(percent_format(fmt, args)?),
        _ => return Err(type_err(op, a, b)),
    })
}

/// `'%s is %d' % (a, b)`.
fn percent_format(fmt: &str, args: &Value) -> Result<String, String> {
    let items: Vec<Value> = match args {
        Value::Tuple(t) => t.as_ref().clone(),
        other => vec![other.clone()],
    };
    let mut out = String::new();
    let mut it = fmt.chars().peekable();
    let mut k = 0;
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        let mut conv = None;
        for d in it.by_ref() {
            if d.is_ascii_alphabetic() || d == '%' {
                conv = Some(d);
                break;
            }
            spec.push(d);
        }
        match conv {
            Some('%') => out.push('%'),
            Some(t) => {
                let v = items.get(k).ok_or("not enough arguments for format string")?;
                k += 1;
                let spec = match t {
                    's' => {
                        out.push_str(&bf::format_value(&Value::from(v.py_str()), &spec)?);
                        continue;
                    }
                    'r' => {
                        out.push_str(&v.py_repr());
                        continue;
                    }
                    'i' | 'u' => format!("{spec}d"),
                    t => format!("{spec}{t}"),
                };
                let v = if matches!(t, 'd' | 'i' | 'u') { Value::Int(bf::to_int(v)?) } else { v.clone() };
                out.push_str(&bf::format_value(&v, &spec)?);
            }
            None => return Err("incomplete format".into()),
        }
    }
    Ok(out)
}

fn contains(container: &Value, item: &Value) -> Result<bool, String> {
    Ok(match container {
        Value::Str(s) => match item {
            Value::Str(x) => s.contains(&**x),
            other => return Err(format!("'in <string>' requires string as left operand, not {}", other.type_name())),
        },
        Value::List(l) | Value::Tuple(l) => l.iter().any(|v| v.py_eq(item)),
        Value::Map(m) => match item {
            Value::Str(k) => m.contains_key(&**k),
            other => m.contains_key(other.py_str().as_str()),
        },
        Value::Bytes(b) => match item {
            Value::Bytes(x) => b.windows(x.len().max(1)).any(|w| w == &x[..]),
            Value::Int(i) => b.contains(&(*i as u8)),
            _ => false,
        },
        other => return Err(format!("argument of type '{}' is not iterable", other.type_name())),
    })
}

/// One Python comparison.
pub fn compare(op: CmpOp, a: &Value, b: &Value) -> Result<Value, String> {
    let ord = |want: fn(Ordering) -> bool, sym: &str| -> Result<Value, String> {
        match a.py_cmp(b) {
            Some(o) => Ok(Value::Bool(want(o))),
            None => {
                if let (Value::Float(x), Value::Float(y)) = (a, b) {
                    if x.is_nan() || y.is_nan() {
                        return Ok(Value::Bool(false));
                    }
                }
                Err(format!("'{sym}' not supported between instances of '{}' and '{}'", a.type_name(), b.type_name()))
            }
        }
    };
    match op {
        CmpOp::Eq => Ok(Value::Bool(a.py_eq(b))),
        CmpOp::Ne => Ok(Value::Bool(!a.py_eq(b))),
        CmpOp::Lt => ord(|o| o == Ordering::Less, "<"),
        CmpOp::Le => ord(|o| o != Ordering::Greater, "<="),
        CmpOp::Gt => ord(|o| o == Ordering::Greater, ">"),
        CmpOp::Ge => ord(|o| o != Ordering::Less, ">="),
        CmpOp::In => contains(b, a).map(Value::Bool),
        CmpOp::NotIn => contains(b, a).map(|x| Value::Bool(!x)),
        CmpOp::Is | CmpOp::IsNot => {
            let same = match (a, b) {
                (Value::Null, Value::Null) => true,
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Null, _) | (_, Value::Null) => false,
                _ => std::mem::discriminant(a) == std::mem::discriminant(b) && a.py_eq(b),
            };
            Ok(Value::Bool(if op == CmpOp::Is { same } else { !same }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_overflow_is_an_error_not_a_wrap() {
        // Python integers grow without bound; ours are 64-bit and stop loudly.
        assert!(binary(BinOp::Pow, &Value::Int(2), &Value::Int(63)).is_err());
        assert!(binary(BinOp::Mul, &Value::Int(i64::MAX), &Value::Int(2)).is_err());
        assert!(unary_neg(&Value::Int(i64::MIN)).is_err());
        assert_eq!(binary(BinOp::FloorDiv, &Value::Int(-7), &Value::Int(2)).ok().and_then(|v| v.as_i64()), Some(-4));
        assert_eq!(binary(BinOp::Mod, &Value::Int(-7), &Value::Int(2)).ok().and_then(|v| v.as_i64()), Some(1));
    }
}
