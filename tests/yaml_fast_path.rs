//! The block-YAML fast path (`yaml::parse_block`) against saphyr-parser
//! (`yaml::parse_with_saphyr`): wherever the fast path answers, both build
//! the same documents, lines and styles included. Checked on every YAML
//! file of the fixtures and of ../shared/cht, and on hand-written texts at
//! the edges of the subset.

mod common;

use std::path::Path;

use rampart::facts::yaml::{parse_block, parse_with_saphyr};

/// Both readers agree on `text`; true when the fast path answered.
fn agree(text: &str, what: &str) -> bool {
    let Some(fast) = parse_block(text) else {
        return false;
    };
    match parse_with_saphyr(text) {
        Ok(slow) => assert_eq!(fast, slow, "{what}: the readers differ on:\n{text}"),
        Err(e) => panic!("{what}: the fast path read what saphyr refuses ({e}):\n{text}"),
    }
    true
}

fn yaml_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(kind) = e.file_type() else { continue };
        let name = e.file_name();
        let name = name.to_str().unwrap_or("");
        if kind.is_dir() {
            yaml_files(&p, out);
        } else if kind.is_file() && (name.ends_with(".yml") || name.ends_with(".yaml")) {
            out.push(p);
        }
    }
}

fn check_files(dir: &Path) -> (usize, usize) {
    let mut files = Vec::new();
    yaml_files(dir, &mut files);
    let mut answered = 0;
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        if agree(&text, &f.display().to_string()) {
            answered += 1;
        } else if std::env::var_os("RAMPART_YAML_LIST").is_some() {
            eprintln!("left to saphyr-parser: {}", f.display());
        }
    }
    (answered, files.len())
}

#[test]
fn fixtures_read_the_same() {
    let (answered, total) = check_files(&common::fixtures());
    eprintln!("fixtures: the fast path read {answered} of {total} YAML files");
    assert!(total > 50 && answered * 2 > total, "{answered} of {total}");
}

#[test]
fn cht_files_read_the_same() {
    let cht = common::repo().join("../shared/cht");
    if !cht.is_dir() {
        assert!(
            std::env::var("RAMPART_REQUIRE_PEERS").as_deref() != Ok("1"),
            "../shared/cht must be beside the checkout (RAMPART_REQUIRE_PEERS=1)"
        );
        eprintln!("note: ../shared/cht (the optional CHT corpus) is not here; skipping");
        return;
    }
    let (answered, total) = check_files(&cht);
    eprintln!("../shared/cht: the fast path read {answered} of {total} YAML files");
    assert!(total > 0);
}

/// More trees to check, by hand: `RAMPART_YAML_CORPUS=dir1:dir2 cargo test
/// --test yaml_fast_path corpus -- --nocapture` (a fetched repository, a
/// fleet's deployment tree).
#[test]
fn corpus_reads_the_same() {
    let Some(dirs) = std::env::var_os("RAMPART_YAML_CORPUS") else {
        return;
    };
    for dir in std::env::split_paths(&dirs) {
        let (answered, total) = check_files(&dir);
        eprintln!(
            "{}: the fast path read {answered} of {total} YAML files",
            dir.display()
        );
    }
}

/// Texts at the subset's edges: each either read the same by both, or
/// left to saphyr (`false`) as stated.
#[test]
fn edges_of_the_subset() {
    let cases: &[(&str, bool)] = &[
        ("a: 1\nb:\n  - x\n  -\n  - k: v\n    j:\n# c\nd:\n", true),
        ("a:\n- x\n- y\nb: 2\n", true),
        ("- a: 1\n  b: 2\n- c\n-\n- - x\n", false),
        ("- a: 1\n  b: 2\n- c\n-\n", true),
        (
            "k: v # comment\nq: v#not\nr: 'it''s' # c\ns: \"a # b\"\n",
            true,
        ),
        ("'quoted key': 1\n\"dq\" : 2\nplain key  : 3\n", true),
        ("a: b: c\n", false),
        ("a: value\n  continued\n", false),
        ("a: 'two\n  lines'\n", false),
        ("a: \"esc\\n\"\n", false),
        ("a: [1, 2]\n", true),
        (
            "a: [\"80:80\", '443:443', x y ] # c\nb: []\nc: {}\nd: { }\n- [a]\n",
            false,
        ),
        (
            "a: [\"80:80\", '443:443', x.y ] # c\nb: []\nc: {}\nd: { }\ne:\n  - [a]\n",
            true,
        ),
        ("a: [a, ]\n", false),
        ("a: [x y]\n", false),
        ("a: [\"\", e\"-r -,. \"\"]\n", false),
        ("a: [a:b]\n", false),
        ("a: [[a]]\n", false),
        ("a: [a, b\n  c]\n", false),
        ("a: [a]x\n", false),
        ("a: {b: 1}\n", false),
        ("a: &x 1\nb: *x\n", false),
        ("a: !!str 1\n", false),
        ("a: |\n  text\n", false),
        ("a: >-\n  text\n", false),
        ("a:\ttab\n", false),
        ("a: caf\u{e9}\n", false),
        ("? complex\n: value\n", false),
        ("%YAML 1.2\n---\na: 1\n", false),
        ("---\na: 1\n---\nb: 2\n", true),
        ("--- # first\na: 1\n...\n", false),
        ("a: 1\n---\n", false),
        ("", false),
        ("# only a comment\n", false),
        ("just a scalar\n", false),
        ("a: 1\n- x\n", false),
        ("a:\n  b: 1\n c: 2\n", false),
        ("a:\n  - x\n  b: 1\n", false),
        ("a: -1\nb: :x\nc: ?x\nd: ---\ne: a:b\nf: ~\ng: null\n", true),
        ("a: - x\n", false),
        ("a:b: c\n", true),
        ("-a: 1\n", true),
        ("a: 1\r\nb: 2\r\n", false),
        ("  a: 1\n  b: 2\n", true),
        ("a: 1\nb: 2\na: 3\n", true),
        ("<<: *base\n", false),
        ("a: @x\n", false),
        ("a: `x`\n", false),
        ("a: \"x\"y\n", false),
        ("a: 'x'#c\n", false),
        ("\"a\":b\n", false),
        ("a:\n  -\n  - b\n", true),
        ("a:\n\n  b: 1\n\n\nc:\n", true),
        ("- x\n  - y\n", false),
        ("a: x\n\n  y\n", false),
        ("a: x\n   # comment\nb: y\n", true),
        (
            "services:\n  web:\n    image: nginx:1.25\n    ports:\n      - \"80:80\"\n      - 443:443\n",
            true,
        ),
    ];
    for (text, read) in cases {
        assert_eq!(
            agree(text, "case"),
            *read,
            "the fast path {} {text:?}",
            if *read { "left to saphyr" } else { "read" }
        );
    }
}
