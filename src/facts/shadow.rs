//! Local accounts from `/etc/shadow` and `/etc/passwd` under a host root. Of
//! a password field only what it *is* is kept — empty, locked, or the name of
//! its hash scheme (`$6$` SHA-512, `$1$` MD5, 13-character DES...) — never the
//! hash itself, which must not reach a report in any form. An unreadable
//! shadow file is kept as its reason ("permission denied: run as root").
//! Parses; never judges.

use crate::facts::system::{SystemFile, read_host_file};
use crate::facts::{Fact, Facts};
use crate::target::Source;

/// What a password field holds, without the hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HashScheme {
    /// An empty field: no password is needed (with `nullok`).
    Empty,
    /// `*`, `!`, `!!` alone: no password can log in.
    NoPassword,
    Des,
    /// `_`: BSDi extended DES.
    BsdiDes,
    Md5,
    SunMd5,
    Sha1,
    Bcrypt,
    Sha256,
    Sha512,
    Scrypt,
    Yescrypt,
    GostYescrypt,
    /// A `$id$` prefix this parser does not know.
    Unknown,
}

impl HashScheme {
    pub fn describe(self) -> &'static str {
        match self {
            HashScheme::Empty => "empty",
            HashScheme::NoPassword => "no password (locked)",
            HashScheme::Des => "DES crypt",
            HashScheme::BsdiDes => "BSDi extended DES",
            HashScheme::Md5 => "MD5 crypt ($1$)",
            HashScheme::SunMd5 => "Sun MD5 ($md5$)",
            HashScheme::Sha1 => "SHA-1 crypt ($sha1$)",
            HashScheme::Bcrypt => "bcrypt ($2b$)",
            HashScheme::Sha256 => "SHA-256 crypt ($5$)",
            HashScheme::Sha512 => "SHA-512 crypt ($6$)",
            HashScheme::Scrypt => "scrypt ($7$)",
            HashScheme::Yescrypt => "yescrypt ($y$)",
            HashScheme::GostYescrypt => "gost-yescrypt ($gy$)",
            HashScheme::Unknown => "unknown scheme",
        }
    }
}

/// A password field reduced to what may be known about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordField {
    pub scheme: HashScheme,
    /// `!hash`: a real hash, locked by `passwd -l` / `usermod -L`.
    pub locked: bool,
}

fn is_crypt_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '/'
}

/// Classifies a password field. The hash is looked at, never kept.
pub fn classify(field: &str) -> PasswordField {
    let (locked, rest) = match field.strip_prefix('!') {
        Some(r) => (true, r.trim_start_matches('!')),
        None => (false, field),
    };
    if field.is_empty() {
        return PasswordField {
            scheme: HashScheme::Empty,
            locked: false,
        };
    }
    if rest.is_empty() || rest.starts_with('*') {
        return PasswordField {
            scheme: HashScheme::NoPassword,
            locked: true,
        };
    }
    let scheme = if let Some(id) = rest.strip_prefix('$').and_then(|r| r.split('$').next()) {
        match id {
            "1" => HashScheme::Md5,
            "md5" => HashScheme::SunMd5,
            "sha1" => HashScheme::Sha1,
            "2" | "2a" | "2b" | "2x" | "2y" => HashScheme::Bcrypt,
            "5" => HashScheme::Sha256,
            "6" => HashScheme::Sha512,
            "7" => HashScheme::Scrypt,
            "y" => HashScheme::Yescrypt,
            "gy" => HashScheme::GostYescrypt,
            _ => HashScheme::Unknown,
        }
    } else if rest.starts_with('_') && rest.len() == 20 {
        HashScheme::BsdiDes
    } else if rest.len() == 13 && rest.chars().all(is_crypt_char) {
        HashScheme::Des
    } else {
        // Anything else cannot be a valid crypt(3) string: nothing matches it.
        HashScheme::NoPassword
    };
    PasswordField { scheme, locked }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShadowEntry {
    pub name: String,
    pub line: u32,
    pub password: PasswordField,
    /// Field 5: maximum password age in days, when set.
    pub max_days: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswdEntry {
    pub name: String,
    pub line: u32,
    pub uid: Option<u32>,
    pub shell: String,
    /// `None` when the field is `x` (the password is in /etc/shadow).
    pub password: Option<PasswordField>,
}

pub fn parse_shadow(text: &str) -> Result<Vec<ShadowEntry>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let mut fields = raw.split(':');
        let name = fields.next().unwrap_or_default();
        let Some(pw) = fields.next() else {
            return Err(format!("line {}: not a shadow entry (no ':')", i + 1));
        };
        let max_days = fields.nth(2).and_then(|m| m.trim().parse().ok());
        out.push(ShadowEntry {
            name: name.to_string(),
            line: i as u32 + 1,
            password: classify(pw),
            max_days,
        });
    }
    Ok(out)
}

