//! Cron jobs of a host or offline root, from files only: `/etc/crontab`,
//! `/etc/cron.d/*`, the scripts in `/etc/cron.{hourly,daily,weekly,monthly}`
//! (run by `run-parts`), and user crontabs (`/var/spool/cron/crontabs/USER`
//! on Debian, `/var/spool/cron/USER` on the RHEL family). Each job keeps its
//! file and 1-based line; environment assignments (`NAME=value`) are kept
//! with the jobs they precede. Files cron itself would skip are listed with
//! the reason (Debian's cron and `run-parts` skip names with a dot; every
//! `run-parts` skips scripts that are not executable). Parses; never judges;
//! nothing is run. A config tree has no cron: the fact is empty there.

use std::os::unix::fs::PermissionsExt;

use crate::facts::system::{SYSTEM_FILE_CAP, join, list_dir, read_error};
use crate::facts::{Fact, Facts};
use crate::target::{Root, RootError, Source};

/// Where a job comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CronSource {
    /// `/etc/crontab`: six fields, the sixth is the user.
    SystemCrontab,
    /// `/etc/cron.d/*`: the same format as `/etc/crontab`.
    CronD,
    /// A script in `/etc/cron.{hourly,daily,weekly,monthly}`: the script is
    /// the job (run as root by `run-parts`).
    Periodic,
    /// A user's crontab: five fields, the file name is the user.
    User,
}

/// How often a job runs, as far as its schedule says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// More often than hourly (`*/5 * * * *`).
    Minutes,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Yearly,
    /// `@reboot`: once per boot, not on a calendar.
    Reboot,
}

impl Period {
    /// The longest gap between two runs, in hours (`None` for `@reboot`).
    pub fn max_gap_hours(self) -> Option<u32> {
        match self {
            Period::Minutes | Period::Hourly => Some(1),
            Period::Daily => Some(24),
            Period::Weekly => Some(24 * 7),
            Period::Monthly => Some(24 * 31),
            Period::Yearly => Some(24 * 366),
            Period::Reboot => None,
        }
    }
}

/// A cron schedule as written (`30 2 * * *`, `@daily`, `cron.daily`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub raw: String,
    /// `None` when the fields are not a schedule cron accepts.
    pub period: Option<Period>,
}

impl Schedule {
    /// Reads a schedule: `@keyword` or the five time fields.
    pub fn parse(raw: &str) -> Schedule {
        let period = match raw {
            "@reboot" => Some(Period::Reboot),
            "@hourly" => Some(Period::Hourly),
            "@daily" | "@midnight" => Some(Period::Daily),
            "@weekly" => Some(Period::Weekly),
            "@monthly" => Some(Period::Monthly),
            "@yearly" | "@annually" => Some(Period::Yearly),
            _ => five_field_period(raw),
        };
        Schedule {
            raw: raw.to_string(),
            period,
        }
    }
}

/// The period of `m h dom mon dow`: the coarsest field that is restricted
/// decides (a restricted month is yearly, a restricted day of month monthly,
/// a restricted weekday weekly, a restricted hour daily).
fn five_field_period(raw: &str) -> Option<Period> {
    let f: Vec<&str> = raw.split_whitespace().collect();
    if f.len() != 5 || !f.iter().all(|x| valid_field(x)) {
        return None;
    }
    let any = |x: &str| x == "*" || x == "?";
    let step_only = |x: &str| x.starts_with("*/");
    Some(if !any(f[3]) {
        Period::Yearly
    } else if !any(f[2]) {
        Period::Monthly
    } else if !any(f[4]) {
        Period::Weekly
    } else if !any(f[1]) && !step_only(f[1]) {
        Period::Daily
    } else if any(f[1]) || step_only(f[1]) {
        if !any(f[0]) && !step_only(f[0]) {
            Period::Hourly
        } else {
            Period::Minutes
        }
    } else {
        Period::Daily
    })
}

fn valid_field(f: &str) -> bool {
    !f.is_empty()
        && f.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'*' | b'/' | b',' | b'-' | b'?'))
}

/// One cron job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronJob {
    /// The file the job is in, root-relative (`etc/cron.d/backup`).
    pub path: String,
    /// 1-based line (1 for a periodic script: the whole file is the job).
    pub line: u32,
    pub source: CronSource,
    pub schedule: Schedule,
    /// Who runs it: the sixth field, the crontab's owner, or `root`.
    pub user: Option<String>,
    /// The command as cron hands it to the shell: up to the first unescaped
    /// `%` (the rest is standard input), `\%` unescaped. For a periodic
    /// script, the script's absolute path.
    pub command: String,
    /// `NAME=value` lines of the same file above the job (later ones win).
    /// Values may be secrets (`RESTIC_PASSWORD=`): never print them.
    pub env: Vec<(String, String, u32)>,
}

