//! ENV-005 debug-mode-in-production: a production deployment runs with
//! development settings: `NODE_ENV` other than `production`, a `debug` log
//! level (`LOG_LEVEL`, `COUCHDB_LOG_LEVEL`, helm `api.log_level`...), helm
//! `environment: local` or `cache_images: false`, or the API started with
//! `--allow-cors`. Only judged for targets labelled production.

use crate::facts::cht_settings::ChtSettings;
use crate::facts::compose::ComposeProjects;
use crate::facts::inventory::is_example;
use crate::outcome::{Judgement, Outcome, not_applicable};
use crate::rules::Ctx;
use crate::rules::password_policy::{ALL_SOURCES, each_setting_where};

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let target = ctx.target();
    let production = |rel: &str| ctx.policy.is_production(ctx.environment(rel).as_deref());
    if !ctx.facts.docs().any(|d| production(&d.rel)) {
        let env = target.environment.as_deref();
        return not_applicable(match env {
            Some(e) => format!("the target is labelled {e}, not production"),
            None => "no file is labelled production (label trees with --env production=PATH, [environments] in the policy, or a path such as deploy/prod)".to_string(),
        });
    }
    let settings = ctx.facts.get::<ChtSettings>();
    let mut j = Judgement::new();
    each_setting_where(
        ctx,
        &settings,
        &mut j,
        |k| {
            matches!(k, "NODE_ENV" | "HELM_ENVIRONMENT" | "CACHE_IMAGES")
                || k.ends_with("LOG_LEVEL")
        },
        ALL_SOURCES,
        |s| production(&s.rel),
        |j, s, value, loc| {
            let v = value.expose().trim().to_ascii_lowercase();
            let bad = match &*s.key {
                "NODE_ENV" => (v != "production").then_some("NODE_ENV must be production"),
                "HELM_ENVIRONMENT" => {
                    (v == "local").then_some("environment: local is for local clusters")
                }
                "CACHE_IMAGES" => {
                    (v == "false").then_some("cache_images: false is for development instances")
                }
                _ => (v == "debug").then_some(
                    "debug logging writes request details (and personal data) to the logs",
                ),
            };
            match bad {
                None => j.checked(format!("{} {}={v}", loc.path, s.written)),
                Some(why) => {
                    j.fail(
                        s.logical_key(),
                        format!(
                            "{} is {v:?} ({}) in a production deployment: {why}.",
                            s.written,
                            s.context()
                        ),
                    )
                    .at(loc)
                    .evidence("setting", s.written.to_string())
                    .evidence("value", v.clone());
                }
            }
        },
    );
    let projects = ctx.facts.get::<ComposeProjects>();
    for project in projects
        .projects
        .iter()
        .filter(|p| !is_example(&p.rel) && production(&p.rel))
    {
        for svc in &project.file.services {
            for arg in svc
                .command
                .iter()
                .filter(|c| c.raw.contains("--allow-cors"))
            {
                j.fail(
                    format!("{}#{}/--allow-cors", project.rel, svc.name),
                    format!(
                        "service {} is started with --allow-cors in a production deployment: any web site can call the CHT API with the user's session.",
                        svc.name
                    ),
                )
                .at(ctx.location(&project.rel).with_line(arg.line))
                .evidence("service", svc.name.as_str());
            }
        }
    }
    j.finish(
        "No development setting is on in this production deployment.",
        "no NODE_ENV, log level, helm environment or cache_images setting in the files",
    )
}
