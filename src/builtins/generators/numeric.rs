//! Numbers: `IncrementGenerator`, `GlobalIncrementGenerator`, `IntegerGenerator`,
//! `FloatGenerator`, `BooleanGenerator` and the numeric distributions of dsl §6.3.
//!
//! Integer and float generators work on a grid `min, min+g, …, ≤ max` (g = 1 for integers,
//! the granularity for floats). Float grid values are computed in exact decimal arithmetic
//! (`min + k·g`) and converted to the nearest `f64`, so they print with the digits of the grid
//! (`488.4`, never `488.40000000000003`).

use std::cmp::Ordering;
use std::str::FromStr;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::{below_u128, Args, Cursor, GenState};
use crate::domains::determinism::Stream;
use crate::vm::value::Value;

/// How a numeric generator walks its grid (dsl §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dist {
    Uniform,
    Cumulated,
    RandomWalk,
    Step,
    Shuffle,
    Wedge,
    BitReverse,
    Fibonacci,
    Padovan,
}

impl Dist {
    /// `true` for distributions whose draws use the stream only (no cursor).
    pub fn independent(d: Dist) -> bool {
        matches!(d, Dist::Uniform | Dist::Cumulated)
    }

    fn parse(a: &Args) -> Result<Dist, String> {
        let Some(name) = a.string("distribution")? else {
            return Ok(Dist::Uniform);
        };
        let key: String = name.chars().filter(|c| *c != '_' && *c != '-').collect::<String>().to_ascii_lowercase();
        Ok(match key.as_str() {
            "uniform" | "random" => Dist::Uniform,
            "cumulated" => Dist::Cumulated,
            "randomwalk" => Dist::RandomWalk,
            "step" | "increment" => Dist::Step,
            "shuffle" => Dist::Shuffle,
            "wedge" => Dist::Wedge,
            "bitreverse" => Dist::BitReverse,
            "fibonacci" => Dist::Fibonacci,
            "padovan" => Dist::Padovan,
            _ => {
                return Err(a.fail(
                    "distribution",
                    format_args!(
                        "has unknown value '{name}' (use uniform, cumulated, randomWalk, step, \
                         increment, shuffle, wedge, bitreverse, fibonacci or padovan)"
                    ),
                ))
            }
        })
    }
}

/// A float grid in exact decimal arithmetic.
#[derive(Debug)]
pub struct FloatGrid {
    min: Decimal,
    max: Decimal,
    g: Decimal,
    /// Number of grid points (≥ 1).
    points: u128,
    /// `(min·10^s, g·10^s, s)` as integers when every grid value `(m + k·g)/10^s` has a
    /// numerator below 2^53 and `s ≤ 22`: then both operands of the division are exact
    /// doubles and IEEE division rounds the quotient correctly, so `value` needs no decimal
    /// arithmetic.
    fast: Option<(i64, i64, usize)>,
}

/// The powers of ten that are exact doubles.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

impl FloatGrid {
    pub(super) fn new(min: Decimal, max: Decimal, g: Decimal, points: u128) -> FloatGrid {
        let mut grid = FloatGrid { min, max, g, points, fast: None };
        let s = min.scale().max(g.scale());
        let scaled = |d: Decimal| -> Option<i64> {
            let mut d = d;
            d.rescale(s);
            (d.scale() == s).then(|| i64::try_from(d.mantissa()).ok()).flatten()
        };
        const LIMIT: i128 = 1 << 53;
        if s <= 22 {
            if let (Some(m), Some(gi)) = (scaled(min), scaled(g)) {
                let last = m as i128 + (points as i128 - 1) * gi as i128;
                if gi > 0 && (m as i128).abs() < LIMIT && last.abs() < LIMIT {
                    grid.fast = Some((m, gi, s as usize));
                }
            }
        }
        grid
    }

    pub(super) fn value(&self, k: u128) -> Value {
        if let Some((m, g, s)) = self.fast {
            // k < points, so the numerator is within ±2^53 (checked in `new`).
            let n = m + k as i64 * g;
            return Value::Float(n as f64 / POW10[s]);
        }
        Value::Float(self.exact(k))
    }

    #[cfg(test)]
    pub(super) fn is_fast(&self) -> bool {
        self.fast.is_some()
    }

    /// Writes grid point `k` as Python's `repr` of its float, straight from its decimal digits,
    /// when those are the repr: a quotient `n/10^s` of at most 15 significant digits is
    /// the shortest text that reads back as its correctly rounded double (any other decimal of
    /// as few digits is at least `10^-15·|x|` away, more than half an ulp), and from `1e-4`
    /// up Python writes it in fixed notation. `false` (nothing written) otherwise.
    pub(super) fn write_repr(&self, k: u128, out: &mut String) -> bool {
        let Some((m, g, s)) = self.fast else { return false };
        let n = m + k as i64 * g;
        let a = n.unsigned_abs();
        if a >= 1_000_000_000_000_000 || (a != 0 && s > 4 && a < 10u64.pow(s as u32 - 4)) || s > 18 {
            return false;
        }
        let p = 10u64.pow(s as u32);
        let (int, frac) = (a / p, a % p);
        if n < 0 {
            out.push('-');
        }
        out.push_str(itoa::Buffer::new().format(int));
        out.push('.');
        if frac == 0 {
            out.push('0');
            return true;
        }
        let mut ib = itoa::Buffer::new();
        let digits = ib.format(frac);
        for _ in digits.len()..s {
            out.push('0');
        }
        out.push_str(digits.trim_end_matches('0'));
        true
    }

