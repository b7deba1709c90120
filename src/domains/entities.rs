//! Domain entities (`<variable entity="Person"/>`): one generated object per record.
//!
//! Every field concept draws from its own stream `mix(entity key, concept)`, so values never
//! depend on the order fields are read, and adding a field never changes another. Dependent
//! fields are derived, not drawn again: the e-mail comes from the person's own names, the age
//! from the birthdate and the run clock, the phone area code from the address's own city row.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, LazyLock};

use jiff::civil::{Date, DateTime};

use crate::builtins::generators::datetime_gen::{civil_from_days, day_of};
use crate::domains::determinism::{mix, path_key, Stream};
use crate::domains::locale::{ascii_fold, locale, push_slug, slug_initial, City, Locale};
use crate::ir::model::EntitySpec;
use crate::vm::value::{Map, Value};

/// Generates one entity object for the record with stream key `key`.
pub fn generate(spec: &EntitySpec, key: u64, now: DateTime) -> Result<Value, String> {
    let g = Gen { key, now, loc: locale(&spec.dataset), params: &spec.params };
    Ok(Value::map(match spec.kind {
        "Person" => g.person()?.to_map(g.loc),
        "Address" => g.address(mix(key, 0xADD)).to_map(g.loc),
        "City" => g.city(),
        "Country" => g.country(),
        "Company" => g.company(mix(key, 0xC0)),
        other => return crate::domains::families::generate(other, &g),
    }))
}

/// Everything an entity generator needs: its stream key, the run clock, the locale pack
/// and the constructor parameters (`Person(min_age=30)`, `ageMin`/`ageMax`, …).
pub struct Gen<'a> {
    pub key: u64,
    pub now: DateTime,
    pub loc: &'static Locale,
    pub params: &'a [(String, Value)],
}

/// Stream of one concept of an entity: `stream(key, "blood_type")`.
pub fn stream(key: u64, concept: &str) -> Stream {
    Stream::new(mix(key, concept_key(concept)))
}

/// Stream of a concept whose key is already known ([`concept!`]).
#[inline]
pub fn stream_at(key: u64, concept_key: u64) -> Stream {
    Stream::new(mix(key, concept_key))
}

/// FNV-1a, for the concept-key cache (never iterated into output).
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h = (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// The key of a concept name, `path_key(concept)`, computed once per name and thread.
pub fn concept_key(concept: &str) -> u64 {
    thread_local! {
        static KEYS: RefCell<HashMap<Box<str>, u64, BuildHasherDefault<Fnv>>> = RefCell::default();
    }
    KEYS.with(|keys| {
        if let Some(k) = keys.borrow().get(concept) {
            return *k;
        }
        let k = path_key(concept).0;
        keys.borrow_mut().insert(concept.into(), k);
        k
    })
}

/// The key of a literal concept name, computed once per program run.
macro_rules! concept {
    ($c:literal) => {{
        static KEY: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        *KEY.get_or_init(|| $crate::domains::determinism::path_key($c).0)
    }};
}
pub(crate) use concept;

/// A string value.
pub fn s(v: &str) -> Value {
    Value::Str(Arc::from(v))
}

/// A string value sharing the pack's text.
#[inline]
fn a(v: &Arc<str>) -> Value {
    Value::Str(v.clone())
}

/// A map from `(field, value)` pairs in order.
pub fn map(pairs: Vec<(&str, Value)>) -> Map {
    pairs.into_iter().map(|(k, v)| (Arc::from(k), v)).collect()
}

/// The fields of an entity in output order, interned once: maps are built by cloning the
/// template (no hashing per record) and filling the values by position.
pub struct Shape(Map);

impl Shape {
    pub fn new(fields: &[&str]) -> Shape {
        Shape(fields.iter().map(|f| (Arc::from(*f), Value::Null)).collect())
    }

    /// The map with these values, in field order.
    pub fn build<const N: usize>(&self, values: [Value; N]) -> Map {
        debug_assert_eq!(N, self.0.len());
        let mut m = self.0.clone();
        for (i, v) in values.into_iter().enumerate() {
            if let Some((_, slot)) = m.get_index_mut(i) {
                *slot = v;
            }
        }
        m
    }
}

/// The fields of a Person, in record order (also the part codes of `domains::projection`).
pub(crate) const PERSON_FIELDS: &[&str] = &[
    "birthdate",
    "given_name",
    "family_name",
    "full_name",
    "gender",
    "name",
    "age",
    "email",
    "phone",
    "mobile_phone",
    "academic_title",
    "salutation",
    "nobility_title",
    "transaction_profile",
    "address",
];

static PERSON: LazyLock<Shape> = LazyLock::new(|| Shape::new(PERSON_FIELDS));

/// The fields of an Address, in record order (also the part codes of `domains::projection`).
pub(crate) const ADDRESS_FIELDS: &[&str] = &[
    "street",
    "house_number",
    "city",
    "state",
    "postal_code",
    "zip_code",
    "country",
    "country_code",
    "phone",
    "mobile_phone",
    "fax",
    "office_phone",
    "private_phone",
    "organization",
    "full_address",
    "formatted_address",
];

static ADDRESS: LazyLock<Shape> = LazyLock::new(|| Shape::new(ADDRESS_FIELDS));

static EMPTY: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from(""));

