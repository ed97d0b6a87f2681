//! TLS-017 plaintext-service-url: a URL CHT or its tools use to reach another
//! host is `http://` and the host is not local: `app_url` and outbound
//! `base_url` in app settings, `*_URL` settings of compose and dotenv files
//! (`MARKET_URL_READ`, `COUCH_URL`...), helm `upstream_servers.builds_url`,
//! and CHT Watchdog's scrape targets. Loopback, single-label names (compose
//! and Kubernetes service names), `.local`, `.internal` and cluster-local
//! names stay on the host or its private network and are not findings.

use std::net::IpAddr;

use crate::facts::cht_settings::{ChtSettings, Value};
use crate::facts::json::Json;
use crate::facts::{Kind, Parsed};
use crate::outcome::{Judgement, Location, Outcome};
use crate::rules::Ctx;
use crate::rules::password_policy::{each_parsed, setting_location};
use crate::secret::mask_url_credentials;

/// The host of an `http://` URL; `None` for any other scheme.
fn http_host(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = url
        .get(..7)
        .filter(|s| s.eq_ignore_ascii_case("http://"))
        .map(|_| &url[7..])?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let hostport = authority.rsplit('@').next().unwrap_or_default();
    let host = if let Some(v6) = hostport.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        hostport.split(':').next().unwrap_or_default()
    };
    Some(host.to_ascii_lowercase())
}

/// Whether a host name stays on the machine or its container network.
pub fn is_local_host(host: &str) -> bool {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return ip.is_loopback() || ip.is_unspecified();
    }
    let host = host.trim_end_matches('.');
    host.is_empty()
        || host.contains('$')
        || !host.contains('.')
        || host == "localhost"
        || [
            ".localhost",
            ".local",
            ".internal",
            ".svc",
            ".cluster.local",
            ".svc.cluster.local",
        ]
        .iter()
        .any(|s| host.ends_with(s))
}

/// The text with every `${...}` and `$NAME` reference replaced by `$`, so the
/// parts of a URL written literally (scheme, host) can be read.
fn blank_variables(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        out.push('$');
        match chars.peek() {
            Some('{') => {
                let mut depth = 0;
                for c in chars.by_ref() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            Some(c) if c.is_ascii_alphanumeric() || *c == '_' => {
                while chars
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    out
}

/// Judges one URL; `key` is asked for only when it fails.
fn judge_url(
    j: &mut Judgement,
    key: impl FnOnce() -> String,
    what: &str,
    url: &str,
    loc: Location,
) {
    let Some(host) = http_host(url) else {
        j.checked([&*loc.path, " ", what].concat());
        return;
    };
    if is_local_host(&host) {
        j.checked(format!("{} {what} (local host {host})", loc.path));
        return;
    }
    let shown = mask_url_credentials(url.trim());
    j.fail(
        key(),
        format!(
            "{what} is {shown:?}: plain HTTP to {host}, so the traffic (and any credentials or tokens in it) can be read and changed on the way. Use https://."
        ),
    )
    .at(loc)
    .evidence("url", shown)
    .evidence("host", host);
}

fn outbound(j: &mut Judgement, rel: &str, settings: &Json, loc: &Location) {
    let Some(out) = settings.get("outbound") else {
        return;
    };
    for (name, _, push) in out.members() {
        if let Some(base) = push.get("destination").and_then(|d| d.get("base_url"))
            && let Some(url) = base.as_str()
        {
            judge_url(
                j,
                || format!("{rel}#outbound.{name}.destination.base_url"),
                &format!("outbound.{name}.destination.base_url"),
                url,
                loc.clone().with_line(base.line),
            );
        }
    }
}

// Reads app settings' app_url and outbound.*.destination.base_url only:
// listed in `rules::APP_SETTINGS_READ` (the rest is pruned before rules run).
pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    each_parsed(ctx, &mut j, Kind::AppSettings, |j, doc, parsed, loc| {
        let Parsed::AppSettings(settings) = parsed else {
            return;
        };
        if let Some(url) = settings.get("app_url")
            && let Some(text) = url.as_str()
        {
            judge_url(
                j,
                || format!("{}#app_url", doc.rel),
                "app_url",
                text,
                loc.clone().with_line(url.line),
            );
        }
        outbound(j, &doc.rel, settings, &loc);
    });
    each_parsed(ctx, &mut j, Kind::Watchdog, |j, doc, parsed, loc| {
        let Parsed::Watchdog(instances) = parsed else {
            return;
        };
        for t in &instances.targets {
            judge_url(
                j,
                || format!("{}#{}", doc.rel, t.raw),
                "a CHT Watchdog target",
                &t.raw,
                loc.clone().with_line(t.line),
            );
        }
    });
    let settings = ctx.facts.get::<ChtSettings>();
    // (A byte window, not `str::contains`: a searcher built per setting
    // was most of this loop on a large tree.)
    let url_key = |k: &str| k.as_bytes().windows(3).any(|w| w == b"URL");
    for s in settings.settings.iter().filter(|s| url_key(&s.key)) {
        let loc = setting_location(ctx, s);
        match &s.value {
            Value::Set { value, .. } => {
                judge_url(&mut j, || s.logical_key(), &s.written, value.expose(), loc)
            }
            Value::Unresolved(why) => {
                // The host is often known even when a password in the URL is not.
                let blanked = s.raw.interpolated().map(blank_variables);
                match blanked.as_deref().and_then(http_host) {
                    Some(host) if !host.contains('$') => {
                        let raw = blanked.clone().unwrap_or_default();
                        judge_url(&mut j, || s.logical_key(), &s.written, &raw, loc);
                    }
                    _ if s
                        .raw
                        .interpolated()
                        .is_some_and(|r| r.trim_start().starts_with("https://")) =>
                    {
                        j.checked([&*loc.path, " ", &s.written].concat());
                    }
                    _ => {
                        j.not_evaluated(
                            s.logical_key(),
                            format!(
                                "{} ({}): the URL cannot be known: {why}",
                                s.written,
                                s.context()
                            ),
                        )
                        .at(loc);
                    }
                }
            }
        }
    }
    j.finish(
        "Every service URL found uses https:// or stays on the host.",
        "no service URLs (app_url, outbound, *_URL settings, helm builds_url, Watchdog targets)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            http_host("http://admin:p@haproxy:5984/medic").as_deref(),
            Some("haproxy")
        );
        assert_eq!(
            http_host("HTTP://Example.org/x").as_deref(),
            Some("example.org")
        );
        assert_eq!(http_host("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(http_host("https://example.org"), None);
        assert!(is_local_host("haproxy"));
        assert!(is_local_host("couchdb-1.local"));
        assert!(is_local_host("127.0.0.1"));
        assert!(is_local_host("::1"));
        assert!(is_local_host("api.default.svc.cluster.local"));
        assert!(!is_local_host("example.com"));
        assert!(!is_local_host("10.0.0.5"));
        let raw = "http://${U:-admin}:${P:?P must be set}@haproxy:${PORT:-5984}/medic";
        assert_eq!(blank_variables(raw), "http://$:$@haproxy:$/medic");
        assert_eq!(
            http_host(&blank_variables("http://${HOST}/x")).as_deref(),
            Some("$")
        );
    }
}
