//! `datamimic check` speed: a generated model of about 5,000 lines (50 products x 100 fields with
//! scripts, values, generators, nested generates and conditions), checked in-process.
//! `cargo bench --bench check` prints the median of 20 runs (target: under 50 ms).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

fn model() -> String {
    let mut m =
        String::from("<setup rngSeed=\"1\" defaultSeparator=\",\">\n  <variable name=\"base\" constant=\"x\"/>\n");
    for g in 0..50 {
        let _ = writeln!(m, "  <generate name=\"p{g}\" count=\"10\" target=\"CSV\">");
        let _ = writeln!(m, "    <key name=\"id\" generator=\"IncrementGenerator\"/>");
        for k in 0..96 {
            let line = match k % 6 {
                0 => format!("    <key name=\"k{k}\" script=\"id * {k} + len(base)\"/>"),
                1 => format!("    <key name=\"k{k}\" values=\"'a','b','c'\" weights=\"1,2,3\"/>"),
                2 => format!("    <key name=\"k{k}\" type=\"int\" min=\"0\" max=\"{k}\"/>"),
                3 => format!("    <variable name=\"v{k}\" script=\"str(k{}) + base.upper()\"/>", k - 1),
                4 => format!(
                    "    <key name=\"k{k}\" script=\"v{} if id % 2 == 0 else 'odd'\" condition=\"id > 0\"/>",
                    k - 1
                ),
                _ => format!("    <key name=\"k{k}\" generator=\"StringGenerator(min_len=3, max_len=8)\"/>"),
            };
            m.push_str(&line);
            m.push('\n');
        }
        let _ = writeln!(m, "    <generate name=\"c{g}\" count=\"2\" target=\"CSV\"><key name=\"pid\" script=\"parent.id\"/></generate>");
        m.push_str("  </generate>\n");
    }
    m.push_str("</setup>\n");
    m
}

fn main() {
    let text = model();
    let lines = text.lines().count();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-check-model.xml");
    let mut times = Vec::new();
    for _ in 0..21 {
        let t = Instant::now();
        let (_s, m, diags) = datamimic::check::check_text(&path, &text);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(m.is_some() && !diags.has_errors(), "{:?}", diags.0.iter().find(|d| d.is_error()));
    }
    times.remove(0);
    times.sort_by(|a, b| a.total_cmp(b));
    println!("check: {lines}-line model in {:.1} ms (median of 20)", times[times.len() / 2]);
}
