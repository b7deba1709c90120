//! `XML`: `<list>` with one `<item>` per record and line (dsl §8.3), as datamimic-ce 4.3.0
//! writes it with `xmltodict.unparse` after its own value sanitising.
//!
//! ```text
//! <list>
//! <item><id>1</id><tags>a</tags><tags>b</tags></item>
//! <item id="2"><id>2</id><tags>None</tags></item>
//! </list>
//! ```
//!
//! (records `{"id": 1, "tags": ["a", "b"]}` and `{"@id": 2, "id": 2, "tags": None}`; no final
//! newline; `root_element=`/`item_element=` rename `list`/`item`; a declaration is
//! written only for a non-UTF-8 `encoding=`). Values:
//! * bool → `true`/`false`; datetime → `YYYY-MM-DD` (the time is dropped); float → Python repr;
//!   everything else `str()` (a tuple is its repr text);
//! * `None` → `None` as a record field or list element, empty inside a dict;
//! * a list repeats the element once per item (an empty list writes nothing); a list inside a
//!   list is its Python repr text;
//! * a dict becomes child elements; its `@k` entries become attributes (`str()` of the value,
//!   quoted like `xml.sax.saxutils.quoteattr`) and `#text` the text after the children;
//! * text escapes `&`, `<`, `>`.
//!
//! Names that cannot be XML names in xmltodict's check (leading `?`/`!`, `<>/"'=` or whitespace)
//! are an error instead of a broken file.
//!
//! A file with exactly one record whose item has exactly one child element is reduced to that
//! element (4.3.0 re-serialises it with lxml: empty elements self-close, attributes always use
//! double quotes), e.g. `<cid>1</cid>`.

use std::sync::Arc;

use super::{quoteattr_into, write_cell_str, xml_escape_into, FileOut, Pending, Record, Sink};
use crate::vm::value::{write_date, write_py_float, write_str_repr, Value};

pub(crate) struct XmlSink {
    out: FileOut,
    root: String,
    item: String,
    /// `<?xml …?>\n` for non-UTF-8 encodings, else empty.
    declaration: String,
    /// The first record, held back until it is known whether the file has more than one.
    first: Option<Vec<(Arc<str>, Value)>>,
    buf: String,
}

/// The two serialisations: xmltodict's (the normal file) and lxml's (the reduced single
/// element).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    XmlToDict,
    Lxml,
}

impl XmlSink {
    pub(crate) fn new(root: &str, item: &str, encoding: Option<&str>, out: FileOut) -> XmlSink {
        let declaration = match encoding {
            Some(e) if super::Encoding::lookup(e) != Ok(super::Encoding::Utf8) => {
                format!("<?xml version=\"1.0\" encoding=\"{e}\"?>\n")
            }
            _ => String::new(),
        };
        XmlSink {
            out,
            root: root.to_string(),
            item: item.to_string(),
            declaration,
            first: None,
            buf: String::with_capacity(512),
        }
    }

    /// Appends `<item …>…</item>\n` for one record to `self.buf`.
    fn push_item(&mut self, fields: &[(Arc<str>, Value)]) -> Result<(), String> {
        let entries = fields.iter().map(|(k, v)| (k, v));
        emit_map(&mut self.buf, &self.item, entries, "None", Style::XmlToDict)?;
        self.buf.push('\n');
        Ok(())
    }

    fn start(&mut self) {
        self.buf.push_str(&self.declaration);
        self.buf.push('<');
        self.buf.push_str(&self.root);
        self.buf.push_str(">\n");
    }
}

