//! NHS England's MESH sandbox (`mesh-sandbox` from PyPI), run on loopback for tests and for the Send Document
//! main job: full HMAC authentication (`AUTH_MODE=full`, a shared key of our choosing), the sandbox's own
//! mailboxes plus any the caller names. The sandbox is a Python ASGI app started with uvicorn from a virtualenv.
//! Extra mailboxes come from its file store (`STORE_MODE=file`): every upper-case folder of the store becomes a
//! mailbox with the password [`SANDBOX_PASSWORD`]; each sandbox has a fresh store folder, removed when it stops.
//!
//! What the sandbox does not do that real MESH does (documented, not emulated): it does not check workflow
//! permissions (any `Mex-WorkflowID` is accepted), `Mex-From`, the token's timestamp or nonce reuse, and has no
//! PDS-based routing of `GPPROVIDER_...` addresses.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The sandbox version the tests are run with (the README's test command installs it).
pub const SANDBOX_VERSION: &str = "1.0.137";
/// The mailboxes the sandbox holds, each with the password [`SANDBOX_PASSWORD`].
pub const SANDBOX_MAILBOXES: [&str; 3] = ["X26ABC1", "X26ABC2", "X26ABC3"];
pub const SANDBOX_PASSWORD: &str = "password";
/// How long the sandbox may take to answer its health check.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the sandbox could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the MESH sandbox is not installed: {python} does not exist (install it with `python3 -m venv .venv-mesh && .venv-mesh/bin/pip install mesh-sandbox=={SANDBOX_VERSION}`, as the README's test command does)")]
    NotInstalled { python: PathBuf },
    #[error("cannot start the MESH sandbox with {python}: {reason}")]
    Spawn { python: PathBuf, reason: String },
    #[error("the MESH sandbox did not start within {seconds} s{exited}; the end of its log ({log}):\n{tail}")]
    NotReady {
        seconds: u64,
        exited: String,
        log: PathBuf,
        tail: String,
    },
}

/// A running sandbox; stopped when dropped.
#[derive(Debug)]
pub struct Sandbox {
    child: Child,
    store: PathBuf,
    pub base_url: String,
    pub shared_key: String,
    pub log: PathBuf,
}

impl Sandbox {
    /// Starts the sandbox with the virtualenv's `python` on a free loopback port, its log in `log_dir`, and waits
    /// until it answers.
    pub async fn start(python: &Path, log_dir: &Path) -> Result<Self, SandboxError> {
        Self::start_with(python, log_dir, &[]).await
    }

    /// Starts the sandbox as [`Sandbox::start`] does, with `mailboxes` (upper case, as MESH ids are) beside its
    /// own.
    pub async fn start_with(
        python: &Path,
        log_dir: &Path,
        mailboxes: &[String],
    ) -> Result<Self, SandboxError> {
        if !python.is_file() {
            return Err(SandboxError::NotInstalled {
                python: python.to_path_buf(),
            });
        }
        let spawn_error = |reason: String| SandboxError::Spawn {
            python: python.to_path_buf(),
            reason,
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| spawn_error(format!("no free loopback port: {e}")))?
            .port();
        std::fs::create_dir_all(log_dir)
            .map_err(|e| spawn_error(format!("cannot create {}: {e}", log_dir.display())))?;
        let log = log_dir.join(format!("mesh-sandbox-{port}.log"));
        let log_file = std::fs::File::create(&log)
            .map_err(|e| spawn_error(format!("cannot create {}: {e}", log.display())))?;
        let log_err = log_file
            .try_clone()
            .map_err(|e| spawn_error(e.to_string()))?;
        let shared_key = format!("gpc-assure-{}", uuid::Uuid::new_v4().simple());
        let store = log_dir.join(format!(
            "mesh-store-{port}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        for m in mailboxes {
            let dir = store.join(m.to_ascii_uppercase());
            std::fs::create_dir_all(&dir)
                .map_err(|e| spawn_error(format!("cannot create {}: {e}", dir.display())))?;
        }
        std::fs::create_dir_all(&store)
            .map_err(|e| spawn_error(format!("cannot create {}: {e}", store.display())))?;
        let child = Command::new(python)
            .args([
                "-m",
                "uvicorn",
                "mesh_sandbox.api:app",
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--workers",
                "1",
            ])
            .env("AUTH_MODE", "full")
            .env("STORE_MODE", "file")
            .env("MAILBOXES_DATA_DIR", &store)
            .env("SHARED_KEY", &shared_key)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log_file))
            .stderr(Stdio::from(log_err))
            .spawn()
            .map_err(|e| spawn_error(e.to_string()))?;
        let mut sandbox = Self {
            child,
            store,
            base_url: format!("http://127.0.0.1:{port}"),
            shared_key,
            log,
        };
        sandbox.wait_ready().await?;
        Ok(sandbox)
    }

    async fn wait_ready(&mut self) -> Result<(), SandboxError> {
        let http = reqwest::Client::new();
        let started = Instant::now();
        let health = format!("{}/health", self.base_url);
        loop {
            let exited = self.child.try_wait().ok().flatten();
            if exited.is_none() {
                if let Ok(r) = http.get(&health).send().await {
                    if r.status().is_success() {
                        return Ok(());
                    }
                }
            }
            if exited.is_some() || started.elapsed() > START_TIMEOUT {
                let tail = std::fs::read_to_string(&self.log)
                    .map(|t| {
                        let lines: Vec<&str> = t.lines().collect();
                        lines[lines.len().saturating_sub(15)..].join("\n")
                    })
                    .unwrap_or_default();
                return Err(SandboxError::NotReady {
                    seconds: START_TIMEOUT.as_secs(),
                    exited: exited
                        .map(|s| format!(" (it exited: {s})"))
                        .unwrap_or_default(),
                    log: self.log.clone(),
                    tail,
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The credentials of one of the sandbox's mailboxes.
    pub fn credentials(&self, mailbox: &str) -> super::Credentials {
        super::Credentials {
            mailbox: mailbox.to_string(),
            password: SANDBOX_PASSWORD.to_string(),
            shared_key: self.shared_key.clone(),
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.store);
    }
}
