//! RustCrypto: pure Rust, for wasm32. Keys parsed once.

use rsa::{BoxedUint, Pkcs1v15Sign, Pss};
use sha2::{Digest, Sha256, Sha384, Sha512};
use signature::Verifier as _;

use crate::alg::Algorithm;
use crate::der::KeyMaterial;
use crate::error::KeyError;

// `signature` is re-exported by the RustCrypto crates; use the one `p256` implements.
use p256::ecdsa::signature;

/// A public key bound to one algorithm, ready to verify.
pub(crate) struct PublicKey {
    alg: Algorithm,
    key: Key,
}

enum Key {
    Rsa(rsa::PublicKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl PublicKey {
    /// Parses `material` for `alg`; the caller has checked that they fit.
    pub(crate) fn new(material: &KeyMaterial, alg: Algorithm) -> Result<Self, KeyError> {
        let bad = |_| KeyError::Unparsable;
        let key = match material {
            KeyMaterial::Rsa { n, e } => Key::Rsa(
                rsa::PublicKey::new_with_size_limits(
                    BoxedUint::from_be_slice_vartime(n),
                    BoxedUint::from_be_slice_vartime(e),
                    2048..=8192,
                )
                .map_err(|_| KeyError::Unparsable)?,
            ),
            KeyMaterial::Ec { point, .. } if alg == Algorithm::ES256 => {
                Key::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(bad)?)
            }
            KeyMaterial::Ec { point, .. } => {
                Key::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(bad)?)
            }
            KeyMaterial::Ed25519(x) => {
                Key::Ed25519(ed25519_dalek::VerifyingKey::from_bytes(x).map_err(bad)?)
            }
        };
        Ok(Self { alg, key })
    }

    /// Whether `signature` is a valid signature of `message`.
    pub(crate) fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        match &self.key {
            Key::Rsa(key) => {
                let result = match self.alg {
                    Algorithm::RS256 => {
                        key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message), sig)
                    }
                    Algorithm::RS384 => {
                        key.verify(Pkcs1v15Sign::new::<Sha384>(), &Sha384::digest(message), sig)
                    }
                    Algorithm::RS512 => {
                        key.verify(Pkcs1v15Sign::new::<Sha512>(), &Sha512::digest(message), sig)
                    }
                    Algorithm::PS256 => key.verify(
                        Pss::<Sha256>::new_with_salt(32),
                        &Sha256::digest(message),
                        sig,
                    ),
                    Algorithm::PS384 => key.verify(
                        Pss::<Sha384>::new_with_salt(48),
                        &Sha384::digest(message),
                        sig,
                    ),
                    Algorithm::PS512 => key.verify(
                        Pss::<Sha512>::new_with_salt(64),
                        &Sha512::digest(message),
                        sig,
                    ),
                    _ => return false,
                };
                result.is_ok()
            }
            // `from_slice` refuses r or s equal to 0 or not below the group order.
            Key::P256(key) => p256::ecdsa::Signature::from_slice(sig)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
            Key::P384(key) => p384::ecdsa::Signature::from_slice(sig)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
            Key::Ed25519(key) => ed25519_dalek::Signature::from_slice(sig)
                .is_ok_and(|sig| key.verify_strict(message, &sig).is_ok()),
        }
    }
}
