//! PRIV-002 postgres-open-or-trust: the PostgreSQL that cht-sync fills with
//! a copy of the patient data lets clients in without a password — a
//! `pg_hba.conf` record with `trust` for connections from other machines,
//! or `POSTGRES_HOST_AUTH_METHOD=trust` on a postgres compose service — or
//! takes cleartext `password`/`md5` from anywhere (`0.0.0.0/0`, `::/0`,
//! `all`) without TLS (`host`, `hostnossl`).

use crate::facts::compose::{ComposeProjects, image_name};
use crate::facts::{Kind, Parsed};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::rules::password_policy::each_parsed;
use crate::rules::privacy::env_value;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let target = ctx.target();
    let mut j = Judgement::new();
    each_parsed(ctx, &mut j, Kind::PgHba, |j, doc, parsed, loc| {
        let Parsed::PgHba(hba) = parsed else { return };
        for r in &hba.records {
            let addr = r.address.as_deref().unwrap_or("local socket");
            let at = loc.clone().with_line(r.line);
            if r.method == "trust" && !r.loopback() {
                j.fail(
                    format!("{}:{}:{}:{}", doc.rel, r.kind, r.database, addr),
                    format!(
                        "pg_hba.conf lets {} connections from {addr} to database {} as user {} in without a password (trust): anyone who reaches the port reads the copy of the patient data. Use scram-sha-256.",
                        r.kind, r.database, r.user
                    ),
                )
                .at(at)
                .evidence("method", "trust");
            } else if matches!(r.method.as_str(), "password" | "md5")
                && r.anywhere()
                && r.kind != "hostssl"
            {
                j.fail(
                    format!("{}:{}:{}:{}", doc.rel, r.kind, r.database, addr),
                    format!(
                        "pg_hba.conf accepts {} authentication from {addr} over connections that need not be encrypted ({}): passwords cross the network in clear or as replayable MD5. Use scram-sha-256 with hostssl, and narrow the address.",
                        r.method, r.kind
                    ),
                )
                .at(at)
                .evidence("method", r.method.clone());
            } else {
                j.checked(format!(
                    "{}:{} {} {addr} {}",
                    loc.path, r.line, r.kind, r.method
                ));
            }
        }
    });
    let projects = ctx.facts.get::<ComposeProjects>();
    for p in &projects.projects {
        for svc in &p.file.services {
            let is_pg = svc.image.as_ref().is_some_and(|i| {
                let n = image_name(&i.raw);
                n == "postgres" || n.starts_with("postgis") || n.contains("postgresql")
            });
            if !is_pg {
                continue;
            }
            let loc = target.location(&p.rel);
            match env_value(p, svc, "POSTGRES_HOST_AUTH_METHOD") {
                Ok(Some((v, line))) if v.trim() == "trust" => {
                    j.fail(
                        format!("{}#{}", p.rel, svc.name),
                        format!(
                            "Postgres service {} runs with POSTGRES_HOST_AUTH_METHOD=trust: the image lets every host connect without a password, and cht-sync's Postgres holds a copy of the patient data. Remove it and set POSTGRES_PASSWORD.",
                            svc.name
                        ),
                    )
                    .at(loc.with_line(line))
                    .evidence("service", svc.name.as_str());
                }
                Ok(_) => j.checked(format!(
                    "{} service {}: no trust authentication",
                    loc.path, svc.name
                )),
                Err(_) => {
                    j.not_evaluated(
                        format!("{}#{}", p.rel, svc.name),
                        format!(
                            "{}: service {}: POSTGRES_HOST_AUTH_METHOD cannot be interpolated",
                            loc.path, svc.name
                        ),
                    )
                    .at(loc.with_line(svc.line));
                }
            }
        }
    }
    j.finish(
        "PostgreSQL requires passwords and does not take cleartext ones from anywhere.",
        "no pg_hba.conf or Postgres service found",
    )
}
