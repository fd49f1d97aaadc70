//! Step definitions, compiled into the library so the binary and the tests run the same steps.
//!
//! - [`world`]: the scenario World (the request under construction, the exchanges made) and `send`;
//! - [`context`]: what outlives a scenario (config, client, clock, the run-wide slot register);
//! - [`placeholders`]: the `{kind:key}` language of the feature files;
//! - [`json_path`]: read, set and remove elements of a resource by path;
//! - [`uk_time`]: UK dates and times as the harness computes them (independently of the reference provider);
//! - one module per capability of steps: [`common`] (HTTP, headers, JWT, formats, validation), [`foundations`],
//!   [`appointments`], [`structured`], [`documents`], [`html`].

pub mod appointments;
pub mod common;
pub mod consumer;
pub mod context;
pub mod documents;
pub mod foundations;
pub mod html;
pub mod json_path;
pub mod placeholders;
pub mod recipes;
pub mod send_document;
pub mod structured;
pub mod uk_time;
pub mod world;

pub use context::{RunContext, SlotClaim};
pub use world::GpcWorld;
