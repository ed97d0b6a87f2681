//! Dotenv files (`.env`, `*.env`, `env.template`) parsed the way docker
//! compose reads them: `KEY=value`, optional `export`, `#` comments (inline
//! only after whitespace in unquoted values), single quotes literal, double
//! quotes with escapes, multi-line quoted values, and `${VAR}` expanded from
//! earlier keys of the same file. Every entry keeps its 1-based line.
//! Linear in the file; errors name the line, column and key, never a value;
//! the values a file expands to are bounded in total.

use compact_str::CompactString;
use foldhash::{HashMap, HashMapExt};

use crate::facts::interpolate::{MAX_EXPANDED, interpolate};
use crate::secret::display_value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotEnv {
    pub entries: Vec<Entry>,
    /// The index of the last entry of each key, sorted by key (found by a
    /// binary search, without a second copy of every key).
    latest: Box<[u32]>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Inline when short (most keys and values are): no allocation each.
    pub key: CompactString,
    /// `None` for a bare `KEY` line (compose takes it from the shell).
    pub value: Option<CompactString>,
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
        let at = self
            .latest
            .binary_search_by(|&i| self.entries[i as usize].key.as_str().cmp(key))
            .ok()?;
        self.entries.get(self.latest[at] as usize)
    }

    /// The value of `key`, if set with a value.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(|e| e.value.as_deref())
    }
}

/// The most a file's values may expand to, all together.
pub const MAX_EXPANDED_TOTAL: usize = 32 * 1024 * 1024;

/// The 1-based character column of `part`, a slice of `line`.
fn column(line: &str, part: &str) -> usize {
    let offset = (part.as_ptr() as usize).saturating_sub(line.as_ptr() as usize);
    line.get(..offset).map_or(0, |s| s.chars().count()) + 1
}

pub fn parse(text: &str) -> Result<DotEnv, DotEnvError> {
    let mut entries: Vec<Entry> = Vec::new();
    // The latest entry of each key, for `${VAR}` lookups in constant time
    // (keys borrowed from the text: no copy per entry).
    let mut latest: HashMap<&str, usize> = HashMap::new();
    let mut expanded_total = 0usize;
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
        if let Some((at, _)) = key
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        {
            // Not a name (perhaps a value on a line of its own): not quoted.
            return Err(DotEnvError {
                line: line_no,
                message: format!(
                    "unexpected character at column {} in the variable name",
                    column(raw, &key[at..])
                ),
            });
        }
        let Some(rest) = rest else {
            latest.insert(key, entries.len());
            entries.push(Entry {
                key: key.into(),
                value: None,
                line: line_no,
            });
            continue;
        };
        let rest = rest.trim_start();
        let lookup = |name: &str| latest.get(name).and_then(|&i| entries[i].value.as_deref());
        let value = match rest.chars().next() {
            Some(q @ ('\'' | '"')) => {
                // Quoted, possibly over several lines: each line is scanned
                // once for the closing quote.
                let mut body = rest[1..].to_string();
                let mut scan = Closing::default();
                let mut last_line = raw;
                let closing = loop {
                    if let Some(end) = scan.find(&body, q) {
                        break end;
                    }
                    if i >= lines.len() {
                        return Err(DotEnvError {
                            line: line_no,
                            message: format!("unterminated {q} quoted value of {key}"),
                        });
                    }
                    body.push('\n');
                    body.push_str(lines[i]);
                    last_line = lines[i];
                    i += 1;
                };
                let after = &body[closing + 1..];
                let trailing = after.trim();
                if !trailing.is_empty() && !trailing.starts_with('#') {
                    // The closing quote is on the last line read.
                    let col = last_line.chars().count() - after.chars().count() + 1;
                    return Err(DotEnvError {
                        line: i as u32,
                        message: format!(
                            "unexpected text after the closing quote of {key} at column {col}"
                        ),
                    });
                }
                let inner = &body[..closing];
                if q == '\'' {
                    inner.to_string()
                } else {
                    let unescaped = unescape(inner);
                    expand(&unescaped, &lookup, line_no, key)?
                }
            }
            _ => {
                let without_comment = match rest.find(" #").or_else(|| rest.find("\t#")) {
                    Some(c) => &rest[..c],
                    None => rest,
                };
                expand(without_comment.trim(), &lookup, line_no, key)?
            }
        };
        expanded_total += value.len();
        if expanded_total > MAX_EXPANDED_TOTAL {
            return Err(DotEnvError {
                line: line_no,
                message: format!(
                    "interpolation budget exceeded: the values expand to more than {} MiB in all",
                    MAX_EXPANDED_TOTAL / (1024 * 1024)
                ),
            });
        }
        latest.insert(key, entries.len());
        entries.push(Entry {
            key: key.into(),
            value: Some(value.into()),
            line: line_no,
        });
    }
    entries.shrink_to_fit();
    let mut latest: Vec<u32> = latest
        .into_values()
        .map(|i| u32::try_from(i).expect("a file under the size cap has fewer lines"))
        .collect();
    latest.sort_unstable_by(|&a, &b| entries[a as usize].key.cmp(&entries[b as usize].key));
    Ok(DotEnv {
        entries,
        latest: latest.into_boxed_slice(),
    })
}

