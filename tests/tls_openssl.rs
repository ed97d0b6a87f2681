//! The prober and the static nginx checks against real legacy servers:
//! `openssl s_server` speaking TLS 1.0 / 1.1 at `@SECLEVEL=0`, CBC-only and
//! (where this OpenSSL still has it) 3DES suites, a 1024-bit RSA key; nginx
//! with legacy protocols on; and the cipher-string evaluator compared with
//! `openssl ciphers`. Each skips with a note when its peer is missing
//! (`RAMPART_REQUIRE_PEERS=1` turns that into a failure).

mod tls_peers;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use rampart::outcome::{Severity, Status};
use tls_peers::*;

/// A self-signed RSA certificate for localhost in `dir`.
fn openssl_cert(dir: &Path, bits: u32) -> (String, String) {
    let cert = dir.join(format!("cert{bits}.pem"));
    let key = dir.join(format!("key{bits}.pem"));
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            &format!("rsa:{bits}"),
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-addext", "subjectAltName=DNS:localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success();
    assert!(ok, "openssl req failed");
    (cert.display().to_string(), key.display().to_string())
}

fn s_server(cert: &str, key: &str, args: &[&str]) -> (Server, u16) {
    let port = free_port();
    let child = Command::new("openssl")
        .args([
            "s_server",
            "-quiet",
            "-www",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-cert",
            cert,
            "-key",
            key,
        ])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let s = Server(child);
    wait_port(port);
    (s, port)
}

fn accepted(r: &rampart::scan::Report, t: &str) -> BTreeSet<String> {
    let f = results(r, t, "TLS-003");
    let v = f
        .iter()
        .find_map(|f| f.evidence.get("accepted_suites"))
        .expect("accepted_suites evidence");
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().split(' ').next().unwrap().to_string())
        .collect()
}

#[test]
fn legacy_protocols_and_weak_suites_from_openssl() {
    if !peer("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = openssl_cert(dir.path(), 2048);
    let (_a, tls1) = s_server(&cert, &key, &["-tls1", "-cipher", "ALL:@SECLEVEL=0"]);
    let (_b, tls11) = s_server(&cert, &key, &["-tls1_1", "-cipher", "ALL:@SECLEVEL=0"]);
    let (_c, cbc) = s_server(
        &cert,
        &key,
        &[
            "-no_tls1_3",
            "-cipher",
            "AES128-SHA:ECDHE-RSA-AES256-SHA:AES256-SHA256",
        ],
    );
    let opts = options(None, None, 5, 30);
    let r = scan(
        vec![
            tls_target(&format!("localhost:{tls1}"), &opts),
            tls_target(&format!("localhost:{tls11}"), &opts),
            tls_target(&format!("localhost:{cbc}"), &opts),
        ],
        None,
    );
    let t = |p: u16| format!("tls:localhost:{p}");
    let f = results(&r, &t(tls1), "TLS-001");
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].message.contains("accepts TLSv1.0"), "{}", f[0].message);
    let f = results(&r, &t(tls11), "TLS-001");
    assert!(f[0].message.contains("accepts TLSv1.1"), "{}", f[0].message);
    // s_server -tls1 speaks nothing else.
    assert_eq!(status(&r, &t(tls1), "TLS-002"), "fail");
    // Anonymous suites at SECLEVEL=0 are insecure: high.
    let f = results(&r, &t(tls1), "TLS-003");
    assert!(
        f.iter()
            .any(|f| f.severity == Severity::High && f.message.contains("TLS_DH_anon")),
        "{f:?}"
    );
    // The chain comes from the clear-text Certificate message (rustls cannot
    // complete a TLS 1.0 handshake): certificate rules still judge it.
    assert_eq!(status(&r, &t(tls1), "TLS-005"), "fail");
    assert_eq!(status(&r, &t(tls1), "TLS-004"), "pass");
    // CBC-only at TLS 1.2: exactly the configured suites, medium.
    let got = accepted(&r, &t(cbc));
    let want: BTreeSet<String> = [
        "TLS_RSA_WITH_AES_128_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        "TLS_RSA_WITH_AES_256_CBC_SHA256",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(got, want);
    let f = results(&r, &t(cbc), "TLS-003");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        (f[0].status, f[0].severity),
        (Status::Fail, Severity::Medium)
    );
}

