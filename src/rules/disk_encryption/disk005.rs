//! DISK-005 kubernetes-volume-unencrypted: a StorageClass provisioning AWS EBS
//! volumes does not set `encrypted: "true"` (EBS encrypts only when asked or
//! when the account's default says so), or CHT's helm values put CouchDB on
//! such a class — one defined unencrypted in the tree, or EKS's built-in
//! `gp2` class, which does not encrypt.

use crate::facts::helm::HelmReleases;
use crate::facts::k8s::Object;
use crate::facts::yaml::Node;
use crate::facts::{Kind, Parsed};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::rules::password_policy::each_parsed;

const EBS_PROVISIONERS: [&str; 2] = ["ebs.csi.aws.com", "kubernetes.io/aws-ebs"];

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
                j.checked(format!("{} StorageClass {name} (not EBS)", loc.path));
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
