//! The JSON report, `schema_version` 1: every control's status with its
//! evidence, the targets, the policy, the waivers and a summary. The field
//! names of the design contract are fixed; fields may be added, never renamed.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::outcome::{Evidence, Status};
use crate::scan::{Report, WaiverState};

pub const SCHEMA_VERSION: u32 = 1;

/// The JSON Schema of this report (`rampart schema`).
pub const SCHEMA: &str = include_str!("report-v1.schema.json");

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    tool: Tool,
    #[serde(skip_serializing_if = "Option::is_none")]
    scan: Option<ScanOut<'a>>,
    policy: PolicyOut<'a>,
    targets: Vec<TargetOut<'a>>,
    results: Vec<ResultOut<'a>>,
    summary: Summary,
    waivers: Vec<WaiverOut<'a>>,
    /// The rules evaluated, by SARIF run (`tree`, `host/web-1`): what
    /// `rampart report` needs to re-render the SARIF of this scan.
    evaluated: BTreeMap<&'a str, Vec<&'a str>>,
    /// Present when the scan compared with a baseline (`--baseline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<BaselineOut>,
    exit_code: i32,
}

#[derive(Serialize)]
struct BaselineOut {
    fail_on_new: bool,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct ScanOut<'a> {
    host: &'a str,
    started: &'a str,
    duration_ms: u64,
}

#[derive(Serialize)]
struct PolicyOut<'a> {
    name: &'a str,
    sha256: &'a str,
    origin: &'a str,
    fail_on: &'a str,
    /// Severities the policy sets for rules (over the catalogue's).
    severity: BTreeMap<&'a str, &'static str>,
    /// Rules whose `not_evaluated` makes the scan incomplete.
    require_evaluated: Vec<&'a str>,
}

#[derive(Serialize)]
struct TargetOut<'a> {
    id: &'a str,
    kind: &'a str,
    environment: Option<&'a str>,
    /// The SARIF run of the target's findings (`tree`, `host/web-1`).
    category: &'a str,
    files: usize,
    error: Option<&'a str>,
    notes: Vec<NoteOut<'a>>,
}

#[derive(Serialize)]
struct NoteOut<'a> {
    path: Option<&'a str>,
    message: &'a str,
}

#[derive(Serialize)]
struct ResultOut<'a> {
    rule_id: &'a str,
    rule_name: &'a str,
    pack: &'a str,
    target: &'a str,
    status: Status,
    severity: &'a str,
    message: &'a str,
    location: Option<LocationOut<'a>>,
    evidence: &'a Evidence,
    fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    waiver: Option<WaiverRef<'a>>,
    /// With `--baseline`: `new` or `unchanged` (failures only).
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
}

#[derive(Serialize)]
struct LocationOut<'a> {
    path: &'a str,
    line: Option<u32>,
    /// The SARIF URI (relative to the repository root; `hosts/...` for
    /// host paths).
    uri: &'a str,
}

#[derive(Serialize)]
struct WaiverRef<'a> {
    reason: &'a str,
    origin: &'a str,
}

#[derive(Serialize)]
struct Summary {
    pass: usize,
    fail: usize,
    not_applicable: usize,
    not_evaluated: usize,
    waived: usize,
}

#[derive(Serialize)]
struct WaiverOut<'a> {
    rule: &'a str,
    target: Option<&'a str>,
    path: Option<&'a str>,
    reason: &'a str,
    expires: String,
    origin: &'a str,
    status: &'a str,
    matched: usize,
}

pub fn render(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(&model(report)).expect("report serialises");
    text.push('\n');
    text
}

/// Writes the report as it is serialised (pretty, or on one line when
/// `compact`), never holding it whole in memory.
pub fn write(report: &Report, compact: bool, w: &mut impl std::io::Write) -> std::io::Result<()> {
    let model = model(report);
    if compact {
        serde_json::to_writer(&mut *w, &model)?;
    } else {
        serde_json::to_writer_pretty(&mut *w, &model)?;
    }
    w.write_all(b"\n")
}

