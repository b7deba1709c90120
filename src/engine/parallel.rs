//! Parallel generation of independent records (`--threads`).
//!
//! A top-level product whose records depend only on their index ([`stateless_body`]: no
//! counters, cursors, `unique` sets, nested products or echoes) is generated in contiguous
//! chunks of record indices on worker threads. Each worker has a runtime of its own and forks of
//! the product's sinks that format into memory; the main thread appends the chunks to the files
//! in index order. Record *i* is computed from (seed, product, *i*) alone and formatted by a
//! sink in the same state as in a sequential run, so the bytes are the same for every thread
//! count. Products that do not qualify run sequentially.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::{run_err, Flow, FrameStack, RunError, RunReport, Runtime, Scratch, State};
use crate::builtins::targets::Sink;
use crate::ir::model::*;
use crate::vm::value::Map;

/// Records per chunk: large enough to amortise the hand-over, small enough to keep memory flat.
const CHUNK_ROWS: u64 = 4096;

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
                _ => {}
            }
        }
    }
    walk(body, out);
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
    /// Bytes and records per sink of the product, in the product's sink order.
    pieces: Vec<(Vec<u8>, u64)>,
    produced: u64,
    /// A sequence ran out inside the chunk: the product ends there.
    stopped: bool,
}

impl<'m> Runtime<'m> {
    /// Generates records `[from, to)` of top-level product `g` on worker threads and appends
    /// them to its sinks `ids` in order. `Some((records written, stopped early))`, or `None`
    /// (nothing done) when the range is small or a sink cannot be formatted in pieces.
    pub(super) fn run_parallel(
        &mut self,
        g: &'m Generate,
        parent_key: u64,
        rows: Option<&Vec<Arc<Map>>>,
        from: u64,
        to: u64,
        ids: &[usize],
    ) -> Result<Option<(u64, bool)>, RunError> {
        let threads = self.opts.threads.max(1) as u64;
        if to.saturating_sub(from) < 2 * CHUNK_ROWS {
            return Ok(None);
        }
        // Per worker: copies of the product's layouts with names of their own.
        let mut model_layouts = Vec::new();
        layouts_of(&g.layout, &g.body, &mut model_layouts);
        let copies: Vec<Vec<Layout>> =
            (0..threads).map(|_| model_layouts.iter().map(|l| unshared(l)).collect()).collect();
        let mut workers = Vec::new();
        for copy in &copies {
            let mut sinks = Vec::new();
            for &k in ids {
                match self.sinks.get(k).and_then(|s| s.fork()) {
                    Some(f) => sinks.push(f),
                    None => return Ok(None),
                }
            }
            let local: Vec<(usize, &Layout)> =
                model_layouts.iter().zip(copy).map(|(m, c)| (*m as *const Layout as usize, c)).collect();
            workers.push(self.worker(sinks, g.state, local));
        }
        let mut produced = 0u64;
        let mut next = from;
        while next < to {
            let wave: Vec<(u64, u64)> = (0..threads)
                .map(|k| {
                    let a = next.saturating_add(k * CHUNK_ROWS).min(to);
                    (a, a.saturating_add(CHUNK_ROWS).min(to))
                })
                .filter(|(a, b)| a < b)
                .collect();
            next = wave.last().map_or(to, |w| w.1);
            let results: Vec<Result<ChunkOut, RunError>> = std::thread::scope(|s| {
                let handles: Vec<_> = workers
                    .iter_mut()
                    .zip(&wave)
                    .map(|(w, &(a, b))| s.spawn(move || w.run_chunk(g, parent_key, rows, a, b)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|_| Err(run_err("a worker thread failed", g.span))))
                    .collect()
            });
            for r in results {
                let out = r?;
                for (j, (bytes, n)) in out.pieces.into_iter().enumerate() {
                    if let Some(sink) = ids.get(j).and_then(|k| self.sinks.get_mut(*k)) {
                        sink.append(&bytes, n).map_err(|e| run_err(e, g.span))?;
                    }
                }
                produced += out.produced;
                if out.stopped {
                    return Ok(Some((produced, true)));
                }
            }
        }
        Ok(Some((produced, false)))
    }

    /// A runtime for a worker thread: the run's read-only data, fresh state, and `sinks` as
    /// the sinks of product `state`.
    fn worker<'w>(
        &self,
        sinks: Vec<Box<dyn Sink>>,
        state: StateId,
        local_layouts: Vec<(usize, &'w Layout)>,
    ) -> Runtime<'w>
    where
        'm: 'w,
    {
        let mut sink_keys = HashMap::new();
        sink_keys.insert(state, (0..sinks.len()).collect());
        Runtime {
            model: self.model,
            globals: self.globals.clone(),
            props: self.props.clone(),
            frames: FrameStack::new(),
            states: (0..self.model.states).map(|_| State::Empty).collect(),
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
            in_include: self.in_include,
            local_layouts,
            worker: true,
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

    /// Generates and formats records `[a, b)` into this worker's memory sinks.
    fn run_chunk(
        &mut self,
        g: &'m Generate,
        parent_key: u64,
        rows: Option<&Vec<Arc<Map>>>,
        a: u64,
        b: u64,
    ) -> Result<ChunkOut, RunError> {
        let mut rec = Vec::new();
        let mut ids = None;
        let mut produced = 0;
        let mut stopped = false;
        let mut flat = None;
        let mut line = String::new();
        for i in a..b {
            if let Some(plan) = &flat {
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
                flat = self.flat_sink(g, ids.as_deref().unwrap_or(&[]), parent_key);
            }
        }
        let pieces = self.sinks.iter_mut().map(|s| s.drain()).collect();
        Ok(ChunkOut { pieces, produced, stopped })
    }
}
