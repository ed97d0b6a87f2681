//! RENEW-002 end to end: the rampart binary against a local RDAP server
//! (plain HTTP through --rdap-url): an expiring, a far, a malformed and a
//! silent registration; over HTTPS (rustls, an rcgen certificate, its CA
//! given with --ca-file; a wrong CA fails verification); the production
//! instances' domains with --check-domains; and a scan without
//! --domains/--check-domains makes no connection at all.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

mod tls_peers;

struct Server {
    url: String,
    connections: Arc<AtomicUsize>,
    /// Requests read whole (over TLS: after a completed handshake).
    requests: Arc<AtomicUsize>,
}

fn answer(path: &str) -> Option<String> {
    let name = path.rsplit('/').next().unwrap_or_default();
    let json = |date: &str| {
        format!(
            "{{\"objectClassName\":\"domain\",\"ldhName\":\"{name}\",\"events\":[{{\"eventAction\":\"registration\",\"eventDate\":\"2015-03-01T00:00:00Z\"}},{{\"eventAction\":\"expiration\",\"eventDate\":\"{date}T10:00:00Z\"}}]}}"
        )
    };
    let (status, body) = match name {
        "expiring.org" => ("200 OK", json("2026-12-02")),
        "far.org" | "example.org" => ("200 OK", json("2028-06-30")),
        "lapsed.org" => ("200 OK", json("2026-11-01")),
        "malformed.org" => ("200 OK", "<html>registry maintenance</html>".to_string()),
        "noexpiry.org" => ("200 OK", "{\"events\":[]}".to_string()),
        "silent.org" => return None,
        _ => ("404 Not Found", "{}".to_string()),
    };
    Some(format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/rdap+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ))
}

/// Reads one request from `s` and answers it.
fn handle(s: &mut (impl Read + Write), requests: &AtomicUsize) {
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    requests.fetch_add(1, Ordering::SeqCst);
    let text = String::from_utf8_lossy(&req);
    let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
    match answer(&path) {
        Some(a) => {
            let _ = s.write_all(a.as_bytes());
            let _ = s.flush();
        }
        // Silent: hold the connection open, answer nothing.
        None => std::thread::sleep(Duration::from_secs(20)),
    }
}

/// A local RDAP server: plain HTTP, or HTTPS with `tls` (its URL then
/// names `localhost`, the name its certificate is for).
fn serve(tls: Option<Arc<rustls::ServerConfig>>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = match tls {
        Some(_) => format!("https://localhost:{port}/rdap/"),
        None => format!("http://127.0.0.1:{port}/rdap/"),
    };
    let connections = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(AtomicUsize::new(0));
    let (count, served) = (connections.clone(), requests.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            count.fetch_add(1, Ordering::SeqCst);
            let (tls, served) = (tls.clone(), served.clone());
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                match tls {
                    Some(config) => {
                        let Ok(conn) = rustls::ServerConnection::new(config) else {
                            return;
                        };
                        let mut tls = rustls::StreamOwned::new(conn, s);
                        handle(&mut tls, &served);
                        tls.conn.send_close_notify();
                        let _ = tls.flush();
                    }
                    None => handle(&mut s, &served),
                }
            });
        }
    });
    Server {
        url,
        connections,
        requests,
    }
}

fn server() -> Server {
    serve(None)
}

fn scan(args: &[&str]) -> (Option<i32>, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("scan")
        .args(args)
        .args([
            "--format",
            "json",
            "--fail-on",
            "never",
            "--today",
            "2026-11-22",
            "--connect-timeout",
            "1",
            "--tls-deadline",
            "2",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{e}: {text}\n{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), json)
}

fn results<'a>(j: &'a Value, target: &str) -> Vec<&'a Value> {
    j["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule_id"] == "RENEW-002" && r["target"] == target)
        .collect()
}

