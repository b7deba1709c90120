//! Data sources: CSV, JSON, XML, DbUnit XML, XLSX, fixed-width and weighted CSV files read
//! into rows.
//!
//! Rows are insertion-ordered maps. CSV and fixed-width cells stay strings (dsl §5.1); JSON and
//! XLSX keep their types. Errors name the file and, for CSV, the line.

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
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = 1 + valid.iter().filter(|b| **b == b'\n').count();
        format!("{}: line {line}: not valid UTF-8", path.display())
    })?;
    Ok(text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text))
}

/// File formats a `source=` can name, by suffix (dsl §5.1; the longest suffix wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.csv`, also `.ent.csv` and `.wgt.ent.csv` (plain CSV with a header).
    Csv,
    Json,
    /// `.xml`: `<list><item>…` rows or one row.
    Xml,
    /// `.dbunit.xml`: the rows of one table of a flat-XML dataset.
    DbUnit,
    Xlsx,
    /// `.fcw`: fixed-width columns described by the first line.
    FixedWidth,
}

impl Format {
    /// The format of a file name, `None` when it is not a data file.
    pub fn of(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        Some(if lower.ends_with(".dbunit.xml") {
            Format::DbUnit
        } else if lower.ends_with(".csv") {
            Format::Csv
        } else if lower.ends_with(".json") {
            Format::Json
        } else if lower.ends_with(".xml") {
            Format::Xml
        } else if lower.ends_with(".xlsx") {
            Format::Xlsx
        } else if lower.ends_with(".fcw") {
            Format::FixedWidth
        } else {
            return None;
        })
    }
}

/// The suffixes of [`Format`], for messages.
pub const FILE_SUFFIXES: &str = ".csv .json .xml .dbunit.xml .xlsx .fcw";

/// Reads a data file by its suffix. `separator` applies to CSV, `table` to DbUnit datasets.
/// `None` when the name has no data-file suffix.
pub fn read_source(path: &Path, separator: &str, table: &str) -> Option<Result<Rows, String>> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    Some(match Format::of(&name)? {
        Format::Csv => read_csv(path, separator),
        Format::Json => read_json(path),
        Format::Xml => read_xml(path),
        Format::DbUnit => read_dbunit(path, table),
        Format::Xlsx => read_xlsx(path),
        Format::FixedWidth => read_fixed_width(path),
    })
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

/// Reads one table of a DbUnit flat-XML dataset: every child of `<dataset>` named `table` is a
/// row, its attributes the columns. Columns are the union over the table's rows in first-seen
/// order; an absent attribute is `None` (a NULL cell). An external DTD reference
/// (`<!DOCTYPE dataset SYSTEM "…">`) is skipped, never loaded.
pub fn read_dbunit(path: &Path, table: &str) -> Result<Rows, String> {
    let text = read_text(path)?;
    parse_dbunit(&text, table).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses DbUnit flat-XML text (see [`read_dbunit`]).
pub fn parse_dbunit(text: &str, table: &str) -> Result<Rows, String> {
    let text = blank_external_doctype(text);
    let root = crate::parser::xml::parse(&text, crate::source::SourceId(u32::MAX - 1)).map_err(|d| d.message)?;
    if root.name != "dataset" {
        return Err(format!("a DbUnit dataset has a <dataset> root, not <{}>", root.name));
    }
    let raw: Vec<&crate::parser::xml::Element> = root.children.iter().filter(|c| c.name == table).collect();
    if raw.is_empty() {
        let mut tables: Vec<&str> = root.children.iter().map(|c| c.name.as_str()).collect();
        tables.sort_unstable();
        tables.dedup();
        return Err(format!("no rows for table '{table}'; the dataset has: {}", tables.join(", ")));
    }
    let mut columns: Vec<Arc<str>> = Vec::new();
    for el in &raw {
        for a in &el.attrs {
            if !columns.iter().any(|c| **c == *a.name) {
                columns.push(Arc::from(a.name.as_str()));
            }
        }
    }
    Ok(raw
        .iter()
        .map(|el| {
            let mut m = Map::with_capacity(columns.len());
            for c in &columns {
                m.insert(c.clone(), el.attr(c).map(|a| Value::str(&a.value)).unwrap_or(Value::Null));
            }
            Arc::new(m)
        })
        .collect())
}

/// Replaces a DOCTYPE without an internal subset by spaces (byte offsets stay); one with an
/// internal subset (`[…]`) is left for the parser to refuse.
fn blank_external_doctype(text: &str) -> std::borrow::Cow<'_, str> {
    let Some(start) = text.find("<!DOCTYPE") else {
        return std::borrow::Cow::Borrowed(text);
    };
    let Some(len) = text[start..].find('>') else {
        return std::borrow::Cow::Borrowed(text);
    };
    let decl = &text[start..start + len + 1];
    if decl.contains('[') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start]);
    out.extend(decl.chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
    out.push_str(&text[start + len + 1..]);
    std::borrow::Cow::Owned(out)
}

