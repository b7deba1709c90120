//! E-commerce family: `Product` and `Order`, from the shared catalogue under
//! `data/ecommerce/` and the pack's market (`data/ecommerce/{us,de,vn}/`).

pub mod catalog;
pub mod order;
pub mod product;
pub mod table;

use crate::domains::entities::Gen;
use crate::vm::value::Value;

pub fn generate(kind: &str, g: &Gen<'_>) -> Result<Value, String> {
    Ok(Value::map(match kind {
        "Product" => product::generate(g)?,
        "Order" => order::generate(g)?,
        other => return Err(format!("entity {other} is not an e-commerce entity")),
    }))
}
