//! Lowering of the database constructs: `<database>`, `<execute type="sql">`, `<reference>`,
//! database sources (`source="id"` with `type`/`selector`) and targets (`target="id.op"`).
//! Nothing here connects: check never touches a database; the engine does when it runs.

use std::sync::Arc;

use super::Lower;
use crate::db::{config, DbOp};
use crate::diag::{did_you_mean, Diagnostic};
use crate::ir::model::*;
use crate::ir::types::Ty;
use crate::parser::xml::Element;
use crate::source::Span;

impl Lower {
    fn is_database(&self, id: &str) -> bool {
        self.databases.iter().any(|d| d == id)
    }

    /// `<database id dbms …>`: resolves the connection settings (attributes, then the
    /// environment property files). Missing settings are errors for a run and warnings for
    /// `check` (they may come from the machine that runs the model, dsl §11).
    pub(super) fn database(&mut self, c: &Element) -> Option<Stmt> {
        let id = self.av(c, "id").unwrap_or_default();
        if id.is_empty() {
            self.err("DM602", "<database> needs a non-empty id", c.name_span);
            return None;
        }
        if self.is_database(&id) || self.memstores.contains(&id) {
            let sp = self.attr_span(c, "id");
            self.err("DM602", format!("'{id}' is already declared"), sp).help =
                Some("give every <database> and <memstore> its own id".into());
            return None;
        }
        self.databases.push(id.clone());
        let base = self.dir().to_path_buf();
        let resolved = {
            let attr = |n: &str| self.av(c, n);
            config::resolve(&id, &attr, &base)
        };
        match resolved {
            Ok(decl) => Some(Stmt::Database(Box::new(decl), c.name_span)),
            Err(errs) => {
                for e in errs {
                    let sp = e.attr.map(|a| self.attr_span(c, a)).unwrap_or(c.name_span);
                    let path = self.path_str();
                    let (code, help) = if e.unsupported {
                        ("DM506", "use dbms=\"sqlite\" or dbms=\"postgresql\"".to_string())
                    } else if e.attr == Some("dbms") {
                        let given = self.av(c, "dbms").unwrap_or_default().to_ascii_lowercase();
                        let help = match did_you_mean(&given, config::SUPPORTED_DBMS.iter().copied()) {
                            Some(s) => format!("did you mean '{s}'?"),
                            None => "use dbms=\"sqlite\" or dbms=\"postgresql\"".into(),
                        };
                        ("DM602", help)
                    } else {
                        (
                            "DM602",
                            "connection settings come from the attributes or conf/<environment>.env.properties".into(),
                        )
                    };
                    let missing = e.attr.is_none();
                    let d = if missing && !self.for_run {
                        Diagnostic::warning(code, e.message)
                    } else {
                        Diagnostic::error(code, e.message)
                    };
                    self.diags.push(d.with_span(sp).with_help(help).with_path(path));
                }
                None
            }
        }
    }

