//! The live TLS prober, and the only code that opens network connections.
//! An endpoint's probe is split into independent tasks (each a short series
//! of connections): a rustls handshake that records the chain and asks for
//! HSTS, one rustls handshake per TLS 1.3 suite, hand-built ClientHellos that
//! enumerate the suites of SSLv3/TLS 1.0/1.1/1.2 in interleaved groups, and a
//! plain HTTP request to port 80. The engine (`scan.rs`) runs the tasks on
//! its threads — at most `connections` at a time per endpoint — and hands
//! the results back to [`Prober::finish`], which assembles the `TlsProbe`
//! fact. Every connect, read and write waits at most min(connect timeout,
//! time left until the endpoint's absolute deadline) — set anew before each
//! operation ([`deadline::BoundedStream`]), so a peer that drips bytes cannot
//! hold a probe past `--tls-deadline`. Gathers facts; never judges.

pub mod deadline;
pub mod handshake;
pub mod hello;
pub mod http;

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::RootCertStore;
use rustls::pki_types::{ServerName, UnixTime};
use serde::Serialize;

use crate::facts::x509::{self, CertInfo};
use crate::probe::deadline::{BoundedStream, Deadline, DeadlineExceeded};
use crate::tls::Version;
use crate::tls::suites::{MinVersion, SUITES};

pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 5;
pub const DEFAULT_DEADLINE_SECS: u64 = 30;
/// Concurrent connections per endpoint.
pub const MAX_CONNECTIONS: usize = 5;

/// A TLS endpoint: host (name or IP literal) and port. The SNI name is the
/// host when it is a name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

impl Endpoint {
    /// Parses `HOST`, `HOST:PORT`, `[IPv6]:PORT`, a bare IPv6 literal, or an
    /// `https://` URL (its path is ignored). The default port is 443.
    pub fn parse(spec: &str) -> Result<Endpoint, String> {
        let s = spec.trim();
        let s = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("HTTPS://"))
            .unwrap_or(s);
        let s = s.split(['/', '?', '#']).next().unwrap_or_default();
        if s.is_empty() {
            return Err(format!("{spec:?}: empty endpoint"));
        }
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (h, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("{spec:?}: unclosed '[' in an IPv6 literal"))?;
            let port = match after {
                "" => 443,
                p => p
                    .strip_prefix(':')
                    .and_then(|p| p.parse::<u16>().ok())
                    .ok_or_else(|| format!("{spec:?}: bad port after the IPv6 literal"))?,
            };
            if h.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(format!("{spec:?}: {h:?} is not an IPv6 address"));
            }
            (h.to_string(), port)
        } else if s.matches(':').count() > 1 {
            // A bare IPv6 literal: no port can be given without brackets.
            s.parse::<std::net::Ipv6Addr>()
                .map_err(|_| format!("{spec:?}: write IPv6 addresses as [ADDR]:PORT"))?;
            (s.to_string(), 443)
        } else if let Some((h, p)) = s.split_once(':') {
            let port = p
                .parse::<u16>()
                .map_err(|_| format!("{spec:?}: bad port {p:?}"))?;
            (h.to_string(), port)
        } else {
            (s.to_string(), 443)
        };
        if port == 0 {
            return Err(format!("{spec:?}: port 0"));
        }
        let valid = host.parse::<IpAddr>().is_ok()
            || (!host.is_empty()
                && host.len() <= 253
                && host.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && l.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                }));
        if !valid {
            return Err(format!(
                "{spec:?}: {host:?} is not a host name or IP address"
            ));
        }
        Ok(Endpoint {
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    pub fn is_ip(&self) -> bool {
        self.host.parse::<IpAddr>().is_ok()
    }

    /// The SNI name: the host, unless it is an IP literal.
    pub fn sni(&self) -> Option<&str> {
        (!self.is_ip()).then_some(self.host.as_str())
    }

    /// `host:port`, with IPv6 literals in brackets.
    pub fn display(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn server_name(&self) -> Result<ServerName<'static>, String> {
        match self.host.parse::<IpAddr>() {
            Ok(ip) => Ok(ServerName::IpAddress(ip.into())),
            Err(_) => ServerName::try_from(self.host.clone())
                .map_err(|e| format!("{:?} is not a valid TLS server name: {e}", self.host)),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// How to probe: timeouts, trust anchors, the plain-HTTP port.
#[derive(Clone, Debug)]
pub struct ProbeOptions {
    /// For each connect and each wait for a reply.
    pub connect_timeout: Duration,
    /// Bounds the whole probe of one endpoint.
    pub deadline: Duration,
    pub roots: Arc<RootCertStore>,
    /// `webpki-roots (Mozilla)` or the CA file's path.
    pub roots_name: String,
    /// Port asked for the HTTP→HTTPS redirect; `None` skips TLS-010.
    pub http_port: Option<u16>,
    pub connections: usize,
}

impl ProbeOptions {
    /// Trust anchors from `ca_file` (PEM) instead of the webpki roots.
    pub fn new(
        ca_file: Option<&Path>,
        connect_timeout: Duration,
        deadline: Duration,
        http_port: Option<u16>,
    ) -> Result<ProbeOptions, String> {
        let (roots, roots_name) = match ca_file {
            None => {
                let mut r = RootCertStore::empty();
                r.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                (r, "webpki-roots (Mozilla's root program)".to_string())
            }
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("--ca-file {}: {e}", path.display()))?;
                let mut r = RootCertStore::empty();
                let mut n = 0;
                for block in x509::parse_pem_der(&text)
                    .map_err(|e| format!("--ca-file {}: {e}", path.display()))?
                {
                    r.add(rustls::pki_types::CertificateDer::from(block))
                        .map_err(|e| format!("--ca-file {}: {e}", path.display()))?;
                    n += 1;
                }
                if n == 0 {
                    return Err(format!(
                        "--ca-file {}: no certificates in it",
                        path.display()
                    ));
                }
                (r, format!("--ca-file {}", path.display()))
            }
        };
        Ok(ProbeOptions {
            connect_timeout,
            deadline,
            roots: Arc::new(roots),
            roots_name,
            http_port,
            connections: MAX_CONNECTIONS,
        })
    }
}

/// One independent piece of an endpoint's probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Task {
    /// rustls, TLS 1.2 + 1.3: chain, verification, negotiated suite, HSTS.
    Main,
    /// rustls, TLS 1.3 with this suite only.
    Tls13Suite(u16),
    /// Hand-built hellos: enumerate group `group` of `groups` of the suites
    /// that `version` can use.
    Raw {
        version: Version,
        group: usize,
        groups: usize,
    },
    /// A plain HTTP request to the HTTP port.
    PlainHttp,
}

/// How a run of hand-built hellos ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawEnd {
    /// The server refused what was left (an alert, a close, another version).
    Refused(String),
    /// Every offered suite was accepted.
    Exhausted,
    /// The answer could not be read: not a verdict on the version.
    Failed { closed: bool, why: String },
}

