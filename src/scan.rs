//! The scan engine, and the only place that knows about threads. Loads every
//! target's facts in parallel, runs the (target × rule) jobs on rayon, turns
//! a rule that panics into a `not_evaluated` outcome naming the rule, applies
//! the policy (severities, waivers), and sorts the results so the output is
//! deterministic whatever the scheduling.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::catalog::{RuleMeta, catalog};
use crate::clock::Date;
use crate::facts::{Facts, LoadOptions};
use crate::outcome::{Evidence, Location, Outcome, Severity, Status, Verdict};
use crate::policy::{Policy, Waiver, hex};
use crate::rules::{Ctx, Rule};
use crate::target::{Source, Target, TargetKind};

/// A target that could not be opened (missing path, not a directory, ...).
#[derive(Clone, Debug)]
pub struct TargetError {
    pub id: String,
    pub kind: TargetKind,
    pub message: String,
}

pub struct Plan {
    pub targets: Vec<Target>,
    pub target_errors: Vec<TargetError>,
    pub policy: Policy,
    /// The rules selected to run (the policy's selection, narrowed by the CLI).
    pub rules: Vec<&'static Rule>,
    /// Worker threads; `None` is one per core.
    pub jobs: Option<usize>,
    pub today: Date,
    pub progress: bool,
    pub load: LoadOptions,
    /// `--check-domains`: also look up (RDAP) the registrable domains of the
    /// production instances' host names (`app_url`, `COMMON_NAME`, ingress
    /// hosts) found in the scan, known only once the files are read.
    pub check_domains: Option<std::sync::Arc<crate::rdap::RdapOptions>>,
}

#[derive(Clone, Debug)]
pub struct TargetInfo {
    pub id: String,
    pub kind: TargetKind,
    pub environment: Option<String>,
    /// The SARIF run the target's findings go to (`tree`, `host/web-1`).
    pub category: String,
    pub files: usize,
    pub notes: Vec<(Option<String>, String)>,
    pub error: Option<String>,
}

/// One result: a rule's outcome on a target, after policy.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub target: std::sync::Arc<str>,
    pub status: Status,
    pub severity: Severity,
    pub message: String,
    pub location: Option<Location>,
    pub evidence: Evidence,
    pub key: String,
    pub fingerprint: String,
    /// The waiver that applies: its reason and where it is written.
    pub waiver: Option<(String, String)>,
}

