//! File names that are not UTF-8, carried losslessly in the `String` paths the
//! rest of rampart uses, and the one function that renders a path (or any
//! text from the scanned world) for display with everything dangerous
//! escaped. It never opens files.
//!
//! **Carrier form.** Linux names are bytes. A name that is valid UTF-8 is
//! carried as itself. Each byte of a name that is *not* part of valid UTF-8
//! is carried as one character of a private-use range, `U+10FF80 + (byte -
//! 0x80)`; a real character of that same range (four UTF-8 bytes) is carried
//! as its four bytes, each as such a character, so the mapping is injective
//! and [`to_bytes`] gives back exactly the name on disk. `Root` decodes every
//! path it is given, so a path found by a walk opens the file it names.
//!
//! **Display form.** [`display_path`] shows carried bytes as `\xNN`, C0 and
//! C1 controls and DEL as `\xNN` (`\n` as `\x0a`), and bidi, zero-width and
//! line/paragraph separator characters as `\u{NNNN}`. It is idempotent (its
//! output has nothing left to escape), so escaping twice is harmless. It is
//! lossless except that a name holding the literal text `\xff` displays like
//! the byte 0xff; the SARIF `uri` (percent-encoded bytes) is exact.

use std::borrow::Cow;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

const CARRIER_BASE: u32 = 0x10_FF00;

fn carrier(byte: u8) -> char {
    char::from_u32(CARRIER_BASE + u32::from(byte)).expect("U+10FF80..U+10FFFF are chars")
}

fn carried_byte(c: char) -> Option<u8> {
    let v = c as u32;
    (CARRIER_BASE + 0x80..=CARRIER_BASE + 0xFF)
        .contains(&v)
        .then(|| (v - CARRIER_BASE) as u8)
}

/// The carrier form of a name (or path) given as bytes.
pub fn from_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if carried_byte(c).is_some() {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push(carrier(b));
                }
            } else {
                out.push(c);
            }
        }
        for &b in chunk.invalid() {
            out.push(carrier(b));
        }
    }
    out
}

/// The carrier form of an OS string.
pub fn from_os(s: &OsStr) -> String {
    match s.to_str() {
        Some(t) if !t.chars().any(|c| carried_byte(c).is_some()) => t.to_string(),
        _ => from_bytes(s.as_bytes()),
    }
}

/// The bytes a carrier-form string stands for.
pub fn to_bytes(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match carried_byte(c) {
            Some(b) => out.push(b),
            None => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out
}

/// The OS string a carrier-form string stands for.
pub fn to_os(s: &str) -> Cow<'_, OsStr> {
    if s.chars().any(|c| carried_byte(c).is_some()) {
        Cow::Owned(OsString::from_vec(to_bytes(s)))
    } else {
        Cow::Borrowed(OsStr::new(s))
    }
}

/// Characters that reorder or hide text: bidi embeddings, overrides and
/// isolates, marks, zero-width characters, line and paragraph separators,
/// the byte-order mark.
fn is_invisible_or_bidi(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// A path (or any text from the scanned world) for display: carried bytes,
/// control characters (C0, DEL, C1) and bidi/invisible characters escaped.
/// Idempotent; see the module docs.
pub fn display_path(s: &str) -> String {
    if shown_as_is(s) {
        return s.to_string();
    }
    escape_display(s)
}

/// [`display_path`] of a string the caller owns: given back as it is when
/// nothing needs escaping (no copy).
pub fn display_path_owned(s: String) -> String {
    if shown_as_is(&s) {
        return s;
    }
    escape_display(&s)
}

/// Whether `s` is shown as it is: printable ASCII (checked a byte at a
/// time, the common case) or no character that needs escaping.
pub fn shown_as_is(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b)) || !s.chars().any(needs_escape)
}

fn escape_display(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if let Some(b) = carried_byte(c) {
            out.push_str(&format!("\\x{b:02x}"));
        } else if c.is_control() && (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else if needs_escape(c) {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_invisible_or_bidi(c) || carried_byte(c).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let cases: [&[u8]; 6] = [
            b"plain.env",
            b"caf\xc3\xa9",
            b"bad\xff\xfe.env",
            b"\xf4\x8f\xbe\x80real-private-use",
            b"\xf4\x8f\xbe",
            b"",
        ];
        for bytes in cases {
            let s = from_bytes(bytes);
            assert_eq!(to_bytes(&s), bytes, "{bytes:?}");
            assert_eq!(to_os(&s).as_bytes(), bytes);
            assert_eq!(from_os(OsStr::from_bytes(bytes)), s);
        }
        assert_eq!(from_bytes(b"plain.env"), "plain.env");
        // Injective: a real private-use character and the bytes differ.
        assert_ne!(from_bytes(b"\xf4\x8f\xbe\x80"), from_bytes(b"\x80"));
    }

    #[test]
    fn display_escapes_and_is_idempotent() {
        let s = from_bytes("a\x1b]0;t\x07\nCRITICAL\r\u{202e}x\u{85}y\u{200b}".as_bytes());
        let shown = display_path(&format!("{s}{}", from_bytes(b"\xff")));
        assert_eq!(
            shown,
            "a\\x1b]0;t\\x07\\x0aCRITICAL\\x0d\\u{202e}x\\x85y\\u{200b}\\xff"
        );
        assert_eq!(display_path(&shown), shown);
        assert_eq!(display_path("deploy/prod/.env"), "deploy/prod/.env");
        assert_eq!(display_path("café/ü"), "café/ü");
    }
}
