//! The domain facade (domains.md §3.2-§3.4): a JSON request in, a JSON response out, for the
//! domains `person`, `address`, `patient` and `doctor`.
//!
//! ```text
//! {"domain":"person","version":"v1","count":2,"seed":42,"locale":"en_US",
//!  "clock":"2025-01-01T12:00:00Z","constraints":{"age":{"min":30,"max":40}}}
//! ```
//!
//! * The request hash is the SHA-256 of the canonical request ([`canonical`]).
//! * The seed is canonicalised as the reference does: an integer is itself, an all-digit string
//!   its integer, any other string the first 8 bytes (big-endian) of its SHA-256.
//! * Item *i* is generated from the key `mix(facade_root(seed, domain, pack), i)`
//!   ([`facade_item_key`]) with one stream per field concept, so it does not depend on `count`
//!   nor on any other item. A patient is the person of the same index (its `person_id` is that
//!   person's `id`); a doctor is never one of the persons.
//! * Ids are UUIDv5 under `uuid5(NAMESPACE_URL, "datamimic:{domain}:v1")` of
//!   `"{locale}::{seed}::{i}"`: an id names the slot, the record in it also follows the clock and
//!   the constraints.
//! * The response is canonical JSON; `content_hash` is the SHA-256 of the canonical items.

pub mod canonical;
mod constraints;
mod items;
pub mod profiles;

use std::fmt;

use serde_json::{json, Map as JsonMap, Value as Json};
use sha2::{Digest, Sha256};

use crate::domains::determinism::{facade_item_key, facade_root, sha256_hex};
use crate::domains::locale::locale;

pub use constraints::Constraints;

/// The domains the facade serves.
pub const DOMAINS: &[&str] = &["person", "address", "patient", "doctor"];
/// The locales the facade serves (complete packs only) and their packs.
pub const LOCALES: &[(&str, &str)] = &[("en_US", "US"), ("de_DE", "DE"), ("vi_VN", "VN")];
/// The largest `count` of one request.
pub const MAX_COUNT: i64 = 1000;
/// The `algorithm` of the determinism proof.
pub const ALGORITHM: &str = "uuid5+sha256+xoshiro256pp";

/// The seed as the request gave it (`42` and `"42"` give the same items, different hashes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestSeed {
    Int(i128),
    Text(String),
}

impl RequestSeed {
    /// `str(derived_seed)`: an integer is itself, an all-digit string its integer, any other
    /// string the first 8 bytes (big-endian) of its SHA-256 as an unsigned integer.
    pub fn canonical(&self) -> String {
        match self {
            RequestSeed::Int(i) => i.to_string(),
            RequestSeed::Text(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                let t = s.trim_start_matches('0');
                if t.is_empty() {
                    "0".to_string()
                } else {
                    t.to_string()
                }
            }
            RequestSeed::Text(s) => {
                let d = Sha256::digest(s.as_bytes());
                let mut b = [0u8; 8];
                b.copy_from_slice(&d[..8]);
                u64::from_be_bytes(b).to_string()
            }
        }
    }

    fn to_json(&self) -> Json {
        match self {
            RequestSeed::Int(i) => match (i64::try_from(*i), u64::try_from(*i)) {
                (Ok(v), _) => json!(v),
                (_, Ok(v)) => json!(v),
                _ => json!(i.to_string()),
            },
            RequestSeed::Text(s) => json!(s),
        }
    }
}

/// A facade request.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub domain: String,
    pub version: String,
    pub count: i64,
    pub seed: RequestSeed,
    pub locale: String,
    /// RFC 3339 date-time (`2025-01-01T12:00:00Z`); the "now" ages are computed at.
    pub clock: String,
    /// Domain-specific constraints, as given.
    pub constraints: Option<JsonMap<String, Json>>,
}

