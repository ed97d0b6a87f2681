//! Releasing parse trees changes no rule's outcome: every fixture (rule
//! cases, trees, environments, host roots) is loaded twice, once released
//! as the engine does (`Facts::release`) and once not, and every rule that
//! applies to the target — and every rule of the environments comparison
//! over it — must say exactly the same on both. A rule that starts reading
//! a released kind, or an app settings path missing from
//! `rules::APP_SETTINGS_READ`, fails here on the fixtures that exercise it;
//! so does a kind released (`release::last_read`) before a step of
//! `Facts::prepare` that reads it.

mod common;

use std::path::{Path, PathBuf};

use rampart::catalog::catalog;
use rampart::clock::Date;
use rampart::facts::{Facts, Kind, LoadOptions, Parsed};
use rampart::outcome::Outcome;
use rampart::policy::{self, Policy};
use rampart::rules::{self, Ctx};
use rampart::target::{Target, TargetKind};

/// Every directory scanned as a target by the fixture tests, with whether
/// it is a host root.
fn inputs() -> Vec<(PathBuf, bool)> {
    let base = common::fixtures();
    let mut out = Vec::new();
    let dirs = |p: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(p)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    for pack in dirs(&base) {
        let name = pack.file_name().unwrap().to_string_lossy().into_owned();
        match name.as_str() {
            "trees" | "environments" => out.extend(dirs(&pack).into_iter().map(|d| (d, false))),
            "hosts" => out.extend(dirs(&pack).into_iter().map(|d| (d, true))),
            _ => {
                for rule in dirs(&pack) {
                    for case in dirs(&rule) {
                        let root = case
                            .file_name()
                            .is_some_and(|n| n.to_string_lossy().contains("-root"));
                        out.push((case, root));
                    }
                }
            }
        }
    }
    out
}

fn outcomes(facts: &Facts, policy: &Policy, today: Date) -> Vec<(String, Vec<Outcome>)> {
    let kind = facts.target.kind;
    rules::registry()
        .into_iter()
        .filter(|r| catalog().get(r.id).is_some_and(|m| m.applies_to(kind)))
        .map(|r| {
            let ctx = Ctx {
                facts,
                policy,
                today,
            };
            // In the order the engine reports them (some rules list
            // findings in hash order).
            let mut out = (r.check)(&ctx);
            out.sort_by_cached_key(|o| format!("{o:?}"));
            (r.id.to_string(), out)
        })
        .collect()
}

fn target(dir: &Path, host: bool) -> Target {
    let display = dir.display().to_string();
    if host {
        Target::host(dir, &display, false)
    } else {
        Target::tree(dir, &display, &common::repo())
    }
    .unwrap_or_else(|e| panic!("{display}: {e}"))
}

#[test]
fn released_facts_give_the_same_outcomes() {
    let policy = policy::load(None).expect("baseline policy");
    let today = Date::parse(common::TODAY).expect("date");
    let opts = LoadOptions::default();
    let env_target = Target::environments();
    let (mut released, mut pruned, mut inputs_seen) = (0, 0, 0);
    for (dir, host) in inputs() {
        let t = target(&dir, host);
        let kept = Facts::load(&t, &opts);
        kept.index_files(&policy);
        kept.prepare();
        let mut freed = Facts::load(&t, &opts);
        freed.index_files(&policy);
        freed.release(rules::APP_SETTINGS_READ);
        inputs_seen += 1;
        for (a, b) in kept.docs().zip(freed.docs()) {
            match (&a.content, &b.content) {
                (Ok(Parsed::Released), _) => panic!("{}: released without release", a.rel),
                (Ok(_), Ok(Parsed::Released)) => released += 1,
                (Ok(x), Ok(y)) if a.kind == Kind::AppSettings && x != y => pruned += 1,
                _ => {}
            }
            assert_eq!((&a.rel, a.kind, &a.marks), (&b.rel, b.kind, &b.marks));
            assert_eq!(a.content.is_ok(), b.content.is_ok(), "{}", a.rel);
            if let (Err(x), Err(y)) = (&a.content, &b.content) {
                assert_eq!(x, y, "{}: parse error kept", a.rel);
            }
        }
        let name = dir.display();
        let (before, after) = (
            outcomes(&kept, &policy, today),
            outcomes(&freed, &policy, today),
        );
        for ((id, x), (_, y)) in before.iter().zip(&after) {
            assert_eq!(x, y, "{name}: {id} differs on released facts");
        }
        // The environments comparison reads the target as a peer.
        let (kept, freed) = (vec![kept], vec![freed]);
        let (a, b) = (
            Facts::over(&env_target, &kept),
            Facts::over(&env_target, &freed),
        );
        assert_eq!(a.target.kind, TargetKind::Env);
        for ((id, x), (_, y)) in outcomes(&a, &policy, today)
            .iter()
            .zip(&outcomes(&b, &policy, today))
        {
            assert_eq!(
                x, y,
                "{name}: {id} (environments) differs on released facts"
            );
        }
    }
    // The comparison is not vacuous: fixtures hold files of released kinds
    // and app settings with members no rule reads.
    assert!(inputs_seen > 100, "{inputs_seen} inputs");
    assert!(released > 50, "{released} files released");
    assert!(pruned > 3, "{pruned} app settings files pruned");
}

