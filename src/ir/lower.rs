//! Lowering: XML element tree → [`Model`].
//!
//! Walks the model in document order keeping a compile-time copy of the record frames, so that
//! every name in an expression resolves to a slot exactly as the run will see it (dsl §2.2:
//! the outermost record's names first, then setup variables, then inner scopes, then
//! properties). Sources whose columns can be known (CSV headers, JSON keys, memstore products
//! written earlier) define their columns statically; others make the frame dynamic.
//! All findings are collected; a model with errors is not returned.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::builtins::converters::{self, Converter};
use crate::builtins::generators::{self, GenConfig, Generator};
use crate::builtins::pattern::Pattern;
use crate::builtins::sources;
use crate::builtins::targets::{self, TargetItem};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::domains::determinism::{path_key, AliasTable, PathKey, Seed};
use crate::ir::model::*;
use crate::ir::types::{entity, Ty, ENTITIES};
use crate::parser::expr::ast::{ESpan, ExprKind};
use crate::parser::expr::parse_expr;
use crate::parser::xml::{self, Attr, Element};
use crate::source::{SourceMap, Span};
use crate::vm::compile::{compile, CompileError, Scope};
use crate::vm::op::Slot;
use crate::vm::value::{Map, Value};

mod db;

/// Options that come from the command line.
#[derive(Clone, Debug, Default)]
pub struct LowerOptions {
    /// `--seed` overrides `<setup rngSeed>`.
    pub seed: Option<Seed>,
    /// Lowering for a run (not only a check): constructs that are valid but cannot run are
    /// errors instead of warnings.
    pub for_run: bool,
}

/// Reads, parses and lowers a model file.
pub fn lower_file(path: &Path, opts: &LowerOptions) -> (SourceMap, Option<Model>, Diagnostics) {
    let text = match std::fs::read(path) {
        Ok(b) => match String::from_utf8(b) {
            Ok(t) => t,
            Err(_) => {
                let d = Diagnostic::error("DM001", format!("model '{}' is not valid UTF-8", path.display()));
                return (SourceMap::new(), None, d.into());
            }
        },
        Err(e) => {
            let d = Diagnostic::error("DM001", format!("cannot read model '{}': {e}", path.display()));
            return (SourceMap::new(), None, d.into());
        }
    };
    lower_text(path, &text, opts)
}

/// Parses and lowers model text; `path` names it and anchors relative paths.
pub fn lower_text(path: &Path, text: &str, opts: &LowerOptions) -> (SourceMap, Option<Model>, Diagnostics) {
    let mut sm = SourceMap::new();
    let id = sm.add(path.to_path_buf(), Arc::from(text));
    let root = match xml::parse(text, id) {
        Ok(r) => r,
        Err(d) => return (sm, None, d.into()),
    };
    let structure = crate::parser::schema::validate(&root);
    if structure.has_errors() {
        let mut d = structure;
        d.sort();
        return (sm, None, d);
    }
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut lw = Lower::new(sm, base_dir.clone(), path.to_path_buf());
    lw.for_run = opts.for_run;
    let model = lw.model(&root, opts);
    let mut diags = lw.diags;
    diags.sort();
    let model = if diags.has_errors() { None } else { model };
    (lw.sm, model, diags)
}

/// Lowers a descriptor named by an `<include uri="{…}">` when the run reaches it (dsl §3.14).
///
/// The file continues the lowering at the include (`context`): its properties, settings,
/// memstores and named generators. Its own `<setup>` attributes override the settings for the
/// included part. `names` become its first globals (the values the include sees); its setup
/// variables follow. Statement states are numbered from `first_state`, source ids continue
/// `sources`.
pub fn lower_dynamic_include(
    path: &Path,
    uri: &str,
    context: &IncludeContext,
    names: &[Arc<str>],
    sources: SourceMap,
    first_state: u32,
) -> (SourceMap, Result<Model, Diagnostics>) {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut lw = Lower::new(sources, dir.clone(), path.to_path_buf());
    lw.for_run = true;
    lw.states = first_state;
    lw.props = context.props.clone();
    lw.settings = context.settings.clone();
    lw.memstores = context.memstores.clone();
    lw.memstore_fields = context.memstore_fields.iter().cloned().collect();
    lw.named_generators = context.named_generators.clone();
    lw.globals = names.iter().map(|n| (n.clone(), Ty::Any)).collect();
    lw.path = context.path.clone();
    lw.path.push(format!("file[{uri}]"));
    lw.include_stack = context.include_stack.clone();
    lw.include_stack.push(path.to_path_buf());
    let text = match std::fs::read(path).map(String::from_utf8) {
        Ok(Ok(t)) => t,
        Ok(Err(_)) => {
            let d = Diagnostic::error("DM601", format!("included file '{}' is not valid UTF-8", path.display()));
            return (lw.sm, Err(d.into()));
        }
        Err(e) => {
            let d = Diagnostic::error("DM405", format!("cannot read included file '{}': {e}", path.display()));
            return (lw.sm, Err(d.into()));
        }
    };
    let id = lw.sm.add(path.to_path_buf(), Arc::from(text.as_str()));
    let root = match xml::parse(&text, id) {
        Ok(r) => r,
        Err(d) => return (lw.sm, Err(d.into())),
    };
    let structure = crate::parser::schema::validate(&root);
    if structure.has_errors() {
        let mut d = structure;
        d.sort();
        return (lw.sm, Err(d));
    }
    if root.name != "setup" {
        let d = Diagnostic::error("DM106", format!("an included model has a <setup> root, not <{}>", root.name))
            .with_span(root.name_span);
        return (lw.sm, Err(d.into()));
    }
    let seed = lw.settings.seed.clone();
    lw.setup_attrs(&root);
    lw.settings.seed = seed;
    let body = lw.setup_body(&root.children);
    lw.freeze_entities(0, None);
    let mut diags = std::mem::take(&mut lw.diags);
    if diags.has_errors() {
        diags.0.retain(Diagnostic::is_error);
        diags.sort();
        return (lw.sm, Err(diags));
    }
    let model = Model {
        settings: lw.settings.clone(),
        globals: lw.globals.iter().map(|(n, _)| n.clone()).collect(),
        props: lw.props.clone(),
        body,
        states: lw.states,
        files: lw.files.clone(),
        base_dir: dir,
        paths: std::mem::take(&mut lw.paths),
    };
    (lw.sm, Ok(model))
}

/// Statically known columns of a source: names and types.
type Columns = Vec<(String, Ty)>;

struct FrameCx {
    layout: Layout,
    tys: Vec<Ty>,
    defined: Vec<bool>,
    /// Slots defined more than once (an entity variable in such a slot is not read field by
    /// field).
    redefined: Vec<u16>,
}

impl FrameCx {
    fn new(dynamic: bool) -> FrameCx {
        FrameCx {
            layout: Layout { dynamic, ..Layout::default() },
            tys: Vec::new(),
            defined: Vec::new(),
            redefined: Vec::new(),
        }
    }

    fn named(dynamic: bool, name: &str) -> FrameCx {
        let mut f = FrameCx::new(dynamic);
        f.layout.scope_name = Some(Arc::from(name));
        f
    }

    fn define(&mut self, name: &str, field: bool, ty: Ty) -> u16 {
        let slot = self.layout.slot(name, field);
        let i = slot as usize;
        if self.tys.len() <= i {
            self.tys.resize(i + 1, Ty::Any);
            self.defined.resize(i + 1, false);
        }
        self.tys[i] = if self.defined[i] && self.tys[i] != ty { Ty::Any.join(ty) } else { ty };
        if self.defined[i] && !self.redefined.contains(&slot) {
            self.redefined.push(slot);
        }
        self.defined[i] = true;
        slot
    }

    fn find(&self, name: &str, field: bool) -> Option<(u16, Ty)> {
        self.layout
            .names
            .iter()
            .zip(&self.layout.is_field)
            .enumerate()
            .find(|(i, (n, f))| &***n == name && **f == field && self.defined.get(*i).copied().unwrap_or(false))
            .map(|(i, _)| (i as u16, self.tys[i]))
    }
}

struct Lower {
    sm: SourceMap,
    diags: Diagnostics,
    files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
    props: Vec<(Arc<str>, Arc<str>)>,
    globals: Vec<(Arc<str>, Ty)>,
    frames: Vec<FrameCx>,
    states: u32,
    settings: Settings,
    memstores: Vec<String>,
    /// Memstore entity → field names of the product stored into it.
    memstore_fields: HashMap<String, Vec<String>>,
    /// Ids of the declared `<database>` clients.
    databases: Vec<String>,
    /// `<generator>` instances (with their shared state) and `<state-machine>`s (a walker per
    /// statement).
    named_generators: Vec<(String, Arc<Generator>, Option<StateId>)>,
    path: Vec<String>,
    sibling_counts: Vec<HashMap<String, u32>>,
    include_stack: Vec<PathBuf>,
    /// Literal counts of the enclosing generates (`None` when not literal), for DM317/DM318.
    count_stack: Vec<Option<u64>>,
    /// Condition/while nesting inside the current record frame.
    branch: u32,
    /// The current record frame's index numbers the executions of its fields within one
    /// execution of the enclosing statement (a generate's records, a list nestedKey's items).
    indexed: bool,
    /// See [`LowerOptions::for_run`].
    for_run: bool,
    /// Lowering an `<element>` of a nestedKey/item: its field is named `@name`.
    element_attr: bool,
    /// Statement key → statement path (see [`Model::paths`]).
    paths: std::collections::BTreeMap<u64, Arc<str>>,
    /// Entity variables of the open frames and the paths they are read for.
    entity_vars: std::cell::RefCell<Vec<EntityVar>>,
    /// Whole record scopes may be read (`this`, `parent`, `root`, run-time names, `<assert>`,
    /// run-time includes, enriching nestedKeys): entity variables are built whole.
    scopes_read: std::cell::Cell<bool>,
    /// An expression has read a key (a field slot) by name.
    keys_read: std::cell::Cell<bool>,
}

/// An entity variable that may be read field by field (`domains::projection`).
struct EntityVar {
    depth: u16,
    slot: u16,
    kind: &'static str,
    /// `None` once the plan is set.
    proj: Option<Arc<crate::domains::projection::Projection>>,
    whole: bool,
    paths: Vec<Vec<&'static str>>,
}

struct ScopeView<'a> {
    lw: &'a Lower,
}

