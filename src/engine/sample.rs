//! `datamimic sample`: record *K* of one product, exactly as the full run has it, and how each
//! of its fields was made (`--explain`).
//!
//! A sample is a run that writes nothing: instead of its file targets, the sought product gets
//! a sink that keeps its *K*-th record (database writes stay inside the run's transaction,
//! which is rolled back). A product that is the only one of its name and stands directly under
//! `<setup>` is reached as `run --rows K..K+1` reaches it: a seekable product jumps to the row,
//! any other generates the rows before it unwritten. Other products (nested ones, or several of
//! one name) run in order until their *K*-th record. Of the statements before the product only
//! those it may depend on run (memstores, databases, shared generators, includes, setup
//! variables); nothing after it runs.
//!
//! The explanation comes from a separate walk of the record body
//! ([`Runtime::exec_body_traced`]) taken only for the sought product's records: a plain run
//! never takes it and keeps no bookkeeping for it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::pipeline::Produced;
use super::{parallel, run_err, Flow, RunError, RunOptions, Runtime};
use crate::builtins::targets::{self, FileOptions, Pending, Record, Sink, TargetKind, TargetSpec};
use crate::diag::Diagnostic;
use crate::domains::determinism::{mix, PathKey, Stream};
use crate::ir::model::*;
use crate::source::{SourceId, SourceMap, Span};
use crate::vm::value::{write_json_str, Value};

/// A record: its fields in column order.
pub type Fields = Vec<(Arc<str>, Value)>;

/// What `datamimic sample` asks for.
#[derive(Clone, Debug)]
pub struct SampleRequest {
    /// The product (`<generate name>`), top-level or nested.
    pub product: String,
    /// The record, 0-based, in the order the product's file has its records.
    pub row: u64,
    /// Gather the per-field explanation.
    pub explain: bool,
}

/// How the record was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// The record was computed alone (records depend only on their index).
    Seek,
    /// A top-level product whose records depend on earlier ones: records `0..K` were
    /// generated first, unwritten.
    Window,
    /// A nested product, or several products of the name: the run went in order up to the
    /// record.
    Sequential,
}

/// One sampled record.
#[derive(Clone, Debug)]
pub struct Sample {
    pub product: String,
    pub row: u64,
    /// The record as the targets receive it (after the product's converters).
    pub record: Fields,
    /// The first record of the product's file, which decides the CSV columns.
    pub columns: Fields,
    pub reach: Reach,
    /// Per statement of the record, in execution order (empty without `explain`).
    pub explain: Vec<Explained>,
    /// The product's CSV target (or a plain `CSV`) and the options its file would have.
    csv: (TargetSpec, FileOptions),
}

/// How one statement of the record produced its value.
#[derive(Clone, Debug)]
pub struct Explained {
    pub name: String,
    /// The element (`key`, `variable`, `nestedKey`, …).
    pub element: String,
    /// The value mode (`generator`, `script`, `values`, `pattern`, `constant`, `entity`, …).
    pub mode: &'static str,
    /// The element's attributes as written in the model (`name` left out).
    pub inputs: Vec<(String, String)>,
    pub drawn: Drawn,
    /// `None` when the statement produced nothing (a false condition).
    pub value: Option<Value>,
    span: Span,
}

