//! PASS-002 password-min-length-too-short: the shortest password the
//! password stack accepts — the strictest of pam_pwquality (arguments over
//! pwquality.conf(.d), default 8, less positive credits), pam_cracklib,
//! pam_passwdqc and pam_unix (default 6) — is below the policy's
//! `min-length`. Without PAM (a tree with only login.defs or pwquality files)
//! what those files set is judged. `PASS_MIN_LEN` is unused where PAM sets
//! passwords and is only reported.

use std::collections::BTreeSet;

use super::pam_stacks::{
    chain, enforcer, login_defs_for, password_services, pwquality_for, stack_error,
};
use crate::facts::login_defs::LoginDefsFiles;
use crate::facts::pam::{PamConfigs, PamType};
use crate::facts::pwquality::PwQualityConfigs;
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::target::Source;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let pams = ctx.facts.get::<PamConfigs>();
    let pwqs = ctx.facts.get::<PwQualityConfigs>();
    let defs = ctx.facts.get::<LoginDefsFiles>();
    let target = ctx.target();
    let want = i64::from(ctx.policy.password.min_length);
    let is_host = matches!(target.source, Source::Host(_));
    let mut j = Judgement::new();
    let mut used_pwq: BTreeSet<String> = BTreeSet::new();
    let mut used_defs: BTreeSet<String> = BTreeSet::new();
    for dir in &pams.dirs {
        for e in &dir.errors {
            j.not_evaluated(dir.dir().to_string(), e.clone());
        }
        let cfg = pwquality_for(dir, &pwqs);
        if let Some(c) = cfg {
            used_pwq.insert(c.dir.clone());
            for (rel, e) in &c.broken {
                let loc = target.location(rel);
                j.not_evaluated(rel.clone(), format!("{}: {e}", loc.path))
                    .at(loc);
            }
        }
        let pass_min_len = login_defs_for(dir, &defs)
            .or_else(|| if is_host { defs.files.first() } else { None })
            .and_then(|f| {
                used_defs.insert(f.rel.clone());
                f.ok()?
                    .get("PASS_MIN_LEN")
                    .map(|s| format!("{} (unused with PAM)", s.value))
            });
        for svc in password_services(dir) {
            let stack = match dir.stack(svc, PamType::Password) {
                Ok(s) => s,
                Err(e) => {
                    j.not_evaluated(format!("{}#{svc}", dir.dir()), stack_error(&target, &e));
                    continue;
                }
            };
            let mut active = Vec::new();
            let mut ignored = Vec::new();
            for e in &stack.entries {
                if let Some(en) = enforcer(&target, e, cfg) {
                    match &en.warn_only {
                        Some(w) => ignored.push(w.clone()),
                        None => active.push((e, en)),
                    }
                }
            }
            let binding = active.iter().max_by_key(|(_, en)| en.shortest);
            let shortest = binding.map_or(1, |(_, en)| en.shortest);
            let whys: Vec<String> = active.iter().map(|(_, en)| en.why.clone()).collect();
            let loc = match binding {
                Some((e, _)) => target.location(&e.rel).with_line(e.line),
                None => target.location(&stack.rel),
            };
            let chain = chain(&target, &stack);
            if shortest < want {
                let detail = if whys.is_empty() {
                    "no module in it checks length".to_string()
                } else {
                    whys.join("; ")
                };
                let o = j
                    .fail(
                        format!("{}#{svc}", dir.dir()),
                        format!(
                            "New passwords set through {svc} ({chain}) may be as short as {shortest} characters ({detail}); policy requires at least {want}.",
                        ),
                    )
                    .at(loc)
                    .evidence("service", svc)
                    .evidence("shortest", shortest)
                    .evidence("policy_min_length", want)
                    .evidence("enforced_by", whys.clone())
                    .evidence("ignored", ignored.clone());
                if let Some(p) = &pass_min_len {
                    o.evidence("PASS_MIN_LEN", p.clone());
                }
            } else {
                j.checked(format!("{svc}: shortest {shortest} ({})", whys.join("; ")));
            }
        }
    }
    // Files judged on their own (a tree without PAM, or a host without it).
    for c in pwqs.configs.iter().filter(|c| !used_pwq.contains(&c.dir)) {
        for (rel, e) in &c.broken {
            let loc = target.location(rel);
            j.not_evaluated(rel.clone(), format!("{}: {e}", loc.path))
                .at(loc);
        }
        let (minlen, loc, why) = match c.get("minlen") {
            Some(s) => (
                s.int().unwrap_or(8).max(6),
                target.location(&s.rel).with_line(s.line),
                format!("minlen = {}", s.value),
            ),
            None => match c.files.last() {
                Some(f) => (
                    8,
                    target.location(f),
                    "no minlen: libpwquality's default 8".to_string(),
                ),
                None => continue,
            },
        };
        if minlen < want {
            j.fail(
                format!("{}#minlen", c.dir),
                format!("pwquality allows passwords of {minlen} characters ({why}); policy requires at least {want}."),
            )
            .at(loc)
            .evidence("minlen", minlen)
            .evidence("policy_min_length", want);
        } else {
            j.checked(format!("{}: {why}", loc.path));
        }
    }
    if pams.dirs.is_empty() {
        for f in defs.files.iter().filter(|f| !used_defs.contains(&f.rel)) {
            let Some((n, s)) = f.ok().and_then(|l| l.number("PASS_MIN_LEN")) else {
                continue;
            };
            let loc = target.location(&f.rel).with_line(s.line);
            match n {
                Some(n) if n >= want => j.checked(format!("{}: PASS_MIN_LEN {n}", loc.path)),
                _ => {
                    j.fail(
                        format!("{}#PASS_MIN_LEN", f.rel),
                        format!(
                            "PASS_MIN_LEN is {}; policy requires at least {want}.",
                            s.value
                        ),
                    )
                    .at(loc)
                    .evidence("value", s.value.clone());
                }
            }
        }
        if is_host && !j.has_failures() {
            j.not_evaluated("pam", "no PAM configuration under the root (/etc/pam.d): the password length rules in force are unknown");
        }
    }
    j.pass_evidence("policy_min_length", want);
    j.finish(
        "Passwords must be at least as long as the policy requires.",
        "no PAM, pwquality or login.defs configuration",
    )
}
