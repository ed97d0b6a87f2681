//! YAML with line numbers, built on saphyr-parser's event stream. Scalars keep
//! their source text (no YAML 1.1 or 1.2 typing surprises: `80:80`, `no` and
//! `0755` stay what was written), every node keeps its 1-based line, merge
//! keys (`<<: *anchor`) are applied, and alias expansion is bounded so a
//! "billion laughs" document fails instead of eating memory. Parses only.
//! Text in plain block style, most deployment YAML, is read by a faster
//! line reader that gives the builder the same events (`block.rs`); the rest
//! goes to saphyr-parser.

use std::borrow::Cow;

use compact_str::CompactString;
use foldhash::{HashMap, HashMapExt};
use saphyr_parser::{Event, Parser, ScalarStyle, Span, SpannedEventReceiver};

mod block;

/// Nodes an alias may copy in one file before loading gives up.
const ALIAS_BUDGET: usize = 100_000;
/// Nodes anchors may keep copies of in one file.
const ANCHOR_BUDGET: usize = 1_000_000;
/// Nesting, aliases' copies included: every node of a loaded tree is at
/// most this deep, so walking one never recurses further.
const MAX_DEPTH: usize = 256;

/// A node is 32 bytes (trees of some kinds are kept for a whole scan):
/// whether a scalar was plain sits beside its line, and lists are boxed
/// slices, so a value fits in a compact string's 24 bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Node {
    pub line: u32,
    /// False for a scalar that was quoted or a block scalar (and for
    /// sequences and mappings); true for a plain scalar and null.
    pub plain: bool,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    Null,
    /// The scalar's text (as written; see [`Node::plain`]).
    Scalar(CompactString),
    Seq(Box<[Node]>),
    Map(Box<[(Node, Node)]>),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("YAML syntax error at line {line}, column {col}: {message}")]
pub struct YamlError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl Node {
    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The (key, value) pairs of a mapping (empty for anything else).
    pub fn entries(&self) -> impl Iterator<Item = (&Node, &Node)> {
        let pairs: &[(Node, Node)] = match &self.value {
            Value::Map(m) => m,
            _ => &[],
        };
        pairs.iter().map(|(k, v)| (k, v))
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(s) => s,
            _ => &[],
        }
    }

    /// A scalar's text. Null is `None`.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(text) => Some(text),
            _ => None,
        }
    }

    /// What tells keys apart: a quoted key is another key than a plain one.
    fn key(&self) -> (bool, &Value) {
        (self.plain, &self.value)
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.value, Value::Seq(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// A YAML boolean (`true`/`false` in any case, YAML 1.2 core schema).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar(text) if self.plain => match text.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// Gives back the spare room of every string in the tree (for a tree
    /// kept for a whole scan; the parser's strings have some; lists have
    /// none). Trees are at most `MAX_DEPTH` deep, so this recursion is
    /// bounded.
    pub fn compact(&mut self) {
        match &mut self.value {
            Value::Null => {}
            Value::Scalar(text) => text.shrink_to_fit(),
            Value::Seq(items) => items.iter_mut().for_each(Node::compact),
            Value::Map(entries) => {
                for (k, v) in entries {
                    k.compact();
                    v.compact();
                }
            }
        }
    }

    /// Walks a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, k| node.get(k))
    }
}

/// Parses every document of a YAML stream.
pub fn parse(text: &str) -> Result<Vec<Node>, YamlError> {
    match parse_block(text) {
        Some(docs) => Ok(docs),
        None => parse_with_saphyr(text),
    }
}

/// The fast path alone ([`block`]): `None` when the text is outside it.
/// Public for the differential tests and fuzz target.
#[doc(hidden)]
pub fn parse_block(text: &str) -> Option<Vec<Node>> {
    let mut builder = Builder::default();
    block::parse(text, &mut builder)?;
    Some(builder.docs)
}

/// saphyr-parser alone, for any text. Public for the differential tests
/// and fuzz target.
#[doc(hidden)]
pub fn parse_with_saphyr(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, true) {
        let m = e.marker();
        // saphyr quotes the offending character in this one message.
        let info = e.info();
        let message = if info.starts_with("unexpected character") {
            "unexpected character".to_string()
        } else {
            info.to_string()
        };
        return Err(YamlError {
            line: m.line() as u32,
            col: m.col() as u32 + 1,
            message,
        });
    }
    if let Some(e) = builder.error {
        return Err(e);
    }
    Ok(builder.docs)
}

