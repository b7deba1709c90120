//! Locale packs: the versioned CSV files under `src/domains/data/{us,de,vn}/`, compiled into the
//! binary and parsed once into weighted tables (alias tables, O(1) per draw).
//!
//! Each file starts with `#` provenance lines, then a header row. A pack records its version in
//! `PACK`; the versions are part of the run manifest.

use std::sync::{Arc, OnceLock};

use crate::domains::determinism::{AliasTable, Stream};

/// A list of values with an alias table over their weights.
#[derive(Debug)]
pub struct Weighted<T> {
    pub items: Vec<T>,
    table: Option<AliasTable>,
}

impl<T> Weighted<T> {
    fn new(items: Vec<T>, weights: &[f64]) -> Weighted<T> {
        let table = AliasTable::new(weights);
        Weighted { items, table }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// A weighted pick (`None` when empty).
    pub fn pick(&self, s: &mut Stream) -> Option<&T> {
        match &self.table {
            Some(t) => self.items.get(t.sample(s)),
            None => s.pick(&self.items),
        }
    }
}

/// Given names weighted by the birth year of the person who bears them: one alias table per
/// birth decade from the `peak`/`spread` columns of the pack (none when the pack has no such
/// columns, and then the overall weights apply).
#[derive(Debug, Default)]
pub struct ByBirthYear {
    tables: Vec<AliasTable>,
}

/// First birth decade with its own table; earlier and later years use the nearest decade.
const FIRST_DECADE: i32 = 1900;
const DECADES: usize = 14;
/// Years the file weights aggregate (births 1940-2010).
const WINDOW: (i32, i32) = (1940, 2010);

impl ByBirthYear {
    fn new(text: &str) -> ByBirthYear {
        let r = rows(text);
        let eras: Vec<Option<(f64, f64)>> = r
            .iter()
            .map(|x| {
                let peak = x.get(2).and_then(|p| p.parse::<f64>().ok())?;
                let spread = x.get(3).and_then(|p| p.parse::<f64>().ok()).filter(|s| *s > 0.0).unwrap_or(12.0);
                Some((peak, spread))
            })
            .collect();
        if eras.iter().all(Option::is_none) {
            return ByBirthYear::default();
        }
        let g = |(peak, spread): (f64, f64), y: f64| (-0.5 * ((y - peak) / spread).powi(2)).exp();
        // Each name keeps its file weight summed over the window: the popularity curve is
        // scaled by its mean over the window (bounded so that names that peaked long before the
        // window do not explode).
        let scale: Vec<f64> = eras
            .iter()
            .map(|e| match e {
                Some(era) => {
                    let n = (WINDOW.1 - WINDOW.0 + 1) as f64;
                    let mean = (WINDOW.0..=WINDOW.1).map(|y| g(*era, y as f64)).sum::<f64>() / n;
                    1.0 / mean.max(0.02)
                }
                None => 1.0,
            })
            .collect();
        let tables = (0..DECADES)
            .filter_map(|d| {
                let mid = (FIRST_DECADE + 10 * d as i32 + 5) as f64;
                let w: Vec<f64> = r
                    .iter()
                    .zip(&eras)
                    .zip(&scale)
                    .map(|((x, e), k)| num(x.get(1)) * e.map(|era| g(era, mid) * k).unwrap_or(1.0))
                    .collect();
                AliasTable::new(&w)
            })
            .collect::<Vec<_>>();
        if tables.len() != DECADES {
            return ByBirthYear::default();
        }
        ByBirthYear { tables }
    }

    /// A name of `names` for someone born in `year` (the overall weights when the pack has no
    /// birth-year columns).
    pub fn pick<'a, T>(&self, names: &'a Weighted<T>, year: i32, s: &mut Stream) -> Option<&'a T> {
        if self.tables.is_empty() {
            return names.pick(s);
        }
        let d = ((year - FIRST_DECADE).div_euclid(10)).clamp(0, DECADES as i32 - 1) as usize;
        names.items.get(self.tables[d].sample(s))
    }
}

#[derive(Debug, Clone)]
pub struct City {
    pub name: Arc<str>,
    pub state: Arc<str>,
    pub postal_code: Arc<str>,
    pub area_code: Arc<str>,
    pub population: i64,
}

#[derive(Debug, Clone)]
pub struct State {
    pub code: Arc<str>,
    pub name: Arc<str>,
    pub population: i64,
}

#[derive(Debug, Clone)]
pub struct CountryRow {
    pub iso_code: Arc<str>,
    pub name: Arc<str>,
    pub locale: Arc<str>,
    pub phone_code: Arc<str>,
    pub population: i64,
}

