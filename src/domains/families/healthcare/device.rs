//! `MedicalDevice` (domains.md §4.13): one hospital asset on one timeline. It is manufactured,
//! installed (acceptance safety check), maintained on its interval with occasional repairs, and
//! used; every date lies between manufacture and the run clock, lists are in date order, the
//! last maintenance date is the newest history entry and the next one is the following
//! scheduled date. Parts, results and notes fit the maintenance type and the device.

use jiff::civil::Date;

use super::catalog::{catalog, Catalog, DeviceType, MaintType, SpecT, Vocab};
use super::data::{country, weighted_index, Tr};
use super::{add_days, days_between, ids, round, s, sample, staff_name, str_list, sub, ymd};
use crate::domains::determinism::{mix, path_key, Stream};
use crate::domains::entities::{map, stream, Gen};
use crate::domains::locale::ascii_fold;
use crate::vm::value::{Map, Value};

/// Local currency per US dollar of service cost (USD, EUR, VND at hospital-service price levels).
const COST_FACTOR: [f64; 3] = [1.0, 0.9, 15_000.0];
/// Hourly technician rate in local currency.
const LABOR_RATE: [(f64, f64); 3] = [(120.0, 180.0), (80.0, 130.0), (250_000.0, 500_000.0)];

fn money(x: f64, c: usize) -> f64 {
    if c == 2 {
        (x / 1000.0).round() * 1000.0
    } else {
        round(x, 2)
    }
}

/// The catalogue model number of a manufacturer's device: two letters of the maker and four
/// digits, fixed per (type, manufacturer, model line).
fn model_number(dev: &DeviceType, maker: &str, line: u64) -> String {
    let mut prefix: String = ascii_fold(maker).chars().filter(char::is_ascii_alphabetic).take(2).collect();
    prefix.make_ascii_uppercase();
    while prefix.len() < 2 {
        prefix.push('X');
    }
    let h = mix(path_key(&format!("{}|{maker}", dev.id)).0, line);
    format!("{prefix}{}", 1000 + h % 9000)
}

fn specifications(k: u64, dev: &DeviceType, cat: &Catalog, c: usize) -> Map {
    let mut st = stream(k, "device.specifications");
    let power = cat.term("power", &dev.power).map(|v| v.name[c].to_string()).unwrap_or_default();
    let weight = round(st.uniform(dev.weight.0, dev.weight.1), 1);
    let dims: Vec<String> = (0..3).map(|_| st.range_i64(dev.dims.0, dev.dims.1).to_string()).collect();
    let mut pairs: Vec<(&str, Value)> =
        vec![("power_supply", s(&power)), ("weight_kg", Value::Float(weight)), ("dimensions_cm", s(&dims.join("x")))];
    for t in &dev.specs {
        match t {
            SpecT::Int(key, lo, hi) => pairs.push((key, Value::Int(st.range_i64(*lo, *hi)))),
            SpecT::Float(key, lo, hi) => pairs.push((key, Value::Float(round(st.uniform(*lo, *hi), 1)))),
            SpecT::Choice(key, vals) => pairs.push((key, s(st.pick(vals).map(|v| &**v).unwrap_or("")))),
        }
    }
    map(pairs)
}

/// One maintenance entry of type `t` on `date`.
fn maintenance_entry(
    st: &mut Stream,
    cat: &Catalog,
    dev: &DeviceType,
    t: &MaintType,
    date: Date,
    technician: &str,
    c: usize,
) -> Map {
    let result = st.pick(&t.results).cloned().unwrap_or_default();
    let mut n = st.range_i64(t.parts.0, t.parts.1).max(0) as usize;
    match result.as_str() {
        "hardware_replaced" => n = n.max(1),
        "no_issues" | "referred" | "calibrated" | "software_updated" => n = 0,
        _ => {}
    }
    let parts: Vec<String> = sample(st, &dev.parts, n)
        .iter()
        .map(|p| cat.term("part", p).map(|v| v.name[c].to_string()).unwrap_or_else(|| p.clone()))
        .collect();
    let hours = (st.uniform(t.hours.0, t.hours.1) * 4.0).round() / 4.0;
    let rate = st.uniform(LABOR_RATE[c].0, LABOR_RATE[c].1);
    let parts_cost: f64 = (0..parts.len()).map(|_| st.uniform(80.0, 1500.0) * dev.cost_factor * COST_FACTOR[c]).sum();
    let cost = money(hours * rate + parts_cost, c);
    let notes: Vec<&Tr> = cat
        .maint_notes
        .iter()
        .filter(|m| (m.types.is_empty() || m.types.iter().any(|x| **x == *t.id)) && m.results.contains(&result))
        .map(|m| &m.name)
        .collect();
    let note = match st.pick(&notes) {
        Some(n) if st.chance(0.6) => s(&n[c]),
        _ => Value::Null,
    };
    let result_name = cat.maint_results.get(&result).map(|r| r[c].to_string()).unwrap_or(result);
    map(vec![
        ("date", s(&ymd(date))),
        ("technician", s(technician)),
        ("type", s(&t.name[c])),
        ("parts_replaced", str_list(&parts)),
        ("cost", Value::Float(cost)),
        ("duration_hours", Value::Float(hours)),
        ("result", s(&result_name)),
        ("notes", note),
    ])
}

