//! The determinism kit: seeds, counter-based random streams, the clock and UUIDv5 ids.
//!
//! Every random value is a pure function of `(seed, format version, product path, row index,
//! field path, draw number)`:
//! * the run seed (an integer or a string) becomes a 256-bit [`RootKey`] by SHA-256 of a
//!   canonical encoding;
//! * each statement path (`/setup/generate[orders]/key[total]`) becomes a 64-bit [`PathKey`] by
//!   SHA-256 of the root key and the path;
//! * a row of a product gets a row key `mix(product key, parent row key, index)`; a field's
//!   stream for that row is a [`Stream`] seeded with `mix(row key, field key)`.
//!
//! Row *k* therefore never depends on rows `0..k`, and adding a field never changes the
//! stream of another. [`Stream`] is xoshiro256++ seeded through SplitMix64.

use sha2::{Digest, Sha256};

/// Version of the stream derivation; part of every key so that a change of the derivation is
/// a visible change of contract.
pub const FORMAT_VERSION: u32 = 1;

/// The run seed as the user gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seed {
    Int(i128),
    Text(String),
}

impl Seed {
    /// Parses a CLI/attribute seed: digits (optional `-`) are an integer, anything else text.
    pub fn parse(s: &str) -> Seed {
        let t = s.trim();
        match t.parse::<i128>() {
            Ok(i) => Seed::Int(i),
            Err(_) => Seed::Text(t.to_string()),
        }
    }

    /// Canonical text used for hashing and in the manifest.
    pub fn canonical(&self) -> String {
        match self {
            Seed::Int(i) => i.to_string(),
            Seed::Text(s) => format!("str:{s}"),
        }
    }

    pub fn display(&self) -> String {
        match self {
            Seed::Int(i) => i.to_string(),
            Seed::Text(s) => s.clone(),
        }
    }
}

/// 256-bit root of all streams of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RootKey(pub [u8; 32]);

impl RootKey {
    pub fn from_seed(seed: &Seed) -> RootKey {
        let mut h = Sha256::new();
        h.update(b"datamimic-seed\0");
        h.update(FORMAT_VERSION.to_le_bytes());
        h.update(seed.canonical().as_bytes());
        RootKey(h.finalize().into())
    }

    /// The 64-bit key of a statement path (stable across runs and machines).
    pub fn path_key(&self, path: &str) -> PathKey {
        let mut h = Sha256::new();
        h.update(self.0);
        h.update(b"\0path\0");
        h.update(path.as_bytes());
        let d = h.finalize();
        let mut b = [0u8; 8];
        b.copy_from_slice(&d[..8]);
        PathKey(u64::from_le_bytes(b))
    }

    /// A derived 256-bit key for a purpose (e.g. the HMAC key of the `Hash` converter).
    pub fn purpose_key(&self, purpose: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.0);
        h.update(b"\0purpose\0");
        h.update(purpose.as_bytes());
        h.finalize().into()
    }
}

/// The seed-independent key of a statement path; streams combine it with the run's root.
pub fn path_key(path: &str) -> PathKey {
    let d = Sha256::digest(format!("datamimic-path\0{FORMAT_VERSION}\0{path}").as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    PathKey(u64::from_le_bytes(b))
}

impl RootKey {
    /// The 64-bit root all row keys start from.
    pub fn root64(&self) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.0[..8]);
        u64::from_le_bytes(b)
    }
}

