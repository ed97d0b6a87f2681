#![no_main]
//! `pwquality.conf`: no panic, bounded output.

use libfuzzer_sys::fuzz_target;
use rampart::facts::pwquality;

fuzz_target!(|data: &[u8]| {
    let Some(text) = rampart_fuzz::text(data) else {
        return;
    };
    let f = pwquality::parse(text);
    rampart_fuzz::check_bounded("pwquality", text.len(), &f);
    for e in &f.entries {
        assert!(
            e.line as usize <= text.lines().count().max(1),
            "pwquality: a line past the end"
        );
    }
});
