//! What a consumer rule found wrong with a request, in the h2spec style of provider failures: the rule, the
//! requirement it enforces (with the specification page), where in the request, what was expected and what came.

use serde::{Deserialize, Serialize};

/// A consumer rule: a stable id (`ssp.trace-id-uuid`), its group (`ssp`, `jwt`, `format`, `body`, `params`), the
/// requirement in the specification's words and the page that states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub requirement: &'static str,
    /// The GP Connect specification page (`development_general_api_guidance`).
    pub page: &'static str,
}

impl Rule {
    /// The group a rule belongs to: the part of its id before the first dot.
    pub fn group(&self) -> &'static str {
        self.id.split('.').next().unwrap_or(self.id)
    }

    /// A finding of this rule.
    pub fn finding(
        &self,
        at: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: self.id.to_string(),
            requirement: format!(
                "{}\nGP Connect: {}",
                self.requirement,
                crate::runner::plan::spec_url(None, self.page)
            ),
            at: at.into(),
            expected: expected.into(),
            actual: actual.into(),
        }
    }
}

/// One rule broken by one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule's id (`jwt.lifetime`).
    pub rule: String,
    /// The requirement, and on a second line the specification page.
    pub requirement: String,
    /// Where in the request: `header Ssp-TraceID`, `JWT claim exp`, `body Appointment.extension`, `query _format`.
    pub at: String,
    pub expected: String,
    pub actual: String,
}

impl Finding {
    /// The group of the finding's rule (`jwt`).
    pub fn group(&self) -> &str {
        self.rule.split('.').next().unwrap_or(&self.rule)
    }
}

impl std::fmt::Display for Finding {
    /// `<where>: expected <e>, got <a> (rule <id>)`: the sentence form the failure blocks split into
    /// Where/Expected/Actual.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: expected {}, got {} (rule {})",
            self.at, self.expected, self.actual, self.rule
        )
    }
}
