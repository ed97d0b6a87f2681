#![no_main]
//! nginx configurations with `include` (globs, relative and absolute)
//! resolved in a temporary root, down to the TLS settings: no panic,
//! bounded output, no value in any error.

use libfuzzer_sys::fuzz_target;
use rampart::facts::nginx::{self, NginxTls};
use rampart::facts::{Facts, LoadOptions};
use rampart::target::Target;
use rampart_fuzz::*;

const NAMES: [&str; 5] = [
    "etc/nginx/nginx.conf",
    "etc/nginx/conf.d/a.conf",
    "etc/nginx/conf.d/b.conf",
    "etc/nginx/snippets/ssl.conf",
    "etc/nginx/sites-enabled/default",
];

fn run(text: &str) {
    for (_, body) in files_of(text, &NAMES) {
        match nginx::parse(body) {
            Ok(d) => {
                check_bounded("nginx", body.len(), &d);
                let _ = nginx::looks_like_nginx(&d);
            }
            Err(e) => check_message("nginx", &e),
        }
    }
    let dir = tree(&files_of(text, &NAMES));
    let Ok(target) = Target::host(dir.path(), "fuzz", false) else {
        return;
    };
    let facts = Facts::load(&target, &LoadOptions::default());
    let tls = facts.get::<NginxTls>();
    let copies = nginx::MAX_INCLUDED_FILES;
    check_bounded_expanded("nginx tls", text.len(), copies, &tls.settings);
    check_bounded_expanded("nginx tls", text.len(), copies, &tls.servers);
    for (_, e) in &tls.errors {
        check_message("nginx", e);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    run(text);
    if plantable(text) {
        planted(|| {
            run(&plant_after(text, &[' ', '\t'], |l| {
                !l.starts_with("include")
            }))
        });
    }
});
