//! Insurance, e-commerce and public-sector entities: rules checked over 10,000 seeded samples
//! per entity and dataset (US, DE, VN), and golden samples (US, DE).

use datamimic::domains::determinism::{mix, PathKey};
use datamimic::domains::entities::{completed_years, generate};
use datamimic::domains::families::commerce::catalog::{catalog, market};
use datamimic::domains::families::commerce::product::price_band;
use datamimic::domains::families::insurance::{self, base_annual_premium, RATING_SPREAD};
use datamimic::domains::families::public::{self, police};
use datamimic::domains::locale::{ascii_fold, locale};
use datamimic::ir::model::EntitySpec;
use datamimic::Value;
use jiff::civil::{date, Date, DateTime};

const N: u64 = 10_000;
const DATASETS: [&str; 3] = ["US", "DE", "VN"];

fn now() -> DateTime {
    date(2025, 1, 1).at(12, 0, 0, 0)
}

fn spec(kind: &'static str, dataset: &str, params: Vec<(String, Value)>) -> EntitySpec {
    EntitySpec { kind, dataset: dataset.into(), locale: "en".into(), params, key: PathKey(11), proj: None }
}

fn sample(kind: &'static str, ds: &str, i: u64) -> Value {
    generate(&spec(kind, ds, vec![]), mix(2025, i), now()).unwrap_or_else(|e| panic!("{kind} {ds}: {e}"))
}

fn get<'a>(v: &'a Value, k: &str) -> &'a Value {
    match v {
        Value::Map(m) => m.get(k).unwrap_or_else(|| panic!("missing field {k}")),
        _ => panic!("not a map: {k}"),
    }
}

fn st<'a>(v: &'a Value, k: &str) -> &'a str {
    get(v, k).as_str().unwrap_or_else(|| panic!("{k} is not a string"))
}

fn f(v: &Value, k: &str) -> f64 {
    match get(v, k) {
        Value::Float(x) => *x,
        other => panic!("{k} is not a float: {other:?}"),
    }
}

fn list<'a>(v: &'a Value, k: &str) -> &'a [Value] {
    match get(v, k) {
        Value::List(l) => l,
        other => panic!("{k} is not a list: {other:?}"),
    }
}

fn day(v: &Value, k: &str) -> Date {
    match get(v, k) {
        Value::Date(d) => *d,
        Value::DateTime(d) => d.date(),
        Value::Str(s) => s.parse().unwrap_or_else(|_| panic!("{k}: {s}")),
        other => panic!("{k} is not a date: {other:?}"),
    }
}

