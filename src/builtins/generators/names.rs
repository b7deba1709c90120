//! Dataset-dependent generators reading the locale packs (`src/domains/locale.rs`):
//! given and family names, e-mail addresses, phone numbers, academic and nobility titles,
//! company, department, sector, domain, street names and URLs.
//!
//! The dataset defaults to the setup's `defaultDataset`; a dataset without a pack uses the US
//! pack (the static check reports it).

use std::fmt;

use super::Args;
use crate::domains::determinism::Stream;
use crate::domains::entities;
use crate::domains::locale::{self, ascii_fold, pack_code, City, Locale};
use crate::vm::value::Value;

/// Department names of datamimic 4.3.0 for English (`DepartmentNameGenerator()` without a
/// locale pack of its own): kept so that English models produce the same set of values.
const DEPARTMENTS_EN: &[&str] = &[
    "Accounting",
    "Customer Support",
    "Engineering",
    "Finance",
    "Human Resources",
    "IT",
    "Legal",
    "Logistics",
    "Manufacturing",
    "Marketing",
    "Operations",
    "Research and Development",
    "Sales",
];

/// A locale pack reference that prints as its code (the tables are large).
#[derive(Clone, Copy)]
pub struct Pack(&'static Locale);

impl fmt::Debug for Pack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pack({})", self.0.code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Female,
    Male,
    Other,
}

#[derive(Debug)]
pub enum NameGen {
    /// `female`, `other` or (the rest) `male`.
    Gender {
        female: f64,
        other: f64,
    },
    Given {
        pack: Pack,
        gender: Option<Gender>,
    },
    Family {
        pack: Pack,
    },
    Email {
        pack: Pack,
        given: Option<String>,
        family: Option<String>,
    },
    Phone {
        pack: Pack,
        area_code: Option<String>,
        mobile: bool,
    },
    Academic {
        pack: Pack,
        quota: f64,
    },
    Nobility {
        pack: Pack,
        gender: Option<Gender>,
        quota: f64,
    },
    Company {
        pack: Pack,
    },
    /// `None`: the English list of 4.3.0.
    Department {
        pack: Option<Pack>,
    },
    Sector {
        pack: Pack,
    },
    Domain {
        pack: Pack,
    },
    Street {
        pack: Pack,
    },
    Url {
        pack: Pack,
        schemes: Vec<String>,
    },
}

fn pack_of(a: &Args, p: &str, default: &str) -> Result<Pack, String> {
    let ds = a.string(p)?.unwrap_or_else(|| default.to_string());
    Ok(Pack(locale::locale(&ds)))
}

fn gender(a: &Args) -> Result<Option<Gender>, String> {
    let Some(g) = a.string("gender")? else {
        return Ok(None);
    };
    match g.trim().to_ascii_lowercase().as_str() {
        "female" | "f" => Ok(Some(Gender::Female)),
        "male" | "m" => Ok(Some(Gender::Male)),
        "other" | "o" => Ok(Some(Gender::Other)),
        _ => Err(a.fail("gender", format_args!("has unknown value '{g}' (use female, male or other)"))),
    }
}

/// A string-valued parameter that may also be given as a number (`area_code=816`).
fn text_or_number(a: &Args, p: &str) -> Result<Option<String>, String> {
    match a.raw(p) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.trim().to_string())),
        Some(Value::Int(i)) => Ok(Some(i.to_string())),
        Some(_) => Err(a.type_err(p, "a string")),
    }
}

