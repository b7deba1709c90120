//! The `pattern=` engine: a parser for the regular-expression subset of the model language and
//! a generator of matching strings (dsl §4.4).
//!
//! Compatibility rule: [`Pattern::generate`] gives every quantifier its **minimum** repetition
//! (`?`/`*` → 0, `+` → 1, `{m,n}`/`{m,}`/`{m}` → m), as datamimic 4.3.0 does.
//! [`Pattern::generate_full`] draws repetition counts instead (used where the whole range of a
//! regex is wanted, e.g. `PrefixedIdGenerator` bodies).
//!
//! Supported syntax: literals, `.`, escapes (`\d \D \w \W \s \S`, `\n \t \r \f \v \a \0`,
//! `\xHH \uHHHH \UHHHHHHHH`, escaped punctuation), character classes with ranges and negation,
//! groups `( )`, `(?: )`, `(?P<name> )`, alternation `|`, quantifiers `? * + {m} {m,} {,n}
//! {m,n}` with optional lazy/possessive suffix, back references `\1` and `(?P=name)`, inline
//! flags `(?i)` (ignored). Anchors `^ $ \b \B \A \Z` match the empty string. Lookarounds are
//! rejected.
//!
//! Character universes: a negated class, `\D`, `\W` and `\S` draw from printable ASCII
//! (U+0020–U+007E); `.` and `\w` additionally include the Latin-1 letters (U+00C0–U+00FF
//! without `×` and `÷`).

use crate::domains::determinism::Stream;

/// A parsed pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    root: Node,
    groups: usize,
    src: String,
    /// How many distinct strings [`Pattern::generate`] makes, when its structure is fixed
    /// (no alternation) and the count fits in a `u64`: the strings are then numbered by
    /// [`Pattern::nth`].
    space: Option<u64>,
    /// The same for [`Pattern::generate_full`] with `max_repeat` [`FULL_REPEAT`].
    space_full: Option<u64>,
}

/// The `max_repeat` of [`Pattern::nth_full`] (as `PrefixedIdGenerator` draws its bodies).
pub const FULL_REPEAT: u32 = 8;

/// Where a generated string's choices come from: a random stream, or the digits of a number
/// in the mixed radix of the pattern's choices.
trait Draw {
    fn below(&mut self, n: u64) -> u64;
}

impl Draw for Stream {
    #[inline(always)]
    fn below(&mut self, n: u64) -> u64 {
        Stream::below(self, n)
    }
}

/// The digits of a number, least significant first, each in the radix asked for.
struct Digits(u64);

impl Draw for Digits {
    fn below(&mut self, n: u64) -> u64 {
        let n = n.max(1);
        let d = self.0 % n;
        self.0 /= n;
        d
    }
}

#[derive(Clone, Debug)]
enum Node {
    /// Matches the empty string (anchors, flags, empty alternatives).
    Empty,
    Lit(char),
    Set(CharSet),
    Seq(Vec<Node>),
    Alt(Vec<Node>),
    /// A group; `Some(i)` for capturing group number `i` (1-based).
    Group(Box<Node>, Option<usize>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
    BackRef(usize),
}

/// A set of characters as sorted, disjoint, inclusive code-point ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
struct CharSet {
    ranges: Vec<(u32, u32)>,
    total: u64,
}

impl CharSet {
    fn from_ranges(mut r: Vec<(u32, u32)>) -> CharSet {
        r.sort_unstable();
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(r.len());
        for (lo, hi) in r {
            match out.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        // Drop surrogates: they are not chars.
        let mut clean = Vec::with_capacity(out.len());
        for (lo, hi) in out {
            if hi < 0xD800 || lo > 0xDFFF {
                clean.push((lo, hi));
            } else {
                if lo < 0xD800 {
                    clean.push((lo, 0xD7FF));
                }
                if hi > 0xDFFF {
                    clean.push((0xE000, hi));
                }
            }
        }
        let total = clean.iter().map(|(lo, hi)| (hi - lo + 1) as u64).sum();
        CharSet { ranges: clean, total }
    }

    #[cfg(test)]
    fn contains(&self, c: u32) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi)
    }

