//! The rule catalogue: one Markdown page per rule under `rules/`, embedded in
//! the binary, whose TOML front matter is the single source of a rule's
//! metadata (id, name, pack, default severity, inputs, summary, remediation,
//! references) and whose body is its documentation (`rampart explain`, SARIF
//! help). Also resolves rule selectors (`all`, a pack, an id, an id prefix).

use std::sync::OnceLock;

use serde::Deserialize;

use crate::outcome::Severity;
use crate::target::TargetKind;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: String,
    name: String,
    pack: String,
    severity: String,
    inputs: Vec<String>,
    summary: String,
    remediation: String,
    precision: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    cht: Vec<String>,
}

#[derive(Debug)]
pub struct RuleMeta {
    pub id: String,
    pub name: String,
    pub pack: String,
    pub severity: Severity,
    pub inputs: Vec<TargetKind>,
    pub summary: String,
    /// One line: what to do about a failure.
    pub remediation: String,
    pub precision: String,
    pub tags: Vec<String>,
    /// CWE / CIS / NIST ids.
    pub references: Vec<String>,
    /// CHT documentation pages or source files that motivate the rule.
    pub cht: Vec<String>,
    /// The page without its front matter (Markdown).
    pub body: String,
}

impl RuleMeta {
    /// The first paragraph of the page's "Why it matters" section, or the summary.
    pub fn description(&self) -> String {
        let mut in_why = false;
        let mut para = Vec::new();
        for line in self.body.lines() {
            if line.starts_with("## ") {
                if in_why && !para.is_empty() {
                    break;
                }
                in_why = line.to_ascii_lowercase().contains("why");
                continue;
            }
            if in_why {
                if line.trim().is_empty() {
                    if !para.is_empty() {
                        break;
                    }
                } else {
                    para.push(line.trim());
                }
            }
        }
        if para.is_empty() {
            self.summary.clone()
        } else {
            para.join(" ")
        }
    }

    pub fn help_uri(&self) -> String {
        format!(
            "{}/blob/main/rules/{}.md",
            env!("CARGO_PKG_REPOSITORY"),
            self.id
        )
    }

    pub fn applies_to(&self, kind: TargetKind) -> bool {
        self.inputs.contains(&kind)
    }
}

#[derive(Debug)]
pub struct Catalog {
    rules: Vec<RuleMeta>,
}

fn parse_page(stem: &str, text: &str) -> Result<RuleMeta, String> {
    let rest = text
        .strip_prefix("+++\n")
        .ok_or("page must start with a +++ TOML front matter block")?;
    let end = rest
        .find("\n+++\n")
        .ok_or("front matter is not closed by +++")?;
    let fm: FrontMatter = toml::from_str(&rest[..end]).map_err(|e| e.to_string())?;
    if fm.id != stem {
        return Err(format!("id {} does not match the file name", fm.id));
    }
    let severity = Severity::parse(&fm.severity).ok_or(format!("bad severity {}", fm.severity))?;
    let inputs = fm
        .inputs
        .iter()
        .map(|i| TargetKind::parse(i).ok_or(format!("bad input {i}")))
        .collect::<Result<Vec<_>, _>>()?;
    if !matches!(
        fm.precision.as_str(),
        "very-high" | "high" | "medium" | "low"
    ) {
        return Err(format!("bad precision {}", fm.precision));
    }
    Ok(RuleMeta {
        id: fm.id,
        name: fm.name,
        pack: fm.pack,
        severity,
        inputs,
        summary: fm.summary,
        remediation: fm.remediation,
        precision: fm.precision,
        tags: fm.tags,
        references: fm.references,
        cht: fm.cht,
        body: rest[end + 5..].trim_start().to_string(),
    })
}

impl Catalog {
    fn load() -> Catalog {
        let mut rules: Vec<RuleMeta> = crate::embedded::RULE_PAGES
            .iter()
            .map(|(stem, text)| {
                parse_page(stem, text).unwrap_or_else(|e| panic!("rules/{stem}.md: {e}"))
            })
            .collect();
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        Catalog { rules }
    }

    pub fn get(&self, id: &str) -> Option<&RuleMeta> {
        self.rules
            .binary_search_by(|r| r.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.rules[i])
    }

    pub fn all(&self) -> &[RuleMeta] {
        &self.rules
    }

    /// Pack names, in catalogue order of their first rule.
    pub fn packs(&self) -> Vec<&str> {
        let mut packs: Vec<&str> = Vec::new();
        for r in &self.rules {
            if !packs.contains(&r.pack.as_str()) {
                packs.push(&r.pack);
            }
        }
        packs
    }

    /// The rule ids a selector names: `all`, a pack name, a rule id, or an id
    /// prefix (`PORT`, `PORT-00`). `None` for a selector that names nothing.
    pub fn select(&self, selector: &str) -> Option<Vec<&str>> {
        let s = selector.trim();
        let ids: Vec<&str> = self
            .rules
            .iter()
            .filter(|r| {
                s.eq_ignore_ascii_case("all")
                    || r.pack == s
                    || r.id.eq_ignore_ascii_case(s)
                    || (r.id.len() > s.len()
                        && r.id[..s.len()].eq_ignore_ascii_case(s)
                        && (s.ends_with('-')
                            || r.id.as_bytes()[s.len()] == b'-'
                            || s.contains('-')))
            })
            .map(|r| r.id.as_str())
            .collect();
        (!ids.is_empty()).then_some(ids)
    }
}

/// The catalogue, parsed once.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::load)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_parses() {
        for (stem, text) in crate::embedded::RULE_PAGES {
            parse_page(stem, text).unwrap_or_else(|e| panic!("rules/{stem}.md: {e}"));
        }
        assert!(!catalog().all().is_empty());
    }

    #[test]
    fn ids_are_unique_and_well_formed() {
        let re = regex::Regex::new(r"^[A-Z]+-\d{3}$").unwrap();
        let mut seen = std::collections::HashSet::new();
        for r in catalog().all() {
            assert!(re.is_match(&r.id), "{}", r.id);
            assert!(seen.insert(&r.id), "duplicate {}", r.id);
            assert_ne!(r.name, r.id);
            assert!(!r.summary.is_empty() && !r.remediation.is_empty());
            assert!(r.tags.len() <= 9, "{}: at most 9 tags (+ security)", r.id);
            assert!(!r.inputs.is_empty(), "{}", r.id);
            assert!(!r.description().is_empty());
            for section in [
                "## Why it matters",
                "## What is checked",
                "## How to fix",
                "## References",
            ] {
                assert!(r.body.contains(section), "{} lacks {section}", r.id);
            }
        }
    }

    #[test]
    fn selectors() {
        let c = catalog();
        assert!(c.select("all").unwrap().len() == c.all().len());
        assert!(c.select("open-ports").unwrap().contains(&"PORT-001"));
        assert_eq!(c.select("PORT-001").unwrap(), vec!["PORT-001"]);
        assert_eq!(c.select("port-001").unwrap(), vec!["PORT-001"]);
        assert!(c.select("PORT").unwrap().len() >= 7);
        assert!(c.select("PORT-00").unwrap().len() >= 7);
        assert!(c.select("POR").is_none());
        assert!(c.select("PORT-999").is_none());
        assert!(c.select("nonsense").is_none());
    }
}
