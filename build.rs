//! Embeds the rule pages (`rules/*.md`) and built-in policies (`policies/*.toml`)
//! into the binary, so `rampart explain`, SARIF help texts and `--policy NAME`
//! work from any directory. Writes only to `OUT_DIR`.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn embed(dir: &str, ext: &str, static_name: &str, out: &mut String) {
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest);
    let dir_path = root.join(dir);
    println!("cargo:rerun-if-changed={}", dir_path.display());
    let mut entries: Vec<_> = fs::read_dir(&dir_path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir_path.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    entries.sort();
    writeln!(out, "pub static {static_name}: &[(&str, &str)] = &[").expect("write to String");
    for path in entries {
        println!("cargo:rerun-if-changed={}", path.display());
        let stem = path
            .file_stem()
            .expect("file has a name")
            .to_string_lossy()
            .into_owned();
        writeln!(
            out,
            "    ({stem:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("write to String");
    }
    writeln!(out, "];").expect("write to String");
}

fn main() {
    let mut out = String::new();
    embed("rules", "md", "RULE_PAGES", &mut out);
    embed("policies", "toml", "POLICIES", &mut out);
    let dest = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    fs::write(dest, out).expect("write embedded.rs");
}
