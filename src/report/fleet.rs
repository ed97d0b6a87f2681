//! Fleet reports: many hosts' JSON reports (any hosts, any times) merged into
//! one view — hosts × packs, the rules failing on most hosts, each host's
//! failures, hosts that drifted from the rest, and reports that are too old
//! or ran another policy. Built from the wire types only (`report::wire`), so
//! it never rescans and never needs the scanned files. Text and JSON are
//! rendered here; HTML in `report::html`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use serde::Serialize;

use crate::clock::Date;
use crate::report::escape::escape;
use crate::report::wire::{WireReport, WireResult, severity_rank};

/// Reports older than this many days before the newest are flagged.
pub const DEFAULT_MAX_AGE_DAYS: i64 = 7;

/// One input report, with the file it came from.
pub struct Input {
    pub file: String,
    pub report: WireReport,
}

/// A host's pack cell: counts by status.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub not_applicable: usize,
    pub not_evaluated: usize,
    pub waived: usize,
}

impl Counts {
    fn add(&mut self, status: &str) {
        match status {
            "pass" => self.pass += 1,
            "fail" => self.fail += 1,
            "not_applicable" => self.not_applicable += 1,
            "not_evaluated" => self.not_evaluated += 1,
            "waived" => self.waived += 1,
            _ => {}
        }
    }

    /// One short word for a matrix cell.
    pub fn cell(&self) -> String {
        if self.fail > 0 {
            format!("{} fail", self.fail)
        } else if self.not_evaluated > 0 {
            format!("{} n/e", self.not_evaluated)
        } else if self.pass > 0 || self.waived > 0 {
            "pass".to_string()
        } else if self.not_applicable > 0 {
            "n/a".to_string()
        } else {
            "-".to_string()
        }
    }
}

pub struct Host<'a> {
    pub name: String,
    pub file: &'a str,
    pub report: &'a WireReport,
    pub summary: Counts,
    pub packs: BTreeMap<String, Counts>,
    /// Why this report needs a second look (old, other policy, incomplete...).
    pub flags: Vec<String>,
}

impl Host<'_> {
    /// Failures, most severe first.
    pub fn failures(&self) -> Vec<&WireResult> {
        let mut v: Vec<&WireResult> = self
            .report
            .results
            .iter()
            .filter(|r| r.status == "fail")
            .collect();
        v.sort_by(|a, b| {
            (
                severity_rank(&a.severity),
                &a.rule_id,
                &a.target,
                location_key(a),
            )
                .cmp(&(
                    severity_rank(&b.severity),
                    &b.rule_id,
                    &b.target,
                    location_key(b),
                ))
        });
        v
    }
}

fn location_key(r: &WireResult) -> (&str, u32) {
    r.location
        .as_ref()
        .map_or(("", 0), |l| (l.path.as_str(), l.line.unwrap_or(0)))
}

/// A rule failing on one or more hosts.
#[derive(Serialize)]
pub struct Spread {
    pub rule_id: String,
    pub rule_name: String,
    pub pack: String,
    pub severity: String,
    pub failing: Vec<String>,
    /// Hosts on which the rule was evaluated (pass, fail or waived).
    pub evaluated: usize,
}

/// A rule that passes on most hosts and fails on a few.
#[derive(Serialize)]
pub struct Drift {
    pub rule_id: String,
    pub rule_name: String,
    pub passing: usize,
    pub failing: Vec<String>,
}

pub struct Fleet<'a> {
    pub hosts: Vec<Host<'a>>,
    pub packs: Vec<String>,
    pub spread: Vec<Spread>,
    pub drift: Vec<Drift>,
    /// The policy most reports ran (name, sha256).
    pub policy: (String, String),
    pub newest: Option<String>,
    /// Inputs that describe a host already reported by a newer input.
    pub superseded: Vec<(String, String)>,
}

/// The date part of an RFC 3339 time.
fn date_of(started: &str) -> Option<Date> {
    Date::parse(started.get(..10)?)
}