pub(super) fn construct(a: &Args, cfg: &super::GenConfig) -> Result<NameGen, String> {
    let ds = cfg.dataset.as_str();
    Ok(match a.name() {
        "GenderGenerator" => {
            let female = a.quota("female_quota", 0.49)?;
            // The default share of `other` shrinks when female_quota leaves less room.
            let other = a.quota("other_gender_quota", 0.02f64.min(1.0 - female))?;
            if female + other > 1.0 + 1e-12 {
                return Err(a.fail(
                    "other_gender_quota",
                    format_args!("({other}) plus female_quota ({female}) must not exceed 1"),
                ));
            }
            NameGen::Gender { female, other }
        }
        "GivenNameGenerator" => NameGen::Given { pack: pack_of(a, "dataset", ds)?, gender: gender(a)? },
        "FamilyNameGenerator" => NameGen::Family { pack: pack_of(a, "dataset", ds)? },
        "EmailAddressGenerator" => NameGen::Email {
            pack: pack_of(a, "dataset", ds)?,
            given: a.string("given_name")?.filter(|s| !s.trim().is_empty()),
            family: a.string("family_name")?.filter(|s| !s.trim().is_empty()),
        },
        "PhoneNumberGenerator" => {
            let area_code = text_or_number(a, "area_code")?;
            if let Some(ac) = &area_code {
                if ac.is_empty() || !ac.bytes().all(|c| c.is_ascii_digit()) || ac.len() > 6 {
                    return Err(a.fail("area_code", format_args!("must be 1 to 6 digits, got '{ac}'")));
                }
            }
            NameGen::Phone {
                pack: pack_of(a, "dataset", ds)?,
                area_code,
                mobile: a.boolean("is_mobile")?.unwrap_or(false),
            }
        }
        "AcademicTitleGenerator" => {
            NameGen::Academic { pack: pack_of(a, "dataset", ds)?, quota: a.quota("quota", 0.5)? }
        }
        "NobilityTitleGenerator" => NameGen::Nobility {
            pack: pack_of(a, "dataset", ds)?,
            gender: gender(a)?,
            quota: a.quota("noble_quota", 0.001)?,
        },
        "CompanyNameGenerator" => NameGen::Company { pack: pack_of(a, "dataset", ds)? },
        "DepartmentNameGenerator" => {
            let loc = a.string("locale")?.unwrap_or_else(|| cfg.locale.clone());
            NameGen::Department {
                pack: match pack_code(&loc) {
                    Some(code) if code != "US" => Some(Pack(locale::locale(code))),
                    _ => None,
                },
            }
        }
        "SectorGenerator" => {
            // `locale` takes precedence over `dataset` (as in 4.3.0).
            let pack = match a.string("locale")? {
                Some(l) => Pack(locale::locale(&l)),
                None => pack_of(a, "dataset", ds)?,
            };
            NameGen::Sector { pack }
        }
        "DomainGenerator" => NameGen::Domain { pack: pack_of(a, "dataset", ds)? },
        "StreetNameGenerator" => NameGen::Street { pack: pack_of(a, "dataset", ds)? },
        "UrlGenerator" => {
            let schemes: Vec<String> = match a.raw("schemes") {
                None => vec!["http".into(), "https".into()],
                Some(Value::Str(s)) => s.split(',').map(|x| x.trim().to_string()).collect(),
                Some(Value::List(v) | Value::Tuple(v)) => v
                    .iter()
                    .map(|x| x.as_str().map(|s| s.trim().to_string()))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| a.type_err("schemes", "a list of strings"))?,
                Some(_) => return Err(a.type_err("schemes", "a list of strings")),
            };
            if schemes.is_empty()
                || schemes
                    .iter()
                    .any(|s| s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
            {
                return Err(a.fail("schemes", "must name at least one scheme such as 'https'"));
            }
            NameGen::Url { pack: pack_of(a, "locale", ds)?, schemes }
        }
        other => return Err(format!("unknown generator '{other}'")),
    })
}

fn pick(t: &locale::Weighted<std::sync::Arc<str>>, rng: &mut Stream) -> String {
    t.pick(rng).map(|s| s.to_string()).unwrap_or_default()
}

