//! The command line as users meet it: subcommands, exit codes, the JSON
//! contract, output files, waivers, colour, closed pipes, and hostile input
//! that must never abort or hang a scan.

mod common;

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn rampart() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rampart"));
    c.current_dir(common::repo()).env_remove("NO_COLOR");
    c
}

fn run(args: &[&str]) -> Output {
    rampart().args(args).output().expect("rampart runs")
}

/// A run with the report header's time pinned (reruns are byte-identical).
fn run_pinned(args: &[&str]) -> Output {
    rampart()
        .env("SOURCE_DATE_EPOCH", "1796031000")
        .args(args)
        .output()
        .expect("rampart runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o.stdout)))
}

const FIX: &str = "fixtures/open-ports";

#[test]
fn rules_and_explain() {
    let o = run(&["rules"]);
    assert_eq!(code(&o), 0);
    let out = text(&o.stdout);
    for id in ["PORT-001", "PORT-002", "PORT-007"] {
        assert!(out.contains(id), "{out}");
    }
    let o = run(&["rules", "--pack", "open-ports", "--format", "json"]);
    let list = json(&o);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|r| r["pack"] == "open-ports")
    );
    assert!(list.as_array().unwrap().len() >= 7);
    assert_eq!(code(&run(&["rules", "--pack", "nope"])), 2);

    let o = run(&["explain", "PORT-002"]);
    assert_eq!(code(&o), 0);
    let page = text(&o.stdout);
    assert!(
        page.starts_with("PORT-002 internal-service-port-exposed"),
        "{page}"
    );
    assert!(page.contains("## Why it matters") && page.contains("## How to fix"));
    assert!(!page.contains("+++"), "front matter is not printed raw");
    let o = run(&["explain", "port-002"]);
    assert_eq!(code(&o), 0, "ids are case-insensitive");
    let o = run(&["explain", "PORT-999"]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("PORT-001"),
        "suggests the pack's rules"
    );
}

