//! Builtin functions, module functions and methods of the expression language.
//!
//! Names are resolved to a [`Builtin`] or [`Method`] at compile time (see
//! [`Builtin::lookup`], [`Method::lookup`]); at run time dispatch is a `match` on the enum.
//! Every builtin has a static signature ([`Builtin::arity`], [`Builtin::returns`]) used by the
//! type checker. Randomness comes only from the caller's [`Stream`]; "now" only from the run
//! clock.

use std::sync::Arc;

use jiff::civil::{Date, DateTime, Time};

use crate::builtins::datetime as dtm;
use crate::domains::determinism::{hex, Stream};
use crate::ir::types::Ty;
use crate::vm::value::{Map, Value};

/// What a builtin call may use besides its arguments.
pub struct CallCtx<'a> {
    pub rng: &'a mut Stream,
    pub now: DateTime,
}

macro_rules! builtins {
    ($( $variant:ident = $name:literal, $min:literal, $max:expr, $ret:expr; )*) => {
        /// A builtin function or module function.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Builtin { $( $variant, )* }

        impl Builtin {
            pub const ALL: &'static [Builtin] = &[ $( Builtin::$variant, )* ];

            /// The dotted Python name (`len`, `random.randint`).
            pub fn name(self) -> &'static str {
                match self { $( Builtin::$variant => $name, )* }
            }

            /// `(min, max)` positional arguments (`max = u16::MAX` for variadic).
            pub fn arity(self) -> (u16, u16) {
                match self { $( Builtin::$variant => ($min, $max), )* }
            }

            /// The static result type.
            pub fn returns(self) -> Ty {
                match self { $( Builtin::$variant => $ret, )* }
            }

            pub fn lookup(name: &str) -> Option<Builtin> {
                match name { $( $name => Some(Builtin::$variant), )* _ => None }
            }
        }
    };
}

const VAR: u16 = u16::MAX;

builtins! {
    Len = "len", 1, 1, Ty::Int;
    Str = "str", 0, 1, Ty::Str;
    Repr = "repr", 1, 1, Ty::Str;
    Int = "int", 0, 2, Ty::Int;
    Float = "float", 0, 1, Ty::Float;
    Bool = "bool", 0, 1, Ty::Bool;
    Round = "round", 1, 2, Ty::Any;
    Min = "min", 1, VAR, Ty::Any;
    Max = "max", 1, VAR, Ty::Any;
    Abs = "abs", 1, 1, Ty::Any;
    Sum = "sum", 1, 2, Ty::Any;
    Sorted = "sorted", 1, 1, Ty::List;
    List = "list", 0, 1, Ty::List;
    Tuple = "tuple", 0, 1, Ty::List;
    Dict = "dict", 0, 1, Ty::Dict;
    Set = "set", 0, 1, Ty::List;
    Range = "range", 1, 3, Ty::List;
    Any = "any", 1, 1, Ty::Bool;
    All = "all", 1, 1, Ty::Bool;
    Hex = "hex", 1, 1, Ty::Str;
    Chr = "chr", 1, 1, Ty::Str;
    Ord = "ord", 1, 1, Ty::Int;
    Reversed = "reversed", 1, 1, Ty::List;
    Enumerate = "enumerate", 1, 2, Ty::List;
    Zip = "zip", 1, VAR, Ty::List;
    RandomRandint = "random.randint", 2, 2, Ty::Int;
    RandomRandrange = "random.randrange", 1, 3, Ty::Int;
    RandomUniform = "random.uniform", 2, 2, Ty::Float;
    RandomRandom = "random.random", 0, 0, Ty::Float;
    RandomChoice = "random.choice", 1, 1, Ty::Any;
    RandomChoices = "random.choices", 1, 2, Ty::List;
    RandomSample = "random.sample", 2, 2, Ty::List;
    RandomGauss = "random.gauss", 2, 2, Ty::Float;
    RandomGetrandbits = "random.getrandbits", 1, 1, Ty::Int;
    DatetimeNow = "datetime.datetime.now", 0, 1, Ty::DateTime;
    DatetimeUtcnow = "datetime.datetime.utcnow", 0, 0, Ty::DateTime;
    DatetimeToday = "datetime.datetime.today", 0, 0, Ty::DateTime;
    DatetimeNew = "datetime.datetime", 3, 7, Ty::DateTime;
    DatetimeStrptime = "datetime.datetime.strptime", 2, 2, Ty::DateTime;
    DatetimeFromtimestamp = "datetime.datetime.fromtimestamp", 1, 1, Ty::DateTime;
    DatetimeFromisoformat = "datetime.datetime.fromisoformat", 1, 1, Ty::DateTime;
    DateToday = "datetime.date.today", 0, 0, Ty::Date;
    DateNew = "datetime.date", 3, 3, Ty::Date;
    DateFromisoformat = "datetime.date.fromisoformat", 1, 1, Ty::Date;
    Timedelta = "datetime.timedelta", 0, 7, Ty::Duration;
    Uuid4 = "uuid.uuid4", 0, 0, Ty::Uuid;
    MathSqrt = "math.sqrt", 1, 1, Ty::Float;
    MathFloor = "math.floor", 1, 1, Ty::Int;
    MathCeil = "math.ceil", 1, 1, Ty::Int;
    MathPow = "math.pow", 2, 2, Ty::Float;
    MathLog = "math.log", 1, 2, Ty::Float;
    MathExp = "math.exp", 1, 1, Ty::Float;
    MathFabs = "math.fabs", 1, 1, Ty::Float;
    JsonDumps = "json.dumps", 1, 1, Ty::Str;
    JsonLoads = "json.loads", 1, 1, Ty::Any;
    HashlibMd5 = "hashlib.md5", 0, 1, Ty::Bytes;
    HashlibSha1 = "hashlib.sha1", 0, 1, Ty::Bytes;
    HashlibSha256 = "hashlib.sha256", 0, 1, Ty::Bytes;
    HashlibSha512 = "hashlib.sha512", 0, 1, Ty::Bytes;
}

