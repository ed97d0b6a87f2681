//! Linux-PAM service files (`/etc/pam.d/<service>`): `type control module
//! [args]` lines with `-type`, bracketed `[value=action ...]` controls and
//! bracketed arguments, `#` comments, `\` line continuations, Debian's
//! `@include`, and `type include|substack service`. A `PamDir` resolves the
//! stack of one module type for a service the way libpam loads it: includes
//! and substacks followed (depth-limited, loops refused), a missing service
//! falling back to `other`, a vendor directory (`/usr/lib/pam.d`) after
//! `/etc/pam.d`. The `PamConfigs` fact: the host's PAM directory, or each
//! `pam.d` directory in a config tree. Parses and resolves; never judges.

use std::collections::BTreeMap;
use std::fmt;

use crate::facts::inventory::{Kind, Parsed};
use crate::facts::system::{SystemFile, file_name, join, list_dir, parent, read_host_file};
use crate::facts::{Fact, Facts, brief};
use crate::target::Source;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PamType {
    Auth,
    Account,
    Password,
    Session,
}

impl PamType {
    fn parse(s: &str) -> Option<PamType> {
        match s.to_ascii_lowercase().as_str() {
            "auth" => Some(PamType::Auth),
            "account" => Some(PamType::Account),
            "password" => Some(PamType::Password),
            "session" => Some(PamType::Session),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PamType::Auth => "auth",
            PamType::Account => "account",
            PamType::Password => "password",
            PamType::Session => "session",
        }
    }
}

impl fmt::Display for PamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// `[-]type control module [args]`.
    Rule {
        ty: PamType,
        /// `-type`: the line is skipped silently when the module is missing.
        optional: bool,
        control: String,
        module: String,
        args: Vec<String>,
    },
    /// `type include service` or `type substack service`.
    Include {
        ty: PamType,
        substack: bool,
        service: String,
    },
    /// Debian's `@include service`: every type of the named file.
    AtInclude { service: String },
    /// A line libpam would reject (logged, skipped).
    Invalid { message: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PamLine {
    pub line: u32,
    pub item: Item,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PamFile {
    pub lines: Vec<PamLine>,
}

/// Splits a PAM line into tokens; `[...]` (with `\]` escapes) is one token.
fn tokens(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut tok = String::new();
        if c == '[' {
            while let Some(c) = chars.next() {
                if c == '\\' && chars.peek() == Some(&']') {
                    tok.push(']');
                    chars.next();
                    continue;
                }
                tok.push(c);
                if c == ']' {
                    break;
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                tok.push(c);
                chars.next();
            }
        }
        out.push(tok);
    }
    out
}

pub fn parse(text: &str) -> PamFile {
    let mut lines = Vec::new();
    let mut pending = String::new();
    let mut start = 0u32;
    for (i, raw) in text.lines().enumerate() {
        if pending.is_empty() {
            start = i as u32 + 1;
        }
        let raw = raw.split('#').next().unwrap_or("");
        if let Some(cont) = raw.trim_end().strip_suffix('\\') {
            pending.push_str(cont);
            pending.push(' ');
            continue;
        }
        pending.push_str(raw);
        let toks = tokens(&pending);
        pending.clear();
        if toks.is_empty() {
            continue;
        }
        lines.push(PamLine {
            line: start,
            item: parse_tokens(&toks),
        });
    }
    if !pending.trim().is_empty() {
        lines.push(PamLine {
            line: start,
            item: parse_tokens(&tokens(&pending)),
        });
    }
    PamFile { lines }
}

fn parse_tokens(toks: &[String]) -> Item {
    let first = toks[0].as_str();
    if first.eq_ignore_ascii_case("@include") {
        return match toks.get(1) {
            Some(s) => Item::AtInclude { service: s.clone() },
            None => Item::Invalid {
                message: "@include without a file name".to_string(),
            },
        };
    }
    let (optional, ty_text) = match first.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, first),
    };
    let Some(ty) = PamType::parse(ty_text) else {
        return Item::Invalid {
            // The word is not quoted: it may be anything, even a secret.
            message: "unknown module type (not auth, account, password or session)".to_string(),
        };
    };
    let Some(control) = toks.get(1) else {
        return Item::Invalid {
            message: "no control field".to_string(),
        };
    };
    let lower = control.to_ascii_lowercase();
    if lower == "include" || lower == "substack" {
        return match toks.get(2) {
            Some(s) => Item::Include {
                ty,
                substack: lower == "substack",
                service: s.clone(),
            },
            None => Item::Invalid {
                message: format!("{control} without a service name"),
            },
        };
    }
    let Some(module) = toks.get(2) else {
        return Item::Invalid {
            message: "no module path".to_string(),
        };
    };
    Item::Rule {
        ty,
        optional,
        control: control.clone(),
        module: module.clone(),
        args: toks[3..]
            .iter()
            .map(|a| {
                a.strip_prefix('[')
                    .and_then(|a| a.strip_suffix(']'))
                    .unwrap_or(a)
                    .to_string()
            })
            .collect(),
    }
}

