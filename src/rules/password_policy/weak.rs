//! What makes a CHT password weak: CHT's own password tester (the
//! `simple-password-tester` package cht-core's user management and admin app
//! use), the published default values of CHT's docs, charts and example
//! files, and placeholders left in place of a value. Pure judgement helpers
//! shared by the password and environment-segregation rules.

use std::sync::OnceLock;

use regex::Regex;

/// Default and example passwords published in CHT's docs, charts and tools
/// (cht-docs app-developer `.env`, cht-upgrade-service README, cht-sync
/// `env.template`, cht-core helm tests, Watchdog `.env.example`), Grafana's
/// and CouchDB's docs, and the commonest passwords of all.
pub const PUBLISHED_PASSWORDS: [&str; 30] = [
    "password",
    "pass",
    "admin",
    "medic",
    "secret",
    "test",
    "123456",
    "12345678",
    "123456789",
    "changeme",
    "changeit",
    "couchdb",
    "postgres",
    "root",
    "default",
    "qwerty",
    "letmein",
    "password1",
    "passw0rd",
    "admin123",
    "medic123",
    "welcome",
    "abc123",
    "111111",
    // The CHT ecosystem around the data: cht-sync's compose and Superset
    // set-up (`supercoolpassword`, Superset's `superset`), Watchdog's fake
    // CHT (`cht_couch2pg_password`), cht-interoperability's compose
    // (`instant101`), CHT 3.x scalability docs (`medicScalability`),
    // CouchDB docs' `relax`.
    "supercoolpassword",
    "superset",
    "cht_couch2pg_password",
    "instant101",
    "medicscalability",
    "relax",
];

/// Whether a value is a placeholder left where a real value belongs
/// (`<password-value>`, `changeme`, `REPLACE-...`, `xxxx`, an all-zero UUID).
pub fn is_placeholder(value: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?ix)^(
                <[^<>]*> | \{\{[^{}]*\}\} | change[-_\ ]?me | replace([-_\ ].*|me)? | todo | tbd
                | fixme | x{3,} | \*{3,} | \.{3} | your[-_\ ]?(password|secret|uuid|pass)\b.*
                | [a-z_-]*[-_\ ]from[-_\ ]above | same[-_\ ]as[-_\ ]above
                | (enter|insert|put|set|add)[-_\ ]?(your|the|a|an)?[-_\ ]?(admin[-_\ ]?)?(password|secret|pass|passwd|uuid|value)\b.*
                | (secure|strong|random|generated|long)[-_\ ]?(admin[-_\ ]?)?(password|secret|passwd)([-_\ ]?here)?
                | (password|secret|passwd)[-_\ ]?here
                | 0{8}-0{4}-0{4}-0{4}-0{12} | 0{32}
            )$",
        )
        .expect("static regex")
    });
    re.is_match(value.trim())
}

/// Whether a value is one of the published default passwords.
pub fn is_published_password(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    PUBLISHED_PASSWORDS.contains(&v.as_str())
}

/// CHT's password score, exactly as `simple-password-tester` computes it:
/// length + 2 × distinct characters + 15 × (character classes − 1), where the
/// classes are digits, lower-case, upper-case and anything else (JavaScript's
/// `/\d/`, `/[a-z]/`, `/[A-Z]/`, `/\W/`; `_` is a word character and counts
/// in none). Lengths are UTF-16 code units, as in JavaScript.
pub fn cht_score(password: &str) -> i64 {
    let units: Vec<u16> = password.encode_utf16().collect();
    let mut unique: Vec<u16> = units.clone();
    unique.sort_unstable();
    unique.dedup();
    let has = |f: fn(char) -> bool| password.chars().any(f);
    let classes = [
        has(|c| c.is_ascii_digit()),
        has(|c| c.is_ascii_lowercase()),
        has(|c| c.is_ascii_uppercase()),
        has(|c| !(c.is_ascii_alphanumeric() || c == '_')),
    ]
    .iter()
    .filter(|b| **b)
    .count() as i64;
    units.len() as i64 + 2 * unique.len() as i64 + 15 * (classes - 1)
}

/// Whether a CouchDB `[admins]` value is hashed (CouchDB replaces plain
/// values with `-pbkdf2-...` at startup; `-hashed-` is the legacy SHA-1 form).
pub fn is_hashed(value: &str) -> bool {
    value.starts_with("-pbkdf2-") || value.starts_with("-hashed-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_matches_simple_password_tester() {
        // Values worked out by hand from the package's formula.
        assert_eq!(cht_score(""), -15);
        assert_eq!(cht_score("password"), 8 + 2 * 7);
        // S e c r e t _ 1: seven distinct, `_` in no class.
        assert_eq!(cht_score("Secret_1"), 8 + 2 * 7 + 15 * 2);
        assert_eq!(cht_score("aaaa"), 4 + 2);
        // `_` is a word character: no "other" class.
        assert_eq!(cht_score("a_b"), 3 + 6);
        // Non-ASCII letters are \W; an emoji is two UTF-16 units.
        assert_eq!(cht_score("é"), 1 + 2);
        assert_eq!(cht_score("😀"), 2 + 4);
        // The package's own test expectations.
        for good in [
            "1aS$.%f89",
            "f0rrgh2A",
            "f0rr!h2a",
            "gott145freeeettttt",
            "AA999FGHJb",
            "c93gC8s!h",
            "lamptablelaptopphonecharger",
            "aO9!brMN&DTbY&2ICWfz",
            "☺!3kGG546",
        ] {
            assert!(cht_score(good) > 50, "{good}: {}", cht_score(good));
        }
        for common in [
            "password", "123456", "qwerty", "letmein", "trustno1", "monkey",
        ] {
            assert!(cht_score(common) < 50, "{common}");
        }
    }

    #[test]
    fn placeholders_and_defaults() {
        for p in [
            "<password-value>",
            "<uuid>",
            "changeme",
            "CHANGE_ME",
            "REPLACE-seven-random-words-joined-by-dashes",
            "xxxxxx",
            "00000000-0000-0000-0000-000000000000",
            "your-password-here",
            "{{ password }}",
            "PASSWORD-FROM-ABOVE",
            "<password>",
            "CHANGE_ME",
            "xxx",
            "enter-your-password",
            "secure-password-here",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for p in ["correct-horse-battery", "r3plac3d", "Xx9"] {
            assert!(!is_placeholder(p), "{p}");
        }
        assert!(is_published_password("Password"));
        assert!(!is_published_password("password-that-is-long"));
        assert!(is_hashed("-pbkdf2-abc,salt,10"));
        assert!(!is_hashed("plain"));
    }
}
