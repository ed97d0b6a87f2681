//! TLS 1.2 and 1.3 handshakes through rustls with a verifier that records the
//! presented chain and the verification outcome (trust anchors: webpki roots
//! or `--ca-file`; host name) instead of aborting, so an untrusted, expired or
//! mismatched certificate is still seen. After the handshake one HTTP GET
//! reads the response head (for HSTS). Never judges.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::probe::deadline::BoundedStream;
use crate::probe::http;

/// The verification outcome of a presented chain.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    /// `Ok` when the chain leads to a trust anchor (judged inside the leaf's
    /// validity period, so expiry is reported apart); otherwise why not.
    pub trusted: Result<(), String>,
    /// `Ok` when the leaf is valid for the probed name.
    pub hostname: Result<(), String>,
    /// `Some` when the chain is outside its validity period now.
    pub time: Option<String>,
    /// A certificate of the chain is not valid yet: the chain does not
    /// validate now, and no expiry window says so.
    pub not_yet_valid: bool,
    /// What the chain was checked against.
    pub roots: String,
}

pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn algs() -> WebPkiSupportedAlgorithms {
    rustls::crypto::ring::default_provider().signature_verification_algorithms
}

/// Checks `chain` (leaf first) against `roots` for `name`.
pub fn verify_chain(
    chain: &[Vec<u8>],
    name: &ServerName<'_>,
    roots: &RootCertStore,
    roots_name: &str,
    now: UnixTime,
) -> Verification {
    let Some(leaf_der) = chain.first() else {
        return Verification {
            trusted: Err("the server sent no certificate".to_string()),
            hostname: Err("the server sent no certificate".to_string()),
            time: None,
            not_yet_valid: false,
            roots: roots_name.to_string(),
        };
    };
    let leaf = CertificateDer::from(leaf_der.as_slice());
    let intermediates: Vec<CertificateDer<'_>> = chain[1..]
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    let parsed = match ParsedCertificate::try_from(&leaf) {
        Ok(p) => p,
        Err(e) => {
            let why = format!("the leaf certificate cannot be parsed: {e}");
            return Verification {
                trusted: Err(why.clone()),
                hostname: Err(why),
                time: None,
                not_yet_valid: false,
                roots: roots_name.to_string(),
            };
        }
    };
    let algs = algs();
    let mut time = None;
    let mut not_yet_valid = false;
    let mut trusted =
        verify_server_cert_signed_by_trust_anchor(&parsed, roots, &intermediates, now, algs.all);
    if let Err(e) = &trusted
        && is_time_error(e)
    {
        time = Some(describe(e));
        not_yet_valid = matches!(
            e,
            rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidYet
                    | rustls::CertificateError::NotValidYetContext { .. }
            )
        );
        // Judge trust inside the leaf's validity window, so an expired or
        // not-yet-valid certificate is not also reported as untrusted.
        if let Ok(info) = crate::facts::x509::analyze(leaf_der) {
            let mid = info.not_before + (info.not_after - info.not_before) / 2;
            let at = UnixTime::since_unix_epoch(Duration::from_secs(mid.max(0) as u64));
            trusted = verify_server_cert_signed_by_trust_anchor(
                &parsed,
                roots,
                &intermediates,
                at,
                algs.all,
            );
        }
    }
    Verification {
        trusted: trusted.map_err(|e| describe(&e)),
        hostname: verify_server_name(&parsed, name).map_err(|e| describe(&e)),
        time,
        not_yet_valid,
        roots: roots_name.to_string(),
    }
}

fn is_time_error(e: &rustls::Error) -> bool {
    use rustls::CertificateError as C;
    matches!(
        e,
        rustls::Error::InvalidCertificate(
            C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. }
        )
    )
}

fn describe(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => {
            "the chain does not lead to a trusted root (unknown issuer)".to_string()
        }
        rustls::Error::InvalidCertificate(C::BadSignature) => {
            "a signature in the chain does not verify".to_string()
        }
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            "a certificate in the chain has expired".to_string()
        }
        rustls::Error::InvalidCertificate(C::NotValidYet | C::NotValidYetContext { .. }) => {
            "a certificate in the chain is not valid yet".to_string()
        }
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => "the certificate is not valid for this name".to_string(),
        rustls::Error::InvalidCertificate(C::Other(o)) if format!("{o:?}").contains("CaUsedAsEndEntity") => {
            "the server certificate is a CA certificate (a self-made root used as the server's certificate)".to_string()
        }
        rustls::Error::InvalidCertificate(C::UnsupportedSignatureAlgorithmContext { .. }) => {
            "a signature in the chain uses an algorithm or key size the verifier does not accept".to_string()
        }
        other => other.to_string(),
    }
}

/// What the recording verifier saw.
#[derive(Clone, Debug, Default)]
pub struct Recorded {
    pub chain: Vec<Vec<u8>>,
    pub verification: Option<Verification>,
    /// A handshake signature that could not be verified (a key too small for
    /// the verifier, or a bad signature): noted, not fatal.
    pub signature_note: Option<String>,
}

#[derive(Debug)]
pub struct RecordingVerifier {
    roots: Arc<RootCertStore>,
    roots_name: String,
    record: Mutex<Recorded>,
}

impl RecordingVerifier {
    pub fn new(roots: Arc<RootCertStore>, roots_name: &str) -> RecordingVerifier {
        RecordingVerifier {
            roots,
            roots_name: roots_name.to_string(),
            record: Mutex::new(Recorded::default()),
        }
    }

