//! The reference consumer: a small, correct GP Connect consumer that performs the consumer [`Task`]s against a
//! provider (in consumer assurance, the harness's inspecting provider), and its named [`ConsumerFault`]s, each of
//! which breaks exactly one behaviour for the consumer kill matrix.
//!
//! It is written apart from the harness's provider-side steps on purpose: the consumer and the harness that
//! judges it must not share a bug. What it takes from the library are the specification's facts (the interaction
//! catalogue: URNs, methods, paths, scopes, JWT reasons; header names and identifier systems), the JWT builder
//! and the HTTP client.
//!
//! - [`fault`]: the faults;
//! - [`session`]: one task's requests (SSP headers, a fresh JWT and TraceID per request, error handling);
//! - [`foundations`], [`appointments`], [`records`] (structured and documents): the tasks;
//! - [`wire`]: the wrong turns of the request-level faults;
//! - [`cli`]: `gpc-assure consumer demo <task>`.

pub mod appointments;
pub mod cli;
pub mod fault;
pub mod foundations;
pub mod records;
pub mod session;
pub mod wire;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::client::{ClientError, HttpClient};
use crate::clock::Clock;
use crate::config::{Config, JwtConfig, ServiceRoots, DEFAULT_CONSUMER_ASID};
use crate::consumer::task::{Task, TaskRequest};
use crate::spine::catalogue::Capability;

pub use cli::{main_entry, DemoArgs};
pub use fault::{ConsumerFault, UnknownFault};
pub use session::REUSED_TRACE_ID;

/// Seconds the reference consumer waits for one response.
pub const TIMEOUT_SECS: u64 = 30;
/// The largest response body it reads (a document may be up to 5 MB, base64 in JSON adds a third).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Who the reference consumer is: its ASID (`Ssp-From`), the identity its JWTs carry (organisation, practitioner,
/// device) and what its bookings say about its organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoIdentity {
    pub consumer_asid: String,
    pub jwt: JwtConfig,
    /// The booking organisation's type (GPConnect-OrganisationType-1), sent as a slot `searchFilter` and in the
    /// booking's contained Organization.
    pub organisation_type: String,
    /// The booking organisation's telephone number (the booking's contained Organization).
    pub organisation_phone: String,
}

impl Default for DemoIdentity {
    fn default() -> Self {
        Self {
            consumer_asid: DEFAULT_CONSUMER_ASID.into(),
            jwt: JwtConfig::default(),
            organisation_type: "gp-practice".into(),
            organisation_phone: "0300 303 5678".into(),
        }
    }
}

impl DemoIdentity {
    /// The identity a harness config describes (`consumer_asid`, `jwt`).
    pub fn from_config(config: &Config) -> Self {
        Self {
            consumer_asid: config.consumer_asid.clone(),
            jwt: config.jwt.clone(),
            ..Self::default()
        }
    }
}

/// Why a task could not be performed at all (as opposed to a provider answering with an error, which is an
/// [`Outcome`] that did not complete).
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the task {task} needs the parameter `{name}`: give it with --set {name}=... or the environment variable {env}")]
    MissingParameter {
        task: Task,
        name: String,
        env: String,
    },
    #[error("the parameter `{name}` is `{value}`, which is not {expected}")]
    BadParameter {
        name: String,
        value: String,
        expected: String,
    },
    #[error(
        "the parameter `{name}` is `{value}`, which is not a usable service root URL: {reason}"
    )]
    BadUrl {
        name: String,
        value: String,
        reason: String,
    },
    #[error("the reference consumer cannot {what}")]
    Unsupported { what: String },
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("{method} {url} got no response: {message}")]
    Transport {
        method: String,
        url: String,
        message: String,
    },
}

impl DemoError {
    /// Whether the error is the caller's (a parameter or an unsupported request) rather than the provider's.
    pub fn is_usage(&self) -> bool {
        !matches!(self, DemoError::Transport { .. })
    }
}

/// One request the consumer made and what came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    /// The catalogue name of the interaction the consumer meant (`PatientSearch`).
    pub interaction: &'static str,
    pub method: String,
    pub url: String,
    pub status: u16,
    pub trace_id: Option<String>,
    /// The request repeats the one before it byte for byte (the `blind-retry` fault).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub repeated: bool,
}

/// Why a task did not complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// The provider answered with an error status.
    ProviderError {
        interaction: &'static str,
        status: u16,
        /// The Spine error code of the OperationOutcome (`issue[0].details.coding[0].code`), if any.
        code: Option<String>,
        diagnostics: Option<String>,
    },
    /// The provider answered with success, but not with what the next step needs.
    UnusableResponse {
        interaction: &'static str,
        reason: String,
    },
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::ProviderError {
                interaction,
                status,
                code,
                diagnostics,
            } => {
                write!(f, "{interaction}: the provider answered HTTP {status}")?;
                if let Some(c) = code {
                    write!(f, " {c}")?;
                }
                if let Some(d) = diagnostics {
                    write!(f, " ({d})")?;
                }
                Ok(())
            }
            Failure::UnusableResponse {
                interaction,
                reason,
            } => write!(f, "{interaction}: {reason}"),
        }
    }
}

