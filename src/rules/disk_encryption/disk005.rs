//! DISK-005 kubernetes-volume-unencrypted: a StorageClass provisioning AWS EBS
//! volumes does not set `encrypted: "true"` (EBS encrypts only when asked or
//! when the account's default says so), or CHT's helm values put CouchDB on
//! such a class — one defined unencrypted in the tree, or EKS's built-in
//! `gp2` class, which does not encrypt. GCE persistent disks and Azure
//! disks are encrypted at rest by the provider (a pass that says so);
//! vSphere, local-path, hostPath, NFS and unknown provisioners — and
//! PersistentVolumes on a host path, local disk or NFS — depend on storage
//! the files do not describe: `not_evaluated`, never a pass.

use crate::facts::helm::HelmReleases;
use crate::facts::k8s::Object;
use crate::facts::yaml::Node;
use crate::facts::{Kind, Parsed};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::rules::password_policy::each_parsed;

const EBS_PROVISIONERS: [&str; 2] = ["ebs.csi.aws.com", "kubernetes.io/aws-ebs"];

/// Provisioners whose disks the cloud provider always encrypts at rest.
const PROVIDER_ENCRYPTED: [(&str, &str); 4] = [
    ("pd.csi.storage.gke.io", "GCE persistent disks"),
    ("kubernetes.io/gce-pd", "GCE persistent disks"),
    ("disk.csi.azure.com", "Azure managed disks"),
    ("kubernetes.io/azure-disk", "Azure managed disks"),
];

/// What a non-EBS provisioner means for encryption at rest: `Ok(note)` when
/// the provider encrypts, `Err(why)` when the files cannot tell.
fn provider_verdict(provisioner: &str) -> Result<&'static str, String> {
    if let Some((_, what)) = PROVIDER_ENCRYPTED.iter().find(|(p, _)| *p == provisioner) {
        return Ok(what);
    }
    let p = provisioner.to_ascii_lowercase();
    let kind = if p.contains("vsphere") {
        "vSphere volumes, encrypted only if the vSphere storage policy says so"
    } else if p.contains("local-path") || p.contains("no-provisioner") || p.contains("local") {
        "node-local disks, encrypted only if the nodes' disks are"
    } else if p.contains("host-path") || p.contains("hostpath") {
        "host paths, encrypted only if the nodes' disks are"
    } else if p.contains("nfs") {
        "NFS shares, encrypted only if the NFS server's disks are"
    } else {
        "a provisioner rampart does not know"
    };
    Err(format!(
        "provisioner {provisioner} makes {kind}: the files cannot tell whether CouchDB's data is encrypted at rest"
    ))
}

/// Helm values paths where CHT's charts name CouchDB's storage class.
const STORAGE_CLASS_PATHS: [&str; 3] = [
    "couchdb.storage_class",
    "couchdb.storageClass",
    "storage_class",
];

fn is_ebs(obj: &Object) -> bool {
    obj.node
        .get("provisioner")
        .and_then(Node::as_str)
        .is_some_and(|p| EBS_PROVISIONERS.contains(&p))
}

fn encrypted(obj: &Object) -> bool {
    obj.node
        .path(&["parameters", "encrypted"])
        .and_then(Node::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let target = ctx.target();
    let mut j = Judgement::new();
    let mut unencrypted: Vec<String> = Vec::new();
    each_parsed(ctx, &mut j, Kind::K8s, |j, doc, parsed, loc| {
        let Parsed::K8s(objects) = parsed else { return };
        for sc in objects.iter().filter(|o| o.kind == "StorageClass") {
            let name = sc.name.clone().unwrap_or_else(|| "(unnamed)".to_string());
            if !is_ebs(sc) {
                let provisioner = sc
                    .node
                    .get("provisioner")
                    .and_then(Node::as_str)
                    .unwrap_or("(none)");
                match provider_verdict(provisioner) {
                    Ok(what) => j.checked(format!(
                        "{} StorageClass {name}: {what}, encrypted at rest by the provider",
                        loc.path
                    )),
                    Err(why) => {
                        j.not_evaluated(
                            format!("{}#StorageClass/{name}", doc.rel),
                            format!("{} StorageClass {name}: {why}.", loc.path),
                        )
                        .at(loc.clone().with_line(sc.line))
                        .evidence("storage_class", name.clone())
                        .evidence("provisioner", provisioner.to_string());
                    }
                }
                continue;
            }
            if encrypted(sc) {
                j.checked(format!("{} StorageClass {name} (encrypted)", loc.path));
                continue;
            }
            unencrypted.push(name.clone());
            let line = sc.node.get("parameters").map_or(sc.line, |p| p.line);
            j.fail(
                format!("{}#StorageClass/{name}", doc.rel),
                format!(
                    "StorageClass {name} provisions AWS EBS volumes without encrypted: \"true\": CouchDB data on it is stored unencrypted. Add parameters.encrypted: \"true\" (and a kmsKeyId if required)."
                ),
            )
            .at(loc.clone().with_line(line))
            .evidence("storage_class", name);
        }
        for pv in objects.iter().filter(|o| o.kind == "PersistentVolume") {
            let name = pv.name.clone().unwrap_or_else(|| "(unnamed)".to_string());
            let Some(spec) = pv.node.get("spec") else {
                continue;
            };
            let source = ["hostPath", "local", "nfs"]
                .into_iter()
                .find(|k| spec.get(k).is_some());
            if let Some(source) = source {
                j.not_evaluated(
                    format!("{}#PersistentVolume/{name}", doc.rel),
                    format!(
                        "{} PersistentVolume {name} is a {source} volume: encrypted only if the disks behind it are, which the files do not say.",
                        loc.path
                    ),
                )
                .at(loc.clone().with_line(pv.line))
                .evidence("persistent_volume", name);
            }
        }
    });
    let helm = ctx.facts.get::<HelmReleases>();
    let mut seen = std::collections::BTreeSet::new();
    for release in &helm.releases {
        let eks = release.text("cluster_type") == Some("eks");
        for path in STORAGE_CLASS_PATHS {
            let Some(leaf) = release.get(path) else {
                continue;
            };
            let Some(class) = leaf.text.as_deref() else {
                continue;
            };
            if !seen.insert((leaf.rel.clone(), leaf.line, eks)) {
                continue;
            }
            let why = if unencrypted.iter().any(|u| u == class) {
                format!("the StorageClass {class}, which is defined without encryption")
            } else if eks && class == "gp2" {
                "EKS's built-in gp2 StorageClass, which does not encrypt".to_string()
            } else {
                j.checked(format!("helm release {} {path}={class}", release.name));
                continue;
            };
            j.fail(
                format!("{}#{path}", leaf.rel),
                format!(
                    "Helm release {} puts CouchDB on {why}. Use an encrypted StorageClass.",
                    release.name
                ),
            )
            .at(target.location(&leaf.rel).with_line(leaf.line))
            .evidence("release", release.name.clone())
            .evidence("storage_class", class);
        }
    }
    j.finish(
        "Kubernetes storage for CHT is encrypted.",
        "no EBS StorageClass and no helm storage class for CouchDB",
    )
}
