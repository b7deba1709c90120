//! `DateTimeGenerator` (dsl §6.4) and `BirthdateGenerator`.
//!
//! Modes: `value` → that fixed datetime; `random=True`, `min`/`max` or any weighting → a random
//! datetime; otherwise "now" (the fixed anchor of seeded runs). Random datetimes have seconds
//! precision and lie in `[min, max]`: both bounds as given, only `min` → 50 years (18262 days)
//! after it, only `max` → 50 years before it, none → from 1970-01-01 for 50 years.
//!
//! Weighting: `month_weights`[12], `weekday_weights`[7] (Monday first), `dom_weights`[31],
//! `hour_weights`[24], `minute_weights`[60], `second_weights`[60] — lists, or strings holding
//! an expression that evaluates to a list (`'[0.5] * 2 + [1] * 10'`,
//! `'[1 if m in (0, 30) else 0 for m in range(60)]'`). The sugar parameters become masks on
//! these weights:
//! * `months` / `months_exclude`: `3`, `7-9` (ranges may wrap: `11-2`), `Jan`, `March`, `Q1`…`Q4`,
//!   `H1`, `H2`, comma-separated;
//! * `weekdays`: `Mon-Fri`, `Sat,Sun`, `weekend`, `business` / `weekdays` / `workdays`
//!   (Monday–Friday), `all`;
//! * `dom`: days `1,15`, ranges `1-5`, `last` (the last day of each month);
//! * `hours_preset`: `office` (09:00–17:00), `night` (22:00–06:00), `flat`;
//! * `minute_granularity` / `second_granularity`: only multiples of that many minutes/seconds.
//!
//! With weights, a (year, month) segment of the range is drawn by its total weight, then a day
//! of it by its weight, then hour, minute and second by theirs, honouring the bounds on the
//! first and last day. `seed=N` gives the generator its own stream: the k-th value is a pure
//! function of (N, k), independent of the run seed.

use jiff::civil::{Date, DateTime};

use super::datetime_weights::{dom_set, granularity, month_set, weekday_set, weights, TimeWeights};
use super::{pick_weighted, Args, GenState};
use crate::builtins::datetime::{parse_iso, strptime};
use crate::domains::determinism::{mix, AliasTable, Stream};
use crate::vm::value::Value;

pub const DATETIME_PARAMS: &[&str] = &[
    "min",
    "max",
    "value",
    "random",
    "input_format",
    "seed",
    "month_weights",
    "weekday_weights",
    "dom_weights",
    "hour_weights",
    "minute_weights",
    "second_weights",
    "months",
    "months_exclude",
    "weekdays",
    "dom",
    "hours_preset",
    "minute_granularity",
    "second_granularity",
];

const WEIGHTING: &[&str] = &[
    "month_weights",
    "weekday_weights",
    "dom_weights",
    "hour_weights",
    "minute_weights",
    "second_weights",
    "months",
    "months_exclude",
    "weekdays",
    "dom",
    "hours_preset",
    "minute_granularity",
    "second_granularity",
];

const DAY: i64 = 86_400;
/// "50 years" of datamimic: `timedelta(365.25 * 50)`.
const FIFTY_YEARS: i64 = 18_262 * DAY;
const DEFAULT_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

// ---------------------------------------------------------------------------------------------
// Civil calendar on epoch days (days since 1970-01-01).

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Monday = 0.
fn weekday(z: i64) -> usize {
    (z + 3).rem_euclid(7) as usize
}

/// The day number of `d` (days since 1970-01-01).
pub(crate) fn day_of(d: Date) -> i64 {
    days_from_civil(d.year() as i64, d.month() as i64, d.day() as i64)
}

fn date_of(z: i64) -> Date {
    let (y, m, d) = civil_from_days(z);
    jiff::civil::date(y as i16, m as i8, d as i8)
}

fn secs_floor(dt: DateTime) -> i64 {
    day_of(dt.date()) * DAY + dt.hour() as i64 * 3600 + dt.minute() as i64 * 60 + dt.second() as i64
}

fn secs_ceil(dt: DateTime) -> i64 {
    secs_floor(dt) + i64::from(dt.subsec_nanosecond() > 0)
}