/// What performing a task did: the requests made and a summary of the result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub task: Task,
    /// Every step succeeded.
    pub completed: bool,
    pub faults: Vec<&'static str>,
    pub requests: Vec<RequestRecord>,
    /// What the task found or made (`appointment_id`, `documents`, ...).
    pub result: BTreeMap<String, Value>,
    /// Why the task did not complete, in order (more than one only when a fault carries on after an error).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<Failure>,
}

/// Performs `task` as the default reference consumer ([`DemoIdentity::default`]) with `faults`.
pub async fn perform(
    task: &TaskRequest,
    faults: &[ConsumerFault],
    clock: Clock,
) -> Result<Outcome, DemoError> {
    perform_as(task, faults, clock, &DemoIdentity::default()).await
}

/// Performs `task` as `identity` with `faults`.
pub async fn perform_as(
    task: &TaskRequest,
    faults: &[ConsumerFault],
    clock: Clock,
    identity: &DemoIdentity,
) -> Result<Outcome, DemoError> {
    let params = Params { request: task };
    let provider_asid = params.get("provider_asid")?.to_string();
    let client = HttpClient::new(Duration::from_secs(TIMEOUT_SECS), MAX_BODY_BYTES)?;
    let mut s = session::Session::new(client, identity.clone(), faults, clock, provider_asid);
    match task.task {
        Task::ReadMetadata => foundations::read_metadata(&mut s, &params).await?,
        Task::FindPatient => foundations::find_patient(&mut s, &params).await?,
        Task::RegisterPatient => foundations::register_patient(&mut s, &params).await?,
        Task::FindPractitioner => foundations::find_practitioner(&mut s, &params).await?,
        Task::ReadPractitioner => foundations::read_practitioner(&mut s, &params).await?,
        Task::FindOrganization => foundations::find_organization(&mut s, &params).await?,
        Task::ReadOrganization => foundations::read_organization(&mut s, &params).await?,
        Task::ReadLocation => foundations::read_location(&mut s, &params).await?,
        Task::SearchSlots => appointments::search_slots(&mut s, &params).await?,
        Task::BookAppointment => appointments::book(&mut s, &params).await?,
        Task::ReadAppointment => appointments::read(&mut s, &params).await?,
        Task::RetrieveAppointments => appointments::retrieve(&mut s, &params).await?,
        Task::AmendAppointment => appointments::amend(&mut s, &params).await?,
        Task::CancelAppointment => appointments::cancel(&mut s, &params).await?,
        Task::GetStructuredRecord => records::get_structured_record(&mut s, &params).await?,
        Task::MigrateStructuredRecord => {
            records::migrate_structured_record(&mut s, &params).await?
        }
        Task::FindDocuments => records::find_documents(&mut s, &params).await?,
        Task::RetrieveDocument => records::retrieve_document(&mut s, &params).await?,
    }
    Ok(s.finish(task.task))
}

/// The task's parameters, read with the errors a caller can act on.
pub struct Params<'a> {
    pub request: &'a TaskRequest,
}

impl Params<'_> {
    /// A parameter that may be absent (blank counts as absent).
    pub fn optional(&self, name: &str) -> Option<&str> {
        self.request
            .param(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// A parameter the task cannot do without.
    pub fn get(&self, name: &str) -> Result<&str, DemoError> {
        self.optional(name).ok_or_else(|| self.missing(name))
    }

    fn missing(&self, name: &str) -> DemoError {
        DemoError::MissingParameter {
            task: self.request.task,
            name: name.to_string(),
            env: format!("GPC_{}", name.to_ascii_uppercase()),
        }
    }

    /// The service root URL of `capability`: its `<capability>_url` parameter, else `base_url` with the
    /// reference layout's root. No trailing slash.
    pub fn root(&self, capability: Capability) -> Result<String, DemoError> {
        if capability == Capability::Html {
            return Err(DemoError::Unsupported {
                what: "call Access Record HTML (DSTU2): it is a GP Connect 1.x (STU3) consumer"
                    .into(),
            });
        }
        let name = format!("{}_url", capability.tag());
        if let Some(url) = self.optional(&name) {
            return check_root(&name, url);
        }
        match self.optional("base_url") {
            Some(base) => check_root(
                "base_url",
                &Config::resolve_root(base, ServiceRoots::default().get(capability)),
            ),
            None => Err(self.missing(&name)),
        }
    }
}

/// An absolute http(s) URL without query or fragment, returned without a trailing slash.
fn check_root(name: &str, value: &str) -> Result<String, DemoError> {
    let bad = |reason: &str| DemoError::BadUrl {
        name: name.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    };
    let url = reqwest::Url::parse(value).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none() {
        return Err(bad("it names no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a service root has no query or fragment"));
    }
    Ok(value.trim_end_matches('/').to_string())
}