/// One locale pack.
#[derive(Debug)]
pub struct Locale {
    pub code: &'static str,
    pub version: String,
    pub given_female: Weighted<Arc<str>>,
    pub given_male: Weighted<Arc<str>>,
    /// Given-name weights by birth decade (see [`ByBirthYear`]).
    pub given_female_by_year: ByBirthYear,
    pub given_male_by_year: ByBirthYear,
    pub middle_female: Weighted<Arc<str>>,
    pub middle_male: Weighted<Arc<str>>,
    pub family: Weighted<Arc<str>>,
    pub states: Vec<State>,
    pub cities: Weighted<City>,
    pub streets: Weighted<Arc<str>>,
    pub webmail: Weighted<Arc<str>>,
    pub tlds: Weighted<Arc<str>>,
    pub company_prefix: Weighted<Arc<str>>,
    pub company_suffix: Weighted<Arc<str>>,
    pub legal_forms: Weighted<Arc<str>>,
    pub sectors: Weighted<Arc<str>>,
    pub departments: Weighted<Arc<str>>,
    /// `(title, minimum age)` weighted.
    pub academic_titles: Weighted<(Arc<str>, i64)>,
    /// `(female, male)` weighted.
    pub nobility: Weighted<(Arc<str>, Arc<str>)>,
    pub salutation_female: Vec<Arc<str>>,
    pub salutation_male: Vec<Arc<str>>,
    pub salutation_other: Vec<Arc<str>>,
    pub mobile_prefixes: Weighted<Arc<str>>,
    pub country: CountryRow,
}

impl Locale {
    pub fn state_name(&self, code: &str) -> Option<&str> {
        self.states.iter().find(|s| &*s.code == code).map(|s| &*s.name)
    }
}

/// Rows of a pack file: comment lines skipped, header row consumed.
pub(crate) fn rows(text: &str) -> Vec<Vec<String>> {
    let body: String = text.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(body.as_bytes());
    rdr.records()
        .filter_map(Result::ok)
        .map(|r| r.iter().map(|c| c.trim().to_string()).collect::<Vec<_>>())
        .filter(|r| r.iter().any(|c| !c.is_empty()))
        .collect()
}

fn num(s: Option<&String>) -> f64 {
    s.and_then(|x| x.parse::<f64>().ok()).filter(|w| *w > 0.0).unwrap_or(1.0)
}

/// `value,weight` files.
fn weighted(text: &str) -> Weighted<Arc<str>> {
    let r = rows(text);
    let items = r.iter().map(|x| Arc::from(x[0].as_str())).collect();
    let w: Vec<f64> = r.iter().map(|x| num(x.get(1))).collect();
    Weighted::new(items, &w)
}

fn company_parts(text: &str, position: &str) -> Weighted<Arc<str>> {
    let r: Vec<Vec<String>> =
        rows(text).into_iter().filter(|x| x.get(1).map(|p| p.as_str()) == Some(position)).collect();
    let items = r.iter().map(|x| Arc::from(x[0].as_str())).collect();
    let w: Vec<f64> = r.iter().map(|x| num(x.get(2))).collect();
    Weighted::new(items, &w)
}

macro_rules! pack_file {
    ($dir:literal, $file:literal) => {
        include_str!(concat!("data/", $dir, "/", $file))
    };
}