    /// The grid value through exact decimal arithmetic.
    pub(super) fn exact(&self, k: u128) -> f64 {
        let k = Decimal::from_i128_with_scale(k as i128, 0);
        dec_to_f64(self.min + k * self.g)
    }
}

#[derive(Debug)]
pub enum NumericGen {
    Increment { start: i64, end: i64, step: i64 },
    GlobalIncrement,
    Int { min: i64, max: i64, dist: Dist },
    Float { grid: FloatGrid, dist: Dist },
    Boolean { prob_true: f64 },
}

/// The exact decimal of a number argument (floats by their shortest repr: `0.1` → 0.1).
fn decimal(a: &Args, p: &str) -> Result<Option<Decimal>, String> {
    let Some(v) = a.raw(p) else {
        return Ok(None);
    };
    let text = match v {
        Value::Int(i) => return Ok(Some(Decimal::from(*i))),
        Value::Decimal(d) => return Ok(Some(*d)),
        Value::Float(f) if f.is_finite() => v.py_str(),
        Value::Str(s) if s.trim().parse::<f64>().is_ok_and(f64::is_finite) => s.trim().to_string(),
        _ => return Err(a.type_err(p, "a number")),
    };
    let _ = f64::from_str(&text).map_err(|_| a.type_err(p, "a number"))?;
    let parsed =
        if text.contains(['e', 'E']) { Decimal::from_scientific(&text) } else { Decimal::from_str_exact(&text) };
    parsed.map(Some).map_err(|_| a.fail(p, format_args!("{text} is out of the supported decimal range")))
}

fn dec_to_f64(d: Decimal) -> f64 {
    d.normalize().to_string().parse::<f64>().unwrap_or(f64::NAN)
}

pub(super) fn construct(a: &Args) -> Result<NumericGen, String> {
    match a.name() {
        "IncrementGenerator" => {
            let start = a.int("start")?.unwrap_or(1);
            let end = a.int("end")?.unwrap_or(i64::MAX);
            let step = a.int("step")?.unwrap_or(1);
            if step <= 0 {
                return Err(a.fail("step", format_args!("must be > 0, got {step}")));
            }
            Ok(NumericGen::Increment { start, end, step })
        }
        "GlobalIncrementGenerator" => Ok(NumericGen::GlobalIncrement),
        "IntegerGenerator" => {
            let min = a.int("min")?.unwrap_or(0);
            let max = a.int("max")?.unwrap_or(1_000_000);
            if min > max {
                return Err(a.fail("min", format_args!("({min}) must not exceed max ({max})")));
            }
            let dist = Dist::parse(a)?;
            Ok(NumericGen::Int { min, max, dist })
        }
        "FloatGenerator" => {
            let min = decimal(a, "min")?.unwrap_or(Decimal::ZERO);
            let max = decimal(a, "max")?.unwrap_or(Decimal::TEN);
            let g = decimal(a, "granularity")?.unwrap_or(Decimal::new(1, 1));
            if g <= Decimal::ZERO {
                return Err(a.fail("granularity", format_args!("must be > 0, got {g}")));
            }
            if min > max {
                return Err(a.fail("min", format_args!("({min}) must not exceed max ({max})")));
            }
            let points = max
                .checked_sub(min)
                .and_then(|span| span.checked_div(g))
                .map(|q| q.trunc())
                .and_then(|q| q.to_u128())
                .filter(|p| *p < (1u128 << 96))
                .ok_or_else(|| a.fail("granularity", format_args!("{g} is too fine for the range {min}..{max}")))?
                + 1;
            let dist = Dist::parse(a)?;
            Ok(NumericGen::Float { grid: FloatGrid::new(min, max, g, points), dist })
        }
        _ => {
            let prob_true = a.quota("prob_true", 0.5)?;
            Ok(NumericGen::Boolean { prob_true })
        }
    }
}

/// What a distribution yields for one call.
enum Draw {
    /// A grid index.
    Index(u128),
    /// A raw value of an integer sequence (Fibonacci, Padovan), already within bounds.
    Raw(i128),
}

