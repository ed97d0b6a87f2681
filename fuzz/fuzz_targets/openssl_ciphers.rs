#![no_main]
//! The OpenSSL cipher-string evaluator (nginx `ssl_ciphers`): no panic, and
//! the list it yields is bounded by the suites it knows.

use libfuzzer_sys::fuzz_target;
use rampart::tls::openssl;

fuzz_target!(|data: &[u8]| {
    let Some(spec) = rampart_fuzz::text(data) else {
        return;
    };
    let list = openssl::evaluate(spec);
    rampart_fuzz::check_bounded("openssl", spec.len(), &list);
});
