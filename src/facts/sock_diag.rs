//! Listening TCP sockets of the live host from the kernel's `sock_diag`
//! netlink interface, what `ss -tln` asks. Reading `/proc/net/tcp` makes the
//! kernel walk every bucket of its established-connection table, sized by
//! the machine's memory (3.6 ms per file on a 24 GB host, a third of a host
//! audit, and more on larger or busier hosts); a dump filtered to the
//! listening state walks the listening table alone.
//!
//! The answer is the same as the file's: the same sockets, addresses, uids
//! and inodes, listed in the same order (both walk the listening table
//! bucket by bucket, and `/proc/net/tcp` lists listeners before every other
//! socket), so a listener keeps the file and line it has there. A test
//! compares the two on the machine it runs on.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::AsRawFd;

use nix::sys::socket::{
    AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, recv, sendto, socket,
};

use crate::facts::sockets::Listener;

/// `SOCK_DIAG_BY_FAMILY` in linux/sock_diag.h.
const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `NLMSG_ERROR` and `NLMSG_DONE` in linux/netlink.h.
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
/// `NLM_F_REQUEST | NLM_F_DUMP`.
const DUMP_REQUEST: u16 = 0x1 | 0x300;
/// `TCP_LISTEN` in the kernel's TCP states.
const TCP_LISTEN: u32 = 10;
const IPPROTO_TCP: u8 = 6;
/// `struct nlmsghdr`.
const HEADER: usize = 16;
/// `struct inet_diag_msg`: family, state, timer, retrans (4 bytes), the
/// socket id (48), expires, rqueue, wqueue, uid, inode (20).
const DIAG_MSG: usize = 72;
/// Bytes read before giving up: as much as `/proc/net/tcp` is read.
const CAP: usize = 64 * 1024 * 1024;

/// The listening TCP sockets of one address family (`tcp6`: IPv6) in this
/// process's network namespace, each with the file and line of
/// `/proc/net/tcp` or `/proc/net/tcp6` it is on; `None` when the kernel
/// does not answer (no netlink, no `inet_diag`, a sandbox): read the file.
pub fn tcp_listeners(tcp6: bool) -> Option<Vec<Listener>> {
    let family = if tcp6 {
        AddressFamily::Inet6
    } else {
        AddressFamily::Inet
    };
    let fd = socket(
        AddressFamily::Netlink,
        SockType::Datagram,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::NetlinkSockDiag,
    )
    .ok()?;
    // Bounded time: a kernel (or sandbox) that takes the request and never
    // answers sends the reader to the file after a second.
    nix::sys::socket::setsockopt(
        &fd,
        nix::sys::socket::sockopt::ReceiveTimeout,
        &nix::sys::time::TimeVal::new(1, 0),
    )
    .ok()?;
    let request = request(family as u8);
    sendto(
        fd.as_raw_fd(),
        &request,
        &NetlinkAddr::new(0, 0),
        MsgFlags::empty(),
    )
    .ok()?;
    let rel = if tcp6 {
        "proc/net/tcp6"
    } else {
        "proc/net/tcp"
    };
    let mut dump = Dump {
        rel,
        out: Vec::new(),
    };
    let mut buf = vec![0u8; 32 * 1024];
    let mut read = 0;
    loop {
        let n = recv(fd.as_raw_fd(), &mut buf, MsgFlags::empty()).ok()?;
        read += n;
        if n == 0 || read > CAP {
            return None;
        }
        match dump.messages(&buf[..n]) {
            Some(true) => return Some(dump.out),
            Some(false) => {}
            None => return None,
        }
    }
}

