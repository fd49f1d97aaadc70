//! gpc-assure: conformance and assurance harness for NHS England's GP Connect APIs.

pub mod client;
pub mod clock;
pub mod config;
pub mod consumer;
pub mod definitions;
pub mod fhir;
pub mod fuzzing;
pub mod itk;
pub mod mesh;
pub mod output;
pub mod provider;
pub mod send_document;
pub mod spine;
pub mod tls;

pub mod report;
pub mod runner;
#[path = "../steps/mod.rs"]
pub mod steps;
pub mod validate;