impl Finding {
    /// A finding that holds nothing (no allocation): a slot a finding is
    /// written into.
    fn blank(rule: &'static RuleMeta, target: &std::sync::Arc<str>) -> Finding {
        Finding {
            rule,
            target: target.clone(),
            status: Status::Pass,
            severity: rule.severity,
            message: String::new(),
            location: None,
            evidence: Evidence::default(),
            key: String::new(),
            fingerprint: String::new(),
            waiver: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaiverState {
    Applied,
    Expired,
    Unused,
}

#[derive(Clone, Debug)]
pub struct WaiverUse {
    pub waiver: Waiver,
    pub state: WaiverState,
    /// Findings it waived, or would have if it had not expired.
    pub matched: usize,
}

pub struct Report {
    pub policy: Policy,
    pub policy_sha256: String,
    pub targets: Vec<TargetInfo>,
    pub results: Vec<Finding>,
    pub waivers: Vec<WaiverUse>,
    /// (category, rule) pairs evaluated: SARIF lists these rules per run.
    pub evaluated: BTreeSet<(String, &'static str)>,
    pub today: Date,
    /// Fingerprints of the failures of a previous report (`--baseline`):
    /// each failure is then `new` or `unchanged` (see `report::baseline`).
    pub baseline: Option<BTreeSet<String>>,
    /// `--fail-on-new`: only new failures (against the baseline) fail.
    pub fail_on_new: bool,
    /// When and where the scan ran (set by the command line; the JSON
    /// report's `scan` header).
    pub header: Option<crate::clock::ScanHeader>,
}

impl Report {
    pub fn count(&self, status: Status) -> usize {
        self.results.iter().filter(|f| f.status == status).count()
    }

    /// Whether a failure reaches the policy's fail-on threshold.
    pub fn fails(&self) -> bool {
        self.policy.fail_on.is_some_and(|threshold| {
            self.results.iter().any(|f| {
                f.status == Status::Fail
                    && f.severity >= threshold
                    && (!self.fail_on_new
                        || self.baseline_state(f)
                            == Some(crate::report::baseline::BaselineState::New))
            })
        })
    }

    /// Why the scan is incomplete, if it is: exit code 2.
    pub fn incomplete(&self) -> Vec<String> {
        let mut why: Vec<String> = self
            .targets
            .iter()
            .filter_map(|t| t.error.as_ref().map(|e| format!("{}: {e}", t.id)))
            .collect();
        why.extend(self.nothing_evaluable());
        for f in &self.results {
            if f.status == Status::NotEvaluated
                && self.policy.require_evaluated.contains(&f.rule.id)
            {
                why.push(format!(
                    "{} on {} was not evaluated and the policy requires it: {}",
                    f.rule.id, f.target, f.message
                ));
            }
        }
        why
    }

    /// Targets that yielded nothing evaluable: no selected rule applies to
    /// them, or no file was read and no rule could pass or fail (an empty
    /// or unreadable directory, a TLS endpoint that refused or does not
    /// resolve). A mistyped path or host must not read as a clean scan.
    pub fn nothing_evaluable(&self) -> Vec<String> {
        let mut why = Vec::new();
        // Trees and hosts are also read by the environment comparison.
        let compared = self.targets.iter().any(|t| t.kind == TargetKind::Env);
        for t in &self.targets {
            if t.error.is_some() || t.kind == TargetKind::Env {
                continue;
            }
            let mine: Vec<&Finding> = self.results.iter().filter(|f| *f.target == *t.id).collect();
            if mine.is_empty() && !(compared && t.kind != TargetKind::Tls) {
                why.push(format!(
                    "{}: no selected rule applies to a {} target",
                    t.id, t.kind
                ));
                continue;
            }
            let judged = mine
                .iter()
                .any(|f| matches!(f.status, Status::Pass | Status::Fail | Status::Waived));
            if t.files == 0 && !judged && !mine.is_empty() {
                let reason = mine
                    .iter()
                    .find(|f| f.status == Status::NotEvaluated)
                    .map(|f| {
                        let path = f.location.as_ref().map(|l| &*l.path);
                        path.and_then(|p| f.message.strip_prefix(&format!("{p}: ")))
                            .unwrap_or(&f.message)
                            .to_string()
                    })
                    .or_else(|| t.notes.first().map(|(_, m)| m.clone()))
                    .unwrap_or_else(|| "no configuration file rampart reads was found".to_string());
                why.push(format!("{}: nothing could be evaluated: {reason}", t.id));
            }
        }
        why
    }

    /// 0 complete and nothing at or above fail-on; 1 a failure at or above
    /// fail-on; 2 incomplete.
    pub fn exit_code(&self) -> i32 {
        if !self.incomplete().is_empty() {
            2
        } else if self.fails() {
            1
        } else {
            0
        }
    }
}

fn category_of(target: &Target) -> String {
    match &target.source {
        Source::Tree(t) => match &t.found_on {
            Some(host) => format!("host/{host}"),
            None => "tree".to_string(),
        },
        Source::Host(h) => format!("host/{}", h.hostname),
        Source::Env => "env".to_string(),
        Source::Tls(_) => "tls".to_string(),
        Source::Domain(_) => "domains".to_string(),
    }
}

/// What a target is, independent of how its path was typed (`cht`,
/// `./cht/`, an absolute path) and of where an offline root is mounted:
/// a tree by its path from the SARIF root (the repository root), a host or
/// root by its host name. Fingerprints are built from this, not the id.
pub fn identity(target: &Target) -> String {
    match &target.source {
        Source::Tree(t) => match &t.only {
            Some(file) => format!("tree:{}|{file}", t.sarif_prefix),
            None => format!("tree:{}", t.sarif_prefix),
        },
        Source::Host(h) => format!("host:{}", h.hostname),
        Source::Env | Source::Tls(_) | Source::Domain(_) => target.id.clone(),
    }
}

pub fn fingerprint(rule: &str, target: &str, key: &str) -> String {
    let mut h = Sha256::new();
    for part in [rule, target, key] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex(&h.finalize()[..16])
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

fn progress_bar(enabled: bool, len: u64) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Runs the plan. What was read and derived is freed while the findings
/// are finished (see `run_in_pool`).
pub fn run(mut plan: Plan) -> Report {
    plan.policy.label_targets(&mut plan.targets);
    // How compose files find their `.env` is the policy's to say.
    plan.load.environment_dotenv = plan.policy.env.environment_dotenv;
    let threads = plan.jobs.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("rampart-{i}"))
        .build()
        .expect("a thread pool can be built");
    pool.install(|| run_in_pool(plan))
}

fn run_in_pool(mut plan: Plan) -> Report {
    let cat = catalog();
    let bar = progress_bar(plan.progress, 0);
    // Domain targets come last: `--check-domains` adds the domains of the
    // instances the other targets' files serve.
    let (domain_targets, others): (Vec<Target>, Vec<Target>) = std::mem::take(&mut plan.targets)
        .into_iter()
        .partition(|t| t.kind == TargetKind::Domain);
    plan.targets = others;
    let plan = plan;
    crate::timings::mark("start");
    bar.set_message("reading targets");
    let mut facts: Vec<Facts> = plan
        .targets
        .par_iter()
        .map(|t| Facts::load(t, &plan.load))
        .collect();
    crate::timings::mark("load");
    crate::timings::print_totals();
    // Derived facts, up front and across cores: every file's location and
    // environment once, then the facts most rules share. Rule jobs then read
    // them without waiting on one another. Parse trees no rule reads are
    // freed as soon as the facts that read them are built, not at exit: the
    // later facts and the rules' findings reuse their memory.
    bar.set_message("deriving facts");
    facts.par_iter_mut().for_each(|f| {
        f.index_files(&plan.policy);
        f.release(crate::rules::APP_SETTINGS_READ);
    });
    crate::timings::mark("derive");
    crate::timings::print_totals();
    let domain_targets = match &plan.check_domains {
        Some(options) => with_instance_domains(domain_targets, &facts, &plan.policy, options),
        None => domain_targets,
    };
    let domain_facts: Vec<Facts> = domain_targets
        .iter()
        .map(|t| Facts::load(t, &plan.load))
        .collect();
    // Live TLS endpoints are probed up front, off the rayon pool.
    let wants_probe = plan
        .rules
        .iter()
        .any(|r| cat.get(r.id).is_some_and(|m| m.applies_to(TargetKind::Tls)));
    if wants_probe {
        bar.set_message("probing TLS endpoints");
        for (i, probe) in probe_endpoints(&plan.targets) {
            facts[i].provide(probe);
        }
        // What renews the certificates endpoints serve lives on the hosts
        // and trees of the same scan (RENEW-001).
        if facts.iter().any(|f| f.target.kind == TargetKind::Tls) {
            let renewals = crate::facts::renewal::ScanRenewals::of(&facts);
            for f in facts.iter().filter(|f| f.target.kind == TargetKind::Tls) {
                f.provide(renewals.clone());
            }
        }
    }

    // Domain registrations are looked up (RDAP) only for domain targets,
    // which exist only when the user named domains.
    let wants_rdap = plan.rules.iter().any(|r| {
        cat.get(r.id)
            .is_some_and(|m| m.applies_to(TargetKind::Domain))
    });
    if wants_rdap {
        bar.set_message("looking up domain registrations");
        for (i, lookup) in rdap_lookups(&domain_targets) {
            domain_facts[i].provide(lookup);
        }
    }

    // The environments target exists when a selected rule compares
    // environments and something in the scan carries an environment label.
    let env_target = Target::environments();
    let wants_env = plan
        .rules
        .iter()
        .any(|r| cat.get(r.id).is_some_and(|m| m.applies_to(TargetKind::Env)))
        && facts.iter().any(|f| {
            f.target.root().is_some()
                && (f.target.environment.is_some() || !f.file_environments(&plan.policy).is_empty())
        });
    let env_facts = Facts::over(&env_target, &facts);
    let all_targets: Vec<(&Target, &Facts)> = plan
        .targets
        .iter()
        .zip(&facts)
        .chain(domain_targets.iter().zip(&domain_facts))
        .chain(wants_env.then_some((&env_target, &env_facts)))
        .collect();

    let mut jobs: Vec<(usize, &'static Rule, &'static RuleMeta)> = Vec::new();
    for (ti, (target, _)) in all_targets.iter().enumerate() {
        for rule in &plan.rules {
            let meta = cat.get(rule.id).expect("registered rules have pages");
            if meta.applies_to(target.kind) {
                jobs.push((ti, rule, meta));
            }
        }
    }
    // The readers of the facts only some rules read (`rules::RETIRED`) go
    // first, in the order it lists them; once the last reader of one has
    // finished, that fact is freed. Stable: the other rules in plan order.
    // Only facts that hold something are worth ordering the jobs and
    // waiting for (a host's empty CHT settings are not: there the order
    // would only cost the parallelism of the host's own facts).
    let retired = crate::rules::RETIRED;
    let worth: Vec<bool> = retired
        .iter()
        .map(|r| {
            all_targets
                .iter()
                .any(|(_, f)| (r.held)(f).is_some_and(|n| n > 0))
        })
        .collect();
    let rank = |id: &str| {
        retired
            .iter()
            .zip(&worth)
            .position(|(r, &w)| w && r.readers.contains(&id))
            .unwrap_or(retired.len())
    };
    // Among the others, the readers of the facts they collect and only
    // some read (`rules::LATE_RETIRED`) first, in trees (where those facts
    // grow with the files; a host's few would only start its longest job,
    // the live sockets, later).
    let late = crate::rules::LATE_RETIRED;
    let late_rank = |id: &str| {
        late.iter()
            .position(|r| r.readers.contains(&id))
            .unwrap_or(late.len())
    };
    jobs.sort_by_key(|&(ti, rule, _)| {
        let r = rank(rule.id);
        let at = retired
            .get(r)
            .and_then(|f| f.readers.iter().position(|id| *id == rule.id));
        let l = match all_targets[ti].0.kind {
            TargetKind::Tree => late_rank(rule.id),
            _ => late.len(),
        };
        let late_at = late
            .get(l)
            .and_then(|f| f.readers.iter().position(|id| *id == rule.id));
        (r, at, l, late_at)
    });
    let retire = |r: &crate::rules::Shared| {
        if let Some(retire) = r.retire {
            for (_, f) in &all_targets {
                retire(f);
            }
        }
    };
    let all_retired: Vec<&crate::rules::Shared> = retired.iter().chain(late).collect();
    // Readers still to finish, per retired fact.
    let readers_left: Vec<std::sync::atomic::AtomicUsize> = all_retired
        .iter()
        .map(|r| {
            let n = jobs
                .iter()
                .filter(|(_, rule, _)| r.readers.contains(&rule.id))
                .count();
            if n == 0 {
                retire(r);
            }
            std::sync::atomic::AtomicUsize::new(n)
        })
        .collect();
    bar.set_length(jobs.len() as u64);
    bar.set_message("checking");
    let done: Vec<std::sync::OnceLock<Vec<Outcome>>> =
        jobs.iter().map(|_| std::sync::OnceLock::new()).collect();
    let run_job = |&(ti, rule, _): &(usize, &'static Rule, &'static RuleMeta)| {
        let ctx = Ctx {
            facts: all_targets[ti].1,
            policy: &plan.policy,
            today: plan.today,
        };
        // The panic's message is withheld: it may quote a scanned file.
        let start = crate::timings::enabled().then(std::time::Instant::now);
        let mut out = crate::facts::contain_panic(|| (rule.check)(&ctx)).unwrap_or_else(|| {
            crate::outcome::not_evaluated(format!(
                "rule {} failed while evaluating: rampart panicked (an internal error; \
                 the panic message is withheld as it may quote a scanned file)",
                rule.id
            ))
        });
        // Kept until the findings are written: without the room
        // pushing left (up to half of each rule's outcomes).
        out.shrink_to_fit();
        if let Some(start) = start {
            crate::timings::span(&format!("rule {}", rule.id), start);
        }
        bar.inc(1);
        out
    };
    // The readers of the retired facts first, then the other rules once
    // they have all finished (so their findings and the facts they collect,
    // images or backups, never sit beside the retired facts). In each part,
    // each core takes the next job in order, one at a time: the longest
    // job, not a run of neighbouring jobs on one core, is the part's tail.
    let readers = jobs
        .iter()
        .take_while(|(_, rule, _)| rank(rule.id) < retired.len())
        .count();
    //
    // In trees, each part starts with the facts its rules collect as they
    // run (`rules::LATE_RETIRED`, `rules::KEPT`), each collected in a job of
    // its own: when a reader collected one, the next reader to start waited
    // for it, its core idle (100k files: images 110 ms, published ports
    // 45 ms, backups 20 ms, monitoring 30 ms of a core each scan).
    let collected: Vec<&crate::rules::Shared> = late.iter().chain(crate::rules::KEPT).collect();
    for part in [0..readers, readers..jobs.len()] {
        // Which facts the part reads is asked once, not once per target
        // (a fleet scan has many trees, and a job per tree and rule).
        let wanted: Vec<&crate::rules::Shared> = collected
            .iter()
            .copied()
            .filter(|s| {
                jobs[part.clone()]
                    .iter()
                    .any(|(_, rule, _)| s.readers.contains(&rule.id))
            })
            .collect();
        let first: Vec<(&Facts, &crate::rules::Shared)> = all_targets
            .iter()
            .filter(|(t, _)| t.kind == TargetKind::Tree)
            .flat_map(|&(_, f)| {
                wanted
                    .iter()
                    .filter(|s| (s.held)(f).is_none())
                    .map(move |s| (f, *s))
            })
            .collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        rayon::scope(|s| {
            for _ in 0..rayon::current_num_threads() {
                s.spawn(|_| {
                    use std::sync::atomic::Ordering;
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        if let Some(&(facts, shared)) = first.get(k) {
                            // A panic here is the reader's to report: it
                            // collects the fact again, in its own job.
                            crate::facts::contain_panic(|| (shared.collect)(facts));
                            continue;
                        }
                        let i = part.start + (k - first.len());
                        if i >= part.end {
                            break;
                        }
                        let job = &jobs[i];
                        let _ = done[i].set(run_job(job));
                        for (r, left) in all_retired.iter().zip(&readers_left) {
                            if r.readers.contains(&job.1.id)
                                && left.fetch_sub(1, Ordering::AcqRel) == 1
                            {
                                let start = crate::timings::enabled().then(std::time::Instant::now);
                                retire(r);
                                if let Some(start) = start {
                                    crate::timings::span(&format!("retire {}", r.fact), start);
                                }
                            }
                        }
                    }
                });
            }
        });
    }
    let outcomes: Vec<(usize, &'static RuleMeta, Vec<Outcome>)> = jobs
        .iter()
        .zip(done)
        .map(|(&(ti, _, meta), out)| (ti, meta, out.into_inner().expect("every job ran")))
        .collect();
    bar.finish_and_clear();
    crate::timings::mark("rules");
    crate::timings::print_totals();

    let mut evaluated = BTreeSet::new();
    for (ti, meta, _) in &outcomes {
        evaluated.insert((category_of(all_targets[*ti].0), meta.id.as_str()));
    }
    // Findings are finished across cores: fingerprints, policy waivers, then
    // inline ignores, whose files are read once each, in parallel, up front.
    let inline = crate::policy::inline::InlineIgnores::read(
        outcomes.iter().flat_map(|(ti, _, outs)| {
            outs.iter()
                .filter(|o| o.verdict == Verdict::Fail)
                .filter_map(|o| Some((all_targets[*ti].0, o.location.as_ref()?)))
        }),
        // Certificate files are read as bytes, without marks: read again.
        |target, rel| {
            let (_, facts) = all_targets.iter().find(|(t, _)| std::ptr::eq(*t, target))?;
            let doc = facts.doc(rel)?;
            (doc.kind != crate::facts::inventory::Kind::Pem).then_some(&*doc.marks)
        },
    );
    let mut targets: Vec<TargetInfo> = all_targets
        .iter()
        .map(|(t, f)| TargetInfo {
            id: t.id.clone(),
            kind: t.kind,
            environment: t.environment.clone(),
            category: category_of(t),
            files: f.inventory.docs.len(),
            notes: f
                .inventory
                .notes
                .iter()
                .map(|n| {
                    (
                        n.rel.as_ref().map(|r| t.location(r).path.to_string()),
                        n.message.clone(),
                    )
                })
                .collect(),
            error: None,
        })
        .collect();
    // What was read and derived is no longer needed. It is freed on the
    // pool while the findings are finished and sorted, which reuse its
    // memory instead of raising the peak (the scope waits for both). (Freed on the critical path
    // it was a tenth of a large tree's scan; left for the OS to reclaim at
    // exit, it was the floor under everything after the rules.)
    let target_of: Vec<&Target> = all_targets.iter().map(|(t, _)| *t).collect();
    drop(all_targets);
    drop(env_facts);
    let (results, waiver_counts) = rayon::scope(|s| {
        s.spawn(move |_| {
            drop(domain_facts);
            facts.into_par_iter().for_each(|f| {
                let (docs, rest) = f.into_parts();
                rayon::join(
                    || docs.into_par_iter().with_min_len(256).for_each(drop),
                    || rest.free(),
                );
            });
            crate::timings::mark("free (beside finishing)");
        });
        finish_findings(&plan, &target_of, outcomes, &inline)
    });
    crate::heap::peak_passed();
    targets.extend(plan.target_errors.iter().map(|e| TargetInfo {
        id: e.id.clone(),
        kind: e.kind,
        environment: None,
        category: e.kind.as_str().to_string(),
        files: 0,
        notes: Vec::new(),
        error: Some(e.message.clone()),
    }));
    targets.sort_by(|a, b| {
        (a.kind == TargetKind::Env, &a.id).cmp(&(b.kind == TargetKind::Env, &b.id))
    });

    let waivers = plan
        .policy
        .waivers
        .iter()
        .zip(waiver_counts)
        .map(|(w, (applied, expired_hits))| WaiverUse {
            waiver: w.clone(),
            state: if w.expired(plan.today) {
                WaiverState::Expired
            } else if applied > 0 {
                WaiverState::Applied
            } else {
                WaiverState::Unused
            },
            matched: applied + expired_hits,
        })
        .collect();

    Report {
        policy_sha256: plan.policy.sha256(),
        policy: plan.policy,
        targets,
        results,
        waivers,
        evaluated,
        today: plan.today,
        baseline: None,
        fail_on_new: false,
        header: None,
    }
}

/// Endpoints probed at once; each uses up to `MAX_CONNECTIONS` connections.
const PROBE_ENDPOINTS_AT_ONCE: usize = 64;

/// Probes every TLS target on dedicated OS threads: up to
/// `PROBE_ENDPOINTS_AT_ONCE` endpoints at a time, and for each, its tasks on
/// at most `Prober::max_connections` threads. Blocking network I/O never
/// runs on the rayon pool, where it would starve the rule jobs.
fn probe_endpoints(targets: &[Target]) -> Vec<(usize, crate::probe::TlsProbe)> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let endpoints: Vec<(usize, &crate::target::TlsSource)> = targets
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.tls_source().map(|s| (i, s)))
        .collect();
    if endpoints.is_empty() {
        return Vec::new();
    }
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::with_capacity(endpoints.len()));
    let workers = endpoints.len().min(PROBE_ENDPOINTS_AT_ONCE);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(ti, src)) = endpoints.get(k) else {
                        break;
                    };
                    let probe = probe_one(src);
                    done.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((ti, probe));
                }
            });
        }
    });
    let mut out = done.into_inner().unwrap_or_else(|p| p.into_inner());
    out.sort_by_key(|(i, _)| *i);
    out
}

