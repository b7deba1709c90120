//! Expression compiler: syntax tree → typed, verified [`Chunk`].
//!
//! Names are resolved through a [`Scope`] supplied by `ir::lower` (which knows the model's
//! record layout); the compiler only asks. Every node gets a static [`Ty`]; mistakes that are
//! certain at compile time (unknown names and entity fields, wrong arity, `str + int`) are
//! reported as [`CompileError`]s with the byte range inside the expression text. Constant
//! sub-expressions are folded.

use std::sync::Arc;

use crate::builtins::functions::{self as bf, Builtin, Method};
use crate::diag::did_you_mean;
use crate::ir::types::{entity, Ty};
use crate::parser::expr::ast::*;
use crate::source::Span;
use crate::vm::exec;
use crate::vm::op::{verify, Chunk, Op, Slot};
use crate::vm::value::Value;

/// What the compiler may ask about names.
pub trait Scope {
    /// A name defined in the model (record field, variable, setup variable, property).
    fn resolve(&self, name: &str) -> Option<(Slot, Ty)>;
    /// `true` when data of unknown shape is in scope, so unknown names resolve at run time.
    fn dynamic(&self) -> bool;
    /// All names visible here (for "did you mean").
    fn names(&self) -> Vec<String>;
    /// Whether `parent` exists here.
    fn has_parent(&self) -> bool {
        true
    }
    /// `root.a.b…` where `root` is an entity variable read field by field: the slot of the list
    /// of the fields it computes, this path's index in it and the path's type. `None`: read the
    /// path from the entity's object.
    fn entity_field(&self, _root: &str, _path: &[&str]) -> Option<(Slot, u32, Ty)> {
        None
    }
    /// The entity variable `name` is used as a whole value.
    fn entity_whole(&self, _name: &str) {}
    /// Whole record scopes are read (`this`, `parent`, `root`, names resolved at run time).
    fn scopes_read(&self) {}
}

/// A compile-time finding inside an expression.
#[derive(Clone, Debug, PartialEq)]
pub struct CompileError {
    pub code: &'static str,
    pub message: String,
    pub span: ESpan,
    pub help: Option<String>,
}

fn cerr(code: &'static str, message: impl Into<String>, span: ESpan) -> CompileError {
    CompileError { code, message: message.into(), span, help: None }
}

/// Compiles `expr` (the parse of `text`); `span_of` maps expression byte ranges to file spans.
pub fn compile(
    expr: &Expr,
    text: &str,
    scope: &dyn Scope,
    span_of: &dyn Fn(ESpan) -> Span,
) -> Result<(Chunk, Ty), Vec<CompileError>> {
    let mut c = Compiler {
        chunk: Chunk { text: Arc::from(text), span: span_of(ESpan::new(0, text.len() as u32)), ..Chunk::default() },
        scope,
        span_of,
        locals: Vec::new(),
        errors: Vec::new(),
    };
    let ty = c.expr(expr);
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    let mut chunk = c.chunk;
    if let Err(e) = verify(&mut chunk) {
        return Err(vec![cerr("DM000", format!("internal compiler error: {e}"), expr.span)]);
    }
    Ok((chunk, ty))
}

struct Compiler<'a> {
    chunk: Chunk,
    scope: &'a dyn Scope,
    span_of: &'a dyn Fn(ESpan) -> Span,
    /// Comprehension variables in scope: (name, local slot).
    locals: Vec<(String, u16)>,
    errors: Vec<CompileError>,
}

