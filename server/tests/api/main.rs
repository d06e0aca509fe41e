//! Handler tests: the real router over a fresh SQLite database each, driven with `oneshot`.

mod support;

mod clients;
mod otp;
mod tokens;
mod wellknown;
