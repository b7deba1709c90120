//! The field value pipeline (dsl §4.2) and the expression environment of the engine.

use std::sync::Arc;

use crate::builtins::datetime as dtm;
use crate::builtins::functions::{iterate, to_float, to_int};
use crate::domains::determinism::{mix, Stream};
use crate::ir::model::*;
use crate::vm::exec::Env;
use crate::vm::op::Slot;
use crate::vm::value::{Map, Value};

use super::{run_err, RunError, Runtime, State};

/// What a field produced.
pub(super) enum Produced {
    Value(Value),
    /// The field's source or sequence ran out.
    Exhausted,
}

/// What a field's pipeline did with its output slot (`Runtime::field_into`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// The slot holds the field's value.
    Set,
    /// The field is omitted (false condition without a default).
    Omitted,
    /// The field's source or sequence ran out.
    Exhausted,
}

impl<'m> Runtime<'m> {
    /// Runs the pipeline of one field; `None` when the field is omitted (false condition).
    pub(super) fn field_value(
        &mut self,
        f: &'m Field,
        rng: &mut Stream,
        _depth: usize,
    ) -> Result<Option<Produced>, RunError> {
        let mut v = Value::Null;
        Ok(match self.field_into(f, rng, &mut v)? {
            Outcome::Set => Some(Produced::Value(v)),
            Outcome::Omitted => None,
            Outcome::Exhausted => Some(Produced::Exhausted),
        })
    }

    /// Runs the pipeline of one field into `out` (an output slot rather than a return value:
    /// a record's values are built in place instead of being copied through each layer).
    #[inline(always)]
    pub(super) fn field_into(&mut self, f: &'m Field, rng: &mut Stream, out: &mut Value) -> Result<Outcome, RunError> {
        // 1. condition (strict bool)
        if let Some(c) = &f.condition {
            let mut crng = Stream::new(mix(f.key.0, self.frames.last().map(|x| x.row_key).unwrap_or(0)) ^ 0xC0);
            match self.eval(c, &mut crng)? {
                Value::Bool(true) => {}
                Value::Bool(false) => {
                    return match &f.default_value {
                        Some(d) => {
                            *out = self.eval(d, &mut crng)?;
                            Ok(Outcome::Set)
                        }
                        None => Ok(Outcome::Omitted),
                    };
                }
                other => {
                    return Err(run_err(
                        format!(
                            "condition of '{}' must be a bool, got {} ({})",
                            f.name,
                            other.type_name(),
                            other.py_repr()
                        ),
                        f.span,
                    ))
                }
            }
        }
        // 2. nullQuota
        if f.null_quota > 0.0 && rng.f64() < f.null_quota {
            *out = Value::Null;
            return Ok(Outcome::Set);
        }
        // 3. raw value (distinct values only with `unique`)
        let raw = if f.unique && !matches!(f.mode, Mode::Values { .. }) {
            self.unique_value(f, rng)
        } else {
            self.raw_value(f, rng)
        };
        match raw {
            Ok(Some(v)) => *out = v,
            Ok(None) => return Ok(Outcome::Exhausted),
            Err(e) => match (&f.default_value, &f.mode) {
                (Some(d), Mode::Script(_)) => {
                    *out = self.eval(d, rng)?;
                    return Ok(Outcome::Set);
                }
                _ => return Err(e),
            },
        }
        if !out.is_null()
            && (f.in_date_format.is_some()
                || f.out_date_format.is_some()
                || f.cast.is_some_and(|c| !cast_keeps(c, out))
                || !f.converters.is_empty())
        {
            self.field_steps(f, out)?;
        }
        // 8. <element> children
        if !f.elements.is_empty() {
            self.field_elements(f, rng, out)?;
        }
        Ok(Outcome::Set)
    }

