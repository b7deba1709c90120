//! Institutional datasets of the healthcare family: specialties and their qualifications,
//! medical schools, departments, hospital types, procedures and medical devices.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::data::{hc_file, Pick, Table, Tr};

pub struct Specialty {
    pub id: Arc<str>,
    pub name: Tr,
    /// Years of residency / Weiterbildung / specialist training per country.
    pub residency: [i64; 3],
    pub outpatient: bool,
    pub weights: [f64; 3],
    pub conditions: Vec<String>,
    pub department: Arc<str>,
    /// The qualifications a fully trained specialist holds, per country (`{Facharzt}` templates in DE).
    pub certs: [Vec<Arc<str>>; 3],
    pub lanr_group: Arc<str>,
}

pub struct ExtraCert {
    pub name: Arc<str>,
    /// Specialty ids; empty = any.
    pub specialties: Vec<String>,
    pub p: f64,
    pub min_years: i64,
}

impl ExtraCert {
    pub fn applies(&self, specialty: &str) -> bool {
        self.specialties.is_empty() || self.specialties.iter().any(|s| s == specialty)
    }
}

pub struct HospitalType {
    pub id: Arc<str>,
    pub name: Arc<str>,
    pub weight: f64,
    pub beds: (i64, i64),
    pub staff_per_bed: (f64, f64),
    pub emergency: f64,
    pub teaching: f64,
    pub dept_count: (i64, i64),
    pub departments: Vec<String>,
    pub min_city_pop: i64,
}

pub struct NamePattern {
    pub type_id: Arc<str>,
    pub pattern: Arc<str>,
    pub weight: f64,
    pub focus: Vec<String>,
}

pub struct Accreditation {
    pub primary: bool,
    /// Type ids; empty = all.
    pub types: Vec<String>,
    pub name: Arc<str>,
    pub weight: f64,
}

impl Accreditation {
    pub fn applies(&self, type_id: &str) -> bool {
        self.types.is_empty() || self.types.iter().any(|t| t == type_id)
    }
}

/// Everything about hospitals of one country.
#[derive(Default)]
pub struct HospitalPack {
    pub types: Vec<HospitalType>,
    /// Service catalogue per type id (`*` = every type).
    pub services: HashMap<String, Vec<Arc<str>>>,
    pub names: Vec<NamePattern>,
    pub accreditations: Vec<Accreditation>,
}

impl HospitalPack {
    pub fn services(&self, type_id: &str) -> &[Arc<str>] {
        self.services.get(type_id).or_else(|| self.services.get("*")).map(|v| v.as_slice()).unwrap_or(&[])
    }
}

pub struct ProcCategory {
    pub id: Arc<str>,
    pub name: Tr,
    pub cpt: (i64, i64),
}

pub struct Procedure {
    pub id: Arc<str>,
    pub pcs: Arc<str>,
    pub name: Tr,
    pub category: usize,
    pub specialty: usize,
    pub surgical: bool,
    pub diagnostic: bool,
    pub preventive: bool,
    pub anesthesia: Arc<str>,
    pub duration: (i64, i64),
    pub recovery: (i64, i64),
    pub cost_usd: (f64, f64),
}

/// One entry of a device specification template.
pub enum SpecT {
    Int(Arc<str>, i64, i64),
    Float(Arc<str>, f64, f64),
    Choice(Arc<str>, Vec<Arc<str>>),
}

pub struct DeviceType {
    pub id: Arc<str>,
    pub name: Tr,
    pub manufacturers: Vec<Arc<str>>,
    pub locations: Vec<String>,
    pub service_months: i64,
    pub life_years: i64,
    pub power: Arc<str>,
    pub weight: (f64, f64),
    pub dims: (i64, i64),
    pub specs: Vec<SpecT>,
    pub parts: Vec<String>,
    pub purposes: Vec<String>,
    pub cost_factor: f64,
}

pub struct Vocab {
    pub id: Arc<str>,
    pub name: Tr,
    pub weight: f64,
    /// Ids the entry applies to (usage notes: purposes); empty = any.
    pub applies_to: Vec<String>,
    pub range: (i64, i64),
}

impl Vocab {
    pub fn applies(&self, id: &str) -> bool {
        self.applies_to.is_empty() || self.applies_to.iter().any(|a| a == id)
    }
}

pub struct MaintType {
    pub id: Arc<str>,
    pub name: Tr,
    pub hours: (f64, f64),
    pub parts: (i64, i64),
    pub scheduled: bool,
    pub weight: f64,
    pub results: Vec<String>,
}

