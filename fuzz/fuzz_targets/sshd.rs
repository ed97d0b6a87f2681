#![no_main]
//! sshd_config with `Include` (globs, relative and absolute) and `Match`
//! blocks, read from a temporary root: no panic, bounded output, no value in
//! any error.

use libfuzzer_sys::fuzz_target;
use rampart::facts::sshd::{self, Connection};
use rampart::target::root::{Confinement, Root};
use rampart_fuzz::*;

const NAMES: [&str; 4] = [
    "etc/ssh/sshd_config",
    "etc/ssh/sshd_config.d/10-a.conf",
    "etc/ssh/sshd_config.d/20-b.conf",
    "etc/ssh/extra.conf",
];

fn run(text: &str) {
    for (_, body) in files_of(text, &NAMES) {
        if let Err(e) = sshd::parse(body) {
            check_message("sshd", &e);
        }
    }
    let dir = tree(&files_of(text, &NAMES));
    let Ok(root) = Root::open(dir.path(), Confinement::Chroot) else {
        return;
    };
    let c = sshd::from_root(&root, "etc/ssh/sshd_config");
    // `Include` may read each file many times, up to the file budget
    // (found by the 10-minute campaign: a 681-byte input that includes
    // `sshd_config.d/*.conf` from inside those files gave 254x).
    check_bounded_expanded("sshd", text.len(), sshd::MAX_INCLUDED_FILES, &c);
    for (_, e) in &c.errors {
        check_message("sshd", e);
    }
    let conn = Connection {
        user: Some("root".to_string()),
        groups: vec!["wheel".to_string()],
        host: Some("example.org".to_string()),
        addr: Some("192.0.2.7".to_string()),
        laddr: Some("127.0.0.1".to_string()),
        lport: Some(22),
        rdomain: None,
    };
    for k in [
        "permitrootlogin",
        "passwordauthentication",
        "authenticationmethods",
    ] {
        let _ = c.effective(k, &conn);
        let _ = c.scopes(k);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    run(text);
    if plantable(text) {
        planted(|| {
            run(&plant_after(text, &[' ', '\t', '='], |l| {
                let l = l.to_ascii_lowercase();
                !l.starts_with("include") && !l.starts_with("match")
            }))
        });
    }
});