    /// `universe` minus `self`.
    fn subtract_from(&self, universe: &CharSet) -> CharSet {
        let mut out = Vec::new();
        for &(lo, hi) in &universe.ranges {
            let mut cur = lo;
            for &(a, b) in &self.ranges {
                if b < cur || a > hi {
                    continue;
                }
                if a > cur {
                    out.push((cur, a - 1));
                }
                cur = b.saturating_add(1);
                if cur > hi {
                    break;
                }
            }
            if cur <= hi && cur >= lo {
                out.push((cur, hi));
            }
        }
        CharSet::from_ranges(out)
    }

    fn pick(&self, rng: &mut impl Draw) -> char {
        let mut i = rng.below(self.total);
        for &(lo, hi) in &self.ranges {
            let n = (hi - lo + 1) as u64;
            if i < n {
                return char::from_u32(lo + i as u32).unwrap_or('?');
            }
            i -= n;
        }
        '?'
    }

    fn chars(&self) -> Vec<char> {
        self.ranges.iter().flat_map(|&(lo, hi)| (lo..=hi).filter_map(char::from_u32)).collect()
    }
}

const LATIN1_LETTERS: [(u32, u32); 3] = [(0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0xFF)];

fn printable_ascii() -> CharSet {
    CharSet::from_ranges(vec![(0x20, 0x7E)])
}

fn any_char() -> CharSet {
    let mut r = vec![(0x20, 0x7E)];
    r.extend(LATIN1_LETTERS);
    CharSet::from_ranges(r)
}

fn digits() -> CharSet {
    CharSet::from_ranges(vec![('0' as u32, '9' as u32)])
}

fn word_ascii() -> Vec<(u32, u32)> {
    vec![('0' as u32, '9' as u32), ('A' as u32, 'Z' as u32), ('_' as u32, '_' as u32), ('a' as u32, 'z' as u32)]
}

fn word() -> CharSet {
    let mut r = word_ascii();
    r.extend(LATIN1_LETTERS);
    CharSet::from_ranges(r)
}

fn space() -> CharSet {
    CharSet::from_ranges(vec![(0x09, 0x0D), (0x20, 0x20)])
}

/// The set of a class escape letter (`d w s D W S`).
fn class_escape(c: char) -> Option<CharSet> {
    Some(match c {
        'd' => digits(),
        'w' => word(),
        's' => space(),
        'D' => digits().subtract_from(&printable_ascii()),
        'W' => CharSet::from_ranges(word_ascii()).subtract_from(&printable_ascii()),
        'S' => space().subtract_from(&printable_ascii()),
        _ => return None,
    })
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    groups: usize,
    /// Numbers of groups whose `)` has been seen (back references must name one).
    closed: Vec<usize>,
    names: Vec<(String, usize)>,
}

impl Pattern {
    /// Parses a pattern; the error names the problem and its byte offset.
    pub fn parse(src: &str) -> Result<Pattern, String> {
        let mut p = Parser { src, pos: 0, groups: 0, closed: Vec::new(), names: Vec::new() };
        let root = p.alternation()?;
        if p.pos < src.len() {
            // Only an unmatched `)` stops the top-level alternation early.
            return Err(format!("unbalanced parenthesis at offset {}", p.pos));
        }
        let space = value_space(&root, None);
        let space_full = value_space(&root, Some(FULL_REPEAT));
        Ok(Pattern { root, groups: p.groups, src: src.to_string(), space, space_full })
    }

    /// The number of distinct strings [`Pattern::generate`] makes when the pattern has a fixed
    /// structure (no alternation, no empty class) and the number fits in a `u64`; `None`
    /// otherwise.
    pub fn space(&self) -> Option<u64> {
        self.space
    }