#[test]
fn rdap_expiring_far_malformed_silent() {
    let s = server();
    let (code, j) = scan(&[
        "--domains",
        "cht.expiring.org",
        "far.org",
        "www.lapsed.org",
        "malformed.org",
        "noexpiry.org",
        "silent.org",
        "unknown.org",
        "--rdap-url",
        &s.url,
    ]);
    // Malformed, silent and unknown registries leave those domain targets
    // with nothing evaluable: the scan is incomplete (exit 2), every other
    // domain still judged below.
    assert_eq!(code, Some(2));
    let one = |t: &str| {
        let r = results(&j, t);
        assert_eq!(r.len(), 1, "{t}: {r:?}");
        r[0].clone()
    };
    let r = one("domain:expiring.org");
    assert_eq!(r["status"], "fail");
    assert_eq!(
        r["severity"], "high",
        "10 days left: under domain-high-days"
    );
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("expires on 2026-12-02 (in 10 days)")
    );
    assert!(r["message"].as_str().unwrap().contains("cht.expiring.org"));
    let r = one("domain:lapsed.org");
    assert_eq!(
        (r["status"].as_str(), r["severity"].as_str()),
        (Some("fail"), Some("critical"))
    );
    assert_eq!(one("domain:far.org")["status"], "pass");
    let r = one("domain:malformed.org");
    assert_eq!(r["status"], "not_evaluated");
    assert!(r["message"].as_str().unwrap().contains("not JSON"), "{r}");
    let r = one("domain:noexpiry.org");
    assert_eq!(r["status"], "not_evaluated");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("no expiration event")
    );
    let r = one("domain:silent.org");
    assert_eq!(r["status"], "not_evaluated");
    let m = r["message"].as_str().unwrap();
    assert!(
        m.contains("deadline") || m.contains("timed out") || m.contains("no complete RDAP answer"),
        "{m}"
    );
    let r = one("domain:unknown.org");
    assert_eq!(r["status"], "not_evaluated");
    assert!(r["message"].as_str().unwrap().contains("404"));
    assert!(s.connections.load(Ordering::SeqCst) >= 7);
}

#[test]
fn a_scan_without_domains_makes_no_connection() {
    let s = server();
    let tree = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/trees/cht-production-clean");
    let (code, j) = scan(&[tree.to_str().unwrap(), "--rdap-url", &s.url]);
    assert_eq!(code, Some(0));
    // --check-domains over files that serve no public name names no domain
    // either.
    let dev = tempfile::tempdir().unwrap();
    write(
        dev.path(),
        "config/app_settings.json",
        r#"{"app_url": "http://localhost:5988"}"#,
    );
    let (_, j2) = scan(&[
        dev.path().to_str().unwrap(),
        "--check-domains",
        "--rdap-url",
        &s.url,
    ]);
    for j in [&j, &j2] {
        assert!(
            !j["results"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["rule_id"] == "RENEW-002"),
            "no domain target"
        );
    }
    assert_eq!(
        s.connections.load(Ordering::SeqCst),
        0,
        "the RDAP server saw a connection"
    );
}

#[test]
fn names_without_a_registration_are_target_errors() {
    let s = server();
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "scan",
            "--domains",
            "10.0.0.1",
            "--rdap-url",
            &s.url,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "an unusable target is exit 2");
    assert_eq!(s.connections.load(Ordering::SeqCst), 0);
}

