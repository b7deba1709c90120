//! Entity variables read field by field.
//!
//! When a model reads an entity variable only through its fields (`p.given_name`,
//! `doc.hospital.name`), lowering records those paths and the variable computes just them, into
//! a hidden slot holding the list of their values; `p.given_name` compiles to an index into that
//! list. The whole object is built as well when anything may observe it (`p` used as a value,
//! `this`/`parent`/`root`, names resolved at run time, `<assert>`, run-time includes).
//!
//! Every entity field draws from its own stream `mix(entity key, concept)` and dependent fields
//! are derived from the same parts, so a field computed alone has exactly the value it has in
//! the whole object: the parts below are the very functions the whole objects are built from.
//! A path without a part of its own is read from the whole object (built once per record).

use std::sync::{Arc, LazyLock, OnceLock};

use jiff::civil::{Date, DateTime, Time};

use crate::domains::determinism::mix;
use crate::domains::entities::{
    concept, full_name, generate, landline, mobile_number, stream_at, Gen, PersonCfg, SmallStr,
};
use crate::domains::families::healthcare::{data, doctor, hospital, patient, procedure};
use crate::domains::locale::{locale, City, Locale};
use crate::ir::model::EntitySpec;
use crate::vm::value::Value;

/// The fields an entity variable is read for; shared between lowering (which records the paths
/// while compiling the expressions in the variable's scope) and the run (which reads the plan).
#[derive(Debug)]
pub struct Projection {
    /// The frame slot of the list of field values.
    pub hidden: u16,
    /// Set when the variable's scope has been lowered.
    pub plan: OnceLock<Plan>,
    /// The variable's locale pack, looked up at its first record.
    pub pack: OnceLock<&'static Locale>,
}

/// What an entity variable computes per record.
#[derive(Debug, Default)]
pub struct Plan {
    /// The whole object is stored in the variable too.
    pub whole: bool,
    /// The paths read, in the order of the hidden list.
    pub picks: Vec<Pick>,
}

#[derive(Debug)]
pub struct Pick {
    pub path: Vec<&'static str>,
    /// A part of the kind (see `code`), or [`FROM_WHOLE`].
    pub code: u16,
}

/// The path is read from the whole object.
pub const FROM_WHOLE: u16 = u16::MAX;

/// Entity kinds whose fields can be computed one by one.
pub fn projectable(kind: &str) -> bool {
    matches!(kind, "Person" | "Address" | "Patient" | "Doctor" | "MedicalProcedure" | "MedicalDevice")
}

const PERSON: &[&str] = crate::domains::entities::PERSON_FIELDS;
const ADDRESS: &[&str] = crate::domains::entities::ADDRESS_FIELDS;
const PATIENT: &[&str] = &[
    "patient_id",
    "medical_record_number",
    "given_name",
    "family_name",
    "full_name",
    "gender",
    "birthdate",
    "age",
    "blood_type",
    "height_cm",
    "weight_kg",
    "bmi",
    "conditions",
];
const DOCTOR: &[&str] = &["given_name", "family_name", "full_name", "gender", "birthdate", "age", "specialty"];
/// `Doctor.hospital.name`.
const DOCTOR_HOSPITAL_NAME: u16 = 100;
const DEVICE: &[&str] = &["device_id", "device_type", "manufacturer", "model_number"];
const PROCEDURE: &[&str] = &["procedure_code", "cpt_code", "name", "category", "specialty", "duration_minutes", "cost"];
/// `Person.address.<field>`: this plus the Address code.
const PERSON_ADDRESS: u16 = 200;

fn pos(list: &[&str], name: &str) -> Option<u16> {
    list.iter().position(|f| *f == name).map(|i| i as u16)
}

