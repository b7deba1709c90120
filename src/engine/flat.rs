//! Flat records: products of keys (and variables), written to one CSV file, are formatted
//! straight into the file's line.
//!
//! A record normally goes field → frame slot → `Record` → sink, which picks each column's
//! value by name and formats it. When the keys have no conditions, elements or `unique`, and
//! the product has no nested products, source or converters and nothing collects its records,
//! the product's rows after the first skip the `Record`: each key's value is formatted into
//! the CSV line as soon as it is made. Products of plain keys skip the frame slots too, and
//! format constant values (value lists, weighted lists, constants) where they are stored and
//! generated text where it is drawn. Products with variables or scripts run their statements
//! as any record does; keys that nothing reads back are not stored, and keys that read
//! entity fields are formatted straight from the entity's field list ([`KeyPick`]). Each key
//! still draws from its own stream and generator state, so the bytes are those of the general
//! path (tests/parallel.rs and tests/sample.rs compare both over every model).

use super::pipeline::Outcome;
use super::{run_err, with_row, Flow, RunError, Runtime, State};
use crate::builtins::targets::csv::CsvCells;
use crate::domains::determinism::{mix, premix, row_key, splitmix, Stream};
use crate::ir::model::*;
use crate::vm::op::{Op, Slot};
use crate::vm::value::Value;

/// How a flat product's records are written in one execution of it.
pub(super) struct FlatPlan {
    sink: usize,
    cells: CsvCells,
    /// Keys are stored in their frame slots too (see [`framed`]).
    framed: bool,
    columns: usize,
    /// Per key: its generated text may need quoting (see [`Generator::text_alphabet`]).
    scan: Vec<bool>,
    /// Per statement: the entity fields a key formats straight from their lists, when no
    /// expression reads the keys back (see [`key_pick`]).
    picks: Vec<Option<KeyPick>>,
    /// The product's record keys under its parent record (see [`row_key`]).
    rows: u64,
}

/// `true` when the records of `g` are keys (one column each) and variables that nothing
/// outside the record reads.
pub(super) fn flat_product(g: &Generate) -> bool {
    g.source.is_none()
        && g.series.is_none()
        && g.converters.is_empty()
        && g.bind_slot.is_none()
        && !g.layout.pipes
        && !g.layout.dynamic
        && g.targets.len() == 1
        && matches!(g.targets.first(), Some(Target::File(_)))
        && g.body.iter().any(|s| matches!(s, Stmt::Field(f) if f.dest.field))
        && g.body.iter().all(|s| match s {
            Stmt::Field(f) if f.dest.field => flat_key(f),
            Stmt::Field(f) => flat_variable(f),
            _ => false,
        })
}

/// A key that is always set (one column per key) and reads nothing but its own inputs.
fn flat_key(f: &Field) -> bool {
    f.condition.is_none() && record_value(f)
}

/// A variable of the record (not a column): run as in any record.
fn flat_variable(f: &Field) -> bool {
    record_value(f)
        || (!f.unique && f.elements.is_empty() && matches!(f.mode, Mode::Entity(_) | Mode::WeightedRows { .. }))
}

/// A value made from the record's own stream and scope alone, one per record.
fn record_value(f: &Field) -> bool {
    !f.unique
        && f.elements.is_empty()
        && matches!(
            f.mode,
            Mode::Generator(..)
                | Mode::Values { unique: false, .. }
                | Mode::Weighted { .. }
                | Mode::Constant(_)
                | Mode::Pattern(_)
                | Mode::Script(_)
                | Mode::Template(_)
                | Mode::Native(_)
        )
}

/// `true` when a flat product's records need their frame slots: its variables and scripts
/// read slots (the keys are stored in theirs as in any record).
fn framed(g: &Generate) -> bool {
    g.body.iter().any(|s| match s {
        Stmt::Field(f) => {
            !f.dest.field || matches!(f.mode, Mode::Script(_) | Mode::Template(_)) || f.default_value.is_some()
        }
        _ => true,
    })
}

