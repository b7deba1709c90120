//! Static types of expressions and the entity schema registry.
//!
//! Types are checked before a run starts. `Any` is the dynamic type of untyped data (CSV
//! columns, JSON values); everything else is known exactly. Entity variables have the type
//! `Entity(kind)`, whose fields come from [`ENTITIES`] (dsl.md §10, domains.md §4).

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Any,
    None,
    Bool,
    Int,
    Float,
    Decimal,
    Str,
    Bytes,
    Date,
    DateTime,
    Duration,
    Uuid,
    List,
    Dict,
    /// An entity object of the named kind.
    Entity(&'static str),
}

impl Ty {
    pub fn is_numeric(self) -> bool {
        matches!(self, Ty::Int | Ty::Float | Ty::Bool | Ty::Decimal)
    }

    /// Python's name of the type, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Ty::Any => "any",
            Ty::None => "NoneType",
            Ty::Bool => "bool",
            Ty::Int => "int",
            Ty::Float => "float",
            Ty::Decimal => "Decimal",
            Ty::Str => "str",
            Ty::Bytes => "bytes",
            Ty::Date => "date",
            Ty::DateTime => "datetime",
            Ty::Duration => "timedelta",
            Ty::Uuid => "UUID",
            Ty::List => "list",
            Ty::Dict => "dict",
            Ty::Entity(e) => e,
        }
    }

    /// The least upper bound of two branch types.
    pub fn join(self, other: Ty) -> Ty {
        if self == other {
            self
        } else if self == Ty::None {
            other
        } else if other == Ty::None {
            self
        } else {
            Ty::Any
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Field type codes of the schema table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldTy {
    S,
    I,
    F,
    B,
    /// datetime
    Dt,
    /// date
    D,
    L,
    /// A map; `Some(kind)` when it is a nested entity.
    M(Option<&'static str>),
}

impl FieldTy {
    pub fn ty(self) -> Ty {
        match self {
            FieldTy::S => Ty::Str,
            FieldTy::I => Ty::Int,
            FieldTy::F => Ty::Float,
            FieldTy::B => Ty::Bool,
            FieldTy::Dt => Ty::DateTime,
            FieldTy::D => Ty::Date,
            FieldTy::L => Ty::List,
            FieldTy::M(Some(k)) => Ty::Entity(k),
            FieldTy::M(None) => Ty::Dict,
        }
    }
}

/// One entity kind: its fields in output order.
#[derive(Debug)]
pub struct EntitySchema {
    pub name: &'static str,
    pub fields: &'static [(&'static str, FieldTy)],
}

impl EntitySchema {
    /// Finds a field by name, case- and underscore-insensitively (`givenName` ≡ `given_name`).
    pub fn field(&self, name: &str) -> Option<(&'static str, FieldTy)> {
        let n = crate::builtins::functions::normalize_field(name);
        self.fields.iter().copied().find(|(f, _)| crate::builtins::functions::normalize_field(f) == n)
    }
}

use FieldTy::*;

const PERSON: &[(&str, FieldTy)] = &[
    ("birthdate", Dt),
    ("given_name", S),
    ("family_name", S),
    ("full_name", S),
    ("gender", S),
    ("name", S),
    ("age", I),
    ("email", S),
    ("phone", S),
    ("mobile_phone", S),
    ("academic_title", S),
    ("salutation", S),
    ("nobility_title", S),
    ("transaction_profile", S),
    ("address", M(Some("Address"))),
];

/// Every entity the language knows, with its typed fields.
pub const ENTITIES: &[EntitySchema] = &[
    EntitySchema { name: "Person", fields: PERSON },
    EntitySchema {
        name: "Address",
        fields: &[
            ("street", S),
            ("house_number", S),
            ("city", S),
            ("state", S),
            ("postal_code", S),
            ("zip_code", S),
            ("country", S),
            ("country_code", S),
            ("phone", S),
            ("mobile_phone", S),
            ("fax", S),
            ("office_phone", S),
            ("private_phone", S),
            ("organization", S),
            ("full_address", S),
            ("formatted_address", S),
        ],
    },
    EntitySchema {
        name: "City",
        fields: &[
            ("name", S),
            ("postal_code", S),
            ("area_code", S),
            ("state", S),
            ("language", S),
            ("population", I),
            ("name_extension", S),
            ("country", S),
            ("country_code", S),
        ],
    },
    EntitySchema {
        name: "Country",
        fields: &[("iso_code", S), ("name", S), ("default_language_locale", S), ("phone_code", S), ("population", S)],
    },
    EntitySchema {
        name: "Company",
        fields: &[
            ("id", S),
            ("short_name", S),
            ("full_name", S),
            ("legal_form", S),
            ("sector", S),
            ("email", S),
            ("url", S),
            ("phone_number", S),
            ("office_phone", S),
            ("fax", S),
            ("street", S),
            ("house_number", S),
            ("city", S),
            ("state", S),
            ("zip_code", S),
            ("country", S),
            ("country_code", S),
        ],
    },
    EntitySchema {
        name: "Bank",
        fields: &[
            ("name", S),
            ("swift_code", S),
            ("routing_number", S),
            ("bank_code", S),
            ("bic", S),
            ("bin", S),
            ("customer_service_phone", S),
        ],
    },
    EntitySchema {
        name: "BankAccount",
        fields: &[
            ("account_number", S),
            ("iban", S),
            ("account_type", S),
            ("balance", F),
            ("currency", S),
            ("created_date", Dt),
            ("last_transaction_date", Dt),
            ("bank_name", S),
            ("bank_code", S),
            ("bic", S),
            ("bin", S),
            ("routing_number", S),
            ("opening_balance", F),
            ("overdraft_limit", F),
            ("transactions", L),
        ],
    },
    EntitySchema {
        name: "CreditCard",
        fields: &[
            ("card_type", S),
            ("card_number", S),
            ("card_provider", S),
            ("card_holder", S),
            ("expiration_date", Dt),
            ("cvv", S),
            ("cvc_number", S),
            ("is_active", B),
            ("credit_limit", F),
            ("current_balance", F),
            ("issue_date", Dt),
            ("bank_name", S),
            ("bank_code", S),
            ("bic", S),
            ("bin", S),
            ("iban", S),
        ],
    },
    EntitySchema {
        name: "Transaction",
        fields: &[
            ("transaction_id", S),
            ("transaction_date", Dt),
            ("amount", F),
            ("transaction_type", S),
            ("description", S),
            ("reference_number", S),
            ("status", S),
            ("currency", S),
            ("currency_symbol", S),
            ("merchant_name", S),
            ("merchant_category", S),
            ("location", S),
            ("is_international", B),
            ("channel", S),
            ("direction", S),
            ("account", M(Some("BankAccount"))),
        ],
    },
    EntitySchema {
        name: "Order",
        fields: &[
            ("order_id", S),
            ("user_id", S),
            ("product_list", L),
            ("total_amount", F),
            ("date", Dt),
            ("status", S),
            ("payment_method", S),
            ("shipping_method", S),
            ("shipping_address", M(Some("Address"))),
            ("billing_address", M(Some("Address"))),
            ("currency", S),
            ("tax_amount", F),
            ("shipping_amount", F),
            ("discount_amount", F),
            ("coupon_code", S),
            ("notes", S),
        ],
    },
    EntitySchema {
        name: "Product",
        fields: &[
            ("product_id", S),
            ("name", S),
            ("description", S),
            ("price", F),
            ("category", S),
            ("brand", S),
            ("sku", S),
            ("condition", S),
            ("availability", S),
            ("currency", S),
            ("weight", F),
            ("dimensions", S),
            ("color", S),
            ("rating", F),
            ("tags", L),
        ],
    },
    EntitySchema {
        name: "Patient",
        fields: &[
            ("patient_id", S),
            ("medical_record_number", S),
            ("ssn", S),
            ("given_name", S),
            ("family_name", S),
            ("full_name", S),
            ("gender", S),
            ("birthdate", Dt),
            ("age", I),
            ("blood_type", S),
            ("height_cm", F),
            ("weight_kg", F),
            ("bmi", F),
            ("allergies", L),
            ("medications", L),
            ("conditions", L),
            ("emergency_contact", M(None)),
            ("insurance_provider", S),
            ("insurance_policy_number", S),
            ("primary_doctor", M(Some("Doctor"))),
            ("address", M(Some("Address"))),
        ],
    },
    EntitySchema {
        name: "Doctor",
        fields: &[
            ("doctor_id", S),
            ("npi_number", S),
            ("license_number", S),
            ("person_data", M(Some("Person"))),
            ("given_name", S),
            ("family_name", S),
            ("full_name", S),
            ("gender", S),
            ("birthdate", Dt),
            ("age", I),
            ("specialty", S),
            ("hospital", M(Some("Hospital"))),
            ("medical_school", S),
            ("graduation_year", I),
            ("years_of_experience", I),
            ("certifications", L),
            ("accepting_new_patients", B),
            ("office_hours", M(None)),
            ("email", S),
            ("phone", S),
            ("address", M(Some("Address"))),
        ],
    },
    EntitySchema {
        name: "Hospital",
        fields: &[
            ("hospital_id", S),
            ("name", S),
            ("type", S),
            ("departments", L),
            ("services", L),
            ("bed_count", I),
            ("staff_count", I),
            ("founding_year", I),
            ("accreditation", L),
            ("emergency_services", B),
            ("teaching_status", B),
            ("website", S),
            ("phone", S),
            ("email", S),
            ("address", M(Some("Address"))),
        ],
    },
    EntitySchema {
        name: "MedicalDevice",
        fields: &[
            ("device_id", S),
            ("device_type", S),
            ("manufacturer", S),
            ("model_number", S),
            ("serial_number", S),
            ("manufacture_date", S),
            ("expiration_date", S),
            ("last_maintenance_date", S),
            ("next_maintenance_date", S),
            ("status", S),
            ("location", S),
            ("assigned_to", S),
            ("specifications", M(None)),
            ("usage_logs", L),
            ("maintenance_history", L),
        ],
    },
    EntitySchema {
        name: "MedicalProcedure",
        fields: &[
            ("procedure_id", S),
            ("procedure_code", S),
            ("cpt_code", S),
            ("name", S),
            ("description", S),
            ("category", S),
            ("specialty", S),
            ("duration_minutes", I),
            ("cost", F),
            ("requires_anesthesia", B),
            ("is_surgical", B),
            ("is_diagnostic", B),
            ("is_preventive", B),
            ("recovery_time_days", I),
        ],
    },
    EntitySchema {
        name: "InsuranceCompany",
        fields: &[("id", S), ("name", S), ("code", S), ("founded_year", S), ("headquarters", S), ("website", S)],
    },
    EntitySchema {
        name: "InsuranceProduct",
        fields: &[("id", S), ("type", S), ("code", S), ("description", S), ("coverages", L)],
    },
    EntitySchema {
        name: "InsuranceCoverage",
        fields: &[
            ("name", S),
            ("code", S),
            ("product_code", S),
            ("description", S),
            ("min_coverage", S),
            ("max_coverage", S),
        ],
    },
    EntitySchema {
        name: "InsurancePolicy",
        fields: &[
            ("id", S),
            ("company", M(Some("InsuranceCompany"))),
            ("product", M(Some("InsuranceProduct"))),
            ("policy_holder", M(Some("Person"))),
            ("coverages", L),
            ("premium", F),
            ("premium_frequency", S),
            ("start_date", D),
            ("end_date", D),
            ("status", S),
            ("created_date", D),
        ],
    },
    EntitySchema {
        name: "PoliceOfficer",
        fields: &[
            ("officer_id", S),
            ("badge_number", S),
            ("given_name", S),
            ("family_name", S),
            ("full_name", S),
            ("gender", S),
            ("birthdate", Dt),
            ("age", I),
            ("rank", S),
            ("department", S),
            ("unit", S),
            ("hire_date", S),
            ("years_of_service", I),
            ("certifications", L),
            ("languages", L),
            ("shift", S),
            ("email", S),
            ("phone", S),
            ("address", M(Some("Address"))),
        ],
    },
    EntitySchema {
        name: "AdministrationOffice",
        fields: &[
            ("office_id", S),
            ("name", S),
            ("type", S),
            ("jurisdiction", S),
            ("founding_year", I),
            ("staff_count", I),
            ("annual_budget", I),
            ("hours_of_operation", M(None)),
            ("website", S),
            ("email", S),
            ("phone", S),
            ("services", L),
            ("departments", L),
            ("leadership", M(None)),
            ("address", M(Some("Address"))),
        ],
    },
    EntitySchema {
        name: "EducationalInstitution",
        fields: &[
            ("institution_id", S),
            ("name", S),
            ("type", S),
            ("level", S),
            ("founding_year", I),
            ("student_count", I),
            ("staff_count", I),
            ("website", S),
            ("email", S),
            ("phone", S),
            ("programs", L),
            ("accreditations", L),
            ("facilities", L),
            ("address", M(Some("Address"))),
        ],
    },
    EntitySchema {
        name: "DigitalWallet",
        fields: &[
            ("wallet_id", S),
            ("wallet_type", S),
            ("provider", S),
            ("owner_name", S),
            ("balance", F),
            ("currency", S),
            ("created_date", Dt),
            ("last_transaction_date", Dt),
            ("status", S),
            ("email", S),
        ],
    },
];

/// Looks up an entity kind by its exact name.
pub fn entity(name: &str) -> Option<&'static EntitySchema> {
    ENTITIES.iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_fields_are_case_and_underscore_insensitive() {
        let p = entity("Person").expect("Person");
        assert_eq!(p.field("givenName").map(|f| f.0), Some("given_name"));
        assert_eq!(p.field("GIVEN_NAME").map(|f| f.0), Some("given_name"));
        assert!(p.field("given_nam").is_none());
    }

    #[test]
    fn nested_entity_kinds_exist() {
        for e in ENTITIES {
            for (_, ft) in e.fields {
                if let FieldTy::M(Some(k)) = ft {
                    assert!(entity(k).is_some(), "{}: unknown nested kind {k}", e.name);
                }
            }
        }
    }
}
