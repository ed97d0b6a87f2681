//! Certificate files and nginx configurations outside the fixture runner:
//! TLS-004's graded severities, the real cht-core certificates whose keys are
//! public (from `../shared/cht` when it is there), CHT's own nginx.conf, and
//! the CLI's TLS targets.

mod common;
mod tls_peers;

use rampart::outcome::{Severity, Status};
use std::process::Command;

fn severities(case: &str) -> Vec<(Status, Severity)> {
    let dir = common::fixtures().join("tls/TLS-004").join(case);
    let r = common::scan(&dir, common::Kind::Tree, &["TLS-004"], None);
    r.results.iter().map(|f| (f.status, f.severity)).collect()
}

#[test]
fn expiry_is_graded_by_the_policy_window() {
    assert_eq!(
        severities("fail-tree-expired"),
        vec![(Status::Fail, Severity::Critical)]
    );
    assert_eq!(
        severities("fail-tree-soon"),
        vec![(Status::Fail, Severity::High)]
    );
    assert_eq!(
        severities("fail-tree-medium"),
        vec![(Status::Fail, Severity::Medium)]
    );
    assert_eq!(
        severities("pass-tree"),
        vec![(Status::Pass, Severity::High)]
    );
}

fn shared_cht() -> Option<std::path::PathBuf> {
    let p = common::repo().join("../shared/cht");
    if p.is_dir() {
        Some(p)
    } else {
        assert!(
            std::env::var("RAMPART_REQUIRE_PEERS").as_deref() != Ok("1"),
            "../shared/cht must be beside the checkout (RAMPART_REQUIRE_PEERS=1)"
        );
        eprintln!("note: ../shared/cht (the optional CHT corpus) is not here; skipping");
        None
    }
}

#[test]
fn cht_test_certificates_are_publicly_known() {
    let Some(cht) = shared_cht() else { return };
    let src = cht.join("medic+cht-core/scripts/tls_certificates");
    let dir = tempfile::tempdir().unwrap();
    for name in ["self-signed.crt", "local-ip-expired.crt"] {
        std::fs::copy(src.join(name), dir.path().join(name)).unwrap();
    }
    let r = common::scan(
        dir.path(),
        common::Kind::Tree,
        &["TLS-009", "TLS-004"],
        None,
    );
    let fails: Vec<&str> = r
        .results
        .iter()
        .filter(|f| f.rule.id == "TLS-009" && f.status == Status::Fail)
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(fails.len(), 2, "{fails:?}");
    assert!(
        fails
            .iter()
            .any(|m| m.contains("cht-core scripts/tls_certificates/self-signed.crt"))
    );
    assert!(fails.iter().any(|m| m.contains("local-ip-expired.crt")));
    // local-ip-expired.crt expired on 2023-07-12.
    assert!(
        r.results
            .iter()
            .any(|f| f.rule.id == "TLS-004" && f.severity == Severity::Critical)
    );
}

#[test]
fn cht_nginx_conf_is_sound() {
    let Some(cht) = shared_cht() else { return };
    let dir = tempfile::tempdir().unwrap();
    let nginx = dir.path().join("nginx");
    std::fs::create_dir_all(nginx.join("conf.d")).unwrap();
    std::fs::copy(
        cht.join("medic+cht-core/nginx/nginx.conf"),
        nginx.join("nginx.conf"),
    )
    .unwrap();
    std::fs::copy(
        cht.join("medic+cht-core/nginx/conf.d/error_pages.conf"),
        nginx.join("conf.d/error_pages.conf"),
    )
    .unwrap();
    let r = common::scan(
        dir.path(),
        common::Kind::Tree,
        &["TLS-012", "TLS-013"],
        None,
    );
    for f in &r.results {
        assert_eq!(f.status, Status::Pass, "{} {}", f.rule.id, f.message);
    }
    // 4.21.0 has the same settings.
    let old = cht.join("medic+cht-core@4.21.0/nginx/nginx.conf");
    if old.is_file() {
        let d2 = tempfile::tempdir().unwrap();
        std::fs::copy(old, d2.path().join("nginx.conf")).unwrap();
        let r = common::scan(d2.path(), common::Kind::Tree, &["TLS-012", "TLS-013"], None);
        assert!(r.results.iter().all(|f| f.status == Status::Pass));
    }
}

fn rampart() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
}

#[test]
fn cli_tls_targets() {
    let ca = tls_peers::Ca::new();
    let (chain, key) = ca.leaf(&["localhost"], 2025, 2040);
    let port = tls_peers::rustls_server("127.0.0.1:0", chain, key, "");
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    // Only --tls: the current directory is not scanned too.
    let out = rampart()
        .current_dir(dir.path())
        .args([
            "scan",
            "--format",
            "json",
            "--http-port",
            "0",
            "--fail-on",
            "never",
        ])
        .arg("--ca-file")
        .arg(&ca_file)
        .args(["--tls", &format!("localhost:{port}")])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = json["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![format!("tls:localhost:{port}")]);
    // --tls-file: comments, blank lines, duplicates, and one bad line.
    let list = dir.path().join("endpoints.txt");
    std::fs::write(
        &list,
        format!(
            "# production\nlocalhost:{port}  # the proxy\n\nlocalhost:{port}\nnot a host:99999\n"
        ),
    )
    .unwrap();
    let out = rampart()
        .current_dir(dir.path())
        .args([
            "scan",
            "--format",
            "json",
            "--http-port",
            "0",
            "--fail-on",
            "never",
        ])
        .arg("--ca-file")
        .arg(&ca_file)
        .arg("--tls-file")
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a bad endpoint makes the scan incomplete"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let targets = json["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2, "{targets:?}");
    let bad = targets.iter().find(|t| !t["error"].is_null()).unwrap();
    assert!(
        bad["error"].as_str().unwrap().contains("endpoints.txt:5"),
        "{bad}"
    );
    // A bad --ca-file is an error naming it.
    let out = rampart()
        .current_dir(dir.path())
        .args(["scan", "--tls", "localhost:1", "--ca-file", "missing.pem"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--ca-file missing.pem"));
}