/// The error codes of domains.md §3.3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    UnsupportedDomain,
    SchemaValidationFailed,
    InvalidCount,
    UnsupportedLocale,
    InvalidConstraints,
    InvalidProfileSelector,
    InvalidProfileId,
    InvalidComponentId,
    UnsupportedComponentVersion,
    UnsupportedComponentDataset,
    MissingComponentDataset,
    UnknownComponent,
    InvalidComponentConstraints,
    UnknownProfile,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::UnsupportedDomain => "unsupported_domain",
            ErrorCode::SchemaValidationFailed => "schema_validation_failed",
            ErrorCode::InvalidCount => "invalid_count",
            ErrorCode::UnsupportedLocale => "unsupported_locale",
            ErrorCode::InvalidConstraints => "invalid_constraints",
            ErrorCode::InvalidProfileSelector => "invalid_profile_selector",
            ErrorCode::InvalidProfileId => "invalid_profile_id",
            ErrorCode::InvalidComponentId => "invalid_component_id",
            ErrorCode::UnsupportedComponentVersion => "unsupported_component_version",
            ErrorCode::UnsupportedComponentDataset => "unsupported_component_dataset",
            ErrorCode::MissingComponentDataset => "missing_component_dataset",
            ErrorCode::UnknownComponent => "unknown_component",
            ErrorCode::InvalidComponentConstraints => "invalid_component_constraints",
            ErrorCode::UnknownProfile => "unknown_profile",
        }
    }
}

/// A rejected request: `{code, message, hint?, path, request_hash, details?}`.
#[derive(Clone, Debug, PartialEq)]
pub struct FacadeError {
    pub code: ErrorCode,
    pub message: String,
    pub hint: Option<String>,
    /// JSON Pointer of the offending part of the request (`""` = the whole request).
    pub path: String,
    /// SHA-256 of the canonical request; of the raw bytes when they are not JSON.
    pub request_hash: String,
    pub details: Option<Box<Json>>,
}

impl FacadeError {
    pub fn to_json(&self) -> Json {
        let mut m = JsonMap::new();
        m.insert("code".into(), json!(self.code.as_str()));
        m.insert("message".into(), json!(self.message));
        if let Some(h) = &self.hint {
            m.insert("hint".into(), json!(h));
        }
        m.insert("path".into(), json!(self.path));
        m.insert("request_hash".into(), json!(self.request_hash));
        if let Some(d) = &self.details {
            m.insert("details".into(), (**d).clone());
        }
        Json::Object(m)
    }

    /// The canonical JSON text of the error.
    pub fn to_canonical(&self) -> String {
        canonical::to_string(&self.to_json())
    }
}

impl fmt::Display for FacadeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)?;
        if !self.path.is_empty() {
            write!(f, " (at {})", self.path)?;
        }
        Ok(())
    }
}

impl std::error::Error for FacadeError {}

/// An error before the request hash is known.
#[derive(Debug)]
pub(crate) struct Fail {
    pub code: ErrorCode,
    pub message: String,
    pub hint: Option<String>,
    pub path: String,
    pub details: Option<Box<Json>>,
}

impl Fail {
    pub fn new(code: ErrorCode, path: &str, message: impl Into<String>) -> Fail {
        Fail { code, message: message.into(), hint: None, path: path.to_string(), details: None }
    }

    pub fn hint(mut self, h: impl Into<String>) -> Fail {
        self.hint = Some(h.into());
        self
    }

    pub fn details(mut self, d: Json) -> Fail {
        self.details = Some(Box::new(d));
        self
    }

    fn with_hash(self, request_hash: &str) -> FacadeError {
        FacadeError {
            code: self.code,
            message: self.message,
            hint: self.hint,
            path: self.path,
            request_hash: request_hash.to_string(),
            details: self.details,
        }
    }
}

/// `determinism_proof` of a response.
#[derive(Clone, Debug, PartialEq)]
pub struct Proof {
    pub algorithm: &'static str,
    pub seed_canonical: String,
    /// SHA-256 of the canonical `items`.
    pub content_hash: String,
    pub engine_version: &'static str,
    /// Version of the locale pack the items come from.
    pub pack_version: String,
}

