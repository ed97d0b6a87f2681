//! GitHub code scanning done right (issue 11, items 10–16): alert identity
//! that survives how a path is typed and where a root is mounted, URIs
//! relative to the repository, baselines and `diff`, annotations and a
//! step summary without GHAS, config discovery, the published JSON schema,
//! CWE tags, completions and the man page.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn rampart_in(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rampart"));
    c.current_dir(dir).env_remove("NO_COLOR");
    c
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    rampart_in(dir).args(args).output().expect("rampart runs")
}

fn run(args: &[&str]) -> Output {
    run_in(&common::repo(), args)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o.stdout)))
}

/// A repository (a `.git` directory) holding `cht/` with failures.
fn repo_with_cht() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir_all(d.path().join(".git")).unwrap();
    let cht = d.path().join("cht");
    fs::create_dir_all(&cht).unwrap();
    fs::write(
        cht.join("docker-compose.yml"),
        "services:\n  couchdb:\n    image: couchdb\n    ports:\n      - \"5984:5984\"\n",
    )
    .unwrap();
    fs::write(
        cht.join(".env"),
        "COUCHDB_USER=medic\nCOUCHDB_PASSWORD=password\n",
    )
    .unwrap();
    d
}

fn sarif_results(o: &Output) -> Vec<Value> {
    json(o)["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["results"].as_array().unwrap().clone())
        .collect()
}

/// Item 10: one alert identity whether the tree is `cht`, `./cht/` or
/// absolute; URIs relative to the repository root; no absolute path in
/// properties.
#[test]
fn fingerprints_survive_three_spellings() {
    let d = repo_with_cht();
    let abs = d.path().join("cht");
    let sub = d.path().join("cht");
    let mut seen = Vec::new();
    for (cwd, spelling) in [
        (d.path(), "cht".to_string()),
        (d.path(), "./cht/".to_string()),
        (sub.as_path(), abs.display().to_string()),
    ] {
        let o = run_in(
            cwd,
            &["scan", &spelling, "--format", "sarif", "--fail-on", "never"],
        );
        assert_eq!(code(&o), 0, "{}", text(&o.stderr));
        let results = sarif_results(&o);
        assert!(results.len() >= 2);
        let mut ids: Vec<(String, String)> = results
            .iter()
            .map(|r| {
                let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string();
                assert!(uri.starts_with("cht/") && !uri.contains(".."), "{uri}");
                let props = r["properties"].to_string();
                assert!(!props.contains(&d.path().display().to_string()), "{props}");
                (r["partialFingerprints"]["rampart/v1"].to_string(), uri)
            })
            .collect();
        ids.sort();
        seen.push(ids);
    }
    assert_eq!(seen[0], seen[1], "cht vs ./cht/");
    assert_eq!(seen[0], seen[2], "cht vs absolute, from another directory");
}

/// Item 10: an offline root has the same fingerprints wherever it is mounted.
#[test]
fn root_fingerprints_do_not_depend_on_the_mount_point() {
    let fixture = common::fixtures().join("open-ports/PORT-001/fail-root");
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let copy = |to: &Path| {
        let st = Command::new("cp")
            .arg("-a")
            .arg(&fixture)
            .arg(to.join("mnt"))
            .status()
            .unwrap();
        assert!(st.success());
    };
    copy(a.path());
    copy(b.path());
    let fps = |root: &Path| -> Vec<String> {
        let o = run(&[
            "scan",
            "--root",
            root.to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "never",
        ]);
        let mut v: Vec<String> = json(&o)["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "fail")
            .map(|r| r["fingerprint"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let fa = fps(&a.path().join("mnt"));
    assert!(!fa.is_empty());
    assert_eq!(fa, fps(&b.path().join("mnt")));
    assert_eq!(fa, fps(&fixture));
}

/// Item 10: a tree outside `--sarif-root` is an error, never a `../` URI.
#[test]
fn trees_outside_the_sarif_root_are_an_error() {
    let d = repo_with_cht();
    let other = tempfile::tempdir().unwrap();
    let o = run(&[
        "scan",
        d.path().join("cht").to_str().unwrap(),
        "--sarif-root",
        other.path().to_str().unwrap(),
        "--format",
        "sarif",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("outside the SARIF root"),
        "{}",
        text(&o.stderr)
    );
    assert!(!text(&o.stdout).contains("\"../"));
}

/// Item 12: baselines mark failures new or unchanged in JSON, text and
/// SARIF; `--fail-on-new`; `rampart diff`.
#[test]
fn baselines_and_diff() {
    let d = repo_with_cht();
    let base = d.path().join("base.json");
    let o = run_in(
        d.path(),
        &[
            "scan",
            "cht",
            "--json",
            base.to_str().unwrap(),
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    // Nothing new yet: --fail-on-new passes although failures remain.
    let o = run_in(
        d.path(),
        &[
            "scan",
            "cht",
            "--baseline",
            "base.json",
            "--fail-on-new",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
    let j = json(&o);
    let fails: Vec<&Value> = j["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .collect();
    assert!(!fails.is_empty());
    assert!(fails.iter().all(|r| r["baseline_state"] == "unchanged"));
    // A new failure.
    fs::write(
        d.path().join("cht/docker-compose.yml"),
        "services:\n  couchdb:\n    image: couchdb\n    ports:\n      - \"5984:5984\"\n      - \"4369:4369\"\n",
    )
    .unwrap();
    let new = d.path().join("new.json");
    let o = run_in(
        d.path(),
        &[
            "scan",
            "cht",
            "--baseline",
            "base.json",
            "--fail-on-new",
            "--fail-on",
            "low",
            "--json",
            new.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 1, "{}", text(&o.stdout));
    let t = text(&o.stdout);
    let new_count = t.lines().filter(|l| l.contains("[new]")).count();
    assert!(new_count >= 1 && t.contains("[unchanged]"), "{t}");
    assert!(t.contains(&format!("({new_count} new)")), "{t}");
    let o = run_in(
        d.path(),
        &[
            "scan",
            "cht",
            "--baseline",
            "base.json",
            "--format",
            "sarif",
            "--fail-on",
            "never",
        ],
    );
    let states: Vec<String> = sarif_results(&o)
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap().to_string())
        .collect();
    assert!(states.contains(&"new".to_string()) && states.contains(&"unchanged".to_string()));

    let o = run_in(d.path(), &["diff", "base.json", "new.json"]);
    assert_eq!(code(&o), 1);
    let t = text(&o.stdout);
    assert!(
        t.starts_with(&format!("New failures ({new_count})")),
        "regressions first: {t}"
    );
    assert!(t.contains("4369"), "{t}");
    assert!(t.contains(&format!("{new_count} new · 0 fixed")), "{t}");
    let o = run_in(d.path(), &["diff", "new.json", "base.json"]);
    assert_eq!(code(&o), 0);
    assert!(text(&o.stdout).contains(&format!("0 new · {new_count} fixed")));
    let o = run_in(d.path(), &["diff", "base.json", "cht/.env"]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("not a rampart JSON report"));
}

/// Item 13: annotations and a Markdown summary, no secret in either.
#[test]
fn github_annotations_and_summary() {
    let d = repo_with_cht();
    let planted = "Zq9planted";
    fs::write(
        d.path().join("cht/.env"),
        format!("COUCHDB_USER=medic\nCOUCHDB_PASSWORD={planted}\n"),
    )
    .unwrap();
    let summary = d.path().join("summary.md");
    let o = run_in(
        d.path(),
        &[
            "scan",
            "cht",
            "--format",
            "github",
            "--summary",
            summary.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 1, "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.lines()
            .any(|l| l.starts_with("::error file=cht/docker-compose.yml,line=5,title=PORT-")),
        "{out}"
    );
    assert!(out.lines().all(|l| l.starts_with("::")), "{out}");
    let md = fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("## rampart: ❌ failed (exit 1)"), "{md}");
    assert!(md.contains("| severity | rule | where | message |"), "{md}");
    for o in [&out, &md] {
        assert!(!o.contains(planted), "secret leaked: {o}");
    }
}

/// Item 14: `.rampart.toml` found up to the repository root, named on
/// stderr; `--no-config` ignores it.
#[test]
fn config_is_discovered_up_to_the_repository_root() {
    let d = repo_with_cht();
    fs::create_dir_all(d.path().join(".github")).unwrap();
    fs::write(
        d.path().join(".github/rampart.toml"),
        "name = \"team\"\nfail-on = \"never\"\n",
    )
    .unwrap();
    let o = run_in(&d.path().join("cht"), &["scan", "."]);
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(
        err.contains("using config") && err.contains(".github/rampart.toml"),
        "{err}"
    );
    assert!(text(&o.stdout).contains("policy team"));
    let o = run_in(&d.path().join("cht"), &["scan", ".", "--no-config"]);
    assert_eq!(code(&o), 1);
    assert!(!text(&o.stderr).contains("using config"));
    // .rampart.toml beside the tree wins over .github/ above it.
    fs::write(d.path().join("cht/.rampart.toml"), "name = \"local\"\n").unwrap();
    let o = run_in(d.path(), &["scan", "cht"]);
    assert!(text(&o.stdout).contains("policy local"));
}

/// Item 15: `rampart schema` is the JSON Schema every report validates
/// against; SARIF rules carry CWE tags and references.
#[test]
fn published_schema_and_cwe_tags() {
    let o = run(&["schema"]);
    assert_eq!(code(&o), 0);
    let schema = json(&o);
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let d = repo_with_cht();
    let base = d.path().join("base.json");
    run_in(d.path(), &["scan", "cht", "--json", base.to_str().unwrap()]);
    let scans: Vec<Vec<String>> = vec![
        vec!["fixtures/open-ports".into()],
        vec![
            "fixtures".into(),
            "--policy".into(),
            "cht-production".into(),
        ],
        vec![
            "--root".into(),
            "fixtures/open-ports/PORT-001/fail-root".into(),
        ],
        vec![
            d.path().join("cht").display().to_string(),
            "--baseline".into(),
            base.display().to_string(),
        ],
    ];
    for args in scans {
        let mut all = vec!["scan".to_string(), "--format".into(), "json".into()];
        all.extend(args.clone());
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let j = json(&run(&refs));
        let errors: Vec<String> = validator
            .iter_errors(&j)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .take(5)
            .collect();
        assert!(errors.is_empty(), "{args:?}: {errors:?}");
    }

    let o = run(&[
        "scan",
        "fixtures/open-ports",
        "--format",
        "sarif",
        "--fail-on",
        "never",
    ]);
    let log = json(&o);
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let tagged = rules
        .iter()
        .filter(|r| {
            r["properties"]["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t.as_str().unwrap().starts_with("external/cwe/cwe-"))
        })
        .count();
    assert!(tagged > 0, "no CWE tags");
    assert!(rules.iter().any(|r| {
        r["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("https://cwe.mitre.org/data/definitions/")
    }));
}

/// Item 16: completions and a man page from the clap definitions.
#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish"] {
        let o = run(&["completions", shell]);
        assert_eq!(code(&o), 0);
        assert!(text(&o.stdout).contains("sarif-waived"), "{shell}");
    }
    let o = run(&["man"]);
    assert_eq!(code(&o), 0);
    let man = text(&o.stdout);
    assert!(
        man.contains(".TH rampart 1") && man.contains("scan"),
        "{man}"
    );
}

/// Item 14: inline ignores on or above the line, with a reason, are
/// waivers; without a reason they do not apply.
#[test]
fn inline_ignores_need_a_reason_and_show_as_waivers() {
    let d = repo_with_cht();
    fs::write(
        d.path().join("cht/docker-compose.yml"),
        "services:\n  couchdb:\n    image: couchdb\n    ports:\n      # rampart: ignore[PORT-003] lab network behind a firewall, SEC-9\n      - \"5984:5984\"\n      - \"4369:4369\" # rampart: ignore[PORT-003]\n",
    )
    .unwrap();
    let o = run_in(
        d.path(),
        &["scan", "cht", "--select", "PORT-003", "--format", "json"],
    );
    let j = json(&o);
    let r: Vec<&Value> = j["results"].as_array().unwrap().iter().collect();
    let waived: Vec<&&Value> = r.iter().filter(|r| r["status"] == "waived").collect();
    assert_eq!(waived.len(), 1, "{r:?}");
    assert_eq!(
        waived[0]["waiver"]["reason"],
        "lab network behind a firewall, SEC-9"
    );
    assert_eq!(
        waived[0]["waiver"]["origin"],
        "cht/docker-compose.yml:5 (inline ignore)"
    );
    let failed: Vec<&&Value> = r.iter().filter(|r| r["status"] == "fail").collect();
    assert_eq!(failed.len(), 1, "{r:?}");
    assert!(
        failed[0]["message"]
            .as_str()
            .unwrap()
            .contains("has no reason")
    );
    let o = run_in(d.path(), &["scan", "cht", "--select", "PORT-003"]);
    assert!(
        text(&o.stdout).contains("Waived (1)"),
        "{}",
        text(&o.stdout)
    );
}