/// The part that computes `path` of an entity of `kind`.
fn code(kind: &str, path: &[&str]) -> u16 {
    let found = match (kind, path) {
        ("Person", ["address", f]) => pos(ADDRESS, f).map(|c| PERSON_ADDRESS + c),
        ("Person", [f]) => pos(PERSON, f),
        ("Address", [f]) => pos(ADDRESS, f),
        ("Patient", [f]) => pos(PATIENT, f),
        ("Doctor", ["hospital", "name"]) => Some(DOCTOR_HOSPITAL_NAME),
        ("Doctor", [f]) => pos(DOCTOR, f),
        ("MedicalProcedure", [f]) => pos(PROCEDURE, f),
        ("MedicalDevice", [f]) => pos(DEVICE, f),
        _ => None,
    };
    found.unwrap_or(FROM_WHOLE)
}

/// The plan of a variable of `kind` read for `paths` (and as a whole when `whole`).
pub fn plan(kind: &str, whole: bool, paths: Vec<Vec<&'static str>>) -> Plan {
    Plan { whole, picks: paths.into_iter().map(|p| Pick { code: code(kind, &p), path: p }).collect() }
}

/// The values of the plan's paths (in order) and, when the plan says so, the whole object.
pub fn project(spec: &EntitySpec, plan: &Plan, key: u64, now: DateTime) -> Result<(Value, Option<Value>), String> {
    let mut values = Vec::with_capacity(plan.picks.len());
    let whole = project_into(spec, locale(&spec.dataset), plan, key, now, &mut values)?;
    Ok((Value::list(values), whole))
}

/// [`project`] into `values` (cleared first), returning the whole object when the plan says so.
pub fn project_into(
    spec: &EntitySpec,
    loc: &'static Locale,
    plan: &Plan,
    key: u64,
    now: DateTime,
    values: &mut Vec<Value>,
) -> Result<Option<Value>, String> {
    values.clear();
    let mut whole = if plan.whole { Some(generate(spec, key, now)?) } else { None };
    let g = Gen { key, now, loc, params: &spec.params };
    match spec.kind {
        "Person" => {
            let mut p = PersonParts::new(g)?;
            for pick in &plan.picks {
                values.push(match pick.code {
                    FROM_WHOLE => from_whole(&mut whole, spec, key, now, &pick.path)?,
                    c => p.field(c),
                });
            }
        }
        "Address" => {
            let mut a = AddressParts::new(&g, mix(key, 0xADD));
            for pick in &plan.picks {
                values.push(match pick.code {
                    FROM_WHOLE => from_whole(&mut whole, spec, key, now, &pick.path)?,
                    c => a.field(&g, c),
                });
            }
        }
        "Patient" => {
            let mut p = PatientParts::new(&g)?;
            for pick in &plan.picks {
                values.push(match pick.code {
                    FROM_WHOLE => from_whole(&mut whole, spec, key, now, &pick.path)?,
                    c => p.field(c)?,
                });
            }
        }
        "Doctor" => {
            let mut d = DoctorParts::new(&g)?;
            for pick in &plan.picks {
                values.push(match pick.code {
                    FROM_WHOLE => from_whole(&mut whole, spec, key, now, &pick.path)?,
                    c => d.field(&g, c),
                });
            }
        }
        "MedicalProcedure" => {
            let c = data::country(g.loc);
            let pi = procedure::procedure_index(key);
            for pick in &plan.picks {
                values.push(match pick.code {
                    FROM_WHOLE => from_whole(&mut whole, spec, key, now, &pick.path)?,
                    code => procedure_field(key, pi, c, code),
                });
            }
        }
        "MedicalDevice" => {
            for pick in &plan.picks {
                values.push(match pick.code {
                    FROM_WHOLE => from_whole(&mut whole, spec, key, now, &pick.path)?,
                    code => crate::domains::families::healthcare::device::device_field(&g, code),
                });
            }
        }
        _ => {
            for pick in &plan.picks {
                values.push(from_whole(&mut whole, spec, key, now, &pick.path)?);
            }
        }
    }
    Ok(if plan.whole { whole } else { None })
}

/// `path` read from the whole object, built on first use.
fn from_whole(
    whole: &mut Option<Value>,
    spec: &EntitySpec,
    key: u64,
    now: DateTime,
    path: &[&str],
) -> Result<Value, String> {
    if whole.is_none() {
        *whole = Some(generate(spec, key, now)?);
    }
    let mut v = whole.clone().unwrap_or_default();
    for f in path {
        v = crate::builtins::functions::get_attr(&v, f)?;
    }
    Ok(v)
}