/// The domain targets, with those of the instances the scan's files serve
/// added (`--check-domains`): each `app_url`, `COMMON_NAME` or ingress host
/// of a production environment, or of a file no environment is known for,
/// that is not a default, `localhost` or an IP address. A name already
/// looked up for `--domains` or `--tls` joins that domain's target.
fn with_instance_domains(
    targets: Vec<Target>,
    facts: &[Facts],
    policy: &Policy,
    options: &std::sync::Arc<crate::rdap::RdapOptions>,
) -> Vec<Target> {
    use std::collections::BTreeMap;

    use crate::facts::env_items::{EnvItems, Role};

    let mut by_domain: BTreeMap<String, (Vec<String>, std::sync::Arc<crate::rdap::RdapOptions>)> =
        BTreeMap::new();
    for t in targets {
        if let Source::Domain(d) = t.source {
            by_domain.insert(d.domain, (d.from, d.options));
        }
    }
    for f in facts.iter().filter(|f| f.target.root().is_some()) {
        let items = f.get::<EnvItems>();
        for h in &items.hosts {
            if h.role != Role::Serves || h.defaulted || h.host == "localhost" {
                continue;
            }
            let env = f.environment(policy, &h.rel);
            if env.is_some() && !policy.is_production(env.as_deref()) {
                continue;
            }
            let Ok(domain) = crate::rdap::registrable(&h.host) else {
                continue;
            };
            let (from, _) = by_domain
                .entry(domain)
                .or_insert_with(|| (Vec::new(), options.clone()));
            if !from.contains(&h.host) {
                from.push(h.host.clone());
            }
        }
    }
    by_domain
        .into_iter()
        .map(|(domain, (from, options))| Target::domain(domain, from, options))
        .collect()
}

