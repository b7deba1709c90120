//! Parallel generation of independent records (`--threads`).
//!
//! A top-level product whose records depend only on their index ([`chunkable`]: no cursors,
//! `unique` sets or echoes; nested products whose records depend only on theirs; counters
//! only where a counts-only pass can tell how far they got before any record) is generated in
//! contiguous chunks of record indices on `--threads` threads (the main thread among them).
//! Each has a runtime of its own and forks of the product's sinks that format into memory; the
//! main thread appends the chunks to the files in index order, and generates a chunk itself
//! whenever the next one to append is not finished yet. Record *i* is computed from (seed, product, *i*) alone and formatted by a
//! sink in the same state as in a sequential run, so the bytes are the same for every thread
//! count. Products that do not qualify run sequentially.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::flat::FlatPlan;
use super::{run_err, Flow, FrameStack, RunError, RunReport, Runtime, Scratch, State};
use crate::builtins::generators::GenState;
use crate::builtins::targets::Sink;
use crate::domains::determinism::{mix, row_key};
use crate::ir::model::*;
use crate::vm::value::Map;

/// Records per chunk: large enough to amortise the hand-over, small enough to keep memory flat.
const CHUNK_ROWS: u64 = 4096;

/// Records in the smallest chunk: chunks shrink towards the end of a product so that the
/// threads finish together (a last chunk of a heavy product is not left to one thread).
const MIN_CHUNK_ROWS: u64 = 256;

/// A counter field: a `GlobalIncrementGenerator` that runs exactly once per record of its
/// product (its value is the number of records before, over the whole run).
fn counter_field(f: &Field) -> bool {
    matches!(&f.mode, Mode::Generator(g, GenScope::Run) if g.counter())
        && f.direct
        && f.condition.is_none()
        && f.null_quota == 0.0
        && !f.unique
        && f.elements.is_empty()
}

/// What the chunks of a product need besides their range ([`chunkable`]).
#[derive(Default)]
pub(super) struct Chunking {
    /// The states of the counter fields of the product tree.
    counters: Vec<StateId>,
    /// The nested products with a counter in their tree (the counts-only pass visits them).
    counted: Vec<StateId>,
}

/// How a top-level product's records can be generated in chunks, `None` when they cannot:
/// every statement is stateless ([`stateless_stmt`]), a counter field, or a nested generate
/// (directly in the record body) writing to files only, whose own body follows the same
/// rules. Counters are restored at a chunk's first record from a counts-only pass
/// ([`Runtime::count_calls`]), so the nested products they sit in need counts that follow
/// from row keys alone (fixed or `minCount`/`maxCount`) and must not end early.
pub(super) fn chunkable(g: &Generate) -> Option<Chunking> {
    /// `Some(whether the body's tree holds a counter)` when it qualifies.
    fn body(b: &[Stmt], ch: &mut Chunking) -> Option<bool> {
        let mut any = false;
        for s in b {
            match s {
                Stmt::Field(f) if counter_field(f) => {
                    ch.counters.push(f.state);
                    any = true;
                }
                Stmt::Generate(c) => {
                    // (Its records may be bound in the parent record: they stay in the chunk.)
                    if !c.targets.iter().all(|t| matches!(t, Target::File(_))) {
                        return None;
                    }
                    if body(&c.body, ch)? {
                        let countable = c.source.is_none()
                            && c.series.is_none()
                            && matches!(c.count, Count::Fixed(_) | Count::Range { .. })
                            && c.body.iter().all(|s| match s {
                                Stmt::Field(f) => never_ends(f, &c.count),
                                _ => true,
                            });
                        if !countable {
                            return None;
                        }
                        ch.counted.push(c.state);
                        any = true;
                    }
                }
                other if stateless_stmt(other) => {}
                _ => return None,
            }
        }
        Some(any)
    }
    let collect = g.bind_slot.is_some() || feeds_memstore(g);
    if collect || g.targets.iter().any(|t| matches!(t, Target::Database { .. })) {
        return None;
    }
    let mut ch = Chunking::default();
    body(&g.body, &mut ch)?;
    Some(ch)
}

/// `true` unless field `f` of a product with count `count` may end its product early (an
/// `IncrementGenerator` reaching its `end`).
fn never_ends(f: &Field, count: &Count) -> bool {
    let most = match count {
        Count::Fixed(n) => *n,
        Count::Range { max, .. } => *max,
        _ => return false,
    };
    match &f.mode {
        Mode::Generator(g, _) if g.value_at(0).is_some() => most == 0 || matches!(g.value_at(most - 1), Some(Some(_))),
        _ => true,
    }
}