/// Module-level constants (`math.pi`).
pub fn module_constant(path: &str) -> Option<Value> {
    Some(match path {
        "math.pi" => Value::Float(std::f64::consts::PI),
        "math.e" => Value::Float(std::f64::consts::E),
        "math.inf" => Value::Float(f64::INFINITY),
        "string.ascii_letters" => Value::str("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        "string.ascii_lowercase" => Value::str("abcdefghijklmnopqrstuvwxyz"),
        "string.ascii_uppercase" => Value::str("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        "string.digits" => Value::str("0123456789"),
        _ => return None,
    })
}

/// Module names known to the expression language.
pub const MODULES: &[&str] = &["random", "datetime", "uuid", "math", "json", "hashlib", "string"];

/// Modules of Python that the subset deliberately does not offer.
pub const UNSUPPORTED_MODULES: &[&str] = &["os", "re", "pd", "np", "fake", "requests", "sys", "subprocess"];

macro_rules! methods {
    ($( $variant:ident = $name:literal, $min:literal, $max:expr; )*) => {
        /// A method name resolved at compile time; the receiver's type picks the behaviour.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Method { $( $variant, )* }

        impl Method {
            pub const ALL: &'static [Method] = &[ $( Method::$variant, )* ];
            pub fn name(self) -> &'static str {
                match self { $( Method::$variant => $name, )* }
            }
            pub fn arity(self) -> (u16, u16) {
                match self { $( Method::$variant => ($min, $max), )* }
            }
            pub fn lookup(name: &str) -> Option<Method> {
                match name { $( $name => Some(Method::$variant), )* _ => None }
            }
        }
    };
}

methods! {
    Upper = "upper", 0, 0;
    Lower = "lower", 0, 0;
    Strip = "strip", 0, 1;
    Lstrip = "lstrip", 0, 1;
    Rstrip = "rstrip", 0, 1;
    Replace = "replace", 2, 3;
    Split = "split", 0, 2;
    Join = "join", 1, 1;
    Startswith = "startswith", 1, 1;
    Endswith = "endswith", 1, 1;
    Format = "format", 0, VAR;
    Zfill = "zfill", 1, 1;
    Title = "title", 0, 0;
    Capitalize = "capitalize", 0, 0;
    Encode = "encode", 0, 2;
    Decode = "decode", 0, 2;
    Find = "find", 1, 1;
    Count = "count", 1, 1;
    Index = "index", 1, 1;
    Isdigit = "isdigit", 0, 0;
    Isalpha = "isalpha", 0, 0;
    Get = "get", 1, 2;
    Keys = "keys", 0, 0;
    Values = "values", 0, 0;
    Items = "items", 0, 0;
    ToDict = "to_dict", 0, 0;
    Isoformat = "isoformat", 0, 1;
    Strftime = "strftime", 1, 1;
    Timestamp = "timestamp", 0, 0;
    Date = "date", 0, 0;
    Weekday = "weekday", 0, 0;
    TotalSeconds = "total_seconds", 0, 0;
    Hexdigest = "hexdigest", 0, 0;
    Digest = "digest", 0, 0;
    Hex = "hex", 0, 0;
    ReplaceDt = "__replace_dt", 0, 0;
}

/// Ceiling division for a non-negative numerator and positive divisor.
fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

fn arg_int(v: &Value, what: &str) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        other => Err(format!("{what} must be an integer, not '{}'", other.type_name())),
    }
}

fn arg_f64(v: &Value, what: &str) -> Result<f64, String> {
    match v {
        Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Decimal(_) => Ok(v.as_f64().unwrap_or(0.0)),
        other => Err(format!("{what} must be a number, not '{}'", other.type_name())),
    }
}

fn arg_str<'a>(v: &'a Value, what: &str) -> Result<&'a str, String> {
    v.as_str().ok_or_else(|| format!("{what} must be a str, not '{}'", v.type_name()))
}

fn kw<'a>(kwargs: &'a [(Arc<str>, Value)], name: &str) -> Option<&'a Value> {
    kwargs.iter().find(|(k, _)| &**k == name).map(|(_, v)| v)
}

/// Iterates a value as Python would (`for x in v`).
pub fn iterate(v: &Value) -> Result<Vec<Value>, String> {
    Ok(match v {
        Value::List(l) | Value::Tuple(l) => l.as_ref().clone(),
        Value::Str(s) => s.chars().map(|c| Value::Str(Arc::from(c.to_string()))).collect(),
        Value::Map(m) => m.keys().map(|k| Value::Str(k.clone())).collect(),
        Value::Bytes(b) => b.iter().map(|x| Value::Int(*x as i64)).collect(),
        other => return Err(format!("'{}' object is not iterable", other.type_name())),
    })
}

/// Python `int(x)`.
pub fn to_int(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        Value::Float(f) => {
            if !f.is_finite() {
                return Err(format!("cannot convert float {} to integer", v.py_str()));
            }
            let t = f.trunc();
            if t.abs() >= 9.2e18 {
                return Err("integer overflow".into());
            }
            Ok(t as i64)
        }
        Value::Decimal(d) => {
            rust_decimal::prelude::ToPrimitive::to_i64(&d.trunc()).ok_or_else(|| "integer overflow".into())
        }
        Value::Str(s) => {
            let t = s.trim().replace('_', "");
            t.parse::<i64>().map_err(|_| format!("invalid literal for int() with base 10: {}", v.py_repr()))
        }
        other => Err(format!("int() argument must be a string or a number, not '{}'", other.type_name())),
    }
}

/// Python `float(x)`.
pub fn to_float(v: &Value) -> Result<f64, String> {
    match v {
        Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Decimal(_) => Ok(v.as_f64().unwrap_or(0.0)),
        Value::Str(s) => {
            let t = s.trim().to_ascii_lowercase();
            match t.as_str() {
                "inf" | "+inf" | "infinity" => Ok(f64::INFINITY),
                "-inf" | "-infinity" => Ok(f64::NEG_INFINITY),
                "nan" => Ok(f64::NAN),
                _ => t
                    .replace('_', "")
                    .parse::<f64>()
                    .map_err(|_| format!("could not convert string to float: {}", v.py_repr())),
            }
        }
        other => Err(format!("float() argument must be a string or a number, not '{}'", other.type_name())),
    }
}

/// Python `round(x, n)` for floats: correctly rounded, ties to even.
pub fn round_float(f: f64, n: i64) -> f64 {
    if !f.is_finite() {
        return f;
    }
    if n >= 0 {
        let n = n.min(300) as usize;
        let s = format!("{:.*}", n, f);
        s.parse().unwrap_or(f)
    } else {
        let p = 10f64.powi((-n) as i32);
        let q = f / p;
        let r = q.round();
        let r = if (q - q.trunc()).abs() == 0.5 { 2.0 * (q / 2.0).round() } else { r };
        r * p
    }
}

fn round_half_even(f: f64) -> f64 {
    let r = f.round();
    if (f - f.trunc()).abs() == 0.5 {
        2.0 * (f / 2.0).round()
    } else {
        r
    }
}

