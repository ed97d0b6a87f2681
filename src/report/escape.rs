//! Text from the scanned world (paths, names, values, messages that quote
//! them), made safe to show: the one escaping function lives with the names
//! it carries (`target::name`); renderers call it through here.

/// `s` with carried non-UTF-8 bytes, C0/C1 controls and DEL as `\xNN`, and
/// bidi, zero-width and line/paragraph separators as `\u{NNNN}`. Idempotent.
pub fn display(s: &str) -> String {
    crate::target::name::display_path(s)
}

#[cfg(test)]
mod tests {
    use super::display;

    #[test]
    fn escapes_controls_and_bidi() {
        let shown = display("a\nb\x1b[2J\u{202e}c\u{85}");
        assert!(!shown.contains(['\n', '\x1b', '\u{202e}', '\u{85}']), "{shown}");
        assert_eq!(display("plain é"), "plain é");
        let once = display("\x07x\u{2066}");
        assert_eq!(display(&once), once);
    }
}
