//! nginx configuration: the parser (directives, blocks, quoting, comments,
//! `${VAR}` template words) and the effective TLS settings of a target —
//! `include` resolved within the target's root (globs too; an absolute path
//! in a config tree is matched against the tree by its trailing components,
//! so `/etc/nginx/conf.d/x.conf` finds `nginx/conf.d/x.conf`), `http`-level
//! settings inherited by `server` blocks. Include expansion has a budget
//! (files expanded, bytes of directives, depth): past it the configuration
//! is an error naming the budget. Include globs match with `globset`
//! (linear time). Parses; never judges.

use std::collections::BTreeSet;
use std::sync::Arc;

use globset::GlobBuilder;

use crate::facts::inventory::{Comments, ReadError, decode};
use crate::facts::{Doc, Fact, Facts, Kind, Parsed};
use crate::target::Root;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    pub args: Vec<String>,
    pub line: u32,
    pub block: Option<Vec<Directive>>,
}

/// Parses nginx configuration text.
pub fn parse(text: &str) -> Result<Vec<Directive>, String> {
    let mut tokens = tokenize(text)?;
    let mut pos = 0;
    let out = parse_block(&mut tokens, &mut pos, 0)?;
    if pos != tokens.len() {
        return Err(format!("line {}: unexpected \"}}\"", tokens[pos].1));
    }
    Ok(out)
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Open,
    Close,
    Semi,
}

fn tokenize(text: &str) -> Result<Vec<(Tok, u32)>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut line = 1u32;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            c if c.is_whitespace() => i += 1,
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '{' => {
                out.push((Tok::Open, line));
                i += 1;
            }
            '}' => {
                out.push((Tok::Close, line));
                i += 1;
            }
            ';' => {
                out.push((Tok::Semi, line));
                i += 1;
            }
            '"' | '\'' => {
                let start = line;
                let mut w = String::new();
                i += 1;
                loop {
                    let Some(&d) = chars.get(i) else {
                        return Err(format!("line {start}: unterminated quoted string"));
                    };
                    i += 1;
                    match d {
                        '\\' if i < chars.len() => {
                            let e = chars[i];
                            i += 1;
                            if e == '\n' {
                                line += 1;
                            }
                            if e != c && e != '\\' {
                                w.push('\\');
                            }
                            w.push(e);
                        }
                        d if d == c => break,
                        d => {
                            if d == '\n' {
                                line += 1;
                            }
                            w.push(d);
                        }
                    }
                }
                out.push((Tok::Word(w), start));
            }
            _ => {
                let mut w = String::new();
                while i < chars.len() {
                    let d = chars[i];
                    if d == '$' && chars.get(i + 1) == Some(&'{') {
                        // `${VAR}` (nginx variables and envsubst templates).
                        while i < chars.len() && chars[i] != '}' && chars[i] != '\n' {
                            w.push(chars[i]);
                            i += 1;
                        }
                        if i < chars.len() && chars[i] == '}' {
                            w.push('}');
                            i += 1;
                        }
                        continue;
                    }
                    if d.is_whitespace() || matches!(d, '{' | '}' | ';') {
                        break;
                    }
                    if d == '\\' && i + 1 < chars.len() {
                        w.push(d);
                        w.push(chars[i + 1]);
                        i += 2;
                        continue;
                    }
                    w.push(d);
                    i += 1;
                }
                out.push((Tok::Word(w), line));
            }
        }
    }
    Ok(out)
}