fn sum_values(items: &[Value], start: Value) -> Result<Value, String> {
    let mut acc = start;
    for v in items {
        acc = crate::vm::exec::binary(crate::parser::expr::ast::BinOp::Add, &acc, v)?;
    }
    Ok(acc)
}

fn minmax(args: &[Value], want_max: bool) -> Result<Value, String> {
    let items = if args.len() == 1 { iterate(&args[0])? } else { args.to_vec() };
    let mut best: Option<Value> = None;
    for v in items {
        best = Some(match best {
            None => v,
            Some(b) => {
                let ord = v.py_cmp(&b).ok_or_else(|| {
                    format!("'<' not supported between instances of '{}' and '{}'", v.type_name(), b.type_name())
                })?;
                if (want_max && ord == std::cmp::Ordering::Greater) || (!want_max && ord == std::cmp::Ordering::Less) {
                    v
                } else {
                    b
                }
            }
        });
    }
    best.ok_or_else(|| format!("{}() arg is an empty sequence", if want_max { "max" } else { "min" }))
}

fn digest(kind: Builtin, data: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    match kind {
        Builtin::HashlibMd5 => md5::Md5::digest(data).to_vec(),
        Builtin::HashlibSha1 => sha1::Sha1::digest(data).to_vec(),
        Builtin::HashlibSha512 => sha2::Sha512::digest(data).to_vec(),
        _ => sha2::Sha256::digest(data).to_vec(),
    }
}

/// The datetime of a `datetime.datetime(...)` call.
fn make_datetime(args: &[Value]) -> Result<DateTime, String> {
    let g = |i: usize| -> Result<i64, String> { args.get(i).map(|v| arg_int(v, "datetime field")).unwrap_or(Ok(0)) };
    let date = Date::new(g(0)? as i16, g(1)? as i8, g(2)? as i8).map_err(|e| format!("invalid date: {e}"))?;
    let time = Time::new(g(3)? as i8, g(4)? as i8, g(5)? as i8, (g(6)? * 1000) as i32)
        .map_err(|e| format!("invalid time: {e}"))?;
    Ok(date.to_datetime(time))
}

