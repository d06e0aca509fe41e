//! The verify benchmark in wasm32 (RustCrypto backend), run in Node by `cargo xtask bench`:
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test -p verifier \
//!   --release --target wasm32-unknown-unknown --no-default-features --features rust-crypto,wasm \
//!   --test wasm_bench -- --nocapture
//! ```
//!
//! µs per verification with a warm JWKS cache, beside the raw RustCrypto check (key parsed
//! once, hash + verify) of the same token. Timed with `performance.now()`; best of
//! interleaved batches of about 10 ms. Empty on native targets (`cargo bench -p verifier` is the native one).

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "it/support.rs"]
#[allow(dead_code)]
mod support;

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::{Pkcs1v15Sign, Pss};
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use signature::Verifier as _;
use support::*;
use verifier::Algorithm;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

#[wasm_bindgen]
extern "C" {
    /// Milliseconds, sub-millisecond resolution (Node's `performance.now()`).
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// The raw RustCrypto check with a pre-parsed key, as the backend does it.
fn raw_check(k: K, alg: Algorithm) -> impl Fn(&[u8], &[u8]) -> bool {
    let private = &key(k).private;
    move |message: &[u8], sig: &[u8]| match (private, alg) {
        (Private::Rsa(key), _) => {
            let public = key.as_ref();
            let ok = match alg {
                Algorithm::RS256 => {
                    public.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message), sig)
                }
                Algorithm::RS384 => {
                    public.verify(Pkcs1v15Sign::new::<Sha384>(), &Sha384::digest(message), sig)
                }
                Algorithm::RS512 => {
                    public.verify(Pkcs1v15Sign::new::<Sha512>(), &Sha512::digest(message), sig)
                }
                Algorithm::PS256 => public.verify(
                    Pss::<Sha256>::new_with_salt(32),
                    &Sha256::digest(message),
                    sig,
                ),
                Algorithm::PS384 => public.verify(
                    Pss::<Sha384>::new_with_salt(48),
                    &Sha384::digest(message),
                    sig,
                ),
                _ => public.verify(
                    Pss::<Sha512>::new_with_salt(64),
                    &Sha512::digest(message),
                    sig,
                ),
            };
            ok.is_ok()
        }
        (Private::P256(key), _) => {
            let sig = p256::ecdsa::Signature::from_slice(sig).unwrap();
            key.verifying_key().verify(message, &sig).is_ok()
        }
        (Private::P384(key), _) => {
            let sig = p384::ecdsa::Signature::from_slice(sig).unwrap();
            key.verifying_key().verify(message, &sig).is_ok()
        }
        (Private::Ed25519(key), _) => {
            let sig = ed25519_dalek::Signature::from_slice(sig).unwrap();
            key.verifying_key().verify_strict(message, &sig).is_ok()
        }
    }
}

/// µs per call of `a` and `b`: batches of about 10 ms each, interleaved so both see the same
/// noise; the best batch of 15 counts.
fn time_pair(mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    let start = performance_now();
    a();
    b();
    let once = (performance_now() - start).max(0.001);
    // At least 3 calls per batch; `as` saturates.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let iterations = ((10.0 / once) as u32).max(3);
    let (mut best_a, mut best_b) = (f64::MAX, f64::MAX);
    for _ in 0..15 {
        let start = performance_now();
        for _ in 0..iterations {
            a();
        }
        let middle = performance_now();
        for _ in 0..iterations {
            b();
        }
        let end = performance_now();
        best_a = best_a.min((middle - start) * 1000.0 / f64::from(iterations));
        best_b = best_b.min((end - middle) * 1000.0 / f64::from(iterations));
    }
    (best_a, best_b)
}

#[wasm_bindgen_test]
fn verify_time_per_algorithm() {
    console_log!(
        "backend {} (wasm32 in Node) | µs per verify, best of 15 interleaved batches, warm \
         remote-JWKS cache\n",
        verifier::backend::BACKEND
    );
    console_log!("| alg | verify | raw check | ratio | overhead |");
    console_log!("|---|---|---|---|---|");
    let issuer = FakeIssuer::new(jwks(&KIDS));
    let verifier = issuer.verifier(clock());
    for (k, kid, alg) in KIDS {
        let token = sign(k, kid, alg, &claims());
        assert!(block_on(verifier.verify(&token)).is_ok());
        let (input, sig) = token.rsplit_once('.').unwrap();
        let signature = URL_SAFE_NO_PAD.decode(sig).unwrap();
        let raw = raw_check(k, alg);
        assert!(raw(input.as_bytes(), &signature));
        let (ours, check) = time_pair(
            || {
                black_box(block_on(verifier.verify(black_box(&token))).unwrap());
            },
            || assert!(raw(black_box(input.as_bytes()), black_box(&signature))),
        );
        console_log!(
            "| {alg} | {ours:.1} | {check:.1} | {:.3}× | {:.1} |",
            ours / check,
            ours - check
        );
    }
}
