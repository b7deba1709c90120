//! Clinical datasets of the healthcare family (`src/domains/data/healthcare/`): conditions,
//! medications, allergies, blood groups, insurers, emergency-contact relationships and the
//! registries behind national identifiers. Parsed once, shared by every record.
//!
//! Localised values are `Tr = [US English, German, Vietnamese]`, indexed by [`country`].

use std::sync::{Arc, OnceLock};

use crate::domains::determinism::Stream;
use crate::domains::locale::Locale;

/// A value in the three pack languages: `[en, de, vi]`.
pub type Tr = [Arc<str>; 3];

/// Index of the pack's country (and language) in `Tr` and per-country columns.
pub fn country(loc: &Locale) -> usize {
    match loc.code {
        "DE" => 1,
        "VN" => 2,
        _ => 0,
    }
}

/// A parsed dataset file: `#` provenance lines skipped, header row consumed.
pub struct Table {
    cols: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// One row of a [`Table`], read by column name.
pub struct Row<'a> {
    t: &'a Table,
    r: &'a [String],
}

impl Table {
    pub fn parse(text: &str) -> Table {
        let body: String = text.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
        let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(body.as_bytes());
        let cols = rdr.headers().map(|h| h.iter().map(|c| c.trim().to_string()).collect()).unwrap_or_default();
        let rows = rdr
            .records()
            .filter_map(Result::ok)
            .map(|r| r.iter().map(|c| c.trim().to_string()).collect::<Vec<_>>())
            .filter(|r| r.iter().any(|c| !c.is_empty()))
            .collect();
        Table { cols, rows }
    }

    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |r| Row { t: self, r })
    }
}

impl Row<'_> {
    /// A cell; a missing column is a defect of the compiled-in data (caught by the tests).
    pub fn s(&self, col: &str) -> &str {
        let i = self.t.cols.iter().position(|c| c == col).unwrap_or_else(|| panic!("dataset column {col} missing"));
        self.r.get(i).map(|s| s.as_str()).unwrap_or("")
    }

    pub fn a(&self, col: &str) -> Arc<str> {
        Arc::from(self.s(col))
    }

    pub fn f(&self, col: &str) -> f64 {
        self.s(col).parse().unwrap_or(0.0)
    }

    pub fn i(&self, col: &str) -> i64 {
        self.s(col).parse().unwrap_or(0)
    }

    pub fn b(&self, col: &str) -> bool {
        self.s(col) == "1"
    }

    /// A `;`-separated list.
    pub fn list(&self, col: &str) -> Vec<String> {
        self.s(col).split(';').map(str::trim).filter(|x| !x.is_empty()).map(String::from).collect()
    }

    /// `{prefix}_en`, `{prefix}_de`, `{prefix}_vi`.
    pub fn tr(&self, prefix: &str) -> Tr {
        [self.a(&format!("{prefix}_en")), self.a(&format!("{prefix}_de")), self.a(&format!("{prefix}_vi"))]
    }

    /// Per-country numbers from the columns `us`, `de`, `vn` (or `{prefix}_us`, …).
    pub fn per_country(&self, prefix: &str) -> [f64; 3] {
        let col = |cc: &str| if prefix.is_empty() { cc.to_string() } else { format!("{prefix}_{cc}") };
        [self.f(&col("us")), self.f(&col("de")), self.f(&col("vn"))]
    }
}

/// Items with an alias table over their weights (the families' shared weighted choice).
pub use crate::domains::families::commerce::table::Choice as Pick;

