//! Baselines: a previous JSON report's failures, by fingerprint, so each
//! failure of this scan is `new` or `unchanged` (`--baseline`,
//! `--fail-on-new`), and `rampart diff OLD NEW` between two reports.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use crate::outcome::Status;
use crate::scan::{Finding, Report};

/// A failure's state against the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaselineState {
    New,
    Unchanged,
}

impl BaselineState {
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
        }
    }
}

impl fmt::Display for BaselineState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Report {
    /// `new` or `unchanged` for a failure when a baseline was given.
    pub fn baseline_state(&self, f: &Finding) -> Option<BaselineState> {
        let base = self.baseline.as_ref()?;
        (f.status == Status::Fail).then(|| {
            if base.contains(&f.fingerprint) {
                BaselineState::Unchanged
            } else {
                BaselineState::New
            }
        })
    }

    /// How many failures are new, when a baseline was given.
    pub fn new_failures(&self) -> Option<usize> {
        self.baseline.as_ref()?;
        Some(
            self.results
                .iter()
                .filter(|f| self.baseline_state(f) == Some(BaselineState::New))
                .count(),
        )
    }
}

/// Why a baseline or report file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{0}: cannot read: {1}")]
    Read(String, std::io::Error),
    #[error("{0}: not a rampart JSON report (line {1}, column {2})")]
    Json(String, usize, usize),
    #[error("{0}: not a rampart JSON report of schema_version 1")]
    Schema(String),
}

/// A failure as a JSON report records it.
#[derive(Clone, Debug)]
pub struct Failure {
    pub fingerprint: String,
    pub rule_id: String,
    pub severity: String,
    pub target: String,
    pub location: String,
    pub message: String,
}

/// Reads the failures (status `fail`) of a JSON report, by fingerprint.
pub fn read_failures(path: &std::path::Path) -> Result<BTreeMap<String, Failure>, BaselineError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| BaselineError::Read(name.clone(), e))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| BaselineError::Json(name.clone(), e.line(), e.column()))?;
    if v["schema_version"] != 1 || !v["results"].is_array() {
        return Err(BaselineError::Schema(name));
    }
    let mut out = BTreeMap::new();
    for r in v["results"].as_array().into_iter().flatten() {
        if r["status"] != "fail" {
            continue;
        }
        let Some(fp) = r["fingerprint"].as_str() else {
            continue;
        };
        let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
        let location = match (
            r["location"]["path"].as_str(),
            r["location"]["line"].as_u64(),
        ) {
            (Some(p), Some(l)) => format!("{p}:{l}"),
            (Some(p), None) => p.to_string(),
            _ => s("target"),
        };
        out.insert(
            fp.to_string(),
            Failure {
                fingerprint: fp.to_string(),
                rule_id: s("rule_id"),
                severity: s("severity"),
                target: s("target"),
                location,
                message: s("message"),
            },
        );
    }
    Ok(out)
}

/// The fingerprints of a baseline report's failures.
pub fn load(path: &std::path::Path) -> Result<BTreeSet<String>, BaselineError> {
    Ok(read_failures(path)?.into_keys().collect())
}

/// `rampart diff OLD NEW`: regressions (failures only in NEW) first, then
/// fixed ones (only in OLD), then the count unchanged. The exit code is 1
/// when there is a regression, else 0.
pub fn diff(old: &BTreeMap<String, Failure>, new: &BTreeMap<String, Failure>) -> (String, u8) {
    use std::fmt::Write as _;
    let esc = |s: &str| super::escape::escape(s).into_owned();
    let added: Vec<&Failure> = new
        .values()
        .filter(|f| !old.contains_key(&f.fingerprint))
        .collect();
    let fixed: Vec<&Failure> = old
        .values()
        .filter(|f| !new.contains_key(&f.fingerprint))
        .collect();
    let unchanged = new.keys().filter(|k| old.contains_key(*k)).count();
    let mut out = String::new();
    let list = |title: &str, fs: &[&Failure], out: &mut String| {
        let _ = writeln!(out, "{title} ({})", fs.len());
        let mut fs = fs.to_vec();
        fs.sort_by(|a, b| (&a.rule_id, &a.location).cmp(&(&b.rule_id, &b.location)));
        for f in fs {
            let _ = writeln!(
                out,
                "  {:<8} {} {}\n      {}",
                f.severity.to_uppercase(),
                esc(&f.rule_id),
                esc(&f.location),
                esc(&f.message)
            );
        }
    };
    list("New failures", &added, &mut out);
    list("\nFixed", &fixed, &mut out);
    let _ = writeln!(
        out,
        "\n{} new · {} fixed · {} unchanged",
        added.len(),
        fixed.len(),
        unchanged
    );
    (out, u8::from(!added.is_empty()))
}
