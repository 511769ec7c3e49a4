//! go-plugin's AutoMTLS, as Terraform's plugin client does it: a throwaway
//! client certificate given to the plugin in `PLUGIN_CLIENT_CERT`, and a
//! TLS connection that accepts exactly the certificate the plugin's
//! handshake line names.
//!
//! The plugin's certificate is ECDSA P-521 with SHA-512, which `ring`
//! cannot verify, so that one signature algorithm is the `p521` crate's;
//! everything else (key exchange, ciphers, the client's P-256 key) is
//! `ring`'s, through rustls.

use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{
    alg_id, AlgorithmIdentifier, CertificateDer, InvalidSignature, PrivateKeyDer,
    PrivatePkcs8KeyDer, ServerName, SignatureVerificationAlgorithm, UnixTime,
};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::Arc;

/// A client certificate and its key, made for one plugin process.
pub struct ClientIdentity {
    /// The certificate as `PLUGIN_CLIENT_CERT` carries it.
    pub pem: String,
    der: Vec<u8>,
    key: Vec<u8>,
}

impl ClientIdentity {
    /// A new P-256 key and a self-signed certificate for it, valid from a
    /// minute ago for 30 days.
    pub fn generate() -> Result<ClientIdentity, String> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| "cannot make a client key".to_string())?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .map_err(|_| "cannot read the client key".to_string())?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let mut serial = [0u8; 16];
        ring::rand::SecureRandom::fill(&rng, &mut serial)
            .map_err(|_| "no randomness for a serial number".to_string())?;
        serial[0] &= 0x7f;
        serial[0] |= 0x01;
        let tbs = der::to_be_signed(&serial, now, pair.public_key().as_ref());
        let signature = pair
            .sign(&rng, &tbs)
            .map_err(|_| "cannot sign the client certificate".to_string())?;
        let der = der::certificate(&tbs, signature.as_ref());
        Ok(ClientIdentity {
            pem: pem(&der),
            der,
            key: pkcs8.as_ref().to_vec(),
        })
    }
}

fn pem(der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// The TLS client for a plugin that serves `server_certificate`.
pub fn connector(
    identity: &ClientIdentity,
    server_certificate: &[u8],
) -> Result<tokio_rustls::TlsConnector, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Pinned {
            certificate: server_certificate.to_vec(),
        }))
        .with_client_auth_cert(
            vec![CertificateDer::from(identity.der.clone())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(identity.key.clone())),
        )
        .map_err(|e| e.to_string())?;
    // gRPC over TLS is HTTP/2, named by ALPN.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// The name the plugin's certificate is made for.
pub fn server_name() -> ServerName<'static> {
    ServerName::try_from("localhost").expect("a DNS name")
}

/// Accepts the one certificate the handshake line named (go-plugin's
/// client trusts it as its only root; it is self-signed and marked a CA,
/// so a path check would refuse it), and checks that the server holds
/// its key.
#[derive(Debug)]
struct Pinned {
    certificate: Vec<u8>,
}

/// ECDSA over P-521 with SHA-512.
#[derive(Debug)]
struct EcdsaP521Sha512;

impl SignatureVerificationAlgorithm for EcdsaP521Sha512 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        use p521::ecdsa::signature::Verifier;
        let key =
            p521::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let signature =
            p521::ecdsa::Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        key.verify(message, &signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P521
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_SHA512
    }
}

static P521: &dyn SignatureVerificationAlgorithm = &EcdsaP521Sha512;

/// The handshake signatures a plugin's P-521 key makes.
static ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[P521],
    mapping: &[(SignatureScheme::ECDSA_NISTP521_SHA512, &[P521])],
};

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.certificate.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &ALGORITHMS)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &ALGORITHMS)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        ALGORITHMS.supported_schemes()
    }
}

