//! Tests of the locale-dependent generators.

use super::super::testutil::*;
use super::super::*;
use super::DEPARTMENTS_EN;
use crate::domains::locale;

fn strs(g: &Generator, n: usize) -> Vec<String> {
    take(g, 29, n).iter().map(Value::py_str).collect()
}

fn is_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(char::is_alphabetic)
}

#[test]
fn gender_generator() {
    let vs = strs(&gen("GenderGenerator", &[]), 100_000);
    let share = |x: &str| vs.iter().filter(|v| *v == x).count() as f64 / vs.len() as f64;
    assert!((share("female") - 0.49).abs() < 0.01);
    assert!((share("other") - 0.02).abs() < 0.005);
    assert!((share("male") - 0.49).abs() < 0.01);
    let g = gen("GenderGenerator", &[("female_quota", Value::Float(0.0)), ("other_gender_quota", Value::Int(1))]);
    assert!(strs(&g, 100).iter().all(|v| v == "other"));
    let g = super::super::construct("GenderGenerator", &[Value::Int(1)], &[], &cfg()).unwrap();
    assert!(strs(&g, 100).iter().all(|v| v == "female"));
    let e =
        gen_err("GenderGenerator", &[("female_quota", Value::Float(0.9)), ("other_gender_quota", Value::Float(0.2))]);
    assert!(e.contains("'other_gender_quota' (0.2) plus female_quota (0.9) must not exceed 1"), "{e}");
    let e = gen_err("GenderGenerator", &[("female_quota", Value::Float(1.1))]);
    assert!(e.contains("'female_quota' must be between 0 and 1"), "{e}");
}

#[test]
fn given_and_family_names() {
    let us = locale::locale("US");
    let vs = strs(&gen("GivenNameGenerator", &[]), 500);
    assert!(vs.iter().all(|v| !v.is_empty()));
    assert!(vs.iter().any(|v| us.given_female.items.iter().any(|x| &**x == v)));
    assert!(vs.iter().any(|v| us.given_male.items.iter().any(|x| &**x == v)));
    let g = gen("GivenNameGenerator", &[("gender", s("female")), ("dataset", s("DE"))]);
    let de = locale::locale("DE");
    for v in strs(&g, 200) {
        assert!(de.given_female.items.iter().any(|x| **x == *v), "{v}");
    }
    let vs = strs(&gen("FamilyNameGenerator", &[]), 200);
    assert!(vs.iter().all(|v| us.family.items.iter().any(|x| **x == **v)));
    assert!(vs.iter().filter(|v| is_word(v)).count() > 190);
    // Datasets without a pack fall back to US.
    let g = gen("FamilyNameGenerator", &[("dataset", s("BR"))]);
    assert!(!one(&g, 1).is_empty());
    let e = gen_err("GivenNameGenerator", &[("gender", s("x"))]);
    assert!(e.contains("'gender' has unknown value 'x'"), "{e}");
    let e = gen_err("FamilyNameGenerator", &[("dataset", Value::Int(1))]);
    assert!(e.contains("'dataset' must be a string"), "{e}");
}

#[test]
fn email_addresses() {
    let re = regex::Regex::new(r"^[a-z0-9._]+@[a-z0-9.-]+\.[a-z]{2,}$").unwrap();
    for ds in ["US", "DE", "VN"] {
        let g = gen("EmailAddressGenerator", &[("dataset", s(ds))]);
        for v in strs(&g, 300) {
            assert!(re.is_match(&v), "{ds}: {v}");
        }
    }
    let g = gen("EmailAddressGenerator", &[("given_name", s("Jürgen")), ("family_name", s("Weiß"))]);
    for v in strs(&g, 50) {
        let local = v.split('@').next().unwrap();
        assert!(["juergen_weiss", "juergen.weiss", "juergenweiss", "jweiss"].contains(&local), "{v}");
    }
    let g = gen("EmailAddressGenerator", &[("given_name", s("Nguyễn Văn"))]);
    assert!(one(&g, 1).starts_with("nguyenvan") || one(&g, 1).starts_with('n'));
}

#[test]
fn phone_numbers() {
    let re = regex::Regex::new(r"^\+1-\d{3}-\d{7}$").unwrap();
    for v in strs(&gen("PhoneNumberGenerator", &[]), 300) {
        assert!(re.is_match(&v), "{v}");
    }
    let g = gen("PhoneNumberGenerator", &[("area_code", Value::Int(816))]);
    assert!(strs(&g, 50).iter().all(|v| v.starts_with("+1-816-")));
    let g = gen("PhoneNumberGenerator", &[("dataset", s("DE")), ("is_mobile", Value::Bool(true))]);
    let re = regex::Regex::new(r"^\+49-1[567]\d-\d+$").unwrap();
    for v in strs(&g, 100) {
        assert!(re.is_match(&v), "{v}");
    }
    let e = gen_err("PhoneNumberGenerator", &[("area_code", s("8a"))]);
    assert!(e.contains("'area_code' must be 1 to 6 digits"), "{e}");
    let e = gen_err("PhoneNumberGenerator", &[("is_mobile", s("sometimes"))]);
    assert!(e.contains("'is_mobile' must be True or False"), "{e}");
}

