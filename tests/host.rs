//! Host and offline-root scans end to end: the CHT install found on a host is
//! scanned as a tree that reports into the host's SARIF run at host paths;
//! no hash, password or secret from a scanned root reaches any report;
//! crypttab key file permissions; and `rampart scan --host` on this machine
//! completes with every host rule answered.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::Value;
use std::process::Command;

use rampart::outcome::Status;

fn rampart() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
}

fn run_json(args: &[&str]) -> (i32, Value) {
    let out = rampart()
        .args(args)
        .args([
            "--format",
            "json",
            "--no-progress",
            "--today",
            common::TODAY,
        ])
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, v)
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

#[test]
fn cht_install_on_a_root_is_scanned_as_a_tree_in_the_host_run() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "etc/hostname", "cht-web-1\n");
    write(
        r,
        "home/ubuntu/cht/upgrade-service/.env",
        "CHT_COMPOSE_PROJECT_NAME=cht\nCOUCHDB_USER=medic\nCOUCHDB_PASSWORD=rampart-test-secret-value\n",
    );
    write(
        r,
        "home/ubuntu/cht/compose/cht-couchdb.yml",
        "services:\n  couchdb:\n    image: public.ecr.aws/medic/cht-couchdb:5.2.0\n    ports:\n      - \"5984:5984\"\n    environment:\n      - COUCHDB_PASSWORD=${COUCHDB_PASSWORD}\n",
    );
    write(
        r,
        "var/lib/docker/volumes/cht_cht-ssl/_data/README",
        "certs\n",
    );
    let root = r.display().to_string();
    let sarif = r.join("out.sarif");
    let (_, json) = run_json(&["scan", "--root", &root, "--sarif", sarif.to_str().unwrap()]);
    let targets = json["targets"].as_array().unwrap();
    let tree = targets
        .iter()
        .find(|t| t["id"].as_str().unwrap().ends_with("#cht"))
        .expect("a derived CHT tree target");
    assert_eq!(tree["kind"], "tree");
    assert_eq!(tree["id"], format!("root:{root}#cht"));
    // A tree rule fires on the compose file, at the host path.
    let port = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule_id"] == "PORT-003" && r["status"] == "fail")
        .expect("PORT-003 fails on the published CouchDB port");
    assert_eq!(
        port["location"]["path"],
        "/home/ubuntu/cht/compose/cht-couchdb.yml"
    );
    // SARIF: one run (the host's), the tree's finding under hosts/<name>/.
    let s: Value = serde_json::from_slice(&fs::read(&sarif).unwrap()).unwrap();
    let runs = s["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "the derived tree joins the host run");
    assert_eq!(
        runs[0]["automationDetails"]["id"],
        "rampart/host/cht-web-1/"
    );
    let uris: Vec<&str> = runs[0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        uris.contains(&"hosts/cht-web-1/home/ubuntu/cht/compose/cht-couchdb.yml"),
        "{uris:?}"
    );
    let text = fs::read_to_string(&sarif).unwrap() + &json.to_string();
    assert!(!text.contains("rampart-test-secret-value"));
}

#[test]
fn no_hash_password_or_secret_reaches_a_report() {
    let fx = common::fixtures().join("hosts");
    let forbidden = [
        "FIXTURE.NOT.A.REAL.HASH",
        "fixturesalt",
        "fixtsalt",
        "FIXTUREnotREALhash",
        "ab0123456789.",
        "fixture-password-not-real",
        "fixture-secret-not-real",
    ];
    for host in [
        "legacy-accounts",
        "debian-default",
        "rhel-authselect",
        "encrypted-root-plain-srv",
    ] {
        let root = fx.join(host).display().to_string();
        for format in ["text", "json", "sarif"] {
            let out = rampart()
                .args(["scan", "--root", &root, "--no-progress", "--format", format])
                .output()
                .unwrap();
            let all = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            for f in forbidden {
                assert!(!all.contains(f), "{host} {format} report contains {f:?}");
            }
        }
    }
}

