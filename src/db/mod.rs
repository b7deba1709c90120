//! Databases as sources and targets (dsl §3.8, §3.15, §3.17, §5.4, §8.3): SQLite (bundled,
//! the embedded default) and PostgreSQL.
//!
//! Stage: beside `builtins::targets`, the only other module that does I/O. The engine declares
//! each `<database>` when it reaches it ([`Databases::connect`]), runs `<execute>` scripts
//! ([`Databases::execute`]), reads tables and selector queries as rows of typed values
//! ([`Databases::table_rows`], [`Databases::query_rows`]) and writes products through
//! [`Databases::sink`].
//!
//! Invariants:
//! * **One transaction per database and run.** A connection opens a transaction when it is
//!   declared; scripts, writes and reads all happen inside it, so a later generate reads what
//!   an earlier one wrote. [`Databases::commit_all`] commits only after the whole run
//!   succeeded; any failure rolls every database back ([`Databases::rollback_all`]), like file
//!   targets that are renamed only at the end. (Several databases commit one after the other:
//!   there is no two-phase commit across them.)
//! * **Batches.** Written records are buffered per table and operation and written in batches:
//!   PostgreSQL with `COPY … FROM STDIN` (text format), SQLite with prepared multi-row
//!   `INSERT`s. Buffers are flushed parents first (children first for `.delete`), and always
//!   before a read, a script or the commit. A failing batch reports the row and rolls back.
//! * **Defined order.** A table is read `ORDER BY` its primary key (SQLite: `rowid` when there
//!   is none; PostgreSQL: the row's text), so the same data gives the same rows.
//! * **Typed values.** Integers, floats, text, booleans and NULL become `Int`, `Float`, `Str`,
//!   `Bool`, `None`; `DATE` columns become dates and `TIMESTAMP`/`DATETIME` columns datetimes
//!   (SQLite: by declared type, when the stored text parses), `NUMERIC` decimals (PostgreSQL),
//!   `UUID` uuids, `BYTEA`/`BLOB` bytes.
//! * **No credentials in output.** See [`config`].

pub mod config;
mod postgres;
mod sqlite;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::builtins::targets::{plain_fields, Pending, Record, Sink};
use crate::vm::value::{Map, Value};

pub use config::{DbDecl, Dbms, Secret};

/// Diagnostic code: the database cannot be reached or opened.
pub const CODE_UNREACHABLE: &str = "DM604";
/// Diagnostic code: a statement, script or query failed, or a table is missing.
pub const CODE_STATEMENT: &str = "DM605";
/// Diagnostic code: a product could not be written (type mismatch, unknown column,
/// constraint); the run's transaction is rolled back.
pub const CODE_WRITE: &str = "DM606";

/// The write operation of a database target (`id`, `id.update`, `id.upsert`, `id.delete`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DbOp {
    Insert,
    /// Update the rows with the record's primary key; records without a row change nothing.
    Update,
    /// Insert, or update the row with the same primary key.
    Upsert,
    /// Delete the rows with the record's primary key.
    Delete,
}

impl DbOp {
    /// The operation after `id.` in a target, e.g. `upsert`.
    pub fn parse(s: &str) -> Option<DbOp> {
        Some(match s {
            "insert" => DbOp::Insert,
            "update" => DbOp::Update,
            "upsert" => DbOp::Upsert,
            "delete" => DbOp::Delete,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            DbOp::Insert => "insert",
            DbOp::Update => "update",
            DbOp::Upsert => "upsert",
            DbOp::Delete => "delete",
        }
    }
}

/// A database failure, with the code of the diagnostic it becomes.
#[derive(Clone, Debug)]
pub struct DbError {
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
}

impl DbError {
    fn new(code: &'static str, message: impl Into<String>) -> DbError {
        DbError { code, message: message.into(), help: None }
    }

