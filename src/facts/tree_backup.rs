//! What a config tree declares about CouchDB's data and its backups:
//! where each CouchDB workload keeps `/opt/couchdb/data` (compose services
//! whose image is CouchDB: a bind mount, a named or anonymous volume,
//! tmpfs, or nothing — the container's writable layer; Kubernetes
//! workloads: a PVC, a volume claim template, `emptyDir`, `hostPath`), and
//! the backup jobs it schedules: compose services running a backup tool's
//! image (with the volumes they mount and the repository their environment
//! names), Kubernetes `CronJob`s running a backup tool, Velero `Schedule`s
//! and snapshot schedules (`SnapshotSchedule` of snapscheduler and
//! k8s-snapshots). Finds and describes; never judges.

use compact_str::CompactString;

use crate::facts::backup::{Encryption, Place, RemoteClass, Tool, strip_credentials};
use crate::facts::compose::{ComposeProjects, MountKind, image_name};
use crate::facts::k8s::Object;
use crate::facts::yaml::Node;
use crate::facts::{Fact, Facts, Kind, Parsed};

/// The path CouchDB keeps its databases in, in CHT's and the official images.
pub const COUCH_DATA: &str = "/opt/couchdb/data";

/// How a CouchDB workload stores its data directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Storage {
    /// A host directory (compose bind mount, `hostPath`): the source as written.
    Bind(String),
    /// A named docker volume.
    NamedVolume(String),
    /// An anonymous docker volume: kept across restarts, lost when the
    /// container is recreated with `down -v` or renamed.
    AnonymousVolume,
    /// A persistent volume claim (by name, or a StatefulSet claim template).
    Pvc(String),
    /// `emptyDir`: deleted with the pod.
    EmptyDir,
    /// tmpfs or `emptyDir: {medium: Memory}`: memory only.
    Tmpfs,
    /// Nothing is mounted there: the container's writable layer.
    Nothing,
}

/// One CouchDB workload and its data storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CouchWorkload {
    /// `compose service couchdb`, `StatefulSet couchdb`.
    pub what: String,
    pub name: String,
    pub rel: String,
    pub line: u32,
    pub storage: Storage,
}

/// A backup job a tree declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeJob {
    /// `compose service`, `CronJob`, `Velero Schedule`, `SnapshotSchedule`.
    pub kind: String,
    pub name: String,
    pub rel: String,
    pub line: u32,
    pub tool: Option<Tool>,
    /// Whether it copies CouchDB's data (`None`: cannot tell from the tree).
    pub covers_couchdb: Option<bool>,
    /// Whether it copies the deployment's `.env`/secrets and the TLS certificates.
    pub covers_env: Option<bool>,
    pub covers_certs: Option<bool>,
    pub dest: Place,
    pub encryption: Encryption,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TreeBackups {
    /// The tree deploys CouchDB (compose, Kubernetes, or CHT helm values).
    pub has_couchdb: bool,
    /// Whether Kubernetes manifests here deploy a workload or schedule.
    pub kubernetes: bool,
    /// Whether CHT helm values are here (the chart declares no backups).
    pub helm: bool,
    pub workloads: Vec<CouchWorkload>,
    pub jobs: Vec<TreeJob>,
}

fn is_couch_image(image: &str) -> bool {
    let n = image_name(image).to_ascii_lowercase();
    n == "couchdb" || n == "cht-couchdb"
}

/// Where a RESTIC_REPOSITORY / BORG_REPO / URL-ish value points.
fn classify(value: &str) -> Place {
    let v = value.trim();
    if v.starts_with('/') {
        return Place::Local {
            path: v.to_string(),
            located: None,
        };
    }
    let lower = v.to_ascii_lowercase();
    let (class, host) = if let Some(r) = lower.strip_prefix("sftp:") {
        (
            RemoteClass::Ssh,
            r.trim_start_matches("//")
                .split([':', '/'])
                .next()
                .unwrap_or("")
                .to_string(),
        )
    } else if ["s3:", "b2:", "gs:", "azure:", "swift:"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        (RemoteClass::ObjectStorage, strip_credentials(v))
    } else if lower.starts_with("rest:") {
        (RemoteClass::Server, strip_credentials(v))
    } else if lower.starts_with("ssh://") || (v.contains(':') && !v.contains("://")) {
        (RemoteClass::Ssh, strip_credentials(v))
    } else {
        return Place::Unknown(format!(
            "{} is not a repository rampart can classify",
            strip_credentials(v)
        ));
    };
    Place::Remote {
        class,
        host: host.rsplit('@').next().unwrap_or(&host).to_string(),
    }
}

