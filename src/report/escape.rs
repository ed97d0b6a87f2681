//! Text from the scanned world (paths, names, values, messages that quote
//! them), made safe to show: control, C1 and bidi characters escaped so a
//! report line is never cleared, recoloured, reordered or forged. Used by
//! the text, fleet and HTML renderers.

/// `s` with C0/C1 controls and DEL as `\xNN`, and bidi, zero-width and
/// line/paragraph separators as `\u{NNNN}`. Idempotent.
pub fn display(s: &str) -> String {
    if !s.chars().any(needs_escape) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            let v = c as u32;
            if v < 0x100 {
                out.push_str(&format!("\\x{v:02x}"));
            } else {
                out.push_str(&format!("\\u{{{v:04x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}' | '\u{061c}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::display;

    #[test]
    fn escapes_controls_and_bidi() {
        assert_eq!(
            display("a\nb\x1b[2J\u{202e}c\u{85}"),
            "a\\x0ab\\x1b[2J\\u{202e}c\\x85"
        );
        assert_eq!(display("plain é"), "plain é");
        let once = display("\x07x\u{2066}");
        assert_eq!(display(&once), once);
    }
}