/// The next draw of `dist` over `points` grid points; `None` when the sequence has ended.
/// `bound` tells whether a raw sequence value is below (Less), within (Equal) or above
/// (Greater) the range.
fn draw(
    dist: Dist,
    points: u128,
    st: &mut GenState,
    rng: &mut Stream,
    bound: &dyn Fn(i128) -> Ordering,
) -> Option<Draw> {
    let n = st.n as u128;
    let idx = match dist {
        Dist::Uniform => below_u128(rng, points),
        Dist::Cumulated => {
            let span = points - 1;
            let mut sum: u128 = 0;
            for _ in 0..5 {
                sum += below_u128(rng, span + 1);
            }
            ((sum + 2) / 5).min(span)
        }
        Dist::RandomWalk => {
            let i = match st.cursor {
                Cursor::Index(prev) => (prev + 1 + rng.below(2) as u128).min(points - 1),
                _ => 0,
            };
            st.cursor = Cursor::Index(i);
            i
        }
        Dist::Step => {
            if n >= points {
                return None;
            }
            n
        }
        Dist::Shuffle => {
            if n >= points {
                return None;
            }
            let evens = points.div_ceil(2);
            if n < evens {
                2 * n
            } else {
                2 * (n - evens) + 1
            }
        }
        Dist::Wedge => {
            if n >= points {
                return None;
            }
            if n.is_multiple_of(2) {
                n / 2
            } else {
                points - 1 - n / 2
            }
        }
        Dist::BitReverse => {
            let bits = 128 - (points - 1).leading_zeros();
            let mut c = match st.cursor {
                Cursor::Index(c) => c,
                Cursor::Done => return None,
                _ => 0,
            };
            loop {
                if bits < 128 && c >= (1u128 << bits) {
                    st.cursor = Cursor::Done;
                    return None;
                }
                let idx = if bits == 0 { 0 } else { c.reverse_bits() >> (128 - bits) };
                c += 1;
                if idx < points {
                    st.cursor = Cursor::Index(c);
                    break idx;
                }
            }
        }
        Dist::Fibonacci | Dist::Padovan => loop {
            let (v, next) = match (dist, &st.cursor) {
                (_, Cursor::Done) => return None,
                (Dist::Fibonacci, Cursor::Fib(a, b)) => (*a, b.checked_add(*a).map(|s| Cursor::Fib(*b, s))),
                (Dist::Fibonacci, _) => (0, Some(Cursor::Fib(1, 1))),
                (_, Cursor::Pad(a, b, c)) => (*a, a.checked_add(*b).map(|s| Cursor::Pad(*b, *c, s))),
                _ => (1, Some(Cursor::Pad(1, 1, 2))),
            };
            st.cursor = next.unwrap_or(Cursor::Done);
            match bound(v) {
                Ordering::Less => continue,
                Ordering::Equal => return Some(Draw::Raw(v)),
                Ordering::Greater => {
                    st.cursor = Cursor::Done;
                    return None;
                }
            }
        },
    };
    Some(Draw::Index(idx))
}

impl NumericGen {
    /// The next value written as its CSV text into `out` (`Ok(false)`: exhausted).
    #[inline(always)]
    pub(super) fn write_next(&self, st: &mut GenState, rng: &mut Stream, out: &mut String) -> Result<bool, String> {
        if let NumericGen::Float { grid, dist: Dist::Uniform } = self {
            let k = below_u128(rng, grid.points);
            if !grid.write_repr(k, out) {
                crate::builtins::targets::write_cell_str(out, &grid.value(k));
            }
            return Ok(true);
        }
        match self.next(st, rng)? {
            Some(v) => {
                crate::builtins::targets::write_cell_str(out, &v);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    #[inline(always)]
    pub(super) fn next(&self, st: &mut GenState, rng: &mut Stream) -> Result<Option<Value>, String> {
        Ok(match self {
            NumericGen::Increment { start, end, step } => {
                let v = *start as i128 + st.n as i128 * *step as i128;
                if v >= *end as i128 || v > i64::MAX as i128 {
                    None
                } else {
                    Some(Value::Int(v as i64))
                }
            }
            NumericGen::GlobalIncrement => Some(Value::Int(st.n as i64 + 1)),
            NumericGen::Int { min, max, dist } => {
                if *dist == Dist::Uniform {
                    return Ok(Some(Value::Int(rng.range_i64(*min, *max))));
                }
                let points = (*max as i128 - *min as i128 + 1) as u128;
                let (lo, hi) = (*min as i128, *max as i128);
                let bound = move |v: i128| {
                    if v < lo {
                        Ordering::Less
                    } else if v > hi {
                        Ordering::Greater
                    } else {
                        Ordering::Equal
                    }
                };
                draw(*dist, points, st, rng, &bound).map(|d| match d {
                    Draw::Index(i) => Value::Int((*min as i128 + i as i128) as i64),
                    Draw::Raw(v) => Value::Int(v as i64),
                })
            }
            NumericGen::Float { grid, dist } => {
                let (lo, hi) = (grid.min, grid.max);
                let bound = move |v: i128| {
                    let d = Decimal::try_from_i128_with_scale(v, 0).unwrap_or(Decimal::MAX);
                    if d < lo {
                        Ordering::Less
                    } else if d > hi {
                        Ordering::Greater
                    } else {
                        Ordering::Equal
                    }
                };
                draw(*dist, grid.points, st, rng, &bound).map(|d| match d {
                    Draw::Index(i) => grid.value(i),
                    Draw::Raw(v) => Value::Float(v as f64),
                })
            }
            NumericGen::Boolean { prob_true } => Some(Value::Bool(rng.chance(*prob_true))),
        })
    }
}

#[cfg(test)]
#[path = "numeric_tests.rs"]
mod tests;
