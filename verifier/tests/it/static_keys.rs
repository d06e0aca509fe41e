use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey};
use serde::Deserialize;
use serde_json::json;
use verifier::{Audience, KeySource, PemKey, Verifier, VerifyError};

use crate::support::*;

async fn verify(token: &str) -> Result<verifier::Claims, VerifyError> {
    static_verifier().verify(token).await
}

#[tokio::test]
async fn valid_token_is_accepted_with_its_claims() {
    let claims = verify(&sign(key(0), "a", &claims())).await.unwrap();
    assert_eq!(claims.iss, ISSUER);
    assert_eq!(claims.sub, "user-1");
    assert_eq!(claims.aud, Audience::One(AUDIENCE.into()));
    assert_eq!(claims.exp, (NOW + 3600) as i64);
    assert_eq!(claims.sid.as_deref(), Some("s-1"));
    assert_eq!(claims.client_id.as_deref(), Some(AUDIENCE));
    assert_eq!(claims.email.as_deref(), Some("a@example.com"));
    assert_eq!(claims.org_id.as_deref(), Some("org-1"));
    assert!(claims.has_role("admin"));
    assert!(claims.has_permission("users:read"));
    assert!(claims.has_scope("email"));
    assert!(claims.has_amr("otp"));
    // The second key of the set works too.
    assert!(verify(&sign(key(1), "b", &claims_json_min())).await.is_ok());
}

fn claims_json_min() -> serde_json::Value {
    json!({"iss": ISSUER, "sub": "u", "aud": AUDIENCE, "exp": NOW + 60, "iat": NOW})
}

#[tokio::test]
async fn wrong_signature_is_refused() {
    // Signed by another key under a known kid.
    let forged = sign(key(2), "a", &claims());
    assert!(matches!(
        verify(&forged).await,
        Err(VerifyError::InvalidSignature)
    ));
    // Right key, wrong kid.
    let swapped = sign(key(1), "a", &claims());
    assert!(matches!(
        verify(&swapped).await,
        Err(VerifyError::InvalidSignature)
    ));
    // Payload changed after signing.
    let token = sign(key(0), "a", &claims());
    let mut parts: Vec<&str> = token.split('.').collect();
    let other = sign(key(0), "a", &claims_with("sub", json!("admin")));
    parts[1] = other.split('.').nth(1).unwrap();
    assert!(matches!(
        verify(&parts.join(".")).await,
        Err(VerifyError::InvalidSignature)
    ));
    // Empty signature.
    let stripped = format!("{}.{}.", parts[0], parts[1]);
    assert!(matches!(
        verify(&stripped).await,
        Err(VerifyError::InvalidSignature)
    ));
}

#[tokio::test]
async fn issuer_must_match_exactly() {
    for iss in [
        "https://evil.example",
        &format!("{ISSUER}/"),
        "HTTPS://AUTH.EXAMPLE.TEST",
    ] {
        let token = sign(key(0), "a", &claims_with("iss", json!(iss)));
        assert!(
            matches!(verify(&token).await, Err(VerifyError::InvalidIssuer)),
            "{iss}"
        );
    }
    let token = sign(key(0), "a", &claims_with("iss", json!(["x"])));
    assert!(matches!(
        verify(&token).await,
        Err(VerifyError::InvalidClaims(_))
    ));
    let mut no_iss = claims();
    no_iss.as_object_mut().unwrap().remove("iss");
    assert!(matches!(
        verify(&sign(key(0), "a", &no_iss)).await,
        Err(VerifyError::MissingClaim("iss"))
    ));
}

#[tokio::test]
async fn audience_must_be_accepted() {
    let wrong = sign(key(0), "a", &claims_with("aud", json!("client-2")));
    assert!(matches!(
        verify(&wrong).await,
        Err(VerifyError::InvalidAudience)
    ));
    let array_without = sign(key(0), "a", &claims_with("aud", json!(["x", "y"])));
    assert!(matches!(
        verify(&array_without).await,
        Err(VerifyError::InvalidAudience)
    ));
    let array_with = sign(key(0), "a", &claims_with("aud", json!(["x", AUDIENCE])));
    let verified = verify(&array_with).await.unwrap();
    assert!(verified.aud.contains(AUDIENCE));

    // A verifier accepting several audiences.
    let source = KeySource::jwks_json(&jwks(&[(key(0), "a")])).unwrap();
    let verifier = Verifier::builder(ISSUER, ["api-1", "api-2"], source)
        .clock(clock())
        .build()
        .unwrap();
    let token = sign(key(0), "a", &claims_with("aud", json!("api-2")));
    assert!(verifier.verify(&token).await.is_ok());
    let token = sign(key(0), "a", &claims());
    assert!(matches!(
        verifier.verify(&token).await,
        Err(VerifyError::InvalidAudience)
    ));
}

