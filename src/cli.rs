//! Flags become validated settings here; the work is done by the library.

use clap::{Args, Parser, Subcommand, ValueEnum};
use dualuse::batch::{self, Columns, OutputFormat, ScreenOptions};
use dualuse::input::{self, Encoding, Format, InputOptions, RowReader};
use dualuse::{Category, Classifier, ClassifierBuilder, Error, ErrorKind, RuleSources, Severity};
use std::io::{IsTerminal, Write};

#[derive(Parser)]
#[command(
    name = "dualuse",
    version,
    about = "Screen customs lines (HS code + goods description) against dual-use and CHPL rule sets",
    after_help = "Exit status: 0 = completed, nothing flagged; 1 = completed, something flagged (or a rule example failed); 2 = error."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Screen a CSV/TSV/JSON Lines file (or stdin) and write one result per row.
    Classify(ClassifyArgs),
    /// Explain, for one line, which rules fired and why.
    Explain(ExplainArgs),
    /// List, check or test the rule sets.
    Rules {
        #[command(subcommand)]
        cmd: RulesCmd,
    },
    /// Precision and recall per category on a labelled CSV (`expected` column).
    Eval(EvalArgs),
}

#[derive(Args, Clone)]
struct RuleArgs {
    /// A rule file or folder of *.toml files, added to the built-in sets (a set with the same id replaces the built-in one). Repeatable.
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<String>,
    /// Do not load the built-in rule sets.
    #[arg(long)]
    no_builtin: bool,
    /// Keep only these rule sets (by id). Repeatable.
    #[arg(long = "ruleset", value_name = "ID")]
    rulesets: Vec<String>,
    /// Keep only rules of these categories. Repeatable.
    #[arg(long = "category", value_name = "CATEGORY")]
    categories: Vec<String>,
    /// Keep only rules of at least this severity (info, low, medium, high, critical).
    #[arg(long, value_name = "SEVERITY")]
    min_severity: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutFmt {
    Csv,
    Jsonl,
}

#[derive(Clone, Copy, ValueEnum)]
enum InFmt {
    Csv,
    Tsv,
    Jsonl,
    /// An Excel workbook (detected by content without this flag).
    Xlsx,
    /// A Parquet file, with the `arrow` feature (detected by content without this flag).
    Parquet,
}

#[derive(Args)]
struct ClassifyArgs {
    /// Input path, or `-` for standard input. gzip, zstd, .xlsx and Parquet are recognised by content.
    #[arg(default_value = "-")]
    input: String,
    /// Output format (default: jsonl for JSON Lines input, else csv).
    #[arg(long, value_enum)]
    format: Option<OutFmt>,
    /// Input format (default: detected).
    #[arg(long, value_enum)]
    input_format: Option<InFmt>,
    /// Worksheet of an .xlsx input to read (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// CSV delimiter, one character (default: sniffed from the header among , ; tab |).
    #[arg(long)]
    delimiter: Option<String>,
    /// Input encoding: auto, utf-8, windows-1251, gb18030.
    #[arg(long, default_value = "auto")]
    encoding: String,
    /// Column with the declared HS code (name, or #N for the N-th column).
    #[arg(long)]
    hs_column: Option<String>,
    /// Column with the goods description (name, or #N).
    #[arg(long)]
    text_column: Option<String>,
    /// Column with a row id to carry into the output (name, or #N).
    #[arg(long)]
    id_column: Option<String>,
    /// Write only flagged rows (rejected rows are always written).
    #[arg(long)]
    hits_only: bool,
    /// Write results here instead of stdout (written to a temporary file and renamed when complete).
    #[arg(long, short)]
    output: Option<String>,
    /// Also write the run summary as JSON to this file.
    #[arg(long)]
    summary: Option<String>,
    /// No progress bar and no summary on stderr.
    #[arg(long, short)]
    quiet: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Rows per chunk handed to the workers.
    #[arg(long, default_value_t = 2048)]
    chunk_rows: usize,
    /// Limit on the decompressed size of compressed input, in bytes.
    #[arg(long, default_value_t = input::limits::MAX_DECOMPRESSED_BYTES)]
    max_decompressed_bytes: u64,
    #[command(flatten)]
    rules: RuleArgs,
}

#[derive(Args)]
struct ExplainArgs {
    /// The goods description.
    text: String,
    /// The declared HS code.
    #[arg(long)]
    hs: Option<String>,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rules: RuleArgs,
}

#[derive(Subcommand)]
enum RulesCmd {
    /// List rule sets and rules, with counts per category.
    List {
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Check rule files and print every diagnostic.
    Check {
        /// Output format: text or json.
        #[arg(long, default_value = "text")]
        format: String,
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Run every rule's examples and counterexamples.
    Test {
        #[command(flatten)]
        rules: RuleArgs,
    },
}

#[derive(Args)]
struct EvalArgs {
    /// Labelled CSV with columns id, hs_code, description, expected (and optionally note, chpl_tier).
    input: String,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
    /// Do not list false positives and false negatives.
    #[arg(long)]
    no_confusion: bool,
    #[command(flatten)]
    rules: RuleArgs,
}

/// Runs the command line and returns the exit status.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let res = match cli.cmd {
        Cmd::Classify(a) => classify(a),
        Cmd::Explain(a) => explain(a),
        Cmd::Rules { cmd } => rules(cmd),
        Cmd::Eval(a) => eval(a),
    };
    match res {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return 0;
            }
            report(&e);
            2
        }
    }
}

