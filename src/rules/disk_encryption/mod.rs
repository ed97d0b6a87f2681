//! The disk-encryption pack (DISK): is data encrypted at rest — on a host,
//! the root filesystem, the filesystems holding CHT data, swap, and the key
//! files crypttab uses, judged from the block-layer facts (DISK-001..004);
//! in Kubernetes configs, the storage CHT's volumes use (DISK-005).

mod disk001;
mod disk002;
mod disk003;
mod disk004;
mod disk005;

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
    Rule {
        id: "DISK-005",
        check: disk005::check,
    },
];
