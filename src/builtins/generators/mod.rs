//! The built-in generators of the model language (dsl §6).
//!
//! A generator is built once from its call text (`IntegerGenerator(min=1, max=9)`) by
//! [`construct`] and then asked for values by [`Generator::next`]. The generator itself is
//! immutable and may be shared; everything that changes between calls (counters, cursors,
//! state-machine walker positions) lives in a [`GenState`] owned by the calling statement.
//!
//! Randomness comes only from the [`Stream`] handed to `next`: the engine gives every call a
//! fresh per-row, per-field stream, so a value depends on the run seed, the statement and the
//! row, never on how many values were drawn before (except where a generator is a sequence by
//! definition, e.g. `IncrementGenerator` or `distribution="randomWalk"`).
//!
//! Argument rules: positional arguments map to the parameters in the order of
//! [`GENERATOR_NAMES`]; `None` means "use the default"; numbers, booleans and strings are
//! accepted in their natural types, and strings holding a number or a boolean are accepted too
//! (values substituted from `.properties` files are strings). Every problem is an `Err` that
//! names the generator and the parameter.

mod checksum;
pub(crate) mod datetime_gen;
mod datetime_weights;
mod names;
mod numeric;
mod state;
mod text;

use jiff::civil::DateTime;

use crate::builtins::datetime::epoch_form;
use crate::domains::determinism::Stream;
use crate::vm::value::Value;
use numeric::NumericGen;

/// Setup-level defaults a generator may depend on.
pub struct GenConfig {
    /// Default dataset (country) of dataset-dependent generators (`defaultDataset`).
    pub dataset: String,
    /// Default locale (`defaultLocale`), e.g. for `DepartmentNameGenerator`.
    pub locale: String,
}

/// A constructed generator.
#[derive(Debug)]
pub enum Generator {
    Numeric(numeric::NumericGen),
    DateTime(datetime_gen::DateTimeGen),
    Birthdate(datetime_gen::BirthdateGen),
    Checksum(checksum::ChecksumGen),
    Text(text::TextGen),
    Names(names::NameGen),
    State(state::StateGen),
}

/// The mutable part of a generator: counters and cursors, never a random stream.
/// A fresh state (`Default`) starts the generator from its beginning.
#[derive(Default, Debug)]
pub struct GenState {
    /// Number of values produced so far.
    n: u64,
    /// Sequence position.
    cursor: Cursor,
}

impl GenState {
    /// The state of a generator that has produced `n` values and keeps no cursor (a
    /// [`Generator::counter`] after `n` calls).
    pub fn counted(n: u64) -> GenState {
        GenState { n, cursor: Cursor::Fresh }
    }

    /// How many values the generator produced.
    pub fn count(&self) -> u64 {
        self.n
    }
}

/// Position of a sequence-like generator.
#[derive(Default, Debug, Clone, PartialEq)]
enum Cursor {
    #[default]
    Fresh,
    /// A grid index (random walk) or a counter (bit-reversal order).
    Index(u128),
    /// The next two Fibonacci numbers.
    Fib(i128, i128),
    /// The next three Padovan numbers.
    Pad(i128, i128, i128),
    /// The current state of a state-machine walker.
    Node(usize),
    /// A finite sequence has ended.
    Done,
}

/// Every generator name with its parameter names, in positional order.
pub const GENERATOR_NAMES: &[(&str, &[&str])] = &[
    ("IncrementGenerator", &["start", "end", "step"]),
    ("GlobalIncrementGenerator", &[]),
    ("IntegerGenerator", &["min", "max", "distribution"]),
    ("FloatGenerator", &["min", "max", "granularity", "distribution"]),
    ("StringGenerator", &["min_len", "max_len", "char_set", "unique", "prefix", "suffix"]),
    ("BooleanGenerator", &["prob_true"]),
    ("BinaryGenerator", &["min_len", "max_len", "mime_type"]),
    ("UUIDGenerator", &["as_string"]),
    ("HashGenerator", &["algorithm"]),
    ("TokenGenerator", &["token_type", "entropy"]),
    ("PasswordGenerator", &["length", "include_special", "include_numbers", "include_uppercase"]),
    ("PrefixedIdGenerator", &["prefix", "body_pattern", "separator"]),
    ("DateTimeGenerator", datetime_gen::DATETIME_PARAMS),
    ("BirthdateGenerator", &["min_age", "max_age"]),
    ("GenderGenerator", &["female_quota", "other_gender_quota"]),
    ("GivenNameGenerator", &["dataset", "gender"]),
    ("FamilyNameGenerator", &["dataset"]),
    ("EmailAddressGenerator", &["dataset", "given_name", "family_name"]),
    ("PhoneNumberGenerator", &["dataset", "area_code", "is_mobile"]),
    ("AcademicTitleGenerator", &["dataset", "quota"]),
    ("NobilityTitleGenerator", &["dataset", "gender", "noble_quota"]),
    ("CompanyNameGenerator", &["dataset"]),
    ("DepartmentNameGenerator", &["locale"]),
    ("SectorGenerator", &["dataset", "locale"]),
    ("DomainGenerator", &["dataset"]),
    ("StreetNameGenerator", &["dataset"]),
    ("UrlGenerator", &["locale", "schemes"]),
    ("EANGenerator", &["locale"]),
    ("SSNGenerator", &["locale"]),
    ("CPFGenerator", &[]),
    ("CNPJGenerator", &[]),
    ("ColorGenerator", &["format_type"]),
    ("StateTransitionGenerator", &["transitions", "start"]),
    ("SequenceTableGenerator", &["sequence"]),
];

