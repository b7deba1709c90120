//! Weight parameters of `DateTimeGenerator`: lists or list expressions, the sugar masks
//! (`months`, `weekdays`, `dom`, `hours_preset`, granularities) and the time-of-day weights
//! with their partial-day masses.

use super::{pick_weighted, Args};
use crate::domains::determinism::Stream;
use crate::vm::value::Value;

const DAY: i64 = 86_400;

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const WEEKDAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// Evaluates a weights expression with the expression language (no names in scope).
fn eval_expr(text: &str) -> Result<Value, String> {
    use crate::source::Span;
    use crate::vm::compile::{compile, Scope};
    use crate::vm::exec::{run, Env, Scratch};
    use crate::vm::op::Slot;

    struct NoScope;
    impl Scope for NoScope {
        fn resolve(&self, _: &str) -> Option<(Slot, crate::ir::types::Ty)> {
            None
        }
        fn dynamic(&self) -> bool {
            false
        }
        fn names(&self) -> Vec<String> {
            Vec::new()
        }
        fn has_parent(&self) -> bool {
            false
        }
    }
    struct NoEnv;
    impl Env for NoEnv {
        fn load(&self, _: Slot) -> Result<Value, String> {
            Err("no variables here".into())
        }
        fn load_dyn(&self, n: &str) -> Result<Value, String> {
            Err(format!("name '{n}' is not defined"))
        }
        fn this(&self) -> Value {
            Value::Null
        }
        fn parent(&self) -> Result<Value, String> {
            Err("no parent here".into())
        }
        fn root(&self) -> Value {
            Value::Null
        }
    }
    let text = text.trim();
    let e = crate::parser::expr::parse_expr(text).map_err(|e| e.message)?;
    let (chunk, _) = compile(&e, text, &NoScope, &|_| Span::DETACHED)
        .map_err(|errs| errs.into_iter().next().map(|e| e.message).unwrap_or_default())?;
    let anchor = jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0);
    run(&chunk, &NoEnv, &mut Stream::new(0), anchor, &mut Scratch::default()).map_err(|e| e.message)
}

/// A weights parameter: `n` non-negative numbers, not all zero.
pub(super) fn weights(a: &Args, p: &str, n: usize) -> Result<Option<Vec<f64>>, String> {
    let Some(raw) = a.raw(p) else {
        return Ok(None);
    };
    let v = match raw {
        Value::Str(s) => eval_expr(s).map_err(|e| a.fail(p, format_args!("'{s}' cannot be evaluated: {e}")))?,
        other => other.clone(),
    };
    let (Value::List(items) | Value::Tuple(items)) = &v else {
        return Err(a.fail(p, format_args!("must be a list of {n} numbers, got {}", v.py_repr())));
    };
    if items.len() != n {
        return Err(a.fail(p, format_args!("must have {n} entries, got {}", items.len())));
    }
    let mut out = Vec::with_capacity(n);
    for (i, x) in items.iter().enumerate() {
        let w = match x {
            Value::Int(_) | Value::Float(_) | Value::Decimal(_) => x.as_f64(),
            _ => None,
        };
        match w {
            Some(w) if w.is_finite() && w >= 0.0 => out.push(w),
            _ => return Err(a.fail(p, format_args!("entry {i} ({}) must be a non-negative number", x.py_repr()))),
        }
    }
    if out.iter().all(|w| *w == 0.0) {
        return Err(a.fail(p, "must not be all zero"));
    }
    Ok(Some(out))
}

fn tokens(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split([',', ';']).map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty())
}

fn by_name(t: &str, names: &[&str]) -> Option<usize> {
    let t = t.trim();
    if t.len() < 2 {
        return None;
    }
    names.iter().position(|n| n.starts_with(t))
}

fn month_index(t: &str) -> Option<usize> {
    match t.trim().parse::<usize>() {
        Ok(m) if (1..=12).contains(&m) => Some(m - 1),
        Ok(_) => None,
        Err(_) if t.trim().len() >= 3 => by_name(t, &MONTHS),
        Err(_) => None,
    }
}

/// Inclusive, possibly wrapping range `a..=b` over `n` slots.
fn wrap_range(set: &mut [bool], a: usize, b: usize) {
    let n = set.len();
    let mut i = a;
    loop {
        set[i] = true;
        if i == b {
            break;
        }
        i = (i + 1) % n;
    }
}

pub(super) fn month_set(a: &Args, p: &str) -> Result<Option<[bool; 12]>, String> {
    let Some(s) = a.string(p)? else {
        return Ok(None);
    };
    let mut set = [false; 12];
    for t in tokens(&s) {
        let bad =
            || a.fail(p, format_args!("has unknown month '{t}' (use 1-12, Jan-Dec, Q1-Q4, H1, H2 or ranges like 7-9)"));
        match t.as_str() {
            "q1" | "q2" | "q3" | "q4" => {
                let q = (t.as_bytes()[1] - b'1') as usize;
                set[3 * q..3 * q + 3].fill(true);
            }
            "h1" => set[..6].fill(true),
            "h2" => set[6..].fill(true),
            _ => match t.split_once('-') {
                Some((x, y)) => {
                    let (x, y) = (month_index(x).ok_or_else(bad)?, month_index(y).ok_or_else(bad)?);
                    wrap_range(&mut set, x, y);
                }
                None => set[month_index(&t).ok_or_else(bad)?] = true,
            },
        }
    }
    Ok(Some(set))
}

