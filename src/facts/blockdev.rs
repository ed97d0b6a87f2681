//! What backs a filesystem, from files only: the `Storage` fact.
//!
//! Live (the root has `/proc/mounts`): the mount's device is found in
//! `/sys/block` (via `/dev` links, `/dev/mapper/<name>`, `root=` for
//! `/dev/root`) and walked down its `slaves` — through LVM, md RAID,
//! partitions and loop devices — to a device-mapper `CRYPT-` uuid (LUKS1/2,
//! plain, loop-AES, TrueCrypt, BitLocker). A device counts as encrypted when
//! it is a dm-crypt device or every device under it is.
//!
//! Offline (no `/proc/mounts`, e.g. a mounted image): `/etc/fstab` is
//! matched against `/etc/crypttab` mappings, LVM metadata backups
//! (`/etc/lvm/backup/<vg>`, whose PV device hints name the mappings under a
//! volume group) and the kernel command line (`rd.luks.*`, `cryptdevice=`,
//! `root=`). ZFS native encryption is read from `/etc/zfs/zfs-list.cache`.
//!
//! What cannot be known from files says so (`Backing::Unknown` with the
//! reason): no `/sys/block` (a container), an overlay root, a network
//! filesystem, fscrypt metadata. Parses and follows; never judges. `locate`
//! reads through the root and is for fact collectors only.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt;

use crate::facts::crypttab::{
    BootUnlock, CryptEntry, KeySource, boot_unlock, grub_cmdline, parse_cmdline, parse_crypttab,
};
use crate::facts::mounts::{Mount, parse_mounts, parse_swaps};
use crate::facts::system::{SystemFile, file_name, join, list_dir, read_error, read_host_file};
use crate::facts::{Fact, Facts};
use crate::target::{Root, RootError, Source};

/// What is under a filesystem or swap area.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backing {
    /// Encrypted at rest; how (`dm-crypt LUKS2 on dm-0 (sda3_crypt)`).
    Encrypted(String),
    /// On a disk with no encryption layer; the chain that shows it.
    Plain(String),
    /// In memory only (tmpfs, zram): never written to a disk.
    Memory(String),
    /// Cannot be known from files; why.
    Unknown(String),
}

impl Backing {
    pub fn text(&self) -> &str {
        match self {
            Backing::Encrypted(s)
            | Backing::Plain(s)
            | Backing::Memory(s)
            | Backing::Unknown(s) => s,
        }
    }
}

/// The mount table line a path lives on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountRef {
    pub source: String,
    pub target: String,
    pub fstype: String,
    /// The table it was read from (`proc/mounts`, `etc/fstab`) and the line.
    pub rel: String,
    pub line: u32,
}

/// A path, the mount holding it, and what backs that mount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// Absolute path inside the root, symlinks resolved.
    pub path: String,
    pub mount: Option<MountRef>,
    pub backing: Backing,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwapArea {
    pub path: String,
    /// `proc/swaps` or `etc/fstab`, and the line.
    pub rel: String,
    pub line: u32,
    pub backing: Backing,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFile {
    /// The crypttab mapping it unlocks, and the crypttab line.
    pub mapping: String,
    pub line: u32,
    pub path: String,
    /// systemd's `path:UUID=...`: the file is on that (removable) device.
    pub on_device: Option<String>,
    /// Mode bits and owner; `Ok(None)` when the file is not under the root.
    pub meta: Result<Option<(u32, u32)>, String>,
    /// What backs the filesystem the file lives on.
    pub located: Option<Located>,
}

#[derive(Clone, Debug, Default)]
struct DevInfo {
    dm_uuid: Option<String>,
    dm_name: Option<String>,
    slaves: Vec<String>,
    /// For a partition: its disk.
    parent: Option<String>,
    loop_backing: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `/proc/mounts` and `/sys/block`: what is mounted now.
    Live,
    /// `/etc/fstab` with crypttab, LVM backups and the kernel command line.
    Offline,
}

pub struct Storage {
    /// `None` for targets without files (TLS endpoints, the environments).
    root: Option<Root>,
    /// The mount table read, or why there is none.
    pub mode: Result<Mode, String>,
    table: Vec<Mount>,
    table_rel: String,
    sys: Result<BTreeMap<String, DevInfo>, String>,
    pub crypttab: Option<SystemFile<Vec<CryptEntry>>>,
    pub boot: BootUnlock,
    /// Where the command line came from.
    pub cmdline_rel: Option<String>,
    lvm: BTreeMap<String, Vec<String>>,
    zfs: Option<BTreeMap<String, String>>,
    /// Files read, for evidence.
    pub read: Vec<String>,
    pub root_fs: Located,
    pub swaps: Result<Vec<SwapArea>, String>,
    pub keyfiles: Vec<KeyFile>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage")
            .field("mode", &self.mode)
            .field("root_fs", &self.root_fs)
            .field("swaps", &self.swaps)
            .field("keyfiles", &self.keyfiles)
            .finish()
    }
}

