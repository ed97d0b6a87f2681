//! PASS-006 ssh-password-authentication-enabled: sshd lets someone log in
//! with a password alone — `PasswordAuthentication yes` (OpenSSH's default),
//! or keyboard-interactive through PAM (`KbdInteractiveAuthentication yes`
//! with `UsePAM yes` and no one-time-code module in PAM's sshd stack, which
//! then asks for the Unix password) — and `AuthenticationMethods` does not
//! demand another method with it. Judged for everyone, and for the
//! connections each Match block decides (reported when everyone is fine).

use std::collections::BTreeSet;

use super::sshd_scopes::{
    OTP_MODULES, groups, location, pam_dir, scope_text, shown, source, usable,
};
use crate::facts::pam::{PamConfigs, PamType};
use crate::facts::sshd::{SshdConfig, SshdConfigs, Value};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

const KEYWORDS: [&str; 3] = [
    "passwordauthentication",
    "kbdinteractiveauthentication",
    "authenticationmethods",
];

/// A yes/no value; in a fragment an unset keyword counts as not enabling.
fn flag(cfg: &SshdConfig, v: &Value) -> Option<bool> {
    if cfg.fragment && v.directive().is_none() {
        return Some(false);
    }
    v.flag()
}

/// Whether AuthenticationMethods lets a login finish with only methods that
/// `knowledge` accepts (`any` lets any single method do).
pub fn alone(methods: &str, knowledge: impl Fn(&str) -> bool) -> bool {
    if methods == "any" || methods == "(not set)" {
        return true;
    }
    methods
        .split_whitespace()
        .any(|list| list.split(',').all(&knowledge))
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let all = ctx.facts.get::<SshdConfigs>();
    let pams = ctx.facts.get::<PamConfigs>();
    let target = ctx.target();
    let mut j = Judgement::new();
    for cfg in usable(ctx, &mut j, &all) {
        if cfg.fragment && !KEYWORDS[..2].iter().any(|k| cfg.sets(k)) {
            continue;
        }
        let main = target.location(&cfg.main).path;
        let usepam = cfg.global("usepam");
        let otp: Vec<String> = pam_dir(ctx, &pams, cfg)
            .and_then(|d| d.stack("sshd", PamType::Auth).ok())
            .map(|s| {
                s.find(&OTP_MODULES)
                    .iter()
                    .map(|e| e.module.clone())
                    .collect()
            })
            .unwrap_or_default();
        let mut global_bad = false;
        for ids in groups(cfg, &KEYWORDS) {
            if !ids.is_empty() && global_bad {
                continue;
            }
            let scope_of = |kw: &str| cfg.scope(kw, &ids);
            let pa = scope_of("passwordauthentication");
            let kbd = scope_of("kbdinteractiveauthentication");
            let am = scope_of("authenticationmethods");
            let decided_here = |ids: &BTreeSet<usize>| {
                ids.is_empty()
                    || [&pa, &kbd, &am].iter().any(|s| {
                        s.value
                            .directive()
                            .is_some_and(|d| d.guard.iter().any(|b| ids.contains(b)))
                    })
            };
            if !decided_here(&ids) {
                continue;
            }
            let (Some(pa_on), Some(kbd_on)) = (flag(cfg, &pa.value), flag(cfg, &kbd.value)) else {
                j.not_evaluated(
                    format!("{}#{}", cfg.main, pa.key()),
                    format!(
                        "{main}: {} / {} is not a value sshd accepts",
                        shown(ctx, "PasswordAuthentication", &pa.value),
                        shown(ctx, "KbdInteractiveAuthentication", &kbd.value)
                    ),
                )
                .at(location(ctx, cfg, &pa.value));
                continue;
            };
            let methods = am.value.text();
            let pam_on = usepam.flag() == Some(true);
            let kbd_is_password = pam_on && otp.is_empty();
            let knowledge = |m: &str| {
                m == "password" || (m.starts_with("keyboard-interactive") && kbd_is_password)
            };
            let pw_alone = pa_on && alone(&methods, knowledge);
            let kbd_alone = kbd_on && kbd_is_password && alone(&methods, knowledge);
            let scope = scope_text(ctx, &pa);
            if !(pw_alone || kbd_alone) {
                j.checked(format!(
                    "{main} {scope}: {}, {}, AuthenticationMethods {}",
                    shown(ctx, "PasswordAuthentication", &pa.value),
                    shown(ctx, "KbdInteractiveAuthentication", &kbd.value),
                    methods
                ));
                continue;
            }
            global_bad |= ids.is_empty();
            let mut how = Vec::new();
            if pw_alone {
                how.push(shown(ctx, "PasswordAuthentication", &pa.value));
            }
            if kbd_alone {
                how.push(format!(
                    "{} with {} and no one-time-code module in PAM's sshd stack, so PAM asks for the Unix password",
                    shown(ctx, "KbdInteractiveAuthentication", &kbd.value),
                    shown(ctx, "UsePAM", &usepam)
                ));
            }
            let at = if pw_alone { &pa.value } else { &kbd.value };
            j.fail(
                format!("{}#{}", cfg.main, pa.key()),
                format!(
                    "sshd ({main}) accepts password-only logins {scope}: {}; AuthenticationMethods {methods} ({}) asks for nothing more. Passwords can be guessed, sprayed or phished; use keys: PasswordAuthentication no and KbdInteractiveAuthentication no.",
                    how.join("; "),
                    source(ctx, &am.value)
                ),
            )
            .at(location(ctx, cfg, at))
            .evidence("scope", scope)
            .evidence("password_authentication", pa.value.text())
            .evidence("kbd_interactive_authentication", kbd.value.text())
            .evidence("authentication_methods", methods)
            .evidence("use_pam", usepam.text());
        }
    }
    j.finish(
        "sshd does not accept password-only logins.",
        "no sshd configuration",
    )
}
