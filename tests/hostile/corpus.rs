//! The hostile corpus: trees (and one offline root) built at test time in a
//! temporary directory, each holding one kind of file built to break a
//! scanner, a planted secret that must never reach any output, and a valid
//! sibling `.env` that must still be judged. Nothing here is checked in: a
//! 2 GB sparse file and 200,000 files are made on demand.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

/// The valid sibling: a published default password (PASS-010 must fail).
pub const SIBLING: &str = "COUCHDB_PASSWORD=password\n";

/// How a case is scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Tree,
    Root,
}

pub struct Case {
    pub name: &'static str,
    pub mode: Mode,
    /// Builds the hostile part in `tree` (the scanned directory), with
    /// `outside` beside it; `Err` is a reason to skip (e.g. not root).
    pub build: fn(&Built) -> Result<(), String>,
}

/// A built case: where things are, and what the scan's environment holds.
pub struct Built {
    pub tree: PathBuf,
    pub outside: PathBuf,
    pub secret: String,
    /// Environment variables for the scanning process.
    pub env: Vec<(String, String)>,
}

impl Built {
    fn planted(&self) -> String {
        format!(
            "COUCHDB_PASSWORD={}\nCOUCHDB_SECRET={}\n",
            self.secret, self.secret
        )
    }
}

pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// How many files the one-folder case makes (`RAMPART_HOSTILE_MANY`):
/// 200,000 by default, 50,000 in debug test builds (making and deleting
/// 200,000 files there takes about a minute on a shared 2-core machine; the
/// 200,000 case is measured by hand with a release build).
pub fn many_files() -> usize {
    std::env::var("RAMPART_HOSTILE_MANY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) {
            50_000
        } else {
            200_000
        })
}