#[derive(Clone, Debug)]
pub enum TaskResult {
    Main(Result<handshake::Outcome, String>),
    Tls13Suite(u16, Result<handshake::Outcome, String>),
    Raw {
        version: Version,
        accepted: Vec<u16>,
        end: RawEnd,
        spoke_tls: bool,
        chain: Vec<Vec<u8>>,
    },
    PlainHttp(PlainHttp),
}

/// The answer on the plain-HTTP port.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PlainHttp {
    /// Not asked (`--http-port 0`).
    Skipped { why: String },
    /// Nothing listens (refused) or nothing answers the connect (filtered).
    Closed { why: String },
    Response {
        status: u16,
        location: Option<String>,
    },
    /// Connected but no usable answer.
    Failed { why: String },
}

/// Whether a protocol version is accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
pub enum VersionStatus {
    Accepted,
    Rejected(String),
    /// Could not be determined (timeout, garbage): not a verdict.
    Unknown(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AcceptedSuite {
    pub id: String,
    pub name: String,
    pub openssl: String,
    pub versions: Vec<Version>,
    #[serde(skip)]
    pub code: u16,
}

/// Everything learned about one endpoint.
#[derive(Clone, Debug, Default)]
pub struct TlsProbe {
    pub endpoint: Option<Endpoint>,
    pub address: Option<String>,
    /// Why nothing could be learned (unreachable, not TLS, stalled).
    pub failure: Option<String>,
    pub versions: BTreeMap<Version, VersionStatus>,
    pub suites: Vec<AcceptedSuite>,
    /// Why the suite list may be incomplete.
    pub suites_incomplete: Vec<String>,
    pub negotiated: Option<(Version, String)>,
    pub chain: Vec<CertInfo>,
    pub chain_problems: Vec<String>,
    pub verification: Option<handshake::Verification>,
    pub signature_note: Option<String>,
    /// The HTTPS response head (HSTS); `Err` says why there is none.
    pub https: Option<Result<http::Response, String>>,
    pub http: Option<PlainHttp>,
    pub elapsed_ms: u64,
    pub connections: usize,
}

impl TlsProbe {
    /// A probe that never ran (the target is not a TLS endpoint).
    pub fn not_probed() -> TlsProbe {
        TlsProbe {
            failure: Some("the endpoint was not probed".to_string()),
            ..TlsProbe::default()
        }
    }
}

/// One endpoint's probe in progress: the tasks' shared context.
pub struct Prober<'a> {
    pub endpoint: &'a Endpoint,
    opts: &'a ProbeOptions,
    start: Instant,
    /// start + `--tls-deadline`: no socket operation waits past it.
    deadline: Deadline,
    addr: Result<SocketAddr, String>,
    name: Result<ServerName<'static>, String>,
    /// Set when the port is dead: later tasks do not connect.
    abort: Mutex<Option<String>>,
    connections: Mutex<usize>,
}

fn raw_suites(version: Version) -> Vec<u16> {
    SUITES
        .iter()
        .filter(|s| match version {
            Version::Tls13 => false,
            Version::Tls12 => !s.is_tls13(),
            // SSLv3 hellos offer the TLS 1.0 suites too: some servers
            // accept ECDHE suites over SSLv3 although no standard defines it.
            Version::Tls11 | Version::Tls10 | Version::Ssl3 => s.min <= MinVersion::Tls1,
        })
        .map(|s| s.id)
        .collect()
}

impl<'a> Prober<'a> {
    /// Resolves the endpoint (the only blocking step before the tasks).
    pub fn new(endpoint: &'a Endpoint, opts: &'a ProbeOptions) -> Prober<'a> {
        let start = Instant::now();
        let deadline = Deadline::new(start, opts.deadline, opts.connect_timeout);
        let mut extra_connections = 0;
        let addr = (endpoint.host.as_str(), endpoint.port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {}: {e}", endpoint.host))
            .and_then(|it| {
                let all: Vec<SocketAddr> = it.collect();
                // Several addresses (`localhost` as ::1 and 127.0.0.1): use
                // the first that takes a connection.
                if all.len() > 1 {
                    for a in &all {
                        let Ok(t) = deadline.next_timeout() else {
                            break;
                        };
                        extra_connections += 1;
                        if TcpStream::connect_timeout(a, t).is_ok() {
                            return Ok(*a);
                        }
                    }
                }
                all.first()
                    .copied()
                    .ok_or_else(|| format!("{} has no address", endpoint.host))
            });
        Prober {
            endpoint,
            opts,
            start,
            deadline,
            addr,
            name: endpoint.server_name(),
            abort: Mutex::new(None),
            connections: Mutex::new(extra_connections),
        }
    }