    /// Steps 4–7 of the pipeline: date parsing and formatting, cast, converters.
    #[inline(never)]
    fn field_steps(&mut self, f: &'m Field, out: &mut Value) -> Result<(), RunError> {
        let mut v = std::mem::take(out);
        // 4. inDateFormat
        if let Some(fmt) = &f.in_date_format {
            v = parse_date(&v, fmt).map_err(|m| run_err(format!("'{}': {m}", f.name), f.span))?;
        }
        // 5. outDateFormat
        if let Some(fmt) = &f.out_date_format {
            v = format_date(&v, fmt).map_err(|m| run_err(format!("'{}': {m}", f.name), f.span))?;
        }
        // 6. cast
        if let Some(c) = f.cast {
            v = cast(v, c, f.granularity).map_err(|m| run_err(format!("'{}': {m}", f.name), f.span))?;
        }
        // 7. converters
        for c in &f.converters {
            v = c.apply(v, &self.conv).map_err(|m| run_err(format!("'{}': {m}", f.name), f.span))?;
        }
        *out = v;
        Ok(())
    }

    /// Step 8: `<element>` children make the value a map with `#text` and `@name` entries.
    #[inline(never)]
    fn field_elements(&mut self, f: &'m Field, rng: &mut Stream, out: &mut Value) -> Result<(), RunError> {
        let mut m = Map::new();
        m.insert(Arc::from("#text"), std::mem::take(out));
        for e in &f.elements {
            let mut erng = Stream::new(mix(rng.next_u64(), e.key.0));
            if let Some(Produced::Value(ev)) = self.field_value(e, &mut erng, 0)? {
                m.insert(Arc::from(format!("@{}", e.name)), ev);
            }
        }
        *out = Value::map(m);
        Ok(())
    }

    /// Constant `values[k]` of field statement `state` for a record: shared on the main
    /// thread; on a parallel worker a copy of the worker's own (made once per statement),
    /// since clones of the model's constants would contend for their reference counts.
    #[inline]
    fn own(&mut self, state: StateId, values: &[Value], k: usize) -> Value {
        if !self.worker {
            return values[k].clone();
        }
        self.own_local(state, values, k)
    }

    fn own_local(&mut self, state: StateId, values: &[Value], k: usize) -> Value {
        let st = state as usize;
        if self.local_consts.len() <= st {
            self.local_consts.resize_with(st + 1, Vec::new);
        }
        let local = &mut self.local_consts[st];
        if local.len() != values.len() {
            *local = values
                .iter()
                .map(|v| match v {
                    Value::Str(s) => Value::Str(Arc::from(&**s)),
                    other => other.clone(),
                })
                .collect();
        }
        local[k].clone()
    }

