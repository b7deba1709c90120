//! Canonical JSON (domains.md §3.2): object keys sorted recursively by code point, no
//! whitespace, UTF-8 with non-ASCII characters kept, strings escaped as JSON requires (`"`,
//! `\`, control characters). Hashes are lower-case hex SHA-256 of these bytes.

use serde_json::Value as Json;

use crate::domains::determinism::sha256_hex;

/// The canonical text of a JSON value.
pub fn to_string(v: &Json) -> String {
    let mut out = String::with_capacity(256);
    write(v, &mut out);
    out
}

/// Lower-case hex SHA-256 of the canonical text.
pub fn hash(v: &Json) -> String {
    sha256_hex(to_string(v).as_bytes())
}

/// The value with every object's keys in canonical order (for indented output).
pub fn sorted(v: &Json) -> Json {
    match v {
        Json::Array(a) => Json::Array(a.iter().map(sorted).collect()),
        Json::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_unstable();
            Json::Object(keys.into_iter().filter_map(|k| m.get(k).map(|x| (k.clone(), sorted(x)))).collect())
        }
        other => other.clone(),
    }
}

fn write(v: &Json, out: &mut String) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(&n.to_string()),
        Json::String(s) => string(s, out),
        Json::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(x, out);
            }
            out.push(']');
        }
        Json::Object(m) => {
            // Sorted by the UTF-8 bytes of the key, which is code-point order.
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_unstable();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, out);
                out.push(':');
                if let Some(x) = m.get(k) {
                    write(x, out);
                }
            }
            out.push('}');
        }
    }
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_recursively_without_spaces() {
        let v = json!({"b": 1, "a": {"z": [1, {"y": null, "x": true}], "é": "ä\n\"q\u{1}"}});
        assert_eq!(to_string(&v), r#"{"a":{"z":[1,{"x":true,"y":null}],"é":"ä\n\"q\u0001"},"b":1}"#);
    }

    #[test]
    fn hash_is_sha256_of_the_canonical_text() {
        let v = json!({"seed": 42});
        assert_eq!(hash(&v), sha256_hex(br#"{"seed":42}"#));
        assert_eq!(hash(&v).len(), 64);
    }
}
