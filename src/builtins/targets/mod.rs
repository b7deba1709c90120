//! Output targets: the file exporters and the console/log sinks (dsl §8).
//!
//! Stage: the end of the pipeline and the only module that does I/O. Inputs: the `target="…"`
//! text of a `<generate>` ([`parse_targets`]) and, per exported product, a stream of
//! [`Record`]s. Outputs: files in the output directory, byte-compatible with datamimic-ce 4.3.0
//! (dsl §8.3), or lines on stdout/stderr.
//!
//! Invariants:
//! * A sink writes to a hidden temporary file `dir/.<base>.<ext>.tmp-<pid>` (`-1`, `-2`, … appended
//!   while that name is taken, e.g. by a second sink for the same name) and never touches the
//!   final name; [`Pending::commit`] renames it once the whole run succeeded, so a failed run
//!   leaves no half-written file behind under the final name. A sink dropped without
//!   [`Sink::finish`] removes its temporary file.
//! * Nothing is created before the first record: a product with 0 rows has no file
//!   (`finish` returns `Ok(None)`).
//! * Records are written as they arrive (XLSX alone buffers its rows, because the header is the
//!   union of all keys and the workbook is one zip archive), and the per-row path reuses one
//!   `String` buffer per sink.
//! * Every target except XML sees records with `@`-prefixed keys dropped and `{"#text": v}`
//!   maps replaced by `v`, recursively (dsl §3.9); XML renders them as attributes and text.
//! * Output depends only on the records: no clock, no randomness (the XLSX creation time is a
//!   fixed constant).

use std::borrow::Cow;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::parser::expr::ast::{Expr, ExprKind, UnOp};
use crate::parser::expr::parse_expr;
use crate::vm::value::{Map, Value};

mod console;
pub(crate) mod csv;
mod dbunit;
mod fixed_width;
mod json;
mod txt;
mod xlsx;
mod xml;

pub(crate) use fixed_width::parse_columns as fixed_width_columns;

/// One record: its fields in order.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    pub fields: &'a [(Arc<str>, Value)],
}

impl<'a> Record<'a> {
    pub fn new(fields: &'a [(Arc<str>, Value)]) -> Record<'a> {
        Record { fields }
    }

    /// The value of field `name`, if present.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.fields.iter().find(|(k, _)| &**k == name).map(|(_, v)| v)
    }
}

/// The exporters this module implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetKind {
    /// `CSV` → `.csv`
    Csv,
    /// `JSON` → `.json` (`.ndjson` with `use_ndjson=True`)
    Json,
    /// `XML` → `.xml`
    Xml,
    /// `TXT` → `.txt`
    Txt,
    /// `XLSX` → `.xlsx`
    Xlsx,
    /// `DbUnit` → `.dbunit.xml`
    DbUnit,
    /// `FixedWidth(columns='…')` → `.fcw`
    FixedWidth,
    /// `ConsoleExporter` → stdout
    Console,
    /// `LogExporter` → stderr
    Log,
}

impl TargetKind {
    /// The name used in `target="…"`.
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Csv => "CSV",
            TargetKind::Json => "JSON",
            TargetKind::Xml => "XML",
            TargetKind::Txt => "TXT",
            TargetKind::Xlsx => "XLSX",
            TargetKind::DbUnit => "DbUnit",
            TargetKind::FixedWidth => "FixedWidth",
            TargetKind::Console => "ConsoleExporter",
            TargetKind::Log => "LogExporter",
        }
    }

    /// Exact, case-sensitive lookup of a target name (as datamimic does).
    pub fn from_name(name: &str) -> Option<TargetKind> {
        Some(match name {
            "CSV" => TargetKind::Csv,
            "JSON" => TargetKind::Json,
            "XML" => TargetKind::Xml,
            "TXT" => TargetKind::Txt,
            "XLSX" => TargetKind::Xlsx,
            "DbUnit" => TargetKind::DbUnit,
            "FixedWidth" => TargetKind::FixedWidth,
            "ConsoleExporter" => TargetKind::Console,
            "LogExporter" => TargetKind::Log,
            _ => return None,
        })
    }

    /// `true` for the kinds that write a file (all but console and log).
    pub fn is_file(self) -> bool {
        !matches!(self, TargetKind::Console | TargetKind::Log)
    }
}

/// A target with its keyword parameters, e.g. `CSV(delimiter=';')`.
#[derive(Clone, Debug)]
pub struct TargetSpec {
    pub kind: TargetKind,
    pub params: Vec<(String, Value)>,
}

impl TargetSpec {
    pub fn new(kind: TargetKind) -> TargetSpec {
        TargetSpec { kind, params: Vec::new() }
    }

    /// The parameter `name`; a `None` literal counts as absent (datamimic reads parameters
    /// with `params.get(name)`).
    pub fn param(&self, name: &str) -> Option<&Value> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v).filter(|v| !v.is_null())
    }

    /// A string parameter; the empty string counts as absent (datamimic's `param or default`).
    fn str_param(&self, name: &str) -> Option<&str> {
        self.param(name).and_then(Value::as_str).filter(|s| !s.is_empty())
    }

    fn bool_param(&self, name: &str) -> bool {
        matches!(self.param(name), Some(Value::Bool(true)))
    }

    fn int_param(&self, name: &str) -> Option<i64> {
        match self.param(name) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        }
    }
}

