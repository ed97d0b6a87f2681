//! PostgreSQL's `pg_hba.conf`: one record per line (`TYPE DATABASE USER
//! [ADDRESS [MASK]] METHOD [OPTIONS]`), `#` comments, double-quoted fields,
//! `include*` directives kept as such (not followed). Every record keeps its
//! line. Parses; never judges.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HbaRecord {
    /// `local`, `host`, `hostssl`, `hostnossl`, `hostgssenc`, `hostnogssenc`.
    pub kind: String,
    pub database: String,
    pub user: String,
    /// `None` for `local`; an address with its mask joined (`10.0.0.0/8`,
    /// `192.168.0.0/255.255.0.0`), `all`, `samehost`, a host name.
    pub address: Option<String>,
    pub method: String,
    pub line: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PgHba {
    pub records: Vec<HbaRecord>,
    /// `include`, `include_if_exists`, `include_dir` lines (not followed).
    pub includes: Vec<u32>,
}

fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            '#' if !quoted => break,
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// Whether a mask written after the address (`255.255.255.0`) follows.
fn is_mask(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok()
}

pub fn parse(text: &str) -> Result<PgHba, String> {
    let mut out = PgHba::default();
    for (i, raw) in text.lines().enumerate() {
        let line = i as u32 + 1;
        let f = fields(raw);
        if f.is_empty() {
            continue;
        }
        if f[0].starts_with("include") {
            out.includes.push(line);
            continue;
        }
        let kind = f[0].clone();
        let (address, rest) = match kind.as_str() {
            "local" => (None, &f[3.min(f.len())..]),
            k if k.starts_with("host") => {
                let Some(addr) = f.get(3) else {
                    return Err(format!("line {line}: a host record needs an address"));
                };
                if f.get(4)
                    .is_some_and(|m| is_mask(m) && addr.parse::<std::net::IpAddr>().is_ok())
                {
                    (Some(format!("{addr}/{}", f[4])), &f[5.min(f.len())..])
                } else {
                    (Some(addr.clone()), &f[4.min(f.len())..])
                }
            }
            _ => return Err(format!("line {line}: unknown connection type")),
        };
        let Some(method) = rest.first() else {
            return Err(format!("line {line}: no authentication method"));
        };
        out.records.push(HbaRecord {
            kind,
            database: f.get(1).cloned().unwrap_or_default(),
            user: f.get(2).cloned().unwrap_or_default(),
            address,
            method: method.clone(),
            line,
        });
    }
    Ok(out)
}

impl HbaRecord {
    /// Whether the address matches only this machine.
    pub fn loopback(&self) -> bool {
        match self.address.as_deref() {
            None => true,
            Some(a) => {
                matches!(a, "samehost" | "localhost" | "::1/128" | "::1") || a.starts_with("127.")
            }
        }
    }

    /// Whether the address matches every client.
    pub fn anywhere(&self) -> bool {
        matches!(
            self.address.as_deref(),
            Some("all" | "0.0.0.0/0" | "::/0" | "0.0.0.0/0.0.0.0" | "::0/0")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_records() {
        let h = parse(
            "# TYPE DATABASE USER ADDRESS METHOD\nlocal all postgres peer\nhost all all 127.0.0.1/32 scram-sha-256\nhost \"cht sync\" all 10.0.0.0 255.0.0.0 md5 # x\nhostssl all all ::/0 password\ninclude_dir conf.d\nhost all all all trust\n",
        )
        .unwrap();
        assert_eq!(h.records.len(), 5);
        assert_eq!(h.records[0].address, None);
        assert!(h.records[1].loopback());
        assert_eq!(h.records[2].database, "cht sync");
        assert_eq!(h.records[2].address.as_deref(), Some("10.0.0.0/255.0.0.0"));
        assert_eq!(h.records[2].method, "md5");
        assert!(h.records[3].anywhere());
        assert_eq!(h.includes, vec![6]);
        assert_eq!(h.records[4].line, 7);
        assert!(parse("host all all\n").is_err());
        assert!(parse("bogus all all x y\n").is_err());
    }
}
