//! Where real deployments put CHT credentials besides CHT 4.x's canonical
//! places, as settings for [`ChtSettings`](super::cht_settings): CHT 3.x
//! names (medic-os `DOCKER_COUCHDB_ADMIN_PASSWORD`, haproxy `HA_PASSWORD`),
//! passwords written inside URLs (`scheme://user:pass@host`), Kubernetes
//! `Secret`s (`data` base64-decoded, `stringData`) and the containers that
//! consume them (`env` values, `secretKeyRef`), and the password values of
//! any helm chart. Also what makes a compose project or `.env` a CHT
//! instance with a web front. Collects; never judges.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::facts::cht_settings::{Raw, Setting, Value, Via};
use crate::facts::compose::image_name;
use crate::facts::helm::Release;
use crate::facts::k8s::Object;
use crate::facts::yaml::Node;
use crate::secret::{Secret, is_secret_key};

/// The CHT setting a variable is, whatever release named it: CHT 3.x's
/// medic-os read `DOCKER_COUCHDB_ADMIN_PASSWORD`, its haproxy
/// `HA_PASSWORD`; both are the CouchDB admin password.
pub fn canonical_key(name: &str) -> &str {
    match name {
        "DOCKER_COUCHDB_ADMIN_PASSWORD" | "HA_PASSWORD" | "COUCHDB_ADMIN_PASSWORD" => {
            "COUCHDB_PASSWORD"
        }
        other => other,
    }
}

/// Setting names CHT's files use again and again: a setting of one of
/// them borrows its key instead of allocating it. Sorted (binary search).
const KNOWN_KEYS: &[&str] = &[
    "API_HOST",
    "BUILDS_URL",
    "CACHE_IMAGES",
    "CERTIFICATE_MODE",
    "CHT_COMPOSE_PATH",
    "CHT_COMPOSE_PROJECT_NAME",
    "CHT_NETWORK",
    "CHT_SYNC_COUCHDB_URL",
    "CHT_URL",
    "COMMON_NAME",
    "COUCHDB_DATA",
    "COUCHDB_HOST",
    "COUCHDB_LOG_LEVEL",
    "COUCHDB_PASSWORD",
    "COUCHDB_SECRET",
    "COUCHDB_SERVERS",
    "COUCHDB_USER",
    "COUCHDB_UUID",
    "COUCH_URL",
    "DOCKER_CONFIG_PATH",
    "GF_SECURITY_ADMIN_PASSWORD",
    "GF_SECURITY_ADMIN_USER",
    "GF_USERS_ALLOW_SIGN_UP",
    "GRAFANA_ADMIN_PASSWORD",
    "GRAFANA_ADMIN_USER",
    "GRAFANA_BIND",
    "HELM_ENVIRONMENT",
    "LOG_LEVEL",
    "MARKET_URL_READ",
    "NGINX_HTTPS_PORT",
    "NGINX_HTTP_PORT",
    "NODE_ENV",
    "SSL_CERT_FILE_PATH",
    "UPGRADE_SERVICE_URL",
    "URL_PASSWORD",
];

/// [`canonical_key`] as a setting's key: borrowed for CHT's own names,
/// owned otherwise.
pub fn key_of(name: &str) -> Cow<'static, str> {
    known(canonical_key(name))
}

/// A name as shared static text when it is one of CHT's own, owned
/// otherwise.
pub fn known(name: &str) -> Cow<'static, str> {
    match KNOWN_KEYS.binary_search(&name) {
        Ok(i) => Cow::Borrowed(KNOWN_KEYS[i]),
        Err(_) => Cow::Owned(name.to_string()),
    }
}

/// Whether `hay` contains `upper` (upper-case ASCII), ignoring ASCII case,
/// without allocating an upper-cased copy.
pub fn contains_upper(hay: &str, upper: &str) -> bool {
    let (h, n) = (hay.as_bytes(), upper.as_bytes());
    n.is_empty()
        || h.windows(n.len())
            .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_uppercase() == *b))
}

