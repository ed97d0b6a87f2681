//! A fast path for the block YAML most deployment files are written in:
//! mappings and sequences laid out by indentation, one-line plain, single-
//! and double-quoted scalars, one-line flow sequences of such scalars and
//! `{}`, comments and `---` between documents. It
//! gives the same events, with the same lines, that saphyr-parser gives for
//! such text, to the same [`Builder`], in a fraction of the time: a scan of
//! each line instead of a general tokenizer.
//!
//! Anything else — other flow collections, block scalars, anchors and aliases,
//! tags, multi-line scalars, escapes, tabs, non-ASCII text, directives,
//! empty documents, or any line this reader is not sure of — makes it give
//! up ([`None`]) before it has decided anything, and the caller parses the
//! whole text with saphyr-parser. So every error message, and every text
//! outside the subset, is saphyr's. The tests and a fuzz target check that
//! both readers build the same documents wherever this one answers.

use std::borrow::Cow;

use saphyr_parser::{Event, Marker, ScalarStyle, Span, SpannedEventReceiver};

use super::Builder;

/// Collections open at once before this reader leaves the text to
/// saphyr-parser (which then applies the builder's own depth limit).
const MAX_OPEN: usize = 64;
/// saphyr-parser's limit on a simple key's length is 1024 characters; a key
/// near it is left to saphyr-parser.
const MAX_KEY: usize = 1000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Map,
    Seq,
}

/// An open collection: the column its entries start at.
struct Open {
    indent: usize,
    kind: Kind,
}

/// An entry whose value is not on its line (`key:` or `-`): the value is
/// the collection the next lines open, or null (on the entry's line).
struct Pending {
    indent: usize,
    kind: Kind,
    line: u32,
}

/// The first node of a line (after a `- `, or the line's own start).
enum Item<'a> {
    /// A mapping key and what follows its `:`.
    Key(Cow<'a, str>, ScalarStyle, &'a str),
    Scalar(Cow<'a, str>, ScalarStyle),
}

struct Reader<'b> {
    b: &'b mut Builder,
    stack: Vec<Open>,
    pending: Option<Pending>,
    /// A document has begun (by `---` or by content).
    in_doc: bool,
    /// The document has its root collection.
    has_root: bool,
    docs: usize,
}

/// Reads `text` into `b`, or gives up (`None`) when the text is outside the
/// subset; `b` is then to be thrown away.
pub(super) fn parse(text: &str, b: &mut Builder) -> Option<()> {
    if text.bytes().any(|c| c >= 0x7f || (c < 0x20 && c != b'\n')) {
        return None;
    }
    let mut r = Reader {
        b,
        stack: Vec::new(),
        pending: None,
        in_doc: false,
        has_root: false,
        docs: 0,
    };
    r.event(Event::StreamStart, 1);
    let mut n = 0u32;
    for line in text.split('\n') {
        n += 1;
        let rest = line.trim_start_matches(' ');
        let indent = line.len() - rest.len();
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        if indent == 0 && marker(rest, "---") {
            let tail = rest[3..].trim_start_matches(' ');
            if !(tail.is_empty() || tail.starts_with('#')) {
                return None;
            }
            if r.in_doc {
                r.end_doc()?;
            }
            r.in_doc = true;
            r.event(Event::DocumentStart(true), n);
            continue;
        }
        if indent == 0 && (marker(rest, "...") || rest.starts_with('%')) {
            return None;
        }
        if !r.in_doc {
            r.in_doc = true;
            r.event(Event::DocumentStart(false), n);
        }
        r.line(indent, rest, n)?;
    }
    if !r.in_doc || r.b.error.is_some() {
        return None;
    }
    r.end_doc()?;
    r.event(Event::StreamEnd, n);
    (r.docs > 0 && r.b.error.is_none()).then_some(())
}

/// `rest` starts with the document marker `m` (`---`, `...`) standing alone.
fn marker(rest: &str, m: &str) -> bool {
    rest.starts_with(m) && matches!(rest.as_bytes().get(3), None | Some(b' '))
}

