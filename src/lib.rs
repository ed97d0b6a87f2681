//! rampart: a security and privacy compliance scanner for Community Health
//! Toolkit (CHT) hosting. The pipeline is target → facts → rules → policy →
//! scan → report; each module's first doc line says what it owns.

pub mod catalog;
pub mod cli;
pub mod clock;
pub mod facts;
pub mod heap;
pub mod lifecycle;
pub mod outcome;
pub mod policy;
pub mod probe;
pub mod rdap;
pub mod report;
pub mod rules;
pub mod scan;
pub mod secret;
pub mod target;
pub mod timings;
pub mod tls;

/// Rule pages and built-in policies, embedded by `build.rs`.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