    /// [`Pattern::space`] for [`Pattern::generate_full`] with `max_repeat` [`FULL_REPEAT`]
    /// (every repetition count is then fixed too).
    pub fn space_full(&self) -> Option<u64> {
        self.space_full
    }

    /// String number `k` (`k < space()`) of the pattern's value space: its choices are the
    /// digits of `k` in the mixed radix of the pattern's character classes, so distinct
    /// numbers give distinct strings. `None` when the space is not enumerable or `k` is out
    /// of it.
    pub fn nth(&self, k: u64) -> Option<String> {
        self.numbered(self.space, None, k)
    }

    /// [`Pattern::nth`] for the space of [`Pattern::space_full`].
    pub fn nth_full(&self, k: u64) -> Option<String> {
        self.numbered(self.space_full, Some(FULL_REPEAT), k)
    }

    fn numbered(&self, space: Option<u64>, full: Option<u32>, k: u64) -> Option<String> {
        space.filter(|n| k < *n)?;
        let mut out = String::new();
        let mut caps = vec![String::new(); self.groups + 1];
        gen(&self.root, &mut Digits(k), full, &mut out, &mut caps);
        Some(out)
    }

    /// The pattern text.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// A string matching the pattern, every quantifier at its minimum (datamimic semantics).
    pub fn generate(&self, rng: &mut Stream) -> String {
        let mut out = String::new();
        let mut caps = vec![String::new(); self.groups + 1];
        gen(&self.root, rng, None, &mut out, &mut caps);
        out
    }

    /// A string matching the pattern with repetition counts drawn uniformly from
    /// `[min, min(max, min + max_repeat)]`.
    pub fn generate_full(&self, rng: &mut Stream, max_repeat: u32) -> String {
        let mut out = String::new();
        let mut caps = vec![String::new(); self.groups + 1];
        gen(&self.root, rng, Some(max_repeat), &mut out, &mut caps);
        out
    }

    /// The characters of a pattern that is exactly one character class, escape, `.` or
    /// literal (`[A-F0-9]`, `\d`, `x`); `None` otherwise.
    pub fn char_set(&self) -> Option<Vec<char>> {
        let mut n = &self.root;
        loop {
            match n {
                Node::Seq(v) if v.len() == 1 => n = &v[0],
                Node::Group(inner, _) => n = inner,
                Node::Set(s) => return Some(s.chars()),
                Node::Lit(c) => return Some(vec![*c]),
                _ => return None,
            }
        }
    }
}

/// The repetition counts a `{min,max}` may take: just `min` when `full` is `None`, else up to
/// `min + full` (capped by `max`).
fn repeat_range(min: u32, max: Option<u32>, full: Option<u32>) -> (u32, u32) {
    match full {
        None => (min, min),
        Some(extra) => {
            let cap = min.saturating_add(extra);
            (min, max.map_or(cap, |m| m.min(cap)))
        }
    }
}

/// The number of distinct strings `gen` makes from `node` when every repetition count is fixed
/// and no alternation chooses between shapes. Each character class then fills one position of
/// a string of fixed length, so the strings correspond one to one to the tuples of class
/// choices (back references copy, they do not choose).
fn value_space(node: &Node, full: Option<u32>) -> Option<u64> {
    match node {
        Node::Empty | Node::Lit(_) | Node::BackRef(_) => Some(1),
        Node::Set(s) => (s.total > 0).then_some(s.total),
        Node::Seq(v) => v.iter().try_fold(1u64, |acc, n| acc.checked_mul(value_space(n, full)?)),
        Node::Alt(v) if v.len() == 1 => value_space(&v[0], full),
        Node::Alt(_) => None,
        Node::Group(inner, _) => value_space(inner, full),
        Node::Repeat { node, min, max } => {
            let (count, hi) = repeat_range(*min, *max, full);
            if hi != count {
                return None;
            }
            if count == 0 {
                return Some(1);
            }
            value_space(node, full)?.checked_pow(count)
        }
    }
}

