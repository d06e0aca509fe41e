//! Small cryptographic helpers over aws-lc-rs: randomness, hashing, the master key.

use aws_lc_rs::{aead, digest, hmac, rand::SecureRandom};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::secret::SecretString;

/// A source of random bytes. The server uses the OS CSPRNG; tests may inject their own.
pub trait Random: Send + Sync + std::fmt::Debug {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]) -> Result<(), CryptoError>;
}

/// The operating system's CSPRNG.
#[derive(Debug, Default)]
pub struct OsRandom(aws_lc_rs::rand::SystemRandom);

impl Random for OsRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), CryptoError> {
        self.0.fill(buf).map_err(|_| CryptoError::Random)
    }
}

/// A failure of the crypto layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The random source failed.
    #[error("random source failed")]
    Random,
    /// The master key is not 32 bytes of base64.
    #[error("the master key must be 32 bytes, base64 encoded")]
    BadMasterKey,
    /// A sealed value could not be opened (wrong master key or tampered data).
    #[error("could not decrypt a sealed value (wrong master key?)")]
    Open,
    /// Sealing failed.
    #[error("could not encrypt a value")]
    Seal,
    /// Key generation or parsing failed.
    #[error("key error: {0}")]
    Key(&'static str),
}

/// `n` random bytes, base64url without padding.
pub fn random_token(rng: &dyn Random, n: usize) -> Result<String, CryptoError> {
    let mut buf = vec![0u8; n];
    rng.fill(&mut buf)?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// A prefixed random id such as `usr_3f9a…` (16 random bytes, hex).
pub fn random_id(rng: &dyn Random, prefix: &str) -> Result<String, CryptoError> {
    let mut buf = [0u8; 16];
    rng.fill(&mut buf)?;
    let mut id = String::with_capacity(prefix.len() + 33);
    id.push_str(prefix);
    id.push('_');
    for b in buf {
        id.push(char::from(HEX[usize::from(b >> 4)]));
        id.push(char::from(HEX[usize::from(b & 15)]));
    }
    Ok(id)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A uniformly random six-digit code, `000000`–`999999`.
pub fn random_six_digits(rng: &dyn Random) -> Result<String, CryptoError> {
    // Rejection sampling: 4_294_000_000 is the largest multiple of 1_000_000 below 2^32.
    loop {
        let mut buf = [0u8; 4];
        rng.fill(&mut buf)?;
        let n = u32::from_le_bytes(buf);
        if n < 4_294_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Vec<u8> {
    digest::digest(&digest::SHA256, data).as_ref().to_vec()
}

/// SHA-256 as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    sha256(data)
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

/// `BASE64URL(SHA-256(verifier))`, the PKCE S256 challenge.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha256(verifier.as_bytes()))
}

/// Compares two byte strings in constant time (for equal lengths).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

/// base64url without padding.
pub fn b64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// The master key: encrypts private keys at rest and derives the code-hashing key.
pub struct MasterKey {
    aead: aead::LessSafeKey,
    code_mac: hmac::Key,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

impl MasterKey {
    /// Parses 32 bytes of standard or url-safe base64.
    pub fn from_base64(secret: &SecretString) -> Result<Self, CryptoError> {
        let text = secret.expose().trim();
        let bytes = STANDARD
            .decode(text)
            .or_else(|_| URL_SAFE_NO_PAD.decode(text))
            .map_err(|_| CryptoError::BadMasterKey)?;
        Self::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != 32 {
            return Err(CryptoError::BadMasterKey);
        }
        let root = hmac::Key::new(hmac::HMAC_SHA256, bytes);
        let derive = |label: &[u8]| hmac::sign(&root, label);
        let enc = derive(b"ssojet/v1/at-rest-encryption");
        let unbound = aead::UnboundKey::new(&aead::AES_256_GCM, enc.as_ref())
            .map_err(|_| CryptoError::BadMasterKey)?;
        let mac = derive(b"ssojet/v1/code-hash");
        Ok(Self {
            aead: aead::LessSafeKey::new(unbound),
            code_mac: hmac::Key::new(hmac::HMAC_SHA256, mac.as_ref()),
        })
    }

    /// A new random master key, base64 encoded (for `demo` mode and `ssojet-server keygen`).
    pub fn generate_base64(rng: &dyn Random) -> Result<SecretString, CryptoError> {
        let mut buf = [0u8; 32];
        rng.fill(&mut buf)?;
        Ok(SecretString::new(STANDARD.encode(buf)))
    }

    /// Encrypts `plaintext`; the output is `nonce || ciphertext || tag`.
    pub fn seal(&self, rng: &dyn Random, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; aead::NONCE_LEN];
        rng.fill(&mut nonce)?;
        let mut data = plaintext.to_vec();
        self.aead
            .seal_in_place_append_tag(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::empty(),
                &mut data,
            )
            .map_err(|_| CryptoError::Seal)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(out)
    }

    /// Decrypts the output of [`MasterKey::seal`].
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < aead::NONCE_LEN {
            return Err(CryptoError::Open);
        }
        let (nonce, rest) = sealed.split_at(aead::NONCE_LEN);
        let nonce = aead::Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Open)?;
        let mut data = rest.to_vec();
        let plain = self
            .aead
            .open_in_place(nonce, aead::Aad::empty(), &mut data)
            .map_err(|_| CryptoError::Open)?;
        Ok(plain.to_vec())
    }

    /// Keyed hash of a one-time code, bound to its request.
    pub fn hash_code(&self, state: &str, code: &str) -> Vec<u8> {
        let mut ctx = hmac::Context::with_key(&self.code_mac);
        ctx.update(state.as_bytes());
        ctx.update(b":");
        ctx.update(code.as_bytes());
        ctx.sign().as_ref().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_matches_rfc7636_appendix_b() {
        // RFC 7636, appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn six_digit_codes_have_six_digits() {
        let rng = OsRandom::default();
        for _ in 0..200 {
            let code = random_six_digits(&rng).unwrap();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn seal_round_trips_and_detects_tampering() {
        let rng = OsRandom::default();
        let key = MasterKey::from_base64(&MasterKey::generate_base64(&rng).unwrap()).unwrap();
        let mut sealed = key.seal(&rng, b"private key").unwrap();
        assert_eq!(key.open(&sealed).unwrap(), b"private key");
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(key.open(&sealed).is_err());
        let other = MasterKey::from_base64(&MasterKey::generate_base64(&rng).unwrap()).unwrap();
        assert!(other.open(&key.seal(&rng, b"x").unwrap()).is_err());
    }

    #[test]
    fn master_key_must_be_32_bytes() {
        assert!(MasterKey::from_base64(&SecretString::new("c2hvcnQ=")).is_err());
        assert!(MasterKey::from_base64(&SecretString::new("not base64!")).is_err());
    }

    #[test]
    fn code_hash_is_bound_to_state() {
        let rng = OsRandom::default();
        let key = MasterKey::from_base64(&MasterKey::generate_base64(&rng).unwrap()).unwrap();
        assert_ne!(key.hash_code("a", "123456"), key.hash_code("b", "123456"));
        assert_eq!(key.hash_code("a", "123456"), key.hash_code("a", "123456"));
    }
}
