//! Which PAM stacks the password rules judge and what they amount to: the
//! services that set new passwords or log users in (falling back to the
//! shared stacks a tree may keep alone), the pwquality configuration and
//! login.defs that go with a PAM directory, and the shortest password a
//! password stack accepts (pam_pwquality, pam_cracklib, pam_passwdqc,
//! pam_unix, each with its documented defaults).

use crate::facts::login_defs::{LoginDefs, LoginDefsFiles};
use crate::facts::pam::{PamDir, Stack, StackEntry, StackError};
use crate::facts::pwquality::{PwQualityConfig, PwQualityConfigs};
use crate::facts::system::{SystemFile, join, parent};
use crate::target::Target;

/// `path:line` of a relative path as the target prints it.
pub fn at(t: &Target, rel: &str, line: u32) -> String {
    format!("{}:{line}", t.location(rel).path)
}

/// `pam_unix.so at /etc/pam.d/common-password:25 (via passwd → common-password)`.
pub fn describe_entry(t: &Target, e: &StackEntry) -> String {
    let place = at(t, &e.rel, e.line);
    if e.via.len() > 1 {
        format!("{} at {place} (via {})", e.module, e.via.join(" → "))
    } else {
        format!("{} at {place}", e.module)
    }
}

/// The files a stack is read from, as the target prints them, joined by →.
pub fn chain(t: &Target, s: &Stack) -> String {
    s.files
        .iter()
        .map(|f| t.location(f).path)
        .collect::<Vec<_>>()
        .join(" → ")
}

/// A stack that cannot be resolved, as a not-evaluated reason.
pub fn stack_error(t: &Target, e: &StackError) -> String {
    format!("{}: {}", t.location(&e.rel).path, e.what)
}

/// Services whose `password` stack sets new passwords.
pub fn password_services(dir: &PamDir) -> Vec<&'static str> {
    if dir.has("passwd") {
        return vec!["passwd"];
    }
    let shared: Vec<&str> = ["common-password", "system-auth", "password-auth"]
        .into_iter()
        .filter(|s| dir.has(s))
        .collect();
    if !shared.is_empty() {
        return shared;
    }
    if dir.has("other") {
        vec!["passwd"]
    } else {
        Vec::new()
    }
}

/// Services whose `auth` stack logs users in.
pub fn login_services(dir: &PamDir) -> Vec<&'static str> {
    let direct: Vec<&str> = ["sshd", "login"]
        .into_iter()
        .filter(|s| dir.has(s))
        .collect();
    if !direct.is_empty() {
        return direct;
    }
    let shared: Vec<&str> = ["common-auth", "system-auth", "password-auth"]
        .into_iter()
        .filter(|s| dir.has(s))
        .collect();
    if !shared.is_empty() {
        return shared;
    }
    if dir.has("other") {
        vec!["login"]
    } else {
        Vec::new()
    }
}

/// The pwquality configuration libpwquality reads for this PAM directory:
/// `/etc/security` on a host; in a tree `security/` or the directory beside
/// `pam.d`.
pub fn pwquality_for<'a>(dir: &PamDir, all: &'a PwQualityConfigs) -> Option<&'a PwQualityConfig> {
    let base = parent(dir.dir());
    all.in_dir(&join(base, "security"))
        .or_else(|| all.in_dir(base))
}

/// The login.defs beside this PAM directory.
pub fn login_defs_for<'a>(
    dir: &PamDir,
    all: &'a LoginDefsFiles,
) -> Option<&'a SystemFile<LoginDefs>> {
    let want = join(parent(dir.dir()), "login.defs");
    all.files.iter().find(|f| f.rel == want)
}

/// Whether a module's verdict counts: `optional` modules never fail a stack.
pub fn enforcing_control(e: &StackEntry) -> bool {
    !e.control.eq_ignore_ascii_case("optional")
}

/// A setting from a module argument, else the configuration, with where.
fn setting(
    t: &Target,
    e: &StackEntry,
    cfg: Option<&PwQualityConfig>,
    key: &str,
) -> Option<(i64, String)> {
    if let Some(v) = e.arg(key) {
        return v
            .parse()
            .ok()
            .map(|n| (n, format!("{key}={v} at {}", at(t, &e.rel, e.line))));
    }
    let s = cfg?.get(key)?;
    s.int().map(|n| {
        (
            n,
            format!("{key} = {} in {}", s.value, at(t, &s.rel, s.line)),
        )
    })
}

