//! The published ports of every compose file of a target (the
//! `PublishedPorts` fact), with the policy's web proxies marked, shared by
//! PORT-003, PORT-004 and MON-006. Entries that cannot be resolved (an unset
//! variable, a required variable, bad syntax) and compose files that cannot
//! be parsed are recorded as not evaluated.

use crate::facts::compose::{ComposeProjects, Published};
use crate::facts::published::{Met, PublishedPorts};
use crate::outcome::{Judgement, Location};
use crate::rules::Ctx;

/// A published port, borrowed from the `PublishedPorts` and
/// `ComposeProjects` facts: its key and location are built only for the
/// ports a rule reports (most are passed over).
pub struct Port<'a> {
    pub service: &'a str,
    pub profiles: &'a [compact_str::CompactString],
    pub web_proxy: bool,
    pub published: &'a Published,
    /// The compose file (path inside the target), the line and the spec as
    /// written.
    rel: &'a str,
    line: u32,
    written: &'a str,
}

impl Port<'_> {
    /// Stable identity: file, service, the spec as written.
    pub fn key(&self) -> String {
        format!("{}#{}/{}", self.rel, self.service, self.written)
    }

    /// The compose file and service that publish it.
    pub fn service_of(&self) -> (&str, &str) {
        (self.rel, self.service)
    }

    pub fn location(&self, ctx: &Ctx) -> Location {
        ctx.location(self.rel).with_line(self.line)
    }
}

#[cfg(test)]
use crate::facts::compose::image_name;

/// Whether the policy counts a service as a web proxy, by its name or its
/// image's name (lower case).
fn is_web_proxy(ctx: &Ctx, service: &str, image: &str) -> bool {
    let proxies = &ctx.policy.open_ports.web_proxies;
    if proxies.iter().any(|p| *p == service) {
        return true;
    }
    // CHT 3.x's medic-os is its own web front (nginx inside), whatever host
    // ports it is published on (8080/444 beside another stack).
    if crate::facts::cht_sources::front_of_image(image)
        == Some(crate::facts::cht_sources::Front::MedicOs)
    {
        return true;
    }
    !image.is_empty()
        && proxies.iter().any(|p| {
            // Whether `image` holds the proxy's name lower-cased, compared
            // a byte at a time: no lower-cased copy of each name per port.
            image.as_bytes().windows(p.len().max(1)).any(|w| {
                w.iter()
                    .zip(p.bytes())
                    .all(|(a, b)| *a == b.to_ascii_lowercase())
            }) || p.is_empty()
        })
}

/// Every resolvable published port; the rest goes into `j` as not evaluated.
/// `projects` and `published` are the target's
/// (`ctx.facts.get::<ComposeProjects>()`, `ctx.facts.get::<PublishedPorts>()`):
/// the ports borrow from them.
pub fn published_ports<'a>(
    ctx: &Ctx,
    projects: &'a ComposeProjects,
    published: &'a PublishedPorts,
    j: &mut Judgement,
) -> Vec<Port<'a>> {
    let target = ctx.target();
    for (rel, error) in &projects.broken {
        j.not_evaluated(
            rel.clone(),
            format!("{}: {error}", target.location(rel).path),
        )
        .at(target.location(rel));
    }
    let project = |i: u32| &projects.projects[i as usize];
    let mut out = Vec::with_capacity(published.ports.len());
    for met in &published.met {
        match met {
            Met::File(pi) => j.checked(target.location(&project(*pi).rel).path.to_string()),
            Met::Port(i) => {
                let p = &published.ports[*i as usize];
                let project = project(p.project);
                let svc = &project.file.services[p.service as usize];
                out.push(Port {
                    service: &svc.name,
                    profiles: &svc.profiles,
                    web_proxy: is_web_proxy(ctx, &svc.name, &p.image),
                    published: &p.published,
                    rel: &project.rel,
                    line: p.line,
                    written: &p.written,
                });
            }
            Met::Unresolved(u) => {
                let project = project(u.project);
                let svc = &project.file.services[u.service as usize];
                j.not_evaluated(
                    format!("{}#{}/{}", project.rel, svc.name, u.line),
                    format!(
                        "service {}: a published port cannot be resolved: {}",
                        svc.name, u.why
                    ),
                )
                .at(target.location(&project.rel).with_line(u.line));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names() {
        assert_eq!(
            image_name("public.ecr.aws/medic/cht-nginx:5.2.0"),
            "cht-nginx"
        );
        assert_eq!(image_name("nginx"), "nginx");
        assert_eq!(image_name("nginx@sha256:abc"), "nginx");
        assert_eq!(image_name("localhost:5000/haproxy:1"), "haproxy");
    }
}