/// Calls a builtin. `kwargs` are `(name, value)` pairs.
pub fn call_builtin(
    ctx: &mut CallCtx<'_>,
    f: Builtin,
    args: &[Value],
    kwargs: &[(Arc<str>, Value)],
) -> Result<Value, String> {
    use Builtin as B;
    // Keyword arguments never stand in for required positional ones (except the datetime
    // constructor's year/month/day), so `args[0]` below always exists.
    let (min, _) = f.arity();
    if args.len() < min as usize && f != B::DatetimeNew {
        return Err(format!("{}() missing {} required positional argument(s)", f.name(), min as usize - args.len()));
    }
    let a0 = args.first();
    Ok(match f {
        B::Len => match &args[0] {
            Value::Str(s) => Value::Int(s.chars().count() as i64),
            Value::List(l) | Value::Tuple(l) => Value::Int(l.len() as i64),
            Value::Map(m) => Value::Int(m.len() as i64),
            Value::Bytes(b) => Value::Int(b.len() as i64),
            other => return Err(format!("object of type '{}' has no len()", other.type_name())),
        },
        B::Str => match a0 {
            None => Value::str(""),
            Some(Value::Str(s)) => Value::Str(s.clone()),
            Some(v) => Value::from(v.py_str()),
        },
        B::Repr => Value::from(args[0].py_repr()),
        B::Int => match (a0, args.get(1)) {
            (None, _) => Value::Int(0),
            (Some(v), None) => Value::Int(to_int(v)?),
            (Some(v), Some(base)) => {
                let s = arg_str(v, "int() with base")?;
                let b = arg_int(base, "base")? as u32;
                let t = s.trim().to_ascii_lowercase();
                let t = t.trim_start_matches("0x").trim_start_matches("0o").trim_start_matches("0b");
                Value::Int(
                    i64::from_str_radix(t, b)
                        .map_err(|_| format!("invalid literal for int() with base {b}: {}", v.py_repr()))?,
                )
            }
        },
        B::Float => Value::Float(a0.map(to_float).transpose()?.unwrap_or(0.0)),
        B::Bool => Value::Bool(a0.map(|v| v.truthy()).unwrap_or(false)),
        B::Round => {
            let nd = args.get(1).or_else(|| kw(kwargs, "ndigits"));
            match (&args[0], nd) {
                (Value::Int(i), None) => Value::Int(*i),
                (Value::Int(i), Some(Value::Null)) => Value::Int(*i),
                (Value::Int(i), Some(n)) => {
                    let n = arg_int(n, "ndigits")?;
                    if n >= 0 {
                        Value::Int(*i)
                    } else {
                        let p = 10i64.checked_pow((-n) as u32).unwrap_or(i64::MAX);
                        let q = *i as f64 / p as f64;
                        Value::Int((round_half_even(q) as i64).saturating_mul(p))
                    }
                }
                (Value::Decimal(d), n) => {
                    let n = n.map(|n| arg_int(n, "ndigits")).transpose()?.unwrap_or(0);
                    Value::Decimal(
                        d.round_dp_with_strategy(n.max(0) as u32, rust_decimal::RoundingStrategy::MidpointNearestEven),
                    )
                }
                (v, None) | (v, Some(Value::Null)) => {
                    let f = arg_f64(v, "round() argument")?;
                    if !f.is_finite() {
                        return Err("cannot convert float infinity or NaN to integer".into());
                    }
                    Value::Int(round_half_even(f) as i64)
                }
                (v, Some(n)) => Value::Float(round_float(arg_f64(v, "round() argument")?, arg_int(n, "ndigits")?)),
            }
        }
        B::Min => minmax(args, false)?,
        B::Max => minmax(args, true)?,
        B::Abs => match &args[0] {
            Value::Int(i) => Value::Int(i.checked_abs().ok_or("integer overflow")?),
            Value::Float(f) => Value::Float(f.abs()),
            Value::Bool(b) => Value::Int(*b as i64),
            Value::Decimal(d) => Value::Decimal(d.abs()),
            Value::Duration(d) => Value::Duration(d.abs()),
            other => return Err(format!("bad operand type for abs(): '{}'", other.type_name())),
        },
        B::Sum => {
            let items = iterate(&args[0])?;
            let start = args.get(1).cloned().or_else(|| kw(kwargs, "start").cloned()).unwrap_or(Value::Int(0));
            sum_values(&items, start)?
        }
        B::Sorted => {
            let mut items = iterate(&args[0])?;
            let mut err = None;
            items.sort_by(|a, b| {
                a.py_cmp(b).unwrap_or_else(|| {
                    err = Some(format!(
                        "'<' not supported between instances of '{}' and '{}'",
                        a.type_name(),
                        b.type_name()
                    ));
                    std::cmp::Ordering::Equal
                })
            });
            if let Some(e) = err {
                return Err(e);
            }
            if kw(kwargs, "reverse").is_some_and(|v| v.truthy()) {
                items.reverse();
            }
            Value::list(items)
        }
        B::List => Value::list(a0.map(iterate).transpose()?.unwrap_or_default()),
        B::Tuple => Value::Tuple(Arc::new(a0.map(iterate).transpose()?.unwrap_or_default())),
        B::Set => {
            let mut seen = std::collections::HashSet::new();
            let mut out = Vec::new();
            for v in a0.map(iterate).transpose()?.unwrap_or_default() {
                if seen.insert(v.dedup_key()) {
                    out.push(v);
                }
            }
            Value::list(out)
        }
        B::Dict => {
            let mut m = Map::new();
            if let Some(v) = a0 {
                match v {
                    Value::Map(src) => m = src.as_ref().clone(),
                    other => {
                        for pair in iterate(other)? {
                            let kv = iterate(&pair)?;
                            if kv.len() != 2 {
                                return Err("dictionary update sequence element has wrong length".into());
                            }
                            m.insert(Arc::from(kv[0].py_str()), kv[1].clone());
                        }
                    }
                }
            }
            for (k, v) in kwargs {
                m.insert(k.clone(), v.clone());
            }
            Value::map(m)
        }
        B::Range => {
            let nums: Vec<i64> = args.iter().map(|v| arg_int(v, "range() argument")).collect::<Result<_, _>>()?;
            let (start, stop, step) = match nums.as_slice() {
                [s] => (0, *s, 1),
                [a, b] => (*a, *b, 1),
                [a, b, c] => (*a, *b, *c),
                _ => return Err("range expected 1 to 3 arguments".into()),
            };
            if step == 0 {
                return Err("range() arg 3 must not be zero".into());
            }
            let len =
                if step > 0 { ceil_div((stop - start).max(0), step) } else { ceil_div((start - stop).max(0), -step) };
            if len > 10_000_000 {
                return Err(format!("range() of {len} items is larger than the limit of 10000000"));
            }
            Value::list((0..len).map(|i| Value::Int(start + i * step)).collect())
        }
        B::Any => Value::Bool(iterate(&args[0])?.iter().any(|v| v.truthy())),
        B::All => Value::Bool(iterate(&args[0])?.iter().all(|v| v.truthy())),
        B::Hex => {
            let i = arg_int(&args[0], "hex() argument")?;
            Value::from(if i < 0 { format!("-0x{:x}", -(i as i128)) } else { format!("0x{i:x}") })
        }
        B::Chr => {
            let i = arg_int(&args[0], "chr() argument")?;
            let c = char::from_u32(i as u32).ok_or("chr() arg not in range")?;
            Value::from(c.to_string())
        }
        B::Ord => {
            let s = arg_str(&args[0], "ord() argument")?;
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => Value::Int(c as i64),
                _ => return Err("ord() expected a character".into()),
            }
        }
        B::Reversed => {
            let mut v = iterate(&args[0])?;
            v.reverse();
            Value::list(v)
        }
        B::Enumerate => {
            let start = args.get(1).map(|v| arg_int(v, "start")).transpose()?.unwrap_or(0);
            Value::list(
                iterate(&args[0])?
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| Value::Tuple(Arc::new(vec![Value::Int(start + i as i64), v])))
                    .collect(),
            )
        }
        B::Zip => {
            let lists: Vec<Vec<Value>> = args.iter().map(iterate).collect::<Result<_, _>>()?;
            let n = lists.iter().map(|l| l.len()).min().unwrap_or(0);
            Value::list((0..n).map(|i| Value::Tuple(Arc::new(lists.iter().map(|l| l[i].clone()).collect()))).collect())
        }
        B::RandomRandint => {
            let lo = arg_int(&args[0], "randint() bound")?;
            let hi = arg_int(&args[1], "randint() bound")?;
            if lo > hi {
                return Err(format!("empty range for randint({lo}, {hi})"));
            }
            Value::Int(ctx.rng.range_i64(lo, hi))
        }
        B::RandomRandrange => {
            let nums: Vec<i64> = args.iter().map(|v| arg_int(v, "randrange() argument")).collect::<Result<_, _>>()?;
            let (start, stop, step) = match nums.as_slice() {
                [s] => (0, *s, 1),
                [a, b] => (*a, *b, 1),
                [a, b, c] => (*a, *b, *c),
                _ => (0, 0, 1),
            };
            if step == 0 {
                return Err("zero step for randrange()".into());
            }
            let n =
                if step > 0 { ceil_div((stop - start).max(0), step) } else { ceil_div((start - stop).max(0), -step) };
            if n == 0 {
                return Err(format!("empty range for randrange({start}, {stop})"));
            }
            Value::Int(start + step * ctx.rng.below(n as u64) as i64)
        }
        B::RandomUniform => {
            let lo = arg_f64(&args[0], "uniform() bound")?;
            let hi = arg_f64(&args[1], "uniform() bound")?;
            Value::Float(ctx.rng.uniform(lo, hi))
        }
        B::RandomRandom => Value::Float(ctx.rng.f64()),
        B::RandomChoice => {
            let items = iterate(&args[0])?;
            ctx.rng.pick(&items).cloned().ok_or("cannot choose from an empty sequence")?
        }
        B::RandomChoices => {
            let items = iterate(&args[0])?;
            if items.is_empty() {
                return Err("cannot choose from an empty sequence".into());
            }
            let k = kw(kwargs, "k").or(args.get(1)).map(|v| arg_int(v, "k")).transpose()?.unwrap_or(1).max(0);
            let weights = kw(kwargs, "weights").map(iterate).transpose()?;
            let table = match weights {
                Some(w) => {
                    let ws: Vec<f64> = w.iter().map(|v| arg_f64(v, "weight")).collect::<Result<_, _>>()?;
                    if ws.len() != items.len() {
                        return Err("the number of weights does not match the population".into());
                    }
                    Some(
                        crate::domains::determinism::AliasTable::new(&ws)
                            .ok_or("weights must be non-negative with a positive total")?,
                    )
                }
                None => None,
            };
            Value::list(
                (0..k)
                    .map(|_| match &table {
                        Some(t) => items[t.sample(ctx.rng)].clone(),
                        None => items[ctx.rng.below(items.len() as u64) as usize].clone(),
                    })
                    .collect(),
            )
        }
        B::RandomSample => {
            let mut items = iterate(&args[0])?;
            let k = arg_int(&args[1], "k")?;
            if k < 0 || k as usize > items.len() {
                return Err("sample larger than population or is negative".into());
            }
            ctx.rng.shuffle(&mut items);
            items.truncate(k as usize);
            Value::list(items)
        }
        B::RandomGauss => {
            let mu = arg_f64(&args[0], "mu")?;
            let sigma = arg_f64(&args[1], "sigma")?;
            let u1 = 1.0 - ctx.rng.f64();
            let u2 = ctx.rng.f64();
            Value::Float(mu + sigma * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos())
        }
        B::RandomGetrandbits => {
            let k = arg_int(&args[0], "k")?;
            if !(0..=63).contains(&k) {
                return Err("getrandbits() supports 0 to 63 bits".into());
            }
            Value::Int(if k == 0 { 0 } else { (ctx.rng.next_u64() >> (64 - k)) as i64 })
        }
        B::DatetimeNow | B::DatetimeUtcnow | B::DatetimeToday => Value::DateTime(ctx.now),
        B::DatetimeNew => {
            let mut all: Vec<Value> = args.to_vec();
            for (i, name) in ["year", "month", "day", "hour", "minute", "second", "microsecond"].iter().enumerate() {
                if let Some(v) = kw(kwargs, name) {
                    while all.len() <= i {
                        all.push(Value::Int(0));
                    }
                    all[i] = v.clone();
                }
            }
            Value::DateTime(make_datetime(&all)?)
        }
        B::DatetimeStrptime => {
            Value::DateTime(dtm::strptime(arg_str(&args[0], "strptime() argument")?, arg_str(&args[1], "format")?)?)
        }
        B::DatetimeFromtimestamp => {
            let f = arg_f64(&args[0], "timestamp")?;
            Value::DateTime(dtm::from_epoch_micros((f * 1e6).round() as i64).ok_or("timestamp out of range")?)
        }
        B::DatetimeFromisoformat => {
            let s = arg_str(&args[0], "fromisoformat() argument")?;
            Value::DateTime(
                dtm::parse_iso(s).ok_or_else(|| format!("Invalid isoformat string: {}", args[0].py_repr()))?,
            )
        }
        B::DateToday => Value::Date(ctx.now.date()),
        B::DateNew => {
            let dt = make_datetime(args)?;
            Value::Date(dt.date())
        }
        B::DateFromisoformat => {
            let s = arg_str(&args[0], "fromisoformat() argument")?;
            Value::Date(
                s.trim().parse::<Date>().map_err(|_| format!("Invalid isoformat string: {}", args[0].py_repr()))?,
            )
        }
        B::Timedelta => {
            let names = ["days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"];
            let factors = [86_400e6, 1e6, 1.0, 1e3, 60e6, 3600e6, 604_800e6];
            let mut total = 0f64;
            for (i, v) in args.iter().enumerate() {
                total += arg_f64(v, "timedelta argument")? * factors[i];
            }
            for (k, v) in kwargs {
                let i = names
                    .iter()
                    .position(|n| **n == **k)
                    .ok_or_else(|| format!("'{k}' is an invalid keyword argument for timedelta()"))?;
                total += arg_f64(v, "timedelta argument")? * factors[i];
            }
            Value::Duration(total.round() as i64)
        }
        B::Uuid4 => Value::Uuid(ctx.rng.uuid_v4().to_be_bytes()),
        B::MathSqrt => {
            let x = arg_f64(&args[0], "sqrt() argument")?;
            if x < 0.0 {
                return Err("math domain error".into());
            }
            Value::Float(x.sqrt())
        }
        B::MathFloor => Value::Int(arg_f64(&args[0], "floor() argument")?.floor() as i64),
        B::MathCeil => Value::Int(arg_f64(&args[0], "ceil() argument")?.ceil() as i64),
        B::MathPow => Value::Float(arg_f64(&args[0], "pow() argument")?.powf(arg_f64(&args[1], "pow() argument")?)),
        B::MathLog => {
            let x = arg_f64(&args[0], "log() argument")?;
            if x <= 0.0 {
                return Err("math domain error".into());
            }
            match args.get(1) {
                Some(b) => Value::Float(x.ln() / arg_f64(b, "log() base")?.ln()),
                None => Value::Float(x.ln()),
            }
        }
        B::MathExp => Value::Float(arg_f64(&args[0], "exp() argument")?.exp()),
        B::MathFabs => Value::Float(arg_f64(&args[0], "fabs() argument")?.abs()),
        B::JsonDumps => {
            let mut s = String::new();
            args[0].write_json(&mut s);
            Value::from(s)
        }
        B::JsonLoads => {
            let s = arg_str(&args[0], "loads() argument")?;
            let j: serde_json::Value = serde_json::from_str(s).map_err(|e| format!("invalid JSON: {e}"))?;
            from_json(&j)
        }
        B::HashlibMd5 | B::HashlibSha1 | B::HashlibSha256 | B::HashlibSha512 => {
            let data: &[u8] = match a0 {
                None => &[],
                Some(Value::Bytes(b)) => b,
                Some(other) => {
                    return Err(format!(
                        "Strings must be encoded before hashing (got '{}'); use .encode()",
                        other.type_name()
                    ))
                }
            };
            Value::Bytes(Arc::from(digest(f, data)))
        }
    })
}

