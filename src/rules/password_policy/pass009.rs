//! PASS-009 login-lockout-missing: the auth stack of the services people log
//! in through (`sshd`, `login`; the shared `common-auth` / `system-auth` /
//! `password-auth` when a tree keeps only those) has no pam_faillock or
//! pam_tally2 that locks an account after failed attempts (not `optional`,
//! not `deny=0`).

use super::pam_stacks::{
    LOCKOUT_MODULES, chain, describe_entry, enforcing_control, login_services, stack_error,
};
use crate::facts::pam::{PamConfigs, PamType};
use crate::outcome::{Judgement, Outcome, not_evaluated};
use crate::rules::Ctx;
use crate::target::Source;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let pams = ctx.facts.get::<PamConfigs>();
    let target = ctx.target();
    if pams.dirs.is_empty() && matches!(target.source, Source::Host(_)) {
        return not_evaluated("no PAM configuration under the root (/etc/pam.d)");
    }
    let mut j = Judgement::new();
    for dir in &pams.dirs {
        for e in &dir.errors {
            j.not_evaluated(dir.dir().to_string(), e.clone());
        }
        for svc in login_services(dir) {
            let stack = match dir.stack(svc, PamType::Auth) {
                Ok(s) => s,
                Err(e) => {
                    j.not_evaluated(format!("{}#{svc}", dir.dir()), stack_error(&target, &e));
                    continue;
                }
            };
            let chain = chain(&target, &stack);
            let found = stack.find(&LOCKOUT_MODULES);
            let locking: Vec<_> = found
                .iter()
                .filter(|e| enforcing_control(e) && e.arg("deny") != Some("0"))
                .collect();
            if let Some(e) = locking.first() {
                j.checked(format!("{svc}: {}", describe_entry(&target, e)));
                continue;
            }
            let (detail, loc) = match found.first() {
                Some(e) => (
                    format!(
                        "{} is there but does not lock (optional, or deny=0)",
                        describe_entry(&target, e)
                    ),
                    target.location(&e.rel).with_line(e.line),
                ),
                None => (
                    "neither pam_faillock nor pam_tally2 is in it".to_string(),
                    stack.find(&["pam_unix"]).first().map_or_else(
                        || target.location(&stack.rel),
                        |e| target.location(&e.rel).with_line(e.line),
                    ),
                ),
            };
            j.fail(
                format!("{}#{svc}", dir.dir()),
                format!(
                    "Failed logins through {svc} ({chain}) never lock the account: {detail}. Passwords can be guessed without limit; add pam_faillock (preauth and authfail) to the auth stack."
                ),
            )
            .at(loc)
            .evidence("service", svc)
            .evidence("files", stack.files.iter().map(|f| target.location(f).path).collect::<Vec<_>>());
        }
    }
    j.finish("Failed logins lock accounts.", "no PAM configuration")
}