#[test]
fn triple_des_when_this_openssl_has_it() {
    if !peer("openssl") {
        return;
    }
    let has_3des = Command::new("openssl")
        .args(["ciphers", "3DES:@SECLEVEL=0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success();
    if !has_3des {
        eprintln!(
            "note: this OpenSSL is built without 3DES (no-weak-ssl-ciphers); the 3DES server test cannot run here"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = openssl_cert(dir.path(), 2048);
    let (_s, port) = s_server(
        &cert,
        &key,
        &["-no_tls1_3", "-cipher", "DES-CBC3-SHA:@SECLEVEL=0"],
    );
    let r = scan(
        vec![tls_target(
            &format!("localhost:{port}"),
            &options(None, None, 5, 30),
        )],
        None,
    );
    let f = results(&r, &format!("tls:localhost:{port}"), "TLS-003");
    assert!(
        f.iter()
            .any(|f| f.severity == Severity::High && f.message.contains("3DES")),
        "{f:?}"
    );
}

#[test]
fn small_rsa_key_from_openssl() {
    if !peer("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = openssl_cert(dir.path(), 1024);
    let (_s, port) = s_server(&cert, &key, &["-cipher", "DEFAULT:@SECLEVEL=0"]);
    let r = scan(
        vec![tls_target(
            &format!("localhost:{port}"),
            &options(None, None, 5, 30),
        )],
        None,
    );
    let t = format!("tls:localhost:{port}");
    let f = results(&r, &t, "TLS-007");
    assert_eq!(f[0].status, Status::Fail, "{f:?}");
    assert!(f[0].message.contains("RSA 1024"), "{}", f[0].message);
}

#[test]
fn cipher_strings_agree_with_openssl() {
    if !peer("openssl") {
        return;
    }
    let list = |spec: &str| -> Option<BTreeSet<String>> {
        let out = Command::new("openssl")
            .args(["ciphers", "-tls1_2", spec])
            .output()
            .unwrap();
        out.status.success().then(|| {
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .split(':')
                .filter(|s| !s.starts_with("TLS_"))
                .map(String::from)
                .collect()
        })
    };
    // What this OpenSSL can do at all: compare within it.
    let known = list("ALL:COMPLEMENTOFALL:@SECLEVEL=0").unwrap();
    for spec in [
        "HIGH:!aNULL:!MD5",
        "DEFAULT",
        "ALL",
        "ALL:!aNULL:!eNULL",
        "ECDHE+AESGCM:ECDHE+CHACHA20",
        "HIGH:MEDIUM:!aNULL",
        "kRSA:!CAMELLIA",
        "AES:-SHA1:SHA1",
        "ALL:!SHA1:!SHA256:!SHA384",
        "EECDH+AESGCM:EDH+AESGCM",
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384",
        "aNULL",
        "eNULL",
        "PSK",
        "TLSv1.2+AESGCM",
        "SSLv3:!kRSA",
        "CAMELLIA+DHE:ARIA",
        "CBC:!ECDHE",
        "DEFAULT:!PSK:!SRP",
        "COMPLEMENTOFDEFAULT",
        "MEDIUM:LOW",
        "RSA+AESGCM",
        "ECDSA:!SHA",
        "kEECDH:+kEDH:!CAMELLIA",
        "ALL:-AES128:+SHA256:AES128",
        "HIGH:!aNULL:!kRSA:!PSK:!SRP:!MD5:!RC4",
    ] {
        let want: BTreeSet<String> = list(&format!("{spec}:@SECLEVEL=0")).unwrap_or_default();
        let got: BTreeSet<String> = rampart::tls::openssl::evaluate(spec)
            .suites
            .iter()
            .map(|s| s.openssl.to_string())
            .filter(|n| known.contains(n))
            .collect();
        assert_eq!(
            got,
            want,
            "{spec}: only ours {:?}, only openssl's {:?}",
            got.difference(&want).collect::<Vec<_>>(),
            want.difference(&got).collect::<Vec<_>>()
        );
    }
}

#[test]
fn nginx_with_legacy_protocols_live_and_static_agree() {
    if !peer("nginx") || !peer("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = openssl_cert(dir.path(), 2048);
    let https = free_port();
    let http = free_port();
    let conf_dir = dir.path().join("tree/nginx");
    std::fs::create_dir_all(&conf_dir).unwrap();
    let conf = format!(
        "worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{ worker_connections 64; }}\nhttp {{\n    access_log off;\n    client_body_temp_path {d}/tmp;\n    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;\n    ssl_ciphers 'HIGH:MEDIUM:!aNULL:@SECLEVEL=0';\n    server {{\n        listen 127.0.0.1:{http};\n        location / {{ return 301 https://$host$request_uri; }}\n    }}\n    server {{\n        listen 127.0.0.1:{https} ssl;\n        server_name localhost;\n        ssl_certificate {cert};\n        ssl_certificate_key {key};\n        add_header Strict-Transport-Security \"max-age=31536000\" always;\n        location / {{ return 200 \"ok\\n\"; }}\n    }}\n}}\n",
        d = dir.path().display()
    );
    std::fs::write(conf_dir.join("nginx.conf"), &conf).unwrap();
    let child = Command::new(nginx_bin())
        .arg("-p")
        .arg(dir.path())
        .arg("-c")
        .arg(conf_dir.join("nginx.conf"))
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _nginx = Server(child);
    wait_port(https);
    let opts = options(None, Some(http), 5, 30);
    let live = scan(vec![tls_target(&format!("localhost:{https}"), &opts)], None);
    let t = format!("tls:localhost:{https}");
    let f = results(&live, &t, "TLS-001");
    let msgs: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
    assert!(
        msgs.iter().any(|m| m.contains("TLSv1.0")) && msgs.iter().any(|m| m.contains("TLSv1.1")),
        "{msgs:?}"
    );
    assert_eq!(status(&live, &t, "TLS-002"), "pass");
    assert_eq!(
        status(&live, &t, "TLS-010"),
        "pass",
        "{:?}",
        results(&live, &t, "TLS-010")
    );
    assert_eq!(
        status(&live, &t, "TLS-011"),
        "pass",
        "{:?}",
        results(&live, &t, "TLS-011")
    );
    assert_eq!(status(&live, &t, "TLS-003"), "fail");
    // The same configuration, read as a tree.
    let tree = rampart::target::Target::tree(&dir.path().join("tree"), "tree", dir.path()).unwrap();
    let st = scan(vec![tree], None);
    let f = results(&st, "tree:tree", "TLS-012");
    assert!(
        f.iter()
            .any(|f| f.status == Status::Fail && f.message.contains("TLSv1, TLSv1.1")),
        "{f:?}"
    );
    assert_eq!(status(&st, "tree:tree", "TLS-013"), "fail");
}

/// SSL 3.0 and 3DES, which this OpenSSL cannot serve: tlslite-ng can.
#[test]
fn sslv3_and_3des_from_tlslite() {
    let has = Command::new("python3")
        .args(["-c", "import tlslite"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has {
        if std::env::var("RAMPART_REQUIRE_PEERS").as_deref() == Ok("1") {
            panic!("tlslite-ng is required (RAMPART_REQUIRE_PEERS=1): pip install tlslite-ng");
        }
        eprintln!("note: tlslite-ng is not installed; skipping the SSLv3/3DES test");
        return;
    }
    if !peer("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = openssl_cert(dir.path(), 2048);
    let rsa_key = dir.path().join("key-rsa.pem");
    assert!(
        Command::new("openssl")
            .args(["rsa", "-traditional", "-in", &key, "-out"])
            .arg(&rsa_key)
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    );
    let port = free_port();
    let script = common_script();
    let child = Command::new("python3")
        .arg(script)
        .args([
            &cert,
            rsa_key.to_str().unwrap(),
            &port.to_string(),
            "3.0",
            "3.3",
            "3des,aes128",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Server(child);
    wait_port(port);
    let r = scan(
        vec![tls_target(
            &format!("localhost:{port}"),
            &options(None, None, 5, 30),
        )],
        None,
    );
    let t = format!("tls:localhost:{port}");
    let f = results(&r, &t, "TLS-001");
    assert!(
        f.iter().any(|f| f.message.contains("accepts SSLv3")),
        "{f:?}"
    );
    let got = accepted(&r, &t);
    for want in [
        "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        "TLS_RSA_WITH_AES_128_CBC_SHA256",
    ] {
        assert!(got.contains(want), "{want} not in {got:?}");
    }
    let f = results(&r, &t, "TLS-003");
    assert!(
        f.iter()
            .any(|f| f.severity == Severity::High && f.message.contains("3DES")),
        "{f:?}"
    );
    assert_eq!(status(&r, &t, "TLS-002"), "fail");
}

fn common_script() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers/tlslite_server.py")
}
