//! Benchmark: scanning a CHT deployment tree with every rule (default
//! `../shared/cht`, or the path in RAMPART_BENCH_TREE), in process, the way
//! `rampart scan PATH` does. Prints min / median / max wall time of the runs.
//! Run with `cargo bench --bench scan_tree`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rampart::clock::Date;
use rampart::facts::LoadOptions;
use rampart::scan::{self, Plan};
use rampart::target::Target;
use rampart::{policy, rules};

fn main() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tree = std::env::var_os("RAMPART_BENCH_TREE")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../shared/cht"));
    if !tree.is_dir() {
        println!("skipped: no tree at {}", tree.display());
        return;
    }
    let runs: usize = std::env::var("RAMPART_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut results = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let target =
            Target::tree(&tree, &tree.display().to_string(), &manifest).expect("tree opens");
        let report = scan::run(Plan {
            targets: vec![target],
            target_errors: vec![],
            policy: policy::load(None).expect("baseline loads"),
            rules: rules::registry(),
            jobs: None,
            today: Date::today(),
            progress: false,
            load: LoadOptions::default(),
        });
        times.push(started.elapsed());
        results = report.results.len();
    }
    times.sort();
    println!(
        "scan {} ({} rules, {results} results), {runs} runs: min {:?}, median {:?}, max {:?}",
        tree.display(),
        rules::registry().len(),
        times[0],
        times[runs / 2],
        times[runs - 1]
    );
}
