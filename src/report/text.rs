//! The human report: a per-pack scorecard of controls (rule × target), then
//! each failure with its location, message and a remediation hint, then what
//! could not be evaluated and why, waived findings, waiver problems and
//! notes. Colour only when asked (the CLI decides: terminal, `NO_COLOR`).
//! Lines wrap to the given width with a hanging indent, and every string
//! from the scanned world goes through `escape` first, so no line of the
//! report starts with text a scanned file or peer chose.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::outcome::{Severity, Status};
use crate::scan::{Finding, Report, WaiverState};
use crate::target::TargetKind;
use serde_json::Value;

use super::escape::escape;

/// The width of the report when it does not go to a terminal.
pub const DEFAULT_WIDTH: usize = 100;

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
            Some(n) => format!("{}:{n}", escape(&l.path)),
            None => escape(&l.path).into_owned(),
        },
        None => escape(&f.target).into_owned(),
    }
}

/// A finding's message without its own location repeated: a leading
/// `PATH: ` is dropped and the file's path inside the message becomes
/// "this file". Escaped.
fn message_text(f: &Finding) -> String {
    let mut m = f.message.clone();
    if let Some(l) = &f.location
        && !l.path.is_empty()
    {
        if let Some(rest) = m.strip_prefix(&format!("{}: ", l.path)) {
            m = rest.to_string();
        }
        if l.line.is_some() && m.contains(&*l.path) {
            m = m.replace(&*l.path, "this file");
        }
    }
    if let Some(rest) = m.strip_prefix(&format!("{}: ", f.target)) {
        m = rest.to_string();
    }
    escape(&m).into_owned()
}

