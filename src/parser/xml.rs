//! Stage 1: XML text → element tree with byte spans.
//!
//! quick-xml frames the events; attributes are scanned here so that every attribute name and
//! value keeps its exact byte range, and so that a position inside an *unescaped* value can be
//! mapped back to the raw text ([`Attr::source_span`]) even after `&quot;`-style escapes.
//!
//! Hostile input is refused, never expanded: DOCTYPE (and with it entity declarations),
//! nesting deeper than [`MAX_DEPTH`], files larger than [`MAX_BYTES`]. The parser knows nothing
//! of the model language.

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::diag::Diagnostic;
use crate::source::{SourceId, Span};

/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 256;
/// Largest model file accepted (bytes).
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

/// One attribute: name, unescaped value, and where both stand in the source.
#[derive(Clone, Debug)]
pub struct Attr {
    pub name: String,
    pub name_span: Span,
    /// The value after entity decoding and attribute-value normalisation.
    pub value: String,
    /// The raw value between the quotes.
    pub raw: String,
    pub value_span: Span,
}

impl Attr {
    /// Maps a byte range of the decoded [`Attr::value`] to the span of the raw text.
    pub fn source_span(&self, start: usize, end: usize) -> Span {
        let s = raw_offset(&self.raw, start);
        let e = raw_offset(&self.raw, end);
        self.value_span.sub(s, e)
    }

    pub fn span(&self) -> Span {
        Span { source: self.name_span.source, start: self.name_span.start, end: self.value_span.end + 1 }
    }
}

/// Raw offset of decoded offset `target` (walks entity references).
fn raw_offset(raw: &str, target: usize) -> usize {
    let bytes = raw.as_bytes();
    let (mut r, mut d) = (0usize, 0usize);
    while r < bytes.len() && d < target {
        if bytes[r] == b'&' {
            if let Some(semi) = raw[r..].find(';') {
                let ent = &raw[r + 1..r + semi];
                d += decode_entity(ent).map(|c| c.len_utf8()).unwrap_or(semi + 1);
                r += semi + 1;
                continue;
            }
        }
        let ch = raw[r..].chars().next().map(|c| c.len_utf8()).unwrap_or(1);
        r += ch;
        d += ch;
    }
    r
}

fn decode_entity(ent: &str) -> Option<char> {
    match ent {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let n = if let Some(h) = ent.strip_prefix("#x").or_else(|| ent.strip_prefix("#X")) {
                u32::from_str_radix(h, 16).ok()?
            } else if let Some(d) = ent.strip_prefix('#') {
                d.parse().ok()?
            } else {
                return None;
            };
            char::from_u32(n)
        }
    }
}

/// Decodes entity references; `Err(offset)` at an unknown or malformed one.
pub fn unescape(raw: &str, normalize_ws: bool) -> Result<String, usize> {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let rest = &raw[i..];
        let c = rest.chars().next().unwrap_or(' ');
        if c == '&' {
            let semi = rest.find(';').ok_or(i)?;
            let ch = decode_entity(&rest[1..semi]).ok_or(i)?;
            out.push(ch);
            i += semi + 1;
        } else {
            if normalize_ws && matches!(c, '\t' | '\n' | '\r') {
                // XML attribute-value normalisation; `\r\n` counts once.
                if !(c == '\n' && raw[..i].ends_with('\r')) {
                    out.push(' ');
                }
            } else {
                out.push(c);
            }
            i += c.len_utf8();
        }
    }
    Ok(out)
}

/// An element with its attributes, children and text.
#[derive(Clone, Debug)]
pub struct Element {
    pub name: String,
    /// Span of the name in the start tag.
    pub name_span: Span,
    /// Span of the whole start tag (`<name ...>`).
    pub tag_span: Span,
    pub attrs: Vec<Attr>,
    pub children: Vec<Element>,
    /// Concatenated text and CDATA content directly inside this element.
    pub text: String,
    pub text_span: Option<Span>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.attr(name).map(|a| a.value.as_str())
    }

    pub fn source(&self) -> SourceId {
        self.name_span.source
    }
}