/// Reads a fixed-width file whose first line is its column spec, `# id[5r0],name[10]` (the
/// layout the FixedWidth target writes). Cells are strings: a left-aligned cell is trimmed of
/// whitespace, a right-aligned one stripped of its leading pad characters. Widths count
/// characters; a short line gives short or empty cells.
pub fn read_fixed_width(path: &Path) -> Result<Rows, String> {
    let text = read_text(path)?;
    parse_fixed_width(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses fixed-width text (see [`read_fixed_width`]).
pub fn parse_fixed_width(text: &str) -> Result<Rows, String> {
    let mut lines = text.lines();
    let Some(first) = lines.next() else {
        return Ok(Vec::new());
    };
    let Some(spec) = first.strip_prefix('#') else {
        return Err("line 1: a fixed-width file starts with its column spec, e.g. `# id[5r0],name[10]`".into());
    };
    let columns = crate::builtins::targets::fixed_width_columns(spec.trim()).map_err(|e| format!("line 1: {e}"))?;
    let names: Vec<Arc<str>> = columns.iter().map(|c| Arc::from(c.name.as_str())).collect();
    let mut rows = Vec::new();
    for line in lines {
        let mut m = Map::with_capacity(columns.len());
        let mut rest = line;
        for (c, name) in columns.iter().zip(&names) {
            let cut = rest.char_indices().nth(c.width).map(|(i, _)| i).unwrap_or(rest.len());
            let raw = &rest[..cut];
            rest = &rest[cut..];
            let cell = if c.right { raw.trim_start_matches(c.pad) } else { raw.trim() };
            m.insert(name.clone(), Value::str(cell));
        }
        rows.push(Arc::new(m));
    }
    Ok(rows)
}

/// Reads the active sheet of an `.xlsx` workbook: the first row is the header (blank header
/// cells are skipped, others read as text), each further row a record. Cells keep their types:
/// integral numbers are ints, other numbers floats, date cells datetimes, empty cells `None`.
pub fn read_xlsx(path: &Path) -> Result<Rows, String> {
    use calamine::Reader;
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read '{}': {e}", path.display()))?;
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(format!("'{}' is larger than the limit of 1 GiB", path.display()));
    }
    let bad = |e: &dyn std::fmt::Display| format!("'{}' is not a valid .xlsx file: {e}", path.display());
    let (active, date1904) = xlsx_workbook_props(path).map_err(|e| bad(&e))?;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).map_err(|e| bad(&e))?;
    let n = wb.sheet_names().len();
    if n == 0 {
        return Ok(Vec::new());
    }
    let range = match wb.worksheet_range_at(active.min(n - 1)) {
        Some(r) => r.map_err(|e| bad(&e))?,
        None => return Ok(Vec::new()),
    };
    let mut it = range.rows();
    let Some(header) = it.next() else {
        return Ok(Vec::new());
    };
    let columns: Vec<(usize, Arc<str>)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match xlsx_cell(c, date1904) {
            Value::Null => None,
            Value::Str(s) if s.trim().is_empty() => None,
            v => Some((i, Arc::from(v.py_str()))),
        })
        .collect();
    Ok(it
        .map(|row| {
            let mut m = Map::with_capacity(columns.len());
            for (i, name) in &columns {
                m.insert(name.clone(), row.get(*i).map(|c| xlsx_cell(c, date1904)).unwrap_or(Value::Null));
            }
            Arc::new(m)
        })
        .collect())
}