#[tokio::test]
async fn expiry_with_and_without_leeway() {
    let source = || KeySource::jwks_json(&jwks(&[(key(0), "a")])).unwrap();
    let clock = clock();
    let strict = Verifier::builder(ISSUER, [AUDIENCE], source())
        .clock(clock.clone())
        .leeway(Duration::ZERO)
        .build()
        .unwrap();
    let exp_now = sign(key(0), "a", &claims_with("exp", json!(NOW)));
    assert!(matches!(
        strict.verify(&exp_now).await,
        Err(VerifyError::Expired)
    ));
    let exp_next = sign(key(0), "a", &claims_with("exp", json!(NOW + 1)));
    assert!(strict.verify(&exp_next).await.is_ok());
    clock.advance(Duration::from_secs(1));
    assert!(matches!(
        strict.verify(&exp_next).await,
        Err(VerifyError::Expired)
    ));

    // Default leeway: 30 s.
    let lenient = static_verifier();
    let within = sign(key(0), "a", &claims_with("exp", json!(NOW - 29)));
    assert!(lenient.verify(&within).await.is_ok());
    let beyond = sign(key(0), "a", &claims_with("exp", json!(NOW - 30)));
    assert!(matches!(
        lenient.verify(&beyond).await,
        Err(VerifyError::Expired)
    ));

    let mut no_exp = claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    assert!(matches!(
        lenient.verify(&sign(key(0), "a", &no_exp)).await,
        Err(VerifyError::MissingClaim("exp"))
    ));
}

#[tokio::test]
async fn not_before_and_issued_at_in_the_future() {
    let nbf = sign(key(0), "a", &claims_with("nbf", json!(NOW + 31)));
    assert!(matches!(verify(&nbf).await, Err(VerifyError::NotYetValid)));
    let nbf_skew = sign(key(0), "a", &claims_with("nbf", json!(NOW + 30)));
    assert!(verify(&nbf_skew).await.is_ok());
    let iat = sign(key(0), "a", &claims_with("iat", json!(NOW + 31)));
    assert!(matches!(
        verify(&iat).await,
        Err(VerifyError::IssuedInFuture)
    ));
    let iat_skew = sign(key(0), "a", &claims_with("iat", json!(NOW + 30)));
    assert!(verify(&iat_skew).await.is_ok());
}

#[tokio::test]
async fn typ_must_be_an_access_token() {
    let mut header = header(Some("a"));
    header.typ = None;
    let missing = sign_with(&header, &claims(), &key(0).encoding);
    assert!(matches!(
        verify(&missing).await,
        Err(VerifyError::InvalidType { typ: None })
    ));
    for (typ, ok) in [
        ("JWT", false),
        ("id+jwt", false),
        ("AT+JWT", true),
        ("application/at+jwt", true),
    ] {
        header.typ = Some(typ.into());
        let token = sign_with(&header, &claims(), &key(0).encoding);
        assert_eq!(verify(&token).await.is_ok(), ok, "typ {typ}");
    }
}

#[tokio::test]
async fn alg_none_is_refused() {
    for sig in ["", "c2ln"] {
        let token = raw_token(
            &json!({"alg": "none", "typ": "at+jwt", "kid": "a"}),
            &claims(),
            sig,
        );
        assert!(
            matches!(verify(&token).await, Err(VerifyError::AlgorithmNotAllowed { ref alg }) if alg == "none"),
            "signature {sig:?}"
        );
    }
    let none_caps = raw_token(
        &json!({"alg": "NONE", "typ": "at+jwt", "kid": "a"}),
        &claims(),
        "",
    );
    assert!(matches!(
        verify(&none_caps).await,
        Err(VerifyError::AlgorithmNotAllowed { .. })
    ));
}

#[tokio::test]
async fn hmac_with_the_public_key_is_refused() {
    // The classic confusion: HS256 keyed with the RSA public key the attacker downloaded.
    for secret in [key(0).public_pem.as_bytes(), key(0).n.as_bytes()] {
        let mut header = header(Some("a"));
        header.alg = Algorithm::HS256;
        let token = sign_with(
            &header,
            &claims(),
            &EncodingKey::from_secret(secret).unwrap(),
        );
        assert!(matches!(
            verify(&token).await,
            Err(VerifyError::AlgorithmNotAllowed { ref alg }) if alg == "HS256"
        ));
    }
}

#[tokio::test]
async fn algorithm_comes_from_the_key() {
    // RS512 and PS256 with the right RSA key: valid signatures, but the key allows RS256 only.
    for alg in [Algorithm::RS512, Algorithm::PS256] {
        let mut header = header(Some("a"));
        header.alg = alg;
        let token = sign_with(&header, &claims(), &key(0).encoding);
        assert!(matches!(
            verify(&token).await,
            Err(VerifyError::AlgorithmNotAllowed { .. })
        ));
    }
    // A JWK that declares PS256 accepts PS256 and refuses RS256.
    let mut jwk = key(0).jwk("p");
    jwk["alg"] = json!("PS256");
    let source = KeySource::jwks_json(&json!({"keys": [jwk]}).to_string()).unwrap();
    let verifier = Verifier::builder(ISSUER, [AUDIENCE], source)
        .clock(clock())
        .build()
        .unwrap();
    let mut header = header(Some("p"));
    header.alg = Algorithm::PS256;
    assert!(
        verifier
            .verify(&sign_with(&header, &claims(), &key(0).encoding))
            .await
            .is_ok()
    );
    let rs256 = sign(key(0), "p", &claims());
    assert!(matches!(
        verifier.verify(&rs256).await,
        Err(VerifyError::AlgorithmNotAllowed { .. })
    ));
}

