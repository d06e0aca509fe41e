//! Every algorithm verifies with both key forms (JWK and PEM), and claims come out typed.

use serde::Deserialize;
use serde_json::json;
use verifier::{Algorithm, Audience, KeySource, PemKey, Verifier, VerifyError};

use crate::support::*;

// On wasm32, `#[test]` means `#[wasm_bindgen_test]` (run in Node).
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn accepts(alg: Algorithm) {
    let (k, kid, _) = KIDS.into_iter().find(|(_, _, a)| *a == alg).unwrap();
    let token = sign(k, kid, alg, &claims());
    assert_eq!(verify(&token).unwrap().sub, "user-1", "{alg} via JWKS");
    // The same key from PEM, networkless.
    let pem = KeySource::StaticPem(vec![PemKey::new(alg, key(k).public_pem).with_kid(kid)]);
    let verifier = Verifier::builder(ISSUER, [AUDIENCE], pem)
        .clock(clock())
        .build()
        .unwrap();
    assert!(block_on(verifier.verify(&token)).is_ok(), "{alg} via PEM");
    // And from a single static JWK.
    let jwk = KeySource::jwk(key(k).jwk(kid, alg).to_string());
    let verifier = Verifier::builder(ISSUER, [AUDIENCE], jwk)
        .clock(clock())
        .build()
        .unwrap();
    assert!(block_on(verifier.verify(&token)).is_ok(), "{alg} via JWK");
}

#[test]
fn accepts_rs256() {
    accepts(Algorithm::RS256);
}

#[test]
fn accepts_rs384() {
    accepts(Algorithm::RS384);
}

#[test]
fn accepts_rs512() {
    accepts(Algorithm::RS512);
}

#[test]
fn accepts_ps256() {
    accepts(Algorithm::PS256);
}

#[test]
fn accepts_ps384() {
    accepts(Algorithm::PS384);
}

#[test]
fn accepts_ps512() {
    accepts(Algorithm::PS512);
}

#[test]
fn accepts_es256() {
    accepts(Algorithm::ES256);
}

#[test]
fn accepts_es384() {
    accepts(Algorithm::ES384);
}

#[test]
fn accepts_eddsa() {
    accepts(Algorithm::EdDSA);
}

#[test]
fn claims_are_typed() {
    let claims = verify(&rs256(&claims())).unwrap();
    assert_eq!(claims.iss, ISSUER);
    assert_eq!(claims.aud, Audience::One(AUDIENCE.into()));
    assert_eq!(claims.exp, (NOW + 3600) as i64);
    assert_eq!(claims.iat, NOW as i64);
    assert_eq!(claims.jti.as_deref(), Some("t-1"));
    assert_eq!(claims.sid.as_deref(), Some("s-1"));
    assert_eq!(claims.client_id.as_deref(), Some(AUDIENCE));
    assert_eq!(claims.email.as_deref(), Some("a@example.com"));
    assert_eq!(claims.org_id.as_deref(), Some("org-1"));
    assert!(claims.has_role("admin") && !claims.has_role("Admin"));
    assert!(claims.has_permission("users:read") && !claims.has_permission("users:write"));
    assert!(claims.has_scope("email") && !claims.has_scope("mail"));
    assert!(claims.has_amr("otp"));
    let many = verify(&rs256(&claims_with("aud", json!(["x", AUDIENCE])))).unwrap();
    assert!(many.aud.contains(AUDIENCE));
}

#[test]
fn verify_as_custom_claims() {
    #[derive(Deserialize)]
    struct Mine {
        sub: String,
        tenant: String,
    }
    let mine: Mine =
        block_on(static_verifier().verify_as(&rs256(&claims_with("tenant", json!("acme")))))
            .unwrap();
    assert_eq!(
        (mine.sub.as_str(), mine.tenant.as_str()),
        ("user-1", "acme")
    );
    // The registered claims are checked whatever the type.
    let expired = rs256(&claims_with("exp", json!(NOW - 100)));
    assert!(matches!(
        block_on(static_verifier().verify_as::<serde_json::Value>(&expired)),
        Err(VerifyError::Expired)
    ));
    // A payload that does not fit the type.
    assert!(matches!(
        block_on(static_verifier().verify_as::<Mine>(&rs256(&claims()))),
        Err(VerifyError::InvalidClaims(_))
    ));
}

#[test]
fn verify_reads_claims_as_the_derive_does() {
    // `verify` parses the payload once by hand; `verify_as::<Claims>` uses the derive.
    let verifier = static_verifier();
    let mut minimal =
        json!({"iss": ISSUER, "sub": "u", "aud": [AUDIENCE], "exp": NOW + 60, "iat": NOW});
    for claims in [
        claims(),
        claims_with("aud", json!(["x", AUDIENCE])),
        minimal.clone(),
    ] {
        let token = rs256(&claims);
        let once = block_on(verifier.verify(&token)).unwrap();
        let derived: verifier::Claims = block_on(verifier.verify_as(&token)).unwrap();
        assert_eq!(once, derived, "{claims}");
    }
    assert_eq!(
        block_on(verifier.verify(&rs256(&claims()))).unwrap().aud,
        Audience::One(AUDIENCE.into())
    );
    // `sub` and `iat` are required by `Claims`, and list members must be lists.
    for field in ["sub", "iat"] {
        let mut claims = minimal.clone();
        claims.as_object_mut().unwrap().remove(field);
        assert!(matches!(
            block_on(verifier.verify(&rs256(&claims))),
            Err(VerifyError::InvalidClaims(_))
        ));
    }
    // Duplicates are refused among `Claims`' own members too, even after a `null`.
    let twice = format!(
        r#"{{"iss":"{ISSUER}","sub":"u","aud":"{AUDIENCE}","exp":{},"iat":{NOW},"sid":null,"sid":"s"}}"#,
        NOW + 60
    );
    let header = header("rs256", Algorithm::RS256).to_string();
    let token = sign_raw(&header, &twice, key(K::RsaA), Algorithm::RS256);
    assert!(matches!(
        block_on(verifier.verify(&token)),
        Err(VerifyError::DuplicateMember(name, "claims")) if name == "sid"
    ));
    minimal["roles"] = json!("admin");
    assert!(matches!(
        block_on(verifier.verify(&rs256(&minimal))),
        Err(VerifyError::InvalidClaims(_))
    ));
}