/// The report on one line (`--compact`): one record per scan for log
/// collectors that take a line as a record.
pub fn render_compact(report: &Report) -> String {
    let mut text = serde_json::to_string(&model(report)).expect("report serialises");
    text.push('\n');
    text
}

fn model(report: &Report) -> JsonReport<'_> {
    JsonReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "rampart",
            version: env!("CARGO_PKG_VERSION"),
        },
        scan: report.header.as_ref().map(|h| ScanOut {
            host: &h.host,
            started: &h.started,
            duration_ms: h.duration_ms,
        }),
        policy: PolicyOut {
            name: &report.policy.name,
            sha256: &report.policy_sha256,
            origin: &report.policy.origin,
            fail_on: report.policy.fail_on.map_or("never", |s| s.as_str()),
            severity: report
                .policy
                .severity
                .iter()
                .map(|(id, s)| (id.as_str(), s.as_str()))
                .collect(),
            require_evaluated: report
                .policy
                .require_evaluated
                .iter()
                .map(String::as_str)
                .collect(),
        },
        targets: report
            .targets
            .iter()
            .map(|t| TargetOut {
                id: &t.id,
                kind: t.kind.as_str(),
                environment: t.environment.as_deref(),
                category: &t.category,
                files: t.files,
                error: t.error.as_deref(),
                notes: t
                    .notes
                    .iter()
                    .map(|(p, m)| NoteOut {
                        path: p.as_deref(),
                        message: m,
                    })
                    .collect(),
            })
            .collect(),
        results: report
            .results
            .iter()
            .map(|f| ResultOut {
                rule_id: &f.rule.id,
                rule_name: &f.rule.name,
                pack: &f.rule.pack,
                target: &f.target,
                status: f.status,
                severity: f.severity.as_str(),
                message: &f.message,
                location: f.location.as_ref().map(|l| LocationOut {
                    path: &l.path,
                    line: l.line,
                    uri: &l.uri,
                }),
                evidence: &f.evidence,
                fingerprint: &f.fingerprint,
                waiver: f
                    .waiver
                    .as_ref()
                    .map(|(reason, origin)| WaiverRef { reason, origin }),
                baseline_state: report.baseline_state(f).map(|s| s.as_str()),
            })
            .collect(),
        summary: Summary {
            pass: report.count(Status::Pass),
            fail: report.count(Status::Fail),
            not_applicable: report.count(Status::NotApplicable),
            not_evaluated: report.count(Status::NotEvaluated),
            waived: report.count(Status::Waived),
        },
        waivers: report
            .waivers
            .iter()
            .map(|u| WaiverOut {
                rule: &u.waiver.rule,
                target: u.waiver.target.as_ref().map(|(t, _)| t.as_str()),
                path: u.waiver.path.as_ref().map(|(p, _)| p.as_str()),
                reason: &u.waiver.reason,
                expires: u.waiver.expires.to_string(),
                origin: &u.waiver.origin,
                status: match u.state {
                    WaiverState::Applied => "applied",
                    WaiverState::Expired => "expired",
                    WaiverState::Unused => "unused",
                },
                matched: u.matched,
            })
            .collect(),
        evaluated: report
            .evaluated
            .iter()
            .fold(BTreeMap::new(), |mut m, (category, id)| {
                m.entry(category.as_str())
                    .or_insert_with(Vec::new)
                    .push(*id);
                m
            }),
        baseline: report.baseline.as_ref().map(|_| BaselineOut {
            fail_on_new: report.fail_on_new,
        }),
        exit_code: report.exit_code(),
    }
}

/// The JSON value of a report (for tests and tools).
pub fn value(report: &Report) -> Value {
    serde_json::from_str(&render(report)).expect("rendered JSON parses")
}
