//! Identifiers with check digits or issuing rules: `EANGenerator` (EAN-13), `CPFGenerator` and
//! `CNPJGenerator` (Brazilian person and company numbers) and `SSNGenerator` (US social
//! security numbers, domains §5).

use super::Args;
use crate::domains::determinism::Stream;
use crate::vm::value::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumGen {
    Ean,
    Cpf,
    Cnpj,
    Ssn,
}

pub(super) fn construct(a: &Args) -> Result<ChecksumGen, String> {
    Ok(match a.name() {
        "EANGenerator" => {
            // The locale only chose Faker's provider in 4.3.0; EAN-13 is the same everywhere.
            a.string("locale")?;
            ChecksumGen::Ean
        }
        "SSNGenerator" => {
            a.string("locale")?;
            ChecksumGen::Ssn
        }
        "CPFGenerator" => ChecksumGen::Cpf,
        _ => ChecksumGen::Cnpj,
    })
}

fn digits(rng: &mut Stream, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.below(10) as u8).collect()
}

/// EAN-13 check digit of 12 digits: weights 1,3,1,3,… from the left.
pub(crate) fn ean_check(d: &[u8]) -> u8 {
    let s: u32 = d.iter().enumerate().map(|(i, x)| *x as u32 * if i % 2 == 0 { 1 } else { 3 }).sum();
    ((10 - s % 10) % 10) as u8
}

/// Mod-11 check digit used by CPF and CNPJ: `r = Σ dᵢ·wᵢ mod 11`, digit `0` if `r < 2`,
/// else `11 − r`.
fn mod11(d: &[u8], weights: &[u32]) -> u8 {
    let s: u32 = d.iter().zip(weights).map(|(x, w)| *x as u32 * w).sum();
    let r = s % 11;
    if r < 2 {
        0
    } else {
        (11 - r) as u8
    }
}

fn text(d: &[u8]) -> String {
    d.iter().map(|x| (b'0' + x) as char).collect()
}

/// `d.len()` decimal digits of `k`, most significant first.
fn digits_of(mut k: u64, n: usize) -> Vec<u8> {
    let mut d = vec![0u8; n];
    for x in d.iter_mut().rev() {
        *x = (k % 10) as u8;
        k /= 10;
    }
    d
}

/// Nine-digit CPF bases with nine equal digits are excluded: 111111111 apart.
const CPF_STEP: u64 = 111_111_111;

impl ChecksumGen {
    /// How many distinct values the generator draws from.
    pub(super) fn space(&self) -> u64 {
        match self {
            ChecksumGen::Ean => 1_000_000_000_000,
            // 10^9 bases minus the ten with nine equal digits.
            ChecksumGen::Cpf => 1_000_000_000 - 10,
            ChecksumGen::Cnpj => 100_000_000,
            ChecksumGen::Ssn => 898 * 99 * 9999,
        }
    }

    /// Value number `k < space()`: distinct numbers give distinct values, and every value
    /// `next` draws has a number.
    pub(super) fn nth(&self, k: u64) -> Value {
        let s = match self {
            ChecksumGen::Ean => {
                let mut d = digits_of(k, 12);
                d.push(ean_check(&d));
                text(&d)
            }
            ChecksumGen::Cpf => {
                // Between two excluded bases lie CPF_STEP - 1 valid ones.
                let base = (k / (CPF_STEP - 1)) * CPF_STEP + k % (CPF_STEP - 1) + 1;
                cpf_text(digits_of(base, 9))
            }
            ChecksumGen::Cnpj => cnpj_text(digits_of(k, 8)),
            ChecksumGen::Ssn => {
                let serial = 1 + k % 9999;
                let group = 1 + (k / 9999) % 99;
                let a = 1 + k / (9999 * 99);
                let area = if a >= 666 { a + 1 } else { a };
                format!("{area:03}-{group:02}-{serial:04}")
            }
        };
        Value::from(s)
    }

