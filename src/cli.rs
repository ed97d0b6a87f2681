//! The command line: argument parsing (clap derive), turning arguments into a
//! scan plan, and writing reports where they were asked to go. Owns exit
//! codes and the console (colour, progress); never judges anything.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::catalog::catalog;
use crate::clock::Date;
use crate::facts::LoadOptions;
use crate::outcome::Severity;
use crate::policy;
use crate::report::escape::escape;
use crate::report::{self, Format};
use crate::rules;
use crate::scan::{self, Plan, TargetError};
use crate::target::{Target, TargetKind};

const EXAMPLES: &str = "\
Examples:
  rampart scan                          scan the deployment repo in this directory
  rampart scan deploy/prod --policy cht-production
  rampart scan --host                   audit this machine (run as root for full evidence)
  rampart scan --root /mnt/backup       audit a mounted image or backup
  rampart scan --tls cht.example.org --tls '[2001:db8::1]:8443'
  rampart scan --sarif rampart.sarif --json rampart.json --fail-on high
  rampart scan --env production=deploy/prod --env uat=deploy/uat --env dev=deploy/dev
  rampart rules --pack open-ports
  rampart explain PORT-002
  rampart policy show cht-production";

#[derive(Debug, Parser)]
#[command(
    name = "rampart",
    version,
    about = "Security and privacy compliance scanner for CHT hosting",
    long_about = "rampart checks Community Health Toolkit deployments against security and \
privacy rules: disk encryption, passwords, token login, open ports, TLS and environment \
segregation. It reads deployment repos, the live host or an offline root, and writes \
text, versioned JSON and SARIF 2.1.0 for GitHub code scanning.",
    after_help = EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan config trees, this host, an offline root or live TLS endpoints.
    #[command(after_help = EXAMPLES)]
    Scan(Box<ScanArgs>),
    /// List the rule catalogue.
    Rules(RulesArgs),
    /// Print a rule's documentation.
    Explain {
        /// A rule id (PORT-002) or its name (internal-service-port-exposed).
        rule: String,
    },
    /// Show or check policies.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Compare two JSON reports: new failures (regressions) first, then
    /// fixed ones. Exit 0 no regression, 1 a regression, 2 an error.
    Diff {
        /// The earlier JSON report (`--json` of a previous scan).
        #[arg(value_name = "OLD.json")]
        old: PathBuf,
        /// The later JSON report.
        #[arg(value_name = "NEW.json")]
        new: PathBuf,
    },
    /// Print the JSON Schema of the JSON report (schema_version 1).
    Schema,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), generated from the command line definition.
    Man,
    /// Re-render saved JSON reports without rescanning: one host's, or many
    /// hosts' merged into a fleet report.
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// JSON reports written by `rampart scan --format json` (any hosts, any times).
    #[arg(value_name = "REPORT.json", required = true)]
    pub files: Vec<PathBuf>,
    /// Output format. One report renders as that scan's report would (text,
    /// JSON, SARIF, GitHub annotations, HTML); several as a fleet report
    /// (text, JSON, HTML).
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Flag reports older than this many days before the newest.
    #[arg(long, value_name = "DAYS", default_value_t = crate::report::fleet::DEFAULT_MAX_AGE_DAYS)]
    pub max_age_days: i64,
    /// Always render a fleet report, even of one input.
    #[arg(long)]
    pub fleet: bool,
    /// Also write the Markdown summary of the one report to FILE (for
    /// `$GITHUB_STEP_SUMMARY`).
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Put NAME in every SARIF run's category (as `scan --sarif-category`).
    #[arg(long, value_name = "NAME")]
    pub sarif_category: Option<String>,
    /// Waived findings in SARIF: left out (default) or included as suppressed.
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = SarifWaived::Exclude)]
    pub sarif_waived: SarifWaived,
    /// JSON on one line (one record per report, for log collectors).
    #[arg(long)]
    pub compact: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Sarif,
    /// GitHub Actions workflow commands (one report only).
    Github,
    Html,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print the effective policy (built-in name or file; default: baseline).
    Show {
        #[arg(value_name = "NAME|FILE")]
        policy: Option<String>,
    },
    /// Validate a policy file; problems are printed with file and line.
    Check {
        #[arg(value_name = "FILE")]
        file: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Info,
    Low,
    Medium,
    High,
    Critical,
    Never,
}