impl<'a> Fleet<'a> {
    pub fn build(inputs: &'a [Input], max_age_days: i64) -> Fleet<'a> {
        // One entry per host: the newest report wins, older ones are named.
        let mut by_host: BTreeMap<String, &'a Input> = BTreeMap::new();
        let mut superseded = Vec::new();
        for input in inputs {
            let name = input
                .report
                .host_name()
                .unwrap_or_else(|| input.file.clone());
            match by_host.get(&name) {
                Some(prev) if prev.report.started() >= input.report.started() => {
                    superseded.push((name, input.file.clone()));
                }
                Some(prev) => {
                    superseded.push((name.clone(), prev.file.clone()));
                    by_host.insert(name, input);
                }
                None => {
                    by_host.insert(name, input);
                }
            }
        }
        superseded.sort();

        let mut policy_votes: HashMap<(&str, &str), usize> = HashMap::new();
        for input in by_host.values() {
            let p = &input.report.policy;
            *policy_votes.entry((&p.name, &p.sha256)).or_default() += 1;
        }
        let policy = policy_votes
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|((n, s), _)| (n.to_string(), s.to_string()))
            .unwrap_or_default();
        let newest = by_host
            .values()
            .filter_map(|i| i.report.started())
            .max()
            .map(str::to_string);
        let newest_date = newest.as_deref().and_then(date_of);

        let mut packs = BTreeSet::new();
        let mut hosts = Vec::with_capacity(by_host.len());
        for (name, input) in by_host {
            let report = &input.report;
            let mut summary = Counts::default();
            let mut per_pack: BTreeMap<String, Counts> = BTreeMap::new();
            for r in &report.results {
                summary.add(&r.status);
                per_pack.entry(r.pack.clone()).or_default().add(&r.status);
                packs.insert(r.pack.clone());
            }
            let mut flags = Vec::new();
            if (report.policy.name.as_str(), report.policy.sha256.as_str())
                != (policy.0.as_str(), policy.1.as_str())
            {
                flags.push(format!(
                    "ran policy {} ({}), not the fleet's {} ({})",
                    report.policy.name,
                    short(&report.policy.sha256),
                    policy.0,
                    short(&policy.1)
                ));
            }
            match (report.started().and_then(date_of), newest_date) {
                (Some(d), Some(n)) if n.days() - d.days() > max_age_days => flags.push(format!(
                    "scanned {d}, {} days before the newest report",
                    n.days() - d.days()
                )),
                (None, _) => flags.push("no scan time (a report from an older rampart)".into()),
                _ => {}
            }
            if report.exit_code == Some(2) {
                flags.push("scan incomplete (exit 2): see its not-evaluated controls".into());
            }
            for t in &report.targets {
                if let Some(e) = &t.error {
                    flags.push(format!("target {} could not be scanned: {e}", t.id));
                }
            }
            hosts.push(Host {
                name,
                file: &input.file,
                report,
                summary,
                packs: per_pack,
                flags,
            });
        }

        let (spread, drift) = spread_and_drift(&hosts);
        Fleet {
            hosts,
            packs: packs.into_iter().collect(),
            spread,
            drift,
            policy,
            newest,
            superseded,
        }
    }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// Per rule: which hosts fail it, on how many it was evaluated; drift is a
/// rule passing on more than half of the hosts that evaluated it (at least
/// three) and failing on the rest.
fn spread_and_drift(hosts: &[Host<'_>]) -> (Vec<Spread>, Vec<Drift>) {
    #[derive(Default)]
    struct Acc<'r> {
        name: &'r str,
        pack: &'r str,
        severity: &'r str,
        failing: BTreeSet<&'r str>,
        passing: BTreeSet<&'r str>,
    }
    let mut rules: BTreeMap<&str, Acc<'_>> = BTreeMap::new();
    for h in hosts {
        for r in &h.report.results {
            let acc = rules.entry(r.rule_id.as_str()).or_default();
            acc.name = &r.rule_name;
            acc.pack = &r.pack;
            match r.status.as_str() {
                "fail" => {
                    acc.failing.insert(&h.name);
                    if acc.severity.is_empty()
                        || severity_rank(&r.severity) < severity_rank(acc.severity)
                    {
                        acc.severity = &r.severity;
                    }
                }
                "pass" | "waived" => {
                    acc.passing.insert(&h.name);
                }
                _ => {}
            }
        }
    }
    let mut spread = Vec::new();
    let mut drift = Vec::new();
    for (id, acc) in &rules {
        // A host failing one control and passing another of the same rule
        // counts as failing.
        let passing: Vec<&str> = acc.passing.difference(&acc.failing).copied().collect();
        let evaluated = passing.len() + acc.failing.len();
        if acc.failing.is_empty() {
            continue;
        }
        let failing: Vec<String> = acc.failing.iter().map(|s| s.to_string()).collect();
        if evaluated >= 3 && passing.len() * 2 > evaluated {
            drift.push(Drift {
                rule_id: id.to_string(),
                rule_name: acc.name.to_string(),
                passing: passing.len(),
                failing: failing.clone(),
            });
        }
        spread.push(Spread {
            rule_id: id.to_string(),
            rule_name: acc.name.to_string(),
            pack: acc.pack.to_string(),
            severity: acc.severity.to_string(),
            failing,
            evaluated,
        });
    }
    spread.sort_by(|a, b| {
        b.failing
            .len()
            .cmp(&a.failing.len())
            .then(severity_rank(&a.severity).cmp(&severity_rank(&b.severity)))
            .then(a.rule_id.cmp(&b.rule_id))
    });
    (spread, drift)
}

/// The fleet as text: one screen for the overview, then each host.
pub fn render_text(fleet: &Fleet<'_>) -> String {
    render_text_width(fleet, super::text::DEFAULT_WIDTH)
}

/// One entry of the text report: `text` word-wrapped to `width`, the first
/// line indented by `first` columns, the rest by `cont` (a hanging indent,
/// so nothing from a report starts a line).
fn entry(out: &mut String, text: &str, width: usize, first: usize, cont: usize) {
    super::text::put_wrapped(out, text, width, first, cont, str::to_string);
}

/// The hosts × packs matrix, in column groups that fit `width`.
fn matrix(out: &mut String, fleet: &Fleet<'_>, width: usize) {
    let names: Vec<String> = fleet
        .hosts
        .iter()
        .map(|h| escape(&h.name).into_owned())
        .collect();
    // A host name wider than a third of the line is cut in the matrix (the
    // Hosts section below shows it whole).
    let name_w = names
        .iter()
        .map(|n| n.chars().count())
        .chain([4])
        .max()
        .unwrap_or(4)
        .min(width / 3);
    // (pack, as shown, column width: at least "99 fail").
    let packs: Vec<(&String, String, usize)> = fleet
        .packs
        .iter()
        .map(|p| {
            let shown = escape(p).into_owned();
            let w = shown.chars().count().max(7);
            (p, shown, w)
        })
        .collect();
    let mut groups: Vec<&[(&String, String, usize)]> = Vec::new();
    let mut begin = 0;
    let mut used = 2 + name_w;
    for (i, (_, _, w)) in packs.iter().enumerate() {
        if i > begin && used + 2 + w > width {
            groups.push(&packs[begin..i]);
            begin = i;
            used = 2 + name_w;
        }
        used += 2 + w;
    }
    if begin < packs.len() || packs.is_empty() {
        groups.push(&packs[begin..]);
    }
    let cut = |n: &str| -> String {
        if n.chars().count() <= name_w {
            n.to_string()
        } else {
            let mut c: String = n.chars().take(name_w.saturating_sub(1)).collect();
            c.push('…');
            c
        }
    };
    for (g, group) in groups.iter().enumerate() {
        if g > 0 {
            out.push('\n');
        }
        let _ = write!(out, "  {:name_w$}", "host");
        for (_, shown, w) in group.iter() {
            let _ = write!(out, "  {shown:<w$}");
        }
        trim_end(out);
        out.push('\n');
        for (h, name) in fleet.hosts.iter().zip(&names) {
            let _ = write!(out, "  {:name_w$}", cut(name));
            for (pack, _, w) in group.iter() {
                let cell = h.packs.get(*pack).copied().unwrap_or_default().cell();
                let _ = write!(out, "  {cell:<w$}");
            }
            trim_end(out);
            out.push('\n');
        }
    }
}

fn trim_end(out: &mut String) {
    let kept = out.trim_end_matches(' ').len();
    out.truncate(kept);
}

/// The fleet report as text, wrapped to `width` columns (the scan's text
/// report's wrapping: a hanging indent keeps every line's start ours).
pub fn render_text_width(fleet: &Fleet<'_>, width: usize) -> String {
    let width = width.clamp(40, 1000);
    let mut out = String::new();
    entry(
        &mut out,
        &format!(
            "rampart fleet report: {} host{}, policy {} ({}){}",
            fleet.hosts.len(),
            if fleet.hosts.len() == 1 { "" } else { "s" },
            escape(&fleet.policy.0),
            short(&fleet.policy.1),
            fleet
                .newest
                .as_deref()
                .map(|n| format!(", newest scan {}", escape(n)))
                .unwrap_or_default()
        ),
        width,
        0,
        4,
    );

    out.push_str("\nHosts × packs\n");
    matrix(&mut out, fleet, width);

    out.push_str("\nRules failing on most hosts\n");
    if fleet.spread.is_empty() {
        out.push_str("  none\n");
    }
    for s in &fleet.spread {
        entry(
            &mut out,
            &format!(
                "{:<10} {:<8} {}/{} hosts  {}: {}",
                escape(&s.rule_id),
                escape(&s.severity),
                s.failing.len(),
                s.evaluated,
                escape(&s.rule_name),
                list(&s.failing, 8)
            ),
            width,
            2,
            6,
        );
    }

    if !fleet.drift.is_empty() {
        out.push_str("\nDrift: passes on most hosts, fails on a few\n");
        for d in &fleet.drift {
            entry(
                &mut out,
                &format!(
                    "{:<10} passes on {} hosts, fails on {}",
                    escape(&d.rule_id),
                    d.passing,
                    list(&d.failing, 8)
                ),
                width,
                2,
                6,
            );
        }
    }

    let flagged: Vec<&Host<'_>> = fleet.hosts.iter().filter(|h| !h.flags.is_empty()).collect();
    if !flagged.is_empty() || !fleet.superseded.is_empty() {
        out.push_str("\nReports to check\n");
        for h in flagged {
            for f in &h.flags {
                entry(
                    &mut out,
                    &format!("{}: {}", escape(&h.name), escape(f)),
                    width,
                    2,
                    6,
                );
            }
        }
        for (host, file) in &fleet.superseded {
            entry(
                &mut out,
                &format!(
                    "{}: {} left out, a newer report of this host is included",
                    escape(host),
                    escape(file)
                ),
                width,
                2,
                6,
            );
        }
    }

    out.push_str("\nHosts\n");
    for h in &fleet.hosts {
        let s = h.summary;
        entry(
            &mut out,
            &format!(
                "{} ({}{}): {} fail, {} pass, {} not evaluated, {} waived",
                escape(&h.name),
                escape(h.file),
                h.report
                    .started()
                    .map(|t| format!(", {}", escape(t)))
                    .unwrap_or_default(),
                s.fail,
                s.pass,
                s.not_evaluated,
                s.waived
            ),
            width,
            2,
            6,
        );
        for r in h.failures() {
            let at = r
                .location
                .as_ref()
                .map(|l| match l.line {
                    Some(n) => format!(" {}:{n}", escape(&l.path)),
                    None => format!(" {}", escape(&l.path)),
                })
                .unwrap_or_default();
            entry(
                &mut out,
                &format!(
                    "{:<8} {}{at}  {}",
                    escape(&r.severity.to_uppercase()),
                    escape(&r.rule_id),
                    escape(&r.message)
                ),
                width,
                4,
                8,
            );
        }
    }
    out
}

fn list(names: &[String], most: usize) -> String {
    let mut shown: Vec<String> = names
        .iter()
        .take(most)
        .map(|n| escape(n).into_owned())
        .collect();
    if names.len() > most {
        shown.push(format!("and {} more", names.len() - most));
    }
    shown.join(", ")
}

#[derive(Serialize)]
struct FleetJson<'a> {
    schema_version: u32,
    kind: &'static str,
    tool: Tool,
    policy: PolicyJson<'a>,
    newest_scan: Option<&'a str>,
    hosts: Vec<HostJson<'a>>,
    rules: &'a [Spread],
    drift: &'a [Drift],
    superseded: Vec<SupersededJson<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct PolicyJson<'a> {
    name: &'a str,
    sha256: &'a str,
}