    /// Step 3: the raw value by mode; `Ok(None)` means exhausted.
    #[inline(always)]
    fn raw_value(&mut self, f: &'m Field, rng: &mut Stream) -> Result<Option<Value>, RunError> {
        Ok(Some(match &f.mode {
            Mode::Script(e) => self.eval(e, rng)?,
            Mode::Constant(v) => self.own(f.state, std::slice::from_ref(v), 0),
            Mode::Template(t) => Value::from(self.eval_template(t, rng)?),
            Mode::Values { values, weights, unique } => {
                if *unique {
                    let st = &mut self.states[f.state as usize];
                    if !matches!(st, State::Pool { .. }) {
                        let mut order: Vec<usize> = (0..values.len()).collect();
                        let mut s = Stream::new(mix(
                            f.key.0,
                            self.root64 ^ self.frames.first().map(|x| x.row_key).unwrap_or(0),
                        ));
                        s.shuffle(&mut order);
                        *st = State::Pool { order, pos: 0 };
                    }
                    let State::Pool { order, pos } = st else { unreachable_state()? };
                    if *pos >= order.len() {
                        return Err(run_err(
                            format!("'{}' is unique but all {} distinct values are used up", f.name, values.len()),
                            f.span,
                        ));
                    }
                    *pos += 1;
                    values[order[*pos - 1]].clone()
                } else {
                    match weights {
                        Some(t) => self.own(f.state, values, t.sample(rng)),
                        None => self.own(f.state, values, rng.below(values.len() as u64) as usize),
                    }
                }
            }
            Mode::Weighted { values, table } => self.own(f.state, values, table.sample(rng)),
            Mode::Generator(g, scope) => {
                if f.direct && *scope == GenScope::PerExecution && !f.unique {
                    if let (Some(fr), true) = (self.frames.last(), g.value_at(0).is_some()) {
                        return Ok(g.value_at(fr.index).flatten());
                    }
                }
                let sid = match scope {
                    GenScope::Shared(s) => *s,
                    _ => f.state,
                };
                let Some(st) = self.states.get_mut(sid as usize) else { unreachable_state()? };
                if !matches!(st, State::Gen(_)) {
                    *st = State::Gen(Default::default());
                }
                let State::Gen(gs) = st else { unreachable_state()? };
                match g.next(gs, rng, self.now).map_err(|m| run_err(format!("'{}': {m}", f.name), f.span))? {
                    Some(v) => v,
                    None => return Ok(None),
                }
            }
            Mode::Pattern(p) => Value::from(p.generate(rng)),
            Mode::Native(_) => Value::Null,
            Mode::Entity(spec) => {
                let row = self.frames.last().map(|x| x.row_key).unwrap_or(self.root64);
                let key = mix(spec.key.0, if self.frames.is_empty() { self.root64 } else { row });
                crate::domains::entities::generate(spec, key, self.now).map_err(|m| run_err(m, f.span))?
            }
            Mode::Rows(src) => {
                if self.frames.is_empty() {
                    // A setup-level source variable holds all its rows.
                    let rows = self.source_rows(src, mix(self.root64, f.key.0), None)?;
                    return Ok(Some(Value::list(rows.into_iter().map(Value::Map).collect())));
                }
                return self.next_row(f, src, None);
            }
            Mode::RowsExpr { expr, source } => {
                let v = self.eval(expr, rng)?;
                let items = iterate(&v).map_err(|m| run_err(m, f.span))?;
                let rows: Vec<Arc<Map>> = items
                    .into_iter()
                    .map(|x| match x {
                        Value::Map(m) => Arc::new(m.as_ref().clone()),
                        other => {
                            let mut m = Map::new();
                            m.insert(Arc::from("value"), other);
                            Arc::new(m)
                        }
                    })
                    .collect();
                return self.next_row(f, source, Some(Arc::new(rows)));
            }
            Mode::WeightedRows { rows, table, source } => {
                let row = Value::Map(rows[table.sample(rng)].clone());
                if source.scripted {
                    self.template_value(row, &source.prefix, &source.suffix, source.span)?
                } else {
                    row
                }
            }
            Mode::Keep => Value::Null,
        }))
    }

    /// Draws until the value was not produced before by this statement (in this execution).
    fn unique_value(&mut self, f: &'m Field, rng: &mut Stream) -> Result<Option<Value>, RunError> {
        // A value space numbered by the record index: the i-th record takes value number
        // `permute(i)` of a keyed permutation of the space (no set of used values; any record
        // computable alone; exhausted exactly when every value is used).
        if let Some(n) = unique_by_index(f) {
            let idx = self.frames.last().map(|fr| fr.index).unwrap_or(0);
            if idx >= n {
                let what = match int_range(f) {
                    Some((min, max)) => format!("{n} values ({min}..={max})"),
                    None => format!("{n} values"),
                };
                return Err(run_err(format!("'{}' is unique, but its {what} are used up", f.name), f.span));
            }
            let exec = self.frames.iter().rev().nth(1).map(|p| p.row_key).unwrap_or(self.root64);
            let k = crate::domains::determinism::permute(idx, n, mix(f.key.0, exec));
            return match unique_nth(f, k) {
                Some(v) => Ok(Some(v)),
                None => unreachable_state(),
            };
        }
        for attempt in 0..10_000u64 {
            let mut s = Stream::new(mix(rng.next_u64(), attempt));
            let Some(v) = self.raw_value(f, &mut s)? else { return Ok(None) };
            if self.seen.entry(f.state).or_default().insert(v.dedup_key()) {
                return Ok(Some(v));
            }
        }
        let n = self.seen.get(&f.state).map(|s| s.len()).unwrap_or(0);
        Err(run_err(
            format!(
                "'{}' is unique, but no new value was found after {n} distinct ones: the value space is exhausted",
                f.name
            ),
            f.span,
        ))
    }

