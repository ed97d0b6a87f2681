//! PASS-004 weak-password-hash: login.defs `ENCRYPT_METHOD` is not SHA512 or
//! YESCRYPT (unset means DES, or MD5 with `MD5_CRYPT_ENAB yes`), pam_unix in
//! a password stack is told to use md5/bigcrypt/sha256, or a `/etc/shadow`
//! entry is hashed with DES, BSDi DES, MD5 or SHA-1 crypt. Only the scheme of
//! a hash is ever looked at or shown.

use super::pam_stacks::{describe_entry, password_services};
use crate::facts::login_defs::LoginDefsFiles;
use crate::facts::pam::{PamConfigs, PamType};
use crate::facts::shadow::{Accounts, HashScheme};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::target::Source;

const STRONG_METHODS: [&str; 2] = ["SHA512", "YESCRYPT"];
const WEAK_SCHEMES: [HashScheme; 5] = [
    HashScheme::Des,
    HashScheme::BsdiDes,
    HashScheme::Md5,
    HashScheme::SunMd5,
    HashScheme::Sha1,
];
const PAM_UNIX_WEAK: [&str; 4] = ["md5", "bigcrypt", "sha256", "descrypt"];

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let target = ctx.target();
    let defs = ctx.facts.get::<LoginDefsFiles>();
    let pams = ctx.facts.get::<PamConfigs>();
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
        let key = format!("{}#ENCRYPT_METHOD", f.rel);
        match l.get("ENCRYPT_METHOD") {
            Some(s) if STRONG_METHODS.contains(&s.value.to_ascii_uppercase().as_str()) => {
                j.checked(format!("{}: ENCRYPT_METHOD {}", loc.path, s.value));
            }
            Some(s) => {
                j.fail(
                    key,
                    format!(
                        "ENCRYPT_METHOD is {}: passwords set by chpasswd, newusers (and pam_unix without a hash option) are hashed with it. Use YESCRYPT or SHA512.",
                        s.value
                    ),
                )
                .at(loc.with_line(s.line))
                .evidence("value", s.value.clone());
            }
            None => {
                let md5 = l
                    .get("MD5_CRYPT_ENAB")
                    .is_some_and(|s| s.value.eq_ignore_ascii_case("yes"));
                j.fail(
                    key,
                    format!(
                        "ENCRYPT_METHOD is not set in {}: shadow-utils then hash with {}. Set ENCRYPT_METHOD YESCRYPT or SHA512.",
                        loc.path,
                        if md5 { "MD5 (MD5_CRYPT_ENAB yes)" } else { "DES" }
                    ),
                )
                .at(loc);
            }
        }
    }
    for dir in &pams.dirs {
        for svc in password_services(dir) {
            let Ok(stack) = dir.stack(svc, PamType::Password) else {
                continue; // PASS-002/003 report unresolvable stacks
            };
            for e in stack.find(&["pam_unix"]) {
                match PAM_UNIX_WEAK.iter().find(|w| e.flag(w)) {
                    Some(w) => {
                        j.fail(
                            format!("{}#{svc}#pam_unix", dir.dir()),
                            format!("pam_unix in the password stack of {svc} hashes new passwords with {w}. Use yescrypt or sha512."),
                        )
                        .at(target.location(&e.rel).with_line(e.line))
                        .evidence("option", *w);
                    }
                    None => j.checked(format!("{svc}: {}", describe_entry(&target, e))),
                }
            }
        }
    }
    if let Source::Host(_) = &target.source {
        let accounts = ctx.facts.get::<Accounts>();
        match &accounts.shadow {
            None => {
                j.not_evaluated(
                    "shadow",
                    "no /etc/shadow under the root: stored password hashes are unknown",
                );
            }
            Some(f) => match &f.content {
                Err(e) => {
                    j.not_evaluated("shadow", format!("/etc/shadow: {e}"))
                        .at(target.location(&f.rel));
                }
                Ok(entries) => {
                    let mut strong = 0usize;
                    for e in entries {
                        let scheme = e.password.scheme;
                        if WEAK_SCHEMES.contains(&scheme) {
                            let locked = if e.password.locked {
                                " (the account is locked, but the hash can still be cracked from a copy of the file)"
                            } else {
                                ""
                            };
                            j.fail(
                                format!("shadow:{}", e.name),
                                format!(
                                    "The password of account {} is hashed with {}{locked}: such hashes are cracked at billions of guesses per second. Set a new password so it is hashed with yescrypt or SHA-512.",
                                    e.name,
                                    scheme.describe()
                                ),
                            )
                            .at(target.location(&f.rel).with_line(e.line))
                            .evidence("account", e.name.clone())
                            .evidence("scheme", scheme.describe());
                        } else if scheme == HashScheme::Unknown {
                            j.not_evaluated(
                                format!("shadow:{}", e.name),
                                format!("the password hash scheme of account {} is not one rampart knows", e.name),
                            )
                            .at(target.location(&f.rel).with_line(e.line));
                        } else {
                            strong += 1;
                        }
                    }
                    j.checked(format!(
                        "/etc/shadow: {strong} accounts without a weak hash"
                    ));
                }
            },
        }
    }
    j.finish(
        "Passwords are hashed with a strong scheme.",
        "no login.defs, PAM or shadow file",
    )
}
