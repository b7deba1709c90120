//! Strings and bytes: `StringGenerator`, `BinaryGenerator`, `UUIDGenerator`, `HashGenerator`,
//! `TokenGenerator`, `PasswordGenerator`, `PrefixedIdGenerator` and `ColorGenerator`.

use std::sync::Arc;

use base64::Engine as _;
use sha2::Digest;

use super::Args;
use crate::builtins::pattern::Pattern;
use crate::domains::determinism::{hex, Stream};
use crate::vm::value::Value;

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";
const SPECIAL: &str = "!@#$%^&*()_+-=[]{}|;:,.<>?";

const COLOR_NAMES: &[&str] = &[
    "red", "green", "blue", "yellow", "purple", "orange", "black", "white", "brown", "gray",
    "pink", "cyan", "magenta", "silver", "gold", "navy", "olive", "maroon", "lime", "teal",
    "indigo", "violet", "coral", "crimson",
];

/// Characters that make a `char_set` a regular-expression class rather than a literal list.
const REGEX_META: &[char] = &['[', ']', '\\', '.', '^', '$', '*', '+', '?', '{', '}', '(', ')', '|'];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha3_224,
    Sha3_256,
    Sha3_384,
    Sha3_512,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Hex,
    Bytes,
    UrlSafe,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorFormat {
    Hex,
    Rgb,
    Name,
}

#[derive(Debug)]
pub enum TextGen {
    Str {
        min: usize,
        max: usize,
        chars: Vec<char>,
        unique: bool,
        prefix: String,
        suffix: String,
    },
    Binary {
        min: usize,
        max: usize,
        magic: &'static [u8],
    },
    Uuid {
        as_string: bool,
    },
    Hash(HashAlg),
    Token {
        kind: TokenKind,
        entropy: usize,
    },
    Password {
        length: usize,
        sets: Vec<&'static str>,
    },
    PrefixedId {
        prefix: String,
        body: Pattern,
        separator: String,
    },
    Color(ColorFormat),
}

/// A non-negative length parameter.
fn len_param(a: &Args, p: &str) -> Result<Option<usize>, String> {
    match a.int(p)? {
        None => Ok(None),
        Some(n) if n < 0 => Err(a.fail(p, format_args!("must be >= 0, got {n}"))),
        Some(n) if n > 1 << 24 => Err(a.fail(p, format_args!("is too large ({n})"))),
        Some(n) => Ok(Some(n as usize)),
    }
}

/// `(min_len, max_len)` with the defaulting of dsl §6.2.
fn lengths(a: &Args, dmin: usize, dmax: usize, halve: bool) -> Result<(usize, usize), String> {
    let (lo, hi) = match (len_param(a, "min_len")?, len_param(a, "max_len")?) {
        (None, None) => (dmin, dmax),
        (None, Some(h)) if halve => (h / 2, h),
        (Some(l), None) if halve => (l, l * 2),
        (l, h) => (l.unwrap_or(dmin), h.unwrap_or(dmax)),
    };
    if lo > hi {
        return Err(a.fail(
            "min_len",
            format_args!("({lo}) must not exceed max_len ({hi})"),
        ));
    }
    Ok((lo, hi))
}

fn magic_for(mime: &str) -> &'static [u8] {
    let m = mime.trim().to_ascii_lowercase();
    let sub = m.rsplit('/').next().unwrap_or(&m);
    match sub {
        "png" => b"\x89PNG\r\n\x1a\n",
        "jpeg" | "jpg" | "pjpeg" => b"\xff\xd8\xff",
        "gif" => b"GIF89a",
        "pdf" => b"%PDF-",
        "zip" | "x-zip-compressed" => b"PK\x03\x04",
        _ => b"",
    }
}

