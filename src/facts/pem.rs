//! Certificate and key files of a target: the PEM/DER files the inventory
//! found, plus, on a host, the files nginx's `ssl_certificate` and
//! `ssl_certificate_key` name, with the permission bits of every file that
//! holds a private key. Key material is never kept. Parses; never judges.

use std::os::unix::fs::MetadataExt;

use crate::facts::nginx::NginxTls;
use crate::facts::x509::{self, PemBlock};
use crate::facts::{Fact, Facts, Kind, Parsed};

#[derive(Clone, Debug, PartialEq)]
pub struct PemFile {
    pub rel: String,
    pub blocks: Vec<PemBlock>,
    /// Permission bits (`0o640`), for files with a private key.
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// The group's name from the root's `/etc/group`.
    pub group_name: Option<String>,
}

impl PemFile {
    pub fn has_key(&self) -> bool {
        self.blocks
            .iter()
            .any(|b| matches!(b, PemBlock::PrivateKey { .. }))
    }

    /// The certificates in file order (the first is the leaf, by nginx's
    /// convention for chain files).
    pub fn certificates(&self) -> impl Iterator<Item = (u32, &Result<x509::CertInfo, String>)> {
        self.blocks.iter().filter_map(|b| match b {
            PemBlock::Certificate { line, cert } => Some((*line, cert.as_ref())),
            PemBlock::PrivateKey { .. } => None,
        })
    }
}

/// The name of group `gid` in the root's `/etc/group`.
fn group_name(root: &crate::target::Root, gid: u32) -> Option<String> {
    let text = root.read_text("etc/group", 1024 * 1024).ok()?;
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let _ = f.next();
        (f.next()?.parse::<u32>().ok()? == gid).then(|| name.to_string())
    })
}

#[derive(Clone, Debug, Default)]
pub struct PemFiles {
    pub files: Vec<PemFile>,
    /// Files that could not be read or parsed: (rel, why).
    pub errors: Vec<(String, String)>,
}

impl Fact for PemFiles {
    fn collect(facts: &Facts) -> Self {
        let mut out = PemFiles::default();
        let Some(root) = facts.target.root() else {
            return out;
        };
        let mut found: Vec<(String, Result<Vec<PemBlock>, String>)> = facts
            .docs_of(Kind::Pem)
            .map(|d| {
                (
                    d.rel.to_string(),
                    match &d.content {
                        Ok(Parsed::Pem(b)) => Ok(b.clone()),
                        Ok(_) => Err("not a PEM file".to_string()),
                        Err(e) => Err(e.clone()),
                    },
                )
            })
            .collect();
        if facts.target.host_source().is_some() {
            let nginx = facts.get::<NginxTls>();
            for s in nginx
                .servers
                .iter()
                .flat_map(|s| s.certificates.iter().chain(&s.keys))
            {
                let rel = s.value.trim_start_matches('/').to_string();
                if s.value.contains('$') || found.iter().any(|(r, _)| *r == rel) {
                    continue;
                }
                let parsed = root
                    .read_text(&rel, crate::target::root::DEFAULT_FILE_CAP)
                    .map_err(|e| format!("could not read: {e}"))
                    .and_then(|t| x509::parse_pem(&t));
                match parsed {
                    Err(e) if e.contains("not found") => {}
                    p => found.push((rel, p)),
                }
            }
        }
        for (rel, blocks) in found {
            match blocks {
                Ok(blocks) => {
                    let mut f = PemFile {
                        rel,
                        blocks,
                        mode: None,
                        uid: None,
                        gid: None,
                        group_name: None,
                    };
                    if f.has_key()
                        && let Ok(m) = root.metadata(&f.rel)
                    {
                        f.mode = Some(m.mode() & 0o7777);
                        f.uid = Some(m.uid());
                        f.gid = Some(m.gid());
                        f.group_name = group_name(root, m.gid());
                    }
                    out.files.push(f);
                }
                Err(e) => out.errors.push((rel, e)),
            }
        }
        out.files.sort_by(|a, b| a.rel.cmp(&b.rel));
        out.errors.sort();
        out
    }
}
