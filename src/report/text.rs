//! The human report: a per-pack scorecard of controls (rule × target), then
//! each failure with its location, message and a remediation hint, then what
//! could not be evaluated and why, waived findings, waiver problems and
//! notes. Colour only when asked (the CLI decides: terminal, `NO_COLOR`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::outcome::{Severity, Status};
use crate::scan::{Finding, Report, WaiverState};
use crate::target::TargetKind;

#[derive(Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }

    fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }

    fn severity(&self, s: Severity) -> String {
        let label = format!("{:<8}", s.as_str().to_uppercase());
        match s {
            Severity::Critical => self.paint("1;31", &label),
            Severity::High => self.paint("31", &label),
            Severity::Medium => self.paint("33", &label),
            Severity::Low => self.paint("36", &label),
            Severity::Info => self.paint("2", &label),
        }
    }
}

/// The status of a control (rule × target) from its outcomes.
fn control_status(outcomes: &[&Finding]) -> Status {
    let has = |s| outcomes.iter().any(|f| f.status == s);
    if has(Status::Fail) {
        Status::Fail
    } else if has(Status::NotEvaluated) {
        Status::NotEvaluated
    } else if has(Status::Waived) {
        Status::Waived
    } else if has(Status::Pass) {
        Status::Pass
    } else {
        Status::NotApplicable
    }
}

fn location_text(f: &Finding) -> String {
    match &f.location {
        Some(l) => match l.line {
            Some(n) => format!("{}:{n}", l.path),
            None => l.path.clone(),
        },
        None => f.target.clone(),
    }
}

/// The env-segregation matrix: environments × what they share (values,
/// hosts), from the evidence of env-segregation findings.
fn environment_matrix(report: &Report, style: Style) -> String {
    let mut rows: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut envs: BTreeSet<String> = BTreeSet::new();
    for f in report
        .results
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Waived))
    {
        let (Some(item), Some(list)) = (
            f.evidence.get("item").and_then(|v| v.as_str()),
            f.evidence.get("environments").and_then(|v| v.as_array()),
        ) else {
            continue;
        };
        let set: BTreeSet<String> = list
            .iter()
            .filter_map(|e| e.as_str().map(str::to_string))
            .collect();
        envs.extend(set.iter().cloned());
        rows.entry((item.to_string(), f.rule.id.clone()))
            .or_default()
            .extend(set);
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut cols: Vec<String> = envs.into_iter().collect();
    cols.sort_by_key(|e| (!report.policy.is_production(Some(e)), e.clone()));
    let width = rows
        .keys()
        .map(|(i, r)| i.chars().count() + r.len() + 3)
        .max()
        .unwrap_or(10)
        .clamp(10, 60);
    let mut out = format!(
        "\n{}\n  {:<width$}",
        style.bold("Environments: what they share"),
        ""
    );
    for c in &cols {
        out.push_str(&format!(" {c:^w$}", w = c.chars().count().max(3)));
    }
    out.push('\n');
    for ((item, rule), set) in &rows {
        let label = format!("{item} ({rule})");
        let label: String = label.chars().take(width).collect();
        out.push_str(&format!("  {label:<width$}"));
        for c in &cols {
            let mark = if set.contains(c) {
                style.paint("31", "●")
            } else {
                style.dim("·")
            };
            let w = c.chars().count().max(3);
            let pad = w.saturating_sub(1);
            out.push_str(&format!(
                " {}{mark}{}",
                " ".repeat(pad / 2),
                " ".repeat(pad - pad / 2)
            ));
        }
        out.push('\n');
    }
    out
}

