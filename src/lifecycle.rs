//! Release lifecycles: the dated tables of CHT release lines and operating
//! system releases (`data/lifecycle.toml`, embedded; each row names its
//! public source), extended by the policy, and the version vocabulary the
//! update rules speak: CHT image tags read as semantic versions with their
//! pre-release and feature-release markers. Data and parsing only; rules
//! judge.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::clock::Date;

/// The embedded table, as written.
pub const BUILTIN: &str = include_str!("../data/lifecycle.toml");

/// One CHT release line (`4.22`): when it ended, per its source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChtLine {
    pub major: u64,
    pub minor: u64,
    pub released: Option<Date>,
    /// Last day of support; `None` while supported without an announced end.
    pub end: Option<Date>,
    pub source: String,
}

impl ChtLine {
    pub fn series(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }

    pub fn supported_on(&self, today: Date) -> bool {
        self.end.is_none_or(|e| e >= today)
    }
}

/// One operating system release (`ubuntu` `20.04`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OsRow {
    /// `ID` of os-release.
    pub id: String,
    /// `VERSION_ID` of os-release, or its major part (`9` for `9.4`).
    pub version: String,
    pub name: String,
    /// Last day of standard support; `None` while supported without an end.
    pub end: Option<Date>,
    /// What follows standard support (paid or community extended support).
    pub extended: Option<String>,
    pub source: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lifecycle {
    pub cht: Vec<ChtLine>,
    pub os: Vec<OsRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    #[serde(default)]
    cht: Vec<RawCht>,
    #[serde(default)]
    os: Vec<RawOs>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCht {
    pub series: String,
    pub released: Option<String>,
    pub end: Option<String>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOs {
    pub id: String,
    pub version: String,
    pub name: Option<String>,
    pub end: Option<String>,
    pub extended: Option<String>,
    pub source: String,
}

/// Parses `MAJOR.MINOR` (a release line).
pub fn parse_series(s: &str) -> Option<(u64, u64)> {
    let (a, b) = s.trim().split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

fn date(field: &str, s: &Option<String>) -> Result<Option<Date>, String> {
    match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(t) => Date::parse(t)
            .map(Some)
            .ok_or(format!("`{field}` must be a date (YYYY-MM-DD)")),
    }
}

impl RawCht {
    pub fn validate(&self) -> Result<ChtLine, String> {
        let (major, minor) = parse_series(&self.series)
            .ok_or("`series` must be MAJOR.MINOR (`4.22`)".to_string())?;
        if self.source.trim().is_empty() {
            return Err("a CHT row needs a `source`".to_string());
        }
        Ok(ChtLine {
            major,
            minor,
            released: date("released", &self.released)?,
            end: date("end", &self.end)?,
            source: self.source.trim().to_string(),
        })
    }
}

impl RawOs {
    pub fn validate(&self) -> Result<OsRow, String> {
        let id = self.id.trim().to_ascii_lowercase();
        if id.is_empty() || self.version.trim().is_empty() {
            return Err("an OS row needs `id` and `version`".to_string());
        }
        if self.source.trim().is_empty() {
            return Err("an OS row needs a `source`".to_string());
        }
        Ok(OsRow {
            name: self
                .name
                .clone()
                .unwrap_or_else(|| format!("{id} {}", self.version.trim())),
            id,
            version: self.version.trim().to_string(),
            end: date("end", &self.end)?,
            extended: self.extended.clone(),
            source: self.source.trim().to_string(),
        })
    }
}

fn parse_table(text: &str) -> Result<Lifecycle, String> {
    let raw: RawTable = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let mut out = Lifecycle::default();
    for c in &raw.cht {
        out.add_cht(c.validate()?);
    }
    for o in &raw.os {
        out.add_os(o.validate()?);
    }
    Ok(out)
}

/// The table shipped in the binary.
pub fn builtin() -> &'static Lifecycle {
    static TABLE: OnceLock<Lifecycle> = OnceLock::new();
    TABLE.get_or_init(|| parse_table(BUILTIN).expect("data/lifecycle.toml is valid (tested)"))
}

impl Lifecycle {
    /// Adds a row; one for the same line replaces it (a policy's wins).
    pub fn add_cht(&mut self, line: ChtLine) {
        self.cht
            .retain(|l| (l.major, l.minor) != (line.major, line.minor));
        self.cht.push(line);
        self.cht.sort_by_key(|l| (l.major, l.minor));
    }

    pub fn add_os(&mut self, row: OsRow) {
        self.os
            .retain(|r| !(r.id == row.id && r.version == row.version));
        self.os.push(row);
        self.os
            .sort_by(|a, b| (&a.id, &a.version).cmp(&(&b.id, &b.version)));
    }

    /// The line a version belongs to.
    pub fn cht_line(&self, major: u64, minor: u64) -> Option<&ChtLine> {
        self.cht
            .iter()
            .find(|l| l.major == major && l.minor == minor)
    }

    /// The oldest line still supported on `today`: the default minimum.
    pub fn oldest_supported(&self, today: Date) -> Option<&ChtLine> {
        self.cht.iter().find(|l| l.supported_on(today))
    }

    /// The row for an os-release `ID`/`VERSION_ID` (`ID_LIKE` is not used:
    /// a derivative has its own lifecycle). `9.4` matches a `9` row.
    pub fn os_row(&self, id: &str, version_id: &str) -> Option<&OsRow> {
        let id = id.to_ascii_lowercase();
        let exact = self
            .os
            .iter()
            .find(|r| r.id == id && r.version == version_id);
        exact.or_else(|| {
            let major = version_id.split('.').next().unwrap_or(version_id);
            self.os.iter().find(|r| r.id == id && r.version == major)
        })
    }

    /// Whether any row knows this distribution.
    pub fn knows_os(&self, id: &str) -> bool {
        let id = id.to_ascii_lowercase();
        self.os.iter().any(|r| r.id == id)
    }
}

/// What an image tag says about the version it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tag {
    /// A release or pre-release version (`5.2.0`, `4.21.0-FR-sms.1`).
    Version(semver::Version),
    /// `latest`, or no tag at all (which docker reads as `latest`).
    Latest { explicit: bool },
    /// A tag that is not a version: a branch build (`master`), a name.
    Other(String),
}

