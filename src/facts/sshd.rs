//! OpenSSH server configuration (`sshd_config`) read the way sshd's
//! servconf.c reads it: `Keyword value`/`Keyword=value` lines, quoted
//! arguments, `#` comments, `Include` globs (relative to `/etc/ssh`,
//! expanded in sorted order, a glob that matches nothing ignored, a `Match`
//! inside an included file ending with that file), and `Match` blocks.
//!
//! Values follow sshd's rules: the first value obtained wins in the global
//! parse, where a `Match` line turns lines off unless it is `Match all`; for a
//! connection, lines in the `Match` blocks it satisfies (`Match all` always)
//! are applied on top, again first value wins. `global` is the global parse,
//! `effective` what `sshd -T -C user=..,host=..,addr=..` prints (with an
//! empty `Connection`, what plain `sshd -T` prints: it matches a blank
//! connection), and `scopes` says which connections get which value:
//! everyone (no conditional block) and each `Match` block that sets the
//! keyword. OpenSSH defaults fill absent keywords.
//!
//! The `SshdConfigs` fact: the host's `/etc/ssh/sshd_config` (includes read
//! through the root), or each `sshd_config` in a config tree (includes
//! resolved against the tree's files; drop-ins no main file includes are
//! judged as fragments). Parses and evaluates; never judges.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use globset::GlobBuilder;

use crate::facts::inventory::{Kind, Parsed};
use crate::facts::system::{SYSTEM_FILE_CAP, file_name, join, parent, read_error};
use crate::facts::{Fact, Facts, brief};
use crate::target::{Root, RootError, Source};

/// One configuration line: the keyword (lowercase, aliases resolved) and its
/// arguments as sshd splits them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SshdLine {
    pub line: u32,
    pub keyword: String,
    /// The keyword as written (for messages).
    pub written: String,
    pub args: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SshdFile {
    pub lines: Vec<SshdLine>,
}

/// Keywords sshd accepts under another name.
const ALIASES: [(&str, &str); 8] = [
    (
        "challengeresponseauthentication",
        "kbdinteractiveauthentication",
    ),
    ("skeyauthentication", "kbdinteractiveauthentication"),
    ("dsaauthentication", "pubkeyauthentication"),
    ("pubkeyacceptedkeytypes", "pubkeyacceptedalgorithms"),
    ("hostbasedacceptedkeytypes", "hostbasedacceptedalgorithms"),
    ("keepalive", "tcpkeepalive"),
    ("hostdsakey", "hostkey"),
    ("useblocklist", "useblacklist"),
];

fn canonical(keyword: &str) -> String {
    let k = keyword.to_ascii_lowercase();
    ALIASES
        .iter()
        .find(|(a, _)| *a == k)
        .map_or(k, |(_, c)| c.to_string())
}

/// Splits arguments like OpenSSH's `argv_split(.., terminate_on_comment)`.
fn split_args(s: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' || chars[i] == '\t' {
            i += 1;
            continue;
        }
        if chars[i] == '#' {
            break;
        }
        let mut arg = String::new();
        let mut quote: Option<char> = None;
        while i < chars.len() {
            let c = chars[i];
            if c == '\\' {
                let next = chars.get(i + 1).copied();
                if matches!(next, Some('\'' | '"' | '\\')) || (quote.is_none() && next == Some(' '))
                {
                    i += 1;
                    arg.push(chars[i]);
                } else {
                    arg.push(c);
                }
            } else if quote.is_none() && (c == ' ' || c == '\t') {
                break;
            } else if quote.is_none() && (c == '"' || c == '\'') {
                quote = Some(c);
            } else if quote == Some(c) {
                quote = None;
            } else {
                arg.push(c);
            }
            i += 1;
        }
        if quote.is_some() {
            return Err("invalid quotes".to_string());
        }
        out.push(arg);
    }
    Ok(out)
}

/// Parses one file. Lines sshd rejects (a keyword without an argument,
/// unbalanced quotes) are errors: sshd refuses to start with them.
pub fn parse(text: &str) -> Result<SshdFile, String> {
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        let line = raw.trim_matches([' ', '\t', '\r', '\x0c']);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let end = line.find([' ', '\t', '=']).unwrap_or(line.len());
        let written = &line[..end];
        let mut rest = line[end..].trim_start_matches([' ', '\t']);
        if let Some(r) = rest.strip_prefix('=') {
            rest = r.trim_start_matches([' ', '\t']);
        }
        // The word is not quoted: a line of one word may be a value.
        if rest.is_empty() {
            return Err(format!("line {line_no}: no argument after the keyword"));
        }
        let args = split_args(rest).map_err(|e| format!("line {line_no}: {e}"))?;
        if args.is_empty() {
            return Err(format!("line {line_no}: no argument after the keyword"));
        }
        lines.push(SshdLine {
            line: line_no,
            keyword: canonical(written),
            written: written.to_string(),
            args,
        });
    }
    Ok(SshdFile { lines })
}