fn gen(node: &Node, rng: &mut impl Draw, full: Option<u32>, out: &mut String, caps: &mut Vec<String>) {
    match node {
        Node::Empty => {}
        Node::Lit(c) => out.push(*c),
        Node::Set(s) => out.push(s.pick(rng)),
        Node::Seq(v) => {
            for n in v {
                gen(n, rng, full, out, caps);
            }
        }
        Node::Alt(v) => {
            let i = rng.below(v.len() as u64) as usize;
            gen(&v[i], rng, full, out, caps);
        }
        Node::Group(inner, idx) => {
            let start = out.len();
            gen(inner, rng, full, out, caps);
            if let Some(i) = idx {
                caps[*i] = out[start..].to_string();
            }
        }
        Node::Repeat { node, min, max } => {
            let count = match (full, repeat_range(*min, *max, full)) {
                (None, (lo, _)) => lo,
                (Some(_), (lo, hi)) => lo + rng.below((hi - lo) as u64 + 1) as u32,
            };
            for _ in 0..count {
                gen(node, rng, full, out, caps);
            }
        }
        Node::BackRef(i) => {
            let s = caps[*i].clone();
            out.push_str(&s);
        }
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, skip: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(skip)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.src[self.pos..].starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn alternation(&mut self) -> Result<Node, String> {
        let mut alts = vec![self.sequence()?];
        while self.peek() == Some('|') {
            self.pos += 1;
            alts.push(self.sequence()?);
        }
        Ok(if alts.len() == 1 { alts.pop().unwrap_or(Node::Empty) } else { Node::Alt(alts) })
    }

    fn sequence(&mut self) -> Result<Node, String> {
        let mut items: Vec<Node> = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let (atom, repeatable) = self.atom()?;
            let atom = self.quantifiers(atom, repeatable)?;
            items.push(atom);
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.pop().unwrap_or(Node::Empty),
            _ => Node::Seq(items),
        })
    }

    /// Parses `{m}`, `{m,}`, `{,n}`, `{m,n}` at the cursor; `None` (cursor unchanged) when
    /// the text is not a repeat, in which case `{` is a literal.
    fn brace_repeat(&mut self) -> Result<Option<(u32, Option<u32>)>, String> {
        let rest = &self.src[self.pos..];
        let Some(close) = rest.find('}') else {
            return Ok(None);
        };
        let body = &rest[1..close];
        let (lo, hi) = match body.split_once(',') {
            Some((a, b)) => (a, Some(b)),
            None => (body, None),
        };
        let is_num = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if !is_num(lo) || !hi.is_none_or(is_num) || (lo.is_empty() && hi.is_none()) {
            return Ok(None);
        }
        let num = |s: &str| -> Result<u32, String> {
            s.parse::<u32>().map_err(|_| format!("repeat count too large at offset {}", self.pos))
        };
        let min = if lo.is_empty() { 0 } else { num(lo)? };
        let max = match hi {
            None => Some(min),
            Some("") => None,
            Some(h) => Some(num(h)?),
        };
        if let Some(m) = max {
            if m < min {
                return Err(format!("min repeat greater than max repeat at offset {}", self.pos));
            }
        }
        self.pos += close + 1;
        Ok(Some((min, max)))
    }

    fn quantifiers(&mut self, mut atom: Node, repeatable: bool) -> Result<Node, String> {
        let mut repeated = false;
        loop {
            let q_at = self.pos;
            let q = match self.peek() {
                Some('?') => {
                    self.pos += 1;
                    (0, Some(1))
                }
                Some('*') => {
                    self.pos += 1;
                    (0, None)
                }
                Some('+') => {
                    self.pos += 1;
                    (1, None)
                }
                Some('{') => match self.brace_repeat()? {
                    Some(q) => q,
                    None => return Ok(atom),
                },
                _ => return Ok(atom),
            };
            if !repeatable {
                return Err(format!("nothing to repeat at offset {q_at}"));
            }
            if repeated {
                return Err(format!("multiple repeat at offset {q_at}"));
            }
            // Lazy or possessive suffix.
            if matches!(self.peek(), Some('?') | Some('+')) {
                self.pos += 1;
            }
            atom = Node::Repeat { node: Box::new(atom), min: q.0, max: q.1 };
            repeated = true;
        }
    }

    /// One atom and whether a quantifier may follow it.
    fn atom(&mut self) -> Result<(Node, bool), String> {
        let at = self.pos;
        let c = self.bump().ok_or_else(|| format!("unexpected end of pattern at offset {at}"))?;
        Ok(match c {
            '(' => (self.group(at)?, true),
            '[' => (Node::Set(self.class(at)?), true),
            '.' => (Node::Set(any_char()), true),
            '^' | '$' => (Node::Empty, false),
            '*' | '+' | '?' => return Err(format!("nothing to repeat at offset {at}")),
            '{' => {
                self.pos = at;
                if self.brace_repeat()?.is_some() {
                    return Err(format!("nothing to repeat at offset {at}"));
                }
                self.pos = at + 1;
                (Node::Lit('{'), true)
            }
            '\\' => self.escape(at)?,
            c => (Node::Lit(c), true),
        })
    }

    fn group(&mut self, at: usize) -> Result<Node, String> {
        let mut capture = true;
        let mut name: Option<String> = None;
        if self.peek() == Some('?') {
            self.pos += 1;
            if self.eat(":") {
                capture = false;
            } else if self.eat("P<") {
                let end = self.src[self.pos..]
                    .find('>')
                    .ok_or_else(|| format!("missing '>' in group name at offset {}", self.pos))?;
                let n = &self.src[self.pos..self.pos + end];
                if n.is_empty() || !n.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(format!("bad character in group name '{n}' at offset {}", self.pos));
                }
                name = Some(n.to_string());
                self.pos += end + 1;
            } else if self.eat("P=") {
                let end = self.src[self.pos..]
                    .find(')')
                    .ok_or_else(|| format!("missing ')' in group reference at offset {}", self.pos))?;
                let n = &self.src[self.pos..self.pos + end];
                let idx = self
                    .names
                    .iter()
                    .find(|(k, _)| k == n)
                    .map(|(_, i)| *i)
                    .ok_or_else(|| format!("unknown group name '{n}' at offset {}", self.pos))?;
                self.pos += end + 1;
                return Ok(Node::BackRef(idx));
            } else if self.eat("#") {
                let end = self.src[self.pos..]
                    .find(')')
                    .ok_or_else(|| format!("missing ')' after comment at offset {at}"))?;
                self.pos += end + 1;
                return Ok(Node::Empty);
            } else if matches!(self.peek(), Some('=') | Some('!') | Some('<')) {
                return Err(format!("lookaround assertions are not supported (offset {at})"));
            } else {
                // Inline flags `(?i)`, `(?x)`, ...: accepted and ignored.
                let start = self.pos;
                while matches!(self.peek(), Some(c) if "aiLmsux-".contains(c)) {
                    self.pos += 1;
                }
                if self.pos == start {
                    return Err(format!("unknown extension (? at offset {at}"));
                }
                if self.eat(")") {
                    return Ok(Node::Empty);
                }
                if self.eat(":") {
                    capture = false;
                } else {
                    return Err(format!("unknown extension (? at offset {at}"));
                }
            }
        }
        let idx = if capture {
            self.groups += 1;
            Some(self.groups)
        } else {
            None
        };
        if let (Some(n), Some(i)) = (name, idx) {
            self.names.push((n, i));
        }
        let inner = self.alternation()?;
        if !self.eat(")") {
            return Err(format!("missing ), unterminated subpattern at offset {at}"));
        }
        if let Some(i) = idx {
            self.closed.push(i);
        }
        Ok(Node::Group(Box::new(inner), idx))
    }

    /// A character escape shared by atoms and classes: `\n`, `\xHH`, `\.`, ...
    fn char_escape(&mut self, c: char, at: usize) -> Result<char, String> {
        Ok(match c {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'f' => '\x0c',
            'v' => '\x0b',
            'a' => '\x07',
            '0' => '\0',
            'x' => self.hex(2, at)?,
            'u' => self.hex(4, at)?,
            'U' => self.hex(8, at)?,
            c if c.is_ascii_alphanumeric() => return Err(format!("bad escape \\{c} at offset {at}")),
            c => c,
        })
    }

    fn hex(&mut self, n: usize, at: usize) -> Result<char, String> {
        let digits: String = self.src[self.pos..].chars().take(n).collect();
        if digits.len() != n || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("incomplete escape at offset {at}"));
        }
        self.pos += n;
        let v = u32::from_str_radix(&digits, 16).map_err(|_| format!("bad escape at offset {at}"))?;
        char::from_u32(v).ok_or_else(|| format!("bad escape: code point {v:#x} at offset {at}"))
    }

    fn escape(&mut self, at: usize) -> Result<(Node, bool), String> {
        let c = self.bump().ok_or_else(|| format!("bad escape (end of pattern) at offset {at}"))?;
        if let Some(set) = class_escape(c) {
            return Ok((Node::Set(set), true));
        }
        match c {
            'b' | 'B' | 'A' | 'Z' | 'z' => return Ok((Node::Empty, false)),
            '1'..='9' => {
                let mut n = c.to_digit(10).unwrap_or(0) as usize;
                if let Some(d) = self.peek().and_then(|d| d.to_digit(10)) {
                    self.pos += 1;
                    n = n * 10 + d as usize;
                }
                if !self.closed.contains(&n) {
                    return Err(format!("invalid group reference {n} at offset {at}"));
                }
                return Ok((Node::BackRef(n), true));
            }
            _ => {}
        }
        Ok((Node::Lit(self.char_escape(c, at)?), true))
    }

    /// A character class after its `[`.
    fn class(&mut self, at: usize) -> Result<CharSet, String> {
        let negate = self.eat("^");
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        let mut first = true;
        loop {
            let item_at = self.pos;
            let c = self.bump().ok_or_else(|| format!("unterminated character set at offset {at}"))?;
            if c == ']' && !first {
                break;
            }
            first = false;
            // One item: a char, or a class escape.
            let lo: u32 = if c == '\\' {
                let e = self.bump().ok_or_else(|| format!("unterminated character set at offset {at}"))?;
                if let Some(set) = class_escape(e) {
                    ranges.extend(set.ranges);
                    continue;
                }
                if e == 'b' {
                    0x08
                } else {
                    self.char_escape(e, item_at)? as u32
                }
            } else {
                c as u32
            };
            // A range `lo-hi` unless `-` is last.
            if self.peek() == Some('-') && self.peek_at(1).is_some_and(|n| n != ']') {
                self.pos += 1;
                let hi_at = self.pos;
                let h = self.bump().ok_or_else(|| format!("unterminated character set at offset {at}"))?;
                let hi: u32 = if h == '\\' {
                    let e = self.bump().ok_or_else(|| format!("unterminated character set at offset {at}"))?;
                    if class_escape(e).is_some() {
                        return Err(format!("bad character range at offset {item_at}"));
                    }
                    if e == 'b' {
                        0x08
                    } else {
                        self.char_escape(e, hi_at)? as u32
                    }
                } else {
                    h as u32
                };
                if hi < lo {
                    let show = |v: u32| char::from_u32(v).map(|c| c.to_string()).unwrap_or_default();
                    return Err(format!("bad character range {}-{} at offset {item_at}", show(lo), show(hi)));
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        let set = CharSet::from_ranges(ranges);
        let set = if negate { set.subtract_from(&printable_ascii()) } else { set };
        if set.total == 0 {
            return Err(format!("character set at offset {at} matches no printable character"));
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every number of a small space gives a distinct string the random generator can make.
    #[test]
    fn numbered_strings_enumerate_the_space() {
        for (src, n) in [
            ("[a-c][0-1]", 6u64),
            ("x(\\d)-\\1[AB]?", 10),
            ("(?P<k>[ab]{2})\\.(?P=k)", 4),
            ("[0-9]{3}Z+", 1000),
            ("^\\w$", 125),
            ("", 1),
        ] {
            let p = Pattern::parse(src).expect("parses");
            assert_eq!(p.space(), Some(n), "{src}");
            let all: std::collections::BTreeSet<String> = (0..n).map(|k| p.nth(k).expect("in the space")).collect();
            assert_eq!(all.len() as u64, n, "{src}: numbered strings repeat");
            assert!(p.nth(n).is_none());
            let drawn: std::collections::BTreeSet<String> = (0..2000).map(|s| gen1(src, s)).collect();
            assert!(drawn.is_subset(&all), "{src}: a drawn string has no number");
        }
        for src in ["a|b", "[ab]|c", "[0-9]{20}"] {
            assert_eq!(Pattern::parse(src).expect("parses").space(), None, "{src}");
        }
        // Full repetition: fixed only when every count is.
        assert_eq!(Pattern::parse("[0-9]{6}").expect("parses").space_full(), Some(1_000_000));
        assert_eq!(Pattern::parse("[0-9]{2,4}").expect("parses").space_full(), None);
        assert_eq!(Pattern::parse("[0-9]{2,4}").expect("parses").space(), Some(100));
    }

    fn gen1(p: &str, seed: u64) -> String {
        Pattern::parse(p).expect("valid pattern").generate(&mut Stream::new(seed))
    }

    fn is_upper_digit_form(s: &str) -> bool {
        // ^[A-Z]{3}-\d$
        let b = s.as_bytes();
        b.len() == 5 && b[..3].iter().all(u8::is_ascii_uppercase) && b[3] == b'-' && b[4].is_ascii_digit()
    }

    #[test]
    fn quantifiers_take_their_minimum() {
        for seed in 0..500 {
            let s = gen1(r"[A-Z]{3}-\d+", seed);
            assert!(is_upper_digit_form(&s), "{s}");
        }
        assert_eq!(gen1("ab?c*d{2}e{1,5}f{0,}", 1), "adde");
        let s = gen1(r"[a-z]+@x\.com", 3);
        assert_eq!(s.len(), 7);
        assert!(s.ends_with("@x.com"));
        assert_eq!(gen1(r"^abc$", 0), "abc");
        assert_eq!(gen1(r"x{,3}y", 0), "y");
    }

    #[test]
    fn alternation_and_groups() {
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..200 {
            let s = gen1("(cat|dog|bird)-(?:x|y)", seed);
            let (a, b) = s.split_once('-').expect("dash");
            assert!(["cat", "dog", "bird"].contains(&a), "{s}");
            assert!(["x", "y"].contains(&b), "{s}");
            seen.insert(a.to_string());
        }
        assert_eq!(seen.len(), 3);
        assert!(gen1("a|", 5).len() <= 1);
        // Back references repeat the captured text.
        for seed in 0..50 {
            let s = gen1(r"(\d\d)-\1", seed);
            assert_eq!(&s[..2], &s[3..]);
            let s = gen1(r"(?P<x>[ab])(?P=x)", seed);
            assert_eq!(&s[..1], &s[1..]);
        }
    }

    #[test]
    fn classes_escapes_and_negation() {
        for seed in 0..300 {
            let s = gen1(r"[^a-z]", seed);
            let c = s.chars().next().expect("one char");
            assert!((' '..='~').contains(&c) && !c.is_ascii_lowercase(), "{c:?}");
            let s = gen1(r"\w", seed);
            let c = s.chars().next().expect("one char");
            assert!(c.is_alphanumeric() || c == '_', "{c:?}");
            let s = gen1(r"[\d_-]", seed);
            assert!(s.chars().all(|c| c.is_ascii_digit() || c == '_' || c == '-'), "{s}");
            let s = gen1(r".", seed);
            let c = s.chars().next().expect("one char");
            assert!((' '..='~').contains(&c) || ('\u{c0}'..='\u{ff}').contains(&c));
            let s = gen1(r"\s\S\D\W", seed);
            let v: Vec<char> = s.chars().collect();
            assert!(v[0].is_whitespace() && !v[1].is_whitespace() && !v[2].is_ascii_digit());
            assert!(!(v[3].is_alphanumeric() || v[3] == '_'));
        }
        assert_eq!(gen1(r"\x41\u00e4\.\t[]a]", 0).chars().take(4).collect::<String>(), "Aä.\t");
        assert!(matches!(gen1(r"[]a]", 0).as_str(), "]" | "a"));
        // `.` and `\w` reach Latin-1 letters.
        let any_latin = (0..2000).any(|s| !gen1(r"\w", s).is_ascii());
        assert!(any_latin);
    }

    #[test]
    fn full_mode_draws_counts() {
        let p = Pattern::parse(r"[0-9]{2,6}x*").expect("valid");
        let mut lens = std::collections::BTreeSet::new();
        let mut rng = Stream::new(9);
        for _ in 0..500 {
            let s = p.generate_full(&mut rng, 3);
            let digits = s.chars().take_while(char::is_ascii_digit).count();
            assert!((2..=5).contains(&digits), "{s}");
            let xs = s.len() - digits;
            assert!(xs <= 3);
            lens.insert(digits);
        }
        assert_eq!(lens.len(), 4);
    }

    #[test]
    fn bad_patterns_are_errors() {
        let e = |p: &str| Pattern::parse(p).expect_err(p);
        assert!(e("(ab").contains("unterminated subpattern at offset 0"));
        assert!(e("ab)").contains("unbalanced parenthesis at offset 2"));
        assert!(e("*a").contains("nothing to repeat at offset 0"));
        assert!(e("a**").contains("multiple repeat at offset 2"));
        assert!(e("[z-a]").contains("bad character range z-a"));
        assert!(e("[abc").contains("unterminated character set"));
        assert!(e("a{3,1}").contains("min repeat greater than max repeat"));
        assert!(e(r"\q").contains("bad escape \\q"));
        assert!(e(r"(a)\2").contains("invalid group reference 2"));
        assert!(e("(?=a)").contains("lookaround"));
        assert!(e("abc\\").contains("bad escape"));
        // `{` that is not a repeat is a literal.
        assert_eq!(gen1("a{b}", 0), "a{b}");
        assert_eq!(gen1("a{", 0), "a{");
    }

    #[test]
    fn char_set_of_single_classes() {
        let p = Pattern::parse("[A-C]").expect("valid");
        assert_eq!(p.char_set(), Some(vec!['A', 'B', 'C']));
        assert_eq!(Pattern::parse(r"\d").expect("valid").char_set().map(|v| v.len()), Some(10));
        assert_eq!(Pattern::parse("[A-C]x").expect("valid").char_set(), None);
        let set = CharSet::from_ranges(vec![(0x41, 0x43)]);
        assert!(set.contains('B' as u32) && !set.contains('D' as u32));
    }

    #[test]
    fn deterministic_per_seed() {
        let p = Pattern::parse(r"[A-Z]{2}\d{3}(x|y|z)").expect("valid");
        let a: Vec<String> = (0..20).map(|s| p.generate(&mut Stream::new(s))).collect();
        let b: Vec<String> = (0..20).map(|s| p.generate(&mut Stream::new(s))).collect();
        assert_eq!(a, b);
    }
}
