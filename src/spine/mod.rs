//! Spine-facing facts: the interaction catalogue, SSP headers and the unsigned JWT.

pub mod catalogue;
pub mod errors;
pub mod headers;
pub mod jwt;

pub use catalogue::{Capability, Interaction};