/// The names of a flat product's columns (its keys, in order).
pub(super) fn flat_names(g: &Generate) -> Vec<std::sync::Arc<str>> {
    g.body
        .iter()
        .filter_map(|s| match s {
            Stmt::Field(f) if f.dest.field => Some(f.name.clone()),
            _ => None,
        })
        .collect()
}

/// Item `k` of the list in frame slot `slot` at `depth`: a field of an entity variable read
/// field by field (`domains::projection`).
#[derive(Clone, Copy)]
pub(super) struct Item {
    depth: u16,
    slot: u16,
    k: usize,
}

/// The entity field read by the code at the start of `ops` (`Load`, `Const k`, `Index`).
fn item_at(ops: &[Op], consts: &[Value]) -> Option<Item> {
    let [Op::Load(Slot::Frame { depth, slot }), Op::Const(c), Op::Index, ..] = ops else { return None };
    match consts.get(*c as usize) {
        Some(Value::Int(k)) => usize::try_from(*k).ok().map(|k| Item { depth: *depth, slot: *slot, k }),
        _ => None,
    }
}

/// The entity field an expression reads when that is all it does (`p.given_name`).
pub(super) fn single_item(e: &Expr) -> Option<Item> {
    (e.chunk.code.len() == 3).then(|| item_at(&e.chunk.code, &e.chunk.consts)).flatten()
}

/// A key that formats entity fields straight from their list.
enum KeyPick {
    /// `script="p.given_name"` (with an optional `outDateFormat`).
    One(Item),
    /// `script="a.house_number + ' ' + a.street"`: entity fields and string literals added.
    Joined(Vec<Part>),
}

enum Part {
    Item(Item),
    Lit(std::sync::Arc<str>),
}

/// How key `f` formats entity fields without its value being made, if it is such a key and
/// has no step after its script but an `outDateFormat` on a single field.
fn key_pick(f: &Field) -> Option<KeyPick> {
    let Mode::Script(e) = &f.mode else { return None };
    if f.null_quota != 0.0
        || f.in_date_format.is_some()
        || f.cast.is_some()
        || !f.converters.is_empty()
        || f.default_value.is_some()
        || f.out_date_format.as_deref().is_some_and(crate::builtins::datetime::epoch_form)
    {
        return None;
    }
    if let Some(at) = single_item(e) {
        return Some(KeyPick::One(at));
    }
    if f.out_date_format.is_some() {
        return None;
    }
    let (code, consts) = (e.chunk.code.as_slice(), &e.chunk.consts);
    let (last, ops) = code.split_last()?;
    let mut parts = Vec::new();
    let mut i = 0;
    while i < ops.len() {
        match &ops[i..] {
            [Op::Load(_), ..] => {
                parts.push(Part::Item(item_at(&ops[i..], consts)?));
                i += 3;
            }
            [Op::Const(c), ..] => {
                let Some(Value::Str(t)) = consts.get(*c as usize) else { return None };
                parts.push(Part::Lit(t.clone()));
                i += 1;
            }
            _ => return None,
        }
    }
    match last {
        Op::AddN(n) if *n as usize == parts.len() => Some(KeyPick::Joined(parts)),
        Op::Bin(crate::parser::expr::ast::BinOp::Add) if parts.len() == 2 => Some(KeyPick::Joined(parts)),
        _ => None,
    }
}

