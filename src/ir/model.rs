//! The lowered model: statements with compiled expressions, resolved generators, converters,
//! targets and frame layouts. Produced by [`crate::ir::lower`], run by [`crate::engine`].

use std::path::PathBuf;
use std::sync::Arc;

use crate::builtins::converters::Converter;
use crate::builtins::generators::Generator;
use crate::builtins::pattern::Pattern;
use crate::builtins::targets::TargetSpec;
use crate::domains::determinism::{AliasTable, PathKey, Seed};
use crate::ir::types::Ty;
use crate::source::Span;
use crate::vm::op::Chunk;
use crate::vm::value::Value;

/// A compiled expression with its static type.
#[derive(Clone, Debug)]
pub struct Expr {
    pub chunk: Chunk,
    pub ty: Ty,
}

/// Index of a statement's run-time state (counters, pools, iterators).
pub type StateId = u32;

/// Setup-wide settings.
#[derive(Clone, Debug)]
pub struct Settings {
    pub seed: Option<Seed>,
    pub separator: String,
    pub dataset: String,
    pub locale: String,
    pub line_separator: String,
    pub var_prefix: String,
    pub var_suffix: String,
    pub source_scripted: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            seed: None,
            separator: "|".into(),
            dataset: "US".into(),
            locale: "en".into(),
            line_separator: "\n".into(),
            var_prefix: "__".into(),
            var_suffix: "__".into(),
            source_scripted: false,
        }
    }
}

/// The whole lowered model.
#[derive(Debug)]
pub struct Model {
    pub settings: Settings,
    /// Setup variable names by global slot.
    pub globals: Vec<Arc<str>>,
    /// Properties by property slot.
    pub props: Vec<(Arc<str>, Arc<str>)>,
    pub body: Vec<Stmt>,
    /// Number of statement states ([`StateId`]s handed out).
    pub states: u32,
    /// Every file the model consists of (the model and its includes), for the manifest.
    pub files: Vec<PathBuf>,
    /// The directory relative paths resolve against.
    pub base_dir: PathBuf,
    /// The statement path behind every statement key (`/setup/generate[g]/key[id]`), for
    /// `datamimic sample --explain`; the run itself only uses the keys.
    pub paths: std::collections::BTreeMap<u64, Arc<str>>,
}

/// Names and kinds of the slots of one record frame.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub names: Vec<Arc<str>>,
    /// `true` for fields (exported), `false` for variables.
    pub is_field: Vec<bool>,
    /// `true` when the frame holds source rows of unknown shape.
    pub dynamic: bool,
    /// The scope's name (generate or nestedKey name): inner scopes are visible to expressions
    /// as a map under this name (dsl §2.2).
    pub scope_name: Option<Arc<str>>,
    /// `true` when a name holds `|` (`a|b` fields become nested maps): records of the common
    /// shape skip that pass without looking at their names.
    pub pipes: bool,
    /// `true` when no expression can read the record's keys from their slots (no name of a
    /// key, `this`, `parent`, `root` or run-time name is compiled in the scope): a flat
    /// record then formats its keys without storing them.
    pub keys_unread: bool,
}

impl Layout {
    pub fn slot(&mut self, name: &str, field: bool) -> u16 {
        if let Some(i) = self.names.iter().zip(&self.is_field).position(|(n, f)| &**n == name && *f == field) {
            return i as u16;
        }
        self.pipes |= name.contains('|');
        self.names.push(Arc::from(name));
        self.is_field.push(field);
        (self.names.len() - 1) as u16
    }
}