/// One `Match` criterion (`User alice,bob`, `Address 10.0.0.0/8`, `all`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Criterion {
    /// Lowercase attribute: all, user, group, host, address, localaddress,
    /// localport, rdomain.
    pub attr: String,
    pub arg: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchBlock {
    pub criteria: Vec<Criterion>,
    /// The criteria as written (`User backup Address 10.0.0.0/8`).
    pub text: String,
    pub rel: String,
    pub line: u32,
}

impl MatchBlock {
    pub fn is_all(&self) -> bool {
        self.criteria.len() == 1 && self.criteria[0].attr == "all"
    }

    /// `Match User backup (<path>:40)`, the path as `path` shows `rel`.
    pub fn describe(&self, path: &dyn Fn(&str) -> String) -> String {
        format!("Match {} ({}:{})", self.text, path(&self.rel), self.line)
    }
}

fn parse_match(args: &[String]) -> Result<Vec<Criterion>, String> {
    if args.is_empty() {
        return Err("One or more attributes required for Match".to_string());
    }
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(attr) = it.next() {
        let a = attr.to_ascii_lowercase();
        if a == "all" {
            if !out.is_empty() || it.len() > 0 {
                return Err("'all' cannot be combined with other Match attributes".to_string());
            }
            out.push(Criterion {
                attr: a,
                arg: String::new(),
            });
            break;
        }
        if !matches!(
            a.as_str(),
            "user" | "group" | "host" | "address" | "localaddress" | "localport" | "rdomain"
        ) {
            return Err(format!("Unsupported Match attribute {attr}"));
        }
        let Some(arg) = it.next() else {
            return Err(format!("Missing Match criteria for {attr}"));
        };
        out.push(Criterion {
            attr: a,
            arg: arg.clone(),
        });
    }
    Ok(out)
}

/// A setting line in processing order, with the `Match` blocks it sits in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub keyword: String,
    pub written: String,
    pub args: Vec<String>,
    pub rel: String,
    pub line: u32,
    /// Indices into `SshdConfig::blocks`; empty for a line outside any Match.
    pub guard: Vec<usize>,
}

impl Directive {
    pub fn value(&self) -> String {
        self.args.join(" ")
    }
}

/// The connection a value is asked for (sshd -T -C). Absent fields never
/// match, as in sshd's test mode.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Connection {
    pub user: Option<String>,
    /// The user's groups (for `Match Group`).
    pub groups: Vec<String>,
    pub host: Option<String>,
    pub addr: Option<String>,
    pub laddr: Option<String>,
    pub lport: Option<u16>,
    pub rdomain: Option<String>,
}

/// Where a value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    Set(&'a Directive),
    /// OpenSSH's built-in default.
    Default(&'static str),
}

impl Value<'_> {
    pub fn text(&self) -> String {
        match self {
            Value::Set(d) => d.value(),
            Value::Default(v) => v.to_string(),
        }
    }

    pub fn directive(&self) -> Option<&Directive> {
        match self {
            Value::Set(d) => Some(d),
            Value::Default(_) => None,
        }
    }

    /// A yes/no value; `None` when it is neither (sshd would refuse it).
    pub fn flag(&self) -> Option<bool> {
        let t = self.text();
        if t.eq_ignore_ascii_case("yes") {
            Some(true)
        } else if t.eq_ignore_ascii_case("no") {
            Some(false)
        } else {
            None
        }
    }
}

/// Which connections get which value of a keyword.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope<'a> {
    /// The Match blocks a connection satisfies for this scope; empty for
    /// connections that match no conditional block (everyone else).
    pub blocks: Vec<&'a MatchBlock>,
    /// The same blocks as indices into `SshdConfig::blocks`.
    pub ids: BTreeSet<usize>,
    pub value: Value<'a>,
}

impl Scope<'_> {
    pub fn is_global(&self) -> bool {
        self.blocks.is_empty()
    }

    /// "globally" or "only for connections matching `Match User x` (file:line)",
    /// file paths shown as `path` shows a relative path.
    pub fn describe(&self, path: &dyn Fn(&str) -> String) -> String {
        if self.blocks.is_empty() {
            "globally".to_string()
        } else {
            let parts: Vec<String> = self.blocks.iter().map(|b| b.describe(path)).collect();
            format!("only for connections matching {}", parts.join(" and "))
        }
    }

    /// A stable key for fingerprints: the criteria, not the line.
    pub fn key(&self) -> String {
        if self.blocks.is_empty() {
            "global".to_string()
        } else {
            let parts: Vec<String> = self
                .blocks
                .iter()
                .map(|b| format!("Match {}", b.text))
                .collect();
            parts.join("+")
        }
    }
}

