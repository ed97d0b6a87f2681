//! Releasing parsed files once the derived facts are built: what each kind
//! of file keeps of its parse tree after `Facts::prepare` (see
//! [`Facts::release`](crate::facts::Facts::release)). A file's path, kind,
//! inline-ignore marks and parse error always stay. Decides nothing.

use crate::facts::inventory::{Doc, Kind, Parsed};
use crate::facts::json::{Json, JsonValue};

/// What a kind of file keeps of its parsed content at release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keeps {
    /// Everything: a rule, or a fact collected lazily in the rules phase,
    /// reads the parse tree.
    All,
    /// Nothing: only facts `Facts::prepare` derives read the parse tree.
    Nothing,
    /// The subtrees at the paths rules read (CHT app settings).
    Paths,
}

/// Who reads each kind's parse tree after `Facts::prepare`. A kind added to
/// `Kind` must be decided here (the match is exhaustive).
pub fn keeps(kind: Kind) -> Keeps {
    match kind {
        // Compose files and dotenv files are shared (`Arc`) with the
        // compose projects and CHT settings derived from them: releasing
        // frees only those no derived fact holds (`.env.example`, a `.env`
        // no compose file uses). Read by: ComposeProjects, ChtSettings,
        // EnvItems (all prepared).
        Kind::Compose | Kind::DotEnv => Keeps::Nothing,
        // HelmReleases (prepared); TreeBackups asks only whether a helm
        // values file exists (its kind, kept).
        Kind::HelmValues => Keeps::Nothing,
        // NginxTls (prepared; includes are found by path, their trees read
        // while it is built).
        Kind::Nginx => Keeps::Nothing,
        // CouchConfigs and ChtSettings (prepared).
        Kind::CouchIni => Keeps::Nothing,
        // PemFiles (prepared); inline ignores never read certificate files'
        // marks.
        Kind::Pem => Keeps::Nothing,
        // PASS-014, TLS-017 and TOKEN-001..006 read a few known keys
        // (`rules::APP_SETTINGS_READ`); FileItems (prepared) read it whole.
        Kind::AppSettings => Keeps::Paths,
        // Rules PORT-005, DISK-005, TLS-016, PRIV-004 and the lazily
        // collected Images, TreeBackups and Renewals.
        Kind::K8s => Keeps::All,
        // PASS-015, TOKEN-007.
        Kind::UsersCsv => Keeps::All,
        // PORT-006.
        Kind::VmArgs => Keeps::All,
        // TLS-017 and Monitoring (lazily collected).
        Kind::Watchdog => Keeps::All,
        // PRIV-002.
        Kind::PgHba => Keeps::All,
        // Facts of the host packs, collected lazily by their rules
        // (LoginDefsFiles, PamConfigs, PwQualityConfigs, SshdConfigs), and
        // Monitoring (Grafana files): few and small.
        Kind::LoginDefs
        | Kind::Pam
        | Kind::PwQuality
        | Kind::Sshd
        | Kind::GrafanaAlerting
        | Kind::GrafanaIni => Keeps::All,
    }
}

/// The steps of `Facts::prepare`, in order: each reads parse trees, and
/// the engine frees those no later step (and no rule) reads as soon as a
/// step ends, so that they do not sit beside the facts the later steps
/// build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// Compose projects, helm releases, nginx, certificates, CouchDB
    /// configurations and the environment items of the files themselves.
    Sources,
    /// CHT settings (compose projects, helm releases, dotenv and CouchDB
    /// files).
    Settings,
    /// Environment items (CHT settings, helm releases, certificates, and
    /// the files' own, gathered in the first step).
    Items,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::Sources, Step::Settings, Step::Items];
}

/// The last step of `Facts::prepare` that reads a kind's parse tree; what
/// [`keeps`] lets go of it is released when that step ends.
pub fn last_read(kind: Kind) -> Step {
    match kind {
        // HelmReleases, NginxTls (its includes too), PemFiles; FileItems
        // (environment items of app settings: their rules read only the
        // paths `keeps` lets them keep).
        Kind::HelmValues | Kind::Nginx | Kind::Pem | Kind::AppSettings => Step::Sources,
        // ComposeProjects, then ChtSettings (dotenv files by path, CouchDB
        // files besides CouchConfigs).
        Kind::Compose | Kind::DotEnv | Kind::CouchIni => Step::Settings,
        _ => Step::Items,
    }
}

