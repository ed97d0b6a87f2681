//! CouchDB ini files and their layering. A file is parsed the way CouchDB's
//! config reader does (`[section]`, `key = value`, `;` comments at the start
//! of a line or after whitespace, indented continuation lines); the
//! `CouchConfigs` fact groups files into one CouchDB config directory each and
//! layers them `default.ini` < `default.d/*` < `local.ini` < `local.d/*`.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::facts::inventory::{Kind, Parsed};
use crate::facts::{Fact, Facts};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IniFile {
    pub entries: Vec<IniEntry>,
    pub sections: Vec<(String, u32)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IniEntry {
    pub section: String,
    pub key: String,
    pub value: String,
    pub line: u32,
}

/// Section names only CouchDB uses: how an `.ini` is recognised as CouchDB's.
pub const COUCHDB_SECTIONS: [&str; 16] = [
    "couchdb",
    "cors",
    "chttpd",
    "httpd",
    "admins",
    "couch_httpd_auth",
    "chttpd_auth",
    "chttpd_auth_lockout",
    "cluster",
    "fabric",
    "query_server_config",
    "couch_peruser",
    "nouveau",
    "replicator",
    "smoosh",
    "couch_httpd_oauth",
];

fn strip_comment(v: &str) -> &str {
    let bytes = v.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b';' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &v[..i];
        }
    }
    v
}

pub fn parse(text: &str) -> Result<IniFile, String> {
    let mut file = IniFile::default();
    let mut section: Option<String> = None;
    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx as u32 + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') {
            continue;
        }
        if raw.starts_with([' ', '\t']) && !trimmed.starts_with('[') {
            // Continuation of the previous value.
            if let Some(last) = file.entries.last_mut() {
                let more = strip_comment(trimmed).trim();
                if !more.is_empty() {
                    last.value.push(' ');
                    last.value.push_str(more);
                }
                continue;
            }
        }
        if let Some(rest) = trimmed.strip_prefix('[') {
            let Some(name) = rest.strip_suffix(']') else {
                return Err(format!("line {line_no}: unterminated section header"));
            };
            let name = name.trim().to_string();
            file.sections.push((name.clone(), line_no));
            section = Some(name);
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            // CouchDB ignores lines that are not `key = value`.
            continue;
        };
        let Some(sec) = &section else {
            // The key is not quoted: the line is any text, of any length
            // (found by fuzzing: a 2.5 KB error from one long line).
            return Err(format!(
                "line {line_no}: a `key = value` line outside any [section]"
            ));
        };
        file.entries.push(IniEntry {
            section: sec.clone(),
            key: key.trim().to_string(),
            value: strip_comment(value).trim().to_string(),
            line: line_no,
        });
    }
    // Kept for the whole scan: at its size.
    file.entries.shrink_to_fit();
    file.sections.shrink_to_fit();
    Ok(file)
}

/// Whether an ini file is CouchDB's (by its section names).
pub fn is_couchdb(file: &IniFile) -> bool {
    file.sections
        .iter()
        .any(|(s, _)| COUCHDB_SECTIONS.contains(&s.as_str()))
}

/// The effective setting of one key, and where it was set (the file's path
/// shared with the file, not copied per setting).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub rel: Arc<str>,
    pub line: u32,
}

/// A setting under its (section, key).
type Keyed = ((Box<str>, Box<str>), Setting);

/// One CouchDB configuration directory, layered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CouchConfig {
    /// The directory the files belong to (`etc` of `etc/local.d/x.ini`).
    pub dir: String,
    /// The files in the order CouchDB reads them.
    pub files: Vec<Arc<str>>,
    /// The effective setting of each (section, key), sorted by them: a
    /// vector, not a map (a directory holds a handful of settings, and a
    /// B-tree node has room for eleven: at 100k files the maps were most of
    /// this fact's 9 MB).
    settings: Vec<Keyed>,
    /// Files of this directory that could not be read or parsed.
    pub broken: Vec<(String, String)>,
}

impl CouchConfig {
    pub fn get(&self, section: &str, key: &str) -> Option<&Setting> {
        self.settings
            .binary_search_by(|((s, k), _)| (&**s, &**k).cmp(&(section, key)))
            .ok()
            .map(|i| &self.settings[i].1)
    }

    /// Only credentials (`[admins]`, the uuid, the cookie secret): what the
    /// CHT image writes into its credentials volume. Such a directory does not
    /// describe the server configuration.
    pub fn credentials_only(&self) -> bool {
        self.settings.iter().all(|((s, k), _)| {
            &**s == "admins"
                || (&**s == "couchdb" && &**k == "uuid")
                || ((&**s == "chttpd_auth" || &**s == "couch_httpd_auth") && &**k == "secret")
        })
    }

    /// Sorts the settings gathered in reading order by (section, key) and
    /// keeps, of each, the one read last (a later file, or a later line,
    /// replaces an earlier value).
    fn settle(&mut self) {
        // Stable: the entries of one key stay in reading order.
        self.settings.sort_by(|(a, _), (b, _)| a.cmp(b));
        let mut kept: Vec<Keyed> = Vec::with_capacity(self.settings.len());
        for item in self.settings.drain(..) {
            match kept.last_mut() {
                Some(last) if last.0 == item.0 => *last = item,
                _ => kept.push(item),
            }
        }
        self.settings = kept;
    }
}

#[derive(Debug, Default)]
pub struct CouchConfigs {
    pub configs: Vec<CouchConfig>,
}