/// Builds the generator `name` from positional and keyword arguments.
pub fn construct(name: &str, args: &[Value], kwargs: &[(String, Value)], cfg: &GenConfig) -> Result<Generator, String> {
    let Some((canon, params)) = GENERATOR_NAMES.iter().find(|(n, _)| *n == name) else {
        return Err(format!("unknown generator '{name}'"));
    };
    let a = Args::bind(canon, params, args, kwargs)?;
    let g = match *canon {
        "IncrementGenerator"
        | "GlobalIncrementGenerator"
        | "IntegerGenerator"
        | "FloatGenerator"
        | "BooleanGenerator" => Generator::Numeric(numeric::construct(&a)?),
        "DateTimeGenerator" => Generator::DateTime(datetime_gen::construct(&a)?),
        "BirthdateGenerator" => Generator::Birthdate(datetime_gen::construct_birthdate(&a)?),
        "EANGenerator" | "SSNGenerator" | "CPFGenerator" | "CNPJGenerator" => {
            Generator::Checksum(checksum::construct(&a)?)
        }
        "StringGenerator"
        | "BinaryGenerator"
        | "UUIDGenerator"
        | "HashGenerator"
        | "TokenGenerator"
        | "PasswordGenerator"
        | "PrefixedIdGenerator"
        | "ColorGenerator" => Generator::Text(text::construct(&a)?),
        "StateTransitionGenerator" | "SequenceTableGenerator" => Generator::State(state::construct(&a)?),
        _ => Generator::Names(names::construct(&a, cfg)?),
    };
    Ok(g)
}

impl Generator {
    /// The next value; `Ok(None)` when a finite generator is exhausted.
    #[inline(always)]
    pub fn next(&self, state: &mut GenState, rng: &mut Stream, now: DateTime) -> Result<Option<Value>, String> {
        let v = match self {
            Generator::Numeric(g) => g.next(state, rng)?,
            Generator::DateTime(g) => g.next(state, rng, now)?,
            Generator::Birthdate(g) => Some(g.next(rng, now)?),
            Generator::Checksum(g) => Some(g.next(rng)),
            Generator::Text(g) => Some(g.next(rng)),
            Generator::Names(g) => Some(g.next(rng)),
            Generator::State(g) => g.next(state, rng),
        };
        if v.is_some() {
            state.n += 1;
        }
        Ok(v)
    }

    /// Writes the next value as text (`str(value)`, then `outDateFormat` for datetimes) into
    /// `out`, for the generators whose values would otherwise be a new string each: plain
    /// strings, UUID strings and formatted datetimes. `None` (nothing drawn) for the others.
    /// The draws and the text are those of [`Generator::next`] and the field pipeline.
    #[inline]
    pub fn next_text(
        &self,
        state: &mut GenState,
        rng: &mut Stream,
        now: DateTime,
        out_date_format: Option<&str>,
        out: &mut String,
    ) -> Option<Result<bool, String>> {
        let r = match (self, out_date_format) {
            (Generator::Text(g), None) => g.next_text(rng, out)?,
            (
                Generator::Numeric(
                    g @ (NumericGen::Int { .. } | NumericGen::Float { .. } | NumericGen::Boolean { .. }),
                ),
                None,
            ) => match g.write_next(state, rng, out) {
                Ok(r) => r,
                Err(e) => return Some(Err(e)),
            },
            (Generator::DateTime(g), Some(fmt)) if !epoch_form(fmt) => match g.next_secs(state, rng) {
                Some(Ok(secs)) => {
                    datetime_gen::write_secs(out, secs, fmt);
                    true
                }
                Some(Err(e)) => return Some(Err(e)),
                None => match g.next(state, rng, now) {
                    Ok(Some(Value::DateTime(dt))) => {
                        crate::builtins::datetime::strftime_into(out, dt, fmt);
                        true
                    }
                    Ok(other) => return Some(Err(format!("DateTimeGenerator made {other:?}, not a datetime"))),
                    Err(e) => return Some(Err(e)),
                },
            },
            _ => return None,
        };
        if r {
            state.n += 1;
        }
        Some(Ok(r))
    }

