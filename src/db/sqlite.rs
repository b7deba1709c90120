//! SQLite through the bundled library (rusqlite).

use std::sync::Arc;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};

use super::{quote_ident, BufRow, ColKind, Column, DbDecl, DbOp, TableInfo, WriteFail};
use crate::vm::value::{Map, Value};

/// Parameters per statement: SQLite allows 32766 since 3.32.
const MAX_PARAMS: usize = 32_766;
/// Rows per multi-row `INSERT`.
const ROWS_PER_STMT: usize = 256;

pub(crate) struct Conn {
    c: Connection,
}

fn text(e: rusqlite::Error) -> String {
    e.to_string()
}

/// The kind of a declared column type: booleans, dates and datetimes by name, the rest by
/// SQLite's affinity rules.
pub(crate) fn kind_of(decl: &str) -> ColKind {
    let d = decl.to_ascii_uppercase();
    if d.contains("BOOL") {
        ColKind::Bool
    } else if d.contains("DATETIME") || d.contains("TIMESTAMP") {
        ColKind::DateTime
    } else if d.contains("DATE") {
        ColKind::Date
    } else if d.contains("JSON") {
        ColKind::Json
    } else if d.contains("INT") {
        ColKind::Int
    } else if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") {
        ColKind::Text
    } else if d.contains("BLOB") || d.is_empty() {
        ColKind::Other
    } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
        ColKind::Real
    } else {
        ColKind::Numeric
    }
}

/// Refuses values that SQLite would store in a numeric or boolean column as something else
/// (SQLite itself accepts anything outside STRICT tables).
pub(crate) fn check(v: &Value, kind: ColKind) -> Result<(), String> {
    let ok = match (kind, v) {
        (_, Value::Null) => true,
        (k, Value::Int(_) | Value::Float(_) | Value::Decimal(_) | Value::Bool(_)) if k.is_numeric() => true,
        (k, Value::Str(s)) if k.is_numeric() => {
            let t = s.trim();
            !t.is_empty() && (t.parse::<i64>().is_ok() || t.parse::<f64>().is_ok_and(f64::is_finite))
        }
        (k, _) if k.is_numeric() => false,
        (ColKind::Bool, Value::Bool(_)) => true,
        (ColKind::Bool, Value::Int(i)) => *i == 0 || *i == 1,
        (ColKind::Bool, _) => false,
        (ColKind::Date | ColKind::DateTime, Value::Bytes(_)) => false,
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(String::new())
    }
}

/// A value bound as a statement parameter.
struct Arg<'a>(&'a Value);

impl ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Bool(b) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(*b as i64)),
            Value::Int(i) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(*i)),
            Value::Float(f) => ToSqlOutput::Owned(rusqlite::types::Value::Real(*f)),
            Value::Str(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Value::Decimal(d) => ToSqlOutput::Owned(rusqlite::types::Value::Text(d.to_string())),
            other => ToSqlOutput::Owned(rusqlite::types::Value::Text(other.py_str())),
        })
    }
}

/// A stored value as a typed value, by the column's declared kind.
fn value_of(v: ValueRef<'_>, kind: ColKind) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) if kind == ColKind::Bool => Value::Bool(i != 0),
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Float(f),
        ValueRef::Text(b) => {
            let s = String::from_utf8_lossy(b);
            match kind {
                ColKind::Date => match s.trim().parse::<jiff::civil::Date>() {
                    Ok(d) => Value::Date(d),
                    Err(_) => Value::from(s.as_ref()),
                },
                ColKind::DateTime => match crate::builtins::datetime::parse_iso(&s) {
                    Some(d) => Value::DateTime(d),
                    None => Value::from(s.as_ref()),
                },
                _ => Value::from(s.as_ref()),
            }
        }
        ValueRef::Blob(b) => Value::Bytes(Arc::from(b)),
    }
}

