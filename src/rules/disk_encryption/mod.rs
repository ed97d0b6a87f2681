//! The disk-encryption pack (DISK): is data on the host encrypted at rest —
//! the root filesystem, the filesystems holding CHT data, swap, and the key
//! files crypttab uses — judged from the block-layer facts.

mod disk001;
mod disk002;
mod disk003;
mod disk004;

use crate::rules::Rule;

pub const RULES: &[Rule] = &[
    Rule {
        id: "DISK-001",
        check: disk001::check,
    },
    Rule {
        id: "DISK-002",
        check: disk002::check,
    },
    Rule {
        id: "DISK-003",
        check: disk003::check,
    },
    Rule {
        id: "DISK-004",
        check: disk004::check,
    },
];
