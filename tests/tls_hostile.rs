//! Hostile TLS peers against the prober's deadline: in-process loopback
//! servers that stay silent, drip one byte at a time, lie about record and
//! message lengths, send oversized records, garbage, reset mid-handshake,
//! send a huge certificate chain, or drip the HTTP answer after a good
//! handshake. Each must become `not_evaluated` with a reason, and the probe
//! must end near `--tls-deadline` (a generous bound guards against a hang;
//! without the per-operation deadline the drip peers hold a probe for as
//! long as they drip).

mod tls_peers;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rampart::outcome::Status;
use tls_peers::*;

/// How long a hostile peer keeps a connection going at most (far past the
/// deadline, so only the deadline can end the probe).
const PEER_LIFETIME: Duration = Duration::from_secs(60);
/// Drip interval: shorter than the per-operation timeout, so that every
/// single read succeeds in time.
const DRIP: Duration = Duration::from_millis(250);

/// A loopback server running `serve` on each connection in its own thread.
fn server(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let serve = Arc::new(serve);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let serve = serve.clone();
            std::thread::spawn(move || serve(stream));
        }
    });
    port
}

/// Reads one TLS record (the ClientHello) from the client; `None` on error.
fn read_record(s: &mut TcpStream) -> Option<Vec<u8>> {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = [0u8; 5];
    s.read_exact(&mut head).ok()?;
    let len = u16::from_be_bytes([head[3], head[4]]) as usize;
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).ok()?;
    Some(body)
}

/// The first cipher suite a ClientHello handshake message offers, and the
/// version it asks for.
fn first_suite(hello: &[u8]) -> Option<(u16, u16)> {
    let version = u16::from_be_bytes([*hello.get(4)?, *hello.get(5)?]);
    let sid = *hello.get(38)? as usize;
    let p = 39 + sid;
    let suite = u16::from_be_bytes([*hello.get(p + 2)?, *hello.get(p + 3)?]);
    Some((version, suite))
}

fn record(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![kind, 3, 3];
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

fn handshake_msg(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind];
    m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend_from_slice(body);
    m
}

fn server_hello(version: u16, suite: u16) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&version.to_be_bytes());
    m.extend_from_slice(&[0x42; 32]);
    m.push(0);
    m.extend_from_slice(&suite.to_be_bytes());
    m.push(0);
    handshake_msg(2, &m)
}

/// Writes `bytes` one at a time, `DRIP` apart, then idles; stops when the
/// client goes away.
fn drip(s: &mut TcpStream, bytes: impl IntoIterator<Item = u8>) {
    let until = Instant::now() + PEER_LIFETIME;
    for b in bytes {
        if Instant::now() > until || s.write_all(&[b]).is_err() {
            return;
        }
        std::thread::sleep(DRIP);
    }
}

fn hold(s: TcpStream) {
    std::thread::sleep(PEER_LIFETIME);
    drop(s);
}

/// Record header of a 16 KiB handshake record, then its body one byte at a
/// time: every read gets a byte, the record never ends.
fn drip_peer() -> u16 {
    server(|mut s| {
        let _ = read_record(&mut s);
        let head = [22u8, 3, 3, 0x40, 0x00];
        drip(&mut s, head.into_iter().chain(std::iter::repeat(0)));
    })
}

/// A record header that promises 12 KiB, 10 bytes of it, then silence.
fn lying_record_length_peer() -> u16 {
    server(|mut s| {
        let _ = read_record(&mut s);
        let mut r = vec![22u8, 3, 3, 0x30, 0x00];
        r.extend_from_slice(&[2, 0, 0, 70, 3, 3, 0, 0, 0, 0]);
        let _ = s.write_all(&r);
        hold(s);
    })
}

/// A ServerHello whose handshake header promises 16 MiB, then handshake
/// records as fast as the client reads them.
fn lying_message_length_peer() -> u16 {
    server(|mut s| {
        let _ = read_record(&mut s);
        let first = record(22, &[2, 0xFF, 0xFF, 0xFF, 3, 3, 0, 0]);
        if s.write_all(&first).is_err() {
            return;
        }
        let filler = record(22, &[0u8; 16_000]);
        let until = Instant::now() + PEER_LIFETIME;
        while Instant::now() < until {
            if s.write_all(&filler).is_err() {
                return;
            }
        }
    })
}