/// RDAP lookups of the domain targets, a few at a time, each bounded by its
/// deadline.
fn rdap_lookups(targets: &[Target]) -> Vec<(usize, crate::rdap::RdapLookup)> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let domains: Vec<(usize, &crate::target::DomainSource)> = targets
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.domain_source().map(|s| (i, s)))
        .collect();
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::with_capacity(domains.len()));
    std::thread::scope(|s| {
        for _ in 0..domains.len().min(8) {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(ti, src)) = domains.get(k) else {
                        break;
                    };
                    let r = crate::rdap::lookup(&src.domain, &src.options);
                    done.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((ti, crate::rdap::RdapLookup(r)));
                }
            });
        }
    });
    let mut out = done.into_inner().unwrap_or_else(|p| p.into_inner());
    out.sort_by_key(|(i, _)| *i);
    out
}

fn probe_one(src: &crate::target::TlsSource) -> crate::probe::TlsProbe {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let prober = crate::probe::Prober::new(&src.endpoint, &src.options);
    let tasks = prober.tasks();
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(tasks.len()));
    let failed: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..prober.max_connections().min(tasks.len()) {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(task) = tasks.get(k) else {
                        break;
                    };
                    match catch_unwind(AssertUnwindSafe(|| prober.run(task))) {
                        Ok(r) => results
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push((k, r)),
                        Err(p) => failed
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push(panic_text(p.as_ref())),
                    }
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(k, _)| *k);
    let mut probe = prober.finish(results.into_iter().map(|(_, r)| r).collect());
    // A task that failed inside rampart leaves a hole in the enumeration:
    // never let it read as "not accepted".
    for why in failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
        probe
            .suites_incomplete
            .push(format!("a probe task failed inside rampart: {why}"));
    }
    probe
}

