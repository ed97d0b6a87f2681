//! PASS-003 password-quality-check-missing: the password stack that sets new
//! passwords (`passwd`, following `@include common-password` or `substack
//! system-auth`) has no pam_pwquality, pam_passwdqc or pam_cracklib that
//! enforces (not `optional`, not `enforcing=0` / `enforce=none`).

use super::pam_stacks::{
    QUALITY_MODULES, chain, describe_entry, enforcer, password_services, pwquality_for, stack_error,
};
use crate::facts::pam::{PamConfigs, PamType};
use crate::facts::pwquality::PwQualityConfigs;
use crate::outcome::{Judgement, Outcome, not_evaluated};
use crate::rules::Ctx;
use crate::target::Source;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let pams = ctx.facts.get::<PamConfigs>();
    let pwqs = ctx.facts.get::<PwQualityConfigs>();
    let target = ctx.target();
    if pams.dirs.is_empty() && matches!(target.source, Source::Host(_)) {
        return not_evaluated("no PAM configuration under the root (/etc/pam.d)");
    }
    let mut j = Judgement::new();
    for dir in &pams.dirs {
        for e in &dir.errors {
            j.not_evaluated(dir.dir().to_string(), e.clone());
        }
        let cfg = pwquality_for(dir, &pwqs);
        for svc in password_services(dir) {
            let stack = match dir.stack(svc, PamType::Password) {
                Ok(s) => s,
                Err(e) => {
                    j.not_evaluated(format!("{}#{svc}", dir.dir()), stack_error(&target, &e));
                    continue;
                }
            };
            let chain = chain(&target, &stack);
            let found = stack.find(&QUALITY_MODULES);
            let enforcing: Vec<_> = found
                .iter()
                .filter(|e| enforcer(&target, e, cfg).is_none_or(|en| en.warn_only.is_none()))
                .collect();
            let anchor = stack.find(&["pam_unix"]).first().map_or_else(
                || target.location(&stack.rel),
                |e| target.location(&e.rel).with_line(e.line),
            );
            if let Some(e) = enforcing.first() {
                j.checked(format!("{svc}: {}", describe_entry(&target, e)));
            } else if let Some(e) = found.first() {
                let why = enforcer(&target, e, cfg)
                    .and_then(|en| en.warn_only)
                    .unwrap_or_else(|| format!("{} does not enforce", e.module));
                j.fail(
                    format!("{}#{svc}", dir.dir()),
                    format!("The password quality check of {svc} ({chain}) does not reject anything: {why}. Make it required/requisite and enforcing."),
                )
                .at(target.location(&e.rel).with_line(e.line))
                .evidence("service", svc)
                .evidence("module", e.module.clone());
            } else {
                j.fail(
                    format!("{}#{svc}", dir.dir()),
                    format!(
                        "No password quality check in the password stack of {svc} ({chain}): without pam_pwquality, pam_passwdqc or pam_cracklib, dictionary words and trivial passwords are accepted. Add `password requisite pam_pwquality.so retry=3` before pam_unix."
                    ),
                )
                .at(anchor)
                .evidence("service", svc)
                .evidence("files", stack.files.iter().map(|f| target.location(f).path).collect::<Vec<_>>());
            }
        }
    }
    j.finish(
        "The password stack checks password quality.",
        "no PAM configuration",
    )
}