impl FailOn {
    fn severity(self) -> Option<Severity> {
        match self {
            FailOn::Info => Some(Severity::Info),
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
            FailOn::Never => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SarifWaived {
    Exclude,
    Include,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Config trees (deployment repos, config folders) or single files to scan.
    /// Default: `.` when no other target is given.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Audit this machine (root `/`): sockets, disks, accounts, sshd, CHT install.
    #[arg(long)]
    pub host: bool,
    /// Audit an offline root (a mounted image, a backup, a fixture) like a host.
    #[arg(long, value_name = "DIR")]
    pub root: Vec<PathBuf>,
    /// A config tree of one environment (repeatable): `--env production=deploy/prod
    /// --env uat=deploy/uat`. Environments are compared with each other.
    #[arg(long = "env", value_name = "NAME=PATH", value_parser = parse_env_arg)]
    pub envs: Vec<(String, PathBuf)>,
    /// The environment of the --host / --root targets (e.g. production).
    #[arg(long, value_name = "NAME", value_parser = parse_env_label)]
    pub env_label: Option<String>,
    /// Probe a live TLS endpoint: HOST[:PORT] (default port 443; IPv6 as
    /// [ADDR]:PORT). Repeatable. SNI is the host name.
    #[arg(long, value_name = "HOST[:PORT]")]
    pub tls: Vec<String>,
    /// Probe the TLS endpoints listed in FILE (one per line, `#` comments).
    #[arg(long, value_name = "FILE")]
    pub tls_file: Vec<PathBuf>,
    /// Trust the CA certificates in this PEM file (a private CA) instead of
    /// the built-in webpki (Mozilla) roots.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Seconds to wait for each TLS connection and each reply.
    #[arg(long, value_name = "SECS", default_value_t = crate::probe::DEFAULT_CONNECT_TIMEOUT_SECS)]
    pub connect_timeout: u64,
    /// Seconds one endpoint's whole probe may take; a dead or stalling host
    /// never holds the scan longer.
    #[arg(long, value_name = "SECS", default_value_t = crate::probe::DEFAULT_DEADLINE_SECS)]
    pub tls_deadline: u64,
    /// Look up these domains' registrations over RDAP (RENEW-002); each
    /// name is reduced to its registrable domain. Repeatable. Network: only
    /// the RDAP servers are contacted.
    #[arg(long, value_name = "NAME", num_args = 1..)]
    pub domains: Vec<String>,
    /// Also look up the registrations of the --tls endpoints' host names and
    /// of the production instances found in the scanned files (`app_url`,
    /// `COMMON_NAME`, ingress hosts; files of no known environment count).
    #[arg(long)]
    pub check_domains: bool,
    /// The RDAP server to ask for every domain (a private registry, a test
    /// server), instead of rampart's bootstrap of common TLDs.
    #[arg(long, value_name = "URL")]
    pub rdap_url: Option<String>,
    /// Port asked for the HTTP→HTTPS redirect (TLS-010); 0 skips that check.
    #[arg(long, value_name = "PORT", default_value_t = 80)]
    pub http_port: u16,
    /// A built-in policy (baseline, cht-production, cht-development) or a TOML file.
    #[arg(long, value_name = "NAME|FILE")]
    pub policy: Option<String>,
    /// Format of the report on standard output (or in --output).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the --format report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// JSON reports (--format json, --json) on one line: one record per
    /// scan, for log collectors that read a line as a record.
    #[arg(long)]
    pub compact: bool,
    /// Also write the SARIF report to FILE (for GitHub code scanning).
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// SARIF URIs are relative to DIR (default: the repository root of each
    /// scanned tree, found by walking up to `.git`; else the current
    /// directory). A file outside DIR is an error.
    #[arg(long, value_name = "DIR")]
    pub sarif_root: Option<PathBuf>,
    /// Put NAME in every SARIF run's category (automationDetails.id), so CI
    /// jobs scanning different trees do not close each other's alerts.
    #[arg(long, value_name = "NAME")]
    pub sarif_category: Option<String>,
    /// Exit 1 when a failure is at or above this severity (overrides the policy).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// A previous JSON report: each failure is marked `new` or `unchanged`
    /// (JSON `baseline_state`, text, SARIF `baselineState`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// With --baseline: exit 1 only for new failures at or above fail-on.
    #[arg(long, requires = "baseline")]
    pub fail_on_new: bool,
    /// Waived findings in SARIF: left out (default; GitHub ignores
    /// `suppressions` and would open them as alerts) or included as
    /// suppressed results.
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = SarifWaived::Exclude)]
    pub sarif_waived: SarifWaived,
    /// Also write a Markdown summary to FILE (for `$GITHUB_STEP_SUMMARY`).
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Do not look for `.rampart.toml` / `.github/rampart.toml`.
    #[arg(long)]
    pub no_config: bool,
    /// Only errors on standard error: no warnings, notes or progress.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Run only these rules: ids, packs or id prefixes, comma-separated (replaces
    /// the policy's selection).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub select: Vec<String>,
    /// Skip these rules: ids, packs or id prefixes, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub ignore: Vec<String>,
    /// Worker threads (default: one per core; at most 4 per core, and 256).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Colour in the text report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Skip config files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = crate::target::root::DEFAULT_FILE_CAP)]
    pub max_file_size: u64,
    /// Leave out files the tree's `.gitignore` files ignore. Off by default:
    /// `.env` files are git-ignored and are exactly what must be checked.
    #[arg(long)]
    pub respect_gitignore: bool,
    /// Evaluate as of this date (YYYY-MM-DD) instead of today: waiver expiry,
    /// certificate windows. For reproducible reports and tests.
    #[arg(long, value_name = "DATE", hide = true)]
    pub today: Option<String>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Only this pack.
    #[arg(long, value_name = "PACK")]
    pub pack: Option<String>,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

fn parse_env_label(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(format!(
            "{s:?} is not an environment name (letters, digits, - _ .)"
        ))
    }
}

fn parse_env_arg(s: &str) -> Result<(String, PathBuf), String> {
    let (name, path) = s
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=PATH, got {s:?}"))?;
    if path.is_empty() {
        return Err(format!("no path for environment {name:?}"));
    }
    Ok((parse_env_label(name)?, PathBuf::from(path)))
}

/// Runs the command line; the process exit code.
pub fn main() -> ExitCode {
    crate::timings::mark("process start");
    let cli = Cli::parse();
    let result = run(cli);
    crate::timings::mark("exit");
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            error(&format!("{e:#}"));
            ExitCode::from(2)
        }
    }
}