#[derive(Debug)]
pub enum Stmt {
    /// `<variable>` under `<setup>`: evaluated once.
    Global {
        slot: u16,
        field: Box<Field>,
    },
    Generate(Box<Generate>),
    /// `<key>`/`<id>`/`<variable>` inside a record.
    Field(Box<Field>),
    NestedKey(Box<NestedKey>),
    List(Box<ListStmt>),
    Array(Box<ArrayStmt>),
    Condition(Vec<Branch>),
    While {
        cond: Expr,
        max: u64,
        body: Vec<Stmt>,
        span: Span,
    },
    Echo {
        parts: Template,
        span: Span,
    },
    Assert {
        cond: Expr,
        message: Option<String>,
        span: Span,
    },
    /// `<include uri="{expr}">`: a descriptor named at run time (dsl §3.14).
    Include(Box<DynInclude>),
    /// `<database>`: connects the client when reached (dsl §3.17).
    Database(Box<crate::db::DbDecl>, Span),
    /// `<execute type="sql">`: runs a script on a database (dsl §3.15).
    Execute(Box<ExecuteSql>),
    /// `<reference>`: fields read from a row of a database table (dsl §3.8).
    Reference(Box<Reference>),
}

/// An `<include>` whose uri is an f-string: evaluated where the element stands, the file is
/// then loaded and lowered (once per distinct file) and run as a setup whose globals are the
/// names the include sees (setup variables, then the record's fields and variables).
#[derive(Debug)]
pub struct DynInclude {
    pub uri: Template,
    /// What the included file is lowered against.
    pub context: Arc<IncludeContext>,
    pub span: Span,
}

/// The lowering state at an `<include>` that a file lowered at run time continues from.
#[derive(Debug, Clone)]
pub struct IncludeContext {
    pub settings: Settings,
    pub props: Vec<(Arc<str>, Arc<str>)>,
    pub memstores: Vec<String>,
    /// Memstore entity → fields of the product stored into it.
    pub memstore_fields: Vec<(String, Vec<String>)>,
    /// `<generator>` (with the state id all its users share) and `<state-machine>` instances.
    pub named_generators: Vec<(String, Arc<Generator>, Option<StateId>)>,
    /// Element path of the include (`setup/generate[g]/include[…]`), for statement keys.
    pub path: Vec<String>,
    /// The directory relative uris resolve against.
    pub dir: PathBuf,
    /// The files being included around this one (cycles are errors).
    pub include_stack: Vec<PathBuf>,
}

#[derive(Debug)]
pub struct Branch {
    /// `None` for `<else>`.
    pub cond: Option<Expr>,
    pub body: Vec<Stmt>,
}

/// A text with `{expr}` parts (f-string body) or `__expr__` markers, compiled.
#[derive(Debug, Clone)]
pub enum TemplatePart {
    Lit(String),
    Expr(Expr),
}

pub type Template = Vec<TemplatePart>;

/// How many records a generate produces.
#[derive(Debug)]
pub enum Count {
    Fixed(u64),
    Expr(Expr),
    Range {
        min: u64,
        max: u64,
    },
    /// As many as the source has.
    Source,
}

/// Row order policy for sources (dsl §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Distribution {
    Random,
    Ordered,
    Cumulated,
}

/// Where source rows come from.
#[derive(Debug, Clone)]
pub enum SourceKind {
    /// Rows already loaded at compile time (CSV, JSON, XML files), typed values.
    Rows(Arc<Vec<Arc<crate::vm::value::Map>>>),
    /// A memstore entity.
    Memstore { store: String, entity: String },
    /// A script returning a list of maps.
    Script(Expr),
    /// A table or query of a declared database.
    Database { db: String, query: DbQuery },
}

/// What a database source reads.
#[derive(Debug, Clone)]
pub enum DbQuery {
    /// All rows of a table, in primary-key (or rowid) order.
    Table(String),
    /// A `selector` query; `__expr__` markers are interpolated when it runs.
    Selector(Template),
}

#[derive(Debug, Clone)]
pub struct Source {
    pub kind: SourceKind,
    pub distribution: Distribution,
    pub cyclic: bool,
    pub unique: bool,
    pub span: Span,
    /// Re-evaluate string values as templates (`sourceScripted`).
    pub scripted: bool,
    /// Interpolation markers for scripted sources (`variablePrefix`/`variableSuffix`).
    pub prefix: String,
    pub suffix: String,
}

