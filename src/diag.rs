//! Diagnostics: the one error currency of every stage.
//!
//! A [`Diagnostic`] has a rule code (`DM101`, see [`codes`]), a severity, a message, an optional
//! primary span with a label, and a help text. Stages collect them in [`Diagnostics`];
//! rendering (miette graphics, plain text, JSON) happens at the edge in [`render`].

use std::fmt::Write as _;

use serde::Serialize;

use crate::source::{SourceMap, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Hint,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Hint => "hint",
        }
    }
}

/// One finding.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: Option<Span>,
    pub label: Option<String>,
    pub help: Option<String>,
    /// Element path such as `/setup/generate[1]/key[2]`.
    pub path: Option<String>,
}

impl Diagnostic {
    #[cold]
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span: None,
            label: None,
            help: None,
            path: None,
        }
    }

    #[cold]
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message) }
    }

    #[cold]
    pub fn hint(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Hint, ..Diagnostic::error(code, message) }
    }

    pub fn with_span(mut self, span: Span) -> Diagnostic {
        if !span.is_detached() {
            self.span = Some(span);
        }
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_path(mut self, path: impl Into<String>) -> Diagnostic {
        self.path = Some(path.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A collection of findings.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics(Vec::new())
    }
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.is_error())
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
    /// Sorts by file, position, then code, so output is stable.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            let ka = a.span.map(|s| (s.source, s.start)).unwrap_or_default();
            let kb = b.span.map(|s| (s.source, s.start)).unwrap_or_default();
            ka.cmp(&kb).then(a.code.cmp(b.code)).then(a.message.cmp(&b.message))
        });
        self.0.dedup_by(|a, b| a.code == b.code && a.span == b.span && a.message == b.message);
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

/// The rule table: every code the tool can report, with its documentation line.
pub mod codes {
    /// `(code, default severity, title)`.
    pub const TABLE: &[(&str, &str, &str)] = &[
        ("DM000", "error", "the model was rejected while preparing the run"),
        ("DM001", "error", "malformed or hostile XML"),
        ("DM002", "error", "run-time error"),
        ("DM101", "error", "unknown element"),
        ("DM102", "error", "element not allowed under this parent"),
        ("DM103", "error", "unknown attribute"),
        ("DM104", "error", "required attribute missing"),
        ("DM105", "error", "invalid attribute value"),
        ("DM106", "error", "root element is not <setup>"),
        ("DM107", "error", "leaf element has child elements"),
        ("DM201", "error", "count together with minCount/maxCount, or minCount > maxCount"),
        ("DM202", "error", "generate without count, minCount/maxCount, source or script"),
        ("DM203", "error", "several or no value modes on one field"),
        ("DM204", "error", "unique without a pool, or with weights/cyclic/distribution"),
        ("DM205", "error", "type and selector together with source"),
        ("DM211", "error", "selector without a database source"),
        ("DM212", "error", "count is neither digits nor {expression}"),
        ("DM213", "error", "cyclic nestedKey without count"),
        ("DM214", "error", "companion attribute without its mode"),
        ("DM216", "warning", "nestedKey with children but no type/source/script"),
        ("DM217", "error", "only part of start/end/interval"),
        ("DM218", "error", "forbidden attribute combination"),
        ("DM219", "error", "attribute value outside its declared set"),
        ("DM220", "error", "type incompatible with outDateFormat or distribution"),
        ("DM221", "error", "array/nestedKey shape rule"),
        ("DM301", "warning", "source read without distribution (random order by default)"),
        ("DM302", "hint", "source with random/cumulated distribution or unique loads everything"),
        ("DM303", "hint", "setup without rngSeed"),
        ("DM304", "hint", "rngSeed together with multiprocessing"),
        ("DM305", "hint", "pageSize below 100"),
        ("DM307", "hint", "count=0 with an upsert target"),
        ("DM310", "hint", "IntegerGenerator with min/max (prefer type/min/max)"),
        ("DM311", "hint", "StringGenerator (prefer minLength/maxLength)"),
        ("DM314", "error", "__name__ marker inside script or condition"),
        ("DM315", "hint", "IncrementGenerator restarts in a nested generate"),
        ("DM316", "hint", "literal count may be capped by the source"),
        ("DM317", "error", "finite sequence exhausted by nested counts"),
        ("DM318", "hint", "finite sequence in a nested scope of unknown demand"),
        ("DM401", "error", "unknown target"),
        ("DM402", "error", "unknown source"),
        ("DM403", "warning", "sibling generates with the same name"),
        ("DM405", "error", "included file does not exist"),
        ("DM501", "error", "expression syntax error"),
        ("DM502", "error", "unknown name in expression"),
        ("DM503", "error", "unknown attribute or method"),
        ("DM504", "error", "type error in expression"),
        ("DM505", "error", "wrong number or kind of arguments"),
        ("DM506", "error", "construct not supported"),
        ("DM507", "error", "unknown generator, converter or entity"),
        ("DM508", "error", "bad generator, converter or entity parameter"),
        ("DM509", "error", "invalid literal (values, weights, pattern, date)"),
        ("DM601", "error", "data source could not be read"),
        ("DM602", "error", "invalid <database> declaration (dbms, connection settings, duplicate id)"),
        ("DM603", "error", "<execute> cannot run (no script, no database target, unknown type)"),
        ("DM604", "error", "database cannot be reached or opened"),
        ("DM605", "error", "database statement, script or query failed, or a table is missing"),
        ("DM606", "error", "product cannot be written to a database (type mismatch, unknown column, constraint)"),
    ];

