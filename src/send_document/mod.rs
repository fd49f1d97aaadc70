//! Send Document in a run: the harness's MESH mailbox and postbox, the mailboxes of the receiver and the sender
//! under test, and how the sender is made to send ([`SendDocumentHarness`]). An embedded run starts the MESH
//! sandbox with the reference receiver and sender of the reference provider ([`start_embedded`]); a run against
//! real MESH connects with the `send_document` config ([`connect`]).
//!
//! The sandbox does not route `GPPROVIDER_<NHS>_<DDMMYYYY>_<Surname>` addresses (real MESH resolves them from
//! PDS). The harness emulates the routing it needs: on the sandbox every report patient's routing address is a
//! mailbox of its own, which the harness watches as the registered practice; a sender that maps the patient to
//! another address fails to send (MESH 417 unregistered recipient), as on real MESH.

pub mod config;
pub mod postbox;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;

use crate::clock::Clock;
use crate::config::Config;
use crate::itk::message::Patient;
use crate::mesh::sandbox::{Sandbox, SandboxError};
use crate::mesh::{Credentials, MeshClient, MeshError};
use crate::provider::send_document::{Parties, ReferenceReceiver, ReferenceSender, ReportRequest};
use crate::provider::FaultSet;
pub use postbox::{Delivery, Postbox};

/// The harness's mailbox on the sandbox.
pub const HARNESS_MAILBOX: &str = "GPCASSURE01";
/// The reference receiver's mailbox (the registered practice's) on the sandbox, and its ODS code.
pub const REFERENCE_RECEIVER_MAILBOX: &str = "GPCRECEIVER01";
pub const REFERENCE_RECEIVER_ODS: &str = "A20047";
/// The reference sender's mailbox on the sandbox, and its ODS code.
pub const REFERENCE_SENDER_MAILBOX: &str = "GPCSENDER01";
pub const REFERENCE_SENDER_ODS: &str = "B82617";
/// The ODS code the harness sends reports as.
pub const HARNESS_ODS: &str = "X26";

/// The patients reports are about: logical name (resolved to an NHS number by `test_data.patients`), family,
/// given name, prefix and date of birth. The demographics are the harness's (a receiver matches by NHS number).
pub const REPORT_PATIENTS: &[(&str, &str, &str, &str, &str)] = &[
    ("patient1", "SKELLY", "Ann", "Mrs", "1930-08-29"),
    ("patient2", "GRANGE", "Jane", "Miss", "1950-06-12"),
    ("patient21", "FLETCHER", "Peter", "Mr", "1955-03-04"),
    ("patientNotInSystem", "OWEN", "Sara", "Ms", "1960-01-01"),
    ("patient3", "BOWEN", "Peter", "Mr", "1942-03-03"),
    ("patient4", "CARTER", "Amira", "Mrs", "1943-04-04"),
    ("patient5", "DAWSON", "Jane", "Miss", "1944-05-05"),
    ("patient6", "ELLIS", "Peter", "Mr", "1945-06-06"),
    ("patient7", "GARNER", "Amira", "Mrs", "1946-07-07"),
    ("patient8", "HUGHES", "Jane", "Miss", "1947-08-08"),
    ("patient9", "IRWIN", "Peter", "Mr", "1948-09-09"),
    ("patient10", "JARVIS", "Amira", "Mrs", "1949-10-10"),
    ("patient11", "KEMP", "Jane", "Miss", "1950-11-11"),
    ("patient12", "LAWSON", "Peter", "Mr", "1951-12-12"),
    ("patient13", "MARSH", "Amira", "Mrs", "1952-01-13"),
    ("patient14", "NOLAN", "Jane", "Miss", "1953-02-14"),
    ("patient15", "OSBORNE", "Peter", "Mr", "1954-03-15"),
    ("patient16", "PARRY", "Amira", "Mrs", "1955-04-16"),
    ("patient17", "QUINN", "Jane", "Miss", "1956-05-17"),
    ("patient18", "ROWE", "Peter", "Mr", "1957-06-18"),
];