/// A dump request for the listening TCP sockets of `family`.
fn request(family: u8) -> Vec<u8> {
    let len = HEADER + 56;
    let mut r = Vec::with_capacity(len);
    r.extend_from_slice(&(len as u32).to_ne_bytes());
    r.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    r.extend_from_slice(&DUMP_REQUEST.to_ne_bytes());
    r.extend_from_slice(&1u32.to_ne_bytes()); // sequence
    r.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel's
    // struct inet_diag_req_v2: family, protocol, extensions, pad, states,
    // then a socket id of zeros (any).
    r.extend_from_slice(&[family, IPPROTO_TCP, 0, 0]);
    r.extend_from_slice(&(1u32 << TCP_LISTEN).to_ne_bytes());
    r.resize(len, 0);
    r
}

/// The listeners of a dump so far.
struct Dump {
    rel: &'static str,
    out: Vec<Listener>,
}

impl Dump {
    /// Reads one datagram's messages: `Some(true)` at the end of the dump,
    /// `Some(false)` when more follow, `None` on an error or anything
    /// malformed.
    fn messages(&mut self, mut buf: &[u8]) -> Option<bool> {
        while buf.len() >= HEADER {
            let len = u32::from_ne_bytes(buf[0..4].try_into().ok()?) as usize;
            let kind = u16::from_ne_bytes(buf[4..6].try_into().ok()?);
            if len < HEADER || len > buf.len() {
                return None;
            }
            let body = &buf[HEADER..len];
            match kind {
                NLMSG_DONE => return Some(true),
                NLMSG_ERROR => return None,
                SOCK_DIAG_BY_FAMILY => self.out.push(self.listener(body)?),
                _ => return None,
            }
            // Messages are aligned to 4 bytes.
            buf = buf.get(len.next_multiple_of(4)..).unwrap_or(&[]);
        }
        buf.is_empty().then_some(false)
    }

