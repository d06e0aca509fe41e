//! The JWKS cache through a host-supplied fetch (an async closure), with a manual clock:
//! rotation, removal, cooldown, staleness. Runs natively and in wasm.

use std::time::Duration;

use verifier::{Algorithm, VerifyError};

use crate::support::*;

// On wasm32, `#[test]` means `#[wasm_bindgen_test]` (run in Node).
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const COOLDOWN: Duration = Duration::from_secs(31);

fn long_lived(k: K, kid: &str) -> String {
    sign(
        k,
        kid,
        Algorithm::RS256,
        &claims_with("exp", serde_json::json!(NOW + 86_400)),
    )
}

#[test]
fn fetches_once_and_caches() {
    let issuer = FakeIssuer::new(jwks(&[(K::RsaA, "a", Algorithm::RS256)]));
    let verifier = issuer.verifier(clock());
    assert_eq!(issuer.hits(), 0, "no fetch before the first token");
    for _ in 0..5 {
        assert!(block_on(verifier.verify(&long_lived(K::RsaA, "a"))).is_ok());
    }
    assert_eq!(issuer.hits(), 1);
}

#[test]
fn rotation_new_kid_is_fetched_once_and_accepted() {
    let issuer = FakeIssuer::new(jwks(&[(K::RsaA, "a", Algorithm::RS256)]));
    let verifier = issuer.verifier(clock());
    assert!(block_on(verifier.verify(&long_lived(K::RsaA, "a"))).is_ok());
    issuer.set_body(jwks(&[
        (K::RsaA, "a", Algorithm::RS256),
        (K::RsaB, "b", Algorithm::RS256),
    ]));
    assert!(block_on(verifier.verify(&long_lived(K::RsaB, "b"))).is_ok());
    assert_eq!(issuer.hits(), 2);
    assert!(block_on(verifier.verify(&long_lived(K::RsaB, "b"))).is_ok());
    assert!(block_on(verifier.verify(&long_lived(K::RsaA, "a"))).is_ok());
    assert_eq!(issuer.hits(), 2);
}

#[test]
fn removed_key_is_refused_after_refresh() {
    let clock = clock();
    let issuer = FakeIssuer::new(jwks(&[(K::RsaA, "a", Algorithm::RS256)]));
    let verifier = issuer.verifier(clock.clone());
    assert!(block_on(verifier.verify(&long_lived(K::RsaA, "a"))).is_ok());
    issuer.set_body(jwks(&[(K::RsaB, "b", Algorithm::RS256)]));
    clock.advance(Duration::from_secs(10 * 60 + 1));
    assert!(matches!(
        block_on(verifier.verify(&long_lived(K::RsaA, "a"))),
        Err(VerifyError::UnknownKey { .. })
    ));
    assert!(block_on(verifier.verify(&long_lived(K::RsaB, "b"))).is_ok());
}

#[test]
fn cooldown_is_honoured_under_a_burst_of_unknown_kids() {
    let clock = clock();
    let issuer = FakeIssuer::new(jwks(&[(K::RsaA, "a", Algorithm::RS256)]));
    let verifier = issuer.verifier(clock.clone());
    assert!(block_on(verifier.verify(&long_lived(K::RsaA, "a"))).is_ok());
    for i in 0..200 {
        let token = long_lived(K::RsaAttacker, &format!("random-{i}"));
        assert!(matches!(
            block_on(verifier.verify(&token)),
            Err(VerifyError::UnknownKey { .. })
        ));
    }
    assert_eq!(issuer.hits(), 2, "one refetch for the whole burst");
    clock.advance(COOLDOWN);
    let _ = block_on(verifier.verify(&long_lived(K::RsaAttacker, "again")));
    assert_eq!(issuer.hits(), 3, "one more after the cooldown");
    // Known kids are still served from the cache meanwhile.
    assert!(block_on(verifier.verify(&long_lived(K::RsaA, "a"))).is_ok());
    assert_eq!(issuer.hits(), 3);
}

#[test]
fn stale_keys_are_refetched_in_the_request_without_a_spawner() {
    let clock = clock();
    let issuer = FakeIssuer::new(jwks(&[(K::RsaA, "a", Algorithm::RS256)]));
    let verifier = issuer.verifier(clock.clone());
    assert!(block_on(verifier.verify(&long_lived(K::RsaA, "a"))).is_ok());
    clock.advance(Duration::from_secs(9 * 60 + 59));
    assert!(block_on(verifier.verify(&long_lived(K::RsaA, "a"))).is_ok());
    assert_eq!(issuer.hits(), 1);
    clock.advance(Duration::from_secs(1));
    assert!(block_on(verifier.verify(&long_lived(K::RsaA, "a"))).is_ok());
    assert_eq!(issuer.hits(), 2);
}