const SMALL: u64 = 1024 * 1024;
const CRYPT_KINDS: [&str; 7] = [
    "LUKS1", "LUKS2", "PLAIN", "LOOPAES", "TCRYPT", "BITLK", "FVAULT2",
];
const MAX_DEPTH: usize = 24;

fn read_small(root: &Root, rel: &str) -> Option<String> {
    root.read_text(rel, SMALL)
        .ok()
        .map(|t| t.trim().to_string())
}

fn read_sys(root: &Root) -> Result<BTreeMap<String, DevInfo>, String> {
    let names = match root.read_dir("sys/block") {
        Ok(e) => e,
        Err(RootError::NotFound) => {
            return Err("no block-device information: /sys/block is missing under the root (a container, or a capture without /sys)".to_string());
        }
        Err(e) => return Err(format!("/sys/block: {}", read_error(&e))),
    };
    let mut out = BTreeMap::new();
    for e in names {
        let base = format!("sys/block/{}", e.name);
        let mut info = DevInfo {
            dm_uuid: read_small(root, &format!("{base}/dm/uuid")).filter(|s| !s.is_empty()),
            dm_name: read_small(root, &format!("{base}/dm/name")).filter(|s| !s.is_empty()),
            loop_backing: read_small(root, &format!("{base}/loop/backing_file"))
                .filter(|s| !s.is_empty()),
            ..DevInfo::default()
        };
        if let Ok(sl) = root.read_dir(&format!("{base}/slaves")) {
            info.slaves = sl.into_iter().map(|s| s.name).collect();
        }
        if let Ok(children) = root.read_dir(&base) {
            for c in children.into_iter().filter(|c| c.is_dir) {
                if root.exists(&format!("{base}/{}/partition", c.name)) {
                    out.insert(
                        c.name.clone(),
                        DevInfo {
                            parent: Some(e.name.clone()),
                            ..DevInfo::default()
                        },
                    );
                }
            }
        }
        out.insert(e.name, info);
    }
    Ok(out)
}

fn read_lvm(root: &Root, read: &mut Vec<String>) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let Ok(names) = list_dir(root, "etc/lvm/backup") else {
        return out;
    };
    for vg in names {
        let rel = format!("etc/lvm/backup/{vg}");
        let Ok(text) = root.read_text(&rel, SMALL) else {
            continue;
        };
        let devices: Vec<String> = text
            .lines()
            .filter_map(|l| {
                let l = l.trim();
                let rest = l.strip_prefix("device")?.trim_start().strip_prefix('=')?;
                // device = "/dev/mapper/sda3_crypt"	# Hint only
                let quoted = rest.trim().strip_prefix('"')?;
                quoted.split('"').next().map(str::to_string)
            })
            .collect();
        read.push(rel);
        out.insert(vg, devices);
    }
    out
}

fn read_zfs(root: &Root, read: &mut Vec<String>) -> Option<BTreeMap<String, String>> {
    let names = list_dir(root, "etc/zfs/zfs-list.cache").ok()?;
    if names.is_empty() {
        return None;
    }
    let mut out = BTreeMap::new();
    for pool in names {
        let rel = format!("etc/zfs/zfs-list.cache/{pool}");
        let Ok(text) = root.read_text(&rel, 16 * SMALL) else {
            continue;
        };
        read.push(rel);
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() > 10 {
                out.insert(f[0].to_string(), f[10].to_string());
            }
        }
    }
    Some(out)
}