    fn help(mut self, h: impl Into<String>) -> DbError {
        self.help = Some(h.into());
        self
    }
}

/// What a column holds, from its declared (SQLite) or catalog (PostgreSQL) type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ColKind {
    Int,
    Real,
    Bool,
    Date,
    DateTime,
    Text,
    Json,
    Bytes,
    Numeric,
    Other,
}

impl ColKind {
    fn is_numeric(self) -> bool {
        matches!(self, ColKind::Int | ColKind::Real)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Column {
    pub name: String,
    /// The declared type as the database shows it (`INTEGER`, `character varying(20)`).
    pub decl: String,
    pub kind: ColKind,
}

/// A table as the catalog describes it.
#[derive(Clone, Debug)]
pub(crate) struct TableInfo {
    /// The name as given in the model.
    pub name: String,
    /// The quoted name to use in SQL.
    pub sql_name: String,
    pub columns: Vec<Column>,
    /// Indices of the primary key columns, in key order.
    pub pk: Vec<usize>,
    /// `ORDER BY` clause body that gives a defined order.
    pub order_by: String,
}

impl TableInfo {
    /// The column a field writes to: exact name first, then ignoring case.
    fn column(&self, field: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name == field)
            .or_else(|| self.columns.iter().position(|c| c.name.eq_ignore_ascii_case(field)))
    }

    fn column_list(&self) -> String {
        self.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
    }
}

/// `"name"` with embedded quotes doubled; `schema.table` quotes each part.
pub(crate) fn quote_ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// One buffered record: the table columns it sets and their values.
pub(crate) struct BufRow {
    pub cols: Arc<[usize]>,
    pub values: Vec<Value>,
    /// Index of the record among those written to this target (for error messages).
    pub index: u64,
    /// Position among all rows buffered on this connection.
    pub seq: u64,
}

/// A failed batch: the failing row within the batch, when known, and the message.
pub(crate) struct WriteFail {
    pub row: Option<usize>,
    pub message: String,
}

enum Backend {
    Sqlite(sqlite::Conn),
    Pg(postgres::Conn),
}

impl Backend {
    fn execute(&mut self, sql: &str) -> Result<(), String> {
        match self {
            Backend::Sqlite(c) => c.execute(sql),
            Backend::Pg(c) => c.execute(sql),
        }
    }

    fn table(&mut self, name: &str) -> Result<Option<TableInfo>, String> {
        match self {
            Backend::Sqlite(c) => c.table(name),
            Backend::Pg(c) => c.table(name),
        }
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Arc<Map>>, String> {
        match self {
            Backend::Sqlite(c) => c.query(sql, None),
            Backend::Pg(c) => c.query(sql),
        }
    }

    fn read_table(&mut self, t: &TableInfo, cols: &[usize]) -> Result<Vec<Arc<Map>>, String> {
        let list: Vec<String> = cols.iter().map(|&i| quote_ident(&t.columns[i].name)).collect();
        let sql = format!("SELECT {} FROM {} AS dm_t ORDER BY {}", list.join(", "), t.sql_name, t.order_by);
        match self {
            Backend::Sqlite(c) => {
                let kinds: Vec<ColKind> = cols.iter().map(|&i| t.columns[i].kind).collect();
                c.query(&sql, Some(&kinds))
            }
            Backend::Pg(c) => c.query(&sql),
        }
    }

    fn write(&mut self, t: &TableInfo, op: DbOp, rows: &[BufRow]) -> Result<(), WriteFail> {
        match self {
            Backend::Sqlite(c) => c.write(t, op, rows),
            Backend::Pg(c) => c.write(t, op, rows),
        }
    }

    fn finish(&mut self, commit: bool) -> Result<(), String> {
        match self {
            Backend::Sqlite(c) => c.execute(if commit { "COMMIT" } else { "ROLLBACK" }),
            Backend::Pg(c) => c.execute(if commit { "COMMIT" } else { "ROLLBACK" }),
        }
    }
}

/// Rows buffered for one (table, operation).
struct Buffer {
    table: Arc<TableInfo>,
    op: DbOp,
    /// Nesting depth of the product (0 = top level): parents are written before children.
    depth: u16,
    product: String,
    rows: Vec<BufRow>,
    received: u64,
    /// Field names of the previous record and the columns they mapped to.
    last_names: Vec<Arc<str>>,
    last_cols: Arc<[usize]>,
}

/// Rows buffered in total before a write of a top-level record flushes them.
const FLUSH_ROWS: usize = 10_000;
/// Rows buffered before any write flushes them (bounds memory when only nested products go
/// to the database).
const HARD_CAP: usize = 200_000;

/// One declared database: the connection and its pending writes.
pub(crate) struct Conn {
    decl: DbDecl,
    backend: Backend,
    tables: HashMap<String, Arc<TableInfo>>,
    buffers: Vec<Buffer>,
    buffered: usize,
    /// Rows buffered so far (the next row's `seq`).
    seq: u64,
    /// The buffer and row `seq` of the last top-level record: when another top-level product
    /// starts, everything up to that row is written, so products reach the table in
    /// document order.
    last_top: Option<(usize, u64)>,
    /// The run's transaction is still open.
    open: bool,
}

impl Conn {
    fn who(&self) -> String {
        format!("database '{}' ({})", self.decl.id, self.decl.describe())
    }

