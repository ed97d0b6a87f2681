//! TOKEN-003 token-login-message-missing: token login is enabled without the
//! SMS text that carries the link (`translation_key` or `message`), so users
//! receive no usable login message.

use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    super::each_app_settings(ctx, &mut j, |j, doc, settings, loc| {
        let Some(line) = super::token_login_enabled(settings) else {
            return;
        };
        let tl = settings
            .get("token_login")
            .expect("enabled implies present");
        if super::non_empty(tl, "translation_key").is_some()
            || super::non_empty(tl, "message").is_some()
        {
            j.checked(loc.path.to_string());
            return;
        }
        j.fail(
            format!("{}#token_login.message", doc.rel),
            "token_login is enabled without translation_key or message: the SMS sent to users has no text explaining the login link. Set token_login.translation_key (e.g. sms.token.login.help).",
        )
        .at(loc.with_line(line));
    });
    j.finish(
        "Every app with token login sets the login message.",
        "token login is not enabled in any CHT app settings",
    )
}