/// `vg--data-lv--root` → (`vg-data`, `lv-root`).
fn split_dm_lvm_name(name: &str) -> Option<(String, String)> {
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'-' {
            if b.get(i + 1) == Some(&b'-') {
                i += 2;
                continue;
            }
            let vg = name[..i].replace("--", "-");
            let lv = name[i + 1..].replace("--", "-");
            return (!vg.is_empty() && !lv.is_empty()).then_some((vg, lv));
        }
        i += 1;
    }
    None
}

fn path_is_under(path: &str, mountpoint: &str) -> bool {
    mountpoint == "/"
        || path == mountpoint
        || path
            .strip_prefix(mountpoint)
            .is_some_and(|r| r.starts_with('/'))
}

fn special_fs(m: &Mount) -> Option<Backing> {
    let t = m.fstype.as_str();
    match t {
        "tmpfs" | "ramfs" | "devtmpfs" => Some(Backing::Memory(format!("{t}: held in memory"))),
        "overlay" | "aufs" | "fuse-overlayfs" => Some(Backing::Unknown(format!(
            "{} is an {t} filesystem (a container's root): the disk under it belongs to the host; scan the host itself",
            m.target
        ))),
        "nfs" | "nfs4" | "cifs" | "smb3" | "ceph" | "glusterfs" | "9p" | "virtiofs" | "sshfs"
        | "fuse.sshfs" => Some(Backing::Unknown(format!(
            "{} is a network/shared filesystem ({t} from {}): encryption at rest is the server's to show",
            m.target, m.source
        ))),
        _ => None,
    }
}

impl Storage {
    pub fn new(root: Root) -> Storage {
        let mut read = Vec::new();
        let (mode, table, table_rel) = match root.read_text("proc/mounts", 16 * SMALL) {
            Ok(t) => match parse_mounts(&t) {
                Ok(m) => (Ok(Mode::Live), m, "proc/mounts".to_string()),
                Err(e) => (Err(format!("/proc/mounts: {e}")), Vec::new(), String::new()),
            },
            Err(RootError::NotFound) => match root.read_text("etc/fstab", 16 * SMALL) {
                Ok(t) => match parse_mounts(&t) {
                    Ok(m) => (Ok(Mode::Offline), m, "etc/fstab".to_string()),
                    Err(e) => (Err(format!("/etc/fstab: {e}")), Vec::new(), String::new()),
                },
                Err(RootError::NotFound) => (
                    Err(
                        "no mount table under the root: neither /proc/mounts nor /etc/fstab"
                            .to_string(),
                    ),
                    Vec::new(),
                    String::new(),
                ),
                Err(e) => (
                    Err(format!("/etc/fstab: {}", read_error(&e))),
                    Vec::new(),
                    String::new(),
                ),
            },
            Err(e) => (
                Err(format!("/proc/mounts: {}", read_error(&e))),
                Vec::new(),
                String::new(),
            ),
        };
        if !table_rel.is_empty() {
            read.push(table_rel.clone());
        }
        let sys = if mode == Ok(Mode::Live) {
            let s = read_sys(&root);
            if s.is_ok() {
                read.push("sys/block".to_string());
            }
            s
        } else {
            Err("offline root".to_string())
        };
        let crypttab = read_host_file(&root, "etc/crypttab", parse_crypttab);
        if crypttab.is_some() {
            read.push("etc/crypttab".to_string());
        }
        let (cmdline_rel, params) = if mode == Ok(Mode::Live) {
            match read_small(&root, "proc/cmdline") {
                Some(t) => (Some("proc/cmdline".to_string()), parse_cmdline(&t)),
                None => (None, Vec::new()),
            }
        } else {
            let mut text = String::new();
            let mut rel = None;
            if let Some(t) = read_small(&root, "etc/kernel/cmdline") {
                text.push_str(&t);
                rel = Some("etc/kernel/cmdline".to_string());
            }
            if let Some(t) = read_small(&root, "etc/default/grub") {
                text.push(' ');
                text.push_str(&grub_cmdline(&t));
                rel.get_or_insert_with(|| "etc/default/grub".to_string());
            }
            (rel, parse_cmdline(&text))
        };
        if let Some(r) = &cmdline_rel {
            read.push(r.clone());
        }
        let boot = boot_unlock(&params);
        let lvm = if mode == Ok(Mode::Offline) {
            read_lvm(&root, &mut read)
        } else {
            BTreeMap::new()
        };
        let zfs = read_zfs(&root, &mut read);
        let mut s = Storage {
            root: Some(root),
            mode,
            table,
            table_rel,
            sys,
            crypttab,
            boot,
            cmdline_rel,
            lvm,
            zfs,
            read,
            root_fs: Located {
                path: "/".to_string(),
                mount: None,
                backing: Backing::Unknown(String::new()),
            },
            swaps: Ok(Vec::new()),
            keyfiles: Vec::new(),
        };
        s.root_fs = s.locate("/");
        s.swaps = s.read_swaps();
        s.keyfiles = s.read_keyfiles();
        s
    }

