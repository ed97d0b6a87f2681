//! A saved JSON report back into the scan's `Report`, so `rampart report`
//! renders one host's report with the very writers `rampart scan` uses
//! (text, JSON, SARIF, GitHub annotations, the Markdown summary) without
//! rescanning. The report came from another machine: every string is
//! escaped on the way in (as the scan escapes what it reads), SARIF URIs
//! are checked and re-encoded when they are not plain relative URIs, and a
//! rule this rampart does not know gets an entry built from the report.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, OnceLock};

use globset::{Glob, GlobMatcher};

use crate::catalog::{RuleMeta, catalog};
use crate::clock::{Date, ScanHeader};
use crate::outcome::{Evidence, Location, Severity, Status};
use crate::policy::Waiver;
use crate::scan::{Finding, Report, TargetInfo, WaiverState, WaiverUse};
use crate::target::TargetKind;

use super::escape::escape;
use super::wire::{WireReport, WireResult, WireTarget};

/// The rebuilt report and what could not be carried over faithfully (for
/// standard error; never a value, only places and field names).
pub struct Rebuilt {
    pub report: Report,
    pub warnings: Vec<String>,
}

fn esc(s: &str) -> String {
    escape(s).into_owned()
}

/// A catalogue entry for a rule this rampart does not know (a report of a
/// newer version). Entries live for the process: `rampart report` is
/// one-shot, and each id is made once.
fn unknown_rule(id: &str, name: &str, pack: &str, severity: Severity) -> &'static RuleMeta {
    static MADE: OnceLock<Mutex<BTreeMap<String, &'static RuleMeta>>> = OnceLock::new();
    let made = MADE.get_or_init(|| Mutex::new(BTreeMap::new()));
    let mut made = made.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(m) = made.get(id) {
        return m;
    }
    let text = format!(
        "{id}: a rule this version of rampart does not know (the report was written by another version)"
    );
    let meta: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
        id: id.to_string(),
        name: if name.is_empty() || name == id {
            format!("unknown-{}", id.to_ascii_lowercase())
        } else {
            name.to_string()
        },
        pack: if pack.is_empty() {
            "unknown".to_string()
        } else {
            pack.to_string()
        },
        severity,
        inputs: Vec::new(),
        summary: text.clone(),
        remediation: "see the documentation of the rampart version that wrote the report"
            .to_string(),
        precision: "medium".to_string(),
        tags: Vec::new(),
        references: Vec::new(),
        cht: Vec::new(),
        body: text,
    }));
    made.insert(id.to_string(), meta);
    meta
}

/// Whether `uri` is a plain relative URI as the scan writes them: safe
/// bytes and `%XX` escapes only, never absolute or climbing out.
fn plain_uri(uri: &str) -> bool {
    let b = uri.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                if i + 2 >= b.len()
                    || !b[i + 1].is_ascii_hexdigit()
                    || !b[i + 2].is_ascii_hexdigit()
                {
                    return false;
                }
                i += 3;
                continue;
            }
            c if crate::target::uri_safe(c) => {}
            _ => return false,
        }
        i += 1;
    }
    !uri.is_empty() && !uri.starts_with('/') && !uri.split('/').any(|seg| seg == ".." || seg == ".")
}

/// A relative URI with no `.` or `..` segment (reports before 0.2 carry
/// no URI: it is derived from the path).
fn derive_uri(path: &str) -> String {
    let encoded = crate::target::sanitize_uri_path(path);
    encoded
        .split('/')
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .collect::<Vec<_>>()
        .join("/")
}

/// The host name of a host target: its SARIF category's (`host/web-1`),
/// else (reports before 0.2) the scan header's when the report has one host
/// target, else the id's (`host:web-1`, the last component of `root:/mnt/web-1`).
fn host_name(category: Option<&str>, id: &str, header_host: Option<&str>) -> String {
    if let Some(name) = category.and_then(|c| c.strip_prefix("host/")) {
        return name.to_string();
    }
    if let Some(h) = header_host {
        return h.to_string();
    }
    match id.split_once(':') {
        Some(("host", name)) => name.to_string(),
        Some((_, path)) => path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .filter(|l| !l.is_empty())
            .unwrap_or("root")
            .to_string(),
        None => id.to_string(),
    }
}

