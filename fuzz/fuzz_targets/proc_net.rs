#![no_main]
//! `/proc/net/{tcp,tcp6,udp,udp6}`: no panic (a malformed address once
//! panicked), bounded output, short errors.

use libfuzzer_sys::fuzz_target;
use rampart::facts::sockets;
use rampart_fuzz::*;

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    for (rel, proto) in [
        ("proc/net/tcp", "tcp"),
        ("proc/net/tcp6", "tcp6"),
        ("proc/net/udp", "udp"),
        ("proc/net/udp6", "udp6"),
    ] {
        match sockets::parse(text, rel, proto) {
            Ok(l) => {
                check_bounded("sockets", text.len(), &l);
                for x in &l {
                    let _ = (x.address(), x.scope(), x.is_loopback(), x.is_wildcard());
                }
            }
            Err(e) => check_message("sockets", &e),
        }
    }
});