impl Sink for XmlSink {
    fn write(&mut self, rec: &Record) -> Result<(), String> {
        self.buf.clear();
        match self.out.rows {
            0 => {
                check_names(&self.item, rec.fields)?;
                self.first = Some(rec.fields.to_vec());
            }
            1 => {
                let first = self.first.take().unwrap_or_default();
                self.start();
                self.push_item(&first)?;
                self.push_item(rec.fields)?;
                self.out.write_str(&self.buf)?;
            }
            _ => {
                self.push_item(rec.fields)?;
                self.out.write_str(&self.buf)?;
            }
        }
        self.out.rows += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<Option<Pending>, String> {
        self.buf.clear();
        if let Some(first) = self.first.take() {
            // One record: reduce to its only child element when it has exactly one.
            let children = first.iter().filter(|(k, _)| !k.starts_with('@') && &**k != "#text");
            let mut reduced = String::new();
            let mut n = 0;
            for (k, v) in children {
                n += emit(&mut reduced, k, v, "None", Style::Lxml)?;
            }
            if n == 1 {
                self.buf.push_str(&self.declaration);
                self.buf.push_str(&reduced);
                // The item's own text follows the child: lxml serialises it as the child's tail.
                if let Some((_, text)) = first.iter().find(|(k, _)| &**k == "#text") {
                    let mut t = String::new();
                    scalar_text(&mut t, text, "None");
                    lxml_text_into(&mut self.buf, &t);
                }
            } else {
                self.start();
                self.push_item(&first)?;
                self.buf.push_str("</");
                self.buf.push_str(&self.root);
                self.buf.push('>');
            }
        } else if self.out.rows > 0 {
            self.buf.push_str("</");
            self.buf.push_str(&self.root);
            self.buf.push('>');
        }
        if !self.buf.is_empty() {
            let buf = std::mem::take(&mut self.buf);
            self.out.write_str(&buf)?;
        }
        self.out.finish()
    }
}

/// Validates the names of a held-back record early, so an error surfaces at the record that
/// causes it.
fn check_names(item: &str, fields: &[(Arc<str>, Value)]) -> Result<(), String> {
    let mut scratch = String::new();
    emit_map(&mut scratch, item, fields.iter().map(|(k, v)| (k, v)), "None", Style::XmlToDict).map(|_| ())
}

/// xmltodict's name check (it refuses names that would break the markup).
fn check_name(name: &str, kind: &str) -> Result<(), String> {
    let why = if name.is_empty() {
        "empty"
    } else if name.starts_with('?') || name.starts_with('!') {
        "cannot start with \"?\" or \"!\""
    } else if name.contains(['<', '>']) {
        "\"<\" or \">\" not allowed"
    } else if name.contains('/') {
        "\"/\" not allowed"
    } else if name.contains(['"', '\'']) {
        "quotes not allowed"
    } else if name.contains('=') {
        "\"=\" not allowed"
    } else if name.chars().any(char::is_whitespace) {
        "whitespace not allowed"
    } else {
        return Ok(());
    };
    Err(format!("target XML: invalid {kind} name '{name}': {why}"))
}

/// Emits `key` with value `v`: a list emits one element per item, anything else one element.
/// `null_text` is what `None` becomes here (`None` for record fields, empty inside dicts).
/// Returns the number of elements emitted.
fn emit(out: &mut String, key: &str, v: &Value, null_text: &str, style: Style) -> Result<usize, String> {
    match v {
        Value::List(items) => {
            for item in items.iter() {
                emit_one(out, key, item, "None", style)?;
            }
            Ok(items.len())
        }
        _ => emit_one(out, key, v, null_text, style).map(|_| 1),
    }
}

fn emit_one(out: &mut String, key: &str, v: &Value, null_text: &str, style: Style) -> Result<(), String> {
    match v {
        Value::Map(m) => emit_map(out, key, m.iter(), "", style).map(|_| ()),
        _ => {
            check_name(key, "element")?;
            let mut text = String::new();
            match v {
                // A list inside a list: its Python repr.
                Value::List(_) => sanitized_repr(&mut text, v, "None"),
                _ => scalar_text(&mut text, v, null_text),
            }
            open_tag(out, key);
            out.push('>');
            let body = out.len();
            text_into(out, &text, style);
            close_tag(out, key, body, style);
            Ok(())
        }
    }
}

/// Emits a dict (or the record) as element `key`: `@` entries as attributes, other entries as
/// children, `#text` as the text after the children. `null_text` applies to the entries.
fn emit_map<'a>(
    out: &mut String,
    key: &str,
    entries: impl Iterator<Item = (&'a Arc<str>, &'a Value)> + Clone,
    null_text: &str,
    style: Style,
) -> Result<usize, String> {
    check_name(key, "element")?;
    open_tag(out, key);
    let mut scratch = String::new();
    for (k, v) in entries.clone() {
        if let Some(attr) = k.strip_prefix('@') {
            check_name(attr, "attribute")?;
            scratch.clear();
            sanitized_str(&mut scratch, v, null_text);
            out.push(' ');
            out.push_str(attr);
            out.push('=');
            match style {
                Style::XmlToDict => quoteattr_into(out, &scratch),
                Style::Lxml => lxml_attr_into(out, &scratch),
            }
        }
    }
    out.push('>');
    let body = out.len();
    let mut cdata = None;
    for (k, v) in entries {
        if &**k == "#text" {
            cdata = Some(v);
        } else if !k.starts_with('@') {
            emit(out, k, v, null_text, style)?;
        }
    }
    if let Some(v) = cdata {
        scratch.clear();
        sanitized_str(&mut scratch, v, null_text);
        text_into(out, &scratch, style);
    }
    close_tag(out, key, body, style);
    Ok(1)
}

