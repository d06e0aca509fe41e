//! Integration tests of the verifier: real RSA keys, real signatures, and a real HTTP server
//! on 127.0.0.1:0 serving the JWKS. Time only moves through a `ManualClock`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod build;
mod remote;
mod static_keys;
mod support;
