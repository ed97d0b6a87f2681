//! systemd units of a host or offline root, from files only: unit files in
//! `/etc/systemd/system`, `/run/systemd/system`, `/run/systemd/generator`,
//! `/usr/local/lib/systemd/system`, `/usr/lib/systemd/system` and
//! `/lib/systemd/system` (in that precedence: the first file of a name wins,
//! as systemd's unit path does), their drop-ins (`NAME.d/*.conf`, applied in
//! file-name order, a later `ExecStart=` empty value resetting the list),
//! enablement (`*.wants/`, `*.requires/`, `*.upholds/` links; alias links),
//! masking (a link to `/dev/null`), and the `.mount` units the fstab
//! generator makes from `/etc/fstab` (not `noauto`: started at boot).
//! Timers keep the service they start (`Unit=`, or the timer's own name).
//! Unit files are parsed for services, timers, mounts, automounts, sockets
//! and paths; other kinds are only listed. Parses; never judges; nothing is
//! run (`systemctl` is never called). A config tree has no units: the fact
//! is empty there.

use std::collections::{BTreeMap, HashSet};

use crate::facts::cron::Period;
use crate::facts::mounts::parse_mounts;
use crate::facts::system::{SYSTEM_FILE_CAP, join, read_error};
use crate::facts::{Fact, Facts};
use crate::target::{Root, RootError, Source};

/// Unit directories, highest precedence first.
pub const UNIT_DIRS: [&str; 6] = [
    "etc/systemd/system",
    "run/systemd/system",
    "run/systemd/generator",
    "usr/local/lib/systemd/system",
    "usr/lib/systemd/system",
    "lib/systemd/system",
];

/// Most unit files and drop-ins read (a budget; past it the fact says so).
pub const MAX_UNIT_FILES: usize = 4096;
/// Largest unit file read.
const UNIT_FILE_CAP: u64 = 256 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnitKind {
    Service,
    Timer,
    Mount,
    Automount,
    Socket,
    Path,
    Target,
    Other,
}

impl UnitKind {
    pub fn of(name: &str) -> UnitKind {
        match name.rsplit_once('.').map(|(_, s)| s) {
            Some("service") => UnitKind::Service,
            Some("timer") => UnitKind::Timer,
            Some("mount") => UnitKind::Mount,
            Some("automount") => UnitKind::Automount,
            Some("socket") => UnitKind::Socket,
            Some("path") => UnitKind::Path,
            Some("target") => UnitKind::Target,
            _ => UnitKind::Other,
        }
    }

    /// Whether rampart parses unit files of this kind.
    fn parsed(self) -> bool {
        !matches!(self, UnitKind::Target | UnitKind::Other)
    }
}

/// One `Key=value` of a unit file or drop-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub section: String,
    pub key: String,
    pub value: String,
    /// The file (fragment or drop-in), root-relative, and the 1-based line.
    pub path: String,
    pub line: u32,
}

/// A value with where it was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub value: String,
    pub path: String,
    pub line: u32,
}

impl From<&Setting> for Directive {
    fn from(s: &Setting) -> Directive {
        Directive {
            value: s.value.clone(),
            path: s.path.clone(),
            line: s.line,
        }
    }
}

/// Where a unit comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnitOrigin {
    /// A unit file (its path is `Unit::path`).
    File,
    /// Made by systemd-fstab-generator from this `/etc/fstab` line.
    Fstab { line: u32, options: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// `restic-backup.service`, `srv.mount`.
    pub name: String,
    /// The fragment file, root-relative (`etc/fstab` for a generated mount).
    pub path: String,
    pub kind: UnitKind,
    pub origin: UnitOrigin,
    /// Drop-ins applied, in order, root-relative.
    pub dropins: Vec<String>,
    /// Every setting of the fragment then the drop-ins, in order.
    pub settings: Vec<Setting>,
    /// Effective `ExecStart=` commands (an empty assignment resets), with the
    /// `@-:+!` prefixes removed.
    pub exec_start: Vec<Directive>,
    /// Effective `OnCalendar=` of a timer.
    pub on_calendar: Vec<Directive>,
    /// The links that enable it (`etc/systemd/system/timers.target.wants/x.timer`),
    /// or `etc/fstab` for a generated mount that is started at boot.
    pub enabled_by: Vec<String>,
    /// The `/dev/null` link that masks it.
    pub masked: Option<String>,
    /// Why the fragment could not be read or parsed (the unit is listed, its
    /// settings are unknown).
    pub error: Option<String>,
}