/// The root of the items of one domain-facade request: SHA-256 over the canonical seed, the
/// domain and the dataset (pack code), so two domains or locales never share a stream.
pub fn facade_root(seed_canonical: &str, domain: &str, dataset: &str) -> u64 {
    let d =
        Sha256::digest(format!("datamimic-facade\0{FORMAT_VERSION}\0{seed_canonical}\0{domain}\0{dataset}").as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_le_bytes(b)
}

/// The key of item `index` of a facade request: `mix(facade_root(seed, domain, dataset), index)`.
/// Item *i* depends on nothing but `(seed, domain, dataset, i)`, so it is the same whatever the
/// request's `count`.
#[inline]
pub fn facade_item_key(root: u64, index: u64) -> u64 {
    mix(root, index)
}

/// 64-bit key of one statement (product, field, generator instance).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct PathKey(pub u64);

/// SplitMix64 finaliser: a bijective 64-bit mixer.
#[inline]
pub fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Combines two keys into one (order-sensitive).
#[inline]
pub fn mix(a: u64, b: u64) -> u64 {
    splitmix(a ^ premix(b))
}

/// The half of [`mix`] that depends on its second key only: `mix(a, b)` is
/// `splitmix(a ^ premix(b))`, so a key mixed with many others is premixed once.
#[inline]
pub fn premix(b: u64) -> u64 {
    splitmix(b.wrapping_add(0x632B_E59B_D9B4_E019))
}

/// The key of row `index` of the product with key `product` under the parent row `parent`
/// (0 at top level).
#[inline]
pub fn row_key(product: PathKey, parent: u64, index: u64) -> u64 {
    mix(mix(product.0, parent), index)
}

/// A seeded random stream: xoshiro256++ (Blackman and Vigna), the generator of
/// `rand_xoshiro::Xoshiro256PlusPlus`, written here so that making a stream and drawing from
/// it inline into the record loop (the tests compare it with the crate's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stream([u64; 4]);

impl Stream {
    /// A stream from a 64-bit key (expanded through SplitMix64 by `seed_from_u64`).
    #[inline(always)]
    pub fn new(key: u64) -> Stream {
        // `Xoshiro256PlusPlus::seed_from_u64(key)`, written out: its state is the first four
        // SplitMix64 outputs (the crate goes through a generic byte fill that costs more than
        // the arithmetic; a stream is made for every field of every record).
        const PHI: u64 = 0x9e37_79b9_7f4a_7c15;
        #[inline(always)]
        fn out(x: u64) -> u64 {
            let z = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        // Four scalar chains (a loop here is vectorised into emulated 64-bit multiplies).
        // The crate fills its seed bytes with SplitMix64 outputs in order, little-endian.
        let (a, b, c, d) = (
            out(key.wrapping_add(PHI)),
            out(key.wrapping_add(PHI.wrapping_mul(2))),
            out(key.wrapping_add(PHI.wrapping_mul(3))),
            out(key.wrapping_add(PHI.wrapping_mul(4))),
        );
        // Four distinct SplitMix64 outputs are never all zero (the crate's zero-seed case).
        Stream([a, b, c, d])
    }

    /// [`Stream::for_field`] with the field's key premixed ([`premix`]).
    #[inline(always)]
    pub fn for_premixed(row: u64, field_mix: u64) -> Stream {
        Stream::new(splitmix(row ^ field_mix))
    }

    /// The stream of field `field` in the row with key `row`.
    #[inline]
    pub fn for_field(row: u64, field: PathKey) -> Stream {
        Stream::new(mix(row, field.0))
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let out = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    /// Uniform in `[0, n)` (Lemire's multiply-shift with rejection); `n == 0` gives 0.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let mut m = (self.next_u64() as u128) * (n as u128);
        let mut lo = m as u64;
        if lo < n {
            let t = n.wrapping_neg() % n;
            while lo < t {
                m = (self.next_u64() as u128) * (n as u128);
                lo = m as u64;
            }
        }
        (m >> 64) as u64
    }

    /// Uniform integer in `[lo, hi]` (inclusive); swaps the bounds if reversed.
    #[inline]
    pub fn range_i64(&mut self, lo: i64, hi: i64) -> i64 {
        let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        let span = (hi as i128 - lo as i128 + 1) as u128;
        if span > u64::MAX as u128 {
            return self.next_u64() as i64;
        }
        (lo as i128 + self.below(span as u64) as i128) as i64
    }

    /// Uniform float in `[0, 1)` with 53 random bits.
    #[inline]
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform float in `[lo, hi)`.
    #[inline]
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// True with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// A uniform pick from a slice (`None` when empty).
    #[inline]
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            Some(&items[self.below(items.len() as u64) as usize])
        }
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// 128 random bits as an RFC 4122 version-4 UUID.
    pub fn uuid_v4(&mut self) -> u128 {
        let hi = self.next_u64() as u128;
        let lo = self.next_u64() as u128;
        let u = (hi << 64) | lo;
        (u & !(0xF000u128 << 64) | (0x4000u128 << 64)) & !(0xC000u128 << 48) | (0x8000u128 << 48)
    }
}

/// A Walker/Vose alias table: O(1) weighted picks.
#[derive(Clone, Debug)]
pub struct AliasTable {
    /// Per column: the probability of keeping it, and the index it yields otherwise (side by
    /// side, so that a draw touches one cache line).
    cols: Vec<(f64, u32)>,
}

impl AliasTable {
    /// Builds the table; `None` when there are no weights, a negative or non-finite weight, or
    /// the weights sum to zero.
    pub fn new(weights: &[f64]) -> Option<AliasTable> {
        let n = weights.len();
        if n == 0 || weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
            return None;
        }
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return None;
        }
        let mut prob: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias = vec![0u32; n];
        let mut small: Vec<usize> = Vec::new();
        let mut large: Vec<usize> = Vec::new();
        for (i, p) in prob.iter().enumerate() {
            if *p < 1.0 {
                small.push(i)
            } else {
                large.push(i)
            }
        }
        while let (Some(s), Some(l)) = (small.pop(), large.pop()) {
            alias[s] = l as u32;
            prob[l] -= 1.0 - prob[s];
            if prob[l] < 1.0 {
                small.push(l)
            } else {
                large.push(l)
            }
        }
        for i in large.into_iter().chain(small) {
            prob[i] = 1.0;
        }
        Some(AliasTable { cols: prob.into_iter().zip(alias).collect() })
    }

    pub fn len(&self) -> usize {
        self.cols.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cols.is_empty()
    }

    /// Draws an index.
    #[inline]
    pub fn sample(&self, s: &mut Stream) -> usize {
        let i = s.below(self.cols.len() as u64) as usize;
        let (p, alias) = self.cols[i];
        if s.f64() < p {
            i
        } else {
            alias as usize
        }
    }
}

