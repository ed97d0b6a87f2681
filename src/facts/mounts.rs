//! Mount tables and swap areas: `/proc/mounts` and `/etc/fstab` (the same
//! six-field format; octal escapes such as `\040` for a space), and
//! `/proc/swaps`. Every entry keeps its 1-based line. Parses; never judges.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    /// What is mounted: `/dev/mapper/vg0-root`, `UUID=...`, `rpool/ROOT`.
    pub source: String,
    /// Where: `/`, `/srv`.
    pub target: String,
    pub fstype: String,
    pub options: String,
    pub line: u32,
}

impl Mount {
    pub fn has_option(&self, opt: &str) -> bool {
        self.options.split(',').any(|o| o == opt)
    }
}

/// Decodes the octal escapes the kernel and fstab use (`\040` space,
/// `\011` tab, `\012` newline, `\134` backslash).
pub fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') as u32 * 64
                + (b[i + 2] - b'0') as u32 * 8
                + (b[i + 3] - b'0') as u32;
            if let Ok(byte) = u8::try_from(v) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses `/proc/mounts` or `/etc/fstab`. Comment and blank lines are
/// skipped; a line with fewer than three fields is an error (mount(8)
/// rejects it too).
pub fn parse_mounts(text: &str) -> Result<Vec<Mount>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 3 {
            return Err(format!(
                "line {}: expected device, mount point and type",
                i + 1
            ));
        }
        out.push(Mount {
            source: unescape(f[0]),
            target: unescape(f[1]),
            fstype: f[2].to_string(),
            options: f.get(3).unwrap_or(&"defaults").to_string(),
            line: i as u32 + 1,
        });
    }
    Ok(out)
}

/// An active swap area from `/proc/swaps`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Swap {
    /// `/dev/dm-1`, `/swap.img`, `/dev/zram0`.
    pub path: String,
    /// `partition` or `file`.
    pub kind: String,
    pub line: u32,
}

pub fn parse_swaps(text: &str) -> Result<Vec<Swap>, String> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.starts_with("Filename") => {}
        Some(_) => return Err("line 1: not a /proc/swaps header".to_string()),
        None => return Ok(Vec::new()),
    }
    let mut out = Vec::new();
    for (i, raw) in lines {
        let f: Vec<&str> = raw.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        if f.len() < 2 {
            return Err(format!("line {}: expected file name and type", i + 1));
        }
        out.push(Swap {
            path: unescape(f[0]),
            kind: f[1].to_string(),
            line: i as u32 + 1,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tables() {
        let m = parse_mounts(
            "# /etc/fstab\n/dev/mapper/vg0-root / ext4 errors=remount-ro 0 1\nUUID=ab12 /boot ext4 defaults 0 2\n/dev/sdb1 /srv/my\\040data xfs rw 0 0\n",
        )
        .unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].line, 2);
        assert_eq!(m[2].target, "/srv/my data");
        assert!(m[0].has_option("errors=remount-ro"));
        assert!(parse_mounts("/dev/sda1 /\n").is_err());
    }

    #[test]
    fn parses_swaps() {
        let s = parse_swaps(
            "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/dm-2                               partition\t1003516\t\t0\t\t-2\n/swap.img file 2097148 0 -3\n",
        )
        .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].path.as_str(), s[0].kind.as_str(), s[0].line),
            ("/dev/dm-2", "partition", 2)
        );
        assert_eq!(
            parse_swaps("Filename Type Size Used Priority\n").unwrap(),
            vec![]
        );
        assert!(parse_swaps("garbage\n").is_err());
    }
}
