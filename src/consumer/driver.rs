//! Drivers: how the harness makes the consumer under test perform a task. `command` runs a shell command,
//! `http` POSTs the task to the consumer's test hook, `manual` asks a tester and waits for the calls, `replay`
//! feeds requests captured earlier to the inspector. (`proxy` forwards to a real provider and is made to act by
//! one of the first three.)

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::capture::{self, CapturedScenario};
use super::config::{
    CommandSettings, ConsumerConfig, DriverKind, HttpSettings, ManualSettings, ReplaySettings,
};
use super::inspector::{InspectedResponse, Inspector};
use super::task::TaskRequest;

/// A driver could not be set up (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum DriverSetupError {
    #[error("config key `{key}`: {message}")]
    Config { key: String, message: String },
    #[error(transparent)]
    Capture(#[from] capture::CaptureError),
    #[error("cannot build the HTTP client of the http driver: {0}")]
    Client(String),
}

/// What the driver did for one task (evidence), or why the consumer could not be made to act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverReport {
    /// One line per thing done: the command line and its exit status, the hook's answer, ...
    pub log: Vec<String>,
    /// The task as captured (replay): its parameters replace the scenario's.
    pub replayed_task: Option<TaskRequest>,
}

/// How the consumer is made to act.
#[derive(Debug)]
pub enum Driver {
    Command(CommandSettings),
    Http(HttpSettings, reqwest::Client),
    Manual(ManualSettings),
    Replay(HashMap<String, CapturedScenario>),
}

impl Driver {
    /// The driver the config's `consumer` section names (for `proxy`, its trigger).
    pub fn from_config(config: &ConsumerConfig) -> Result<Self, DriverSetupError> {
        if let Some(p) = config.driver_problems().into_iter().next() {
            return Err(DriverSetupError::Config {
                key: p.key,
                message: p.message,
            });
        }
        let kind = match config.driver {
            DriverKind::Proxy => config
                .proxy
                .as_ref()
                .map_or(DriverKind::Command, |p| p.trigger),
            other => other,
        };
        let missing = |key: &str| DriverSetupError::Config {
            key: format!("consumer.{key}"),
            message: "missing".into(),
        };
        Ok(match kind {
            DriverKind::Command => {
                Self::Command(config.command.clone().ok_or_else(|| missing("command"))?)
            }
            DriverKind::Http => {
                let settings = config.http.clone().ok_or_else(|| missing("http"))?;
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(settings.timeout_secs))
                    .build()
                    .map_err(|e| DriverSetupError::Client(e.to_string()))?;
                Self::Http(settings, client)
            }
            DriverKind::Manual => Self::Manual(config.manual.clone().unwrap_or_default()),
            DriverKind::Replay => {
                let ReplaySettings { from } =
                    config.replay.clone().ok_or_else(|| missing("replay"))?;
                Self::replay_from(&from)?
            }
            DriverKind::Proxy => return Err(missing("proxy.trigger")),
        })
    }

    /// A replay driver over the captures at `from` (a HAR file or a folder).
    pub fn replay_from(from: &Path) -> Result<Self, DriverSetupError> {
        let scenarios = capture::read(from)?;
        Ok(Self::Replay(
            scenarios
                .into_iter()
                .filter(|s| !s.id.is_empty())
                .map(|s| (s.id.clone(), s))
                .collect(),
        ))
    }

    pub fn kind(&self) -> DriverKind {
        match self {
            Self::Command(_) => DriverKind::Command,
            Self::Http(..) => DriverKind::Http,
            Self::Manual(_) => DriverKind::Manual,
            Self::Replay(_) => DriverKind::Replay,
        }
    }

    /// Makes the consumer perform `task` for the test `test_id`; its requests reach `inspector`. `Err` says in
    /// one sentence why the consumer could not be made to act (the scenario fails with it).
    pub async fn act(
        &self,
        task: &TaskRequest,
        test_id: &str,
        inspector: &Arc<Inspector>,
    ) -> Result<DriverReport, String> {
        match self {
            Self::Command(settings) => run_command(settings, task).await,
            Self::Http(settings, client) => post_hook(settings, client, task).await,
            Self::Manual(settings) => wait_for_tester(settings, task, test_id, inspector).await,
            Self::Replay(captures) => replay(captures, test_id, inspector),
        }
    }
}

/// `value` quoted for a POSIX shell.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// The last `max` characters of a process's output.
fn tail(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let n = text.chars().count();
    if n <= max {
        text.to_string()
    } else {
        format!("…{}", text.chars().skip(n - max).collect::<String>())
    }
}

