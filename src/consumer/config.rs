//! The `consumer` section of the config: how the harness makes the consumer under test act (its driver), where
//! the inspecting provider listens, and what the consumer supports. README "Consumer assurance" shows a complete
//! example for each driver.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::task::Task;

/// How the consumer is made to act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DriverKind {
    /// A shell command per task (`command.template` / `command.tasks`).
    #[default]
    Command,
    /// A POST of the task to the consumer's test hook (`http.url`).
    Http,
    /// The harness prints what a tester must do and waits for the calls.
    Manual,
    /// The harness forwards the consumer's calls to a real provider (`proxy.upstream`) and judges both sides;
    /// the consumer is made to act by `proxy.trigger`.
    Proxy,
    /// Requests captured earlier (`replay.from`: a HAR file or a folder of raw HTTP requests) are judged.
    Replay,
}

impl DriverKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Command => "command",
            Self::Http => "http",
            Self::Manual => "manual",
            Self::Proxy => "proxy",
            Self::Replay => "replay",
        }
    }
}

fn default_command_timeout() -> u64 {
    60
}

/// `consumer.command`: a shell command line per task. `{name}` placeholders are replaced by the task's
/// parameters (shell-quoted); the same values are in the environment as `GPC_<NAME>`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSettings {
    /// The command for every task without its own entry in `tasks` (`./my-consumer {task} --nhs {nhs_number}`).
    #[serde(default)]
    pub template: Option<String>,
    /// A command per task name, overriding `template`.
    #[serde(default)]
    pub tasks: BTreeMap<String, String>,
    /// The longest a command may run.
    #[serde(default = "default_command_timeout")]
    pub timeout_secs: u64,
    /// The folder commands run in (default: the current folder).
    #[serde(default)]
    pub working_dir: Option<PathBuf>,
}

/// `consumer.http`: the task is POSTed as JSON (`{"task": ..., "params": {...}}`) to the consumer's test hook,
/// which answers when the consumer has finished.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    pub url: String,
    /// Extra headers of the hook request (an API key, ...).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default = "default_command_timeout")]
    pub timeout_secs: u64,
}

fn default_manual_timeout() -> u64 {
    600
}

fn default_settle() -> u64 {
    5
}

/// `consumer.manual`: a tester acts on the consumer's screens.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualSettings {
    /// How long to wait for the first request of a task.
    #[serde(default = "default_manual_timeout")]
    pub timeout_secs: u64,
    /// The task is over when no request has come for this long after the last one.
    #[serde(default = "default_settle")]
    pub settle_secs: u64,
}

impl Default for ManualSettings {
    fn default() -> Self {
        Self {
            timeout_secs: default_manual_timeout(),
            settle_secs: default_settle(),
        }
    }
}

/// `consumer.replay`: where the captured requests are.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplaySettings {
    /// A HAR file, or a folder of raw HTTP requests (README, "Replaying captured traffic").
    pub from: PathBuf,
}

/// `consumer.proxy`: the real provider the harness forwards to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxySettings {
    /// The real provider's base URL (its service roots follow `service_roots`, relative to the harness's address
    /// on the consumer side and to this URL on the provider side).
    pub upstream: String,
    /// How the consumer is made to act: `command`, `http` or `manual` (with that section).
    #[serde(default)]
    pub trigger: DriverKind,
}

/// The `consumer` section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ConsumerConfig {
    /// The consumer's own ASID: its `Ssp-From` is checked against it (default: not checked).
    #[serde(default)]
    pub asid: Option<String>,
    #[serde(default)]
    pub driver: DriverKind,
    #[serde(default)]
    pub command: Option<CommandSettings>,
    #[serde(default)]
    pub http: Option<HttpSettings>,
    #[serde(default)]
    pub manual: Option<ManualSettings>,
    #[serde(default)]
    pub replay: Option<ReplaySettings>,
    #[serde(default)]
    pub proxy: Option<ProxySettings>,
    /// Where the inspecting provider listens; a consumer configured with a fixed provider URL needs a fixed port
    /// (default `127.0.0.1:0`, a free port, passed to the consumer as `{base_url}`).
    #[serde(default)]
    pub listen: Option<String>,
    /// The tasks the consumer supports (default: all); scenarios of other tasks are not run.
    #[serde(default)]
    pub tasks: Option<Vec<String>>,
    /// Write every scenario's requests to this HAR file (`consumer run --capture`), for `replay` later.
    #[serde(default)]
    pub capture: Option<PathBuf>,
}

