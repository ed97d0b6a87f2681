//! Scan throughput, measured (never asserted): the CHT reference files, a
//! synthetic deployment repo of many files, and the live host's open-ports
//! checks. Run with `cargo bench --bench scan`; figures go to the README.

use std::path::Path;
use std::time::{Duration, Instant};

use rampart::clock::Date;
use rampart::facts::LoadOptions;
use rampart::scan::{self, Plan};
use rampart::target::Target;

fn plan(targets: Vec<Target>) -> Plan {
    Plan {
        targets,
        target_errors: vec![],
        policy: rampart::policy::load(None).expect("baseline loads"),
        rules: rampart::rules::registry(),
        jobs: None,
        today: Date::today(),
        progress: false,
        load: LoadOptions::default(),
        check_domains: None,
    }
}

fn measure(name: &str, runs: usize, mut f: impl FnMut() -> usize) {
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut results = 0;
    for _ in 0..runs {
        let t = Instant::now();
        results = f();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "{name:<46} min {:>9.2?}  median {:>9.2?}  ({runs} runs, {results} results)",
        times[0],
        times[runs / 2]
    );
}

/// A deployment repo in the image of CHT's: per site, a compose dir, an
/// upgrade-service .env, CouchDB ini, vm.args and Kubernetes manifests.
fn synthetic_tree(dir: &Path, sites: usize) -> usize {
    synthetic_env(dir, sites, "site")
}

/// Like `synthetic_tree`, with credentials and host names unique to `env`
/// (so comparing environments finds little, as in a healthy repo), except
/// every 50th site, which shares its secret with the other environments.
fn synthetic_env(dir: &Path, sites: usize, env: &str) -> usize {
    let mut files = 0;
    for i in 0..sites {
        let site = dir.join(format!("site-{i:04}"));
        std::fs::create_dir_all(site.join("compose")).expect("mkdir");
        std::fs::create_dir_all(site.join("upgrade-service")).expect("mkdir");
        std::fs::create_dir_all(site.join("couchdb/local.d")).expect("mkdir");
        std::fs::create_dir_all(site.join("k8s")).expect("mkdir");
        let write = |p: &str, s: String| std::fs::write(site.join(p), s).expect("write");
        write(
            "compose/cht-core.yml",
            format!(
                "services:\n  haproxy:\n    image: public.ecr.aws/medic/cht-haproxy:5.2.0\n    expose:\n      - ${{HAPROXY_PORT:-5984}}\n  api:\n    image: public.ecr.aws/medic/cht-api:5.2.0\n    expose: [\"5988\"]\n    environment:\n      - COUCH_URL=http://${{COUCHDB_USER:-admin}}:${{COUCHDB_PASSWORD}}@haproxy:5984/medic\n  nginx:\n    image: public.ecr.aws/medic/cht-nginx:5.2.0\n    ports:\n      - \"${{NGINX_HTTP_PORT:-80}}:80\"\n      - \"${{NGINX_HTTPS_PORT:-443}}:443\"\n  exporter:\n    image: exporter\n    ports:\n      - \"{}:9100\"\n",
                9000 + i % 500
            ),
        );
        write("compose/cht-couchdb.yml", "services:\n  couchdb:\n    image: public.ecr.aws/medic/cht-couchdb:5.2.0\n    environment:\n      - COUCHDB_PASSWORD=${COUCHDB_PASSWORD:?must be set}\n".to_string());
        let secret = if i % 50 == 0 {
            format!("shared-{i}")
        } else {
            format!("{env}-{i}-secret")
        };
        write(
            "upgrade-service/.env",
            format!(
                "COUCHDB_USER=medic\nCOUCHDB_PASSWORD={env}-{i}-Pw-9x!Lq\nCOUCHDB_SECRET={secret}\nCOMMON_NAME=site{i}.{env}.example.org\nNGINX_HTTPS_PORT=443\n"
            ),
        );
        write(
            "couchdb/local.d/10-cht.ini",
            "[chttpd]\nrequire_valid_user = true\nbind_address = 0.0.0.0\n".to_string(),
        );
        write(
            "couchdb/vm.args",
            format!("-name couchdb@127.0.0.1\n-setcookie 'cookie-{i}'\n"),
        );
        write("k8s/service.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector:\n    app: api\n  ports:\n    - port: 5988\n".to_string());
        write("README.md", "site notes\n".to_string());
        files += 7;
    }
    files
}

fn main() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cwd = std::env::current_dir().expect("cwd");
    println!(
        "rampart scan benchmarks ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let cht = repo.join("../shared/cht");
    if cht.is_dir() {
        measure("tree: ../shared/cht (all rules)", 30, || {
            let t = Target::tree(&cht, "../shared/cht", &cwd).expect("cht tree");
            scan::run(plan(vec![t])).results.len()
        });
    }

    let tmp = tempfile::tempdir().expect("tempdir");
    for sites in [100, 715] {
        let dir = tmp.path().join(format!("repo-{sites}"));
        let files = synthetic_tree(&dir, sites);
        measure(&format!("tree: synthetic repo, {files} files"), 10, || {
            let t = Target::tree(&dir, "repo", &cwd).expect("tree");
            scan::run(plan(vec![t])).results.len()
        });
    }

    // Three environments of ~5,000 files each, compared (ENV-001/003/004)
    // with every other rule running too.
    let envs = tmp.path().join("envs");
    let mut files = 0;
    for env in ["production", "uat", "dev"] {
        files += synthetic_env(&envs.join("deploy").join(env), 715, env);
    }
    measure(
        &format!("3 environments ({files} files), one tree"),
        5,
        || {
            let t = Target::tree(&envs, "envs", &cwd).expect("tree");
            scan::run(plan(vec![t])).results.len()
        },
    );
    measure(
        &format!("3 environments ({files} files), --env x3"),
        5,
        || {
            let ts = ["production", "uat", "dev"]
                .iter()
                .map(|e| {
                    Target::tree(&envs.join("deploy").join(e), e, &cwd)
                        .expect("tree")
                        .with_environment(e)
                })
                .collect();
            scan::run(plan(ts)).results.len()
        },
    );

    measure("host: live / (open-ports)", 20, || {
        let t = Target::host(Path::new("/"), "/", true).expect("host");
        scan::run(plan(vec![t])).results.len()
    });
}
