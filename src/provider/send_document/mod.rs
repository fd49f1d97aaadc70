//! Send Document in the reference provider: a receiving GP practice ([`receiver`]) and a sending care setting
//! ([`sender`]), each with its own MESH mailbox, so that the main job exercises both directions end to end. Their
//! faults (`sd-...`) break one behaviour each.

pub mod receiver;
pub mod sender;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::clock::Clock;
use crate::provider::{Fault, FaultSet};

pub use receiver::ReferenceReceiver;
pub use sender::{ReferenceSender, ReportRequest};

/// What the reference receiver and sender share: their faults, clock, ODS code, the mailbox they act as, the
/// response code displays and a FHIR reader (JSON or XML).
#[derive(Debug)]
pub struct Parties {
    pub faults: FaultSet,
    pub clock: Clock,
    pub mailbox: String,
    pub ods_code: String,
    /// Code -> display of `ITK-ResponseCodes-1`.
    pub displays: HashMap<String, String>,
    pub reader: Arc<crate::validate::Validator>,
}

impl Parties {
    pub fn fault(&self, f: Fault) -> bool {
        self.faults.has(f)
    }

    /// A payload as FHIR JSON (it may come as JSON or XML).
    pub fn read(&self, body: &[u8]) -> Result<Value, String> {
        let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
        self.reader.read(text).map_err(|e| e.to_string())
    }

    pub fn display(&self, code: &str) -> String {
        self.displays.get(code).cloned().unwrap_or_default()
    }
}
