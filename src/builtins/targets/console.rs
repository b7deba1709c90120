//! `ConsoleExporter` (stdout) and `LogExporter` (stderr), dsl §8.3. Neither writes a file.
//!
//! Console: an empty line before the first record, then `<name>: <repr of the record dict>` per
//! record (Python's `print()` then `print(f"{name}: {row}")`). Log: the same lines for the first
//! [`LOG_LIMIT`] records, then one line saying how many were not printed.

use std::io::Write;

use super::{plain_fields, write_record_repr, Pending, Record, Sink};

/// Records the log sink prints (datamimic's `LogExporter.MAX_ITEM_TO_LOG`).
pub(crate) const LOG_LIMIT: u64 = 100;

pub(crate) struct ConsoleSink {
    prefix: String,
    rows: u64,
    buf: String,
}

impl ConsoleSink {
    pub(crate) fn new(name: &str) -> ConsoleSink {
        ConsoleSink { prefix: format!("{name}: "), rows: 0, buf: String::new() }
    }
}

/// Renders `<prefix><repr>\n` into `buf` (after `buf`'s current content).
fn line(buf: &mut String, prefix: &str, rec: &Record) {
    let fields = plain_fields(rec);
    buf.push_str(prefix);
    write_record_repr(buf, &fields);
    buf.push('\n');
}

impl Sink for ConsoleSink {
    fn write(&mut self, rec: &Record) -> Result<(), String> {
        self.buf.clear();
        if self.rows == 0 {
            self.buf.push('\n');
        }
        line(&mut self.buf, &self.prefix, rec);
        self.rows += 1;
        std::io::stdout().lock().write_all(self.buf.as_bytes()).map_err(|e| format!("cannot write to stdout: {e}"))
    }

    fn finish(self: Box<Self>) -> Result<Option<Pending>, String> {
        std::io::stdout().lock().flush().map_err(|e| format!("cannot write to stdout: {e}"))?;
        Ok(None)
    }
}

pub(crate) struct LogSink {
    name: String,
    prefix: String,
    rows: u64,
    buf: String,
}

impl LogSink {
    pub(crate) fn new(name: &str) -> LogSink {
        LogSink { name: name.to_string(), prefix: format!("{name}: "), rows: 0, buf: String::new() }
    }
}

impl Sink for LogSink {
    fn write(&mut self, rec: &Record) -> Result<(), String> {
        self.rows += 1;
        if self.rows > LOG_LIMIT {
            return Ok(());
        }
        self.buf.clear();
        line(&mut self.buf, &self.prefix, rec);
        // Logging never fails a run.
        let _ = std::io::stderr().lock().write_all(self.buf.as_bytes());
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Option<Pending>, String> {
        if self.rows > LOG_LIMIT {
            let _ = writeln!(
                std::io::stderr().lock(),
                "LogExporter {}: {} rows are not printed (the log shows the first {LOG_LIMIT})",
                self.name,
                self.rows - LOG_LIMIT
            );
        }
        Ok(None)
    }
}
