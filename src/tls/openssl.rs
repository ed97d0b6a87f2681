//! OpenSSL cipher strings (`ssl_ciphers` in nginx, `-cipher` in s_server):
//! evaluated the way OpenSSL's `ssl_create_cipher_list` does — aliases and
//! exact names, `+`-joined conjunctions, the `!` (kill), `-` (delete), `+`
//! (move to end) prefixes, a leading `DEFAULT`, `@STRENGTH` and
//! `@SECLEVEL=n` — against the full suite table, including the suites modern
//! OpenSSL builds leave out (so a string that asks for RC4 is seen to ask for
//! it even where the local library could not serve it). TLS 1.3 suites are
//! not governed by cipher strings and never appear. Evaluates; never judges.

use crate::tls::suites::{Au, Enc, Kx, Level, Mac, MinVersion, SUITES, Suite};

/// What a cipher string admits, in OpenSSL's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CipherList {
    pub suites: Vec<&'static Suite>,
    /// Words OpenSSL would ignore (unknown aliases or names).
    pub unknown: Vec<String>,
    pub seclevel: Option<u8>,
}

/// The expansion of `DEFAULT` (OpenSSL ≥ 1.1.0).
pub const DEFAULT_RULES: &str = "ALL:!COMPLEMENTOFDEFAULT:!eNULL";

/// An alias as a predicate on suites; `None` for an unknown word.
fn alias(word: &str) -> Option<fn(&Suite) -> bool> {
    let f: fn(&Suite) -> bool = match word {
        "ALL" => |s| s.enc != Enc::Null,
        "COMPLEMENTOFALL" => |s| s.enc == Enc::Null,
        "COMPLEMENTOFDEFAULT" => |s| s.not_default() && s.enc != Enc::Null,
        "HIGH" => |s| s.level() == Level::High,
        "MEDIUM" => |s| s.level() == Level::Medium,
        "LOW" => |s| s.level() == Level::Low,
        "EXPORT" | "EXP" => |s| s.level() == Level::Export,
        "EXPORT40" => |s| s.is_export() && s.bits() == 40,
        "EXPORT56" => |s| s.is_export() && s.bits() == 56,
        "kRSA" => |s| s.kx == Kx::Rsa,
        "aRSA" => |s| s.au == Au::Rsa,
        "RSA" => |s| s.kx == Kx::Rsa && s.au == Au::Rsa,
        "kDHE" | "kEDH" | "DH" => |s| s.kx == Kx::Dhe,
        "DHE" | "EDH" => |s| s.kx == Kx::Dhe && s.au != Au::Null,
        "kECDHE" | "kEECDH" | "ECDH" => |s| s.kx == Kx::Ecdhe,
        "ECDHE" | "EECDH" => |s| s.kx == Kx::Ecdhe && s.au != Au::Null,
        "kDH" | "kDHr" | "kDHd" => |s| s.kx == Kx::Dh,
        "kECDH" | "kECDHr" | "kECDHe" => |s| s.kx == Kx::Ecdh,
        "aDH" => |s| s.au == Au::Dh,
        "aECDH" => |s| s.au == Au::Ecdh,
        "ADH" => |s| s.kx == Kx::Dhe && s.au == Au::Null,
        "AECDH" => |s| s.kx == Kx::Ecdhe && s.au == Au::Null,
        "aNULL" => |s| s.au == Au::Null,
        "aDSS" | "DSS" => |s| s.au == Au::Dss,
        "aECDSA" | "ECDSA" => |s| s.au == Au::Ecdsa,
        "kPSK" => |s| s.kx == Kx::Psk,
        "kRSAPSK" => |s| s.kx == Kx::RsaPsk,
        "kECDHEPSK" => |s| s.kx == Kx::EcdhePsk,
        "kDHEPSK" => |s| s.kx == Kx::DhePsk,
        "PSK" => |s| matches!(s.kx, Kx::Psk | Kx::RsaPsk | Kx::EcdhePsk | Kx::DhePsk),
        "aPSK" => |s| s.au == Au::Psk,
        "kSRP" | "SRP" => |s| s.kx == Kx::Srp,
        "aSRP" => |s| s.au == Au::Srp,
        "NULL" | "eNULL" => |s| s.enc == Enc::Null,
        "3DES" => |s| s.enc == Enc::TripleDes,
        "DES" => |s| matches!(s.enc, Enc::Des | Enc::Des40),
        "RC4" => |s| matches!(s.enc, Enc::Rc4 | Enc::Rc4_40 | Enc::Rc4_56),
        "RC2" => |s| s.enc == Enc::Rc2_40,
        "IDEA" => |s| s.enc == Enc::Idea,
        "SEED" => |s| s.enc == Enc::Seed,
        "AES128" => |s| {
            matches!(
                s.enc,
                Enc::Aes128 | Enc::Aes128Gcm | Enc::Aes128Ccm | Enc::Aes128Ccm8
            )
        },
        "AES256" => |s| {
            matches!(
                s.enc,
                Enc::Aes256 | Enc::Aes256Gcm | Enc::Aes256Ccm | Enc::Aes256Ccm8
            )
        },
        "AES" => |s| {
            matches!(
                s.enc,
                Enc::Aes128
                    | Enc::Aes128Gcm
                    | Enc::Aes128Ccm
                    | Enc::Aes128Ccm8
                    | Enc::Aes256
                    | Enc::Aes256Gcm
                    | Enc::Aes256Ccm
                    | Enc::Aes256Ccm8
            )
        },
        "AESGCM" => |s| matches!(s.enc, Enc::Aes128Gcm | Enc::Aes256Gcm),
        "AESCCM" => |s| {
            matches!(
                s.enc,
                Enc::Aes128Ccm | Enc::Aes256Ccm | Enc::Aes128Ccm8 | Enc::Aes256Ccm8
            )
        },
        "AESCCM8" => |s| matches!(s.enc, Enc::Aes128Ccm8 | Enc::Aes256Ccm8),
        "CAMELLIA128" => |s| s.enc == Enc::Camellia128,
        "CAMELLIA256" => |s| s.enc == Enc::Camellia256,
        "CAMELLIA" => |s| matches!(s.enc, Enc::Camellia128 | Enc::Camellia256),
        "CHACHA20" => |s| s.enc == Enc::Chacha20,
        "ARIA" | "ARIAGCM" => |s| matches!(s.enc, Enc::Aria128Gcm | Enc::Aria256Gcm),
        "ARIA128" => |s| s.enc == Enc::Aria128Gcm,
        "ARIA256" => |s| s.enc == Enc::Aria256Gcm,
        "CBC" => |s| s.enc.is_cbc(),
        "MD5" => |s| s.mac == Mac::Md5,
        "SHA1" | "SHA" => |s| s.mac == Mac::Sha1,
        "SHA256" => |s| s.mac == Mac::Sha256,
        "SHA384" => |s| s.mac == Mac::Sha384,
        "SSLv3" => |s| s.min == MinVersion::Ssl3,
        "TLSv1" | "TLSv1.0" => |s| s.min == MinVersion::Tls1,
        "TLSv1.2" => |s| s.min == MinVersion::Tls12,
        _ => return None,
    };
    Some(f)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Delete,
    Kill,
    MoveToEnd,
}

