//! Where CHT keeps its data on a host, and what backs each place. The
//! CouchDB data directories named by the `.env` files of the CHT installs
//! found on the host (`COUCHDB_DATA`, `DB1_DATA`, `DB2_DATA`, ...), CHT's
//! documented default `/home/ubuntu/cht/couchdb` and the compose default
//! (`./srv` beside the compose files) when no variable is set, plus the places
//! CouchDB and docker keep data: `/srv` (when not empty), `/opt/couchdb/data`,
//! `/var/lib/docker/volumes`. Each one that exists is located on its mount
//! and what backs it (see `blockdev`); one named by an `.env` but absent is
//! kept as such. Finds and locates; never judges.

use std::collections::BTreeMap;

use crate::facts::blockdev::{Located, Storage};
use crate::facts::dotenv;
use crate::facts::system::{SYSTEM_FILE_CAP, join, read_error};
use crate::facts::{Fact, Facts};
use crate::target::{RootError, Source, cht_install};

/// Why a directory is considered CHT data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub why: String,
    /// The `.env` line that names it, when one does.
    pub at: Option<(String, u32)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataDir {
    /// Absolute path inside the root, as named.
    pub path: String,
    pub origins: Vec<Origin>,
    /// `None` when the directory does not exist under the root.
    pub located: Option<Located>,
}

#[derive(Debug, Default)]
pub struct ChtDataDirs {
    pub dirs: Vec<DataDir>,
    /// `.env` files that could not be read or parsed: (file, why).
    pub errors: Vec<(String, String)>,
    /// The CHT installs found (root-relative directories).
    pub installs: Vec<String>,
}

/// Variables CHT's compose files mount as CouchDB data.
fn is_data_var(key: &str) -> bool {
    key == "COUCHDB_DATA"
        || key
            .strip_prefix("DB")
            .and_then(|r| r.strip_suffix("_DATA"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

pub const DEFAULT_DATA: &str = "/home/ubuntu/cht/couchdb";
const WELL_KNOWN: [&str; 3] = ["/srv", "/opt/couchdb/data", "/var/lib/docker/volumes"];

impl Fact for ChtDataDirs {
    fn collect(facts: &Facts) -> Self {
        let Source::Host(h) = &facts.target.source else {
            return ChtDataDirs::default();
        };
        let root = &h.root;
        let mut named: BTreeMap<String, Vec<Origin>> = BTreeMap::new();
        let mut errors = Vec::new();
        let installs = cht_install::find(root);
        for inst in &installs {
            let mut any = false;
            for env_rel in [
                join(&inst.dir, "upgrade-service/.env"),
                join(&inst.dir, ".env"),
                join(&inst.dir, "compose/.env"),
            ] {
                let text = match root.read_text(&env_rel, SYSTEM_FILE_CAP) {
                    Ok(t) => t,
                    Err(RootError::NotFound) => continue,
                    Err(e) => {
                        errors.push((env_rel, read_error(&e)));
                        continue;
                    }
                };
                let env = match dotenv::parse(&text) {
                    Ok(e) => e,
                    Err(e) => {
                        errors.push((env_rel, e.to_string()));
                        continue;
                    }
                };
                for e in env.entries.iter().filter(|e| is_data_var(&e.key)) {
                    let Some(v) = e.value.as_deref().filter(|v| !v.is_empty()) else {
                        continue;
                    };
                    any = true;
                    let path = if v.starts_with('/') {
                        v.to_string()
                    } else {
                        // Relative to the compose files, as compose resolves it.
                        format!(
                            "/{}",
                            join(&join(&inst.dir, "compose"), v.trim_start_matches("./"))
                        )
                    };
                    named
                        .entry(path.trim_end_matches('/').to_string())
                        .or_default()
                        .push(Origin {
                            why: format!("{} in /{env_rel}", e.key),
                            at: Some((env_rel.clone(), e.line)),
                        });
                }
            }
            if !any {
                named
                    .entry(format!("/{}", join(&inst.dir, "compose/srv")))
                    .or_default()
                    .push(Origin {
                        why: format!(
                            "compose default ./srv of the CHT install /{} (no COUCHDB_DATA set)",
                            inst.dir
                        ),
                        at: None,
                    });
            }
        }
        let mut dirs = Vec::new();
        let storage = facts.get::<Storage>();
        for (path, origins) in named {
            let exists = root.is_dir(&path);
            let from_env = origins.iter().any(|o| o.at.is_some());
            if !exists && !from_env {
                continue;
            }
            dirs.push(DataDir {
                located: exists.then(|| storage.locate(&path)),
                path,
                origins,
            });
        }
        let mut extra: Vec<(&str, &str)> =
            vec![(DEFAULT_DATA, "CHT's documented CouchDB data directory")];
        extra.extend(
            WELL_KNOWN
                .iter()
                .map(|p| (*p, "where CouchDB and docker keep data")),
        );
        for (path, why) in extra {
            if dirs.iter().any(|d| d.path == path) || !root.is_dir(path) {
                continue;
            }
            if path == "/srv" && root.read_dir(path).is_ok_and(|e| e.is_empty()) {
                continue;
            }
            dirs.push(DataDir {
                path: path.to_string(),
                origins: vec![Origin {
                    why: why.to_string(),
                    at: None,
                }],
                located: Some(storage.locate(path)),
            });
        }
        ChtDataDirs {
            dirs,
            errors,
            installs: installs.into_iter().map(|i| i.dir).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_vars() {
        assert!(is_data_var("COUCHDB_DATA"));
        assert!(is_data_var("DB1_DATA"));
        assert!(is_data_var("DB12_DATA"));
        assert!(!is_data_var("DB_DATA"));
        assert!(!is_data_var("DBX_DATA"));
        assert!(!is_data_var("COUCHDB_DATA_OLD"));
    }
}