/// A facade response.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub domain: String,
    pub version: String,
    pub request_hash: String,
    pub items: Vec<Json>,
    pub determinism_proof: Proof,
}

impl Response {
    pub fn to_json(&self) -> Json {
        let p = &self.determinism_proof;
        json!({
            "domain": self.domain,
            "version": self.version,
            "request_hash": self.request_hash,
            "items": self.items,
            "determinism_proof": {
                "algorithm": p.algorithm,
                "seed_canonical": p.seed_canonical,
                "content_hash": p.content_hash,
                "engine_version": p.engine_version,
                "pack_version": p.pack_version,
            },
        })
    }

    /// The canonical JSON text of the response (byte-identical for identical requests).
    pub fn to_canonical(&self) -> String {
        canonical::to_string(&self.to_json())
    }
}

const FIELDS: &[&str] = &["domain", "version", "count", "seed", "locale", "clock", "constraints"];

fn schema_fail(path: &str, message: impl Into<String>) -> Fail {
    Fail::new(ErrorCode::SchemaValidationFailed, path, message)
}

impl Request {
    /// Parses a request from raw bytes (UTF-8 JSON); bytes that are not UTF-8 are
    /// `invalid_request`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Request, FacadeError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Request::from_json(text),
            Err(e) => Err(Fail::new(ErrorCode::InvalidRequest, "", format!("the request is not UTF-8: {e}"))
                .with_hash(&sha256_hex(bytes))),
        }
    }

    /// Parses a JSON request. Text that is not a JSON object is `invalid_request`; missing,
    /// unknown or mistyped fields are `schema_validation_failed` (`invalid_count` for `count`).
    pub fn from_json(text: &str) -> Result<Request, FacadeError> {
        let v: Json = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                let raw = sha256_hex(text.as_bytes());
                return Err(Fail::new(ErrorCode::InvalidRequest, "", format!("the request is not valid JSON: {e}"))
                    .hint("send one JSON object, e.g. {\"domain\":\"person\",\"version\":\"v1\",…}")
                    .with_hash(&raw));
            }
        };
        let hash = canonical::hash(&v);
        Request::from_value(&v).map_err(|f| f.with_hash(&hash))
    }

    fn from_value(v: &Json) -> Result<Request, Fail> {
        let Json::Object(m) = v else {
            return Err(Fail::new(ErrorCode::InvalidRequest, "", "the request must be a JSON object"));
        };
        if let Some(k) = m.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(schema_fail(&format!("/{}", pointer_escape(k)), format!("unknown field '{k}'"))
                .hint(format!("request fields are {}", FIELDS.join(", "))));
        }
        for k in FIELDS.iter().filter(|k| **k != "constraints") {
            if !m.contains_key(*k) {
                return Err(schema_fail(&format!("/{k}"), format!("missing required field '{k}'")));
            }
        }
        let string = |k: &str| -> Result<String, Fail> {
            match m.get(k) {
                Some(Json::String(s)) => Ok(s.clone()),
                _ => Err(schema_fail(&format!("/{k}"), format!("'{k}' must be a string"))),
            }
        };
        let count = match m.get("count") {
            Some(Json::Number(n)) => match n.as_i64() {
                Some(c) => c,
                None => return Err(count_fail(&n.to_string())),
            },
            other => return Err(count_fail(&other.map(|o| o.to_string()).unwrap_or_default())),
        };
        let seed = match m.get("seed") {
            Some(Json::String(s)) => RequestSeed::Text(s.clone()),
            Some(Json::Number(n)) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => RequestSeed::Int(i as i128),
                (_, Some(u)) => RequestSeed::Int(u as i128),
                _ => return Err(schema_fail("/seed", format!("'seed' must be an integer or a string, got {n}"))),
            },
            _ => return Err(schema_fail("/seed", "'seed' must be an integer or a string")),
        };
        let constraints = match m.get("constraints") {
            None => None,
            Some(Json::Object(c)) => Some(c.clone()),
            Some(_) => return Err(schema_fail("/constraints", "'constraints' must be an object")),
        };
        Ok(Request {
            domain: string("domain")?,
            version: string("version")?,
            count,
            seed,
            locale: string("locale")?,
            clock: string("clock")?,
            constraints,
        })
    }

    /// The request as JSON (the value its hash is computed from).
    pub fn to_json(&self) -> Json {
        let mut m = JsonMap::new();
        m.insert("domain".into(), json!(self.domain));
        m.insert("version".into(), json!(self.version));
        m.insert("count".into(), json!(self.count));
        m.insert("seed".into(), self.seed.to_json());
        m.insert("locale".into(), json!(self.locale));
        m.insert("clock".into(), json!(self.clock));
        if let Some(c) = &self.constraints {
            m.insert("constraints".into(), Json::Object(c.clone()));
        }
        Json::Object(m)
    }

    /// SHA-256 of the canonical request.
    pub fn hash(&self) -> String {
        canonical::hash(&self.to_json())
    }
}

