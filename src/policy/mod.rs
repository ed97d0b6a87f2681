//! Policies: which rules run, at what severity, with which pack thresholds,
//! which findings are waived, and what fails the scan. Built-in profiles are
//! the TOML files under `policies/` (embedded); any other file works too. A
//! policy may `extends` another. Parsing goes through `raw` (unknown keys are
//! errors) and then validation here, which reports every problem with file
//! and line. The validated `Policy` is what the engine uses.

pub mod inline;
pub mod raw;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use globset::{Glob, GlobMatcher};
use serde::Serialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::catalog::catalog;
use crate::clock::Date;
use crate::outcome::{Location, Severity};
use raw::{RawDate, RawPolicy};

pub const DEFAULT_POLICY: &str = "baseline";

/// Ports the open-ports pack never wants public (PORT-002): CouchDB 5984/5986,
/// epmd 4369, Erlang distribution 9100, nouveau 5987, CHT API 5988, upgrade
/// service 5008, healthcheck 5555, PostgreSQL 5432.
pub const NEVER_PUBLIC: [u16; 9] = [5984, 5986, 4369, 9100, 5987, 5988, 5008, 5555, 5432];

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct OpenPorts {
    /// Ports that may listen on public addresses (PORT-001).
    pub allowed: Vec<u16>,
    /// Ports that must never be reachable from outside (PORT-002, -003, -005).
    pub never_public: Vec<u16>,
    /// Compose services that are the web entry point and may publish ports.
    pub web_proxies: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct PasswordPolicy {
    pub max_days: u32,
    pub min_length: u32,
    pub couchdb_min_length: u32,
    pub couchdb_min_score: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct TlsPolicy {
    pub expiry_medium_days: u32,
    pub expiry_high_days: u32,
    pub min_rsa_bits: u32,
    pub min_ec_bits: u32,
    pub hsts_min_age: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct BackupPolicy {
    /// The newest evidence of a completed backup may be this old (BACKUP-006).
    pub max_age_days: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct EnvPolicy {
    /// Environment labels that are production.
    pub production: Vec<String>,
    /// Compose files in `<env>/compose/` (or any sub-folder) without a `.env`
    /// of their own read `<env>/.env`, as they do when a deployment runs
    /// them with `--project-directory <env>` or `--env-file <env>/.env`.
    pub environment_dotenv: bool,
}

/// `[updates]`: the minimum CHT version (default: the oldest line the
/// release table says is supported today) and rows the policy adds to the
/// release tables (a row for the same line or OS release replaces rampart's).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpdatesPolicy {
    pub minimum_cht_version: Option<(String, semver::Version)>,
    pub cht: Vec<crate::lifecycle::ChtLine>,
    pub os: Vec<crate::lifecycle::OsRow>,
}

impl UpdatesPolicy {
    /// rampart's tables with the policy's rows.
    pub fn lifecycle(&self) -> crate::lifecycle::Lifecycle {
        let mut t = crate::lifecycle::builtin().clone();
        for c in &self.cht {
            t.add_cht(c.clone());
        }
        for o in &self.os {
            t.add_os(o.clone());
        }
        t
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct MonitoringPolicy {
    /// MON-004: less free space than this (percent) on the CouchDB data
    /// filesystem fails at medium...
    pub min_free_percent: u32,
    /// ...and below this at high.
    pub high_free_percent: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RenewalsPolicy {
    /// RENEW-001: a certificate expiring within this many days needs renewal
    /// automation.
    pub horizon_days: u32,
    /// RENEW-002: a domain registration expiring within this many days fails
    /// at medium, within `domain-high-days` at high.
    pub domain_medium_days: u32,
    pub domain_high_days: u32,
}

#[derive(Clone, Debug)]
pub struct Waiver {
    /// The selector as written (`PORT-001`, `open-ports`).
    pub rule: String,
    pub rule_ids: BTreeSet<String>,
    pub target: Option<(String, GlobMatcher)>,
    pub path: Option<(String, GlobMatcher)>,
    pub reason: String,
    pub expires: Date,
    /// `file:line` of the waiver.
    pub origin: String,
}

impl Waiver {
    pub fn matches(&self, rule_id: &str, target_id: &str, path: Option<&str>) -> bool {
        self.rule_ids.contains(rule_id)
            && self
                .target
                .as_ref()
                .is_none_or(|(_, g)| g.is_match(target_id))
            && self
                .path
                .as_ref()
                .is_none_or(|(_, g)| path.is_some_and(|p| g.is_match(p)))
    }

    pub fn expired(&self, today: Date) -> bool {
        self.expires < today
    }
}

#[derive(Clone, Debug)]
pub struct Policy {
    pub name: String,
    pub description: String,
    /// Where it came from: `built-in` or a path, with what it extends.
    pub origin: String,
    /// `None` means never fail on findings.
    pub fail_on: Option<Severity>,
    pub selected: BTreeSet<String>,
    pub severity: BTreeMap<String, Severity>,
    pub require_evaluated: BTreeSet<String>,
    pub open_ports: OpenPorts,
    pub password: PasswordPolicy,
    pub tls: TlsPolicy,
    pub env: EnvPolicy,
    pub updates: UpdatesPolicy,
    pub monitoring: MonitoringPolicy,
    pub renewals: RenewalsPolicy,
    pub backups: BackupPolicy,
    /// `[environments]`: a label and the globs of tree paths that carry it,
    /// in the order written (the first label that matches wins).
    pub environments: Vec<EnvironmentLabel>,
    pub waivers: Vec<Waiver>,
}

/// One `[environments]` entry: trees whose path matches a glob are `label`.
#[derive(Clone, Debug)]
pub struct EnvironmentLabel {
    pub label: String,
    pub globs: Vec<(String, GlobMatcher)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file, l, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl Policy {
    /// The thresholds of the rule catalogue, every rule selected, fail on high.
    fn defaults() -> Policy {
        Policy {
            name: DEFAULT_POLICY.to_string(),
            description: String::new(),
            origin: String::new(),
            fail_on: Some(Severity::High),
            selected: catalog().all().iter().map(|r| r.id.clone()).collect(),
            severity: BTreeMap::new(),
            require_evaluated: BTreeSet::new(),
            open_ports: OpenPorts {
                allowed: vec![22, 80, 443],
                never_public: NEVER_PUBLIC.to_vec(),
                web_proxies: vec!["nginx".to_string()],
            },
            password: PasswordPolicy {
                max_days: 365,
                min_length: 12,
                couchdb_min_length: 16,
                couchdb_min_score: 50,
            },
            tls: TlsPolicy {
                expiry_medium_days: 30,
                expiry_high_days: 14,
                min_rsa_bits: 2048,
                min_ec_bits: 256,
                hsts_min_age: 31_536_000,
            },
            env: EnvPolicy {
                production: vec!["production".to_string(), "prod".to_string()],
                environment_dotenv: true,
            },
            updates: UpdatesPolicy::default(),
            monitoring: MonitoringPolicy {
                min_free_percent: 20,
                high_free_percent: 10,
            },
            renewals: RenewalsPolicy {
                horizon_days: 90,
                domain_medium_days: 30,
                domain_high_days: 14,
            },
            backups: BackupPolicy { max_age_days: 2 },
            environments: Vec::new(),
            waivers: Vec::new(),
        }
    }

    /// The severity a rule reports at under this policy.
    pub fn severity_of(&self, rule_id: &str) -> Option<Severity> {
        self.severity.get(rule_id).copied()
    }

    pub fn is_production(&self, environment: Option<&str>) -> bool {
        environment.is_some_and(|e| {
            self.env
                .production
                .iter()
                .any(|p| p.eq_ignore_ascii_case(e))
        })
    }

    /// The environment label `[environments]` gives a tree, matched against
    /// its path as given on the command line (`.` when implied) and against
    /// its absolute path. `None` when no glob matches.
    pub fn environment_of(&self, display: &str, absolute: &Path) -> Option<&str> {
        let display = if display.is_empty() { "." } else { display };
        let display = display.trim_end_matches('/');
        self.environments
            .iter()
            .find(|e| {
                e.globs
                    .iter()
                    .any(|(_, g)| g.is_match(display) || g.is_match(absolute))
            })
            .map(|e| e.label.as_str())
    }

    /// The environment a file belongs to: the label given on the command
    /// line for its target; else the `[environments]` globs matched against
    /// the file's path; else an environment named by a directory of its path
    /// (`deploy/prod/.env` is production, so one tree can hold several
    /// environments); else the target's own label.
    pub fn file_environment(&self, target: &crate::target::Target, rel: &str) -> Option<String> {
        if target.environment_explicit {
            return target.environment.clone();
        }
        self.file_environment_at(target, rel, &target.location(rel))
    }

    /// [`Policy::file_environment`] of `rel` whose location is `loc`
    /// (`target.location(rel)`, already at hand when a tree is indexed).
    pub fn file_environment_at(
        &self,
        target: &crate::target::Target,
        rel: &str,
        loc: &Location,
    ) -> Option<String> {
        if target.environment_explicit {
            return target.environment.clone();
        }
        if !self.environments.is_empty() {
            let absolute = target
                .root()
                .map(|r| r.base().join(rel))
                .unwrap_or_default();
            if let Some(label) = self.environment_of(&loc.path, &absolute) {
                return Some(label.to_string());
            }
        }
        // Inside a tree, only the directory part below the tree's own path
        // names an environment, and `test`/`tests`/`qa` folders are
        // software tests far more often than a test deployment: they make
        // no environment of their own (label them in `[environments]` or
        // with `--env` when they are one).
        let dir = loc.path.rsplit_once('/').map_or("", |(d, _)| d);
        crate::target::infer_environment(dir)
            .filter(|e| e != "test")
            .or_else(|| target.environment.clone())
    }

    /// Labels tree targets with `[environments]`; a label from the policy
    /// replaces one inferred from the path, never one given on the command
    /// line.
    pub fn label_targets(&self, targets: &mut [crate::target::Target]) {
        for t in targets {
            if t.environment_explicit {
                continue;
            }
            if let crate::target::Source::Tree(tree) = &t.source
                && let Some(label) = self.environment_of(&tree.display, tree.root.base())
            {
                t.environment = Some(label.to_string());
            }
        }
    }

    /// The effective policy as TOML (what `rampart policy show` prints).
    pub fn to_toml(&self) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "kebab-case")]
        struct Show<'a> {
            name: &'a str,
            #[serde(skip_serializing_if = "str::is_empty")]
            description: &'a str,
            fail_on: &'a str,
            require_evaluated: Vec<&'a str>,
            rules: ShowRules<'a>,
            open_ports: &'a OpenPorts,
            password_policy: &'a PasswordPolicy,
            tls: &'a TlsPolicy,
            env_segregation: &'a EnvPolicy,
            updates: ShowUpdates,
            monitoring: &'a MonitoringPolicy,
            renewals: &'a RenewalsPolicy,
            backups: &'a BackupPolicy,
            environments: BTreeMap<&'a str, Vec<&'a str>>,
            waiver: Vec<ShowWaiver<'a>>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "kebab-case")]
        struct ShowUpdates {
            #[serde(skip_serializing_if = "Option::is_none")]
            minimum_cht_version: Option<String>,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            cht: Vec<BTreeMap<&'static str, String>>,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            os: Vec<BTreeMap<&'static str, String>>,
        }
        #[derive(Serialize)]
        struct ShowRules<'a> {
            select: Vec<&'a str>,
            severity: BTreeMap<&'a str, &'a str>,
        }
        #[derive(Serialize)]
        struct ShowWaiver<'a> {
            rule: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            target: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            path: Option<&'a str>,
            reason: &'a str,
            expires: toml::value::Datetime,
        }
        let show = Show {
            name: &self.name,
            description: &self.description,
            fail_on: self.fail_on.map_or("never", Severity::as_str),
            require_evaluated: self.require_evaluated.iter().map(String::as_str).collect(),
            rules: ShowRules {
                select: self.selected.iter().map(String::as_str).collect(),
                severity: self
                    .severity
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect(),
            },
            open_ports: &self.open_ports,
            password_policy: &self.password,
            tls: &self.tls,
            env_segregation: &self.env,
            updates: ShowUpdates {
                minimum_cht_version: self
                    .updates
                    .minimum_cht_version
                    .as_ref()
                    .map(|(s, _)| s.clone()),
                cht: self
                    .updates
                    .cht
                    .iter()
                    .map(|c| {
                        let mut m =
                            BTreeMap::from([("series", c.series()), ("source", c.source.clone())]);
                        if let Some(d) = c.released {
                            m.insert("released", d.to_string());
                        }
                        if let Some(d) = c.end {
                            m.insert("end", d.to_string());
                        }
                        m
                    })
                    .collect(),
                os: self
                    .updates
                    .os
                    .iter()
                    .map(|o| {
                        let mut m = BTreeMap::from([
                            ("id", o.id.clone()),
                            ("version", o.version.clone()),
                            ("name", o.name.clone()),
                            ("source", o.source.clone()),
                        ]);
                        if let Some(d) = o.end {
                            m.insert("end", d.to_string());
                        }
                        if let Some(e) = &o.extended {
                            m.insert("extended", e.clone());
                        }
                        m
                    })
                    .collect(),
            },
            monitoring: &self.monitoring,
            renewals: &self.renewals,
            backups: &self.backups,
            environments: self
                .environments
                .iter()
                .map(|e| {
                    (
                        e.label.as_str(),
                        e.globs.iter().map(|(g, _)| g.as_str()).collect(),
                    )
                })
                .collect(),
            waiver: self
                .waivers
                .iter()
                .map(|w| ShowWaiver {
                    rule: &w.rule,
                    target: w.target.as_ref().map(|(t, _)| t.as_str()),
                    path: w.path.as_ref().map(|(p, _)| p.as_str()),
                    reason: &w.reason,
                    expires: w
                        .expires
                        .to_string()
                        .parse()
                        .expect("a Date prints as a TOML date"),
                })
                .collect(),
        };
        let body = toml::to_string(&show).expect("policy serialises to TOML");
        format!("# rampart effective policy ({})\n{body}", self.origin)
    }

    /// A digest of the effective policy, for reports.
    pub fn sha256(&self) -> String {
        hex(&Sha256::digest(self.to_toml().as_bytes()))
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Names of the built-in policies.
pub fn builtin_names() -> Vec<&'static str> {
    crate::embedded::POLICIES.iter().map(|(n, _)| *n).collect()
}

fn builtin(name: &str) -> Option<&'static str> {
    crate::embedded::POLICIES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
}

/// Loads a policy by built-in name or path; `None` is the default policy.
pub fn load(spec: Option<&str>) -> Result<Policy, PolicyError> {
    let spec = spec.unwrap_or(DEFAULT_POLICY);
    let mut policy = Policy::defaults();
    let mut chain = Vec::new();
    apply_spec(&mut policy, spec, None, &mut chain, None)?;
    policy.origin = chain.join(" extends ");
    Ok(policy)
}

fn apply_spec(
    policy: &mut Policy,
    spec: &str,
    relative_to: Option<&Path>,
    chain: &mut Vec<String>,
    from: Option<(&str, usize)>,
) -> Result<(), PolicyError> {
    // A problem finding the policy itself is reported where it was named:
    // the `extends` line of the policy that named it, if any.
    let one = |message: String| PolicyError {
        problems: vec![match from {
            Some((file, line)) => Problem {
                file: file.to_string(),
                line: Some(line),
                message: format!("extends `{spec}`: {message}"),
            },
            None => Problem {
                file: spec.to_string(),
                line: None,
                message,
            },
        }],
    };
    if chain.len() > 8 || chain.iter().any(|c| c == spec) {
        return Err(one(format!(
            "`extends` loops: {} -> {spec}",
            chain.join(" -> ")
        )));
    }
    let path_candidate = match relative_to {
        Some(dir) if Path::new(spec).is_relative() => dir.join(spec),
        _ => Path::new(spec).to_path_buf(),
    };
    let (file, text, dir) = if path_candidate.is_file() {
        let text = std::fs::read_to_string(&path_candidate)
            .map_err(|e| one(format!("cannot read policy: {e}")))?;
        let dir = path_candidate.parent().map(Path::to_path_buf);
        (path_candidate.display().to_string(), text, dir)
    } else if let Some(text) = builtin(spec) {
        (format!("policies/{spec}.toml"), text.to_string(), None)
    } else {
        return Err(one(format!(
            "no such policy file, and no built-in policy of that name (built-in: {})",
            builtin_names().join(", ")
        )));
    };
    chain.push(if dir.is_some() {
        file.clone()
    } else {
        spec.to_string()
    });
    // Unknown keys are found all at once (with their lines) and blanked out,
    // so the rest of the file is still checked and every problem reported.
    let (text_checked, mut problems) = unknown_keys(&file, &text);
    let raw: RawPolicy = match toml::from_str(&text_checked) {
        Ok(raw) => raw,
        Err(e) => {
            problems.push(Problem {
                file: file.clone(),
                line: e.span().map(|s| line_of(&text_checked, s.start)),
                message: e.message().trim().to_string(),
            });
            return Err(PolicyError { problems });
        }
    };
    if let Some(parent) = &raw.extends {
        let line = line_of(&text, parent.span().start);
        if let Err(e) = apply_spec(
            policy,
            parent.get_ref(),
            dir.as_deref(),
            chain,
            Some((&file, line)),
        ) {
            problems.extend(e.problems);
        }
    }
    let mut v = Validator {
        file: &file,
        text: &text,
        problems,
    };
    v.apply(policy, raw);
    if v.problems.is_empty() {
        Ok(())
    } else {
        let mut problems = v.problems;
        // This file's problems first, in line order, then those of what it extends.
        problems.sort_by_key(|p| (p.file != file, p.line));
        Err(PolicyError { problems })
    }
}

/// The keys a policy table may hold (`*`: any key, checked later).
fn known_keys(path: &[&str]) -> &'static [&'static str] {
    match path {
        [] => &[
            "name",
            "description",
            "extends",
            "fail-on",
            "require-evaluated",
            "rules",
            "open-ports",
            "password-policy",
            "tls",
            "env-segregation",
            "updates",
            "monitoring",
            "renewals",
            "backups",
            "environments",
            "waiver",
        ],
        ["rules"] => &["select", "ignore", "severity"],
        ["rules", "severity"] | ["environments"] => &["*"],
        ["open-ports"] => &["allowed", "never-public", "web-proxies"],
        ["password-policy"] => &[
            "max-days",
            "min-length",
            "couchdb-min-length",
            "couchdb-min-score",
        ],
        ["tls"] => &[
            "expiry-medium-days",
            "expiry-high-days",
            "min-rsa-bits",
            "min-ec-bits",
            "hsts-min-age",
        ],
        ["env-segregation"] => &["production", "environment-dotenv"],
        ["updates"] => &["minimum-cht-version", "cht", "os"],
        ["updates", "cht"] => &["series", "released", "end", "source"],
        ["updates", "os"] => &["id", "version", "name", "end", "extended", "source"],
        ["monitoring"] => &["min-free-percent", "high-free-percent"],
        ["renewals"] => &["horizon-days", "domain-medium-days", "domain-high-days"],
        ["backups"] => &["max-age-days"],
        ["waiver"] => &["rule", "target", "path", "reason", "expires"],
        _ => &["*"],
    }
}

/// Finds every unknown key of a policy file; returns the text with those
/// keys (and their values) blanked out, line numbers kept, and a problem
/// for each. A text that does not parse is returned as it is.
fn unknown_keys(file: &str, text: &str) -> (String, Vec<Problem>) {
    use toml::de::{DeTable, DeValue};

    fn walk(
        table: &DeTable<'_>,
        path: &mut Vec<String>,
        text: &str,
        file: &str,
        blank: &mut Vec<std::ops::Range<usize>>,
        problems: &mut Vec<Problem>,
    ) {
        let known = {
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            known_keys(&p)
        };
        let here = path.join(".");
        for (k, v) in table {
            let key: &str = k.get_ref();
            if !known.contains(&"*") && !known.contains(&key) {
                let at = if here.is_empty() {
                    format!("`{key}`")
                } else {
                    format!("`{key}` in [{here}]")
                };
                problems.push(Problem {
                    file: file.to_string(),
                    line: Some(line_of(text, k.span().start)),
                    message: format!("unknown key {at}; expected one of: {}", known.join(", ")),
                });
                blank.push(k.span());
                blank.push(v.span());
                collect_spans(v.get_ref(), blank);
                continue;
            }
            path.push(key.to_string());
            match v.get_ref() {
                DeValue::Table(t) => walk(t, path, text, file, blank, problems),
                DeValue::Array(items) if key == "waiver" => {
                    for item in items.iter() {
                        if let DeValue::Table(t) = item.get_ref() {
                            walk(t, path, text, file, blank, problems);
                        }
                    }
                }
                _ => {}
            }
            path.pop();
        }
    }

    fn collect_spans(v: &DeValue<'_>, blank: &mut Vec<std::ops::Range<usize>>) {
        match v {
            DeValue::Table(t) => {
                for (k, v) in t {
                    blank.push(k.span());
                    blank.push(v.span());
                    collect_spans(v.get_ref(), blank);
                }
            }
            DeValue::Array(items) => {
                for i in items.iter() {
                    blank.push(i.span());
                    collect_spans(i.get_ref(), blank);
                }
            }
            _ => {}
        }
    }

    let Ok(root) = DeTable::parse(text) else {
        return (text.to_string(), Vec::new());
    };
    let mut blank = Vec::new();
    let mut problems = Vec::new();
    walk(
        root.get_ref(),
        &mut Vec::new(),
        text,
        file,
        &mut blank,
        &mut problems,
    );
    if problems.is_empty() {
        return (text.to_string(), problems);
    }
    // Blank whole lines touched by an unknown key: a table header and its
    // body, or `key = value` over as many lines as the value takes.
    let mut lines: BTreeSet<usize> = BTreeSet::new();
    for r in &blank {
        let first = line_of(text, r.start);
        let last = line_of(text, r.end.saturating_sub(1).max(r.start));
        lines.extend(first..=last);
    }
    // Same length, same byte offsets: spans of the cleaned text are spans
    // of the file as written.
    let cleaned: Vec<String> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| {
            if lines.contains(&(i + 1)) {
                " ".repeat(l.len())
            } else {
                l.to_string()
            }
        })
        .collect();
    let cleaned = cleaned.join("\n");
    if DeTable::parse(&cleaned).is_err() {
        // The blanking broke the file (keys sharing a line): report the
        // unknown keys alone.
        return (String::new(), problems);
    }
    (cleaned, problems)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

struct Validator<'a> {
    file: &'a str,
    text: &'a str,
    problems: Vec<Problem>,
}

