//! The `datamimic` command line.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use datamimic::builtins::manifest;
use datamimic::diag::{render, Diagnostics};
use datamimic::domains::determinism::{Seed, FORMAT_VERSION};
use datamimic::engine::sample::{Reach, SampleRequest};
use datamimic::engine::{self, RunOptions};
use datamimic::ir::lower::{lower_file, LowerOptions};
use datamimic::source::SourceMap;

/// Records are built from many short-lived values (strings, lists, maps): mimalloc serves
/// them several times faster than the system allocator. It is built without transparent huge
/// pages (Cargo feature `no_thp`): each first touch of such a page zeroes 2 MiB, which costs
/// a short run, and every new worker thread, more than the pages save.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "datamimic", version, about = "Deterministic synthetic test data from DATAMIMIC XML models")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    /// Colourful report with source excerpts (default on a terminal).
    Graphical,
    /// One line per finding: `file:line:col: severity[CODE]: message`.
    Text,
    /// The stable JSON schema documented in the README.
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum SampleFormat {
    Json,
    Csv,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a model and write its products to files.
    Run {
        model: PathBuf,
        /// Output folder (default: `output/` beside the model).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Seed (integer or text); overrides `<setup rngSeed>`.
        #[arg(long)]
        seed: Option<String>,
        /// The run's "now" (RFC 3339, e.g. 2025-01-01T12:00:00Z).
        #[arg(long)]
        clock: Option<String>,
        /// Print echo output and notes.
        #[arg(long, short)]
        verbose: bool,
        /// Generating threads (default: the available cores; 1: one thread does everything,
        /// writing included). The output is the same for every thread count.
        #[arg(long)]
        threads: Option<usize>,
        /// `K/N`: write only the K-th (0-based) of N contiguous slices of every top-level
        /// product; the N shards' files, concatenated in order (`datamimic merge`), are the
        /// full run's.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// `START..END`: write only records START..END (end exclusive) of every top-level
        /// product, exactly as the full run has them.
        #[arg(long, value_name = "START..END")]
        rows: Option<String>,
    },
    /// Print record ROW (0-based) of product NAME exactly as the full run has it, without
    /// writing any file; `--explain` adds how each field was made.
    Sample {
        model: PathBuf,
        /// The product (`<generate name>`), top-level or nested.
        #[arg(long, value_name = "NAME")]
        product: String,
        /// The record, counted from 0 in the order of the product's file.
        #[arg(long, value_name = "K")]
        row: u64,
        /// Per field: element, value mode, inputs, the random stream drawn from, value.
        #[arg(long)]
        explain: bool,
        /// Seed (integer or text); overrides `<setup rngSeed>`.
        #[arg(long)]
        seed: Option<String>,
        /// The run's "now" (RFC 3339, e.g. 2025-01-01T12:00:00Z).
        #[arg(long)]
        clock: Option<String>,
        /// `json` (default): the record as one JSON object (with `--explain`: product, row,
        /// record, explain); `csv`: the CSV header and the record's line.
        #[arg(long, value_enum)]
        format: Option<SampleFormat>,
    },
    /// Concatenate the output folders of `run --shard 0/N` … `N-1/N` into one folder equal to
    /// the full run's (files and manifest).
    Merge {
        /// The merged folder.
        #[arg(long)]
        out: PathBuf,
        /// The shards' output folders, in shard order.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
    },
    /// Check a model without running it.
    Check {
        model: PathBuf,
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// `--deny warnings` turns warnings into errors.
        #[arg(long, value_name = "warnings")]
        deny: Option<String>,
    },
    /// Answer a domain request (JSON: domain, version, count, seed, locale, clock,
    /// constraints) with generated items and their determinism proof.
    Domain {
        /// Request file; `-` or nothing reads standard input.
        file: Option<PathBuf>,
        /// Indent the response (the canonical form is one line).
        #[arg(long)]
        pretty: bool,
    },
    /// Print the supported surface (elements, generators, converters, targets, entities,
    /// rules) as JSON.
    Capabilities,
    /// Print the version.
    Version,
}

fn report(diags: &Diagnostics, sources: &SourceMap, format: Option<Format>) {
    let fmt = format.unwrap_or(if std::io::stderr().is_terminal() { Format::Graphical } else { Format::Text });
    match fmt {
        Format::Json => println!("{}", render::json(diags, sources)),
        Format::Text => eprint!("{}", render::plain(diags, sources)),
        Format::Graphical => eprint!("{}", render::graphical(diags, sources, true)),
    }
}

/// Parses `--clock`: an RFC 3339 instant (read as UTC) or a naive ISO datetime.
fn parse_clock(s: &str) -> Option<jiff::civil::DateTime> {
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.to_zoned(jiff::tz::TimeZone::UTC).datetime());
    }
    datamimic::builtins::datetime::parse_iso(s)
}

