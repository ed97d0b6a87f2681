//! CHT users CSV files (`users.csv`, read by `cht-conf upload-users` and the
//! admin app's bulk import): the header's column names (`contact:person WHERE
//! ...` is column `contact`), and per row the columns rules judge, each with
//! its 1-based line. Passwords are kept as [`Secret`]. Parses only.

use crate::secret::Secret;

#[derive(Clone, Debug, PartialEq)]
pub struct UsersCsv {
    /// Column names as CHT reads them: the part before any `:`, lower-cased.
    pub columns: Vec<String>,
    pub rows: Vec<UserRow>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UserRow {
    pub line: u32,
    pub username: String,
    /// `None` when the file has no `password` column.
    pub password: Option<Secret>,
    pub phone: Option<String>,
    /// The `token_login` cell as written.
    pub token_login: Option<String>,
}

impl UsersCsv {
    pub fn has_column(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c == name)
    }
}

impl UserRow {
    /// Whether the `token_login` cell enables token login (cht-conf reads
    /// booleans as `true`/`TRUE`/`yes`/`1`).
    pub fn token_login_enabled(&self) -> bool {
        self.token_login.as_deref().is_some_and(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "true" | "yes" | "1" | "y"
            )
        })
    }
}

/// Line numbers of byte offsets, counted incrementally: offsets asked for in
/// increasing order cost one pass over the text in all (the reader's own line
/// count skips blank lines, so it cannot be used).
struct Lines<'a> {
    bytes: &'a [u8],
    /// Newlines before `pos`.
    counted: u32,
    pos: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        Lines {
            bytes: text.as_bytes(),
            counted: 0,
            pos: 0,
        }
    }

    fn line_at(&mut self, byte: u64) -> u32 {
        // A record's offset may fall on the blank lines before it.
        let mut end = (byte as usize).min(self.bytes.len());
        while end < self.bytes.len() && matches!(self.bytes[end], b'\n' | b'\r') {
            end += 1;
        }
        if end < self.pos {
            // Out of order (never, for a reader): count from the start.
            self.counted = 0;
            self.pos = 0;
        }
        self.counted += self.bytes[self.pos..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u32;
        self.pos = end;
        self.counted + 1
    }
}

fn column_name(cell: &str) -> String {
    cell.split(':')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a CSV header is a CHT users file's: it has a `username` column.
pub fn is_users_header(text: &str) -> bool {
    let first = text.lines().next().unwrap_or_default();
    first
        .split(',')
        .any(|c| column_name(c.trim_matches('"')) == "username")
}

thread_local! {
    /// The CSV reader of this thread, built once and reset for each file:
    /// building one (its transition table) cost more than reading a
    /// typical users file. (Not cloned: csv-core's clone of a reader
    /// copies only part of its table.)
    static CORE: std::cell::RefCell<csv_core::Reader> =
        std::cell::RefCell::new(csv_core::ReaderBuilder::new().build());
}

/// One record's fields (`ends[i]` is where field `i` ends in `out`).
#[derive(Default)]
struct Record {
    out: Vec<u8>,
    ends: Vec<usize>,
    len: usize,
}

impl Record {
    fn field(&self, i: usize) -> Option<&str> {
        if i >= self.len {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        std::str::from_utf8(&self.out[start..self.ends[i]]).ok()
    }

    fn fields(&self) -> impl Iterator<Item = Option<&str>> {
        (0..self.len).map(|i| self.field(i))
    }
}

/// Reads the next record of `bytes` from `*pos` (as the csv crate's reader
/// does, without its buffered reader): `false` at the end of the input.
fn next_record(
    core: &mut csv_core::Reader,
    bytes: &[u8],
    pos: &mut usize,
    rec: &mut Record,
) -> bool {
    use csv_core::ReadRecordResult;
    if rec.out.is_empty() {
        rec.out.resize(256, 0);
        rec.ends.resize(16, 0);
    }
    let (mut outlen, mut endlen) = (0, 0);
    loop {
        let (res, nin, nout, nend) = core.read_record(
            &bytes[*pos..],
            &mut rec.out[outlen..],
            &mut rec.ends[endlen..],
        );
        *pos += nin;
        outlen += nout;
        endlen += nend;
        match res {
            ReadRecordResult::InputEmpty => {}
            ReadRecordResult::OutputFull => {
                let n = rec.out.len() * 2;
                rec.out.resize(n, 0);
            }
            ReadRecordResult::OutputEndsFull => {
                let n = rec.ends.len() * 2;
                rec.ends.resize(n, 0);
            }
            ReadRecordResult::Record => {
                rec.len = endlen;
                return true;
            }
            ReadRecordResult::End => {
                rec.len = 0;
                return false;
            }
        }
    }
}

/// The common case, read with this thread's [`CORE`] reader: `None` when
/// the file is irregular (a record whose field count differs from the
/// header's, a field that is not UTF-8), which the csv crate's reader then
/// reads to give its exact error.
fn parse_fast(text: &str) -> Option<Result<UsersCsv, String>> {
    CORE.with(|core| {
        let mut core = core.borrow_mut();
        core.reset();
        parse_with(&mut core, text)
    })
}

/// Where CHT's columns are in a users file, and how a record becomes a row
/// (one place for both readers).
struct Columns {
    user: Option<usize>,
    pass: Option<usize>,
    phone: Option<usize>,
    token: Option<usize>,
}

impl Columns {
    fn of(columns: &[String]) -> Columns {
        let index = |name: &str| columns.iter().position(|c| c == name);
        Columns {
            user: index("username"),
            pass: index("password"),
            phone: index("phone"),
            token: index("token_login"),
        }
    }

    fn row<'r>(&self, line: u32, field: impl Fn(usize) -> Option<&'r str>) -> UserRow {
        let cell = |i: Option<usize>| i.and_then(&field).map(str::to_string);
        UserRow {
            line,
            username: cell(self.user).unwrap_or_default(),
            password: cell(self.pass).map(Secret::new),
            phone: cell(self.phone),
            token_login: cell(self.token),
        }
    }
}

fn parse_with(core: &mut csv_core::Reader, text: &str) -> Option<Result<UsersCsv, String>> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut rec = Record::default();
    next_record(core, bytes, &mut pos, &mut rec);
    let columns: Vec<String> = rec
        .fields()
        .map(|c| c.map(column_name))
        .collect::<Option<_>>()?;
    if !columns.iter().any(|c| c == "username") {
        return Some(Err("line 1: no `username` column".to_string()));
    }
    let at = Columns::of(&columns);
    let mut rows = Vec::new();
    let mut lines = Lines::new(text);
    loop {
        let start = pos;
        if !next_record(core, bytes, &mut pos, &mut rec) {
            break;
        }
        if rec.len != columns.len() {
            return None;
        }
        let mut blank = true;
        for c in rec.fields() {
            blank &= c?.trim().is_empty();
        }
        // The byte offset is exact; the reader's line count skips blank lines.
        let line = lines.line_at(start as u64);
        if blank {
            continue;
        }
        rows.push(at.row(line, |i| rec.field(i)));
    }
    // Kept for the whole scan: at its size.
    rows.shrink_to_fit();
    Some(Ok(UsersCsv { columns, rows }))
}