#[test]
fn academic_and_nobility_titles() {
    let vs = strs(&gen("AcademicTitleGenerator", &[]), 4000);
    let empty = vs.iter().filter(|v| v.is_empty()).count();
    assert!((1800..2200).contains(&empty), "{empty}");
    let g = gen("AcademicTitleGenerator", &[("quota", Value::Float(1.0))]);
    assert!(strs(&g, 100).iter().all(|v| !v.is_empty()));
    let e = gen_err("AcademicTitleGenerator", &[("quota", Value::Int(2))]);
    assert!(e.contains("'quota' must be between 0 and 1"), "{e}");
    // Without a gender, or in the US, there are no nobility titles.
    assert!(strs(&gen("NobilityTitleGenerator", &[]), 200).iter().all(String::is_empty));
    let g = gen("NobilityTitleGenerator", &[("gender", s("male")), ("noble_quota", Value::Float(1.0))]);
    assert!(strs(&g, 50).iter().all(String::is_empty));
    let g = gen(
        "NobilityTitleGenerator",
        &[("dataset", s("DE")), ("gender", s("female")), ("noble_quota", Value::Float(1.0))],
    );
    let de = locale::locale("DE");
    for v in strs(&g, 100) {
        assert!(de.nobility.items.iter().any(|(f, _)| **f == *v), "{v}");
    }
    let e = gen_err("NobilityTitleGenerator", &[("noble_quota", Value::Float(-0.1))]);
    assert!(e.contains("'noble_quota' must be between 0 and 1"), "{e}");
}

#[test]
fn company_department_sector_street() {
    let vs = strs(&gen("CompanyNameGenerator", &[]), 300);
    assert!(vs.iter().all(|v| is_word(v)), "{vs:?}");
    for v in strs(&gen("DepartmentNameGenerator", &[]), 300) {
        assert!(DEPARTMENTS_EN.contains(&v.as_str()), "{v}");
    }
    let de = locale::locale("DE");
    for v in strs(&gen("DepartmentNameGenerator", &[("locale", s("de"))]), 100) {
        assert!(de.departments.items.iter().any(|x| **x == *v), "{v}");
    }
    let us = locale::locale("US");
    for v in strs(&gen("SectorGenerator", &[]), 100) {
        assert!(us.sectors.items.iter().any(|x| **x == *v), "{v}");
    }
    for v in strs(&gen("SectorGenerator", &[("dataset", s("US")), ("locale", s("de"))]), 100) {
        assert!(de.sectors.items.iter().any(|x| **x == *v), "{v}");
    }
    for v in strs(&gen("StreetNameGenerator", &[("dataset", s("DE"))]), 100) {
        assert!(de.streets.items.iter().any(|x| **x == *v), "{v}");
    }
}

#[test]
fn domains_and_urls() {
    let re = regex::Regex::new(r"^[a-z]+\.[a-z]+$").unwrap();
    let vs = strs(&gen("DomainGenerator", &[]), 600);
    assert!(vs.iter().all(|v| re.is_match(v)), "{vs:?}");
    assert!(vs.iter().collect::<std::collections::HashSet<_>>().len() > 100);
    let re = regex::Regex::new(r"^https?://(www\.)?[a-z0-9]+\.[a-z]+/$").unwrap();
    for v in strs(&gen("UrlGenerator", &[]), 300) {
        assert!(re.is_match(&v), "{v}");
    }
    let g = gen("UrlGenerator", &[("schemes", Value::list(vec![s("ftp")]))]);
    assert!(strs(&g, 20).iter().all(|v| v.starts_with("ftp://")));
    let e = gen_err("UrlGenerator", &[("schemes", Value::list(vec![]))]);
    assert!(e.contains("'schemes' must name at least one scheme"), "{e}");
    let e = gen_err("UrlGenerator", &[("schemes", Value::Int(1))]);
    assert!(e.contains("'schemes' must be a list of strings"), "{e}");
}

#[test]
fn defaults_follow_the_setup_dataset() {
    let cfg = GenConfig { dataset: "DE".into(), locale: "de".into() };
    let g = construct("FamilyNameGenerator", &[], &[], &cfg).unwrap();
    let de = locale::locale("DE");
    for v in take(&g, 3, 50) {
        assert!(de.family.items.iter().any(|x| **x == *v.as_str().unwrap()));
    }
    let g = construct("GivenNameGenerator", &[s("US"), s("male")], &[], &cfg).unwrap();
    let us = locale::locale("US");
    for v in take(&g, 3, 50) {
        assert!(us.given_male.items.iter().any(|x| **x == *v.as_str().unwrap()));
    }
    let g = gen("FamilyNameGenerator", &[]);
    assert_eq!(reprs(&g, 8, 20), reprs(&g, 8, 20));
}