/// One item of `target="…"`.
#[derive(Clone, Debug)]
pub enum TargetItem {
    /// A file exporter, `ConsoleExporter` or `LogExporter`.
    File(TargetSpec),
    /// Anything else, resolved by the engine against the model: a memstore id, a database
    /// client id, `client.update|upsert|delete`, `TestResultExporter`, or an unknown name
    /// (the engine reports it: DM401 statically, an error when the generate starts). Keyword
    /// parameters given to such items are ignored, as datamimic does.
    Other(String),
}

/// Setup-level defaults that file targets need.
#[derive(Clone, Debug)]
pub struct FileOptions {
    /// `<setup defaultSeparator>`: the CSV delimiter unless `delimiter=` is given.
    pub separator: String,
    /// `<setup defaultLineSeparator>`: the TXT line end.
    pub line_separator: String,
    /// The product name: the TXT/console/log line prefix and the DbUnit table name.
    pub name: String,
    /// A later shard of the product (`--shard`): records come before this file's, so it starts
    /// without the header or opening text and separates its first record as a later one.
    pub continued: bool,
    /// Records follow in a later shard: the file ends without its closing text.
    pub open_end: bool,
    /// Write and hash the file on a thread of its own (runs with more than one thread);
    /// otherwise on the thread that formats the records.
    pub background: bool,
}

impl Default for FileOptions {
    fn default() -> Self {
        FileOptions {
            separator: "|".into(),
            line_separator: "\n".into(),
            name: String::new(),
            continued: false,
            open_end: false,
            background: false,
        }
    }
}

/// A consumer of one product's records.
pub trait Sink: Send {
    /// Writes one record (files: into the temporary file).
    fn write(&mut self, rec: &Record) -> Result<(), String>;
    /// Completes the output. File sinks return the temporary file to commit, or `None` when
    /// no record was written (no file exists then); console and log return `None`.
    fn finish(self: Box<Self>) -> Result<Option<Pending>, String>;
    /// Takes what the first record decides (CSV: the columns) from a record that belongs to
    /// an earlier shard or window and is not written.
    fn prime(&mut self, _rec: &Record) {}

    /// For a CSV file past its header whose columns are exactly `names`: how to write cells
    /// into a line for [`Sink::write_line`] (records formatted without a `Record`).
    fn csv_cells(&mut self, _names: &[Arc<str>]) -> Option<csv::CsvCells> {
        None
    }

    /// Writes one record already formatted as a line of `n_fields` cells (no line end; the
    /// sink may append to `line`), after [`Sink::csv_cells`] agreed.
    fn write_line(&mut self, _line: &mut String, _n_fields: usize) -> Result<(), String> {
        Err("this target cannot take pre-formatted lines".into())
    }
    /// A copy of this sink in its current state (past its header and its records so far)
    /// that writes into memory: parallel workers format their chunks of records with it, and
    /// the chunks are appended to this sink in record order. `None` when the format cannot be
    /// produced in pieces.
    fn fork(&self) -> Option<Box<dyn Sink>> {
        None
    }
    /// The product ended early inside this shard: write the closing text after all.
    fn end_here(&mut self) {}
    /// A record of another shard went by unwritten: before this file's records it means the
    /// file continues another (no header), after them that another continues it (no footer).
    fn skipped(&mut self) {}
    /// The bytes and the number of records a fork produced since the last call; the fork
    /// goes on in `next` (a buffer to reuse; emptied).
    fn drain(&mut self, _next: Vec<u8>) -> (Vec<u8>, u64) {
        (Vec::new(), 0)
    }
    /// Appends what a fork of this sink produced.
    fn append(&mut self, _bytes: &[u8], _rows: u64) -> Result<(), String> {
        Err("this target cannot take records formatted in parallel".into())
    }
    /// [`Sink::append`] of bytes given away: a file sink writes them (or hands them to its
    /// writer thread) without copying them. Returns the buffer when it can be used again.
    fn append_owned(&mut self, bytes: Vec<u8>, rows: u64) -> Result<Option<Vec<u8>>, String> {
        self.append(&bytes, rows)?;
        Ok(Some(bytes))
    }
}

/// `drain` and `append` of a sink whose output is its `out: FileOut`.
macro_rules! file_sink_pieces {
    () => {
        fn drain(&mut self, next: Vec<u8>) -> (Vec<u8>, u64) {
            self.out.drain(next)
        }
        fn append(&mut self, bytes: &[u8], rows: u64) -> Result<(), String> {
            self.out.append(bytes, rows)
        }
        fn append_owned(&mut self, bytes: Vec<u8>, rows: u64) -> Result<Option<Vec<u8>>, String> {
            self.out.append_owned(bytes, rows)
        }
        fn end_here(&mut self) {
            self.out.open_end = false;
        }
        fn skipped(&mut self) {
            if self.out.rows == 0 {
                self.out.continued = true;
            } else {
                self.out.open_end = true;
            }
        }
    };
}
pub(crate) use file_sink_pieces;

/// A finished output file waiting under its temporary name.
#[derive(Clone, Debug)]
pub struct Pending {
    /// The temporary file holding the complete output.
    pub tmp: PathBuf,
    /// The final name.
    pub path: PathBuf,
    /// Records written.
    pub rows: u64,
    /// BLAKE3 of the file's bytes, lower-case hex.
    pub blake3: String,
}