/// Where a value's randomness came from.
#[derive(Clone, Debug)]
pub enum Drawn {
    /// No random draw: the value follows from its inputs (the reason).
    Nothing(&'static str),
    /// A stream keyed by a statement path and a row.
    Stream {
        /// What the stream belongs to (`field`, `entity`, `nestedKey`, `product`, …).
        of: &'static str,
        path: String,
        /// The record index within its product execution.
        row: u64,
        /// The row key of the record.
        row_key: u64,
        /// The stream's seed: `mix(row key, statement key)` for a field.
        seed: u64,
        /// Values drawn from it (`None`: not counted).
        draws: Option<u64>,
    },
}

/// The state of a sample run inside the engine.
pub(super) struct Sampler {
    pub(super) target: String,
    pub(super) explain: bool,
    capture: Arc<Mutex<Capture>>,
    /// Records the sought product's executions were to have (their counts).
    planned: u64,
    /// The explanation of the sought product's latest record.
    trace: Vec<Explained>,
}

impl Sampler {
    /// An execution of `g` is about to generate `n` records.
    pub(super) fn planned(&mut self, g: &Generate, n: u64) {
        if g.name == self.target {
            self.planned = self.planned.saturating_add(n);
        }
    }
}

/// What the capture sink saw.
#[derive(Default)]
struct Capture {
    /// The ordinal of the written record to keep.
    want: u64,
    writes: u64,
    columns: Option<Fields>,
    record: Option<Fields>,
}

/// The "error" that ends a sample run once the record is kept.
const CAPTURED: &str = "(the sampled record is complete)";

/// The sought product's only sink: keeps the first record (CSV columns) and the wanted one.
struct CaptureSink(Arc<Mutex<Capture>>);

impl Sink for CaptureSink {
    fn write(&mut self, rec: &Record) -> Result<(), String> {
        let mut c = self.0.lock().map_err(|_| "the sample capture failed".to_string())?;
        if c.columns.is_none() {
            c.columns = Some(rec.fields.to_vec());
        }
        let at = c.writes;
        c.writes += 1;
        if at == c.want {
            c.record = Some(rec.fields.to_vec());
            // Nothing after this record can change it: end the run here.
            return Err(CAPTURED.into());
        }
        Ok(())
    }

    fn prime(&mut self, rec: &Record) {
        if let Ok(mut c) = self.0.lock() {
            if c.columns.is_none() {
                c.columns = Some(rec.fields.to_vec());
            }
        }
    }

    fn finish(self: Box<Self>) -> Result<Option<Pending>, String> {
        Ok(None)
    }
}

/// What a sample run does with a child of `<setup>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Run,
    /// Runs the sought product with the row window `K..K+1`.
    Seek,
    /// The product cannot depend on it.
    Skip,
    /// After the sought product: nothing more runs.
    Stop,
}

/// Every generate of a body, with its depth, in document order.
fn generates<'m>(body: &'m [Stmt], out: &mut Vec<&'m Generate>) {
    for s in body {
        match s {
            Stmt::Generate(g) => {
                out.push(g);
                generates(&g.body, out);
            }
            Stmt::NestedKey(n) => generates(&n.body, out),
            Stmt::List(l) => l.items.iter().for_each(|it| generates(&it.body, out)),
            Stmt::Condition(bs) => bs.iter().for_each(|b| generates(&b.body, out)),
            Stmt::While { body, .. } => generates(body, out),
            _ => {}
        }
    }
}

/// The product names of a model, in document order, each once.
pub fn product_names(model: &Model) -> Vec<String> {
    let mut all = Vec::new();
    generates(&model.body, &mut all);
    let mut names: Vec<String> = Vec::new();
    for g in all {
        if !names.contains(&g.name) {
            names.push(g.name.clone());
        }
    }
    names
}

/// `true` when nothing a later product reads can change by running `s`: a product that fills
/// no memstore, writes no database and shares no generator or include with anything else.
fn independent(s: &Stmt) -> bool {
    fn body(b: &[Stmt]) -> bool {
        b.iter().all(|s| match s {
            Stmt::Field(f) => field(f),
            Stmt::Generate(g) => product(g),
            Stmt::NestedKey(n) => body(&n.body),
            Stmt::List(l) => l.items.iter().all(|it| body(&it.body)),
            Stmt::Condition(bs) => bs.iter().all(|b| body(&b.body)),
            Stmt::While { body: w, .. } => body(w),
            Stmt::Array(_) | Stmt::Echo { .. } | Stmt::Assert { .. } | Stmt::Global { .. } => true,
            Stmt::Include(_) | Stmt::Database(..) | Stmt::Execute(_) | Stmt::Reference(_) => false,
        })
    }
    fn field(f: &Field) -> bool {
        !matches!(f.mode, Mode::Generator(_, GenScope::Shared(_))) && f.elements.iter().all(field)
    }
    fn product(g: &Generate) -> bool {
        !parallel::feeds_memstore(g) && !g.targets.iter().any(|t| matches!(t, Target::Database { .. })) && body(&g.body)
    }
    match s {
        Stmt::Generate(g) => product(g),
        _ => false,
    }
}