pub(super) fn construct(a: &Args) -> Result<TextGen, String> {
    Ok(match a.name() {
        "StringGenerator" => {
            let (min, max) = lengths(a, 1, 10, true)?;
            let set = a.string("char_set")?.filter(|s| !s.is_empty());
            let mut chars: Vec<char> = match &set {
                None => ALNUM.chars().collect(),
                Some(s) if s.contains(REGEX_META) => {
                    let p = Pattern::parse(s)
                        .map_err(|e| a.fail("char_set", format_args!("'{s}' is not a valid class: {e}")))?;
                    p.char_set().ok_or_else(|| {
                        a.fail(
                            "char_set",
                            format_args!("'{s}' must be a single character class such as [A-Z0-9]"),
                        )
                    })?
                }
                Some(s) => s.chars().collect(),
            };
            let mut seen = std::collections::HashSet::new();
            chars.retain(|c| seen.insert(*c));
            if chars.is_empty() {
                return Err(a.fail("char_set", "selects no characters"));
            }
            let unique = a.boolean("unique")?.unwrap_or(false);
            if unique && chars.len() < max {
                return Err(a.fail(
                    "unique",
                    format_args!(
                        "needs at least max_len ({max}) distinct characters, char_set has {}",
                        chars.len()
                    ),
                ));
            }
            TextGen::Str {
                min,
                max,
                chars,
                unique,
                prefix: a.string("prefix")?.unwrap_or_default(),
                suffix: a.string("suffix")?.unwrap_or_default(),
            }
        }
        "BinaryGenerator" => {
            let (min, max) = lengths(a, 1, 16, false)?;
            let magic = a.string("mime_type")?.map_or(&b""[..], |m| magic_for(&m));
            TextGen::Binary { min, max, magic }
        }
        "UUIDGenerator" => TextGen::Uuid {
            as_string: a.boolean("as_string")?.unwrap_or(true),
        },
        "HashGenerator" => {
            let name = a.string("algorithm")?.unwrap_or_else(|| "sha256".into());
            let alg = match name.to_ascii_lowercase().replace('-', "").as_str() {
                "md5" => HashAlg::Md5,
                "sha1" => HashAlg::Sha1,
                "sha224" => HashAlg::Sha224,
                "sha256" => HashAlg::Sha256,
                "sha384" => HashAlg::Sha384,
                "sha512" => HashAlg::Sha512,
                "sha3_224" => HashAlg::Sha3_224,
                "sha3_256" => HashAlg::Sha3_256,
                "sha3_384" => HashAlg::Sha3_384,
                "sha3_512" => HashAlg::Sha3_512,
                _ => {
                    return Err(a.fail(
                        "algorithm",
                        format_args!(
                            "has unsupported value '{name}' (use md5, sha1, sha224, sha256, \
                             sha384, sha512, sha3_224, sha3_256, sha3_384 or sha3_512)"
                        ),
                    ))
                }
            };
            TextGen::Hash(alg)
        }
        "TokenGenerator" => {
            let name = a.string("token_type")?.unwrap_or_else(|| "hex".into());
            let kind = match name.to_ascii_lowercase().as_str() {
                "hex" => TokenKind::Hex,
                "bytes" => TokenKind::Bytes,
                "urlsafe" => TokenKind::UrlSafe,
                _ => {
                    return Err(a.fail(
                        "token_type",
                        format_args!("has unsupported value '{name}' (use hex, bytes or urlsafe)"),
                    ))
                }
            };
            let entropy = a.int("entropy")?.unwrap_or(32);
            if !(1..=1 << 20).contains(&entropy) {
                return Err(a.fail("entropy", format_args!("must be between 1 and 1048576, got {entropy}")));
            }
            TextGen::Token {
                kind,
                entropy: entropy as usize,
            }
        }
        "PasswordGenerator" => {
            let length = a.int("length")?.unwrap_or(16);
            if !(1..=1 << 20).contains(&length) {
                return Err(a.fail("length", format_args!("must be between 1 and 1048576, got {length}")));
            }
            let mut sets = vec![LOWER];
            if a.boolean("include_uppercase")?.unwrap_or(true) {
                sets.push(UPPER);
            }
            if a.boolean("include_numbers")?.unwrap_or(true) {
                sets.push(DIGITS);
            }
            if a.boolean("include_special")?.unwrap_or(true) {
                sets.push(SPECIAL);
            }
            // As in datamimic 4.3.0, passwords have at least 8 characters.
            TextGen::Password {
                length: (length as usize).max(8),
                sets,
            }
        }
        "PrefixedIdGenerator" => {
            let prefix = a
                .string("prefix")?
                .ok_or_else(|| a.fail("prefix", "is required (e.g. prefix='ORD')"))?;
            let src = a.string("body_pattern")?.unwrap_or_else(|| "[0-9]{6}".into());
            let body = Pattern::parse(&src).map_err(|e| {
                a.fail("body_pattern", format_args!("'{src}' is not a valid pattern: {e}"))
            })?;
            TextGen::PrefixedId {
                prefix,
                body,
                separator: a.string("separator")?.unwrap_or_else(|| "-".into()),
            }
        }
        _ => {
            let name = a.string("format_type")?.unwrap_or_else(|| "hex".into());
            TextGen::Color(match name.to_ascii_lowercase().as_str() {
                "hex" => ColorFormat::Hex,
                "rgb" => ColorFormat::Rgb,
                "name" => ColorFormat::Name,
                _ => {
                    return Err(a.fail(
                        "format_type",
                        format_args!("has unsupported value '{name}' (use hex, rgb or name)"),
                    ))
                }
            })
        }
    })
}

