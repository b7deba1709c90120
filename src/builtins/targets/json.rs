//! `JSON`: one array with one record per line, or NDJSON with `use_ndjson=True` (dsl §8.3).
//!
//! Layout (datamimic-ce 4.3.0, one page of records): `[` newline, the records joined by `,`
//! newline, newline, `]`, and no final newline:
//!
//! ```text
//! [
//! {"id": 1, "name": "Ann"},
//! {"id": 2, "name": "Bob"}
//! ]
//! ```
//!
//! With `use_ndjson=True` the file is `<base>.ndjson`, as datamimic-ce names it (dsl §8.3); the
//! conformance cases check no NDJSON product.
//!
//! (4.3.0 writes an extra `\n,` where its 1000-record write batches meet; that whitespace is not
//! significant and is not reproduced.) NDJSON is one object per line, each ending in `\n`.
//! Objects are rendered like Python's `json.dumps` with its default separators (`", "`,
//! `": "`) and `ensure_ascii`: [`Value::write_json`](crate::vm::value::Value::write_json) (ISO datetimes, decimals as strings, bytes
//! as base64).

use super::{plain_fields, FileOut, Pending, Record, Sink};
use crate::vm::value::write_json_str;

pub(crate) struct JsonSink {
    out: FileOut,
    ndjson: bool,
    buf: String,
}

impl JsonSink {
    pub(crate) fn new(ndjson: bool, out: FileOut) -> JsonSink {
        JsonSink { out, ndjson, buf: String::with_capacity(256) }
    }
}

impl Sink for JsonSink {
    fn write(&mut self, rec: &Record) -> Result<(), String> {
        let fields = plain_fields(rec);
        let buf = &mut self.buf;
        buf.clear();
        if !self.ndjson {
            buf.push_str(if self.out.started() { ",\n" } else { "[\n" });
        }
        buf.push('{');
        for (i, (k, v)) in fields.iter().enumerate() {
            if i > 0 {
                buf.push_str(", ");
            }
            write_json_str(buf, k);
            buf.push_str(": ");
            v.write_json(buf);
        }
        buf.push('}');
        if self.ndjson {
            buf.push('\n');
        }
        self.out.write_str(&self.buf)?;
        self.out.rows += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<Option<Pending>, String> {
        if !self.ndjson && self.out.closes() {
            self.out.write_str("\n]")?;
        }
        self.out.finish()
    }

    fn fork(&self) -> Option<Box<dyn Sink>> {
        Some(Box::new(JsonSink { out: self.out.fork()?, ndjson: self.ndjson, buf: String::with_capacity(256) }))
    }

    super::file_sink_pieces!();
}
