//! TLS-010 http-not-redirected-to-https: the plain HTTP port answers a
//! request with anything but a 301/308 redirect to an `https://` URL. A port
//! nobody listens on serves no plaintext: not applicable.

use crate::outcome::{Judgement, Outcome};
use crate::probe::PlainHttp;
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let p = match super::probe(ctx) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let loc = super::endpoint_location(ctx);
    let mut j = Judgement::new();
    match &p.http {
        None => {
            j.not_evaluated("http", format!("{}: plain HTTP was not probed", loc.path))
                .at(loc);
        }
        Some(PlainHttp::Skipped { why }) | Some(PlainHttp::Closed { why }) => {
            return crate::outcome::not_applicable(format!(
                "{}: no plain HTTP service ({why})",
                loc.path
            ));
        }
        Some(PlainHttp::Failed { why }) => {
            j.not_evaluated(
                "http",
                format!(
                    "{}: the plain HTTP port gave no usable answer: {why}",
                    loc.path
                ),
            )
            .at(loc);
        }
        Some(PlainHttp::Response { status, location }) => {
            let https = location
                .as_deref()
                .is_some_and(|l| l.len() > 8 && l[..8].eq_ignore_ascii_case("https://"));
            if matches!(status, 301 | 308) && https {
                j.pass_evidence("status", *status);
                j.pass_evidence("location", location.clone());
                j.checked(format!(
                    "HTTP {status} to {}",
                    location.as_deref().unwrap_or_default()
                ));
            } else {
                j.fail(
                    "http-redirect",
                    format!(
                        "{}: plain HTTP answers {status}{}; it should answer 301 or 308 to https:// (nginx: return 301 https://$host$request_uri;).",
                        loc.path,
                        location.as_deref().map(|l| format!(" with Location {l}")).unwrap_or_default()
                    ),
                )
                .at(loc)
                .evidence("status", *status)
                .evidence("location", location.clone());
            }
        }
    }
    j.finish("Plain HTTP redirects permanently to HTTPS.", "no probe")
}
