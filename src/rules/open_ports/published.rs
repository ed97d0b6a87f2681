//! The published ports of every compose file of a target, interpolated the way
//! compose would, shared by PORT-003 and PORT-004. Entries that cannot be
//! resolved (an unset variable, a required variable, bad syntax) and compose
//! files that cannot be parsed are recorded as not evaluated.

use crate::facts::compose::{
    ComposeProjects, LongPort, PortEntry, Project, Published, Service, parse_port,
};
use crate::facts::interpolate::InterpolationError;
use crate::outcome::{Judgement, Location};
use crate::rules::Ctx;

pub struct Port {
    pub service: String,
    pub profiles: Vec<String>,
    pub web_proxy: bool,
    pub published: Published,
    pub location: Location,
    /// Stable identity: file, service, the spec as written.
    pub key: String,
}

use crate::facts::compose::image_name;

fn is_web_proxy(ctx: &Ctx, project: &Project, svc: &Service) -> bool {
    let proxies = &ctx.policy.open_ports.web_proxies;
    if proxies.iter().any(|p| *p == svc.name) {
        return true;
    }
    let image = project.image_of(svc);
    let name = image_name(&image).to_ascii_lowercase();
    // CHT 3.x's medic-os is its own web front (nginx inside), whatever host
    // ports it is published on (8080/444 beside another stack).
    if crate::facts::cht_sources::front_of_image(&name)
        == Some(crate::facts::cht_sources::Front::MedicOs)
    {
        return true;
    }
    !name.is_empty()
        && proxies
            .iter()
            .any(|p| name.contains(&p.to_ascii_lowercase()))
}

fn resolve_entry(project: &Project, entry: &PortEntry) -> Result<(Published, String), String> {
    let vars = &project.vars;
    let resolve = |t: &crate::facts::compose::Text| -> Result<String, String> {
        let r = vars.resolve(t).map_err(|e| match e {
            InterpolationError::Required { var } => {
                format!("compose refuses to start: {var} is required")
            }
            other => other.to_string(),
        })?;
        if let Some(var) = r.unset.first() {
            return Err(vars.why_unset(var));
        }
        Ok(r.value)
    };
    match entry {
        PortEntry::Short(t) => {
            let spec = resolve(t)?;
            // The entry itself is never quoted (it may hold any text); the
            // finding carries its line.
            let p = parse_port(&spec).map_err(|e| format!("the short-syntax entry: {e}"))?;
            Ok((p, t.raw.to_string()))
        }
        PortEntry::Long(long) => {
            let LongPort {
                target,
                published,
                host_ip,
                protocol,
                ..
            } = &**long;
            let target = target
                .as_ref()
                .ok_or("a long-syntax ports entry without `target`")?;
            let container = resolve(target)?;
            let host = published.as_ref().map(&resolve).transpose()?;
            let ip = host_ip.as_ref().map(&resolve).transpose()?;
            let proto = protocol
                .as_ref()
                .map(&resolve)
                .transpose()?
                .unwrap_or_else(|| "tcp".to_string());
            let mut spec = String::new();
            if let Some(ip) = ip.as_deref().filter(|s| !s.is_empty()) {
                spec.push_str(&format!("[{ip}]:"));
            }
            spec.push_str(host.as_deref().unwrap_or(""));
            spec.push(':');
            spec.push_str(&container);
            spec.push('/');
            spec.push_str(&proto);
            let p = parse_port(&spec).map_err(|e| format!("ports entry: {e}"))?;
            Ok((p, format!("{}->{}", host.unwrap_or_default(), container)))
        }
    }
}

/// Every resolvable published port; the rest goes into `j` as not evaluated.
pub fn published_ports(ctx: &Ctx, j: &mut Judgement) -> Vec<Port> {
    let target = ctx.target();
    let projects = ctx.facts.get::<ComposeProjects>();
    for (rel, error) in &projects.broken {
        j.not_evaluated(
            rel.clone(),
            format!("{}: {error}", target.location(rel).path),
        )
        .at(target.location(rel));
    }
    let mut out = Vec::new();
    for project in &projects.projects {
        // Looked up once per file, not once per entry.
        let file = target.location(&project.rel);
        j.checked(file.path.to_string());
        for svc in &project.file.services {
            if svc.ports.is_empty() {
                continue;
            }
            let web_proxy = is_web_proxy(ctx, project, svc);
            for entry in &svc.ports {
                let location = file.clone().with_line(entry.line());
                match resolve_entry(project, entry) {
                    Ok((published, written)) => out.push(Port {
                        service: svc.name.to_string(),
                        profiles: svc.profiles.iter().map(ToString::to_string).collect(),
                        web_proxy,
                        key: format!("{}#{}/{}", project.rel, svc.name, written),
                        published,
                        location,
                    }),
                    Err(why) => {
                        j.not_evaluated(
                            format!("{}#{}/{}", project.rel, svc.name, entry.line()),
                            format!(
                                "service {}: a published port cannot be resolved: {why}",
                                svc.name
                            ),
                        )
                        .at(location);
                    }
                }
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
