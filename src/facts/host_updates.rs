//! A host's update state, from files under its root: `/etc/os-release`
//! (which distribution and release), the dpkg status database (which
//! packages are installed), apt's configuration (`APT::Periodic::*`, files
//! of `/etc/apt/apt.conf.d` in apt's order), dnf-automatic's timer and
//! configuration, and `/var/run/reboot-required` with its `.pkgs` and age.
//! Parses and collects; never judges.

use std::collections::BTreeMap;

use crate::clock::Date;
use crate::facts::system::{SystemFile, list_dir, read_error, read_host_file};
use crate::facts::{Fact, Facts};
use crate::target::RootError;

/// `/etc/os-release` (or `/usr/lib/os-release`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OsRelease {
    pub id: String,
    pub version_id: String,
    pub id_like: Vec<String>,
    pub pretty_name: String,
    /// The line of `VERSION_ID` (or of `ID` without it).
    pub line: u32,
}

impl OsRelease {
    fn like(&self, names: &[&str]) -> bool {
        names.contains(&self.id.as_str())
            || self.id_like.iter().any(|l| names.contains(&l.as_str()))
    }

    pub fn is_debian_family(&self) -> bool {
        self.like(&["debian", "ubuntu"])
    }

    pub fn is_rhel_family(&self) -> bool {
        self.like(&["rhel", "centos", "fedora", "rocky", "almalinux"])
    }

    pub fn describe(&self) -> String {
        if self.pretty_name.is_empty() {
            format!("{} {}", self.id, self.version_id)
        } else {
            self.pretty_name.clone()
        }
    }
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    let inner = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(v);
    inner.replace("\\\"", "\"").replace("\\\\", "\\")
}

pub fn parse_os_release(text: &str) -> Result<OsRelease, String> {
    let mut out = OsRelease::default();
    let mut id_line = 0;
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let Some((k, v)) = l.split_once('=') else {
            continue;
        };
        let v = unquote(v);
        match k.trim() {
            "ID" => {
                out.id = v.to_ascii_lowercase();
                id_line = line_no;
            }
            "VERSION_ID" => {
                out.version_id = v;
                out.line = line_no;
            }
            "ID_LIKE" => {
                out.id_like = v.split_whitespace().map(str::to_ascii_lowercase).collect();
            }
            "PRETTY_NAME" => out.pretty_name = v,
            _ => {}
        }
    }
    if out.id.is_empty() {
        return Err("no ID= line".to_string());
    }
    if out.line == 0 {
        out.line = id_line;
    }
    Ok(out)
}

/// The dpkg status database: installed packages and their versions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Packages {
    pub installed: BTreeMap<String, String>,
}

impl Packages {
    pub fn has(&self, name: &str) -> bool {
        self.installed.contains_key(name)
    }
}

/// Parses `/var/lib/dpkg/status` (RFC 822-style stanzas); a package counts
/// as installed when its `Status` ends in `installed`.
pub fn parse_dpkg_status(text: &str) -> Packages {
    let mut out = Packages::default();
    let mut name = None;
    let mut version = String::new();
    let mut installed = false;
    let mut flush = |name: &mut Option<String>, version: &mut String, installed: &mut bool| {
        if let Some(n) = name.take()
            && *installed
        {
            out.installed.insert(n, std::mem::take(version));
        }
        version.clear();
        *installed = false;
    };
    for line in text.lines() {
        if line.trim().is_empty() {
            flush(&mut name, &mut version, &mut installed);
            continue;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        match k {
            "Package" => name = Some(v.trim().to_string()),
            "Version" => version = v.trim().to_string(),
            "Status" => installed = v.trim().ends_with(" installed"),
            _ => {}
        }
    }
    flush(&mut name, &mut version, &mut installed);
    out
}

/// One apt configuration value and where it was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AptValue {
    pub value: String,
    pub rel: String,
    pub line: u32,
}