pub(super) fn weekday_set(a: &Args) -> Result<Option<[bool; 7]>, String> {
    let Some(s) = a.string("weekdays")? else {
        return Ok(None);
    };
    let mut set = [false; 7];
    for t in tokens(&s) {
        let bad = || {
            a.fail(
                "weekdays",
                format_args!("has unknown day '{t}' (use Mon-Sun, ranges like Mon-Fri, weekend, business or all)"),
            )
        };
        match t.as_str() {
            "weekend" | "weekends" => set[5..].fill(true),
            "business" | "businessdays" | "business_days" | "weekday" | "weekdays" | "workday" | "workdays" => {
                set[..5].fill(true)
            }
            "all" | "daily" | "any" | "everyday" => set.fill(true),
            _ => match t.split_once('-') {
                Some((x, y)) => {
                    let x = by_name(x, &WEEKDAYS).ok_or_else(bad)?;
                    let y = by_name(y, &WEEKDAYS).ok_or_else(bad)?;
                    wrap_range(&mut set, x, y);
                }
                None => set[by_name(&t, &WEEKDAYS).ok_or_else(bad)?] = true,
            },
        }
    }
    Ok(Some(set))
}

/// Days of month selected by `dom`, and whether `last` was given.
pub(super) fn dom_set(a: &Args) -> Result<Option<([bool; 31], bool)>, String> {
    let Some(s) = a.string("dom")? else {
        return Ok(None);
    };
    let mut set = [false; 31];
    let mut last = false;
    for t in tokens(&s) {
        let bad = || a.fail("dom", format_args!("has unknown day '{t}' (use 1-31, ranges like 1-5, or last)"));
        let day = |x: &str| match x.trim().parse::<usize>() {
            Ok(d) if (1..=31).contains(&d) => Ok(d - 1),
            _ => Err(bad()),
        };
        if t == "last" {
            last = true;
        } else if let Some((x, y)) = t.split_once('-') {
            let (x, y) = (day(x)?, day(y)?);
            if x > y {
                return Err(bad());
            }
            set[x..=y].fill(true);
        } else {
            set[day(&t)?] = true;
        }
    }
    Ok(Some((set, last)))
}

pub(super) fn granularity(a: &Args, p: &str) -> Result<Option<usize>, String> {
    match a.int(p)? {
        None => Ok(None),
        Some(g) if (1..=60).contains(&g) => Ok(Some(g as usize)),
        Some(g) => Err(a.fail(p, format_args!("must be between 1 and 60, got {g}"))),
    }
}

/// Weights of the time of day.
#[derive(Debug)]
pub(super) struct TimeWeights {
    hour: [f64; 24],
    minute: [f64; 60],
    second: [f64; 60],
    /// `sec_prefix[k]` = Σ second[..k].
    sec_prefix: [f64; 61],
    /// All weights equal: a uniform second.
    uniform: bool,
    /// Weight of one whole hour without its hour weight: Σ minute · Σ second.
    hour_full: f64,
    /// Weight of a whole day.
    day_full: f64,
}

impl TimeWeights {
    pub(super) fn new(hour: [f64; 24], minute: [f64; 60], second: [f64; 60]) -> TimeWeights {
        let mut sec_prefix = [0.0; 61];
        for (i, w) in second.iter().enumerate() {
            sec_prefix[i + 1] = sec_prefix[i] + w;
        }
        let flat = |v: &[f64]| v.iter().all(|x| *x == v[0] && *x > 0.0);
        let hour_full = minute.iter().sum::<f64>() * sec_prefix[60];
        TimeWeights {
            uniform: flat(&hour) && flat(&minute) && flat(&second),
            hour_full,
            day_full: hour.iter().sum::<f64>() * hour_full,
            hour,
            minute,
            second,
            sec_prefix,
        }
    }

    /// Second weights of minute `m` of hour `h` within `[lo, hi]` (seconds of the day).
    fn sec_mass(&self, h: usize, m: usize, lo: u32, hi: u32) -> f64 {
        let t0 = (h * 3600 + m * 60) as u32;
        let (a, b) = (lo.max(t0), hi.min(t0 + 59));
        if a > b {
            return 0.0;
        }
        self.sec_prefix[(b - t0 + 1) as usize] - self.sec_prefix[(a - t0) as usize]
    }

    fn hour_mass(&self, h: usize, lo: u32, hi: u32) -> f64 {
        let t0 = (h * 3600) as u32;
        if lo <= t0 && hi >= t0 + 3599 {
            return self.hour_full;
        }
        (0..60).map(|m| self.minute[m] * self.sec_mass(h, m, lo, hi)).sum()
    }

    /// Total weight of the seconds in `[lo, hi]`.
    pub(super) fn mass(&self, lo: u32, hi: u32) -> f64 {
        if self.uniform {
            return (hi - lo + 1) as f64;
        }
        if lo == 0 && hi as i64 == DAY - 1 {
            return self.day_full;
        }
        (lo as usize / 3600..=hi as usize / 3600).map(|h| self.hour[h] * self.hour_mass(h, lo, hi)).sum()
    }

    /// A second of the day in `[lo, hi]` by the weights.
    pub(super) fn pick(&self, rng: &mut Stream, lo: u32, hi: u32) -> Option<u32> {
        if self.uniform {
            return Some(lo + rng.below((hi - lo + 1) as u64) as u32);
        }
        let h0 = lo as usize / 3600;
        let hw: Vec<f64> = (h0..=hi as usize / 3600).map(|h| self.hour[h] * self.hour_mass(h, lo, hi)).collect();
        let h = h0 + pick_weighted(rng, &hw)?;
        let mw: Vec<f64> = (0..60).map(|m| self.minute[m] * self.sec_mass(h, m, lo, hi)).collect();
        let m = pick_weighted(rng, &mw)?;
        let t0 = (h * 3600 + m * 60) as u32;
        let (a, b) = (lo.max(t0), hi.min(t0 + 59));
        let sw = &self.second[(a - t0) as usize..=(b - t0) as usize];
        Some(a + pick_weighted(rng, sw)? as u32)
    }
}