/// What one module enforces.
#[derive(Debug)]
pub struct Enforcer {
    pub shortest: i64,
    pub why: String,
    /// Configured but not enforcing (optional, enforcing=0, enforce=none).
    pub warn_only: Option<String>,
}

/// The shortest password `e` accepts, when `e` checks length at all.
pub fn enforcer(t: &Target, e: &StackEntry, cfg: Option<&PwQualityConfig>) -> Option<Enforcer> {
    let place = at(t, &e.rel, e.line);
    let mut warn_only = (!enforcing_control(e)).then(|| {
        format!(
            "{} is `optional` at {place}: its verdict is ignored",
            e.module
        )
    });
    let credits = |defaults: i64| -> (i64, Vec<String>) {
        let mut sum = 0;
        let mut why = Vec::new();
        for k in ["dcredit", "ucredit", "lcredit", "ocredit"] {
            let (v, w) =
                setting(t, e, cfg, k).unwrap_or((defaults, format!("{k} default {defaults}")));
            if v > 0 {
                sum += v;
                why.push(w);
            }
        }
        (sum, why)
    };
    if e.is("pam_pwquality") {
        if let Some((0, w)) = setting(t, e, cfg, "enforcing") {
            warn_only = Some(format!("pam_pwquality only warns ({w})"));
        }
        let (minlen, why) = setting(t, e, cfg, "minlen")
            .unwrap_or((8, format!("pam_pwquality default minlen 8 ({place})")));
        let minlen = minlen.max(6);
        let (c, cw) = credits(0);
        let shortest = (minlen - c).max(1);
        let mut why = format!("pam_pwquality: {why}");
        if c > 0 {
            why.push_str(&format!(
                ", less {c} for character-class credits ({})",
                cw.join(", ")
            ));
        }
        return Some(Enforcer {
            shortest,
            why,
            warn_only,
        });
    }
    if e.is("pam_cracklib") {
        let (minlen, why) = e
            .arg("minlen")
            .and_then(|v| v.parse::<i64>().ok())
            .map_or((9, format!("default minlen 9 ({place})")), |n| {
                (n, format!("minlen={n} at {place}"))
            });
        let (c, cw) = credits(1);
        let shortest = (minlen - c).max(6);
        return Some(Enforcer {
            shortest,
            why: format!(
                "pam_cracklib: {why}, less {c} for credits ({}), never under 6",
                cw.join(", ")
            ),
            warn_only,
        });
    }
    if e.is("pam_passwdqc") {
        if e.arg("enforce") == Some("none") {
            warn_only = Some(format!("pam_passwdqc only warns (enforce=none at {place})"));
        }
        let (spec, why) = e.arg("min").map_or(
            (
                "disabled,24,11,8,7".to_string(),
                "default min=disabled,24,11,8,7".to_string(),
            ),
            |m| (m.to_string(), format!("min={m} at {place}")),
        );
        let shortest = spec
            .split(',')
            .filter_map(|v| v.parse::<i64>().ok())
            .min()
            .unwrap_or(i64::MAX);
        return Some(Enforcer {
            shortest,
            why: format!("pam_passwdqc: {why}"),
            warn_only,
        });
    }
    if e.is("pam_unix") {
        let (minlen, why) = e
            .arg("minlen")
            .and_then(|v| v.parse::<i64>().ok())
            .map_or((6, format!("default minlen 6 ({place})")), |n| {
                (n, format!("minlen={n} at {place}"))
            });
        return Some(Enforcer {
            shortest: minlen,
            why: format!("pam_unix: {why}"),
            warn_only,
        });
    }
    None
}

/// Quality-checking modules (PASS-003).
pub const QUALITY_MODULES: [&str; 3] = ["pam_pwquality", "pam_passwdqc", "pam_cracklib"];
/// Failed-login lockout modules (PASS-009).
pub const LOCKOUT_MODULES: [&str; 3] = ["pam_faillock", "pam_tally2", "pam_tally"];