    fn unavailable(root: Option<Root>, why: &str) -> Storage {
        Storage {
            root,
            mode: Err(why.to_string()),
            table: Vec::new(),
            table_rel: String::new(),
            sys: Err(why.to_string()),
            crypttab: None,
            boot: BootUnlock::default(),
            cmdline_rel: None,
            lvm: BTreeMap::new(),
            zfs: None,
            read: Vec::new(),
            root_fs: Located {
                path: "/".to_string(),
                mount: None,
                backing: Backing::Unknown(why.to_string()),
            },
            swaps: Err(why.to_string()),
            keyfiles: Vec::new(),
        }
    }

    fn crypt_entries(&self) -> &[CryptEntry] {
        self.crypttab
            .as_ref()
            .and_then(|f| f.content.as_ref().ok())
            .map_or(&[], Vec::as_slice)
    }

    /// Mapping names known to be dm-crypt: crypttab and the command line.
    fn crypt_names(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for e in self.crypt_entries() {
            out.insert(e.name.clone(), format!("/etc/crypttab line {}", e.line));
        }
        if !self.boot.disabled {
            for n in &self.boot.names {
                out.entry(n.clone())
                    .or_insert_with(|| "the kernel command line".to_string());
            }
        }
        out
    }

    /// The mount holding `path` (absolute, resolved): the longest mount
    /// point, the last one listed when stacked.
    fn mount_for(&self, path: &str) -> Option<&Mount> {
        self.table
            .iter()
            .filter(|m| {
                m.fstype != "swap" && m.target.starts_with('/') && path_is_under(path, &m.target)
            })
            .fold(None, |best: Option<&Mount>, m| match best {
                Some(b) if b.target.len() > m.target.len() => Some(b),
                _ => Some(m),
            })
    }

    /// The path with symlinks resolved inside the root (as it is, when it
    /// does not exist).
    fn canonical(&self, path: &str) -> String {
        let Some(root) = &self.root else {
            return path.to_string();
        };
        match root.resolve(path) {
            Ok(p) => match p.strip_prefix(root.base()) {
                Ok(r) => format!("/{}", r.to_string_lossy()),
                Err(_) => path.to_string(),
            },
            Err(_) => path.to_string(),
        }
    }

    /// Where `path` lives and what backs it. Reads through the root: for
    /// fact collectors only.
    pub fn locate(&self, path: &str) -> Located {
        let path = self.canonical(&format!("/{}", path.trim_start_matches('/')));
        let path = if path.len() > 1 {
            path.trim_end_matches('/').to_string()
        } else {
            path
        };
        let mode = match &self.mode {
            Ok(m) => *m,
            Err(e) => {
                return Located {
                    path,
                    mount: None,
                    backing: Backing::Unknown(e.clone()),
                };
            }
        };
        let Some(m) = self.mount_for(&path) else {
            return Located {
                backing: Backing::Unknown(format!(
                    "no entry of /{} mounts {path} or a parent of it",
                    self.table_rel
                )),
                path,
                mount: None,
            };
        };
        let backing = match mode {
            Mode::Live => self.live_backing(m, 0),
            Mode::Offline => self.offline_backing(m),
        };
        Located {
            path,
            mount: Some(MountRef {
                source: m.source.clone(),
                target: m.target.clone(),
                fstype: m.fstype.clone(),
                rel: self.table_rel.clone(),
                line: m.line,
            }),
            backing,
        }
    }

