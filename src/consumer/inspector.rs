//! The inspecting provider's log: every request a consumer made, the interaction it was judged as, its findings
//! and the answer it got; and the provider errors a scenario scripts ("answer the next structured record request
//! with NO_PATIENT_CONSENT"). Shared by the provider's request pipeline, its `/_gpc-assure/` endpoints and the
//! consumer steps.

use std::collections::HashSet;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::finding::Finding;
use super::request::InboundRequest;
use super::rules::{self, Judgement, RuleContext};
use crate::spine::catalogue::{Capability, Interaction};
use crate::spine::headers;

/// What the inspector judges with.
#[derive(Debug)]
pub struct InspectorSettings {
    pub provider_asid: String,
    /// The consumer's ASID when known (`Ssp-From` is then checked against it).
    pub consumer_asid: Option<String>,
    /// Service roots (path part) per capability.
    pub roots: Vec<(Capability, String)>,
    /// Validators for request bodies and the JWT's resources (`None`: not validated).
    pub validators: Option<crate::validate::Validators>,
    /// How far a consumer's clock may run ahead (JWT `iat`), seconds.
    pub clock_skew_secs: i64,
}

/// The answer a request got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: String,
}

/// One inspected request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspected {
    /// Position in the log, from 1.
    pub seq: u64,
    /// The absolute URL the consumer used.
    pub url: String,
    pub request: InboundRequest,
    /// The catalogue name of the interaction it was judged as (`PatientSearch`).
    pub interaction: Option<String>,
    pub findings: Vec<Finding>,
    pub response: Option<InspectedResponse>,
    /// The Spine error code a scenario scripted for this request, when one was answered.
    pub scripted: Option<String>,
    /// What the provider rules found wrong with the answer of the real provider the request was forwarded to
    /// (proxy driver; empty otherwise).
    #[serde(default)]
    pub provider_findings: Vec<Finding>,
}

impl Inspected {
    pub fn interaction(&self) -> Option<Interaction> {
        self.interaction.as_deref().and_then(Interaction::from_name)
    }

    /// The request's `Ssp-TraceID`.
    pub fn trace_id(&self) -> Option<&str> {
        self.request.header(headers::SSP_TRACE_ID).map(str::trim)
    }

    pub fn status(&self) -> Option<u16> {
        self.response.as_ref().map(|r| r.status)
    }
}

/// A provider error a scenario asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptedError {
    pub interaction: String,
    /// The Spine error code (`NO_PATIENT_CONSENT`).
    pub error: String,
    /// How many requests get it (absent: every request until the script is cleared).
    #[serde(default)]
    pub times: Option<u32>,
}

#[derive(Debug, Default)]
struct Log {
    entries: Vec<Inspected>,
    trace_ids: HashSet<String>,
    scripts: Vec<ScriptedError>,
    /// The last position given out (positions keep counting after a clear).
    last_seq: u64,
}

impl Log {
    /// The entry of request `seq` (entries are in `seq` order).
    fn entry(&mut self, seq: u64) -> Option<&mut Inspected> {
        let i = self.entries.binary_search_by_key(&seq, |e| e.seq).ok()?;
        self.entries.get_mut(i)
    }
}

/// The most requests the log keeps: a long-running `serve --inspect` keeps the latest ones (a scenario reads its
/// own requests as it ends), so its memory stays bounded however many requests it serves.
pub const MAX_ENTRIES: usize = 10_000;
/// The most TraceIDs remembered for the reuse check; past it the memory starts afresh.
const MAX_TRACE_IDS: usize = 200_000;

/// The log of an inspecting provider.
#[derive(Debug)]
pub struct Inspector {
    settings: InspectorSettings,
    log: Mutex<Log>,
}

/// A script names an interaction the catalogue does not have, or an error code the error table does not.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    #[error("`{0}` is not an interaction; use a catalogue name such as GetStructuredRecord or an interaction URN")]
    Interaction(String),
    #[error("`{0}` is not a Spine error code of the GP Connect error table")]
    Code(String),
}