fn random_bytes(rng: &mut Stream, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        out.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    out.truncate(n);
    out
}

fn digest_hex<D: Digest>(data: &[u8]) -> String {
    hex(&D::digest(data))
}

fn pick_char(rng: &mut Stream, set: &str) -> char {
    let b = set.as_bytes();
    b[rng.below(b.len() as u64) as usize] as char
}

impl TextGen {
    pub(super) fn next(&self, rng: &mut Stream) -> Value {
        match self {
            TextGen::Str {
                min,
                max,
                chars,
                unique,
                prefix,
                suffix,
            } => {
                let len = *min + rng.below((*max - *min) as u64 + 1) as usize;
                let mut out = String::with_capacity(prefix.len() + len + suffix.len());
                out.push_str(prefix);
                if *unique {
                    // A partial Fisher–Yates shuffle: `len` distinct characters.
                    let mut pool = chars.clone();
                    for i in 0..len {
                        let j = i + rng.below((pool.len() - i) as u64) as usize;
                        pool.swap(i, j);
                        out.push(pool[i]);
                    }
                } else {
                    for _ in 0..len {
                        out.push(chars[rng.below(chars.len() as u64) as usize]);
                    }
                }
                out.push_str(suffix);
                Value::from(out)
            }
            TextGen::Binary { min, max, magic } => {
                let len = (*min + rng.below((*max - *min) as u64 + 1) as usize).max(magic.len());
                let mut out = magic.to_vec();
                out.extend(random_bytes(rng, len - magic.len()));
                Value::Bytes(Arc::from(out))
            }
            TextGen::Uuid { as_string } => {
                let u = uuid::Uuid::from_u128(rng.uuid_v4());
                if *as_string {
                    Value::from(u.hyphenated().to_string())
                } else {
                    Value::Uuid(*u.as_bytes())
                }
            }
            TextGen::Hash(alg) => {
                let data = random_bytes(rng, 32);
                Value::from(match alg {
                    HashAlg::Md5 => digest_hex::<md5::Md5>(&data),
                    HashAlg::Sha1 => digest_hex::<sha1::Sha1>(&data),
                    HashAlg::Sha224 => digest_hex::<sha2::Sha224>(&data),
                    HashAlg::Sha256 => digest_hex::<sha2::Sha256>(&data),
                    HashAlg::Sha384 => digest_hex::<sha2::Sha384>(&data),
                    HashAlg::Sha512 => digest_hex::<sha2::Sha512>(&data),
                    HashAlg::Sha3_224 => digest_hex::<sha3::Sha3_224>(&data),
                    HashAlg::Sha3_256 => digest_hex::<sha3::Sha3_256>(&data),
                    HashAlg::Sha3_384 => digest_hex::<sha3::Sha3_384>(&data),
                    HashAlg::Sha3_512 => digest_hex::<sha3::Sha3_512>(&data),
                })
            }
            TextGen::Token { kind, entropy } => {
                let data = random_bytes(rng, *entropy);
                match kind {
                    TokenKind::Hex => Value::from(hex(&data)),
                    TokenKind::Bytes => Value::Bytes(Arc::from(data)),
                    TokenKind::UrlSafe => Value::from(
                        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&data),
                    ),
                }
            }
            TextGen::Password { length, sets } => {
                let mut pw: Vec<char> = sets.iter().map(|s| pick_char(rng, s)).collect();
                let all: String = sets.concat();
                while pw.len() < *length {
                    pw.push(pick_char(rng, &all));
                }
                rng.shuffle(&mut pw);
                Value::from(pw.into_iter().collect::<String>())
            }
            TextGen::PrefixedId {
                prefix,
                body,
                separator,
            } => Value::from(format!(
                "{prefix}{separator}{}",
                body.generate_full(rng, 8)
            )),
            TextGen::Color(fmt) => {
                let (r, g, b) = (rng.below(256), rng.below(256), rng.below(256));
                Value::from(match fmt {
                    ColorFormat::Hex => format!("#{r:02x}{g:02x}{b:02x}"),
                    ColorFormat::Rgb => format!("rgb({r},{g},{b})"),
                    ColorFormat::Name => {
                        COLOR_NAMES[rng.below(COLOR_NAMES.len() as u64) as usize].to_string()
                    }
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;
    use super::*;

    fn strs(g: &Generator, n: usize) -> Vec<String> {
        take(g, 17, n).iter().map(|v| v.as_str().expect("str").to_string()).collect()
    }

    #[test]
    fn string_generator_lengths_and_defaults() {
        let lens = |g: &Generator| {
            let v = strs(g, 3000);
            let l: Vec<usize> = v.iter().map(|s| s.chars().count()).collect();
            (*l.iter().min().unwrap(), *l.iter().max().unwrap(), v)
        };
        let (lo, hi, v) = lens(&gen("StringGenerator", &[]));
        assert_eq!((lo, hi), (1, 10));
        assert!(v.iter().all(|s| s.chars().all(|c| c.is_ascii_alphanumeric())));
        let (lo, hi, _) = lens(&gen("StringGenerator", &[("max_len", Value::Int(9))]));
        assert_eq!((lo, hi), (4, 9));
        let (lo, hi, _) = lens(&gen("StringGenerator", &[("min_len", Value::Int(3))]));
        assert_eq!((lo, hi), (3, 6));
        let (lo, hi, _) = lens(&gen(
            "StringGenerator",
            &[("min_len", Value::Int(10)), ("max_len", Value::Int(20))],
        ));
        assert_eq!((lo, hi), (10, 20));
        let e = gen_err(
            "StringGenerator",
            &[("min_len", Value::Int(5)), ("max_len", Value::Int(2))],
        );
        assert!(e.contains("'min_len' (5) must not exceed max_len (2)"), "{e}");
        let e = gen_err("StringGenerator", &[("min_len", Value::Int(-1))]);
        assert!(e.contains("'min_len' must be >= 0"), "{e}");
    }

    #[test]
    fn string_generator_char_sets_unique_and_affixes() {
        let g = gen(
            "StringGenerator",
            &[("char_set", s("[A-F0-9]")), ("min_len", Value::Int(8)), ("max_len", Value::Int(8))],
        );
        for v in strs(&g, 500) {
            assert_eq!(v.len(), 8);
            assert!(v.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()), "{v}");
        }
        let g = gen(
            "StringGenerator",
            &[("char_set", s("\\d")), ("min_len", Value::Int(4)), ("max_len", Value::Int(4))],
        );
        assert!(strs(&g, 100).iter().all(|v| v.chars().all(|c| c.is_ascii_digit())));
        // Without metacharacters the text is a literal list of characters.
        let g = gen(
            "StringGenerator",
            &[("char_set", s("ab-")), ("min_len", Value::Int(6)), ("prefix", s("P_")), ("suffix", s("!"))],
        );
        for v in strs(&g, 200) {
            let body = v.strip_prefix("P_").and_then(|x| x.strip_suffix('!')).expect(&v);
            assert!(body.chars().all(|c| "ab-".contains(c)), "{v}");
            assert!((6..=12).contains(&body.len()));
        }
        let g = gen(
            "StringGenerator",
            &[("char_set", s("abcdef")), ("min_len", Value::Int(6)), ("max_len", Value::Int(6)), ("unique", Value::Bool(true))],
        );
        for v in strs(&g, 200) {
            let mut c: Vec<char> = v.chars().collect();
            c.sort_unstable();
            assert_eq!(c.iter().collect::<String>(), "abcdef");
        }
        let e = gen_err(
            "StringGenerator",
            &[("char_set", s("abc")), ("max_len", Value::Int(4)), ("unique", Value::Bool(true))],
        );
        assert!(e.contains("'unique' needs at least max_len (4) distinct characters"), "{e}");
        let e = gen_err("StringGenerator", &[("char_set", s("[a-z"))]);
        assert!(e.contains("'char_set' '[a-z' is not a valid class"), "{e}");
        let e = gen_err("StringGenerator", &[("char_set", s("[a-z]+x"))]);
        assert!(e.contains("single character class"), "{e}");
        let e = gen_err("StringGenerator", &[("unique", s("maybe"))]);
        assert!(e.contains("'unique' must be True or False"), "{e}");
    }

    #[test]
    fn binary_generator() {
        let g = gen("BinaryGenerator", &[]);
        for v in take(&g, 1, 500) {
            let Value::Bytes(b) = v else { panic!() };
            assert!((1..=16).contains(&b.len()));
        }
        for (mime, magic) in [
            ("image/png", &b"\x89PNG\r\n\x1a\n"[..]),
            ("image/jpeg", b"\xff\xd8\xff"),
            ("gif", b"GIF89a"),
            ("application/pdf", b"%PDF-"),
            ("application/zip", b"PK\x03\x04"),
        ] {
            let g = gen(
                "BinaryGenerator",
                &[("mime_type", s(mime)), ("min_len", Value::Int(20)), ("max_len", Value::Int(30))],
            );
            for v in take(&g, 2, 50) {
                let Value::Bytes(b) = v else { panic!() };
                assert!(b.starts_with(magic) && (20..=30).contains(&b.len()), "{mime}");
            }
        }
        let g = gen("BinaryGenerator", &[("mime_type", s("text/plain")), ("max_len", Value::Int(3))]);
        let Value::Bytes(b) = &take(&g, 2, 1)[0] else { panic!() };
        assert!(b.len() <= 3);
        let e = gen_err("BinaryGenerator", &[("min_len", Value::Int(9)), ("max_len", Value::Int(3))]);
        assert!(e.contains("'min_len' (9) must not exceed max_len (3)"), "{e}");
    }

    #[test]
    fn uuid_generator() {
        let g = gen("UUIDGenerator", &[]);
        let vs = strs(&g, 1000);
        let re = regex::Regex::new("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$").unwrap();
        assert!(vs.iter().all(|v| re.is_match(v)));
        let set: std::collections::HashSet<_> = vs.iter().collect();
        assert_eq!(set.len(), 1000);
        let g = gen("UUIDGenerator", &[("as_string", Value::Bool(false))]);
        assert!(matches!(take(&g, 1, 1)[0], Value::Uuid(_)));
    }

    #[test]
    fn hash_generator() {
        for (alg, len) in [("md5", 32), ("sha1", 40), ("sha256", 64), ("SHA512", 128), ("sha3_256", 64)] {
            let g = gen("HashGenerator", &[("algorithm", s(alg))]);
            let vs = strs(&g, 20);
            assert!(vs.iter().all(|v| v.len() == len && v.bytes().all(|c| c.is_ascii_hexdigit())));
            assert_ne!(vs[0], vs[1]);
        }
        assert_eq!(one(&gen("HashGenerator", &[]), 1).len(), 64);
        let e = gen_err("HashGenerator", &[("algorithm", s("crc32"))]);
        assert!(e.contains("'algorithm' has unsupported value 'crc32'"), "{e}");
    }

    #[test]
    fn token_generator() {
        let v = one(&gen("TokenGenerator", &[]), 1);
        assert!(v.len() == 64 && v.bytes().all(|c| c.is_ascii_hexdigit()));
        let g = gen("TokenGenerator", &[("token_type", s("urlsafe")), ("entropy", Value::Int(32))]);
        let v = one(&g, 1);
        assert_eq!(v.len(), 43);
        assert!(v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        let g = gen("TokenGenerator", &[("token_type", s("bytes")), ("entropy", Value::Int(5))]);
        assert!(matches!(&take(&g, 1, 1)[0], Value::Bytes(b) if b.len() == 5));
        let e = gen_err("TokenGenerator", &[("token_type", s("jwt"))]);
        assert!(e.contains("'token_type' has unsupported value 'jwt'"), "{e}");
        let e = gen_err("TokenGenerator", &[("entropy", Value::Int(0))]);
        assert!(e.contains("'entropy' must be between 1"), "{e}");
    }

    #[test]
    fn password_generator() {
        let has = |p: &str, set: &str| p.chars().any(|c| set.contains(c));
        for p in strs(&gen("PasswordGenerator", &[]), 2000) {
            assert_eq!(p.len(), 16);
            assert!(has(&p, LOWER) && has(&p, UPPER) && has(&p, DIGITS) && has(&p, SPECIAL), "{p}");
        }
        let g = gen(
            "PasswordGenerator",
            &[("length", Value::Int(8)), ("include_special", Value::Bool(false)), ("include_uppercase", Value::Bool(false))],
        );
        for p in strs(&g, 1000) {
            assert_eq!(p.len(), 8);
            assert!(p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()), "{p}");
            assert!(has(&p, DIGITS));
        }
        let g = gen("PasswordGenerator", &[("length", Value::Int(4))]);
        assert_eq!(one(&g, 1).len(), 8);
        let e = gen_err("PasswordGenerator", &[("length", Value::Int(0))]);
        assert!(e.contains("'length' must be between 1"), "{e}");
        let e = gen_err("PasswordGenerator", &[("include_numbers", s("perhaps"))]);
        assert!(e.contains("'include_numbers' must be True or False"), "{e}");
    }

    #[test]
    fn prefixed_id_generator() {
        let g = gen(
            "PrefixedIdGenerator",
            &[("prefix", s("ORD")), ("body_pattern", s("[0-9A-F]{6}"))],
        );
        let re = regex::Regex::new("^ORD-[0-9A-F]{6}$").unwrap();
        let vs = strs(&g, 200);
        assert!(vs.iter().all(|v| re.is_match(v)), "{vs:?}");
        assert!(vs.iter().collect::<std::collections::HashSet<_>>().len() > 190);
        let v = one(&gen("PrefixedIdGenerator", &[("prefix", s("INV")), ("separator", s("_"))]), 3);
        assert!(regex::Regex::new("^INV_[0-9]{6}$").unwrap().is_match(&v), "{v}");
        let g = super::super::construct("PrefixedIdGenerator", &[s("X"), s("[a-c]{2,4}")], &[], &cfg()).unwrap();
        let re = regex::Regex::new("^X-[a-c]{2,4}$").unwrap();
        assert!(strs(&g, 100).iter().all(|v| re.is_match(v)));
        let e = gen_err("PrefixedIdGenerator", &[]);
        assert!(e.contains("'prefix' is required"), "{e}");
        let e = gen_err("PrefixedIdGenerator", &[("prefix", s("A")), ("body_pattern", s("[0-9"))]);
        assert!(e.contains("'body_pattern' '[0-9' is not a valid pattern"), "{e}");
    }

    #[test]
    fn color_generator() {
        let re = regex::Regex::new("^#[0-9a-f]{6}$").unwrap();
        assert!(strs(&gen("ColorGenerator", &[]), 100).iter().all(|v| re.is_match(v)));
        let re = regex::Regex::new(r"^rgb\((\d{1,3}),(\d{1,3}),(\d{1,3})\)$").unwrap();
        for v in strs(&gen("ColorGenerator", &[("format_type", s("rgb"))]), 200) {
            let c = re.captures(&v).expect(&v);
            assert!((1..=3).all(|i| c[i].parse::<u32>().unwrap() < 256));
        }
        for v in strs(&gen("ColorGenerator", &[("format_type", s("name"))]), 50) {
            assert!(COLOR_NAMES.contains(&v.as_str()));
        }
        let e = gen_err("ColorGenerator", &[("format_type", s("cmyk"))]);
        assert!(e.contains("'format_type' has unsupported value 'cmyk'"), "{e}");
    }

    #[test]
    fn same_seed_same_text() {
        for name in ["StringGenerator", "UUIDGenerator", "PasswordGenerator", "TokenGenerator"] {
            let g = gen(name, &[]);
            assert_eq!(reprs(&g, 3, 10), reprs(&g, 3, 10));
            assert_ne!(reprs(&g, 3, 10), reprs(&g, 4, 10));
        }
    }
}
