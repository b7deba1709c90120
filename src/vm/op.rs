//! The instruction set. Each variant documents its stack effect as `[before] -> [after]`.
//!
//! Instructions carry no source positions: spans live in [`Chunk::spans`], keyed by
//! instruction index, and are only read when an error is reported.

use std::sync::Arc;

use crate::builtins::functions::{Builtin, Method};
use crate::parser::expr::ast::{BinOp, CmpOp};
use crate::source::Span;
use crate::vm::value::Value;

/// Where a name lives, decided at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Slot `slot` of the record frame `depth` levels out from the outermost generate (0 =
    /// outermost).
    Frame { depth: u16, slot: u16 },
    /// A setup-level variable.
    Global(u16),
    /// A property (string).
    Prop(u16),
    /// A comprehension loop variable.
    Local(u16),
    /// The map of the inner scope at `depth` (its variables and fields, plus the next inner
    /// scope under its name): `inner_user.iid`.
    Scope(u16),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// `[] -> [consts[i]]`
    Const(u32),
    /// `[] -> [value of slot]`; error if the slot is not set yet.
    Load(Slot),
    /// `[] -> [value]`: a name not known at compile time, looked up in the dynamic columns of
    /// the frames (source rows of unknown shape).
    LoadDyn(u32),
    /// `[] -> [map of the current scope]` (`this`)
    LoadThis,
    /// `[] -> [map of the enclosing scope]` (`parent`)
    LoadParent,
    /// `[] -> [map of the whole content tree]` (`root`)
    LoadRoot,
    /// `[v] -> []` into a comprehension local.
    StoreLocal(u16),
    /// `[obj] -> [obj.name]` (`names[i]`)
    GetAttr(u32),
    /// `[obj, idx] -> [obj[idx]]`
    Index,
    /// `[obj, lo, hi, step] -> [obj[lo:hi:step]]` (absent parts are `None`)
    Slice,
    /// `[a, b] -> [a op b]`
    Bin(BinOp),
    /// `[x1..xn] -> [x1 + x2 + … + xn]`, added left to right (strings joined in one go).
    AddN(u32),
    /// `[a, b] -> [a op b]` (single comparison; chains compile to several)
    Cmp(CmpOp),
    /// `[a] -> [-a]`
    Neg,
    /// `[a] -> [+a]`
    Pos,
    /// `[a] -> [not a]`
    Not,
    /// `[a] -> [~a]`
    Invert,
    /// `[] -> []`, jump to `target`.
    Jump(u32),
    /// `[c] -> []`, jump if `c` is falsy.
    JumpIfFalse(u32),
    /// `[c] -> [c]` if falsy and jump, else `[c] -> []` (`and`).
    JumpIfFalseKeep(u32),
    /// `[c] -> [c]` if truthy and jump, else `[c] -> []` (`or`).
    JumpIfTrueKeep(u32),
    /// `[a] -> []`
    Pop,
    /// `[a] -> [a, a]`
    Dup,
    /// `[a, b] -> [b, a]`
    Swap,
    /// `[a, b, c] -> [c, a, b]` (used by comparison chains)
    Rot3,
    /// `[x1..xn] -> [list]`
    MakeList(u32),
    /// `[x1..xn] -> [tuple]`
    MakeTuple(u32),
    /// `[k1, v1, .., kn, vn] -> [dict]`
    MakeDict(u32),
    /// `[p1..pn] -> [str]`: concatenates `str()` of the parts (f-strings).
    Concat(u32),
    /// `[v] -> [format(v, spec)]` with conversion (`!r`/`!s`/`!a` or none) and spec `consts[i]`.
    Format { conv: u8, spec: u32 },
    /// `[a1..an] -> [f(a1..an)]`; keyword names in `consts[kw]` (a tuple) when `kw != u32::MAX`.
    CallBuiltin { f: Builtin, argc: u16, kw: u32 },
    /// `[obj, a1..an] -> [obj.m(a1..an)]`
    CallMethod { m: Method, argc: u16, kw: u32 },
    /// `[iterable] -> [iterator state]`: starts a comprehension loop.
    IterStart,
    /// `[iter] -> [iter, item]`, or pops `iter` and jumps to `target` when exhausted.
    IterNext(u32),
    /// `[list, item] -> [list + item]` (comprehension append; list stays on the stack).
    ListAppend,
    /// `[a] -> [a]`, error unless `a` is a bool (strict `condition` attributes).
    AssertBool,
}

