#![no_main]
//! `/etc/login.defs`: no panic, bounded output, numbers read like shadow.

use libfuzzer_sys::fuzz_target;
use rampart::facts::login_defs;

fuzz_target!(|data: &[u8]| {
    let Some(text) = rampart_fuzz::text(data) else {
        return;
    };
    let d = login_defs::parse(text);
    rampart_fuzz::check_bounded("login.defs", text.len(), &d);
    for s in &d.settings {
        let _ = d.number(&s.key);
    }
});
