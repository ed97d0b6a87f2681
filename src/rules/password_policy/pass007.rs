//! PASS-007 ssh-root-login-permitted: sshd's effective `PermitRootLogin` is
//! `yes` (globally, or for the connections a Match block covers). OpenSSH's
//! default is `prohibit-password`.

use super::sshd_scopes::judge_keyword;
use crate::outcome::Outcome;
use crate::rules::Ctx;

fn bad(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "yes" => Some(true),
        "no" | "prohibit-password" | "without-password" | "forced-commands-only" => Some(false),
        _ => None,
    }
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    judge_keyword(
        ctx,
        "permitrootlogin",
        "PermitRootLogin",
        bad,
        "Root can log in directly, with a password if password logins are on: one guessed secret gives the whole host. Set PermitRootLogin no (or prohibit-password) and use sudo.",
        "sshd does not let root log in with a password.",
    )
}
