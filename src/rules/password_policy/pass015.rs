//! PASS-015 plaintext-user-passwords-file: a CHT users CSV holds passwords in
//! its `password` column: every user's initial password in a file that is
//! copied, committed and shared.

use crate::facts::{Kind, Parsed};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    super::each_parsed(ctx, &mut j, Kind::UsersCsv, |j, doc, parsed, location| {
        let Parsed::UsersCsv(csv) = parsed else {
            return;
        };
        let lines: Vec<u32> = csv
            .rows
            .iter()
            .filter(|r| {
                r.password
                    .as_ref()
                    .is_some_and(|p| !p.expose().trim().is_empty())
            })
            .map(|r| r.line)
            .collect();
        let Some(&first) = lines.first() else {
            j.checked(location.path.to_string());
            return;
        };
        j.fail(
            format!("{}#password", doc.rel),
            format!(
                "{} of {} users in this CSV have a plain-text password (first on line {first}). Import users with token login or generated passwords, and keep no passwords in files.",
                lines.len(),
                csv.rows.len()
            ),
        )
        .at(location.with_line(first))
        .evidence("users_with_password", lines.len())
        .evidence("lines", lines);
    });
    j.finish("No users CSV holds passwords.", "no CHT users CSV files")
}