#[derive(Serialize)]
struct HostJson<'a> {
    name: &'a str,
    file: &'a str,
    started: Option<&'a str>,
    rampart_version: &'a str,
    policy: PolicyJson<'a>,
    summary: Counts,
    packs: &'a BTreeMap<String, Counts>,
    flags: &'a [String],
    failures: Vec<&'a WireResult>,
}

#[derive(Serialize)]
struct SupersededJson<'a> {
    host: &'a str,
    file: &'a str,
}

impl Serialize for WireResult {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Result", 9)?;
        st.serialize_field("rule_id", &self.rule_id)?;
        st.serialize_field("rule_name", &self.rule_name)?;
        st.serialize_field("pack", &self.pack)?;
        st.serialize_field("target", &self.target)?;
        st.serialize_field("severity", &self.severity)?;
        st.serialize_field("message", &self.message)?;
        st.serialize_field(
            "location",
            &self
                .location
                .as_ref()
                .map(|l| serde_json::json!({"path": l.path, "line": l.line})),
        )?;
        st.serialize_field("evidence", &self.evidence)?;
        st.serialize_field("fingerprint", &self.fingerprint)?;
        st.end()
    }
}

/// The fleet as JSON (`kind: "fleet"`, `schema_version` 1).
pub fn render_json(fleet: &Fleet<'_>) -> String {
    let out = FleetJson {
        schema_version: 1,
        kind: "fleet",
        tool: Tool {
            name: "rampart",
            version: env!("CARGO_PKG_VERSION"),
        },
        policy: PolicyJson {
            name: &fleet.policy.0,
            sha256: &fleet.policy.1,
        },
        newest_scan: fleet.newest.as_deref(),
        hosts: fleet
            .hosts
            .iter()
            .map(|h| HostJson {
                name: &h.name,
                file: h.file,
                started: h.report.started(),
                rampart_version: &h.report.tool.version,
                policy: PolicyJson {
                    name: &h.report.policy.name,
                    sha256: &h.report.policy.sha256,
                },
                summary: h.summary,
                packs: &h.packs,
                flags: &h.flags,
                failures: h.failures(),
            })
            .collect(),
        rules: &fleet.spread,
        drift: &fleet.drift,
        superseded: fleet
            .superseded
            .iter()
            .map(|(host, file)| SupersededJson { host, file })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&out).expect("fleet report serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str, started: &str, sha: &str, results: &[(&str, &str)]) -> Input {
        let results: Vec<String> = results
            .iter()
            .map(|(id, status)| {
                format!(
                    r#"{{"rule_id":"{id}","rule_name":"n-{id}","pack":"p-{}","target":"host:{name}","status":"{status}","severity":"high","message":"m","location":{{"path":"/etc/x","line":3}},"fingerprint":"f"}}"#,
                    &id[..4]
                )
            })
            .collect();
        let text = format!(
            r#"{{"schema_version":1,"tool":{{"name":"rampart","version":"0.1.0"}},
                "scan":{{"host":"{name}","started":"{started}","duration_ms":5}},
                "policy":{{"name":"cht-production","sha256":"{sha}"}},
                "targets":[{{"id":"host:{name}","kind":"host"}}],
                "results":[{}],"exit_code":1}}"#,
            results.join(",")
        );
        Input {
            file: format!("{name}.json"),
            report: WireReport::parse(&text, "t").expect("test report parses"),
        }
    }

    #[test]
    fn ranks_rules_by_hosts_failing_and_finds_drift() {
        let inputs = vec![
            host(
                "web-1",
                "2026-11-30T01:00:00Z",
                "aa",
                &[("PASS-004", "fail"), ("DISK-001", "pass")],
            ),
            host(
                "web-2",
                "2026-11-30T01:00:00Z",
                "aa",
                &[("PASS-004", "fail"), ("DISK-001", "pass")],
            ),
            host(
                "web-3",
                "2026-11-30T01:00:00Z",
                "aa",
                &[("PASS-004", "fail"), ("DISK-001", "pass")],
            ),
            host(
                "db-1",
                "2026-11-30T01:00:00Z",
                "aa",
                &[("PASS-004", "pass"), ("DISK-001", "fail")],
            ),
        ];
        let fleet = Fleet::build(&inputs, DEFAULT_MAX_AGE_DAYS);
        assert_eq!(fleet.spread[0].rule_id, "PASS-004");
        assert_eq!(fleet.spread[0].failing.len(), 3);
        assert_eq!(fleet.drift.len(), 1);
        assert_eq!(fleet.drift[0].rule_id, "DISK-001");
        assert_eq!(fleet.drift[0].failing, vec!["db-1".to_string()]);
        let text = render_text(&fleet);
        assert!(text.contains("4 hosts"), "{text}");
        assert!(
            text.contains("DISK-001   passes on 3 hosts, fails on db-1"),
            "{text}"
        );
    }

    #[test]
    fn flags_old_reports_other_policies_and_keeps_the_newest_per_host() {
        let inputs = vec![
            host(
                "web-1",
                "2026-11-30T01:00:00Z",
                "aa",
                &[("PASS-004", "fail")],
            ),
            host(
                "web-2",
                "2026-11-01T01:00:00Z",
                "aa",
                &[("PASS-004", "fail")],
            ),
            host(
                "web-3",
                "2026-11-30T01:00:00Z",
                "bb",
                &[("PASS-004", "fail")],
            ),
            host(
                "web-1",
                "2026-11-20T01:00:00Z",
                "aa",
                &[("PASS-004", "pass")],
            ),
        ];
        let fleet = Fleet::build(&inputs, DEFAULT_MAX_AGE_DAYS);
        assert_eq!(fleet.hosts.len(), 3);
        let flags = |n: &str| {
            fleet
                .hosts
                .iter()
                .find(|h| h.name == n)
                .map(|h| h.flags.join("; "))
                .unwrap_or_default()
        };
        assert!(
            flags("web-2").contains("29 days before"),
            "{}",
            flags("web-2")
        );
        assert!(flags("web-3").contains("ran policy"), "{}", flags("web-3"));
        assert!(flags("web-1").is_empty());
        assert_eq!(
            fleet.superseded,
            vec![("web-1".to_string(), "web-1.json".to_string())]
        );
        let json: serde_json::Value =
            serde_json::from_str(&render_json(&fleet)).expect("fleet JSON parses");
        assert_eq!(json["kind"], "fleet");
        assert_eq!(json["hosts"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn text_escapes_what_hosts_reported() {
        let mut inputs = vec![host(
            "web-1",
            "2026-11-30T01:00:00Z",
            "aa",
            &[("PASS-004", "fail")],
        )];
        inputs[0].report.results[0].message = "x\n\x1b[2JCRITICAL forged".into();
        let text = render_text(&Fleet::build(&inputs, DEFAULT_MAX_AGE_DAYS));
        assert!(!text.contains('\x1b'));
        assert!(!text.lines().any(|l| l.starts_with("CRITICAL")), "{text}");
    }
}
