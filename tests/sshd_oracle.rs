//! rampart's effective sshd values against OpenSSH's own: for several
//! configurations (Include globs, Match blocks of every common kind, `Match
//! all`, an Include inside a Match, aliases and `Keyword=value` syntax) the
//! values `sshd -T -f FILE` prints (a blank connection) and `sshd -T -C
//! user=..,host=..,addr=..` prints per connection must equal
//! `SshdConfig::effective` for the same connection. Skips with a note when sshd is not installed,
//! unless RAMPART_REQUIRE_PEERS=1.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use rampart::facts::sshd::{Connection, SshdConfig, from_root};
use rampart::target::{Confinement, Root};

const SSHD: &str = "/usr/sbin/sshd";

const KEYWORDS: [&str; 8] = [
    "passwordauthentication",
    "kbdinteractiveauthentication",
    "permitrootlogin",
    "permitemptypasswords",
    "authenticationmethods",
    "pubkeyauthentication",
    "maxauthtries",
    "usepam",
];

fn require_peers() -> bool {
    std::env::var("RAMPART_REQUIRE_PEERS").is_ok_and(|v| v == "1")
}

/// Whether sshd can run its test mode here; `Err` says why not.
fn sshd_ready(dir: &Path) -> Result<PathBuf, String> {
    if !Path::new(SSHD).exists() {
        return Err(format!("{SSHD} is not installed"));
    }
    let key = dir.join("hostkey");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .output()
        .map_err(|e| format!("ssh-keygen: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "ssh-keygen failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let probe = dir.join("probe.conf");
    fs::write(&probe, "PasswordAuthentication no\n").unwrap();
    let out = Command::new(SSHD)
        .arg("-T")
        .arg("-f")
        .arg(&probe)
        .arg("-h")
        .arg(&key)
        .output()
        .map_err(|e| format!("{SSHD}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "sshd -T does not run here: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(key)
}

/// `sshd -T` output as keyword → value (the first line of a keyword).
fn sshd_t(file: &Path, key: &Path, spec: Option<&str>) -> BTreeMap<String, String> {
    let mut cmd = Command::new(SSHD);
    cmd.arg("-T").arg("-f").arg(file).arg("-h").arg(key);
    if let Some(s) = spec {
        cmd.arg("-C").arg(s);
    }
    let out = cmd.output().expect("sshd runs");
    assert!(
        out.status.success(),
        "sshd -T -f {} {:?} failed: {}",
        file.display(),
        spec,
        String::from_utf8_lossy(&out.stderr)
    );
    let mut map = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some((k, v)) = line.split_once(' ') {
            map.entry(k.to_string()).or_insert_with(|| v.to_string());
        }
    }
    map
}

/// rampart's value, printed the way `sshd -T` prints it.
fn normalize(keyword: &str, v: &str) -> String {
    let v = v.to_ascii_lowercase();
    match (keyword, v.as_str()) {
        ("permitrootlogin", "prohibit-password") => "without-password".to_string(),
        _ => v,
    }
}

/// The groups of a local user, from /etc/passwd and /etc/group.
fn groups_of(user: &str) -> Vec<String> {
    let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
    let group = fs::read_to_string("/etc/group").unwrap_or_default();
    let gid = passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 3 && f[0] == user)
        .map(|f| f[3].to_string());
    let Some(gid) = gid else {
        return Vec::new(); // sshd: no such user, no group matches
    };
    group
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .filter(|f| f.len() > 3 && (f[2] == gid || f[3].split(',').any(|m| m == user)))
        .map(|f| f[0].to_string())
        .collect()
}

struct Case {
    name: &'static str,
    /// Files relative to the case directory; `@DIR@` is replaced by it.
    files: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        name: "include-first-and-match-blocks",
        files: &[
            (
                "sshd_config",
                "Include @DIR@/conf.d/*.conf\nPermitRootLogin prohibit-password\nPasswordAuthentication yes   # overridden\nUsePAM yes\n\nMatch Address 10.0.0.0/8,!10.99.0.0/16\n    PasswordAuthentication yes\n\nMatch User backup\n    PermitRootLogin no\n    PermitEmptyPasswords no\n    MaxAuthTries 2\n\nMatch Group root Address 192.168.0.0/16\n    PermitRootLogin yes\n",
            ),
            (
                "conf.d/10-keys-only.conf",
                "PasswordAuthentication no\nKbdInteractiveAuthentication no\n",
            ),
            ("conf.d/.hidden.conf", "PermitEmptyPasswords yes\n"),
        ],
    },
    Case {
        name: "match-all-after-global",
        files: &[(
            "sshd_config",
            "PasswordAuthentication yes\nMaxAuthTries 4\nMatch Host *.example.org\n  PasswordAuthentication no\nMatch all\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n",
        )],
    },
    Case {
        name: "include-inside-match",
        files: &[
            (
                "sshd_config",
                "PermitRootLogin no\nMatch User alice,bob\n  Include @DIR@/users/*.conf\n  PermitEmptyPasswords yes\nMatch Address 127.0.0.0/8\n  AuthenticationMethods publickey\n",
            ),
            (
                "users/a.conf",
                "PasswordAuthentication no\nMatch Address 10.1.0.0/16\n  PermitRootLogin yes\n",
            ),
        ],
    },
    Case {
        name: "syntax-aliases-and-lists",
        files: &[(
            "sshd_config",
            "passwordauthentication YES\nChallengeResponseAuthentication=yes\nPermitRootLogin = forced-commands-only\nAuthenticationMethods publickey,password publickey,keyboard-interactive\nAuthenticationMethods publickey\nMatch User \"deploy\"\n  AuthenticationMethods publickey\n  PubkeyAuthentication yes\n",
        )],
    },
];

const CONNECTIONS: [(&str, &str, &str); 6] = [
    ("root", "client.example.org", "10.1.2.3"),
    ("root", "client.example.org", "10.99.1.1"),
    ("root", "admin.local", "192.168.1.20"),
    ("backup", "backup.example.com", "203.0.113.9"),
    ("alice", "laptop", "10.1.5.5"),
    ("deploy", "ci.example.org", "127.0.0.1"),
];

#[test]
fn effective_values_match_sshd_t() {
    let tmp = tempfile::tempdir().unwrap();
    let key = match sshd_ready(tmp.path()) {
        Ok(k) => k,
        Err(why) => {
            assert!(
                !require_peers(),
                "sshd oracle required (RAMPART_REQUIRE_PEERS=1) but {why}"
            );
            eprintln!("note: skipping the sshd -T oracle test: {why}");
            return;
        }
    };
    let root = Root::open(Path::new("/"), Confinement::Chroot).unwrap();
    let mut compared = 0;
    for case in CASES {
        let dir = tmp.path().join(case.name);
        let dir = fs::canonicalize({
            fs::create_dir_all(&dir).unwrap();
            &dir
        })
        .unwrap();
        for (rel, text) in case.files {
            let p = dir.join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, text.replace("@DIR@", &dir.display().to_string())).unwrap();
        }
        let main = dir.join("sshd_config");
        let cfg: SshdConfig = from_root(&root, &main.display().to_string());
        assert!(cfg.errors.is_empty(), "{}: {:?}", case.name, cfg.errors);

        // Without -C, sshd -T applies the Match blocks for a blank connection
        // that satisfies no criterion (only `Match all`).
        let global = sshd_t(&main, &key, None);
        for kw in KEYWORDS {
            let Some(want) = global.get(kw) else { continue };
            let got = normalize(kw, &cfg.effective(kw, &Connection::default()).text());
            assert_eq!(&got, want, "{}: global {kw}", case.name);
            compared += 1;
        }
        for (user, host, addr) in CONNECTIONS {
            let spec = format!("user={user},host={host},addr={addr},laddr=127.0.0.1,lport=22");
            let oracle = sshd_t(&main, &key, Some(&spec));
            let conn = Connection {
                user: Some(user.to_string()),
                groups: groups_of(user),
                host: Some(host.to_string()),
                addr: Some(addr.to_string()),
                laddr: Some("127.0.0.1".to_string()),
                lport: Some(22),
                rdomain: None,
            };
            for kw in KEYWORDS {
                let Some(want) = oracle.get(kw) else { continue };
                let got = normalize(kw, &cfg.effective(kw, &conn).text());
                assert_eq!(&got, want, "{}: {kw} for {spec}", case.name);
                compared += 1;
            }
        }
    }
    // A configuration sshd refuses is one rampart refuses to judge.
    let bad = tmp.path().join("refused.conf");
    fs::write(
        &bad,
        "AuthenticationMethods publickey\nAuthenticationMethods any\n",
    )
    .unwrap();
    let out = Command::new(SSHD)
        .arg("-T")
        .arg("-f")
        .arg(&bad)
        .arg("-h")
        .arg(&key)
        .output()
        .unwrap();
    assert!(!out.status.success(), "sshd accepts {}", bad.display());
    let cfg = from_root(&root, &bad.display().to_string());
    assert!(!cfg.errors.is_empty(), "rampart accepts what sshd refuses");

    eprintln!("sshd -T oracle: {compared} values compared");
    assert!(compared > 100);
}
