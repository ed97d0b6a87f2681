//! Secret values and redaction. Owns the rule that no password, token, key or
//! cookie read from a target can ever be printed: `Secret` has no `Display`,
//! its `Debug` and `Serialize` show only `<redacted: N chars>`, and the only way
//! to see the value is the deliberately loud `expose()` used by rules to judge.

use std::fmt;

use serde::{Serialize, Serializer};

/// A value that must never reach a report.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The plain value, for judging it (length, dictionary, keyed hash).
    /// Never format the result into a message or evidence.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What reports show instead of the value.
    pub fn redacted(&self) -> String {
        redacted_len(self.0.chars().count())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn redacted_len(n: usize) -> String {
    match n {
        0 => "<empty>".to_string(),
        1 => "<redacted: 1 char>".to_string(),
        n => format!("<redacted: {n} chars>"),
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.redacted())
    }
}

/// Whether a configuration key names a credential: its value is kept as a
/// [`Secret`] by every parser and never shown.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    const WORDS: [&str; 10] = [
        "pass",
        "pwd",
        "secret",
        "token",
        "cookie",
        "credential",
        "private",
        "apikey",
        "api_key",
        "uuid",
    ];
    WORDS.iter().any(|w| k.contains(w))
        || k.ends_with("_key")
        || k.ends_with("-key")
        || k == "key"
        || k.starts_with("key_")
}

/// A value as it may be shown in a report: secret-named keys are redacted whole,
/// and credentials embedded in URLs (`http://user:pass@host`) are masked.
pub fn display_value(key: &str, value: &str) -> String {
    if is_secret_key(key) {
        return redacted_len(value.chars().count());
    }
    mask_url_credentials(value)
}

/// Replaces the password part of every `scheme://user:password@` in `text`.
pub fn mask_url_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let authority_end = tail.find(['/', '?', '#', ' ']).unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":<redacted>");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("hunter22");
        assert_eq!(format!("{s:?}"), "<redacted: 8 chars>");
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            "\"<redacted: 8 chars>\""
        );
        assert_eq!(Secret::new("").redacted(), "<empty>");
    }

    #[test]
    fn secret_keys() {
        for k in [
            "COUCHDB_PASSWORD",
            "COUCHDB_SECRET",
            "COUCHDB_UUID",
            "GRAFANA_ADMIN_PASSWORD",
            "client_secret",
            "API_TOKEN",
            "ssh_key",
            "HA_PASSWORD",
            "setcookie",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in ["COUCHDB_USER", "NGINX_HTTP_PORT", "COMMON_NAME", "keyboard"] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn url_credentials_masked() {
        assert_eq!(
            mask_url_credentials("http://admin:s3cret@haproxy:5984/medic"),
            "http://admin:<redacted>@haproxy:5984/medic"
        );
        assert_eq!(
            mask_url_credentials("https://example.org/x"),
            "https://example.org/x"
        );
        assert_eq!(
            mask_url_credentials("a http://u:p@h b https://v:q@i/"),
            "a http://u:<redacted>@h b https://v:<redacted>@i/"
        );
        assert_eq!(
            display_value("COUCHDB_PASSWORD", "abc"),
            "<redacted: 3 chars>"
        );
    }
}