pub struct MaintNote {
    pub id: Arc<str>,
    pub name: Tr,
    pub types: Vec<String>,
    pub results: Vec<String>,
}

pub struct Catalog {
    pub specialty_list: Vec<Specialty>,
    pub specialty_pick: [Pick<usize>; 3],
    pub extra_certs: [Vec<ExtraCert>; 3],
    pub schools: [Pick<Arc<str>>; 3],
    /// Department id -> localised name.
    pub departments: HashMap<String, Tr>,
    pub hospitals: [HospitalPack; 3],
    pub categories: Vec<ProcCategory>,
    pub procedures: Vec<Procedure>,
    pub devices: Vec<DeviceType>,
    /// Vocabulary by kind (`status`, `location`, `purpose`, `part`, `power`, `usage_note`).
    pub vocab: HashMap<String, Vec<Vocab>>,
    pub maint_types: Vec<MaintType>,
    pub maint_results: HashMap<String, Tr>,
    pub maint_notes: Vec<MaintNote>,
}

impl Catalog {
    pub fn specialty(&self, id: &str) -> Option<&Specialty> {
        self.specialty_list.iter().find(|s| &*s.id == id)
    }

    pub fn vocab(&self, kind: &str) -> &[Vocab] {
        self.vocab.get(kind).map(|v| v.as_slice()).unwrap_or(&[])
    }

    pub fn term(&self, kind: &str, id: &str) -> Option<&Vocab> {
        self.vocab(kind).iter().find(|v| &*v.id == id)
    }

    pub fn department(&self, id: &str, c: usize) -> Arc<str> {
        self.departments.get(id).map(|t| t[c].clone()).unwrap_or_else(|| Arc::from(id))
    }
}

fn cc(code: &str) -> usize {
    match code {
        "DE" => 1,
        "VN" => 2,
        _ => 0,
    }
}

fn range_f(r: &super::data::Row<'_>, a: &str, b: &str) -> (f64, f64) {
    (r.f(a), r.f(b))
}

fn spec_template(text: &str) -> Vec<SpecT> {
    text.split(';')
        .filter_map(|item| {
            let mut parts = item.splitn(3, ':');
            let key: Arc<str> = Arc::from(parts.next()?.trim());
            let kind = parts.next()?;
            let rest = parts.next()?;
            match kind {
                "int" => {
                    let (lo, hi) = rest.split_once(':')?;
                    Some(SpecT::Int(key, lo.parse().ok()?, hi.parse().ok()?))
                }
                "float" => {
                    let (lo, hi) = rest.split_once(':')?;
                    Some(SpecT::Float(key, lo.parse().ok()?, hi.parse().ok()?))
                }
                "choice" => Some(SpecT::Choice(key, rest.split('|').map(Arc::from).collect())),
                _ => None,
            }
        })
        .collect()
}

