//! Credentials found where real deployments put them — Kubernetes Secrets
//! (base64 `data`, `stringData`) and the containers that read them,
//! passwords inside URLs, compose defaults, any chart's password values —
//! are judged, and no form of their value reaches any report.

use std::fs;
use std::process::Command;

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn secrets_urls_and_defaults_are_judged_and_never_shown() {
    let d = tempfile::tempdir().unwrap();
    let t = d.path();
    let planted = [
        "Pl4nt-k8sData",
        "Pl4nt-strData",
        "Pl4nt-UrlPw",
        "Pl4nt-Default",
        "Pl4nt-HelmPw",
        "Pl4nt-3xAdmin",
    ];
    fs::write(
        t.join("secret.yaml"),
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cht-couchdb-credentials\ndata:\n  COUCHDB_PASSWORD: {}\nstringData:\n  COUCHDB_SECRET: {}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          env:\n            - name: COUCHDB_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: cht-couchdb-credentials\n                  key: COUCHDB_PASSWORD\n",
            base64(planted[0].as_bytes()),
            planted[1]
        ),
    )
    .unwrap();
    fs::write(
        t.join("docker-compose.yml"),
        format!(
            "services:\n  api:\n    image: public.ecr.aws/medic/cht-api:4.22.0\n    environment:\n      - COUCH_URL=http://medic:{}@couchdb:5984/medic\n      - COUCHDB_PASSWORD=${{COUCHDB_PASSWORD:-{}}}\n  medic-os:\n    image: medicmobile/medic-os:cht-3.17.0\n    environment:\n      - DOCKER_COUCHDB_ADMIN_PASSWORD={}\n",
            planted[2], planted[3], planted[5]
        ),
    )
    .unwrap();
    fs::write(
        t.join("values.yaml"),
        format!("postgresql:\n  auth:\n    username: dbt\n    password: {}\nanalytics:\n  couchdb:\n    password: {}\n", planted[4], planted[4]),
    )
    .unwrap();
    let mut all = String::new();
    for fmt in ["text", "json", "sarif"] {
        let o = Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(["scan", t.to_str().unwrap(), "--format", fmt])
            .args(["--fail-on", "never", "--color", "never", "--no-progress"])
            .output()
            .unwrap();
        all.push_str(&String::from_utf8_lossy(&o.stdout));
        all.push_str(&String::from_utf8_lossy(&o.stderr));
    }
    // Each source was read and judged (the planted values are all weak).
    for seen in [
        "Kubernetes Secret cht-couchdb-credentials",
        "COUCH_URL (password in URL)",
        "default when unset",
        "DOCKER_COUCHDB_ADMIN_PASSWORD",
        "analytics.couchdb.password",
    ] {
        assert!(all.contains(seen), "no finding names {seen}:\n{all}");
    }
    for v in planted {
        for form in [v.to_string(), base64(v.as_bytes())] {
            assert!(!all.contains(&form), "a report holds {form:?}");
        }
    }
}