    /// `<execute>` under `<setup>`: SQL scripts run on a database; Python and shell are not run.
    pub(super) fn execute(&mut self, c: &Element) -> Option<Stmt> {
        let uri = self.av(c, "uri");
        let inline = c.text.trim().to_string();
        let has_script = c.attr("script").is_some();
        let modes = [uri.is_some(), !inline.is_empty(), has_script].iter().filter(|m| **m).count();
        if modes != 1 {
            self.err("DM603", "<execute> needs exactly one of uri, inline text or script", c.name_span).help =
                Some("e.g. <execute uri=\"schema.sql\" target=\"db\"/>".into());
            return None;
        }
        let ty = match (self.av(c, "type"), &uri) {
            (Some(t), _) => t.trim().to_ascii_lowercase(),
            (None, Some(u)) if u.to_ascii_lowercase().ends_with(".sql") => "sql".into(),
            (None, Some(u)) if u.to_ascii_lowercase().ends_with(".sh") => "bash".into(),
            (None, Some(_)) => "python".into(),
            (None, None) if has_script => {
                self.err("DM603", "<execute script> needs a type (sql)", c.name_span);
                return None;
            }
            (None, None) => "python".into(),
        };
        match ty.as_str() {
            "sql" => {}
            "python" | "bash" => {
                self.err(
                    "DM506",
                    format!("not supported: <execute type=\"{ty}\"> (Python and shell scripts are not run)"),
                    c.name_span,
                )
                .help = Some(
                    "define values with generators, entities or expressions; SQL scripts run with type=\"sql\" \
                     target=\"<database id>\""
                        .into(),
                );
                return None;
            }
            other => {
                let sp = self.attr_span(c, "type");
                self.err("DM603", format!("unknown <execute> type '{other}'"), sp).help =
                    Some("types: sql (python and bash are not run)".into());
                return None;
            }
        }
        let Some(target) = self.av(c, "target") else {
            self.err("DM603", "<execute type=\"sql\"> needs target=\"<database id>\"", c.name_span);
            return None;
        };
        if !self.is_database(&target) {
            let sp = self.attr_span(c, "target");
            let help = match did_you_mean(&target, self.databases.iter().map(|s| s.as_str())) {
                Some(s) => format!("did you mean '{s}'?"),
                None => "declare it first: <database id=\"…\" dbms=\"sqlite\" database=\"…\"/>".into(),
            };
            self.err("DM603", format!("target '{target}' of <execute> is not a declared <database>"), sp).help =
                Some(help);
            return None;
        }
        let (sql, what) = if let Some(u) = uri {
            let path = self.dir().join(&u);
            let sp = self.attr_span(c, "uri");
            match std::fs::read_to_string(&path) {
                Ok(t) => {
                    self.files.push(path);
                    (SqlText::File(t), format!("<execute uri=\"{u}\">"))
                }
                Err(e) => {
                    let msg = if path.is_file() {
                        format!("cannot read '{u}': {e}")
                    } else {
                        format!("SQL script '{u}' does not exist")
                    };
                    self.err("DM603", msg, sp).help = Some(format!("paths are relative to {}", self.dir().display()));
                    return None;
                }
            }
        } else if has_script {
            (SqlText::Expr(self.expr_attr(c, "script")?), "<execute script=…>".to_string())
        } else {
            let t = if inline.contains('{') {
                self.fstring_template(&inline, None, false)
            } else {
                vec![TemplatePart::Lit(inline)]
            };
            (SqlText::Inline(t), "<execute> (inline SQL)".to_string())
        };
        Some(Stmt::Execute(Box::new(ExecuteSql { db: target, sql, what, span: c.name_span })))
    }

    /// A `source="id"` naming a declared database: the table (`sourceEntity` → `type` →
    /// `name`) or the `selector` query. `None` when `src` is not a database.
    pub(super) fn db_source(&mut self, el: &Element, src: &str, prefix: &str, suffix: &str) -> Option<Option<DbQuery>> {
        if !self.is_database(src) {
            return None;
        }
        if el.name == "nestedKey" {
            let sp = self.attr_span(el, "source");
            self.err("DM402", format!("<nestedKey> cannot read database '{src}'"), sp).help =
                Some("read it with <variable source=… > or <generate source=…> and use the rows".into());
            return Some(None);
        }
        if let Some(a) = el.attr("iterationSelector") {
            let sp = a.name_span;
            self.err("DM506", "not supported yet: iterationSelector (a query per record)", sp).help =
                Some("read the rows once with selector=… and filter them in expressions".into());
            return Some(None);
        }
        if el.attr("selector").is_some() {
            return Some(Some(DbQuery::Selector(self.marker_template(el, "selector", prefix, suffix))));
        }
        let table = self.av(el, "sourceEntity").or_else(|| self.av(el, "type")).or_else(|| self.av(el, "name"));
        match table.filter(|t| !t.is_empty()) {
            Some(t) => Some(Some(DbQuery::Table(t))),
            None => {
                let sp = self.attr_span(el, "source");
                self.err("DM402", format!("reading database '{src}' needs a table (type=…) or a selector"), sp);
                Some(None)
            }
        }
    }

