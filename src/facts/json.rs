//! JSON with line numbers: a strict RFC 8259 parser that keeps the 1-based
//! line of every value and object key, so findings in CHT's
//! `app_settings.json` point at the line (serde_json keeps no positions).
//! Nesting is bounded; a truncated or malformed file is an error with its
//! line and column. Parses only.

use compact_str::CompactString;

/// Deepest nesting accepted before the document is refused.
const MAX_DEPTH: usize = 512;

#[derive(Clone, Debug, PartialEq)]
pub struct Json {
    pub line: u32,
    pub value: JsonValue,
}

#[derive(Clone, Debug, PartialEq)]
pub enum JsonValue {
    Null,
    Bool(bool),
    /// The number as written.
    Number(CompactString),
    String(CompactString),
    Array(Vec<Json>),
    /// Members in order, each key with its line.
    Object(Vec<(CompactString, u32, Json)>),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("JSON syntax error at line {line}, column {col}: {message}")]
pub struct JsonError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl Json {
    /// The value of member `key` (the last one when a key repeats, as
    /// JavaScript's `JSON.parse` does).
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.member(key).map(|(_, v)| v)
    }

    /// The member `key` with the line of its key.
    pub fn member(&self, key: &str) -> Option<(u32, &Json)> {
        match &self.value {
            JsonValue::Object(m) => m
                .iter()
                .rev()
                .find(|(k, _, _)| k == key)
                .map(|(_, l, v)| (*l, v)),
            _ => None,
        }
    }

    pub fn members(&self) -> &[(CompactString, u32, Json)] {
        match &self.value {
            JsonValue::Object(m) => m,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Json] {
        match &self.value {
            JsonValue::Array(a) => a,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            JsonValue::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            JsonValue::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self.value, JsonValue::Object(_))
    }

    /// JavaScript truthiness: what `if (value)` decides in CHT's code.
    pub fn truthy(&self) -> bool {
        match &self.value {
            JsonValue::Null => false,
            JsonValue::Bool(b) => *b,
            JsonValue::Number(n) => n.parse::<f64>().is_ok_and(|f| f != 0.0 && !f.is_nan()),
            JsonValue::String(s) => !s.is_empty(),
            JsonValue::Array(_) | JsonValue::Object(_) => true,
        }
    }
}