    pub fn title(code: &str) -> Option<&'static str> {
        TABLE.iter().find(|(c, _, _)| *c == code).map(|(_, _, t)| *t)
    }
}

/// Rendering at the edge: plain text, JSON, and miette graphics.
pub mod render {
    use super::*;

    /// `FILE:LINE:COL: severity[CODE]: message` plus help lines; stable, colourless.
    pub fn plain(diags: &Diagnostics, sources: &SourceMap) -> String {
        let mut out = String::new();
        for d in diags.iter() {
            let loc = location(d, sources);
            let _ = writeln!(out, "{}{}[{}]: {}", loc, d.severity.as_str(), d.code, d.message);
            if let Some(l) = &d.label {
                let _ = writeln!(out, "    = at: {l}");
            }
            if let Some(h) = &d.help {
                let _ = writeln!(out, "    = help: {h}");
            }
        }
        out.push_str(&summary(diags));
        out.push('\n');
        out
    }

    fn location(d: &Diagnostic, sources: &SourceMap) -> String {
        match d.span.and_then(|s| sources.get(s.source).map(|f| (s, f))) {
            Some((s, f)) => {
                let (l, c) = f.line_col(s.start);
                format!("{}:{}:{}: ", f.path.display(), l, c)
            }
            None => String::new(),
        }
    }

    /// `Summary: 3 errors, 1 warning, 2 hints` or `Summary: no findings`.
    pub fn summary(diags: &Diagnostics) -> String {
        let mut parts = Vec::new();
        for (sev, name) in [(Severity::Error, "error"), (Severity::Warning, "warning"), (Severity::Hint, "hint")] {
            let n = diags.iter().filter(|d| d.severity == sev).count();
            if n > 0 {
                parts.push(format!("{n} {name}{}", if n == 1 { "" } else { "s" }));
            }
        }
        if parts.is_empty() {
            "Summary: no findings".to_string()
        } else {
            format!("Summary: {}", parts.join(", "))
        }
    }