impl Validator<'_> {
    fn problem<T>(&mut self, at: &Spanned<T>, message: String) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            line: Some(line_of(self.text, at.span().start)),
            message,
        });
    }

    fn select(&mut self, sel: &Spanned<String>) -> Option<Vec<String>> {
        match catalog().select(sel.get_ref()) {
            Some(ids) => Some(ids.into_iter().map(str::to_string).collect()),
            None => {
                self.problem(
                    sel,
                    format!(
                        "unknown rule, pack or prefix `{}` (see `rampart rules`)",
                        sel.get_ref()
                    ),
                );
                None
            }
        }
    }

    fn severity(&mut self, s: &Spanned<String>) -> Option<Severity> {
        let sev = Severity::parse(s.get_ref());
        if sev.is_none() {
            self.problem(
                s,
                format!(
                    "bad severity `{}`: expected info, low, medium, high or critical",
                    s.get_ref()
                ),
            );
        }
        sev
    }

    fn int(&mut self, v: &Spanned<i64>, what: &str, min: i64, max: i64) -> Option<i64> {
        let n = *v.get_ref();
        if n < min || n > max {
            self.problem(
                v,
                format!("{what} must be between {min} and {max}, not {n}"),
            );
            return None;
        }
        Some(n)
    }

    /// Sets `slot` from an optional value in `0..=max`, reporting a bad one.
    fn set_u32(&mut self, v: Option<Spanned<i64>>, what: &str, max: i64, slot: &mut u32) {
        if let Some(n) = v.as_ref().and_then(|v| self.int(v, what, 0, max)) {
            *slot = n as u32;
        }
    }

    fn ports(&mut self, list: &[Spanned<i64>], what: &str) -> Vec<u16> {
        let mut out: Vec<u16> = list
            .iter()
            .filter_map(|p| self.int(p, what, 1, 65535).map(|n| n as u16))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn apply(&mut self, p: &mut Policy, raw: RawPolicy) {
        match raw.name {
            Some(name) => p.name = name.into_inner(),
            // A file without `name` is named after itself, never after
            // the policy it extends (or the default).
            None => {
                p.name = Path::new(self.file).file_stem().map_or_else(
                    || self.file.to_string(),
                    |s| s.to_string_lossy().into_owned(),
                );
            }
        }
        if let Some(d) = raw.description {
            p.description = d.into_inner();
        }
        if let Some(f) = raw.fail_on {
            if f.get_ref() == "never" {
                p.fail_on = None;
            } else if let Some(s) = Severity::parse(f.get_ref()) {
                p.fail_on = Some(s);
            } else {
                self.problem(
                    &f,
                    format!(
                        "bad fail-on `{}`: expected info, low, medium, high, critical or never",
                        f.get_ref()
                    ),
                );
            }
        }
        if let Some(req) = raw.require_evaluated {
            p.require_evaluated = req
                .iter()
                .filter_map(|s| self.select(s))
                .flatten()
                .collect();
        }
        if let Some(rules) = raw.rules {
            if let Some(select) = rules.select {
                p.selected = select
                    .iter()
                    .filter_map(|s| self.select(s))
                    .flatten()
                    .collect();
            }
            for ig in rules.ignore.unwrap_or_default() {
                for id in self.select(&ig).unwrap_or_default() {
                    p.selected.remove(&id);
                }
            }
            for (sel, sev) in rules.severity.unwrap_or_default() {
                let (Some(ids), Some(sev)) = (self.select(&sel), self.severity(&sev)) else {
                    continue;
                };
                for id in ids {
                    p.severity.insert(id, sev);
                }
            }
        }
        if let Some(op) = raw.open_ports {
            if let Some(a) = op.allowed {
                p.open_ports.allowed = self.ports(&a, "a port");
            }
            if let Some(n) = op.never_public {
                p.open_ports.never_public = self.ports(&n, "a port");
            }
            if let Some(w) = op.web_proxies {
                p.open_ports.web_proxies = w.into_iter().map(Spanned::into_inner).collect();
            }
        }
        if let Some(pw) = raw.password_policy {
            self.set_u32(pw.max_days, "max-days", 100_000, &mut p.password.max_days);
            self.set_u32(
                pw.min_length,
                "min-length",
                1024,
                &mut p.password.min_length,
            );
            self.set_u32(
                pw.couchdb_min_length,
                "couchdb-min-length",
                1024,
                &mut p.password.couchdb_min_length,
            );
            self.set_u32(
                pw.couchdb_min_score,
                "couchdb-min-score",
                10_000,
                &mut p.password.couchdb_min_score,
            );
        }
        if let Some(t) = raw.tls {
            self.set_u32(
                t.expiry_medium_days,
                "expiry-medium-days",
                3650,
                &mut p.tls.expiry_medium_days,
            );
            self.set_u32(
                t.expiry_high_days,
                "expiry-high-days",
                3650,
                &mut p.tls.expiry_high_days,
            );
            self.set_u32(
                t.min_rsa_bits,
                "min-rsa-bits",
                16_384,
                &mut p.tls.min_rsa_bits,
            );
            self.set_u32(t.min_ec_bits, "min-ec-bits", 1024, &mut p.tls.min_ec_bits);
            if let Some(n) = t
                .hsts_min_age
                .as_ref()
                .and_then(|v| self.int(v, "hsts-min-age", 0, i64::from(u32::MAX)))
            {
                p.tls.hsts_min_age = n as u64;
            }
            if p.tls.expiry_high_days > p.tls.expiry_medium_days {
                self.problems.push(Problem {
                    file: self.file.to_string(),
                    line: None,
                    message: format!(
                        "tls.expiry-high-days ({}) must not exceed tls.expiry-medium-days ({})",
                        p.tls.expiry_high_days, p.tls.expiry_medium_days
                    ),
                });
            }
        }
        if let Some(e) = raw.env_segregation {
            if let Some(prod) = e.production {
                p.env.production = prod.into_iter().map(Spanned::into_inner).collect();
            }
            if let Some(on) = e.environment_dotenv {
                p.env.environment_dotenv = on.into_inner();
            }
        }
        if let Some(u) = raw.updates {
            self.updates(p, u);
        }
        if let Some(m) = raw.monitoring {
            self.set_u32(
                m.min_free_percent,
                "min-free-percent",
                100,
                &mut p.monitoring.min_free_percent,
            );
            self.set_u32(
                m.high_free_percent,
                "high-free-percent",
                100,
                &mut p.monitoring.high_free_percent,
            );
            if p.monitoring.high_free_percent > p.monitoring.min_free_percent {
                self.problems.push(Problem {
                    file: self.file.to_string(),
                    line: None,
                    message: format!(
                        "monitoring.high-free-percent ({}) must not exceed monitoring.min-free-percent ({})",
                        p.monitoring.high_free_percent, p.monitoring.min_free_percent
                    ),
                });
            }
        }
        if let Some(r) = raw.renewals {
            self.set_u32(
                r.horizon_days,
                "horizon-days",
                3650,
                &mut p.renewals.horizon_days,
            );
            self.set_u32(
                r.domain_medium_days,
                "domain-medium-days",
                3650,
                &mut p.renewals.domain_medium_days,
            );
            self.set_u32(
                r.domain_high_days,
                "domain-high-days",
                3650,
                &mut p.renewals.domain_high_days,
            );
            if p.renewals.domain_high_days > p.renewals.domain_medium_days {
                self.problems.push(Problem {
                    file: self.file.to_string(),
                    line: None,
                    message: format!(
                        "renewals.domain-high-days ({}) must not exceed renewals.domain-medium-days ({})",
                        p.renewals.domain_high_days, p.renewals.domain_medium_days
                    ),
                });
            }
        }
        if let Some(b) = raw.backups {
            self.set_u32(
                b.max_age_days,
                "max-age-days",
                3650,
                &mut p.backups.max_age_days,
            );
        }
        if let Some(envs) = raw.environments {
            for (label, globs) in envs {
                self.environment(p, &label, &globs);
            }
        }
        for w in raw.waiver {
            if let Some(waiver) = self.waiver(&w) {
                p.waivers.push(waiver);
            }
        }
    }

    fn updates(&mut self, p: &mut Policy, u: raw::RawUpdates) {
        if let Some(m) = &u.minimum_cht_version {
            match crate::lifecycle::parse_minimum(m.get_ref()) {
                Some(v) => {
                    p.updates.minimum_cht_version = Some((m.get_ref().trim().to_string(), v))
                }
                None => self.problem(
                    m,
                    "minimum-cht-version must be a release version (`4.22` or `4.22.1`)"
                        .to_string(),
                ),
            }
        }
        for row in &u.cht {
            match row.get_ref().validate() {
                Ok(line) => {
                    p.updates
                        .cht
                        .retain(|l| (l.major, l.minor) != (line.major, line.minor));
                    p.updates.cht.push(line);
                }
                Err(e) => self.problem(row, format!("[[updates.cht]]: {e}")),
            }
        }
        for row in &u.os {
            match row.get_ref().validate() {
                Ok(os) => {
                    p.updates
                        .os
                        .retain(|o| !(o.id == os.id && o.version == os.version));
                    p.updates.os.push(os);
                }
                Err(e) => self.problem(row, format!("[[updates.os]]: {e}")),
            }
        }
    }

    fn environment(
        &mut self,
        p: &mut Policy,
        label: &Spanned<String>,
        globs: &Spanned<Vec<Spanned<String>>>,
    ) {
        let name = label.get_ref().trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            self.problem(
                label,
                format!(
                    "bad environment label `{}`: use letters, digits, `-`, `_` or `.`",
                    label.get_ref()
                ),
            );
            return;
        }
        if globs.get_ref().is_empty() {
            self.problem(globs, format!("environment `{name}` lists no path glob"));
            return;
        }
        let mut compiled = Vec::new();
        for g in globs.get_ref() {
            if let Ok(Some(m)) = self.glob(&Some(g.clone())) {
                compiled.push(m);
            }
        }
        if compiled.len() != globs.get_ref().len() {
            return;
        }
        // A label given again (by a child policy) replaces the parent's.
        p.environments.retain(|e| e.label != name);
        p.environments.push(EnvironmentLabel {
            label: name.to_string(),
            globs: compiled,
        });
    }

    fn glob(&mut self, g: &Option<Spanned<String>>) -> Result<Option<(String, GlobMatcher)>, ()> {
        let Some(g) = g else { return Ok(None) };
        match Glob::new(g.get_ref()) {
            Ok(glob) => Ok(Some((g.get_ref().clone(), glob.compile_matcher()))),
            Err(e) => {
                self.problem(g, format!("bad glob `{}`: {}", g.get_ref(), e.kind()));
                Err(())
            }
        }
    }

    fn waiver(&mut self, w: &Spanned<raw::RawWaiver>) -> Option<Waiver> {
        let raw = w.get_ref();
        let ids = self.select(&raw.rule);
        if raw.reason.get_ref().trim().is_empty() {
            self.problem(&raw.reason, "a waiver needs a reason".to_string());
        }
        let expires = match raw.expires.get_ref() {
            RawDate::Date(d) => d
                .date
                .and_then(|d| Date::parse(&format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))),
            RawDate::Text(s) => Date::parse(s),
        };
        if expires.is_none() {
            self.problem(
                &raw.expires,
                "`expires` must be a date (YYYY-MM-DD)".to_string(),
            );
        }
        let target = self.glob(&raw.target).ok()?;
        let path = self.glob(&raw.path).ok()?;
        Some(Waiver {
            rule: raw.rule.get_ref().clone(),
            rule_ids: ids?.into_iter().collect(),
            target,
            path,
            reason: raw.reason.get_ref().trim().to_string(),
            expires: expires?,
            origin: format!("{}:{}", self.file, line_of(self.text, w.span().start)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xf0, 0xff]), "000fa5f0ff");
        assert_eq!(hex(&[]), "");
    }

    fn write(dir: &Path, name: &str, text: &str) -> String {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    /// `known_keys` lists exactly the fields `raw` accepts: serde's own
    /// "expected one of" list for each table is the reference.
    #[test]
    fn known_keys_match_the_raw_policy() {
        for (path, probe) in [
            (vec![], "zz-bogus = 1\n"),
            (vec!["rules"], "[rules]\nzz-bogus = 1\n"),
            (vec!["open-ports"], "[open-ports]\nzz-bogus = 1\n"),
            (vec!["password-policy"], "[password-policy]\nzz-bogus = 1\n"),
            (vec!["tls"], "[tls]\nzz-bogus = 1\n"),
            (vec!["env-segregation"], "[env-segregation]\nzz-bogus = 1\n"),
            (vec!["updates"], "[updates]\nzz-bogus = 1\n"),
            (vec!["monitoring"], "[monitoring]\nzz-bogus = 1\n"),
            (vec!["renewals"], "[renewals]\nzz-bogus = 1\n"),
            (vec!["backups"], "[backups]\nzz-bogus = 1\n"),
            (
                vec!["waiver"],
                "[[waiver]]\nrule = \"x\"\nreason = \"r\"\nexpires = 2027-01-01\nzz-bogus = 1\n",
            ),
        ] {
            let e = toml::from_str::<RawPolicy>(probe).unwrap_err().to_string();
            // "expected `a`", "expected `a` or `b`", "expected one of `a`, ...".
            let list = e
                .split("zz-bogus`, expected")
                .nth(1)
                .unwrap_or_else(|| panic!("{path:?}: {e}"));
            let mut serde_keys: Vec<&str> = list.split('`').skip(1).step_by(2).collect();
            serde_keys.sort_unstable();
            let mut ours = known_keys(&path).to_vec();
            ours.sort_unstable();
            assert_eq!(ours, serde_keys, "{path:?}");
        }
    }

    #[test]
    fn builtins_load() {
        for name in builtin_names() {
            let p = load(Some(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!p.selected.is_empty());
            // The effective policy parses back as a policy.
            let d = tempfile::tempdir().unwrap();
            let f = write(d.path(), "show.toml", &p.to_toml());
            let again = load(Some(&f)).unwrap_or_else(|e| panic!("{name} show: {e}"));
            assert_eq!(again.selected, p.selected);
            assert_eq!(again.severity, p.severity);
            assert_eq!(again.fail_on, p.fail_on);
        }
        let base = load(None).unwrap();
        assert_eq!(base.name, "baseline");
        assert_eq!(base.fail_on, Some(Severity::High));
        assert_eq!(base.open_ports.allowed, vec![22, 80, 443]);
    }

    #[test]
    fn problems_name_file_and_line() {
        let d = tempfile::tempdir().unwrap();
        let f = write(
            d.path(),
            "p.toml",
            "name = \"x\"\nfail-on = \"hgih\"\n[rules]\nselect = [\"PORT-999\"]\n[rules.severity]\n\"PORT-001\" = \"loud\"\n",
        );
        let e = load(Some(&f)).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("p.toml:2: bad fail-on `hgih`") && text.contains("critical or never"),
            "{text}"
        );
        assert!(text.contains("p.toml:4: unknown rule"), "{text}");
        assert!(text.contains("p.toml:6: bad severity `loud`"), "{text}");

        let f = write(
            d.path(),
            "q.toml",
            "name = \"x\"\n\n[open-ports]\nalowed = [1]\n",
        );
        let e = load(Some(&f)).unwrap_err().to_string();
        assert!(
            e.contains("q.toml:4:") && e.contains("unknown key `alowed` in [open-ports]"),
            "{e}"
        );

        // Every problem at once: two unknown keys, an unknown table, a bad
        // value after them, and an `extends` of nothing, each with its line.
        let f = write(
            d.path(),
            "many.toml",
            "extends = \"basline\"\nfial-on = \"high\"\n[open-ports]\nalowed = [1]\nnever-public = [0]\n[bogus]\nx = [\n  1,\n]\n[[waiver]]\nrule = \"PORT-001\"\nreason = \"r\"\nexpires = 2027-01-01\nwhy = 1\n",
        );
        let e = load(Some(&f)).unwrap_err();
        let lines: Vec<String> = e.problems.iter().map(ToString::to_string).collect();
        let text = lines.join("\n");
        for want in [
            "many.toml:1: extends `basline`: no such policy",
            "many.toml:2: unknown key `fial-on`",
            "many.toml:4: unknown key `alowed` in [open-ports]",
            "many.toml:5: a port must be between 1 and 65535",
            "many.toml:6: unknown key `bogus`",
            "many.toml:14: unknown key `why` in [waiver]",
        ] {
            assert!(text.contains(want), "{want}:\n{text}");
        }

        // A policy without a name is named after its file.
        let f = write(d.path(), "team-policy.toml", "extends = \"baseline\"\n");
        assert_eq!(load(Some(&f)).unwrap().name, "team-policy");

        let f = write(d.path(), "r.toml", "[open-ports]\nallowed = [0, 22]\n");
        let e = load(Some(&f)).unwrap_err().to_string();
        assert!(
            e.contains("r.toml:2: a port must be between 1 and 65535, not 0"),
            "{e}"
        );

        let f = write(d.path(), "b.toml", "[backups]\nmax-age-days = -1\n");
        let e = load(Some(&f)).unwrap_err().to_string();
        assert!(
            e.contains("b.toml:2: max-age-days must be between 0 and 3650, not -1"),
            "{e}"
        );
        let f = write(d.path(), "c.toml", "[backups]\nmax-age-days = 7\n");
        assert_eq!(load(Some(&f)).unwrap().backups.max_age_days, 7);

        let e = load(Some("no-such-policy")).unwrap_err().to_string();
        assert!(e.contains("built-in: baseline"), "{e}");
    }

    #[test]
    fn updates_monitoring_renewals() {
        let d = tempfile::tempdir().unwrap();
        let f = write(
            d.path(),
            "u.toml",
            "[updates]\nminimum-cht-version = \"4.22\"\n[[updates.cht]]\nseries = \"5.3\"\nreleased = \"2026-10-01\"\nsource = \"https://docs.communityhealthtoolkit.org/releases/\"\n[[updates.os]]\nid = \"ubuntu\"\nversion = \"20.04\"\nend = \"2030-04-30\"\nsource = \"Ubuntu Pro\"\n[monitoring]\nmin-free-percent = 25\n[renewals]\nhorizon-days = 60\n",
        );
        let p = load(Some(&f)).unwrap();
        assert_eq!(
            p.updates.minimum_cht_version.as_ref().unwrap().1,
            semver::Version::new(4, 22, 0)
        );
        let t = p.updates.lifecycle();
        assert!(t.cht_line(5, 3).is_some());
        assert_eq!(
            t.os_row("ubuntu", "20.04").unwrap().end,
            Date::parse("2030-04-30")
        );
        assert_eq!(p.monitoring.min_free_percent, 25);
        assert_eq!(p.renewals.horizon_days, 60);
        // What `policy show` prints loads back to the same policy.
        let again = load(Some(&write(d.path(), "show.toml", &p.to_toml()))).unwrap();
        assert_eq!(again.updates, p.updates);
        assert_eq!(again.monitoring, p.monitoring);
        assert_eq!(again.renewals, p.renewals);

        let f = write(
            d.path(),
            "bad.toml",
            "[updates]\nminimum-cht-version = \"latest\"\n[[updates.os]]\nid = \"ubuntu\"\nversion = \"26.04\"\nend = \"soon\"\nsource = \"x\"\n[[updates.cht]]\nseries = \"5\"\nsource = \"x\"\n[monitoring]\nmin-free-percent = 5\nhigh-free-percent = 10\n[renewals]\nhorizon-days = -1\n",
        );
        let e = load(Some(&f)).unwrap_err().to_string();
        assert!(e.contains("bad.toml:2: minimum-cht-version must be"), "{e}");
        assert!(
            e.contains("bad.toml:3: [[updates.os]]: `end` must be a date"),
            "{e}"
        );
        assert!(e.contains("bad.toml:8: [[updates.cht]]: `series`"), "{e}");
        assert!(e.contains("high-free-percent (10) must not exceed"), "{e}");
        assert!(
            e.contains("bad.toml:15: horizon-days must be between"),
            "{e}"
        );
        let f = write(
            d.path(),
            "typo.toml",
            "[updates]\nminimum-version = \"4.22\"\n",
        );
        let e = load(Some(&f)).unwrap_err().to_string();
        assert!(
            e.contains("typo.toml:2:") && e.contains("unknown key `minimum-version` in [updates]"),
            "{e}"
        );
    }

    #[test]
    fn extends_and_waivers() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            "parent.toml",
            "extends = \"cht-production\"\n[open-ports]\nallowed = [22, 443]\n",
        );
        let f = write(
            d.path(),
            "child.toml",
            "extends = \"parent.toml\"\n[rules]\nignore = [\"PORT-007\"]\n[[waiver]]\nrule = \"PORT-001\"\ntarget = \"host:*\"\nreason = \"bastion\"\nexpires = 2027-01-31\n[[waiver]]\nrule = \"open-ports\"\npath = \"deploy/dev/**\"\nreason = \"dev box\"\nexpires = \"2020-01-01\"\n",
        );
        let p = load(Some(&f)).unwrap();
        assert_eq!(p.open_ports.allowed, vec![22, 443]);
        assert!(
            p.origin.contains("extends cht-production extends baseline"),
            "{}",
            p.origin
        );
        assert!(!p.selected.contains("PORT-007") && p.selected.contains("PORT-006"));
        assert_eq!(p.waivers.len(), 2);
        let w = &p.waivers[0];
        assert!(w.matches("PORT-001", "host:web", None));
        assert!(!w.matches("PORT-002", "host:web", None));
        assert!(!w.matches("PORT-001", "tree:x", None));
        assert!(w.origin.ends_with("child.toml:4"), "{}", w.origin);
        let w = &p.waivers[1];
        assert!(w.matches(
            "PORT-003",
            "tree:deploy",
            Some("deploy/dev/docker-compose.yml")
        ));
        assert!(!w.matches("PORT-003", "tree:deploy", None));
        assert!(w.expired(Date::parse("2026-01-01").unwrap()));

        let f = write(
            d.path(),
            "envs.toml",
            "[environments]\nproduction = [\"deploy/live\", \"**/prod-*\"]\nuat = [\"deploy/uat\"]\n",
        );
        let p = load(Some(&f)).unwrap();
        assert_eq!(
            p.environment_of("deploy/live", Path::new("/x")),
            Some("production")
        );
        assert_eq!(
            p.environment_of("deploy/live/", Path::new("/x")),
            Some("production")
        );
        assert_eq!(
            p.environment_of("", Path::new("/srv/prod-a")),
            Some("production")
        );
        assert_eq!(p.environment_of("deploy/uat", Path::new("/x")), Some("uat"));
        assert_eq!(p.environment_of("deploy/dev", Path::new("/x")), None);
        assert!(p.to_toml().contains("[environments]"));
        let f = write(
            d.path(),
            "badenv.toml",
            "[environments]\nproduction = [\"a[\"]\n\"bad label\" = [\"x\"]\nempty = []\n",
        );
        let e = load(Some(&f)).unwrap_err().to_string();
        assert!(e.contains("badenv.toml:2: bad glob"), "{e}");
        assert!(e.contains("badenv.toml:3: bad environment label"), "{e}");
        assert!(
            e.contains("badenv.toml:4: environment `empty` lists no path glob"),
            "{e}"
        );

        let f = write(d.path(), "loop.toml", "extends = \"loop.toml\"\n");
        assert!(load(Some(&f)).unwrap_err().to_string().contains("loops"));
        let f = write(
            d.path(),
            "w.toml",
            "[[waiver]]\nrule = \"PORT-001\"\nreason = \"\"\nexpires = \"soon\"\n",
        );
        let e = load(Some(&f)).unwrap_err().to_string();
        assert!(e.contains("w.toml:3: a waiver needs a reason"), "{e}");
        assert!(e.contains("w.toml:4: `expires` must be a date"), "{e}");
    }
}
