//! SARIF 2.1.0 that GitHub code scanning accepts, built on the
//! `serde-sarif` model: one run per category
//! (`tree`, `host/<name>`, ...), every evaluated rule in `rules[]` with its
//! texts and `security-severity` (so fixed alerts close), failures (and
//! waived findings, as suppressed) as results with exactly one relative
//! physical location and a line, and fingerprints built from rule, target
//! and logical key, never from line numbers. GitHub's limits are guarded:
//! a run over 25,000 results, or a log over 10 MB gzipped, is cut (most
//! severe first) with a warning and a `toolExecutionNotifications` entry;
//! notifications are bounded per run (most severe kept, the rest counted).
//! Waived findings are left out unless asked for (GitHub ignores
//! `suppressions` and would open them as alerts); with a baseline every
//! result carries `baselineState`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;
use serde_sarif::sarif;

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
/// Notifications kept per run (errors first, then warnings, then notes);
/// the rest are counted in one note. Results are cut to fit GitHub's
/// limits, and notifications, which are never cut that way, must not be
/// able to break them alone.
const MAX_NOTIFICATIONS: usize = 1000;

/// How to render the SARIF log.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options<'a> {
    /// `--sarif-category`: put in every run's `automationDetails.id`.
    pub category: Option<&'a str>,
    /// `--sarif-waived include`: waived findings as suppressed results.
    pub include_waived: bool,
}

/// A message object of the SARIF model.
fn message(text: String) -> sarif::Message {
    sarif::Message {
        text: Some(text),
        ..Default::default()
    }
}

/// A tool execution notification.
fn notification(
    level: &str,
    text: String,
    rule: Option<sarif::ReportingDescriptorReference>,
) -> sarif::Notification {
    let n = sarif::Notification::builder()
        .level(json!(level))
        .message(message(text))
        .build();
    sarif::Notification {
        associated_rule: rule,
        ..n
    }
}

/// At most `MAX_NOTIFICATIONS`: past that, the most severe are kept (in
/// their order) and one note counts the rest.
fn bound_notifications(mut all: Vec<sarif::Notification>) -> Vec<sarif::Notification> {
    if all.len() <= MAX_NOTIFICATIONS {
        return all;
    }
    let rank = |n: &sarif::Notification| match n.level.as_ref().and_then(|l| l.as_str()) {
        Some("error") => 0,
        Some("warning") => 1,
        _ => 2,
    };
    all.sort_by_key(rank);
    let left_out = all.len() - (MAX_NOTIFICATIONS - 1);
    all.truncate(MAX_NOTIFICATIONS - 1);
    all.push(notification(
        "note",
        format!(
            "{left_out} more notifications are left out of this SARIF log (GitHub's upload \
             limits); the JSON report has them all"
        ),
        None,
    ));
    all
}