/// One module line of a resolved stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackEntry {
    /// The module's file name (`pam_unix.so`), whatever path was written.
    pub module: String,
    pub control: String,
    pub args: Vec<String>,
    pub optional: bool,
    /// Where the line is.
    pub rel: String,
    pub line: u32,
    /// The services the line was reached through (`sshd`, `common-auth`).
    pub via: Vec<String>,
}

impl StackEntry {
    /// Whether this is the module `name` (`pam_unix`), with or without `.so`.
    pub fn is(&self, name: &str) -> bool {
        self.module.trim_end_matches(".so") == name.trim_end_matches(".so")
    }

    /// The value of a `key=value` argument (the last one given).
    pub fn arg(&self, key: &str) -> Option<&str> {
        self.args
            .iter()
            .rev()
            .find_map(|a| a.split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v))
    }

    /// Whether a bare flag argument (`use_authtok`, `sha512`) is given.
    pub fn flag(&self, name: &str) -> bool {
        self.args.iter().any(|a| a == name)
    }
}

/// The modules of one type a service runs, includes resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stack {
    pub service: String,
    pub ty: PamType,
    /// The file that defines the service (`other` when it had none).
    pub rel: String,
    pub fell_back_to_other: bool,
    pub entries: Vec<StackEntry>,
    /// The service's file, then every file that adds a line of this type.
    pub files: Vec<String>,
}

impl Stack {
    pub fn find(&self, names: &[&str]) -> Vec<&StackEntry> {
        self.entries
            .iter()
            .filter(|e| names.iter().any(|n| e.is(n)))
            .collect()
    }
}

/// Why a stack cannot be resolved: the file concerned and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackError {
    /// The file (or directory) concerned, root- or tree-relative.
    pub rel: String,
    pub what: String,
}

/// A PAM configuration directory (plus a vendor directory on hosts).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PamDir {
    /// Directories searched for a service, in order.
    pub dirs: Vec<String>,
    /// Service files by name (the first directory that has one wins).
    pub files: BTreeMap<String, SystemFile<PamFile>>,
    /// A directory that exists but could not be listed.
    pub errors: Vec<String>,
}

const MAX_DEPTH: usize = 16;
/// Files one stack may expand through includes and substacks (each inclusion
/// counts, so files including each other many times are cut).
pub const MAX_INCLUDED_FILES: usize = 256;
/// Module lines one stack may expand to.
pub const MAX_STACK_ENTRIES: usize = 100_000;

impl PamDir {
    /// The primary directory (`etc/pam.d`).
    pub fn dir(&self) -> &str {
        self.dirs.first().map_or("", String::as_str)
    }

    pub fn has(&self, service: &str) -> bool {
        self.files.contains_key(service)
    }

    /// The `ty` stack of `service`, as libpam would load it.
    pub fn stack(&self, service: &str, ty: PamType) -> Result<Stack, StackError> {
        let (name, fell_back) = if self.has(service) {
            (service, false)
        } else if self.has("other") {
            ("other", true)
        } else {
            return Err(StackError {
                rel: self.dir().to_string(),
                what: format!("no PAM file for {} (nor `other`)", brief(service)),
            });
        };
        let rel = self.files[name].rel.clone();
        let mut stack = Stack {
            service: service.to_string(),
            ty,
            rel,
            fell_back_to_other: fell_back,
            entries: Vec::new(),
            files: Vec::new(),
        };
        let mut chain = Vec::new();
        let mut included = 0;
        self.expand(name, ty, &mut chain, &mut stack, &mut included)?;
        Ok(stack)
    }

