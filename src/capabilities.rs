//! `datamimic capabilities`: the supported surface as JSON, read from the same registries the
//! compiler uses (the schema, the generator, converter, target, builtin and entity tables and
//! the rule table), so it cannot drift from what a model may use.

use serde_json::{json, Map, Value};

use crate::builtins::converters::CONVERTER_NAMES;
use crate::builtins::functions::{Builtin, Method};
use crate::builtins::generators::GENERATOR_NAMES;
use crate::builtins::targets::TargetKind;
use crate::diag::codes;
use crate::ir::types::ENTITIES;
use crate::parser::schema::schema;

const TARGETS: &[TargetKind] = &[
    TargetKind::Csv,
    TargetKind::Json,
    TargetKind::Xml,
    TargetKind::Txt,
    TargetKind::Xlsx,
    TargetKind::DbUnit,
    TargetKind::FixedWidth,
    TargetKind::Console,
    TargetKind::Log,
];

/// The capabilities document.
pub fn capabilities() -> Value {
    let s = schema();
    let elements: Vec<Value> = s
        .elements
        .iter()
        .map(|e| {
            json!({
                "name": e.name,
                "doc": e.doc,
                "children": e.children,
                "attributes": e.attrs.iter().map(|a| json!({"name": a.name, "type": a.ty, "required": a.required, "doc": a.doc})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut generators = Map::new();
    for (name, params) in GENERATOR_NAMES {
        generators.insert(name.to_string(), json!(params));
    }
    let mut converters = Map::new();
    for (name, params) in CONVERTER_NAMES {
        converters.insert(name.to_string(), json!(params));
    }
    let entities: Map<String, Value> = ENTITIES
        .iter()
        .map(|e| {
            (
                e.name.to_string(),
                json!(e.fields.iter().map(|(f, t)| json!({"name": f, "type": t.ty().name()})).collect::<Vec<_>>()),
            )
        })
        .collect();
    json!({
        "tool": "datamimic",
        "version": crate::VERSION,
        "elements": elements,
        "generators": generators,
        "converters": converters,
        "targets": TARGETS.iter().map(|t| t.name()).collect::<Vec<_>>(),
        "databases": {
            "dbms": crate::db::config::SUPPORTED_DBMS,
            "targets": ["<id>", "<id>.update", "<id>.upsert", "<id>.delete"],
            "sources": ["source=\"<id>\" type=\"<table>\"", "source=\"<id>\" selector=\"<query>\"", "<reference>"],
            "execute": ["sql"],
        },
        "distributions": {
            "source": ["random", "ordered", "cumulated"],
            "numeric": ["uniform", "cumulated", "randomWalk", "step", "increment", "shuffle", "wedge", "bitreverse", "fibonacci", "padovan"],
        },
        "entities": entities,
        "functions": Builtin::ALL.iter().map(|b| b.name()).collect::<Vec<_>>(),
        "methods": Method::ALL.iter().map(|m| m.name()).filter(|m| !m.starts_with("__")).collect::<Vec<_>>(),
        "rules": codes::TABLE.iter().map(|(c, sev, t)| json!({"code": c, "severity": sev, "title": t})).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_list_the_registries() {
        let c = capabilities();
        assert!(c["elements"].as_array().is_some_and(|e| e.iter().any(|x| x["name"] == "generate")));
        assert!(c["generators"]["IncrementGenerator"].is_array());
        assert!(c["converters"]["Mask"].is_array());
        assert!(c["targets"].as_array().is_some_and(|t| t.iter().any(|x| x == "CSV")));
        assert!(c["databases"]["dbms"].as_array().is_some_and(|d| d.iter().any(|x| x == "postgresql")));
        assert!(c["entities"]["Person"].as_array().is_some_and(|f| !f.is_empty()));
        assert!(c["rules"].as_array().is_some_and(|r| r.iter().any(|x| x["code"] == "DM101")));
    }
}