impl Pending {
    /// Moves the file to its final name (replacing a file of that name).
    ///
    /// An old file of that name is removed first: renaming over it would make the file
    /// system write the whole new file out before the rename returns (ext4's replace-by-rename
    /// heuristic), which costs as much as generating a large file. The run's output is not
    /// fsynced anyway (it can be generated again, byte for byte).
    pub fn commit(&self) -> io::Result<()> {
        // Nothing there, or not a plain file (a folder, say: the rename reports it).
        let _ = fs::remove_file(&self.path);
        fs::rename(&self.tmp, &self.path)
    }

    /// Removes the temporary file.
    pub fn discard(&self) {
        let _ = fs::remove_file(&self.tmp);
    }
}

// ---------------------------------------------------------------------------------------------
// target="…" parsing
// ---------------------------------------------------------------------------------------------

/// Parses a `target` attribute (dsl §8.1): the inside of a Python list, each item `Name`,
/// `Name(kw=literal, …)`, `client.op` or a quoted string naming a target. Known exporter names
/// (case-sensitive) become [`TargetItem::File`] with validated parameters; every other name is
/// returned as [`TargetItem::Other`] for the engine to resolve. Duplicates collapse (order is
/// kept otherwise); two different specs writing the same file (`CSV,CSV(delimiter=';')`) are an
/// error. An empty or all-comma text gives no targets.
pub fn parse_targets(text: &str) -> Result<Vec<TargetItem>, String> {
    if text.chars().all(|c| c == ',' || c.is_whitespace()) {
        return Ok(Vec::new());
    }
    let list = parse_expr(&format!("[{text}]")).map_err(|e| format!("invalid target '{text}': {}", e.message))?;
    let ExprKind::List(elts) = list.kind else {
        return Err(format!("invalid target '{text}': not a list of targets"));
    };
    let mut out: Vec<TargetItem> = Vec::new();
    for e in &elts {
        let item = parse_item(e)?;
        match &item {
            TargetItem::Other(name) => {
                if out.iter().any(|t| matches!(t, TargetItem::Other(n) if n == name)) {
                    continue;
                }
            }
            TargetItem::File(spec) => {
                let same_output = out.iter().find_map(|t| match t {
                    TargetItem::File(s)
                        if s.kind == spec.kind
                            && extension(&s.kind, &s.params) == extension(&spec.kind, &spec.params) =>
                    {
                        Some(s)
                    }
                    _ => None,
                });
                if let Some(prev) = same_output {
                    if same_params(&prev.params, &spec.params) {
                        continue;
                    }
                    return Err(format!(
                        "targets {} and {} write the same output; keep one",
                        display_spec(prev),
                        display_spec(spec)
                    ));
                }
            }
        }
        out.push(item);
    }
    Ok(out)
}

fn parse_item(e: &Expr) -> Result<TargetItem, String> {
    let (name, kwargs) = match &e.kind {
        ExprKind::Str(s) => (s.trim().to_string(), None),
        ExprKind::Name(_) | ExprKind::Attr(..) => (dotted_name(e)?, None),
        ExprKind::Call(func, args, kwargs) => {
            let name = dotted_name(func)?;
            if !args.is_empty() {
                return Err(format!(
                    "target {name}: parameters must be given as keyword=value, e.g. {name}(delimiter=';')"
                ));
            }
            (name, Some(kwargs))
        }
        _ => {
            return Err(
                "unsupported target item: expected Name, Name(key=value, …), client.operation or a quoted name".into()
            )
        }
    };
    if name.is_empty() {
        return Err("empty target name".into());
    }
    let Some(kind) = TargetKind::from_name(&name) else {
        return Ok(TargetItem::Other(name));
    };
    let mut spec = TargetSpec::new(kind);
    for (k, v) in kwargs.into_iter().flatten() {
        if spec.params.iter().any(|(p, _)| p == k) {
            return Err(format!("target {name}: parameter '{k}' given twice"));
        }
        let value =
            literal(v).map_err(|what| format!("target {name}: parameter '{k}' must be a literal, got {what}"))?;
        spec.params.push((k.clone(), value));
    }
    validate(&spec)?;
    Ok(TargetItem::File(spec))
}

fn dotted_name(e: &Expr) -> Result<String, String> {
    match &e.kind {
        ExprKind::Name(n) => Ok(n.clone()),
        ExprKind::Attr(base, attr, _) => Ok(format!("{}.{attr}", dotted_name(base)?)),
        _ => Err("unsupported target item: expected a name or client.operation".into()),
    }
}

/// Python `ast.literal_eval` over the expression subset.
fn literal(e: &Expr) -> Result<Value, &'static str> {
    Ok(match &e.kind {
        ExprKind::None => Value::Null,
        ExprKind::Bool(b) => Value::Bool(*b),
        ExprKind::Int(i) => Value::Int(*i),
        ExprKind::Float(f) => Value::Float(*f),
        ExprKind::Str(s) => Value::str(s),
        ExprKind::Bytes(b) => Value::Bytes(b.as_slice().into()),
        ExprKind::Unary(op @ (UnOp::Neg | UnOp::Pos), inner) => match (op, literal(inner)?) {
            (UnOp::Neg, Value::Int(i)) => Value::Int(i.checked_neg().ok_or("an out-of-range int")?),
            (UnOp::Neg, Value::Float(f)) => Value::Float(-f),
            (UnOp::Pos, v @ (Value::Int(_) | Value::Float(_))) => v,
            _ => return Err("an expression"),
        },
        ExprKind::List(items) => Value::list(items.iter().map(literal).collect::<Result<_, _>>()?),
        ExprKind::Tuple(items) => Value::Tuple(Arc::new(items.iter().map(literal).collect::<Result<_, _>>()?)),
        ExprKind::Dict(pairs) => {
            let mut m = Map::new();
            for (k, v) in pairs {
                let Value::Str(k) = literal(k)? else {
                    return Err("a dict with non-string keys");
                };
                m.insert(k, literal(v)?);
            }
            Value::map(m)
        }
        ExprKind::Name(_) | ExprKind::Attr(..) => return Err("a name"),
        _ => return Err("an expression"),
    })
}