impl Scope for ScopeView<'_> {
    fn resolve(&self, name: &str) -> Option<(Slot, Ty)> {
        let lw = self.lw;
        // Inner scopes appear in the content tree as maps under their names, inserted after
        // the outermost record's own names, so they win over them.
        for (di, fi) in lw.frames.iter().enumerate().skip(1).rev() {
            if fi.layout.scope_name.as_deref() == Some(name) {
                lw.scopes_read.set(true);
                return Some((Slot::Scope(di as u16), Ty::Dict));
            }
        }
        for (d, f) in lw.frames.iter().enumerate() {
            if let Some((s, t)) = f.find(name, true) {
                lw.keys_read.set(true);
                return Some((Slot::Frame { depth: d as u16, slot: s }, t));
            }
            if let Some((s, t)) = f.find(name, false) {
                return Some((Slot::Frame { depth: d as u16, slot: s }, t));
            }
            if d == 0 {
                if let Some(g) = lw.globals.iter().position(|(n, _)| &**n == name) {
                    return Some((Slot::Global(g as u16), lw.globals[g].1));
                }
            }
        }
        if lw.frames.is_empty() {
            if let Some(g) = lw.globals.iter().position(|(n, _)| &**n == name) {
                return Some((Slot::Global(g as u16), lw.globals[g].1));
            }
        }
        lw.props.iter().rposition(|(n, _)| &**n == name).map(|p| (Slot::Prop(p as u16), Ty::Str))
    }

    fn dynamic(&self) -> bool {
        self.lw.frames.iter().any(|f| f.layout.dynamic)
    }

    fn names(&self) -> Vec<String> {
        let lw = self.lw;
        let mut v: Vec<String> = lw.globals.iter().map(|(n, _)| n.to_string()).collect();
        for f in &lw.frames {
            for (i, n) in f.layout.names.iter().enumerate() {
                if f.defined.get(i).copied().unwrap_or(false) {
                    v.push(n.to_string());
                }
            }
        }
        v.extend(lw.props.iter().map(|(n, _)| n.to_string()));
        v
    }

    fn has_parent(&self) -> bool {
        self.lw.frames.len() >= 2
    }

    fn entity_field(&self, root: &str, path: &[&str]) -> Option<(Slot, u32, Ty)> {
        let (Slot::Frame { depth, slot }, Ty::Entity(kind)) = self.resolve(root)? else { return None };
        if self.lw.frames.get(depth as usize)?.redefined.contains(&slot) {
            return None;
        }
        let mut vars = self.lw.entity_vars.borrow_mut();
        let v = vars.iter_mut().rev().find(|v| v.depth == depth && v.slot == slot)?;
        let hidden = v.proj.as_ref()?.hidden;
        if v.kind != kind {
            return None;
        }
        let mut k = kind;
        let mut canon = Vec::with_capacity(path.len());
        let mut ty = Ty::Any;
        for (i, f) in path.iter().enumerate() {
            let (name, ft) = entity(k)?.field(f)?;
            canon.push(name);
            ty = ft.ty();
            if i + 1 < path.len() {
                match ft {
                    crate::ir::types::FieldTy::M(Some(k2)) => k = k2,
                    _ => return None,
                }
            }
        }
        let i = match v.paths.iter().position(|p| *p == canon) {
            Some(i) => i,
            None => {
                v.paths.push(canon);
                v.paths.len() - 1
            }
        };
        Some((Slot::Frame { depth, slot: hidden }, i as u32, ty))
    }

    fn entity_whole(&self, name: &str) {
        if let Some((Slot::Frame { depth, slot }, _)) = self.resolve(name) {
            let mut vars = self.lw.entity_vars.borrow_mut();
            if let Some(v) = vars.iter_mut().rev().find(|v| v.depth == depth && v.slot == slot) {
                v.whole = true;
            }
        }
    }

    fn scopes_read(&self) {
        self.lw.scopes_read.set(true);
    }
}

/// Parses an attribute as a Python literal (`values`, `weights`, generator arguments).
pub fn literal(text: &str) -> Result<Value, String> {
    let e = parse_expr(text).map_err(|e| e.message)?;
    literal_expr(&e)
}

fn literal_expr(e: &crate::parser::expr::ast::Expr) -> Result<Value, String> {
    Ok(match &e.kind {
        ExprKind::None => Value::Null,
        ExprKind::Bool(b) => Value::Bool(*b),
        ExprKind::Int(i) => Value::Int(*i),
        ExprKind::Float(f) => Value::Float(*f),
        ExprKind::Str(s) => Value::str(s),
        ExprKind::List(items) => Value::list(items.iter().map(literal_expr).collect::<Result<_, _>>()?),
        ExprKind::Tuple(items) => Value::Tuple(Arc::new(items.iter().map(literal_expr).collect::<Result<_, _>>()?)),
        ExprKind::Dict(items) => {
            let mut m = Map::new();
            for (k, v) in items {
                m.insert(Arc::from(literal_expr(k)?.py_str()), literal_expr(v)?);
            }
            Value::map(m)
        }
        ExprKind::Call(f, args, _) if matches!(&f.kind, ExprKind::Name(n) if n == "set") && args.len() == 1 => {
            let mut seen = std::collections::HashSet::new();
            match literal_expr(&args[0])? {
                Value::List(l) => Value::list(l.iter().filter(|v| seen.insert(v.dedup_key())).cloned().collect()),
                v => v,
            }
        }
        ExprKind::Name(n) => return Err(format!("'{n}' is not a literal; quote strings ('{n}')")),
        _ => return Err("expected a literal value".into()),
    })
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "t" | "y" => Some(true),
        "false" | "0" | "no" | "off" | "f" | "n" => Some(false),
        _ => None,
    }
}

fn is_prop_ref(v: &str) -> Option<&str> {
    let inner = v.strip_prefix('{')?.strip_suffix('}')?;
    let ok = !inner.is_empty()
        && inner.split('.').all(|p| {
            let mut c = p.chars();
            c.next().is_some_and(|f| f.is_alphabetic() || f == '_') && c.all(|x| x.is_alphanumeric() || x == '_')
        });
    ok.then_some(inner)
}

impl Lower {
    fn new(sm: SourceMap, base: PathBuf, file: PathBuf) -> Lower {
        Lower {
            sm,
            diags: Diagnostics::new(),
            files: vec![file.clone()],
            dirs: vec![base],
            props: Vec::new(),
            globals: Vec::new(),
            frames: Vec::new(),
            states: 0,
            settings: Settings::default(),
            memstores: Vec::new(),
            memstore_fields: HashMap::new(),
            databases: Vec::new(),
            named_generators: Vec::new(),
            path: vec!["setup".into()],
            sibling_counts: vec![HashMap::new()],
            include_stack: vec![file],
            count_stack: Vec::new(),
            branch: 0,
            indexed: false,
            for_run: false,
            element_attr: false,
            paths: std::collections::BTreeMap::new(),
            entity_vars: Default::default(),
            scopes_read: Default::default(),
            keys_read: Default::default(),
        }
    }

    /// Sets the plans of the entity variables of frames `depth` and deeper (their scopes are
    /// lowered: no expression can read them any more). `frame`: the frame at `depth`.
    fn freeze_entities(&self, depth: u16, frame: Option<&FrameCx>) {
        let mut vars = self.entity_vars.borrow_mut();
        for v in vars.iter_mut().filter(|v| v.depth >= depth) {
            if let Some(p) = v.proj.take() {
                let redefined = v.depth == depth && frame.is_some_and(|f| f.redefined.contains(&v.slot));
                let whole = v.whole || redefined || self.scopes_read.get();
                let _ = p.plan.set(crate::domains::projection::plan(v.kind, whole, std::mem::take(&mut v.paths)));
            }
        }
        vars.retain(|v| v.depth < depth);
    }

    fn dir(&self) -> &Path {
        self.dirs.last().map(PathBuf::as_path).unwrap_or(Path::new("."))
    }

    fn err(&mut self, code: &'static str, msg: impl Into<String>, span: Span) -> &mut Diagnostic {
        self.diags.push(Diagnostic::error(code, msg).with_span(span).with_path(self.path_str()));
        self.diags.0.last_mut().expect("just pushed")
    }

    fn warn(&mut self, code: &'static str, msg: impl Into<String>, span: Span) {
        self.diags.push(Diagnostic::warning(code, msg).with_span(span).with_path(self.path_str()));
    }

    fn path_str(&self) -> String {
        format!("/{}", self.path.join("/"))
    }

    fn new_state(&mut self) -> StateId {
        self.states += 1;
        self.states - 1
    }

    /// Pushes a path segment `elem[name]` (with an occurrence suffix for repeats).
    fn enter(&mut self, elem: &str, name: &str) -> PathKey {
        let seg = format!("{elem}[{name}]");
        let counts = self.sibling_counts.last_mut().expect("root segment");
        let n = counts.entry(seg.clone()).or_insert(0);
        *n += 1;
        let seg = if *n > 1 { format!("{seg}#{n}") } else { seg };
        self.path.push(seg);
        self.sibling_counts.push(HashMap::new());
        self.key_of(self.path_str())
    }

    /// The key of a statement path, remembered for `sample --explain`.
    fn key_of(&mut self, path: String) -> PathKey {
        let key = path_key(&path);
        self.paths.entry(key.0).or_insert_with(|| Arc::from(path));
        key
    }

    fn leave(&mut self) {
        self.path.pop();
        self.sibling_counts.pop();
    }

    /// Attribute value after whole-attribute property substitution.
    fn av(&self, el: &Element, name: &str) -> Option<String> {
        let v = &el.attr(name)?.value;
        if let Some(p) = is_prop_ref(v) {
            if let Some((_, val)) = self.props.iter().rev().find(|(k, _)| &**k == p) {
                return Some(val.to_string());
            }
        }
        Some(v.clone())
    }

    fn attr_span(&self, el: &Element, name: &str) -> Span {
        el.attr(name).map(|a| a.value_span).unwrap_or(el.name_span)
    }

    fn bool_attr(&mut self, el: &Element, name: &str, default: bool) -> bool {
        match self.av(el, name) {
            None => default,
            Some(v) => match parse_bool(&v) {
                Some(b) => b,
                None => {
                    let sp = self.attr_span(el, name);
                    self.err("DM105", format!("'{v}' is not a boolean for {name}"), sp).help =
                        Some("use true or false".into());
                    default
                }
            },
        }
    }

    fn int_attr(&mut self, el: &Element, name: &str) -> Option<i64> {
        let v = self.av(el, name)?;
        match v.trim().parse::<i64>() {
            Ok(i) => Some(i),
            Err(_) => {
                let sp = self.attr_span(el, name);
                self.err("DM105", format!("'{v}' is not an integer for {name}"), sp);
                None
            }
        }
    }

    fn float_attr(&mut self, el: &Element, name: &str) -> Option<f64> {
        let v = self.av(el, name)?;
        match v.trim().parse::<f64>() {
            Ok(f) => Some(f),
            Err(_) => {
                let sp = self.attr_span(el, name);
                self.err("DM105", format!("'{v}' is not a number for {name}"), sp);
                None
            }
        }
    }

    /// Compiles the expression `text`, which stands at decoded offset `offset` of attribute
    /// `attr` (or is a substituted property when the attribute is a `{prop}` reference).
    fn expr_in(&mut self, attr: Option<&Attr>, text: &str, offset: usize) -> Option<Expr> {
        let span_of = |e: ESpan| -> Span {
            match attr {
                Some(a) if a.value.len() >= offset + text.len() => {
                    a.source_span(offset + e.start as usize, offset + e.end as usize)
                }
                Some(a) => a.value_span,
                None => Span::DETACHED,
            }
        };
        let parsed = match parse_expr(text) {
            Ok(e) => e,
            Err(pe) => {
                let code = if pe.unsupported { "DM506" } else { "DM501" };
                let sp = span_of(pe.span);
                let path = self.path_str();
                self.diags.push(
                    Diagnostic::error(code, format!("{} in expression `{}`", pe.message, text.trim()))
                        .with_span(sp)
                        .with_label(if pe.unsupported { "outside the supported subset" } else { "syntax error" })
                        .with_help(if pe.unsupported {
                            "rewrite with the supported Python subset (dsl §12.1)"
                        } else {
                            "expressions use Python syntax"
                        })
                        .with_path(path),
                );
                return None;
            }
        };
        let scope = ScopeView { lw: self };
        match compile(&parsed, text, &scope, &span_of) {
            Ok((chunk, ty)) => Some(Expr { chunk, ty }),
            Err(errs) => {
                let path = self.path_str();
                for CompileError { code, message, span, help } in errs {
                    let mut d = Diagnostic::error(code, message).with_span(span_of(span)).with_path(path.clone());
                    d.label = Some("in this expression".into());
                    d.help = help;
                    self.diags.push(d);
                }
                None
            }
        }
    }

    /// Compiles the expression of attribute `name` (whole value).
    fn expr_attr(&mut self, el: &Element, name: &str) -> Option<Expr> {
        let a = el.attr(name)?;
        let text = self.av(el, name).unwrap_or_default();
        if text != a.value {
            return self.expr_in(None, &text, 0).map(|mut e| {
                e.chunk.span = a.value_span;
                e
            });
        }
        if text.trim().is_empty() {
            self.err("DM501", format!("empty expression in {name}"), a.value_span);
            return None;
        }
        if let Some(p) = text.find(&self.settings.var_prefix).filter(|_| self.settings.var_prefix == "__") {
            let rest = &text[p + 2..];
            if rest.find("__").is_some_and(|q| q > 0 && rest[..q].chars().all(|c| c.is_alphanumeric() || c == '.'))
                && !rest.starts_with('_')
                && text[..p].chars().last().is_none_or(|c| !c.is_alphanumeric())
            {
                let sp = a.source_span(p, p + 2);
                self.err("DM314", "__name__ markers are for string= templates, not expressions", sp).help =
                    Some("write the name directly (p.name instead of __p.name__)".into());
                return None;
            }
        }
        self.expr_in(Some(a), &text, 0)
    }

