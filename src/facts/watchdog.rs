//! CHT Watchdog's `cht-instances.yml`: the Prometheus file-based service
//! discovery list of the CHT instances Watchdog scrapes (`- targets: [URL]`),
//! each URL with its line. Parses only.

use crate::facts::compose::Text;
use crate::facts::yaml::Node;

#[derive(Clone, Debug, PartialEq)]
pub struct Instances {
    pub targets: Vec<Text>,
}

/// Whether a file name is Watchdog's instance list.
pub fn is_instances_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("cht-instances") && (lower.ends_with(".yml") || lower.ends_with(".yaml"))
}

/// Reads the target list from a parsed document.
pub fn from_yaml(docs: &[Node]) -> Result<Instances, String> {
    let mut targets = Vec::new();
    for doc in docs {
        if doc.is_null() {
            continue;
        }
        if !doc.is_seq() {
            return Err(format!(
                "line {}: expected a list of `targets:` groups",
                doc.line
            ));
        }
        for group in doc.items() {
            let Some(list) = group.get("targets") else {
                return Err(format!("line {}: a group without `targets:`", group.line));
            };
            for t in list.items() {
                if let Some(s) = t.as_str() {
                    targets.push(Text {
                        raw: s.into(),
                        line: t.line,
                    });
                }
            }
        }
    }
    Ok(Instances { targets })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::yaml;

    #[test]
    fn reads_targets() {
        let docs =
            yaml::parse("- targets:\n    # c\n    - https://a.example.org\n    - http://b\n")
                .unwrap();
        let i = from_yaml(&docs).unwrap();
        assert_eq!(i.targets.len(), 2);
        assert_eq!(i.targets[1].line, 4);
        assert!(from_yaml(&yaml::parse("a: 1\n").unwrap()).is_err());
        assert!(is_instances_name("cht-instances.example.yml"));
    }
}