/// Parses the directives from `tokens[*pos]` on, moving each word out of
/// its token (a token is read once).
fn parse_block(
    tokens: &mut [(Tok, u32)],
    pos: &mut usize,
    depth: usize,
) -> Result<Vec<Directive>, String> {
    if depth > 64 {
        return Err("blocks nested too deeply".to_string());
    }
    let mut out = Vec::new();
    while *pos < tokens.len() {
        let (tok, line) = &mut tokens[*pos];
        match tok {
            Tok::Close => {
                if depth == 0 {
                    return Err(format!("line {line}: unexpected \"}}\""));
                }
                *pos += 1;
                return Ok(out);
            }
            Tok::Semi => return Err(format!("line {line}: unexpected \";\"")),
            Tok::Open => return Err(format!("line {line}: unexpected \"{{\"")),
            Tok::Word(name) => {
                let name = std::mem::take(name);
                let line = *line;
                *pos += 1;
                let mut args = Vec::new();
                loop {
                    let Some((t, l)) = tokens.get_mut(*pos) else {
                        // The word is not quoted: it may be a stray value.
                        return Err(format!("line {line}: directive is not terminated by \";\""));
                    };
                    *pos += 1;
                    match t {
                        Tok::Word(w) => args.push(std::mem::take(w)),
                        Tok::Semi => {
                            out.push(Directive {
                                name,
                                args,
                                line,
                                block: None,
                            });
                            break;
                        }
                        Tok::Open => {
                            let block = parse_block(tokens, pos, depth + 1)?;
                            out.push(Directive {
                                name,
                                args,
                                line,
                                block: Some(block),
                            });
                            break;
                        }
                        Tok::Close => return Err(format!("line {l}: unexpected \"}}\"")),
                    }
                }
            }
        }
    }
    if depth > 0 {
        return Err("unexpected end of file, expecting \"}\"".to_string());
    }
    Ok(out)
}

/// Directives only nginx uses: a `.conf` file with one of them is nginx's.
const NGINX_WORDS: [&str; 16] = [
    "server",
    "http",
    "events",
    "location",
    "listen",
    "server_name",
    "proxy_pass",
    "upstream",
    "ssl_certificate",
    "ssl_protocols",
    "ssl_ciphers",
    "worker_processes",
    "error_page",
    "add_header",
    "return",
    "stream",
];

pub fn looks_like_nginx(dirs: &[Directive]) -> bool {
    dirs.iter().any(|d| {
        NGINX_WORDS.contains(&d.name.as_str())
            || d.block.as_ref().is_some_and(|b| looks_like_nginx(b))
    })
}

/// A directive's value and where it is written.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Setting {
    /// Shared by the settings of a file.
    pub rel: Arc<str>,
    pub line: u32,
    pub name: String,
    pub value: String,
    /// `http`, `server example.org`, `stream`, or `top level`; shared by the
    /// settings of a block.
    pub context: Arc<str>,
}

/// A `server` block that terminates TLS, with its effective settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsServer {
    pub rel: Arc<str>,
    pub line: u32,
    pub names: Vec<String>,
    pub protocols: Option<Setting>,
    pub ciphers: Option<Setting>,
    pub certificates: Vec<Setting>,
    pub keys: Vec<Setting>,
    /// The `add_header Strict-Transport-Security` that applies: the
    /// server's own (or one of its locations'), or the `http` block's when
    /// the server sets no `add_header` of its own (nginx inherits
    /// `add_header` only then).
    pub hsts: Option<Setting>,
}

/// The TLS settings of every nginx configuration of a target.
#[derive(Clone, Debug, Default)]
pub struct NginxTls {
    /// Every `ssl_protocols` / `ssl_ciphers` directive (deduplicated).
    pub settings: Vec<Setting>,
    pub servers: Vec<TlsServer>,
    /// Files that could not be parsed or read: (rel, why).
    pub errors: Vec<(String, String)>,
    /// Includes that match nothing in the root: (rel, line, pattern).
    pub unresolved: Vec<(String, u32, String)>,
    pub files: Vec<String>,
}

#[derive(Clone, Debug)]
struct Node {
    name: String,
    args: Vec<String>,
    rel: Arc<str>,
    line: u32,
    block: Option<Vec<Node>>,
}

/// Files one configuration may expand through `include` (each inclusion
/// counts, so a fan-out of files including each other is cut).
pub const MAX_INCLUDED_FILES: usize = 256;
/// Bytes of directives (names and arguments) one configuration may expand to.
pub const MAX_EXPANDED_BYTES: usize = 64 * 1024 * 1024;
/// Nested includes.
pub const MAX_INCLUDE_DEPTH: usize = 16;

