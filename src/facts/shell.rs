//! Shell command lines and scripts, read as text (never run): the simple
//! commands of a line (split on `;`, `&&`, `||`, `|`, `&`), their words with
//! quotes removed, output redirections, and whether a command's output is
//! piped on. Scripts are read line by line (backslash continuations joined,
//! comments dropped) with the variables they assign (`VAR=x`, `export
//! VAR=x`) expanded in later words, once, without running anything: `$(...)`
//! and unknown variables stay as written. Linear in the input.

use std::collections::BTreeMap;

/// One simple command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Command {
    /// Words, quotes removed, leading `VAR=x` assignments moved to `env`.
    pub words: Vec<String>,
    pub env: Vec<(String, String)>,
    /// `> file` / `>> file` targets (stdout).
    pub stdout_to: Option<String>,
    /// Whether stdout is piped into the next command.
    pub piped: bool,
    /// 1-based line in its file.
    pub line: u32,
}

/// Splits one line into simple commands. Quotes (`'`, `"`), backslash
/// escapes and `$(...)` / backticks are kept within one word.
pub fn commands(line: &str, line_no: u32) -> Vec<Command> {
    let mut out = Vec::new();
    let mut cur = Command {
        line: line_no,
        ..Command::default()
    };
    let mut word = String::new();
    let mut in_word = false;
    let mut redirect = false;
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let push_word =
        |cur: &mut Command, word: &mut String, in_word: &mut bool, redirect: &mut bool| {
            if *in_word {
                let w = std::mem::take(word);
                if *redirect {
                    cur.stdout_to = Some(w);
                    *redirect = false;
                } else {
                    cur.words.push(w);
                }
                *in_word = false;
            }
        };
    let finish = |cur: &mut Command, out: &mut Vec<Command>, piped: bool| {
        cur.piped = piped;
        let mut c = std::mem::take(cur);
        cur.line = c.line;
        // Leading assignments are the command's environment.
        let n = c
            .words
            .iter()
            .take_while(|w| assignment(w).is_some())
            .count();
        c.env = c.words.drain(..n).filter_map(|w| assignment(&w)).collect();
        if !c.words.is_empty() || !c.env.is_empty() {
            out.push(c);
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if c == '\\' && q == '"' && i + 1 < chars.len() {
                i += 1;
                word.push(chars[i]);
            } else {
                word.push(c);
            }
            i += 1;
            continue;
        }
        if depth > 0 {
            word.push(c);
            if c == '(' {
                depth += 1;
            } else if c == ')' {
                depth -= 1;
            }
            i += 1;
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                in_word = true;
            }
            '`' => {
                // Keep a backtick substitution as one word.
                in_word = true;
                word.push(c);
                i += 1;
                while i < chars.len() && chars[i] != '`' {
                    word.push(chars[i]);
                    i += 1;
                }
                if i < chars.len() {
                    word.push('`');
                }
            }
            '\\' if i + 1 < chars.len() => {
                i += 1;
                word.push(chars[i]);
                in_word = true;
            }
            '$' if chars.get(i + 1) == Some(&'(') => {
                word.push_str("$(");
                depth = 1;
                in_word = true;
                i += 1;
            }
            '#' if !in_word => break,
            ';' | '&' | '|' | '\n' => {
                push_word(&mut cur, &mut word, &mut in_word, &mut redirect);
                let piped = c == '|' && chars.get(i + 1) != Some(&'|');
                if (c == '&' || c == '|') && chars.get(i + 1) == Some(&c) {
                    i += 1;
                }
                finish(&mut cur, &mut out, piped);
            }
            '>' => {
                push_word(&mut cur, &mut word, &mut in_word, &mut redirect);
                // `2>`, `2>&1`: stderr, not stdout.
                let fd_err = cur.words.last().is_some_and(|w| w == "2") && !in_word;
                if chars.get(i + 1) == Some(&'>') {
                    i += 1;
                }
                if chars.get(i + 1) == Some(&'&') {
                    // `>&2`, `2>&1`: a descriptor, not a file.
                    i += 1;
                    while i + 1 < chars.len() && chars[i + 1].is_ascii_digit() {
                        i += 1;
                    }
                    if fd_err {
                        cur.words.pop();
                    }
                } else if fd_err {
                    cur.words.pop();
                    // Skip the stderr file name.
                    while i + 1 < chars.len() && chars[i + 1].is_whitespace() {
                        i += 1;
                    }
                    while i + 1 < chars.len() && !chars[i + 1].is_whitespace() {
                        i += 1;
                    }
                } else {
                    redirect = true;
                }
            }
            '<' => {
                push_word(&mut cur, &mut word, &mut in_word, &mut redirect);
                // Skip the input file name.
                while i + 1 < chars.len() && chars[i + 1].is_whitespace() {
                    i += 1;
                }
                while i + 1 < chars.len() && !chars[i + 1].is_whitespace() {
                    i += 1;
                }
            }
            c if c.is_whitespace() => push_word(&mut cur, &mut word, &mut in_word, &mut redirect),
            c => {
                word.push(c);
                in_word = true;
            }
        }
        i += 1;
    }
    push_word(&mut cur, &mut word, &mut in_word, &mut redirect);
    finish(&mut cur, &mut out, false);
    out
}

