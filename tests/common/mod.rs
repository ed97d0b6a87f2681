//! Helpers shared by the integration tests: scanning a fixture in-process.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rampart::clock::Date;
use rampart::facts::LoadOptions;
use rampart::policy;
use rampart::rules;
use rampart::scan::{self, Plan, Report};
use rampart::target::Target;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    repo().join("fixtures")
}

/// The date fixtures are written for.
pub const TODAY: &str = "2026-11-22";

pub enum Kind {
    Tree,
    Root,
}

/// Scans one fixture as a tree or an offline root, running only `rule_ids`
/// (all when empty), under `policy` (default: baseline).
pub fn scan(path: &Path, kind: Kind, rule_ids: &[&str], policy: Option<&str>) -> Report {
    let policy = policy::load(policy).unwrap_or_else(|e| panic!("policy: {e}"));
    let rules: Vec<&'static rules::Rule> = if rule_ids.is_empty() {
        rules::registry()
    } else {
        rule_ids
            .iter()
            .map(|id| rules::find(id).unwrap_or_else(|| panic!("no rule {id}")))
            .collect()
    };
    let display = path.display().to_string();
    let target = match kind {
        Kind::Tree => Target::tree(path, &display, &repo()),
        Kind::Root => Target::host(path, &display, false),
    }
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    scan::run(Plan {
        targets: vec![target],
        target_errors: vec![],
        policy,
        rules,
        jobs: Some(2),
        today: Date::parse(TODAY).unwrap(),
        progress: false,
        load: LoadOptions::default(),
        check_domains: None,
    })
}