    pub fn take(&self) -> Recorded {
        std::mem::take(&mut self.record.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn note_signature(
        &self,
        r: Result<HandshakeSignatureValid, rustls::Error>,
    ) -> HandshakeSignatureValid {
        if let Err(e) = r {
            self.record
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .signature_note = Some(format!("handshake signature not verified: {e}"));
        }
        HandshakeSignatureValid::assertion()
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.to_vec()];
        chain.extend(intermediates.iter().map(|c| c.to_vec()));
        let v = verify_chain(&chain, server_name, &self.roots, &self.roots_name, now);
        let mut rec = self.record.lock().unwrap_or_else(|p| p.into_inner());
        rec.chain = chain;
        rec.verification = Some(v);
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(self.note_signature(rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &algs(),
        )))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(self.note_signature(rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &algs(),
        )))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        algs().supported_schemes()
    }
}

/// How a rustls handshake ended.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Negotiated version (wire value) and suite, when the handshake completed.
    pub negotiated: Option<(u16, u16)>,
    /// Why it did not complete. `tls_answer` tells whether the server spoke
    /// TLS at all (an alert, a hello) or not (silence, garbage).
    pub error: Option<String>,
    pub tls_answer: bool,
    pub recorded: Recorded,
    /// The HTTPS response head, when one was asked for.
    pub http: Option<Result<http::Response, String>>,
}

/// Runs one rustls handshake on `stream`; with `http_host`, also a GET.
pub fn run(
    stream: BoundedStream,
    config_versions: &[&'static rustls::SupportedProtocolVersion],
    suites: Option<Vec<rustls::SupportedCipherSuite>>,
    name: ServerName<'static>,
    roots: Arc<RootCertStore>,
    roots_name: &str,
    http_host: Option<&str>,
) -> Outcome {
    let mut prov = rustls::crypto::ring::default_provider();
    if let Some(s) = suites {
        prov.cipher_suites = s;
    }
    let verifier = Arc::new(RecordingVerifier::new(roots, roots_name));
    let config = match rustls::ClientConfig::builder_with_provider(Arc::new(prov))
        .with_protocol_versions(config_versions)
    {
        Ok(b) => {
            let mut c = b
                .dangerous()
                .with_custom_certificate_verifier(verifier.clone())
                .with_no_client_auth();
            c.alpn_protocols = vec![b"http/1.1".to_vec()];
            c.enable_sni = true;
            c
        }
        Err(e) => {
            return Outcome {
                negotiated: None,
                error: Some(format!("rustls configuration: {e}")),
                tls_answer: false,
                recorded: Recorded::default(),
                http: None,
            };
        }
    };
    let conn = match rustls::ClientConnection::new(Arc::new(config), name) {
        Ok(c) => c,
        Err(e) => {
            return Outcome {
                negotiated: None,
                error: Some(e.to_string()),
                tls_answer: false,
                recorded: Recorded::default(),
                http: None,
            };
        }
    };
    let mut tls = rustls::StreamOwned::new(conn, stream);
    let mut received_any = false;
    let mut error = None;
    while tls.conn.is_handshaking() {
        match tls.conn.complete_io(&mut tls.sock) {
            Ok((rd, _)) => {
                received_any |= rd > 0;
                if rd == 0 && tls.conn.wants_read() {
                    // complete_io returns (0, 0) at EOF.
                    error = Some(if received_any {
                        "the server closed the connection during the handshake".to_string()
                    } else {
                        "the server closed the connection without answering".to_string()
                    });
                    break;
                }
            }
            Err(e) => {
                let inner = e
                    .get_ref()
                    .and_then(|i| i.downcast_ref::<rustls::Error>())
                    .cloned();
                received_any |= inner.as_ref().is_some_and(|i| {
                    matches!(
                        i,
                        rustls::Error::AlertReceived(_)
                            | rustls::Error::PeerIncompatible(_)
                            | rustls::Error::PeerMisbehaved(_)
                            | rustls::Error::NoCertificatesPresented
                    )
                });
                error = Some(match inner {
                    Some(rustls::Error::AlertReceived(a)) => format!("alert {a:?}"),
                    Some(rustls::Error::InvalidMessage(m)) => {
                        format!("the server's answer is not valid TLS: {m:?}")
                    }
                    Some(other) => other.to_string(),
                    None => http::describe_io(&e),
                });
                break;
            }
        }
    }
    let recorded = verifier.take();
    let tls_answer = received_any || !recorded.chain.is_empty();
    if let Some(error) = error {
        return Outcome {
            negotiated: None,
            error: Some(error),
            tls_answer,
            recorded,
            http: None,
        };
    }
    let negotiated = match (
        tls.conn.protocol_version(),
        tls.conn.negotiated_cipher_suite(),
    ) {
        (Some(v), Some(s)) => Some((u16::from(v), u16::from(s.suite()))),
        _ => None,
    };
    let http = http_host.map(|h| http::get(&mut tls, h));
    tls.conn.send_close_notify();
    let _ = tls.flush();
    Outcome {
        negotiated,
        error: None,
        tls_answer: true,
        recorded,
        http,
    }
}

/// rustls's TLS 1.3 suites (ring provider), by code point.
pub fn tls13_suites() -> Vec<rustls::SupportedCipherSuite> {
    rustls::crypto::ring::default_provider()
        .cipher_suites
        .into_iter()
        .filter(|s| s.version() == &rustls::version::TLS13)
        .collect()
}