pub fn parse(text: &str) -> Result<Json, JsonError> {
    let mut p = Parser {
        bytes: text.as_bytes(),
        text,
        pos: 0,
        line: 1,
        line_start: 0,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.pos < p.bytes.len() {
        return Err(p.error("unexpected text after the JSON value"));
    }
    Ok(v)
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    line: u32,
    line_start: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> JsonError {
        // Counted on bytes (UTF-8 lead bytes), so a position inside a
        // multi-byte character can never make slicing panic.
        let end = self.pos.min(self.bytes.len());
        let col = self.bytes[self.line_start.min(end)..end]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count() as u32
            + 1;
        JsonError {
            line: self.line,
            col,
            message: message.to_string(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    self.line_start = self.pos;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                _ => break,
            }
        }
    }

    fn expect(&mut self, b: u8, what: &str) -> Result<(), JsonError> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else if self.peek().is_none() {
            Err(self.error(&format!("unexpected end of input, expected {what}")))
        } else {
            Err(self.error(&format!("expected {what}")))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        let line = self.line;
        let value = match self.peek() {
            None => return Err(self.error("unexpected end of input, expected a value")),
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => JsonValue::String(self.string()?),
            Some(b't') => self.literal("true", JsonValue::Bool(true))?,
            Some(b'f') => self.literal("false", JsonValue::Bool(false))?,
            Some(b'n') => self.literal("null", JsonValue::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.error("expected a value")),
        };
        Ok(Json { line, value })
    }

    fn literal(&mut self, word: &str, v: JsonValue) -> Result<JsonValue, JsonError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn number(&mut self) -> Result<JsonValue, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.pos;
            while p.peek().is_some_and(|b| b.is_ascii_digit()) {
                p.pos += 1;
            }
            p.pos - s
        };
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.error("invalid number"));
            }
        }
        // Digits, signs, `.` and `e` only: ASCII, so both ends are boundaries.
        Ok(JsonValue::Number(CompactString::new(
            self.text.get(start..self.pos).unwrap_or_default(),
        )))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let s = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("truncated \\u escape"))?;
        if !s.iter().all(u8::is_ascii_hexdigit) {
            return Err(self.error("invalid \\u escape"));
        }
        let s = std::str::from_utf8(s).map_err(|_| self.error("invalid \\u escape"))?;
        let n = u32::from_str_radix(s, 16).map_err(|_| self.error("invalid \\u escape"))?;
        self.pos += 4;
        Ok(n)
    }

    /// A string's text: short strings without escapes are kept inline
    /// (no allocation), others built once.
    fn string(&mut self) -> Result<CompactString, JsonError> {
        self.expect(b'"', "a string")?;
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b == b'"' || b == b'\\' || b < 0x20 {
                break;
            }
            self.pos += 1;
        }
        if self.peek() == Some(b'"') {
            // The scan stops only at ASCII bytes, so `pos` is a char boundary.
            let text = CompactString::new(self.text.get(start..self.pos).unwrap_or_default());
            self.pos += 1;
            return Ok(text);
        }
        // An escape or a control character: the text so far is kept and
        // the rest built from here (the loop meets that byte first).
        let mut out = String::from(self.text.get(start..self.pos).unwrap_or_default());
        loop {
            let start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // The scan stops only at ASCII bytes, so `pos` is a char boundary.
            out.push_str(self.text.get(start..self.pos).unwrap_or_default());
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out.into());
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err(self.error("unterminated string"));
                    };
                    if !e.is_ascii() {
                        // Never step into a multi-byte character.
                        return Err(self.error("invalid escape"));
                    }
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi)
                                && self.bytes[self.pos..].starts_with(b"\\u")
                            {
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                } else {
                                    None
                                }
                            } else {
                                char::from_u32(hi)
                            };
                            out.push(c.unwrap_or('\u{fffd}'));
                        }
                        _ => return Err(self.error("invalid escape")),
                    }
                }
                Some(_) => return Err(self.error("control character in string")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsonValue, JsonError> {
        self.expect(b'[', "[")?;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(JsonValue::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    items.shrink_to_fit();
                    return Ok(JsonValue::Array(items));
                }
                None => return Err(self.error("unexpected end of input, expected , or ]")),
                Some(_) => return Err(self.error("expected , or ]")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<JsonValue, JsonError> {
        self.expect(b'{', "{")?;
        let mut members = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(JsonValue::Object(members));
        }
        loop {
            self.ws();
            let line = self.line;
            if self.peek() != Some(b'"') {
                return Err(if self.peek().is_none() {
                    self.error("unexpected end of input, expected a member name")
                } else {
                    self.error("expected a member name in double quotes")
                });
            }
            let key = self.string()?;
            self.ws();
            self.expect(b':', ":")?;
            self.ws();
            let value = self.value(depth + 1)?;
            members.push((key, line, value));
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    members.shrink_to_fit();
                    return Ok(JsonValue::Object(members));
                }
                None => return Err(self.error("unexpected end of input, expected , or }")),
                Some(_) => return Err(self.error("expected , or }")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_lines() {
        let text = "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": [true, null, \"x\\u00e9\\ud83d\\ude00\"]\n  },\n  \"d\": -1.5e3\n}\n";
        let j = parse(text).unwrap();
        assert_eq!(j.line, 1);
        assert_eq!(j.member("a").unwrap().0, 2);
        let c = j.get("b").unwrap().get("c").unwrap();
        assert_eq!(c.line, 4);
        assert_eq!(c.items()[0].as_bool(), Some(true));
        assert_eq!(c.items()[2].as_str(), Some("xé😀"));
        assert_eq!(
            j.get("d").unwrap().value,
            JsonValue::Number("-1.5e3".into())
        );
        assert!(j.get("b").unwrap().truthy());
    }

    #[test]
    fn agrees_with_serde_json_on_real_shapes() {
        let text = r#"{"x": [1, 2, {"y": "z"}], "e": {}, "f": [], "g": "\"\\/\n"}"#;
        let ours = parse(text).unwrap();
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours.get("g").unwrap().as_str(), theirs["g"].as_str());
        assert_eq!(ours.get("x").unwrap().items().len(), 3);
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("{\n  \"a\": 1,\n  \"b\": [1, 2\n").unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("end of input"), "{e}");
        let e = parse("{\"a\": tru}").unwrap_err();
        assert_eq!((e.line, e.col), (1, 7));
        assert!(parse("{\"a\": 1,}").is_err());
        assert!(parse("[01]").is_err());
        assert!(parse("{} x").is_err());
        assert!(parse("").is_err());
        let deep = "[".repeat(600) + &"]".repeat(600);
        assert!(parse(&deep).unwrap_err().message.contains("deep"));
    }

    #[test]
    fn a_backslash_before_a_multibyte_char_is_an_error_not_a_panic() {
        for text in [
            "{\"a\": \"\\\u{e9}\"}",
            "{\"a\": \"\\u00\u{e9}\"}",
            "{\"a\": \"\\u\u{e9}\u{e9}\"}",
            "{\"a\": \"\\ud83d\\u\u{e9}\u{e9}\"}",
            "[\"\u{e9}\u{e9}\\\u{1f600}\"]",
            "\u{e9}",
            "[1\u{e9}]",
            "{\"\u{e9}\": t\u{e9}}",
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.line == 1 && e.col >= 1, "{text}: {e}");
        }
        let e = parse("{\"k\":\n \"\u{e9}\\\u{e9}\"}").unwrap_err();
        assert_eq!(
            (e.line, e.col, e.message.as_str()),
            (2, 5, "invalid escape")
        );
        assert!(
            parse("\"\\u+abc\"").is_err(),
            "u32 parsing's `+` is not hex"
        );
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        for open in ["[", "{\"a\":"] {
            let deep = open.repeat(100_000);
            let e = parse(&deep).unwrap_err();
            assert!(e.message.contains("deep"), "{e}");
        }
    }
}