/// The engine frees each fact of `rules::RETIRED` (and `LATE_RETIRED`) once
/// the rules it lists have finished (the other rules start after them), and
/// collects those of `LATE_RETIRED` and `KEPT` before the rules that read
/// them start: no other rule may read one, directly or through another
/// fact, on any fixture (each rule runs on facts that have collected
/// nothing, on the target and on the environments comparison over it). And
/// each listed rule does read it on some fixture: the lists are exact. Each
/// entry's `collect` collects its fact.
#[test]
fn only_the_listed_readers_read_retired_facts() {
    use std::collections::BTreeSet;
    let policy = policy::load(None).expect("baseline policy");
    let today = Date::parse(common::TODAY).expect("date");
    let opts = LoadOptions::default();
    let env_target = Target::environments();
    let retired: Vec<&rules::Shared> = rules::RETIRED
        .iter()
        .chain(rules::LATE_RETIRED)
        .chain(rules::KEPT)
        .collect();
    assert!(!rules::RETIRED.is_empty() && !rules::LATE_RETIRED.is_empty());
    assert!(!rules::KEPT.is_empty());
    let mut readers: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); retired.len()];
    let mut strays: BTreeSet<String> = BTreeSet::new();
    for (dir, host) in inputs() {
        let t = target(&dir, host);
        let peers = vec![Facts::load(&t, &opts)];
        peers[0].index_files(&policy);
        let env = Facts::over(&env_target, &peers);
        for facts in [&peers[0], &env] {
            for r in rules::registry().into_iter().filter(|r| {
                catalog()
                    .get(r.id)
                    .is_some_and(|m| m.applies_to(facts.target.kind))
            }) {
                peers[0].forget();
                env.forget();
                let ctx = Ctx {
                    facts,
                    policy: &policy,
                    today,
                };
                (r.check)(&ctx);
                for (fact, seen) in retired.iter().zip(&mut readers) {
                    if (fact.held)(&peers[0]).is_some() {
                        seen.insert(r.id);
                        if !fact.readers.contains(&r.id) {
                            strays.insert(format!(
                                "{} reads the {} on {}",
                                r.id,
                                fact.fact,
                                dir.display()
                            ));
                        }
                    }
                }
            }
        }
        for fact in &retired {
            peers[0].forget();
            (fact.collect)(&peers[0]);
            assert!(
                (fact.held)(&peers[0]).is_some(),
                "collect leaves the {} uncollected",
                fact.fact
            );
        }
    }
    assert!(
        strays.is_empty(),
        "rules read a shared fact but are not listed as its readers (rules::RETIRED, LATE_RETIRED, KEPT): {strays:#?}"
    );
    for (fact, seen) in retired.iter().zip(&readers) {
        let listed: BTreeSet<&str> = fact.readers.iter().copied().collect();
        assert_eq!(
            &listed, seen,
            "rules lists readers of the {} no fixture shows reading it",
            fact.fact
        );
    }
}

/// A tree given by an absolute path: each file's SARIF URI (relative to the
/// repository) is the end of the path people read, kept once for both.
#[test]
fn file_uris_share_their_path_text() {
    let policy = policy::load(None).expect("baseline policy");
    let dir = common::fixtures().join("trees/cht-production-clean");
    let t = target(&dir, false);
    let facts = Facts::load(&t, &LoadOptions::default());
    facts.index_files(&policy);
    let mut seen = 0;
    for d in facts.docs() {
        let loc = facts.location(&d.rel);
        assert!(loc.path.starts_with('/'), "{}", loc.path);
        assert!(loc.path.ends_with(&*loc.uri) && loc.uri.len() < loc.path.len());
        let end = &loc.path[loc.path.len() - loc.uri.len()..];
        assert!(std::ptr::eq(loc.uri.as_str(), end), "{}: a copy", loc.uri);
        seen += 1;
    }
    assert!(seen > 5, "{seen} files");
}