impl Inspector {
    pub fn new(settings: InspectorSettings) -> Self {
        Self {
            settings,
            log: Mutex::new(Log::default()),
        }
    }

    pub fn settings(&self) -> &InspectorSettings {
        &self.settings
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Log> {
        // Every update is a push or an assignment: a poisoned lock still holds a whole log.
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Judges `req` (received on `origin`, `scheme://host[:port]`), records it and returns its position and
    /// verdict. The judging (which may validate a large body) runs outside the log's lock, so one slow request
    /// does not hold up the others; whether its TraceID was used before is settled first, under the lock.
    pub fn inspect(&self, req: InboundRequest, origin: &str) -> (u64, Judgement) {
        let trace = req
            .header(headers::SSP_TRACE_ID)
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty());
        let reused = trace.as_ref().is_some_and(|t| {
            let mut log = self.lock();
            if log.trace_ids.len() >= MAX_TRACE_IDS {
                log.trace_ids.clear();
            }
            !log.trace_ids.insert(t.clone())
        });
        let seen: HashSet<String> = trace.into_iter().filter(|_| reused).collect();
        let judgement = rules::judge(
            &req,
            &RuleContext {
                provider_asid: &self.settings.provider_asid,
                consumer_asid: self.settings.consumer_asid.as_deref(),
                roots: &self.settings.roots,
                origin,
                validators: self.settings.validators.as_ref(),
                seen_trace_ids: &seen,
                clock_skew_secs: self.settings.clock_skew_secs,
            },
        );
        let mut log = self.lock();
        log.last_seq += 1;
        let seq = log.last_seq;
        if log.entries.len() >= MAX_ENTRIES {
            log.entries.drain(..MAX_ENTRIES / 10);
        }
        log.entries.push(Inspected {
            seq,
            url: format!("{origin}{}", req.target),
            interaction: judgement.interaction().map(|i| i.name().to_string()),
            findings: judgement.findings.clone(),
            request: req,
            response: None,
            scripted: None,
            provider_findings: Vec::new(),
        });
        (seq, judgement)
    }

    /// Records the answer to request `seq`.
    pub fn responded(&self, seq: u64, response: InspectedResponse, scripted: Option<String>) {
        let mut log = self.lock();
        if let Some(e) = log.entry(seq) {
            e.response = Some(response);
            e.scripted = scripted;
        }
    }

    /// Records what the provider rules found in the answer a real provider gave request `seq` (proxy driver).
    pub fn provider_judged(&self, seq: u64, findings: Vec<Finding>) {
        let mut log = self.lock();
        if let Some(e) = log.entry(seq) {
            e.provider_findings = findings;
        }
    }

    /// The scripted error for a request of `interaction`, used up by this call.
    pub fn take_script(&self, interaction: Interaction) -> Option<String> {
        let mut log = self.lock();
        let pos = log
            .scripts
            .iter()
            .position(|s| s.interaction == interaction.name())?;
        let script = &mut log.scripts[pos];
        let error = script.error.clone();
        match &mut script.times {
            Some(1) => {
                log.scripts.remove(pos);
            }
            Some(n) => *n -= 1,
            None => {}
        }
        Some(error)
    }

    /// Adds a scripted error (the interaction by catalogue name or URN; the code from the error table).
    pub fn script(&self, mut script: ScriptedError) -> Result<(), ScriptError> {
        let interaction = Interaction::from_name(&script.interaction)
            .or_else(|| Interaction::from_urn(&script.interaction))
            .ok_or_else(|| ScriptError::Interaction(script.interaction.clone()))?;
        if crate::spine::errors::row(&script.error).is_none() {
            return Err(ScriptError::Code(script.error));
        }
        script.interaction = interaction.name().to_string();
        self.lock().scripts.push(script);
        Ok(())
    }

    /// Removes every scripted error.
    pub fn clear_scripts(&self) {
        self.lock().scripts.clear();
    }

    /// The number of requests inspected so far (a scenario's starting mark).
    pub fn mark(&self) -> u64 {
        self.lock().last_seq
    }

    /// The requests after `mark`, oldest first.
    pub fn since(&self, mark: u64) -> Vec<Inspected> {
        let log = self.lock();
        log.entries
            .iter()
            .filter(|e| e.seq > mark)
            .cloned()
            .collect()
    }

    /// Forgets every request and script (TraceIDs seen stay remembered: a later reuse is still a reuse).
    pub fn clear(&self) {
        let mut log = self.lock();
        log.entries.clear();
        log.scripts.clear();
    }
}

/// An inspector for a provider set up by `config`: its ASID and service roots, validators over `index` (the
/// definitions the provider reads), and the consumer's ASID when the run knows it.
pub fn for_config(
    config: &crate::config::Config,
    fhir_path: &crate::fhir::FhirPath,
    index: std::sync::Arc<crate::fhir::DefinitionIndex>,
    consumer_asid: Option<String>,
) -> Inspector {
    let store = crate::validate::Store::with_index(fhir_path.clone(), index);
    Inspector::new(InspectorSettings {
        provider_asid: config.provider_asid.clone(),
        consumer_asid,
        roots: config
            .service_roots
            .iter()
            .map(|(c, r)| (c, r.clone()))
            .collect(),
        validators: Some(crate::validate::Validators::new(
            &store,
            &config.definitions,
        )),
        clock_skew_secs: DEFAULT_CLOCK_SKEW_SECS,
    })
}

/// How far ahead of the provider's clock a consumer's JWT `iat` may be before it is "in the future".
pub const DEFAULT_CLOCK_SKEW_SECS: i64 = 5;

#[cfg(test)]
mod tests {
    use super::*;

