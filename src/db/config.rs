//! `<database>` declarations: the connection settings of a client, from the element's
//! attributes or from environment property files (dsl §3.17).
//!
//! A setting missing from the attributes is looked up under `<system>.db.<attr>` in, first
//! found wins: `conf/<environment>.env.properties` beside the model,
//! `<environment>.env.properties` beside the model, `~/datamimic/<environment>.env.properties`,
//! and `conf/<id>.env.properties` beside the model (which may also use the plain keys
//! `db.<attr>` and `<attr>`). `system` defaults to the id, `environment` to `environment`.
//!
//! The password is a [`Secret`]: it is never part of a `Debug` rendering, a diagnostic, the
//! manifest or a log line, and the files it came from are not listed in the manifest.

use std::fmt;
use std::path::{Path, PathBuf};

/// The database systems a `<database>` may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dbms {
    /// SQLite through the bundled library: the embedded default, no server needed.
    Sqlite,
    /// PostgreSQL over the network protocol (no TLS).
    Postgresql,
}

impl Dbms {
    pub fn name(self) -> &'static str {
        match self {
            Dbms::Sqlite => "sqlite",
            Dbms::Postgresql => "postgresql",
        }
    }
}

/// The `dbms` values this implementation runs.
pub const SUPPORTED_DBMS: &[&str] = &["sqlite", "postgresql"];
/// `dbms` values of the language that are not implemented.
pub const UNSUPPORTED_DBMS: &[&str] = &["mysql", "mssql", "oracle"];

/// A credential: shown as `***` everywhere.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret text, for the connection only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A resolved `<database>` declaration.
#[derive(Clone, Debug)]
pub struct DbDecl {
    pub id: String,
    pub dbms: Dbms,
    pub host: String,
    pub port: u16,
    /// Database name; for SQLite the file path (resolved against the model's folder) or
    /// `:memory:`.
    pub database: String,
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub schema: Option<String>,
}

impl DbDecl {
    /// `sqlite 'path'` or `postgresql user@host:port/db`, without the password.
    pub fn describe(&self) -> String {
        match self.dbms {
            Dbms::Sqlite => format!("sqlite '{}'", self.database),
            Dbms::Postgresql => format!(
                "postgresql {}{}:{}/{}",
                self.user.as_deref().map(|u| format!("{u}@")).unwrap_or_default(),
                self.host,
                self.port,
                self.database
            ),
        }
    }
}

/// A problem with a declaration: the message and the attribute it concerns.
#[derive(Clone, Debug)]
pub struct DeclError {
    pub message: String,
    pub attr: Option<&'static str>,
    /// `true` for a valid but unimplemented `dbms` (reported as "not supported").
    pub unsupported: bool,
}

fn decl_err(message: impl Into<String>, attr: Option<&'static str>) -> DeclError {
    DeclError { message: message.into(), attr, unsupported: false }
}

/// The `key=value` pairs of one property file.
type Properties = Vec<(String, String)>;

/// The property files a declaration may read, in lookup order, with the key prefixes each
/// one accepts.
fn property_files(base: &Path, id: &str, env: &str, system: &str) -> Vec<(PathBuf, Vec<String>)> {
    let sys_keys = vec![format!("{system}.db.")];
    let mut v = vec![
        (base.join("conf").join(format!("{env}.env.properties")), sys_keys.clone()),
        (base.join(format!("{env}.env.properties")), sys_keys.clone()),
    ];
    if let Some(home) = std::env::var_os("HOME") {
        v.push((PathBuf::from(home).join("datamimic").join(format!("{env}.env.properties")), sys_keys.clone()));
    }
    let mut own = sys_keys;
    own.push("db.".into());
    own.push(String::new());
    v.push((base.join("conf").join(format!("{id}.env.properties")), own));
    v
}