fn is_broken_pipe(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}

fn report(e: &Error) {
    if let ErrorKind::Rules(diags) = e.kind() {
        for d in diags {
            eprint!("{}", d.render());
        }
        eprintln!("error: {} problem(s) in the rule files", diags.len());
    } else {
        eprintln!("error: {e}");
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            eprintln!("  caused by: {s}");
            src = s.source();
        }
    }
}

fn load(a: &RuleArgs) -> Result<Classifier, Error> {
    let mut sources = if a.no_builtin {
        RuleSources::empty()
    } else {
        RuleSources::builtin()
    };
    for p in &a.rules {
        sources.add_path(p)?;
    }
    let mut b = ClassifierBuilder::new();
    if !a.rulesets.is_empty() {
        b.rulesets(a.rulesets.iter().cloned());
    }
    if !a.categories.is_empty() {
        let mut cats = Vec::new();
        for c in &a.categories {
            cats.push(c.parse::<Category>().map_err(config)?);
        }
        b.categories(cats);
    }
    if let Some(s) = &a.min_severity {
        b.min_severity(s.parse::<Severity>().map_err(config)?);
    }
    b.build(&sources)
}

fn config(msg: String) -> Error {
    ErrorKind::Config(msg).into()
}

fn io_err(ctx: &str) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| {
        ErrorKind::Io {
            context: ctx.to_string(),
            source: e,
        }
        .into()
    }
}

/// Writes to a temporary file beside the target, renamed into place on success,
/// so that a run killed midway never leaves an output that looks complete.
struct AtomicFile {
    tmp: std::path::PathBuf,
    target: std::path::PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    fn create(target: &str) -> Result<AtomicFile, Error> {
        let target = std::path::PathBuf::from(target);
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let tmp = target.with_file_name(format!(".{name}.dualuse-{}.tmp", std::process::id()));
        let file = std::fs::File::create(&tmp).map_err(io_err("creating output"))?;
        Ok(AtomicFile {
            tmp,
            target,
            file: Some(std::io::BufWriter::with_capacity(1 << 20, file)),
        })
    }

