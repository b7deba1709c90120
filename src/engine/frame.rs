//! A record frame: the slots of one record under construction.

use std::sync::Arc;

use crate::ir::model::Layout;
use crate::vm::value::{Map, Value};

/// One record (or nestedKey map) being built.
pub struct Frame<'m> {
    pub layout: &'m Layout,
    pub values: Vec<Value>,
    pub set: Vec<bool>,
    /// Field slots in the order they were first set (the record's column order).
    pub order: Vec<u16>,
    /// Columns of source rows that have no slot (sources of unknown shape).
    pub extra: Vec<(Arc<str>, Value)>,
    pub row_key: u64,
    /// Index of this record in its statement execution (list item index for nestedKeys).
    pub index: u64,
    /// Lists the last record dropped, for the next record's lists.
    pub spare: Spare,
}

/// A few list allocations kept for reuse (entity variables read field by field fill one list
/// per record).
#[derive(Default)]
pub struct Spare(Vec<Arc<Vec<Value>>>);

impl Spare {
    fn keep(&mut self, mut l: Arc<Vec<Value>>) {
        if self.0.len() < 4 {
            if let Some(v) = Arc::get_mut(&mut l) {
                v.clear();
                self.0.push(l);
            }
        }
    }

    /// An empty list whose allocation may be reused.
    pub fn take(&mut self) -> Arc<Vec<Value>> {
        self.0.pop().unwrap_or_default()
    }
}

impl<'m> Frame<'m> {
    pub fn new(layout: &'m Layout, row_key: u64, index: u64) -> Frame<'m> {
        let n = layout.names.len();
        Frame {
            layout,
            values: vec![Value::Null; n],
            set: vec![false; n],
            order: Vec::new(),
            extra: Vec::new(),
            row_key,
            index,
            spare: Spare::default(),
        }
    }

    /// Makes a used frame fresh for another record, keeping its allocations.
    pub fn reset(&mut self, layout: &'m Layout, row_key: u64, index: u64) {
        let n = layout.names.len();
        self.layout = layout;
        if self.values.len() == n {
            // The usual case (the same product's next record): only the slots set last time
            // hold anything (record values were moved out already).
            for (v, s) in self.values.iter_mut().zip(self.set.iter_mut()) {
                if *s {
                    if let Value::List(l) = std::mem::take(v) {
                        self.spare.keep(l);
                    }
                    *s = false;
                }
            }
        } else {
            self.values.clear();
            self.values.resize(n, Value::Null);
            self.set.clear();
            self.set.resize(n, false);
        }
        self.order.clear();
        self.extra.clear();
        self.row_key = row_key;
        self.index = index;
    }

    /// Sets a slot; fields join the column order the first time they are set.
    pub fn set(&mut self, slot: u16, v: Value, field: bool) {
        let i = slot as usize;
        if i >= self.values.len() {
            return;
        }
        if field && !self.set[i] {
            // A key named like a dynamic source column overwrites it in place.
            if let Some(e) = self.extra.iter_mut().find(|(k, _)| **k == *self.layout.names[i]) {
                e.1 = v.clone();
                self.values[i] = v;
                self.set[i] = true;
                return;
            }
            self.order.push(slot);
        } else if field {
            if let Some(e) = self.extra.iter_mut().find(|(k, _)| **k == *self.layout.names[i]) {
                e.1 = v.clone();
            }
        }
        self.values[i] = v;
        self.set[i] = true;
    }

    /// Sets a source column: its field slot when the layout has one, else an extra column.
    /// In a dynamic frame (columns known only at run time) every source column is an extra
    /// column, so a key that overwrites one keeps the column's position (dsl §2.3).
    pub fn set_by_name(&mut self, name: &Arc<str>, v: Value) {
        if let Some(i) = self.layout.names.iter().zip(&self.layout.is_field).position(|(n, f)| *f && **n == **name) {
            if !self.layout.dynamic || self.set[i] {
                self.set(i as u16, v, true);
                return;
            }
            self.values[i] = v.clone();
            self.set[i] = true;
        }
        match self.extra.iter_mut().find(|(k, _)| **k == **name) {
            Some(e) => e.1 = v,
            None => self.extra.push((name.clone(), v)),
        }
    }

    pub fn get(&self, slot: u16) -> Option<&Value> {
        let i = slot as usize;
        if *self.set.get(i)? {
            Some(&self.values[i])
        } else {
            None
        }
    }

    /// A field or variable by name (product wins), then the extra columns.
    pub fn get_by_name(&self, name: &str) -> Option<Value> {
        let mut var = None;
        for (i, n) in self.layout.names.iter().enumerate() {
            if &**n == name && self.set[i] {
                if self.layout.is_field[i] {
                    return Some(self.values[i].clone());
                }
                var = Some(self.values[i].clone());
            }
        }
        var.or_else(|| self.extra.iter().find(|(k, _)| &**k == name).map(|(_, v)| v.clone()))
    }

    /// The record's fields in column order: extra (source) columns first, then slots.
    pub fn record_into(&self, out: &mut Vec<(Arc<str>, Value)>) {
        out.clear();
        for (k, v) in &self.extra {
            out.push((k.clone(), v.clone()));
        }
        let nested = self.layout.pipes && self.order.iter().any(|s| self.layout.names[*s as usize].contains('|'));
        for s in &self.order {
            let i = *s as usize;
            out.push((self.layout.names[i].clone(), self.values[i].clone()));
        }
        if nested {
            nest_pipes(out);
        }
    }

    /// Like `record_into`, but moves the values out of the frame (which is about to be
    /// recycled) and keeps the column names already in `out` when they are the same `Arc`s,
    /// so a record of the usual shape costs no reference-count traffic.
    pub fn take_record_into(&mut self, out: &mut Vec<(Arc<str>, Value)>) {
        let n = self.extra.len() + self.order.len();
        if self.layout.pipes || out.len() != n {
            self.record_into(out);
            return;
        }
        for (slot, (k, v)) in out.iter_mut().zip(self.extra.drain(..)) {
            *slot = (k, v);
        }
        let base = n - self.order.len();
        for (j, s) in self.order.iter().enumerate() {
            let i = *s as usize;
            let entry = &mut out[base + j];
            if !Arc::ptr_eq(&entry.0, &self.layout.names[i]) {
                entry.0 = self.layout.names[i].clone();
            }
            entry.1 = std::mem::take(&mut self.values[i]);
        }
    }

    /// The fields as a map (nestedKey values, nested generate records).
    pub fn fields_map(&self) -> Map {
        let mut v = Vec::new();
        self.record_into(&mut v);
        v.into_iter().collect()
    }

    /// Fields and variables (`this`): fields win on a clash.
    pub fn as_map(&self) -> Map {
        let mut m = Map::new();
        for (i, n) in self.layout.names.iter().enumerate() {
            // Names starting with NUL are hidden slots (the fields of an entity variable).
            if self.set[i] && !self.layout.is_field[i] && !n.starts_with('\0') {
                m.insert(n.clone(), self.values[i].clone());
            }
        }
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        for s in &self.order {
            let i = *s as usize;
            m.insert(self.layout.names[i].clone(), self.values[i].clone());
        }
        m
    }
}

/// The stack of record frames being built. Frames popped stay allocated in place and are
/// reset when the next record pushes, so a record costs no frame moves or allocations.
#[derive(Default)]
pub struct FrameStack<'m> {
    all: Vec<Frame<'m>>,
    live: usize,
}

