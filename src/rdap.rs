//! RDAP lookups of domain registrations (RENEW-002), only for domains the
//! user named (`--domains`, `--check-domains`): the registrable domain from
//! the public suffix list (`psl`), the registry's RDAP server from an
//! embedded bootstrap of common TLDs (IANA's `dns.json`) or `--rdap-url`,
//! one HTTPS (rustls, webpki or `--ca-file` roots) or plain-HTTP GET per
//! domain, bounded by the connect timeout and a deadline, at most three
//! redirects, and the `expiration` event of the answer. The only network
//! code besides the TLS prober; it never runs unless asked.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::RootCertStore;

use crate::clock::Date;

/// IANA's RDAP bootstrap (https://data.iana.org/rdap/dns.json) for common
/// TLDs; `--rdap-url` reaches any other server.
pub const BOOTSTRAP: [(&[&str], &str); 8] = [
    (&["com", "net"], "https://rdap.verisign.com/{tld}/v1/"),
    (
        &["org", "ngo", "ong"],
        "https://rdap.publicinterestregistry.org/rdap/",
    ),
    (
        &["info", "io", "health"],
        "https://rdap.identitydigital.services/rdap/",
    ),
    (
        &["app", "dev", "page"],
        "https://pubapi.registry.google/rdap/",
    ),
    (&["uk"], "https://rdap.nominet.uk/uk/"),
    (&["africa"], "https://rdap.registry.net.za/rdap/"),
    (&["global"], "https://rdap.identitydigital.services/rdap/"),
    (
        &["tech", "online", "site"],
        "https://rdap.centralnic.com/{tld}/",
    ),
];

/// Largest RDAP answer read.
const MAX_BODY: usize = 1024 * 1024;

#[derive(Clone, Debug)]
pub struct RdapOptions {
    pub connect_timeout: Duration,
    pub deadline: Duration,
    pub roots: Arc<RootCertStore>,
    /// `--rdap-url`: the server for every domain.
    pub base_url: Option<String>,
}

/// What RDAP said about one registrable domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub domain: String,
    /// The `expiration` event; `None` when the registry publishes none.
    pub expires: Option<Date>,
    /// The URL asked.
    pub url: String,
}

/// The registrable domain of a host name (`cht.moh.example.co.ke` →
/// `example.co.ke`), or why there is none.
pub fn registrable(host: &str) -> Result<String, String> {
    let h = host.trim().trim_end_matches('.').to_ascii_lowercase();
    if h.is_empty() || h.parse::<std::net::IpAddr>().is_ok() {
        return Err("an IP address has no domain registration".to_string());
    }
    if !h
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
    {
        return Err("not a DNS name".to_string());
    }
    psl::domain_str(&h)
        .map(str::to_string)
        .ok_or_else(|| "a public suffix itself, or a name under no known suffix".to_string())
}

/// The RDAP base URL for a domain's TLD.
pub fn server_for(domain: &str, opts: &RdapOptions) -> Result<String, String> {
    if let Some(b) = &opts.base_url {
        return Ok(b.clone());
    }
    let tld = domain.rsplit('.').next().unwrap_or(domain);
    BOOTSTRAP
        .iter()
        .find(|(tlds, _)| tlds.contains(&tld))
        .map(|(_, url)| url.replace("{tld}", tld))
        .ok_or_else(|| {
            format!("rampart's RDAP bootstrap has no server for .{tld}: pass --rdap-url")
        })
}

struct Url {
    tls: bool,
    host: String,
    port: u16,
    path: String,
}

fn parse_url(url: &str) -> Result<Url, String> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        return Err("the RDAP URL must be http:// or https://".to_string());
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (h, p) = inner
            .split_once(']')
            .ok_or("bad IPv6 host in the RDAP URL")?;
        (h.to_string(), p.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (authority.to_string(), None),
        }
    };
    let port = match port {
        Some(p) => p.parse().map_err(|_| "bad port in the RDAP URL")?,
        None if tls => 443,
        None => 80,
    };
    if host.is_empty() {
        return Err("no host in the RDAP URL".to_string());
    }
    Ok(Url {
        tls,
        host,
        port,
        path: path.to_string(),
    })
}

fn remaining(deadline: Instant) -> Result<Duration, String> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| "the RDAP lookup ran past its deadline".to_string())
}

