//! Reading JSON reports (`schema_version` 1) back: the interchange format
//! between hosts. `rampart report` re-renders saved reports (one host's or a
//! fleet's) from these types without rescanning. Lenient by design: fields
//! added by newer versions are ignored, fields missing from older ones take
//! their defaults. Reports come from other machines: everything read here is
//! untrusted text and is escaped by whatever renders it.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

/// Largest report file read (a full host report is a few hundred KiB).
pub const MAX_REPORT_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Clone, Debug, Deserialize)]
pub struct WireReport {
    pub schema_version: u32,
    #[serde(default)]
    pub tool: WireTool,
    #[serde(default)]
    pub scan: Option<WireScan>,
    #[serde(default)]
    pub policy: WirePolicy,
    #[serde(default)]
    pub targets: Vec<WireTarget>,
    #[serde(default)]
    pub results: Vec<WireResult>,
    #[serde(default)]
    pub waivers: Vec<WireWaiver>,
    /// Rules evaluated by SARIF run (reports before 0.2 have none).
    #[serde(default)]
    pub evaluated: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub baseline: Option<WireBaseline>,
    #[serde(default)]
    pub exit_code: Option<i32>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct WireBaseline {
    #[serde(default)]
    pub fail_on_new: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct WireTool {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: String,
}

/// When and where a scan ran (reports before 0.2 have none).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct WireScan {
    #[serde(default)]
    pub host: Option<String>,
    /// RFC 3339, UTC (`2026-11-30T09:30:00Z`).
    #[serde(default)]
    pub started: Option<String>,
    #[serde(default)]
    pub duration_ms: Option<u64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct WirePolicy {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub sha256: String,
    #[serde(default)]
    pub origin: String,
    #[serde(default)]
    pub fail_on: Option<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    #[serde(default)]
    pub require_evaluated: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct WireTarget {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub files: usize,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub notes: Vec<WireNote>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct WireNote {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub message: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct WireResult {
    pub rule_id: String,
    #[serde(default)]
    pub rule_name: String,
    #[serde(default)]
    pub pack: String,
    #[serde(default)]
    pub target: String,
    pub status: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub location: Option<WireLocation>,
    #[serde(default)]
    pub evidence: Value,
    #[serde(default)]
    pub fingerprint: String,
    #[serde(default)]
    pub waiver: Option<WireWaiverRef>,
    #[serde(default)]
    pub baseline_state: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct WireLocation {
    pub path: String,
    #[serde(default)]
    pub line: Option<u32>,
    /// The SARIF URI (reports before 0.2 have none).
    #[serde(default)]
    pub uri: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct WireWaiverRef {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub origin: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct WireWaiver {
    #[serde(default)]
    pub rule: String,
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub expires: String,
    #[serde(default)]
    pub origin: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub matched: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("{path}: cannot be read ({reason})")]
    Read { path: String, reason: String },
    #[error("{path}: larger than {MAX_REPORT_BYTES} bytes")]
    TooLarge { path: String },
    #[error("{path}: not a rampart JSON report (line {line}, column {column}: {kind})")]
    Parse {
        path: String,
        line: usize,
        column: usize,
        kind: &'static str,
    },
    #[error("{path}: schema_version {found} is not supported (this rampart reads 1)")]
    Version { path: String, found: u32 },
}

impl WireReport {
    /// Parses a report's text. Errors name the line and column, never the text.
    pub fn parse(text: &str, path: &str) -> Result<WireReport, WireError> {
        let report: WireReport = serde_json::from_str(text).map_err(|e| WireError::Parse {
            path: path.to_string(),
            line: e.line(),
            column: e.column(),
            kind: match e.classify() {
                serde_json::error::Category::Io => "read error",
                serde_json::error::Category::Syntax => "syntax error",
                serde_json::error::Category::Data => "missing or mistyped field",
                serde_json::error::Category::Eof => "unexpected end",
            },
        })?;
        if report.schema_version != 1 {
            return Err(WireError::Version {
                path: path.to_string(),
                found: report.schema_version,
            });
        }
        Ok(report)
    }

    /// Reads and parses a report file (size-capped).
    pub fn read(path: &Path) -> Result<WireReport, WireError> {
        let shown = path.display().to_string();
        let read_err = |e: std::io::Error| WireError::Read {
            path: shown.clone(),
            reason: e.kind().to_string(),
        };
        let file = File::open(path).map_err(read_err)?;
        let mut text = String::new();
        file.take(MAX_REPORT_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(read_err)?;
        if text.len() as u64 > MAX_REPORT_BYTES {
            return Err(WireError::TooLarge { path: shown });
        }
        WireReport::parse(&text, &shown)
    }

    /// The host this report describes: the scan header's host, else the
    /// first host target's name, else the first target.
    pub fn host_name(&self) -> Option<String> {
        if let Some(h) = self.scan.as_ref().and_then(|s| s.host.clone()) {
            return Some(h);
        }
        self.targets
            .iter()
            .find(|t| t.kind == "host")
            .or(self.targets.first())
            .map(|t| t.id.strip_prefix("host:").unwrap_or(&t.id).to_string())
    }

    pub fn started(&self) -> Option<&str> {
        self.scan.as_ref().and_then(|s| s.started.as_deref())
    }

    pub fn count(&self, status: &str) -> usize {
        self.results.iter().filter(|r| r.status == status).count()
    }
}

/// Severity order for sorting (`critical` first); unknown names last.
pub fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 0,
        "high" => 1,
        "medium" => 2,
        "low" => 3,
        "info" => 4,
        _ => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_minimal_report_and_ignores_unknown_fields() {
        let r = WireReport::parse(
            r#"{"schema_version":1,"future":[1,2],"policy":{"name":"baseline","sha256":"ab"},
               "targets":[{"id":"host:web-1","kind":"host"}],
               "results":[{"rule_id":"PASS-001","status":"fail","severity":"high","extra":true}]}"#,
            "r.json",
        )
        .expect("parses");
        assert_eq!(r.host_name().as_deref(), Some("web-1"));
        assert_eq!(r.count("fail"), 1);
    }

    #[test]
    fn errors_name_the_place_never_the_text() {
        let e = WireReport::parse(
            r#"{"schema_version":1,"policy":{"name":"s3cr3t-value"#,
            "r.json",
        )
        .expect_err("truncated");
        let msg = e.to_string();
        assert!(msg.contains("r.json") && msg.contains("line 1"), "{msg}");
        assert!(!msg.contains("s3cr3t"), "{msg}");
        let e = WireReport::parse(r#"{"schema_version":2}"#, "r.json").expect_err("v2");
        assert!(e.to_string().contains("schema_version 2"));
    }
}