impl CronJob {
    /// The value of an environment variable set for this job in its file.
    pub fn env_value(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, _)| v.as_str())
    }
}

/// A file cron would not run, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub why: String,
}

/// A line cron cannot read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    pub path: String,
    pub line: u32,
    pub why: String,
}

/// Every cron job of a host root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cron {
    pub jobs: Vec<CronJob>,
    /// Files present that cron or run-parts skips.
    pub skipped: Vec<Skipped>,
    /// Lines that are neither a job, an assignment nor a comment.
    pub bad_lines: Vec<BadLine>,
    /// Files and directories that could not be read: (path, why).
    pub unreadable: Vec<(String, String)>,
}

impl Cron {
    /// The jobs whose command mentions `word` (a program name).
    pub fn jobs_running<'a>(&'a self, word: &'a str) -> impl Iterator<Item = &'a CronJob> + 'a {
        self.jobs
            .iter()
            .filter(move |j| j.command.split(is_word_sep).any(|w| w == word))
    }
}

fn is_word_sep(c: char) -> bool {
    c.is_whitespace() || matches!(c, '/' | ';' | '&' | '|' | '(' | ')' | '`' | '\'' | '"')
}

/// Periodic directories and what they mean.
pub const PERIODIC: [(&str, Period); 4] = [
    ("etc/cron.hourly", Period::Hourly),
    ("etc/cron.daily", Period::Daily),
    ("etc/cron.weekly", Period::Weekly),
    ("etc/cron.monthly", Period::Monthly),
];

/// Most files read from one cron directory (a budget).
const MAX_FILES_PER_DIR: usize = 512;

/// Parses crontab text. `system` files (`/etc/crontab`, `/etc/cron.d`) carry
/// a user field; a user crontab's user is `owner`.
pub fn parse(
    text: &str,
    path: &str,
    source: CronSource,
    owner: Option<&str>,
) -> (Vec<CronJob>, Vec<BadLine>) {
    let system = matches!(source, CronSource::SystemCrontab | CronSource::CronD);
    let mut jobs = Vec::new();
    let mut bad = Vec::new();
    let mut env: Vec<(String, String, u32)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = assignment(line) {
            env.push((k, v, line_no));
            continue;
        }
        let (schedule, rest) = if line.starts_with('@') {
            match line.split_once(char::is_whitespace) {
                Some((kw, rest)) => (kw.to_string(), rest.trim_start()),
                None => {
                    bad.push(BadLine {
                        path: path.to_string(),
                        line: line_no,
                        why: "a schedule without a command".to_string(),
                    });
                    continue;
                }
            }
        } else {
            let mut rest = line;
            let mut fields = Vec::new();
            for _ in 0..5 {
                let t = rest.trim_start();
                let end = t.find(char::is_whitespace).unwrap_or(t.len());
                fields.push(&t[..end]);
                rest = &t[end..];
            }
            (fields.join(" "), rest.trim_start())
        };
        let schedule = Schedule::parse(&schedule);
        let (user, command) = if system {
            match rest.split_once(char::is_whitespace) {
                Some((u, c)) => (Some(u.to_string()), c.trim_start()),
                None => (None, ""),
            }
        } else {
            (owner.map(str::to_string), rest)
        };
        if schedule.period.is_none() || command.is_empty() {
            bad.push(BadLine {
                path: path.to_string(),
                line: line_no,
                why: if command.is_empty() {
                    "no command after the schedule".to_string()
                } else {
                    "the time fields are not a cron schedule".to_string()
                },
            });
            continue;
        }
        jobs.push(CronJob {
            path: path.to_string(),
            line: line_no,
            source,
            schedule,
            user,
            command: cron_command(command),
            env: env.clone(),
        });
    }
    (jobs, bad)
}

/// `NAME=value` (or `NAME = value`), quotes removed, as cron reads it.
fn assignment(line: &str) -> Option<(String, String)> {
    let (k, v) = line.split_once('=')?;
    let k = k.trim();
    if k.is_empty()
        || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        || k.as_bytes()[0].is_ascii_digit()
    {
        return None;
    }
    let v = v.trim();
    let v = v
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
        .unwrap_or(v);
    Some((k.to_string(), v.to_string()))
}