impl Compiler<'_> {
    fn emit(&mut self, op: Op, span: ESpan) -> usize {
        let pc = self.chunk.code.len();
        let sp = (self.span_of)(span);
        if self.chunk.spans.last().map(|(_, s)| *s) != Some(sp) {
            self.chunk.spans.push((pc as u32, sp));
        }
        self.chunk.code.push(op);
        pc
    }

    fn konst(&mut self, v: Value, span: ESpan) {
        let idx = self.chunk.consts.len() as u32;
        self.chunk.consts.push(v);
        self.emit(Op::Const(idx), span);
    }

    fn name_idx(&mut self, name: &str) -> u32 {
        if let Some(i) = self.chunk.names.iter().position(|n| &**n == name) {
            return i as u32;
        }
        self.chunk.names.push(Arc::from(name));
        self.chunk.names.len() as u32 - 1
    }

    fn patch(&mut self, at: usize) {
        let target = self.chunk.code.len() as u32;
        match &mut self.chunk.code[at] {
            Op::Jump(t) | Op::JumpIfFalse(t) | Op::JumpIfFalseKeep(t) | Op::JumpIfTrueKeep(t) | Op::IterNext(t) => {
                *t = target
            }
            _ => {}
        }
    }

    fn replace_trailing(&mut self, n: usize, v: Value, span: ESpan) {
        let len = self.chunk.code.len() - n;
        self.chunk.code.truncate(len);
        while self.chunk.spans.last().is_some_and(|(pc, _)| *pc as usize >= len) {
            self.chunk.spans.pop();
        }
        self.konst(v, span);
    }

    fn expr(&mut self, e: &Expr) -> Ty {
        match &e.kind {
            ExprKind::None => {
                self.konst(Value::Null, e.span);
                Ty::None
            }
            ExprKind::Bool(b) => {
                self.konst(Value::Bool(*b), e.span);
                Ty::Bool
            }
            ExprKind::Int(i) => {
                self.konst(Value::Int(*i), e.span);
                Ty::Int
            }
            ExprKind::Float(f) => {
                self.konst(Value::Float(*f), e.span);
                Ty::Float
            }
            ExprKind::Str(s) => {
                self.konst(Value::str(s), e.span);
                Ty::Str
            }
            ExprKind::Bytes(b) => {
                self.konst(Value::Bytes(Arc::from(b.as_slice())), e.span);
                Ty::Bytes
            }
            ExprKind::FString(parts) => {
                let n = parts.len() as u32;
                for p in parts {
                    match p {
                        FPart::Lit(s) => self.konst(Value::str(s), e.span),
                        FPart::Expr { expr, conv, spec } => {
                            self.expr(expr);
                            let conv = match conv {
                                Some('r') | Some('a') => 1,
                                Some('s') => 2,
                                _ => 0,
                            };
                            if conv != 0 || !spec.is_empty() {
                                let si = self.chunk.consts.len() as u32;
                                self.chunk.consts.push(Value::str(spec));
                                self.emit(Op::Format { conv, spec: si }, expr.span);
                            }
                        }
                    }
                }
                self.emit(Op::Concat(n), e.span);
                Ty::Str
            }
            ExprKind::Name(name) => self.name(name, e.span),
            ExprKind::Attr(obj, name, nspan) => self.attr(obj, name, *nspan, e.span),
            ExprKind::Index(obj, idx) => {
                let oty = self.expr(obj);
                self.expr(idx);
                self.emit(Op::Index, e.span);
                match oty {
                    Ty::Str => Ty::Str,
                    _ => Ty::Any,
                }
            }
            ExprKind::Slice(obj, a, b, c) => {
                let oty = self.expr(obj);
                for part in [a, b, c] {
                    match part {
                        Some(p) => {
                            self.expr(p);
                        }
                        None => self.konst(Value::Null, e.span),
                    }
                }
                self.emit(Op::Slice, e.span);
                match oty {
                    Ty::Str | Ty::List | Ty::Bytes => oty,
                    _ => Ty::Any,
                }
            }
            ExprKind::Call(f, args, kwargs) => self.call(f, args, kwargs, e.span),
            ExprKind::Unary(op, x) => {
                let start = self.chunk.code.len();
                let t = self.expr(x);
                let simple = self.chunk.code.len() - start == 1;
                let (o, ty) = match op {
                    UnOp::Neg => (Op::Neg, if t == Ty::Bool { Ty::Int } else { t }),
                    UnOp::Pos => (Op::Pos, if t == Ty::Bool { Ty::Int } else { t }),
                    UnOp::Not => (Op::Not, Ty::Bool),
                    UnOp::Invert => (Op::Invert, Ty::Int),
                };
                if *op != UnOp::Not && matches!(t, Ty::Str | Ty::List | Ty::Dict | Ty::None) {
                    self.errors.push(cerr(
                        "DM504",
                        format!("bad operand type for unary operator: '{}'", t.name()),
                        e.span,
                    ));
                }
                self.emit(o, e.span);
                if simple {
                    self.fold_unary(e.span);
                }
                ty
            }
            ExprKind::Binary(BinOp::Add, l, _) if matches!(l.kind, ExprKind::Binary(BinOp::Add, ..)) => {
                self.add_chain(e)
            }
            ExprKind::Binary(op, l, r) => {
                let start = self.chunk.code.len();
                let lt = self.expr(l);
                let mid = self.chunk.code.len();
                let rt = self.expr(r);
                let simple = mid - start == 1 && self.chunk.code.len() - mid == 1;
                let ty = self.binary_checked(*op, lt, rt, e.span);
                self.emit(Op::Bin(*op), e.span);
                if simple {
                    self.fold_binary(*op, e.span);
                }
                ty
            }
            ExprKind::Compare(first, rest) => {
                // a < b < c  =>  a b Dup Rot3 Cmp JumpIfFalseKeep [Pop] c Cmp ...
                let start = self.chunk.code.len();
                self.expr(first);
                let simple_first = self.chunk.code.len() - start == 1;
                let mut jumps = Vec::new();
                let mut simple = simple_first;
                for (i, (op, rhs)) in rest.iter().enumerate() {
                    let before = self.chunk.code.len();
                    self.expr(rhs);
                    simple &= self.chunk.code.len() - before == 1;
                    let last = i == rest.len() - 1;
                    if !last {
                        self.emit(Op::Dup, rhs.span);
                        self.emit(Op::Rot3, rhs.span);
                    }
                    self.emit(Op::Cmp(*op), e.span);
                    if !last {
                        // Stack: [rhs, result]; on false keep result and jump to the end.
                        jumps.push(self.emit(Op::JumpIfFalseKeep(0), e.span));
                    }
                }
                if jumps.is_empty() {
                    if simple {
                        self.fold_compare(e.span);
                    }
                    return Ty::Bool;
                }
                // On the false path the stack holds [rhs, False]: drop rhs under the result.
                let done = self.emit(Op::Jump(0), e.span);
                for j in jumps {
                    self.patch(j);
                }
                self.emit(Op::Swap, e.span);
                self.emit(Op::Pop, e.span);
                self.patch(done);
                Ty::Bool
            }
            ExprKind::And(l, r) | ExprKind::Or(l, r) => {
                let is_and = matches!(e.kind, ExprKind::And(..));
                let lt = self.expr(l);
                let j = self.emit(if is_and { Op::JumpIfFalseKeep(0) } else { Op::JumpIfTrueKeep(0) }, e.span);
                let rt = self.expr(r);
                self.patch(j);
                lt.join(rt)
            }
            ExprKind::IfElse(cond, then, other) => {
                self.expr(cond);
                let j = self.emit(Op::JumpIfFalse(0), e.span);
                let t1 = self.expr(then);
                let end = self.emit(Op::Jump(0), e.span);
                self.patch(j);
                let t2 = self.expr(other);
                self.patch(end);
                t1.join(t2)
            }
            ExprKind::List(items) | ExprKind::Tuple(items) => {
                for it in items {
                    self.expr(it);
                }
                let n = items.len() as u32;
                if matches!(e.kind, ExprKind::List(_)) {
                    self.emit(Op::MakeList(n), e.span);
                } else {
                    self.emit(Op::MakeTuple(n), e.span);
                }
                Ty::List
            }
            ExprKind::Dict(items) => {
                for (k, v) in items {
                    self.expr(k);
                    self.expr(v);
                }
                self.emit(Op::MakeDict(items.len() as u32), e.span);
                Ty::Dict
            }
            ExprKind::ListComp { elt, vars, iter, cond } => {
                // [] iter IterStart; loop: IterNext(end) Store.. [cond JumpIfFalse(loop)] elt ListAppend
                self.emit(Op::MakeList(0), e.span);
                self.expr(iter);
                self.emit(Op::IterStart, e.span);
                let base = self.locals.len();
                let mut slots = Vec::new();
                for v in vars {
                    let slot = self.chunk.locals;
                    self.chunk.locals += 1;
                    self.locals.push((v.clone(), slot));
                    slots.push(slot);
                }
                let top = self.chunk.code.len() as u32;
                let next = self.emit(Op::IterNext(0), e.span);
                // Stack: [list, iter, item]
                if slots.len() == 1 {
                    self.emit(Op::StoreLocal(slots[0]), e.span);
                } else {
                    // Unpack a tuple item into several variables.
                    for (i, s) in slots.iter().enumerate() {
                        self.emit(Op::Dup, e.span);
                        self.konst(Value::Int(i as i64), e.span);
                        self.emit(Op::Index, e.span);
                        self.emit(Op::StoreLocal(*s), e.span);
                    }
                    self.emit(Op::Pop, e.span);
                }
                if let Some(c) = cond {
                    self.expr(c);
                    self.emit(Op::JumpIfFalse(top), c.span);
                }
                // Stack: [list, iter] -> bring list up: we keep list below iter, so append
                // needs [list, item]: swap iter away.
                self.emit(Op::Swap, e.span); // [iter, list]
                self.expr(elt); // [iter, list, item]
                self.emit(Op::ListAppend, e.span); // [iter, list]
                self.emit(Op::Swap, e.span); // [list, iter]
                self.emit(Op::Jump(top), e.span);
                self.patch(next);
                self.locals.truncate(base);
                Ty::List
            }
        }
    }

    /// The constant loaded by instruction `pc - 1`, if it is a `Const`.
    fn const_before(&self, pc: usize) -> Option<Value> {
        match self.chunk.code.get(pc.checked_sub(1)?)? {
            Op::Const(i) => Some(self.chunk.consts[*i as usize].clone()),
            _ => None,
        }
    }

    /// The type of `lt op rt`, with a diagnostic at `span` when the operands do not fit.
    fn binary_checked(&mut self, op: BinOp, lt: Ty, rt: Ty, span: ESpan) -> Ty {
        let ty = binary_type(op, lt, rt);
        if ty.is_none() {
            self.errors.push(
                cerr(
                    "DM504",
                    format!("unsupported operand types for {}: '{}' and '{}'", op.symbol(), lt.name(), rt.name()),
                    span,
                )
                .with_help(if op == BinOp::Add && (lt == Ty::Str || rt == Ty::Str) {
                    "convert the other operand with str(...)"
                } else {
                    "check the operand types"
                }),
            );
        }
        ty.unwrap_or(Ty::Any)
    }

    /// `a + b + c …` (left-nested additions): the operands in order, then one `AddN`, which
    /// joins strings in one go and otherwise adds left to right like the nested form.
    fn add_chain(&mut self, e: &Expr) -> Ty {
        let mut nodes = Vec::new();
        let mut cur = e;
        while let ExprKind::Binary(BinOp::Add, l, _) = &cur.kind {
            nodes.push(cur);
            cur = l;
        }
        let mut ty = self.expr(cur);
        for node in nodes.iter().rev() {
            if let ExprKind::Binary(_, _, r) = &node.kind {
                let rt = self.expr(r);
                ty = self.binary_checked(BinOp::Add, ty, rt, node.span);
            }
        }
        self.emit(Op::AddN(nodes.len() as u32 + 1), e.span);
        ty
    }

    fn fold_binary(&mut self, op: BinOp, span: ESpan) {
        let n = self.chunk.code.len();
        if n < 3 {
            return;
        }
        if let (Some(b), Some(a)) = (self.const_before(n - 1), self.const_before(n - 2)) {
            if let Ok(v) = exec::binary(op, &a, &b) {
                self.replace_trailing(3, v, span);
            }
        }
    }

    fn fold_unary(&mut self, span: ESpan) {
        let n = self.chunk.code.len();
        if n < 2 {
            return;
        }
        let op = self.chunk.code[n - 1].clone();
        if let Op::Const(i) = self.chunk.code[n - 2] {
            let v = self.chunk.consts[i as usize].clone();
            let r = match op {
                Op::Neg => exec::unary_neg(&v).ok(),
                Op::Not => Some(Value::Bool(!v.truthy())),
                Op::Pos => exec::unary_pos(&v).ok(),
                _ => None,
            };
            if let Some(r) = r {
                self.replace_trailing(2, r, span);
            }
        }
    }

    fn fold_compare(&mut self, span: ESpan) {
        let n = self.chunk.code.len();
        if n < 3 {
            return;
        }
        if let (Op::Const(a), Op::Const(b), Op::Cmp(op)) =
            (&self.chunk.code[n - 3], &self.chunk.code[n - 2], &self.chunk.code[n - 1])
        {
            let (a, b, op) = (self.chunk.consts[*a as usize].clone(), self.chunk.consts[*b as usize].clone(), *op);
            if let Ok(v) = exec::compare(op, &a, &b) {
                self.replace_trailing(3, v, span);
            }
        }
    }

    fn name(&mut self, name: &str, span: ESpan) -> Ty {
        if let Some((_, slot)) = self.locals.iter().rev().find(|(n, _)| n == name) {
            let s = *slot;
            self.emit(Op::Load(Slot::Local(s)), span);
            return Ty::Any;
        }
        if let Some((slot, ty)) = self.scope.resolve(name) {
            if matches!(ty, Ty::Entity(_)) {
                self.scope.entity_whole(name);
            }
            self.emit(Op::Load(slot), span);
            return ty;
        }
        if matches!(name, "this" | "parent" | "root") || self.scope.dynamic() {
            self.scope.scopes_read();
        }
        match name {
            "this" => {
                self.emit(Op::LoadThis, span);
                return Ty::Dict;
            }
            "parent" if self.scope.has_parent() => {
                self.emit(Op::LoadParent, span);
                return Ty::Dict;
            }
            "root" => {
                self.emit(Op::LoadRoot, span);
                return Ty::Dict;
            }
            _ => {}
        }
        if self.scope.dynamic() {
            let i = self.name_idx(name);
            self.emit(Op::LoadDyn(i), span);
            return Ty::Any;
        }
        if bf::MODULES.contains(&name) || Builtin::lookup(name).is_some() {
            self.errors.push(cerr("DM504", format!("'{name}' is a module or function, not a value"), span));
            return Ty::Any;
        }
        if bf::UNSUPPORTED_MODULES.contains(&name) {
            self.errors.push(cerr("DM506", format!("not supported: module '{name}'"), span));
            return Ty::Any;
        }
        let mut names = self.scope.names();
        names.extend(self.locals.iter().map(|(n, _)| n.clone()));
        let mut e = cerr("DM502", format!("unknown name '{name}'"), span);
        if let Some(s) = did_you_mean(name, names.iter().map(|s| s.as_str())) {
            e.help = Some(format!("did you mean '{s}'?"));
        } else {
            e.help = Some("names are keys and variables defined earlier in this or an enclosing generate, setup variables and properties".into());
        }
        self.errors.push(e);
        self.konst(Value::Null, span);
        Ty::Any
    }

    /// `a.b.c` where `a` is a module and not a local: the dotted path.
    fn module_path(&self, e: &Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Name(n) => {
                let is_local = self.locals.iter().any(|(l, _)| l == n) || self.scope.resolve(n).is_some();
                if !is_local && (bf::MODULES.contains(&n.as_str()) || bf::UNSUPPORTED_MODULES.contains(&n.as_str())) {
                    Some(n.clone())
                } else {
                    None
                }
            }
            ExprKind::Attr(obj, name, _) => self.module_path(obj).map(|p| format!("{p}.{name}")),
            _ => None,
        }
    }

    /// `v.a.b.name` where `v` is a (non-local) entity variable read field by field.
    fn entity_field(&self, obj: &Expr, name: &str) -> Option<(Slot, u32, Ty)> {
        let mut path = vec![name];
        let mut e = obj;
        loop {
            match &e.kind {
                ExprKind::Attr(o, n, _) => {
                    path.push(n.as_str());
                    e = o;
                }
                ExprKind::Name(root) => {
                    if self.locals.iter().any(|(l, _)| l == root) {
                        return None;
                    }
                    path.reverse();
                    return self.scope.entity_field(root, &path);
                }
                _ => return None,
            }
        }
    }

    fn attr(&mut self, obj: &Expr, name: &str, nspan: ESpan, span: ESpan) -> Ty {
        if let Some(path) = self.module_path(obj) {
            let full = format!("{path}.{name}");
            if let Some(v) = bf::module_constant(&full) {
                self.konst(v, span);
                return Ty::Float;
            }
            let root = full.split('.').next().unwrap_or("");
            if bf::UNSUPPORTED_MODULES.contains(&root) {
                self.errors.push(cerr(
                    "DM506",
                    format!("not supported: '{full}' (module '{root}' is not available)"),
                    span,
                ));
            } else {
                self.errors.push(cerr("DM503", format!("unknown module attribute '{full}'"), span));
            }
            self.konst(Value::Null, span);
            return Ty::Any;
        }
        if let Some((slot, i, ty)) = self.entity_field(obj, name) {
            self.emit(Op::Load(slot), nspan);
            self.konst(Value::Int(i as i64), nspan);
            self.emit(Op::Index, nspan);
            return ty;
        }
        let oty = self.expr(obj);
        let idx = self.name_idx(name);
        self.emit(Op::GetAttr(idx), nspan);
        match oty {
            Ty::Entity(kind) => match entity(kind).and_then(|s| s.field(name)) {
                Some((_, ft)) => ft.ty(),
                None => {
                    let schema = entity(kind);
                    let mut e = cerr("DM503", format!("entity {kind} has no field '{name}'"), nspan);
                    if let Some(s) = schema.and_then(|s| did_you_mean(name, s.fields.iter().map(|f| f.0))) {
                        e.help = Some(format!("did you mean '{s}'?"));
                    } else if let Some(s) = schema {
                        let list: Vec<&str> = s.fields.iter().map(|f| f.0).collect();
                        e.help = Some(format!("fields of {kind}: {}", list.join(", ")));
                    }
                    self.errors.push(e);
                    Ty::Any
                }
            },
            Ty::DateTime => match name {
                "year" | "month" | "day" | "hour" | "minute" | "second" | "microsecond" => Ty::Int,
                _ => {
                    self.errors.push(cerr("DM503", format!("'datetime' object has no attribute '{name}'"), nspan));
                    Ty::Any
                }
            },
            Ty::Date => match name {
                "year" | "month" | "day" => Ty::Int,
                _ => {
                    self.errors.push(cerr("DM503", format!("'date' object has no attribute '{name}'"), nspan));
                    Ty::Any
                }
            },
            Ty::Uuid => match name {
                "hex" => Ty::Str,
                "int" => Ty::Int,
                _ => {
                    self.errors.push(cerr("DM503", format!("'UUID' object has no attribute '{name}'"), nspan));
                    Ty::Any
                }
            },
            Ty::Str | Ty::Int | Ty::Float | Ty::Bool | Ty::None => {
                self.errors.push(cerr("DM503", format!("'{}' object has no attribute '{name}'", oty.name()), nspan));
                Ty::Any
            }
            _ => Ty::Any,
        }
    }

    fn kwnames(&mut self, kwargs: &[(String, Expr)]) -> u32 {
        if kwargs.is_empty() {
            return u32::MAX;
        }
        let names = kwargs.iter().map(|(k, _)| Value::str(k)).collect();
        self.chunk.consts.push(Value::Tuple(Arc::new(names)));
        self.chunk.consts.len() as u32 - 1
    }

    fn call(&mut self, f: &Expr, args: &[Expr], kwargs: &[(String, Expr)], span: ESpan) -> Ty {
        let argc = (args.len() + kwargs.len()) as u16;
        // Module functions and builtins.
        let path = match &f.kind {
            ExprKind::Name(n) => {
                let local = self.locals.iter().any(|(l, _)| l == n) || self.scope.resolve(n).is_some();
                if local {
                    None
                } else {
                    Some(n.clone())
                }
            }
            ExprKind::Attr(obj, name, _) => self.module_path(obj).map(|p| format!("{p}.{name}")),
            _ => None,
        };
        if let Some(path) = path {
            if let Some(b) = Builtin::lookup(&path) {
                let (min, max) = b.arity();
                if (args.len() as u16) < min.saturating_sub(kwargs.len() as u16) || args.len() as u16 > max {
                    let want = if min == max {
                        format!("{min}")
                    } else if max == u16::MAX {
                        format!("at least {min}")
                    } else {
                        format!("{min} to {max}")
                    };
                    self.errors.push(cerr(
                        "DM505",
                        format!(
                            "{path}() takes {want} argument{}, {} given",
                            if want == "1" { "" } else { "s" },
                            args.len()
                        ),
                        span,
                    ));
                }
                let mut arg_tys = Vec::new();
                let args_start = self.chunk.code.len();
                for a in args {
                    arg_tys.push(self.expr(a));
                }
                let simple_arg = self.chunk.code.len() - args_start == 1;
                for (_, v) in kwargs {
                    self.expr(v);
                }
                let kw = self.kwnames(kwargs);
                self.emit(Op::CallBuiltin { f: b, argc, kw }, span);
                if kw == u32::MAX && b == Builtin::Str && args.len() == 1 && simple_arg {
                    let n = self.chunk.code.len();
                    if let Some(v) = self.const_before(n - 1) {
                        self.replace_trailing(2, Value::from(v.py_str()), span);
                    }
                }
                return match b {
                    Builtin::Round if args.len() >= 2 => Ty::Float,
                    Builtin::Round | Builtin::Abs if arg_tys.first() == Some(&Ty::Int) => Ty::Int,
                    Builtin::Round => Ty::Int,
                    Builtin::Abs => arg_tys.first().copied().unwrap_or(Ty::Any),
                    _ => b.returns(),
                };
            }
            let root = path.split('.').next().unwrap_or("");
            if bf::UNSUPPORTED_MODULES.contains(&root) {
                self.errors.push(
                    cerr("DM506", format!("not supported: {path}() (module '{root}' is not available)"), span)
                        .with_help(
                            "use the random/datetime/uuid/math/json/hashlib functions, a generator, or an entity",
                        ),
                );
                self.konst(Value::Null, span);
                return Ty::Any;
            }
            if path.contains('.') {
                self.errors.push(cerr("DM503", format!("unknown function '{path}'"), f.span));
                self.konst(Value::Null, span);
                return Ty::Any;
            }
            if !self.scope.dynamic() {
                let mut e = cerr(
                    "DM506",
                    format!(
                        "not supported: call to '{path}()' (functions defined by Python code in <execute> are not run)"
                    ),
                    f.span,
                );
                let names: Vec<&str> = Builtin::ALL.iter().map(|b| b.name()).filter(|n| !n.contains('.')).collect();
                if let Some(s) = did_you_mean(&path, names) {
                    e = cerr("DM502", format!("unknown function '{path}'"), f.span);
                    e.help = Some(format!("did you mean '{s}'?"));
                }
                self.errors.push(e);
                self.konst(Value::Null, span);
                return Ty::Any;
            }
        }
        // Method call.
        if let ExprKind::Attr(obj, name, nspan) = &f.kind {
            let Some(m) = Method::lookup(name) else {
                self.errors.push(cerr("DM503", format!("unknown method '{name}()'"), *nspan));
                self.konst(Value::Null, span);
                return Ty::Any;
            };
            let oty = self.expr(obj);
            let (min, max) = m.arity();
            if (args.len() as u16) < min.saturating_sub(kwargs.len() as u16) || args.len() as u16 > max {
                self.errors.push(cerr(
                    "DM505",
                    format!("{name}() takes {min} to {max} arguments, {} given", args.len()),
                    span,
                ));
            }
            let ok_on = |t: Ty| -> bool {
                use Method as M;
                match t {
                    Ty::Str => matches!(
                        m,
                        M::Upper
                            | M::Lower
                            | M::Strip
                            | M::Lstrip
                            | M::Rstrip
                            | M::Replace
                            | M::Split
                            | M::Join
                            | M::Startswith
                            | M::Endswith
                            | M::Format
                            | M::Zfill
                            | M::Title
                            | M::Capitalize
                            | M::Encode
                            | M::Find
                            | M::Count
                            | M::Index
                            | M::Isdigit
                            | M::Isalpha
                    ),
                    Ty::DateTime => matches!(m, M::Isoformat | M::Strftime | M::Timestamp | M::Date | M::Weekday),
                    Ty::Date => matches!(m, M::Isoformat | M::Strftime | M::Weekday),
                    Ty::Entity(_) | Ty::Dict => {
                        matches!(m, M::Get | M::Keys | M::Values | M::Items | M::ToDict)
                    }
                    Ty::Bytes => matches!(m, M::Decode | M::Hexdigest | M::Hex | M::Digest),
                    Ty::Int | Ty::Float | Ty::Bool | Ty::None => false,
                    _ => true,
                }
            };
            if !ok_on(oty) {
                self.errors.push(cerr("DM503", format!("'{}' object has no method '{name}()'", oty.name()), *nspan));
            }
            for a in args {
                self.expr(a);
            }
            for (_, v) in kwargs {
                self.expr(v);
            }
            let kw = self.kwnames(kwargs);
            self.emit(Op::CallMethod { m, argc, kw }, span);
            use Method as M;
            return match m {
                M::Upper
                | M::Lower
                | M::Strip
                | M::Lstrip
                | M::Rstrip
                | M::Replace
                | M::Join
                | M::Format
                | M::Zfill
                | M::Title
                | M::Capitalize
                | M::Isoformat
                | M::Strftime
                | M::Hexdigest
                | M::Hex
                | M::Decode => Ty::Str,
                M::Split | M::Keys | M::Values | M::Items => Ty::List,
                M::Startswith | M::Endswith | M::Isdigit | M::Isalpha => Ty::Bool,
                M::Find | M::Count | M::Index | M::Weekday => Ty::Int,
                M::Timestamp | M::TotalSeconds => Ty::Float,
                M::Encode | M::Digest => Ty::Bytes,
                M::Date => Ty::Date,
                M::ToDict => Ty::Dict,
                M::Get => match oty {
                    Ty::Entity(k) => args
                        .first()
                        .and_then(|a| match &a.kind {
                            ExprKind::Str(s) => entity(k).and_then(|sc| sc.field(s)).map(|f| f.1.ty()),
                            _ => None,
                        })
                        .unwrap_or(Ty::Any),
                    _ => Ty::Any,
                },
                _ => Ty::Any,
            };
        }
        self.errors.push(cerr("DM506", "not supported: calling a value that is not a function", f.span));
        self.konst(Value::Null, span);
        Ty::Any
    }
}

