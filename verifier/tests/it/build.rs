use serde_json::json;
use verifier::{BuildError, KeyError, KeySource, PemKey, Verifier};

use crate::support::*;

fn source() -> KeySource {
    KeySource::jwks_json(&jwks(&[(K::RsaA, "a", verifier::Algorithm::RS256)])).unwrap()
}

#[test]
fn issuer_and_audience_are_required() {
    assert!(matches!(
        Verifier::new("", AUDIENCE, source()),
        Err(BuildError::EmptyIssuer)
    ));
    assert!(matches!(
        Verifier::new(ISSUER, "", source()),
        Err(BuildError::NoAudience)
    ));
    let none: [&str; 0] = [];
    assert!(matches!(
        Verifier::builder(ISSUER, none, source()).build(),
        Err(BuildError::NoAudience)
    ));
    assert!(Verifier::new(ISSUER, AUDIENCE, source()).is_ok());
    // The loud opt-out, which cannot be combined with audiences.
    assert!(
        Verifier::builder(ISSUER, none, source())
            .insecure_accept_any_audience()
            .build()
            .is_ok()
    );
    assert!(matches!(
        Verifier::builder(ISSUER, [AUDIENCE], source())
            .insecure_accept_any_audience()
            .build(),
        Err(BuildError::ConflictingAudience)
    ));
}

#[test]
fn jwks_needs_a_usable_key() {
    let only_secret = json!({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "s"}]}).to_string();
    let source = KeySource::jwks_json(&only_secret).unwrap();
    assert!(matches!(
        Verifier::new(ISSUER, AUDIENCE, source),
        Err(BuildError::NoUsableKeys)
    ));
    assert!(matches!(
        KeySource::jwks_json("not json"),
        Err(BuildError::InvalidJwks(_))
    ));
}

#[test]
fn bad_pem_is_reported() {
    let source = KeySource::StaticPem(vec![
        PemKey::new(
            verifier::Algorithm::RS256,
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        )
        .with_kid("k"),
    ]);
    assert!(matches!(
        Verifier::new(ISSUER, AUDIENCE, source),
        Err(BuildError::InvalidKey { kid: Some(ref kid), reason: KeyError::Unparsable }) if kid == "k"
    ));
    let private = KeySource::pem(
        verifier::Algorithm::RS256,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    );
    assert!(matches!(
        Verifier::new(ISSUER, AUDIENCE, private),
        Err(BuildError::InvalidKey {
            reason: KeyError::NotAPublicKey,
            ..
        })
    ));
    let mismatch = KeySource::pem(verifier::Algorithm::ES256, key(K::RsaA).public_pem);
    assert!(matches!(
        Verifier::new(ISSUER, AUDIENCE, mismatch),
        Err(BuildError::InvalidKey {
            reason: KeyError::AlgorithmMismatch,
            ..
        })
    ));
}

#[test]
fn remote_jwks_must_be_https_except_loopback() {
    let remote = |url: &str| Verifier::new(ISSUER, AUDIENCE, KeySource::RemoteJwks(url.into()));
    assert!(matches!(
        remote("http://auth.example.test/.well-known/jwks.json"),
        Err(BuildError::InsecureJwksUrl { .. })
    ));
    assert!(remote("https://auth.example.test/.well-known/jwks.json").is_ok());
    assert!(remote("http://127.0.0.1:9/jwks.json").is_ok());
}

#[test]
fn debug_output_holds_no_key_material() {
    let verifier = static_verifier();
    let debug = format!("{verifier:?}");
    assert!(debug.contains(ISSUER));
    let n = key(K::RsaA).jwk("a", verifier::Algorithm::RS256)["n"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!debug.contains(&n[..20]));
}

#[test]
fn verifier_and_its_futures_are_send() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    fn assert_send<T: Send>(_: T) {}
    let verifier = static_verifier();
    assert_send_sync(&verifier);
    assert_send(verifier.verify("token"));
    assert_send(verifier.verify_as::<serde_json::Value>("token"));
    assert_send(verifier.refresh_keys());
}
