//! The attack suite: one named case per test, each expecting a specific refusal. Runs natively
//! and in wasm (`#[test]` is `#[wasm_bindgen_test]` there).

use hmac::{Hmac, KeyInit as _, Mac as _};
use serde_json::json;
use sha2::Sha256;
use verifier::{Algorithm, KeySource, Malformed, ManualClock, Verifier, VerifyError};

use crate::support::*;

// On wasm32, `#[test]` means `#[wasm_bindgen_test]` (run in Node).
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn assert_refused(
    result: Result<verifier::Claims, VerifyError>,
    expected: fn(&VerifyError) -> bool,
) {
    match result {
        Ok(_) => panic!("token was accepted"),
        Err(error) => assert!(expected(&error), "unexpected error: {error:?}"),
    }
}

fn not_allowed(e: &VerifyError) -> bool {
    matches!(e, VerifyError::AlgorithmNotAllowed { .. })
}

fn bad_signature(e: &VerifyError) -> bool {
    matches!(e, VerifyError::InvalidSignature)
}

fn malformed(e: &VerifyError) -> bool {
    matches!(e, VerifyError::Malformed(_))
}

fn alg_none(alg: &str) -> Result<verifier::Claims, VerifyError> {
    verify(&unsigned(
        &json!({"alg": alg, "kid": "rs256", "typ": "at+jwt"}),
        &claims(),
        b"x",
    ))
}

#[test]
fn baseline_valid_token_is_accepted() {
    assert_eq!(verify(&rs256(&claims())).unwrap().sub, "user-1");
}

#[test]
fn alg_none_lowercase() {
    assert_refused(alg_none("none"), not_allowed);
}

#[test]
fn alg_none_capitalized() {
    assert_refused(alg_none("None"), not_allowed);
}

#[test]
fn alg_none_uppercase() {
    assert_refused(alg_none("NONE"), not_allowed);
}

#[test]
fn alg_none_with_empty_signature() {
    let token = unsigned(&json!({"alg": "none", "typ": "at+jwt"}), &claims(), b"");
    assert_refused(verify(&token), malformed);
}

#[test]
fn hs256_signed_with_the_rsa_public_key_bytes() {
    let header = json!({"alg": "HS256", "kid": "rs256", "typ": "at+jwt"});
    let input = format!(
        "{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims().to_string().as_bytes())
    );
    for secret in [
        key(K::RsaA).public_pem.as_bytes(),
        &der_of(key(K::RsaA).public_pem),
    ] {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(input.as_bytes());
        let token = format!("{input}.{}", base64url(&mac.finalize().into_bytes()));
        assert_refused(verify(&token), not_allowed);
    }
}

#[test]
fn rs256_header_on_a_ps256_key() {
    let token = sign(K::RsaB, "ps256", Algorithm::RS256, &claims());
    assert_refused(verify(&token), not_allowed);
}

#[test]
fn es256_header_on_an_rsa_key() {
    let token = sign(K::P256, "rs256", Algorithm::ES256, &claims());
    assert_refused(verify(&token), not_allowed);
}

#[test]
fn eddsa_header_on_an_ec_key() {
    let token = sign(K::Ed25519, "es256", Algorithm::EdDSA, &claims());
    assert_refused(verify(&token), not_allowed);
}

#[test]
fn unknown_kid() {
    let token = sign(K::RsaA, "no-such-key", Algorithm::RS256, &claims());
    assert_refused(
        verify(&token),
        |e| matches!(e, VerifyError::UnknownKey { kid } if kid == "no-such-key"),
    );
}

#[test]
fn kid_with_path_traversal() {
    let token = sign(K::RsaA, "../../../../dev/null", Algorithm::RS256, &claims());
    assert_refused(verify(&token), |e| {
        matches!(e, VerifyError::UnknownKey { .. })
    });
}