/// A short text built on the stack (spilling to the heap beyond 64 bytes), turned into an
/// `Arc<str>` with a single allocation.
pub struct SmallStr {
    buf: arrayvec::ArrayString<64>,
    spill: Option<String>,
}

impl SmallStr {
    pub fn new() -> SmallStr {
        SmallStr { buf: arrayvec::ArrayString::new(), spill: None }
    }

    pub fn push_str(&mut self, t: &str) {
        if let Some(sp) = &mut self.spill {
            sp.push_str(t);
        } else if self.buf.try_push_str(t).is_err() {
            let mut sp = String::with_capacity(self.buf.len() + t.len() + 32);
            sp.push_str(&self.buf);
            sp.push_str(t);
            self.spill = Some(sp);
        }
    }

    #[inline]
    pub fn push(&mut self, c: char) {
        if self.spill.is_none() && self.buf.try_push(c).is_ok() {
            return;
        }
        let mut b = [0u8; 4];
        self.push_str(c.encode_utf8(&mut b));
    }

    pub fn as_str(&self) -> &str {
        match &self.spill {
            Some(sp) => sp,
            None => &self.buf,
        }
    }

    pub fn to_arc(&self) -> Arc<str> {
        Arc::from(self.as_str())
    }
}

impl Default for SmallStr {
    fn default() -> Self {
        SmallStr::new()
    }
}

impl std::fmt::Write for SmallStr {
    fn write_str(&mut self, t: &str) -> std::fmt::Result {
        self.push_str(t);
        Ok(())
    }
    fn write_char(&mut self, c: char) -> std::fmt::Result {
        self.push(c);
        Ok(())
    }
}

/// The person knobs of an entity's constructor parameters.
#[derive(Clone, Debug)]
pub struct PersonCfg {
    pub min_age: i64,
    pub max_age: i64,
    pub female_quota: f64,
    pub other_quota: f64,
    pub noble_quota: f64,
    pub title_quota: f64,
}

/// `Given Family`; Vietnamese `Family Middle Given`.
pub fn full_name(given: &str, middle: Option<&str>, family: &str) -> Arc<str> {
    let mut full_name = SmallStr::new();
    match middle {
        Some(m) => {
            full_name.push_str(family);
            full_name.push(' ');
            full_name.push_str(m);
            full_name.push(' ');
            full_name.push_str(given);
        }
        None => {
            full_name.push_str(given);
            full_name.push(' ');
            full_name.push_str(family);
        }
    }
    full_name.to_arc()
}

pub struct Person {
    pub given: Arc<str>,
    pub middle: Option<Arc<str>>,
    pub family: Arc<str>,
    pub gender: &'static str,
    pub birthdate: Date,
    pub age: i64,
    pub email: Arc<str>,
    pub phone: Arc<str>,
    pub mobile: Arc<str>,
    pub academic_title: Arc<str>,
    pub salutation: Arc<str>,
    pub nobility_title: Arc<str>,
    pub full_name: Arc<str>,
    pub address: Address,
}

impl Person {
    /// The Person entity's fields.
    pub fn to_map(&self, loc: &Locale) -> Map {
        static GENDERS: LazyLock<[Arc<str>; 3]> =
            LazyLock::new(|| [Arc::from("female"), Arc::from("male"), Arc::from("other")]);
        let gender = match self.gender {
            "female" => Value::Str(GENDERS[0].clone()),
            "male" => Value::Str(GENDERS[1].clone()),
            "other" => Value::Str(GENDERS[2].clone()),
            g => s(g),
        };
        let full = &self.full_name;
        PERSON.build([
            Value::DateTime(self.birthdate.to_datetime(jiff::civil::Time::midnight())),
            a(&self.given),
            a(&self.family),
            a(full),
            gender,
            a(full),
            Value::Int(self.age),
            a(&self.email),
            a(&self.phone),
            a(&self.mobile),
            a(&self.academic_title),
            a(&self.salutation),
            a(&self.nobility_title),
            Value::Null,
            Value::map(self.address.to_map(loc)),
        ])
    }
}