/// The active sheet index and the 1904 date system flag from `xl/workbook.xml`.
fn xlsx_workbook_props(path: &Path) -> Result<(usize, bool), String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| e.to_string())?;
    let mut text = String::new();
    match zip.by_name("xl/workbook.xml") {
        Ok(mut f) => {
            f.by_ref().take(MAX_SOURCE_BYTES).read_to_string(&mut text).map_err(|e| e.to_string())?;
        }
        Err(e) => return Err(e.to_string()),
    }
    let attr = |name: &str| -> Option<String> {
        let p = text.find(&format!(" {name}=\""))? + name.len() + 3;
        let end = text[p..].find('"')?;
        Some(text[p..p + end].to_string())
    };
    let active = attr("activeTab").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    let date1904 = attr("date1904").is_some_and(|v| v == "1" || v == "true");
    Ok((active, date1904))
}

/// One XLSX cell as a value (see [`read_xlsx`]).
fn xlsx_cell(c: &calamine::Data, date1904: bool) -> Value {
    use calamine::Data;
    match c {
        Data::Empty => Value::Null,
        Data::Int(i) => Value::Int(*i),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 => Value::Int(*f as i64),
        Data::Float(f) => Value::Float(*f),
        Data::String(s) => Value::str(s),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(d) => excel_serial_datetime(d.as_f64(), date1904).map(Value::DateTime).unwrap_or(Value::Null),
        Data::DateTimeIso(s) => {
            crate::builtins::datetime::parse_iso(s).map(Value::DateTime).unwrap_or_else(|| Value::str(s))
        }
        Data::DurationIso(s) => Value::str(s),
        Data::Error(e) => Value::from(e.to_string()),
    }
}