#[test]
fn kid_with_sql_injection() {
    let token = sign(K::RsaA, "rs256' OR '1'='1' --", Algorithm::RS256, &claims());
    assert_refused(verify(&token), |e| {
        matches!(e, VerifyError::UnknownKey { .. })
    });
}

#[test]
fn kid_of_another_type() {
    let header = json!({"alg": "RS256", "kid": 7, "typ": "at+jwt"});
    let token = sign_raw(
        &header.to_string(),
        &claims().to_string(),
        key(K::RsaA),
        Algorithm::RS256,
    );
    assert_refused(verify(&token), malformed);
}

/// The attacker signs with their own key and points the header at it.
fn attacker_token(extra: (&str, serde_json::Value)) -> String {
    let mut header = header("rs256", Algorithm::RS256);
    header[extra.0] = extra.1;
    sign_raw(
        &header.to_string(),
        &claims().to_string(),
        key(K::RsaAttacker),
        Algorithm::RS256,
    )
}

#[test]
fn jku_header_is_not_used_for_keys() {
    let token = attacker_token(("jku", json!("https://attacker.example/jwks.json")));
    assert_refused(verify(&token), bad_signature);
}

#[test]
fn x5u_header_is_not_used_for_keys() {
    let token = attacker_token(("x5u", json!("https://attacker.example/cert.pem")));
    assert_refused(verify(&token), bad_signature);
}

#[test]
fn embedded_jwk_is_not_used_for_keys() {
    let jwk = key(K::RsaAttacker).jwk("rs256", Algorithm::RS256);
    assert_refused(verify(&attacker_token(("jwk", jwk))), bad_signature);
}

#[test]
fn x5c_header_is_not_used_for_keys() {
    let spki = der_of(key(K::RsaAttacker).public_pem);
    let token = attacker_token(("x5c", json!([base64std(&spki)])));
    assert_refused(verify(&token), bad_signature);
}

#[test]
fn embedded_jwk_without_kid_is_not_used() {
    let mut header = json!({"alg": "RS256", "typ": "at+jwt"});
    header["jwk"] = key(K::RsaAttacker).jwk("x", Algorithm::RS256);
    let token = sign_raw(
        &header.to_string(),
        &claims().to_string(),
        key(K::RsaAttacker),
        Algorithm::RS256,
    );
    // The one RS256 key of the issuer is tried, never the embedded one.
    assert_refused(verify(&token), bad_signature);
}

#[test]
fn unknown_crit_is_refused() {
    let mut header = header("rs256", Algorithm::RS256);
    header["crit"] = json!(["https://example.com/x"]);
    header["https://example.com/x"] = json!(true);
    let token = sign_raw(
        &header.to_string(),
        &claims().to_string(),
        key(K::RsaA),
        Algorithm::RS256,
    );
    assert_refused(verify(&token), |e| {
        matches!(e, VerifyError::UnsupportedCritical)
    });
}

#[test]
fn b64_false_is_refused() {
    let mut header = header("rs256", Algorithm::RS256);
    header["b64"] = json!(false);
    header["crit"] = json!(["b64"]);
    let token = sign_raw(
        &header.to_string(),
        &claims().to_string(),
        key(K::RsaA),
        Algorithm::RS256,
    );
    assert_refused(verify(&token), |e| {
        matches!(
            e,
            VerifyError::UnsupportedCritical | VerifyError::UnsupportedHeader("b64")
        )
    });
    header.as_object_mut().unwrap().remove("crit");
    let token = sign_raw(
        &header.to_string(),
        &claims().to_string(),
        key(K::RsaA),
        Algorithm::RS256,
    );
    assert_refused(verify(&token), |e| {
        matches!(e, VerifyError::UnsupportedHeader("b64"))
    });
}

const P256_ORDER: &str = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
const P384_ORDER: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973";

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// `r || s` with both set to `value` (big-endian, left-padded to `size`).
fn psychic(value: &[u8], size: usize) -> Vec<u8> {
    let mut scalar = vec![0u8; size - value.len()];
    scalar.extend_from_slice(value);
    [scalar.clone(), scalar].concat()
}