/// Whether a path inside the root is a file, as probed once per scan: each
/// configuration tries the same candidates for an absolute include
/// (`etc/nginx/mime.types`, `nginx/conf.d/...`), and a tree of many sites
/// asked the file system the same question once per site.
#[derive(Default)]
struct Probes(std::sync::RwLock<foldhash::HashMap<Box<str>, bool>>);

impl Probes {
    fn is_file(&self, facts: &Facts, root: &Root, path: &str) -> bool {
        // A file the tree's walk read is a file, and what the walk listed
        // answers for the rest it saw: no probe.
        if facts.doc(path).is_some() {
            return true;
        }
        if let Some(known) = facts.inventory.listed_is_file(path) {
            return known;
        }
        let known = self
            .0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .copied();
        known.unwrap_or_else(|| {
            let is_file = root.metadata(path).is_ok_and(|m| m.is_file());
            self.0
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .insert(path.into(), is_file);
            is_file
        })
    }
}

struct Expander<'a> {
    facts: &'a Facts<'a>,
    root: &'a Root,
    probes: &'a Probes,
    host: bool,
    /// The configuration being expanded (budget errors are its errors).
    main: String,
    main_dir: String,
    out: &'a mut NginxTls,
    reached: &'a mut BTreeSet<String>,
    /// Files expanded so far, bytes of directives so far.
    included: usize,
    bytes: usize,
    /// Set once a budget is exceeded: nothing more is expanded.
    exceeded: bool,
}

fn dir_of(rel: &str) -> String {
    rel.rsplit_once('/')
        .map_or(String::new(), |(d, _)| d.to_string())
}

fn join(dir: &str, p: &str) -> String {
    if dir.is_empty() {
        p.to_string()
    } else {
        format!("{dir}/{p}")
    }
}