fn category_of(t: &WireTarget, kind: TargetKind, host: Option<&str>) -> String {
    if let Some(c) = t.category.as_deref().filter(|c| !c.is_empty()) {
        return esc(c);
    }
    match kind {
        TargetKind::Host => format!("host/{}", host.unwrap_or("unknown")),
        TargetKind::Tree => "tree".to_string(),
        TargetKind::Tls => "tls".to_string(),
        TargetKind::Env => "env".to_string(),
        TargetKind::Domain => "domains".to_string(),
    }
}

fn escape_value(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(s) => Value::String(esc(s)),
        Value::Array(a) => Value::Array(a.iter().map(escape_value).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (esc(k), escape_value(v))).collect())
        }
        other => other.clone(),
    }
}

fn glob(pattern: &str) -> GlobMatcher {
    Glob::new(pattern)
        .or_else(|_| Glob::new(""))
        .expect("the empty glob compiles")
        .compile_matcher()
}

fn finding(
    r: &WireResult,
    n: usize,
    host_targets: &BTreeMap<String, String>,
    warnings: &mut Vec<String>,
) -> Option<Finding> {
    let Some(status) = Status::ALL.into_iter().find(|s| s.as_str() == r.status) else {
        warnings.push(format!(
            "result {n}: unknown status; the result is left out"
        ));
        return None;
    };
    let id = esc(&r.rule_id);
    let known = catalog().get(&id);
    let severity = match Severity::parse(&r.severity) {
        Some(s) => s,
        None => {
            warnings.push(format!(
                "result {n} ({id}): unknown severity; the rule's default is used"
            ));
            known.map_or(Severity::Info, |m| m.severity)
        }
    };
    let rule = match known {
        Some(m) => m,
        None => unknown_rule(&id, &esc(&r.rule_name), &esc(&r.pack), severity),
    };
    let target = esc(&r.target);
    let location = r.location.as_ref().map(|l| {
        let path = esc(&l.path);
        let uri = match l.uri.as_deref() {
            Some(u) if plain_uri(u) => u.to_string(),
            Some(u) => derive_uri(u),
            None => match host_targets.get(&target) {
                Some(host) => format!("hosts/{host}/{}", derive_uri(&path)),
                None => derive_uri(&path),
            },
        };
        Location {
            path: path.into(),
            line: l.line,
            uri: uri.into(),
        }
    });
    let mut evidence = Evidence::new();
    if let serde_json::Value::Object(o) = &r.evidence {
        for (k, v) in o {
            evidence.put(esc(k), escape_value(v));
        }
    }
    let fingerprint = esc(&r.fingerprint);
    Some(Finding {
        rule,
        target: target.into(),
        status,
        severity,
        message: esc(&r.message),
        location,
        evidence,
        key: fingerprint.clone(),
        fingerprint,
        waiver: r.waiver.as_ref().map(|w| (esc(&w.reason), esc(&w.origin))),
    })
}

