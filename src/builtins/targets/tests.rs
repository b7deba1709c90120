//! Golden-output tests: the expected bytes were produced by the Python code paths datamimic-ce
//! uses (`csv.DictWriter`, `json.dumps`, `xmltodict.unparse` + lxml, `quoteattr`) on the same
//! records.

use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::vm::value::{Map, Value};

type Fields = Vec<(Arc<str>, Value)>;

fn rec(pairs: Vec<(&str, Value)>) -> Fields {
    pairs.into_iter().map(|(k, v)| (Arc::from(k), v)).collect()
}

fn map(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(Arc::from(k), v);
    }
    Value::map(m)
}

fn s(text: &str) -> Value {
    Value::str(text)
}

fn dt(y: i16, mo: i8, d: i8, h: i8, mi: i8, sec: i8, us: i32) -> Value {
    Value::DateTime(jiff::civil::date(y, mo, d).at(h, mi, sec, us * 1000))
}

fn list(items: Vec<Value>) -> Value {
    Value::list(items)
}

fn opts(name: &str) -> FileOptions {
    FileOptions { name: name.into(), ..FileOptions::default() }
}

fn spec(target: &str) -> TargetSpec {
    match parse_targets(target).unwrap().as_slice() {
        [TargetItem::File(spec)] => spec.clone(),
        other => panic!("expected one file target, got {other:?}"),
    }
}

/// Writes `records` through `target` into `dir` and commits; returns the pending file.
fn write_to(dir: &Path, target: &str, records: &[Fields], o: &FileOptions) -> Option<Pending> {
    let spec = spec(target);
    let mut sink = open(&spec, dir, "person", o).unwrap();
    for r in records {
        sink.write(&Record::new(r)).unwrap();
    }
    let pending = sink.finish().unwrap()?;
    assert!(pending.tmp.exists());
    assert!(!pending.path.exists(), "the final name appears only at commit");
    assert_eq!(pending.rows, records.len() as u64);
    let bytes = std::fs::read(&pending.tmp).unwrap();
    assert_eq!(pending.blake3, blake3::hash(&bytes).to_hex().to_string());
    pending.commit().unwrap();
    assert!(!pending.tmp.exists());
    Some(pending)
}

/// The committed file's text.
fn render_with(target: &str, records: &[Fields], o: &FileOptions) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = write_to(dir.path(), target, records, o).expect("a file");
    let ext = extension(&spec(target).kind, &spec(target).params);
    assert_eq!(p.path, dir.path().join(format!("person.{ext}")));
    String::from_utf8(std::fs::read(&p.path).unwrap()).unwrap()
}

fn render(target: &str, records: &[Fields]) -> String {
    render_with(target, records, &opts("person"))
}

