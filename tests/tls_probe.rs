//! The TLS prober against real servers: an in-process rustls server with
//! rcgen certificates (valid chain, expired, not yet valid, wrong host,
//! self-signed, a key below policy), plain HTTP for the redirect, and hostile
//! peers that stall, close or send garbage.

mod tls_peers;

use std::time::{Duration, Instant};

use rampart::outcome::{Severity, Status};
use tls_peers::*;

const HSTS: &str = "Strict-Transport-Security: max-age=63072000; includeSubDomains\r\n";
const REDIRECT: &str =
    "HTTP/1.1 301 Moved Permanently\r\nLocation: https://localhost/\r\nContent-Length: 0\r\n\r\n";

#[test]
fn valid_chain_passes_every_probe_rule() {
    let ca = Ca::new();
    let (chain, key) = ca.leaf(&["localhost"], 2025, 2040);
    let port = rustls_server("127.0.0.1:0", chain, key, HSTS);
    let http = http_server(REDIRECT);
    let opts = options(Some(&ca.pem()), Some(http), 5, 30);
    let r = scan(vec![tls_target(&format!("localhost:{port}"), &opts)], None);
    let t = format!("tls:localhost:{port}");
    for rule in [
        "TLS-001", "TLS-002", "TLS-003", "TLS-004", "TLS-005", "TLS-006", "TLS-007", "TLS-008",
        "TLS-009", "TLS-010", "TLS-011",
    ] {
        assert_eq!(
            status(&r, &t, rule),
            "pass",
            "{rule}: {:?}",
            results(&r, &t, rule)
        );
    }
    // Evidence: every protocol and suite, and the chain.
    let f = &results(&r, &t, "TLS-001")[0];
    let protocols = f.evidence.get("protocols").unwrap();
    assert_eq!(protocols["TLSv1.3"], "accepted");
    assert_eq!(protocols["TLSv1.2"], "accepted");
    assert!(
        protocols["TLSv1.0"]
            .as_str()
            .unwrap()
            .starts_with("refused")
    );
    let suites = results(&r, &t, "TLS-003")[0]
        .evidence
        .get("accepted_suites")
        .unwrap();
    let suites: Vec<&str> = suites
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        suites
            .iter()
            .any(|s| s.starts_with("TLS_AES_128_GCM_SHA256")),
        "{suites:?}"
    );
    assert!(
        suites
            .iter()
            .any(|s| s.starts_with("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")),
        "{suites:?}"
    );
    let chain = results(&r, &t, "TLS-005")[0].evidence.get("chain").unwrap();
    assert_eq!(chain.as_array().unwrap().len(), 2);
    assert_eq!(r.exit_code(), 0);
}

#[test]
fn certificate_problems_are_each_reported_once() {
    let ca = Ca::new();
    let (c1, k1) = ca.leaf(&["localhost"], 2020, 2021);
    let expired = rustls_server("127.0.0.1:0", c1, k1, HSTS);
    let (c2, k2) = ca.leaf(&["localhost"], 2035, 2040);
    let future = rustls_server("127.0.0.1:0", c2, k2, HSTS);
    let (c3, k3) = ca.leaf(&["other.example"], 2025, 2040);
    let wrong = rustls_server("127.0.0.1:0", c3, k3, HSTS);
    let (c4, k4) = self_signed(&["localhost"]);
    let selfsigned = rustls_server("127.0.0.1:0", c4, k4, "");
    let opts = options(Some(&ca.pem()), None, 5, 30);
    let webpki = options(None, None, 5, 30);
    let r = scan(
        vec![
            tls_target(&format!("localhost:{expired}"), &opts),
            tls_target(&format!("localhost:{future}"), &opts),
            tls_target(&format!("localhost:{wrong}"), &opts),
            tls_target(&format!("localhost:{selfsigned}"), &webpki),
        ],
        None,
    );
    let t = |p: u16| format!("tls:localhost:{p}");
    // Expired: TLS-004 critical, trust judged inside the validity window.
    let f = results(&r, &t(expired), "TLS-004");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        (f[0].status, f[0].severity),
        (Status::Fail, Severity::Critical)
    );
    assert!(
        f[0].message.contains("expired on 2021-01-01"),
        "{}",
        f[0].message
    );
    assert_eq!(status(&r, &t(expired), "TLS-005"), "pass");
    // Not yet valid: the chain does not validate now.
    let f = results(&r, &t(future), "TLS-005");
    assert_eq!(f[0].status, Status::Fail);
    assert!(f[0].message.contains("not valid yet"), "{}", f[0].message);
    // Wrong host: TLS-006 only.
    let f = results(&r, &t(wrong), "TLS-006");
    assert_eq!(f[0].status, Status::Fail);
    assert!(f[0].message.contains("other.example"), "{}", f[0].message);
    assert_eq!(status(&r, &t(wrong), "TLS-005"), "pass");
    // Self-signed against the webpki roots.
    let f = results(&r, &t(selfsigned), "TLS-005");
    assert_eq!(f[0].status, Status::Fail);
    assert!(f[0].message.contains("self-signed"), "{}", f[0].message);
    assert_eq!(status(&r, &t(selfsigned), "TLS-011"), "fail");
    assert_eq!(status(&r, &t(selfsigned), "TLS-010"), "not_applicable");
}

