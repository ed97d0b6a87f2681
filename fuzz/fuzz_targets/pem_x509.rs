#![no_main]
//! PEM files and X.509 certificates: the PEM reader (text) and the DER
//! analyser (bytes). No panic, bounded output, no key or body text in any
//! error.

use libfuzzer_sys::fuzz_target;
use rampart::facts::x509;
use rampart_fuzz::*;

fn run(text: &str) {
    match x509::parse_pem(text) {
        Ok(blocks) => check_bounded("pem", text.len(), &blocks),
        Err(e) => check_message("pem", &e),
    }
    match x509::parse_pem_der(text) {
        Ok(ders) => {
            for der in ders.iter().take(8) {
                match x509::analyze(der) {
                    Ok(c) => check_bounded("x509", der.len(), &c),
                    Err(e) => check_message("x509", &e),
                }
            }
        }
        Err(e) => check_message("pem", &e),
    }
}

fuzz_target!(|data: &[u8]| {
    match x509::analyze(data) {
        Ok(c) => {
            check_bounded("x509", data.len(), &c);
            let _ = (c.key.describe(), c.name(), c.names());
        }
        Err(e) => check_message("x509", &e),
    }
    let _ = x509::base64_decode(&String::from_utf8_lossy(data));
    let Some(text) = text(data) else { return };
    run(text);
    if plantable(text) {
        // Inside the armour only: the base64 body (a key's, perhaps).
        let mut p = String::new();
        for line in text.split_inclusive('\n') {
            if !line.trim_start().starts_with("-----") && !line.contains(':') {
                p.push_str(MARKER);
            }
            p.push_str(line);
        }
        planted(|| run(&p));
    }
});