macro_rules! load_pack {
    ($code:literal, $dir:literal, middle: $middle:expr, mobile: $mobile:expr) => {{
        let pack_value = |key: &str| {
            pack_file!($dir, "PACK").lines().find_map(|l| l.strip_prefix(key)?.strip_prefix('=')).map(str::trim)
        };
        let version = pack_value("version").unwrap_or("0").to_string();
        let states: Vec<State> = rows(pack_file!($dir, "states.csv"))
            .into_iter()
            .map(|r| State {
                code: Arc::from(r[0].as_str()),
                name: Arc::from(r.get(1).map(|s| s.as_str()).unwrap_or("")),
                population: r.get(2).and_then(|p| p.parse().ok()).unwrap_or(0),
            })
            .collect();
        let city_rows = rows(pack_file!($dir, "cities.csv"));
        let cities: Vec<City> = city_rows
            .iter()
            .map(|r| City {
                name: Arc::from(r[0].as_str()),
                state: Arc::from(r.get(1).map(|s| s.as_str()).unwrap_or("")),
                postal_code: Arc::from(r.get(2).map(|s| s.as_str()).unwrap_or("")),
                area_code: Arc::from(r.get(3).map(|s| s.as_str()).unwrap_or("")),
                population: r.get(4).and_then(|p| p.parse().ok()).unwrap_or(1),
            })
            .collect();
        // Population-weighted, damped so that small towns still appear.
        let cw: Vec<f64> = cities.iter().map(|c| (c.population.max(1) as f64).sqrt()).collect();
        let titles = rows(pack_file!($dir, "academic_titles.csv"));
        let nob = rows(pack_file!($dir, "nobility_titles.csv"));
        let sal = rows(pack_file!($dir, "salutations.csv"));
        let sal_for = |g: &str| -> Vec<Arc<str>> {
            sal.iter().filter(|r| r[0] == g).filter_map(|r| r.get(1)).map(|s| Arc::from(s.as_str())).collect()
        };
        let country = rows(pack_file!($dir, "country.csv"))
            .into_iter()
            .next()
            .map(|r| CountryRow {
                iso_code: Arc::from(r[0].as_str()),
                name: Arc::from(r.get(1).map(|s| s.as_str()).unwrap_or("")),
                locale: Arc::from(r.get(2).map(|s| s.as_str()).unwrap_or("")),
                phone_code: Arc::from(r.get(3).map(|s| s.as_str()).unwrap_or("")),
                population: r.get(4).and_then(|p| p.parse().ok()).unwrap_or(0),
            })
            .unwrap_or(CountryRow {
                iso_code: Arc::from($code),
                name: Arc::from($code),
                locale: Arc::from(""),
                phone_code: Arc::from(""),
                population: 0,
            });
        let (mf, mm): (&str, &str) = $middle;
        Locale {
            code: $code,
            version,
            given_female: weighted(pack_file!($dir, "given_names_female.csv")),
            given_male: weighted(pack_file!($dir, "given_names_male.csv")),
            given_female_by_year: ByBirthYear::new(pack_file!($dir, "given_names_female.csv")),
            given_male_by_year: ByBirthYear::new(pack_file!($dir, "given_names_male.csv")),
            middle_female: weighted(mf),
            middle_male: weighted(mm),
            family: weighted(pack_file!($dir, "family_names.csv")),
            states,
            cities: Weighted::new(cities, &cw),
            streets: weighted(pack_file!($dir, "streets.csv")),
            webmail: weighted(pack_file!($dir, "webmail.csv")),
            tlds: weighted(pack_file!($dir, "tlds.csv")),
            company_prefix: company_parts(pack_file!($dir, "company_name_parts.csv"), "prefix"),
            company_suffix: company_parts(pack_file!($dir, "company_name_parts.csv"), "suffix"),
            legal_forms: weighted(pack_file!($dir, "legal_forms.csv")),
            sectors: weighted(pack_file!($dir, "sectors.csv")),
            departments: weighted(pack_file!($dir, "departments.csv")),
            academic_titles: Weighted::new(
                titles
                    .iter()
                    .map(|r| (Arc::from(r[0].as_str()), r.get(1).and_then(|a| a.parse().ok()).unwrap_or(25)))
                    .collect(),
                &titles.iter().map(|r| num(r.get(2))).collect::<Vec<_>>(),
            ),
            nobility: Weighted::new(
                nob.iter()
                    .map(|r| (Arc::from(r[0].as_str()), Arc::from(r.get(1).map(|s| s.as_str()).unwrap_or(""))))
                    .collect(),
                &nob.iter().map(|r| num(r.get(2))).collect::<Vec<_>>(),
            ),
            salutation_female: sal_for("female"),
            salutation_male: sal_for("male"),
            salutation_other: sal_for("other"),
            mobile_prefixes: weighted($mobile),
            country,
        }
    }};
}

const NO_ROWS: &str = "value,weight\n";

fn us() -> &'static Locale {
    static L: OnceLock<Locale> = OnceLock::new();
    L.get_or_init(|| load_pack!("US", "us", middle: (NO_ROWS, NO_ROWS), mobile: NO_ROWS))
}

fn de() -> &'static Locale {
    static L: OnceLock<Locale> = OnceLock::new();
    L.get_or_init(
        || load_pack!("DE", "de", middle: (NO_ROWS, NO_ROWS), mobile: pack_file!("de", "area_codes_mobile.csv")),
    )
}

fn vn() -> &'static Locale {
    static L: OnceLock<Locale> = OnceLock::new();
    L.get_or_init(|| {
        load_pack!(
            "VN",
            "vn",
            middle: (pack_file!("vn", "middle_names_female.csv"), pack_file!("vn", "middle_names_male.csv")),
            mobile: pack_file!("vn", "area_codes_mobile.csv")
        )
    })
}

/// Dataset codes with a complete pack.
pub const PACKS: &[&str] = &["US", "DE", "VN"];