/// A path into a JSON document: member names from the top, `*` for every
/// member of an object.
pub type JsonPath<'a> = &'a [&'a str];

/// Releases what `doc` keeps of its parse tree by its kind's [`keeps`]:
/// CHT app settings are pruned to `app_settings` (see [`prune`]). A file
/// that could not be parsed keeps its error.
pub fn release(doc: &mut Doc, app_settings: &[JsonPath<'_>]) {
    let Ok(parsed) = &mut doc.content else {
        return;
    };
    match keeps(doc.kind) {
        Keeps::All => {}
        Keeps::Nothing => *parsed = Parsed::Released,
        Keeps::Paths => {
            if let Parsed::AppSettings(json) = parsed {
                prune(json, app_settings);
                // What is kept, kept for the whole scan: copied out of the
                // parse trees' heap (`crate::heap`), whose pages then empty.
                *json = json.clone();
            }
        }
    }
}

/// Keeps, of an object, only the members some path leads through (a path
/// that ends at a member keeps it whole), lines and order unchanged, so
/// `get`, `member` and `members` answer as before for every path listed.
/// A value that is not an object where a path goes on is kept whole; so is
/// a document that is not an object.
pub fn prune(json: &mut Json, paths: &[JsonPath<'_>]) {
    let JsonValue::Object(members) = &mut json.value else {
        return;
    };
    members.retain_mut(|(key, _, value)| {
        let rest: Vec<JsonPath<'_>> = paths
            .iter()
            .filter_map(|p| {
                let (first, rest) = p.split_first()?;
                (*first == "*" || first == key).then_some(rest)
            })
            .collect();
        if rest.is_empty() {
            return false;
        }
        if !rest.iter().any(|r| r.is_empty()) {
            prune(value, &rest);
        }
        true
    });
    members.shrink_to_fit();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::json::parse;

    fn pruned(text: &str, paths: &[JsonPath<'_>]) -> Json {
        let mut j = parse(text).expect("test JSON parses");
        prune(&mut j, paths);
        j
    }

    #[test]
    fn keeps_listed_paths_with_their_lines() {
        let j = pruned(
            "{\n\"locale\": \"en\",\n\"app_url\": \"https://x\",\n\"roles\": {\"chw\": {\"name\": \"n\", \"offline\": true},\n\"admin\": {\"name\": \"a\"}},\n\"tasks\": [1, 2]\n}",
            &[&["app_url"], &["roles", "*", "offline"]],
        );
        assert!(j.get("locale").is_none());
        assert!(j.get("tasks").is_none());
        let url = j.get("app_url").expect("kept");
        assert_eq!((url.as_str(), url.line), (Some("https://x"), 3));
        let roles = j.get("roles").expect("kept");
        assert_eq!(roles.line, 4);
        let names: Vec<&str> = roles.members().iter().map(|(k, _, _)| k.as_str()).collect();
        assert_eq!(names, ["chw", "admin"]);
        let chw = roles.get("chw").expect("kept");
        assert!(chw.get("name").is_none());
        assert_eq!(chw.get("offline").and_then(Json::as_bool), Some(true));
        assert_eq!(roles.member("admin").map(|(l, _)| l), Some(5));
    }

    #[test]
    fn a_path_that_ends_keeps_the_subtree_whole() {
        let text = "{\"token_login\": {\"enabled\": true, \"message\": {\"a\": [1]}}}";
        let j = pruned(text, &[&["token_login"], &["token_login", "enabled"]]);
        assert_eq!(j, parse(text).expect("parses"));
    }

    #[test]
    fn repeated_keys_stay_in_order_and_non_objects_stay_whole() {
        let j = pruned(
            "{\"app_url\": \"a\", \"x\": 1, \"app_url\": \"b\", \"roles\": [1, 2]}",
            &[&["app_url"], &["roles", "*", "offline"]],
        );
        assert_eq!(j.get("app_url").and_then(Json::as_str), Some("b"));
        assert_eq!(j.members().len(), 3);
        assert_eq!(j.get("roles").map(|r| r.items().len()), Some(2));
        let top = "[{\"locale\": \"en\"}]";
        assert_eq!(pruned(top, &[&["app_url"]]), parse(top).expect("parses"));
    }

    #[test]
    fn released_kinds_keep_errors() {
        let mut doc = Doc {
            rel: "nginx.conf".into(),
            kind: Kind::Nginx,
            content: Err("line 1: unexpected end".to_string()),
            marks: Box::new([]),
        };
        release(&mut doc, &[]);
        assert_eq!(doc.content, Err("line 1: unexpected end".to_string()));
        doc.content = Ok(Parsed::Nginx(Vec::new()));
        release(&mut doc, &[]);
        assert_eq!(doc.content, Ok(Parsed::Released));
        doc.kind = Kind::K8s;
        doc.content = Ok(Parsed::K8s(Vec::new()));
        release(&mut doc, &[]);
        assert_eq!(doc.content, Ok(Parsed::K8s(Vec::new())));
    }
}
