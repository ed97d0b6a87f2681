//! Listening sockets from `/proc/net/{tcp,tcp6,udp,udp6}` under a root (on
//! the live host, TCP's from the kernel's `sock_diag`, with the same
//! answer), and their owning processes from `/proc/PID/fd` socket links
//! where readable.
//! A TCP socket listens in state `0A`; a UDP socket "listens" when it is
//! bound and unconnected (state `07`), which is what `ss -uln` lists.
//! Addresses are printed by the kernel in host byte order; this reads them as
//! little-endian, as on every platform CHT is hosted on.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::facts::{Fact, Facts, sock_diag};
use crate::target::RootError;

pub const SOURCES: [(&str, &str); 4] = [
    ("proc/net/tcp", "tcp"),
    ("proc/net/tcp6", "tcp"),
    ("proc/net/udp", "udp"),
    ("proc/net/udp6", "udp"),
];

const PROC_NET_CAP: u64 = 64 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listener {
    pub proto: &'static str,
    pub ip: IpAddr,
    pub port: u16,
    pub inode: u64,
    pub uid: u32,
    /// The `/proc/net` file (inside the root) and line it came from.
    pub rel: &'static str,
    pub line: u32,
    pub process: Option<Process>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    pub name: String,
}

impl Listener {
    /// The address with IPv4-mapped IPv6 (`::ffff:a.b.c.d`) unwrapped.
    pub fn effective_ip(&self) -> IpAddr {
        match self.ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(self.ip, IpAddr::V4),
            v4 => v4,
        }
    }

    pub fn is_loopback(&self) -> bool {
        self.effective_ip().is_loopback()
    }

    pub fn is_wildcard(&self) -> bool {
        self.effective_ip().is_unspecified()
    }

    /// `0.0.0.0:22`, `[::]:443`.
    pub fn address(&self) -> String {
        match self.ip {
            IpAddr::V4(v4) => format!("{v4}:{}", self.port),
            IpAddr::V6(v6) => format!("[{v6}]:{}", self.port),
        }
    }

    /// "all interfaces" or "address 10.0.0.5".
    pub fn scope(&self) -> String {
        if self.is_wildcard() {
            "all interfaces".to_string()
        } else {
            format!("address {}", self.effective_ip())
        }
    }
}

