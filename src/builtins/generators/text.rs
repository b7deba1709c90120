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
    "red", "green", "blue", "yellow", "purple", "orange", "black", "white", "brown", "gray", "pink", "cyan", "magenta",
    "silver", "gold", "navy", "olive", "maroon", "lime", "teal", "indigo", "violet", "coral", "crimson",
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
        /// `chars` as bytes when every one is ASCII (the text is then built on the stack).
        ascii: Option<Vec<u8>>,
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
        return Err(a.fail("min_len", format_args!("({lo}) must not exceed max_len ({hi})")));
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
                        a.fail("char_set", format_args!("'{s}' must be a single character class such as [A-Z0-9]"))
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
                    format_args!("needs at least max_len ({max}) distinct characters, char_set has {}", chars.len()),
                ));
            }
            TextGen::Str {
                min,
                max,
                ascii: chars.iter().all(char::is_ascii).then(|| chars.iter().map(|c| *c as u8).collect()),
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
        "UUIDGenerator" => TextGen::Uuid { as_string: a.boolean("as_string")?.unwrap_or(true) },
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
            TextGen::Token { kind, entropy: entropy as usize }
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
            TextGen::Password { length: (length as usize).max(8), sets }
        }
        "PrefixedIdGenerator" => {
            let prefix = a.string("prefix")?.ok_or_else(|| a.fail("prefix", "is required (e.g. prefix='ORD')"))?;
            let src = a.string("body_pattern")?.unwrap_or_else(|| "[0-9]{6}".into());
            let body = Pattern::parse(&src)
                .map_err(|e| a.fail("body_pattern", format_args!("'{src}' is not a valid pattern: {e}")))?;
            TextGen::PrefixedId { prefix, body, separator: a.string("separator")?.unwrap_or_else(|| "-".into()) }
        }
        _ => {
            let name = a.string("format_type")?.unwrap_or_else(|| "hex".into());
            TextGen::Color(match name.to_ascii_lowercase().as_str() {
                "hex" => ColorFormat::Hex,
                "rgb" => ColorFormat::Rgb,
                "name" => ColorFormat::Name,
                _ => {
                    return Err(
                        a.fail("format_type", format_args!("has unsupported value '{name}' (use hex, rgb or name)"))
                    )
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
    /// The kinds whose text is made on the stack: plain ASCII strings of at most 64
    /// characters and UUID strings.
    #[inline(always)]
    fn inline_kind(&self) -> Option<Inline<'_>> {
        match self {
            TextGen::Str { min, max, ascii: Some(bytes), unique: false, prefix, suffix, .. }
                if *max <= 64 && prefix.is_empty() && suffix.is_empty() =>
            {
                Some(Inline::Ascii { bytes, min: *min, max: *max })
            }
            TextGen::Uuid { as_string: true } => Some(Inline::Uuid),
            _ => None,
        }
    }

    /// The next value. The common plain strings and UUIDs are made inline (their value is
    /// built where the caller keeps it, with one allocation); the rest in `next_other`.
    #[inline(always)]
    pub(super) fn next(&self, rng: &mut Stream) -> Value {
        let mut buf = [0u8; 64];
        match self.inline_kind() {
            Some(k) => Value::from(k.text(rng, &mut buf)),
            None => self.next_other(rng),
        }
    }

    /// [`TextGen::next`]'s text written into `out` for plain strings and UUID strings;
    /// `None` (nothing drawn) for the other kinds.
    #[inline(always)]
    pub(super) fn next_text(&self, rng: &mut Stream, out: &mut String) -> Option<bool> {
        let mut buf = [0u8; 64];
        out.push_str(self.inline_kind()?.text(rng, &mut buf));
        Some(true)
    }

    /// The bytes [`TextGen::next_text`] can write, when it writes text at all.
    pub(super) fn text_alphabet(&self) -> Option<Vec<u8>> {
        Some(match self.inline_kind()? {
            Inline::Ascii { bytes, .. } => bytes.to_vec(),
            Inline::Uuid => b"0123456789abcdef-".to_vec(),
        })
    }

    #[inline(never)]
    fn next_other(&self, rng: &mut Stream) -> Value {
        match self {
            TextGen::Str { min, max, chars, unique, prefix, suffix, .. } => {
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
                    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
                    Value::from(&*u.hyphenated().encode_lower(&mut buf))
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
                    TokenKind::UrlSafe => Value::from(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&data)),
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
            TextGen::PrefixedId { prefix, body, separator } => Value::from(format!(
                "{prefix}{separator}{}",
                body.generate_full(rng, crate::builtins::pattern::FULL_REPEAT)
            )),
            TextGen::Color(fmt) => {
                let (r, g, b) = (rng.below(256), rng.below(256), rng.below(256));
                Value::from(match fmt {
                    ColorFormat::Hex => format!("#{r:02x}{g:02x}{b:02x}"),
                    ColorFormat::Rgb => format!("rgb({r},{g},{b})"),
                    ColorFormat::Name => COLOR_NAMES[rng.below(COLOR_NAMES.len() as u64) as usize].to_string(),
                })
            }
        }
    }
}

/// See [`TextGen::inline_kind`].
enum Inline<'a> {
    Ascii { bytes: &'a [u8], min: usize, max: usize },
    Uuid,
}

impl Inline<'_> {
    /// The next text, in `buf`: a plain string of `min..=max` characters drawn from the ASCII
    /// `bytes`, or a random (version 4) UUID, lower-case and hyphenated.
    #[inline(always)]
    fn text<'b>(&self, rng: &mut Stream, buf: &'b mut [u8; 64]) -> &'b str {
        match *self {
            Inline::Ascii { bytes, min, max } => {
                let len = (min + rng.below((max - min) as u64 + 1) as usize).min(64);
                for b in buf.iter_mut().take(len) {
                    *b = bytes[rng.below(bytes.len() as u64) as usize];
                }
                std::str::from_utf8(&buf[..len]).unwrap_or_default()
            }
            Inline::Uuid => {
                let u = uuid::Uuid::from_u128(rng.uuid_v4());
                let (h, _) = buf.split_at_mut(uuid::fmt::Hyphenated::LENGTH);
                u.hyphenated().encode_lower(h)
            }
        }
    }
}

#[cfg(test)]
#[path = "text_tests.rs"]
mod tests;
