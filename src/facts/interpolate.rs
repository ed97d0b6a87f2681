//! Variable interpolation exactly as docker compose does it (compose-spec
//! "Interpolation"): `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`, nested
//! expressions in defaults, and `$$` for a literal `$`. Pure string work.
//! Errors never quote the value (it may be a secret): they name the
//! variable or the character position. Expansion is bounded: nesting depth
//! and the length a value may grow to.

/// Nesting of `${...}` expressions in defaults.
const MAX_NESTING: usize = 16;
/// The longest value an interpolation may produce.
pub const MAX_EXPANDED: usize = 1024 * 1024;

/// The result of interpolating one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpolated {
    pub value: String,
    /// Variables that were unset and had no default: compose substitutes an
    /// empty string (with a warning), so the effective value is uncertain.
    pub unset: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InterpolationError {
    /// `${VAR:?message}` with VAR unset: compose refuses to start. The
    /// message is not kept: it may interpolate other variables' values.
    #[error("{var} is required (${{{var}:?...}})")]
    Required { var: String },
    /// Malformed `$` syntax at this character (1-based) of the value.
    #[error("invalid interpolation syntax at character {at} of the value")]
    Syntax { at: usize },
    #[error("interpolation nested more than {MAX_NESTING} levels deep")]
    TooDeep,
    #[error(
        "interpolation budget exceeded: the value expands to more than {} bytes",
        MAX_EXPANDED
    )]
    Budget,
    /// The values of one file all together expand past the file's budget
    /// (`compose::MAX_EXPANDED_TOTAL`): none of its values is interpolated.
    #[error(
        "interpolation budget exceeded: the values of this file expand to more than {} MiB in all",
        crate::facts::compose::MAX_EXPANDED_TOTAL / (1024 * 1024)
    )]
    TotalBudget,
}

