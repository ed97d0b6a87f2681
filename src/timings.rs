//! Phase timings for measuring a scan (`RAMPART_TIMINGS=1`): each phase's
//! wall time goes to standard error as it ends. A developer's tool for the
//! bench harness, off (one relaxed load per mark) unless the variable is set.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::OnceLock;
use std::time::Instant;

/// The last mark: when, and the process's CPU time then.
fn state() -> Option<&'static Mutex<(Instant, f64)>> {
    static STATE: OnceLock<Option<Mutex<(Instant, f64)>>> = OnceLock::new();
    STATE
        .get_or_init(|| {
            std::env::var_os("RAMPART_TIMINGS")
                .is_some_and(|v| !v.is_empty() && v != "0")
                .then(|| Mutex::new((*origin(), cpu_seconds())))
        })
        .as_ref()
}

/// Ends the phase called `phase`: prints how long it took since the last
/// mark, and the CPU time the process spent in it (on all cores: CPU over
/// wall is how many cores the phase kept busy).
pub fn mark(phase: &str) {
    if let Some(last) = state() {
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        let now = (Instant::now(), cpu_seconds());
        eprintln!(
            "rampart timings: {phase:<24} {:>9.1} ms  cpu {:>8.1} ms  rss {:>6} MB  peak {:>6} MB",
            (now.0 - last.0).as_secs_f64() * 1e3,
            (now.1 - last.1) * 1e3,
            status_mb("VmRSS:"),
            status_mb("VmHWM:"),
        );
        *last = now;
    }
}

/// The CPU time (user and system) of this process so far, from
/// `/proc/self/stat` (in clock ticks: 10 ms on Linux), 0 where it cannot
/// be read.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The fields after the command name (which may hold spaces), the
    // third of which is field 3 (`state`): utime and stime are 14 and 15.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse::<u64>().ok())
        .sum();
    ticks as f64 / 100.0
}

/// A memory figure of this process from `/proc/self/status`, in MB (0 where
/// it cannot be read).
fn status_mb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// Whether timings are being taken (so callers can skip reading the clock).
pub fn enabled() -> bool {
    state().is_some()
}

fn totals() -> &'static Mutex<HashMap<String, (f64, usize)>> {
    static TOTALS: OnceLock<Mutex<HashMap<String, (f64, usize)>>> = OnceLock::new();
    TOTALS.get_or_init(Default::default)
}

/// Adds `seconds` of work (CPU on one thread, not wall) to `what`'s total.
pub fn add(what: &str, seconds: f64) {
    let mut t = totals().lock().unwrap_or_else(|e| e.into_inner());
    let e = t.entry(what.to_string()).or_default();
    e.0 += seconds;
    e.1 += 1;
}

/// [`add`] of the time since `start` on this thread; with
/// `RAMPART_TIMINGS=spans`, also when it ran and on which core, printed
/// with the totals (where a phase's cores waited).
pub fn span(what: &str, start: Instant) {
    let end = Instant::now();
    add(what, (end - start).as_secs_f64());
    if spans_enabled() {
        let origin = *origin();
        spans().lock().unwrap_or_else(|e| e.into_inner()).push((
            rayon::current_thread_index(),
            start.saturating_duration_since(origin).as_secs_f64(),
            end.saturating_duration_since(origin).as_secs_f64(),
            what.to_string(),
        ));
    }
}

fn spans_enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("RAMPART_TIMINGS").is_some_and(|v| v == "spans"))
}

fn origin() -> &'static Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now)
}

type Span = (Option<usize>, f64, f64, String);

fn spans() -> &'static Mutex<Vec<Span>> {
    static SPANS: OnceLock<Mutex<Vec<Span>>> = OnceLock::new();
    SPANS.get_or_init(Default::default)
}

/// Prints the totals `add` gathered, largest first, and forgets them.
pub fn print_totals() {
    if !enabled() {
        return;
    }
    let mut spans = std::mem::take(&mut *spans().lock().unwrap_or_else(|e| e.into_inner()));
    spans.sort_by(|a, b| a.1.total_cmp(&b.1));
    for (core, from, to, what) in spans {
        let core = core.map_or("-".to_string(), |c| c.to_string());
        eprintln!(
            "rampart timings:   span core {core:>2} {:>8.1} .. {:>8.1} ms  {what}",
            from * 1e3,
            to * 1e3
        );
    }
    let mut t: Vec<(String, (f64, usize))> = totals()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .drain()
        .collect();
    t.sort_by(|a, b| b.1.0.total_cmp(&a.1.0));
    for (what, (secs, n)) in t.into_iter().take(40) {
        eprintln!("rampart timings:   {what:<40} {:>9.1} ms  ×{n}", secs * 1e3);
    }
}
