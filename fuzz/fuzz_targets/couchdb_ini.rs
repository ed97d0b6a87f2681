#![no_main]
//! CouchDB ini files: no panic, bounded output, no value in any error.

use libfuzzer_sys::fuzz_target;
use rampart::facts::couchdb_ini;
use rampart_fuzz::*;

fn run(text: &str) {
    match couchdb_ini::parse(text) {
        Ok(f) => {
            check_bounded("ini", text.len(), &f);
            let _ = couchdb_ini::is_couchdb(&f);
        }
        Err(e) => check_message("ini", &e),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    run(text);
    if plantable(text) {
        planted(|| run(&plant_after(text, &['='], |l| !l.starts_with('['))));
    }
});