/// `true` when `s` is or contains a generate named `name`.
fn contains(s: &Stmt, name: &str) -> bool {
    let mut all = Vec::new();
    generates(std::slice::from_ref(s), &mut all);
    all.iter().any(|g| g.name == name)
}

fn sample_err(msg: impl Into<String>, span: Span) -> RunError {
    Box::new(Diagnostic::error("DM002", msg).with_span(span))
}

/// Generates record `req.row` of product `req.product` without writing anything.
///
/// `opts` gives the seed and the clock (threads, shards and row windows are ignored). Errors:
/// an unknown product (the diagnostic lists the model's products), a row past the product's
/// end, or whatever the run itself reports before reaching the record.
pub fn sample(model: &Model, opts: &RunOptions, sources: &SourceMap, req: &SampleRequest) -> Result<Sample, RunError> {
    let mut all = Vec::new();
    generates(&model.body, &mut all);
    let found: Vec<&Generate> = all.iter().copied().filter(|g| g.name == req.product).collect();
    let Some(first) = found.first().copied() else {
        let names = product_names(model);
        let help = if names.is_empty() {
            "the model has no <generate>".to_string()
        } else {
            format!("the model's products: {}", names.join(", "))
        };
        let d = Diagnostic::error("DM002", format!("the model has no product named '{}'", req.product)).with_help(help);
        return Err(Box::new(d));
    };
    let top = model.body.iter().position(|s| matches!(s, Stmt::Generate(g) if std::ptr::eq(&**g, first)));
    let seek_at = top.filter(|_| found.len() == 1);
    let out_of_range = |n: u64| {
        Box::new(
            Diagnostic::error(
                "DM002",
                format!("row {} is out of range: product '{}' has {n} records", req.row, req.product),
            )
            .with_span(first.span)
            .with_label("this product")
            .with_help(format!("rows are counted from 0; ask for a row below {n}")),
        )
    };
    if let (Some(_), Count::Fixed(n), None, None) = (seek_at, &first.count, &first.source, first.series) {
        if req.row >= *n {
            return Err(out_of_range(*n));
        }
    }
    let reach = match seek_at {
        Some(_) if super::seekable(first) => Reach::Seek,
        Some(_) => Reach::Window,
        None => Reach::Sequential,
    };
    let last = model.body.iter().rposition(|s| contains(s, &req.product)).unwrap_or(0);
    let plan: Vec<Step> = model
        .body
        .iter()
        .enumerate()
        .map(|(i, s)| match i {
            i if i > last => Step::Stop,
            i if Some(i) == seek_at => Step::Seek,
            _ if !contains(s, &req.product) && independent(s) => Step::Skip,
            _ => Step::Run,
        })
        .collect();

    let opts = RunOptions { threads: 1, rows: None, shard: None, verbose: false, ..opts.clone() };
    let capture =
        Arc::new(Mutex::new(Capture { want: if seek_at.is_some() { 0 } else { req.row }, ..Capture::default() }));
    let mut rt = Runtime::new(model, &opts, sources);
    rt.sample = Some(Box::new(Sampler {
        target: req.product.clone(),
        explain: req.explain,
        capture: capture.clone(),
        planned: 0,
        trace: Vec::new(),
    }));
    let mut rng = Stream::new(mix(rt.root64, 0x5e7));
    let mut failed = None;
    for (s, step) in model.body.iter().zip(&plan) {
        match step {
            Step::Skip => continue,
            Step::Stop => break,
            Step::Seek => rt.opts.rows = Some((req.row, req.row.saturating_add(1))),
            Step::Run => rt.opts.rows = None,
        }
        let r = rt.exec_setup_stmt(s, &mut rng);
        rt.opts.rows = None;
        if let Err(e) = r {
            failed = Some(e);
            break;
        }
    }
    // Nothing is kept: sinks hold no files, database work is undone.
    rt.sinks.clear();
    rt.dbs.rollback_all();
    let sampler = rt.sample.take();
    let (record, columns, writes) = {
        let mut c = capture.lock().map_err(|_| run_err("the sample capture failed", first.span))?;
        (c.record.take(), c.columns.take(), c.writes)
    };
    let Some(record) = record else {
        if let Some(e) = failed {
            return Err(e);
        }
        let n = match seek_at {
            Some(_) => sampler.as_ref().map_or(0, |s| s.planned),
            None => writes,
        };
        if req.row >= n {
            return Err(out_of_range(n));
        }
        return Err(sample_err(
            format!("product '{}' ended before row {}: a source or sequence ran out", req.product, req.row),
            first.span,
        ));
    };
    let mut explain = sampler.map(|s| s.trace).unwrap_or_default();
    let mut elements = ElementIndex::default();
    for e in &mut explain {
        if let Some((name, attrs)) = elements.find(sources, e.span) {
            e.element = name;
            e.inputs = attrs;
        }
        // `type="int" min=… max=…` is lowered to a generator; name it as the model does.
        if e.mode == "generator" && !e.inputs.iter().any(|(k, _)| k == "generator") {
            e.mode = "type";
        }
    }
    let spec = first
        .targets
        .iter()
        .find_map(|t| match t {
            Target::File(s) if s.kind == TargetKind::Csv => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_else(|| TargetSpec::new(TargetKind::Csv));
    let fo = FileOptions {
        separator: model.settings.separator.clone(),
        line_separator: model.settings.line_separator.clone(),
        name: first.out_name.clone(),
        ..FileOptions::default()
    };
    Ok(Sample {
        product: req.product.clone(),
        row: req.row,
        columns: columns.unwrap_or_else(|| record.clone()),
        record,
        reach,
        explain,
        csv: (spec, fo),
    })
}

/// An element's name and its attributes (`name` left out) as written.
type ElementText = (String, Vec<(String, String)>);

/// The elements of the model's files by the start of their name, parsed on demand.
#[derive(Default)]
struct ElementIndex {
    /// Per file: element name start → the element (looked up, never iterated).
    files: HashMap<SourceId, HashMap<u32, ElementText>>,
}

impl ElementIndex {
    fn find(&mut self, sources: &SourceMap, span: Span) -> Option<ElementText> {
        if span.is_detached() {
            return None;
        }
        let file = self.files.entry(span.source).or_insert_with(|| {
            let mut out = HashMap::new();
            if let Some(f) = sources.get(span.source) {
                if let Ok(root) = crate::parser::xml::parse(&f.text, span.source) {
                    fn walk(e: &crate::parser::xml::Element, out: &mut HashMap<u32, ElementText>) {
                        let attrs =
                            e.attrs.iter().filter(|a| a.name != "name").map(|a| (a.name.clone(), a.raw.clone()));
                        out.insert(e.name_span.start, (e.name.clone(), attrs.collect()));
                        e.children.iter().for_each(|c| walk(c, out));
                    }
                    walk(&root, &mut out);
                }
            }
            out
        });
        file.get(&span.start).cloned()
    }
}

impl Sample {
    /// The record as one JSON object, as the JSON target writes it.
    pub fn record_json(&self) -> String {
        json_object(&self.record)
    }

    /// The CSV header and the record's line as the product's CSV file has them.
    pub fn csv(&self) -> Result<String, String> {
        let (spec, fo) = &self.csv;
        targets::csv_lines(spec, fo, &Record::new(&self.columns), &Record::new(&self.record))
    }

    /// `{"product", "row", "record", "explain"}` (`explain` only when it was asked for).
    pub fn to_json(&self, explain: bool) -> serde_json::Value {
        let record: serde_json::Value = serde_json::from_str(&self.record_json()).unwrap_or(serde_json::Value::Null);
        let mut out = serde_json::json!({ "product": self.product, "row": self.row, "record": record });
        if explain {
            out["explain"] = self.explain.iter().map(Explained::to_json).collect();
        }
        out
    }

    /// The explanation as an aligned table: one line per statement.
    pub fn explain_table(&self) -> String {
        let mut rows: Vec<[String; 6]> =
            vec![["field", "element", "mode", "inputs", "stream", "value"].map(String::from)];
        for e in &self.explain {
            let inputs = e.inputs.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect::<Vec<_>>().join(" ");
            let value = match &e.value {
                Some(v) => shorten(&json_value(v), 60),
                None => "(not produced)".into(),
            };
            rows.push([e.name.clone(), e.element.clone(), e.mode.to_string(), inputs, e.drawn.describe(), value]);
        }
        let mut widths = [0usize; 6];
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = String::new();
        for r in &rows {
            let mut line = String::new();
            for (i, (c, w)) in r.iter().zip(widths).enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                line.push_str(c);
                if i + 1 < r.len() {
                    line.extend(std::iter::repeat_n(' ', w - c.chars().count()));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

impl Explained {
    pub fn to_json(&self) -> serde_json::Value {
        let inputs: serde_json::Map<String, serde_json::Value> =
            self.inputs.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
        let stream = match &self.drawn {
            Drawn::Nothing(why) => serde_json::json!({ "none": why }),
            Drawn::Stream { of, path, row, row_key, seed, draws } => serde_json::json!({
                "of": of,
                "path": path,
                "row": row,
                "row_key": format!("{row_key:#018x}"),
                "seed": format!("{seed:#018x}"),
                "draws": draws,
            }),
        };
        let value = match &self.value {
            Some(v) => serde_json::from_str(&json_value(v)).unwrap_or(serde_json::Value::Null),
            None => serde_json::Value::Null,
        };
        serde_json::json!({
            "name": self.name,
            "element": self.element,
            "mode": self.mode,
            "inputs": inputs,
            "stream": stream,
            "produced": self.value.is_some(),
            "value": value,
        })
    }
}

impl Drawn {
    fn describe(&self) -> String {
        match self {
            Drawn::Nothing(why) => format!("none ({why})"),
            Drawn::Stream { of, path, row, seed, draws, .. } => {
                let draws = match draws {
                    Some(1) => ", 1 draw".to_string(),
                    Some(n) => format!(", {n} draws"),
                    None => String::new(),
                };
                format!("{of} {path} row {row} seed {seed:#018x}{draws}")
            }
        }
    }
}

/// A record as the JSON target writes it (`@` keys dropped, `#text` maps unwrapped).
fn json_object(fields: &Fields) -> String {
    let rec = Record::new(fields);
    let plain = targets::plain_fields(&rec);
    let mut buf = String::from("{");
    for (i, (k, v)) in plain.iter().enumerate() {
        if i > 0 {
            buf.push_str(", ");
        }
        write_json_str(&mut buf, k);
        buf.push_str(": ");
        v.write_json(&mut buf);
    }
    buf.push('}');
    buf
}

fn json_value(v: &Value) -> String {
    let mut s = String::new();
    v.write_json(&mut s);
    s
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

/// Values drawn to move a stream from `start` to `end` (`None` past 100,000).
fn draws_between(start: &Stream, end: &Stream) -> Option<u64> {
    let mut s = start.clone();
    for n in 0..=100_000u64 {
        if &s == end {
            return Some(n);
        }
        s.next_u64();
    }
    None
}

fn mode_name(m: &Mode) -> &'static str {
    match m {
        Mode::Script(_) => "script",
        Mode::Constant(_) => "constant",
        Mode::Template(_) => "string",
        Mode::Values { .. } => "values",
        Mode::Generator(..) => "generator",
        Mode::Pattern(_) => "pattern",
        Mode::Weighted { .. } => "weighted source",
        Mode::Native(Native::Sequence(_)) => "sequence",
        Mode::Native(_) => "type",
        Mode::Entity(_) => "entity",
        Mode::Rows(_) => "source",
        Mode::WeightedRows { .. } => "weighted entity source",
        Mode::RowsExpr { .. } => "source script",
        Mode::Keep => "elements",
    }
}

impl<'m> Runtime<'m> {
    /// The sinks of `g` in a sample run: the capture for the sought product and the database
    /// targets (their writes are rolled back); never a file.
    pub(super) fn open_sample_sinks(&mut self, g: &'m Generate) -> Result<Vec<usize>, RunError> {
        let mut keys = Vec::new();
        if let Some(s) = self.sample.as_deref().filter(|s| s.target == g.name) {
            self.sinks.push(Box::new(CaptureSink(s.capture.clone())));
            keys.push(self.sinks.len() - 1);
        }
        for t in &g.targets {
            if let Target::Database { db, table, op } = t {
                keys.push(self.open_db_sink(g, db, table, *op)?);
            }
        }
        Ok(keys)
    }

    /// [`Runtime::exec_body`] of a sought record, noting how each statement produced its value.
    pub(super) fn exec_body_traced(&mut self, body: &'m [Stmt]) -> Result<Flow, RunError> {
        if let Some(s) = self.sample.as_deref_mut() {
            s.trace.clear();
        }
        self.trace_body(body)
    }

    fn trace_body(&mut self, body: &'m [Stmt]) -> Result<Flow, RunError> {
        for s in body {
            if self.trace_stmt(s)? == Flow::Exhausted {
                return Ok(Flow::Exhausted);
            }
        }
        Ok(Flow::Continue)
    }

    fn trace(&mut self, e: Explained) {
        if let Some(s) = self.sample.as_deref_mut() {
            s.trace.push(e);
        }
    }

    fn path_of(&self, key: PathKey) -> String {
        match self.model.paths.get(&key.0) {
            Some(p) => p.to_string(),
            None => format!("(statement key {:#018x})", key.0),
        }
    }

    fn slot_value(&self, dest: Dest) -> Option<Value> {
        self.frames.last().and_then(|f| f.get(dest.slot)).cloned()
    }

    fn trace_stmt(&mut self, s: &'m Stmt) -> Result<Flow, RunError> {
        let rk = self.row_key();
        let row = self.frames.last().map_or(0, |f| f.index);
        let element = |field: bool| if field { "key" } else { "variable" }.to_string();
        match s {
            Stmt::Field(f) => {
                // An entity read field by field gets its fields as in `exec_stmt`; the whole
                // object is made below too, to be shown (the same values by construction).
                if let Mode::Entity(EntitySpec { proj: Some(pr), .. }) = &f.mode {
                    self.entity_fields(f, pr)?;
                }
                // As `exec_stmt` does, keeping the stream to count its draws.
                let mut rng = Stream::for_field(rk, f.key);
                let start = rng.clone();
                let (value, flow) = match self.field_value(f, &mut rng, 0)? {
                    Some(Produced::Value(v)) => {
                        self.set_field(f.dest, v.clone());
                        (Some(v), Flow::Continue)
                    }
                    Some(Produced::Exhausted) => (None, Flow::Exhausted),
                    None => (None, Flow::Continue),
                };
                let drawn = match &f.mode {
                    Mode::Entity(spec) => Drawn::Stream {
                        of: "entity",
                        path: self.path_of(spec.key),
                        row,
                        row_key: rk,
                        seed: mix(spec.key.0, rk),
                        draws: None,
                    },
                    Mode::Generator(g, GenScope::PerExecution) if f.direct && !f.unique && g.value_at(0).is_some() => {
                        Drawn::Nothing("follows the record index")
                    }
                    _ if f.unique && super::pipeline::unique_by_index(f).is_some() => {
                        Drawn::Nothing("a keyed permutation of the record index")
                    }
                    Mode::Values { unique: true, .. } => Drawn::Nothing("the next value of a shuffled pool"),
                    _ => match draws_between(&start, &rng) {
                        Some(0) => Drawn::Nothing("no random draw"),
                        draws => Drawn::Stream {
                            of: "field",
                            path: self.path_of(f.key),
                            row,
                            row_key: rk,
                            seed: mix(rk, f.key.0),
                            draws,
                        },
                    },
                };
                let e = Explained {
                    name: f.name.to_string(),
                    element: element(f.dest.field),
                    mode: mode_name(&f.mode),
                    inputs: Vec::new(),
                    drawn,
                    value,
                    span: f.span,
                };
                self.trace(e);
                Ok(flow)
            }
            Stmt::Condition(bs) => match self.pick_branch(bs)? {
                Some(b) => self.trace_body(&b.body),
                None => Ok(Flow::Continue),
            },
            other => {
                let flow = self.exec_stmt(other)?;
                let keyed = |of, path, seed| Drawn::Stream { of, path, row, row_key: rk, seed, draws: None };
                let e = match other {
                    Stmt::NestedKey(n) => Some(Explained {
                        name: n.name.to_string(),
                        element: "nestedKey".into(),
                        mode: match n.mode {
                            NestedMode::Dict => "nestedKey dict",
                            NestedMode::List(_) => "nestedKey list",
                            NestedMode::Script(_) => "nestedKey script",
                            NestedMode::Source { .. } => "nestedKey source",
                            NestedMode::Enrich => "nestedKey enrich",
                        },
                        inputs: Vec::new(),
                        drawn: keyed("nestedKey", self.path_of(n.key), mix(rk, n.key.0)),
                        value: self.slot_value(n.dest),
                        span: n.span,
                    }),
                    Stmt::List(l) => Some(Explained {
                        name: l.name.to_string(),
                        element: "list".into(),
                        mode: "list",
                        inputs: Vec::new(),
                        drawn: keyed("list", self.path_of(l.key), mix(rk, l.key.0)),
                        value: self.slot_value(l.dest),
                        span: l.span,
                    }),
                    Stmt::Array(a) => Some(Explained {
                        name: a.name.to_string(),
                        element: "array".into(),
                        mode: "array",
                        inputs: Vec::new(),
                        drawn: keyed("field", self.path_of(a.key), mix(rk, a.key.0)),
                        value: self.slot_value(a.dest),
                        span: a.span,
                    }),
                    Stmt::Generate(g) => Some(Explained {
                        name: g.name.clone(),
                        element: "generate".into(),
                        mode: "nested product",
                        inputs: Vec::new(),
                        drawn: keyed("product", self.path_of(g.key), mix(mix(self.root64, g.key.0), rk)),
                        value: g.bind_slot.and_then(|slot| self.slot_value(Dest { slot, field: false })),
                        span: g.span,
                    }),
                    Stmt::Reference(r) => Some(Explained {
                        name: r.name.to_string(),
                        element: "reference".into(),
                        mode: "reference",
                        inputs: Vec::new(),
                        drawn: Drawn::Nothing("a row of a database table"),
                        value: r.columns.first().and_then(|(_, d)| self.slot_value(*d)),
                        span: r.span,
                    }),
                    _ => None,
                };
                if let Some(e) = e {
                    self.trace(e);
                }
                Ok(flow)
            }
        }
    }
}
