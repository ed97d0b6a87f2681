//! SARIF 2.1.0 that GitHub code scanning accepts: one run per category
//! (`tree`, `host/<name>`, ...), every evaluated rule in `rules[]` with its
//! texts and `security-severity` (so fixed alerts close), failures (and
//! waived findings, as suppressed) as results with exactly one relative
//! physical location and a line, and fingerprints built from rule, target
//! and logical key, never from line numbers. GitHub's limits are guarded:
//! a run over 25,000 results, or a log over 10 MB gzipped, is cut (most
//! severe first) with a warning and a `toolExecutionNotifications` entry.
//! Waived findings are left out unless asked for (GitHub ignores
//! `suppressions` and would open them as alerts); with a baseline every
//! result carries `baselineState`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::catalog::{RuleMeta, catalog};
use crate::outcome::{Severity, Status};
use crate::scan::{Finding, Report};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const MAX_RESULTS: usize = 25_000;
const MAX_RUNS: usize = 20;
const MAX_TAGS: usize = 10;
const MAX_DESCRIPTION: usize = 1000;
/// GitHub's upload limit, gzipped.
const MAX_GZIP_BYTES: usize = 10 * 1024 * 1024;

/// How to render the SARIF log.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options<'a> {
    /// `--sarif-category`: put in every run's `automationDetails.id`.
    pub category: Option<&'a str>,
    /// `--sarif-waived include`: waived findings as suppressed results.
    pub include_waived: bool,
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    automation_details: AutomationDetails,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
    full_description: Text,
    help: Help<'a>,
    help_uri: String,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    precision: String,
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    associated_rule: Option<RuleRef>,
}

