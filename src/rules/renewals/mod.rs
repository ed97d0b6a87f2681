//! The renewals pack: certificates that expire within the policy's horizon
//! with nothing to renew them (RENEW-001), and domain registrations that
//! expire soon, from RDAP (RENEW-002).

mod renew001;
mod renew002;

use crate::rules::Rule;

pub const RULES: &[Rule] = &[
    Rule {
        id: "RENEW-001",
        check: renew001::check,
    },
    Rule {
        id: "RENEW-002",
        check: renew002::check,
    },
];
