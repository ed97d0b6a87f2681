//! PASS-016 monitoring-admin-password-default: CHT Watchdog's Grafana admin
//! password (`GRAFANA_ADMIN_PASSWORD` in its `.env`, `GF_SECURITY_ADMIN_PASSWORD`
//! of a compose grafana service, Grafana's own default when neither is set)
//! is empty, a placeholder or a published default (`password`, `admin`).

use super::weak::{is_placeholder, is_published_password};
use crate::facts::Kind;
use crate::facts::cht_settings::ChtSettings;
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let settings = ctx.facts.get::<ChtSettings>();
    let mut j = Judgement::new();
    super::each_setting(
        ctx,
        &settings,
        &mut j,
        &["GRAFANA_ADMIN_PASSWORD", "GF_SECURITY_ADMIN_PASSWORD"],
        &[Kind::DotEnv, Kind::Compose],
        |_| true,
        |j, s, value, loc| {
            let v = value.expose();
            let why = if v.is_empty() {
                "is empty"
            } else if is_placeholder(v) {
                "is a placeholder"
            } else if is_published_password(v) {
                if s.defaulted() {
                    "falls back to a published default"
                } else {
                    "is a published default"
                }
            } else {
                j.checked([&*loc.path, " ", &s.written].concat());
                return;
            };
            j.fail(
                s.logical_key(),
                format!(
                    "The Grafana admin password {} ({}) {why}: the monitoring dashboards, and the data sources behind them, are open to anyone who tries it. Set GRAFANA_ADMIN_PASSWORD to a long random value.",
                    s.written,
                    s.context()
                ),
            )
            .at(loc)
            .evidence("setting", s.written.to_string())
            .evidence("value", value)
            .evidence("defaulted", s.defaulted());
        },
    );
    j.finish(
        "The monitoring admin password is set and not a default.",
        "no CHT Watchdog / Grafana admin password in the files",
    )
}
