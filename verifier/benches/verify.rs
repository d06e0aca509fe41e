//! `cargo xtask bench` (or `cargo bench -p verifier --bench verify`): µs per verification for
//! each algorithm with a warm JWKS cache, beside the raw signature check of the same backend
//! (aws-lc-rs, key parsed once) on the same token and `jsonwebtoken::decode`, on 1 and 2
//! threads. A plain timing loop keeps the build small: the three are timed in interleaved
//! batches and the best batch of each counts, so a busy machine disturbs them alike.
//! The wasm32 numbers come from tests/wasm_bench.rs (in Node).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]
// The benchmark timer is the one legitimate wall-clock read here.
#![allow(clippy::disallowed_methods)]

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main();
}

#[cfg(not(target_arch = "wasm32"))]
#[path = "../tests/it/support.rs"]
#[allow(dead_code)]
mod support;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::hint::black_box;
    use std::time::{Duration, Instant};

    use crate::support::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use verifier::Algorithm;

    /// µs per call of each of `fs`: interleaved batches after a warm-up, the best batch of each.
    fn time<const N: usize>(iterations: u32, fs: &mut [&mut dyn FnMut(); N]) -> [f64; N] {
        for f in fs.iter_mut() {
            for _ in 0..iterations {
                f();
            }
        }
        let mut best = [f64::MAX; N];
        for _ in 0..25 {
            for (f, best) in fs.iter_mut().zip(&mut best) {
                let start = Instant::now();
                for _ in 0..iterations {
                    f();
                }
                let per_call = start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
                *best = best.min(per_call);
            }
        }
        best
    }

    /// Verifications per second on `threads` threads for about 0.5 s.
    fn throughput(threads: usize, f: impl Fn() + Sync) -> f64 {
        let deadline = Duration::from_millis(500);
        let total: u64 = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let start = Instant::now();
                        let mut n = 0u64;
                        while start.elapsed() < deadline {
                            for _ in 0..50 {
                                f();
                            }
                            n += 50;
                        }
                        n
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        total as f64 / deadline.as_secs_f64()
    }

    fn raw_key(alg: Algorithm, k: K) -> aws_lc_rs::signature::ParsedPublicKey {
        use aws_lc_rs::signature::*;
        let params: &'static dyn VerificationAlgorithm = match alg {
            Algorithm::RS256 => &RSA_PKCS1_2048_8192_SHA256,
            Algorithm::RS384 => &RSA_PKCS1_2048_8192_SHA384,
            Algorithm::RS512 => &RSA_PKCS1_2048_8192_SHA512,
            Algorithm::PS256 => &RSA_PSS_2048_8192_SHA256,
            Algorithm::PS384 => &RSA_PSS_2048_8192_SHA384,
            Algorithm::PS512 => &RSA_PSS_2048_8192_SHA512,
            Algorithm::ES256 => &ECDSA_P256_SHA256_FIXED,
            Algorithm::ES384 => &ECDSA_P384_SHA384_FIXED,
            _ => &ED25519,
        };
        let pem = key(k).public_pem;
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        ParsedPublicKey::new(params, der).unwrap()
    }

    /// `VERIFY_BENCH_PROFILE=RS256 cargo bench -p verifier --bench verify`: only verify that
    /// algorithm's token in a loop for 3 s, for a profiler (`perf record`).
    fn profile(alg: Algorithm) {
        let issuer = FakeIssuer::new(jwks(&KIDS));
        let verifier = issuer.verifier(clock());
        let (k, kid, _) = KIDS.into_iter().find(|(_, _, a)| *a == alg).unwrap();
        let token = sign(k, kid, alg, &claims());
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            for _ in 0..100 {
                black_box(block_on(verifier.verify(black_box(&token))).unwrap());
            }
        }
    }

    pub fn main() {
        if let Ok(alg) = std::env::var("VERIFY_BENCH_PROFILE") {
            return profile(alg.parse().unwrap());
        }
        println!(
            "backend {} | µs per verify, best of 25 interleaved batches, warm remote-JWKS cache\n",
            verifier::backend::BACKEND
        );
        println!(
            "| alg | verify | raw check | ratio | overhead | jsonwebtoken::decode | 1 thread /s | 2 threads /s | scaling |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
        let issuer = FakeIssuer::new(jwks(&KIDS));
        let verifier = issuer.verifier(clock());
        for (k, kid, alg) in KIDS {
            let token = sign(k, kid, alg, &claims());
            assert!(block_on(verifier.verify(&token)).is_ok());

            let (input, sig) = token.rsplit_once('.').unwrap();
            let signature = URL_SAFE_NO_PAD.decode(sig).unwrap();
            let raw = raw_key(alg, k);
            assert!(raw.verify_sig(input.as_bytes(), &signature).is_ok());

            let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(key(k).jwk(kid, alg)).unwrap();
            let decoding = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
            let mut validation = jsonwebtoken::Validation::new(alg.name().parse().unwrap());
            validation.set_audience(&[AUDIENCE]);
            validation.set_issuer(&[ISSUER]);
            validation.validate_exp = false;
            let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
            jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation).unwrap();

            let ours = || {
                black_box(block_on(verifier.verify(black_box(&token))).unwrap());
            };
            let mut ours_mut = ours;
            let mut raw_check = || {
                assert!(
                    raw.verify_sig(black_box(input.as_bytes()), black_box(&signature))
                        .is_ok()
                );
            };
            let mut jwt = || {
                black_box(
                    jsonwebtoken::decode::<serde_json::Value>(
                        black_box(&token),
                        &decoding,
                        &validation,
                    )
                    .unwrap(),
                );
            };
            // Slow algorithms get smaller batches.
            let iterations = if alg == Algorithm::ES384 { 40 } else { 200 };
            let [t_ours, t_raw, t_jwt] =
                time(iterations, &mut [&mut ours_mut, &mut raw_check, &mut jwt]);
            let one = throughput(1, ours);
            let two = throughput(2, ours);
            println!(
                "| {alg} | {t_ours:.1} | {t_raw:.1} | {:.3}× | {:.1} | {t_jwt:.1} ({:.2}×) | {one:.0} | {two:.0} | {:.2}× |",
                t_ours / t_raw,
                t_ours - t_raw,
                t_jwt / t_raw,
                two / one
            );
        }
    }
}
