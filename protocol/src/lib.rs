//! Types of the login API, shared by the server, the widget and outside clients.
//!
//! Paths follow the SSOJet API reference; the shapes below are a contract (see
//! `DESIGN.md`, "The core exchange, exact shapes"). This crate does no I/O and builds for
//! `wasm32-unknown-unknown`.
//!
//! ```
//! use protocol::{ErrorBody, ErrorCode};
//!
//! let body: ErrorBody = serde_json::from_str(r#"{"error":"invalid_otp","message":"Wrong code"}"#)?;
//! assert_eq!(body.error, ErrorCode::InvalidOtp);
//! # Ok::<(), serde_json::Error>(())
//! ```

mod error;
pub mod routes;
mod types;

pub use error::{ErrorBody, ErrorCode};
pub use types::*;
