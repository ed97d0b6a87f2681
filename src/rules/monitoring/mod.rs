//! The monitoring pack: production instances Watchdog does not watch
//! (MON-001), alerts that reach nobody (MON-002), no OS monitoring agent
//! (MON-003), a nearly full CouchDB data filesystem (MON-004), Watchdog on the
//! host it watches (MON-005), metrics endpoints exposed (MON-006).

mod mon001;
mod mon002;
mod mon003;
mod mon004;
mod mon005;
mod mon006;

use crate::rules::Rule;

pub const RULES: &[Rule] = &[
    Rule {
        id: "MON-001",
        check: mon001::check,
    },
    Rule {
        id: "MON-002",
        check: mon002::check,
    },
    Rule {
        id: "MON-003",
        check: mon003::check,
    },
    Rule {
        id: "MON-004",
        check: mon004::check,
    },
    Rule {
        id: "MON-005",
        check: mon005::check,
    },
    Rule {
        id: "MON-006",
        check: mon006::check,
    },
];