/// One compiled expression.
#[derive(Clone, Debug, Default)]
pub struct Chunk {
    pub code: Vec<Op>,
    pub consts: Vec<Value>,
    pub names: Vec<Arc<str>>,
    /// `(instruction index, span)` pairs, sorted; the span of instruction `i` is the last entry
    /// with index `<= i`.
    pub spans: Vec<(u32, Span)>,
    /// Number of comprehension locals.
    pub locals: u16,
    /// Largest stack depth the code reaches (filled in by the verifier).
    pub max_stack: u32,
    /// The expression text (for error messages).
    pub text: Arc<str>,
    /// The whole expression's span.
    pub span: Span,
}

impl Chunk {
    pub fn span_at(&self, pc: usize) -> Span {
        match self.spans.binary_search_by_key(&(pc as u32), |(i, _)| *i) {
            Ok(i) => self.spans[i].1,
            Err(0) => self.span,
            Err(i) => self.spans[i - 1].1,
        }
    }

    /// `Some(v)` when the chunk is a single constant (after folding).
    pub fn as_const(&self) -> Option<&Value> {
        match self.code.as_slice() {
            [Op::Const(i)] => self.consts.get(*i as usize),
            _ => None,
        }
    }

    /// Human-readable disassembly (for golden tests and `--explain`).
    pub fn disassemble(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        for (i, op) in self.code.iter().enumerate() {
            let _ = match op {
                Op::Const(c) => writeln!(out, "{i:4} Const {}", self.consts[*c as usize].py_repr()),
                Op::GetAttr(n) | Op::LoadDyn(n) => {
                    writeln!(out, "{i:4} {:?} {}", op, self.names[*n as usize])
                }
                other => writeln!(out, "{i:4} {other:?}"),
            };
        }
        out
    }
}

/// Checks the stack discipline of a chunk: every jump lands inside the code, the stack
/// never underflows, and every path agrees on the depth. A failure is a compiler bug.
pub fn verify(chunk: &mut Chunk) -> Result<(), String> {
    let n = chunk.code.len();
    let mut depth: Vec<Option<i32>> = vec![None; n + 1];
    let mut work = vec![(0usize, 0i32)];
    let mut max = 0;
    while let Some((pc, d)) = work.pop() {
        if pc > n {
            return Err(format!("jump outside the code to {pc}"));
        }
        match depth[pc] {
            Some(prev) if prev == d => continue,
            Some(prev) => return Err(format!("stack depth {d} != {prev} at {pc}")),
            None => depth[pc] = Some(d),
        }
        if pc == n {
            if d != 1 {
                return Err(format!("expression leaves {d} values on the stack"));
            }
            continue;
        }
        max = max.max(d);
        let (pop, push): (i32, i32) = match &chunk.code[pc] {
            Op::Const(_) | Op::Load(_) | Op::LoadDyn(_) | Op::LoadThis | Op::LoadParent | Op::LoadRoot => (0, 1),
            Op::StoreLocal(_) | Op::Pop => (1, 0),
            Op::GetAttr(_)
            | Op::Neg
            | Op::Pos
            | Op::Not
            | Op::Invert
            | Op::Format { .. }
            | Op::AssertBool
            | Op::IterStart => (1, 1),
            Op::Index | Op::Bin(_) | Op::Cmp(_) | Op::ListAppend => (2, 1),
            Op::Slice => (4, 1),
            Op::Dup => (1, 2),
            Op::Swap => (2, 2),
            Op::Rot3 => (3, 3),
            Op::MakeList(k) | Op::MakeTuple(k) | Op::Concat(k) | Op::AddN(k) => (*k as i32, 1),
            Op::MakeDict(k) => (2 * *k as i32, 1),
            Op::CallBuiltin { argc, .. } => (*argc as i32, 1),
            Op::CallMethod { argc, .. } => (*argc as i32 + 1, 1),
            Op::Jump(t) => {
                work.push((*t as usize, d));
                continue;
            }
            Op::JumpIfFalse(t) => {
                if d < 1 {
                    return Err(format!("stack underflow at {pc}"));
                }
                work.push((*t as usize, d - 1));
                (1, 0)
            }
            Op::JumpIfFalseKeep(t) | Op::JumpIfTrueKeep(t) => {
                if d < 1 {
                    return Err(format!("stack underflow at {pc}"));
                }
                work.push((*t as usize, d));
                (1, 0)
            }
            Op::IterNext(t) => {
                if d < 1 {
                    return Err(format!("stack underflow at {pc}"));
                }
                work.push((*t as usize, d - 1));
                (1, 2)
            }
        };
        if d < pop {
            return Err(format!("stack underflow at {pc}"));
        }
        work.push((pc + 1, d - pop + push));
    }
    chunk.max_stack = max as u32 + 1;
    Ok(())
}