/// The config directory and layer rank of an ini file path.
fn placement(rel: &str) -> (String, u8, String) {
    let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let (parent, leaf) = dir.rsplit_once('/').unwrap_or(("", dir));
    match (leaf, name) {
        ("default.d", _) => (parent.to_string(), 1, name.to_string()),
        ("local.d", _) => (parent.to_string(), 3, name.to_string()),
        (_, "default.ini") => (dir.to_string(), 0, name.to_string()),
        (_, "local.ini") => (dir.to_string(), 2, name.to_string()),
        // Loose files (like cht-core's couchdb/10-docker-default.ini, which the
        // image copies into local.d) are read as local.d files.
        _ => (dir.to_string(), 3, name.to_string()),
    }
}

impl Fact for CouchConfigs {
    fn collect(facts: &Facts) -> Self {
        let mut groups: BTreeMap<String, Vec<(u8, String, Arc<str>)>> = BTreeMap::new();
        let mut broken: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for doc in facts.docs() {
            if doc.kind != Kind::CouchIni {
                continue;
            }
            let (dir, rank, name) = placement(&doc.rel);
            match &doc.content {
                Ok(Parsed::CouchIni(_)) => {
                    groups
                        .entry(dir)
                        .or_default()
                        .push((rank, name, doc.rel.clone()));
                }
                Err(e) => broken
                    .entry(dir)
                    .or_default()
                    .push((doc.rel.to_string(), e.clone())),
                Ok(_) => {}
            }
        }
        let mut configs = Vec::new();
        let dirs: std::collections::BTreeSet<String> =
            groups.keys().chain(broken.keys()).cloned().collect();
        for dir in dirs {
            let mut files = groups.remove(&dir).unwrap_or_default();
            files.sort();
            let mut cfg = CouchConfig {
                dir: dir.clone(),
                broken: broken.remove(&dir).unwrap_or_default(),
                ..CouchConfig::default()
            };
            for (_, _, rel) in files {
                let Some(Ok(Parsed::CouchIni(ini))) = facts.doc(&rel).map(|d| &d.content) else {
                    continue;
                };
                cfg.files.push(rel.clone());
                for e in &ini.entries {
                    cfg.settings.push((
                        (e.section.as_str().into(), e.key.as_str().into()),
                        Setting {
                            value: e.value.clone(),
                            rel: rel.clone(),
                            line: e.line,
                        },
                    ));
                }
            }
            cfg.settle();
            cfg.files.shrink_to_fit();
            configs.push(cfg);
        }
        CouchConfigs { configs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_couchdb_ini() {
        let text = "; header\n[chttpd]\nport = 5984 ; inline\nbind_address = 0.0.0.0\n[admins]\nadmin = -pbkdf2-abc,def,10\nurl = http://a;b\n  more\n";
        let ini = parse(text).unwrap();
        assert!(is_couchdb(&ini));
        assert_eq!(ini.entries[0].value, "5984");
        assert_eq!(ini.entries[0].line, 3);
        assert_eq!(ini.entries[2].value, "-pbkdf2-abc,def,10");
        assert_eq!(ini.entries[3].value, "http://a;b more");
        assert!(parse("key = v\n").is_err());
        assert!(parse("[open\n").is_err());
        let grafana =
            parse("[server]\nhttp_port = 3000\n[security]\nadmin_password = x\n").unwrap();
        assert!(!is_couchdb(&grafana));
    }

    #[test]
    fn a_later_value_replaces_an_earlier_one() {
        let at = |value: &str, rel: &str, line| Setting {
            value: value.into(),
            rel: rel.into(),
            line,
        };
        let mut cfg = CouchConfig::default();
        for (section, key, setting) in [
            ("chttpd", "port", at("5984", "etc/default.ini", 3)),
            ("admins", "medic", at("-pbkdf2-a", "etc/local.d/a.ini", 2)),
            (
                "chttpd",
                "bind_address",
                at("127.0.0.1", "etc/default.ini", 4),
            ),
            ("chttpd", "port", at("5986", "etc/local.d/a.ini", 5)),
            ("chttpd", "port", at("6984", "etc/local.d/a.ini", 9)),
        ] {
            cfg.settings.push(((section.into(), key.into()), setting));
        }
        cfg.settle();
        let keys: Vec<(&str, &str)> = cfg
            .settings
            .iter()
            .map(|((s, k), _)| (&**s, &**k))
            .collect();
        assert_eq!(
            keys,
            [
                ("admins", "medic"),
                ("chttpd", "bind_address"),
                ("chttpd", "port")
            ]
        );
        assert_eq!(
            cfg.get("chttpd", "port"),
            Some(&at("6984", "etc/local.d/a.ini", 9))
        );
        assert_eq!(cfg.get("chttpd", "bind_address").map(|s| s.line), Some(4));
        assert_eq!(cfg.get("cors", "origins"), None);
        assert!(!cfg.credentials_only());
    }

    #[test]
    fn layering_order() {
        assert_eq!(placement("etc/default.ini").1, 0);
        assert_eq!(
            placement("etc/default.d/a.ini"),
            ("etc".into(), 1, "a.ini".into())
        );
        assert_eq!(placement("etc/local.ini").1, 2);
        assert_eq!(
            placement("etc/local.d/z.ini"),
            ("etc".into(), 3, "z.ini".into())
        );
        assert_eq!(placement("couchdb/10-docker-default.ini").0, "couchdb");
        assert_eq!(placement("local.ini").0, "");
    }
}