impl Unit {
    pub fn enabled(&self) -> bool {
        !self.enabled_by.is_empty() && self.masked.is_none()
    }

    /// The effective value of `key` in `section` (the last assignment).
    pub fn value(&self, section: &str, key: &str) -> Option<&Setting> {
        self.settings
            .iter()
            .rev()
            .find(|s| s.section == section && s.key == key)
    }

    /// Every effective value of a list setting: an empty assignment resets
    /// the list, as systemd does.
    pub fn values(&self, section: &str, key: &str) -> Vec<&Setting> {
        let mut out = Vec::new();
        for s in self
            .settings
            .iter()
            .filter(|s| s.section == section && s.key == key)
        {
            if s.value.is_empty() {
                out.clear();
            } else {
                out.push(s);
            }
        }
        out
    }

    /// `ExecStartPre=`, `ExecStart=` and `ExecStartPost=` commands, prefixes
    /// removed: everything the service runs when started.
    pub fn commands(&self) -> Vec<Directive> {
        let mut out = Vec::new();
        for key in ["ExecStartPre", "ExecStart", "ExecStartPost"] {
            out.extend(self.values("Service", key).into_iter().map(|s| Directive {
                value: strip_exec_prefix(&s.value).to_string(),
                path: s.path.clone(),
                line: s.line,
            }));
        }
        out
    }

    /// `Environment=` assignments, split the way systemd splits them
    /// (space-separated, quotes removed). Values may be secrets.
    pub fn environment(&self) -> Vec<(String, String, Directive)> {
        let mut out = Vec::new();
        for s in self.values("Service", "Environment") {
            for word in split_words(&s.value) {
                if let Some((k, v)) = word.split_once('=') {
                    out.push((k.to_string(), v.to_string(), Directive::from(s)));
                }
            }
        }
        out
    }

    /// `EnvironmentFile=` paths, with whether they are optional (`-`).
    pub fn environment_files(&self) -> Vec<(String, bool, Directive)> {
        self.values("Service", "EnvironmentFile")
            .into_iter()
            .map(|s| {
                let optional = s.value.starts_with('-');
                (
                    s.value.trim_start_matches('-').to_string(),
                    optional,
                    Directive::from(s),
                )
            })
            .collect()
    }

    /// The unit a timer (or path, socket) starts: `Unit=`, or the same name
    /// with the `.service` suffix.
    pub fn triggers(&self) -> Option<String> {
        let section = match self.kind {
            UnitKind::Timer => "Timer",
            UnitKind::Path => "Path",
            UnitKind::Socket => "Socket",
            _ => return None,
        };
        if let Some(s) = self.value(section, "Unit") {
            return Some(s.value.clone());
        }
        let stem = self.name.rsplit_once('.').map_or(&*self.name, |(s, _)| s);
        Some(format!("{stem}.service"))
    }

    /// The most a timer waits between runs, as far as `OnCalendar=` and
    /// `OnUnitActiveSec=`/`OnUnitInactiveSec=` say (the most frequent wins).
    pub fn timer_period(&self) -> Option<Period> {
        let mut best: Option<Period> = None;
        let mut take = |p: Option<Period>| {
            if let Some(p) = p
                && best.is_none_or(|b| p < b)
            {
                best = Some(p);
            }
        };
        for c in &self.on_calendar {
            take(calendar_period(&c.value));
        }
        for key in ["OnUnitActiveSec", "OnUnitInactiveSec"] {
            for s in self.values("Timer", key) {
                take(span_period(&s.value));
            }
        }
        best
    }

