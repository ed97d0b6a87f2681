//! The password-policy pack (PASS): how accounts, passwords and password
//! logins are governed — password aging, length and quality (login.defs,
//! PAM, pwquality), hash schemes and empty passwords (shadow), sshd's
//! password, root and empty-password logins, and login lockout.

pub(crate) mod pam_stacks;
mod pass001;
mod pass002;
mod pass003;
mod pass004;
mod pass005;
mod pass006;
mod pass007;
mod pass008;
mod pass009;
pub(crate) mod sshd_scopes;

use crate::rules::Rule;

pub const RULES: &[Rule] = &[
    Rule {
        id: "PASS-001",
        check: pass001::check,
    },
    Rule {
        id: "PASS-002",
        check: pass002::check,
    },
    Rule {
        id: "PASS-003",
        check: pass003::check,
    },
    Rule {
        id: "PASS-004",
        check: pass004::check,
    },
    Rule {
        id: "PASS-005",
        check: pass005::check,
    },
    Rule {
        id: "PASS-006",
        check: pass006::check,
    },
    Rule {
        id: "PASS-007",
        check: pass007::check,
    },
    Rule {
        id: "PASS-008",
        check: pass008::check,
    },
    Rule {
        id: "PASS-009",
        check: pass009::check,
    },
];
