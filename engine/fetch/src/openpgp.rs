//! OpenPGP detached signatures, as a provider registry signs its
//! `SHA256SUMS` (RFC 4880): version 4 public keys and subkeys (RSA and
//! Ed25519), version 4 signatures over binary documents with SHA-256,
//! SHA-384 or SHA-512. That is what registries publish; anything else is
//! refused with a message that says what it is.
//!
//! Only checking is done here: which keys to trust is the caller's
//! decision (a provider registry gives the keys with each package). A
//! key's self-signatures and subkey bindings are not checked: the keys
//! come whole from the registry that vouches for them.

use base64::Engine;
use sha2::Digest;

/// A key that can check signatures: a primary key or a subkey.
#[derive(Clone, Debug)]
pub struct Key {
    /// The 8-byte key ID, as hex in capitals (`34365D9472D7468F`).
    pub id: String,
    material: Material,
}

#[derive(Clone, Debug)]
enum Material {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    Ed25519([u8; 32]),
    /// A key of an algorithm this module does not check with.
    Other(u8),
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The bytes inside ASCII armor (`-----BEGIN PGP …-----`), or the text
/// itself when it is not armored.
pub fn dearmor(text: &[u8]) -> Result<Vec<u8>, String> {
    let Ok(s) = std::str::from_utf8(text) else {
        return Ok(text.to_vec());
    };
    let Some(start) = s.find("-----BEGIN PGP ") else {
        return Ok(text.to_vec());
    };
    let mut lines = s[start..].lines().skip(1);
    // Armor headers ("Comment: …") end at the first blank line.
    let mut body = String::new();
    let mut in_headers = true;
    for line in lines.by_ref() {
        let line = line.trim();
        if in_headers {
            if line.is_empty() {
                in_headers = false;
            } else if !line.contains(": ") {
                in_headers = false;
                body.push_str(line);
            }
            continue;
        }
        if line.starts_with("-----END PGP ") || line.starts_with('=') {
            break;
        }
        body.push_str(line);
    }
    base64::engine::general_purpose::STANDARD
        .decode(body.as_bytes())
        .map_err(|e| format!("the armored block is not base64: {e}"))
}

/// The packets of a binary OpenPGP message: (tag, body).
fn packets(mut data: &[u8]) -> Result<Vec<(u8, &[u8])>, String> {
    let truncated = || "the OpenPGP data is cut short".to_string();
    let mut out = Vec::new();
    while !data.is_empty() {
        let first = data[0];
        if first & 0x80 == 0 {
            return Err("the data is not OpenPGP (a packet header lacks its high bit)".into());
        }
        let (tag, header, length) = if first & 0x40 != 0 {
            let tag = first & 0x3f;
            let o1 = *data.get(1).ok_or_else(truncated)? as usize;
            match o1 {
                0..=191 => (tag, 2, o1),
                192..=223 => {
                    let o2 = *data.get(2).ok_or_else(truncated)? as usize;
                    (tag, 3, ((o1 - 192) << 8) + o2 + 192)
                }
                255 => {
                    let b = data.get(2..6).ok_or_else(truncated)?;
                    (
                        tag,
                        6,
                        u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize,
                    )
                }
                _ => return Err("partial-length OpenPGP packets are not supported here".into()),
            }
        } else {
            let tag = (first >> 2) & 0x0f;
            match first & 3 {
                0 => (tag, 2, *data.get(1).ok_or_else(truncated)? as usize),
                1 => {
                    let b = data.get(1..3).ok_or_else(truncated)?;
                    (tag, 3, u16::from_be_bytes([b[0], b[1]]) as usize)
                }
                2 => {
                    let b = data.get(1..5).ok_or_else(truncated)?;
                    (
                        tag,
                        5,
                        u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize,
                    )
                }
                _ => (tag, 1, data.len() - 1),
            }
        };
        let body = data.get(header..header + length).ok_or_else(truncated)?;
        out.push((tag, body));
        data = &data[header + length..];
    }
    Ok(out)
}

/// A multiprecision integer at the start of `data`: its bytes and the rest.
fn mpi(data: &[u8]) -> Result<(&[u8], &[u8]), String> {
    let bits = u16::from_be_bytes([
        *data.first().ok_or("an MPI is missing")?,
        *data.get(1).ok_or("an MPI is cut short")?,
    ]) as usize;
    let len = bits.div_ceil(8);
    let value = data.get(2..2 + len).ok_or("an MPI is cut short")?;
    Ok((value, &data[2 + len..]))
}

/// The OID of Ed25519 in legacy EdDSA keys (1.3.6.1.4.1.11591.15.1).
const ED25519_OID: &[u8] = &[0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01];

fn key_of(body: &[u8]) -> Result<Option<Key>, String> {
    if body.first() != Some(&4) {
        // Version 3, 5 and 6 keys are not read.
        return Ok(None);
    }
    let algorithm = *body.get(5).ok_or("a public key is cut short")?;
    let mut prefix = vec![0x99];
    prefix.extend_from_slice(&(body.len() as u16).to_be_bytes());
    let mut hasher = sha1::Sha1::new();
    hasher.update(&prefix);
    hasher.update(body);
    let fingerprint = hasher.finalize();
    let id = hex_upper(&fingerprint[12..20]);
    let rest = &body[6..];
    let material = match algorithm {
        1 | 3 => {
            let (n, rest) = mpi(rest)?;
            let (e, _) = mpi(rest)?;
            Material::Rsa {
                n: n.to_vec(),
                e: e.to_vec(),
            }
        }
        22 => {
            let len = *rest.first().ok_or("an EdDSA key is cut short")? as usize;
            let oid = rest.get(1..1 + len).ok_or("an EdDSA key is cut short")?;
            let (point, _) = mpi(&rest[1 + len..])?;
            match (oid == ED25519_OID, point) {
                (true, [0x40, key @ ..]) if key.len() == 32 => {
                    Material::Ed25519(key.try_into().expect("32 bytes"))
                }
                _ => Material::Other(algorithm),
            }
        }
        other => Material::Other(other),
    };
    Ok(Some(Key { id, material }))
}

/// The keys (primary keys and subkeys) of an armored or binary public
/// key block.
pub fn read_keys(block: &[u8]) -> Result<Vec<Key>, String> {
    let data = dearmor(block)?;
    let mut keys = Vec::new();
    for (tag, body) in packets(&data)? {
        // 6: public key, 14: public subkey.
        if matches!(tag, 6 | 14) {
            keys.extend(key_of(body)?);
        }
    }
    if keys.is_empty() {
        return Err("the block holds no OpenPGP public key".into());
    }
    Ok(keys)
}

struct Signature<'a> {
    algorithm: u8,
    hash: u8,
    /// The signed part of the packet: version through hashed subpackets.
    hashed: &'a [u8],
    issuer: Option<String>,
    values: &'a [u8],
}