    #[derive(Serialize)]
    struct JsonDiag<'a> {
        code: &'a str,
        severity: Severity,
        message: &'a str,
        file: Option<String>,
        line: Option<usize>,
        column: Option<usize>,
        end: Option<[usize; 2]>,
        label: Option<&'a str>,
        help: Option<&'a str>,
        path: Option<&'a str>,
    }

    #[derive(Serialize)]
    struct JsonReport<'a> {
        ok: bool,
        counts: serde_json::Map<String, serde_json::Value>,
        diagnostics: Vec<JsonDiag<'a>>,
    }

    /// The stable JSON schema of `check --format json` (documented in the README).
    pub fn json(diags: &Diagnostics, sources: &SourceMap) -> String {
        let mut counts = serde_json::Map::new();
        for sev in [Severity::Error, Severity::Warning, Severity::Hint] {
            let n = diags.iter().filter(|d| d.severity == sev).count();
            counts.insert(sev.as_str().to_string(), n.into());
        }
        let diagnostics = diags
            .iter()
            .map(|d| {
                let pos = d.span.and_then(|s| sources.get(s.source).map(|f| (s, f)));
                JsonDiag {
                    code: d.code,
                    severity: d.severity,
                    message: &d.message,
                    file: pos.map(|(_, f)| f.path.display().to_string()),
                    line: pos.map(|(s, f)| f.line_col(s.start).0),
                    column: pos.map(|(s, f)| f.line_col(s.start).1),
                    end: pos.map(|(s, f)| {
                        let (l, c) = f.line_col(s.end);
                        [l, c]
                    }),
                    label: d.label.as_deref(),
                    help: d.help.as_deref(),
                    path: d.path.as_deref(),
                }
            })
            .collect();
        let report = JsonReport { ok: !diags.has_errors(), counts, diagnostics };
        serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".to_string())
    }

    /// miette's graphical report (for terminals).
    pub fn graphical(diags: &Diagnostics, sources: &SourceMap, color: bool) -> String {
        let theme = if color { miette::GraphicalTheme::unicode() } else { miette::GraphicalTheme::unicode_nocolor() };
        let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(100);
        let mut out = String::new();
        for d in diags.iter() {
            let report = MietteDiag::new(d, sources);
            let _ = handler.render_report(&mut out, &report);
        }
        out.push_str(&summary(diags));
        out.push('\n');
        out
    }

    #[derive(Debug)]
    struct MietteDiag {
        code: String,
        severity: miette::Severity,
        message: String,
        help: Option<String>,
        src: Option<miette::NamedSource<String>>,
        labels: Vec<miette::LabeledSpan>,
    }

    impl MietteDiag {
        fn new(d: &Diagnostic, sources: &SourceMap) -> MietteDiag {
            let (src, labels) = match d.span.and_then(|s| sources.get(s.source).map(|f| (s, f))) {
                Some((s, f)) => (
                    Some(miette::NamedSource::new(f.path.display().to_string(), f.text.to_string())),
                    vec![miette::LabeledSpan::new(
                        d.label.clone().or_else(|| Some("here".into())),
                        s.start as usize,
                        s.len(),
                    )],
                ),
                None => (None, vec![]),
            };
            MietteDiag {
                code: d.code.to_string(),
                severity: match d.severity {
                    Severity::Error => miette::Severity::Error,
                    Severity::Warning => miette::Severity::Warning,
                    Severity::Hint => miette::Severity::Advice,
                },
                message: d.message.clone(),
                help: d.help.clone(),
                src,
                labels,
            }
        }
    }

    impl std::fmt::Display for MietteDiag {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.message)
        }
    }
    impl std::error::Error for MietteDiag {}
    impl miette::Diagnostic for MietteDiag {
        fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
            Some(Box::new(&self.code))
        }
        fn severity(&self) -> Option<miette::Severity> {
            Some(self.severity)
        }
        fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
            self.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
        }
        fn source_code(&self) -> Option<&dyn miette::SourceCode> {
            self.src.as_ref().map(|s| s as &dyn miette::SourceCode)
        }
        fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
            if self.labels.is_empty() {
                None
            } else {
                Some(Box::new(self.labels.iter().cloned()))
            }
        }
    }
}

/// Closest candidate by edit distance, for "did you mean" help.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lname = name.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = levenshtein(&lname, &c.to_ascii_lowercase());
        let limit = (name.len().max(c.len()) / 3).max(1) + 1;
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = if a[i - 1] == b[j - 1] { 0 } else { 1 };
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_find_close_names() {
        assert_eq!(did_you_mean("cnt", ["count", "name", "source"]), Some("count"));
        assert_eq!(did_you_mean("generat", ["generate", "key"]), Some("generate"));
        assert_eq!(did_you_mean("zzzzzz", ["count"]), None);
    }
}
