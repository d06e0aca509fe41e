//! Verifier (placeholder).