fn load() -> Catalog {
    let specialty_list: Vec<Specialty> = Table::parse(hc_file!("specialties.csv"))
        .rows()
        .map(|r| Specialty {
            id: r.a("id"),
            name: r.tr("name"),
            residency: [r.i("res_us"), r.i("res_de"), r.i("res_vn")],
            outpatient: r.b("outpatient"),
            weights: r.per_country("w"),
            conditions: r.list("conditions"),
            department: r.a("department"),
            certs: [
                r.list("cert_us").into_iter().map(Arc::from).collect(),
                r.list("cert_de").into_iter().map(Arc::from).collect(),
                r.list("cert_vn").into_iter().map(Arc::from).collect(),
            ],
            lanr_group: r.a("lanr_group"),
        })
        .collect();
    let idx: Vec<usize> = (0..specialty_list.len()).collect();
    let specialty_pick =
        [0, 1, 2].map(|c| Pick::new(idx.clone(), &specialty_list.iter().map(|s| s.weights[c]).collect::<Vec<_>>()));
    let mut extra_certs: [Vec<ExtraCert>; 3] = Default::default();
    for r in Table::parse(hc_file!("certifications.csv")).rows() {
        let sp = r.list("specialties").into_iter().filter(|s| s != "*").collect();
        extra_certs[cc(r.s("country"))].push(ExtraCert {
            name: r.a("name"),
            specialties: sp,
            p: r.f("p"),
            min_years: r.i("min_years"),
        });
    }
    let mut school_rows: [Vec<(Arc<str>, f64)>; 3] = Default::default();
    for r in Table::parse(hc_file!("medical_schools.csv")).rows() {
        school_rows[cc(r.s("country"))].push((r.a("name"), r.f("weight")));
    }
    let schools = school_rows.map(|rows| {
        Pick::new(rows.iter().map(|x| x.0.clone()).collect(), &rows.iter().map(|x| x.1).collect::<Vec<_>>())
    });
    let departments =
        Table::parse(hc_file!("departments.csv")).rows().map(|r| (r.s("id").to_string(), r.tr("name"))).collect();
    let mut hospitals: [HospitalPack; 3] = Default::default();
    for r in Table::parse(hc_file!("hospital_types.csv")).rows() {
        hospitals[cc(r.s("country"))].types.push(HospitalType {
            id: r.a("id"),
            name: r.a("name"),
            weight: r.f("weight"),
            beds: (r.i("beds_min"), r.i("beds_max")),
            staff_per_bed: range_f(&r, "staff_per_bed_min", "staff_per_bed_max"),
            emergency: r.f("emergency"),
            teaching: r.f("teaching"),
            dept_count: (r.i("dept_min"), r.i("dept_max")),
            departments: r.list("departments"),
            min_city_pop: r.i("min_city_pop"),
        });
    }
    for r in Table::parse(hc_file!("hospital_services.csv")).rows() {
        hospitals[cc(r.s("country"))].services.entry(r.s("type").to_string()).or_default().push(r.a("service"));
    }
    for r in Table::parse(hc_file!("hospital_names.csv")).rows() {
        hospitals[cc(r.s("country"))].names.push(NamePattern {
            type_id: r.a("type"),
            pattern: r.a("pattern"),
            weight: r.f("weight"),
            focus: r.list("focus"),
        });
    }
    for r in Table::parse(hc_file!("hospital_accreditations.csv")).rows() {
        hospitals[cc(r.s("country"))].accreditations.push(Accreditation {
            primary: r.s("role") == "primary",
            types: r.list("types").into_iter().filter(|t| t != "*").collect(),
            name: r.a("name"),
            weight: r.f("weight"),
        });
    }
    let categories: Vec<ProcCategory> = Table::parse(hc_file!("procedure_categories.csv"))
        .rows()
        .map(|r| ProcCategory { id: r.a("id"), name: r.tr("name"), cpt: (r.i("cpt_lo"), r.i("cpt_hi")) })
        .collect();
    let procedures = Table::parse(hc_file!("procedures.csv"))
        .rows()
        .map(|r| Procedure {
            id: r.a("id"),
            pcs: r.a("pcs"),
            name: r.tr("name"),
            category: categories.iter().position(|c| &*c.id == r.s("category")).unwrap_or(0),
            specialty: specialty_list.iter().position(|s| &*s.id == r.s("specialty")).unwrap_or(0),
            surgical: r.b("surgical"),
            diagnostic: r.b("diagnostic"),
            preventive: r.b("preventive"),
            anesthesia: r.a("anesthesia"),
            duration: (r.i("dur_min"), r.i("dur_max")),
            recovery: (r.i("rec_min"), r.i("rec_max")),
            cost_usd: range_f(&r, "cost_min", "cost_max"),
        })
        .collect();
    let devices = Table::parse(hc_file!("devices.csv"))
        .rows()
        .map(|r| DeviceType {
            id: r.a("id"),
            name: r.tr("name"),
            manufacturers: r.list("manufacturers").into_iter().map(Arc::from).collect(),
            locations: r.list("locations"),
            service_months: r.i("service_months"),
            life_years: r.i("life_years"),
            power: r.a("power"),
            weight: range_f(&r, "weight_min", "weight_max"),
            dims: (r.i("dim_min"), r.i("dim_max")),
            specs: spec_template(r.s("specs")),
            parts: r.list("parts"),
            purposes: r.list("purposes"),
            cost_factor: r.f("cost_factor"),
        })
        .collect();
    let mut vocab: HashMap<String, Vec<Vocab>> = HashMap::new();
    for r in Table::parse(hc_file!("device_vocabulary.csv")).rows() {
        vocab.entry(r.s("kind").to_string()).or_default().push(Vocab {
            id: r.a("id"),
            name: r.tr("name"),
            weight: r.f("weight"),
            applies_to: r.list("applies_to").into_iter().filter(|a| a != "*").collect(),
            range: (r.i("min"), r.i("max")),
        });
    }
    let mut maint_types = Vec::new();
    let mut maint_results = HashMap::new();
    let mut maint_notes = Vec::new();
    for r in Table::parse(hc_file!("maintenance.csv")).rows() {
        match r.s("kind") {
            "type" => maint_types.push(MaintType {
                id: r.a("id"),
                name: r.tr("name"),
                hours: range_f(&r, "hours_min", "hours_max"),
                parts: (r.i("parts_min"), r.i("parts_max")),
                scheduled: r.b("scheduled"),
                weight: r.f("weight"),
                results: r.list("results"),
            }),
            "result" => {
                maint_results.insert(r.s("id").to_string(), r.tr("name"));
            }
            _ => maint_notes.push(MaintNote {
                id: r.a("id"),
                name: r.tr("name"),
                types: r.list("types").into_iter().filter(|t| t != "*").collect(),
                results: r.list("results").into_iter().filter(|t| t != "*").collect(),
            }),
        }
    }
    Catalog {
        specialty_list,
        specialty_pick,
        extra_certs,
        schools,
        departments,
        hospitals,
        categories,
        procedures,
        devices,
        vocab,
        maint_types,
        maint_results,
        maint_notes,
    }
}

