#![no_main]
//! crypttab, fstab/`/proc/mounts`, `/proc/swaps`, the kernel command line
//! and GRUB's: no panic, bounded output, short errors.

use libfuzzer_sys::fuzz_target;
use rampart::facts::{crypttab, mounts};
use rampart_fuzz::*;

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    match crypttab::parse_crypttab(text) {
        Ok(c) => {
            check_bounded("crypttab", text.len(), &c);
            for e in &c {
                let _ = e.has_option("luks");
            }
        }
        Err(e) => check_message("crypttab", &e),
    }
    let params = crypttab::parse_cmdline(text);
    check_bounded("cmdline", text.len(), &params);
    let _ = crypttab::boot_unlock(&params);
    let grub = crypttab::grub_cmdline(text);
    assert!(grub.len() <= text.len() * 2 + 64, "grub: output grows");
    match mounts::parse_mounts(text) {
        Ok(m) => check_bounded("mounts", text.len(), &m),
        Err(e) => check_message("mounts", &e),
    }
    match mounts::parse_swaps(text) {
        Ok(s) => check_bounded("swaps", text.len(), &s),
        Err(e) => check_message("swaps", &e),
    }
    let u = mounts::unescape(text);
    assert!(u.len() <= text.len(), "unescape grows");
});
