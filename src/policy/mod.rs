//! Policies: which rules run, at what severity, with which pack thresholds,
//! which findings are waived, and what fails the scan. Built-in profiles are
//! the TOML files under `policies/` (embedded); any other file works too. A
//! policy may `extends` another. Parsing goes through `raw` (unknown keys are
//! errors) and then validation here, which reports every problem with file
//! and line. The validated `Policy` is what the engine uses.

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
use crate::outcome::Severity;
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
        let loc = target.location(rel);
        let absolute = target
            .root()
            .map(|r| r.base().join(rel))
            .unwrap_or_default();
        if let Some(label) = self.environment_of(&loc.path, &absolute) {
            return Some(label.to_string());
        }
        let dir = loc.path.rsplit_once('/').map_or("", |(d, _)| d);
        crate::target::infer_environment(dir).or_else(|| target.environment.clone())
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
            backups: &'a BackupPolicy,
            environments: BTreeMap<&'a str, Vec<&'a str>>,
            waiver: Vec<ShowWaiver<'a>>,
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
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
    apply_spec(&mut policy, spec, None, &mut chain)?;
    policy.origin = chain.join(" extends ");
    Ok(policy)
}

fn apply_spec(
    policy: &mut Policy,
    spec: &str,
    relative_to: Option<&Path>,
    chain: &mut Vec<String>,
) -> Result<(), PolicyError> {
    let one = |message: String| PolicyError {
        problems: vec![Problem {
            file: spec.to_string(),
            line: None,
            message,
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
    let raw: RawPolicy = toml::from_str(&text).map_err(|e| PolicyError {
        problems: vec![Problem {
            file: file.clone(),
            line: e.span().map(|s| line_of(&text, s.start)),
            message: e.message().trim().to_string(),
        }],
    })?;
    if let Some(parent) = &raw.extends {
        apply_spec(policy, parent.get_ref(), dir.as_deref(), chain)?;
    }
    let mut v = Validator {
        file: &file,
        text: &text,
        problems: Vec::new(),
    };
    v.apply(policy, raw);
    if v.problems.is_empty() {
        Ok(())
    } else {
        Err(PolicyError {
            problems: v.problems,
        })
    }
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
        if let Some(name) = raw.name {
            p.name = name.into_inner();
        }
        if let Some(d) = raw.description {
            p.description = d.into_inner();
        }
        if let Some(f) = raw.fail_on {
            if f.get_ref() == "never" {
                p.fail_on = None;
            } else if let Some(s) = self.severity(&f) {
                p.fail_on = Some(s);
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

    fn write(dir: &Path, name: &str, text: &str) -> String {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
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
        assert!(text.contains("p.toml:2: bad severity `hgih`"), "{text}");
        assert!(text.contains("p.toml:4: unknown rule"), "{text}");
        assert!(text.contains("p.toml:6: bad severity `loud`"), "{text}");

        let f = write(
            d.path(),
            "q.toml",
            "name = \"x\"\n\n[open-ports]\nalowed = [1]\n",
        );
        let e = load(Some(&f)).unwrap_err().to_string();
        assert!(
            e.contains("q.toml:4:") && e.contains("unknown field `alowed`"),
            "{e}"
        );

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
