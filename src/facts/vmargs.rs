//! Erlang `vm.args` files (CouchDB's VM flags): one flag per line with its
//! arguments, `#` comments, shell-style quotes. The distribution cookie is
//! kept as a [`Secret`]. Parses only.

use crate::secret::Secret;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct VmArgs {
    pub flags: Vec<Flag>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Flag {
    /// `-name`, `-setcookie`, `-kernel`, `+K`...
    pub name: String,
    /// The arguments; for `-setcookie` this is empty and `cookie` holds it.
    pub args: Vec<String>,
    pub cookie: Option<Secret>,
    pub line: u32,
}

impl VmArgs {
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().rev().find(|f| f.name == name)
    }

    /// `-kernel KEY VALUE` settings.
    pub fn kernel(&self, key: &str) -> Option<(&str, u32)> {
        self.flags
            .iter()
            .rev()
            .find(|f| f.name == "-kernel" && f.args.first().is_some_and(|k| k == key))
            .and_then(|f| f.args.get(1).map(|v| (v.as_str(), f.line)))
    }
}

fn words(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '#') if !in_word => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("unterminated quote".to_string());
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

pub fn parse(text: &str) -> Result<VmArgs, String> {
    let mut args = VmArgs::default();
    for (i, raw) in text.lines().enumerate() {
        let line = i as u32 + 1;
        let mut w = words(raw).map_err(|e| format!("line {line}: {e}"))?;
        if w.is_empty() {
            continue;
        }
        let name = w.remove(0);
        if !name.starts_with(['-', '+']) {
            // The word is not quoted: it may be a value (a cookie) on a
            // line of its own.
            return Err(format!(
                "line {line}: expected a flag (a word starting with - or +)"
            ));
        }
        let cookie = if name == "-setcookie" {
            let value = w.first().cloned().unwrap_or_default();
            w.clear();
            Some(Secret::new(value))
        } else {
            None
        };
        args.flags.push(Flag {
            name,
            args: w,
            cookie,
            line,
        });
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_vm_args() {
        let text = "# c\n-name couchdb@127.0.0.1\n-setcookie 'cht-couchdb-cluster'\n-kernel inet_dist_listen_min 9100\n+K true\n";
        let a = parse(text).unwrap();
        let c = a.flag("-setcookie").unwrap();
        assert_eq!(c.cookie.as_ref().unwrap().expose(), "cht-couchdb-cluster");
        assert_eq!(c.line, 3);
        assert!(c.args.is_empty());
        assert_eq!(a.kernel("inet_dist_listen_min"), Some(("9100", 4)));
        assert!(parse("-setcookie 'x\n").is_err());
        assert!(parse("bogus\n").is_err());
    }

    /// Found by fuzzing (fuzz/ vmargs): a word that is not a flag was quoted
    /// in the error; it may be a value, such as a cookie on its own line.
    #[test]
    fn a_stray_word_is_not_quoted() {
        let e = parse("-setcookie\nXk9secretcookie\n").unwrap_err();
        assert!(!e.contains("Xk9secretcookie"), "{e}");
        assert!(e.starts_with("line 2:"), "{e}");
    }
}