fn count_fail(got: &str) -> Fail {
    Fail::new(ErrorCode::InvalidCount, "/count", format!("'count' must be an integer from 0 to {MAX_COUNT}, got {got}"))
}

/// Escapes a key for a JSON Pointer (`~` → `~0`, `/` → `~1`).
pub(crate) fn pointer_escape(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// Parses the request clock: an RFC 3339 date-time with seconds and an offset
/// (`YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`), read as UTC.
fn parse_clock(s: &str) -> Option<jiff::civil::DateTime> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let shape = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b't' | b' ')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape {
        return None;
    }
    let mut rest = &b[19..];
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &rest[1 + n..];
    }
    let offset_ok = matches!(rest, [b'Z' | b'z'])
        || (rest.len() == 6
            && matches!(rest[0], b'+' | b'-')
            && rest[1..3].iter().all(u8::is_ascii_digit)
            && rest[3] == b':'
            && rest[4..6].iter().all(u8::is_ascii_digit));
    if !offset_ok {
        return None;
    }
    let ts: jiff::Timestamp = s.parse().ok()?;
    Some(ts.to_zoned(jiff::tz::TimeZone::UTC).datetime())
}

fn locale_pattern(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5
        && b[..2].iter().all(u8::is_ascii_lowercase)
        && b[2] == b'_'
        && b[3..].iter().all(u8::is_ascii_uppercase)
}

/// Everything the item builders need.
pub(crate) struct Ctx<'a> {
    pub domain: &'a str,
    pub locale: &'a str,
    pub pack: &'static str,
    pub seed: String,
    pub now: jiff::civil::DateTime,
    pub c: Constraints,
    /// The city rows addresses are drawn from when a postal code prefix narrows them.
    pub cities: Option<items::CityPool>,
}

impl Ctx<'_> {
    /// The key of item `i` of `domain` (patients use the person keys: a patient is a person).
    pub fn key(&self, domain: &str, i: u64) -> u64 {
        facade_item_key(facade_root(&self.seed, domain, self.pack), i)
    }

    /// The UUIDv5 of item `i` of `domain`.
    pub fn id(&self, domain: &str, i: u64) -> uuid::Uuid {
        let ns = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, format!("datamimic:{domain}:v1").as_bytes());
        uuid::Uuid::new_v5(&ns, format!("{}::{}::{i}", self.locale, self.seed).as_bytes())
    }
}

/// Generates the response to a request, or the error that rejects it.
pub fn generate(req: &Request) -> Result<Response, FacadeError> {
    let hash = req.hash();
    let ctx = validate(req).map_err(|f| f.with_hash(&hash))?;
    let mut items = Vec::with_capacity(req.count as usize);
    for i in 0..req.count as u64 {
        items.push(items::item(&ctx, i).map_err(|f| f.with_hash(&hash))?);
    }
    let content_hash = canonical::hash(&Json::Array(items.clone()));
    Ok(Response {
        domain: req.domain.clone(),
        version: req.version.clone(),
        request_hash: hash,
        items,
        determinism_proof: Proof {
            algorithm: ALGORITHM,
            seed_canonical: ctx.seed.clone(),
            content_hash,
            engine_version: crate::VERSION,
            pack_version: locale(ctx.pack).version.clone(),
        },
    })
}