#[tokio::test]
async fn unknown_and_missing_kid() {
    let unknown = sign(key(0), "zzz", &claims());
    assert!(matches!(
        verify(&unknown).await,
        Err(VerifyError::UnknownKey { ref kid }) if kid == "zzz"
    ));
    let no_kid = sign_with(&header(None), &claims(), &key(0).encoding);
    assert!(matches!(
        verify(&no_kid).await,
        Err(VerifyError::MissingKeyId)
    ));

    // With a single key a kid-less token is checked against it.
    let source = KeySource::jwks_json(&jwks(&[(key(0), "a")])).unwrap();
    let single = Verifier::builder(ISSUER, [AUDIENCE], source)
        .clock(clock())
        .build()
        .unwrap();
    assert!(single.verify(&no_kid).await.is_ok());
}

#[tokio::test]
async fn header_keys_are_ignored() {
    // The attacker embeds their own key (jwk) and a key URL (jku); only configured keys count.
    let attacker = key(2);
    let mut header = header(Some("a"));
    header.jwk = Some(serde_json::from_value(attacker.jwk("a")).unwrap());
    header.jku = Some("http://127.0.0.1:1/jwks.json".into());
    let token = sign_with(&header, &claims(), &attacker.encoding);
    assert!(matches!(
        verify(&token).await,
        Err(VerifyError::InvalidSignature)
    ));
}

#[tokio::test]
async fn malformed_and_oversized_tokens() {
    for bad in ["", "abc", "a.b", "a.b.c.d.e", "....", "eyJ.eyJ.sig"] {
        assert!(
            matches!(verify(bad).await, Err(VerifyError::Malformed(_))),
            "{bad:?}"
        );
    }
    let big = claims_with("email", json!("x".repeat(9000)));
    let token = sign(key(0), "a", &big);
    assert!(matches!(
        verify(&token).await,
        Err(VerifyError::TooLarge { max: 8192, .. })
    ));

    let source = KeySource::jwks_json(&jwks(&[(key(0), "a")])).unwrap();
    let roomy = Verifier::builder(ISSUER, [AUDIENCE], source)
        .clock(clock())
        .max_token_bytes(64 * 1024)
        .build()
        .unwrap();
    assert!(roomy.verify(&token).await.is_ok());
}

#[tokio::test]
async fn static_pem_keys() {
    let pem = |kid: Option<&str>| {
        let key = PemKey::new(Algorithm::RS256, key(0).public_pem.clone());
        match kid {
            Some(kid) => key.with_kid(kid),
            None => key,
        }
    };
    let token = sign(key(0), "a", &claims());

    let with_kid = Verifier::builder(
        ISSUER,
        [AUDIENCE],
        KeySource::StaticPem(vec![pem(Some("a"))]),
    )
    .clock(clock())
    .build()
    .unwrap();
    assert!(with_kid.verify(&token).await.is_ok());
    let other_kid = sign(key(0), "b", &claims());
    assert!(matches!(
        with_kid.verify(&other_kid).await,
        Err(VerifyError::UnknownKey { .. })
    ));

    // A key without kid accepts any kid (and none).
    let anonymous = Verifier::builder(ISSUER, [AUDIENCE], KeySource::StaticPem(vec![pem(None)]))
        .clock(clock())
        .build()
        .unwrap();
    assert!(anonymous.verify(&other_kid).await.is_ok());
    let forged = sign(key(2), "a", &claims());
    assert!(matches!(
        anonymous.verify(&forged).await,
        Err(VerifyError::InvalidSignature)
    ));
}

#[tokio::test]
async fn verify_as_custom_claims() {
    #[derive(Debug, Deserialize)]
    struct Mine {
        sub: String,
        tenant: String,
    }
    let token = sign(key(0), "a", &claims_with("tenant", json!("t-9")));
    let mine: Mine = static_verifier().verify_as(&token).await.unwrap();
    assert_eq!((mine.sub.as_str(), mine.tenant.as_str()), ("user-1", "t-9"));

    // Registered claims are still checked.
    let expired = sign(key(0), "a", &claims_with("exp", json!(NOW - 3600)));
    assert!(matches!(
        static_verifier().verify_as::<Mine>(&expired).await,
        Err(VerifyError::Expired)
    ));

    // A payload that does not fit the type.
    let token = sign(key(0), "a", &claims());
    assert!(matches!(
        static_verifier().verify_as::<Mine>(&token).await,
        Err(VerifyError::InvalidClaims(_))
    ));
    // `Claims` needs `sub`.
    let mut no_sub = claims();
    no_sub.as_object_mut().unwrap().remove("sub");
    assert!(matches!(
        verify(&sign(key(0), "a", &no_sub)).await,
        Err(VerifyError::InvalidClaims(_))
    ));
}