fn es_token(kid: &str, alg: Algorithm, signature: &[u8]) -> String {
    unsigned(&header(kid, alg), &claims(), signature)
}

#[test]
fn ecdsa_psychic_signature_r_s_zero() {
    let token = es_token("es256", Algorithm::ES256, &psychic(&[0], 32));
    assert_refused(verify(&token), bad_signature);
}

#[test]
fn ecdsa_psychic_signature_r_s_one() {
    let token = es_token("es256", Algorithm::ES256, &psychic(&[1], 32));
    assert_refused(verify(&token), bad_signature);
}

#[test]
fn ecdsa_psychic_signature_r_s_group_order() {
    let token = es_token("es256", Algorithm::ES256, &psychic(&hex(P256_ORDER), 32));
    assert_refused(verify(&token), bad_signature);
}

#[test]
fn ecdsa_p384_psychic_signatures() {
    for value in [vec![0], vec![1], hex(P384_ORDER)] {
        let token = es_token("es384", Algorithm::ES384, &psychic(&value, 48));
        assert_refused(verify(&token), bad_signature);
    }
}

#[test]
fn ecdsa_der_encoded_signature_is_refused() {
    // JWS wants fixed-size r || s; a DER SEQUENCE of the same values must not pass.
    let token = sign(K::P256, "es256", Algorithm::ES256, &claims());
    let (input, sig) = token.rsplit_once('.').unwrap();
    let raw = base64url_decode(sig);
    let int = |b: &[u8]| {
        let mut v = if b[0] & 0x80 != 0 { vec![0] } else { vec![] };
        v.extend_from_slice(b);
        [vec![0x02, v.len() as u8], v].concat()
    };
    let body = [int(&raw[..32]), int(&raw[32..])].concat();
    let der = [vec![0x30, body.len() as u8], body].concat();
    assert_refused(
        verify(&format!("{input}.{}", base64url(&der))),
        bad_signature,
    );
}

#[test]
fn eddsa_signature_tampered() {
    let token = sign(K::Ed25519, "eddsa", Algorithm::EdDSA, &claims());
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut raw = base64url_decode(sig);
    raw[0] ^= 1;
    assert_refused(
        verify(&format!("{input}.{}", base64url(&raw))),
        bad_signature,
    );
}

#[test]
fn signature_by_another_key_under_a_known_kid() {
    let token = sign(K::RsaAttacker, "rs256", Algorithm::RS256, &claims());
    assert_refused(verify(&token), bad_signature);
}

#[test]
fn payload_changed_after_signing() {
    let token = rs256(&claims());
    let forged = rs256(&claims_with("sub", json!("admin")));
    let mut parts: Vec<&str> = token.split('.').collect();
    parts[1] = forged.split('.').nth(1).unwrap();
    assert_refused(verify(&parts.join(".")), bad_signature);
}

#[test]
fn missing_segment() {
    let token = rs256(&claims());
    let (two, _) = token.rsplit_once('.').unwrap();
    assert_refused(verify(two), |e| {
        matches!(e, VerifyError::Malformed(Malformed::Segments))
    });
}

#[test]
fn extra_segment() {
    let token = format!("{}.c2ln", rs256(&claims()));
    assert_refused(verify(&token), |e| {
        matches!(e, VerifyError::Malformed(Malformed::Segments))
    });
}

#[test]
fn jwe_with_five_segments() {
    assert_refused(verify("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"), |e| {
        matches!(e, VerifyError::Malformed(Malformed::Segments))
    });
}

#[test]
fn empty_signature_segment() {
    let token = rs256(&claims());
    let (input, _) = token.rsplit_once('.').unwrap();
    assert_refused(verify(&format!("{input}.")), |e| {
        matches!(e, VerifyError::Malformed(Malformed::Segments))
    });
}