/// Parses `a<sep>b` into two integers.
fn parse_pair(s: &str, sep: &str) -> Option<(u64, u64)> {
    let (a, b) = s.split_once(sep)?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

/// The `run` flags beyond model, output, seed and clock.
struct RunFlags {
    verbose: bool,
    threads: Option<usize>,
    shard: Option<String>,
    rows: Option<String>,
}

/// A lowered model with the seed and clock of its run.
struct Prepared {
    sources: SourceMap,
    model: datamimic::ir::model::Model,
    packs: Vec<&'static str>,
    seed: Seed,
    clock: jiff::civil::DateTime,
}

/// Lowers the model (reporting its diagnostics) and settles the seed and the clock.
fn prepare(model: &Path, seed: Option<String>, clock: Option<String>) -> Result<Prepared, ExitCode> {
    let lopts = LowerOptions { seed: seed.as_deref().map(Seed::parse), for_run: true };
    let ((sources, m, diags), packs) = datamimic::domains::locale::track_packs(|| lower_file(model, &lopts));
    if diags.has_errors() || m.is_none() {
        report(&diags, &sources, None);
        return Err(ExitCode::from(if model.is_file() { 1 } else { 2 }));
    }
    let Some(m) = m else { return Err(ExitCode::from(1)) };
    let seeded = m.settings.seed.is_some();
    let seed = m.settings.seed.clone().unwrap_or_else(|| {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0),
        );
        Seed::Int((h.finish() >> 1) as i128)
    });
    let clock = match clock.as_deref() {
        Some(c) => match parse_clock(c) {
            Some(t) => t,
            None => {
                eprintln!("error: --clock '{c}' is not an RFC 3339 datetime (e.g. 2025-01-01T12:00:00Z)");
                return Err(ExitCode::from(2));
            }
        },
        // Seeded runs freeze "now" (dsl §2.5); unseeded runs read the wall clock once.
        None if seeded => jiff::civil::date(2025, 1, 1).at(12, 0, 0, 0),
        None => jiff::Zoned::now()
            .with_time_zone(jiff::tz::TimeZone::UTC)
            .datetime()
            .round(jiff::Unit::Second)
            .unwrap_or_default(),
    };
    Ok(Prepared { sources, model: m, packs, seed, clock })
}

/// The `sample` flags beyond model, seed and clock.
struct SampleFlags {
    product: String,
    row: u64,
    explain: bool,
    format: Option<SampleFormat>,
}

