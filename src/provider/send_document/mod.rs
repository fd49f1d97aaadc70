//! Send Document in the reference provider: a receiving GP practice ([`receiver`]) and a sending care setting
//! ([`sender`]), each with its own MESH mailbox, so that the main job exercises both directions end to end. Their
//! faults (`sd-...`) break one behaviour each.

pub mod receiver;
pub mod sender;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

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
    /// Rung by whoever sends to the reference parties (the harness of an embedded run): they look into their
    /// mailboxes often for a while after it rings, and rarely otherwise, so an idle run does not load MESH.
    pub doorbell: Arc<Notify>,
}

/// How long the reference parties keep looking often after the doorbell rang or a message came.
const BUSY: Duration = Duration::from_secs(3);
/// How long they sleep between looks when idle (unless the doorbell rings).
const IDLE: Duration = Duration::from_secs(1);

/// The pace of a reference party's mailbox loop.
pub(crate) struct Pacer {
    doorbell: Arc<Notify>,
    poll: Duration,
    busy_until: Instant,
}

impl Pacer {
    pub(crate) fn new(doorbell: Arc<Notify>, poll: Duration) -> Self {
        Self {
            doorbell,
            poll,
            busy_until: Instant::now() + BUSY,
        }
    }

    /// Waits before the next look; `active`: the last look found something.
    pub(crate) async fn pause(&mut self, active: bool) {
        if active {
            self.busy_until = Instant::now() + BUSY;
        }
        if Instant::now() < self.busy_until {
            tokio::time::sleep(self.poll).await;
        } else {
            let _ = tokio::time::timeout(IDLE, self.doorbell.notified()).await;
            self.busy_until = Instant::now() + BUSY;
        }
    }
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