/// An error on standard error (escaped: it may name scanned paths).
fn error(text: &str) {
    let _ = writeln!(io::stderr(), "rampart: error: {}", escape(text));
}

/// A warning on standard error, unless `--quiet`.
fn warning(quiet: bool, text: &str) {
    if !quiet {
        let _ = writeln!(io::stderr(), "rampart: warning: {}", escape(text));
    }
}

/// A note on standard error, unless `--quiet`.
fn note(quiet: bool, text: &str) {
    if !quiet {
        let _ = writeln!(io::stderr(), "rampart: {}", escape(text));
    }
}

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Scan(args) => scan_command(*args),
        Command::Rules(args) => rules_command(&args),
        Command::Explain { rule } => explain_command(&rule),
        Command::Report(args) => report_command(&args),
        Command::Policy(PolicyCommand::Show { policy }) => {
            let p = policy::load(policy.as_deref()).map_err(|e| anyhow::anyhow!("{e}"))?;
            write_stdout(&p.to_toml())?;
            Ok(0)
        }
        Command::Policy(PolicyCommand::Check { file }) => {
            if !Path::new(&file).is_file() {
                bail!("{file}: no such file");
            }
            match policy::load(Some(&file)) {
                Ok(p) => {
                    write_stdout(&format!(
                        "{file}: ok — policy {} ({}), {} rules selected, {} waivers, fails on {}\n",
                        p.name,
                        p.origin,
                        p.selected.len(),
                        p.waivers.len(),
                        p.fail_on.map_or("never", |s| s.as_str())
                    ))?;
                    Ok(0)
                }
                Err(e) => {
                    let mut err = io::stderr().lock();
                    for p in &e.problems {
                        let _ = writeln!(err, "{}", escape(&p.to_string()));
                    }
                    let _ = writeln!(
                        err,
                        "{file}: {} problem{}",
                        e.problems.len(),
                        if e.problems.len() == 1 { "" } else { "s" }
                    );
                    Ok(2)
                }
            }
        }
        Command::Diff { old, new } => {
            let old = report::baseline::read_failures(&old)?;
            let new = report::baseline::read_failures(&new)?;
            let (text, code) = report::baseline::diff(&old, &new);
            write_stdout(&text)?;
            Ok(code)
        }
        Command::Schema => {
            write_stdout(report::json::SCHEMA)?;
            Ok(0)
        }
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "rampart", &mut buf);
            write_stdout(&String::from_utf8_lossy(&buf))?;
            Ok(0)
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
            write_stdout(&String::from_utf8_lossy(&buf))?;
            Ok(0)
        }
    }
}