    /// `Where=` of a mount unit (or the fstab mount point).
    pub fn mount_point(&self) -> Option<&str> {
        self.value("Mount", "Where").map(|s| s.value.as_str())
    }
}

fn strip_exec_prefix(v: &str) -> &str {
    v.trim_start_matches(['@', '-', ':', '+', '!']).trim_start()
}

/// Splits a systemd value into words: whitespace-separated, `"..."` and
/// `'...'` quoted, backslash escapes kept literal but for the quote.
pub fn split_words(v: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, '\\') => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (None, c) => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// The period of an `OnCalendar=` expression: the shorthands, or the
/// coarsest restricted field of `[DOW] Y-M-D H:M[:S]`.
pub fn calendar_period(expr: &str) -> Option<Period> {
    let e = expr.trim().to_ascii_lowercase();
    match e.as_str() {
        "minutely" => return Some(Period::Minutes),
        "hourly" => return Some(Period::Hourly),
        "daily" => return Some(Period::Daily),
        "weekly" => return Some(Period::Weekly),
        "monthly" => return Some(Period::Monthly),
        "quarterly" | "semiannually" | "yearly" | "annually" => return Some(Period::Yearly),
        "" => return None,
        _ => {}
    }
    let mut words: Vec<&str> = e.split_whitespace().collect();
    // A trailing time zone.
    if words.len() > 1 && words.last().is_some_and(|w| !w.contains([':', '-', '*'])) {
        words.pop();
    }
    let mut weekday = false;
    let mut date: Option<&str> = None;
    let mut time: Option<&str> = None;
    for w in words {
        if w.contains(':') {
            time = Some(w);
        } else if w.contains('-') && w.chars().any(|c| c.is_ascii_digit() || c == '*') {
            date = Some(w);
        } else if w
            .chars()
            .all(|c| c.is_ascii_alphabetic() || matches!(c, ',' | '.'))
        {
            weekday = true;
        } else {
            return None;
        }
    }
    // `*` and repetitions (`0/15`) run in every unit of the field; a list
    // or range (`6,18`) is restricted.
    let any = |f: &str| f == "*" || f.contains('/');
    if let Some(d) = date {
        let parts: Vec<&str> = d.split('-').collect();
        let (month, day) = match parts.as_slice() {
            [_, m, d] => (*m, *d),
            [m, d] => (*m, *d),
            _ => return None,
        };
        if !any(month) {
            return Some(Period::Yearly);
        }
        if !any(day) {
            return Some(Period::Monthly);
        }
    }
    if weekday {
        return Some(Period::Weekly);
    }
    match time {
        None => Some(Period::Daily),
        Some(t) => {
            let f: Vec<&str> = t.split(':').collect();
            match f.as_slice() {
                [h, m, ..] if any(h) && any(m) => Some(Period::Minutes),
                [h, ..] if any(h) => Some(Period::Hourly),
                _ => Some(Period::Daily),
            }
        }
    }
}

/// The period of a time span (`1d`, `12h`, `1week`, `3600`).
fn span_period(v: &str) -> Option<Period> {
    let compact: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    let mut secs: u64 = 0;
    let mut rest = compact.as_str();
    while !rest.is_empty() {
        let n_len = rest.chars().take_while(char::is_ascii_digit).count();
        let n: u64 = rest[..n_len].parse().ok()?;
        rest = &rest[n_len..];
        let u_len = rest.chars().take_while(char::is_ascii_alphabetic).count();
        let unit = &rest[..u_len];
        rest = &rest[u_len..];
        let mult = match unit {
            "" | "s" | "sec" | "second" | "seconds" => 1,
            "m" | "min" | "minute" | "minutes" => 60,
            "h" | "hr" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            "w" | "week" | "weeks" => 7 * 86_400,
            "M" | "month" | "months" => 2_629_800,
            "y" | "year" | "years" => 31_557_600,
            _ => return None,
        };
        secs = secs.saturating_add(n.saturating_mul(mult));
    }
    Some(match secs {
        0 => return None,
        s if s < 3600 => Period::Minutes,
        s if s <= 3600 => Period::Hourly,
        s if s <= 86_400 => Period::Daily,
        s if s <= 7 * 86_400 => Period::Weekly,
        s if s <= 31 * 86_400 => Period::Monthly,
        _ => Period::Yearly,
    })
}

