//! PASS-005 account-with-empty-password: an `/etc/shadow` entry (or an
//! `/etc/passwd` entry without a shadow password) has an empty password
//! field: with pam_unix's `nullok`, anyone can log in as that account.

use crate::facts::shadow::{Accounts, HashScheme};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let target = ctx.target();
    let accounts = ctx.facts.get::<Accounts>();
    let mut j = Judgement::new();
    if let Some(f) = &accounts.passwd {
        match &f.content {
            Ok(entries) => {
                for p in entries {
                    if p.password.is_some_and(|pw| pw.scheme == HashScheme::Empty) {
                        j.fail(
                            format!("passwd:{}", p.name),
                            format!(
                                "Account {} has an empty password field in /etc/passwd (shell {}): it logs in without a password. Lock it (`passwd -l {}`) or set one.",
                                p.name, p.shell, p.name
                            ),
                        )
                        .at(target.location(&f.rel).with_line(p.line))
                        .evidence("account", p.name.clone())
                        .evidence("shell", p.shell.clone());
                    }
                }
            }
            Err(e) => {
                j.not_evaluated("passwd", format!("/etc/passwd: {e}"))
                    .at(target.location(&f.rel));
            }
        }
    }
    match &accounts.shadow {
        None => {
            j.not_evaluated(
                "shadow",
                "no /etc/shadow under the root: whether accounts have empty passwords is unknown",
            );
        }
        Some(f) => match &f.content {
            Err(e) => {
                j.not_evaluated("shadow", format!("/etc/shadow: {e}"))
                    .at(target.location(&f.rel));
            }
            Ok(entries) => {
                for e in entries {
                    if e.password.scheme == HashScheme::Empty {
                        let shell = accounts.shell_of(&e.name).unwrap_or("unknown");
                        j.fail(
                            format!("shadow:{}", e.name),
                            format!(
                                "Account {} has an empty password field in /etc/shadow (shell {shell}): with pam_unix's nullok it logs in without a password. Lock it (`passwd -l {}`) or set one.",
                                e.name, e.name
                            ),
                        )
                        .at(target.location(&f.rel).with_line(e.line))
                        .evidence("account", e.name.clone())
                        .evidence("shell", shell);
                    }
                }
                j.checked(format!("/etc/shadow: {} accounts", entries.len()));
            }
        },
    }
    j.finish("No account has an empty password.", "no account files")
}