/// The issuer's key ID among a signature's subpackets (16: issuer key
/// ID; 33: issuer fingerprint, whose last 8 bytes are the key ID).
fn issuer(mut data: &[u8]) -> Option<String> {
    while !data.is_empty() {
        let (len, header) = match data[0] {
            0..=191 => (data[0] as usize, 1),
            192..=254 => (
                ((data[0] as usize - 192) << 8) + *data.get(1)? as usize + 192,
                2,
            ),
            255 => {
                let b = data.get(1..5)?;
                (u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize, 5)
            }
        };
        let packet = data.get(header..header + len)?;
        let (kind, value) = (packet.first()? & 0x7f, &packet[1..]);
        match kind {
            16 if value.len() == 8 => return Some(hex_upper(value)),
            33 if value.len() == 21 => return Some(hex_upper(&value[13..])),
            _ => {}
        }
        data = &data[header + len..];
    }
    None
}

fn signature_of(body: &[u8]) -> Result<Signature<'_>, String> {
    let cut = || "the signature is cut short".to_string();
    match body.first() {
        Some(4) => {}
        Some(v) => return Err(format!("version {v} signatures are not supported")),
        None => return Err(cut()),
    }
    let kind = *body.get(1).ok_or_else(cut)?;
    if kind != 0 {
        return Err(format!(
            "the signature is of type {kind:#04x}; a detached signature of a binary document (0x00) is expected"
        ));
    }
    let algorithm = *body.get(2).ok_or_else(cut)?;
    let hash = *body.get(3).ok_or_else(cut)?;
    let hashed_len =
        u16::from_be_bytes(body.get(4..6).ok_or_else(cut)?.try_into().expect("2")) as usize;
    let hashed_end = 6 + hashed_len;
    let hashed_area = body.get(6..hashed_end).ok_or_else(cut)?;
    let unhashed_len = u16::from_be_bytes(
        body.get(hashed_end..hashed_end + 2)
            .ok_or_else(cut)?
            .try_into()
            .expect("2"),
    ) as usize;
    let unhashed_end = hashed_end + 2 + unhashed_len;
    let unhashed_area = body.get(hashed_end + 2..unhashed_end).ok_or_else(cut)?;
    // Two bytes of the digest's start follow, then the values.
    let values = body.get(unhashed_end + 2..).ok_or_else(cut)?;
    Ok(Signature {
        algorithm,
        hash,
        hashed: &body[..hashed_end],
        issuer: issuer(hashed_area).or_else(|| issuer(unhashed_area)),
        values,
    })
}

/// `n`'s bytes with `value` left-padded to its length.
fn padded(value: &[u8], len: usize) -> Option<Vec<u8>> {
    if value.len() > len {
        return None;
    }
    let mut out = vec![0; len - value.len()];
    out.extend_from_slice(value);
    Some(out)
}

