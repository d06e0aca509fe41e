//! Integration tests of the verifier: fixed real keys, real signatures. `attacks`,
//! `algorithms` and `cache` also run in wasm (`cargo xtask test` runs them in Node through
//! wasm-bindgen-test); `build` and `remote` (a real HTTP server on 127.0.0.1:0) are native only.
//! Time only moves through a `ManualClock`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod algorithms;
mod attacks;
#[cfg(not(target_arch = "wasm32"))]
mod build;
mod cache;
#[cfg(not(target_arch = "wasm32"))]
mod remote;
mod support;
