//! Entity families beyond demographics: healthcare, finance, insurance, e-commerce and the
//! public sector. Each family lives in its own module and is dispatched by entity name.

pub mod commerce;
pub mod finance;
pub mod healthcare;
pub mod insurance;
pub mod public;

use crate::domains::entities::Gen;
use crate::vm::value::Value;

/// Generates an entity of a family module; unknown names are reported.
pub fn generate(kind: &str, g: &Gen<'_>) -> Result<Value, String> {
    if finance::KINDS.contains(&kind) {
        if let Some(v) = finance::generate(kind, g) {
            return v;
        }
    }
    match kind {
        "Patient" | "Doctor" | "Hospital" | "MedicalDevice" | "MedicalProcedure" => healthcare::generate(kind, g),
        "InsuranceCompany" | "InsuranceProduct" | "InsuranceCoverage" | "InsurancePolicy" => {
            insurance::generate(kind, &commerce::table::pack_of(g))
        }
        "Product" | "Order" => commerce::generate(kind, &commerce::table::pack_of(g)),
        "PoliceOfficer" | "EducationalInstitution" | "AdministrationOffice" => {
            public::generate(kind, &commerce::table::pack_of(g))
        }
        _ => Err(format!("entity {kind} is declared but not generated yet")),
    }
}
