//! What a system says about unlocking encrypted volumes at boot:
//! `/etc/crypttab` (`name device [keyfile] [options]`) and the kernel
//! command line (`/proc/cmdline` live; `/etc/kernel/cmdline` and the
//! `GRUB_CMDLINE_LINUX*` assignments of `/etc/default/grub` offline) with its
//! `rd.luks.*`, `luks.*`, `cryptdevice=` and `root=` parameters. Parses;
//! never judges.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// `none`, `-` or absent: a passphrase is asked (or a TPM/FIDO2 token).
    Passphrase,
    /// `/dev/urandom` and friends: a fresh random key each boot (swap, tmp).
    Random(String),
    /// A key file path; `device` is systemd's `path:UUID=...` form (the file
    /// lives on another, removable device).
    File {
        path: String,
        device: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CryptEntry {
    /// The mapping name: `/dev/mapper/<name>`.
    pub name: String,
    /// The encrypted device (`UUID=...`, `/dev/sda3`).
    pub device: String,
    pub key: KeySource,
    pub options: Vec<String>,
    pub line: u32,
}

impl CryptEntry {
    pub fn has_option(&self, o: &str) -> bool {
        self.options
            .iter()
            .any(|x| x == o || x.starts_with(&format!("{o}=")))
    }
}

const RANDOM_KEYS: [&str; 3] = ["/dev/urandom", "/dev/random", "/dev/hw_random"];

pub fn parse_crypttab(text: &str) -> Result<Vec<CryptEntry>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 2 {
            return Err(format!(
                "line {}: expected at least a name and a device",
                i + 1
            ));
        }
        let key = match f.get(2).copied() {
            None | Some("none") | Some("-") => KeySource::Passphrase,
            Some(k) if RANDOM_KEYS.contains(&k) => KeySource::Random(k.to_string()),
            Some(k) => match k.split_once(':') {
                Some((path, dev)) if dev.contains('=') => KeySource::File {
                    path: path.to_string(),
                    device: Some(dev.to_string()),
                },
                _ => KeySource::File {
                    path: k.to_string(),
                    device: None,
                },
            },
        };
        out.push(CryptEntry {
            name: f[0].to_string(),
            device: f[1].to_string(),
            key,
            options: f
                .get(3)
                .map(|o| o.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
            line: i as u32 + 1,
        });
    }
    Ok(out)
}

/// A kernel command line parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub key: String,
    pub value: Option<String>,
}

/// Splits a kernel command line (double quotes group a value with spaces).
pub fn parse_cmdline(text: &str) -> Vec<Param> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut flush = |cur: &mut String| {
        if cur.is_empty() {
            return;
        }
        let (k, v) = match cur.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (cur.clone(), None),
        };
        out.push(Param { key: k, value: v });
        cur.clear();
    };
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => flush(&mut cur),
            c => cur.push(c),
        }
    }
    flush(&mut cur);
    // `--` ends the kernel's parameters; the rest goes to init.
    if let Some(end) = out.iter().position(|p| p.key == "--" && p.value.is_none()) {
        out.truncate(end);
    }
    out
}

/// The value of `GRUB_CMDLINE_LINUX` and `GRUB_CMDLINE_LINUX_DEFAULT` in a
/// shell fragment (`/etc/default/grub`), later assignments winning.
pub fn grub_cmdline(text: &str) -> String {
    let mut linux = String::new();
    let mut default = String::new();
    for raw in text.lines() {
        let line = raw.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = if let Some(inner) = v.strip_prefix('"') {
            inner.split('"').next().unwrap_or("")
        } else if let Some(inner) = v.strip_prefix('\'') {
            inner.split('\'').next().unwrap_or("")
        } else {
            v.split(" #").next().unwrap_or("").trim()
        };
        match k.trim() {
            "GRUB_CMDLINE_LINUX" => linux = v.to_string(),
            "GRUB_CMDLINE_LINUX_DEFAULT" => default = v.to_string(),
            _ => {}
        }
    }
    format!("{linux} {default}").trim().to_string()
}

