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

/// Results serialised at once: bounds the text held (about 2 MB).
const WINDOW: usize = 1024;

/// Writes the report as it is serialised (pretty, or on one line when
/// `compact`), never holding it whole in memory: the results, most of a
/// large report, are serialised across cores a window at a time and
/// written in order, byte for byte what one serialiser writes.
pub fn write(report: &Report, compact: bool, w: &mut impl std::io::Write) -> std::io::Result<()> {
    use rayon::prelude::*;
    let mut model = model(report);
    let results = std::mem::take(&mut model.results);
    let mut frame = if compact {
        serde_json::to_vec(&model)?
    } else {
        serde_json::to_vec_pretty(&model)?
    };
    frame.push(b'\n');
    // The empty array stands where the results go. A quote inside a JSON
    // string is escaped, so the key with its quotes is only ever the key.
    let empty: &[u8] = if compact {
        b"\"results\":[]"
    } else {
        b"\"results\": []"
    };
    let at = frame
        .windows(empty.len())
        .position(|x| x == empty)
        .expect("the report has a results key")
        + empty.len()
        - 1;
    w.write_all(&frame[..at])?;
    for (i, window) in results.chunks(WINDOW).enumerate() {
        let texts: Vec<(Vec<u8>, usize)> = window
            .par_iter()
            .with_min_len(64)
            .map(|r| result_text(r, compact))
            .collect::<Result<_, _>>()?;
        for (j, (text, start)) in texts.iter().enumerate() {
            let sep: &[u8] = match (i + j, compact) {
                (0, true) => b"",
                (0, false) => b"\n    ",
                (_, true) => b",",
                (_, false) => b",\n    ",
            };
            w.write_all(sep)?;
            w.write_all(&text[*start..])?;
        }
    }
    if !results.is_empty() && !compact {
        w.write_all(b"\n  ")?;
    }
    w.write_all(&frame[at..])
}

/// One result as it sits in the report's `results` array: pretty results
/// are indented two levels (JSON strings hold no raw line breaks). The
/// serialiser indents it, as the only item of a list in a list: no second
/// pass over the text.
///
/// Returned with where the result starts in the text (not moved there).
fn result_text(r: &ResultOut<'_>, compact: bool) -> serde_json::Result<(Vec<u8>, usize)> {
    if compact {
        return Ok((serde_json::to_vec(r)?, 0));
    }
    const OPEN: &[u8] = b"[\n  [\n    ";
    const CLOSE: &[u8] = b"\n  ]\n]";
    let mut text = serde_json::to_vec_pretty(&[[r]])?;
    debug_assert!(text.starts_with(OPEN) && text.ends_with(CLOSE));
    text.truncate(text.len() - CLOSE.len());
    Ok((text, OPEN.len()))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The streamed writer (results serialised across cores, a window at a
    /// time) writes what one serialiser writes: no results, one, and more
    /// than a window, with evidence nesting arrays and objects and text that
    /// looks like the report's own keys.
    #[test]
    fn written_report_is_the_rendered_report() {
        for n in [0, 1, 3, 2 * WINDOW + 7] {
            let mut report = crate::report::sarif::tests::report_with_messages(n, |i| {
                format!("finding {i}: \"results\": [] and a\nline break")
            });
            for (i, f) in report.results.iter_mut().enumerate() {
                if i % 3 == 0 {
                    f.evidence.put(
                        "checked",
                        vec![format!("a{i}"), "\"results\":[]".to_string()],
                    );
                    f.evidence.put("empty", Vec::<String>::new());
                    f.evidence
                        .put("nested", crate::outcome::Evidence::new().with("k", i));
                }
            }
            let mut pretty = Vec::new();
            write(&report, false, &mut pretty).expect("written");
            assert_eq!(
                String::from_utf8(pretty).expect("UTF-8"),
                render(&report),
                "{n}"
            );
            let mut compact = Vec::new();
            write(&report, true, &mut compact).expect("written");
            assert_eq!(
                String::from_utf8(compact).expect("UTF-8"),
                render_compact(&report),
                "{n}"
            );
        }
    }
}
