//! The cipher-suite table: every TLS ≤ 1.2 and TLS 1.3 suite rampart knows,
//! by IANA code point, with its IANA and OpenSSL names and its key exchange,
//! authentication, bulk cipher and MAC. The prober offers suites from it and
//! names what servers choose; the OpenSSL cipher-string evaluator matches
//! aliases against it. Data and classification only: no I/O, no verdicts.

use serde::Serialize;

/// Key exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kx {
    /// Static RSA key transport (no forward secrecy).
    Rsa,
    Dhe,
    Ecdhe,
    /// Static (fixed) Diffie-Hellman from the certificate.
    Dh,
    /// Static (fixed) ECDH from the certificate.
    Ecdh,
    Psk,
    DhePsk,
    EcdhePsk,
    RsaPsk,
    Srp,
    /// TLS 1.3: negotiated separately from the suite.
    Any,
}

/// Server authentication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Au {
    Rsa,
    Ecdsa,
    Dss,
    /// Anonymous: no authentication at all.
    Null,
    Psk,
    Srp,
    /// Fixed DH/ECDH certificates.
    Dh,
    Ecdh,
    Any,
}

/// Bulk encryption.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Enc {
    Null,
    Rc4_40,
    Rc4_56,
    Rc4,
    Rc2_40,
    Des40,
    Des,
    TripleDes,
    Idea,
    Seed,
    Aes128,
    Aes256,
    Aes128Gcm,
    Aes256Gcm,
    Aes128Ccm,
    Aes256Ccm,
    Aes128Ccm8,
    Aes256Ccm8,
    Camellia128,
    Camellia256,
    Aria128Gcm,
    Aria256Gcm,
    Chacha20,
}

impl Enc {
    /// Effective strength in bits, as OpenSSL counts it.
    pub fn bits(self) -> u32 {
        match self {
            Enc::Null => 0,
            Enc::Rc4_40 | Enc::Rc2_40 | Enc::Des40 => 40,
            Enc::Rc4_56 | Enc::Des => 56,
            Enc::TripleDes => 112,
            Enc::Rc4 | Enc::Idea | Enc::Seed => 128,
            Enc::Aes128
            | Enc::Aes128Gcm
            | Enc::Aes128Ccm
            | Enc::Aes128Ccm8
            | Enc::Camellia128
            | Enc::Aria128Gcm => 128,
            Enc::Aes256
            | Enc::Aes256Gcm
            | Enc::Aes256Ccm
            | Enc::Aes256Ccm8
            | Enc::Camellia256
            | Enc::Aria256Gcm
            | Enc::Chacha20 => 256,
        }
    }

    pub fn is_aead(self) -> bool {
        matches!(
            self,
            Enc::Aes128Gcm
                | Enc::Aes256Gcm
                | Enc::Aes128Ccm
                | Enc::Aes256Ccm
                | Enc::Aes128Ccm8
                | Enc::Aes256Ccm8
                | Enc::Aria128Gcm
                | Enc::Aria256Gcm
                | Enc::Chacha20
        )
    }

    pub fn is_cbc(self) -> bool {
        matches!(
            self,
            Enc::Rc2_40
                | Enc::Des40
                | Enc::Des
                | Enc::TripleDes
                | Enc::Idea
                | Enc::Seed
                | Enc::Aes128
                | Enc::Aes256
                | Enc::Camellia128
                | Enc::Camellia256
        )
    }

    pub fn is_export(self) -> bool {
        matches!(self, Enc::Rc4_40 | Enc::Rc4_56 | Enc::Rc2_40 | Enc::Des40)
    }
}

/// Message authentication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mac {
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Aead,
}

/// The oldest protocol a suite can be used with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum MinVersion {
    Ssl3,
    Tls1,
    Tls12,
    Tls13,
}

/// OpenSSL's strength classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// eNULL suites: no class at all.
    None,
    Export,
    Low,
    Medium,
    High,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suite {
    pub id: u16,
    pub iana: &'static str,
    pub openssl: &'static str,
    pub kx: Kx,
    pub au: Au,
    pub enc: Enc,
    pub mac: Mac,
    pub min: MinVersion,
}

/// Why an accepted suite is weak (TLS-003).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Weakness {
    /// No encryption at all.
    Null,
    /// Export-grade (40/56-bit) crypto.
    Export,
    /// No server authentication.
    Anonymous,
    Rc4,
    Des,
    TripleDes,
    /// RC2, IDEA: obsolete 64-bit block or broken ciphers.
    Obsolete,
    Md5,
    /// Key exchange without forward secrecy (static RSA/DH/ECDH, plain PSK).
    NoForwardSecrecy,
    /// CBC mode (MAC-then-encrypt) instead of an AEAD cipher.
    Cbc,
}

impl Weakness {
    /// The insecure families that TLS-003 reports as high.
    pub fn is_insecure(self) -> bool {
        !matches!(self, Weakness::NoForwardSecrecy | Weakness::Cbc)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Weakness::Null => "no encryption (NULL)",
            Weakness::Export => "export-grade",
            Weakness::Anonymous => "anonymous (no authentication)",
            Weakness::Rc4 => "RC4",
            Weakness::Des => "single DES",
            Weakness::TripleDes => "3DES (64-bit block, Sweet32)",
            Weakness::Obsolete => "obsolete cipher (RC2/IDEA)",
            Weakness::Md5 => "MD5 MAC",
            Weakness::NoForwardSecrecy => "no forward secrecy",
            Weakness::Cbc => "CBC mode (no AEAD)",
        }
    }
}

impl Suite {
    pub fn is_tls13(&self) -> bool {
        self.min == MinVersion::Tls13
    }

    pub fn bits(&self) -> u32 {
        self.enc.bits()
    }

    pub fn is_export(&self) -> bool {
        self.enc.is_export()
    }

    pub fn level(&self) -> Level {
        match self.enc {
            Enc::Null => Level::None,
            e if e.is_export() => Level::Export,
            Enc::Des => Level::Low,
            Enc::Rc4 | Enc::TripleDes | Enc::Idea | Enc::Seed => Level::Medium,
            _ => Level::High,
        }
    }

