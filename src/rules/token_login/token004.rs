//! TOKEN-004 token-login-not-enabled: an app with offline (community health
//! worker) roles does not enable token login, so CHWs log in with passwords
//! that are typed on shared phones, written down and reused. The hosting
//! guide's checklist asks "Have you considered Token Login?".

use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    super::each_app_settings(ctx, &mut j, |j, doc, settings, loc| {
        let Some(roles) = settings.get("roles") else {
            return;
        };
        let offline: Vec<String> = roles
            .members()
            .iter()
            .filter(|(_, _, r)| r.get("offline").is_some_and(|o| o.truthy()))
            .map(|(name, _, _)| name.to_string())
            .collect();
        if offline.is_empty() {
            return;
        }
        if super::token_login_enabled(settings).is_some() {
            j.checked(loc.path.to_string());
            return;
        }
        let line = settings
            .member("token_login")
            .map_or(roles.line, |(l, _)| l);
        j.fail(
            format!("{}#token_login", doc.rel),
            format!(
                "The app has offline roles ({}) but token login is not enabled: CHWs log in with passwords. Consider token_login (magic links by SMS).",
                offline.join(", ")
            ),
        )
        .at(loc.with_line(line))
        .evidence("offline_roles", offline);
    });
    j.finish(
        "Apps with offline users enable token login.",
        "no CHT app settings with offline (CHW) roles",
    )
}
