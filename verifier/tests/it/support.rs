//! Shared by every test module, natively and in wasm: fixed keys (tests/it/keys, generated
//! with openssl), RustCrypto signing, tokens, and a verifier over every algorithm.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::traits::PublicKeyParts as _;
use serde_json::{Value, json};
use signature::{SignatureEncoding as _, Signer as _};
use verifier::{Algorithm, FetchError, KeySource, ManualClock, RefreshPolicy, Verifier};

pub const ISSUER: &str = "https://auth.example.test";
pub const AUDIENCE: &str = "client-1";
pub const NOW: u64 = 1_750_000_000;

/// Runs a future that never waits on I/O (static keys, in-memory fetchers) to completion.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

pub enum Private {
    Rsa(rsa::PrivateKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

pub struct TestKey {
    pub private: Private,
    /// `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo).
    pub public_pem: &'static str,
}

fn der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

macro_rules! key_file {
    ($name:literal) => {
        (
            include_str!(concat!("keys/", $name, ".pem")),
            include_str!(concat!("keys/", $name, ".pub.pem")),
        )
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum K {
    RsaA,
    RsaB,
    RsaAttacker,
    RsaShort,
    P256,
    P384,
    Ed25519,
}

pub fn key(which: K) -> &'static TestKey {
    static KEYS: OnceLock<Vec<TestKey>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        let files = [
            key_file!("rsa-a"),
            key_file!("rsa-b"),
            key_file!("rsa-attacker"),
            key_file!("rsa-short"),
            key_file!("p256"),
            key_file!("p384"),
            key_file!("ed25519"),
        ];
        files
            .iter()
            .enumerate()
            .map(|(i, (private, public_pem))| {
                let der = der(private);
                let private = match i {
                    0..=3 => Private::Rsa(rsa::PrivateKey::from_pkcs8_der(&der).unwrap()),
                    4 => Private::P256(p256::ecdsa::SigningKey::from_pkcs8_der(&der).unwrap()),
                    5 => Private::P384(p384::ecdsa::SigningKey::from_pkcs8_der(&der).unwrap()),
                    _ => Private::Ed25519(ed25519_dalek::SigningKey::from_pkcs8_der(&der).unwrap()),
                };
                TestKey {
                    private,
                    public_pem,
                }
            })
            .collect()
    });
    &keys[which as usize]
}

impl TestKey {
    /// The signature of `message` with `alg` (which must fit the key).
    pub fn sign(&self, alg: Algorithm, message: &[u8]) -> Vec<u8> {
        use rsa::{pkcs1v15, pss};
        use sha2::{Sha256, Sha384, Sha512};
        match (&self.private, alg) {
            (Private::Rsa(k), Algorithm::RS256) => pkcs1v15::SigningKey::<Sha256>::new(k.clone())
                .sign(message)
                .to_vec(),
            (Private::Rsa(k), Algorithm::RS384) => pkcs1v15::SigningKey::<Sha384>::new(k.clone())
                .sign(message)
                .to_vec(),
            (Private::Rsa(k), Algorithm::RS512) => pkcs1v15::SigningKey::<Sha512>::new(k.clone())
                .sign(message)
                .to_vec(),
            (Private::Rsa(k), Algorithm::PS256) => pss::SigningKey::<Sha256>::new(k.clone())
                .sign(message)
                .to_vec(),
            (Private::Rsa(k), Algorithm::PS384) => pss::SigningKey::<Sha384>::new(k.clone())
                .sign(message)
                .to_vec(),
            (Private::Rsa(k), Algorithm::PS512) => pss::SigningKey::<Sha512>::new(k.clone())
                .sign(message)
                .to_vec(),
            (Private::P256(k), Algorithm::ES256) => {
                let sig: p256::ecdsa::Signature = k.sign(message);
                sig.to_bytes().to_vec()
            }
            (Private::P384(k), Algorithm::ES384) => {
                let sig: p384::ecdsa::Signature = k.sign(message);
                sig.to_bytes().to_vec()
            }
            (Private::Ed25519(k), Algorithm::EdDSA) => k.sign(message).to_bytes().to_vec(),
            _ => panic!("{alg} does not fit this key"),
        }
    }

