//! PORT-001 listener-not-allowed: a socket listens on a non-loopback address
//! on a port outside the policy's allowlist. Ports that must never be public
//! are PORT-002's, so they are not reported twice.

use crate::outcome::Outcome;
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let ports = &ctx.policy.open_ports;
    let allowed = ports
        .allowed
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    super::judge_listeners(ctx, |l, sockets| {
        if ports.allowed.contains(&l.port) || ports.never_public.contains(&l.port) {
            return None;
        }
        Some(format!(
            "{} port {} listens on {} ({}, process {}); the policy allows public listeners only on {}.",
            l.proto.to_uppercase(),
            l.port,
            l.scope(),
            l.address(),
            sockets.owner_text(l),
            if allowed.is_empty() {
                "no port"
            } else {
                &allowed
            },
        ))
    })
}
