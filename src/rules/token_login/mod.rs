//! The token-login pack (TOKEN): how people authenticate to a CHT
//! deployment and its host beyond a password.

mod token008;

use crate::rules::Rule;

pub const RULES: &[Rule] = &[Rule {
    id: "TOKEN-008",
    check: token008::check,
}];