impl CompileError {
    fn with_help(mut self, h: &str) -> CompileError {
        self.help = Some(h.to_string());
        self
    }
}

/// The static result type of a binary operator, `None` for a certain type error.
fn binary_type(op: BinOp, l: Ty, r: Ty) -> Option<Ty> {
    use Ty::*;
    if l == Any || r == Any {
        return Some(Any);
    }
    let num = |t: Ty| t.is_numeric();
    Some(match op {
        BinOp::Add => match (l, r) {
            (Str, Str) => Str,
            (List, List) => List,
            (Bytes, Bytes) => Bytes,
            (DateTime, Duration) | (Duration, DateTime) => DateTime,
            (Date, Duration) | (Duration, Date) => Date,
            (Duration, Duration) => Duration,
            (Float, _) | (_, Float) if num(l) && num(r) => Float,
            (Decimal, _) | (_, Decimal) if num(l) && num(r) => Decimal,
            _ if num(l) && num(r) => Int,
            _ => return Option::None,
        },
        BinOp::Sub => match (l, r) {
            (DateTime, DateTime) | (Date, Date) | (Duration, Duration) => Duration,
            (DateTime, Duration) => DateTime,
            (Date, Duration) => Date,
            (Float, _) | (_, Float) if num(l) && num(r) => Float,
            (Decimal, _) | (_, Decimal) if num(l) && num(r) => Decimal,
            _ if num(l) && num(r) => Int,
            _ => return Option::None,
        },
        BinOp::Mul => match (l, r) {
            (Str, Int) | (Int, Str) | (Str, Bool) | (Bool, Str) => Str,
            (List, Int) | (Int, List) | (List, Bool) | (Bool, List) => List,
            (Duration, Int) | (Int, Duration) | (Duration, Float) | (Float, Duration) => Duration,
            (Float, _) | (_, Float) if num(l) && num(r) => Float,
            (Decimal, _) | (_, Decimal) if num(l) && num(r) => Decimal,
            _ if num(l) && num(r) => Int,
            _ => return Option::None,
        },
        BinOp::Div => match (l, r) {
            (Duration, Duration) => Float,
            (Duration, _) if num(r) => Duration,
            (Decimal, _) | (_, Decimal) if num(l) && num(r) => Decimal,
            _ if num(l) && num(r) => Float,
            _ => return Option::None,
        },
        BinOp::FloorDiv | BinOp::Mod | BinOp::Pow => match (l, r) {
            (Str, _) if op == BinOp::Mod => Str,
            (Float, _) | (_, Float) if num(l) && num(r) => Float,
            (Decimal, _) | (_, Decimal) if num(l) && num(r) => Decimal,
            _ if num(l) && num(r) => {
                if op == BinOp::Pow {
                    Any
                } else {
                    Int
                }
            }
            (Duration, Duration) if op != BinOp::Pow => {
                if op == BinOp::FloorDiv {
                    Int
                } else {
                    Duration
                }
            }
            _ => return Option::None,
        },
        BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::Shl | BinOp::Shr => match (l, r) {
            (Bool, Bool) if !matches!(op, BinOp::Shl | BinOp::Shr) => Bool,
            (Int | Bool, Int | Bool) => Int,
            _ => return Option::None,
        },
    })
}