/// apt's configuration, as far as `APT::Periodic` goes (last setting wins).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AptConfig {
    /// Keys lower-cased (`apt::periodic::unattended-upgrade`).
    pub values: BTreeMap<String, AptValue>,
    /// Files that could not be read or parsed: (rel, why).
    pub errors: Vec<(String, String)>,
    pub files: Vec<String>,
}

impl AptConfig {
    pub fn get(&self, key: &str) -> Option<&AptValue> {
        self.values.get(&key.to_ascii_lowercase())
    }
}

/// Reads one apt configuration file into `cfg`: `A::B "v";`, nested scopes
/// `A { B "v"; };`, comments `//`, `#` and `/* */`, directives (`#clear`,
/// `#include`) ignored. Linear in the text.
pub fn parse_apt_conf(text: &str, rel: &str, cfg: &mut AptConfig) -> Result<(), String> {
    let mut scope: Vec<String> = Vec::new();
    let mut key = String::new();
    let mut key_line = 0u32;
    let mut line = 1u32;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                    }
                    if prev == '*' && c == '/' {
                        closed = true;
                        break;
                    }
                    prev = c;
                }
                if !closed {
                    return Err(format!("line {line}: unterminated comment"));
                }
            }
            '"' => {
                let start = line;
                let mut value = String::new();
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '"' {
                        closed = true;
                        break;
                    }
                    if c == '\n' {
                        line += 1;
                    }
                    value.push(c);
                }
                if !closed {
                    return Err(format!("line {start}: unterminated string"));
                }
                if key.is_empty() {
                    // A list item (`"a"; "b";` inside a scope): not a setting.
                    continue;
                }
                let mut full = scope.clone();
                full.push(std::mem::take(&mut key));
                cfg.values.insert(
                    full.join("::").to_ascii_lowercase(),
                    AptValue {
                        value,
                        rel: rel.to_string(),
                        line: key_line,
                    },
                );
            }
            '{' => {
                if key.is_empty() {
                    scope.push(String::new());
                } else {
                    scope.push(std::mem::take(&mut key));
                }
            }
            '}' => {
                if scope.pop().is_none() {
                    return Err(format!("line {line}: `}}` without `{{`"));
                }
                key.clear();
            }
            ';' => key.clear(),
            c if c.is_whitespace() => {}
            c => {
                if key.is_empty() {
                    key_line = line;
                }
                key.push(c);
            }
        }
    }
    if !scope.is_empty() {
        return Err("a `{` is never closed".to_string());
    }
    Ok(())
}

/// apt reads `/etc/apt/apt.conf.d/*` in lexical order (names of letters,
/// digits, `_`, `-`, `.`; not ending in a backup suffix), then `apt.conf`.
fn apt_part_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && ![
            ".disabled",
            ".bak",
            ".dpkg-old",
            ".dpkg-dist",
            ".dpkg-new",
            ".ucf-old",
            ".ucf-dist",
            ".save",
        ]
        .iter()
        .any(|s| name.ends_with(s))
}

/// `/var/run/reboot-required` and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RebootRequired {
    pub rel: String,
    /// The packages of `reboot-required.pkgs`, when readable.
    pub packages: Vec<String>,
    /// The file's modification day, when known.
    pub since: Option<Date>,
}

/// dnf-automatic: which timer is enabled and whether it applies updates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DnfAutomatic {
    /// The enabled timer's link (`etc/systemd/system/timers.target.wants/…`).
    pub enabled_timer: Option<String>,
    /// Whether a dnf-automatic timer unit is installed at all.
    pub installed: bool,
    /// `apply_updates` of `/etc/dnf/automatic.conf`, with its line.
    pub apply_updates: Option<(bool, u32)>,
}

/// The host's update state, each part on its own (one unreadable file does
/// not hide the others).
#[derive(Debug)]
pub struct HostUpdates {
    /// `None`: neither `/etc/os-release` nor `/usr/lib/os-release` exists.
    pub os_release: Option<SystemFile<OsRelease>>,
    /// `None`: no dpkg database.
    pub dpkg: Option<SystemFile<Packages>>,
    pub apt: AptConfig,
    pub dnf: Result<DnfAutomatic, String>,
    /// `Ok(None)`: no reboot is pending.
    pub reboot: Result<Option<RebootRequired>, String>,
}

