//! Optional encryption at rest for state, plans and the journal:
//! AES-256-GCM, with the key either given directly (32 bytes, base64) or
//! derived from a passphrase with PBKDF2-HMAC-SHA256 (600,000 rounds, a
//! random salt per process recorded in each envelope).
//!
//! An encrypted file is a JSON envelope that says how it was made, so a
//! reader knows it needs a key and a wrong key is reported as such rather
//! than as a corrupt state.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use rand::Rng;
use std::collections::HashMap;
use std::sync::Mutex;

const B64: base64::engine::general_purpose::GeneralPurpose =
    base64::engine::general_purpose::STANDARD;
pub const PBKDF2_ROUNDS: u32 = 600_000;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CryptError {
    #[error("the data is encrypted; give the key (STRATA_STATE_KEY) or passphrase (STRATA_STATE_PASSPHRASE) it was written with")]
    NeedsKey,
    #[error("the data cannot be decrypted with the given key or passphrase (wrong key, or the file was altered)")]
    WrongKey,
    #[error("invalid encryption envelope: {0}")]
    Invalid(String),
    #[error("the data is not encrypted, though a key is set: it was written without the key, or replaced. To encrypt a state written before the key was set, run `strata apply` once with STRATA_STATE_ACCEPT_PLAINTEXT=1")]
    Plaintext,
}

enum Secret {
    Key([u8; 32]),
    Passphrase(String),
}

/// Encrypts and decrypts with one key or passphrase.
pub struct Cipher {
    secret: Secret,
    /// The salt this process writes with.
    salt: [u8; 16],
    /// Keys derived so far, by salt (derivation is deliberately slow).
    derived: Mutex<HashMap<[u8; 16], [u8; 32]>>,
    /// Whether data that is not encrypted is read (once, to encrypt a
    /// state written before the key was set); otherwise it is refused,
    /// so a file cannot be swapped for a plain one unnoticed.
    accept_plaintext: bool,
}

/// The most PBKDF2 rounds an envelope may ask for: a file cannot make a
/// reader spin for hours.
pub const MAX_PBKDF2_ROUNDS: u32 = 10 * PBKDF2_ROUNDS;

#[derive(serde::Serialize, serde::Deserialize)]
struct Envelope {
    strata_encrypted: u32,
    /// "key" or "pbkdf2-sha256".
    kdf: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    salt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rounds: Option<u32>,
    nonce: String,
    ciphertext: String,
}