    pub(super) fn next(&self, rng: &mut Stream) -> Value {
        let s = match self {
            ChecksumGen::Ean => {
                let mut d = digits(rng, 12);
                d.push(ean_check(&d));
                text(&d)
            }
            ChecksumGen::Cpf => {
                // Numbers with nine equal digits pass the arithmetic but are rejected by every
                // validator; draw again.
                cpf_text(loop {
                    let d = digits(rng, 9);
                    if d.iter().any(|x| *x != d[0]) {
                        break d;
                    }
                })
            }
            ChecksumGen::Cnpj => {
                // Eight digits of the company root, branch 0001 (head office), two checks.
                cnpj_text(digits(rng, 8))
            }
            ChecksumGen::Ssn => {
                // Area 001-899 without 666, group 01-99, serial 0001-9999.
                let area = loop {
                    let a = 1 + rng.below(899);
                    if a != 666 {
                        break a;
                    }
                };
                let group = 1 + rng.below(99);
                let serial = 1 + rng.below(9999);
                format!("{area:03}-{group:02}-{serial:04}")
            }
        };
        Value::from(s)
    }
}

/// A CPF from its nine base digits: two mod-11 check digits, written `000.000.000-00`.
fn cpf_text(mut d: Vec<u8>) -> String {
    d.push(mod11(&d, &[10, 9, 8, 7, 6, 5, 4, 3, 2]));
    d.push(mod11(&d, &[11, 10, 9, 8, 7, 6, 5, 4, 3, 2]));
    let t = text(&d);
    format!("{}.{}.{}-{}", &t[0..3], &t[3..6], &t[6..9], &t[9..11])
}

