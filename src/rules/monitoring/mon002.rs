//! MON-002 alerts-go-nowhere: a CHT Watchdog or Grafana deployment
//! provisions no contact point (`contactPoints` with a receiver in
//! `provisioning/alerting/*.yml`) and enables no SMTP (`[smtp] enabled` with a
//! host in `grafana.ini`, or `GF_SMTP_ENABLED`/`GF_SMTP_HOST` on the Grafana
//! service): its alerts reach nobody.

use crate::facts::grafana::Monitoring;
use crate::outcome::{Judgement, Location, Outcome};
use crate::rules::Ctx;

fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on"
    )
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let m = ctx.facts.get::<Monitoring>();
    let t = ctx.target();
    let mut j = Judgement::new();
    // Where the deployment shows itself, for the failure's location: the
    // Grafana service first (that is what sends alerts), then its alerting
    // provisioning and grafana.ini, then the instance lists.
    let mut signs: Vec<(u8, Location)> = Vec::new();
    let mut routes: Vec<String> = Vec::new();
    for (rel, list) in &m.instance_lists {
        signs.push((
            3,
            t.location(rel)
                .with_line(list.first().map_or(1, |(_, l)| *l)),
        ));
    }
    for (rel, _) in &m.broken_lists {
        signs.push((3, t.location(rel)));
    }
    // A Grafana service whose SMTP settings cannot be known may send mail.
    let mut route_unknown = false;
    for s in m.services.iter().filter(|s| s.what == "grafana") {
        signs.push((0, t.location(&s.rel).with_line(s.line)));
        if let Some(why) = &s.smtp_unresolved {
            let loc = t.location(&s.rel).with_line(s.line);
            j.not_evaluated(
                format!("smtp|{}|{}", s.rel, s.service),
                format!("{}: service {}: {why}", loc.path, s.service),
            )
            .at(loc);
            route_unknown = true;
        }
        if s.smtp_enabled.as_deref().is_some_and(truthy)
            && s.smtp_host.as_deref().is_some_and(|h| !h.trim().is_empty())
        {
            routes.push(format!(
                "{}: service {} sets GF_SMTP_ENABLED and GF_SMTP_HOST",
                t.location(&s.rel).path,
                s.service
            ));
        }
    }
    for (rel, ini) in &m.ini {
        let loc = t.location(rel);
        signs.push((2, loc.clone()));
        match ini {
            Err(e) => {
                j.not_evaluated(format!("ini|{rel}"), format!("{}: {e}", loc.path))
                    .at(loc);
            }
            Ok(ini) => {
                let enabled = ini.get("smtp", "enabled");
                let host = ini.get("smtp", "host");
                if let (Some((e, line)), Some((h, _))) = (enabled, host)
                    && truthy(e)
                    && !h.trim().is_empty()
                {
                    routes.push(format!("{}:{line}: [smtp] enabled with a host", loc.path));
                }
            }
        }
    }
    for (rel, a) in &m.alerting {
        let loc = t.location(rel);
        signs.push((1, loc.clone()));
        match a {
            Err(e) => {
                j.not_evaluated(format!("alerting|{rel}"), format!("{}: {e}", loc.path))
                    .at(loc);
            }
            Ok(a) => {
                for cp in a.contact_points.iter().filter(|c| !c.receivers.is_empty()) {
                    let kinds: Vec<&str> = cp.receivers.iter().map(|(k, _)| k.as_str()).collect();
                    routes.push(format!(
                        "{}:{}: contact point {} ({})",
                        loc.path,
                        cp.line,
                        cp.name,
                        kinds.join(", ")
                    ));
                }
            }
        }
    }
    if signs.is_empty() {
        return j.finish(
            "",
            "no CHT Watchdog or Grafana deployment (instance list, Grafana service, grafana.ini, alerting provisioning) in the files",
        );
    }
    if routes.is_empty() {
        if j.has_failures() || route_unknown {
            return j.finish("", "");
        }
        signs.sort();
        let first = signs[0].1.clone();
        j.fail(
            "no-contact-point",
            "This Watchdog/Grafana deployment provisions no contact point and enables no SMTP in its files: as configured here, its alerts (instance down, disk full, replication stuck) reach nobody. Contact points made only in Grafana's web interface live in its database, which a file scan cannot see: provision them under grafana/provisioning/alerting/ or enable [smtp] in grafana.ini (CHT Watchdog's alert setup) so a review can, or waive this finding naming where alerts go.",
        )
        .at(first)
        .evidence(
            "looked_at",
            signs.iter().map(|(_, l)| l.path.clone()).collect::<Vec<_>>(),
        );
    } else {
        for r in routes {
            j.checked(r);
        }
    }
    j.finish(
        "The Watchdog/Grafana deployment sends its alerts somewhere (a contact point or SMTP).",
        "",
    )
}
