//! TLS probe benchmark (not a test): `cargo bench --bench tls`.
//!
//! 1. A full probe (every rule of the tls pack) of one loopback endpoint:
//!    the in-process rustls server, and `openssl s_server` offering every
//!    suite at `@SECLEVEL=0` with TLS 1.0–1.3 (many suites to enumerate).
//! 2. The same `openssl s_server` scanned by sslyze and testssl.sh, when
//!    installed, for comparison.
//! 3. 100 endpoints (in-process rustls servers) probed in one scan.

#[path = "../tests/tls_peers/mod.rs"]
mod tls_peers;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tls_peers::*;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn probe_times(
    spec: &str,
    opts: &std::sync::Arc<rampart::probe::ProbeOptions>,
    n: usize,
) -> (Duration, Duration, usize) {
    let mut times = Vec::new();
    let mut connections = 0;
    for _ in 0..n {
        let t = Instant::now();
        let r = scan(vec![tls_target(spec, opts)], None);
        times.push(t.elapsed());
        // The TLS rules decide alone; RENEW-001 on an endpoint scanned
        // without its host is rightly not_evaluated.
        let undecided = |f: &&rampart::scan::Finding| {
            f.rule.id.starts_with("TLS-") && f.status == rampart::outcome::Status::NotEvaluated
        };
        assert!(
            !r.results.iter().any(|f| undecided(&f)),
            "{:?}",
            r.results
                .iter()
                .filter(undecided)
                .map(|f| &f.message)
                .collect::<Vec<_>>()
        );
        if let Some(c) = r
            .results
            .iter()
            .find(|f| f.rule.id == "TLS-001")
            .and_then(|f| f.evidence.get("connections"))
        {
            connections = c.as_u64().unwrap_or(0) as usize;
        }
    }
    let min = *times.iter().min().unwrap();
    (min, median(times), connections)
}

fn time_cmd(cmd: &mut Command) -> Option<Duration> {
    let t = Instant::now();
    // sslyze exits 1 when the server is not compliant: still a full run.
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    status.code().is_some_and(|c| c <= 1).then(|| t.elapsed())
}

fn main() {
    let ca = Ca::new();
    let (chain, key) = ca.leaf(&["localhost"], 2025, 2040);
    let port = rustls_server(
        "127.0.0.1:0",
        chain,
        key,
        "Strict-Transport-Security: max-age=31536000\r\n",
    );
    let opts = options(Some(&ca.pem()), None, 5, 30);
    let (min, med, conns) = probe_times(&format!("localhost:{port}"), &opts, 30);
    println!(
        "rustls server (TLS 1.2/1.3, 9 suites): full probe min {} median {} ({conns} connections)",
        ms(min),
        ms(med)
    );

    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let keyf = dir.path().join("key.pem");
    let have_openssl = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-addext", "subjectAltName=DNS:localhost", "-keyout"])
        .arg(&keyf)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if have_openssl {
        let sport = free_port();
        let child = Command::new("openssl")
            .args([
                "s_server",
                "-quiet",
                "-www",
                "-accept",
                &format!("127.0.0.1:{sport}"),
            ])
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&keyf)
            .args(["-cipher", "ALL:@SECLEVEL=0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let _server = Server(child);
        wait_port(sport);
        let webpki = options(None, None, 5, 30);
        let (min, med, conns) = probe_times(&format!("localhost:{sport}"), &webpki, 10);
        println!(
            "openssl s_server ALL@SECLEVEL=0 (TLS 1.0-1.3): full probe min {} median {} ({conns} connections)",
            ms(min),
            ms(med)
        );
        let target = format!("localhost:{sport}");
        if let Some(d) = time_cmd(Command::new("sslyze").arg(&target)) {
            println!(
                "sslyze {target}: {} ({:.0}x rampart's median)",
                ms(d),
                d.as_secs_f64() / med.as_secs_f64()
            );
        } else {
            println!("sslyze: not installed (pip install sslyze)");
        }
        let testssl = if Command::new("testssl")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok()
        {
            "testssl"
        } else {
            "testssl.sh"
        };
        if let Some(d) = time_cmd(
            Command::new(testssl)
                .args(["--quiet", "--warnings", "off", "--color", "0"])
                .arg(&target),
        ) {
            println!(
                "{testssl} {target}: {} ({:.0}x rampart's median)",
                ms(d),
                d.as_secs_f64() / med.as_secs_f64()
            );
        } else {
            println!("testssl.sh: not installed (apt-get install testssl.sh)");
        }
    }

    let mut targets = Vec::new();
    for _ in 0..100 {
        let (chain, key) = ca.leaf(&["localhost"], 2025, 2040);
        let p = rustls_server("127.0.0.1:0", chain, key, "");
        targets.push(format!("localhost:{p}"));
    }
    let t = Instant::now();
    let r = scan(targets.iter().map(|s| tls_target(s, &opts)).collect(), None);
    let d = t.elapsed();
    let ne = r
        .results
        .iter()
        .filter(|f| f.status == rampart::outcome::Status::NotEvaluated)
        .count();
    println!(
        "100 endpoints in one scan: {} ({} results, {ne} not evaluated)",
        ms(d),
        r.results.len()
    );
}