/// Two records covering nulls, floats, bools, datetimes, nested values, non-ASCII text, the
/// delimiter and quotes; the second has an extra key and misses two.
fn people() -> Vec<Fields> {
    vec![
        rec(vec![
            ("id", Value::Int(1)),
            ("name", s("Müller, \"Hans\"")),
            ("price", Value::Float(1.0)),
            ("active", Value::Bool(true)),
            ("born", dt(2020, 12, 5, 12, 47, 45, 0)),
            ("addr", map(vec![("city", s("Berlin")), ("zip", Value::Null)])),
            ("tags", list(vec![Value::Int(1), s("a")])),
            ("note", Value::Null),
        ]),
        rec(vec![
            ("id", Value::Int(2)),
            ("name", s("Ann|Lee\nx")),
            ("price", Value::Float(0.1 + 0.2)),
            ("active", Value::Bool(false)),
            ("born", dt(2024, 1, 2, 3, 4, 5, 600)),
            ("extra", s("dropped")),
            ("note", s("<b>&'")),
        ]),
    ]
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

#[test]
fn csv_default_separator_and_minimal_quoting() {
    assert_eq!(
        render("CSV", &people()),
        "id|name|price|active|born|addr|tags|note\r\n\
         1|\"Müller, \"\"Hans\"\"\"|1.0|True|2020-12-05 12:47:45|{'city': 'Berlin', 'zip': None}|[1, 'a']|\r\n\
         2|\"Ann|Lee\nx\"|0.30000000000000004|False|2024-01-02 03:04:05.000600|||<b>&'\r\n"
    );
}

#[test]
fn csv_delimiter_param_and_setup_separator() {
    let expected = "id;name;price;active;born;addr;tags;note\r\n\
         1;\"Müller, \"\"Hans\"\"\";1.0;True;2020-12-05 12:47:45;{'city': 'Berlin', 'zip': None};[1, 'a'];\r\n\
         2;\"Ann|Lee\nx\";0.30000000000000004;False;2024-01-02 03:04:05.000600;;;<b>&'\r\n";
    assert_eq!(render("CSV(delimiter=';')", &people()), expected);
    let o = FileOptions { separator: ";".into(), ..opts("person") };
    assert_eq!(render_with("CSV", &people(), &o), expected);
}

#[test]
fn csv_quoting_all_and_nonnumeric() {
    assert_eq!(
        render("CSV(quoting=1)", &people()),
        "\"id\"|\"name\"|\"price\"|\"active\"|\"born\"|\"addr\"|\"tags\"|\"note\"\r\n\
         \"1\"|\"Müller, \"\"Hans\"\"\"|\"1.0\"|\"True\"|\"2020-12-05 12:47:45\"|\"{'city': 'Berlin', 'zip': None}\"|\"[1, 'a']\"|\"\"\r\n\
         \"2\"|\"Ann|Lee\nx\"|\"0.30000000000000004\"|\"False\"|\"2024-01-02 03:04:05.000600\"|\"\"|\"\"|\"<b>&'\"\r\n"
    );
    assert_eq!(
        render("CSV(quoting=2)", &people()),
        "\"id\"|\"name\"|\"price\"|\"active\"|\"born\"|\"addr\"|\"tags\"|\"note\"\r\n\
         1|\"Müller, \"\"Hans\"\"\"|1.0|True|\"2020-12-05 12:47:45\"|\"{'city': 'Berlin', 'zip': None}\"|\"[1, 'a']\"|\"\"\r\n\
         2|\"Ann|Lee\nx\"|0.30000000000000004|False|\"2024-01-02 03:04:05.000600\"|\"\"|\"\"|\"<b>&'\"\r\n"
    );
}

#[test]
fn csv_quoting_none_refuses_fields_that_need_escaping() {
    let spec = spec("CSV(quoting=3)");
    let dir = tempfile::tempdir().unwrap();
    let mut sink = open(&spec, dir.path(), "person", &opts("person")).unwrap();
    let r = rec(vec![("a", s("x|y"))]);
    let err = sink.write(&Record::new(&r)).unwrap_err();
    assert!(err.contains("no escapechar"), "{err}");
}

#[test]
fn csv_single_empty_field_rows_are_quoted() {
    let rows = vec![rec(vec![("a", Value::Null)]), rec(vec![("a", s(""))]), rec(vec![("a", Value::Int(1))])];
    assert_eq!(render("CSV", &rows), "a\r\n\"\"\r\n\"\"\r\n1\r\n");
}

#[test]
fn csv_fieldnames_fix_the_columns_and_values_use_python_str() {
    let rows = vec![rec(vec![
        ("b", Value::Bytes(Arc::from(&b"hi"[..]))),
        ("a", Value::Decimal("1.50".parse().unwrap())),
        ("c", Value::Float(1e16)),
    ])];
    assert_eq!(render("CSV(fieldnames=['a', 'b', 'z'])", &rows), "a|b|z\r\n1.50|aGk=|\r\n");
    // datamimic literal-evals a string value.
    assert_eq!(render("CSV(fieldnames=\"['c']\")", &rows), "c\r\n1e+16\r\n");
}

#[test]
fn csv_drops_attributes_and_unwraps_text() {
    let rows = vec![rec(vec![
        ("@kind", s("x")),
        ("v", map(vec![("#text", Value::Int(5)), ("@unit", s("kg"))])),
        ("w", list(vec![map(vec![("@a", Value::Int(1)), ("k", Value::Int(2))])])),
    ])];
    assert_eq!(render("CSV", &rows), "v|w\r\n5|[{'k': 2}]\r\n");
}

// ---------------------------------------------------------------------------------------------
// JSON, TXT
// ---------------------------------------------------------------------------------------------

#[test]
fn json_array_one_record_per_line() {
    assert_eq!(
        render("JSON", &people()),
        "[\n\
         {\"id\": 1, \"name\": \"M\\u00fcller, \\\"Hans\\\"\", \"price\": 1.0, \"active\": true, \"born\": \"2020-12-05T12:47:45\", \"addr\": {\"city\": \"Berlin\", \"zip\": null}, \"tags\": [1, \"a\"], \"note\": null},\n\
         {\"id\": 2, \"name\": \"Ann|Lee\\nx\", \"price\": 0.30000000000000004, \"active\": false, \"born\": \"2024-01-02T03:04:05.000600\", \"extra\": \"dropped\", \"note\": \"<b>&'\"}\n\
         ]"
    );
}

#[test]
fn ndjson_one_object_per_line() {
    let rows = vec![
        rec(vec![("id", Value::Int(1)), ("d", Value::Decimal("2.50".parse().unwrap()))]),
        rec(vec![("id", Value::Int(2)), ("@x", Value::Int(0)), ("b", Value::Bytes(Arc::from(&[0xffu8][..])))]),
    ];
    assert_eq!(render("JSON(use_ndjson=True)", &rows), "{\"id\": 1, \"d\": \"2.50\"}\n{\"id\": 2, \"b\": \"/w==\"}\n");
    assert_eq!(extension(&TargetKind::Json, &spec("JSON(use_ndjson=True)").params), "ndjson");
    assert_eq!(extension(&TargetKind::Json, &spec("JSON(use_ndjson=False)").params), "json");
}

#[test]
fn txt_python_repr_lines() {
    assert_eq!(
        render("TXT", &people()),
        "person: {'id': 1, 'name': 'Müller, \"Hans\"', 'price': 1.0, 'active': True, 'born': datetime.datetime(2020, 12, 5, 12, 47, 45), 'addr': {'city': 'Berlin', 'zip': None}, 'tags': [1, 'a'], 'note': None}\n\
         person: {'id': 2, 'name': 'Ann|Lee\\nx', 'price': 0.30000000000000004, 'active': False, 'born': datetime.datetime(2024, 1, 2, 3, 4, 5, 600), 'extra': 'dropped', 'note': \"<b>&'\"}\n"
    );
}

#[test]
fn txt_uses_the_setup_line_separator() {
    let o = FileOptions { line_separator: "\r\n".into(), ..opts("p") };
    let rows = vec![rec(vec![("a", Value::Int(1))]), rec(vec![("a", Value::Int(2))])];
    assert_eq!(render_with("TXT", &rows, &o), "p: {'a': 1}\r\np: {'a': 2}\r\n");
}

// ---------------------------------------------------------------------------------------------
// XML
// ---------------------------------------------------------------------------------------------

#[test]
fn xml_items_attributes_text_lists_and_nulls() {
    let rows = vec![
        rec(vec![
            ("id", Value::Int(1)),
            ("@kind", s("a\"b")),
            ("name", s("x<y>&z")),
            ("ok", Value::Bool(true)),
            ("born", dt(2020, 12, 5, 12, 47, 45, 0)),
            ("none", Value::Null),
            ("lst", list(vec![Value::Int(1), Value::Null, list(vec![Value::Int(2), Value::Int(3)])])),
            (
                "m",
                map(vec![
                    ("@at", s("q'uo\"te")),
                    ("#text", s("body")),
                    ("child", Value::Null),
                    ("deep", map(vec![("v", Value::Float(1.5))])),
                ]),
            ),
            ("empty", list(vec![])),
            ("tup", Value::Tuple(Arc::new(vec![Value::Int(1), Value::Int(2)]))),
        ]),
        rec(vec![
            ("id", Value::Int(2)),
            ("m", map(vec![("x", list(vec![map(vec![("y", Value::Int(1))]), map(vec![("y", Value::Int(2))])]))])),
            ("e", map(vec![])),
        ]),
    ];
    assert_eq!(
        render("XML", &rows),
        "<list>\n\
         <item kind='a\"b'><id>1</id><name>x&lt;y&gt;&amp;z</name><ok>true</ok><born>2020-12-05</born><none>None</none><lst>1</lst><lst>None</lst><lst>['2', '3']</lst><m at=\"q'uo&quot;te\"><child></child><deep><v>1.5</v></deep>body</m><tup>(1, 2)</tup></item>\n\
         <item><id>2</id><m><x><y>1</y></x><x><y>2</y></x></m><e></e></item>\n\
         </list>"
    );
}

#[test]
fn xml_root_and_item_element_params() {
    let rows = vec![rec(vec![("a", Value::Int(1)), ("b", Value::Int(2))])];
    assert_eq!(
        render("XML(root_element='root', item_element='row')", &rows),
        "<root>\n<row><a>1</a><b>2</b></row>\n</root>"
    );
}

#[test]
fn xml_single_item_with_single_child_is_reduced() {
    assert_eq!(render("XML", &[rec(vec![("cid", Value::Int(1))])]), "<cid>1</cid>");
    // lxml re-serialises: self-closing empty elements, double-quoted attributes, the item's
    // text as the child's tail.
    let r = rec(vec![
        ("c", map(vec![("@a", s("x\ny\"")), ("v", s("")), ("w", s("a\r\nb"))])),
        ("@top", s("t")),
        ("#text", s("tail")),
    ]);
    assert_eq!(render("XML", &[r]), "<c a=\"x&#10;y&quot;\"><v/><w>a\nb</w></c>tail");
    // A list of two is two children: not reduced.
    let r = rec(vec![("l", list(vec![Value::Int(1), Value::Int(2)]))]);
    assert_eq!(render("XML", &[r]), "<list>\n<item><l>1</l><l>2</l></item>\n</list>");
}

#[test]
fn xml_rejects_names_that_break_markup() {
    let spec = spec("XML");
    let dir = tempfile::tempdir().unwrap();
    let mut sink = open(&spec, dir.path(), "person", &opts("person")).unwrap();
    let r = rec(vec![("first name", s("x"))]);
    let err = sink.write(&Record::new(&r)).unwrap_err();
    assert!(err.contains("whitespace"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// DbUnit, FixedWidth, XLSX
// ---------------------------------------------------------------------------------------------

#[test]
fn dbunit_dataset() {
    let dec = || Value::Decimal("1.50".parse().unwrap());
    let when = dt(2020, 12, 5, 12, 47, 45, 0);
    let rows = vec![
        rec(vec![
            ("id", Value::Int(1)),
            ("name", s("say \"hi\"")),
            ("n", Value::Null),
            ("d", when.clone()),
            (
                "m",
                map(vec![
                    ("when", when),
                    ("dec", dec()),
                    ("t", Value::Tuple(Arc::new(vec![Value::Int(1), Value::Int(2)]))),
                ]),
            ),
            ("b", Value::Bool(true)),
            ("dec", dec()),
        ]),
        rec(vec![("id", Value::Int(2)), ("name", s("it's \"x\"")), ("f", Value::Float(2.5))]),
    ];
    assert_eq!(
        render_with("DbUnit", &rows, &opts("customer")),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<dataset>\n    \
         <customer id=\"1\" name='say \"hi\"' d=\"2020-12-05 12:47:45\" m=\"{'when': '2020-12-05 12:47:45', 'dec': '1.50', 't': [1, 2]}\" b=\"True\" dec=\"1.50\"/>\n    \
         <customer id=\"2\" name=\"it's &quot;x&quot;\" f=\"2.5\"/>\n</dataset>\n"
    );
}

#[test]
fn fixed_width_columns() {
    let rows = vec![
        rec(vec![("id", Value::Int(7)), ("name", s("Zoë")), ("x", Value::Null)]),
        rec(vec![("id", Value::Int(1234567)), ("name", s("Alexander")), ("x", Value::Bool(true))]),
    ];
    assert_eq!(
        render("FixedWidth(columns='id[5r0],name[6],x[6r],y[3_]')", &rows),
        "# id[5r0],name[6],x[6r],y[3_]\n00007Zoë   00None___\n1234567Alexander00True___\n"
    );
}

#[test]
fn fixed_width_requires_valid_columns() {
    let err = parse_targets("FixedWidth").unwrap_err();
    assert!(err.contains("columns"), "{err}");
    let err = parse_targets("FixedWidth(columns='id[x]')").unwrap_err();
    assert!(err.contains("id[x]"), "{err}");
    let err = open(&TargetSpec::new(TargetKind::FixedWidth), Path::new("."), "p", &opts("p")).err().unwrap();
    assert!(err.contains("columns"), "{err}");
    assert_eq!(
        fixed_width::parse_columns("a[5]], b[12r], c[3rx]").unwrap(),
        vec![
            fixed_width::Column { name: "a".into(), width: 5, right: false, pad: ']' },
            fixed_width::Column { name: "b".into(), width: 12, right: true, pad: '0' },
            fixed_width::Column { name: "c".into(), width: 3, right: true, pad: 'x' },
        ]
    );
}

#[test]
fn xlsx_reads_back_with_typed_cells() {
    use calamine::{open_workbook, Data, Reader, Xlsx};

    let rows = vec![
        rec(vec![
            ("id", Value::Int(1)),
            ("name", s("Müller")),
            ("ok", Value::Bool(true)),
            ("born", dt(2020, 12, 5, 12, 47, 45, 0)),
            ("m", map(vec![("city", s("Köln")), ("n", list(vec![Value::Int(1), Value::Null]))])),
            ("note", Value::Null),
        ]),
        rec(vec![("id", Value::Int(2)), ("price", Value::Float(2.5)), ("@attr", s("dropped"))]),
    ];
    let dir = tempfile::tempdir().unwrap();
    let p = write_to(dir.path(), "XLSX(sheet_name='people')", &rows, &opts("person")).unwrap();
    assert_eq!(p.path, dir.path().join("person.xlsx"));
    let mut wb: Xlsx<_> = open_workbook(&p.path).unwrap();
    assert_eq!(wb.sheet_names(), vec!["people".to_string()]);
    let range = wb.worksheet_range("people").unwrap();
    let got: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    let t = |x: &str| Data::String(x.into());
    assert_eq!(
        got,
        vec![
            vec![t("id"), t("name"), t("ok"), t("born"), t("m"), t("note"), t("price")],
            vec![
                Data::Float(1.0),
                t("Müller"),
                Data::Bool(true),
                t("2020-12-05T12:47:45"),
                t("{\"city\": \"Köln\", \"n\": [1, null]}"),
                Data::Empty,
                Data::Empty,
            ],
            vec![Data::Float(2.0), Data::Empty, Data::Empty, Data::Empty, Data::Empty, Data::Empty, Data::Float(2.5),],
        ]
    );
    // The same records give the same bytes.
    let dir2 = tempfile::tempdir().unwrap();
    let p2 = write_to(dir2.path(), "XLSX(sheet_name='people')", &rows, &opts("person")).unwrap();
    assert_eq!(p.blake3, p2.blake3);
}

// ---------------------------------------------------------------------------------------------
// files: atomicity, empty products
// ---------------------------------------------------------------------------------------------

#[test]
fn zero_rows_create_no_file() {
    for target in ["CSV", "JSON", "XML", "TXT", "XLSX", "DbUnit", "FixedWidth(columns='a[1]')"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let sink = open(&spec(target), &out, "person", &opts("person")).unwrap();
        assert!(sink.finish().unwrap().is_none(), "{target}");
        assert!(!out.exists(), "{target} created something");
    }
}

#[test]
fn temporary_file_until_commit_and_cleanup_on_drop() {
    let dir = tempfile::tempdir().unwrap();
    let r = rec(vec![("a", Value::Int(1))]);
    let mut sink = open(&spec("CSV"), dir.path(), "person", &opts("person")).unwrap();
    sink.write(&Record::new(&r)).unwrap();
    let names = || -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(), vec![format!(".person.csv.tmp-{}", std::process::id())]);
    let pending = sink.finish().unwrap().unwrap();
    assert!(!dir.path().join("person.csv").exists());
    pending.discard();
    assert!(names().is_empty());

    // Two sinks for the same name never share a temporary file.
    let mut a = open(&spec("CSV"), dir.path(), "person", &opts("person")).unwrap();
    let mut b = open(&spec("CSV"), dir.path(), "person", &opts("person")).unwrap();
    a.write(&Record::new(&r)).unwrap();
    b.write(&Record::new(&r)).unwrap();
    b.write(&Record::new(&r)).unwrap();
    let (pa, pb) = (a.finish().unwrap().unwrap(), b.finish().unwrap().unwrap());
    assert_ne!(pa.tmp, pb.tmp);
    assert_eq!(std::fs::read(&pa.tmp).unwrap(), b"a\r\n1\r\n");
    assert_eq!(std::fs::read(&pb.tmp).unwrap(), b"a\r\n1\r\n1\r\n");
    pa.discard();
    pb.discard();

    // A sink dropped without finish (a failed run) removes its temporary file.
    let mut sink = open(&spec("JSON"), dir.path(), "person", &opts("person")).unwrap();
    sink.write(&Record::new(&r)).unwrap();
    assert_eq!(names().len(), 1);
    drop(sink);
    assert!(names().is_empty());
}

#[test]
fn non_utf8_encodings() {
    let rows = vec![rec(vec![("name", s("Zoë"))])];
    let dir = tempfile::tempdir().unwrap();
    let p = write_to(dir.path(), "CSV(encoding='latin-1')", &rows, &opts("person")).unwrap();
    assert_eq!(std::fs::read(&p.path).unwrap(), b"name\r\nZo\xeb\r\n");
    let spec = spec("TXT(encoding='ascii')");
    let mut sink = open(&spec, dir.path(), "t", &opts("t")).unwrap();
    let err = sink.write(&Record::new(&rows[0])).unwrap_err();
    assert!(err.contains("'ascii' codec can't encode"), "{err}");
    assert!(parse_targets("CSV(encoding='klingon')").unwrap_err().contains("klingon"));
    // XML declares a non-UTF-8 encoding.
    let rows = vec![rec(vec![("a", Value::Int(1)), ("b", Value::Int(2))])];
    assert_eq!(
        render("XML(encoding='latin-1')", &rows),
        "<?xml version=\"1.0\" encoding=\"latin-1\"?>\n<list>\n<item><a>1</a><b>2</b></item>\n</list>"
    );
}

// ---------------------------------------------------------------------------------------------
// target="…" parsing
// ---------------------------------------------------------------------------------------------

fn names(items: &[TargetItem]) -> Vec<String> {
    items
        .iter()
        .map(|t| match t {
            TargetItem::File(s) => display_spec(s),
            TargetItem::Other(o) => format!("other:{o}"),
        })
        .collect()
}

#[test]
fn parse_target_lists() {
    let p = |t: &str| names(&parse_targets(t).unwrap());
    assert_eq!(p("CSV,JSON"), vec!["CSV", "JSON"]);
    assert_eq!(p(" CSV , JSON "), vec!["CSV", "JSON"]);
    assert_eq!(p("CSV(delimiter=';')"), vec!["CSV(delimiter=';')"]);
    assert_eq!(p("JSON(use_ndjson=True, chunk_size=100),CSV"), vec!["JSON(use_ndjson=True, chunk_size=100)", "CSV"]);
    assert_eq!(p("mem"), vec!["other:mem"]);
    assert_eq!(p("mem,CSV"), vec!["other:mem", "CSV"]);
    assert_eq!(p("db.upsert"), vec!["other:db.upsert"]);
    assert_eq!(p("mongo.update(batch=5)"), vec!["other:mongo.update"]);
    assert_eq!(p("'CSV', \"JSON\""), vec!["CSV", "JSON"]);
    assert_eq!(p("ConsoleExporter,LogExporter"), vec!["ConsoleExporter", "LogExporter"]);
    assert_eq!(p("TestResultExporter"), vec!["other:TestResultExporter"]);
    // Unknown names (not file exporters) go to the engine, which knows the memstore and
    // client ids and reports the rest.
    assert_eq!(p("PDF"), vec!["other:PDF"]);
    assert_eq!(p("csv"), vec!["other:csv"]);
    assert!(p("").is_empty());
    assert!(p(" , ").is_empty());
    assert_eq!(p("CSV,"), vec!["CSV"]);
}

#[test]
fn parse_targets_collapses_duplicates() {
    let p = |t: &str| names(&parse_targets(t).unwrap());
    assert_eq!(p("CSV,CSV,JSON,CSV"), vec!["CSV", "JSON"]);
    assert_eq!(p("mem,mem"), vec!["other:mem"]);
    assert_eq!(p("CSV(delimiter=';'),CSV(delimiter=';')"), vec!["CSV(delimiter=';')"]);
    // JSON and NDJSON write different files.
    assert_eq!(p("JSON,JSON(use_ndjson=True)"), vec!["JSON", "JSON(use_ndjson=True)"]);
    // use_ndjson=False is plain JSON: the explicit default collapses with the bare name.
    assert_eq!(p("JSON,JSON(use_ndjson=False)"), vec!["JSON"]);
    let err = parse_targets("CSV,CSV(delimiter=';')").unwrap_err();
    assert!(err.contains("same output"), "{err}");
}

#[test]
fn parse_targets_checks_parameters() {
    let err = |t: &str| parse_targets(t).unwrap_err();
    assert!(err("CSV(delim=';')").contains("unknown parameter 'delim'"));
    assert!(err("CSV(delimiter=1)").contains("'delimiter'"));
    assert!(err("CSV(delimiter='ab')").contains("'delimiter'"));
    assert!(err("CSV(quoting='1')").contains("'quoting'"));
    assert!(err("CSV(quoting=9)").contains("'quoting'"));
    assert!(err("JSON(use_ndjson=1)").contains("'use_ndjson'"));
    assert!(err("JSON(chunk_size=0)").contains("'chunk_size'"));
    assert!(err("XML(root_element=list)").contains("'root_element' must be a literal"));
    assert!(err("CSV(';')").contains("keyword"));
    assert!(err("CSV(delimiter=';', delimiter=',')").contains("twice"));
    assert!(err("ConsoleExporter(x=1)").contains("takes no parameters"));
    assert!(err("CSV(fieldnames=[1])").contains("'fieldnames'"));
    assert!(err("CSV(").starts_with("invalid target"));
    assert!(err("1 + 2").contains("unsupported target item"));
    // A None literal counts as unset.
    assert_eq!(names(&parse_targets("CSV(delimiter=None)").unwrap()), vec!["CSV(delimiter=None)"]);
    // A wrong type in a directly built spec is caught by open.
    let mut bad = TargetSpec::new(TargetKind::Xlsx);
    bad.params.push(("sheet_name".into(), Value::Int(3)));
    assert!(open(&bad, Path::new("."), "p", &opts("p")).err().unwrap().contains("'sheet_name'"));
}

#[test]
fn extensions() {
    let ext = |k: TargetKind| extension(&k, &[]);
    assert_eq!(ext(TargetKind::Csv), "csv");
    assert_eq!(ext(TargetKind::Json), "json");
    assert_eq!(ext(TargetKind::Xml), "xml");
    assert_eq!(ext(TargetKind::Txt), "txt");
    assert_eq!(ext(TargetKind::Xlsx), "xlsx");
    assert_eq!(ext(TargetKind::DbUnit), "dbunit.xml");
    assert_eq!(ext(TargetKind::FixedWidth), "fcw");
    assert_eq!(ext(TargetKind::Console), "");
}

#[test]
fn console_and_log_write_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let r = rec(vec![("a", Value::Int(1))]);
    for target in ["ConsoleExporter", "LogExporter"] {
        let mut sink = open(&spec(target), dir.path(), "person", &opts("person")).unwrap();
        sink.write(&Record::new(&r)).unwrap();
        assert!(sink.finish().unwrap().is_none());
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Records written as: the first by the sink, then chunks by forks appended in order — or as
/// shards (continued / open-ended files) concatenated — give the bytes of one sink writing them
/// all.
#[test]
fn forks_and_shards_concatenate_to_the_sequential_bytes() {
    let records: Vec<Fields> = (0..7)
        .map(|i| {
            let mut r = rec(vec![("id", Value::Int(i)), ("name", s(&format!("n\"{i}, x")))]);
            if i % 3 == 1 {
                r.push((Arc::from("extra"), Value::Float(i as f64 / 4.0)));
            }
            r
        })
        .collect();
    for target in ["CSV", "JSON", "TXT", "DbUnit", "FixedWidth(columns='id[4r],name[12]')"] {
        let whole = render(target, &records);
        // Forks.
        let dir = tempfile::tempdir().unwrap();
        let mut sink = open(&spec(target), dir.path(), "person", &opts("person")).unwrap();
        sink.write(&Record::new(&records[0])).unwrap();
        for chunk in records[1..].chunks(2) {
            let mut fork = sink.fork().unwrap_or_else(|| panic!("{target} forks"));
            for r in chunk {
                fork.write(&Record::new(r)).unwrap();
            }
            let (bytes, n) = fork.drain(Vec::new());
            assert_eq!(n, chunk.len() as u64);
            sink.append(&bytes, n).unwrap();
        }
        let p = sink.finish().unwrap().unwrap();
        assert_eq!(p.rows, records.len() as u64);
        p.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&p.path).unwrap(), whole, "{target} forked");
        // Shards: 0..2, 2..5, 5..7; later shards have seen (primed with) record 0.
        let mut text = String::new();
        for (k, range) in [(0..2), (2..5), (5..7)].into_iter().enumerate() {
            let dir = tempfile::tempdir().unwrap();
            let o = FileOptions { continued: k > 0, open_end: k < 2, ..opts("person") };
            let mut sink = open(&spec(target), dir.path(), "person", &o).unwrap();
            sink.prime(&Record::new(&records[0]));
            for r in &records[range] {
                sink.write(&Record::new(r)).unwrap();
            }
            let p = sink.finish().unwrap().unwrap();
            p.commit().unwrap();
            text.push_str(&std::fs::read_to_string(&p.path).unwrap());
        }
        assert_eq!(text, whole, "{target} in shards");
    }
}

/// Both ways of writing a file (on the formatting thread, on a writer thread of its own) give
/// the same bytes and the BLAKE3 of those bytes, across many chunks, with pieces given away
/// (`append_owned`, large and small) between records; the buffers of written pieces come back
/// for reuse, emptied by the next `drain`.
#[test]
fn writing_here_or_on_a_thread_gives_the_same_bytes_and_hash() {
    let records: Vec<Fields> =
        (0..60_000).map(|i| rec(vec![("id", Value::Int(i)), ("text", s(&"x".repeat((i % 97) as usize)))])).collect();
    let mut outputs = Vec::new();
    for background in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let o = FileOptions { background, ..opts("person") };
        let mut sink = open(&spec("CSV"), dir.path(), "person", &o).unwrap();
        let mut spare = Vec::new();
        let mut written = 0u64;
        for (k, part) in records.chunks(6_000).enumerate() {
            if k % 2 == 0 {
                for r in part {
                    sink.write(&Record::new(r)).unwrap();
                }
            } else {
                let mut fork = sink.fork().unwrap();
                for r in part {
                    fork.write(&Record::new(r)).unwrap();
                }
                let (bytes, n) = fork.drain(std::mem::take(&mut spare));
                assert_eq!(n, part.len() as u64);
                if let Some(back) = sink.append_owned(bytes, n).unwrap() {
                    spare = back;
                    // Whatever it held, the next drain starts it empty.
                    let mut f = sink.fork().unwrap();
                    let (b, _) = f.drain(std::mem::take(&mut spare));
                    assert!(b.is_empty());
                }
            }
            written += part.len() as u64;
        }
        let p = sink.finish().unwrap().unwrap();
        assert_eq!(p.rows, written);
        let bytes = std::fs::read(&p.tmp).unwrap();
        assert!(bytes.len() > 3 * 1024 * 1024, "several chunks: {}", bytes.len());
        assert_eq!(p.blake3, blake3::hash(&bytes).to_hex().to_string());
        p.commit().unwrap();
        outputs.push((bytes, p.blake3.clone()));
    }
    assert!(outputs[0] == outputs[1], "writing here and on a thread differ");
    let lines = String::from_utf8(outputs[0].0.clone()).unwrap();
    assert_eq!(lines.lines().count(), records.len() + 1);
    assert!(lines.starts_with("id|text\r\n0|\r\n1|x\r\n"), "{}", &lines[..20]);
}

/// A commit replaces a file of the same name (the old one is removed first); a folder of
/// that name is an error, and the output stays under its temporary name.
#[test]
fn commit_replaces_an_old_file_but_not_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("person.csv"), "old\n".repeat(1000)).unwrap();
    let r = rec(vec![("a", Value::Int(1))]);
    let mut sink = open(&spec("CSV"), dir.path(), "person", &opts("person")).unwrap();
    sink.write(&Record::new(&r)).unwrap();
    let p = sink.finish().unwrap().unwrap();
    assert_eq!(std::fs::read(dir.path().join("person.csv")).unwrap().len(), 4000, "untouched until commit");
    p.commit().unwrap();
    assert_eq!(std::fs::read(dir.path().join("person.csv")).unwrap(), b"a\r\n1\r\n");
    assert!(!p.tmp.exists());

    std::fs::create_dir(dir.path().join("folder.csv")).unwrap();
    std::fs::write(dir.path().join("folder.csv").join("keep"), "x").unwrap();
    let mut sink = open(&spec("CSV"), dir.path(), "folder", &opts("folder")).unwrap();
    sink.write(&Record::new(&r)).unwrap();
    let p = sink.finish().unwrap().unwrap();
    assert!(p.commit().is_err());
    assert!(dir.path().join("folder.csv").join("keep").exists());
    assert!(p.tmp.exists());
    p.discard();
}
