//! X.509 certificates and PEM files: certificates are parsed (x509-parser)
//! into a `CertInfo` summary — validity, key type and size, signature
//! algorithm, names, self-signed, SHA-256 fingerprint — and PEM text is split
//! into certificate and private-key blocks. A private key's text is kept
//! only as a [`Secret`](crate::secret::Secret) — never decoded, shown or
//! hashed without a key — so environments can be compared for a shared key
//! by keyed hash. Parses; never judges.

use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_parser::prelude::*;

/// The public key of a certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum KeyInfo {
    Rsa { bits: u32 },
    Ec { bits: u32, curve: String },
    Ed25519,
    Ed448,
    Dsa { bits: u32 },
    Other { oid: String },
}

impl KeyInfo {
    pub fn describe(&self) -> String {
        match self {
            KeyInfo::Rsa { bits } => format!("RSA {bits}"),
            KeyInfo::Ec { bits, curve } => format!("EC {bits} ({curve})"),
            KeyInfo::Ed25519 => "Ed25519".to_string(),
            KeyInfo::Ed448 => "Ed448".to_string(),
            KeyInfo::Dsa { bits } => format!("DSA {bits}"),
            KeyInfo::Other { oid } => format!("key algorithm {oid}"),
        }
    }
}

/// The hash behind a signature algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SigHash {
    Md2,
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    /// Ed25519/Ed448 and RSASSA-PSS (hash in the parameters).
    Intrinsic,
    Unknown,
}

impl SigHash {
    /// MD2, MD5 and SHA-1: collisions are practical.
    pub fn is_weak(self) -> bool {
        matches!(self, SigHash::Md2 | SigHash::Md5 | SigHash::Sha1)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub common_name: Option<String>,
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<String>,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub not_after_text: String,
    pub key: KeyInfo,
    pub signature_algorithm: String,
    pub signature_hash: SigHash,
    pub self_signed: bool,
    pub is_ca: bool,
    /// Upper-case hex pairs joined by `:`, as `openssl x509 -fingerprint` prints.
    pub sha256: String,
    pub serial: String,
    /// SHA-256 of the SubjectPublicKeyInfo: the same value means the same
    /// key pair, whatever certificate carries it.
    #[serde(skip)]
    pub spki_sha256: String,
}

impl CertInfo {
    /// Whole days from `today` (days since the epoch) until `notAfter`;
    /// negative once expired.
    pub fn days_left(&self, today_days: i64) -> i64 {
        self.not_after.div_euclid(86_400) - today_days
    }

    /// The subject's name for messages.
    pub fn name(&self) -> String {
        self.common_name
            .clone()
            .or_else(|| self.dns_names.first().cloned())
            .unwrap_or_else(|| self.subject.clone())
    }

