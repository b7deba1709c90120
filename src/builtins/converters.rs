//! Converters of the model language (`converter="A('x');B(2)"`, §7 of the DSL reference).
//!
//! A chain is parsed once at lowering time ([`parse_chain`]) into [`Converter`] values whose
//! arguments are already checked; [`Converter::apply`] then maps one value to another at run time.
//! Every converter passes null through unchanged. String converters count characters, not bytes,
//! and slice with Python semantics. `Hash` is a keyed HMAC whose key comes from the run
//! ([`ConvConfig::hash_key`]), optionally followed by the salt bytes.

use std::sync::Arc;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use jiff::civil::Time;

use crate::builtins::datetime as dtm;
use crate::diag::did_you_mean;
use crate::domains::determinism::hex;
use crate::parser::expr::ast::{Expr, ExprKind, UnOp};
use crate::parser::expr::parse_expr;
use crate::vm::value::{Map, Value};

/// Converter names with their parameter names, in positional order.
pub const CONVERTER_NAMES: &[(&str, &[&str])] = &[
    ("UpperCase", &[]),
    ("LowerCase", &[]),
    ("Mask", &["mask_char"]),
    ("MiddleMask", &["start", "end_offset", "mask_char"]),
    ("CutLength", &["n"]),
    ("Substring", &["start", "end"]),
    ("Append", &["text"]),
    ("Hash", &["hash_type", "output_format", "salt"]),
    ("JavaHash", &[]),
    ("DateFormat", &["format"]),
    ("Date2Timestamp", &[]),
    ("Timestamp2Date", &[]),
    ("RemoveNoneOrEmptyElement", &[]),
];

/// Keyword names used by datamimic-ce 4.3.0's Python constructors, accepted as aliases.
const PARAM_ALIASES: &[(&str, &str, &str)] = &[
    ("MiddleMask", "start_mask_index", "start"),
    ("MiddleMask", "end_mask_offset", "end_offset"),
    ("CutLength", "length_to_cut", "n"),
    ("Append", "append_char", "text"),
    ("DateFormat", "format_str", "format"),
];

/// Run-wide converter settings.
#[derive(Clone)]
pub struct ConvConfig {
    /// HMAC key of `Hash`, derived by the engine from the seed.
    pub hash_key: [u8; 32],
}

/// Digest of the `Hash` converter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashType {
    Md5,
    Sha1,
    Sha256,
    Sha512,
    Sha3_512,
}

const HASH_TYPES: &[(&str, HashType)] = &[
    ("md5", HashType::Md5),
    ("sha1", HashType::Sha1),
    ("sha256", HashType::Sha256),
    ("sha512", HashType::Sha512),
    ("sha3_512", HashType::Sha3_512),
];

/// Output encoding of the `Hash` converter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashFormat {
    Hex,
    Base64,
}

/// One converter of a chain, with checked arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum Converter {
    UpperCase,
    LowerCase,
    Mask { mask_char: char },
    MiddleMask { start: i64, end_offset: i64, mask_char: char },
    CutLength { n: i64 },
    Substring { start: i64, end: Option<i64> },
    Append { text: Arc<str> },
    Hash { hash_type: HashType, output_format: HashFormat, salt: Option<Arc<str>> },
    JavaHash,
    DateFormat { format: Arc<str> },
    Date2Timestamp,
    Timestamp2Date,
    RemoveNoneOrEmptyElement,
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// Parses a converter chain: parts separated by `;` (outside quotes and brackets), each `Name` or
/// `Name(args)` with literal arguments. An empty or blank text is the empty chain.
pub fn parse_chain(text: &str) -> Result<Vec<Converter>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let parts = split_top(text, ';')?;
    let mut out = Vec::with_capacity(parts.len());
    for part in &parts {
        let part = part.trim();
        if part.is_empty() {
            return Err(format!("empty converter in chain '{text}' (stray ';'?)"));
        }
        let pieces = split_top(part, ',')?;
        if pieces.len() > 1 {
            let fixed: Vec<&str> =
                parts.iter().flat_map(|p| split_top(p, ',').unwrap_or_default()).map(str::trim).collect();
            return Err(format!(
                "unknown converter '{part}': converter chains are separated by ';', not ',' \
                 (write '{}')",
                fixed.join(";")
            ));
        }
        out.push(parse_one(part)?);
    }
    Ok(out)
}

/// Splits `text` on `sep` where it is outside quotes and brackets.
fn split_top(text: &str, sep: char) -> Result<Vec<&str>, String> {
    let mut parts = Vec::new();
    let mut depth: i32 = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ if c == sep && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    if quote.is_some() {
        return Err(format!("unterminated string in converter '{}'", text.trim()));
    }
    if depth != 0 {
        return Err(format!("unbalanced parentheses in converter '{}'", text.trim()));
    }
    parts.push(&text[start..]);
    Ok(parts)
}

