//! The model structure, derived from `schema/datamimic.xsd` (compiled into the binary), and
//! the structural checks DM101–DM107.
//!
//! The XSD is the single source of truth for element names, nesting, attribute names, required
//! attributes and attribute value types; this module reads it once (its conventions are
//! documented in `schema/README.md`) and validates element trees against it.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::parser::xml::{self, Element};
use crate::source::SourceId;

/// The schema text, compiled in.
pub const XSD: &str = include_str!("../../schema/datamimic.xsd");

#[derive(Debug)]
pub struct AttrDecl {
    pub name: String,
    pub ty: String,
    pub required: bool,
    pub doc: String,
}

#[derive(Debug)]
pub struct ElementDecl {
    pub name: String,
    pub doc: String,
    pub children: Vec<String>,
    pub attrs: Vec<AttrDecl>,
    /// Text content is meaningful (`echo`, `execute`).
    pub mixed: bool,
    /// Any content and attributes (`comment`).
    pub any: bool,
}

#[derive(Debug)]
pub enum SimpleType {
    Patterns(Vec<regex::Regex>),
    Enum(Vec<String>),
}

#[derive(Debug)]
pub struct Schema {
    pub elements: Vec<ElementDecl>,
    pub types: HashMap<String, (SimpleType, String)>,
}

impl Schema {
    pub fn element(&self, name: &str) -> Option<&ElementDecl> {
        self.elements.iter().find(|e| e.name == name)
    }

    /// Whether `value` is valid for the named simple type (unknown types accept anything).
    pub fn valid(&self, ty: &str, value: &str) -> bool {
        match self.types.get(ty) {
            Some((SimpleType::Patterns(p), _)) => p.iter().any(|r| r.is_match(value)),
            Some((SimpleType::Enum(vals), _)) => vals.iter().any(|v| v == value),
            None => true,
        }
    }

    pub fn type_doc(&self, ty: &str) -> Option<&str> {
        self.types.get(ty).map(|(_, d)| d.as_str())
    }
}

fn doc_of(el: &Element) -> String {
    el.children
        .iter()
        .find(|c| c.name == "xs:annotation")
        .and_then(|a| a.children.iter().find(|c| c.name == "xs:documentation"))
        .map(|d| d.text.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn parse_schema(text: &str) -> Result<Schema, String> {
    let root = xml::parse(text, SourceId(u32::MAX - 2)).map_err(|d| d.message)?;
    let mut elements = Vec::new();
    let mut types = HashMap::new();
    for c in &root.children {
        match c.name.as_str() {
            "xs:simpleType" => {
                let name = c.get("name").ok_or("simpleType without name")?.to_string();
                let restr =
                    c.children.iter().find(|r| r.name == "xs:restriction").ok_or("simpleType without restriction")?;
                let mut pats = Vec::new();
                let mut enums = Vec::new();
                for f in &restr.children {
                    match f.name.as_str() {
                        "xs:pattern" => {
                            let p = f.get("value").unwrap_or("");
                            let re = regex::Regex::new(&format!("^(?:{p})$"))
                                .map_err(|e| format!("pattern of {name}: {e}"))?;
                            pats.push(re);
                        }
                        "xs:enumeration" => enums.push(f.get("value").unwrap_or("").to_string()),
                        _ => {}
                    }
                }
                let st = if !enums.is_empty() { SimpleType::Enum(enums) } else { SimpleType::Patterns(pats) };
                types.insert(name, (st, doc_of(c)));
            }
            "xs:element" => {
                let name = c.get("name").ok_or("element without name")?.to_string();
                let doc = doc_of(c);
                let ct = c.children.iter().find(|x| x.name == "xs:complexType");
                let mut decl = ElementDecl { name, doc, children: vec![], attrs: vec![], mixed: false, any: false };
                if let Some(ct) = ct {
                    decl.mixed = ct.get("mixed") == Some("true");
                    for part in &ct.children {
                        match part.name.as_str() {
                            "xs:choice" | "xs:sequence" => {
                                for r in &part.children {
                                    match r.name.as_str() {
                                        "xs:element" => {
                                            if let Some(rf) = r.get("ref") {
                                                decl.children.push(rf.to_string());
                                            }
                                        }
                                        "xs:any" => decl.any = true,
                                        _ => {}
                                    }
                                }
                            }
                            "xs:attribute" => decl.attrs.push(AttrDecl {
                                name: part.get("name").unwrap_or("").to_string(),
                                ty: part.get("type").unwrap_or("xs:string").to_string(),
                                required: part.get("use") == Some("required"),
                                doc: doc_of(part),
                            }),
                            "xs:anyAttribute" => decl.any = true,
                            _ => {}
                        }
                    }
                }
                elements.push(decl);
            }
            _ => {}
        }
    }
    Ok(Schema { elements, types })
}

/// The schema, read once.
pub fn schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| {
        parse_schema(XSD).unwrap_or_else(|e| {
            // The schema is compiled in and covered by tests; a failure here is a build defect.
            eprintln!("internal error: schema/datamimic.xsd cannot be read: {e}");
            Schema { elements: vec![], types: HashMap::new() }
        })
    })
}

