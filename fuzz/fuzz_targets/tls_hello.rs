#![no_main]
//! The prober's reader of a server's first flight (records, alerts,
//! ServerHello, HelloRetryRequest, Certificate): the input is what the
//! server sends. No panic, bounded answer, short errors. Also the HTTP
//! response-head reader (redirect, HSTS).

use std::io::{Cursor, Read, Write};

use libfuzzer_sys::fuzz_target;
use rampart::probe::{hello, http};
use rampart::tls::Version;
use rampart_fuzz::*;

struct Peer {
    input: Cursor<Vec<u8>>,
}

impl Read for Peer {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Short reads, as a network gives them.
        let n = buf.len().min(7 + (self.input.position() as usize % 300));
        self.input.read(&mut buf[..n])
    }
}

impl Write for Peer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let offered = [0x002F, 0xC02F, 0x1301, 0x000A];
    for (version, want_chain) in [(Version::Tls12, true), (Version::Tls10, false)] {
        let mut peer = Peer {
            input: Cursor::new(data.to_vec()),
        };
        let h = hello::client_hello(version, &offered, Some("example.org"));
        match hello::exchange(&mut peer, &h, &offered, want_chain) {
            Ok(hello::Answer::Hello { suite, chain, .. }) => {
                assert!(offered.contains(&suite), "a suite that was not offered");
                let total: usize = chain.iter().map(Vec::len).sum();
                assert!(total <= data.len(), "a chain larger than the input");
            }
            Ok(hello::Answer::Refused(why)) => check_message("hello", &why),
            Ok(hello::Answer::RetryRequest) => {}
            Err(e) => check_message("hello", &e.to_string()),
        }
    }
    let mut peer = Peer {
        input: Cursor::new(data.to_vec()),
    };
    match http::get(&mut peer, "example.org") {
        Ok(r) => {
            check_bounded("http", data.len(), &r);
            if let Some(Err(e)) = r.hsts_max_age() {
                assert!(e.len() <= 512, "hsts: a {} byte error", e.len());
            }
        }
        Err(e) => assert!(e.len() <= 512, "http: a {} byte error", e.len()),
    }
});
