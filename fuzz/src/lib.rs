//! Shared checks of the fuzz targets: the crate's own invariants (no panic is
//! checked by libFuzzer itself; bounded output; no planted secret in any
//! error or note) and helpers that plant a marker where a format can only
//! hold a value, or split one input into the files of a tree.

use std::cell::Cell;
use std::fmt::Debug;

thread_local! {
    static PLANTED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` on the planted variant of an input: only then does
/// [`check_message`] look for the marker.
pub fn planted<R>(f: impl FnOnce() -> R) -> R {
    PLANTED.with(|p| p.set(true));
    let r = f();
    PLANTED.with(|p| p.set(false));
    r
}

/// The planted "secret". Inputs that already hold it are skipped, so the
/// fuzzer cannot put it where a key (legitimately named in errors) is.
pub const MARKER: &str = "Zq7SECRETmarkQ";

/// The longest error or note any parser may produce (names file, line,
/// column and key; never a value).
pub const MAX_MESSAGE: usize = 2048;

/// Whether `text` may be used for a planted variant.
pub fn plantable(text: &str) -> bool {
    !text.contains(MARKER) && !text.contains(&MARKER[..6])
}

/// `text` with the marker inserted right after the first `sep` of every
/// line whose trimmed start passes `keep` (the value side of `KEY=VALUE`,
/// `key: value`, `key value`...).
pub fn plant_after(text: &str, sep: &[char], keep: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for line in text.split_inclusive('\n') {
        let lead = line.len() - line.trim_start().len();
        match line[lead..].find(sep).map(|i| i + lead) {
            Some(i) if keep(line.trim_start()) => {
                let c = line[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&line[..i + c]);
                out.push_str(MARKER);
                out.push_str(&line[i + c..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// `text` with the marker inserted right after the first `sep` of every
/// line whose trimmed start passes `keep`.
pub fn plant_after_str(text: &str, sep: &str, keep: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for line in text.split_inclusive('\n') {
        let lead = line.len() - line.trim_start().len();
        match line[lead..].find(sep).map(|i| i + lead) {
            Some(i) if keep(line.trim_start()) => {
                out.push_str(&line[..i + sep.len()]);
                out.push_str(MARKER);
                out.push_str(&line[i + sep.len()..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// Asserts an error or note names no planted value and stays short.
#[track_caller]
pub fn check_message(what: &str, msg: &str) {
    if PLANTED.with(Cell::get) {
        assert!(
            !msg.contains(MARKER),
            "{what}: an error or note quotes a planted value: {msg:?}"
        );
    }
    assert!(
        msg.len() <= MAX_MESSAGE,
        "{what}: a {} byte error or note: {:?}...",
        msg.len(),
        msg.chars().take(160).collect::<String>()
    );
}

/// Asserts the parsed output is linear in the input: its debug form at most
/// `per_byte` bytes per input byte plus a constant.
#[track_caller]
pub fn check_bounded(what: &str, input_len: usize, out: &impl Debug) {
    let n = format!("{out:?}").len();
    assert!(
        n <= 4096 + input_len * 128,
        "{what}: {n} bytes of output from {input_len} bytes of input"
    );
}

/// Like [`check_bounded`] for readers that expand includes: each of up to
/// `copies` included files (the reader's documented file budget) may repeat
/// the whole input, so the output may be `copies` times as large — and no
/// more: growth past the budget (an exponential fan-out) still fails.
#[track_caller]
pub fn check_bounded_expanded(what: &str, input_len: usize, copies: usize, out: &impl Debug) {
    let n = format!("{out:?}").len();
    assert!(
        n <= (4096 + input_len * 128) * copies,
        "{what}: {n} bytes of output from {input_len} bytes of input, {copies} files at most"
    );
}

/// Input bytes as text: the parsers take `&str` (the readers decode first).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Splits one input into up to `names.len()` files: the parts between lines
/// that are exactly `%%`, named in order.
pub fn files_of<'a>(text: &'a str, names: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    text.split("\n%%\n")
        .zip(names.iter().copied())
        .map(|(body, name)| (name, body))
        .collect()
}

/// Writes `files` (relative paths) under a fresh temporary directory.
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (rel, body) in files {
        let p = dir.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create a directory");
        }
        std::fs::write(&p, body).expect("write a file");
    }
    dir
}
