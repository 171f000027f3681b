//! A live stream's public key, its DNSKEY wire form, and signature verification.
//!
//! A live swarm is named by its source's public key: the swarm ID is the DNSSEC algorithm
//! number followed by the public key field of a DNSKEY record (RFC 7574 section 6.1; the flags
//! and protocol fields of DNSKEY are left out). The key field is, per algorithm:
//!
//! * ECDSA (RFC 6605): the point's X ‖ Y, 64 bytes for P-256 and 96 for P-384, without the
//!   SEC1 `0x04` prefix;
//! * Ed25519 (RFC 8080): the 32-byte public key;
//! * RSA (RFC 3110): exponent length (one byte, or a zero byte and two bytes when above 255),
//!   exponent, modulus, all without leading zeros.
//!
//! Signatures are in DNSSEC form too: ECDSA as fixed-width r ‖ s, not DER.

use std::fmt;

use p256::ecdsa::signature::Verifier as _;
use ppsp_wire::ids::{SwarmId, to_hex};
use ring::signature::{self as ring_sig, RsaPublicKeyComponents};

use super::{KeyError, LiveSignatureAlgorithm, Signature};

/// The public key of a live stream's source.
#[derive(Clone, PartialEq, Eq)]
pub struct LivePublicKey(Key);

#[derive(Clone, PartialEq, Eq)]
enum Key {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa {
        algorithm: LiveSignatureAlgorithm,
        exponent: Vec<u8>,
        modulus: Vec<u8>,
    },
}

/// RSA moduli ring verifies: 1024 to 8192 bits.
const RSA_MODULUS_BYTES: std::ops::RangeInclusive<usize> = 128..=1024;

impl LivePublicKey {
    pub(crate) fn p256(key: p256::ecdsa::VerifyingKey) -> Self {
        Self(Key::P256(key))
    }

    pub(crate) fn p384(key: p384::ecdsa::VerifyingKey) -> Self {
        Self(Key::P384(key))
    }

    pub(crate) fn ed25519(key: ed25519_dalek::VerifyingKey) -> Self {
        Self(Key::Ed25519(key))
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> LiveSignatureAlgorithm {
        match &self.0 {
            Key::P256(_) => LiveSignatureAlgorithm::EcdsaP256Sha256,
            Key::P384(_) => LiveSignatureAlgorithm::EcdsaP384Sha384,
            Key::Ed25519(_) => LiveSignatureAlgorithm::Ed25519,
            Key::Rsa { algorithm, .. } => *algorithm,
        }
    }

    /// Reads the public key field of a DNSKEY record for `algorithm`.
    pub fn from_dnskey(algorithm: LiveSignatureAlgorithm, key: &[u8]) -> Result<Self, KeyError> {
        let malformed = |reason| KeyError::MalformedPublicKey { algorithm, reason };
        let sec1 = |xy: &[u8]| [&[0x04][..], xy].concat();
        let key = match algorithm {
            LiveSignatureAlgorithm::EcdsaP256Sha256 => {
                if key.len() != 64 {
                    return Err(malformed("P-256 keys are 64 bytes"));
                }
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1(key))
                    .map_err(|_| malformed("not a point on P-256"))?;
                Key::P256(key)
            }
            LiveSignatureAlgorithm::EcdsaP384Sha384 => {
                if key.len() != 96 {
                    return Err(malformed("P-384 keys are 96 bytes"));
                }
                let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(&sec1(key))
                    .map_err(|_| malformed("not a point on P-384"))?;
                Key::P384(key)
            }
            LiveSignatureAlgorithm::Ed25519 => {
                let bytes: &[u8; 32] = key
                    .try_into()
                    .map_err(|_| malformed("Ed25519 keys are 32 bytes"))?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(bytes)
                    .map_err(|_| malformed("not an Ed25519 point"))?;
                Key::Ed25519(key)
            }
            LiveSignatureAlgorithm::RsaSha1 | LiveSignatureAlgorithm::RsaSha256 => {
                let (exponent, modulus) = split_rsa_key(key).map_err(malformed)?;
                Key::Rsa {
                    algorithm,
                    exponent: exponent.to_vec(),
                    modulus: modulus.to_vec(),
                }
            }
        };
        Ok(Self(key))
    }

