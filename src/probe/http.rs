//! A minimal HTTP/1.1 client for two questions: does plain HTTP redirect to
//! HTTPS (a request to port 80), and does the HTTPS response carry HSTS (a
//! request over the probe's TLS stream). Sends one GET, reads the status line
//! and headers (capped), parses them strictly. Never judges.

use std::io::{Read, Write};

/// Largest response head read.
const MAX_HEAD: usize = 64 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    /// Header names lower-cased, in order.
    pub headers: Vec<(String, String)>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `max-age` of the first `Strict-Transport-Security` header: `None`
    /// without the header, `Some(Err)` when it has no valid `max-age`.
    pub fn hsts_max_age(&self) -> Option<Result<u64, String>> {
        let value = self.header("strict-transport-security")?;
        for directive in value.split(';') {
            let mut kv = directive.splitn(2, '=');
            let k = kv.next().unwrap_or_default().trim();
            if k.eq_ignore_ascii_case("max-age") {
                let v = kv.next().unwrap_or_default().trim().trim_matches('"');
                return Some(
                    v.parse::<u64>()
                        .map_err(|_| format!("max-age {:?} is not a number", shown(v))),
                );
            }
        }
        Some(Err(format!("no max-age in {:?}", shown(value))))
    }
}

/// The `Host` header value for `host` on `port` (IPv6 literals in brackets;
/// the port left out when it is the scheme's default).
pub fn host_header(host: &str, port: u16, default_port: u16) -> String {
    let h = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    if port == default_port {
        h
    } else {
        format!("{h}:{port}")
    }
}

pub fn request(host_header: &str) -> String {
    format!(
        "GET / HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: rampart/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// Sends a GET and reads the response head.
pub fn get(stream: &mut (impl Read + Write), host_header: &str) -> Result<Response, String> {
    stream
        .write_all(request(host_header).as_bytes())
        .and_then(|()| stream.flush())
        .map_err(|e| describe_io(&e))?;
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = find_head_end(&buf) {
            return parse_head(&buf[..end]);
        }
        if buf.len() > MAX_HEAD {
            return Err("response headers larger than 64 KiB".to_string());
        }
        match stream.read(&mut chunk) {
            Ok(0) => {
                if buf.is_empty() {
                    return Err("the server closed the connection without answering".to_string());
                }
                return parse_head(&buf);
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !buf.is_empty() => {
                return parse_head(&buf);
            }
            Err(e) => return Err(describe_io(&e)),
        }
    }
}

pub fn describe_io(e: &std::io::Error) -> String {
    if let Some(d) = crate::probe::deadline::DeadlineExceeded::of(e) {
        return d.to_string();
    }
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            "the server did not answer in time".to_string()
        }
        std::io::ErrorKind::ConnectionReset => "the server reset the connection".to_string(),
        _ => e.to_string(),
    }
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 2)
}

/// At most 40 characters of what a server sent, for an error: enough to
/// recognise, never a whole (up to 64 KiB) line (found by fuzzing).
fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

fn parse_head(head: &[u8]) -> Result<Response, String> {
    let text =
        std::str::from_utf8(head).map_err(|_| "the response is not HTTP (not text)".to_string())?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let proto = parts.next().unwrap_or_default();
    if !proto.starts_with("HTTP/1.") {
        return Err(format!(
            "the response is not HTTP/1.x: {:?}",
            shown(status_line)
        ));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .filter(|s| (100..600).contains(s))
        .ok_or_else(|| format!("bad status line {:?}", shown(status_line)))?;
    let reason = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("bad header line {:?}", shown(line)))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    Ok(Response {
        status,
        reason,
        headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads() {
        let r = parse_head(b"HTTP/1.1 301 Moved Permanently\r\nLocation: https://x/\r\nStrict-Transport-Security: max-age=\"63072000\"; includeSubDomains\r\n").unwrap();
        assert_eq!(r.status, 301);
        assert_eq!(r.header("location"), Some("https://x/"));
        assert_eq!(r.hsts_max_age(), Some(Ok(63_072_000)));
        let r = parse_head(b"HTTP/1.0 200 OK\r\nstrict-transport-security: includeSubDomains\r\n")
            .unwrap();
        assert!(matches!(r.hsts_max_age(), Some(Err(_))));
        assert!(parse_head(b"SSH-2.0-OpenSSH\r\n").is_err());
        assert!(parse_head(b"HTTP/1.1 99999 x\r\n").is_err());
        assert_eq!(host_header("::1", 8443, 443), "[::1]:8443");
        // Found by fuzzing (fuzz/ tls_hello): a bad header line was quoted
        // whole, up to the 64 KiB head cap.
        let long = format!("HTTP/1.1 200 OK\r\n{}\r\n", "x".repeat(5000));
        let e = parse_head(long.as_bytes()).unwrap_err();
        assert!(e.len() < 100, "{e}");
        assert_eq!(host_header("a.example", 443, 443), "a.example");
    }
}
