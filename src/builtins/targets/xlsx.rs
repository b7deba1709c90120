//! `XLSX`: one worksheet (`data`, or `sheet_name=`), first row = header (dsl §8.3).
//!
//! The header is the union of the keys of all records in first-seen order, so the rows are
//! held in memory until [`Sink::finish`] (the only buffering target). Cells follow datamimic's
//! JSON-lines buffer round trip: `None` → empty cell; bool, int and float → typed cells;
//! strings, decimals, UUIDs and timedeltas → text (`str()`); date/datetime → ISO text
//! (`2020-01-02T03:04:05`); bytes → base64 text; lists and dicts → JSON text
//! (`json.dumps(ensure_ascii=False)`: `{"a": [1, "ü"]}`). Non-finite floats are written as
//! their Python text (`nan`, `inf`), which a spreadsheet number cannot hold.
//!
//! The workbook's creation time is fixed, so the file bytes depend only on the records.

use std::fmt::Write as _;
use std::sync::Arc;

use base64::Engine as _;
use indexmap::IndexSet;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};

use super::{plain_fields, write_cell_str, FileOut, Pending, Record, Sink};
use crate::vm::value::{write_date, write_datetime, write_py_float, Value};

pub(crate) struct XlsxSink {
    out: FileOut,
    sheet: String,
    header: IndexSet<Arc<str>>,
    rows: Vec<Vec<(Arc<str>, Value)>>,
}

impl XlsxSink {
    pub(crate) fn new(sheet: &str, out: FileOut) -> XlsxSink {
        XlsxSink { out, sheet: sheet.to_string(), header: IndexSet::new(), rows: Vec::new() }
    }

    fn build(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut wb = Workbook::new();
        let created = ExcelDateTime::from_ymd(2025, 1, 1)?.and_hms(12, 0, 0)?;
        wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
        let ws = wb.add_worksheet();
        ws.set_name(&self.sheet)?;
        if !self.header.is_empty() {
            for (c, name) in self.header.iter().enumerate() {
                ws.write_string(0, c as u16, &**name)?;
            }
            let mut text = String::new();
            for (r, row) in self.rows.iter().enumerate() {
                let r = r as u32 + 1;
                for (k, v) in row {
                    let Some(c) = self.header.get_index_of(k) else {
                        continue;
                    };
                    let c = c as u16;
                    match v {
                        Value::Null => {}
                        Value::Bool(b) => {
                            ws.write_boolean(r, c, *b)?;
                        }
                        Value::Int(i) => {
                            ws.write_number(r, c, *i as f64)?;
                        }
                        Value::Float(f) if f.is_finite() => {
                            ws.write_number(r, c, *f)?;
                        }
                        _ => {
                            text.clear();
                            cell_text(&mut text, v);
                            ws.write_string(r, c, text.as_str())?;
                        }
                    }
                }
            }
        }
        wb.save_to_buffer()
    }
}

/// The text of a non-numeric cell.
fn cell_text(out: &mut String, v: &Value) {
    match v {
        Value::Date(d) => write_date(out, *d),
        Value::DateTime(dt) => write_datetime(out, *dt, 'T'),
        Value::Bytes(b) => base64::engine::general_purpose::STANDARD.encode_string(b, out),
        Value::Float(f) => write_py_float(out, *f),
        Value::List(_) | Value::Tuple(_) | Value::Map(_) => write_json_unicode(out, v),
        _ => write_cell_str(out, v),
    }
}

/// JSON like [`Value::write_json`], but with `ensure_ascii=False` (non-ASCII text as is).
fn write_json_unicode(out: &mut String, v: &Value) {
    match v {
        Value::Str(s) => json_str_unicode(out, s),
        Value::Decimal(_) | Value::Duration(_) | Value::Uuid(_) => {
            let mut s = String::new();
            write_cell_str(&mut s, v);
            json_str_unicode(out, &s);
        }
        Value::List(l) | Value::Tuple(l) => {
            out.push('[');
            for (i, v) in l.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_json_unicode(out, v);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                json_str_unicode(out, k);
                out.push_str(": ");
                write_json_unicode(out, v);
            }
            out.push('}');
        }
        _ => v.write_json(out),
    }
}

fn json_str_unicode(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl Sink for XlsxSink {
    fn write(&mut self, rec: &Record) -> Result<(), String> {
        let fields = plain_fields(rec).into_owned();
        for (k, _) in &fields {
            if !self.header.contains(k) {
                self.header.insert(k.clone());
            }
        }
        self.rows.push(fields);
        self.out.rows += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<Option<Pending>, String> {
        if self.rows.is_empty() {
            return self.out.finish();
        }
        let bytes = self.build().map_err(|e| format!("target XLSX: {e}"))?;
        self.rows = Vec::new();
        self.out.write_bytes(&bytes)?;
        self.out.finish()
    }
}
