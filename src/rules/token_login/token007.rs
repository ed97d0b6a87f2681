//! TOKEN-007 token-login-user-without-phone: a users CSV row turns token login
//! on but has no phone number: CHT has nowhere to send the login link, and
//! refuses to create the user.

use crate::facts::{Kind, Parsed};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::rules::password_policy::each_parsed;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    each_parsed(ctx, &mut j, Kind::UsersCsv, |j, doc, parsed, loc| {
        let Parsed::UsersCsv(csv) = parsed else {
            return;
        };
        for row in csv.rows.iter().filter(|r| r.token_login_enabled()) {
            if row.phone.as_deref().is_some_and(|p| !p.trim().is_empty()) {
                j.checked(format!("{} user {}", loc.path, row.username));
                continue;
            }
            j.fail(
                format!("{}#{}", doc.rel, row.username),
                format!(
                    "User {} has token_login but no phone number: the login link cannot be sent by SMS. Add the phone or turn token login off for this user.",
                    row.username
                ),
            )
            .at(loc.clone().with_line(row.line))
            .evidence("username", row.username.clone());
        }
    });
    j.finish(
        "Every user with token login has a phone number.",
        "no users CSV row turns token login on",
    )
}