/// A live-style root whose / is on LUKS, with a crypttab key file of `mode`.
fn keyfile_root(mode: u32) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "proc/mounts", "/dev/mapper/root_crypt / ext4 rw 0 0\n");
    write(r, "proc/swaps", "Filename Type Size Used Priority\n");
    write(
        r,
        "sys/block/dm-0/dm/uuid",
        "CRYPT-LUKS2-00112233445566778899aabbccddeeff-root_crypt\n",
    );
    write(r, "sys/block/dm-0/dm/name", "root_crypt\n");
    write(r, "sys/block/vda/vda2/partition", "2\n");
    fs::create_dir_all(r.join("sys/block/dm-0/slaves")).unwrap();
    std::os::unix::fs::symlink("../../vda2", r.join("sys/block/dm-0/slaves/vda2")).unwrap();
    write(
        r,
        "etc/crypttab",
        "root_crypt UUID=1 none luks\ndata UUID=2 /etc/cryptsetup-keys.d/data.key luks\n",
    );
    write(r, "etc/cryptsetup-keys.d/data.key", "not a real key\n");
    fs::set_permissions(
        r.join("etc/cryptsetup-keys.d/data.key"),
        fs::Permissions::from_mode(mode),
    )
    .unwrap();
    d
}

#[test]
fn crypttab_key_file_permissions() {
    let am_root = nix::unistd::geteuid().is_root();
    let private = keyfile_root(0o400);
    let report = common::scan(private.path(), common::Kind::Root, &["DISK-004"], None);
    let statuses: Vec<Status> = report.results.iter().map(|f| f.status).collect();
    if am_root {
        assert_eq!(statuses, [Status::Pass], "{:?}", report.results[0].message);
    } else {
        // Not root: the file belongs to this user, which is itself a finding.
        assert!(
            report
                .results
                .iter()
                .any(|f| f.message.contains("is owned by uid"))
        );
    }
    let open = keyfile_root(0o644);
    let report = common::scan(open.path(), common::Kind::Root, &["DISK-004"], None);
    assert!(
        report
            .results
            .iter()
            .any(|f| f.status == Status::Fail && f.message.contains("has mode 0644")),
        "{:?}",
        report
            .results
            .iter()
            .map(|f| &f.message)
            .collect::<Vec<_>>()
    );
}

#[test]
fn live_host_scan_answers_every_host_rule() {
    let (code, json) = run_json(&[
        "scan",
        "--host",
        "--select",
        "disk-encryption,password-policy,token-login",
    ]);
    assert!(code == 0 || code == 1, "exit {code}: {json}");
    let results = json["results"].as_array().unwrap();
    for id in [
        "DISK-001",
        "DISK-002",
        "DISK-003",
        "DISK-004",
        "PASS-001",
        "PASS-002",
        "PASS-003",
        "PASS-004",
        "PASS-005",
        "PASS-006",
        "PASS-007",
        "PASS-008",
        "PASS-009",
        "TOKEN-008",
    ] {
        let mine: Vec<&Value> = results
            .iter()
            .filter(|r| r["rule_id"] == id && r["target"].as_str().unwrap().starts_with("host:"))
            .collect();
        assert!(!mine.is_empty(), "{id} has no result on the live host");
        for r in mine {
            let msg = r["message"].as_str().unwrap();
            assert!(!msg.contains("failed while evaluating"), "{id}: {msg}");
            if r["status"] == "not_evaluated" {
                assert!(!msg.is_empty(), "{id}: not evaluated without a reason");
            }
        }
    }
}