pub fn parse_passwd(text: &str) -> Result<Vec<PasswdEntry>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = raw.split(':').collect();
        if f.len() < 7 {
            return Err(format!("line {}: not a passwd entry (7 fields)", i + 1));
        }
        out.push(PasswdEntry {
            name: f[0].to_string(),
            line: i as u32 + 1,
            uid: f[2].parse().ok(),
            shell: f[6].to_string(),
            password: (f[1] != "x").then(|| classify(f[1])),
        });
    }
    Ok(out)
}

/// The local accounts of a host. Absent files are `None`.
#[derive(Debug, Default)]
pub struct Accounts {
    pub shadow: Option<SystemFile<Vec<ShadowEntry>>>,
    pub passwd: Option<SystemFile<Vec<PasswdEntry>>>,
}

const ACCOUNTS_CAP: u64 = 64 * 1024 * 1024;

impl Fact for Accounts {
    fn collect(facts: &Facts) -> Self {
        let Source::Host(h) = &facts.target.source else {
            return Accounts::default();
        };
        let read = |rel: &str| match h.root.read_text(rel, ACCOUNTS_CAP) {
            Ok(t) => Some(Ok(t)),
            Err(crate::target::RootError::NotFound) => None,
            Err(e) => Some(Err(crate::facts::system::read_error(&e))),
        };
        let shadow = read("etc/shadow").map(|r| SystemFile {
            rel: "etc/shadow".to_string(),
            content: r.and_then(|t| parse_shadow(&t)),
        });
        let passwd = read_host_file(&h.root, "etc/passwd", parse_passwd);
        Accounts { shadow, passwd }
    }
}

impl Accounts {
    /// The login shell of an account, from /etc/passwd.
    pub fn shell_of(&self, name: &str) -> Option<&str> {
        self.passwd
            .as_ref()?
            .ok()?
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.shell.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_without_keeping_hashes() {
        let c = |s: &str| classify(s).scheme;
        assert_eq!(c(""), HashScheme::Empty);
        assert_eq!(c("*"), HashScheme::NoPassword);
        assert_eq!(c("!"), HashScheme::NoPassword);
        assert_eq!(c("!!"), HashScheme::NoPassword);
        assert_eq!(c("!*"), HashScheme::NoPassword);
        assert_eq!(c("$1$abcdefgh$0123456789abcdefghijkl"), HashScheme::Md5);
        assert_eq!(c("$6$salt$hash"), HashScheme::Sha512);
        assert_eq!(c("$y$j9T$salt$hash"), HashScheme::Yescrypt);
        assert_eq!(c("$2b$12$abc"), HashScheme::Bcrypt);
        assert_eq!(c("abJnggxhB/yWI"), HashScheme::Des);
        assert_eq!(c("$9$x"), HashScheme::Unknown);
        let locked = classify("!$6$salt$hash");
        assert_eq!(locked.scheme, HashScheme::Sha512);
        assert!(locked.locked);
        // The debug form of an entry carries no hash material.
        let e = parse_shadow("u:$6$saltsalt$SECRETHASH:19000:0:99999:7:::\n").unwrap();
        assert!(!format!("{e:?}").contains("SECRETHASH"));
        assert_eq!(e[0].max_days, Some(99999));
    }

    #[test]
    fn passwd_fields() {
        let p =
            parse_passwd("root:x:0:0:root:/root:/bin/bash\nold::1001:1001::/home/old:/bin/sh\n")
                .unwrap();
        assert_eq!(p[0].password, None);
        assert_eq!(p[1].password.unwrap().scheme, HashScheme::Empty);
        assert_eq!(p[1].uid, Some(1001));
        assert!(parse_passwd("garbage\n").is_err());
    }
}