impl<'b> Reader<'b> {
    fn event<'i>(&mut self, ev: Event<'i>, line: u32) {
        let mark = Marker::new(0, line as usize, 0);
        self.b.on_event(ev, Span::empty(mark));
    }

    fn scalar<'i>(&mut self, text: Cow<'i, str>, style: ScalarStyle, line: u32) {
        self.event(Event::Scalar(text, style, 0, None), line);
    }

    fn open(&mut self, indent: usize, kind: Kind, line: u32) -> Option<()> {
        if self.stack.len() >= MAX_OPEN {
            return None;
        }
        self.stack.push(Open { indent, kind });
        self.has_root = true;
        let ev = match kind {
            Kind::Map => Event::MappingStart(0, None),
            Kind::Seq => Event::SequenceStart(0, None),
        };
        self.event(ev, line);
        Some(())
    }

    fn close(&mut self, line: u32) {
        if let Some(open) = self.stack.pop() {
            let ev = match open.kind {
                Kind::Map => Event::MappingEnd,
                Kind::Seq => Event::SequenceEnd,
            };
            self.event(ev, line);
        }
    }

    /// An entry at column `indent`, on line `line`, whose value is not on
    /// its line: see [`Pending`].
    fn wait(&mut self, indent: usize, kind: Kind, line: u32) -> Option<()> {
        self.pending = Some(Pending { indent, kind, line });
        Some(())
    }

    fn null_pending(&mut self) {
        if let Some(p) = self.pending.take() {
            self.scalar(Cow::Borrowed(""), ScalarStyle::Plain, p.line);
        }
    }

    fn end_doc(&mut self) -> Option<()> {
        self.null_pending();
        while !self.stack.is_empty() {
            self.close(0);
        }
        if !self.has_root {
            return None;
        }
        self.event(Event::DocumentEnd, 0);
        self.docs += 1;
        self.has_root = false;
        self.in_doc = false;
        Some(())
    }

    /// One line with content: `rest` starts at column `indent`.
    fn line(&mut self, indent: usize, rest: &str, n: u32) -> Option<()> {
        let kind = if rest == "-" || rest.starts_with("- ") {
            Kind::Seq
        } else {
            Kind::Map
        };
        // Find the collection this line is an entry of, opening or
        // closing collections as its indentation says.
        let mut opened = false;
        if let Some(p) = self.pending.take() {
            let nested = indent > p.indent
                || (p.kind == Kind::Map && kind == Kind::Seq && indent == p.indent);
            if nested {
                self.open(indent, kind, n)?;
                opened = true;
            } else {
                self.scalar(Cow::Borrowed(""), ScalarStyle::Plain, p.line);
            }
        }
        if !opened {
            if self.stack.is_empty() {
                if self.has_root {
                    return None;
                }
                self.open(indent, kind, n)?;
            } else {
                // A sequence may stand at its key's column (`key:` then
                // `- item`); a key at that column ends it.
                while let Some(top) = self.stack.last() {
                    if top.indent > indent
                        || (top.indent == indent && top.kind == Kind::Seq && kind == Kind::Map)
                    {
                        self.close(n);
                    } else {
                        break;
                    }
                }
                let top = self.stack.last()?;
                if top.indent != indent || top.kind != kind {
                    return None;
                }
            }
        }
        match kind {
            Kind::Map => match item(rest)? {
                Item::Key(key, style, after) => self.entry(key, style, after, indent, n),
                Item::Scalar(..) => None,
            },
            Kind::Seq => {
                let after = &rest[1..];
                let r2 = after.trim_start_matches(' ');
                if r2.is_empty() || r2.starts_with('#') {
                    return self.wait(indent, Kind::Seq, n);
                }
                if r2 == "-" || r2.starts_with("- ") {
                    return None;
                }
                if r2.starts_with(['[', '{']) {
                    return self.flow(r2, n);
                }
                match item(r2)? {
                    Item::Key(key, style, after_colon) => {
                        let column = indent + 1 + (after.len() - r2.len());
                        self.open(column, Kind::Map, n)?;
                        self.entry(key, style, after_colon, column, n)
                    }
                    Item::Scalar(text, style) => {
                        self.scalar(text, style, n);
                        Some(())
                    }
                }
            }
        }
    }

    /// A mapping entry at column `indent`: its key, and its value from what
    /// follows the `:`.
    fn entry<'i>(
        &mut self,
        key: Cow<'i, str>,
        style: ScalarStyle,
        after: &'i str,
        indent: usize,
        n: u32,
    ) -> Option<()> {
        self.scalar(key, style, n);
        let v = after.trim_start_matches(' ');
        if v.is_empty() || v.starts_with('#') {
            return self.wait(indent, Kind::Map, n);
        }
        if v.starts_with(['[', '{']) {
            return self.flow(v, n);
        }
        match item(v)? {
            Item::Scalar(text, style) => {
                self.scalar(text, style, n);
                Some(())
            }
            // `a: b: c` is an error (saphyr-parser says which).
            Item::Key(..) => None,
        }
    }

    /// A one-line flow sequence of scalars (`["80:80", 443]`) or an empty
    /// flow mapping (`{}`), and nothing after it but a comment.
    fn flow(&mut self, s: &str, n: u32) -> Option<()> {
        if let Some(rest) = s.strip_prefix('{') {
            let rest = rest.trim_start_matches(' ').strip_prefix('}')?;
            ends_cleanly(rest)?;
            self.event(Event::MappingStart(0, None), n);
            self.event(Event::MappingEnd, n);
            return Some(());
        }
        let mut rest = s.strip_prefix('[')?.trim_start_matches(' ');
        let mut items = Vec::new();
        if let Some(after) = rest.strip_prefix(']') {
            rest = after;
        } else {
            loop {
                let (text, style, after) = flow_scalar(rest)?;
                items.push((text, style));
                let after = after.trim_start_matches(' ');
                if let Some(after) = after.strip_prefix(']') {
                    rest = after;
                    break;
                }
                rest = after.strip_prefix(',')?.trim_start_matches(' ');
                // `[a, ]` and `[a,]`: left to saphyr-parser.
                if rest.starts_with(']') {
                    return None;
                }
            }
        }
        ends_cleanly(rest)?;
        self.event(Event::SequenceStart(0, None), n);
        for (text, style) in items {
            self.scalar(text, style, n);
        }
        self.event(Event::SequenceEnd, n);
        Some(())
    }
}