fn same_params(a: &[(String, Value)], b: &[(String, Value)]) -> bool {
    let norm = |p: &[(String, Value)]| {
        let mut v: Vec<(String, String)> =
            // `None` and `False` are every parameter's default.
            p.iter()
                .filter(|(_, v)| !matches!(v, Value::Null | Value::Bool(false)))
                .map(|(k, v)| (k.clone(), v.dedup_key()))
                .collect();
        v.sort();
        v
    };
    norm(a) == norm(b)
}

fn display_spec(s: &TargetSpec) -> String {
    if s.params.is_empty() {
        return s.kind.name().to_string();
    }
    let args: Vec<String> = s.params.iter().map(|(k, v)| format!("{k}={}", v.py_repr())).collect();
    format!("{}({})", s.kind.name(), args.join(", "))
}

// ---------------------------------------------------------------------------------------------
// parameter validation
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum PType {
    /// Any string.
    Str,
    /// A one-character string (Python's csv dialect fields); empty means "default".
    Char,
    /// A positive int.
    PosInt,
    /// An int in a range.
    IntIn(i64, i64),
    Bool,
    /// A list of strings, or a string holding a Python list literal (datamimic literal-evals it).
    StrList,
}

impl PType {
    fn describe(self) -> String {
        match self {
            PType::Str => "a string".into(),
            PType::Char => "a 1-character string".into(),
            PType::PosInt => "a positive int".into(),
            PType::IntIn(lo, hi) => format!("an int from {lo} to {hi}"),
            PType::Bool => "True or False".into(),
            PType::StrList => "a list of strings".into(),
        }
    }
}

/// Parameters every file exporter accepts. `chunk_size` is accepted and validated, but files
/// are not rotated: a product always goes to one file (the conformance contract; a [`Sink`]
/// finishes into a single [`Pending`]).
const FILE_COMMON: &[(&str, PType)] = &[("chunk_size", PType::PosInt), ("encoding", PType::Str)];

fn kind_params(kind: TargetKind) -> &'static [(&'static str, PType)] {
    match kind {
        TargetKind::Csv => &[
            ("delimiter", PType::Char),
            ("quotechar", PType::Char),
            ("quoting", PType::IntIn(0, 5)),
            ("fieldnames", PType::StrList),
            // Accepted for compatibility; 4.3.0 always ends CSV lines with `\r\n`.
            ("line_terminator", PType::Str),
        ],
        TargetKind::Json => &[("use_ndjson", PType::Bool)],
        TargetKind::Xml => &[("root_element", PType::Str), ("item_element", PType::Str)],
        // `delimiter` is accepted for compatibility; datamimic's TXT exporter never uses it.
        TargetKind::Txt => &[("line_terminator", PType::Str), ("delimiter", PType::Str)],
        TargetKind::Xlsx => &[("sheet_name", PType::Str)],
        TargetKind::DbUnit => &[],
        TargetKind::FixedWidth => &[("columns", PType::Str)],
        TargetKind::Console | TargetKind::Log => &[],
    }
}

/// Checks parameter names and types; an error names the parameter.
pub fn validate(spec: &TargetSpec) -> Result<(), String> {
    let name = spec.kind.name();
    let own = kind_params(spec.kind);
    let common: &[(&str, PType)] = if spec.kind.is_file() { FILE_COMMON } else { &[] };
    for (k, v) in &spec.params {
        let Some(&(_, ty)) = own.iter().chain(common).find(|(p, _)| p == k) else {
            let known: Vec<&str> = own.iter().chain(common).map(|(p, _)| *p).collect();
            return Err(if known.is_empty() {
                format!("target {name}: unknown parameter '{k}' ({name} takes no parameters)")
            } else {
                format!("target {name}: unknown parameter '{k}' (expected one of: {})", known.join(", "))
            });
        };
        if v.is_null() {
            continue;
        }
        let ok = match (ty, v) {
            (PType::Str, Value::Str(_)) => true,
            (PType::Char, Value::Str(s)) => s.chars().count() <= 1,
            (PType::PosInt, Value::Int(i)) => *i > 0,
            (PType::IntIn(lo, hi), Value::Int(i)) => (lo..=hi).contains(i),
            (PType::Bool, Value::Bool(_)) => true,
            (PType::StrList, _) => string_list(v).is_ok(),
            _ => false,
        };
        if !ok {
            return Err(format!(
                "target {name}: parameter '{k}' must be {}, got {} {}",
                ty.describe(),
                v.type_name(),
                v.py_repr()
            ));
        }
    }
    if spec.kind == TargetKind::FixedWidth {
        match spec.str_param("columns") {
            None => {
                return Err("target FixedWidth requires a 'columns' parameter, e.g. \
                            FixedWidth(columns='id[8r0],name[30]')"
                    .into())
            }
            Some(c) => {
                fixed_width::parse_columns(c).map_err(|e| format!("target FixedWidth: {e}"))?;
            }
        }
    }
    if let Some(enc) = spec.str_param("encoding") {
        Encoding::lookup(enc).map_err(|e| format!("target {name}: {e}"))?;
    }
    Ok(())
}