/// Parses and answers a JSON request text: the canonical response, or the canonical error.
pub fn respond(text: &str) -> Result<String, String> {
    Request::from_json(text).and_then(|r| generate(&r)).map(|r| r.to_canonical()).map_err(|e| e.to_canonical())
}

fn validate(req: &Request) -> Result<Ctx<'_>, Fail> {
    if req.version != "v1" {
        return Err(schema_fail("/version", format!("unsupported version '{}'", req.version)).hint("use \"v1\""));
    }
    let Some(domain) = DOMAINS.iter().copied().find(|d| *d == req.domain) else {
        return Err(Fail::new(ErrorCode::UnsupportedDomain, "/domain", format!("unsupported domain '{}'", req.domain))
            .hint(format!("domains: {}", DOMAINS.join(", "))));
    };
    if !(0..=MAX_COUNT).contains(&req.count) {
        return Err(count_fail(&req.count.to_string()));
    }
    if !locale_pattern(&req.locale) {
        return Err(schema_fail("/locale", format!("'{}' is not a locale like en_US", req.locale)));
    }
    let Some((locale, pack)) = LOCALES.iter().copied().find(|(l, _)| *l == req.locale) else {
        let known: Vec<&str> = LOCALES.iter().map(|l| l.0).collect();
        return Err(Fail::new(ErrorCode::UnsupportedLocale, "/locale", format!("unsupported locale '{}'", req.locale))
            .hint(format!("locales with a complete pack: {}", known.join(", "))));
    };
    let Some(now) = parse_clock(&req.clock) else {
        return Err(schema_fail("/clock", format!("'{}' is not an RFC 3339 date-time", req.clock))
            .hint("e.g. 2025-01-01T12:00:00Z"));
    };
    let c = constraints::parse(domain, pack, req.constraints.as_ref())?;
    let cities = c.postal_prefix.as_deref().map(|p| items::CityPool::new(crate::domains::locale::locale(pack), p));
    Ok(Ctx { domain, locale, pack, seed: req.seed.canonical(), now, c, cities })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_canonicalise_as_the_reference_does() {
        assert_eq!(RequestSeed::Int(42).canonical(), "42");
        assert_eq!(RequestSeed::Text("42".into()).canonical(), "42");
        assert_eq!(RequestSeed::Text("0042".into()).canonical(), "42");
        assert_eq!(RequestSeed::Text("000".into()).canonical(), "0");
        assert_eq!(RequestSeed::Int(-3).canonical(), "-3");
        let h = RequestSeed::Text("alpha".into()).canonical();
        let d = Sha256::digest(b"alpha");
        assert_eq!(h, u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]).to_string());
        assert_ne!(RequestSeed::Text("-3".into()).canonical(), "-3");
    }

    #[test]
    fn clocks_are_rfc3339_with_seconds_and_offset() {
        let at = |s: &str| parse_clock(s).map(|d| d.to_string());
        assert_eq!(at("2025-01-01T12:00:00Z").as_deref(), Some("2025-01-01T12:00:00"));
        assert_eq!(at("2025-01-01T12:00:00+02:00").as_deref(), Some("2025-01-01T10:00:00"));
        assert_eq!(at("2025-01-01T12:00:00.5Z").as_deref(), Some("2025-01-01T12:00:00.5"));
        for bad in ["2025-01-01T12:00:00", "2025-01-01", "2025-01-01T12:00Z", "2025-13-01T12:00:00Z", "x"] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }

    #[test]
    fn locale_pattern_is_two_lower_two_upper() {
        assert!(locale_pattern("en_US"));
        assert!(!locale_pattern("en-US"));
        assert!(!locale_pattern("EN_us"));
        assert!(!locale_pattern("eng_US"));
    }
}