    /// The public JWK with `kid` and `alg`.
    pub fn jwk(&self, kid: &str, alg: Algorithm) -> Value {
        let spki = der(self.public_pem);
        let mut jwk = match &self.private {
            Private::Rsa(k) => json!({
                "kty": "RSA",
                "n": b64(&k.n().to_be_bytes_trimmed_vartime()),
                "e": b64(&k.e().to_be_bytes_trimmed_vartime()),
            }),
            Private::P256(_) | Private::P384(_) => {
                let (crv, size) = match &self.private {
                    Private::P256(_) => ("P-256", 32),
                    _ => ("P-384", 48),
                };
                let point = &spki[spki.len() - 2 * size..];
                json!({"kty": "EC", "crv": crv, "x": b64(&point[..size]), "y": b64(&point[size..])})
            }
            Private::Ed25519(_) => {
                json!({"kty": "OKP", "crv": "Ed25519", "x": b64(&spki[spki.len() - 32..])})
            }
        };
        jwk["kid"] = json!(kid);
        jwk["alg"] = json!(alg.name());
        jwk["use"] = json!("sig");
        jwk
    }
}

/// The issuer's keys: one kid per algorithm.
pub const KIDS: [(K, &str, Algorithm); 9] = [
    (K::RsaA, "rs256", Algorithm::RS256),
    (K::RsaA, "rs384", Algorithm::RS384),
    (K::RsaA, "rs512", Algorithm::RS512),
    (K::RsaB, "ps256", Algorithm::PS256),
    (K::RsaB, "ps384", Algorithm::PS384),
    (K::RsaB, "ps512", Algorithm::PS512),
    (K::P256, "es256", Algorithm::ES256),
    (K::P384, "es384", Algorithm::ES384),
    (K::Ed25519, "eddsa", Algorithm::EdDSA),
];

pub fn jwks(keys: &[(K, &str, Algorithm)]) -> String {
    let keys: Vec<Value> = keys
        .iter()
        .map(|(k, kid, alg)| key(*k).jwk(kid, *alg))
        .collect();
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

pub fn header(kid: &str, alg: Algorithm) -> Value {
    json!({"alg": alg.name(), "kid": kid, "typ": "at+jwt"})
}

/// A token with the exact header and payload text given, signed by `key` with `alg`.
pub fn sign_raw(header: &str, payload: &str, key: &TestKey, alg: Algorithm) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let signature = key.sign(alg, input.as_bytes());
    format!("{input}.{}", b64(&signature))
}

/// A token signed by `k` with `alg`, under `kid`.
pub fn sign(k: K, kid: &str, alg: Algorithm, claims: &Value) -> String {
    sign_raw(
        &header(kid, alg).to_string(),
        &claims.to_string(),
        key(k),
        alg,
    )
}

/// A valid RS256 token of the issuer with `claims`.
pub fn rs256(claims: &Value) -> String {
    sign(K::RsaA, "rs256", Algorithm::RS256, claims)
}

/// A token with any header and signature bytes.
pub fn unsigned(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes()),
        b64(signature)
    )
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::at_unix(NOW))
}

/// A verifier with every key of `KIDS`, at `NOW`.
pub fn static_verifier() -> Verifier {
    let source = KeySource::jwks_json(&jwks(&KIDS)).unwrap();
    Verifier::builder(ISSUER, [AUDIENCE], source)
        .clock(clock())
        .build()
        .unwrap()
}

pub fn verify(token: &str) -> Result<verifier::Claims, verifier::VerifyError> {
    block_on(static_verifier().verify(token))
}

/// An issuer reached through an in-memory fetcher (the host-supplied `fetch` of an edge
/// runtime): its JWKS can change, and it counts fetches.
pub struct FakeIssuer {
    pub body: Mutex<String>,
    pub hits: AtomicUsize,
}

impl FakeIssuer {
    pub fn new(body: String) -> Arc<Self> {
        Arc::new(Self {
            body: Mutex::new(body),
            hits: AtomicUsize::new(0),
        })
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    pub fn set_body(&self, body: String) {
        *self.body.lock().unwrap() = body;
    }

    /// A verifier fetching from this issuer, with `clock`, no background refresh.
    pub fn verifier(self: &Arc<Self>, clock: Arc<ManualClock>) -> Verifier {
        let issuer = Arc::clone(self);
        let fetch = move |_url: String| {
            let issuer = Arc::clone(&issuer);
            async move {
                issuer.hits.fetch_add(1, Ordering::SeqCst);
                Ok::<_, FetchError>(issuer.body.lock().unwrap().clone().into_bytes())
            }
        };
        Verifier::builder(
            ISSUER,
            [AUDIENCE],
            KeySource::jwks_url("https://auth.example.test/.well-known/jwks.json"),
        )
        .clock(clock)
        .fetcher(fetch)
        .spawner(|_task| {})
        .refresh_policy(RefreshPolicy::default().refresh_ahead(std::time::Duration::ZERO))
        .build()
        .unwrap()
    }
}
