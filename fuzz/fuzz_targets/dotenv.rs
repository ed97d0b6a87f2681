#![no_main]
//! `.env` parser: no panic, bounded output, no value in any error.

use libfuzzer_sys::fuzz_target;
use rampart::facts::dotenv;
use rampart_fuzz::*;

fn run(text: &str) {
    match dotenv::parse(text) {
        Ok(env) => {
            check_bounded("dotenv", text.len(), &env);
            for e in &env.entries {
                let _ = e.shown();
            }
        }
        Err(e) => check_message("dotenv", &e.to_string()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    run(text);
    if plantable(text) {
        planted(|| run(&plant_after(text, &['='], |_| true)));
    }
});
