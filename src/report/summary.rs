//! `--summary FILE`: a Markdown summary for `$GITHUB_STEP_SUMMARY` — the
//! verdict, counts per severity, and the failures as a table (the first
//! 100). Built from messages, which never carry secrets; every string from
//! the scanned world is escaped for Markdown and for the terminal.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::outcome::Status;
use crate::scan::Report;

use super::escape::escape;

const MAX_ROWS: usize = 100;

/// Text safe in a Markdown table cell.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in escape(s).chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report) -> String {
    let code = report.exit_code();
    let verdict = match code {
        0 => "✅ passed",
        1 => "❌ failed",
        _ => "⚠️ incomplete",
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## rampart: {verdict} (exit {code})\n\npolicy `{}` · fails on {} · {} target(s)\n",
        cell(&report.policy.name),
        report.policy.fail_on.map_or("never", |s| s.as_str()),
        report.targets.len()
    );
    let failures: Vec<_> = report
        .results
        .iter()
        .filter(|f| f.status == Status::Fail)
        .collect();
    let mut by_sev: BTreeMap<std::cmp::Reverse<crate::outcome::Severity>, usize> = BTreeMap::new();
    for f in &failures {
        *by_sev.entry(std::cmp::Reverse(f.severity)).or_default() += 1;
    }
    let _ = writeln!(out, "| status | findings |\n|---|---:|");
    let _ = writeln!(out, "| fail | {} |", failures.len());
    for (s, n) in &by_sev {
        let _ = writeln!(out, "| &nbsp;&nbsp;{} | {n} |", s.0);
    }
    if let Some(n) = report.new_failures() {
        let _ = writeln!(out, "| &nbsp;&nbsp;new since the baseline | {n} |");
    }
    for s in [Status::NotEvaluated, Status::Waived, Status::Pass] {
        let _ = writeln!(
            out,
            "| {} | {} |",
            s.as_str().replace('_', " "),
            report.count(s)
        );
    }
    for why in report.incomplete() {
        let _ = writeln!(out, "\n> **incomplete:** {}", cell(&why));
    }
    if !failures.is_empty() {
        let _ = writeln!(
            out,
            "\n### Failures\n\n| severity | rule | where | message |\n|---|---|---|---|"
        );
        let mut sorted = failures.clone();
        sorted.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.id.cmp(&b.rule.id)));
        for f in sorted.iter().take(MAX_ROWS) {
            let where_ = match &f.location {
                Some(l) => match l.line {
                    Some(n) => format!("{}:{n}", l.path),
                    None => l.path.to_string(),
                },
                None => f.target.to_string(),
            };
            let state = report
                .baseline_state(f)
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| {}{state} | {} {} | {} | {} |",
                f.severity,
                cell(&f.rule.id),
                cell(&f.rule.name),
                cell(&where_),
                cell(&f.message)
            );
        }
        if sorted.len() > MAX_ROWS {
            let _ = writeln!(
                out,
                "\n… and {} more: see the JSON or SARIF report.",
                sorted.len() - MAX_ROWS
            );
        }
    }
    out
}