fn malformed(source: SourceId, pos: usize, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::error("DM001", msg)
        .with_span(Span::new(source, pos, pos + 1))
        .with_label("here")
        .with_help("the model must be well-formed XML with a single root element")
}

/// Parses a whole document; returns the root element.
// Errors are cold and end the stage; boxing them would only add noise at every call site.
#[allow(clippy::result_large_err)]
pub fn parse(text: &str, source: SourceId) -> Result<Element, Diagnostic> {
    if text.len() > MAX_BYTES {
        return Err(Diagnostic::error(
            "DM001",
            format!("model file is larger than the limit of {} MiB", MAX_BYTES >> 20),
        )
        .with_help("split the model with <include>"));
    }
    // A byte-order mark is skipped; positions stay offsets into the whole text.
    let base = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let body = &text[base..];
    let mut reader = Reader::from_str(body);
    let cfg = reader.config_mut();
    cfg.check_end_names = true;
    cfg.trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let start = base + reader.buffer_position() as usize;
        let ev = reader.read_event().map_err(|e| {
            let pos = base + reader.error_position() as usize;
            malformed(source, pos.min(text.len()), format!("malformed XML: {e}"))
        })?;
        let end = base + reader.buffer_position() as usize;
        match ev {
            Event::Start(_) | Event::Empty(_) => {
                let is_empty = matches!(ev, Event::Empty(_));
                let tag = &text[start..end];
                let el = scan_tag(tag, start, source, is_empty)?;
                if root.is_some() && stack.is_empty() {
                    return Err(malformed(source, start, "more than one root element"));
                }
                if is_empty {
                    push_child(&mut stack, &mut root, el);
                } else {
                    if stack.len() >= MAX_DEPTH {
                        return Err(malformed(
                            source,
                            start,
                            format!("elements are nested deeper than the limit of {MAX_DEPTH}"),
                        ));
                    }
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| malformed(source, start, "unexpected end tag"))?;
                push_child(&mut stack, &mut root, el);
            }
            Event::Text(t) => {
                let raw = std::str::from_utf8(t.as_ref()).unwrap_or("");
                if let Some(top) = stack.last_mut() {
                    let decoded = unescape(raw, false)
                        .map_err(|off| malformed(source, start + off, "unknown entity reference"))?;
                    if !decoded.trim().is_empty() && top.text_span.is_none() {
                        top.text_span = Some(Span::new(source, start, end));
                    }
                    top.text.push_str(&decoded);
                } else if !raw.trim().is_empty() {
                    return Err(malformed(source, start, "text outside the root element"));
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(t.as_ref()));
                    if top.text_span.is_none() {
                        top.text_span = Some(Span::new(source, start, end));
                    }
                }
            }
            Event::DocType(_) => {
                return Err(Diagnostic::error("DM001", "DOCTYPE declarations are not allowed in models")
                    .with_span(Span::new(source, start, end))
                    .with_label("refused: entity declarations could expand without bound")
                    .with_help("remove the <!DOCTYPE ...> declaration"));
            }
            Event::Comment(c) => {
                let body: &[u8] = &c;
                if body.windows(2).any(|w| w == b"--") || body.ends_with(b"-") {
                    return Err(malformed(source, start, "'--' is not allowed inside an XML comment"));
                }
            }
            Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(malformed(
            source,
            open.tag_span.start as usize,
            format!("element <{}> is never closed", open.name),
        ));
    }
    root.ok_or_else(|| malformed(source, 0, "the document has no root element"))
}

