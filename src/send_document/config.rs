//! The `send_document` section of the config: the MESH service and the harness's mailbox, the mailboxes of the
//! systems under test, how the sender under test is made to send, and the time acknowledgements may take.
//! Secrets (the mailbox password, the environment's shared key) are read from environment variables the section
//! names, never from the file. Without `mesh_url` the run starts the MESH sandbox on loopback (embedded target).

use std::path::PathBuf;

use serde::Deserialize;

/// The `send_document` section.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct SendDocumentConfig {
    /// The MESH service, e.g. `https://msg.intspineservices.nhs.uk` (none: the sandbox the run starts).
    pub mesh_url: Option<String>,
    /// The harness's own mailbox: reports go out of it, acknowledgements come back to it, and (on real MESH) the
    /// sender under test's reports reach it.
    pub mailbox: Option<String>,
    /// Environment variable holding the mailbox password.
    pub password_env: String,
    /// Environment variable holding the MESH environment's shared key.
    pub shared_key_env: String,
    /// Provider direction: the receiving system's mailbox (none: the patient's `GPPROVIDER_...` routing address,
    /// which real MESH resolves from PDS).
    pub receiver_mailbox: Option<String>,
    /// Consumer direction: the sending system's mailbox (checked against `Mex-From` and `source.endpoint`).
    pub sender_mailbox: Option<String>,
    /// Consumer direction: a shell command that makes the sender under test send a report; it gets the
    /// `GPC_NHS_NUMBER`, `GPC_FAMILY`, `GPC_GIVEN`, `GPC_BIRTH_DATE` (YYYY-MM-DD) and `GPC_REPLACES` (the document
    /// id a replacement replaces, empty otherwise) environment variables.
    pub sender_command: Option<String>,
    /// How long an acknowledgement or a report may take to arrive, in seconds (default: 10 on the sandbox, 300 on
    /// MESH).
    pub wait_secs: Option<u64>,
    /// How often the harness looks into its mailboxes while it waits, in milliseconds (default: 20 on the sandbox,
    /// 5000 on MESH, which asks clients not to poll hard).
    pub poll_ms: Option<u64>,
    /// TLS client identity and CA bundle of the MESH service (real MESH requires a client certificate).
    pub tls: crate::client::tls::TlsSettings,
    /// The Python of the virtualenv holding `mesh-sandbox` (default: `GPC_MESH_SANDBOX_PYTHON`, else
    /// `.venv-mesh/bin/python` in the current directory).
    pub sandbox_python: Option<PathBuf>,
}

impl Default for SendDocumentConfig {
    fn default() -> Self {
        Self {
            mesh_url: None,
            mailbox: None,
            password_env: "GPC_MESH_PASSWORD".into(),
            shared_key_env: "GPC_MESH_SHARED_KEY".into(),
            receiver_mailbox: None,
            sender_mailbox: None,
            sender_command: None,
            wait_secs: None,
            poll_ms: None,
            tls: Default::default(),
            sandbox_python: None,
        }
    }
}

impl SendDocumentConfig {
    /// The sandbox's Python.
    pub fn python(&self) -> PathBuf {
        self.sandbox_python
            .clone()
            .or_else(|| std::env::var_os("GPC_MESH_SANDBOX_PYTHON").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(".venv-mesh/bin/python"))
    }

    /// How long to wait for a message: on the sandbox or on MESH.
    pub fn wait(&self, sandbox: bool) -> std::time::Duration {
        std::time::Duration::from_secs(self.wait_secs.unwrap_or(if sandbox { 10 } else { 300 }))
    }

    /// How often to look into a mailbox: on the sandbox or on MESH.
    pub fn poll(&self, sandbox: bool) -> std::time::Duration {
        std::time::Duration::from_millis(self.poll_ms.unwrap_or(if sandbox { 20 } else { 5000 }))
    }

    /// Problems of the section, as (key, message).
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.mesh_url.is_some() && self.mailbox.is_none() {
            out.push((
                "send_document.mailbox".into(),
                "missing: a MESH service needs the harness's mailbox".into(),
            ));
        }
        if let Some(url) = &self.mesh_url {
            if !url.starts_with("https://") && !url.starts_with("http://") {
                out.push((
                    "send_document.mesh_url".into(),
                    format!("`{url}` must start with https:// (or http:// for a local sandbox)"),
                ));
            }
        }
        if let Some(w) = self.wait_secs.filter(|w| !(1..=3600).contains(w)) {
            out.push((
                "send_document.wait_secs".into(),
                format!("{w} is outside 1..3600"),
            ));
        }
        if let Some(p) = self.poll_ms.filter(|p| !(10..=60_000).contains(p)) {
            out.push((
                "send_document.poll_ms".into(),
                format!("{p} is outside 10..60000"),
            ));
        }
        out
    }
}