/// A CNPJ from its eight root digits: branch 0001 (head office), two mod-11 check digits,
/// written `00.000.000/0000-00`.
fn cnpj_text(mut d: Vec<u8>) -> String {
    d.extend_from_slice(&[0, 0, 0, 1]);
    d.push(mod11(&d, &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]));
    d.push(mod11(&d, &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]));
    let t = text(&d);
    format!("{}.{}.{}/{}-{}", &t[0..2], &t[2..5], &t[5..8], &t[8..12], &t[12..14])
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::*;

    const DRAWS: u64 = 100_000;

    fn nums(s: &str) -> Vec<u32> {
        s.chars().filter_map(|c| c.to_digit(10)).collect()
    }

    /// EAN-13: the weighted sum of all 13 digits (1,3,1,3,…) is a multiple of 10.
    fn ean_valid(s: &str) -> bool {
        let d = nums(s);
        s.len() == 13
            && d.len() == 13
            && d.iter().enumerate().map(|(i, x)| if i % 2 == 1 { 3 * x } else { *x }).sum::<u32>() % 10 == 0
    }

    /// CPF by the "position-weighted" formulation: dv = (Σ i·dᵢ mod 11) mod 10.
    fn cpf_valid(s: &str) -> bool {
        let b = s.as_bytes();
        if s.len() != 14 || b[3] != b'.' || b[7] != b'.' || b[11] != b'-' {
            return false;
        }
        let d = nums(s);
        if d.len() != 11 || d.iter().all(|x| *x == d[0]) {
            return false;
        }
        let v1: u32 = (1..=9).map(|i| i as u32 * d[i - 1]).sum::<u32>() % 11 % 10;
        let v2: u32 = (1..=10).map(|i| (i as u32 - 1) * d[i - 1]).sum::<u32>() % 11 % 10;
        v1 == d[9] && v2 == d[10]
    }

    /// CNPJ with weights 2..9 cycling from the right.
    fn cnpj_valid(s: &str) -> bool {
        let b = s.as_bytes();
        if s.len() != 18 || b[2] != b'.' || b[6] != b'.' || b[10] != b'/' || b[15] != b'-' {
            return false;
        }
        let d = nums(s);
        if d.len() != 14 || &s[11..15] != "0001" {
            return false;
        }
        let check = |n: usize| {
            let s: u32 = (0..n).map(|k| d[n - 1 - k] * (2 + (k as u32 % 8))).sum();
            let r = s % 11;
            if r < 2 {
                0
            } else {
                11 - r
            }
        };
        check(12) == d[12] && check(13) == d[13]
    }

    fn ssn_valid(s: &str) -> bool {
        let parts: Vec<&str> = s.split('-').collect();
        if parts.len() != 3
            || parts.iter().map(|p| p.len()).collect::<Vec<_>>() != [3, 2, 4]
            || !parts.iter().all(|p| p.bytes().all(|c| c.is_ascii_digit()))
        {
            return false;
        }
        let area: u32 = parts[0].parse().unwrap();
        let group: u32 = parts[1].parse().unwrap();
        let serial: u32 = parts[2].parse().unwrap();
        area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
    }

    fn check_all(name: &str, valid: fn(&str) -> bool) -> usize {
        let g = gen(name, &[]);
        let mut st = GenState::default();
        let mut seen = std::collections::HashSet::new();
        for seed in 0..DRAWS {
            let v = g.next(&mut st, &mut Stream::new(seed), now()).unwrap().unwrap();
            let s = v.as_str().expect("string").to_string();
            assert!(valid(&s), "{name} produced invalid {s}");
            seen.insert(s);
        }
        seen.len()
    }

    /// Numbered values: valid, distinct, and the numbers cover the edges of each space.
    #[test]
    fn numbered_values_are_valid_and_distinct() {
        type Valid = fn(&str) -> bool;
        let cases: [(&str, Valid, u64); 4] = [
            ("EANGenerator", ean_valid, 1_000_000_000_000),
            ("CPFGenerator", cpf_valid, 999_999_990),
            ("CNPJGenerator", cnpj_valid, 100_000_000),
            ("SSNGenerator", ssn_valid, 898 * 99 * 9999),
        ];
        for (name, valid, n) in cases {
            let g = gen(name, &[]);
            assert_eq!(g.unique_space(), Some(n), "{name}");
            let mut ks: Vec<u64> = (0..2000).chain(n - 2000..n).collect();
            ks.extend((1..1000u64).map(|i| i * (n / 1000)));
            // CPF: both sides of every excluded base; SSN: both sides of area 666.
            ks.extend((1..10u64).flat_map(|d| [d * 111_111_110 - 1, d * 111_111_110]));
            ks.extend([665 * 99 * 9999 - 1, 665 * 99 * 9999]);
            ks.retain(|k| *k < n);
            ks.sort_unstable();
            ks.dedup();
            let mut seen = std::collections::HashSet::new();
            for k in &ks {
                let v = g.unique_value(*k).expect("numbered");
                let s = v.as_str().expect("string").to_string();
                assert!(valid(&s), "{name} value {k} is invalid: {s}");
                assert!(seen.insert(s.clone()), "{name} value {k} repeats {s}");
            }
            assert!(g.unique_value(n).is_none(), "{name}: past the space");
        }
        let cpf = gen("CPFGenerator", &[]);
        assert_eq!(cpf.unique_value(0).and_then(|v| v.as_str().map(String::from)).as_deref(), Some("000.000.001-91"));
        let ssn = gen("SSNGenerator", &[]);
        let at = |k: u64| ssn.unique_value(k).and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        assert_eq!(at(665 * 99 * 9999 - 1), "665-99-9999");
        assert_eq!(at(665 * 99 * 9999), "667-01-0001");
        assert_eq!(at(898 * 99 * 9999 - 1), "899-99-9999");
    }

    #[test]
    fn ean_generator_always_valid() {
        assert!(check_all("EANGenerator", ean_valid) > 99_000);
        assert!(ean_valid("5901234123457"));
        assert!(!ean_valid("5901234123458"));
        let g = gen("EANGenerator", &[("locale", s("de_DE"))]);
        assert_eq!(one(&g, 1).len(), 13);
        let e = gen_err("EANGenerator", &[("locale", Value::Int(1))]);
        assert!(e.contains("'locale' must be a string"), "{e}");
    }

    #[test]
    fn cpf_generator_always_valid() {
        assert!(check_all("CPFGenerator", cpf_valid) > 99_000);
        assert!(cpf_valid("529.982.247-25"));
        assert!(!cpf_valid("529.982.247-26"));
        assert!(!cpf_valid("111.111.111-11"));
    }

    #[test]
    fn cnpj_generator_always_valid() {
        assert!(check_all("CNPJGenerator", cnpj_valid) > 99_000);
        assert!(cnpj_valid("11.222.333/0001-81"));
        assert!(!cnpj_valid("11.222.333/0001-82"));
    }

    #[test]
    fn ssn_generator_always_valid() {
        assert!(check_all("SSNGenerator", ssn_valid) > 99_000);
        assert!(!ssn_valid("666-12-1234"));
        assert!(!ssn_valid("900-12-1234"));
        assert!(!ssn_valid("123-00-1234"));
        assert!(!ssn_valid("123-45-0000"));
        let g = gen("SSNGenerator", &[("locale", s("en_US"))]);
        assert!(ssn_valid(&one(&g, 4)));
    }

    #[test]
    fn same_seed_same_numbers() {
        for name in ["EANGenerator", "CPFGenerator", "CNPJGenerator", "SSNGenerator"] {
            let g = gen(name, &[]);
            assert_eq!(reprs(&g, 5, 20), reprs(&g, 5, 20));
        }
    }
}