    /// The bytes the text of [`Generator::next_text`] is made of, when they are known in
    /// advance (`None`: any text, or no text form).
    pub fn text_alphabet(&self, out_date_format: Option<&str>) -> Option<Vec<u8>> {
        const DIGITS: &[u8] = b"0123456789";
        match (self, out_date_format) {
            (Generator::Text(g), None) => g.text_alphabet(),
            (Generator::Numeric(NumericGen::Int { .. }), None) => Some(b"-0123456789".to_vec()),
            // Python's float repr: `-12.5`, `1e-05`, `1e+16`, `inf`, `nan`.
            (Generator::Numeric(NumericGen::Float { .. }), None) => Some(b"-+.0123456789einfa".to_vec()),
            (Generator::Numeric(NumericGen::Boolean { .. }), None) => Some(b"TrueFals".to_vec()),
            (Generator::DateTime(_), Some(fmt)) if !epoch_form(fmt) => {
                // Numeric directives only; anything else (month names, zones, …) is not known.
                let mut out = DIGITS.to_vec();
                let mut it = fmt.bytes();
                while let Some(b) = it.next() {
                    if b == b'%' {
                        match it.next()? {
                            b'Y' | b'm' | b'd' | b'H' | b'M' | b'S' | b'f' | b'y' | b'j' => {}
                            b'%' => out.push(b'%'),
                            _ => return None,
                        }
                    } else {
                        out.push(b);
                    }
                }
                // Years beyond 9999 or before 0 carry a sign.
                out.extend_from_slice(b"-+");
                Some(out)
            }
            _ => None,
        }
    }

    /// `true` when the `type=` cast `c` leaves this generator's values as they are (an int
    /// generator cast to int, …), so [`Generator::next_text`] may stand for value and cast.
    pub fn keeps_cast(&self, c: crate::ir::model::Cast) -> bool {
        use crate::ir::model::Cast;
        matches!(
            (self, c),
            (Generator::Numeric(NumericGen::Int { .. }), Cast::Int)
                | (Generator::Numeric(NumericGen::Float { .. }), Cast::Float)
                | (Generator::Numeric(NumericGen::Boolean { .. }), Cast::Bool)
        )
    }

    /// The value a stateless-by-index generator gives for record `index` of a statement
    /// execution (`Some(None)` when exhausted); `None` for generators that need their state.
    /// This makes rows seekable: row k needs no rows before it.
    pub fn value_at(&self, index: u64) -> Option<Option<Value>> {
        match self {
            Generator::Numeric(numeric::NumericGen::Increment { start, end, step }) => {
                let v = *start as i128 + index as i128 * *step as i128;
                Some((v < *end as i128 && v <= i64::MAX as i128).then(|| Value::Int(v as i64)))
            }
            _ => None,
        }
    }

    /// `(min, max)` of a uniform `IntegerGenerator`: its distinct values can be enumerated by
    /// a keyed permutation of the range instead of being remembered (`unique`).
    pub fn int_range(&self) -> Option<(i64, i64)> {
        match self {
            Generator::Numeric(numeric::NumericGen::Int { min, max, dist }) if numeric::Dist::independent(*dist) => {
                Some((*min, *max))
            }
            _ => None,
        }
    }

    /// The number of distinct values of a generator whose values can be numbered: value `k`
    /// ([`Generator::unique_value`]) is a function of `k`, distinct for distinct `k`, and every
    /// value the generator draws has a number. `unique` fields of such generators take value
    /// `permute(record index)` instead of remembering the values used. `None` for the others
    /// and when the count does not fit in a `u64`.
    pub fn unique_space(&self) -> Option<u64> {
        match self {
            Generator::Numeric(_) => {
                let (min, max) = self.int_range()?;
                u64::try_from(max as i128 - min as i128 + 1).ok()
            }
            Generator::Checksum(g) => Some(g.space()),
            Generator::Text(text::TextGen::PrefixedId { body, .. }) => body.space_full(),
            _ => None,
        }
    }