impl<'m> Runtime<'m> {
    /// The CSV sink and its cell rules when `g` is flat and its file is past its header with
    /// the product's keys as columns.
    pub(super) fn flat_sink(&mut self, g: &'m Generate, ids: &[usize], parent_key: u64) -> Option<FlatPlan> {
        if self.sample.is_some() || !flat_product(g) {
            return None;
        }
        let [k] = ids else { return None };
        let names = flat_names(g);
        let cells = self.sinks.get_mut(*k)?.csv_cells(&names)?;
        // `row_key(g.key, mix(root, parent), i)` is `splitmix(rows ^ premix(i))`.
        let rows = mix(g.key.0, mix(self.root64, parent_key));
        debug_assert_eq!(splitmix(rows ^ premix(7)), row_key(g.key, mix(self.root64, parent_key), 7));
        let scan = g
            .body
            .iter()
            .map(|s| match s {
                Stmt::Field(f) => match &f.mode {
                    Mode::Generator(gen, _) => {
                        gen.text_alphabet(f.out_date_format.as_deref()).is_none_or(|a| !cells.plain_alphabet(&a))
                    }
                    _ => true,
                },
                _ => true,
            })
            .collect();
        let picks = g
            .body
            .iter()
            .map(|s| match s {
                Stmt::Field(f) if f.dest.field && g.layout.keys_unread => key_pick(f),
                _ => None,
            })
            .collect();
        Some(FlatPlan { sink: *k, cells, framed: framed(g), columns: names.len(), scan, picks, rows })
    }

    /// Generates record `i` of a flat product into `line` and writes it to the plan's sink.
    pub(super) fn flat_row(
        &mut self,
        g: &'m Generate,
        i: u64,
        plan: &FlatPlan,
        line: &mut String,
    ) -> Result<Flow, RunError> {
        let (k, cells) = (plan.sink, plan.cells);
        let rk = splitmix(plan.rows ^ premix(i));
        self.push_frame(&g.layout, rk, i);
        line.clear();
        let r = if plan.framed {
            self.framed_fields(g, rk, &cells, &plan.picks, line)
        } else {
            self.flat_fields(g, rk, &cells, &plan.scan, line)
        };
        self.pop_frame();
        match r {
            Ok(Flow::Continue) => {}
            other => return other.map_err(|e| with_row(e, &g.name, i)),
        }
        match self.sinks.get_mut(k) {
            Some(sink) => {
                sink.write_line(line, plan.columns).map_err(|e| super::db::sink_err(e, g.span, &g.name))?;
            }
            None => return Err(run_err("internal: the product's file is not open", g.span)),
        }
        Ok(Flow::Continue)
    }

    /// Record `rk` of a flat product with variables or scripts: statements run as in any
    /// record (keys stored in their slots, where scripts read them), and each key's value is
    /// formatted into the line as soon as it is made.
    fn framed_fields(
        &mut self,
        g: &'m Generate,
        rk: u64,
        cells: &CsvCells,
        picks: &[Option<KeyPick>],
        line: &mut String,
    ) -> Result<Flow, RunError> {
        let mut first = true;
        for (j, s) in g.body.iter().enumerate() {
            let Stmt::Field(f) = s else { continue };
            if !f.dest.field {
                if self.exec_stmt(s)? == Flow::Exhausted {
                    return Ok(Flow::Exhausted);
                }
                continue;
            }
            if !first {
                cells.separator(line);
            }
            first = false;
            if let Some(Some(p)) = picks.get(j) {
                if self.pick_into(p, f, cells, line) {
                    continue;
                }
            }
            let store = !g.layout.keys_unread;
            let mut rng = Stream::for_premixed(rk, f.key_mix);
            let mut v = Value::Null;
            match self.field_into(f, &mut rng, &mut v)? {
                Outcome::Set => {
                    cells.value(line, &v);
                    if store {
                        if let Some(fr) = self.frames.last_mut() {
                            fr.set(f.dest.slot, v, true);
                        }
                    }
                }
                Outcome::Omitted => {}
                Outcome::Exhausted => return Ok(Flow::Exhausted),
            }
        }
        Ok(Flow::Continue)
    }

