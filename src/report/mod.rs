//! Reports: the only code that writes results. Each format has its own wire
//! types (versioned, never a dump of internal structs) built from the
//! engine's `Report`.

pub mod baseline;
pub mod bound;
pub mod escape;
pub mod fleet;
pub mod github;
pub mod html;
pub mod json;
pub mod rebuild;
pub mod sarif;
pub mod summary;
pub mod text;
pub mod wire;

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…`): annotations
    /// without GitHub Advanced Security.
    Github,
    Html,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Html => "html",
        })
    }
}
