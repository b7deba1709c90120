//! The engine: runs a lowered [`Model`] and hands records to the targets.
//!
//! Execution follows dsl §2: setup children in document order; a top-level generate finishes
//! before the next sibling starts; each record gets a frame; nested generates run once per
//! parent record. Randomness: every record has a row key derived from
//! `(root, product path, parent row key, index)`, every field draws from
//! `Stream::for_field(row key, field path)`, so a row never depends on earlier rows' draws.
//! Output files are written to temporary names and committed only when the whole run
//! succeeded.

mod db;
mod flat;
mod frame;
mod parallel;
mod pipeline;
pub mod sample;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::DateTime;

use crate::builtins::converters::ConvConfig;
use crate::builtins::generators::GenState;
use crate::builtins::targets::{self, FileOptions, Pending, Record, Sink};
use crate::diag::Diagnostic;
use crate::domains::determinism::{mix, row_key, RootKey, Seed, Stream};
use crate::ir::model::*;
use crate::source::{SourceMap, Span};
use crate::vm::exec::{self, Scratch};
use crate::vm::value::{Map, Value};

pub use frame::{Frame, FrameStack};

/// How a run is configured beyond the model.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub out_dir: PathBuf,
    pub seed: Seed,
    pub clock: DateTime,
    /// Print `<echo>` output and notes to stderr.
    pub verbose: bool,
    /// Generate only rows `[start, end)` of every top-level product (row seek).
    pub rows: Option<(u64, u64)>,
    /// Worker threads for products whose records are independent of each other (1: none).
    pub threads: usize,
    /// `(k, n)`: generate only the k-th of n contiguous slices of every top-level product
    /// (children follow their parents); the shards' files, concatenated, are the full run's.
    pub shard: Option<(u64, u64)>,
}

impl RunOptions {
    /// The whole run on one thread, quiet: what a library caller usually starts from.
    pub fn new(out_dir: PathBuf, seed: Seed, clock: DateTime) -> RunOptions {
        RunOptions { out_dir, seed, clock, verbose: false, rows: None, threads: 1, shard: None }
    }
}

/// One output file of a finished run.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct OutputFile {
    pub name: String,
    pub product: String,
    pub rows: u64,
    /// BLAKE3 of the file's bytes, lower-case hex.
    pub blake3: String,
}

/// The result of a successful run.
#[derive(Clone, Debug, Default)]
pub struct RunReport {
    pub outputs: Vec<OutputFile>,
    /// Rows produced per top-level and nested product, in first-run order.
    pub products: Vec<(String, u64)>,
    pub echoes: Vec<String>,
    /// Files read by run-time includes (`<include uri="{…}">`), in first-use order.
    pub included: Vec<PathBuf>,
}

/// A run-time failure: a diagnostic with the place and, for records, the row.
pub type RunError = Box<Diagnostic>;

fn run_err(msg: impl Into<String>, span: Span) -> RunError {
    Box::new(Diagnostic::error("DM002", msg).with_span(span))
}

/// What a statement tells its generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    /// A finite sequence or source ran out: discard the record and stop (dsl §2.3-4).
    Exhausted,
}

/// Per-statement run-time state.
#[derive(Default)]
enum State {
    #[default]
    Empty,
    Gen(GenState),
    /// A shuffled permutation of value indices consumed one by one (`unique`).
    Pool {
        order: Vec<usize>,
        pos: usize,
    },
    /// Rows of a `<variable source>` iterator.
    Rows {
        rows: Arc<Vec<Arc<Map>>>,
        order: Vec<usize>,
        pos: usize,
        epoch: u64,
    },
}

/// Runs the model; on error no output file is left behind.
///
/// Diagnostics about files loaded during the run (run-time includes) point into source ids
/// beyond the model's; use [`run_in`] to render them.
pub fn run(model: &Model, opts: &RunOptions) -> Result<RunReport, RunError> {
    run_in(model, opts, &mut SourceMap::starting_at(1 << 30))
}

/// [`run`], adding the files loaded during the run (run-time includes) to `sources`, the map the
/// model was lowered with, so that every diagnostic renders with its excerpt.
pub fn run_in(model: &Model, opts: &RunOptions, sources: &mut SourceMap) -> Result<RunReport, RunError> {
    let mut rt = Runtime::new(model, opts, sources);
    let r = rt.exec_setup(&model.body);
    let r = r.and_then(|_| rt.close_all_sinks());
    // Databases commit only after every sink finished (and before files are renamed).
    let r = r.and_then(|_| rt.dbs.commit_all().map_err(|e| db::db_err(e, Span::DETACHED, "")));
    sources.append(std::mem::take(&mut rt.loaded));
    match r {
        Ok(()) => {
            for p in &rt.pending {
                p.commit().map_err(|e| run_err(format!("cannot write '{}': {e}", p.path.display()), Span::DETACHED))?;
            }
            let mut report = rt.report;
            report.outputs = rt
                .pending
                .iter()
                .map(|p| OutputFile {
                    name: p.path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
                    product: p.path.file_stem().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
                    rows: p.rows,
                    blake3: p.blake3.clone(),
                })
                .collect();
            report.outputs.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(report)
        }
        Err(e) => {
            rt.dbs.rollback_all();
            for sink in std::mem::take(&mut rt.sinks) {
                if let Ok(Some(p)) = sink.finish() {
                    p.discard();
                }
            }
            for p in &rt.pending {
                p.discard();
            }
            Err(e)
        }
    }
}

