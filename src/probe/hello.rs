//! Hand-built TLS handshakes for what rustls will not speak: a ClientHello
//! for SSLv3, TLS 1.0, 1.1 or 1.2 offering a chosen set of cipher suites,
//! and a strict reader of the server's answer — records, alerts, ServerHello
//! (including a HelloRetryRequest) and, when asked, the Certificate message.
//! No key exchange is ever completed: the connection is dropped after the
//! server's first flight. Owns the wire format; never judges.

use std::io::{Read, Write};

use crate::tls::Version;

/// `SHA-256("HelloRetryRequest")`: the random of a HelloRetryRequest (RFC 8446 4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// Largest record the peer may send (2^14 plus the expansion TLS allows).
const MAX_RECORD: usize = (1 << 14) + 2048;
/// Largest first flight read when the certificate is wanted.
const MAX_FLIGHT: usize = 256 * 1024;

/// Builds a ClientHello record offering `suites` at `version`.
pub fn client_hello(version: Version, suites: &[u16], sni: Option<&str>) -> Vec<u8> {
    let mut body = Vec::with_capacity(512);
    body.extend_from_slice(&version.wire().to_be_bytes());
    // Random: fixed bytes are fine, nothing is ever derived from it.
    let mut random = [0u8; 32];
    for (i, b) in random.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37).wrapping_add(11);
    }
    body.extend_from_slice(&random);
    body.push(0); // no session id
    let mut cs = Vec::with_capacity(suites.len() * 2 + 2);
    for s in suites {
        cs.extend_from_slice(&s.to_be_bytes());
    }
    // TLS_EMPTY_RENEGOTIATION_INFO_SCSV: servers that insist on secure
    // renegotiation still answer.
    cs.extend_from_slice(&[0x00, 0xFF]);
    body.extend_from_slice(&(cs.len() as u16).to_be_bytes());
    body.extend_from_slice(&cs);
    body.extend_from_slice(&[1, 0]); // compression: null only
    if version != Version::Ssl3 {
        let mut ext = Vec::new();
        if let Some(name) = sni {
            let name = name.as_bytes();
            let mut sn = Vec::new();
            sn.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
            sn.push(0); // host_name
            sn.extend_from_slice(&(name.len() as u16).to_be_bytes());
            sn.extend_from_slice(name);
            push_ext(&mut ext, 0x0000, &sn);
        }
        // supported_groups: x25519, P-256, P-384, P-521, x448, ffdhe2048..4096.
        let groups: [u16; 8] = [
            0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x0100, 0x0101, 0x0102,
        ];
        let mut g = Vec::new();
        g.extend_from_slice(&((groups.len() * 2) as u16).to_be_bytes());
        for x in groups {
            g.extend_from_slice(&x.to_be_bytes());
        }
        push_ext(&mut ext, 0x000A, &g);
        push_ext(&mut ext, 0x000B, &[1, 0]); // ec_point_formats: uncompressed
        if version == Version::Tls12 {
            let algs: [u16; 17] = [
                0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501,
                0x0601, 0x0303, 0x0203, 0x0201, 0x0402, 0x0202, 0x0101,
            ];
            let mut a = Vec::new();
            a.extend_from_slice(&((algs.len() * 2) as u16).to_be_bytes());
            for x in algs {
                a.extend_from_slice(&x.to_be_bytes());
            }
            push_ext(&mut ext, 0x000D, &a);
        }
        push_ext(&mut ext, 0x0017, &[]); // extended_master_secret
        body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        body.extend_from_slice(&ext);
    }
    let mut hs = Vec::with_capacity(body.len() + 4);
    hs.push(1); // client_hello
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = Vec::with_capacity(hs.len() + 5);
    rec.push(22);
    // Record version: SSLv3 for an SSLv3 hello, TLS 1.0 otherwise (what
    // every client does for compatibility).
    let rv = if version == Version::Ssl3 {
        0x0300u16
    } else {
        0x0301
    };
    rec.extend_from_slice(&rv.to_be_bytes());
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

fn push_ext(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
}