/// `fieldnames=`: a list of strings, or a string with a Python list literal in it.
fn string_list(v: &Value) -> Result<Vec<Arc<str>>, ()> {
    let list = match v {
        Value::Str(s) => {
            let e = parse_expr(s).map_err(|_| ())?;
            literal(&e).map_err(|_| ())?
        }
        other => other.clone(),
    };
    match list {
        Value::List(items) | Value::Tuple(items) => items
            .iter()
            .map(|i| match i {
                Value::Str(s) => Ok(s.clone()),
                _ => Err(()),
            })
            .collect(),
        _ => Err(()),
    }
}

// ---------------------------------------------------------------------------------------------
// opening sinks
// ---------------------------------------------------------------------------------------------

/// The file extension (without dot) of a target; empty for console and log.
pub fn extension(kind: &TargetKind, params: &[(String, Value)]) -> &'static str {
    match kind {
        TargetKind::Csv => "csv",
        TargetKind::Json => {
            let ndjson = params.iter().any(|(k, v)| k == "use_ndjson" && matches!(v, Value::Bool(true)));
            if ndjson {
                "ndjson"
            } else {
                "json"
            }
        }
        TargetKind::Xml => "xml",
        TargetKind::Txt => "txt",
        TargetKind::Xlsx => "xlsx",
        TargetKind::DbUnit => "dbunit.xml",
        TargetKind::FixedWidth => "fcw",
        TargetKind::Console | TargetKind::Log => "",
    }
}

/// Opens a sink for one product: file targets write `dir/base.<ext>` (through a temporary
/// file, created at the first record); console and log ignore `dir` and `base`.
pub fn open(spec: &TargetSpec, dir: &Path, base: &str, opts: &FileOptions) -> Result<Box<dyn Sink>, String> {
    validate(spec)?;
    let encoding = match spec.str_param("encoding") {
        Some(e) => Encoding::lookup(e)?,
        None => Encoding::Utf8,
    };
    let ext = extension(&spec.kind, &spec.params);
    let file = || {
        let mut f = FileOut::new(dir, base, ext, encoding);
        f.continued = opts.continued;
        f.open_end = opts.open_end;
        f.background = opts.background;
        f
    };
    Ok(match spec.kind {
        TargetKind::Csv => Box::new(csv::CsvSink::new(spec, opts, file())?),
        TargetKind::Json => Box::new(json::JsonSink::new(spec.bool_param("use_ndjson"), file())),
        TargetKind::Xml => Box::new(xml::XmlSink::new(
            spec.str_param("root_element").unwrap_or("list"),
            spec.str_param("item_element").unwrap_or("item"),
            spec.str_param("encoding"),
            file(),
        )),
        TargetKind::Txt => {
            let eol = spec.str_param("line_terminator").unwrap_or(&opts.line_separator);
            let eol = if eol.is_empty() { "\n" } else { eol };
            Box::new(txt::TxtSink::new(&opts.name, eol, file()))
        }
        TargetKind::Xlsx => Box::new(xlsx::XlsxSink::new(spec.str_param("sheet_name").unwrap_or("data"), file())),
        TargetKind::DbUnit => {
            Box::new(dbunit::DbUnitSink::new(&opts.name, spec.str_param("encoding").unwrap_or("utf-8"), file()))
        }
        TargetKind::FixedWidth => {
            let columns = spec.str_param("columns").unwrap_or_default();
            Box::new(fixed_width::FixedWidthSink::new(columns, file())?)
        }
        TargetKind::Console => Box::new(console::ConsoleSink::new(&opts.name)),
        TargetKind::Log => Box::new(console::LogSink::new(&opts.name)),
    })
}

/// The header line and the line of `rec` that the CSV target `spec` writes when `first` is
/// the first record of its file (the record that decides the columns), each ending in `\r\n`.
/// Nothing is written anywhere (`datamimic sample --format csv`).
pub fn csv_lines(spec: &TargetSpec, opts: &FileOptions, first: &Record, rec: &Record) -> Result<String, String> {
    let mut sink = csv::CsvSink::new(spec, opts, FileOut::memory())?;
    sink.prime(first);
    let names = sink.columns();
    if !names.is_empty() {
        // The header row, written as a record of strings (quoted as the header would be).
        let header: Vec<(Arc<str>, Value)> = names.iter().map(|n| (n.clone(), Value::Str(n.clone()))).collect();
        sink.write(&Record::new(&header))?;
    }
    sink.write(rec)?;
    let (bytes, _) = sink.drain(Vec::new());
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------------------
// the temporary output file
// ---------------------------------------------------------------------------------------------

/// Text encodings of the `encoding=` parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    /// UTF-8 with a byte order mark (`utf-8-sig`).
    Utf8Sig,
    Latin1,
    Ascii,
}

impl Encoding {
    fn lookup(name: &str) -> Result<Encoding, String> {
        let n = name.trim().to_ascii_lowercase().replace('_', "-");
        Ok(match n.as_str() {
            "utf-8" | "utf8" | "u8" | "utf" => Encoding::Utf8,
            "utf-8-sig" | "utf8-sig" => Encoding::Utf8Sig,
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "8859" | "l1" => Encoding::Latin1,
            "ascii" | "us-ascii" | "646" => Encoding::Ascii,
            _ => return Err(format!("unsupported encoding '{name}' (supported: utf-8, utf-8-sig, latin-1, ascii)")),
        })
    }
}

