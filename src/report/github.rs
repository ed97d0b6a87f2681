//! `--format github`: GitHub Actions workflow commands, one annotation per
//! failure (`::error file=…,line=…,title=ID::message`), for repositories
//! without GitHub Advanced Security. Values are encoded as the runner
//! expects (`%`, CR, LF; and `:` `,` in properties), so no scanned name can
//! end an annotation or start a command of its own. Messages never carry
//! secrets (rules redact them); nothing else is written.

use std::fmt::Write as _;

use crate::outcome::{Severity, Status};
use crate::scan::{Finding, Report};

use super::escape::escape;

/// Encodes a command's message.
fn data(s: &str) -> String {
    escape(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Encodes a command property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A SARIF URI back to a repository path (`%20` → space).
fn uri_path(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&uri[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn command(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

fn annotation(f: &Finding, report: &Report) -> String {
    let mut props = Vec::new();
    if let Some(l) = &f.location
        && !l.uri.is_empty()
        && !l.uri.starts_with("hosts/")
        && !l.uri.starts_with("tls/")
        && !l.uri.starts_with("environments/")
    {
        props.push(format!("file={}", property(&uri_path(&l.uri))));
        if let Some(line) = l.line {
            props.push(format!("line={line}"));
        }
    }
    let state = report
        .baseline_state(f)
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    props.push(format!(
        "title={}",
        property(&format!("{} {}{state}", f.rule.id, f.rule.name))
    ));
    let where_ = match &f.location {
        Some(l) if l.uri.starts_with("hosts/") || l.uri.starts_with("tls/") => {
            format!("{}: ", l.path)
        }
        _ => String::new(),
    };
    format!(
        "::{} {}::{}",
        command(f.severity),
        props.join(","),
        data(&format!(
            "{where_}{} [{}] Fix: {}",
            f.message, f.severity, f.rule.remediation
        ))
    )
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in report.results.iter().filter(|f| f.status == Status::Fail) {
        let _ = writeln!(out, "{}", annotation(f, report));
    }
    let ne = report.count(Status::NotEvaluated);
    if ne > 0 {
        let _ = writeln!(
            out,
            "::warning title=rampart::{}",
            data(&format!(
                "{ne} finding(s) could not be evaluated; see the JSON or text report"
            ))
        );
    }
    for why in report.incomplete() {
        let _ = writeln!(out, "::error title=rampart incomplete::{}", data(&why));
    }
    let fails = report.count(Status::Fail);
    let _ = writeln!(
        out,
        "::notice title=rampart::{}",
        data(&format!(
            "{fails} failure(s), {ne} not evaluated, {} waived; exit {}",
            report.count(Status::Waived),
            report.exit_code()
        ))
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_keeps_one_command_per_line() {
        assert_eq!(data("a\nb\r%"), "a\\x0ab\\x0d%25");
        assert_eq!(property("x:y,z"), "x%3Ay%2Cz");
        assert_eq!(uri_path("a/b%20c.yml"), "a/b c.yml");
        assert_eq!(uri_path("a%2"), "a%2");
    }
}