#[test]
fn policy_show_and_check() {
    let o = run(&["policy", "show"]);
    assert_eq!(code(&o), 0);
    let shown: toml::Value = toml::from_str(&text(&o.stdout)).expect("show prints TOML");
    assert_eq!(shown["name"].as_str(), Some("baseline"));
    let o = run(&["policy", "show", "cht-production"]);
    let shown: toml::Value = toml::from_str(&text(&o.stdout)).unwrap();
    assert_eq!(shown["fail-on"].as_str(), Some("medium"));

    let d = tempfile::tempdir().unwrap();
    let good = d.path().join("good.toml");
    fs::write(
        &good,
        "extends = \"baseline\"\n[open-ports]\nallowed = [22, 443]\n",
    )
    .unwrap();
    let o = run(&["policy", "check", good.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("ok"));

    let bad = d.path().join("bad.toml");
    fs::write(
        &bad,
        "name = \"x\"\n[rules]\nselect = [\"PORT-001\"]\nbogus = 1\n",
    )
    .unwrap();
    let o = run(&["policy", "check", bad.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    let err = text(&o.stderr);
    assert!(err.contains("bad.toml:4") && err.contains("bogus"), "{err}");

    let o = run(&["scan", FIX, "--policy", bad.to_str().unwrap()]);
    assert_eq!(code(&o), 2, "a bad policy stops the scan");
    assert!(text(&o.stderr).contains("bad.toml:4"));
}

#[test]
fn exit_codes_follow_fail_on() {
    let fail = format!("{FIX}/PORT-003/fail-tree");
    let pass = format!("{FIX}/PORT-003/pass-tree");
    assert_eq!(
        code(&run(&["scan", &fail, "--select", "PORT-003"])),
        1,
        "critical ≥ high"
    );
    assert_eq!(
        code(&run(&[
            "scan",
            &fail,
            "--select",
            "PORT-003",
            "--fail-on",
            "never"
        ])),
        0
    );
    assert_eq!(
        code(&run(&[
            "scan",
            &fail,
            "--select",
            "PORT-004",
            "--fail-on",
            "critical"
        ])),
        0,
        "medium < critical"
    );
    assert_eq!(
        code(&run(&[
            "scan",
            &fail,
            "--select",
            "PORT-004",
            "--fail-on",
            "medium"
        ])),
        1
    );
    assert_eq!(code(&run(&["scan", &pass, "--select", "open-ports"])), 0);
    assert_eq!(code(&run(&["scan", &fail, "--select", "NOPE-1"])), 2);
    assert_eq!(
        code(&run(&["scan", &fail, "--format", "yaml"])),
        2,
        "clap usage errors"
    );

    // A target that does not exist makes the scan incomplete, but the other
    // target is still scanned and reported.
    let o = run(&[
        "scan",
        &fail,
        "no/such/dir",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(code(&o), 2);
    let j = json(&o);
    let targets = j["targets"].as_array().unwrap();
    assert!(
        targets
            .iter()
            .any(|t| t["id"] == "tree:no/such/dir" && t["error"] == "no such file or directory")
    );
    assert!(
        j["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["status"] == "fail")
    );

    // require-evaluated turns a not-evaluated rule into an incomplete scan.
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("req.toml");
    fs::write(&p, "require-evaluated = [\"PORT-003\"]\n").unwrap();
    let ne = format!("{FIX}/PORT-003/ne-tree-malformed");
    assert_eq!(
        code(&run(&["scan", &ne])),
        0,
        "not evaluated alone is not a failure"
    );
    let o = run(&["scan", &ne, "--policy", p.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stdout).contains("incomplete"),
        "{}",
        text(&o.stdout)
    );
}

fn check_contract(j: &Value) {
    assert_eq!(j["schema_version"], 1);
    assert_eq!(j["tool"]["name"], "rampart");
    assert!(j["tool"]["version"].is_string());
    assert!(j["policy"]["name"].is_string());
    let sha = j["policy"]["sha256"].as_str().unwrap();
    assert!(sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()));
    for t in j["targets"].as_array().unwrap() {
        assert!(t["id"].is_string() && t["kind"].is_string());
        assert!(t["environment"].is_null() || t["environment"].is_string());
    }
    let statuses = ["pass", "fail", "not_applicable", "not_evaluated", "waived"];
    let severities = ["info", "low", "medium", "high", "critical"];
    let results = j["results"].as_array().unwrap();
    for r in results {
        for k in [
            "rule_id",
            "rule_name",
            "pack",
            "target",
            "message",
            "fingerprint",
        ] {
            assert!(r[k].is_string(), "{k} in {r}");
        }
        assert!(statuses.contains(&r["status"].as_str().unwrap()));
        assert!(severities.contains(&r["severity"].as_str().unwrap()));
        assert!(r["evidence"].is_object());
        let loc = &r["location"];
        assert!(
            loc.is_null()
                || (loc["path"].is_string()
                    && (loc["line"].is_null() || loc["line"].as_u64().unwrap() >= 1)),
            "{loc}"
        );
    }
    for s in statuses {
        let n = results.iter().filter(|r| r["status"] == s).count() as u64;
        assert_eq!(j["summary"][s].as_u64(), Some(n), "summary.{s}");
    }
}

#[test]
fn json_report_matches_the_contract() {
    let o = run(&["scan", FIX, "--format", "json", "--fail-on", "never"]);
    assert_eq!(code(&o), 0);
    let j = json(&o);
    check_contract(&j);
    // Tree paths print the way ripgrep does: the path given, joined.
    let paths: Vec<&str> = j["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["location"]["path"].as_str())
        .collect();
    assert!(
        paths.iter().all(|p| p.starts_with("fixtures/open-ports/")),
        "{paths:?}"
    );
    assert!(paths.contains(&"fixtures/open-ports/PORT-006/fail-tree/couchdb/vm.args"));

    // Host paths are absolute inside the root.
    let o = run(&[
        "scan",
        "--root",
        &format!("{FIX}/PORT-002/fail-root"),
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    let j = json(&o);
    check_contract(&j);
    assert_eq!(
        j["targets"][0]["id"],
        format!("root:{FIX}/PORT-002/fail-root")
    );
    let r = j["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule_id"] == "PORT-002" && r["status"] == "fail")
        .unwrap();
    assert_eq!(r["location"]["path"], "/proc/net/tcp");
    assert_eq!(r["location"]["line"], 3);
    assert_eq!(r["evidence"]["process"], "docker-proxy (pid 4410)");
}

#[test]
fn one_scan_writes_every_format() {
    let d = tempfile::tempdir().unwrap();
    let jf = d.path().join("r.json");
    let sf = d.path().join("r.sarif");
    let tf = d.path().join("r.txt");
    let o = run(&[
        "scan",
        FIX,
        "--json",
        jf.to_str().unwrap(),
        "--sarif",
        sf.to_str().unwrap(),
        "--output",
        tf.to_str().unwrap(),
        "--fail-on",
        "never",
    ]);
    assert_eq!(code(&o), 0);
    assert!(o.stdout.is_empty(), "--output takes the console report");
    check_contract(&serde_json::from_str(&fs::read_to_string(&jf).unwrap()).unwrap());
    let sarif: Value = serde_json::from_str(&fs::read_to_string(&sf).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let txt = fs::read_to_string(&tf).unwrap();
    assert!(
        txt.contains("Scorecard") && !txt.contains('\x1b'),
        "no colour in files"
    );
}

#[test]
fn output_is_deterministic() {
    let a = run_pinned(&[
        "scan",
        FIX,
        "--format",
        "json",
        "-j",
        "1",
        "--fail-on",
        "never",
    ]);
    let b = run_pinned(&[
        "scan",
        FIX,
        "--format",
        "json",
        "-j",
        "4",
        "--fail-on",
        "never",
    ]);
    assert_eq!(text(&a.stdout), text(&b.stdout));
    let a = run_pinned(&[
        "scan",
        FIX,
        "--format",
        "sarif",
        "-j",
        "3",
        "--fail-on",
        "never",
    ]);
    let b = run_pinned(&[
        "scan",
        FIX,
        "--format",
        "sarif",
        "-j",
        "1",
        "--fail-on",
        "never",
    ]);
    assert_eq!(text(&a.stdout), text(&b.stdout));
}

#[test]
fn colour_only_when_asked() {
    let fail = format!("{FIX}/PORT-003/fail-tree");
    let o = run(&["scan", &fail, "--color", "always"]);
    assert!(text(&o.stdout).contains("\x1b["));
    let o = run(&["scan", &fail]);
    assert!(!text(&o.stdout).contains("\x1b["), "not a terminal");
}

#[test]
fn scans_the_current_directory_by_default() {
    let o = rampart()
        .current_dir(common::repo().join(FIX).join("PORT-003/fail-tree"))
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    let j = json(&o);
    assert_eq!(j["targets"][0]["id"], "tree:.");
    let paths: Vec<&str> = j["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["location"]["path"].as_str())
        .collect();
    assert!(paths.contains(&"docker-compose.yml"), "{paths:?}");
}

#[test]
fn a_closed_pipe_exits_zero() {
    let bin = env!("CARGO_BIN_EXE_rampart");
    let script = format!(
        "set -o pipefail; '{bin}' scan '{}' --format sarif --fail-on never | head -c 16 >/dev/null",
        common::repo().join(FIX).display()
    );
    let status = Command::new("bash").args(["-c", &script]).status().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn waivers_apply_expire_and_are_reported() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("waive.toml");
    fs::write(
        &p,
        "[[waiver]]\nrule = \"PORT-003\"\npath = \"**/fail-tree/docker-compose.yml\"\nreason = \"lab network, SEC-7\"\nexpires = 2027-06-30\n\n\
         [[waiver]]\nrule = \"PORT-004\"\nreason = \"old\"\nexpires = 2025-01-01\n\n\
         [[waiver]]\nrule = \"PORT-001\"\ntarget = \"host:nowhere\"\nreason = \"unused\"\nexpires = 2027-01-01\n",
    )
    .unwrap();
    let fail = format!("{FIX}/PORT-003/fail-tree");
    let o = run(&[
        "scan",
        &fail,
        "--select",
        "open-ports",
        "--policy",
        p.to_str().unwrap(),
        "--format",
        "json",
        "--today",
        "2026-11-22",
    ]);
    let j = json(&o);
    check_contract(&j);
    let results = j["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .filter(|r| r["rule_id"] == "PORT-003")
            .all(|r| r["status"] == "waived")
    );
    assert!(
        results
            .iter()
            .any(|r| r["rule_id"] == "PORT-004" && r["status"] == "fail")
    );
    let w = j["waivers"].as_array().unwrap();
    assert_eq!(w[0]["status"], "applied");
    assert_eq!(w[0]["matched"], 3);
    assert_eq!(w[1]["status"], "expired");
    assert!(w[1]["matched"].as_u64().unwrap() > 0);
    assert_eq!(w[2]["status"], "unused");
    // PORT-004 (medium) is below fail-on high, and PORT-003 is waived.
    assert_eq!(j["exit_code"], 0);
    assert_eq!(code(&o), 0);

    let o = run(&[
        "scan",
        &fail,
        "--select",
        "open-ports",
        "--policy",
        p.to_str().unwrap(),
        "--format",
        "sarif",
        "--today",
        "2026-11-22",
    ]);
    // GitHub ignores `suppressions`: waived findings stay out by default...
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .all(|r| r["ruleId"] != "PORT-003" && r["suppressions"].is_null()),
        "{results:?}"
    );
    // ... and come back, suppressed, when asked for.
    let o = run(&[
        "scan",
        &fail,
        "--select",
        "open-ports",
        "--policy",
        p.to_str().unwrap(),
        "--format",
        "sarif",
        "--sarif-waived",
        "include",
        "--today",
        "2026-11-22",
    ]);
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let waived: Vec<&Value> = results
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .collect();
    assert_eq!(waived.len(), 3);
    assert!(
        waived[0]["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .contains("lab network")
    );

    let o = run(&[
        "scan",
        &fail,
        "--select",
        "open-ports",
        "--policy",
        p.to_str().unwrap(),
        "--today",
        "2026-11-22",
    ]);
    let t = text(&o.stdout);
    assert!(
        t.contains("Waived (3)")
            && t.contains("expired on 2025-01-01")
            && t.contains("matches nothing"),
        "{t}"
    );
}

/// Hostile trees: escaping symlinks, FIFOs, huge and binary files, loops.
#[test]
fn hostile_input_never_aborts_or_hangs() {
    let d = tempfile::tempdir().unwrap();
    let t = d.path().join("tree");
    fs::create_dir_all(t.join("a/b")).unwrap();
    let outside = d.path().join("outside.yml");
    fs::write(
        &outside,
        "services:\n  plantedoutsidesvc:\n    ports: [\"5984:5984\"]\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&outside, t.join("docker-compose.yml")).unwrap();
    std::os::unix::fs::symlink("../../..", t.join("a/b/up")).unwrap();
    std::os::unix::fs::symlink("loop2.yml", t.join("a/loop1.yml")).unwrap();
    std::os::unix::fs::symlink("loop1.yml", t.join("a/loop2.yml")).unwrap();
    nix::unistd::mkfifo(&t.join("a/compose.yml"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    fs::write(
        t.join("a/b/docker-compose.yaml"),
        "services:\n  web:\n    ports: [\"8080:80\"]\n",
    )
    .unwrap();
    fs::write(t.join("big.yml"), "x: 1\n".repeat(300_000)).unwrap();
    fs::write(t.join("a/.env"), b"\0\0\0ELF").unwrap();

    let start = Instant::now();
    let mut child = rampart()
        .args([
            "scan",
            t.to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "never",
            "--max-file-size",
            "1000000",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "the scan must not hang on a FIFO"
    );
    assert_eq!(status.code(), Some(0));
    let j: Value = serde_json::from_str(&out).unwrap();
    let results = j["results"].as_array().unwrap();
    let ne: Vec<String> = results
        .iter()
        .filter(|r| r["status"] == "not_evaluated")
        .map(|r| r["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        ne.iter().any(|m| m.contains("docker-compose.yml")
            && m.contains("symlink leads out of the scanned root")),
        "{ne:?}"
    );
    assert!(
        ne.iter()
            .any(|m| m.contains("compose.yml") && m.contains("not a regular file (fifo)")),
        "{ne:?}"
    );
    // Fingerprints are hex and may hold any digits: look only at what was
    // read (messages, evidence, locations), and for a name no hash can hold.
    assert!(
        !out.contains("plantedoutsidesvc"),
        "nothing outside the tree was read"
    );
    // (The temporary directory's random name may hold digits too.)
    for r in results {
        let read = format!("{} {}", r["message"], r["evidence"]);
        assert!(
            !read.contains("5984"),
            "nothing outside the tree was read: {read}"
        );
    }
    // The rest of the tree is still judged.
    assert!(results.iter().any(|r| {
        r["rule_id"] == "PORT-004"
            && r["status"] == "fail"
            && r["location"]["path"]
                .as_str()
                .unwrap()
                .ends_with("a/b/docker-compose.yaml")
    }));
    let notes = j["targets"][0]["notes"].to_string();
    assert!(
        notes.contains("big.yml") && notes.contains("cap"),
        "{notes}"
    );
}

#[test]
fn unreadable_files_are_not_evaluated() {
    if nix::unistd::geteuid().is_root() {
        eprintln!(
            "note: running as root, file permissions cannot make a file unreadable; covered by the FIFO and directory cases"
        );
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("docker-compose.yml");
    fs::write(&f, "services: {}\n").unwrap();
    fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let o = run(&[
        "scan",
        d.path().to_str().unwrap(),
        "--format",
        "json",
        "--select",
        "PORT-003",
    ]);
    assert!(text(&o.stdout).contains("permission denied"));
}

#[test]
fn no_secret_reaches_any_report() {
    let d = tempfile::tempdir().unwrap();
    let t = d.path();
    let planted = [
        "Pl4nted-Couch-Pass",
        "pl4nted-cookie-value",
        "pl4nted-url-pass",
        "pl4nted-admin-ini",
    ];
    fs::write(
        t.join(".env"),
        format!("COUCHDB_PASSWORD={}\nPORT_X=${{NOPE}}\n", planted[0]),
    )
    .unwrap();
    fs::write(
        t.join("docker-compose.yml"),
        format!(
            "services:\n  api:\n    environment:\n      - COUCH_URL=http://admin:{}@haproxy:5984/medic\n      - COUCHDB_PASSWORD=${{COUCHDB_PASSWORD}}\n    ports:\n      - \"5988:5988\"\n      - \"${{PORT_X}}:1\"\n",
            planted[2]
        ),
    )
    .unwrap();
    fs::write(t.join("vm.args"), format!("-setcookie '{}'\n", planted[1])).unwrap();
    fs::write(
        t.join("local.ini"),
        format!(
            "[admins]\nadmin = {}\n[chttpd]\nrequire_valid_user = false\n",
            planted[3]
        ),
    )
    .unwrap();
    for fmt in ["text", "json", "sarif"] {
        let o = run(&[
            "scan",
            t.to_str().unwrap(),
            "--format",
            fmt,
            "--fail-on",
            "never",
        ]);
        let out = text(&o.stdout) + &text(&o.stderr);
        assert!(
            out.contains("PORT-007") || fmt == "sarif" && out.contains("PORT-003"),
            "{out}"
        );
        for p in planted {
            assert!(!out.contains(p), "{fmt} report leaks {p}");
        }
    }
}

/// Non-loopback listeners as `ss -tulnH` shows them: `proto/port`.
fn ss_listeners() -> Option<Vec<String>> {
    let ss = Command::new("ss").arg("-tulnH").output().ok()?;
    let mut out: Vec<String> = text(&ss.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let local = f.get(4)?;
            let (addr, port) = local.rsplit_once(':')?;
            let addr = addr
                .split('%')
                .next()
                .unwrap_or(addr)
                .trim_matches(['[', ']']);
            let addr = if addr == "*" { "::" } else { addr };
            let ip: std::net::IpAddr = addr.parse().ok()?;
            let ip = match ip {
                std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
                v4 => v4,
            };
            (!ip.is_loopback()).then(|| format!("{}/{}", f[0], port))
        })
        .collect();
    out.sort();
    out.dedup();
    Some(out)
}

/// Non-loopback listeners as rampart reports them under PORT-001/PORT-002.
fn rampart_listeners() -> Vec<String> {
    let o = run(&[
        "scan",
        "--host",
        "--select",
        "PORT-001,PORT-002",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    let j = json(&o);
    let mut got: Vec<String> = Vec::new();
    for r in j["results"].as_array().unwrap() {
        if r["status"] == "fail" {
            got.push(format!(
                "{}/{}",
                r["evidence"]["protocol"].as_str().unwrap(),
                r["evidence"]["port"]
            ));
        }
        // Allowed listeners pass; they are listed in the pass evidence.
        if r["status"] == "pass" {
            for c in r["evidence"]["checked"].as_array().unwrap() {
                let c = c.as_str().unwrap();
                if let Some((proto, addr)) = c.split_once(' ')
                    && let Some((_, port)) = addr.rsplit_once(':')
                {
                    got.push(format!("{proto}/{port}"));
                }
            }
        }
    }
    got.sort();
    got.dedup();
    got
}

/// The live host's listeners are exactly what `ss -tulnH` shows.
#[test]
fn live_listeners_match_ss() {
    if ss_listeners().is_none() {
        assert!(
            std::env::var_os("RAMPART_REQUIRE_PEERS").is_none(),
            "ss (iproute2) is required"
        );
        eprintln!("note: ss not installed; skipping the live listener oracle");
        return;
    }
    // Make sure there is something non-loopback to see.
    let tcp = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let udp = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    // Other processes may open or close sockets between the two readings:
    // agree on one of a few attempts.
    let mut last = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let before = ss_listeners().unwrap();
        let got = rampart_listeners();
        let after = ss_listeners().unwrap();
        if got == before && got == after {
            let tport = tcp.local_addr().unwrap().port();
            let uport = udp.local_addr().unwrap().port();
            assert!(got.contains(&format!("tcp/{tport}")) && got.contains(&format!("udp/{uport}")));
            return;
        }
        last = (got, after);
    }
    panic!(
        "rampart vs ss -tulnH (non-loopback):\n rampart {:?}\n ss      {:?}",
        last.0, last.1
    );
}

#[test]
fn single_files_and_missing_paths() {
    let missing = Path::new("fixtures/does-not-exist");
    let o = run(&["scan", missing.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stdout).contains("no such file or directory"));

    let file = format!("{FIX}/PORT-003/fail-tree/docker-compose.yml");
    let o = run(&["scan", &file, "--format", "json", "--select", "PORT-003"]);
    assert_eq!(code(&o), 1);
    let j = json(&o);
    assert_eq!(
        j["targets"][0]["files"], 2,
        "the file and the .env beside it"
    );
    let paths: Vec<&str> = j["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["location"]["path"].as_str())
        .collect();
    assert!(paths.iter().all(|p| *p == file), "{paths:?}");
    assert_eq!(j["results"].as_array().unwrap().len(), 3);

    // A file rampart does not read leaves nothing evaluable: exit 2, and
    // the reason on standard error as well as in the report.
    let o = run(&["scan", "README.md", "--format", "json"]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stdout).contains("not a configuration file rampart reads"));
    assert!(
        text(&o.stderr).contains("tree:README.md: nothing could be evaluated"),
        "{}",
        text(&o.stderr)
    );
}
