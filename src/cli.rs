//! The command line: argument parsing (clap derive), turning arguments into a
//! scan plan, and writing reports where they were asked to go. Owns exit
//! codes and the console (colour, progress); never judges anything.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::catalog::catalog;
use crate::clock::Date;
use crate::facts::LoadOptions;
use crate::outcome::Severity;
use crate::policy;
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
        /// A rule id, such as PORT-002.
        rule: String,
    },
    /// Show or check policies.
    #[command(subcommand)]
    Policy(PolicyCommand),
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
    /// Also write the SARIF report to FILE (for GitHub code scanning).
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// SARIF URIs are relative to DIR (default: the current directory, which
    /// should be the repository root in CI).
    #[arg(long, value_name = "DIR")]
    pub sarif_root: Option<PathBuf>,
    /// Put NAME in every SARIF run's category (automationDetails.id), so CI
    /// jobs scanning different trees do not close each other's alerts.
    #[arg(long, value_name = "NAME")]
    pub sarif_category: Option<String>,
    /// Exit 1 when a failure is at or above this severity (overrides the policy).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Run only these rules: ids, packs or id prefixes, comma-separated (replaces
    /// the policy's selection).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub select: Vec<String>,
    /// Skip these rules: ids, packs or id prefixes, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub ignore: Vec<String>,
    /// Worker threads (default: one per core).
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
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(io::stderr(), "rampart: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Scan(args) => scan_command(*args),
        Command::Rules(args) => rules_command(&args),
        Command::Explain { rule } => explain_command(&rule),
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
                    let _ = writeln!(io::stderr(), "{e}");
                    Ok(2)
                }
            }
        }
    }
}

fn write_stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
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
    let Some(r) = cat.get(&id.to_ascii_uppercase()) else {
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
    text.push_str(&r.body);
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

fn build_targets(args: &ScanArgs, sarif_root: &Path) -> (Vec<Target>, Vec<TargetError>) {
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
    {
        trees.push((PathBuf::from("."), String::new()));
    }
    for (path, display) in trees {
        match Target::tree(&path, &display, sarif_root) {
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
        match Target::tree(path, &display, sarif_root) {
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
    (targets, errors)
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

fn scan_command(args: ScanArgs) -> anyhow::Result<u8> {
    let mut policy = policy::load(args.policy.as_deref())
        .map_err(|e| anyhow::anyhow!("invalid policy:\n{e}"))?;
    if let Some(f) = args.fail_on {
        policy.fail_on = f.severity();
    }
    let today = match &args.today {
        Some(d) => Date::parse(d).with_context(|| format!("--today {d:?}: expected YYYY-MM-DD"))?,
        None => Date::today(),
    };
    let rules = select_rules(&args, &policy)?;
    let sarif_root = match &args.sarif_root {
        Some(d) => d.clone(),
        None => std::env::current_dir().context("reading the current directory")?,
    };
    let (targets, target_errors) = build_targets(&args, &sarif_root);
    let progress = !args.no_progress && io::stderr().is_terminal();
    let environment_dotenv = policy.env.environment_dotenv;
    let report = scan::run(Plan {
        targets,
        target_errors,
        policy,
        rules,
        jobs: args.jobs,
        today,
        progress,
        load: LoadOptions {
            max_file_size: args.max_file_size,
            environment_dotenv,
            respect_gitignore: args.respect_gitignore,
        },
    });

    if let Some(path) = &args.json {
        std::fs::write(path, report::json::render(&report))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.sarif {
        std::fs::write(
            path,
            report::sarif::render(&report, args.sarif_category.as_deref()),
        )
        .with_context(|| format!("writing {}", path.display()))?;
    }
    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let main_report = match args.format {
        Format::Text => report::text::render(&report, report::text::Style { color }),
        Format::Json => report::json::render(&report),
        Format::Sarif => report::sarif::render(&report, args.sarif_category.as_deref()),
    };
    match &args.output {
        Some(path) => std::fs::write(path, main_report)
            .with_context(|| format!("writing {}", path.display()))?,
        None => write_stdout(&main_report)?,
    }
    Ok(report.exit_code() as u8)
}