    pub fn forward_secret(&self) -> bool {
        matches!(
            self.kx,
            Kx::Dhe | Kx::Ecdhe | Kx::DhePsk | Kx::EcdhePsk | Kx::Any
        )
    }

    /// OpenSSL's `SSL_NOT_DEFAULT` (3.x): left out of `DEFAULT` — anonymous,
    /// DSS and fixed-DH suites, RC4, 3DES, DES, export, IDEA, SEED, Camellia,
    /// ARIA and AES-CCM.
    pub fn not_default(&self) -> bool {
        matches!(self.au, Au::Null | Au::Dss | Au::Dh | Au::Ecdh)
            || matches!(
                self.enc,
                Enc::Rc4
                    | Enc::TripleDes
                    | Enc::Des
                    | Enc::Rc4_40
                    | Enc::Rc4_56
                    | Enc::Rc2_40
                    | Enc::Des40
                    | Enc::Idea
                    | Enc::Seed
                    | Enc::Camellia128
                    | Enc::Camellia256
                    | Enc::Aria128Gcm
                    | Enc::Aria256Gcm
                    | Enc::Aes128Ccm
                    | Enc::Aes256Ccm
                    | Enc::Aes128Ccm8
                    | Enc::Aes256Ccm8
            )
    }

    /// Every weakness of this suite, strongest first; empty for a forward-
    /// secret AEAD suite.
    pub fn weaknesses(&self) -> Vec<Weakness> {
        let mut w = Vec::new();
        if self.enc == Enc::Null {
            w.push(Weakness::Null);
        }
        if self.is_export() {
            w.push(Weakness::Export);
        }
        if self.au == Au::Null {
            w.push(Weakness::Anonymous);
        }
        match self.enc {
            Enc::Rc4 | Enc::Rc4_40 | Enc::Rc4_56 => w.push(Weakness::Rc4),
            Enc::Des | Enc::Des40 => w.push(Weakness::Des),
            Enc::TripleDes => w.push(Weakness::TripleDes),
            Enc::Rc2_40 | Enc::Idea => w.push(Weakness::Obsolete),
            _ => {}
        }
        if self.mac == Mac::Md5 {
            w.push(Weakness::Md5);
        }
        if !self.forward_secret() {
            w.push(Weakness::NoForwardSecrecy);
        }
        if self.enc.is_cbc() {
            w.push(Weakness::Cbc);
        }
        w
    }
}

macro_rules! suites {
    ($( $id:literal $ossl:literal $iana:literal $kx:ident $au:ident $enc:ident $mac:ident $min:ident ;)*) => {
        /// Every known suite, strongest families first (the pool order
        /// OpenSSL cipher strings are evaluated against).
        pub static SUITES: &[Suite] = &[
            $( Suite {
                id: $id,
                openssl: $ossl,
                iana: $iana,
                kx: Kx::$kx,
                au: Au::$au,
                enc: Enc::$enc,
                mac: Mac::$mac,
                min: MinVersion::$min,
            }, )*
        ];
    };
}

