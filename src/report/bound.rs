//! Bounded results: past `PER_RULE_PER_FILE` findings of one rule in one
//! file (a 3 MB PEM of junk, a generated users CSV), the rest are folded
//! into one finding that says how many it stands for, so no report grows
//! without bound. Applied by the engine before any report is written.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::outcome::Status;
use crate::scan::{Finding, fingerprint};

/// Findings of one rule in one file listed one by one; the rest fold.
pub const PER_RULE_PER_FILE: usize = 100;

/// Folds each (rule, target, file, status) group over the limit. Results
/// must be sorted; the order is kept.
pub fn fold(results: Vec<Finding>) -> Vec<Finding> {
    let mut counts: BTreeMap<(String, String, Arc<str>, Status), usize> = BTreeMap::new();
    let key = |f: &Finding| {
        (
            f.rule.id.clone(),
            f.target.clone(),
            f.location
                .as_ref()
                .map(|l| l.path.clone())
                .unwrap_or_default(),
            f.status,
        )
    };
    for f in &results {
        *counts.entry(key(f)).or_default() += 1;
    }
    if counts.values().all(|&n| n <= PER_RULE_PER_FILE) {
        return results;
    }
    let mut seen: BTreeMap<(String, String, Arc<str>, Status), usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(results.len().min(100_000));
    for mut f in results {
        let k = key(&f);
        let total = counts[&k];
        let n = seen.entry(k.clone()).or_default();
        *n += 1;
        if total <= PER_RULE_PER_FILE || *n < PER_RULE_PER_FILE {
            out.push(f);
            continue;
        }
        if *n > PER_RULE_PER_FILE {
            continue;
        }
        // The PER_RULE_PER_FILE-th finding stands for itself and the rest.
        let folded = total - PER_RULE_PER_FILE + 1;
        f.message = format!(
            "{folded} more findings of {} in this file (at most {} are listed one by one); the first of them: {}",
            f.rule.id,
            PER_RULE_PER_FILE - 1,
            f.message
        );
        f.evidence.put("folded_findings", folded);
        // Identity from the SARIF URI (relative to the repository root), so
        // it does not depend on how the path was typed.
        let uri = f
            .location
            .as_ref()
            .map(|l| l.uri.clone())
            .unwrap_or_default();
        f.key = format!("folded|{}", k.2);
        f.fingerprint = fingerprint(&f.rule.id, "folded", &format!("{uri}|{:?}", f.status));
        out.push(f);
    }
    out
}