#[test]
fn empty_header_and_payload_segments() {
    let token = rs256(&claims());
    let parts: Vec<&str> = token.split('.').collect();
    for bad in [
        format!(".{}.{}", parts[1], parts[2]),
        format!("{}..{}", parts[0], parts[2]),
    ] {
        assert_refused(verify(&bad), |e| {
            matches!(e, VerifyError::Malformed(Malformed::Segments))
        });
    }
}

#[test]
fn padding_characters() {
    let token = rs256(&claims());
    let parts: Vec<&str> = token.split('.').collect();
    for bad in [
        format!("{}==.{}.{}", parts[0], parts[1], parts[2]),
        format!("{}.{}.{}=", parts[0], parts[1], parts[2]),
    ] {
        assert_refused(verify(&bad), |e| {
            matches!(e, VerifyError::Malformed(Malformed::Encoding))
        });
    }
}

#[test]
fn non_base64url_characters() {
    let token = rs256(&claims());
    for bad in [
        token.replacen('-', "+", 1).replacen('_', "/", 1),
        format!(" {token}"),
        format!("{token}\n"),
        token.replacen('e', "é", 1),
    ] {
        if bad != token {
            assert_refused(verify(&bad), malformed);
        }
    }
}

#[test]
fn non_canonical_base64_trailing_bits() {
    // A 256-byte RSA signature leaves 4 unused bits in its last character: setting them
    // changes the text but not the bytes, and must be refused.
    let token = rs256(&claims());
    let (input, sig) = token.rsplit_once('.').unwrap();
    let last = sig.chars().last().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let index = alphabet.find(last).unwrap();
    let twisted = alphabet.chars().nth(index | 1).unwrap();
    if twisted != last {
        let bad = format!("{input}.{}{twisted}", &sig[..sig.len() - 1]);
        assert_refused(verify(&bad), |e| {
            matches!(e, VerifyError::Malformed(Malformed::Signature))
        });
    }
}

#[test]
fn huge_token() {
    let claims = claims_with("pad", json!("x".repeat(64 * 1024)));
    assert_refused(verify(&rs256(&claims)), |e| {
        matches!(e, VerifyError::TooLarge { .. })
    });
}

#[test]
fn huge_header() {
    let mut header = header("rs256", Algorithm::RS256);
    header["pad"] = json!("x".repeat(10_000));
    let token = sign_raw(
        &header.to_string(),
        &claims().to_string(),
        key(K::RsaA),
        Algorithm::RS256,
    );
    assert_refused(verify(&token), |e| {
        matches!(e, VerifyError::TooLarge { .. })
    });
}

#[test]
fn nested_jwt_cty() {
    for cty in ["JWT", "jwt", "application/JWT"] {
        let mut header = header("rs256", Algorithm::RS256);
        header["cty"] = json!(cty);
        let inner = rs256(&claims());
        let token = sign_raw(
            &header.to_string(),
            &json!(inner).to_string(),
            key(K::RsaA),
            Algorithm::RS256,
        );
        assert_refused(verify(&token), |e| {
            matches!(e, VerifyError::UnsupportedHeader("cty"))
        });
    }
}

