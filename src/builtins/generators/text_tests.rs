//! Tests of text generators.

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
    let (lo, hi, _) = lens(&gen("StringGenerator", &[("min_len", Value::Int(10)), ("max_len", Value::Int(20))]));
    assert_eq!((lo, hi), (10, 20));
    let e = gen_err("StringGenerator", &[("min_len", Value::Int(5)), ("max_len", Value::Int(2))]);
    assert!(e.contains("'min_len' (5) must not exceed max_len (2)"), "{e}");
    let e = gen_err("StringGenerator", &[("min_len", Value::Int(-1))]);
    assert!(e.contains("'min_len' must be >= 0"), "{e}");
}

#[test]
fn string_generator_char_sets_unique_and_affixes() {
    let g =
        gen("StringGenerator", &[("char_set", s("[A-F0-9]")), ("min_len", Value::Int(8)), ("max_len", Value::Int(8))]);
    for v in strs(&g, 500) {
        assert_eq!(v.len(), 8);
        assert!(v.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()), "{v}");
    }
    let g = gen("StringGenerator", &[("char_set", s("\\d")), ("min_len", Value::Int(4)), ("max_len", Value::Int(4))]);
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
        &[
            ("char_set", s("abcdef")),
            ("min_len", Value::Int(6)),
            ("max_len", Value::Int(6)),
            ("unique", Value::Bool(true)),
        ],
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
        let g =
            gen("BinaryGenerator", &[("mime_type", s(mime)), ("min_len", Value::Int(20)), ("max_len", Value::Int(30))]);
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
        &[
            ("length", Value::Int(8)),
            ("include_special", Value::Bool(false)),
            ("include_uppercase", Value::Bool(false)),
        ],
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
    let g = gen("PrefixedIdGenerator", &[("prefix", s("ORD")), ("body_pattern", s("[0-9A-F]{6}"))]);
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
