#![no_main]
//! Helm values: the YAML reader and the layered merge. No panic, bounded
//! output, no value in any error.

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use rampart::facts::{helm, yaml};
use rampart_fuzz::*;

fn run(text: &str) {
    let mut values = BTreeMap::new();
    // Two layers: the input over itself, as base and override.
    for part in text.splitn(2, "\n---\n") {
        match yaml::parse(part) {
            Ok(docs) => {
                for d in &docs {
                    let _ = helm::looks_like_cht_values(d);
                    helm::merge(&mut values, d, "values.yaml");
                }
            }
            Err(e) => check_message("yaml", &e.to_string()),
        }
    }
    check_bounded("helm", text.len(), &values);
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    run(text);
    if plantable(text) {
        planted(|| run(&plant_after_str(text, ": ", |_| true)));
    }
});