/// Lower-case ASCII letters and digits of a name (for e-mail local parts and host names).
fn slug(s: &str) -> String {
    ascii_fold(s).to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

fn given_name(loc: &Locale, g: Option<Gender>, rng: &mut Stream) -> String {
    let female = match g {
        Some(Gender::Female) => true,
        Some(Gender::Male) => false,
        _ => rng.chance(0.5),
    };
    let (first, second) =
        if female { (&loc.given_female, &loc.given_male) } else { (&loc.given_male, &loc.given_female) };
    if first.is_empty() {
        pick(second, rng)
    } else {
        pick(first, rng)
    }
}

/// A one-word company name: prefix and suffix run together (`BlueHarbor`), as in 4.3.0;
/// parts that are several words keep their spaces.
fn company(loc: &Locale, rng: &mut Stream) -> String {
    let p = pick(&loc.company_prefix, rng);
    let q = pick(&loc.company_suffix, rng);
    if p.contains(' ') || q.contains(' ') {
        format!("{p} {q}").trim().to_string()
    } else {
        format!("{p}{q}")
    }
}

fn tld(loc: &Locale, rng: &mut Stream) -> String {
    let t = pick(&loc.tlds, rng);
    if t.is_empty() {
        "com".into()
    } else {
        t
    }
}

fn webmail(loc: &Locale, rng: &mut Stream) -> String {
    let d = pick(&loc.webmail, rng);
    if d.is_empty() {
        "example.com".into()
    } else {
        d
    }
}

/// A domain: a webmail domain, random letters or a company name, with a pack TLD.
fn domain(loc: &Locale, rng: &mut Stream) -> String {
    match rng.below(3) {
        0 => webmail(loc, rng),
        1 => {
            let n = 4 + rng.below(9) as usize;
            let name: String = (0..n).map(|_| (b'a' + rng.below(26) as u8) as char).collect();
            format!("{name}.{}", tld(loc, rng))
        }
        _ => {
            let mut name = slug(&company(loc, rng));
            if name.is_empty() {
                name = "company".into();
            }
            format!("{name}.{}", tld(loc, rng))
        }
    }
}

fn city(loc: &Locale, rng: &mut Stream) -> City {
    loc.cities.pick(rng).cloned().unwrap_or_else(|| City {
        name: "".into(),
        state: "".into(),
        postal_code: "".into(),
        area_code: "".into(),
        population: 0,
    })
}

impl NameGen {
    pub(super) fn next(&self, rng: &mut Stream) -> Value {
        let s = match self {
            NameGen::Gender { female, other } => {
                let u = rng.f64();
                if u < *female {
                    "female".to_string()
                } else if u < female + other {
                    "other".to_string()
                } else {
                    "male".to_string()
                }
            }
            NameGen::Given { pack, gender } => given_name(pack.0, *gender, rng),
            NameGen::Family { pack } => pick(&pack.0.family, rng),
            NameGen::Email { pack, given, family } => {
                let loc = pack.0;
                let g = match given {
                    Some(g) => slug(g),
                    None => slug(&given_name(loc, None, rng)),
                };
                let f = match family {
                    Some(f) => slug(f),
                    None => slug(&pick(&loc.family, rng)),
                };
                let local = match (g.is_empty(), f.is_empty()) {
                    (true, true) => "user".to_string(),
                    (true, false) => f,
                    (false, true) => g,
                    (false, false) => match rng.below(4) {
                        0 => format!("{g}_{f}"),
                        1 => format!("{g}.{f}"),
                        2 => format!("{g}{f}"),
                        _ => format!("{}{f}", &g[..1]),
                    },
                };
                format!("{local}@{}", webmail(loc, rng))
            }
            NameGen::Phone { pack, area_code, mobile } => {
                let loc = pack.0;
                let mut c = city(loc, rng);
                if let Some(ac) = area_code {
                    c.area_code = ac.as_str().into();
                }
                if c.area_code.is_empty() {
                    c.area_code = "200".into();
                }
                if *mobile {
                    entities::mobile_number(loc, rng, &c).to_string()
                } else {
                    entities::landline(loc, rng, &c).to_string()
                }
            }
            NameGen::Academic { pack, quota } => {
                if rng.chance(*quota) {
                    pack.0.academic_titles.pick(rng).map(|(t, _)| t.to_string()).unwrap_or_default()
                } else {
                    String::new()
                }
            }
            NameGen::Nobility { pack, gender, quota } => match gender {
                Some(g @ (Gender::Female | Gender::Male)) if rng.chance(*quota) => pack
                    .0
                    .nobility
                    .pick(rng)
                    .map(|(f, m)| if *g == Gender::Female { f.to_string() } else { m.to_string() })
                    .unwrap_or_default(),
                _ => String::new(),
            },
            NameGen::Company { pack } => company(pack.0, rng),
            NameGen::Department { pack } => match pack {
                Some(p) if !p.0.departments.is_empty() => pick(&p.0.departments, rng),
                _ => DEPARTMENTS_EN[rng.below(DEPARTMENTS_EN.len() as u64) as usize].to_string(),
            },
            NameGen::Sector { pack } => pick(&pack.0.sectors, rng),
            NameGen::Domain { pack } => domain(pack.0, rng),
            NameGen::Street { pack } => pick(&pack.0.streets, rng),
            NameGen::Url { pack, schemes } => {
                let loc = pack.0;
                let scheme = &schemes[rng.below(schemes.len() as u64) as usize];
                let mut name = if rng.chance(0.5) { slug(&pick(&loc.family, rng)) } else { slug(&company(loc, rng)) };
                if name.is_empty() {
                    name = "example".into();
                }
                let www = if rng.chance(0.5) { "www." } else { "" };
                format!("{scheme}://{www}{name}.{}/", tld(loc, rng))
            }
        };
        Value::from(s)
    }
}

#[cfg(test)]
#[path = "names_tests.rs"]
mod tests;
