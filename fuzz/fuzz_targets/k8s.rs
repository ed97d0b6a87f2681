#![no_main]
//! Kubernetes manifests: the YAML reader, objects, Services and their
//! ports. No panic, bounded output, no value in any error.

use libfuzzer_sys::fuzz_target;
use rampart::facts::{k8s, yaml};
use rampart_fuzz::*;

fn run(text: &str) {
    let docs = match yaml::parse(text) {
        Ok(d) => d,
        Err(e) => return check_message("yaml", &e.to_string()),
    };
    let _ = docs.iter().any(k8s::looks_like_k8s);
    let objects = k8s::objects(&docs);
    check_bounded("k8s", text.len(), &objects);
    for o in &objects {
        let _ = (o.service_type(), o.selector());
        check_bounded("k8s ports", text.len(), &o.service_ports());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    run(text);
    if plantable(text) {
        planted(|| run(&plant_after_str(text, ": ", |_| true)));
    }
});