/// `true` when every record of a body can be generated without the records before it.
pub(super) fn stateless_body(body: &[Stmt]) -> bool {
    body.iter().all(stateless_stmt)
}

/// `true` when `g` or a product under it fills a memstore (later products read it whole).
pub(super) fn feeds_memstore(g: &Generate) -> bool {
    fn body(b: &[Stmt]) -> bool {
        b.iter().any(|s| match s {
            Stmt::Generate(g) => feeds_memstore(g),
            Stmt::NestedKey(n) => body(&n.body),
            Stmt::List(l) => l.items.iter().any(|it| body(&it.body)),
            Stmt::Condition(bs) => bs.iter().any(|b| body(&b.body)),
            Stmt::While { body: w, .. } => body(w),
            _ => false,
        })
    }
    g.targets.iter().any(|t| matches!(t, Target::Memstore(_))) || body(&g.body)
}

fn stateless_stmt(s: &Stmt) -> bool {
    match s {
        Stmt::Global { .. } | Stmt::Array(_) | Stmt::Assert { .. } => true,
        Stmt::Field(f) => stateless_field(f),
        // Child products keep files and counters across parent records; echoes print in order.
        Stmt::Generate(_)
        | Stmt::Echo { .. }
        | Stmt::Include(_)
        | Stmt::Database(..)
        | Stmt::Execute(_)
        | Stmt::Reference(_) => false,
        Stmt::NestedKey(n) => stateless_body(&n.body),
        Stmt::List(l) => l.items.iter().all(|it| stateless_body(&it.body)),
        Stmt::Condition(bs) => bs.iter().all(|b| stateless_body(&b.body)),
        Stmt::While { body, .. } => stateless_body(body),
    }
}

fn stateless_field(f: &Field) -> bool {
    let unique_ok = !f.unique || super::pipeline::unique_by_index(f).is_some();
    if !unique_ok || !f.elements.iter().all(stateless_field) {
        return false;
    }
    match &f.mode {
        Mode::Script(_)
        | Mode::Constant(_)
        | Mode::Template(_)
        | Mode::Weighted { .. }
        | Mode::Pattern(_)
        | Mode::Entity(_)
        | Mode::WeightedRows { .. }
        | Mode::Keep => true,
        Mode::Values { unique, .. } => !unique,
        Mode::Native(n) => !matches!(n, Native::Sequence(_)),
        Mode::Generator(g, scope) => {
            g.stateless() || (f.direct && *scope == GenScope::PerExecution && g.value_at(0).is_some())
        }
        Mode::Rows(_) | Mode::RowsExpr { .. } => false,
    }
}

/// The layouts of a product's records and of the nested keys and list items inside them.
fn layouts_of<'a>(layout: &'a Layout, body: &'a [Stmt], out: &mut Vec<&'a Layout>) {
    out.push(layout);
    fn walk<'a>(body: &'a [Stmt], out: &mut Vec<&'a Layout>) {
        for s in body {
            match s {
                Stmt::NestedKey(n) => layouts_of(&n.layout, &n.body, out),
                Stmt::List(l) => {
                    for it in &l.items {
                        layouts_of(&it.layout, &it.body, out);
                    }
                }
                Stmt::Condition(bs) => bs.iter().for_each(|b| walk(&b.body, out)),
                Stmt::While { body, .. } => walk(body, out),
                Stmt::Generate(g) => layouts_of(&g.layout, &g.body, out),
                _ => {}
            }
        }
    }
    walk(body, out);
}

/// What a thread of a parallel product keeps from one chunk to the next.
struct Carry<'s> {
    /// Buffers of appended pieces, for the next pieces (shared by the threads): memory is
    /// reused, not returned to the system and asked for (and zeroed) again.
    spare: &'s std::sync::Mutex<Vec<Vec<u8>>>,
    /// How the product's records are written, once a record of this thread has made the plan
    /// (the first record of the next chunks goes straight to it).
    flat: Option<FlatPlan>,
}

/// A copy of a layout whose names are new allocations.
fn unshared(l: &Layout) -> Layout {
    Layout {
        names: l.names.iter().map(|n| Arc::from(&**n)).collect(),
        scope_name: l.scope_name.as_ref().map(|n| Arc::from(&**n)),
        ..l.clone()
    }
}

