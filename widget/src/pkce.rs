//! PKCE (RFC 7636, `S256`) with the browser's WebCrypto.
//!
//! The verifier is 32 random bytes from `crypto.getRandomValues`, base64url-encoded without
//! padding (43 characters); the challenge is `BASE64URL(SHA-256(verifier))` from
//! `crypto.subtle.digest`. Only the browser that started a sign-in holds the verifier, so a
//! stolen `state` or code alone yields no tokens.

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// A verifier and its challenge. `Debug` does not print the verifier.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkce {
    verifier: String,
    challenge: String,
}

impl core::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pkce")
            .field("verifier", &"[redacted]")
            .field("challenge", &self.challenge)
            .finish()
    }
}

impl Pkce {
    /// A fresh pair from 32 random bytes.
    pub async fn generate() -> Result<Self, JsValue> {
        let crypto = crypto()?;
        let mut bytes = [0u8; 32];
        crypto.get_random_values_with_u8_array(&mut bytes)?;
        let verifier = base64url(&bytes);
        let challenge = challenge_for(&verifier).await?;
        Ok(Self {
            verifier,
            challenge,
        })
    }

    /// The secret verifier, sent only with the code exchange.
    pub fn verifier(&self) -> &str {
        &self.verifier
    }

    /// The challenge, sent with the first request.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

/// `n` random bytes from `crypto.getRandomValues`, base64url-encoded (e.g. an OAuth `state`).
pub fn random_token(n: usize) -> Result<String, JsValue> {
    let mut bytes = vec![0u8; n];
    crypto()?.get_random_values_with_u8_array(&mut bytes)?;
    Ok(base64url(&bytes))
}

/// `BASE64URL(SHA-256(verifier))`.
pub async fn challenge_for(verifier: &str) -> Result<String, JsValue> {
    let promise = crypto()?
        .subtle()
        .digest_with_str_and_u8_array("SHA-256", verifier.as_bytes())?;
    let digest = JsFuture::from(promise).await?;
    let digest = js_sys::Uint8Array::new(&digest).to_vec();
    Ok(base64url(&digest))
}

fn crypto() -> Result<web_sys::Crypto, JsValue> {
    web_sys::window().ok_or(JsValue::NULL)?.crypto()
}

/// Base64url without padding (RFC 4648 §5).
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let index = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc4648_vectors_without_padding() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(b"fooba"), "Zm9vYmE");
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(&[0xfb, 0xff, 0xbf]), "-_-_");
    }

    #[test]
    fn rfc7636_appendix_b_verifier_encoding() {
        // The verifier of RFC 7636 appendix B is the base64url of these 32 octets.
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        assert_eq!(
            base64url(&octets),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        let challenge_octets = [
            19, 211, 30, 150, 26, 26, 216, 236, 47, 22, 177, 12, 76, 152, 46, 8, 118, 168, 120,
            173, 109, 241, 68, 86, 110, 225, 137, 74, 203, 112, 249, 195,
        ];
        assert_eq!(
            base64url(&challenge_octets),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
