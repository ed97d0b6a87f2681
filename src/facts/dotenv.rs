//! Dotenv files (`.env`, `*.env`, `env.template`) parsed the way docker
//! compose reads them: `KEY=value`, optional `export`, `#` comments (inline
//! only after whitespace in unquoted values), single quotes literal, double
//! quotes with escapes, multi-line quoted values, and `${VAR}` expanded from
//! earlier keys of the same file. Every entry keeps its 1-based line.

use crate::facts::interpolate::interpolate;
use crate::secret::display_value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotEnv {
    pub entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    /// `None` for a bare `KEY` line (compose takes it from the shell).
    pub value: Option<String>,
    pub line: u32,
}

impl Entry {
    /// The value as a report may show it (secrets redacted).
    pub fn shown(&self) -> String {
        display_value(&self.key, self.value.as_deref().unwrap_or(""))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct DotEnvError {
    pub line: u32,
    pub message: String,
}

impl DotEnv {
    /// The last entry for `key` (later lines win, as in compose).
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }

    /// The value of `key`, if set with a value.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(|e| e.value.as_deref())
    }
}

pub fn parse(text: &str) -> Result<DotEnv, DotEnvError> {
    let mut entries: Vec<Entry> = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line_no = i as u32 + 1;
        let raw = lines[i];
        i += 1;
        let line = raw.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(line);
        let (key, rest) = match line.find('=') {
            Some(eq) => (line[..eq].trim_end(), Some(&line[eq + 1..])),
            None => (line.trim_end(), None),
        };
        if key.is_empty() {
            return Err(DotEnvError {
                line: line_no,
                message: "missing variable name before '='".to_string(),
            });
        }
        if let Some(at) = key
            .chars()
            .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        {
            // Never the name itself: a line without '=' is all "name", and
            // may be a value pasted alone (found by fuzzing).
            let col = raw.chars().count() - line.chars().count() + at + 1;
            return Err(DotEnvError {
                line: line_no,
                message: format!("column {col}: unexpected character in a variable name"),
            });
        }
        let Some(rest) = rest else {
            entries.push(Entry {
                key: key.to_string(),
                value: None,
                line: line_no,
            });
            continue;
        };
        let rest = rest.trim_start();
        let lookup = |name: &str| {
            entries
                .iter()
                .rev()
                .find(|e| e.key == name)
                .and_then(|e| e.value.clone())
        };
        let value = match rest.chars().next() {
            Some(q @ ('\'' | '"')) => {
                // Quoted, possibly over several lines.
                let mut body = rest[1..].to_string();
                let closing = loop {
                    if let Some(end) = find_closing(&body, q) {
                        break end;
                    }
                    if i >= lines.len() {
                        return Err(DotEnvError {
                            line: line_no,
                            message: format!("unterminated {q} quoted value"),
                        });
                    }
                    body.push('\n');
                    body.push_str(lines[i]);
                    i += 1;
                };
                let trailing = body[closing + 1..].trim();
                if !trailing.is_empty() && !trailing.starts_with('#') {
                    return Err(DotEnvError {
                        line: line_no,
                        message: format!("unexpected text after closing quote: {trailing:?}"),
                    });
                }
                let inner = &body[..closing];
                if q == '\'' {
                    inner.to_string()
                } else {
                    let unescaped = unescape(inner);
                    expand(&unescaped, &lookup, line_no)?
                }
            }
            _ => {
                let without_comment = match rest.find(" #").or_else(|| rest.find("\t#")) {
                    Some(c) => &rest[..c],
                    None => rest,
                };
                expand(without_comment.trim(), &lookup, line_no)?
            }
        };
        entries.push(Entry {
            key: key.to_string(),
            value: Some(value),
            line: line_no,
        });
    }
    Ok(DotEnv { entries })
}

fn find_closing(body: &str, q: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        if c == '\\' && q == '"' {
            escaped = true;
        } else if c == q {
            return Some(i);
        }
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('$') => out.push_str("$$"),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn expand(
    value: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    line: u32,
) -> Result<String, DotEnvError> {
    interpolate(value, lookup)
        .map(|r| r.value)
        .map_err(|e| DotEnvError {
            line,
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_dotenv_forms() {
        let text = "# comment\nA=1\nexport B = two words \nC='lit ${A} #x'\nD=\"q\\n${A}\"\nE=v #c\nF=v#notcomment\nG\nH=\nI=\"multi\nline\"\nJ=${A}-${NOPE:-d}\n";
        let env = parse(text).unwrap();
        assert_eq!(env.value("A"), Some("1"));
        assert_eq!(env.value("B"), Some("two words"));
        assert_eq!(env.value("C"), Some("lit ${A} #x"));
        assert_eq!(env.value("D"), Some("q\n1"));
        assert_eq!(env.value("E"), Some("v"));
        assert_eq!(env.value("F"), Some("v#notcomment"));
        assert_eq!(env.get("G").unwrap().value, None);
        assert_eq!(env.value("H"), Some(""));
        assert_eq!(env.value("I"), Some("multi\nline"));
        assert_eq!(env.get("I").unwrap().line, 10);
        assert_eq!(env.value("J"), Some("1-d"));
        assert_eq!(env.get("J").unwrap().line, 12);
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(parse("A=1\n=2\n").unwrap_err().line, 2);
        assert_eq!(parse("A=1\nB C=2\n").unwrap_err().line, 2);
        assert_eq!(parse("A=\"open\n").unwrap_err().line, 1);
    }

    #[test]
    fn later_keys_win_and_secrets_hide() {
        let env = parse("COUCHDB_PASSWORD=a\nCOUCHDB_PASSWORD=secretvalue\n").unwrap();
        let e = env.get("COUCHDB_PASSWORD").unwrap();
        assert_eq!(e.line, 2);
        assert_eq!(e.shown(), "<redacted: 11 chars>");
    }

    /// Found by fuzzing (fuzz/ dotenv): a line without `=` is all "name";
    /// the error quoted it whole, so a value pasted alone on a line (or 2 KB
    /// of junk) reached the report.
    #[test]
    fn a_bad_name_is_not_quoted() {
        let e = parse(
            "A=1
  Xk9-secret]pasted alone
",
        )
        .unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(
            e.to_string(),
            "line 2: column 13: unexpected character in a variable name"
        );
    }
}