/// `rampart report`: reads every input (in parallel; a fleet can be a
/// thousand hosts), then renders one report or the fleet.
fn report_command(args: &ReportArgs) -> anyhow::Result<u8> {
    use rayon::prelude::*;

    use crate::report::fleet::{self, Fleet, Input};
    use crate::report::wire::WireReport;

    let read: Vec<Result<Input, String>> = args
        .files
        .par_iter()
        .map(|f| {
            WireReport::read(f)
                .map(|report| Input {
                    file: display_path(f),
                    report,
                })
                .map_err(|e| e.to_string())
        })
        .collect();
    let mut inputs = Vec::with_capacity(read.len());
    let mut failed = false;
    for r in read {
        match r {
            Ok(i) => inputs.push(i),
            Err(e) => {
                failed = true;
                let _ = writeln!(io::stderr(), "rampart: error: {e}");
            }
        }
    }
    if inputs.is_empty() {
        bail!("no report could be read");
    }
    let single = inputs.len() == 1 && !args.fleet;
    if !single && args.summary.is_some() {
        bail!("--summary renders one report; a fleet renders as text, json or html");
    }
    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let width = if to_terminal {
        terminal_size::terminal_size()
            .map_or(report::text::DEFAULT_WIDTH, |(w, _)| usize::from(w.0))
    } else {
        report::text::DEFAULT_WIDTH
    };
    let text = if single {
        let wire = &inputs[0].report;
        let rebuilt = report::rebuild::rebuild(wire);
        for w in &rebuilt.warnings {
            warning(false, &format!("{}: {w}", inputs[0].file));
        }
        let one = &rebuilt.report;
        if let Some(path) = &args.summary {
            std::fs::write(path, report::summary::render(one)).map_err(|e| {
                anyhow::anyhow!(
                    "--summary {}: cannot write: {}",
                    path.display(),
                    io_message(&e)
                )
            })?;
        }
        match args.format {
            ReportFormat::Text => {
                let color =
                    to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
                report::text::render_width(one, report::text::Style { color }, width)
            }
            ReportFormat::Json if args.compact => report::json::render_compact(one),
            ReportFormat::Json => report::json::render(one),
            ReportFormat::Sarif => {
                let (text, warnings) = report::sarif::render_checked(
                    one,
                    &report::sarif::Options {
                        category: args.sarif_category.as_deref(),
                        include_waived: args.sarif_waived == SarifWaived::Include,
                    },
                );
                for w in warnings {
                    warning(false, &w);
                }
                text
            }
            ReportFormat::Github => report::github::render(one),
            ReportFormat::Html => report::html::render_report(wire),
        }
    } else {
        let fleet = Fleet::build(&inputs, args.max_age_days);
        match args.format {
            ReportFormat::Text => fleet::render_text_width(&fleet, width),
            ReportFormat::Json if args.compact => {
                let v: serde_json::Value = serde_json::from_str(&fleet::render_json(&fleet))
                    .expect("the fleet JSON parses");
                format!("{v}\n")
            }
            ReportFormat::Json => fleet::render_json(&fleet),
            ReportFormat::Html => report::html::render_fleet(&fleet),
            ReportFormat::Sarif | ReportFormat::Github => bail!(
                "--format {} renders one report; a fleet renders as text, json or html",
                if args.format == ReportFormat::Sarif {
                    "sarif"
                } else {
                    "github"
                }
            ),
        }
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => write_stdout(&text)?,
    }
    Ok(if failed { 2 } else { 0 })
}

/// A report to write: rendered text, or the JSON report, serialised as it
/// is written.
enum Output<'r> {
    Text(String),
    Json {
        report: &'r scan::Report,
        compact: bool,
    },
}

impl Output<'_> {
    fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        match self {
            Output::Text(text) => w.write_all(text.as_bytes()),
            Output::Json { report, compact } => report::json::write(report, *compact, w),
        }
    }
}

/// Writes to standard output. A closed pipe (`| head`) is not an error:
/// the exit code stays the one the findings decide.
fn write_stdout(text: &str) -> io::Result<()> {
    to_stdout(|w| w.write_all(text.as_bytes()))
}

/// Runs `write` on buffered standard output, with [`write_stdout`]'s
/// handling of a closed pipe.
fn to_stdout(
    write: impl FnOnce(&mut io::BufWriter<io::StdoutLock>) -> io::Result<()>,
) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

fn rules_command(args: &RulesArgs) -> anyhow::Result<u8> {
    let cat = catalog();
    if let Some(p) = &args.pack
        && !cat.packs().contains(&p.as_str())
    {
        bail!("unknown pack {p:?} (packs: {})", cat.packs().join(", "));
    }
    let rules: Vec<_> = cat
        .all()
        .iter()
        .filter(|r| args.pack.as_ref().is_none_or(|p| &r.pack == p))
        .collect();
    let text = match args.format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = rules
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "name": r.name,
                        "pack": r.pack,
                        "severity": r.severity.as_str(),
                        "inputs": r.inputs.iter().map(|i| i.as_str()).collect::<Vec<_>>(),
                        "summary": r.summary,
                        "references": r.references,
                        "help_uri": r.help_uri(),
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&list)?;
            s.push('\n');
            s
        }
        ListFormat::Text => {
            let mut s = String::new();
            for r in rules {
                let inputs: Vec<&str> = r.inputs.iter().map(|i| i.as_str()).collect();
                s.push_str(&format!(
                    "{:<10} {:<9} {:<16} {:<44} {}\n",
                    r.id,
                    r.severity.as_str(),
                    r.pack,
                    r.name,
                    inputs.join(",")
                ));
                s.push_str(&format!("{:<10} {}\n", "", r.summary));
            }
            s
        }
    };
    write_stdout(&text)?;
    Ok(0)
}

