//! TLS-016 kubernetes-ingress-without-tls: an Ingress serves CHT without TLS:
//! no `tls:` block, no AWS load-balancer certificate (`certificate-arn`) with
//! an HTTP→HTTPS redirect, no GKE managed certificate. CHT's helm values are
//! judged too: an EKS release without `ingress.annotations.certificate`, or a
//! GKE one without `ingress.gcp.managedCertificateName`, renders such an
//! Ingress.

use crate::facts::helm::HelmReleases;
use crate::facts::k8s::Object;
use crate::facts::yaml::Node;
use crate::facts::{Kind, Parsed};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::rules::password_policy::each_parsed;

fn annotation<'a>(obj: &'a Object, name: &str) -> Option<&'a str> {
    obj.node
        .path(&["metadata", "annotations"])
        .and_then(|a| a.get(name))
        .and_then(Node::as_str)
        .filter(|v| !v.trim().is_empty())
}

/// How an Ingress gets TLS, if it does.
fn tls_of(obj: &Object) -> Option<&'static str> {
    if obj
        .node
        .path(&["spec", "tls"])
        .is_some_and(|t| !t.items().is_empty())
    {
        return Some("spec.tls");
    }
    if annotation(obj, "alb.ingress.kubernetes.io/certificate-arn").is_some()
        && annotation(obj, "alb.ingress.kubernetes.io/ssl-redirect").is_some()
    {
        return Some("ALB certificate-arn with ssl-redirect");
    }
    if annotation(obj, "networking.gke.io/managed-certificates").is_some() {
        return Some("GKE managed certificate");
    }
    None
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let target = ctx.target();
    let mut j = Judgement::new();
    each_parsed(ctx, &mut j, Kind::K8s, |j, doc, parsed, loc| {
        let Parsed::K8s(objects) = parsed else { return };
        for ing in objects.iter().filter(|o| o.kind == "Ingress") {
            let name = ing.name.clone().unwrap_or_else(|| "(unnamed)".to_string());
            match tls_of(ing) {
                Some(how) => j.checked(format!("{} Ingress {name} ({how})", loc.path)),
                None => {
                    let alb_cert =
                        annotation(ing, "alb.ingress.kubernetes.io/certificate-arn").is_some();
                    j.fail(
                        format!("{}#Ingress/{name}", doc.rel),
                        format!(
                            "Ingress {name} has no tls: block{}: CHT is served over plain HTTP. Add spec.tls with a certificate secret (or the load balancer's certificate and HTTPS redirect).",
                            if alb_cert { " and its ALB certificate has no ssl-redirect" } else { ", no load-balancer certificate" }
                        ),
                    )
                    .at(loc.clone().with_line(ing.line))
                    .evidence("ingress", name);
                }
            }
        }
    });
    let helm = ctx.facts.get::<HelmReleases>();
    for release in &helm.releases {
        let Some(cluster) = release.get("cluster_type") else {
            continue;
        };
        let (needed, what) = match cluster.text.as_deref() {
            Some("eks") => (
                "ingress.annotations.certificate",
                "an ACM/IAM certificate ARN",
            ),
            Some("gke") => (
                "ingress.gcp.managedCertificateName",
                "a GKE managed certificate",
            ),
            _ => continue,
        };
        match release
            .get(needed)
            .filter(|l| l.text.as_deref().is_some_and(|t| !t.trim().is_empty()))
        {
            Some(_) => j.checked(format!("helm release {}", release.name)),
            None => {
                let loc = target.location(&cluster.rel).with_line(cluster.line);
                j.fail(
                    format!("{}#{needed}", release.layers.join("+")),
                    format!(
                        "Helm release {} ({} cluster) sets no {needed}: the chart's ingress gets no certificate and serves CHT over plain HTTP. Set it to {what}.",
                        release.name,
                        cluster.text.as_deref().unwrap_or_default()
                    ),
                )
                .at(loc)
                .evidence("release", release.name.clone())
                .evidence("layers", release.layers.clone());
            }
        }
    }
    j.finish(
        "Every Ingress serving CHT terminates TLS.",
        "no Kubernetes Ingress and no EKS/GKE helm values",
    )
}