/// Parses a unit file or drop-in into settings. Continuation lines end
/// with `\`; `#` and `;` start comments; keys outside a section are errors.
pub fn parse_unit(text: &str, path: &str) -> Result<Vec<Setting>, String> {
    let mut out = Vec::new();
    let mut section: Option<String> = None;
    let mut lines = text.lines().enumerate();
    while let Some((i, raw)) = lines.next() {
        let line_no = i as u32 + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) else {
                return Err(format!("line {line_no}: unterminated section header"));
            };
            section = Some(name.to_string());
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            return Err(format!("line {line_no}: expected Key=value"));
        };
        let Some(sec) = &section else {
            return Err(format!("line {line_no}: assignment outside any section"));
        };
        let mut value = v.trim().to_string();
        while value.ends_with('\\') {
            value.pop();
            value.push(' ');
            match lines.next() {
                Some((_, next)) => {
                    let n = next.trim();
                    if n.starts_with('#') || n.starts_with(';') {
                        continue;
                    }
                    value.push_str(n);
                }
                None => break,
            }
        }
        out.push(Setting {
            section: sec.clone(),
            key: k.trim().to_string(),
            value: value.trim().to_string(),
            path: path.to_string(),
            line: line_no,
        });
    }
    Ok(out)
}

/// The unit name systemd gives a mount point (`/srv/cht data` →
/// `srv-cht\x20data.mount`, `/` → `-.mount`), as `systemd-escape --path`.
pub fn mount_unit_name(mount_point: &str) -> String {
    let parts: Vec<&str> = mount_point.split('/').filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return "-.mount".to_string();
    }
    let joined = parts.join("/");
    let mut out = String::new();
    for (i, b) in joined.bytes().enumerate() {
        match b {
            b'/' => out.push('-'),
            b'.' if i == 0 => out.push_str("\\x2e"),
            b if b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'.') => {
                out.push(b as char)
            }
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push_str(".mount");
    out
}

/// Every unit of a host root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Systemd {
    /// By unit name.
    pub units: BTreeMap<String, Unit>,
    /// Alias links (`etc/systemd/system/dbus-org...service` → the unit):
    /// (alias name, unit name, link path).
    pub aliases: Vec<(String, String, String)>,
    /// Files and directories that could not be read: (path, why).
    pub unreadable: Vec<(String, String)>,
    /// Set when `MAX_UNIT_FILES` was reached: the units are incomplete.
    pub budget_exceeded: Option<String>,
    /// Whether any unit directory exists under the root (a root without
    /// systemd says nothing about units).
    pub has_systemd: bool,
}

impl Systemd {
    /// The unit `name`, or for an instance (`x@a.service`) its template.
    pub fn unit(&self, name: &str) -> Option<&Unit> {
        self.units.get(name).or_else(|| {
            let (stem, suffix) = name.rsplit_once('.')?;
            let (tmpl, inst) = stem.split_once('@')?;
            (!inst.is_empty())
                .then(|| self.units.get(&format!("{tmpl}@.{suffix}")))
                .flatten()
        })
    }

    pub fn of_kind(&self, kind: UnitKind) -> impl Iterator<Item = &Unit> {
        self.units.values().filter(move |u| u.kind == kind)
    }

    /// The service a timer starts, or why it cannot be known: missing,
    /// unreadable, or masked.
    pub fn service_of(&self, timer: &Unit) -> Result<&Unit, String> {
        let name = timer
            .triggers()
            .ok_or_else(|| format!("{} starts nothing", timer.name))?;
        match self.unit(&name) {
            None => Err(format!(
                "{name} (started by {}) has no unit file under the root",
                timer.name
            )),
            Some(u) if u.error.is_some() => Err(format!(
                "{name} (started by {}) could not be read: /{}: {}",
                timer.name,
                u.path,
                u.error.as_deref().unwrap_or_default()
            )),
            Some(u) => Ok(u),
        }
    }