    fn scrub(&self, m: &str) -> String {
        config::scrub(m, self.decl.password.as_ref())
    }

    fn stmt_err(&self, m: &str) -> DbError {
        DbError::new(CODE_STATEMENT, format!("{}: {}", self.who(), self.scrub(m)))
    }

    fn table(&mut self, name: &str) -> Result<Arc<TableInfo>, DbError> {
        if let Some(t) = self.tables.get(name) {
            return Ok(t.clone());
        }
        let info = self.backend.table(name).map_err(|m| self.stmt_err(&m))?;
        match info {
            Some(t) => {
                let t = Arc::new(t);
                self.tables.insert(name.to_string(), t.clone());
                Ok(t)
            }
            None => Err(DbError::new(CODE_STATEMENT, format!("{}: table '{name}' does not exist", self.who()))
                .help("create it first, e.g. with <execute uri=\"schema.sql\" target=\"…\"/>")),
        }
    }

    /// Writes every buffered row: parents before children, children before parents for
    /// `.delete`.
    fn flush_all(&mut self) -> Result<(), DbError> {
        self.flush_upto(u64::MAX)
    }

    /// Writes the buffered rows with `seq <= cutoff`.
    fn flush_upto(&mut self, cutoff: u64) -> Result<(), DbError> {
        if self.buffered == 0 {
            return Ok(());
        }
        let mut order: Vec<usize> = (0..self.buffers.len()).collect();
        order.sort_by_key(|&i| {
            let b = &self.buffers[i];
            if b.op == DbOp::Delete {
                (1, u16::MAX - b.depth)
            } else {
                (0, b.depth)
            }
        });
        for i in order {
            let mut rows = std::mem::take(&mut self.buffers[i].rows);
            let keep = rows.split_off(rows.partition_point(|r| r.seq <= cutoff));
            self.buffers[i].rows = keep;
            self.buffered -= rows.len();
            let table = self.buffers[i].table.clone();
            let op = self.buffers[i].op;
            let mut start = 0;
            while start < rows.len() {
                let cols = rows[start].cols.clone();
                let mut end = start + 1;
                while end < rows.len() && (Arc::ptr_eq(&rows[end].cols, &cols) || rows[end].cols == cols) {
                    end += 1;
                }
                let group = &rows[start..end];
                if let Err(f) = self.backend.write(&table, op, group) {
                    let b = &self.buffers[i];
                    let place = match f.row.and_then(|r| group.get(r)) {
                        Some(r) => format!("row {} of '{}'", r.index, b.product),
                        None => format!("rows {}–{} of '{}'", group[0].index, group[group.len() - 1].index, b.product),
                    };
                    let msg = format!(
                        "{}: {} into table '{}' failed at {place}: {} (in <generate name=\"{}\">)",
                        self.who(),
                        op.name(),
                        table.name,
                        self.scrub(&f.message),
                        b.product
                    );
                    return Err(
                        DbError::new(CODE_WRITE, msg).help("the run's changes to this database are rolled back")
                    );
                }
                start = end;
            }
        }
        Ok(())
    }