fn push_child(stack: &mut [Element], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

/// Scans `<name a="v" b='w'>` (or `/>`) starting at byte `base`.
#[allow(clippy::result_large_err)]
fn scan_tag(tag: &str, base: usize, source: SourceId, empty: bool) -> Result<Element, Diagnostic> {
    let b = tag.as_bytes();
    let mut i = 1; // after '<'
    let name_start = i;
    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'/' && b[i] != b'>' {
        i += 1;
    }
    let name = tag[name_start..i].to_string();
    let name_span = Span::new(source, base + name_start, base + i);
    let stop = if empty { b.len().saturating_sub(2) } else { b.len().saturating_sub(1) };
    let mut attrs: Vec<Attr> = Vec::new();
    loop {
        while i < stop && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= stop {
            break;
        }
        let an_start = i;
        while i < stop && b[i] != b'=' && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        let an_end = i;
        while i < stop && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= stop || b[i] != b'=' {
            return Err(malformed(source, base + an_start, "attribute without a value"));
        }
        i += 1;
        while i < stop && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= stop || (b[i] != b'"' && b[i] != b'\'') {
            return Err(malformed(source, base + i, "attribute value must be quoted"));
        }
        let q = b[i];
        i += 1;
        let v_start = i;
        while i < stop && b[i] != q {
            i += 1;
        }
        if i >= stop {
            return Err(malformed(source, base + v_start, "unterminated attribute value"));
        }
        let raw = &tag[v_start..i];
        i += 1;
        let aname = tag[an_start..an_end].to_string();
        if raw.contains('<') {
            return Err(malformed(source, base + v_start, "'<' is not allowed in attribute values"));
        }
        let value =
            unescape(raw, true).map_err(|off| malformed(source, base + v_start + off, "unknown entity reference"))?;
        if attrs.iter().any(|a| a.name == aname) {
            return Err(malformed(source, base + an_start, format!("duplicate attribute '{aname}'")));
        }
        attrs.push(Attr {
            name: aname,
            name_span: Span::new(source, base + an_start, base + an_end),
            value,
            raw: raw.to_string(),
            value_span: Span::new(source, base + v_start, base + v_start + raw.len()),
        });
    }
    Ok(Element {
        name,
        name_span,
        tag_span: Span::new(source, base, base + tag.len()),
        attrs,
        children: Vec::new(),
        text: String::new(),
        text_span: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_attribute_spans_through_escapes() {
        let src = r#"<setup><key name="k" script="a + &quot;x&quot; + b"/></setup>"#;
        let root = parse(src, SourceId(0)).expect("parses");
        let key = &root.children[0];
        let a = key.attr("script").expect("script");
        assert_eq!(a.value, r#"a + "x" + b"#);
        let pos = a.value.find('b').expect("b");
        let sp = a.source_span(pos, pos + 1);
        assert_eq!(&src[sp.start as usize..sp.end as usize], "b");
    }

    #[test]
    fn refuses_doctype() {
        let src = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><setup/>"#;
        let err = parse(src, SourceId(0)).expect_err("refused");
        assert_eq!(err.code, "DM001");
    }

    #[test]
    fn reports_unclosed_and_mismatched() {
        assert!(parse("<setup><generate></setup>", SourceId(0)).is_err());
        assert!(parse("<setup>", SourceId(0)).is_err());
        assert!(parse("", SourceId(0)).is_err());
    }

    #[test]
    fn byte_order_mark_is_skipped_and_spans_stay_exact() {
        let src = "\u{feff}<setup><key name=\"k\"/></setup>";
        let root = parse(src, SourceId(0)).expect("parses");
        let key = &root.children[0];
        let a = key.attr("name").expect("name");
        assert_eq!(&src[a.value_span.start as usize..a.value_span.end as usize], "k");
        assert!(parse("\u{feff}<set", SourceId(0)).is_err());
    }

    #[test]
    fn double_hyphen_in_comment_is_malformed() {
        assert!(parse("<setup><!-- a -- b --></setup>", SourceId(0)).is_err());
        assert!(parse("<setup><!-- a - b --></setup>", SourceId(0)).is_ok());
    }

    #[test]
    fn depth_limit() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep, SourceId(0)).is_err());
    }

    #[test]
    fn normalises_whitespace_in_attributes() {
        let root = parse("<setup a=\"x\n y\"/>", SourceId(0)).expect("parses");
        assert_eq!(root.get("a"), Some("x  y"));
    }
}