    /// Value number `k < unique_space()` (see [`Generator::unique_space`]).
    pub fn unique_value(&self, k: u64) -> Option<Value> {
        match self {
            Generator::Numeric(_) => {
                let (min, _) = self.int_range()?;
                Some(Value::Int(i64::try_from(min as i128 + k as i128).ok()?))
            }
            Generator::Checksum(g) => (k < g.space()).then(|| g.nth(k)),
            Generator::Text(text::TextGen::PrefixedId { prefix, body, separator }) => {
                Some(Value::from(format!("{prefix}{separator}{}", body.nth_full(k)?)))
            }
            _ => None,
        }
    }

    /// `true` for a generator whose value is a function of its number of calls alone
    /// (`GlobalIncrementGenerator`): [`GenState::counted`] restores it at any call.
    pub fn counter(&self) -> bool {
        matches!(self, Generator::Numeric(numeric::NumericGen::GlobalIncrement))
    }

    /// `true` when a value depends only on the field's stream (and the clock), never on the
    /// values drawn before it: such a generator may run on any record in any order.
    pub fn stateless(&self) -> bool {
        match self {
            Generator::Numeric(numeric::NumericGen::Int { dist, .. } | numeric::NumericGen::Float { dist, .. }) => {
                numeric::Dist::independent(*dist)
            }
            Generator::Numeric(numeric::NumericGen::Boolean { .. }) => true,
            Generator::Numeric(_) => false,
            Generator::DateTime(g) => g.stateless(),
            Generator::Birthdate(_) | Generator::Checksum(_) | Generator::Text(_) | Generator::Names(_) => true,
            Generator::State(_) => false,
        }
    }

    /// `true` for generators whose state lives per statement execution (restarting for every
    /// parent record): `IncrementGenerator` and `StateTransitionGenerator` (the engine keeps
    /// `<state-machine>` walkers for the whole run itself).
    pub fn per_execution(&self) -> bool {
        matches!(
            self,
            Generator::Numeric(numeric::NumericGen::Increment { .. }) | Generator::State(state::StateGen::Machine(_))
        )
    }
}

/// Arguments bound to the parameters of one generator.
pub(crate) struct Args<'a> {
    gen: &'static str,
    params: &'static [&'static str],
    vals: Vec<Option<&'a Value>>,
}

/// A short Python-like rendering of a value for messages.
fn show(v: &Value) -> String {
    let mut s = v.py_repr();
    if s.chars().count() > 40 {
        s = s.chars().take(37).collect::<String>() + "...";
    }
    format!("{} {s}", v.type_name())
}

