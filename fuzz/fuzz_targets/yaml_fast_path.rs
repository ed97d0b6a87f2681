#![no_main]
//! The block-YAML fast path against saphyr-parser: wherever the fast path
//! answers, saphyr-parser reads the same text and builds the same
//! documents (lines and styles included).

use libfuzzer_sys::fuzz_target;
use rampart::facts::yaml;
use rampart_fuzz::*;

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    let Some(fast) = yaml::parse_block(text) else {
        return;
    };
    match yaml::parse_with_saphyr(text) {
        Ok(slow) => assert_eq!(fast, slow, "the readers differ on {text:?}"),
        Err(e) => panic!("the fast path read what saphyr-parser refuses ({e}): {text:?}"),
    }
});