    /// One `struct inet_diag_msg`.
    fn listener(&self, m: &[u8]) -> Option<Listener> {
        if m.len() < DIAG_MSG {
            return None;
        }
        let u32_at = |at: usize| m[at..at + 4].try_into().ok().map(u32::from_ne_bytes);
        let (family, state) = (m[0], m[1]);
        if u32::from(state) != TCP_LISTEN {
            return None;
        }
        // The socket id: source port (network order), destination port,
        // source address, destination address, interface, cookie.
        let port = u16::from_be_bytes([m[4], m[5]]);
        let src: [u8; 16] = m[8..24].try_into().ok()?;
        let ip = match family {
            f if f == AddressFamily::Inet as u8 => {
                IpAddr::V4(Ipv4Addr::new(src[0], src[1], src[2], src[3]))
            }
            f if f == AddressFamily::Inet6 as u8 => IpAddr::V6(Ipv6Addr::from(src)),
            _ => return None,
        };
        // In `/proc/net/tcp` the header is line 1 and listeners come first.
        let line = u32::try_from(self.out.len() + 2).ok()?;
        Some(Listener {
            proto: "tcp",
            ip,
            port,
            inode: u64::from(u32_at(68)?),
            uid: u32_at(64)?,
            rel: self.rel,
            line,
            process: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A datagram as the kernel sends it: one message per socket, then
    /// the end of the dump.
    fn message(family: u8, port: u16, addr: [u8; 16], uid: u32, inode: u32) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&((HEADER + DIAG_MSG) as u32).to_ne_bytes());
        m.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
        m.extend_from_slice(&[0; 10]);
        m.extend_from_slice(&[family, TCP_LISTEN as u8, 0, 0]);
        m.extend_from_slice(&port.to_be_bytes());
        m.extend_from_slice(&[0, 0]);
        m.extend_from_slice(&addr);
        m.extend_from_slice(&[0; 16 + 4 + 8 + 12]);
        m.extend_from_slice(&uid.to_ne_bytes());
        m.extend_from_slice(&inode.to_ne_bytes());
        m
    }

    fn done() -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&(HEADER as u32 + 4).to_ne_bytes());
        m.extend_from_slice(&NLMSG_DONE.to_ne_bytes());
        m.extend_from_slice(&[0; 14]);
        m
    }

    #[test]
    fn messages_become_listeners_with_their_lines() {
        let mut loopback = [0u8; 16];
        loopback[..4].copy_from_slice(&[127, 0, 0, 1]);
        let mut buf = message(AddressFamily::Inet as u8, 3306, loopback, 999, 1001);
        buf.extend(message(AddressFamily::Inet as u8, 22, [0; 16], 0, 1002));
        let mut d = Dump {
            rel: "proc/net/tcp",
            out: Vec::new(),
        };
        assert_eq!(d.messages(&buf), Some(false), "more may follow");
        assert_eq!(d.messages(&done()), Some(true));
        assert_eq!(d.out.len(), 2);
        assert_eq!(d.out[0].address(), "127.0.0.1:3306");
        assert_eq!(
            (d.out[0].uid, d.out[0].inode, d.out[0].line),
            (999, 1001, 2)
        );
        assert_eq!(d.out[1].address(), "0.0.0.0:22");
        assert_eq!(d.out[1].line, 3);

        let mut v6 = [0u8; 16];
        v6[15] = 1;
        let mut d = Dump {
            rel: "proc/net/tcp6",
            out: Vec::new(),
        };
        let buf = message(AddressFamily::Inet6 as u8, 8080, v6, 0, 7);
        assert_eq!(d.messages(&buf), Some(false));
        assert_eq!(d.out[0].address(), "[::1]:8080");
    }

    #[test]
    fn malformed_answers_are_refused_not_panics() {
        let good = message(AddressFamily::Inet as u8, 22, [0; 16], 0, 1);
        let mut cases: Vec<Vec<u8>> = Vec::new();
        // Cut anywhere: a length past the end, or a body too short.
        for cut in 1..good.len() {
            cases.push(good[..cut].to_vec());
        }
        // A length below the header's, a family that is no address family,
        // a socket not listening, an error message.
        let mut short = good.clone();
        short[..4].copy_from_slice(&4u32.to_ne_bytes());
        cases.push(short);
        let mut family = good.clone();
        family[HEADER] = 77;
        cases.push(family);
        let mut state = good.clone();
        state[HEADER + 1] = 1;
        cases.push(state);
        let mut error = good.clone();
        error[4..6].copy_from_slice(&NLMSG_ERROR.to_ne_bytes());
        cases.push(error);
        for case in cases {
            let mut d = Dump {
                rel: "proc/net/tcp",
                out: Vec::new(),
            };
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| d.messages(&case)));
            assert_eq!(r.expect("no panic"), None, "{case:?}");
        }
    }

    /// On the machine the tests run on: the kernel's answer is the file's.
    #[test]
    fn the_same_listeners_and_lines_as_proc_net_tcp() {
        // Listeners of each family in many buckets, whatever else runs
        // here, and a connection (listed after the listeners in the file).
        let v4: Vec<_> = (0..16)
            .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port"))
            .collect();
        let _v6: Vec<_> = (0..16)
            .filter_map(|_| std::net::TcpListener::bind("[::1]:0").ok())
            .collect();
        let _connection = std::net::TcpStream::connect(v4[0].local_addr().expect("bound"));
        for (tcp6, rel) in [(false, "/proc/net/tcp"), (true, "/proc/net/tcp6")] {
            // Sockets may open or close between the two reads: a few tries.
            let mut last = None;
            for _ in 0..5 {
                let Some(from_kernel) = tcp_listeners(tcp6) else {
                    eprintln!("skipped: this kernel does not answer sock_diag requests");
                    return;
                };
                let Ok(text) = std::fs::read_to_string(rel) else {
                    eprintln!("skipped: {rel} cannot be read here");
                    return;
                };
                let from_file =
                    crate::facts::sockets::parse(&text, &rel[1..], "tcp").expect("parses");
                assert!(tcp6 || !from_file.is_empty(), "this test's own listener");
                if from_kernel == from_file {
                    last = None;
                    break;
                }
                last = Some((from_kernel, from_file));
            }
            if let Some((k, f)) = last {
                panic!("{rel}: the kernel's listeners\n{k:#?}\nare not the file's\n{f:#?}");
            }
        }
    }
}
