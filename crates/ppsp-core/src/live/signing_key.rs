//! A live source's signing key and the signatures it makes.
//!
//! ECDSA signatures use RFC 6979 deterministic nonces, so the same key and message always give
//! the same signature; Ed25519 is deterministic by design. Keys are generated from a caller's
//! random number generator, never from the operating system.

use std::fmt;

use p256::ecdsa::signature::Signer as _;
use p256::elliptic_curve::Generate as _;
use ppsp_wire::ids::to_hex;
use rand_core::CryptoRng;

use super::{KeyError, LivePublicKey, LiveSignatureAlgorithm};

/// A signature in DNSSEC wire form (ECDSA: fixed-width r ‖ s).
#[derive(Clone, PartialEq, Eq)]
pub struct Signature(Vec<u8>);

impl Signature {
    /// Wraps signature bytes as received in a SIGNED_INTEGRITY message.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The signature bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", to_hex(&self.0))
    }
}

/// The private key of a live stream's source: ECDSA P-256 or P-384, or Ed25519. RSA is
/// verification only, because no pure-Rust RSA signer is free of known timing attacks on the
/// private key.
#[derive(Clone)]
pub struct LiveSigningKey(Key);

#[derive(Clone)]
enum Key {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

impl LiveSigningKey {
    /// A new random key for `algorithm`.
    pub fn generate<R: CryptoRng + ?Sized>(
        algorithm: LiveSignatureAlgorithm,
        rng: &mut R,
    ) -> Result<Self, KeyError> {
        let key = match algorithm {
            LiveSignatureAlgorithm::EcdsaP256Sha256 => {
                Key::P256(p256::ecdsa::SigningKey::generate_from_rng(rng))
            }
            LiveSignatureAlgorithm::EcdsaP384Sha384 => {
                Key::P384(p384::ecdsa::SigningKey::generate_from_rng(rng))
            }
            LiveSignatureAlgorithm::Ed25519 => {
                Key::Ed25519(ed25519_dalek::SigningKey::generate(rng))
            }
            LiveSignatureAlgorithm::RsaSha1 | LiveSignatureAlgorithm::RsaSha256 => {
                return Err(KeyError::CannotSign(algorithm));
            }
        };
        Ok(Self(key))
    }

    /// Loads a key from its secret bytes: the 32- or 48-byte ECDSA scalar, or the 32-byte
    /// Ed25519 seed, as [`LiveSigningKey::secret_bytes`] gives them.
    pub fn from_secret_bytes(
        algorithm: LiveSignatureAlgorithm,
        secret: &[u8],
    ) -> Result<Self, KeyError> {
        let malformed = KeyError::MalformedSecretKey(algorithm);
        let key = match algorithm {
            LiveSignatureAlgorithm::EcdsaP256Sha256 => {
                Key::P256(p256::ecdsa::SigningKey::from_slice(secret).map_err(|_| malformed)?)
            }
            LiveSignatureAlgorithm::EcdsaP384Sha384 => {
                Key::P384(p384::ecdsa::SigningKey::from_slice(secret).map_err(|_| malformed)?)
            }
            LiveSignatureAlgorithm::Ed25519 => {
                let seed: &[u8; 32] = secret.try_into().map_err(|_| malformed)?;
                Key::Ed25519(ed25519_dalek::SigningKey::from_bytes(seed))
            }
            LiveSignatureAlgorithm::RsaSha1 | LiveSignatureAlgorithm::RsaSha256 => {
                return Err(KeyError::CannotSign(algorithm));
            }
        };
        Ok(Self(key))
    }

