//! PASS-001 password-max-age-too-long: `PASS_MAX_DAYS` in login.defs is
//! absent (shadow's default: no maximum), not a number, negative or above the
//! policy's `max-days`. It sets the aging of accounts created from now on.

use crate::facts::login_defs::LoginDefsFiles;
use crate::outcome::{Judgement, Outcome, not_evaluated};
use crate::rules::Ctx;
use crate::target::Source;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let defs = ctx.facts.get::<LoginDefsFiles>();
    let target = ctx.target();
    let max = i64::from(ctx.policy.password.max_days);
    if defs.files.is_empty() && matches!(target.source, Source::Host(_)) {
        return not_evaluated(
            "no /etc/login.defs under the root: password aging defaults are unknown",
        );
    }
    let mut j = Judgement::new();
    for f in &defs.files {
        let loc = target.location(&f.rel);
        let l = match &f.content {
            Ok(l) => l,
            Err(e) => {
                j.not_evaluated(f.rel.clone(), format!("{}: {e}", loc.path))
                    .at(loc);
                continue;
            }
        };
        let key = format!("{}#PASS_MAX_DAYS", f.rel);
        match l.number("PASS_MAX_DAYS") {
            None => {
                j.fail(
                    key,
                    format!(
                        "PASS_MAX_DAYS is not set in {}: accounts created from now on get shadow's default, no maximum password age; policy allows at most {max} days.",
                        loc.path
                    ),
                )
                .at(loc)
                .evidence("policy_max_days", max);
            }
            Some((n, s)) => {
                let loc = loc.with_line(s.line);
                match n {
                    Some(n) if (0..=max).contains(&n) => {
                        j.checked(format!("{}: PASS_MAX_DAYS {n}", loc.path));
                    }
                    Some(n) => {
                        let what = if n < 0 {
                            " (no maximum)".to_string()
                        } else {
                            String::new()
                        };
                        j.fail(
                            key,
                            format!(
                                "PASS_MAX_DAYS is {n}{what}; policy allows at most {max} days."
                            ),
                        )
                        .at(loc)
                        .evidence("value", n)
                        .evidence("policy_max_days", max);
                    }
                    None => {
                        j.fail(
                            key,
                            format!(
                                "PASS_MAX_DAYS {:?} is not a number, so shadow ignores it and passwords never expire; policy allows at most {max} days.",
                                s.value
                            ),
                        )
                        .at(loc)
                        .evidence("value", s.value.clone());
                    }
                }
            }
        }
    }
    j.pass_evidence("policy_max_days", max);
    j.finish(
        "Password maximum age is within the policy.",
        "no login.defs",
    )
}