suites! {
    0x1302 "TLS_AES_256_GCM_SHA384" "TLS_AES_256_GCM_SHA384" Any Any Aes256Gcm Aead Tls13;
    0x1303 "TLS_CHACHA20_POLY1305_SHA256" "TLS_CHACHA20_POLY1305_SHA256" Any Any Chacha20 Aead Tls13;
    0x1301 "TLS_AES_128_GCM_SHA256" "TLS_AES_128_GCM_SHA256" Any Any Aes128Gcm Aead Tls13;
    0x1304 "TLS_AES_128_CCM_SHA256" "TLS_AES_128_CCM_SHA256" Any Any Aes128Ccm Aead Tls13;
    0x1305 "TLS_AES_128_CCM_8_SHA256" "TLS_AES_128_CCM_8_SHA256" Any Any Aes128Ccm8 Aead Tls13;

    0xC02C "ECDHE-ECDSA-AES256-GCM-SHA384" "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" Ecdhe Ecdsa Aes256Gcm Aead Tls12;
    0xC030 "ECDHE-RSA-AES256-GCM-SHA384" "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" Ecdhe Rsa Aes256Gcm Aead Tls12;
    0x00A3 "DHE-DSS-AES256-GCM-SHA384" "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384" Dhe Dss Aes256Gcm Aead Tls12;
    0x009F "DHE-RSA-AES256-GCM-SHA384" "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" Dhe Rsa Aes256Gcm Aead Tls12;
    0xCCA9 "ECDHE-ECDSA-CHACHA20-POLY1305" "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" Ecdhe Ecdsa Chacha20 Aead Tls12;
    0xCCA8 "ECDHE-RSA-CHACHA20-POLY1305" "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" Ecdhe Rsa Chacha20 Aead Tls12;
    0xCCAA "DHE-RSA-CHACHA20-POLY1305" "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" Dhe Rsa Chacha20 Aead Tls12;
    0xC0AF "ECDHE-ECDSA-AES256-CCM8" "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8" Ecdhe Ecdsa Aes256Ccm8 Aead Tls12;
    0xC0AD "ECDHE-ECDSA-AES256-CCM" "TLS_ECDHE_ECDSA_WITH_AES_256_CCM" Ecdhe Ecdsa Aes256Ccm Aead Tls12;
    0xC0A3 "DHE-RSA-AES256-CCM8" "TLS_DHE_RSA_WITH_AES_256_CCM_8" Dhe Rsa Aes256Ccm8 Aead Tls12;
    0xC09F "DHE-RSA-AES256-CCM" "TLS_DHE_RSA_WITH_AES_256_CCM" Dhe Rsa Aes256Ccm Aead Tls12;
    0xC05D "ECDHE-ECDSA-ARIA256-GCM-SHA384" "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384" Ecdhe Ecdsa Aria256Gcm Aead Tls12;
    0xC061 "ECDHE-ARIA256-GCM-SHA384" "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384" Ecdhe Rsa Aria256Gcm Aead Tls12;
    0xC057 "DHE-DSS-ARIA256-GCM-SHA384" "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384" Dhe Dss Aria256Gcm Aead Tls12;
    0xC053 "DHE-RSA-ARIA256-GCM-SHA384" "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384" Dhe Rsa Aria256Gcm Aead Tls12;
    0x00A7 "ADH-AES256-GCM-SHA384" "TLS_DH_anon_WITH_AES_256_GCM_SHA384" Dhe Null Aes256Gcm Aead Tls12;
    0xC02B "ECDHE-ECDSA-AES128-GCM-SHA256" "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" Ecdhe Ecdsa Aes128Gcm Aead Tls12;
    0xC02F "ECDHE-RSA-AES128-GCM-SHA256" "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" Ecdhe Rsa Aes128Gcm Aead Tls12;
    0x00A2 "DHE-DSS-AES128-GCM-SHA256" "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256" Dhe Dss Aes128Gcm Aead Tls12;
    0x009E "DHE-RSA-AES128-GCM-SHA256" "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" Dhe Rsa Aes128Gcm Aead Tls12;
    0xC0AE "ECDHE-ECDSA-AES128-CCM8" "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8" Ecdhe Ecdsa Aes128Ccm8 Aead Tls12;
    0xC0AC "ECDHE-ECDSA-AES128-CCM" "TLS_ECDHE_ECDSA_WITH_AES_128_CCM" Ecdhe Ecdsa Aes128Ccm Aead Tls12;
    0xC0A2 "DHE-RSA-AES128-CCM8" "TLS_DHE_RSA_WITH_AES_128_CCM_8" Dhe Rsa Aes128Ccm8 Aead Tls12;
    0xC09E "DHE-RSA-AES128-CCM" "TLS_DHE_RSA_WITH_AES_128_CCM" Dhe Rsa Aes128Ccm Aead Tls12;
    0xC05C "ECDHE-ECDSA-ARIA128-GCM-SHA256" "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256" Ecdhe Ecdsa Aria128Gcm Aead Tls12;
    0xC060 "ECDHE-ARIA128-GCM-SHA256" "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256" Ecdhe Rsa Aria128Gcm Aead Tls12;
    0xC056 "DHE-DSS-ARIA128-GCM-SHA256" "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256" Dhe Dss Aria128Gcm Aead Tls12;
    0xC052 "DHE-RSA-ARIA128-GCM-SHA256" "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256" Dhe Rsa Aria128Gcm Aead Tls12;
    0x00A6 "ADH-AES128-GCM-SHA256" "TLS_DH_anon_WITH_AES_128_GCM_SHA256" Dhe Null Aes128Gcm Aead Tls12;

    0xC024 "ECDHE-ECDSA-AES256-SHA384" "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384" Ecdhe Ecdsa Aes256 Sha384 Tls12;
    0xC028 "ECDHE-RSA-AES256-SHA384" "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" Ecdhe Rsa Aes256 Sha384 Tls12;
    0x006B "DHE-RSA-AES256-SHA256" "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256" Dhe Rsa Aes256 Sha256 Tls12;
    0x006A "DHE-DSS-AES256-SHA256" "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256" Dhe Dss Aes256 Sha256 Tls12;
    0xC073 "ECDHE-ECDSA-CAMELLIA256-SHA384" "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384" Ecdhe Ecdsa Camellia256 Sha384 Tls12;
    0xC077 "ECDHE-RSA-CAMELLIA256-SHA384" "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384" Ecdhe Rsa Camellia256 Sha384 Tls12;
    0x00C4 "DHE-RSA-CAMELLIA256-SHA256" "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256" Dhe Rsa Camellia256 Sha256 Tls12;
    0x00C3 "DHE-DSS-CAMELLIA256-SHA256" "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256" Dhe Dss Camellia256 Sha256 Tls12;
    0x006D "ADH-AES256-SHA256" "TLS_DH_anon_WITH_AES_256_CBC_SHA256" Dhe Null Aes256 Sha256 Tls12;
    0x00C5 "ADH-CAMELLIA256-SHA256" "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256" Dhe Null Camellia256 Sha256 Tls12;
    0xC023 "ECDHE-ECDSA-AES128-SHA256" "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" Ecdhe Ecdsa Aes128 Sha256 Tls12;
    0xC027 "ECDHE-RSA-AES128-SHA256" "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256" Ecdhe Rsa Aes128 Sha256 Tls12;
    0x0067 "DHE-RSA-AES128-SHA256" "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256" Dhe Rsa Aes128 Sha256 Tls12;
    0x0040 "DHE-DSS-AES128-SHA256" "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256" Dhe Dss Aes128 Sha256 Tls12;
    0xC072 "ECDHE-ECDSA-CAMELLIA128-SHA256" "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256" Ecdhe Ecdsa Camellia128 Sha256 Tls12;
    0xC076 "ECDHE-RSA-CAMELLIA128-SHA256" "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256" Ecdhe Rsa Camellia128 Sha256 Tls12;
    0x00BE "DHE-RSA-CAMELLIA128-SHA256" "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256" Dhe Rsa Camellia128 Sha256 Tls12;
    0x00BD "DHE-DSS-CAMELLIA128-SHA256" "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256" Dhe Dss Camellia128 Sha256 Tls12;
    0x006C "ADH-AES128-SHA256" "TLS_DH_anon_WITH_AES_128_CBC_SHA256" Dhe Null Aes128 Sha256 Tls12;
    0x00BF "ADH-CAMELLIA128-SHA256" "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256" Dhe Null Camellia128 Sha256 Tls12;
    0xC00A "ECDHE-ECDSA-AES256-SHA" "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" Ecdhe Ecdsa Aes256 Sha1 Tls1;
    0xC014 "ECDHE-RSA-AES256-SHA" "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" Ecdhe Rsa Aes256 Sha1 Tls1;
    0x0039 "DHE-RSA-AES256-SHA" "TLS_DHE_RSA_WITH_AES_256_CBC_SHA" Dhe Rsa Aes256 Sha1 Ssl3;
    0x0038 "DHE-DSS-AES256-SHA" "TLS_DHE_DSS_WITH_AES_256_CBC_SHA" Dhe Dss Aes256 Sha1 Ssl3;
    0x0088 "DHE-RSA-CAMELLIA256-SHA" "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA" Dhe Rsa Camellia256 Sha1 Ssl3;
    0x0087 "DHE-DSS-CAMELLIA256-SHA" "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA" Dhe Dss Camellia256 Sha1 Ssl3;
    0xC019 "AECDH-AES256-SHA" "TLS_ECDH_anon_WITH_AES_256_CBC_SHA" Ecdhe Null Aes256 Sha1 Tls1;
    0x003A "ADH-AES256-SHA" "TLS_DH_anon_WITH_AES_256_CBC_SHA" Dhe Null Aes256 Sha1 Ssl3;
    0x0089 "ADH-CAMELLIA256-SHA" "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA" Dhe Null Camellia256 Sha1 Ssl3;
    0xC009 "ECDHE-ECDSA-AES128-SHA" "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" Ecdhe Ecdsa Aes128 Sha1 Tls1;
    0xC013 "ECDHE-RSA-AES128-SHA" "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" Ecdhe Rsa Aes128 Sha1 Tls1;
    0x0033 "DHE-RSA-AES128-SHA" "TLS_DHE_RSA_WITH_AES_128_CBC_SHA" Dhe Rsa Aes128 Sha1 Ssl3;
    0x0032 "DHE-DSS-AES128-SHA" "TLS_DHE_DSS_WITH_AES_128_CBC_SHA" Dhe Dss Aes128 Sha1 Ssl3;
    0x0045 "DHE-RSA-CAMELLIA128-SHA" "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA" Dhe Rsa Camellia128 Sha1 Ssl3;
    0x0044 "DHE-DSS-CAMELLIA128-SHA" "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA" Dhe Dss Camellia128 Sha1 Ssl3;
    0x009A "DHE-RSA-SEED-SHA" "TLS_DHE_RSA_WITH_SEED_CBC_SHA" Dhe Rsa Seed Sha1 Ssl3;
    0x0099 "DHE-DSS-SEED-SHA" "TLS_DHE_DSS_WITH_SEED_CBC_SHA" Dhe Dss Seed Sha1 Ssl3;
    0xC018 "AECDH-AES128-SHA" "TLS_ECDH_anon_WITH_AES_128_CBC_SHA" Ecdhe Null Aes128 Sha1 Tls1;
    0x0034 "ADH-AES128-SHA" "TLS_DH_anon_WITH_AES_128_CBC_SHA" Dhe Null Aes128 Sha1 Ssl3;
    0x0046 "ADH-CAMELLIA128-SHA" "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA" Dhe Null Camellia128 Sha1 Ssl3;
    0x009B "ADH-SEED-SHA" "TLS_DH_anon_WITH_SEED_CBC_SHA" Dhe Null Seed Sha1 Ssl3;

    0x009D "AES256-GCM-SHA384" "TLS_RSA_WITH_AES_256_GCM_SHA384" Rsa Rsa Aes256Gcm Aead Tls12;
    0xC0A1 "AES256-CCM8" "TLS_RSA_WITH_AES_256_CCM_8" Rsa Rsa Aes256Ccm8 Aead Tls12;
    0xC09D "AES256-CCM" "TLS_RSA_WITH_AES_256_CCM" Rsa Rsa Aes256Ccm Aead Tls12;
    0xC051 "ARIA256-GCM-SHA384" "TLS_RSA_WITH_ARIA_256_GCM_SHA384" Rsa Rsa Aria256Gcm Aead Tls12;
    0x009C "AES128-GCM-SHA256" "TLS_RSA_WITH_AES_128_GCM_SHA256" Rsa Rsa Aes128Gcm Aead Tls12;
    0xC0A0 "AES128-CCM8" "TLS_RSA_WITH_AES_128_CCM_8" Rsa Rsa Aes128Ccm8 Aead Tls12;
    0xC09C "AES128-CCM" "TLS_RSA_WITH_AES_128_CCM" Rsa Rsa Aes128Ccm Aead Tls12;
    0xC050 "ARIA128-GCM-SHA256" "TLS_RSA_WITH_ARIA_128_GCM_SHA256" Rsa Rsa Aria128Gcm Aead Tls12;
    0x003D "AES256-SHA256" "TLS_RSA_WITH_AES_256_CBC_SHA256" Rsa Rsa Aes256 Sha256 Tls12;
    0x00C0 "CAMELLIA256-SHA256" "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256" Rsa Rsa Camellia256 Sha256 Tls12;
    0x003C "AES128-SHA256" "TLS_RSA_WITH_AES_128_CBC_SHA256" Rsa Rsa Aes128 Sha256 Tls12;
    0x00BA "CAMELLIA128-SHA256" "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256" Rsa Rsa Camellia128 Sha256 Tls12;
    0x0035 "AES256-SHA" "TLS_RSA_WITH_AES_256_CBC_SHA" Rsa Rsa Aes256 Sha1 Ssl3;
    0x0084 "CAMELLIA256-SHA" "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA" Rsa Rsa Camellia256 Sha1 Ssl3;
    0x002F "AES128-SHA" "TLS_RSA_WITH_AES_128_CBC_SHA" Rsa Rsa Aes128 Sha1 Ssl3;
    0x0041 "CAMELLIA128-SHA" "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA" Rsa Rsa Camellia128 Sha1 Ssl3;
    0x0096 "SEED-SHA" "TLS_RSA_WITH_SEED_CBC_SHA" Rsa Rsa Seed Sha1 Ssl3;
    0x0007 "IDEA-CBC-SHA" "TLS_RSA_WITH_IDEA_CBC_SHA" Rsa Rsa Idea Sha1 Ssl3;

    0xC032 "ECDH-RSA-AES256-GCM-SHA384" "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384" Ecdh Ecdh Aes256Gcm Aead Tls12;
    0xC02E "ECDH-ECDSA-AES256-GCM-SHA384" "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384" Ecdh Ecdh Aes256Gcm Aead Tls12;
    0xC031 "ECDH-RSA-AES128-GCM-SHA256" "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256" Ecdh Ecdh Aes128Gcm Aead Tls12;
    0xC02D "ECDH-ECDSA-AES128-GCM-SHA256" "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256" Ecdh Ecdh Aes128Gcm Aead Tls12;
    0xC02A "ECDH-RSA-AES256-SHA384" "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384" Ecdh Ecdh Aes256 Sha384 Tls12;
    0xC026 "ECDH-ECDSA-AES256-SHA384" "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384" Ecdh Ecdh Aes256 Sha384 Tls12;
    0xC029 "ECDH-RSA-AES128-SHA256" "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256" Ecdh Ecdh Aes128 Sha256 Tls12;
    0xC025 "ECDH-ECDSA-AES128-SHA256" "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256" Ecdh Ecdh Aes128 Sha256 Tls12;
    0xC00F "ECDH-RSA-AES256-SHA" "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA" Ecdh Ecdh Aes256 Sha1 Tls1;
    0xC005 "ECDH-ECDSA-AES256-SHA" "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA" Ecdh Ecdh Aes256 Sha1 Tls1;
    0xC00E "ECDH-RSA-AES128-SHA" "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA" Ecdh Ecdh Aes128 Sha1 Tls1;
    0xC004 "ECDH-ECDSA-AES128-SHA" "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA" Ecdh Ecdh Aes128 Sha1 Tls1;
    0x00A1 "DH-RSA-AES256-GCM-SHA384" "TLS_DH_RSA_WITH_AES_256_GCM_SHA384" Dh Dh Aes256Gcm Aead Tls12;
    0x00A5 "DH-DSS-AES256-GCM-SHA384" "TLS_DH_DSS_WITH_AES_256_GCM_SHA384" Dh Dh Aes256Gcm Aead Tls12;
    0x00A0 "DH-RSA-AES128-GCM-SHA256" "TLS_DH_RSA_WITH_AES_128_GCM_SHA256" Dh Dh Aes128Gcm Aead Tls12;
    0x00A4 "DH-DSS-AES128-GCM-SHA256" "TLS_DH_DSS_WITH_AES_128_GCM_SHA256" Dh Dh Aes128Gcm Aead Tls12;
    0x0069 "DH-RSA-AES256-SHA256" "TLS_DH_RSA_WITH_AES_256_CBC_SHA256" Dh Dh Aes256 Sha256 Tls12;
    0x0068 "DH-DSS-AES256-SHA256" "TLS_DH_DSS_WITH_AES_256_CBC_SHA256" Dh Dh Aes256 Sha256 Tls12;
    0x003F "DH-RSA-AES128-SHA256" "TLS_DH_RSA_WITH_AES_128_CBC_SHA256" Dh Dh Aes128 Sha256 Tls12;
    0x003E "DH-DSS-AES128-SHA256" "TLS_DH_DSS_WITH_AES_128_CBC_SHA256" Dh Dh Aes128 Sha256 Tls12;
    0x0037 "DH-RSA-AES256-SHA" "TLS_DH_RSA_WITH_AES_256_CBC_SHA" Dh Dh Aes256 Sha1 Ssl3;
    0x0036 "DH-DSS-AES256-SHA" "TLS_DH_DSS_WITH_AES_256_CBC_SHA" Dh Dh Aes256 Sha1 Ssl3;
    0x0031 "DH-RSA-AES128-SHA" "TLS_DH_RSA_WITH_AES_128_CBC_SHA" Dh Dh Aes128 Sha1 Ssl3;
    0x0030 "DH-DSS-AES128-SHA" "TLS_DH_DSS_WITH_AES_128_CBC_SHA" Dh Dh Aes128 Sha1 Ssl3;

    0xCCAC "ECDHE-PSK-CHACHA20-POLY1305" "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256" EcdhePsk Psk Chacha20 Aead Tls12;
    0xCCAD "DHE-PSK-CHACHA20-POLY1305" "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256" DhePsk Psk Chacha20 Aead Tls12;
    0x00AB "DHE-PSK-AES256-GCM-SHA384" "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384" DhePsk Psk Aes256Gcm Aead Tls12;
    0x00AA "DHE-PSK-AES128-GCM-SHA256" "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256" DhePsk Psk Aes128Gcm Aead Tls12;
    0xCCAE "RSA-PSK-CHACHA20-POLY1305" "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256" RsaPsk Rsa Chacha20 Aead Tls12;
    0x00AD "RSA-PSK-AES256-GCM-SHA384" "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384" RsaPsk Rsa Aes256Gcm Aead Tls12;
    0x00AC "RSA-PSK-AES128-GCM-SHA256" "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256" RsaPsk Rsa Aes128Gcm Aead Tls12;
    0xCCAB "PSK-CHACHA20-POLY1305" "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256" Psk Psk Chacha20 Aead Tls12;
    0x00A9 "PSK-AES256-GCM-SHA384" "TLS_PSK_WITH_AES_256_GCM_SHA384" Psk Psk Aes256Gcm Aead Tls12;
    0x00A8 "PSK-AES128-GCM-SHA256" "TLS_PSK_WITH_AES_128_GCM_SHA256" Psk Psk Aes128Gcm Aead Tls12;
    0xC0A5 "PSK-AES256-CCM" "TLS_PSK_WITH_AES_256_CCM" Psk Psk Aes256Ccm Aead Tls12;
    0xC0A4 "PSK-AES128-CCM" "TLS_PSK_WITH_AES_128_CCM" Psk Psk Aes128Ccm Aead Tls12;
    0xC0A9 "PSK-AES256-CCM8" "TLS_PSK_WITH_AES_256_CCM_8" Psk Psk Aes256Ccm8 Aead Tls12;
    0xC0A8 "PSK-AES128-CCM8" "TLS_PSK_WITH_AES_128_CCM_8" Psk Psk Aes128Ccm8 Aead Tls12;
    0xC0A7 "DHE-PSK-AES256-CCM" "TLS_DHE_PSK_WITH_AES_256_CCM" DhePsk Psk Aes256Ccm Aead Tls12;
    0xC0A6 "DHE-PSK-AES128-CCM" "TLS_DHE_PSK_WITH_AES_128_CCM" DhePsk Psk Aes128Ccm Aead Tls12;
    0xC0AB "DHE-PSK-AES256-CCM8" "TLS_PSK_DHE_WITH_AES_256_CCM_8" DhePsk Psk Aes256Ccm8 Aead Tls12;
    0xC0AA "DHE-PSK-AES128-CCM8" "TLS_PSK_DHE_WITH_AES_128_CCM_8" DhePsk Psk Aes128Ccm8 Aead Tls12;
    0xC06B "PSK-ARIA256-GCM-SHA384" "TLS_PSK_WITH_ARIA_256_GCM_SHA384" Psk Psk Aria256Gcm Aead Tls12;
    0xC06A "PSK-ARIA128-GCM-SHA256" "TLS_PSK_WITH_ARIA_128_GCM_SHA256" Psk Psk Aria128Gcm Aead Tls12;
    0xC06D "DHE-PSK-ARIA256-GCM-SHA384" "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384" DhePsk Psk Aria256Gcm Aead Tls12;
    0xC06C "DHE-PSK-ARIA128-GCM-SHA256" "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256" DhePsk Psk Aria128Gcm Aead Tls12;
    0xC06F "RSA-PSK-ARIA256-GCM-SHA384" "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384" RsaPsk Rsa Aria256Gcm Aead Tls12;
    0xC06E "RSA-PSK-ARIA128-GCM-SHA256" "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256" RsaPsk Rsa Aria128Gcm Aead Tls12;
    0xC095 "PSK-CAMELLIA256-SHA384" "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384" Psk Psk Camellia256 Sha384 Tls1;
    0xC094 "PSK-CAMELLIA128-SHA256" "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256" Psk Psk Camellia128 Sha256 Tls1;
    0xC097 "DHE-PSK-CAMELLIA256-SHA384" "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384" DhePsk Psk Camellia256 Sha384 Tls1;
    0xC096 "DHE-PSK-CAMELLIA128-SHA256" "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256" DhePsk Psk Camellia128 Sha256 Tls1;
    0xC099 "RSA-PSK-CAMELLIA256-SHA384" "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384" RsaPsk Rsa Camellia256 Sha384 Tls1;
    0xC098 "RSA-PSK-CAMELLIA128-SHA256" "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256" RsaPsk Rsa Camellia128 Sha256 Tls1;
    0xC09B "ECDHE-PSK-CAMELLIA256-SHA384" "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384" EcdhePsk Psk Camellia256 Sha384 Tls1;
    0xC09A "ECDHE-PSK-CAMELLIA128-SHA256" "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256" EcdhePsk Psk Camellia128 Sha256 Tls1;
    0xC038 "ECDHE-PSK-AES256-CBC-SHA384" "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384" EcdhePsk Psk Aes256 Sha384 Tls1;
    0xC036 "ECDHE-PSK-AES256-CBC-SHA" "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA" EcdhePsk Psk Aes256 Sha1 Tls1;
    0xC037 "ECDHE-PSK-AES128-CBC-SHA256" "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256" EcdhePsk Psk Aes128 Sha256 Tls1;
    0xC035 "ECDHE-PSK-AES128-CBC-SHA" "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA" EcdhePsk Psk Aes128 Sha1 Tls1;
    0x00B3 "DHE-PSK-AES256-CBC-SHA384" "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384" DhePsk Psk Aes256 Sha384 Tls1;
    0x0091 "DHE-PSK-AES256-CBC-SHA" "TLS_DHE_PSK_WITH_AES_256_CBC_SHA" DhePsk Psk Aes256 Sha1 Ssl3;
    0x00B2 "DHE-PSK-AES128-CBC-SHA256" "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256" DhePsk Psk Aes128 Sha256 Tls1;
    0x0090 "DHE-PSK-AES128-CBC-SHA" "TLS_DHE_PSK_WITH_AES_128_CBC_SHA" DhePsk Psk Aes128 Sha1 Ssl3;
    0x00B7 "RSA-PSK-AES256-CBC-SHA384" "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384" RsaPsk Rsa Aes256 Sha384 Tls1;
    0x0095 "RSA-PSK-AES256-CBC-SHA" "TLS_RSA_PSK_WITH_AES_256_CBC_SHA" RsaPsk Rsa Aes256 Sha1 Ssl3;
    0x00B6 "RSA-PSK-AES128-CBC-SHA256" "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256" RsaPsk Rsa Aes128 Sha256 Tls1;
    0x0094 "RSA-PSK-AES128-CBC-SHA" "TLS_RSA_PSK_WITH_AES_128_CBC_SHA" RsaPsk Rsa Aes128 Sha1 Ssl3;
    0x00AF "PSK-AES256-CBC-SHA384" "TLS_PSK_WITH_AES_256_CBC_SHA384" Psk Psk Aes256 Sha384 Tls1;
    0x008D "PSK-AES256-CBC-SHA" "TLS_PSK_WITH_AES_256_CBC_SHA" Psk Psk Aes256 Sha1 Ssl3;
    0x00AE "PSK-AES128-CBC-SHA256" "TLS_PSK_WITH_AES_128_CBC_SHA256" Psk Psk Aes128 Sha256 Tls1;
    0x008C "PSK-AES128-CBC-SHA" "TLS_PSK_WITH_AES_128_CBC_SHA" Psk Psk Aes128 Sha1 Ssl3;
    0xC022 "SRP-DSS-AES-256-CBC-SHA" "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA" Srp Dss Aes256 Sha1 Ssl3;
    0xC021 "SRP-RSA-AES-256-CBC-SHA" "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA" Srp Rsa Aes256 Sha1 Ssl3;
    0xC020 "SRP-AES-256-CBC-SHA" "TLS_SRP_SHA_WITH_AES_256_CBC_SHA" Srp Srp Aes256 Sha1 Ssl3;
    0xC01F "SRP-DSS-AES-128-CBC-SHA" "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA" Srp Dss Aes128 Sha1 Ssl3;
    0xC01E "SRP-RSA-AES-128-CBC-SHA" "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA" Srp Rsa Aes128 Sha1 Ssl3;
    0xC01D "SRP-AES-128-CBC-SHA" "TLS_SRP_SHA_WITH_AES_128_CBC_SHA" Srp Srp Aes128 Sha1 Ssl3;

    0xC008 "ECDHE-ECDSA-DES-CBC3-SHA" "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA" Ecdhe Ecdsa TripleDes Sha1 Tls1;
    0xC012 "ECDHE-RSA-DES-CBC3-SHA" "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA" Ecdhe Rsa TripleDes Sha1 Tls1;
    0x0016 "DHE-RSA-DES-CBC3-SHA" "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA" Dhe Rsa TripleDes Sha1 Ssl3;
    0x0013 "DHE-DSS-DES-CBC3-SHA" "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA" Dhe Dss TripleDes Sha1 Ssl3;
    0x000A "DES-CBC3-SHA" "TLS_RSA_WITH_3DES_EDE_CBC_SHA" Rsa Rsa TripleDes Sha1 Ssl3;
    0xC017 "AECDH-DES-CBC3-SHA" "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA" Ecdhe Null TripleDes Sha1 Tls1;
    0x001B "ADH-DES-CBC3-SHA" "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA" Dhe Null TripleDes Sha1 Ssl3;
    0xC00D "ECDH-RSA-DES-CBC3-SHA" "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA" Ecdh Ecdh TripleDes Sha1 Tls1;
    0xC003 "ECDH-ECDSA-DES-CBC3-SHA" "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA" Ecdh Ecdh TripleDes Sha1 Tls1;
    0x0010 "DH-RSA-DES-CBC3-SHA" "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA" Dh Dh TripleDes Sha1 Ssl3;
    0x000D "DH-DSS-DES-CBC3-SHA" "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA" Dh Dh TripleDes Sha1 Ssl3;
    0x008B "PSK-3DES-EDE-CBC-SHA" "TLS_PSK_WITH_3DES_EDE_CBC_SHA" Psk Psk TripleDes Sha1 Ssl3;
    0xC01C "SRP-DSS-3DES-EDE-CBC-SHA" "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA" Srp Dss TripleDes Sha1 Ssl3;
    0xC01B "SRP-RSA-3DES-EDE-CBC-SHA" "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA" Srp Rsa TripleDes Sha1 Ssl3;
    0xC01A "SRP-3DES-EDE-CBC-SHA" "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA" Srp Srp TripleDes Sha1 Ssl3;

    0xC007 "ECDHE-ECDSA-RC4-SHA" "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA" Ecdhe Ecdsa Rc4 Sha1 Tls1;
    0xC011 "ECDHE-RSA-RC4-SHA" "TLS_ECDHE_RSA_WITH_RC4_128_SHA" Ecdhe Rsa Rc4 Sha1 Tls1;
    0x0005 "RC4-SHA" "TLS_RSA_WITH_RC4_128_SHA" Rsa Rsa Rc4 Sha1 Ssl3;
    0x0004 "RC4-MD5" "TLS_RSA_WITH_RC4_128_MD5" Rsa Rsa Rc4 Md5 Ssl3;
    0x0066 "DHE-DSS-RC4-SHA" "TLS_DHE_DSS_WITH_RC4_128_SHA" Dhe Dss Rc4 Sha1 Ssl3;
    0xC016 "AECDH-RC4-SHA" "TLS_ECDH_anon_WITH_RC4_128_SHA" Ecdhe Null Rc4 Sha1 Tls1;
    0x0018 "ADH-RC4-MD5" "TLS_DH_anon_WITH_RC4_128_MD5" Dhe Null Rc4 Md5 Ssl3;
    0xC00C "ECDH-RSA-RC4-SHA" "TLS_ECDH_RSA_WITH_RC4_128_SHA" Ecdh Ecdh Rc4 Sha1 Tls1;
    0xC002 "ECDH-ECDSA-RC4-SHA" "TLS_ECDH_ECDSA_WITH_RC4_128_SHA" Ecdh Ecdh Rc4 Sha1 Tls1;
    0x008A "PSK-RC4-SHA" "TLS_PSK_WITH_RC4_128_SHA" Psk Psk Rc4 Sha1 Ssl3;

    0x0015 "EDH-RSA-DES-CBC-SHA" "TLS_DHE_RSA_WITH_DES_CBC_SHA" Dhe Rsa Des Sha1 Ssl3;
    0x0012 "EDH-DSS-DES-CBC-SHA" "TLS_DHE_DSS_WITH_DES_CBC_SHA" Dhe Dss Des Sha1 Ssl3;
    0x0009 "DES-CBC-SHA" "TLS_RSA_WITH_DES_CBC_SHA" Rsa Rsa Des Sha1 Ssl3;
    0x001A "ADH-DES-CBC-SHA" "TLS_DH_anon_WITH_DES_CBC_SHA" Dhe Null Des Sha1 Ssl3;
    0x000F "DH-RSA-DES-CBC-SHA" "TLS_DH_RSA_WITH_DES_CBC_SHA" Dh Dh Des Sha1 Ssl3;
    0x000C "DH-DSS-DES-CBC-SHA" "TLS_DH_DSS_WITH_DES_CBC_SHA" Dh Dh Des Sha1 Ssl3;

    0x0064 "EXP1024-RC4-SHA" "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA" Rsa Rsa Rc4_56 Sha1 Ssl3;
    0x0065 "EXP1024-DHE-DSS-RC4-SHA" "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA" Dhe Dss Rc4_56 Sha1 Ssl3;
    0x0062 "EXP1024-DES-CBC-SHA" "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA" Rsa Rsa Des40 Sha1 Ssl3;
    0x0063 "EXP1024-DHE-DSS-DES-CBC-SHA" "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA" Dhe Dss Des40 Sha1 Ssl3;
    0x0014 "EXP-EDH-RSA-DES-CBC-SHA" "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA" Dhe Rsa Des40 Sha1 Ssl3;
    0x0011 "EXP-EDH-DSS-DES-CBC-SHA" "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA" Dhe Dss Des40 Sha1 Ssl3;
    0x0008 "EXP-DES-CBC-SHA" "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA" Rsa Rsa Des40 Sha1 Ssl3;
    0x0006 "EXP-RC2-CBC-MD5" "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5" Rsa Rsa Rc2_40 Md5 Ssl3;
    0x0003 "EXP-RC4-MD5" "TLS_RSA_EXPORT_WITH_RC4_40_MD5" Rsa Rsa Rc4_40 Md5 Ssl3;
    0x0019 "EXP-ADH-DES-CBC-SHA" "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA" Dhe Null Des40 Sha1 Ssl3;
    0x0017 "EXP-ADH-RC4-MD5" "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5" Dhe Null Rc4_40 Md5 Ssl3;
    0x000E "EXP-DH-RSA-DES-CBC-SHA" "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA" Dh Dh Des40 Sha1 Ssl3;
    0x000B "EXP-DH-DSS-DES-CBC-SHA" "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA" Dh Dh Des40 Sha1 Ssl3;

    0xC006 "ECDHE-ECDSA-NULL-SHA" "TLS_ECDHE_ECDSA_WITH_NULL_SHA" Ecdhe Ecdsa Null Sha1 Tls1;
    0xC010 "ECDHE-RSA-NULL-SHA" "TLS_ECDHE_RSA_WITH_NULL_SHA" Ecdhe Rsa Null Sha1 Tls1;
    0xC015 "AECDH-NULL-SHA" "TLS_ECDH_anon_WITH_NULL_SHA" Ecdhe Null Null Sha1 Tls1;
    0xC00B "ECDH-RSA-NULL-SHA" "TLS_ECDH_RSA_WITH_NULL_SHA" Ecdh Ecdh Null Sha1 Tls1;
    0xC001 "ECDH-ECDSA-NULL-SHA" "TLS_ECDH_ECDSA_WITH_NULL_SHA" Ecdh Ecdh Null Sha1 Tls1;
    0x003B "NULL-SHA256" "TLS_RSA_WITH_NULL_SHA256" Rsa Rsa Null Sha256 Tls12;
    0x0002 "NULL-SHA" "TLS_RSA_WITH_NULL_SHA" Rsa Rsa Null Sha1 Ssl3;
    0x0001 "NULL-MD5" "TLS_RSA_WITH_NULL_MD5" Rsa Rsa Null Md5 Ssl3;
    0xC03B "ECDHE-PSK-NULL-SHA384" "TLS_ECDHE_PSK_WITH_NULL_SHA384" EcdhePsk Psk Null Sha384 Tls1;
    0xC03A "ECDHE-PSK-NULL-SHA256" "TLS_ECDHE_PSK_WITH_NULL_SHA256" EcdhePsk Psk Null Sha256 Tls1;
    0xC039 "ECDHE-PSK-NULL-SHA" "TLS_ECDHE_PSK_WITH_NULL_SHA" EcdhePsk Psk Null Sha1 Tls1;
    0x00B9 "RSA-PSK-NULL-SHA384" "TLS_RSA_PSK_WITH_NULL_SHA384" RsaPsk Rsa Null Sha384 Tls1;
    0x00B8 "RSA-PSK-NULL-SHA256" "TLS_RSA_PSK_WITH_NULL_SHA256" RsaPsk Rsa Null Sha256 Tls1;
    0x00B5 "DHE-PSK-NULL-SHA384" "TLS_DHE_PSK_WITH_NULL_SHA384" DhePsk Psk Null Sha384 Tls1;
    0x00B4 "DHE-PSK-NULL-SHA256" "TLS_DHE_PSK_WITH_NULL_SHA256" DhePsk Psk Null Sha256 Tls1;
    0x002E "RSA-PSK-NULL-SHA" "TLS_RSA_PSK_WITH_NULL_SHA" RsaPsk Rsa Null Sha1 Ssl3;
    0x002D "DHE-PSK-NULL-SHA" "TLS_DHE_PSK_WITH_NULL_SHA" DhePsk Psk Null Sha1 Ssl3;
    0x00B1 "PSK-NULL-SHA384" "TLS_PSK_WITH_NULL_SHA384" Psk Psk Null Sha384 Tls1;
    0x00B0 "PSK-NULL-SHA256" "TLS_PSK_WITH_NULL_SHA256" Psk Psk Null Sha256 Tls1;
    0x002C "PSK-NULL-SHA" "TLS_PSK_WITH_NULL_SHA" Psk Psk Null Sha1 Ssl3;
}

