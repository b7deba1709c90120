//! `AdministrationOffice`: a city, state or federal office of the dataset's country. The
//! office type fixes its level, so the jurisdiction is the office's own city (`City of …`,
//! `Stadt …`), its state or province (from the pack's jurisdiction table) or the nation; the
//! website and e-mail use the jurisdiction's domain; partner agencies are national ones and
//! those of the office's own state; leaders are named people of the locale.

use std::sync::Arc;

use crate::domains::determinism::mix;
use crate::domains::entities::{map, s, stream, Gen};
use crate::domains::families::commerce::table::{hex_upper, round_to, weighted_index};
use crate::domains::families::public::{
    address_for, fill, founding_year, label, pack, pick_value, pick_values, rows_of, str_list, website,
};
use crate::vm::value::{Map, Value};

const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// The jurisdiction of an office of `level` in `city`/`state`.
pub fn jurisdiction(code: &str, level: &str, city: &str, state: &str) -> String {
    let p = pack(code);
    match (level, code) {
        ("city", "DE") => format!("Stadt {city}"),
        ("city", _) => format!("City of {city}"),
        ("federal", "DE") => "Bundesrepublik Deutschland".to_string(),
        ("federal", "VN") => "Toàn quốc".to_string(),
        ("federal", _) => "Federal".to_string(),
        _ => p.jurisdiction(state).map(|j| j.0.to_string()).unwrap_or_else(|| state.to_string()),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

pub fn generate(g: &Gen<'_>) -> Result<Map, String> {
    let k = g.key;
    let code = g.loc.code;
    let p = pack(code);
    let tt = &p.adm_types;
    let lt = &p.adm_lists;
    let mut ts = stream(k, "type");
    let ti = weighted_index(&mut ts, &(0..tt.len()).map(|r| tt.weight(r)).collect::<Vec<_>>()).unwrap_or(0);
    let level = tt.get(ti, "level");
    let address = address_for(g, mix(k, 0xADD), tt.get(ti, "min_population"));
    let state = address.city.state.to_string();
    let state_name = g.loc.state_name(&state).unwrap_or(&state).to_string();
    let city = address.city.name.to_string();
    let portal = p.jurisdiction(&state).map(|j| j.1).unwrap_or("");
    let juris = jurisdiction(code, level, &city, &state);
    let juris_lc = if code == "VN" { lower_first(&juris) } else { juris.clone() };
    let vars = [
        ("city", city.as_str()),
        ("state_name", state_name.as_str()),
        ("jurisdiction", juris.as_str()),
        ("jurisdiction_lc", juris_lc.as_str()),
    ];
    let name = fill(tt.get(ti, "names"), &vars);
    let hy = code == "DE";
    let city_label = label(&city, hy);
    let host = fill(
        tt.get(ti, "sites"),
        &[("city", city_label.as_str()), ("st", &state.to_ascii_lowercase()), ("portal", portal)],
    );
    let mailbox = fill(tt.get(ti, "mailbox"), &[("city", city_label.as_str())]);
    let mail_host = match tt.get(ti, "mail") {
        "" => host.clone(),
        m => fill(m, &[("city", city_label.as_str()), ("st", &state.to_ascii_lowercase()), ("portal", portal)]),
    };
    // Size, budget, age.
    let mut zs = stream(k, "staff_count");
    let (smin, smax) = (tt.int(ti, "staff_min", 5), tt.int(ti, "staff_max", 75));
    let staff = if level == "city" {
        // A town hall of 2,000 people is small, a metropolis's large.
        let pop = address.city.population.max(1) as f64;
        let t = ((pop.ln() - 2000f64.ln()) / (4_000_000f64.ln() - 2000f64.ln())).clamp(0.0, 1.0);
        let t = (t * zs.uniform(0.7, 1.3)).clamp(0.0, 1.0);
        smin + ((smax - smin) as f64 * t).round() as i64
    } else {
        zs.range_i64(smin, smax)
    };
    let cost = |bound: &str| {
        rows_of(lt, "cost_per_staff", "scope", |x| x == bound).first().map(|r| lt.num(*r, "value", 100_000.0))
    };
    let (cmin, cmax) = (cost("min").unwrap_or(80_000.0), cost("max").unwrap_or(120_000.0));
    let mut bs = stream(k, "annual_budget");
    let raw = staff as f64 * bs.uniform(cmin, cmax) * tt.num(ti, "budget_factor", 1.0) * bs.uniform(0.9, 1.1);
    let unit = if cmin >= 1e7 { -6 } else { -3 };
    let budget = round_to(raw, unit) as i64;
    let founded = founding_year(tt, ti, g.now.year() as i64, &mut stream(k, "founding_year"));
    // Opening hours: weekdays, one longer weekday for 30 %, Saturday mornings for 20 %.
    let mut hs = stream(k, "hours_of_operation");
    let any = |_: &str| true;
    let weekday = pick_value(lt, &rows_of(lt, "hours_weekday", "scope", any), &mut hs).unwrap_or("").to_string();
    let friday = pick_value(lt, &rows_of(lt, "hours_friday", "scope", any), &mut hs).map(str::to_string);
    let closed = pick_value(lt, &rows_of(lt, "closed", "scope", any), &mut hs).unwrap_or("Closed").to_string();
    let long_day = if hs.chance(0.3) { Some(1 + hs.below(3) as usize) } else { None };
    let extended = pick_value(lt, &rows_of(lt, "hours_extended", "scope", any), &mut hs).map(str::to_string);
    let saturday = if hs.chance(0.2) {
        pick_value(lt, &rows_of(lt, "hours_saturday", "scope", any), &mut hs).map(str::to_string)
    } else {
        None
    };
    let mut hours = Vec::with_capacity(7);
    for (i, day) in DAYS.iter().enumerate() {
        let v = match i {
            5 => saturday.clone().unwrap_or_else(|| closed.clone()),
            6 => closed.clone(),
            4 if friday.is_some() => friday.clone().unwrap_or_default(),
            d if Some(d) == long_day && extended.is_some() => extended.clone().unwrap_or_default(),
            _ => weekday.clone(),
        };
        hours.push((*day, s(&v)));
    }
    // Partner agencies: national ones and those of the office's state.
    let agencies = rows_of(lt, "agency", "scope", |x| x == "*" || x == state || x == "local");
    let mut ags = stream(k, "services");
    let na = ags.range_i64(3, 8).min(agencies.len() as i64) as usize;
    let services: Vec<String> = pick_values(lt, &agencies, &mut ags, na).iter().map(|a| fill(a, &vars)).collect();
    // Departments (roles, the head first) and the people leading them.
    let roles = rows_of(lt, "role", "scope", any);
    let mut rs = stream(k, "departments");
    let nr = rs.range_i64(2, 6).min(roles.len() as i64 - 1).max(0) as usize;
    let mut departments: Vec<String> = roles.first().map(|r| vec![lt.get(*r, "value").to_string()]).unwrap_or_default();
    departments.extend(pick_values(lt, &roles[1.min(roles.len())..], &mut rs, nr));
    let nl = (1 + rs.range_i64(1, 4) as usize).min(departments.len());
    let mut leadership = Map::new();
    for (i, role) in departments.iter().take(nl).enumerate() {
        let pg = Gen { key: mix(k, 0x1EAD + i as u64), now: g.now, loc: g.loc, params: &[] };
        let person = pg.person()?;
        leadership.insert(Arc::from(role.as_str()), s(&person.full_name));
    }
    let mut is = stream(k, "office_id");
    Ok(map(vec![
        ("office_id", s(&format!("ADM-{}", hex_upper(&mut is, 8)))),
        ("name", s(&name)),
        ("type", s(tt.get(ti, "type"))),
        ("jurisdiction", s(&juris)),
        ("founding_year", Value::Int(founded)),
        ("staff_count", Value::Int(staff)),
        ("annual_budget", Value::Int(budget)),
        ("hours_of_operation", Value::map(map(hours))),
        ("website", s(&website(&host))),
        ("email", s(&format!("{mailbox}@{mail_host}"))),
        ("phone", s(&address.phone)),
        ("services", str_list(&services)),
        ("departments", str_list(&departments)),
        ("leadership", Value::map(leadership)),
        ("address", Value::map(address.to_map(g.loc))),
    ]))
}
