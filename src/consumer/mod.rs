//! Consumer assurance: the harness plays the provider and judges every call a consumer makes.
//!
//! - [`request`]: an inbound request as the inspecting provider received it (also read back from captures);
//! - [`finding`]: what a consumer rule found wrong, h2spec-style (rule, requirement, where, expected, actual);
//! - [`rules`]: the consumer rules (SSP headers, JWT, content negotiation, request bodies), judged from the
//!   interaction catalogue and the FHIR definitions;
//! - [`task`]: what a consumer is asked to do in a scenario (the contract with drivers and the reference consumer);
//! - [`inspector`]: the log of inspected requests and their findings, and the provider errors a scenario scripts.

pub mod capture;
pub mod config;
pub mod demo;
pub mod driver;
pub mod finding;
pub mod inspector;
pub mod request;
pub mod rules;
pub mod task;

pub use finding::{Finding, Rule};
pub use inspector::{Inspected, Inspector};

pub use request::InboundRequest;
pub use task::{Task, TaskRequest};

/// What the consumer steps of a run share: the inspecting provider's log, the driver, and the provider's URLs the
/// consumer is given.
#[derive(Debug)]
pub struct Harness {
    pub inspector: std::sync::Arc<Inspector>,
    pub driver: driver::Driver,
    /// The inspecting provider's base URL.
    pub base_url: String,
    /// The absolute service root URL of each capability.
    pub roots: Vec<(crate::spine::catalogue::Capability, String)>,
    pub provider_asid: String,
    pub provider_ods_code: String,
}

impl Harness {
    /// The parameters every task gets: the provider's URLs, ASID and ODS code, and the run clock's instant.
    pub fn context_params(&self, now: &str) -> std::collections::BTreeMap<String, String> {
        use crate::spine::catalogue::Capability;
        let mut params = std::collections::BTreeMap::new();
        params.insert("base_url".to_string(), self.base_url.clone());
        for (cap, url) in &self.roots {
            let key = match cap {
                Capability::Foundations => "foundations_url",
                Capability::Appointments => "appointments_url",
                Capability::Structured => "structured_url",
                Capability::Documents => "documents_url",
                Capability::Html => "html_url",
            };
            params.insert(key.to_string(), url.clone());
        }
        params.insert("provider_asid".into(), self.provider_asid.clone());
        params.insert("provider_ods_code".into(), self.provider_ods_code.clone());
        params.insert("now".into(), now.to_string());
        params
    }
}