/// The institutional datasets, parsed on first use.
pub fn catalog() -> &'static Catalog {
    static D: OnceLock<Catalog> = OnceLock::new();
    D.get_or_init(load)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_datasets_meet_their_minimums_and_reference_each_other() {
        let d = catalog();
        let cl = super::super::data::clinical();
        assert!(d.specialty_list.len() >= 40);
        for s in &d.specialty_list {
            assert!(d.departments.contains_key(&*s.department), "{}: department {}", s.id, s.department);
            for c in 0..3 {
                assert!(!s.certs[c].is_empty(), "{} has no qualification in country {c}", s.id);
                assert!(s.residency[c] >= 1);
            }
            for code in &s.conditions {
                assert!(cl.condition_index(code).is_some(), "{}: unknown condition {code}", s.id);
            }
            assert_eq!(s.lanr_group.len(), 2);
        }
        for c in 0..3 {
            assert!(d.schools[c].items.len() >= 10, "schools {c}");
            for e in &d.extra_certs[c] {
                for sp in &e.specialties {
                    assert!(d.specialty(sp).is_some(), "extra cert {}: unknown specialty {sp}", e.name);
                }
            }
            let h = &d.hospitals[c];
            assert!(h.types.len() >= 5);
            for t in &h.types {
                assert!(!h.services(&t.id).is_empty(), "{}: no services", t.id);
                assert!(h.names.iter().any(|n| n.type_id == t.id), "{}: no name pattern", t.id);
                assert!(h.accreditations.iter().any(|a| a.primary && a.applies(&t.id)), "{}: no accreditation", t.id);
                assert!(t.dept_count.0 >= 1 && t.dept_count.0 <= t.dept_count.1);
                for dep in &t.departments {
                    assert!(d.departments.contains_key(dep), "{}: unknown department {dep}", t.id);
                }
            }
            for n in &h.names {
                assert!(!n.pattern.contains("{state_code}"));
                for f in &n.focus {
                    assert!(d.departments.contains_key(f), "{}: unknown focus {f}", n.pattern);
                }
            }
        }
        assert!(d.procedures.len() >= 50);
        for p in &d.procedures {
            assert_eq!(p.pcs.len(), 7, "{}", p.id);
            assert!(p.pcs.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()), "{}", p.pcs);
            assert!(p.duration.0 <= p.duration.1 && p.recovery.0 <= p.recovery.1 && p.cost_usd.0 <= p.cost_usd.1);
            assert!(["none", "local", "sedation", "regional", "general"].contains(&&*p.anesthesia), "{}", p.id);
        }
        let mut stems: Vec<&str> = d.procedures.iter().map(|p| &p.pcs[..6]).collect();
        stems.sort();
        stems.dedup();
        assert_eq!(stems.len(), d.procedures.len(), "procedure codes must be distinct");
        assert!(d.devices.len() >= 20);
        for dev in &d.devices {
            assert!(dev.manufacturers.len() >= 3, "{}", dev.id);
            assert!(!dev.specs.is_empty(), "{}: spec template", dev.id);
            for l in &dev.locations {
                assert!(d.term("location", l).is_some(), "{}: location {l}", dev.id);
            }
            for p in &dev.parts {
                assert!(d.term("part", p).is_some(), "{}: part {p}", dev.id);
            }
            for p in &dev.purposes {
                assert!(d.term("purpose", p).is_some(), "{}: purpose {p}", dev.id);
            }
            assert!(d.term("power", &dev.power).is_some(), "{}: power", dev.id);
        }
        for t in &d.maint_types {
            for r in &t.results {
                assert!(d.maint_results.contains_key(r), "{}: result {r}", t.id);
            }
        }
    }
}