    fn expand(
        &self,
        service: &str,
        ty: PamType,
        chain: &mut Vec<String>,
        out: &mut Stack,
        included: &mut usize,
    ) -> Result<(), StackError> {
        let from = || {
            chain
                .last()
                .and_then(|c| self.files.get(c))
                .map_or_else(|| self.dir().to_string(), |f| f.rel.clone())
        };
        if chain.len() >= MAX_DEPTH || chain.iter().any(|c| c == service) {
            return Err(StackError {
                rel: from(),
                what: format!(
                    "PAM include loop or too deep: {} → {}",
                    chain
                        .iter()
                        .map(|c| brief(c))
                        .collect::<Vec<_>>()
                        .join(" → "),
                    brief(service)
                ),
            });
        }
        *included += 1;
        if *included > MAX_INCLUDED_FILES {
            return Err(StackError {
                rel: from(),
                what: format!(
                    "include budget exceeded: more than {MAX_INCLUDED_FILES} included files"
                ),
            });
        }
        // An included name may be a path; PAM reads it relative to pam.d.
        let key = if service.starts_with('/') {
            file_name(service)
        } else {
            service
        };
        let Some(file) = self.files.get(key) else {
            return Err(StackError {
                rel: from(),
                what: format!(
                    "{} includes {}, which does not exist beside it",
                    chain.last().map_or("the stack".into(), |c| brief(c)),
                    brief(service)
                ),
            });
        };
        let parsed = file.content.as_ref().map_err(|e| StackError {
            rel: file.rel.clone(),
            what: e.clone(),
        })?;
        chain.push(key.to_string());
        if out.files.is_empty() {
            out.files.push(file.rel.clone());
        }
        for l in &parsed.lines {
            match &l.item {
                Item::Rule {
                    ty: t,
                    optional,
                    control,
                    module,
                    args,
                } if *t == ty => {
                    if out.entries.len() >= MAX_STACK_ENTRIES {
                        return Err(StackError {
                            rel: file.rel.clone(),
                            what: format!(
                                "include budget exceeded: more than {MAX_STACK_ENTRIES} module lines"
                            ),
                        });
                    }
                    if !out.files.contains(&file.rel) {
                        out.files.push(file.rel.clone());
                    }
                    out.entries.push(StackEntry {
                        module: file_name(module).to_string(),
                        control: control.clone(),
                        args: args.clone(),
                        optional: *optional,
                        rel: file.rel.clone(),
                        line: l.line,
                        via: chain.clone(),
                    });
                }
                Item::Include { ty: t, service, .. } if *t == ty => {
                    self.expand(service, ty, chain, out, included)?;
                }
                Item::AtInclude { service } => self.expand(service, ty, chain, out, included)?,
                _ => {}
            }
        }
        chain.pop();
        Ok(())
    }
}

#[derive(Debug, Default)]
pub struct PamConfigs {
    pub dirs: Vec<PamDir>,
}

/// Where a host keeps PAM service files: the admin's directory, then the
/// vendor directory of distributions built with `--enable-vendordir`.
pub const HOST_DIRS: [&str; 2] = ["etc/pam.d", "usr/lib/pam.d"];

