//! Databases as sources and targets: SQLite always, PostgreSQL when `DATAMIMIC_PG_URL` names a
//! server (`bash .ci/postgres start` starts one and prints its URL). Without the URL the
//! PostgreSQL tests print why they are skipped; with `DATAMIMIC_REQUIRE_PG=1` (CI) a missing URL
//! fails them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use datamimic::diag::{render, Diagnostic};
use datamimic::domains::determinism::Seed;
use datamimic::engine::{self, RunOptions, RunReport};
use datamimic::ir::lower::{lower_file, LowerOptions};

/// Where the database of a test lives.
enum Db {
    /// `test.sqlite` in the test folder, declared with a relative path.
    Sqlite,
    /// A schema of its own on the PostgreSQL server; the settings come from
    /// `conf/environment.env.properties`.
    Pg { url: String, schema: String },
}

struct Env {
    dir: tempfile::TempDir,
    db: Db,
}

fn pg_url(test: &str) -> Option<String> {
    match std::env::var("DATAMIMIC_PG_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("DATAMIMIC_REQUIRE_PG").as_deref() != Ok("1"),
                "{test}: DATAMIMIC_REQUIRE_PG=1 but DATAMIMIC_PG_URL is not set"
            );
            eprintln!(
                "{test}: skipped: set DATAMIMIC_PG_URL=postgresql://USER:PASSWORD@HOST:PORT/DB to run the PostgreSQL \
                 tests (`bash .ci/postgres start` starts a local server and prints its URL)"
            );
            None
        }
    }
}

fn pg_client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
}

/// Connection settings of a URL, as `(host, port, user, password, dbname)`.
fn pg_settings(url: &str) -> (String, u16, String, String, String) {
    let cfg = postgres::Config::from_str(url).expect("DATAMIMIC_PG_URL is a postgresql:// URL");
    let host = match cfg.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".into(),
    };
    let port = cfg.get_ports().first().copied().unwrap_or(5432);
    let user = cfg.get_user().unwrap_or("postgres").to_string();
    let password = cfg.get_password().map(|p| String::from_utf8_lossy(p).to_string()).unwrap_or_default();
    let db = cfg.get_dbname().unwrap_or("postgres").to_string();
    (host, port, user, password, db)
}

impl Env {
    fn sqlite() -> Env {
        Env { dir: tempfile::tempdir().expect("tmp"), db: Db::Sqlite }
    }

