//! TOKEN-005 oidc-discovery-insecure: the OIDC provider's `discovery_url` is
//! not `https://`, or `allow_insecure_requests` is true: CHT then accepts
//! identity-provider answers (keys, tokens) over plain HTTP.

use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    super::each_app_settings(ctx, &mut j, |j, doc, settings, loc| {
        let Some(oidc) = settings.get("oidc_provider") else {
            return;
        };
        let mut ok = true;
        if let Some(url) = oidc
            .get("discovery_url")
            .and_then(|u| u.as_str().map(|s| (s, u.line)))
            && !url.0.trim().to_ascii_lowercase().starts_with("https://")
        {
            {
                ok = false;
                j.fail(
                    format!("{}#oidc_provider.discovery_url", doc.rel),
                    format!(
                        "oidc_provider.discovery_url is {:?}, not https://: the provider's keys and endpoints can be forged on the network.",
                        crate::secret::mask_url_credentials(url.0)
                    ),
                )
                .at(loc.clone().with_line(url.1));
            }
        }
        if let Some(insecure) = oidc.get("allow_insecure_requests")
            && insecure.truthy()
        {
            ok = false;
            j.fail(
                format!("{}#oidc_provider.allow_insecure_requests", doc.rel),
                "oidc_provider.allow_insecure_requests is true: CHT talks to the identity provider over plain HTTP. Remove it (development only).",
            )
            .at(loc.clone().with_line(insecure.line));
        }
        if ok {
            j.checked(loc.path.to_string());
        }
    });
    j.finish(
        "OIDC discovery uses https:// and insecure requests are off.",
        "no oidc_provider in the CHT app settings",
    )
}
