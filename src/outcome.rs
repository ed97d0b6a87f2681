//! The vocabulary rules speak and reports print: severities, statuses,
//! locations, evidence and outcomes, plus the `Judgement` builder every rule
//! uses. Holds data only; it never reads targets and never formats reports.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::secret::Secret;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// GitHub code scanning's numeric band for this severity (critical > 9.0,
    /// high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9). `info` has no band.
    pub fn security_severity(self) -> Option<&'static str> {
        match self {
            Severity::Critical => Some("9.5"),
            Severity::High => Some("8.0"),
            Severity::Medium => Some("5.5"),
            Severity::Low => Some("2.0"),
            Severity::Info => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Status of one outcome of a (rule, target) evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Fail,
    NotEvaluated,
    Waived,
    Pass,
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pass,
        Status::Fail,
        Status::NotApplicable,
        Status::NotEvaluated,
        Status::Waived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::NotEvaluated => "not_evaluated",
            Status::Waived => "waived",
            Status::Pass => "pass",
            Status::NotApplicable => "not_applicable",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a finding is. `path` is what people read (a tree path as given on the
/// command line joined with the path inside the tree, or an absolute path
/// inside a host root); `uri` is its SARIF form (relative, never absolute).
/// Both are shared, not copied, by the findings in one file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub path: Arc<str>,
    pub line: Option<u32>,
    #[serde(skip)]
    pub uri: Uri,
}

impl Location {
    pub fn with_line(mut self, line: u32) -> Location {
        self.line = Some(line);
        self
    }
}

/// A location's SARIF URI. When the path ends with it (a tree given by an
/// absolute path, `/srv/repos/site/deploy/.env` as `site/deploy/.env`),
/// it is the end of the path's own text: one text for both.
#[derive(Clone)]
pub struct Uri {
    text: Arc<str>,
    start: u32,
}

impl Uri {
    /// `uri`, kept as the end of `path` when `path` ends with it.
    pub fn within(path: &Arc<str>, uri: &str) -> Uri {
        match path.len().checked_sub(uri.len()) {
            Some(start) if path.ends_with(uri) && u32::try_from(start).is_ok() => Uri {
                text: path.clone(),
                start: start as u32,
            },
            _ => Uri::from(uri),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text[self.start as usize..]
    }
}

impl std::ops::Deref for Uri {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<Arc<str>> for Uri {
    fn from(text: Arc<str>) -> Uri {
        Uri { text, start: 0 }
    }
}

impl From<&str> for Uri {
    fn from(text: &str) -> Uri {
        Uri::from(Arc::<str>::from(text))
    }
}

impl From<String> for Uri {
    fn from(text: String) -> Uri {
        Uri::from(Arc::<str>::from(text))
    }
}

impl Default for Uri {
    fn default() -> Uri {
        Uri::from("")
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Compared, ordered and hashed as its text.
impl PartialEq for Uri {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Uri {}

impl PartialOrd for Uri {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Uri {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Uri {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

/// Facts that back an outcome. Built only from values that may be shown:
/// a [`Secret`] goes in as its redacted form. Kept sorted by key (as JSON
/// prints it), in a vector: an outcome holds a handful of entries. Each
/// value is kept as the compact JSON text it stands for, not as a value
/// tree: a large scan's pass outcomes list thousands of checked files, and
/// a `Value` and a `String` per item were most of its findings' memory.
/// The list of what a pass checked is kept smaller still (see
/// [`SortedStrings`]). Reports write each value through their own
/// serializer (pretty or compact), exactly as the value tree would have
/// been written.
#[derive(Clone, Debug, Default)]
pub struct Evidence(Vec<(Cow<'static, str>, Stored)>);

/// One evidence value as kept.
#[derive(Clone, Debug)]
enum Stored {
    /// Its compact JSON text.
    Json(Box<RawValue>),
    /// A list of strings, sorted and distinct.
    Sorted(SortedStrings),
}

impl Stored {
    fn value(&self) -> Value {
        match self {
            Stored::Json(v) => serde_json::from_str(v.get()).expect("stored evidence is JSON"),
            Stored::Sorted(list) => {
                let mut items = Vec::with_capacity(list.len as usize);
                list.try_each(|item| {
                    items.push(Value::String(item.to_string()));
                    Ok::<(), std::convert::Infallible>(())
                })
                .unwrap_or_else(|never| match never {});
                Value::Array(items)
            }
        }
    }
}

impl PartialEq for Stored {
    fn eq(&self, other: &Stored) -> bool {
        match (self, other) {
            (Stored::Json(a), Stored::Json(b)) => a.get() == b.get(),
            (Stored::Sorted(a), Stored::Sorted(b)) => a == b,
            _ => self.value() == other.value(),
        }
    }
}

impl PartialEq for Evidence {
    fn eq(&self, other: &Evidence) -> bool {
        self.0 == other.0
    }
}

impl Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k.as_ref(), v)?;
        }
        map.end()
    }
}

/// A stored value, written by the serializer at hand as its value tree
/// would be: streamed from its text or list (no tree is built).
impl Serialize for Stored {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Stored::Json(v) => {
                let mut text = serde_json::Deserializer::from_str(v.get());
                serde_transcode::transcode(&mut text, serializer)
            }
            Stored::Sorted(list) => {
                use serde::ser::SerializeSeq;
                let mut seq = serializer.serialize_seq(Some(list.len as usize))?;
                list.try_each(|item| seq.serialize_element(item))?;
                seq.end()
            }
        }
    }
}

/// A sorted list of distinct strings, front-coded: each item is stored as
/// the length of the prefix it shares with the item before it and the rest
/// of its text. What a pass checked is such a list (paths, mostly, sharing
/// their first directories): at 100,000 files these lists were 41 MB as
/// JSON text, a tenth of the scan's peak heap.
#[derive(Clone, Debug, PartialEq, Eq)]
struct SortedStrings {
    len: u32,
    /// Per item: shared prefix length and suffix length (LEB128), then the
    /// suffix's bytes.
    bytes: Box<[u8]>,
}

impl SortedStrings {
    /// Encodes `items`, which must be sorted and distinct.
    fn new(items: &[String]) -> SortedStrings {
        debug_assert!(items.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
        let mut bytes = Vec::new();
        let mut previous = "";
        for item in items {
            let mut shared = previous
                .bytes()
                .zip(item.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            // The prefix ends on a character boundary, so each suffix is text.
            while !item.is_char_boundary(shared) {
                shared -= 1;
            }
            let suffix = &item.as_bytes()[shared..];
            push_varint(&mut bytes, shared);
            push_varint(&mut bytes, suffix.len());
            bytes.extend_from_slice(suffix);
            previous = item;
        }
        SortedStrings {
            len: u32::try_from(items.len()).expect("fewer than 4 billion items"),
            bytes: bytes.into_boxed_slice(),
        }
    }

    /// Calls `f` with each item in order, until it fails.
    fn try_each<E>(&self, mut f: impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
        let mut item = String::new();
        let mut at = 0;
        while at < self.bytes.len() {
            let shared = read_varint(&self.bytes, &mut at);
            let n = read_varint(&self.bytes, &mut at);
            let suffix = &self.bytes[at..at + n];
            at += n;
            item.truncate(shared);
            item.push_str(std::str::from_utf8(suffix).expect("suffixes are whole characters"));
            f(&item)?;
        }
        Ok(())
    }
}

fn push_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn read_varint(bytes: &[u8], at: &mut usize) -> usize {
    let mut n = 0usize;
    let mut shift = 0;
    loop {
        let b = bytes[*at];
        *at += 1;
        n |= usize::from(b & 0x7f) << shift;
        if b < 0x80 {
            return n;
        }
        shift += 7;
    }
}

/// Compact JSON text of a value (what evidence keeps).
fn raw_of(value: &impl Serialize) -> Box<RawValue> {
    serde_json::value::to_raw_value(value).expect("evidence values serialise")
}

/// A value that may be stored as evidence.
pub trait EvidenceValue: Sized {
    fn into_value(self) -> Value;

    /// The value's compact JSON text (the default goes through
    /// [`EvidenceValue::into_value`]; text and lists write it directly).
    fn into_raw(self) -> Box<RawValue> {
        raw_of(&self.into_value())
    }
}

impl EvidenceValue for &str {
    fn into_value(self) -> Value {
        Value::String(self.to_string())
    }
    fn into_raw(self) -> Box<RawValue> {
        raw_of(&self)
    }
}
impl EvidenceValue for String {
    fn into_value(self) -> Value {
        Value::String(self)
    }
    fn into_raw(self) -> Box<RawValue> {
        raw_of(&self)
    }
}
impl EvidenceValue for &String {
    fn into_value(self) -> Value {
        Value::String(self.clone())
    }
    fn into_raw(self) -> Box<RawValue> {
        raw_of(self)
    }
}
impl EvidenceValue for Arc<str> {
    fn into_value(self) -> Value {
        Value::String(self.to_string())
    }
    fn into_raw(self) -> Box<RawValue> {
        raw_of(&&*self)
    }
}
impl EvidenceValue for &Arc<str> {
    fn into_value(self) -> Value {
        Value::String(self.to_string())
    }
    fn into_raw(self) -> Box<RawValue> {
        raw_of(&&**self)
    }
}
impl EvidenceValue for bool {
    fn into_value(self) -> Value {
        Value::Bool(self)
    }
}
impl EvidenceValue for &Secret {
    fn into_value(self) -> Value {
        Value::String(self.redacted())
    }
}
macro_rules! evidence_number {
    ($($t:ty),*) => {$(
        impl EvidenceValue for $t {
            fn into_value(self) -> Value {
                Value::from(self)
            }
        }
    )*};
}
evidence_number!(u8, u16, u32, u64, usize, i32, i64);

impl<T: EvidenceValue> EvidenceValue for Vec<T> {
    fn into_value(self) -> Value {
        Value::Array(self.into_iter().map(EvidenceValue::into_value).collect())
    }
    /// The items' texts joined: no value tree for a list of thousands.
    fn into_raw(self) -> Box<RawValue> {
        let mut text = String::from("[");
        for (i, item) in self.into_iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(item.into_raw().get());
        }
        text.push(']');
        RawValue::from_string(text).expect("joined JSON texts are JSON")
    }
}
impl<T: EvidenceValue> EvidenceValue for Option<T> {
    fn into_value(self) -> Value {
        self.map_or(Value::Null, EvidenceValue::into_value)
    }
    fn into_raw(self) -> Box<RawValue> {
        match self {
            Some(v) => v.into_raw(),
            None => raw_of(&Value::Null),
        }
    }
}
impl EvidenceValue for Value {
    fn into_value(self) -> Value {
        self
    }
}
impl EvidenceValue for Evidence {
    fn into_value(self) -> Value {
        Value::Object(
            self.0
                .into_iter()
                .map(|(k, v)| (k.into_owned(), v.value()))
                .collect(),
        )
    }
    fn into_raw(self) -> Box<RawValue> {
        raw_of(&self)
    }
}

impl Evidence {
    pub fn new() -> Evidence {
        Evidence::default()
    }

    /// Sets `key` (replacing what it held).
    pub fn put(
        &mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl EvidenceValue,
    ) -> &mut Evidence {
        self.set(key.into(), Stored::Json(value.into_raw()))
    }

    /// Sets `key` to a list of strings that is sorted and distinct (what a
    /// pass checked), kept front-coded; written as any list of strings.
    pub fn put_sorted(
        &mut self,
        key: impl Into<Cow<'static, str>>,
        items: &[String],
    ) -> &mut Evidence {
        self.set(key.into(), Stored::Sorted(SortedStrings::new(items)))
    }

    fn set(&mut self, key: Cow<'static, str>, value: Stored) -> &mut Evidence {
        match self
            .0
            .binary_search_by(|(k, _)| k.as_ref().cmp(key.as_ref()))
        {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (key, value)),
        }
        self
    }

    pub fn with(
        mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl EvidenceValue,
    ) -> Evidence {
        self.put(key, value);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value under `key`, as a value tree (built on each call).
    pub fn get(&self, key: &str) -> Option<Value> {
        let i = self.0.binary_search_by(|(k, _)| k.as_ref().cmp(key)).ok()?;
        Some(self.0[i].1.value())
    }

    /// The entries, by key, as value trees.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Value)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v.value()))
    }
}

/// The raw result of a rule before policy: no waivers yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Pass,
    Fail,
    NotApplicable,
    NotEvaluated,
}

impl Verdict {
    pub fn status(self) -> Status {
        match self {
            Verdict::Pass => Status::Pass,
            Verdict::Fail => Status::Fail,
            Verdict::NotApplicable => Status::NotApplicable,
            Verdict::NotEvaluated => Status::NotEvaluated,
        }
    }
}

/// One thing a rule says about one target.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub verdict: Verdict,
    pub message: String,
    pub location: Option<Location>,
    pub evidence: Evidence,
    /// Stable logical identity of the finding inside the target (never a line
    /// number): feeds the fingerprint, so an alert survives edits around it.
    pub key: String,
    /// Set when the rule grades this finding itself (an expired certificate is
    /// critical, one expiring in 20 days medium); otherwise the rule's default.
    pub severity: Option<Severity>,
}

impl Outcome {
    fn new(verdict: Verdict, key: String, message: String) -> Outcome {
        Outcome {
            verdict,
            message,
            location: None,
            evidence: Evidence::new(),
            key,
            severity: None,
        }
    }

    pub fn at(&mut self, location: Location) -> &mut Outcome {
        self.location = Some(location);
        self
    }

    pub fn at_opt(&mut self, location: Option<Location>) -> &mut Outcome {
        self.location = location;
        self
    }

    pub fn evidence(
        &mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl EvidenceValue,
    ) -> &mut Outcome {
        self.evidence.put(key, value);
        self
    }

    pub fn severity(&mut self, severity: Severity) -> &mut Outcome {
        self.severity = Some(severity);
        self
    }
}

/// How a rule builds its answer. Record every violation with [`Judgement::fail`],
/// every part that could not be judged with [`Judgement::not_evaluated`], and
/// every item judged sound with [`Judgement::checked`]; [`Judgement::finish`]
/// turns that into outcomes:
///
/// - any violation → the violations (and the parts not evaluated);
/// - otherwise any part not evaluated → those, and no pass: a control passes
///   only when everything in scope was judged;
/// - otherwise something checked → one pass with what was checked as evidence;
/// - nothing at all → not applicable, with the reason given to `finish`.
#[derive(Debug, Default)]
pub struct Judgement {
    outcomes: Vec<Outcome>,
    checked: Vec<String>,
    pass_evidence: Evidence,
}

impl Judgement {
    pub fn new() -> Judgement {
        Judgement::default()
    }

    pub fn fail(&mut self, key: impl Into<String>, message: impl Into<String>) -> &mut Outcome {
        self.no_pass();
        self.outcomes
            .push(Outcome::new(Verdict::Fail, key.into(), message.into()));
        self.outcomes.last_mut().expect("just pushed")
    }

    pub fn not_evaluated(
        &mut self,
        key: impl Into<String>,
        reason: impl Into<String>,
    ) -> &mut Outcome {
        self.no_pass();
        self.outcomes.push(Outcome::new(
            Verdict::NotEvaluated,
            key.into(),
            reason.into(),
        ));
        self.outcomes.last_mut().expect("just pushed")
    }

    /// Records an item that was judged and found sound (shown as pass
    /// evidence). A judgement with a failure or a part not evaluated has
    /// no pass: then the item is not kept.
    pub fn checked(&mut self, what: impl Into<String>) {
        if self.passing() {
            self.checked.push(what.into());
        }
    }

    /// [`Judgement::checked`] for an item whose description costs work:
    /// `what` runs only while the judgement can still pass.
    pub fn checked_with(&mut self, what: impl FnOnce() -> String) {
        if self.passing() {
            self.checked.push(what());
        }
    }

    /// Whether the judgement can still pass (nothing failed and nothing
    /// was left unevaluated).
    fn passing(&self) -> bool {
        self.outcomes.is_empty()
    }

    /// What was checked will not be shown: freed now, not at the end.
    fn no_pass(&mut self) {
        if self.checked.capacity() > 0 {
            self.checked = Vec::new();
        }
    }

    /// Extra evidence for the pass outcome (thresholds applied, sources read).
    pub fn pass_evidence(&mut self, key: impl Into<Cow<'static, str>>, value: impl EvidenceValue) {
        self.pass_evidence.put(key, value);
    }

    pub fn has_failures(&self) -> bool {
        self.outcomes.iter().any(|o| o.verdict == Verdict::Fail)
    }

    pub fn finish(self, pass_message: &str, not_applicable_reason: &str) -> Vec<Outcome> {
        if !self.outcomes.is_empty() {
            return self.outcomes;
        }
        if self.checked.is_empty() {
            return vec![Outcome::new(
                Verdict::NotApplicable,
                String::new(),
                not_applicable_reason.to_string(),
            )];
        }
        let mut pass = Outcome::new(Verdict::Pass, String::new(), pass_message.to_string());
        pass.evidence = self.pass_evidence;
        let mut checked = self.checked;
        checked.sort();
        checked.dedup();
        pass.evidence.put_sorted("checked", &checked);
        vec![pass]
    }
}

/// A single not-evaluated outcome, for rules that cannot start at all.
pub fn not_evaluated(reason: impl Into<String>) -> Vec<Outcome> {
    vec![Outcome::new(
        Verdict::NotEvaluated,
        String::new(),
        reason.into(),
    )]
}

/// A single not-applicable outcome.
pub fn not_applicable(reason: impl Into<String>) -> Vec<Outcome> {
    vec![Outcome::new(
        Verdict::NotApplicable,
        String::new(),
        reason.into(),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uri_at_the_end_of_its_path_shares_its_text() {
        let path: Arc<str> = Arc::from("/srv/repos/site/deploy/.env");
        let uri = Uri::within(&path, "site/deploy/.env");
        assert_eq!(&*uri, "site/deploy/.env");
        assert!(std::ptr::eq(uri.as_str(), &path["/srv/repos/".len()..]));
        // Not the end of the path (escaped, or another prefix): its own text.
        for other in ["hosts/h/deploy/.env", "site/deploy/.env%20", ""] {
            let own = Uri::within(&path, other);
            assert_eq!(&*own, other);
            if !other.is_empty() {
                assert!(!std::ptr::eq(
                    own.as_str().as_ptr(),
                    path.as_ptr().wrapping_add(path.len() - other.len())
                ));
            }
        }
        // Equal, ordered and hashed as text, wherever the text is kept.
        let alone = Uri::from("site/deploy/.env");
        assert_eq!(uri, alone);
        assert_eq!(
            uri.cmp(&Uri::from("site/deploy/.envz")),
            std::cmp::Ordering::Less
        );
        let hash = |u: &Uri| {
            use std::hash::{BuildHasher, RandomState};
            let s = RandomState::new();
            (s.hash_one(u), s.hash_one("site/deploy/.env"))
        };
        let (a, b) = hash(&uri);
        assert_eq!(a, b);
    }

    #[test]
    fn sorted_strings_read_back_and_write_as_a_list() {
        // Shared prefixes that end inside a character, an empty first item,
        // a long suffix (two-byte lengths), escapes and an item that is a
        // prefix of the next.
        let mut items: Vec<String> = vec![
            String::new(),
            "/a/b/c.env KEY".into(),
            "/a/b/c.env KEY_2".into(),
            "/a/b/d\"q\u{7}".into(),
            "/a/é/x".into(),
            "/a/ê/x".into(),
            format!("/a/{}", "z".repeat(300)),
            "\u{1F600}".into(),
            "\u{1F601}".into(),
        ];
        items.sort();
        let stored = Stored::Sorted(SortedStrings::new(&items));
        assert_eq!(stored.value(), serde_json::json!(items));
        let as_json = Stored::Json(raw_of(&items));
        assert_eq!(stored, as_json);
        for pretty in [false, true] {
            let write = |v: &Stored| match pretty {
                true => serde_json::to_string_pretty(v).unwrap(),
                false => serde_json::to_string(v).unwrap(),
            };
            assert_eq!(write(&stored), write(&as_json));
        }
        let mut e = Evidence::new();
        e.put_sorted("checked", &items);
        assert_eq!(e.get("checked"), Some(serde_json::json!(items)));
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            serde_json::to_string(&serde_json::json!({ "checked": items })).unwrap()
        );
        let empty = Stored::Sorted(SortedStrings::new(&[]));
        assert_eq!(serde_json::to_string(&empty).unwrap(), "[]");
    }

    #[test]
    fn judgement_rules() {
        let j = Judgement::new();
        let out = j.finish("ok", "nothing here");
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].verdict, Verdict::NotApplicable);

        let mut j = Judgement::new();
        j.checked("a");
        let out = j.finish("ok", "nothing");
        assert_eq!(out[0].verdict, Verdict::Pass);
        assert_eq!(
            out[0].evidence.get("checked").unwrap(),
            serde_json::json!(["a"])
        );

        let mut j = Judgement::new();
        j.checked("a");
        j.not_evaluated("b", "broken");
        let out = j.finish("ok", "nothing");
        assert_eq!(out.len(), 1, "a partial evaluation never passes");
        assert_eq!(out[0].verdict, Verdict::NotEvaluated);

        let mut j = Judgement::new();
        j.fail("k", "bad").severity(Severity::High);
        j.not_evaluated("b", "broken");
        let out = j.finish("ok", "nothing");
        assert_eq!(out.len(), 2);

        // Once it cannot pass, what is checked is neither kept nor shown.
        let mut j = Judgement::new();
        j.checked("a");
        j.checked_with(|| "c".to_string());
        assert_eq!(j.checked, ["a", "c"]);
        assert!(j.passing());
        j.fail("k", "bad");
        assert!(!j.passing());
        assert!(j.checked.is_empty() && j.checked.capacity() == 0);
        j.checked("b");
        j.checked_with(|| unreachable!("not described once it cannot pass"));
        assert!(j.checked.is_empty());
        let out = j.finish("ok", "nothing");
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].verdict, Verdict::Fail);
        assert!(out[0].evidence.get("checked").is_none());
    }

    #[test]
    fn secrets_enter_evidence_redacted() {
        let s = Secret::new("topsecret");
        let e = Evidence::new().with("value", &s);
        assert_eq!(e.get("value").unwrap(), "<redacted: 9 chars>");
    }

    /// Evidence is kept as text and streamed into the report's serializer:
    /// pretty and compact output must be exactly what the value tree gave.
    #[test]
    fn stored_evidence_is_written_as_its_value_tree() {
        let nested = Evidence::new()
            .with("z", "last")
            .with("a", vec![1u64, 2])
            .with("m", Value::Null);
        let tree = serde_json::json!({
            "zeta": "z", "alpha": [], "mid": {"k": [1.5, -2, 1e300, u64::MAX]},
        });
        let shared: Arc<str> = Arc::from("shared");
        let e = Evidence::new()
            .with("arc", &shared)
            .with("arc_owned", shared.clone())
            .with(
                "text",
                "quote \" back \\ tab \t nl \n bell \u{7} é 漢 \u{202e}",
            )
            .with("empty", Vec::<String>::new())
            .with("list", vec!["a".to_string(), "b\"".to_string()])
            .with("none", None::<u32>)
            .with("some", Some(-5i64))
            .with("flag", true)
            .with("big", u64::MAX)
            .with("order", tree.clone())
            .with("nested", nested.clone())
            .with("secret", &Secret::new("hunter2"));
        let expected = serde_json::json!({
            "arc": "shared",
            "arc_owned": "shared",
            "big": u64::MAX,
            "empty": [],
            "flag": true,
            "list": ["a", "b\""],
            "nested": {"a": [1, 2], "m": null, "z": "last"},
            "none": null,
            "order": tree,
            "secret": "<redacted: 7 chars>",
            "some": -5,
            "text": "quote \" back \\ tab \t nl \n bell \u{7} é 漢 \u{202e}",
        });
        assert_eq!(
            serde_json::to_string_pretty(&e).unwrap(),
            serde_json::to_string_pretty(&expected).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
        // Object keys keep their order (zeta before alpha), as the tree did.
        assert!(
            serde_json::to_string(&e)
                .unwrap()
                .contains(r#"{"zeta":"z","alpha":[]"#)
        );
        assert_eq!(e.get("nested").unwrap(), nested.into_value());
        assert_eq!(e.get("missing"), None);
    }
}
