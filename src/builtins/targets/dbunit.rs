//! `DbUnit`: a dbunit flat-XML dataset, `.dbunit.xml` (dsl §8.3).
//!
//! ```text
//! <?xml version="1.0" encoding="utf-8"?>
//! <dataset>
//!     <customer id="1" name="Ann"/>
//! </dataset>
//! ```
//!
//! The element name is the product's table (`targetEntity` → `name`, passed as
//! [`FileOptions::name`](super::FileOptions)). A `None` value omits the attribute (dbunit's NULL);
//! other values are `str()` of the value after datamimic's JSON-lines buffer round trip
//! (`json.dumps(default=str)` then `json.loads`): top-level values read as `str(v)`, and inside
//! lists/dicts dates, decimals, bytes and UUIDs have become strings and tuples lists. Attribute
//! values are quoted with `xml.sax.saxutils.quoteattr`. Never chunked.

use std::sync::Arc;

use super::{plain_fields, quoteattr_into, write_cell_str, FileOut, Pending, Record, Sink};
use crate::vm::value::{Map, Value};

pub(crate) struct DbUnitSink {
    out: FileOut,
    table: String,
    encoding: String,
    buf: String,
    cell: String,
}

impl DbUnitSink {
    pub(crate) fn new(table: &str, encoding: &str, out: FileOut) -> DbUnitSink {
        DbUnitSink {
            out,
            table: table.to_string(),
            encoding: encoding.to_string(),
            buf: String::with_capacity(256),
            cell: String::new(),
        }
    }
}

/// A nested value as it comes back from `json.loads(json.dumps(v, default=str))`.
fn json_round_trip(v: &Value) -> Value {
    match v {
        Value::Date(_)
        | Value::DateTime(_)
        | Value::Decimal(_)
        | Value::Bytes(_)
        | Value::Uuid(_)
        | Value::Duration(_) => {
            let mut s = String::new();
            write_cell_str(&mut s, v);
            Value::from(s)
        }
        Value::List(l) | Value::Tuple(l) => Value::list(l.iter().map(json_round_trip).collect()),
        Value::Map(m) => {
            let mut out = Map::with_capacity(m.len());
            for (k, v) in m.iter() {
                out.insert(Arc::clone(k), json_round_trip(v));
            }
            Value::map(out)
        }
        other => other.clone(),
    }
}

impl Sink for DbUnitSink {
    fn write(&mut self, rec: &Record) -> Result<(), String> {
        let fields = plain_fields(rec);
        self.buf.clear();
        if !self.out.started() {
            self.buf.push_str("<?xml version=\"1.0\" encoding=\"");
            self.buf.push_str(&self.encoding);
            self.buf.push_str("\"?>\n<dataset>\n");
        }
        self.buf.push_str("    <");
        self.buf.push_str(&self.table);
        for (k, v) in fields.iter() {
            if v.is_null() {
                continue;
            }
            self.cell.clear();
            match v {
                Value::List(_) | Value::Tuple(_) | Value::Map(_) => json_round_trip(v).write_py_repr(&mut self.cell),
                _ => write_cell_str(&mut self.cell, v),
            }
            self.buf.push(' ');
            self.buf.push_str(k);
            self.buf.push('=');
            quoteattr_into(&mut self.buf, &self.cell);
        }
        self.buf.push_str("/>\n");
        self.out.write_str(&self.buf)?;
        self.out.rows += 1;
        Ok(())
    }

    super::file_sink_pieces!();

    fn fork(&self) -> Option<Box<dyn Sink>> {
        Some(Box::new(DbUnitSink {
            out: self.out.fork()?,
            table: self.table.clone(),
            encoding: self.encoding.clone(),
            buf: String::new(),
            cell: String::new(),
        }))
    }

    fn finish(mut self: Box<Self>) -> Result<Option<Pending>, String> {
        if self.out.closes() {
            self.out.write_str("</dataset>\n")?;
        }
        self.out.finish()
    }
}
