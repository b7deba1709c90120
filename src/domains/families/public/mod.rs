//! Public-sector family: `PoliceOfficer`, `EducationalInstitution`, `AdministrationOffice`.

use crate::domains::entities::Gen;
use crate::vm::value::Value;

pub fn generate(kind: &str, g: &Gen<'_>) -> Result<Value, String> {
    let _ = g;
    Err(format!("entity {kind} is not generated yet"))
}