fn parse_one(part: &str) -> Result<Converter, String> {
    let expr = parse_expr(part).map_err(|e| format!("invalid converter '{part}': {}", e.message))?;
    let (name, args, kwargs) = match expr.kind {
        ExprKind::Name(n) => (n, Vec::new(), Vec::new()),
        ExprKind::Call(callee, args, kwargs) => match callee.kind {
            ExprKind::Name(n) => (n, args, kwargs),
            _ => return Err(format!("invalid converter '{part}': expected Name or Name(arguments)")),
        },
        _ => return Err(format!("invalid converter '{part}': expected Name or Name(arguments)")),
    };
    let Some(&(name, params)) = CONVERTER_NAMES.iter().find(|(n, _)| *n == name) else {
        let mut msg = format!("unknown converter '{name}'");
        match did_you_mean(&name, CONVERTER_NAMES.iter().map(|(n, _)| *n)) {
            Some(s) => msg.push_str(&format!("; did you mean '{s}'?")),
            None => msg.push_str(&format!(
                "; known converters: {}",
                CONVERTER_NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            )),
        }
        return Err(msg);
    };
    let vals = bind_args(name, params, &args, &kwargs)?;
    build(name, vals)
}

/// Binds positional and keyword arguments to the parameters of `name`.
fn bind_args(
    name: &str,
    params: &[&str],
    args: &[Expr],
    kwargs: &[(String, Expr)],
) -> Result<Vec<Option<Value>>, String> {
    let mut vals: Vec<Option<Value>> = vec![None; params.len()];
    if args.len() > params.len() {
        return Err(if params.is_empty() {
            format!("{name} takes no arguments, got {}", args.len())
        } else {
            format!("{name} takes at most {} argument(s) ({}), got {}", params.len(), params.join(", "), args.len())
        });
    }
    for (i, a) in args.iter().enumerate() {
        vals[i] = Some(literal(name, params[i], a)?);
    }
    for (k, e) in kwargs {
        let canonical = PARAM_ALIASES
            .iter()
            .find(|(c, alias, _)| *c == name && alias == k)
            .map(|(_, _, p)| *p)
            .unwrap_or(k.as_str());
        let Some(i) = params.iter().position(|p| *p == canonical) else {
            let mut msg = format!("{name} has no parameter '{k}'");
            if let Some(s) = did_you_mean(k, params.iter().copied()) {
                msg.push_str(&format!("; did you mean '{s}'?"));
            } else if params.is_empty() {
                msg.push_str(" (it takes no arguments)");
            } else {
                msg.push_str(&format!(" (parameters: {})", params.join(", ")));
            }
            return Err(msg);
        };
        if vals[i].is_some() {
            return Err(format!("{name} got multiple values for parameter '{}'", params[i]));
        }
        vals[i] = Some(literal(name, params[i], e)?);
    }
    Ok(vals)
}

/// The value of a literal argument (str, int, float, bool, None, signed numbers).
fn literal(conv: &str, param: &str, e: &Expr) -> Result<Value, String> {
    Ok(match &e.kind {
        ExprKind::None => Value::Null,
        ExprKind::Bool(b) => Value::Bool(*b),
        ExprKind::Int(i) => Value::Int(*i),
        ExprKind::Float(f) => Value::Float(*f),
        ExprKind::Str(s) => Value::str(s),
        ExprKind::Unary(op @ (UnOp::Neg | UnOp::Pos), inner) => match (op, &inner.kind) {
            (UnOp::Pos, ExprKind::Int(i)) => Value::Int(*i),
            (UnOp::Pos, ExprKind::Float(f)) => Value::Float(*f),
            (UnOp::Neg, ExprKind::Int(i)) => {
                Value::Int(i.checked_neg().ok_or_else(|| format!("{conv}: parameter '{param}' is out of range"))?)
            }
            (UnOp::Neg, ExprKind::Float(f)) => Value::Float(-f),
            _ => return Err(not_literal(conv, param)),
        },
        _ => return Err(not_literal(conv, param)),
    })
}

fn not_literal(conv: &str, param: &str) -> String {
    format!("{conv}: parameter '{param}' must be a literal (string, number, True/False or None)")
}

/// Takes parameter `i`; `None` when it was not given.
fn take(vals: &mut [Option<Value>], i: usize) -> Option<Value> {
    vals.get_mut(i).and_then(Option::take)
}

fn required(conv: &str, param: &str, v: Option<Value>) -> Result<Value, String> {
    v.ok_or_else(|| format!("{conv}: missing required parameter '{param}'"))
}

fn want_int(conv: &str, param: &str, v: Value) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(i),
        other => Err(format!("{conv}: parameter '{param}' expects an int, got {}", other.type_name())),
    }
}

fn want_str(conv: &str, param: &str, v: Value) -> Result<Arc<str>, String> {
    match v {
        Value::Str(s) => Ok(s),
        other => Err(format!("{conv}: parameter '{param}' expects a string, got {}", other.type_name())),
    }
}

