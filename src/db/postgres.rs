//! PostgreSQL through the `postgres` crate (no TLS). Writes go through `COPY … FROM STDIN`
//! in text format, so the server parses every value by its column type; `.update`, `.upsert`
//! and `.delete` copy into a temporary staging table and apply one set-based statement.

use std::error::Error as _;
use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use postgres::types::{FromSql, Kind, Type};
use postgres::{Client, Config, NoTls};

use super::{quote_ident, BufRow, ColKind, Column, DbDecl, DbOp, TableInfo, WriteFail};
use crate::vm::value::{write_date, write_datetime, Map, Value};

pub(crate) struct Conn {
    c: Client,
}

/// A driver error as text: the server's message with detail and hint, or the error chain.
fn text(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = db.message().to_string();
        if let Some(d) = db.detail() {
            s.push_str(&format!(" ({d})"));
        }
        if let Some(h) = db.hint() {
            s.push_str(&format!("; hint: {h}"));
        }
        return s;
    }
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(&format!(": {c}"));
        src = c.source();
    }
    s
}

/// The kind of a column from its type.
fn kind_of(ty: &Type) -> ColKind {
    match *ty {
        Type::INT2 | Type::INT4 | Type::INT8 | Type::OID => ColKind::Int,
        Type::FLOAT4 | Type::FLOAT8 => ColKind::Real,
        Type::BOOL => ColKind::Bool,
        Type::DATE => ColKind::Date,
        Type::TIMESTAMP | Type::TIMESTAMPTZ => ColKind::DateTime,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => ColKind::Text,
        Type::JSON | Type::JSONB => ColKind::Json,
        Type::BYTEA => ColKind::Bytes,
        Type::NUMERIC => ColKind::Numeric,
        _ => match ty.kind() {
            Kind::Domain(inner) => kind_of(inner),
            Kind::Enum(_) => ColKind::Text,
            _ => ColKind::Other,
        },
    }
}

fn be<const N: usize>(raw: &[u8]) -> Result<[u8; N], Box<dyn std::error::Error + Sync + Send>> {
    raw.get(..N).and_then(|b| b.try_into().ok()).ok_or_else(|| "value too short".into())
}

/// `NUMERIC` in binary form: digits in base 10000 with a weight, sign and display scale.
fn numeric(raw: &[u8]) -> Result<Value, Box<dyn std::error::Error + Sync + Send>> {
    let ndigits = i16::from_be_bytes(be(raw)?) as usize;
    let weight = i16::from_be_bytes(be(raw.get(2..).unwrap_or_default())?) as i32;
    let sign = u16::from_be_bytes(be(raw.get(4..).unwrap_or_default())?);
    let dscale = u16::from_be_bytes(be(raw.get(6..).unwrap_or_default())?) as usize;
    match sign {
        0xC000 => return Ok(Value::Float(f64::NAN)),
        0xD000 => return Ok(Value::Float(f64::INFINITY)),
        0xF000 => return Ok(Value::Float(f64::NEG_INFINITY)),
        _ => {}
    }
    let mut digits = Vec::with_capacity(ndigits);
    for i in 0..ndigits {
        digits.push(i16::from_be_bytes(be(raw.get(8 + 2 * i..).unwrap_or_default())?) as i32);
    }
    let mut int_part = String::new();
    for w in 0..=weight.max(-1) {
        let d = digits.get(w as usize).copied().unwrap_or(0);
        if int_part.is_empty() {
            if d != 0 {
                int_part = d.to_string();
            }
        } else {
            int_part.push_str(&format!("{d:04}"));
        }
    }
    if int_part.is_empty() {
        int_part.push('0');
    }
    let mut frac = String::new();
    let mut pos = weight + 1;
    while frac.len() < dscale {
        let d = if pos < 0 { 0 } else { digits.get(pos as usize).copied().unwrap_or(0) };
        frac.push_str(&format!("{d:04}"));
        pos += 1;
    }
    frac.truncate(dscale);
    let text =
        format!("{}{int_part}{}{frac}", if sign == 0x4000 { "-" } else { "" }, if dscale > 0 { "." } else { "" });
    Ok(match text.parse::<rust_decimal::Decimal>() {
        Ok(d) => Value::Decimal(d),
        Err(_) => Value::from(text),
    })
}