/// The maintenance timeline: acceptance check at installation, scheduled maintenance every
/// interval (a few days early or late, never after the clock), unscheduled repairs and updates
/// between. Returns the entries (oldest first, at most eight) and the next scheduled date.
fn maintenance(k: u64, g: &Gen<'_>, dev: &DeviceType, install: Date, c: usize) -> (Vec<(Date, Map)>, Date) {
    let cat = catalog();
    let now = g.now.date();
    let interval = (dev.service_months as f64 * 30.44).round() as i64;
    let mut st = stream(k, "device.maintenance");
    let techs: Vec<String> =
        (0..1 + st.below(3)).map(|i| staff_name(g.loc, sub(k, &format!("device.technician.{i}")))).collect();
    let scheduled: Vec<&MaintType> = cat.maint_types.iter().filter(|t| t.scheduled).collect();
    let unscheduled: Vec<&MaintType> = cat.maint_types.iter().filter(|t| !t.scheduled).collect();
    let safety = cat.maint_types.iter().find(|t| &*t.id == "safety").unwrap_or(&cat.maint_types[0]);
    let mut plan: Vec<(Date, &MaintType)> = vec![(install, safety)];
    let mut due = 1;
    while days_between(install, now) >= due * interval {
        let base = add_days(install, due * interval);
        let date = add_days(base, st.range_i64(-10, 10));
        let prev = plan.last().map(|x| x.0).unwrap_or(install);
        let date = if date > now { now } else { date };
        if date > prev {
            let w: Vec<f64> = scheduled.iter().map(|t| t.weight).collect();
            plan.push((date, scheduled[weighted_index(&mut st, &w).unwrap_or(0)]));
        }
        due += 1;
    }
    let next = add_days(install, due * interval);
    // Unscheduled work between two entries (or after the last one).
    let mut extra: Vec<(Date, &MaintType)> = Vec::new();
    for i in 0..plan.len() {
        let from = plan[i].0;
        let to = plan.get(i + 1).map(|x| x.0).unwrap_or(add_days(now, 1));
        let gap = days_between(from, to);
        if gap >= 3 && st.chance(0.3) {
            let w: Vec<f64> = unscheduled.iter().map(|t| t.weight).collect();
            let t = unscheduled[weighted_index(&mut st, &w).unwrap_or(0)];
            extra.push((add_days(from, st.range_i64(1, gap - 1)), t));
        }
    }
    plan.extend(extra);
    plan.sort_by_key(|x| x.0);
    plan.dedup_by_key(|x| x.0);
    let keep = plan.len().saturating_sub(8);
    let entries = plan[keep..]
        .iter()
        .map(|(date, t)| {
            let tech = st.pick(&techs).cloned().unwrap_or_default();
            (*date, maintenance_entry(&mut st, cat, dev, t, *date, &tech, c))
        })
        .collect();
    (entries, next)
}

fn usage_logs(k: u64, g: &Gen<'_>, dev: &DeviceType, install: Date, users: &[String], c: usize) -> Vec<Value> {
    let cat = catalog();
    let now = g.now.date();
    let mut st = stream(k, "device.usage");
    let start = add_days(install, 1).max(add_days(now, -730));
    let span = days_between(start, now).max(0);
    let n = (st.range_i64(3, 10)).min(span + 1) as usize;
    let offsets: Vec<i64> = (0..=span).collect();
    let mut days = sample(&mut st, &offsets, n);
    days.sort_unstable();
    let purposes: Vec<&Vocab> = dev.purposes.iter().filter_map(|p| cat.term("purpose", p)).collect();
    let pw: Vec<f64> = purposes.iter().map(|p| p.weight).collect();
    days.into_iter()
        .map(|d| {
            let purpose = purposes[weighted_index(&mut st, &pw).unwrap_or(0)];
            let minutes = st.range_i64(purpose.range.0, purpose.range.1);
            let minutes = (minutes / 5 * 5).max(purpose.range.0);
            let user = st.pick(users).cloned().unwrap_or_default();
            // Training sessions get the training note; other notes describe clinical use.
            let notes: Vec<&Vocab> = cat
                .vocab("usage_note")
                .iter()
                .filter(|n| {
                    if &*purpose.id == "training" {
                        n.applies_to.iter().any(|a| a == "training")
                    } else {
                        n.applies(&purpose.id)
                    }
                })
                .collect();
            let nw: Vec<f64> = notes.iter().map(|n| n.weight).collect();
            let note = match weighted_index(&mut st, &nw) {
                Some(i) if &*purpose.id == "training" || st.chance(0.55) => s(&notes[i].name[c]),
                _ => Value::Null,
            };
            Value::map(map(vec![
                ("date", s(&ymd(add_days(start, d)))),
                ("user", s(&user)),
                ("duration_minutes", s(&minutes.to_string())),
                ("purpose", s(&purpose.name[c])),
                ("notes", note),
            ]))
        })
        .collect()
}

