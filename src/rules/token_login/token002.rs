//! TOKEN-002 app-url-not-https: `app_url` is not an `https://` address. CHT
//! builds token-login links (sent by SMS) and OIDC redirects from it; a
//! `http://` link sends the login token in clear text.

use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    super::each_app_settings(ctx, &mut j, |j, doc, settings, loc| {
        let Some(url) = super::non_empty(settings, "app_url") else {
            return;
        };
        let text = url.as_str().unwrap_or_default().trim();
        if text.to_ascii_lowercase().starts_with("https://") {
            j.checked(format!("{}: {text}", loc.path));
            return;
        }
        j.fail(
            format!("{}#app_url", doc.rel),
            format!(
                "app_url is {:?}, not an https:// address: login links and redirects built from it expose tokens on the network. Use https://.",
                crate::secret::mask_url_credentials(text)
            ),
        )
        .at(loc.with_line(url.line))
        .evidence("app_url", crate::secret::mask_url_credentials(text));
    });
    j.finish(
        "app_url is an https:// address.",
        "no CHT app settings set app_url",
    )
}