/// PostgreSQL's epoch for dates and timestamps.
fn pg_epoch() -> jiff::civil::DateTime {
    jiff::civil::date(2000, 1, 1).at(0, 0, 0, 0)
}

/// Any column value, decoded from the binary protocol into a [`Value`].
struct Cell(Value);

impl<'a> FromSql<'a> for Cell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let text = || -> Result<Value, Box<dyn std::error::Error + Sync + Send>> {
            Ok(Value::from(std::str::from_utf8(raw)?))
        };
        Ok(Cell(match *ty {
            Type::BOOL => Value::Bool(raw.first().is_some_and(|b| *b != 0)),
            Type::INT2 => Value::Int(i16::from_be_bytes(be(raw)?) as i64),
            Type::INT4 => Value::Int(i32::from_be_bytes(be(raw)?) as i64),
            Type::INT8 => Value::Int(i64::from_be_bytes(be(raw)?)),
            Type::OID => Value::Int(u32::from_be_bytes(be(raw)?) as i64),
            Type::FLOAT4 => Value::Float(f32::from_be_bytes(be(raw)?) as f64),
            Type::FLOAT8 => Value::Float(f64::from_be_bytes(be(raw)?)),
            Type::NUMERIC => numeric(raw)?,
            Type::DATE => {
                let days = i32::from_be_bytes(be(raw)?);
                match days {
                    i32::MAX => Value::from("infinity"),
                    i32::MIN => Value::from("-infinity"),
                    d => Value::Date(pg_epoch().date().checked_add(jiff::Span::new().days(d as i64))?),
                }
            }
            Type::TIMESTAMP | Type::TIMESTAMPTZ => {
                let us = i64::from_be_bytes(be(raw)?);
                match us {
                    i64::MAX => Value::from("infinity"),
                    i64::MIN => Value::from("-infinity"),
                    us => {
                        let base = crate::builtins::datetime::to_epoch_micros(pg_epoch());
                        let dt =
                            crate::builtins::datetime::from_epoch_micros(base + us).ok_or("timestamp out of range")?;
                        Value::DateTime(dt)
                    }
                }
            }
            Type::TIME => {
                let us = i64::from_be_bytes(be(raw)?);
                let t = jiff::civil::Time::midnight().checked_add(jiff::SignedDuration::from_micros(us))?;
                let mut s = String::new();
                write_datetime(&mut s, jiff::civil::date(2000, 1, 1).to_datetime(t), ' ');
                Value::from(&s[11..])
            }
            Type::UUID => Value::Uuid(be::<16>(raw)?),
            Type::BYTEA => Value::Bytes(Arc::from(raw)),
            Type::JSONB => Value::from(std::str::from_utf8(raw.get(1..).unwrap_or_default())?),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::JSON | Type::XML | Type::UNKNOWN => text()?,
            _ => match ty.kind() {
                Kind::Enum(_) => text()?,
                Kind::Domain(inner) => return Cell::from_sql(inner, raw),
                _ => {
                    return Err(format!(
                        "columns of type {} cannot be read yet; cast them in a selector (SELECT col::text …)",
                        ty.name()
                    )
                    .into())
                }
            },
        }))
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Cell(Value::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// One value in `COPY` text format (tab-separated, `\N` for NULL, backslash escapes).
fn copy_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("\\N"),
        Value::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Value::Float(f) if f.is_nan() => out.push_str("NaN"),
        Value::Float(f) if f.is_infinite() => out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" }),
        Value::Bytes(b) => {
            out.push_str("\\\\x");
            for byte in b.iter() {
                out.push_str(&format!("{byte:02x}"));
            }
        }
        Value::Decimal(d) => out.push_str(&d.to_string()),
        Value::Date(d) => write_date(out, *d),
        Value::DateTime(d) => write_datetime(out, *d, ' '),
        Value::Duration(us) => out.push_str(&format!("{us} microseconds")),
        Value::Str(s) => escape(out, s),
        other => escape(out, &other.py_str()),
    }
}

fn escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
}

