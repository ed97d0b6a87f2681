//! The TLS probe's results as a fact. The probe itself runs in the engine
//! (`scan.rs`) on dedicated threads before the rule jobs and is handed in
//! with `Facts::provide`; collecting it here, for a target that was not
//! probed, yields a probe that says so. Never opens a socket.

use crate::facts::{Fact, Facts};
use crate::probe::TlsProbe;

impl Fact for TlsProbe {
    fn collect(_facts: &Facts) -> Self {
        TlsProbe::not_probed()
    }
}