    /// Whether a unit is enabled and not masked (`false` when unknown).
    pub fn is_enabled(&self, name: &str) -> bool {
        self.unit(name).is_some_and(Unit::enabled)
    }

    /// Reads the units of a root.
    pub fn read(root: &Root) -> Systemd {
        let mut sd = Systemd::default();
        let mut seen_dirs: HashSet<std::path::PathBuf> = HashSet::new();
        // name -> fragment rel
        let mut fragments: BTreeMap<String, String> = BTreeMap::new();
        let mut masks: BTreeMap<String, String> = BTreeMap::new();
        let mut enable_links: BTreeMap<String, Vec<String>> = BTreeMap::new();
        // name -> drop-in file name -> rel (highest precedence first wins)
        let mut dropins: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut alias_links: Vec<(String, String, String)> = Vec::new();
        let mut files = 0usize;
        for dir in UNIT_DIRS {
            let Ok(real) = root.resolve(dir) else {
                continue;
            };
            if !seen_dirs.insert(real) {
                continue;
            }
            let entries = match root.read_dir(dir) {
                Ok(e) => e,
                Err(RootError::NotFound) => continue,
                Err(e) => {
                    sd.unreadable.push((dir.to_string(), read_error(&e)));
                    continue;
                }
            };
            sd.has_systemd = true;
            for e in entries {
                let rel = join(dir, &e.name);
                if e.is_dir {
                    if let Some(_target) = e
                        .name
                        .strip_suffix(".wants")
                        .or_else(|| e.name.strip_suffix(".requires"))
                        .or_else(|| e.name.strip_suffix(".upholds"))
                    {
                        match root.read_dir(&rel) {
                            Ok(links) => {
                                for l in links.into_iter().filter(|l| !l.is_dir) {
                                    enable_links
                                        .entry(l.name.clone())
                                        .or_default()
                                        .push(join(&rel, &l.name));
                                }
                            }
                            Err(err) => sd.unreadable.push((rel, read_error(&err))),
                        }
                    } else if let Some(unit) = e.name.strip_suffix(".d") {
                        match root.read_dir(&rel) {
                            Ok(confs) => {
                                for c in confs
                                    .into_iter()
                                    .filter(|c| !c.is_dir && c.name.ends_with(".conf"))
                                {
                                    dropins
                                        .entry(unit.to_string())
                                        .or_default()
                                        .entry(c.name.clone())
                                        .or_insert_with(|| join(&rel, &c.name));
                                }
                            }
                            Err(err) => sd.unreadable.push((rel, read_error(&err))),
                        }
                    }
                    continue;
                }
                if !e.name.contains('.') || e.name.starts_with('.') {
                    continue;
                }
                if fragments.contains_key(&e.name) || masks.contains_key(&e.name) {
                    continue;
                }
                if e.is_symlink {
                    match root.read_link(&rel) {
                        Ok(t) if t == "/dev/null" => {
                            masks.insert(e.name.clone(), rel);
                            continue;
                        }
                        Ok(t) => {
                            let target_name = t.rsplit('/').next().unwrap_or(&t).to_string();
                            if target_name != e.name && target_name.contains('.') {
                                alias_links.push((e.name.clone(), target_name, rel));
                                continue;
                            }
                        }
                        Err(err) => {
                            sd.unreadable.push((rel, read_error(&err)));
                            continue;
                        }
                    }
                }
                fragments.insert(e.name.clone(), rel);
            }
        }
        for (name, rel) in &fragments {
            let kind = UnitKind::of(name);
            let mut unit = Unit {
                name: name.clone(),
                path: rel.clone(),
                kind,
                origin: UnitOrigin::File,
                dropins: Vec::new(),
                settings: Vec::new(),
                exec_start: Vec::new(),
                on_calendar: Vec::new(),
                enabled_by: Vec::new(),
                masked: None,
                error: None,
            };
            if kind.parsed() {
                if files >= MAX_UNIT_FILES {
                    sd.budget_exceeded = Some(format!(
                        "more than {MAX_UNIT_FILES} unit files: the rest were not read"
                    ));
                    unit.error = Some("not read: unit file budget exceeded".to_string());
                } else {
                    files += 1;
                    match root.read_text(rel, UNIT_FILE_CAP.min(SYSTEM_FILE_CAP)) {
                        Ok(text) => match parse_unit(&text, rel) {
                            Ok(s) => unit.settings = s,
                            Err(e) => unit.error = Some(e),
                        },
                        Err(e) => unit.error = Some(read_error(&e)),
                    }
                }
            }
            sd.units.insert(name.clone(), unit);
        }
        // Drop-ins: for the unit itself and, for instances, its template.
        for (name, confs) in &dropins {
            let Some(unit) = sd.units.get_mut(name) else {
                continue;
            };
            if !unit.kind.parsed() {
                continue;
            }
            for rel in confs.values() {
                if files >= MAX_UNIT_FILES {
                    sd.budget_exceeded = Some(format!(
                        "more than {MAX_UNIT_FILES} unit files: the rest were not read"
                    ));
                    break;
                }
                files += 1;
                match root.read_text(rel, UNIT_FILE_CAP) {
                    Ok(text) => match parse_unit(&text, rel) {
                        Ok(s) => unit.settings.extend(s),
                        Err(e) => unit.error = Some(format!("/{rel}: {e}")),
                    },
                    Err(e) => unit.error = Some(format!("/{rel}: {}", read_error(&e))),
                }
                unit.dropins.push(rel.clone());
            }
        }
        // Mounts the fstab generator makes (a unit file of the same name wins).
        match root.read_text("etc/fstab", SYSTEM_FILE_CAP) {
            Ok(text) => match parse_mounts(&text) {
                Ok(mounts) => {
                    for m in mounts {
                        if !m.target.starts_with('/') || m.fstype == "swap" {
                            continue;
                        }
                        let name = mount_unit_name(&m.target);
                        if sd.units.contains_key(&name) {
                            continue;
                        }
                        let setting = |key: &str, value: &str| Setting {
                            section: "Mount".to_string(),
                            key: key.to_string(),
                            value: value.to_string(),
                            path: "etc/fstab".to_string(),
                            line: m.line,
                        };
                        let settings = vec![
                            setting("What", &m.source),
                            setting("Where", &m.target),
                            setting("Type", &m.fstype),
                            setting("Options", &m.options),
                        ];
                        let auto = !m.has_option("noauto");
                        sd.units.insert(
                            name.clone(),
                            Unit {
                                name,
                                path: "etc/fstab".to_string(),
                                kind: UnitKind::Mount,
                                origin: UnitOrigin::Fstab {
                                    line: m.line,
                                    options: m.options.clone(),
                                },
                                dropins: Vec::new(),
                                settings,
                                exec_start: Vec::new(),
                                on_calendar: Vec::new(),
                                enabled_by: if auto {
                                    vec!["etc/fstab".to_string()]
                                } else {
                                    Vec::new()
                                },
                                masked: None,
                                error: None,
                            },
                        );
                    }
                }
                Err(e) => sd.unreadable.push(("etc/fstab".to_string(), e)),
            },
            Err(RootError::NotFound) => {}
            Err(e) => sd
                .unreadable
                .push(("etc/fstab".to_string(), read_error(&e))),
        }
        // Masks: a masked name with no other file is still a (masked) unit.
        for (name, rel) in masks {
            let unit = sd.units.entry(name.clone()).or_insert_with(|| Unit {
                kind: UnitKind::of(&name),
                name: name.clone(),
                path: rel.clone(),
                origin: UnitOrigin::File,
                dropins: Vec::new(),
                settings: Vec::new(),
                exec_start: Vec::new(),
                on_calendar: Vec::new(),
                enabled_by: Vec::new(),
                masked: None,
                error: None,
            });
            unit.masked = Some(rel);
        }
        // Enablement links, on the unit or (instances) its template.
        for (link_name, rels) in enable_links {
            let target = if sd.units.contains_key(&link_name) {
                Some(link_name.clone())
            } else {
                sd.unit(&link_name).map(|u| u.name.clone())
            };
            if let Some(t) = target
                && let Some(u) = sd.units.get_mut(&t)
            {
                u.enabled_by.extend(rels);
            }
        }
        for (alias, target, rel) in &alias_links {
            // `systemctl enable` makes aliases (`Alias=`) in /etc; a vendor's
            // alias links in /usr/lib are names, not enablement.
            if rel.starts_with("etc/")
                && let Some(u) = sd.units.get_mut(target)
            {
                u.enabled_by.push(rel.clone());
            }
            sd.aliases
                .push((alias.clone(), target.clone(), rel.clone()));
        }
        for u in sd.units.values_mut() {
            u.exec_start = u
                .values("Service", "ExecStart")
                .into_iter()
                .map(|s| Directive {
                    value: strip_exec_prefix(&s.value).to_string(),
                    path: s.path.clone(),
                    line: s.line,
                })
                .collect();
            u.on_calendar = u
                .values("Timer", "OnCalendar")
                .into_iter()
                .map(Directive::from)
                .collect();
            u.enabled_by.sort();
            u.enabled_by.dedup();
        }
        sd
    }
}

