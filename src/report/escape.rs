//! Display escaping for text that came from the scanned world (file and
//! directory names, values, process names, peer answers) before it reaches a
//! terminal or an annotation. The escaping itself is `target::display_path`
//! (the one place that decides what is escaped: carried non-UTF-8 bytes, C0
//! and C1 controls, DEL, bidi and invisible characters); this module is how
//! every writer of the text report, stderr, annotations and summary calls
//! it, borrowing when nothing needs escaping. Escaping is idempotent, so a
//! path already escaped by its `Location` is unchanged.

use std::borrow::Cow;

use crate::target::display_path;

/// `text` with every unsafe character escaped; borrowed when nothing is.
pub fn escape(text: &str) -> Cow<'_, str> {
    if crate::target::name::shown_as_is(text) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(display_path(text))
    }
}

/// Escapes a string of bytes that may not be UTF-8 (a file name).
pub fn escape_bytes(bytes: &[u8]) -> String {
    display_path(&crate::target::name::from_bytes(bytes))
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
            "x\\x0aCRITICAL PASS-999 forged-line"
        );
        assert_eq!(escape("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
        assert_eq!(escape("a\rb\tc\x7f"), "a\\x0db\\x09c\\x7f");
        assert_eq!(escape("\u{9b}2J"), "\\x9b2J");
        assert_eq!(escape("evil\u{202e}fdp.exe"), "evil\\u{202e}fdp.exe");
        assert_eq!(escape("café ✓"), "café ✓");
        assert!(matches!(escape("café ✓"), Cow::Borrowed(_)));
        assert!(matches!(escape("tab\there"), Cow::Owned(_)));
        assert_eq!(escape_bytes(b"caf\xe9\n"), "caf\\xe9\\x0a");
        // Idempotent: escaping an escaped path changes nothing.
        let once = escape("a\nb\u{202e}").into_owned();
        assert_eq!(escape(&once), once);
        for c in (0u32..0x2100).filter_map(char::from_u32) {
            let e = escape(&c.to_string()).into_owned();
            assert!(
                !e.chars()
                    .any(|c| c.is_control() || c == '\u{202e}' || c == '\u{2066}'),
                "{:x}",
                c as u32
            );
        }
    }
}
