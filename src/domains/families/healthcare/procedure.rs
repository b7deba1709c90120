//! `MedicalProcedure` (domains.md §4.14): one procedure of the catalogue with its ICD-10-PCS
//! code, category and performing specialty; flags, anaesthesia, duration, recovery and cost all
//! come from that procedure, in the country's language and currency. `procedure_code` is the
//! ICD-10-PCS code without its seventh (qualifier) character.

use std::sync::OnceLock;

use super::catalog::{catalog, Procedure};
use super::data::country;
use super::{ids, round, s};
use crate::domains::determinism::path_key;
use crate::domains::entities::{concept, map, stream, stream_at, Gen};
use crate::vm::value::{Map, Value};

/// Local currency per US dollar at procedure price levels (USD; EUR at German DRG/EBM levels;
/// VND at Vietnamese hospital tariffs).
const PRICE_FACTOR: [f64; 3] = [1.0, 0.45, 2_000.0];

fn describe(c: usize, kind: usize, category: &str, specialty: &str, dur: (i64, i64), anesthesia: &str) -> String {
    let kinds = [
        ["Surgical procedure", "Diagnostic procedure", "Preventive procedure", "Therapeutic procedure"],
        ["Operativer Eingriff", "Diagnostische Untersuchung", "Vorsorgeuntersuchung", "Therapeutische Maßnahme"],
        ["Phẫu thuật", "Thủ thuật chẩn đoán", "Thủ thuật dự phòng", "Thủ thuật điều trị"],
    ];
    let an = match (c, anesthesia) {
        (0, "general") => ", under general anesthesia",
        (0, "regional") => ", under regional anesthesia",
        (0, "sedation") => ", under sedation",
        (0, "local") => ", under local anesthesia",
        (1, "general") => ", in Vollnarkose",
        (1, "regional") => ", in Regionalanästhesie",
        (1, "sedation") => ", in Sedierung",
        (1, "local") => ", in Lokalanästhesie",
        (2, "general") => ", gây mê toàn thân",
        (2, "regional") => ", gây tê vùng",
        (2, "sedation") => ", có an thần",
        (2, "local") => ", gây tê tại chỗ",
        _ => "",
    };
    let k = kinds[c][kind];
    match c {
        1 => format!("{k}: {category}, {specialty}; Dauer {}-{} Minuten{an}.", dur.0, dur.1),
        2 => format!("{k}: {category}, chuyên khoa {specialty}; thời gian {}-{} phút{an}.", dur.0, dur.1),
        _ => format!("{k}: {category}, {specialty}; typically {}-{} minutes{an}.", dur.0, dur.1),
    }
}

/// The catalogue index of the procedure under key `k`.
pub fn procedure_index(k: u64) -> usize {
    stream_at(k, concept!("procedure.kind")).below(catalog().procedures.len() as u64) as usize
}

/// A stable five-digit number in the CPT section range of the procedure's category (not a CPT
/// code), per catalogue index, computed once.
pub fn cpt(i: usize) -> i64 {
    static CPT: OnceLock<Vec<i64>> = OnceLock::new();
    let t = CPT.get_or_init(|| {
        let cat = catalog();
        cat.procedures
            .iter()
            .map(|p| {
                let category = &cat.categories[p.category];
                let span = (category.cpt.1 - category.cpt.0 + 1).max(1) as u64;
                category.cpt.0 + (path_key(&p.id).0 % span) as i64
            })
            .collect()
    });
    t.get(i).copied().unwrap_or(0)
}

/// Minutes the procedure under key `k` takes.
pub fn duration(k: u64, p: &Procedure) -> i64 {
    stream_at(k, concept!("procedure.duration")).range_i64(p.duration.0, p.duration.1)
}

/// The cost in the country's currency.
pub fn cost(k: u64, p: &Procedure, c: usize) -> f64 {
    let usd = stream_at(k, concept!("procedure.cost")).uniform(p.cost_usd.0, p.cost_usd.1);
    if c == 2 {
        (usd * PRICE_FACTOR[c] / 1000.0).round() * 1000.0
    } else {
        round(usd * PRICE_FACTOR[c], 2)
    }
}

pub fn procedure(g: &Gen<'_>) -> Map {
    let cat = catalog();
    let c = country(g.loc);
    let k = g.key;
    let pi = procedure_index(k);
    let p = &cat.procedures[pi];
    let category = &cat.categories[p.category];
    let specialty = &cat.specialty_list[p.specialty];
    let duration = duration(k, p);
    let recovery = stream(k, "procedure.recovery").range_i64(p.recovery.0, p.recovery.1);
    let cost = cost(k, p, c);
    let cpt = cpt(pi);
    let kind = if p.surgical {
        0
    } else if p.preventive {
        2
    } else if p.diagnostic {
        1
    } else {
        3
    };
    let description = describe(c, kind, &category.name[c], &specialty.name[c], p.duration, &p.anesthesia);
    let id = format!("PROC-{}", ids::hex_upper(&mut stream(k, "procedure.id"), 8));
    map(vec![
        ("procedure_id", s(&id)),
        ("procedure_code", s(&p.pcs[..6])),
        ("cpt_code", s(&format!("{cpt:05}"))),
        ("name", s(&p.name[c])),
        ("description", s(&description)),
        ("category", s(&category.name[c])),
        ("specialty", s(&specialty.name[c])),
        ("duration_minutes", Value::Int(duration)),
        ("cost", Value::Float(cost)),
        ("requires_anesthesia", Value::Bool(&*p.anesthesia != "none")),
        ("is_surgical", Value::Bool(p.surgical)),
        ("is_diagnostic", Value::Bool(p.diagnostic)),
        ("is_preventive", Value::Bool(p.preventive)),
        ("recovery_time_days", Value::Int(recovery)),
    ])
}