/// A target of a generate.
#[derive(Debug, Clone)]
pub enum Target {
    File(TargetSpec),
    Memstore(String),
    /// A declared database: rows into `table` with `op` (`id`, `id.update`, …).
    Database {
        db: String,
        table: String,
        op: crate::db::DbOp,
    },
}

#[derive(Debug)]
pub struct Generate {
    pub name: String,
    /// Output base name (`targetEntity` or `name`).
    pub out_name: String,
    pub key: PathKey,
    pub state: StateId,
    /// Nesting depth (0 = top-level generate).
    pub depth: u16,
    pub count: Count,
    pub source: Option<Source>,
    pub targets: Vec<Target>,
    pub layout: Layout,
    pub body: Vec<Stmt>,
    pub converters: Vec<Converter>,
    /// Slot in the parent frame that receives the list of child records (nested only).
    pub bind_slot: Option<u16>,
    /// Time-series mode: (start, interval in microseconds, ticks, slot of `ts`).
    pub series: Option<(jiff::civil::DateTime, i64, u64, u16)>,
    pub export_uri: Option<String>,
    pub span: Span,
}

/// Where a produced value goes.
#[derive(Debug, Clone, Copy)]
pub struct Dest {
    pub slot: u16,
    pub field: bool,
}

/// How the raw value of a field is produced.
#[derive(Debug)]
pub enum Mode {
    Script(Expr),
    Constant(Value),
    Template(Template),
    Values {
        values: Arc<Vec<Value>>,
        weights: Option<AliasTable>,
        unique: bool,
    },
    Generator(Arc<Generator>, GenScope),
    Pattern(Pattern),
    /// Weighted values from a `.wgt.csv` file.
    Weighted {
        values: Arc<Vec<Value>>,
        table: AliasTable,
    },
    /// Random value of a type with optional ranges (`type`, `min`, `max`, …).
    Native(Native),
    /// `<variable entity=…>`.
    Entity(EntitySpec),
    /// `<variable source=…>`: an iterator over rows.
    Rows(Source),
    /// `<variable source="x.wgt.ent.csv">`: a weighted draw with replacement per record.
    WeightedRows {
        rows: Arc<Vec<Arc<crate::vm::value::Map>>>,
        table: AliasTable,
        source: Source,
    },
    /// `<variable source="expr">`: a list in scope, iterated.
    RowsExpr {
        expr: Expr,
        source: Source,
    },
    /// No value mode: the field stays unset (only `type` cast of an existing value).
    Keep,
}

/// Lifetime of a generator's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenScope {
    /// Restarts for each execution of the enclosing generate (IncrementGenerator).
    PerExecution,
    /// Lives for the whole run.
    Run,
    /// A `<generator name>` instance: one state, shared by every statement that names it.
    Shared(StateId),
}

#[derive(Debug, Clone)]
pub enum Native {
    Int { min: i64, max: i64 },
    Float { min: f64, max: f64, granularity: Option<f64>, decimals: u32 },
    Str { min_len: u32, max_len: u32 },
    Bool,
    Bytes { min_len: u32, max_len: u32 },
    Sequence(Arc<Generator>),
}

#[derive(Debug, Clone)]
pub struct EntitySpec {
    pub kind: &'static str,
    pub dataset: String,
    pub locale: String,
    pub params: Vec<(String, Value)>,
    /// Stream key: from `rngSeed` when given, else the statement path.
    pub key: PathKey,
    /// The fields the model reads, when the variable is read field by field
    /// (`domains::projection`).
    pub proj: Option<Arc<crate::domains::projection::Projection>>,
}

/// Casts of `type=` (dsl §4.2 step 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cast {
    Str,
    Int,
    Float,
    Decimal,
    Bool,
    Bytes,
}

