//! TLS-012 nginx-legacy-protocols: an nginx `ssl_protocols` directive (with
//! `include`s resolved in the target) lists SSLv2, SSLv3, TLSv1 or TLSv1.1.
//! A TLS server without the directive gets nginx's default, which is modern
//! since nginx 1.23.4; the live probe (TLS-001) sees what is really served.

use crate::facts::nginx::NginxTls;
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

const LEGACY: [&str; 4] = ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1"];

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let nginx = ctx.facts.get::<NginxTls>();
    let target = ctx.target();
    let mut j = Judgement::new();
    for (rel, why) in &nginx.errors {
        let loc = target.location(rel);
        j.not_evaluated(rel.clone(), format!("{}: {why}", loc.path))
            .at(loc);
    }
    for s in nginx.settings.iter().filter(|s| s.name == "ssl_protocols") {
        let loc = target.location(&s.rel).with_line(s.line);
        let key = format!("{}#{}#ssl_protocols", s.rel, s.context);
        if s.value.contains('$') {
            j.not_evaluated(key, format!("{}: ssl_protocols is set from a variable ({}); render the template to judge it", loc.path, s.value))
                .at(loc);
            continue;
        }
        let legacy: Vec<&str> = s
            .value
            .split_whitespace()
            .filter(|p| LEGACY.contains(p))
            .collect();
        if legacy.is_empty() {
            j.checked(format!("{} ({}): {}", loc.path, s.context, s.value));
        } else {
            j.fail(
                key,
                format!(
                    "{} ({}): ssl_protocols enables {}; allow only TLSv1.2 TLSv1.3.",
                    loc.path,
                    s.context,
                    legacy.join(", ")
                ),
            )
            .at(loc)
            .evidence("ssl_protocols", s.value.clone())
            .evidence(
                "legacy",
                legacy.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            );
        }
    }
    for srv in nginx.servers.iter().filter(|s| s.protocols.is_none()) {
        let loc = target.location(&srv.rel).with_line(srv.line);
        j.checked(format!(
            "{} (server {}): no ssl_protocols, nginx's default applies (TLSv1.2 TLSv1.3 since 1.23.4)",
            loc.path,
            srv.names.first().map_or("", String::as_str)
        ));
    }
    if !nginx.unresolved.is_empty() {
        j.pass_evidence(
            "unresolved_includes",
            nginx
                .unresolved
                .iter()
                .map(|(rel, line, p)| format!("{}:{line}: {p}", target.location(rel).path))
                .collect::<Vec<_>>(),
        );
    }
    j.finish(
        "nginx allows only TLS 1.2 and 1.3.",
        "no nginx TLS configuration",
    )
}
