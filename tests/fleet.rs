//! Fleet reports: several hosts scanned separately (offline roots standing in
//! for hosts), their JSON reports merged by `rampart report` into text, JSON
//! and a self-contained HTML audit report — no rescan, nothing leaked.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn rampart() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rampart"));
    c.current_dir(common::repo()).env("NO_COLOR", "1");
    c
}

fn ok(o: &Output) -> &Output {
    assert!(
        matches!(o.status.code(), Some(0..=1)),
        "exit {:?}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Scans `fixtures/hosts/<name>` as an offline root into `dir/<name>.json`.
fn scan_root(dir: &Path, name: &str, epoch: &str) -> std::path::PathBuf {
    let out = dir.join(format!("{name}.json"));
    let root = format!("fixtures/hosts/{name}");
    ok(&rampart()
        .env("SOURCE_DATE_EPOCH", epoch)
        .args([
            "scan",
            "--root",
            &root,
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .args(["--today", common::TODAY, "--no-progress", "--output"])
        .arg(&out)
        .output()
        .expect("rampart runs"));
    out
}

#[test]
fn three_hosts_merge_into_one_fleet_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let now = "1796031000"; // 2026-11-30T09:30:00Z
    let month_ago = "1793439000"; // 2026-10-31T09:30:00Z
    let files = [
        scan_root(dir.path(), "debian-default", now),
        scan_root(dir.path(), "debian-hardened", now),
        scan_root(dir.path(), "plain-disk-offline", month_ago),
    ];
    // Every report carries what a fleet needs.
    for f in &files {
        let v: Value = serde_json::from_slice(&std::fs::read(f).expect("report")).expect("json");
        assert!(
            v["scan"]["host"].as_str().is_some_and(|h| !h.is_empty()),
            "{f:?}"
        );
        assert!(
            v["scan"]["started"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z'))
        );
        assert_eq!(
            v["scan"]["duration_ms"], 0,
            "SOURCE_DATE_EPOCH pins the duration"
        );
        assert!(
            v["policy"]["sha256"]
                .as_str()
                .is_some_and(|s| s.len() == 64)
        );
    }

    let fleet = ok(&rampart()
        .arg("report")
        .args(&files)
        .args(["--format", "json"])
        .output()
        .expect("rampart runs"))
    .stdout
    .clone();
    let fleet: Value = serde_json::from_slice(&fleet).expect("fleet json");
    assert_eq!(fleet["kind"], "fleet");
    let hosts = fleet["hosts"].as_array().expect("hosts");
    assert_eq!(hosts.len(), 3, "{fleet:#}");
    // Distinct verdicts survive the merge: the hardened host fails less.
    let fails = |i: usize| hosts[i]["summary"]["fail"].as_u64().expect("count");
    let names: Vec<&str> = hosts.iter().filter_map(|h| h["name"].as_str()).collect();
    let by = |n: &str| names.iter().position(|x| *x == n).expect("host present");
    assert!(
        fails(by("debian-hardened")) < fails(by("debian-default")),
        "{names:?}"
    );
    // The month-old report is flagged.
    let old = &hosts[by("plain-image")]; // its /etc/hostname
    assert!(
        old["flags"].to_string().contains("days before the newest"),
        "{old:#}"
    );
    assert!(!fleet["rules"].as_array().expect("rules").is_empty());

    // --compact: the same fleet JSON on one line.
    let compact = ok(&rampart()
        .arg("report")
        .args(&files)
        .args(["--format", "json", "--compact"])
        .output()
        .expect("rampart runs"))
    .stdout
    .clone();
    let compact = String::from_utf8(compact).expect("utf-8");
    assert_eq!(compact.lines().count(), 1);
    let compact: Value = serde_json::from_str(&compact).expect("json");
    assert_eq!(compact, fleet);

    let text = ok(&rampart()
        .arg("report")
        .args(&files)
        .output()
        .expect("rampart runs"))
    .stdout
    .clone();
    let text = String::from_utf8(text).expect("utf-8");
    assert!(text.contains("rampart fleet report: 3 hosts"), "{text}");
    assert!(text.contains("Hosts × packs"));

    let html_path = dir.path().join("fleet.html");
    ok(&rampart()
        .arg("report")
        .args(&files)
        .args(["--format", "html", "--output"])
        .arg(&html_path)
        .output()
        .expect("rampart runs"));
    let html = std::fs::read_to_string(&html_path).expect("html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        !html.contains("<script") && !html.contains("<link"),
        "self-contained"
    );
    for n in ["debian-default", "debian-hardened", "plain-image"] {
        assert!(
            html.contains(&format!("id=\"host-{n}\"")),
            "section for {n}"
        );
    }
}

#[test]
fn one_report_renders_as_html_and_unreadable_inputs_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = scan_root(dir.path(), "debian-default", "1796031000");
    let o = ok(&rampart()
        .args(["report", "--format", "html"])
        .arg(&f)
        .output()
        .expect("rampart runs"))
    .stdout
    .clone();
    let html = String::from_utf8(o).expect("utf-8");
    assert!(html.contains("rampart audit report"), "{html}");
    assert!(html.contains("Failures by severity") && html.contains("Scorecard"));

    // SARIF, annotations and the summary render one report, not a fleet.
    for extra in [
        &["--format", "sarif"][..],
        &["--format", "github"],
        &["--summary", "s.md"],
    ] {
        let o = rampart()
            .arg("report")
            .arg(&f)
            .arg("--fleet")
            .args(extra)
            .output()
            .expect("rampart runs");
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("renders one report"));
    }

    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\"schema_version\": 1, \"policy\": {\"name\": \"hunter2-secret",
    )
    .expect("write");
    let o = rampart()
        .arg("report")
        .arg(&f)
        .arg(&bad)
        .output()
        .expect("rampart runs");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.json") && err.contains("line 1"), "{err}");
    assert!(!err.contains("hunter2"), "no value in errors: {err}");
}

#[test]
fn scan_writes_html_directly() {
    let o = ok(&rampart()
        .args([
            "scan",
            "fixtures/open-ports",
            "--format",
            "html",
            "--fail-on",
            "never",
        ])
        .output()
        .expect("rampart runs"))
    .stdout
    .clone();
    let html = String::from_utf8(o).expect("utf-8");
    assert!(html.contains("<h2>Scorecard</h2>") && html.contains("open-ports"));
}

/// Headless Chromium: Debian's package, `/usr/bin/chromium`.
fn chromium() -> Option<&'static str> {
    let bin = "/usr/bin/chromium";
    if Path::new(bin).exists() {
        return Some(bin);
    }
    assert!(
        std::env::var_os("RAMPART_REQUIRE_PEERS").is_none_or(|v| v != "1"),
        "RAMPART_REQUIRE_PEERS=1 but chromium is not installed"
    );
    eprintln!("skipped: chromium is not installed (apt-get install chromium)");
    None
}