    /// The public key field of the key's DNSKEY record.
    pub fn to_dnskey(&self) -> Vec<u8> {
        match &self.0 {
            Key::P256(key) => key.to_sec1_point(false).as_bytes()[1..].to_vec(),
            Key::P384(key) => key.to_sec1_point(false).as_bytes()[1..].to_vec(),
            Key::Ed25519(key) => key.to_bytes().to_vec(),
            Key::Rsa {
                exponent, modulus, ..
            } => {
                let mut out = Vec::with_capacity(3 + exponent.len() + modulus.len());
                match u8::try_from(exponent.len()) {
                    Ok(len) => out.push(len),
                    Err(_) => {
                        out.push(0);
                        // The parser only accepts exponents with a 16-bit length.
                        out.extend_from_slice(&(exponent.len() as u16).to_be_bytes());
                    }
                }
                out.extend_from_slice(exponent);
                out.extend_from_slice(modulus);
                out
            }
        }
    }

    /// The live swarm ID: the algorithm number followed by the DNSKEY key field.
    pub fn to_swarm_id(&self) -> Result<SwarmId, KeyError> {
        let mut bytes = vec![self.algorithm().code()];
        bytes.extend_from_slice(&self.to_dnskey());
        Ok(SwarmId::new(bytes)?)
    }

    /// The public key named by a live swarm ID.
    pub fn from_swarm_id(id: &SwarmId) -> Result<Self, KeyError> {
        let (&code, key) = id
            .as_bytes()
            .split_first()
            .ok_or(KeyError::UnknownAlgorithm(0))?;
        let algorithm =
            LiveSignatureAlgorithm::from_code(code).ok_or(KeyError::UnknownAlgorithm(code))?;
        Self::from_dnskey(algorithm, key)
    }

    /// Checks a DNSSEC-form signature of `message`. ECDSA hashes with SHA-256 or SHA-384 as
    /// its algorithm says, and Ed25519 uses the strict checks of RFC 8032.
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), KeyError> {
        let signature = signature.as_bytes();
        let verified = match &self.0 {
            Key::P256(key) => p256::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|signature| key.verify(message, &signature).is_ok()),
            Key::P384(key) => p384::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|signature| key.verify(message, &signature).is_ok()),
            Key::Ed25519(key) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|signature| key.verify_strict(message, &signature).is_ok()),
            Key::Rsa {
                algorithm,
                exponent,
                modulus,
            } => {
                let parameters = if *algorithm == LiveSignatureAlgorithm::RsaSha1 {
                    &ring_sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY
                } else {
                    &ring_sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
                };
                let key = RsaPublicKeyComponents {
                    n: modulus,
                    e: exponent,
                };
                key.verify(parameters, message, signature).is_ok()
            }
        };
        if verified {
            Ok(())
        } else {
            Err(KeyError::BadSignature)
        }
    }
}

/// Splits an RFC 3110 key field into exponent and modulus.
fn split_rsa_key(key: &[u8]) -> Result<(&[u8], &[u8]), &'static str> {
    let (exponent_len, rest) = match key {
        [0, high, low, rest @ ..] => (usize::from(u16::from_be_bytes([*high, *low])), rest),
        [len, rest @ ..] => (usize::from(*len), rest),
        [] => return Err("empty key"),
    };
    if exponent_len == 0 || exponent_len > rest.len() {
        return Err("exponent length out of range");
    }
    let (exponent, modulus) = rest.split_at(exponent_len);
    if exponent[0] == 0 || modulus.first().is_none_or(|&b| b == 0) {
        return Err("leading zero or empty modulus");
    }
    if !RSA_MODULUS_BYTES.contains(&modulus.len()) {
        return Err("modulus must be 1024 to 8192 bits");
    }
    Ok((exponent, modulus))
}

impl fmt::Debug for LivePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "LivePublicKey({:?}, {})",
            self.algorithm(),
            to_hex(&self.to_dnskey())
        )
    }
}

#[cfg(test)]
mod tests {
    use ppsp_wire::ids::from_hex;

    use super::*;

    /// A 1024-bit RSA key and PKCS #1 v1.5 signatures made with `openssl dgst -sign`.
    const RSA_MODULUS: &str = "baed9427c2eeb71380fe60ba97e6a055d0bfaf0829c330a8a0cd47cd1e862fa2\
        5e4861691af1059e80ab883b07fabea72bdf46aeaf7c520f499e29257198ef443de22ff2f997c9efb711fe72\
        e07a7d931aed0fd2f38538c64191fbbc2ca801b4a7615ab873425fcb02f61118d2fc04872a8431397d89fb64\
        ecec0e85328847ad";
    const RSA_MESSAGE: &[u8] = b"PPSP live test message";
    const RSA_SHA1_SIGNATURE: &str = "4dc6ea5288fe2ee3677313ee11ed35fe8ca2e16e6a4efae9d11214d512f0\
        a9db19156c944e558945c54864aebb9f6c690b600a54f3e765c0474ffc96d862e4eb8db728202403e8a46d2d\
        13a628d17cffa97512fb4752b179c9157468b75ff5b0e35aaaea243f63c94d89fcea7245bdf3f92ebd2d8bb9\
        580d2d565d25096a74e4";
    const RSA_SHA256_SIGNATURE: &str = "477bab83b77e8cca4f1a8c75c78edfe42814890b3d539c8eb3c45527f1\
        1a22629830a129e4d1c0c2cbf088b37d76f86305f5a9a147a09ca06a723d2424df8d998372676f34bcb95425\
        c90fbe6d31a19680e6004d74a542dec6c0c7f354e54d009f7773c3f25013ea0743c862d79939bf24b440110c\
        0f0b3e0301278caae20122";