/// An Excel serial date (days since 1899-12-30, with Excel's 1900 leap-year bug below day 60;
/// or days since 1904-01-01) as a datetime, rounded to the millisecond.
fn excel_serial_datetime(serial: f64, date1904: bool) -> Option<jiff::civil::DateTime> {
    if !serial.is_finite() || serial.abs() > 3.0e6 {
        return None;
    }
    let days = if date1904 { serial + 1462.0 } else { serial };
    let days = if days < 60.0 { days + 1.0 } else { days };
    let ms = (days * 86_400_000.0).round() as i64;
    let epoch = jiff::civil::date(1899, 12, 30).at(0, 0, 0, 0);
    crate::builtins::datetime::add_micros(epoch, ms * 1000)
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
    fn fixed_width_cells_are_trimmed_or_stripped_of_their_pad() {
        let rows = parse_fixed_width("# id[5r0],name[6],code[4r_]\n00042Ann   __x9\n00007Bob\n").expect("parses");
        assert_eq!(rows.len(), 2);
        let get = |r: usize, k: &str| rows[r].get(k).and_then(|v| v.as_str()).map(str::to_string);
        assert_eq!(get(0, "id").as_deref(), Some("42"));
        assert_eq!(get(0, "name").as_deref(), Some("Ann"));
        assert_eq!(get(0, "code").as_deref(), Some("x9"));
        assert_eq!(get(1, "name").as_deref(), Some("Bob"));
        assert_eq!(get(1, "code").as_deref(), Some(""));
        assert!(parse_fixed_width("").expect("empty").is_empty());
        assert!(parse_fixed_width("id[5]\n1").is_err());
        assert!(parse_fixed_width("# id[x]\n1").is_err());
    }

    #[test]
    fn fixed_width_widths_count_characters() {
        let rows = parse_fixed_width("# a[3],b[2]\nüöäxy\n").expect("parses");
        assert_eq!(rows[0].get("a").and_then(|v| v.as_str()), Some("üöä"));
        assert_eq!(rows[0].get("b").and_then(|v| v.as_str()), Some("xy"));
    }

    #[test]
    fn dbunit_reads_one_table_with_column_sensing() {
        let text = "<?xml version=\"1.0\"?>\n<!DOCTYPE dataset SYSTEM \"dataset.dtd\">\n<dataset>\n  \
                    <customer id=\"1\" name=\"Ann\"/>\n  <order id=\"9\"/>\n  <customer id=\"2\" email=\"b@x\"/>\n</dataset>\n";
        let rows = parse_dbunit(text, "customer").expect("parses");
        assert_eq!(rows.len(), 2);
        let keys: Vec<&str> = rows[1].keys().map(|k| &**k).collect();
        assert_eq!(keys, ["id", "name", "email"]);
        assert!(rows[1].get("name").is_some_and(Value::is_null));
        assert_eq!(rows[1].get("email").and_then(|v| v.as_str()), Some("b@x"));
        let err = parse_dbunit(text, "invoice").expect_err("no such table");
        assert!(err.contains("customer, order"), "{err}");
        assert!(parse_dbunit("<list/>", "x").is_err());
        assert!(parse_dbunit("<!DOCTYPE d [<!ENTITY a \"b\">]><dataset/>", "x").is_err());
    }

    #[test]
    fn xlsx_cells_keep_their_types() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("t.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        let first = wb.add_worksheet();
        first.write_string(0, 0, "ignored").expect("write");
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "id").expect("write");
        ws.write_string(0, 2, "price").expect("write");
        ws.write_string(0, 3, "when").expect("write");
        ws.write_number(1, 0, 1.0).expect("write");
        ws.write_string(1, 1, "under a blank header").expect("write");
        ws.write_number(1, 2, 2.5).expect("write");
        let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let dt = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 2, 29).expect("date").and_hms(13, 4, 5).expect("time");
        ws.write_datetime_with_format(1, 3, &dt, &fmt).expect("write");
        ws.write_number(2, 0, 2.0).expect("write");
        ws.set_active(true);
        wb.save(&path).expect("save");
        let rows = read_xlsx(&path).expect("reads");
        assert_eq!(rows.len(), 2);
        let keys: Vec<&str> = rows[0].keys().map(|k| &**k).collect();
        assert_eq!(keys, ["id", "price", "when"]);
        assert_eq!(rows[0].get("id").map(Value::py_repr).as_deref(), Some("1"));
        assert_eq!(rows[0].get("price").map(Value::py_repr).as_deref(), Some("2.5"));
        assert_eq!(rows[0].get("when").map(Value::py_str).as_deref(), Some("2024-02-29 13:04:05"));
        assert!(rows[1].get("price").is_some_and(Value::is_null));
        std::fs::write(&path, b"not a zip").expect("write");
        assert!(read_xlsx(&path).expect_err("invalid").contains("not a valid .xlsx"));
    }

    #[test]
    fn excel_serials_follow_the_1900_and_1904_systems() {
        let d = |s: f64, y: bool| excel_serial_datetime(s, y).map(|d| d.to_string());
        assert_eq!(d(1.0, false).as_deref(), Some("1900-01-01T00:00:00"));
        assert_eq!(d(61.0, false).as_deref(), Some("1900-03-01T00:00:00"));
        assert_eq!(d(25569.5, false).as_deref(), Some("1970-01-01T12:00:00"));
        assert_eq!(d(0.0, true).as_deref(), Some("1904-01-01T00:00:00"));
        assert_eq!(d(f64::NAN, false), None);
    }

    #[test]
    fn formats_by_longest_suffix() {
        assert_eq!(Format::of("a.dbunit.xml"), Some(Format::DbUnit));
        assert_eq!(Format::of("a.XML"), Some(Format::Xml));
        assert_eq!(Format::of("a.wgt.ent.csv"), Some(Format::Csv));
        assert_eq!(Format::of("a.fcw"), Some(Format::FixedWidth));
        assert_eq!(Format::of("a.xlsx"), Some(Format::Xlsx));
        assert_eq!(Format::of("a.txt"), None);
    }

    #[test]
    fn properties_split_at_first_equals() {
        let p = parse_properties("# c\nN = 10\nurl=a=b\n\n");
        assert_eq!(p, vec![("N".into(), "10".into()), ("url".into(), "a=b".into())]);
    }
}
