//! TLS-011 hsts-missing: the HTTPS response lacks `Strict-Transport-Security`
//! with a `max-age` of at least the policy's `hsts-min-age` (one year) —
//! read live from a TLS endpoint, or statically from the nginx configuration
//! of a tree or host (a server that terminates TLS without the header).

use crate::facts::nginx::NginxTls;
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::target::TargetKind;

/// The `max-age` of a `Strict-Transport-Security` header value.
fn max_age(value: &str) -> Option<u64> {
    let lower = value.to_ascii_lowercase();
    let rest = &lower[lower.find("max-age")? + "max-age".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let rest = rest.trim_start_matches(['"', '\'']);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The nginx servers of a tree or host that terminate TLS.
fn check_static(ctx: &Ctx) -> Vec<Outcome> {
    let nginx = ctx.facts.get::<NginxTls>();
    let target = ctx.target();
    let min = ctx.policy.tls.hsts_min_age;
    let mut j = Judgement::new();
    for (rel, why) in &nginx.errors {
        let loc = target.location(rel);
        j.not_evaluated(rel.clone(), format!("{}: {why}", loc.path))
            .at(loc);
    }
    for srv in &nginx.servers {
        let name = srv.names.first().map_or("(no server_name)", String::as_str);
        let loc = target.location(&srv.rel).with_line(srv.line);
        let key = format!("{}#server {name}#hsts", srv.rel);
        let what = match &srv.hsts {
            Some(h) if h.value.contains('$') => {
                j.checked_with(|| {
                    format!(
                        "{} (server {name}): Strict-Transport-Security set from a variable",
                        loc.path
                    )
                });
                continue;
            }
            Some(h) => match max_age(&h.value) {
                Some(age) if age >= min => {
                    j.checked_with(|| format!("{} (server {name}): HSTS max-age {age}", loc.path));
                    continue;
                }
                Some(age) => format!("Strict-Transport-Security max-age={age}, below {min}"),
                None => "a Strict-Transport-Security header without a valid max-age".to_string(),
            },
            None => "no add_header Strict-Transport-Security".to_string(),
        };
        j.fail(
            key,
            format!(
                "{} (server {name}): this TLS server has {what}, so browsers may be kept on plain HTTP; add `add_header Strict-Transport-Security \"max-age=31536000\" always;`.",
                loc.path
            ),
        )
        .at(loc)
        .evidence("server", name.to_string())
        .evidence("min_age", min);
    }
    j.finish(
        "Every nginx server that terminates TLS sends HSTS for at least a year.",
        "no nginx server terminating TLS",
    )
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    if ctx.target().kind != TargetKind::Tls {
        return check_static(ctx);
    }
    let p = match super::probe(ctx) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let loc = super::endpoint_location(ctx);
    let min = ctx.policy.tls.hsts_min_age;
    let mut j = Judgement::new();
    match &p.https {
        Some(Ok(r)) => match r.hsts_max_age() {
            Some(Ok(age)) if age >= min => {
                j.pass_evidence("max_age", age);
                j.checked(format!("HSTS max-age {age}"));
            }
            found => {
                let what = match found {
                    None => "no Strict-Transport-Security header".to_string(),
                    Some(Ok(age)) => {
                        format!("Strict-Transport-Security max-age={age}, below {min}")
                    }
                    Some(Err(e)) => format!("an invalid Strict-Transport-Security header ({e})"),
                };
                j.fail(
                    "hsts",
                    format!(
                        "{}: the HTTPS response (HTTP {}) has {what}; add `add_header Strict-Transport-Security \"max-age=31536000\" always;`.",
                        loc.path, r.status
                    ),
                )
                .at(loc)
                .evidence("status", r.status)
                .evidence("header", r.header("strict-transport-security").map(str::to_string))
                .evidence("min_age", min);
            }
        },
        Some(Err(why)) => {
            j.not_evaluated(
                "hsts",
                format!("{}: no HTTPS response to read: {why}", loc.path),
            )
            .at(loc);
        }
        None => {
            j.not_evaluated("hsts", format!("{}: HTTPS was not requested", loc.path))
                .at(loc);
        }
    }
    j.finish("HSTS is set for at least a year.", "no probe")
}

#[cfg(test)]
mod tests {
    use super::max_age;

    #[test]
    fn max_ages() {
        assert_eq!(
            max_age("Strict-Transport-Security max-age=31536000 always"),
            Some(31_536_000)
        );
        assert_eq!(
            max_age("Strict-Transport-Security \"max-age=300; includeSubDomains\""),
            Some(300)
        );
        assert_eq!(max_age("Strict-Transport-Security includeSubDomains"), None);
    }
}