/// The suite with this code point.
pub fn by_id(id: u16) -> Option<&'static Suite> {
    SUITES.iter().find(|s| s.id == id)
}

/// The suite with this OpenSSL or IANA name (OpenSSL's old `EDH-` spellings
/// are accepted for `DHE-` suites and the other way round).
pub fn by_name(name: &str) -> Option<&'static Suite> {
    let alt = if let Some(rest) = name.strip_prefix("EDH-") {
        Some(format!("DHE-{rest}"))
    } else {
        name.strip_prefix("DHE-").map(|rest| format!("EDH-{rest}"))
    };
    SUITES.iter().find(|s| {
        s.openssl == name || s.iana == name || alt.as_deref().is_some_and(|a| s.openssl == a)
    })
}

/// How a suite is named in reports: IANA name and code point.
pub fn describe_id(id: u16) -> String {
    match by_id(id) {
        Some(s) => s.iana.to_string(),
        None => format!("unknown suite 0x{id:04X}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_and_names_are_unique() {
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        for s in SUITES {
            assert!(ids.insert(s.id), "duplicate id {:04X}", s.id);
            assert!(names.insert(s.openssl), "duplicate name {}", s.openssl);
            assert!(names.insert(s.iana) || s.iana == s.openssl, "{}", s.iana);
        }
    }

    #[test]
    fn classification() {
        let s = by_name("ECDHE-RSA-AES128-GCM-SHA256").unwrap();
        assert!(s.weaknesses().is_empty());
        let s = by_name("AES128-SHA").unwrap();
        assert_eq!(
            s.weaknesses(),
            vec![Weakness::NoForwardSecrecy, Weakness::Cbc]
        );
        let s = by_name("DES-CBC3-SHA").unwrap();
        assert!(s.weaknesses().iter().any(|w| w.is_insecure()));
        assert_eq!(by_name("EDH-RSA-DES-CBC3-SHA").unwrap().id, 0x0016);
        assert_eq!(by_name("TLS_RSA_WITH_RC4_128_MD5").unwrap().id, 0x0004);
        assert_eq!(by_id(0x1301).unwrap().level(), Level::High);
        assert_eq!(by_id(0x0003).unwrap().level(), Level::Export);
        assert!(by_id(0x000A).unwrap().not_default());
    }
}