/// Keywords a Match block may change for a connection (servconf.c's
/// `copy_set_server_options`); the others keep their global value.
const MATCH_COPIED: [&str; 12] = [
    "passwordauthentication",
    "kbdinteractiveauthentication",
    "permitrootlogin",
    "permitemptypasswords",
    "authenticationmethods",
    "pubkeyauthentication",
    "hostbasedauthentication",
    "gssapiauthentication",
    "kerberosauthentication",
    "maxauthtries",
    "x11forwarding",
    "allowtcpforwarding",
];

/// OpenSSH's defaults for the keywords rampart judges (servconf.c
/// `fill_default_server_options`, OpenSSH 9).
pub fn default_of(keyword: &str) -> Option<&'static str> {
    Some(match keyword {
        "passwordauthentication" => "yes",
        "kbdinteractiveauthentication" => "yes",
        "permitrootlogin" => "prohibit-password",
        "permitemptypasswords" => "no",
        "authenticationmethods" => "any",
        "pubkeyauthentication" => "yes",
        "usepam" => "no",
        "hostbasedauthentication" => "no",
        "maxauthtries" => "6",
        _ => return None,
    })
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SshdConfig {
    /// The main file (root- or tree-relative).
    pub main: String,
    /// A drop-in judged on its own (no main file includes it): only what it
    /// sets counts, defaults do not apply.
    pub fragment: bool,
    pub directives: Vec<Directive>,
    pub blocks: Vec<MatchBlock>,
    /// Every file read, in order.
    pub files: Vec<String>,
    /// Problems that make the configuration untrustworthy: (file, why).
    pub errors: Vec<(String, String)>,
    /// Include patterns that could not be followed (trees): (file, line, pattern).
    pub unresolved: Vec<(String, u32, String)>,
}

/// What one configuration's includes have cost so far.
#[derive(Default)]
struct Budget {
    files: usize,
    lines: usize,
    exceeded: bool,
}

impl Budget {
    fn exceed(&mut self, cfg: &mut SshdConfig, rel: &str, line: Option<u32>, what: String) {
        if !self.exceeded {
            self.exceeded = true;
            // An error of the main file, saying where expansion stopped.
            let at = line.map_or_else(String::new, |l| format!(" line {l}"));
            cfg.errors.push((
                cfg.main.clone(),
                format!(
                    "include budget exceeded: {what} (stopped at {rel}{at}); the configuration was not evaluated"
                ),
            ));
        }
    }
}

/// How includes are found and files read.
trait IncludeSource {
    /// The files an `Include` argument names, sorted; `Err` when the pattern
    /// cannot be followed in this kind of target.
    fn expand(&self, from_dir: &str, pattern: &str) -> Result<Vec<String>, String>;
    /// A file; `None` when it does not exist.
    fn load(&self, rel: &str) -> Option<Result<SshdFile, String>>;
}

const MAX_INCLUDE_DEPTH: usize = 16;
/// Files one configuration may read through `Include` (each inclusion counts,
/// so files including each other many times are cut).
pub const MAX_INCLUDED_FILES: usize = 256;
/// Lines one configuration may expand to through `Include`.
pub const MAX_EXPANDED_LINES: usize = 1_000_000;

impl SshdConfig {
    fn build(main: &str, fragment: bool, src: &dyn IncludeSource) -> SshdConfig {
        let mut cfg = SshdConfig {
            main: main.to_string(),
            fragment,
            ..SshdConfig::default()
        };
        match src.load(main) {
            Some(Ok(file)) => {
                let mut budget = Budget::default();
                cfg.walk(main, &file, &[], src, 0, &mut budget);
                if budget.exceeded {
                    // Cut short: nothing read may be judged as the whole.
                    cfg.directives.clear();
                    cfg.blocks.clear();
                } else {
                    cfg.check_auth_methods();
                }
            }
            Some(Err(e)) => cfg.errors.push((main.to_string(), e)),
            None => cfg.errors.push((main.to_string(), "not found".to_string())),
        }
        cfg
    }