fn want_char(conv: &str, param: &str, v: Value) -> Result<char, String> {
    let s = want_str(conv, param, v)?;
    let mut it = s.chars();
    match (it.next(), it.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(format!("{conv}: parameter '{param}' must be a single character, got '{s}'")),
    }
}

fn build(name: &str, mut vals: Vec<Option<Value>>) -> Result<Converter, String> {
    let v = &mut vals;
    Ok(match name {
        "UpperCase" => Converter::UpperCase,
        "LowerCase" => Converter::LowerCase,
        "JavaHash" => Converter::JavaHash,
        "Date2Timestamp" => Converter::Date2Timestamp,
        "Timestamp2Date" => Converter::Timestamp2Date,
        "RemoveNoneOrEmptyElement" => Converter::RemoveNoneOrEmptyElement,
        "Mask" => Converter::Mask {
            mask_char: match take(v, 0) {
                Some(c) => want_char(name, "mask_char", c)?,
                None => '*',
            },
        },
        "MiddleMask" => {
            let start = want_int(name, "start", required(name, "start", take(v, 0))?)?;
            let end = required(name, "end_offset", take(v, 1))?;
            let end_offset = want_int(name, "end_offset", end)?;
            let mask_char = match take(v, 2) {
                Some(c) => want_char(name, "mask_char", c)?,
                None => '*',
            };
            Converter::MiddleMask { start, end_offset, mask_char }
        }
        "CutLength" => Converter::CutLength { n: want_int(name, "n", required(name, "n", take(v, 0))?)? },
        "Substring" => {
            let start = want_int(name, "start", required(name, "start", take(v, 0))?)?;
            let end = match take(v, 1) {
                None | Some(Value::Null) => None,
                Some(e) => Some(want_int(name, "end", e)?),
            };
            Converter::Substring { start, end }
        }
        "Append" => Converter::Append { text: want_str(name, "text", required(name, "text", take(v, 0))?)? },
        "DateFormat" => {
            Converter::DateFormat { format: want_str(name, "format", required(name, "format", take(v, 0))?)? }
        }
        "Hash" => {
            let ht = want_str(name, "hash_type", required(name, "hash_type", take(v, 0))?)?;
            let hash_type =
                HASH_TYPES.iter().find(|(n, _)| n.eq_ignore_ascii_case(&ht)).map(|(_, t)| *t).ok_or_else(|| {
                    let names: Vec<&str> = HASH_TYPES.iter().map(|(n, _)| *n).collect();
                    format!("Hash: parameter 'hash_type' must be one of {}, got '{ht}'", names.join(", "))
                })?;
            let of = want_str(name, "output_format", required(name, "output_format", take(v, 1))?)?;
            let output_format = if of.eq_ignore_ascii_case("hex") {
                HashFormat::Hex
            } else if of.eq_ignore_ascii_case("base64") {
                HashFormat::Base64
            } else {
                return Err(format!("Hash: parameter 'output_format' must be hex or base64, got '{of}'"));
            };
            let salt = match take(v, 2) {
                None | Some(Value::Null) => None,
                Some(s) => Some(want_str(name, "salt", s)?),
            };
            Converter::Hash { hash_type, output_format, salt }
        }
        _ => return Err(format!("unknown converter '{name}'")),
    })
}

// ---------------------------------------------------------------------------------------------
// Application
// ---------------------------------------------------------------------------------------------