async fn run_command(
    settings: &CommandSettings,
    task: &TaskRequest,
) -> Result<DriverReport, String> {
    let template = settings
        .tasks
        .get(task.task.name())
        .or(settings.template.as_ref())
        .ok_or_else(|| {
            format!(
                "consumer.command has no command for the task `{}`",
                task.task
            )
        })?;
    let quoted = TaskRequest {
        task: task.task,
        params: task
            .params
            .iter()
            .map(|(k, v)| (k.clone(), shell_quote(v)))
            .collect(),
    };
    let line = quoted.expand(template);
    let mut command = tokio::process::Command::new("sh");
    command
        .arg("-c")
        .arg(&line)
        .envs(task.env())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    if let Some(dir) = &settings.working_dir {
        command.current_dir(dir);
    }
    let started = Instant::now();
    let child = command
        .spawn()
        .map_err(|e| format!("cannot run the consumer command `{line}`: {e}"))?;
    let output = tokio::time::timeout(
        Duration::from_secs(settings.timeout_secs),
        child.wait_with_output(),
    )
    .await
    .map_err(|_| {
        format!(
            "the consumer command `{line}` did not finish within {} s (consumer.command.timeout_secs); it was stopped",
            settings.timeout_secs
        )
    })?
    .map_err(|e| format!("cannot run the consumer command `{line}`: {e}"))?;
    let mut log = vec![format!(
        "$ {line}  -> {} in {} ms",
        output.status.code().map_or_else(
            || "killed by a signal".to_string(),
            |c| format!("exit status {c}")
        ),
        started.elapsed().as_millis()
    )];
    for (name, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        if !bytes.is_empty() {
            log.push(format!("{name}: {}", tail(bytes, 2000)));
        }
    }
    Ok(DriverReport {
        log,
        replayed_task: None,
    })
}

async fn post_hook(
    settings: &HttpSettings,
    client: &reqwest::Client,
    task: &TaskRequest,
) -> Result<DriverReport, String> {
    let body =
        serde_json::to_vec(task).map_err(|e| format!("cannot write the task as JSON: {e}"))?;
    let mut request = client
        .post(&settings.url)
        .header("content-type", "application/json")
        .body(body);
    for (k, v) in &settings.headers {
        request = request.header(k, v);
    }
    let response = request.send().await.map_err(|e| {
        format!(
            "the consumer's test hook {} did not answer: {}",
            settings.url,
            crate::client::tls::chain(&e)
        )
    })?;
    let status = response.status();
    let body = response.bytes().await.unwrap_or_default();
    if !status.is_success() {
        return Err(format!(
            "the consumer's test hook {} answered {status}: {}",
            settings.url,
            tail(&body, 500)
        ));
    }
    Ok(DriverReport {
        log: vec![format!(
            "POST {} -> {status}: {}",
            settings.url,
            tail(&body, 2000)
        )],
        replayed_task: None,
    })
}

async fn wait_for_tester(
    settings: &ManualSettings,
    task: &TaskRequest,
    test_id: &str,
    inspector: &Arc<Inspector>,
) -> Result<DriverReport, String> {
    let mark = inspector.mark();
    eprintln!(
        "\n[{test_id}] On the consumer: {}.\n  Waiting up to {} s for its requests (the task ends {} s after the last one).",
        task.expand(task.task.description()),
        settings.timeout_secs,
        settings.settle_secs
    );
    let started = Instant::now();
    let poll = Duration::from_millis(200);
    while inspector.mark() == mark {
        if started.elapsed() >= Duration::from_secs(settings.timeout_secs) {
            return Err(format!(
                "no request from the consumer within {} s (consumer.manual.timeout_secs)",
                settings.timeout_secs
            ));
        }
        tokio::time::sleep(poll).await;
    }
    let mut last = inspector.mark();
    let mut quiet_since = Instant::now();
    while quiet_since.elapsed() < Duration::from_secs(settings.settle_secs) {
        tokio::time::sleep(poll).await;
        let now = inspector.mark();
        if now != last {
            last = now;
            quiet_since = Instant::now();
        }
    }
    Ok(DriverReport {
        log: vec![format!(
            "manual: {} requests in {} s",
            last - mark,
            started.elapsed().as_secs()
        )],
        replayed_task: None,
    })
}

fn replay(
    captures: &HashMap<String, CapturedScenario>,
    test_id: &str,
    inspector: &Arc<Inspector>,
) -> Result<DriverReport, String> {
    let captured = captures
        .get(test_id)
        .ok_or_else(|| format!("the capture holds no requests for the test {test_id}"))?;
    for exchange in &captured.exchanges {
        let origin = origin_of(&exchange.url);
        let (seq, _) = inspector.inspect(exchange.request.clone(), &origin);
        if let Some(r) = &exchange.response {
            inspector.responded(
                seq,
                InspectedResponse {
                    status: r.status,
                    headers: r.headers.clone(),
                    body: String::from_utf8_lossy(&r.body).into_owned(),
                },
                None,
            );
        }
    }
    Ok(DriverReport {
        log: vec![format!(
            "replayed {} captured requests of {test_id}",
            captured.exchanges.len()
        )],
        replayed_task: captured.task.clone(),
    })
}

/// `scheme://host[:port]` of an absolute URL (empty when it is not one).
fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            format!("{scheme}://{host}")
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_origin() {
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
        assert_eq!(origin_of("http://127.0.0.1:8/x/y?z"), "http://127.0.0.1:8");
        assert_eq!(tail(b"abcdef", 3), "…def");
    }
}