#[test]
fn key_below_policy_and_missing_redirect() {
    let ca = Ca::new();
    let (chain, key) = ca.leaf(&["localhost"], 2025, 2040);
    let port = rustls_server(
        "127.0.0.1:0",
        chain,
        key,
        "Strict-Transport-Security: max-age=300\r\n",
    );
    let http = http_server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    let opts = options(Some(&ca.pem()), Some(http), 5, 30);
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.toml");
    std::fs::write(&policy, "[tls]\nmin-ec-bits = 384\n").unwrap();
    let r = scan(
        vec![tls_target(&format!("127.0.0.1:{port}"), &opts)],
        Some(policy.to_str().unwrap()),
    );
    let t = format!("tls:127.0.0.1:{port}");
    let f = results(&r, &t, "TLS-007");
    assert_eq!(f[0].status, Status::Fail, "{f:?}");
    assert!(f[0].message.contains("EC 256 (P-256)"), "{}", f[0].message);
    let f = results(&r, &t, "TLS-010");
    assert_eq!(f[0].status, Status::Fail);
    assert!(f[0].message.contains("answers 200"), "{}", f[0].message);
    let f = results(&r, &t, "TLS-011");
    assert!(f[0].message.contains("max-age=300"), "{}", f[0].message);
    // An IP literal has no SNI and the certificate has no IP SAN.
    assert_eq!(status(&r, &t, "TLS-006"), "fail");
}

#[test]
fn hostile_peers_are_not_evaluated_within_the_deadline() {
    let ca = Ca::new();
    let (chain, key) = ca.leaf(&["localhost"], 2025, 2040);
    let good = rustls_server("127.0.0.1:0", chain, key, HSTS);
    let silent = hostile_server(Hostile::Silent);
    let closer = hostile_server(Hostile::Closer);
    let garbage = hostile_server(Hostile::Garbage);
    let dead = free_port();
    let opts = options(Some(&ca.pem()), None, 1, 3);
    let started = Instant::now();
    let r = scan(
        vec![
            tls_target(&format!("localhost:{good}"), &opts),
            tls_target(&format!("127.0.0.1:{silent}"), &opts),
            tls_target(&format!("127.0.0.1:{closer}"), &opts),
            tls_target(&format!("127.0.0.1:{garbage}"), &opts),
            tls_target(&format!("127.0.0.1:{dead}"), &opts),
        ],
        None,
    );
    let took = started.elapsed();
    // The deadline (3 s) bounds every endpoint; generous slack for a loaded CI.
    assert!(took < Duration::from_secs(12), "took {took:?}");
    let cases = [
        (silent, "did not answer in time"),
        (closer, "closed the connection"),
        (garbage, "not valid TLS"),
        (dead, "refused"),
    ];
    for (port, why) in cases {
        let t = format!("tls:127.0.0.1:{port}");
        for rule in [
            "TLS-001", "TLS-002", "TLS-003", "TLS-004", "TLS-005", "TLS-011",
        ] {
            let f = results(&r, &t, rule);
            assert!(!f.is_empty(), "{rule} on {t}");
            assert!(
                f.iter().all(|f| f.status == Status::NotEvaluated),
                "{rule} on {t}: {f:?}"
            );
            assert!(
                f[0].message.contains(why),
                "{rule} on {t}: {}",
                f[0].message
            );
        }
    }
    // The rest of the report is intact.
    assert_eq!(
        status(&r, &format!("tls:localhost:{good}"), "TLS-002"),
        "pass"
    );
    assert_eq!(
        status(&r, &format!("tls:localhost:{good}"), "TLS-005"),
        "pass"
    );
}

#[test]
fn ipv6_literal_endpoint() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("note: no IPv6 loopback here; skipping");
        return;
    }
    let ca = Ca::new();
    let (chain, key) = ca.leaf(&["::1"], 2025, 2040);
    let port = rustls_server("[::1]:0", chain, key, HSTS);
    let opts = options(Some(&ca.pem()), None, 5, 30);
    let r = scan(vec![tls_target(&format!("[::1]:{port}"), &opts)], None);
    let t = format!("tls:[::1]:{port}");
    assert_eq!(
        status(&r, &t, "TLS-006"),
        "pass",
        "{:?}",
        results(&r, &t, "TLS-006")
    );
    assert_eq!(status(&r, &t, "TLS-002"), "pass");
    // Findings of an IPv6 endpoint land at a clean relative pseudo-path.
    assert_eq!(
        rampart::target::tls_pseudo_uri("::1", port),
        format!("tls/__1_{port}")
    );
}