/// Keys a mapping may have before they are indexed: below it, a repeated
/// key is found by comparing with each (no copy of every key).
const INDEX_FROM: usize = 16;

/// A collection being built. Its children wait on the builder's shared
/// stacks (`items`, `pairs`) from the index it holds, and are moved into a
/// slice of exactly their number when it ends: one allocation per
/// collection, not a vector grown and shrunk for each.
enum Frame {
    /// The sequence's line, where its items start in `items`, its anchor.
    Seq(u32, usize, usize),
    /// The mapping's line, where its entries start in `pairs`, its anchor,
    /// a key waiting for its value, and, once it has [`INDEX_FROM`]
    /// entries, where each key is among them (so a repeated key is found
    /// in constant time; quoted keys, then plain ones).
    Map(
        u32,
        usize,
        usize,
        Option<Node>,
        Option<[HashMap<Value, usize>; 2]>,
    ),
}

#[derive(Default)]
struct Builder {
    docs: Vec<Node>,
    stack: Vec<Frame>,
    /// The items of the sequences being built, innermost last.
    items: Vec<Node>,
    /// The entries of the mappings being built, innermost last.
    pairs: Vec<(Node, Node)>,
    anchors: HashMap<usize, Node>,
    budget_used: usize,
    anchor_nodes: usize,
    error: Option<YamlError>,
}

fn line_of(span: &Span) -> u32 {
    span.start.line() as u32
}

/// Nodes in a tree and its depth (a scalar is 1 deep). Trees are built at
/// most `MAX_DEPTH` deep, so this recursion is bounded.
fn measure(n: &Node) -> (usize, usize) {
    let (mut count, mut depth) = (1, 0);
    let mut add = |c: &Node| {
        let (cc, cd) = measure(c);
        count += cc;
        depth = depth.max(cd);
    };
    match &n.value {
        Value::Seq(s) => s.iter().for_each(&mut add),
        Value::Map(m) => m.iter().for_each(|(k, v)| {
            add(k);
            add(v);
        }),
        _ => {}
    }
    (count, depth + 1)
}

fn scalar(line: u32, text: Cow<'_, str>, style: ScalarStyle) -> Node {
    let plain = matches!(style, ScalarStyle::Plain);
    let value = if plain && matches!(&*text, "" | "~" | "null" | "Null" | "NULL") {
        Value::Null
    } else {
        // Short text is kept inline (no allocation); text the parser
        // built is taken as it is (a tree kept for a whole scan is
        // compacted once: `Node::compact`).
        Value::Scalar(CompactString::from(text))
    };
    Node { line, plain, value }
}

/// Applies `<<` merge keys: entries from the merged mappings that the mapping
/// does not set itself are appended.
fn apply_merges(entries: &mut Vec<(Node, Node)>) {
    if !entries
        .iter()
        .any(|(k, _)| k.as_str() == Some("<<") && k.plain)
    {
        return;
    }
    let mut own = Vec::new();
    let mut merged = Vec::new();
    for (k, v) in std::mem::take(entries) {
        if k.as_str() == Some("<<") {
            match v.value {
                Value::Map(m) => merged.extend(m),
                Value::Seq(items) => {
                    for item in items {
                        if let Value::Map(m) = item.value {
                            merged.extend(m);
                        }
                    }
                }
                _ => {}
            }
        } else {
            own.push((k, v));
        }
    }
    for (k, v) in merged {
        if !own.iter().any(|(o, _)| o.key() == k.key()) {
            own.push((k, v));
        }
    }
    *entries = own;
}

impl Builder {
    fn fail(&mut self, line: u32, message: &str) {
        if self.error.is_none() {
            self.error = Some(YamlError {
                line,
                col: 1,
                message: message.to_string(),
            });
        }
    }