/// A property bag: `tags` and named properties.
fn bag(tags: Option<Vec<String>>, props: &[(&str, serde_json::Value)]) -> sarif::PropertyBag {
    sarif::PropertyBag {
        tags,
        additional_properties: props
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

fn level(sev: Severity) -> sarif::ResultLevel {
    match sev {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low | Severity::Info => sarif::ResultLevel::Note,
    }
}

fn level_name(sev: Severity) -> &'static str {
    match level(sev) {
        sarif::ResultLevel::Error => "error",
        sarif::ResultLevel::Warning => "warning",
        sarif::ResultLevel::Note => "note",
        sarif::ResultLevel::None => "none",
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

fn rule_entry(meta: &RuleMeta, severity: Severity) -> sarif::ReportingDescriptor {
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
    let mut props = vec![
        ("precision", json!(meta.precision)),
        ("problem.severity", json!(problem_severity(severity))),
    ];
    if let Some(s) = severity.security_severity() {
        props.push(("security-severity", json!(s)));
    }
    let text = |t: String| sarif::MultiformatMessageString::builder().text(t).build();
    sarif::ReportingDescriptor::builder()
        .id(meta.id.clone())
        .name(meta.name.clone())
        .short_description(text(meta.summary.clone()))
        .full_description(text(clip(&meta.description(), MAX_DESCRIPTION)))
        .help(
            sarif::MultiformatMessageString::builder()
                .text(meta.body.clone())
                .markdown(help_markdown(meta))
                .build(),
        )
        .help_uri(meta.help_uri())
        .default_configuration(sarif::ReportingConfiguration {
            level: Some(json!(level_name(severity))),
            ..Default::default()
        })
        .properties(bag(Some(tags), &props))
        .build()
}

/// A relative URI for a finding; `fallback` when it has no file.
fn uri_of(f: &Finding, fallback: &str) -> (String, u32) {
    match &f.location {
        Some(l) if !l.uri.is_empty() => (l.uri.to_string(), l.line.unwrap_or(1).max(1)),
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
    crate::timings::mark("render sarif");
    let fits = gzip_len(&text, max_gzip) <= max_gzip;
    crate::timings::mark("gzip sarif");
    if fits {
        return (text, warnings);
    }
    // Over GitHub's upload size: halve the results per run until it fits.
    let mut limit = cut.max(1) / 2;
    loop {
        let mut w = Vec::new();
        let (text, _) = render_limited(report, options, Some(limit), &mut w);
        let size = gzip_len(&text, max_gzip);
        if size <= max_gzip || limit <= 1 {
            warnings.extend(w);
            if size > max_gzip {
                warnings.push(format!(
                    "the SARIF log is still over GitHub's {} MB (gzipped) upload limit with \
                     one result per run: the upload will be refused",
                    max_gzip / (1024 * 1024)
                ));
            }
            return (text, warnings);
        }
        limit /= 2;
    }
}

/// The gzipped length of `text`, or its length when that is within `max`
/// already (most logs are far below the limit even uncompressed). The
/// fastest level is tried first: when even that fits, the default level
/// (which compresses at least as well) fits too.
fn gzip_len(text: &str, max: usize) -> usize {
    if text.len() <= max {
        return text.len();
    }
    let fast = gzipped_size(text, flate2::Compression::fast());
    if fast <= max {
        return fast;
    }
    gzipped_size(text, flate2::Compression::default())
}

/// The size of `text` gzipped at `level`, counted, not kept.
fn gzipped_size(text: &str, level: flate2::Compression) -> usize {
    use std::io::Write;
    struct Count(usize);
    impl Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Count(0), level);
    match gz.write_all(text.as_bytes()).and_then(|()| gz.finish()) {
        Ok(count) => count.0,
        Err(_) => usize::MAX,
    }
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
    // Rules a re-rendered report names that this catalogue lacks.
    let result_rules: BTreeMap<&str, &RuleMeta> = report
        .results
        .iter()
        .map(|f| (f.rule.id.as_str(), f.rule))
        .collect();
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
        let metas: Vec<&RuleMeta> = rule_ids
            .iter()
            .filter_map(|id| cat.get(id).or_else(|| result_rules.get(id).copied()))
            .collect();
        let index: BTreeMap<&str, usize> = metas
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.as_str(), i))
            .collect();
        let rules: Vec<sarif::ReportingDescriptor> = metas
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
            notifications.push(notification("warning", text, None));
            findings.truncate(max_results);
            findings.sort_by(|a, b| {
                (&a.target, &a.rule.id, &a.location).cmp(&(&b.target, &b.rule.id, &b.location))
            });
        }
        let results: Vec<sarif::Result> = findings
            .iter()
            .map(|f| {
                let (uri, line) = uri_of(
                    f,
                    fallback.get(&*f.target).map_or("rampart", String::as_str),
                );
                let mut fp = BTreeMap::new();
                fp.insert(
                    "primaryLocationLineHash".to_string(),
                    format!("{}:1", f.fingerprint),
                );
                fp.insert("rampart/v1".to_string(), f.fingerprint.clone());
                let suppressions: Vec<sarif::Suppression> = f
                    .waiver
                    .as_ref()
                    .map(|(reason, origin)| {
                        sarif::Suppression::builder()
                            .kind(json!("external"))
                            .status(json!("accepted"))
                            .justification(format!("{reason} (waiver {origin})"))
                            .build()
                    })
                    .into_iter()
                    .collect();
                let result = sarif::Result::builder()
                    .rule_id(f.rule.id.clone())
                    .rule_index(index[f.rule.id.as_str()] as i64)
                    .level(level(f.severity))
                    .message(message(f.message.clone()))
                    .locations(vec![sarif::Location {
                        physical_location: Some(sarif::PhysicalLocation {
                            artifact_location: Some(sarif::ArtifactLocation {
                                uri: Some(uri),
                                ..Default::default()
                            }),
                            region: Some(sarif::Region {
                                start_line: Some(i64::from(line)),
                                ..Default::default()
                            }),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }])
                    .partial_fingerprints(fp)
                    .properties(bag(
                        None,
                        &[
                            ("severity", json!(f.severity.as_str())),
                            ("target", json!(relative_target(&f.target))),
                        ],
                    ))
                    .build();
                sarif::Result {
                    suppressions: (!suppressions.is_empty()).then_some(suppressions),
                    baseline_state: report.baseline_state(f).map(|s| json!(s.as_str())),
                    ..result
                }
            })
            .collect();

        for f in report
            .results
            .iter()
            .filter(|f| f.status == Status::NotEvaluated && in_run(&f.target))
        {
            notifications.push(notification(
                "warning",
                format!("{} not evaluated on {}: {}", f.rule.id, f.target, f.message),
                index
                    .get(f.rule.id.as_str())
                    .map(|&i| sarif::ReportingDescriptorReference {
                        id: Some(f.rule.id.clone()),
                        index: Some(i as i64),
                        ..Default::default()
                    }),
            ));
        }
        for t in report
            .targets
            .iter()
            .filter(|t| run_of(&t.category) == *category)
        {
            if let Some(e) = &t.error {
                notifications.push(notification("error", format!("{}: {e}", t.id), None));
            }
            for (path, note) in &t.notes {
                notifications.push(notification(
                    "note",
                    match path {
                        Some(p) => format!("{p}: {note}"),
                        None => format!("{}: {note}", t.id),
                    },
                    None,
                ));
            }
        }
        let notifications = bound_notifications(notifications);
        let successful = !report
            .targets
            .iter()
            .any(|t| run_of(&t.category) == *category && t.error.is_some());
        let version = env!("CARGO_PKG_VERSION");
        let driver = sarif::ToolComponent::builder()
            .name("rampart")
            .version(version)
            .semantic_version(version)
            .information_uri(env!("CARGO_PKG_REPOSITORY"))
            .rules(rules)
            .build();
        runs.push(
            sarif::Run::builder()
                .tool(sarif::Tool::builder().driver(driver).build())
                .automation_details(sarif::RunAutomationDetails {
                    id: Some(match &category_prefix {
                        Some(p) => format!("rampart/{p}/{category}/"),
                        None => format!("rampart/{category}/"),
                    }),
                    ..Default::default()
                })
                .invocations(vec![
                    sarif::Invocation::builder()
                        .execution_successful(successful)
                        .tool_execution_notifications(notifications)
                        .build(),
                ])
                .results(results)
                .build(),
        );
    }
    let log = sarif::Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(runs)
        .build();
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
pub(crate) mod tests {
    use super::*;
    use crate::outcome::{Evidence, Location};
    use crate::scan::TargetInfo;
    use crate::target::TargetKind;

    fn report_with(n: usize) -> Report {
        report_with_messages(n, |i| format!("finding {i}"))
    }

    /// A report of `n` failures of PORT-003 in files `f{i}.yml` (also used
    /// by the JSON writer's tests).
    pub(crate) fn report_with_messages(n: usize, message: impl Fn(usize) -> String) -> Report {
        let meta = catalog().get("PORT-003").expect("PORT-003");
        let results = (0..n)
            .map(|i| Finding {
                rule: meta,
                target: "tree:.".into(),
                status: Status::Fail,
                severity: if i % 2 == 0 {
                    Severity::Critical
                } else {
                    Severity::Low
                },
                message: message(i),
                location: Some(Location {
                    path: format!("f{i}.yml").into(),
                    line: Some(1),
                    uri: format!("f{i}.yml").into(),
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

    fn first_run_notifications(sarif: &str) -> Vec<serde_json::Value> {
        let log: serde_json::Value = serde_json::from_str(sarif).expect("json");
        log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .expect("notifications")
            .clone()
    }

    #[test]
    fn notifications_are_bounded_most_severe_first_and_counted() {
        // 3,000 skipped-file notes and one target error: notifications alone
        // could break GitHub's limits, since results cuts do not touch them.
        let mut report = report_with(1);
        report.targets[0].notes = (0..3000)
            .map(|i| (Some(format!("f{i}.yml")), noise(i, 200)))
            .collect();
        report.targets[0].error = Some("a directory could not be read".to_string());
        let (text, _) = render_checked(&report, &Options::default());
        let notes = first_run_notifications(&text);
        assert_eq!(notes.len(), MAX_NOTIFICATIONS);
        assert_eq!(notes[0]["level"], "error", "{}", notes[0]);
        let last = notes.last().expect("a last notification");
        assert_eq!(last["level"], "note");
        let expected = format!("{} more notifications", 3001 - (MAX_NOTIFICATIONS - 1));
        assert!(
            last["message"]["text"]
                .as_str()
                .is_some_and(|t| t.starts_with(&expected)),
            "{last}"
        );
        // Under the bound, notifications are kept whole and in order.
        report.targets[0].notes.truncate(10);
        let (text, _) = render_checked(&report, &Options::default());
        let notes = first_run_notifications(&text);
        assert_eq!(notes.len(), 11);
        assert_eq!(notes[0]["level"], "error");
        assert_eq!(notes[1]["level"], "note");
    }

    #[test]
    fn a_log_still_over_the_limit_with_one_result_per_run_is_warned_about() {
        let mut report = report_with(4);
        report.targets[0].notes = (0..900)
            .map(|i| (Some(format!("f{i}.yml")), noise(i, 200)))
            .collect();
        let (_, warnings) = render_within(&report, &Options::default(), 1024);
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("still over") && w.contains("refused")),
            "{warnings:?}"
        );
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
        let props = entry.properties.expect("properties");
        assert!(props.tags.expect("tags").contains(&tags[0]));
        assert!(
            entry
                .help
                .and_then(|h| h.markdown)
                .expect("markdown")
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