    /// Parses an f-string body (`<echo>` text, `<include uri>`) into a template.
    fn fstring_template(&mut self, text: &str, attr: Option<&Attr>, lenient: bool) -> Template {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'{' && b.get(i + 1) == Some(&b'{') {
                lit.push('{');
                i += 2;
            } else if b[i] == b'}' && b.get(i + 1) == Some(&b'}') {
                lit.push('}');
                i += 2;
            } else if b[i] == b'{' {
                match text[i + 1..].find('}') {
                    Some(close) => {
                        let inner = &text[i + 1..i + 1 + close];
                        let n_errors = self.diags.len();
                        match self.expr_in(attr, inner, i + 1) {
                            Some(e) => {
                                if !lit.is_empty() {
                                    parts.push(TemplatePart::Lit(std::mem::take(&mut lit)));
                                }
                                parts.push(TemplatePart::Expr(e));
                            }
                            None if lenient => {
                                // Echo: evaluation problems are only warnings (dsl §3.12).
                                for d in self.diags.0[n_errors..].iter_mut() {
                                    d.severity = crate::diag::Severity::Warning;
                                }
                                lit.push_str(&text[i..i + 2 + close]);
                            }
                            None => {}
                        }
                        i += close + 2;
                    }
                    None => {
                        lit.push_str(&text[i..]);
                        break;
                    }
                }
            } else {
                let c = text[i..].chars().next().unwrap_or(' ');
                lit.push(c);
                i += c.len_utf8();
            }
        }
        if !lit.is_empty() {
            parts.push(TemplatePart::Lit(lit));
        }
        parts
    }

    /// `string="id-__n__"`: `prefix EXPR suffix` markers (dsl §4.5).
    fn marker_template(&mut self, el: &Element, name: &str, prefix: &str, suffix: &str) -> Template {
        let text = self.av(el, name).unwrap_or_default();
        let attr = el.attr(name).filter(|a| a.value == text);
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut i = 0;
        while i < text.len() {
            if text[i..].starts_with(prefix) && !prefix.is_empty() {
                let start = i + prefix.len();
                let first_ok =
                    text[start..].chars().next().is_some_and(|c| !prefix.starts_with(c) && !c.is_whitespace());
                if first_ok {
                    let mut j = start + text[start..].chars().next().map(|c| c.len_utf8()).unwrap_or(1);
                    let mut found = None;
                    while j <= text.len() {
                        if text[j..].starts_with(suffix) && !suffix.is_empty() {
                            found = Some(j);
                            break;
                        }
                        match text[j..].chars().next() {
                            Some(c) if !c.is_whitespace() => j += c.len_utf8(),
                            _ => break,
                        }
                    }
                    if let Some(end) = found {
                        let inner = &text[start..end];
                        if let Some(e) = self.expr_in(attr, inner, start) {
                            if !lit.is_empty() {
                                parts.push(TemplatePart::Lit(std::mem::take(&mut lit)));
                            }
                            parts.push(TemplatePart::Expr(e));
                        }
                        i = end + suffix.len();
                        continue;
                    }
                }
            }
            let c = text[i..].chars().next().unwrap_or(' ');
            lit.push(c);
            i += c.len_utf8();
        }
        if !lit.is_empty() {
            parts.push(TemplatePart::Lit(lit));
        }
        parts
    }

    fn model(&mut self, root: &Element, opts: &LowerOptions) -> Option<Model> {
        if root.name != "setup" {
            self.err("DM106", format!("the root element must be <setup>, found <{}>", root.name), root.name_span)
                .help = Some("wrap the model in <setup>…</setup>".into());
            return None;
        }
        // conf/environment.env.properties beside the model.
        let env_props = self.dir().join("conf").join("environment.env.properties");
        if env_props.is_file() {
            if let Ok(p) = sources::read_properties(&env_props) {
                for (k, v) in p {
                    self.props.push((Arc::from(k), Arc::from(v)));
                }
            }
        }
        self.setup_attrs(root);
        if self.settings.seed.is_none() && opts.seed.is_none() {
            self.diags.push(
                Diagnostic::hint("DM303", "the model has no rngSeed: every run produces different data")
                    .with_span(root.name_span)
                    .with_help("add rngSeed=\"42\" to <setup> (or pass --seed) for reproducible output")
                    .with_path("/setup"),
            );
        }
        if root.attr("rngSeed").is_some() && has_parallel_hint(root) {
            self.diags.push(
                Diagnostic::hint(
                    "DM304",
                    "numProcess/multiprocessing are hints: seeded runs are deterministic on any number of threads",
                )
                .with_span(root.name_span)
                .with_path("/setup"),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for g in root.children.iter().filter(|c| c.name == "generate" || c.name == "iterate") {
            if let Some(n) = g.get("name") {
                if !seen.insert(n.to_string()) {
                    self.diags.push(
                        Diagnostic::warning("DM403", format!("another generate is also named '{n}'"))
                            .with_span(g.name_span)
                            .with_help("the second product's file gets a suffix; give each generate its own name"),
                    );
                }
            }
        }
        self.settings.seed = opts.seed.clone().or(self.settings.seed.take());
        let body = self.setup_body(&root.children);
        self.freeze_entities(0, None);
        let files = self.files.clone();
        Some(Model {
            settings: self.settings.clone(),
            globals: self.globals.iter().map(|(n, _)| n.clone()).collect(),
            props: self.props.clone(),
            body,
            states: self.states,
            files,
            base_dir: self.dirs[0].clone(),
            paths: std::mem::take(&mut self.paths),
        })
    }

    fn setup_attrs(&mut self, root: &Element) {
        if let Some(s) = self.av(root, "rngSeed") {
            self.settings.seed = Some(Seed::parse(&s));
        }
        if let Some(s) = self.av(root, "defaultSeparator") {
            self.settings.separator = s;
        }
        if let Some(s) = self.av(root, "defaultDataset") {
            self.settings.dataset = s;
        }
        if let Some(s) = self.av(root, "defaultLocale") {
            self.settings.locale = s;
        }
        if let Some(s) = self.av(root, "defaultLineSeparator") {
            self.settings.line_separator = s.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t");
        }
        if let Some(s) = self.av(root, "defaultVariablePrefix") {
            self.settings.var_prefix = s;
        }
        if let Some(s) = self.av(root, "defaultVariableSuffix") {
            self.settings.var_suffix = s;
        }
        self.settings.source_scripted = self.bool_attr(root, "defaultSourceScripted", false);
    }

    fn setup_body(&mut self, children: &[Element]) -> Vec<Stmt> {
        let mut out = Vec::new();
        for c in children {
            match c.name.as_str() {
                "variable" => {
                    let name = c.get("name").unwrap_or("").to_string();
                    self.enter("variable", &name);
                    if let Some(f) = self.field(c, false) {
                        let ty = f.1;
                        let slot = match self.globals.iter().position(|(n, _)| **n == *name) {
                            Some(i) => {
                                self.globals[i].1 = ty;
                                i
                            }
                            None => {
                                self.globals.push((Arc::from(name.as_str()), ty));
                                self.globals.len() - 1
                            }
                        } as u16;
                        out.push(Stmt::Global { slot, field: Box::new(f.0) });
                    }
                    self.leave();
                }
                "generate" | "iterate" => {
                    if let Some(g) = self.generate(c) {
                        out.push(Stmt::Generate(Box::new(g)));
                    }
                }
                "include" => out.extend(self.include(c, true)),
                "echo" => out.push(self.echo(c)),
                "assert" => {
                    if let Some(s) = self.assert(c) {
                        out.push(s)
                    }
                }
                "memstore" => {
                    if let Some(id) = c.get("id") {
                        self.memstores.push(id.to_string());
                    }
                }
                "generator" => self.named_generator(c),
                "state-machine" => self.state_machine(c),
                "comment" => {}
                "execute" => out.extend(self.execute(c)),
                "database" => out.extend(self.database(c)),
                "mongodb" => {
                    self.err("DM506", "not supported yet: <mongodb>", c.name_span);
                }
                "demographics" => {
                    self.warn(
                        "DM506",
                        "<demographics> profiles are not applied yet; built-in age distributions are used",
                        c.name_span,
                    );
                }
                other => self.unknown_element(c, other, "setup"),
            }
        }
        out
    }

    fn unknown_element(&mut self, c: &Element, other: &str, parent: &str) {
        const KNOWN: &[&str] = &[
            "setup",
            "generate",
            "iterate",
            "key",
            "id",
            "variable",
            "nestedKey",
            "list",
            "item",
            "array",
            "value",
            "element",
            "reference",
            "field",
            "condition",
            "if",
            "else-if",
            "else",
            "while",
            "echo",
            "include",
            "execute",
            "assert",
            "memstore",
            "database",
            "mongodb",
            "generator",
            "state-machine",
            "transition",
            "demographics",
            "comment",
        ];
        if KNOWN.contains(&other) {
            self.err("DM102", format!("<{other}> is not allowed inside <{parent}>"), c.name_span);
        } else {
            let d = self.err("DM101", format!("unknown element <{other}>"), c.name_span);
            if let Some(s) = did_you_mean(other, KNOWN.iter().copied()) {
                d.help = Some(format!("did you mean <{s}>?"));
            }
        }
    }

    fn include(&mut self, c: &Element, at_setup: bool) -> Vec<Stmt> {
        let Some(uri) = self.av(c, "uri") else {
            self.err("DM104", "<include> needs a uri", c.name_span);
            return vec![];
        };
        let uri = if uri.contains('{') {
            // f-string uri: resolve from properties when possible.
            let mut s = uri.clone();
            for (k, v) in &self.props {
                s = s.replace(&format!("{{{k}}}"), v);
            }
            s
        } else {
            uri
        };
        let span = self.attr_span(c, "uri");
        if uri.contains('{') {
            // An f-string over values known only at run time: compiled here, in the scope of
            // the include; the file is loaded and lowered when the run reaches it.
            let attr = c.attr("uri").filter(|a| a.value == uri);
            let template = self.fstring_template(&uri, attr, false);
            self.enter("include", &uri);
            let context = IncludeContext {
                settings: self.settings.clone(),
                props: self.props.clone(),
                memstores: self.memstores.clone(),
                memstore_fields: {
                    let mut v: Vec<(String, Vec<String>)> =
                        self.memstore_fields.iter().map(|(k, f)| (k.clone(), f.clone())).collect();
                    v.sort();
                    v
                },
                named_generators: self.named_generators.clone(),
                path: self.path.clone(),
                dir: self.dir().to_path_buf(),
                include_stack: self.include_stack.clone(),
            };
            self.leave();
            // The included file is lowered at run time and reads the variables as values.
            self.scopes_read.set(true);
            return vec![Stmt::Include(Box::new(DynInclude { uri: template, context: Arc::new(context), span }))];
        }
        let path = self.dir().join(&uri);
        if !path.is_file() {
            self.err("DM405", format!("included file '{uri}' does not exist"), span).help =
                Some(format!("paths are relative to {}", self.dir().display()));
            return vec![];
        }
        if uri.ends_with(".properties") {
            match sources::read_properties(&path) {
                Ok(p) => {
                    for (k, v) in p {
                        self.props.push((Arc::from(k), Arc::from(v)));
                    }
                    self.files.push(path);
                }
                Err(e) => {
                    self.err("DM601", e, span);
                }
            }
            return vec![];
        }
        if !uri.ends_with(".xml") {
            self.err("DM402", format!("cannot include '{uri}': only .xml and .properties files"), span);
            return vec![];
        }
        let canon = path.canonicalize().unwrap_or(path.clone());
        if self.include_stack.iter().any(|p| p.canonicalize().unwrap_or(p.clone()) == canon) {
            let chain: Vec<String> = self.include_stack.iter().map(|p| p.display().to_string()).collect();
            self.err("DM405", format!("include cycle: {} -> {}", chain.join(" -> "), path.display()), span);
            return vec![];
        }
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                self.err("DM601", format!("cannot read '{}': {e}", path.display()), span);
                return vec![];
            }
        };
        let id = self.sm.add(path.clone(), Arc::from(text.as_str()));
        self.files.push(path.clone());
        let root = match xml::parse(&text, id) {
            Ok(r) => r,
            Err(d) => {
                self.diags.push(d);
                return vec![];
            }
        };
        let structure = crate::parser::schema::validate(&root);
        if structure.has_errors() {
            self.diags.extend(structure);
            return vec![];
        }
        self.include_stack.push(path.clone());
        self.dirs.push(path.parent().map(Path::to_path_buf).unwrap_or_default());
        let out = if at_setup { self.setup_body(&root.children) } else { self.record_body(&root.children, "generate") };
        self.dirs.pop();
        self.include_stack.pop();
        out
    }

    fn echo(&mut self, c: &Element) -> Stmt {
        let text = c.text.trim().to_string();
        let parts =
            if text.contains('{') { self.fstring_template(&text, None, true) } else { vec![TemplatePart::Lit(text)] };
        Stmt::Echo { parts, span: c.name_span }
    }

    fn assert(&mut self, c: &Element) -> Option<Stmt> {
        // A failed assertion prints the record with its variables.
        self.scopes_read.set(true);
        let cond = self.expr_attr(c, "condition")?;
        Some(Stmt::Assert { cond, message: self.av(c, "message"), span: c.name_span })
    }

    fn gen_config(&self, el: &Element) -> GenConfig {
        GenConfig {
            dataset: self.av(el, "dataset").unwrap_or_else(|| self.settings.dataset.clone()),
            locale: self.av(el, "locale").unwrap_or_else(|| self.settings.locale.clone()),
        }
    }

    fn named_generator(&mut self, c: &Element) {
        let (Some(name), Some(text)) = (self.av(c, "name"), self.av(c, "generator")) else {
            self.err("DM104", "<generator> needs name and generator", c.name_span);
            return;
        };
        let cfg = self.gen_config(c);
        let span = self.attr_span(c, "generator");
        if let Some(g) = self.construct_generator(&text, &cfg, span, c.attr("generator")) {
            let state = self.new_state();
            self.named_generators.push((name, Arc::new(g), Some(state)));
        }
    }

    fn state_machine(&mut self, c: &Element) {
        let Some(id) = self.av(c, "id") else {
            self.err("DM104", "<state-machine> needs an id", c.name_span);
            return;
        };
        let mut parts = Vec::new();
        for t in c.children.iter().filter(|t| t.name == "transition") {
            let (Some(from), Some(to)) = (t.get("from"), t.get("to")) else {
                self.err("DM104", "<transition> needs from and to", t.name_span);
                continue;
            };
            let w = t.get("weight").unwrap_or("1");
            parts.push(format!("{from}->{to}:{w}"));
        }
        if parts.is_empty() {
            self.err("DM104", "<state-machine> needs at least one <transition>", c.name_span);
            return;
        }
        let start = self.av(c, "start");
        let mut kwargs = vec![("transitions".to_string(), Value::from(parts.join(", ")))];
        if let Some(s) = start {
            kwargs.push(("start".into(), Value::from(s)));
        }
        let cfg = self.gen_config(c);
        match generators::construct("StateTransitionGenerator", &[], &kwargs, &cfg) {
            Ok(g) => self.named_generators.push((id, Arc::new(g), None)),
            Err(e) => {
                self.err("DM508", e, c.name_span);
            }
        }
    }

    /// Builds a generator from `Name` or `Name(args)`.
    fn construct_generator(
        &mut self,
        text: &str,
        cfg: &GenConfig,
        span: Span,
        attr: Option<&Attr>,
    ) -> Option<Generator> {
        let parsed = match parse_expr(text.trim()) {
            Ok(e) => e,
            Err(e) => {
                self.err("DM501", format!("cannot parse generator `{text}`: {}", e.message), span);
                return None;
            }
        };
        let (name, args, kwargs) = match &parsed.kind {
            ExprKind::Name(n) => (n.clone(), vec![], vec![]),
            ExprKind::Call(f, args, kwargs) => match &f.kind {
                ExprKind::Name(n) => (n.clone(), args.clone(), kwargs.clone()),
                _ => {
                    self.err("DM507", format!("`{text}` is not a generator call"), span);
                    return None;
                }
            },
            _ => {
                self.err("DM507", format!("`{text}` is not a generator name or call"), span);
                return None;
            }
        };
        let mut vals = Vec::new();
        let mut kws = Vec::new();
        for (i, a) in args.iter().chain(kwargs.iter().map(|(_, v)| v)).enumerate() {
            let v = match &a.kind {
                ExprKind::Call(f, inner, _) if matches!(&f.kind, ExprKind::Name(n) if n == "NumberDistribution") => {
                    match inner.first().map(literal_expr) {
                        Some(Ok(v)) => v,
                        _ => {
                            self.err("DM508", "NumberDistribution takes a distribution name", span);
                            return None;
                        }
                    }
                }
                _ => match literal_expr(a) {
                    Ok(v) => v,
                    Err(_) => {
                        // A name from scope: must be known now (a setup variable or property
                        // with a constant value is resolved; others are not supported yet).
                        let src = &text.trim()[a.span.start as usize..a.span.end as usize];
                        match self.props.iter().rev().find(|(k, _)| &**k == src) {
                            Some((_, v)) => Value::str(v),
                            None => {
                                let sp = attr
                                    .map(|at| at.source_span(a.span.start as usize, a.span.end as usize))
                                    .unwrap_or(span);
                                self.err("DM508", format!("generator argument `{src}` must be a literal"), sp).help =
                                    Some("write the value directly, e.g. dataset='DE'".into());
                                return None;
                            }
                        }
                    }
                },
            };
            if i < args.len() {
                vals.push(v);
            } else {
                kws.push((kwargs[i - args.len()].0.clone(), v));
            }
        }
        match generators::construct(&name, &vals, &kws, cfg) {
            Ok(g) => Some(g),
            Err(e) => {
                let code = if generators::GENERATOR_NAMES.iter().any(|(n, _)| *n == name) { "DM508" } else { "DM507" };
                let d = self.err(code, e, span);
                if code == "DM507" {
                    if let Some(s) = did_you_mean(&name, generators::GENERATOR_NAMES.iter().map(|(n, _)| *n)) {
                        d.help = Some(format!("did you mean {s}?"));
                    }
                }
                None
            }
        }
    }

    fn converters(&mut self, el: &Element) -> Vec<Converter> {
        let Some(text) = self.av(el, "converter") else {
            return vec![];
        };
        match converters::parse_chain(&text) {
            Ok(c) => c,
            Err(e) => {
                let sp = self.attr_span(el, "converter");
                self.err("DM507", e, sp);
                vec![]
            }
        }
    }

    /// Loads a file source into rows; `None` when it is not a file source.
    fn file_rows(&mut self, el: &Element, src: &str, span: Span) -> Option<Arc<Vec<Arc<Map>>>> {
        let path = self.dir().join(src);
        let sep = self.av(el, "separator").unwrap_or_else(|| self.settings.separator.clone());
        // A DbUnit dataset holds many tables: sourceEntity → type → name selects one.
        let table = self
            .av(el, "sourceEntity")
            .or_else(|| self.av(el, "type"))
            .or_else(|| self.av(el, "name"))
            .unwrap_or_default();
        let rows = sources::read_source(&path, &sep, &table)?;
        match rows {
            Ok(mut r) => {
                if let Some(off) = self.int_attr(el, "offset") {
                    let off = (off.max(0) as usize).min(r.len());
                    r.drain(..off);
                }
                self.files.push(path);
                Some(Arc::new(r))
            }
            Err(e) => {
                let code = if path.is_file() { "DM601" } else { "DM402" };
                self.err(code, e, span);
                Some(Arc::new(Vec::new()))
            }
        }
    }

    fn distribution(&mut self, el: &Element) -> Distribution {
        match self.av(el, "distribution").as_deref() {
            None | Some("random") => Distribution::Random,
            Some("ordered") => Distribution::Ordered,
            Some("cumulated") => Distribution::Cumulated,
            Some(other) => {
                let sp = self.attr_span(el, "distribution");
                self.err("DM105", format!("unknown distribution '{other}'"), sp).help =
                    Some("use random, ordered or cumulated".into());
                Distribution::Random
            }
        }
    }

    /// A `source=` of generate/variable/nestedKey: file, memstore, or (for variables) an
    /// expression. Returns the source and its statically known column names.
    fn source(&mut self, el: &Element, allow_expr: bool) -> Option<(Source, Option<Columns>)> {
        let src = self.av(el, "source")?;
        let span = self.attr_span(el, "source");
        match self.av(el, "distribution").as_deref() {
            None => self.diags.push(
                Diagnostic::warning("DM301", format!("'{src}' is read in random order (no distribution given)"))
                    .with_span(span)
                    .with_help(
                        "add distribution=\"ordered\" to keep the source order, or distribution=\"random\" to say so",
                    )
                    .with_path(self.path_str()),
            ),
            Some("random") | Some("cumulated") => self.diags.push(
                Diagnostic::hint("DM302", "a random or cumulated distribution loads the whole source into memory")
                    .with_span(span)
                    .with_path(self.path_str()),
            ),
            _ => {}
        }
        if let (Some(_), Some(_)) = (el.attr("type"), el.attr("selector")) {
            let sp = self.attr_span(el, "selector");
            self.err("DM205", "type and selector cannot both be given with source", sp);
        }
        if el.attr("selector").is_some() && !self.databases.contains(&src) {
            let sp = self.attr_span(el, "selector");
            self.err("DM211", format!("selector needs a database source, but '{src}' is not a declared database"), sp);
        }
        let distribution = self.distribution(el);
        let cyclic = self.bool_attr(el, "cyclic", false);
        let unique = self.bool_attr(el, "unique", false);
        let scripted = self.bool_attr(el, "sourceScripted", self.settings.source_scripted);
        let prefix = self.av(el, "variablePrefix").unwrap_or_else(|| self.settings.var_prefix.clone());
        let suffix = self.av(el, "variableSuffix").unwrap_or_else(|| self.settings.var_suffix.clone());
        let mk = |kind| Source {
            kind,
            distribution,
            cyclic,
            unique,
            span,
            scripted,
            prefix: prefix.clone(),
            suffix: suffix.clone(),
        };
        if let Some(query) = self.db_source(el, &src, &prefix, &suffix) {
            let query = query?;
            return Some((mk(SourceKind::Database { db: src.clone(), query }), None));
        }
        if let Some(rows) = self.file_rows(el, &src, span) {
            let mut cols: Vec<(String, Ty)> = Vec::new();
            for r in rows.iter().take(1000) {
                for (k, v) in r.iter() {
                    if !cols.iter().any(|(c, _)| **c == **k) {
                        let ty = match v {
                            Value::Str(_) => Ty::Str,
                            _ => Ty::Any,
                        };
                        cols.push((k.to_string(), if src.ends_with(".csv") { ty } else { Ty::Any }));
                    }
                }
            }
            let dynamic_shape = !src.to_ascii_lowercase().ends_with(".csv");
            let static_cols = if dynamic_shape && rows.len() > 1000 { None } else { Some(cols) };
            return Some((mk(SourceKind::Rows(rows)), static_cols));
        }
        if self.memstores.contains(&src) {
            let entity = self
                .av(el, "sourceEntity")
                .or_else(|| self.av(el, "type"))
                .or_else(|| self.av(el, "name"))
                .unwrap_or_default();
            let cols = self.memstore_fields.get(&entity).map(|f| f.iter().map(|n| (n.clone(), Ty::Any)).collect());
            return Some((mk(SourceKind::Memstore { store: src, entity }), cols));
        }
        let is_ident = src.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && src.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.');
        let known = {
            let scope = ScopeView { lw: self };
            scope.resolve(src.split('.').next().unwrap_or("")).is_some() || scope.dynamic()
        };
        if allow_expr && (!is_ident || known) {
            let inner = src.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or(&src).to_string();
            let attr = el.attr("source");
            let offset = if inner.len() != src.len() { 1 } else { 0 };
            let e = self.expr_in(attr.filter(|a| a.value == src), &inner, offset)?;
            return Some((mk(SourceKind::Script(e)), None));
        }
        let d = self.err(
            "DM402",
            format!("source '{src}' is neither a data file, a declared memstore, nor a list in scope"),
            span,
        );
        d.help = Some(format!("supported files: {}; declare memstores with <memstore id=…/>", sources::FILE_SUFFIXES));
        None
    }

    fn count(&mut self, el: &Element, has_source: bool) -> Option<Count> {
        let count = self.av(el, "count");
        let min = self.av(el, "minCount");
        let max = self.av(el, "maxCount");
        if count.is_some() && (min.is_some() || max.is_some()) {
            self.err("DM201", "count cannot be combined with minCount/maxCount", el.name_span);
        }
        if let Some(c) = count {
            let t = c.trim();
            if let Ok(n) = t.parse::<u64>() {
                return Some(Count::Fixed(n));
            }
            if let Some(inner) = t.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let attr = el.attr("count").filter(|a| a.value == c);
                let off = c.find('{').map(|p| p + 1).unwrap_or(1);
                return self.expr_in(attr, inner, off).map(Count::Expr);
            }
            let sp = self.attr_span(el, "count");
            self.err("DM212", format!("count '{c}' is neither a number nor an {{expression}}"), sp).help =
                Some("write digits, or {expression} for a computed count".into());
            return None;
        }
        let lo = min.as_ref().map(|_| self.int_attr(el, "minCount"));
        let hi = max.as_ref().map(|_| self.int_attr(el, "maxCount"));
        match (lo, hi) {
            (Some(Some(a)), Some(Some(b))) => {
                if a > b {
                    self.err("DM201", format!("minCount {a} is greater than maxCount {b}"), el.name_span);
                }
                Some(Count::Range { min: a.max(0) as u64, max: b.max(0) as u64 })
            }
            (Some(Some(a)), None) => Some(Count::Range { min: a.max(0) as u64, max: a.max(0) as u64 + 5 }),
            (None, Some(Some(b))) => Some(Count::Range { min: (b - 5).max(0) as u64, max: b.max(0) as u64 }),
            (None, None) if has_source => Some(Count::Source),
            (None, None) => None,
            _ => None,
        }
    }

    fn generate(&mut self, el: &Element) -> Option<Generate> {
        let Some(name) = self.av(el, "name") else {
            self.err("DM104", format!("<{}> needs a name", el.name), el.name_span);
            return None;
        };
        let key = self.enter("generate", &name);
        let depth = self.frames.len() as u16;
        let state = self.new_state();
        if let Some(ps) = el.attr("pageSize").and_then(|a| a.value.trim().parse::<i64>().ok()) {
            if ps < 100 {
                self.diags.push(
                    Diagnostic::hint("DM305", format!("pageSize {ps} has no effect on output; paging is internal"))
                        .with_span(self.attr_span(el, "pageSize")),
                );
            }
        }
        if el.attr("source").is_some()
            && el.get("count").is_some_and(|c| c.trim().parse::<u64>().is_ok())
            && el.get("cyclic").is_none_or(|c| parse_bool(c) != Some(true))
            && el.get("distribution") != Some("cumulated")
        {
            self.diags.push(
                Diagnostic::hint(
                    "DM316",
                    "a literal count is capped at the number of source rows (add cyclic=\"true\" to wrap)",
                )
                .with_span(self.attr_span(el, "count")),
            );
        }
        let src = if el.attr("source").is_some() { self.source(el, false) } else { None };
        let src = match (src, el.attr("script")) {
            (None, Some(_)) => {
                let e = self.expr_attr(el, "script");
                let distribution = self.distribution(el);
                let cyclic = self.bool_attr(el, "cyclic", false);
                e.map(|e| {
                    (
                        Source {
                            kind: SourceKind::Script(e),
                            distribution,
                            cyclic,
                            unique: false,
                            span: self.attr_span(el, "script"),
                            scripted: false,
                            prefix: String::new(),
                            suffix: String::new(),
                        },
                        None,
                    )
                })
            }
            (s, _) => s,
        };
        // Time-series mode.
        let series_attrs = (self.av(el, "start"), self.av(el, "end"), self.av(el, "interval"));
        let series = match series_attrs {
            (None, None, None) => None,
            (Some(s), Some(e), Some(i)) => self.series(el, &s, &e, &i),
            _ => {
                self.err("DM217", "time-series mode needs all of start, end and interval", el.name_span);
                None
            }
        };
        let count = match self.count(el, src.is_some()) {
            Some(c) => c,
            None if series.is_some() => Count::Fixed(1),
            None if ["count", "minCount", "maxCount"].iter().any(|a| el.attr(a).is_some()) => {
                // The count is there but invalid: already reported.
                self.leave();
                return None;
            }
            None => {
                self.err(
                    "DM202",
                    format!("<{}> '{name}' has no count, minCount/maxCount, source or script", el.name),
                    el.name_span,
                )
                .help = Some("add count=\"10\" (or a source)".into());
                self.leave();
                return None;
            }
        };
        let dynamic = src.as_ref().is_some_and(|(_, cols)| cols.is_none());
        let mut frame = FrameCx::named(dynamic, &name);
        if let Some((_, Some(cols))) = &src {
            for (c, t) in cols {
                frame.define(c, true, *t);
            }
        }
        let ts_slot = series.map(|_| frame.define("ts", false, Ty::Dict));
        self.frames.push(frame);
        self.count_stack.push(match &count {
            Count::Fixed(n) => Some(*n),
            _ => None,
        });
        let saved_branch = std::mem::take(&mut self.branch);
        let saved_indexed = std::mem::replace(&mut self.indexed, true);
        let body = self.record_body(&el.children, "generate");
        self.indexed = saved_indexed;
        self.branch = saved_branch;
        self.count_stack.pop();
        let frame = self.frames.pop().expect("pushed");
        self.freeze_entities(self.frames.len() as u16, Some(&frame));
        let converters = self.converters(el);
        let out_name = self.av(el, "targetEntity").unwrap_or_else(|| name.clone());
        let mut targets = Vec::new();
        if let Some(t) = self.av(el, "target") {
            let span = self.attr_span(el, "target");
            match targets::parse_targets(&t) {
                Ok(items) => {
                    for it in items {
                        match it {
                            TargetItem::File(spec) => targets.push(Target::File(spec)),
                            TargetItem::Other(id) => {
                                if let Some(t) = self.db_target(el, &id, &name, span) {
                                    targets.extend(t);
                                } else if self.memstores.contains(&id) {
                                    let entity = self
                                        .av(el, "targetEntity")
                                        .or_else(|| self.av(el, "type"))
                                        .unwrap_or(name.clone());
                                    let fields: Vec<String> = frame
                                        .layout
                                        .names
                                        .iter()
                                        .zip(&frame.layout.is_field)
                                        .filter(|(_, f)| **f)
                                        .map(|(n, _)| n.to_string())
                                        .collect();
                                    self.memstore_fields.insert(entity, fields);
                                    targets.push(Target::Memstore(id));
                                } else {
                                    let known = [
                                        "CSV",
                                        "JSON",
                                        "XML",
                                        "TXT",
                                        "XLSX",
                                        "DbUnit",
                                        "FixedWidth",
                                        "ConsoleExporter",
                                        "LogExporter",
                                    ];
                                    let ids = self.target_ids();
                                    let help = match did_you_mean(
                                        &id,
                                        known.iter().copied().chain(ids.iter().map(|s| s.as_str())),
                                    ) {
                                        Some(s) => format!("did you mean '{s}'?"),
                                        None => {
                                            format!("targets: {}, or a declared memstore/database id", known.join(", "))
                                        }
                                    };
                                    self.err("DM401", format!("unknown target '{id}'"), span).help = Some(help);
                                }
                            }
                        }
                    }
                }
                Err(e) => {
                    self.err("DM401", e, span);
                }
            }
        }
        let export_uri = self.av(el, "exportUri");
        self.leave();
        let bind_slot = if depth > 0 { self.frames.last_mut().map(|f| f.define(&name, false, Ty::List)) } else { None };
        let series = series.zip(ts_slot).map(|((s, i, t), slot)| (s, i, t, slot));
        let (source, _) = src.map(|(s, c)| (Some(s), c)).unwrap_or((None, None));
        let mut frame = frame;
        frame.layout.keys_unread = !self.keys_read.get() && !self.scopes_read.get();
        Some(Generate {
            name,
            out_name,
            key,
            state,
            depth,
            count,
            source,
            targets,
            layout: frame.layout,
            body,
            converters,
            bind_slot,
            series,
            export_uri,
            span: el.name_span,
        })
    }

    fn series(&mut self, el: &Element, s: &str, e: &str, i: &str) -> Option<(jiff::civil::DateTime, i64, u64)> {
        let start = crate::builtins::datetime::parse_iso(s);
        let end = crate::builtins::datetime::parse_iso(e);
        let interval = i.parse::<jiff::Span>().ok().and_then(|sp| {
            if sp.get_months() != 0 || sp.get_years() != 0 {
                return None;
            }
            sp.to_duration(jiff::SpanRelativeTo::days_are_24_hours()).ok()
        });
        match (start, end, interval) {
            (Some(a), Some(b), Some(iv)) => {
                let iv_us = iv.as_micros() as i64;
                if iv_us <= 0 || b <= a {
                    self.err("DM217", "time series needs end > start and a positive interval", el.name_span);
                    return None;
                }
                let span_us =
                    crate::builtins::datetime::to_epoch_micros(b) - crate::builtins::datetime::to_epoch_micros(a);
                Some((a, iv_us, (span_us / iv_us) as u64))
            }
            _ => {
                self.err(
                    "DM105",
                    "start/end must be ISO datetimes and interval an ISO duration (PT1H) without months or years",
                    el.name_span,
                );
                None
            }
        }
    }

    /// Children of a record scope (generate, nestedKey, item, branch bodies).
    fn record_body(&mut self, children: &[Element], parent: &str) -> Vec<Stmt> {
        let mut out = Vec::new();
        for c in children {
            match c.name.as_str() {
                "key" | "id" => {
                    let name = c.get("name").unwrap_or("").to_string();
                    self.enter("key", &name);
                    if let Some((f, _)) = self.field(c, true) {
                        out.push(Stmt::Field(Box::new(f)));
                    }
                    self.leave();
                }
                "variable" => {
                    let name = c.get("name").unwrap_or("").to_string();
                    self.enter("variable", &name);
                    if let Some((f, _)) = self.field(c, false) {
                        out.push(Stmt::Field(Box::new(f)));
                    }
                    self.leave();
                }
                "nestedKey" => {
                    if let Some(n) = self.nested_key(c) {
                        out.push(Stmt::NestedKey(Box::new(n)));
                    }
                }
                "list" => {
                    if let Some(l) = self.list(c) {
                        out.push(Stmt::List(Box::new(l)));
                    }
                }
                "array" => {
                    if let Some(a) = self.array(c) {
                        out.push(Stmt::Array(Box::new(a)));
                    }
                }
                "generate" | "iterate" if parent != "nestedKey" => {
                    if let Some(g) = self.generate(c) {
                        out.push(Stmt::Generate(Box::new(g)));
                    }
                }
                "condition" => {
                    if let Some(s) = self.condition(c, parent) {
                        out.push(s);
                    }
                }
                "while" => {
                    let Some(cond) = self.expr_attr(c, "condition") else {
                        continue;
                    };
                    let max = self.int_attr(c, "maxIterations").unwrap_or(10_000).max(0) as u64;
                    self.branch += 1;
                    let body = self.record_body(&c.children, parent);
                    self.branch -= 1;
                    out.push(Stmt::While { cond, max, body, span: c.name_span });
                }
                "echo" => out.push(self.echo(c)),
                "assert" => {
                    if let Some(s) = self.assert(c) {
                        out.push(s)
                    }
                }
                "include" if parent == "generate" => out.extend(self.include(c, false)),
                "comment" => {}
                "element" if parent != "generate" => {
                    // Inside a nestedKey or item: an XML attribute of the map (`@name`).
                    let name = c.get("name").unwrap_or("").to_string();
                    self.enter("element", &name);
                    self.element_attr = true;
                    let f = self.field(c, true);
                    self.element_attr = false;
                    if let Some((f, _)) = f {
                        out.push(Stmt::Field(Box::new(f)));
                    }
                    self.leave();
                }
                "execute" => {
                    self.err(
                        "DM506",
                        "not supported: <execute> inside a record (scripts run under <setup>)",
                        c.name_span,
                    );
                }
                "reference" => out.extend(self.reference(c)),
                other => self.unknown_element(c, other, parent),
            }
        }
        out
    }

    fn condition(&mut self, c: &Element, parent: &str) -> Option<Stmt> {
        let mut branches = Vec::new();
        for (i, b) in c.children.iter().filter(|b| b.name != "comment").enumerate() {
            let cond = match b.name.as_str() {
                "if" if i == 0 => Some(self.expr_attr(b, "condition")?),
                "else-if" if i > 0 => Some(self.expr_attr(b, "condition")?),
                "else" if i > 0 => None,
                other => {
                    self.err(
                        "DM102",
                        format!("<{other}> is out of place in <condition> (if, else-if…, else)"),
                        b.name_span,
                    );
                    return None;
                }
            };
            self.branch += 1;
            let body = self.record_body(&b.children, parent);
            self.branch -= 1;
            branches.push(Branch { cond, body });
        }
        Some(Stmt::Condition(branches))
    }

    fn cast_of(&mut self, el: &Element) -> Option<Cast> {
        let t = self.av(el, "type")?;
        Some(match t.as_str() {
            "string" => Cast::Str,
            "int" => Cast::Int,
            "float" => Cast::Float,
            "decimal" => Cast::Decimal,
            "bool" => Cast::Bool,
            "binary" => Cast::Bytes,
            other => {
                let sp = self.attr_span(el, "type");
                let d = self.err("DM105", format!("unknown type '{other}'"), sp);
                d.help = Some(match did_you_mean(other, ["string", "int", "float", "decimal", "bool", "binary"]) {
                    Some(s) => format!("did you mean '{s}'?"),
                    None => "types: string, int, float, decimal, bool, binary".into(),
                });
                return None;
            }
        })
    }

    /// `<key>`, `<id>`, `<variable>`, `<element>`: the value pipeline (dsl §4).
    fn field(&mut self, el: &Element, is_field: bool) -> Option<(Field, Ty)> {
        let Some(name) = self.av(el, "name") else {
            self.err("DM104", format!("<{}> needs a name", el.name), el.name_span);
            return None;
        };
        let name = if self.element_attr { format!("@{name}") } else { name };
        let key = self.key_of(self.path_str());
        let state = self.new_state();
        let is_var = el.name == "variable";
        self.companions(el);
        let condition = match el.attr("condition") {
            Some(_) => Some(self.expr_attr(el, "condition")?),
            None => None,
        };
        let default_value = match self.av(el, "defaultValue") {
            Some(v) if v.trim() == "None" => Some(Expr {
                chunk: crate::vm::op::Chunk {
                    code: vec![crate::vm::op::Op::Const(0)],
                    consts: vec![Value::Null],
                    max_stack: 1,
                    ..Default::default()
                },
                ty: Ty::None,
            }),
            Some(_) => Some(self.expr_attr(el, "defaultValue")?),
            None => None,
        };
        let null_quota = self.float_attr(el, "nullQuota").unwrap_or(0.0);
        if !(0.0..=1.0).contains(&null_quota) {
            let sp = self.attr_span(el, "nullQuota");
            self.err("DM105", "nullQuota must be between 0 and 1", sp);
        }
        let unique = self.bool_attr(el, "unique", false);
        let cfg = self.gen_config(el);
        let cast_attr = if is_var && el.attr("source").is_some() { None } else { self.cast_of(el) };
        let mut ty = Ty::Any;
        let modes: Vec<&str> = ["script", "constant", "values", "generator", "pattern", "string", "source", "entity"]
            .into_iter()
            .filter(|m| el.attr(m).is_some())
            .collect();
        let value_modes: Vec<&&str> = modes.iter().filter(|m| **m != "string" || modes.len() == 1).collect();
        if value_modes.len() > 1 && !(modes.len() == 2 && modes.contains(&"string")) {
            self.err(
                "DM203",
                format!("<{}> '{name}' has several value modes: {}", el.name, modes.join(", ")),
                el.name_span,
            )
            .help = Some("keep exactly one of script, constant, values, generator, pattern, source".into());
        }
        let src_text = self.av(el, "source").unwrap_or_default();
        let mode = if is_var && src_text.to_ascii_lowercase().ends_with(".wgt.ent.csv") {
            let (src, _) = self.source(el, false)?;
            let wcol = self.av(el, "weightColumn").unwrap_or_else(|| "weight".into());
            let SourceKind::Rows(rows) = &src.kind else { return None };
            let mut weights = Vec::with_capacity(rows.len());
            let mut clean = Vec::with_capacity(rows.len());
            for r in rows.iter() {
                let mut m = r.as_ref().clone();
                let w = match m.shift_remove(wcol.as_str()) {
                    Some(v) => v.py_str().trim().parse::<f64>().ok().filter(|w| w.is_finite() && *w >= 0.0),
                    None => Some(1.0),
                };
                let Some(w) = w else {
                    self.err(
                        "DM509",
                        format!("'{src_text}': weight column '{wcol}' must hold non-negative numbers"),
                        src.span,
                    );
                    return None;
                };
                weights.push(w);
                clean.push(Arc::new(m));
            }
            let Some(table) = AliasTable::new(&weights) else {
                self.err("DM509", format!("'{src_text}' has no rows with a positive weight"), src.span);
                return None;
            };
            ty = Ty::Dict;
            Mode::WeightedRows { rows: Arc::new(clean), table, source: src }
        } else if is_var && el.attr("source").is_some() {
            let (src, _) = self.source(el, true)?;
            let sty = self.av(el, "type");
            ty = match &src.kind {
                SourceKind::Script(_) => Ty::Any,
                _ => Ty::Dict,
            };
            let _ = sty;
            match src.kind {
                SourceKind::Script(ref e) => Mode::RowsExpr { expr: e.clone(), source: src.clone() },
                _ => Mode::Rows(src),
            }
        } else if is_var && el.attr("entity").is_some() {
            let text = self.av(el, "entity").unwrap_or_default();
            let (kind_name, params) = match literal_call(&text) {
                Ok(x) => x,
                Err(e) => {
                    let sp = self.attr_span(el, "entity");
                    self.err("DM508", e, sp);
                    return None;
                }
            };
            let Some(schema) = entity(&kind_name) else {
                let sp = self.attr_span(el, "entity");
                let d = self.err("DM507", format!("unknown entity '{kind_name}'"), sp);
                if let Some(s) = did_you_mean(&kind_name, ENTITIES.iter().map(|e| e.name)) {
                    d.help = Some(format!("did you mean '{s}'?"));
                }
                return None;
            };
            ty = Ty::Entity(schema.name);
            let ekey = match self.av(el, "rngSeed") {
                Some(s) => self.key_of(format!("rngSeed:{s}:{}:{}", self.path_str(), schema.name)),
                None => key,
            };
            let mut params = params;
            for (attr, p) in [("ageMin", "min_age"), ("ageMax", "max_age")] {
                if let Some(v) = self.int_attr(el, attr) {
                    params.push((p.to_string(), Value::Int(v)));
                }
            }
            for attr in ["conditionsInclude", "conditionsExclude"] {
                if let Some(v) = self.av(el, attr) {
                    params.push((attr.to_string(), Value::from(v)));
                }
            }
            // The pack is looked up now so that the run records its version (manifest).
            crate::domains::locale::locale(&cfg.dataset);
            if let Some(ds) = params.iter().find(|(k, _)| k == "dataset").and_then(|(_, v)| v.as_str()) {
                crate::domains::locale::locale(ds);
            }
            Mode::Entity(EntitySpec {
                kind: schema.name,
                dataset: cfg.dataset.clone(),
                locale: cfg.locale.clone(),
                params,
                key: ekey,
                proj: None,
            })
        } else if el.attr("script").is_some() {
            let e = self.script_with_default(el, default_value.is_some())?;
            ty = e.ty;
            Mode::Script(e)
        } else if let Some(c) = self.av(el, "constant") {
            ty = Ty::Str;
            Mode::Constant(Value::from(c))
        } else if el.attr("string").is_some() {
            let p = self.av(el, "variablePrefix").unwrap_or_else(|| self.settings.var_prefix.clone());
            let s = self.av(el, "variableSuffix").unwrap_or_else(|| self.settings.var_suffix.clone());
            ty = Ty::Str;
            Mode::Template(self.marker_template(el, "string", &p, &s))
        } else if let Some(vtext) = self.av(el, "values") {
            let sp = self.attr_span(el, "values");
            let vals = match literal(&vtext) {
                Ok(Value::List(l)) | Ok(Value::Tuple(l)) => l.as_ref().clone(),
                Ok(Value::Str(s)) => s.chars().map(|c| Value::from(c.to_string())).collect(),
                Ok(v) => vec![v],
                Err(e) => {
                    self.err("DM509", format!("values must be a Python literal list: {e}"), sp).help =
                        Some("quote strings: values=\"'a','b'\"".into());
                    return None;
                }
            };
            if vals.is_empty() {
                self.err("DM509", "values is empty", sp);
                return None;
            }
            let first_ty = match &vals[0] {
                Value::Str(_) => Ty::Str,
                Value::Int(_) => Ty::Int,
                Value::Float(_) => Ty::Float,
                Value::Bool(_) => Ty::Bool,
                _ => Ty::Any,
            };
            ty = if vals.iter().all(|v| std::mem::discriminant(v) == std::mem::discriminant(&vals[0])) {
                first_ty
            } else {
                Ty::Any
            };
            let weights = match self.av(el, "weights") {
                Some(w) => {
                    let wsp = self.attr_span(el, "weights");
                    let ws: Result<Vec<f64>, String> = match literal(&w) {
                        Ok(Value::List(l)) | Ok(Value::Tuple(l)) => l
                            .iter()
                            .map(|v| {
                                v.as_f64()
                                    .filter(|_| v.is_numeric())
                                    .ok_or_else(|| "weights must be numbers".to_string())
                            })
                            .collect(),
                        Ok(v) if v.is_numeric() => Ok(vec![v.as_f64().unwrap_or(0.0)]),
                        Ok(_) => Err("weights must be numbers".into()),
                        Err(e) => Err(e),
                    };
                    match ws {
                        Ok(ws) if ws.len() != vals.len() => {
                            self.err("DM509", format!("{} weights for {} values", ws.len(), vals.len()), wsp);
                            None
                        }
                        Ok(ws) => match AliasTable::new(&ws) {
                            Some(t) => Some(t),
                            None => {
                                self.err("DM509", "weights must be non-negative with a positive sum", wsp);
                                None
                            }
                        },
                        Err(e) => {
                            self.err("DM509", e, wsp);
                            None
                        }
                    }
                }
                None => None,
            };
            if unique && weights.is_some() {
                self.err("DM204", "unique cannot be combined with weights", el.name_span);
            }
            Mode::Values { values: Arc::new(vals), weights, unique }
        } else if let Some(g) = self.av(el, "generator") {
            let span = self.attr_span(el, "generator");
            let gt = g.trim();
            if gt.starts_with("IntegerGenerator(") && (gt.contains("min") || gt.contains("max")) {
                self.diags.push(
                    Diagnostic::hint("DM310", "prefer type=\"int\" min=… max=… over IntegerGenerator(min, max)")
                        .with_span(span),
                );
            }
            if gt.starts_with("StringGenerator(") {
                self.diags.push(
                    Diagnostic::hint("DM311", "prefer type=\"string\" minLength=… maxLength=… over StringGenerator")
                        .with_span(span),
                );
            }
            if gt == "IncrementGenerator" && self.frames.len() >= 2 {
                self.diags.push(
                    Diagnostic::hint(
                        "DM315",
                        "IncrementGenerator restarts at 1 for every parent record in a nested generate",
                    )
                    .with_span(span)
                    .with_help("use GlobalIncrementGenerator for ids unique across parents"),
                );
            }
            let trimmed = g.trim().to_string();
            if let Some((_, shared, state)) = self.named_generators.iter().find(|(n, _, _)| *n == trimmed) {
                // A <generator> is one instance for all its users; a state machine gives each
                // statement its own walker (dsl §3.18, §3.19).
                Mode::Generator(shared.clone(), state.map(GenScope::Shared).unwrap_or(GenScope::Run))
            } else {
                let gen = self.construct_generator(&g, &cfg, span, el.attr("generator"))?;
                let scope = if gen.per_execution() { GenScope::PerExecution } else { GenScope::Run };
                Mode::Generator(Arc::new(gen), scope)
            }
        } else if let Some(src) = self.av(el, "source") {
            let span = self.attr_span(el, "source");
            if !src.to_ascii_lowercase().ends_with(".wgt.csv") {
                self.err("DM402", format!("<{}> source must be a .wgt.csv file, got '{src}'", el.name), span);
                return None;
            }
            let sep = self.av(el, "separator").unwrap_or_else(|| ",".into());
            let path = self.dir().join(&src);
            match sources::read_weighted(&path, &sep) {
                Ok((vals, ws)) => {
                    self.files.push(path);
                    let Some(table) = AliasTable::new(&ws) else {
                        self.err("DM509", format!("'{src}' has no positive weights"), span);
                        return None;
                    };
                    ty = Ty::Str;
                    Mode::Weighted { values: Arc::new(vals), table }
                }
                Err(e) => {
                    self.err(if path.is_file() { "DM601" } else { "DM402" }, e, span);
                    return None;
                }
            }
        } else if let Some(p) = self.av(el, "pattern") {
            match Pattern::parse(&p) {
                Ok(pat) => {
                    ty = Ty::Str;
                    Mode::Pattern(pat)
                }
                Err(e) => {
                    let sp = self.attr_span(el, "pattern");
                    self.err("DM509", format!("invalid pattern: {e}"), sp);
                    return None;
                }
            }
        } else if let Some(cast) = cast_attr {
            let native = self.native(el, cast, &cfg)?;
            ty = match cast {
                Cast::Int => Ty::Int,
                Cast::Float => Ty::Float,
                Cast::Str => Ty::Str,
                Cast::Bool => Ty::Bool,
                Cast::Decimal => Ty::Decimal,
                Cast::Bytes => Ty::Bytes,
            };
            native
        } else if is_field && el.name != "element" {
            if el.children.iter().any(|c| c.name == "element") {
                Mode::Keep
            } else {
                self.err("DM203", format!("<{}> '{name}' has no value mode", el.name), el.name_span).help =
                    Some("add script, constant, values, generator, pattern, source or type".into());
                return None;
            }
        } else {
            self.err("DM203", format!("<{}> '{name}' has no value mode", el.name), el.name_span);
            return None;
        };
        if unique && matches!(mode, Mode::Script(_) | Mode::Constant(_)) {
            self.err("DM204", "unique needs values or a generator", el.name_span);
        }
        let in_date_format = self.av(el, "inDateFormat");
        let out_date_format = self.av(el, "outDateFormat");
        for (attr, v) in [("inDateFormat", &in_date_format), ("outDateFormat", &out_date_format)] {
            if v.as_deref().is_some_and(|f| f.trim().is_empty()) {
                let sp = self.attr_span(el, attr);
                self.err("DM105", format!("{attr} is empty"), sp).help =
                    Some("give a strftime format such as %Y-%m-%d, or epoch".into());
            }
        }
        if out_date_format.is_some() && !matches!(cast_attr, None | Some(Cast::Str)) {
            let sp = self.attr_span(el, "outDateFormat");
            self.err("DM220", "outDateFormat needs type string (or no type)", sp);
        }
        let cast = if matches!(mode, Mode::Pattern(_)) { cast_attr.or(Some(Cast::Str)) } else { cast_attr };
        let granularity = self.av(el, "granularity").and_then(|g| g.parse::<rust_decimal::Decimal>().ok());
        if let Some(c) = cast {
            ty = match c {
                Cast::Int => Ty::Int,
                Cast::Float => Ty::Float,
                Cast::Str => Ty::Str,
                Cast::Bool => Ty::Bool,
                Cast::Decimal => Ty::Decimal,
                Cast::Bytes => Ty::Bytes,
            };
        }
        if out_date_format.is_some() {
            ty = Ty::Str;
        }
        if in_date_format.is_some() && out_date_format.is_none() {
            ty = Ty::DateTime;
        }
        let converters = self.converters(el);
        if !converters.is_empty() {
            ty = Ty::Any;
        }
        // `<element>` children of a key (attributes of its XML rendering).
        let mut elements = Vec::new();
        for c in el.children.iter().filter(|c| c.name == "element") {
            let n = c.get("name").unwrap_or("").to_string();
            self.enter("element", &n);
            if let Some((f, _)) = self.field(c, true) {
                elements.push(f);
            }
            self.leave();
        }
        for c in el.children.iter().filter(|c| c.name != "element" && c.name != "comment") {
            self.err("DM107", format!("<{}> cannot contain <{}>", el.name, c.name), c.name_span);
        }
        if !elements.is_empty() {
            ty = Ty::Dict;
        }
        let dest = match self.frames.last_mut() {
            Some(f) => Dest { slot: f.define(&name, is_field && !is_var, ty), field: is_field && !is_var },
            None => Dest { slot: 0, field: false },
        };
        let mut mode = mode;
        if let Mode::Entity(spec) = &mut mode {
            // Read field by field when the variable is plainly the entity object of the record.
            let plain = condition.is_none()
                && default_value.is_none()
                && null_quota == 0.0
                && !unique
                && in_date_format.is_none()
                && out_date_format.is_none()
                && cast.is_none()
                && converters.is_empty()
                && elements.is_empty()
                && self.branch == 0
                && is_var
                && crate::domains::projection::projectable(spec.kind);
            if let (true, Some(f)) = (plain, self.frames.last_mut()) {
                let hidden = f.define(&format!("\0{name}"), false, Ty::List);
                let proj = Arc::new(crate::domains::projection::Projection {
                    hidden,
                    plan: Default::default(),
                    pack: Default::default(),
                });
                spec.proj = Some(proj.clone());
                self.entity_vars.get_mut().push(EntityVar {
                    depth: (self.frames.len() - 1) as u16,
                    slot: dest.slot,
                    kind: spec.kind,
                    proj: Some(proj),
                    whole: false,
                    paths: Vec::new(),
                });
            }
        }
        let span = el.name_span;
        Some((
            Field {
                name: Arc::from(name.as_str()),
                dest,
                mode,
                key,
                key_mix: crate::domains::determinism::premix(key.0),
                state,
                condition,
                default_value,
                null_quota,
                in_date_format,
                out_date_format,
                cast,
                granularity,
                converters,
                unique,
                direct: self.branch == 0,
                indexed: self.branch == 0 && self.indexed,
                elements,
                span,
            },
            ty,
        ))
    }

    /// `type` (+ `min`/`max`/`granularity`/`distribution`/`minLength`/`maxLength`) without
    /// another value mode: a random value of the type.
    fn native(&mut self, el: &Element, cast: Cast, cfg: &GenConfig) -> Option<Mode> {
        let min = self.av(el, "min");
        let max = self.av(el, "max");
        let gran = self.av(el, "granularity");
        let dist = self.av(el, "distribution");
        let mut kwargs: Vec<(String, Value)> = Vec::new();
        let num = |s: &str, cast: Cast| -> Option<Value> {
            match cast {
                Cast::Int => s.trim().parse::<i64>().ok().map(Value::Int),
                _ => s.trim().parse::<f64>().ok().map(Value::Float),
            }
        };
        let (gen_name, kw_names) = match cast {
            Cast::Int => ("IntegerGenerator", true),
            Cast::Float | Cast::Decimal => ("FloatGenerator", true),
            Cast::Str => ("StringGenerator", false),
            Cast::Bool => ("BooleanGenerator", false),
            Cast::Bytes => ("BinaryGenerator", false),
        };
        if dist.is_some() && !kw_names {
            let sp = self.attr_span(el, "distribution");
            self.err("DM220", "distribution needs type int, float or decimal", sp);
            return None;
        }
        if kw_names {
            for (attr, v) in [("min", &min), ("max", &max)] {
                if let Some(v) = v {
                    match num(v, cast) {
                        Some(x) => kwargs.push((attr.to_string(), x)),
                        None => {
                            let sp = self.attr_span(el, attr);
                            self.err("DM105", format!("{attr} '{v}' is not a number"), sp);
                            return None;
                        }
                    }
                }
            }
            if let Some(g) = &gran {
                match g.trim().parse::<f64>() {
                    Ok(x) if cast != Cast::Int => kwargs.push(("granularity".into(), Value::Float(x))),
                    Ok(_) => {}
                    Err(_) => {
                        let sp = self.attr_span(el, "granularity");
                        self.err("DM105", format!("granularity '{g}' is not a number"), sp);
                        return None;
                    }
                }
            }
            if let Some(d) = &dist {
                kwargs.push(("distribution".into(), Value::from(d.clone())));
            }
            if min.is_none() && max.is_none() && cast == Cast::Int {
                // A bare type="int" draws from 0..100, as datamimic-ce does.
                kwargs.push(("min".into(), Value::Int(0)));
                kwargs.push(("max".into(), Value::Int(100)));
            }
        } else {
            if cast == Cast::Str && el.attr("minLength").is_none() && el.attr("maxLength").is_none() {
                // A bare type="string" is 0 to 20 ASCII letters, as datamimic-ce draws it.
                kwargs.push(("char_set".into(), Value::str("[A-Za-z]")));
                kwargs.push(("min_len".into(), Value::Int(0)));
                kwargs.push(("max_len".into(), Value::Int(20)));
            }
            let lo = self.int_attr(el, "minLength");
            let hi = self.int_attr(el, "maxLength");
            if let Some(l) = lo {
                kwargs.push(("min_len".into(), Value::Int(l)));
            }
            if let Some(h) = hi {
                kwargs.push(("max_len".into(), Value::Int(h)));
            }
            if cast == Cast::Bytes {
                if let Some(m) = self.av(el, "mimeType") {
                    kwargs.push(("mime_type".into(), Value::from(m)));
                }
            }
        }
        let span = el.name_span;
        if let Some(d) = &dist {
            self.finite_sequence_demand(el, d, cast, min.as_deref(), max.as_deref(), gran.as_deref());
        }
        match generators::construct(gen_name, &[], &kwargs, cfg) {
            Ok(g) => {
                let scope = if g.per_execution() { GenScope::PerExecution } else { GenScope::Run };
                Some(Mode::Generator(Arc::new(g), scope))
            }
            Err(e) => {
                self.err("DM508", e, span);
                None
            }
        }
    }

    /// `script=` of a field with a `defaultValue`: a script that cannot compile raises at run
    /// time in datamimic-ce, so the default applies; here it is a warning and the default.
    fn script_with_default(&mut self, el: &Element, has_default: bool) -> Option<Expr> {
        let before = self.diags.len();
        if let Some(e) = self.expr_attr(el, "script") {
            return Some(e);
        }
        if !has_default {
            return None;
        }
        for d in self.diags.0[before..].iter_mut() {
            if d.severity == crate::diag::Severity::Error && d.code != "DM506" {
                d.severity = crate::diag::Severity::Warning;
                d.help = Some("this script always fails, so defaultValue is used".into());
            }
        }
        let name: Arc<str> = Arc::from("<script that does not compile>");
        Some(Expr {
            chunk: crate::vm::op::Chunk {
                code: vec![crate::vm::op::Op::LoadDyn(0)],
                names: vec![name],
                max_stack: 1,
                text: Arc::from(el.get("script").unwrap_or("")),
                span: self.attr_span(el, "script"),
                ..Default::default()
            },
            ty: Ty::Any,
        })
    }

    /// DM214: attributes that only make sense with a mode they lack.
    fn companions(&mut self, el: &Element) {
        let has = |n: &str| el.attr(n).is_some();
        let mut missing: Vec<(&str, &str)> = Vec::new();
        if !has("source") {
            for a in ["cyclic", "selector", "separator", "sourceScripted", "sourceEntity", "offset", "weightColumn"] {
                if has(a) {
                    missing.push((a, "source"));
                }
            }
        }
        if !has("entity") && !has("generator") {
            for a in ["dataset", "locale", "ageMin", "ageMax", "conditionsInclude", "conditionsExclude", "rngSeed"] {
                if has(a) {
                    missing.push((a, "entity or generator"));
                }
            }
        }
        if has("defaultValue") && !has("script") && !has("condition") {
            missing.push(("defaultValue", "script"));
        }
        for (a, mode) in missing {
            let sp = el.attr(a).map(|x| x.name_span).unwrap_or(el.name_span);
            self.err("DM214", format!("{a} has no effect without {mode}"), sp).help =
                Some(format!("remove {a}, or add {mode}"));
        }
    }

    /// DM317/DM318: a finite numeric sequence in a nested scope continues across parent
    /// records; more demand than values would silently shorten the product.
    fn finite_sequence_demand(
        &mut self,
        el: &Element,
        dist: &str,
        cast: Cast,
        min: Option<&str>,
        max: Option<&str>,
        gran: Option<&str>,
    ) {
        let finite = ["step", "increment", "shuffle", "wedge", "bitreverse", "fibonacci", "padovan"];
        if self.count_stack.len() < 2 || !finite.contains(&dist) {
            return;
        }
        let lo = min.and_then(|m| m.trim().parse::<f64>().ok()).unwrap_or(0.0);
        let Some(hi) = max.and_then(|m| m.trim().parse::<f64>().ok()) else { return };
        let g = if cast == Cast::Int { 1.0 } else { gran.and_then(|g| g.trim().parse::<f64>().ok()).unwrap_or(0.1) };
        let capacity: u64 = match dist {
            "fibonacci" | "padovan" => {
                let fib = dist == "fibonacci";
                let mut seq: Vec<u64> = if fib { vec![0, 1] } else { vec![1, 1, 1] };
                while seq.len() < 90 {
                    let n = seq.len();
                    let next = if fib { seq[n - 1] + seq[n - 2] } else { seq[n - 2] + seq[n - 3] };
                    if next as f64 > hi {
                        break;
                    }
                    seq.push(next);
                }
                seq.iter().filter(|v| **v as f64 >= lo && **v as f64 <= hi).count() as u64
            }
            _ => (((hi - lo) / g).floor().max(-1.0) + 1.0) as u64,
        };
        let demand: Option<u64> = self.count_stack.iter().try_fold(1u64, |acc, c| c.map(|n| acc.saturating_mul(n)));
        match demand {
            Some(d) if d > capacity => {
                let msg = format!("the '{dist}' sequence has {capacity} values but the nested counts ask for {d}");
                self.err("DM317", msg, el.name_span).help =
                    Some("widen min/max, lower the counts, or use a non-finite distribution (uniform)".into());
            }
            None => {
                let msg = format!(
                    "the '{dist}' sequence ({capacity} values) continues across parent records and may run out"
                );
                let path = self.path_str();
                self.diags.push(Diagnostic::hint("DM318", msg).with_span(el.name_span).with_path(path));
            }
            _ => {}
        }
    }

    fn nested_key(&mut self, el: &Element) -> Option<NestedKey> {
        let Some(name) = self.av(el, "name") else {
            self.err("DM104", "<nestedKey> needs a name", el.name_span);
            return None;
        };
        let key = self.enter("nestedKey", &name);
        let state = self.new_state();
        let depth = self.frames.len() as u16;
        let condition = match el.attr("condition") {
            Some(_) => self.expr_attr(el, "condition"),
            None => None,
        };
        let default_value = match self.av(el, "defaultValue") {
            Some(_) => self.expr_attr(el, "defaultValue"),
            None => None,
        };
        let ty_attr = self.av(el, "type");
        if el.attr("script").is_some() {
            for forbidden in ["type", "source", "separator", "sourceScripted"] {
                if let Some(a) = el.attr(forbidden) {
                    let sp = a.name_span;
                    self.err("DM218", format!("<nestedKey script> cannot have {forbidden}"), sp).help =
                        Some("the script decides the shape: remove the attribute".into());
                }
            }
        }
        let mut static_cols: Option<Vec<(String, Ty)>> = Some(vec![]);
        let mode = if el.attr("script").is_some() {
            static_cols = None;
            NestedMode::Script(self.script_with_default(el, default_value.is_some())?)
        } else if el.attr("source").is_some() {
            let (src, cols) = self.source(el, true)?;
            static_cols = cols;
            let count = if el.attr("count").is_some() || el.attr("minCount").is_some() || el.attr("maxCount").is_some()
            {
                self.count(el, false)
            } else {
                None
            };
            if src.cyclic && count.is_none() {
                self.err("DM213", "a cyclic nestedKey needs count, minCount or maxCount", el.name_span);
            }
            NestedMode::Source { source: Box::new(src), count, dict: ty_attr.as_deref() == Some("dict") }
        } else {
            match ty_attr.as_deref() {
                Some("dict") => NestedMode::Dict,
                Some("list") => match self.count(el, false) {
                    Some(c) => NestedMode::List(c),
                    None => {
                        self.err("DM221", "a list nestedKey needs count, minCount/maxCount or a source", el.name_span);
                        NestedMode::List(Count::Fixed(0))
                    }
                },
                None => {
                    if el.children.iter().any(|c| c.name != "comment") {
                        self.diags.push(
                            Diagnostic::warning("DM216", format!("nestedKey '{name}' has children but no type, source or script"))
                                .with_span(el.name_span)
                                .with_help("without type it enriches an existing field of that name; add type=\"dict\" to build a new map"),
                        );
                    }
                    static_cols = None;
                    self.scopes_read.set(true);
                    NestedMode::Enrich
                }
                Some(other) => {
                    let sp = self.attr_span(el, "type");
                    self.err("DM105", format!("nestedKey type must be dict or list, got '{other}'"), sp);
                    return None;
                }
            }
        };
        let mut frame = FrameCx::named(static_cols.is_none(), &name);
        for (c, t) in static_cols.unwrap_or_default() {
            frame.define(&c, true, t);
        }
        self.frames.push(frame);
        let saved_branch = std::mem::take(&mut self.branch);
        let saved_indexed = std::mem::replace(&mut self.indexed, matches!(mode, NestedMode::List(_)));
        let body = self.record_body(&el.children, "nestedKey");
        self.indexed = saved_indexed;
        self.branch = saved_branch;
        let frame = self.frames.pop().expect("pushed");
        self.freeze_entities(self.frames.len() as u16, Some(&frame));
        let converters = self.converters(el);
        self.leave();
        let ty = match &mode {
            NestedMode::Dict => Ty::Dict,
            NestedMode::List(_) | NestedMode::Source { .. } => Ty::List,
            _ => Ty::Any,
        };
        let dest = Dest { slot: self.frames.last_mut()?.define(&name, true, ty), field: true };
        Some(NestedKey {
            name: Arc::from(name.as_str()),
            dest,
            mode,
            layout: frame.layout,
            depth,
            body,
            key,
            state,
            condition,
            default_value,
            converters,
            span: el.name_span,
        })
    }

    fn list(&mut self, el: &Element) -> Option<ListStmt> {
        let Some(name) = self.av(el, "name") else {
            self.err("DM104", "<list> needs a name", el.name_span);
            return None;
        };
        let key = self.enter("list", &name);
        let depth = self.frames.len() as u16;
        let mut items = Vec::new();
        for (i, it) in el.children.iter().filter(|c| c.name == "item").enumerate() {
            self.enter("item", &i.to_string());
            let condition = match it.attr("condition") {
                Some(_) => self.expr_attr(it, "condition"),
                None => None,
            };
            self.frames.push(FrameCx::new(false));
            let saved_branch = std::mem::take(&mut self.branch);
            let saved_indexed = std::mem::replace(&mut self.indexed, false);
            let body = self.record_body(&it.children, "item");
            self.indexed = saved_indexed;
            self.branch = saved_branch;
            let frame = self.frames.pop().expect("pushed");
            self.freeze_entities(self.frames.len() as u16, Some(&frame));
            self.leave();
            items.push(ListItem { condition, layout: frame.layout, depth, body });
        }
        let converters = self.converters(el);
        self.leave();
        let dest = Dest { slot: self.frames.last_mut()?.define(&name, true, Ty::List), field: true };
        Some(ListStmt { name: Arc::from(name.as_str()), dest, items, converters, key, span: el.name_span })
    }

    fn array(&mut self, el: &Element) -> Option<ArrayStmt> {
        let Some(name) = self.av(el, "name") else {
            self.err("DM104", "<array> needs a name", el.name_span);
            return None;
        };
        let key = self.enter("array", &name);
        let ty = self.av(el, "type");
        let mode = if el.attr("script").is_some() {
            if el.attr("count").is_some() || ty.is_some() {
                self.err("DM218", "<array script> cannot have count or type", el.name_span);
            }
            ArrayMode::Script(self.expr_attr(el, "script")?)
        } else if ty.as_deref() == Some("literal") {
            let vals: Vec<Value> = el
                .children
                .iter()
                .filter(|c| c.name == "value")
                .filter_map(|c| c.get("constant").map(Value::str))
                .collect();
            if el.attr("count").is_some() {
                self.err("DM221", "a literal array takes <value> children, not count", el.name_span);
            }
            ArrayMode::Literal(vals)
        } else {
            let cast = match ty.as_deref() {
                Some("string") => Cast::Str,
                Some("int") => Cast::Int,
                Some("float") => Cast::Float,
                Some("bool") => Cast::Bool,
                other => {
                    self.err(
                        "DM105",
                        format!("array type must be string, int, float, bool or literal, got {other:?}"),
                        el.name_span,
                    );
                    self.leave();
                    return None;
                }
            };
            let Some(count) = self.int_attr(el, "count") else {
                self.err("DM221", "an array of random values needs count", el.name_span);
                self.leave();
                return None;
            };
            ArrayMode::Random { ty: cast, count: count.max(0) as u64 }
        };
        self.leave();
        let dest = Dest { slot: self.frames.last_mut()?.define(&name, true, Ty::List), field: true };
        Some(ArrayStmt { name: Arc::from(name.as_str()), dest, mode, key, span: el.name_span })
    }
}

fn has_parallel_hint(el: &Element) -> bool {
    el.get("numProcess").and_then(|n| n.trim().parse::<i64>().ok()).is_some_and(|n| n > 1)
        || el.get("multiprocessing").and_then(parse_bool) == Some(true)
        || el.children.iter().any(has_parallel_hint)
}

/// `Name` or `Name(k=v, …)` with literal values (entity constructor strings).
fn literal_call(text: &str) -> Result<(String, Vec<(String, Value)>), String> {
    let e = parse_expr(text.trim()).map_err(|e| e.message)?;
    match &e.kind {
        ExprKind::Name(n) => Ok((n.clone(), vec![])),
        ExprKind::Call(f, args, kwargs) => {
            let ExprKind::Name(n) = &f.kind else {
                return Err(format!("`{text}` is not an entity name"));
            };
            if !args.is_empty() {
                return Err("entity parameters must be keywords (Person(min_age=30))".into());
            }
            let params =
                kwargs.iter().map(|(k, v)| Ok((k.clone(), literal_expr(v)?))).collect::<Result<_, String>>()?;
            Ok((n.clone(), params))
        }
        _ => Err(format!("`{text}` is not an entity name")),
    }
}
