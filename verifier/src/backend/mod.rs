//! The crypto backends: one parsed public key type with a `verify`, chosen by feature.
//!
//! `native` (aws-lc-rs) wins when both are enabled; wasm32 builds use `rust-crypto`.

#[cfg(feature = "native")]
mod aws_lc;
#[cfg(feature = "native")]
pub(crate) use aws_lc::PublicKey;

#[cfg(all(feature = "rust-crypto", not(feature = "native")))]
mod rust_crypto;
#[cfg(all(feature = "rust-crypto", not(feature = "native")))]
pub(crate) use rust_crypto::PublicKey;

#[cfg(not(any(feature = "native", feature = "rust-crypto")))]
compile_error!("enable a crypto backend: the `native` or the `rust-crypto` feature");

/// The backend compiled in, for diagnostics and benchmarks.
pub const BACKEND: &str = if cfg!(feature = "native") {
    "aws-lc-rs"
} else {
    "rust-crypto"
};
