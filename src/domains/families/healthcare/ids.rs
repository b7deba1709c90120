//! Identifiers of the healthcare family, each valid under its issuing scheme: US NPI (Luhn over
//! the `80840` prefix) and SSN (SSA rules), German KVNR (health insurance number) and LANR
//! (physician number), Vietnamese CCCD (citizen identity number) and BHYT card number.

use jiff::civil::Date;

use crate::domains::determinism::Stream;

fn digit(s: &mut Stream) -> char {
    (b'0' + s.below(10) as u8) as char
}

/// `n` random decimal digits.
pub fn digits(s: &mut Stream, n: usize) -> String {
    (0..n).map(|_| digit(s)).collect()
}

/// `n` random upper-case letters.
pub fn letters(s: &mut Stream, n: usize) -> String {
    (0..n).map(|_| (b'A' + s.below(26) as u8) as char).collect()
}

/// `n` random upper-case hexadecimal digits.
pub fn hex_upper(s: &mut Stream, n: usize) -> String {
    const H: &[u8; 16] = b"0123456789ABCDEF";
    (0..n).map(|_| H[s.below(16) as usize] as char).collect()
}

/// Luhn check digit for a digit string (the digit that makes `body + check` pass).
pub fn luhn_check_digit(body: &str) -> u32 {
    let mut sum = 0;
    for (i, c) in body.chars().rev().enumerate() {
        let mut d = c.to_digit(10).unwrap_or(0);
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    (10 - sum % 10) % 10
}

/// Whether a digit string passes the Luhn check.
pub fn luhn_valid(number: &str) -> bool {
    let Some((body, last)) = number.len().checked_sub(1).map(|i| number.split_at(i)) else { return false };
    number.chars().all(|c| c.is_ascii_digit()) && last.parse::<u32>().ok() == Some(luhn_check_digit(body))
}

/// A US National Provider Identifier: 10 digits, first 1 or 2, last = Luhn check over `80840`
/// followed by the first nine digits.
pub fn npi(s: &mut Stream) -> String {
    let body = format!("{}{}", 1 + s.below(2), digits(s, 8));
    let check = luhn_check_digit(&format!("80840{body}"));
    format!("{body}{check}")
}

pub fn npi_valid(n: &str) -> bool {
    n.len() == 10 && (n.starts_with('1') || n.starts_with('2')) && luhn_valid(&format!("80840{n}"))
}

/// A US Social Security number `AAA-GG-SSSS` that the SSA could have issued: area 001-899
/// without 666, group 01-99, serial 0001-9999, and none of the numbers known to be void
/// (advertising numbers 987-65-4320..4329, 078-05-1120, 219-09-9999).
pub fn ssn(s: &mut Stream) -> String {
    loop {
        let area = s.range_i64(1, 899);
        let group = s.range_i64(1, 99);
        let serial = s.range_i64(1, 9999);
        let v = format!("{area:03}-{group:02}-{serial:04}");
        if ssn_valid(&v) {
            return v;
        }
    }
}

pub fn ssn_valid(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    if parts.len() != 3
        || parts.iter().zip([3, 2, 4]).any(|(p, n)| p.len() != n || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    let (a, g, sn): (u32, u32, u32) =
        (parts[0].parse().unwrap_or(0), parts[1].parse().unwrap_or(0), parts[2].parse().unwrap_or(0));
    let void = matches!(v, "078-05-1120" | "219-09-9999") || (a == 987 && g == 65 && (4320..=4329).contains(&sn));
    a != 0 && a != 666 && a < 900 && g != 0 && sn != 0 && !void
}

/// KVNR check digit: the letter as its two-digit alphabet position, then the eight digits;
/// weights 1,2,1,2,…; two-digit products replaced by their digit sum; sum modulo 10.
pub fn kvnr_check_digit(letter: char, eight: &str) -> u32 {
    let pos = (letter as u32).saturating_sub('A' as u32) + 1;
    let all = format!("{pos:02}{eight}");
    all.chars()
        .enumerate()
        .map(|(i, c)| {
            let p = c.to_digit(10).unwrap_or(0) * if i % 2 == 0 { 1 } else { 2 };
            p / 10 + p % 10
        })
        .sum::<u32>()
        % 10
}

/// A German health insurance number (Krankenversichertennummer, unchangeable part): one
/// upper-case letter, eight digits and a check digit.
pub fn kvnr(s: &mut Stream) -> String {
    let letter = (b'A' + s.below(26) as u8) as char;
    let eight = digits(s, 8);
    let check = kvnr_check_digit(letter, &eight);
    format!("{letter}{eight}{check}")
}

pub fn kvnr_valid(v: &str) -> bool {
    let mut cs = v.chars();
    match cs.next() {
        Some(l) if l.is_ascii_uppercase() && v.len() == 10 && v[1..].bytes().all(|b| b.is_ascii_digit()) => {
            v[9..].parse::<u32>().ok() == Some(kvnr_check_digit(l, &v[1..9]))
        }
        _ => false,
    }
}

/// LANR check digit: the first six digits weighted 4,9,4,9,4,9; `(10 - sum mod 10) mod 10`.
pub fn lanr_check_digit(six: &str) -> u32 {
    let sum: u32 =
        six.chars().enumerate().map(|(i, c)| c.to_digit(10).unwrap_or(0) * if i % 2 == 0 { 4 } else { 9 }).sum();
    (10 - sum % 10) % 10
}

/// A German lifelong physician number (lebenslange Arztnummer): six digits, check digit, two-digit
/// physician-group key.
pub fn lanr(s: &mut Stream, group: &str) -> String {
    let six = format!("{}{}", 1 + s.below(9), digits(s, 5));
    format!("{six}{}{group}", lanr_check_digit(&six))
}

pub fn lanr_valid(v: &str) -> bool {
    v.len() == 9
        && v.bytes().all(|b| b.is_ascii_digit())
        && v[6..7].parse::<u32>().ok() == Some(lanr_check_digit(&v[..6]))
}

/// A Vietnamese citizen identity number (CCCD): province code (3 digits), sex/century digit
/// (0/1 male/female born 1900-1999, 2/3 born 2000-2099), birth year (2 digits), 6 digits.
pub fn cccd(s: &mut Stream, province: &str, female: bool, birth: Date) -> String {
    let century = if birth.year() >= 2000 { 2 } else { 0 };
    let sex = century + u32::from(female);
    format!("{province}{sex}{:02}{}", birth.year().rem_euclid(100), digits(s, 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npi_matches_the_published_example() {
        // CMS example: 123456789 -> check digit 3 (Luhn over 80840123456789).
        assert_eq!(luhn_check_digit("80840123456789"), 3);
        assert!(npi_valid("1234567893"));
        assert!(!npi_valid("1234567890"));
        let mut s = Stream::new(1);
        for _ in 0..10_000 {
            let n = npi(&mut s);
            assert!(npi_valid(&n), "{n}");
        }
    }

    #[test]
    fn ssns_follow_ssa_rules() {
        let mut s = Stream::new(2);
        for _ in 0..10_000 {
            let v = ssn(&mut s);
            assert!(ssn_valid(&v), "{v}");
        }
        for bad in ["000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000", "987-65-4321"] {
            assert!(!ssn_valid(bad), "{bad}");
        }
    }

    #[test]
    fn kvnr_and_lanr_check_digits() {
        let mut s = Stream::new(3);
        for _ in 0..10_000 {
            let k = kvnr(&mut s);
            assert!(kvnr_valid(&k), "{k}");
            let l = lanr(&mut s, "01");
            assert!(lanr_valid(&l), "{l}");
        }
        // A single changed digit breaks both checks.
        assert!(!kvnr_valid("A123456789") || !kvnr_valid("A123456788"));
        // LANR example: 123456 -> 4+18+12+36+20+54 = 144 -> check 6.
        assert_eq!(lanr_check_digit("123456"), 6);
    }

    #[test]
    fn cccd_encodes_sex_century_and_year() {
        let mut s = Stream::new(4);
        let d = jiff::civil::date(1987, 5, 2);
        let v = cccd(&mut s, "079", true, d);
        assert_eq!(&v[..6], "079187");
        assert_eq!(v.len(), 12);
        let v = cccd(&mut s, "001", false, jiff::civil::date(2004, 1, 1));
        assert_eq!(&v[..6], "001204");
    }
}