/// Checks a detached signature (armored or binary) of `data` against
/// `keys`; on success, the ID of the key that signed.
pub fn verify_detached(keys: &[Key], data: &[u8], signature: &[u8]) -> Result<String, String> {
    let raw = dearmor(signature)?;
    let packets = packets(&raw)?;
    let Some((_, body)) = packets.iter().find(|(tag, _)| *tag == 2) else {
        return Err("the signature file holds no signature".into());
    };
    let sig = signature_of(body)?;
    let Some(issuer) = sig.issuer.clone() else {
        return Err("the signature does not say which key made it".into());
    };
    let Some(key) = keys.iter().find(|k| k.id == issuer) else {
        return Err(format!(
            "it was made by key {issuer}, which is not among the keys given ({})",
            keys.iter()
                .map(|k| k.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    let mut signed = Vec::with_capacity(data.len() + sig.hashed.len() + 6);
    signed.extend_from_slice(data);
    signed.extend_from_slice(sig.hashed);
    signed.extend_from_slice(&[0x04, 0xFF]);
    signed.extend_from_slice(&(sig.hashed.len() as u32).to_be_bytes());
    let bad = || format!("the signature by key {issuer} does not match the data");
    match (&key.material, sig.algorithm) {
        (Material::Rsa { n, e }, 1 | 3) => {
            use ring::signature as rs;
            let params = match sig.hash {
                8 => &rs::RSA_PKCS1_2048_8192_SHA256,
                9 => &rs::RSA_PKCS1_2048_8192_SHA384,
                10 => &rs::RSA_PKCS1_2048_8192_SHA512,
                other => return Err(unsupported_hash(other)),
            };
            let (value, _) = mpi(sig.values)?;
            let value = padded(value, n.len()).ok_or_else(bad)?;
            rs::RsaPublicKeyComponents { n, e }
                .verify(params, &signed, &value)
                .map_err(|_| bad())?;
        }
        (Material::Ed25519(public), 22) => {
            // EdDSA in OpenPGP signs the digest.
            let digest: Vec<u8> = match sig.hash {
                8 => sha2::Sha256::digest(&signed).to_vec(),
                9 => sha2::Sha384::digest(&signed).to_vec(),
                10 => sha2::Sha512::digest(&signed).to_vec(),
                other => return Err(unsupported_hash(other)),
            };
            let (r, rest) = mpi(sig.values)?;
            let (s, _) = mpi(rest)?;
            let mut value = padded(r, 32).ok_or_else(bad)?;
            value.extend(padded(s, 32).ok_or_else(bad)?);
            ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, public)
                .verify(&digest, &value)
                .map_err(|_| bad())?;
        }
        (Material::Other(a), _) => {
            return Err(format!(
                "key {issuer} uses OpenPGP public-key algorithm {a}, which Strata does not check (RSA and Ed25519 only)"
            ))
        }
        (_, a) => {
            return Err(format!(
                "the signature's algorithm ({a}) does not match key {issuer}'s"
            ))
        }
    }
    Ok(issuer)
}

fn unsupported_hash(id: u8) -> String {
    format!(
        "the signature uses OpenPGP hash algorithm {id}; SHA-256, SHA-384 and SHA-512 are accepted"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/openpgp")
                .join(name),
        )
        .expect("fixture")
    }

    #[test]
    fn rsa_ed25519_and_subkey_signatures_verify() {
        let data = fixture("SHA256SUMS");
        for (key, sig, id) in [
            ("rsa.asc", "SHA256SUMS.rsa.sig", "324367DD1058C40C"),
            ("rsa.asc", "SHA256SUMS.rsa.asc", "324367DD1058C40C"),
            ("ed25519.asc", "SHA256SUMS.ed25519.sig", "6115E2111264AE1A"),
            ("subkey.asc", "SHA256SUMS.subkey.sig", "E89561C452A1E387"),
        ] {
            let keys = read_keys(&fixture(key)).unwrap();
            assert_eq!(
                verify_detached(&keys, &data, &fixture(sig)).as_deref(),
                Ok(id),
                "{sig}"
            );
        }
    }

    #[test]
    fn changed_data_and_other_keys_are_refused() {
        let mut data = fixture("SHA256SUMS");
        let rsa = read_keys(&fixture("rsa.asc")).unwrap();
        let ed = read_keys(&fixture("ed25519.asc")).unwrap();
        let other = read_keys(&fixture("other.asc")).unwrap();
        let err = verify_detached(&other, &data, &fixture("SHA256SUMS.rsa.sig")).unwrap_err();
        assert!(
            err.contains("324367DD1058C40C") && err.contains("not among"),
            "{err}"
        );
        data[0] ^= 1;
        for (keys, sig) in [
            (&rsa, "SHA256SUMS.rsa.sig"),
            (&ed, "SHA256SUMS.ed25519.sig"),
        ] {
            let err = verify_detached(keys, &data, &fixture(sig)).unwrap_err();
            assert!(err.contains("does not match"), "{err}");
        }
        // A signature cut short is an error, not a panic.
        let sig = fixture("SHA256SUMS.rsa.sig");
        for cut in [1, 5, 20, sig.len() - 3] {
            assert!(verify_detached(&rsa, &data, &sig[..cut]).is_err());
        }
        assert!(read_keys(b"not a key").is_err());
    }
}