#[derive(Debug)]
pub struct Field {
    pub name: Arc<str>,
    pub dest: Dest,
    pub mode: Mode,
    pub key: PathKey,
    /// `determinism::premix(key)`: the field's half of its record stream's key.
    pub key_mix: u64,
    pub state: StateId,
    pub condition: Option<Expr>,
    pub default_value: Option<Expr>,
    pub null_quota: f64,
    pub in_date_format: Option<String>,
    pub out_date_format: Option<String>,
    pub cast: Option<Cast>,
    pub granularity: Option<rust_decimal::Decimal>,
    pub converters: Vec<Converter>,
    /// Distinct values only (`unique="true"` with a generator, pattern or type).
    pub unique: bool,
    /// Runs exactly once per record (not inside a condition or loop), so index-addressable
    /// generators may use the record index instead of their call count.
    pub direct: bool,
    /// `direct`, and the record index numbers the field's executions within one execution
    /// of its statement (records of a generate, items of a list nestedKey; not a dict
    /// nestedKey, whose only record has index 0 for every parent).
    pub indexed: bool,
    /// `<element>` children: attributes added to the value as `@name` (`#text` holds the value).
    pub elements: Vec<Field>,
    pub span: Span,
}

#[derive(Debug)]
pub enum NestedMode {
    /// `type="dict"`: one map from the children.
    Dict,
    /// `type="list"`: `count` maps from the children.
    List(Count),
    /// `script=`: a map or list of maps, enriched by the children.
    Script(Expr),
    /// `source=`: rows from a file/memstore, enriched.
    /// `dict` is true for `type="dict"`: the first row is the value.
    Source { source: Box<Source>, count: Option<Count>, dict: bool },
    /// No type/source/script: enrich the existing field.
    Enrich,
}

#[derive(Debug)]
pub struct NestedKey {
    pub name: Arc<str>,
    pub dest: Dest,
    pub mode: NestedMode,
    pub layout: Layout,
    pub depth: u16,
    pub body: Vec<Stmt>,
    pub key: PathKey,
    pub state: StateId,
    pub condition: Option<Expr>,
    pub default_value: Option<Expr>,
    pub converters: Vec<Converter>,
    pub span: Span,
}

#[derive(Debug)]
pub struct ListStmt {
    pub name: Arc<str>,
    pub dest: Dest,
    pub items: Vec<ListItem>,
    pub converters: Vec<Converter>,
    pub key: PathKey,
    pub span: Span,
}

#[derive(Debug)]
pub struct ListItem {
    pub condition: Option<Expr>,
    pub layout: Layout,
    pub depth: u16,
    pub body: Vec<Stmt>,
}

#[derive(Debug)]
pub enum ArrayMode {
    Random { ty: Cast, count: u64 },
    Script(Expr),
    Literal(Vec<Value>),
}

#[derive(Debug)]
pub struct ArrayStmt {
    pub name: Arc<str>,
    pub dest: Dest,
    pub mode: ArrayMode,
    pub key: PathKey,
    pub span: Span,
}

/// The code of an `<execute type="sql">`.
#[derive(Debug)]
pub enum SqlText {
    /// From `uri` (read when the model is lowered).
    File(String),
    /// Inline text: an f-string body (`{table}`).
    Inline(Template),
    /// `script=`: an expression whose string value is the code.
    Expr(Expr),
}

/// `<execute type="sql" target="db">`.
#[derive(Debug)]
pub struct ExecuteSql {
    pub db: String,
    pub sql: SqlText,
    /// `<execute uri="schema.sql">`-style description for messages.
    pub what: String,
    pub span: Span,
}

/// `<reference>`: one row of `table` per record, its `columns` copied into fields.
#[derive(Debug)]
pub struct Reference {
    pub name: Arc<str>,
    pub db: String,
    pub table: String,
    /// (column, destination) pairs: `sourceKey` → `name`, then each `<field>`.
    pub columns: Vec<(String, Dest)>,
    pub distribution: Distribution,
    pub cyclic: bool,
    pub unique: bool,
    pub key: PathKey,
    pub state: StateId,
    pub span: Span,
}