    fn walk(
        &mut self,
        rel: &str,
        file: &SshdFile,
        guard_in: &[usize],
        src: &dyn IncludeSource,
        depth: usize,
        budget: &mut Budget,
    ) {
        if !self.files.iter().any(|f| f == rel) {
            self.files.push(rel.to_string());
        }
        let mut guard: Vec<usize> = guard_in.to_vec();
        budget.lines += file.lines.len();
        if budget.lines > MAX_EXPANDED_LINES {
            budget.exceed(
                self,
                rel,
                None,
                format!("more than {MAX_EXPANDED_LINES} lines through Include"),
            );
        }
        for l in &file.lines {
            if budget.exceeded {
                return;
            }
            match l.keyword.as_str() {
                "match" => match parse_match(&l.args) {
                    Ok(criteria) => {
                        self.blocks.push(MatchBlock {
                            criteria,
                            text: l.args.join(" "),
                            rel: rel.to_string(),
                            line: l.line,
                        });
                        guard = guard_in.to_vec();
                        guard.push(self.blocks.len() - 1);
                    }
                    Err(e) => self.errors.push((
                        rel.to_string(),
                        format!("line {}: Bad Match condition: {e}", l.line),
                    )),
                },
                "include" => {
                    if depth >= MAX_INCLUDE_DEPTH {
                        self.errors.push((
                            rel.to_string(),
                            "Too many recursive configuration includes".to_string(),
                        ));
                        continue;
                    }
                    for pattern in &l.args {
                        match src.expand(parent(rel), pattern) {
                            Ok(rels) => {
                                for r in rels {
                                    budget.files += 1;
                                    if budget.files > MAX_INCLUDED_FILES {
                                        budget.exceed(
                                            self,
                                            rel,
                                            Some(l.line),
                                            format!(
                                                "more than {MAX_INCLUDED_FILES} included files"
                                            ),
                                        );
                                        return;
                                    }
                                    match src.load(&r) {
                                        Some(Ok(f)) => {
                                            self.walk(&r, &f, &guard, src, depth + 1, budget)
                                        }
                                        Some(Err(e)) => self.errors.push((r.clone(), e)),
                                        None => {}
                                    }
                                }
                            }
                            Err(why) => {
                                self.unresolved.push((rel.to_string(), l.line, why));
                            }
                        }
                    }
                }
                _ => self.directives.push(Directive {
                    keyword: l.keyword.clone(),
                    written: l.written.clone(),
                    args: l.args.clone(),
                    rel: rel.to_string(),
                    line: l.line,
                    guard: guard.clone(),
                }),
            }
        }
    }

    /// sshd refuses `AuthenticationMethods any` next to other lists, and
    /// after a line that already set methods in the global parse.
    fn check_auth_methods(&mut self) {
        let mut set = false;
        let mut errors = Vec::new();
        for d in self
            .directives
            .iter()
            .filter(|d| d.keyword == "authenticationmethods")
        {
            let active = self.all_blocks(&d.guard);
            let any = d.args.iter().any(|a| a == "any");
            if any && (d.args.len() > 1 || (set && active)) {
                errors.push((
                    d.rel.clone(),
                    format!(
                        "line {}: \"any\" must appear alone in AuthenticationMethods",
                        d.line
                    ),
                ));
            }
            set |= active;
        }
        self.errors.extend(errors);
    }

    fn all_blocks(&self, guard: &[usize]) -> bool {
        guard.iter().all(|&b| self.blocks[b].is_all())
    }

    /// The value the global parse settles on: the first line outside Match
    /// blocks (or inside `Match all`). Connections then get Match blocks on
    /// top: see `effective`.
    pub fn global(&self, keyword: &str) -> Value<'_> {
        self.directives
            .iter()
            .find(|d| d.keyword == keyword && self.all_blocks(&d.guard))
            .map_or_else(|| self.default_value(keyword), Value::Set)
    }

    fn default_value(&self, keyword: &str) -> Value<'_> {
        Value::Default(if self.fragment {
            "(not set)"
        } else {
            default_of(keyword).unwrap_or("(not set)")
        })
    }

    /// Whether the keyword is set anywhere in the configuration.
    pub fn sets(&self, keyword: &str) -> bool {
        self.directives.iter().any(|d| d.keyword == keyword)
    }

    /// The value for a connection (`sshd -T -C ...`).
    pub fn effective(&self, keyword: &str, conn: &Connection) -> Value<'_> {
        if MATCH_COPIED.contains(&keyword)
            && let Some(d) = self.directives.iter().find(|d| {
                d.keyword == keyword
                    && !d.guard.is_empty()
                    && d.guard
                        .iter()
                        .all(|&b| block_matches(&self.blocks[b], conn))
            })
        {
            return Value::Set(d);
        }
        self.global(keyword)
    }

    /// The value for connections that satisfy exactly the conditional Match
    /// blocks `ids` (and every `Match all`): the first line whose blocks are
    /// all in `ids` or `all` wins; lines outside Match apply when none does.
    pub fn value_in(&self, keyword: &str, ids: &BTreeSet<usize>) -> Value<'_> {
        if MATCH_COPIED.contains(&keyword)
            && let Some(d) = self.directives.iter().find(|d| {
                d.keyword == keyword
                    && !d.guard.is_empty()
                    && d.guard
                        .iter()
                        .all(|b| ids.contains(b) || self.blocks[*b].is_all())
            })
        {
            return Value::Set(d);
        }
        self.global(keyword)
    }

    /// The distinct sets of conditional Match blocks under which one of
    /// `keywords` is set (each a group of connections whose values may
    /// differ from everyone else's), in file order.
    pub fn match_sets(&self, keywords: &[&str]) -> Vec<BTreeSet<usize>> {
        let mut out: Vec<BTreeSet<usize>> = Vec::new();
        for d in self.directives.iter().filter(|d| {
            keywords.contains(&d.keyword.as_str()) && MATCH_COPIED.contains(&d.keyword.as_str())
        }) {
            let g: BTreeSet<usize> = d
                .guard
                .iter()
                .copied()
                .filter(|&b| !self.blocks[b].is_all())
                .collect();
            if !g.is_empty() && !out.contains(&g) {
                out.push(g);
            }
        }
        out
    }

    /// The scope of connections satisfying the blocks `ids`.
    pub fn scope(&self, keyword: &str, ids: &BTreeSet<usize>) -> Scope<'_> {
        Scope {
            blocks: ids.iter().map(|&b| &self.blocks[b]).collect(),
            ids: ids.clone(),
            value: self.value_in(keyword, ids),
        }
    }

    /// Who gets which value: first the connections that satisfy no
    /// conditional Match block, then each set of Match blocks whose own
    /// lines decide the keyword for the connections that satisfy them.
    pub fn scopes(&self, keyword: &str) -> Vec<Scope<'_>> {
        let mut out = vec![self.scope(keyword, &BTreeSet::new())];
        for g in self.match_sets(&[keyword]) {
            let s = self.scope(keyword, &g);
            let decided_here = s
                .value
                .directive()
                .is_some_and(|v| v.guard.iter().any(|b| g.contains(b)));
            if decided_here {
                out.push(s);
            }
        }
        out
    }
}

