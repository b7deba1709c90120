//! `CSV`: Python `csv.DictWriter` as datamimic configures it (dsl §8.3).
//!
//! Header = `fieldnames=` or the keys of the first record; later records: missing keys empty,
//! extra keys dropped (`extrasaction="ignore"`). Delimiter = `delimiter=` → setup
//! `defaultSeparator` → `|`; quote char `"` (`quotechar=`); lines end with `\r\n`. Cells are
//! `str(value)` with `None` → empty and bytes → base64. Quoting follows CPython's `_csv` writer
//! exactly, including its rule that a row made of one empty field is written as `""`.

use std::sync::Arc;

use base64::Engine as _;

use super::{plain_fields, string_list, write_cell_str, FileOptions, FileOut, Pending, Record, Sink, TargetSpec};
use crate::vm::value::Value;

/// Python's `csv.QUOTE_*` constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quoting {
    /// 0: quote fields containing the delimiter, the quote char, `\r` or `\n`.
    Minimal,
    /// 1: quote every field.
    All,
    /// 2: quote every field that is not a number.
    NonNumeric,
    /// 3: never quote; a field that would need it is an error (no escape char is set).
    None,
    /// 4 (Python 3.12): quote strings.
    Strings,
    /// 5 (Python 3.12): quote everything but `None`.
    NotNull,
}

/// Where a cell's text comes from (the quoting modes look at the Python type).
enum Cell<'a> {
    /// A header cell (a `str`).
    Header(&'a str),
    /// A key missing from the record: DictWriter's `restval`, the `str` `""`.
    Missing,
    Value(&'a Value),
}

pub(crate) struct CsvSink {
    out: FileOut,
    fieldnames: Option<Vec<Arc<str>>>,
    delimiter: char,
    quotechar: char,
    quoting: Quoting,
    /// The row being built (reused).
    row: String,
    /// Bytes that force quoting (delimiter, quote char, CR, LF) when both chars are ASCII.
    special: Option<[bool; 256]>,
}

/// Whether the text of numbers, booleans and dates (digits, letters, `.`, `-`, `+`, `:`,
/// spaces) can never hold the delimiter or the quote char.
fn plain_safe(delimiter: char, quotechar: char) -> bool {
    let safe = |c: char| !c.is_alphanumeric() && !matches!(c, '.' | '-' | '+' | ':' | ' ');
    safe(delimiter) && safe(quotechar)
}

/// Appends the text of a value as a cell: `None` → empty, bytes → base64, else `str(value)`.
#[inline]
fn cell_text(buf: &mut String, v: &Value) {
    match v {
        Value::Null => {}
        Value::Str(s) => buf.push_str(s),
        Value::Int(i) => buf.push_str(itoa::Buffer::new().format(*i)),
        Value::Bytes(b) => base64::engine::general_purpose::STANDARD.encode_string(b, buf),
        _ => write_cell_str(buf, v),
    }
}

/// Whether the text of `v` may hold a character that forces quoting: numbers, booleans and
/// dates cannot when [`plain_safe`] holds for the dialect.
#[inline]
fn needs_scan(v: &Value, plain_ok: bool) -> bool {
    !(plain_ok && matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Date(_) | Value::DateTime(_)))
}

/// Wraps `buf[start..]` in `quote`, doubling the quote chars inside (in place unless there
/// are some).
fn quote_tail(buf: &mut String, start: usize, quote: char) {
    if buf[start..].contains(quote) {
        let text = buf.split_off(start);
        buf.push(quote);
        for c in text.chars() {
            if c == quote {
                buf.push(c);
            }
            buf.push(c);
        }
    } else {
        buf.insert(start, quote);
    }
    buf.push(quote);
}

/// Ends a line: a line that is one empty field is written as `""` (CPython's rule, so that
/// it is not mistaken for an empty record), then `\r\n`.
fn end_line(line: &mut String, n_fields: usize, quoting: Quoting, quote: char) -> Result<(), String> {
    if n_fields > 0 && line.is_empty() {
        if quoting == Quoting::None {
            return Err("target CSV: single empty field record must be quoted (quoting=3)".into());
        }
        line.push(quote);
        line.push(quote);
    }
    line.push_str("\r\n");
    Ok(())
}