fn connect(u: &Url, opts: &RdapOptions, deadline: Instant) -> Result<TcpStream, String> {
    let addrs: Vec<_> = (u.host.as_str(), u.port)
        .to_socket_addrs()
        .map_err(|e| {
            format!(
                "cannot resolve the RDAP server: {}",
                crate::probe::http::describe_io(&e)
            )
        })?
        .collect();
    let mut last = "no address".to_string();
    for a in addrs {
        let t = opts.connect_timeout.min(remaining(deadline)?);
        match TcpStream::connect_timeout(&a, t) {
            Ok(s) => return Ok(s),
            Err(e) => last = crate::probe::http::describe_io(&e),
        }
    }
    Err(format!("cannot connect to the RDAP server: {last}"))
}

/// Reads a whole HTTP response, each read bounded by the connect timeout and
/// the deadline.
fn exchange(
    stream: &mut (impl Read + Write),
    set_timeout: &dyn Fn(Duration),
    request: &[u8],
    opts: &RdapOptions,
    deadline: Instant,
) -> Result<Vec<u8>, String> {
    stream.write_all(request).map_err(|e| {
        format!(
            "RDAP request failed: {}",
            crate::probe::http::describe_io(&e)
        )
    })?;
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        set_timeout(opts.connect_timeout.min(remaining(deadline)?));
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                if out.len() > MAX_BODY {
                    return Err("the RDAP answer is larger than 1 MiB".to_string());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !out.is_empty() => break,
            Err(e) => {
                return Err(format!(
                    "no complete RDAP answer: {}",
                    crate::probe::http::describe_io(&e)
                ));
            }
        }
    }
    Ok(out)
}

fn get(
    url: &str,
    opts: &RdapOptions,
    deadline: Instant,
) -> Result<(u16, Option<String>, Vec<u8>), String> {
    let u = parse_url(url)?;
    let host_header = if (u.tls && u.port == 443) || (!u.tls && u.port == 80) {
        u.host.clone()
    } else {
        format!("{}:{}", u.host, u.port)
    };
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {host_header}\r\nAccept: application/rdap+json, application/json\r\nUser-Agent: rampart/{}\r\nConnection: close\r\n\r\n",
        u.path,
        env!("CARGO_PKG_VERSION")
    );
    let tcp = connect(&u, opts, deadline)?;
    // A handle on the socket to bound each read and write by the time left.
    let sock = tcp.try_clone().map_err(|e| e.to_string())?;
    let set_timeouts = |t| {
        let _ = sock.set_read_timeout(Some(t));
        let _ = sock.set_write_timeout(Some(t));
    };
    let raw = if u.tls {
        let config =
            rustls::ClientConfig::builder_with_provider(crate::probe::handshake::provider())
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(opts.roots.clone())
                .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from(u.host.clone())
            .map_err(|_| "the RDAP host is not a valid server name".to_string())?;
        let conn = rustls::ClientConnection::new(Arc::new(config), name)
            .map_err(|e| format!("TLS to the RDAP server: {e}"))?;
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        // The handshake first, so that a certificate the roots do not trust
        // is named as such.
        while tls.conn.is_handshaking() {
            set_timeouts(opts.connect_timeout.min(remaining(deadline)?));
            tls.conn
                .complete_io(&mut tls.sock)
                .map_err(|e| handshake_error(&e, &u.host))?;
        }
        exchange(&mut tls, &set_timeouts, request.as_bytes(), opts, deadline)?
    } else {
        let mut tcp = tcp;
        exchange(&mut tcp, &set_timeouts, request.as_bytes(), opts, deadline)?
    };
    parse_response(&raw)
}

/// Why the TLS handshake with the RDAP server failed; an untrusted
/// certificate says so and points at `--ca-file`.
fn handshake_error(e: &std::io::Error, host: &str) -> String {
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::InvalidCertificate(c)) => format!(
            "the RDAP server {host} presented a certificate that does not verify ({c}): certificate verification is on; a private registry's CA goes in --ca-file"
        ),
        Some(other) => format!("TLS handshake with the RDAP server {host} failed: {other}"),
        None => format!(
            "TLS handshake with the RDAP server {host} failed: {}",
            crate::probe::http::describe_io(e)
        ),
    }
}

/// Splits an HTTP/1.x response into status, `Location` and body (chunked
/// transfer coding undone).
fn parse_response(raw: &[u8]) -> Result<(u16, Option<String>, Vec<u8>), String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("the RDAP server's answer is not HTTP")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or("the RDAP server's answer has no HTTP status")?;
    let mut location = None;
    let mut chunked = false;
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            if k == "location" {
                location = Some(v.trim().to_string());
            } else if k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked") {
                chunked = true;
            }
        }
    }
    let body = &raw[end + 4..];
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_vec()
    };
    Ok((status, location, body))
}

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let nl = b
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("a malformed chunked RDAP answer")?;
        let size_text = String::from_utf8_lossy(&b[..nl]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| "a malformed chunked RDAP answer")?;
        b = &b[nl + 2..];
        if size == 0 {
            return Ok(out);
        }
        if b.len() < size {
            return Err("a truncated chunked RDAP answer".to_string());
        }
        out.extend_from_slice(&b[..size]);
        b = b.get(size + 2..).unwrap_or_default();
    }
}