/// Bytes gathered before a chunk is written.
const CHUNK: usize = 1024 * 1024;

/// The digest of an output file: BLAKE3, the manifest's file hash.
pub(crate) type FileHasher = blake3::Hasher;

/// The manifest's text of a file digest: lower-case hex.
pub(crate) fn digest_text(h: &FileHasher) -> String {
    h.finalize().to_hex().to_string()
}

/// A buffered file writer that feeds every chunk it writes into the file's BLAKE3 digest.
/// Chunks are written in order; the first I/O error is reported (at once when writing here,
/// by `finish` when writing on a thread).
struct ChunkWriter {
    buf: Vec<u8>,
    out: WriteOn,
}

/// Where a [`ChunkWriter`]'s chunks are written and hashed.
enum WriteOn {
    /// On the calling thread (a run with one thread uses one thread).
    Here { file: File, hasher: Box<FileHasher> },
    /// On a thread of its own, so neither the system call nor the hashing costs the
    /// generating thread time (runs with more threads, where a product that cannot be split
    /// into chunks still overlaps generating and writing).
    Thread {
        tx: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
        /// Buffers the thread is done with, for reuse.
        spare: std::sync::mpsc::Receiver<Vec<u8>>,
        worker: Option<std::thread::JoinHandle<io::Result<String>>>,
    },
}

impl ChunkWriter {
    fn new(mut file: File, background: bool) -> ChunkWriter {
        let buf = Vec::with_capacity(CHUNK);
        if !background {
            return ChunkWriter { buf, out: WriteOn::Here { file, hasher: Box::new(FileHasher::new()) } };
        }
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
        let (spare_tx, spare) = std::sync::mpsc::channel::<Vec<u8>>();
        let worker = std::thread::spawn(move || {
            let mut hasher = FileHasher::new();
            let mut err = None;
            for chunk in rx {
                if err.is_none() {
                    if let Err(e) = file.write_all(&chunk) {
                        err = Some(e);
                    }
                }
                hasher.update(&chunk);
                let _ = spare_tx.send(chunk);
            }
            match err {
                Some(e) => Err(e),
                None => file.flush().map(|_| digest_text(&hasher)),
            }
        });
        ChunkWriter { buf, out: WriteOn::Thread { tx: Some(tx), spare, worker: Some(worker) } }
    }