/// What follows a node on its line: nothing, or a comment after a space.
fn ends_cleanly(tail: &str) -> Option<()> {
    let t = tail.trim_start_matches(' ');
    (t.is_empty() || (t.starts_with('#') && t.len() < tail.len())).then_some(())
}

/// One scalar of a flow sequence and what follows it.
fn flow_scalar(s: &str) -> Option<(Cow<'_, str>, ScalarStyle, &str)> {
    match *s.as_bytes().first()? {
        b'"' | b'\'' => quoted(s),
        first => {
            // Letters, digits and a few marks only: saphyr-parser has
            // rules of its own for spaces and indicators inside flow
            // scalars (` -,` is an error there), left to it.
            let safe = |c: u8| c.is_ascii_alphanumeric() || b"./_-$~+=@%".contains(&c);
            if !(first.is_ascii_alphanumeric() || b"./_$~+".contains(&first)) {
                return None;
            }
            let end = s.find([',', ']'])?;
            let text = s[..end].trim_end_matches(' ');
            if !text.bytes().all(safe) {
                return None;
            }
            Some((Cow::Borrowed(text), ScalarStyle::Plain, &s[end..]))
        }
    }
}

/// The node `s` starts with: a key (and what follows its `:`) or a whole
/// scalar (a comment may follow it). `None` for anything else.
fn item(s: &str) -> Option<Item<'_>> {
    let bytes = s.as_bytes();
    let (text, style, tail) = match bytes[0] {
        b'"' | b'\'' => quoted(s)?,
        _ => return plain(s),
    };
    let t = tail.trim_start_matches(' ');
    if let Some(after) = t.strip_prefix(':')
        && (after.is_empty() || after.starts_with(' '))
    {
        return (text.len() <= MAX_KEY).then_some(Item::Key(text, style, after));
    }
    // Only a comment may follow a quoted scalar, after a space.
    ends_cleanly(tail)?;
    Some(Item::Scalar(text, style))
}

/// The one-line quoted scalar `s` starts with (a double-quoted one without
/// escapes) and what follows its closing quote.
fn quoted(s: &str) -> Option<(Cow<'_, str>, ScalarStyle, &str)> {
    if s.starts_with('\'') {
        let (text, used) = single_quoted(s)?;
        return Some((text, ScalarStyle::SingleQuoted, &s[used..]));
    }
    let end = s[1..].find('"')? + 1;
    let inner = &s[1..end];
    if inner.contains('\\') {
        return None;
    }
    Some((
        Cow::Borrowed(inner),
        ScalarStyle::DoubleQuoted,
        &s[end + 1..],
    ))
}

/// A single-quoted scalar on one line (`''` is a quote) and the bytes it
/// takes, quotes included.
fn single_quoted(s: &str) -> Option<(Cow<'_, str>, usize)> {
    let bytes = s.as_bytes();
    let mut i = 1;
    let mut owned: Option<String> = None;
    let mut from = 1;
    loop {
        let q = s[i..].find('\'')? + i;
        if bytes.get(q + 1) == Some(&b'\'') {
            owned.get_or_insert_with(String::new).push_str(&s[from..=q]);
            i = q + 2;
            from = i;
            continue;
        }
        let text = match owned {
            Some(mut o) => {
                o.push_str(&s[from..q]);
                Cow::Owned(o)
            }
            None => Cow::Borrowed(&s[1..q]),
        };
        return Some((text, q + 1));
    }
}

/// A plain scalar: it may not start with an indicator, ends at `: ` (then
/// it is a key) or at ` #`, and loses its trailing spaces.
fn plain(s: &str) -> Option<Item<'_>> {
    let bytes = s.as_bytes();
    let first = bytes[0];
    let next_is_space = matches!(bytes.get(1), None | Some(b' '));
    match first {
        b'-' | b'?' | b':' if next_is_space => return None,
        b'-' | b'?' | b':' => {}
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' => return None,
        _ => {}
    }
    let mut j = 0;
    while j < bytes.len() {
        match bytes[j] {
            b':' if matches!(bytes.get(j + 1), None | Some(b' ')) => {
                let key = s[..j].trim_end_matches(' ');
                if key.len() > MAX_KEY {
                    return None;
                }
                return Some(Item::Key(
                    Cow::Borrowed(key),
                    ScalarStyle::Plain,
                    &s[j + 1..],
                ));
            }
            b'#' if bytes[j - 1] == b' ' => {
                return Some(Item::Scalar(
                    Cow::Borrowed(s[..j].trim_end_matches(' ')),
                    ScalarStyle::Plain,
                ));
            }
            _ => {}
        }
        j += 1;
    }
    Some(Item::Scalar(
        Cow::Borrowed(s.trim_end_matches(' ')),
        ScalarStyle::Plain,
    ))
}
