//! Display escaping for text that came from the scanned world (file and
//! directory names, values, process names, peer answers) before it reaches a
//! terminal: the one place the text report and the console escape. Every C0
//! and C1 control, DEL, and every bidirectional formatting character is
//! shown as a visible escape (`\n`, `\x1b`, `\u{202e}`), and the Unicode
//! replacement character that lossy decoding leaves for invalid UTF-8 is
//! shown as `\u{fffd}`, so no name can clear the screen, set a window title,
//! ring the bell, overwrite a line with a carriage return, reorder text, or
//! start a report line of its own.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must never reach a terminal raw.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Bidirectional formatting: LRM, RLM, ALM, LRE..RLO, LRI..PDI.
            '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
            // Line and paragraph separators end lines on some terminals.
            | '\u{2028}' | '\u{2029}'
            // Left by lossy decoding of invalid UTF-8: make it visible.
            | '\u{fffd}'
        )
}

/// `text` with every unsafe character escaped; borrowed when nothing is.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !is_unsafe(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// Escapes a string of bytes that may not be UTF-8 (a file name): valid
/// UTF-8 runs are escaped as text, each invalid byte shown as `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(&escape(chunk.valid()));
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_c1_and_bidi_are_visible() {
        assert_eq!(escape("plain/path.env"), "plain/path.env");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(
            escape("x\nCRITICAL PASS-999 forged-line"),
            "x\\nCRITICAL PASS-999 forged-line"
        );
        assert_eq!(escape("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
        assert_eq!(escape("a\rb\tc\x7f"), "a\\rb\\tc\\x7f");
        assert_eq!(escape("\u{9b}2J"), "\\x9b2J");
        assert_eq!(escape("evil\u{202e}fdp.exe"), "evil\\u{202e}fdp.exe");
        assert_eq!(escape("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(escape("café ✓"), "café ✓");
        assert_eq!(escape_bytes(b"caf\xe9\n"), "caf\\xe9\\n");
        for c in (0u32..0x2100).filter_map(char::from_u32) {
            let e = escape(&c.to_string()).into_owned();
            assert!(!e.chars().any(is_unsafe), "{:x}", c as u32);
        }
    }
}
