//! decree8's EVM core: revm run the way a node runs transactions.
//!
//! [`engine`] is plain Rust (covered by `cargo test`); `python` (feature `python`) wraps it for
//! Python as the `decree8._evm` extension module.

pub mod engine;

#[cfg(feature = "python")]
mod python;