fn explain_command(id: &str) -> anyhow::Result<u8> {
    let cat = catalog();
    let by_name = cat
        .all()
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(id.trim()));
    let Some(r) = cat.get(&id.trim().to_ascii_uppercase()).or(by_name) else {
        let close: Vec<&str> = cat
            .all()
            .iter()
            .map(|r| r.id.as_str())
            .filter(|r| r.split('-').next() == id.to_ascii_uppercase().split('-').next())
            .collect();
        if close.is_empty() {
            bail!("no rule {id} (see `rampart rules`)");
        }
        bail!("no rule {id}; rules of that pack: {}", close.join(", "));
    };
    let inputs: Vec<&str> = r.inputs.iter().map(|i| i.as_str()).collect();
    let mut text = format!(
        "{} {}\npack: {} · default severity: {} · inputs: {}\n",
        r.id,
        r.name,
        r.pack,
        r.severity,
        inputs.join(", ")
    );
    if !r.references.is_empty() {
        text.push_str(&format!("references: {}\n", r.references.join(", ")));
    }
    text.push('\n');
    // The page opens with its own `# ID name` title: printed once, above.
    let body = r.body.trim_start();
    let body = match body.split_once('\n') {
        Some((first, rest)) if first.starts_with('#') && first.contains(&r.id) => {
            rest.trim_start_matches('\n')
        }
        _ => body,
    };
    text.push_str(body);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    write_stdout(&text)?;
    Ok(0)
}

/// Turns the display form of a path the way ripgrep prints it.
fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    let trimmed = s.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    }
}

/// The directory SARIF URIs of a tree are relative to: `--sarif-root`, else
/// the repository root of the tree (the nearest directory upwards holding
/// `.git`), else the current directory when the tree is inside it, else the
/// tree itself.
fn sarif_root_for(tree: &Path, given: Option<&Path>) -> PathBuf {
    if let Some(d) = given {
        return d.to_path_buf();
    }
    let abs = std::fs::canonicalize(tree).unwrap_or_else(|_| tree.to_path_buf());
    let dir = if abs.is_file() {
        abs.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        abs.clone()
    };
    if let Some(repo) = dir.ancestors().find(|d| d.join(".git").exists()) {
        return repo.to_path_buf();
    }
    match std::env::current_dir().and_then(std::fs::canonicalize) {
        Ok(cwd) if dir.starts_with(&cwd) => cwd,
        _ => dir,
    }
}

/// The targets, the targets that could not be opened, and the RDAP options
/// of `--check-domains`.
type Targets = (
    Vec<Target>,
    Vec<TargetError>,
    Option<std::sync::Arc<crate::rdap::RdapOptions>>,
);

fn build_targets(args: &ScanArgs) -> Targets {
    let mut targets = Vec::new();
    let mut errors = Vec::new();
    let mut trees: Vec<(PathBuf, String)> = args
        .paths
        .iter()
        .map(|p| (p.clone(), display_path(p)))
        .collect();
    if trees.is_empty()
        && !args.host
        && args.root.is_empty()
        && args.envs.is_empty()
        && args.tls.is_empty()
        && args.tls_file.is_empty()
        && args.domains.is_empty()
    {
        trees.push((PathBuf::from("."), String::new()));
    }
    let wants_sarif = args.sarif.is_some() || args.format == Format::Sarif;
    for (path, display) in trees {
        let sarif_root = sarif_root_for(&path, args.sarif_root.as_deref());
        if wants_sarif && let Some(e) = outside_sarif_root(&path, &sarif_root) {
            errors.push(TargetError {
                id: format!("tree:{}", if display.is_empty() { "." } else { &display }),
                kind: TargetKind::Tree,
                message: e,
            });
            continue;
        }
        match Target::tree(&path, &display, &sarif_root) {
            Ok(t) => targets.push(t),
            Err(e) => errors.push(TargetError {
                id: format!("tree:{}", if display.is_empty() { "." } else { &display }),
                kind: TargetKind::Tree,
                message: io_message(&e),
            }),
        }
    }
    for (label, path) in &args.envs {
        let display = display_path(path);
        let sarif_root = sarif_root_for(path, args.sarif_root.as_deref());
        if wants_sarif && let Some(e) = outside_sarif_root(path, &sarif_root) {
            errors.push(TargetError {
                id: format!("tree:{display}"),
                kind: TargetKind::Tree,
                message: e,
            });
            continue;
        }
        match Target::tree(path, &display, &sarif_root) {
            Ok(t) => targets.push(t.with_environment(label)),
            Err(e) => errors.push(TargetError {
                id: format!("tree:{display}"),
                kind: TargetKind::Tree,
                message: io_message(&e),
            }),
        }
    }
    let label = |t: Target| match &args.env_label {
        Some(l) => t.with_environment(l),
        None => t,
    };
    if args.host {
        match Target::host(Path::new("/"), "/", true).map(label) {
            Ok(t) => push_host(&mut targets, t),
            Err(e) => errors.push(TargetError {
                id: "host:".to_string(),
                kind: TargetKind::Host,
                message: io_message(&e),
            }),
        }
    }
    for dir in &args.root {
        let display = display_path(dir);
        match Target::host(dir, &display, false).map(label) {
            Ok(t) => push_host(&mut targets, t),
            Err(e) => errors.push(TargetError {
                id: format!("root:{display}"),
                kind: TargetKind::Host,
                message: io_message(&e),
            }),
        }
    }
    tls_targets(args, &mut targets, &mut errors);
    let check_domains = domain_targets(args, &mut targets, &mut errors);
    (targets, errors, check_domains)
}