/// The dpkg database may be several MiB on a large server.
const DPKG_CAP: u64 = 64 * 1024 * 1024;

fn read_apt(root: &crate::target::Root) -> AptConfig {
    let mut cfg = AptConfig::default();
    let mut files = Vec::new();
    match list_dir(root, "etc/apt/apt.conf.d") {
        Ok(names) => {
            let mut names: Vec<String> = names.into_iter().filter(|n| apt_part_name(n)).collect();
            names.sort();
            files.extend(names.into_iter().map(|n| format!("etc/apt/apt.conf.d/{n}")));
        }
        Err(e) => cfg.errors.push(("etc/apt/apt.conf.d".to_string(), e)),
    }
    files.push("etc/apt/apt.conf".to_string());
    for rel in files {
        match root.read_text(&rel, crate::facts::system::SYSTEM_FILE_CAP) {
            Ok(text) => {
                cfg.files.push(rel.clone());
                if let Err(e) = parse_apt_conf(&text, &rel, &mut cfg) {
                    cfg.errors.push((rel, e));
                }
            }
            Err(RootError::NotFound) => {}
            Err(e) => cfg.errors.push((rel, read_error(&e))),
        }
    }
    cfg
}

const DNF_TIMERS: [&str; 2] = ["dnf-automatic-install.timer", "dnf-automatic.timer"];

fn read_dnf(
    root: &crate::target::Root,
    sd: &crate::facts::systemd::Systemd,
) -> Result<DnfAutomatic, String> {
    let mut out = DnfAutomatic::default();
    if let Some((path, why)) = sd
        .unreadable
        .iter()
        .find(|(p, _)| p.contains("systemd/system"))
    {
        return Err(format!("/{path}: {why}"));
    }
    for t in DNF_TIMERS {
        if let Some(unit) = sd.unit(t) {
            out.installed = true;
            if unit.enabled() && out.enabled_timer.is_none() {
                out.enabled_timer = Some(
                    unit.enabled_by
                        .first()
                        .cloned()
                        .unwrap_or_else(|| unit.path.clone()),
                );
            }
        }
    }
    if let Some(f) = read_host_file(root, "etc/dnf/automatic.conf", |t| Ok(t.to_string())) {
        let text = f.content?;
        let mut section = String::new();
        for (i, line) in text.lines().enumerate() {
            let l = line.trim();
            if l.starts_with('[') {
                section = l.trim_matches(['[', ']']).trim().to_string();
            } else if section == "commands"
                && let Some((k, v)) = l.split_once('=')
                && k.trim() == "apply_updates"
            {
                let v = v.trim().to_ascii_lowercase();
                out.apply_updates = Some((
                    matches!(v.as_str(), "yes" | "true" | "1" | "on"),
                    i as u32 + 1,
                ));
            }
        }
    }
    Ok(out)
}

fn read_reboot(root: &crate::target::Root) -> Result<Option<RebootRequired>, String> {
    for rel in ["run/reboot-required", "var/run/reboot-required"] {
        match root.metadata(rel) {
            Ok(meta) => {
                let since = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map(|d| Date::from_days((d.as_secs() / 86_400) as i64));
                let packages = match root.read_text(&format!("{rel}.pkgs"), 1024 * 1024) {
                    Ok(t) => {
                        let mut p: Vec<String> = t
                            .lines()
                            .map(str::trim)
                            .filter(|l| !l.is_empty())
                            .map(str::to_string)
                            .collect();
                        p.sort();
                        p.dedup();
                        p
                    }
                    Err(_) => Vec::new(),
                };
                return Ok(Some(RebootRequired {
                    rel: rel.to_string(),
                    packages,
                    since,
                }));
            }
            Err(RootError::NotFound) => {}
            Err(e) => return Err(format!("/{rel}: {}", read_error(&e))),
        }
    }
    Ok(None)
}