/// The command part cron runs: up to the first unescaped `%`.
fn cron_command(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'%') => {
                out.push('%');
                chars.next();
            }
            '%' => break,
            c => out.push(c),
        }
    }
    out.trim_end().to_string()
}

/// Whether the host's cron is Debian's (it skips `cron.d` and run-parts names
/// with characters outside `[A-Za-z0-9_-]`).
fn debian_names(root: &Root) -> bool {
    root.exists("etc/debian_version")
}

fn debian_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Names every cron skips (editor and package-manager leftovers).
fn leftover(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || [
            ".dpkg-old",
            ".dpkg-dist",
            ".dpkg-new",
            ".dpkg-tmp",
            ".rpmsave",
            ".rpmorig",
            ".rpmnew",
            ".swp",
            ".cfsaved",
        ]
        .iter()
        .any(|s| name.ends_with(s))
}

impl Cron {
    /// Reads the cron files of a root.
    pub fn read(root: &Root) -> Cron {
        let mut cron = Cron::default();
        let debian = debian_names(root);
        cron.read_file(root, "etc/crontab", CronSource::SystemCrontab, None);
        match list_dir(root, "etc/cron.d") {
            Ok(names) => {
                for name in names.into_iter().take(MAX_FILES_PER_DIR) {
                    let rel = join("etc/cron.d", &name);
                    if name == ".placeholder" {
                        continue;
                    }
                    if let Some(why) = skip_reason(&name, debian) {
                        cron.skipped.push(Skipped { path: rel, why });
                        continue;
                    }
                    cron.read_file(root, &rel, CronSource::CronD, None);
                }
            }
            Err(e) => cron.unreadable.push(("etc/cron.d".to_string(), e)),
        }
        for (dir, period) in PERIODIC {
            match list_dir(root, dir) {
                Ok(names) => {
                    for name in names.into_iter().take(MAX_FILES_PER_DIR) {
                        if name == ".placeholder" {
                            continue;
                        }
                        let rel = join(dir, &name);
                        if let Some(why) = skip_reason(&name, debian) {
                            cron.skipped.push(Skipped { path: rel, why });
                            continue;
                        }
                        match root.metadata(&rel) {
                            Ok(m) if m.permissions().mode() & 0o111 == 0 => {
                                cron.skipped.push(Skipped {
                                    path: rel,
                                    why: "not executable: run-parts skips it".to_string(),
                                });
                                continue;
                            }
                            Ok(_) => {}
                            Err(e) => {
                                cron.unreadable.push((rel, read_error(&e)));
                                continue;
                            }
                        }
                        cron.jobs.push(CronJob {
                            command: format!("/{rel}"),
                            path: rel,
                            line: 1,
                            source: CronSource::Periodic,
                            schedule: Schedule {
                                raw: dir.trim_start_matches("etc/").to_string(),
                                period: Some(period),
                            },
                            user: Some("root".to_string()),
                            env: Vec::new(),
                        });
                    }
                }
                Err(e) => cron.unreadable.push((dir.to_string(), e)),
            }
        }
        for dir in ["var/spool/cron/crontabs", "var/spool/cron"] {
            match root.read_dir(dir) {
                Ok(entries) => {
                    for e in entries
                        .into_iter()
                        .filter(|e| !e.is_dir)
                        .take(MAX_FILES_PER_DIR)
                    {
                        if leftover(&e.name) {
                            continue;
                        }
                        let rel = join(dir, &e.name);
                        cron.read_file(root, &rel, CronSource::User, Some(&e.name));
                    }
                }
                Err(RootError::NotFound) => {}
                Err(e) => cron.unreadable.push((dir.to_string(), read_error(&e))),
            }
        }
        cron
    }

    fn read_file(&mut self, root: &Root, rel: &str, source: CronSource, owner: Option<&str>) {
        match root.read_text(rel, SYSTEM_FILE_CAP) {
            Ok(text) => {
                let (jobs, bad) = parse(&text, rel, source, owner);
                self.jobs.extend(jobs);
                self.bad_lines.extend(bad);
            }
            Err(RootError::NotFound) => {}
            Err(e) => self.unreadable.push((rel.to_string(), read_error(&e))),
        }
    }
}

fn skip_reason(name: &str, debian: bool) -> Option<String> {
    if leftover(name) {
        return Some("a backup or package-manager leftover: cron skips it".to_string());
    }
    if debian && !debian_name_ok(name) {
        return Some(
            "the name has characters outside [A-Za-z0-9_-] (a dot?): Debian's cron and run-parts skip it"
                .to_string(),
        );
    }
    None
}

