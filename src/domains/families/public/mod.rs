//! Public-sector family: `PoliceOfficer`, `EducationalInstitution`, `AdministrationOffice`,
//! from the pack tables under `data/public/{us,de,vn}/`. Names, websites and jurisdictions
//! are written in the dataset's language and follow its country's conventions.

pub mod admin;
pub mod education;
pub mod police;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::domains::determinism::{AliasTable, Stream};
use crate::domains::entities::{landline, mobile_number, stream, Address, Gen};
use crate::domains::families::commerce::table::{sample_distinct, weighted_index, Table};
use crate::domains::locale::{City, Locale};
use crate::vm::value::Value;

pub fn generate(kind: &str, g: &Gen<'_>) -> Result<Value, String> {
    Ok(Value::map(match kind {
        "PoliceOfficer" => police::generate(g)?,
        "EducationalInstitution" => education::generate(g)?,
        "AdministrationOffice" => admin::generate(g)?,
        other => return Err(format!("entity {other} is not a public-sector entity")),
    }))
}

/// One pack's public-sector tables.
#[derive(Debug)]
pub struct Pack {
    pub ranks: Table,
    pub departments: Table,
    pub police: Table,
    pub jurisdictions: Table,
    pub edu_types: Table,
    pub edu_lists: Table,
    pub adm_types: Table,
    pub adm_lists: Table,
}

macro_rules! public_file {
    ($dir:literal, $file:literal) => {
        Table::parse(include_str!(concat!("../../data/public/", $dir, "/", $file)))
    };
}

macro_rules! public_pack {
    ($dir:literal) => {
        Pack {
            ranks: public_file!($dir, "police_ranks.csv"),
            departments: public_file!($dir, "police_departments.csv"),
            police: public_file!($dir, "police_lists.csv"),
            jurisdictions: public_file!($dir, "jurisdictions.csv"),
            edu_types: public_file!($dir, "education_types.csv"),
            edu_lists: public_file!($dir, "education_lists.csv"),
            adm_types: public_file!($dir, "admin_types.csv"),
            adm_lists: public_file!($dir, "admin_lists.csv"),
        }
    };
}

/// The public-sector tables of a pack code.
pub fn pack(code: &str) -> &'static Pack {
    static US: OnceLock<Pack> = OnceLock::new();
    static DE: OnceLock<Pack> = OnceLock::new();
    static VN: OnceLock<Pack> = OnceLock::new();
    match code {
        "DE" => DE.get_or_init(|| public_pack!("de")),
        "VN" => VN.get_or_init(|| public_pack!("vn")),
        _ => US.get_or_init(|| public_pack!("us")),
    }
}

impl Pack {
    /// The jurisdiction row of a state code: `(jurisdiction, portal domain)`.
    pub fn jurisdiction(&self, state: &str) -> Option<(&str, &str)> {
        let t = &self.jurisdictions;
        t.where_eq("state", state).first().map(|r| (t.get(*r, "jurisdiction"), t.get(*r, "portal")))
    }
}

/// Rows of a `list,…,value,weight` table whose `list` column is `list` and whose `col` column
/// passes `keep`.
pub fn rows_of(t: &Table, list: &str, col: &str, keep: impl Fn(&str) -> bool) -> Vec<usize> {
    (0..t.len()).filter(|r| t.get(*r, "list") == list && keep(t.get(*r, col))).collect()
}

/// A weighted value among `rows`.
pub fn pick_value<'a>(t: &'a Table, rows: &[usize], s: &mut Stream) -> Option<&'a str> {
    let w: Vec<f64> = rows.iter().map(|r| t.weight(*r)).collect();
    weighted_index(s, &w).map(|i| t.get(rows[i], "value"))
}

/// `k` distinct weighted values among `rows`, in draw order.
pub fn pick_values(t: &Table, rows: &[usize], s: &mut Stream, k: usize) -> Vec<String> {
    let w: Vec<f64> = rows.iter().map(|r| t.weight(*r)).collect();
    sample_distinct(s, &w, k).into_iter().map(|i| t.get(rows[i], "value").to_string()).collect()
}

