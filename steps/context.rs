//! What outlives a scenario: the run's configuration, target, client, clock and definitions facts, and the
//! run-wide register of slots that scenarios hold.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::client::HttpClient;
use crate::clock::Clock;
use crate::config::{Config, PoolPatient};
use crate::fhir::FhirPath;
use crate::spine::catalogue::Capability;

/// Everything a scenario needs that outlives it: config, target, client, facts read from definitions.
#[derive(Debug)]
pub struct RunContext {
    pub config: Config,
    pub base_url: String,
    pub roots: HashMap<Capability, String>,
    pub client: HttpClient,
    pub fhir_path: FhirPath,
    /// `OperationOutcome.issue.details.coding.system` fixed by GPConnect-OperationOutcome-1.
    pub error_system: String,
    /// Code -> display of the Spine error CodeSystem.
    pub error_displays: HashMap<String, String>,
    /// The profile validators (one per capability) every response is checked with (`None` in the placeholder
    /// context).
    pub validators: Option<crate::validate::Validators>,
    /// The run's clock: every date, time and token lifetime the steps compute reads it.
    pub clock: Clock,
    /// The provider's TLS and plain addresses, the SSP client certificates and the SSP the security and SSP
    /// features use.
    pub transport: crate::tls::TransportTarget,
    /// The inspecting provider and driver of a consumer run.
    pub consumer: Option<Arc<crate::consumer::Harness>>,
    /// MESH, the harness's mailboxes and the systems under test of the Send Document tests.
    pub send_document: Option<Arc<crate::send_document::SendDocumentHarness>>,
    register_cursor: AtomicUsize,
    /// Slots a scenario of this run has taken for a booking (see [`SlotClaim`]).
    claimed_slots: Mutex<HashSet<String>>,
}

impl RunContext {
    pub fn new(
        config: Config,
        base_url: String,
        client: HttpClient,
        fhir_path: FhirPath,
        error_system: String,
        error_displays: HashMap<String, String>,
        clock: Clock,
    ) -> Self {
        let roots = config
            .service_roots
            .iter()
            .map(|(c, root)| (c, Config::resolve_root(&base_url, root)))
            .collect();
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() as usize);
        Self {
            config,
            base_url,
            roots,
            client,
            fhir_path,
            error_system,
            error_displays,
            validators: None,
            clock,
            transport: crate::tls::TransportTarget::default(),
            consumer: None,
            send_document: None,
            register_cursor: AtomicUsize::new(seed),
            claimed_slots: Mutex::new(HashSet::new()),
        }
    }

    /// Attaches the profile validators.
    pub fn with_validators(mut self, validators: crate::validate::Validators) -> Self {
        self.validators = Some(validators);
        self
    }

    /// Attaches what the security and SSP features reach the provider's transport with.
    pub fn with_transport(mut self, transport: crate::tls::TransportTarget) -> Self {
        self.transport = transport;
        self
    }

    /// Attaches the consumer run's inspector and driver.
    pub fn with_consumer(mut self, consumer: Option<Arc<crate::consumer::Harness>>) -> Self {
        self.consumer = consumer;
        self
    }

    /// Attaches Send Document's MESH side.
    pub fn with_send_document(
        mut self,
        send_document: Option<Arc<crate::send_document::SendDocumentHarness>>,
    ) -> Self {
        self.send_document = send_document;
        self
    }

    /// The validator for a capability's payloads.
    pub fn validator(
        &self,
        capability: Capability,
    ) -> Result<Arc<crate::validate::Validator>, String> {
        self.validators
            .as_ref()
            .and_then(|v| v.get(capability))
            .ok_or_else(|| "no profile validator in this run".to_string())
    }

    /// A context that cannot reach anything (before the run's `before` hook installs the real one).
    pub(super) fn placeholder() -> Self {
        let client = HttpClient::unconfigured();
        Self::new(
            Config::default(),
            "http://127.0.0.1:9".into(),
            client,
            FhirPath::development_default(),
            String::new(),
            HashMap::new(),
            Clock::system(),
        )
    }

    pub fn root(&self, c: Capability) -> &str {
        self.roots.get(&c).map_or("", String::as_str)
    }

    /// The next register-pool identity to try (spread across runs so reruns meet fresh identities first).
    pub fn next_pool_patient(&self) -> Option<PoolPatient> {
        let pool = &self.config.test_data.register_pool;
        if pool.is_empty() {
            return None;
        }
        let i = self.register_cursor.fetch_add(1, Ordering::Relaxed) % pool.len();
        pool.get(i).cloned()
    }

    /// Takes a slot for one scenario of this run; `false` when another scenario already holds it.
    pub fn claim_slot(&self, slot_id: &str) -> bool {
        self.claimed_slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(slot_id.to_string())
    }

    /// Gives a slot back (its scenario did not book it).
    pub fn release_slot(&self, slot_id: &str) {
        self.claimed_slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(slot_id);
    }
}

/// A slot one scenario holds so that concurrent scenarios never try to book it. The claim is given back when the
/// scenario ends, unless the scenario booked an appointment: then the slot stays taken for the rest of the run
/// (another scenario's earlier search may still list it as free).
#[derive(Debug)]
pub struct SlotClaim {
    ctx: Arc<RunContext>,
    pub slot_id: String,
    pub kept: bool,
}

impl SlotClaim {
    /// Claims `slot_id`, or `None` when another scenario holds it.
    pub fn take(ctx: &Arc<RunContext>, slot_id: &str) -> Option<Self> {
        ctx.claim_slot(slot_id).then(|| SlotClaim {
            ctx: ctx.clone(),
            slot_id: slot_id.to_string(),
            kept: false,
        })
    }
}

impl Drop for SlotClaim {
    fn drop(&mut self) {
        if !self.kept {
            self.ctx.release_slot(&self.slot_id);
        }
    }
}
