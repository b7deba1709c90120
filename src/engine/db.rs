//! The engine's side of databases: declaring clients, running `<execute>` scripts, reading
//! database sources and `<reference>` rows, opening database sinks. The I/O itself lives in
//! [`crate::db`].

use std::sync::Arc;

use crate::builtins::targets::Sink;
use crate::db::{DbError, DbOp};
use crate::diag::Diagnostic;
use crate::domains::determinism::{mix, Stream};
use crate::ir::model::*;
use crate::source::Span;
use crate::vm::value::{Map, Value};

use super::{run_err, Flow, RunError, Runtime, State};

/// A database failure as a diagnostic naming the element (`what`).
pub(super) fn db_err(e: DbError, span: Span, what: &str) -> RunError {
    let msg = if what.is_empty() { e.message } else { format!("{} (in {what})", e.message) };
    let mut d = Diagnostic::error(e.code, msg).with_span(span);
    if let Some(h) = e.help {
        d = d.with_help(h);
    }
    Box::new(d)
}

/// A sink error: database errors keep their code, others are run-time errors.
pub(super) fn sink_err(e: String, span: Span, product: &str) -> RunError {
    match crate::db::decode_error(&e) {
        Some(d) if product.is_empty() || d.message.contains("(in <generate name=") => db_err(d, span, ""),
        Some(d) => db_err(d, span, &format!("<generate name=\"{product}\">")),
        None => run_err(e, span),
    }
}

/// The value of column `col` in a row read from a database (exact name, then any case).
fn column<'a>(row: &'a Map, col: &str) -> Option<&'a Value> {
    row.get(col).or_else(|| row.iter().find(|(k, _)| k.eq_ignore_ascii_case(col)).map(|(_, v)| v))
}

impl<'m> Runtime<'m> {
    /// `<database>`: connects and opens the run's transaction.
    pub(super) fn exec_database(&mut self, decl: &crate::db::DbDecl, span: Span) -> Result<(), RunError> {
        self.dbs.connect(decl).map_err(|e| db_err(e, span, &format!("<database id=\"{}\">", decl.id)))
    }

    /// `<execute type="sql">`: runs the script inside the run's transaction.
    pub(super) fn exec_execute(&mut self, x: &'m ExecuteSql) -> Result<(), RunError> {
        let mut rng = Stream::new(mix(self.root64, 0xE5E));
        let sql = match &x.sql {
            SqlText::File(t) => t.clone(),
            SqlText::Inline(t) => self.eval_template(t, &mut rng)?,
            SqlText::Expr(e) => match self.eval(e, &mut rng)? {
                Value::Str(s) => s.to_string(),
                other => {
                    return Err(run_err(
                        format!("<execute script> must give the SQL text as a string, got {}", other.type_name()),
                        x.span,
                    ))
                }
            },
        };
        self.dbs.execute(&x.db, &sql).map_err(|e| db_err(e, x.span, &x.what))
    }

    /// The rows of a database source: a table in key order or a selector query.
    pub(super) fn db_rows(&mut self, db: &str, q: &DbQuery, key: u64, span: Span) -> Result<Vec<Arc<Map>>, RunError> {
        let what = format!("source=\"{db}\"");
        match q {
            DbQuery::Table(t) => self.dbs.table_rows(db, t, None).map_err(|e| db_err(e, span, &what)),
            DbQuery::Selector(tpl) => {
                let mut s = Stream::new(mix(key, 0x5E1));
                let sql = self.eval_template(tpl, &mut s)?;
                self.dbs.query_rows(db, &sql).map_err(|e| db_err(e, span, &what))
            }
        }
    }

    /// Opens the sink of a database target of generate `g`.
    pub(super) fn db_sink(
        &mut self,
        g: &'m Generate,
        db: &str,
        table: &str,
        op: DbOp,
    ) -> Result<Box<dyn Sink>, RunError> {
        self.dbs
            .sink(db, table, op, &g.name, g.depth)
            .map_err(|e| db_err(e, g.span, &format!("<generate name=\"{}\" target=…>", g.name)))
    }

    /// `<reference>`: picks a row of the table per record (dsl §3.8) and sets its fields.
    pub(super) fn reference(&mut self, r: &'m Reference) -> Result<Flow, RunError> {
        let what = format!("<reference name=\"{}\">", r.name);
        let exec_key = mix(r.key.0, self.root64 ^ self.frames.first().map(|x| x.row_key).unwrap_or(0));
        if !matches!(self.states[r.state as usize], State::Rows { .. }) {
            let mut cols: Vec<String> = Vec::new();
            for (c, _) in &r.columns {
                if !cols.contains(c) {
                    cols.push(c.clone());
                }
            }
            let mut rows = self.dbs.table_rows(&r.db, &r.table, Some(&cols)).map_err(|e| db_err(e, r.span, &what))?;
            if r.unique {
                let mut seen = std::collections::HashSet::new();
                rows.retain(|row| seen.insert(Value::Map(row.clone()).dedup_key()));
            }
            if rows.is_empty() {
                return Err(Box::new(
                    Diagnostic::error(
                        crate::db::CODE_STATEMENT,
                        format!("table '{}' of database '{}' has no rows to reference (in {what})", r.table, r.db),
                    )
                    .with_span(r.span),
                ));
            }
            let mut order: Vec<usize> = (0..rows.len()).collect();
            if r.unique {
                Stream::new(mix(exec_key, 0x0E1)).shuffle(&mut order);
            }
            self.states[r.state as usize] = State::Rows { rows: Arc::new(rows), order, pos: 0, epoch: 0 };
        }
        let row_key = self.row_key();
        let State::Rows { rows, order, pos, .. } = &mut self.states[r.state as usize] else {
            return Err(run_err("internal error: reference state", r.span));
        };
        let n = rows.len();
        let idx = if r.unique {
            if *pos >= n {
                return Err(run_err(
                    format!("{what} is unique, but all {n} distinct rows of '{}' are used", r.table),
                    r.span,
                ));
            }
            *pos += 1;
            order[*pos - 1]
        } else {
            match r.distribution {
                Distribution::Ordered => {
                    if *pos >= n {
                        if !r.cyclic {
                            return Err(run_err(
                                format!("{what} ran out of rows: '{}' has {n} (add cyclic=\"true\" to wrap)", r.table),
                                r.span,
                            ));
                        }
                        *pos = 0;
                    }
                    *pos += 1;
                    *pos - 1
                }
                Distribution::Random => Stream::for_field(row_key, r.key).below(n as u64) as usize,
                Distribution::Cumulated => {
                    let mut s = Stream::for_field(row_key, r.key);
                    let sum: u64 = (0..5).map(|_| s.below(n as u64)).sum();
                    ((sum + 2) / 5).min(n as u64 - 1) as usize
                }
            }
        };
        let row = rows[idx].clone();
        for (col, dest) in &r.columns {
            let v = column(&row, col).cloned().unwrap_or(Value::Null);
            self.set_field(*dest, v);
        }
        Ok(Flow::Continue)
    }
}
