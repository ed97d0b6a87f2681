//! Inline ignores written in scanned files: a comment
//! `# rampart: ignore[PASS-010] reason…` (or `//`, `;`) on a finding's line
//! or the line above waives that finding, like a policy waiver, with the
//! file and line as its origin. A reason is required: an ignore without one
//! does not apply, and the finding says so. Files are read through the
//! target's confined root, once each.

use std::collections::HashMap;

use crate::catalog::catalog;
use crate::outcome::Location;
use crate::target::{Source, Target};

/// What an inline ignore did for one finding.
#[derive(Debug, PartialEq, Eq)]
pub enum Inline {
    /// Waived: the reason and `path:line (inline ignore)`.
    Waived(String, String),
    /// An ignore for the rule without a reason, at this line.
    NoReason(u32),
}

/// The lines of the files read so far, by path inside the target's root.
#[derive(Default)]
pub struct InlineIgnores {
    files: HashMap<(String, String), Option<Vec<String>>>,
}

/// Parses `rampart: ignore[SEL, SEL] reason` out of a line.
fn parse(line: &str) -> Option<(Vec<String>, String)> {
    let at = line.find("rampart:")?;
    let rest = line[at + "rampart:".len()..].trim_start();
    let rest = rest.strip_prefix("ignore[")?;
    let (sels, reason) = rest.split_once(']')?;
    let sels = sels
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    Some((sels, reason.trim().to_string()))
}

fn selects(sels: &[String], rule_id: &str) -> bool {
    let cat = catalog();
    sels.iter()
        .any(|s| cat.select(s).is_some_and(|ids| ids.contains(&rule_id)))
}

impl InlineIgnores {
    /// The inline ignore that applies to a failure of `rule_id` at `loc`.
    pub fn find(&mut self, target: &Target, rule_id: &str, loc: &Location) -> Option<Inline> {
        let line = loc.line?;
        let Source::Tree(tree) = &target.source else {
            return None;
        };
        let rel = if tree.display.is_empty() {
            loc.path.as_str()
        } else {
            loc.path
                .strip_prefix(tree.display.trim_end_matches('/'))?
                .trim_start_matches('/')
        };
        let lines = self
            .files
            .entry((target.id.clone(), rel.to_string()))
            .or_insert_with(|| {
                tree.root
                    .read_text(rel, crate::target::root::DEFAULT_FILE_CAP)
                    .ok()
                    .map(|t| t.lines().map(str::to_string).collect())
            })
            .as_ref()?;
        let idx = usize::try_from(line).ok()?.checked_sub(1)?;
        for i in [Some(idx), idx.checked_sub(1)].into_iter().flatten() {
            let Some((sels, reason)) = lines.get(i).and_then(|l| parse(l)) else {
                continue;
            };
            if !selects(&sels, rule_id) {
                continue;
            }
            let n = u32::try_from(i + 1).ok()?;
            if reason.is_empty() {
                return Some(Inline::NoReason(n));
            }
            return Some(Inline::Waived(
                reason,
                format!("{}:{n} (inline ignore)", loc.path),
            ));
        }
        None
    }
}

/// Applies an inline ignore to a failure not waived by the policy.
pub fn apply(ignores: &mut InlineIgnores, target: &Target, f: &mut crate::scan::Finding) {
    use crate::outcome::Status;
    if f.status != Status::Fail {
        return;
    }
    let Some(loc) = &f.location else { return };
    match ignores.find(target, &f.rule.id, loc) {
        Some(Inline::Waived(reason, origin)) => {
            f.status = Status::Waived;
            f.waiver = Some((reason, origin));
        }
        Some(Inline::NoReason(line)) => {
            f.message.push_str(&format!(
                " (the inline ignore on line {line} has no reason, so it does not apply)"
            ));
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ignores() {
        assert_eq!(
            parse("COUCHDB_PASSWORD=x # rampart: ignore[PASS-010, PASS-011] lab box"),
            Some((
                vec!["PASS-010".to_string(), "PASS-011".to_string()],
                "lab box".to_string()
            ))
        );
        assert_eq!(
            parse("// rampart: ignore[open-ports]"),
            Some((vec!["open-ports".to_string()], String::new()))
        );
        assert_eq!(parse("# rampart is great"), None);
        assert!(selects(&["open-ports".to_string()], "PORT-003"));
        assert!(!selects(&["PASS-010".to_string()], "PASS-011"));
    }
}