    /// Buffers one record for buffer `b`.
    fn push(&mut self, b: usize, rec: &Record) -> Result<(), DbError> {
        let top_level = self.buffers[b].depth == 0;
        if let Some((last, last_seq)) = self.last_top {
            if top_level && last != b {
                self.flush_upto(last_seq)?;
            }
        }
        let fields = plain_fields(rec);
        let who = self.who();
        let buf = &mut self.buffers[b];
        let same = buf.last_names.len() == fields.len()
            && buf.last_names.iter().zip(fields.iter()).all(|(a, (k, _))| Arc::ptr_eq(a, k) || **a == **k);
        if !same {
            let mut cols = Vec::with_capacity(fields.len());
            for (k, _) in fields.iter() {
                match buf.table.column(k) {
                    Some(c) => cols.push(c),
                    None => {
                        return Err(DbError::new(
                            CODE_WRITE,
                            format!(
                                "{who}: product '{}' has a field '{k}' (row {}), but table '{}' has no such column",
                                buf.product, buf.received, buf.table.name
                            ),
                        )
                        .help(format!(
                            "columns of '{}': {}",
                            buf.table.name,
                            buf.table.column_list()
                        )))
                    }
                }
            }
            if matches!(buf.op, DbOp::Update | DbOp::Upsert | DbOp::Delete) {
                if buf.table.pk.is_empty() {
                    return Err(DbError::new(
                        CODE_WRITE,
                        format!(
                            "{who}: .{} needs a primary key, but table '{}' has none",
                            buf.op.name(),
                            buf.table.name
                        ),
                    ));
                }
                if let Some(&missing) = buf.table.pk.iter().find(|p| !cols.contains(p)) {
                    return Err(DbError::new(
                        CODE_WRITE,
                        format!(
                            "{who}: .{} into '{}' needs the primary key column '{}' in every record; row {} of '{}' \
                             has none",
                            buf.op.name(),
                            buf.table.name,
                            buf.table.columns[missing].name,
                            buf.received,
                            buf.product
                        ),
                    ));
                }
            }
            buf.last_names = fields.iter().map(|(k, _)| k.clone()).collect();
            buf.last_cols = Arc::from(cols);
        }
        let cols = buf.last_cols.clone();
        let mut values = Vec::with_capacity(cols.len());
        let sqlite = matches!(self.backend, Backend::Sqlite(_));
        for (&c, (k, v)) in cols.iter().zip(fields.iter()) {
            let col = &buf.table.columns[c];
            let v = normalize(v, col.kind);
            if sqlite {
                if let Err(why) = sqlite::check(&v, col.kind) {
                    return Err(DbError::new(
                        CODE_WRITE,
                        format!(
                            "{who}: type mismatch in row {} of '{}': field '{k}' is {} {}, but column '{}' of table \
                             '{}' is {}{why}",
                            buf.received,
                            buf.product,
                            article(v.type_name()),
                            short_repr(&v),
                            col.name,
                            buf.table.name,
                            col.decl
                        ),
                    )
                    .help("cast the field (type=\"int\", type=\"float\", …) or change the column type"));
                }
            }
            values.push(v);
        }
        buf.rows.push(BufRow { cols, values, index: buf.received, seq: self.seq });
        buf.received += 1;
        if top_level {
            self.last_top = Some((b, self.seq));
        }
        self.seq += 1;
        self.buffered += 1;
        let depth = self.buffers[b].depth;
        let top = self.buffers.iter().all(|x| x.depth >= depth);
        if (top && self.buffered >= FLUSH_ROWS) || self.buffered >= HARD_CAP {
            self.flush_all()?;
        }
        Ok(())
    }
}

fn article(t: &str) -> String {
    let vowel = t.chars().next().is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {t}", if vowel { "an" } else { "a" })
}

fn short_repr(v: &Value) -> String {
    let r = v.py_repr();
    if r.chars().count() > 40 {
        format!("{}…", r.chars().take(40).collect::<String>())
    } else {
        r
    }
}

/// Prepares a value for a column: text columns receive the value's text (as a CSV cell
/// would show it), JSON columns JSON, and lists/maps elsewhere their Python text (dsl §8.3).
fn normalize(v: &Value, kind: ColKind) -> Value {
    match (v, kind) {
        (Value::Null, _) | (Value::Str(_), _) => v.clone(),
        (Value::Bytes(_), ColKind::Bytes | ColKind::Other) => v.clone(),
        (_, ColKind::Json) => {
            let mut s = String::new();
            v.write_json(&mut s);
            Value::from(s)
        }
        (Value::Decimal(d), ColKind::Text) => Value::from(d.to_string()),
        (_, ColKind::Text) => Value::from(v.py_str()),
        (Value::List(_) | Value::Tuple(_) | Value::Map(_), _) => Value::from(v.py_str()),
        _ => v.clone(),
    }
}

fn lock(c: &Mutex<Conn>) -> MutexGuard<'_, Conn> {
    c.lock().unwrap_or_else(|p| p.into_inner())
}

/// The databases of a run, by id.
#[derive(Default)]
pub struct Databases {
    conns: Vec<(String, Arc<Mutex<Conn>>)>,
}

impl Databases {
    pub fn new() -> Databases {
        Databases::default()
    }