pub struct Address {
    pub street: Arc<str>,
    pub house_number: Arc<str>,
    pub city: City,
    pub phone: Arc<str>,
    pub mobile: Arc<str>,
    pub fax: Arc<str>,
    pub office_phone: Arc<str>,
    pub private_phone: Arc<str>,
    pub organization: Arc<str>,
}

impl Address {
    /// The Address entity's fields.
    pub fn to_map(&self, loc: &Locale) -> Map {
        let mut full = SmallStr::new();
        write_address(&mut full, loc, &self.street, &self.house_number, &self.city);
        let mut postal = SmallStr::new();
        write_postal(&mut postal, loc, &self.street, &self.house_number, &self.city);
        ADDRESS.build([
            a(&self.street),
            a(&self.house_number),
            a(&self.city.name),
            a(&self.city.state),
            a(&self.city.postal_code),
            a(&self.city.postal_code),
            a(&loc.country.name),
            a(&loc.country.iso_code),
            a(&self.phone),
            a(&self.mobile),
            a(&self.fax),
            a(&self.office_phone),
            a(&self.private_phone),
            a(&self.organization),
            Value::Str(full.to_arc()),
            Value::Str(postal.to_arc()),
        ])
    }
}

/// The address as it is written on an envelope inside the country: street line, then locality
/// line (US `City, ST ZIP`; DE `PLZ Ort`; VN `district, province`).
pub fn format_postal(loc: &Locale, street: &str, no: &str, c: &City) -> String {
    let mut out = SmallStr::new();
    write_postal(&mut out, loc, street, no, c);
    out.as_str().to_string()
}

pub(crate) fn write_postal(out: &mut SmallStr, loc: &Locale, street: &str, no: &str, c: &City) {
    let _ = match loc.code {
        "DE" => write!(out, "{street} {no}\n{} {}", c.postal_code, c.name),
        "VN" => write!(out, "{no} {street}\n{}, {}", c.name, loc.state_name(&c.state).unwrap_or(&c.state)),
        _ => write!(out, "{no} {street}\n{}, {} {}", c.name, c.state, c.postal_code),
    };
}

/// The address formatted as the country writes it.
pub fn format_address(loc: &Locale, street: &str, no: &str, c: &City) -> String {
    let mut out = SmallStr::new();
    write_address(&mut out, loc, street, no, c);
    out.as_str().to_string()
}

pub(crate) fn write_address(out: &mut SmallStr, loc: &Locale, street: &str, no: &str, c: &City) {
    let _ = match loc.code {
        "DE" => write!(out, "{street} {no}, {} {}", c.postal_code, c.name),
        "VN" => write!(out, "{no} {street}, {}, {}", c.name, loc.state_name(&c.state).unwrap_or(&c.state)),
        _ => write!(out, "{no} {street}, {}, {} {}", c.name, c.state, c.postal_code),
    };
}