    /// Every DNS name the certificate claims: SANs, and the CN when there are none.
    pub fn names(&self) -> Vec<String> {
        let mut v = self.dns_names.clone();
        if v.is_empty()
            && let Some(cn) = &self.common_name
        {
            v.push(cn.clone());
        }
        v
    }
}

pub fn fingerprint(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    let parts: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
    parts.join(":")
}

fn sig_name(oid: &str) -> (&'static str, SigHash) {
    match oid {
        "1.2.840.113549.1.1.2" => ("md2WithRSAEncryption", SigHash::Md2),
        "1.2.840.113549.1.1.4" => ("md5WithRSAEncryption", SigHash::Md5),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => ("sha1WithRSAEncryption", SigHash::Sha1),
        "1.2.840.113549.1.1.14" => ("sha224WithRSAEncryption", SigHash::Sha224),
        "1.2.840.113549.1.1.11" => ("sha256WithRSAEncryption", SigHash::Sha256),
        "1.2.840.113549.1.1.12" => ("sha384WithRSAEncryption", SigHash::Sha384),
        "1.2.840.113549.1.1.13" => ("sha512WithRSAEncryption", SigHash::Sha512),
        "1.2.840.113549.1.1.10" => ("RSASSA-PSS", SigHash::Intrinsic),
        "1.2.840.10045.4.1" => ("ecdsa-with-SHA1", SigHash::Sha1),
        "1.2.840.10045.4.3.1" => ("ecdsa-with-SHA224", SigHash::Sha224),
        "1.2.840.10045.4.3.2" => ("ecdsa-with-SHA256", SigHash::Sha256),
        "1.2.840.10045.4.3.3" => ("ecdsa-with-SHA384", SigHash::Sha384),
        "1.2.840.10045.4.3.4" => ("ecdsa-with-SHA512", SigHash::Sha512),
        "1.2.840.10040.4.3" => ("dsa-with-SHA1", SigHash::Sha1),
        "2.16.840.1.101.3.4.3.2" => ("dsa-with-SHA256", SigHash::Sha256),
        "1.3.101.112" => ("Ed25519", SigHash::Intrinsic),
        "1.3.101.113" => ("Ed448", SigHash::Intrinsic),
        _ => ("", SigHash::Unknown),
    }
}

fn curve(oid: &str) -> Option<(&'static str, u32)> {
    Some(match oid {
        "1.2.840.10045.3.1.1" => ("P-192", 192),
        "1.3.132.0.33" => ("P-224", 224),
        "1.2.840.10045.3.1.7" => ("P-256", 256),
        "1.3.132.0.34" => ("P-384", 384),
        "1.3.132.0.35" => ("P-521", 521),
        "1.3.132.0.10" => ("secp256k1", 256),
        "1.3.36.3.3.2.8.1.1.7" => ("brainpoolP256r1", 256),
        "1.3.36.3.3.2.8.1.1.11" => ("brainpoolP384r1", 384),
        "1.3.36.3.3.2.8.1.1.13" => ("brainpoolP512r1", 512),
        _ => return None,
    })
}

/// Bits of a big-endian unsigned integer.
fn int_bits(bytes: &[u8]) -> u32 {
    let trimmed: &[u8] = match bytes.iter().position(|&b| b != 0) {
        Some(i) => &bytes[i..],
        None => return 0,
    };
    (trimmed.len() as u32 - 1) * 8 + (8 - trimmed[0].leading_zeros())
}

fn key_info(spki: &SubjectPublicKeyInfo) -> KeyInfo {
    let alg = spki.algorithm.algorithm.to_id_string();
    match alg.as_str() {
        "1.3.101.112" => return KeyInfo::Ed25519,
        "1.3.101.113" => return KeyInfo::Ed448,
        _ => {}
    }
    match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => KeyInfo::Rsa {
            bits: int_bits(rsa.modulus),
        },
        Ok(x509_parser::public_key::PublicKey::EC(point)) => {
            let named = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            match named.as_deref().and_then(curve) {
                Some((name, bits)) => KeyInfo::Ec {
                    bits,
                    curve: name.to_string(),
                },
                None => KeyInfo::Ec {
                    bits: point.key_size() as u32,
                    curve: named.unwrap_or_else(|| "explicit parameters".to_string()),
                },
            }
        }
        Ok(x509_parser::public_key::PublicKey::DSA(y)) => KeyInfo::Dsa { bits: int_bits(y) },
        _ => KeyInfo::Other { oid: alg },
    }
}

fn format_ip(b: &[u8]) -> String {
    match b.len() {
        4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => format!("{b:02x?}"),
    }
}

/// Summarises one DER certificate.
pub fn analyze(der: &[u8]) -> Result<CertInfo, String> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| format!("not an X.509 certificate: {e}"))?;
    let common_name = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string);
    let mut dns_names = Vec::new();
    let mut ip_addresses = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                GeneralName::DNSName(d) => dns_names.push(d.to_string()),
                GeneralName::IPAddress(b) => ip_addresses.push(format_ip(b)),
                _ => {}
            }
        }
    }
    let oid = cert.signature_algorithm.algorithm.to_id_string();
    let (name, hash) = sig_name(&oid);
    let validity = cert.validity();
    Ok(CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        common_name,
        dns_names,
        ip_addresses,
        not_before: validity.not_before.timestamp(),
        not_after: validity.not_after.timestamp(),
        not_after_text: crate::clock::Date::from_days(
            validity.not_after.timestamp().div_euclid(86_400),
        )
        .to_string(),
        key: key_info(cert.public_key()),
        signature_algorithm: if name.is_empty() {
            oid
        } else {
            name.to_string()
        },
        signature_hash: hash,
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
        is_ca: cert.is_ca(),
        sha256: fingerprint(der),
        serial: cert.raw_serial_as_string(),
        spki_sha256: fingerprint(cert.public_key().raw),
    })
}