    /// Writes (or hands to the thread) what is buffered.
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        match &mut self.out {
            WriteOn::Here { file, hasher } => {
                file.write_all(&self.buf)?;
                hasher.update(&self.buf);
                self.buf.clear();
                Ok(())
            }
            WriteOn::Thread { tx, spare, .. } => {
                let next = spare.try_recv().map(|mut b| {
                    b.clear();
                    b
                });
                let chunk = std::mem::replace(&mut self.buf, next.unwrap_or_else(|_| Vec::with_capacity(CHUNK)));
                match tx {
                    Some(tx) if tx.send(chunk).is_ok() => Ok(()),
                    _ => Err(io::Error::other("the file writer stopped")),
                }
            }
        }
    }

    /// Writes `chunk` after what is buffered (in order), without copying it; returns the
    /// buffer for reuse when it is done with it.
    fn send_owned(&mut self, chunk: Vec<u8>) -> io::Result<Option<Vec<u8>>> {
        self.send()?;
        match &mut self.out {
            WriteOn::Here { file, hasher } => {
                file.write_all(&chunk)?;
                hasher.update(&chunk);
                Ok(Some(chunk))
            }
            WriteOn::Thread { tx, spare, .. } => {
                match tx {
                    Some(tx) if tx.send(chunk).is_ok() => {}
                    _ => return Err(io::Error::other("the file writer stopped")),
                }
                // Pieces given away come back as spare buffers: hand one back, free the rest
                // (`send` needs few of them: the chunk buffer fills rarely here).
                let back = spare.try_recv().ok();
                while spare.try_recv().is_ok() {}
                Ok(back)
            }
        }
    }

    /// Writes what is left and returns the digest of everything written ([`digest_text`]).
    fn finish(mut self) -> io::Result<String> {
        let sent = self.send();
        match &mut self.out {
            WriteOn::Here { file, hasher } => {
                sent?;
                file.flush()?;
                Ok(digest_text(hasher))
            }
            WriteOn::Thread { tx, worker, .. } => {
                *tx = None;
                let joined = match worker.take().map(|w| w.join()) {
                    Some(Ok(r)) => r,
                    _ => Err(io::Error::other("the file writer failed")),
                };
                sent.and(joined)
            }
        }
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for ChunkWriter {
    /// An abandoned writer (a failed run) stops its thread before the file is removed.
    fn drop(&mut self) {
        if let WriteOn::Thread { tx, worker, .. } = &mut self.out {
            *tx = None;
            if let Some(w) = worker.take() {
                let _ = w.join();
            }
        }
    }
}

/// The temporary file behind a file sink, opened at the first write.
pub(crate) struct FileOut {
    tmp: PathBuf,
    path: PathBuf,
    encoding: Encoding,
    w: Option<ChunkWriter>,
    /// A fork's output (memory mode): `Some` instead of a file.
    mem: Option<Vec<u8>>,
    /// `rows` at the last `drain` (memory mode).
    drained_rows: u64,
    /// See [`FileOptions::continued`].
    pub(crate) continued: bool,
    /// See [`FileOptions::open_end`].
    pub(crate) open_end: bool,
    /// See [`FileOptions::background`].
    background: bool,
    /// Scratch space for transcoding to a non-UTF-8 encoding.
    bytes: Vec<u8>,
    pub(crate) rows: u64,
    done: bool,
}

impl FileOut {
    fn new(dir: &Path, base: &str, ext: &str, encoding: Encoding) -> FileOut {
        let file_name = format!("{base}.{ext}");
        FileOut {
            tmp: dir.join(format!(".{file_name}.tmp-{}", std::process::id())),
            path: dir.join(file_name),
            encoding,
            w: None,
            mem: None,
            drained_rows: 0,
            continued: false,
            open_end: false,
            background: false,
            bytes: Vec::new(),
            rows: 0,
            done: false,
        }
    }

    pub(crate) fn is_open(&self) -> bool {
        self.w.is_some() || self.mem.is_some()
    }

    /// Whether records came before (written here, or in an earlier shard): no header then.
    pub(crate) fn started(&self) -> bool {
        self.is_open() || self.continued
    }

    /// Whether the closing text belongs in this file (no shard follows with more records).
    pub(crate) fn closes(&self) -> bool {
        self.rows > 0 && !self.open_end
    }

    /// A memory-mode output that has no file behind it (and is past its header).
    fn memory() -> FileOut {
        let mut f = FileOut::new(Path::new(""), "", "", Encoding::Utf8);
        f.mem = Some(Vec::new());
        // It owns no file: nothing to remove when it is dropped.
        f.done = true;
        f
    }

    /// A memory-mode copy past everything written so far (see [`Sink::fork`]); `None` before
    /// the file is open, when the fork would not know whether to write a header.
    pub(crate) fn fork(&self) -> Option<FileOut> {
        if !self.is_open() {
            return None;
        }
        Some(FileOut {
            tmp: self.tmp.clone(),
            path: self.path.clone(),
            encoding: self.encoding,
            w: None,
            mem: Some(Vec::new()),
            drained_rows: self.rows,
            continued: true,
            open_end: true,
            background: false,
            bytes: Vec::new(),
            rows: self.rows,
            // A fork owns no file: nothing to remove when it is dropped.
            done: true,
        })
    }

    /// The bytes and records of a memory-mode copy since the last call; `next` (emptied)
    /// holds the bytes from here on.
    pub(crate) fn drain(&mut self, mut next: Vec<u8>) -> (Vec<u8>, u64) {
        let rows = self.rows - self.drained_rows;
        self.drained_rows = self.rows;
        next.clear();
        let bytes = self.mem.as_mut().map(|m| {
            // The next piece is about as long: its buffer does not grow from nothing again.
            next.reserve(m.len());
            std::mem::replace(m, next)
        });
        (bytes.unwrap_or_default(), rows)
    }

    /// Appends bytes already in the file's encoding (a fork's output).
    pub(crate) fn append(&mut self, bytes: &[u8], rows: u64) -> Result<(), String> {
        let r = self.sink()?.write_all(bytes);
        r.map_err(|e| self.io_err(e))?;
        self.rows += rows;
        Ok(())
    }

    /// [`FileOut::append`] of bytes given away: large pieces are written as they are (no
    /// copy into the chunk buffer). Returns the buffer when it can be used again.
    pub(crate) fn append_owned(&mut self, bytes: Vec<u8>, rows: u64) -> Result<Option<Vec<u8>>, String> {
        if self.mem.is_some() || bytes.len() < CHUNK / 4 {
            self.append(&bytes, rows)?;
            return Ok(Some(bytes));
        }
        let r = self.writer()?.send_owned(bytes);
        let back = r.map_err(|e| self.io_err(e))?;
        self.rows += rows;
        Ok(back)
    }

    /// Where bytes go: the memory buffer of a fork, else the file (opened at the first call).
    fn sink(&mut self) -> Result<&mut dyn Write, String> {
        match self.mem {
            Some(ref mut m) => Ok(m),
            None => Ok(self.writer()?),
        }
    }

    fn io_err(&self, e: io::Error) -> String {
        format!("cannot write {}: {e}", self.path.display())
    }

    fn writer(&mut self) -> Result<&mut ChunkWriter, String> {
        if self.w.is_none() {
            if let Some(dir) = self.tmp.parent() {
                fs::create_dir_all(dir).map_err(|e| self.io_err(e))?;
            }
            let file = self.create_tmp()?;
            let mut w = ChunkWriter::new(file, self.background);
            if self.encoding == Encoding::Utf8Sig {
                w.write_all("\u{feff}".as_bytes()).map_err(|e| self.io_err(e))?;
            }
            self.w = Some(w);
        }
        let path = &self.path;
        self.w.as_mut().ok_or_else(|| format!("cannot write {}", path.display()))
    }

    /// Creates the temporary file under a name no other sink holds.
    fn create_tmp(&mut self) -> Result<File, String> {
        let base = self.tmp.clone();
        for n in 0u32.. {
            if n > 0 {
                let mut name = base.as_os_str().to_owned();
                name.push(format!("-{n}"));
                self.tmp = PathBuf::from(name);
            }
            match fs::OpenOptions::new().write(true).create_new(true).open(&self.tmp) {
                Ok(f) => return Ok(f),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 10_000 => continue,
                Err(e) => return Err(self.io_err(e)),
            }
        }
        unreachable!("the loop returns")
    }

    /// Writes text in the file's encoding (opening the file at the first call).
    pub(crate) fn write_str(&mut self, s: &str) -> Result<(), String> {
        match self.encoding {
            Encoding::Utf8 | Encoding::Utf8Sig => {
                let r = self.sink()?.write_all(s.as_bytes());
                r.map_err(|e| self.io_err(e))
            }
            Encoding::Latin1 | Encoding::Ascii => {
                let (limit, codec) =
                    if self.encoding == Encoding::Latin1 { (0xff, "latin-1") } else { (0x7f, "ascii") };
                let mut bytes = std::mem::take(&mut self.bytes);
                bytes.clear();
                for c in s.chars() {
                    if c as u32 > limit {
                        return Err(format!(
                            "cannot write {}: '{codec}' codec can't encode character '\\u{:04x}'",
                            self.path.display(),
                            c as u32
                        ));
                    }
                    bytes.push(c as u32 as u8);
                }
                let r = self.sink()?.write_all(&bytes);
                self.bytes = bytes;
                r.map_err(|e| self.io_err(e))
            }
        }
    }

    /// Writes raw bytes (XLSX).
    pub(crate) fn write_bytes(&mut self, b: &[u8]) -> Result<(), String> {
        let r = self.sink()?.write_all(b);
        r.map_err(|e| self.io_err(e))
    }

    /// Flushes and closes the file; `None` when nothing was ever written.
    pub(crate) fn finish(mut self) -> Result<Option<Pending>, String> {
        let Some(w) = self.w.take() else {
            self.done = true;
            return Ok(None);
        };
        let result = w.finish();
        match result {
            Ok(digest) => {
                self.done = true;
                Ok(Some(Pending { tmp: self.tmp.clone(), path: self.path.clone(), rows: self.rows, blake3: digest }))
            }
            Err(e) => Err(self.io_err(e)),
        }
    }
}

impl Drop for FileOut {
    /// A sink abandoned before `finish` (a failed run) leaves no temporary file behind.
    fn drop(&mut self) {
        if !self.done {
            self.w = None;
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// shared rendering helpers
// ---------------------------------------------------------------------------------------------

/// Python `str(v)` for a top-level cell. Same as [`Value::write_py_str`] except that a decimal
/// renders its digits (`1.50`), as `str(Decimal('1.50'))` does.
pub(crate) fn write_cell_str(out: &mut String, v: &Value) {
    match v {
        Value::Decimal(d) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{d}");
        }
        _ => v.write_py_str(out),
    }
}

/// `repr()` of a record as a Python dict: `{'id': 1, 'name': 'Ann'}`.
pub(crate) fn write_record_repr(out: &mut String, fields: &[(Arc<str>, Value)]) {
    out.push('{');
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        crate::vm::value::write_str_repr(out, k);
        out.push_str(": ");
        v.write_py_repr(out);
    }
    out.push('}');
}

/// The record as every non-XML target sees it: `@`-keys dropped, `{"#text": v}` → `v`
/// (dsl §3.9). Borrows when there is nothing to change, which is the common case.
pub(crate) fn plain_fields<'a>(rec: &Record<'a>) -> Cow<'a, [(Arc<str>, Value)]> {
    let needs = rec.fields.iter().any(|(k, v)| k.starts_with('@') || needs_plain(v));
    if !needs {
        return Cow::Borrowed(rec.fields);
    }
    Cow::Owned(
        rec.fields.iter().filter(|(k, _)| !k.starts_with('@')).map(|(k, v)| (k.clone(), plain_value(v))).collect(),
    )
}

