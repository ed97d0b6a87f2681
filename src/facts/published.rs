//! The published ports of every compose file of a target, interpolated the
//! way compose would: what PORT-003, PORT-004 and MON-006 read, worked out
//! once per target (each rule worked it out again before: a tenth of the
//! rules phase on a large tree). Entries that cannot be resolved (an unset
//! variable, a required variable, bad syntax) are kept with the reason, in
//! the order they were met. Parses and resolves only; what counts as a web
//! proxy is the policy's, decided by the rules.

use compact_str::CompactString;

use crate::facts::compose::{
    ComposeProjects, LongPort, PortEntry, Project, Published, image_name, parse_port,
};
use crate::facts::interpolate::InterpolationError;
use crate::facts::{Fact, Facts};

/// One resolved published port: where it is (indices into the compose
/// projects, not copies of their text), what it publishes, and the service
/// image's name (for the policy's web proxies).
#[derive(Clone, Debug)]
pub struct Port {
    /// Index in `ComposeProjects::projects`, and of the service in its file.
    pub project: u32,
    pub service: u32,
    pub line: u32,
    /// The service's image name (`cht-nginx`), lower case; empty when it has
    /// none or it cannot be resolved.
    pub image: CompactString,
    pub published: Published,
    /// The entry as written, for the finding's key (`8080:80`, `8080->80`).
    pub written: Box<str>,
}

/// What was met, in order: a compose file read (its project's index), a
/// port (its index in `ports`), an entry that cannot be resolved.
#[derive(Clone, Debug)]
pub enum Met {
    File(u32),
    Port(u32),
    Unresolved(Box<Unresolved>),
}

#[derive(Clone, Debug)]
pub struct Unresolved {
    pub project: u32,
    pub service: u32,
    pub line: u32,
    pub why: String,
}

#[derive(Debug, Default)]
pub struct PublishedPorts {
    pub ports: Vec<Port>,
    /// Every compose file, port and unresolved entry in the order met.
    pub met: Vec<Met>,
}

fn index(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 compose files, services and ports")
}

impl Fact for PublishedPorts {
    fn collect(facts: &Facts) -> Self {
        let projects = facts.get::<ComposeProjects>();
        let mut out = PublishedPorts::default();
        for (pi, project) in projects.projects.iter().enumerate() {
            out.met.push(Met::File(index(pi)));
            for (si, svc) in project.file.services.iter().enumerate() {
                if svc.ports.is_empty() {
                    continue;
                }
                let image =
                    CompactString::from(image_name(&project.image_of(svc))).to_ascii_lowercase();
                for entry in &svc.ports {
                    match resolve_entry(project, entry) {
                        Ok((published, written)) => {
                            out.met.push(Met::Port(index(out.ports.len())));
                            out.ports.push(Port {
                                project: index(pi),
                                service: index(si),
                                line: entry.line(),
                                image: image.clone(),
                                published,
                                written: written.into(),
                            });
                        }
                        Err(why) => out.met.push(Met::Unresolved(Box::new(Unresolved {
                            project: index(pi),
                            service: index(si),
                            line: entry.line(),
                            why,
                        }))),
                    }
                }
            }
        }
        out.ports.shrink_to_fit();
        out.met.shrink_to_fit();
        out
    }
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