    /// `None` (with a message) when no server is configured.
    fn pg(test: &str) -> Option<Env> {
        let url = pg_url(test)?;
        let schema = format!("dm_{test}");
        let mut c = pg_client(&url);
        c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
            .expect("create the test schema");
        let dir = tempfile::tempdir().expect("tmp");
        let (host, port, user, password, db) = pg_settings(&url);
        std::fs::create_dir_all(dir.path().join("conf")).expect("conf");
        std::fs::write(
            dir.path().join("conf/environment.env.properties"),
            format!(
                "db.db.dbms=postgresql\ndb.db.host={host}\ndb.db.port={port}\ndb.db.user={user}\n\
                 db.db.password={password}\ndb.db.database={db}\ndb.db.schema={schema}\n"
            ),
        )
        .expect("properties");
        Some(Env { dir, db: Db::Pg { url, schema } })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn out(&self) -> PathBuf {
        self.path().join("out")
    }

    fn is_pg(&self) -> bool {
        matches!(self.db, Db::Pg { .. })
    }

    /// The `<database id="db">` declaration.
    fn decl(&self) -> &'static str {
        match self.db {
            Db::Sqlite => r#"<database id="db" dbms="sqlite" database="test.sqlite"/>"#,
            Db::Pg { .. } => r#"<database id="db"/>"#,
        }
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text).expect("write");
    }

    /// Writes `model.xml` (`<setup rngSeed="42">`, the declaration, `body`) and lowers it.
    fn lower(&self, body: &str) -> Result<datamimic::ir::model::Model, String> {
        let xml = format!("<setup rngSeed=\"42\">\n  {}\n{body}\n</setup>\n", self.decl());
        self.write("model.xml", &xml);
        let (sm, m, diags) =
            lower_file(&self.path().join("model.xml"), &LowerOptions { for_run: true, ..LowerOptions::default() });
        match m {
            Some(m) if !diags.has_errors() => Ok(m),
            _ => Err(render::plain(&diags, &sm)),
        }
    }

    /// Runs a model; panics when it does not lower.
    fn run(&self, body: &str) -> Result<RunReport, Box<Diagnostic>> {
        let m = self.lower(body).unwrap_or_else(|e| panic!("model does not lower:\n{e}"));
        let opts = RunOptions::new(self.out(), Seed::Int(42), jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0));
        engine::run(&m, &opts)
    }

    fn run_ok(&self, body: &str) -> RunReport {
        self.run(body).unwrap_or_else(|d| panic!("run failed: {} [{}] help: {:?}", d.message, d.code, d.help))
    }

    fn run_err(&self, body: &str) -> Box<Diagnostic> {
        match self.run(body) {
            Ok(_) => panic!("the run should fail"),
            Err(d) => d,
        }
    }

    /// Rows of a query on the test database, every value as text (`NULL` for null).
    fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        match &self.db {
            Db::Sqlite => {
                let c = rusqlite::Connection::open(self.path().join("test.sqlite")).expect("open");
                let mut st = c.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
                let n = st.column_count();
                let mut out = Vec::new();
                let mut rows = st.query([]).expect("query");
                while let Some(r) = rows.next().expect("row") {
                    out.push(
                        (0..n)
                            .map(|i| match r.get_ref(i).expect("value") {
                                rusqlite::types::ValueRef::Null => "NULL".to_string(),
                                rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                                rusqlite::types::ValueRef::Real(f) => f.to_string(),
                                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).to_string(),
                                rusqlite::types::ValueRef::Blob(b) => format!("{b:?}"),
                            })
                            .collect(),
                    );
                }
                out
            }
            Db::Pg { url, schema } => {
                let mut c = pg_client(url);
                c.batch_execute(&format!("SET search_path TO {schema}")).expect("search_path");
                c.simple_query(sql)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
                    .into_iter()
                    .filter_map(|m| match m {
                        postgres::SimpleQueryMessage::Row(r) => {
                            Some((0..r.len()).map(|i| r.get(i).unwrap_or("NULL").to_string()).collect())
                        }
                        _ => None,
                    })
                    .collect()
            }
        }
    }

    fn count(&self, table: &str) -> i64 {
        self.rows(&format!("SELECT count(*) FROM {table}"))[0][0].parse().expect("count")
    }

    fn read_out(&self, name: &str) -> String {
        let p = self.out().join(name);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }
}

/// Runs `f` against SQLite, and against PostgreSQL when configured.
macro_rules! both {
    ($sqlite:ident, $pg:ident, $f:ident) => {
        #[test]
        fn $sqlite() {
            $f(&Env::sqlite());
        }

        #[test]
        fn $pg() {
            if let Some(env) = Env::pg(stringify!($pg)) {
                $f(&env);
            }
        }
    };
}

const PEOPLE: &str = "DROP TABLE IF EXISTS people_masked;
DROP TABLE IF EXISTS people;
CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, email TEXT, age INTEGER, score DOUBLE PRECISION,
  active BOOLEAN, born DATE);
CREATE TABLE people_masked (id INTEGER PRIMARY KEY, name TEXT, email TEXT, age INTEGER, score DOUBLE PRECISION,
  active BOOLEAN, born DATE);
INSERT INTO people VALUES (1, 'Ann Lee', 'ann@example.com', 34, 1.5, TRUE, '1990-05-01');
INSERT INTO people VALUES (2, 'Bob Stone', 'bob@example.com', NULL, 2.25, FALSE, NULL);
INSERT INTO people VALUES (3, 'Cy Young', 'cy@example.com', 51, NULL, TRUE, '1973-12-24');
";

