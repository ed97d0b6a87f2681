#![no_main]
//! CHT app settings JSON (the reader that keeps each member's line): no
//! panic, bounded output, no value in any error.

use libfuzzer_sys::fuzz_target;
use rampart::facts::json;
use rampart_fuzz::*;

fn run(text: &str) {
    match json::parse(text) {
        Ok(j) => check_bounded("json", text.len(), &j),
        Err(e) => check_message("json", &e.to_string()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    run(text);
    if plantable(text) {
        planted(|| run(&plant_after_str(text, ": \"", |_| true)));
    }
});
