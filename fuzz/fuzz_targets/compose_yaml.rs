#![no_main]
//! Compose files: the YAML reader, then the compose model and its
//! interpolation. No panic, bounded output, no value in any error.

use libfuzzer_sys::fuzz_target;
use rampart::facts::{compose, yaml};
use rampart_fuzz::*;

fn run(text: &str) {
    let docs = match yaml::parse(text) {
        Ok(d) => d,
        Err(e) => return check_message("yaml", &e.to_string()),
    };
    check_bounded("yaml", text.len(), &docs);
    for doc in &docs {
        let _ = compose::looks_like_compose(doc);
        match compose::from_yaml(doc) {
            Ok(c) => check_bounded("compose", text.len(), &c),
            Err(e) => check_message("compose", &e.to_string()),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    run(text);
    if plantable(text) {
        let p = plant_after_str(text, ": ", |l| !l.starts_with("- "));
        planted(|| run(&plant_after(&p, &['='], |l| l.starts_with("- "))));
    }
});