fn needs_plain(v: &Value) -> bool {
    match v {
        Value::Map(m) => m.iter().any(|(k, v)| k.starts_with('@') || &**k == "#text" || needs_plain(v)),
        Value::List(l) | Value::Tuple(l) => l.iter().any(needs_plain),
        _ => false,
    }
}

fn plain_value(v: &Value) -> Value {
    match v {
        Value::Map(m) => {
            if !needs_plain(v) {
                return v.clone();
            }
            let mut out = Map::new();
            for (k, v) in m.iter() {
                if !k.starts_with('@') {
                    out.insert(k.clone(), plain_value(v));
                }
            }
            if out.len() == 1 {
                if let Some(text) = out.get("#text") {
                    return text.clone();
                }
            }
            Value::map(out)
        }
        Value::List(l) if needs_plain(v) => Value::list(l.iter().map(plain_value).collect()),
        Value::Tuple(l) if needs_plain(v) => Value::Tuple(Arc::new(l.iter().map(plain_value).collect())),
        _ => v.clone(),
    }
}

/// `xml.sax.saxutils.escape`: `&`, `<`, `>`.
pub(crate) fn xml_escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// `xml.sax.saxutils.quoteattr`: escaped and quoted, with single quotes when the value holds
/// `"` but no `'`.
pub(crate) fn quoteattr_into(out: &mut String, s: &str) {
    let has_dq = s.contains('"');
    let has_sq = s.contains('\'');
    let q = if has_dq && !has_sq { '\'' } else { '"' };
    out.push(q);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            '"' if q == '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out.push(q);
}

#[cfg(test)]
mod tests;