/// A glob(3) pattern for one path component (`*`, `?`, `[...]`; braces are
/// literal, as nginx does not ask glob for them), matched in linear time.
pub fn component_glob(pattern: &str) -> Option<globset::GlobMatcher> {
    let escaped = pattern.replace('{', "[{]").replace('}', "[}]");
    GlobBuilder::new(&escaped)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

/// `*`, `?` and `[...]` in one path component.
pub fn wildcard(pattern: &str, name: &str) -> bool {
    component_glob(pattern).is_some_and(|m| m.is_match(name))
}

impl<'a> Expander<'a> {
    fn matches(&self, path: &str) -> Vec<String> {
        let path = path.trim_start_matches('/');
        let (dir, name) = match path.rsplit_once('/') {
            Some((d, n)) => (d.to_string(), n.to_string()),
            None => (String::new(), path.to_string()),
        };
        if name.contains(['*', '?']) {
            let Some(glob) = component_glob(&name) else {
                return Vec::new();
            };
            match self.root.read_dir(&dir) {
                Ok(entries) => entries
                    .into_iter()
                    .filter(|e| !e.is_dir && glob.is_match(&e.name))
                    .map(|e| join(&dir, &e.name))
                    .collect(),
                Err(_) => Vec::new(),
            }
        } else if self.probes.is_file(self.facts, self.root, path) {
            vec![path.to_string()]
        } else {
            Vec::new()
        }
    }

    fn resolve(&self, pattern: &str, including: &str) -> Vec<String> {
        let mut candidates = Vec::new();
        if let Some(abs) = pattern.strip_prefix('/') {
            if self.host {
                candidates.push(abs.to_string());
            } else {
                let comps: Vec<&str> = abs.split('/').filter(|c| !c.is_empty()).collect();
                for k in 0..comps.len() {
                    let suffix = comps[k..].join("/");
                    if k + 1 < comps.len() || self.main_dir.is_empty() {
                        candidates.push(suffix.clone());
                    }
                    if !self.main_dir.is_empty() {
                        candidates.push(join(&self.main_dir, &suffix));
                    }
                }
            }
        } else {
            candidates.push(join(&self.main_dir, pattern));
            candidates.push(join(&dir_of(including), pattern));
        }
        for c in candidates {
            let found = self.matches(&c);
            if !found.is_empty() {
                return found;
            }
        }
        Vec::new()
    }

    /// An included file's directives: borrowed when the file was parsed
    /// with the tree (no copy per inclusion), read and parsed otherwise.
    fn load(&mut self, rel: &str) -> Option<std::borrow::Cow<'a, [Directive]>> {
        let facts: &'a Facts<'a> = self.facts;
        if let Some(doc) = facts.doc(rel) {
            return match &doc.content {
                Ok(Parsed::Nginx(d)) => Some(std::borrow::Cow::Borrowed(d.as_slice())),
                Ok(_) => None,
                Err(e) => {
                    self.out.errors.push((rel.to_string(), e.clone()));
                    None
                }
            };
        }
        // Bytes that are not UTF-8 only in comments are read lossily.
        let text = self
            .root
            .read(rel, crate::target::root::DEFAULT_FILE_CAP)
            .map_err(ReadError::Root)
            .and_then(|b| decode(b, Comments::Hash))
            .map_err(|e| match e {
                ReadError::NotUtf8 { line, .. } => format!("not UTF-8 at line {line}"),
                ReadError::Root(e) => e.to_string(),
            });
        match text.and_then(|t| parse(&t)) {
            Ok(d) => Some(std::borrow::Cow::Owned(d)),
            Err(e) => {
                self.out.errors.push((rel.to_string(), e));
                None
            }
        }
    }

    /// Records that a budget is exceeded (once), naming it: an error of
    /// the main configuration, saying where expansion stopped.
    fn exceed(&mut self, rel: &str, line: u32, budget: String) {
        if !self.exceeded {
            self.exceeded = true;
            self.out.errors.push((
                self.main.clone(),
                format!(
                    "include budget exceeded: {budget} (stopped at {rel} line {line}); the configuration was not evaluated"
                ),
            ));
        }
    }

    fn expand(&mut self, dirs: &[Directive], rel: &Arc<str>, stack: &mut Vec<String>) -> Vec<Node> {
        let mut out = Vec::new();
        for d in dirs {
            if self.exceeded {
                break;
            }
            if d.name == "include" && d.block.is_none() {
                let Some(pattern) = d.args.first() else {
                    continue;
                };
                let found = self.resolve(pattern, rel);
                if found.is_empty() {
                    self.out
                        .unresolved
                        .push((rel.to_string(), d.line, pattern.clone()));
                }
                for inc in found {
                    if stack.contains(&inc) {
                        self.out.errors.push((
                            rel.to_string(),
                            format!("line {}: include loop through {inc}", d.line),
                        ));
                        continue;
                    }
                    if stack.len() > MAX_INCLUDE_DEPTH {
                        self.exceed(
                            rel,
                            d.line,
                            format!("includes nested more than {MAX_INCLUDE_DEPTH} deep"),
                        );
                        break;
                    }
                    self.included += 1;
                    if self.included > MAX_INCLUDED_FILES {
                        self.exceed(
                            rel,
                            d.line,
                            format!("more than {MAX_INCLUDED_FILES} included files"),
                        );
                        break;
                    }
                    self.reached.insert(inc.clone());
                    if let Some(sub) = self.load(&inc) {
                        stack.push(inc.clone());
                        out.extend(self.expand(&sub, &Arc::from(inc.as_str()), stack));
                        stack.pop();
                    }
                }
                continue;
            }
            self.bytes += d.name.len() + d.args.iter().map(|a| a.len() + 1).sum::<usize>();
            if self.bytes > MAX_EXPANDED_BYTES {
                self.exceed(
                    rel,
                    d.line,
                    format!(
                        "more than {} MiB of expanded directives",
                        MAX_EXPANDED_BYTES / (1024 * 1024)
                    ),
                );
                break;
            }
            out.push(Node {
                name: d.name.clone(),
                args: d.args.clone(),
                rel: rel.clone(),
                line: d.line,
                block: d.block.as_ref().map(|b| self.expand(b, rel, stack)),
            });
        }
        out
    }
}

fn setting(n: &Node, context: &Arc<str>) -> Setting {
    Setting {
        rel: n.rel.clone(),
        line: n.line,
        name: n.name.clone(),
        value: n.args.join(" "),
        context: context.clone(),
    }
}

