//! Entity families beyond demographics: healthcare, finance, insurance, e-commerce and the
//! public sector. Each family lives in its own module and is dispatched by entity name.

pub mod healthcare;

use crate::domains::entities::Gen;
use crate::vm::value::Value;

/// Generates an entity of a family module; unknown names are reported.
pub fn generate(kind: &str, g: &Gen<'_>) -> Result<Value, String> {
    match kind {
        "Patient" | "Doctor" | "Hospital" | "MedicalDevice" | "MedicalProcedure" => healthcare::generate(kind, g),
        _ => Err(format!(
            "entity {kind} is declared but not generated yet (available: Person, Address, City, Country, Company)"
        )),
    }
}