/// Why owners could not be named for some sockets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnerNote {
    pub unreadable_processes: usize,
    pub no_process_table: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Sockets {
    pub listeners: Vec<Listener>,
    /// The files read.
    pub read: Vec<&'static str>,
    /// Files that exist but could not be read or parsed.
    pub errors: Vec<(&'static str, String)>,
    pub owners: OwnerNote,
}

impl Sockets {
    /// Why the listener set cannot be trusted, if it cannot.
    pub fn unusable(&self) -> Option<String> {
        if let Some((rel, e)) = self.errors.first() {
            return Some(format!("/{rel}: {e}"));
        }
        if self.read.is_empty() {
            return Some(
                "no /proc/net/{tcp,tcp6,udp,udp6} under the root: listening sockets are unknown"
                    .to_string(),
            );
        }
        None
    }

    /// The owner of a socket, or why it is unknown.
    pub fn owner_text(&self, l: &Listener) -> String {
        match &l.process {
            Some(p) => format!("{} (pid {})", p.name, p.pid),
            None if self.owners.no_process_table => {
                "unknown (no process table under the root)".to_string()
            }
            None if self.owners.unreadable_processes > 0 => {
                "unknown (permission denied reading other processes' file descriptors: run as root)"
                    .to_string()
            }
            None => {
                "unknown (no process holds it: kernel or another network namespace)".to_string()
            }
        }
    }
}

impl Fact for Sockets {
    fn collect(facts: &Facts) -> Self {
        let Some(root) = facts.target.root() else {
            return Sockets::default();
        };
        let mut out = Sockets::default();
        for (rel, proto) in SOURCES {
            // The live host's TCP listeners from the kernel directly: the
            // same answer, without the walk of every connection bucket
            // that reading the file costs (see `sock_diag`).
            if proto == "tcp"
                && root.is_live_root()
                && let Some(mut ls) = sock_diag::tcp_listeners(rel.ends_with('6'))
            {
                out.read.push(rel);
                out.listeners.append(&mut ls);
                continue;
            }
            match root.read_text(rel, PROC_NET_CAP) {
                Ok(text) => match parse(&text, rel, proto) {
                    Ok(mut ls) => {
                        out.read.push(rel);
                        out.listeners.append(&mut ls);
                    }
                    Err(e) => out.errors.push((rel, e)),
                },
                Err(RootError::NotFound) => {}
                Err(e) => out.errors.push((rel, e.to_string())),
            }
        }
        if !out.listeners.is_empty() {
            let (owners, note) = socket_owners(facts);
            for l in &mut out.listeners {
                l.process = owners.get(&l.inode).cloned();
            }
            out.owners = note;
        }
        out.listeners
            .sort_by(|a, b| (a.proto, a.port, a.ip).cmp(&(b.proto, b.port, b.ip)));
        out
    }
}

fn hex_u32(s: &str) -> Option<u32> {
    u32::from_str_radix(s, 16).ok()
}

/// `ADDR:PORT` in the kernel's hex. Anything but ASCII hex digits (a
/// multi-byte character in a 32-byte IPv6 field used to panic on slicing,
/// a `+` sign is accepted by `from_str_radix`) is malformed.
fn parse_addr(s: &str) -> Option<(IpAddr, u16)> {
    let (ip, port) = s.split_once(':')?;
    if !(ip.bytes().chain(port.bytes())).all(|b| b.is_ascii_hexdigit()) || port.len() > 4 {
        return None;
    }
    let port = u16::from_str_radix(port, 16).ok()?;
    let ip = match ip.len() {
        8 => IpAddr::V4(Ipv4Addr::from(hex_u32(ip)?.to_le_bytes())),
        32 => {
            let mut bytes = [0u8; 16];
            for i in 0..4 {
                let word = hex_u32(&ip[i * 8..i * 8 + 8])?;
                bytes[i * 4..i * 4 + 4].copy_from_slice(&word.to_le_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some((ip, port))
}

/// Parses one `/proc/net` socket table, keeping listening sockets.
pub fn parse(text: &str, rel: &'static str, proto: &'static str) -> Result<Vec<Listener>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        let f: Vec<&str> = line.split_whitespace().collect();
        if i == 0 || f.is_empty() {
            if i == 0 && f.first() != Some(&"sl") {
                return Err("line 1: not a /proc/net socket table (no `sl` header)".to_string());
            }
            continue;
        }
        let bad = || format!("line {line_no}: malformed socket entry");
        if f.len() < 10 || !f[0].ends_with(':') {
            return Err(bad());
        }
        let (ip, port) = parse_addr(f[1]).ok_or_else(bad)?;
        let (_, rport) = parse_addr(f[2]).ok_or_else(bad)?;
        let state = u8::from_str_radix(f[3], 16).map_err(|_| bad())?;
        let uid: u32 = f[7].parse().map_err(|_| bad())?;
        let inode: u64 = f[9].parse().map_err(|_| bad())?;
        let listening = match proto {
            "tcp" => state == 0x0A,
            _ => state == 0x07 && rport == 0 && port != 0,
        };
        if listening {
            out.push(Listener {
                proto,
                ip,
                port,
                inode,
                uid,
                rel,
                line: line_no,
                process: None,
            });
        }
    }
    Ok(out)
}

/// Maps socket inodes to the processes holding them.
fn socket_owners(facts: &Facts) -> (HashMap<u64, Process>, OwnerNote) {
    let mut map = HashMap::new();
    let mut note = OwnerNote::default();
    let Some(root) = facts.target.root() else {
        return (map, note);
    };
    let pids: Vec<u32> = match root.read_dir("proc") {
        Ok(entries) => entries
            .iter()
            .filter(|e| e.is_dir)
            .filter_map(|e| e.name.parse().ok())
            .collect(),
        Err(_) => Vec::new(),
    };
    if pids.is_empty() {
        note.no_process_table = true;
        return (map, note);
    }
    for pid in pids {
        let links = match root.dir_links(&format!("proc/{pid}/fd")) {
            Ok(l) => l,
            Err(RootError::PermissionDenied) => {
                note.unreadable_processes += 1;
                continue;
            }
            Err(_) => continue,
        };
        let mut name: Option<String> = None;
        for (_, target) in links {
            let Some(inode) = target
                .strip_prefix("socket:[")
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse::<u64>().ok())
            else {
                continue;
            };
            let name = name.get_or_insert_with(|| {
                root.read_text(&format!("proc/{pid}/comm"), 4096)
                    .map(|s| s.trim().to_string())
                    .unwrap_or_else(|_| "?".to_string())
            });
            map.entry(inode).or_insert_with(|| Process {
                pid,
                name: name.clone(),
            });
        }
    }
    (map, note)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0\n   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 100 0 0 10 0\n   2: 0500000A:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1003 1 0000000000000000 100 0 0 10 0\n   3: 0500000A:0016 0600000A:D431 01 00000000:00000000 02:000A7B4C 00000000     0        0 1004 4 0000000000000000 20 4 29 10 -1\n";

    #[test]
    fn tcp_listeners() {
        let ls = parse(TCP, "proc/net/tcp", "tcp").unwrap();
        assert_eq!(ls.len(), 3, "the established connection is not a listener");
        assert_eq!(ls[0].address(), "127.0.0.1:3306");
        assert!(ls[0].is_loopback());
        assert_eq!(ls[1].address(), "0.0.0.0:22");
        assert!(ls[1].is_wildcard());
        assert_eq!(ls[2].address(), "10.0.0.5:8080");
        assert_eq!(ls[2].scope(), "address 10.0.0.5");
        assert_eq!(ls[2].uid, 1000);
        assert_eq!(ls[2].line, 4);
    }

    #[test]
    fn tcp6_and_mapped() {
        let text = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1 0000000000000000 100 0 0 10 0\n   1: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2002 1 0000000000000000 100 0 0 10 0\n   2: 0000000000000000FFFF00000100007F:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2003 1 0000000000000000 100 0 0 10 0\n";
        let ls = parse(text, "proc/net/tcp6", "tcp").unwrap();
        assert_eq!(ls[0].address(), "[::]:443");
        assert!(ls[0].is_wildcard());
        assert_eq!(ls[1].address(), "[::1]:8080");
        assert!(ls[1].is_loopback());
        assert_eq!(ls[2].address(), "[::ffff:127.0.0.1]:8081");
        assert!(ls[2].is_loopback(), "IPv4-mapped loopback");
    }

    #[test]
    fn udp_unconnected_only() {
        let text = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n  1: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3001 2 0000000000000000 0\n  2: 0500000A:A1B2 08080808:0035 01 00000000:00000000 00:00000000 00000000     0        0 3002 2 0000000000000000 0\n";
        let ls = parse(text, "proc/net/udp", "udp").unwrap();
        assert_eq!(ls.len(), 1);
        assert_eq!(ls[0].address(), "0.0.0.0:68");
    }

    #[test]
    fn garbage_is_an_error_with_a_line() {
        assert!(parse("hello\n", "proc/net/tcp", "tcp").is_err());
        let e = parse(
            "  sl local\n 0: zz:zz 00000000:0000 0A a b c 0 0 1\n",
            "proc/net/tcp",
            "tcp",
        )
        .unwrap_err();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn malformed_tcp6_addresses_are_errors_not_panics() {
        let head = "  sl  local_address remote_address st tx_queue rx_queue tr tm->when retrnsmt uid timeout inode\n";
        // 32 bytes, but not 32 ASCII hex digits: slicing by bytes would panic.
        for addr in [
            "0ééééééééééééééé0:01BB",
            "éééééééééééééééé:01BB",
            "0000000000000000000000000000000é:01BB",
            "+0000000000000000000000000000000:01BB",
            "00000000000000000000000000000000:+1BB",
            "00000000000000000000000000000000:ɐ",
        ] {
            let text = format!(
                "{head}   0: {addr} 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 2001 1\n"
            );
            let r = std::panic::catch_unwind(|| parse(&text, "proc/net/tcp6", "tcp"));
            let e = r.expect("no panic").unwrap_err();
            assert_eq!(e, "line 2: malformed socket entry", "{addr}");
        }
    }
}
