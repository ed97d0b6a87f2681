#![no_main]
//! The OpenSSL cipher-string evaluator (nginx `ssl_ciphers`): no panic, and
//! the list it yields is bounded by the suites it knows, and each suite is
//! in it once.

use libfuzzer_sys::fuzz_target;
use rampart::tls::openssl;

fuzz_target!(|data: &[u8]| {
    let Some(spec) = rampart_fuzz::text(data) else {
        return;
    };
    let list = openssl::evaluate(spec);
    // Bounded by what it knows (`ALL` is every suite), and by the input.
    assert!(list.suites.len() <= rampart::tls::suites::SUITES.len());
    assert!(list.unknown.len() <= spec.len());
    rampart_fuzz::check_bounded("openssl", spec.len(), &list.unknown);
    let mut ids: Vec<u16> = list.suites.iter().map(|s| s.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), list.suites.len(), "a suite listed twice");
});
