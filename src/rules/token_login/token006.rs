//! TOKEN-006 oidc-client-secret-in-settings: a secret-like key (`client_secret`,
//! `secret`, `password`) sits under `oidc_provider` in the app settings,
//! which every CHT user's device downloads. CHT reads the client secret from
//! its credentials store (`oidc:client-secret`), never from settings.

use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::secret::{Secret, is_secret_key};

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    super::each_app_settings(ctx, &mut j, |j, doc, settings, loc| {
        let Some(oidc) = settings.get("oidc_provider") else {
            return;
        };
        let mut found = false;
        for (key, line, value) in oidc.members() {
            if !is_secret_key(key) || !value.truthy() {
                continue;
            }
            found = true;
            let shown = Secret::new(value.as_str().unwrap_or("(not a string)"));
            j.fail(
                format!("{}#oidc_provider.{key}", doc.rel),
                format!(
                    "oidc_provider.{key} holds a secret in the app settings, which every user's device downloads. Remove it and store the client secret with `cht-conf` credentials (oidc:client-secret)."
                ),
            )
            .at(loc.clone().with_line(*line))
            .evidence("key", key.as_str())
            .evidence("value", &shown);
        }
        if !found {
            j.checked(loc.path.to_string());
        }
    });
    j.finish(
        "No secret is kept under oidc_provider in the app settings.",
        "no oidc_provider in the CHT app settings",
    )
}
