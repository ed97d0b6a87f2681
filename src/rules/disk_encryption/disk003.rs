//! DISK-003 swap-unencrypted: an active swap area (`/proc/swaps`; offline,
//! fstab's swap entries) is not on dm-crypt. A crypttab swap mapping with a
//! random key each boot is encrypted; zram is memory.

use crate::facts::blockdev::{Backing, Storage};
use crate::outcome::{Judgement, Outcome, not_evaluated};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let s = ctx.facts.get::<Storage>();
    let target = ctx.target();
    let swaps = match &s.swaps {
        Ok(list) => list,
        Err(why) => return not_evaluated(why.clone()),
    };
    let mut j = Judgement::new();
    for sw in swaps {
        let loc = target.location(&sw.rel).with_line(sw.line);
        match &sw.backing {
            Backing::Encrypted(how) | Backing::Memory(how) => {
                j.checked(format!("{}: {how}", sw.path))
            }
            Backing::Plain(how) => {
                j.fail(
                    sw.path.clone(),
                    format!(
                        "Swap area {} is not encrypted: {how}. The kernel writes memory pages there — CouchDB documents, session cookies, passwords — and they stay on the disk; encrypt it (crypttab with a random key, or swap inside the LUKS volume).",
                        sw.path
                    ),
                )
                .at(loc)
                .evidence("swap", sw.path.clone())
                .evidence("chain", how.clone());
            }
            Backing::Unknown(why) => {
                j.not_evaluated(sw.path.clone(), format!("{}: {why}", sw.path))
                    .at(loc);
            }
        }
    }
    j.finish(
        "Every swap area is encrypted (or in memory).",
        "no swap area in use",
    )
}
