//! SARIF 2.1.0 that GitHub code scanning accepts: one run per category
//! (`tree`, `host/<name>`, ...), every evaluated rule in `rules[]` with its
//! texts and `security-severity` (so fixed alerts close), failures (and
//! waived findings, as suppressed) as results with exactly one relative
//! physical location and a line, and fingerprints built from rule, target
//! and logical key, never from line numbers. GitHub's limits are guarded.

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
    markdown: &'a str,
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

fn rule_entry<'a>(meta: &'a RuleMeta, severity: Severity) -> Rule<'a> {
    let mut tags = vec!["security".to_string()];
    for t in std::iter::once(&meta.pack).chain(&meta.tags) {
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
            markdown: &meta.body,
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
pub fn render(report: &Report, category: Option<&str>) -> String {
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
            .filter(|f| matches!(f.status, Status::Fail | Status::Waived) && in_run(&f.target))
            .collect();
        let mut notifications = Vec::new();
        if findings.len() > MAX_RESULTS {
            findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
            notifications.push(Notification {
                level: "warning",
                message: Text {
                    text: format!(
                        "{} results exceed GitHub's limit; the {} most severe are included",
                        findings.len(),
                        MAX_RESULTS
                    ),
                },
                associated_rule: None,
            });
            findings.truncate(MAX_RESULTS);
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
                    properties: ResultProperties {
                        severity: f.severity.as_str(),
                        target: f.target.clone(),
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
    text
}