impl<'a> Args<'a> {
    fn bind(
        gen: &'static str,
        params: &'static [&'static str],
        args: &'a [Value],
        kwargs: &'a [(String, Value)],
    ) -> Result<Args<'a>, String> {
        if args.len() > params.len() {
            return Err(if params.is_empty() {
                format!("{gen} takes no arguments ({} given)", args.len())
            } else {
                format!(
                    "{gen} takes at most {} positional arguments ({} given): {}",
                    params.len(),
                    args.len(),
                    params.join(", ")
                )
            });
        }
        let mut vals: Vec<Option<&Value>> = vec![None; params.len()];
        for (i, v) in args.iter().enumerate() {
            vals[i] = Some(v);
        }
        for (k, v) in kwargs {
            // `random_mode` is an alias of DateTimeGenerator's `random`.
            let key = if gen == "DateTimeGenerator" && k == "random_mode" { "random" } else { k.as_str() };
            let Some(i) = params.iter().position(|p| *p == key) else {
                return Err(if params.is_empty() {
                    format!("{gen} takes no parameters, got '{k}'")
                } else {
                    format!("{gen} has no parameter '{k}' (parameters: {})", params.join(", "))
                });
            };
            if vals[i].is_some() {
                return Err(format!("{gen} got multiple values for parameter '{key}'"));
            }
            vals[i] = Some(v);
        }
        Ok(Args { gen, params, vals })
    }

    fn err(&self, p: &str, what: &str, v: &Value) -> String {
        format!("{}: parameter '{p}' must be {what}, got {}", self.gen, show(v))
    }

    /// A message about parameter `p`.
    pub(crate) fn fail(&self, p: &str, msg: impl std::fmt::Display) -> String {
        format!("{}: parameter '{p}' {msg}", self.gen)
    }

    pub(crate) fn name(&self) -> &'static str {
        self.gen
    }

    /// The raw value of `p` (`None` when absent or `None`).
    pub(crate) fn get(&self, p: &str) -> Option<&'a Value> {
        let i = self.params.iter().position(|x| *x == p)?;
        self.vals[i].filter(|v| !v.is_null())
    }

    pub(crate) fn has(&self, p: &str) -> bool {
        self.get(p).is_some()
    }

    pub(crate) fn int(&self, p: &str) -> Result<Option<i64>, String> {
        let Some(v) = self.get(p) else {
            return Ok(None);
        };
        let r = match v {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(*f as i64),
            Value::Str(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        r.map(Some).ok_or_else(|| self.err(p, "an integer", v))
    }

    pub(crate) fn float(&self, p: &str) -> Result<Option<f64>, String> {
        let Some(v) = self.get(p) else {
            return Ok(None);
        };
        let r = match v {
            Value::Str(s) => s.trim().parse::<f64>().ok(),
            Value::Bool(_) => None,
            other => other.as_f64(),
        };
        match r {
            Some(f) if f.is_finite() => Ok(Some(f)),
            _ => Err(self.err(p, "a finite number", v)),
        }
    }

    pub(crate) fn boolean(&self, p: &str) -> Result<Option<bool>, String> {
        let Some(v) = self.get(p) else {
            return Ok(None);
        };
        let r = match v {
            Value::Bool(b) => Some(*b),
            Value::Int(0) => Some(false),
            Value::Int(1) => Some(true),
            Value::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        };
        r.map(Some).ok_or_else(|| self.err(p, "True or False", v))
    }

    pub(crate) fn string(&self, p: &str) -> Result<Option<String>, String> {
        let Some(v) = self.get(p) else {
            return Ok(None);
        };
        match v {
            Value::Str(s) => Ok(Some(s.to_string())),
            _ => Err(self.err(p, "a string", v)),
        }
    }

    /// A probability in `[0, 1]`.
    pub(crate) fn quota(&self, p: &str, default: f64) -> Result<f64, String> {
        let q = self.float(p)?.unwrap_or(default);
        if !(0.0..=1.0).contains(&q) {
            return Err(self.fail(p, format_args!("must be between 0 and 1, got {q}")));
        }
        Ok(q)
    }

    /// Raw access for parameters of several accepted shapes.
    pub(crate) fn raw(&self, p: &str) -> Option<&'a Value> {
        self.get(p)
    }

    pub(crate) fn type_err(&self, p: &str, what: &str) -> String {
        match self.get(p) {
            Some(v) => self.err(p, what, v),
            None => self.fail(p, format_args!("must be {what}")),
        }
    }
}

/// Uniform integer in `[0, n)` for any `n >= 1` (rejection sampling above 64 bits).
pub(crate) fn below_u128(rng: &mut Stream, n: u128) -> u128 {
    if n <= u64::MAX as u128 {
        return rng.below(n as u64) as u128;
    }
    let zone = u128::MAX - (u128::MAX % n);
    loop {
        let r = ((rng.next_u64() as u128) << 64) | rng.next_u64() as u128;
        if r < zone {
            return r % n;
        }
    }
}