    /// A target item naming a declared database (`id`, `id.update`, …). Outer `None`: not a
    /// database; inner `None`: an error was reported.
    pub(super) fn db_target(&mut self, el: &Element, item: &str, name: &str, span: Span) -> Option<Option<Target>> {
        let (db, op) = match item.split_once('.') {
            Some((d, o)) => (d, Some(o)),
            None => (item, None),
        };
        if !self.is_database(db) {
            return None;
        }
        let op = match op {
            None => DbOp::Insert,
            Some(o) => match DbOp::parse(o) {
                Some(op) => op,
                None => {
                    self.err("DM401", format!("unknown database operation '{o}' in target '{item}'"), span).help =
                        Some(format!("use {db}, {db}.update, {db}.upsert or {db}.delete"));
                    return Some(None);
                }
            },
        };
        if op == DbOp::Upsert && el.get("count").map(str::trim) == Some("0") {
            self.diags.push(
                Diagnostic::hint("DM307", format!("count=\"0\" writes nothing to '{item}'"))
                    .with_span(self.attr_span(el, "count"))
                    .with_help("datamimic-ce turns count 0 into 1 only for MongoDB upserts; give the count you need")
                    .with_path(self.path_str()),
            );
        }
        let table = self.av(el, "targetEntity").or_else(|| self.av(el, "type")).unwrap_or_else(|| name.to_string());
        Some(Some(Target::Database { db: db.to_string(), table, op }))
    }

    /// `<reference name source sourceType sourceKey …>` with `<field sourceKey target/>`.
    pub(super) fn reference(&mut self, c: &Element) -> Option<Stmt> {
        let name = self.av(c, "name").unwrap_or_default();
        let key = self.enter("reference", &name);
        let r = self.reference_inner(c, &name, key);
        self.leave();
        r
    }

    fn reference_inner(&mut self, c: &Element, name: &str, key: crate::domains::determinism::PathKey) -> Option<Stmt> {
        let state = self.new_state();
        let src = self.av(c, "source").unwrap_or_default();
        let span = self.attr_span(c, "source");
        if !self.is_database(&src) {
            let help = match did_you_mean(&src, self.databases.iter().map(|s| s.as_str())) {
                Some(s) => format!("did you mean '{s}'?"),
                None => "references read tables of a <database id=\"…\"> declared before the generate".into(),
            };
            self.err("DM402", format!("<reference> source '{src}' is not a declared <database>"), span).help =
                Some(help);
            return None;
        }
        let table = self.av(c, "sourceType").unwrap_or_default();
        match self.av(c, "distribution").as_deref() {
            None => self.diags.push(
                Diagnostic::warning("DM301", format!("rows of '{table}' are picked at random (no distribution given)"))
                    .with_span(span)
                    .with_help("add distribution=\"ordered\" for table order, or distribution=\"random\" to say so")
                    .with_path(self.path_str()),
            ),
            Some("random") | Some("cumulated") => self.diags.push(
                Diagnostic::hint("DM302", "a random or cumulated distribution loads the referenced keys into memory")
                    .with_span(span)
                    .with_path(self.path_str()),
            ),
            _ => {}
        }
        let distribution = self.distribution(c);
        let cyclic = self.bool_attr(c, "cyclic", false);
        let unique = self.bool_attr(c, "unique", false);
        if unique && cyclic {
            self.err("DM204", "a unique reference cannot be cyclic", c.name_span);
        }
        if unique && distribution != Distribution::Random {
            self.err("DM204", "a unique reference picks rows at random: remove distribution or unique", c.name_span);
        }
        let mut wanted: Vec<(String, String)> = Vec::new();
        if let Some(k) = self.av(c, "sourceKey") {
            wanted.push((k, name.to_string()));
        }
        for f in c.children.iter().filter(|f| f.name == "field") {
            if let (Some(k), Some(t)) = (self.av(f, "sourceKey"), self.av(f, "target")) {
                wanted.push((k, t));
            }
        }
        if wanted.is_empty() {
            self.err(
                "DM203",
                format!("<reference> '{name}' reads nothing: add sourceKey or <field> children"),
                c.name_span,
            )
            .help = Some("e.g. sourceKey=\"id\" copies column id into the field".into());
            return None;
        }
        let frame = self.frames.last_mut()?;
        let columns = wanted
            .into_iter()
            .map(|(k, t)| {
                let slot = frame.define(&t, true, Ty::Any);
                (k, Dest { slot, field: true })
            })
            .collect();
        Some(Stmt::Reference(Box::new(Reference {
            name: Arc::from(name),
            db: src,
            table,
            columns,
            distribution,
            cyclic,
            unique,
            key,
            state,
            span: c.name_span,
        })))
    }

    /// The ids a target may name besides the file exporters (for "did you mean").
    pub(super) fn target_ids(&self) -> Vec<String> {
        self.memstores.iter().chain(self.databases.iter()).cloned().collect()
    }
}
