//! Data sources: CSV, JSON, XML and weighted CSV files read into rows.
//!
//! Rows are insertion-ordered maps. CSV cells stay strings (dsl §5.1); JSON keeps its types.
//! Errors name the file and, for CSV, the line.

use std::path::Path;
use std::sync::Arc;

use crate::builtins::functions::from_json;
use crate::vm::value::{Map, Value};

pub type Rows = Vec<Arc<Map>>;

/// Largest data file read (bytes).
pub const MAX_SOURCE_BYTES: u64 = 1 << 30;

fn read_text(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read '{}': {e}", path.display()))?;
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(format!("'{}' is larger than the limit of 1 GiB", path.display()));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read '{}': {e}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("'{}' is not valid UTF-8", path.display()))?;
    Ok(text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text))
}

/// Reads a CSV file with a header row; every value is a string.
pub fn read_csv(path: &Path, separator: &str) -> Result<Rows, String> {
    let text = read_text(path)?;
    parse_csv(&text, separator).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses CSV text (header row first).
pub fn parse_csv(text: &str, separator: &str) -> Result<Rows, String> {
    let sep = separator.as_bytes();
    if sep.len() != 1 {
        return Err(format!("the CSV separator must be one character, got '{separator}'"));
    }
    let mut rdr =
        csv::ReaderBuilder::new().delimiter(sep[0]).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut header: Option<Vec<Arc<str>>> = None;
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| format!("line {}: {e}", i + 1))?;
        match &header {
            None => {
                header = Some(rec.iter().map(|h| Arc::from(h.trim())).collect());
            }
            Some(h) => {
                if rec.len() == 1 && rec.get(0).is_some_and(|c| c.is_empty()) {
                    continue;
                }
                let mut m = Map::with_capacity(h.len());
                for (k, v) in h.iter().zip(rec.iter()) {
                    m.insert(k.clone(), Value::str(v));
                }
                rows.push(Arc::new(m));
            }
        }
    }
    Ok(rows)
}

/// The header of a CSV file (for static name resolution), without reading the rows.
pub fn csv_header(path: &Path, separator: &str) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let sep = *separator.as_bytes().first()?;
    let mut rdr =
        csv::ReaderBuilder::new().delimiter(sep).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let rec = rdr.records().next()?.ok()?;
    Some(rec.iter().map(|h| h.trim().to_string()).collect())
}

/// Reads a JSON file: an array of objects (rows) or one object (one row).
pub fn read_json(path: &Path) -> Result<Rows, String> {
    let text = read_text(path)?;
    let j: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: invalid JSON: {e}", path.display()))?;
    json_rows(&j).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn json_rows(j: &serde_json::Value) -> Result<Rows, String> {
    match j {
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, it)| match from_json(it) {
                Value::Map(m) => Ok(m),
                other => Err(format!("item {i} is a {}, not an object", other.type_name())),
            })
            .collect(),
        serde_json::Value::Object(_) => match from_json(j) {
            Value::Map(m) => Ok(vec![m]),
            _ => Ok(vec![]),
        },
        _ => Err("expected an array of objects or an object".into()),
    }
}

/// Reads an XML file: `<list><item>…</item></list>` gives one row per item; any other document
/// gives one row. Child elements become keys, attributes `@name`, text `#text`.
pub fn read_xml(path: &Path) -> Result<Rows, String> {
    let text = read_text(path)?;
    let root = crate::parser::xml::parse(&text, crate::source::SourceId(u32::MAX - 1))
        .map_err(|d| format!("{}: {}", path.display(), d.message))?;
    // `<list><item>…</item></list>`: one row per item; any other document is one row holding
    // the root element under its name.
    if root.name == "list" {
        let mut rows = Vec::new();
        for it in &root.children {
            match xml_value(it) {
                Value::Map(m) => rows.push(m),
                other => {
                    let mut m = Map::new();
                    m.insert(Arc::from(it.name.as_str()), other);
                    rows.push(Arc::new(m));
                }
            }
        }
        return Ok(rows);
    }
    let mut m = Map::new();
    m.insert(Arc::from(root.name.as_str()), xml_value(&root));
    Ok(vec![Arc::new(m)])
}

fn xml_value(el: &crate::parser::xml::Element) -> Value {
    if el.children.is_empty() && el.attrs.is_empty() {
        return Value::str(el.text.trim());
    }
    let mut m = Map::new();
    for a in &el.attrs {
        m.insert(Arc::from(format!("@{}", a.name)), Value::str(&a.value));
    }
    for c in &el.children {
        let v = xml_value(c);
        let key: Arc<str> = Arc::from(c.name.as_str());
        match m.get_mut(&key) {
            Some(Value::List(l)) => Arc::make_mut(l).push(v),
            Some(existing) => {
                let prev = existing.clone();
                *existing = Value::list(vec![prev, v]);
            }
            None => {
                m.insert(key, v);
            }
        }
    }
    if !el.text.trim().is_empty() {
        m.insert(Arc::from("#text"), Value::str(el.text.trim()));
    }
    Value::map(m)
}

/// Reads a `.wgt.csv` file: `value,weight` rows (header skipped when the second cell of the
/// first row is not a number; a missing weight counts 1).
pub fn read_weighted(path: &Path, separator: &str) -> Result<(Vec<Value>, Vec<f64>), String> {
    let text = read_text(path)?;
    let sep = separator.as_bytes().first().copied().unwrap_or(b',');
    let mut rdr =
        csv::ReaderBuilder::new().delimiter(sep).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut values = Vec::new();
    let mut weights = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| format!("{}: line {}: {e}", path.display(), i + 1))?;
        let v = rec.get(0).unwrap_or("").to_string();
        let w = rec.get(1).map(str::trim);
        match w.map(|w| w.parse::<f64>()) {
            Some(Ok(w)) => {
                if !(w.is_finite() && w >= 0.0) {
                    return Err(format!("{}: line {}: weight must be a non-negative number", path.display(), i + 1));
                }
                values.push(Value::from(v));
                weights.push(w);
            }
            Some(Err(_)) if i == 0 => continue,
            Some(Err(_)) => {
                return Err(format!("{}: line {}: weight '{}' is not a number", path.display(), i + 1, w.unwrap_or("")))
            }
            None => {
                if v.is_empty() {
                    continue;
                }
                values.push(Value::from(v));
                weights.push(1.0);
            }
        }
    }
    Ok((values, weights))
}

/// Reads a `.properties` file: `key=value` lines, `#` comments.
pub fn read_properties(path: &Path) -> Result<Vec<(String, String)>, String> {
    let text = read_text(path)?;
    Ok(parse_properties(&text))
}

pub fn parse_properties(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_strings_keyed_by_header() {
        let rows = parse_csv("id|name\n1|Ann\n2|\"B|ob\"\n", "|").expect("parses");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].get("name").and_then(|v| v.as_str()), Some("B|ob"));
        assert_eq!(rows[0].get("id").and_then(|v| v.as_str()), Some("1"));
    }

    #[test]
    fn short_rows_miss_keys() {
        let rows = parse_csv("a,b\n1\n", ",").expect("parses");
        assert!(rows[0].get("b").is_none());
    }

    #[test]
    fn properties_split_at_first_equals() {
        let p = parse_properties("# c\nN = 10\nurl=a=b\n\n");
        assert_eq!(p, vec![("N".into(), "10".into()), ("url".into(), "a=b".into())]);
    }
}