/// OpenSSH's `match_pattern`: `*` and `?` wildcards over the whole string.
/// Iterative, backing up only to the last `*`: O(len(s) * len(p)) at worst,
/// never exponential.
fn wildcard(s: &[u8], p: &[u8]) -> bool {
    let (mut si, mut pi) = (0, 0);
    // The last `*` seen and the position in `s` it is tried against.
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(&c) if c == b'?' || c == s[si] => {
                si += 1;
                pi += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// OpenSSH's `match_pattern_list`: 1 a positive pattern matches, -1 a
/// negated one does (negation wins), 0 none.
fn pattern_list(s: &str, list: &str, lower: bool) -> i32 {
    let s = if lower {
        s.to_ascii_lowercase()
    } else {
        s.to_string()
    };
    let mut got = 0;
    for sub in list.split(',') {
        let (neg, pat) = match sub.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, sub),
        };
        let pat = if lower {
            pat.to_ascii_lowercase()
        } else {
            pat.to_string()
        };
        if wildcard(s.as_bytes(), pat.as_bytes()) {
            if neg {
                return -1;
            }
            got = 1;
        }
    }
    got
}

fn cidr(entry: &str) -> Option<(IpAddr, u8)> {
    let (a, m) = match entry.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (entry, None),
    };
    let ip: IpAddr = a.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match m {
        Some(m) => m.parse::<u8>().ok().filter(|&l| l <= max)?,
        None => max,
    };
    Some((ip, len))
}

fn in_net(addr: IpAddr, net: IpAddr, len: u8) -> bool {
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// OpenSSH's `addr_match_list`: CIDR entries, else wildcard patterns.
fn addr_list(addr: &str, list: &str) -> i32 {
    let ip: Option<IpAddr> = addr.parse().ok();
    let mut got = 0;
    for entry in list.split(',') {
        let (neg, e) = match entry.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, entry),
        };
        let hit = match cidr(e) {
            Some((net, len)) => ip.is_some_and(|a| in_net(a, net, len)),
            None => wildcard(addr.as_bytes(), e.as_bytes()),
        };
        if hit {
            if neg {
                return -1;
            }
            got = 1;
        }
    }
    got
}

fn block_matches(b: &MatchBlock, c: &Connection) -> bool {
    b.criteria.iter().all(|cr| match cr.attr.as_str() {
        "all" => true,
        "user" => c
            .user
            .as_deref()
            .is_some_and(|u| pattern_list(u, &cr.arg, false) == 1),
        "group" => {
            c.user.is_some() && {
                let results: Vec<i32> = c
                    .groups
                    .iter()
                    .map(|g| pattern_list(g, &cr.arg, false))
                    .collect();
                !results.contains(&-1) && results.contains(&1)
            }
        }
        "host" => c
            .host
            .as_deref()
            .is_some_and(|h| pattern_list(h, &cr.arg, true) == 1),
        "address" => c
            .addr
            .as_deref()
            .is_some_and(|a| addr_list(a, &cr.arg) == 1),
        "localaddress" => c
            .laddr
            .as_deref()
            .is_some_and(|a| addr_list(a, &cr.arg) == 1),
        "localport" => c
            .lport
            .is_some_and(|p| cr.arg.parse::<u16>().ok() == Some(p)),
        "rdomain" => c
            .rdomain
            .as_deref()
            .is_some_and(|r| pattern_list(r, &cr.arg, false) == 1),
        _ => false,
    })
}

