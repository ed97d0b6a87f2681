//! Bounded results: past `PER_RULE_PER_FILE` findings of one rule in one
//! file (a 3 MB PEM of junk, a generated users CSV), the rest are folded
//! into one finding that says how many it stands for, so no report grows
//! without bound. Applied by the engine before any report is written.

use crate::scan::{Finding, fingerprint};

/// Findings of one rule in one file listed one by one; the rest fold.
pub const PER_RULE_PER_FILE: usize = 100;

/// What a group shares: rule, target, file and status.
fn same_group(a: &Finding, b: &Finding) -> bool {
    fn path(f: &Finding) -> &str {
        f.location.as_ref().map_or("", |l| &l.path)
    }
    a.rule.id == b.rule.id && a.target == b.target && a.status == b.status && path(a) == path(b)
}

/// Folds each (rule, target, file, status) group over the limit. Results
/// must be sorted as the engine sorts them (target, rule, status, then
/// location, so each group is one run); the order is kept. One pass, no
/// copy of any key.
pub fn fold(results: Vec<Finding>) -> Vec<Finding> {
    // The length of each group's run.
    let mut runs: Vec<usize> = Vec::new();
    for (i, f) in results.iter().enumerate() {
        match runs.last_mut() {
            Some(n) if same_group(&results[i - 1], f) => *n += 1,
            _ => runs.push(1),
        }
    }
    if runs.iter().all(|&n| n <= PER_RULE_PER_FILE) {
        return results;
    }
    let mut out: Vec<Finding> = Vec::with_capacity(results.len().min(100_000));
    let mut results = results.into_iter();
    for total in runs {
        if total <= PER_RULE_PER_FILE {
            out.extend(results.by_ref().take(total));
            continue;
        }
        out.extend(results.by_ref().take(PER_RULE_PER_FILE - 1));
        let mut f = results.next().expect("a run's findings are there");
        // The rest of the run is folded into `f`.
        results
            .by_ref()
            .take(total - PER_RULE_PER_FILE)
            .for_each(drop);
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
        let (path, uri) = f
            .location
            .as_ref()
            .map(|l| (l.path.clone(), l.uri.clone()))
            .unwrap_or_default();
        f.key = format!("folded|{path}");
        f.fingerprint = fingerprint(&f.rule.id, "folded", &format!("{uri}|{:?}", f.status));
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::outcome::{Evidence, Location, Severity, Status};

    fn finding(rule: &str, path: Option<&str>, n: usize) -> Finding {
        Finding {
            rule: crate::catalog::catalog().get(rule).unwrap(),
            target: "tree".into(),
            status: Status::Fail,
            severity: Severity::High,
            message: format!("finding {n}"),
            location: path.map(|p| Location {
                path: Arc::from(p),
                line: Some(n as u32),
                uri: p.into(),
            }),
            evidence: Evidence::default(),
            key: format!("k{n:04}"),
            fingerprint: String::new(),
            waiver: None,
        }
    }

    #[test]
    fn each_run_over_the_limit_folds_into_its_last_listed_finding() {
        let mut results = vec![finding("PASS-015", None, 0)];
        results.extend((0..250).map(|n| finding("PASS-015", Some("a.csv"), n)));
        results.extend((0..PER_RULE_PER_FILE).map(|n| finding("PASS-015", Some("b.csv"), n)));
        results.extend((0..101).map(|n| finding("TOKEN-007", Some("b.csv"), n)));
        let out = fold(results);
        let count = |rule: &str, path: &str| {
            out.iter()
                .filter(|f| f.rule.id == rule)
                .filter(|f| f.location.as_ref().map_or("", |l| &l.path) == path)
                .count()
        };
        assert_eq!(count("PASS-015", ""), 1);
        assert_eq!(count("PASS-015", "a.csv"), PER_RULE_PER_FILE);
        assert_eq!(
            count("PASS-015", "b.csv"),
            PER_RULE_PER_FILE,
            "at the limit: none folds"
        );
        assert_eq!(count("TOKEN-007", "b.csv"), PER_RULE_PER_FILE);
        let folded: Vec<&Finding> = out
            .iter()
            .filter(|f| f.key.starts_with("folded|"))
            .collect();
        assert_eq!(folded.len(), 2);
        assert!(
            folded[0]
                .message
                .starts_with("151 more findings of PASS-015")
        );
        assert!(folded[0].message.ends_with("finding 99"));
        assert_eq!(folded[0].key, "folded|a.csv");
        assert!(
            folded[1]
                .message
                .starts_with("2 more findings of TOKEN-007")
        );
        // The order is kept: each folded finding closes its file's run.
        assert_eq!(out[PER_RULE_PER_FILE].key, "folded|a.csv");
        assert_eq!(out[PER_RULE_PER_FILE + 1].message, "finding 0");
    }

    #[test]
    fn results_under_the_limit_are_returned_as_they_are() {
        let results: Vec<Finding> = (0..PER_RULE_PER_FILE)
            .map(|n| finding("PASS-015", Some("a.csv"), n))
            .collect();
        let out = fold(results);
        assert_eq!(out.len(), PER_RULE_PER_FILE);
        assert!(out.iter().all(|f| !f.key.starts_with("folded")));
    }
}