pub fn parse(text: &str) -> Result<UsersCsv, String> {
    match parse_fast(text) {
        Some(parsed) => parsed,
        None => parse_with_csv(text),
    }
}

/// The csv crate's reader (its own transition table per file): irregular
/// files only, for its error messages.
fn parse_with_csv(text: &str) -> Result<UsersCsv, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("CSV error in the header: {e}"))?
        .clone();
    let columns: Vec<String> = headers.iter().map(column_name).collect();
    if !columns.iter().any(|c| c == "username") {
        return Err("line 1: no `username` column".to_string());
    }
    let at = Columns::of(&columns);
    let mut rows = Vec::new();
    let mut lines = Lines::new(text);
    for record in reader.records() {
        let record = record.map_err(|e| match e.position() {
            Some(p) => format!("line {}: {e}", lines.line_at(p.byte())),
            None => e.to_string(),
        })?;
        // The byte offset is exact; the reader's line count skips blank lines.
        let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(at.row(line, |i| record.get(i)));
    }
    rows.shrink_to_fit();
    Ok(UsersCsv { columns, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cht_users_csv() {
        let text = "username,password,roles,phone,token_login:bool,contact:person WHERE reference_id=COL_VAL\nana,S3cret_pass,chw,+254700000001,,p1\n\nbo,,chw,,TRUE,p2\n\"cy\",\"\",chw,\"\",true,p3\n";
        let f = parse(text).unwrap();
        assert!(f.has_column("contact") && f.has_column("token_login"));
        assert_eq!(f.rows.len(), 3);
        assert_eq!(f.rows[0].line, 2);
        assert_eq!(f.rows[0].password.as_ref().unwrap().expose(), "S3cret_pass");
        assert_eq!(f.rows[1].line, 4);
        assert!(f.rows[1].token_login_enabled());
        assert_eq!(f.rows[2].username, "cy");
        assert!(is_users_header(text));
        assert!(!is_users_header("a,b\n"));
    }

    #[test]
    fn errors() {
        assert!(parse("name,x\n1,2\n").is_err());
        let e = parse("username,password\na,b\nc,d,e\n").unwrap_err();
        assert!(e.contains("line 3"), "{e}");
    }

    #[test]
    fn the_shared_reader_reads_as_the_csv_crate_does() {
        let texts = [
            "username,password\na,b\n",
            "username,password\r\na,b\r\n\r\nc,d",
            "username,password,phone\n\n\n\"a\nb\",\"p,\"\"q\",1\n,,\n  , ,\nz,y,x\n",
            "",
            "\n\n",
            "password\nx\n",
            "Username:string , Password\n\"\",\"\"\n",
            "username,password\na,b\nc\n",
            "username,password\na,b,c\n",
            "username,password\n\"unterminated,b\n",
            "username\u{e9},password\n\u{e9}\u{e9},\u{1f600}\n",
        ];
        for text in texts {
            assert_eq!(parse(text), parse_with_csv(text), "{text:?}");
        }
        // Past the first buffers' sizes: a long field, many fields.
        let long = format!(
            "username,password\n{},\"{}\"\n",
            "u".repeat(5000),
            "p,".repeat(40)
        );
        let wide = format!("username{}\na{}\n", ",c".repeat(40), ",x".repeat(40));
        for text in [long, wide] {
            let f = parse(&text).unwrap();
            assert_eq!(f.rows.len(), 1);
            assert_eq!(Ok(f), parse_with_csv(&text));
        }
        assert!(parse_fast("username,password\na,b,c\n").is_none());
    }

    #[test]
    fn lines_are_counted_once_and_stay_exact() {
        let mut text = String::from("username,password\n");
        for i in 0..3000 {
            text.push_str(&format!("u{i},p\n"));
            if i % 7 == 0 {
                text.push_str("\n\r\n");
            }
        }
        let f = parse(&text).unwrap();
        assert_eq!(f.rows.len(), 3000);
        let mut want = 2u32;
        for (i, row) in f.rows.iter().enumerate() {
            assert_eq!(row.line, want, "row {i}");
            want += if i % 7 == 0 { 3 } else { 1 };
        }
        let mut l = Lines::new("a\nb\nc\n");
        assert_eq!((l.line_at(4), l.line_at(0), l.line_at(2)), (3, 1, 2));
    }
}