fn last(nodes: &[Node], name: &str, context: &Arc<str>) -> Option<Setting> {
    nodes
        .iter()
        .rev()
        .find(|n| n.name == name)
        .map(|n| setting(n, context))
}

/// Whether a directive is `add_header Strict-Transport-Security ...`.
fn is_hsts(n: &Node) -> bool {
    n.name == "add_header"
        && n.args
            .first()
            .is_some_and(|h| h.eq_ignore_ascii_case("strict-transport-security"))
}

/// The HSTS header a server block sends (see [`TlsServer::hsts`]).
fn server_hsts(block: &[Node], context: &Arc<str>, inherited: Option<Setting>) -> Option<Setting> {
    fn find(nodes: &[Node], context: &Arc<str>) -> Option<Setting> {
        nodes.iter().find_map(|n| {
            if is_hsts(n) {
                return Some(setting(n, context));
            }
            match (&n.block, n.name.as_str()) {
                (Some(b), "location" | "if") => find(b, context),
                _ => None,
            }
        })
    }
    let own = block.iter().any(|n| n.name == "add_header");
    find(block, context).or(if own { None } else { inherited })
}

fn evaluate(
    nodes: &[Node],
    context: &Arc<str>,
    inherited: (Option<Setting>, Option<Setting>),
    out: &mut NginxTls,
) {
    evaluate_with(nodes, context, (inherited.0, inherited.1, None), out);
}

fn evaluate_with(
    nodes: &[Node],
    context: &Arc<str>,
    inherited: (Option<Setting>, Option<Setting>, Option<Setting>),
    out: &mut NginxTls,
) {
    for n in nodes
        .iter()
        .filter(|n| matches!(n.name.as_str(), "ssl_protocols" | "ssl_ciphers"))
    {
        out.settings.push(setting(n, context));
    }
    let protocols = last(nodes, "ssl_protocols", context).or(inherited.0);
    let ciphers = last(nodes, "ssl_ciphers", context).or(inherited.1);
    let hsts = if nodes.iter().any(|n| n.name == "add_header") {
        nodes
            .iter()
            .find(|n| is_hsts(n))
            .map(|n| setting(n, context))
    } else {
        inherited.2
    };
    for n in nodes {
        let Some(block) = &n.block else { continue };
        match n.name.as_str() {
            "http" | "stream" | "mail" => {
                evaluate_with(
                    block,
                    &Arc::from(n.name.as_str()),
                    (protocols.clone(), ciphers.clone(), hsts.clone()),
                    out,
                );
            }
            "server" => {
                let names: Vec<String> = block
                    .iter()
                    .filter(|d| d.name == "server_name")
                    .flat_map(|d| d.args.clone())
                    .collect();
                let ctx: Arc<str> = Arc::from(format!(
                    "server {}",
                    names.first().map_or("(no server_name)", String::as_str)
                ));
                for d in block
                    .iter()
                    .filter(|n| matches!(n.name.as_str(), "ssl_protocols" | "ssl_ciphers"))
                {
                    out.settings.push(setting(d, &ctx));
                }
                let tls = block.iter().any(|d| {
                    (d.name == "listen" && d.args.iter().skip(1).any(|a| a == "ssl"))
                        || (d.name == "ssl" && d.args.first().is_some_and(|a| a == "on"))
                        || d.name == "ssl_certificate"
                });
                if tls {
                    out.servers.push(TlsServer {
                        rel: n.rel.clone(),
                        line: n.line,
                        names,
                        protocols: last(block, "ssl_protocols", &ctx).or(protocols.clone()),
                        ciphers: last(block, "ssl_ciphers", &ctx).or(ciphers.clone()),
                        certificates: block
                            .iter()
                            .filter(|d| d.name == "ssl_certificate")
                            .map(|d| setting(d, &ctx))
                            .collect(),
                        keys: block
                            .iter()
                            .filter(|d| d.name == "ssl_certificate_key")
                            .map(|d| setting(d, &ctx))
                            .collect(),
                        hsts: server_hsts(block, &ctx, hsts.clone()),
                    });
                }
            }
            _ => {}
        }
    }
}