impl<'m> Runtime<'m> {
    /// The main runtime of a run of `model` (files loaded at run time continue `sources`' ids).
    fn new(model: &'m Model, opts: &RunOptions, sources: &SourceMap) -> Runtime<'m> {
        let root = RootKey::from_seed(&opts.seed);
        Runtime {
            model,
            globals: vec![Value::Null; model.globals.len()],
            props: model.props.iter().map(|(_, v)| Value::Str(v.clone())).collect(),
            frames: FrameStack::new(),
            states: (0..model.states).map(|_| State::Empty).collect(),
            memstores: HashMap::new(),
            scratch: Scratch::default(),
            now: opts.clock,
            root64: root.root64(),
            conv: ConvConfig { hash_key: root.purpose_key("hash-converter") },
            sinks: Vec::new(),
            sink_index: std::collections::BTreeMap::new(),
            sink_keys: HashMap::new(),
            pending: Vec::new(),
            report: RunReport::default(),
            opts: opts.clone(),
            templates: HashMap::new(),
            seen: HashMap::new(),
            shard_role: (false, false),
            muted: false,
            in_chunks: false,
            in_include: false,
            local_layouts: Vec::new(),
            worker: false,
            local_consts: Vec::new(),
            includes: HashMap::new(),
            loaded: SourceMap::starting_at(sources.next_id()),
            next_state: model.states,
            include_chain: Vec::new(),
            dbs: crate::db::Databases::new(),
            sample: None,
        }
    }
}

struct Runtime<'m> {
    model: &'m Model,
    globals: Vec<Value>,
    props: Vec<Value>,
    frames: FrameStack<'m>,
    states: Vec<State>,
    /// Memstore contents: entity name → records.
    memstores: HashMap<String, Vec<Arc<Map>>>,
    scratch: Scratch,
    now: DateTime,
    root64: u64,
    conv: ConvConfig,
    /// Open files, kept across parent records and same-named products.
    sinks: Vec<Box<dyn Sink>>,
    /// Sink by (folder, output name, format); sorted, so files close in a fixed order.
    sink_index: std::collections::BTreeMap<String, usize>,
    /// The sinks of each generate.
    sink_keys: HashMap<StateId, Vec<usize>>,
    pending: Vec<Pending>,
    report: RunReport,
    opts: RunOptions,
    /// `(continued, open_end)` of the current top-level product's shard (see `FileOptions`).
    shard_role: (bool, bool),
    /// Generating a record outside the row window: nothing is written.
    muted: bool,
    /// The current top-level product runs in parallel chunks: the main thread writes its
    /// files between chunks, so they get no writer thread of their own.
    in_chunks: bool,
    /// Running a file included at run time inside a record: its products follow that record.
    in_include: bool,
    /// A parallel worker's copies of the model's layouts (empty on the main thread): reference
    /// counts of shared names would otherwise bounce between cores on every record.
    /// (address of the model's layout, the copy)
    local_layouts: Vec<(usize, &'m Layout)>,
    /// A parallel worker: constant strings are copied, not shared, for the same reason.
    worker: bool,
    /// A worker's copies of the constants of field statements (by statement state).
    local_consts: Vec<Vec<Value>>,
    /// Expressions found in scripted source data, compiled once per distinct text.
    templates: HashMap<String, Arc<crate::vm::op::Chunk>>,
    /// Values already produced by `unique` statements (per statement execution).
    seen: HashMap<StateId, std::collections::HashSet<String>>,
    /// Descriptors of run-time includes by file, lowered once (looked up, never iterated).
    includes: HashMap<PathBuf, Included>,
    /// Files read by run-time includes; their ids continue the model's source map.
    loaded: SourceMap,
    /// The first statement state id free for a file lowered at run time.
    next_state: u32,
    /// Files of the run-time includes being executed, outermost first (cycle guard).
    include_chain: Vec<PathBuf>,
    /// Declared databases: connections with the run's open transactions.
    dbs: crate::db::Databases,
    /// `datamimic sample`: the product and row sought (`None` in a run).
    sample: Option<Box<sample::Sampler>>,
}

/// A descriptor loaded by a run-time include and the state of its statements (kept for the
/// whole run, like every statement's).
struct Included {
    model: Arc<Model>,
    states: Vec<State>,
}

/// What a run-time include shares with the run around it: stores, open files, the report.
#[derive(Default)]
struct Shared {
    memstores: HashMap<String, Vec<Arc<Map>>>,
    scratch: Scratch,
    sinks: Vec<Box<dyn Sink>>,
    sink_index: std::collections::BTreeMap<String, usize>,
    sink_keys: HashMap<StateId, Vec<usize>>,
    pending: Vec<Pending>,
    report: RunReport,
    templates: HashMap<String, Arc<crate::vm::op::Chunk>>,
    seen: HashMap<StateId, std::collections::HashSet<String>>,
    includes: HashMap<PathBuf, Included>,
    loaded: SourceMap,
    next_state: u32,
    include_chain: Vec<PathBuf>,
}

/// The scope of expressions inside data: every name is looked up at run time.
struct DynScope;

impl crate::vm::compile::Scope for DynScope {
    fn resolve(&self, _name: &str) -> Option<(crate::vm::op::Slot, crate::ir::types::Ty)> {
        None
    }
    fn dynamic(&self) -> bool {
        true
    }
    fn names(&self) -> Vec<String> {
        Vec::new()
    }
}

impl<'m> Runtime<'m> {
    /// Evaluates an expression found in data (`sourceScripted`).
    fn eval_text(&mut self, text: &str, span: Span) -> Result<Value, RunError> {
        let chunk = match self.templates.get(text) {
            Some(c) => c.clone(),
            None => {
                let parsed = crate::parser::expr::parse_expr(text)
                    .map_err(|e| run_err(format!("in source data `{text}`: {}", e.message), span))?;
                let (chunk, _) = crate::vm::compile::compile(&parsed, text, &DynScope, &|_| span).map_err(|errs| {
                    let first = errs.first().map(|e| e.message.clone()).unwrap_or_default();
                    run_err(format!("in source data `{text}`: {first}"), span)
                })?;
                let c = Arc::new(chunk);
                self.templates.insert(text.to_string(), c.clone());
                c
            }
        };
        let mut rng = Stream::new(mix(self.row_key(), crate::domains::determinism::path_key(text).0));
        let mut scratch = std::mem::take(&mut self.scratch);
        let r = exec::run(&chunk, self, &mut rng, self.now, &mut scratch);
        self.scratch = scratch;
        r.map_err(|err| run_err(format!("{} (in source data `{text}`)", err.message), span))
    }

    /// Rows of a data file or memstore entity named at run time.
    fn load_source_path(&self, p: &str, src: &Source) -> Result<Vec<Arc<Map>>, String> {
        if let Some(rows) = self.memstores.get(p) {
            return Ok(rows.clone());
        }
        let path = self.model.base_dir.join(p);
        let _ = src;
        crate::builtins::sources::read_source(&path, &self.model.settings.separator, "").unwrap_or_else(|| {
            Err(format!(
                "source '{p}' is neither a data file ({}) nor a memstore entity",
                crate::builtins::sources::FILE_SUFFIXES
            ))
        })
    }

    /// Source templates (dsl §5.5): `{expr}` keeps the value's type; markers interpolate.
    fn template_value(&mut self, v: Value, prefix: &str, suffix: &str, span: Span) -> Result<Value, RunError> {
        Ok(match v {
            Value::Str(t) => {
                let tt = t.trim();
                if tt.len() > 2 && tt.starts_with('{') && tt.ends_with('}') && !tt[1..tt.len() - 1].contains('{') {
                    self.eval_text(&tt[1..tt.len() - 1], span)?
                } else if !prefix.is_empty() && !suffix.is_empty() && t.contains(prefix) {
                    let mut out = String::new();
                    let mut rest: &str = &t;
                    while let Some(p) = rest.find(prefix) {
                        let after = &rest[p + prefix.len()..];
                        match after.find(suffix).filter(|e| *e > 0) {
                            Some(e) if !after[..e].contains(char::is_whitespace) => {
                                out.push_str(&rest[..p]);
                                self.eval_text(&after[..e], span)?.write_py_str(&mut out);
                                rest = &after[e + suffix.len()..];
                            }
                            _ => {
                                out.push_str(&rest[..p + prefix.len()]);
                                rest = after;
                            }
                        }
                    }
                    out.push_str(rest);
                    Value::from(out)
                } else {
                    Value::Str(t)
                }
            }
            Value::Map(m) => {
                let mut out = Map::with_capacity(m.len());
                for (k, x) in m.iter() {
                    out.insert(k.clone(), self.template_value(x.clone(), prefix, suffix, span)?);
                }
                Value::map(out)
            }
            Value::List(l) => {
                let mut out = Vec::with_capacity(l.len());
                for x in l.iter() {
                    out.push(self.template_value(x.clone(), prefix, suffix, span)?);
                }
                Value::list(out)
            }
            other => other,
        })
    }