    /// The next row of a `<variable source>` iterator.
    fn next_row(
        &mut self,
        f: &'m Field,
        src: &'m Source,
        given: Option<Arc<Vec<Arc<Map>>>>,
    ) -> Result<Option<Value>, RunError> {
        let exec_key = mix(f.key.0, self.root64 ^ self.frames.first().map(|x| x.row_key).unwrap_or(0));
        if !matches!(self.states[f.state as usize], State::Rows { .. }) {
            let rows = match given {
                Some(r) => r,
                None => Arc::new(match &src.kind {
                    SourceKind::Rows(r) => r.as_ref().clone(),
                    SourceKind::Memstore { entity, .. } => self.memstores.get(entity).cloned().unwrap_or_default(),
                    SourceKind::Script(_) => Vec::new(),
                    SourceKind::Database { db, query } => self.db_rows(db, query, exec_key, src.span)?,
                }),
            };
            let mut rows = rows;
            if src.unique {
                let mut seen = std::collections::HashSet::new();
                let mut v = rows.as_ref().clone();
                v.retain(|r| seen.insert(Value::Map(r.clone()).dedup_key()));
                rows = Arc::new(v);
            }
            let order = row_order(rows.len(), src.distribution, exec_key, 0);
            self.states[f.state as usize] = State::Rows { rows, order, pos: 0, epoch: 0 };
        }
        let State::Rows { rows, order, pos, epoch } = &mut self.states[f.state as usize] else { unreachable_state()? };
        if rows.is_empty() {
            return Ok(None);
        }
        if src.distribution == Distribution::Cumulated {
            let mut s = Stream::new(mix(exec_key, *pos as u64));
            *pos += 1;
            let n = rows.len() as u64;
            let sum: u64 = (0..5).map(|_| s.below(n)).sum();
            return Ok(Some(Value::Map(rows[((sum + 2) / 5).min(n - 1) as usize].clone())));
        }
        if *pos >= order.len() {
            if !src.cyclic {
                return Ok(None);
            }
            *epoch += 1;
            *order = row_order(rows.len(), src.distribution, exec_key, *epoch);
            *pos = 0;
        }
        let r = rows[order[*pos]].clone();
        *pos += 1;
        if src.scripted {
            return Ok(Some(self.template_value(Value::Map(r), &src.prefix, &src.suffix, src.span)?));
        }
        Ok(Some(Value::Map(r)))
    }
}

fn unreachable_state<T>() -> Result<T, RunError> {
    Err(run_err("internal error: statement state mismatch", crate::source::Span::DETACHED))
}

fn row_order(n: usize, d: Distribution, key: u64, epoch: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    if d == Distribution::Random {
        let mut s = Stream::new(mix(key, epoch));
        s.shuffle(&mut order);
    }
    order
}

/// `inDateFormat`: a string parsed with strptime syntax or `epoch` digits.
fn parse_date(v: &Value, fmt: &str) -> Result<Value, String> {
    let s = match v {
        Value::Str(s) => s.trim().to_string(),
        Value::Int(i) if fmt == "epoch" => i.to_string(),
        Value::DateTime(_) => return Ok(v.clone()),
        other => return Err(format!("inDateFormat needs a string, got {}", other.type_name())),
    };
    if fmt == "epoch" {
        let digits = s.trim_start_matches('-');
        let n: i64 = s.parse().map_err(|_| format!("'{s}' is not an epoch number"))?;
        let us = match digits.len() {
            0..=10 => n.checked_mul(1_000_000),
            11..=13 => n.checked_mul(1000),
            14..=16 => Some(n),
            _ => Some((n as i128 + if n >= 0 { 500 } else { -500 }).div_euclid(1000) as i64),
        }
        .ok_or("epoch out of range")?;
        return dtm::from_epoch_micros(us).map(Value::DateTime).ok_or_else(|| "epoch out of range".into());
    }
    dtm::strptime(&s, fmt).map(Value::DateTime)
}

