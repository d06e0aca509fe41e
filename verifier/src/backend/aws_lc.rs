//! aws-lc-rs: keys parsed once into `ParsedPublicKey`.

use aws_lc_rs::signature::{self, ParsedPublicKey, VerificationAlgorithm};

use crate::alg::Algorithm;
use crate::der::KeyMaterial;
use crate::error::KeyError;

/// A public key bound to one algorithm, ready to verify.
pub(crate) struct PublicKey(ParsedPublicKey);

fn params(alg: Algorithm) -> &'static dyn VerificationAlgorithm {
    match alg {
        Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
        Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
        Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
        Algorithm::EdDSA => &signature::ED25519,
    }
}

impl PublicKey {
    /// Parses `material` for `alg`; the caller has checked that they fit.
    pub(crate) fn new(material: &KeyMaterial, alg: Algorithm) -> Result<Self, KeyError> {
        let bytes = match material {
            KeyMaterial::Rsa { n, e } => KeyMaterial::rsa_pkcs1_der(n, e),
            KeyMaterial::Ec { point, .. } => point.clone(),
            KeyMaterial::Ed25519(x) => x.to_vec(),
        };
        ParsedPublicKey::new(params(alg), bytes)
            .map(Self)
            .map_err(|_| KeyError::Unparsable)
    }

    /// Whether `signature` is a valid signature of `message`.
    #[inline]
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0.verify_sig(message, signature).is_ok()
    }
}