fn typed_rows_are_read_in_key_order(env: &Env) {
    env.write("schema.sql", PEOPLE);
    env.run_ok(
        r#"<execute uri="schema.sql" target="db"/>
  <variable name="min_age" script="30"/>
  <generate name="people" source="db" distribution="ordered" target="JSON"/>
  <generate name="older" source="db" distribution="ordered" target="CSV"
            selector="SELECT name, age FROM people WHERE age &gt;= __min_age__ ORDER BY id"/>
  <generate name="picked" count="3" target="CSV">
    <variable name="p" source="db" type="people" distribution="ordered"/>
    <key name="who" script="p.name"/>
    <key name="born" script="p.born"/>
  </generate>"#,
    );
    let json: serde_json::Value = serde_json::from_str(&env.read_out("people.json")).expect("JSON");
    let rows = json.as_array().expect("array");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["id"], 1);
    assert_eq!(rows[0]["name"], "Ann Lee");
    assert_eq!(rows[0]["age"], 34);
    assert_eq!(rows[0]["score"], 1.5);
    assert_eq!(rows[0]["active"], true);
    assert_eq!(rows[0]["born"], "1990-05-01");
    assert_eq!(rows[1]["age"], serde_json::Value::Null);
    assert_eq!(rows[1]["active"], false);
    assert_eq!(rows[2]["score"], serde_json::Value::Null);
    let keys: Vec<&String> = rows[0].as_object().expect("object").keys().collect();
    assert_eq!(keys, ["id", "name", "email", "age", "score", "active", "born"]);
    assert_eq!(env.read_out("older.csv"), "name|age\r\nAnn Lee|34\r\nCy Young|51\r\n");
    assert_eq!(env.read_out("picked.csv"), "who|born\r\nAnn Lee|1990-05-01\r\nBob Stone|\r\nCy Young|1973-12-24\r\n");
}
both!(sqlite_typed_rows_are_read_in_key_order, pg_typed_rows_are_read_in_key_order, typed_rows_are_read_in_key_order);

fn masking_reads_a_table_and_writes_another(env: &Env) {
    env.write("schema.sql", PEOPLE);
    env.run_ok(
        r#"<execute uri="schema.sql" target="db"/>
  <iterate name="people" source="db" type="people" distribution="ordered" target="db"
           targetEntity="people_masked">
    <key name="name" script="name" converter="MiddleMask(1, 1)"/>
    <key name="email" script="email" converter="Hash('sha256', 'hex')"/>
  </iterate>"#,
    );
    let rows = env.rows(
        "SELECT id, name, email, coalesce(age, -1), CASE WHEN active THEN 1 ELSE 0 END, born FROM people_masked \
         ORDER BY id",
    );
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][..2], ["1", "A*****e"]);
    assert_eq!(rows[1][1], "B*******e");
    assert!(rows.iter().all(|r| r[2].len() == 64 && r[2].chars().all(|c| c.is_ascii_hexdigit())), "{rows:?}");
    assert_eq!(rows[0][3..], ["34", "1", "1990-05-01"]);
    assert_eq!(rows[1][3..], ["-1", "0", "NULL"]);
    // The source table is untouched.
    assert_eq!(env.rows("SELECT name FROM people WHERE id = 1"), [["Ann Lee"]]);
}
both!(
    sqlite_masking_reads_a_table_and_writes_another,
    pg_masking_reads_a_table_and_writes_another,
    masking_reads_a_table_and_writes_another
);

fn update_upsert_and_delete_by_primary_key(env: &Env) {
    env.write(
        "schema.sql",
        "DROP TABLE IF EXISTS items;
CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT, qty INTEGER);
INSERT INTO items VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3);",
    );
    env.run_ok(
        r#"<execute uri="schema.sql" target="db"/>
  <generate name="upd" count="2" target="db.update" targetEntity="items">
    <key name="id" generator="IncrementGenerator"/>
    <key name="qty" script="id * 10"/>
  </generate>
  <generate name="ups" count="2" target="db.upsert" targetEntity="items">
    <key name="id" generator="IncrementGenerator(start=3)"/>
    <key name="label" script="'u' + str(id)"/>
    <key name="qty" constant="7" type="int"/>
  </generate>
  <generate name="del" count="1" target="db.delete" targetEntity="items">
    <key name="id" constant="2" type="int"/>
  </generate>
  <generate name="items" count="1" target="db">
    <key name="id" constant="9" type="int"/>
    <key name="label" constant="new"/>
  </generate>"#,
    );
    let rows = env.rows("SELECT id, label, coalesce(qty, -1) FROM items ORDER BY id");
    assert_eq!(rows, [["1", "a", "10"], ["3", "u3", "7"], ["4", "u4", "7"], ["9", "new", "-1"]]);
}
both!(
    sqlite_update_upsert_and_delete_by_primary_key,
    pg_update_upsert_and_delete_by_primary_key,
    update_upsert_and_delete_by_primary_key
);