    fn eval(&mut self, e: &Expr, rng: &mut Stream) -> Result<Value, RunError> {
        // A field of an entity variable read field by field: an item of its hidden list.
        if let Some(v) = flat::single_item(e).and_then(|at| self.item(&at)) {
            return Ok(v.clone());
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        let r = exec::run(&e.chunk, self, rng, self.now, &mut scratch);
        self.scratch = scratch;
        r.map_err(|err| {
            Box::new(
                Diagnostic::error("DM002", format!("{} (in `{}`)", err.message, e.chunk.text.trim()))
                    .with_span(err.span)
                    .with_label("evaluating this"),
            )
        })
    }

    fn eval_template(&mut self, t: &Template, rng: &mut Stream) -> Result<String, RunError> {
        let mut s = String::new();
        for p in t {
            match p {
                TemplatePart::Lit(l) => s.push_str(l),
                TemplatePart::Expr(e) => self.eval(e, rng)?.write_py_str(&mut s),
            }
        }
        Ok(s)
    }

    fn exec_setup(&mut self, body: &'m [Stmt]) -> Result<(), RunError> {
        let mut rng = Stream::new(mix(self.root64, 0x5e7));
        for s in body {
            self.exec_setup_stmt(s, &mut rng)?;
        }
        Ok(())
    }

    /// Runs one child of `<setup>`; `rng` is the setup's stream (echo and assert draw from it).
    fn exec_setup_stmt(&mut self, s: &'m Stmt, rng: &mut Stream) -> Result<(), RunError> {
        match s {
            Stmt::Global { slot, field } => {
                let mut stream = Stream::new(mix(self.root64, field.key.0));
                let v = self.field_value(field, &mut stream, 0)?;
                match v {
                    Some(pipeline::Produced::Value(v)) => self.globals[*slot as usize] = v,
                    Some(pipeline::Produced::Exhausted) => {
                        return Err(run_err(
                            format!(
                                "setup variable '{}' has no value: its source or sequence is exhausted",
                                field.name
                            ),
                            field.span,
                        ))
                    }
                    None => {}
                }
            }
            Stmt::Generate(g) => {
                self.run_generate(g, 0)?;
            }
            Stmt::Include(d) => {
                self.run_include(d)?;
            }
            Stmt::Echo { parts, .. } => {
                let text = self.eval_template(parts, rng)?;
                self.echo(text);
            }
            Stmt::Assert { cond, message, span } => {
                let v = self.eval(cond, rng)?;
                if !v.truthy() {
                    return Err(run_err(
                        format!(
                            "assertion failed: {}{}",
                            cond.chunk.text,
                            message.as_ref().map(|m| format!(" ({m})")).unwrap_or_default()
                        ),
                        *span,
                    ));
                }
            }
            Stmt::Database(decl, span) => self.exec_database(decl, *span)?,
            Stmt::Execute(x) => self.exec_execute(x)?,
            _ => {}
        }
        Ok(())
    }

    fn echo(&mut self, text: String) {
        if self.opts.verbose {
            eprintln!("{text}");
        }
        self.report.echoes.push(text);
    }

    fn close_all_sinks(&mut self) -> Result<(), RunError> {
        let mut sinks: Vec<Option<Box<dyn Sink>>> = std::mem::take(&mut self.sinks).into_iter().map(Some).collect();
        for (_, id) in std::mem::take(&mut self.sink_index) {
            if let Some(sink) = sinks.get_mut(id).and_then(Option::take) {
                if let Some(p) = sink.finish().map_err(|e| db::sink_err(e, Span::DETACHED, ""))? {
                    self.pending.push(p);
                }
            }
        }
        Ok(())
    }

    /// Resets the per-execution state of the statements directly in a body.
    fn reset_states(&mut self, body: &'m [Stmt]) {
        for s in body {
            match s {
                Stmt::Field(f) => {
                    let restarts = matches!(
                        f.mode,
                        Mode::Generator(_, GenScope::PerExecution) | Mode::Values { unique: true, .. }
                    ) || matches!(f.mode, Mode::Rows(_) | Mode::RowsExpr { .. });
                    if restarts {
                        self.states[f.state as usize] = State::Empty;
                    }
                    if f.unique {
                        self.seen.remove(&f.state);
                    }
                }
                Stmt::Condition(bs) => {
                    for b in bs {
                        self.reset_states(&b.body);
                    }
                }
                Stmt::While { body, .. } => self.reset_states(body),
                Stmt::Reference(r) => self.states[r.state as usize] = State::Empty,
                _ => {}
            }
        }
    }

    /// The count of a generate or list in the current scope.
    fn count(&mut self, c: &Count, key: u64, source_len: Option<usize>, span: Span) -> Result<u64, RunError> {
        Ok(match c {
            Count::Fixed(n) => *n,
            Count::Range { min, max } => {
                let mut s = Stream::new(mix(key, 0xC0));
                s.range_i64(*min as i64, *max as i64) as u64
            }
            Count::Expr(e) => {
                let mut s = Stream::new(mix(key, 0xC1));
                let v = self.eval(e, &mut s)?;
                let n = match &v {
                    Value::Str(t) => {
                        t.trim().parse::<i64>().map_err(|_| run_err(format!("count '{t}' is not an integer"), span))?
                    }
                    v => crate::builtins::functions::to_int(v).map_err(|m| run_err(format!("count: {m}"), span))?,
                };
                if n < 0 {
                    return Err(run_err(format!("count evaluated to {n}, a negative number"), span));
                }
                n as u64
            }
            Count::Source => source_len.unwrap_or(0) as u64,
        })
    }

    /// Rows of a nestedKey source: the first `count` rows in source order (wrapping when
    /// cyclic), shuffled unless the distribution is `ordered` (dsl §3.5).
    fn nested_source_rows(&mut self, src: &'m Source, key: u64, count: Option<u64>) -> Result<Vec<Arc<Map>>, RunError> {
        let all =
            self.source_rows(&Source { distribution: Distribution::Ordered, cyclic: false, ..src.clone() }, key, None)?;
        let mut rows: Vec<Arc<Map>> = match count {
            Some(k) if src.cyclic && !all.is_empty() => (0..k as usize).map(|i| all[i % all.len()].clone()).collect(),
            Some(k) => all.into_iter().take(k as usize).collect(),
            None => all,
        };
        match src.distribution {
            Distribution::Random => Stream::new(mix(key, 0xD158)).shuffle(&mut rows),
            Distribution::Cumulated | Distribution::Ordered => {}
        }
        Ok(rows)
    }

    /// Source rows for one execution of a generate/nestedKey, in selection order.
    fn source_rows(&mut self, src: &Source, key: u64, count: Option<u64>) -> Result<Vec<Arc<Map>>, RunError> {
        let all: Arc<Vec<Arc<Map>>> = match &src.kind {
            SourceKind::Rows(r) => r.clone(),
            SourceKind::Memstore { entity, .. } => Arc::new(self.memstores.get(entity).cloned().unwrap_or_default()),
            SourceKind::Script(e) => {
                let mut s = Stream::new(mix(key, 0x5C));
                let v = self.eval(e, &mut s)?;
                match &v {
                    // A computed path or memstore id (`source="{'data/' + name + '.json'}"`).
                    Value::Str(p) => Arc::new(self.load_source_path(p, src).map_err(|m| run_err(m, src.span))?),
                    _ => Arc::new(rows_of(&v).map_err(|m| run_err(m, src.span))?),
                }
            }
            SourceKind::Database { db, query } => Arc::new(self.db_rows(db, query, key, src.span)?),
        };
        select_rows(&all, src, key, count).map_err(|m| run_err(m, src.span))
    }

    /// Runs one execution of a generate (all its records) under the current frames.
    fn run_generate(&mut self, g: &'m Generate, parent_key: u64) -> Result<Vec<Value>, RunError> {
        let gkey = mix(mix(self.root64, g.key.0), parent_key);
        self.reset_states(&g.body);
        let fixed_count = match (&g.count, &g.source) {
            (Count::Source, _) => None,
            (c, _) => Some(self.count(c, gkey, None, g.span)?),
        };
        let rows = match &g.source {
            Some(src) => Some(self.source_rows(src, gkey, fixed_count)?),
            None => None,
        };
        let n = match (fixed_count, &rows) {
            (Some(n), Some(r))
                if !g.source.as_ref().is_some_and(|s| s.cyclic || s.distribution == Distribution::Cumulated) =>
            {
                n.min(r.len() as u64)
            }
            (Some(n), _) => n,
            (None, Some(r)) => r.len() as u64,
            (None, None) => 0,
        };
        let n = match g.series {
            Some((_, _, ticks, _)) => n * ticks,
            None => n,
        };
        if let Some(s) = self.sample.as_deref_mut() {
            s.planned(g, n);
        }
        let collect = g.bind_slot.is_some() || g.targets.iter().any(|t| matches!(t, Target::Memstore(_)));
        let mut collected: Vec<Value> = Vec::new();
        let mut rec_buf: Vec<(Arc<str>, Value)> = Vec::new();
        // Top-level products of the run (not those of a run-time include inside a record).
        let top = g.depth == 0 && !self.in_include;
        let (first, last) = match (if top { 0 } else { 1 }, self.opts.rows, self.opts.shard) {
            (0, _, Some((k, parts))) => {
                let at = |j: u64| (n as u128 * j as u128 / parts.max(1) as u128) as u64;
                (at(k), at(k + 1))
            }
            (0, Some((a, b)), None) => (a.min(n), b.min(n)),
            _ => (0, n),
        };
        if top {
            // Files of this product and its children continue an earlier shard's / are
            // continued by a later one.
            self.shard_role = if self.opts.shard.is_some() { (first > 0, last < n) } else { (false, false) };
        }
        // Rows before the window are generated (not written) when later rows depend on them.
        let mut sink_ids: Option<Vec<usize>> = None;
        let seekable = seekable(g);
        let start = if seekable { first } else { 0 };
        if seekable && first > 0 && first < last {
            // Record 0 decides the CSV columns: generate it (unwritten) before the window.
            let outer = std::mem::replace(&mut self.muted, true);
            let flow = self.gen_row(g, 0, parent_key, rows.as_ref(), &mut rec_buf);
            let primed = match flow {
                Ok(Flow::Continue) => self.emit(g, &rec_buf, &mut sink_ids),
                Ok(Flow::Exhausted) => Ok(()),
                Err(e) => Err(e),
            };
            self.muted = outer;
            primed?;
        }
        let mut produced = 0u64;
        // The record at which a source or sequence ran out (the product's true end).
        let mut ended_at: Option<u64> = None;
        let mut i = start;
        // Products whose records (with their nested products') are independent of each other,
        // up to counters a counts-only pass restores, are generated in parallel chunks.
        let mut chunks =
            if top && self.opts.threads > 1 && self.sample.is_none() { parallel::chunkable(g) } else { None };
        let mut try_parallel_at = chunks.as_ref().map(|_| 0u64);
        if top {
            self.in_chunks = chunks.is_some();
        }
        if top && self.opts.threads > 1 && chunks.is_none() && self.opts.verbose && last > first {
            eprintln!(
                "note: '{}' runs on one thread: its records depend on the records before them (memstore, \
                 cursor, unique set, sequence, echo, database, or a nested product that is not independent)",
                g.name
            );
        }
        // A product other products read (memstore, nested list) is generated whole; only the
        // window is written.
        let whole = collect || (top && parallel::feeds_memstore(g));
        // In a shard, records after the window tell nested products' files whether records
        // follow; a product that depends on earlier records cannot skip them anyway.
        let end = if whole || (self.opts.shard.is_some() && !seekable) { n } else { last };
        // Flat products format their records straight into the file's lines (see `flat`).
        let mut flat = None;
        let mut flat_tried = false;
        let mut line = String::new();
        while i < end {
            // Once the first record has opened the files (headers written), the rest may be
            // generated and formatted in parallel chunks.
            // (Files of nested products must be open too: otherwise try again a chunk later.)
            if produced > 0 && try_parallel_at.is_some_and(|at| i >= at) && i < last {
                try_parallel_at = Some(i + 256);
                let ch = chunks.take().unwrap_or_default();
                let r = self.run_parallel(g, parent_key, rows.as_ref(), i, last, &ch)?;
                chunks = Some(ch);
                if let Some((done, stopped)) = r {
                    if self.opts.verbose {
                        eprintln!("note: '{}' records {i}..{} were generated in parallel chunks", g.name, i + done);
                    }
                    try_parallel_at = None;
                    produced += done;
                    i += done;
                    if stopped {
                        ended_at = Some(i);
                        if self.opts.verbose {
                            eprintln!("note: '{}' stopped after {i} records: a source or sequence ran out", g.name);
                        }
                        break;
                    }
                    continue;
                }
            }
            // Records before the window (and their children) are generated but not written.
            let outer = self.muted;
            let muted = outer || i < first || i >= last;
            if !muted && produced > 0 {
                if !flat_tried {
                    flat_tried = true;
                    flat = self.flat_sink(g, sink_ids.as_deref().unwrap_or(&[]), parent_key);
                }
                if let Some(plan) = &flat {
                    if self.flat_row(g, i, plan, &mut line)? == Flow::Exhausted {
                        ended_at = Some(i);
                        if self.opts.verbose {
                            eprintln!("note: '{}' stopped after {i} records: a source or sequence ran out", g.name);
                        }
                        break;
                    }
                    produced += 1;
                    i += 1;
                    continue;
                }
            }
            self.muted = muted;
            let flow = self.gen_row(g, i, parent_key, rows.as_ref(), &mut rec_buf);
            self.muted = outer;
            let flow = flow?;
            if flow == Flow::Exhausted {
                ended_at = Some(i);
                if self.opts.verbose {
                    eprintln!("note: '{}' stopped after {i} records: a source or sequence ran out", g.name);
                }
                break;
            }
            // Muted records only prime the sinks (see `emit`).
            let outer = std::mem::replace(&mut self.muted, muted);
            let emitted = self.emit(g, &rec_buf, &mut sink_ids);
            self.muted = outer;
            emitted?;
            if !muted {
                produced += 1;
            }
            if collect {
                collected.push(Value::map(rec_buf.iter().cloned().collect()));
            }
            i += 1;
        }
        if top && self.opts.shard.is_some() {
            // A shard ends its files open unless the product ends inside it: look one record
            // past the window to learn whether the product ends right there.
            if ended_at.is_none() && !whole && i == last && last < n {
                let outer = std::mem::replace(&mut self.muted, true);
                let flow = self.gen_row(g, last, parent_key, rows.as_ref(), &mut rec_buf);
                self.muted = outer;
                if flow? == Flow::Exhausted {
                    ended_at = Some(last);
                }
            }
            if ended_at.is_some_and(|e| first < e && e <= last) {
                for &k in sink_ids.as_deref().unwrap_or(&[]) {
                    if let Some(sink) = self.sinks.get_mut(k) {
                        sink.end_here();
                    }
                }
            }
        }
        self.report_count(&g.name, produced);
        for t in &g.targets {
            if let Target::Memstore(_) = t {
                let entity = g.out_name.clone();
                let rows: Vec<Arc<Map>> = collected
                    .iter()
                    .filter_map(|v| match v {
                        Value::Map(m) => Some(m.clone()),
                        _ => None,
                    })
                    .collect();
                self.memstores.entry(entity).or_default().extend(rows);
            }
        }
        Ok(collected)
    }

    /// Generates record `i` of an execution of `g` into `rec` (fields in column order, after
    /// scripted-source templates and generate converters).
    fn gen_row(
        &mut self,
        g: &'m Generate,
        i: u64,
        parent_key: u64,
        rows: Option<&Vec<Arc<Map>>>,
        rec: &mut Vec<(Arc<str>, Value)>,
    ) -> Result<Flow, RunError> {
        let rk = row_key(g.key, mix(self.root64, parent_key), i);
        self.push_frame(&g.layout, rk, i);
        if let Some(rows) = rows {
            if let Some(row) = rows.get(i as usize % rows.len().max(1)) {
                let row = row.clone();
                match g.source.as_ref().filter(|s| s.scripted) {
                    // Templates in source data are evaluated before the children see the row
                    // (dsl §5.5), in the enclosing scope; a value that does not evaluate yet
                    // stays as it is for the pass after the children.
                    Some(src) => {
                        for (k, v) in row.iter() {
                            let v = self
                                .template_value(v.clone(), &src.prefix, &src.suffix, src.span)
                                .unwrap_or_else(|_| v.clone());
                            if let Some(f) = self.frames.last_mut() {
                                f.set_by_name(k, v);
                            }
                        }
                    }
                    None => {
                        if let Some(f) = self.frames.last_mut() {
                            for (k, v) in row.iter() {
                                f.set_by_name(k, v.clone());
                            }
                        }
                    }
                }
            }
        }
        if let Some((start, iv, ticks, slot)) = g.series {
            let step = i % ticks.max(1);
            let series = i / ticks.max(1);
            let mut ts = Map::new();
            let now = crate::builtins::datetime::add_micros(start, iv * step as i64).unwrap_or(start);
            ts.insert(Arc::from("now"), Value::DateTime(now));
            ts.insert(Arc::from("step"), Value::Int(step as i64));
            ts.insert(Arc::from("series"), Value::Int(series as i64));
            if let Some(f) = self.frames.last_mut() {
                f.set(slot, Value::map(ts), false);
            }
        }
        // `datamimic sample --explain` follows the sought product's records field by field.
        let flow = match self.sample.as_deref() {
            Some(s) if s.explain && !self.muted && s.target == g.name => self.exec_body_traced(&g.body),
            _ => self.exec_body(&g.body),
        };
        let flow = flow.map_err(|e| with_row(e, &g.name, i));
        match flow {
            Ok(Flow::Continue) => {}
            other => {
                self.pop_frame();
                return other;
            }
        }
        if let Some(f) = self.frames.last_mut() {
            f.take_record_into(rec);
        }
        if let Some(src) = g.source.as_ref().filter(|s| s.scripted) {
            for field in rec.iter_mut() {
                let v = std::mem::take(&mut field.1);
                match self.template_value(v, &src.prefix, &src.suffix, src.span) {
                    Ok(v) => field.1 = v,
                    Err(e) => {
                        self.pop_frame();
                        return Err(with_row(e, &g.name, i));
                    }
                }
            }
        }
        self.pop_frame();
        if !g.converters.is_empty() {
            let mut m: Map = rec.drain(..).collect();
            for c in &g.converters {
                match c.apply(Value::map(m.clone()), &self.conv).map_err(|e| run_err(e, g.span))? {
                    Value::Map(mm) => m = mm.as_ref().clone(),
                    other => {
                        return Err(run_err(
                            format!("a converter on <generate> must return a record, got {}", other.type_name()),
                            g.span,
                        ))
                    }
                }
            }
            rec.extend(m);
        }
        Ok(Flow::Continue)
    }

    fn report_count(&mut self, name: &str, k: u64) {
        match self.report.products.iter_mut().find(|(n, _)| n == name) {
            Some((_, c)) => *c += k,
            None => self.report.products.push((name.to_string(), k)),
        }
    }

    fn emit(
        &mut self,
        g: &'m Generate,
        rec: &[(Arc<str>, Value)],
        ids: &mut Option<Vec<usize>>,
    ) -> Result<(), RunError> {
        if ids.is_none() {
            let sought = self.sample.as_deref().is_some_and(|s| s.target == g.name);
            if !sought && !g.targets.iter().any(|t| matches!(t, Target::File(_) | Target::Database { .. })) {
                *ids = Some(Vec::new());
                return Ok(());
            }
            let keys = match self.sink_keys.get(&g.state) {
                Some(k) => k.clone(),
                None => {
                    let k = self.open_sinks(g)?;
                    self.sink_keys.insert(g.state, k.clone());
                    k
                }
            };
            *ids = Some(keys);
        }
        let record = Record { fields: rec };
        if self.muted {
            // A record of an earlier shard or window: it still fixes the CSV columns.
            for &k in ids.as_deref().unwrap_or(&[]) {
                if let Some(sink) = self.sinks.get_mut(k) {
                    sink.prime(&record);
                    if self.opts.shard.is_some() {
                        sink.skipped();
                    }
                }
            }
            return Ok(());
        }
        for &k in ids.as_deref().unwrap_or(&[]) {
            if let Some(sink) = self.sinks.get_mut(k) {
                sink.write(&record).map_err(|e| db::sink_err(e, g.span, &g.name))?;
            }
        }
        Ok(())
    }

    /// Opens (or joins) the files of a product. Products with the same output name and
    /// target write into one file, in run order, as datamimic-ce does.
    fn open_sinks(&mut self, g: &'m Generate) -> Result<Vec<usize>, RunError> {
        if self.sample.is_some() {
            return self.open_sample_sinks(g);
        }
        let mut dir = self.opts.out_dir.clone();
        if let Some(u) = &g.export_uri {
            let u = u.trim_matches('/');
            if !u.is_empty() && !u.contains("..") && !u.contains('\\') && !u.contains("://") {
                dir = dir.join(u);
            }
        }
        std::fs::create_dir_all(&dir)
            .map_err(|e| run_err(format!("cannot create '{}': {e}", dir.display()), g.span))?;
        let fo = FileOptions {
            separator: self.model.settings.separator.clone(),
            line_separator: self.model.settings.line_separator.clone(),
            name: g.out_name.clone(),
            // Nested products learn their role from the records they skip (`Sink::skipped`).
            continued: g.depth == 0 && !self.in_include && self.shard_role.0,
            open_end: g.depth == 0 && !self.in_include && self.shard_role.1,
            // With more threads, a product that runs on one thread overlaps formatting and
            // writing; in parallel chunks both threads already generate.
            background: self.opts.threads > 1 && !self.in_chunks,
        };
        let mut keys = Vec::new();
        for t in &g.targets {
            if let Target::File(spec) = t {
                let ext = targets::extension(&spec.kind, &spec.params);
                let key = format!("{}\0{}\0{}\0{:?}", dir.display(), g.out_name, ext, spec.kind);
                let id = match self.sink_index.get(&key) {
                    Some(id) => *id,
                    None => {
                        let sink = targets::open(spec, &dir, &g.out_name, &fo).map_err(|e| run_err(e, g.span))?;
                        self.sinks.push(sink);
                        self.sink_index.insert(key, self.sinks.len() - 1);
                        self.sinks.len() - 1
                    }
                };
                keys.push(id);
            }
            if let Target::Database { db, table, op } = t {
                keys.push(self.open_db_sink(g, db, table, *op)?);
            }
        }
        Ok(keys)
    }

    /// Opens (or joins) the sink writing a product into a database table.
    fn open_db_sink(&mut self, g: &'m Generate, db: &str, table: &str, op: crate::db::DbOp) -> Result<usize, RunError> {
        let key = format!("db\0{db}\0{table}\0{op:?}");
        Ok(match self.sink_index.get(&key) {
            Some(id) => *id,
            None => {
                let sink = self.db_sink(g, db, table, op)?;
                self.sinks.push(sink);
                self.sink_index.insert(key, self.sinks.len() - 1);
                self.sinks.len() - 1
            }
        })
    }

    /// Pushes a record frame, reusing a pooled one (no allocation per record).
    fn push_frame(&mut self, layout: &'m Layout, row_key: u64, index: u64) {
        // A worker uses its own copies of the layouts (names with unshared reference counts).
        let at = layout as *const Layout as usize;
        let layout = match self.local_layouts.iter().find(|(p, _)| *p == at) {
            Some((_, l)) => *l,
            None => layout,
        };
        self.frames.push(layout, row_key, index);
    }

    fn pop_frame(&mut self) {
        self.frames.pop();
    }

    /// Runs the statements of a record body.
    fn exec_body(&mut self, body: &'m [Stmt]) -> Result<Flow, RunError> {
        for s in body {
            if self.exec_stmt(s)? == Flow::Exhausted {
                return Ok(Flow::Exhausted);
            }
        }
        Ok(Flow::Continue)
    }

    fn row_key(&self) -> u64 {
        self.frames.last().map(|f| f.row_key).unwrap_or(self.root64)
    }

    /// The branch of an `<if>`/`<elif>`/`<else>` chain that runs, if any.
    fn pick_branch(&mut self, branches: &'m [Branch]) -> Result<Option<&'m Branch>, RunError> {
        let mut rng = Stream::new(mix(self.row_key(), 0xC0D));
        for b in branches {
            let take = match &b.cond {
                None => true,
                Some(c) => self.eval(c, &mut rng)?.truthy(),
            };
            if take {
                return Ok(Some(b));
            }
        }
        Ok(None)
    }

    /// An entity variable read field by field (`domains::projection`): the list of the fields
    /// the model reads into its hidden slot, and the whole object into its own slot when
    /// something may read it as a value.
    fn entity_fields(&mut self, f: &'m Field, pr: &'m crate::domains::projection::Projection) -> Result<(), RunError> {
        let Mode::Entity(spec) = &f.mode else { return Ok(()) };
        let key = mix(spec.key.0, self.row_key());
        static WHOLE: crate::domains::projection::Plan =
            crate::domains::projection::Plan { whole: true, picks: Vec::new() };
        let plan = pr.plan.get().unwrap_or(&WHOLE);
        let Some(fr) = self.frames.last_mut() else { return Ok(()) };
        let mut list = fr.spare.take();
        let values = Arc::make_mut(&mut list);
        let loc = *pr.pack.get_or_init(|| crate::domains::locale::locale(&spec.dataset));
        let whole = crate::domains::projection::project_into(spec, loc, plan, key, self.now, values)
            .map_err(|m| run_err(m, f.span))?;
        fr.set(pr.hidden, Value::List(list), false);
        if let Some(w) = whole {
            fr.set(f.dest.slot, w, f.dest.field);
        }
        Ok(())
    }

    fn exec_stmt(&mut self, s: &'m Stmt) -> Result<Flow, RunError> {
        match s {
            Stmt::Field(f) => {
                if let Mode::Entity(EntitySpec { proj: Some(pr), .. }) = &f.mode {
                    self.entity_fields(f, pr)?;
                    return Ok(Flow::Continue);
                }
                let mut rng = Stream::for_premixed(self.row_key(), f.key_mix);
                let mut v = Value::Null;
                match self.field_into(f, &mut rng, &mut v)? {
                    pipeline::Outcome::Set => {
                        if let Some(fr) = self.frames.last_mut() {
                            fr.set(f.dest.slot, v, f.dest.field);
                        }
                    }
                    pipeline::Outcome::Exhausted => return Ok(Flow::Exhausted),
                    pipeline::Outcome::Omitted => {}
                }
            }
            Stmt::Generate(g) => {
                let pk = self.row_key();
                let records = self.run_generate(g, pk)?;
                if let (Some(slot), Some(fr)) = (g.bind_slot, self.frames.last_mut()) {
                    fr.set(slot, Value::list(records), false);
                }
            }
            Stmt::NestedKey(n) => return self.nested_key(n),
            Stmt::List(l) => return self.list(l),
            Stmt::Array(a) => self.array(a)?,
            Stmt::Condition(branches) => {
                if let Some(b) = self.pick_branch(branches)? {
                    return self.exec_body(&b.body);
                }
            }
            Stmt::While { cond, max, body, span } => {
                let mut rng = Stream::new(mix(self.row_key(), 0x3117));
                let mut n = 0u64;
                while self.eval(cond, &mut rng)?.truthy() {
                    if n >= *max {
                        return Err(run_err(format!("<while> needed more than maxIterations={max} passes"), *span));
                    }
                    n += 1;
                    if self.exec_body(body)? == Flow::Exhausted {
                        return Ok(Flow::Exhausted);
                    }
                }
            }
            Stmt::Echo { parts, .. } => {
                let mut rng = Stream::new(mix(self.row_key(), 0xEC));
                match self.eval_template(parts, &mut rng) {
                    Ok(t) => self.echo(t),
                    Err(e) => {
                        if self.opts.verbose {
                            eprintln!("warning: echo failed: {}", e.message);
                        }
                    }
                }
            }
            Stmt::Assert { cond, message, span } => {
                let mut rng = Stream::new(mix(self.row_key(), 0xA5));
                let v = self.eval(cond, &mut rng)?;
                if !v.truthy() {
                    let rec = self.frames.last().map(|f| Value::map(f.as_map())).unwrap_or_default();
                    return Err(run_err(
                        format!(
                            "assertion failed: {}{}; record: {}",
                            cond.chunk.text,
                            message.as_ref().map(|m| format!(" ({m})")).unwrap_or_default(),
                            rec.py_repr()
                        ),
                        *span,
                    ));
                }
            }
            Stmt::Include(d) => return self.run_include(d),
            Stmt::Reference(r) => return self.reference(r),
            Stmt::Global { .. } | Stmt::Database(..) | Stmt::Execute(_) => {}
        }
        Ok(Flow::Continue)
    }

    fn take_shared(&mut self) -> Shared {
        use std::mem::take;
        Shared {
            memstores: take(&mut self.memstores),
            scratch: take(&mut self.scratch),
            sinks: take(&mut self.sinks),
            sink_index: take(&mut self.sink_index),
            sink_keys: take(&mut self.sink_keys),
            pending: take(&mut self.pending),
            report: take(&mut self.report),
            templates: take(&mut self.templates),
            seen: take(&mut self.seen),
            includes: take(&mut self.includes),
            loaded: take(&mut self.loaded),
            next_state: self.next_state,
            include_chain: take(&mut self.include_chain),
        }
    }

    fn restore_shared(&mut self, s: Shared) {
        self.memstores = s.memstores;
        self.scratch = s.scratch;
        self.sinks = s.sinks;
        self.sink_index = s.sink_index;
        self.sink_keys = s.sink_keys;
        self.pending = s.pending;
        self.report = s.report;
        self.templates = s.templates;
        self.seen = s.seen;
        self.includes = s.includes;
        self.loaded = s.loaded;
        self.next_state = s.next_state;
        self.include_chain = s.include_chain;
    }

    /// `<include uri="{…}">` (dsl §3.14): evaluates the uri here, loads and lowers the file the
    /// first time, and runs it as a setup whose globals are the names this scope sees (setup
    /// variables, then the enclosing records' fields and variables, outermost first). It
    /// shares memstores and output files with the run; its randomness is keyed by the current
    /// record, so each record's run differs.
    fn run_include(&mut self, d: &'m DynInclude) -> Result<Flow, RunError> {
        let mut rng = Stream::new(mix(self.row_key(), 0x1C1));
        let uri = self.eval_template(&d.uri, &mut rng)?;
        let lower = uri.to_ascii_lowercase();
        if lower.ends_with(".properties") {
            let msg = format!(
                "<include> named '{uri}' at run time: properties are read before the run, so a .properties \
                 file must be named literally"
            );
            return Err(run_err(msg, d.span));
        }
        if !lower.ends_with(".xml") {
            return Err(run_err(format!("cannot include '{uri}': only .xml and .properties files"), d.span));
        }
        let path = d.context.dir.join(&uri);
        if !path.is_file() {
            let e = Diagnostic::error("DM002", format!("included file '{uri}' does not exist"))
                .with_span(d.span)
                .with_help(format!(
                    "paths are relative to the folder of the including file ({})",
                    if d.context.dir.as_os_str().is_empty() { Path::new(".") } else { &d.context.dir }.display()
                ));
            return Err(Box::new(e));
        }
        let key = path.canonicalize().unwrap_or_else(|_| path.clone());
        let same = |p: &PathBuf| p.canonicalize().unwrap_or_else(|_| p.clone()) == key;
        if d.context.include_stack.iter().any(same) || self.include_chain.iter().any(same) {
            return Err(run_err(format!("include cycle: '{uri}' includes itself"), d.span));
        }
        let mut inc = match self.includes.remove(&key) {
            Some(inc) => inc,
            None => {
                let mut names: Vec<Arc<str>> = self.model.globals.clone();
                for f in self.frames.iter() {
                    let set = f.layout.names.iter().enumerate().filter(|(i, _)| f.set[*i]).map(|(_, n)| n);
                    for n in set.chain(f.extra.iter().map(|(k, _)| k)) {
                        if !names.contains(n) {
                            names.push(n.clone());
                        }
                    }
                }
                let sm = SourceMap::starting_at(self.loaded.next_id());
                let (sm, lowered) =
                    crate::ir::lower::lower_dynamic_include(&path, &uri, &d.context, &names, sm, self.next_state);
                self.loaded.append(sm);
                let model = lowered.map_err(|ds| {
                    let mut e = ds.0.into_iter().next().unwrap_or_else(|| {
                        Diagnostic::error("DM002", format!("included file '{uri}' could not be lowered"))
                    });
                    if e.span.is_none() {
                        e.span = Some(d.span);
                    }
                    e.message = format!("{} (in '{uri}', included at run time)", e.message);
                    Box::new(e)
                })?;
                self.next_state = model.states;
                for f in &model.files {
                    if !self.report.included.contains(f) {
                        self.report.included.push(f.clone());
                    }
                }
                Included { states: (0..model.states).map(|_| State::Empty).collect(), model: Arc::new(model) }
            }
        };
        let model = inc.model.clone();
        let globals: Vec<Value> =
            model.globals.iter().map(|n| exec::Env::load_dyn(self, n).unwrap_or(Value::Null)).collect();
        let mut shared = self.take_shared();
        shared.include_chain.push(key.clone());
        let root64 = mix(self.root64, self.row_key());
        let r = {
            let mut sub = Runtime {
                model: &model,
                globals,
                props: model.props.iter().map(|(_, v)| Value::Str(v.clone())).collect(),
                frames: FrameStack::new(),
                states: std::mem::take(&mut inc.states),
                memstores: shared.memstores,
                scratch: shared.scratch,
                now: self.now,
                root64,
                conv: ConvConfig { hash_key: self.conv.hash_key },
                sinks: shared.sinks,
                sink_index: shared.sink_index,
                sink_keys: shared.sink_keys,
                pending: shared.pending,
                report: shared.report,
                opts: RunOptions { rows: None, ..self.opts.clone() },
                templates: shared.templates,
                seen: shared.seen,
                includes: shared.includes,
                loaded: shared.loaded,
                next_state: shared.next_state,
                include_chain: shared.include_chain,
                // A sample run writes no file in an included file either.
                sample: self.sample.take(),
                shard_role: (false, false),
                muted: self.muted,
                in_chunks: self.in_chunks,
                in_include: self.in_include || !self.frames.is_empty(),
                local_layouts: Vec::new(),
                worker: false,
                local_consts: Vec::new(),
                dbs: std::mem::take(&mut self.dbs),
            };
            let r = sub.exec_setup(&model.body);
            self.sample = sub.sample.take();
            inc.states = std::mem::take(&mut sub.states);
            self.dbs = std::mem::take(&mut sub.dbs);
            shared = sub.take_shared();
            r
        };
        shared.include_chain.pop();
        self.restore_shared(shared);
        self.includes.insert(key, inc);
        r.map(|_| Flow::Continue)
    }

    fn map_of_children(
        &mut self,
        layout: &'m Layout,
        rk: u64,
        index: u64,
        body: &'m [Stmt],
        init: Option<&Map>,
    ) -> Result<Option<Map>, RunError> {
        self.push_frame(layout, rk, index);
        if let (Some(m), Some(f)) = (init, self.frames.last_mut()) {
            for (k, v) in m.iter() {
                f.set_by_name(k, v.clone());
            }
        }
        let flow = self.exec_body(body);
        let m = self.frames.last().map(|f| f.fields_map()).unwrap_or_default();
        self.pop_frame();
        if flow? == Flow::Exhausted {
            return Ok(None);
        }
        Ok(Some(m))
    }

    fn nested_key(&mut self, n: &'m NestedKey) -> Result<Flow, RunError> {
        let rk = mix(self.row_key(), n.key.0);
        let mut rng = Stream::new(mix(rk, 0xC0));
        if let Some(c) = &n.condition {
            match self.eval(c, &mut rng)? {
                Value::Bool(true) => {}
                Value::Bool(false) => {
                    if let Some(d) = &n.default_value {
                        let v = self.eval(d, &mut rng)?;
                        self.set_field(n.dest, v);
                    }
                    return Ok(Flow::Continue);
                }
                other => {
                    return Err(run_err(
                        format!("nestedKey condition must be a bool, got {}", other.type_name()),
                        n.span,
                    ))
                }
            }
        }
        let apply = |rt: &mut Self, m: Map| -> Result<Value, RunError> {
            let mut v = Value::map(m);
            for c in &n.converters {
                v = c.apply(v, &rt.conv).map_err(|e| run_err(e, n.span))?;
            }
            Ok(v)
        };
        let value = match &n.mode {
            NestedMode::Dict => match self.map_of_children(&n.layout, rk, 0, &n.body, None)? {
                Some(m) => apply(self, m)?,
                None => return Ok(Flow::Exhausted),
            },
            NestedMode::List(c) => {
                let k = self.count(c, rk, None, n.span)?;
                self.reset_states(&n.body);
                let mut items = Vec::with_capacity(k as usize);
                for i in 0..k {
                    match self.map_of_children(&n.layout, mix(rk, i), i, &n.body, None)? {
                        Some(m) => items.push(apply(self, m)?),
                        None => return Ok(Flow::Exhausted),
                    }
                }
                Value::list(items)
            }
            NestedMode::Script(e) => {
                let v = match self.eval(e, &mut rng) {
                    Ok(v) => v,
                    Err(err) => match &n.default_value {
                        Some(d) => {
                            let v = self.eval(d, &mut rng)?;
                            self.set_field(n.dest, v);
                            return Ok(Flow::Continue);
                        }
                        None => return Err(err),
                    },
                };
                if let (Value::Null, Some(d)) = (&v, &n.default_value) {
                    let dv = self.eval(d, &mut rng)?;
                    self.set_field(n.dest, dv);
                    return Ok(Flow::Continue);
                }
                self.enrich(n, v, rk)?
            }
            NestedMode::Enrich => {
                let cur = self.frames.last().and_then(|f| f.get_by_name(&n.name)).unwrap_or(Value::Null);
                self.enrich(n, cur, rk)?
            }
            NestedMode::Source { source, count, dict } => {
                let k = match count {
                    Some(c) => Some(self.count(c, rk, None, n.span)?),
                    None => None,
                };
                // The first `count` rows (capped unless cyclic), then the distribution.
                let rows = self.nested_source_rows(source, rk, k)?;
                let mut items = Vec::with_capacity(rows.len());
                for (i, r) in rows.iter().enumerate() {
                    let r = if source.scripted {
                        match self.template_value(Value::Map(r.clone()), &source.prefix, &source.suffix, source.span)? {
                            Value::Map(m) => m,
                            _ => r.clone(),
                        }
                    } else {
                        r.clone()
                    };
                    match self.map_of_children(&n.layout, mix(rk, i as u64), i as u64, &n.body, Some(&r))? {
                        Some(m) => items.push(apply(self, m)?),
                        None => return Ok(Flow::Exhausted),
                    }
                    if *dict {
                        break;
                    }
                }
                if *dict {
                    items.pop().unwrap_or(Value::Null)
                } else {
                    Value::list(items)
                }
            }
        };
        self.set_field(n.dest, value);
        Ok(Flow::Continue)
    }

    fn enrich(&mut self, n: &'m NestedKey, v: Value, rk: u64) -> Result<Value, RunError> {
        let conv = |rt: &mut Self, mut v: Value| -> Result<Value, RunError> {
            for c in &n.converters {
                v = c.apply(v, &rt.conv).map_err(|e| run_err(e, n.span))?;
            }
            Ok(v)
        };
        Ok(match v {
            Value::Map(m) => match self.map_of_children(&n.layout, rk, 0, &n.body, Some(&m))? {
                Some(mm) => conv(self, Value::map(mm))?,
                None => Value::Null,
            },
            Value::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, it) in items.iter().enumerate() {
                    match it {
                        Value::Map(m) => {
                            match self.map_of_children(&n.layout, mix(rk, i as u64), i as u64, &n.body, Some(m))? {
                                Some(mm) => out.push(conv(self, Value::map(mm))?),
                                None => break,
                            }
                        }
                        other => out.push(other.clone()),
                    }
                }
                Value::list(out)
            }
            Value::Null if n.body.is_empty() => Value::Null,
            other => {
                return Err(run_err(
                    format!("nestedKey '{}' needs a dict or a list of dicts, got {}", n.name, other.type_name()),
                    n.span,
                ))
            }
        })
    }