impl Fact for TreeBackups {
    fn collect(facts: &Facts) -> Self {
        let mut out = TreeBackups::default();
        let compose = facts.get::<ComposeProjects>();
        for p in &compose.projects {
            // Named volumes that hold CouchDB data, and the one nginx keeps certificates in.
            let mut couch_volumes: Vec<CompactString> = Vec::new();
            let mut couch_binds: Vec<CompactString> = Vec::new();
            let mut cert_volumes: Vec<CompactString> = Vec::new();
            for svc in &p.file.services {
                let Some(image) = &svc.image else { continue };
                if is_couch_image(&image.raw) {
                    out.has_couchdb = true;
                    let m = svc
                        .mounts
                        .iter()
                        .filter(|m| {
                            crate::facts::backup::is_under(
                                COUCH_DATA,
                                m.target.trim_end_matches('/'),
                            ) || m.target.trim_end_matches('/') == COUCH_DATA
                        })
                        .max_by_key(|m| m.target.len());
                    let storage = match m {
                        None => Storage::Nothing,
                        Some(m) => match (m.kind, &m.source) {
                            (MountKind::Bind, Some(s)) => {
                                couch_binds.push(s.clone());
                                // `${COUCHDB_DATA}` unset: compose mounts an empty
                                // source, i.e. an anonymous volume.
                                match p.vars.resolve(&crate::facts::compose::Text {
                                    raw: s.clone(),
                                    line: m.line,
                                }) {
                                    Ok(i) if i.value.trim().is_empty() => {
                                        Storage::Bind(String::new())
                                    }
                                    Ok(i) => Storage::Bind(i.value),
                                    Err(_) => Storage::Bind(s.to_string()),
                                }
                            }
                            (MountKind::Volume, Some(s)) => {
                                couch_volumes.push(s.clone());
                                Storage::NamedVolume(s.to_string())
                            }
                            (MountKind::Tmpfs, _) => Storage::Tmpfs,
                            _ => Storage::AnonymousVolume,
                        },
                    };
                    out.workloads.push(CouchWorkload {
                        what: format!("compose service {}", svc.name),
                        name: svc.name.to_string(),
                        rel: p.rel.to_string(),
                        line: m.map_or(svc.line, |m| m.line),
                        storage,
                    });
                }
                if image_name(&image.raw).contains("nginx") {
                    for m in &svc.mounts {
                        if m.kind == MountKind::Volume
                            && let Some(s) = &m.source
                            && (m.target.contains("private")
                                || m.target.contains("ssl")
                                || m.target.contains("cert"))
                        {
                            cert_volumes.push(s.clone());
                        }
                    }
                }
            }
            for svc in &p.file.services {
                let Some(image) = &svc.image else { continue };
                let Some(tool) = Tool::of_image(&image.raw) else {
                    continue;
                };
                let mounts_any = |names: &[CompactString]| {
                    svc.mounts
                        .iter()
                        .any(|m| m.source.as_ref().is_some_and(|s| names.contains(s)))
                };
                let covers_couchdb = mounts_any(&couch_volumes)
                    || mounts_any(&couch_binds)
                    || tool == Tool::Couchbackup;
                let covers_env = svc.mounts.iter().any(|m| {
                    m.kind == MountKind::Bind
                        && m.source
                            .as_deref()
                            .is_some_and(|s| matches!(s, "." | "./" | "./.env" | ".." | "../"))
                });
                let covers_certs = if cert_volumes.is_empty() {
                    None
                } else {
                    Some(mounts_any(&cert_volumes))
                };
                // The first repository variable the service sets: its value,
                // or why it cannot be known (never the value itself).
                let repo = ["RESTIC_REPOSITORY", "BORG_REPO", "RCLONE_REMOTE"]
                    .into_iter()
                    .find_map(|k| {
                        let v = svc
                            .environment
                            .iter()
                            .find(|e| e.key == k)
                            .and_then(|e| e.value.as_ref())?;
                        Some(p.vars.resolve(v).map(|i| i.value).map_err(|e| (k, e)))
                    });
                let dest = match repo {
                    Some(Ok(r)) => classify(&r),
                    Some(Err((k, e))) => Place::Unknown(format!(
                        "compose service {} sets {k} in {}, but its value cannot be known: {e}",
                        svc.name, p.rel
                    )),
                    None => Place::Unknown(format!(
                        "compose service {} sets no RESTIC_REPOSITORY or BORG_REPO in {}",
                        svc.name, p.rel
                    )),
                };
                let encryption = match tool {
                    Tool::Restic => {
                        Encryption::ClientSide("restic encrypts every repository".into())
                    }
                    Tool::Borg | Tool::Borgmatic => Encryption::ClientSide(
                        "borg encrypts unless created with --encryption none".into(),
                    ),
                    Tool::Duplicity => Encryption::ClientSide(
                        "duplicity encrypts with GnuPG unless --no-encryption".into(),
                    ),
                    Tool::Rsync | Tool::Scp | Tool::Tar | Tool::Couchbackup => {
                        Encryption::None(format!("{} copies the data as it is", tool.name()))
                    }
                    _ => Encryption::Unknown(format!(
                        "{} encryption depends on its configuration",
                        tool.name()
                    )),
                };
                out.jobs.push(TreeJob {
                    kind: "compose service".into(),
                    name: svc.name.to_string(),
                    rel: p.rel.to_string(),
                    line: svc.line,
                    tool: Some(tool),
                    covers_couchdb: Some(covers_couchdb),
                    covers_env: Some(covers_env),
                    covers_certs,
                    dest,
                    encryption,
                });
            }
        }
        for doc in facts.docs_of(Kind::K8s) {
            let Ok(Parsed::K8s(objects)) = &doc.content else {
                continue;
            };
            for o in objects {
                k8s_object(o, &doc.rel, &mut out);
            }
        }
        if facts.docs_of(Kind::HelmValues).next().is_some() {
            out.has_couchdb = true;
            out.helm = true;
        }
        out
    }
}