fn sample(model: &Path, seed: Option<String>, clock: Option<String>, flags: SampleFlags) -> ExitCode {
    let Prepared { sources, model: m, seed, clock, .. } = match prepare(model, seed, clock) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if m.settings.seed.is_none() {
        eprintln!("note: the model has no rngSeed and no --seed was given: seed {} was drawn", seed.display());
    }
    let opts = RunOptions::new(PathBuf::new(), seed, clock);
    let req = SampleRequest { product: flags.product, row: flags.row, explain: flags.explain };
    let s = match engine::sample::sample(&m, &opts, &sources, &req) {
        Ok(s) => s,
        Err(d) => {
            report(&Diagnostics(vec![*d]), &sources, None);
            return ExitCode::from(1);
        }
    };
    match s.reach {
        Reach::Seek => {}
        Reach::Window => eprintln!(
            "note: '{}' is not seekable (its records depend on earlier ones): rows 0..{} were generated first",
            s.product, s.row
        ),
        Reach::Sequential => eprintln!(
            "note: '{}' is not seekable (a nested product, or several of that name): the run went in order up to \
             its record {}",
            s.product, s.row
        ),
    }
    match flags.format {
        Some(SampleFormat::Csv) => match s.csv() {
            Ok(text) => print!("{text}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        },
        Some(SampleFormat::Json) if flags.explain => {
            println!("{}", serde_json::to_string_pretty(&s.to_json(true)).unwrap_or_default());
            return ExitCode::SUCCESS;
        }
        _ => println!("{}", s.record_json()),
    }
    if flags.explain {
        print!("\n{}", s.explain_table());
    }
    ExitCode::SUCCESS
}

fn run(model: &Path, out: Option<PathBuf>, seed: Option<String>, clock: Option<String>, flags: RunFlags) -> ExitCode {
    let RunFlags { verbose, threads, shard, rows } = flags;
    let shard = match shard.as_deref().map(|s| parse_pair(s, "/")) {
        None => None,
        Some(Some((k, n))) if n > 0 && k < n => Some((k, n)),
        Some(_) => {
            eprintln!("error: --shard takes K/N with 0 <= K < N, e.g. --shard 0/4");
            return ExitCode::from(2);
        }
    };
    let rows = match rows.as_deref().map(|s| parse_pair(s, "..")) {
        None => None,
        Some(Some((a, b))) if a <= b => Some((a, b)),
        Some(_) => {
            eprintln!("error: --rows takes START..END with START <= END, e.g. --rows 1000..1010");
            return ExitCode::from(2);
        }
    };
    if shard.is_some() && rows.is_some() {
        eprintln!("error: --shard and --rows cannot be combined");
        return ExitCode::from(2);
    }
    let threads = match threads {
        Some(0) => {
            eprintln!("error: --threads must be at least 1");
            return ExitCode::from(2);
        }
        Some(t) => t,
        None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    };
    let Prepared { mut sources, model: m, packs, seed, clock } = match prepare(model, seed, clock) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let out_dir = out.unwrap_or_else(|| model.parent().map(Path::to_path_buf).unwrap_or_default().join("output"));
    let opts = RunOptions { out_dir: out_dir.clone(), seed: seed.clone(), clock, verbose, rows, threads, shard };
    eprintln!("datamimic {}: seed {}, clock {}", datamimic::VERSION, seed.display(), clock);
    match engine::run_in(&m, &opts, &mut sources) {
        Ok(rep) => {
            let base = m.base_dir.clone();
            let man = manifest::Manifest {
                tool: "datamimic",
                version: datamimic::VERSION,
                format_version: FORMAT_VERSION,
                model: manifest::input_file(model, &base),
                includes: m.files.iter().skip(1).chain(&rep.included).map(|f| manifest::input_file(f, &base)).collect(),
                seed: seed.display(),
                clock: clock.to_string(),
                packs: manifest::packs(&packs),
                shard: shard.map(|(k, n)| format!("{k}/{n}")),
                outputs: &rep.outputs,
            };
            if let Err(e) = manifest::write(&out_dir, &man) {
                eprintln!("error: cannot write manifest: {e}");
                return ExitCode::from(2);
            }
            for o in &rep.outputs {
                eprintln!("  {} ({} rows)", out_dir.join(&o.name).display(), o.rows);
            }
            ExitCode::SUCCESS
        }
        Err(d) => {
            let diags = Diagnostics(vec![*d]);
            report(&diags, &sources, None);
            ExitCode::from(1)
        }
    }
}

fn check(model: &Path, format: Option<Format>, deny: Option<String>) -> ExitCode {
    if !model.is_file() {
        eprintln!("error: cannot read model '{}'", model.display());
        return ExitCode::from(2);
    }
    let deny_warnings = match deny.as_deref() {
        None => false,
        Some("warnings") => true,
        Some(other) => {
            eprintln!("error: --deny takes 'warnings', not '{other}'");
            return ExitCode::from(2);
        }
    };
    let (sources, _m, mut diags) = datamimic::check::check_file(model);
    if deny_warnings {
        for d in diags.0.iter_mut() {
            if d.severity == datamimic::Severity::Warning {
                d.severity = datamimic::Severity::Error;
            }
        }
    }
    report(&diags, &sources, format);
    if diags.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `datamimic domain`: the response (or the error, exit 1) as canonical JSON on stdout.
fn domain(file: Option<PathBuf>, pretty: bool) -> ExitCode {
    use datamimic::domains::facade::{self, canonical};
    use std::io::Read;
    let bytes = match file.as_deref() {
        Some(p) if p != Path::new("-") => std::fs::read(p).map_err(|e| format!("cannot read '{}': {e}", p.display())),
        _ => {
            let mut b = Vec::new();
            std::io::stdin().read_to_end(&mut b).map(|_| b).map_err(|e| format!("cannot read standard input: {e}"))
        }
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let show = |v: serde_json::Value| {
        if pretty {
            serde_json::to_string_pretty(&canonical::sorted(&v)).unwrap_or_default()
        } else {
            canonical::to_string(&v)
        }
    };
    match facade::Request::from_bytes(&bytes).and_then(|r| facade::generate(&r)) {
        Ok(resp) => {
            println!("{}", show(resp.to_json()));
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{}", show(e.to_json()));
            ExitCode::from(1)
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.cmd {
        Cmd::Run { model, out, seed, clock, verbose, threads, shard, rows } => {
            run(&model, out, seed, clock, RunFlags { verbose, threads, shard, rows })
        }
        Cmd::Sample { model, product, row, explain, seed, clock, format } => {
            sample(&model, seed, clock, SampleFlags { product, row, explain, format })
        }
        Cmd::Merge { out, shards } => match manifest::merge_shards(&shards, &out) {
            Ok(files) => {
                for (name, rows) in files {
                    eprintln!("  {} ({rows} rows)", out.join(name).display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        },
        Cmd::Check { model, format, deny } => check(&model, format, deny),
        Cmd::Domain { file, pretty } => domain(file, pretty),
        Cmd::Capabilities => {
            println!("{}", serde_json::to_string_pretty(&datamimic::capabilities::capabilities()).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Cmd::Version => {
            println!("datamimic {}", datamimic::VERSION);
            ExitCode::SUCCESS
        }
    }
}