/// What serves an instance's users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Front {
    /// CHT 4.x's nginx (`cht-nginx`, or the upgrade service that runs it).
    Nginx,
    /// CHT 3.x's medic-os image, its own web front (nginx inside), whatever
    /// ports it is published on.
    MedicOs,
}

/// The web front an image is, if any.
pub fn front_of_image(image: &str) -> Option<Front> {
    match image_name(image) {
        "cht-nginx" | "cht-upgrade-service" => Some(Front::Nginx),
        "medic-os" => Some(Front::MedicOs),
        _ => None,
    }
}

/// Keys of a `.env` that only an nginx-fronted CHT instance reads (the
/// upgrade service's project settings, nginx's ports and certificate mode).
pub const NGINX_ENV_KEYS: [&str; 5] = [
    "CHT_COMPOSE_PROJECT_NAME",
    "CHT_COMPOSE_PATH",
    "NGINX_HTTP_PORT",
    "NGINX_HTTPS_PORT",
    "CERTIFICATE_MODE",
];

/// The password of a `scheme://user:password@host` URL.
pub fn url_password(value: &str) -> Option<&str> {
    let rest = after_scheme(value)?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    let pw = userinfo.split_once(':')?.1;
    (!pw.is_empty()).then_some(pw)
}

/// What follows the first `://`. Found by its colon (a character search):
/// `split_once("://")` built a substring searcher for every value, and
/// every setting's value is asked.
pub(crate) fn after_scheme(value: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(i) = value[from..].find(':') {
        let at = from + i;
        if let Some(rest) = value[at + 1..].strip_prefix("//") {
            return Some(rest);
        }
        from = at + 1;
    }
    None
}

/// The port of a URL's authority, if written.
fn url_port(value: &str) -> Option<&str> {
    let rest = after_scheme(value)?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    hostport.rsplit_once(':').map(|(_, p)| p)
}

/// A variable reference that is the whole text (`${VAR}`, `${VAR:-d}`, `$VAR`).
fn sole_var(text: &str) -> Option<&str> {
    let body = text
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| text.strip_prefix('$'))?;
    let end = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    (end > 0).then(|| &body[..end])
}

/// Settings for passwords written inside URL values (`COUCH_URL=http://
/// admin:pw@haproxy:5984/medic`). A URL to CouchDB (a `COUCH*` setting or
/// port 5984) carries the CouchDB admin password; any other is kept as
/// `URL_PASSWORD`. A password interpolated from the CouchDB password
/// variable is that variable's, judged where it is set.
pub fn url_settings(settings: &[Setting]) -> Vec<Setting> {
    let mut out = Vec::new();
    for s in settings {
        let Value::Set { value, defaulted } = &s.value else {
            continue;
        };
        // The cheap test first: most values hold no URL with a password.
        let v = value.expose();
        let Some(pw) = url_password(v) else { continue };
        if is_secret_key(&s.key) && !contains_upper(&s.key, "URL") {
            continue;
        }
        if let Some(raw) = s.raw.interpolated()
            && let Some(raw_pw) = url_password(raw)
            && raw_pw.contains('$')
        {
            match sole_var(raw_pw) {
                Some(var) if canonical_key(var) == "COUCHDB_PASSWORD" => continue,
                Some(_) => {}
                // Part literal, part interpolated: judged through its parts.
                None => continue,
            }
        }
        let key = if contains_upper(&s.key, "COUCH") || url_port(v) == Some("5984") {
            "COUCHDB_PASSWORD"
        } else {
            "URL_PASSWORD"
        };
        out.push(Setting {
            key: Cow::Borrowed(key),
            written: Cow::Owned(format!("{} (password in URL)", s.written)),
            value: Value::Set {
                value: Secret::new(pw),
                defaulted: *defaulted,
            },
            raw: Raw::NONE,
            rel: s.rel.clone(),
            line: s.line,
            via: s.via.clone(),
        });
    }
    out
}