/// `strftime(datetime_of(secs), fmt)` appended to `out`; the ISO date and datetime forms are
/// written straight from the day number.
#[inline]
pub(super) fn write_secs(out: &mut String, secs: i64, fmt: &str) {
    use crate::builtins::datetime::{iso_form, write_iso};
    if let Some(time) = iso_form(fmt) {
        let (y, m, d) = civil_from_days(secs.div_euclid(DAY));
        if (0..=9999).contains(&y) {
            let sod = secs.rem_euclid(DAY);
            let hms = time.then_some(((sod / 3600) as u8, (sod / 60 % 60) as u8, (sod % 60) as u8));
            write_iso(out, y as u16, m as u8, d as u8, hms);
            return;
        }
    }
    crate::builtins::datetime::strftime_into(out, datetime_of(secs), fmt);
}

fn datetime_of(secs: i64) -> DateTime {
    let sod = secs.rem_euclid(DAY);
    date_of(secs.div_euclid(DAY)).at((sod / 3600) as i8, (sod / 60 % 60) as i8, (sod % 60) as i8, 0)
}

fn show_dt(d: DateTime) -> String {
    Value::DateTime(d).py_str()
}

/// Seconds of the first and last representable instants.
fn secs_range() -> (i64, i64) {
    (days_from_civil(-9999, 1, 1) * DAY, days_from_civil(9999, 12, 31) * DAY + DAY - 1)
}

/// Day-level weights and the (year, month) segments of the range.
#[derive(Debug)]
struct Weighting {
    month: [f64; 12],
    weekday: [f64; 7],
    dom: [f64; 31],
    dom_sel: Option<([bool; 31], bool)>,
    time: TimeWeights,
    /// `(first day, last day)` of each segment with positive weight.
    segments: Vec<(i64, i64)>,
    table: AliasTable,
}

impl Weighting {
    fn day_weight(&self, z: i64, y: i64, m: i64, d: i64) -> f64 {
        if let Some((set, last)) = &self.dom_sel {
            if !(set[d as usize - 1] || (*last && d == days_in_month(y, m))) {
                return 0.0;
            }
        }
        self.month[m as usize - 1] * self.weekday[weekday(z)] * self.dom[d as usize - 1]
    }
}

#[derive(Debug)]
pub struct RandomDt {
    seed: Option<u64>,
    lo: i64,
    hi: i64,
    weighting: Option<Weighting>,
}

impl RandomDt {
    /// The window `[a, b]` (seconds of day) of day `z`.
    fn window(&self, z: i64) -> (u32, u32) {
        let a = if z == self.lo.div_euclid(DAY) { self.lo.rem_euclid(DAY) } else { 0 };
        let b = if z == self.hi.div_euclid(DAY) { self.hi.rem_euclid(DAY) } else { DAY - 1 };
        (a as u32, b as u32)
    }

    fn draw(&self, rng: &mut Stream) -> Option<i64> {
        let Some(w) = &self.weighting else {
            return Some(self.lo + rng.below((self.hi - self.lo) as u64 + 1) as i64);
        };
        let (first, last) = w.segments[w.table.sample(rng)];
        let dw: Vec<f64> = (first..=last)
            .map(|z| {
                let (y, m, d) = civil_from_days(z);
                let (a, b) = self.window(z);
                w.day_weight(z, y, m, d) * w.time.mass(a, b)
            })
            .collect();
        let z = first + pick_weighted(rng, &dw)? as i64;
        let (a, b) = self.window(z);
        Some(z * DAY + w.time.pick(rng, a, b)? as i64)
    }

    /// The next datetime as seconds since 1970: from the field's stream, or from the
    /// generator's own `seed` and call count.
    #[inline(always)]
    fn secs(&self, st: &GenState, rng: &mut Stream) -> Result<i64, String> {
        let mut own;
        let rng = match self.seed {
            Some(s) => {
                own = Stream::new(mix(s, st.n));
                &mut own
            }
            None => rng,
        };
        self.draw(rng).ok_or_else(|| "DateTimeGenerator: the weights select no datetime".to_string())
    }
}

#[derive(Debug)]
pub enum DateTimeGen {
    Now,
    Fixed(DateTime),
    Random(Box<RandomDt>),
}

fn parse_dt(a: &Args, p: &str, fmt: &str, explicit: bool) -> Result<Option<DateTime>, String> {
    let Some(v) = a.raw(p) else {
        return Ok(None);
    };
    match v {
        Value::DateTime(d) => Ok(Some(*d)),
        Value::Date(d) => Ok(Some(d.at(0, 0, 0, 0))),
        Value::Str(s) => {
            let s = s.trim();
            let parsed = strptime(s, fmt).ok().or_else(|| {
                // Without an explicit input_format, plain dates and ISO text are accepted too.
                (!explicit).then(|| strptime(s, "%Y-%m-%d").ok().or_else(|| parse_iso(s))).flatten()
            });
            parsed.map(Some).ok_or_else(|| a.fail(p, format_args!("'{s}' does not match input_format '{fmt}'")))
        }
        _ => Err(a.type_err(p, "a datetime string")),
    }
}

