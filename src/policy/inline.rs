//! Inline ignores written in scanned files: a comment
//! `# rampart: ignore[PASS-010] reason…` (or `//`, `;`) on a finding's line
//! or the line above waives that finding, like a policy waiver, with the
//! file and line as its origin. A reason is required: an ignore without one
//! does not apply, and the finding says so. The marked lines of the
//! configuration files are kept as they are loaded; other files a failure
//! points into are read through the target's confined root, once each.

use foldhash::{HashMap, HashMapExt};

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

/// The inline ignores of the files failures point into, read once each
/// (in parallel, before findings are finished): only the lines that carry
/// an ignore are kept, by (target id, path inside the target's root).
#[derive(Default)]
pub struct InlineIgnores {
    /// Target id → path → its ignores (files without any are left out).
    files: HashMap<String, HashMap<String, Vec<Ignore>>>,
}

/// One `rampart: ignore[…]` comment: its line (1-based), selectors, reason.
struct Ignore {
    line: u32,
    selectors: Vec<String>,
    reason: String,
}

/// The path inside `target`'s root that `loc` names, when `target` is a
/// tree and `loc` has a line (only those can carry inline ignores).
fn tree_rel<'l>(target: &Target, loc: &'l Location) -> Option<&'l str> {
    loc.line?;
    let Source::Tree(tree) = &target.source else {
        return None;
    };
    if tree.display.is_empty() {
        Some(&*loc.path)
    } else {
        Some(
            loc.path
                .strip_prefix(tree.display.trim_end_matches('/'))?
                .trim_start_matches('/'),
        )
    }
}

/// The lines of a file that carry a `rampart:` marker, numbered from 1:
/// all an inline ignore needs of a file. Kept for each file as it is read
/// (most have none: one substring search), so finishing findings reads
/// no file again.
pub fn marked_lines(text: &str) -> Box<[(u32, Box<str>)]> {
    if !text.contains("rampart:") {
        return Box::default();
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains("rampart:"))
        .filter_map(|(i, l)| Some((u32::try_from(i + 1).ok()?, l.into())))
        .collect()
}

/// The ignore comments among a file's marked lines.
fn ignores_in<'l>(marked: impl Iterator<Item = (u32, &'l str)>) -> Vec<Ignore> {
    marked
        .filter_map(|(line, l)| {
            let (selectors, reason) = parse(l)?;
            Some(Ignore {
                line,
                selectors,
                reason,
            })
        })
        .collect()
}

/// The ignore comments of a file no configuration file of the scan is
/// (a script, an included fragment): read now (none when it cannot be).
fn read_ignores(target: &Target, rel: &str) -> Vec<Ignore> {
    let Source::Tree(tree) = &target.source else {
        return Vec::new();
    };
    let Ok(text) = tree
        .root
        .read_text(rel, crate::target::root::DEFAULT_FILE_CAP)
    else {
        return Vec::new();
    };
    ignores_in(marked_lines(&text).iter().map(|(n, l)| (*n, &**l)))
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
    /// The ignores of every file the `failures` (target and location of
    /// each failing finding) point into, each file once: from its marked
    /// lines kept when it was loaded (`marked`, `None` for a file the scan
    /// did not load, which is then read, across cores).
    pub fn read<'a, M>(
        failures: impl Iterator<Item = (&'a Target, &'a Location)>,
        marked: M,
    ) -> InlineIgnores
    where
        M: Fn(&Target, &str) -> Option<&'a [(u32, Box<str>)]> + Sync,
    {
        use rayon::prelude::*;
        let mut wanted: Vec<(&Target, &str)> = failures
            .filter_map(|(t, loc)| Some((t, tree_rel(t, loc)?)))
            .collect();
        wanted.sort_unstable_by(|a, b| (&a.0.id, a.1).cmp(&(&b.0.id, b.1)));
        wanted.dedup_by(|a, b| a.0.id == b.0.id && a.1 == b.1);
        let found: Vec<(&Target, &str, Vec<Ignore>)> = wanted
            .par_iter()
            .map(|&(t, rel)| {
                let ignores = match marked(t, rel) {
                    Some(lines) => ignores_in(lines.iter().map(|(n, l)| (*n, &**l))),
                    None => read_ignores(t, rel),
                };
                (t, rel, ignores)
            })
            .filter(|(_, _, ignores)| !ignores.is_empty())
            .collect();
        let mut files: HashMap<String, HashMap<String, Vec<Ignore>>> = HashMap::new();
        for (t, rel, ignores) in found {
            files
                .entry(t.id.clone())
                .or_default()
                .insert(rel.to_string(), ignores);
        }
        InlineIgnores { files }
    }

    /// The inline ignore that applies to a failure of `rule_id` at `loc`: on
    /// its line or the line above.
    pub fn find(&self, target: &Target, rule_id: &str, loc: &Location) -> Option<Inline> {
        let line = loc.line?;
        let rel = tree_rel(target, loc)?;
        let ignores = self.files.get(&target.id)?.get(rel)?;
        for n in [Some(line), line.checked_sub(1)].into_iter().flatten() {
            let Some(ig) = ignores.iter().find(|ig| ig.line == n) else {
                continue;
            };
            if !selects(&ig.selectors, rule_id) {
                continue;
            }
            if ig.reason.is_empty() {
                return Some(Inline::NoReason(n));
            }
            return Some(Inline::Waived(
                ig.reason.clone(),
                format!("{}:{n} (inline ignore)", loc.path),
            ));
        }
        None
    }
}

/// Applies an inline ignore to a failure not waived by the policy.
pub fn apply(ignores: &InlineIgnores, target: &Target, f: &mut crate::scan::Finding) {
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

    #[test]
    fn marked_lines_are_numbered_from_one() {
        assert!(marked_lines("A=1\nB=2\n").is_empty());
        let text = "\u{feff}A=1 # rampart: ignore[PASS-010] lab\r\nB=2\n\n# rampart: ignore[x]\n";
        let marked = marked_lines(text);
        let lines: Vec<u32> = marked.iter().map(|(n, _)| *n).collect();
        assert_eq!(lines, [1, 4]);
        let ignores = ignores_in(marked.iter().map(|(n, l)| (*n, &**l)));
        assert_eq!(ignores[0].selectors, ["PASS-010"]);
        assert_eq!(ignores[0].reason, "lab");
        assert_eq!(ignores[1].line, 4);
    }
}