fn minor_units_ok(x: f64, decimals: i32) -> bool {
    let scaled = x * 10f64.powi(decimals);
    (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
}

fn folded(x: &str) -> String {
    ascii_fold(x).to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

#[test]
fn insurance_policies_are_coherent() {
    let today = now().date();
    for ds in DATASETS {
        let p = insurance::pack(ds);
        let unit = 10f64.powi(-p.decimals);
        for i in 0..N {
            let v = sample("InsurancePolicy", ds, i);
            let product = get(&v, "product");
            let line = p.line(st(product, "code")).expect("line of the product");
            assert_eq!(st(product, "type"), line.kind);
            // Coverages: from the line, distinct, one per alternative group, within the cap.
            let covs = list(&v, "coverages");
            assert!(!covs.is_empty() && covs.len() <= line.max_coverages, "{ds}: {} coverages", covs.len());
            let mut codes: Vec<&str> = Vec::new();
            let mut groups: Vec<&str> = Vec::new();
            for c in covs {
                let lc = line
                    .coverages
                    .iter()
                    .find(|lc| {
                        let cv = &p.coverages[lc.coverage];
                        cv.code == st(c, "code") && cv.class == st(c, "product_code")
                    })
                    .unwrap_or_else(|| panic!("{ds}: {} is not offered by {}", st(c, "code"), line.code));
                assert!(!codes.contains(&st(c, "code")), "{ds}: duplicate coverage");
                codes.push(st(c, "code"));
                if !lc.group.is_empty() {
                    assert!(!groups.contains(&lc.group.as_str()), "{ds}: two alternatives of {}", lc.group);
                    groups.push(&lc.group);
                }
            }
            for lc in line.coverages.iter().filter(|lc| lc.required) {
                assert!(
                    codes.contains(&p.coverages[lc.coverage].code.as_str()),
                    "{ds}: {} lacks a required coverage",
                    line.code
                );
            }
            // The company writes the line.
            let company = p.companies.iter().find(|c| c.name == st(get(&v, "company"), "name")).expect("company");
            assert!(company.lines.contains(&line.code), "{ds}: {} does not write {}", company.name, line.code);
            // Dates and status.
            let (created, start, end) = (day(&v, "created_date"), day(&v, "start_date"), day(&v, "end_date"));
            assert!(created <= start && start < end, "{ds}: {created} {start} {end}");
            assert!(created <= today);
            let status = st(&v, "status");
            let in_window = start <= today && today <= end;
            assert_eq!(status == "active", in_window, "{ds}: {status} {start}..{end}");
            if status == "cancelled" {
                assert!(end < today);
            }
            // Premium: the line's coverage premiums at the holder's age on the start date.
            let holder = get(&v, "policy_holder");
            let age_now = get(holder, "age").as_i64().expect("age");
            assert!((18..=65).contains(&age_now));
            let age = completed_years(day(holder, "birthdate"), start);
            let base = base_annual_premium(p, &line.code, &codes, age).expect("base premium");
            let (_, periods, _) =
                p.frequencies.iter().find(|(n, _, _)| n == st(&v, "premium_frequency")).expect("frequency");
            let premium = f(&v, "premium");
            assert!(minor_units_ok(premium, p.decimals), "{ds}: premium {premium}");
            let annual = premium * periods;
            let slack = periods * unit / 2.0 + 1e-6;
            assert!(
                annual >= base * RATING_SPREAD.0 - slack && annual <= base * RATING_SPREAD.1 + slack,
                "{ds}: premium {premium} x {periods} vs base {base} ({} at {age})",
                line.code
            );
            assert!(premium <= p.installment_cap, "{ds}: installment {premium}");
        }
    }
}

#[test]
fn insurance_catalogue_entities_come_from_the_pack() {
    for ds in DATASETS {
        let p = insurance::pack(ds);
        for i in 0..N {
            let prod = sample("InsuranceProduct", ds, i);
            let line = p.line(st(&prod, "code")).expect("line");
            let got: Vec<&str> = list(&prod, "coverages").iter().map(|c| st(c, "code")).collect();
            let want: Vec<&str> = line.coverages.iter().map(|lc| p.coverages[lc.coverage].code.as_str()).collect();
            assert_eq!(got, want);
            let cov = sample("InsuranceCoverage", ds, i);
            assert!(p.coverages.iter().any(|c| c.code == st(&cov, "code")
                && c.class == st(&cov, "product_code")
                && c.min == st(&cov, "min_coverage")));
            let comp = sample("InsuranceCompany", ds, i);
            assert!(p.companies.iter().any(|c| c.name == st(&comp, "name") && c.website == st(&comp, "website")));
            assert_eq!(st(&comp, "id").len(), 36);
        }
    }
}

#[test]
fn products_keep_category_price_and_sku_together() {
    let c = catalog();
    for ds in DATASETS {
        let m = market(ds);
        let (wlo, whi) = (0.99 * m.factor, 999.99 * m.factor);
        let mut at_edge = 0;
        for i in 0..N {
            let v = sample("Product", ds, i);
            let cat = st(&v, "category");
            let tags: Vec<&str> = list(&v, "tags").iter().map(|t| t.as_str().expect("tag")).collect();
            assert!(tags.len() >= 4);
            let noun = c.nouns.iter().position(|n| n.key.replace('_', "-") == tags[2]).expect("noun tag");
            assert_eq!(c.categories[c.nouns[noun].category].key, cat, "{ds}: noun outside its category");
            let cond = c.conditions.iter().position(|x| x.key == st(&v, "condition")).expect("condition");
            let (blo, bhi) = price_band(m, noun, cond);
            let price = f(&v, "price");
            assert!(price >= blo.max(wlo) - 1e-9 && price <= bhi.min(whi) + 1e-9, "{ds}: {price} outside {blo}..{bhi}");
            assert!(minor_units_ok(price, m.decimals), "{ds}: price {price}");
            if (price - wlo).abs() < 1e-9 || (price - whi).abs() < 1e-9 {
                at_edge += 1;
            }
            assert_eq!(st(&v, "currency"), m.currency);
            let brand = st(&v, "brand");
            let cat_ix = c.categories.iter().position(|x| x.key == cat).expect("category");
            assert!(c.categories[cat_ix].brands.iter().any(|b| c.brands[*b] == brand), "{ds}: {brand} in {cat}");
            let sku = st(&v, "sku");
            let parts: Vec<&str> = sku.split('-').collect();
            assert_eq!(parts.len(), 3, "{sku}");
            assert_eq!(parts[0], brand[..3].to_uppercase());
            assert_eq!(parts[1], cat[..3].to_uppercase());
            assert!(parts[2].len() == 6 && parts[2].chars().all(|d| d.is_ascii_digit()), "{sku}");
            assert!(st(&v, "name").contains(brand));
            let rating = f(&v, "rating");
            assert!((1.0..=5.0).contains(&rating) && (rating * 2.0).fract() == 0.0);
            let size = &c.sizes[c.nouns[noun].size];
            let w = f(&v, "weight");
            assert!(w >= size.weight.0 - 0.01 && w <= size.weight.1 + 0.01, "{ds}: weight {w}");
            assert!(st(&v, "dimensions").ends_with(" cm"));
            if c.categories[cat_ix].new_only {
                assert_eq!(st(&v, "condition"), "NEW");
            }
        }
        assert!(at_edge * 100 < N as usize, "{ds}: {at_edge} prices at the window edges");
    }
    // A narrow price window keeps prices inside it and still within their nouns' bands.
    let params = vec![("min_price".to_string(), Value::Float(1.99)), ("max_price".to_string(), Value::Float(19.99))];
    let sp = spec("Product", "US", params);
    for i in 0..N {
        let v = generate(&sp, mix(7, i), now()).expect("product");
        let price = f(&v, "price");
        assert!((1.99..=19.99).contains(&price), "{price}");
    }
}

#[test]
fn orders_add_up_in_their_own_currency() {
    let c = catalog();
    for ds in DATASETS {
        let m = market(ds);
        let tol = 10f64.powi(-m.decimals) / 2.0;
        for i in 0..N {
            let v = sample("Order", ds, i);
            let items = list(&v, "product_list");
            assert!(!items.is_empty() && items.len() <= m.items_max);
            let subtotal: f64 = items.iter().map(|p| f(p, "price")).sum();
            for p in items {
                assert_eq!(st(p, "currency"), st(&v, "currency"), "{ds}: item currency");
            }
            assert_eq!(st(&v, "currency"), m.currency);
            let (tax, ship, disc, total) =
                (f(&v, "tax_amount"), f(&v, "shipping_amount"), f(&v, "discount_amount"), f(&v, "total_amount"));
            for x in [tax, ship, disc, total] {
                assert!(minor_units_ok(x, m.decimals) && x >= 0.0, "{ds}: amount {x}");
            }
            assert!((total - (subtotal + tax + ship - disc)).abs() <= tol + 1e-6, "{ds}: total {total}");
            match get(&v, "coupon_code") {
                Value::Null => assert_eq!(disc, 0.0),
                Value::Str(code) => {
                    let (prefix, pct) =
                        c.coupons.items.iter().find(|(p, _)| code.starts_with(p.as_str())).expect("coupon campaign");
                    assert!(code.len() == prefix.len() + 7);
                    assert!((disc - subtotal * pct / 100.0).abs() <= tol + 1e-6, "{ds}: discount {disc}");
                }
                other => panic!("coupon {other:?}"),
            }
            let d = match get(&v, "date") {
                Value::DateTime(d) => *d,
                other => panic!("date {other:?}"),
            };
            assert!(d <= now() && d >= now() - jiff::Span::new().days(366), "{ds}: {d}");
            let age = (now().duration_since(d).as_secs() / 86_400) as i64;
            let status = c.statuses.iter().find(|s| s.key == st(&v, "status")).expect("status");
            assert!(status.min_days <= age && age <= status.max_days, "{ds}: {} at {age} days", status.key);
            let sh = m.shipping.iter().find(|s| s.key == st(&v, "shipping_method")).expect("shipping method");
            let largest = items
                .iter()
                .map(|p| {
                    let tags = list(p, "tags");
                    let key = tags[2].as_str().expect("noun tag");
                    c.sizes.len().min(c.nouns.iter().find(|n| n.key.replace('_', "-") == key).expect("noun").size)
                })
                .max()
                .unwrap_or(0);
            assert!(sh.sizes.0 <= largest && largest <= sh.sizes.1, "{ds}: {} carries size {largest}", sh.key);
            assert!(ship >= 0.0 && ship <= sh.cost.1 + 1e-9);
        }
    }
}

#[test]
fn police_officers_serve_consistently() {
    let today = now().date();
    for ds in DATASETS {
        let depts = &public::pack(ds).departments;
        for i in 0..N {
            let v = sample("PoliceOfficer", ds, i);
            let age = get(&v, "age").as_i64().expect("age");
            assert!((21..=65).contains(&age), "{ds}: age {age}");
            let birth = day(&v, "birthdate");
            let hire = day(&v, "hire_date");
            assert!(completed_years(birth, hire) >= police::HIRE_AGE, "{ds}: hired before 21");
            assert!(hire <= today);
            let years = get(&v, "years_of_service").as_i64().expect("years");
            assert_eq!(years, completed_years(hire, today));
            let ranks = &public::pack(ds).ranks;
            let ok: Vec<&str> = police::eligible_ranks(ds, years, age).iter().map(|r| ranks.get(*r, "rank")).collect();
            assert!(ok.contains(&st(&v, "rank")), "{ds}: {} after {years} years at {age}", st(&v, "rank"));
            let dept = st(&v, "department");
            assert!(st(&v, "unit").starts_with(&format!("{dept}-")), "{ds}: unit of another department");
            let row = depts.where_eq("code", dept)[0];
            let email = st(&v, "email");
            let (local, domain) = email.split_once('@').expect("email");
            assert_eq!(domain, depts.get(row, "domain"));
            assert!(local.starts_with(&folded(st(&v, "given_name"))) || local.contains(&folded(st(&v, "given_name"))));
            assert!(email.is_ascii());
            if depts.get(row, "state") != "*" {
                assert_eq!(st(get(&v, "address"), "state"), depts.get(row, "state"), "{ds}: lives outside the state");
            }
            assert!(matches!(st(&v, "gender"), "female" | "male"));
            assert!(!list(&v, "certifications").is_empty() && !list(&v, "languages").is_empty());
        }
    }
}

fn host_of(url: &str) -> &str {
    url.trim_start_matches("https://").trim_start_matches("www.")
}

#[test]
fn educational_institutions_follow_their_country() {
    for ds in DATASETS {
        let lists = &public::pack(ds).edu_lists;
        for i in 0..N {
            let v = sample("EducationalInstitution", ds, i);
            let site = st(&v, "website");
            let host = host_of(site);
            assert_eq!(st(&v, "email").split_once('@').map(|x| x.1), Some(host), "{ds}: {site}");
            match ds {
                "US" => assert!(
                    host.ends_with(".edu")
                        || (host.contains(".k12.") && host.ends_with(".us"))
                        || host.ends_with(".org"),
                    "{host}"
                ),
                "DE" => assert!(host.ends_with(".de") && !host.contains("k12") && !host.contains(".edu"), "{host}"),
                _ => assert!(host.ends_with(".edu.vn") && !host.contains("k12"), "{host}"),
            }
            let name = st(&v, "name");
            if ds != "US" {
                for english in ["School", "University", "College", "Academy"] {
                    assert!(!name.contains(english), "{ds}: {name}");
                }
            }
            let (students, staff) = (get(&v, "student_count").as_i64(), get(&v, "staff_count").as_i64());
            assert!(staff < students);
            assert!(get(&v, "founding_year").as_i64().expect("year") <= 2025);
            let state = st(get(&v, "address"), "state");
            for a in list(&v, "accreditations") {
                let a = a.as_str().expect("accreditation");
                let rows = lists.where_eq("value", a);
                if let Some(r) = rows.first() {
                    let states = lists.get(*r, "states");
                    assert!(states.is_empty() || states.split_whitespace().any(|x| x == state), "{a} in {state}");
                }
            }
            for l in ["programs", "facilities", "accreditations"] {
                let mut xs: Vec<String> = list(&v, l).iter().map(|x| x.py_str()).collect();
                let n = xs.len();
                xs.sort();
                xs.dedup();
                assert_eq!(xs.len(), n, "{ds}: duplicate {l}");
            }
        }
    }
}

#[test]
fn administration_offices_belong_to_their_jurisdiction() {
    for ds in DATASETS {
        let p = public::pack(ds);
        let loc = locale(ds);
        for i in 0..N {
            let v = sample("AdministrationOffice", ds, i);
            let addr = get(&v, "address");
            let (city, state) = (st(addr, "city"), st(addr, "state"));
            let j = st(&v, "jurisdiction");
            let ok = match ds {
                "US" => {
                    j == format!("City of {city}") || j == "Federal" || Some(j) == p.jurisdiction(state).map(|x| x.0)
                }
                "DE" => {
                    j == format!("Stadt {city}")
                        || j == "Bundesrepublik Deutschland"
                        || Some(j) == p.jurisdiction(state).map(|x| x.0)
                }
                _ => Some(j) == p.jurisdiction(state).map(|x| x.0),
            };
            assert!(ok, "{ds}: {j} for {city}, {state}");
            assert!(loc.state_name(state).is_some());
            let host = host_of(st(&v, "website"));
            match ds {
                "US" => assert!(host.ends_with(".gov") || host.ends_with(".com"), "{host}"),
                "DE" => assert!(host.ends_with(".de"), "{host}"),
                _ => assert!(host.ends_with(".gov.vn"), "{host}"),
            }
            assert!(st(&v, "email").is_ascii() && st(&v, "email").contains('@'));
            let hours = match get(&v, "hours_of_operation") {
                Value::Map(m) => m.clone(),
                other => panic!("hours {other:?}"),
            };
            assert_eq!(hours.len(), 7);
            let deps: Vec<String> = list(&v, "departments").iter().map(|x| x.py_str()).collect();
            let mut d = deps.clone();
            d.sort();
            d.dedup();
            assert_eq!(d.len(), deps.len());
            match get(&v, "leadership") {
                Value::Map(m) => {
                    assert!(m.len() >= 2 && m.keys().all(|k| deps.iter().any(|x| **x == **k)));
                    assert!(m.contains_key(deps[0].as_str()), "{ds}: the head is not in the leadership");
                }
                other => panic!("leadership {other:?}"),
            }
            for s in list(&v, "services") {
                let s = s.py_str();
                let scope: Vec<&str> = (0..p.adm_lists.len())
                    .filter(|r| p.adm_lists.get(*r, "value") == s)
                    .map(|r| p.adm_lists.get(r, "scope"))
                    .collect();
                assert!(scope.is_empty() || scope.iter().any(|x| *x == "*" || *x == state), "{ds}: {s} in {state}");
            }
            assert!(matches!(get(&v, "annual_budget"), Value::Int(b) if *b > 0));
        }
    }
}

fn pretty(v: &Value) -> String {
    let mut out = String::new();
    v.write_json(&mut out);
    let parsed: serde_json::Value = serde_json::from_str(&out).expect("json");
    serde_json::to_string_pretty(&parsed).expect("pretty")
}

#[test]
fn golden_samples() {
    let kinds = [
        "InsuranceCompany",
        "InsuranceProduct",
        "InsuranceCoverage",
        "InsurancePolicy",
        "Product",
        "Order",
        "PoliceOfficer",
        "EducationalInstitution",
        "AdministrationOffice",
    ];
    for ds in ["US", "DE"] {
        for kind in kinds {
            let rows: Vec<String> = (0..20).map(|i| pretty(&sample(kind, ds, i))).collect();
            insta::assert_snapshot!(format!("{kind}_{ds}"), format!("[\n{}\n]", rows.join(",\n")));
        }
    }
}