    fn commit(mut self) -> Result<(), Error> {
        if let Some(f) = self.file.take() {
            let f = f
                .into_inner()
                .map_err(|e| io_err("writing output")(e.into_error()))?;
            f.sync_all().map_err(io_err("writing output"))?;
        }
        std::fs::rename(&self.tmp, &self.target).map_err(io_err("renaming output"))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.as_mut().map_or(Ok(0), |f| f.write(buf))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_mut().map_or(Ok(()), |f| f.flush())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn classify(a: ClassifyArgs) -> Result<i32, Error> {
    if let Some(t) = a.threads {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(t.max(1))
            .build_global();
    }
    let clf = load(&a.rules)?;
    let delimiter = match &a.delimiter {
        None => None,
        Some(d) if d == "\\t" || d == "tab" => Some(b'\t'),
        Some(d) if d.len() == 1 => Some(d.as_bytes()[0]),
        Some(d) => {
            return Err(config(format!(
                "--delimiter must be one ASCII character, not `{d}`"
            )))
        }
    };
    let opts = InputOptions {
        format: match a.input_format {
            None => None,
            Some(InFmt::Csv) => Some(Format::Csv {
                delimiter: delimiter.unwrap_or(b','),
            }),
            Some(InFmt::Tsv) => Some(Format::Csv { delimiter: b'\t' }),
            Some(InFmt::Jsonl) => Some(Format::Jsonl),
            Some(InFmt::Xlsx) => Some(Format::Xlsx),
            Some(InFmt::Parquet) => Some(Format::Parquet),
        },
        delimiter: if matches!(a.input_format, Some(InFmt::Tsv)) {
            Some(b'\t')
        } else {
            delimiter
        },
        encoding: a.encoding.parse::<Encoding>().map_err(config)?,
        max_decompressed_bytes: a.max_decompressed_bytes,
        sheet: a.sheet.clone(),
        ..InputOptions::default()
    };
    let reader = RowReader::open(&a.input, &opts)?;
    let headers = reader.headers().to_vec();
    let hs = input::find_column(&headers, a.hs_column.as_deref(), input::HS_NAMES)?;
    let text = match input::find_column(&headers, a.text_column.as_deref(), input::TEXT_NAMES)? {
        Some(t) => t,
        None if headers.is_empty() => 0,
        None => {
            return Err(config(format!(
                "no description column found among: {} (name it with --text-column)",
                headers.join(", ")
            )))
        }
    };
    let id = input::find_column(&headers, a.id_column.as_deref(), &[])?;
    let cols = Columns { hs, text, id };
    let format = match (a.format, reader.format()) {
        (Some(OutFmt::Csv), _) => OutputFormat::Csv,
        (Some(OutFmt::Jsonl), _) => OutputFormat::Jsonl,
        (None, Format::Jsonl) => OutputFormat::Jsonl,
        (None, Format::Csv { .. } | Format::Xlsx | Format::Parquet) => OutputFormat::Csv,
    };
    let sopts = ScreenOptions {
        format,
        hits_only: a.hits_only,
        chunk_rows: a.chunk_rows,
    };
    let total = if a.input == "-" {
        None
    } else {
        std::fs::metadata(&a.input).ok().map(|m| m.len())
    };
    let bar = if !a.quiet && std::io::stderr().is_terminal() {
        let pb = match total {
            Some(t) => indicatif::ProgressBar::new(t),
            None => indicatif::ProgressBar::new_spinner(),
        };
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta}) {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(pb)
    } else {
        None
    };
    let started = std::time::Instant::now();
    let mut progress = |p: batch::Progress| {
        if let Some(pb) = &bar {
            pb.set_position(p.bytes);
            let secs = started.elapsed().as_secs_f64().max(1e-9);
            pb.set_message(format!(
                "{} rows, {:.0} rows/s, {} flagged",
                p.rows,
                p.rows as f64 / secs,
                p.flagged
            ));
        }
    };
    let summary = match &a.output {
        Some(path) => {
            let mut f = AtomicFile::create(path)?;
            let s = batch::screen(&clf, reader, cols, &mut f, &sopts, &mut progress)?;
            f.commit()?;
            s
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            batch::screen(&clf, reader, cols, &mut out, &sopts, &mut progress)?
        }
    };
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    if let Some(p) = &a.summary {
        let mut v = serde_json::to_value(&summary).unwrap_or_default();
        if let serde_json::Value::Object(m) = &mut v {
            m.insert(
                "metadata".into(),
                serde_json::from_str::<serde_json::Value>(&batch::metadata_json(&clf))
                    .unwrap_or_default()["metadata"]
                    .clone(),
            );
        }
        std::fs::write(p, serde_json::to_string_pretty(&v).unwrap_or_default())
            .map_err(io_err("writing summary"))?;
    }
    if !a.quiet {
        print_summary(&summary);
    }
    Ok(if summary.rows_flagged > 0 { 1 } else { 0 })
}

fn print_summary(s: &batch::Summary) {
    let mut e = std::io::stderr().lock();
    let _ = writeln!(
        e,
        "dualuse: {} rows read, {} screened, {} flagged, {} rejected, {} misdeclared; {:.2} s, {:.0} rows/s, {:.1} MB/s",
        s.rows_read, s.rows_screened, s.rows_flagged, s.rows_rejected, s.rows_misdeclared,
        s.elapsed_s, s.rows_per_s, s.mb_per_s
    );
    if !s.per_category.is_empty() {
        let cats: Vec<String> = s
            .per_category
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let _ = writeln!(e, "  per category: {}", cats.join(", "));
    }
    if !s.per_rule.is_empty() {
        let mut rules: Vec<(&String, &u64)> = s.per_rule.iter().collect();
        rules.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = rules
            .iter()
            .take(10)
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let _ = writeln!(e, "  top rules: {}", top.join(", "));
    }
    for (row, byte, reason) in s.rejects.iter().take(10) {
        let _ = writeln!(e, "  rejected row {row} (byte {byte}): {reason}");
    }
    if s.rows_rejected > 10 {
        let _ = writeln!(
            e,
            "  ... {} rejected rows in all (see the output)",
            s.rows_rejected
        );
    }
}

fn explain(a: ExplainArgs) -> Result<i32, Error> {
    let clf = load(&a.rules)?;
    let r = clf.classify(a.hs.as_deref(), &a.text);
    let stdout = std::io::stdout();
    let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut o = stdout.lock();
    let w = io_err("writing output");
    if a.json {
        serde_json::to_writer_pretty(&mut o, &r).map_err(|e| w(e.into()))?;
        writeln!(o).map_err(&w)?;
        return Ok(if r.flagged() { 1 } else { 0 });
    }
    // The text with every matched span highlighted.
    let mut spans: Vec<(usize, usize)> = r
        .hits
        .iter()
        .flat_map(|h| h.evidence.iter())
        .filter_map(|e| Some((e.start?, e.end?)))
        .collect();
    spans.sort();
    let mut shown = String::new();
    let mut at = 0;
    for (s, e) in spans {
        if s < at || e > a.text.len() {
            continue;
        }
        shown.push_str(&a.text[at..s]);
        if color {
            shown.push_str(&format!("\x1b[1;31m{}\x1b[0m", &a.text[s..e]));
        } else {
            shown.push_str(&format!("[{}]", &a.text[s..e]));
        }
        at = e;
    }
    shown.push_str(&a.text[at..]);
    writeln!(o, "text:  {shown}").map_err(&w)?;
    let hs_line = match (&r.hs.digits, &r.hs.error, a.hs.as_deref()) {
        (Some(d), _, _) => format!(
            "{d} ({})",
            match r.hs.source {
                dualuse::HsSource::Declared => "declared",
                dualuse::HsSource::Description => "written in the description",
                dualuse::HsSource::None => "none",
            }
        ),
        (None, Some(e), Some(raw)) => format!("`{raw}` could not be read: {e}"),
        _ => "none".to_string(),
    };
    writeln!(o, "hs:    {hs_line}").map_err(&w)?;
    if r.hits.is_empty() {
        writeln!(o, "result: not flagged").map_err(&w)?;
    } else {
        let cats: Vec<&str> = r.categories.iter().map(|c| c.as_str()).collect();
        writeln!(o, "result: FLAGGED ({})", cats.join(", ")).map_err(&w)?;
    }
    let rules: Vec<&dualuse::RuleInfo> = clf.rules().collect();
    for h in &r.hits {
        let title = rules
            .iter()
            .find(|x| x.id == h.rule)
            .map(|x| x.title.as_str())
            .unwrap_or("");
        writeln!(o).map_err(&w)?;
        writeln!(
            o,
            "  [{}] {}  {}  basis={}  refs={}",
            h.severity,
            h.rule,
            h.category,
            h.basis,
            h.references.join(", ")
        )
        .map_err(&w)?;
        writeln!(o, "      {title}").map_err(&w)?;
        for e in &h.evidence {
            let kind = match e.kind {
                dualuse::EvidenceKind::HsPrefix => "hs prefix",
                dualuse::EvidenceKind::Term => "term",
                dualuse::EvidenceKind::Pattern => "pattern",
                dualuse::EvidenceKind::Parameter => "parameter",
            };
            let at = match (e.start, e.end) {
                (Some(s), Some(en)) => format!(" at bytes {s}..{en}"),
                _ => String::new(),
            };
            let val = match (e.value, e.unit) {
                (Some(v), Some(u)) => format!(" = {v} {u}"),
                (Some(v), None) => format!(" = {v}"),
                _ => String::new(),
            };
            writeln!(
                o,
                "      {kind} `{}` matched \"{}\"{at}{val}",
                e.rule_part, e.text
            )
            .map_err(&w)?;
        }
    }
    for v in &r.vetoed {
        writeln!(
            o,
            "\n  vetoed: {} ({}) by exclusion `{}` matching \"{}\"",
            v.rule, v.category, v.by.rule_part, v.by.text
        )
        .map_err(&w)?;
    }
    for m in &r.misdeclarations {
        writeln!(
            o,
            "\n  MISDECLARATION: the description names {} goods, but {} lies outside their usual headings ({})",
            m.category,
            m.hs,
            m.expected.join(", ")
        )
        .map_err(&w)?;
    }
    if !r.hs.in_text.is_empty() {
        for c in &r.hs.in_text {
            writeln!(
                o,
                "\n  code in description: {} at bytes {}..{}",
                c.digits, c.start, c.end
            )
            .map_err(&w)?;
        }
    }
    Ok(if r.flagged() { 1 } else { 0 })
}

fn rules(cmd: RulesCmd) -> Result<i32, Error> {
    match cmd {
        RulesCmd::List { rules } => {
            let clf = load(&rules)?;
            let mut o = std::io::stdout().lock();
            let w = io_err("writing output");
            writeln!(o, "rules hash: {}", clf.hash()).map_err(&w)?;
            writeln!(o, "compiled: {clf:?}").map_err(&w)?;
            for s in clf.rulesets() {
                writeln!(
                    o,
                    "ruleset {} {} ({} rules) — {} [{}]",
                    s.id, s.version, s.rules, s.title, s.origin
                )
                .map_err(&w)?;
            }
            let mut per = [0usize; 10];
            writeln!(o).map_err(&w)?;
            for r in clf.rules() {
                per[r.category.index()] += 1;
                writeln!(
                    o,
                    "{:<40} {:<21} {:<8} {:<6} {}",
                    r.id,
                    r.category.as_str(),
                    r.severity.as_str(),
                    format!("{:?}", r.requires).to_lowercase(),
                    r.references.join(",")
                )
                .map_err(&w)?;
            }
            writeln!(o).map_err(&w)?;
            for c in Category::ALL {
                writeln!(o, "{:<21} {}", c.as_str(), per[c.index()]).map_err(&w)?;
            }
            writeln!(o, "{:<21} {}", "total", clf.rules().len()).map_err(&w)?;
            Ok(0)
        }
        RulesCmd::Check { format, rules } => match load(&rules) {
            Ok(clf) => {
                if format == "json" {
                    println!("[]");
                } else {
                    println!(
                        "ok: {} rule sets, {} rules, no problems",
                        clf.rulesets().len(),
                        clf.rules().len()
                    );
                }
                Ok(0)
            }
            Err(e) => match e.kind() {
                ErrorKind::Rules(d) if format == "json" => {
                    println!("{}", serde_json::to_string_pretty(d).unwrap_or_default());
                    Ok(2)
                }
                _ => Err(e),
            },
        },
        RulesCmd::Test { rules } => {
            let clf = load(&rules)?;
            let mut o = std::io::stdout().lock();
            let w = io_err("writing output");
            let (pass, failures) = clf.check_examples();
            for f in &failures {
                writeln!(o, "FAILED {f}").map_err(&w)?;
            }
            writeln!(o, "rules: {pass} passed, {} failed", failures.len()).map_err(&w)?;
            Ok(if failures.is_empty() { 0 } else { 1 })
        }
    }
}

fn eval(a: EvalArgs) -> Result<i32, Error> {
    let clf = load(&a.rules)?;
    let report = dualuse::eval::evaluate_file(&clf, &a.input)?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        print!("{}", report.render(!a.no_confusion));
    }
    Ok(0)
}
