//! Failures as a supplier's engineer reads them, h2spec-style: which test, which step, the requirement it
//! checks, the request that was made, where the response differed, what was expected and what came back, and
//! where the evidence is.
//!
//! Steps say what went wrong in one sentence. A sentence of the form `<where>: expected <e>, got <a>` (or
//! `<where>: expected <e>, but <a>`, or `<where>: must not be populated, got <a>`) is shown as separate
//! `Where:`, `Expected:` and `Actual:` lines; any other sentence is shown as it is.

use serde::{Deserialize, Serialize};

/// What a failed step said, split into its parts where the sentence follows the convention above.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepFailure {
    /// The element, header or part of the exchange that differed (`header Cache-Control`,
    /// `Bundle.entry[2].resource.meta.profile`).
    pub at: Option<String>,
    pub expected: Option<String>,
    pub actual: Option<String>,
    /// The whole sentence.
    pub message: String,
}

impl StepFailure {
    /// Reads a step's failure sentence.
    pub fn parse(message: &str) -> Self {
        let message = message.trim().to_string();
        let split = |sep: &str| {
            message
                .split_once(sep)
                .map(|(a, rest)| (a.trim().to_string(), rest.to_string()))
        };
        let mut out = Self {
            at: None,
            expected: None,
            actual: None,
            message: message.clone(),
        };
        if let Some((at, rest)) = split(": expected ") {
            let (expected, actual) = rest
                .split_once(", got ")
                .or_else(|| rest.split_once(", but "))
                .map_or((rest.as_str(), None), |(e, a)| (e, Some(a.to_string())));
            out.at = Some(at);
            out.expected = Some(expected.to_string());
            out.actual = actual.map(|a| match a.as_str() {
                "it is absent" => "(absent)".to_string(),
                _ => a,
            });
        } else if let Some((at, actual)) = split(": must not be populated, got ") {
            out.at = Some(at);
            out.expected = Some("absent (must not be populated)".into());
            out.actual = Some(actual);
        }
        out
    }

    /// One line: the sentence itself, shortened to `max` characters.
    pub fn summary(&self, max: usize) -> String {
        let first = self.message.lines().next().unwrap_or_default();
        if first.chars().count() <= max {
            first.to_string()
        } else {
            format!("{}…", first.chars().take(max).collect::<String>())
        }
    }
}

/// A failed test, with everything the block shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureReport {
    pub id: String,
    pub title: String,
    /// The Gherkin step that failed (`Then the response status code should be "409"`).
    pub step: Option<String>,
    pub requirement: String,
    /// The request line of the exchange the step looked at (`GET http://.../Patient/2`).
    pub request: Option<String>,
    pub failure: StepFailure,
    /// Where the test's evidence is shown (`reports/index.html#open=<id>`).
    pub evidence: String,
}

impl FailureReport {
    /// The block, without a trailing newline:
    ///
    /// ```text
    /// FAIL appt.book.07  A slot that is already booked is a duplicate
    ///   Step:        Then the response status code should be "409"
    ///   Requirement: ...
    ///   Request:     POST http://127.0.0.1:8080/B82617/STU3/1/gpconnect/fhir/Appointment
    ///   Where:       HTTP status
    ///   Expected:    409
    ///   Actual:      201
    ///   Evidence:    reports/index.html#open=appt.book.07
    /// ```
    pub fn render(&self) -> String {
        let mut lines = vec![format!("FAIL {}  {}", self.id, self.title)];
        let mut field = |name: &str, value: &str| {
            let mut parts = value.lines();
            let first = parts.next().unwrap_or_default();
            lines.push(format!("  {name:<12} {first}"));
            for more in parts {
                lines.push(format!("  {:<12} {more}", ""));
            }
        };
        if let Some(s) = &self.step {
            field("Step:", s);
        }
        field("Requirement:", &self.requirement);
        if let Some(r) = &self.request {
            field("Request:", r);
        }
        let f = &self.failure;
        match (&f.at, &f.expected) {
            (Some(at), Some(expected)) => {
                field("Where:", at);
                field("Expected:", expected);
                field("Actual:", f.actual.as_deref().unwrap_or("(not said)"));
            }
            _ => field("Failure:", &f.message),
        }
        field("Evidence:", &self.evidence);
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence_convention_splits_into_where_expected_actual() {
        let f = StepFailure::parse("header Cache-Control: expected `no-store`, got `(absent)`");
        assert_eq!(f.at.as_deref(), Some("header Cache-Control"));
        assert_eq!(f.expected.as_deref(), Some("`no-store`"));
        assert_eq!(f.actual.as_deref(), Some("`(absent)`"));
        let f = StepFailure::parse("Patient.id: expected a logical id, but it is absent");
        assert_eq!(f.actual.as_deref(), Some("(absent)"));
        let f = StepFailure::parse("Practitioner.telecom: must not be populated, got [1]");
        assert_eq!(f.at.as_deref(), Some("Practitioner.telecom"));
        assert_eq!(f.actual.as_deref(), Some("[1]"));
        let f = StepFailure::parse("no response from GET x: connection refused");
        assert_eq!(f.at, None);
        assert_eq!(f.summary(10), "no respons…");
    }

    #[test]
    fn the_block_has_one_line_per_part() {
        let r = FailureReport {
            id: "fdn.patient-read.01.1".into(),
            title: "Read a pack patient [patient=patient1]".into(),
            step: Some("Then the response header \"Cache-Control\" should be \"no-store\"".into()),
            requirement: "Every response says no-store (https://example/page.html)".into(),
            request: Some("GET http://127.0.0.1:1/B82617/STU3/1/gpconnect/fhir/Patient/1".into()),
            failure: StepFailure::parse(
                "header Cache-Control: expected `no-store`, got `(absent)`",
            ),
            evidence: "reports/evidence/fdn.patient-read.01.1".into(),
        };
        let text = r.render();
        for line in [
            "FAIL fdn.patient-read.01.1  Read a pack patient [patient=patient1]",
            "  Requirement: Every response says no-store",
            "  Request:     GET http://127.0.0.1:1/",
            "  Where:       header Cache-Control",
            "  Expected:    `no-store`",
            "  Actual:      `(absent)`",
            "  Evidence:    reports/evidence/fdn.patient-read.01.1",
        ] {
            assert!(text.contains(line), "{line}\n{text}");
        }
    }
}