/// Pod spec of a workload (Deployment, StatefulSet, CronJob, Pod).
fn pod_spec(o: &Object) -> Option<&Node> {
    match o.kind.as_str() {
        "Pod" => o.node.get("spec"),
        "CronJob" => o
            .node
            .path(&["spec", "jobTemplate", "spec", "template", "spec"]),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            o.node.path(&["spec", "template", "spec"])
        }
        _ => None,
    }
}

fn k8s_object(o: &Object, rel: &str, out: &mut TreeBackups) {
    let name = o.name.clone().unwrap_or_else(|| "(unnamed)".into());
    if o.api_version.starts_with("velero.io/") && o.kind == "Schedule" {
        out.kubernetes = true;
        out.jobs.push(TreeJob {
            kind: "Velero Schedule".into(),
            name,
            rel: rel.to_string(),
            line: o.line,
            tool: Some(Tool::Velero),
            covers_couchdb: None,
            covers_env: Some(true),
            covers_certs: Some(true),
            dest: Place::Remote {
                class: RemoteClass::ObjectStorage,
                host: "velero backup storage location".into(),
            },
            encryption: Encryption::Unknown(
                "velero's storage encryption is set in its BackupStorageLocation".into(),
            ),
        });
        return;
    }
    if o.kind == "SnapshotSchedule" {
        out.kubernetes = true;
        out.jobs.push(TreeJob {
            kind: "SnapshotSchedule".into(),
            name,
            rel: rel.to_string(),
            line: o.line,
            tool: None,
            covers_couchdb: None,
            covers_env: Some(false),
            covers_certs: Some(false),
            dest: Place::Unknown("a volume snapshot stays in the cluster's storage system".into()),
            encryption: Encryption::Unknown(
                "snapshots are encrypted as the storage class is".into(),
            ),
        });
        return;
    }
    let Some(spec) = pod_spec(o) else { return };
    out.kubernetes = true;
    let containers = spec.get("containers").map(Node::items).unwrap_or_default();
    let volumes = spec.get("volumes").map(Node::items).unwrap_or_default();
    let volume = |vname: &str| {
        volumes
            .iter()
            .find(|v| v.get("name").and_then(Node::as_str) == Some(vname))
    };
    for c in containers {
        let image = c.get("image").and_then(Node::as_str).unwrap_or("");
        if is_couch_image(image) && o.kind != "CronJob" {
            out.has_couchdb = true;
            let mount = c
                .get("volumeMounts")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .find(|m| {
                    m.get("mountPath").and_then(Node::as_str).is_some_and(|p| {
                        p.trim_end_matches('/') == COUCH_DATA
                            || crate::facts::backup::is_under(COUCH_DATA, p.trim_end_matches('/'))
                    })
                });
            let storage = match mount.and_then(|m| m.get("name")).and_then(Node::as_str) {
                None => Storage::Nothing,
                Some(vname) => match volume(vname) {
                    Some(v) if v.get("persistentVolumeClaim").is_some() => Storage::Pvc(
                        v.path(&["persistentVolumeClaim", "claimName"])
                            .and_then(Node::as_str)
                            .unwrap_or(vname)
                            .to_string(),
                    ),
                    Some(v) if v.get("emptyDir").is_some() => {
                        if v.path(&["emptyDir", "medium"]).and_then(Node::as_str) == Some("Memory")
                        {
                            Storage::Tmpfs
                        } else {
                            Storage::EmptyDir
                        }
                    }
                    Some(v) if v.get("hostPath").is_some() => Storage::Bind(
                        v.path(&["hostPath", "path"])
                            .and_then(Node::as_str)
                            .unwrap_or("")
                            .to_string(),
                    ),
                    Some(_) => Storage::NamedVolume(vname.to_string()),
                    None => {
                        let template = o
                            .node
                            .path(&["spec", "volumeClaimTemplates"])
                            .map(Node::items)
                            .unwrap_or_default()
                            .iter()
                            .any(|t| {
                                t.path(&["metadata", "name"]).and_then(Node::as_str) == Some(vname)
                            });
                        if template {
                            Storage::Pvc(format!("{vname} (volumeClaimTemplate)"))
                        } else {
                            Storage::Nothing
                        }
                    }
                },
            };
            out.workloads.push(CouchWorkload {
                what: format!("{} {name}", o.kind),
                name: name.clone(),
                rel: rel.to_string(),
                line: mount.map_or(c.line, |m| m.line),
                storage,
            });
        }
        if o.kind == "CronJob" {
            let mut words: Vec<&str> = Vec::new();
            for key in ["command", "args"] {
                if let Some(n) = c.get(key) {
                    words.extend(n.items().iter().filter_map(Node::as_str));
                }
            }
            let tool = Tool::of_image(image).or_else(|| {
                words
                    .iter()
                    .flat_map(|w| w.split_whitespace())
                    .find_map(Tool::of)
            });
            let Some(tool) = tool else { continue };
            let mounts_couch_pvc = c
                .get("volumeMounts")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|m| m.get("name").and_then(Node::as_str))
                .filter_map(volume)
                .any(|v| {
                    v.path(&["persistentVolumeClaim", "claimName"])
                        .and_then(Node::as_str)
                        .is_some_and(|n| n.contains("couch"))
                });
            let text = words.join(" ");
            let covers = mounts_couch_pvc || tool == Tool::Couchbackup || text.contains("couch");
            let env_value = |k: &str| {
                c.get("env")
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .find(|e| e.get("name").and_then(Node::as_str) == Some(k))
                    .and_then(|e| e.get("value"))
                    .and_then(Node::as_str)
                    .map(str::to_string)
            };
            let dest = env_value("RESTIC_REPOSITORY")
                .or_else(|| env_value("BORG_REPO"))
                .map(|r| classify(&r))
                .unwrap_or_else(|| {
                    Place::Unknown(format!(
                        "CronJob {name}: the destination is not in the manifest"
                    ))
                });
            let encryption = match tool {
                Tool::Restic | Tool::Borg | Tool::Borgmatic => {
                    Encryption::ClientSide(format!("{} encrypts its repository", tool.name()))
                }
                Tool::Rsync | Tool::Scp | Tool::Tar | Tool::Couchbackup | Tool::AwsS3 => {
                    Encryption::None(format!("{} copies the data as it is", tool.name()))
                }
                _ => Encryption::Unknown(format!(
                    "{} encryption depends on its configuration",
                    tool.name()
                )),
            };
            out.jobs.push(TreeJob {
                kind: "CronJob".into(),
                name: name.clone(),
                rel: rel.to_string(),
                line: o.line,
                tool: Some(tool),
                covers_couchdb: Some(covers),
                covers_env: None,
                covers_certs: None,
                dest,
                encryption,
            });
        }
    }
}
