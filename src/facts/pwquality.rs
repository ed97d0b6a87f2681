//! libpwquality configuration: `pwquality.conf` and `pwquality.conf.d/*.conf`
//! (`name = value`, `#` comments, blanks around `=` ignored). Layered the way
//! pwquality.conf(5) says libpwquality reads them: first the `.d` files in
//! ASCII order, then the main file, a later value overriding an earlier one.
//! The `PwQualityConfigs` fact: the host's `/etc/security` set, or each such
//! set in a config tree. Parses and layers; never judges.

use std::collections::BTreeMap;

use crate::facts::inventory::{Kind, Parsed};
use crate::facts::system::{
    SystemFile, file_name, join, list_dir, parent, read_error, read_host_file,
};
use crate::facts::{Fact, Facts};
use crate::target::Source;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PwQualityFile {
    pub entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub line: u32,
}

pub fn parse(text: &str) -> PwQualityFile {
    let mut entries = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) if !k.trim().contains(char::is_whitespace) => (k.trim(), v.trim()),
            _ => line
                .split_once(char::is_whitespace)
                .map_or((line, ""), |(k, v)| {
                    (k, v.trim().trim_start_matches('=').trim())
                }),
        };
        entries.push(Entry {
            key: key.to_ascii_lowercase(),
            value: value.to_string(),
            line: i as u32 + 1,
        });
    }
    PwQualityFile { entries }
}

/// A setting in effect, and the file and line that set it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub rel: String,
    pub line: u32,
}

impl Setting {
    pub fn int(&self) -> Option<i64> {
        self.value.parse().ok()
    }
}

/// One layered libpwquality configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PwQualityConfig {
    /// The directory holding `pwquality.conf` (`etc/security` on a host).
    pub dir: String,
    /// The files read, in the order libpwquality reads them.
    pub files: Vec<String>,
    pub settings: BTreeMap<String, Setting>,
    /// Files that exist but could not be read.
    pub broken: Vec<(String, String)>,
}

impl PwQualityConfig {
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.settings.get(key)
    }

    fn layer(&mut self, file: &SystemFile<PwQualityFile>) {
        match &file.content {
            Ok(f) => {
                self.files.push(file.rel.clone());
                for e in &f.entries {
                    self.settings.insert(
                        e.key.clone(),
                        Setting {
                            value: e.value.clone(),
                            rel: file.rel.clone(),
                            line: e.line,
                        },
                    );
                }
            }
            Err(e) => self.broken.push((file.rel.clone(), e.clone())),
        }
    }
}

#[derive(Debug, Default)]
pub struct PwQualityConfigs {
    pub configs: Vec<PwQualityConfig>,
}

impl PwQualityConfigs {
    /// The configuration kept in `dir` (the directory of `pwquality.conf`).
    pub fn in_dir(&self, dir: &str) -> Option<&PwQualityConfig> {
        self.configs.iter().find(|c| c.dir == dir)
    }
}

/// The directory a pwquality file belongs to: `x` for `x/pwquality.conf` and
/// for `x/pwquality.conf.d/*.conf`.
fn owner_dir(rel: &str) -> String {
    let dir = parent(rel);
    if file_name(dir) == "pwquality.conf.d" {
        parent(dir).to_string()
    } else {
        dir.to_string()
    }
}

impl Fact for PwQualityConfigs {
    fn collect(facts: &Facts) -> Self {
        let mut configs = Vec::new();
        match &facts.target.source {
            Source::Host(h) => {
                let dir = "etc/security";
                let mut cfg = PwQualityConfig {
                    dir: dir.to_string(),
                    ..PwQualityConfig::default()
                };
                let d = join(dir, "pwquality.conf.d");
                match list_dir(&h.root, &d) {
                    Ok(names) => {
                        for name in names.iter().filter(|n| n.ends_with(".conf")) {
                            if let Some(f) =
                                read_host_file(&h.root, &join(&d, name), |t| Ok(parse(t)))
                            {
                                cfg.layer(&f);
                            }
                        }
                    }
                    Err(e) => cfg.broken.push((d.clone(), e)),
                }
                match read_host_file(&h.root, &join(dir, "pwquality.conf"), |t| Ok(parse(t))) {
                    Some(f) => cfg.layer(&f),
                    None => {
                        if let Err(e) = h.root.metadata(dir)
                            && e != crate::target::RootError::NotFound
                        {
                            cfg.broken.push((dir.to_string(), read_error(&e)));
                        }
                    }
                }
                if !cfg.files.is_empty() || !cfg.broken.is_empty() {
                    configs.push(cfg);
                }
            }
            Source::Tree(_) | Source::Env | Source::Tls(_) | Source::Domain(_) => {
                // (is the main file, name, file) per owning directory.
                let mut groups: BTreeMap<String, Vec<(bool, String, SystemFile<PwQualityFile>)>> =
                    BTreeMap::new();
                for d in facts.docs_of(Kind::PwQuality) {
                    let file = SystemFile {
                        rel: d.rel.to_string(),
                        content: match &d.content {
                            Ok(Parsed::PwQuality(p)) => Ok(p.clone()),
                            Ok(_) => continue,
                            Err(e) => Err(e.clone()),
                        },
                    };
                    let main = file_name(&d.rel) == "pwquality.conf";
                    groups.entry(owner_dir(&d.rel)).or_default().push((
                        main,
                        file_name(&d.rel).to_string(),
                        file,
                    ));
                }
                for (dir, mut files) in groups {
                    // `.d` files first in ASCII order, the main file last.
                    files.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
                    let mut cfg = PwQualityConfig {
                        dir,
                        ..PwQualityConfig::default()
                    };
                    for (_, _, f) in &files {
                        cfg.layer(f);
                    }
                    configs.push(cfg);
                }
            }
        }
        PwQualityConfigs { configs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_and_without_equals() {
        let f = parse("# x\nminlen = 14\n  dcredit=-1 # note\nenforce_for_root\nminclass 3\n");
        let kv: Vec<(&str, &str)> = f
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(
            kv,
            [
                ("minlen", "14"),
                ("dcredit", "-1"),
                ("enforce_for_root", ""),
                ("minclass", "3")
            ]
        );
        assert_eq!(f.entries[1].line, 3);
    }

    #[test]
    fn main_file_overrides_dot_d() {
        let mut c = PwQualityConfig::default();
        for (rel, text) in [
            ("s/pwquality.conf.d/10-a.conf", "minlen = 10\ndcredit = 1\n"),
            ("s/pwquality.conf.d/20-b.conf", "minlen = 14\n"),
            ("s/pwquality.conf", "minlen = 9\n"),
        ] {
            c.layer(&SystemFile {
                rel: rel.to_string(),
                content: Ok(parse(text)),
            });
        }
        assert_eq!(c.get("minlen").unwrap().value, "9");
        assert_eq!(
            c.get("dcredit").unwrap().rel,
            "s/pwquality.conf.d/10-a.conf"
        );
        assert_eq!(owner_dir("s/pwquality.conf.d/10-a.conf"), "s");
        assert_eq!(owner_dir("s/pwquality.conf"), "s");
    }
}
