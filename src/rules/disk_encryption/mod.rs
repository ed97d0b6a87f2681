//! The disk-encryption pack, config-tree side (DISK-005): Kubernetes storage
//! for CHT that is not encrypted at rest. (DISK-001..004, the host's disks,
//! live beside.)

mod disk005;

use crate::rules::Rule;

pub const RULES: &[Rule] = &[Rule {
    id: "DISK-005",
    check: disk005::check,
}];
