//! Spine-facing facts: the interaction catalogue, SSP headers and the unsigned JWT; a stand-in for the Spine
//! Secure Proxy ([`proxy`]).

pub mod catalogue;
pub mod errors;
pub mod headers;
pub mod jwt;
pub mod proxy;

pub use catalogue::{Capability, Interaction};