fn text(a: &Arc<str>) -> Value {
    Value::Str(a.clone())
}

fn string(s: String) -> Value {
    Value::Str(Arc::from(s))
}

fn date(d: Date) -> Value {
    Value::DateTime(d.to_datetime(Time::midnight()))
}

fn gender_value(g: &str) -> Value {
    static GENDERS: LazyLock<[Arc<str>; 3]> =
        LazyLock::new(|| [Arc::from("female"), Arc::from("male"), Arc::from("other")]);
    match g {
        "female" => Value::Str(GENDERS[0].clone()),
        "male" => Value::Str(GENDERS[1].clone()),
        "other" => Value::Str(GENDERS[2].clone()),
        g => Value::from(g),
    }
}

/// The parts of a person, each computed on first use.
struct PersonParts<'a> {
    g: Gen<'a>,
    cfg: PersonCfg,
    gender: Option<(&'static str, bool)>,
    birth: Option<(Date, i64)>,
    given: Option<&'static Arc<str>>,
    middle: Option<Option<&'static Arc<str>>>,
    family: Option<&'static Arc<str>>,
    full: Option<Arc<str>>,
    address: Option<AddressParts>,
}

impl<'a> PersonParts<'a> {
    fn new(g: Gen<'a>) -> Result<PersonParts<'a>, String> {
        Ok(PersonParts {
            cfg: g.person_cfg()?,
            g,
            gender: None,
            birth: None,
            given: None,
            middle: None,
            family: None,
            full: None,
            address: None,
        })
    }

    fn gender(&mut self) -> (&'static str, bool) {
        *self.gender.get_or_insert_with(|| self.g.person_gender(&self.cfg))
    }

    fn birth(&mut self) -> (Date, i64) {
        *self.birth.get_or_insert_with(|| self.g.person_birth(&self.cfg))
    }

    fn given(&mut self) -> &'static Arc<str> {
        match self.given {
            Some(g) => g,
            None => {
                let (_, female) = self.gender();
                let (b, _) = self.birth();
                self.given.insert(self.g.person_given_ref(female, b.year() as i32))
            }
        }
    }

    fn middle(&mut self) -> Option<&'static Arc<str>> {
        match self.middle {
            Some(m) => m,
            None => {
                let (_, female) = self.gender();
                *self.middle.insert(self.g.person_middle_ref(female))
            }
        }
    }

    fn family(&mut self) -> &'static Arc<str> {
        self.family.get_or_insert_with(|| self.g.person_family_ref())
    }

    fn full(&mut self) -> Arc<str> {
        if self.full.is_none() {
            let (given, middle, family) = (self.given(), self.middle(), self.family());
            self.full = Some(full_name(given, middle.map(|m| &**m), family));
        }
        self.full.clone().unwrap_or_default()
    }

    fn address(&mut self) -> &mut AddressParts {
        let g = &self.g;
        self.address.get_or_insert_with(|| AddressParts::new(g, mix(g.key, 0xADD)))
    }

    /// A Person field by its index in [`PERSON`] (or an address field).
    fn field(&mut self, code: u16) -> Value {
        let k = self.g.key;
        match code {
            0 => date(self.birth().0),
            1 => text(self.given()),
            2 => text(self.family()),
            3 | 5 => text(&self.full()),
            4 => gender_value(self.gender().0),
            6 => Value::Int(self.birth().1),
            7 => {
                let (given, middle, family) = (self.given(), self.middle(), self.family());
                text(&self.g.email(k, given, middle.map(|m| &**m), family))
            }
            8 => {
                let g = Gen { ..self.g };
                let a = self.address();
                a.field(&g, 8)
            }
            9 => {
                let g = Gen { ..self.g };
                let city = self.address().city;
                Value::Str(mobile_number(g.loc, &mut stream_at(k, concept!("mobile_phone")), city))
            }
            10 => {
                let age = self.birth().1;
                text(&self.g.person_academic_title(&self.cfg, age))
            }
            11 => {
                let gender = self.gender().0;
                text(&self.g.person_salutation(gender))
            }
            12 => {
                let age = self.birth().1;
                let female = self.gender().1;
                text(&self.g.person_nobility_title(&self.cfg, age, female))
            }
            14 => {
                let g = Gen { ..self.g };
                Value::map(g.address(mix(k, 0xADD)).to_map(g.loc))
            }
            c if c >= PERSON_ADDRESS => {
                let g = Gen { ..self.g };
                self.address().field(&g, c - PERSON_ADDRESS)
            }
            _ => Value::Null,
        }
    }
}