/// The syntax error for the text at `here`, a slice of `whole`.
fn syntax_at(whole: &str, here: &str) -> InterpolationError {
    let offset = (here.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    let at = whole.get(..offset).map_or(0, |s| s.chars().count()) + 1;
    InterpolationError::Syntax { at }
}

/// Interpolates `text`, looking variables up with `lookup`.
pub fn interpolate<'v>(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<&'v str>,
) -> Result<Interpolated, InterpolationError> {
    let mut unset = Vec::new();
    let value = expand(text, text, lookup, &mut unset, 0)?;
    unset.sort();
    unset.dedup();
    Ok(Interpolated { value, unset })
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `text` is a slice of `whole`, the value being interpolated (for
/// positions in errors).
fn expand<'v>(
    text: &str,
    whole: &str,
    lookup: &dyn Fn(&str) -> Option<&'v str>,
    unset: &mut Vec<String>,
    depth: usize,
) -> Result<String, InterpolationError> {
    if depth > MAX_NESTING {
        return Err(InterpolationError::TooDeep);
    }
    let mut out = String::with_capacity(text.len().min(MAX_EXPANDED));
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        if out.len() > MAX_EXPANDED {
            return Err(InterpolationError::Budget);
        }
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let mut chars = after.chars();
        match chars.next() {
            Some('$') => {
                out.push('$');
                rest = &after[1..];
            }
            Some('{') => {
                let end = matching_brace(after).ok_or_else(|| syntax_at(whole, &rest[i..]))?;
                let inner = &after[1..end];
                out.push_str(&braced(inner, whole, lookup, unset, depth)?);
                rest = &after[end + 1..];
            }
            Some(c) if is_name_start(c) => {
                let len = after
                    .char_indices()
                    .find(|(_, c)| !is_name_char(*c))
                    .map_or(after.len(), |(j, _)| j);
                let name = &after[..len];
                match lookup(name) {
                    Some(v) => out.push_str(v),
                    None => unset.push(name.to_string()),
                }
                rest = &after[len..];
            }
            // A lone `$` (end of string, or before a character that cannot
            // start a name) is kept, as compose does.
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    if out.len() > MAX_EXPANDED {
        return Err(InterpolationError::Budget);
    }
    Ok(out)
}

/// Index of the `}` closing the `{` at `s[0]`, honouring nesting.
fn matching_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn braced<'v>(
    inner: &str,
    whole: &str,
    lookup: &dyn Fn(&str) -> Option<&'v str>,
    unset: &mut Vec<String>,
    depth: usize,
) -> Result<String, InterpolationError> {
    let name_len = inner
        .char_indices()
        .find(|(_, c)| !is_name_char(*c))
        .map_or(inner.len(), |(j, _)| j);
    let name = &inner[..name_len];
    if name.is_empty() || !name.starts_with(is_name_start) {
        return Err(syntax_at(whole, inner));
    }
    let op = &inner[name_len..];
    let value = lookup(name);
    let set = value.is_some();
    let non_empty = value.is_some_and(|v| !v.is_empty());
    let arg = |skip: usize| &op[skip..];
    let mut sub = |s: &str| expand(s, whole, lookup, unset, depth + 1);
    Ok(match op {
        "" => match value {
            Some(v) => v.to_string(),
            None => {
                unset.push(name.to_string());
                String::new()
            }
        },
        _ if op.starts_with(":-") => {
            if non_empty {
                value.unwrap_or_default().to_string()
            } else {
                sub(arg(2))?
            }
        }
        _ if op.starts_with('-') => {
            if set {
                value.unwrap_or_default().to_string()
            } else {
                sub(arg(1))?
            }
        }
        _ if op.starts_with(":?") || op.starts_with('?') => {
            let strict = op.starts_with(':');
            let ok = if strict { non_empty } else { set };
            if ok {
                value.unwrap_or_default().to_string()
            } else {
                // The message is expanded (as compose does, for its errors)
                // but not kept.
                sub(arg(if strict { 2 } else { 1 }))?;
                return Err(InterpolationError::Required {
                    var: name.to_string(),
                });
            }
        }
        _ if op.starts_with(":+") => {
            if non_empty {
                sub(arg(2))?
            } else {
                String::new()
            }
        }
        _ if op.starts_with('+') => {
            if set {
                sub(arg(1))?
            } else {
                String::new()
            }
        }
        _ => return Err(syntax_at(whole, op)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'v>(pairs: &'v [(&'v str, &'v str)]) -> impl Fn(&str) -> Option<&'v str> {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| *v)
    }

    fn run(text: &str, vars: &[(&str, &str)]) -> Result<Interpolated, InterpolationError> {
        interpolate(text, &env(vars))
    }

    #[test]
    fn compose_forms() {
        let v = [("A", "a"), ("E", "")];
        assert_eq!(run("${A}", &v).unwrap().value, "a");
        assert_eq!(run("$A/x", &v).unwrap().value, "a/x");
        assert_eq!(run("${B:-80}:80", &v).unwrap().value, "80:80");
        assert_eq!(run("${E:-d}", &v).unwrap().value, "d");
        assert_eq!(run("${E-d}", &v).unwrap().value, "");
        assert_eq!(run("${B-d}", &v).unwrap().value, "d");
        assert_eq!(run("${A:+yes}", &v).unwrap().value, "yes");
        assert_eq!(run("${E:+yes}", &v).unwrap().value, "");
        assert_eq!(run("${E+yes}", &v).unwrap().value, "yes");
        assert_eq!(run("$$HOME", &v).unwrap().value, "$HOME");
        assert_eq!(run("${B:-${A}}", &v).unwrap().value, "a");
        assert_eq!(run("cost $ 5", &v).unwrap().value, "cost $ 5");
        let r = run("${B}x", &v).unwrap();
        assert_eq!(r.value, "x");
        assert_eq!(r.unset, vec!["B"]);
    }

    #[test]
    fn required_and_errors() {
        let e = run("${P:?P must be set}", &[]).unwrap_err();
        assert_eq!(e, InterpolationError::Required { var: "P".into() });
        assert!(run("${P:?x}", &[("P", "")]).is_err());
        assert!(run("${P?x}", &[("P", "")]).is_ok());
        assert_eq!(run("${", &[]), Err(InterpolationError::Syntax { at: 1 }));
        assert_eq!(
            run("ab${1A}", &[]),
            Err(InterpolationError::Syntax { at: 5 })
        );
        assert_eq!(
            run("\u{e9}${A!}", &[]),
            Err(InterpolationError::Syntax { at: 5 })
        );
    }

    #[test]
    fn errors_never_quote_the_value() {
        let secret = "Xk9PlantedSecret";
        let v = [("S", secret)];
        for text in [
            format!("{secret}${{oops"),
            format!("{secret}${{1A}}"),
            format!("{secret}${{A!x}}"),
            format!("${{P:?{secret}}}"),
            "${P:?${S}}".to_string(),
            format!("{secret}{}", "${A:-".repeat(20) + &"}".repeat(20)),
        ] {
            let e = run(&text, &v).unwrap_err().to_string();
            assert!(!e.contains(secret) && !e.contains("Planted"), "{e}");
        }
    }

    #[test]
    fn expansion_is_bounded() {
        let big = "x".repeat(300_000);
        let v = [("A", big.as_str())];
        assert!(run("$A$A$A", &v).is_ok());
        assert_eq!(run("$A$A$A$A", &v), Err(InterpolationError::Budget));
        assert_eq!(
            run(&("${A:-".repeat(40) + &"}".repeat(40)), &[]),
            Err(InterpolationError::TooDeep)
        );
    }
}