/// What expanding one configuration file gave: its findings, and the files
/// it reached (itself first), or `None` for a file that is not nginx's.
type Part = Option<(NginxTls, Vec<String>)>;

impl NginxTls {
    /// Expands and evaluates one configuration (or fragment) on its own.
    fn one(facts: &Facts, root: &Root, probes: &Probes, host: bool, doc: &Doc) -> Part {
        let mut out = NginxTls::default();
        let dirs = match &doc.content {
            Ok(Parsed::Nginx(d)) => d,
            Ok(_) => return None,
            Err(e) => {
                out.errors.push((doc.rel.to_string(), e.clone()));
                return Some((out, Vec::new()));
            }
        };
        let mut reached = BTreeSet::new();
        let mut ex = Expander {
            facts,
            root,
            probes,
            host,
            main: doc.rel.to_string(),
            main_dir: dir_of(&doc.rel),
            out: &mut out,
            reached: &mut reached,
            included: 0,
            bytes: 0,
            exceeded: false,
        };
        let nodes = ex.expand(dirs, &doc.rel, &mut vec![doc.rel.to_string()]);
        // A configuration cut short is not judged on what was read.
        if !ex.exceeded {
            evaluate(&nodes, &Arc::from("top level"), (None, None), &mut out);
        }
        reached.remove(&*doc.rel);
        let mut files = vec![doc.rel.to_string()];
        files.extend(reached);
        Some((out, files))
    }

    /// Main configurations first (those with `http`/`events`/`stream`),
    /// then every file no main configuration included, as a fragment of its
    /// own; a file another one included is not expanded again. Each file's
    /// expansion stands alone (across cores when `par`, which only
    /// `Facts::prepare` asks for: rule jobs must not use rayon) and the
    /// parts are merged in that order.
    pub fn gather(facts: &Facts, par: bool) -> NginxTls {
        let mut out = NginxTls::default();
        let Some(root) = facts.target.root() else {
            return out;
        };
        let host = facts.target.host_source().is_some();
        let docs: Vec<&Doc> = facts.docs_of(Kind::Nginx).collect();
        out.files = docs.iter().map(|d| d.rel.to_string()).collect();
        let is_main = |d: &Doc| match &d.content {
            Ok(Parsed::Nginx(dirs)) => dirs
                .iter()
                .any(|x| matches!(x.name.as_str(), "http" | "events" | "stream")),
            _ => false,
        };
        let (mains, fragments): (Vec<&Doc>, Vec<&Doc>) = docs.iter().partition(|d| is_main(d));
        let mut reached: BTreeSet<String> = BTreeSet::new();
        let probes = Probes::default();
        let merge = |batch: &[&Doc], out: &mut NginxTls, reached: &mut BTreeSet<String>| {
            let parts: Vec<Part> = crate::facts::map_chunks(par, batch, 1, |d| {
                NginxTls::one(facts, root, &probes, host, d[0])
            });
            for (doc, part) in batch.iter().zip(parts) {
                let Some((part, files)) = part else { continue };
                if reached.contains(&*doc.rel) {
                    continue;
                }
                out.settings.extend(part.settings);
                out.servers.extend(part.servers);
                out.errors.extend(part.errors);
                out.unresolved.extend(part.unresolved);
                reached.extend(files);
            }
        };
        merge(&mains, &mut out, &mut reached);
        let fragments: Vec<&Doc> = fragments
            .into_iter()
            .filter(|d| !reached.contains(&*d.rel))
            .collect();
        merge(&fragments, &mut out, &mut reached);
        out.settings.sort();
        out.settings
            .dedup_by(|a, b| a.rel == b.rel && a.line == b.line);
        out.servers
            .sort_by(|a, b| (&a.rel, a.line).cmp(&(&b.rel, b.line)));
        out.servers
            .dedup_by(|a, b| a.rel == b.rel && a.line == b.line);
        out.errors.sort();
        out.errors.dedup();
        out.unresolved.sort();
        out.unresolved.dedup();
        // Kept to the end of the scan: without the room the lists grew into.
        out.settings.shrink_to_fit();
        out.servers.shrink_to_fit();
        out.unresolved.shrink_to_fit();
        out.errors.shrink_to_fit();
        out
    }
}