/// What a worker produced for one chunk.
struct ChunkOut {
    /// Bytes and records per sink of the product tree, in the order of `run_parallel`'s sinks.
    pieces: Vec<(Vec<u8>, u64)>,
    produced: u64,
    /// Records of nested products, per product in first-run order.
    products: Vec<(String, u64)>,
    /// A sequence ran out inside the chunk: the product ends there.
    stopped: bool,
}

/// The products of a chunked product's tree: itself and its nested generates, parents first.
fn tree<'a>(g: &'a Generate, out: &mut Vec<&'a Generate>) {
    out.push(g);
    for s in &g.body {
        if let Stmt::Generate(c) = s {
            tree(c, out);
        }
    }
}

impl<'m> Runtime<'m> {
    /// Adds to `calls` how often each counter of `counters` runs in a record with row key
    /// `rk` and body `body`, its nested products' records included (the counts-only pass:
    /// nested counts follow from row keys, nothing else is evaluated).
    fn count_calls(&mut self, body: &'m [Stmt], rk: u64, ch: &Chunking, calls: &mut [u64]) -> Result<(), RunError> {
        for s in body {
            match s {
                Stmt::Field(f) if counter_field(f) => {
                    if let Some(k) = ch.counters.iter().position(|c| *c == f.state) {
                        calls[k] += 1;
                    }
                }
                Stmt::Generate(c) if ch.counted.contains(&c.state) => {
                    let gkey = mix(mix(self.root64, c.key.0), rk);
                    let n = self.count(&c.count, gkey, None, c.span)?;
                    for j in 0..n {
                        let crk = row_key(c.key, mix(self.root64, rk), j);
                        self.count_calls(&c.body, crk, ch, calls)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Generates records `[from, to)` of top-level product `g` (and their nested products) on
    /// worker threads and appends them to the sinks in order; `counters` are the product's
    /// ([`chunkable`]). `Some((records written, stopped early))`, or `None` (nothing done)
    /// when the range is small or a sink of the tree is not open yet or cannot be formatted
    /// in pieces.
    pub(super) fn run_parallel(
        &mut self,
        g: &'m Generate,
        parent_key: u64,
        rows: Option<&Vec<Arc<Map>>>,
        from: u64,
        to: u64,
        ch: &Chunking,
    ) -> Result<Option<(u64, bool)>, RunError> {
        let counters = &ch.counters[..];
        let threads = self.opts.threads.max(1) as u64;
        if to.saturating_sub(from) < 2 * CHUNK_ROWS {
            return Ok(None);
        }
        // The sinks of every product of the tree (each once), and each product's places in
        // that list.
        let mut products = Vec::new();
        tree(g, &mut products);
        let mut mains: Vec<usize> = Vec::new();
        let mut keys: Vec<(StateId, Vec<usize>)> = Vec::new();
        for p in &products {
            if !p.targets.iter().any(|t| matches!(t, Target::File(_) | Target::Database { .. })) {
                continue;
            }
            let Some(ids) = self.sink_keys.get(&p.state) else { return Ok(None) };
            let mut at = Vec::new();
            for &k in ids {
                let j = match mains.iter().position(|m| *m == k) {
                    Some(j) => j,
                    None => {
                        mains.push(k);
                        mains.len() - 1
                    }
                };
                at.push(j);
            }
            keys.push((p.state, at));
        }
        let mut fork_sets = Vec::new();
        for _ in 0..threads {
            let mut forks = Vec::new();
            for &k in &mains {
                match self.sinks.get(k).and_then(|s| s.fork()) {
                    Some(f) => forks.push(f),
                    None => return Ok(None),
                }
            }
            fork_sets.push(forks);
        }
        // The product's layouts, which each worker copies (see below).
        let mut model_layouts = Vec::new();
        layouts_of(&g.layout, &g.body, &mut model_layouts);
        let mut workers = Vec::new();
        for forks in fork_sets {
            workers.push(self.worker(forks, &keys));
        }
        // Counter values at the next chunk's first record.
        let mut at: Vec<u64> = counters
            .iter()
            .map(|c| match self.states.get(*c as usize) {
                Some(State::Gen(gs)) => gs.count(),
                _ => 0,
            })
            .collect();
        // Chunks are handed out in index order (tickets), at most `window` ahead of the last
        // appended one (memory stays flat). `threads - 1` worker threads take tickets; the
        // main thread appends finished chunks in index order and, when the next one is not
        // finished yet, takes a ticket itself: `threads` threads generate, none waits.
        let window = 6 * threads + 2;
        type Ticket = (u64, u64, u64, Vec<(StateId, u64)>);
        let (ticket_tx, ticket_rx) = std::sync::mpsc::channel::<Ticket>();
        let ticket_rx = std::sync::Mutex::new(ticket_rx);
        let (done_tx, done_rx) = std::sync::mpsc::channel::<(u64, Result<ChunkOut, RunError>)>();
        // See [`Carry::spare`].
        let spare: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());
        let outcome = std::thread::scope(|s| -> Result<(u64, bool), RunError> {
            let mut workers = workers.into_iter();
            let Some(mine) = workers.next() else { return Err(run_err("no worker runtime", g.span)) };
            for w in workers {
                let (ticket_rx, done_tx, spare, model_layouts) = (&ticket_rx, done_tx.clone(), &spare, &model_layouts);
                s.spawn(move || {
                    let mut copies = Vec::new();
                    let mut w = w.settle(model_layouts, &mut copies);
                    let mut carry = Carry { spare, flat: None };
                    loop {
                        let ticket = match ticket_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        let Ok((c, a, b, starts)) = ticket else { return };
                        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            w.run_chunk(g, parent_key, rows, a..b, &starts, &mut carry)
                        }))
                        .unwrap_or_else(|_| Err(run_err("a worker thread failed", g.span)));
                        if done_tx.send((c, r)).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(done_tx);
            let mut copies = Vec::new();
            let mut mine = mine.settle(&model_layouts, &mut copies);
            let mut carry = Carry { spare: &spare, flat: None };
            // Dropped on every way out of this scope: the workers then stop.
            let tickets = ticket_tx;
            let mut issued = 0u64;
            let mut appended = 0u64;
            let mut produced = 0u64;
            let mut pending: BTreeMap<u64, Result<ChunkOut, RunError>> = BTreeMap::new();
            // The first record not handed out yet.
            let mut next = from;
            while next < to || appended < issued {
                while next < to && issued < appended + window {
                    let len = ((to - next) / (4 * threads)).clamp(MIN_CHUNK_ROWS, CHUNK_ROWS);
                    let (a, b) = (next, next.saturating_add(len).min(to));
                    next = b;
                    let starts = counters.iter().copied().zip(at.iter().copied()).collect();
                    if !counters.is_empty() {
                        for i in a..b {
                            let rk = row_key(g.key, mix(self.root64, parent_key), i);
                            self.count_calls(&g.body, rk, ch, &mut at)?;
                        }
                    }
                    tickets.send((issued, a, b, starts)).map_err(|_| run_err("a worker thread failed", g.span))?;
                    issued += 1;
                }
                while let Ok((c, r)) = done_rx.try_recv() {
                    pending.insert(c, r);
                }
                if !pending.contains_key(&appended) {
                    // Nothing to append yet: generate a chunk here, or wait for one. (A worker
                    // waiting for a ticket holds the lock: then none is left to take.)
                    match ticket_rx.try_lock().ok().and_then(|rx| rx.try_recv().ok()) {
                        Some((c, a, b, starts)) => {
                            pending.insert(c, mine.run_chunk(g, parent_key, rows, a..b, &starts, &mut carry));
                        }
                        None => {
                            let (c, r) = done_rx.recv().map_err(|_| run_err("a worker thread failed", g.span))?;
                            pending.insert(c, r);
                        }
                    }
                }
                while let Some(r) = pending.remove(&appended) {
                    let out = r?;
                    for (j, (bytes, n)) in out.pieces.into_iter().enumerate() {
                        if let Some(sink) = mains.get(j).and_then(|k| self.sinks.get_mut(*k)) {
                            let back = sink.append_owned(bytes, n).map_err(|e| run_err(e, g.span))?;
                            if let (Some(b), Ok(mut spare)) = (back, spare.lock()) {
                                // As many as can be in flight; more would only hold memory.
                                if (spare.len() as u64) < (window + 1) * mains.len() as u64 {
                                    spare.push(b);
                                }
                            }
                        }
                    }
                    for (name, k) in &out.products {
                        self.report_count(name, *k);
                    }
                    produced += out.produced;
                    appended += 1;
                    if out.stopped {
                        return Ok((produced, true));
                    }
                }
            }
            Ok((produced, false))
        });
        let (produced, stopped) = outcome?;
        if stopped {
            return Ok(Some((produced, true)));
        }
        // The counters continue after the range (as if it had run here).
        self.set_counters(counters.iter().copied().zip(at));
        Ok(Some((produced, false)))
    }

    /// Makes a worker runtime ready on the thread that runs it, with `copies` holding its
    /// copies of `layouts`. What a worker changes on every record is allocated here, in the
    /// thread's own memory (allocations made by one thread for all workers would share cache
    /// lines), so that no cache line bounces between cores: the statement states, and copies
    /// of the layouts whose names have reference counts of their own.
    fn settle<'c>(mut self, layouts: &[&Layout], copies: &'c mut Vec<Layout>) -> Runtime<'c>
    where
        'm: 'c,
    {
        self.states = (0..self.model.states).map(|_| State::Empty).collect();
        *copies = layouts.iter().map(|l| unshared(l)).collect();
        let copies: &'c Vec<Layout> = copies;
        let mut w: Runtime<'c> = self;
        w.local_layouts = layouts.iter().zip(copies).map(|(m, c)| (*m as *const Layout as usize, c)).collect();
        w
    }

    /// Sets each counter `c` of `counts` to the state after `n` calls.
    fn set_counters(&mut self, counts: impl IntoIterator<Item = (StateId, u64)>) {
        for (c, n) in counts {
            if let Some(st) = self.states.get_mut(c as usize) {
                *st = State::Gen(GenState::counted(n));
            }
        }
    }

    /// A runtime for a worker thread: the run's read-only data, fresh state, and `sinks` as
    /// the sinks of the products in `keys` (product state, places in `sinks`).
    fn worker(&self, sinks: Vec<Box<dyn Sink>>, keys: &[(StateId, Vec<usize>)]) -> Runtime<'m> {
        let sink_keys: HashMap<StateId, Vec<usize>> = keys.iter().cloned().collect();
        Runtime {
            model: self.model,
            globals: self.globals.clone(),
            props: self.props.clone(),
            frames: FrameStack::new(),
            // Allocated on the worker's thread.
            states: Vec::new(),
            memstores: self.memstores.clone(),
            scratch: Scratch::default(),
            now: self.now,
            root64: self.root64,
            conv: self.conv.clone(),
            sinks,
            sink_index: BTreeMap::new(),
            sink_keys,
            pending: Vec::new(),
            report: RunReport::default(),
            opts: self.opts.clone(),
            templates: HashMap::new(),
            seen: HashMap::new(),
            shard_role: self.shard_role,
            muted: false,
            in_chunks: false,
            in_include: self.in_include,
            // Set on the worker's thread.
            local_layouts: Vec::new(),
            worker: true,
            local_consts: Vec::new(),
            // Products with run-time includes are not generated in parallel.
            includes: HashMap::new(),
            loaded: crate::source::SourceMap::starting_at(self.loaded.next_id()),
            next_state: self.next_state,
            include_chain: Vec::new(),
            // Products writing to databases are not generated in parallel.
            dbs: crate::db::Databases::new(),
            // Samples are generated on one thread.
            sample: None,
        }
    }

    /// Generates and formats records `range` into this runtime's memory sinks, the counters
    /// starting at `starts`.
    fn run_chunk(
        &mut self,
        g: &'m Generate,
        parent_key: u64,
        rows: Option<&Vec<Arc<Map>>>,
        range: std::ops::Range<u64>,
        starts: &[(StateId, u64)],
        carry: &mut Carry<'_>,
    ) -> Result<ChunkOut, RunError> {
        self.set_counters(starts.iter().copied());
        let mut rec = Vec::new();
        let mut ids = None;
        let mut produced = 0;
        let mut stopped = false;
        let mut line = String::new();
        for i in range {
            if let Some(plan) = &carry.flat {
                if self.flat_row(g, i, plan, &mut line)? == Flow::Exhausted {
                    stopped = true;
                    break;
                }
                produced += 1;
                continue;
            }
            if self.gen_row(g, i, parent_key, rows, &mut rec)? == Flow::Exhausted {
                stopped = true;
                break;
            }
            self.emit(g, &rec, &mut ids)?;
            produced += 1;
            if produced == 1 {
                carry.flat = self.flat_sink(g, ids.as_deref().unwrap_or(&[]), parent_key);
            }
        }
        let pieces = self
            .sinks
            .iter_mut()
            .map(|s| s.drain(carry.spare.lock().ok().and_then(|mut v| v.pop()).unwrap_or_default()))
            .collect();
        let products = std::mem::take(&mut self.report.products);
        Ok(ChunkOut { pieces, produced, products, stopped })
    }
}