    fn zfs_backing(&self, m: &Mount) -> Backing {
        match &self.zfs {
            Some(cache) => match cache.get(&m.source) {
                Some(root) if root != "-" && !root.is_empty() => Backing::Encrypted(format!(
                    "ZFS native encryption (dataset {}, encryption root {root})",
                    m.source
                )),
                Some(_) => Backing::Plain(format!(
                    "ZFS dataset {} has no native encryption (encryptionroot - in /etc/zfs/zfs-list.cache)",
                    m.source
                )),
                None => Backing::Unknown(format!(
                    "ZFS dataset {} is not listed in /etc/zfs/zfs-list.cache; run `zfs get encryption {}`",
                    m.source, m.source
                )),
            },
            None => Backing::Unknown(format!(
                "ZFS dataset {}: native encryption is not visible from files here (no /etc/zfs/zfs-list.cache); run `zfs get encryption {}`",
                m.source, m.source
            )),
        }
    }

    fn with_fscrypt(&self, m: &Mount, b: Backing) -> Backing {
        if let Backing::Plain(how) = &b
            && self
                .root
                .as_ref()
                .is_some_and(|r| r.is_dir(&join(m.target.trim_start_matches('/'), ".fscrypt")))
        {
            return Backing::Unknown(format!(
                "{how}; but {}/.fscrypt holds fscrypt metadata: directories on it may be encrypted one by one, which files cannot show (run `fscrypt status {}`)",
                m.target.trim_end_matches('/'),
                m.target
            ));
        }
        b
    }

    fn live_backing(&self, m: &Mount, depth: usize) -> Backing {
        // Memory needs no device; everything else does, and a root without
        // /sys/block (a container) says so before anything else.
        let special = special_fs(m);
        if let Some(b @ Backing::Memory(_)) = special {
            return b;
        }
        let sys = match &self.sys {
            Ok(s) => s,
            Err(e) => return Backing::Unknown(e.clone()),
        };
        if let Some(b) = special {
            return b;
        }
        if m.fstype == "zfs" {
            return self.zfs_backing(m);
        }
        let dev = match self.resolve_device(sys, &m.source, 0) {
            Ok(d) => d,
            Err(e) => return Backing::Unknown(e),
        };
        let mut seen = BTreeSet::new();
        let b = self.walk(sys, &dev, depth, &mut seen);
        self.with_fscrypt(m, b)
    }

    /// The `/sys/block` name of a mount source.
    fn resolve_device(
        &self,
        sys: &BTreeMap<String, DevInfo>,
        source: &str,
        hops: usize,
    ) -> Result<String, String> {
        if hops > 4 {
            return Err(format!("{source}: too many indirections"));
        }
        if source == "/dev/root" {
            return match &self.boot.root {
                Some(r) => self.resolve_device(sys, r, hops + 1),
                None => Err(
                    "the root device is /dev/root and the kernel command line has no root="
                        .to_string(),
                ),
            };
        }
        for (tag, dir) in [
            ("UUID=", "by-uuid"),
            ("LABEL=", "by-label"),
            ("PARTUUID=", "by-partuuid"),
            ("PARTLABEL=", "by-partlabel"),
        ] {
            if let Some(v) = source.strip_prefix(tag) {
                return self.resolve_device(
                    sys,
                    &format!("/dev/disk/{dir}/{}", v.trim_matches('"')),
                    hops + 1,
                );
            }
        }
        let Some(rest) = source.strip_prefix("/dev/") else {
            return Err(format!("{source} is not a block device path"));
        };
        if let Some(name) = rest.strip_prefix("mapper/")
            && let Some((dev, _)) = sys.iter().find(|(_, i)| i.dm_name.as_deref() == Some(name))
        {
            return Ok(dev.clone());
        }
        if let Some(Ok(p)) = self.root.as_ref().map(|r| r.resolve(source))
            && let Some(n) = p.file_name().map(|n| n.to_string_lossy().into_owned())
            && sys.contains_key(&n)
        {
            return Ok(n);
        }
        let last = file_name(rest).to_string();
        if sys.contains_key(&last) {
            return Ok(last);
        }
        if let Some((vg, lv)) = rest.split_once('/')
            && !lv.contains('/')
        {
            let dm = format!("{}-{}", vg.replace('-', "--"), lv.replace('-', "--"));
            if let Some((dev, _)) = sys
                .iter()
                .find(|(_, i)| i.dm_name.as_deref() == Some(dm.as_str()))
            {
                return Ok(dev.clone());
            }
        }
        Err(format!("{source}: no such block device in /sys/block"))
    }

