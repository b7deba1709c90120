//! Small helpers shared by the insurance, e-commerce and public-sector families: CSV tables with
//! `#` provenance lines and a header row, weighted picks over row subsets, and formatting.

use std::collections::HashMap;

use crate::domains::determinism::{AliasTable, Stream};
use crate::domains::entities::Gen;
use crate::domains::locale::{ascii_fold, locale};

/// A parsed data file: header names and trimmed cells.
#[derive(Debug)]
pub struct Table {
    cols: HashMap<String, usize>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Parses a data file: `#` lines skipped, the first remaining line is the header.
    pub fn parse(text: &str) -> Table {
        let body: String = text.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
        let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(body.as_bytes());
        let cols = rdr
            .headers()
            .map(|h| h.iter().enumerate().map(|(i, c)| (c.trim().to_string(), i)).collect())
            .unwrap_or_default();
        let rows = rdr
            .records()
            .filter_map(Result::ok)
            .map(|r| r.iter().map(|c| c.trim().to_string()).collect::<Vec<_>>())
            .filter(|r| r.iter().any(|c| !c.is_empty()))
            .collect();
        Table { cols, rows }
    }

    /// Cell `col` of row `i` (empty when the column or cell is missing).
    pub fn get(&self, i: usize, col: &str) -> &str {
        self.cols.get(col).and_then(|c| self.rows[i].get(*c)).map(|s| s.as_str()).unwrap_or("")
    }

    /// Cell as a float (`dflt` when empty or not a number).
    pub fn num(&self, i: usize, col: &str, dflt: f64) -> f64 {
        self.get(i, col).parse().unwrap_or(dflt)
    }

    /// Cell as an integer.
    pub fn int(&self, i: usize, col: &str, dflt: i64) -> i64 {
        self.get(i, col).parse().unwrap_or(dflt)
    }

    /// The `weight` column (1 when missing).
    pub fn weight(&self, i: usize) -> f64 {
        self.num(i, "weight", 1.0).max(0.0)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row indices whose cell `col` equals `value`.
    pub fn where_eq(&self, col: &str, value: &str) -> Vec<usize> {
        (0..self.len()).filter(|i| self.get(*i, col) == value).collect()
    }
}

/// A weighted choice over a fixed set of items (alias table, O(1) per draw).
#[derive(Debug)]
pub struct Choice<T> {
    pub items: Vec<T>,
    table: Option<AliasTable>,
}

impl<T> Choice<T> {
    pub fn new(items: Vec<T>, weights: &[f64]) -> Choice<T> {
        let table = AliasTable::new(weights);
        Choice { items, table }
    }

    /// Every row of a table by its `weight` column, mapped through `f`.
    pub fn of_table(t: &Table, f: impl Fn(usize) -> T) -> Choice<T> {
        Choice::of_rows(t, (0..t.len()).collect(), f)
    }

    /// The given rows of a table by their `weight` column, mapped through `f`.
    pub fn of_rows(t: &Table, rows: Vec<usize>, f: impl Fn(usize) -> T) -> Choice<T> {
        let w: Vec<f64> = rows.iter().map(|i| t.weight(*i)).collect();
        Choice::new(rows.into_iter().map(f).collect(), &w)
    }

    pub fn pick(&self, s: &mut Stream) -> Option<&T> {
        match &self.table {
            Some(t) => self.items.get(t.sample(s)),
            None => s.pick(&self.items),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// A weighted index among `weights` (uniform when all are zero); `None` when empty.
pub fn weighted_index(s: &mut Stream, weights: &[f64]) -> Option<usize> {
    let total: f64 = weights.iter().filter(|w| w.is_finite() && **w > 0.0).sum();
    if weights.is_empty() {
        return None;
    }
    if total <= 0.0 {
        return Some(s.below(weights.len() as u64) as usize);
    }
    let mut u = s.f64() * total;
    for (i, w) in weights.iter().enumerate() {
        let w = if w.is_finite() && *w > 0.0 { *w } else { 0.0 };
        if u < w {
            return Some(i);
        }
        u -= w;
    }
    weights.iter().rposition(|w| *w > 0.0)
}

/// `k` distinct weighted picks (without replacement) from `weights`, in draw order.
pub fn sample_distinct(s: &mut Stream, weights: &[f64], k: usize) -> Vec<usize> {
    let mut w: Vec<f64> = weights.to_vec();
    let mut out = Vec::with_capacity(k);
    while out.len() < k.min(w.len()) {
        match weighted_index(s, &w) {
            Some(i) if !out.contains(&i) => {
                out.push(i);
                w[i] = 0.0;
            }
            _ => break,
        }
    }
    out
}

/// The pack code of the generator's dataset, honouring a `dataset='DE'` constructor argument.
pub fn pack_of<'a>(g: &'a Gen<'a>) -> Gen<'a> {
    let ds = g.params.iter().find(|(k, _)| k == "dataset").and_then(|(_, v)| v.as_str().map(str::to_string));
    Gen { key: g.key, now: g.now, loc: ds.map(|d| locale(&d)).unwrap_or(g.loc), params: g.params }
}

/// Lower-case ASCII letters and digits only (`Müller-Lüdenscheidt` -> `muellerluedenscheidt`).
pub fn slug(s: &str) -> String {
    ascii_fold(s).to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// Rounds to `decimals` places (half away from zero), avoiding binary noise in the output.
pub fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    let r = (x * f).round() / f;
    // Re-parse the shortest decimal form so that 0.1 + 0.2 style noise never reaches the output.
    format!("{r:.*}", decimals.max(0) as usize).parse().unwrap_or(r)
}

/// Random upper-case alphanumeric characters.
pub fn alnum(s: &mut Stream, n: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..n).map(|_| A[s.below(A.len() as u64) as usize] as char).collect()
}

/// Random upper-case hexadecimal characters.
pub fn hex_upper(s: &mut Stream, n: usize) -> String {
    const H: &[u8] = b"0123456789ABCDEF";
    (0..n).map(|_| H[s.below(16) as usize] as char).collect()
}

/// A version-5 UUID naming this record of an entity kind (distinct per record, stable per key).
pub fn record_uuid(kind: &str, key: u64) -> String {
    let ns = crate::domains::determinism::namespace(kind);
    crate::domains::determinism::uuid5(ns, &format!("{key:016x}")).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_skip_provenance_and_read_by_column() {
        let t = Table::parse("# source\n# compiled: x\nname,weight\n\"a, b\",2\nc,\n");
        assert_eq!(t.len(), 2);
        assert_eq!(t.get(0, "name"), "a, b");
        assert_eq!(t.weight(1), 1.0);
        assert_eq!(t.get(0, "missing"), "");
    }

    #[test]
    fn distinct_samples_have_no_repeats() {
        let mut s = Stream::new(3);
        for _ in 0..1000 {
            let v = sample_distinct(&mut s, &[1.0, 2.0, 0.5, 3.0], 3);
            assert_eq!(v.len(), 3);
            let mut d = v.clone();
            d.sort();
            d.dedup();
            assert_eq!(d.len(), 3);
        }
    }

    #[test]
    fn rounding_is_clean() {
        assert_eq!(round_to(0.1 + 0.2, 2), 0.3);
        assert_eq!(round_to(1234.5678, 2), 1234.57);
        assert_eq!(round_to(1234567.0, -3), 1235000.0);
    }
}