#[derive(Serialize)]
struct RuleRef {
    id: String,
    index: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<LocationOut>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LocationOut {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
struct ResultProperties {
    severity: &'static str,
    /// The target, never an absolute machine path: its kind and the path
    /// relative to the repository (or the host name).
    target: String,
}

fn level(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn problem_severity(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "recommendation",
    }
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// `external/cwe/cwe-NNN` tags (GitHub shows them as CWE links) from a
/// rule's `CWE-NNN` references.
fn cwe_tags(meta: &RuleMeta) -> Vec<String> {
    meta.references
        .iter()
        .filter_map(|r| r.strip_prefix("CWE-"))
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .map(|n| format!("external/cwe/cwe-{n}"))
        .collect()
}

/// A reference as a Markdown link when it has a well-known home.
fn reference_link(r: &str) -> String {
    match r.strip_prefix("CWE-") {
        Some(n) if n.chars().all(|c| c.is_ascii_digit()) => {
            format!("[{r}](https://cwe.mitre.org/data/definitions/{n}.html)")
        }
        _ if r.starts_with("https://") => format!("<{r}>"),
        _ => r.to_string(),
    }
}

fn rule_entry(meta: &RuleMeta, severity: Severity) -> Rule<'_> {
    let mut tags = vec!["security".to_string()];
    for t in cwe_tags(meta)
        .iter()
        .chain(std::iter::once(&meta.pack))
        .chain(&meta.tags)
    {
        if tags.len() < MAX_TAGS && !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    Rule {
        id: &meta.id,
        name: &meta.name,
        short_description: Text {
            text: meta.summary.clone(),
        },
        full_description: Text {
            text: clip(&meta.description(), MAX_DESCRIPTION),
        },
        help: Help {
            text: &meta.body,
            markdown: help_markdown(meta),
        },
        help_uri: meta.help_uri(),
        default_configuration: Configuration {
            level: level(severity),
        },
        properties: RuleProperties {
            tags,
            precision: meta.precision.clone(),
            security_severity: severity.security_severity(),
            problem_severity: problem_severity(severity),
        },
    }
}

/// A relative URI for a finding; `fallback` when it has no file.
fn uri_of(f: &Finding, fallback: &str) -> (String, u32) {
    match &f.location {
        Some(l) if !l.uri.is_empty() => (l.uri.clone(), l.line.unwrap_or(1).max(1)),
        _ => (fallback.to_string(), 1),
    }
}

/// Renders the SARIF log. `category` (from `--sarif-category`) is put in
/// every run's `automationDetails.id`, so separate CI jobs that upload
/// rampart results for different trees keep separate alert sets.
/// Waived findings are left out (see `render_checked` for the options).
pub fn render(report: &Report, category: Option<&str>) -> String {
    render_checked(
        report,
        &Options {
            category,
            include_waived: false,
        },
    )
    .0
}

/// The rule's help in Markdown: its page, then its references as links.
fn help_markdown(meta: &RuleMeta) -> String {
    if meta.references.is_empty() {
        return meta.body.clone();
    }
    let links: Vec<String> = meta.references.iter().map(|r| reference_link(r)).collect();
    format!(
        "{}\n\n**References:** {}\n",
        meta.body.trim_end(),
        links.join(", ")
    )
}

/// Renders the SARIF log, and the warnings (limits that cut results) to
/// show on standard error.
pub fn render_checked(report: &Report, options: &Options) -> (String, Vec<String>) {
    render_within(report, options, MAX_GZIP_BYTES)
}

/// `render_checked` with the gzipped size limit given (tests use a small one).
fn render_within(report: &Report, options: &Options, max_gzip: usize) -> (String, Vec<String>) {
    let mut warnings = Vec::new();
    let (text, cut) = render_limited(report, options, None, &mut warnings);
    if gzip_len(&text, max_gzip) <= max_gzip {
        return (text, warnings);
    }
    // Over GitHub's upload size: halve the results per run until it fits.
    let mut limit = cut.max(1) / 2;
    loop {
        let mut w = Vec::new();
        let (text, _) = render_limited(report, options, Some(limit), &mut w);
        if gzip_len(&text, max_gzip) <= max_gzip || limit <= 1 {
            warnings.extend(w);
            return (text, warnings);
        }
        limit /= 2;
    }
}

/// The gzipped length of `text`, or its length when that is within `max`
/// already (most logs are far below the limit even uncompressed).
fn gzip_len(text: &str, max: usize) -> usize {
    use std::io::Write as _;
    if text.len() <= max {
        return text.len();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = gz.write_all(text.as_bytes());
    gz.finish().map_or(usize::MAX, |v| v.len())
}

/// Renders with at most `limit` results per run (GitHub's 25,000 when
/// `None`); returns the log and the largest number of results of a run.
fn render_limited(
    report: &Report,
    options: &Options,
    limit: Option<usize>,
    warnings: &mut Vec<String>,
) -> (String, usize) {
    let max_results = limit.unwrap_or(MAX_RESULTS).min(MAX_RESULTS);
    let mut largest = 0usize;
    let category = options.category;
    let cat = catalog();
    let category_prefix = category
        .map(|c| c.trim_matches('/').replace(char::is_whitespace, "-"))
        .filter(|c| !c.is_empty());
    let target_category: BTreeMap<&str, &str> = report
        .targets
        .iter()
        .map(|t| (t.id.as_str(), t.category.as_str()))
        .collect();
    let fallback: BTreeMap<&str, String> = report
        .targets
        .iter()
        .map(|t| {
            let uri = match t.category.split_once('/') {
                Some(("host", name)) => format!("hosts/{name}"),
                _ if t.category == "tls" => {
                    t.id.trim_start_matches("tls:")
                        .rsplit_once(':')
                        .and_then(|(h, p)| Some(crate::target::tls_pseudo_uri(h, p.parse().ok()?)))
                        .unwrap_or_else(|| "tls".to_string())
                }
                _ => crate::target::sanitize_uri_path(t.id.split_once(':').map_or("", |x| x.1)),
            };
            (
                t.id.as_str(),
                if uri.is_empty() || uri == "." {
                    "rampart".to_string()
                } else {
                    uri
                },
            )
        })
        .collect();

    // Categories, collapsing hosts into one run if GitHub's run limit would break.
    let mut categories: BTreeSet<String> = report
        .targets
        .iter()
        .map(|t| t.category.clone())
        .chain(report.evaluated.iter().map(|(c, _)| c.clone()))
        .collect();
    if categories.is_empty() {
        categories.insert("tree".to_string());
    }
    let collapse = categories.len() > MAX_RUNS;
    let run_of = |c: &str| -> String {
        if collapse {
            c.split('/').next().unwrap_or(c).to_string()
        } else {
            c.to_string()
        }
    };
    if collapse {
        categories = categories.iter().map(|c| run_of(c)).collect();
    }

    let mut runs = Vec::new();
    for category in &categories {
        let in_run = |target: &str| {
            target_category
                .get(target)
                .is_some_and(|c| run_of(c) == *category)
        };
        let rule_ids: BTreeSet<&str> = report
            .evaluated
            .iter()
            .filter(|(c, _)| run_of(c) == *category)
            .map(|(_, id)| *id)
            .collect();
        let metas: Vec<&RuleMeta> = rule_ids.iter().filter_map(|id| cat.get(id)).collect();
        let index: BTreeMap<&str, usize> = metas
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.as_str(), i))
            .collect();
        let rules = metas
            .iter()
            .map(|m| rule_entry(m, report.policy.severity_of(&m.id).unwrap_or(m.severity)))
            .collect();

        let mut findings: Vec<&Finding> = report
            .results
            .iter()
            .filter(|f| {
                (f.status == Status::Fail || (f.status == Status::Waived && options.include_waived))
                    && in_run(&f.target)
            })
            .collect();
        largest = largest.max(findings.len());
        let mut notifications = Vec::new();
        if findings.len() > max_results {
            findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
            let why = if limit.is_some() {
                "GitHub's 10 MB (gzipped) upload limit"
            } else {
                "GitHub's limit of 25,000 results per run"
            };
            let text = format!(
                "run {category}: {} results exceed {why}; only the {} most severe are included (the JSON report has them all)",
                findings.len(),
                max_results
            );
            warnings.push(format!("SARIF {text}"));
            notifications.push(Notification {
                level: "warning",
                message: Text { text },
                associated_rule: None,
            });
            findings.truncate(max_results);
            findings.sort_by(|a, b| {
                (&a.target, &a.rule.id, &a.location).cmp(&(&b.target, &b.rule.id, &b.location))
            });
        }
        let results = findings
            .iter()
            .map(|f| {
                let (uri, line) = uri_of(
                    f,
                    fallback
                        .get(f.target.as_str())
                        .map_or("rampart", String::as_str),
                );
                let mut fp = BTreeMap::new();
                fp.insert("primaryLocationLineHash", format!("{}:1", f.fingerprint));
                fp.insert("rampart/v1", f.fingerprint.clone());
                SarifResult {
                    rule_id: f.rule.id.clone(),
                    rule_index: index[f.rule.id.as_str()],
                    level: level(f.severity),
                    message: Text {
                        text: f.message.clone(),
                    },
                    locations: vec![LocationOut {
                        physical_location: PhysicalLocation {
                            artifact_location: ArtifactLocation { uri },
                            region: Region { start_line: line },
                        },
                    }],
                    partial_fingerprints: fp,
                    suppressions: f
                        .waiver
                        .as_ref()
                        .map(|(reason, origin)| Suppression {
                            kind: "external",
                            status: "accepted",
                            justification: format!("{reason} (waiver {origin})"),
                        })
                        .into_iter()
                        .collect(),
                    baseline_state: report.baseline_state(f).map(|s| s.as_str()),
                    properties: ResultProperties {
                        severity: f.severity.as_str(),
                        target: relative_target(&f.target),
                    },
                }
            })
            .collect();

        for f in report
            .results
            .iter()
            .filter(|f| f.status == Status::NotEvaluated && in_run(&f.target))
        {
            notifications.push(Notification {
                level: "warning",
                message: Text {
                    text: format!("{} not evaluated on {}: {}", f.rule.id, f.target, f.message),
                },
                associated_rule: index.get(f.rule.id.as_str()).map(|&i| RuleRef {
                    id: f.rule.id.clone(),
                    index: i,
                }),
            });
        }
        for t in report
            .targets
            .iter()
            .filter(|t| run_of(&t.category) == *category)
        {
            if let Some(e) = &t.error {
                notifications.push(Notification {
                    level: "error",
                    message: Text {
                        text: format!("{}: {e}", t.id),
                    },
                    associated_rule: None,
                });
            }
            for (path, note) in &t.notes {
                notifications.push(Notification {
                    level: "note",
                    message: Text {
                        text: match path {
                            Some(p) => format!("{p}: {note}"),
                            None => format!("{}: {note}", t.id),
                        },
                    },
                    associated_rule: None,
                });
            }
        }
        let successful = !report
            .targets
            .iter()
            .any(|t| run_of(&t.category) == *category && t.error.is_some());
        runs.push(Run {
            tool: Tool {
                driver: Driver {
                    name: "rampart",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules,
                },
            },
            automation_details: AutomationDetails {
                id: match &category_prefix {
                    Some(p) => format!("rampart/{p}/{category}/"),
                    None => format!("rampart/{category}/"),
                },
            },
            invocations: vec![Invocation {
                execution_successful: successful,
                tool_execution_notifications: notifications,
            }],
            results,
        });
    }
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs,
    };
    let mut text = serde_json::to_string_pretty(&log).expect("SARIF serialises");
    text.push('\n');
    (text, largest)
}

/// A target id without an absolute machine path: `tree:/home/me/deploy`
/// becomes `tree:deploy` (its last component), `root:/mnt/img` `root:img`.
fn relative_target(id: &str) -> String {
    match id.split_once(':') {
        Some((kind, rest)) if rest.starts_with('/') && kind != "tls" => {
            let (path, suffix) = rest.split_once('#').map_or((rest, ""), |(p, s)| (p, s));
            let last = path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .filter(|l| !l.is_empty())
                .unwrap_or("root");
            if suffix.is_empty() {
                format!("{kind}:{last}")
            } else {
                format!("{kind}:{last}#{suffix}")
            }
        }
        _ => id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Evidence, Location};
    use crate::scan::TargetInfo;
    use crate::target::TargetKind;

    fn report_with(n: usize) -> Report {
        report_with_messages(n, |i| format!("finding {i}"))
    }

    fn report_with_messages(n: usize, message: impl Fn(usize) -> String) -> Report {
        let meta = catalog().get("PORT-003").expect("PORT-003");
        let results = (0..n)
            .map(|i| Finding {
                rule: meta,
                target: "tree:.".to_string(),
                status: Status::Fail,
                severity: if i % 2 == 0 {
                    Severity::Critical
                } else {
                    Severity::Low
                },
                message: message(i),
                location: Some(Location {
                    path: format!("f{i}.yml"),
                    line: Some(1),
                    uri: format!("f{i}.yml"),
                }),
                evidence: Evidence::new(),
                key: i.to_string(),
                fingerprint: format!("{i:032x}"),
                waiver: None,
            })
            .collect();
        Report {
            policy: crate::policy::load(None).expect("baseline"),
            policy_sha256: String::new(),
            targets: vec![TargetInfo {
                id: "tree:.".to_string(),
                kind: TargetKind::Tree,
                environment: None,
                category: "tree".to_string(),
                files: 1,
                notes: Vec::new(),
                error: None,
            }],
            results,
            waivers: Vec::new(),
            evaluated: BTreeSet::from([("tree".to_string(), "PORT-003")]),
            today: crate::clock::Date::parse("2026-11-22").expect("date"),
            header: None,
            baseline: None,
            fail_on_new: false,
        }
    }

    #[test]
    fn runs_over_githubs_result_limit_are_cut_with_a_warning() {
        let (text, warnings) = render_checked(&report_with(MAX_RESULTS + 7), &Options::default());
        let log: serde_json::Value = serde_json::from_str(&text).expect("json");
        let run = &log["runs"][0];
        let results = run["results"].as_array().expect("results");
        assert_eq!(results.len(), MAX_RESULTS);
        // The most severe are kept: every critical one.
        let critical = results.iter().filter(|r| r["level"] == "error").count();
        assert_eq!(critical, (MAX_RESULTS + 7).div_ceil(2));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("25,000"), "{warnings:?}");
        let notes = run["invocations"][0]["toolExecutionNotifications"].to_string();
        assert!(notes.contains("25,000 results per run"), "{notes}");

        let (_, warnings) = render_checked(&report_with(10), &Options::default());
        assert!(warnings.is_empty());
    }

