//! A newcomer's first hour (issue 11, items 1–9) and the report side of
//! hostile input (issue 9: terminal injection, bounded results, `--jobs`):
//! honest exit codes, errors on standard error, outputs checked before the
//! scan, closed pipes, `policy check`, a text report one can act on, and no
//! line of it forged by a scanned name.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn rampart() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rampart"));
    c.current_dir(common::repo())
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS");
    c
}

fn run(args: &[&str]) -> Output {
    rampart().args(args).output().expect("rampart runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

const WEAK_ENV: &str = "COUCHDB_USER=medic\nCOUCHDB_PASSWORD=password\n";

/// Item 1: the tests need nothing outside the repository: the SARIF schema
/// is vendored with its OASIS notice.
#[test]
fn the_sarif_schema_is_in_the_repo() {
    let schema = common::repo().join("tests/data/sarif-schema-2.1.0.json");
    let v: Value = serde_json::from_str(&fs::read_to_string(&schema).unwrap()).unwrap();
    assert_eq!(
        v["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    let notice =
        fs::read_to_string(common::repo().join("tests/data/sarif-schema-2.1.0.NOTICE.md")).unwrap();
    assert!(notice.contains("Copyright © OASIS Open"));
}

/// Item 3: a scan that checks nothing exits 2 with the reason on stderr.
#[test]
fn nothing_evaluable_exits_2() {
    let d = tempfile::tempdir().unwrap();
    let empty = d.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let o = run(&["scan", empty.to_str().unwrap(), "--format", "sarif"]);
    assert_eq!(code(&o), 2);
    let err = text(&o.stderr);
    assert!(
        err.contains("nothing could be evaluated") && err.contains("no configuration file"),
        "{err}"
    );
    // The SARIF on stdout is still a valid upload.
    let _: Value = serde_json::from_slice(&o.stdout).unwrap();

    // A mistyped path under a readable parent.
    let typo = d.path().join("deplyo");
    let o = run(&["scan", typo.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("no such file or directory"));

    // A TLS endpoint that refuses: bind a port, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ep = format!("127.0.0.1:{port}");
    let o = run(&[
        "scan",
        "--tls",
        &ep,
        "--tls-deadline",
        "5",
        "--http-port",
        "0",
    ]);
    assert_eq!(code(&o), 2, "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("tls:{ep}: nothing could be evaluated")) && err.contains("refused"),
        "{err}"
    );
    // The endpoint is not repeated in front of its own message.
    assert!(
        !text(&o.stdout).contains(&format!("{ep}: connection")),
        "{}",
        text(&o.stdout)
    );

    // --select that leaves no rule, and one that leaves none for the target.
    let o = run(&[
        "scan",
        "fixtures/open-ports",
        "--select",
        "PORT-003",
        "--ignore",
        "open-ports",
    ]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("no rule selected"));
    let o = run(&["scan", "fixtures/open-ports", "--select", "PORT-001"]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("no selected rule applies to a tree target"));

    // A tree with something to judge is not affected.
    let ok = d.path().join("ok");
    fs::create_dir(&ok).unwrap();
    fs::write(ok.join(".env"), "COUCHDB_PASSWORD=x7#Lq!v9Tz@4rWm2Ke8p\n").unwrap();
    let o = run(&["scan", ok.to_str().unwrap(), "--select", "PASS-010"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
}

/// Item 3: a `--tls` name that does not resolve exits 2 with the reason on
/// stderr. Run in a fresh network namespace (`unshare -n`, root only) so no
/// DNS query leaves the machine; skipped with a visible reason where that
/// is not allowed, unless RAMPART_REQUIRE_PEERS=1.
#[test]
fn an_unresolvable_tls_name_exits_2() {
    let probe = Command::new("unshare").args(["-n", "true"]).output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        let why = "`unshare -n` is not available here (needs root and util-linux)";
        assert!(
            std::env::var("RAMPART_REQUIRE_PEERS").as_deref() != Ok("1"),
            "RAMPART_REQUIRE_PEERS=1 but {why}"
        );
        eprintln!("skipped: {why}");
        return;
    }
    let o = Command::new("unshare")
        .current_dir(common::repo())
        .args(["-n", env!("CARGO_BIN_EXE_rampart"), "scan", "--tls"])
        .args(["nosuch.example:443", "--tls-deadline", "5"])
        .output()
        .expect("unshare runs");
    assert_eq!(code(&o), 2, "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(
        err.contains("tls:nosuch.example:443: nothing could be evaluated")
            && err.contains("cannot resolve nosuch.example"),
        "{err}"
    );
}

/// Item 3: an unreadable target directory is not a clean scan (as root,
/// re-run as `nobody` through setpriv).
#[test]
fn an_unreadable_directory_exits_2() {
    let d = tempfile::tempdir().unwrap();
    fs::set_permissions(
        d.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let locked = d.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::write(locked.join(".env"), WEAK_ENV).unwrap();
    fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let bin = env!("CARGO_BIN_EXE_rampart");
    let o = if nix::unistd::geteuid().is_root() {
        if !Path::new("/usr/bin/setpriv").exists() {
            eprintln!("note: skipping: running as root and setpriv is not installed");
            return;
        }
        Command::new("/usr/bin/setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin)
            .args(["scan", locked.to_str().unwrap()])
            .current_dir("/")
            .output()
            .unwrap()
    } else {
        Command::new(bin)
            .args(["scan", locked.to_str().unwrap()])
            .output()
            .unwrap()
    };
    if o.stdout.is_empty() && o.stderr.is_empty() {
        eprintln!("note: skipping: the binary cannot run unprivileged here");
        return;
    }
    assert_eq!(code(&o), 2, "{}{}", text(&o.stdout), text(&o.stderr));
    assert!(text(&o.stderr).contains("locked"), "{}", text(&o.stderr));
}

/// Item 4: errors and warnings reach stderr even when stdout is SARIF.
#[test]
fn errors_and_warnings_go_to_stderr() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("docker-compose.yml"), "services: [\n").unwrap();
    let o = run(&[
        "scan",
        d.path().to_str().unwrap(),
        "fixtures/does-not-exist",
        "--format",
        "sarif",
    ]);
    assert_eq!(code(&o), 2);
    let err = text(&o.stderr);
    assert!(
        err.contains("rampart: error: tree:fixtures/does-not-exist"),
        "{err}"
    );
    assert!(
        err.contains("rampart: warning:") && err.contains("not be evaluated"),
        "{err}"
    );
    // -q keeps the errors and drops the warnings.
    let o = run(&[
        "scan",
        d.path().to_str().unwrap(),
        "fixtures/does-not-exist",
        "--format",
        "sarif",
        "-q",
    ]);
    let err = text(&o.stderr);
    assert!(
        err.contains("rampart: error:") && !err.contains("warning"),
        "{err}"
    );
}

/// Item 5: output paths are checked before the scan, and every output
/// that can be written is.
#[test]
fn outputs_are_checked_first_and_the_others_still_written() {
    let d = tempfile::tempdir().unwrap();
    let json = d.path().join("r.json");
    let sarif = d.path().join("r.sarif");
    let o = run(&[
        "scan",
        "fixtures/open-ports/PORT-003/fail-tree",
        "--output",
        "/nonexistent-dir/report.txt",
        "--json",
        json.to_str().unwrap(),
        "--sarif",
        sarif.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    let err = text(&o.stderr);
    assert!(
        err.starts_with("rampart: error: --output /nonexistent-dir/report.txt: cannot write"),
        "reported before anything else: {err}"
    );
    let _: Value = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    let _: Value = serde_json::from_str(&fs::read_to_string(&sarif).unwrap()).unwrap();
    // A directory is not a writable file either.
    let o = run(&[
        "scan",
        "fixtures/open-ports/PORT-003/fail-tree",
        "--json",
        d.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("--json"));
}

/// Item 6: `| head` never changes the exit code the findings decide.
#[test]
fn a_closed_stdout_keeps_the_exit_code() {
    let bin = env!("CARGO_BIN_EXE_rampart");
    for (args, want) in [
        ("--fail-on high", 1),
        ("--fail-on never", 0),
        ("--fail-on high --format json", 1),
    ] {
        let script = format!(
            "'{bin}' scan '{}' {args} | head -c 1 >/dev/null; echo \"${{PIPESTATUS[0]}}\"",
            common::repo().join("fixtures").display()
        );
        let o = Command::new("bash").args(["-c", &script]).output().unwrap();
        assert_eq!(text(&o.stdout).trim(), want.to_string(), "{args}");
    }
}

/// Item 7: `policy check` reports every problem with file:line.
#[test]
fn policy_check_reports_every_problem() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("p.toml");
    fs::write(
        &p,
        "extends = \"basline\"\nfail-on = \"hihg\"\n[rules]\nselekt = [\"PORT\"]\n[open-ports]\nallowed = [0]\n",
    )
    .unwrap();
    let o = run(&["policy", "check", p.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    let err = text(&o.stderr);
    for want in [
        "p.toml:1: extends `basline`: no such policy",
        "p.toml:2: bad fail-on `hihg`: expected info, low, medium, high, critical or never",
        "p.toml:4: unknown key `selekt` in [rules]",
        "p.toml:6: a port must be between 1 and 65535",
        "4 problems",
    ] {
        assert!(err.contains(want), "{want}:\n{err}");
    }
}

/// Item 8: the text report wraps (100 columns off a terminal), folds
/// not-evaluated findings by reason, counts consistently, does not repeat
/// the path in messages, and sorts line numbers as numbers.
#[test]
fn the_text_report_is_actionable() {
    let d = tempfile::tempdir().unwrap();
    for i in 0..6 {
        let dir = d.path().join(format!("site{i}"));
        fs::create_dir(&dir).unwrap();
        // COUCHDB_PASSWORD comes from a missing .env: not evaluated.
        fs::write(
            dir.join("docker-compose.yml"),
            "services:\n  couchdb:\n    image: couchdb\n    environment:\n      COUCHDB_PASSWORD: ${COUCHDB_PASSWORD}\n",
        )
        .unwrap();
    }
    let mut env = String::new();
    for i in 0..12 {
        env.push_str(&format!("# line {i}\n"));
    }
    env.push_str("COUCHDB_PASSWORD=password\n");
    fs::write(d.path().join("site0/.env.prod"), &env).unwrap();
    let long = d
        .path()
        .join(format!("{}.env", "a-very-long-name".repeat(8)));
    fs::write(&long, "COUCHDB_PASSWORD=admin\n").unwrap();
    let o = run(&[
        "scan",
        d.path().to_str().unwrap(),
        "--select",
        "PASS-010",
        "--fail-on",
        "never",
    ]);
    let out = text(&o.stdout);
    for l in out.lines() {
        assert!(
            l.chars().count() <= 100,
            "{} columns: {l}",
            l.chars().count()
        );
    }
    // One entry for the six not-evaluated findings with one reason.
    assert!(
        out.contains("Not evaluated (6 findings, 1 reason)"),
        "{out}"
    );
    assert!(out.contains("6× "), "{out}");
    assert!(out.contains("and 3 more"), "{out}");
    // Counts agree: the Failures header and the Result line.
    assert!(out.contains("Failures (2 findings in 1 control)"), "{out}");
    assert!(out.contains("Result: 2 failures"), "{out}");
    assert!(out.contains("6 not evaluated"), "{out}");
    // No message repeats its own path.
    let fail_lines: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("Failures"))
        .take_while(|l| !l.starts_with("Not evaluated"))
        .collect();
    let messages: Vec<&&str> = fail_lines
        .iter()
        .filter(|l| l.contains("admin password"))
        .collect();
    assert_eq!(messages.len(), 2, "{out}");
    for l in messages {
        assert!(
            !l.contains("a-very-long") && !l.contains(".env.prod"),
            "path repeated: {l}"
        );
    }

    // Line numbers sort as numbers (9 before 10), in the JSON as in text.
    let f = d.path().join("lines");
    fs::create_dir(&f).unwrap();
    let mut compose = String::from("services:\n");
    for i in 0..12 {
        compose.push_str(&format!("  s{i}:\n    ports: [\"{}:5984\"]\n", 6000 + i));
    }
    fs::write(f.join("docker-compose.yml"), &compose).unwrap();
    let o = run(&["scan", f.to_str().unwrap(), "--select", "PORT-003"]);
    let out = text(&o.stdout);
    let lines: Vec<u32> = out
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix(&format!("{}/docker-compose.yml:", f.display()))
        })
        .filter_map(|n| n.split_whitespace().next()?.parse().ok())
        .collect();
    assert!(lines.len() >= 10, "{out}");
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted, "{out}");
}

/// Item 9: folders named test/tests make no phantom environment.
#[test]
fn test_folders_are_not_an_environment() {
    let d = tempfile::tempdir().unwrap();
    for dir in ["test", "tests", "app"] {
        fs::create_dir(d.path().join(dir)).unwrap();
        fs::write(d.path().join(dir).join(".env"), WEAK_ENV).unwrap();
    }
    let o = run(&["scan", d.path().to_str().unwrap(), "--format", "sarif"]);
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<&str> = sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["automationDetails"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["rampart/tree/"], "no phantom env run");
}

/// Item 9: a policy without `name` is named after its file, not `baseline`.
#[test]
fn a_policy_without_a_name_is_named_after_its_file() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("team.toml");
    fs::write(&p, "fail-on = \"critical\"\n").unwrap();
    let o = run(&["policy", "check", p.to_str().unwrap()]);
    assert!(
        text(&o.stdout).contains("policy team "),
        "{}",
        text(&o.stdout)
    );
}

/// Item 9: cht-production's header promises only what it sets.
#[test]
fn cht_production_header_matches_its_settings() {
    let text = fs::read_to_string(common::repo().join("policies/cht-production.toml")).unwrap();
    let p = rampart::policy::load(Some("cht-production")).unwrap();
    let base = rampart::policy::load(Some("baseline")).unwrap();
    assert!(text.contains("16-character account passwords (baseline 12)"));
    assert_eq!((p.password.min_length, base.password.min_length), (16, 12));
    assert!(text.contains("DISK-002") && p.severity_of("DISK-002").is_some());
    assert!(!text.contains("Longer\n# CouchDB admin passwords"));
}

/// Item 9: `explain` takes the kebab name too and prints the title once.
#[test]
fn explain_takes_names_and_prints_the_title_once() {
    let by_id = run(&["explain", "PORT-002"]);
    let by_name = run(&["explain", "internal-service-port-exposed"]);
    assert_eq!(code(&by_name), 0);
    assert_eq!(by_id.stdout, by_name.stdout);
    let page = text(&by_id.stdout);
    assert_eq!(
        page.matches("internal-service-port-exposed").count(),
        1,
        "{page}"
    );
}

/// Item 9: TLS-015 on a host whose /etc/ssl/private cannot be listed is
/// not evaluated, never "no private keys" (run as `nobody`).
#[test]
fn tls015_with_an_unreadable_key_directory_is_not_evaluated() {
    let d = tempfile::tempdir().unwrap();
    fs::set_permissions(
        d.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let root = d.path();
    fs::create_dir_all(root.join("etc/ssl/private")).unwrap();
    fs::write(root.join("etc/hostname"), "web-1\n").unwrap();
    fs::write(root.join("etc/ssl/private/key.pem"), "not a key\n").unwrap();
    for dir in ["etc", "etc/ssl"] {
        fs::set_permissions(
            root.join(dir),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
    }
    fs::set_permissions(
        root.join("etc/ssl/private"),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_rampart");
    let args = [
        "scan",
        "--root",
        root.to_str().unwrap(),
        "--select",
        "TLS-015",
        "--format",
        "json",
    ];
    let o = if nix::unistd::geteuid().is_root() {
        if !Path::new("/usr/bin/setpriv").exists() {
            eprintln!("note: skipping: running as root and setpriv is not installed");
            return;
        }
        Command::new("/usr/bin/setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin)
            .args(args)
            .current_dir("/")
            .output()
            .unwrap()
    } else {
        Command::new(bin).args(args).output().unwrap()
    };
    if o.stdout.is_empty() {
        eprintln!("note: skipping: the binary cannot run unprivileged here");
        return;
    }
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let r: Vec<&Value> = j["results"].as_array().unwrap().iter().collect();
    assert!(
        r.iter().any(|r| r["status"] == "not_evaluated"
            && r["message"]
                .as_str()
                .unwrap()
                .contains("private-key directory could not be listed")),
        "{r:?}"
    );
    assert!(r.iter().all(|r| r["status"] != "not_applicable"), "{r:?}");
}

/// Issue 9 item 5: names from the scanned world cannot forge report lines
/// or reach the terminal raw.
#[test]
fn scanned_names_cannot_forge_lines_or_drive_the_terminal() {
    let d = tempfile::tempdir().unwrap();
    let names = [
        "x\nCRITICAL PASS-999 forged-line\n",
        "esc\x1b[2J\x1b]0;owned\x07",
        "cr\roverwrite",
        "rtl\u{202e}vne.",
        "c1\u{9b}31m",
    ];
    for n in names {
        let dir = d.path().join(n);
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join(".env"), WEAK_ENV).unwrap();
    }
    for format in ["text", "github"] {
        let o = run(&[
            "scan",
            d.path().to_str().unwrap(),
            "--select",
            "PASS-010",
            "--format",
            format,
            "--color",
            "never",
        ]);
        assert_eq!(code(&o), 1, "{}", text(&o.stderr));
        let out = text(&o.stdout);
        assert!(
            out.matches("/.env").count() >= 5,
            "every planted file is judged: {out}"
        );
        for l in out.lines() {
            assert!(
                !l.trim_start().starts_with("CRITICAL PASS-999"),
                "{format}: forged line: {l:?}"
            );
        }
        for bad in ['\x1b', '\x07', '\r', '\u{202e}', '\u{9b}'] {
            assert!(!out.contains(bad), "{format}: raw {:?} in {out:?}", bad);
        }
        assert!(
            out.contains("x\\x0aCRITICAL PASS-999 forged-line\\x0a"),
            "{out}"
        );
        let err = text(&o.stderr);
        assert!(!err.contains('\x1b') && !err.contains('\r'), "{err:?}");
    }
    // Invalid UTF-8 in a name is shown escaped, not dropped or raw.
    use std::os::unix::ffi::OsStrExt;
    let e = tempfile::tempdir().unwrap();
    let dir = e.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join(".env"), WEAK_ENV).unwrap();
    let o = run(&["scan", e.path().to_str().unwrap(), "--select", "PASS-010"]);
    let out = text(&o.stdout);
    assert!(!out.contains('\u{fffd}'), "{out}");
}

/// Issue 9 item 10: a flood of findings in one file folds into one.
#[test]
fn results_are_bounded_per_rule_and_file() {
    let d = tempfile::tempdir().unwrap();
    let mut compose = String::from("services:\n");
    for i in 0..300 {
        compose.push_str(&format!("  s{i}:\n    ports: [\"{}:5984\"]\n", 10_000 + i));
    }
    fs::write(d.path().join("docker-compose.yml"), &compose).unwrap();
    let o = run(&[
        "scan",
        d.path().to_str().unwrap(),
        "--select",
        "PORT-003",
        "--format",
        "json",
    ]);
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let fails: Vec<&Value> = j["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .collect();
    assert_eq!(fails.len(), 100, "99 listed, one folded");
    let folded: Vec<&&Value> = fails
        .iter()
        .filter(|r| r["evidence"]["folded_findings"].is_number())
        .collect();
    assert_eq!(folded.len(), 1);
    assert_eq!(folded[0]["evidence"]["folded_findings"], 201);
    assert!(
        folded[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("201 more findings")
    );
}

/// Issue 9 item 11: `--jobs` is capped, with a note.
#[test]
fn jobs_are_capped() {
    let o = run(&[
        "scan",
        "fixtures/open-ports/PORT-003/fail-tree",
        "--jobs",
        "100000",
        "--fail-on",
        "never",
    ]);
    assert_eq!(code(&o), 0);
    let err = text(&o.stderr);
    assert!(
        err.contains("--jobs 100000") && err.contains("at most 256"),
        "{err}"
    );
}
