//! How the sshd rules (PASS-006..008, TOKEN-008) walk a configuration: the
//! configurations to judge (broken ones become `not_evaluated`), the groups
//! of connections that get a value — everyone, then each set of `Match`
//! blocks that decides it — where a value comes from, and the PAM directory
//! that serves sshd. Judges nothing itself.

use std::collections::BTreeSet;

use crate::facts::pam::{PamConfigs, PamDir};
use crate::facts::sshd::{Scope, SshdConfig, SshdConfigs, Value};
use crate::outcome::{Judgement, Location};
use crate::rules::Ctx;
use crate::target::Source;

/// PAM modules that ask for a one-time code or a hardware token.
pub const OTP_MODULES: [&str; 6] = [
    "pam_google_authenticator",
    "pam_oath",
    "pam_u2f",
    "pam_yubico",
    "pam_duo",
    "pam_radius_auth",
];

/// The configurations that can be judged; a broken one (sshd would refuse
/// it, an include that cannot be read) is recorded as not evaluated.
pub fn usable<'a>(ctx: &Ctx, j: &mut Judgement, all: &'a SshdConfigs) -> Vec<&'a SshdConfig> {
    let target = ctx.target();
    let mut out = Vec::new();
    for cfg in &all.configs {
        if cfg.errors.is_empty() {
            out.push(cfg);
            continue;
        }
        for (rel, e) in &cfg.errors {
            let loc = target.location(rel);
            j.not_evaluated(format!("{}#{rel}", cfg.main), format!("{}: {e}", loc.path))
                .at(loc);
        }
    }
    out
}

/// Where a value comes from, for messages: `/etc/ssh/sshd_config:12` or
/// "OpenSSH's default".
pub fn source(ctx: &Ctx, v: &Value) -> String {
    match v.directive() {
        Some(d) => {
            let loc = ctx.target().location(&d.rel);
            format!("{}:{}", loc.path, d.line)
        }
        None => "OpenSSH's default".to_string(),
    }
}

/// The location of a value: its line, or the main file when defaulted.
pub fn location(ctx: &Ctx, cfg: &SshdConfig, v: &Value) -> Location {
    match v.directive() {
        Some(d) => ctx.target().location(&d.rel).with_line(d.line),
        None => ctx.target().location(&cfg.main),
    }
}

/// `PasswordAuthentication yes (/etc/ssh/sshd_config:12)`, or
/// `PasswordAuthentication yes (OpenSSH's default)`.
pub fn shown(ctx: &Ctx, name: &str, v: &Value) -> String {
    format!("{name} {} ({})", v.text(), source(ctx, v))
}

/// "globally" or "only for connections matching Match X (path:line)".
pub fn scope_text(ctx: &Ctx, scope: &Scope) -> String {
    let t = ctx.target();
    scope.describe(&|rel: &str| t.location(rel).path.to_string())
}

/// Everyone first, then each group of Match blocks that sets one of
/// `keywords` (the groups whose values may differ).
pub fn groups(cfg: &SshdConfig, keywords: &[&str]) -> Vec<BTreeSet<usize>> {
    let mut out = vec![BTreeSet::new()];
    out.extend(cfg.match_sets(keywords));
    out
}

/// The PAM directory that serves this sshd: the host's, or in a tree the
/// `pam.d` beside the configuration (`X/etc/pam.d` for `X/etc/ssh`).
pub fn pam_dir<'a>(ctx: &Ctx, pams: &'a PamConfigs, cfg: &SshdConfig) -> Option<&'a PamDir> {
    if let Source::Host(_) = &ctx.target().source {
        return pams.dirs.first();
    }
    let dir = crate::facts::system::parent(&cfg.main);
    let up = crate::facts::system::parent(dir);
    let candidates = [
        crate::facts::system::join(up, "pam.d"),
        crate::facts::system::join(dir, "pam.d"),
    ];
    pams.dirs
        .iter()
        .find(|d| candidates.contains(&d.dir().to_string()))
}

/// A yes/no-like value: `Some(true)` when it breaks the rule, `Some(false)`
/// when it does not, `None` when sshd would not accept it.
pub type Verdict = fn(&str) -> Option<bool>;

/// The shape of PASS-007 and PASS-008: one keyword, judged for everyone and
/// for each Match block that sets it (reported only when everyone is fine:
/// a global failure already covers those connections).
pub fn judge_keyword(
    ctx: &Ctx,
    keyword: &str,
    name: &str,
    bad: Verdict,
    consequence: &str,
    pass: &str,
) -> Vec<crate::outcome::Outcome> {
    let all = ctx.facts.get::<SshdConfigs>();
    let mut j = Judgement::new();
    for cfg in usable(ctx, &mut j, &all) {
        if cfg.fragment && !cfg.sets(keyword) {
            continue;
        }
        let mut global_bad = false;
        for ids in groups(cfg, &[keyword]) {
            if !ids.is_empty() && global_bad {
                continue;
            }
            let scope = cfg.scope(keyword, &ids);
            if !ids.is_empty()
                && !scope
                    .value
                    .directive()
                    .is_some_and(|d| d.guard.iter().any(|b| ids.contains(b)))
            {
                continue;
            }
            let main = ctx.target().location(&cfg.main).path;
            match bad(&scope.value.text()) {
                Some(true) => {
                    global_bad |= ids.is_empty();
                    j.fail(
                        format!("{}#{keyword}#{}", cfg.main, scope.key()),
                        format!(
                            "sshd ({main}) has {} {}. {consequence}",
                            shown(ctx, name, &scope.value),
                            scope_text(ctx, &scope)
                        ),
                    )
                    .at(location(ctx, cfg, &scope.value))
                    .evidence("value", scope.value.text())
                    .evidence("scope", scope_text(ctx, &scope))
                    .evidence("set_at", source(ctx, &scope.value));
                }
                Some(false) => j.checked(format!(
                    "{main}: {} {}",
                    shown(ctx, name, &scope.value),
                    scope_text(ctx, &scope)
                )),
                None => {
                    j.not_evaluated(
                        format!("{}#{keyword}#{}", cfg.main, scope.key()),
                        format!(
                            "{main}: {} is not a value sshd accepts (it would refuse to start)",
                            shown(ctx, name, &scope.value)
                        ),
                    )
                    .at(location(ctx, cfg, &scope.value));
                }
            }
        }
    }
    j.finish(pass, "no sshd configuration")
}