    fn walk(
        &self,
        sys: &BTreeMap<String, DevInfo>,
        name: &str,
        depth: usize,
        seen: &mut BTreeSet<String>,
    ) -> Backing {
        if depth > MAX_DEPTH || !seen.insert(name.to_string()) {
            return Backing::Unknown(format!("{name}: device stack loops or is too deep"));
        }
        let Some(info) = sys.get(name) else {
            return Backing::Unknown(format!("{name}: not in /sys/block"));
        };
        let label = match &info.dm_name {
            Some(n) => format!("{name} ({n})"),
            None => name.to_string(),
        };
        if let Some(uuid) = &info.dm_uuid
            && let Some(rest) = uuid.strip_prefix("CRYPT-")
        {
            let kind = rest.split('-').next().unwrap_or("");
            if CRYPT_KINDS.contains(&kind) {
                return Backing::Encrypted(format!("dm-crypt {kind} on {label}"));
            }
        }
        if let Some(parent) = &info.parent {
            return match self.walk(sys, parent, depth + 1, seen) {
                Backing::Plain(how) => Backing::Plain(format!("partition {name} of {how}")),
                Backing::Encrypted(how) => Backing::Encrypted(format!("partition {name} of {how}")),
                other => other,
            };
        }
        if let Some(file) = &info.loop_backing {
            let f = self.canonical(file);
            return match self.mount_for(&f) {
                Some(m) => match self.live_backing(m, depth + 1) {
                    Backing::Encrypted(h) => {
                        Backing::Encrypted(format!("loop device {name} backed by {file}, on {h}"))
                    }
                    Backing::Plain(h) => {
                        Backing::Plain(format!("loop device {name} backed by {file}, on {h}"))
                    }
                    other => other,
                },
                None => Backing::Unknown(format!(
                    "loop device {name}: backing file {file} is on no known mount"
                )),
            };
        }
        if name.starts_with("zram") {
            return Backing::Memory(format!("{name}: compressed RAM"));
        }
        if info.slaves.is_empty() {
            let what = if info.dm_uuid.is_some() {
                "device-mapper device"
            } else {
                "disk"
            };
            return Backing::Plain(format!("{label}: a {what} with no dm-crypt layer"));
        }
        let layer = match info.dm_uuid.as_deref() {
            Some(u) if u.starts_with("LVM-") => format!("LVM volume {label}"),
            Some(u) if u.starts_with("mpath-") => format!("multipath {label}"),
            Some(u) if u.starts_with("CRYPT-") => format!(
                "dm-{} {label}",
                u.split('-').nth(1).unwrap_or("").to_ascii_lowercase()
            ),
            Some(_) => format!("device-mapper {label}"),
            None if name.starts_with("md") => format!("md RAID {label}"),
            None => label.clone(),
        };
        let legs: Vec<Backing> = info
            .slaves
            .iter()
            .map(|s| self.walk(sys, s, depth + 1, seen))
            .collect();
        if let Some(Backing::Plain(h)) = legs.iter().find(|b| matches!(b, Backing::Plain(_))) {
            return Backing::Plain(format!("{layer} on {h}"));
        }
        if let Some(Backing::Unknown(h)) = legs.iter().find(|b| matches!(b, Backing::Unknown(_))) {
            return Backing::Unknown(h.clone());
        }
        let hows: Vec<&str> = legs.iter().map(Backing::text).collect();
        Backing::Encrypted(format!("{layer} on {}", hows.join(" and ")))
    }

