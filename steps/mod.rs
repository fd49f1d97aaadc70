//! Step definitions, compiled into the library so the binary and the tests run the same steps.

pub mod appointments;
pub mod common;
pub mod foundations;
pub mod world;

pub use world::{GpcWorld, RunContext};