fn chromium_cmd(bin: &str, profile: &Path) -> Command {
    let mut c = Command::new(bin);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

#[test]
fn html_renders_in_headless_chromium() {
    let Some(bin) = chromium() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let files = [
        scan_root(dir.path(), "debian-default", "1796031000"),
        scan_root(dir.path(), "plain-disk-offline", "1796031000"),
    ];
    let html = dir.path().join("fleet.html");
    ok(&rampart()
        .arg("report")
        .args(&files)
        .args(["--format", "html", "--output"])
        .arg(&html)
        .output()
        .expect("rampart runs"));
    let url = format!("file://{}", html.display());

    let dom = chromium_cmd(bin, &dir.path().join("profile-dom"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&dom.stdout);
    // The browser's DOM (not just the file) holds the findings and sections.
    assert!(dom.contains("id=\"host-debian-default\""), "{dom}");
    assert!(dom.contains("id=\"host-plain-image\""));
    assert!(dom.contains("PASS-006") && dom.contains("DISK-001"));
    assert!(dom.contains("Hosts × packs"));

    let png = dir.path().join("fleet.png");
    let shot = chromium_cmd(bin, &dir.path().join("profile-shot"))
        .arg("--window-size=1200,1600")
        .arg(format!("--screenshot={}", png.display()))
        .arg(&url)
        .output()
        .expect("chromium runs");
    let bytes = std::fs::read(&png).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}): {}",
            String::from_utf8_lossy(&shot.stderr)
        )
    });
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "a real page was rendered"
    );
}