/// How a pre-release is marked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreRelease {
    Alpha,
    Beta,
    ReleaseCandidate,
    /// A CHT feature release (`-FR-name`): a build of a branch for testing.
    FeatureRelease,
    /// Any other pre-release (a branch build number).
    Other,
}

impl PreRelease {
    pub fn describe(self) -> &'static str {
        match self {
            PreRelease::Alpha => "an alpha",
            PreRelease::Beta => "a beta",
            PreRelease::ReleaseCandidate => "a release candidate",
            PreRelease::FeatureRelease => "a feature release (a branch build)",
            PreRelease::Other => "a pre-release build",
        }
    }
}

/// Classifies a version's pre-release part.
pub fn pre_release(v: &semver::Version) -> Option<PreRelease> {
    if v.pre.is_empty() {
        return None;
    }
    let pre = v.pre.as_str().to_ascii_lowercase();
    let first = pre.split(['.', '-']).next().unwrap_or_default();
    Some(
        if pre.starts_with("fr-") || pre.contains("-fr-") || first == "fr" {
            PreRelease::FeatureRelease
        } else if first.starts_with("alpha") {
            PreRelease::Alpha
        } else if first.starts_with("beta") {
            PreRelease::Beta
        } else if first.starts_with("rc") {
            PreRelease::ReleaseCandidate
        } else {
            PreRelease::Other
        },
    )
}

/// Reads an image tag: `5.2.0`, `v5.2.0`, `cht-3.9.0-rc.2` (3.x medic-os),
/// `4.21` (padded to `4.21.0`), `latest`, a branch name.
pub fn parse_tag(tag: Option<&str>) -> Tag {
    let Some(tag) = tag.map(str::trim).filter(|t| !t.is_empty()) else {
        return Tag::Latest { explicit: false };
    };
    if tag.eq_ignore_ascii_case("latest") {
        return Tag::Latest { explicit: true };
    }
    let core = tag
        .strip_prefix("cht-")
        .or_else(|| tag.strip_prefix('v'))
        .unwrap_or(tag);
    if let Ok(v) = semver::Version::parse(core) {
        return Tag::Version(v);
    }
    // `4.21` or `4.21-beta`: pad the missing patch.
    let (num, rest) = match core.find(['-', '+']) {
        Some(i) => core.split_at(i),
        None => (core, ""),
    };
    if num.split('.').count() == 2
        && num
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && let Ok(v) = semver::Version::parse(&format!("{num}.0{rest}"))
    {
        return Tag::Version(v);
    }
    Tag::Other(tag.to_string())
}