/// Resolves a declaration. `attr(name)` gives an attribute's value (after property
/// substitution); `base` is the model's folder.
pub fn resolve(id: &str, attr: &dyn Fn(&str) -> Option<String>, base: &Path) -> Result<DbDecl, Vec<DeclError>> {
    let env = attr("environment").unwrap_or_else(|| "environment".into());
    let system = attr("system").unwrap_or_else(|| id.to_string());
    let files: Vec<(Properties, Vec<String>)> = property_files(base, id, &env, &system)
        .into_iter()
        .filter(|(p, _)| p.is_file())
        .filter_map(|(p, keys)| crate::builtins::sources::read_properties(&p).ok().map(|props| (props, keys)))
        .collect();
    let get = |name: &str| -> Option<String> {
        if let Some(v) = attr(name) {
            return Some(v);
        }
        for (props, prefixes) in &files {
            for prefix in prefixes {
                let key = format!("{prefix}{name}");
                if let Some((_, v)) = props.iter().rev().find(|(k, _)| *k == key) {
                    return Some(v.clone());
                }
            }
        }
        None
    };
    let mut errors = Vec::new();
    let dbms = match get("dbms").map(|d| d.trim().to_ascii_lowercase()) {
        Some(d) if d == "sqlite" => Some(Dbms::Sqlite),
        Some(d) if d == "postgresql" || d == "postgres" => Some(Dbms::Postgresql),
        Some(d) if UNSUPPORTED_DBMS.contains(&d.as_str()) => {
            errors.push(DeclError {
                message: format!("dbms '{d}' is not supported (supported: {})", SUPPORTED_DBMS.join(", ")),
                attr: Some("dbms"),
                unsupported: true,
            });
            None
        }
        Some(d) => {
            errors.push(decl_err(
                format!("unknown dbms '{d}' for database '{id}' (supported: {})", SUPPORTED_DBMS.join(", ")),
                Some("dbms"),
            ));
            None
        }
        None => {
            errors.push(decl_err(
                format!(
                    "database '{id}' has no dbms: set dbms=\"sqlite\" or dbms=\"postgresql\", or {system}.db.dbms in \
                     conf/{env}.env.properties"
                ),
                None,
            ));
            None
        }
    };
    let port = match get("port") {
        Some(p) => match p.trim().parse::<u16>() {
            Ok(p) if p > 0 => Some(p),
            _ => {
                errors.push(decl_err(format!("port '{p}' of database '{id}' is not a port number"), Some("port")));
                None
            }
        },
        None => None,
    };
    let database = get("database").map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
    let Some(dbms) = dbms else { return Err(errors) };
    let database = match (dbms, database) {
        (_, None) => {
            errors.push(decl_err(
                format!(
                    "database '{id}' has no database name{}: set database=\"…\" or {system}.db.database in \
                     conf/{env}.env.properties",
                    if dbms == Dbms::Sqlite { " (the SQLite file)" } else { "" }
                ),
                None,
            ));
            String::new()
        }
        (Dbms::Sqlite, Some(d)) if d == ":memory:" => d,
        (Dbms::Sqlite, Some(d)) => base.join(d).to_string_lossy().to_string(),
        (Dbms::Postgresql, Some(d)) => d,
    };
    let user = get("user").filter(|u| !u.is_empty());
    if dbms == Dbms::Postgresql && user.is_none() {
        errors.push(decl_err(
            format!("database '{id}' (postgresql) has no user: set user=\"…\" or {system}.db.user in conf/{env}.env.properties"),
            None,
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(DbDecl {
        id: id.to_string(),
        dbms,
        host: get("host").filter(|h| !h.is_empty()).unwrap_or_else(|| "localhost".into()),
        port: port.unwrap_or(5432),
        database,
        user,
        password: get("password").map(Secret::new),
        schema: get("schema").filter(|s| !s.is_empty()),
    })
}

/// Replaces every occurrence of the password in a message (driver errors never should contain
/// it; this makes sure).
pub fn scrub(message: &str, password: Option<&Secret>) -> String {
    match password {
        Some(p) if !p.expose().is_empty() => message.replace(p.expose(), "***"),
        _ => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |n| pairs.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string())
    }

    #[test]
    fn sqlite_path_resolves_beside_the_model() {
        let d = resolve("db", &attrs(&[("dbms", "sqlite"), ("database", "data/x.sqlite")]), Path::new("/m"))
            .expect("valid");
        assert_eq!(d.dbms, Dbms::Sqlite);
        assert_eq!(Path::new(&d.database), Path::new("/m/data/x.sqlite"));
        let mem = resolve("db", &attrs(&[("dbms", "sqlite"), ("database", ":memory:")]), Path::new("/m")).expect("ok");
        assert_eq!(mem.database, ":memory:");
    }

    #[test]
    fn password_never_shows_in_debug() {
        let d = resolve(
            "pg",
            &attrs(&[("dbms", "postgresql"), ("database", "d"), ("user", "u"), ("password", "hunter2")]),
            Path::new("/m"),
        )
        .expect("valid");
        assert!(!format!("{d:?}").contains("hunter2"));
        assert!(!d.describe().contains("hunter2"));
        assert_eq!(scrub("bad hunter2 x", d.password.as_ref()), "bad *** x");
    }

    #[test]
    fn missing_and_unknown_settings_are_errors() {
        assert!(resolve("db", &attrs(&[("dbms", "sqlite")]), Path::new("/m")).is_err());
        let e = resolve("db", &attrs(&[("dbms", "mysql"), ("database", "x")]), Path::new("/m")).unwrap_err();
        assert!(e[0].unsupported);
        let e = resolve("db", &attrs(&[("dbms", "sqlit"), ("database", "x")]), Path::new("/m")).unwrap_err();
        assert!(!e[0].unsupported && e[0].attr == Some("dbms"));
        assert!(resolve("db", &attrs(&[("dbms", "postgresql"), ("database", "x")]), Path::new("/m")).is_err());
    }
}
