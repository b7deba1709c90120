//! `FixedWidth(columns='id[5r0],name[6]')`: fixed-width columns, `.fcw` (dsl §8.3).
//!
//! The first line is `# <columns>` (the spec as given, so the file reads back as a source).
//! Each record is one `\n`-terminated line: per column `str(record.get(name, ""))` (a missing
//! key is empty, a `None` value is `None`), padded to the width — `name[w]` left-aligned with
//! spaces, `name[wX]` left-aligned with `X`, `name[wr]` right-aligned with `0`, `name[wrX]`
//! right-aligned with `X`. Longer values are not cut. Widths count characters.

use super::{plain_fields, write_cell_str, FileOut, Pending, Record, Sink};

/// One column of the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Column {
    pub(crate) name: String,
    pub(crate) width: usize,
    pub(crate) right: bool,
    pub(crate) pad: char,
}

/// Parses `name[width]`, `name[width r pad]` tokens separated by commas (the grammar of
/// datamimic's `(\w+)\[(\d+)(r)?(.)?\]`).
pub(crate) fn parse_columns(spec: &str) -> Result<Vec<Column>, String> {
    let bad = |token: &str| format!("invalid fixed-width column spec token '{token}' in '{spec}'");
    let mut out = Vec::new();
    for token in spec.split(',') {
        let token = token.trim();
        let Some(open) = token.find('[') else {
            return Err(bad(token));
        };
        let name = &token[..open];
        let Some(inner) = token[open + 1..].strip_suffix(']') else {
            return Err(bad(token));
        };
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(bad(token));
        }
        let digits = inner.len() - inner.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(bad(token));
        }
        let width: usize = inner[..digits].parse().map_err(|_| bad(token))?;
        let mut rest = inner[digits..].chars();
        let (right, pad) = match (rest.next(), rest.next(), rest.next()) {
            (None, _, _) => (false, ' '),
            (Some('r'), None, _) => (true, '0'),
            (Some('r'), Some(p), None) => (true, p),
            (Some(p), None, _) => (false, p),
            _ => return Err(bad(token)),
        };
        if pad == '\n' {
            return Err(bad(token));
        }
        out.push(Column { name: name.to_string(), width, right, pad });
    }
    Ok(out)
}

pub(crate) struct FixedWidthSink {
    out: FileOut,
    spec: String,
    columns: Vec<Column>,
    buf: String,
    cell: String,
}

impl FixedWidthSink {
    pub(crate) fn new(spec: &str, out: FileOut) -> Result<FixedWidthSink, String> {
        let columns = parse_columns(spec).map_err(|e| format!("target FixedWidth: {e}"))?;
        Ok(FixedWidthSink {
            out,
            spec: spec.to_string(),
            columns,
            buf: String::with_capacity(256),
            cell: String::new(),
        })
    }
}

impl Sink for FixedWidthSink {
    fn write(&mut self, rec: &Record) -> Result<(), String> {
        let fields = plain_fields(rec);
        self.buf.clear();
        if !self.out.started() {
            self.buf.push_str("# ");
            self.buf.push_str(&self.spec);
            self.buf.push('\n');
        }
        for col in &self.columns {
            self.cell.clear();
            if let Some((_, v)) = fields.iter().find(|(k, _)| **k == *col.name) {
                write_cell_str(&mut self.cell, v);
            }
            let fill = col.width.saturating_sub(self.cell.chars().count());
            if !col.right {
                self.buf.push_str(&self.cell);
            }
            self.buf.extend(std::iter::repeat_n(col.pad, fill));
            if col.right {
                self.buf.push_str(&self.cell);
            }
        }
        self.buf.push('\n');
        self.out.write_str(&self.buf)?;
        self.out.rows += 1;
        Ok(())
    }

    super::file_sink_pieces!();

    fn fork(&self) -> Option<Box<dyn Sink>> {
        Some(Box::new(FixedWidthSink {
            out: self.out.fork()?,
            spec: self.spec.clone(),
            columns: self.columns.clone(),
            buf: String::new(),
            cell: String::new(),
        }))
    }

    fn finish(self: Box<Self>) -> Result<Option<Pending>, String> {
        self.out.finish()
    }
}