#[test]
fn duplicate_claims() {
    let payload =
        claims()
            .to_string()
            .replacen('{', &format!(r#"{{"sub":"admin","exp":{},"#, NOW + 10), 1);
    let token = sign_raw(
        &header("rs256", Algorithm::RS256).to_string(),
        &payload,
        key(K::RsaA),
        Algorithm::RS256,
    );
    assert_refused(verify(&token), |e| {
        matches!(e, VerifyError::DuplicateMember(_, "claims"))
    });
}

#[test]
fn duplicate_claim_with_escaped_name() {
    let payload = claims()
        .to_string()
        .replacen('{', r#"{"\u0073ub":"admin","#, 1);
    let token = sign_raw(
        &header("rs256", Algorithm::RS256).to_string(),
        &payload,
        key(K::RsaA),
        Algorithm::RS256,
    );
    assert_refused(verify(&token), |e| {
        matches!(e, VerifyError::DuplicateMember(_, "claims"))
    });
}

#[test]
fn duplicate_header_alg() {
    let header = r#"{"alg":"none","kid":"rs256","typ":"at+jwt","alg":"RS256"}"#;
    let token = sign_raw(
        header,
        &claims().to_string(),
        key(K::RsaA),
        Algorithm::RS256,
    );
    assert_refused(verify(&token), |e| {
        matches!(e, VerifyError::DuplicateMember(_, "header"))
    });
}

#[test]
fn exp_as_string() {
    let token = rs256(&claims_with("exp", json!((NOW + 3600).to_string())));
    assert_refused(verify(&token), |e| {
        matches!(e, VerifyError::InvalidClaims(_))
    });
}

#[test]
fn nbf_and_iat_as_strings() {
    for field in ["nbf", "iat"] {
        let token = rs256(&claims_with(field, json!(NOW.to_string())));
        assert_refused(verify(&token), |e| {
            matches!(e, VerifyError::InvalidClaims(_))
        });
    }
}

#[test]
fn missing_exp() {
    let mut claims = claims();
    claims.as_object_mut().unwrap().remove("exp");
    assert_refused(verify(&rs256(&claims)), |e| {
        matches!(e, VerifyError::MissingClaim("exp"))
    });
}

#[test]
fn expired() {
    let token = rs256(&claims_with("exp", json!(NOW - 31)));
    assert_refused(verify(&token), |e| matches!(e, VerifyError::Expired));
}

#[test]
fn exp_equal_to_now_is_expired() {
    let source = KeySource::jwks_json(&jwks(&KIDS)).unwrap();
    let verifier = Verifier::builder(ISSUER, [AUDIENCE], source)
        .clock(ManualClock::at_unix(NOW))
        .leeway(std::time::Duration::ZERO)
        .build()
        .unwrap();
    let at =
        |exp: u64| block_on(verifier.verify(&rs256(&claims_with("exp", json!(exp))))).map(|_| ());
    assert!(matches!(at(NOW), Err(VerifyError::Expired)));
    assert!(at(NOW + 1).is_ok());
}

#[test]
fn nbf_in_the_future() {
    let token = rs256(&claims_with("nbf", json!(NOW + 31)));
    assert_refused(verify(&token), |e| matches!(e, VerifyError::NotYetValid));
}

#[test]
fn iat_in_the_future() {
    let token = rs256(&claims_with("iat", json!(NOW + 31)));
    assert_refused(verify(&token), |e| matches!(e, VerifyError::IssuedInFuture));
}

#[test]
fn wrong_issuer() {
    for iss in [
        "https://evil.example",
        "https://auth.example.test/",
        "HTTPS://AUTH.EXAMPLE.TEST",
    ] {
        let token = rs256(&claims_with("iss", json!(iss)));
        assert_refused(verify(&token), |e| matches!(e, VerifyError::InvalidIssuer));
    }
}

#[test]
fn audience_mismatch() {
    let token = rs256(&claims_with("aud", json!("client-2")));
    assert_refused(verify(&token), |e| {
        matches!(e, VerifyError::InvalidAudience)
    });
}

#[test]
fn audience_array_without_a_match() {
    let token = rs256(&claims_with("aud", json!(["client-2", "CLIENT-1", ""])));
    assert_refused(verify(&token), |e| {
        matches!(e, VerifyError::InvalidAudience)
    });
}

#[test]
fn typ_missing() {
    let header = json!({"alg": "RS256", "kid": "rs256"});
    let token = sign_raw(
        &header.to_string(),
        &claims().to_string(),
        key(K::RsaA),
        Algorithm::RS256,
    );
    assert_refused(verify(&token), |e| {
        matches!(e, VerifyError::InvalidType { typ: None })
    });
}

#[test]
fn typ_wrong() {
    for typ in ["JWT", "id_token+jwt", "application/jwt", "at+jwt; x=1"] {
        let header = json!({"alg": "RS256", "kid": "rs256", "typ": typ});
        let token = sign_raw(
            &header.to_string(),
            &claims().to_string(),
            key(K::RsaA),
            Algorithm::RS256,
        );
        assert_refused(verify(&token), |e| {
            matches!(e, VerifyError::InvalidType { .. })
        });
    }
}

#[test]
fn typ_normalized_forms_are_accepted() {
    for typ in ["AT+JWT", "application/at+jwt", "Application/At+Jwt"] {
        let header = json!({"alg": "RS256", "kid": "rs256", "typ": typ});
        let token = sign_raw(
            &header.to_string(),
            &claims().to_string(),
            key(K::RsaA),
            Algorithm::RS256,
        );
        assert!(verify(&token).is_ok(), "{typ}");
    }
}

#[test]
fn short_rsa_key_is_refused() {
    let short = jwks(&[(K::RsaShort, "short", Algorithm::RS256)]);
    assert!(matches!(
        Verifier::builder(ISSUER, [AUDIENCE], KeySource::jwks_json(&short).unwrap()).build(),
        Err(verifier::BuildError::NoUsableKeys)
    ));
    let pem = KeySource::pem(Algorithm::RS256, key(K::RsaShort).public_pem);
    assert!(matches!(
        Verifier::builder(ISSUER, [AUDIENCE], pem).build(),
        Err(verifier::BuildError::InvalidKey {
            reason: verifier::KeyError::RsaKeyTooShort { bits: 1024 },
            ..
        })
    ));
}

#[test]
fn jwks_with_duplicate_kid() {
    let set = jwks(&[
        (K::RsaA, "dup", Algorithm::RS256),
        (K::RsaAttacker, "dup", Algorithm::RS256),
        (K::RsaB, "ok", Algorithm::PS256),
    ]);
    let verifier = Verifier::builder(ISSUER, [AUDIENCE], KeySource::jwks_json(&set).unwrap())
        .clock(clock())
        .build()
        .unwrap();
    for k in [K::RsaA, K::RsaAttacker] {
        let token = sign(k, "dup", Algorithm::RS256, &claims());
        assert!(matches!(
            block_on(verifier.verify(&token)),
            Err(VerifyError::UnknownKey { .. })
        ));
    }
    assert!(block_on(verifier.verify(&sign(K::RsaB, "ok", Algorithm::PS256, &claims()))).is_ok());
}

#[test]
fn jwks_with_unparsable_keys_beside_good_ones() {
    let mut set: serde_json::Value = serde_json::from_str(&jwks(&KIDS)).unwrap();
    let keys = set["keys"].as_array_mut().unwrap();
    keys.push(json!({"kty": "RSA", "kid": "broken", "n": "!!!", "e": "AQAB"}));
    keys.push(json!({"kty": "EC", "kid": "off-curve", "crv": "P-256", "x": base64url(&[1; 32]), "y": base64url(&[2; 32])}));
    keys.push(json!({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"}));
    keys.push(json!({"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"}));
    keys.push(json!("not an object"));
    keys.push(json!({"kty": "OKP", "kid": "x448", "crv": "X448", "x": "AA"}));
    let verifier = Verifier::builder(
        ISSUER,
        [AUDIENCE],
        KeySource::jwks_json(&set.to_string()).unwrap(),
    )
    .clock(clock())
    .build()
    .unwrap();
    assert!(block_on(verifier.verify(&rs256(&claims()))).is_ok());
    let token = sign(K::P256, "off-curve", Algorithm::ES256, &claims());
    assert!(matches!(
        block_on(verifier.verify(&token)),
        Err(VerifyError::UnknownKey { .. })
    ));
}

#[test]
fn encryption_key_is_ignored() {
    let mut jwk = key(K::RsaA).jwk("enc-key", Algorithm::RS256);
    jwk["use"] = json!("enc");
    let set = json!({"keys": [jwk, key(K::RsaB).jwk("ps256", Algorithm::PS256)]}).to_string();
    let verifier = Verifier::builder(ISSUER, [AUDIENCE], KeySource::jwks_json(&set).unwrap())
        .clock(clock())
        .build()
        .unwrap();
    let token = sign(K::RsaA, "enc-key", Algorithm::RS256, &claims());
    assert!(matches!(
        block_on(verifier.verify(&token)),
        Err(VerifyError::UnknownKey { .. })
    ));
}

#[test]
fn no_kid_with_several_keys_for_the_algorithm() {
    let set = jwks(&[
        (K::RsaA, "a", Algorithm::RS256),
        (K::RsaB, "b", Algorithm::RS256),
    ]);
    let verifier = Verifier::builder(ISSUER, [AUDIENCE], KeySource::jwks_json(&set).unwrap())
        .clock(clock())
        .build()
        .unwrap();
    let header = json!({"alg": "RS256", "typ": "at+jwt"});
    let token = sign_raw(
        &header.to_string(),
        &claims().to_string(),
        key(K::RsaA),
        Algorithm::RS256,
    );
    assert_refused(block_on(verifier.verify(&token)), |e| {
        matches!(e, VerifyError::MissingKeyId)
    });
    // With exactly one key for the algorithm, no kid is fine.
    let header = json!({"alg": "EdDSA", "typ": "at+jwt"});
    let token = sign_raw(
        &header.to_string(),
        &claims().to_string(),
        key(K::Ed25519),
        Algorithm::EdDSA,
    );
    assert!(verify(&token).is_ok());
}

#[test]
fn header_and_payload_that_are_not_json() {
    let sig = base64url(b"sig");
    for (h, p) in [
        ("not json", "{}"),
        (r#"{"alg":"RS256","kid":"rs256","typ":"at+jwt"}"#, "[1]"),
    ] {
        let token = format!(
            "{}.{}.{sig}",
            base64url(h.as_bytes()),
            base64url(p.as_bytes())
        );
        assert_refused(verify(&token), |e| {
            matches!(e, VerifyError::Malformed(_) | VerifyError::InvalidSignature)
        });
    }
}

#[test]
fn unauthorized_party() {
    let source = KeySource::jwks_json(&jwks(&KIDS)).unwrap();
    let verifier = Verifier::builder(ISSUER, [AUDIENCE], source)
        .clock(clock())
        .authorized_parties(["mobile-app"])
        .build()
        .unwrap();
    let verify = |claims: &serde_json::Value| block_on(verifier.verify(&rs256(claims))).map(|_| ());
    assert!(matches!(
        verify(&claims()),
        Err(VerifyError::UnauthorizedParty)
    ));
    let mut without = claims();
    without.as_object_mut().unwrap().remove("client_id");
    assert!(matches!(
        verify(&without),
        Err(VerifyError::UnauthorizedParty)
    ));
    assert!(verify(&claims_with("azp", json!("mobile-app"))).is_ok());
    assert!(verify(&claims_with("client_id", json!("mobile-app"))).is_ok());
}

#[test]
fn rfc9068_profile_requires_its_claims() {
    let source = KeySource::jwks_json(&jwks(&KIDS)).unwrap();
    let verifier = Verifier::builder(ISSUER, [AUDIENCE], source)
        .clock(clock())
        .rfc9068()
        .build()
        .unwrap();
    assert!(block_on(verifier.verify(&rs256(&claims()))).is_ok());
    for claim in ["sub", "client_id", "iat", "jti"] {
        let mut c = claims();
        c.as_object_mut().unwrap().remove(claim);
        let result = block_on(verifier.verify_as::<serde_json::Value>(&rs256(&c)));
        assert!(
            matches!(&result, Err(VerifyError::MissingClaim(name)) if *name == claim),
            "{claim}: {result:?}"
        );
    }
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn base64url_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

fn base64std(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn der_of(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}