impl Conn {
    pub fn open(decl: &DbDecl) -> Result<Conn, String> {
        if decl.database != ":memory:" {
            if let Some(dir) = std::path::Path::new(&decl.database).parent() {
                if !dir.as_os_str().is_empty() && !dir.is_dir() {
                    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create '{}': {e}", dir.display()))?;
                }
            }
        }
        let c = Connection::open(&decl.database).map_err(text)?;
        c.busy_timeout(Duration::from_secs(5)).map_err(text)?;
        // Fails here, not later, when the file is not a database.
        c.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())).map_err(text)?;
        c.execute_batch("BEGIN").map_err(text)?;
        Ok(Conn { c })
    }

    pub fn execute(&mut self, sql: &str) -> Result<(), String> {
        self.c.execute_batch(sql).map_err(text)
    }

    pub fn table(&mut self, name: &str) -> Result<Option<TableInfo>, String> {
        let mut st = self.c.prepare("SELECT name, type, pk FROM pragma_table_info(?1) ORDER BY cid").map_err(text)?;
        let mut columns = Vec::new();
        let mut pk: Vec<(i64, usize)> = Vec::new();
        let mut rows = st.query([name]).map_err(text)?;
        while let Some(r) = rows.next().map_err(text)? {
            let cname: String = r.get(0).map_err(text)?;
            let decl: String = r.get(1).map_err(text)?;
            let k: i64 = r.get(2).map_err(text)?;
            if k > 0 {
                pk.push((k, columns.len()));
            }
            columns.push(Column {
                kind: kind_of(&decl),
                name: cname,
                decl: if decl.is_empty() { "untyped".into() } else { decl },
            });
        }
        if columns.is_empty() {
            return Ok(None);
        }
        pk.sort();
        let pk: Vec<usize> = pk.into_iter().map(|(_, i)| i).collect();
        let kind: Option<String> = self
            .c
            .query_row("SELECT type FROM sqlite_master WHERE name = ?1 COLLATE NOCASE", [name], |r| r.get(0))
            .ok();
        let order_by = if !pk.is_empty() {
            pk.iter().map(|&i| format!("dm_t.{}", quote_ident(&columns[i].name))).collect::<Vec<_>>().join(", ")
        } else if kind.as_deref() == Some("view") {
            (1..=columns.len()).map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
        } else {
            "dm_t.rowid".into()
        };
        Ok(Some(TableInfo { name: name.to_string(), sql_name: quote_ident(name), columns, pk, order_by }))
    }

    /// Runs a query; `kinds` gives the column kinds (else they come from the declared types).
    pub fn query(&mut self, sql: &str, kinds: Option<&[ColKind]>) -> Result<Vec<Arc<Map>>, String> {
        let mut st = self.c.prepare(sql).map_err(text)?;
        let cols = st.columns();
        let names: Vec<Arc<str>> = cols.iter().map(|c| Arc::from(c.name())).collect();
        let kinds: Vec<ColKind> = match kinds {
            Some(k) => k.to_vec(),
            None => cols.iter().map(|c| c.decl_type().map(kind_of).unwrap_or(ColKind::Other)).collect(),
        };
        drop(cols);
        let mut out = Vec::new();
        let mut rows = st.query([]).map_err(text)?;
        while let Some(r) = rows.next().map_err(text)? {
            let mut m = Map::with_capacity(names.len());
            for (i, n) in names.iter().enumerate() {
                let v = r.get_ref(i).map_err(text)?;
                m.insert(n.clone(), value_of(v, kinds.get(i).copied().unwrap_or(ColKind::Other)));
            }
            out.push(Arc::new(m));
        }
        Ok(out)
    }

    fn statement(t: &TableInfo, op: DbOp, cols: &[usize], rows: usize) -> String {
        let name = |i: &usize| quote_ident(&t.columns[*i].name);
        let list: Vec<String> = cols.iter().map(name).collect();
        let one = format!("({})", vec!["?"; cols.len()].join(","));
        let non_pk: Vec<&usize> = cols.iter().filter(|c| !t.pk.contains(c)).collect();
        let pk_match: Vec<String> = t.pk.iter().map(|i| format!("{} = ?", name(i))).collect();
        match op {
            DbOp::Insert => {
                format!("INSERT INTO {} ({}) VALUES {}", t.sql_name, list.join(", "), vec![one; rows].join(","))
            }
            DbOp::Upsert => {
                let pk: Vec<String> = t.pk.iter().map(name).collect();
                let action = if non_pk.is_empty() {
                    "NOTHING".to_string()
                } else {
                    let sets: Vec<String> = non_pk.iter().map(|i| format!("{0} = excluded.{0}", name(i))).collect();
                    format!("UPDATE SET {}", sets.join(", "))
                };
                format!(
                    "INSERT INTO {} ({}) VALUES {} ON CONFLICT ({}) DO {action}",
                    t.sql_name,
                    list.join(", "),
                    vec![one; rows].join(","),
                    pk.join(", ")
                )
            }
            DbOp::Update => {
                let sets: Vec<String> = non_pk.iter().map(|i| format!("{} = ?", name(i))).collect();
                format!("UPDATE {} SET {} WHERE {}", t.sql_name, sets.join(", "), pk_match.join(" AND "))
            }
            DbOp::Delete => format!("DELETE FROM {} WHERE {}", t.sql_name, pk_match.join(" AND ")),
        }
    }

    /// The parameters of one row for `op`, in statement order.
    fn row_args<'a>(t: &TableInfo, op: DbOp, cols: &[usize], r: &'a BufRow, out: &mut Vec<Arg<'a>>) {
        let at = |c: usize| cols.iter().position(|x| *x == c).map(|p| &r.values[p]);
        match op {
            DbOp::Insert | DbOp::Upsert => out.extend(r.values.iter().map(Arg)),
            DbOp::Update => {
                out.extend(cols.iter().zip(&r.values).filter(|(c, _)| !t.pk.contains(c)).map(|(_, v)| Arg(v)));
                out.extend(t.pk.iter().filter_map(|&c| at(c)).map(Arg));
            }
            DbOp::Delete => out.extend(t.pk.iter().filter_map(|&c| at(c)).map(Arg)),
        }
    }

    fn run(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<(), String> {
        let mut st = self.c.prepare_cached(sql).map_err(text)?;
        st.execute(rusqlite::params_from_iter(args.iter())).map(|_| ()).map_err(text)
    }

    pub fn write(&mut self, t: &TableInfo, op: DbOp, rows: &[BufRow]) -> Result<(), WriteFail> {
        let Some(first) = rows.first() else { return Ok(()) };
        let cols = first.cols.clone();
        if op == DbOp::Update && cols.iter().all(|c| t.pk.contains(c)) {
            return Ok(());
        }
        let per = match op {
            DbOp::Insert | DbOp::Upsert => (MAX_PARAMS / cols.len().max(1)).clamp(1, ROWS_PER_STMT),
            _ => 1,
        };
        let mut args = Vec::with_capacity(per * cols.len());
        for (ci, chunk) in rows.chunks(per).enumerate() {
            let sql = Self::statement(t, op, &cols, chunk.len());
            args.clear();
            for r in chunk {
                Self::row_args(t, op, &cols, r, &mut args);
            }
            if let Err(m) = self.run(&sql, &args) {
                if chunk.len() == 1 {
                    return Err(WriteFail { row: Some(ci * per), message: m });
                }
                // A statement fails as a whole: find the row by writing them one by one.
                let single = Self::statement(t, op, &cols, 1);
                for (ri, r) in chunk.iter().enumerate() {
                    args.clear();
                    Self::row_args(t, op, &cols, r, &mut args);
                    if let Err(m) = self.run(&single, &args) {
                        return Err(WriteFail { row: Some(ci * per + ri), message: m });
                    }
                }
                return Err(WriteFail { row: None, message: m });
            }
        }
        Ok(())
    }
}
