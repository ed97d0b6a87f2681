//! Real peers for the TLS tests: an in-process rustls server with rcgen
//! certificates, a plain HTTP server, hostile peers (silent, closing,
//! garbage), external servers (`openssl s_server`, nginx) started as child
//! processes, and a scan helper for TLS targets.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rampart::clock::Date;
use rampart::facts::LoadOptions;
use rampart::probe::{Endpoint, ProbeOptions};
use rampart::rules;
use rampart::scan::{self, Plan, Report};
use rampart::target::Target;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

pub struct Ca {
    pub issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    pub fn new() -> Ca {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name
            .push(DnType::CommonName, "rampart test CA");
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2040, 1, 1);
        Ca {
            issuer: CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    /// A CA whose subject names an issuer (`Let's Encrypt`, `R11`):
    /// rampart recognises ACME issuers by name.
    pub fn named(organization: &str, common_name: &str) -> Ca {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name
            .push(DnType::OrganizationName, organization);
        p.distinguished_name.push(DnType::CommonName, common_name);
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2040, 1, 1);
        Ca {
            issuer: CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    /// A leaf for `names`, valid from 2025 until `days` days after today.
    pub fn leaf_for_days(
        &self,
        names: &[&str],
        days: i64,
    ) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        let until = Date::from_days(Date::today().days() + days).to_string();
        let part = |i: usize| until.split('-').nth(i).unwrap().parse::<i32>().unwrap();
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap();
        p.distinguished_name.push(DnType::CommonName, names[0]);
        p.not_before = rcgen::date_time_ymd(2025, 1, 1);
        p.not_after = rcgen::date_time_ymd(part(0), part(1) as u8, part(2) as u8);
        let cert = p.signed_by(&key, &self.issuer).unwrap();
        (
            vec![cert.der().clone(), self.issuer.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    }

    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A leaf for `names`, valid between the two years (Jan 1st).
    pub fn leaf(
        &self,
        names: &[&str],
        from: i32,
        to: i32,
    ) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap();
        p.distinguished_name.push(DnType::CommonName, names[0]);
        p.not_before = rcgen::date_time_ymd(from, 1, 1);
        p.not_after = rcgen::date_time_ymd(to, 1, 1);
        let cert = p.signed_by(&key, &self.issuer).unwrap();
        (
            vec![cert.der().clone(), self.issuer.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    }
}

/// A self-signed leaf (not a CA) for `names`.
pub fn self_signed(names: &[&str]) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let key = KeyPair::generate().unwrap();
    let mut p =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.not_before = rcgen::date_time_ymd(2025, 1, 1);
    p.not_after = rcgen::date_time_ymd(2040, 1, 1);
    let cert = p.self_signed(&key).unwrap();
    (
        vec![cert.der().clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

/// A rustls server configuration (TLS 1.2 and 1.3, ring) for one chain.
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap(),
    )
}

/// An in-process rustls server (TLS 1.2 and 1.3) answering every request
/// with `headers`. Runs until the test process ends.
pub fn rustls_server(
    addr: &str,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    headers: &'static str,
) -> u16 {
    let config = server_config(chain, key);
    let listener = TcpListener::bind(addr).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, stream);
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let body = "ok\n";
                let _ = write!(
                    tls,
                    "HTTP/1.1 200 OK\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    port
}

/// A plain HTTP server answering every request with `response`.
pub fn http_server(response: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(response.as_bytes());
            });
        }
    });
    port
}

#[derive(Clone, Copy)]
pub enum Hostile {
    /// Accepts and never says anything.
    Silent,
    /// Accepts and closes at once.
    Closer,
    /// Answers with random bytes.
    Garbage,
}

pub fn hostile_server(kind: Hostile) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for mut stream in listener.incoming().flatten() {
            match kind {
                Hostile::Silent => {
                    std::thread::spawn(move || {
                        std::thread::sleep(Duration::from_secs(20));
                        drop(stream);
                    });
                }
                Hostile::Closer => drop(stream),
                Hostile::Garbage => {
                    let mut bytes = vec![0u8; 512];
                    for b in bytes.iter_mut() {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        *b = (seed >> 24) as u8;
                    }
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 2048];
                        let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                        let _ = stream.read(&mut buf);
                        let _ = stream.write_all(&bytes);
                        std::thread::sleep(Duration::from_secs(2));
                    });
                }
            }
        }
    });
    port
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn options(
    ca_pem: Option<&str>,
    http_port: Option<u16>,
    timeout: u64,
    deadline: u64,
) -> Arc<ProbeOptions> {
    let ca_file = ca_pem.map(|pem| {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), pem).unwrap();
        f.into_temp_path()
    });
    Arc::new(
        ProbeOptions::new(
            ca_file.as_deref(),
            Duration::from_secs(timeout),
            Duration::from_secs(deadline),
            http_port,
        )
        .unwrap(),
    )
}

pub fn tls_target(spec: &str, opts: &Arc<ProbeOptions>) -> Target {
    Target::tls(Endpoint::parse(spec).unwrap(), opts.clone())
}

/// Scans `targets` with every rule under `policy` (default baseline).
pub fn scan(targets: Vec<Target>, policy: Option<&str>) -> Report {
    let policy = rampart::policy::load(policy).unwrap();
    scan::run(Plan {
        targets,
        target_errors: vec![],
        policy,
        rules: rules::registry(),
        jobs: Some(2),
        today: Date::today(),
        progress: false,
        load: LoadOptions::default(),
        check_domains: None,
    })
}

/// (status, severity, message) of `rule` on `target`.
pub fn results<'r>(r: &'r Report, target: &str, rule: &str) -> Vec<&'r rampart::scan::Finding> {
    r.results
        .iter()
        .filter(|f| &*f.target == target && f.rule.id == rule)
        .collect()
}

pub fn status(r: &Report, target: &str, rule: &str) -> String {
    let mut s: Vec<String> = results(r, target, rule)
        .iter()
        .map(|f| f.status.to_string())
        .collect();
    s.sort();
    s.dedup();
    s.join(",")
}

/// Whether an external peer program is usable; a missing one skips the
/// test with a note unless `RAMPART_REQUIRE_PEERS=1`.
pub fn peer(program: &str) -> bool {
    let ok = Command::new(program)
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
        || Path::new(&format!("/usr/sbin/{program}")).exists();
    if !ok {
        if std::env::var("RAMPART_REQUIRE_PEERS").as_deref() == Ok("1") {
            panic!("{program} is required (RAMPART_REQUIRE_PEERS=1) but not installed");
        }
        eprintln!("note: {program} is not installed; skipping this real-peer test");
    }
    ok
}

pub fn nginx_bin() -> String {
    if Command::new("nginx")
        .arg("-v")
        .stderr(Stdio::null())
        .status()
        .is_ok()
    {
        "nginx".to_string()
    } else {
        "/usr/sbin/nginx".to_string()
    }
}

/// A child process killed when dropped.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until `port` accepts connections.
pub fn wait_port(port: u16) {
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nothing listens on {port}");
}