fn write(dir: &std::path::Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn check_domains_takes_the_production_instances_of_the_files() {
    let s = server();
    let d = tempfile::tempdir().unwrap();
    // Production: an app_url, a COMMON_NAME of the same registration, and
    // an IP address (no registration).
    write(
        d.path(),
        "prod/config/app_settings.json",
        r#"{"app_url": "https://cht.expiring.org"}"#,
    );
    write(
        d.path(),
        "prod/.env",
        "COMMON_NAME=moh.expiring.org\nCOUCHDB_USER=admin\n",
    );
    write(
        d.path(),
        "prod-ip/config/app_settings.json",
        r#"{"app_url": "https://10.20.30.40"}"#,
    );
    // Development: its domain is not looked up.
    write(
        d.path(),
        "dev/config/app_settings.json",
        r#"{"app_url": "https://cht.lapsed.org"}"#,
    );
    let root = d.path().to_str().unwrap();
    let (code, j) = scan(&[
        "--env",
        &format!("production={root}/prod"),
        "--env",
        &format!("production={root}/prod-ip"),
        "--env",
        &format!("development={root}/dev"),
        // The unlabelled reference tree (app_url cht.example.org) counts.
        common_tree().to_str().unwrap(),
        "--domains",
        "www.expiring.org",
        "--check-domains",
        "--rdap-url",
        &s.url,
    ]);
    assert!(code.is_some(), "{j}");
    let domains: Vec<&str> = j["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "domain")
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        domains,
        ["domain:example.org", "domain:expiring.org"],
        "development's lapsed.org and the IP address are not looked up"
    );
    let r = results(&j, "domain:expiring.org");
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0]["status"], "fail");
    let m = r[0]["message"].as_str().unwrap();
    for name in ["www.expiring.org", "cht.expiring.org", "moh.expiring.org"] {
        assert!(m.contains(name), "{name}: {m}");
    }
    assert_eq!(results(&j, "domain:example.org")[0]["status"], "pass");
    assert_eq!(
        s.connections.load(Ordering::SeqCst),
        2,
        "one lookup per registrable domain, and nothing else"
    );
}

fn common_tree() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/trees/cht-production-clean")
}

/// A rustls server configuration for `localhost`, its certificate signed by
/// `ca`.
fn https_config(ca: &tls_peers::Ca) -> Arc<rustls::ServerConfig> {
    let (chain, key) = ca.leaf(&["localhost"], 2025, 2040);
    tls_peers::server_config(chain, key)
}

#[test]
fn rdap_over_https_verifies_the_server_certificate() {
    let ca = tls_peers::Ca::new();
    let s = serve(Some(https_config(&ca)));
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let wrong_file = dir.path().join("other-ca.pem");
    std::fs::write(&wrong_file, tls_peers::Ca::new().pem()).unwrap();
    let domains = ["--domains", "cht.expiring.org", "far.org"];

    // The right CA: the answers are read and judged.
    let (_, j) = scan(
        &[
            &domains[..],
            &["--rdap-url", &s.url, "--ca-file", ca_file.to_str().unwrap()],
        ]
        .concat(),
    );
    let r = results(&j, "domain:expiring.org");
    assert_eq!(r.len(), 1, "{j}");
    assert_eq!(r[0]["status"], "fail", "{}", r[0]);
    assert!(
        r[0]["evidence"]["rdap_url"]
            .as_str()
            .unwrap()
            .starts_with("https://localhost:")
    );
    assert_eq!(results(&j, "domain:far.org")[0]["status"], "pass");
    assert_eq!(s.requests.load(Ordering::SeqCst), 2);

    // Another CA, and the built-in (Mozilla) roots: the handshake fails, no
    // request is sent, and each domain says why.
    for ca_args in [&["--ca-file", wrong_file.to_str().unwrap()][..], &[][..]] {
        let before = s.connections.load(Ordering::SeqCst);
        let (code, j) = scan(&[&domains[..], &["--rdap-url", &s.url], ca_args].concat());
        assert_eq!(code, Some(2), "nothing evaluable: {j}");
        for t in ["domain:expiring.org", "domain:far.org"] {
            let r = results(&j, t);
            assert_eq!(r.len(), 1, "{t}: {j}");
            assert_eq!(r[0]["status"], "not_evaluated");
            let m = r[0]["message"].as_str().unwrap();
            assert!(
                m.contains("presented a certificate that does not verify")
                    && m.contains("--ca-file"),
                "{m}"
            );
        }
        assert!(s.connections.load(Ordering::SeqCst) >= before + 2);
        assert_eq!(s.requests.load(Ordering::SeqCst), 2, "no request sent");
    }
}