    /// Connects a declared database and opens the run's transaction on it.
    pub fn connect(&mut self, decl: &DbDecl) -> Result<(), DbError> {
        let backend = match decl.dbms {
            Dbms::Sqlite => sqlite::Conn::open(decl).map(Backend::Sqlite),
            Dbms::Postgresql => postgres::Conn::open(decl).map(Backend::Pg),
        };
        let backend = backend.map_err(|m| {
            DbError::new(
                CODE_UNREACHABLE,
                format!(
                    "cannot connect to database '{}' ({}): {}",
                    decl.id,
                    decl.describe(),
                    config::scrub(&m, decl.password.as_ref())
                ),
            )
            .help(match decl.dbms {
                Dbms::Sqlite => "check the path and its folder's permissions",
                Dbms::Postgresql => "check that the server runs and host, port, database, user and password",
            })
        })?;
        let conn = Conn {
            decl: decl.clone(),
            backend,
            tables: HashMap::new(),
            buffers: Vec::new(),
            buffered: 0,
            seq: 0,
            last_top: None,
            open: true,
        };
        self.conns.retain(|(id, _)| *id != decl.id);
        self.conns.push((decl.id.clone(), Arc::new(Mutex::new(conn))));
        Ok(())
    }

    fn get(&self, id: &str) -> Result<&Arc<Mutex<Conn>>, DbError> {
        self.conns
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, c)| c)
            .ok_or_else(|| DbError::new(CODE_UNREACHABLE, format!("database '{id}' is not connected")))
    }

    /// Runs an SQL script (several statements) inside the run's transaction.
    pub fn execute(&self, id: &str, sql: &str) -> Result<(), DbError> {
        let mut c = lock(self.get(id)?);
        c.flush_all()?;
        c.tables.clear();
        let r = c.backend.execute(sql);
        r.map_err(|m| c.stmt_err(&m))
    }

    /// All rows of a table in a defined order (primary key, else rowid / row text); only the
    /// given columns when `columns` is set.
    pub fn table_rows(&self, id: &str, table: &str, columns: Option<&[String]>) -> Result<Vec<Arc<Map>>, DbError> {
        let mut c = lock(self.get(id)?);
        c.flush_all()?;
        let t = c.table(table)?;
        let cols: Vec<usize> = match columns {
            None => (0..t.columns.len()).collect(),
            Some(names) => {
                let mut v = Vec::new();
                for n in names {
                    match t.column(n) {
                        Some(i) => v.push(i),
                        None => {
                            return Err(DbError::new(
                                CODE_STATEMENT,
                                format!("{}: table '{}' has no column '{n}'", c.who(), t.name),
                            )
                            .help(format!("columns of '{}': {}", t.name, t.column_list())))
                        }
                    }
                }
                v
            }
        };
        let r = c.backend.read_table(&t, &cols);
        r.map_err(|m| c.stmt_err(&m))
    }

    /// The rows of a query (a `selector`), in the order the query gives.
    pub fn query_rows(&self, id: &str, sql: &str) -> Result<Vec<Arc<Map>>, DbError> {
        let mut c = lock(self.get(id)?);
        c.flush_all()?;
        let r = c.backend.query(sql);
        r.map_err(|m| c.stmt_err(&m).help("the query is the selector after __var__ interpolation"))
    }

    /// A sink writing a product into `table` with `op`; checks that the table exists.
    pub fn sink(&self, id: &str, table: &str, op: DbOp, product: &str, depth: u16) -> Result<Box<dyn Sink>, DbError> {
        let conn = self.get(id)?.clone();
        let b = {
            let mut c = lock(&conn);
            let t = c.table(table)?;
            c.buffers.push(Buffer {
                table: t,
                op,
                depth,
                product: product.to_string(),
                rows: Vec::new(),
                received: 0,
                last_names: Vec::new(),
                last_cols: Arc::from(Vec::new()),
            });
            c.buffers.len() - 1
        };
        Ok(Box::new(DbSink { conn, buffer: b }))
    }

    /// Writes what is buffered and commits every database, in declaration order.
    pub fn commit_all(&mut self) -> Result<(), DbError> {
        for (_, c) in &self.conns {
            lock(c).flush_all()?;
        }
        for (_, c) in &self.conns {
            let mut c = lock(c);
            if c.open {
                c.open = false;
                let r = c.backend.finish(true);
                r.map_err(|m| c.stmt_err(&format!("commit failed: {m}")))?;
            }
        }
        Ok(())
    }

    /// Discards the run's changes on every database.
    pub fn rollback_all(&mut self) {
        for (_, c) in &self.conns {
            let mut c = lock(c);
            c.buffers.iter_mut().for_each(|b| b.rows.clear());
            c.buffered = 0;
            if c.open {
                c.open = false;
                let _ = c.backend.finish(false);
            }
        }
    }

    /// `true` when no database was declared.
    pub fn is_empty(&self) -> bool {
        self.conns.is_empty()
    }
}