/// A resumable search for the closing quote: `find` continues where the
/// previous call stopped, so a value spread over many lines stays linear.
#[derive(Default)]
struct Closing {
    scanned: usize,
    escaped: bool,
}

impl Closing {
    fn find(&mut self, body: &str, q: char) -> Option<usize> {
        let start = self.scanned;
        for (i, c) in body[start..].char_indices() {
            let i = start + i;
            if self.escaped {
                self.escaped = false;
                continue;
            }
            if c == '\\' && q == '"' {
                self.escaped = true;
            } else if c == q {
                return Some(i);
            }
        }
        self.scanned = body.len();
        None
    }
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

fn expand<'v>(
    value: &str,
    lookup: &dyn Fn(&str) -> Option<&'v str>,
    line: u32,
    key: &str,
) -> Result<String, DotEnvError> {
    if !value.contains('$') && value.len() <= MAX_EXPANDED {
        // Nothing to expand: what `interpolate` would give back.
        return Ok(value.to_string());
    }
    interpolate(value, lookup)
        .map(|r| r.value)
        .map_err(|e| DotEnvError {
            line,
            message: format!("{key}: {e}"),
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

    #[test]
    fn errors_never_quote_a_value() {
        let secret = "Xk9PlantedSecret";
        for (text, line) in [
            (format!("A=1\nCOUCHDB_PASSWORD={secret}${{oops\n"), 2),
            (format!("COUCHDB_PASSWORD=\"{secret}\"{secret}\n"), 1),
            (format!("COUCHDB_PASSWORD='x\n{secret}'{secret}\n"), 2),
            (format!("A=1\n{secret} {secret}\n"), 2),
            (format!("A=1\n{secret}!=1\n"), 2),
            (format!("P=\"{secret}${{1A}}\"\n"), 1),
            (format!("P=${{U:?{secret}}}\n"), 1),
            (format!("P=\"{secret}\n"), 1),
        ] {
            let e = parse(&text).unwrap_err();
            assert_eq!(e.line, line, "{text}: {e}");
            let shown = e.to_string();
            assert!(!shown.contains("Planted"), "{shown}");
        }
        let e = parse(&format!("A=1\nCOUCHDB_PASSWORD={secret}${{oops\n")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: COUCHDB_PASSWORD: invalid interpolation syntax at character 17 of the value"
        );
        let e = parse(&format!("COUCHDB_PASSWORD=\"{secret}\"x\n")).unwrap_err();
        assert!(
            e.to_string().ends_with("of COUCHDB_PASSWORD at column 36"),
            "{e}"
        );
    }

    #[test]
    fn expansion_is_bounded_in_total() {
        let mut text = format!("A={}\n", "x".repeat(1000));
        text.push_str(&format!("B={}\n", "$A".repeat(1000)));
        for i in 0..40 {
            text.push_str(&format!("C{i}=$B$B$B$B$B$B$B$B$B$B\n"));
        }
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("budget"), "{e}");
    }

    #[test]
    fn many_references_and_long_open_quotes_are_linear() {
        // Structure, not timing: the lookups see the latest entry of a key.
        let mut text = String::new();
        for i in 0..2000 {
            text.push_str(&format!("K{i}=v{i}\nR{i}=${{K{i}}}$K0\n"));
        }
        text.push_str("K0=new\nZ=$K0\n");
        let env = parse(&text).unwrap();
        assert_eq!(env.value("R1999"), Some("v1999v0"));
        assert_eq!(env.value("Z"), Some("new"));
        let open = format!("A=\"{}", "line\n".repeat(5000));
        assert_eq!(parse(&open).unwrap_err().line, 1);
        let multi = format!("A=\"{}end\\\"\"\n", "l\n".repeat(3));
        assert_eq!(parse(&multi).unwrap().value("A"), Some("l\nl\nl\nend\""));
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
        let shown = e.to_string();
        assert!(
            shown.contains("column 13") && !shown.contains("Xk9"),
            "{shown}"
        );
    }
}