/// Why a tree cannot be given SARIF URIs under `root` (it lies outside it).
fn outside_sarif_root(tree: &Path, root: &Path) -> Option<String> {
    let abs = std::fs::canonicalize(tree).ok()?;
    let root_abs = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    if abs.starts_with(&root_abs) {
        return None;
    }
    Some(format!(
        "outside the SARIF root {}: SARIF URIs must not start with `../`; give --sarif-root a directory that holds it",
        root.display()
    ))
}

/// The registrable domains of `--domains` (and, with `--check-domains`, of
/// the TLS endpoints' host names), one target each; with `--check-domains`,
/// the RDAP options the scan engine uses for the domains of the instances
/// it finds in the files.
fn domain_targets(
    args: &ScanArgs,
    targets: &mut Vec<Target>,
    errors: &mut Vec<TargetError>,
) -> Option<std::sync::Arc<crate::rdap::RdapOptions>> {
    let mut names: Vec<String> = args.domains.clone();
    if args.check_domains {
        names.extend(
            targets
                .iter()
                .filter_map(|t| t.tls_source())
                .filter(|s| !s.endpoint.is_ip())
                .map(|s| s.endpoint.host.clone()),
        );
    }
    if names.is_empty() && !args.check_domains {
        return None;
    }
    let roots = match crate::probe::ProbeOptions::new(
        args.ca_file.as_deref(),
        std::time::Duration::from_secs(1),
        std::time::Duration::from_secs(1),
        None,
    ) {
        Ok(o) => o.roots,
        Err(e) => {
            errors.push(TargetError {
                id: "domain:".to_string(),
                kind: TargetKind::Domain,
                message: e,
            });
            return None;
        }
    };
    let options = std::sync::Arc::new(crate::rdap::RdapOptions {
        connect_timeout: std::time::Duration::from_secs(args.connect_timeout.max(1)),
        deadline: std::time::Duration::from_secs(args.tls_deadline.max(1)),
        roots,
        base_url: args.rdap_url.clone(),
    });
    let mut by_domain: std::collections::BTreeMap<String, Vec<String>> =
        std::collections::BTreeMap::new();
    for name in names {
        match crate::rdap::registrable(&name) {
            Ok(d) => {
                let from = by_domain.entry(d).or_default();
                if !from.contains(&name) {
                    from.push(name);
                }
            }
            Err(e) => errors.push(TargetError {
                id: format!("domain:{name}"),
                kind: TargetKind::Domain,
                message: e,
            }),
        }
    }
    for (domain, from) in by_domain {
        targets.push(Target::domain(domain, from, options.clone()));
    }
    args.check_domains.then_some(options)
}

/// The `--tls` and `--tls-file` endpoints, deduplicated, with one set of
/// probe options.
fn tls_targets(args: &ScanArgs, targets: &mut Vec<Target>, errors: &mut Vec<TargetError>) {
    let mut specs: Vec<(String, Option<String>)> =
        args.tls.iter().map(|s| (s.clone(), None)).collect();
    for file in &args.tls_file {
        match std::fs::read_to_string(file) {
            Ok(text) => {
                for (i, line) in text.lines().enumerate() {
                    let line = line.split('#').next().unwrap_or_default().trim();
                    if !line.is_empty() {
                        specs.push((
                            line.to_string(),
                            Some(format!("{}:{}", file.display(), i + 1)),
                        ));
                    }
                }
            }
            Err(e) => errors.push(TargetError {
                id: format!("tls-file:{}", file.display()),
                kind: TargetKind::Tls,
                message: io_message(&e),
            }),
        }
    }
    if specs.is_empty() {
        return;
    }
    let options = match crate::probe::ProbeOptions::new(
        args.ca_file.as_deref(),
        std::time::Duration::from_secs(args.connect_timeout.max(1)),
        std::time::Duration::from_secs(args.tls_deadline.max(1)),
        (args.http_port != 0).then_some(args.http_port),
    ) {
        Ok(o) => std::sync::Arc::new(o),
        Err(e) => {
            errors.push(TargetError {
                id: "tls:".to_string(),
                kind: TargetKind::Tls,
                message: e,
            });
            return;
        }
    };
    let mut seen = std::collections::BTreeSet::new();
    for (spec, origin) in specs {
        match crate::probe::Endpoint::parse(&spec) {
            Ok(ep) => {
                if seen.insert(ep.clone()) {
                    targets.push(Target::tls(ep, options.clone()));
                }
            }
            Err(e) => errors.push(TargetError {
                id: format!("tls:{spec}"),
                kind: TargetKind::Tls,
                message: match origin {
                    Some(o) => format!("{o}: {e}"),
                    None => e,
                },
            }),
        }
    }
}