/// The device type of the device with key `k` (index into the catalog's devices).
fn device_type(k: u64) -> usize {
    static WEIGHTS: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    // Cheap devices are far more numerous than scanners.
    let tw = WEIGHTS.get_or_init(|| catalog().devices.iter().map(|d| 4.0 / d.cost_factor.max(0.5)).collect());
    weighted_index(&mut stream(k, "device.type"), tw).unwrap_or(0)
}

/// The manufacturer of a device of type `dev` and its stream (the model number draws next).
fn device_maker(k: u64, dev: &DeviceType) -> (std::sync::Arc<str>, Stream) {
    let mut ms = stream(k, "device.manufacturer");
    let maker = ms.pick(&dev.manufacturers).cloned().unwrap_or_default();
    (maker, ms)
}

fn device_id(k: u64) -> String {
    format!("DEV-{}", ids::digits(&mut stream(k, "device.id"), 8))
}

/// One field of a MedicalDevice, computed alone (the same value as in [`device`]):
/// 0 device_id, 1 device_type, 2 manufacturer, 3 model_number.
pub fn device_field(g: &Gen<'_>, code: u16) -> Value {
    let k = g.key;
    if code == 0 {
        return s(&device_id(k));
    }
    let cat = catalog();
    let Some(dev) = cat.devices.get(device_type(k)) else { return Value::Null };
    match code {
        1 => s(&dev.name[country(g.loc)]),
        2 => s(&device_maker(k, dev).0),
        3 => {
            let (maker, mut ms) = device_maker(k, dev);
            s(&model_number(dev, &maker, ms.below(3)))
        }
        _ => Value::Null,
    }
}

pub fn device(g: &Gen<'_>) -> Map {
    let cat = catalog();
    let c = country(g.loc);
    let k = g.key;
    let now = g.now.date();
    let dev = &cat.devices[device_type(k)];
    let (maker, mut ms) = device_maker(k, dev);
    let model = model_number(dev, &maker, ms.below(3));
    let mut ds = stream(k, "device.dates");
    let life = dev.life_years * 365;
    let manufactured = add_days(now, -ds.range_i64(60, life * 9 / 10));
    let install = add_days(manufactured, ds.range_i64(30, 150)).min(add_days(now, -1));
    let expiration = add_days(manufactured, life);
    let mut ss = stream(k, "device.serial");
    let serial = format!(
        "{}{:02}{:02}{}",
        &model[..2],
        manufactured.year().rem_euclid(100),
        manufactured.month(),
        ids::digits(&mut ss, 6)
    );
    let users: Vec<String> = (0..2 + stream(k, "device.staff").below(3))
        .map(|i| staff_name(g.loc, sub(k, &format!("device.staff.{i}"))))
        .collect();
    let (history, next) = maintenance(k, g, dev, install, c);
    let last = history.last().map(|x| x.0).unwrap_or(install);
    let logs = usage_logs(k, g, dev, install, &users, c);
    let statuses = cat.vocab("status");
    let status = &statuses[weighted_index(
        &mut stream(k, "device.status"),
        &statuses.iter().map(|v| v.weight).collect::<Vec<_>>(),
    )
    .unwrap_or(0)];
    let loc_id = stream(k, "device.location").pick(&dev.locations).cloned().unwrap_or_default();
    let location = cat.term("location", &loc_id).map(|v| v.name[c].to_string()).unwrap_or(loc_id);
    let id = device_id(k);
    map(vec![
        ("device_id", s(&id)),
        ("device_type", s(&dev.name[c])),
        ("manufacturer", s(&maker)),
        ("model_number", s(&model)),
        ("serial_number", s(&serial)),
        ("manufacture_date", s(&ymd(manufactured))),
        ("expiration_date", s(&ymd(expiration))),
        ("last_maintenance_date", s(&ymd(last))),
        ("next_maintenance_date", s(&ymd(next))),
        ("status", s(&status.name[c])),
        ("location", s(&location)),
        ("assigned_to", s(&users[0])),
        ("specifications", Value::map(specifications(k, dev, cat, c))),
        ("usage_logs", Value::list(logs)),
        ("maintenance_history", Value::list(history.into_iter().map(|(_, m)| Value::map(m)).collect())),
    ])
}