/// `outDateFormat`: a datetime formatted with strftime syntax or as an epoch.
fn format_date(v: &Value, fmt: &str) -> Result<Value, String> {
    let dt = match v {
        Value::DateTime(d) => *d,
        Value::Date(d) => d.to_datetime(jiff::civil::Time::midnight()),
        Value::Str(s) => {
            dtm::parse_iso(s).ok_or_else(|| format!("outDateFormat needs a datetime, got the string '{s}'"))?
        }
        other => return Err(format!("outDateFormat needs a datetime, got {}", other.type_name())),
    };
    let us = || dtm::to_epoch_micros(dt);
    Ok(Value::from(match fmt {
        "epoch" => (us().div_euclid(1_000_000)).to_string(),
        "epoch_millis" => (us().div_euclid(1000)).to_string(),
        "epoch_micros" => us().to_string(),
        "epoch_nanos" => (us() as i128 * 1000).to_string(),
        _ => {
            // Formatted into a reused buffer: the value is then its only allocation.
            thread_local! {
                static BUF: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
            }
            return Ok(BUF.with(|b| {
                let mut b = b.borrow_mut();
                b.clear();
                dtm::strftime_into(&mut b, dt, fmt);
                Value::from(b.as_str())
            }));
        }
    }))
}

/// `true` when cast `c` returns `v` unchanged (a value of the cast's own type).
#[inline]
fn cast_keeps(c: Cast, v: &Value) -> bool {
    matches!(
        (c, v),
        (Cast::Int, Value::Int(_))
            | (Cast::Float, Value::Float(_))
            | (Cast::Str, Value::Str(_))
            | (Cast::Bool, Value::Bool(_))
    )
}

/// `type=` casts (dsl §4.2 step 6).
pub fn cast(v: Value, c: Cast, granularity: Option<rust_decimal::Decimal>) -> Result<Value, String> {
    Ok(match c {
        Cast::Str => match v {
            Value::Str(_) => v,
            other => Value::from(other.py_str()),
        },
        Cast::Int => match v {
            Value::Int(_) => v,
            Value::Str(s) if s.trim().contains('.') => {
                return Err(format!("cannot cast '{s}' to int"));
            }
            other => Value::Int(to_int(&other)?),
        },
        Cast::Float => match v {
            Value::Float(_) => v,
            other => Value::Float(to_float(&other)?),
        },
        Cast::Decimal => {
            let d: rust_decimal::Decimal = match &v {
                Value::Decimal(d) => *d,
                other => {
                    other.py_str().trim().parse().map_err(|_| format!("cannot cast {} to decimal", other.py_repr()))?
                }
            };
            let d = match granularity {
                Some(g) if !g.is_zero() => {
                    let q = (d / g).round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointNearestEven);
                    let r = q * g;
                    r.round_dp(g.scale())
                }
                _ => d,
            };
            Value::Decimal(d)
        }
        Cast::Bool => match v {
            Value::Bool(_) => v,
            Value::Str(s) if s.is_empty() => Value::Null,
            Value::Str(s) => Value::Bool(!matches!(&*s, "false" | "False" | "0")),
            Value::Int(i) => Value::Bool(i != 0),
            Value::Float(f) => Value::Bool(f != 0.0),
            other => Value::Bool(other.truthy()),
        },
        Cast::Bytes => match v {
            Value::Bytes(_) => v,
            Value::Str(s) => Value::Bytes(Arc::from(s.as_bytes())),
            other => Value::Bytes(Arc::from(other.py_str().as_bytes())),
        },
    })
}