pub fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "fifos",
            mode: Mode::Tree,
            build: |b| {
                for n in ["prod.env", "docker-compose.yml", "nginx.conf", "users.csv"] {
                    mkfifo(&b.tree.join(n))?;
                }
                fs::create_dir_all(b.tree.join("pam.d")).map_err(s)?;
                mkfifo(&b.tree.join("pam.d/common-password"))
            },
        },
        Case {
            name: "symlink-loops",
            mode: Mode::Tree,
            build: |b| {
                link("b.env", &b.tree.join("a.env"))?;
                link("a.env", &b.tree.join("b.env"))?;
                link("self.env", &b.tree.join("self.env"))?;
                link(".", &b.tree.join("loop"))?;
                fs::create_dir_all(b.tree.join("d")).map_err(s)?;
                link("..", &b.tree.join("d/up"))?;
                link("../d/up/d/up/d/up/x.env", &b.tree.join("d/deep.env"))
            },
        },
        Case {
            name: "escaping-links",
            mode: Mode::Tree,
            build: |b| {
                fs::write(b.outside.join("secret.env"), b.planted()).map_err(s)?;
                link("../outside/secret.env", &b.tree.join("rel.env"))?;
                link(b.outside.join("secret.env"), &b.tree.join("abs.env"))?;
                link(&b.outside, &b.tree.join("conf"))?;
                link(
                    "../../../../../../../../../../etc/passwd",
                    &b.tree.join("passwd.env"),
                )
            },
        },
        Case {
            name: "dev-zero",
            mode: Mode::Tree,
            build: |b| {
                link("/dev/zero", &b.tree.join("zero.env"))?;
                link("/dev/zero", &b.tree.join("nginx.conf"))?;
                link("/dev/urandom", &b.tree.join("app_settings.json"))
            },
        },
        Case {
            name: "proc-environ",
            mode: Mode::Tree,
            build: |b| {
                link("/proc/self/environ", &b.tree.join("environ.env"))?;
                link("/proc/self/fd/0", &b.tree.join("stdin.env"))?;
                Ok(())
            },
        },
        Case {
            name: "sparse-2g",
            mode: Mode::Tree,
            build: |b| {
                let p = b.tree.join("huge.env");
                fs::write(&p, b.planted()).map_err(s)?;
                let f = fs::OpenOptions::new().write(true).open(&p).map_err(s)?;
                f.set_len(2 * 1024 * 1024 * 1024).map_err(s)?;
                // Just over the cap, with the secret at the start.
                let q = b.tree.join("over.env");
                fs::write(&q, b.planted()).map_err(s)?;
                let f = fs::OpenOptions::new().write(true).open(&q).map_err(s)?;
                f.set_len(4 * 1024 * 1024 + 1).map_err(s)
            },
        },
        Case {
            name: "char-device",
            mode: Mode::Tree,
            build: |b| {
                if !is_root() {
                    return Err("mknod needs root".to_string());
                }
                use nix::sys::stat::{Mode as M, SFlag, makedev, mknod};
                // /dev/zero's numbers: reading it would never end.
                for n in ["dev.env", "docker-compose.yml"] {
                    mknod(
                        &b.tree.join(n),
                        SFlag::S_IFCHR,
                        M::from_bits_truncate(0o644),
                        makedev(1, 5),
                    )
                    .map_err(s)?;
                }
                Ok(())
            },
        },
        Case {
            name: "many-files",
            mode: Mode::Tree,
            build: |b| {
                let dir = b.tree.join("many");
                fs::create_dir(&dir).map_err(s)?;
                for i in 0..many_files() {
                    // Names rampart reads (`.conf`): every one is opened.
                    fs::File::create(dir.join(format!("f{i}.conf"))).map_err(s)?;
                }
                fs::write(dir.join("planted.txt"), b.planted()).map_err(s)
            },
        },
        Case {
            name: "hostile-names",
            mode: Mode::Tree,
            build: |b| {
                let names: [&[u8]; 6] = [
                    b"ctl\x1b]0;pwned\x07\x1b[2J",
                    b"nl\nCRITICAL PASS-999 forged-line\n",
                    b"cr\rCRITICAL PASS-998 forged",
                    "bidi\u{202e}vne.".as_bytes(),
                    b"latin1-\xe9\xff\xfe",
                    b"c1-\xc2\x9b31m",
                ];
                // A published default (so PASS-010 names each file) beside
                // the planted secret.
                let content = format!("{SIBLING}COUCHDB_SECRET={}\n", b.secret);
                for n in names {
                    let d = b.tree.join(OsStr::from_bytes(n));
                    fs::create_dir(&d).map_err(s)?;
                    fs::write(d.join(".env"), &content).map_err(s)?;
                }
                let f = b
                    .tree
                    .join(OsStr::from_bytes(b"x\nCRITICAL PASS-997 forged\xff.env"));
                fs::write(f, &content).map_err(s)
            },
        },
        Case {
            name: "unreadable",
            mode: Mode::Tree,
            build: |b| {
                let f = b.tree.join("locked.env");
                fs::write(&f, b.planted()).map_err(s)?;
                fs::set_permissions(&f, fs::Permissions::from_mode(0o000)).map_err(s)?;
                let d = b.tree.join("lockeddir");
                fs::create_dir(&d).map_err(s)?;
                fs::write(d.join(".env"), b.planted()).map_err(s)?;
                fs::set_permissions(&d, fs::Permissions::from_mode(0o000)).map_err(s)
            },
        },
        Case {
            name: "binary-and-invalid-utf8",
            mode: Mode::Tree,
            build: |b| {
                let mut bin = b.planted().into_bytes();
                bin.extend_from_slice(b"\x00\x01\x02");
                fs::write(b.tree.join("bin.env"), bin).map_err(s)?;
                let mut latin = b"# caf\xe9\n".to_vec();
                latin.extend_from_slice(b.planted().as_bytes());
                fs::write(b.tree.join("latin1.env"), latin).map_err(s)
            },
        },
        Case {
            name: "json-escape-panic",
            mode: Mode::Tree,
            build: |b| {
                // A backslash before a multi-byte character (issue 9, item 1).
                let mut json = b"{\"a\": \"\\\xc3\xa9 ".to_vec();
                json.extend_from_slice(b.secret.as_bytes());
                fs::write(b.tree.join("app_settings.json"), json).map_err(s)
            },
        },
        Case {
            name: "host-root",
            mode: Mode::Root,
            build: |b| {
                let r = &b.tree;
                for d in ["etc/ssh", "etc/pam.d", "proc/net", "dev"] {
                    fs::create_dir_all(r.join(d)).map_err(s)?;
                }
                // The valid sibling of a root: login.defs with no expiry.
                fs::write(r.join("etc/login.defs"), "PASS_MAX_DAYS 99999\n").map_err(s)?;
                link("/proc/self/environ", &r.join("etc/ssh/sshd_config"))?;
                mkfifo(&r.join("etc/pam.d/common-password"))?;
                link("/dev/zero", &r.join("etc/fstab"))?;
                fs::write(
                    r.join("proc/net/tcp6"),
                    "  sl  local_address remote_address st tx_queue rx_queue tr tm->when retrnsmt uid timeout inode\n   0: 0ééééééééééééééé0:01BB 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 2001 1\n",
                )
                .map_err(s)?;
                fs::write(
                    r.join("etc/shadow"),
                    format!("root:{}:1:0:99999:7:::\n", b.secret),
                )
                .map_err(s)?;
                if is_root() {
                    use nix::sys::stat::{Mode as M, SFlag, makedev, mknod};
                    mknod(
                        &r.join("etc/crypttab"),
                        SFlag::S_IFCHR,
                        M::from_bits_truncate(0o644),
                        makedev(1, 5),
                    )
                    .map_err(s)?;
                } else {
                    eprintln!("host-root: not root, no character device at etc/crypttab");
                }
                Ok(())
            },
        },
    ]
}

/// Builds `case` under `at` (`at/tree`, `at/outside`).
pub fn build(case: &Case, at: &Path) -> Result<Built, String> {
    let tree = at.join("tree");
    let outside = at.join("outside");
    fs::create_dir_all(&tree).map_err(s)?;
    fs::create_dir_all(&outside).map_err(s)?;
    let secret = format!("Planted{}Zq8xK3vW", case.name.replace('-', ""));
    if case.mode == Mode::Tree {
        fs::write(tree.join(".env"), SIBLING).map_err(s)?;
    }
    let built = Built {
        tree,
        outside,
        env: vec![("RAMPART_PLANTED".to_string(), secret.clone())],
        secret,
    };
    (case.build)(&built)?;
    Ok(built)
}

/// Makes what `build` left unremovable removable again.
pub fn unlock(at: &Path) {
    for d in ["tree/lockeddir", "tree/locked.env"] {
        let _ = fs::set_permissions(at.join(d), fs::Permissions::from_mode(0o700));
    }
}

fn s(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn mkfifo(p: &Path) -> Result<(), String> {
    nix::unistd::mkfifo(p, nix::sys::stat::Mode::from_bits_truncate(0o644)).map_err(s)
}

fn link(target: impl AsRef<Path>, at: &Path) -> Result<(), String> {
    symlink(target, at).map_err(s)
}