/// Parses a minimum version written in a policy (`4.22`, `4.22.1`).
pub fn parse_minimum(s: &str) -> Option<semver::Version> {
    match parse_tag(Some(s)) {
        Tag::Version(v) if v.pre.is_empty() => Some(v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn builtin_table_parses_and_every_row_has_a_source() {
        let t = builtin();
        assert!(t.cht.len() >= 12);
        assert!(t.os.len() >= 20);
        for l in &t.cht {
            assert!(l.source.starts_with("https://"), "{}", l.series());
        }
        for r in &t.os {
            assert!(r.source.starts_with("https://"), "{} {}", r.id, r.version);
        }
        // Ordered oldest first.
        assert_eq!(t.cht[0].series(), "3.17");
    }

    #[test]
    fn cht_rows_match_the_docs_supported_versions_table() {
        // The transcription of the CHT docs table beside the repository.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/cht/_derived/docs-examples/supported-versions.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("skipped: {} not present", path.display());
            return;
        };
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let rows = json["versions"].as_array().unwrap();
        assert!(!rows.is_empty());
        for row in rows {
            let series = row["series"].as_str().unwrap();
            let (ma, mi) = parse_series(series).unwrap();
            let line = builtin()
                .cht_line(ma, mi)
                .unwrap_or_else(|| panic!("{series} missing"));
            assert_eq!(
                line.released.map(|d| d.to_string()).as_deref(),
                row["released"].as_str(),
                "{series} released"
            );
            assert_eq!(
                line.end.map(|d| d.to_string()).as_deref(),
                row["eol"].as_str(),
                "{series} end"
            );
        }
    }

    #[test]
    fn os_dates_as_their_sources_give_them() {
        let t = builtin();
        let end = |id: &str, v: &str| t.os_row(id, v).unwrap().end.map(|d| d.to_string());
        // ubuntu.com/about/release-cycle: standard support ends.
        assert_eq!(end("ubuntu", "18.04").as_deref(), Some("2023-05-31"));
        assert_eq!(end("ubuntu", "20.04").as_deref(), Some("2025-05-31"));
        assert_eq!(end("ubuntu", "22.04").as_deref(), Some("2027-06-30"));
        // debian.org/releases: security support of bullseye and bookworm.
        assert_eq!(end("debian", "11").as_deref(), Some("2024-08-14"));
        assert_eq!(end("debian", "12").as_deref(), Some("2026-06-10"));
        assert_eq!(end("debian", "13"), None);
        // access.redhat.com errata policy: RHEL 7 maintenance ended.
        assert_eq!(end("rhel", "7.9").as_deref(), Some("2024-06-30"));
        assert_eq!(end("rocky", "9.4").as_deref(), Some("2032-05-31"));
        assert!(t.os_row("ubuntu", "99.04").is_none());
        assert!(t.knows_os("Ubuntu"));
    }

    #[test]
    fn oldest_supported_moves_with_the_date() {
        let t = builtin();
        assert_eq!(t.oldest_supported(d("2026-11-22")).unwrap().series(), "5.2");
        assert_eq!(
            t.oldest_supported(d("2026-11-20")).unwrap().series(),
            "4.22"
        );
        assert_eq!(
            t.oldest_supported(d("2026-01-01")).unwrap().series(),
            "4.21"
        );
    }

    #[test]
    fn tags() {
        let v = |s: &str| match parse_tag(Some(s)) {
            Tag::Version(v) => v,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(v("5.2.0"), semver::Version::new(5, 2, 0));
        assert_eq!(v("cht-3.9.0-rc.2").major, 3);
        assert_eq!(
            pre_release(&v("cht-3.9.0-rc.2")),
            Some(PreRelease::ReleaseCandidate)
        );
        assert_eq!(v("4.21").minor, 21);
        assert_eq!(
            pre_release(&v("4.6.0-FR-sms-gateway.1")),
            Some(PreRelease::FeatureRelease)
        );
        assert_eq!(pre_release(&v("5.3.0-alpha.1")), Some(PreRelease::Alpha));
        assert_eq!(pre_release(&v("5.3.0-beta.2")), Some(PreRelease::Beta));
        assert_eq!(pre_release(&v("4.5.0-8135.1234")), Some(PreRelease::Other));
        assert_eq!(pre_release(&v("5.2.0")), None);
        assert!(v("4.10.0") > v("4.9.3"), "numeric, not lexical");
        assert!(v("5.2.0-alpha.1") < v("5.2.0"));
        assert_eq!(parse_tag(None), Tag::Latest { explicit: false });
        assert_eq!(parse_tag(Some("latest")), Tag::Latest { explicit: true });
        assert_eq!(parse_tag(Some("master")), Tag::Other("master".into()));
        assert_eq!(parse_tag(Some("rc-1.17")), Tag::Other("rc-1.17".into()));
        assert_eq!(parse_minimum("4.22"), Some(semver::Version::new(4, 22, 0)));
        assert_eq!(parse_minimum("4.22.0-beta.1"), None);
        assert_eq!(parse_minimum("soon"), None);
    }

    #[test]
    fn rows_validate() {
        let bad = RawCht {
            series: "4".into(),
            released: None,
            end: None,
            source: "x".into(),
        };
        assert!(bad.validate().unwrap_err().contains("series"));
        let bad = RawOs {
            id: "ubuntu".into(),
            version: "26.04".into(),
            name: None,
            end: Some("2031-13-01".into()),
            extended: None,
            source: "https://ubuntu.com/about/release-cycle".into(),
        };
        assert!(bad.validate().unwrap_err().contains("end"));
        let mut t = builtin().clone();
        t.add_os(
            RawOs {
                id: "Ubuntu".into(),
                version: "20.04".into(),
                name: None,
                end: Some("2030-04-30".into()),
                extended: None,
                source: "our Ubuntu Pro contract".into(),
            }
            .validate()
            .unwrap(),
        );
        assert_eq!(
            t.os_row("ubuntu", "20.04").unwrap().end,
            Some(d("2030-04-30")),
            "a policy row replaces the built-in one"
        );
    }
}
