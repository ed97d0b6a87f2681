//! CHT deployment repos end to end: a clean production-style repo passes
//! every rule, broken files (a compose YAML error, a truncated
//! `app_settings.json`, a binary `.env`) each become not-evaluated outcomes
//! naming the file while the rest of the tree is still judged, no secret
//! value reaches a report, `[environments]` labels trees, and
//! `--respect-gitignore` is opt-in.

mod common;

use std::fs;
use std::path::Path;

use rampart::outcome::Status;
use rampart::report;

const CLEAN: &str = "trees/cht-production-clean";

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn production_policy(dir: &Path) -> String {
    let p = dir.join("policy.toml");
    fs::write(
        &p,
        "extends = \"cht-production\"\n[environments]\nproduction = [\"**/cht-production-clean\", \"**/repo\"]\n",
    )
    .unwrap();
    p.display().to_string()
}

#[test]
fn clean_production_repo_passes_every_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = production_policy(tmp.path());
    let tree = common::fixtures().join(CLEAN);
    let report = common::scan(&tree, common::Kind::Tree, &[], Some(&policy));
    assert_eq!(
        report.targets[0].environment.as_deref(),
        Some("production"),
        "[environments] labels the tree"
    );
    let bad: Vec<String> = report
        .results
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::NotEvaluated))
        .map(|f| format!("{} {} {}", f.rule.id, f.status, f.message))
        .collect();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    let passed: Vec<&str> = report
        .results
        .iter()
        .filter(|f| f.status == Status::Pass)
        .map(|f| f.rule.id.as_str())
        .collect();
    for id in [
        "PASS-010",
        "PASS-011",
        "PASS-012",
        "PASS-013",
        "PASS-014",
        "PASS-015",
        "PASS-016",
        "TOKEN-001",
        "TOKEN-002",
        "TOKEN-003",
        "TOKEN-004",
        "TOKEN-007",
        "TLS-014",
        "TLS-016",
        "TLS-017",
        "ENV-002",
        "ENV-005",
        "DISK-005",
        "PORT-003",
        "PORT-004",
        "PORT-007",
    ] {
        assert!(passed.contains(&id), "{id} did not pass: {passed:?}");
    }
}

#[test]
fn broken_files_are_not_evaluated_and_the_rest_is_judged() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    copy_dir(&common::fixtures().join(CLEAN), &repo);
    fs::create_dir_all(repo.join("broken")).unwrap();
    fs::write(
        repo.join("broken/docker-compose.yml"),
        "services:\n  api:\n    image: [cht-api\n    environment:\n      - A=1\n",
    )
    .unwrap();
    let settings = fs::read_to_string(repo.join("config/app_settings.json")).unwrap();
    fs::write(
        repo.join("broken/app_settings.json"),
        &settings[..settings.len() / 2],
    )
    .unwrap();
    fs::write(
        repo.join("broken/.env"),
        b"COUCHDB_PASSWORD=\x00\x01\x02\xff",
    )
    .unwrap();
    let policy = production_policy(tmp.path());
    let report = common::scan(&repo, common::Kind::Tree, &[], Some(&policy));

    let ne = |file: &str| -> Vec<(&str, String)> {
        report
            .results
            .iter()
            .filter(|f| f.status == Status::NotEvaluated)
            .filter(|f| f.location.as_ref().is_some_and(|l| l.path.ends_with(file)))
            .map(|f| (f.rule.id.as_str(), f.message.clone()))
            .collect()
    };
    for (file, rules, reason) in [
        (
            "broken/docker-compose.yml",
            &["PASS-010", "PORT-003", "TLS-014"][..],
            "YAML syntax error at line 4",
        ),
        (
            "broken/app_settings.json",
            &["TOKEN-001", "TOKEN-002", "PASS-014", "TLS-017"][..],
            "JSON syntax error",
        ),
        (
            "broken/.env",
            &["PASS-010", "PASS-011", "ENV-002", "TLS-014"][..],
            "binary file",
        ),
    ] {
        let got = ne(file);
        for rule in rules {
            let hits: Vec<_> = got.iter().filter(|(r, _)| r == rule).collect();
            assert_eq!(hits.len(), 1, "{rule} on {file}: {got:?}");
            assert!(
                hits[0].1.contains(file) && hits[0].1.contains(reason),
                "{:?}",
                hits[0]
            );
        }
    }
    // No failure anywhere, and rules that do not read the broken kinds still pass.
    assert_eq!(report.count(Status::Fail), 0);
    for id in ["PASS-015", "TOKEN-007", "TLS-016", "DISK-005", "PASS-013"] {
        let statuses: Vec<Status> = report
            .results
            .iter()
            .filter(|f| f.rule.id == id)
            .map(|f| f.status)
            .collect();
        assert_eq!(statuses, vec![Status::Pass], "{id}");
    }
    // The good files are still read: the clean app settings still count.
    let tl: Vec<&str> = report
        .results
        .iter()
        .filter(|f| f.rule.id == "TOKEN-002" && f.status == Status::NotEvaluated)
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(tl.len(), 1, "{tl:?}");
}

#[test]
fn no_secret_value_reaches_any_report() {
    let secrets = [
        "Cht-Admin-2024",
        "aaaaaaaaaaaaaaaaaaaaaaaa",
        "Tw0:lemon@trees/grow#fast",
        "tundra-maple-orbit-violet-cable-harbor-quince",
        "s3cr3t-client-value",
        "Secret_1234",
        "medic-admin-pass",
    ];
    for (pack, rule, case) in [
        ("password-policy", "PASS-011", "fail-tree"),
        ("password-policy", "PASS-011", "fail-tree-score"),
        ("password-policy", "PASS-012", "fail-tree"),
        ("env-segregation", "ENV-002", "fail-tree"),
        ("token-login", "TOKEN-006", "fail-tree"),
        ("password-policy", "PASS-015", "fail-tree"),
        ("password-policy", "PASS-013", "fail-root"),
    ] {
        let dir = common::fixtures().join(pack).join(rule).join(case);
        let kind = if case.ends_with("root") {
            common::Kind::Root
        } else {
            common::Kind::Tree
        };
        let r = common::scan(&dir, kind, &[], None);
        assert!(r.count(Status::Fail) > 0, "{rule} {case}");
        let text = report::text::render(&r, report::text::Style { color: false });
        let json = report::json::render(&r);
        let sarif = report::sarif::render(&r, None);
        for out in [&text, &json, &sarif] {
            for s in secrets {
                assert!(!out.contains(s), "{rule} {case} leaks {s}");
            }
        }
    }
}

#[test]
fn gitignore_is_opt_in() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    fs::write(repo.join(".gitignore"), "*.env\n.env\nsecrets/\n").unwrap();
    fs::write(repo.join(".env"), "COUCHDB_PASSWORD=password\n").unwrap();
    fs::create_dir_all(repo.join("secrets")).unwrap();
    fs::write(repo.join("secrets/prod.env"), "COUCHDB_PASSWORD=admin\n").unwrap();
    let bin = env!("CARGO_BIN_EXE_rampart");
    let run = |extra: &[&str]| {
        let out = std::process::Command::new(bin)
            .args([
                "scan",
                "--select",
                "PASS-010",
                "--format",
                "json",
                "--no-progress",
            ])
            .args(extra)
            .arg(repo)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "fail")
            .count()
    };
    assert_eq!(run(&[]), 2, ".env files are read by default");
    assert_eq!(run(&["--respect-gitignore"]), 0);
}