impl Gen<'_> {
    /// A numeric constructor parameter.
    pub fn param_f64(&self, name: &str) -> Option<f64> {
        self.params.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.as_f64())
    }

    /// An integer constructor parameter.
    pub fn param_i64(&self, name: &str) -> Option<i64> {
        self.params.iter().find(|(k, _)| k == name).and_then(|(_, v)| match v {
            Value::Int(i) => Some(*i),
            Value::Float(f) => Some(*f as i64),
            Value::Str(t) => t.trim().parse().ok(),
            _ => None,
        })
    }

    /// The person knobs of the constructor parameters (`min_age`, `female_quota`, …), checked.
    pub fn person_cfg(&self) -> Result<PersonCfg, String> {
        let min_age = self.param_i64("min_age").unwrap_or(18);
        let max_age = self.param_i64("max_age").unwrap_or(65);
        if min_age < 0 || max_age > 130 || min_age > max_age {
            return Err(format!("person ages must satisfy 0 <= min_age <= max_age <= 130, got {min_age}..{max_age}"));
        }
        Ok(PersonCfg {
            min_age,
            max_age,
            female_quota: self.param_f64("female_quota").unwrap_or(0.5),
            other_quota: self.param_f64("other_gender_quota").unwrap_or(0.0),
            noble_quota: self.param_f64("noble_quota").unwrap_or(0.001),
            // Share of the people old enough for a title who hold one (dsl §10 default 0.5, as
            // datamimic-ce models expect; `academic_title_quota=0.03` is closer to the share of
            // adults who write a doctorate with their name); nobody younger than a title's
            // minimum age holds it.
            title_quota: self.param_f64("academic_title_quota").unwrap_or(0.5),
        })
    }

    /// The gender and whether the given names are female ones (a coin for `other`).
    pub fn person_gender(&self, c: &PersonCfg) -> (&'static str, bool) {
        let mut gs = stream_at(self.key, concept!("gender"));
        let u = gs.f64();
        let gender = if u < c.other_quota {
            "other"
        } else if u < c.other_quota + c.female_quota {
            "female"
        } else {
            "male"
        };
        let names_female = match gender {
            "female" => true,
            "male" => false,
            _ => gs.chance(0.5),
        };
        (gender, names_female)
    }

    /// The birthdate, uniform in `[now - (max_age+1)y + 1d, now - min_age y]`, and the age.
    pub fn person_birth(&self, c: &PersonCfg) -> (Date, i64) {
        let today = self.now.date();
        let latest = sub_years(today, c.min_age);
        let earliest = sub_years(today, c.max_age + 1).tomorrow().unwrap_or(today);
        let first = day_of(earliest);
        let span_days = (day_of(latest) - first).max(0);
        let mut bs = stream_at(self.key, concept!("birthdate"));
        let (y, m, d) = civil_from_days(first + bs.range_i64(0, span_days));
        let birthdate = Date::new(y as i16, m as i8, d as i8).unwrap_or(earliest);
        (birthdate, completed_years(birthdate, today))
    }

    /// A given name that was given in the person's birth year.
    pub fn person_given(&self, names_female: bool, birth_year: i32) -> Arc<str> {
        self.person_given_ref(names_female, birth_year).clone()
    }

    /// [`Gen::person_given`], as the locale pack's own text.
    pub fn person_given_ref(&self, names_female: bool, birth_year: i32) -> &'static Arc<str> {
        static FALLBACK: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("Alex"));
        let loc = self.loc;
        let mut ns = stream_at(self.key, concept!("given_name"));
        if names_female {
            loc.given_female_by_year.pick(&loc.given_female, birth_year, &mut ns)
        } else {
            loc.given_male_by_year.pick(&loc.given_male, birth_year, &mut ns)
        }
        .unwrap_or(&FALLBACK)
    }

    /// The middle name (Viet Nam only).
    pub fn person_middle(&self, names_female: bool) -> Option<Arc<str>> {
        self.person_middle_ref(names_female).cloned()
    }

    /// [`Gen::person_middle`], as the locale pack's own text.
    pub fn person_middle_ref(&self, names_female: bool) -> Option<&'static Arc<str>> {
        let loc = self.loc;
        let mut ms = stream_at(self.key, concept!("middle_name"));
        if loc.code == "VN" {
            if names_female {
                loc.middle_female.pick(&mut ms)
            } else {
                loc.middle_male.pick(&mut ms)
            }
        } else {
            None
        }
    }

    pub fn person_family(&self) -> Arc<str> {
        self.person_family_ref().clone()
    }

    /// [`Gen::person_family`], as the locale pack's own text.
    pub fn person_family_ref(&self) -> &'static Arc<str> {
        static FALLBACK: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from("Smith"));
        let mut fs = stream_at(self.key, concept!("family_name"));
        self.loc.family.pick(&mut fs).unwrap_or(&FALLBACK)
    }

    /// An academic title the person is old enough for, or `""`.
    pub fn person_academic_title(&self, c: &PersonCfg, age: i64) -> Arc<str> {
        let loc = self.loc;
        let mut ts = stream_at(self.key, concept!("academic_title"));
        let eligible = loc.academic_titles.items.iter().any(|(_, min)| age >= *min);
        if eligible && ts.chance(c.title_quota) {
            // Redraw until the title fits the age (at least one does).
            (0..32)
                .filter_map(|_| loc.academic_titles.pick(&mut ts).filter(|(_, min)| age >= *min))
                .map(|(t, _)| t.clone())
                .next()
                .unwrap_or_else(|| EMPTY.clone())
        } else {
            EMPTY.clone()
        }
    }

    pub fn person_nobility_title(&self, c: &PersonCfg, age: i64, names_female: bool) -> Arc<str> {
        let mut nbs = stream_at(self.key, concept!("nobility_title"));
        if nbs.chance(c.noble_quota) && age >= 18 {
            match self.loc.nobility.pick(&mut nbs) {
                Some((f, m)) => {
                    if names_female {
                        f.clone()
                    } else {
                        m.clone()
                    }
                }
                None => EMPTY.clone(),
            }
        } else {
            EMPTY.clone()
        }
    }

    /// The form of address: the pack's first salutation for the gender (others are variants).
    pub fn person_salutation(&self, gender: &str) -> Arc<str> {
        let loc = self.loc;
        let sal_list = match gender {
            "female" => &loc.salutation_female,
            "male" => &loc.salutation_male,
            _ => &loc.salutation_other,
        };
        sal_list.first().cloned().unwrap_or_else(|| EMPTY.clone())
    }

    /// A person (ages `min_age`..`max_age`, default 18..65, from the parameters).
    pub fn person(&self) -> Result<Person, String> {
        let cfg = self.person_cfg()?;
        let k = self.key;
        let loc = self.loc;
        let (gender, names_female) = self.person_gender(&cfg);
        let (birthdate, age) = self.person_birth(&cfg);
        // The given name is one that was given in the person's birth years.
        let given = self.person_given(names_female, birthdate.year() as i32);
        let middle = self.person_middle(names_female);
        let family = self.person_family();
        let academic_title = self.person_academic_title(&cfg, age);
        let nobility_title = self.person_nobility_title(&cfg, age, names_female);
        let salutation = self.person_salutation(gender);
        let full_name = full_name(&given, middle.as_deref(), &family);
        let email = self.email(k, &given, middle.as_deref(), &family);
        let address = self.address(mix(k, 0xADD));
        let phone = address.phone.clone();
        let mut mob = stream_at(k, concept!("mobile_phone"));
        let mobile = mobile_number(loc, &mut mob, &address.city);
        Ok(Person {
            given,
            middle,
            family,
            gender,
            birthdate,
            age,
            email,
            phone,
            mobile,
            academic_title,
            salutation,
            nobility_title,
            full_name,
            address,
        })
    }

    /// An e-mail from the person's own names: ASCII, lower case, locale webmail domain.
    pub fn email(&self, k: u64, given: &str, middle: Option<&str>, family: &str) -> Arc<str> {
        // Local part from the lower-case ASCII letters and digits of the names.
        let mut out = SmallStr::new();
        let initial = |x: &str| slug_initial(x).unwrap_or('x');
        let mut es = stream_at(k, concept!("email"));
        let form = es.below(5);
        match form {
            0 | 1 => {
                push_slug(&mut out, given);
                out.push(if form == 0 { '.' } else { '_' });
                push_slug(&mut out, family);
            }
            2 => {
                out.push(initial(given));
                push_slug(&mut out, family);
            }
            3 => {
                push_slug(&mut out, given);
                if let Some(m) = middle {
                    out.push('.');
                    out.push(initial(m));
                }
                push_slug(&mut out, family);
            }
            _ => {
                push_slug(&mut out, given);
                out.push('.');
                push_slug(&mut out, family);
                out.push_str(itoa::Buffer::new().format(es.range_i64(1, 99)));
            }
        }
        out.push('@');
        match self.loc.webmail.pick(&mut es) {
            Some(d) => out.push_str(d),
            None => out.push_str("example.com"),
        }
        out.to_arc()
    }

    /// An address under key `k` (use `mix(key, …)` for a second address).
    pub fn address(&self, k: u64) -> Address {
        self.address_in(k, self.address_city(k).clone())
    }

    /// The city row of the address under key `k`.
    pub fn address_city(&self, k: u64) -> &'static City {
        static FALLBACK: LazyLock<City> = LazyLock::new(|| City {
            name: Arc::from("Springfield"),
            state: Arc::from("IL"),
            postal_code: Arc::from("62701"),
            area_code: Arc::from("217"),
            population: 1,
        });
        let mut cs = stream_at(k, concept!("city"));
        self.loc.cities.pick(&mut cs).unwrap_or(&FALLBACK)
    }

    /// The street of the address under key `k`.
    pub fn address_street(&self, k: u64) -> Arc<str> {
        let loc = self.loc;
        let mut ss = stream_at(k, concept!("street"));
        let street = loc.streets.pick(&mut ss).cloned().unwrap_or_else(|| Arc::from("Main Street"));
        if loc.code == "VN" && !street.starts_with("Đường") {
            Arc::from(format!("Đường {street}"))
        } else {
            street
        }
    }

    /// The house number of the address under key `k`.
    pub fn address_house_number(&self, k: u64) -> Arc<str> {
        let loc = self.loc;
        let mut hs = stream_at(k, concept!("house_number"));
        let n = match loc.code {
            // Most German and Vietnamese house numbers are small.
            "DE" => hs.range_i64(1, 150),
            "VN" => hs.range_i64(1, 500),
            _ => {
                let digits = hs.range_i64(1, 4);
                hs.range_i64(10i64.pow(digits as u32 - 1), 10i64.pow(digits as u32) - 1)
            }
        };
        let mut no = SmallStr::new();
        no.push_str(itoa::Buffer::new().format(n));
        if loc.code == "DE" && hs.chance(0.08) {
            no.push(['a', 'b', 'c'][hs.below(3) as usize]);
        }
        no.to_arc()
    }

    /// An address under key `k` in a given city row (street, number and phones drawn; postal
    /// code, state and area code are the row's).
    pub fn address_in(&self, k: u64, city: City) -> Address {
        let loc = self.loc;
        let street = self.address_street(k);
        let house_number = self.address_house_number(k);
        let phone = landline(loc, &mut stream_at(k, concept!("phone")), &city);
        let fax = landline(loc, &mut stream_at(k, concept!("fax")), &city);
        let mobile = mobile_number(loc, &mut stream_at(k, concept!("mobile_phone")), &city);
        let organization = Arc::from(company_name(loc, &mut stream_at(k, concept!("organization"))));
        let office_phone = landline(loc, &mut stream_at(k, concept!("office_phone")), &city);
        let private_phone = landline(loc, &mut stream_at(k, concept!("private_phone")), &city);
        Address { street, house_number, city, phone, mobile, fax, office_phone, private_phone, organization }
    }

    fn city(&self) -> Map {
        let loc = self.loc;
        let mut cs = stream(self.key, "city");
        let c = loc.cities.pick(&mut cs).cloned();
        match c {
            Some(c) => map(vec![
                ("name", s(&c.name)),
                ("postal_code", s(&c.postal_code)),
                ("area_code", s(&c.area_code)),
                ("state", s(&c.state)),
                ("language", Value::Null),
                ("population", Value::Null),
                ("name_extension", s("")),
                ("country", s(&loc.country.name)),
                ("country_code", s(&loc.country.iso_code)),
            ]),
            None => Map::new(),
        }
    }

    fn country(&self) -> Map {
        let c = &self.loc.country;
        map(vec![
            ("iso_code", s(&c.iso_code)),
            ("name", s(&c.name)),
            ("default_language_locale", s(&c.locale)),
            ("phone_code", s(&c.phone_code)),
            ("population", s(&c.population.to_string())),
        ])
    }

    /// A company under key `k`.
    pub fn company(&self, k: u64) -> Map {
        let loc = self.loc;
        let mut ns = stream(k, "short_name");
        let short = company_name(loc, &mut ns);
        let mut ls = stream(k, "legal_form");
        let legal = loc.legal_forms.pick(&mut ls).map(|x| x.to_string()).unwrap_or_default();
        let full = match loc.code {
            "VN" => format!("{legal} {short}"),
            _ => format!("{short} {legal}"),
        };
        let mut ds = stream(k, "domain");
        let tld = loc.tlds.pick(&mut ds).map(|x| x.to_string()).unwrap_or_else(|| "com".into());
        let slug: String =
            ascii_fold(&short).to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let domain = format!("{slug}.{tld}");
        let mut es = stream(k, "email");
        let mailbox = ["info", "contact", "office", "hello", "sales"][es.below(5) as usize];
        let addr = self.address(mix(k, 0xADD));
        let mut ss = stream(k, "sector");
        let sector = loc.sectors.pick(&mut ss).map(|x| x.to_string()).unwrap_or_default();
        let mut is = stream(k, "id");
        let id: String = (0..8).map(|_| (b'A' + is.below(26) as u8) as char).collect();
        map(vec![
            ("id", s(&id)),
            ("short_name", s(&short)),
            ("full_name", s(&full)),
            ("legal_form", s(&legal)),
            ("sector", s(&sector)),
            ("email", s(&format!("{mailbox}@{domain}"))),
            ("url", s(&format!("https://{domain}"))),
            ("phone_number", s(&addr.phone)),
            ("office_phone", s(&landline(loc, &mut stream(k, "office_phone"), &addr.city))),
            ("fax", s(&addr.fax)),
            ("street", s(&addr.street)),
            ("house_number", s(&addr.house_number)),
            ("city", s(&addr.city.name)),
            ("state", s(&addr.city.state)),
            ("zip_code", s(&addr.city.postal_code)),
            ("country", s(&loc.country.name)),
            ("country_code", s(&loc.country.iso_code)),
        ])
    }
}

