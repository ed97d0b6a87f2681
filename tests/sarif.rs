//! SARIF that GitHub code scanning accepts: GitHub's upload rules checked in
//! Rust, the official SARIF 2.1.0 schema, and the shared offline checker
//! (`gh_sarif_check.py --strict`) on real scans: the CHT reference files,
//! the fixtures (trees and host roots), waivers.

mod common;

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// A file of the optional `../shared` corpus beside the checkout (or named
/// by `var`).
fn shared(rel: &str, var: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| common::repo().join("../shared").join(rel))
}

/// Whether missing peers must fail the tests (`.ci/run`) instead of skipping.
fn peers_required() -> bool {
    std::env::var_os("RAMPART_REQUIRE_PEERS").is_some_and(|v| !v.is_empty())
}

/// The official SARIF 2.1.0 schema: vendored in `tests/data` (with its OASIS
/// notice), or the file `RAMPART_SARIF_SCHEMA` names.
fn schema_path() -> PathBuf {
    std::env::var_os("RAMPART_SARIF_SCHEMA")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::repo().join("tests/data/sarif-schema-2.1.0.json"))
}

fn sarif_of(args: &[&str]) -> (String, Value) {
    sarif_with_code(args, 0)
}

fn sarif_with_code(args: &[&str], want: i32) -> (String, Value) {
    let o = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .current_dir(common::repo())
        .args([
            "scan",
            "--format",
            "sarif",
            "--fail-on",
            "never",
            "--today",
            common::TODAY,
        ])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(want),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    let v = serde_json::from_str(&text).unwrap();
    (text, v)
}

/// GitHub's rules (design.md "SARIF that GitHub accepts").
fn check_github_rules(log: &Value) {
    assert_eq!(log["version"], "2.1.0");
    assert!(
        log["$schema"]
            .as_str()
            .unwrap()
            .ends_with("sarif-2.1.0.json")
    );
    let runs = log["runs"].as_array().unwrap();
    assert!(!runs.is_empty() && runs.len() <= 20);
    let mut categories = HashSet::new();
    for run in runs {
        let id = run["automationDetails"]["id"].as_str().unwrap();
        assert!(
            categories.insert(id.to_string()),
            "one run per category: {id}"
        );
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let mut ids = BTreeSet::new();
        for r in rules {
            let rid = r["id"].as_str().unwrap();
            assert!(ids.insert(rid), "duplicate rule {rid}");
            assert!(rid.len() <= 255);
            let name = r["name"].as_str().unwrap();
            assert!(!name.is_empty() && name != rid);
            for k in ["shortDescription", "fullDescription"] {
                let t = r[k]["text"].as_str().unwrap();
                assert!(
                    !t.trim().is_empty() && t.chars().count() <= 1024,
                    "{rid} {k}"
                );
            }
            assert!(!r["help"]["text"].as_str().unwrap().is_empty());
            assert!(!r["help"]["markdown"].as_str().unwrap().is_empty());
            assert!(r["helpUri"].as_str().unwrap().starts_with("https://"));
            let tags: Vec<&str> = r["properties"]["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap())
                .collect();
            assert!(tags.contains(&"security") && tags.len() <= 10);
            assert!(
                ["very-high", "high", "medium", "low"]
                    .contains(&r["properties"]["precision"].as_str().unwrap())
            );
            let sev: f64 = r["properties"]["security-severity"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            let band = match r["defaultConfiguration"]["level"].as_str().unwrap() {
                "error" => 7.0..=10.0,
                "warning" => 4.0..=6.9,
                _ => 0.1..=3.9,
            };
            assert!(band.contains(&sev), "{rid}: {sev} outside its band");
        }
        for res in run["results"].as_array().unwrap() {
            let rid = res["ruleId"].as_str().unwrap();
            let idx = res["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], rid);
            assert!(!res["message"]["text"].as_str().unwrap().is_empty());
            let locs = res["locations"].as_array().unwrap();
            assert_eq!(locs.len(), 1, "exactly one location");
            let pl = &locs[0]["physicalLocation"];
            let uri = pl["artifactLocation"]["uri"].as_str().unwrap();
            assert!(
                !uri.is_empty()
                    && !uri.starts_with('/')
                    && !uri.contains("://")
                    && !uri.contains(' ')
                    && !uri.contains('\\'),
                "{uri}"
            );
            assert!(pl["region"]["startLine"].as_u64().unwrap() >= 1);
            let fp = res["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap();
            assert!(!fp.is_empty());
        }
    }
}

fn check_schema(log: &Value) {
    let path = schema_path();
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the official SARIF schema is needed at {} ({e}); set RAMPART_SARIF_SCHEMA",
            path.display()
        )
    }))
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect();
    assert!(
        errors.is_empty(),
        "schema violations:\n{}",
        errors.join("\n")
    );
}