/// Decodes base64 leniently, as a Secret's `data` is found in the wild:
/// whitespace anywhere, the standard and URL-safe alphabets alike, padding
/// optional (any `=` only at the end), trailing bits ignored and a lone
/// last character dropped.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let mut clean = Vec::with_capacity(text.len());
    let mut padding = false;
    for c in text.bytes() {
        match c {
            b' ' | b'\n' | b'\r' | b'\t' => {}
            b'=' => padding = true,
            _ if padding => return None,
            b'-' => clean.push(b'+'),
            b'_' => clean.push(b'/'),
            b'+' | b'/' => clean.push(c),
            _ if c.is_ascii_alphanumeric() => clean.push(c),
            _ => return None,
        }
    }
    // One character alone holds no whole byte.
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    crate::facts::x509::BASE64_LENIENT.decode(&clean).ok()
}

/// The CHT setting a Secret's (or chart's) key is: `COUCHDB_PASSWORD` and
/// its 3.x names, a CouchDB chart's `adminPassword` / `cookieAuthSecret`;
/// anything else by its own name, upper-cased.
fn secret_setting_key(key: &str, couch: bool) -> String {
    let upper: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    let canon = canonical_key(&upper);
    if canon != upper {
        return canon.to_string();
    }
    match (couch, key) {
        (true, "adminPassword" | "password" | "couchdb-password" | "couchdbPassword") => {
            "COUCHDB_PASSWORD".to_string()
        }
        (true, "cookieAuthSecret" | "secret") => "COUCHDB_SECRET".to_string(),
        (true, "uuid") => "COUCHDB_UUID".to_string(),
        _ => upper,
    }
}

/// Whether a text is templated (helm, jinja): its value is given elsewhere.
fn templated(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// One Secret's entries: (key, line, value or why it cannot be read).
type SecretEntries = Vec<(String, u32, Result<String, String>)>;

fn secret_entries(obj: &Object) -> SecretEntries {
    let mut out = Vec::new();
    for (section, encoded) in [("data", true), ("stringData", false)] {
        for (k, v) in obj
            .node
            .get(section)
            .map(|d| d.entries().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let (Some(key), Some(text)) = (k.as_str(), v.as_str()) else {
                continue;
            };
            if templated(text) {
                continue;
            }
            let value = if encoded {
                base64_decode(text)
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| format!("data.{key} is not valid base64 of UTF-8 text"))
            } else {
                Ok(text.to_string())
            };
            out.push((key.to_string(), v.line, value));
        }
    }
    out
}

fn namespace(obj: &Object) -> Option<&str> {
    obj.node
        .path(&["metadata", "namespace"])
        .and_then(Node::as_str)
}

/// The containers of a workload object, with where its pod spec is.
fn containers(obj: &Object) -> Vec<&Node> {
    let spec = match obj.kind.as_str() {
        "Pod" => obj.node.get("spec"),
        "CronJob" => obj
            .node
            .path(&["spec", "jobTemplate", "spec", "template", "spec"]),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            obj.node.path(&["spec", "template", "spec"])
        }
        _ => None,
    };
    let Some(spec) = spec else { return Vec::new() };
    ["initContainers", "containers"]
        .iter()
        .flat_map(|k| spec.get(k).map(Node::items).unwrap_or_default())
        .collect()
}