/// A fictional company name from the pack's parts.
pub fn company_name(loc: &Locale, st: &mut Stream) -> String {
    let p: &str = loc.company_prefix.pick(st).map(|x| &**x).unwrap_or("North");
    let q: &str = loc.company_suffix.pick(st).map(|x| &**x).unwrap_or("Works");
    // One word, as brand names are written (`BlueHarbor`, `Nordtechnik`); Vietnamese names put
    // the line of business before the proper name (`Xây dựng Hưng Thịnh`) and keep their spaces.
    match loc.code {
        "VN" => format!("{q} {p}"),
        "DE" => format!("{p}{}", q.to_lowercase()),
        _ => {
            let mut out = String::with_capacity(p.len() + q.len());
            out.extend(p.chars().chain(q.chars()).filter(|c| *c != ' '));
            out
        }
    }
}

/// Appends `n` random digits, the first at least `first_min`.
fn push_digits(out: &mut SmallStr, st: &mut Stream, n: usize, first_min: u8) {
    for i in 0..n {
        let lo = if i == 0 { first_min as i64 } else { 0 };
        out.push((b'0' + st.range_i64(lo, 9) as u8) as char);
    }
}

/// A landline number in the city's own area code, E.164 style `+CC-AREA-LOCAL`.
pub fn landline(loc: &Locale, st: &mut Stream, c: &City) -> Arc<str> {
    let mut out = SmallStr::new();
    match loc.code {
        "DE" => {
            // 10-11 significant digits; subscriber numbers do not start with 0 or 1.
            let total = 10 + st.below(2) as usize;
            let n = total.saturating_sub(c.area_code.len()).max(4);
            out.push_str("+49-");
            out.push_str(&c.area_code);
            out.push('-');
            push_digits(&mut out, st, n, 2);
        }
        "VN" => {
            let n = 10usize.saturating_sub(c.area_code.len()).max(6);
            out.push_str("+84-");
            out.push_str(&c.area_code);
            out.push('-');
            push_digits(&mut out, st, n, 2);
        }
        _ => {
            out.push_str("+1-");
            out.push_str(&c.area_code);
            out.push('-');
            // NANP: exchange NXX starts 2-9 and is not N11; avoid the 555 range.
            loop {
                let mut e = SmallStr::new();
                push_digits(&mut e, st, 3, 2);
                let b = e.as_str().as_bytes();
                if &b[1..] != b"11" && b != b"555" {
                    out.push_str(e.as_str());
                    break;
                }
            }
            push_digits(&mut out, st, 4, 0);
        }
    }
    out.to_arc()
}

