//! Hostile input against the parsers, end to end: malformed files carrying a
//! planted secret never put it in an error, note or report; a file whose
//! parser cannot read it is `not_evaluated` naming the file; include fan-out
//! is cut by a budget that is named; non-UTF-8 files are never a silent pass.

mod common;

use std::fs;
use std::path::Path;

use rampart::outcome::Status;
use rampart::report;
use rampart::scan::Report;

const PLANTED: &str = "Xk9PlantedSecretQ";

fn write(root: &Path, rel: &str, content: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, content).unwrap();
}

fn rendered(r: &Report) -> Vec<(&'static str, String)> {
    vec![
        (
            "text",
            report::text::render(r, report::text::Style { color: false }),
        ),
        ("json", report::json::render(r)),
        ("sarif", report::sarif::render(r, None)),
    ]
}

/// Every file the tree scan reads, each malformed with the secret in a value.
fn malformed_tree(root: &Path) {
    let s = PLANTED;
    let files: Vec<(&str, String)> = vec![
        ("a/.env", format!("A=1\nCOUCHDB_PASSWORD={s}${{oops\n")),
        ("b/.env", format!("COUCHDB_PASSWORD=\"{s}\"{s}\n")),
        ("c/.env", format!("A=1\n{s} {s}\n")),
        ("c2/.env", format!("COUCHDB_PASSWORD=${{U:?{s}}}\n")),
        ("d/.env", format!("P=127.0.0.1:{s}:80/tcp\nQ={s}/tcp\n")),
        (
            "d/docker-compose.yml",
            "services:\n  couchdb:\n    image: couchdb\n    ports:\n      - \"${P}\"\n      - \"${Q}\"\n"
                .to_string(),
        ),
        (
            "o/docker-compose.yml",
            format!("services:\n  couchdb:\n    environment: {s}\n"),
        ),
        ("e/app_settings.json", format!("{{\"a\": \"{s}\\\u{e9}\"}}")),
        ("e2/app_settings.json", format!("{{\"a\": \"{s}\", \"b\": {s}}}")),
        (
            "f/users.csv",
            format!("username,password\nana,{s},extra\n\"bo,{s}\n"),
        ),
        (
            "g/local.ini",
            format!("admin = {s}\n[couchdb]\n[admins\nadmin = {s}\n"),
        ),
        ("h/vm.args", format!("-name x\n-setcookie\n{s}\n")),
        (
            "i/nginx.conf",
            format!("http {{\n  server {{\n    listen 443 ssl;\n    ssl_ciphers {s}\n"),
        ),
        (
            "j/sshd_config",
            format!("PasswordAuthentication no\n{s}\nBanner \"{s}\n"),
        ),
        ("k/pam.d/login", format!("{s} required pam_unix.so\n")),
        (
            "l/deploy.yaml",
            format!("apiVersion: v1\nkind: Secret\ndata:\n  a: \"{s}\n"),
        ),
        (
            "l2/deploy.yaml",
            format!("apiVersion: v1\nkind: Secret\ndata:\n  a: @{s}\n"),
        ),
        (
            "m/values.yaml",
            format!("couchdb:\n  password: {s}\n   bad: [\n"),
        ),
        (
            "n/cert.pem",
            format!("-----BEGIN CERTIFICATE-----\n{s}!!\n-----END CERTIFICATE-----\n"),
        ),
    ];
    for (rel, text) in files {
        write(root, rel, text.as_bytes());
    }
}

#[test]
fn a_planted_secret_is_in_no_error_note_or_report() {
    let tmp = tempfile::tempdir().unwrap();
    malformed_tree(tmp.path());
    let r = common::scan(tmp.path(), common::Kind::Tree, &[], None);
    for (format, out) in rendered(&r) {
        let leaks: Vec<&str> = out
            .lines()
            .filter(|l| l.contains("PlantedSecret"))
            .collect();
        assert!(
            leaks.is_empty(),
            "{format} report leaks:\n{}",
            leaks.join("\n")
        );
    }
    // The broken files are not silently passed over.
    let ne: Vec<String> = r
        .results
        .iter()
        .filter(|f| f.status == Status::NotEvaluated)
        .map(|f| f.message.clone())
        .collect();
    let all = ne.join("\n");
    for rel in [
        "a/.env",
        "b/.env",
        "c/.env",
        "e/app_settings.json",
        "f/users.csv",
    ] {
        assert!(all.contains(rel), "{rel} is not_evaluated:\n{all}");
    }
}

#[test]
fn a_json_escape_before_a_multibyte_char_does_not_end_the_scan() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "app_settings.json",
        format!("{{\"x\": \"{PLANTED}\\\u{e9}\"}}").as_bytes(),
    );
    write(tmp.path(), ".env", b"COUCHDB_PASSWORD=\n");
    let r = common::scan(tmp.path(), common::Kind::Tree, &[], None);
    let (_, text) = &rendered(&r)[0];
    assert!(text.contains("invalid escape"), "{text}");
    assert!(!text.contains("PlantedSecret"));
}