pub fn render(report: &Report, style: Style) -> String {
    let mut out = String::new();
    let targets = report.targets.len();
    let rules: std::collections::BTreeSet<&str> =
        report.results.iter().map(|f| f.rule.id.as_str()).collect();
    let _ = writeln!(
        out,
        "{} {} · policy {} · {} target{} · {} rule{}",
        style.bold("rampart"),
        env!("CARGO_PKG_VERSION"),
        report.policy.name,
        targets,
        if targets == 1 { "" } else { "s" },
        rules.len(),
        if rules.len() == 1 { "" } else { "s" },
    );
    for t in &report.targets {
        let env = t
            .environment
            .as_deref()
            .map(|e| format!(" [{e}]"))
            .unwrap_or_default();
        match &t.error {
            Some(e) => {
                let _ = writeln!(
                    out,
                    "  {} {}{env}: {}",
                    style.paint("1;31", "error"),
                    t.id,
                    e
                );
            }
            None => {
                let what = match t.kind {
                    TargetKind::Tree | TargetKind::Host => {
                        format!(" {}", style.dim(&format!("({} config files)", t.files)))
                    }
                    TargetKind::Env => format!(" {}", style.dim("(compared across targets)")),
                    TargetKind::Tls | TargetKind::Domain => String::new(),
                };
                let _ = writeln!(out, "  {}{env}{what}", t.id);
            }
        }
    }

    // Scorecard.
    let mut controls: BTreeMap<(&str, &str, &str), Vec<&Finding>> = BTreeMap::new();
    for f in &report.results {
        controls
            .entry((f.rule.pack.as_str(), f.rule.id.as_str(), f.target.as_str()))
            .or_default()
            .push(f);
    }
    let mut packs: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    for ((pack, _, _), outcomes) in &controls {
        let row = packs.entry(pack).or_default();
        let i = match control_status(outcomes) {
            Status::Pass => 0,
            Status::Fail => 1,
            Status::NotApplicable => 2,
            Status::NotEvaluated => 3,
            Status::Waived => 4,
        };
        row[i] += 1;
    }
    if !packs.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.bold("Scorecard (controls: rule × target)")
        );
        let _ = writeln!(
            out,
            "  {:<20} {:>5} {:>5} {:>5} {:>5} {:>7}",
            "pack", "pass", "fail", "n/a", "n/e", "waived"
        );
        for (pack, row) in &packs {
            let fail = format!("{:>5}", row[1]);
            let fail = if row[1] > 0 {
                style.paint("31", &fail)
            } else {
                fail
            };
            let ne = format!("{:>5}", row[3]);
            let ne = if row[3] > 0 {
                style.paint("33", &ne)
            } else {
                ne
            };
            let _ = writeln!(
                out,
                "  {:<20} {:>5} {} {:>5} {} {:>7}",
                pack, row[0], fail, row[2], ne, row[4]
            );
        }
    }

    out.push_str(&environment_matrix(report, style));

    // Failures, grouped by rule, most severe rule first.
    let failures: Vec<&Finding> = report
        .results
        .iter()
        .filter(|f| f.status == Status::Fail)
        .collect();
    let mut groups: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &failures {
        groups.entry(f.rule.id.as_str()).or_default().push(f);
    }
    let mut groups: Vec<(Severity, &str, Vec<&Finding>)> = groups
        .into_iter()
        .map(|(id, mut fs)| {
            fs.sort_by(|a, b| {
                b.severity
                    .cmp(&a.severity)
                    .then(a.location.cmp(&b.location))
            });
            (fs[0].severity, id, fs)
        })
        .collect();
    groups.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    if !failures.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.bold(&format!("Failures ({})", failures.len()))
        );
        for (severity, _, fs) in &groups {
            let rule = fs[0].rule;
            let count = if fs.len() == 1 {
                String::new()
            } else {
                format!(" · {} findings", fs.len())
            };
            let _ = writeln!(
                out,
                "\n  {} {} {}{}",
                style.severity(*severity),
                style.bold(&rule.id),
                rule.name,
                style.dim(&count)
            );
            for f in fs {
                let sev = if f.severity == *severity {
                    String::new()
                } else {
                    format!("{} ", style.severity(f.severity).trim_end())
                };
                let _ = writeln!(out, "    {sev}{}", location_text(f));
                let _ = writeln!(out, "      {}", f.message);
            }
            let _ = writeln!(
                out,
                "    {} {}",
                style.paint("36", "fix:"),
                rule.remediation
            );
        }
    }

    // Not evaluated, folded by (reason, location).
    let mut ne: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    for f in report
        .results
        .iter()
        .filter(|f| f.status == Status::NotEvaluated)
    {
        let where_ = f
            .location
            .as_ref()
            .map(|_| location_text(f))
            .unwrap_or_else(|| f.target.clone());
        ne.entry((where_, f.message.clone()))
            .or_default()
            .push(&f.rule.id);
    }
    if !ne.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.bold(&format!("Not evaluated ({})", ne.len()))
        );
        for ((where_, why), rules) in &ne {
            let _ = writeln!(
                out,
                "  {} {}",
                style.paint("33", &rules.join(", ")),
                style.dim(where_)
            );
            let _ = writeln!(out, "    {why}");
        }
    }

    let waived: Vec<&Finding> = report
        .results
        .iter()
        .filter(|f| f.status == Status::Waived)
        .collect();
    if !waived.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.bold(&format!("Waived ({})", waived.len()))
        );
        for f in waived {
            let (reason, origin) = f
                .waiver
                .as_ref()
                .expect("waived findings carry their waiver");
            let _ = writeln!(
                out,
                "  {} {}  {}",
                f.rule.id,
                location_text(f),
                style.dim(&format!("{reason} ({origin})"))
            );
        }
    }

    let troubled: Vec<_> = report
        .waivers
        .iter()
        .filter(|w| w.state != WaiverState::Applied)
        .collect();
    if !troubled.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("Waivers to review"));
        for w in troubled {
            let what = match w.state {
                WaiverState::Expired => format!(
                    "expired on {}{}",
                    w.waiver.expires,
                    if w.matched > 0 {
                        format!(
                            "; it would match {} finding(s), reported as failures",
                            w.matched
                        )
                    } else {
                        String::new()
                    }
                ),
                _ => "matches nothing: remove it or fix its rule, target or path".to_string(),
            };
            let _ = writeln!(out, "  {} ({}): {what}", w.waiver.rule, w.waiver.origin);
        }
    }

    let notes: Vec<String> = report
        .targets
        .iter()
        .flat_map(|t| {
            t.notes.iter().map(move |(p, m)| match p {
                Some(p) => format!("{p}: {m}"),
                None => format!("{}: {m}", t.id),
            })
        })
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold(&format!("Notes ({})", notes.len())));
        for n in notes {
            let _ = writeln!(out, "  {}", style.dim(&n));
        }
    }

    // Verdict line.
    let mut by_sev: BTreeMap<std::cmp::Reverse<Severity>, usize> = BTreeMap::new();
    for f in &failures {
        *by_sev.entry(std::cmp::Reverse(f.severity)).or_default() += 1;
    }
    let sev_text = by_sev
        .iter()
        .map(|(s, n)| format!("{n} {}", s.0))
        .collect::<Vec<_>>()
        .join(", ");
    let code = report.exit_code();
    let verdict = match code {
        0 => style.paint("32", "passed"),
        1 => style.paint("1;31", "failed"),
        _ => style.paint("1;33", "incomplete"),
    };
    let _ = writeln!(
        out,
        "\n{}: {} failure{}{} · {} not evaluated · {} waived · fails on {} → {verdict} (exit {code})",
        style.bold("Result"),
        failures.len(),
        if failures.len() == 1 { "" } else { "s" },
        if sev_text.is_empty() {
            String::new()
        } else {
            format!(" ({sev_text})")
        },
        report.count(Status::NotEvaluated),
        report.count(Status::Waived),
        report.policy.fail_on.map_or("never", |s| s.as_str()),
    );
    for why in report.incomplete() {
        let _ = writeln!(out, "  {} {why}", style.paint("33", "incomplete:"));
    }
    out
}