/// Rebuilds the scan's report from a saved JSON report.
pub fn rebuild(wire: &WireReport) -> Rebuilt {
    let mut warnings = Vec::new();

    let mut policy = crate::policy::load(None).expect("the built-in policy loads");
    policy.name = esc(&wire.policy.name);
    policy.origin = esc(&wire.policy.origin);
    policy.description = String::new();
    policy.waivers = Vec::new();
    match wire.policy.fail_on.as_deref() {
        Some("never") => policy.fail_on = None,
        Some(s) => match Severity::parse(s) {
            Some(sev) => policy.fail_on = Some(sev),
            None => warnings.push(
                "policy.fail_on: unknown severity; the baseline policy's is used".to_string(),
            ),
        },
        None => {}
    }
    policy.severity = wire
        .policy
        .severity
        .iter()
        .filter_map(|(id, s)| Some((esc(id), Severity::parse(s)?)))
        .collect();
    policy.require_evaluated = wire
        .policy
        .require_evaluated
        .iter()
        .map(|s| esc(s))
        .collect();

    let header_host = wire.scan.as_ref().and_then(|s| s.host.as_deref());
    let one_host = wire.targets.iter().filter(|t| t.kind == "host").count() == 1;
    let mut targets = Vec::with_capacity(wire.targets.len());
    let mut host_targets = BTreeMap::new();
    for (n, t) in wire.targets.iter().enumerate() {
        let id = esc(&t.id);
        let kind = TargetKind::parse(&t.kind).unwrap_or_else(|| {
            warnings.push(format!("target {n} ({id}): unknown kind; read as a tree"));
            TargetKind::Tree
        });
        let host = (kind == TargetKind::Host).then(|| {
            let name = esc(&host_name(
                t.category.as_deref(),
                &t.id,
                header_host.filter(|_| one_host),
            ));
            host_targets.insert(id.clone(), derive_uri(&name));
            name
        });
        targets.push(TargetInfo {
            category: category_of(t, kind, host.as_deref()),
            id,
            kind,
            environment: t.environment.as_deref().map(esc),
            files: t.files,
            notes: t
                .notes
                .iter()
                .map(|n| (n.path.as_deref().map(esc), esc(&n.message)))
                .collect(),
            error: t.error.as_deref().map(esc),
        });
    }

    let results: Vec<Finding> = wire
        .results
        .iter()
        .enumerate()
        .filter_map(|(n, r)| finding(r, n, &host_targets, &mut warnings))
        .collect();

    let target_category: BTreeMap<&str, &str> = targets
        .iter()
        .map(|t| (t.id.as_str(), t.category.as_str()))
        .collect();
    let meta_of = |id: &str| -> &'static RuleMeta {
        catalog().get(id).unwrap_or_else(|| {
            results
                .iter()
                .find(|f| f.rule.id == id)
                .map_or_else(|| unknown_rule(id, "", "", Severity::Info), |f| f.rule)
        })
    };
    // Every result's rule is in its run (reports before 0.2 list no
    // `evaluated`; a hostile one may leave rules out).
    let mut evaluated: BTreeSet<(String, &'static str)> = results
        .iter()
        .filter_map(|f| {
            let c = target_category.get(&*f.target)?;
            Some((c.to_string(), f.rule.id.as_str()))
        })
        .collect();
    for (c, ids) in &wire.evaluated {
        let c = esc(c);
        for id in ids {
            evaluated.insert((c.clone(), meta_of(&esc(id)).id.as_str()));
        }
    }

    let today = wire
        .started()
        .and_then(|s| s.get(..10))
        .and_then(Date::parse)
        .unwrap_or_else(Date::today);
    let waivers = wire
        .waivers
        .iter()
        .enumerate()
        .map(|(n, w)| {
            let rule = esc(&w.rule);
            WaiverUse {
                waiver: Waiver {
                    rule_ids: BTreeSet::from([rule.clone()]),
                    rule,
                    target: w.target.as_deref().map(|t| (esc(t), glob(t))),
                    path: w.path.as_deref().map(|p| (esc(p), glob(p))),
                    reason: esc(&w.reason),
                    expires: Date::parse(&w.expires).unwrap_or_else(|| {
                        warnings.push(format!(
                            "waiver {n}: the expiry is not a date; the report's day is shown"
                        ));
                        today
                    }),
                    origin: esc(&w.origin),
                },
                state: match w.status.as_str() {
                    "applied" => WaiverState::Applied,
                    "expired" => WaiverState::Expired,
                    _ => WaiverState::Unused,
                },
                matched: w.matched,
            }
        })
        .collect();

    let has_states = wire.results.iter().any(|r| r.baseline_state.is_some());
    let baseline = (wire.baseline.is_some() || has_states).then(|| {
        wire.results
            .iter()
            .filter(|r| r.baseline_state.as_deref() == Some("unchanged"))
            .map(|r| esc(&r.fingerprint))
            .collect()
    });

    let header = wire.scan.as_ref().and_then(|s| {
        Some(ScanHeader {
            host: esc(s.host.as_deref()?),
            started: esc(s.started.as_deref()?),
            duration_ms: s.duration_ms?,
        })
    });

    let report = Report {
        policy,
        policy_sha256: esc(&wire.policy.sha256),
        targets,
        results,
        waivers,
        evaluated,
        today,
        baseline,
        fail_on_new: wire.baseline.as_ref().is_some_and(|b| b.fail_on_new),
        header,
    };
    if let Some(recorded) = wire.exit_code
        && recorded != report.exit_code()
    {
        warnings.push(format!(
            "the report records exit code {recorded}; re-judged from its results it is {}",
            report.exit_code()
        ));
    }
    Rebuilt { report, warnings }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_of_reports_without_categories() {
        assert_eq!(
            host_name(Some("host/web-1"), "root:/mnt/x", Some("h")),
            "web-1"
        );
        assert_eq!(host_name(None, "root:/mnt/x", Some("web-2")), "web-2");
        assert_eq!(host_name(None, "host:web-3", None), "web-3");
        assert_eq!(host_name(None, "root:/mnt/img/", None), "img");
    }

    #[test]
    fn uris_are_plain_relative_or_re_encoded() {
        assert!(plain_uri("deploy/prod/.env"));
        assert!(plain_uri("hosts/web-1/etc/ssh/sshd_config"));
        assert!(plain_uri("a/b%20c.yml"));
        assert!(!plain_uri("../up.env"));
        assert!(!plain_uri("/etc/passwd"));
        assert!(!plain_uri("a/./b"));
        assert!(!plain_uri("a b"));
        assert!(!plain_uri("a%2"));
        assert!(!plain_uri("x\n::error::forged"));
        assert_eq!(derive_uri("../deploy/./a b.env"), "deploy/a%20b.env");
        assert_eq!(derive_uri("x\n::y"), "x%0A%3A%3Ay");
    }

    #[test]
    fn hostile_fields_are_escaped_and_unknown_rules_kept() {
        let wire = WireReport::parse(
            r#"{"schema_version":1,
               "policy":{"name":"p\u001b[2J","sha256":"ab","fail_on":"high"},
               "targets":[{"id":"tree:x\nCRITICAL forged","kind":"tree"}],
               "results":[
                 {"rule_id":"ZZZ-999","rule_name":"new-rule","pack":"future","status":"fail",
                  "severity":"high","message":"m\r\u009b31m","target":"tree:x\nCRITICAL forged",
                  "location":{"path":"a\nb.env","line":3,"uri":"../a\nb.env"},
                  "evidence":{"k\u0007":"v\u202e"},"fingerprint":"f"},
                 {"rule_id":"PASS-001","status":"bogus"}],
               "exit_code":1}"#,
            "r.json",
        )
        .expect("parses");
        let Rebuilt { report, warnings } = rebuild(&wire);
        assert_eq!(report.results.len(), 1, "the unknown status is left out");
        assert!(
            warnings.iter().any(|w| w.contains("result 1")),
            "{warnings:?}"
        );
        let f = &report.results[0];
        assert_eq!(f.rule.id, "ZZZ-999");
        assert_eq!(f.rule.pack, "future");
        assert_eq!(f.message, "m\\x0d\\x9b31m");
        assert_eq!(&*f.target, "tree:x\\x0aCRITICAL forged");
        let l = f.location.as_ref().expect("location");
        assert_eq!(&*l.uri, "a%0Ab.env");
        assert_eq!(&*l.path, "a\\x0ab.env");
        assert_eq!(report.policy.name, "p\\x1b[2J");
        assert_eq!(report.exit_code(), 1);
        assert_eq!(
            report.evaluated,
            BTreeSet::from([("tree".to_string(), "ZZZ-999")])
        );
        assert!(
            !serde_json::to_string(&f.evidence)
                .expect("json")
                .contains('\u{7}')
        );
    }
}