    /// Offline: what fstab's source names, judged against crypttab, LVM
    /// backups and the command line.
    fn offline_backing(&self, m: &Mount) -> Backing {
        if let Some(b) = special_fs(m) {
            return b;
        }
        if m.fstype == "zfs" {
            return self.zfs_backing(m);
        }
        let b = self.offline_device(&m.source, m.target == "/");
        self.with_fscrypt(m, b)
    }

    fn offline_device(&self, source: &str, is_root: bool) -> Backing {
        let names = self.crypt_names();
        let mapper = source.strip_prefix("/dev/mapper/");
        if let Some(name) = mapper
            && let Some(from) = names.get(name)
        {
            let random = self
                .crypt_entries()
                .iter()
                .find(|e| e.name == name)
                .is_some_and(|e| matches!(e.key, KeySource::Random(_)));
            let key = if random { ", random key each boot" } else { "" };
            return Backing::Encrypted(format!("dm-crypt mapping {name} ({from}{key})"));
        }
        // LVM: /dev/mapper/vg-lv or /dev/vg/lv.
        let lvm = mapper.and_then(split_dm_lvm_name).or_else(|| {
            source
                .strip_prefix("/dev/")
                .and_then(|r| r.split_once('/'))
                .filter(|(vg, lv)| !lv.contains('/') && self.lvm.contains_key(*vg))
                .map(|(vg, lv)| (vg.to_string(), lv.to_string()))
        });
        if let Some((vg, lv)) = lvm
            && let Some(pvs) = self.lvm.get(&vg)
        {
            if pvs.is_empty() {
                return Backing::Unknown(format!(
                    "LVM {vg}/{lv}: /etc/lvm/backup/{vg} names no physical volume device"
                ));
            }
            let mut how = Vec::new();
            for pv in pvs {
                match self.offline_device(pv, false) {
                    Backing::Encrypted(h) => how.push(h),
                    Backing::Plain(h) => {
                        return Backing::Plain(format!(
                            "LVM {vg}/{lv} on physical volume {pv}: {h}"
                        ));
                    }
                    other => return other,
                }
            }
            return Backing::Encrypted(format!("LVM {vg}/{lv} on {}", how.join(" and ")));
        }
        if is_root
            && let Some(r) = &self.boot.root
            && r != source
            && r.starts_with("/dev/mapper/")
        {
            return match self.offline_device(r, false) {
                Backing::Encrypted(h) => {
                    Backing::Encrypted(format!("root={r} on the kernel command line: {h}"))
                }
                other => other,
            };
        }
        let unlock_at_boot = !self.boot.disabled && !self.boot.params.is_empty();
        let by_tag = ["UUID=", "LABEL=", "PARTUUID=", "PARTLABEL="]
            .iter()
            .any(|t| source.starts_with(t))
            || source.starts_with("/dev/disk/");
        if by_tag {
            if is_root && unlock_at_boot {
                return Backing::Encrypted(format!(
                    "inferred: the root is mounted by {source} and the initramfs unlocks LUKS at boot ({}); the tie cannot be checked offline",
                    self.boot.params.join(" ")
                ));
            }
            let unreferenced: Vec<&str> = self
                .crypt_entries()
                .iter()
                .filter(|e| !matches!(e.key, KeySource::Random(_)))
                .filter(|e| {
                    !self
                        .table
                        .iter()
                        .any(|m| m.source == format!("/dev/mapper/{}", e.name))
                })
                .map(|e| e.name.as_str())
                .collect();
            if !unreferenced.is_empty() || unlock_at_boot {
                return Backing::Unknown(format!(
                    "{source} may be inside an encrypted mapping ({}): a filesystem UUID cannot be tied to a mapping offline; scan the running host",
                    if unreferenced.is_empty() {
                        self.boot.params.join(" ")
                    } else {
                        unreferenced.join(", ")
                    }
                ));
            }
            return Backing::Plain(format!(
                "{source}: no crypttab mapping and no kernel command line parameter unlocks an encrypted volume"
            ));
        }
        if let Some(name) = mapper {
            return Backing::Plain(format!(
                "/dev/mapper/{name} is not a crypttab mapping (and no LVM metadata backup names its volume group)"
            ));
        }
        if source.starts_with("/dev/") {
            return Backing::Plain(format!("{source} is a raw device, not a dm-crypt mapping"));
        }
        Backing::Unknown(format!("{source}: not a device fstab names in a known way"))
    }