/// The parts of an address under key `k`.
struct AddressParts {
    k: u64,
    city: &'static City,
    street: Option<Arc<str>>,
    house_number: Option<Arc<str>>,
}

impl AddressParts {
    fn new(g: &Gen<'_>, k: u64) -> AddressParts {
        AddressParts { k, city: g.address_city(k), street: None, house_number: None }
    }

    fn street(&mut self, g: &Gen<'_>) -> &Arc<str> {
        self.street.get_or_insert_with(|| g.address_street(self.k))
    }

    fn house_number(&mut self, g: &Gen<'_>) -> &Arc<str> {
        self.house_number.get_or_insert_with(|| g.address_house_number(self.k))
    }

    /// An Address field by its index in [`ADDRESS`].
    fn field(&mut self, g: &Gen<'_>, code: u16) -> Value {
        let (k, loc, c) = (self.k, g.loc, self.city);
        match code {
            0 => text(self.street(g)),
            1 => text(self.house_number(g)),
            2 => text(&c.name),
            3 => text(&c.state),
            4 | 5 => text(&c.postal_code),
            6 => text(&loc.country.name),
            7 => text(&loc.country.iso_code),
            8 => Value::Str(landline(loc, &mut stream_at(k, concept!("phone")), c)),
            9 => Value::Str(mobile_number(loc, &mut stream_at(k, concept!("mobile_phone")), c)),
            10 => Value::Str(landline(loc, &mut stream_at(k, concept!("fax")), c)),
            11 => Value::Str(landline(loc, &mut stream_at(k, concept!("office_phone")), c)),
            12 => Value::Str(landline(loc, &mut stream_at(k, concept!("private_phone")), c)),
            13 => string(crate::domains::entities::company_name(loc, &mut stream_at(k, concept!("organization")))),
            14 | 15 => {
                let (street, no) = (self.street(g).clone(), self.house_number(g).clone());
                let mut out = SmallStr::new();
                if code == 14 {
                    crate::domains::entities::write_address(&mut out, loc, &street, &no, c);
                } else {
                    crate::domains::entities::write_postal(&mut out, loc, &street, &no, c);
                }
                Value::Str(out.to_arc())
            }
            _ => Value::Null,
        }
    }
}

/// The parts of a patient.
struct PatientParts<'a> {
    k: u64,
    now: DateTime,
    c: usize,
    dem: patient::Demographics,
    person: PersonParts<'a>,
    conditions: Option<Vec<usize>>,
}