/// Includes and files read through a host root (sshd's directory `/etc/ssh`).
struct RootSource<'a> {
    root: &'a Root,
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Expands a root-relative glob one component at a time, as glob(3) does
/// (sorted, hidden names only for patterns that start with a dot).
pub fn glob_root(root: &Root, pattern: &str) -> Vec<String> {
    let mut found = vec![String::new()];
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let mut next = Vec::new();
        for base in &found {
            if !has_glob(part) {
                let p = join(base, part);
                if last || root.is_dir(&p) {
                    next.push(p);
                }
                continue;
            }
            let Ok(matcher) = GlobBuilder::new(part)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map(|g| g.compile_matcher())
            else {
                continue;
            };
            let Ok(entries) = root.read_dir(base) else {
                continue;
            };
            for e in entries {
                if e.name.starts_with('.') && !part.starts_with('.') {
                    continue;
                }
                if matcher.is_match(&e.name) {
                    let p = join(base, &e.name);
                    if last || root.is_dir(&p) {
                        next.push(p);
                    }
                }
            }
        }
        next.sort();
        found = next;
    }
    found
}

impl IncludeSource for RootSource<'_> {
    fn expand(&self, _from_dir: &str, pattern: &str) -> Result<Vec<String>, String> {
        if pattern.starts_with('~') {
            return Err(format!(
                "{}: a `~` path is not expanded by sshd's Include",
                brief(pattern)
            ));
        }
        let abs = if pattern.starts_with('/') {
            pattern.to_string()
        } else {
            format!("/etc/ssh/{pattern}")
        };
        Ok(glob_root(self.root, &abs))
    }

    fn load(&self, rel: &str) -> Option<Result<SshdFile, String>> {
        match self.root.read_text(rel, SYSTEM_FILE_CAP) {
            Ok(t) => Some(parse(&t)),
            Err(RootError::NotFound) => None,
            Err(e) => Some(Err(read_error(&e))),
        }
    }
}

/// Includes resolved among a config tree's sshd files. A main file at
/// `X/etc/ssh/sshd_config` treats `X` as the root; any other main file's
/// directory stands for `/etc/ssh`.
struct TreeSource<'a> {
    files: &'a BTreeMap<String, Result<SshdFile, String>>,
    /// The tree path `/etc/ssh` maps to.
    ssh_dir: String,
    /// The tree path `/` maps to, when the tree mirrors a root.
    root_dir: Option<String>,
}

impl IncludeSource for TreeSource<'_> {
    fn expand(&self, _from_dir: &str, pattern: &str) -> Result<Vec<String>, String> {
        let mapped = if let Some(rest) = pattern.strip_prefix("/etc/ssh/") {
            join(&self.ssh_dir, rest)
        } else if let Some(rest) = pattern.strip_prefix('/') {
            match &self.root_dir {
                Some(r) => join(r, rest),
                None => {
                    return Err(format!(
                        "Include {}: outside /etc/ssh, not found in the tree",
                        brief(pattern)
                    ));
                }
            }
        } else if pattern.starts_with('~') {
            return Err(format!(
                "Include {}: `~` is not expanded by sshd",
                brief(pattern)
            ));
        } else {
            join(&self.ssh_dir, pattern)
        };
        let matcher = GlobBuilder::new(&mapped)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| format!("Include {}: {}", brief(pattern), e.kind()))?
            .compile_matcher();
        let mut out: Vec<String> = self
            .files
            .keys()
            .filter(|rel| {
                matcher.is_match(rel.as_str())
                    && !(file_name(rel).starts_with('.') && has_glob(file_name(&mapped)))
            })
            .cloned()
            .collect();
        out.sort();
        Ok(out)
    }

    fn load(&self, rel: &str) -> Option<Result<SshdFile, String>> {
        self.files.get(rel).cloned()
    }
}

#[derive(Debug, Default)]
pub struct SshdConfigs {
    pub configs: Vec<SshdConfig>,
}

/// The host's main sshd configuration file.
pub const HOST_MAIN: &str = "etc/ssh/sshd_config";

/// Builds the configuration of a main file under a root (also used by the
/// `sshd -T` oracle tests, which give a root of `/`).
pub fn from_root(root: &Root, main: &str) -> SshdConfig {
    SshdConfig::build(main.trim_start_matches('/'), false, &RootSource { root })
}