/// The sink of one database target.
struct DbSink {
    conn: Arc<Mutex<Conn>>,
    buffer: usize,
}

impl Sink for DbSink {
    fn write(&mut self, rec: &Record) -> Result<(), String> {
        lock(&self.conn).push(self.buffer, rec).map_err(encode_error)
    }

    fn finish(self: Box<Self>) -> Result<Option<Pending>, String> {
        lock(&self.conn).flush_all().map_err(encode_error)?;
        Ok(None)
    }
}

/// Sinks report errors as strings; a database error travels as `CODE\u{1}message\u{1}help`
/// so the engine can restore its code ([`decode_error`]).
fn encode_error(e: DbError) -> String {
    format!("{}\u{1}{}\u{1}{}", e.code, e.message, e.help.unwrap_or_default())
}

/// Restores a [`DbError`] from a sink error string, if it is one.
pub fn decode_error(s: &str) -> Option<DbError> {
    let mut parts = s.splitn(3, '\u{1}');
    let code = parts.next()?;
    let message = parts.next()?;
    let help = parts.next().filter(|h| !h.is_empty()).map(str::to_string);
    let code = [CODE_UNREACHABLE, CODE_STATEMENT, CODE_WRITE].into_iter().find(|c| *c == code)?;
    Some(DbError { code, message: message.to_string(), help })
}