/// Without root, /etc/shadow cannot be read: the shadow rules say so and
/// never pass. As root the scan is re-run as `nobody` through setpriv.
#[test]
fn unprivileged_scan_reports_permission_denied() {
    let shadow = Path::new("/etc/shadow");
    let readable_by_all = fs::metadata(shadow).is_ok_and(|m| m.permissions().mode() & 0o004 != 0);
    if !shadow.exists() || readable_by_all {
        eprintln!("note: skipping: this machine's /etc/shadow is missing or world-readable");
        return;
    }
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_rampart"));
    let args = [
        "scan",
        "--host",
        "--select",
        "PASS-004,PASS-005",
        "--format",
        "json",
        "--no-progress",
    ];
    let out = if nix::unistd::geteuid().is_root() {
        if !Path::new("/usr/bin/setpriv").exists() {
            eprintln!("note: skipping: running as root and setpriv is not installed");
            return;
        }
        std::process::Command::new("/usr/bin/setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin)
            .args(args)
            .current_dir("/")
            .output()
            .unwrap()
    } else {
        std::process::Command::new(bin).args(args).output().unwrap()
    };
    if out.stdout.is_empty() {
        eprintln!(
            "note: skipping: the binary cannot run unprivileged here: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    for r in json["results"].as_array().unwrap() {
        assert_eq!(r["status"], "not_evaluated", "{r}");
        assert!(
            r["message"]
                .as_str()
                .unwrap()
                .contains("permission denied: run as root"),
            "{r}"
        );
    }
}

/// Hostile roots: binary, special and looping files and a looping device
/// stack become not-evaluated outcomes; nothing panics or passes.
#[test]
fn hostile_root_never_crashes_or_passes() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "proc/mounts", "/dev/mapper/a / ext4 rw 0 0\n");
    write(r, "proc/swaps", "Filename Type Size Used Priority\n");
    for (dev, other) in [("dm-0", "dm-1"), ("dm-1", "dm-0")] {
        write(r, &format!("sys/block/{dev}/dm/uuid"), "LVM-xyz\n");
        write(
            r,
            &format!("sys/block/{dev}/dm/name"),
            if dev == "dm-0" { "a\n" } else { "b\n" },
        );
        fs::create_dir_all(r.join(format!("sys/block/{dev}/slaves"))).unwrap();
        std::os::unix::fs::symlink(
            format!("../../{other}"),
            r.join(format!("sys/block/{dev}/slaves/{other}")),
        )
        .unwrap();
    }
    fs::create_dir_all(r.join("etc/pam.d")).unwrap();
    fs::write(r.join("etc/login.defs"), b"PASS_MAX_DAYS\x00\xff\xfe 90\n").unwrap();
    nix::unistd::mkfifo(&r.join("etc/pam.d/passwd"), nix::sys::stat::Mode::S_IRUSR).unwrap();
    write(r, "etc/pam.d/sshd", "auth include sshd\n");
    fs::create_dir_all(r.join("etc/ssh")).unwrap();
    std::os::unix::fs::symlink("sshd_config", r.join("etc/ssh/sshd_config")).unwrap();
    write(r, "etc/shadow", "garbage without colons\n");
    let report = common::scan(r, common::Kind::Root, &[], None);
    let mine = |id: &str| -> Vec<(Status, String)> {
        report
            .results
            .iter()
            .filter(|f| f.rule.id == id)
            .map(|f| (f.status, f.message.clone()))
            .collect()
    };
    for f in &report.results {
        assert!(
            !f.message.contains("failed while evaluating"),
            "{}: {}",
            f.rule.id,
            f.message
        );
    }
    let ne = |id: &str, want: &str| {
        let got = mine(id);
        assert!(
            got.iter()
                .any(|(s, m)| *s == Status::NotEvaluated && m.contains(want)),
            "{id}: {got:?}"
        );
        assert!(
            !got.iter().any(|(s, _)| *s == Status::Pass),
            "{id} passed: {got:?}"
        );
    };
    ne("DISK-001", "loops");
    ne("PASS-001", "binary");
    ne("PASS-003", "fifo");
    ne("PASS-009", "loop");
    ne("PASS-004", "not a shadow entry");
    ne("PASS-006", "symbolic links");
}