/// `NAME=value` as a shell assignment word.
pub fn assignment(w: &str) -> Option<(String, String)> {
    let (k, v) = w.split_once('=')?;
    (!k.is_empty()
        && !k.as_bytes()[0].is_ascii_digit()
        && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    .then(|| (k.to_string(), v.to_string()))
}

/// Expands `$NAME` and `${NAME}` (and `${NAME:-default}`) from `vars`;
/// unknown names stay as written.
pub fn expand(word: &str, vars: &BTreeMap<String, String>) -> String {
    if !word.contains('$') {
        return word.to_string();
    }
    let b: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != '$' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        if b.get(i + 1) == Some(&'{')
            && let Some(end) = b[i + 2..].iter().position(|&c| c == '}')
        {
            let inner: String = b[i + 2..i + 2 + end].iter().collect();
            let (name, default) = match inner.split_once(":-") {
                Some((n, d)) => (n.to_string(), Some(d.to_string())),
                None => match inner.split_once('-') {
                    Some((n, d)) => (n.to_string(), Some(d.to_string())),
                    None => (inner.clone(), None),
                },
            };
            match vars
                .get(&name)
                .filter(|v| !v.is_empty())
                .cloned()
                .or(default)
            {
                Some(v) => out.push_str(&v),
                None => {
                    out.push_str("${");
                    out.push_str(&inner);
                    out.push('}');
                }
            }
            i += 3 + end;
            continue;
        }
        let name: String = b[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
            .collect();
        if name.is_empty() {
            out.push('$');
            i += 1;
            continue;
        }
        match vars.get(&name) {
            Some(v) => out.push_str(v),
            None => {
                out.push('$');
                out.push_str(&name);
            }
        }
        i += 1 + name.len();
    }
    out
}

/// A script's logical lines: backslash continuations joined, with the line
/// each starts on.
pub fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut acc = String::new();
    let mut start = 0u32;
    for (i, raw) in text.lines().enumerate() {
        if acc.is_empty() {
            start = i as u32 + 1;
        }
        if let Some(body) = raw.strip_suffix('\\') {
            acc.push_str(body);
            acc.push(' ');
            continue;
        }
        acc.push_str(raw);
        out.push((start, std::mem::take(&mut acc)));
    }
    if !acc.is_empty() {
        out.push((start, acc));
    }
    out
}

/// Shell keywords that may start a line before the command itself.
pub fn strip_keywords(words: &[String]) -> &[String] {
    let mut w = words;
    while let Some(first) = w.first() {
        if matches!(
            first.as_str(),
            "if" | "then"
                | "else"
                | "elif"
                | "do"
                | "while"
                | "until"
                | "!"
                | "time"
                | "exec"
                | "{"
                | "("
        ) {
            w = &w[1..];
        } else {
            break;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_commands() {
        let c = commands(
            "cd / && RESTIC_REPOSITORY=sftp:b@h:/r restic backup '/srv/a b' --tag \"x y\" > /var/log/r.log 2>&1; tar czf - /srv | ssh b@h 'cat > x' # c",
            3,
        );
        assert_eq!(c.len(), 4);
        assert_eq!(c[0].words, vec!["cd", "/"]);
        assert_eq!(
            c[1].env,
            vec![("RESTIC_REPOSITORY".into(), "sftp:b@h:/r".into())]
        );
        assert_eq!(
            c[1].words,
            vec!["restic", "backup", "/srv/a b", "--tag", "x y"]
        );
        assert_eq!(c[1].stdout_to.as_deref(), Some("/var/log/r.log"));
        assert!(c[2].piped);
        assert_eq!(c[3].words, vec!["ssh", "b@h", "cat > x"]);
        assert_eq!(c[3].line, 3);
        let c = commands("tar czf /b/x-$(date +%F).tgz /srv 2> /tmp/err", 1);
        assert_eq!(
            c[0].words,
            vec!["tar", "czf", "/b/x-$(date +%F).tgz", "/srv"]
        );
        assert_eq!(c[0].stdout_to, None);
        let c = commands("export REPO=/x", 1);
        assert_eq!(c[0].words, vec!["export", "REPO=/x"]);
        let c = commands("A=1", 1);
        assert_eq!(c[0].env, vec![("A".into(), "1".into())]);
    }

    #[test]
    fn expands_and_joins() {
        let mut v = BTreeMap::new();
        v.insert("R".to_string(), "/backup".to_string());
        assert_eq!(expand("$R/x-${R}", &v), "/backup/x-/backup");
        assert_eq!(expand("${Q:-/d}/$Q", &v), "/d/$Q");
        assert_eq!(
            logical_lines("a \\\n b\nc\n"),
            vec![(1, "a   b".to_string()), (3, "c".to_string())]
        );
    }
}