/// Settings from the Kubernetes manifests of a target: every Secret entry,
/// and every container `env` entry (literal, or read from a Secret by
/// `secretKeyRef`: the Secret's value at the Secret's line, or unresolved
/// when the Secret is not in the files). `docs` are (rel, objects).
pub fn k8s_settings(docs: &[(&str, &[Object])]) -> Vec<Setting> {
    let mut out = Vec::new();
    // Secrets by name (and namespace, when both sides say), each decoded
    // once however many containers read it.
    type Decoded<'a> = (&'a str, Option<&'a str>, SecretEntries);
    let mut secrets: BTreeMap<&str, Vec<Decoded>> = BTreeMap::new();
    for (rel, objects) in docs {
        for o in objects.iter().filter(|o| o.kind == "Secret") {
            if let Some(name) = o.name.as_deref() {
                secrets
                    .entry(name)
                    .or_default()
                    .push((rel, namespace(o), secret_entries(o)));
            }
        }
    }
    for (rel_text, objects) in docs {
        // One path shared by the file's settings.
        let rel: Arc<str> = Arc::from(*rel_text);
        for o in objects.iter() {
            let name = o.name.as_deref().unwrap_or("(unnamed)");
            if o.kind == "Secret" {
                let couch = name.to_ascii_lowercase().contains("couch");
                for (key, line, value) in secret_entries(o) {
                    out.push(Setting {
                        key: Cow::Owned(secret_setting_key(&key, couch)),
                        written: Cow::Owned(key.clone()),
                        value: match value {
                            Ok(v) => Value::Set {
                                value: Secret::new(v),
                                defaulted: false,
                            },
                            Err(why) => Value::Unresolved(why),
                        },
                        raw: Raw::NONE,
                        rel: rel.clone(),
                        line: Some(line),
                        via: Via::K8s {
                            object: Box::new(format!("Secret {name}")),
                        },
                    });
                }
                continue;
            }
            for c in containers(o) {
                let cname = c.get("name").and_then(Node::as_str).unwrap_or("(unnamed)");
                let object = format!("{} {name} container {cname}", o.kind);
                for e in c.get("env").map(Node::items).unwrap_or_default() {
                    let Some(var) = e.get("name").and_then(Node::as_str) else {
                        continue;
                    };
                    let key = key_of(var);
                    if let Some(v) = e.get("value").and_then(Node::as_str) {
                        if templated(v) {
                            continue;
                        }
                        out.push(Setting {
                            key,
                            written: known(var),
                            value: Value::Set {
                                value: Secret::new(v),
                                defaulted: false,
                            },
                            raw: Raw::NONE,
                            rel: rel.clone(),
                            line: Some(e.line),
                            via: Via::K8s {
                                object: Box::new(object.clone()),
                            },
                        });
                        continue;
                    }
                    let Some(r) = e.path(&["valueFrom", "secretKeyRef"]) else {
                        continue;
                    };
                    let (Some(sname), Some(skey)) = (
                        r.get("name").and_then(Node::as_str),
                        r.get("key").and_then(Node::as_str),
                    ) else {
                        continue;
                    };
                    if templated(sname) || templated(skey) {
                        continue;
                    }
                    let found = secrets.get(sname).and_then(|cands| {
                        cands.iter().find_map(|(srel, sns, entries)| {
                            let ns_ok = match (namespace(o), sns) {
                                (Some(a), Some(b)) => a == *b,
                                _ => true,
                            };
                            if !ns_ok {
                                return None;
                            }
                            entries
                                .iter()
                                .find(|(k, _, _)| k == skey)
                                .map(|(_, line, v)| (*srel, *line, v.clone()))
                        })
                    });
                    let written = format!("{var} (Secret {sname} key {skey})");
                    let setting = match found {
                        Some((srel, line, v)) => Setting {
                            key,
                            written: written.into(),
                            value: match v {
                                Ok(v) => Value::Set {
                                    value: Secret::new(v),
                                    defaulted: false,
                                },
                                Err(why) => Value::Unresolved(why),
                            },
                            raw: Raw::NONE,
                            rel: Arc::from(srel),
                            line: Some(line),
                            via: Via::K8s {
                                object: Box::new(format!("{object}, from Secret {sname}")),
                            },
                        },
                        None => Setting {
                            key,
                            written: written.into(),
                            value: Value::Unresolved(format!(
                                "it is read from Secret {sname} key {skey}, which is not in the scanned files"
                            )),
                            raw: Raw::NONE,
                            rel: rel.clone(),
                            line: Some(e.line),
                            via: Via::K8s {
                                object: Box::new(object.clone()),
                            },
                        },
                    };
                    out.push(setting);
                }
            }
        }
    }
    out
}

