//! The catalogue's promise, checked for every rule: it has a failing and a
//! passing fixture, and each fixture yields exactly the expected status.
//!
//! Layout: `fixtures/<pack>/<RULE-ID>/<case>/`, where `<case>` is
//! `(pass|fail|na|ne)-(tree|root)[-what]`: the expected control status and
//! whether the directory is scanned as a config tree or an offline root.
//! Optional siblings: `<case>.policy.toml` (a policy for the case) and
//! `<case>.expect` (lines that must each appear in one of the rule's
//! messages for that case), and `<case>.chmod` (lines `MODE PATH`, octal
//! mode and a path inside the case, applied before the scan: git keeps no
//! permission bits besides the executable one), and `<case>.touch` (lines
//! `YYYY-MM-DD PATH`: the file's modification time is set to that day, for
//! rules that judge how old a file is; git keeps no times).

mod common;

use std::fs;
use std::path::Path;

use rampart::catalog::catalog;
use rampart::outcome::Status;
use rampart::rules;
use rampart::target::TargetKind;

fn control_status(statuses: &[Status]) -> &'static str {
    let has = |s| statuses.contains(&s);
    if has(Status::Fail) {
        "fail"
    } else if has(Status::NotEvaluated) {
        "ne"
    } else if has(Status::Waived) {
        "waived"
    } else if has(Status::Pass) {
        "pass"
    } else {
        "na"
    }
}

fn run_case(rule: &str, dir: &Path) -> Result<(), String> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let mut parts = name.splitn(3, '-');
    let expected = parts.next().unwrap_or_default();
    let kind = match parts.next() {
        Some("tree") => common::Kind::Tree,
        Some("root") => common::Kind::Root,
        _ => {
            return Err(format!(
                "{name}: case must be (pass|fail|na|ne)-(tree|root)[-what]"
            ));
        }
    };
    if !matches!(expected, "pass" | "fail" | "na" | "ne") {
        return Err(format!("{name}: unknown expectation {expected}"));
    }
    let chmod_file = dir.with_extension("chmod");
    if let Ok(text) = fs::read_to_string(&chmod_file) {
        use std::os::unix::fs::PermissionsExt;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (mode, path) = line
                .split_once(' ')
                .ok_or_else(|| format!("{name}.chmod: expected `MODE PATH`: {line}"))?;
            let mode = u32::from_str_radix(mode, 8)
                .map_err(|_| format!("{name}.chmod: bad mode {mode}"))?;
            fs::set_permissions(dir.join(path.trim()), fs::Permissions::from_mode(mode))
                .map_err(|e| format!("{name}.chmod: {path}: {e}"))?;
        }
    }
    let touch_file = dir.with_extension("touch");
    if let Ok(text) = fs::read_to_string(&touch_file) {
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (day, path) = line
                .split_once(' ')
                .ok_or_else(|| format!("{name}.touch: expected `YYYY-MM-DD PATH`: {line}"))?;
            let date = rampart::clock::Date::parse(day)
                .ok_or_else(|| format!("{name}.touch: bad date {day}"))?;
            let when = std::time::UNIX_EPOCH
                + std::time::Duration::from_secs(date.days() as u64 * 86_400 + 43_200);
            fs::File::open(dir.join(path.trim()))
                .and_then(|f| f.set_modified(when))
                .map_err(|e| format!("{name}.touch: {path}: {e}"))?;
        }
    }
    let policy_file = dir.with_extension("policy.toml");
    let policy = policy_file
        .is_file()
        .then(|| policy_file.display().to_string());
    let report = common::scan(dir, kind, &[rule], policy.as_deref());
    let statuses: Vec<Status> = report
        .results
        .iter()
        .filter(|f| f.rule.id == rule)
        .map(|f| f.status)
        .collect();
    let got = control_status(&statuses);
    let messages: Vec<String> = report
        .results
        .iter()
        .filter(|f| f.rule.id == rule)
        .map(|f| format!("{} {}", f.status, f.message))
        .collect();
    if got != expected {
        return Err(format!(
            "{rule} {name}: expected {expected}, got {got}:\n  {}",
            messages.join("\n  ")
        ));
    }
    let expect_file = dir.with_extension("expect");
    if let Ok(text) = fs::read_to_string(&expect_file) {
        for want in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !messages.iter().any(|m| m.contains(want)) {
                return Err(format!(
                    "{rule} {name}: no message contains {want:?}:\n  {}",
                    messages.join("\n  ")
                ));
            }
        }
    }
    Ok(())
}

/// Rules judged only on the live host (a measurement, not a file): their
/// fixtures can only be offline and `not_evaluated`; their pass and fail
/// cases are unit tests that supply the measurement.
const LIVE_ONLY: [&str; 1] = ["MON-004"];

#[test]
fn every_rule_has_both_fixtures_and_they_hold() {
    let mut problems = Vec::new();
    let mut cases = 0;
    for rule in rules::registry() {
        let meta = catalog().get(rule.id).unwrap();
        let offline = meta
            .inputs
            .iter()
            .any(|k| matches!(k, TargetKind::Tree | TargetKind::Host));
        let dir = common::fixtures().join(&meta.pack).join(rule.id);
        let mut entries: Vec<_> = match fs::read_dir(&dir) {
            Ok(rd) => rd
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect(),
            Err(_) if !offline => continue, // probe-only rules are tested against live servers
            Err(_) => {
                problems.push(format!("{}: no fixtures at {}", rule.id, dir.display()));
                continue;
            }
        };
        entries.sort();
        let names: Vec<String> = entries
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        if offline && !LIVE_ONLY.contains(&rule.id) {
            for want in ["pass-", "fail-"] {
                if !names.iter().any(|n| n.starts_with(want)) {
                    problems.push(format!("{}: no {want}* fixture", rule.id));
                }
            }
        }
        for case in entries {
            cases += 1;
            if let Err(e) = run_case(rule.id, &case) {
                problems.push(e);
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(cases > 0);
}
