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

fn tls012(r: &Report) -> Vec<(Status, String)> {
    r.results
        .iter()
        .filter(|f| f.rule.id == "TLS-012")
        .map(|f| (f.status, f.message.clone()))
        .collect()
}

/// A main nginx.conf that enables TLSv1, and `n` files in conf.d that each
/// include every file of conf.d.
fn nginx_fan_out(root: &Path, n: usize) {
    write(
        root,
        "nginx/nginx.conf",
        b"events {}\nhttp {\n  include conf.d/*.conf;\n  server {\n    listen 443 ssl;\n    ssl_protocols TLSv1 TLSv1.2;\n  }\n}\n",
    );
    for i in 0..n {
        write(
            root,
            &format!("nginx/conf.d/f{i}.conf"),
            b"include conf.d/*.conf;\nadd_header X-A a;\n",
        );
    }
}

#[test]
fn nginx_include_fan_out_is_cut_by_a_named_budget() {
    let tmp = tempfile::tempdir().unwrap();
    nginx_fan_out(tmp.path(), 12);
    let r = common::scan(tmp.path(), common::Kind::Tree, &["TLS-012"], None);
    let out = tls012(&r);
    assert!(
        out.iter().any(|(s, m)| *s == Status::NotEvaluated
            && m.contains(
                "nginx/nginx.conf: include budget exceeded: more than 256 included files"
            )),
        "{out:?}"
    );
    assert!(
        !out.iter().any(|(s, _)| *s == Status::Pass),
        "never a pass: {out:?}"
    );
}

#[test]
fn nginx_include_globs_match_in_linear_time() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "nginx/nginx.conf",
        b"events {}\nhttp {\n  include conf.d/*a*a*a*a*a*a*a*a*a*a*b.conf;\n  include conf.d/*.conf;\n}\n",
    );
    let name = format!("nginx/conf.d/{}.conf", "a".repeat(60));
    write(
        tmp.path(),
        &name,
        b"server {\n  listen 443 ssl;\n  ssl_protocols TLSv1;\n}\n",
    );
    let r = common::scan(tmp.path(), common::Kind::Tree, &["TLS-012"], None);
    let out = tls012(&r);
    assert!(
        out.iter()
            .any(|(s, m)| *s == Status::Fail && m.contains("TLSv1")),
        "{out:?}"
    );
}

const NGINX_TLS1: &[u8] =
    b"events {}\nhttp {\n  server {\n    listen 443 ssl;\n    ssl_protocols TLSv1 TLSv1.2;\n  }\n}\n";

#[test]
fn latin1_in_an_nginx_comment_is_read_and_judged() {
    let tmp = tempfile::tempdir().unwrap();
    let mut conf = b"# caf\xe9 config (Latin-1)\n".to_vec();
    conf.extend_from_slice(NGINX_TLS1);
    write(tmp.path(), "nginx/nginx.conf", &conf);
    let r = common::scan(tmp.path(), common::Kind::Tree, &["TLS-012"], None);
    let out = tls012(&r);
    assert!(
        out.iter()
            .any(|(s, m)| *s == Status::Fail && m.contains("TLSv1")),
        "{out:?}"
    );
}

#[test]
fn non_utf8_outside_comments_is_not_evaluated_never_a_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    // nginx: the byte is in a directive.
    let mut conf = NGINX_TLS1.to_vec();
    conf.extend_from_slice(b"add_header X-A caf\xe9;\n");
    write(root, "nginx/nginx.conf", &conf);
    // A CouchDB ini, a users CSV and a k8s manifest with a Latin-1 value.
    write(
        root,
        "couchdb/local.ini",
        b"[couchdb]\nuuid = caf\xe9\n[chttpd]\nrequire_valid_user = true\n",
    );
    write(
        root,
        "users.csv",
        b"username,password,phone\nana,caf\xe9Secret1,+254700000001\n",
    );
    write(
        root,
        "k8s/deploy.yaml",
        b"apiVersion: v1\nkind: Service\nmetadata:\n  name: caf\xe9\n",
    );
    let r = common::scan(root, common::Kind::Tree, &[], None);
    let ne: Vec<String> = r
        .results
        .iter()
        .filter(|f| f.status == Status::NotEvaluated)
        .map(|f| f.message.clone())
        .collect();
    let all = ne.join("\n");
    for (rel, line) in [
        ("nginx/nginx.conf", 8),
        ("couchdb/local.ini", 2),
        ("users.csv", 2),
    ] {
        assert!(
            all.contains(rel) && all.contains(&format!("not UTF-8 at line {line}")),
            "{rel}:\n{all}"
        );
    }
    assert!(
        !tls012(&r).iter().any(|(s, _)| *s == Status::Pass),
        "{:?}",
        tls012(&r)
    );
    let inv = rampart::facts::Inventory::load(
        &rampart::target::Target::tree(root, "t", root).unwrap(),
        &rampart::facts::LoadOptions::default(),
    );
    let k8s = inv.doc("k8s/deploy.yaml").expect("a k8s doc, not a note");
    assert_eq!(k8s.kind, rampart::facts::Kind::K8s);
    assert!(
        k8s.content
            .as_ref()
            .unwrap_err()
            .contains("not UTF-8 at line 4")
    );
}

#[test]
fn many_references_to_a_large_variable_are_cut_by_a_named_budget() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    // Each value is under the 1 MiB cap of one interpolation; 40 of them are
    // over the file's 32 MiB total.
    let big = format!("A={PLANTED}{}\n", "x".repeat(900 * 1024));
    write(root, "big/.env", big.as_bytes());
    let mut compose =
        "services:\n  couchdb:\n    image: couchdb\n    ports:\n      - \"${A}:5984\"\n    environment:\n"
            .to_string();
    for i in 0..40 {
        compose.push_str(&format!("      COUCHDB_PASSWORD_{i}: ${{A}}\n"));
    }
    write(root, "big/docker-compose.yml", compose.as_bytes());
    // The sibling project is judged as ever.
    write(root, "ok/.env", b"P=5984\n");
    write(
        root,
        "ok/docker-compose.yml",
        b"services:\n  couchdb:\n    image: couchdb\n    ports:\n      - \"${P}:5984\"\n",
    );
    let r = common::scan(root, common::Kind::Tree, &[], None);
    for (format, out) in rendered(&r) {
        assert!(!out.contains("PlantedSecret"), "{format} leaks");
    }
    let in_file = |rel: &str| {
        r.results
            .iter()
            .filter(|f| f.location.as_ref().is_some_and(|l| l.path.ends_with(rel)))
            .map(|f| (f.status, format!("{} {}", f.rule.id, f.message)))
            .collect::<Vec<_>>()
    };
    let big = in_file("big/docker-compose.yml");
    assert!(
        big.iter().any(|(s, m)| *s == Status::NotEvaluated
            && m.starts_with("PORT-")
            && m.contains("interpolation budget exceeded")
            && m.contains("32 MiB in all")),
        "{big:?}"
    );
    assert!(
        !big.iter()
            .any(|(s, m)| *s == Status::Pass && m.starts_with("PORT-")),
        "{big:?}"
    );
    let judged: Vec<String> = in_file("ok/docker-compose.yml")
        .into_iter()
        .filter(|(s, _)| *s != Status::NotEvaluated)
        .map(|(_, m)| m)
        .collect();
    assert!(
        judged.iter().any(|m| m.contains("5984")),
        "{}",
        judged.join("\n")
    );
}
