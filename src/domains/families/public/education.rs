//! `EducationalInstitution`: a school, college or university of the dataset's country. The
//! type fixes level, size, age and the name and web-domain templates (US public schools under
//! `k12.{st}.us`, US colleges under `.edu`, German schools and universities under `.de`,
//! Vietnamese schools under `{tỉnh}.edu.vn`); the name uses the institution's own city and
//! province; US colleges carry the regional accreditor of their state.

use crate::domains::determinism::mix;
use crate::domains::entities::{map, s, stream, Gen};
use crate::domains::families::commerce::table::{hex_upper, weighted_index};
use crate::domains::families::public::{
    address_for, fill, founding_year, label, pack, pick_value, pick_values, rows_of, str_list, website,
};
use crate::vm::value::{Map, Value};

pub fn generate(g: &Gen<'_>) -> Result<Map, String> {
    let k = g.key;
    let code = g.loc.code;
    let p = pack(code);
    let tt = &p.edu_types;
    let lt = &p.edu_lists;
    let mut ts = stream(k, "type");
    let ti = weighted_index(&mut ts, &(0..tt.len()).map(|r| tt.weight(r)).collect::<Vec<_>>()).unwrap_or(0);
    let group = tt.get(ti, "group");
    let address = address_for(g, mix(k, 0xADD), tt.get(ti, "min_population"));
    let state = address.city.state.to_string();
    let state_name = g.loc.state_name(&state).unwrap_or(&state).to_string();
    let portal = p.jurisdiction(&state).map(|j| j.1).unwrap_or("");
    // Name parts.
    let in_group = |gr: &str| gr == "*" || gr == group;
    let mut ns = stream(k, "name");
    let namesake = pick_value(lt, &rows_of(lt, "namesake", "group", in_group), &mut ns).unwrap_or("").to_string();
    let flower = pick_value(lt, &rows_of(lt, "flower", "group", in_group), &mut ns).unwrap_or("").to_string();
    let field = pick_value(lt, &rows_of(lt, "field", "group", in_group), &mut ns).unwrap_or("").to_string();
    let names: Vec<&str> = tt.get(ti, "names").split('|').collect();
    let sites: Vec<&str> = tt.get(ti, "sites").split('|').collect();
    let alt = ns.below(names.len() as u64) as usize;
    let city = address.city.name.to_string();
    let prov = portal.strip_suffix(".gov.vn").unwrap_or(portal);
    let name = fill(
        names[alt],
        &[
            ("namesake", &namesake),
            ("flower", &flower),
            ("field", &field),
            ("city", &city),
            ("state_name", &state_name),
            ("province", &state_name),
        ],
    );
    let hy = code == "DE";
    let host = fill(
        sites.get(alt).or(sites.first()).copied().unwrap_or(""),
        &[
            ("namesake", &label(&namesake, hy)),
            ("flower", &label(&flower, hy)),
            ("field", &label(&field, hy)),
            ("city", &label(&city, hy)),
            ("st", &state.to_ascii_lowercase()),
            ("prov", prov),
            ("portal", portal),
        ],
    );
    // Size, staff and age.
    let mut zs = stream(k, "student_count");
    let students = zs.range_i64(tt.int(ti, "students_min", 100), tt.int(ti, "students_max", 1000));
    let ratio = zs.uniform(tt.num(ti, "ratio_min", 10.0), tt.num(ti, "ratio_max", 20.0));
    let staff = ((students as f64 / ratio).round() as i64).max(3);
    let founded = founding_year(tt, ti, g.now.year() as i64, &mut stream(k, "founding_year"));
    // Programs, facilities, accreditations of the group.
    let mut ps = stream(k, "programs");
    let np = ps.range_i64(3, 8) as usize;
    let programs = pick_values(lt, &rows_of(lt, "program", "group", |x| x == group), &mut ps, np);
    let mut fcs = stream(k, "facilities");
    let nf = fcs.range_i64(4, 10) as usize;
    let facilities = pick_values(lt, &rows_of(lt, "facility", "group", |x| x == group), &mut fcs, nf);
    let acc_rows = rows_of(lt, "accreditation", "group", |x| x == group);
    let regional: Vec<usize> =
        acc_rows.iter().copied().filter(|r| lt.get(*r, "states").split_whitespace().any(|x| x == state)).collect();
    let general: Vec<usize> = acc_rows.iter().copied().filter(|r| lt.get(*r, "states").is_empty()).collect();
    let mut acs = stream(k, "accreditations");
    let mut accreditations = pick_values(lt, &regional, &mut acs, 1);
    let na = acs.range_i64(1, 2) as usize;
    accreditations.extend(pick_values(lt, &general, &mut acs, na));
    let accreditations: Vec<String> = accreditations.iter().map(|a| fill(a, &[("state_name", &state_name)])).collect();
    let mut is = stream(k, "institution_id");
    Ok(map(vec![
        ("institution_id", s(&format!("EDU-{}", hex_upper(&mut is, 8)))),
        ("name", s(&name)),
        ("type", s(tt.get(ti, "type"))),
        ("level", s(tt.get(ti, "level"))),
        ("founding_year", Value::Int(founded)),
        ("student_count", Value::Int(students)),
        ("staff_count", Value::Int(staff)),
        ("website", s(&website(&host))),
        ("email", s(&format!("{}@{host}", tt.get(ti, "mailbox")))),
        ("phone", s(&address.phone)),
        ("programs", str_list(&programs)),
        ("accreditations", str_list(&accreditations)),
        ("facilities", str_list(&facilities)),
        ("address", Value::map(address.to_map(g.loc))),
    ]))
}
