#![no_main]
//! CHT users CSV: no panic, bounded output, no cell value in any error.

use libfuzzer_sys::fuzz_target;
use rampart::facts::users_csv;
use rampart_fuzz::*;

fn run(text: &str) {
    let _ = users_csv::is_users_header(text);
    match users_csv::parse(text) {
        Ok(u) => {
            check_bounded("users csv", text.len(), &u);
            let _ = u.has_column("password");
            for r in &u.rows {
                let _ = r.token_login_enabled();
            }
        }
        Err(e) => check_message("users csv", &e),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    run(text);
    if plantable(text) {
        // Values only: never the header row (column names are keys).
        let (head, rest) = text.split_once('\n').unwrap_or((text, ""));
        planted(|| run(&format!("{head}\n{}", plant_after(rest, &[','], |_| true))));
    }
});
