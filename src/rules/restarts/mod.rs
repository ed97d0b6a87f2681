//! The restarts pack (RESTART): does the CHT instance come back by itself
//! after a power cut or a reboot? Compose services restart (RESTART-001),
//! the container engine starts at boot (RESTART-002), the filesystem holding
//! CHT data is mounted at boot (RESTART-003), and CouchDB's data is on
//! storage that outlives its container (RESTART-004).

mod restart001;
mod restart002;
mod restart003;
mod restart004;

use crate::rules::Rule;

pub const RULES: &[Rule] = &[
    Rule {
        id: "RESTART-001",
        check: restart001::check,
    },
    Rule {
        id: "RESTART-002",
        check: restart002::check,
    },
    Rule {
        id: "RESTART-003",
        check: restart003::check,
    },
    Rule {
        id: "RESTART-004",
        check: restart004::check,
    },
];