fn mask<const N: usize>(w: &mut [f64; N], keep: impl Fn(usize) -> bool) {
    for (i, x) in w.iter_mut().enumerate() {
        if !keep(i) {
            *x = 0.0;
        }
    }
}

fn array<const N: usize>(v: Option<Vec<f64>>) -> [f64; N] {
    let mut out = [1.0; N];
    if let Some(v) = v {
        out.copy_from_slice(&v);
    }
    out
}

pub(super) fn construct(a: &Args) -> Result<DateTimeGen, String> {
    let explicit = a.has("input_format");
    let fmt = a.string("input_format")?.unwrap_or_else(|| DEFAULT_FORMAT.into());
    let seed = a.int("seed")?.map(|s| s as u64);
    let random = a.boolean("random")?.unwrap_or(false);
    let min = parse_dt(a, "min", &fmt, explicit)?;
    let max = parse_dt(a, "max", &fmt, explicit)?;
    if let Some(v) = parse_dt(a, "value", &fmt, explicit)? {
        return Ok(DateTimeGen::Fixed(v));
    }
    let weighted = WEIGHTING.iter().any(|p| a.has(p));
    if !(random || min.is_some() || max.is_some() || weighted) {
        return Ok(DateTimeGen::Now);
    }
    let (lo, hi) = match (min, max) {
        (Some(x), Some(y)) => {
            if y < x {
                return Err(a.fail("max", format_args!("({}) must not be before min ({})", show_dt(y), show_dt(x))));
            }
            (secs_ceil(x), secs_floor(y))
        }
        (Some(x), None) => (secs_ceil(x), secs_ceil(x) + FIFTY_YEARS),
        (None, Some(y)) => (secs_floor(y) - FIFTY_YEARS, secs_floor(y)),
        (None, None) => (0, FIFTY_YEARS),
    };
    let (first, last) = secs_range();
    let (lo, hi) = (lo.max(first), hi.min(last));
    if lo > hi {
        return Err(a.fail("max", "leaves no whole second after min"));
    }
    let weighting = if weighted { Some(weighting(a, lo, hi)?) } else { None };
    Ok(DateTimeGen::Random(Box::new(RandomDt { seed, lo, hi, weighting })))
}

fn weighting(a: &Args, lo: i64, hi: i64) -> Result<Weighting, String> {
    let mut month: [f64; 12] = array(weights(a, "month_weights", 12)?);
    let mut weekday: [f64; 7] = array(weights(a, "weekday_weights", 7)?);
    let dom: [f64; 31] = array(weights(a, "dom_weights", 31)?);
    let mut hour: [f64; 24] = array(weights(a, "hour_weights", 24)?);
    let mut minute: [f64; 60] = array(weights(a, "minute_weights", 60)?);
    let mut second: [f64; 60] = array(weights(a, "second_weights", 60)?);
    if let Some(set) = month_set(a, "months")? {
        mask(&mut month, |i| set[i]);
    }
    if let Some(set) = month_set(a, "months_exclude")? {
        mask(&mut month, |i| !set[i]);
    }
    if let Some(set) = weekday_set(a)? {
        mask(&mut weekday, |i| set[i]);
    }
    let dom_sel = dom_set(a)?;
    if let Some(p) = a.string("hours_preset")? {
        match p.trim().to_ascii_lowercase().as_str() {
            "office" | "business" => mask(&mut hour, |h| (9..17).contains(&h)),
            "night" => mask(&mut hour, |h| !(6..22).contains(&h)),
            "flat" => {}
            _ => {
                return Err(a.fail("hours_preset", format_args!("has unknown value '{p}' (use office, night or flat)")))
            }
        }
    }
    if let Some(g) = granularity(a, "minute_granularity")? {
        mask(&mut minute, |m| m % g == 0);
    }
    if let Some(g) = granularity(a, "second_granularity")? {
        mask(&mut second, |s| s % g == 0);
    }
    let mut w = Weighting {
        month,
        weekday,
        dom,
        dom_sel,
        time: TimeWeights::new(hour, minute, second),
        segments: Vec::new(),
        table: AliasTable::new(&[1.0]).expect("one weight"),
    };
    // Segment totals over every day of the range.
    let (dlo, dhi) = (lo.div_euclid(DAY), hi.div_euclid(DAY));
    let full = w.time.mass(0, (DAY - 1) as u32);
    let edge = |z: i64| {
        let a = if z == dlo { lo.rem_euclid(DAY) } else { 0 } as u32;
        let b = if z == dhi { hi.rem_euclid(DAY) } else { DAY - 1 } as u32;
        w.time.mass(a, b)
    };
    let (mut y, mut m, mut d) = civil_from_days(dlo);
    let mut seg_start = dlo;
    let mut seg_total = 0.0;
    let mut segs: Vec<(i64, i64)> = Vec::new();
    let mut totals: Vec<f64> = Vec::new();
    for z in dlo..=dhi {
        let tm = if z == dlo || z == dhi { edge(z) } else { full };
        if tm > 0.0 {
            seg_total += w.day_weight(z, y, m, d) * tm;
        }
        let month_end = d == days_in_month(y, m);
        if month_end || z == dhi {
            if seg_total > 0.0 {
                segs.push((seg_start, z));
                totals.push(seg_total);
            }
            seg_total = 0.0;
            seg_start = z + 1;
        }
        if month_end {
            d = 1;
            m += 1;
            if m > 12 {
                m = 1;
                y += 1;
            }
        } else {
            d += 1;
        }
    }
    let table = AliasTable::new(&totals).ok_or_else(|| {
        format!(
            "DateTimeGenerator: the weights select no datetime between {} and {}",
            show_dt(datetime_of(lo)),
            show_dt(datetime_of(hi))
        )
    })?;
    w.segments = segs;
    w.table = table;
    Ok(w)
}