impl Fact for HostUpdates {
    fn collect(facts: &Facts) -> Self {
        let root = facts
            .target
            .host_source()
            .map(|h| &h.root)
            .expect("host facts are collected for hosts only");
        let os_release = read_host_file(root, "etc/os-release", parse_os_release)
            .or_else(|| read_host_file(root, "usr/lib/os-release", parse_os_release));
        let dpkg = match root.read_text("var/lib/dpkg/status", DPKG_CAP) {
            Ok(t) => Some(SystemFile {
                rel: "var/lib/dpkg/status".to_string(),
                content: Ok(parse_dpkg_status(&t)),
            }),
            Err(RootError::NotFound) => None,
            Err(e) => Some(SystemFile {
                rel: "var/lib/dpkg/status".to_string(),
                content: Err(read_error(&e)),
            }),
        };
        // The systemd units are read (a costly walk) only where dnf-automatic
        // can matter: RHEL-family hosts.
        let rhel = os_release
            .as_ref()
            .and_then(|f| f.ok())
            .is_some_and(OsRelease::is_rhel_family);
        let dnf = if rhel {
            read_dnf(root, &facts.get::<crate::facts::systemd::Systemd>())
        } else {
            Ok(DnfAutomatic::default())
        };
        HostUpdates {
            os_release,
            dpkg,
            apt: read_apt(root),
            dnf,
            reboot: read_reboot(root),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release() {
        let o = parse_os_release(
            "PRETTY_NAME=\"Ubuntu 20.04.6 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"20.04\"\nID=ubuntu\nID_LIKE=debian\n",
        )
        .unwrap();
        assert_eq!(o.id, "ubuntu");
        assert_eq!(o.version_id, "20.04");
        assert_eq!(o.line, 3);
        assert!(o.is_debian_family() && !o.is_rhel_family());
        let r =
            parse_os_release("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\n")
                .unwrap();
        assert!(r.is_rhel_family());
        assert!(parse_os_release("NAME=x\n").is_err());
    }

    #[test]
    fn dpkg_status() {
        let p = parse_dpkg_status(
            "Package: unattended-upgrades\nStatus: install ok installed\nVersion: 2.8\nDescription: x\n continued: y\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n\nPackage: last\nStatus: install ok installed\nVersion: 3",
        );
        assert_eq!(
            p.installed.get("unattended-upgrades").map(String::as_str),
            Some("2.8")
        );
        assert!(!p.has("gone"));
        assert!(p.has("last"));
    }

    #[test]
    fn apt_conf() {
        let mut cfg = AptConfig::default();
        parse_apt_conf(
            "// comment\nAPT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"1\"; # trailing\n/* block\n APT::Periodic::Unattended-Upgrade \"0\"; */\n",
            "etc/apt/apt.conf.d/20auto-upgrades",
            &mut cfg,
        )
        .unwrap();
        let v = cfg.get("APT::Periodic::Unattended-Upgrade").unwrap();
        assert_eq!((v.value.as_str(), v.line), ("1", 3));
        parse_apt_conf(
            "APT {\n  Periodic {\n    Unattended-Upgrade \"0\";\n  };\n};\nUnattended-Upgrade::Allowed-Origins {\n \"${distro_id}:${distro_codename}-security\";\n};\n",
            "etc/apt/apt.conf.d/99local",
            &mut cfg,
        )
        .unwrap();
        let v = cfg.get("apt::periodic::unattended-upgrade").unwrap();
        assert_eq!(
            (v.value.as_str(), v.line, v.rel.as_str()),
            ("0", 3, "etc/apt/apt.conf.d/99local")
        );
        assert!(parse_apt_conf("A { B \"1\";\n", "x", &mut cfg).is_err());
        assert!(parse_apt_conf("A \"1\n", "x", &mut cfg).is_err());
        assert!(parse_apt_conf("} A", "x", &mut cfg).is_err());
        assert!(apt_part_name("20auto-upgrades") && !apt_part_name("50x.dpkg-old"));
    }
}
