//! Stateful sequences: `StateTransitionGenerator` (a weighted Markov walk, also behind
//! `<state-machine>`, dsl §3.19) and `SequenceTableGenerator`.

use super::{Args, Cursor, GenState};
use crate::domains::determinism::{AliasTable, Stream};
use crate::vm::value::Value;

/// A weighted Markov walk over named states.
#[derive(Debug)]
pub struct Machine {
    states: Vec<String>,
    start: usize,
    /// Successors of each state with an alias table over their weights; `None` for a state
    /// without outgoing transitions (the walk restarts at `start` after emitting it).
    out: Vec<Option<(Vec<usize>, AliasTable)>>,
}

#[derive(Debug)]
pub enum StateGen {
    Machine(Machine),
    /// `SequenceTableGenerator`: 1, 2, 3, … (no database sequence is consulted).
    Sequence,
}

pub(super) fn construct(a: &Args) -> Result<StateGen, String> {
    if a.name() == "SequenceTableGenerator" {
        a.string("sequence")?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| a.fail("sequence", "is required (the name of the sequence)"))?;
        return Ok(StateGen::Sequence);
    }
    let edges = transitions(a)?;
    let mut states: Vec<String> = Vec::new();
    let index = |s: &str, states: &mut Vec<String>| match states.iter().position(|x| x == s) {
        Some(i) => i,
        None => {
            states.push(s.to_string());
            states.len() - 1
        }
    };
    let mut succ: Vec<Vec<(usize, f64)>> = Vec::new();
    for (from, to, w) in &edges {
        let f = index(from, &mut states);
        let t = index(to, &mut states);
        succ.resize(states.len(), Vec::new());
        match succ[f].iter_mut().find(|(x, _)| *x == t) {
            // A repeated transition adds its weight.
            Some(e) => e.1 += w,
            None => succ[f].push((t, *w)),
        }
    }
    let start = match a.string("start")? {
        None => 0,
        Some(s) => states.iter().position(|x| *x == s.trim()).ok_or_else(|| {
            a.fail("start", format_args!("names unknown state '{s}' (states: {})", states.join(", ")))
        })?,
    };
    let out = succ
        .into_iter()
        .map(|e| {
            if e.is_empty() {
                return None;
            }
            let w: Vec<f64> = e.iter().map(|x| x.1).collect();
            AliasTable::new(&w).map(|t| (e.iter().map(|x| x.0).collect(), t))
        })
        .collect();
    Ok(StateGen::Machine(Machine { states, start, out }))
}

fn unquote(s: &str) -> &str {
    let t = s.trim();
    for q in ['\'', '"'] {
        if let Some(x) = t.strip_prefix(q).and_then(|x| x.strip_suffix(q)) {
            return x.trim();
        }
    }
    t
}

/// One `from->to[:weight]` item.
fn edge(a: &Args, part: &str) -> Result<(String, String, f64), String> {
    let bad = |why: &str| a.fail("transitions", format_args!("item '{part}' {why}"));
    let (from, rest) = part.split_once("->").ok_or_else(|| bad("must look like 'from->to' or 'from->to:weight'"))?;
    let (to, w) = match rest.rsplit_once(':') {
        Some((to, w)) => {
            let w: f64 = w.trim().parse().map_err(|_| bad("has a weight that is not a number"))?;
            (to, w)
        }
        None => (rest, 1.0),
    };
    let (from, to) = (unquote(from), unquote(to));
    if from.is_empty() || to.is_empty() {
        return Err(bad("needs a state on both sides of '->'"));
    }
    if !(w.is_finite() && w > 0.0) {
        return Err(bad("must have a weight > 0"));
    }
    Ok((from.to_string(), to.to_string(), w))
}

/// The transitions: a string `'a->b:3, a->c'`, or a list of such strings or of
/// `(from, to[, weight])` tuples.
fn transitions(a: &Args) -> Result<Vec<(String, String, f64)>, String> {
    let mut out = Vec::new();
    match a.raw("transitions") {
        None => return Err(a.fail("transitions", "is required (e.g. 'a->b:3, a->c, b->c')")),
        Some(Value::Str(s)) => {
            for part in s.split([',', ';', '\n']).filter(|p| !p.trim().is_empty()) {
                out.push(edge(a, part)?);
            }
        }
        Some(Value::List(items) | Value::Tuple(items)) => {
            for it in items.iter() {
                match it {
                    Value::Str(s) => out.push(edge(a, s)?),
                    Value::List(t) | Value::Tuple(t) if (2..=3).contains(&t.len()) => {
                        let w = match t.get(2) {
                            None => 1.0,
                            Some(v) => v.as_f64().filter(|x| x.is_finite() && *x > 0.0).ok_or_else(|| {
                                a.fail("transitions", format_args!("weight {} must be a number > 0", v.py_repr()))
                            })?,
                        };
                        out.push((t[0].py_str(), t[1].py_str(), w));
                    }
                    other => {
                        return Err(a.fail(
                            "transitions",
                            format_args!("item {} must be 'from->to' or (from, to, weight)", other.py_repr()),
                        ))
                    }
                }
            }
        }
        Some(_) => return Err(a.type_err("transitions", "a string such as 'a->b:3, a->c'")),
    }
    if out.is_empty() {
        return Err(a.fail("transitions", "must contain at least one transition"));
    }
    Ok(out)
}

