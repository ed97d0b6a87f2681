//! PORT-007 couchdb-anonymous-access: the effective CouchDB configuration
//! (ini files layered as CouchDB reads them) does not set `[chttpd]
//! require_valid_user = true`, CouchDB's default being `false`. Directories
//! that hold only credentials (the CHT image's credentials volume) describe
//! no server configuration and are not judged.

use crate::facts::couchdb_ini::CouchConfigs;
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let target = ctx.target();
    let configs = ctx.facts.get::<CouchConfigs>();
    let mut j = Judgement::new();
    for cfg in &configs.configs {
        let dir = if cfg.dir.is_empty() {
            ".".to_string()
        } else {
            target.location(&cfg.dir).path.to_string()
        };
        if !cfg.broken.is_empty() {
            for (rel, e) in &cfg.broken {
                let loc = target.location(rel);
                j.not_evaluated(rel.clone(), format!("{}: {e}", loc.path))
                    .at(loc);
            }
            continue;
        }
        if cfg.files.is_empty() || cfg.credentials_only() {
            continue;
        }
        let setting = cfg
            .get("chttpd", "require_valid_user")
            .map(|s| (s, s.value.eq_ignore_ascii_case("true")));
        let except_up = cfg
            .get("chttpd", "require_valid_user_except_for_up")
            .is_some_and(|s| s.value.eq_ignore_ascii_case("true"));
        match setting {
            Some((_, true)) => j.checked(format!("{dir}: require_valid_user = true")),
            _ if except_up => j.checked(format!("{dir}: require_valid_user_except_for_up = true")),
            Some((s, false)) => {
                j.fail(
                    format!("{}#chttpd/require_valid_user", cfg.dir),
                    format!(
                        "[chttpd] require_valid_user is {:?}: CouchDB answers anonymous requests. Set it to true.",
                        s.value
                    ),
                )
                .at(target.location(&s.rel).with_line(s.line))
                .evidence("value", s.value.clone())
                .evidence("files", cfg.files.iter().map(|f| target.location(f).path).collect::<Vec<_>>());
            }
            None => {
                let last = cfg.files.last().expect("non-empty");
                j.fail(
                    format!("{}#chttpd/require_valid_user", cfg.dir),
                    format!(
                        "No file of the CouchDB config in {dir} sets [chttpd] require_valid_user, so CouchDB's default (false) applies and anonymous requests are answered. Set it to true."
                    ),
                )
                .at(target.location(last))
                .evidence("files", cfg.files.iter().map(|f| target.location(f).path).collect::<Vec<_>>());
            }
        }
    }
    j.finish(
        "Every CouchDB configuration requires a valid user.",
        "no CouchDB server configuration (ini files)",
    )
}
