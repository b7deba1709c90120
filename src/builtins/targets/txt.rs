//! `TXT`: one line per record, `<name>: <repr of the record dict>` followed by the line
//! separator (`line_terminator=` → setup `defaultLineSeparator` → `\n`), dsl §8.3. Datetimes
//! inside the repr read `datetime.datetime(2020, 8, 12, 1, 25, 46)`.

use super::{plain_fields, write_record_repr, FileOut, Pending, Record, Sink};

pub(crate) struct TxtSink {
    out: FileOut,
    /// `<name>: `
    prefix: String,
    eol: String,
    buf: String,
}

impl TxtSink {
    pub(crate) fn new(name: &str, eol: &str, out: FileOut) -> TxtSink {
        TxtSink { out, prefix: format!("{name}: "), eol: eol.to_string(), buf: String::with_capacity(256) }
    }
}

impl Sink for TxtSink {
    fn write(&mut self, rec: &Record) -> Result<(), String> {
        let fields = plain_fields(rec);
        self.buf.clear();
        self.buf.push_str(&self.prefix);
        write_record_repr(&mut self.buf, &fields);
        self.buf.push_str(&self.eol);
        self.out.write_str(&self.buf)?;
        self.out.rows += 1;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Option<Pending>, String> {
        self.out.finish()
    }

    fn fork(&self) -> Option<Box<dyn Sink>> {
        Some(Box::new(TxtSink {
            out: self.out.fork()?,
            prefix: self.prefix.clone(),
            eol: self.eol.clone(),
            buf: String::with_capacity(256),
        }))
    }

    super::file_sink_pieces!();
}
