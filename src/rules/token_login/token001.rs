//! TOKEN-001 token-login-without-app-url: token login is enabled but
//! `app_url` is missing. Since CHT 5.0 the magic links sent by SMS are built
//! from `app_url`; without it no link can be sent (and older versions built
//! it from the request's Host header).

use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    super::each_app_settings(ctx, &mut j, |j, doc, settings, loc| {
        let Some(line) = super::token_login_enabled(settings) else {
            return;
        };
        if super::non_empty(settings, "app_url").is_some() {
            j.checked(loc.path.to_string());
            return;
        }
        j.fail(
            format!("{}#app_url", doc.rel),
            "token_login is enabled but app_url is not set: CHT 5.0 and later need app_url to build the login links sent by SMS. Set app_url to the instance's https:// address.",
        )
        .at(loc.with_line(line));
    });
    j.finish(
        "Every app with token login sets app_url.",
        "token login is not enabled in any CHT app settings",
    )
}