const KEYS: &str = "DROP TABLE IF EXISTS orders;
DROP TABLE IF EXISTS customers;
CREATE TABLE customers (id INTEGER PRIMARY KEY, code TEXT);
INSERT INTO customers VALUES (1, 'c1'), (2, 'c2'), (3, 'c3'), (4, 'c4'), (5, 'c5');
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (id), code TEXT);
";

fn references_pick_existing_keys(env: &Env) {
    env.write("schema.sql", KEYS);
    env.run_ok(
        r#"<execute uri="schema.sql" target="db"/>
  <generate name="orders" count="40" target="db,CSV">
    <key name="id" generator="IncrementGenerator"/>
    <reference name="customer_id" source="db" sourceType="customers" sourceKey="id" distribution="random"/>
  </generate>
  <generate name="uniq" count="5" target="CSV">
    <reference name="cid" source="db" sourceType="customers" sourceKey="id" unique="true"/>
  </generate>
  <generate name="cyc" count="7" target="CSV">
    <reference name="ref" source="db" sourceType="customers" distribution="ordered" cyclic="true">
      <field sourceKey="id" target="cid"/>
      <field sourceKey="code" target="ccode"/>
    </reference>
  </generate>"#,
    );
    let ids = env.rows("SELECT DISTINCT customer_id FROM orders ORDER BY customer_id");
    assert!(ids.len() > 1 && ids.iter().all(|r| ["1", "2", "3", "4", "5"].contains(&r[0].as_str())), "{ids:?}");
    let mut uniq: Vec<String> = env.read_out("uniq.csv").lines().skip(1).map(str::to_string).collect();
    uniq.sort();
    assert_eq!(uniq, ["1", "2", "3", "4", "5"]);
    assert_eq!(env.read_out("cyc.csv"), "cid|ccode\r\n1|c1\r\n2|c2\r\n3|c3\r\n4|c4\r\n5|c5\r\n1|c1\r\n2|c2\r\n");
    // Too many unique picks: an error naming the element.
    let e = env.run_err(
        r#"<generate name="uniq" count="6" target="CSV">
    <reference name="cid" source="db" sourceType="customers" sourceKey="id" unique="true"/>
  </generate>"#,
    );
    assert!(e.message.contains("<reference name=\"cid\">") && e.message.contains("5 distinct rows"), "{}", e.message);
    let e = env.run_err(
        r#"<generate name="ord" count="6" target="CSV">
    <reference name="cid" source="db" sourceType="customers" sourceKey="id" distribution="ordered"/>
  </generate>"#,
    );
    assert!(e.message.contains("ran out of rows"), "{}", e.message);
}
both!(sqlite_references_pick_existing_keys, pg_references_pick_existing_keys, references_pick_existing_keys);