/// The report patients a sender under test is asked to write about: each sender scenario holds one of them
/// while it runs, so that concurrent scenarios tell their reports apart by patient.
pub const SENDER_POOL: &[&str] = &[
    "patient3",
    "patient4",
    "patient5",
    "patient6",
    "patient7",
    "patient8",
    "patient9",
    "patient10",
    "patient11",
    "patient12",
    "patient13",
    "patient14",
    "patient15",
    "patient16",
    "patient17",
    "patient18",
];

/// A pool patient one sender scenario holds; given back when dropped.
#[derive(Debug)]
pub struct PatientClaim {
    pub logical: String,
    pool: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Drop for PatientClaim {
    fn drop(&mut self) {
        self.pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(self.logical.clone());
    }
}

/// The demographics of a report patient.
pub fn report_patient(config: &Config, logical: &str) -> Result<Patient, String> {
    let (_, family, given, prefix, born) = REPORT_PATIENTS
        .iter()
        .find(|p| p.0 == logical)
        .ok_or_else(|| {
            format!(
                "`{logical}` is no report patient; use one of {}",
                REPORT_PATIENTS
                    .iter()
                    .map(|p| p.0)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
    let nhs = config
        .test_data
        .patient(logical)
        .ok_or_else(|| format!("test_data.patients has no `{logical}`"))?;
    Ok(Patient {
        nhs_number: nhs.to_string(),
        family: family.to_string(),
        given: given.to_string(),
        prefix: Some(prefix.to_string()),
        birth_date: NaiveDate::parse_from_str(born, "%Y-%m-%d").unwrap_or_default(),
    })
}

/// The MESH routing address of a patient's registered practice.
pub fn routing_address(p: &Patient) -> String {
    format!(
        "GPPROVIDER_{}_{}_{}",
        p.nhs_number,
        p.birth_date.format("%d%m%Y"),
        p.family
    )
}

fn pool() -> Arc<std::sync::Mutex<Vec<String>>> {
    Arc::new(std::sync::Mutex::new(
        SENDER_POOL.iter().rev().map(|p| p.to_string()).collect(),
    ))
}

/// Send Document could not be set up (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{0}")]
    Sandbox(#[from] SandboxError),
    #[error("{0}")]
    Mesh(#[from] MeshError),
    #[error("config key `{key}`: {message}")]
    Config { key: String, message: String },
}

/// How the sender under test is made to send.
#[derive(Debug)]
enum Trigger {
    Reference(ReferenceSender),
    Command(String),
    None,
}

/// Send Document for the scenarios of a run.
#[derive(Debug)]
pub struct SendDocumentHarness {
    /// The harness's mailbox.
    pub mesh: Arc<MeshClient>,
    pub postbox: Postbox,
    /// Where reports to the receiver go (`None`: the patient's routing address).
    pub receiver_mailbox: Option<String>,
    /// The sender's mailbox, when known.
    pub sender_mailbox: Option<String>,
    /// How long an acknowledgement or a report may take.
    pub wait: Duration,
    /// Whether the routing addresses are emulated (the sandbox): reports of the sender arrive in them.
    pub emulated_routing: bool,
    /// Code -> display of `ITK-ResponseCodes-1` (for the acknowledgements the harness sends).
    pub displays: HashMap<String, String>,
    trigger: Trigger,
    /// The sender pool's patients no scenario holds.
    free: Arc<std::sync::Mutex<Vec<String>>>,
    /// Rings the reference parties after the harness sent them something (embedded runs).
    doorbell: Option<Arc<tokio::sync::Notify>>,
    _receiver: Option<ReferenceReceiver>,
    _sandbox: Option<Sandbox>,
}

fn tls_client(config: &Config) -> Result<reqwest::Client, SetupError> {
    crate::client::tls_client(
        &config.send_document.tls,
        "send_document.tls",
        Duration::from_secs(config.timeout_secs),
    )
    .map_err(|e| SetupError::Config {
        key: "send_document.tls".into(),
        message: e.to_string(),
    })
}

/// Starts the MESH sandbox (its log in `log_dir`), the reference receiver and sender with `faults`, and the
/// harness's postbox.
pub async fn start_embedded(
    config: &Config,
    faults: &FaultSet,
    clock: Clock,
    reader: Arc<crate::validate::Validator>,
    displays: HashMap<String, String>,
    log_dir: &Path,
) -> Result<SendDocumentHarness, SetupError> {
    let settings = &config.send_document;
    let patients: Vec<Patient> = REPORT_PATIENTS
        .iter()
        .filter_map(|p| report_patient(config, p.0).ok())
        .collect();
    let routing: Vec<String> = patients.iter().map(routing_address).collect();
    let mut mailboxes: Vec<String> = [
        HARNESS_MAILBOX,
        REFERENCE_RECEIVER_MAILBOX,
        REFERENCE_SENDER_MAILBOX,
    ]
    .iter()
    .map(|m| m.to_string())
    .collect();
    mailboxes.extend(routing.iter().cloned());
    let sandbox = Sandbox::start_with(&settings.python(), log_dir, &mailboxes).await?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(config.timeout_secs))
        .build()
        .map_err(|e| SetupError::Config {
            key: "send_document".into(),
            message: e.to_string(),
        })?;
    let client = |mailbox: &str| {
        MeshClient::new(
            &sandbox.base_url,
            sandbox.credentials(mailbox),
            http.clone(),
        )
    };
    let poll = settings.poll(true);
    let doorbell = Arc::new(tokio::sync::Notify::new());
    let party = |mailbox: &str, ods: &str| {
        Arc::new(Parties {
            faults: faults.clone(),
            clock,
            mailbox: mailbox.to_string(),
            ods_code: ods.to_string(),
            displays: displays.clone(),
            reader: reader.clone(),
            doorbell: doorbell.clone(),
        })
    };
    let mesh = Arc::new(client(HARNESS_MAILBOX));
    mesh.handshake().await?;
    let seed = crate::provider::data::seed_patients();
    let receiver = ReferenceReceiver::spawn(
        client(REFERENCE_RECEIVER_MAILBOX),
        party(REFERENCE_RECEIVER_MAILBOX, REFERENCE_RECEIVER_ODS),
        &seed,
        poll,
    );
    let sender = ReferenceSender::spawn(
        client(REFERENCE_SENDER_MAILBOX),
        party(REFERENCE_SENDER_MAILBOX, REFERENCE_SENDER_ODS),
        poll,
    );
    let mut watched = vec![mesh.clone()];
    watched.extend(routing.iter().map(|r| Arc::new(client(r))));
    Ok(SendDocumentHarness {
        postbox: Postbox::spawn(watched, poll),
        mesh,
        receiver_mailbox: Some(REFERENCE_RECEIVER_MAILBOX.to_string()),
        sender_mailbox: Some(REFERENCE_SENDER_MAILBOX.to_string()),
        wait: settings.wait(true),
        emulated_routing: true,
        displays: displays.clone(),
        trigger: Trigger::Reference(sender),
        doorbell: Some(doorbell),
        free: pool(),
        _receiver: Some(receiver),
        _sandbox: Some(sandbox),
    })
}

/// Connects to the MESH service of `send_document.mesh_url` as `send_document.mailbox` (handshake first, so wrong
/// credentials are one sentence before any scenario runs).
pub async fn connect(
    config: &Config,
    displays: HashMap<String, String>,
) -> Result<SendDocumentHarness, SetupError> {
    let settings = &config.send_document;
    let missing = |key: &str, message: String| SetupError::Config {
        key: format!("send_document.{key}"),
        message,
    };
    let url = settings
        .mesh_url
        .clone()
        .ok_or_else(|| missing("mesh_url", "missing".into()))?;
    let mailbox = settings
        .mailbox
        .clone()
        .ok_or_else(|| missing("mailbox", "missing".into()))?;
    let secret = |env: &str, key: &str| {
        std::env::var(env).map_err(|_| {
            missing(
                key,
                format!("the environment variable `{env}` it names is not set"),
            )
        })
    };
    let credentials = Credentials {
        mailbox,
        password: secret(&settings.password_env, "password_env")?,
        shared_key: secret(&settings.shared_key_env, "shared_key_env")?,
    };
    let mesh = Arc::new(MeshClient::new(&url, credentials, tls_client(config)?));
    mesh.handshake().await?;
    Ok(SendDocumentHarness {
        postbox: Postbox::spawn(vec![mesh.clone()], settings.poll(false)),
        mesh,
        receiver_mailbox: settings.receiver_mailbox.clone(),
        sender_mailbox: settings.sender_mailbox.clone(),
        wait: settings.wait(false),
        emulated_routing: false,
        displays,
        trigger: settings
            .sender_command
            .clone()
            .map_or(Trigger::None, Trigger::Command),
        doorbell: None,
        free: pool(),
        _receiver: None,
        _sandbox: None,
    })
}

impl SendDocumentHarness {
    /// Takes a sender-pool patient no other scenario holds, waiting up to the wait time for one.
    pub async fn claim_patient(&self) -> Result<PatientClaim, String> {
        let deadline = std::time::Instant::now() + self.wait;
        loop {
            let taken = self
                .free
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .pop();
            if let Some(logical) = taken {
                return Ok(PatientClaim {
                    logical,
                    pool: self.free.clone(),
                });
            }
            if std::time::Instant::now() > deadline {
                return Err(format!(
                    "no sender-pool patient came free within {} s",
                    self.wait.as_secs()
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Tells the reference parties of an embedded run that something was sent to them.
    pub fn ring(&self) {
        if let Some(d) = &self.doorbell {
            d.notify_waiters();
        }
    }

    /// Waits until MESH tracking shows the harness's message `mesh_id` acknowledged (collected by its
    /// recipient, named `by` in the message).
    pub async fn wait_collected(&self, mesh_id: &str, what: &str, by: &str) -> Result<(), String> {
        let deadline = std::time::Instant::now() + self.wait;
        loop {
            let status = self
                .mesh
                .tracking(mesh_id)
                .await
                .map_err(|e| e.to_string())?
                .status;
            if status.eq_ignore_ascii_case("acknowledged") {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                return Err(format!(
                    "MESH tracking of the {what} {mesh_id}: expected status `acknowledged` (collected by the {by}) within {} s, got `{status}`",
                    self.wait.as_secs()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends a message from the harness's mailbox (and rings the reference parties).
    pub async fn send(&self, message: &crate::mesh::Outgoing) -> Result<String, String> {
        let id = self.mesh.send(message).await.map_err(|e| e.to_string())?;
        self.ring();
        Ok(id)
    }

    /// Makes the sender under test send a report (or a replacement of document `replaces`).
    pub async fn trigger(
        &self,
        patient: &Patient,
        replaces: Option<&str>,
    ) -> Result<String, String> {
        match &self.trigger {
            Trigger::Reference(sender) => sender
                .send(&ReportRequest {
                    patient: patient.clone(),
                    replaces: replaces.map(String::from),
                })
                .await
                .map_err(|e| format!("the reference sender could not send: {e}")),
            Trigger::Command(command) => {
                let run = tokio::process::Command::new("sh")
                    .arg("-c")
                    .arg(command)
                    .env("GPC_NHS_NUMBER", &patient.nhs_number)
                    .env("GPC_FAMILY", &patient.family)
                    .env("GPC_GIVEN", &patient.given)
                    .env("GPC_BIRTH_DATE", patient.birth_date.format("%Y-%m-%d").to_string())
                    .env("GPC_REPLACES", replaces.unwrap_or_default())
                    .kill_on_drop(true)
                    .output();
                let out = tokio::time::timeout(self.wait, run)
                    .await
                    .map_err(|_| format!("send_document.sender_command did not finish within {} s", self.wait.as_secs()))?
                    .map_err(|e| format!("send_document.sender_command could not run: {e}"))?;
                if out.status.success() {
                    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
                } else {
                    let err = String::from_utf8_lossy(&out.stderr);
                    Err(format!(
                        "send_document.sender_command failed ({}): {}",
                        out.status,
                        err.lines().last().unwrap_or_default()
                    ))
                }
            }
            Trigger::None => Err("no sender under test: set send_document.sender_command (the command that makes your sender send a report)".into()),
        }
    }
}