/// A host target, then the tree target of the CHT installs found on it (in
/// the host's environment when the host was given one).
fn push_host(targets: &mut Vec<Target>, host: Target) {
    let mut cht = crate::target::cht_install::derived_tree(&host);
    if host.environment_explicit
        && let Some(label) = &host.environment
    {
        cht = cht.map(|t| t.with_environment(label));
    }
    targets.push(host);
    targets.extend(cht);
}

/// The host a report describes: its first host target's host name (an
/// offline root's from its `/etc/hostname`), else this machine's (a tree or
/// TLS scan ran here).
fn scanned_host_name(report: &scan::Report) -> String {
    report
        .targets
        .iter()
        .find(|t| t.kind == TargetKind::Host)
        .and_then(|t| t.category.strip_prefix("host/"))
        .map(str::to_string)
        .or_else(|| {
            nix::unistd::gethostname()
                .ok()
                .map(|h| h.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "localhost".to_string())
}

fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

fn select_rules(
    args: &ScanArgs,
    policy: &policy::Policy,
) -> anyhow::Result<Vec<&'static rules::Rule>> {
    let cat = catalog();
    let expand = |sels: &[String]| -> anyhow::Result<Vec<String>> {
        let mut ids = Vec::new();
        for s in sels.iter().filter(|s| !s.trim().is_empty()) {
            match cat.select(s) {
                Some(found) => ids.extend(found.into_iter().map(str::to_string)),
                None => bail!("unknown rule, pack or prefix {s:?} (see `rampart rules`)"),
            }
        }
        Ok(ids)
    };
    let mut selected: std::collections::BTreeSet<String> = if args.select.is_empty() {
        policy.selected.clone()
    } else {
        expand(&args.select)?.into_iter().collect()
    };
    for id in expand(&args.ignore)? {
        selected.remove(&id);
    }
    Ok(selected.iter().filter_map(|id| rules::find(id)).collect())
}

/// The most worker threads `--jobs` may start: 4 per core, at most 256.
fn max_jobs() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cores * 4).clamp(1, 256)
}

/// Why `path` cannot be written, checked before the scan: an existing file
/// must open for writing; a new one needs an existing, writable directory.
fn check_writable(path: &Path) -> Result<(), String> {
    match std::fs::OpenOptions::new().append(true).open(path) {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_message(&e)),
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(format!("directory {} does not exist", dir.display()));
    }
    nix::unistd::access(
        dir,
        nix::unistd::AccessFlags::W_OK | nix::unistd::AccessFlags::X_OK,
    )
    .map_err(|e| format!("directory {} is not writable ({e})", dir.display()))
}

/// The config file found for a scan: `.rampart.toml` or
/// `.github/rampart.toml` in the directory of the first tree (or the
/// current directory) or above it, up to the repository root.
fn discover_config(args: &ScanArgs) -> Option<PathBuf> {
    let start = args
        .paths
        .first()
        .or(args.envs.first().map(|(_, p)| p))
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let abs = std::fs::canonicalize(&start).ok()?;
    let dir = if abs.is_file() {
        abs.parent()?.to_path_buf()
    } else {
        abs
    };
    for d in dir.ancestors() {
        for name in [".rampart.toml", ".github/rampart.toml"] {
            let c = d.join(name);
            if c.is_file() {
                return Some(c);
            }
        }
        if d.join(".git").exists() {
            break;
        }
    }
    None
}

