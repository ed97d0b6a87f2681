//! CHT installs found on a host or offline root, and the tree target that
//! scans them. An install is a directory holding `upgrade-service/` (with its
//! `.env` or compose file) or `compose/` (CHT's compose files), as the CHT
//! docker guide lays out `/home/ubuntu/cht`; it is looked for a few levels
//! under `/home/*`, `/root`, `/opt` and `/srv` (bounded). The certificate
//! volume docker keeps for nginx (`/var/lib/docker/volumes/<project>_cht-ssl`)
//! is read by the host target itself (with the host's permission rules), so
//! it is not walked again here.
//!
//! All installs of one host become **one** derived tree target rooted at the
//! host root and walking only those directories: so rules that compare
//! instances (two installs sharing a project name, network, data directory or
//! ports) see them side by side, and compose files meet the upgrade
//! service's `.env` they are interpolated with. Its paths print as host paths
//! (`/home/ubuntu/cht/upgrade-service/.env`), its SARIF URIs sit under the
//! host's pseudo-path (`hosts/<name>/...`) and its findings join the host's
//! SARIF run. Finds directories; never parses configuration or judges.

use std::collections::{BTreeSet, VecDeque};

use crate::target::{Root, Source, Target, TargetKind, TreeSource, infer_environment};

/// Where installs are looked for, and how deep under each.
const BASES: [(&str, usize); 4] = [("home/*", 4), ("root", 4), ("opt", 3), ("srv", 3)];
/// At most this many directories are listed while looking (a home directory
/// full of projects must not slow a host scan down).
const MAX_DIRS: usize = 4000;
const SKIP: [&str; 6] = [
    "node_modules",
    "target",
    "shards",
    ".shards",
    "search_indexes",
    "nouveau",
];

/// One CHT install: its directory inside the root (`home/ubuntu/cht`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Install {
    pub dir: String,
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}/{b}")
    }
}

fn is_compose_name(n: &str) -> bool {
    let l = n.to_ascii_lowercase();
    (l.ends_with(".yml") || l.ends_with(".yaml"))
        && (l.starts_with("cht-") || l.starts_with("docker-compose") || l.starts_with("compose"))
}

/// Whether `dir` is a CHT install directory.
fn is_install(root: &Root, dir: &str) -> bool {
    let up = join(dir, "upgrade-service");
    if root.is_dir(&up)
        && (root.exists(&join(&up, ".env")) || root.exists(&join(&up, "docker-compose.yml")))
    {
        return true;
    }
    let compose = join(dir, "compose");
    root.is_dir(&compose)
        && root
            .read_dir(&compose)
            .is_ok_and(|es| es.iter().any(|e| !e.is_dir && is_compose_name(&e.name)))
}

fn expand_bases(root: &Root) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (base, depth) in BASES {
        if let Some(prefix) = base.strip_suffix("/*") {
            if let Ok(entries) = root.read_dir(prefix) {
                for e in entries.into_iter().filter(|e| e.is_dir) {
                    out.push((join(prefix, &e.name), depth));
                }
            }
        } else if root.is_dir(base) {
            out.push((base.to_string(), depth));
        }
    }
    out
}

/// The CHT installs under a host root, sorted.
pub fn find(root: &Root) -> Vec<Install> {
    let mut found = BTreeSet::new();
    let mut listed = 0usize;
    for (base, max_depth) in expand_bases(root) {
        let mut queue = VecDeque::from([(base, 0usize)]);
        while let Some((dir, depth)) = queue.pop_front() {
            if is_install(root, &dir) {
                found.insert(Install { dir });
                continue;
            }
            if depth >= max_depth || listed >= MAX_DIRS {
                continue;
            }
            listed += 1;
            let Ok(entries) = root.read_dir(&dir) else {
                continue;
            };
            for e in entries {
                if e.is_dir && !e.name.starts_with('.') && !SKIP.contains(&e.name.as_str()) {
                    queue.push_back((join(&dir, &e.name), depth + 1));
                }
            }
        }
    }
    found.into_iter().collect()
}

/// The tree target scanning the CHT installs of a host target, if it has any.
pub fn derived_tree(host: &Target) -> Option<Target> {
    let Source::Host(h) = &host.source else {
        return None;
    };
    let installs = find(&h.root);
    if installs.is_empty() {
        return None;
    }
    let walk_only: Vec<String> = installs.iter().map(|i| i.dir.clone()).collect();
    let environment = match installs.as_slice() {
        [one] => infer_environment(&one.dir),
        _ => None,
    };
    Some(Target {
        id: format!("{}#cht", host.id),
        kind: TargetKind::Tree,
        environment,
        environment_explicit: false,
        source: Source::Tree(TreeSource {
            root: h.root.clone(),
            display: "/".to_string(),
            sarif_prefix: format!("hosts/{}", h.hostname),
            only: None,
            walk_only,
            found_on: Some(h.hostname.clone()),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Confinement;
    use std::fs;

    #[test]
    fn finds_installs_and_builds_one_tree() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        fs::create_dir_all(p.join("home/ubuntu/cht/upgrade-service")).unwrap();
        fs::write(p.join("home/ubuntu/cht/upgrade-service/.env"), "A=1\n").unwrap();
        fs::create_dir_all(p.join("home/ubuntu/cht/compose")).unwrap();
        fs::create_dir_all(p.join("srv/instances/uat/compose")).unwrap();
        fs::write(
            p.join("srv/instances/uat/compose/cht-core.yml"),
            "services: {}\n",
        )
        .unwrap();
        fs::create_dir_all(p.join("home/dev/notes/compose")).unwrap();
        fs::write(p.join("home/dev/notes/compose/readme.txt"), "x\n").unwrap();
        fs::create_dir_all(p.join("var/lib/docker/volumes/cht_cht-ssl/_data")).unwrap();
        fs::create_dir_all(p.join("var/lib/docker/volumes/other/_data")).unwrap();
        let root = Root::open(p, Confinement::Chroot).unwrap();
        let found: Vec<String> = find(&root).into_iter().map(|i| i.dir).collect();
        assert_eq!(found, ["home/ubuntu/cht", "srv/instances/uat"]);
        let host = Target::host(p, "fx", false).unwrap();
        let t = derived_tree(&host).unwrap();
        assert_eq!(t.id, format!("{}#cht", host.id));
        assert_eq!(t.kind, TargetKind::Tree);
        let loc = t.location("home/ubuntu/cht/upgrade-service/.env");
        assert_eq!(&*loc.path, "/home/ubuntu/cht/upgrade-service/.env");
        let hostname = host.host_source().unwrap().hostname.clone();
        assert_eq!(
            &*loc.uri,
            &*format!("hosts/{hostname}/home/ubuntu/cht/upgrade-service/.env")
        );
    }
}