/// What the server said to a ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A ServerHello: the version and suite it chose, and its certificate
    /// chain (DER) when that was asked for and sent.
    Hello {
        version: u16,
        suite: u16,
        chain: Vec<Vec<u8>>,
    },
    /// A HelloRetryRequest: the server wants TLS 1.3.
    RetryRequest,
    /// A fatal alert (or close) instead of a ServerHello.
    Refused(String),
}

/// Why a probe could not be read (the peer is not speaking TLS, or stalls).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// The peer closed the connection before saying anything.
    Closed,
    TimedOut,
    /// The per-endpoint deadline ran out (the peer may still be dripping).
    Deadline(String),
    /// Bytes that are not TLS, or TLS that breaks the rules.
    Garbage(String),
    Io(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Closed => f.write_str("the server closed the connection without answering"),
            ReadError::TimedOut => f.write_str("the server did not answer in time"),
            ReadError::Deadline(why) => f.write_str(why),
            ReadError::Garbage(why) => write!(f, "the server's answer is not valid TLS: {why}"),
            ReadError::Io(e) => write!(f, "connection error: {e}"),
        }
    }
}

pub fn alert_name(desc: u8) -> &'static str {
    match desc {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        40 => "handshake_failure",
        42 => "bad_certificate",
        47 => "illegal_parameter",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        120 => "no_application_protocol",
        _ => "unknown alert",
    }
}

fn io_error(e: &std::io::Error) -> ReadError {
    if let Some(d) = crate::probe::deadline::DeadlineExceeded::of(e) {
        return ReadError::Deadline(d.to_string());
    }
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => ReadError::TimedOut,
        std::io::ErrorKind::UnexpectedEof => ReadError::Closed,
        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
            ReadError::Closed
        }
        _ => ReadError::Io(e.to_string()),
    }
}

fn read_exact(r: &mut impl Read, buf: &mut [u8], started: bool) -> Result<bool, ReadError> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) if got == 0 && !started => return Ok(false),
            Ok(0) => {
                return Err(ReadError::Garbage(
                    "connection closed in the middle of a record".into(),
                ));
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(&e)),
        }
    }
    Ok(true)
}

