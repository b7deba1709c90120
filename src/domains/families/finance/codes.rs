//! Banking identifiers: IBAN (ISO 13616, mod-97), BIC (ISO 9362), ABA routing numbers and
//! card numbers (ISO/IEC 7812, Luhn). Builders and validators are kept side by side so that
//! every generated identifier can be checked with the rule it was built from.

use crate::domains::determinism::Stream;

/// IBAN lengths of the countries we know (ISO 13616 registry).
pub fn iban_length(country: &str) -> Option<usize> {
    Some(match country {
        "DE" => 22,
        "AT" => 20,
        "BE" => 16,
        "CH" => 21,
        "ES" => 24,
        "FR" => 27,
        "GB" => 22,
        "IT" => 27,
        "NL" => 18,
        "PL" => 28,
        _ => return None,
    })
}

/// The IBAN value of `CC kk BBAN` modulo 97 (first four characters moved to the end, letters as
/// 10..35); `None` when a character is not alphanumeric.
fn iban_mod97(rearranged: impl Iterator<Item = char>) -> Option<u32> {
    let mut r: u32 = 0;
    for c in rearranged {
        let v = c.to_digit(36)?;
        r = if v < 10 { (r * 10 + v) % 97 } else { (r * 100 + v) % 97 };
    }
    Some(r)
}

/// Builds an IBAN from country code and BBAN: check digits `98 - (n mod 97)` with `kk = 00`.
pub fn iban(country: &str, bban: &str) -> String {
    let r = iban_mod97(bban.chars().chain(country.chars()).chain("00".chars())).unwrap_or(0);
    format!("{country}{:02}{bban}", 98 - r)
}

/// A German IBAN: 8-digit Bankleitzahl + 10-digit account number (zero-padded).
pub fn iban_de(blz: &str, account: &str) -> String {
    iban("DE", &format!("{blz}{account:0>10}"))
}

/// True when the IBAN has its country's length and the mod-97 check holds.
pub fn iban_valid(s: &str) -> bool {
    let s = s.trim();
    if s.len() < 5 || !s.is_ascii() {
        return false;
    }
    if !s[..2].bytes().all(|b| b.is_ascii_uppercase()) || !s[2..4].bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if let Some(n) = iban_length(&s[..2]) {
        if s.len() != n {
            return false;
        }
    }
    iban_mod97(s[4..].chars().chain(s[..4].chars())) == Some(1)
}

/// ISO 9362: 4 letters (bank) + 2 letters (country) + 2 alphanumerics (location), optionally
/// + 3 alphanumerics (branch).
pub fn bic_valid(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(|c| c.is_ascii_uppercase())
        && b[6..].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// The country of a BIC (characters 5-6).
pub fn bic_country(s: &str) -> &str {
    s.get(4..6).unwrap_or("")
}

/// ABA routing number checksum: `3(d1+d4+d7) + 7(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10)`.
pub fn aba_valid(s: &str) -> bool {
    let d: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 9 || s.len() != 9 {
        return false;
    }
    (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])).is_multiple_of(10)
}

/// The Luhn check digit for a payload of digits.
pub fn luhn_digit(payload: &str) -> char {
    let mut sum = 0u32;
    // Doubling starts with the rightmost payload digit (the check digit will follow it).
    for (i, c) in payload.bytes().rev().enumerate() {
        let mut d = (c - b'0') as u32;
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// True when all characters are digits and the Luhn sum is 0 mod 10.
pub fn luhn_valid(s: &str) -> bool {
    if s.len() < 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    luhn_digit(&s[..s.len() - 1]) == s.chars().last().unwrap_or('x')
}

/// `n` random digits; the first one from `first_min..=9`.
pub fn digits(st: &mut Stream, n: usize, first_min: u8) -> String {
    (0..n)
        .map(|i| {
            let lo = if i == 0 { first_min as i64 } else { 0 };
            char::from(b'0' + st.range_i64(lo, 9) as u8)
        })
        .collect()
}

/// A card number: `prefix` + random digits up to `len - 1` + Luhn check digit.
pub fn card_number(st: &mut Stream, prefix: &str, len: usize) -> String {
    let mut s = prefix.to_string();
    let body = len.saturating_sub(prefix.len() + 1);
    s.push_str(&digits(st, body, 0));
    let check = luhn_digit(&s);
    s.push(check);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_identifiers_validate() {
        // The IBAN of ISO 13616's German example.
        assert!(iban_valid("DE89370400440532013000"));
        assert_eq!(iban_de("37040044", "532013000"), "DE89370400440532013000");
        assert!(!iban_valid("DE89370400440532013001"));
        assert!(!iban_valid("DE8937040044053201300"));
        assert!(iban_valid("GB82WEST12345698765432"));
        assert!(aba_valid("021000021"));
        assert!(!aba_valid("021000022"));
        assert!(luhn_valid("4111111111111111"));
        assert!(luhn_valid("378282246310005"));
        assert!(!luhn_valid("4111111111111112"));
        assert!(bic_valid("DEUTDEFF") && bic_valid("DEUTDEFF500") && !bic_valid("GENODE61MA"));
        assert_eq!(bic_country("BFTVVNVX"), "VN");
    }

    #[test]
    fn built_card_numbers_pass_luhn() {
        let mut st = Stream::new(3);
        for len in [14, 15, 16, 19] {
            for _ in 0..200 {
                let n = card_number(&mut st, "4", len);
                assert_eq!(n.len(), len);
                assert!(luhn_valid(&n), "{n}");
            }
        }
    }
}