impl StateGen {
    pub(super) fn next(&self, st: &mut GenState, rng: &mut Stream) -> Option<Value> {
        match self {
            StateGen::Sequence => Some(Value::Int(st.n as i64 + 1)),
            StateGen::Machine(m) => {
                let cur = match st.cursor {
                    Cursor::Node(i) => i,
                    _ => m.start,
                };
                let next = match &m.out[cur] {
                    Some((succ, table)) => succ[table.sample(rng)],
                    None => m.start,
                };
                st.cursor = Cursor::Node(next);
                Some(Value::from(m.states[cur].as_str()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;

    fn walk(g: &Generator, n: usize) -> Vec<String> {
        take(g, 23, n).iter().map(Value::py_str).collect()
    }

    #[test]
    fn walks_restart_at_start_after_a_final_state() {
        let g = gen("StateTransitionGenerator", &[("transitions", s("a->b, b->c"))]);
        assert_eq!(walk(&g, 7), ["a", "b", "c", "a", "b", "c", "a"]);
        let g = gen("StateTransitionGenerator", &[("transitions", s("a->b, b->c, c->a")), ("start", s("b"))]);
        assert_eq!(walk(&g, 4), ["b", "c", "a", "b"]);
        // Positional arguments and list forms.
        let g = super::super::construct(
            "StateTransitionGenerator",
            &[Value::list(vec![s("x->y"), s("y->x")]), s("y")],
            &[],
            &cfg(),
        )
        .unwrap();
        assert_eq!(walk(&g, 3), ["y", "x", "y"]);
        let t = Value::list(vec![Value::Tuple(std::sync::Arc::new(vec![s("p"), s("q"), Value::Int(2)]))]);
        let g = gen("StateTransitionGenerator", &[("transitions", t)]);
        assert_eq!(walk(&g, 3), ["p", "q", "p"]);
    }

    #[test]
    fn weighted_successors_within_one_percent() {
        let g = gen("StateTransitionGenerator", &[("transitions", s("a->b:3, a->c, b->a, c->a"))]);
        // Every second value is the successor of `a`: b with 3/4, c with 1/4.
        let mut st = GenState::default();
        let (mut b, mut c) = (0u32, 0u32);
        let n = 1_000_000u64;
        for i in 0..2 * n {
            let v = g.next(&mut st, &mut Stream::new(i), now()).unwrap().unwrap();
            match v.as_str().unwrap() {
                "b" => b += 1,
                "c" => c += 1,
                _ => {}
            }
        }
        assert_eq!(u64::from(b + c), n);
        let share = b as f64 / n as f64;
        assert!((share - 0.75).abs() < 0.01, "{share}");
    }

    #[test]
    fn bad_transitions_are_errors() {
        let e = gen_err("StateTransitionGenerator", &[]);
        assert!(e.contains("'transitions' is required"), "{e}");
        let e = gen_err("StateTransitionGenerator", &[("transitions", s("a-b"))]);
        assert!(e.contains("item 'a-b' must look like 'from->to'"), "{e}");
        let e = gen_err("StateTransitionGenerator", &[("transitions", s("a->b:0"))]);
        assert!(e.contains("must have a weight > 0"), "{e}");
        let e = gen_err("StateTransitionGenerator", &[("transitions", s("a->b:x"))]);
        assert!(e.contains("weight that is not a number"), "{e}");
        let e = gen_err("StateTransitionGenerator", &[("transitions", s("->b"))]);
        assert!(e.contains("needs a state on both sides"), "{e}");
        let e = gen_err("StateTransitionGenerator", &[("transitions", s(" , "))]);
        assert!(e.contains("at least one transition"), "{e}");
        let e = gen_err("StateTransitionGenerator", &[("transitions", s("a->b")), ("start", s("z"))]);
        assert!(e.contains("'start' names unknown state 'z'"), "{e}");
        let e = gen_err("StateTransitionGenerator", &[("transitions", Value::Int(3))]);
        assert!(e.contains("'transitions' must be a string"), "{e}");
    }

    #[test]
    fn sequence_table_generator_counts_from_one() {
        let g = gen("SequenceTableGenerator", &[("sequence", s("orders_seq"))]);
        assert_eq!(walk(&g, 3), ["1", "2", "3"]);
        let e = gen_err("SequenceTableGenerator", &[]);
        assert!(e.contains("'sequence' is required"), "{e}");
        let e = gen_err("SequenceTableGenerator", &[("seq", s("x"))]);
        assert!(e.contains("no parameter 'seq'"), "{e}");
    }
}