/// The byte table of `CsvSink::special`.
fn special_bytes(delimiter: char, quotechar: char) -> Option<[bool; 256]> {
    if !delimiter.is_ascii() || !quotechar.is_ascii() {
        return None;
    }
    let mut t = [false; 256];
    for b in [delimiter as u8, quotechar as u8, b'\r', b'\n'] {
        t[b as usize] = true;
    }
    Some(t)
}

/// Cell writing for records formatted straight into a line (`Sink::csv_cells`): the
/// `QUOTE_MINIMAL` rules of [`CsvSink::push_field`] for an ASCII delimiter and quote char.
#[derive(Clone, Copy)]
pub struct CsvCells {
    delimiter: char,
    quotechar: char,
    special: [bool; 256],
    /// Numbers, booleans and dates cannot hold the delimiter or quote char.
    plain_ok: bool,
}

impl CsvCells {
    #[inline]
    pub(crate) fn separator(&self, buf: &mut String) {
        buf.push(self.delimiter);
    }

    /// Appends `v` as a cell, quoted when its text needs it.
    #[inline]
    pub(crate) fn value(&self, buf: &mut String, v: &Value) {
        let start = buf.len();
        cell_text(buf, v);
        if needs_scan(v, self.plain_ok) {
            self.quote_from(buf, start);
        }
    }

    /// `true` when a text made only of bytes of `alphabet` never needs quoting.
    pub(crate) fn plain_alphabet(&self, alphabet: &[u8]) -> bool {
        alphabet.iter().all(|b| !self.special[*b as usize])
    }

    /// Quotes the text from `start` on when it holds the delimiter, the quote char, CR or LF.
    #[inline]
    pub(crate) fn quote_from(&self, buf: &mut String, start: usize) {
        if buf.as_bytes()[start..].iter().any(|b| self.special[*b as usize]) {
            quote_tail(buf, start, self.quotechar);
        }
    }
}

impl CsvSink {
    pub(crate) fn new(spec: &TargetSpec, opts: &FileOptions, out: FileOut) -> Result<CsvSink, String> {
        let delimiter = match spec.str_param("delimiter") {
            Some(d) => d,
            None if opts.separator.is_empty() => ",",
            None => opts.separator.as_str(),
        };
        let mut chars = delimiter.chars();
        let (Some(delimiter), None) = (chars.next(), chars.next()) else {
            return Err(format!(
                "target CSV: the delimiter must be a 1-character string, got '{delimiter}' \
                 (from <setup defaultSeparator>)"
            ));
        };
        let quotechar = spec.str_param("quotechar").and_then(|q| q.chars().next()).unwrap_or('"');
        let quoting = match spec.int_param("quoting").unwrap_or(0) {
            1 => Quoting::All,
            2 => Quoting::NonNumeric,
            3 => Quoting::None,
            4 => Quoting::Strings,
            5 => Quoting::NotNull,
            _ => Quoting::Minimal,
        };
        // An empty list means "take the first record's keys", as in datamimic (`fieldnames or []`).
        let fieldnames = match spec.param("fieldnames") {
            Some(v) => Some(
                string_list(v)
                    .map_err(|_| "target CSV: parameter 'fieldnames' must be a list of strings".to_string())?,
            )
            .filter(|f| !f.is_empty()),
            None => None,
        };
        Ok(CsvSink {
            out,
            fieldnames,
            delimiter,
            quotechar,
            quoting,
            row: String::with_capacity(256),
            special: special_bytes(delimiter, quotechar),
        })
    }

    /// The columns, once a record (or `fieldnames=`) decided them.
    pub(super) fn columns(&self) -> Vec<Arc<str>> {
        self.fieldnames.clone().unwrap_or_default()
    }