/// Sends `hello` and reads the answer. `want_chain`: keep reading the first
/// flight until the Certificate message (TLS ≤ 1.2 sends it in clear).
pub fn exchange(
    stream: &mut (impl Read + Write),
    hello: &[u8],
    offered: &[u16],
    want_chain: bool,
) -> Result<Answer, ReadError> {
    stream.write_all(hello).map_err(|e| io_error(&e))?;
    let mut hs: Vec<u8> = Vec::new();
    let mut total = 0usize;
    let mut hello_seen: Option<(u16, u16)> = None;
    let mut first = true;
    loop {
        let mut head = [0u8; 5];
        if !read_exact(stream, &mut head, false)? {
            if let Some((version, suite)) = hello_seen {
                return Ok(Answer::Hello {
                    version,
                    suite,
                    chain: Vec::new(),
                });
            }
            return if first {
                Err(ReadError::Closed)
            } else {
                Ok(Answer::Refused("closed the connection".to_string()))
            };
        }
        let kind = head[0];
        let rv = u16::from_be_bytes([head[1], head[2]]);
        let len = u16::from_be_bytes([head[3], head[4]]) as usize;
        if first && !matches!(kind, 21 | 22) {
            return Err(ReadError::Garbage(format!(
                "first bytes {:02x} {:02x} {:02x} are not a TLS handshake or alert record",
                head[0], head[1], head[2]
            )));
        }
        if !(20..=23).contains(&kind) || head[1] != 3 || rv > 0x0304 || len == 0 || len > MAX_RECORD
        {
            return Err(ReadError::Garbage(format!(
                "bad record header {:02x?}",
                &head
            )));
        }
        first = false;
        let mut body = vec![0u8; len];
        read_exact(stream, &mut body, true)?;
        total += len + 5;
        if total > MAX_FLIGHT {
            return Err(ReadError::Garbage(
                "first flight larger than 256 KiB".into(),
            ));
        }
        match kind {
            21 => {
                if body.len() != 2 {
                    return Err(ReadError::Garbage(
                        "alert record of the wrong length".into(),
                    ));
                }
                let (level, desc) = (body[0], body[1]);
                if let Some((version, suite)) = hello_seen {
                    // An alert after the ServerHello (we sent no more):
                    // the choice stands, the chain is not coming.
                    return Ok(Answer::Hello {
                        version,
                        suite,
                        chain: Vec::new(),
                    });
                }
                if level == 1 && desc != 0 {
                    continue; // a warning: the handshake goes on
                }
                return Ok(Answer::Refused(format!(
                    "alert {} ({desc})",
                    alert_name(desc)
                )));
            }
            22 => {
                hs.extend_from_slice(&body);
                // Consume every complete handshake message.
                while hs.len() >= 4 {
                    let mlen = u32::from_be_bytes([0, hs[1], hs[2], hs[3]]) as usize;
                    if hs.len() < 4 + mlen {
                        break;
                    }
                    let msg: Vec<u8> = hs.drain(..4 + mlen).collect();
                    let (mt, m) = (msg[0], &msg[4..]);
                    match (mt, hello_seen) {
                        (2, None) => {
                            let sh = parse_server_hello(m, offered)?;
                            match sh {
                                ServerHello::Retry => return Ok(Answer::RetryRequest),
                                ServerHello::Chosen { version, suite } => {
                                    if !want_chain || version >= 0x0304 {
                                        return Ok(Answer::Hello {
                                            version,
                                            suite,
                                            chain: Vec::new(),
                                        });
                                    }
                                    hello_seen = Some((version, suite));
                                }
                            }
                        }
                        (_, None) => {
                            return Err(ReadError::Garbage(format!(
                                "handshake message type {mt} before the ServerHello"
                            )));
                        }
                        (11, Some((version, suite))) => {
                            let chain = parse_certificate(m)?;
                            return Ok(Answer::Hello {
                                version,
                                suite,
                                chain,
                            });
                        }
                        (14, Some((version, suite))) => {
                            return Ok(Answer::Hello {
                                version,
                                suite,
                                chain: Vec::new(),
                            });
                        }
                        (_, Some(_)) => {}
                    }
                }
            }
            _ => {
                if let Some((version, suite)) = hello_seen {
                    return Ok(Answer::Hello {
                        version,
                        suite,
                        chain: Vec::new(),
                    });
                }
                return Err(ReadError::Garbage(format!(
                    "record type {kind} before the ServerHello"
                )));
            }
        }
    }
}

enum ServerHello {
    Chosen { version: u16, suite: u16 },
    Retry,
}

fn parse_server_hello(m: &[u8], offered: &[u16]) -> Result<ServerHello, ReadError> {
    let bad = |why: &str| ReadError::Garbage(format!("malformed ServerHello: {why}"));
    if m.len() < 38 {
        return Err(bad("too short"));
    }
    let legacy_version = u16::from_be_bytes([m[0], m[1]]);
    if m[2..34] == HRR_RANDOM {
        return Ok(ServerHello::Retry);
    }
    let sid_len = m[34] as usize;
    if sid_len > 32 || m.len() < 35 + sid_len + 3 {
        return Err(bad("session id"));
    }
    let p = 35 + sid_len;
    let suite = u16::from_be_bytes([m[p], m[p + 1]]);
    let compression = m[p + 2];
    let mut version = legacy_version;
    let rest = &m[p + 3..];
    if !rest.is_empty() {
        if rest.len() < 2 {
            return Err(bad("extensions length"));
        }
        let elen = u16::from_be_bytes([rest[0], rest[1]]) as usize;
        if rest.len() != 2 + elen {
            return Err(bad("extensions length"));
        }
        let mut e = &rest[2..];
        while !e.is_empty() {
            if e.len() < 4 {
                return Err(bad("extension header"));
            }
            let kind = u16::from_be_bytes([e[0], e[1]]);
            let l = u16::from_be_bytes([e[2], e[3]]) as usize;
            if e.len() < 4 + l {
                return Err(bad("extension body"));
            }
            if kind == 0x002B && l == 2 {
                version = u16::from_be_bytes([e[4], e[5]]);
            }
            e = &e[4 + l..];
        }
    }
    if !(0x0300..=0x0304).contains(&version) {
        return Err(bad(&format!("version 0x{version:04x}")));
    }
    if compression != 0 {
        return Err(bad("compression method we did not offer"));
    }
    if !offered.contains(&suite) {
        return Err(bad(&format!("suite 0x{suite:04x} was not offered")));
    }
    Ok(ServerHello::Chosen { version, suite })
}