impl Cipher {
    /// A key given directly, as base64 of 32 bytes.
    pub fn from_key_base64(text: &str) -> Result<Cipher, CryptError> {
        let bytes = B64
            .decode(text.trim())
            .map_err(|e| CryptError::Invalid(format!("the key is not base64: {e}")))?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| {
            CryptError::Invalid("the key must be 32 bytes (base64 of 32 random bytes)".into())
        })?;
        Ok(Cipher {
            secret: Secret::Key(key),
            salt: [0; 16],
            derived: Mutex::new(HashMap::new()),
            accept_plaintext: false,
        })
    }

    pub fn from_passphrase(passphrase: &str) -> Result<Cipher, CryptError> {
        if passphrase.chars().count() < 12 {
            return Err(CryptError::Invalid(
                "the passphrase must be at least 12 characters".into(),
            ));
        }
        let salt: [u8; 16] = rand::rng().random();
        Ok(Cipher {
            secret: Secret::Passphrase(passphrase.to_string()),
            salt,
            derived: Mutex::new(HashMap::new()),
            accept_plaintext: false,
        })
    }

    pub fn accepts_plaintext(&self) -> bool {
        self.accept_plaintext
    }

    /// Reads data that is not encrypted too (see [`open`]).
    pub fn accepting_plaintext(mut self) -> Cipher {
        self.accept_plaintext = true;
        self
    }

    fn key_for(&self, salt: &[u8; 16], rounds: u32) -> [u8; 32] {
        match &self.secret {
            Secret::Key(k) => *k,
            Secret::Passphrase(p) => {
                let mut cache = self.derived.lock().expect("key cache");
                *cache.entry(*salt).or_insert_with(|| {
                    let mut key = [0u8; 32];
                    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(p.as_bytes(), salt, rounds, &mut key);
                    key
                })
            }
        }
    }

    pub fn encrypt(&self, plaintext: &[u8]) -> Vec<u8> {
        let passphrase = matches!(self.secret, Secret::Passphrase(_));
        let key = self.key_for(&self.salt, PBKDF2_ROUNDS);
        let nonce_bytes: [u8; 12] = rand::rng().random();
        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(key));
        let ciphertext = cipher
            .encrypt(&Nonce::from(nonce_bytes), plaintext)
            .expect("AES-GCM encryption does not fail");
        let envelope = Envelope {
            strata_encrypted: 1,
            kdf: if passphrase {
                "pbkdf2-sha256".into()
            } else {
                "key".into()
            },
            salt: passphrase.then(|| B64.encode(self.salt)),
            rounds: passphrase.then_some(PBKDF2_ROUNDS),
            nonce: B64.encode(nonce_bytes),
            ciphertext: B64.encode(ciphertext),
        };
        serde_json::to_vec(&envelope).expect("envelopes serialize")
    }

    pub fn decrypt(&self, data: &[u8]) -> Result<Vec<u8>, CryptError> {
        let envelope: Envelope =
            serde_json::from_slice(data).map_err(|e| CryptError::Invalid(e.to_string()))?;
        let decode = |field: &str, text: &str| {
            B64.decode(text)
                .map_err(|e| CryptError::Invalid(format!("{field}: {e}")))
        };
        let key = match (envelope.kdf.as_str(), &self.secret) {
            ("key", Secret::Key(k)) => *k,
            ("pbkdf2-sha256", Secret::Passphrase(_)) => {
                let salt: [u8; 16] = decode("salt", envelope.salt.as_deref().unwrap_or(""))?
                    .try_into()
                    .map_err(|_| CryptError::Invalid("salt".into()))?;
                let rounds = envelope.rounds.unwrap_or(PBKDF2_ROUNDS);
                if rounds == 0 || rounds > MAX_PBKDF2_ROUNDS {
                    return Err(CryptError::Invalid(format!(
                        "{rounds} key derivation rounds (at most {MAX_PBKDF2_ROUNDS})"
                    )));
                }
                self.key_for(&salt, rounds)
            }
            _ => return Err(CryptError::WrongKey),
        };
        let nonce: [u8; 12] = decode("nonce", &envelope.nonce)?
            .try_into()
            .map_err(|_| CryptError::Invalid("nonce".into()))?;
        let ciphertext = decode("ciphertext", &envelope.ciphertext)?;
        Aes256Gcm::new(&Key::<Aes256Gcm>::from(key))
            .decrypt(&Nonce::from(nonce), ciphertext.as_ref())
            .map_err(|_| CryptError::WrongKey)
    }
}

/// Whether bytes are an encryption envelope.
pub fn is_encrypted(data: &[u8]) -> bool {
    let head: Vec<u8> = data
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .take(20)
        .collect();
    head.starts_with(b"{\"strata_encrypted\"")
}

/// Bytes as a store keeps them: encrypted when there is a cipher.
pub fn seal(cipher: Option<&Cipher>, bytes: Vec<u8>) -> Vec<u8> {
    match cipher {
        Some(c) => c.encrypt(&bytes),
        None => bytes,
    }
}

/// Stored bytes as plain: decrypted when they are an envelope, which
/// needs the cipher. With a cipher, bytes that are not an envelope are
/// refused unless it accepts plaintext: AES-GCM authenticates what it
/// decrypts, and this keeps an attacker from replacing it with a plain
/// file.
pub fn open(cipher: Option<&Cipher>, bytes: Vec<u8>) -> Result<Vec<u8>, CryptError> {
    if !is_encrypted(&bytes) {
        return match cipher {
            Some(c) if !c.accept_plaintext => Err(CryptError::Plaintext),
            _ => Ok(bytes),
        };
    }
    match cipher {
        Some(c) => c.decrypt(&bytes),
        None => Err(CryptError::NeedsKey),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_wrong_keys() {
        let a = Cipher::from_passphrase("correct horse battery staple").unwrap();
        let sealed = a.encrypt(b"{\"serial\": 1}");
        assert!(is_encrypted(&sealed));
        assert!(!String::from_utf8_lossy(&sealed).contains("serial"));
        assert_eq!(a.decrypt(&sealed).unwrap(), b"{\"serial\": 1}");
        // A different process with the same passphrase reads it.
        let b = Cipher::from_passphrase("correct horse battery staple").unwrap();
        assert_eq!(b.decrypt(&sealed).unwrap(), b"{\"serial\": 1}");
        let wrong = Cipher::from_passphrase("another long passphrase").unwrap();
        assert_eq!(wrong.decrypt(&sealed), Err(CryptError::WrongKey));
        let key = Cipher::from_key_base64(&B64.encode([7u8; 32])).unwrap();
        assert_eq!(key.decrypt(&key.encrypt(b"x")).unwrap(), b"x");
        assert_eq!(key.decrypt(&sealed), Err(CryptError::WrongKey));
        assert!(Cipher::from_passphrase("short").is_err());
    }
}