/// The policy waivers a failure matched: (index, expired).
type WaiverHits = Vec<(usize, bool)>;

/// A rule job's outcomes: the target's index, the rule, what it found.
type Job = (usize, &'static RuleMeta, Vec<Outcome>);

/// Turns the rules' outcomes into the report's findings: policy severity,
/// waivers, inline ignores and fingerprints, across cores; then sorts them
/// and folds floods. Returns them with each waiver's (applied, expired) hits.
fn finish_findings(
    plan: &Plan,
    target_of: &[&Target],
    outcomes: Vec<Job>,
    inline: &crate::policy::inline::InlineIgnores,
) -> (Vec<Finding>, Vec<(usize, usize)>) {
    // Each target's identity (part of every fingerprint), once.
    let identities: Vec<String> = target_of.iter().map(|t| identity(t)).collect();
    // And its id, shared by its findings rather than copied into each.
    let ids: Vec<std::sync::Arc<str>> = target_of.iter().map(|t| t.id.as_str().into()).collect();
    // Findings are sorted by target, rule, then within (status, location,
    // key, message). A job holds one target's findings of one rule, so
    // the jobs are put in (target, rule) order first (stably: jobs that
    // share both keep their order, as one stable sort of every finding
    // would) and each group of jobs with the same (target, rule) is given
    // its run of the report's vector, where its findings are finished and
    // sorted on their own, across cores. The vector is allocated once at
    // its length: no second copy of the findings while they are gathered.
    let mut outcomes = outcomes;
    outcomes.sort_by(|a, b| (&*ids[a.0], a.1.id.as_str()).cmp(&(&*ids[b.0], b.1.id.as_str())));
    let total = outcomes.iter().map(|(_, _, outs)| outs.len()).sum();
    let mut results: Vec<Finding> = match outcomes.first() {
        Some(&(ti, meta, _)) => {
            let blank = Finding::blank(meta, &ids[ti]);
            std::iter::repeat_n(blank, total).collect()
        }
        None => Vec::new(),
    };
    let mut groups: Vec<(Vec<Job>, &mut [Finding])> = Vec::new();
    let mut rest = results.as_mut_slice();
    let mut outcomes = outcomes.into_iter().peekable();
    while let Some(first) = outcomes.next() {
        let key = (first.0, first.1.id.as_str());
        let mut jobs = vec![first];
        while let Some(next) = outcomes.next_if(|n| *ids[n.0] == *ids[key.0] && n.1.id == key.1) {
            jobs.push(next);
        }
        let len = jobs.iter().map(|(_, _, outs)| outs.len()).sum();
        let (run, tail) = std::mem::take(&mut rest).split_at_mut(len);
        rest = tail;
        groups.push((jobs, run));
    }
    let hits: Vec<WaiverHits> = groups
        .into_par_iter()
        .with_max_len(1)
        .map(|(jobs, run)| {
            let mut slots = run.iter_mut();
            let mut hits = WaiverHits::new();
            for (ti, meta, outs) in jobs {
                let target = target_of[ti];
                for o in outs {
                    let (mut f, mut h) =
                        finish_outcome(plan, target, &ids[ti], &identities[ti], meta, o);
                    crate::policy::inline::apply(inline, target, &mut f);
                    hits.append(&mut h);
                    *slots.next().expect("a slot for each outcome") = f;
                }
            }
            sort_in_place(run, |a, b| {
                (a.status, &a.location, &a.key, &a.message).cmp(&(
                    b.status,
                    &b.location,
                    &b.key,
                    &b.message,
                ))
            });
            hits
        })
        .collect();
    let mut waiver_counts: Vec<(usize, usize)> = vec![(0, 0); plan.policy.waivers.len()];
    for (i, expired) in hits.into_iter().flatten() {
        if expired {
            waiver_counts[i].1 += 1;
        } else {
            waiver_counts[i].0 += 1;
        }
    }
    crate::timings::mark("finish and sort outcomes");
    // Bounded output: a flood of findings in one file folds into one.
    let results = crate::report::bound::fold(results);
    crate::timings::mark("fold");
    (results, waiver_counts)
}

/// Sorts `items` as a stable sort would (equal items keep their order)
/// without its buffer: the standard stable sort borrows room for up to
/// all of them (4 MB for 20,000 findings, at the scan's last peak). An
/// index per item is sorted instead, then the items are moved into place
/// along the permutation's cycles.
fn sort_in_place<T>(items: &mut [T], cmp: impl Fn(&T, &T) -> std::cmp::Ordering) {
    let mut order: Vec<u32> =
        (0..u32::try_from(items.len()).expect("fewer than 2^32 findings")).collect();
    order.sort_unstable_by(|&a, &b| cmp(&items[a as usize], &items[b as usize]).then(a.cmp(&b)));
    // Slot `k` takes the item at `order[k]`: each cycle is walked once,
    // and a slot done points at itself.
    for start in 0..order.len() {
        let mut at = start;
        while order[at] as usize != start {
            let from = order[at] as usize;
            items.swap(at, from);
            order[at] = at as u32;
            at = from;
        }
        order[at] = at as u32;
    }
}

fn finish_outcome(
    plan: &Plan,
    target: &Target,
    id: &std::sync::Arc<str>,
    identity: &str,
    meta: &'static RuleMeta,
    o: Outcome,
) -> (Finding, WaiverHits) {
    let severity = plan
        .policy
        .severity_of(&meta.id)
        .or(o.severity)
        .unwrap_or(meta.severity);
    let mut status = o.verdict.status();
    let mut waiver = None;
    let mut hits = Vec::new();
    if o.verdict == Verdict::Fail {
        let path = o.location.as_ref().map(|l| &*l.path);
        for (i, w) in plan.policy.waivers.iter().enumerate() {
            if !w.matches(&meta.id, &target.id, path) {
                continue;
            }
            if w.expired(plan.today) {
                hits.push((i, true));
                continue;
            }
            hits.push((i, false));
            if waiver.is_none() {
                status = Status::Waived;
                waiver = Some((w.reason.clone(), w.origin.clone()));
            }
        }
    }
    let finding = Finding {
        rule: meta,
        target: id.clone(),
        status,
        severity,
        fingerprint: fingerprint(&meta.id, identity, &o.key),
        message: o.message,
        location: o.location,
        evidence: o.evidence,
        key: o.key,
        waiver,
    };
    (finding, hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_in_place_is_a_stable_sort() {
        // Keys with many ties, tagged with their first position: every
        // length up to 300 and a few orders, against the standard stable sort.
        let mut seed = 0x9e37_79b9_u32;
        for len in (0..300).chain([1000, 4097]) {
            let items: Vec<(u32, usize)> = (0..len)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    (seed % 7, i)
                })
                .collect();
            let mut want = items.clone();
            want.sort_by_key(|x| x.0);
            let mut got = items.clone();
            sort_in_place(&mut got, |a, b| a.0.cmp(&b.0));
            assert_eq!(got, want, "length {len}");
        }
    }

    fn exploding(_: &Ctx) -> Vec<Outcome> {
        panic!("index out of bounds: the len is 0 but the index is 3")
    }

    static EXPLODING: Rule = Rule {
        id: "PORT-005",
        check: exploding,
    };

    #[test]
    fn a_panicking_rule_is_not_evaluated_and_the_scan_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("docker-compose.yml"),
            "services:\n  db:\n    ports: [\"5984:5984\"]\n",
        )
        .unwrap();
        let target = Target::tree(dir.path(), "t", dir.path()).unwrap();
        let rules = vec![&EXPLODING, crate::rules::find("PORT-003").unwrap()];
        let report = run(Plan {
            targets: vec![target],
            target_errors: vec![],
            policy: crate::policy::load(None).unwrap(),
            rules,
            jobs: Some(2),
            today: Date::parse("2026-11-22").unwrap(),
            progress: false,
            load: LoadOptions::default(),
            check_domains: None,
        });
        let ne = report
            .results
            .iter()
            .find(|f| f.rule.id == "PORT-005")
            .unwrap();
        assert_eq!(ne.status, Status::NotEvaluated);
        assert!(
            ne.message
                .contains("rule PORT-005 failed while evaluating: rampart panicked"),
            "{}",
            ne.message
        );
        assert!(
            !ne.message.contains("index out of bounds"),
            "payload withheld"
        );
        assert!(
            report
                .results
                .iter()
                .any(|f| f.rule.id == "PORT-003" && f.status == Status::Fail)
        );
    }

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        let a = fingerprint("PORT-001", "host:a", "tcp/0.0.0.0:8080");
        assert_eq!(a, fingerprint("PORT-001", "host:a", "tcp/0.0.0.0:8080"));
        assert_ne!(a, fingerprint("PORT-001", "host:b", "tcp/0.0.0.0:8080"));
        assert_ne!(fingerprint("a", "bc", ""), fingerprint("ab", "c", ""));
        assert_eq!(a.len(), 32);
    }
}