fn parse_certificate(m: &[u8]) -> Result<Vec<Vec<u8>>, ReadError> {
    let bad = || ReadError::Garbage("malformed Certificate message".into());
    if m.len() < 3 {
        return Err(bad());
    }
    let total = u32::from_be_bytes([0, m[0], m[1], m[2]]) as usize;
    if m.len() != 3 + total {
        return Err(bad());
    }
    let mut rest = &m[3..];
    let mut out = Vec::new();
    while !rest.is_empty() {
        if rest.len() < 3 {
            return Err(bad());
        }
        let l = u32::from_be_bytes([0, rest[0], rest[1], rest[2]]) as usize;
        if rest.len() < 3 + l {
            return Err(bad());
        }
        out.push(rest[3..3 + l].to_vec());
        rest = &rest[3 + l..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    struct Duplex {
        input: Cursor<Vec<u8>>,
        output: Vec<u8>,
    }
    impl Read for Duplex {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.input.read(buf)
        }
    }
    impl Write for Duplex {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.output.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn server_hello(version: u16, suite: u16, random: [u8; 32]) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&version.to_be_bytes());
        m.extend_from_slice(&random);
        m.push(0);
        m.extend_from_slice(&suite.to_be_bytes());
        m.push(0);
        let mut hs = vec![2];
        hs.extend_from_slice(&(m.len() as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(&m);
        let mut rec = vec![22, 3, 1];
        rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
        rec.extend_from_slice(&hs);
        rec
    }

    fn run(input: Vec<u8>, offered: &[u16]) -> Result<Answer, ReadError> {
        let mut d = Duplex {
            input: Cursor::new(input),
            output: Vec::new(),
        };
        let hello = client_hello(Version::Tls10, offered, Some("example.org"));
        exchange(&mut d, &hello, offered, false)
    }

    #[test]
    fn hello_shape() {
        let h = client_hello(Version::Tls12, &[0xC02F, 0x002F], Some("a.example"));
        assert_eq!(&h[..3], &[22, 3, 1]);
        assert_eq!(u16::from_be_bytes([h[3], h[4]]) as usize, h.len() - 5);
        assert_eq!(h[5], 1);
        assert_eq!(&h[9..11], &[3, 3]);
        let s = client_hello(Version::Ssl3, &[0x000A], None);
        assert_eq!(&s[1..3], &[3, 0]);
    }

    #[test]
    fn answers() {
        let a = run(server_hello(0x0301, 0x002F, [7; 32]), &[0x002F]).unwrap();
        assert_eq!(
            a,
            Answer::Hello {
                version: 0x0301,
                suite: 0x002F,
                chain: vec![]
            }
        );
        assert_eq!(
            run(server_hello(0x0303, 0x1301, HRR_RANDOM), &[0x002F]).unwrap(),
            Answer::RetryRequest
        );
        assert!(matches!(
            run(server_hello(0x0301, 0x0005, [7; 32]), &[0x002F]),
            Err(ReadError::Garbage(_))
        ));
        let a = run(vec![21, 3, 1, 0, 2, 2, 70], &[0x002F]).unwrap();
        assert_eq!(a, Answer::Refused("alert protocol_version (70)".into()));
        assert_eq!(run(vec![], &[0x002F]), Err(ReadError::Closed));
        assert!(matches!(
            run(b"HTTP/1.1 400 Bad Request\r\n".to_vec(), &[1]),
            Err(ReadError::Garbage(_))
        ));
        assert!(matches!(
            run(vec![22, 3, 1, 0, 10, 2, 0], &[1]),
            Err(ReadError::Garbage(_))
        ));
        // Truncated ServerHello record, then close.
        let mut sh = server_hello(0x0301, 0x002F, [7; 32]);
        sh.truncate(20);
        assert!(run(sh, &[0x002F]).is_err());
    }
}