    fn insert(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchor_nodes += measure(&node).0;
            if self.anchor_nodes > ANCHOR_BUDGET {
                return self.fail(node.line, "anchors copy more than the node budget");
            }
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq(..)) => self.items.push(node),
            Some(Frame::Map(_, start, _, pending, index)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => {
                    let entries = &mut self.pairs;
                    let start = *start;
                    // Last one wins, as most YAML consumers do.
                    let merge = key.as_str() == Some("<<");
                    if index.is_none() && entries.len() - start >= INDEX_FROM {
                        let mut by_style = [HashMap::new(), HashMap::new()];
                        for (i, (k, _)) in entries[start..].iter().enumerate() {
                            if k.as_str() != Some("<<") {
                                by_style[usize::from(k.plain)].insert(k.value.clone(), i);
                            }
                        }
                        *index = Some(by_style);
                    }
                    let found = if merge {
                        None
                    } else {
                        match index {
                            Some(index) => index[usize::from(key.plain)].get(&key.value).copied(),
                            // A merge key never equals a key that is not one.
                            None => entries[start..]
                                .iter()
                                .position(|(k, _)| k.key() == key.key()),
                        }
                    };
                    match found {
                        Some(i) => entries[start + i].1 = node,
                        None => {
                            if !merge && let Some(index) = index {
                                index[usize::from(key.plain)]
                                    .insert(key.value.clone(), entries.len() - start);
                            }
                            entries.push((key, node));
                        }
                    }
                }
            },
        }
    }
}

