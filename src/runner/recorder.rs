//! A cucumber writer that remembers which Gherkin step of each test failed (cucumber's after-hook is told that
//! a step failed, not which), so that the failure block can name the step.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use cucumber::event::{Cucumber, Feature, Rule, Scenario, Step};
use cucumber::{cli, parser, Event, World, Writer};

/// The failed step of each test, by (feature file, cucumber line).
#[derive(Debug, Clone, Default)]
pub(super) struct FailedSteps(Arc<Mutex<HashMap<(PathBuf, usize), String>>>);

impl FailedSteps {
    fn insert(&self, key: (PathBuf, usize), step: String) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(key)
            .or_insert(step);
    }

    /// The failed step of the test at `file` (canonical) and `line`.
    pub fn get(&self, file: &Path, line: usize) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&(file.to_path_buf(), line))
            .cloned()
    }
}

/// The writer: records, forwards nothing.
#[derive(Debug)]
pub(super) struct StepRecorder(pub FailedSteps);

impl<W: World> Writer<W> for StepRecorder {
    type Cli = cli::Empty;

    async fn handle_event(&mut self, ev: parser::Result<Event<Cucumber<W>>>, _: &Self::Cli) {
        let Ok(ev) = ev else { return };
        let Cucumber::Feature(feature, ev) = &ev.value else {
            return;
        };
        let (scenario, ev) = match ev {
            Feature::Scenario(s, ev) | Feature::Rule(_, Rule::Scenario(s, ev)) => (s, ev),
            _ => return,
        };
        let (step, what) = match &ev.event {
            Scenario::Step(step, Step::Failed(..))
            | Scenario::Background(step, Step::Failed(..)) => (step, ""),
            Scenario::Step(step, Step::Skipped) | Scenario::Background(step, Step::Skipped) => {
                (step, " (no step definition matches it)")
            }
            _ => return,
        };
        let Some(path) = &feature.path else { return };
        self.0.insert(
            (path.clone(), scenario.position.line),
            format!("{} {}{what}", step.keyword.trim(), step.value),
        );
    }
}

impl cucumber::writer::NonTransforming for StepRecorder {}