impl Fact for NginxTls {
    fn collect(facts: &Facts) -> Self {
        NginxTls::gather(facts, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nginx() {
        let text = "user nginx;\n# c\nhttp {\n  server {\n    listen 443 ssl; # tls\n    ssl_ciphers 'HIGH:!aNULL';\n    set $u http://${API_HOST}:${API_PORT};\n    location ~ \"^/a{2}\" { return 301 https://$host$request_uri; }\n  }\n}\n";
        let d = parse(text).unwrap();
        assert_eq!(d.len(), 2);
        let http = d[1].block.as_ref().unwrap();
        let server = http[0].block.as_ref().unwrap();
        assert_eq!(server[1].args, vec!["HIGH:!aNULL"]);
        assert_eq!(server[1].line, 6);
        assert_eq!(server[2].args[1], "http://${API_HOST}:${API_PORT}");
        assert!(looks_like_nginx(&d));
        assert!(parse("server {\n listen 80;\n").is_err());
        assert!(parse("a b\n").unwrap_err().contains("line 1"));
        assert!(parse("}\n").is_err());
        assert!(parse("a 'b;\n").is_err());
    }

    /// Sites of one tree include the same absolute paths: each resolves
    /// them against its own directory, whatever another site found (the
    /// file system is asked once per candidate path, not once per site).
    #[test]
    fn absolute_includes_resolve_per_site() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        let conf = |name: &str| {
            format!(
                "events {{}}\nhttp {{\n  include /etc/nginx/tls.params;\n  include /etc/nginx/mime.types;\n  \
                 server {{\n    listen 443 ssl;\n    server_name {name};\n  }}\n}}\n"
            )
        };
        for site in ["a", "b", "c"] {
            write(&format!("{site}/nginx.conf"), &conf(site));
        }
        // Not a file the walk parses as nginx: found by asking the root.
        write("a/tls.params", "ssl_protocols TLSv1;\n");
        write("c/nginx/tls.params", "ssl_protocols TLSv1.3;\n");
        let target =
            crate::target::Target::tree(dir.path(), "t", dir.path()).expect("a tree target");
        let facts = Facts::load(&target, &crate::facts::LoadOptions::default());
        let tls = NginxTls::gather(&facts, true);
        let protocols = |site: &str| {
            let server = tls
                .servers
                .iter()
                .find(|s| s.names == [site])
                .unwrap_or_else(|| panic!("server {site}: {:?}", tls.servers));
            server
                .protocols
                .as_ref()
                .map(|p| (p.rel.to_string(), p.value.clone()))
        };
        assert_eq!(
            protocols("a"),
            Some(("a/tls.params".to_string(), "TLSv1".to_string()))
        );
        assert_eq!(protocols("b"), None);
        assert_eq!(
            protocols("c"),
            Some(("c/nginx/tls.params".to_string(), "TLSv1.3".to_string()))
        );
        let mut unresolved: Vec<(&str, &str)> = tls
            .unresolved
            .iter()
            .map(|(rel, _, pattern)| (rel.as_str(), pattern.as_str()))
            .collect();
        unresolved.sort();
        assert_eq!(
            unresolved,
            [
                ("a/nginx.conf", "/etc/nginx/mime.types"),
                ("b/nginx.conf", "/etc/nginx/mime.types"),
                ("b/nginx.conf", "/etc/nginx/tls.params"),
                ("c/nginx.conf", "/etc/nginx/mime.types"),
            ]
        );
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("*.conf", "a.conf"));
        assert!(!wildcard("*.conf", "a.conf.bak"));
        assert!(wildcard("s?.conf", "s1.conf"));
        assert!(wildcard("[ab].conf", "b.conf"));
        assert!(wildcard("{a,b}.conf", "{a,b}.conf"), "braces are literal");
        assert!(!wildcard("{a,b}.conf", "a.conf"));
        // Exponential for a backtracking matcher; linear here.
        let name = "a".repeat(60) + ".conf";
        assert!(!wildcard(&("*a".repeat(12) + "*b.conf"), &name));
    }
}