/// JSON → value (objects keep their key order).
pub fn from_json(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(a) => Value::list(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => {
            Value::map(o.iter().map(|(k, v)| (Arc::from(k.as_str()), from_json(v))).collect())
        }
    }
}

/// Normalises an entity field name: `givenName` ≡ `given_name` ≡ `GivenName`.
pub fn normalize_field(name: &str) -> String {
    name.chars().filter(|c| *c != '_').flat_map(|c| c.to_lowercase()).collect()
}

/// `obj.name` for non-call attribute access.
pub fn get_attr(obj: &Value, name: &str) -> Result<Value, String> {
    match obj {
        Value::Map(m) => {
            if let Some(v) = m.get(name) {
                return Ok(v.clone());
            }
            let n = normalize_field(name);
            m.iter()
                .find(|(k, _)| normalize_field(k) == n)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| format!("no attribute or key '{name}'"))
        }
        Value::DateTime(dt) => Ok(Value::Int(match name {
            "year" => dt.year() as i64,
            "month" => dt.month() as i64,
            "day" => dt.day() as i64,
            "hour" => dt.hour() as i64,
            "minute" => dt.minute() as i64,
            "second" => dt.second() as i64,
            "microsecond" => (dt.subsec_nanosecond() / 1000) as i64,
            _ => return Err(format!("'datetime' object has no attribute '{name}'")),
        })),
        Value::Date(d) => Ok(Value::Int(match name {
            "year" => d.year() as i64,
            "month" => d.month() as i64,
            "day" => d.day() as i64,
            _ => return Err(format!("'date' object has no attribute '{name}'")),
        })),
        Value::Duration(us) => {
            let day = 86_400_000_000i64;
            Ok(Value::Int(match name {
                "days" => us.div_euclid(day),
                "seconds" => us.rem_euclid(day) / 1_000_000,
                "microseconds" => us.rem_euclid(1_000_000),
                _ => return Err(format!("'timedelta' object has no attribute '{name}'")),
            }))
        }
        Value::Uuid(u) => match name {
            "hex" => Ok(Value::from(format!("{:032x}", u128::from_be_bytes(*u)))),
            "int" => Ok(Value::Int(u128::from_be_bytes(*u) as i64)),
            _ => Err(format!("'UUID' object has no attribute '{name}'")),
        },
        other => Err(format!("'{}' object has no attribute '{name}'", other.type_name())),
    }
}