/// The Kubernetes node audit runs `rampart scan --root /host` in a pod:
/// `/host/proc` is the node's procfs, whose `net` links to `self/net` and
/// `self` to the scanner's process id. Both links resolve inside the root.
#[test]
fn root_with_the_nodes_procfs_reads_the_nodes_listeners() {
    let o = ok(&rampart()
        .args([
            "scan",
            "--root",
            "fixtures/hosts/node-host-proc",
            "--select",
            "PORT-002",
        ])
        .args(["--format", "json", "--fail-on", "never", "--no-progress"])
        .output()
        .expect("rampart runs"))
    .stdout
    .clone();
    let v: Value = serde_json::from_slice(&o).expect("json");
    assert_eq!(v["scan"]["host"], "k8s-node-1");
    let fails: Vec<&Value> = v["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["status"] == "fail")
        .collect();
    assert_eq!(fails.len(), 1, "{v:#}");
    assert!(
        fails[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("5984"))
    );
    assert_eq!(fails[0]["location"]["path"], "/proc/net/tcp");
}

const FORGED: &str =
    "x\nCRITICAL PASS-999 forged-line\n::error title=forged::owned\r\x1b[2J\x07\u{202e}\u{9b}31m";

fn no_forged_output(format: &str, out: &str) {
    for bad in ['\x1b', '\x07', '\r', '\u{202e}', '\u{9b}'] {
        assert!(!out.contains(bad), "{format}: raw {bad:?} in the output");
    }
    for l in out.lines() {
        let t = l.trim_start();
        assert!(
            !t.starts_with("CRITICAL PASS-999") && !t.starts_with("::error title=forged"),
            "{format}: forged line {l:?}"
        );
    }
}

/// A report from another machine is untrusted: control characters and
/// forged lines in any field are escaped in every format it re-renders to.
#[test]
fn hostile_report_fields_are_escaped_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = scan_root(dir.path(), "debian-default", "1796031000");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&f).expect("read")).expect("json");
    v["scan"]["host"] = FORGED.into();
    v["policy"]["name"] = FORGED.into();
    v["policy"]["origin"] = FORGED.into();
    let target = v["targets"][0]["id"].as_str().expect("id").to_string();
    let forged_target = format!("{target}{FORGED}");
    v["targets"][0]["id"] = forged_target.clone().into();
    v["targets"][0]["notes"] = serde_json::json!([{"path": FORGED, "message": FORGED}]);
    let results = v["results"].as_array_mut().expect("results");
    for r in results.iter_mut() {
        if r["target"] == target.as_str() {
            r["target"] = forged_target.clone().into();
        }
    }
    let fail = results
        .iter_mut()
        .find(|r| r["status"] == "fail")
        .expect("a failure");
    fail["message"] = FORGED.into();
    fail["location"] = serde_json::json!({"path": FORGED, "line": 3, "uri": FORGED});
    fail["evidence"] = serde_json::json!({ "k": FORGED });
    let mut unknown = fail.clone();
    unknown["rule_id"] = format!("ZZZ-999{FORGED}").into();
    unknown["rule_name"] = FORGED.into();
    unknown["pack"] = FORGED.into();
    results.push(unknown);
    v["waivers"] = serde_json::json!([{
        "rule": FORGED, "target": FORGED, "path": null, "reason": FORGED,
        "expires": "2026-01-01", "origin": FORGED, "status": "expired", "matched": 1
    }]);
    let hostile = dir.path().join("hostile.json");
    std::fs::write(&hostile, v.to_string()).expect("write");

    for format in ["text", "json", "sarif", "github", "html"] {
        let summary = dir.path().join(format!("{format}.md"));
        let o = rampart()
            .arg("report")
            .arg(&hostile)
            .args(["--format", format, "--summary"])
            .arg(&summary)
            .output()
            .expect("rampart runs");
        assert_eq!(
            o.status.code(),
            Some(0),
            "{format}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let out = String::from_utf8(o.stdout).expect("utf-8");
        assert!(
            out.contains("CRITICAL PASS-999"),
            "{format}: the text is shown, escaped"
        );
        no_forged_output(format, &out);
        no_forged_output(
            "summary",
            &std::fs::read_to_string(&summary).expect("summary"),
        );
        no_forged_output("stderr", &String::from_utf8_lossy(&o.stderr));
        if format == "github" {
            assert!(out.lines().all(|l| l.starts_with("::")), "{out}");
        }
        if format == "sarif" {
            let log: Value = serde_json::from_str(&out).expect("sarif");
            for run in log["runs"].as_array().expect("runs") {
                for r in run["results"].as_array().expect("results") {
                    let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .expect("uri");
                    assert!(
                        uri.bytes().all(|b| b.is_ascii_graphic() && b != b'\\'),
                        "{uri}"
                    );
                }
            }
        }
    }
    // A fleet of it too.
    let o = rampart()
        .arg("report")
        .arg(&hostile)
        .arg(&f)
        .output()
        .expect("rampart runs");
    no_forged_output("fleet", &String::from_utf8_lossy(&o.stdout));
}

