//! TLS-013 nginx-weak-ciphers: an nginx `ssl_ciphers` string, evaluated the
//! way OpenSSL evaluates it (aliases, `!`, `-`, `+`, `DEFAULT`, `@STRENGTH`),
//! admits an RC4, DES, 3DES, NULL, export, MD5 or anonymous (aNULL) suite.
//! A TLS server without the directive gets nginx's default
//! `HIGH:!aNULL:!MD5`, which is evaluated too.

use std::collections::HashMap;

use crate::facts::nginx::NginxTls;
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::tls::openssl;
use crate::tls::suites::Weakness;

/// nginx's built-in `ssl_ciphers`.
const NGINX_DEFAULT: &str = "HIGH:!aNULL:!MD5";

fn banned(w: Weakness) -> bool {
    matches!(
        w,
        Weakness::Null
            | Weakness::Export
            | Weakness::Anonymous
            | Weakness::Rc4
            | Weakness::Des
            | Weakness::TripleDes
            | Weakness::Md5
    )
}

/// The banned suites a cipher string admits (with what is wrong with each),
/// how many suites it admits, and the words OpenSSL would not know.
type Admitted = (Vec<String>, usize, Vec<String>);

fn admitted(spec: &str) -> Admitted {
    let list = openssl::evaluate(spec);
    let bad = list
        .suites
        .iter()
        .filter_map(|s| {
            let w: Vec<&str> = s
                .weaknesses()
                .into_iter()
                .filter(|w| banned(*w))
                .map(Weakness::describe)
                .collect();
            (!w.is_empty()).then(|| format!("{} ({})", s.openssl, w.join(", ")))
        })
        .collect();
    (bad, list.suites.len(), list.unknown)
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let nginx = ctx.facts.get::<NginxTls>();
    let target = ctx.target();
    let mut j = Judgement::new();
    // A fleet repo repeats a handful of cipher strings thousands of times:
    // each distinct string is evaluated once.
    let mut evaluated: HashMap<&str, Admitted> = HashMap::new();
    for (rel, why) in &nginx.errors {
        let loc = target.location(rel);
        j.not_evaluated(rel.clone(), format!("{}: {why}", loc.path))
            .at(loc);
    }
    for s in nginx.settings.iter().filter(|s| s.name == "ssl_ciphers") {
        let loc = target.location(&s.rel).with_line(s.line);
        let key = format!("{}#{}#ssl_ciphers", s.rel, s.context);
        if s.value.contains('$') {
            j.not_evaluated(
                key,
                format!(
                    "{}: ssl_ciphers is set from a variable ({}); render the template to judge it",
                    loc.path, s.value
                ),
            )
            .at(loc);
            continue;
        }
        let (bad, total, unknown) = evaluated
            .entry(s.value.as_str())
            .or_insert_with(|| admitted(&s.value))
            .clone();
        if bad.is_empty() {
            j.checked(format!(
                "{} ({}): {total} suites, none weak",
                loc.path, s.context
            ));
            continue;
        }
        let shown: Vec<&str> = bad.iter().take(5).map(String::as_str).collect();
        j.fail(
            key,
            format!(
                "{} ({}): ssl_ciphers admits {} weak suite{} of {total}: {}{}. Use ECDHE+AESGCM:ECDHE+CHACHA20 (or Mozilla's intermediate list).",
                loc.path,
                s.context,
                bad.len(),
                if bad.len() == 1 { "" } else { "s" },
                shown.join(", "),
                if bad.len() > 5 { ", ..." } else { "" }
            ),
        )
        .at(loc)
        .evidence("ssl_ciphers", s.value.clone())
        .evidence("weak_suites", bad)
        .evidence("unknown_words", unknown);
    }
    for srv in nginx.servers.iter().filter(|s| s.ciphers.is_none()) {
        let loc = target.location(&srv.rel).with_line(srv.line);
        let (bad, total, _) = evaluated
            .entry(NGINX_DEFAULT)
            .or_insert_with(|| admitted(NGINX_DEFAULT))
            .clone();
        if bad.is_empty() {
            j.checked(format!(
                "{}: nginx's default {NGINX_DEFAULT} ({total} suites, none weak)",
                loc.path
            ));
        }
    }
    j.finish(
        "nginx's cipher strings admit no RC4, DES, 3DES, NULL, export, MD5 or anonymous suite.",
        "no nginx TLS configuration",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_bad_strings() {
        assert!(admitted(NGINX_DEFAULT).0.is_empty());
        assert!(!admitted("ALL").0.is_empty());
        assert!(!admitted("HIGH:!aNULL:!MD5:RC4-SHA").0.is_empty());
        assert!(admitted("HIGH:!aNULL:!MD5:!RC4").0.is_empty());
        assert!(!admitted("ECDHE+AESGCM:DES-CBC3-SHA").0.is_empty());
        assert!(admitted("ECDHE+AESGCM:!3DES").0.is_empty());
    }
}