    fn read_swaps(&self) -> Result<Vec<SwapArea>, String> {
        match self.mode {
            Err(ref e) => Err(e.clone()),
            Ok(Mode::Live) => {
                let Some(root) = &self.root else {
                    return Err("no root".to_string());
                };
                let text = match root.read_text("proc/swaps", SMALL) {
                    Ok(t) => t,
                    Err(RootError::NotFound) => {
                        return Err(
                            "no /proc/swaps under the root: active swap areas are unknown"
                                .to_string(),
                        );
                    }
                    Err(e) => return Err(format!("/proc/swaps: {}", read_error(&e))),
                };
                let swaps = parse_swaps(&text).map_err(|e| format!("/proc/swaps: {e}"))?;
                Ok(swaps
                    .into_iter()
                    .map(|s| {
                        let backing = if s.kind == "file" {
                            self.locate(&s.path).backing
                        } else {
                            let m = Mount {
                                source: s.path.clone(),
                                target: String::new(),
                                fstype: "swap".to_string(),
                                options: String::new(),
                                line: s.line,
                            };
                            self.live_backing(&m, 0)
                        };
                        SwapArea {
                            path: s.path,
                            rel: "proc/swaps".to_string(),
                            line: s.line,
                            backing,
                        }
                    })
                    .collect())
            }
            Ok(Mode::Offline) => Ok(self
                .table
                .iter()
                .filter(|m| m.fstype == "swap")
                .map(|m| {
                    let backing = if m.source.starts_with('/') && !m.source.starts_with("/dev/") {
                        self.locate(&m.source).backing
                    } else {
                        self.offline_device(&m.source, false)
                    };
                    SwapArea {
                        path: m.source.clone(),
                        rel: self.table_rel.clone(),
                        line: m.line,
                        backing,
                    }
                })
                .collect()),
        }
    }

    fn read_keyfiles(&self) -> Vec<KeyFile> {
        let mut out = Vec::new();
        for e in self.crypt_entries() {
            let KeySource::File { path, device } = &e.key else {
                continue;
            };
            let (meta, located) = if device.is_some() || !path.starts_with('/') {
                (Ok(None), None)
            } else {
                let meta = match self
                    .root
                    .as_ref()
                    .ok_or(RootError::NotFound)
                    .and_then(|r| r.metadata(path))
                {
                    Ok(m) => Ok(Some((m.mode() & 0o7777, m.uid()))),
                    Err(RootError::NotFound) => Ok(None),
                    Err(err) => Err(read_error(&err)),
                };
                (meta, Some(self.locate(path)))
            };
            out.push(KeyFile {
                mapping: e.name.clone(),
                line: e.line,
                path: path.clone(),
                on_device: device.clone(),
                meta,
                located,
            });
        }
        out
    }
}

impl Fact for Storage {
    fn collect(facts: &Facts) -> Self {
        match &facts.target.source {
            Source::Host(h) => Storage::new(h.root.clone()),
            Source::Tree(t) => {
                Storage::unavailable(Some(t.root.clone()), "a config tree has no block devices")
            }
            Source::Env | Source::Tls(_) | Source::Domain(_) => {
                Storage::unavailable(None, "no files to read")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lvm_names() {
        assert_eq!(
            split_dm_lvm_name("vg0-root"),
            Some(("vg0".into(), "root".into()))
        );
        assert_eq!(
            split_dm_lvm_name("debian--vg-root--lv"),
            Some(("debian-vg".into(), "root-lv".into()))
        );
        assert_eq!(split_dm_lvm_name("cryptroot"), None);
        assert!(path_is_under("/srv/data", "/srv"));
        assert!(!path_is_under("/srvx", "/srv"));
        assert!(path_is_under("/anything", "/"));
    }
}