/// UUIDv5 (SHA-1, RFC 4122) of `name` under `namespace`.
pub fn uuid5(namespace: uuid::Uuid, name: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(&namespace, name.as_bytes())
}

/// The documented namespace of datamimic ids: `uuid5(NAMESPACE_URL, "https://datamimic.io/ns/<kind>")`.
pub fn namespace(kind: &str) -> uuid::Uuid {
    uuid5(uuid::Uuid::NAMESPACE_URL, &format!("https://datamimic.io/ns/{kind}"))
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(data: &[u8]) -> String {
    let d = Sha256::digest(data);
    hex(&d)
}

pub fn hex(bytes: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(H[(b >> 4) as usize] as char);
        s.push(H[(b & 15) as usize] as char);
    }
    s
}

/// A keyed permutation of `0..n` (a Feistel network with cycle walking): `permute(i, n, key)`
/// for `i` in `0..n` gives every value of `0..n` exactly once, so the i-th distinct value of a
/// range is computed from `i` alone, with no set of the values drawn so far. `i >= n` is
/// returned unchanged (the caller reports the exhausted range).
pub fn permute(i: u64, n: u64, key: u64) -> u64 {
    if n <= 1 || i >= n {
        return i;
    }
    // A balanced network over 2·half bits, the smallest even width covering n (≤ 4n values,
    // so cycle walking takes fewer than four steps on average).
    let bits = (64 - (n - 1).leading_zeros()).max(2);
    let half = bits.div_ceil(2);
    let mask = (1u64 << half) - 1;
    let mut x = i;
    loop {
        let (mut l, mut r) = (x >> half, x & mask);
        for round in 0..4u64 {
            let f = mix(mix(key, round), r) & mask;
            (l, r) = (r, l ^ f);
        }
        x = (l << half) | r;
        if x < n {
            return x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::{RngCore, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn premixed_keys_give_the_same_streams() {
        let mut x = 7u64;
        for _ in 0..1000 {
            x = splitmix(x);
            let (row, field) = (x, splitmix(x ^ 1));
            assert_eq!(mix(row, field), splitmix(row ^ premix(field)));
            assert_eq!(
                Stream::for_premixed(row, premix(field)).next_u64(),
                Stream::for_field(row, PathKey(field)).next_u64()
            );
        }
    }

    #[test]
    fn streams_are_the_crates_xoshiro256plusplus() {
        let mut keys = vec![0u64, 1, u64::MAX, 0x9e37_79b9_7f4a_7c15u64.wrapping_neg()];
        let mut x = 12345u64;
        for _ in 0..10_000 {
            x = mix(x, 99);
            keys.push(x);
        }
        for k in keys {
            let mut a = Stream::new(k);
            let mut b = Xoshiro256PlusPlus::seed_from_u64(k);
            for _ in 0..64 {
                assert_eq!(a.next_u64(), b.next_u64(), "key {k:#x}");
            }
        }
    }

    #[test]
    fn streams_are_pure_functions_of_their_keys() {
        let root = RootKey::from_seed(&Seed::Int(42));
        let k = root.path_key("/setup/generate[a]/key[b]");
        let a: Vec<u64> = (0..4).map(|_| Stream::for_field(7, k).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Stream::for_field(7, k).next_u64(), Stream::for_field(8, k).next_u64());
        let other = RootKey::from_seed(&Seed::Int(43)).path_key("/setup/generate[a]/key[b]");
        assert_ne!(k, other);
    }

    #[test]
    fn below_is_in_range_and_covers_it() {
        let mut s = Stream::new(1);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let v = s.below(7) as usize;
            seen[v] = true;
        }
        assert!(seen.iter().all(|x| *x));
        for _ in 0..1000 {
            let v = s.range_i64(-3, 3);
            assert!((-3..=3).contains(&v));
        }
    }

    #[test]
    fn alias_table_matches_weights() {
        let w = [50.0, 25.0, 15.0, 7.0, 3.0];
        let t = AliasTable::new(&w).expect("valid weights");
        let mut s = Stream::new(99);
        let mut counts = [0usize; 5];
        let n = 1_000_000;
        for _ in 0..n {
            counts[t.sample(&mut s)] += 1;
        }
        for (c, w) in counts.iter().zip(w) {
            let share = *c as f64 / n as f64;
            assert!((share - w / 100.0).abs() < 0.01, "{share} vs {w}");
        }
        assert!(AliasTable::new(&[]).is_none());
        assert!(AliasTable::new(&[0.0, 0.0]).is_none());
    }

    #[test]
    fn uuid_v4_has_version_and_variant() {
        let mut s = Stream::new(5);
        for _ in 0..100 {
            let u = uuid::Uuid::from_u128(s.uuid_v4());
            assert_eq!(u.get_version_num(), 4);
            assert_eq!(u.get_variant(), uuid::Variant::RFC4122);
        }
    }
}

#[cfg(test)]
mod permute_tests {
    use super::permute;

    #[test]
    fn permute_is_a_bijection_of_the_range() {
        for n in [1u64, 2, 3, 7, 16, 100, 1000, 4097] {
            for key in [0u64, 1, 0xDEAD_BEEF] {
                let mut seen = vec![false; n as usize];
                for i in 0..n {
                    let v = permute(i, n, key);
                    assert!(v < n, "{v} outside 0..{n}");
                    assert!(!seen[v as usize], "{v} twice for n={n}");
                    seen[v as usize] = true;
                }
            }
        }
        // Different keys order differently; far indices need no earlier ones.
        let a: Vec<u64> = (0..20).map(|i| permute(i, 1000, 1)).collect();
        let b: Vec<u64> = (0..20).map(|i| permute(i, 1000, 2)).collect();
        assert_ne!(a, b);
        assert!(permute((1 << 40) + 5, 1 << 41, 9) < 1 << 41);
    }
}