fn check_with_github_checker(text: &str) {
    let checker = shared("sarif/gh_sarif_check.py", "RAMPART_SARIF_CHECKER");
    if !checker.is_file() {
        assert!(
            !peers_required(),
            "gh_sarif_check.py is needed at {} (RAMPART_REQUIRE_PEERS is set)",
            checker.display()
        );
        eprintln!(
            "note: {} is not here (the optional ../shared corpus); skipping the GitHub checker, \
             the schema and GitHub's rules are still checked in Rust",
            checker.display()
        );
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("out.sarif");
    std::fs::write(&f, text).unwrap();
    let mut cmd = Command::new("python3");
    cmd.arg(&checker).arg(&f).arg("--strict");
    let has_jsonschema = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .status()
        .is_ok_and(|s| s.success());
    if has_jsonschema {
        cmd.arg("--schema").arg(schema_path());
    } else {
        assert!(!peers_required(), "python3 jsonschema is required");
        eprintln!("note: python3 has no jsonschema; the schema is still checked in Rust");
    }
    let o = cmd.output().expect("python3 runs");
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "gh_sarif_check.py --strict:\n{report}");
    assert!(
        report.contains("0 error(s), 0 documented-required miss(es), 0 warning(s)"),
        "{report}"
    );
}

/// The run of a category (`tree`, `env`, `host/NAME`).
fn run<'a>(log: &'a Value, category: &str) -> &'a Value {
    log["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["automationDetails"]["id"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/{category}/"))
        })
        .unwrap_or_else(|| panic!("no {category} run"))
}

fn check_all(args: &[&str]) -> Value {
    check_all_with_code(args, 0)
}

fn check_all_with_code(args: &[&str], want: i32) -> Value {
    let (text, log) = sarif_with_code(args, want);
    check_github_rules(&log);
    check_schema(&log);
    check_with_github_checker(&text);
    log
}

#[test]
fn cht_reference_files() {
    let cht = common::repo().join("../shared/cht");
    if !cht.is_dir() {
        assert!(
            !peers_required(),
            "../shared/cht must be beside the checkout (RAMPART_REQUIRE_PEERS is set)"
        );
        eprintln!("note: ../shared/cht (the optional CHT corpus) is not here; skipping");
        return;
    }
    let log = check_all(&[cht.to_str().unwrap()]);
    assert!(!run(&log, "tree")["results"].as_array().unwrap().is_empty());
}