fn open_tag(out: &mut String, key: &str) {
    out.push('<');
    out.push_str(key);
}

/// Closes an element whose content starts at `body` (just after `>`); lxml self-closes an
/// element without content.
fn close_tag(out: &mut String, key: &str, body: usize, style: Style) {
    if style == Style::Lxml && out.len() == body {
        out.truncate(body - 1);
        out.push_str("/>");
    } else {
        out.push_str("</");
        out.push_str(key);
        out.push('>');
    }
}

fn text_into(out: &mut String, text: &str, style: Style) {
    match style {
        Style::XmlToDict => xml_escape_into(out, text),
        Style::Lxml => lxml_text_into(out, text),
    }
}

/// The sanitised text of a non-container value.
fn scalar_text(out: &mut String, v: &Value, null_text: &str) {
    match v {
        Value::Null => out.push_str(null_text),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::DateTime(dt) => write_date(out, dt.date()),
        Value::Float(f) => write_py_float(out, *f),
        _ => write_cell_str(out, v),
    }
}

/// `str()` of a sanitised value: its text, or the repr of a sanitised dict/list (whose
/// leaves are all strings by then).
fn sanitized_str(out: &mut String, v: &Value, null_text: &str) {
    match v {
        Value::Map(_) | Value::List(_) => sanitized_repr(out, v, null_text),
        _ => scalar_text(out, v, null_text),
    }
}

/// `repr()` of a sanitised value.
fn sanitized_repr(out: &mut String, v: &Value, null_text: &str) {
    match v {
        Value::Map(m) => {
            out.push('{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str_repr(out, k);
                out.push_str(": ");
                sanitized_repr(out, v, "");
            }
            out.push('}');
        }
        Value::List(l) => {
            out.push('[');
            for (i, v) in l.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                sanitized_repr(out, v, "None");
            }
            out.push(']');
        }
        _ => {
            let mut s = String::new();
            scalar_text(&mut s, v, null_text);
            write_str_repr(out, &s);
        }
    }
}

/// Text as lxml writes it after parsing xmltodict's output: line ends normalised to `\n` by
/// the parser, then `&`, `<`, `>` escaped.
fn lxml_text_into(out: &mut String, s: &str) {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            c => out.push(c),
        }
    }
}

/// An attribute value as lxml writes it: always double quotes.
fn lxml_attr_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out.push('"');
}
