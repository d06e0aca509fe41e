//! Fuzzes `Verifier::verify` with a fixed JWKS (RS256, ES256, EdDSA) and a fixed clock.
//!
//! Two kinds of input (seeds in corpus/verify, from make_corpus.py):
//! - a token as text (starts with anything but `{`): verified as is;
//! - `{header JSON}` newline `{claims JSON}`: encoded and signed here with the EdDSA key, so
//!   the header and claims checks behind the signature are fuzzed too.
//!
//! Never panics; an accepted token must satisfy what the verifier promises.

#![no_main]

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use libfuzzer_sys::fuzz_target;
use verifier::{KeySource, ManualClock, Verifier};

const ISSUER: &str = "https://auth.example.test";
const AUDIENCE: &str = "client-1";
const NOW: i64 = 1_750_000_000;
const LEEWAY: i64 = 30;

/// Static keys never wait, so polling once more is always enough.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

fn verifier() -> &'static Verifier {
    static VERIFIER: OnceLock<Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let keys = KeySource::jwks_json(include_str!("../jwks.json")).unwrap();
        Verifier::builder(ISSUER, [AUDIENCE], keys)
            .clock(Arc::new(ManualClock::at_unix(NOW as u64)))
            .build()
            .unwrap()
    })
}

fn signed(header: &[u8], claims: &[u8]) -> String {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let signature = key.sign(input.as_bytes()).to_bytes();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fuzz_target!(|data: &[u8]| {
    let token = if data.first() == Some(&b'{') {
        let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
        let claims = data.get(split + 1..).unwrap_or_default();
        signed(&data[..split], claims)
    } else {
        match std::str::from_utf8(data) {
            Ok(text) => text.to_owned(),
            Err(_) => return,
        }
    };
    if let Ok(claims) = block_on(verifier().verify(&token)) {
        assert_eq!(claims.iss, ISSUER);
        assert!(claims.aud.contains(AUDIENCE));
        assert!(claims.exp > NOW - LEEWAY);
        assert!(claims.nbf.is_none_or(|nbf| nbf <= NOW + LEEWAY));
        assert!(claims.iat <= NOW + LEEWAY);
    }
});