#[test]
fn fixtures_trees_and_host_roots() {
    let log = check_all(&[
        "fixtures/open-ports",
        "--root",
        "fixtures/open-ports/PORT-002/fail-root",
        "--root",
        "fixtures/open-ports/PORT-001/fail-root",
    ]);
    let runs = log["runs"].as_array().unwrap();
    let ids: Vec<&str> = runs
        .iter()
        .map(|r| r["automationDetails"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            "rampart/host/cht-prod/",
            "rampart/host/web-1/",
            "rampart/tree/"
        ]
    );
    // Host findings live at stable pseudo-paths.
    let host = &run(&log, "host/cht-prod")["results"][0];
    assert_eq!(
        host["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "hosts/cht-prod/proc/net/tcp"
    );
    // Every rule evaluated on a run is listed, even without results.
    let tree_rules: Vec<&str> = run(&log, "tree")["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for id in ["PORT-003", "PORT-004", "PORT-005", "PORT-006", "PORT-007"] {
        assert!(tree_rules.contains(&id), "{id} missing from {tree_rules:?}");
    }
    // Tree URIs are relative to the current directory (the repo root in CI).
    let uri = run(&log, "tree")["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(uri.starts_with("fixtures/open-ports/"), "{uri}");
}

#[test]
fn fingerprints_ignore_line_numbers() {
    let d = tempfile::tempdir().unwrap();
    let compose = "services:\n  couchdb:\n    image: couchdb\n    ports:\n      - \"5984:5984\"\n";
    std::fs::write(d.path().join("docker-compose.yml"), compose).unwrap();
    let (_, a) = sarif_of(&[
        d.path().to_str().unwrap(),
        "--sarif-root",
        d.path().to_str().unwrap(),
    ]);
    std::fs::write(
        d.path().join("docker-compose.yml"),
        format!("# moved down\n\n{compose}"),
    )
    .unwrap();
    let (_, b) = sarif_of(&[
        d.path().to_str().unwrap(),
        "--sarif-root",
        d.path().to_str().unwrap(),
    ]);
    let fp = |v: &Value| run(v, "tree")["results"][0]["partialFingerprints"].clone();
    let line = |v: &Value| {
        run(v, "tree")["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"]
            .clone()
    };
    assert_ne!(line(&a), line(&b));
    assert_eq!(fp(&a), fp(&b));
    assert_eq!(
        run(&a, "tree")["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "docker-compose.yml"
    );
}

#[test]
fn categories_can_be_named() {
    let (_, log) = sarif_of(&[
        "fixtures/open-ports/PORT-003",
        "--sarif-category",
        "deploy prod",
    ]);
    assert_eq!(
        run(&log, "tree")["automationDetails"]["id"],
        "rampart/deploy-prod/tree/"
    );
}

#[test]
fn an_empty_scan_is_still_a_valid_upload() {
    let d = tempfile::tempdir().unwrap();
    // Nothing evaluable exits 2, and the upload is still valid.
    let log = check_all_with_code(&[d.path().to_str().unwrap()], 2);
    for r in log["runs"].as_array().unwrap() {
        assert!(r["results"].as_array().unwrap().is_empty());
    }
}

/// The SARIF of a live host scan and of a baseline run pass GitHub's
/// rules, the official schema and the checker.
#[test]
fn host_scan_and_baseline_run() {
    check_all(&["--host", "--no-progress"]);

    let d = tempfile::tempdir().unwrap();
    let tree = d.path().join("t");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(
        tree.join("docker-compose.yml"),
        "services:\n  couchdb:\n    image: couchdb\n    ports:\n      - \"5984:5984\"\n",
    )
    .unwrap();
    let base = d.path().join("base.json");
    let o = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["scan", tree.to_str().unwrap(), "--json"])
        .arg(&base)
        .arg("--sarif-root")
        .arg(d.path())
        .output()
        .unwrap();
    assert!(base.is_file(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::write(
        tree.join("docker-compose.yml"),
        "services:\n  couchdb:\n    image: couchdb\n    ports:\n      - \"5984:5984\"\n      - \"4369:4369\"\n",
    )
    .unwrap();
    let log = check_all(&[
        tree.to_str().unwrap(),
        "--baseline",
        base.to_str().unwrap(),
        "--sarif-root",
        d.path().to_str().unwrap(),
    ]);
    let states: BTreeSet<&str> = run(&log, "tree")["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    assert_eq!(states, BTreeSet::from(["new", "unchanged"]));
}

/// Runs rampart in `dir` and returns its standard output.
fn rampart_out(dir: &std::path::Path, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1796031000")
        .args(args)
        .output()
        .unwrap();
    assert!(
        matches!(o.status.code(), Some(0..=2)),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Scans with `scan_args` into every format, then re-renders the saved JSON
/// report with `rampart report` (no rescan): the SARIF, the annotations,
/// the summary, the text and the JSON are those of the scan itself.
fn re_renders_like_the_scan(dir: &std::path::Path, scan_args: &[&str], sarif_args: &[&str]) {
    let out = tempfile::tempdir().unwrap();
    let p = |n: &str| out.path().join(n).to_str().unwrap().to_string();
    let (json, sarif, summary) = (p("r.json"), p("r.sarif"), p("r.md"));
    let mut args = vec!["scan", "--today", common::TODAY, "--no-progress"];
    args.extend(scan_args);
    args.extend(sarif_args);
    let mut github_args = args.clone();
    github_args.extend([
        "--format",
        "github",
        "--json",
        &json,
        "--sarif",
        &sarif,
        "--summary",
        &summary,
    ]);
    let github = rampart_out(dir, &github_args);
    let mut text_args = args.clone();
    text_args.extend(["--format", "text"]);
    let text = rampart_out(dir, &text_args);

    // The SARIF options (`--sarif-waived`, `--sarif-category`) are the scan's.
    let mut report_args = vec!["report", json.as_str(), "--format", "sarif"];
    report_args.extend(sarif_args);
    let re_sarif = rampart_out(dir, &report_args);
    let scan_sarif = std::fs::read_to_string(&sarif).unwrap();
    assert_eq!(re_sarif, scan_sarif, "the re-rendered SARIF is the scan's");
    let log: Value = serde_json::from_str(&re_sarif).unwrap();
    check_github_rules(&log);
    check_schema(&log);
    check_with_github_checker(&re_sarif);

    let re_md = p("re.md");
    let re_github = rampart_out(
        dir,
        &["report", &json, "--format", "github", "--summary", &re_md],
    );
    assert_eq!(re_github, github, "the annotations are the scan's");
    assert_eq!(
        std::fs::read_to_string(&re_md).unwrap(),
        std::fs::read_to_string(&summary).unwrap(),
        "the summary is the scan's"
    );
    assert_eq!(
        rampart_out(dir, &["report", &json]),
        text,
        "the text is the scan's"
    );
    assert_eq!(
        rampart_out(dir, &["report", &json, "--format", "json"]),
        std::fs::read_to_string(&json).unwrap(),
        "the JSON round-trips"
    );

    // A report of an earlier version (no `evaluated`, categories or URIs)
    // still re-renders to valid SARIF with the same results.
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("evaluated");
    o.remove("baseline");
    for t in v["targets"].as_array_mut().unwrap() {
        t.as_object_mut().unwrap().remove("category");
    }
    for r in v["results"].as_array_mut().unwrap() {
        if let Some(l) = r["location"].as_object_mut() {
            l.remove("uri");
        }
    }
    let old = p("old.json");
    std::fs::write(&old, v.to_string()).unwrap();
    let mut old_args = vec!["report", old.as_str(), "--format", "sarif"];
    old_args.extend(sarif_args);
    let old_sarif = rampart_out(dir, &old_args);
    let old_log: Value = serde_json::from_str(&old_sarif).unwrap();
    check_github_rules(&old_log);
    check_schema(&old_log);
    let ids = |log: &Value| -> BTreeSet<(String, String, String)> {
        log["runs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["results"].as_array().unwrap().clone())
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["partialFingerprints"]["rampart/v1"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        ids(&old_log),
        ids(&log),
        "the same results, fingerprints and URIs"
    );
}

/// Issue 14: one saved report re-renders to every format, equal to the
/// scan's own output: a tree with a waiver and a baseline, and a host root
/// with a tree beside it (host runs, `hosts/` URIs, notes).
#[test]
fn a_saved_report_re_renders_as_the_scan_did() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    let tree = d.path().join("cht");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(
        tree.join("docker-compose.yml"),
        "services:\n  couchdb:\n    image: couchdb\n    ports:\n      - \"5984:5984\"\n",
    )
    .unwrap();
    std::fs::write(
        tree.join(".env"),
        "COUCHDB_USER=medic\nCOUCHDB_PASSWORD=password\n",
    )
    .unwrap();
    let base = d.path().join("base.json");
    rampart_out(
        d.path(),
        &[
            "scan",
            "cht",
            "--no-progress",
            "--format",
            "json",
            "--output",
            base.to_str().unwrap(),
        ],
    );
    std::fs::write(
        tree.join("docker-compose.yml"),
        "services:\n  couchdb:\n    image: couchdb\n    ports:\n      # rampart: ignore[PORT-003] lab network, SEC-9\n      - \"5984:5984\"\n      - \"4369:4369\"\n",
    )
    .unwrap();
    re_renders_like_the_scan(
        d.path(),
        &["cht", "--baseline", base.to_str().unwrap()],
        &["--sarif-waived", "include", "--sarif-category", "ci/deploy"],
    );
    re_renders_like_the_scan(
        &common::repo(),
        &[
            "fixtures/open-ports",
            "--root",
            "fixtures/hosts/debian-default",
        ],
        &[],
    );
}
