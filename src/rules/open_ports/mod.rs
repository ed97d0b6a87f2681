//! The open-ports pack (PORT-001..007): which services are reachable from
//! outside the host, from live sockets, compose files, Kubernetes Services,
//! the Erlang cookie and CouchDB's anonymous access setting.

mod port001;
mod port002;
mod port003;
mod port004;
mod port005;
mod port006;
mod port007;
pub(crate) mod published;

use crate::facts::sockets::{Listener, Sockets};
use crate::outcome::{Judgement, Outcome};
use crate::rules::{Ctx, Rule};

pub const RULES: &[Rule] = &[
    Rule {
        id: "PORT-001",
        check: port001::check,
    },
    Rule {
        id: "PORT-002",
        check: port002::check,
    },
    Rule {
        id: "PORT-003",
        check: port003::check,
    },
    Rule {
        id: "PORT-004",
        check: port004::check,
    },
    Rule {
        id: "PORT-005",
        check: port005::check,
    },
    Rule {
        id: "PORT-006",
        check: port006::check,
    },
    Rule {
        id: "PORT-007",
        check: port007::check,
    },
];

/// What the service behind a well-known internal port is.
pub fn port_role(port: u16) -> &'static str {
    match port {
        5984 => "CouchDB",
        5986 => "CouchDB node-local API",
        4369 => "Erlang port mapper (epmd)",
        9100 => "Erlang distribution",
        5987 => "CouchDB nouveau search",
        5988 => "CHT API",
        5008 => "CHT upgrade service",
        5555 => "CHT healthcheck",
        5432 => "PostgreSQL",
        _ => "an internal service",
    }
}

/// The shared shape of PORT-001 and PORT-002: judge every listener on a
/// non-loopback address with `violation`, which returns a message for a
/// listener that breaks the rule.
fn judge_listeners(
    ctx: &Ctx,
    violation: impl Fn(&Listener, &Sockets) -> Option<String>,
) -> Vec<Outcome> {
    let sockets = ctx.facts.get::<Sockets>();
    if let Some(why) = sockets.unusable() {
        return crate::outcome::not_evaluated(why);
    }
    let target = ctx.target();
    let mut j = Judgement::new();
    let mut loopback = 0usize;
    for l in &sockets.listeners {
        if l.is_loopback() {
            loopback += 1;
            continue;
        }
        match violation(l, &sockets) {
            Some(message) => {
                j.fail(format!("{}/{}", l.proto, l.address()), message)
                    .at(target.location(l.rel).with_line(l.line))
                    .evidence("protocol", l.proto)
                    .evidence("address", l.address())
                    .evidence("port", l.port)
                    .evidence("scope", l.scope())
                    .evidence("process", sockets.owner_text(l))
                    .evidence("uid", l.uid);
            }
            None => j.checked(format!("{} {}", l.proto, l.address())),
        }
    }
    for rel in &sockets.read {
        j.checked(format!("/{rel}"));
    }
    j.pass_evidence("loopback_listeners", loopback);
    j.finish(
        "No listener on a public address breaks the rule.",
        "no socket tables",
    )
}