    /// Formats key `f` straight from the entity fields it reads (see [`KeyPick`]), without a
    /// copy; `false` (nothing written) when the values are not of the kind expected.
    #[inline]
    fn pick_into(&self, p: &KeyPick, f: &Field, cells: &CsvCells, line: &mut String) -> bool {
        match p {
            KeyPick::One(at) => {
                let Some(v) = self.item(at) else { return false };
                match (&f.out_date_format, v) {
                    (None, v) => cells.value(line, v),
                    (Some(fmt), Value::DateTime(dt)) => {
                        let start = line.len();
                        crate::builtins::datetime::strftime_into(line, *dt, fmt);
                        cells.quote_from(line, start);
                    }
                    _ => return false,
                }
            }
            KeyPick::Joined(parts) => {
                let start = line.len();
                for p in parts {
                    match p {
                        Part::Item(at) => match self.item(at) {
                            Some(Value::Str(t)) => line.push_str(t),
                            // Not a string join after all: the general path adds the values.
                            _ => {
                                line.truncate(start);
                                return false;
                            }
                        },
                        Part::Lit(t) => line.push_str(t),
                    }
                }
                cells.quote_from(line, start);
            }
        }
        true
    }

    /// The value of entity field `at` in the current records.
    #[inline]
    pub(super) fn item(&self, at: &Item) -> Option<&Value> {
        match self.frames.get(at.depth as usize)?.get(at.slot)? {
            Value::List(l) => l.get(at.k),
            _ => None,
        }
    }

    #[inline(always)]
    fn flat_fields(
        &mut self,
        g: &'m Generate,
        rk: u64,
        cells: &CsvCells,
        scan: &[bool],
        line: &mut String,
    ) -> Result<Flow, RunError> {
        for (j, s) in g.body.iter().enumerate() {
            let Stmt::Field(f) = s else { continue };
            if j > 0 {
                cells.separator(line);
            }
            let mut rng = Stream::for_premixed(rk, f.key_mix);
            let plain = f.null_quota == 0.0
                && f.in_date_format.is_none()
                && f.out_date_format.is_none()
                && f.cast.is_none()
                && f.converters.is_empty();
            if plain {
                // Stored values are formatted in place (the general path clones them).
                let stored = match &f.mode {
                    Mode::Constant(v) => Some(Some(v)),
                    Mode::Values { values, weights: Some(t), unique: false } => Some(values.get(t.sample(&mut rng))),
                    Mode::Values { values, weights: None, unique: false } => {
                        Some(values.get(rng.below(values.len() as u64) as usize))
                    }
                    Mode::Weighted { values, table } => Some(values.get(table.sample(&mut rng))),
                    _ => None,
                };
                match stored {
                    Some(Some(v)) => {
                        cells.value(line, v);
                        continue;
                    }
                    // Lowering refuses empty value lists and alias tables cover their values.
                    Some(None) => return Err(run_err(format!("'{}': no value to draw from", f.name), f.span)),
                    None => {}
                }
            }
            // Generated text (strings, UUIDs, formatted datetimes) is written where it is made.
            if let Mode::Generator(gen, scope) = &f.mode {
                let text_ok = f.null_quota == 0.0
                    && f.in_date_format.is_none()
                    && f.cast.is_none_or(|c| c == Cast::Str || gen.keeps_cast(c))
                    && f.converters.is_empty();
                let sid = match scope {
                    GenScope::Shared(s) => *s,
                    _ => f.state,
                };
                if let (true, Some(State::Gen(gs))) = (text_ok, self.states.get_mut(sid as usize)) {
                    let start = line.len();
                    match gen.next_text(gs, &mut rng, self.now, f.out_date_format.as_deref(), line) {
                        Some(Ok(true)) => {
                            if scan.get(j).copied().unwrap_or(true) {
                                cells.quote_from(line, start);
                            }
                            continue;
                        }
                        Some(Ok(false)) => return Ok(Flow::Exhausted),
                        Some(Err(m)) => return Err(run_err(format!("'{}': {m}", f.name), f.span)),
                        None => {}
                    }
                }
            }
            let mut v = Value::Null;
            match self.field_into(f, &mut rng, &mut v)? {
                Outcome::Set => cells.value(line, &v),
                Outcome::Omitted => {}
                Outcome::Exhausted => return Ok(Flow::Exhausted),
            }
        }
        Ok(Flow::Continue)
    }
}
