//! The environment-segregation pack, tree side (ENV-002, ENV-005, ENV-006):
//! secrets published in CHT's docs and charts, debug settings in production,
//! and CHT instances that would collide on one host. (Comparisons across
//! several environments are ENV-001/003/004/007.)

mod env002;
mod env005;
mod env006;

use crate::rules::Rule;

pub const RULES: &[Rule] = &[
    Rule {
        id: "ENV-002",
        check: env002::check,
    },
    Rule {
        id: "ENV-005",
        check: env005::check,
    },
    Rule {
        id: "ENV-006",
        check: env006::check,
    },
];