    /// Appends one field (with its leading delimiter unless it is the first). The text is
    /// written straight into the row and only moved aside when it has to be quoted.
    fn push_field(&mut self, first: bool, cell: Cell) -> Result<(), String> {
        if !first {
            self.row.push(self.delimiter);
        }
        let mut quoted = match (self.quoting, &cell) {
            (Quoting::Minimal | Quoting::None, _) => false,
            (Quoting::All, _) => true,
            (Quoting::NonNumeric, Cell::Value(v)) => !v.is_numeric(),
            (Quoting::NonNumeric, _) => true,
            (Quoting::Strings, Cell::Value(v)) => matches!(v, Value::Str(_)),
            (Quoting::Strings, _) => true,
            (Quoting::NotNull, Cell::Value(v)) => !v.is_null(),
            (Quoting::NotNull, _) => true,
        };
        let start = self.row.len();
        let scan = match cell {
            Cell::Header(s) => {
                self.row.push_str(s);
                true
            }
            Cell::Missing => false,
            Cell::Value(v) => {
                cell_text(&mut self.row, v);
                needs_scan(v, plain_safe(self.delimiter, self.quotechar))
            }
        };
        let text = &self.row[start..];
        let special = if !scan {
            false
        } else if let Some(t) = &self.special {
            text.bytes().any(|b| t[b as usize])
        } else {
            text.chars().any(|c| c == self.delimiter || c == self.quotechar || c == '\r' || c == '\n')
        };
        if special {
            if self.quoting == Quoting::None {
                return Err(format!(
                    "target CSV: cannot write {text:?} with quoting=3 (QUOTE_NONE): need to escape, \
                     but no escapechar set"
                ));
            }
            quoted = true;
        }
        if quoted {
            quote_tail(&mut self.row, start, self.quotechar);
        }
        Ok(())
    }

    /// Ends the row ([`end_line`]) and writes it.
    fn end_row(&mut self, n_fields: usize) -> Result<(), String> {
        end_line(&mut self.row, n_fields, self.quoting, self.quotechar)?;
        self.out.write_str(&self.row)
    }
}

impl Sink for CsvSink {
    fn write(&mut self, rec: &Record) -> Result<(), String> {
        let fields = plain_fields(rec);
        let names = self.fieldnames.get_or_insert_with(|| fields.iter().map(|(k, _)| k.clone()).collect());
        let names = std::mem::take(names);
        let result = (|| {
            if !self.out.started() && !names.is_empty() {
                self.row.clear();
                for (i, n) in names.iter().enumerate() {
                    self.push_field(i == 0, Cell::Header(n))?;
                }
                self.end_row(names.len())?;
            }
            self.row.clear();
            for (i, n) in names.iter().enumerate() {
                // Records of one generate usually share the key order: try position i first.
                let value = match fields.get(i) {
                    Some((k, v)) if Arc::ptr_eq(k, n) || k == n => Some(v),
                    _ => fields.iter().find(|(k, _)| k == n).map(|(_, v)| v),
                };
                let cell = value.map_or(Cell::Missing, Cell::Value);
                self.push_field(i == 0, cell)?;
            }
            self.end_row(names.len())
        })();
        self.fieldnames = Some(names);
        result?;
        self.out.rows += 1;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Option<Pending>, String> {
        self.out.finish()
    }

    fn csv_cells(&mut self, names: &[Arc<str>]) -> Option<CsvCells> {
        // Only past the header, with the columns exactly the record's keys in order.
        if self.quoting != Quoting::Minimal || !self.out.started() {
            return None;
        }
        let f = self.fieldnames.as_ref()?;
        if f.len() != names.len() || f.iter().zip(names).any(|(a, b)| a != b) {
            return None;
        }
        Some(CsvCells {
            delimiter: self.delimiter,
            quotechar: self.quotechar,
            special: self.special?,
            plain_ok: plain_safe(self.delimiter, self.quotechar),
        })
    }

    fn write_line(&mut self, line: &mut String, n_fields: usize) -> Result<(), String> {
        end_line(line, n_fields, self.quoting, self.quotechar)?;
        self.out.write_str(line)?;
        self.out.rows += 1;
        Ok(())
    }

    fn prime(&mut self, rec: &Record) {
        if self.fieldnames.is_none() {
            self.fieldnames = Some(plain_fields(rec).iter().map(|(k, _)| k.clone()).collect());
        }
    }

    fn fork(&self) -> Option<Box<dyn Sink>> {
        Some(Box::new(CsvSink {
            out: self.out.fork()?,
            fieldnames: self.fieldnames.clone(),
            delimiter: self.delimiter,
            quotechar: self.quotechar,
            quoting: self.quoting,
            row: String::with_capacity(256),
            special: self.special,
        }))
    }

    super::file_sink_pieces!();
}
