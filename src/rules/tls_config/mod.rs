//! The TLS pack, configuration side of a CHT deployment (TLS-014, TLS-016,
//! TLS-017): CHT's certificate mode, Kubernetes ingresses without TLS, and
//! service URLs that go over plain HTTP. (Live probes and nginx/PEM files
//! are the `tls` module's.)

mod tls014;
mod tls016;
mod tls017;

use crate::rules::Rule;

pub const RULES: &[Rule] = &[
    Rule {
        id: "TLS-014",
        check: tls014::check,
    },
    Rule {
        id: "TLS-016",
        check: tls016::check,
    },
    Rule {
        id: "TLS-017",
        check: tls017::check,
    },
];