fn problems_are_diagnostics_naming_element_and_database(env: &Env) {
    env.write(
        "schema.sql",
        "DROP TABLE IF EXISTS nums;\nCREATE TABLE nums (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);",
    );
    // A missing table.
    let e = env.run_err(
        r#"<generate name="ghosts" count="2" target="db">
    <key name="id" generator="IncrementGenerator"/>
  </generate>"#,
    );
    assert_eq!(e.code, "DM605", "{}", e.message);
    assert!(e.message.contains("table 'ghosts' does not exist"), "{}", e.message);
    assert!(e.message.contains("database 'db'") && e.message.contains("<generate name=\"ghosts\""), "{}", e.message);
    assert!(e.span.is_some());
    // A missing source table.
    let e = env.run_err(r#"<generate name="nope" source="db" distribution="ordered" target="CSV"/>"#);
    assert_eq!(e.code, "DM605", "{}", e.message);
    // A column type mismatch, with the row.
    let e = env.run_err(
        r#"<execute uri="schema.sql" target="db"/>
  <generate name="nums" count="5" target="db">
    <key name="id" generator="IncrementGenerator"/>
    <key name="n" script="id if id != 4 else 'four'"/>
  </generate>"#,
    );
    assert_eq!(e.code, "DM606", "{}", e.message);
    assert!(e.message.contains("row 3 of 'nums'"), "{}", e.message);
    assert!(e.message.contains("database 'db'") && e.message.contains("<generate name=\"nums\""), "{}", e.message);
    // A field that is not a column.
    let e = env.run_err(
        r#"<execute uri="schema.sql" target="db"/>
  <generate name="nums" count="1" target="db">
    <key name="id" generator="IncrementGenerator"/>
    <key name="nn" constant="1"/>
  </generate>"#,
    );
    assert_eq!(e.code, "DM606", "{}", e.message);
    assert!(e.message.contains("field 'nn'"), "{}", e.message);
    // A constraint violation in a later batch (NOT NULL), with the row.
    let e = env.run_err(
        r#"<execute uri="schema.sql" target="db"/>
  <generate name="nums" count="300" target="db">
    <key name="id" generator="IncrementGenerator"/>
    <key name="n" script="None if id == 290 else id" />
  </generate>"#,
    );
    assert_eq!(e.code, "DM606", "{}", e.message);
    assert!(e.message.contains("row 289 of 'nums'"), "{}", e.message);
    // A failing script.
    env.write("bad.sql", "CREATE TABLE broken (;");
    let e = env.run_err(r#"<execute uri="bad.sql" target="db"/>"#);
    assert_eq!(e.code, "DM605", "{}", e.message);
    assert!(e.message.contains("<execute uri=\"bad.sql\">"), "{}", e.message);
    // Nothing of the failed runs was committed.
    let tables = if env.is_pg() {
        env.rows("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")
    } else {
        env.rows("SELECT count(*) FROM sqlite_master")
    };
    assert_eq!(tables, [["0"]]);
}
both!(
    sqlite_problems_are_diagnostics_naming_element_and_database,
    pg_problems_are_diagnostics_naming_element_and_database,
    problems_are_diagnostics_naming_element_and_database
);

fn writes_commit_only_when_the_run_succeeds(env: &Env) {
    env.write("schema.sql", "DROP TABLE IF EXISTS t;\nCREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);");
    env.run_ok(r#"<execute uri="schema.sql" target="db"/>"#);
    let e = env.run_err(
        r#"<generate name="t" count="20000" target="db,CSV">
    <key name="id" generator="IncrementGenerator"/>
    <key name="v" pattern="[a-z]{5}"/>
  </generate>
  <assert condition="False" message="stop here"/>"#,
    );
    assert!(e.message.contains("stop here"));
    assert_eq!(env.count("t"), 0, "rows of a failed run must not be committed");
    assert!(!env.out().join("t.csv").exists());
    // The same generate, a later sibling reading what it wrote, then success.
    env.run_ok(
        r#"<generate name="t" count="20000" target="db">
    <key name="id" generator="IncrementGenerator"/>
    <key name="v" pattern="[a-z]{5}"/>
  </generate>
  <generate name="back" source="db" type="t" distribution="ordered" target="CSV"/>"#,
    );
    assert_eq!(env.count("t"), 20000);
    assert_eq!(env.read_out("back.csv").lines().count(), 20001);
}
both!(
    sqlite_writes_commit_only_when_the_run_succeeds,
    pg_writes_commit_only_when_the_run_succeeds,
    writes_commit_only_when_the_run_succeeds
);

fn nested_products_respect_foreign_keys(env: &Env) {
    env.write("schema.sql", KEYS);
    env.run_ok(
        r#"<execute uri="schema.sql" target="db"/>
  <execute target="db" type="sql">DELETE FROM customers</execute>
  <generate name="customers" count="30" target="db">
    <key name="id" generator="IncrementGenerator(start=100)"/>
    <key name="code" constant="x"/>
    <generate name="orders" count="3" target="db">
      <variable name="n" generator="IncrementGenerator"/>
      <key name="id" script="parent.id * 10 + n"/>
      <key name="customer_id" script="parent.id"/>
    </generate>
  </generate>"#,
    );
    assert_eq!(env.count("customers"), 30);
    assert_eq!(env.count("orders"), 90);
    let orphans = env.rows("SELECT count(*) FROM orders WHERE customer_id NOT IN (SELECT id FROM customers)");
    assert_eq!(orphans, [["0"]]);
}
both!(
    sqlite_nested_products_respect_foreign_keys,
    pg_nested_products_respect_foreign_keys,
    nested_products_respect_foreign_keys
);

fn same_seed_same_database(env: &Env) {
    env.write("schema.sql", KEYS);
    let model = r#"<execute uri="schema.sql" target="db"/>
  <generate name="orders" count="500" target="db">
    <key name="id" generator="IncrementGenerator"/>
    <reference name="customer_id" source="db" sourceType="customers" sourceKey="id" distribution="cumulated"/>
    <key name="code" pattern="[A-Z]{3}-[0-9]{4}"/>
  </generate>"#;
    env.run_ok(model);
    let a = env.rows("SELECT id, customer_id, code FROM orders ORDER BY id");
    env.run_ok(model);
    let b = env.rows("SELECT id, customer_id, code FROM orders ORDER BY id");
    assert_eq!(a.len(), 500);
    assert_eq!(a, b);
}
both!(sqlite_same_seed_same_database, pg_same_seed_same_database, same_seed_same_database);

const W1_TABLE: &str = "DROP TABLE IF EXISTS w1_flat;
CREATE TABLE w1_flat (id BIGINT PRIMARY KEY, uuid TEXT, age INTEGER, amount DOUBLE PRECISION, active BOOLEAN,
  birth_date DATE, tier TEXT, code TEXT);";

const W1_KEYS: &str = r#"<key name="id" generator="IncrementGenerator"/>
    <key name="uuid" generator="UUIDGenerator"/>
    <key name="age" type="int" min="18" max="90"/>
    <key name="amount" type="float" min="0" max="10000" granularity="0.01"/>
    <key name="active" type="bool"/>
    <key name="birth_date" generator="DateTimeGenerator(min='1950-01-01 00:00:00', max='2005-12-31 00:00:00', random=True)" outDateFormat="%Y-%m-%d"/>
    <key name="tier" values="'bronze','silver','gold','platinum','diamond'" weights="50,25,15,7,3"/>
    <key name="code" generator="StringGenerator(min_len=10, max_len=10, char_set='[A-Za-z0-9]')"/>"#;

/// 100,000 W1 rows into the database and to CSV; read back in a second run and exported to
/// CSV, they give the same bytes.
fn round_trip_of_100k_rows_is_byte_identical(env: &Env) {
    env.write("w1.sql", W1_TABLE);
    env.run_ok(&format!(
        r#"<execute uri="w1.sql" target="db"/>
  <generate name="w1_flat" count="100000" target="CSV,db">
    {W1_KEYS}
  </generate>"#
    ));
    assert_eq!(env.count("w1_flat"), 100_000);
    assert_eq!(env.read_out("w1_flat.csv").lines().count(), 100_001);
    env.run_ok(r#"<iterate name="readback" source="db" type="w1_flat" distribution="ordered" target="CSV"/>"#);
    compare_files(&env.out().join("w1_flat.csv"), &env.out().join("readback.csv"));
}

/// Panics with the first differing line when the files differ.
fn compare_files(a: &Path, b: &Path) {
    let direct = std::fs::read(a).expect("direct CSV");
    let back = std::fs::read(b).expect("read-back CSV");
    let (da, db) = (String::from_utf8_lossy(&direct), String::from_utf8_lossy(&back));
    if let Some((i, (x, y))) = da.lines().zip(db.lines()).enumerate().find(|(_, (x, y))| x != y) {
        panic!("read-back CSV differs from the direct CSV on line {}:\n  {x}\n  {y}", i + 1);
    }
    assert_eq!(direct.len(), back.len(), "sizes differ");
    assert!(direct == back, "the files differ in their line ends");
}
both!(
    sqlite_round_trip_of_100k_rows_is_byte_identical,
    pg_round_trip_of_100k_rows_is_byte_identical,
    round_trip_of_100k_rows_is_byte_identical
);

/// The same model in one run: the read-back sibling sees the rows written before it.
fn same_run_read_back(env: &Env) {
    env.write("w1.sql", W1_TABLE);
    env.run_ok(&format!(
        r#"<execute uri="w1.sql" target="db"/>
  <generate name="w1_flat" count="2500" target="CSV,db">
    {W1_KEYS}
  </generate>
  <iterate name="readback" source="db" type="w1_flat" distribution="ordered" target="CSV"/>"#
    ));
    compare_files(&env.out().join("w1_flat.csv"), &env.out().join("readback.csv"));
}
both!(sqlite_same_run_read_back, pg_same_run_read_back, same_run_read_back);

#[test]
fn sqlite_settings_come_from_environment_properties() {
    let env = Env::sqlite();
    std::fs::create_dir_all(env.path().join("conf")).expect("conf");
    std::fs::write(
        env.path().join("conf/environment.env.properties"),
        "store.db.dbms=sqlite\nstore.db.database=data/from_env.sqlite\n",
    )
    .expect("props");
    std::fs::write(env.path().join("conf/other.env.properties"), "dbms=sqlite\ndatabase=from_id_file.sqlite\n")
        .expect("props");
    env.run_ok(
        r#"<database id="store"/>
  <database id="other"/>
  <execute target="store" type="sql">CREATE TABLE t (id INTEGER PRIMARY KEY)</execute>
  <execute target="other" type="sql">CREATE TABLE u (id INTEGER PRIMARY KEY)</execute>
  <generate name="t" count="3" target="store"><key name="id" generator="IncrementGenerator"/></generate>
  <generate name="u" count="2" target="other"><key name="id" generator="IncrementGenerator"/></generate>"#,
    );
    let n = |file: &str, table: &str| -> i64 {
        let c = rusqlite::Connection::open(env.path().join(file)).expect("open");
        c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).expect("count")
    };
    assert_eq!(n("data/from_env.sqlite", "t"), 3);
    assert_eq!(n("from_id_file.sqlite", "u"), 2);
}

#[test]
fn declarations_are_checked_without_connecting() {
    let env = Env::sqlite();
    let xml = r#"<setup rngSeed="1">
  <database id="db" dbms="sqlite" database="made_by_check.sqlite"/>
  <database id="pg" dbms="postgresql" host="127.0.0.1" port="1" database="x" user="u" password="pw"/>
  <execute uri="missing.sql" target="db"/>
  <execute target="nodb" type="sql">SELECT 1</execute>
  <execute type="python">x = 1</execute>
  <generate name="t" count="1" target="db.merge,pg.upsert">
    <reference name="r" source="nodb" sourceType="t" sourceKey="id" distribution="ordered"/>
    <reference name="s" source="db" sourceType="t" distribution="ordered"/>
  </generate>
</setup>"#;
    env.write("model.xml", xml);
    let (_sm, _m, diags) = datamimic::check::check_file(&env.path().join("model.xml"));
    let codes: Vec<&str> = diags.iter().filter(|d| d.is_error()).map(|d| d.code).collect();
    assert_eq!(codes, ["DM603", "DM603", "DM506", "DM401", "DM402", "DM203"], "{:?}", diags.0);
    assert!(!env.path().join("made_by_check.sqlite").exists(), "check must not touch databases");
}

fn cli(args: &[&std::ffi::OsStr]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_datamimic")).args(args).output().expect("binary runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Everything a run leaves: its console output and the files of the output folder.
fn everything_written(console: &str, out: &Path) -> String {
    let mut all = console.to_string();
    for e in std::fs::read_dir(out).into_iter().flatten().flatten() {
        all.push_str(&String::from_utf8_lossy(&std::fs::read(e.path()).unwrap_or_default()));
    }
    all
}

#[test]
fn an_unreachable_server_is_a_diagnostic_without_the_password() {
    let env = Env::sqlite();
    let secret = "pw-S3cret-0417";
    env.write(
        "model.xml",
        &format!(
            r#"<setup rngSeed="1">
  <database id="pg" dbms="postgresql" host="127.0.0.1" port="1" database="x" user="u" password="{secret}"/>
  <generate name="t" count="1" target="pg"><key name="id" constant="1"/></generate>
</setup>"#
        ),
    );
    let model = env.path().join("model.xml");
    let (ok, text) = cli(&["run".as_ref(), model.as_os_str(), "--out".as_ref(), env.out().as_os_str()]);
    assert!(!ok);
    assert!(text.contains("DM604") && text.contains("cannot connect to database 'pg'"), "{text}");
    assert!(text.contains("<database id=\"pg\">"), "{text}");
    assert!(!everything_written(&text, &env.out()).contains(secret), "{text}");
    let (_, text) = cli(&["check".as_ref(), model.as_os_str(), "--format".as_ref(), "json".as_ref()]);
    assert!(!text.contains(secret), "{text}");
    let (_sm, m, _d) = lower_file(&model, &LowerOptions { for_run: true, ..LowerOptions::default() });
    assert!(!format!("{:?}", m.expect("lowers")).contains(secret));
}

#[test]
fn pg_credentials_stay_out_of_output_and_logs() {
    let Some(env) = Env::pg("pg_credentials_stay_out_of_output_and_logs") else { return };
    let Db::Pg { url, .. } = &env.db else { return };
    let (_, _, _, password, _) = pg_settings(url);
    env.write("schema.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY);");
    env.write(
        "model.xml",
        r#"<setup rngSeed="1">
  <database id="db"/>
  <execute uri="schema.sql" target="db"/>
  <generate name="t" count="3" target="db,CSV"><key name="id" generator="IncrementGenerator"/></generate>
  <echo>done</echo>
</setup>"#,
    );
    let model = env.path().join("model.xml");
    let (ok, text) = cli(&["run".as_ref(), model.as_os_str(), "--out".as_ref(), env.out().as_os_str(), "-v".as_ref()]);
    assert!(ok, "{text}");
    assert_eq!(env.count("t"), 3);
    let all = everything_written(&text, &env.out());
    assert!(!password.is_empty() && !all.contains(&password), "the password shows up:\n{all}");
    assert!(!all.contains("env.properties"), "the credentials file is listed:\n{all}");
    // A wrong password: refused, and not echoed.
    let wrong = "wrong-pw-5521";
    env.write(
        "model.xml",
        &format!(r#"<setup><database id="db" password="{wrong}"/><execute uri="schema.sql" target="db"/></setup>"#),
    );
    let (ok, text) = cli(&["run".as_ref(), model.as_os_str(), "--out".as_ref(), env.out().as_os_str()]);
    assert!(!ok && text.contains("DM604"), "{text}");
    assert!(!text.contains(wrong) && !text.contains(&password), "{text}");
}

#[test]
fn masking_demo_runs_from_a_copy_of_its_folder() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/masking");
    for e in std::fs::read_dir(&src).expect("models/masking").flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), tmp.path().join(e.file_name())).expect("copy");
        }
    }
    let model = tmp.path().join("masking.xml");
    for _ in 0..2 {
        // Twice: the scripts recreate the tables, so the demo can be run again.
        let (ok, text) = cli(&["run".as_ref(), model.as_os_str()]);
        assert!(ok, "{text}");
    }
    let c = rusqlite::Connection::open(tmp.path().join("output/masking.sqlite")).expect("database");
    let n: i64 = c.query_row("SELECT count(*) FROM customers_masked", [], |r| r.get(0)).expect("count");
    let m: i64 = c.query_row("SELECT count(*) FROM customers", [], |r| r.get(0)).expect("count");
    assert!(n > 0 && n == m);
    let leaked: i64 = c
        .query_row(
            "SELECT count(*) FROM customers c JOIN customers_masked m ON m.id = c.id \
             WHERE m.email = c.email OR m.family_name = c.family_name OR m.given_name = c.given_name",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(leaked, 0, "masked rows still hold clear names or e-mails");
    let csv = std::fs::read_to_string(tmp.path().join("output/customers_masked.csv")).expect("CSV");
    assert_eq!(csv.lines().count() as i64, n + 1);
    // Masked columns keep their place.
    assert_eq!(csv.lines().next(), Some("id|given_name|family_name|email|phone|city|birthdate|vip"));
}

fn decimals_are_written_as_their_digits(env: &Env) {
    env.write(
        "schema.sql",
        "DROP TABLE IF EXISTS prices;\nCREATE TABLE prices (id INTEGER PRIMARY KEY, price NUMERIC(10, 2), label TEXT);",
    );
    env.run_ok(
        r#"<execute uri="schema.sql" target="db"/>
  <generate name="prices" count="2" target="db">
    <key name="id" generator="IncrementGenerator"/>
    <key name="price" script="id + 0.25" type="decimal"/>
    <key name="label" script="id + 0.5" type="decimal"/>
  </generate>"#,
    );
    let rows = env.rows("SELECT id, price, label FROM prices ORDER BY id");
    assert_eq!(rows[0], ["1", "1.25", "1.5"]);
    assert_eq!(rows[1][2], "2.5");
}
both!(
    sqlite_decimals_are_written_as_their_digits,
    pg_decimals_are_written_as_their_digits,
    decimals_are_written_as_their_digits
);