    pub fn max_connections(&self) -> usize {
        self.opts.connections.clamp(1, MAX_CONNECTIONS)
    }

    /// The tasks, longest first.
    pub fn tasks(&self) -> Vec<Task> {
        let mut t = Vec::new();
        for g in 0..3 {
            t.push(Task::Raw {
                version: Version::Tls12,
                group: g,
                groups: 3,
            });
        }
        t.push(Task::Main);
        for v in [Version::Tls11, Version::Tls10] {
            for g in 0..2 {
                t.push(Task::Raw {
                    version: v,
                    group: g,
                    groups: 2,
                });
            }
        }
        t.push(Task::Raw {
            version: Version::Ssl3,
            group: 0,
            groups: 1,
        });
        for s in handshake::tls13_suites() {
            t.push(Task::Tls13Suite(u16::from(s.suite())));
        }
        if self.opts.http_port.is_some() {
            t.push(Task::PlainHttp);
        }
        t
    }

    /// min(connect timeout, time left), or why there is no time left.
    fn timeout(&self) -> Result<Duration, String> {
        self.deadline.next_timeout().map_err(|e| {
            DeadlineExceeded::of(&e).map_or_else(|| e.to_string(), ToString::to_string)
        })
    }

    /// Connects to `addr`; the stream bounds each read and write by the
    /// deadline. A dead port aborts later tasks.
    fn connect_to(&self, addr: SocketAddr, fatal: bool) -> Result<BoundedStream, ConnectError> {
        if let Some(why) = self.abort.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Err(ConnectError::Aborted(why));
        }
        let t = self.timeout().map_err(ConnectError::Other)?;
        *self.connections.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        match TcpStream::connect_timeout(&addr, t) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                Ok(BoundedStream::new(s, self.deadline))
            }
            Err(e) => {
                let why = match e.kind() {
                    _ if self.deadline.passed() => self
                        .timeout()
                        .err()
                        .unwrap_or_else(|| format!("no answer to a connection to {addr}")),
                    std::io::ErrorKind::ConnectionRefused => {
                        format!("connection to {addr} refused")
                    }
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => format!(
                        "no answer to a connection to {addr} within {}s",
                        t.as_secs_f32()
                    ),
                    _ => format!("cannot connect to {addr}: {e}"),
                };
                if fatal {
                    *self.abort.lock().unwrap_or_else(|p| p.into_inner()) = Some(why.clone());
                }
                Err(ConnectError::Failed(why))
            }
        }
    }

    fn connect(&self) -> Result<BoundedStream, String> {
        let addr = self.addr.clone()?;
        self.connect_to(addr, true).map_err(|e| e.to_string())
    }

    pub fn run(&self, task: &Task) -> TaskResult {
        match task {
            Task::Main => TaskResult::Main(self.rustls(None)),
            Task::Tls13Suite(id) => TaskResult::Tls13Suite(*id, self.rustls(Some(*id))),
            Task::Raw {
                version,
                group,
                groups,
            } => self.raw(*version, *group, *groups),
            Task::PlainHttp => TaskResult::PlainHttp(self.plain_http()),
        }
    }

    fn rustls(&self, tls13_suite: Option<u16>) -> Result<handshake::Outcome, String> {
        let name = self.name.clone()?;
        let stream = self.connect()?;
        let (versions, suites, http_host): (&[&'static rustls::SupportedProtocolVersion], _, _) =
            match tls13_suite {
                None => (
                    &[&rustls::version::TLS13, &rustls::version::TLS12],
                    None,
                    Some(http::host_header(
                        &self.endpoint.host,
                        self.endpoint.port,
                        443,
                    )),
                ),
                Some(id) => (
                    &[&rustls::version::TLS13],
                    Some(
                        handshake::tls13_suites()
                            .into_iter()
                            .filter(|s| u16::from(s.suite()) == id)
                            .collect(),
                    ),
                    None,
                ),
            };
        Ok(handshake::run(
            stream,
            versions,
            suites,
            name,
            self.opts.roots.clone(),
            &self.opts.roots_name,
            http_host.as_deref(),
        ))
    }

    fn raw(&self, version: Version, group: usize, groups: usize) -> TaskResult {
        let mut remaining: Vec<u16> = raw_suites(version)
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % groups == group)
            .map(|(_, id)| id)
            .collect();
        let mut accepted = Vec::new();
        let mut chain = Vec::new();
        let mut spoke_tls = false;
        let end = loop {
            if remaining.is_empty() {
                break RawEnd::Exhausted;
            }
            let mut stream = match self.connect() {
                Ok(s) => s,
                Err(why) => break RawEnd::Failed { closed: false, why },
            };
            let hello = hello::client_hello(version, &remaining, self.endpoint.sni());
            match hello::exchange(&mut stream, &hello, &remaining, chain.is_empty()) {
                Ok(hello::Answer::Hello {
                    version: v,
                    suite,
                    chain: c,
                }) => {
                    spoke_tls = true;
                    if v != version.wire() {
                        break RawEnd::Refused(format!(
                            "answered with {} instead",
                            Version::from_wire(v)
                                .map_or_else(|| format!("0x{v:04x}"), |x| x.to_string())
                        ));
                    }
                    accepted.push(suite);
                    remaining.retain(|&s| s != suite);
                    if chain.is_empty() {
                        chain = c;
                    }
                }
                Ok(hello::Answer::RetryRequest) => {
                    spoke_tls = true;
                    break RawEnd::Refused(
                        "a HelloRetryRequest (the server wants TLS 1.3)".to_string(),
                    );
                }
                Ok(hello::Answer::Refused(why)) => {
                    spoke_tls = true;
                    break RawEnd::Refused(why);
                }
                Err(e) => {
                    break RawEnd::Failed {
                        closed: e == hello::ReadError::Closed,
                        why: e.to_string(),
                    };
                }
            }
        };
        TaskResult::Raw {
            version,
            accepted,
            end,
            spoke_tls,
            chain,
        }
    }

    fn plain_http(&self) -> PlainHttp {
        let Some(port) = self.opts.http_port else {
            return PlainHttp::Skipped {
                why: "the HTTP redirect check is off (--http-port 0)".to_string(),
            };
        };
        let addr = match &self.addr {
            Ok(a) => SocketAddr::new(a.ip(), port),
            Err(e) => return PlainHttp::Failed { why: e.clone() },
        };
        let mut stream = match self.connect_to(addr, false) {
            Ok(s) => s,
            Err(ConnectError::Failed(why)) => return PlainHttp::Closed { why },
            Err(e) => return PlainHttp::Failed { why: e.to_string() },
        };
        match http::get(
            &mut stream,
            &http::host_header(&self.endpoint.host, port, 80),
        ) {
            Ok(r) => PlainHttp::Response {
                status: r.status,
                location: r.header("location").map(str::to_string),
            },
            Err(why) => PlainHttp::Failed { why },
        }
    }

    /// Assembles the results of every task.
    pub fn finish(self, results: Vec<TaskResult>) -> TlsProbe {
        let mut p = TlsProbe {
            endpoint: Some(self.endpoint.clone()),
            address: self.addr.as_ref().ok().map(ToString::to_string),
            ..TlsProbe::default()
        };
        let mut spoke_tls = false;
        let mut first_error: Option<String> = None;
        let mut note_error = |e: &str| {
            if first_error.is_none() {
                first_error = Some(e.to_string());
            }
        };
        // Per version: accepted suites, refusals, failures.
        let mut per_version: BTreeMap<Version, Answers> = BTreeMap::new();
        let mut raw_chain: Option<Vec<Vec<u8>>> = None;
        let mut main: Option<handshake::Outcome> = None;
        let mut main_error = None;
        for r in results {
            match r {
                TaskResult::Raw {
                    version,
                    accepted,
                    end,
                    spoke_tls: s,
                    chain,
                } => {
                    spoke_tls |= s;
                    let e = per_version.entry(version).or_default();
                    e.0.extend(accepted);
                    match end {
                        RawEnd::Exhausted => {}
                        RawEnd::Refused(why) => e.1.push(why),
                        RawEnd::Failed { closed, why } => {
                            note_error(&why);
                            e.2.push((closed, why));
                        }
                    }
                    if !chain.is_empty() && (raw_chain.is_none() || version == Version::Tls12) {
                        raw_chain = Some(chain);
                    }
                }
                TaskResult::Main(Ok(o)) => {
                    spoke_tls |= o.tls_answer;
                    if let Some(e) = &o.error {
                        note_error(e);
                    }
                    main = Some(o);
                }
                TaskResult::Main(Err(e)) => {
                    note_error(&e);
                    main_error = Some(e);
                }
                TaskResult::Tls13Suite(id, Ok(o)) => {
                    spoke_tls |= o.tls_answer;
                    let e = per_version.entry(Version::Tls13).or_default();
                    match (&o.negotiated, &o.error) {
                        (Some(_), _) => e.0.push(id),
                        (None, Some(err)) if o.tls_answer => e.1.push(err.clone()),
                        (None, Some(err)) => {
                            note_error(err);
                            e.2.push((false, err.clone()));
                        }
                        (None, None) => e.2.push((false, "no negotiated suite".to_string())),
                    }
                }
                TaskResult::Tls13Suite(_, Err(e)) => {
                    note_error(&e);
                    per_version
                        .entry(Version::Tls13)
                        .or_default()
                        .2
                        .push((false, e));
                }
                TaskResult::PlainHttp(h) => p.http = Some(h),
            }
        }
        if self.opts.http_port.is_none() {
            p.http = Some(PlainHttp::Skipped {
                why: "the HTTP redirect check is off (--http-port 0)".to_string(),
            });
        }
        p.connections = *self.connections.lock().unwrap_or_else(|e| e.into_inner());
        p.elapsed_ms = self.start.elapsed().as_millis() as u64;
        if let Err(e) = &self.addr {
            p.failure = Some(e.clone());
            return p;
        }
        if !spoke_tls {
            p.failure = Some(
                first_error
                    .or(main_error)
                    .unwrap_or_else(|| "the endpoint did not answer".to_string()),
            );
            return p;
        }
        // The main handshake's negotiated version counts too.
        if let Some((v, s)) = main.as_ref().and_then(|m| m.negotiated)
            && let Some(ver) = Version::from_wire(v)
        {
            per_version.entry(ver).or_default().0.push(s);
            p.negotiated = Some((ver, crate::tls::suites::describe_id(s)));
        }
        let mut by_suite: BTreeMap<u16, Vec<Version>> = BTreeMap::new();
        for v in Version::ALL {
            let (acc, refused, failed) = per_version.remove(&v).unwrap_or_default();
            let status = if !acc.is_empty() {
                VersionStatus::Accepted
            } else if let Some((_, why)) = failed.iter().find(|(closed, _)| !closed) {
                VersionStatus::Unknown(why.clone())
            } else if let Some(why) = refused.first() {
                VersionStatus::Rejected(why.clone())
            } else if let Some((_, why)) = failed.first() {
                // Closed without a word, while the endpoint speaks TLS otherwise.
                VersionStatus::Rejected(why.clone())
            } else {
                VersionStatus::Unknown("not probed".to_string())
            };
            if !acc.is_empty()
                && let Some((_, why)) = failed.iter().find(|(closed, _)| !closed)
            {
                p.suites_incomplete
                    .push(format!("{v}: enumeration stopped early: {why}"));
            }
            for s in acc {
                let e = by_suite.entry(s).or_default();
                if !e.contains(&v) {
                    e.push(v);
                }
            }
            p.versions.insert(v, status);
        }
        p.suites = by_suite
            .into_iter()
            .map(|(code, versions)| {
                let s = crate::tls::suites::by_id(code);
                AcceptedSuite {
                    id: format!("0x{code:04X}"),
                    name: crate::tls::suites::describe_id(code),
                    openssl: s.map_or_else(String::new, |s| s.openssl.to_string()),
                    versions,
                    code,
                }
            })
            .collect();
        // Certificates: from the rustls handshake, else the clear-text chain.
        let (chain_der, verification) = match &main {
            Some(m) if !m.recorded.chain.is_empty() => {
                p.signature_note = m.recorded.signature_note.clone();
                (m.recorded.chain.clone(), m.recorded.verification.clone())
            }
            _ => match (raw_chain, &self.name) {
                (Some(chain), Ok(name)) => {
                    let v = handshake::verify_chain(
                        &chain,
                        name,
                        &self.opts.roots,
                        &self.opts.roots_name,
                        UnixTime::now(),
                    );
                    (chain, Some(v))
                }
                _ => (Vec::new(), None),
            },
        };
        for der in &chain_der {
            match x509::analyze(der) {
                Ok(c) => p.chain.push(c),
                Err(e) => p.chain_problems.push(e),
            }
        }
        p.verification = verification;
        p.https = Some(match &main {
            Some(m) => match (&m.http, &m.error) {
                (Some(r), _) => r.clone(),
                (None, Some(e)) => Err(format!("the TLS 1.2/1.3 handshake failed: {e}")),
                (None, None) => Err("no HTTPS response".to_string()),
            },
            None => Err(main_error.unwrap_or_else(|| "the handshake did not run".to_string())),
        });
        p
    }
}