impl Fact for Cron {
    fn collect(facts: &Facts) -> Self {
        match &facts.target.source {
            Source::Host(h) => Cron::read(&h.root),
            Source::Tree(_) | Source::Env | Source::Tls(_) => Cron::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn parses_system_and_user_crontabs() {
        let text = "SHELL=/bin/sh\nRESTIC_REPOSITORY=\"sftp:b@h:/r\"\n# c\n17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly\n30 2 * * * root /usr/local/bin/backup.sh > /var/log/b.log 2>&1\n@daily root tar czf /backup/x-$(date +\\%F).tgz /srv % stdin\nbad line here\n";
        let (jobs, bad) = parse(text, "etc/crontab", CronSource::SystemCrontab, None);
        assert_eq!(jobs.len(), 3);
        assert_eq!(jobs[0].schedule.period, Some(Period::Hourly));
        assert_eq!(jobs[1].line, 5);
        assert_eq!(jobs[1].user.as_deref(), Some("root"));
        assert_eq!(
            jobs[1].command,
            "/usr/local/bin/backup.sh > /var/log/b.log 2>&1"
        );
        assert_eq!(jobs[1].schedule.period, Some(Period::Daily));
        assert_eq!(jobs[1].env_value("RESTIC_REPOSITORY"), Some("sftp:b@h:/r"));
        assert_eq!(
            jobs[2].command, "tar czf /backup/x-$(date +%F).tgz /srv",
            "\\% unescaped, cut at %"
        );
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 7);

        let (jobs, bad) = parse(
            "*/5 * * * * /bin/check\n0 3 * * 0 restic backup /srv\n0 0 1 * * x\n0 0 1 1 * y\n@reboot z\n",
            "var/spool/cron/crontabs/ops",
            CronSource::User,
            Some("ops"),
        );
        assert!(bad.is_empty());
        let periods: Vec<_> = jobs.iter().map(|j| j.schedule.period.unwrap()).collect();
        assert_eq!(
            periods,
            vec![
                Period::Minutes,
                Period::Weekly,
                Period::Monthly,
                Period::Yearly,
                Period::Reboot
            ]
        );
        assert_eq!(jobs[1].user.as_deref(), Some("ops"));
        assert_eq!(jobs[1].command, "restic backup /srv");
        let cron = Cron {
            jobs,
            ..Cron::default()
        };
        assert_eq!(cron.jobs_running("restic").count(), 1);
        assert_eq!(cron.jobs_running("resti").count(), 0);
    }

    #[test]
    fn reads_a_root_with_run_parts_semantics() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        fs::create_dir_all(p.join("etc/cron.d")).unwrap();
        fs::create_dir_all(p.join("etc/cron.daily")).unwrap();
        fs::create_dir_all(p.join("var/spool/cron/crontabs")).unwrap();
        fs::write(p.join("etc/debian_version"), "12.5\n").unwrap();
        fs::write(p.join("etc/cron.d/backup"), "0 1 * * * root /b.sh\n").unwrap();
        fs::write(p.join("etc/cron.d/backup.sh"), "0 1 * * * root /c.sh\n").unwrap();
        fs::write(
            p.join("etc/cron.daily/restic"),
            "#!/bin/sh\nrestic backup\n",
        )
        .unwrap();
        fs::set_permissions(
            p.join("etc/cron.daily/restic"),
            fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        fs::write(p.join("etc/cron.daily/off"), "#!/bin/sh\n").unwrap();
        fs::set_permissions(
            p.join("etc/cron.daily/off"),
            fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        fs::write(p.join("var/spool/cron/crontabs/ana"), "@weekly /x\n").unwrap();
        let root = Root::open(p, crate::target::root::Confinement::Chroot).unwrap();
        let cron = Cron::read(&root);
        let got: Vec<_> = cron
            .jobs
            .iter()
            .map(|j| (j.path.as_str(), j.command.as_str(), j.user.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("etc/cron.d/backup", "/b.sh", Some("root")),
                (
                    "etc/cron.daily/restic",
                    "/etc/cron.daily/restic",
                    Some("root")
                ),
                ("var/spool/cron/crontabs/ana", "/x", Some("ana")),
            ]
        );
        let skipped: Vec<_> = cron.skipped.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(skipped, vec!["etc/cron.d/backup.sh", "etc/cron.daily/off"]);
        assert!(cron.unreadable.is_empty());
    }
}