/// The DER of a minimal X.509 v3 certificate (no extensions): subject and issuer
/// `CN=localhost`, an EC P-256 key, signed with ECDSA-SHA256. Go accepts
/// it as a client certificate when it is the pool's own root, as
/// go-plugin's server makes it.
mod der {
    const SEQUENCE: u8 = 0x30;
    const SET: u8 = 0x31;
    const INTEGER: u8 = 0x02;
    const BIT_STRING: u8 = 0x03;
    const OID: u8 = 0x06;
    const UTF8: u8 = 0x0c;
    const UTC_TIME: u8 = 0x17;
    /// 1.2.840.10045.4.3.2
    const ECDSA_WITH_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    /// 1.2.840.10045.2.1
    const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    /// 1.2.840.10045.3.1.7
    const PRIME256V1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    /// 2.5.4.3
    const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let n = content.len();
        if n < 0x80 {
            out.push(n as u8);
        } else {
            let bytes: Vec<u8> = n
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend(bytes);
        }
        out.extend_from_slice(content);
        out
    }

    fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
        tlv(SEQUENCE, &parts.concat())
    }

    fn bits(bytes: &[u8]) -> Vec<u8> {
        let mut content = vec![0];
        content.extend_from_slice(bytes);
        tlv(BIT_STRING, &content)
    }

    fn name() -> Vec<u8> {
        seq(&[tlv(
            SET,
            &seq(&[tlv(OID, COMMON_NAME), tlv(UTF8, b"localhost")]),
        )])
    }

    /// `YYMMDDHHMMSSZ` (UTCTime holds years 1950 to 2049).
    fn utc_time(secs: u64) -> Vec<u8> {
        let full = strata_types::time::rfc3339(i64::try_from(secs).unwrap_or(i64::MAX), None);
        let digits: String = full
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == 'Z')
            .skip(2)
            .collect();
        tlv(UTC_TIME, digits.as_bytes())
    }

    fn algorithm() -> Vec<u8> {
        seq(&[tlv(OID, ECDSA_WITH_SHA256)])
    }

    /// The part of the certificate that is signed.
    pub(super) fn to_be_signed(serial: &[u8], now: u64, public_key: &[u8]) -> Vec<u8> {
        seq(&[
            // [0] EXPLICIT version: v3.
            tlv(0xa0, &tlv(INTEGER, &[2])),
            tlv(INTEGER, serial),
            algorithm(),
            name(),
            seq(&[
                utc_time(now.saturating_sub(60)),
                utc_time(now + 30 * 86_400),
            ]),
            name(),
            seq(&[
                seq(&[tlv(OID, EC_PUBLIC_KEY), tlv(OID, PRIME256V1)]),
                bits(public_key),
            ]),
        ])
    }

    pub(super) fn certificate(tbs: &[u8], signature: &[u8]) -> Vec<u8> {
        seq(&[tbs.to_vec(), algorithm(), bits(signature)])
    }

    #[cfg(test)]
    pub(super) fn time_text(secs: u64) -> String {
        String::from_utf8_lossy(&utc_time(secs)[2..]).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_times_are_civil_dates() {
        assert_eq!(der::time_text(0), "700101000000Z");
        // 2026-11-30 16:41:05 UTC.
        assert_eq!(der::time_text(1_796_056_865), "261130164105Z");
        // 2024-02-29 23:59:59 UTC, a leap day.
        assert_eq!(der::time_text(1_709_251_199), "240229235959Z");
    }

    #[test]
    fn the_client_certificate_carries_its_key() {
        let identity = ClientIdentity::generate().expect("identity");
        assert!(identity.pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        let cert = CertificateDer::from(identity.der.clone());
        // A signature by the identity's key verifies against the
        // certificate as a TLS peer's would; a signature of something
        // else does not.
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &identity.key, &rng)
            .expect("key");
        let signed = pair.sign(&rng, b"client hello").expect("sign");
        let parsed = webpki::EndEntityCert::try_from(&cert).expect("an X.509 certificate");
        let alg = webpki::ring::ECDSA_P256_SHA256;
        assert!(parsed
            .verify_signature(alg, b"client hello", signed.as_ref())
            .is_ok());
        assert!(parsed
            .verify_signature(alg, b"client hellO", signed.as_ref())
            .is_err());
        connector(&identity, b"server").expect("a client config with this identity");
    }

    #[test]
    fn p521_signatures_verify_and_forgeries_do_not() {
        use p521::ecdsa::signature::Signer;
        let mut scalar = [7u8; 66];
        scalar[0] = 1;
        let key = p521::ecdsa::SigningKey::from_slice(&scalar).expect("key");
        let public = key.verifying_key().to_sec1_point(false);
        let signature: p521::ecdsa::Signature = key.sign(b"handshake");
        let der = signature.to_der();
        let alg = EcdsaP521Sha512;
        assert!(alg
            .verify_signature(public.as_bytes(), b"handshake", der.as_bytes())
            .is_ok());
        assert!(alg
            .verify_signature(public.as_bytes(), b"handshakE", der.as_bytes())
            .is_err());
    }

    #[test]
    fn only_the_named_certificate_is_accepted() {
        let pinned = Pinned {
            certificate: vec![1, 2, 3],
        };
        let check = |der: Vec<u8>| {
            pinned.verify_server_cert(
                &CertificateDer::from(der),
                &[],
                &server_name(),
                &[],
                UnixTime::now(),
            )
        };
        assert!(check(vec![1, 2, 3]).is_ok());
        assert!(check(vec![1, 2, 4]).is_err());
    }
}