    fn inspector() -> Inspector {
        Inspector::new(InspectorSettings {
            provider_asid: crate::config::DEFAULT_PROVIDER_ASID.into(),
            consumer_asid: None,
            roots: Vec::new(),
            validators: None,
            clock_skew_secs: 0,
        })
    }

    fn request(trace: &str) -> InboundRequest {
        InboundRequest {
            received_at: 1_700_000_000,
            method: "GET".into(),
            target: "/metadata".into(),
            headers: vec![(headers::SSP_TRACE_ID.into(), trace.into())],
            body: Vec::new(),
        }
    }

    fn reused(j: &Judgement) -> bool {
        j.findings.iter().any(|f| f.rule == "ssp.trace-id-new")
    }

    #[test]
    fn a_reused_trace_id_is_found_whatever_its_case() {
        let i = inspector();
        let trace = "5b3a1f0e-3c2b-4a3e-9a3e-1f2b3c4d5e6f";
        assert!(!reused(&i.inspect(request(trace), "http://p").1));
        assert!(!reused(
            &i.inspect(request("6b3a1f0e-3c2b-4a3e-9a3e-1f2b3c4d5e6f"), "http://p")
                .1
        ));
        assert!(reused(
            &i.inspect(request(&trace.to_uppercase()), "http://p").1
        ));
    }

    #[test]
    fn the_log_keeps_the_latest_requests_and_answers_reach_their_own() {
        let i = inspector();
        let mut last = 0;
        for n in 0..MAX_ENTRIES + 5 {
            last = i.inspect(request(&format!("t{n}")), "http://p").0;
        }
        let kept = i.since(0);
        assert!(kept.len() <= MAX_ENTRIES, "{}", kept.len());
        assert_eq!(kept.last().map(|e| e.seq), Some(last));
        i.responded(
            last - 1,
            InspectedResponse {
                status: 201,
                headers: Vec::new(),
                body: String::new(),
            },
            None,
        );
        let answered: Vec<u64> = i
            .since(0)
            .iter()
            .filter(|e| e.response.is_some())
            .map(|e| e.seq)
            .collect();
        assert_eq!(answered, [last - 1]);
    }
}
