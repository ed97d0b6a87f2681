//! Environment segregation across several trees: the multi-environment
//! fixtures give exactly the expected findings whether environments are
//! inferred from directories or given with `--env`, a clean repo gives none,
//! and no secret value — nor an unkeyed hash or encoding of one — reaches any
//! report format.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};

const BROKEN: &str = "fixtures/environments/multi-env-broken";
const CLEAN: &str = "fixtures/environments/multi-env-clean";

fn scan(args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .current_dir(common::repo())
        .args(["scan", "--fail-on", "never", "--today", common::TODAY])
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

fn json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json", "--select", "env-segregation"]);
    let (code, out) = scan(&a);
    assert_eq!(code, 0, "{out}");
    serde_json::from_str(&out).unwrap()
}

/// (rule, item, environments) of every failure.
fn findings(j: &Value) -> BTreeSet<(String, String, Vec<String>)> {
    j["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| {
            (
                r["rule_id"].as_str().unwrap().to_string(),
                r["evidence"]["item"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                r["evidence"]["environments"]
                    .as_array()
                    .map(|a| a.iter().map(|e| e.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

fn expected() -> BTreeSet<(String, String, Vec<String>)> {
    let f = |r: &str, i: &str, e: &[&str]| {
        (
            r.to_string(),
            i.to_string(),
            e.iter().map(|s| s.to_string()).collect(),
        )
    };
    [
        f("ENV-001", "COUCHDB_PASSWORD", &["production", "dev"]),
        f("ENV-001", "COUCHDB_SECRET", &["production", "dev", "uat"]),
        f("ENV-001", "COUCHDB_UUID", &["production", "dev"]),
        f(
            "ENV-003",
            "review.health.example.org",
            &["production", "uat"],
        ),
        f("ENV-004", "cht.health.example.org", &["production", "dev"]),
    ]
    .into_iter()
    .collect()
}

#[test]
fn environments_inferred_from_directories() {
    let j = json(&[BROKEN]);
    assert_eq!(findings(&j), expected());
    let ids: Vec<&str> = j["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![format!("tree:{BROKEN}").as_str(), "environments"]);
    // Evidence names every use, never a value.
    let secret = j["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["evidence"]["item"] == "COUCHDB_SECRET")
        .unwrap();
    assert_eq!(secret["severity"], "critical");
    assert_eq!(secret["evidence"]["uses"].as_array().unwrap().len(), 3);
    assert_eq!(
        secret["location"]["path"],
        format!("{BROKEN}/deploy/production/cht/upgrade-service/.env")
    );
    assert_eq!(secret["location"]["line"], 4);
}

#[test]
fn environments_given_on_the_command_line() {
    let env = |name: &str, dir: &str| format!("{name}={BROKEN}/deploy/{dir}");
    let (p, u, d) = (
        env("production", "production"),
        env("uat", "uat"),
        env("dev", "dev"),
    );
    let j = json(&["--env", &p, "--env", &u, "--env", &d]);
    assert_eq!(findings(&j), expected());
    let envs: Vec<&str> = j["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["environment"].as_str())
        .collect();
    assert_eq!(envs, vec!["dev", "production", "uat"]);

    // An explicit label wins over the directory name.
    let (code, out) = scan(&[
        "--env",
        &format!("staging={BROKEN}/deploy/production"),
        "--env",
        &u,
        "--format",
        "json",
        "--select",
        "ENV-001",
    ]);
    assert_eq!(code, 0);
    let j: Value = serde_json::from_str(&out).unwrap();
    let f = findings(&j);
    assert!(
        f.contains(&(
            "ENV-001".into(),
            "COUCHDB_SECRET".into(),
            vec!["staging".into(), "uat".into()]
        )),
        "{f:?}"
    );
    let sev = j["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "fail")
        .unwrap()["severity"]
        .clone();
    assert_eq!(
        sev, "high",
        "no production among the environments sharing it"
    );

    assert_eq!(scan(&["--env", "nodelimiter"]).0, 2);
    assert_eq!(scan(&["--env", "bad name=x"]).0, 2);
}

#[test]
fn a_clean_multi_environment_repo_has_no_findings() {
    let j = json(&[CLEAN]);
    let bad: Vec<&Value> = j["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail" || r["status"] == "not_evaluated")
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    for id in ["ENV-001", "ENV-003", "ENV-004"] {
        assert!(
            j["results"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["rule_id"] == id && r["status"] == "pass"),
            "{id} passes"
        );
    }
}

#[test]
fn one_environment_is_not_applicable() {
    let j = json(&[&format!("{BROKEN}/deploy/uat")]);
    let r = j["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule_id"] == "ENV-001")
        .unwrap();
    assert_eq!(r["status"], "not_applicable");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("fewer than two environments")
    );
}

#[test]
fn the_text_report_opens_with_the_matrix() {
    let (_, out) = scan(&[BROKEN, "--select", "env-segregation"]);
    let m = out.find("Environments: what they share").expect("matrix");
    assert!(m < out.find("Failures").unwrap());
    let header = out[m..].lines().nth(1).unwrap();
    assert!(header.contains("production") && header.contains("uat") && header.contains("dev"));
    let row = out[m..]
        .lines()
        .find(|l| l.contains("COUCHDB_SECRET"))
        .unwrap();
    assert_eq!(row.matches('●').count(), 3);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn base64(data: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
    }
    out
}

/// Every way a value could leak: itself, unkeyed digests, base64.
fn leaks(value: &str) -> Vec<String> {
    let v = value.as_bytes();
    let mut forms = vec![value.to_string(), base64(v)];
    for h in [hex(&Sha256::digest(v)), hex(&Sha512::digest(v))] {
        forms.push(h.to_uppercase());
        forms.push(h[..16].to_string());
        forms.push(h);
    }
    forms
}

#[test]
fn no_secret_value_or_hash_reaches_any_report() {
    let d = tempfile::tempdir().unwrap();
    let planted = [
        ("COUCHDB_PASSWORD", "Planted-Shared-Pass-91"),
        ("COUCHDB_SECRET", "planted0secret0shared0across0envs"),
        ("COUCHDB_UUID", "planted-uuid-1111-2222-333344445555"),
        ("GRAFANA_ADMIN_PASSWORD", "Planted-Grafana-77"),
        ("API_TOKEN", "planted-token-abcdef"),
    ];
    for env in ["production", "uat", "dev"] {
        let dir = d.path().join("deploy").join(env);
        fs::create_dir_all(&dir).unwrap();
        let body: String = planted.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        fs::write(dir.join(".env"), body).unwrap();
        fs::write(
            dir.join("docker-compose.yml"),
            format!(
                "services:\n  api:\n    image: public.ecr.aws/medic/cht-api:5.2.0\n    environment:\n      - COUCH_URL=http://admin:{}@couch.{env}.example.org:5984/medic\n",
                "Planted-Url-Pass-55"
            ),
        )
        .unwrap();
        fs::write(dir.join("vm.args"), "-setcookie 'planted-cookie-424242'\n").unwrap();
    }
    let root = d.path().to_str().unwrap();
    let mut all = String::new();
    for fmt in ["text", "json", "sarif"] {
        let (_, out) = scan(&[root, "--format", fmt, "--color", "always"]);
        all.push_str(&out);
    }
    // The scan did find the sharing.
    assert!(
        all.contains("COUCHDB_SECRET has the same value in production and dev and uat"),
        "{all}"
    );
    assert!(all.contains("(password in URL)") && all.contains("-setcookie"));
    for v in planted
        .iter()
        .map(|(_, v)| *v)
        .chain(["Planted-Url-Pass-55", "planted-cookie-424242"])
    {
        for form in leaks(v) {
            assert!(
                !all.contains(&form),
                "a report holds {form:?} (a form of {v:?})"
            );
        }
    }
}

#[test]
fn hosts_can_carry_an_environment() {
    let (code, out) = scan(&[
        "--root",
        "fixtures/open-ports/PORT-002/fail-root",
        "--env-label",
        "production",
        "--format",
        "json",
        "--select",
        "PORT-002",
    ]);
    assert_eq!(code, 0);
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["targets"][0]["environment"], "production");
}
