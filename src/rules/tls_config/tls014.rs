//! TLS-014 self-signed-certificate-mode: CHT's nginx runs with
//! `CERTIFICATE_MODE=SELF_SIGNED`, explicitly or because the instance leaves
//! it unset (CHT's default): browsers and the Android app refuse or warn,
//! and users learn to click through certificate warnings.

use crate::facts::Kind;
use crate::facts::cht_settings::ChtSettings;
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::rules::password_policy::each_setting;

/// The modes CHT's nginx image knows (cht-core `nginx/entrypoint.sh`).
const GOOD_MODES: [&str; 2] = ["OWN_CERT", "AUTO_GENERATE"];

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let settings = ctx.facts.get::<ChtSettings>();
    let mut j = Judgement::new();
    each_setting(
        ctx,
        &settings,
        &mut j,
        &["CERTIFICATE_MODE"],
        &[Kind::DotEnv, Kind::Compose],
        |_| true,
        |j, s, value, loc| {
            let mode = value.expose().trim().to_ascii_uppercase();
            if GOOD_MODES.contains(&mode.as_str()) {
                j.checked(format!("{}: CERTIFICATE_MODE={mode}", loc.path));
                return;
            }
            let message = if mode.is_empty() || mode == "SELF_SIGNED" {
                if s.defaulted() {
                    format!(
                        "CERTIFICATE_MODE is not set ({}), so CHT's nginx falls back to SELF_SIGNED: clients get a certificate nobody vouches for. Set CERTIFICATE_MODE=OWN_CERT (your certificate) or AUTO_GENERATE (Let's Encrypt).",
                        s.context()
                    )
                } else {
                    format!(
                        "CERTIFICATE_MODE is SELF_SIGNED ({}): clients get a certificate nobody vouches for. Use OWN_CERT or AUTO_GENERATE.",
                        s.context()
                    )
                }
            } else {
                format!(
                    "CERTIFICATE_MODE is {mode:?} ({}), which CHT's nginx does not know; use OWN_CERT or AUTO_GENERATE.",
                    s.context()
                )
            };
            j.fail(s.logical_key(), message)
                .at(loc)
                .evidence(
                    "certificate_mode",
                    if mode.is_empty() {
                        "(empty)".to_string()
                    } else {
                        mode
                    },
                )
                .evidence("defaulted", s.defaulted())
                .evidence("source", s.context());
        },
    );
    j.finish(
        "CHT's nginx uses a real certificate (OWN_CERT or AUTO_GENERATE).",
        "no CHT nginx service or CHT instance .env in the files",
    )
}