impl<'input> SpannedEventReceiver<'input> for Builder {
    fn on_event(&mut self, ev: Event<'input>, span: Span) {
        if self.error.is_some() {
            return;
        }
        let line = line_of(&span);
        match ev {
            Event::Scalar(text, style, anchor, _tag) => {
                self.insert(scalar(line, text, style), anchor);
            }
            Event::SequenceStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    return self.fail(line, "nesting too deep");
                }
                self.stack.push(Frame::Seq(line, self.items.len(), anchor));
            }
            Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    return self.fail(line, "nesting too deep");
                }
                self.stack
                    .push(Frame::Map(line, self.pairs.len(), anchor, None, None));
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq(line, start, anchor)) = self.stack.pop() {
                    let node = Node {
                        line,
                        plain: false,
                        value: Value::Seq(self.items.drain(start..).collect()),
                    };
                    self.insert(node, anchor);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map(line, start, anchor, _, _)) = self.stack.pop() {
                    let mut entries: Vec<(Node, Node)> = self.pairs.drain(start..).collect();
                    apply_merges(&mut entries);
                    let node = Node {
                        line,
                        plain: false,
                        value: Value::Map(entries.into_boxed_slice()),
                    };
                    self.insert(node, anchor);
                }
            }
            Event::Alias(id) => {
                let measured = self.anchors.get(&id).map(measure);
                match measured {
                    Some((count, depth)) => {
                        self.budget_used += count;
                        if self.budget_used > ALIAS_BUDGET {
                            return self.fail(line, "alias expansion exceeds the node budget");
                        }
                        if self.stack.len() + depth > MAX_DEPTH {
                            return self.fail(line, "nesting too deep (through an alias)");
                        }
                        let mut node = self.anchors[&id].clone();
                        node.line = line;
                        self.insert(node, 0);
                    }
                    None => self.fail(line, "unknown alias"),
                }
            }
            Event::DocumentEnd => {
                self.anchors.clear();
            }
            Event::DocumentStart(_) | Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_raw_scalars() {
        let docs = parse("a: 1\nb:\n  - \"80:80\"\n  - 0755\nc: ~\nd: no\n").unwrap();
        let d = &docs[0];
        assert_eq!(d.line, 1);
        assert_eq!(d.get("a").unwrap().line, 1);
        let b = d.get("b").unwrap();
        assert_eq!(b.items()[0].as_str(), Some("80:80"));
        assert_eq!(b.items()[0].line, 3);
        assert_eq!(b.items()[1].as_str(), Some("0755"));
        assert!(d.get("c").unwrap().is_null());
        assert_eq!(d.get("d").unwrap().as_str(), Some("no"));
    }

    #[test]
    fn multi_document_and_merge_keys() {
        let text = "x-base: &base\n  image: a\n  restart: always\n---\nkind: A\n";
        let docs = parse(text).unwrap();
        assert_eq!(docs.len(), 2);
        let text = "base: &b\n  k: 1\n  j: 2\nsvc:\n  <<: *b\n  k: 3\n";
        let docs = parse(text).unwrap();
        let svc = docs[0].get("svc").unwrap();
        assert_eq!(svc.get("k").unwrap().as_str(), Some("3"));
        assert_eq!(svc.get("j").unwrap().as_str(), Some("2"));
        assert!(svc.get("<<").is_none());
    }

    #[test]
    fn a_root_block_scalar_ends_at_the_next_document() {
        // A block scalar not indented (at a document's root) ends at `---`:
        // before saphyr-parser 0.3.4 the `---` and everything after it were
        // part of the scalar, so the next document (here a Secret) went
        // unseen.
        let docs = parse("--- |\nnotes\n---\nkind: Secret\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].as_str(), Some("notes\n"));
        assert_eq!(docs[1].get("kind").unwrap().as_str(), Some("Secret"));
        assert_eq!(docs[1].get("kind").unwrap().line, 4);
    }

    #[test]
    fn errors_have_lines() {
        let e = parse("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(e.line >= 2, "{e}");
        let e = parse("a: *nope\n").unwrap_err();
        assert!(
            e.message.contains("alias") || e.message.contains("anchor"),
            "{e}"
        );
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("budget"), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        for (open, close) in [("[", "]"), ("{a: ", "}"), ("- ", "")] {
            let text = if open == "- " {
                (0..20_000)
                    .map(|i| " ".repeat(i % 300) + "- x\n")
                    .collect::<String>()
            } else {
                open.repeat(100_000) + &close.repeat(100_000)
            };
            let e = parse(&text);
            if open != "- " {
                let e = e.unwrap_err();
                assert!(
                    e.message.contains("deep") || e.message.contains("recursion"),
                    "{open}: {e}"
                );
            }
        }
    }

    #[test]
    fn aliases_cannot_build_depth_past_the_limit() {
        // Each anchor nests the previous one 200 deep: copying aliases
        // would reach 200 * 30 levels.
        let mut text = String::from("a0: &a0 x\n");
        for i in 1..30 {
            text.push_str(&format!(
                "a{i}: &a{i} {}*a{}{}\n",
                "[".repeat(200),
                i - 1,
                "]".repeat(200)
            ));
        }
        let e = parse(&text).unwrap_err();
        assert!(
            e.message.contains("deep") || e.message.contains("budget"),
            "{e}"
        );
    }

    #[test]
    fn repeated_keys_in_small_maps_and_compacted_trees() {
        let d = &parse("a: 1\nb: 2\na: 3\n<<: {c: 4}\nb: 5\n'a': 6\n").unwrap()[0];
        let keys: Vec<_> = d.entries().map(|(k, _)| k.as_str()).collect();
        // A quoted key is another key.
        assert_eq!(keys, [Some("a"), Some("b"), Some("a"), Some("c")]);
        assert_eq!(d.get("a").unwrap().as_str(), Some("3"));
        assert_eq!(d.get("b").unwrap().as_str(), Some("5"));
        // Past the indexing point, a key seen before it is still found.
        let mut text = String::from("first: 0\n");
        for i in 0..(INDEX_FROM + 5) {
            text.push_str(&format!("k{i}: {i}\n"));
        }
        text.push_str("first: last\n");
        let mut d = parse(&text).unwrap().remove(0);
        assert_eq!(d.entries().count(), INDEX_FROM + 6);
        assert_eq!(d.get("first").unwrap().as_str(), Some("last"));
        let before = d.clone();
        d.compact();
        assert_eq!(d, before);
    }

    #[test]
    fn nodes_stay_small() {
        // Trees of some kinds are kept for a whole scan.
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<Node>(), 32);
    }

    #[test]
    fn repeated_keys_last_wins_in_big_maps() {
        let mut text = String::new();
        for i in 0..20_000 {
            text.push_str(&format!("k{i}: {i}\n"));
        }
        text.push_str("k7: last\n\"k8\": quoted\n");
        let d = &parse(&text).unwrap()[0];
        assert_eq!(d.entries().count(), 20_001, "a quoted key is another key");
        assert_eq!(d.get("k7").unwrap().as_str(), Some("last"));
        assert_eq!(d.get("k8").unwrap().as_str(), Some("8"));
    }
}