/// Maps a dataset or locale (`de_DE`, `de`, `DE`) to a pack code, if we have one.
pub fn pack_code(dataset: &str) -> Option<&'static str> {
    let d = dataset.trim();
    if d.len() == 2 {
        for (names, code) in [(&["en", "us"][..], "US"), (&["de"][..], "DE"), (&["vi", "vn"][..], "VN")] {
            if names.iter().any(|n| n.eq_ignore_ascii_case(d)) {
                return Some(code);
            }
        }
    }
    let cc = d.rsplit(['_', '-']).next().unwrap_or(d);
    PACKS.iter().copied().find(|p| p.eq_ignore_ascii_case(cc))
}

/// The pack for a dataset; datasets without a pack use the US pack (reported by `check`).
pub fn locale(dataset: &str) -> &'static Locale {
    let l = match pack_code(dataset) {
        Some("DE") => de(),
        Some("VN") => vn(),
        _ => us(),
    };
    USED.with(|u| {
        if let Some(set) = u.borrow_mut().as_mut() {
            set.insert(l.code);
        }
    });
    l
}

thread_local! {
    static USED: std::cell::RefCell<Option<std::collections::BTreeSet<&'static str>>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` and returns the packs it looked up on this thread, in code order. Lowering a model
/// looks up every pack its generators and entities use, so this is how a run knows which pack
/// versions to record in its manifest.
pub fn track_packs<T>(f: impl FnOnce() -> T) -> (T, Vec<&'static str>) {
    let outer = USED.with(|u| u.borrow_mut().replace(Default::default()));
    let out = f();
    let used = USED.with(|u| std::mem::replace(&mut *u.borrow_mut(), outer));
    let used: Vec<&'static str> = used.unwrap_or_default().into_iter().collect();
    // A nested tracker sees what the inner one saw.
    USED.with(|u| {
        if let Some(set) = u.borrow_mut().as_mut() {
            set.extend(used.iter().copied());
        }
    });
    (out, used)
}

/// `(pack, version)` of every pack, for the manifest.
pub fn versions() -> Vec<(&'static str, String)> {
    vec![("US", us().version.clone()), ("DE", de().version.clone()), ("VN", vn().version.clone())]
}

/// ASCII transliteration for e-mail local parts and domains: German umlauts as `ae/oe/ue/ss`,
/// Vietnamese and other Latin diacritics stripped, `đ` as `d`; anything else dropped.
pub fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'Ä' => out.push_str("Ae"),
            'Ö' => out.push_str("Oe"),
            'Ü' => out.push_str("Ue"),
            'ß' => out.push_str("ss"),
            'đ' => out.push('d'),
            'Đ' => out.push('D'),
            c if c.is_ascii() => out.push(c),
            c => {
                if let Some(b) = strip_diacritic(c) {
                    out.push(b)
                }
            }
        }
    }
    out
}

/// Appends the lower-case ASCII letters and digits of `s` after [`ascii_fold`] (`Müller-Weiß`
/// → `muellerweiss`), without intermediate strings: e-mail local parts and domains.
pub fn push_slug(out: &mut impl std::fmt::Write, s: &str) {
    slug_chars(s, |c| {
        let _ = out.write_char(c);
    });
}

/// The first character [`push_slug`] would append, if any.
pub fn slug_initial(s: &str) -> Option<char> {
    let mut first = None;
    slug_chars(s, |c| {
        first.get_or_insert(c);
    });
    first
}

/// Calls `f` with each character of the slug of `s` (see [`push_slug`]).
fn slug_chars(s: &str, mut f: impl FnMut(char)) {
    if s.is_ascii() {
        for b in s.bytes().filter(u8::is_ascii_alphanumeric) {
            f(b.to_ascii_lowercase() as char);
        }
        return;
    }
    let mut push = |c: char| {
        if c.is_ascii_alphanumeric() {
            f(c.to_ascii_lowercase())
        }
    };
    for c in s.chars() {
        match c {
            'ä' | 'Ä' => "ae".chars().for_each(&mut push),
            'ö' | 'Ö' => "oe".chars().for_each(&mut push),
            'ü' | 'Ü' => "ue".chars().for_each(&mut push),
            'ß' => "ss".chars().for_each(&mut push),
            'đ' | 'Đ' => push('d'),
            c if c.is_ascii() => push(c),
            c => {
                if let Some(b) = strip_diacritic(c) {
                    push(b)
                }
            }
        }
    }
}

