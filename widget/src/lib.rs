//! The login widget (placeholder).