/// Password-like values of any chart's helm values, beyond the paths CHT's
/// chart names (`known`): `password`, `credentials.password`,
/// `adminPassword`, `postgresql.auth.password`... A value under a CouchDB
/// path (or a CouchDB chart's `adminPassword`) is the CouchDB admin
/// password. Empty and templated values are left out (the chart generates
/// or requires them at install).
pub fn helm_password_leaves<'r>(
    release: &'r Release,
    known: &[&str],
) -> Vec<(String, String, &'r crate::facts::helm::Leaf)> {
    let couch_chart = release
        .values
        .keys()
        .any(|p| p.first().is_some_and(|k| k == "couchdbConfig"));
    let mut out = Vec::new();
    for (path, leaf) in &release.values {
        let Some(last) = path.last() else { continue };
        // Cheap test first: most leaves are not passwords.
        if !(contains_upper(last, "PASSWORD") || last.eq_ignore_ascii_case("cookieauthsecret")) {
            continue;
        }
        let dotted = path.join(".");
        if known.contains(&dotted.as_str()) {
            continue;
        }
        let lower = last.to_ascii_lowercase();
        if lower.ends_with("key") || lower.ends_with("secretname") || lower.ends_with("ref") {
            // `existingSecretPasswordKey`, `passwordSecretRef`: names, not values.
            continue;
        }
        let Some(text) = leaf.text.as_deref() else {
            continue;
        };
        if text.trim().is_empty() || templated(text) {
            continue;
        }
        let couch = couch_chart
            || path[..path.len() - 1]
                .iter()
                .any(|p| p.to_ascii_lowercase().contains("couch"));
        let key = if couch && lower.contains("password") {
            "COUCHDB_PASSWORD".to_string()
        } else if couch {
            "COUCHDB_SECRET".to_string()
        } else {
            path.iter()
                .map(|p| secret_setting_key(p, false))
                .collect::<Vec<_>>()
                .join("_")
        };
        out.push((key, dotted, leaf));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_names() {
        assert_eq!(
            canonical_key("DOCKER_COUCHDB_ADMIN_PASSWORD"),
            "COUCHDB_PASSWORD"
        );
        assert_eq!(canonical_key("HA_PASSWORD"), "COUCHDB_PASSWORD");
        assert_eq!(canonical_key("COUCHDB_SECRET"), "COUCHDB_SECRET");
        assert_eq!(
            secret_setting_key("adminPassword", true),
            "COUCHDB_PASSWORD"
        );
        assert_eq!(secret_setting_key("adminPassword", false), "ADMINPASSWORD");
        assert_eq!(
            secret_setting_key("COUCHDB_PASSWORD", false),
            "COUCHDB_PASSWORD"
        );
    }

    #[test]
    fn base64() {
        assert_eq!(
            base64_decode("cGFzc3dvcmQ=").as_deref(),
            Some(&b"password"[..])
        );
        assert_eq!(base64_decode("YWRtaW4").as_deref(), Some(&b"admin"[..]));
        assert_eq!(base64_decode("").as_deref(), Some(&b""[..]));
        assert!(base64_decode("not base64!").is_none());
        // Lenient as before: whitespace anywhere, either alphabet, padding
        // optional or excessive (only at the end), trailing bits ignored, a
        // lone last character dropped.
        assert_eq!(
            base64_decode(" cGFz c3dv\ncmQ=\r\n").as_deref(),
            Some(&b"password"[..])
        );
        assert_eq!(
            base64_decode("-_-_").as_deref(),
            Some(&[0xfb, 0xff, 0xbf][..])
        );
        assert_eq!(base64_decode("+/+/"), base64_decode("-_-_"));
        assert_eq!(base64_decode("YQ===").as_deref(), Some(&b"a"[..]));
        assert_eq!(base64_decode("YR==").as_deref(), Some(&b"a"[..]));
        assert_eq!(base64_decode("Q").as_deref(), Some(&b""[..]));
        assert_eq!(base64_decode("YWRtaW4h9").as_deref(), Some(&b"admin!"[..]));
        assert!(base64_decode("YQ==YQ").is_none());
        assert!(base64_decode("YQ.=").is_none());
        assert!(base64_decode("YWRt.").is_none());
        assert!(base64_decode("Y\u{e9}Q=").is_none());
    }

    #[test]
    fn known_keys_are_sorted() {
        assert!(KNOWN_KEYS.windows(2).all(|w| w[0] < w[1]));
        assert!(matches!(known("COMMON_NAME"), Cow::Borrowed(_)));
        assert!(matches!(known("NOT_CHTS"), Cow::Owned(_)));
    }

    #[test]
    fn url_parts() {
        assert_eq!(url_password("http://admin:pw@couch:5984/medic"), Some("pw"));
        assert_eq!(url_port("http://admin:pw@couch:5984/medic"), Some("5984"));
        assert_eq!(url_password("http://couch:5984"), None);
        assert_eq!(sole_var("${COUCHDB_PASSWORD:-x}"), Some("COUCHDB_PASSWORD"));
    }

    fn compose_setting(key: &str, raw: &str, value: &str) -> Setting {
        Setting {
            key: key.to_string().into(),
            written: key.to_string().into(),
            value: Value::Set {
                value: Secret::new(value),
                defaulted: false,
            },
            raw: Raw::of(raw),
            rel: "docker-compose.yml".into(),
            line: Some(3),
            via: Via::Compose(Arc::new(crate::facts::cht_settings::ComposeService {
                file: "docker-compose.yml".into(),
                service: "api".into(),
                image: "".into(),
                env: None,
            })),
        }
    }

    #[test]
    fn scheme_is_found_at_the_first_colon_slash_slash() {
        assert_eq!(after_scheme("http://a:b@h"), Some("a:b@h"));
        assert_eq!(after_scheme("a:b:c://x://y"), Some("x://y"));
        assert_eq!(after_scheme("x:/y:/://"), Some(""));
        assert_eq!(after_scheme("no scheme: here"), None);
        assert_eq!(after_scheme("é:ü://ø"), Some("ø"));
        assert_eq!(after_scheme(""), None);
        assert_eq!(url_password("postgres://u:p@h:5432/d"), Some("p"));
        assert_eq!(url_port("http://h:5984/x"), Some("5984"));
    }

    #[test]
    fn url_passwords_become_settings() {
        // Written into the URL: the CouchDB admin password.
        let lit = compose_setting(
            "COUCH_URL",
            "http://medic:pw1@couchdb:5984/medic",
            "http://medic:pw1@couchdb:5984/medic",
        );
        // Interpolated from COUCHDB_PASSWORD: judged where that is set.
        let var = compose_setting(
            "COUCH_URL",
            "http://medic:${COUCHDB_PASSWORD}@couchdb:5984/medic",
            "http://medic:pw2@couchdb:5984/medic",
        );
        // Another service's URL: kept as URL_PASSWORD.
        let other = compose_setting(
            "DATABASE_URL",
            "postgres://dbt:pw3@postgres:5432/data",
            "postgres://dbt:pw3@postgres:5432/data",
        );
        let out = url_settings(&[lit, var, other]);
        let got: Vec<(&str, &str)> = out
            .iter()
            .map(|s| match &s.value {
                Value::Set { value, .. } => (&*s.key, value.expose()),
                Value::Unresolved(_) => (&*s.key, ""),
            })
            .collect();
        assert_eq!(got, [("COUCHDB_PASSWORD", "pw1"), ("URL_PASSWORD", "pw3")]);
        assert_eq!(out[0].written, "COUCH_URL (password in URL)");
    }

    #[test]
    fn fronts() {
        assert_eq!(
            front_of_image("medicmobile/medic-os:cht-3.9.0-rc.2"),
            Some(Front::MedicOs)
        );
        assert_eq!(
            front_of_image("public.ecr.aws/medic/cht-nginx:4.22.0"),
            Some(Front::Nginx)
        );
        assert_eq!(
            front_of_image("public.ecr.aws/medic/cht-couchdb:4.22.0"),
            None
        );
    }
}