    fn set_field(&mut self, dest: Dest, v: Value) {
        if let Some(f) = self.frames.last_mut() {
            f.set(dest.slot, v, dest.field);
        }
    }

    fn list(&mut self, l: &'m ListStmt) -> Result<Flow, RunError> {
        let rk = mix(self.row_key(), l.key.0);
        let mut items = Vec::with_capacity(l.items.len());
        for (i, it) in l.items.iter().enumerate() {
            let irk = mix(rk, i as u64);
            if let Some(c) = &it.condition {
                let mut rng = Stream::new(mix(irk, 0xC0));
                match self.eval(c, &mut rng)? {
                    Value::Bool(true) => {}
                    Value::Bool(false) => {
                        items.push(Value::Null);
                        continue;
                    }
                    other => {
                        return Err(run_err(
                            format!("item condition must be a bool, got {}", other.type_name()),
                            l.span,
                        ))
                    }
                }
            }
            match self.map_of_children(&it.layout, irk, 0, &it.body, None)? {
                Some(m) => items.push(Value::map(m)),
                None => return Ok(Flow::Exhausted),
            }
        }
        let mut v = Value::list(items);
        for c in &l.converters {
            v = c.apply(v, &self.conv).map_err(|e| run_err(e, l.span))?;
        }
        self.set_field(l.dest, v);
        Ok(Flow::Continue)
    }