    /// The secret bytes, to store the key; whoever holds them can sign for the stream.
    pub fn secret_bytes(&self) -> Vec<u8> {
        match &self.0 {
            Key::P256(key) => key.to_bytes().to_vec(),
            Key::P384(key) => key.to_bytes().to_vec(),
            Key::Ed25519(key) => key.to_bytes().to_vec(),
        }
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> LiveSignatureAlgorithm {
        match &self.0 {
            Key::P256(_) => LiveSignatureAlgorithm::EcdsaP256Sha256,
            Key::P384(_) => LiveSignatureAlgorithm::EcdsaP384Sha384,
            Key::Ed25519(_) => LiveSignatureAlgorithm::Ed25519,
        }
    }

    /// The matching public key, which names the swarm.
    pub fn public_key(&self) -> LivePublicKey {
        match &self.0 {
            Key::P256(key) => LivePublicKey::p256(*key.verifying_key()),
            Key::P384(key) => LivePublicKey::p384(*key.verifying_key()),
            Key::Ed25519(key) => LivePublicKey::ed25519(key.verifying_key()),
        }
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Signature, KeyError> {
        let bytes = match &self.0 {
            Key::P256(key) => {
                let signature: p256::ecdsa::Signature =
                    key.try_sign(message).map_err(|_| KeyError::SigningFailed)?;
                signature.to_bytes().to_vec()
            }
            Key::P384(key) => {
                let signature: p384::ecdsa::Signature =
                    key.try_sign(message).map_err(|_| KeyError::SigningFailed)?;
                signature.to_bytes().to_vec()
            }
            Key::Ed25519(key) => key
                .try_sign(message)
                .map_err(|_| KeyError::SigningFailed)?
                .to_bytes()
                .to_vec(),
        };
        Ok(Signature(bytes))
    }
}

impl fmt::Debug for LiveSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "LiveSigningKey({:?}, public {:?})",
            self.algorithm(),
            self.public_key()
        )
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    const SIGNING: [LiveSignatureAlgorithm; 3] = [
        LiveSignatureAlgorithm::EcdsaP256Sha256,
        LiveSignatureAlgorithm::EcdsaP384Sha384,
        LiveSignatureAlgorithm::Ed25519,
    ];

    #[test]
    fn signatures_verify_and_have_the_dnssec_length() {
        let mut rng = StdRng::seed_from_u64(1);
        for algorithm in SIGNING {
            let key = LiveSigningKey::generate(algorithm, &mut rng).unwrap();
            let signature = key.sign(b"munro").unwrap();
            assert_eq!(
                Some(signature.as_bytes().len()),
                algorithm.fixed_signature_len()
            );
            assert_eq!(key.public_key().verify(b"munro", &signature), Ok(()));
            assert_eq!(
                key.public_key().verify(b"other", &signature),
                Err(KeyError::BadSignature)
            );
        }
    }

    #[test]
    fn swarm_ids_are_the_algorithm_and_the_raw_key() {
        let mut rng = StdRng::seed_from_u64(2);
        for (algorithm, key_len) in SIGNING.into_iter().zip([64, 96, 32]) {
            let public = LiveSigningKey::generate(algorithm, &mut rng)
                .unwrap()
                .public_key();
            let id = public.to_swarm_id().unwrap();
            assert_eq!(id.as_bytes().len(), 1 + key_len);
            assert_eq!(id.as_bytes()[0], algorithm.code());
            assert_eq!(LivePublicKey::from_swarm_id(&id), Ok(public));
        }
    }

    #[test]
    fn secret_bytes_reload_the_same_key() {
        let mut rng = StdRng::seed_from_u64(3);
        for algorithm in SIGNING {
            let key = LiveSigningKey::generate(algorithm, &mut rng).unwrap();
            let again = LiveSigningKey::from_secret_bytes(algorithm, &key.secret_bytes()).unwrap();
            assert_eq!(again.public_key(), key.public_key());
        }
        assert!(matches!(
            LiveSigningKey::from_secret_bytes(LiveSignatureAlgorithm::EcdsaP256Sha256, &[0; 32]),
            Err(KeyError::MalformedSecretKey(_))
        ));
    }

    #[test]
    fn ecdsa_signing_is_deterministic() {
        // RFC 6979 appendix A.2.5 key; the signature of "sample" is fixed.
        let secret = ppsp_wire::ids::from_hex(
            "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721",
        )
        .unwrap();
        let key =
            LiveSigningKey::from_secret_bytes(LiveSignatureAlgorithm::EcdsaP256Sha256, &secret)
                .unwrap();
        assert_eq!(
            to_hex(key.sign(b"sample").unwrap().as_bytes()),
            "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716\
             f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"
        );
    }

    #[test]
    fn rsa_keys_cannot_be_made_here() {
        let mut rng = StdRng::seed_from_u64(4);
        assert_eq!(
            LiveSigningKey::generate(LiveSignatureAlgorithm::RsaSha256, &mut rng).unwrap_err(),
            KeyError::CannotSign(LiveSignatureAlgorithm::RsaSha256)
        );
    }
}