impl Fact for SshdConfigs {
    fn collect(facts: &Facts) -> Self {
        match &facts.target.source {
            Source::Host(h) => {
                // Absent is a fact; a link loop or an unreadable file is an error.
                if matches!(h.root.metadata(HOST_MAIN), Err(RootError::NotFound)) {
                    return SshdConfigs::default();
                }
                SshdConfigs {
                    configs: vec![from_root(&h.root, HOST_MAIN)],
                }
            }
            Source::Tree(_) | Source::Env | Source::Tls(_) | Source::Domain(_) => {
                let files: BTreeMap<String, Result<SshdFile, String>> = facts
                    .docs_of(Kind::Sshd)
                    .filter_map(|d| match &d.content {
                        Ok(Parsed::Sshd(f)) => Some((d.rel.to_string(), Ok(f.clone()))),
                        Ok(_) => None,
                        Err(e) => Some((d.rel.to_string(), Err(e.clone()))),
                    })
                    .collect();
                let mut configs = Vec::new();
                let mut reached: BTreeSet<String> = BTreeSet::new();
                for main in files.keys().filter(|r| file_name(r) == "sshd_config") {
                    let dir = parent(main).to_string();
                    let root_dir = dir
                        .strip_suffix("etc/ssh")
                        .map(|p| p.trim_end_matches('/').to_string());
                    let src = TreeSource {
                        files: &files,
                        ssh_dir: dir,
                        root_dir,
                    };
                    let cfg = SshdConfig::build(main, false, &src);
                    reached.extend(cfg.files.iter().cloned());
                    configs.push(cfg);
                }
                for frag in files.keys().filter(|r| !reached.contains(*r)) {
                    let src = TreeSource {
                        files: &files,
                        ssh_dir: parent(frag).to_string(),
                        root_dir: None,
                    };
                    configs.push(SshdConfig::build(frag, true, &src));
                }
                SshdConfigs { configs }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Mem(BTreeMap<String, Result<SshdFile, String>>);

    fn mem(files: &[(&str, &str)]) -> Mem {
        Mem(files
            .iter()
            .map(|(r, t)| (r.to_string(), parse(t)))
            .collect())
    }

    impl IncludeSource for Mem {
        fn expand(&self, _: &str, pattern: &str) -> Result<Vec<String>, String> {
            TreeSource {
                files: &self.0,
                ssh_dir: "etc/ssh".to_string(),
                root_dir: Some(String::new()),
            }
            .expand("", pattern)
        }
        fn load(&self, rel: &str) -> Option<Result<SshdFile, String>> {
            self.0.get(rel).cloned()
        }
    }

    #[test]
    fn lexes_like_sshd() {
        let f = parse(
            "  # c\nPasswordAuthentication=no\nPermitRootLogin = yes # trailing\nAcceptEnv \"LANG X\" LC_*\nChallengeResponseAuthentication no\n",
        )
        .unwrap();
        assert_eq!(f.lines[0].keyword, "passwordauthentication");
        assert_eq!(f.lines[0].args, ["no"]);
        assert_eq!(f.lines[1].args, ["yes"]);
        assert_eq!(f.lines[2].args, ["LANG X", "LC_*"]);
        assert_eq!(f.lines[3].keyword, "kbdinteractiveauthentication");
        assert!(parse("PasswordAuthentication\n").is_err());
        assert!(parse("Banner \"unterminated\n").is_err());
    }

    #[test]
    fn first_value_wins_and_match_overrides() {
        let src = mem(&[
            (
                "etc/ssh/sshd_config",
                "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\nPermitRootLogin yes\nMatch User backup\n  PasswordAuthentication yes\nMatch Address 10.0.0.0/8,!10.9.0.0/16\n  PermitRootLogin no\n  Include /etc/ssh/match.d/*.conf\nMatch all\nPermitEmptyPasswords yes\n",
            ),
            (
                "etc/ssh/sshd_config.d/50-cloud.conf",
                "PasswordAuthentication no\n",
            ),
            (
                "etc/ssh/sshd_config.d/.hidden.conf",
                "PasswordAuthentication yes\n",
            ),
            (
                "etc/ssh/match.d/a.conf",
                "KbdInteractiveAuthentication no\n",
            ),
        ]);
        let cfg = SshdConfig::build("etc/ssh/sshd_config", false, &src);
        assert!(cfg.errors.is_empty(), "{:?}", cfg.errors);
        let g = cfg.global("passwordauthentication");
        assert_eq!(g.text(), "no");
        assert_eq!(
            g.directive().unwrap().rel,
            "etc/ssh/sshd_config.d/50-cloud.conf"
        );
        assert_eq!(
            cfg.global("permitemptypasswords").text(),
            "yes",
            "Match all is global"
        );
        assert_eq!(cfg.global("kbdinteractiveauthentication").text(), "yes");
        let backup = Connection {
            user: Some("backup".into()),
            ..Connection::default()
        };
        assert_eq!(
            cfg.effective("passwordauthentication", &backup).text(),
            "yes"
        );
        let inner = Connection {
            user: Some("x".into()),
            addr: Some("10.1.2.3".into()),
            ..Connection::default()
        };
        assert_eq!(cfg.effective("permitrootlogin", &inner).text(), "no");
        assert_eq!(
            cfg.effective("kbdinteractiveauthentication", &inner).text(),
            "no"
        );
        let negated = Connection {
            addr: Some("10.9.1.1".into()),
            ..inner.clone()
        };
        assert_eq!(cfg.effective("permitrootlogin", &negated).text(), "yes");
        let scopes = cfg.scopes("passwordauthentication");
        assert_eq!(scopes.len(), 2);
        assert!(scopes[0].is_global());
        assert_eq!(scopes[1].blocks[0].text, "User backup");
        let path = |r: &str| format!("/{r}");
        assert!(
            scopes[1]
                .describe(&path)
                .contains("Match User backup (/etc/ssh/sshd_config:4)")
        );
        assert_eq!(cfg.scopes("permitrootlogin")[1].value.text(), "no");
    }

    #[test]
    fn match_in_included_file_ends_with_it() {
        let src = mem(&[
            (
                "etc/ssh/sshd_config",
                "Include inc.conf\nPermitRootLogin no\n",
            ),
            (
                "etc/ssh/inc.conf",
                "Match User alice\nPasswordAuthentication no\n",
            ),
        ]);
        let cfg = SshdConfig::build("etc/ssh/sshd_config", false, &src);
        let d = cfg.global("permitrootlogin");
        assert_eq!(d.text(), "no", "the Match in inc.conf ended at its end");
        assert_eq!(cfg.global("passwordauthentication"), Value::Default("yes"));
    }

    #[test]
    fn match_all_after_global_overrides_per_connection_only() {
        let src = mem(&[(
            "etc/ssh/sshd_config",
            "PasswordAuthentication yes\nMatch all\nPasswordAuthentication no\n",
        )]);
        let cfg = SshdConfig::build("etc/ssh/sshd_config", false, &src);
        assert_eq!(cfg.global("passwordauthentication").text(), "yes");
        let anyone = Connection::default();
        assert_eq!(
            cfg.effective("passwordauthentication", &anyone).text(),
            "no"
        );
        assert_eq!(cfg.scopes("passwordauthentication")[0].value.text(), "no");
    }

    #[test]
    fn patterns() {
        assert_eq!(pattern_list("alice", "a*,!admin", false), 1);
        assert_eq!(pattern_list("admin", "a*,!admin", false), -1);
        assert_eq!(pattern_list("Host.Example", "*.example", true), 1);
        assert_eq!(addr_list("192.168.1.5", "192.168.0.0/16"), 1);
        assert_eq!(
            addr_list("192.168.1.5", "!192.168.1.0/24,192.168.0.0/16"),
            -1
        );
        assert_eq!(addr_list("10.0.0.1", "10.0.0.*"), 1);
        assert_eq!(addr_list("2001:db8::1", "2001:db8::/32"), 1);
        assert_eq!(addr_list("10.0.0.1", "2001:db8::/32"), 0);
    }

    #[test]
    fn include_fan_out_is_cut_by_a_named_budget() {
        // Three files including each other and themselves: 3^16 walks
        // without a budget.
        let body = "Include /etc/ssh/d/*.conf\nPasswordAuthentication no\n";
        let src = mem(&[
            ("etc/ssh/sshd_config", body),
            ("etc/ssh/d/a.conf", body),
            ("etc/ssh/d/b.conf", body),
            ("etc/ssh/d/c.conf", body),
        ]);
        let cfg = SshdConfig::build("etc/ssh/sshd_config", false, &src);
        let why = &cfg.errors;
        assert!(
            why.iter().any(|(rel, e)| rel == "etc/ssh/sshd_config"
                && e.contains("include budget exceeded: more than 256 included files")),
            "{why:?}"
        );
        assert!(
            cfg.directives.is_empty(),
            "a cut configuration is not judged"
        );
        assert_eq!(cfg.files.len(), 4);
    }

    /// An Include's pattern may be any length: its errors quote it short.
    #[test]
    fn include_errors_quote_long_patterns_briefly() {
        let long = "x".repeat(3000);
        for (pattern, says) in [
            (format!("~/{long}"), "`~` is not expanded by sshd"),
            (format!("/etc/ssh/[{long}"), "unclosed character class"),
        ] {
            let src = mem(&[(
                "etc/ssh/sshd_config",
                &format!("Include {pattern}\nPasswordAuthentication no\n"),
            )]);
            let cfg = SshdConfig::build("etc/ssh/sshd_config", false, &src);
            let (_, _, e) = cfg.unresolved.first().expect("an unresolved include");
            assert!(e.len() < 300, "{} bytes: {e}", e.len());
            assert!(e.contains(says), "{e}");
            assert!(e.contains(&format!("{}…", &pattern[..63])), "{e}");
        }
    }

    #[test]
    fn match_patterns_are_not_exponential() {
        for (s, p, want) in [
            ("abc", "abc", true),
            ("abc", "a*", true),
            ("abc", "*c", true),
            ("abc", "a?c", true),
            ("abc", "a*b*c", true),
            ("abc", "a*d", false),
            ("", "*", true),
            ("", "?", false),
            ("ab", "a**", true),
            ("aXbYc", "a*b*c", true),
            ("abcabd", "*abd", true),
            ("abcab", "*abd", false),
        ] {
            assert_eq!(wildcard(s.as_bytes(), p.as_bytes()), want, "{s} {p}");
        }
        let s = "a".repeat(200);
        let p = "*a".repeat(30) + "*b";
        assert!(!wildcard(s.as_bytes(), p.as_bytes()));
    }
}