/// A record longer than TLS allows (2^14 + 2048 + 1), sent in full.
fn oversized_record_peer() -> u16 {
    server(|mut s| {
        let _ = read_record(&mut s);
        let len = (1usize << 14) + 2048 + 1;
        let mut r = vec![22u8, 3, 3];
        r.extend_from_slice(&(len as u16).to_be_bytes());
        r.extend(std::iter::repeat_n(0u8, len));
        let _ = s.write_all(&r);
        hold(s);
    })
}

/// Half a ServerHello, then a reset (closing with the client's bytes unread
/// makes the kernel send RST).
fn reset_peer() -> u16 {
    server(|mut s| {
        let mut b = [0u8; 1];
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = s.peek(&mut b);
        std::thread::sleep(Duration::from_millis(20));
        let sh = record(22, &server_hello(0x0303, 0x002F));
        let _ = s.write_all(&sh[..20]);
        drop(s);
    })
}

/// A ServerHello choosing the first offered suite, then a Certificate
/// message of 40 "certificates" of 16 KiB each (640 KiB).
fn huge_chain_peer() -> u16 {
    server(|mut s| {
        let Some(hello) = read_record(&mut s) else {
            return;
        };
        let Some((version, suite)) = first_suite(&hello) else {
            return;
        };
        let mut certs = Vec::new();
        for _ in 0..40 {
            certs.extend_from_slice(&(16_000u32.to_be_bytes()[1..]));
            certs.extend(std::iter::repeat_n(0x30u8, 16_000));
        }
        let mut list = (certs.len() as u32).to_be_bytes()[1..].to_vec();
        list.extend_from_slice(&certs);
        let mut flight = server_hello(version.min(0x0303), suite);
        flight.extend_from_slice(&handshake_msg(11, &list));
        for chunk in flight.chunks(16_000) {
            if s.write_all(&record(22, chunk)).is_err() {
                return;
            }
        }
        hold(s);
    })
}

/// An HTTP server that answers with a status line and then drips a header
/// that never ends.
fn http_drip_peer() -> u16 {
    server(|mut s| {
        let mut buf = [0u8; 4096];
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = s.read(&mut buf);
        let head = b"HTTP/1.1 200 OK\r\nX-Drip: ".to_vec();
        drip(&mut s, head.into_iter().chain(std::iter::repeat(b'a')));
    })
}

/// A good rustls server whose HTTPS answer (read for HSTS) drips.
fn https_drip_peer(ca: &Ca) -> u16 {
    let (chain, key) = ca.leaf(&["localhost"], 2025, 2040);
    let config = server_config(chain, key);
    server(move |stream| {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
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
        let until = Instant::now() + PEER_LIFETIME;
        let head = b"HTTP/1.1 200 OK\r\nX-Drip: ".to_vec();
        for b in head.into_iter().chain(std::iter::repeat(b'a')) {
            if Instant::now() > until || tls.write_all(&[b]).and_then(|()| tls.flush()).is_err() {
                return;
            }
            std::thread::sleep(DRIP);
        }
    })
}

/// Per-operation timeout and deadline of these tests, in seconds.
const TIMEOUT: u64 = 1;
const DEADLINE: u64 = 2;

/// A hang guard, not a benchmark: without the deadline the drip peers hold
/// the scan for `PEER_LIFETIME`.
fn hang_guard() -> Duration {
    Duration::from_secs(DEADLINE * 3 + 2)
}

const PROBE_RULES: [&str; 6] = [
    "TLS-001", "TLS-002", "TLS-003", "TLS-004", "TLS-005", "TLS-011",
];