struct State {
    /// Indexes into the pool, in list order; killed suites are gone.
    order: Vec<usize>,
    active: Vec<bool>,
    pool: Vec<&'static Suite>,
}

impl State {
    fn new() -> State {
        let mut pool: Vec<&'static Suite> = SUITES.iter().filter(|s| !s.is_tls13()).collect();
        // OpenSSL's starting order: forward-secret first, then by strength,
        // AEAD before CBC; stable, so the table's order breaks ties.
        pool.sort_by_key(|s| {
            (
                !matches!(s.kx, Kx::Ecdhe),
                !s.forward_secret(),
                std::cmp::Reverse(s.bits()),
                !s.enc.is_aead(),
            )
        });
        State {
            order: (0..pool.len()).collect(),
            active: vec![false; pool.len()],
            pool,
        }
    }

    fn apply(&mut self, op: Op, pred: &dyn Fn(&Suite) -> bool) {
        let matching: Vec<usize> = self
            .order
            .iter()
            .copied()
            .filter(|&i| pred(self.pool[i]))
            .collect();
        for i in matching {
            match op {
                Op::Add => {
                    if !self.active[i] {
                        self.active[i] = true;
                        self.order.retain(|&x| x != i);
                        self.order.push(i);
                    }
                }
                Op::MoveToEnd => {
                    if self.active[i] {
                        self.order.retain(|&x| x != i);
                        self.order.push(i);
                    }
                }
                Op::Delete => {
                    if self.active[i] {
                        self.active[i] = false;
                        self.order.retain(|&x| x != i);
                        self.order.insert(0, i);
                    }
                }
                Op::Kill => {
                    self.active[i] = false;
                    self.order.retain(|&x| x != i);
                }
            }
        }
    }

    fn sort_by_strength(&mut self) {
        let pool = &self.pool;
        self.order
            .sort_by_key(|&i| std::cmp::Reverse(pool[i].bits()));
    }
}