/// One `-----BEGIN ...-----` block of a PEM file.
#[derive(Clone, Debug, PartialEq)]
pub enum PemBlock {
    Certificate {
        line: u32,
        /// The summary, or why the block is not a readable certificate.
        cert: Box<Result<CertInfo, String>>,
    },
    PrivateKey {
        line: u32,
        /// `RSA PRIVATE KEY`, `PRIVATE KEY`, `OPENSSH PRIVATE KEY`...
        label: String,
        encrypted: bool,
        /// The block's base64 body, for keyed comparison only.
        material: crate::secret::Secret,
    },
}

/// The blocks of a PEM text, in order. Other block types (CSRs, DH
/// parameters, public keys) are skipped. An unterminated block is an error.
pub fn parse_pem(text: &str) -> Result<Vec<PemBlock>, String> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let Some(label) = line
            .trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let label = label.to_string();
        let line_no = i as u32 + 1;
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        let mut encrypted_header = false;
        let mut closed = false;
        for (_, l) in lines.by_ref() {
            let l = l.trim();
            if l == end {
                closed = true;
                break;
            }
            if l.contains(':') {
                // RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: ...`).
                encrypted_header |= l.starts_with("Proc-Type:") && l.contains("ENCRYPTED");
                continue;
            }
            body.push_str(l);
        }
        if !closed {
            return Err(format!(
                "line {line_no}: -----BEGIN {label}----- is never closed"
            ));
        }
        if label.ends_with("PRIVATE KEY") {
            out.push(PemBlock::PrivateKey {
                line: line_no,
                encrypted: encrypted_header || label.starts_with("ENCRYPTED"),
                label,
                material: crate::secret::Secret::new(body),
            });
        } else if label == "CERTIFICATE"
            || label == "X509 CERTIFICATE"
            || label == "TRUSTED CERTIFICATE"
        {
            let cert = base64_decode(&body)
                .ok_or_else(|| "invalid base64".to_string())
                .and_then(|der| analyze(&der));
            out.push(PemBlock::Certificate {
                line: line_no,
                cert: Box::new(cert),
            });
        }
    }
    Ok(out)
}

/// The DER of every CERTIFICATE block of a PEM text (a CA file).
pub fn parse_pem_der(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut body: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        match &mut body {
            None if l == "-----BEGIN CERTIFICATE-----" => body = Some(String::new()),
            None => {}
            Some(b) if l == "-----END CERTIFICATE-----" => {
                out.push(
                    base64_decode(b).ok_or_else(|| format!("line {}: invalid base64", i + 1))?,
                );
                body = None;
            }
            Some(b) => b.push_str(l),
        }
    }
    if body.is_some() {
        return Err("a certificate block is never closed".to_string());
    }
    Ok(out)
}

/// Base64 without padding, trailing bits allowed: the engine PEM bodies
/// and Kubernetes Secret values are decoded with once cleaned.
pub(crate) const BASE64_LENIENT: base64::engine::GeneralPurpose =
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    );

/// Standard base64 (RFC 4648), padding optional, whitespace already removed.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let bytes: Vec<u8> = s.bytes().filter(|&b| b != b'=').collect();
    BASE64_LENIENT.decode(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVsbG8h").unwrap(), b"hello!");
        assert_eq!(base64_decode("aGk").unwrap(), b"hi");
        assert!(base64_decode("a$==").is_none());
        assert_eq!(int_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(int_bits(&[0x01]), 1);
    }

    #[test]
    fn pem_blocks() {
        let text = "junk\n-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES\n\nAAAA\n-----END RSA PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let blocks = parse_pem(text).unwrap();
        assert_eq!(blocks.len(), 2);
        assert!(matches!(
            &blocks[0],
            PemBlock::PrivateKey {
                line: 2,
                encrypted: true,
                ..
            }
        ));
        assert!(matches!(
            &blocks[1],
            PemBlock::Certificate { line: 8, cert } if cert.is_err()
        ));
        assert!(parse_pem("-----BEGIN CERTIFICATE-----\nAAAA\n").is_err());
    }
}