/// A mobile number: DE `15x/16x/17x`, VN `3x/5x/7x/8x/9x`, US NANP like a landline.
pub fn mobile_number(loc: &Locale, st: &mut Stream, c: &City) -> Arc<str> {
    match loc.code {
        "DE" | "VN" => {
            let prefix: &str = loc.mobile_prefixes.pick(st).map(|p| &**p).unwrap_or("170");
            let de = loc.code == "DE";
            let n = if de { 11usize.saturating_sub(prefix.len()) } else { 9usize.saturating_sub(prefix.len()) };
            let mut out = SmallStr::new();
            out.push_str(if de { "+49-" } else { "+84-" });
            out.push_str(prefix);
            out.push('-');
            push_digits(&mut out, st, n.max(6), 0);
            out.to_arc()
        }
        _ => landline(loc, st, c),
    }
}

fn sub_years(d: Date, years: i64) -> Date {
    let y = (d.year() as i64 - years).clamp(-9999, 9999) as i16;
    // Feb 29 falls back to Feb 28 in non-leap years.
    Date::new(y, d.month(), d.day()).or_else(|_| Date::new(y, d.month(), 28)).unwrap_or(d)
}

/// Whole years between `birth` and `today`.
pub fn completed_years(birth: Date, today: Date) -> i64 {
    let mut age = today.year() as i64 - birth.year() as i64;
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domains::determinism::PathKey;

    #[test]
    fn small_str_spills_to_the_heap_whole() {
        let mut s = SmallStr::new();
        let mut want = String::new();
        for i in 0..40 {
            let part = if i % 3 == 0 { "Đường " } else { "ab" };
            s.push_str(part);
            s.push('ü');
            want.push_str(part);
            want.push('ü');
            assert_eq!(s.as_str(), want);
        }
        assert!(want.len() > 64);
        assert_eq!(&*s.to_arc(), want);
    }

    fn spec(kind: &'static str, dataset: &str, params: Vec<(String, Value)>) -> EntitySpec {
        EntitySpec { kind, dataset: dataset.into(), locale: "en".into(), params, key: PathKey(7), proj: None }
    }

    fn get<'a>(m: &'a Value, k: &str) -> &'a Value {
        match m {
            Value::Map(mm) => mm.get(k).unwrap_or(&Value::Null),
            _ => &Value::Null,
        }
    }

    fn now() -> DateTime {
        jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0)
    }

    #[test]
    fn person_rules_hold_over_many_samples() {
        for ds in ["US", "DE", "VN"] {
            let sp = spec("Person", ds, vec![]);
            for i in 0..10_000u64 {
                let p = generate(&sp, mix(99, i), now()).expect("person");
                let Value::DateTime(b) = get(&p, "birthdate") else { panic!("birthdate") };
                assert_eq!((b.hour(), b.minute(), b.second()), (0, 0, 0), "birthdate is a date");
                let age = get(&p, "age").as_i64().expect("age");
                assert_eq!(age, completed_years(b.date(), now().date()));
                assert!((18..=65).contains(&age), "{age}");
                let email = get(&p, "email").as_str().expect("email").to_string();
                assert!(email.is_ascii() && !email.contains(' ') && email == email.to_lowercase(), "{email}");
                let given = get(&p, "given_name").as_str().expect("given");
                let local = email.split('@').next().unwrap_or("");
                let folded: String =
                    ascii_fold(given).to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
                assert!(
                    local.contains(&folded) || local.starts_with(folded.chars().next().unwrap_or('?')),
                    "{email} vs {given}"
                );
                let title = get(&p, "academic_title").as_str().expect("title");
                if !title.is_empty() {
                    let min = locale(ds).academic_titles.items.iter().find(|(t, _)| &**t == title).map(|(_, m)| *m);
                    assert!(min.is_some_and(|m| age >= m && m >= 18), "{title} at {age}");
                }
                let mobile = get(&p, "mobile_phone").as_str().expect("mobile");
                match ds {
                    "DE" => assert!(
                        mobile.starts_with("+49-15") || mobile.starts_with("+49-16") || mobile.starts_with("+49-17"),
                        "{mobile}"
                    ),
                    "VN" => assert!(mobile.starts_with("+84-"), "{mobile}"),
                    _ => {
                        let parts: Vec<&str> = mobile.split('-').collect();
                        assert_eq!(parts.len(), 3, "{mobile}");
                        assert!(parts[2].as_bytes()[0] >= b'2', "NANP exchange {mobile}");
                        assert_ne!(&parts[2][1..3], "11", "{mobile}");
                    }
                }
            }
        }
    }

    #[test]
    fn vn_names_are_family_middle_given() {
        let sp = spec("Person", "VN", vec![]);
        let p = generate(&sp, 5, now()).expect("person");
        let full = get(&p, "full_name").as_str().expect("full").to_string();
        let family = get(&p, "family_name").as_str().expect("family").to_string();
        let given = get(&p, "given_name").as_str().expect("given").to_string();
        assert!(full.starts_with(&family) && full.ends_with(&given), "{full}");
        assert_eq!(full.split(' ').count(), 3 + family.matches(' ').count() + given.matches(' ').count());
    }

    #[test]
    fn address_row_is_consistent() {
        for ds in ["US", "DE", "VN"] {
            let loc = locale(ds);
            let sp = spec("Address", ds, vec![]);
            for i in 0..10_000u64 {
                let a = generate(&sp, mix(3, i), now()).expect("address");
                let city = get(&a, "city").as_str().expect("city");
                let state = get(&a, "state").as_str().expect("state");
                let zip = get(&a, "postal_code").as_str().expect("zip");
                let row =
                    loc.cities.items.iter().find(|c| &*c.name == city && &*c.state == state && &*c.postal_code == zip);
                let row = row.unwrap_or_else(|| panic!("{ds}: {city}/{state}/{zip} is not one row"));
                let phone = get(&a, "phone").as_str().expect("phone");
                assert!(phone.contains(&format!("-{}-", row.area_code)), "{phone} vs {}", row.area_code);
                assert_eq!(zip.len(), 5, "{zip}");
                assert_eq!(get(&a, "country_code").as_str(), Some(ds));
            }
        }
    }

    #[test]
    fn two_variables_with_other_keys_are_other_people() {
        let sp = spec("Person", "US", vec![]);
        let same = (0..1000u64)
            .filter(|i| {
                let a = generate(&sp, mix(1, *i), now()).expect("a");
                let b = generate(&sp, mix(2, *i), now()).expect("b");
                get(&a, "full_name").py_str() == get(&b, "full_name").py_str()
                    && get(&a, "birthdate").py_str() == get(&b, "birthdate").py_str()
            })
            .count();
        assert_eq!(same, 0);
    }

    #[test]
    fn country_is_the_dataset_country() {
        for ds in ["US", "DE", "VN"] {
            let c = generate(&spec("Country", ds, vec![]), 1, now()).expect("country");
            assert_eq!(get(&c, "iso_code").as_str(), Some(ds));
        }
    }
}
