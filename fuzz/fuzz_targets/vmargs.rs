#![no_main]
//! CouchDB `vm.args`: no panic, bounded output, no value (the Erlang cookie)
//! in any error.

use libfuzzer_sys::fuzz_target;
use rampart::facts::vmargs;
use rampart_fuzz::*;

fn run(text: &str) {
    match vmargs::parse(text) {
        Ok(v) => {
            check_bounded("vm.args", text.len(), &v);
            let _ = v.flag("-setcookie");
            let _ = v.kernel("inet_dist_listen_min");
        }
        Err(e) => check_message("vm.args", &e),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    run(text);
    if plantable(text) {
        planted(|| {
            run(&plant_after(text, &[' ', '\t'], |l| {
                l.starts_with(['-', '+'])
            }))
        });
    }
});