/// Per version: accepted suites, refusals, and failures (closed?, why).
type Answers = (Vec<u16>, Vec<String>, Vec<(bool, String)>);

enum ConnectError {
    Aborted(String),
    Failed(String),
    Other(String),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Aborted(w) | ConnectError::Failed(w) | ConnectError::Other(w) => {
                f.write_str(w)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let e = Endpoint::parse("Example.org").unwrap();
        assert_eq!((e.host.as_str(), e.port), ("example.org", 443));
        assert_eq!(e.sni(), Some("example.org"));
        let e = Endpoint::parse("[::1]:8443").unwrap();
        assert_eq!((e.host.as_str(), e.port), ("::1", 8443));
        assert_eq!(e.display(), "[::1]:8443");
        assert_eq!(e.sni(), None);
        assert_eq!(Endpoint::parse("::1").unwrap().port, 443);
        assert_eq!(
            Endpoint::parse("https://a.example:444/x").unwrap().port,
            444
        );
        assert_eq!(
            Endpoint::parse("127.0.0.1:80").unwrap().display(),
            "127.0.0.1:80"
        );
        for bad in ["", "a:b", "a:0", "[::1", "[zz]:1", "a b", "a:70000", "-:-"] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn raw_suites_per_version() {
        let ssl3 = raw_suites(Version::Ssl3);
        assert!(ssl3.contains(&0x000A) && !ssl3.contains(&0xC02F));
        let t10 = raw_suites(Version::Tls10);
        assert!(t10.contains(&0xC013) && !t10.contains(&0xC02F));
        let t12 = raw_suites(Version::Tls12);
        assert!(t12.contains(&0xC02F) && !t12.contains(&0x1301));
    }
}
