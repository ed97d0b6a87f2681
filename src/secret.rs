//! Secret values and redaction. Owns the rule that no password, token, key or
//! cookie read from a target can ever be printed: `Secret` has no `Display`,
//! its `Debug` and `Serialize` show only `<redacted: N chars>`, and the only way
//! to see the value is the deliberately loud `expose()` used by rules to judge.

use std::fmt;

use compact_str::CompactString;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Serialize, Serializer};
use sha2::Sha256;

/// A value that must never reach a report. Held in a `CompactString`: a
/// value of up to 24 bytes (most passwords, names and modes) is stored in
/// place, with no allocation of its own.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(CompactString);

impl Secret {
    pub fn new(value: impl Into<CompactString>) -> Self {
        Secret(value.into())
    }

    /// The plain value, for judging it (length, dictionary, keyed hash).
    /// Never format the result into a message or evidence.
    pub fn expose(&self) -> &str {
        self.0.as_str()
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

/// Compares secrets without revealing them: HMAC-SHA256 under a key drawn
/// at random for each run, so equal values give equal tags within a run and
/// nothing that could be looked up or guessed offline across runs. A tag can
/// be compared and nothing else: it has no `Display`, no `Serialize`, and its
/// `Debug` prints nothing of it.
pub struct KeyedHasher {
    /// Keyed once (the key's inner and outer blocks hashed); each tag
    /// starts from a copy.
    mac: Hmac<Sha256>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag([u8; 32]);

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tag(<keyed>)")
    }
}

impl fmt::Debug for KeyedHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyedHasher(<random key>)")
    }
}

impl KeyedHasher {
    /// A hasher with a fresh random key.
    pub fn random() -> KeyedHasher {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the operating system provides random bytes");
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
            .expect("HMAC takes a key of any length");
        KeyedHasher { mac }
    }

    pub fn tag(&self, value: &[u8]) -> Tag {
        let mut mac = self.mac.clone();
        mac.update(value);
        Tag(mac.finalize().into_bytes().into())
    }

    pub fn tag_secret(&self, value: &Secret) -> Tag {
        self.tag(value.expose().as_bytes())
    }
}

/// Whether a configuration key names a credential: its value is kept as a
/// [`Secret`] by every parser and never shown. ASCII case does not matter.
/// Called for every key of every file: no allocation, one pass over the
/// key for the credential words.
pub fn is_secret_key(key: &str) -> bool {
    // `*_key` names that are identifiers, not credentials.
    const NOT_SECRET: [&str; 10] = [
        "translation_key",
        "label_key",
        "sort_key",
        "primary_key",
        "foreign_key",
        "partition_key",
        "message_key",
        "cache_key",
        "lookup_key",
        "group_key",
    ];
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
    static WORDS_IN: std::sync::LazyLock<aho_corasick::AhoCorasick> =
        std::sync::LazyLock::new(|| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(WORDS)
                .expect("fixed word list")
        });
    let k = key.as_bytes();
    let ends = |s: &[u8], suffix: &str| {
        s.len() >= suffix.len()
            && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    let last = k.rsplit(|&b| b == b'.' || b == b'/').next().unwrap_or(k);
    if NOT_SECRET.iter().any(|n| ends(last, n)) {
        return false;
    }
    WORDS_IN.is_match(key)
        || ends(k, "_key")
        || ends(k, "-key")
        || k.eq_ignore_ascii_case(b"key")
        || (k.len() >= 4 && k[..4].eq_ignore_ascii_case(b"key_"))
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
    fn keyed_tags_compare_and_hide() {
        let h = KeyedHasher::random();
        let a = h.tag_secret(&Secret::new("same"));
        assert_eq!(a, h.tag(b"same"));
        assert_ne!(a, h.tag(b"other"));
        assert_eq!(format!("{a:?}"), "Tag(<keyed>)");
        // Another run's key gives other tags for the same value.
        assert_ne!(a, KeyedHasher::random().tag(b"same"));
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
            "Key",
            "KEY_FILE",
            "tls-key",
            "db.PassPhrase",
            "x.Api_Key",
            "couchdb.uuid",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "COUCHDB_USER",
            "NGINX_HTTP_PORT",
            "COMMON_NAME",
            "keyboard",
            "translation_key",
            "token_login.translation_key",
            "a.Translation_Key",
            "keys",
            "monkey",
            "",
            "é_KEYS",
        ] {
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