impl Fact for Systemd {
    fn collect(facts: &Facts) -> Self {
        match &facts.target.source {
            Source::Host(h) => Systemd::read(&h.root),
            Source::Tree(_) | Source::Env | Source::Tls(_) => Systemd::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    #[test]
    fn parses_units_with_continuations_and_resets() {
        let s = parse_unit(
            "[Unit]\nDescription=x\n# c\n[Service]\nExecStart=/bin/a \\\n  --flag\nExecStart=\nExecStart=-/usr/bin/restic backup /srv\nEnvironment=\"A=b c\" D=e\n",
            "etc/systemd/system/x.service",
        )
        .unwrap();
        let u = Unit {
            name: "x.service".into(),
            path: "p".into(),
            kind: UnitKind::Service,
            origin: UnitOrigin::File,
            dropins: vec![],
            settings: s,
            exec_start: vec![],
            on_calendar: vec![],
            enabled_by: vec![],
            masked: None,
            error: None,
        };
        let cmds = u.commands();
        assert_eq!(cmds.len(), 1);
        assert_eq!(cmds[0].value, "/usr/bin/restic backup /srv");
        assert_eq!(cmds[0].line, 8);
        let env = u.environment();
        assert_eq!(
            env.iter()
                .map(|(k, v, _)| (k.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
            vec![("A", "b c"), ("D", "e")]
        );
        assert!(parse_unit("A=b\n", "p").is_err());
        assert!(parse_unit("[Unit\n", "p").is_err());
    }

    #[test]
    fn periods_and_names() {
        assert_eq!(calendar_period("daily"), Some(Period::Daily));
        assert_eq!(calendar_period("*-*-* 02:30:00"), Some(Period::Daily));
        assert_eq!(calendar_period("Mon *-*-* 02:30"), Some(Period::Weekly));
        assert_eq!(calendar_period("*-*-01 00:00:00"), Some(Period::Monthly));
        assert_eq!(calendar_period("*-*-* *:00:00"), Some(Period::Hourly));
        assert_eq!(calendar_period("*-*-* 04:00:00 UTC"), Some(Period::Daily));
        assert_eq!(calendar_period("*:0/15"), Some(Period::Minutes));
        assert_eq!(calendar_period("*-*-* 6,18:00"), Some(Period::Daily));
        assert_eq!(span_period("1d"), Some(Period::Daily));
        assert_eq!(span_period("2 weeks"), Some(Period::Monthly));
        assert_eq!(mount_unit_name("/"), "-.mount");
        assert_eq!(mount_unit_name("/srv/cht-data/"), "srv-cht\\x2ddata.mount");
        assert_eq!(mount_unit_name("/mnt/my disk"), "mnt-my\\x20disk.mount");
        assert_eq!(split_words("a 'b c' \"d\\\"e\""), vec!["a", "b c", "d\"e"]);
    }

    #[test]
    fn reads_a_root() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        let etc = p.join("etc/systemd/system");
        let lib = p.join("usr/lib/systemd/system");
        fs::create_dir_all(etc.join("timers.target.wants")).unwrap();
        fs::create_dir_all(etc.join("multi-user.target.wants")).unwrap();
        fs::create_dir_all(etc.join("backup.service.d")).unwrap();
        fs::create_dir_all(&lib).unwrap();
        symlink("usr/lib", p.join("lib")).unwrap();
        fs::write(
            etc.join("backup.timer"),
            "[Timer]\nOnCalendar=*-*-* 02:00:00\nPersistent=true\n[Install]\nWantedBy=timers.target\n",
        )
        .unwrap();
        fs::write(
            etc.join("backup.service"),
            "[Service]\nType=oneshot\nEnvironmentFile=-/etc/restic/env\nExecStart=/usr/local/bin/backup.sh\n",
        )
        .unwrap();
        fs::write(
            etc.join("backup.service.d/override.conf"),
            "[Service]\nExecStart=\nExecStart=/usr/local/bin/backup2.sh\n",
        )
        .unwrap();
        symlink(
            "/etc/systemd/system/backup.timer",
            etc.join("timers.target.wants/backup.timer"),
        )
        .unwrap();
        fs::write(
            lib.join("docker.service"),
            "[Service]\nExecStart=/usr/bin/dockerd\n",
        )
        .unwrap();
        fs::write(
            lib.join("docker.socket"),
            "[Socket]\nListenStream=/run/docker.sock\n",
        )
        .unwrap();
        symlink("/dev/null", etc.join("docker.service")).unwrap();
        fs::write(
            lib.join("orphan.timer"),
            "[Timer]\nOnCalendar=weekly\nUnit=gone.service\n",
        )
        .unwrap();
        fs::write(p.join("etc/fstab"), "/dev/sdb1 /srv/data ext4 defaults 0 2\n/dev/sdc1 /mnt/usb ext4 noauto 0 0\n/dev/sda2 none swap sw 0 0\n").unwrap();
        let root = Root::open(p, crate::target::root::Confinement::Chroot).unwrap();
        let sd = Systemd::read(&root);
        assert!(sd.has_systemd);
        let timer = sd.unit("backup.timer").unwrap();
        assert!(timer.enabled());
        assert_eq!(timer.timer_period(), Some(Period::Daily));
        let svc = sd.service_of(timer).unwrap();
        assert_eq!(svc.exec_start.len(), 1);
        assert_eq!(svc.exec_start[0].value, "/usr/local/bin/backup2.sh");
        assert_eq!(
            svc.exec_start[0].path,
            "etc/systemd/system/backup.service.d/override.conf"
        );
        assert_eq!(svc.environment_files()[0].0, "/etc/restic/env");
        assert!(svc.environment_files()[0].1);
        let docker = sd.unit("docker.service").unwrap();
        assert_eq!(
            docker.masked.as_deref(),
            Some("etc/systemd/system/docker.service")
        );
        assert!(!docker.enabled());
        assert!(
            sd.unit("docker.socket").is_some(),
            "lib -> usr/lib read once"
        );
        let orphan = sd.unit("orphan.timer").unwrap();
        assert!(sd.service_of(orphan).unwrap_err().contains("gone.service"));
        let srv = sd.unit("srv-data.mount").unwrap();
        assert!(srv.enabled());
        assert_eq!(srv.mount_point(), Some("/srv/data"));
        assert!(matches!(srv.origin, UnitOrigin::Fstab { line: 1, .. }));
        assert!(!sd.unit("mnt-usb.mount").unwrap().enabled(), "noauto");
        assert_eq!(sd.of_kind(UnitKind::Mount).count(), 2);
    }
}