impl<'m> FrameStack<'m> {
    pub fn new() -> FrameStack<'m> {
        FrameStack { all: Vec::new(), live: 0 }
    }

    /// Pushes a fresh frame for a record of `layout`.
    pub fn push(&mut self, layout: &'m Layout, row_key: u64, index: u64) {
        match self.all.get_mut(self.live) {
            Some(f) => f.reset(layout, row_key, index),
            None => self.all.push(Frame::new(layout, row_key, index)),
        }
        self.live += 1;
    }

    /// Pops the innermost frame (kept for reuse).
    pub fn pop(&mut self) {
        self.live = self.live.saturating_sub(1);
    }
}

impl<'m> std::ops::Deref for FrameStack<'m> {
    type Target = [Frame<'m>];
    fn deref(&self) -> &[Frame<'m>] {
        &self.all[..self.live]
    }
}

impl<'m> std::ops::DerefMut for FrameStack<'m> {
    fn deref_mut(&mut self) -> &mut [Frame<'m>] {
        &mut self.all[..self.live]
    }
}

/// `a|b` field names become nested maps (`{"a": {"b": …}}`), keeping first-seen order.
fn nest_pipes(fields: &mut Vec<(Arc<str>, Value)>) {
    let mut out: Vec<(Arc<str>, Value)> = Vec::with_capacity(fields.len());
    for (k, v) in fields.drain(..) {
        let parts: Vec<&str> = k.split('|').collect();
        if parts.len() == 1 {
            out.push((k.clone(), v));
            continue;
        }
        insert_path(&mut out, &parts, v);
    }
    *fields = out;
}

fn insert_path(level: &mut Vec<(Arc<str>, Value)>, parts: &[&str], v: Value) {
    let head: Arc<str> = Arc::from(parts[0]);
    if parts.len() == 1 {
        match level.iter_mut().find(|(k, _)| *k == head) {
            Some(e) => e.1 = v,
            None => level.push((head, v)),
        }
        return;
    }
    let pos = level.iter().position(|(k, _)| *k == head);
    let mut inner: Vec<(Arc<str>, Value)> = match pos.map(|p| &level[p].1) {
        Some(Value::Map(m)) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => Vec::new(),
    };
    insert_path(&mut inner, &parts[1..], v);
    let m = Value::map(inner.into_iter().collect());
    match pos {
        Some(p) => level[p].1 = m,
        None => level.push((head, m)),
    }
}