    fn rsa_dnskey() -> Vec<u8> {
        [&[3, 0x01, 0x00, 0x01][..], &from_hex(RSA_MODULUS).unwrap()].concat()
    }

    fn signature(hex: &str) -> Signature {
        Signature::new(from_hex(hex).unwrap())
    }

    #[test]
    fn rsa_signatures_verify_with_the_matching_digest() {
        let sha1 =
            LivePublicKey::from_dnskey(LiveSignatureAlgorithm::RsaSha1, &rsa_dnskey()).unwrap();
        let sha256 =
            LivePublicKey::from_dnskey(LiveSignatureAlgorithm::RsaSha256, &rsa_dnskey()).unwrap();
        assert_eq!(
            sha1.verify(RSA_MESSAGE, &signature(RSA_SHA1_SIGNATURE)),
            Ok(())
        );
        assert_eq!(
            sha256.verify(RSA_MESSAGE, &signature(RSA_SHA256_SIGNATURE)),
            Ok(())
        );
        assert_eq!(
            sha1.verify(RSA_MESSAGE, &signature(RSA_SHA256_SIGNATURE)),
            Err(KeyError::BadSignature)
        );
        assert_eq!(
            sha256.verify(b"another message", &signature(RSA_SHA256_SIGNATURE)),
            Err(KeyError::BadSignature)
        );
    }

    #[test]
    fn rsa_keys_round_trip_through_the_swarm_id() {
        let key =
            LivePublicKey::from_dnskey(LiveSignatureAlgorithm::RsaSha256, &rsa_dnskey()).unwrap();
        assert_eq!(key.to_dnskey(), rsa_dnskey());
        let id = key.to_swarm_id().unwrap();
        assert_eq!(id.as_bytes()[0], 8);
        assert_eq!(LivePublicKey::from_swarm_id(&id), Ok(key));
    }

    #[test]
    fn long_rsa_exponent_lengths_use_three_bytes() {
        let exponent = [1u8; 300];
        let field = [&[0, 1, 44][..], &exponent, &from_hex(RSA_MODULUS).unwrap()].concat();
        let key = LivePublicKey::from_dnskey(LiveSignatureAlgorithm::RsaSha1, &field).unwrap();
        assert_eq!(key.to_dnskey(), field);
    }

    #[test]
    fn malformed_keys_are_refused() {
        let modulus = from_hex(RSA_MODULUS).unwrap();
        for (algorithm, key) in [
            (LiveSignatureAlgorithm::RsaSha1, vec![]),
            (LiveSignatureAlgorithm::RsaSha1, vec![0, 0, 0]),
            (LiveSignatureAlgorithm::RsaSha1, vec![3, 1, 0, 1]),
            (
                LiveSignatureAlgorithm::RsaSha1,
                [&[1, 0][..], &modulus].concat(),
            ),
            (
                LiveSignatureAlgorithm::RsaSha1,
                [&[1, 3, 0][..], &modulus].concat(),
            ),
            (
                LiveSignatureAlgorithm::RsaSha1,
                [&[1, 3][..], &modulus[..64]].concat(),
            ),
            (LiveSignatureAlgorithm::EcdsaP256Sha256, vec![1; 64]),
            (LiveSignatureAlgorithm::EcdsaP256Sha256, vec![1; 65]),
            (LiveSignatureAlgorithm::EcdsaP384Sha384, vec![1; 96]),
            (LiveSignatureAlgorithm::Ed25519, vec![1; 31]),
        ] {
            assert!(
                matches!(
                    LivePublicKey::from_dnskey(algorithm, &key),
                    Err(KeyError::MalformedPublicKey { .. })
                ),
                "{algorithm:?} {key:?}"
            );
        }
    }

    #[test]
    fn unknown_algorithms_in_a_swarm_id_are_refused() {
        let id = SwarmId::new(vec![7; 33]).unwrap();
        assert_eq!(
            LivePublicKey::from_swarm_id(&id),
            Err(KeyError::UnknownAlgorithm(7))
        );
    }
}