/// What the command line says about encrypted volumes unlocked at boot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BootUnlock {
    /// Mapping names the initramfs creates (`rd.luks.name=UUID=name`,
    /// `cryptdevice=dev:name`, `luks-<uuid>` for `rd.luks.uuid=`).
    pub names: Vec<String>,
    /// The parameters that say so, as written.
    pub params: Vec<String>,
    /// `rd.luks=0` / `luks=0`: the initramfs unlocks nothing.
    pub disabled: bool,
    /// `root=` as written.
    pub root: Option<String>,
}

pub fn boot_unlock(params: &[Param]) -> BootUnlock {
    let mut b = BootUnlock::default();
    for p in params {
        let v = p.value.as_deref().unwrap_or("");
        let shown = match &p.value {
            Some(v) => format!("{}={v}", p.key),
            None => p.key.clone(),
        };
        match p.key.as_str() {
            "root" => b.root = Some(v.to_string()),
            "rd.luks" | "luks" if v == "0" || v == "no" => b.disabled = true,
            "rd.luks.uuid" | "luks.uuid" => {
                let uuid = v.trim_start_matches("luks-");
                b.names.push(format!("luks-{uuid}"));
                b.params.push(shown);
            }
            "rd.luks.name" | "luks.name" => {
                if let Some((_, name)) = v.split_once('=') {
                    b.names.push(name.to_string());
                }
                b.params.push(shown);
            }
            "cryptdevice" => {
                // cryptdevice=device:dmname[:options]; the device may itself
                // be UUID=... (no colon in it).
                let mut parts = v.split(':');
                let _device = parts.next();
                if let Some(name) = parts.next() {
                    b.names.push(name.to_string());
                }
                b.params.push(shown);
            }
            "rd.luks.key" | "luks.key" | "rd.luks.options" => b.params.push(shown),
            _ => {}
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crypttab_entries() {
        let c = parse_crypttab(
            "# <target> <source> <key> <options>\nsda3_crypt UUID=1234 none luks,discard\ncryptswap /dev/sda2 /dev/urandom swap,cipher=aes-xts-plain64\ndata UUID=5678 /etc/keys/data.key luks\nusb UUID=9 /key.bin:UUID=abcd luks\nbare /dev/sdc1\n",
        )
        .unwrap();
        assert_eq!(c.len(), 5);
        assert_eq!(c[0].key, KeySource::Passphrase);
        assert!(c[0].has_option("discard"));
        assert_eq!(c[1].key, KeySource::Random("/dev/urandom".into()));
        assert!(c[1].has_option("swap") && c[1].has_option("cipher"));
        assert!(
            matches!(&c[2].key, KeySource::File { path, device: None } if path == "/etc/keys/data.key")
        );
        assert!(matches!(&c[3].key, KeySource::File { device: Some(d), .. } if d == "UUID=abcd"));
        assert_eq!(c[4].key, KeySource::Passphrase);
        assert_eq!(c[2].line, 4);
        assert!(parse_crypttab("lonely\n").is_err());
    }

    #[test]
    fn cmdlines() {
        let p = parse_cmdline(
            "BOOT_IMAGE=/vmlinuz root=/dev/mapper/vg-root ro rd.luks.uuid=luks-ab12 rd.luks.name=cd34=cryptdata quiet \"x=a b\" -- --init-arg",
        );
        let b = boot_unlock(&p);
        assert_eq!(b.root.as_deref(), Some("/dev/mapper/vg-root"));
        assert_eq!(b.names, ["luks-ab12", "cryptdata"]);
        assert!(p.iter().any(|x| x.value.as_deref() == Some("a b")));
        assert!(!p.iter().any(|x| x.key == "--init-arg"));
        let b = boot_unlock(&parse_cmdline(
            "cryptdevice=UUID=ef56:cryptroot root=/dev/mapper/cryptroot",
        ));
        assert_eq!(b.names, ["cryptroot"]);
        assert!(boot_unlock(&parse_cmdline("rd.luks=0")).disabled);
        assert_eq!(
            grub_cmdline(
                "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\nGRUB_CMDLINE_LINUX='cryptdevice=/dev/sda2:root'\n"
            ),
            "cryptdevice=/dev/sda2:root quiet splash"
        );
    }
}