impl DateTimeGen {
    /// `true` unless the generator has a seed of its own (then it counts its draws).
    pub fn stateless(&self) -> bool {
        !matches!(self, DateTimeGen::Random(r) if r.seed.is_some())
    }

    /// The next random datetime as seconds since 1970 (what [`DateTimeGen::next`] makes a
    /// datetime of); `None` for the kinds that do not draw.
    #[inline(always)]
    pub(super) fn next_secs(&self, st: &GenState, rng: &mut Stream) -> Option<Result<i64, String>> {
        let DateTimeGen::Random(r) = self else { return None };
        Some(r.secs(st, rng))
    }

    #[inline(always)]
    pub(super) fn next(&self, st: &mut GenState, rng: &mut Stream, now: DateTime) -> Result<Option<Value>, String> {
        Ok(Some(Value::DateTime(match self {
            DateTimeGen::Now => now.with().subsec_nanosecond(0).build().unwrap_or(now),
            DateTimeGen::Fixed(v) => *v,
            DateTimeGen::Random(r) => datetime_of(r.secs(st, rng)?),
        })))
    }
}

/// `BirthdateGenerator`: a birth date (at midnight) of someone aged `min_age..=max_age`
/// (completed years) at "now".
#[derive(Debug)]
pub struct BirthdateGen {
    min_age: i64,
    max_age: i64,
}

pub(super) fn construct_birthdate(a: &Args) -> Result<BirthdateGen, String> {
    let min_age = a.int("min_age")?.unwrap_or(1);
    let max_age = a.int("max_age")?.unwrap_or(100);
    if !(0..=1000).contains(&min_age) {
        return Err(a.fail("min_age", format_args!("must be between 0 and 1000, got {min_age}")));
    }
    if !(0..=1000).contains(&max_age) {
        return Err(a.fail("max_age", format_args!("must be between 0 and 1000, got {max_age}")));
    }
    if min_age > max_age {
        return Err(a.fail("min_age", format_args!("({min_age}) must not exceed max_age ({max_age})")));
    }
    Ok(BirthdateGen { min_age, max_age })
}

/// `d` minus `years` (29 February becomes 28 February in common years).
fn minus_years(d: Date, years: i64) -> i64 {
    let y = d.year() as i64 - years;
    let day = (d.day() as i64).min(days_in_month(y, d.month() as i64));
    days_from_civil(y, d.month() as i64, day)
}

impl BirthdateGen {
    pub(super) fn next(&self, rng: &mut Stream, now: DateTime) -> Result<Value, String> {
        let today = now.date();
        let hi = minus_years(today, self.min_age);
        let lo = minus_years(today, self.max_age + 1) + 1;
        let lo = lo.max(days_from_civil(-9999, 1, 1));
        if lo > hi {
            return Err("BirthdateGenerator: no birth date fits the ages".into());
        }
        let z = lo + rng.below((hi - lo) as u64 + 1) as i64;
        Ok(Value::DateTime(date_of(z).at(0, 0, 0, 0)))
    }
}

#[cfg(test)]
#[path = "datetime_gen_tests.rs"]
mod tests;