/// The `expiration` event of an RDAP domain object.
pub fn expiration(body: &[u8]) -> Result<Option<Date>, String> {
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        format!(
            "the RDAP answer is not JSON (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    if !v.is_object() {
        return Err("the RDAP answer is not a JSON object".to_string());
    }
    let Some(events) = v.get("events").and_then(|e| e.as_array()) else {
        return Ok(None);
    };
    for e in events {
        if e.get("eventAction").and_then(|a| a.as_str()) == Some("expiration") {
            let date = e
                .get("eventDate")
                .and_then(|d| d.as_str())
                .ok_or("the RDAP expiration event has no eventDate")?;
            return Date::parse(date.get(..10).unwrap_or(date))
                .map(Some)
                .ok_or_else(|| "the RDAP expiration date is not a date".to_string());
        }
    }
    Ok(None)
}

/// Looks a registrable domain up. Every error names what failed, never a value.
pub fn lookup(domain: &str, opts: &RdapOptions) -> Result<Registration, String> {
    let deadline = Instant::now() + opts.deadline;
    let base = server_for(domain, opts)?;
    let mut url = format!("{}/domain/{domain}", base.trim_end_matches('/'));
    for _ in 0..4 {
        let (status, location, body) = get(&url, opts, deadline)?;
        match status {
            200 => {
                return Ok(Registration {
                    domain: domain.to_string(),
                    expires: expiration(&body)?,
                    url,
                });
            }
            301 | 302 | 303 | 307 | 308 => {
                url = location.ok_or("an RDAP redirect without Location")?;
            }
            404 => return Err(format!("the RDAP server does not know {domain} (404)")),
            other => return Err(format!("the RDAP server answered HTTP {other}")),
        }
    }
    Err("too many RDAP redirects".to_string())
}

/// The RDAP answer for a domain target, supplied by the scan engine.
#[derive(Debug, Clone)]
pub struct RdapLookup(pub Result<Registration, String>);

impl crate::facts::Fact for RdapLookup {
    fn collect(_: &crate::facts::Facts) -> Self {
        RdapLookup(Err("no RDAP lookup was made for this target".to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        assert_eq!(
            registrable("cht.moh.example.co.ke").unwrap(),
            "example.co.ke"
        );
        assert_eq!(registrable("Clinic.Example.ORG.").unwrap(), "example.org");
        assert!(registrable("10.0.0.1").is_err());
        assert!(registrable("co.uk").is_err());
        assert!(registrable("a b").is_err());
    }

    #[test]
    fn responses() {
        let (s, l, b) = parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!((s, l, b.as_slice()), (200, None, &b"{\"a\":1}"[..]));
        let (s, l, _) =
            parse_response(b"HTTP/1.1 302 Found\r\nLocation: https://x/y\r\n\r\n").unwrap();
        assert_eq!((s, l.as_deref()), (302, Some("https://x/y")));
        assert!(parse_response(b"garbage").is_err());
        assert_eq!(
            expiration(br#"{"events":[{"eventAction":"registration","eventDate":"2020-01-01T00:00:00Z"},{"eventAction":"expiration","eventDate":"2027-08-13T04:00:00Z"}]}"#).unwrap(),
            Date::parse("2027-08-13")
        );
        assert_eq!(expiration(br#"{"events":[]}"#).unwrap(), None);
        assert!(expiration(b"<html>").is_err());
        assert!(
            expiration(br#"{"events":[{"eventAction":"expiration","eventDate":"soon"}]}"#).is_err()
        );
    }

    #[test]
    fn bootstrap() {
        let opts = RdapOptions {
            connect_timeout: Duration::from_secs(1),
            deadline: Duration::from_secs(1),
            roots: Arc::new(RootCertStore::empty()),
            base_url: None,
        };
        assert_eq!(
            server_for("example.com", &opts).unwrap(),
            "https://rdap.verisign.com/com/v1/"
        );
        assert!(
            server_for("example.ke", &opts)
                .unwrap_err()
                .contains("--rdap-url")
        );
        for (_, url) in BOOTSTRAP {
            assert!(url.starts_with("https://"));
        }
        assert!(parse_url("ftp://x").is_err());
        let u = parse_url("http://127.0.0.1:8080/rdap").unwrap();
        assert_eq!((u.tls, u.port, u.path.as_str()), (false, 8080, "/rdap"));
    }
}