/// Validates an element tree (the root must be `<setup>`); returns every structural finding.
pub fn validate(root: &Element) -> Diagnostics {
    let mut d = Diagnostics::new();
    if root.name != "setup" {
        d.push(
            Diagnostic::error("DM106", format!("the root element must be <setup>, found <{}>", root.name))
                .with_span(root.name_span)
                .with_label("root element")
                .with_help("wrap the model in <setup>…</setup>"),
        );
        return d;
    }
    walk(root, "/setup", &mut d);
    d
}

fn walk(el: &Element, path: &str, out: &mut Diagnostics) {
    let s = schema();
    let Some(decl) = s.element(&el.name) else {
        return;
    };
    if decl.any {
        return;
    }
    for a in &el.attrs {
        if a.name.starts_with("xmlns") || a.name.starts_with("xsi:") {
            continue;
        }
        match decl.attrs.iter().find(|x| x.name == a.name) {
            None => {
                let mut diag = Diagnostic::error("DM103", format!("<{}> has no attribute '{}'", el.name, a.name))
                    .with_span(a.name_span)
                    .with_label("unknown attribute")
                    .with_path(path);
                let names: Vec<&str> = decl.attrs.iter().map(|x| x.name.as_str()).collect();
                diag.help = Some(match did_you_mean(&a.name, names.iter().copied()) {
                    Some(m) => format!("did you mean '{m}'?"),
                    None => format!("attributes of <{}>: {}", el.name, names.join(", ")),
                });
                out.push(diag);
            }
            Some(ad) => {
                if !s.valid(&ad.ty, &a.value) {
                    // A count that is neither digits nor {expression} has its own rule.
                    let code = match ad.ty.as_str() {
                        "dmCount" => "DM212",
                        "dmStorage" => "DM219",
                        _ => "DM105",
                    };
                    let mut diag =
                        Diagnostic::error(code, format!("'{}' is not a valid value for {}", a.value, a.name))
                            .with_span(a.value_span)
                            .with_label(format!("expected {}", ad.ty.trim_start_matches("dm")))
                            .with_path(path);
                    if let Some((SimpleType::Enum(vals), _)) = s.types.get(&ad.ty) {
                        diag.help = Some(match did_you_mean(&a.value, vals.iter().map(|v| v.as_str())) {
                            Some(m) => {
                                format!("did you mean '{m}'? allowed: {}", vals.join(", "))
                            }
                            None => format!("allowed: {}", vals.join(", ")),
                        });
                    } else if let Some(doc) = s.type_doc(&ad.ty) {
                        diag.help = Some(doc.to_string());
                    }
                    out.push(diag);
                }
            }
        }
    }
    for ad in decl.attrs.iter().filter(|a| a.required) {
        if el.attr(&ad.name).is_none() {
            out.push(
                Diagnostic::error("DM104", format!("<{}> needs the attribute '{}'", el.name, ad.name))
                    .with_span(el.name_span)
                    .with_label(format!("'{}' missing", ad.name))
                    .with_help(ad.doc.clone())
                    .with_path(path),
            );
        }
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for c in &el.children {
        let n = counts.entry(c.name.as_str()).or_insert(0);
        *n += 1;
        let cpath = format!("{path}/{}[{}]", c.name, n);
        if s.element(&c.name).is_none() {
            let mut diag = Diagnostic::error("DM101", format!("unknown element <{}>", c.name))
                .with_span(c.name_span)
                .with_label("unknown element")
                .with_path(cpath.clone());
            let names = s.elements.iter().map(|e| e.name.as_str());
            if let Some(m) = did_you_mean(&c.name, names) {
                diag.help = Some(format!("did you mean <{m}>?"));
            }
            out.push(diag);
            continue;
        }
        if decl.children.is_empty() {
            out.push(
                Diagnostic::error("DM107", format!("<{}> cannot have child elements", el.name))
                    .with_span(c.name_span)
                    .with_label(format!("<{}> inside a leaf element", c.name))
                    .with_help(format!("<{}> is a leaf: write it as <{} …/>", el.name, el.name))
                    .with_path(cpath),
            );
            continue;
        }
        if !decl.children.contains(&c.name) {
            out.push(
                Diagnostic::error("DM102", format!("<{}> is not allowed inside <{}>", c.name, el.name))
                    .with_span(c.name_span)
                    .with_label("not allowed here")
                    .with_help(format!("<{}> may contain: {}", el.name, decl.children.join(", ")))
                    .with_path(cpath),
            );
            continue;
        }
        walk(c, &cpath, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_reads_every_element() {
        let s = schema();
        for e in ["setup", "generate", "iterate", "key", "id", "variable", "nestedKey", "list", "item", "array", "echo"]
        {
            assert!(s.element(e).is_some(), "{e}");
        }
        assert!(s.element("generate").is_some_and(|g| g.children.iter().any(|c| c == "key")));
        assert!(s.element("key").is_some_and(|k| k.attrs.iter().any(|a| a.name == "name" && a.required)));
        assert!(s.valid("dmBool", "True"));
        assert!(!s.valid("dmBool", "maybe"));
        assert!(s.valid("dmCount", "{n}"));
        assert!(!s.valid("dmCount", "ten"));
    }

    fn codes(src: &str) -> Vec<&'static str> {
        let root = xml::parse(src, SourceId(0)).expect("well-formed");
        validate(&root).iter().map(|d| d.code).collect()
    }

    #[test]
    fn structural_rules() {
        assert_eq!(codes(r#"<setup><gen name="g"/></setup>"#), vec!["DM101"]);
        assert_eq!(codes(r#"<setup><nestedKey name="n" type="dict"/></setup>"#), vec!["DM102"]);
        assert_eq!(codes(r#"<setup><generate name="g" cnt="1"/></setup>"#), vec!["DM103"]);
        assert_eq!(
            codes(r#"<setup><generate name="g" count="1"><key constant="1"/></generate></setup>"#),
            vec!["DM104"]
        );
        assert_eq!(
            codes(r#"<setup><generate name="g" count="1"><key name="k" type="date"/></generate></setup>"#),
            vec!["DM105"]
        );
        assert_eq!(codes(r#"<key name="k" constant="1"/>"#), vec!["DM106"]);
        assert_eq!(
            codes(
                r#"<setup><generate name="g" count="1"><variable name="v" constant="1"><key name="x" constant="1"/></variable></generate></setup>"#
            ),
            vec!["DM107"]
        );
        assert!(
            codes(r#"<setup><generate name="g" count="1"><key name="k" constant="1"/></generate></setup>"#).is_empty()
        );
    }
}
