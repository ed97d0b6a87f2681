#![no_main]
//! PAM service files and their stacks with `include`, `substack` and
//! `@include` between the files of one directory: no panic, bounded
//! output, short errors.

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use rampart::facts::pam::{self, PamDir, PamType};
use rampart::facts::system::SystemFile;
use rampart_fuzz::*;

const NAMES: [&str; 6] = [
    "sshd",
    "common-auth",
    "system-auth",
    "password-auth",
    "other",
    "login",
];

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    let mut files = BTreeMap::new();
    for (name, body) in files_of(text, &NAMES) {
        let parsed = pam::parse(body);
        check_bounded("pam", body.len(), &parsed);
        files.insert(
            name.to_string(),
            SystemFile {
                rel: format!("etc/pam.d/{name}"),
                content: Ok(parsed),
            },
        );
    }
    let dir = PamDir {
        dirs: vec!["etc/pam.d".to_string()],
        files,
        errors: Vec::new(),
    };
    for service in ["sshd", "login", "passwd"] {
        for ty in [
            PamType::Auth,
            PamType::Account,
            PamType::Password,
            PamType::Session,
        ] {
            match dir.stack(service, ty) {
                Ok(s) => check_bounded_expanded("pam stack", text.len(), pam::MAX_INCLUDED_FILES, &s),
                Err(e) => check_message("pam stack", &format!("{e:?}")),
            }
        }
    }
});
