//! PASS-014 forced-password-change-skippable: CHT app settings grant
//! `can_skip_password_change` to some roles, so users of those roles keep the
//! password an administrator chose (or sent them) for good.

use crate::facts::json::JsonValue;
use crate::facts::{Kind, Parsed};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

// Reads app settings' permissions.can_skip_password_change only: listed in
// `rules::APP_SETTINGS_READ` (the rest is pruned before rules run).
pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    super::each_parsed(
        ctx,
        &mut j,
        Kind::AppSettings,
        |j, doc, parsed, location| {
            let Parsed::AppSettings(settings) = parsed else {
                return;
            };
            let Some(perm) = settings
                .get("permissions")
                .and_then(|p| p.get("can_skip_password_change"))
            else {
                j.checked(format!("{} (no can_skip_password_change)", location.path));
                return;
            };
            let roles: Vec<String> = match &perm.value {
                JsonValue::Array(items) => items
                    .iter()
                    .map(|r| r.as_str().map_or_else(|| "?".to_string(), str::to_string))
                    .collect(),
                JsonValue::String(s) if !s.is_empty() => vec![s.to_string()],
                _ => Vec::new(),
            };
            if roles.is_empty() {
                j.checked(format!(
                    "{} (can_skip_password_change: none)",
                    location.path
                ));
                return;
            }
            j.fail(
            format!("{}#permissions.can_skip_password_change", doc.rel),
            format!(
                "permissions.can_skip_password_change is granted to {}: those users may keep the password they were given at first login. Leave the list empty.",
                roles.join(", ")
            ),
        )
        .at(location.with_line(perm.line))
        .evidence("roles", roles);
        },
    );
    j.finish(
        "No role may skip the forced password change.",
        "no CHT app settings files",
    )
}