fn strip_diacritic(c: char) -> Option<char> {
    const GROUPS: &[(char, &str)] = &[
        ('a', "àáâãåāăąạảấầẩẫậắằẳẵặǎ"),
        ('A', "ÀÁÂÃÅĀĂĄẠẢẤẦẨẪẬẮẰẲẴẶ"),
        ('e', "èéêëēĕėęěẹẻẽếềểễệ"),
        ('E', "ÈÉÊËĒĔĖĘĚẸẺẼẾỀỂỄỆ"),
        ('i', "ìíîïĩīĭįıỉị"),
        ('I', "ÌÍÎÏĨĪĬĮİỈỊ"),
        ('o', "òóôõøōŏőơọỏốồổỗộớờởỡợ"),
        ('O', "ÒÓÔÕØŌŎŐƠỌỎỐỒỔỖỘỚỜỞỠỢ"),
        ('u', "ùúûũūŭůűųưụủứừửữự"),
        ('U', "ÙÚÛŨŪŬŮŰŲƯỤỦỨỪỬỮỰ"),
        ('y', "ýÿŷỳỵỷỹ"),
        ('Y', "ÝŸŶỲỴỶỸ"),
        ('c', "çćĉċč"),
        ('C', "ÇĆĈĊČ"),
        ('n', "ñńņňŉ"),
        ('N', "ÑŃŅŇ"),
        ('s', "śŝşšș"),
        ('S', "ŚŜŞŠȘ"),
        ('z', "źżž"),
        ('Z', "ŹŻŽ"),
        ('g', "ğĝġģ"),
        ('G', "ĞĜĠĢ"),
        ('l', "ĺļľŀł"),
        ('L', "ĹĻĽĿŁ"),
        ('r', "ŕŗř"),
        ('R', "ŔŖŘ"),
        ('t', "ţťțŧ"),
        ('T', "ŢŤȚŦ"),
        ('d', "ďđ"),
        ('D', "ĎĐ"),
    ];
    GROUPS.iter().find(|(_, set)| set.contains(c)).map(|(b, _)| *b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_load_with_their_minimum_sizes() {
        for (code, given, family, cities, streets) in
            [("US", 500, 1000, 2000, 500), ("DE", 500, 1000, 2000, 1000), ("VN", 100, 50, 200, 200)]
        {
            let l = locale(code);
            assert_eq!(l.code, code);
            assert!(l.given_female.items.len() >= given, "{code} female names");
            assert!(l.given_male.items.len() >= given, "{code} male names");
            assert!(l.family.items.len() >= family, "{code} family names");
            assert!(l.cities.items.len() >= cities, "{code} cities");
            assert!(l.streets.items.len() >= streets, "{code} streets");
            assert!(l.webmail.items.len() >= 10, "{code} webmail");
            assert!(!l.version.is_empty());
            for c in &l.cities.items {
                assert!(l.state_name(&c.state).is_some(), "{code}: city {} has unknown state {}", c.name, c.state);
                assert!(c.postal_code.chars().all(|d| d.is_ascii_digit()), "{code}: postal {}", c.postal_code);
            }
        }
        assert!(locale("VN").middle_female.items.len() >= 30);
    }

    #[test]
    fn locale_codes_map_to_packs() {
        assert_eq!(pack_code("de_DE"), Some("DE"));
        assert_eq!(pack_code("US"), Some("US"));
        assert_eq!(pack_code("vi_VN"), Some("VN"));
        assert_eq!(pack_code("FR"), None);
    }

    #[test]
    fn used_packs_are_tracked_in_code_order() {
        let ((), used) = track_packs(|| {
            locale("vi_VN");
            let ((), inner) = track_packs(|| {
                locale("US");
            });
            assert_eq!(inner, ["US"]);
            locale("de");
        });
        assert_eq!(used, ["DE", "US", "VN"]);
        let ((), none) = track_packs(|| ());
        assert!(none.is_empty());
    }

    #[test]
    fn push_slug_is_ascii_fold_lower_alphanumeric() {
        for l in [locale("US"), locale("DE"), locale("VN")] {
            for name in l
                .given_female
                .items
                .iter()
                .chain(&l.given_male.items)
                .chain(&l.family.items)
                .chain(&l.middle_male.items)
            {
                let want: String =
                    ascii_fold(name).to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
                let mut got = String::new();
                push_slug(&mut got, name);
                assert_eq!(got, want, "{name}");
                assert_eq!(slug_initial(name), want.chars().next(), "{name}");
            }
        }
    }

    #[test]
    fn ascii_fold_transliterates() {
        assert_eq!(ascii_fold("Müller-Weiß"), "Mueller-Weiss");
        assert_eq!(ascii_fold("Nguyễn Đức"), "Nguyen Duc");
        assert_eq!(ascii_fold("Peña"), "Pena");
    }
}
