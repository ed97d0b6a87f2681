//! PRIV-003 analytics-default-credentials: the tools around cht-sync's copy
//! of the patient data run with published defaults: pgAdmin's
//! `PGADMIN_DEFAULT_PASSWORD` (cht-sync's compose defaults it to `admin`)
//! or desktop mode (`PGADMIN_CONFIG_SERVER_MODE` False: no login at all)
//! on a published port; Superset's `SUPERSET_SECRET_KEY` or admin password
//! from its docs; `POSTGRES_PASSWORD` from an example (`postgres` in
//! cht-sync's env.template). Values are compared, never printed.

use crate::facts::compose::{ComposeProjects, image_name, parse_port};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::rules::privacy::env_value;

/// Passwords published in docs, templates and quick starts.
const DEFAULT_PASSWORDS: [&str; 10] = [
    "admin", "password", "postgres", "pgadmin", "example", "changeme", "root", "secret",
    "superset", "123456",
];
/// Secret keys published by Superset (its config default and docker
/// quick start) and in common guides.
const DEFAULT_SECRET_KEYS: [&str; 6] = [
    "TEST_NON_DEV_SECRET",
    "thisISaSECRET_1234",
    "\\2\\1thisismyscretkey\\1\\2\\e\\y\\y\\h",
    "YOUR_OWN_RANDOM_GENERATED_SECRET_KEY",
    "your_secret_key_here",
    "CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET",
];

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let projects = ctx.facts.get::<ComposeProjects>();
    let target = ctx.target();
    let mut j = Judgement::new();
    for p in &projects.projects {
        if crate::facts::inventory::is_example(&p.rel) {
            continue;
        }
        for svc in &p.file.services {
            let Some(image) = &svc.image else { continue };
            let name = image_name(&image.raw).to_ascii_lowercase();
            let checks: &[(&str, &[&str], &str)] = if name.contains("pgadmin") {
                &[(
                    "PGADMIN_DEFAULT_PASSWORD",
                    &DEFAULT_PASSWORDS,
                    "pgAdmin's login password",
                )]
            } else if name.contains("superset") {
                &[
                    (
                        "SUPERSET_SECRET_KEY",
                        &DEFAULT_SECRET_KEYS,
                        "Superset's session-signing key",
                    ),
                    (
                        "ADMIN_PASSWORD",
                        &DEFAULT_PASSWORDS,
                        "Superset's admin password",
                    ),
                    (
                        "SUPERSET_ADMIN_PASSWORD",
                        &DEFAULT_PASSWORDS,
                        "Superset's admin password",
                    ),
                ]
            } else if name == "postgres" || name.starts_with("postgis") {
                &[(
                    "POSTGRES_PASSWORD",
                    &DEFAULT_PASSWORDS,
                    "the Postgres superuser password",
                )]
            } else {
                continue;
            };
            let loc = target.location(&p.rel);
            for (key, defaults, what) in checks {
                match env_value(p, svc, key) {
                    Ok(Some((v, line)))
                        if defaults.iter().any(|d| d.eq_ignore_ascii_case(v.trim())) =>
                    {
                        j.fail(
                            format!("{}#{}#{key}", p.rel, svc.name),
                            format!(
                                "{key} of service {} ({what}) is a published default value: anyone who reads the docs can sign in to the copy of the patient data. Generate one (`openssl rand -base64 24`) and keep it in the .env.",
                                svc.name
                            ),
                        )
                        .at(loc.clone().with_line(line))
                        .evidence("key", *key)
                        .evidence("value", format!("<redacted: {} chars>", v.chars().count()));
                    }
                    Ok(Some(_)) => j.checked([&*loc.path, " ", &*svc.name, " ", key].concat()),
                    Ok(None) => {}
                    Err(_) => {
                        j.not_evaluated(
                            format!("{}#{}#{key}", p.rel, svc.name),
                            format!(
                                "{}: service {}: {key} cannot be interpolated",
                                loc.path, svc.name
                            ),
                        )
                        .at(loc.clone().with_line(svc.line));
                    }
                }
            }
            if name.contains("pgadmin")
                && let Ok(Some((v, line))) = env_value(p, svc, "PGADMIN_CONFIG_SERVER_MODE")
                && v.trim().trim_matches('\'').eq_ignore_ascii_case("false")
            {
                let public = svc.ports.iter().any(|port| match port {
                    crate::facts::compose::PortEntry::Short(t) => p
                        .vars
                        .resolve(t)
                        .ok()
                        .and_then(|i| parse_port(&i.value).ok())
                        .is_some_and(|pp| !pp.is_loopback()),
                    crate::facts::compose::PortEntry::Long(long) => long
                        .host_ip
                        .as_ref()
                        .is_none_or(|h| !h.raw.starts_with("127.") && h.raw != "::1"),
                });
                if public {
                    j.fail(
                        format!("{}#{}#SERVER_MODE", p.rel, svc.name),
                        format!(
                            "pgAdmin service {} runs in desktop mode (PGADMIN_CONFIG_SERVER_MODE False) on a published port: it asks for no login, so anyone who reaches the port browses the Postgres copy of the patient data. Use server mode, or publish it on 127.0.0.1 only.",
                            svc.name
                        ),
                    )
                    .at(loc.clone().with_line(line))
                    .evidence("service", svc.name.as_str());
                }
            }
        }
    }
    j.finish(
        "pgAdmin, Superset and Postgres do not run with published default credentials.",
        "no pgAdmin, Superset or Postgres service in this tree",
    )
}
