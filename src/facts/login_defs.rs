//! `login.defs` (shadow-utils): `KEY value` lines, `#` comments, a value
//! optionally in double quotes; a key set twice takes its last value, as
//! shadow's `getdef` does. The `LoginDefsFiles` fact is the host's
//! `/etc/login.defs`, or every `login.defs` in a config tree. Parses; never
//! judges.

use crate::facts::inventory::{Kind, Parsed};
use crate::facts::system::{SystemFile, read_host_file};
use crate::facts::{Fact, Facts};
use crate::target::Source;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoginDefs {
    pub settings: Vec<Setting>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub line: u32,
}

impl LoginDefs {
    /// The effective setting of `key` (the last line that sets it).
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().rev().find(|s| s.key == key)
    }

    /// The setting as a number the way shadow reads one (`strtol` base 0:
    /// `0x` hex, a leading `0` octal), with the line; `None` inside when the
    /// value is not a number (shadow then uses its built-in default).
    pub fn number(&self, key: &str) -> Option<(Option<i64>, &Setting)> {
        let s = self.get(key)?;
        Some((c_long(&s.value), s))
    }
}

fn c_long(v: &str) -> Option<i64> {
    let (neg, digits) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    let n = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        i64::from_str_radix(hex, 16).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(&digits[1..], 8).ok()?
    } else {
        digits.parse::<i64>().ok()?
    };
    Some(if neg { -n } else { n })
}

/// Parses login.defs text as shadow's `def_load` does: a line with a single
/// field is ignored, the value runs from the first non-blank, non-quote
/// character to the next quote (a trailing `# comment` stays in the value,
/// which then is no number). The format has no syntax errors.
pub fn parse(text: &str) -> LoginDefs {
    let mut settings = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, rest)) = line.split_once(|c: char| c.is_ascii_whitespace()) else {
            continue;
        };
        let rest = rest.trim_start_matches([' ', '\t', '"']);
        let value = rest.split('"').next().unwrap_or("").trim();
        settings.push(Setting {
            key: key.to_string(),
            value: value.to_string(),
            line: i as u32 + 1,
        });
    }
    LoginDefs { settings }
}

/// Every login.defs of the target.
#[derive(Debug, Default)]
pub struct LoginDefsFiles {
    pub files: Vec<SystemFile<LoginDefs>>,
}

impl Fact for LoginDefsFiles {
    fn collect(facts: &Facts) -> Self {
        let files = match &facts.target.source {
            Source::Host(h) => read_host_file(&h.root, "etc/login.defs", |t| Ok(parse(t)))
                .into_iter()
                .collect(),
            Source::Tree(_) | Source::Env | Source::Tls(_) | Source::Domain(_) => facts
                .docs_of(Kind::LoginDefs)
                .filter_map(|d| match &d.content {
                    Ok(Parsed::LoginDefs(l)) => Some(SystemFile {
                        rel: d.rel.to_string(),
                        content: Ok(l.clone()),
                    }),
                    Ok(_) => None,
                    Err(e) => Some(SystemFile {
                        rel: d.rel.to_string(),
                        content: Err(e.clone()),
                    }),
                })
                .collect(),
        };
        LoginDefsFiles { files }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_quotes_and_last_wins() {
        let l = parse(
            "# comment\nPASS_MAX_DAYS\t99999\n  ENCRYPT_METHOD \"SHA512\"\nPASS_MAX_DAYS 90\nMAIL_DIR\nUMASK 022\nPASS_MIN_DAYS 1 # x\n",
        );
        assert_eq!(l.get("ENCRYPT_METHOD").unwrap().value, "SHA512");
        let (n, s) = l.number("PASS_MAX_DAYS").unwrap();
        assert_eq!((n, s.line), (Some(90), 4));
        assert!(l.get("MAIL_DIR").is_none(), "one field: ignored");
        assert_eq!(l.number("UMASK").unwrap().0, Some(0o22));
        assert_eq!(l.number("PASS_MIN_DAYS").unwrap().0, None);
        assert!(l.get("PASS_MIN_LEN").is_none());
    }
}