/// The reason a finding was not evaluated, with what is specific to one
/// finding taken out, so findings with the same reason fold together: the
/// subject before the first `: `, the file's path, `${NAME}` references.
fn reason_key(f: &Finding) -> String {
    let m = message_text(f);
    let m = match m.split_once(": ") {
        Some((subject, rest)) if !subject.is_empty() && subject.len() < 80 => rest.to_string(),
        _ => m,
    };
    let mut out = String::with_capacity(m.len());
    let mut rest = m.as_str();
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        match rest[i..].find('}') {
            Some(j) => {
                out.push_str("${…}");
                rest = &rest[i + j + 1..];
            }
            None => {
                rest = &rest[i..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Word-wraps `text` (plain, already escaped) to `width` columns: the first
/// line after `first` columns of indent, the others after `cont`.
pub(crate) fn wrap(text: &str, width: usize, first: usize, cont: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0usize;
    let mut avail = width.saturating_sub(first).max(20);
    for word in text.split(' ') {
        let mut word = word.to_string();
        loop {
            let wl = word.chars().count();
            let need = if len == 0 { wl } else { len + 1 + wl };
            if need <= avail {
                if len > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                len = need;
                break;
            }
            if len > 0 {
                lines.push(std::mem::take(&mut line));
                len = 0;
                avail = width.saturating_sub(cont).max(20);
                continue;
            }
            // A word longer than a line: break it.
            let head: String = word.chars().take(avail).collect();
            word = word.chars().skip(avail).collect();
            lines.push(head);
            avail = width.saturating_sub(cont).max(20);
        }
    }
    if len > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Writes `text` wrapped, indented by `first` then `cont` spaces, each line
/// painted with `paint`.
pub(crate) fn put_wrapped(
    out: &mut String,
    text: &str,
    width: usize,
    first: usize,
    cont: usize,
    paint: impl Fn(&str) -> String,
) {
    for (i, l) in wrap(text, width, first, cont).iter().enumerate() {
        let indent = if i == 0 { first } else { cont };
        let _ = writeln!(out, "{}{}", " ".repeat(indent), paint(l));
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
        let (Some(Value::String(item)), Some(Value::Array(list))) =
            (f.evidence.get("item"), f.evidence.get("environments"))
        else {
            continue;
        };
        let set: BTreeSet<String> = list
            .iter()
            .filter_map(|e| e.as_str().map(|e| escape(e).into_owned()))
            .collect();
        envs.extend(set.iter().cloned());
        rows.entry((escape(&item).into_owned(), f.rule.id.clone()))
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

/// The report at the default width (100 columns).
pub fn render(report: &Report, style: Style) -> String {
    render_width(report, style, DEFAULT_WIDTH)
}

/// How many paths a folded not-evaluated reason lists before "and N more".
const FIRST_PATHS: usize = 3;

/// The report wrapped to `width` columns.
pub fn render_width(report: &Report, style: Style, width: usize) -> String {
    let width = width.clamp(40, 1000);
    let mut out = String::new();
    let targets = report.targets.len();
    let rules: BTreeSet<&str> = report.results.iter().map(|f| f.rule.id.as_str()).collect();
    let _ = writeln!(
        out,
        "{} {} · policy {} · {} target{} · {} rule{}",
        style.bold("rampart"),
        env!("CARGO_PKG_VERSION"),
        escape(&report.policy.name),
        targets,
        if targets == 1 { "" } else { "s" },
        rules.len(),
        if rules.len() == 1 { "" } else { "s" },
    );
    for t in &report.targets {
        let env = t
            .environment
            .as_deref()
            .map(|e| format!(" [{}]", escape(e)))
            .unwrap_or_default();
        match &t.error {
            Some(e) => {
                let _ = writeln!(
                    out,
                    "  {} {}{env}: {}",
                    style.paint("1;31", "error"),
                    escape(&t.id),
                    escape(e)
                );
            }
            None => {
                let what = match t.kind {
                    TargetKind::Tree | TargetKind::Host => {
                        format!(
                            " {}",
                            style.dim(&format!(
                                "({} config file{})",
                                t.files,
                                if t.files == 1 { "" } else { "s" }
                            ))
                        )
                    }
                    TargetKind::Env => format!(" {}", style.dim("(compared across targets)")),
                    TargetKind::Tls | TargetKind::Domain => String::new(),
                };
                let _ = writeln!(out, "  {}{env}{what}", escape(&t.id));
            }
        }
    }

    // Scorecard.
    let mut controls: BTreeMap<(&str, &str, &str), Vec<&Finding>> = BTreeMap::new();
    for f in &report.results {
        controls
            .entry((f.rule.pack.as_str(), f.rule.id.as_str(), &*f.target))
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
        let mut total = [0usize; 5];
        for (pack, row) in &packs {
            for (t, n) in total.iter_mut().zip(row) {
                *t += n;
            }
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
        let _ = writeln!(
            out,
            "  {:<20} {:>5} {:>5} {:>5} {:>5} {:>7}",
            "total controls", total[0], total[1], total[2], total[3], total[4]
        );
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
    let fail_controls: BTreeSet<(&str, &str)> = failures
        .iter()
        .map(|f| (f.rule.id.as_str(), &*f.target))
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.bold(&format!(
                "Failures ({} finding{} in {} control{})",
                failures.len(),
                if failures.len() == 1 { "" } else { "s" },
                fail_controls.len(),
                if fail_controls.len() == 1 { "" } else { "s" },
            ))
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
                let state = match report.baseline_state(f) {
                    Some(s) => format!(" [{s}]"),
                    None => String::new(),
                };
                let loc = format!("{}{state}", location_text(f));
                if sev.is_empty() {
                    put_wrapped(&mut out, &loc, width, 4, 8, str::to_string);
                } else {
                    let _ = write!(out, "    {sev}");
                    put_wrapped(&mut out, &loc, width, 0, 8, str::to_string);
                }
                put_wrapped(&mut out, &message_text(f), width, 6, 8, str::to_string);
            }
            put_wrapped(
                &mut out,
                &format!("fix: {}", rule.remediation),
                width,
                4,
                9,
                |l| match l.strip_prefix("fix:") {
                    Some(rest) => format!("{}{rest}", style.paint("36", "fix:")),
                    None => l.to_string(),
                },
            );
        }
    }

    // Not evaluated, folded by reason: one entry per reason with a count,
    // the rules, and the first paths.
    let ne_findings: Vec<&Finding> = report
        .results
        .iter()
        .filter(|f| f.status == Status::NotEvaluated)
        .collect();
    let mut ne: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for f in &ne_findings {
        ne.entry(reason_key(f)).or_default().push(f);
    }
    if !ne.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.bold(&format!(
                "Not evaluated ({} finding{}, {} reason{})",
                ne_findings.len(),
                if ne_findings.len() == 1 { "" } else { "s" },
                ne.len(),
                if ne.len() == 1 { "" } else { "s" },
            ))
        );
        let mut reasons: Vec<(&String, &Vec<&Finding>)> = ne.iter().collect();
        reasons.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        for (why, fs) in reasons {
            let rules: BTreeSet<&str> = fs.iter().map(|f| f.rule.id.as_str()).collect();
            let rules: Vec<&str> = rules.into_iter().collect();
            let mut places: Vec<(&Option<crate::outcome::Location>, &str, String)> = fs
                .iter()
                .map(|f| (&f.location, &*f.target, location_text(f)))
                .collect();
            places.sort();
            places.dedup_by(|a, b| a.2 == b.2);
            let mut at: Vec<String> = places
                .iter()
                .take(FIRST_PATHS)
                .map(|p| p.2.clone())
                .collect();
            if places.len() > FIRST_PATHS {
                at.push(format!("and {} more", places.len() - FIRST_PATHS));
            }
            let head = if fs.len() == 1 {
                why.clone()
            } else {
                format!("{}× {why}", fs.len())
            };
            put_wrapped(&mut out, &head, width, 2, 6, |l| l.to_string());
            put_wrapped(
                &mut out,
                &format!("rules: {}", rules.join(", ")),
                width,
                6,
                13,
                |l| style.paint("33", l),
            );
            put_wrapped(
                &mut out,
                &format!("at: {}", at.join(", ")),
                width,
                6,
                10,
                |l| style.dim(l),
            );
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
            put_wrapped(
                &mut out,
                &format!(
                    "{} {}  {} ({})",
                    f.rule.id,
                    location_text(f),
                    escape(reason),
                    escape(origin)
                ),
                width,
                2,
                6,
                |l| l.to_string(),
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
            put_wrapped(
                &mut out,
                &format!(
                    "{} ({}): {what}",
                    escape(&w.waiver.rule),
                    escape(&w.waiver.origin)
                ),
                width,
                2,
                6,
                |l| l.to_string(),
            );
        }
    }

    let notes: Vec<String> = report
        .targets
        .iter()
        .flat_map(|t| {
            t.notes.iter().map(move |(p, m)| {
                let m = match p {
                    Some(p) => m.strip_prefix(&format!("{p}: ")).unwrap_or(m),
                    None => m,
                };
                format!("{}: {}", escape(p.as_deref().unwrap_or(&t.id)), escape(m))
            })
        })
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold(&format!("Notes ({})", notes.len())));
        for n in notes {
            put_wrapped(&mut out, &n, width, 2, 6, |l| style.dim(l));
        }
    }

    // Verdict line: counts of findings, as in the section headers.
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
    let (verdict, verdict_code) = match code {
        0 => ("passed", "32"),
        1 => ("failed", "1;31"),
        _ => ("incomplete", "1;33"),
    };
    let new_text = match report.new_failures() {
        Some(n) => format!(" ({n} new)"),
        None => String::new(),
    };
    let plain = format!(
        "Result: {} failure{}{}{new_text} · {} not evaluated · {} waived · fails on {}{} → {verdict} (exit {code})",
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
        if report.fail_on_new {
            " (new only)"
        } else {
            ""
        },
    );
    out.push('\n');
    put_wrapped(&mut out, &plain, width, 0, 2, |l| {
        l.replacen("Result:", &style.bold("Result:"), 1).replacen(
            &format!("→ {verdict}"),
            &format!("→ {}", style.paint(verdict_code, verdict)),
            1,
        )
    });
    for why in report.incomplete() {
        put_wrapped(
            &mut out,
            &format!("incomplete: {}", escape(&why)),
            width,
            2,
            6,
            |l| match l.strip_prefix("incomplete:") {
                Some(rest) => format!("{}{rest}", style.paint("33", "incomplete:")),
                None => l.to_string(),
            },
        );
    }
    out
}
