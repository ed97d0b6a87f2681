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