/// Cities of a pack grouped by state, each group with a population-weighted alias table.
fn cities_by_state(loc: &'static Locale) -> &'static HashMap<String, (Vec<usize>, AliasTable)> {
    static US: OnceLock<HashMap<String, (Vec<usize>, AliasTable)>> = OnceLock::new();
    static DE: OnceLock<HashMap<String, (Vec<usize>, AliasTable)>> = OnceLock::new();
    static VN: OnceLock<HashMap<String, (Vec<usize>, AliasTable)>> = OnceLock::new();
    let cell = match loc.code {
        "DE" => &DE,
        "VN" => &VN,
        _ => &US,
    };
    cell.get_or_init(|| {
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in loc.cities.items.iter().enumerate() {
            groups.entry(c.state.to_string()).or_default().push(i);
        }
        groups
            .into_iter()
            .filter_map(|(st, idx)| {
                let w: Vec<f64> = idx.iter().map(|i| (loc.cities.items[*i].population.max(1) as f64).sqrt()).collect();
                AliasTable::new(&w).map(|t| (st, (idx, t)))
            })
            .collect()
    })
}

/// Moves an address to `city`, with phone numbers in the city's area code.
fn relocate(g: &Gen<'_>, k: u64, mut a: Address, city: City) -> Address {
    let loc = g.loc;
    a.phone = landline(loc, &mut stream(k, "phone"), &city);
    a.fax = landline(loc, &mut stream(k, "fax"), &city);
    a.mobile = mobile_number(loc, &mut stream(k, "mobile_phone"), &city);
    a.office_phone = landline(loc, &mut stream(k, "office_phone"), &city);
    a.private_phone = landline(loc, &mut stream(k, "private_phone"), &city);
    a.city = city;
    a
}

/// An address under key `k` in `state` (anywhere when `None` or when the pack has no city
/// there); phone numbers use the chosen city's area code.
pub fn address_in(g: &Gen<'_>, k: u64, state: Option<&str>) -> Address {
    let a = g.address(k);
    let Some(st) = state else { return a };
    if *a.city.state == *st {
        return a;
    }
    let Some((idx, table)) = cities_by_state(g.loc).get(st) else { return a };
    let mut cs = stream(k, "city_in_state");
    let city = g.loc.cities.items[idx[table.sample(&mut cs)]].clone();
    relocate(g, k, a, city)
}

type Pool = Arc<(Vec<usize>, AliasTable)>;
type PoolCache = Mutex<HashMap<(&'static str, i64), Option<Pool>>>;

/// Cities of at least `min_pop` inhabitants, population-weighted (damped like the pack's own
/// city table).
fn cities_from(loc: &'static Locale, min_pop: i64) -> Option<Pool> {
    static CACHE: OnceLock<PoolCache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut m = cache.lock().unwrap_or_else(|e| e.into_inner());
    m.entry((loc.code, min_pop))
        .or_insert_with(|| {
            let idx: Vec<usize> =
                (0..loc.cities.items.len()).filter(|i| loc.cities.items[*i].population >= min_pop).collect();
            let w: Vec<f64> = idx.iter().map(|i| (loc.cities.items[*i].population.max(1) as f64).sqrt()).collect();
            AliasTable::new(&w).map(|t| Arc::new((idx, t)))
        })
        .clone()
}

/// An address for an institution placed by `rule`: a minimum city population (`50000`), the
/// most populous place of a random state or province (`capital`), or anywhere (`0` or empty).
pub fn address_for(g: &Gen<'_>, k: u64, rule: &str) -> Address {
    let a = g.address(k);
    if rule == "capital" {
        let best = cities_by_state(g.loc)
            .get(&*a.city.state)
            .and_then(|(idx, _)| idx.iter().max_by_key(|i| g.loc.cities.items[**i].population).copied());
        return match best {
            Some(i) if *g.loc.cities.items[i].name != *a.city.name => {
                let city = g.loc.cities.items[i].clone();
                relocate(g, k, a, city)
            }
            _ => a,
        };
    }
    let min_pop: i64 = rule.parse().unwrap_or(0);
    if min_pop <= 0 || a.city.population >= min_pop {
        return a;
    }
    match cities_from(g.loc, min_pop) {
        Some(pool) => {
            let mut cs = stream(k, "city_by_size");
            let city = g.loc.cities.items[pool.0[pool.1.sample(&mut cs)]].clone();
            relocate(g, k, a, city)
        }
        None => a,
    }
}

/// A string list value.
pub fn str_list(v: &[String]) -> Value {
    Value::List(Arc::new(v.iter().map(|x| Value::Str(Arc::from(x.as_str()))).collect()))
}

/// A domain label from free text: ASCII lower case; `keep_hyphens` turns spaces into hyphens
/// (German style `heinrich-heine-gymnasium-koeln.de`), otherwise only letters and digits remain.
pub fn label(s: &str, keep_hyphens: bool) -> String {
    let folded = crate::domains::locale::ascii_fold(s).to_ascii_lowercase();
    if keep_hyphens {
        let mut out = String::new();
        for c in folded.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if (c == ' ' || c == '-' || c == '.') && !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        out.trim_end_matches('-').to_string()
    } else {
        folded.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
    }
}

/// Replaces `{name}` placeholders.
pub fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// `https://www.` for a registrable domain (`ssa.gov`, `hanoi.gov.vn`), `https://` for a host
/// below one (`sotuphap.hanoi.gov.vn`, `lincolnes.springfield.k12.oh.us`).
pub fn website(host: &str) -> String {
    let labels = host.split('.').count();
    let registrable = if [".gov.vn", ".edu.vn", ".com.vn"].iter().any(|s| host.ends_with(s)) { 3 } else { 2 };
    if labels <= registrable {
        format!("https://www.{host}")
    } else {
        format!("https://{host}")
    }
}

/// A founding year `age_min..=age_max` years before `now_year` (younger ages more likely, as
/// most institutions are young), bounded by the type's known `founded_min..=founded_max`.
pub fn founding_year(t: &Table, row: usize, now_year: i64, s: &mut Stream) -> i64 {
    let mut lo = now_year - t.int(row, "age_max", 100);
    let mut hi = now_year - t.int(row, "age_min", 5);
    if let Ok(f) = t.get(row, "founded_min").parse::<i64>() {
        lo = lo.max(f);
    }
    if let Ok(f) = t.get(row, "founded_max").parse::<i64>() {
        hi = hi.min(f);
    }
    hi = hi.min(now_year);
    if lo > hi {
        lo = hi;
    }
    hi - ((hi - lo) as f64 * s.f64().powf(2.5)).round() as i64
}
