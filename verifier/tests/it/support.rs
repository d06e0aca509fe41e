use std::sync::{Arc, OnceLock};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use verifier::{KeySource, ManualClock, Verifier};

pub const ISSUER: &str = "https://auth.example.test";
pub const AUDIENCE: &str = "client-1";
pub const NOW: u64 = 1_750_000_000;

/// An RSA 2048 key pair generated for the test run.
pub struct TestKey {
    pub encoding: EncodingKey,
    pub n: String,
    pub e: String,
    pub public_pem: String,
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

fn generate() -> TestKey {
    let pair = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let pkcs8 = pair.as_der().unwrap();
    let encoding =
        EncodingKey::from_rsa_pem(pem("PRIVATE KEY", pkcs8.as_ref()).as_bytes()).unwrap();
    let public = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
    let spki = pair.public_key().as_der().unwrap();
    TestKey {
        encoding,
        n: URL_SAFE_NO_PAD.encode(&public.n),
        e: URL_SAFE_NO_PAD.encode(&public.e),
        public_pem: pem("PUBLIC KEY", spki.as_ref()),
    }
}

/// Three keys, generated once per test binary: `key(0)` and `key(1)` are the issuer's,
/// `key(2)` is an attacker's.
pub fn key(i: usize) -> &'static TestKey {
    static KEYS: OnceLock<Vec<TestKey>> = OnceLock::new();
    &KEYS.get_or_init(|| (0..3).map(|_| generate()).collect())[i]
}

impl TestKey {
    pub fn jwk(&self, kid: &str) -> Value {
        json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": self.n, "e": self.e})
    }
}

pub fn jwks(keys: &[(&TestKey, &str)]) -> String {
    let keys: Vec<Value> = keys.iter().map(|(k, kid)| k.jwk(kid)).collect();
    json!({ "keys": keys }).to_string()
}

/// Valid claims at `NOW`.
pub fn claims() -> Value {
    json!({
        "iss": ISSUER, "sub": "user-1", "aud": AUDIENCE,
        "exp": NOW + 3600, "iat": NOW, "nbf": NOW,
        "jti": "t-1", "sid": "s-1", "client_id": AUDIENCE, "amr": ["otp"],
        "email": "a@example.com", "org_id": "org-1",
        "roles": ["admin"], "permissions": ["users:read"], "scope": "openid email"
    })
}

/// Claims with `field` replaced.
pub fn claims_with(field: &str, value: Value) -> Value {
    let mut c = claims();
    c[field] = value;
    c
}

pub fn install_crypto() {
    #[cfg(feature = "native")]
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
}

pub fn header(kid: Option<&str>) -> Header {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(Into::into);
    header.typ = Some("at+jwt".into());
    header
}

pub fn sign_with(header: &Header, claims: &Value, key: &EncodingKey) -> String {
    install_crypto();
    jsonwebtoken::encode(header, claims, key).unwrap()
}

/// A valid RS256 `at+jwt` token signed by `key` with `kid`.
pub fn sign(key: &TestKey, kid: &str, claims: &Value) -> String {
    sign_with(&header(Some(kid)), claims, &key.encoding)
}

/// A token with an arbitrary (unsigned-by-us) header JSON and an arbitrary signature.
pub fn raw_token(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        signature
    )
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::at_unix(NOW))
}

/// A verifier with key 0 as kid "a" and key 1 as kid "b", at `NOW`.
pub fn static_verifier() -> Verifier {
    let source = KeySource::jwks_json(&jwks(&[(key(0), "a"), (key(1), "b")])).unwrap();
    Verifier::builder(ISSUER, [AUDIENCE], source)
        .clock(clock())
        .build()
        .unwrap()
}
