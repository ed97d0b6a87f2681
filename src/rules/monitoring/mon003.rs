//! MON-003 os-monitoring-missing: no OS-level monitoring agent is installed
//! and enabled — node_exporter, zabbix-agent, netdata, telegraf,
//! datadog-agent, monit, collectd, NRPE, the cloud vendors' agents. Units
//! come from the systemd fact (enabled, not masked), packages from dpkg.

use crate::facts::host_updates::HostUpdates;
use crate::facts::systemd::Systemd;
use crate::outcome::{Judgement, Outcome, not_evaluated};
use crate::rules::Ctx;

/// (agent, its unit names, its package names).
const AGENTS: [(&str, &[&str], &[&str]); 14] = [
    (
        "node_exporter",
        &[
            "prometheus-node-exporter.service",
            "node_exporter.service",
            "node-exporter.service",
        ],
        &[
            "prometheus-node-exporter",
            "golang-github-prometheus-node-exporter",
        ],
    ),
    (
        "Zabbix agent",
        &["zabbix-agent.service", "zabbix-agent2.service"],
        &["zabbix-agent", "zabbix-agent2"],
    ),
    ("Netdata", &["netdata.service"], &["netdata"]),
    ("Telegraf", &["telegraf.service"], &["telegraf"]),
    (
        "Datadog agent",
        &["datadog-agent.service"],
        &["datadog-agent"],
    ),
    ("Monit", &["monit.service"], &["monit"]),
    (
        "collectd",
        &["collectd.service"],
        &["collectd", "collectd-core"],
    ),
    (
        "NRPE",
        &["nagios-nrpe-server.service", "nrpe.service"],
        &["nagios-nrpe-server", "nrpe"],
    ),
    (
        "Grafana Alloy / Agent",
        &["alloy.service", "grafana-agent.service"],
        &["alloy", "grafana-agent"],
    ),
    (
        "Elastic Metricbeat / Agent",
        &["metricbeat.service", "elastic-agent.service"],
        &["metricbeat", "elastic-agent"],
    ),
    (
        "New Relic infrastructure agent",
        &["newrelic-infra.service"],
        &["newrelic-infra"],
    ),
    (
        "Amazon CloudWatch agent",
        &["amazon-cloudwatch-agent.service"],
        &["amazon-cloudwatch-agent"],
    ),
    (
        "Google Cloud Ops Agent",
        &["google-cloud-ops-agent.service"],
        &["google-cloud-ops-agent"],
    ),
    (
        "Azure Monitor Agent",
        &["azuremonitoragent.service"],
        &["azuremonitoragent"],
    ),
];

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let sd = ctx.facts.get::<Systemd>();
    if !sd.has_systemd {
        return not_evaluated(
            "no systemd unit directory under the root: which agents start at boot is unknown",
        );
    }
    let updates = ctx.facts.get::<HostUpdates>();
    let packages = updates.dpkg.as_ref().and_then(|f| f.content.as_ref().ok());
    let mut j = Judgement::new();
    let mut installed_only = Vec::new();
    for (agent, units, pkgs) in AGENTS {
        let unit = units.iter().filter_map(|u| sd.unit(u)).next();
        match unit {
            Some(u) if u.enabled() => {
                j.checked(format!("{agent}: {} enabled", u.name));
            }
            Some(u) => installed_only.push(format!(
                "{agent} ({} {})",
                u.name,
                if u.masked.is_some() {
                    "masked"
                } else {
                    "not enabled"
                }
            )),
            None => {
                if let Some(p) = pkgs.iter().find(|p| packages.is_some_and(|pk| pk.has(p))) {
                    installed_only.push(format!("{agent} (package {p} installed, no unit found)"));
                }
            }
        }
    }
    if j.has_failures() {
        return j.finish("", "");
    }
    let nothing_checked = j.finish("An OS monitoring agent is installed and enabled.", "");
    if nothing_checked[0].verdict == crate::outcome::Verdict::Pass {
        return nothing_checked;
    }
    let mut j = Judgement::new();
    for (path, why) in sd.unreadable.iter().take(3) {
        j.not_evaluated(format!("unreadable|{path}"), format!("/{path}: {why}"));
    }
    let found = if installed_only.is_empty() {
        "none is installed".to_string()
    } else {
        format!(
            "installed but not running at boot: {}",
            installed_only.join(", ")
        )
    };
    j.fail(
        "no-agent",
        format!(
            "No OS monitoring agent is enabled ({found}): nothing alerts on disk, memory, swap or CPU — what CHT's monitoring guide asks to watch beside Watchdog. Install and enable one (prometheus-node-exporter scraped by Watchdog's Prometheus, Netdata, Zabbix, ...)."
        ),
    )
    .at(ctx.target().pseudo_location("systemd"))
    .evidence("installed_not_enabled", installed_only);
    j.finish("", "")
}
