//! Free space of the filesystems holding CHT's CouchDB data (the places of
//! `cht_data`), by `statvfs(2)` — the one host fact not read from a file, so
//! only on the live host; an offline root's free space is not the
//! filesystem's it was captured from. Collects; never judges.

use crate::facts::cht_data::ChtDataDirs;
use crate::facts::{Fact, Facts};

/// One filesystem and the data directories on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsSpace {
    /// The data directories on it (absolute paths inside the root).
    pub dirs: Vec<String>,
    pub total_bytes: u64,
    /// Bytes an unprivileged process (CouchDB) may still write.
    pub available_bytes: u64,
}

impl FsSpace {
    /// Free percent for unprivileged writers, one decimal.
    pub fn free_percent(&self) -> f64 {
        if self.total_bytes == 0 {
            return 0.0;
        }
        (self.available_bytes as f64 * 1000.0 / self.total_bytes as f64).round() / 10.0
    }
}

#[derive(Debug, Default)]
pub struct DataSpace {
    /// `false` for offline roots: nothing was measured.
    pub live: bool,
    pub filesystems: Vec<FsSpace>,
    /// Directories that could not be measured: (path, why).
    pub errors: Vec<(String, String)>,
    /// No CHT data directory exists on the host.
    pub no_data: bool,
}

impl Fact for DataSpace {
    fn collect(facts: &Facts) -> Self {
        let Some(host) = facts.target.host_source() else {
            return DataSpace::default();
        };
        let dirs = facts.get::<ChtDataDirs>();
        let existing: Vec<&str> = dirs
            .dirs
            .iter()
            .filter(|d| d.located.is_some())
            .map(|d| d.path.as_str())
            .collect();
        let mut out = DataSpace {
            live: host.live,
            no_data: existing.is_empty(),
            ..DataSpace::default()
        };
        if !host.live {
            return out;
        }
        let mut by_fs: Vec<(u64, FsSpace)> = Vec::new();
        for path in existing {
            let resolved = match host.root.resolve(path) {
                Ok(p) => p,
                Err(e) => {
                    out.errors.push((path.to_string(), e.to_string()));
                    continue;
                }
            };
            match nix::sys::statvfs::statvfs(&resolved) {
                // The field types are `c_ulong`/`fsblkcnt_t`: u64 here, u32 on
                // some 32-bit targets.
                #[allow(clippy::unnecessary_cast)]
                Ok(st) => {
                    let frsize = st.fragment_size() as u64;
                    let fsid = st.filesystem_id() as u64;
                    let total = (st.blocks() as u64).saturating_mul(frsize);
                    let avail = (st.blocks_available() as u64).saturating_mul(frsize);
                    match by_fs
                        .iter_mut()
                        .find(|(id, f)| *id == fsid && f.total_bytes == total)
                    {
                        Some((_, f)) => f.dirs.push(path.to_string()),
                        None => by_fs.push((
                            fsid,
                            FsSpace {
                                dirs: vec![path.to_string()],
                                total_bytes: total,
                                available_bytes: avail,
                            },
                        )),
                    }
                }
                Err(e) => out.errors.push((path.to_string(), e.desc().to_string())),
            }
        }
        out.filesystems = by_fs.into_iter().map(|(_, f)| f).collect();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent() {
        let f = FsSpace {
            dirs: vec![],
            total_bytes: 1000,
            available_bytes: 155,
        };
        assert_eq!(f.free_percent(), 15.5);
        assert_eq!(
            FsSpace {
                dirs: vec![],
                total_bytes: 0,
                available_bytes: 0
            }
            .free_percent(),
            0.0
        );
    }
}