fn strip_chars(s: &str, chars: Option<&str>, left: bool, right: bool) -> String {
    let pred = |c: char| match chars {
        Some(cs) => cs.contains(c),
        None => c.is_whitespace(),
    };
    let mut t = s;
    if left {
        t = t.trim_start_matches(pred);
    }
    if right {
        t = t.trim_end_matches(pred);
    }
    t.to_string()
}

fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_alpha = false;
    for c in s.chars() {
        if c.is_alphabetic() {
            if prev_alpha {
                out.extend(c.to_lowercase())
            } else {
                out.extend(c.to_uppercase())
            }
            prev_alpha = true;
        } else {
            out.push(c);
            prev_alpha = false;
        }
    }
    out
}

/// Calls `recv.m(args)`.
pub fn call_method(m: Method, recv: &Value, args: &[Value], kwargs: &[(Arc<str>, Value)]) -> Result<Value, String> {
    use Method as M;
    let (min, _) = m.arity();
    if args.len() < min as usize {
        return Err(format!("{}() missing {} required positional argument(s)", m.name(), min as usize - args.len()));
    }
    let no_method = || format!("'{}' object has no attribute '{}'", recv.type_name(), m.name());
    match recv {
        Value::Str(s) => {
            Ok(match m {
                M::Upper => Value::from(s.to_uppercase()),
                M::Lower => Value::from(s.to_lowercase()),
                M::Strip | M::Lstrip | M::Rstrip => {
                    let chars = args.first().and_then(|v| v.as_str());
                    Value::from(strip_chars(s, chars, m != M::Rstrip, m != M::Lstrip))
                }
                M::Replace => {
                    let old = arg_str(&args[0], "replace() argument")?;
                    let new = arg_str(&args[1], "replace() argument")?;
                    match args.get(2) {
                        Some(c) => Value::from(s.replacen(old, new, arg_int(c, "count")?.max(0) as usize)),
                        None => Value::from(s.replace(old, new)),
                    }
                }
                M::Split => {
                    let sep = args.first().or_else(|| kw(kwargs, "sep")).filter(|v| !v.is_null());
                    let parts: Vec<Value> = match sep {
                        Some(sep) => {
                            let sep = arg_str(sep, "separator")?;
                            if sep.is_empty() {
                                return Err("empty separator".into());
                            }
                            s.split(sep).map(Value::str).collect()
                        }
                        None => s.split_whitespace().map(Value::str).collect(),
                    };
                    Value::list(parts)
                }
                M::Join => {
                    let items = iterate(&args[0])?;
                    let mut out = String::new();
                    for (i, v) in items.iter().enumerate() {
                        if i > 0 {
                            out.push_str(s);
                        }
                        out.push_str(v.as_str().ok_or_else(|| {
                            format!("sequence item {i}: expected str instance, {} found", v.type_name())
                        })?);
                    }
                    Value::from(out)
                }
                M::Startswith => Value::Bool(match &args[0] {
                    Value::Tuple(t) => t.iter().any(|p| p.as_str().is_some_and(|p| s.starts_with(p))),
                    v => s.starts_with(arg_str(v, "prefix")?),
                }),
                M::Endswith => Value::Bool(match &args[0] {
                    Value::Tuple(t) => t.iter().any(|p| p.as_str().is_some_and(|p| s.ends_with(p))),
                    v => s.ends_with(arg_str(v, "suffix")?),
                }),
                M::Format => Value::from(str_format(s, args, kwargs)?),
                M::Zfill => {
                    let w = arg_int(&args[0], "width")?.max(0) as usize;
                    let n = s.chars().count();
                    if n >= w {
                        Value::Str(s.clone())
                    } else {
                        let (sign, rest) = if s.starts_with(['-', '+']) { s.split_at(1) } else { ("", &**s) };
                        Value::from(format!("{sign}{}{rest}", "0".repeat(w - n)))
                    }
                }
                M::Title => Value::from(title_case(s)),
                M::Capitalize => {
                    let mut c = s.chars();
                    Value::from(match c.next() {
                        Some(f) => f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase(),
                        None => String::new(),
                    })
                }
                M::Encode => Value::Bytes(Arc::from(s.as_bytes())),
                M::Find => Value::Int(match s.find(arg_str(&args[0], "sub")?) {
                    Some(b) => s[..b].chars().count() as i64,
                    None => -1,
                }),
                M::Index => match s.find(arg_str(&args[0], "sub")?) {
                    Some(b) => Value::Int(s[..b].chars().count() as i64),
                    None => return Err("substring not found".into()),
                },
                M::Count => Value::Int(s.matches(arg_str(&args[0], "sub")?).count() as i64),
                M::Isdigit => Value::Bool(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())),
                M::Isalpha => Value::Bool(!s.is_empty() && s.chars().all(|c| c.is_alphabetic())),
                _ => return Err(no_method()),
            })
        }
        Value::Bytes(b) => Ok(match m {
            M::Decode => Value::from(String::from_utf8(b.to_vec()).map_err(|_| "bytes are not valid UTF-8")?),
            M::Hexdigest | M::Hex => Value::from(hex(b)),
            M::Digest => recv.clone(),
            _ => return Err(no_method()),
        }),
        Value::Map(map) => Ok(match m {
            M::Get => match get_attr(recv, arg_str(&args[0], "key")?) {
                Ok(v) => v,
                Err(e) => match args.get(1) {
                    Some(d) => d.clone(),
                    None if map.is_empty() => return Err(e),
                    None => Value::Null,
                },
            },
            M::Keys => Value::list(map.keys().map(|k| Value::Str(k.clone())).collect()),
            M::Values => Value::list(map.values().cloned().collect()),
            M::Items => Value::list(
                map.iter().map(|(k, v)| Value::Tuple(Arc::new(vec![Value::Str(k.clone()), v.clone()]))).collect(),
            ),
            M::ToDict => recv.clone(),
            _ => return Err(no_method()),
        }),
        Value::List(l) | Value::Tuple(l) => Ok(match m {
            M::Count => Value::Int(l.iter().filter(|v| v.py_eq(&args[0])).count() as i64),
            M::Index => Value::Int(l.iter().position(|v| v.py_eq(&args[0])).ok_or("value is not in list")? as i64),
            M::ToDict => recv.clone(),
            _ => return Err(no_method()),
        }),
        Value::DateTime(dt) => Ok(match m {
            M::Isoformat => {
                let sep = args.first().and_then(|v| v.as_str()).and_then(|s| s.chars().next()).unwrap_or('T');
                let mut s = String::new();
                crate::vm::value::write_datetime(&mut s, *dt, sep);
                Value::from(s)
            }
            M::Strftime => Value::from(dtm::strftime(*dt, arg_str(&args[0], "format")?)),
            M::Timestamp => Value::Float(dtm::to_epoch_micros(*dt) as f64 / 1e6),
            M::Date => Value::Date(dt.date()),
            M::Weekday => Value::Int(dt.date().weekday().to_monday_zero_offset() as i64),
            _ => return Err(no_method()),
        }),
        Value::Date(d) => Ok(match m {
            M::Isoformat => Value::from(d.to_string()),
            M::Strftime => Value::from(dtm::strftime(d.to_datetime(Time::midnight()), arg_str(&args[0], "format")?)),
            M::Weekday => Value::Int(d.weekday().to_monday_zero_offset() as i64),
            _ => return Err(no_method()),
        }),
        Value::Duration(us) => match m {
            M::TotalSeconds => Ok(Value::Float(*us as f64 / 1e6)),
            _ => Err(no_method()),
        },
        _ => Err(no_method()),
    }
}

