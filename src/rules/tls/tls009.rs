//! TLS-009 publicly-known-certificate: a certificate whose private key is
//! public — one for `*.local-ip.medicmobile.org` (its key is downloadable),
//! or one of the test certificates cht-core ships in
//! `scripts/tls_certificates/` (matched by SHA-256 fingerprint).

use crate::facts::env_items::{EnvItems, Role};
use crate::facts::nginx::NginxTls;
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::rules::env_segregation::environment_of;
use crate::target::TargetKind;

/// SHA-256 fingerprints of cht-core `scripts/tls_certificates/*.crt`.
const KNOWN: [(&str, &str); 2] = [
    (
        "70:8C:30:6D:1D:A1:F4:E9:B7:FD:9F:4C:01:22:EB:75:BB:F6:1E:B1:74:24:5A:C8:AA:34:F5:9E:26:41:DF:D3",
        "cht-core scripts/tls_certificates/self-signed.crt",
    ),
    (
        "63:33:AB:69:9E:B0:EC:C7:9A:5A:6B:D2:AD:16:17:88:01:0A:B4:7E:D1:0A:8D:A4:49:CA:B3:F3:9A:BC:D5:B6",
        "cht-core scripts/tls_certificates/local-ip-expired.crt",
    ),
];

const LOCAL_IP: &str = "local-ip.medicmobile.org";

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    let subjects = match super::certs::subjects(ctx, &mut j) {
        Ok(s) => s,
        Err(o) => return o,
    };
    for s in &subjects {
        let known = KNOWN
            .iter()
            .find(|(fp, _)| *fp == s.cert.sha256)
            .map(|(_, what)| what.to_string());
        let local_ip = s
            .cert
            .names()
            .into_iter()
            .chain(s.cert.common_name.clone())
            .find(|n| {
                let n = n.to_ascii_lowercase();
                n == LOCAL_IP || n.ends_with(&format!(".{LOCAL_IP}"))
            });
        let why = match (known, local_ip) {
            (Some(what), _) => format!("it is {what}, whose private key is published with it"),
            (None, Some(name)) => format!(
                "it is for {name}: the local-ip.medicmobile.org key is public, so anyone can impersonate this server"
            ),
            (None, None) => {
                j.checked(s.label.clone());
                continue;
            }
        };
        j.fail(
            s.key.clone(),
            format!("{}: {why}. Replace it with a certificate for your own domain (Let's Encrypt or your CA).", s.label),
        )
        .at(s.location.clone())
        .evidence("sha256", s.cert.sha256.clone())
        .evidence("subject", s.cert.subject.clone());
    }
    if ctx.target().kind != TargetKind::Tls {
        local_ip_names(ctx, &mut j);
    }
    j.finish(
        "No certificate with a published private key.",
        "no certificates",
    )
}

/// Whether a host name is under local-ip.medicmobile.org.
fn is_local_ip(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == LOCAL_IP || h.ends_with(&format!(".{LOCAL_IP}"))
}

/// Instances a production configuration names under
/// `*.local-ip.medicmobile.org` (`app_url`, `COMMON_NAME`, Ingress hosts,
/// nginx `server_name`): the certificate for those names is served with its
/// key by design, so the name alone says the instance's TLS is public.
/// Outside production it is what the name is for (development).
fn local_ip_names(ctx: &Ctx, j: &mut Judgement) {
    let target = ctx.target();
    // Production, another environment, or unlabelled (then the name says
    // nothing either way: neither a finding nor a pass).
    let production = |rel: &str| {
        environment_of(ctx.policy, &target, rel).map(|e| ctx.policy.is_production(Some(&e)))
    };
    // The names under local-ip only (few), borrowed from the facts:
    // (host, file, line, setting).
    let items = ctx.facts.get::<EnvItems>();
    let nginx = ctx.facts.get::<NginxTls>();
    let served = items
        .hosts
        .iter()
        .filter(|h| h.role == Role::Serves)
        .map(|h| (h.host.as_str(), &*h.rel, h.line, &*h.setting));
    let server_names = nginx.servers.iter().flat_map(|srv| {
        srv.names
            .iter()
            .map(|n| (n.as_str(), &*srv.rel, Some(srv.line), "nginx server_name"))
    });
    let names: Vec<(&str, &str, Option<u32>, &str)> = served
        .chain(server_names)
        .filter(|(host, ..)| is_local_ip(host))
        .collect();
    for (host, rel, line, setting) in names {
        let loc = target.location(rel);
        let loc = match line {
            Some(l) => loc.with_line(l),
            None => loc,
        };
        match production(rel) {
            None => continue,
            Some(false) => {
                j.checked(format!("{} {setting} {host} (not production)", loc.path));
                continue;
            }
            Some(true) => {}
        }
        j.fail(
            format!("{rel}#{setting}#{host}"),
            format!(
                "{}: {setting} names {host}, under local-ip.medicmobile.org, in production: the certificate for those names is published with its private key, so anyone can impersonate this instance. Use your own domain and certificate.",
                loc.path
            ),
        )
        .at(loc)
        .evidence("host", host)
        .evidence("setting", setting);
    }
}
