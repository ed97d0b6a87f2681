//! PASS-008 ssh-empty-passwords-permitted: sshd's effective
//! `PermitEmptyPasswords` is `yes` (globally or in a Match block); OpenSSH's
//! default is `no`.

use super::sshd_scopes::judge_keyword;
use crate::outcome::Outcome;
use crate::rules::Ctx;

fn bad(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    judge_keyword(
        ctx,
        "permitemptypasswords",
        "PermitEmptyPasswords",
        bad,
        "An account with an empty password logs in over the network with nothing at all. Set PermitEmptyPasswords no.",
        "sshd refuses empty passwords.",
    )
}
