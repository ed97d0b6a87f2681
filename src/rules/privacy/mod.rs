//! The privacy pack (PRIV): the patient data and its copies. CouchDB's CORS
//! (PRIV-001), the PostgreSQL that cht-sync fills with a copy of the data
//! (PRIV-002), the analytics tools around it running with published
//! defaults (PRIV-003), and containers that control the host (PRIV-004).

mod priv001;
mod priv002;
mod priv003;
mod priv004;

use crate::facts::compose::{Project, Service};
use crate::rules::Rule;

pub const RULES: &[Rule] = &[
    Rule {
        id: "PRIV-001",
        check: priv001::check,
    },
    Rule {
        id: "PRIV-002",
        check: priv002::check,
    },
    Rule {
        id: "PRIV-003",
        check: priv003::check,
    },
    Rule {
        id: "PRIV-004",
        check: priv004::check,
    },
];

/// A value compose cannot interpolate (a `${VAR:?error}`, a syntax error).
#[derive(Debug)]
pub struct Uninterpolable;

/// A service's environment variable after interpolation, with its line:
/// `Ok(None)` when unset, `Err` when it cannot be interpolated.
pub fn env_value(
    p: &Project,
    svc: &Service,
    key: &str,
) -> Result<Option<(String, u32)>, Uninterpolable> {
    let Some(e) = svc.environment.iter().rev().find(|e| e.key == key) else {
        return Ok(None);
    };
    let Some(v) = &e.value else {
        return Ok(p.vars.lookup(key).map(|v| (v.to_string(), e.line)));
    };
    p.vars
        .resolve(v)
        .map(|i| Some((i.value, e.line)))
        .map_err(|_| Uninterpolable)
}