/// `'{} {name}'.format(...)` with format specs.
fn str_format(s: &str, args: &[Value], kwargs: &[(Arc<str>, Value)]) -> Result<String, String> {
    let mut out = String::new();
    let mut auto = 0usize;
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        match c {
            '{' if it.peek().map(|x| x.1) == Some('{') => {
                it.next();
                out.push('{');
            }
            '}' if it.peek().map(|x| x.1) == Some('}') => {
                it.next();
                out.push('}');
            }
            '{' => {
                let rest = &s[i + 1..];
                let close = rest.find('}').ok_or("Single '{' encountered in format string")?;
                let field = &rest[..close];
                let (name, spec) = field.split_once(':').unwrap_or((field, ""));
                let (name, conv) = match name.split_once('!') {
                    Some((n, c)) => (n, c.chars().next()),
                    None => (name, None),
                };
                let v = if name.is_empty() {
                    let v = args.get(auto).ok_or("Replacement index out of range")?;
                    auto += 1;
                    v.clone()
                } else if let Ok(idx) = name.parse::<usize>() {
                    args.get(idx).ok_or("Replacement index out of range")?.clone()
                } else {
                    kw(kwargs, name).cloned().ok_or_else(|| format!("KeyError: '{name}'"))?
                };
                let v = match conv {
                    Some('r') | Some('a') => Value::from(v.py_repr()),
                    Some('s') => Value::from(v.py_str()),
                    _ => v,
                };
                out.push_str(&format_value(&v, spec)?);
                for _ in 0..close + 1 {
                    it.next();
                }
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Python's `format(value, spec)` (format-spec mini-language).
pub fn format_value(v: &Value, spec: &str) -> Result<String, String> {
    if spec.is_empty() {
        return Ok(v.py_str());
    }
    if let Value::DateTime(dt) = v {
        return Ok(dtm::strftime(*dt, spec));
    }
    if let Value::Date(d) = v {
        return Ok(dtm::strftime(d.to_datetime(Time::midnight()), spec));
    }
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut fill = ' ';
    let mut align: Option<char> = None;
    if chars.len() >= 2 && matches!(chars[1], '<' | '>' | '^' | '=') {
        fill = chars[0];
        align = Some(chars[1]);
        i = 2;
    } else if !chars.is_empty() && matches!(chars[0], '<' | '>' | '^' | '=') {
        align = Some(chars[0]);
        i = 1;
    }
    let mut sign = '-';
    if i < chars.len() && matches!(chars[i], '+' | '-' | ' ') {
        sign = chars[i];
        i += 1;
    }
    let mut alt = false;
    if i < chars.len() && chars[i] == '#' {
        alt = true;
        i += 1;
    }
    if i < chars.len() && chars[i] == '0' {
        if align.is_none() {
            fill = '0';
            align = Some('=');
        }
        i += 1;
    }
    // Widths and precisions are bounded: a format must not ask for gigabytes of padding.
    const MAX_WIDTH: usize = 10_000;
    let mut width = 0usize;
    while i < chars.len() && chars[i].is_ascii_digit() {
        width = width * 10 + chars[i] as usize - '0' as usize;
        if width > MAX_WIDTH {
            return Err(format!("format width in '{spec}' is larger than {MAX_WIDTH}"));
        }
        i += 1;
    }
    let mut grouping: Option<char> = None;
    if i < chars.len() && matches!(chars[i], ',' | '_') {
        grouping = Some(chars[i]);
        i += 1;
    }
    let mut precision: Option<usize> = None;
    if i < chars.len() && chars[i] == '.' {
        i += 1;
        let mut p = 0;
        while i < chars.len() && chars[i].is_ascii_digit() {
            p = p * 10 + chars[i] as usize - '0' as usize;
            if p > MAX_WIDTH {
                return Err(format!("format precision in '{spec}' is larger than {MAX_WIDTH}"));
            }
            i += 1;
        }
        precision = Some(p);
    }
    let ty = chars.get(i).copied();
    if i + 1 < chars.len() {
        return Err(format!("Invalid format specifier '{spec}'"));
    }
    let numeric = v.is_numeric() && !matches!(v, Value::Bool(_) if ty.is_none());
    let (neg, body): (bool, String) = match (ty, v) {
        (Some('s') | None, Value::Str(s)) => {
            let s: String = match precision {
                Some(p) => s.chars().take(p).collect(),
                None => s.to_string(),
            };
            (false, s)
        }
        (Some('s'), other) => (false, other.py_str()),
        (Some('d') | Some('n'), _) | (None, Value::Int(_)) if numeric => {
            let n = match v {
                Value::Int(n) => *n,
                Value::Bool(b) => *b as i64,
                _ => return Err(format!("Unknown format code 'd' for object of type '{}'", v.type_name())),
            };
            (n < 0, group(&n.unsigned_abs().to_string(), grouping))
        }
        (Some('x' | 'X' | 'o' | 'b'), _) if numeric => {
            let n = v.as_i64().ok_or_else(|| format!("Unknown format code for object of type '{}'", v.type_name()))?;
            let a = n.unsigned_abs();
            let (digits, prefix) = match ty {
                Some('x') => (format!("{a:x}"), "0x"),
                Some('X') => (format!("{a:X}"), "0X"),
                Some('o') => (format!("{a:o}"), "0o"),
                _ => (format!("{a:b}"), "0b"),
            };
            (n < 0, if alt { format!("{prefix}{digits}") } else { digits })
        }
        (Some('f' | 'F' | '%' | 'e' | 'E' | 'g' | 'G'), _) | (None, Value::Float(_)) if numeric => {
            let f = v.as_f64().unwrap_or(0.0);
            let neg = f.is_sign_negative() && f != 0.0 || (f == 0.0 && f.is_sign_negative());
            let a = f.abs();
            let s = match ty {
                Some('f' | 'F') => group_float(&format!("{:.*}", precision.unwrap_or(6), a), grouping),
                Some('%') => format!("{:.*}%", precision.unwrap_or(6), a * 100.0),
                Some('e' | 'E') => {
                    let s = py_exp(a, precision.unwrap_or(6));
                    if ty == Some('E') {
                        s.to_uppercase()
                    } else {
                        s
                    }
                }
                Some('g' | 'G') => {
                    let p = precision.unwrap_or(6).max(1);
                    let exp = if a == 0.0 { 0 } else { a.log10().floor() as i32 };
                    if exp < -4 || exp >= p as i32 {
                        let e = py_exp(a, p - 1);
                        match e.split_once('e') {
                            Some((m, x)) if m.contains('.') => {
                                format!("{}e{x}", m.trim_end_matches('0').trim_end_matches('.'))
                            }
                            _ => e,
                        }
                    } else {
                        let s = format!("{:.*}", (p as i32 - 1 - exp).max(0) as usize, a);
                        if s.contains('.') {
                            s.trim_end_matches('0').trim_end_matches('.').to_string()
                        } else {
                            s
                        }
                    }
                }
                _ => match precision {
                    Some(p) => {
                        let s = format!("{:.*}", p, a);
                        s
                    }
                    None => {
                        let mut s = String::new();
                        crate::vm::value::write_py_float(&mut s, a);
                        s
                    }
                },
            };
            (neg, s)
        }
        (None, other) => (false, other.py_str()),
        (Some(t), other) => {
            return Err(format!("Unknown format code '{t}' for object of type '{}'", other.type_name()))
        }
    };
    let sign_str = if neg {
        "-"
    } else if sign == '+' && numeric {
        "+"
    } else if sign == ' ' && numeric {
        " "
    } else {
        ""
    };
    let content_len = sign_str.chars().count() + body.chars().count();
    let pad = width.saturating_sub(content_len);
    let align = align.unwrap_or(if numeric { '>' } else { '<' });
    let fills = |n: usize| std::iter::repeat_n(fill, n).collect::<String>();
    Ok(match align {
        '<' => format!("{sign_str}{body}{}", fills(pad)),
        '>' => format!("{}{sign_str}{body}", fills(pad)),
        '^' => format!("{}{sign_str}{body}{}", fills(pad / 2), fills(pad - pad / 2)),
        _ => format!("{sign_str}{}{body}", fills(pad)),
    })
}

fn py_exp(a: f64, p: usize) -> String {
    let s = format!("{:.*e}", p, a);
    match s.split_once('e') {
        Some((m, e)) => {
            let e: i32 = e.parse().unwrap_or(0);
            format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
        }
        None => s,
    }
}

fn group(digits: &str, sep: Option<char>) -> String {
    let Some(sep) = sep else {
        return digits.to_string();
    };
    let mut out = String::new();
    let n = digits.len();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

fn group_float(s: &str, sep: Option<char>) -> String {
    match s.split_once('.') {
        Some((i, f)) => format!("{}.{f}", group(i, sep)),
        None => group(s, sep),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(v: Value, spec: &str) -> String {
        format_value(&v, spec).expect("formats")
    }

    #[test]
    fn format_specs_match_python() {
        assert_eq!(fmt(Value::Float(3.25159), "05.2f"), "03.25");
        assert_eq!(fmt(Value::Int(42), "05d"), "00042");
        assert_eq!(fmt(Value::Int(-42), "05d"), "-0042");
        assert_eq!(fmt(Value::Int(1234567), ","), "1,234,567");
        assert_eq!(fmt(Value::str("ab"), ">5"), "   ab");
        assert_eq!(fmt(Value::str("ab"), "*^6"), "**ab**");
        assert_eq!(fmt(Value::Float(0.5), ".1%"), "50.0%");
        assert_eq!(fmt(Value::Int(255), "x"), "ff");
        assert_eq!(fmt(Value::Float(12345.678), ".3e"), "1.235e+04");
        assert_eq!(fmt(Value::Float(2.5), ""), "2.5");
    }

    #[test]
    fn keywords_do_not_replace_required_arguments() {
        let mut rng = Stream::new(1);
        let mut ctx = CallCtx { rng: &mut rng, now: jiff::civil::date(2025, 1, 1).at(0, 0, 0, 0) };
        let kw = vec![(Arc::from("le"), Value::Bool(true))];
        assert!(call_builtin(&mut ctx, Builtin::Sorted, &[], &kw).is_err());
        assert!(call_method(Method::Replace, &Value::str("a"), &[], &kw).is_err());
    }

    #[test]
    fn huge_widths_are_errors() {
        assert!(format_value(&Value::Float(2.5), &format!("0{}.1f", "5".repeat(60))).is_err());
        assert!(format_value(&Value::Float(2.5), &format!(".{}f", "9".repeat(30))).is_err());
        assert_eq!(fmt(Value::Int(7), "03"), "007");
    }

    #[test]
    fn rounding_is_half_even() {
        assert_eq!(round_half_even(2.5), 2.0);
        assert_eq!(round_half_even(3.5), 4.0);
        assert_eq!(round_float(2.675, 2), 2.67);
        assert_eq!(round_float(1.005, 2), 1.0);
    }
}