/// Issue 14: the fleet text report wraps to 100 columns when not a
/// terminal, with a hanging indent: a long host name or message never
/// makes a line over 100 columns, and only rampart's headings start a line.
#[test]
fn fleet_text_wraps_with_a_hanging_indent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = scan_root(dir.path(), "debian-hardened", "1796031000");
    let b = scan_root(dir.path(), "debian-default", "1796031000");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&b).expect("read")).expect("json");
    v["scan"]["host"] = "a-very-long-host-name-".repeat(6).into();
    let fail = v["results"]
        .as_array_mut()
        .expect("results")
        .iter_mut()
        .find(|r| r["status"] == "fail")
        .expect("a failure");
    fail["message"] = "a long message word after word ".repeat(12).into();
    let long = dir.path().join("long.json");
    std::fs::write(&long, v.to_string()).expect("write");
    let text = ok(&rampart()
        .arg("report")
        .arg(&a)
        .arg(&long)
        .output()
        .expect("rampart runs"))
    .stdout
    .clone();
    let text = String::from_utf8(text).expect("utf-8");
    let headings = [
        "rampart fleet report",
        "Hosts × packs",
        "Rules failing on most hosts",
        "Drift",
        "Reports to check",
        "Hosts",
    ];
    for l in text.lines() {
        assert!(l.chars().count() <= 100, "over 100 columns: {l:?}");
        assert!(
            l.is_empty() || l.starts_with(' ') || headings.iter().any(|h| l.starts_with(h)),
            "a line not starting with a heading or indent: {l:?}"
        );
    }
    assert!(text.contains("a long message word after word"));
    assert!(
        text.lines()
            .any(|l| l.starts_with("        ") && l.contains("word after")),
        "the message continues on an indented line:\n{text}"
    );
}

/// The scan container's arguments in a manifest: the `- ` items under the
/// first `args:` after `- name: scan`.
fn manifest_scan_args(manifest: &str) -> Vec<String> {
    let text = std::fs::read_to_string(common::repo().join(manifest)).expect("manifest");
    let after = &text[text.find("- name: scan").expect("scan container")..];
    let mut lines = after.lines().skip_while(|l| l.trim() != "args:").skip(1);
    let mut args = Vec::new();
    for l in lines.by_ref() {
        match l.trim().strip_prefix("- ") {
            Some(a) => args.push(a.trim_matches('"').to_string()),
            None => break,
        }
    }
    args
}

/// The Kubernetes node audit prints one report per run as one line of JSON
/// (a log collector's record): its own arguments, run on a fixture root.
#[test]
fn the_node_audit_prints_one_json_line() {
    let args = manifest_scan_args("deploy/kubernetes/node-audit.yaml");
    assert!(args.iter().any(|a| a == "--compact"), "{args:?}");
    let args: Vec<String> = args
        .into_iter()
        .map(|a| {
            if a == "/host" {
                "fixtures/hosts/node-host-proc".to_string()
            } else {
                a
            }
        })
        .collect();
    let o = rampart().args(&args).output().expect("rampart runs");
    let out = String::from_utf8(o.stdout).expect("utf-8");
    assert_eq!(out.lines().count(), 1, "one line: {out}");
    assert!(out.ends_with('\n'));
    let v: Value = serde_json::from_str(&out).expect("the line is the JSON report");
    assert_eq!(v["scan"]["host"], "k8s-node-1");
    assert_eq!(v["schema_version"], 1);

    let args = manifest_scan_args("deploy/kubernetes/values-audit.yaml");
    assert!(args.iter().any(|a| a == "--compact"), "{args:?}");
}