#[test]
fn hostile_tls_peers_are_not_evaluated_within_the_deadline() {
    let silent = hostile_server(Hostile::Silent);
    let garbage = hostile_server(Hostile::Garbage);
    let cases = [
        (
            "silent",
            silent,
            &["did not answer in time", "deadline exceeded"][..],
        ),
        ("drip", drip_peer(), &["deadline exceeded"][..]),
        (
            "lying record length",
            lying_record_length_peer(),
            &["did not answer in time", "deadline exceeded"][..],
        ),
        (
            "lying message length",
            lying_message_length_peer(),
            &["first flight larger than 256 KiB"][..],
        ),
        (
            "oversized record",
            oversized_record_peer(),
            &["bad record header"][..],
        ),
        (
            "garbage",
            garbage,
            &["not a TLS handshake or alert record"][..],
        ),
        ("reset", reset_peer(), &["closed the connection"][..]),
        (
            "huge chain",
            huge_chain_peer(),
            &["first flight larger than 256 KiB"][..],
        ),
    ];
    let opts = options(None, None, TIMEOUT, DEADLINE);
    let targets = cases
        .iter()
        .map(|(_, port, _)| tls_target(&format!("127.0.0.1:{port}"), &opts))
        .collect();
    let started = Instant::now();
    let r = scan(targets, None);
    let took = started.elapsed();
    assert!(took < hang_guard(), "took {took:?}");
    for (name, port, reasons) in cases {
        let t = format!("tls:127.0.0.1:{port}");
        let mut messages = Vec::new();
        for rule in PROBE_RULES {
            let f = results(&r, &t, rule);
            assert!(!f.is_empty(), "{name}: no {rule}");
            for f in &f {
                assert_eq!(f.status, Status::NotEvaluated, "{name}: {rule}: {f:?}");
                assert!(!f.message.is_empty(), "{name}: {rule}: no reason");
                messages.push(format!("{rule}: {}", f.message));
            }
        }
        if std::env::var_os("SHOW").is_some() {
            eprintln!("{name}:\n  {}", messages.join("\n  "));
        }
        // The hostile behaviour itself is named, at least by the protocol
        // rules (a peer that said a few TLS bytes first may leave other
        // rules with their own reason, e.g. no certificate obtained).
        for rule in ["TLS-001", "TLS-002"] {
            let f = results(&r, &t, rule);
            assert!(
                f.iter()
                    .any(|f| reasons.iter().any(|why| f.message.contains(why))),
                "{name}: {rule}: {:?}",
                f.iter().map(|f| &f.message).collect::<Vec<_>>()
            );
        }
    }
}

/// The drip peer alone: every read is answered in time, so only the
/// endpoint's deadline ends the probe, and the reason says so.
#[test]
fn a_dripping_peer_ends_at_the_deadline() {
    let port = drip_peer();
    let opts = options(None, None, TIMEOUT, DEADLINE);
    let endpoint = rampart::probe::Endpoint::parse(&format!("127.0.0.1:{port}")).unwrap();
    let started = Instant::now();
    let prober = rampart::probe::Prober::new(&endpoint, &opts);
    let results = prober
        .tasks()
        .iter()
        .map(|t| prober.run(t))
        .collect::<Vec<_>>();
    let probe = prober.finish(results);
    let took = started.elapsed();
    // Sequential tasks, one shared deadline: still bounded by it.
    assert!(took < hang_guard(), "took {took:?}");
    let why = probe.failure.expect("a failure");
    assert!(why.contains("deadline exceeded"), "{why}");
    assert!(why.contains("--tls-deadline 2s"), "{why}");
}

/// A good handshake, then HTTP answers that drip: the plain-HTTP redirect
/// check (TLS-010) and the HSTS check (TLS-011) are `not_evaluated` at the
/// deadline, and what the handshake learned is still judged.
#[test]
fn dripping_http_answers_end_at_the_deadline() {
    let ca = Ca::new();
    let https = https_drip_peer(&ca);
    let http = http_drip_peer();
    let opts = options(Some(&ca.pem()), Some(http), TIMEOUT, DEADLINE);
    let started = Instant::now();
    let r = scan(vec![tls_target(&format!("localhost:{https}"), &opts)], None);
    let took = started.elapsed();
    assert!(took < hang_guard(), "took {took:?}");
    let t = format!("tls:localhost:{https}");
    for rule in ["TLS-010", "TLS-011"] {
        let f = results(&r, &t, rule);
        assert!(!f.is_empty(), "no {rule}");
        for f in f {
            assert_eq!(f.status, Status::NotEvaluated, "{rule}: {f:?}");
            assert!(
                f.message.contains("deadline exceeded"),
                "{rule}: {}",
                f.message
            );
        }
    }
    assert_eq!(
        status(&r, &t, "TLS-005"),
        "pass",
        "{:?}",
        results(&r, &t, "TLS-005")
    );
}
