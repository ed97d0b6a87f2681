//! PRIV-001 couchdb-cors-open: CouchDB answers cross-origin requests from any
//! web page with the signed-in user's cookie: `[cors] origins = *` with
//! `credentials = true`, or CORS enabled (`[chttpd] enable_cors = true`)
//! with a wildcard origin. Judged on the effective (layered) configuration
//! of each CouchDB config directory.

use crate::facts::couchdb_ini::CouchConfigs;
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

fn truthy(v: &str) -> bool {
    v.trim().eq_ignore_ascii_case("true")
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let configs = ctx.facts.get::<CouchConfigs>();
    let target = ctx.target();
    let mut j = Judgement::new();
    for cfg in &configs.configs {
        for (rel, e) in &cfg.broken {
            let loc = target.location(rel);
            j.not_evaluated(rel.clone(), format!("{}: {e}", loc.path))
                .at(loc);
        }
        if cfg.credentials_only() {
            continue;
        }
        let enabled = cfg
            .get("chttpd", "enable_cors")
            .or_else(|| cfg.get("httpd", "enable_cors"));
        let origins = cfg.get("cors", "origins");
        let credentials = cfg.get("cors", "credentials");
        let wildcard = origins.is_some_and(|o| o.value.split(',').any(|x| x.trim() == "*"));
        let on = enabled.is_some_and(|e| truthy(&e.value));
        let creds = credentials.is_some_and(|c| truthy(&c.value));
        match origins {
            Some(o) if wildcard && (on || creds) => {
                let why = match (on, creds) {
                    (true, true) => {
                        "CORS is enabled for every origin with credentials = true: any web page a signed-in user visits can read and write the CHT data with their session cookie"
                    }
                    (true, false) => {
                        "CORS is enabled for every origin: any web page can call CouchDB from a user's browser"
                    }
                    _ => {
                        "[cors] allows every origin with credentials = true: the moment CORS is enabled, any page can use a signed-in user's session"
                    }
                };
                j.fail(
                    format!("{}#cors", cfg.dir),
                    format!(
                        "CouchDB {why}. List the origins that need access (`origins = https://cht.example.org`) or disable CORS."
                    ),
                )
                .at(target.location(&o.rel).with_line(o.line))
                .evidence("origins", o.value.clone());
            }
            _ => j.checked(format!(
                "{}: CORS {}",
                if cfg.dir.is_empty() { "." } else { &cfg.dir },
                if on {
                    "enabled for listed origins"
                } else {
                    "not enabled with a wildcard"
                }
            )),
        }
    }
    j.finish(
        "CouchDB's CORS does not open the data to every web page.",
        "no CouchDB configuration found",
    )
}