/// A `consumer` section that cannot work; the message names the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerConfigProblem {
    pub key: String,
    pub message: String,
}

impl ConsumerConfig {
    /// Names and values that are wrong whatever the run (checked when the config is loaded).
    pub fn problems(&self) -> Vec<ConsumerConfigProblem> {
        let mut out = Vec::new();
        let mut problem = |key: &str, message: String| {
            out.push(ConsumerConfigProblem {
                key: format!("consumer.{key}"),
                message,
            })
        };
        if let Some(asid) = &self.asid {
            if asid.len() != 12 || !asid.bytes().all(|b| b.is_ascii_digit()) {
                problem("asid", format!("`{asid}` is not an ASID (12 digits)"));
            }
        }
        for name in self.tasks.iter().flatten() {
            if Task::from_name(name).is_none() {
                problem(
                    "tasks",
                    format!("`{name}` is not a task; use one of {}", Task::names()),
                );
            }
        }
        if let Some(c) = &self.command {
            for name in c.tasks.keys() {
                if Task::from_name(name).is_none() {
                    problem(
                        &format!("command.tasks.{name}"),
                        format!("`{name}` is not a task; use one of {}", Task::names()),
                    );
                }
            }
            if c.timeout_secs == 0 || c.timeout_secs > 3600 {
                problem("command.timeout_secs", "must be between 1 and 3600".into());
            }
        }
        out
    }

    /// What keeps the chosen driver from working (checked when a consumer run starts: a provider run's config
    /// needs no consumer section).
    pub fn driver_problems(&self) -> Vec<ConsumerConfigProblem> {
        let mut out = Vec::new();
        let mut problem = |key: &str, message: String| {
            out.push(ConsumerConfigProblem {
                key: format!("consumer.{key}"),
                message,
            })
        };
        let trigger = match self.driver {
            DriverKind::Proxy => {
                match &self.proxy {
                    None => {
                        problem("proxy", "the proxy driver needs `proxy.upstream` (the real provider's base URL)".into());
                        None
                    }
                    Some(p) => {
                        if !(p.upstream.starts_with("http://")
                            || p.upstream.starts_with("https://"))
                        {
                            problem(
                                "proxy.upstream",
                                format!("`{}` is not an http:// or https:// URL", p.upstream),
                            );
                        }
                        if matches!(p.trigger, DriverKind::Proxy | DriverKind::Replay) {
                            problem("proxy.trigger", "must be command, http or manual".into());
                        }
                        Some(p.trigger)
                    }
                }
            }
            other => Some(other),
        };
        match trigger {
            Some(DriverKind::Command) => match &self.command {
                None => problem(
                    "command",
                    "the command driver needs `command.template` or `command.tasks`".into(),
                ),
                Some(c) if c.template.is_none() && c.tasks.is_empty() => problem(
                    "command",
                    "give `template` (every task) or `tasks` (a command per task)".into(),
                ),
                Some(_) => {}
            },
            Some(DriverKind::Http) => match &self.http {
                None => problem(
                    "http",
                    "the http driver needs `http.url` (the consumer's test hook)".into(),
                ),
                Some(h) if !(h.url.starts_with("http://") || h.url.starts_with("https://")) => {
                    problem(
                        "http.url",
                        format!("`{}` is not an http:// or https:// URL", h.url),
                    )
                }
                Some(_) => {}
            },
            Some(DriverKind::Replay) if self.replay.is_none() => problem(
                "replay",
                "the replay driver needs `replay.from` (a HAR file or a folder)".into(),
            ),
            _ => {}
        }
        out
    }

    /// Whether the consumer supports `task`.
    pub fn supports(&self, task: Task) -> bool {
        self.tasks
            .as_ref()
            .is_none_or(|list| list.iter().any(|t| t == task.name()))
    }
}