fn scan_command(args: ScanArgs) -> anyhow::Result<u8> {
    let quiet = args.quiet;
    // Every output is checked before a (possibly long) scan.
    let files: Vec<(&str, &PathBuf)> = [
        ("--output", &args.output),
        ("--json", &args.json),
        ("--sarif", &args.sarif),
        ("--summary", &args.summary),
    ]
    .into_iter()
    .filter_map(|(flag, p)| p.as_ref().map(|p| (flag, p)))
    .collect();
    let unwritable: Vec<String> = files
        .iter()
        .filter_map(|(flag, p)| {
            check_writable(p)
                .err()
                .map(|e| format!("{flag} {}: cannot write: {e}", p.display()))
        })
        .collect();
    // Said at once, before the scan; the other outputs are still written
    // and the exit code is 2.
    for e in &unwritable {
        error(e);
    }
    let skip: Vec<&Path> = files
        .iter()
        .filter(|(_, p)| check_writable(p).is_err())
        .map(|(_, p)| p.as_path())
        .collect();

    let policy_spec = match (&args.policy, args.no_config) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => None,
        (None, false) => discover_config(&args).map(|c| {
            note(quiet, &format!("using config {}", c.display()));
            c.display().to_string()
        }),
    };
    let mut policy = policy::load(policy_spec.as_deref())
        .map_err(|e| anyhow::anyhow!("invalid policy:\n{e}"))?;
    if let Some(f) = args.fail_on {
        policy.fail_on = f.severity();
    }
    let today = match &args.today {
        Some(d) => Date::parse(d).with_context(|| format!("--today {d:?}: expected YYYY-MM-DD"))?,
        None => Date::today(),
    };
    let rules = select_rules(&args, &policy)?;
    if rules.is_empty() {
        bail!(
            "no rule selected: the policy's selection{}{} leaves nothing to check",
            if args.select.is_empty() {
                String::new()
            } else {
                format!(", --select {}", args.select.join(","))
            },
            if args.ignore.is_empty() {
                String::new()
            } else {
                format!(", --ignore {}", args.ignore.join(","))
            },
        );
    }
    let jobs = args.jobs.map(|n| {
        let cap = max_jobs();
        if n > cap {
            warning(
                quiet,
                &format!("--jobs {n} is more than this machine can use; using {cap} (4 per core, at most 256)"),
            );
        }
        n.clamp(1, cap)
    });
    let baseline = match &args.baseline {
        Some(p) => Some(report::baseline::load(p)?),
        None => None,
    };
    let (targets, target_errors, check_domains) = build_targets(&args);
    let progress = !args.no_progress && !quiet && io::stderr().is_terminal();
    let environment_dotenv = policy.env.environment_dotenv;
    let clock = crate::clock::ScanClock::start();
    crate::timings::mark("policy and targets");
    let mut report = scan::run(Plan {
        targets,
        target_errors,
        policy,
        rules,
        jobs,
        today,
        progress,
        load: LoadOptions {
            max_file_size: args.max_file_size,
            environment_dotenv,
            respect_gitignore: args.respect_gitignore,
        },
        check_domains,
    });
    report.baseline = baseline;
    report.fail_on_new = args.fail_on_new;

    report.header = Some(clock.finish(scanned_host_name(&report)));

    // Errors and warnings go to standard error as well as into the report.
    for why in report.incomplete() {
        error(&why);
    }
    let ne = report.count(crate::outcome::Status::NotEvaluated);
    if ne > 0 {
        warning(
            quiet,
            &format!(
                "{ne} finding{} could not be evaluated; see the report",
                if ne == 1 { "" } else { "s" }
            ),
        );
    }

    let sarif_options = report::sarif::Options {
        category: args.sarif_category.as_deref(),
        include_waived: args.sarif_waived == SarifWaived::Include,
    };
    let sarif = |report: &scan::Report| {
        let (text, warnings) = report::sarif::render_checked(report, &sarif_options);
        for w in warnings {
            warning(quiet, &w);
        }
        text
    };
    let mut failed_outputs = !unwritable.is_empty();
    // The JSON report is written as it is serialised (a large tree's report
    // is a hundred megabytes: never held whole in memory).
    let compact = args.compact;
    let json = |report| Output::Json { report, compact };
    let mut write_file = |flag: &str, path: &Path, out: Output| {
        if skip.contains(&path) {
            return;
        }
        let written = std::fs::File::create(path).and_then(|file| {
            let mut w = io::BufWriter::with_capacity(1 << 16, file);
            out.write_to(&mut w)?;
            w.flush()
        });
        if let Err(e) = written {
            error(&format!(
                "{flag} {}: cannot write: {}",
                path.display(),
                io_message(&e)
            ));
            failed_outputs = true;
        }
    };
    if let Some(path) = &args.json {
        write_file("--json", path, json(&report));
    }
    if let Some(path) = &args.sarif {
        write_file("--sarif", path, Output::Text(sarif(&report)));
    }
    if let Some(path) = &args.summary {
        write_file(
            "--summary",
            path,
            Output::Text(report::summary::render(&report)),
        );
    }
    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let width = if to_terminal {
        terminal_size::terminal_size()
            .map_or(report::text::DEFAULT_WIDTH, |(w, _)| usize::from(w.0))
    } else {
        report::text::DEFAULT_WIDTH
    };
    let main_report = match args.format {
        Format::Text => Output::Text(report::text::render_width(
            &report,
            report::text::Style { color },
            width,
        )),
        Format::Json => json(&report),
        Format::Sarif => Output::Text(sarif(&report)),
        Format::Github => Output::Text(report::github::render(&report)),
        Format::Html => {
            let wire = report::wire::WireReport::parse(&report::json::render(&report), "scan")
                .context("re-reading this scan's JSON report")?;
            Output::Text(report::html::render_report(&wire))
        }
    };
    crate::timings::mark("render");
    match &args.output {
        Some(path) => write_file("--output", path, main_report),
        None => to_stdout(|w| main_report.write_to(w))?,
    }
    crate::timings::mark("write");
    let code = report.exit_code() as u8;
    // The process exits now: the OS reclaims the report at once.
    std::mem::forget(report);
    Ok(if failed_outputs { 2 } else { code })
}
