//! The policy file as written: TOML deserialised with `deny_unknown_fields`,
//! every value spanned so validation can name the line. No meaning here; see
//! `policy::Policy` for the validated form.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPolicy {
    pub name: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    pub extends: Option<Spanned<String>>,
    pub fail_on: Option<Spanned<String>>,
    pub require_evaluated: Option<Vec<Spanned<String>>>,
    pub rules: Option<RawRules>,
    pub open_ports: Option<RawOpenPorts>,
    pub password_policy: Option<RawPasswordPolicy>,
    pub tls: Option<RawTls>,
    pub env_segregation: Option<RawEnv>,
    pub updates: Option<RawUpdates>,
    pub monitoring: Option<RawMonitoring>,
    pub renewals: Option<RawRenewals>,
    pub backups: Option<RawBackups>,
    /// Environment labels and the tree paths (globs) that carry them.
    pub environments: Option<BTreeMap<Spanned<String>, RawGlobs>>,
    #[serde(default)]
    pub waiver: Vec<Spanned<RawWaiver>>,
}

/// A list of path globs, spanned as a whole and one by one.
pub type RawGlobs = Spanned<Vec<Spanned<String>>>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRules {
    pub select: Option<Vec<Spanned<String>>>,
    pub ignore: Option<Vec<Spanned<String>>>,
    pub severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawOpenPorts {
    pub allowed: Option<Vec<Spanned<i64>>>,
    pub never_public: Option<Vec<Spanned<i64>>>,
    pub web_proxies: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPasswordPolicy {
    pub max_days: Option<Spanned<i64>>,
    pub min_length: Option<Spanned<i64>>,
    pub couchdb_min_length: Option<Spanned<i64>>,
    pub couchdb_min_score: Option<Spanned<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawTls {
    pub expiry_medium_days: Option<Spanned<i64>>,
    pub expiry_high_days: Option<Spanned<i64>>,
    pub min_rsa_bits: Option<Spanned<i64>>,
    pub min_ec_bits: Option<Spanned<i64>>,
    pub hsts_min_age: Option<Spanned<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawBackups {
    pub max_age_days: Option<Spanned<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawEnv {
    pub production: Option<Vec<Spanned<String>>>,
    /// Read a per-environment `.env` one folder above the compose files
    /// (`prod/.env` for `prod/compose/*.yml`).
    pub environment_dotenv: Option<Spanned<bool>>,
}

/// `[updates]`: the minimum CHT version and rows added to the release tables.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawUpdates {
    pub minimum_cht_version: Option<Spanned<String>>,
    #[serde(default)]
    pub cht: Vec<Spanned<crate::lifecycle::RawCht>>,
    #[serde(default)]
    pub os: Vec<Spanned<crate::lifecycle::RawOs>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawMonitoring {
    pub min_free_percent: Option<Spanned<i64>>,
    pub high_free_percent: Option<Spanned<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRenewals {
    pub horizon_days: Option<Spanned<i64>>,
    pub domain_medium_days: Option<Spanned<i64>>,
    pub domain_high_days: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawWaiver {
    pub rule: Spanned<String>,
    pub target: Option<Spanned<String>>,
    pub path: Option<Spanned<String>>,
    pub reason: Spanned<String>,
    pub expires: Spanned<RawDate>,
}

/// A date written as a TOML date (`2027-01-31`) or a string (`"2027-01-31"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawDate {
    Date(toml::value::Datetime),
    Text(String),
}