    /// Messages that deflate cannot shrink much: `len` characters from a
    /// 64-letter alphabet, drawn by xorshift from the finding's number.
    fn noise(i: usize, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-";
        let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                ALPHABET[(x % 64) as usize] as char
            })
            .collect()
    }

    fn gzipped(text: &str) -> usize {
        gzip_len(text, 0)
    }

    /// Checks a log cut for size: under `max` gzipped, fewer than `n`
    /// results, only critical ones kept, one warning, one notification.
    /// Returns the results kept and the gzipped size.
    fn assert_cut_for_size(
        text: &str,
        warnings: &[String],
        n: usize,
        max: usize,
    ) -> (usize, usize) {
        let gz = gzipped(text);
        assert!(gz <= max, "{gz} > {max}");
        let log: serde_json::Value = serde_json::from_str(text).expect("json");
        let run = &log["runs"][0];
        let results = run["results"].as_array().expect("results");
        assert!(
            !results.is_empty() && results.len() < n,
            "{}",
            results.len()
        );
        assert!(
            results.iter().all(|r| r["level"] == "error"),
            "the most severe are kept"
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("SARIF run tree: ")
                && warnings[0].contains("10 MB (gzipped) upload limit"),
            "{warnings:?}"
        );
        let notes = run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .expect("notifications");
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0]["message"]["text"]
                .as_str()
                .is_some_and(|t| t.contains(&format!("{n} results exceed GitHub's 10 MB"))),
            "{notes:?}"
        );
        (results.len(), gz)
    }

    #[test]
    fn logs_over_the_gzipped_size_limit_are_cut_with_a_warning() {
        const MAX: usize = 64 * 1024;
        let n = 1000;
        let report = report_with_messages(n, |i| noise(i, 200));
        let (whole, _) = render_within(&report, &Options::default(), usize::MAX);
        assert!(gzipped(&whole) > 2 * MAX, "{}", gzipped(&whole));
        let (text, warnings) = render_within(&report, &Options::default(), MAX);
        let (kept, _) = assert_cut_for_size(&text, &warnings, n, MAX);
        // Halved until it fits: 500 are critical, 250 and fewer fit.
        assert!(kept <= n / 4, "{kept}");
        // Just under the limit nothing is cut.
        let (text, warnings) = render_within(&report, &Options::default(), gzipped(&whole));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(text, whole);
    }

    /// The real limit, with a log of about 14 MB gzipped, far under the
    /// 25,000 results limit (long messages: few results to render).
    #[test]
    fn a_log_over_githubs_10_mb_gzipped_is_cut() {
        let n = 2500;
        let report = report_with_messages(n, |i| noise(i, 5600));
        let (text, warnings) = render_checked(&report, &Options::default());
        let (kept, gz) = assert_cut_for_size(&text, &warnings, n, MAX_GZIP_BYTES);
        // Halved once: the 1,250 critical ones, about 6 MB.
        assert_eq!(kept, n / 2);
        assert!(gz > MAX_GZIP_BYTES / 2, "{gz}");
    }

    #[test]
    fn cwe_references_become_tags() {
        let meta = catalog()
            .all()
            .iter()
            .find(|m| m.references.iter().any(|r| r.starts_with("CWE-")))
            .expect("a rule with a CWE");
        let tags = cwe_tags(meta);
        assert!(!tags.is_empty() && tags.iter().all(|t| t.starts_with("external/cwe/cwe-")));
        let entry = rule_entry(meta, meta.severity);
        assert!(entry.properties.tags.contains(&tags[0]));
        assert!(
            entry
                .help
                .markdown
                .contains("https://cwe.mitre.org/data/definitions/")
        );
    }

    #[test]
    fn properties_never_hold_absolute_paths() {
        assert_eq!(relative_target("tree:/home/me/deploy/"), "tree:deploy");
        assert_eq!(relative_target("root:/mnt/img#cht"), "root:img#cht");
        assert_eq!(relative_target("tree:deploy/prod"), "tree:deploy/prod");
        assert_eq!(relative_target("tls:[::1]:443"), "tls:[::1]:443");
    }
}
