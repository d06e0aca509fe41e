//! Handler tests: the real router over a fresh SQLite database each, driven with `oneshot`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers may fail loudly

mod support;

mod clients;
mod config;
mod magic_link;
mod oidc;
mod otp;
mod passkeys;
mod sms;
mod tokens;
mod wellknown;