impl<'a> PatientParts<'a> {
    fn new(g: &Gen<'a>) -> Result<PatientParts<'a>, String> {
        let d = data::clinical();
        let dem = patient::demographics(g, d)?;
        let params = patient::population(g, d, &dem)?;
        // The person's parameters live as long as the parts: leak-free by keeping them inside.
        let person = PersonParts::new(Gen { key: g.key, now: g.now, loc: g.loc, params: &[] })?;
        let mut person = person;
        person.cfg = Gen { key: g.key, now: g.now, loc: g.loc, params: &params }.person_cfg()?;
        Ok(PatientParts { k: g.key, now: g.now, c: data::country(g.loc), dem, person, conditions: None })
    }

    fn conditions(&mut self) -> Result<Vec<usize>, String> {
        if self.conditions.is_none() {
            let (gender, _) = self.person.gender();
            let (_, age) = self.person.birth();
            let sex = patient::sex_of(gender);
            self.conditions = Some(patient::conditions(self.k, data::clinical(), &self.dem, age, sex, self.c)?);
        }
        Ok(self.conditions.clone().unwrap_or_default())
    }

    /// A Patient field by its index in [`PATIENT`].
    fn field(&mut self, code: u16) -> Result<Value, String> {
        let (k, c) = (self.k, self.c);
        Ok(match code {
            0 => string(patient::patient_id(k)),
            1 => string(patient::mrn(k)),
            2 => self.person.field(1),
            3 => self.person.field(2),
            4 => self.person.field(3),
            5 => self.person.field(4),
            6 => self.person.field(0),
            7 => self.person.field(6),
            8 => text(&patient::blood_type(k, c)),
            9..=11 => {
                let d = data::clinical();
                let conds = self.conditions()?;
                let obese = d.condition_index("E66").is_some_and(|e| conds.contains(&e));
                let (b, _) = self.person.birth();
                let (gender, _) = self.person.gender();
                let (h, w, bmi) = patient::body(k, b, gender, self.now.date(), obese, c);
                Value::Float([h, w, bmi][code as usize - 9])
            }
            12 => {
                let d = data::clinical();
                let conds = self.conditions()?;
                Value::list(conds.iter().map(|i| text(&d.conditions[*i].name[c])).collect())
            }
            _ => Value::Null,
        })
    }
}

/// The parts of a doctor.
struct DoctorParts<'a> {
    c: usize,
    person: PersonParts<'a>,
    specialty: usize,
}

impl<'a> DoctorParts<'a> {
    fn new(g: &Gen<'a>) -> Result<DoctorParts<'a>, String> {
        let params = doctor::doctor_params(g)?;
        let mut person = PersonParts::new(Gen { key: g.key, now: g.now, loc: g.loc, params: &[] })?;
        person.cfg = Gen { key: g.key, now: g.now, loc: g.loc, params: &params }.person_cfg()?;
        let c = data::country(g.loc);
        Ok(DoctorParts { c, specialty: doctor::doctor_specialty(g, c)?, person })
    }

    /// A Doctor field by its index in [`DOCTOR`], or the hospital's name.
    fn field(&mut self, g: &Gen<'_>, code: u16) -> Value {
        let cat = crate::domains::families::healthcare::catalog::catalog();
        match code {
            0 => self.person.field(1),
            1 => self.person.field(2),
            2 => self.person.field(3),
            3 => self.person.field(4),
            4 => self.person.field(0),
            5 => self.person.field(6),
            6 => cat.specialty_list.get(self.specialty).map(|sp| text(&sp.name[self.c])).unwrap_or_default(),
            DOCTOR_HOSPITAL_NAME => {
                let Some(sp) = cat.specialty_list.get(self.specialty) else { return Value::Null };
                let home = self.person.address().city;
                let site = hospital::site(g, doctor::hospital_key(g.key), Some(&sp.department), Some(home));
                string(hospital::site_name(g, &site))
            }
            _ => Value::Null,
        }
    }
}

/// A MedicalProcedure field by its index in [`PROCEDURE`].
fn procedure_field(k: u64, pi: usize, c: usize, code: u16) -> Value {
    let cat = crate::domains::families::healthcare::catalog::catalog();
    let Some(p) = cat.procedures.get(pi) else { return Value::Null };
    match code {
        0 => Value::from(p.pcs.get(..6).unwrap_or(&p.pcs)),
        1 => {
            let mut s = SmallStr::new();
            let _ = std::fmt::Write::write_fmt(&mut s, format_args!("{:05}", procedure::cpt(pi)));
            Value::Str(s.to_arc())
        }
        2 => text(&p.name[c]),
        3 => cat.categories.get(p.category).map(|x| text(&x.name[c])).unwrap_or_default(),
        4 => cat.specialty_list.get(p.specialty).map(|x| text(&x.name[c])).unwrap_or_default(),
        5 => Value::Int(procedure::duration(k, p)),
        6 => Value::Float(procedure::cost(k, p, c)),
        _ => Value::Null,
    }
}
