//! PORT-002 internal-service-port-exposed: a non-loopback listener on a port
//! that must never be public (CouchDB, Erlang, CHT API, ...).

use crate::outcome::Outcome;
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let never = &ctx.policy.open_ports.never_public;
    super::judge_listeners(ctx, |l, sockets| {
        never.contains(&l.port).then(|| {
            format!(
                "{} ({} port {}) listens on {} ({}, process {}); it must only be reachable from the host or a private network.",
                super::port_role(l.port),
                l.proto.to_uppercase(),
                l.port,
                l.scope(),
                l.address(),
                sockets.owner_text(l),
            )
        })
    })
}