impl Converter {
    /// The converter's name as written in a chain.
    pub fn name(&self) -> &'static str {
        match self {
            Converter::UpperCase => "UpperCase",
            Converter::LowerCase => "LowerCase",
            Converter::Mask { .. } => "Mask",
            Converter::MiddleMask { .. } => "MiddleMask",
            Converter::CutLength { .. } => "CutLength",
            Converter::Substring { .. } => "Substring",
            Converter::Append { .. } => "Append",
            Converter::Hash { .. } => "Hash",
            Converter::JavaHash => "JavaHash",
            Converter::DateFormat { .. } => "DateFormat",
            Converter::Date2Timestamp => "Date2Timestamp",
            Converter::Timestamp2Date => "Timestamp2Date",
            Converter::RemoveNoneOrEmptyElement => "RemoveNoneOrEmptyElement",
        }
    }

    /// Converts one value. Null passes through unchanged.
    pub fn apply(&self, v: Value, cfg: &ConvConfig) -> Result<Value, String> {
        if v.is_null() {
            return Ok(v);
        }
        match self {
            Converter::RemoveNoneOrEmptyElement => Ok(remove_empty(v)),
            Converter::DateFormat { format } => match v {
                Value::DateTime(dt) => Ok(Value::str(&dtm::strftime(dt, format))),
                Value::Date(d) => Ok(Value::str(&dtm::strftime(d.to_datetime(Time::midnight()), format))),
                other => Err(self.wrong_type("a datetime", &other)),
            },
            Converter::Date2Timestamp => match v {
                // `int(dt.timestamp())` truncates toward zero.
                Value::DateTime(dt) => Ok(Value::Int(dtm::to_epoch_micros(dt) / 1_000_000)),
                other => Err(self.wrong_type("a datetime", &other)),
            },
            Converter::Timestamp2Date => {
                let us = match v {
                    Value::Int(i) => i.checked_mul(1_000_000),
                    Value::Float(f) => {
                        let us = (f * 1e6).round_ties_even();
                        (us.is_finite() && us.abs() < 9.0e18).then_some(us as i64)
                    }
                    other => return Err(self.wrong_type("an int or float", &other)),
                };
                us.and_then(dtm::from_epoch_micros)
                    .map(Value::DateTime)
                    .ok_or_else(|| "Timestamp2Date: timestamp out of range".to_string())
            }
            _ => {
                let Value::Str(s) = &v else {
                    return Err(self.wrong_type("a string", &v));
                };
                Ok(Value::from(self.convert_str(s, cfg)))
            }
        }
    }

    fn wrong_type(&self, want: &str, got: &Value) -> String {
        format!("{} expects {want}, got {}", self.name(), got.type_name())
    }

    fn convert_str(&self, s: &str, cfg: &ConvConfig) -> String {
        match self {
            Converter::UpperCase => s.to_uppercase(),
            Converter::LowerCase => s.to_lowercase(),
            Converter::Mask { mask_char } => std::iter::repeat_n(*mask_char, s.chars().count()).collect(),
            Converter::MiddleMask { start, end_offset, mask_char } => middle_mask(s, *start, *end_offset, *mask_char),
            Converter::CutLength { n } => py_slice(s, None, Some(*n)),
            Converter::Substring { start, end } => py_slice(s, Some(*start), *end),
            Converter::Append { text } => {
                let mut out = String::with_capacity(s.len() + text.len());
                out.push_str(s);
                out.push_str(text);
                out
            }
            Converter::JavaHash => {
                let h = s.encode_utf16().fold(0u32, |h, u| h.wrapping_mul(31).wrapping_add(u as u32));
                format!("{h:08x}")
            }
            Converter::Hash { hash_type, output_format, salt } => {
                let mut key = cfg.hash_key.to_vec();
                if let Some(salt) = salt {
                    key.extend_from_slice(salt.as_bytes());
                }
                let digest = hmac_digest(*hash_type, &key, s.as_bytes());
                match output_format {
                    HashFormat::Hex => hex(&digest),
                    HashFormat::Base64 => base64::engine::general_purpose::STANDARD.encode(&digest),
                }
            }
            // Non-string converters are handled in `apply`.
            Converter::DateFormat { .. }
            | Converter::Date2Timestamp
            | Converter::Timestamp2Date
            | Converter::RemoveNoneOrEmptyElement => s.to_string(),
        }
    }
}

fn hmac_digest(t: HashType, key: &[u8], data: &[u8]) -> Vec<u8> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut m = <M as hmac::digest::KeyInit>::new_from_slice(key).expect("HMAC accepts any key length");
        m.update(data);
        m.finalize().into_bytes().to_vec()
    }
    match t {
        HashType::Md5 => run::<Hmac<md5::Md5>>(key, data),
        HashType::Sha1 => run::<Hmac<sha1::Sha1>>(key, data),
        HashType::Sha256 => run::<Hmac<sha2::Sha256>>(key, data),
        HashType::Sha512 => run::<Hmac<sha2::Sha512>>(key, data),
        HashType::Sha3_512 => run::<Hmac<sha3::Sha3_512>>(key, data),
    }
}

/// Python's `s[start:end]` over characters.
fn py_slice(s: &str, start: Option<i64>, end: Option<i64>) -> String {
    let chars: Vec<char> = s.chars().collect();
    let (a, b) = slice_bounds(chars.len(), start, end);
    chars[a..b].iter().collect()
}

/// Normalised `[start:end]` bounds (step 1) for a sequence of length `n`.
fn slice_bounds(n: usize, start: Option<i64>, end: Option<i64>) -> (usize, usize) {
    let n = n as i64;
    let norm = |i: i64| if i < 0 { (i + n).max(0) } else { i.min(n) };
    let a = start.map_or(0, norm);
    let b = end.map_or(n, norm);
    (a as usize, b.max(a) as usize)
}

/// datamimic-ce's MiddleMask, including its behaviour for overlapping or negative bounds.
fn middle_mask(s: &str, start: i64, end_offset: i64, mask: char) -> String {
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as i64;
    if start >= len || end_offset >= len || start > end_offset {
        return s.to_string();
    }
    let end_index = len - end_offset;
    let (h0, h1) = slice_bounds(chars.len(), None, Some(start));
    let (m0, m1) = slice_bounds(chars.len(), Some(start), Some(end_index));
    let (t0, t1) = slice_bounds(chars.len(), Some(end_index), None);
    let mut out: String = chars[h0..h1].iter().collect();
    out.extend(std::iter::repeat_n(mask, m1 - m0));
    out.extend(&chars[t0..t1]);
    out
}