/// The row number in a `COPY` error context (`COPY t, line 3, column x: "…"`), 0-based.
fn copy_line(e: &postgres::Error) -> Option<usize> {
    let w = e.as_db_error()?.where_()?;
    let rest = &w[w.find("line ")? + 5..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse::<usize>().ok()?.checked_sub(1)
}

impl Conn {
    pub fn open(decl: &DbDecl) -> Result<Conn, String> {
        let mut cfg = Config::new();
        cfg.host(&decl.host).port(decl.port).dbname(&decl.database).application_name("datamimic");
        cfg.connect_timeout(Duration::from_secs(10));
        if let Some(u) = &decl.user {
            cfg.user(u);
        }
        if let Some(p) = &decl.password {
            cfg.password(p.expose());
        }
        let mut c = cfg.connect(NoTls).map_err(|e| text(&e))?;
        c.batch_execute("BEGIN").map_err(|e| text(&e))?;
        if let Some(s) = &decl.schema {
            c.batch_execute(&format!("SET search_path TO {}", quote_ident(s))).map_err(|e| text(&e))?;
        }
        Ok(Conn { c })
    }

    pub fn execute(&mut self, sql: &str) -> Result<(), String> {
        self.c.batch_execute(sql).map_err(|e| text(&e))
    }

    fn regclass(name: &str) -> String {
        name.split('.').map(quote_ident).collect::<Vec<_>>().join(".")
    }

    pub fn table(&mut self, name: &str) -> Result<Option<TableInfo>, String> {
        let candidates = [Self::regclass(name), Self::regclass(&name.to_lowercase())];
        for sql_name in candidates {
            let rows = self
                .c
                .query(
                    "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.atttypid, \
                     coalesce((SELECT array_position(i.indkey::int2[], a.attnum) - array_lower(i.indkey::int2[], 1) + 1 \
                     FROM pg_index i \
                     WHERE i.indrelid = a.attrelid AND i.indisprimary), 0) \
                     FROM pg_attribute a WHERE a.attrelid = to_regclass($1::text) AND a.attnum > 0 \
                     AND NOT a.attisdropped ORDER BY a.attnum",
                    &[&sql_name],
                )
                .map_err(|e| text(&e))?;
            if rows.is_empty() {
                continue;
            }
            let mut columns = Vec::new();
            let mut pk: Vec<(i32, usize)> = Vec::new();
            for r in &rows {
                let cname: String = r.try_get(0).map_err(|e| text(&e))?;
                let decl: String = r.try_get(1).map_err(|e| text(&e))?;
                let oid: u32 = r.try_get(2).map_err(|e| text(&e))?;
                let key: i32 = r.try_get(3).map_err(|e| text(&e))?;
                let kind = Type::from_oid(oid).map(|t| kind_of(&t)).unwrap_or(ColKind::Other);
                if key > 0 {
                    pk.push((key, columns.len()));
                }
                columns.push(Column { name: cname, decl, kind });
            }
            pk.sort();
            let pk: Vec<usize> = pk.into_iter().map(|(_, i)| i).collect();
            let order_by = if pk.is_empty() {
                "dm_t::text COLLATE \"C\"".to_string()
            } else {
                pk.iter().map(|&i| format!("dm_t.{}", quote_ident(&columns[i].name))).collect::<Vec<_>>().join(", ")
            };
            return Ok(Some(TableInfo { name: name.to_string(), sql_name, columns, pk, order_by }));
        }
        Ok(None)
    }

    pub fn query(&mut self, sql: &str) -> Result<Vec<Arc<Map>>, String> {
        let st = self.c.prepare(sql).map_err(|e| text(&e))?;
        let names: Vec<Arc<str>> = st.columns().iter().map(|c| Arc::from(c.name())).collect();
        let rows = self.c.query(&st, &[]).map_err(|e| text(&e))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut m = Map::with_capacity(names.len());
            for (i, n) in names.iter().enumerate() {
                let Cell(v) = r.try_get::<_, Cell>(i).map_err(|e| format!("column '{n}': {}", text(&e)))?;
                m.insert(n.clone(), v);
            }
            out.push(Arc::new(m));
        }
        Ok(out)
    }

    fn copy(&mut self, target: &str, names: &[String], rows: &[BufRow]) -> Result<(), WriteFail> {
        let sql = format!("COPY {target} ({}) FROM STDIN", names.join(", "));
        let mut data = String::with_capacity(rows.len() * 16 * names.len().max(1));
        for r in rows {
            for (i, v) in r.values.iter().enumerate() {
                if i > 0 {
                    data.push('\t');
                }
                copy_value(&mut data, v);
            }
            data.push('\n');
        }
        let fail = |e: postgres::Error| WriteFail { row: copy_line(&e), message: text(&e) };
        let mut w = self.c.copy_in(&sql).map_err(fail)?;
        if let Err(e) = w.write_all(data.as_bytes()) {
            return Err(WriteFail { row: None, message: e.to_string() });
        }
        w.finish().map(|_| ()).map_err(fail)
    }

    pub fn write(&mut self, t: &TableInfo, op: DbOp, rows: &[BufRow]) -> Result<(), WriteFail> {
        let Some(first) = rows.first() else { return Ok(()) };
        let cols = first.cols.clone();
        let name = |i: &usize| quote_ident(&t.columns[*i].name);
        let names: Vec<String> = cols.iter().map(name).collect();
        if op == DbOp::Insert {
            return self.copy(&t.sql_name, &names, rows);
        }
        let non_pk: Vec<String> = cols.iter().filter(|c| !t.pk.contains(c)).map(name).collect();
        if op == DbOp::Update && non_pk.is_empty() {
            return Ok(());
        }
        let pk: Vec<String> = t.pk.iter().map(name).collect();
        let fail = |e: postgres::Error| WriteFail { row: None, message: text(&e) };
        self.c
            .batch_execute(&format!(
                "DROP TABLE IF EXISTS pg_temp.dm_stage; CREATE TEMP TABLE dm_stage AS SELECT {} FROM {} WITH NO DATA",
                names.join(", "),
                t.sql_name
            ))
            .map_err(fail)?;
        self.copy("pg_temp.dm_stage", &names, rows)?;
        let matches: Vec<String> = pk.iter().map(|k| format!("d.{k} = s.{k}")).collect();
        let sql = match op {
            DbOp::Update => {
                let sets: Vec<String> = non_pk.iter().map(|c| format!("{c} = s.{c}")).collect();
                format!(
                    "UPDATE {} AS d SET {} FROM pg_temp.dm_stage AS s WHERE {}",
                    t.sql_name,
                    sets.join(", "),
                    matches.join(" AND ")
                )
            }
            DbOp::Upsert => {
                let action = if non_pk.is_empty() {
                    "NOTHING".to_string()
                } else {
                    let sets: Vec<String> = non_pk.iter().map(|c| format!("{c} = EXCLUDED.{c}")).collect();
                    format!("UPDATE SET {}", sets.join(", "))
                };
                format!(
                    "INSERT INTO {} ({cols}) SELECT {cols} FROM pg_temp.dm_stage ON CONFLICT ({}) DO {action}",
                    t.sql_name,
                    pk.join(", "),
                    cols = names.join(", ")
                )
            }
            _ => format!("DELETE FROM {} AS d USING pg_temp.dm_stage AS s WHERE {}", t.sql_name, matches.join(" AND ")),
        };
        self.c.batch_execute(&sql).map_err(fail)?;
        self.c.batch_execute("DROP TABLE pg_temp.dm_stage").map_err(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_and_nulls() {
        let mut s = String::new();
        for v in [Value::Null, Value::from("a\tb\\c\nd"), Value::Bool(true), Value::Float(f64::NAN)] {
            copy_value(&mut s, &v);
            s.push('|');
        }
        assert_eq!(s, "\\N|a\\tb\\\\c\\nd|t|NaN|");
    }

    fn decimal_text(v: Value) -> String {
        match v {
            Value::Decimal(d) => d.to_string(),
            other => panic!("not a decimal: {other:?}"),
        }
    }

    #[test]
    fn numeric_binary_decodes_exact_digits() {
        // 12345.678: weight 1, digits [1, 2345, 6780], dscale 3
        let mut raw = Vec::new();
        for x in [3i16, 1, 0, 3, 1, 2345, 6780] {
            raw.extend_from_slice(&x.to_be_bytes());
        }
        assert_eq!(decimal_text(numeric(&raw).expect("decodes")), "12345.678");
        // -0.05: weight -1, digits [500], dscale 2
        let mut raw = Vec::new();
        for x in [1i16, -1, 0x4000u16 as i16, 2, 500] {
            raw.extend_from_slice(&x.to_be_bytes());
        }
        assert_eq!(decimal_text(numeric(&raw).expect("decodes")), "-0.05");
    }
}
