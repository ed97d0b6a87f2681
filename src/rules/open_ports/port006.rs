//! PORT-006 erlang-cookie-default: `vm.args` sets `-setcookie` to a value
//! published in CHT's and CouchDB's sources. Anyone who can reach the Erlang
//! distribution port with that cookie runs code inside CouchDB.

use crate::facts::{Kind, Parsed};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

/// Cookies shipped in public sources: cht-core's `couchdb/vm.args` and the
/// Apache CouchDB default.
const PUBLISHED: [&str; 2] = ["cht-couchdb-cluster", "monster"];

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let target = ctx.target();
    let mut j = Judgement::new();
    for doc in ctx.facts.docs_of(Kind::VmArgs) {
        let location = target.location(&doc.rel);
        let args = match &doc.content {
            Ok(Parsed::VmArgs(a)) => a,
            Ok(_) => continue,
            Err(e) => {
                j.not_evaluated(doc.rel.to_string(), format!("{}: {e}", location.path))
                    .at(location);
                continue;
            }
        };
        let Some(flag) = args.flag("-setcookie") else {
            j.checked(format!(
                "{} (no -setcookie: CouchDB reads the cookie from ~/.erlang.cookie)",
                location.path
            ));
            continue;
        };
        let cookie = flag
            .cookie
            .as_ref()
            .expect("-setcookie flags carry the cookie");
        if PUBLISHED.contains(&cookie.expose()) {
            j.fail(
                format!("{}#-setcookie", doc.rel),
                "vm.args sets the Erlang cookie to a value published in CouchDB/CHT sources; anyone who reaches the distribution port can run code in CouchDB. Set a long random cookie (COUCHDB_COOKIE or -setcookie).",
            )
            .at(location.with_line(flag.line))
            .evidence("cookie", cookie);
        } else {
            j.checked(location.path.to_string());
        }
    }
    j.finish(
        "No vm.args uses a published Erlang cookie.",
        "no vm.args files",
    )
}
