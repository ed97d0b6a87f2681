//! TOKEN-008 ssh-second-factor-missing: sshd has no second factor — its
//! effective `AuthenticationMethods` does not chain two methods
//! (`publickey,keyboard-interactive`) and no one-time-code or U2F PAM module
//! (pam_google_authenticator, pam_oath, pam_u2f, pam_yubico, pam_duo) serves
//! sshd through keyboard-interactive (`UsePAM yes`,
//! `KbdInteractiveAuthentication yes`). Judged for everyone and for the
//! connections each Match block decides.

use crate::facts::pam::{PamConfigs, PamType};
use crate::facts::sshd::SshdConfigs;
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::rules::password_policy::pam_stacks::describe_entry;
use crate::rules::password_policy::sshd_scopes::{
    OTP_MODULES, groups, location, pam_dir, scope_text, source, usable,
};

const KEYWORDS: [&str; 2] = ["authenticationmethods", "kbdinteractiveauthentication"];

/// Every method list names at least two methods.
fn chained(methods: &str) -> bool {
    methods != "any"
        && methods != "(not set)"
        && methods
            .split_whitespace()
            .all(|list| list.split(',').filter(|m| !m.is_empty()).count() >= 2)
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let all = ctx.facts.get::<SshdConfigs>();
    let pams = ctx.facts.get::<PamConfigs>();
    let target = ctx.target();
    let mut j = Judgement::new();
    for cfg in usable(ctx, &mut j, &all) {
        if cfg.fragment && !cfg.sets("authenticationmethods") {
            continue;
        }
        let main = target.location(&cfg.main).path;
        let dir = pam_dir(ctx, &pams, cfg);
        let otp: Vec<String> = dir
            .and_then(|d| d.stack("sshd", PamType::Auth).ok())
            .map(|s| {
                s.find(&OTP_MODULES)
                    .iter()
                    .map(|e| describe_entry(&target, e))
                    .collect()
            })
            .unwrap_or_default();
        let usepam = cfg.global("usepam").flag() == Some(true);
        let mut global_bad = false;
        for ids in groups(cfg, &KEYWORDS) {
            if !ids.is_empty() && global_bad {
                continue;
            }
            let am = cfg.scope("authenticationmethods", &ids);
            let kbd = cfg.scope("kbdinteractiveauthentication", &ids);
            if !ids.is_empty()
                && ![&am, &kbd].iter().any(|s| {
                    s.value
                        .directive()
                        .is_some_and(|d| d.guard.iter().any(|b| ids.contains(b)))
                })
            {
                continue;
            }
            let methods = am.value.text();
            let pam_factor = !otp.is_empty() && usepam && kbd.value.flag() == Some(true);
            if chained(&methods) {
                j.checked(format!(
                    "{main} {}: AuthenticationMethods {methods}",
                    scope_text(ctx, &am)
                ));
                continue;
            }
            if pam_factor {
                j.checked(format!(
                    "{main} {}: {} through keyboard-interactive",
                    scope_text(ctx, &am),
                    otp.join(", ")
                ));
                continue;
            }
            global_bad |= ids.is_empty();
            let pam_note = if !otp.is_empty() {
                format!(
                    "{} is in PAM's sshd stack but cannot ask for a code: it needs UsePAM yes and KbdInteractiveAuthentication yes",
                    otp.join(", ")
                )
            } else if dir.is_some() {
                "no one-time-code or U2F module is in PAM's sshd stack".to_string()
            } else {
                "no PAM configuration for sshd shows a one-time-code or U2F module".to_string()
            };
            j.fail(
                format!("{}#{}", cfg.main, am.key()),
                format!(
                    "sshd ({main}) has no second factor {}: AuthenticationMethods {methods} ({}) lets a single method log in, and {pam_note}. A stolen key or password is enough; require two, e.g. AuthenticationMethods publickey,keyboard-interactive with pam_google_authenticator or pam_u2f.",
                    scope_text(ctx, &am),
                    source(ctx, &am.value)
                ),
            )
            .at(location(ctx, cfg, &am.value))
            .evidence("scope", scope_text(ctx, &am))
            .evidence("authentication_methods", methods)
            .evidence("otp_modules", otp.clone());
        }
    }
    j.finish("sshd requires a second factor.", "no sshd configuration")
}
