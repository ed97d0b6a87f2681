//! TLS-011 hsts-missing: the HTTPS response lacks `Strict-Transport-Security`
//! with a `max-age` of at least the policy's `hsts-min-age` (one year).

use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
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