/// Evaluates a cipher string.
pub fn evaluate(spec: &str) -> CipherList {
    let mut st = State::new();
    let mut unknown = Vec::new();
    let mut seclevel = None;
    let spec = spec.trim();
    let rest = match spec.strip_prefix("DEFAULT") {
        Some(r) if r.is_empty() || r.starts_with([':', ' ', ',', ';']) => {
            run(&mut st, DEFAULT_RULES, &mut unknown, &mut seclevel);
            r
        }
        _ => spec,
    };
    run(&mut st, rest, &mut unknown, &mut seclevel);
    CipherList {
        suites: st
            .order
            .iter()
            .filter(|&&i| st.active[i])
            .map(|&i| st.pool[i])
            .collect(),
        unknown,
        seclevel,
    }
}

fn run(st: &mut State, spec: &str, unknown: &mut Vec<String>, seclevel: &mut Option<u8>) {
    for item in spec
        .split([':', ' ', ',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if let Some(cmd) = item.strip_prefix('@') {
            if cmd == "STRENGTH" {
                st.sort_by_strength();
            } else if let Some(n) = cmd.strip_prefix("SECLEVEL=") {
                match n.parse() {
                    Ok(n) => *seclevel = Some(n),
                    Err(_) => unknown.push(item.to_string()),
                }
            } else {
                unknown.push(item.to_string());
            }
            continue;
        }
        let (op, body) = match item.as_bytes()[0] {
            b'!' => (Op::Kill, &item[1..]),
            b'-' => (Op::Delete, &item[1..]),
            b'+' => (Op::MoveToEnd, &item[1..]),
            _ => (Op::Add, item),
        };
        // An exact suite name on its own.
        if !body.contains('+')
            && let Some(s) = crate::tls::suites::by_name(body).filter(|s| !s.is_tls13())
        {
            let id = s.id;
            st.apply(op, &move |x: &Suite| x.id == id);
            continue;
        }
        let mut preds = Vec::new();
        let mut ok = true;
        for part in body.split('+') {
            match alias(part) {
                Some(p) => preds.push(p),
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if !ok || preds.is_empty() {
            unknown.push(item.to_string());
            continue;
        }
        st.apply(op, &move |s: &Suite| preds.iter().all(|p| p(s)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(spec: &str) -> Vec<&'static str> {
        evaluate(spec).suites.iter().map(|s| s.openssl).collect()
    }

    #[test]
    fn cht_string_is_all_ecdhe_dhe_aead() {
        let l = evaluate(
            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305",
        );
        assert_eq!(l.suites.len(), 9);
        assert_eq!(l.suites[0].openssl, "ECDHE-ECDSA-AES128-GCM-SHA256");
        assert!(l.suites.iter().all(|s| s.weaknesses().is_empty()));
    }

    #[test]
    fn kill_delete_and_readd() {
        assert!(
            names("HIGH:!aNULL:!MD5")
                .iter()
                .all(|n| !n.starts_with("ADH"))
        );
        assert!(!names("HIGH:!aNULL").contains(&"DES-CBC3-SHA"));
        assert!(names("ALL").contains(&"DES-CBC3-SHA"));
        assert!(names("ALL").contains(&"ADH-AES128-SHA"));
        assert!(!names("ALL").contains(&"NULL-SHA"));
        // `-` deletes but allows re-adding; `!` kills for good.
        assert!(names("ALL:-RC4:RC4").contains(&"RC4-SHA"));
        assert!(!names("ALL:!RC4:RC4").contains(&"RC4-SHA"));
        assert!(
            names("ECDHE+AESGCM")
                .iter()
                .all(|n| n.starts_with("ECDHE-"))
        );
        assert!(
            names("DEFAULT")
                .iter()
                .all(|n| !n.contains("RC4") && !n.contains("CBC3"))
        );
        // DEFAULT kills what it leaves out: it cannot be added back.
        assert!(!names("DEFAULT:3DES").contains(&"DES-CBC3-SHA"));
        let l = evaluate("HIGH:FOO:@SECLEVEL=0");
        assert_eq!(l.unknown, vec!["FOO"]);
        assert_eq!(l.seclevel, Some(0));
        // `+` moves to the end.
        let n = names("AES128-SHA:AES256-SHA:+AES128-SHA");
        assert_eq!(n, vec!["AES256-SHA", "AES128-SHA"]);
        let n = names("AES128-SHA:AES256-SHA:@STRENGTH");
        assert_eq!(n, vec!["AES256-SHA", "AES128-SHA"]);
        assert!(names("EXPORT").iter().all(|n| n.starts_with("EXP")));
        assert!(names("TLS_AES_128_GCM_SHA256").is_empty());
    }
}