/// Is `v` one of `None`, `""`, `[]`, `{}` (Python `==`, so a tuple is never empty here)?
fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Str(s) => s.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}

/// Recursively drops empty entries from maps and lists; other values are returned unchanged.
fn remove_empty(v: Value) -> Value {
    match v {
        Value::List(items) => Value::list(
            items
                .iter()
                .filter(|x| !is_empty_value(x))
                .map(|x| remove_empty(x.clone()))
                .filter(|x| !is_empty_value(x))
                .collect(),
        ),
        Value::Map(m) => {
            let mut out = Map::with_capacity(m.len());
            for (k, x) in m.iter() {
                if is_empty_value(x) {
                    continue;
                }
                let c = remove_empty(x.clone());
                if !is_empty_value(&c) {
                    out.insert(k.clone(), c);
                }
            }
            Value::map(out)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, Date};

    fn cfg() -> ConvConfig {
        let mut k = [0u8; 32];
        for (i, b) in k.iter_mut().enumerate() {
            *b = i as u8;
        }
        ConvConfig { hash_key: k }
    }

    fn one(text: &str) -> Converter {
        let mut c = parse_chain(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(c.len(), 1, "{text}");
        c.remove(0)
    }

    /// Applies a whole chain to a value.
    fn run(text: &str, v: Value) -> Result<Value, String> {
        let cfg = cfg();
        parse_chain(text)?.iter().try_fold(v, |v, c| c.apply(v, &cfg))
    }

    fn s(text: &str, input: &str) -> String {
        match run(text, Value::str(input)) {
            Ok(Value::Str(s)) => s.to_string(),
            other => panic!("{text} on {input:?}: {other:?}"),
        }
    }

    fn err(text: &str) -> String {
        parse_chain(text).expect_err(text)
    }

    #[test]
    fn case_converters() {
        assert_eq!(s("UpperCase", "abc ß é"), "ABC SS É");
        assert_eq!(s("LowerCase", "ÄBC Def"), "äbc def");
        assert_eq!(s("UpperCase()", "x"), "X");
        assert!(err("UpperCase(1)").contains("takes no arguments"));
    }

    #[test]
    fn mask() {
        assert_eq!(s("Mask", "secret"), "******");
        assert_eq!(s("Mask('#')", "äöü"), "###");
        assert_eq!(s("Mask(mask_char='x')", "ab"), "xx");
        assert_eq!(s("Mask", ""), "");
        let e = err("Mask('ab')");
        assert!(e.contains("'mask_char'") && e.contains("single character"), "{e}");
        let e = err("Mask(1)");
        assert!(e.contains("'mask_char'") && e.contains("expects a string, got int"), "{e}");
        let e = err("Mask(mask='#')");
        assert!(e.contains("no parameter 'mask'") && e.contains("mask_char"), "{e}");
    }

    #[test]
    fn middle_mask() {
        assert_eq!(s("MiddleMask(2,3)", "0123456789"), "01*****789");
        assert_eq!(s("MiddleMask(2, 3, mask_char='#')", "0123456789"), "01#####789");
        assert_eq!(s("MiddleMask(2, 3, '-')", "0123456789"), "01-----789");
        assert_eq!(s("MiddleMask(0, 0)", "abc"), "***");
        assert_eq!(s("MiddleMask(1, 1)", "äöüß"), "ä**ß");
        // Unchanged when a bound reaches the length or start > end_offset.
        assert_eq!(s("MiddleMask(10, 3)", "0123456789"), "0123456789");
        assert_eq!(s("MiddleMask(2, 10)", "0123456789"), "0123456789");
        assert_eq!(s("MiddleMask(4, 3)", "0123456789"), "0123456789");
        // Overlapping bounds behave as in datamimic-ce (head and tail slices are concatenated).
        assert_eq!(s("MiddleMask(2, 3)", "abcd"), "abbcd");
        // 4.3.0 keyword names are accepted.
        assert_eq!(s("MiddleMask(start_mask_index=1, end_mask_offset=2)", "abcdef"), "a***ef");
        let e = err("MiddleMask(2)");
        assert!(e.contains("missing required parameter 'end_offset'"), "{e}");
        let e = err("MiddleMask('2', 3)");
        assert!(e.contains("'start'") && e.contains("expects an int"), "{e}");
        let e = err("MiddleMask(1, 2, '*', 4)");
        assert!(e.contains("at most 3"), "{e}");
        let e = err("MiddleMask(1, 2, start=1)");
        assert!(e.contains("multiple values for parameter 'start'"), "{e}");
    }

    #[test]
    fn cut_length_and_substring() {
        assert_eq!(s("CutLength(3)", "abcdef"), "abc");
        assert_eq!(s("CutLength(10)", "abc"), "abc");
        assert_eq!(s("CutLength(-1)", "abc"), "ab");
        assert_eq!(s("CutLength(n=2)", "äöü"), "äö");
        assert_eq!(s("CutLength(length_to_cut=1)", "xyz"), "x");
        assert!(err("CutLength").contains("missing required parameter 'n'"));
        assert!(err("CutLength(1.5)").contains("'n' expects an int, got float"));

        assert_eq!(s("Substring(-4)", "4111111111111234"), "1234");
        assert_eq!(s("Substring(1, 3)", "abcdef"), "bc");
        assert_eq!(s("Substring(2)", "abcdef"), "cdef");
        assert_eq!(s("Substring(-3, -1)", "abcdef"), "de");
        assert_eq!(s("Substring(4, 2)", "abcdef"), "");
        assert_eq!(s("Substring(-100, 100)", "abc"), "abc");
        assert_eq!(s("Substring(0, None)", "abc"), "abc");
        assert_eq!(s("Substring(start=1, end=-1)", "äöüß"), "öü");
        assert!(err("Substring()").contains("missing required parameter 'start'"));
        assert!(err("Substring(1, 'x')").contains("'end' expects an int, got str"));
    }

    #[test]
    fn append() {
        assert_eq!(s("Append(' €')", "10"), "10 €");
        assert_eq!(s("Append(text='!')", "hi"), "hi!");
        assert_eq!(s("Append(append_char='?')", "hi"), "hi?");
        assert!(err("Append(1)").contains("'text' expects a string, got int"));
        assert!(err("Append").contains("missing required parameter 'text'"));
    }

    #[test]
    fn java_hash() {
        assert_eq!(s("JavaHash", "abc"), "00017862");
        assert_eq!(s("JavaHash", ""), "00000000");
        // "hello".hashCode() == 99162322; "Hello, World!".hashCode() == 1498789909.
        assert_eq!(s("JavaHash", "hello"), format!("{:08x}", 99162322u32));
        assert_eq!(s("JavaHash", "Hello, World!"), format!("{:08x}", 1498789909u32));
        // Negative Java hashes are shown as their u32 bit pattern: "polygenelubricants" → i32::MIN.
        assert_eq!(s("JavaHash", "polygenelubricants"), "80000000");
        // UTF-16 code units: a surrogate pair counts as two units.
        let units: Vec<u16> = "😀".encode_utf16().collect();
        let want = (units[0] as u32).wrapping_mul(31).wrapping_add(units[1] as u32);
        assert_eq!(s("JavaHash", "😀"), format!("{want:08x}"));
    }

    #[test]
    fn hash_known_values() {
        // HMAC with key 00 01 … 1f, cross-checked with Python's hmac module.
        assert_eq!(s("Hash('md5', 'hex')", "Grüße"), "fd073adbf69b123af83aa9569ace78af");
        assert_eq!(s("Hash('sha1', 'hex')", "Grüße"), "a3dd9286bfe46a95f2406905ea7eb1d82e4ffb82");
        assert_eq!(
            s("Hash('sha256', 'hex')", "Grüße"),
            "850e2e7a2b152cb7379adccf5c035bf2141c3f3d751c48fcc3d1276d0b3d427c"
        );
        assert_eq!(
            s("Hash('sha512', 'hex')", "Grüße"),
            "b07f148b6405109a4eba98485e390a3935d31572ce95f55f968b2923a492b5b0\
             cda8dfe821caa91073c98a1110f67185b670dbf14ce72d0e22d00b7399772056"
        );
        assert_eq!(
            s("Hash('sha3_512', 'hex')", "Grüße"),
            "3dae6667cec393dde8cdd20f3ef67aa5eae44bea6064ee33bfd7ae862d31ced6\
             393607bdebcfef54327e8dc86b7e3eff2fb14ec3305194693743ba31b9209d0a"
        );
        assert_eq!(s("Hash('sha256', 'base64')", "abc"), "8BM3KcQWPe3oHiHNR4OSVtpYFxI4yKDYdDl8c7FOHkc=");
        assert_eq!(
            s("Hash('SHA256', 'HEX', 'pepper')", "abc"),
            "fbd7205c595eae4d9f7abfee8b5c2dfc7ca3a5a94948413f4eb7f67529c3b46c"
        );
        assert_eq!(
            s("Hash(hash_type='sha256', output_format='hex', salt='pepper')", "abc"),
            "fbd7205c595eae4d9f7abfee8b5c2dfc7ca3a5a94948413f4eb7f67529c3b46c"
        );
    }

    #[test]
    fn hash_keys_and_salts() {
        let c = one("Hash('sha256', 'hex')");
        let k1 = ConvConfig { hash_key: [1; 32] };
        let k2 = ConvConfig { hash_key: [2; 32] };
        let a = c.apply(Value::str("alice"), &k1).unwrap();
        assert!(a.py_eq(&c.apply(Value::str("alice"), &k1).unwrap()));
        assert!(!a.py_eq(&c.apply(Value::str("alice"), &k2).unwrap()));
        assert!(!a.py_eq(&c.apply(Value::str("bob"), &k1).unwrap()));
        let salted = one("Hash('sha256', 'hex', 'x')").apply(Value::str("alice"), &k1).unwrap();
        let salted2 = one("Hash('sha256', 'hex', 'y')").apply(Value::str("alice"), &k1).unwrap();
        assert!(!a.py_eq(&salted) && !salted.py_eq(&salted2));
        assert_eq!(a.as_str().unwrap().len(), 64);

        let e = err("Hash('sha384', 'hex')");
        assert!(e.contains("'hash_type'") && e.contains("sha3_512") && e.contains("sha384"), "{e}");
        let e = err("Hash('md5', 'bin')");
        assert!(e.contains("'output_format'"), "{e}");
        assert!(err("Hash('md5')").contains("missing required parameter 'output_format'"));
        assert!(err("Hash('md5', 'hex', 5)").contains("'salt' expects a string"));
        assert!(run("Hash('md5', 'hex')", Value::Int(5)).unwrap_err().contains("Hash expects a string, got int"));
    }

    #[test]
    fn dates() {
        let dt = date(2024, 1, 2).at(3, 4, 5, 600_000);
        let f = run("DateFormat('%Y/%m/%d %H:%M:%S.%f')", Value::DateTime(dt)).unwrap();
        assert_eq!(f.as_str(), Some("2024/01/02 03:04:05.000600"));
        let f = run("DateFormat(format='%d.%m.%Y')", Value::Date(Date::constant(2024, 2, 29))).unwrap();
        assert_eq!(f.as_str(), Some("29.02.2024"));
        let f = run("DateFormat(format_str='%H:%M')", Value::Date(Date::constant(2024, 2, 29))).unwrap();
        assert_eq!(f.as_str(), Some("00:00"));
        assert!(err("DateFormat").contains("missing required parameter 'format'"));
        let e = run("DateFormat('%Y')", Value::str("2024-01-01")).unwrap_err();
        assert_eq!(e, "DateFormat expects a datetime, got str");

        let ts = run("Date2Timestamp", Value::DateTime(dt)).unwrap();
        assert!(matches!(ts, Value::Int(1704164645)), "{ts:?}");
        let back = run("Timestamp2Date", ts).unwrap();
        assert!(matches!(back, Value::DateTime(d) if d == date(2024, 1, 2).at(3, 4, 5, 0)));
        let round = run("Date2Timestamp;Timestamp2Date;DateFormat('%Y-%m-%dT%H:%M:%S')", Value::DateTime(dt)).unwrap();
        assert_eq!(round.as_str(), Some("2024-01-02T03:04:05"));
        // Before the epoch, int() truncates toward zero.
        let pre = date(1969, 12, 31).at(23, 59, 59, 500_000_000);
        assert!(matches!(run("Date2Timestamp", Value::DateTime(pre)).unwrap(), Value::Int(0)));
        assert!(matches!(
            run("Date2Timestamp", Value::DateTime(date(1969, 12, 31).at(0, 0, 0, 0))).unwrap(),
            Value::Int(-86400)
        ));

        let f = run("Timestamp2Date", Value::Float(1704164645.5)).unwrap();
        assert!(matches!(f, Value::DateTime(d) if d == date(2024, 1, 2).at(3, 4, 5, 500_000_000)));
        let f = run("Timestamp2Date", Value::Float(-1.5)).unwrap();
        assert!(matches!(f, Value::DateTime(d) if d == date(1969, 12, 31).at(23, 59, 58, 500_000_000)));
        let e = run("Timestamp2Date", Value::str("1")).unwrap_err();
        assert_eq!(e, "Timestamp2Date expects an int or float, got str");
        assert!(run("Timestamp2Date", Value::Float(f64::NAN)).unwrap_err().contains("out of range"));
        assert!(run("Timestamp2Date", Value::Int(i64::MAX)).unwrap_err().contains("out of range"));
        assert!(run("Date2Timestamp", Value::Int(1)).unwrap_err().contains("expects a datetime, got int"));
    }

    #[test]
    fn remove_none_or_empty() {
        let mut inner = Map::new();
        inner.insert("a".into(), Value::Null);
        inner.insert("b".into(), Value::str(""));
        let mut deep = Map::new();
        deep.insert("x".into(), Value::list(vec![Value::Null, Value::str("")]));
        let mut m = Map::new();
        m.insert("keep".into(), Value::Int(0));
        m.insert("f".into(), Value::Bool(false));
        m.insert("none".into(), Value::Null);
        m.insert("empty".into(), Value::str(""));
        m.insert("inner".into(), Value::map(inner));
        m.insert("deep".into(), Value::map(deep));
        m.insert("tuple".into(), Value::Tuple(Arc::new(vec![])));
        m.insert(
            "list".into(),
            Value::list(vec![
                Value::Int(1),
                Value::Null,
                Value::list(vec![]),
                Value::map(Map::new()),
                Value::list(vec![Value::str(""), Value::str("y")]),
            ]),
        );
        let out = run("RemoveNoneOrEmptyElement", Value::map(m)).unwrap();
        assert_eq!(out.py_repr(), "{'keep': 0, 'f': False, 'tuple': (), 'list': [1, ['y']]}");
        // Scalars are unchanged; a top-level empty container stays itself.
        assert!(matches!(run("RemoveNoneOrEmptyElement", Value::Int(3)).unwrap(), Value::Int(3)));
        assert_eq!(run("RemoveNoneOrEmptyElement", Value::str("")).unwrap().py_repr(), "''");
        let l = run("RemoveNoneOrEmptyElement", Value::list(vec![Value::Null])).unwrap();
        assert_eq!(l.py_repr(), "[]");
    }

    #[test]
    fn null_passes_through() {
        let cfg = cfg();
        for (name, params) in CONVERTER_NAMES {
            let args: Vec<&str> = params
                .iter()
                .map(|p| match *p {
                    "hash_type" => "'md5'",
                    "output_format" => "'hex'",
                    "mask_char" | "text" | "format" | "salt" => "'x'",
                    _ => "1",
                })
                .collect();
            let c = one(&format!("{name}({})", args.join(", ")));
            assert_eq!(c.name(), *name);
            assert!(c.apply(Value::Null, &cfg).unwrap().is_null(), "{name}");
        }
    }

    #[test]
    fn wrong_input_types() {
        assert_eq!(run("UpperCase", Value::Int(1)).unwrap_err(), "UpperCase expects a string, got int");
        assert_eq!(run("Mask", Value::Float(1.0)).unwrap_err(), "Mask expects a string, got float");
        assert_eq!(run("JavaHash", Value::list(vec![])).unwrap_err(), "JavaHash expects a string, got list");
        assert_eq!(run("Append('x')", Value::Bool(true)).unwrap_err(), "Append expects a string, got bool");
    }

    #[test]
    fn chains() {
        assert_eq!(parse_chain("Mask").unwrap(), vec![Converter::Mask { mask_char: '*' }]);
        assert_eq!(
            parse_chain("Append(' €');UpperCase").unwrap(),
            vec![Converter::Append { text: Arc::from(" €") }, Converter::UpperCase]
        );
        assert_eq!(s("Append(' €');UpperCase", "eur"), "EUR €");
        assert_eq!(
            one("MiddleMask(2, 3, mask_char='#')"),
            Converter::MiddleMask { start: 2, end_offset: 3, mask_char: '#' }
        );
        assert_eq!(one("Substring(-4)"), Converter::Substring { start: -4, end: None });
        assert_eq!(one("Substring(+1, -2)"), Converter::Substring { start: 1, end: Some(-2) });
        // Separators inside quotes and parentheses do not split.
        assert_eq!(s(" Append('a;b') ; Append(\"c,d\") ", "x"), "xa;bc,d");
        assert_eq!(s("Append('it\\'s;')", "x"), "xit's;");
        assert!(parse_chain("").unwrap().is_empty());
        assert!(parse_chain("   ").unwrap().is_empty());
        assert_eq!(s("LowerCase;UpperCase;Mask('-')", "ab"), "--");
    }

    #[test]
    fn chain_errors() {
        let e = err("UpperCase,Mask");
        assert!(e.contains("separated by ';', not ','") && e.contains("'UpperCase;Mask'"), "{e}");
        let e = err("Append('a,b'), Mask('#')");
        assert!(e.contains("not ','") && e.contains("Append('a,b');Mask('#')"), "{e}");
        let e = err("UperCase");
        assert!(e.contains("unknown converter 'UperCase'") && e.contains("did you mean 'UpperCase'"), "{e}");
        let e = err("MidleMask(1, 2)");
        assert!(e.contains("did you mean 'MiddleMask'"), "{e}");
        let e = err("MyCustomConverter");
        assert!(e.contains("unknown converter 'MyCustomConverter'") && e.contains("known converters"), "{e}");
        assert!(err("Mask;;UpperCase").contains("empty converter"));
        assert!(err("Mask;").contains("empty converter"));
        assert!(err("Append('x)").contains("unterminated string"));
        assert!(err("Append('x'").contains("unbalanced"));
        assert!(err("Append(name)").contains("'text' must be a literal"));
        assert!(err("Append('a' + 'b')").contains("must be a literal"));
        assert!(err("CutLength(1 - 2)").contains("must be a literal"));
        assert!(err("foo.Mask").contains("expected Name or Name(arguments)"));
        assert!(err("Mask(").contains("unbalanced"));
        assert!(err("1Mask").contains("invalid converter"));
    }
}