/// A weighted index over ad-hoc weights (zero weights are never chosen); `None` when all are zero.
pub fn weighted_index(s: &mut Stream, weights: &[f64]) -> Option<usize> {
    let total: f64 = weights.iter().filter(|w| w.is_finite() && **w > 0.0).sum();
    if total <= 0.0 {
        return None;
    }
    let mut u = s.f64() * total;
    let mut last = None;
    for (i, w) in weights.iter().enumerate() {
        if *w > 0.0 && w.is_finite() {
            last = Some(i);
            if u < *w {
                return Some(i);
            }
            u -= w;
        }
    }
    last
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sex {
    Female,
    Male,
}

pub struct Condition {
    pub code: Arc<str>,
    pub name: Tr,
    /// Lower-case names accepted by `conditionsInclude`/`conditionsExclude`: code, names, aliases.
    pub keys: Vec<String>,
    pub min_age: i64,
    pub max_age: i64,
    pub sex: Option<Sex>,
    /// Percent with the diagnosis in the age bands 0-17, 18-39, 40-64, 65+.
    pub bands: [f64; 4],
    pub female_share: f64,
    pub country: [f64; 3],
    pub treated: f64,
}

impl Condition {
    /// Probability of the diagnosis at `age` for a person of `sex` (None: other gender).
    pub fn prevalence(&self, age: i64, sex: Option<Sex>, c: usize) -> f64 {
        if age < self.min_age || age > self.max_age {
            return 0.0;
        }
        let band = match age {
            ..=17 => 0,
            18..=39 => 1,
            40..=64 => 2,
            _ => 3,
        };
        let sex_factor = match (self.sex, sex) {
            (Some(want), Some(have)) if want != have => 0.0,
            (Some(_), None) => 0.0,
            (Some(_), Some(_)) => 1.0,
            (None, Some(Sex::Female)) => 2.0 * self.female_share,
            (None, Some(Sex::Male)) => 2.0 * (1.0 - self.female_share),
            (None, None) => 1.0,
        };
        (self.bands[band] / 100.0 * self.country[c] * sex_factor).clamp(0.0, 0.95)
    }

    /// Whether the condition can occur at all for this age and sex.
    pub fn possible(&self, age: i64, sex: Option<Sex>) -> bool {
        age >= self.min_age && age <= self.max_age && self.sex.is_none_or(|s| Some(s) == sex)
    }
}

pub struct Medication {
    pub atc: Arc<str>,
    /// `[US name, German name, Vietnamese name]`.
    pub name: Tr,
    /// Indices into `conditions`.
    pub treats: Vec<usize>,
    pub min_age: i64,
    pub class: Option<Arc<str>>,
    pub weight: f64,
}

pub struct Allergy {
    pub id: Arc<str>,
    pub name: Tr,
    pub class: Option<Arc<str>>,
    pub p_child: f64,
    pub p_adult: f64,
    pub country: [f64; 3],
    pub severity: Arc<str>,
    pub reaction: Tr,
}

pub struct Insurer {
    pub name: Arc<str>,
    pub kind: Arc<str>,
    /// Weights for ages 0-17, 18-64, 65+.
    pub weights: [f64; 3],
}

/// Whether an emergency contact carries the patient's family name.
#[derive(Clone, Copy, Debug)]
pub enum Share {
    P(f64),
    /// Shared when the patient is male (children take the father's name).
    Paternal,
}

pub struct Relationship {
    pub id: Arc<str>,
    pub name: Tr,
    pub female: bool,
    pub min_age: i64,
    pub max_age: i64,
    pub weights: [f64; 3],
    pub share_west: f64,
    pub share_vn: Share,
    pub spouse: bool,
}

pub struct Clinical {
    pub conditions: Vec<Condition>,
    pub medications: Vec<Medication>,
    pub allergies: Vec<Allergy>,
    /// Blood groups with per-country weights.
    pub blood_types: [Pick<Arc<str>>; 3],
    pub insurers: [Vec<Insurer>; 3],
    pub relationships: Vec<Relationship>,
    /// CCCD province codes weighted by population.
    pub vn_provinces: Pick<Arc<str>>,
    /// `(Land code, chamber, weight)`.
    pub de_chambers: Vec<(Arc<str>, Arc<str>, f64)>,
}

impl Clinical {
    pub fn condition_index(&self, code: &str) -> Option<usize> {
        self.conditions.iter().position(|c| &*c.code == code)
    }

    /// Conditions matching a user-given name (code, any language's name or alias), case-insensitive.
    pub fn find_conditions(&self, name: &str) -> Vec<usize> {
        let n = name.trim().to_lowercase();
        (0..self.conditions.len()).filter(|i| self.conditions[*i].keys.contains(&n)).collect()
    }
}

macro_rules! hc_file {
    ($f:literal) => {
        include_str!(concat!("../../data/healthcare/", $f))
    };
}
pub(crate) use hc_file;

fn load() -> Clinical {
    let conditions: Vec<Condition> = Table::parse(hc_file!("conditions.csv"))
        .rows()
        .map(|r| {
            let name = r.tr("name");
            let mut keys: Vec<String> = vec![r.s("code").to_lowercase()];
            keys.extend(name.iter().map(|n| n.to_lowercase()));
            keys.extend(r.list("aliases").iter().map(|a| a.to_lowercase()));
            keys.dedup();
            Condition {
                code: r.a("code"),
                name,
                keys,
                min_age: r.i("min_age"),
                max_age: r.i("max_age"),
                sex: match r.s("sex") {
                    "F" => Some(Sex::Female),
                    "M" => Some(Sex::Male),
                    _ => None,
                },
                bands: [r.f("p_child"), r.f("p_young"), r.f("p_mid"), r.f("p_old")],
                female_share: r.f("female_share"),
                country: r.per_country(""),
                treated: r.f("treated"),
            }
        })
        .collect();
    let index = |code: &str| conditions.iter().position(|c| &*c.code == code);
    let medications = Table::parse(hc_file!("medications.csv"))
        .rows()
        .map(|r| {
            let us = if r.s("name_us").is_empty() { r.a("name_en") } else { r.a("name_us") };
            Medication {
                atc: r.a("atc"),
                name: [us, r.a("name_de"), r.a("name_vi")],
                treats: r.list("treats").iter().filter_map(|c| index(c)).collect(),
                min_age: r.i("min_age"),
                class: Some(r.a("class")).filter(|c| !c.is_empty()),
                weight: r.f("weight"),
            }
        })
        .collect();
    let allergies = Table::parse(hc_file!("allergies.csv"))
        .rows()
        .map(|r| Allergy {
            id: r.a("id"),
            name: r.tr("name"),
            class: Some(r.a("class")).filter(|c| !c.is_empty()),
            p_child: r.f("p_child"),
            p_adult: r.f("p_adult"),
            country: r.per_country(""),
            severity: r.a("severity"),
            reaction: r.tr("reaction"),
        })
        .collect();
    let blood = Table::parse(hc_file!("blood_types.csv"));
    let types: Vec<Arc<str>> = blood.rows().map(|r| r.a("type")).collect();
    let shares: Vec<[f64; 3]> = blood.rows().map(|r| r.per_country("")).collect();
    let blood_types = [0, 1, 2].map(|c| Pick::new(types.clone(), &shares.iter().map(|s| s[c]).collect::<Vec<_>>()));
    let mut insurers: [Vec<Insurer>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for r in Table::parse(hc_file!("insurers.csv")).rows() {
        let c = match r.s("country") {
            "DE" => 1,
            "VN" => 2,
            _ => 0,
        };
        insurers[c].push(Insurer {
            name: r.a("name"),
            kind: r.a("kind"),
            weights: [r.f("w_child"), r.f("w_adult"), r.f("w_senior")],
        });
    }
    let relationships = Table::parse(hc_file!("relationships.csv"))
        .rows()
        .map(|r| Relationship {
            id: r.a("id"),
            name: r.tr("name"),
            female: r.s("gender") == "F",
            min_age: r.i("min_age"),
            max_age: r.i("max_age"),
            weights: [r.f("w_child"), r.f("w_adult"), r.f("w_senior")],
            share_west: r.f("share_west"),
            share_vn: match r.s("share_vn") {
                "paternal" => Share::Paternal,
                _ => Share::P(r.f("share_vn")),
            },
            spouse: r.b("spouse"),
        })
        .collect();
    let reg = Table::parse(hc_file!("registries.csv"));
    let provinces: Vec<(Arc<str>, f64)> =
        reg.rows().filter(|r| r.s("kind") == "vn_province").map(|r| (r.a("key"), r.f("weight"))).collect();
    let vn_provinces =
        Pick::new(provinces.iter().map(|p| p.0.clone()).collect(), &provinces.iter().map(|p| p.1).collect::<Vec<_>>());
    let de_chambers =
        reg.rows().filter(|r| r.s("kind") == "de_chamber").map(|r| (r.a("key"), r.a("value"), r.f("weight"))).collect();
    Clinical { conditions, medications, allergies, blood_types, insurers, relationships, vn_provinces, de_chambers }
}

/// The clinical datasets, parsed on first use.
pub fn clinical() -> &'static Clinical {
    static D: OnceLock<Clinical> = OnceLock::new();
    D.get_or_init(load)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clinical_datasets_meet_their_minimums_and_reference_each_other() {
        let d = clinical();
        assert!(d.conditions.len() >= 60, "conditions");
        assert!(d.medications.len() >= 60, "medications");
        assert!(d.allergies.len() >= 20, "allergies");
        for c in &d.conditions {
            assert!(c.code.chars().next().is_some_and(|x| x.is_ascii_uppercase()), "{}", c.code);
            assert!(c.name.iter().all(|n| !n.is_empty()), "{}", c.code);
            assert!(c.min_age <= c.max_age, "{}", c.code);
            assert!(c.country.iter().all(|f| *f > 0.0), "{}", c.code);
            let has_med = d.medications.iter().any(|m| m.treats.iter().any(|t| *d.conditions[*t].code == *c.code));
            assert_eq!(c.treated > 0.0, has_med, "{}: treated {} but medication listed: {has_med}", c.code, c.treated);
        }
        let codes: Vec<&str> = d.conditions.iter().map(|c| &*c.code).collect();
        let mut dedup = codes.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), codes.len(), "duplicate condition codes");
        // Hard zeros for adult-onset diseases.
        for code in ["G30", "G20", "I25", "J44", "I50", "I48", "M81", "M10", "H25", "H35.3", "E11"] {
            let c = &d.conditions[d.condition_index(code).expect(code)];
            assert!(c.min_age >= 18, "{code} must be adult-only");
        }
        let med_text = hc_file!("medications.csv");
        for r in Table::parse(med_text).rows() {
            for code in r.list("treats") {
                assert!(d.condition_index(&code).is_some(), "{}: unknown condition {code}", r.s("atc"));
            }
            let atc = r.s("atc");
            assert!(atc.len() == 7 && atc.is_ascii(), "ATC {atc}");
        }
        for a in &d.allergies {
            if let Some(cl) = &a.class {
                assert!(
                    d.medications.iter().any(|m| m.class.as_ref() == Some(cl))
                        || &**cl == "opioid"
                        || &**cl == "contrast"
                );
            }
        }
        for c in 0..3 {
            assert_eq!(d.blood_types[c].items.len(), 8);
            assert!(!d.insurers[c].is_empty());
        }
        let vn_neg: f64 = Table::parse(hc_file!("blood_types.csv"))
            .rows()
            .filter(|r| r.s("type").ends_with('-'))
            .map(|r| r.per_country("")[2])
            .sum();
        assert!(vn_neg < 0.1, "VN Rh- {vn_neg}");
        assert_eq!(d.vn_provinces.items.len(), 63);
        assert_eq!(d.de_chambers.len(), 17);
    }

    #[test]
    fn condition_names_resolve_case_insensitively() {
        let d = clinical();
        let diabetes = d.find_conditions("diabetes");
        assert!(diabetes.iter().any(|i| &*d.conditions[*i].code == "E11"));
        assert!(diabetes.iter().any(|i| &*d.conditions[*i].code == "E10"));
        assert_eq!(d.find_conditions("Hypertension").len(), 1);
        assert_eq!(d.find_conditions("i10"), d.find_conditions("Tăng huyết áp"));
        assert_eq!(d.find_conditions("I10"), d.find_conditions("arterielle hypertonie"));
        assert!(d.find_conditions("cancer").len() >= 5);
        assert!(d.find_conditions("no such disease").is_empty());
    }
}