impl Runtime<'_> {
    /// The map of scope `depth`: its variables and fields, with the next inner scope nested
    /// under its name.
    fn scope_map(&self, depth: usize) -> Map {
        let Some(f) = self.frames.get(depth) else { return Map::new() };
        let mut m = f.as_map();
        if let Some(inner) = self.frames.get(depth + 1) {
            if let Some(n) = &inner.layout.scope_name {
                m.insert(n.clone(), Value::map(self.scope_map(depth + 1)));
            }
        }
        m
    }
}

impl Env for Runtime<'_> {
    fn load(&self, slot: Slot) -> Result<Value, String> {
        match slot {
            Slot::Frame { depth, slot } => {
                let f = self.frames.get(depth as usize).ok_or("internal error: no such frame")?;
                f.get(slot).cloned().ok_or_else(|| {
                    let name = f.layout.names.get(slot as usize).map(|n| n.to_string()).unwrap_or_default();
                    format!("'{name}' has no value here (it is set later or in a branch that did not run)")
                })
            }
            Slot::Global(g) => {
                self.globals.get(g as usize).cloned().ok_or_else(|| "internal error: no such global".into())
            }
            Slot::Prop(p) => {
                self.props.get(p as usize).cloned().ok_or_else(|| "internal error: no such property".into())
            }
            Slot::Local(_) => Err("internal error: local outside a comprehension".into()),
            Slot::Scope(depth) => Ok(Value::map(self.scope_map(depth as usize))),
        }
    }

    fn load_dyn(&self, name: &str) -> Result<Value, String> {
        for f in self.frames.iter() {
            if let Some(v) = f.get_by_name(name) {
                return Ok(v);
            }
        }
        if let Some(i) = self.model.globals.iter().position(|g| &**g == name) {
            return Ok(self.globals[i].clone());
        }
        if let Some(i) = self.model.props.iter().rposition(|(k, _)| &**k == name) {
            return Ok(self.props[i].clone());
        }
        Err(format!("name '{name}' is not defined"))
    }

    fn this(&self) -> Value {
        self.frames.last().map(|f| Value::map(f.as_map())).unwrap_or_else(|| Value::map(Map::new()))
    }

    fn parent(&self) -> Result<Value, String> {
        let n = self.frames.len();
        if n < 2 {
            return Err("'parent' is only defined inside a nested generate or nestedKey".into());
        }
        Ok(Value::map(self.frames[n - 2].as_map()))
    }

    fn root(&self) -> Value {
        self.frames.first().map(|f| Value::map(f.as_map())).unwrap_or_else(|| Value::map(Map::new()))
    }
}

/// The size of the value space of a `unique` field whose distinct values are numbered by the
/// record index (`permute(index)` picks the number): a field that runs once per record of
/// its statement execution ([`Field::indexed`]) and draws from a uniform `IntegerGenerator`,
/// a pattern of fixed structure, or an id generator whose values are a function of a number
/// (EAN, CPF, CNPJ, SSN, `PrefixedIdGenerator` with a fixed body), over fewer than 2^64
/// values. `None` for the others: they remember the values used.
pub(super) fn unique_by_index(f: &Field) -> Option<u64> {
    if !(f.unique && f.indexed) {
        return None;
    }
    match &f.mode {
        Mode::Generator(g, _) => g.unique_space(),
        Mode::Pattern(p) => p.space(),
        _ => None,
    }
}

/// Value number `k` of a field for which [`unique_by_index`] is `Some`.
fn unique_nth(f: &Field, k: u64) -> Option<Value> {
    match &f.mode {
        Mode::Generator(g, _) => g.unique_value(k),
        Mode::Pattern(p) => p.nth(k).map(Value::from),
        _ => None,
    }
}

/// The range of a uniform `IntegerGenerator` field (for messages).
fn int_range(f: &Field) -> Option<(i64, i64)> {
    match &f.mode {
        Mode::Generator(g, _) => g.int_range(),
        _ => None,
    }
}