    fn array(&mut self, a: &'m ArrayStmt) -> Result<(), RunError> {
        let mut rng = Stream::for_field(self.row_key(), a.key);
        let v = match &a.mode {
            ArrayMode::Literal(vals) => Value::list(vals.clone()),
            ArrayMode::Script(e) => {
                let v = self.eval(e, &mut rng)?;
                match &v {
                    Value::List(_) | Value::Tuple(_) => {
                        Value::list(crate::builtins::functions::iterate(&v).unwrap_or_default())
                    }
                    other => {
                        return Err(run_err(
                            format!("array script must return a list, got {}", other.type_name()),
                            a.span,
                        ))
                    }
                }
            }
            ArrayMode::Random { ty, count } => {
                if *count == 0 {
                    return Ok(());
                }
                let mut out = Vec::with_capacity(*count as usize);
                for _ in 0..*count {
                    out.push(match ty {
                        Cast::Int => Value::Int(rng.range_i64(0, 100)),
                        Cast::Float => Value::Float(rng.uniform(0.0, 100.0)),
                        Cast::Bool => Value::Bool(rng.chance(0.5)),
                        _ => {
                            let n = rng.below(21) as usize;
                            let s: String = (0..n)
                                .map(|_| {
                                    let k = rng.below(52) as u8;
                                    (if k < 26 { b'a' + k } else { b'A' + k - 26 }) as char
                                })
                                .collect();
                            Value::from(s)
                        }
                    });
                }
                Value::list(out)
            }
        };
        self.set_field(a.dest, v);
        Ok(())
    }
}

/// `true` when any record of `g` can be generated without the ones before it (`--rows` and
/// `sample` jump straight to it): no parent reads its records, no memstore is filled from it,
/// and its body is stateless.
fn seekable(g: &Generate) -> bool {
    let collect = g.bind_slot.is_some() || g.targets.iter().any(|t| matches!(t, Target::Memstore(_)));
    !collect && parallel::stateless_body(&g.body) && !parallel::feeds_memstore(g)
}

fn with_row(mut e: RunError, product: &str, row: u64) -> RunError {
    if !e.message.contains(" (row ") {
        e.message = format!("{} (row {row} of '{product}')", e.message);
    }
    e
}

/// A script source value as rows.
fn rows_of(v: &Value) -> Result<Vec<Arc<Map>>, String> {
    match v {
        Value::List(l) | Value::Tuple(l) => l
            .iter()
            .map(|x| match x {
                Value::Map(m) => Ok(m.clone()),
                other => Err(format!("source rows must be dicts, got {}", other.type_name())),
            })
            .collect(),
        Value::Map(m) => Ok(vec![m.clone()]),
        Value::Null => Ok(vec![]),
        other => Err(format!("a script source must return a list of dicts, got {}", other.type_name())),
    }
}

/// Applies distribution/unique/cyclic to a pool of rows (dsl §5.3).
fn select_rows(all: &[Arc<Map>], src: &Source, key: u64, count: Option<u64>) -> Result<Vec<Arc<Map>>, String> {
    let mut pool: Vec<Arc<Map>> = all.to_vec();
    if src.unique {
        let mut seen = std::collections::HashSet::new();
        pool.retain(|r| seen.insert(Value::Map(r.clone()).dedup_key()));
        if let Some(c) = count {
            if c as usize > pool.len() {
                return Err(format!("unique source has {} distinct rows, {c} requested", pool.len()));
            }
        }
    }
    let n = pool.len();
    if n == 0 {
        return Ok(vec![]);
    }
    let want = count.unwrap_or(n as u64) as usize;
    let mut s = Stream::new(mix(key, 0xD157));
    Ok(match src.distribution {
        Distribution::Ordered => {
            if src.cyclic {
                (0..want).map(|i| pool[i % n].clone()).collect()
            } else {
                pool.truncate(want.min(n));
                pool
            }
        }
        Distribution::Random => {
            let mut out = Vec::with_capacity(want.min(n.max(want)));
            loop {
                let mut perm = pool.clone();
                s.shuffle(&mut perm);
                for r in perm {
                    if out.len() >= want {
                        break;
                    }
                    out.push(r);
                }
                if out.len() >= want || !src.cyclic {
                    break;
                }
            }
            out
        }
        Distribution::Cumulated => (0..want)
            .map(|_| {
                let sum: u64 = (0..5).map(|_| s.below(n as u64)).sum();
                pool[((sum + 2) / 5).min(n as u64 - 1) as usize].clone()
            })
            .collect(),
    })
}