impl Fact for PamConfigs {
    fn collect(facts: &Facts) -> Self {
        match &facts.target.source {
            Source::Host(h) => {
                let mut dir = PamDir {
                    dirs: HOST_DIRS.iter().map(|d| d.to_string()).collect(),
                    ..PamDir::default()
                };
                for d in HOST_DIRS {
                    match list_dir(&h.root, d) {
                        Ok(names) => {
                            for name in names {
                                if dir.files.contains_key(&name) {
                                    continue;
                                }
                                if let Some(f) =
                                    read_host_file(&h.root, &join(d, &name), |t| Ok(parse(t)))
                                {
                                    dir.files.insert(name, f);
                                }
                            }
                        }
                        Err(e) => dir.errors.push(e),
                    }
                }
                let dirs = if dir.files.is_empty() && dir.errors.is_empty() {
                    Vec::new()
                } else {
                    vec![dir]
                };
                PamConfigs { dirs }
            }
            Source::Tree(_) | Source::Env | Source::Tls(_) | Source::Domain(_) => {
                let mut groups: BTreeMap<String, PamDir> = BTreeMap::new();
                for d in facts.docs_of(Kind::Pam) {
                    let content = match &d.content {
                        Ok(Parsed::Pam(p)) => Ok(p.clone()),
                        Ok(_) => continue,
                        Err(e) => Err(e.clone()),
                    };
                    let dir = parent(&d.rel).to_string();
                    let entry = groups.entry(dir.clone()).or_insert_with(|| PamDir {
                        dirs: vec![dir],
                        ..PamDir::default()
                    });
                    entry.files.insert(
                        file_name(&d.rel).to_string(),
                        SystemFile {
                            rel: d.rel.to_string(),
                            content,
                        },
                    );
                }
                PamConfigs {
                    dirs: groups.into_values().collect(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(files: &[(&str, &str)]) -> PamDir {
        PamDir {
            dirs: vec!["etc/pam.d".to_string()],
            files: files
                .iter()
                .map(|(n, t)| {
                    (
                        n.to_string(),
                        SystemFile {
                            rel: format!("etc/pam.d/{n}"),
                            content: Ok(parse(t)),
                        },
                    )
                })
                .collect(),
            errors: Vec::new(),
        }
    }

    /// An include's argument may be any length: the error names it short.
    #[test]
    fn errors_quote_long_names_briefly() {
        let long = format!("system{}", "\u{1f}é".repeat(2000));
        let d = dir(&[
            ("sshd", &format!("auth substack {long}\n")),
            ("other", "auth required pam_deny.so\n"),
        ]);
        let e = d.stack("sshd", PamType::Auth).unwrap_err();
        assert!(e.what.len() < 300, "{} bytes: {:?}", e.what.len(), e.what);
        // 63 characters of it, then `…`.
        let shown = format!("system{}\u{1f}…", "\u{1f}é".repeat(28));
        assert_eq!(
            e.what,
            format!("sshd includes {shown}, which does not exist beside it")
        );
        let e = d.stack(&long, PamType::Auth);
        assert!(e.is_ok(), "falls back to `other`");
        let e = dir(&[]).stack(&long, PamType::Auth).unwrap_err();
        assert_eq!(e.what, format!("no PAM file for {shown} (nor `other`)"));
    }

    #[test]
    fn parses_lines() {
        let f = parse(
            "#%PAM-1.0\nauth [success=1 default=ignore] pam_unix.so nullok # c\n-auth optional /lib/security/pam_gnome_keyring.so\npassword requisite pam_pwquality.so \\\n  retry=3 minlen=14\naccount include system-auth\n@include common-session\nbogus required pam_x.so\npassword requisite pam_passwdqc.so [min=disabled,24,11,8,7]\n",
        );
        let items: Vec<&Item> = f.lines.iter().map(|l| &l.item).collect();
        assert!(matches!(items[0], Item::Rule { control, args, .. }
            if control == "[success=1 default=ignore]" && args == &["nullok"]));
        assert!(matches!(items[1], Item::Rule { optional: true, module, .. }
            if module == "/lib/security/pam_gnome_keyring.so"));
        assert!(matches!(items[2], Item::Rule { args, .. } if args == &["retry=3", "minlen=14"]));
        assert_eq!(f.lines[2].line, 4);
        assert!(
            matches!(items[3], Item::Include { substack: false, service, .. } if service == "system-auth")
        );
        assert!(matches!(items[4], Item::AtInclude { service } if service == "common-session"));
        assert!(matches!(items[5], Item::Invalid { .. }));
        assert!(matches!(items[6], Item::Rule { args, .. } if args == &["min=disabled,24,11,8,7"]));
    }

    #[test]
    fn resolves_debian_and_rhel_includes() {
        let d = dir(&[
            (
                "common-password",
                "password requisite pam_pwquality.so retry=3\npassword [success=1 default=ignore] pam_unix.so obscure use_authtok yescrypt\npassword requisite pam_deny.so\n",
            ),
            ("passwd", "@include common-password\n"),
            (
                "system-auth",
                "auth required pam_faillock.so preauth\nauth sufficient pam_unix.so\npassword sufficient pam_unix.so sha512\n",
            ),
            (
                "sshd",
                "auth substack system-auth\nauth include postlogin\naccount required pam_nologin.so\n",
            ),
            ("postlogin", "auth optional pam_lastlog.so\n"),
            ("loop-a", "auth include loop-b\n"),
            ("loop-b", "auth include loop-a\n"),
            ("other", "auth required pam_deny.so\n"),
        ]);
        let s = d.stack("passwd", PamType::Password).unwrap();
        assert_eq!(s.entries.len(), 3);
        assert_eq!(s.entries[0].via, ["passwd", "common-password"]);
        assert_eq!(s.find(&["pam_pwquality"]).len(), 1);
        assert_eq!(s.entries[1].arg("minlen"), None);
        assert!(s.entries[1].flag("yescrypt"));
        let s = d.stack("sshd", PamType::Auth).unwrap();
        let mods: Vec<&str> = s.entries.iter().map(|e| e.module.as_str()).collect();
        assert_eq!(mods, ["pam_faillock.so", "pam_unix.so", "pam_lastlog.so"]);
        assert!(
            d.stack("loop-a", PamType::Auth)
                .unwrap_err()
                .what
                .contains("loop")
        );
        let s = d.stack("nosuch", PamType::Auth).unwrap();
        assert!(s.fell_back_to_other);
        let d2 = dir(&[("sshd", "auth include missing\n")]);
        assert!(
            d2.stack("sshd", PamType::Auth)
                .unwrap_err()
                .what
                .contains("does not exist")
        );
    }

    #[test]
    fn include_fan_out_is_cut_by_a_named_budget() {
        // Each level includes the next one four times: 4^15 expansions
        // without a budget.
        let files: Vec<(String, String)> = (0..16)
            .map(|i| {
                let body = if i == 15 {
                    "auth required pam_unix.so\n".to_string()
                } else {
                    format!("@include l{}\n", i + 1).repeat(4)
                };
                (format!("l{i}"), body)
            })
            .collect();
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_str()))
            .collect();
        let d = dir(&refs);
        let e = d.stack("l0", PamType::Auth).unwrap_err();
        assert!(
            e.what
                .contains("include budget exceeded: more than 256 included files"),
            "{e:?}"
        );
    }
}
