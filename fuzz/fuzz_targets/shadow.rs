#![no_main]
//! `/etc/shadow` and `/etc/passwd`: no panic, bounded output, and never the
//! password hash in an error.

use libfuzzer_sys::fuzz_target;
use rampart::facts::shadow;
use rampart_fuzz::*;

fn run(text: &str) {
    match shadow::parse_shadow(text) {
        Ok(s) => check_bounded("shadow", text.len(), &s),
        Err(e) => check_message("shadow", &e),
    }
    match shadow::parse_passwd(text) {
        Ok(p) => check_bounded("passwd", text.len(), &p),
        Err(e) => check_message("passwd", &e),
    }
    for line in text.lines().take(64) {
        let _ = shadow::classify(line.split(':').nth(1).unwrap_or(line));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    run(text);
    if plantable(text) {
        planted(|| run(&plant_after(text, &[':'], |_| true)));
    }
});
