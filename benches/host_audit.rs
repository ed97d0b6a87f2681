//! Wall time of a full host audit: `rampart scan --host` (every pack, this
//! machine, JSON to /dev/null), run several times as a separate process —
//! what an operator or cron job pays. With `RAMPART_BENCH_LYNIS=1` and lynis
//! installed, one `lynis audit system --quick` run is timed too and the ratio
//! printed. Run: `cargo bench --bench host_audit` (release build).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn time(cmd: &mut Command) -> (Duration, Option<i32>) {
    let start = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the command runs");
    (start.elapsed(), status.code())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_rampart");
    let runs: usize = std::env::var("RAMPART_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    // Warm the page cache once, like a repeated cron run.
    let (_, code) =
        time(Command::new(bin).args(["scan", "--host", "--no-progress", "--format", "json"]));
    println!("rampart scan --host: exit {code:?}");
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            time(Command::new(bin).args([
                "scan",
                "--host",
                "--no-progress",
                "--format",
                "json",
                "--output",
                "/dev/null",
            ]))
            .0
        })
        .collect();
    samples.sort();
    let median = samples[samples.len() / 2];
    println!(
        "rampart scan --host ({runs} runs, {} threads available): min {:.1} ms, median {:.1} ms, max {:.1} ms",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        ms(samples[0]),
        ms(median),
        ms(samples[samples.len() - 1])
    );
    if std::env::var("RAMPART_BENCH_LYNIS").is_ok_and(|v| v == "1") {
        let lynis = ["/usr/sbin/lynis", "/usr/bin/lynis"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        match lynis {
            Some(l) => {
                let (d, code) = time(Command::new(l).args([
                    "audit",
                    "system",
                    "--quick",
                    "--no-colors",
                    "--no-log",
                ]));
                println!(
                    "lynis audit system --quick: {:.1} s (exit {code:?}); rampart median is {:.0}x faster",
                    d.as_secs_f64(),
                    d.as_secs_f64() / median.as_secs_f64()
                );
            }
            None => println!("lynis is not installed; RAMPART_BENCH_LYNIS=1 ignored"),
        }
    }
}