/// Picks an index by relative weights with one uniform draw (linear scan; for short lists).
pub(crate) fn pick_weighted(rng: &mut Stream, weights: &[f64]) -> Option<usize> {
    let total: f64 = weights.iter().sum();
    if total.is_nan() || total <= 0.0 {
        return None;
    }
    let mut x = rng.f64() * total;
    let mut last = None;
    for (i, w) in weights.iter().enumerate() {
        if *w > 0.0 {
            if x < *w {
                return Some(i);
            }
            x -= w;
            last = Some(i);
        }
    }
    last
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;

    pub fn cfg() -> GenConfig {
        GenConfig { dataset: "US".into(), locale: "en".into() }
    }

    pub fn now() -> DateTime {
        jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0)
    }

    pub fn kw(items: &[(&str, Value)]) -> Vec<(String, Value)> {
        items.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    pub fn s(x: &str) -> Value {
        Value::from(x)
    }

    /// Builds a generator from keyword arguments (panics on error).
    pub fn gen(name: &str, items: &[(&str, Value)]) -> Generator {
        construct(name, &[], &kw(items), &cfg()).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// The construction error of a generator (panics when it succeeds).
    pub fn gen_err(name: &str, items: &[(&str, Value)]) -> String {
        match construct(name, &[], &kw(items), &cfg()) {
            Ok(g) => panic!("{name} should fail, got {g:?}"),
            Err(e) => e,
        }
    }

    /// `n` values from one state, call `i` using the stream `Stream::new(seed ^ i)`.
    pub fn take(g: &Generator, seed: u64, n: usize) -> Vec<Value> {
        let mut st = GenState::default();
        let mut out = Vec::new();
        for i in 0..n {
            let mut rng = Stream::new(seed.wrapping_mul(0x9E37_79B9).wrapping_add(i as u64));
            match g.next(&mut st, &mut rng, now()).expect("next") {
                Some(v) => out.push(v),
                None => break,
            }
        }
        out
    }

    /// `n` values rendered with `repr` (for comparisons).
    pub fn reprs(g: &Generator, seed: u64, n: usize) -> Vec<String> {
        take(g, seed, n).iter().map(Value::py_repr).collect()
    }

    /// One value as a string.
    pub fn one(g: &Generator, seed: u64) -> String {
        take(g, seed, 1)[0].py_str()
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;

    #[test]
    fn unknown_generator_and_parameters_are_errors() {
        let e = construct("NoSuchGenerator", &[], &[], &cfg()).unwrap_err();
        assert!(e.contains("unknown generator 'NoSuchGenerator'"), "{e}");
        let e = gen_err("IntegerGenerator", &[("minimum", Value::Int(1))]);
        assert!(e.contains("no parameter 'minimum'"), "{e}");
        let e = construct(
            "IntegerGenerator",
            &[Value::Int(1), Value::Int(2), Value::from("uniform"), Value::Int(4)],
            &[],
            &cfg(),
        )
        .unwrap_err();
        assert!(e.contains("at most 3 positional"), "{e}");
        let e = construct("IntegerGenerator", &[Value::Int(1)], &kw(&[("min", Value::Int(2))]), &cfg()).unwrap_err();
        assert!(e.contains("multiple values for parameter 'min'"), "{e}");
        let e = construct("UUIDGenerator", &[], &kw(&[("x", Value::Int(1))]), &cfg()).unwrap_err();
        assert!(e.contains("no parameter 'x'"), "{e}");
        let e = construct("CPFGenerator", &[Value::Int(1)], &[], &cfg()).unwrap_err();
        assert!(e.contains("takes no arguments"), "{e}");
    }

    #[test]
    fn registry_is_complete_and_unique() {
        let mut names: Vec<&str> = GENERATOR_NAMES.iter().map(|(n, _)| *n).collect();
        let before = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(before, names.len());
        // Every registered generator can be built with defaults, except those with required
        // parameters.
        for (name, _) in GENERATOR_NAMES {
            let r = construct(name, &[], &[], &cfg());
            match *name {
                "PrefixedIdGenerator" | "StateTransitionGenerator" | "SequenceTableGenerator" => {
                    assert!(r.is_err(), "{name}")
                }
                _ => assert!(r.is_ok(), "{name}: {:?}", r.err()),
            }
        }
    }

    #[test]
    fn positional_arguments_follow_the_catalogue_order() {
        let g = construct("IntegerGenerator", &[Value::Int(5), Value::Int(5)], &[], &cfg()).unwrap();
        assert_eq!(one(&g, 1), "5");
        // `None` means the default.
        let g = construct("IntegerGenerator", &[Value::Null, Value::Int(0)], &[], &cfg()).unwrap();
        assert_eq!(one(&g, 1), "0");
    }

    #[test]
    fn per_execution_generators() {
        assert!(gen("IncrementGenerator", &[]).per_execution());
        assert!(gen("StateTransitionGenerator", &[("transitions", s("a->b"))]).per_execution());
        assert!(!gen("GlobalIncrementGenerator", &[]).per_execution());
        assert!(!gen("IntegerGenerator", &[("distribution", s("step"))]).per_execution());
        assert!(!gen("SequenceTableGenerator", &[("sequence", s("seq"))]).per_execution());
    }

    #[test]
    fn weighted_pick_and_wide_below() {
        let mut r = Stream::new(3);
        assert_eq!(pick_weighted(&mut r, &[0.0, 0.0]), None);
        assert_eq!(pick_weighted(&mut r, &[0.0, 2.0, 0.0]), Some(1));
        for _ in 0..100 {
            let x = below_u128(&mut r, (1u128 << 100) + 7);
            assert!(x < (1u128 << 100) + 7);
        }
    }
}
